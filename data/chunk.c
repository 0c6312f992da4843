/* data/chunk.c — encoding and checked decoding of market data chunks.
 * The format is drawn in data/chunk.h. */
#define G_LOG_DOMAIN "ql-data-chunk"

#include "data/chunk.h"

#include "engine/instrument.h"

#include <string.h>
#include <xxhash.h>

G_DEFINE_QUARK (ql-chunk-error-quark, ql_chunk_error)

#define MAGIC "QLCK"
#define MAX_COLUMNS 7
#define VARINT_MAX 10
#define DESC_RAW_F64 0x8u

/* Which columns of a bar series are doubles, and on which scale. */
typedef enum
{
  CELL_I64,
  CELL_PRICE,
  CELL_QTY,
} CellClass;

static const CellClass bar_cells[QL_BAR_N_COLUMNS] = {
  [QL_BAR_TIME] = CELL_I64,
  [QL_BAR_OPEN] = CELL_PRICE,
  [QL_BAR_HIGH] = CELL_PRICE,
  [QL_BAR_LOW] = CELL_PRICE,
  [QL_BAR_CLOSE] = CELL_PRICE,
  [QL_BAR_VOLUME] = CELL_QTY,
  [QL_BAR_TRADES] = CELL_I64,
};

static inline guint64
zigzag (guint64 v)
{
  return (v << 1) ^ (0 - (v >> 63));
}

static inline guint64
unzigzag (guint64 u)
{
  return (u >> 1) ^ (0 - (u & 1));
}

static inline guint
varint_len (guint64 u)
{
  if (u < 0x80)
    return 1;
  return (guint) (64 - __builtin_clzll (u) + 6) / 7;
}

static inline guint8 *
varint_put (guint8 *p, guint64 u)
{
  while (u >= 0x80)
    {
      *p++ = (guint8) (u | 0x80);
      u >>= 7;
    }
  *p++ = (guint8) u;
  return p;
}

/* Reads one varint of several bytes at *pp, never past @end. FALSE on a
 * truncated varint, one longer than 10 bytes, or one above 2^64-1. */
static gboolean
varint_get_slow (const guint8 **pp, const guint8 *end, guint64 *out)
{
  const guint8 *p = *pp;
  guint64 v = 0;

  for (guint shift = 0, i = 0; i < VARINT_MAX; i++, shift += 7)
    {
      if (p >= end)
        return FALSE;
      guint8 b = *p++;
      if (i == VARINT_MAX - 1 && b > 1)
        return FALSE;
      v |= (guint64) (b & 0x7f) << shift;
      if (b < 0x80)
        {
          *pp = p;
          *out = v;
          return TRUE;
        }
    }
  return FALSE;
}

/* The common cases, values below 2^7 and 2^14, stay inline. */
#define VARINT_GET(p, end, u, fail)                                       \
  G_STMT_START                                                            \
  {                                                                       \
    if (G_LIKELY ((p) < (end) && *(p) < 0x80))                            \
      (u) = *(p)++;                                                       \
    else if (G_LIKELY ((end) - (p) >= 2 && (p)[1] < 0x80))                \
      (u) = ((guint64) ((p)[0] & 0x7f) | (guint64) (p)[1] << 7), (p) += 2; \
    else if (!varint_get_slow (&(p), (end), &(u)))                        \
      goto fail;                                                          \
  }                                                                       \
  G_STMT_END

static inline void
put_u32 (guint8 *p, guint32 v)
{
  p[0] = (guint8) v;
  p[1] = (guint8) (v >> 8);
  p[2] = (guint8) (v >> 16);
  p[3] = (guint8) (v >> 24);
}

static inline guint32
get_u32 (const guint8 *p)
{
  return (guint32) p[0] | (guint32) p[1] << 8 | (guint32) p[2] << 16 | (guint32) p[3] << 24;
}

static inline void
put_u64 (guint8 *p, guint64 v)
{
  for (int i = 0; i < 8; i++)
    p[i] = (guint8) (v >> (8 * i));
}

