/* tests/engine/test-aggregate.c — bars from ticks and from smaller bars,
 * streaming and batch. Expected bars are worked out by hand in comments. */
#include "engine/aggregate.h"

#include <string.h>

/* 2024-01-02 is day 19724 (2024-01-01 is 19723, tested in test-instrument). */
static QlTimeNs
utc (int y, int mo, int d, int h, int mi, int s)
{
  return (ql_days_from_civil (y, mo, d) * 86400 + h * 3600 + mi * 60 + s) * QL_NS_PER_SEC;
}

static void
inst_init (QlInstrument *inst,
           const char   *tz,
           const char   *session,
           int           price_scale,
           int           qty_scale)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (ql_instrument_init (inst, "TEST", &error));
  g_assert_true (ql_instrument_set_timezone (inst, tz, &error));
  g_assert_true (ql_instrument_set_session (inst, session, &error));
  g_assert_no_error (error);
  inst->price_scale = price_scale;
  inst->qty_scale = qty_scale;
}

static QlAggregator *
agg_new (const QlInstrument *inst,
         const char         *tf_text)
{
  QlTimeframe tf;
  g_autoptr (GError) error = NULL;

  g_assert_true (ql_timeframe_parse (tf_text, &tf, &error));
  g_assert_no_error (error);
  return ql_aggregator_new (inst, &tf);
}

static QlTick
trade (QlTimeNs t, QlPrice price, QlQty size)
{
  QlTick tick = { .time = t, .price = price, .size = size, .flags = QL_TICK_FLAG_TRADE };
  return tick;
}

static QlTick
quote (QlTimeNs t, QlPrice bid, QlPrice ask)
{
  QlTick tick = { .time = t, .bid = bid, .ask = ask, .flags = QL_TICK_FLAG_QUOTE };
  return tick;
}

static void
push_ok (QlAggregator *agg, QlTick tick, QlSeries *out, gboolean expect_closed)
{
  gboolean closed = !expect_closed;
  g_assert_cmpint (ql_aggregator_push_tick (agg, &tick, out, &closed), ==, QL_STATUS_OK);
  g_assert_cmpint (closed, ==, expect_closed);
}

static void
check_bar (const QlSeries *out,
           gsize           i,
           QlTimeNs        time,
           double          o,
           double          h,
           double          l,
           double          c,
           double          v,
           gint64          trades)
{
  QlBar bar;

  g_assert_cmpuint (i, <, out->len);
  ql_series_get_bar (out, i, &bar);
  g_assert_cmpint (bar.time, ==, time);
  g_assert_cmpfloat (bar.open, ==, o);
  g_assert_cmpfloat (bar.high, ==, h);
  g_assert_cmpfloat (bar.low, ==, l);
  g_assert_cmpfloat (bar.close, ==, c);
  g_assert_cmpfloat (bar.volume, ==, v);
  g_assert_cmpint (bar.trades, ==, trades);
}

/* Five trades on a UTC instrument, prices with 2 decimals, whole sizes:
 *   10:00:05.000  100.00 x5
 *   10:00:30.000  101.50 x2
 *   10:00:59.999999999  99.25 x1
 *   10:01:00.000  100.75 x3
 *   10:03:10.000  102.00 x4   (nothing in 10:02) */
static void
feed_five (QlAggregator *agg, QlSeries *out)
{
  QlTimeNs t0 = utc (2024, 1, 2, 10, 0, 0);
  QlTick ticks[] = {
    trade (t0 + 5 * QL_NS_PER_SEC, 10000, 5),
    trade (t0 + 30 * QL_NS_PER_SEC, 10150, 2),
    trade (t0 + 60 * QL_NS_PER_SEC - 1, 9925, 1),
    trade (t0 + 60 * QL_NS_PER_SEC, 10075, 3),
    trade (t0 + 190 * QL_NS_PER_SEC, 10200, 4),
  };
  for (gsize i = 0; i < G_N_ELEMENTS (ticks); i++)
    g_assert_cmpint (ql_aggregator_push_tick (agg, &ticks[i], out, NULL), ==, QL_STATUS_OK);
}

static void
test_ticks_intraday (void)
{
  QlInstrument inst;
  QlTimeNs t0 = utc (2024, 1, 2, 10, 0, 0);

  g_test_summary ("Seconds, minutes and hours from trades: OHLCV, trade counts, open times, "
                  "no bar for an empty bucket");
  inst_init (&inst, "UTC", "24h", 2, 0);

  {
    /* 1m: 10:00 holds the first three: O 100.00 H 101.50 L 99.25 C 99.25,
     * V 5+2+1 = 8, 3 trades. 10:01: 100.75 x3. 10:02 is empty: no bar.
     * 10:03: 102.00 x4. */
    g_autoptr (QlAggregator) agg = agg_new (&inst, "1m");
    g_autoptr (QlSeries) out = ql_series_new_bars ();
    feed_five (agg, out);
    g_assert_cmpuint (out->len, ==, 3);
    check_bar (out, 0, t0, 100.0, 101.5, 99.25, 99.25, 8, 3);
    check_bar (out, 1, t0 + QL_NS_PER_MIN, 100.75, 100.75, 100.75, 100.75, 3, 1);
    check_bar (out, 2, t0 + 3 * QL_NS_PER_MIN, 102.0, 102.0, 102.0, 102.0, 4, 1);
  }
  {
    /* 15s: 10:00:05 -> 10:00:00, 10:00:30 -> 10:00:30, 10:00:59.99 ->
     * 10:00:45, 10:01:00 -> 10:01:00, 10:03:10 -> 10:03:00. The bar time is
     * the bucket start, not the first tick's 10:00:05. */
    g_autoptr (QlAggregator) agg = agg_new (&inst, "15s");
    g_autoptr (QlSeries) out = ql_series_new_bars ();
    feed_five (agg, out);
    g_assert_cmpuint (out->len, ==, 5);
    check_bar (out, 0, t0, 100.0, 100.0, 100.0, 100.0, 5, 1);
    check_bar (out, 1, t0 + 30 * QL_NS_PER_SEC, 101.5, 101.5, 101.5, 101.5, 2, 1);
    check_bar (out, 2, t0 + 45 * QL_NS_PER_SEC, 99.25, 99.25, 99.25, 99.25, 1, 1);
    check_bar (out, 3, t0 + 60 * QL_NS_PER_SEC, 100.75, 100.75, 100.75, 100.75, 3, 1);
    check_bar (out, 4, t0 + 180 * QL_NS_PER_SEC, 102.0, 102.0, 102.0, 102.0, 4, 1);
  }
  {
    /* 1h: one bar, O 100.00 H 102.00 L 99.25 C 102.00, V 15, 5 trades. */
    g_autoptr (QlAggregator) agg = agg_new (&inst, "1h");
    g_autoptr (QlSeries) out = ql_series_new_bars ();
    feed_five (agg, out);
    g_assert_cmpuint (out->len, ==, 1);
    check_bar (out, 0, t0, 100.0, 102.0, 99.25, 102.0, 15, 5);
  }
  {
    /* 4h on a UTC 24 h day: 00, 04, 08, 12, ...; 10:00 is in the 08:00 bar. */
    g_autoptr (QlAggregator) agg = agg_new (&inst, "4h");
    g_autoptr (QlSeries) out = ql_series_new_bars ();
    feed_five (agg, out);
    g_assert_cmpuint (out->len, ==, 1);
    check_bar (out, 0, utc (2024, 1, 2, 8, 0, 0), 100.0, 102.0, 99.25, 102.0, 15, 5);
  }
  ql_instrument_clear (&inst);
}

