/* tests/data/test-numparse.c — decimal text to fixed point. */
#include "data/numparse.h"

#include <stdlib.h>
#include <string.h>

static gint64
parse_ok (const char *text, int scale)
{
  gint64 m = G_MININT64;
  g_assert_cmpint (ql_num_parse_fixed (text, strlen (text), scale, &m), ==, QL_NUM_OK);
  return m;
}

static QlNumStatus
parse_status (const char *text, int scale)
{
  gint64 m;
  return ql_num_parse_fixed (text, strlen (text), scale, &m);
}

static void
test_exact_values (void)
{
  g_test_summary ("Decimal text becomes the exact mantissa at the requested scale");
  g_assert_cmpint (parse_ok ("1.07219", 5), ==, 107219);
  g_assert_cmpint (parse_ok ("1.0716", 5), ==, 107160);   /* padded: one zero appended */
  g_assert_cmpint (parse_ok ("100", 2), ==, 10000);
  g_assert_cmpint (parse_ok ("-0.5", 2), ==, -50);
  g_assert_cmpint (parse_ok ("+3", 0), ==, 3);
  g_assert_cmpint (parse_ok (".5", 1), ==, 5);
  g_assert_cmpint (parse_ok ("5.", 1), ==, 50);
  g_assert_cmpint (parse_ok ("0007.10", 2), ==, 710);
  g_assert_cmpint (parse_ok ("0", 9), ==, 0);
  g_assert_cmpint (parse_ok ("-0", 3), ==, 0);
  /* Trailing zeros beyond the scale are not significant. */
  g_assert_cmpint (parse_ok ("1.2300000", 2), ==, 123);
  g_assert_cmpint (parse_ok ("3067.00", 0), ==, 3067);
  /* 2^53 = 9007199254740992 is the largest mantissa whose quotient is exact. */
  g_assert_cmpint (parse_ok ("9007199254740992", 0), ==, G_GINT64_CONSTANT (9007199254740992));
  g_assert_cmpint (parse_ok ("-90071992547.40992", 5), ==, -G_GINT64_CONSTANT (9007199254740992));
  g_assert_cmpint (parse_ok ("12345.123456789", 9), ==, G_GINT64_CONSTANT (12345123456789));
}

static void
test_refusals (void)
{
  g_test_summary ("Non-numbers, too many decimals and mantissas past 2^53 are refused");
  g_assert_cmpint (parse_status ("", 2), ==, QL_NUM_INVALID);
  g_assert_cmpint (parse_status ("-", 2), ==, QL_NUM_INVALID);
  g_assert_cmpint (parse_status (".", 2), ==, QL_NUM_INVALID);
  g_assert_cmpint (parse_status ("1.2a", 2), ==, QL_NUM_INVALID);
  g_assert_cmpint (parse_status ("1.2.3", 2), ==, QL_NUM_INVALID);
  g_assert_cmpint (parse_status ("1e5", 2), ==, QL_NUM_INVALID);
  g_assert_cmpint (parse_status ("1,5", 2), ==, QL_NUM_INVALID);
  g_assert_cmpint (parse_status (" 1", 2), ==, QL_NUM_INVALID);
  g_assert_cmpint (parse_status ("nan", 2), ==, QL_NUM_INVALID);
  g_assert_cmpint (parse_status ("1.231", 2), ==, QL_NUM_TOO_PRECISE);
  g_assert_cmpint (parse_status ("0.0000000001", 9), ==, QL_NUM_TOO_PRECISE);
  g_assert_cmpint (parse_status ("9007199254740993", 0), ==, QL_NUM_TOO_LARGE);
  g_assert_cmpint (parse_status ("90071992547409.93", 2), ==, QL_NUM_TOO_LARGE);
  /* 10^7 at scale 9 is 10^16 > 2^53: the padding multiply overflows the limit. */
  g_assert_cmpint (parse_status ("10000000", 9), ==, QL_NUM_TOO_LARGE);
  g_assert_cmpint (parse_status ("99999999999999999999999999", 0), ==, QL_NUM_TOO_LARGE);
  /* A syntax error wins over a scale problem: the text is not a number at all. */
  g_assert_cmpint (parse_status ("1.239x", 2), ==, QL_NUM_INVALID);
}

