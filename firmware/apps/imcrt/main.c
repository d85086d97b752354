/* imcrt: the generic runtime of imcc packages (docs/compiler.md, "Package format", "Runtime
 * contract" and "Runtime (imcrt)"; compiler/imcc/backend/emulate.py is the executable
 * specification).
 *
 *   imcvp run -c SOC.yaml --load PKG@0x40100000 [--semihosting-fs DIR] imcrt.elf
 *
 * The package sits at IMCRT_PKG_ADDR (dram.base + 1 MiB, as imcc lays it out). imcrt checks it
 * (magic, version, load address, size, FNV-1a checksum, section directory, program table,
 * descriptor ops) and the SoC it runs on against the package's fingerprint (tile count, kind
 * and geometry per tile from the INFO/GEOMETRY registers, tile window base/stride, the DRAM
 * window probed for access faults) before touching a tile. Then, per window of B inputs and per
 * phase, it copies the setup/body/sync programs into per-tile descriptor rings (TCM): a LOOP
 * body program once per window (relocated for the window's first input, COUNT = the window's
 * inputs; the tile's command processor repeats it with the per-input loop increments), other
 * body programs once per input with that input's relocations; it rings the doorbells and
 * sleeps in WFI until every queue has drained (Q_EMPTY interrupts; Q_DONE on every IRQ_EVERY-th
 * slot to refill long streams; Q_ERROR stops the run with the failing tile, queue index, op, error
 * and word). Outputs are compared with the package's int8-reference outputs (int8ref_match), their
 * argmax with the labels (accuracy), and the results go to the UART and to imcvp_report().
 *
 * With `--semihosting-fs DIR` the outputs region (n_inputs x out_stride bytes) is written to
 * DIR/outputs.bin (semihosting SYS_WRITE; reads guest memory without simulated traffic).
 *
 * Exit status: 0 ran (whatever the match count: analog tiles are not exact); 2 no package at
 * IMCRT_PKG_ADDR (bad magic); 3 unsupported version / header size / load address; 4 corrupt
 * package (size, checksum, sections, programs, descriptors); 5 the package was compiled for
 * another SoC; 6 a descriptor failed on a tile (or a queue deadlocked); 7 out of TCM for the
 * rings or a host step's operands; 8 bad shard descriptor.
 *
 * Host steps (package version 3, section HOSTSTEPS): layers the core computes between tile
 * stages (a Transformer's layer norm, GELU, softmax, Q.K^T and softmax.V; hostops.c). After a
 * phase's body stage the core runs that phase's host steps for every input of the window, in
 * package order, with the input's relocations. A RESIDENT package (flag 8) programs every
 * phase's tiles once, before the first window.
 *
 * Shards (docs/compiler.md, "Running at scale"): a 16-byte descriptor at IMCRT_SHARD_ADDR
 * ('IMCS', first input, count, ~(first ^ count); `imcc run --jobs N` loads one per process)
 * makes imcrt run inputs first..first+count-1 only; first must start a window. Every analog
 * tile runs with NOISE_CTRL.PIN_AGE (device age = AGE_S, not the simulated time since
 * programming) and its noise stream restarted at NOISE_KEY = the window's first input at the
 * start of every window (after the one-time programming of a single-phase model), so an
 * input's outputs do not depend on which inputs ran before it in the same process.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostops.h"
#include "imcvp/csr.h"
#include "imcvp/imc.h"
#include "imcvp/irq.h"
#include "imcvp/mmio.h"
#include "imcvp/plic.h"
#include "imcvp/simctrl.h"

#ifndef IMCRT_PKG_ADDR
#define IMCRT_PKG_ADDR (IMCVP_DRAM_BASE + 0x100000u)
#endif
#ifndef IMCRT_RING_SLOTS /* per tile, in TCM; a power of two */
#define IMCRT_RING_SLOTS 256u
#endif
#ifndef IMCRT_RING_SLOTS_MAX /* grown up to this for LOOP programs (LOOP + body + sync) */
#define IMCRT_RING_SLOTS_MAX 1024u
#endif
/* Q_DONE flag on every 64th slot (a quarter of a smaller ring): refill before a long stream
 * stalls */
#define IRQ_EVERY (IMCRT_RING_SLOTS < 256u ? IMCRT_RING_SLOTS / 4u : 64u)

#define EXIT_NO_PACKAGE 2
#define EXIT_UNSUPPORTED 3
#define EXIT_CORRUPT 4
#define EXIT_OTHER_SOC 5
#define EXIT_TILE_ERROR 6
#define EXIT_NO_MEMORY 7
#define EXIT_BAD_SHARD 8

#ifndef IMCRT_SHARD_ADDR /* the shard descriptor: 4 KiB below the package */
#define IMCRT_SHARD_ADDR (IMCRT_PKG_ADDR - 0x1000u)
#endif
#define SHARD_MAGIC 0x53434D49u /* 'IMCS' */

#define PKG_MAGIC 0x43434D49u
#define PKG_VERSION 3u
#define PKG_HEADER_SIZE 128u

enum {
  SEC_TILES = 1,
  SEC_PROGRAMS,
  SEC_DESCRIPTORS,
  SEC_RELOCS,
  SEC_WEIGHTS,
  SEC_PARAMS,
  SEC_INPUTS,
  SEC_LABELS,
  SEC_EXPECTED,
  SEC_HOSTOPS,
  SEC_OUTSCALES,
  SEC_HOSTSTEPS,
  SEC_COUNT
};
enum { KIND_SETUP = 0, KIND_BODY = 1, KIND_SYNC = 2 };
enum { HOSTOP_ARGMAX = 1, HOSTOP_SOFTMAX = 2 };
#define FLAG_THROUGHPUT 1u
#define FLAG_LABELS 2u
#define FLAG_RESIDENT 8u /* several phases (tile stages), weights programmed once */
#define PROG_LOOP 1u     /* program flags: descriptor 0 is a LOOP over descriptors 1.. */
#define OP_LOOP 11u

typedef struct {
  uint32_t magic;
  uint16_t version, header_size;
  uint32_t total_size, checksum, load_addr, flags, n_tiles, tile_base, tile_stride, dram_base,
      dram_size, tiles_hash, n_sections, dir_off, n_inputs, in_size, in_stride, out_elems,
      out_elem_size, out_stride, inputs_addr, outputs_addr, frames_addr, frame_size, window,
      n_phases, rings_addr, ring_bytes, workspace_end, n_programs;
  char name[8];
} pkg_header;
_Static_assert(sizeof(pkg_header) == PKG_HEADER_SIZE, "header layout");

typedef struct {
  uint32_t tile, phase, kind, n_desc, desc_addr, reloc_addr, first, flags;
} pkg_program;

typedef struct {
  uint32_t off, size, count;
} section;