static void
test_session_hours (void)
{
  QlInstrument inst;
  g_autoptr (QlAggregator) agg = NULL;
  g_autoptr (QlSeries) out = ql_series_new_bars ();

  g_test_summary ("1h bars of a 09:30 America/New_York session open at 09:30, 10:30, ... "
                  "and the grid restarts each trading day");
  /* January: EST, UTC-5, no DST change nearby. 09:30 EST = 14:30 UTC. */
  inst_init (&inst, "America/New_York", "09:30-16:00", 2, 0);
  agg = agg_new (&inst, "1h");

  push_ok (agg, trade (utc (2024, 1, 16, 14, 30, 0), 100, 1), out, FALSE);  /* 09:30:00 EST */
  push_ok (agg, trade (utc (2024, 1, 16, 15, 29, 59), 105, 1), out, FALSE); /* 10:29:59: same */
  push_ok (agg, trade (utc (2024, 1, 16, 15, 30, 0), 103, 1), out, TRUE);   /* 10:30: next */
  push_ok (agg, trade (utc (2024, 1, 16, 20, 59, 0), 104, 1), out, TRUE);   /* 15:59 -> 15:30 */
  /* Wednesday 08:00 EST (13:00 UTC) is before the open, so it is still in
   * Tuesday's trading day, which began 14:30 UTC: 22.5 h later, bucket 22,
   * 14:30 + 22 h = 12:30 UTC (07:30 EST). */
  push_ok (agg, trade (utc (2024, 1, 17, 13, 0, 0), 99, 1), out, TRUE);
  /* Wednesday 09:30 EST: a new trading day, the grid restarts at 14:30 UTC. */
  push_ok (agg, trade (utc (2024, 1, 17, 14, 30, 0), 98, 1), out, TRUE);

  g_assert_cmpuint (out->len, ==, 5);
  check_bar (out, 0, utc (2024, 1, 16, 14, 30, 0), 1.00, 1.05, 1.00, 1.05, 2, 2);
  check_bar (out, 1, utc (2024, 1, 16, 15, 30, 0), 1.03, 1.03, 1.03, 1.03, 1, 1);
  check_bar (out, 2, utc (2024, 1, 16, 20, 30, 0), 1.04, 1.04, 1.04, 1.04, 1, 1);
  check_bar (out, 3, utc (2024, 1, 17, 12, 30, 0), 0.99, 0.99, 0.99, 0.99, 1, 1);
  check_bar (out, 4, utc (2024, 1, 17, 14, 30, 0), 0.98, 0.98, 0.98, 0.98, 1, 1);
  ql_instrument_clear (&inst);
}

static void
test_daily_dst (void)
{
  QlInstrument inst;
  g_autoptr (QlAggregator) agg = NULL;
  g_autoptr (QlSeries) out = ql_series_new_bars ();

  g_test_summary ("Daily bars in America/New_York across the 2024-03-10 DST change");
  /* America/New_York, because its clocks jump from 02:00 EST to 03:00 EDT on
   * 2024-03-10: that trading day (24 h session, midnight to midnight local)
   * lasts 23 hours, from 05:00 UTC (00:00 EST) to 04:00 UTC on the 11th
   * (00:00 EDT). A fixed UTC-5 offset would misplace the last hour. */
  inst_init (&inst, "America/New_York", "24h", 0, 0);
  agg = agg_new (&inst, "1d");

  push_ok (agg, trade (utc (2024, 3, 9, 12, 0, 0), 10, 1), out, FALSE);  /* 07:00 EST 9th */
  push_ok (agg, trade (utc (2024, 3, 10, 4, 59, 0), 11, 1), out, FALSE); /* 23:59 EST 9th */
  push_ok (agg, trade (utc (2024, 3, 10, 5, 0, 0), 12, 1), out, TRUE);   /* 00:00 EST 10th */
  g_assert_cmpint (ql_aggregator_get_bar_end (agg), ==, utc (2024, 3, 11, 4, 0, 0));
  push_ok (agg, trade (utc (2024, 3, 11, 3, 30, 0), 13, 1), out, FALSE); /* 23:30 EDT 10th */
  /* 00:30 EDT on the 11th; with UTC-5 it would be 23:30 on the 10th. */
  push_ok (agg, trade (utc (2024, 3, 11, 4, 30, 0), 14, 1), out, TRUE);

  g_assert_cmpuint (out->len, ==, 3);
  check_bar (out, 0, utc (2024, 3, 9, 5, 0, 0), 10, 11, 10, 11, 2, 2);
  check_bar (out, 1, utc (2024, 3, 10, 5, 0, 0), 12, 13, 12, 13, 2, 2);
  check_bar (out, 2, utc (2024, 3, 11, 4, 0, 0), 14, 14, 14, 14, 1, 1);
  g_assert_cmpint (ql_aggregator_get_bar_end (agg), ==, utc (2024, 3, 12, 4, 0, 0));
  ql_instrument_clear (&inst);
}

static void
append_daily (QlSeries *bars, int y, int m, int d, double o, double h, double l, double c, double v)
{
  QlBar bar = { utc (y, m, d, 0, 0, 0), o, h, l, c, v, 1 };
  ql_series_append_bar (bars, &bar);
}

static QlAggregator *
agg_from_bars (const QlInstrument *inst, const char *tf_text, const char *source_text)
{
  QlAggregator *agg = agg_new (inst, tf_text);
  QlTimeframe source;
  g_autoptr (GError) error = NULL;

  g_assert_true (ql_timeframe_parse (source_text, &source, &error));
  g_assert_true (ql_aggregator_set_source_timeframe (agg, &source, &error));
  g_assert_no_error (error);
  return agg;
}

