/* imcrt host steps (package section HOSTSTEPS, docs/compiler.md "Package format"): the integer
 * kernels of host layers; compiler/imcc/reference.py is their specification. */
#ifndef IMCRT_HOSTOPS_H
#define IMCRT_HOSTOPS_H

#include <stdint.h>

enum {
  HSTEP_LAYERNORM = 1,
  HSTEP_LUT = 2, /* GELU */
  HSTEP_SOFTMAX = 3,
  HSTEP_MATMUL = 4,
  HSTEP_PERMUTE = 5,
  HSTEP_COUNT
};

/* Runs one host step: w = its 16 words with the addresses already relocated for the input
 * (word 0 op, 2/3 sources, 4 destination, 5 parameters, 6.. op-specific). Returns 0, -1 when
 * TCM has no room for the operands, -2 for a bad entry. */
int hoststep_run(const uint32_t* w);

#endif