typedef struct {
  uint16_t prog, input, count, zero; /* count > 1: a LOOP body slot, inputs input.. */
  uint32_t desc;
} slot_info;

typedef struct {
  uint32_t base;       /* register block */
  uint32_t tail, head; /* our Q_TAIL and the last Q_HEAD read */
  uint32_t job, njobs, d;
  uint32_t slots;  /* ring size: IMCRT_RING_SLOTS, more for LOOP programs; power of 2 */
  int loop;        /* the current stage's body program is run as a LOOP */
  uint32_t* ring;  /* slots x 16 words, 64-byte aligned, in TCM */
  slot_info* info; /* what each slot holds, for error reports */
} tile_queue;

static pkg_header H;
static section S[SEC_COUNT];
static pkg_program* progs;
static int* prog_at; /* (phase * n_tiles + tile) * 3 + kind -> program index or -1 */
static tile_queue* Q;
static const uint32_t* desc_cache;  /* DESCRIPTORS copied to TCM (NULL: read from DRAM) */
static const uint32_t* reloc_cache; /* RELOCS copied to TCM (NULL: read from DRAM) */
static uint32_t desc_base_addr, reloc_base_addr;

/* The current stage: setup (one job per tile) or body+sync (window inputs, then sync). */
static uint32_t st_phase, st_kind, st_n0, st_nwin;
static uint64_t descriptors_submitted;

static volatile uint32_t irq_events, irq_errors;

static const char* const op_names[] = {"NOP", "MVM",     "LOAD",   "STORE", "SEND",    "WAIT",
                                       "VEC", "PROGRAM", "SIGNAL", "FENCE", "BARRIER", "LOOP"};
static const char* const vec_names[] = {"VEC ADD",     "VEC RELU",    "VEC MAXPOOL",
                                        "VEC AVGPOOL", "VEC REQUANT", "VEC COPY"};
static const char* const err_names[] = {
    "ok",        "busy",         "bad_op",      "bad_dim",       "bad_batch",
    "dma",       "weight_range", "cell_worn",   "bad_dma_range", "not_programmed",
    "bad_queue", "bad_tile",     "bad_pattern", "bad_sem",       "deadlock"};
static const char* const kind_names[] = {"setup", "body", "sync"};

static const char* op_name(uint32_t w0) {
  uint32_t op = w0 & 0xFFu;
  if (op == 6u && (w0 >> 16) < 6u) return vec_names[w0 >> 16];
  return op < 12u ? op_names[op] : "unknown op";
}
static const char* err_name(uint32_t code) {
  return code < sizeof err_names / sizeof err_names[0] ? err_names[code] : "unknown";
}

/* ---- probing memory without dying on an access fault ---- */
static volatile int probe_faulted;
static void on_probe_fault(imcvp_trap_frame* f) {
  probe_faulted = 1;
  f->mepc += imcvp_insn_length(f->mepc);
}
static int probe_read(uint32_t addr, uint32_t* value) {
  imcvp_trap_handler_t old = imcvp_exception_register(CAUSE_LOAD_ACCESS, on_probe_fault);
  probe_faulted = 0;
  uint32_t v = imcvp_read32(addr);
  imcvp_exception_register(CAUSE_LOAD_ACCESS, old);
  if (value) *value = v;
  return !probe_faulted;
}

/* ---- semihosting (host files with --semihosting-fs) ---- */
static int32_t semihost(uint32_t op, const void* arg) {
  register uint32_t a0 __asm__("a0") = op;
  register const void* a1 __asm__("a1") = arg;
  __asm__ volatile(
      ".option push\n.option norvc\n.balign 16\n"
      "slli x0, x0, 0x1f\nebreak\nsrai x0, x0, 7\n.option pop\n"
      : "+r"(a0)
      : "r"(a1)
      : "memory");
  return (int32_t)a0;
}
/* Writes [addr, addr + n) to the host file `name` (relative to --semihosting-fs DIR). */
static int host_write_file(const char* name, uint32_t addr, uint32_t n) {
  uint32_t open_args[3] = {(uint32_t)(uintptr_t)name, 5u /* "wb" */, (uint32_t)strlen(name)};
  int32_t fd = semihost(0x01u, open_args);
  if (fd < 0) return -1;
  uint32_t write_args[3] = {(uint32_t)fd, addr, n};
  int32_t left = semihost(0x05u, write_args);
  uint32_t close_args[1] = {(uint32_t)fd};
  semihost(0x02u, close_args);
  return left == 0 ? 0 : -1;
}

/* FNV-1a over bytes, read with aligned 32-bit loads where possible: every load from DRAM is
 * one bus/NoC transaction, so word loads make checking a large package (a 10,000-image test
 * set: 9.7 MB) 4x cheaper in simulated and host time. Same value as the bytewise loop. */
static uint32_t fnv1a(uint32_t addr, uint32_t n, uint32_t h) {
  const uint8_t* p = (const uint8_t*)(uintptr_t)addr;
  uint32_t i = 0;
  for (; i < n && ((addr + i) & 3u); ++i) h = (h ^ p[i]) * 0x01000193u;
  for (; i + 4u <= n; i += 4u) {
    uint32_t w = *(const volatile uint32_t*)(uintptr_t)(addr + i); /* little endian */
    h = (h ^ (w & 0xFFu)) * 0x01000193u;
    h = (h ^ ((w >> 8) & 0xFFu)) * 0x01000193u;
    h = (h ^ ((w >> 16) & 0xFFu)) * 0x01000193u;
    h = (h ^ (w >> 24)) * 0x01000193u;
  }
  for (; i < n; ++i) h = (h ^ p[i]) * 0x01000193u;
  return h;
}

#define FAIL(code, ...)            \
  do {                             \
    printf("imcrt: error: ");      \
    printf(__VA_ARGS__);           \
    printf("\n");                  \
    imcvp_report("error", (code)); \
    return (code);                 \
  } while (0)