static void
test_weekly_monthly (void)
{
  QlInstrument inst;
  g_autoptr (QlSeries) days = ql_series_new_bars ();

  g_test_summary ("Weekly bars open on the Monday of the ISO week, across a year boundary; "
                  "monthly bars on the 1st; 3M bars are quarters");
  inst_init (&inst, "UTC", "24h", 2, 0);

  /* 2025-01-01 is a Wednesday, so Monday 2024-12-30 opens ISO week 2025-W01,
   * which runs to Sunday 2025-01-05; Friday 2024-12-27 is in the week of
   * Monday 2024-12-23; Monday 2025-01-06 opens W02. */
  append_daily (days, 2024, 12, 27, 10, 12, 9, 11, 100);
  append_daily (days, 2024, 12, 30, 11, 15, 10, 14, 200);
  append_daily (days, 2024, 12, 31, 14, 16, 13, 13, 300);
  append_daily (days, 2025, 1, 2, 13, 14, 8, 9, 400);
  append_daily (days, 2025, 1, 5, 9, 10, 8.5, 10, 500);
  append_daily (days, 2025, 1, 6, 10, 11, 9, 10.5, 600);
  {
    /* W52 (2024-12-23): the 27th alone.
     * W01 (2024-12-30): O 11 (30th), H max(15,16,14,10) = 16, L min(10,13,8,8.5) = 8,
     *   C 10 (5th), V 200+300+400+500 = 1400, 4 trades.
     * W02 (2025-01-06): the 6th alone. */
    g_autoptr (QlAggregator) agg = agg_from_bars (&inst, "1w", "1d");
    g_autoptr (QlSeries) out = ql_series_new_bars ();
    g_assert_cmpint (ql_aggregator_run_bars (agg, days, out), ==, QL_STATUS_OK);
    g_assert_cmpuint (out->len, ==, 3);
    check_bar (out, 0, utc (2024, 12, 23, 0, 0, 0), 10, 12, 9, 11, 100, 1);
    check_bar (out, 1, utc (2024, 12, 30, 0, 0, 0), 11, 16, 8, 10, 1400, 4);
    check_bar (out, 2, utc (2025, 1, 6, 0, 0, 0), 10, 11, 9, 10.5, 600, 1);
  }
  {
    /* Sunday ends its week: Sunday 2024-12-29 alone is the week of Monday
     * 2024-12-23, and Monday the 30th opens the next. */
    g_autoptr (QlAggregator) agg = agg_from_bars (&inst, "1w", "1d");
    g_autoptr (QlSeries) sun_mon = ql_series_new_bars ();
    g_autoptr (QlSeries) out = ql_series_new_bars ();
    append_daily (sun_mon, 2024, 12, 29, 1, 2, 0.5, 1.5, 10);
    append_daily (sun_mon, 2024, 12, 30, 2, 3, 1.5, 2.5, 20);
    g_assert_cmpint (ql_aggregator_run_bars (agg, sun_mon, out), ==, QL_STATUS_OK);
    g_assert_cmpuint (out->len, ==, 2);
    check_bar (out, 0, utc (2024, 12, 23, 0, 0, 0), 1, 2, 0.5, 1.5, 10, 1);
    check_bar (out, 1, utc (2024, 12, 30, 0, 0, 0), 2, 3, 1.5, 2.5, 20, 1);
  }
  {
    /* Months: December 2024 (27th, 30th, 31st): O 10 H 16 L 9 C 13 V 600;
     * January 2025 (2nd, 5th, 6th): O 13 H 14 L 8 C 10.5 V 1500. The January
     * bar opens 2025-01-01 though no bar exists for that day. */
    g_autoptr (QlAggregator) agg = agg_from_bars (&inst, "1M", "1d");
    g_autoptr (QlSeries) out = ql_series_new_bars ();
    g_assert_cmpint (ql_aggregator_run_bars (agg, days, out), ==, QL_STATUS_OK);
    g_assert_cmpuint (out->len, ==, 2);
    check_bar (out, 0, utc (2024, 12, 1, 0, 0, 0), 10, 16, 9, 13, 600, 3);
    check_bar (out, 1, utc (2025, 1, 1, 0, 0, 0), 13, 14, 8, 10.5, 1500, 3);
  }
  {
    /* Quarters: Q4 2024 opens 2024-10-01, Q1 2025 opens 2025-01-01; the same
     * split as the months here. 12M: calendar years 2024 and 2025. */
    g_autoptr (QlAggregator) q = agg_from_bars (&inst, "3M", "1d");
    g_autoptr (QlAggregator) y = agg_from_bars (&inst, "12M", "1M");
    g_autoptr (QlSeries) out = ql_series_new_bars ();
    g_autoptr (QlSeries) years = ql_series_new_bars ();
    g_assert_cmpint (ql_aggregator_run_bars (q, days, out), ==, QL_STATUS_OK);
    g_assert_cmpuint (out->len, ==, 2);
    check_bar (out, 0, utc (2024, 10, 1, 0, 0, 0), 10, 16, 9, 13, 600, 3);
    check_bar (out, 1, utc (2025, 1, 1, 0, 0, 0), 13, 14, 8, 10.5, 1500, 3);
    g_assert_cmpint (ql_aggregator_run_bars (y, out, years), ==, QL_STATUS_OK);
    g_assert_cmpuint (years->len, ==, 2);
    check_bar (years, 0, utc (2024, 1, 1, 0, 0, 0), 10, 16, 9, 13, 600, 3);
    check_bar (years, 1, utc (2025, 1, 1, 0, 0, 0), 13, 14, 8, 10.5, 1500, 3);
  }
  ql_instrument_clear (&inst);
}

static void
test_n_days (void)
{
  QlInstrument inst;
  g_autoptr (QlSeries) days = ql_series_new_bars ();
  g_autoptr (QlSeries) out = ql_series_new_bars ();
  g_autoptr (QlAggregator) agg = NULL;

  g_test_summary ("Nd bars group label dates k*N .. k*N+N-1, counted from 1970-01-01");
  inst_init (&inst, "UTC", "24h", 2, 0);
  /* 2024-01-01 is day 19723, so 2023-12-31 is 19722 = 3 * 6574: a 3d bar
   * opens there and holds Dec 31, Jan 1 and Jan 2; Jan 3 (19725 = 3 * 6575)
   * opens the next. The first bar's time is Dec 31 though no bar exists
   * for that day. */
  append_daily (days, 2024, 1, 1, 5, 6, 4, 5.5, 10);
  append_daily (days, 2024, 1, 2, 5.5, 7, 5, 6, 20);
  append_daily (days, 2024, 1, 3, 6, 6.5, 3, 4, 30);
  agg = agg_from_bars (&inst, "3d", "1d");
  g_assert_cmpint (ql_aggregator_run_bars (agg, days, out), ==, QL_STATUS_OK);
  g_assert_cmpuint (out->len, ==, 2);
  check_bar (out, 0, utc (2023, 12, 31, 0, 0, 0), 5, 7, 4, 6, 30, 2);
  check_bar (out, 1, utc (2024, 1, 3, 0, 0, 0), 6, 6.5, 3, 4, 30, 1);
  g_assert_cmpint (ql_aggregator_get_bar_end (agg), ==, utc (2024, 1, 6, 0, 0, 0));
  ql_instrument_clear (&inst);
}

static void
test_fx_session (void)
{
  QlInstrument inst;
  g_autoptr (QlAggregator) daily = NULL;
  g_autoptr (QlAggregator) weekly = NULL;
  g_autoptr (QlSeries) d = ql_series_new_bars ();
  g_autoptr (QlSeries) w = ql_series_new_bars ();

  g_test_summary ("FX session 17:00 New York: a day is named after the next date and the "
                  "week opens Sunday 17:00");
  /* January 2024, EST (UTC-5): 17:00 New York = 22:00 UTC. 2024-01-15 is a
   * Monday (2024-01-01 was one). */
  inst_init (&inst, "America/New_York", "17:00-17:00", 5, 0);
  daily = agg_new (&inst, "1d");
  weekly = agg_new (&inst, "1w");

  QlTick ticks[] = {
    /* Fri 16:59 EST: the day that opened Thu 17:00 (22:00Z on the 11th),
     * named Friday the 12th, in the week of Monday the 8th, which opened
     * Sunday the 7th 17:00 EST = 22:00Z. */
    trade (utc (2024, 1, 12, 21, 59, 0), 109000, 1),
    /* Sun 17:00 EST: the day named Monday the 15th opens; so does its week. */
    trade (utc (2024, 1, 14, 22, 0, 0), 109100, 2),
    /* Mon 16:00 EST: still Monday's day. */
    trade (utc (2024, 1, 15, 21, 0, 0), 109300, 3),
    /* Mon 17:30 EST: the day named Tuesday the 16th, opened 22:00Z Monday. */
    trade (utc (2024, 1, 15, 22, 30, 0), 108900, 4),
  };
  for (gsize i = 0; i < G_N_ELEMENTS (ticks); i++)
    {
      g_assert_cmpint (ql_aggregator_push_tick (daily, &ticks[i], d, NULL), ==, QL_STATUS_OK);
      g_assert_cmpint (ql_aggregator_push_tick (weekly, &ticks[i], w, NULL), ==, QL_STATUS_OK);
    }
  g_assert_cmpuint (d->len, ==, 3);
  check_bar (d, 0, utc (2024, 1, 11, 22, 0, 0), 1.09, 1.09, 1.09, 1.09, 1, 1);
  check_bar (d, 1, utc (2024, 1, 14, 22, 0, 0), 1.091, 1.093, 1.091, 1.093, 5, 2);
  check_bar (d, 2, utc (2024, 1, 15, 22, 0, 0), 1.089, 1.089, 1.089, 1.089, 4, 1);
  g_assert_cmpuint (w->len, ==, 2);
  check_bar (w, 0, utc (2024, 1, 7, 22, 0, 0), 1.09, 1.09, 1.09, 1.09, 1, 1);
  check_bar (w, 1, utc (2024, 1, 14, 22, 0, 0), 1.091, 1.093, 1.089, 1.089, 9, 3);

  /* The daily bars make the same weeks. */
  {
    g_autoptr (QlAggregator) wd = agg_from_bars (&inst, "1w", "1d");
    g_autoptr (QlSeries) w2 = ql_series_new_bars ();
    g_assert_cmpint (ql_aggregator_run_bars (wd, d, w2), ==, QL_STATUS_OK);
    g_assert_cmpuint (w2->len, ==, 2);
    check_bar (w2, 0, utc (2024, 1, 7, 22, 0, 0), 1.09, 1.09, 1.09, 1.09, 1, 1);
    check_bar (w2, 1, utc (2024, 1, 14, 22, 0, 0), 1.091, 1.093, 1.089, 1.089, 9, 3);
  }
  ql_instrument_clear (&inst);
}