static inline guint64
get_u64 (const guint8 *p)
{
  guint64 v = 0;
  for (int i = 0; i < 8; i++)
    v |= (guint64) p[i] << (8 * i);
  return v;
}

/* Encoding ---------------------------------------------------------------- */

/* The coding that writes @v[0..n) in the fewest bytes. Each candidate's
 * size is summed in one pass; DELTANZ is out when a step of exactly -2^63
 * makes 1 + zigzag wrap. Ties go to DELTA, then PLAIN. */
static QlChunkCoding
choose_coding (const gint64 *v, gsize n)
{
  gboolean all_zero = TRUE, all_same = TRUE, deltanz_ok = TRUE;
  guint64 plain = 0, delta = 0, delta2 = 0, deltanz = 0;
  guint64 prev = 0, prev_d = 0, prev_nz = 0;
  QlChunkCoding best;
  guint64 best_size;

  for (gsize i = 0; i < n; i++)
    {
      guint64 x = (guint64) v[i];
      guint64 d = x - prev;

      all_zero &= x == 0;
      all_same &= v[i] == v[0];
      plain += varint_len (zigzag (x));
      delta += varint_len (zigzag (d));
      delta2 += varint_len (zigzag (d - prev_d));
      if (x == 0)
        deltanz += 1;
      else
        {
          guint64 z = zigzag (x - prev_nz);
          /* 1 + z must not wrap; only a step of exactly -2^63 gives this. */
          if (z == G_MAXUINT64)
            deltanz_ok = FALSE;
          else
            deltanz += varint_len (z + 1);
          prev_nz = x;
        }
      prev = x;
      prev_d = d;
    }
  if (all_zero)
    return QL_CHUNK_CODING_ZERO;
  if (all_same)
    return QL_CHUNK_CODING_CONST;

  best = QL_CHUNK_CODING_DELTA, best_size = delta;
  if (plain < best_size)
    best = QL_CHUNK_CODING_PLAIN, best_size = plain;
  if (delta2 < best_size)
    best = QL_CHUNK_CODING_DELTA2, best_size = delta2;
  if (deltanz_ok && deltanz < best_size)
    best = QL_CHUNK_CODING_DELTANZ, best_size = deltanz;
  return best;
}

static guint8 *
encode_column (guint8 *p, QlChunkCoding coding, const gint64 *v, gsize n)
{
  guint64 prev = 0, prev_d = 0;

  switch (coding)
    {
    case QL_CHUNK_CODING_ZERO:
      break;
    case QL_CHUNK_CODING_CONST:
      p = varint_put (p, zigzag ((guint64) v[0]));
      break;
    case QL_CHUNK_CODING_PLAIN:
      for (gsize i = 0; i < n; i++)
        p = varint_put (p, zigzag ((guint64) v[i]));
      break;
    case QL_CHUNK_CODING_DELTA:
      for (gsize i = 0; i < n; i++)
        {
          p = varint_put (p, zigzag ((guint64) v[i] - prev));
          prev = (guint64) v[i];
        }
      break;
    case QL_CHUNK_CODING_DELTA2:
      for (gsize i = 0; i < n; i++)
        {
          guint64 d = (guint64) v[i] - prev;
          p = varint_put (p, zigzag (d - prev_d));
          prev = (guint64) v[i];
          prev_d = d;
        }
      break;
    case QL_CHUNK_CODING_DELTANZ:
      for (gsize i = 0; i < n; i++)
        {
          if (v[i] == 0)
            *p++ = 0;
          else
            {
              p = varint_put (p, zigzag ((guint64) v[i] - prev) + 1);
              prev = (guint64) v[i];
            }
        }
      break;
    default:
      g_assert_not_reached ();
    }
  return p;
}

/* Writes @v[0..n) of @cell class as fixed point into @fixed. FALSE when
 * some double does not read back bit-identical, so raw bits must be kept. */