/* ---- 1. the package ---- */
static int check_package(void) {
  uint32_t magic = 0;
  if (!probe_read(IMCRT_PKG_ADDR, &magic))
    FAIL(EXIT_NO_PACKAGE, "no memory at the package address 0x%08lx (no DRAM?)",
         (unsigned long)IMCRT_PKG_ADDR);
  if (magic != PKG_MAGIC)
    FAIL(EXIT_NO_PACKAGE,
         "no package at 0x%08lx (magic 0x%08lx, expected 0x%08lx 'IMCC'): load one with "
         "imcvp run --load PKG@0x%08lx imcrt.elf",
         (unsigned long)IMCRT_PKG_ADDR, (unsigned long)magic, (unsigned long)PKG_MAGIC,
         (unsigned long)IMCRT_PKG_ADDR);
  memcpy(&H, (const void*)(uintptr_t)IMCRT_PKG_ADDR, sizeof H);
  if (H.version != PKG_VERSION || H.header_size != PKG_HEADER_SIZE)
    FAIL(EXIT_UNSUPPORTED, "package version %u / header size %u (imcrt reads %u / %u)", H.version,
         H.header_size, PKG_VERSION, PKG_HEADER_SIZE);
  if (H.load_addr != IMCRT_PKG_ADDR)
    FAIL(EXIT_UNSUPPORTED, "package linked for load address 0x%08lx, found at 0x%08lx",
         (unsigned long)H.load_addr, (unsigned long)IMCRT_PKG_ADDR);
  /* The DRAM this SoC really has (also checked against the fingerprint below). */
  uint32_t dram_end = IMCVP_DRAM_BASE + H.dram_size;
  if (H.total_size < PKG_HEADER_SIZE || H.dram_size == 0 ||
      H.total_size > H.dram_size - (IMCRT_PKG_ADDR - IMCVP_DRAM_BASE) ||
      !probe_read(((IMCRT_PKG_ADDR + H.total_size) & ~3u) - 4u, NULL))
    FAIL(EXIT_CORRUPT, "package size %lu B does not fit the DRAM window (corrupt header?)",
         (unsigned long)H.total_size);
  (void)dram_end;
  uint32_t sum = fnv1a(IMCRT_PKG_ADDR + 16u, H.total_size - 16u, 0x811C9DC5u);
  if (sum != H.checksum)
    FAIL(EXIT_CORRUPT,
         "package checksum mismatch (FNV-1a 0x%08lx, header says 0x%08lx): corrupt or "
         "truncated package",
         (unsigned long)sum, (unsigned long)H.checksum);
  if (H.dir_off < PKG_HEADER_SIZE || H.n_sections > 64 ||
      H.dir_off + 16u * H.n_sections > H.total_size)
    FAIL(EXIT_CORRUPT, "section directory out of bounds");
  for (uint32_t i = 0; i < H.n_sections; ++i) {
    const uint32_t* e = (const uint32_t*)(uintptr_t)(IMCRT_PKG_ADDR + H.dir_off + 16u * i);
    uint32_t id = e[0], off = e[1], size = e[2], count = e[3];
    if (id == 0 || id >= SEC_COUNT || off % 64u || off > H.total_size || size > H.total_size - off)
      FAIL(EXIT_CORRUPT, "section %lu (id %lu) out of bounds or unknown", (unsigned long)i,
           (unsigned long)id);
    S[id].off = off;
    S[id].size = size;
    S[id].count = count;
  }
  for (uint32_t id = 1; id < SEC_COUNT; ++id)
    if (S[id].off == 0) FAIL(EXIT_CORRUPT, "section id %lu missing", (unsigned long)id);
  if (S[SEC_PROGRAMS].count != H.n_programs || S[SEC_PROGRAMS].size != 32u * H.n_programs ||
      S[SEC_DESCRIPTORS].size != 64u * S[SEC_DESCRIPTORS].count ||
      S[SEC_RELOCS].size != 4u * S[SEC_DESCRIPTORS].count || H.n_tiles == 0 ||
      H.n_tiles > IMC_MAX_TILES || H.n_phases == 0 || H.window == 0 || H.n_inputs > 65535u ||
      S[SEC_TILES].count != H.n_tiles || S[SEC_TILES].size != 8u * H.n_tiles ||
      S[SEC_EXPECTED].size < H.n_inputs * H.out_stride ||
      (H.out_elem_size != 1u && H.out_elem_size != 4u) ||
      H.out_stride < H.out_elems * H.out_elem_size)
    FAIL(EXIT_CORRUPT, "inconsistent header/section sizes");
  if (S[SEC_HOSTSTEPS].size != 64u * S[SEC_HOSTSTEPS].count)
    FAIL(EXIT_CORRUPT, "host step section size %lu for %lu entries",
         (unsigned long)S[SEC_HOSTSTEPS].size, (unsigned long)S[SEC_HOSTSTEPS].count);
  for (uint32_t i = 0; i < S[SEC_HOSTSTEPS].count; ++i) {
    const uint32_t* w =
        (const uint32_t*)(uintptr_t)(IMCRT_PKG_ADDR + S[SEC_HOSTSTEPS].off + 64u * i);
    if (w[0] == 0u || w[0] >= HSTEP_COUNT || w[1] >= H.n_phases)
      FAIL(EXIT_CORRUPT, "host step %lu: op %lu / phase %lu out of range", (unsigned long)i,
           (unsigned long)w[0], (unsigned long)w[1]);
    for (unsigned k = 2; k <= 5; ++k)
      if (w[k] && (w[k] < IMCRT_PKG_ADDR || w[k] >= H.workspace_end))
        FAIL(EXIT_CORRUPT,
             "host step %lu: address word %u = 0x%08lx outside the package and "
             "its workspace",
             (unsigned long)i, k, (unsigned long)w[k]);
  }
  return 0;
}

/* ---- 2. the SoC fingerprint ---- */
static int check_soc(void) {
  unsigned n = imc_count();
  if (H.tile_base != IMCVP_TILE_BASE || H.tile_stride != IMCVP_TILE_STRIDE)
    FAIL(EXIT_OTHER_SOC,
         "package compiled for another SoC: tile windows at 0x%08lx + i*0x%lx, this SoC "
         "0x%08lx + i*0x%lx",
         (unsigned long)H.tile_base, (unsigned long)H.tile_stride, (unsigned long)IMCVP_TILE_BASE,
         (unsigned long)IMCVP_TILE_STRIDE);
  if (H.n_tiles != n)
    FAIL(EXIT_OTHER_SOC, "package compiled for another SoC: %lu tiles, this SoC has %u",
         (unsigned long)H.n_tiles, n);
  if (H.dram_base != IMCVP_DRAM_BASE)
    FAIL(EXIT_OTHER_SOC, "package compiled for another SoC: DRAM at 0x%08lx, this SoC 0x%08lx",
         (unsigned long)H.dram_base, (unsigned long)IMCVP_DRAM_BASE);
  uint32_t end = H.dram_base + H.dram_size;
  int last_ok = probe_read(end - 4u, NULL);
  int past_ok = end != 0u && end > H.dram_base && probe_read(end, NULL);
  if (!last_ok || past_ok)
    FAIL(EXIT_OTHER_SOC,
         "package compiled for another SoC: DRAM window 0x%08lx + 0x%lx, but this SoC's DRAM "
         "%s",
         (unsigned long)H.dram_base, (unsigned long)H.dram_size,
         !last_ok ? "is smaller" : "is larger");
  if (H.workspace_end > end || H.workspace_end < IMCRT_PKG_ADDR + H.total_size)
    FAIL(EXIT_CORRUPT, "workspace end 0x%08lx outside the DRAM window",
         (unsigned long)H.workspace_end);
  const uint8_t* tt = (const uint8_t*)(uintptr_t)(IMCRT_PKG_ADDR + S[SEC_TILES].off);
  if (fnv1a((uint32_t)(uintptr_t)tt, S[SEC_TILES].size, 0x811C9DC5u) != H.tiles_hash)
    FAIL(EXIT_CORRUPT, "tile table inconsistent with the header's hash");
  for (unsigned t = 0; t < n; ++t) {
    imc_tile tile;
    imc_open(&tile, t);
    const uint8_t* e = tt + 8u * t;
    unsigned kind = e[0], rows = e[2] | (e[3] << 8), cols = e[4] | (e[5] << 8);
    if (kind != tile.digital || rows != tile.rows || cols != tile.cols)
      FAIL(EXIT_OTHER_SOC,
           "package compiled for another SoC: tile %u is %s %ux%u in the package, %s %lux%lu "
           "here",
           t, kind ? "digital" : "analog", rows, cols, tile.digital ? "digital" : "analog",
           (unsigned long)tile.rows, (unsigned long)tile.cols);
  }
  return 0;
}