static void
test_tick_count (void)
{
  QlInstrument inst;
  QlTimeNs t0 = utc (2024, 1, 2, 0, 0, 0);

  g_test_summary ("Tick-count bars: every N ticks make a bar, the last one is still forming");
  inst_init (&inst, "UTC", "24h", 0, 0);
  {
    /* 3t over 7 ticks at t0 + i s, price 10 + i: bars {0,1,2} {3,4,5} close on
     * the 3rd and 6th tick; {6} is forming. A quote counts as a tick. */
    g_autoptr (QlAggregator) agg = agg_new (&inst, "3t");
    g_autoptr (QlSeries) out = ql_series_new_bars ();
    for (int i = 0; i < 7; i++)
      {
        QlTimeNs t = t0 + i * QL_NS_PER_SEC;
        QlTick tick = i == 4 ? quote (t, 13, 15) : trade (t, 10 + i, 1);
        push_ok (agg, tick, out, i == 2 || i == 5);
        g_assert_cmpint (ql_aggregator_has_forming_bar (agg), ==, !(i == 2 || i == 5));
        g_assert_cmpint (ql_aggregator_get_bar_end (agg), ==, QL_TIME_NONE);
      }
    g_assert_cmpuint (out->len, ==, 3);
    check_bar (out, 0, t0, 10, 12, 10, 12, 3, 3);
    /* The quote at i = 4 has mid (13 + 15) / 2 = 14, like the trade it replaces. */
    check_bar (out, 1, t0 + 3 * QL_NS_PER_SEC, 13, 15, 13, 15, 2, 2);
    check_bar (out, 2, t0 + 6 * QL_NS_PER_SEC, 16, 16, 16, 16, 1, 1);
  }
  {
    /* 100t over 250 trades priced 1000 + i, size 1: bars of ticks 0-99,
     * 100-199 and a partial 200-249. Prices rise, so high = close = last. */
    g_autoptr (QlAggregator) agg = agg_new (&inst, "100t");
    g_autoptr (QlSeries) ticks = ql_series_new_ticks ();
    g_autoptr (QlSeries) out = ql_series_new_bars ();
    for (int i = 0; i < 250; i++)
      {
        QlTick tick = trade (t0 + i * QL_NS_PER_MS, 1000 + i, 1);
        ql_series_append_tick (ticks, &tick);
      }
    g_assert_cmpint (ql_aggregator_run_ticks (agg, ticks, out), ==, QL_STATUS_OK);
    g_assert_cmpuint (out->len, ==, 3);
    check_bar (out, 0, t0, 1000, 1099, 1000, 1099, 100, 100);
    check_bar (out, 1, t0 + 100 * QL_NS_PER_MS, 1100, 1199, 1100, 1199, 100, 100);
    check_bar (out, 2, t0 + 200 * QL_NS_PER_MS, 1200, 1249, 1200, 1249, 50, 50);
    g_assert_true (ql_aggregator_has_forming_bar (agg));
  }
  ql_instrument_clear (&inst);
}

static void
test_volume_bars (void)
{
  QlInstrument inst;
  QlTimeNs t0 = utc (2024, 1, 2, 0, 0, 0);
  g_autoptr (QlAggregator) agg = NULL;
  g_autoptr (QlSeries) out = ql_series_new_bars ();

  g_test_summary ("Volume bars close on the tick that reaches or crosses the threshold, "
                  "which belongs to the closing bar");
  /* qty_scale 3: 1000v is 1000.000, 1000000 QlQty. */
  inst_init (&inst, "UTC", "24h", 2, 3);
  agg = agg_new (&inst, "1000v");

  push_ok (agg, trade (t0 + 1, 100, 400000), out, FALSE);  /* 400 */
  push_ok (agg, trade (t0 + 2, 101, 500000), out, FALSE);  /* 900 */
  push_ok (agg, trade (t0 + 3, 102, 100000), out, TRUE);   /* 1000: reaches, closes */
  push_ok (agg, trade (t0 + 4, 103, 300000), out, FALSE);  /* opens bar 1: 300 */
  push_ok (agg, quote (t0 + 5, 90, 96), out, FALSE);       /* mid 0.93, no volume */
  push_ok (agg, trade (t0 + 6, 104, 800000), out, TRUE);   /* 1100: crosses, closes whole */
  push_ok (agg, trade (t0 + 7, 105, 50000), out, FALSE);   /* opens bar 2: 50, forming */

  g_assert_cmpuint (out->len, ==, 3);
  check_bar (out, 0, t0 + 1, 1.00, 1.02, 1.00, 1.02, 1000, 3);
  check_bar (out, 1, t0 + 4, 1.03, 1.04, 0.93, 1.04, 1100, 2);
  check_bar (out, 2, t0 + 7, 1.05, 1.05, 1.05, 1.05, 50, 1);
  g_assert_true (ql_aggregator_has_forming_bar (agg));
  ql_instrument_clear (&inst);
}

