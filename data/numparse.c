/* data/numparse.c — decimal text to int64 fixed point. */
#define G_LOG_DOMAIN "ql-data-numparse"

#include "data/numparse.h"

const double ql_num_pow10_f64[19] = {
  1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9,
  1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18,
};

const guint64 ql_num_pow10_u64[20] = {
  G_GUINT64_CONSTANT (1),
  G_GUINT64_CONSTANT (10),
  G_GUINT64_CONSTANT (100),
  G_GUINT64_CONSTANT (1000),
  G_GUINT64_CONSTANT (10000),
  G_GUINT64_CONSTANT (100000),
  G_GUINT64_CONSTANT (1000000),
  G_GUINT64_CONSTANT (10000000),
  G_GUINT64_CONSTANT (100000000),
  G_GUINT64_CONSTANT (1000000000),
  G_GUINT64_CONSTANT (10000000000),
  G_GUINT64_CONSTANT (100000000000),
  G_GUINT64_CONSTANT (1000000000000),
  G_GUINT64_CONSTANT (10000000000000),
  G_GUINT64_CONSTANT (100000000000000),
  G_GUINT64_CONSTANT (1000000000000000),
  G_GUINT64_CONSTANT (10000000000000000),
  G_GUINT64_CONSTANT (100000000000000000),
  G_GUINT64_CONSTANT (1000000000000000000),
  G_GUINT64_CONSTANT (10000000000000000000),
};

QlNumStatus
ql_num_parse_fixed (const char *text,
                    gsize       len,
                    int         scale,
                    gint64     *out)
{
  QlNumStatus status;
  const char *end = text + len;
  const char *stop;

  g_return_val_if_fail (text != NULL || len == 0, QL_NUM_INVALID);
  g_return_val_if_fail (scale >= 0 && scale <= QL_NUM_SCALE_MAX, QL_NUM_INVALID);
  g_return_val_if_fail (out != NULL, QL_NUM_INVALID);

  stop = ql_num_scan (text, end, scale, out, &status);
  if (stop != end)
    return QL_NUM_INVALID;
  return status;
}

/* Checks the syntax of [@text, @end) and returns the bounds of its
 * fraction digits, or FALSE when it is not a number. */
static gboolean
fraction_bounds (const char  *text,
                 const char  *end,
                 const char **frac_start,
                 const char **frac_end)
{
  const char *p = text;
  int n_digits = 0;

  if (p < end && (*p == '-' || *p == '+'))
    p++;
  for (; p < end && g_ascii_isdigit (*p); p++)
    n_digits++;
  *frac_start = *frac_end = p;
  if (p < end && *p == '.')
    {
      *frac_start = ++p;
      for (; p < end && g_ascii_isdigit (*p); p++)
        n_digits++;
      *frac_end = p;
    }
  return p == end && n_digits > 0;
}

int
ql_num_count_decimals (const char *text,
                       gsize       len)
{
  const char *fs, *fe;

  g_return_val_if_fail (text != NULL || len == 0, -1);

  if (!fraction_bounds (text, text + len, &fs, &fe))
    return -1;
  return (int) MIN (fe - fs, G_MAXINT);
}

int
ql_num_significant_decimals (const char *text,
                             gsize       len)
{
  const char *fs, *fe;

  g_return_val_if_fail (text != NULL || len == 0, -1);

  if (!fraction_bounds (text, text + len, &fs, &fe))
    return -1;
  while (fe > fs && fe[-1] == '0')
    fe--;
  return (int) MIN (fe - fs, G_MAXINT);
}

const char *
ql_num_format_fixed (gint64  mantissa,
                     int     scale,
                     char   *buf,
                     gsize   size)
{
  guint64 m = mantissa < 0 ? -(guint64) mantissa : (guint64) mantissa;
  guint64 p;

  g_return_val_if_fail (scale >= 0 && scale <= 18, NULL);
  g_return_val_if_fail (buf != NULL && size > 0, NULL);

  p = ql_num_pow10_u64[scale];
  if (scale == 0)
    g_snprintf (buf, size, "%s%" G_GUINT64_FORMAT, mantissa < 0 ? "-" : "", m);
  else
    g_snprintf (buf, size, "%s%" G_GUINT64_FORMAT ".%0*" G_GUINT64_FORMAT,
                mantissa < 0 ? "-" : "", m / p, scale, m % p);
  return buf;
}