/* Global drift compensation (CALIBRATE, docs/imc-model.md) of every analog tile the package
 * uses, right after its weights were programmed: the tile measures how far its conductances
 * have drifted (the device age includes the configured extra age) and scales its outputs back.
 * A tile that holds no weights in this phase answers not_programmed, which is fine. */
static uint32_t calibrations = 0;
static int calibrate_analog_tiles(void) {
  const uint8_t* tt = (const uint8_t*)(uintptr_t)(IMCRT_PKG_ADDR + S[SEC_TILES].off);
  for (unsigned t = 0; t < H.n_tiles; ++t) {
    if (tt[8u * t] != 0u) continue; /* digital: nothing drifts */
    imc_tile tile;
    if (imc_open(&tile, t) != IMC_OK) continue;
    int err = imc_calibrate(&tile);
    if (err == IMC_ERR_NOT_PROGRAMMED) continue;
    if (err) FAIL(EXIT_TILE_ERROR, "tile %u CALIBRATE failed: %s", t, imc_error_name(err));
    ++calibrations;
  }
  return 0;
}

/* The shard to run (whole package without a descriptor at IMCRT_SHARD_ADDR). */
static uint32_t shard_first = 0, shard_count = 0, sharded = 0;
static int read_shard(void) {
  uint32_t w[4] = {0, 0, 0, 0};
  shard_first = 0;
  shard_count = H.n_inputs;
  if (!probe_read(IMCRT_SHARD_ADDR, &w[0]) || w[0] != SHARD_MAGIC) return 0;
  memcpy(w, (const void*)(uintptr_t)IMCRT_SHARD_ADDR, sizeof w);
  if (w[3] != ~(w[1] ^ w[2]) || w[2] == 0u || w[1] >= H.n_inputs || w[2] > H.n_inputs - w[1] ||
      w[1] % H.window != 0u)
    FAIL(EXIT_BAD_SHARD,
         "bad shard descriptor at 0x%08lx: first %lu, count %lu (check 0x%08lx): the package "
         "has %lu inputs, windows of %lu; first must be a multiple of the window",
         (unsigned long)IMCRT_SHARD_ADDR, (unsigned long)w[1], (unsigned long)w[2],
         (unsigned long)w[3], (unsigned long)H.n_inputs, (unsigned long)H.window);
  shard_first = w[1];
  shard_count = w[2];
  sharded = 1;
  return 0;
}

/* Per-input determinism: every analog tile evaluates drift and read noise at the device age
 * AGE_S (PIN_AGE) and, with key != ~0, restarts its noise stream at (seed, tile, key). */
static void noise_setup(uint32_t key, int pin) {
  const uint8_t* tt = (const uint8_t*)(uintptr_t)(IMCRT_PKG_ADDR + S[SEC_TILES].off);
  for (unsigned t = 0; t < H.n_tiles; ++t) {
    if (tt[8u * t] != 0u) continue; /* digital: no noise */
    imc_tile tile;
    if (imc_open(&tile, t) != IMC_OK) continue;
    if (pin) imc_write(&tile, IMC_NOISE_CTRL_OFFSET, 1u); /* PIN_AGE */
    if (key != ~0u) imc_write(&tile, IMC_NOISE_KEY_OFFSET, key);
  }
}

