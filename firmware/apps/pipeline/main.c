/* pipeline: a 3-layer int8 network on three IMC tiles runs a batch of 32 inputs as a pipeline
 * of tile command queues (docs/command-queues.md, imcvp/imc_queue.h), then the same batch
 * host-driven through the register path (one layer and one input at a time, as
 * firmware/apps/infer does), and checks both against a C reference (bit-exact: use digital or
 * ideal tiles, e.g. configs/soc/pipeline-mesh.yaml).
 *
 * Pipelined dataflow, input b in IN slot s = b mod 2 of each tile (double buffering):
 *   tile 0:  LOAD x_b from TCM -> MVM (bias, ReLU, requant) -> WAIT credit -> SEND to tile 1
 *   tile 1:  WAIT full -> MVM -> SEND "slot free" to tile 0 -> WAIT credit -> SEND to tile 2
 *   tile 2:  WAIT full -> MVM (bias, int32) -> SEND "slot free" to tile 1 -> VEC REQUANT
 *            -> STORE y_b to TCM
 * SEM0 of a tile counts filled IN slots, SEM1 the free IN slots of the next tile (the host
 * posts 2 at the start). Each tile's program is one LOOP over a two-input body (IN slots 0
 * and 1) run BATCH/2 times, the LOAD/STORE addresses advancing by loop increments, so the
 * host builds 3 x (1 + ~10) descriptors whatever the batch, rings three doorbells and sleeps in
 * WFI until tile 2's queue drains (Q_EMPTY) or any tile reports Q_ERROR: one interrupt.
 *
 * Reports (imcvp_report, names up to 32 characters):
 *   pipeline_ok                        1 when both variants equal the reference
 *   speedup_x100                       100 x mtime(host-driven) / mtime(pipelined)
 *   host_instructions_per_input        host instructions (minstret) per input, pipelined:
 *                                      building the programs, doorbells and the wait
 *   host_instructions_per_input_base   the same, host-driven
 *   host_instructions_build            of the pipelined ones, building the programs
 *   ns_pipe, ns_base                   simulated time of each variant's batch
 *
 * Exit status: 0 ok; 2 tile setup failed; 3 a queue failed (tile, index, op, field printed);
 * 4 results differ from the reference.
 *
 * Limits: needs >= 3 tiles of at least 128 x 128 (digital or ideal for exact results); BATCH
 * (default 32) must be even.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "imcvp/clint.h"
#include "imcvp/csr.h"
#include "imcvp/imc.h"
#include "imcvp/imc_queue.h"
#include "imcvp/simctrl.h"

#ifndef BATCH
#define BATCH 32u
#endif
#define NL 3u
#define RING_SLOTS 16u
#define SEM_FULL 0u
#define SEM_CREDIT 1u
#define OUT8_OFF (IMC_BUF_OUT + 0x1000u) /* last tile: int8 result of VEC REQUANT */
#define EXIT_SETUP 2
#define EXIT_QUEUE 3
#define EXIT_MISMATCH 4

static const uint32_t rows[NL] = {128, 128, 128};
static const uint32_t cols[NL] = {128, 128, 64};
#define MAXD 128u
#define OUT_DIM 64u
static const uint32_t shifts[NL] = {12, 12, 0};
#define LAST_MUL 3
#define LAST_SHIFT 10

static int8_t weights[NL][MAXD * MAXD];
static int32_t bias[NL][MAXD], scale[NL][MAXD];
static int8_t inputs[BATCH][MAXD] __attribute__((aligned(64)));
static int8_t out_pipe[BATCH][OUT_DIM] __attribute__((aligned(64)));
static int8_t out_base[BATCH][OUT_DIM];
static int8_t out_ref[BATCH][OUT_DIM];
static imcq_desc ring_mem[NL][RING_SLOTS];
static imc_tile tiles[NL];
static imcq_ring rings[NL];

static uint32_t rng = 12345u;
static uint32_t next_rand(void) {
  rng = rng * 1664525u + 1013904223u;
  return rng >> 8;
}

