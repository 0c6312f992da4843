/* tests/engine/test-numfmt.c — doubles printed so that they read back exactly. */
#include "engine/numfmt.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void
check (double value, const char *expected)
{
  char buf[QL_FORMAT_DOUBLE_MAX];
  int n = ql_format_double (value, buf);
  g_assert_cmpstr (buf, ==, expected);
  g_assert_cmpint (n, ==, (int) strlen (expected));
}

static void
test_shortest_forms (void)
{
  g_test_summary ("Decimal inputs print as written; others with at most 17 digits");
  check (0.1, "0.1");
  check (1.07219, "1.07219");
  check (63264.1, "63264.1");
  check (-0.5, "-0.5");
  check (100, "100");
  check (0, "0");
  check (-0.0, "-0");
  check (1e20, "100000000000000000000");
  check (1e21, "1e21");
  check (1e22, "1e22");
  check (0.00001, "0.00001");
  check (1.23456e-8, "1.23456e-8");
  /* 0.1 + 0.2 is 0.3000000000000000444...: 17 digits are needed. */
  check (0.1 + 0.2, "0.30000000000000004");
  check (1.0 / 3.0, "0.3333333333333333");
  check (2.0 / 3.0, "0.6666666666666666");
  check (1.7976931348623157e308, "1.7976931348623157e308");
  /* The smallest subnormal: its rounding interval is so wide that 15 digits
   * (the fewest tried) are inside it; 5e-324 would be too. */
  check (4.9406564584124654e-324, "4.94065645841247e-324");
  /* A power of two has a narrower gap below it than above. */
  check (9007199254740992.0, "9007199254740992");
  check (0.5, "0.5");
  /* 2^60 = 1152921504606846976: 16 digits are 24 away, inside the gap of
   * 128 below and 256 above. */
  check (1099511627776.0 * 1024 * 1024, "1152921504606847000");
  check (INFINITY, "inf");
  check (-INFINITY, "-inf");
  check (NAN, "nan");
}

static void
test_round_trip_random_bits (void)
{
  guint64 s = 88172645463325252u;
  char buf[QL_FORMAT_DOUBLE_MAX];

  g_test_summary ("Two million random bit patterns, subnormals included, read back to the same bits");
  for (int i = 0; i < 2000000; i++)
    {
      double x, back;
      s ^= s << 13, s ^= s >> 7, s ^= s << 17;
      if (i % 4 == 0)
        s &= G_GUINT64_CONSTANT (0x800fffffffffffff) | (s & G_GUINT64_CONSTANT (0x0010000000000000));
      memcpy (&x, &s, sizeof x);
      if (isnan (x))
        continue;
      ql_format_double (x, buf);
      back = g_ascii_strtod (buf, NULL);
      if (memcmp (&back, &x, sizeof x) != 0)
        g_error ("%.17g printed as %s reads back as %.17g", x, buf, back);
      /* Prices with few decimals print with no more digits than written. */
      double price = (double) (s % 100000000) / 1000.0;
      ql_format_double (price, buf);
      g_assert_cmpfloat (g_ascii_strtod (buf, NULL), ==, price);
      g_assert_cmpuint (strlen (buf), <=, 12);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/numfmt/double/shortest-forms", test_shortest_forms);
  g_test_add_func ("/engine/numfmt/double/round-trip-random-bits", test_round_trip_random_bits);
  return g_test_run ();
}