/* ---- 3. programs ---- */
static int load_programs(void) {
  uint32_t nd = S[SEC_DESCRIPTORS].count;
  desc_base_addr = IMCRT_PKG_ADDR + S[SEC_DESCRIPTORS].off;
  reloc_base_addr = IMCRT_PKG_ADDR + S[SEC_RELOCS].off;
  progs = malloc(sizeof(pkg_program) * (H.n_programs ? H.n_programs : 1));
  prog_at = malloc(sizeof(int) * 3u * H.n_tiles * H.n_phases);
  if (!progs || !prog_at) FAIL(EXIT_NO_MEMORY, "out of TCM for the program table");
  memcpy(progs, (const void*)(uintptr_t)(IMCRT_PKG_ADDR + S[SEC_PROGRAMS].off),
         sizeof(pkg_program) * H.n_programs);
  for (uint32_t i = 0; i < 3u * H.n_tiles * H.n_phases; ++i) prog_at[i] = -1;
  for (uint32_t i = 0; i < H.n_programs; ++i) {
    const pkg_program* p = &progs[i];
    if (p->tile >= H.n_tiles || p->phase >= H.n_phases || p->kind > 2u)
      FAIL(EXIT_CORRUPT, "program %lu: tile %lu / phase %lu / kind %lu out of range",
           (unsigned long)i, (unsigned long)p->tile, (unsigned long)p->phase,
           (unsigned long)p->kind);
    if (p->first > nd || p->n_desc > nd - p->first ||
        p->desc_addr != desc_base_addr + 64u * p->first ||
        p->reloc_addr != reloc_base_addr + 4u * p->first)
      FAIL(EXIT_CORRUPT, "program %lu: descriptors outside their section", (unsigned long)i);
    int* slot = &prog_at[(p->phase * H.n_tiles + p->tile) * 3u + p->kind];
    if (*slot >= 0)
      FAIL(EXIT_CORRUPT, "program %lu: a second %s program for tile %lu phase %lu",
           (unsigned long)i, kind_names[p->kind], (unsigned long)p->tile, (unsigned long)p->phase);
    *slot = (int)i;
    if ((p->flags & ~PROG_LOOP) || (p->flags && (p->kind != KIND_BODY || p->n_desc < 2u)))
      FAIL(EXIT_CORRUPT, "program %lu: bad flags 0x%lx", (unsigned long)i, (unsigned long)p->flags);
    for (uint32_t j = 0; j < p->n_desc; ++j) {
      const uint32_t* w = (const uint32_t*)(uintptr_t)(p->desc_addr + 64u * j);
      uint32_t w0 = w[0];
      uint32_t op = w0 & 0xFFu;
      int is_loop = (p->flags & PROG_LOOP) && j == 0u;
      if ((op > 10u && !(is_loop && op == OP_LOOP)) || (is_loop && op != OP_LOOP) ||
          (is_loop && (w[1] != H.window || w[2] != p->n_desc - 1u)) || (op != 6u && (w0 >> 16)) ||
          ((w0 >> 9) & 0x7Fu))
        FAIL(EXIT_CORRUPT, "tile %lu phase %lu %s program descriptor %lu: bad op word 0x%08lx",
             (unsigned long)p->tile, (unsigned long)p->phase, kind_names[p->kind], (unsigned long)j,
             (unsigned long)w0);
    }
  }
  /* Rings (TCM): the host writes them locally, each tile fetches a descriptor with one
   * 64-byte DMA. A tile with LOOP programs gets a ring that holds its largest one (LOOP +
   * body) and the sync program: a power of two >= n_desc + 1, up to IMCRT_RING_SLOTS_MAX (the
   * compiler keeps LOOP programs within that); when TCM is short, the ring stays at
   * IMCRT_RING_SLOTS and LOOP programs that do not fit run as per-input copies (as imcc's
   * emulator, package.ring_slots). */
  Q = calloc(H.n_tiles, sizeof(tile_queue));
  if (!Q) FAIL(EXIT_NO_MEMORY, "out of TCM for %lu rings", (unsigned long)H.n_tiles);
  for (uint32_t t = 0; t < H.n_tiles; ++t) {
    uint32_t need = 0, slots = IMCRT_RING_SLOTS;
    for (uint32_t i = 0; i < H.n_programs; ++i)
      if (progs[i].tile == t && (progs[i].flags & PROG_LOOP) && progs[i].n_desc > need)
        need = progs[i].n_desc;
    while (slots < need + 1u && slots < IMCRT_RING_SLOTS_MAX) slots *= 2u;
    uint8_t* mem = NULL;
    slot_info* info = NULL;
    for (;;) {
      mem = malloc(slots * 64u + 63u);
      info = mem ? malloc(slots * sizeof(slot_info)) : NULL;
      if (mem && info) break;
      free(mem);
      if (slots == IMCRT_RING_SLOTS)
        FAIL(EXIT_NO_MEMORY, "out of TCM for %lu rings", (unsigned long)H.n_tiles);
      slots = IMCRT_RING_SLOTS;
    }
    Q[t].slots = slots;
    Q[t].ring = (uint32_t*)(((uintptr_t)mem + 63u) & ~(uintptr_t)63u);
    Q[t].info = info;
  }
  /* Descriptors and relocations cached in TCM when they fit (else read from DRAM). */
  uint32_t* dc = malloc(S[SEC_DESCRIPTORS].size + 1u);
  uint32_t* rc = dc ? malloc(S[SEC_RELOCS].size + 1u) : NULL;
  if (dc && rc) {
    memcpy(dc, (const void*)(uintptr_t)desc_base_addr, S[SEC_DESCRIPTORS].size);
    memcpy(rc, (const void*)(uintptr_t)reloc_base_addr, S[SEC_RELOCS].size);
    desc_cache = dc;
    reloc_cache = rc;
  } else {
    free(dc);
  }
  return 0;
}

/* ---- 4. queues ---- */
static void on_tile_irq(uint32_t source) {
  uint32_t base = IMCVP_TILE_ADDR(source - IMCVP_TILE_IRQ(0));
  uint32_t st = imcvp_read32(base + IMC_IRQ_STATUS_OFFSET);
  imcvp_write32(base + IMC_IRQ_STATUS_OFFSET, st); /* w1c */
  if (st & IMC_IRQ_STATUS_Q_ERROR_MASK) ++irq_errors;
  ++irq_events;
}

static void queues_init(void) {
  for (uint32_t t = 0; t < H.n_tiles; ++t) {
    tile_queue* q = &Q[t];
    q->base = IMCVP_TILE_ADDR(t);
    imcvp_write32(q->base + IMC_Q_CTRL_OFFSET, 0u);
    imcvp_write32(q->base + IMC_Q_BASE_OFFSET, (uint32_t)(uintptr_t)q->ring);
    imcvp_write32(q->base + IMC_Q_SIZE_OFFSET, q->slots);
    q->head = imcvp_read32(q->base + IMC_Q_HEAD_OFFSET);
    q->tail = q->head;
    imcvp_write32(q->base + IMC_Q_TAIL_OFFSET, q->tail);
    imcvp_write32(q->base + IMC_IRQ_STATUS_OFFSET, 0xFFFFFFFFu);
    imcvp_write32(q->base + IMC_IRQ_ENABLE_OFFSET, IMC_IRQ_ENABLE_Q_DONE_MASK |
                                                       IMC_IRQ_ENABLE_Q_ERROR_MASK |
                                                       IMC_IRQ_ENABLE_Q_EMPTY_MASK);
    imcvp_plic_register(IMCVP_TILE_IRQ(t), 1, on_tile_irq);
    imcvp_write32(q->base + IMC_Q_CTRL_OFFSET, IMC_Q_CTRL_ENABLE_MASK | IMC_Q_CTRL_IRQ_EMPTY_MASK |
                                                   IMC_Q_CTRL_STOP_ON_ERROR_MASK);
  }
  imcvp_irq_enable_global();
}

/* A LOOP program runs as a LOOP when its LOOP + body fit the tile's ring with a slot to spare. */
static int loop_fits(const pkg_program* p, const tile_queue* q) {
  return (p->flags & PROG_LOOP) && p->n_desc + 1u <= q->slots;
}

/* Job j of tile t in the current stage -> program index (or -1) and input. A LOOP body is one
 * job (the whole window, input = its first); otherwise one job per input. */
static int job_prog(uint32_t t, uint32_t j, uint32_t* input) {
  const int* pa = &prog_at[(st_phase * H.n_tiles + t) * 3u];
  *input = 0;
  if (st_kind == KIND_SETUP) return pa[KIND_SETUP];
  if (j < (Q[t].loop ? 1u : st_nwin) && pa[KIND_BODY] >= 0) {
    *input = st_n0 + j;
    return pa[KIND_BODY];
  }
  return pa[KIND_SYNC];
}

static const uint32_t* desc_words(const pkg_program* p, uint32_t d) {
  if (desc_cache) return desc_cache + 16u * (p->first + d);
  return (const uint32_t*)(uintptr_t)(p->desc_addr + 64u * d);
}
static uint32_t reloc_word(const pkg_program* p, uint32_t d) {
  if (reloc_cache) return reloc_cache[p->first + d];
  return *(const uint32_t*)(uintptr_t)(p->reloc_addr + 4u * d);
}