static void
test_quotes (void)
{
  QlInstrument inst;
  QlTimeNs t0 = utc (2024, 1, 2, 10, 0, 0);
  g_autoptr (QlAggregator) agg = NULL;
  g_autoptr (QlSeries) out = ql_series_new_bars ();
  QlTick bad;

  g_test_summary ("Quote-only ticks use the mid price and add no volume and no trade");
  inst_init (&inst, "UTC", "24h", 2, 0);
  agg = agg_new (&inst, "1m");

  /* 10:00: quote 100.00/100.01 (mid 100.005), trade 100.02 x5, quote
   * 99.98/100.00 (mid 99.99): O 100.005 H 100.02 L 99.99 C 99.99, V 5, 1 trade.
   * 10:01: quotes only, 1.00/1.02 then 1.04/1.06: O 1.01 H 1.05 L 1.01 C 1.05,
   * V 0, no trades. Expected doubles come from strtod of the decimal text. */
  push_ok (agg, quote (t0, 10000, 10001), out, FALSE);
  push_ok (agg, trade (t0 + 1, 10002, 5), out, FALSE);
  push_ok (agg, quote (t0 + 2, 9998, 10000), out, FALSE);
  push_ok (agg, quote (t0 + QL_NS_PER_MIN, 100, 102), out, TRUE);
  push_ok (agg, quote (t0 + QL_NS_PER_MIN + 1, 104, 106), out, FALSE);
  g_assert_cmpuint (out->len, ==, 2);
  check_bar (out, 0, t0, g_ascii_strtod ("100.005", NULL), g_ascii_strtod ("100.02", NULL),
             g_ascii_strtod ("99.99", NULL), g_ascii_strtod ("99.99", NULL), 5, 1);
  check_bar (out, 1, t0 + QL_NS_PER_MIN, g_ascii_strtod ("1.01", NULL),
             g_ascii_strtod ("1.05", NULL), g_ascii_strtod ("1.01", NULL),
             g_ascii_strtod ("1.05", NULL), 0, 0);

  /* A tick with neither flag, or a negative size, is invalid input; the bar
   * is untouched. */
  bad = trade (t0 + QL_NS_PER_MIN + 2, 500, 1);
  bad.flags = 0;
  g_assert_cmpint (ql_aggregator_push_tick (agg, &bad, out, NULL), ==, QL_STATUS_INVALID);
  bad = trade (t0 + QL_NS_PER_MIN + 2, 500, -1);
  g_assert_cmpint (ql_aggregator_push_tick (agg, &bad, out, NULL), ==, QL_STATUS_INVALID);
  bad = trade (t0 + QL_NS_PER_MIN + 2, G_MAXINT64 - 1, 1);
  g_assert_cmpint (ql_aggregator_push_tick (agg, &bad, out, NULL), ==, QL_STATUS_OVERFLOW);
  g_assert_cmpuint (out->len, ==, 2);
  check_bar (out, 1, t0 + QL_NS_PER_MIN, g_ascii_strtod ("1.01", NULL),
             g_ascii_strtod ("1.05", NULL), g_ascii_strtod ("1.01", NULL),
             g_ascii_strtod ("1.05", NULL), 0, 0);
  ql_instrument_clear (&inst);
}

/* 1m bars j = 0..7 at 23:57, 23:58, 23:59 (2024-01-02), 00:00, 00:01, 00:04,
 * 00:05, 00:06 (2024-01-03); O 10+j, H 12+j, L 9+j, C 11+j, V j+1, 1 trade. */
static QlSeries *
minute_bars (void)
{
  static const int minute[] = { -3, -2, -1, 0, 1, 4, 5, 6 };
  QlSeries *bars = ql_series_new_bars ();
  for (int j = 0; j < 8; j++)
    {
      QlBar bar = { utc (2024, 1, 3, 0, 0, 0) + minute[j] * QL_NS_PER_MIN,
                    10 + j, 12 + j, 9 + j, 11 + j, j + 1, 1 };
      ql_series_append_bar (bars, &bar);
    }
  return bars;
}

static void
test_from_bars (void)
{
  QlInstrument inst;
  g_autoptr (QlSeries) m1 = minute_bars ();
  QlTimeNs mid = utc (2024, 1, 3, 0, 0, 0);

  g_test_summary ("1m bars combine into 5m, 1h and 1d bars");
  inst_init (&inst, "UTC", "24h", 2, 0);
  {
    /* 23:55: j 0-2, O 10 H 14 L 9 C 13 V 6; 00:00: j 3-5, O 13 H 17 L 12 C 16
     * V 15; 00:05: j 6-7, O 16 H 19 L 15 C 18 V 15. */
    g_autoptr (QlAggregator) agg = agg_from_bars (&inst, "5m", "1m");
    g_autoptr (QlSeries) out = ql_series_new_bars ();
    g_assert_cmpint (ql_aggregator_run_bars (agg, m1, out), ==, QL_STATUS_OK);
    g_assert_cmpuint (out->len, ==, 3);
    check_bar (out, 0, mid - 5 * QL_NS_PER_MIN, 10, 14, 9, 13, 6, 3);
    check_bar (out, 1, mid, 13, 17, 12, 16, 15, 3);
    check_bar (out, 2, mid + 5 * QL_NS_PER_MIN, 16, 19, 15, 18, 15, 2);
  }
  {
    /* 23:00: j 0-2 as above; 00:00: j 3-7, O 13 H 19 L 12 C 18 V 30. The
     * days split at the same midnight. */
    g_autoptr (QlAggregator) h = agg_from_bars (&inst, "1h", "1m");
    g_autoptr (QlAggregator) d = agg_from_bars (&inst, "1d", "1m");
    g_autoptr (QlSeries) hours = ql_series_new_bars ();
    g_autoptr (QlSeries) days = ql_series_new_bars ();
    g_assert_cmpint (ql_aggregator_run_bars (h, m1, hours), ==, QL_STATUS_OK);
    g_assert_cmpint (ql_aggregator_run_bars (d, m1, days), ==, QL_STATUS_OK);
    g_assert_cmpuint (hours->len, ==, 2);
    check_bar (hours, 0, mid - QL_NS_PER_HOUR, 10, 14, 9, 13, 6, 3);
    check_bar (hours, 1, mid, 13, 19, 12, 18, 30, 5);
    g_assert_cmpuint (days->len, ==, 2);
    check_bar (days, 0, mid - QL_NS_PER_DAY, 10, 14, 9, 13, 6, 3);
    check_bar (days, 1, mid, 13, 19, 12, 18, 30, 5);
  }
  ql_instrument_clear (&inst);
}

static void
test_bars_then_ticks (void)
{
  QlInstrument inst;
  QlTimeNs t0 = utc (2024, 1, 2, 10, 0, 0);
  g_autoptr (QlAggregator) agg = NULL;
  g_autoptr (QlSeries) out = ql_series_new_bars ();
  QlBar bar = { t0, 10, 12, 9, 11, 1, 1 };
  gboolean closed = TRUE;

  g_test_summary ("A chart loaded from 1m history continues its 5m bar with live ticks");
  inst_init (&inst, "UTC", "24h", 2, 0);
  agg = agg_from_bars (&inst, "5m", "1m");
  g_assert_cmpint (ql_aggregator_push_bar (agg, &bar, out, &closed), ==, QL_STATUS_OK);
  g_assert_false (closed);
  /* 10:01:30 trade 13.00 x2: H 13, C 13, V 1 + 2 = 3, 2 trades. */
  push_ok (agg, trade (t0 + 90 * QL_NS_PER_SEC, 1300, 2), out, FALSE);
  check_bar (out, 0, t0, 10, 13, 9, 13, 3, 2);
  /* 10:05: a new bar from the tick alone. */
  push_ok (agg, trade (t0 + 5 * QL_NS_PER_MIN, 1250, 1), out, TRUE);
  g_assert_cmpuint (out->len, ==, 2);
  check_bar (out, 1, t0 + 5 * QL_NS_PER_MIN, 12.5, 12.5, 12.5, 12.5, 1, 1);
  ql_instrument_clear (&inst);
}