static gboolean
to_fixed (const double *v, gsize n, CellClass cell, const QlInstrument *scales, gint64 *fixed)
{
  int scale = cell == CELL_PRICE ? scales->price_scale : scales->qty_scale;
  double limit = 9.0e18 / (double) ql_pow10_i64 (scale);

  for (gsize i = 0; i < n; i++)
    {
      double back;
      gint64 q;

      /* llround () of a NaN or of a value past int64 is unspecified. */
      if (!(v[i] > -limit && v[i] < limit))
        return FALSE;
      if (cell == CELL_PRICE)
        {
          q = ql_price_from_double (scales, v[i]);
          back = ql_price_to_double (scales, q);
        }
      else
        {
          q = ql_qty_from_double (scales, v[i]);
          back = ql_qty_to_double (scales, q);
        }
      if (memcmp (&back, &v[i], sizeof back) != 0)
        return FALSE;
      fixed[i] = q;
    }
  return TRUE;
}

static void
encode (GByteArray     *out,
        QlChunkKind     kind,
        const QlSeries *series,
        gsize           first,
        gsize           n,
        int             price_scale,
        int             qty_scale)
{
  guint n_columns = kind == QL_CHUNK_TICKS ? QL_TICK_N_COLUMNS : QL_BAR_N_COLUMNS;
  QlInstrument scales = { .price_scale = price_scale, .qty_scale = qty_scale };
  g_autofree gint64 *scratch = NULL;
  guint32 desc = 0;
  guint k = 0;
  QlChunkCoding codings[MAX_COLUMNS];
  const gint64 *values[MAX_COLUMNS];
  gsize base = out->len, dir, pos;
  guint8 *p;

  g_return_if_fail (n <= QL_CHUNK_LIMIT_ROWS);
  g_return_if_fail (first + n <= series->len);
  g_return_if_fail (series->n_columns == n_columns);
  g_return_if_fail (price_scale >= 0 && price_scale <= QL_SCALE_MAX);
  g_return_if_fail (qty_scale >= 0 && qty_scale <= QL_SCALE_MAX);

  if (kind == QL_CHUNK_BARS)
    scratch = g_new (gint64, (gsize) 5 * MAX (n, 1));

  for (guint c = 0; c < n_columns; c++)
    {
      gboolean raw = FALSE;

      if (kind == QL_CHUNK_BARS && bar_cells[c] != CELL_I64)
        {
          gint64 *fixed = scratch + (gsize) (c - QL_BAR_OPEN) * MAX (n, 1);
          if (to_fixed (ql_series_f64 (series, c) + first, n, bar_cells[c], &scales, fixed))
            values[c] = fixed;
          else
            {
              /* The doubles' bits, read as int64: same size, no aliasing
               * trouble since the project builds with -fno-strict-aliasing. */
              values[c] = (const gint64 *) ql_series_f64 (series, c) + first;
              raw = TRUE;
            }
        }
      else
        values[c] = ql_series_i64 (series, c) + first;

      codings[c] = choose_coding (values[c], n);
      desc |= ((guint32) codings[c] | (raw ? DESC_RAW_F64 : 0)) << (4 * c);
      if (codings[c] != QL_CHUNK_CODING_ZERO)
        k++;
    }

  /* Worst case: every value a 10-byte varint. */
  g_byte_array_set_size (out, base + QL_CHUNK_HEADER_SIZE + 4 * k
                                + (gsize) n_columns * VARINT_MAX * MAX (n, 1)
                                + QL_CHUNK_TRAILER_SIZE);
  p = out->data + base;
  memcpy (p, MAGIC, 4);
  p[4] = QL_CHUNK_VERSION;
  p[5] = (guint8) kind;
  p[6] = (guint8) price_scale;
  p[7] = (guint8) qty_scale;
  put_u32 (p + 8, (guint32) n);
  put_u32 (p + 12, desc);

  dir = base + QL_CHUNK_HEADER_SIZE;
  pos = dir + 4 * k;
  for (guint c = 0; c < n_columns; c++)
    {
      guint8 *start = out->data + pos;
      guint8 *end;

      if (codings[c] == QL_CHUNK_CODING_ZERO)
        continue;
      end = encode_column (start, codings[c], values[c], n);
      put_u32 (out->data + dir, (guint32) (end - start));
      dir += 4;
      pos += (gsize) (end - start);
    }
  put_u64 (out->data + pos, XXH3_64bits (out->data + base, pos - base));
  g_byte_array_set_size (out, pos + QL_CHUNK_TRAILER_SIZE);
}