/* Copies as many descriptors of tile t's stream as its ring has room for; rings the doorbell.
 * Per descriptor the host copies 15 words and patches only the relocated ones (about 40
 * instructions): once per window for a LOOP body (relocated for the window's first input;
 * the LOOP's COUNT set to the window's inputs; the LOOP and its body enter the ring together),
 * once per input otherwise (a LOOP program that does not fit the ring runs without its LOOP:
 * outside a loop the command processor adds no increments). */
static void fill(uint32_t t) {
  tile_queue* q = &Q[t];
  const uint32_t mask = q->slots - 1u;
  uint32_t free_slots = q->slots - (q->tail - q->head);
  if (q->job >= q->njobs || free_slots == 0) return;
  uint32_t tail = q->tail;
  while (q->job < q->njobs && free_slots) {
    uint32_t n;
    int pi = job_prog(t, q->job, &n);
    const pkg_program* p = pi >= 0 ? &progs[pi] : NULL;
    int loop = p && p->kind == KIND_BODY && q->loop;
    if (p && p->kind == KIND_BODY && !q->loop && (p->flags & PROG_LOOP) && q->d == 0u)
      q->d = 1u; /* per-input copies of a LOOP program: without the LOOP */
    if (!p || q->d >= p->n_desc) {
      ++q->job;
      q->d = 0;
      continue;
    }
    if (loop && q->d == 0u && free_slots < p->n_desc) break; /* LOOP + body at once */
    const uint32_t rel[4] = {0u, n * H.in_stride, (n % H.window) * H.frame_size, n * H.out_stride};
    uint32_t d = q->d, d_end = p->n_desc;
    if (d_end - d > free_slots) d_end = d + free_slots;
    const uint32_t* src = desc_words(p, d);
    for (; d < d_end; ++d, src += 16, ++tail) {
      uint32_t slot = tail & mask;
      uint32_t* dst = q->ring + 16u * slot;
      uint32_t r = reloc_word(p, d);
      for (unsigned k = 0; k < 15u; ++k) dst[k] = src[k];
      while (r) {
        unsigned k = (unsigned)__builtin_ctz(r) >> 1;
        dst[k] += rel[(r >> (2u * k)) & 3u];
        r &= ~(3u << (2u * k));
      }
      dst[15] = 0u;
      if (loop) {
        if (d == 0u) dst[1] = st_nwin; /* LOOP COUNT: this window's inputs */
      } else if ((tail % IRQ_EVERY) == IRQ_EVERY - 1u) {
        dst[0] |= 1u << 8; /* Q_DONE: refill a long stream (not inside a LOOP body) */
      }
      q->info[slot].prog = (uint16_t)pi;
      q->info[slot].input = (uint16_t)n;
      q->info[slot].count = (uint16_t)(loop ? st_nwin : 1u);
      q->info[slot].desc = d;
    }
    free_slots -= d - q->d;
    q->d = d;
    if (q->d >= p->n_desc) {
      ++q->job;
      q->d = 0;
    }
  }
  descriptors_submitted += tail - q->tail;
  q->tail = tail;
  imcvp_write32(q->base + IMC_Q_TAIL_OFFSET, tail);
}

/* A halted queue: print where and why; returns 1 if tile t failed. */
static int report_tile_error(uint32_t t) {
  tile_queue* q = &Q[t];
  uint32_t qs = imcvp_read32(q->base + IMC_Q_STATUS_OFFSET);
  if (!(qs & IMC_Q_STATUS_HALTED_MASK)) return 0;
  uint32_t idx = imcvp_read32(q->base + IMC_Q_ERR_INDEX_OFFSET);
  uint32_t slot = idx & (q->slots - 1u);
  const uint32_t* d = q->ring + 16u * slot;
  uint32_t status = d[15];
  uint32_t code = (status >> 8) & 0xFFu, word = status >> 16;
  if (code == 0u) code = (qs >> 8) & 0xFFu; /* a ring error writes no status */
  const slot_info* si = &q->info[slot];
  const pkg_program* p = &progs[si->prog];
  printf(
      "imcrt: error: tile %lu queue[%lu]: %s: %s (code %lu), word %lu = 0x%08lx "
      "(status 0x%08lx, error info 0x%08lx); phase %lu %s program descriptor %lu, "
      "input %u%s\n",
      (unsigned long)t, (unsigned long)idx, op_name(d[0]), err_name(code), (unsigned long)code,
      (unsigned long)word, (unsigned long)d[word & 15u], (unsigned long)status,
      (unsigned long)imcvp_read32(q->base + IMC_ERROR_INFO_OFFSET), (unsigned long)p->phase,
      kind_names[p->kind], (unsigned long)si->desc, si->input,
      si->count > 1u ? " (LOOP over this input and the next ones of its window)" : "");
  return 1;
}

/* Runs one stage: streams every tile's jobs into its ring and waits until all have drained. */
static int run_stage(uint32_t phase, uint32_t kind, uint32_t n0, uint32_t nwin) {
  st_phase = phase;
  st_kind = kind;
  st_n0 = n0;
  st_nwin = nwin;
  for (uint32_t t = 0; t < H.n_tiles; ++t) {
    const int bi = prog_at[(phase * H.n_tiles + t) * 3u + KIND_BODY];
    Q[t].job = 0;
    Q[t].d = 0;
    Q[t].loop = kind == KIND_BODY && bi >= 0 && loop_fits(&progs[bi], &Q[t]);
    Q[t].njobs = kind == KIND_SETUP ? 1u : Q[t].loop ? 2u : nwin + 1u;
  }
  for (;;) {
    uint32_t seen = irq_events;
    int busy = 0;
    for (uint32_t t = 0; t < H.n_tiles; ++t) {
      tile_queue* q = &Q[t];
      if (q->job < q->njobs || q->head != q->tail)
        q->head = imcvp_read32(q->base + IMC_Q_HEAD_OFFSET);
      fill(t);
      if (q->job < q->njobs || q->head != q->tail) busy = 1;
    }
    if (irq_errors) {
      int failed = 0;
      for (uint32_t t = 0; t < H.n_tiles; ++t) failed += report_tile_error(t);
      if (failed) {
        for (uint32_t t = 0; t < H.n_tiles; ++t) imcvp_write32(Q[t].base + IMC_Q_CTRL_OFFSET, 0u);
        imcvp_report("error", EXIT_TILE_ERROR);
        return EXIT_TILE_ERROR;
      }
      irq_errors = 0;
    }
    if (!busy) return 0;
    imcvp_irq_disable_global();
    if (irq_events == seen) imcvp_wfi();
    imcvp_irq_enable_global();
  }
}

