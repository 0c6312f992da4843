/* data/chunk.h — the blob format of one chunk of stored market data.
 *
 * A chunk holds up to QL_CHUNK_MAX_ROWS time-sorted rows of one instrument
 * and one kind (ticks, or bars of one timeframe), column by column. Each
 * column is coded on its own with the cheapest of a few integer codings
 * (all zero, constant, plain, delta, delta of delta, delta of the non-zero
 * values), all written as zigzag LEB128 varints; a checksum over the whole
 * blob catches a flipped bit before anything reaches a backtest.
 *
 * Layout (integers little endian; varints are unsigned LEB128, at most 10
 * bytes, of zigzag-mapped signed values, so -1 is 1 and 1 is 2):
 *
 *   Offset    Size   Meaning
 *   0         4      Magic "QLCK"
 *   4         1      Format version, QL_CHUNK_VERSION (1)
 *   5         1      Kind: 1 ticks, 2 bars (QlChunkKind)
 *   6         1      price_scale the prices were written with, 0..9
 *   7         1      qty_scale the sizes and volumes were written with, 0..9
 *   8         4      Row count n, 0..QL_CHUNK_LIMIT_ROWS
 *   12        4      Column descriptors: 4 bits per column, column c at bits
 *                    4c..4c+3; the low 3 bits are the coding (QlChunkCoding),
 *                    bit 3 says that a bar price or volume column holds the
 *                    raw IEEE-754 bits of the doubles instead of fixed point.
 *                    Bits past the kind's last column are zero.
 *   16        4*k    Byte size of each column block, one u32 for each of
 *                    the k columns whose coding is not ZERO, in column order
 *   16+4k     ...    The k column blocks, back to back, in column order
 *   size-8    8      XXH3_64bits of bytes [0, size-8)
 *
 * Columns, in order, are the series columns (engine/series.h): ticks are
 * time, price, size, bid, ask, flags (all int64 already); bars are time,
 * open, high, low, close, volume, trades, where open..close are written as
 * QlPrice at price_scale and volume as QlQty at qty_scale
 * (ql_price_from_double). A bar column holding any double that does not
 * read back bit-identical from fixed point (NaN, -0.0, more decimals than
 * the scale) is written as raw double bits instead, so bars always read
 * back to the very doubles that were written.
 *
 * Codings of a column v[0..n) (a block decodes exactly n values and must be
 * consumed to its last byte). Deltas are taken modulo 2^64, so any int64
 * step, INT64_MIN to INT64_MAX included, round-trips:
 *
 *   0 ZERO     every value is 0; no block
 *   1 CONST    every value equals v[0]; the block is one varint, v[0]
 *   2 PLAIN    varint v[i]                       (sizes, flags)
 *   3 DELTA    varint v[i] - v[i-1], v[-1] = 0     (prices)
 *   4 DELTA2   varint d[i] - d[i-1], d[i] = v[i] - v[i-1], both 0 before
 *              the first row                       (regularly spaced times)
 *   5 DELTANZ  0 for v[i] == 0, else 1 + the zigzag of v[i] minus the last
 *              non-zero value before it (0 at first) as one varint
 *              (bid and ask, which are 0 on ticks without a quote)
 *
 * The encoder sizes every coding and keeps the smallest, so a column of
 * sizes that jump around stays plain while a random walk is delta coded;
 * on the benchmark's ticks this is about 7 bytes per tick.
 *
 * Times never decrease inside a chunk; the decoder checks it. */
#pragma once

#include "engine/series.h"

G_BEGIN_DECLS

/* Rows per chunk. 8192 ticks are about 60 KB on disk and 384 KB decoded:
 * large enough that per-chunk costs (a B-tree lookup, a statement step,
 * the checksum setup) vanish next to decoding, small enough that a
 * replacement that straddles a chunk rewrites little and that one decoded
 * chunk stays in a core's L2 cache while a cursor's consumer reads it. */
#define QL_CHUNK_MAX_ROWS 8192
/* Rows sharing one timestamp are never split across chunks, so a chunk may
 * exceed QL_CHUNK_MAX_ROWS by such a run; this is the hard limit, which
 * also bounds what a decoder allocates for a hostile blob. */
#define QL_CHUNK_LIMIT_ROWS 65536

#define QL_CHUNK_VERSION 1
#define QL_CHUNK_HEADER_SIZE 16
#define QL_CHUNK_TRAILER_SIZE 8

typedef enum
{
  QL_CHUNK_TICKS = 1,
  QL_CHUNK_BARS = 2,
} QlChunkKind;

typedef enum
{
  QL_CHUNK_CODING_ZERO = 0,
  QL_CHUNK_CODING_CONST = 1,
  QL_CHUNK_CODING_PLAIN = 2,
  QL_CHUNK_CODING_DELTA = 3,
  QL_CHUNK_CODING_DELTA2 = 4,
  QL_CHUNK_CODING_DELTANZ = 5,
} QlChunkCoding;

/* What a decoded chunk held, before any range filter. */
typedef struct
{
  QlChunkKind kind;
  guint n_rows;
  int price_scale;
  int qty_scale;
  QlTimeNs first_time; /* QL_TIME_NONE when n_rows is 0 */
  QlTimeNs last_time;  /* QL_TIME_NONE when n_rows is 0 */
} QlChunkInfo;

#define QL_CHUNK_ERROR (ql_chunk_error_quark ())
GQuark ql_chunk_error_quark (void);

typedef enum
{
  QL_CHUNK_ERROR_CORRUPT, /* not a chunk, truncated, bad checksum or content */
  QL_CHUNK_ERROR_KIND,    /* a valid chunk of the other kind than the series */
} QlChunkError;

/* Appends the chunk of rows [first, first+n) of @ticks (a
 * ql_series_new_ticks () series, rows sorted by time) to @out. The scales
 * are recorded in the header only. n <= QL_CHUNK_LIMIT_ROWS. */
void ql_chunk_encode_ticks (GByteArray     *out,
                            const QlSeries *ticks,
                            gsize           first,
                            gsize           n,
                            int             price_scale,
                            int             qty_scale);
/* The same for rows of @bars (a ql_series_new_bars () series): prices
 * become fixed point at @price_scale, volume at @qty_scale. */
void ql_chunk_encode_bars (GByteArray     *out,
                           const QlSeries *bars,
                           gsize           first,
                           gsize           n,
                           int             price_scale,
                           int             qty_scale);

/* Checks @data (@size bytes; any content is safe) and appends each of its
 * rows with @from <= time < @to (@to = G_MAXINT64: no upper bound) to @out, which must be a tick series for a
 * tick chunk and a bar series for a bar chunk. @info (nullable) receives
 * the chunk's header facts. On failure @out keeps its rows (its capacity
 * may have grown) and @error says what is wrong, without naming where the
 * blob came from: the caller knows. */
gboolean ql_chunk_decode (const guint8 *data,
                          gsize         size,
                          QlTimeNs      from,
                          QlTimeNs      to,
                          QlSeries     *out,
                          QlChunkInfo  *info,
                          GError      **error);

G_END_DECLS