static int8_t sat8(int64_t v) {
  return (int8_t)(v > 127 ? 127 : v < -128 ? -128 : v);
}
/* The vector unit's REQUANT (docs/command-queues.md). */
static int8_t vec_requant_ref(int32_t a, int32_t mul, uint32_t shift) {
  int64_t p = (int64_t)a * mul;
  if (shift) p = (p + ((int64_t)1 << (shift - 1))) >> shift;
  return sat8(p);
}

static void reference(void) {
  int8_t x[MAXD], y[MAXD];
  for (uint32_t b = 0; b < BATCH; ++b) {
    memcpy(x, inputs[b], rows[0]);
    for (uint32_t l = 0; l < NL; ++l) {
      int last = l == NL - 1;
      for (uint32_t j = 0; j < cols[l]; ++j) {
        int32_t acc = 0;
        for (uint32_t i = 0; i < rows[l]; ++i) acc += (int32_t)x[i] * weights[l][i * cols[l] + j];
        int32_t v = imc_postprocess_ref(acc, bias[l][j], !last, !last, scale[l][j], shifts[l]);
        y[j] = last ? vec_requant_ref(v, LAST_MUL, LAST_SHIFT) : (int8_t)v;
      }
      memcpy(x, y, cols[l]);
    }
    memcpy(out_ref[b], x, OUT_DIM);
  }
}

static uint32_t post_of(uint32_t l) {
  return l == NL - 1 ? IMCQ_POST_SIGNED_IN | IMCQ_POST_BIAS
                     : IMCQ_POST_SIGNED_IN | IMCQ_POST_BIAS | IMCQ_POST_RELU | IMCQ_POST_REQUANT;
}

/* Builds tile l's program for the whole batch into its ring (not yet committed): one LOOP
 * whose body handles two inputs (IN slots 0 and 1), run BATCH/2 times; the LOAD/STORE
 * addresses advance by two inputs/outputs per iteration (loop increments). */
static int build_program(uint32_t l) {
  imcq_ring* q = &rings[l];
  const uint32_t r = rows[l], c = cols[l];
  imcq_desc* d;
  imcq_desc* loop;
  if (!(loop = imcq_next(q))) return -1;
  uint32_t body = 0;
  for (uint32_t b = 0; b < 2; ++b) {
    const uint32_t in_off = IMC_BUF_IN + b * r;
    if (l == 0) {
      imcq_pattern p = imcq_pattern_1d((uint32_t)(uintptr_t)inputs[b], r, in_off);
      if (!(d = imcq_next(q))) return -1;
      imcq_load(d, &p);
      imcq_inc(d, IMCQ_W_PATTERN_BASE, 2u * sizeof inputs[0]);
    } else {
      if (!(d = imcq_next(q))) return -1;
      imcq_wait(d, SEM_FULL, 1);
    }
    if (!(d = imcq_next(q))) return -1;
    imcq_mvm(d, r, c, 1, in_off, IMC_BUF_OUT, post_of(l), shifts[l]);
    body += 2;
    if (l > 0) { /* the input slot is free again: credit upstream */
      if (!(d = imcq_next(q))) return -1;
      imcq_send(d, 0, 0, tiles[l - 1].index, 0, SEM_CREDIT, 1);
      ++body;
    }
    if (l < NL - 1) {
      if (!(d = imcq_next(q))) return -1;
      imcq_wait(d, SEM_CREDIT, 1);
      if (!(d = imcq_next(q))) return -1;
      imcq_send(d, IMC_BUF_OUT, c, tiles[l + 1].index, IMC_BUF_IN + b * c, SEM_FULL, 1);
    } else {
      if (!(d = imcq_next(q))) return -1;
      imcq_vec_requant(d, IMC_BUF_OUT, OUT8_OFF, c, LAST_MUL, LAST_SHIFT, 0);
      imcq_pattern p = imcq_pattern_1d((uint32_t)(uintptr_t)out_pipe[b], c, OUT8_OFF);
      if (!(d = imcq_next(q))) return -1;
      imcq_store(d, &p);
      imcq_inc(d, IMCQ_W_PATTERN_BASE, 2u * sizeof out_pipe[0]);
    }
    body += 2;
  }
  imcq_loop(loop, BATCH / 2, body);
  return 0;
}