/* ---- 5. results ---- */
static int32_t out_value(uint32_t addr, uint32_t i) {
  if (H.out_elem_size == 4u) return ((const int32_t*)(uintptr_t)addr)[i];
  return ((const int8_t*)(uintptr_t)addr)[i];
}

/* The host's argmax is over the real logits: the output layer has one scale per column. */
static const float* out_scales;
static float real_value(uint32_t addr, uint32_t i) {
  return out_scales ? (float)out_value(addr, i) * out_scales[i] : (float)out_value(addr, i);
}
static uint32_t argmax(uint32_t addr) {
  uint32_t best = 0;
  float bv = real_value(addr, 0);
  for (uint32_t i = 1; i < H.out_elems; ++i) {
    float v = real_value(addr, i);
    if (v > bv) {
      best = i;
      bv = v;
    }
  }
  return best;
}

/* The host steps of phase ph for input n (relocated like descriptor words). */
static uint64_t host_op_ns[HSTEP_COUNT];
static uint32_t host_steps_run;
static int run_host_steps(uint32_t ph, uint32_t n) {
  const uint32_t rel[4] = {0u, n * H.in_stride, (n % H.window) * H.frame_size, n * H.out_stride};
  for (uint32_t i = 0; i < S[SEC_HOSTSTEPS].count; ++i) {
    const uint32_t* e =
        (const uint32_t*)(uintptr_t)(IMCRT_PKG_ADDR + S[SEC_HOSTSTEPS].off + 64u * i);
    if (e[1] != ph) continue;
    uint32_t w[16];
    for (unsigned k = 0; k < 16u; ++k) w[k] = e[k] + (k < 15u ? rel[(e[15] >> (2u * k)) & 3u] : 0u);
    uint64_t t0 = imcvp_sim_time_ns();
    int rc = hoststep_run(w);
    host_op_ns[e[0]] += imcvp_sim_time_ns() - t0;
    ++host_steps_run;
    if (rc == -1)
      FAIL(EXIT_NO_MEMORY, "out of TCM for host step %lu (op %lu) of phase %lu, input %lu",
           (unsigned long)i, (unsigned long)e[0], (unsigned long)ph, (unsigned long)n);
    if (rc)
      FAIL(EXIT_CORRUPT, "host step %lu: bad entry (op %lu)", (unsigned long)i,
           (unsigned long)e[0]);
  }
  return 0;
}

