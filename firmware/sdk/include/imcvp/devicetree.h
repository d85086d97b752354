/* A small read-only flattened-device-tree (DTB) reader.
 *
 * imcvp passes the address of a DTB built from its configuration in a1 at reset (the QEMU
 * virt / OpenSBI convention; docs/memory-map.md, "Device tree"); the SDK's crt0 keeps it in
 * imcvp_boot_dtb. imcvp/platform.h uses this reader to find the IMC tiles and the DRAM window,
 * so firmware follows a changed memory map without a rebuild. Nothing here allocates or
 * blocks; every call walks the structure block from the start or from an iterator.
 *
 * Limits: reads DTB version 16/17 only; reg values beyond 32 bits are reported as not found
 * (the core is RV32); no path lookup, no phandle resolution.
 */
#ifndef IMCVP_DEVICETREE_H
#define IMCVP_DEVICETREE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The a1 value at reset (crt0); 0 when started without one. */
extern uintptr_t imcvp_boot_dtb;

/* Returns dtb if it points at a valid DTB (magic, version, sizes), else NULL. */
const void* imcvp_dt_check(const void* dtb);

/* A node found by the iterator. */
typedef struct imcvp_dt_node {
  const void* dtb;
  uint32_t offset;                 /* structure-block offset of its FDT_BEGIN_NODE token */
  const char* name;                /* unit name, e.g. "imc@20000000" */
  uint32_t addr_cells, size_cells; /* the parent's #address-cells / #size-cells */
} imcvp_dt_node;

/* Iterator over the nodes whose "compatible" list contains a string. */
typedef struct imcvp_dt_iter {
  const void* dtb;
  const char* compatible;
  uint32_t offset; /* next token */
  int depth;
  uint8_t addr_cells[16], size_cells[16]; /* per depth: the values for children */
} imcvp_dt_iter;

/* Starts an iteration over nodes compatible with `compatible` (dtb from imcvp_dt_check). */
void imcvp_dt_iter_init(imcvp_dt_iter* it, const void* dtb, const char* compatible);
/* Next matching node, in tree order; returns 1 and fills *node, or 0 at the end. */
int imcvp_dt_next(imcvp_dt_iter* it, imcvp_dt_node* node);

/* Property `name` of node: returns a pointer to its value (big-endian cells) and its length
 * in *len (may be NULL), or NULL if absent. */
const void* imcvp_dt_getprop(const imcvp_dt_node* node, const char* name, uint32_t* len);
/* A one-cell property; returns 1 and sets *v, or 0 if absent or not 4 bytes. */
int imcvp_dt_u32(const imcvp_dt_node* node, const char* name, uint32_t* v);
/* Entry i of "reg" (using the parent's cell counts); returns 1, or 0 if absent or > 32 bit. */
int imcvp_dt_reg(const imcvp_dt_node* node, unsigned i, uint32_t* addr, uint32_t* size);

#ifdef __cplusplus
}
#endif

#endif /* IMCVP_DEVICETREE_H */
