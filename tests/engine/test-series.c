/* tests/engine/test-series.c — columnar series. */
#include "engine/series.h"

static void
test_append_and_history (void)
{
  g_autoptr (QlSeries) bars = ql_series_new_bars ();

  g_test_summary ("Bars append in O(1) and read back by index and by offset from the newest");
  for (int i = 0; i < 1000; i++)
    {
      QlBar b = { .time = i * QL_NS_PER_MIN, .open = i, .high = i + 1, .low = i - 1,
                  .close = i + 0.5, .volume = 10 * i, .trades = i };
      ql_series_append_bar (bars, &b);
    }
  g_assert_cmpuint (bars->len, ==, 1000);
  g_assert_cmpuint (bars->cap, >=, 1000);
  g_assert_cmpfloat (ql_series_f64_back (bars, QL_BAR_CLOSE, 0), ==, 999.5);
  g_assert_cmpfloat (ql_series_f64_back (bars, QL_BAR_CLOSE, 1), ==, 998.5);
  g_assert_cmpfloat (ql_series_f64_back (bars, QL_BAR_CLOSE, 999), ==, 0.5);
  g_assert_true (isnan (ql_series_f64_back (bars, QL_BAR_CLOSE, 1000)));

  QlBar got;
  ql_series_get_bar (bars, 500, &got);
  g_assert_cmpint (got.time, ==, 500 * QL_NS_PER_MIN);
  g_assert_cmpfloat (got.high, ==, 501);
  g_assert_cmpfloat (got.low, ==, 499);
  g_assert_cmpfloat (got.volume, ==, 5000);
  g_assert_cmpint (got.trades, ==, 500);

  /* The forming last bar is updated in place. */
  got.close = 42;
  ql_series_set_bar (bars, 999, &got);
  g_assert_cmpfloat (ql_series_f64_back (bars, QL_BAR_CLOSE, 0), ==, 42);
  g_assert_cmpuint (bars->len, ==, 1000);

  ql_series_truncate (bars, 10);
  g_assert_cmpuint (bars->len, ==, 10);
  g_assert_cmpfloat (ql_series_f64_back (bars, QL_BAR_OPEN, 0), ==, 9);
}

static void
test_ticks_and_columns (void)
{
  g_autoptr (QlSeries) ticks = ql_series_new_ticks ();
  QlTick t = { .time = 5, .price = 12345, .size = 7, .bid = 12340, .ask = 12350,
               .flags = QL_TICK_FLAG_TRADE | QL_TICK_FLAG_QUOTE | QL_TICK_FLAG_BUY };
  QlTick got;
  QlColumnSpec specs[] = { { "a", QL_COLUMN_F64 }, { "b", QL_COLUMN_I64 } };
  g_autoptr (QlSeries) custom = ql_series_new (specs, 2);

  g_test_summary ("Ticks keep fixed-point fields exactly; columns are found by name");
  ql_series_append_tick (ticks, &t);
  ql_series_get_tick (ticks, 0, &got);
  g_assert_cmpint (got.time, ==, 5);
  g_assert_cmpint (got.price, ==, 12345);
  g_assert_cmpint (got.size, ==, 7);
  g_assert_cmpint (got.bid, ==, 12340);
  g_assert_cmpint (got.ask, ==, 12350);
  g_assert_cmpuint (got.flags, ==, t.flags);
  g_assert_cmpint (ql_series_column_index (ticks, "ask"), ==, QL_TICK_ASK);
  g_assert_cmpint (ql_series_column_index (ticks, "nope"), ==, -1);

  gsize row = ql_series_append_row (custom);
  g_assert_cmpuint (row, ==, 0);
  g_assert_cmpfloat (ql_series_f64 (custom, 0)[0], ==, 0.0);
  g_assert_cmpint (ql_series_i64 (custom, 1)[0], ==, 0);
  ql_series_reserve (custom, 1 << 20);
  g_assert_cmpuint (custom->cap, ==, 1 << 20);

  /* An empty series already has columns to point into. */
  g_autoptr (QlSeries) empty = ql_series_new_bars ();
  g_assert_cmpuint (empty->len, ==, 0);
  g_assert_nonnull (ql_series_f64 (empty, QL_BAR_CLOSE));
  g_assert_cmpuint (custom->len, ==, 1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/series/bars/append-and-history", test_append_and_history);
  g_test_add_func ("/engine/series/ticks/fields-and-columns", test_ticks_and_columns);
  return g_test_run ();
}