static void
test_decimals_and_format (void)
{
  char buf[32];

  g_test_summary ("Written and significant decimals are counted; fixed point formats back");
  g_assert_cmpint (ql_num_count_decimals ("3067.00", 7), ==, 2);
  g_assert_cmpint (ql_num_significant_decimals ("3067.00", 7), ==, 0);
  g_assert_cmpint (ql_num_count_decimals ("1.07083", 7), ==, 5);
  g_assert_cmpint (ql_num_significant_decimals ("1.2300", 6), ==, 2);
  g_assert_cmpint (ql_num_count_decimals ("42", 2), ==, 0);
  g_assert_cmpint (ql_num_count_decimals ("4x", 2), ==, -1);
  g_assert_cmpint (ql_num_significant_decimals ("", 0), ==, -1);
  g_assert_cmpstr (ql_num_format_fixed (-105, 2, buf, sizeof buf), ==, "-1.05");
  g_assert_cmpstr (ql_num_format_fixed (7, 3, buf, sizeof buf), ==, "0.007");
  g_assert_cmpstr (ql_num_format_fixed (3067, 0, buf, sizeof buf), ==, "3067");
}

/* Builds a random decimal from a random mantissa, so the expected value is
 * known before parsing: text = mantissa written with @decimals digits after
 * the point (and a leading "0" or not, trailing zeros kept). */
static void
test_random_exact (void)
{
  char text[64];

  g_test_summary ("Random decimals: the mantissa is exact and mantissa/10^scale equals strtod bit for bit");
  for (int i = 0; i < 200000; i++)
    {
      int digits = g_test_rand_int_range (1, 16); /* 1..15 significant digits < 2^53 */
      int decimals = g_test_rand_int_range (0, MIN (digits, QL_NUM_SCALE_MAX) + 1);
      guint64 m = 0;
      gboolean neg = g_test_rand_bit ();
      gint64 got = 0;
      int n = 0;

      for (int d = 0; d < digits; d++)
        m = m * 10 + (guint64) g_test_rand_int_range (0, 10);
      guint64 p = ql_num_pow10_u64[decimals];
      /* Fixed point has no negative zero, strtod ("-0.0") has: write zero unsigned. */
      if (m == 0)
        neg = FALSE;
      if (neg)
        text[n++] = '-';
      n += g_snprintf (text + n, sizeof text - n, "%" G_GUINT64_FORMAT, m / p);
      if (decimals > 0)
        n += g_snprintf (text + n, sizeof text - n, ".%0*" G_GUINT64_FORMAT, decimals, m % p);

      /* At the written scale: the mantissa itself. */
      g_assert_cmpint (ql_num_parse_fixed (text, n, decimals, &got), ==, QL_NUM_OK);
      g_assert_cmpint (got, ==, neg ? -(gint64) m : (gint64) m);
      double want = strtod (text, NULL);
      double have = ql_num_to_double (got, decimals);
      g_assert_cmpmem (&have, sizeof have, &want, sizeof want);

      /* At a larger scale: padded by the extra powers of ten, same double. */
      int wider = g_test_rand_int_range (decimals, QL_NUM_SCALE_MAX + 1);
      guint64 padded = m * ql_num_pow10_u64[wider - decimals];
      QlNumStatus st = ql_num_parse_fixed (text, n, wider, &got);
      if (m != 0 && (padded / ql_num_pow10_u64[wider - decimals] != m || padded > QL_NUM_MANTISSA_MAX))
        g_assert_cmpint (st, ==, QL_NUM_TOO_LARGE);
      else
        {
          g_assert_cmpint (st, ==, QL_NUM_OK);
          g_assert_cmpint (got, ==, neg ? -(gint64) padded : (gint64) padded);
          have = ql_num_to_double (got, wider);
          g_assert_cmpmem (&have, sizeof have, &want, sizeof want);
        }

      /* At a smaller scale: fine only when the dropped digits are zeros. */
      if (decimals > 0)
        {
          int narrower = g_test_rand_int_range (0, decimals);
          guint64 q = ql_num_pow10_u64[decimals - narrower];
          st = ql_num_parse_fixed (text, n, narrower, &got);
          if (m % q != 0)
            g_assert_cmpint (st, ==, QL_NUM_TOO_PRECISE);
          else
            {
              g_assert_cmpint (st, ==, QL_NUM_OK);
              g_assert_cmpint (got, ==, neg ? -(gint64) (m / q) : (gint64) (m / q));
            }
        }
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/data/numparse/fixed/exact-values", test_exact_values);
  g_test_add_func ("/data/numparse/fixed/refusals", test_refusals);
  g_test_add_func ("/data/numparse/decimals/count-and-format", test_decimals_and_format);
  g_test_add_func ("/data/numparse/fixed/random-exact-like-strtod", test_random_exact);
  return g_test_run ();
}
