/* tests/bench/bench-aggregate.c — 1,000,000 ticks to 1-minute bars.
 *
 * Ticks: a random walk of trades, 1 ms to 3.6 s apart (1.8 s on average,
 * about three weeks in all), on a New York 09:30 session instrument, so the
 * trading-day cache is exercised across weekends and the 2024-03-10 DST
 * change. Figures, each the best of 5 runs:
 *   aggregate_1m_ticks_to_1m     ql_aggregator_run_ticks (), the batch path
 *   aggregate_ns_per_tick        the same per tick
 *   aggregate_stream_ns_per_tick ql_aggregator_push_tick () per tick
 *   aggregate_reference_loop     a plain C loop over the same price column
 *                                computing a running max (memory-speed floor)
 * The bars are checked: their count against floor (t / 60 s) bucket changes
 * (09:30 New York lies on the UTC minute grid), volume and trade totals, and
 * a few bars recomputed naively from the ticks; a mismatch fails the run. */
#include "engine/aggregate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define N_TICKS 1000000
#define N_RUNS 5

static gint64
now_ns (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (gint64) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int failures;

static void
check (gboolean ok, const char *what)
{
  if (!ok)
    {
      fprintf (stderr, "bench-aggregate: wrong answer: %s\n", what);
      failures++;
    }
}

/* OHLCV of the bar at @bar_time recomputed by a scan over all ticks. */
static void
check_bar_naive (const QlInstrument *inst,
                 const QlSeries     *ticks,
                 const QlSeries     *bars,
                 gsize               index)
{
  const gint64 *tt = ql_series_i64 (ticks, QL_TICK_TIME);
  const gint64 *pp = ql_series_i64 (ticks, QL_TICK_PRICE);
  const gint64 *ss = ql_series_i64 (ticks, QL_TICK_SIZE);
  QlBar bar;
  gboolean seen = FALSE;
  double o = 0, h = 0, l = 0, c = 0, v = 0;
  gint64 trades = 0;

  ql_series_get_bar (bars, index, &bar);
  for (gsize i = 0; i < ticks->len; i++)
    {
      if (tt[i] < bar.time || tt[i] >= bar.time + QL_NS_PER_MIN)
        continue;
      double p = ql_price_to_double (inst, pp[i]);
      if (!seen)
        o = h = l = p, seen = TRUE;
      h = MAX (h, p);
      l = MIN (l, p);
      c = p;
      v += ql_qty_to_double (inst, ss[i]); /* whole sizes: exact */
      trades++;
    }
  check (seen, "a bar without ticks");
  check (bar.open == o && bar.high == h && bar.low == l && bar.close == c,
         "bar prices differ from a naive recomputation");
  check (bar.volume == v && bar.trades == trades, "bar volume or trades differ");
}

int
main (void)
{
  QlInstrument inst;
  QlTimeframe tf = { QL_TF_SECONDS, 60 };
  g_autoptr (QlSeries) ticks = ql_series_new_ticks ();
  g_autoptr (GRand) rand = g_rand_new_with_seed (42);
  g_autoptr (GError) error = NULL;
  gint64 best_batch = G_MAXINT64, best_stream = G_MAXINT64, best_ref = G_MAXINT64;
  gsize n_bars = 0;
  QlTimeNs t = (ql_days_from_civil (2024, 2, 26) * 86400) * QL_NS_PER_SEC;
  QlPrice p = 5000000;
  volatile gint64 sink = 0;

  if (!ql_instrument_init (&inst, "SPY", &error) ||
      !ql_instrument_set_timezone (&inst, "America/New_York", &error) ||
      !ql_instrument_set_session (&inst, "09:30-16:00", &error))
    {
      fprintf (stderr, "bench-aggregate: %s\n", error->message);
      return 1;
    }
  inst.price_scale = 4;
  inst.qty_scale = 0;

  ql_series_reserve (ticks, N_TICKS);
  for (gsize i = 0; i < N_TICKS; i++)
    {
      QlTick tick = { 0 };
      t += g_rand_int_range (rand, 1, 3600) * QL_NS_PER_MS;
      p += g_rand_int_range (rand, -50, 51);
      tick.time = t;
      tick.price = p;
      tick.size = g_rand_int_range (rand, 1, 1000);
      tick.flags = QL_TICK_FLAG_TRADE;
      ql_series_append_tick (ticks, &tick);
    }

  for (int run = 0; run < N_RUNS; run++)
    {
      g_autoptr (QlAggregator) batch = ql_aggregator_new (&inst, &tf);
      g_autoptr (QlAggregator) stream = ql_aggregator_new (&inst, &tf);
      g_autoptr (QlSeries) a = ql_series_new_bars ();
      g_autoptr (QlSeries) b = ql_series_new_bars ();
      const gint64 *prices = ql_series_i64 (ticks, QL_TICK_PRICE);
      gint64 t0, t1, m = G_MININT64;
      QlStatus status;

      t0 = now_ns ();
      status = ql_aggregator_run_ticks (batch, ticks, a);
      t1 = now_ns ();
      check (status == QL_STATUS_OK, "run_ticks failed");
      best_batch = MIN (best_batch, t1 - t0);

      t0 = now_ns ();
      for (gsize i = 0; i < ticks->len; i++)
        {
          QlTick tick;
          ql_series_get_tick (ticks, i, &tick);
          status |= ql_aggregator_push_tick (stream, &tick, b, NULL);
        }
      t1 = now_ns ();
      check (status == QL_STATUS_OK, "push_tick failed");
      best_stream = MIN (best_stream, t1 - t0);

      t0 = now_ns ();
      for (gsize i = 0; i < ticks->len; i++)
        m = prices[i] > m ? prices[i] : m;
      t1 = now_ns ();
      sink += m;
      best_ref = MIN (best_ref, t1 - t0);

      check (a->len == b->len, "batch and stream bar counts differ");
      for (guint c = 0; c < a->n_columns && a->len == b->len; c++)
        check (memcmp (a->columns[c], b->columns[c], a->len * sizeof (gint64)) == 0,
               "batch and stream columns differ");

      if (run == 0)
        {
          const gint64 *tt = ql_series_i64 (ticks, QL_TICK_TIME);
          QlTimeNs last = QL_TIME_NONE;
          gsize expect = 0;
          double vol = 0, bar_vol = 0;
          gint64 trades = 0;

          for (gsize i = 0; i < ticks->len; i++)
            {
              QlTimeNs bucket = tt[i] / QL_NS_PER_MIN * QL_NS_PER_MIN;
              if (bucket != last)
                expect++, last = bucket;
              vol += (double) ql_series_i64 (ticks, QL_TICK_SIZE)[i];
            }
          n_bars = a->len;
          check (n_bars == expect, "bar count differs from the minute buckets");
          for (gsize i = 0; i < a->len; i++)
            {
              bar_vol += ql_series_f64 (a, QL_BAR_VOLUME)[i];
              trades += ql_series_i64 (a, QL_BAR_TRADES)[i];
            }
          check (bar_vol == vol, "total volume differs");
          check (trades == N_TICKS, "total trades differ");
          check (a->len > 0 && ql_series_i64 (a, QL_BAR_TIME)[0] ==
                                 tt[0] / QL_NS_PER_MIN * QL_NS_PER_MIN,
                 "first bar time");
          check_bar_naive (&inst, ticks, a, 0);
          check_bar_naive (&inst, ticks, a, a->len / 3);
          check_bar_naive (&inst, ticks, a, a->len / 2);
          check_bar_naive (&inst, ticks, a, a->len - 1);
        }
    }

  printf ("aggregate_ticks: %d ticks\n", N_TICKS);
  printf ("aggregate_bars: %" G_GSIZE_FORMAT " bars\n", n_bars);
  printf ("aggregate_days: %.1f days\n",
          (double) (ql_series_i64 (ticks, QL_TICK_TIME)[N_TICKS - 1] -
                    ql_series_i64 (ticks, QL_TICK_TIME)[0]) / QL_NS_PER_DAY);
  printf ("aggregate_1m_ticks_to_1m: %.3f ms\n", best_batch / 1e6);
  printf ("aggregate_ns_per_tick: %.2f ns\n", (double) best_batch / N_TICKS);
  printf ("aggregate_stream_ns_per_tick: %.2f ns\n", (double) best_stream / N_TICKS);
  printf ("aggregate_reference_loop: %.3f ms\n", best_ref / 1e6);
  printf ("aggregate_target_5ms: %s\n", best_batch <= 5000000 ? "met" : "missed");
  ql_instrument_clear (&inst);
  if (failures > 0)
    {
      fprintf (stderr, "bench-aggregate: %d check(s) failed\n", failures);
      return 1;
    }
  return sink == 0 ? 1 : 0;
}
