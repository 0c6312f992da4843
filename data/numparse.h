/* data/numparse.h — decimal text to int64 fixed point, exactly.
 *
 * Market data files write prices as short decimals ("1.07219"). We read
 * them straight into a mantissa at a chosen scale (107219 at scale 5)
 * instead of going through strtod: strtod is locale-dependent (a "," locale
 * breaks it), about 3-4x slower than this loop, and gives a double that we
 * would have to round back to fixed point anyway. Where a double is needed,
 * mantissa / 10^scale is the correctly rounded double of the text as long
 * as the mantissa is at most 2^53 (Clinger's fast path: both operands are
 * exact doubles and IEEE division rounds once), so it equals strtod's
 * result bit for bit (but for "-0", which has no fixed-point sign and gives
 * +0.0). That is why a mantissa above 2^53 is refused: no
 * market price or size has 16 or more significant digits.
 *
 * Accepted syntax: [+-] digits [. digits], or [+-] . digits; no exponent,
 * no thousands separator, no surrounding space. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define QL_NUM_SCALE_MAX 9
#define QL_NUM_MANTISSA_MAX (G_GUINT64_CONSTANT (1) << 53)

typedef enum
{
  QL_NUM_OK = 0,
  QL_NUM_INVALID,     /* not a decimal number (or empty) */
  QL_NUM_TOO_PRECISE, /* a nonzero digit beyond the scale */
  QL_NUM_TOO_LARGE,   /* |mantissa| > 2^53 at the scale */
} QlNumStatus;

/* 10^n for 0 <= n <= 18, as doubles; every entry is exact. */
extern const double ql_num_pow10_f64[19];
extern const guint64 ql_num_pow10_u64[20];

/* Scans a number at the start of [@p, @end) and stops at the first byte
 * that cannot continue it; returns that position. *@status tells whether
 * what was scanned is a valid number fitting @scale (0..QL_NUM_SCALE_MAX);
 * *@out holds its mantissa only when *@status is QL_NUM_OK. The caller
 * decides whether the byte at the returned position may end a field.
 * Inline because it runs once per field in the CSV reader's inner loop. */
static inline const char *
ql_num_scan (const char  *p,
             const char  *end,
             int          scale,
             gint64      *out,
             QlNumStatus *status)
{
  guint64 m = 0;
  gboolean neg = FALSE;
  gboolean precise_ok = TRUE;
  int n_digits = 0;
  int frac = 0;

  if (p < end && (*p == '-' || *p == '+'))
    neg = *p++ == '-';
  /* m stops growing once it passes 2^53 so that it cannot wrap; being past
   * 2^53 is then reported as too large. */
  for (; p < end && (guint) (*p - '0') < 10; p++, n_digits++)
    if (G_LIKELY (m <= QL_NUM_MANTISSA_MAX))
      m = m * 10 + (guint) (*p - '0');
  if (p < end && *p == '.')
    {
      for (p++; p < end && (guint) (*p - '0') < 10; p++, n_digits++)
        {
          if (frac < scale)
            {
              frac++;
              if (G_LIKELY (m <= QL_NUM_MANTISSA_MAX))
                m = m * 10 + (guint) (*p - '0');
            }
          else if (*p != '0')
            precise_ok = FALSE;
        }
    }
  if (G_UNLIKELY (n_digits == 0))
    {
      *status = QL_NUM_INVALID;
      return p;
    }
  if (frac < scale && m <= QL_NUM_MANTISSA_MAX)
    {
      guint64 padded;
      if (!g_uint64_checked_mul (&padded, m, ql_num_pow10_u64[scale - frac]))
        padded = QL_NUM_MANTISSA_MAX + 1;
      m = padded;
    }
  if (G_UNLIKELY (m > QL_NUM_MANTISSA_MAX))
    *status = QL_NUM_TOO_LARGE;
  else if (G_UNLIKELY (!precise_ok))
    *status = QL_NUM_TOO_PRECISE;
  else
    {
      *status = QL_NUM_OK;
      *out = neg ? -(gint64) m : (gint64) m;
    }
  return p;
}

/* Parses the whole of [@text, @text + @len) at @scale. Anything left after
 * the number makes it QL_NUM_INVALID. */
QlNumStatus ql_num_parse_fixed (const char *text,
                                gsize       len,
                                int         scale,
                                gint64     *out);

/* Decimals written after the point in the number [@text, @text + @len)
 * (trailing zeros count: "3067.00" has 2), or -1 when it is not a number. */
int         ql_num_count_decimals (const char *text,
                                   gsize       len);

/* Significant decimals: as above without trailing zeros ("1.2300" has 2),
 * or -1 when it is not a number. */
int         ql_num_significant_decimals (const char *text,
                                         gsize       len);

/* Writes @mantissa at @scale as decimal text ("-1.05" for -105 at 2) into
 * @buf of @size bytes (32 is enough) and returns @buf. */
const char *ql_num_format_fixed (gint64  mantissa,
                                 int     scale,
                                 char   *buf,
                                 gsize   size);

/* The double nearest to @mantissa / 10^@scale; exact for |mantissa| <= 2^53. */
static inline double
ql_num_to_double (gint64 mantissa,
                  int    scale)
{
  return (double) mantissa / ql_num_pow10_f64[scale];
}

G_END_DECLS
