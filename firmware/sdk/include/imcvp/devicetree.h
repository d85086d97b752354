/**
 * @file imcvp/devicetree.h
 * @brief A small read-only flattened-device-tree (DTB) reader.
 *
 * imcvp passes the address of a DTB built from its configuration in a1 at reset (the QEMU
 * virt / OpenSBI convention; docs/memory-map.md, "Device tree"); the SDK's crt0 keeps it in
 * imcvp_boot_dtb. imcvp/platform.h uses this reader to find the IMC tiles and the DRAM window,
 * so firmware follows a changed memory map without a rebuild. Nothing here allocates or
 * blocks; every call walks the structure block from the start or from an iterator.
 *
 * Limits: reads DTB version 16/17 only; reg values beyond 32 bits are reported as not found
 * (the core is RV32); no path lookup, no phandle resolution.
 *
 * @code
 * imcvp_dt_iter it; imcvp_dt_node n; uint32_t base, size, rows;
 * imcvp_dt_iter_init(&it, imcvp_platform()->dtb, "imcvp,imc-tile");
 * while (imcvp_dt_next(&it, &n))
 *   if (imcvp_dt_reg(&n, 0, &base, &size) && imcvp_dt_u32(&n, "imcvp,rows", &rows))
 *     printf("%s: %lu rows\n", n.name, (unsigned long)rows);
 * @endcode
 */
#ifndef IMCVP_DEVICETREE_H
#define IMCVP_DEVICETREE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The a1 value at reset (kept by crt0): the DTB's address, or 0 when started without one. */
extern uintptr_t imcvp_boot_dtb;

/**
 * @brief Validates a DTB: magic, version 16/17, block offsets and sizes inside totalsize.
 * @param dtb candidate address (may be NULL)
 * @return dtb if it is a valid DTB, else NULL
 * @blocking no
 * @errors NULL for NULL, a misaligned pointer or anything that is not a DTB
 *
 * Example: `const void* dt = imcvp_dt_check((const void*)imcvp_boot_dtb);`
 */
const void* imcvp_dt_check(const void* dtb);

/** A node found by the iterator. */
typedef struct imcvp_dt_node {
  const void* dtb;     /**< the tree it is in */
  uint32_t offset;     /**< structure-block offset of its FDT_BEGIN_NODE token */
  const char* name;    /**< unit name, e.g. "imc@20000000" */
  uint32_t addr_cells; /**< the parent's \#address-cells */
  uint32_t size_cells; /**< the parent's \#size-cells */
} imcvp_dt_node;

/** Iterator over the nodes whose "compatible" list contains a string (fields are private). */
typedef struct imcvp_dt_iter {
  const void* dtb;        /**< the tree */
  const char* compatible; /**< the string searched for */
  uint32_t offset;        /**< next token */
  int depth;              /**< current node depth */
  uint8_t addr_cells[16]; /**< per depth: \#address-cells for children */
  uint8_t size_cells[16]; /**< per depth: \#size-cells for children */
} imcvp_dt_iter;

/**
 * @brief Starts an iteration over nodes compatible with `compatible`.
 * @param it iterator to initialise
 * @param dtb a tree from imcvp_dt_check() (NULL: the iteration is empty)
 * @param compatible the string a node's "compatible" list must contain (kept by pointer)
 * @blocking no
 * @errors none
 *
 * Example: `imcvp_dt_iter_init(&it, imcvp_platform()->dtb, "ns16550a");`
 */
void imcvp_dt_iter_init(imcvp_dt_iter* it, const void* dtb, const char* compatible);
/**
 * @brief The next matching node, in tree order.
 * @param it the iterator
 * @param node receives the node
 * @return 1 and *node filled, or 0 at the end
 * @blocking no (walks the structure block from where the last call stopped)
 * @errors 0 on a malformed structure block or nesting deeper than 15
 *
 * Example: `while (imcvp_dt_next(&it, &n)) count++;`
 */
int imcvp_dt_next(imcvp_dt_iter* it, imcvp_dt_node* node);

/**
 * @brief A property of a node.
 * @param node the node
 * @param name property name
 * @param len receives the value's length in bytes (may be NULL)
 * @return the value (big-endian cells, inside the DTB), or NULL if absent
 * @blocking no
 * @errors NULL if the node has no such property
 *
 * Example: `const char* kind = imcvp_dt_getprop(&n, "imcvp,kind", NULL);`
 */
const void* imcvp_dt_getprop(const imcvp_dt_node* node, const char* name, uint32_t* len);
/**
 * @brief A one-cell property.
 * @param node the node
 * @param name property name
 * @param v receives the value (host byte order)
 * @return 1, or 0 if absent or not 4 bytes long
 * @blocking no
 * @errors 0 as above (*v unchanged)
 *
 * Example: `uint32_t irq; if (imcvp_dt_u32(&n, "interrupts", &irq)) ...`
 */
int imcvp_dt_u32(const imcvp_dt_node* node, const char* name, uint32_t* v);
/**
 * @brief Entry i of a node's "reg" (using the parent's cell counts).
 * @param node the node
 * @param i entry index
 * @param addr receives the address
 * @param size receives the size
 * @return 1, or 0 if absent, too short, or a value beyond 32 bits
 * @blocking no
 * @errors 0 as above
 *
 * Example: `uint32_t base, size; imcvp_dt_reg(&n, 0, &base, &size);`
 */
int imcvp_dt_reg(const imcvp_dt_node* node, unsigned i, uint32_t* addr, uint32_t* size);

#ifdef __cplusplus
}
#endif

#endif /* IMCVP_DEVICETREE_H */
