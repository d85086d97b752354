/* Inference package layout (little-endian), written by scripts/inference/imcinfer compile and
 * read by the infer app. Keep in sync with scripts/inference/imcnet.py; docs/inference.md
 * describes every field. */
#ifndef INFER_PACKAGE_H
#define INFER_PACKAGE_H

#include <stdint.h>

#define PKG_MAGIC 0x4B504D49u     /* "IMPK" */
#define PKG_END_MAGIC 0x494D504Bu /* "KPMI": the last 4 bytes */
#define PKG_VERSION 2u            /* dense layers only */
#define PKG_VERSION_CONV 3u       /* may hold conv layers (pkg_layer.geom) */
#define PKG_MAX_PARTS 64u         /* tiles one package may use */
#define PKG_MAX_SIZE (64u << 20)
#define PKG_MAX_LAYERS 16u
#define PKG_MAX_DIM 4096u

#define PKG_FLAG_BIAS 1u
#define PKG_FLAG_RELU 2u
#define PKG_FLAG_REQUANT 4u
#define PKG_HDR_SIGNED_IN 1u
#define PKG_HDR_CALIBRATE 2u /* CALIBRATE analog tiles after programming */
#define PKG_KIND_ANALOG 0u
#define PKG_KIND_DIGITAL 1u
#define PKG_KIND_ANY 0xFFu

typedef struct {
  uint32_t magic;
  uint16_t version, header_size;
  uint32_t total_size;
  uint32_t checksum; /* FNV-1a 32 of bytes [header_size, total_size) */
  uint32_t n_layers, n_images, in_dim, n_classes;
  uint32_t images_off;   /* n_images x in_dim int8 */
  uint32_t labels_off;   /* n_images uint8 */
  uint32_t expected_off; /* n_images x n_classes int32: the int8 reference's outputs */
  uint32_t layers_off;   /* n_layers x pkg_layer */
  uint32_t batch;        /* images per tile command */
  uint32_t flags;        /* PKG_HDR_* */
  char name[4];
  uint32_t age_s; /* analog tiles: device age set after programming (drift studies) */
} pkg_header;     /* 64 bytes */

typedef struct {
  uint32_t rows, cols; /* inputs, outputs */
  uint32_t tile;       /* tile index */
  uint32_t kind;       /* PKG_KIND_* the tile must have */
  uint32_t flags;      /* PKG_FLAG_* */
  uint32_t shift;
  uint32_t w_off;     /* rows x cols int8, row-major W[i][j] */
  uint32_t bias_off;  /* cols int32 */
  uint32_t scale_off; /* cols int32 */
  uint32_t n_parts;   /* 1: the whole layer on `tile`; >1: split into blocks */
  uint32_t parts_off; /* n_parts x pkg_part */
  /* Version 3: 0 dense; a conv layer has kind 1 in bits 28..31, pool 24..27, in_c 16..23,
   * in_w 8..15, in_h 0..7 (HWC int8 input; k x k kernel with k*k*in_c = rows, stride 1, no
   * padding; out channels = cols; ReLU/requant in the tile, then pool x pool max-pool on the
   * host). Version 2: 0. */
  uint32_t geom;
} pkg_layer; /* 48 bytes */

/* One block of a layer's matrix on one tile. A layer with several parts is split by rows
 * (int32 partial sums added on the host) and/or columns (output slices); its bias, ReLU and
 * requantisation then run on the host. */
typedef struct {
  uint32_t tile;
  uint32_t row0, rows; /* input slice */
  uint32_t col0, cols; /* output slice */
  uint32_t w_off;      /* rows x cols int8, row-major */
  uint32_t reserved[2];
} pkg_part; /* 32 bytes */

#endif /* INFER_PACKAGE_H */