static void
test_refused (void)
{
  QlInstrument inst;
  struct { const char *large, *small, *message; } cases[] = {
    { "5m", "7m", "cannot build 5m bars from 7m bars: a 7m bar would straddle two 5m bars" },
    { "1w", "2d", "cannot build 1w bars from 2d bars: a 2d bar would straddle two 1w bars" },
    { "100t", "1m", "cannot build 100t bars from 1m bars: tick-count and volume bars need ticks" },
    { "1000v", "1s", "cannot build 1000v bars from 1s bars: tick-count and volume bars need ticks" },
    { "1h", "100t", "cannot build 1h bars from 100t bars: tick-count and volume bars do not "
                    "follow the time grid; build 1h bars from ticks" },
  };

  g_test_summary ("Combinations that cannot be built from bars are refused with a message");
  inst_init (&inst, "UTC", "24h", 2, 0);
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (QlAggregator) agg = agg_new (&inst, cases[i].large);
      g_autoptr (QlSeries) out = ql_series_new_bars ();
      g_autoptr (GError) error = NULL;
      QlTimeframe small;
      QlBar bar = { utc (2024, 1, 2, 0, 0, 0), 1, 1, 1, 1, 1, 1 };

      g_assert_true (ql_timeframe_parse (cases[i].small, &small, NULL));
      g_assert_false (ql_aggregator_set_source_timeframe (agg, &small, &error));
      g_assert_error (error, QL_AGGREGATOR_ERROR, QL_AGGREGATOR_ERROR_INCOMPATIBLE);
      g_assert_cmpstr (error->message, ==, cases[i].message);
      g_assert_cmpint (ql_aggregator_push_bar (agg, &bar, out, NULL), ==, QL_STATUS_UNSUPPORTED);
      g_assert_cmpuint (out->len, ==, 0);
    }
  {
    /* Without a declared source, bars are refused too. */
    g_autoptr (QlAggregator) agg = agg_new (&inst, "5m");
    g_autoptr (QlSeries) out = ql_series_new_bars ();
    QlBar bar = { utc (2024, 1, 2, 0, 0, 0), 1, 1, 1, 1, 1, 1 };
    g_assert_cmpint (ql_aggregator_push_bar (agg, &bar, out, NULL), ==, QL_STATUS_UNSUPPORTED);
  }
  ql_instrument_clear (&inst);
}

static void
test_out_of_order (void)
{
  QlInstrument inst;
  QlTimeNs t0 = utc (2024, 1, 2, 10, 0, 0);

  g_test_summary ("Input older than the current bar is refused and the aggregator goes on");
  inst_init (&inst, "UTC", "24h", 0, 0);
  {
    g_autoptr (QlAggregator) agg = agg_new (&inst, "1m");
    g_autoptr (QlSeries) out = ql_series_new_bars ();
    QlTick old = trade (t0 + 59 * QL_NS_PER_SEC, 1, 1);
    gboolean closed = TRUE;

    push_ok (agg, trade (t0 + 90 * QL_NS_PER_SEC, 5, 1), out, FALSE); /* bar 10:01 */
    g_assert_cmpint (ql_aggregator_push_tick (agg, &old, out, &closed), ==,
                     QL_STATUS_OUT_OF_ORDER);
    g_assert_false (closed);
    check_bar (out, 0, t0 + QL_NS_PER_MIN, 5, 5, 5, 5, 1, 1);
    /* 10:01:10 is before the last tick but inside the current bar: taken,
     * in arrival order, so it is the close. */
    push_ok (agg, trade (t0 + 70 * QL_NS_PER_SEC, 7, 1), out, FALSE);
    push_ok (agg, trade (t0 + 120 * QL_NS_PER_SEC, 8, 1), out, TRUE); /* bar 10:02 */
    old.time = t0 + 119 * QL_NS_PER_SEC;
    g_assert_cmpint (ql_aggregator_push_tick (agg, &old, out, NULL), ==,
                     QL_STATUS_OUT_OF_ORDER);
    push_ok (agg, trade (t0 + 121 * QL_NS_PER_SEC, 9, 1), out, FALSE);
    g_assert_cmpuint (out->len, ==, 2);
    check_bar (out, 0, t0 + QL_NS_PER_MIN, 5, 7, 5, 7, 2, 2);
    check_bar (out, 1, t0 + 2 * QL_NS_PER_MIN, 8, 9, 8, 9, 2, 2);
  }
  {
    /* Batch: stops at the bad row with the bars before it, then goes on. */
    g_autoptr (QlAggregator) agg = agg_new (&inst, "1m");
    g_autoptr (QlSeries) ticks = ql_series_new_ticks ();
    g_autoptr (QlSeries) more = ql_series_new_ticks ();
    g_autoptr (QlSeries) out = ql_series_new_bars ();
    QlTick list[] = {
      trade (t0, 1, 1), trade (t0 + 1, 2, 1), trade (t0 + QL_NS_PER_MIN, 3, 1),
      trade (t0 + 2, 4, 1) /* older than the 10:01 bar */, trade (t0 + 2 * QL_NS_PER_MIN, 5, 1),
    };
    QlTick next = trade (t0 + 2 * QL_NS_PER_MIN, 6, 1);
    for (gsize i = 0; i < G_N_ELEMENTS (list); i++)
      ql_series_append_tick (ticks, &list[i]);
    ql_series_append_tick (more, &next);
    g_assert_cmpint (ql_aggregator_run_ticks (agg, ticks, out), ==, QL_STATUS_OUT_OF_ORDER);
    g_assert_cmpuint (out->len, ==, 2);
    check_bar (out, 0, t0, 1, 2, 1, 2, 2, 2);
    check_bar (out, 1, t0 + QL_NS_PER_MIN, 3, 3, 3, 3, 1, 1);
    g_assert_cmpint (ql_aggregator_run_ticks (agg, more, out), ==, QL_STATUS_OK);
    check_bar (out, 2, t0 + 2 * QL_NS_PER_MIN, 6, 6, 6, 6, 1, 1);
  }
  {
    /* Tick-count bars: the current bar's time is its first tick. */
    g_autoptr (QlAggregator) agg = agg_new (&inst, "10t");
    g_autoptr (QlSeries) out = ql_series_new_bars ();
    QlTick old = trade (t0 - 1, 1, 1);
    push_ok (agg, trade (t0, 2, 1), out, FALSE);
    g_assert_cmpint (ql_aggregator_push_tick (agg, &old, out, NULL), ==,
                     QL_STATUS_OUT_OF_ORDER);
    g_assert_cmpuint (out->len, ==, 1);
  }
  {
    /* Bars too. */
    g_autoptr (QlAggregator) agg = agg_from_bars (&inst, "5m", "1m");
    g_autoptr (QlSeries) out = ql_series_new_bars ();
    QlBar bar = { t0 + 5 * QL_NS_PER_MIN, 1, 1, 1, 1, 1, 1 };
    g_assert_cmpint (ql_aggregator_push_bar (agg, &bar, out, NULL), ==, QL_STATUS_OK);
    bar.time = t0 + 4 * QL_NS_PER_MIN;
    g_assert_cmpint (ql_aggregator_push_bar (agg, &bar, out, NULL), ==, QL_STATUS_OUT_OF_ORDER);
    g_assert_cmpuint (out->len, ==, 1);
  }
  ql_instrument_clear (&inst);
}

/* 100,000 random ticks: 10% quotes, spacing from 1 ms to a few seconds with
 * an occasional gap of hours, a random walk around 100.00. */
static QlSeries *
random_ticks (guint32 seed, gsize n)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
  QlSeries *ticks = ql_series_new_ticks ();
  QlTimeNs t = utc (2024, 3, 1, 0, 0, 0);
  QlPrice p = 10000;

  ql_series_reserve (ticks, n);
  for (gsize i = 0; i < n; i++)
    {
      QlTick tick;
      if (g_rand_int_range (rand, 0, 1000) == 0)
        t += g_rand_int_range (rand, 1, 20) * QL_NS_PER_HOUR;
      else
        t += g_rand_int_range (rand, 1, 3000) * QL_NS_PER_MS;
      p += g_rand_int_range (rand, -3, 4);
      if (g_rand_int_range (rand, 0, 10) == 0)
        tick = quote (t, p - 1, p + g_rand_int_range (rand, 0, 3));
      else
        tick = trade (t, p, g_rand_int_range (rand, 1, 500));
      ql_series_append_tick (ticks, &tick);
    }
  return ticks;
}