void
ql_chunk_encode_ticks (GByteArray     *out,
                       const QlSeries *ticks,
                       gsize           first,
                       gsize           n,
                       int             price_scale,
                       int             qty_scale)
{
  g_return_if_fail (out != NULL && ticks != NULL);
  encode (out, QL_CHUNK_TICKS, ticks, first, n, price_scale, qty_scale);
}

void
ql_chunk_encode_bars (GByteArray     *out,
                      const QlSeries *bars,
                      gsize           first,
                      gsize           n,
                      int             price_scale,
                      int             qty_scale)
{
  g_return_if_fail (out != NULL && bars != NULL);
  g_return_if_fail (bars->n_columns == QL_BAR_N_COLUMNS && bars->types[QL_BAR_OPEN] == QL_COLUMN_F64);
  encode (out, QL_CHUNK_BARS, bars, first, n, price_scale, qty_scale);
}

/* Decoding ---------------------------------------------------------------- */

/* Decodes @n varints from [p, end) into @dst, applying STEP (u, out) to
 * each value u. Eight bytes with no continuation bit are eight values:
 * they are taken in one load, which is the common case for deltas of a
 * random walk, sizes and flags; anything else goes one varint at a time
 * through the bounds-checked path. */
#define DECODE_LOOP(STEP)                                                 \
  for (gsize i = 0; i < n;)                                               \
    {                                                                     \
      if (i + 8 <= n && end - p >= 8)                                     \
        {                                                                 \
          guint64 w;                                                      \
          memcpy (&w, p, 8);                                              \
          w = GUINT64_FROM_LE (w);                                        \
          if ((w & G_GUINT64_CONSTANT (0x8080808080808080)) == 0)         \
            {                                                             \
              for (int j = 0; j < 8; j++)                                 \
                STEP ((w >> (8 * j)) & 0xff, dst[i + j]);                 \
              p += 8;                                                     \
              i += 8;                                                     \
              continue;                                                   \
            }                                                             \
        }                                                                 \
      VARINT_GET (p, end, u, fail);                                       \
      STEP (u, dst[i]);                                                   \
      i++;                                                                \
    }

#define STEP_PLAIN(v, out) (out) = (gint64) unzigzag (v)
#define STEP_DELTA(v, out) (acc += unzigzag (v), (out) = (gint64) acc)
#define STEP_DELTA2(v, out) (d += unzigzag (v), acc += d, (out) = (gint64) acc)
/* Branch-free: a 0 leaves acc alone and writes 0. */
#define STEP_DELTANZ(v, out)                                              \
  G_STMT_START                                                            \
  {                                                                       \
    guint64 v_ = (v);                                                     \
    guint64 nz_ = 0 - (guint64) (v_ != 0);                                \
    acc += unzigzag (v_ - 1) & nz_;                                       \
    (out) = (gint64) (acc & nz_);                                         \
  }                                                                       \
  G_STMT_END

/* Decodes exactly @n values from [p, end) into @dst; FALSE when the block
 * is malformed, holds fewer values, or has bytes left over. */
static gboolean
decode_column (const guint8 *p, const guint8 *end, QlChunkCoding coding, gint64 *dst, gsize n)
{
  guint64 u, acc = 0, d = 0;

  switch (coding)
    {
    case QL_CHUNK_CODING_ZERO:
      if (n > 0)
        memset (dst, 0, n * sizeof *dst);
      break;
    case QL_CHUNK_CODING_CONST:
      if (n == 0)
        return FALSE;
      VARINT_GET (p, end, u, fail);
      for (gsize i = 0; i < n; i++)
        dst[i] = (gint64) unzigzag (u);
      break;
    case QL_CHUNK_CODING_PLAIN:
      DECODE_LOOP (STEP_PLAIN);
      break;
    case QL_CHUNK_CODING_DELTA:
      DECODE_LOOP (STEP_DELTA);
      break;
    case QL_CHUNK_CODING_DELTA2:
      DECODE_LOOP (STEP_DELTA2);
      break;
    case QL_CHUNK_CODING_DELTANZ:
      DECODE_LOOP (STEP_DELTANZ);
      break;
    default:
      return FALSE;
    }
  return p == end;

fail:
  return FALSE;
}