static void report_fault(uint32_t l) {
  imcq_fault f;
  if (!imcq_fault_get(&rings[l], &f)) return;
  printf("pipeline: tile%u queue[%lu]: %s: word %lu: %s (info 0x%lx)\n", f.tile,
         (unsigned long)f.index, imcq_op_name(f.op), (unsigned long)f.field,
         imcq_error_name((int)f.code), (unsigned long)f.info);
}

/* Host-driven baseline: one layer and one input at a time through the register path. */
static int run_baseline(void) {
  uint32_t out_words[MAXD];
  int8_t x[MAXD];
  for (uint32_t b = 0; b < BATCH; ++b) {
    const int8_t* in = inputs[b];
    for (uint32_t l = 0; l < NL; ++l) {
      const imc_tile* t = &tiles[l];
      imc_copy_to(t, IMC_BUF_IN, in, rows[l]);
      int err = imc_run(t, IMC_OP_MVM);
      if (err) {
        printf("pipeline: baseline tile%u MVM failed: %s\n", t->index, imc_error_name(err));
        return err;
      }
      if (l < NL - 1) {
        imc_copy_from(t, IMC_BUF_OUT, x, cols[l]);
        in = x;
      } else {
        imc_copy_from(t, IMC_BUF_OUT, out_words, 4 * cols[l]);
        for (uint32_t j = 0; j < cols[l]; ++j)
          out_base[b][j] = vec_requant_ref((int32_t)out_words[j], LAST_MUL, LAST_SHIFT);
      }
    }
  }
  return 0;
}