static void
assert_series_equal (const QlSeries *a, const QlSeries *b)
{
  g_assert_cmpuint (a->len, ==, b->len);
  g_assert_cmpuint (a->n_columns, ==, b->n_columns);
  for (guint c = 0; c < a->n_columns; c++)
    g_assert_cmpint (memcmp (a->columns[c], b->columns[c], a->len * sizeof (gint64)), ==, 0);
}

static void
test_stream_equals_batch (void)
{
  const char *tz[] = { "UTC", "America/New_York", "America/New_York", "Europe/London" };
  const char *session[] = { "24h", "09:30-16:00", "17:00-17:00", "08:00-16:30" };
  const char *tfs[] = { "1s", "15s", "1m", "7m", "1h", "4h", "1d", "3d", "1w", "1M",
                        "3M", "1t", "97t", "1000v", "50000v" };
  g_autoptr (QlSeries) ticks = random_ticks (20240301, 100000);
  const gint64 *tt = ql_series_i64 (ticks, QL_TICK_TIME);

  g_test_summary ("Streaming and batch give identical series, column by column, and closed "
                  "is reported once per final bar");
  for (gsize z = 0; z < G_N_ELEMENTS (tz); z++)
    for (gsize f = 0; f < G_N_ELEMENTS (tfs); f++)
      {
        QlInstrument inst;
        inst_init (&inst, tz[z], session[z], 2, 0);
        g_autoptr (QlAggregator) batch = agg_new (&inst, tfs[f]);
        g_autoptr (QlAggregator) stream = agg_new (&inst, tfs[f]);
        g_autoptr (QlSeries) a = ql_series_new_bars ();
        g_autoptr (QlSeries) b = ql_series_new_bars ();
        gsize n_closed = 0;
        QlTimeframe tf;
        gboolean time_based;

        g_assert_true (ql_timeframe_parse (tfs[f], &tf, NULL));
        time_based = ql_timeframe_is_time_based (&tf);

        g_assert_cmpint (ql_aggregator_run_ticks (batch, ticks, a), ==, QL_STATUS_OK);
        for (gsize i = 0; i < ticks->len; i++)
          {
            QlTick tick;
            gboolean closed;
            gsize len = b->len;
            ql_series_get_tick (ticks, i, &tick);
            g_assert_cmpint (ql_aggregator_push_tick (stream, &tick, b, &closed), ==,
                             QL_STATUS_OK);
            n_closed += closed;
            /* Closed exactly when a bar became final: a time bar closes when
             * a row is appended after it, a count bar with its last tick. */
            if (!time_based)
              g_assert_cmpint (closed, ==, !ql_aggregator_has_forming_bar (stream));
            else if (len > 0)
              g_assert_cmpint (closed, ==, b->len > len);
          }
        assert_series_equal (a, b);
        g_assert_cmpuint (n_closed, ==, b->len - (ql_aggregator_has_forming_bar (stream) ? 1 : 0));
        g_assert_cmpuint (b->len, >, 0);
        ql_instrument_clear (&inst);
      }

  /* Independent check of one case: 1m on UTC is floor (t / 60 s). */
  {
    QlInstrument inst;
    inst_init (&inst, "UTC", "24h", 2, 0);
    g_autoptr (QlAggregator) agg = agg_new (&inst, "1m");
    g_autoptr (QlSeries) out = ql_series_new_bars ();
    gsize bars = 0;
    QlTimeNs last = QL_TIME_NONE;
    g_assert_cmpint (ql_aggregator_run_ticks (agg, ticks, out), ==, QL_STATUS_OK);
    for (gsize i = 0; i < ticks->len; i++)
      {
        QlTimeNs bucket = tt[i] / QL_NS_PER_MIN * QL_NS_PER_MIN;
        if (bucket != last)
          {
            g_assert_cmpuint (bars, <, out->len);
            g_assert_cmpint (ql_series_i64 (out, QL_BAR_TIME)[bars], ==, bucket);
            bars++;
            last = bucket;
          }
      }
    g_assert_cmpuint (bars, ==, out->len);
    ql_instrument_clear (&inst);
  }
}

static void
test_bars_same_as_ticks (void)
{
  struct { const char *tz, *session, *small, *large; } cases[] = {
    { "UTC", "24h", "1m", "1h" },
    { "UTC", "24h", "15s", "5m" },
    { "America/New_York", "09:30-16:00", "1m", "1d" },
    { "America/New_York", "17:00-17:00", "1h", "1w" },
    { "Europe/London", "08:00-16:30", "1d", "1M" },
  };
  g_autoptr (QlSeries) ticks = random_ticks (7, 100000);

  g_test_summary ("Bars built from smaller bars equal bars built from the same ticks");
  /* Whole sizes (qty_scale 0) make every volume sum exact in double, so the
   * two routes must agree bit for bit, trades and times included. */
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      QlInstrument inst;
      inst_init (&inst, cases[i].tz, cases[i].session, 2, 0);
      g_autoptr (QlAggregator) small = agg_new (&inst, cases[i].small);
      g_autoptr (QlAggregator) direct = agg_new (&inst, cases[i].large);
      g_autoptr (QlAggregator) combined = agg_from_bars (&inst, cases[i].large, cases[i].small);
      g_autoptr (QlSeries) s = ql_series_new_bars ();
      g_autoptr (QlSeries) a = ql_series_new_bars ();
      g_autoptr (QlSeries) b = ql_series_new_bars ();

      g_assert_cmpint (ql_aggregator_run_ticks (small, ticks, s), ==, QL_STATUS_OK);
      g_assert_cmpint (ql_aggregator_run_ticks (direct, ticks, a), ==, QL_STATUS_OK);
      g_assert_cmpint (ql_aggregator_run_bars (combined, s, b), ==, QL_STATUS_OK);
      g_assert_cmpuint (a->len, <, s->len);
      assert_series_equal (a, b);
      ql_instrument_clear (&inst);
    }
}

static void
test_closed_flag (void)
{
  QlInstrument inst;
  QlTimeNs t0 = utc (2024, 1, 2, 10, 0, 0);
  g_autoptr (QlAggregator) agg = NULL;
  g_autoptr (QlSeries) out = ql_series_new_bars ();
  struct { gint64 sec; gboolean closed; gsize len; } steps[] = {
    { 0, FALSE, 1 },   /* first bar opens: nothing closed */
    { 30, FALSE, 1 },
    { 60, TRUE, 2 },   /* 10:01 opens, 10:00 final */
    { 61, FALSE, 2 },
    { 300, TRUE, 3 },  /* 10:05 opens after a gap, 10:01 final */
    { 359, FALSE, 3 },
  };

  g_test_summary ("closed is TRUE exactly on the call that makes a bar final");
  inst_init (&inst, "UTC", "24h", 0, 0);
  agg = agg_new (&inst, "1m");
  for (gsize i = 0; i < G_N_ELEMENTS (steps); i++)
    {
      push_ok (agg, trade (t0 + steps[i].sec * QL_NS_PER_SEC, 1, 1), out, steps[i].closed);
      g_assert_cmpuint (out->len, ==, steps[i].len);
    }
  ql_instrument_clear (&inst);
}