/* First index in @t[0..n) whose time is >= @x (@t is sorted). */
static gsize
lower_bound (const gint64 *t, gsize n, gint64 x)
{
  gsize lo = 0, hi = n;
  while (lo < hi)
    {
      gsize mid = lo + (hi - lo) / 2;
      if (t[mid] < x)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

static gboolean
corrupt (GError **error, const char *format, ...) G_GNUC_PRINTF (2, 3);

static gboolean
corrupt (GError **error, const char *format, ...)
{
  va_list args;

  va_start (args, format);
  g_propagate_error (error, g_error_new_valist (QL_CHUNK_ERROR, QL_CHUNK_ERROR_CORRUPT, format, args));
  va_end (args);
  return FALSE;
}

gboolean
ql_chunk_decode (const guint8 *data,
                 gsize         size,
                 QlTimeNs      from,
                 QlTimeNs      to,
                 QlSeries     *out,
                 QlChunkInfo  *info,
                 GError      **error)
{
  guint n_columns, k = 0;
  guint32 desc, n;
  QlChunkKind kind;
  gsize body, dir_end, pos, len;
  guint64 sum = 0;
  gboolean out_is_ticks;
  const gint64 *t;
  gsize lo, hi;

  g_return_val_if_fail (data != NULL || size == 0, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  if (size < QL_CHUNK_HEADER_SIZE + QL_CHUNK_TRAILER_SIZE)
    return corrupt (error, "truncated: %" G_GSIZE_FORMAT " bytes, a chunk has at least %d",
                    size, QL_CHUNK_HEADER_SIZE + QL_CHUNK_TRAILER_SIZE);
  if (memcmp (data, MAGIC, 4) != 0)
    return corrupt (error, "not a chunk (bad magic)");
  body = size - QL_CHUNK_TRAILER_SIZE;
  if (XXH3_64bits (data, body) != get_u64 (data + body))
    return corrupt (error, "checksum mismatch");
  if (data[4] != QL_CHUNK_VERSION)
    return corrupt (error, "format version %u, this QuantLab reads version %d",
                    data[4], QL_CHUNK_VERSION);

  kind = data[5];
  if (kind != QL_CHUNK_TICKS && kind != QL_CHUNK_BARS)
    return corrupt (error, "unknown kind %u", data[5]);
  if (data[6] > QL_SCALE_MAX || data[7] > QL_SCALE_MAX)
    return corrupt (error, "scale %u/%u out of range 0..%d", data[6], data[7], QL_SCALE_MAX);
  n = get_u32 (data + 8);
  if (n > QL_CHUNK_LIMIT_ROWS)
    return corrupt (error, "%" G_GUINT32_FORMAT " rows, more than the limit %d",
                    n, QL_CHUNK_LIMIT_ROWS);

  n_columns = kind == QL_CHUNK_TICKS ? QL_TICK_N_COLUMNS : QL_BAR_N_COLUMNS;
  desc = get_u32 (data + 12);
  if (n_columns * 4 < 32 && (desc >> (n_columns * 4)) != 0)
    return corrupt (error, "descriptor bits set past the last column");
  for (guint c = 0; c < n_columns; c++)
    {
      guint d = (desc >> (4 * c)) & 0xf;
      if ((d & 7) > QL_CHUNK_CODING_DELTANZ)
        return corrupt (error, "column %u: unknown coding %u", c, d & 7);
      if ((d & DESC_RAW_F64) && (kind != QL_CHUNK_BARS || bar_cells[c] == CELL_I64))
        return corrupt (error, "column %u: raw double bits on an integer column", c);
      if ((d & 7) != QL_CHUNK_CODING_ZERO)
        k++;
    }
  dir_end = QL_CHUNK_HEADER_SIZE + (gsize) 4 * k;
  if (dir_end > body)
    return corrupt (error, "truncated column directory");
  for (guint i = 0; i < k; i++)
    sum += get_u32 (data + QL_CHUNK_HEADER_SIZE + 4 * i);
  if (sum != body - dir_end)
    return corrupt (error, "column sizes add up to %" G_GUINT64_FORMAT " bytes, the blob holds %" G_GSIZE_FORMAT,
                    sum, body - dir_end);

  out_is_ticks = out->n_columns == QL_TICK_N_COLUMNS && out->types[QL_TICK_PRICE] == QL_COLUMN_I64;
  if (!(out_is_ticks || (out->n_columns == QL_BAR_N_COLUMNS && out->types[QL_BAR_OPEN] == QL_COLUMN_F64)))
    {
      g_critical ("%s: @out is neither a tick nor a bar series", G_STRFUNC);
      return FALSE;
    }
  if (out_is_ticks != (kind == QL_CHUNK_TICKS))
    {
      g_set_error (error, QL_CHUNK_ERROR, QL_CHUNK_ERROR_KIND,
                   "a %s chunk cannot be read into a %s series",
                   kind == QL_CHUNK_TICKS ? "tick" : "bar", out_is_ticks ? "tick" : "bar");
      return FALSE;
    }

  /* Grow geometrically: a reader appending chunk after chunk must not pay
   * one realloc per chunk. */
  len = out->len;
  if (len + n > out->cap)
    ql_series_reserve (out, MAX (len + n, out->cap * 2));

  pos = dir_end;
  for (guint c = 0, j = 0; c < n_columns; c++)
    {
      QlChunkCoding coding = (desc >> (4 * c)) & 7;
      gsize bsize = 0;
      gint64 *dst = (gint64 *) out->columns[c] + len;

      if (coding != QL_CHUNK_CODING_ZERO)
        bsize = get_u32 (data + QL_CHUNK_HEADER_SIZE + 4 * j++);
      if (!decode_column (data + pos, data + pos + bsize, coding, dst, n))
        return corrupt (error, "column %u: malformed block of %" G_GSIZE_FORMAT " bytes for %" G_GUINT32_FORMAT " rows",
                        c, bsize, n);
      pos += bsize;
    }

  t = (const gint64 *) out->columns[0] + len;
  for (gsize i = 1; i < n; i++)
    if (t[i] < t[i - 1])
      return corrupt (error, "row %" G_GSIZE_FORMAT ": time goes backwards", i);

  if (kind == QL_CHUNK_BARS)
    {
      QlInstrument scales = { .price_scale = data[6], .qty_scale = data[7] };
      for (guint c = QL_BAR_OPEN; c <= QL_BAR_VOLUME; c++)
        {
          gint64 *cells = (gint64 *) out->columns[c] + len;
          double *dcells = (double *) out->columns[c] + len;

          if (((desc >> (4 * c)) & DESC_RAW_F64) != 0)
            continue;
          for (gsize i = 0; i < n; i++)
            dcells[i] = bar_cells[c] == CELL_PRICE ? ql_price_to_double (&scales, cells[i])
                                                   : ql_qty_to_double (&scales, cells[i]);
        }
    }

  if (info != NULL)
    {
      info->kind = kind;
      info->n_rows = n;
      info->price_scale = data[6];
      info->qty_scale = data[7];
      info->first_time = n > 0 ? t[0] : QL_TIME_NONE;
      info->last_time = n > 0 ? t[n - 1] : QL_TIME_NONE;
    }

  lo = lower_bound (t, n, from);
  hi = to == G_MAXINT64 ? n : lower_bound (t, n, to);
  if (hi < lo)
    hi = lo;
  if (lo > 0 && hi > lo)
    for (guint c = 0; c < n_columns; c++)
      {
        gint64 *col = (gint64 *) out->columns[c] + len;
        memmove (col, col + lo, (hi - lo) * sizeof *col);
      }
  out->len = len + (hi - lo);
  return TRUE;
}
