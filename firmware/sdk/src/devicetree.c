/* Read-only DTB reader (see imcvp/devicetree.h). Format: devicetree specification v0.4,
 * chapter 5 (header, structure block tokens, strings block); all words big-endian. */
#include "imcvp/devicetree.h"

#include <stddef.h>
#include <string.h>

#define FDT_MAGIC 0xd00dfeedu
#define FDT_BEGIN_NODE 1u
#define FDT_END_NODE 2u
#define FDT_PROP 3u
#define FDT_NOP 4u
#define FDT_END 9u

/* Set by crt0 (after it cleared .bss) from a1 at reset. */
uintptr_t imcvp_boot_dtb;

static uint32_t be32(const void* p) {
  const uint8_t* b = (const uint8_t*)p;
  return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
}
static uint32_t hdr(const void* dtb, unsigned word) {
  return be32((const uint8_t*)dtb + 4u * word);
}
static const uint8_t* dt_struct(const void* dtb) {
  return (const uint8_t*)dtb + hdr(dtb, 2);
}
static uint32_t dt_struct_size(const void* dtb) {
  return hdr(dtb, 9);
}
static const char* dt_strings(const void* dtb) {
  return (const char*)dtb + hdr(dtb, 3);
}

const void* imcvp_dt_check(const void* dtb) {
  if (!dtb || ((uintptr_t)dtb & 3u)) return NULL;
  if (hdr(dtb, 0) != FDT_MAGIC) return NULL;
  uint32_t total = hdr(dtb, 1), version = hdr(dtb, 5), last_comp = hdr(dtb, 6);
  if (version < 16 || last_comp > 17) return NULL;
  if (hdr(dtb, 2) + dt_struct_size(dtb) > total || hdr(dtb, 3) + hdr(dtb, 8) > total) return NULL;
  if (hdr(dtb, 2) & 3u) return NULL;
  return dtb;
}

static uint32_t align4(uint32_t x) {
  return (x + 3u) & ~3u;
}

/* Offset just after a FDT_BEGIN_NODE token and its name. */
static uint32_t skip_node_name(const uint8_t* s, uint32_t off) {
  return align4(off + 4u + (uint32_t)strlen((const char*)s + off + 4u) + 1u);
}

static int list_has(const char* list, uint32_t len, const char* want) {
  uint32_t i = 0;
  while (i < len) {
    const char* s = list + i;
    if (strcmp(s, want) == 0) return 1;
    i += (uint32_t)strlen(s) + 1u;
  }
  return 0;
}

void imcvp_dt_iter_init(imcvp_dt_iter* it, const void* dtb, const char* compatible) {
  it->dtb = dtb;
  it->compatible = compatible;
  it->offset = 0;
  it->depth = 0;
  it->addr_cells[0] = 2; /* spec defaults */
  it->size_cells[0] = 1;
}

int imcvp_dt_next(imcvp_dt_iter* it, imcvp_dt_node* node) {
  if (!it->dtb) return 0;
  const uint8_t* s = dt_struct(it->dtb);
  const char* strs = dt_strings(it->dtb);
  uint32_t end = dt_struct_size(it->dtb);
  uint32_t node_off = 0;
  const char* node_name = NULL;
  while (it->offset + 4u <= end) {
    uint32_t off = it->offset;
    uint32_t tok = be32(s + off);
    if (tok == FDT_BEGIN_NODE) {
      if (it->depth + 1 >= (int)sizeof it->addr_cells) return 0;
      ++it->depth;
      it->addr_cells[it->depth] = 2;
      it->size_cells[it->depth] = 1;
      node_off = off;
      node_name = (const char*)s + off + 4u;
      it->offset = skip_node_name(s, off);
    } else if (tok == FDT_PROP) {
      uint32_t len = be32(s + off + 4u), nameoff = be32(s + off + 8u);
      const char* pname = strs + nameoff;
      const uint8_t* val = s + off + 12u;
      it->offset = align4(off + 12u + len);
      if (strcmp(pname, "#address-cells") == 0 && len == 4) {
        it->addr_cells[it->depth] = (uint8_t)be32(val);
      } else if (strcmp(pname, "#size-cells") == 0 && len == 4) {
        it->size_cells[it->depth] = (uint8_t)be32(val);
      } else if (strcmp(pname, "compatible") == 0 && node_name && it->depth >= 1 &&
                 list_has((const char*)val, len, it->compatible)) {
        node->dtb = it->dtb;
        node->offset = node_off;
        node->name = node_name;
        node->addr_cells = it->addr_cells[it->depth - 1];
        node->size_cells = it->size_cells[it->depth - 1];
        return 1;
      }
    } else if (tok == FDT_END_NODE) {
      if (it->depth > 0) --it->depth;
      node_name = NULL;
      it->offset = off + 4u;
    } else if (tok == FDT_NOP) {
      it->offset = off + 4u;
    } else {
      break; /* FDT_END or garbage */
    }
  }
  it->offset = end;
  return 0;
}

const void* imcvp_dt_getprop(const imcvp_dt_node* node, const char* name, uint32_t* len) {
  const uint8_t* s = dt_struct(node->dtb);
  const char* strs = dt_strings(node->dtb);
  uint32_t end = dt_struct_size(node->dtb);
  uint32_t off = skip_node_name(s, node->offset);
  while (off + 4u <= end) {
    uint32_t tok = be32(s + off);
    if (tok == FDT_NOP) {
      off += 4u;
      continue;
    }
    if (tok != FDT_PROP) break; /* a subnode or the node's end: properties come first */
    uint32_t l = be32(s + off + 4u);
    if (strcmp(strs + be32(s + off + 8u), name) == 0) {
      if (len) *len = l;
      return s + off + 12u;
    }
    off = align4(off + 12u + l);
  }
  return NULL;
}

int imcvp_dt_u32(const imcvp_dt_node* node, const char* name, uint32_t* v) {
  uint32_t len = 0;
  const void* p = imcvp_dt_getprop(node, name, &len);
  if (!p || len != 4) return 0;
  *v = be32(p);
  return 1;
}

/* Reads an n-cell number; 0 if it does not fit 32 bits. */
static int cells32(const uint8_t* p, uint32_t n, uint32_t* v) {
  for (uint32_t i = 0; i + 1 < n; ++i)
    if (be32(p + 4u * i) != 0) return 0;
  *v = n ? be32(p + 4u * (n - 1)) : 0;
  return 1;
}

int imcvp_dt_reg(const imcvp_dt_node* node, unsigned i, uint32_t* addr, uint32_t* size) {
  uint32_t len = 0;
  const uint8_t* p = (const uint8_t*)imcvp_dt_getprop(node, "reg", &len);
  uint32_t entry = 4u * (node->addr_cells + node->size_cells);
  if (!p || entry == 0 || (i + 1u) * entry > len) return 0;
  p += i * entry;
  return cells32(p, node->addr_cells, addr) &&
         cells32(p + 4u * node->addr_cells, node->size_cells, size);
}