int main(void) {
  int rc = check_package();
  if (rc) return rc;
  rc = check_soc();
  if (rc) return rc;
  rc = load_programs();
  if (rc) return rc;
  rc = read_shard();
  if (rc) return rc;
  char name[9];
  memcpy(name, H.name, 8);
  name[8] = 0;
  const uint32_t N = H.n_inputs, B = H.window;
  printf(
      "imcrt: package '%s' %lu B at 0x%08lx ok: %lu tiles, %lu phase(s), %s mode, window %lu, "
      "%lu inputs, %lu programs, %lu descriptors (%s)\n",
      name, (unsigned long)H.total_size, (unsigned long)IMCRT_PKG_ADDR, (unsigned long)H.n_tiles,
      (unsigned long)H.n_phases, (H.flags & FLAG_THROUGHPUT) ? "throughput" : "latency",
      (unsigned long)B, (unsigned long)N, (unsigned long)H.n_programs,
      (unsigned long)S[SEC_DESCRIPTORS].count, desc_cache ? "cached in TCM" : "read from DRAM");
  if (sharded)
    printf("imcrt: shard: inputs %lu..%lu of %lu\n", (unsigned long)shard_first,
           (unsigned long)(shard_first + shard_count - 1u), (unsigned long)N);
  queues_init();
  uint32_t loops = 0, loops_copied = 0, bodies = 0, max_slots = 0;
  for (uint32_t i = 0; i < H.n_programs; ++i) {
    if (progs[i].kind != KIND_BODY) continue;
    ++bodies;
    if (progs[i].flags & PROG_LOOP) {
      if (loop_fits(&progs[i], &Q[progs[i].tile]))
        ++loops;
      else
        ++loops_copied;
    }
  }
  for (uint32_t t = 0; t < H.n_tiles; ++t)
    if (Q[t].slots > max_slots) max_slots = Q[t].slots;
  printf(
      "imcrt: %lu of %lu body programs run as LOOPs (copied once per window), %lu per input"
      "%s; rings of %lu..%lu slots\n",
      (unsigned long)loops, (unsigned long)bodies, (unsigned long)(bodies - loops),
      loops_copied ? " (LOOP programs larger than their ring included)" : "",
      (unsigned long)IMCRT_RING_SLOTS, (unsigned long)max_slots);

  /* The runtime contract: per window, per phase: setup (every window with several phases,
   * else the first), then the body once per input and the sync program. */
  uint64_t t_start = imcvp_sim_time_ns(), t_setup = 0, t_first_setup = 0, t_tiles = 0, t_hsteps = 0;
  const int resident = (H.flags & FLAG_RESIDENT) != 0u;
  imcvp_roi_begin(1u);
  uint32_t windows = 0;
  const uint32_t first = shard_first, last = shard_first + shard_count;
  noise_setup(~0u, 1);
  if (resident) { /* every phase's tiles programmed once, before the first window */
    uint64_t t0 = imcvp_sim_time_ns();
    for (uint32_t ph = 0; ph < H.n_phases; ++ph) {
      rc = run_stage(ph, KIND_SETUP, 0, 0);
      if (rc) return rc;
    }
    rc = calibrate_analog_tiles();
    if (rc) return rc;
    t_setup = t_first_setup = imcvp_sim_time_ns() - t0;
  }
  for (uint32_t n0 = first; n0 < last; n0 += B, ++windows) {
    uint32_t nwin = last - n0 < B ? last - n0 : B;
    /* Several phases reprogram every window: their programming noise is the window's too. */
    if (H.n_phases > 1u && !resident) noise_setup(n0, 0);
    if (resident) noise_setup(n0, 0);
    for (uint32_t ph = 0; ph < H.n_phases; ++ph) {
      if (!resident && (H.n_phases > 1u || n0 == first)) {
        uint64_t t0 = imcvp_sim_time_ns();
        rc = run_stage(ph, KIND_SETUP, 0, 0);
        if (rc) return rc;
        rc = calibrate_analog_tiles();
        if (rc) return rc;
        uint64_t dt = imcvp_sim_time_ns() - t0;
        t_setup += dt;
        if (n0 == first) t_first_setup += dt;
      }
      if (H.n_phases == 1u) noise_setup(n0, 0);
      uint64_t t0 = imcvp_sim_time_ns();
      rc = run_stage(ph, KIND_BODY, n0, nwin);
      if (rc) return rc;
      uint64_t t1 = imcvp_sim_time_ns();
      t_tiles += t1 - t0;
      if (S[SEC_HOSTSTEPS].count) {
        for (uint32_t n = n0; n < n0 + nwin; ++n) {
          rc = run_host_steps(ph, n);
          if (rc) return rc;
        }
        t_hsteps += imcvp_sim_time_ns() - t1;
      }
    }
  }
  imcvp_roi_end(1u);
  uint64_t t_total = imcvp_sim_time_ns() - t_start;

  /* Host ops (argmax; softmax's top-1 probability) and the comparison with the reference. */
  uint64_t h0 = imcvp_sim_time_ns();
  uint32_t match = 0, correct = 0, has_softmax = 0;
  const uint32_t* hops = (const uint32_t*)(uintptr_t)(IMCRT_PKG_ADDR + S[SEC_HOSTOPS].off);
  for (uint32_t i = 0; i < S[SEC_HOSTOPS].count; ++i)
    if (hops[4u * i] == HOSTOP_SOFTMAX) has_softmax = 1;
  const uint8_t* labels = (const uint8_t*)(uintptr_t)(IMCRT_PKG_ADDR + S[SEC_LABELS].off);
  if (S[SEC_OUTSCALES].count >= H.out_elems)
    out_scales = (const float*)(uintptr_t)(IMCRT_PKG_ADDR + S[SEC_OUTSCALES].off);
  int have_labels = (H.flags & FLAG_LABELS) && S[SEC_LABELS].count >= N;
  double p_top_sum = 0.0;
  for (uint32_t n = first; n < last; ++n) {
    uint32_t out = H.outputs_addr + n * H.out_stride;
    uint32_t exp = IMCRT_PKG_ADDR + S[SEC_EXPECTED].off + n * H.out_stride;
    if (memcmp((const void*)(uintptr_t)out, (const void*)(uintptr_t)exp,
               H.out_elems * H.out_elem_size) == 0)
      ++match;
    uint32_t k = argmax(out);
    if (have_labels && k == labels[n]) ++correct;
    if (has_softmax) {
      float top = real_value(out, k), sum = 0.0f;
      for (uint32_t i = 0; i < H.out_elems; ++i) sum += expf(real_value(out, i) - top);
      p_top_sum += 1.0 / sum;
    }
  }
  uint64_t t_host = imcvp_sim_time_ns() - h0;
  const uint32_t NR = last - first; /* inputs run (the shard's) */

  /* Timing: the steady state leaves out the one-time programming of a single-phase model;
   * with several phases reprogramming is part of every window. */
  uint64_t t_steady = t_total - (H.n_phases == 1u || resident ? t_first_setup : 0u);
  uint64_t ns_per_input = NR ? t_steady / NR : 0;
  uint64_t latency_ns = windows ? t_steady / windows : 0;
  uint64_t thr_x100 = t_steady ? (uint64_t)NR * 100000000000ull / t_steady : 0;

  printf("imcrt: int8ref_match %lu/%lu inputs equal the int8 reference%s\n", (unsigned long)match,
         (unsigned long)NR, match == NR ? " (exact)" : "");
  if (have_labels)
    printf("imcrt: accuracy %lu/%lu = %lu.%02lu %%\n", (unsigned long)correct, (unsigned long)NR,
           (unsigned long)((correct * 10000u + NR / 2u) / NR / 100u),
           (unsigned long)((correct * 10000u + NR / 2u) / NR % 100u));
  printf(
      "imcrt: run %llu ns (programming %llu ns, %lu windows): %llu ns per input, latency "
      "%llu ns per window of %lu, %llu.%02llu inputs/s; %llu descriptors\n",
      (unsigned long long)t_total, (unsigned long long)t_setup, (unsigned long)windows,
      (unsigned long long)ns_per_input, (unsigned long long)latency_ns, (unsigned long)B,
      (unsigned long long)(thr_x100 / 100u), (unsigned long long)(thr_x100 % 100u),
      (unsigned long long)descriptors_submitted);
  imcvp_report("inputs", (int32_t)NR);
  imcvp_report("int8ref_match", (int32_t)match);
  if (have_labels) {
    imcvp_report("correct", (int32_t)correct);
    imcvp_report("accuracy_x100", (int32_t)(NR ? (correct * 10000u + NR / 2u) / NR : 0));
  }
  if (sharded) imcvp_report("first_input", (int32_t)first);
  imcvp_report("window", (int32_t)B);
  imcvp_report("phases", (int32_t)H.n_phases);
  imcvp_report("run_us", (int32_t)(t_total / 1000u));
  imcvp_report("program_us", (int32_t)(t_setup / 1000u));
  imcvp_report("calibrations", (int32_t)calibrations);
  imcvp_report("ns_per_input", (int32_t)ns_per_input);
  imcvp_report("latency_ns", (int32_t)latency_ns);
  imcvp_report("throughput_x100", (int32_t)thr_x100);
  imcvp_report("host_ns", (int32_t)t_host);
  imcvp_report("descriptors", (int32_t)descriptors_submitted);
  imcvp_report("loop_bodies", (int32_t)loops);
  if (S[SEC_HOSTSTEPS].count) {
    static const char* const hnames[HSTEP_COUNT] = {"",
                                                    "host_layernorm_us",
                                                    "host_gelu_us",
                                                    "host_softmax_us",
                                                    "host_matmul_us",
                                                    "host_permute_us"};
    printf("imcrt: %lu host steps: %llu ns on the core, tile stages %llu ns\n",
           (unsigned long)host_steps_run, (unsigned long long)t_hsteps,
           (unsigned long long)t_tiles);
    imcvp_report("host_steps", (int32_t)host_steps_run);
    imcvp_report("host_step_us", (int32_t)(t_hsteps / 1000u));
    imcvp_report("tile_stage_us", (int32_t)(t_tiles / 1000u));
    for (unsigned k = 1; k < HSTEP_COUNT; ++k)
      if (host_op_ns[k]) imcvp_report(hnames[k], (int32_t)(host_op_ns[k] / 1000u));
  }
  if (has_softmax && NR) imcvp_report("p_top_x1000", (int32_t)(p_top_sum * 1000.0 / NR + 0.5));

  /* The outputs region, for the host (imcc run reads OUTDIR/outputs.bin). */
  uint32_t out_bytes = NR * H.out_stride;
  if (host_write_file("outputs.bin", H.outputs_addr + first * H.out_stride, out_bytes) == 0)
    printf("imcrt: outputs (%lu x %lu B at 0x%08lx) written to outputs.bin\n", (unsigned long)NR,
           (unsigned long)H.out_stride, (unsigned long)(H.outputs_addr + first * H.out_stride));
  else
    printf(
        "imcrt: outputs at 0x%08lx (%lu x %lu B); not written to the host (run imcvp with "
        "--semihosting-fs DIR for DIR/outputs.bin)\n",
        (unsigned long)H.outputs_addr, (unsigned long)NR, (unsigned long)H.out_stride);
  return 0;
}
