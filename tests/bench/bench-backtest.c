/* tests/bench/bench-backtest.c — the backtester's speed (issue #4, section 7).
 *
 * Data: a random walk of trades (price_scale 2, sizes 1..20), one every
 * 1 ms to 3.6 s (1.8 s on average), on a UTC instrument; all in memory.
 * Figures, each the best of 5 runs:
 *   backtest_1m_ticks_sma_cross   1,000,000 ticks, sma_cross (10, 30, 1) on
 *                                 1-minute bars built from the ticks (target 20 ms)
 *   backtest_reference_ticks      a plain C loop doing the same work: minute
 *                                 bars from the ticks, the same exact SMA
 *                                 cross, market orders filled at the next tick
 *   backtest_1m_bars_sma_cross    1,000,000 one-minute bars in bar mode (target 30 ms)
 *   backtest_reference_bars       the plain loop on those bars (fills at the next open)
 *   backtest_10x1m_ticks          10 symbols x 1,000,000 ticks, merged tick by
 *                                 tick (each symbol's copy of the walk is
 *                                 stamped s ns later); target <= 1.2 x ten
 *                                 times the one-symbol time
 * Checks (a fast wrong answer fails): the run's final equity equals the
 * reference loop's to the money unit, in tick and in bar mode; every symbol
 * of the 10-symbol run trades as the single symbol did (same final P&L
 * times ten, same number of trades times ten); the trades are many. */
#include "engine/backtest.h"
#include "engine/builtins.h"
#include "tests/bench/bench-walks.h"
#include "engine/ta.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define N_TICKS QL_BENCH_N_TICKS
#define N_BARS QL_BENCH_N_BARS
#define N_SYMS 10
#define N_RUNS 5
#define FAST 10
#define SLOW 30
#define CAPITAL (G_GINT64_CONSTANT (1000000000) * QL_MONEY_ONE)
#define T0 QL_BENCH_T0

static int failures;

