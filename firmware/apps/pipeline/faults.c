/* queue_faults: submits malformed descriptors to the tile command queues and checks that each
 * ends in a per-descriptor STATUS word (error code + failing word), a Q_ERROR interrupt and a
 * decoded fault (imcvp/imc_queue.h); the model also logs `tile<i> queue[<n>]: <op>: word <f>:`.
 *
 *   case         tile  descriptor                                  expected
 *   bad_op       0     NOP, then OP 0x3F                           bad_op, word 0, queue[1]
 *   bad_tile     1     SEND to tile 99                             bad_tile, word 3
 *   dma          2     LOAD from 0x7000_0000 (no target there)     dma, word 1
 *   deadlock     0     WAIT SEM5 >= 1 that nobody posts            deadlock, word 1 (after
 *                                                                  imc.queue_deadlock_ns)
 * After each case the ring is reset (imcq_reset) and reused, so queue indices keep counting.
 * Reports firmware.faults_ok (cases that behaved as expected, of 4) and faults_irqs.
 *
 * First, as a positive check of the HAL's full-ring handling, 20 descriptors go through an
 * 8-slot ring (report ring_wrap_ok).
 *
 * Exit status: 0 all cases as expected; 1 ring wrap failed; 1 + the number of the first
 * failing case otherwise; 10 fewer than 3 tiles.
 */
#include <stdint.h>
#include <stdio.h>

#include "imcvp/imc.h"
#include "imcvp/imc_queue.h"
#include "imcvp/simctrl.h"

#define NT 3u
#define SLOTS 8u
#define BAD_ADDR 0x70000000u

static imcq_desc ring_mem[NT][SLOTS];
static imcq_ring rings[NT];
static imc_tile tiles[NT];
static unsigned irqs;

struct fault_case {
  const char* name;
  unsigned tile;
  uint32_t code, field, op;
};

/* Submits the case's descriptors, waits for Q_ERROR and checks the decoded fault. */
static int run_case(unsigned k, const struct fault_case* c) {
  imcq_ring* q = &rings[c->tile];
  uint32_t first = q->pending;
  imcq_desc* d = imcq_next(q);
  switch (k) {
    case 0:
      imcq_nop(d); /* a good descriptor first: the failing one is the second */
      d = imcq_next(q);
      imcq_clear(d, 0x3Fu);
      break;
    case 1:
      imcq_send(d, IMC_BUF_OUT, 16, 99, IMC_BUF_IN, IMCQ_NO_SEM, 0);
      break;
    case 2: {
      imcq_pattern p = imcq_pattern_1d(BAD_ADDR, 64, IMC_BUF_IN);
      imcq_load(d, &p);
      break;
    }
    default:
      imcq_wait(d, 5, 1);
      break;
  }
  uint32_t failing = q->pending - 1;
  imcq_commit(q);
  unsigned err_tile = 99;
  int err = imcq_wait_irq(q, IMCQ_IRQ_Q_EMPTY, &err_tile);
  if (err) ++irqs;
  imcq_fault f;
  int code = imcq_fault_get(q, &f);
  uint32_t st = q->slots[failing % q->size].w[IMCQ_STATUS_WORD];
  printf("queue_faults: %s: tile%u queue[%lu]: %s: word %lu: %s (info 0x%lx, STATUS 0x%08lx)\n",
         c->name, f.tile, (unsigned long)f.index, imcq_op_name(f.op), (unsigned long)f.field,
         imcq_error_name(code), (unsigned long)f.info, (unsigned long)st);
  int ok = err == (int)c->code && err_tile == c->tile && code == (int)c->code &&
           f.index == failing && f.field == c->field && (f.op & 0xFFu) == c->op &&
           imcq_status_done(st) && imcq_status_code(st) == c->code &&
           imcq_status_field(st) == c->field;
  if (k == 0) /* the NOP before it succeeded */
    ok = ok && q->slots[first % q->size].w[IMCQ_STATUS_WORD] == 1u;
  imcq_reset(q);
  return ok;
}

int main(void) {
  if (imc_count() < NT) {
    printf("queue_faults: needs %u tiles\n", NT);
    return 10;
  }
  for (unsigned i = 0; i < NT; ++i) {
    imc_open(&tiles[i], i);
    imcq_init(&rings[i], &tiles[i], ring_mem[i], SLOTS, IMCQ_CTRL_STOP_ON_ERROR);
    imcq_irq_attach(&rings[i], IMCQ_IRQ_Q_ERROR | IMCQ_IRQ_Q_EMPTY);
  }
  static const struct fault_case cases[] = {
      {"unknown opcode", 0, IMCQ_ERR_BAD_OP, 0, 0x3F},
      {"send to a missing tile", 1, IMCQ_ERR_BAD_TILE, 3, IMCQ_OP_SEND},
      {"load outside any target", 2, IMCQ_ERR_DMA, 1, IMCQ_OP_LOAD},
      {"wait never satisfied", 0, IMCQ_ERR_DEADLOCK, 1, IMCQ_OP_WAIT},
  };
  /* Not a fault: 20 descriptors through the 8-slot ring of tile 1 (imcq_submit waits for
   * free slots and wraps), a SEM post from the host satisfying a WAIT, then a SIGNAL. */
  imcq_desc prog[20];
  for (unsigned i = 0; i < 18; ++i) imcq_nop(&prog[i]);
  imcq_wait(&prog[18], 7, 3);
  imcq_signal(&prog[19], 0xC0FFEEu);
  imcq_sem_post(1, 7, 3);
  int werr = imcq_submit(&rings[1], prog, 20);
  int ierr = imcq_wait_idle(&rings[1]);
  uint32_t sig = imc_read(&tiles[1], IMC_Q_SIGNAL_OFFSET);
  int wrap_ok =
      !werr && !ierr && sig == 0xC0FFEEu && rings[1].tail == 20 && imcq_sem_read(1, 7) == 0;
  printf("queue_faults: ring wrap: 20 descriptors through 8 slots, Q_SIGNAL 0x%lx: %s\n",
         (unsigned long)sig, wrap_ok ? "ok" : "FAILED");
  imcvp_report("ring_wrap_ok", wrap_ok);
  unsigned n_ok = 0;
  int first_bad = wrap_ok ? 0 : 1;
  for (unsigned k = 0; k < sizeof cases / sizeof cases[0]; ++k) {
    int ok = run_case(k, &cases[k]);
    printf("queue_faults: case %u (%s): %s\n", k + 1, cases[k].name, ok ? "ok" : "FAILED");
    n_ok += (unsigned)ok;
    if (!ok && !first_bad) first_bad = (int)k + 2;
  }
  imcvp_report("faults_ok", (int32_t)n_ok);
  imcvp_report("faults_irqs", (int32_t)irqs);
  return first_bad;
}
