/* tests/engine/test-timeframe.c — timeframe parsing and printing. */
#include "engine/timeframe.h"

#include <string.h>

static void
check_parse (const char *text, QlTimeframeUnit unit, gint64 n, const char *canonical)
{
  QlTimeframe tf;
  g_autoptr (GError) error = NULL;
  char buf[16];

  g_assert_true (ql_timeframe_parse (text, &tf, &error));
  g_assert_no_error (error);
  g_assert_cmpint (tf.unit, ==, unit);
  g_assert_cmpint (tf.n, ==, n);
  g_assert_cmpstr (ql_timeframe_format (&tf, buf, sizeof buf), ==, canonical);
}

static void
test_parse_forms (void)
{
  g_test_summary ("Every form a trader writes parses to its unit and prints canonically");
  check_parse ("15s", QL_TF_SECONDS, 15, "15s");
  check_parse ("1m", QL_TF_SECONDS, 60, "1m");
  check_parse ("5m", QL_TF_SECONDS, 300, "5m");
  check_parse ("60m", QL_TF_SECONDS, 3600, "1h");
  check_parse ("90s", QL_TF_SECONDS, 90, "90s");
  check_parse ("120s", QL_TF_SECONDS, 120, "2m");
  check_parse ("1h", QL_TF_SECONDS, 3600, "1h");
  check_parse ("4H", QL_TF_SECONDS, 14400, "4h");
  check_parse ("1d", QL_TF_DAYS, 1, "1d");
  check_parse ("1D", QL_TF_DAYS, 1, "1d");
  check_parse ("1w", QL_TF_WEEKS, 1, "1w");
  check_parse ("1M", QL_TF_MONTHS, 1, "1M");
  check_parse ("3M", QL_TF_MONTHS, 3, "3M");
  check_parse ("100t", QL_TF_TICKS, 100, "100t");
  check_parse ("1000v", QL_TF_VOLUME, 1000, "1000v");
}

static void
test_parse_rejects (void)
{
  const char *bad[] = { "", "m", "0m", "1", "1x", "1mm", "-5m", " 1m", "1m ", "1.5h",
                        "99999999999999999999s", "100000d" };

  g_test_summary ("Malformed timeframes are errors that list the accepted forms");
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      QlTimeframe tf;
      g_autoptr (GError) error = NULL;
      g_assert_false (ql_timeframe_parse (bad[i], &tf, &error));
      g_assert_error (error, QL_TIMEFRAME_ERROR, QL_TIMEFRAME_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, "1M (month)"));
      g_assert_nonnull (strstr (error->message, "100t"));
    }
}

static void
test_divides (void)
{
  QlTimeframe m1, m5, m7, h1, d1, w1, mo1, t100;

  g_test_summary ("Which timeframes can be built exactly from which");
  ql_timeframe_parse ("1m", &m1, NULL);
  ql_timeframe_parse ("5m", &m5, NULL);
  ql_timeframe_parse ("7m", &m7, NULL);
  ql_timeframe_parse ("1h", &h1, NULL);
  ql_timeframe_parse ("1d", &d1, NULL);
  ql_timeframe_parse ("1w", &w1, NULL);
  ql_timeframe_parse ("1M", &mo1, NULL);
  ql_timeframe_parse ("100t", &t100, NULL);
  g_assert_true (ql_timeframe_divides (&m1, &m5));
  g_assert_true (ql_timeframe_divides (&m5, &h1));
  g_assert_false (ql_timeframe_divides (&m7, &h1));
  g_assert_false (ql_timeframe_divides (&h1, &m5));
  g_assert_true (ql_timeframe_divides (&h1, &d1));
  g_assert_true (ql_timeframe_divides (&d1, &w1));
  g_assert_true (ql_timeframe_divides (&d1, &mo1));
  g_assert_false (ql_timeframe_divides (&w1, &mo1));
  g_assert_false (ql_timeframe_divides (&t100, &h1));
  g_assert_false (ql_timeframe_divides (&m1, &t100));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/timeframe/parse/forms", test_parse_forms);
  g_test_add_func ("/engine/timeframe/parse/rejects-with-forms", test_parse_rejects);
  g_test_add_func ("/engine/timeframe/divides", test_divides);
  return g_test_run ();
}
