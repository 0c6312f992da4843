/* tests/bench/bench-walks.c — see bench-walks.h. */
#include "tests/bench/bench-walks.h"

#define N_TICKS QL_BENCH_N_TICKS
#define N_BARS QL_BENCH_N_BARS
#define T0 QL_BENCH_T0

QlSeries *
ql_bench_make_ticks (void)
{
  QlSeries *ticks = ql_series_new_ticks ();
  GRand *rand = g_rand_new_with_seed (4);
  QlTimeNs t = T0;
  QlPrice p = 1000000;
  gint64 *tt, *pp, *ss, *ff;

  ql_series_reserve (ticks, N_TICKS);
  for (gsize i = 0; i < N_TICKS; i++)
    ql_series_append_row (ticks);
  tt = ql_series_i64 (ticks, QL_TICK_TIME);
  pp = ql_series_i64 (ticks, QL_TICK_PRICE);
  ss = ql_series_i64 (ticks, QL_TICK_SIZE);
  ff = ql_series_i64 (ticks, QL_TICK_FLAGS);
  for (gsize i = 0; i < N_TICKS; i++)
    {
      t += (gint64) g_rand_int_range (rand, 1, 3600) * QL_NS_PER_MS;
      p += g_rand_int_range (rand, -20, 21);
      if (p < 100)
        p = 100;
      tt[i] = t;
      pp[i] = p;
      ss[i] = g_rand_int_range (rand, 1, 21);
      ff[i] = QL_TICK_FLAG_TRADE;
    }
  g_rand_free (rand);
  return ticks;
}

QlSeries *
ql_bench_make_bars (void)
{
  QlSeries *bars = ql_series_new_bars ();
  GRand *rand = g_rand_new_with_seed (5);
  QlPrice p = 1000000;

  ql_series_reserve (bars, N_BARS);
  for (gsize i = 0; i < N_BARS; i++)
    {
      QlBar b;
      QlPrice o = p, c, h, l;
      c = o + g_rand_int_range (rand, -60, 61);
      if (c < 100)
        c = 100;
      h = MAX (o, c) + g_rand_int_range (rand, 0, 30);
      l = MAX (MIN (o, c) - g_rand_int_range (rand, 0, 30), 50);
      b.time = T0 + (gint64) i * QL_NS_PER_MIN;
      b.open = o / 100.0;
      b.high = h / 100.0;
      b.low = l / 100.0;
      b.close = c / 100.0;
      b.volume = g_rand_int_range (rand, 1, 1000);
      b.trades = 1;
      ql_series_append_bar (bars, &b);
      p = c + g_rand_int_range (rand, -5, 6);
      if (p < 100)
        p = 100;
    }
  g_rand_free (rand);
  return bars;
}