int main(void) {
  unsigned n = imc_count();
  printf("pipeline: %u tile(s), batch %u, layers 128x128 -> 128x128 -> 128x64\n", n, BATCH);
  if (n < NL) {
    printf("pipeline: needs %u tiles\n", NL);
    return EXIT_SETUP;
  }
  for (uint32_t l = 0; l < NL; ++l) {
    for (uint32_t i = 0; i < rows[l] * cols[l]; ++i)
      weights[l][i] = (int8_t)(next_rand() % 127) - 63;
    for (uint32_t j = 0; j < cols[l]; ++j) {
      bias[l][j] = (int32_t)(next_rand() % 4001) - 2000;
      scale[l][j] = 16 + (int32_t)(next_rand() % 32);
    }
  }
  for (uint32_t b = 0; b < BATCH; ++b)
    for (uint32_t i = 0; i < MAXD; ++i) inputs[b][i] = (int8_t)(next_rand() & 0xFF);
  reference();

  /* Setup (both variants): weights by DMA from TCM, bias/scale, CTRL for the register path. */
  for (uint32_t l = 0; l < NL; ++l) {
    imc_tile* t = &tiles[l];
    if (imc_open(t, l) != IMC_OK || t->rows < rows[l] || t->cols < cols[l]) {
      printf("pipeline: tile%u too small or missing\n", (unsigned)l);
      return EXIT_SETUP;
    }
    int err = imc_program_from(t, (uint32_t)(uintptr_t)weights[l], rows[l], cols[l]);
    if (err) {
      printf("pipeline: tile%u PROGRAM failed: %s\n", t->index, imc_error_name(err));
      return EXIT_SETUP;
    }
    imc_set_postproc(t, bias[l], scale[l], shifts[l]);
    imc_set_ctrl(t, post_of(l)); /* POST bits = CTRL's SIGNED_IN/BIAS/RELU/REQUANT */
    imc_write(t, IMC_BATCH_OFFSET, 1);
    t->index = l;
  }

  /* Pipelined: build the programs, ring the doorbells, one interrupt; all of it measured. */
  imcvp_roi_begin(1);
  uint64_t ns0 = imcvp_sim_time_ns(), m0 = imcvp_mtime();
  uint64_t i0 = imcvp_rdinstret64();
  for (uint32_t l = 0; l < NL; ++l) {
    imcq_init(&rings[l], &tiles[l], ring_mem[l], RING_SLOTS,
              IMCQ_CTRL_STOP_ON_ERROR | (l == NL - 1 ? IMCQ_CTRL_IRQ_EMPTY : 0));
    if (build_program(l)) return EXIT_QUEUE;
    imcq_irq_attach(&rings[l], IMCQ_IRQ_Q_ERROR | (l == NL - 1 ? IMCQ_IRQ_Q_EMPTY : 0));
    if (l < NL - 1) imcq_sem_post(tiles[l].index, SEM_CREDIT, 2); /* two free slots downstream */
  }
  uint64_t i1 = imcvp_rdinstret64();
  for (uint32_t l = NL; l-- > 0;) imcq_commit(&rings[l]); /* consumers first */
  unsigned bad_tile = 0;
  int qerr = imcq_wait_irq(&rings[NL - 1], IMCQ_IRQ_Q_EMPTY, &bad_tile);
  uint64_t m1 = imcvp_mtime(), ns1 = imcvp_sim_time_ns();
  uint64_t i2 = imcvp_rdinstret64();
  imcvp_roi_end(1);
  if (qerr) {
    printf("pipeline: queue error %s on tile%u\n", imcq_error_name(qerr), bad_tile);
    for (uint32_t l = 0; l < NL; ++l) report_fault(l);
    imcvp_report("pipeline_ok", 0);
    return EXIT_QUEUE;
  }

  /* Host-driven baseline. */
  imcvp_roi_begin(2);
  uint64_t ns2 = imcvp_sim_time_ns(), m2 = imcvp_mtime();
  uint64_t i3 = imcvp_rdinstret64();
  int berr = run_baseline();
  uint64_t i4 = imcvp_rdinstret64();
  uint64_t m3 = imcvp_mtime(), ns3 = imcvp_sim_time_ns();
  imcvp_roi_end(2);

  unsigned bad_pipe = 0, bad_base = 0;
  for (uint32_t b = 0; b < BATCH; ++b) {
    bad_pipe += memcmp(out_pipe[b], out_ref[b], OUT_DIM) != 0;
    bad_base += memcmp(out_base[b], out_ref[b], OUT_DIM) != 0;
  }
  int ok = !berr && bad_pipe == 0 && bad_base == 0;
  uint64_t t_pipe = m1 - m0, t_base = m3 - m2;
  uint32_t speedup = t_pipe ? (uint32_t)(100u * t_base / t_pipe) : 0;
  /* Host instructions per input: building the queue programs, the doorbells and the wait. */
  uint32_t insn_pipe = (uint32_t)((i2 - i0) / BATCH), insn_base = (uint32_t)((i4 - i3) / BATCH);
  uint32_t insn_build = (uint32_t)((i1 - i0) / BATCH);
  printf(
      "pipeline: pipelined   %lu ns, %lu host instructions per input (%lu of them building the "
      "queues), %u/%u inputs wrong\n",
      (unsigned long)(ns1 - ns0), (unsigned long)insn_pipe, (unsigned long)insn_build, bad_pipe,
      BATCH);
  printf("pipeline: host-driven %lu ns, %lu host instructions per input, %u/%u inputs wrong\n",
         (unsigned long)(ns3 - ns2), (unsigned long)insn_base, bad_base, BATCH);
  printf("pipeline: speedup %lu.%02lux, host instructions 1/%lu\n", (unsigned long)speedup / 100,
         (unsigned long)speedup % 100, (unsigned long)(insn_pipe ? insn_base / insn_pipe : 0));
  printf("pipeline: %s\n", ok ? "bit-exact: OK" : "MISMATCH");
  imcvp_report("pipeline_ok", ok);
  imcvp_report("speedup_x100", (int32_t)speedup);
  imcvp_report("host_instructions_per_input", (int32_t)insn_pipe);
  imcvp_report("host_instructions_per_input_base", (int32_t)insn_base);
  imcvp_report("host_instructions_build", (int32_t)insn_build);
  imcvp_report("ns_pipe", (int32_t)(ns1 - ns0));
  imcvp_report("ns_base", (int32_t)(ns3 - ns2));
  return ok ? 0 : EXIT_MISMATCH;
}