static gint64
now_ns (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (gint64) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void
check (gboolean ok, const char *what)
{
  if (!ok)
    {
      fprintf (stderr, "bench-backtest: wrong answer: %s\n", what);
      failures++;
    }
}

/* ---- the reference: the same strategy as a plain loop ---------------- */

typedef struct
{
  QlTaSma fast, slow;  /* the engine's SMA, as engine/builtins.h specifies */
  int prev;
  gint64 pos;        /* units */
  gint64 cash;       /* price units (money at scale 2, qty_scale 0) */
  int pending;       /* +1 buy 1, -1 sell the position, 0 none */
  gint64 trades;
} Ref;

static void
ref_init (Ref *r)
{
  memset (r, 0, sizeof *r);
  ql_ta_sma_init (&r->fast, FAST);
  ql_ta_sma_init (&r->slow, SLOW);
  r->prev = 2;
}

static void
ref_clear (Ref *r)
{
  ql_ta_sma_clear (&r->fast);
  ql_ta_sma_clear (&r->slow);
}

static void
ref_close (Ref *r, gint64 close)
{
  int sign;
  /* the bar's close as the run sees it: the price over 10^2 */
  double c = (double) close / 100.0;
  double f = ql_ta_sma_update (&r->fast, c);
  double sl = ql_ta_sma_update (&r->slow, c);

  if (isnan (f) || isnan (sl))
    {
      r->prev = 2;
      return;
    }
  sign = f > sl ? 1 : f < sl ? -1 : 0;
  if (r->prev != 2)
    {
      if (sign > 0 && r->prev <= 0)
        r->pending = 1;
      else if (sign < 0 && r->prev >= 0 && r->pos > 0)
        r->pending = -1;
    }
  r->prev = sign;
}

static void
ref_fill (Ref *r, gint64 price)
{
  if (r->pending == 1)
    {
      r->pos += 1;
      r->cash -= price;
    }
  else if (r->pending == -1)
    {
      r->cash += price * r->pos;
      r->pos = 0;
      r->trades++;
    }
  r->pending = 0;
}

/* Final equity in money units: cash + position at the last price. */
static QlMoney
ref_equity (const Ref *r, gint64 last)
{
  return CAPITAL + (r->cash + r->pos * last) * G_GINT64_CONSTANT (1000000);
}

static QlMoney
ref_ticks (const QlSeries *ticks, gint64 *trades)
{
  const gint64 *tt = ql_series_i64 (ticks, QL_TICK_TIME);
  const gint64 *pp = ql_series_i64 (ticks, QL_TICK_PRICE);
  const gint64 minute = QL_NS_PER_MIN;
  gint64 bucket = tt[0] / minute, close = pp[0];
  Ref r;

  ref_init (&r);
  for (gsize i = 0; i < ticks->len; i++)
    {
      gint64 b = tt[i] / minute;
      if (b != bucket)
        {
          ref_close (&r, close);
          bucket = b;
        }
      if (r.pending != 0)
        ref_fill (&r, pp[i]);
      close = pp[i];
    }
  ref_close (&r, close);
  *trades = r.trades;
  {
    gint64 eq = ref_equity (&r, close);

    ref_clear (&r);
    return eq;
  }
}

static QlMoney
ref_bars (const QlSeries *bars, gint64 *trades)
{
  const double *oo = ql_series_f64 (bars, QL_BAR_OPEN);
  const double *cc = ql_series_f64 (bars, QL_BAR_CLOSE);
  gint64 close = 0;
  Ref r;

  ref_init (&r);
  for (gsize i = 0; i < bars->len; i++)
    {
      if (r.pending != 0)
        ref_fill (&r, llround (oo[i] * 100));
      close = llround (cc[i] * 100);
      ref_close (&r, close);
    }
  *trades = r.trades;
  {
    gint64 eq = ref_equity (&r, close);

    ref_clear (&r);
    return eq;
  }
}

/* The same walk stamped @offset ns later, for one of the ten symbols. */
static QlSeries *
shift_ticks (const QlSeries *src, gint64 offset)
{
  QlSeries *dst = ql_series_new_ticks ();
  ql_series_reserve (dst, src->len);
  for (gsize i = 0; i < src->len; i++)
    ql_series_append_row (dst);
  for (guint c = 0; c < QL_TICK_N_COLUMNS; c++)
    memcpy (dst->columns[c], src->columns[c], src->len * 8);
  for (gsize i = 0; i < src->len; i++)
    ql_series_i64 (dst, QL_TICK_TIME)[i] += offset;
  return dst;
}

/* ---- runs --------------------------------------------------------------- */

typedef struct
{
  QlMoney equity;
  gsize trades;
  gint64 ns;
} Result;

/* Every run starts with its data in memory but not in the caches: one
 * symbol's ticks (32 MB of the columns a run reads) would otherwise stay
 * in a 32 MB L3 from one run of best_of () to the next while ten symbols'
 * cannot, and the ratio would compare cache with memory. Reading 128 MB
 * pushes the earlier data out. */
static void
evict_caches (void)
{
  static gint64 *junk;
  static volatile gint64 sink G_GNUC_UNUSED;
  gint64 sum = 0;
  const gsize n = (128u << 20) / sizeof (gint64);

  if (junk == NULL)
    {
      junk = g_new (gint64, n);
      for (gsize i = 0; i < n; i++)
        junk[i] = (gint64) i;
    }
  for (gsize i = 0; i < n; i += 8)
    sum += junk[i];
  sink = sum;
}

static Result
run (const QlInstrument *inst, QlSeries *const *data, guint n, QlSourceKind kind)
{
  QlRunConfig cfg = { 0 };
  QlRunSymbol syms[N_SYMS];
  g_autoptr (QlBuiltin) b = ql_builtin_new ("sma_cross", NULL);
  g_autoptr (QlBacktest) bt = NULL;
  g_autoptr (GError) error = NULL;
  Result r;
  gint64 t0;

  ql_builtin_set_param (b, "fast", "10", NULL);
  ql_builtin_set_param (b, "slow", "30", NULL);
  ql_builtin_set_param (b, "qty", "1", NULL);
  memset (syms, 0, sizeof syms);
  g_assert (ql_timeframe_parse ("1m", &cfg.timeframe, NULL));
  cfg.initial_capital = CAPITAL;
  for (guint i = 0; i < n; i++)
    {
      syms[i].inst = &inst[i];
      syms[i].kind = kind;
      g_assert (ql_timeframe_parse ("1m", &syms[i].bar_timeframe, NULL));
      syms[i].source = ql_source_new_memory (data[i], 0);
    }
  evict_caches ();
  t0 = now_ns ();
  bt = ql_backtest_new (&cfg, syms, n, &error);
  g_assert_no_error (error);
  if (ql_backtest_run (bt, ql_builtin_get_strategy (b)) != QL_STATUS_OK)
    failures++;
  r.ns = now_ns () - t0;
  r.equity = ql_backtest_get_final_equity (bt);
  ql_backtest_get_trades (bt, &r.trades);
  return r;
}

static Result
best_of (const QlInstrument *inst, QlSeries *const *data, guint n, QlSourceKind kind)
{
  Result best = { 0 };
  for (int k = 0; k < N_RUNS; k++)
    {
      Result r = run (inst, data, n, kind);
      if (k == 0 || r.ns < best.ns)
        best = r;
    }
  return best;
}

int
main (void)
{
  QlInstrument inst[N_SYMS];
  QlSeries *ticks[N_SYMS];
  g_autoptr (QlSeries) bars = NULL;
  Result one, multi, barres;
  gint64 ref_ns = G_MAXINT64, ref_bar_ns = G_MAXINT64, ref_trades = 0, ref_bar_trades = 0;
  QlMoney ref_eq = 0, ref_bar_eq = 0;

  for (int s = 0; s < N_SYMS; s++)
    {
      char name[8];
      g_snprintf (name, sizeof name, "S%d", s);
      g_assert (ql_instrument_init (&inst[s], name, NULL));
      inst[s].price_scale = 2;
    }
  ticks[0] = ql_bench_make_ticks ();
  for (int s = 1; s < N_SYMS; s++)
    ticks[s] = shift_ticks (ticks[0], s);
  bars = ql_bench_make_bars ();

  for (int k = 0; k < N_RUNS; k++)
    {
      gint64 t0 = now_ns (), dt;
      ref_eq = ref_ticks (ticks[0], &ref_trades);
      dt = now_ns () - t0;
      ref_ns = MIN (ref_ns, dt);
      t0 = now_ns ();
      ref_bar_eq = ref_bars (bars, &ref_bar_trades);
      dt = now_ns () - t0;
      ref_bar_ns = MIN (ref_bar_ns, dt);
    }

  if (g_strcmp0 (g_getenv ("QL_BENCH_ONLY"), "spread") == 0)
    {
      for (int k = 0; k < 8; k++)
        {
          Result a = run (inst, ticks, 1, QL_SOURCE_TICKS), b = run (inst, ticks, N_SYMS, QL_SOURCE_TICKS);
          printf ("one %.2f multi %.2f ratio %.3f\n", a.ns / 1e6, b.ns / 1e6, (double) b.ns / (10.0 * a.ns));
        }
      return 0;
    }
  if (g_getenv ("QL_BENCH_ONLY") != NULL)
    {
      /* For a profiler: the 10-symbol (multi) or the one-symbol (one) tick
       * run alone, once. */
      gboolean m = g_strcmp0 (g_getenv ("QL_BENCH_ONLY"), "multi") == 0;
      Result r = run (inst, ticks, m ? N_SYMS : 1, QL_SOURCE_TICKS);
      printf ("backtest_%s_ticks: %.3f ms\n", m ? "10x1m" : "1m", r.ns / 1e6);
      return 0;
    }
  one = best_of (inst, ticks, 1, QL_SOURCE_TICKS);
  barres = best_of (inst, &bars, 1, QL_SOURCE_BARS);
  multi = best_of (inst, ticks, N_SYMS, QL_SOURCE_TICKS);

  printf ("backtest_1m_ticks_sma_cross: %.3f ms\n", one.ns / 1e6);
  printf ("backtest_reference_ticks: %.3f ms\n", ref_ns / 1e6);
  printf ("backtest_1m_bars_sma_cross: %.3f ms\n", barres.ns / 1e6);
  printf ("backtest_reference_bars: %.3f ms\n", ref_bar_ns / 1e6);
  printf ("backtest_10x1m_ticks: %.3f ms\n", multi.ns / 1e6);
  printf ("backtest_10x_ratio: %.3f x\n", (double) multi.ns / (10.0 * one.ns));
  printf ("backtest_trades_ticks: %" G_GSIZE_FORMAT " trades\n", one.trades);
  printf ("backtest_trades_bars: %" G_GSIZE_FORMAT " trades\n", barres.trades);
  printf ("backtest_target_20ms_ticks: %s\n", one.ns <= 20 * QL_NS_PER_MS ? "met" : "missed");
  printf ("backtest_target_30ms_bars: %s\n", barres.ns <= 30 * QL_NS_PER_MS ? "met" : "missed");
  printf ("backtest_target_10x: %s\n", multi.ns <= 12 * one.ns ? "met" : "missed");

  check (one.equity == ref_eq, "tick run final equity differs from the reference loop");
  check ((gint64) one.trades == ref_trades, "tick run trade count differs from the reference loop");
  check (one.trades > 100, "too few trades to mean anything");
  check (barres.equity == ref_bar_eq, "bar run final equity differs from the reference loop");
  check ((gint64) barres.trades == ref_bar_trades, "bar run trade count differs from the reference loop");
  check (multi.equity - CAPITAL == N_SYMS * (one.equity - CAPITAL), "10-symbol P&L is not ten times one");
  check (multi.trades == N_SYMS * one.trades, "10-symbol trades are not ten times one");
  if (failures != 0)
    fprintf (stderr, "reference equity %" G_GINT64_FORMAT " run %" G_GINT64_FORMAT
                     "; bars %" G_GINT64_FORMAT " run %" G_GINT64_FORMAT "\n",
             ref_eq, one.equity, ref_bar_eq, barres.equity);

  for (int s = 0; s < N_SYMS; s++)
    {
      ql_series_free (ticks[s]);
      ql_instrument_clear (&inst[s]);
    }
  return failures == 0 ? 0 : 1;
}