static void
test_bar_end (void)
{
  QlInstrument inst;
  QlTimeNs t0 = utc (2024, 1, 2, 10, 0, 0);
  gboolean closed = TRUE;

  g_test_summary ("get_bar_end gives the forming bar's bucket end; a timer can close it");
  inst_init (&inst, "UTC", "24h", 0, 0);
  {
    g_autoptr (QlAggregator) agg = agg_new (&inst, "1m");
    g_autoptr (QlSeries) out = ql_series_new_bars ();
    QlTick late = trade (t0 + 59 * QL_NS_PER_SEC, 2, 1);

    g_assert_cmpint (ql_aggregator_get_bar_end (agg), ==, QL_TIME_NONE);
    push_ok (agg, trade (t0 + 5 * QL_NS_PER_SEC, 1, 1), out, FALSE);
    g_assert_cmpint (ql_aggregator_get_bar_end (agg), ==, t0 + QL_NS_PER_MIN);
    /* The timer fires early: nothing happens. */
    g_assert_cmpint (ql_aggregator_close_until (agg, t0 + QL_NS_PER_MIN - 1, &closed), ==,
                     QL_STATUS_OK);
    g_assert_false (closed);
    g_assert_true (ql_aggregator_has_forming_bar (agg));
    /* At 10:01:00 the bar is final without a tick. */
    g_assert_cmpint (ql_aggregator_close_until (agg, t0 + QL_NS_PER_MIN, &closed), ==,
                     QL_STATUS_OK);
    g_assert_true (closed);
    g_assert_false (ql_aggregator_has_forming_bar (agg));
    g_assert_cmpint (ql_aggregator_get_bar_end (agg), ==, QL_TIME_NONE);
    /* A late tick for the closed bar is refused; the next one opens 10:02
     * and closes nothing, the 10:00 bar being closed already. */
    g_assert_cmpint (ql_aggregator_push_tick (agg, &late, out, NULL), ==,
                     QL_STATUS_OUT_OF_ORDER);
    push_ok (agg, trade (t0 + 125 * QL_NS_PER_SEC, 3, 1), out, FALSE);
    g_assert_cmpuint (out->len, ==, 2);
    g_assert_cmpint (ql_aggregator_get_bar_end (agg), ==, t0 + 3 * QL_NS_PER_MIN);
    check_bar (out, 0, t0, 1, 1, 1, 1, 1, 1);
  }
  {
    /* 7h on a 24 h UTC day: 00, 07, 14, 21; the 21:00 bar is cut at midnight. */
    g_autoptr (QlAggregator) agg = agg_new (&inst, "7h");
    g_autoptr (QlSeries) out = ql_series_new_bars ();
    push_ok (agg, trade (utc (2024, 1, 2, 22, 0, 0), 1, 1), out, FALSE);
    g_assert_cmpint (ql_series_i64 (out, QL_BAR_TIME)[0], ==, utc (2024, 1, 2, 21, 0, 0));
    g_assert_cmpint (ql_aggregator_get_bar_end (agg), ==, utc (2024, 1, 3, 0, 0, 0));
    push_ok (agg, trade (utc (2024, 1, 3, 6, 59, 0), 1, 1), out, TRUE);
    g_assert_cmpint (ql_series_i64 (out, QL_BAR_TIME)[1], ==, utc (2024, 1, 3, 0, 0, 0));
    g_assert_cmpint (ql_aggregator_get_bar_end (agg), ==, utc (2024, 1, 3, 7, 0, 0));
  }
  {
    /* Count bars have no end time. */
    g_autoptr (QlAggregator) agg = agg_new (&inst, "100t");
    g_autoptr (QlSeries) out = ql_series_new_bars ();
    push_ok (agg, trade (t0, 1, 1), out, FALSE);
    g_assert_cmpint (ql_aggregator_get_bar_end (agg), ==, QL_TIME_NONE);
    g_assert_cmpint (ql_aggregator_close_until (agg, G_MAXINT64, &closed), ==, QL_STATUS_OK);
    g_assert_false (closed);
  }
  ql_instrument_clear (&inst);
}

static void
test_get_bucket (void)
{
  QlInstrument inst;
  QlTimeNs start = 0, end = 0;

  g_test_summary ("get_bucket gives the bucket of any time, without input and in any order");
  inst_init (&inst, "UTC", "24h", 0, 0);
  {
    /* 1M, UTC: 2024-02-10 12:00 is in February, [02-01 00:00, 03-01 00:00)
     * (2024 is a leap year: February has 29 days, not that it moves the
     * 1st of March). Then back to 2024-01-31 23:59: January. */
    g_autoptr (QlAggregator) agg = agg_new (&inst, "1M");
    ql_aggregator_get_bucket (agg, utc (2024, 2, 10, 12, 0, 0), &start, &end);
    g_assert_cmpint (start, ==, utc (2024, 2, 1, 0, 0, 0));
    g_assert_cmpint (end, ==, utc (2024, 3, 1, 0, 0, 0));
    ql_aggregator_get_bucket (agg, utc (2024, 1, 31, 23, 59, 0), &start, &end);
    g_assert_cmpint (start, ==, utc (2024, 1, 1, 0, 0, 0));
    g_assert_cmpint (end, ==, utc (2024, 2, 1, 0, 0, 0));
    g_assert_false (ql_aggregator_has_forming_bar (agg));
  }
  {
    /* 1w: Wednesday 2024-01-03 is in the ISO week Monday 01-01 to the
     * next Monday 01-08. */
    g_autoptr (QlAggregator) agg = agg_new (&inst, "1w");
    ql_aggregator_get_bucket (agg, utc (2024, 1, 3, 15, 0, 0), &start, &end);
    g_assert_cmpint (start, ==, utc (2024, 1, 1, 0, 0, 0));
    g_assert_cmpint (end, ==, utc (2024, 1, 8, 0, 0, 0));
  }
  ql_instrument_clear (&inst);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/aggregate/ticks/intraday", test_ticks_intraday);
  g_test_add_func ("/engine/aggregate/ticks/session-aligned-hours", test_session_hours);
  g_test_add_func ("/engine/aggregate/ticks/daily-across-dst", test_daily_dst);
  g_test_add_func ("/engine/aggregate/ticks/fx-session", test_fx_session);
  g_test_add_func ("/engine/aggregate/ticks/tick-count", test_tick_count);
  g_test_add_func ("/engine/aggregate/ticks/volume-threshold", test_volume_bars);
  g_test_add_func ("/engine/aggregate/ticks/quote-mid", test_quotes);
  g_test_add_func ("/engine/aggregate/bars/weekly-monthly", test_weekly_monthly);
  g_test_add_func ("/engine/aggregate/bars/n-days-anchor", test_n_days);
  g_test_add_func ("/engine/aggregate/bars/minutes-to-larger", test_from_bars);
  g_test_add_func ("/engine/aggregate/bars/history-then-ticks", test_bars_then_ticks);
  g_test_add_func ("/engine/aggregate/bars/refused", test_refused);
  g_test_add_func ("/engine/aggregate/bars/same-as-ticks", test_bars_same_as_ticks);
  g_test_add_func ("/engine/aggregate/order/out-of-order", test_out_of_order);
  g_test_add_func ("/engine/aggregate/stream/equals-batch", test_stream_equals_batch);
  g_test_add_func ("/engine/aggregate/stream/closed-flag", test_closed_flag);
  g_test_add_func ("/engine/aggregate/stream/bar-end", test_bar_end);
  g_test_add_func ("/engine/aggregate/stream/get-bucket", test_get_bucket);
  return g_test_run ();
}
