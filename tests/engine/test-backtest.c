/* tests/engine/test-backtest.c — the run: sma_cross worked by hand in bar and
 * tick mode, chunked input, event order across symbols, margin calls, the
 * account observer, orders sent in reaction to fills, the magnifier,
 * determinism.
 *
 * Instruments have price_scale 2 and qty_scale 0; money is 10^-8. */
#include "engine/backtest.h"
#include "engine/builtins.h"

#include <math.h>
#include <string.h>

#define M(x) ((QlMoney) ((x) * (double) QL_MONEY_ONE))
#define T0 (G_GINT64_CONSTANT (1704153600) * QL_NS_PER_SEC) /* 2024-01-02 00:00 UTC */

static void
inst_init (QlInstrument *inst, const char *sym)
{
  g_autoptr (GError) error = NULL;
  g_assert_true (ql_instrument_init (inst, sym, &error));
  g_assert_no_error (error);
  inst->price_scale = 2;
}

static QlTimeframe
tf (const char *text)
{
  QlTimeframe t;
  g_autoptr (GError) error = NULL;
  g_assert_true (ql_timeframe_parse (text, &t, &error));
  return t;
}

static void
add_bar (QlSeries *bars, QlTimeNs t, double o, double h, double l, double c)
{
  QlBar b = { .time = t, .open = o, .high = h, .low = l, .close = c, .volume = 1000, .trades = 1 };
  ql_series_append_bar (bars, &b);
}

/* @sym reads @bars of @timeframe for @inst from memory. */
static void
bar_input (QlRunSymbol *sym, const QlInstrument *inst, const char *timeframe, QlSeries *bars)
{
  sym->inst = inst;
  sym->kind = QL_SOURCE_BARS;
  sym->bar_timeframe = tf (timeframe);
  sym->source = ql_source_new_memory (bars, 0);
}

static void
add_trade (QlSeries *ticks, QlTimeNs t, QlPrice p)
{
  QlTick k = { .time = t, .price = p, .size = 10, .flags = QL_TICK_FLAG_TRADE };
  ql_series_append_tick (ticks, &k);
}

/* The hand-worked series: 1-minute bars, open and close per bar. */
static const double hand_open[] = { 10, 10, 10, 10, 14, 14, 9, 12, 16 };
static const double hand_close[] = { 10, 10, 10, 13, 14, 8, 12, 15, 17 };
#define N_HAND 9

static QlBacktest *
new_run_window (const QlInstrument *inst, QlSourceKind kind, const QlSeries *data, gsize chunk,
                gsize max_bars)
{
  QlRunConfig cfg = { 0 };
  QlRunSymbol sym = { 0 };
  g_autoptr (GError) error = NULL;
  QlBacktest *bt;

  cfg.timeframe = tf ("1m");
  cfg.initial_capital = M (1000);
  cfg.broker.allow_short = FALSE;
  cfg.max_bars = max_bars;
  sym.inst = inst;
  sym.kind = kind;
  sym.bar_timeframe = tf ("1m");
  sym.source = ql_source_new_memory (data, chunk);
  bt = ql_backtest_new (&cfg, &sym, 1, &error);
  g_assert_no_error (error);
  return bt;
}

static QlBacktest *
new_run (const QlInstrument *inst, QlSourceKind kind, const QlSeries *data, gsize chunk)
{
  return new_run_window (inst, kind, data, chunk, 0);
}

/* sma_cross (2, 3, 1) by hand. Closes 10 10 10 13 14 8 12 15 17:
 *   bar 2: F = 10, S = 10: equal (first bar with both defined)
 *   bar 3: F = 11.5, S = 11: F > S, previous F <= S: cross up, buy 1
 *          -> fills at bar 4's open, 14
 *   bar 4: F = 13.5, S = 12.33: above
 *   bar 5: F = 11, S = 11.67: F < S, previous F >= S: cross down, sell 1
 *          -> fills at bar 6's open, 9: trade 14 -> 9, P&L -5.00
 *   bar 6: F = 10, S = 11.33: below
 *   bar 7: F = 13.5, S = 11.67: cross up, buy 1 -> fills at bar 8's open, 16
 *   bar 8: F = 16, S = 14.67: above; the run ends long 1, last close 17.
 * Final equity: 1000 - 5 + (17 - 16) = 996.00. One closed trade, held from
 * bar 4 (4 bars closed) to bar 6 (6 closed): 2 bars. Nine equity points. */
static void
check_hand_result (QlBacktest *bt)
{
  gsize n_trades, n_points;
  const QlTrade *t = ql_backtest_get_trades (bt, &n_trades);
  const QlEquityPoint *e = ql_backtest_get_equity (bt, &n_points);

  g_assert_cmpuint (n_trades, ==, 1);
  g_assert_cmpfloat (t[0].entry_price, ==, 14.0);
  g_assert_cmpfloat (t[0].exit_price, ==, 9.0);
  g_assert_cmpfloat (t[0].pnl, ==, -5.0);
  g_assert_cmpfloat (t[0].quantity, ==, 1.0);
  g_assert_cmpuint (t[0].bars_held, ==, 2);
  g_assert_cmpint (t[0].exit_reason, ==, QL_EXIT_SIGNAL); /* sma_cross sells at market */
  g_assert_cmpint (t[0].entry_time, ==, T0 + 4 * QL_NS_PER_MIN);
  g_assert_cmpint (t[0].exit_time, ==, T0 + 6 * QL_NS_PER_MIN);
  g_assert_cmpint (ql_backtest_get_final_equity (bt), ==, M (996));
  g_assert_cmpuint (n_points, ==, N_HAND);
  g_assert_cmpint (e[N_HAND - 1].time, ==, T0 + 8 * QL_NS_PER_MIN);
  g_assert_cmpfloat (e[N_HAND - 1].equity, ==, 996.0);
  g_assert_cmpfloat (e[N_HAND - 1].balance, ==, 995.0);
  /* At bar 5's close: long 1 from 14, close 8: 1000 - 6 = 994. */
  g_assert_cmpfloat (e[5].equity, ==, 994.0);
  g_assert_cmpfloat (e[5].balance, ==, 1000.0);
}

static void
test_sma_cross_bars (void)
{
  QlInstrument inst;
  g_autoptr (QlSeries) bars = ql_series_new_bars ();
  g_autoptr (QlBuiltin) b = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (QlBacktest) bt = NULL;

  g_test_summary ("sma_cross (2, 3) on nine bars: crossing bar, fill at the next open, final equity");
  inst_init (&inst, "HAND");
  for (int i = 0; i < N_HAND; i++)
    add_bar (bars, T0 + i * QL_NS_PER_MIN, hand_open[i], MAX (hand_open[i], hand_close[i]),
             MIN (hand_open[i], hand_close[i]), hand_close[i]);
  b = ql_builtin_new ("sma_cross", &error);
  g_assert_true (ql_builtin_set_param (b, "fast", "2", &error));
  g_assert_true (ql_builtin_set_param (b, "slow", "3", &error));
  g_assert_true (ql_builtin_set_param (b, "qty", "1", &error));
  bt = new_run (&inst, QL_SOURCE_BARS, bars, 0);
  g_assert_cmpint (ql_backtest_run (bt, ql_builtin_get_strategy (b)), ==, QL_STATUS_OK);
  check_hand_result (bt);
  g_assert_cmpuint (ql_backtest_get_stats (bt)->bars, ==, N_HAND);
  g_assert_cmpuint (ql_context_get_bars (bt, 0, 0)->len, ==, N_HAND);

  /* A window of one bar: the series is cut to the last bar whenever it
   * reaches 8 rows (after bar 7), so 2 rows remain after bar 8; sma_cross
   * keeps its own sums and the result is the same. */
  {
    g_autoptr (QlBacktest) w = new_run_window (&inst, QL_SOURCE_BARS, bars, 0, 1);
    const QlSeries *kept;
    g_assert_cmpint (ql_backtest_run (w, ql_builtin_get_strategy (b)), ==, QL_STATUS_OK);
    check_hand_result (w);
    kept = ql_context_get_bars (w, 0, 0);
    g_assert_cmpuint (kept->len, ==, 2);
    g_assert_cmpfloat (ql_series_f64 (kept, QL_BAR_CLOSE)[1], ==, 17.0);
  }
  ql_instrument_clear (&inst);
}

/* sma_cross behind a second subscription (5m bars of the same symbol),
 * which takes the run off its one-symbol, one-timeframe fast path: closes
 * then go through the queue that waits for every input of an instant. */
static void
wrapped_on_start (QlContext *ctx, gpointer data)
{
  const QlStrategy *inner = data;
  QlTimeframe tf;

  inner->klass->on_start (ctx, inner->data);
  g_assert_true (ql_timeframe_parse ("5m", &tf, NULL));
  g_assert_cmpint (ql_context_subscribe (ctx, 0, &tf), ==, 1);
}

static void
wrapped_on_bar (QlContext *ctx, guint symbol, guint tf, gpointer data)
{
  const QlStrategy *inner = data;

  inner->klass->on_bar (ctx, symbol, tf, inner->data);
}

static void
test_sma_cross_bars_queued (void)
{
  static const QlStrategyClass wrapped = { .on_start = wrapped_on_start, .on_bar = wrapped_on_bar };
  QlInstrument inst;
  g_autoptr (QlSeries) bars = ql_series_new_bars ();
  g_autoptr (QlBuiltin) b = ql_builtin_new ("sma_cross", NULL);
  g_autoptr (QlBacktest) bt = NULL;
  QlStrategy outer;

  g_test_summary ("with a second timeframe subscribed, the bars-by-hand run gives the same "
                  "trades and equity (the queued path equals the direct one)");
  inst_init (&inst, "HAND");
  for (int i = 0; i < N_HAND; i++)
    add_bar (bars, T0 + i * QL_NS_PER_MIN, hand_open[i], MAX (hand_open[i], hand_close[i]),
             MIN (hand_open[i], hand_close[i]), hand_close[i]);
  g_assert_true (ql_builtin_set_param (b, "fast", "2", NULL));
  g_assert_true (ql_builtin_set_param (b, "slow", "3", NULL));
  outer.klass = &wrapped;
  outer.data = (gpointer) ql_builtin_get_strategy (b);
  bt = new_run (&inst, QL_SOURCE_BARS, bars, 4);
  g_assert_cmpint (ql_backtest_run (bt, &outer), ==, QL_STATUS_OK);
  check_hand_result (bt);
  /* nine minutes from T0 (a round hour): 5m bars [0, 5) and [5, 9) */
  g_assert_cmpuint (ql_context_get_bars (bt, 0, 1)->len, ==, 2);
  ql_instrument_clear (&inst);
}

/* The metrics of a run that keeps its curve and of one that keeps only the
 * curve's figures (curve_stats_only, what optimize does): the same bits. */
static void
metrics_of (const QlInstrument *inst, const QlSeries *bars, gboolean stats_only, QlMetrics *m)
{
  QlRunConfig cfg = { 0 };
  QlRunSymbol sym = { 0 };
  g_autoptr (QlBuiltin) b = ql_builtin_new ("sma_cross", NULL);
  g_autoptr (QlBacktest) bt = NULL;
  gsize n_trades, n_points;
  QlMetricsInput in = { 0 };

  g_assert_true (ql_builtin_set_param (b, "fast", "3", NULL));
  g_assert_true (ql_builtin_set_param (b, "slow", "8", NULL));
  cfg.timeframe = tf ("1m");
  cfg.initial_capital = M (1000);
  cfg.curve_stats_only = stats_only;
  sym.inst = inst;
  sym.kind = QL_SOURCE_BARS;
  sym.bar_timeframe = tf ("1m");
  sym.source = ql_source_new_memory (bars, 64);
  bt = ql_backtest_new (&cfg, &sym, 1, NULL);
  g_assert_cmpint (ql_backtest_run (bt, ql_builtin_get_strategy (b)), ==, QL_STATUS_OK);
  in.trades = ql_backtest_get_trades (bt, &n_trades);
  in.n_trades = n_trades;
  in.equity = ql_backtest_get_equity (bt, &n_points);
  in.n_equity = n_points;
  in.curve = ql_backtest_get_curve_stats (bt);
  in.initial_capital = 1000;
  in.n_symbols = 1;
  if (stats_only)
    {
      g_assert_cmpuint (n_points, ==, 0);
      g_assert_nonnull (in.curve);
    }
  else
    {
      g_assert_cmpuint (n_points, ==, bars->len);
      g_assert_null (in.curve);
    }
  ql_metrics_compute (&in, m, NULL);
}

static void
test_curve_stats_only (void)
{
  QlInstrument inst;
  g_autoptr (QlSeries) bars = ql_series_new_bars ();
  QlMetrics a, b;
  guint32 rng = 7;
  double price = 100;

  g_test_summary ("a run keeping only the curve's figures gives the metrics of the stored curve, "
                  "bit for bit (drawdown, returns, Sharpe, Sortino, exposure)");
  inst_init (&inst, "WALK");
  /* 3,000 one-minute bars of a seeded walk in cents, many crosses */
  for (int i = 0; i < 3000; i++)
    {
      double o = price, c;
      rng = rng * 1103515245u + 12345u;
      c = MAX (1.0, o + (double) ((int) (rng >> 16) % 61 - 30) / 100.0);
      add_bar (bars, T0 + i * QL_NS_PER_MIN, o, MAX (o, c) + 0.05, MIN (o, c) - 0.05, c);
      price = c;
    }
  metrics_of (&inst, bars, FALSE, &a);
  metrics_of (&inst, bars, TRUE, &b);
  g_assert_cmpuint (a.n_trades, >, 20);
#define SAME(field) g_assert_cmpmem (&a.field, sizeof a.field, &b.field, sizeof b.field)
  SAME (final_equity);
  SAME (total_return);
  SAME (years);
  SAME (periods_per_year);
  SAME (sharpe);
  SAME (sortino);
  SAME (exposure);
  SAME (max_drawdown);
  SAME (max_drawdown_fraction);
  SAME (max_drawdown_peak_time);
  SAME (max_drawdown_trough_time);
  SAME (max_drawdown_end_time);
  SAME (max_drawdown_recovered);
  SAME (max_drawdown_duration);
  SAME (longest_drawdown_duration);
  SAME (net_profit);
#undef SAME
  g_assert_true (isfinite (a.sharpe));
  g_assert_cmpfloat (a.exposure, >, 0.1);
  g_assert_cmpfloat (a.max_drawdown, >, 0);
  ql_instrument_clear (&inst);
}

/* Two ticks per minute: the open at :00 and the close at :30. */
static QlSeries *
hand_ticks (void)
{
  QlSeries *ticks = ql_series_new_ticks ();
  for (int i = 0; i < N_HAND; i++)
    {
      add_trade (ticks, T0 + i * QL_NS_PER_MIN, (QlPrice) (hand_open[i] * 100));
      add_trade (ticks, T0 + i * QL_NS_PER_MIN + 30 * QL_NS_PER_SEC, (QlPrice) (hand_close[i] * 100));
    }
  return ticks;
}

static void
test_sma_cross_ticks (void)
{
  QlInstrument inst;
  g_autoptr (QlSeries) ticks = hand_ticks ();
  g_autoptr (QlBuiltin) b = ql_builtin_new ("sma_cross", NULL);
  g_autoptr (GError) error = NULL;

  g_test_summary ("sma_cross (2, 3) on ticks: bars built from the ticks, fills on the next tick");
  inst_init (&inst, "HAND");
  g_assert_true (ql_builtin_set_param (b, "fast", "2", &error));
  g_assert_true (ql_builtin_set_param (b, "slow", "3", &error));
  /* Whole series, then chunks of 3 rows (a chunk boundary inside a bar):
   * both give the hand result and identical records. */
  {
    g_autoptr (QlBacktest) one = new_run (&inst, QL_SOURCE_TICKS, ticks, 0);
    g_autoptr (QlBacktest) chunked = new_run (&inst, QL_SOURCE_TICKS, ticks, 3);
    gsize n1, n2;
    const QlEquityPoint *e1, *e2;

    g_assert_cmpint (ql_backtest_run (one, ql_builtin_get_strategy (b)), ==, QL_STATUS_OK);
    check_hand_result (one);
    g_assert_cmpint (ql_backtest_run (chunked, ql_builtin_get_strategy (b)), ==, QL_STATUS_OK);
    check_hand_result (chunked);
    e1 = ql_backtest_get_equity (one, &n1);
    e2 = ql_backtest_get_equity (chunked, &n2);
    g_assert_cmpuint (n1, ==, n2);
    g_assert_cmpint (memcmp (e1, e2, n1 * sizeof *e1), ==, 0);
  }
  ql_instrument_clear (&inst);
}

/* ---- event order ------------------------------------------------------ */

typedef struct
{
  GString *log;
} Recorder;

static void
rec_tick (QlContext *ctx, guint symbol, const QlTick *tick, gpointer data)
{
  Recorder *r = data;
  g_string_append_printf (r->log, "t%u@%d ", symbol, (int) ((tick->time - T0) / QL_NS_PER_SEC));
}

static void
rec_bar (QlContext *ctx, guint symbol, guint k, gpointer data)
{
  Recorder *r = data;
  const QlSeries *bars = ql_context_get_bars (ctx, symbol, k);
  g_string_append_printf (r->log, "b%u:%d ", symbol,
                          (int) ((ql_series_i64 (bars, QL_BAR_TIME)[bars->len - 1] - T0) / QL_NS_PER_SEC));
}

static void
rec_end (QlContext *ctx, gpointer data)
{
  Recorder *r = data;
  g_string_append (r->log, "end");
}

static void
test_event_order (void)
{
  QlInstrument a, b;
  g_autoptr (QlSeries) ta = ql_series_new_ticks ();
  g_autoptr (QlSeries) tb = ql_series_new_ticks ();
  QlRunConfig cfg = { 0 };
  QlRunSymbol syms[2] = { { 0 } };
  static const QlStrategyClass klass = { .on_tick = rec_tick, .on_bar = rec_bar, .on_end = rec_end };
  Recorder r = { g_string_new (NULL) };
  QlStrategy st = { &klass, &r };
  g_autoptr (QlBacktest) bt = NULL;

  g_test_summary ("Events merge by time, then symbol index; a bar closing at T precedes its ticks at T");
  inst_init (&a, "AAA");
  inst_init (&b, "BBB");
  add_trade (ta, T0, 100);
  add_trade (ta, T0 + 30 * QL_NS_PER_SEC, 101);
  add_trade (ta, T0 + 60 * QL_NS_PER_SEC, 102);
  add_trade (tb, T0, 200);
  add_trade (tb, T0 + 60 * QL_NS_PER_SEC, 201);
  cfg.timeframe = tf ("1m");
  cfg.initial_capital = M (1000);
  syms[0].inst = &a;
  syms[0].kind = QL_SOURCE_TICKS;
  syms[0].source = ql_source_new_memory (ta, 0);
  syms[1].inst = &b;
  syms[1].kind = QL_SOURCE_TICKS;
  syms[1].source = ql_source_new_memory (tb, 0);
  bt = ql_backtest_new (&cfg, syms, 2, NULL);
  g_assert_cmpint (ql_backtest_run (bt, &st), ==, QL_STATUS_OK);
  /* At 0: A's tick, B's tick. At 30: A. At 60: A's bar [0, 60) closes, then
   * A's tick, then B's bar, B's tick. The bars [60, 120) close at 120. */
  g_assert_cmpstr (r.log->str, ==, "t0@0 t1@0 t0@30 b0:0 t0@60 b1:0 t1@60 b0:60 b1:60 end");
  g_string_free (r.log, TRUE);
  ql_instrument_clear (&a);
  ql_instrument_clear (&b);
}

/* ---- margin call -------------------------------------------------------- */

static void
buy_first_tick (QlContext *ctx, guint symbol, const QlTick *tick, gpointer data)
{
  int *n = data;
  if ((*n)++ == 0)
    g_assert_cmpint (ql_context_market (ctx, symbol, QL_SIDE_BUY, 100), ==, QL_REJECT_NONE);
}

static void
test_margin_call (void)
{
  QlInstrument inst;
  g_autoptr (QlSeries) ticks = ql_series_new_ticks ();
  QlRunConfig cfg = { 0 };
  QlRunSymbol sym = { 0 };
  static const QlStrategyClass klass = { .on_tick = buy_first_tick };
  int count = 0;
  QlStrategy st = { &klass, &count };
  g_autoptr (QlBacktest) bt = NULL;
  gsize n;
  const QlTrade *t;

  g_test_summary ("Equity below maintenance margin liquidates the position at the next tick");
  inst_init (&inst, "LEV");
  /* 1000.00 capital, 10 % initial and 5 % maintenance margin. Buy 100 at
   * 100.00 (10000.00 notional, 1000.00 initial margin: just affordable).
   *   95.00: equity 500.00 >= 5 % of 9500.00 = 475.00
   *   94.70: equity 470.00 <  5 % of 9470.00 = 473.50: margin call
   *   94.60: the liquidation sells 100 at 94.60: balance 1000 - 540 = 460. */
  add_trade (ticks, T0 + 1 * QL_NS_PER_SEC, 10000);
  add_trade (ticks, T0 + 2 * QL_NS_PER_SEC, 10000);
  add_trade (ticks, T0 + 3 * QL_NS_PER_SEC, 9500);
  add_trade (ticks, T0 + 4 * QL_NS_PER_SEC, 9470);
  add_trade (ticks, T0 + 5 * QL_NS_PER_SEC, 9460);
  add_trade (ticks, T0 + 6 * QL_NS_PER_SEC, 9000);
  cfg.timeframe = tf ("1m");
  cfg.initial_capital = M (1000);
  cfg.margin_call = QL_MARGIN_CALL_CLOSE_ALL;
  sym.inst = &inst;
  sym.kind = QL_SOURCE_TICKS;
  sym.source = ql_source_new_memory (ticks, 0);
  sym.initial_margin_ppm = 100000;
  sym.maintenance_margin_ppm = 50000;
  bt = ql_backtest_new (&cfg, &sym, 1, NULL);
  g_assert_cmpint (ql_backtest_run (bt, &st), ==, QL_STATUS_OK);
  g_assert_cmpuint (ql_backtest_get_stats (bt)->margin_calls, ==, 1);
  t = ql_backtest_get_trades (bt, &n);
  g_assert_cmpuint (n, ==, 1);
  g_assert_cmpfloat (t[0].exit_price, ==, 94.6);
  g_assert_cmpfloat_with_epsilon (t[0].pnl, -540.0, 1e-9);
  g_assert_cmpint (t[0].exit_reason, ==, QL_EXIT_MARGIN_CALL);
  g_assert_cmpint (ql_portfolio_get_balance (ql_backtest_get_portfolio (bt)), ==, M (460));
  ql_instrument_clear (&inst);
}

static void
test_margin_call_none (void)
{
  QlInstrument inst;
  g_autoptr (QlSeries) ticks = ql_series_new_ticks ();
  QlRunConfig cfg = { 0 };
  QlRunSymbol sym = { 0 };
  static const QlStrategyClass klass = { .on_tick = buy_first_tick };
  int count = 0;
  QlStrategy st = { &klass, &count };
  g_autoptr (QlBacktest) bt = NULL;
  gsize n;

  g_test_summary ("With the NONE policy a margin call is counted at each event below maintenance, nothing closed");
  inst_init (&inst, "LEV");
  /* As in margin/call-liquidates: long 100 from 100.00, 1000.00 capital,
   * 5 % maintenance.
   *   95.00: equity 500.00 >= 475.00
   *   94.70: equity 470.00 <  473.50: call 1
   *   94.60: equity 460.00 <  5 % of 9460.00 = 473.00: call 2
   *   90.00: equity   0.00 <  5 % of 9000.00 = 450.00: call 3
   * Nothing is sold: no trade, the balance stays 1000.00, still long 100. */
  add_trade (ticks, T0 + 1 * QL_NS_PER_SEC, 10000);
  add_trade (ticks, T0 + 2 * QL_NS_PER_SEC, 10000);
  add_trade (ticks, T0 + 3 * QL_NS_PER_SEC, 9500);
  add_trade (ticks, T0 + 4 * QL_NS_PER_SEC, 9470);
  add_trade (ticks, T0 + 5 * QL_NS_PER_SEC, 9460);
  add_trade (ticks, T0 + 6 * QL_NS_PER_SEC, 9000);
  cfg.timeframe = tf ("1m");
  cfg.initial_capital = M (1000);
  cfg.margin_call = QL_MARGIN_CALL_NONE;
  sym.inst = &inst;
  sym.kind = QL_SOURCE_TICKS;
  sym.source = ql_source_new_memory (ticks, 0);
  sym.initial_margin_ppm = 100000;
  sym.maintenance_margin_ppm = 50000;
  bt = ql_backtest_new (&cfg, &sym, 1, NULL);
  g_assert_cmpint (ql_backtest_run (bt, &st), ==, QL_STATUS_OK);
  g_assert_cmpuint (ql_backtest_get_stats (bt)->margin_calls, ==, 3);
  ql_backtest_get_trades (bt, &n);
  g_assert_cmpuint (n, ==, 0);
  g_assert_cmpint (ql_portfolio_get_position (ql_backtest_get_portfolio (bt), 0)->qty, ==, 100);
  g_assert_cmpint (ql_portfolio_get_balance (ql_backtest_get_portfolio (bt)), ==, M (1000));
  ql_instrument_clear (&inst);
}

static void
buy_first_tick_each (QlContext *ctx, guint symbol, const QlTick *tick, gpointer data)
{
  int *n = data;
  if (n[symbol]++ == 0)
    g_assert_cmpint (ql_context_market (ctx, symbol, QL_SIDE_BUY, 40), ==, QL_REJECT_NONE);
}

static void
test_margin_call_close_worst (void)
{
  QlInstrument a, b;
  g_autoptr (QlSeries) ta = ql_series_new_ticks ();
  g_autoptr (QlSeries) tb = ql_series_new_ticks ();
  QlRunConfig cfg = { 0 };
  QlRunSymbol syms[2] = { { 0 } };
  static const QlStrategyClass klass = { .on_tick = buy_first_tick_each };
  int count[2] = { 0, 0 };
  QlStrategy st = { &klass, count };
  g_autoptr (QlBacktest) bt = NULL;
  gsize n;
  const QlTrade *t;
  QlPortfolio *pf;

  g_test_summary ("With CLOSE_WORST a margin call closes only the position with the largest floating loss");
  inst_init (&a, "LEVA");
  inst_init (&b, "LEVB");
  /* 1000.00 capital; each symbol 10 % initial, 5 % maintenance margin. The
   * strategy buys 40 of each on its first tick; they fill at the next.
   *   1 s: A 100.00, B 100.00 (orders placed)
   *   2 s: A 100.00, B 100.00: long 40 A and 40 B at 100.00 (margin 400 + 400)
   *   3 s: A 95.00: equity 1000 - 200 = 800 >= 5 % of (3800 + 4000) = 390
   *   4 s: B 90.00: equity 1000 - 200 - 400 = 400 >= 5 % of (3800 + 3600) = 370
   *   5 s: A 92.00: equity 1000 - 320 - 400 = 280 < 5 % of (3680 + 3600) = 364:
   *        margin call; floating A -320.00, B -400.00: B is the worst, sell 40 B
   *   6 s: B 89.00: sells 40 at 89.00, realised 40 * -11.00 = -440.00;
   *        balance 560.00, equity 560 - 320 = 240 >= 5 % of 3680 = 184: no call
   *   7 s: A 92.00: the same, A stays long 40. */
  add_trade (ta, T0 + 1 * QL_NS_PER_SEC, 10000);
  add_trade (ta, T0 + 2 * QL_NS_PER_SEC, 10000);
  add_trade (ta, T0 + 3 * QL_NS_PER_SEC, 9500);
  add_trade (ta, T0 + 5 * QL_NS_PER_SEC, 9200);
  add_trade (ta, T0 + 7 * QL_NS_PER_SEC, 9200);
  add_trade (tb, T0 + 1 * QL_NS_PER_SEC, 10000);
  add_trade (tb, T0 + 2 * QL_NS_PER_SEC, 10000);
  add_trade (tb, T0 + 4 * QL_NS_PER_SEC, 9000);
  add_trade (tb, T0 + 6 * QL_NS_PER_SEC, 8900);
  cfg.timeframe = tf ("1m");
  cfg.initial_capital = M (1000);
  cfg.margin_call = QL_MARGIN_CALL_CLOSE_WORST;
  syms[0].inst = &a;
  syms[1].inst = &b;
  for (guint i = 0; i < 2; i++)
    {
      syms[i].kind = QL_SOURCE_TICKS;
      syms[i].initial_margin_ppm = 100000;
      syms[i].maintenance_margin_ppm = 50000;
    }
  syms[0].source = ql_source_new_memory (ta, 0);
  syms[1].source = ql_source_new_memory (tb, 0);
  bt = ql_backtest_new (&cfg, syms, 2, NULL);
  g_assert_cmpint (ql_backtest_run (bt, &st), ==, QL_STATUS_OK);
  g_assert_cmpuint (ql_backtest_get_stats (bt)->margin_calls, ==, 1);
  t = ql_backtest_get_trades (bt, &n);
  g_assert_cmpuint (n, ==, 1);
  g_assert_cmpuint (t[0].symbol, ==, 1);
  g_assert_cmpfloat (t[0].exit_price, ==, 89.0);
  g_assert_cmpfloat_with_epsilon (t[0].pnl, -440.0, 1e-9);
  g_assert_cmpint (t[0].exit_reason, ==, QL_EXIT_MARGIN_CALL);
  pf = ql_backtest_get_portfolio (bt);
  g_assert_cmpint (ql_portfolio_get_position (pf, 0)->qty, ==, 40);
  g_assert_cmpint (ql_portfolio_get_position (pf, 1)->qty, ==, 0);
  g_assert_cmpint (ql_portfolio_get_balance (pf), ==, M (560));
  ql_instrument_clear (&a);
  ql_instrument_clear (&b);
}

static void
buy_first_bar (QlContext *ctx, guint symbol, guint tf, gpointer data)
{
  int *n = data;
  if (tf == 0 && (*n)++ == 0)
    g_assert_cmpint (ql_context_market (ctx, symbol, QL_SIDE_BUY, 100), ==, QL_REJECT_NONE);
}

static void
test_margin_call_bars_one_symbol (void)
{
  QlInstrument inst;
  g_autoptr (QlSeries) bars = ql_series_new_bars ();
  QlRunConfig cfg = { 0 };
  QlRunSymbol sym = { 0 };
  static const QlStrategyClass klass = { .on_bar = buy_first_bar };
  int count = 0;
  QlStrategy st = { &klass, &count };
  g_autoptr (QlBacktest) bt = NULL;
  gsize n;
  const QlTrade *t;

  g_test_summary ("With one symbol of bars a margin call at a close liquidates at the next bar's open");
  inst_init (&inst, "LEV");
  /* The numbers of margin/call-liquidates on 1m bars: 1000.00 capital, 10 %
   * initial and 5 % maintenance margin.
   *   bar 0 (T0):      100 -> 100: buy 100, stamped T0 + 1 min
   *   bar 1 (T0 + 1m): fills at the open, 100.00; closes 95.00: equity
   *                    500.00 >= 5 % of 9500.00 = 475.00
   *   bar 2 (T0 + 2m): closes 94.70: equity 470.00 < 473.50: margin call,
   *                    at the close, the bar's end T0 + 3 min
   *   bar 3 (T0 + 3m): opens 94.60: sells 100, -540.00; balance 460.00. */
  add_bar (bars, T0 + 0 * QL_NS_PER_MIN, 100, 100, 100, 100);
  add_bar (bars, T0 + 1 * QL_NS_PER_MIN, 100, 100, 95, 95);
  add_bar (bars, T0 + 2 * QL_NS_PER_MIN, 95, 95, 94.7, 94.7);
  add_bar (bars, T0 + 3 * QL_NS_PER_MIN, 94.6, 94.6, 90, 90);
  cfg.timeframe = tf ("1m");
  cfg.initial_capital = M (1000);
  cfg.margin_call = QL_MARGIN_CALL_CLOSE_ALL;
  sym.inst = &inst;
  sym.kind = QL_SOURCE_BARS;
  sym.bar_timeframe = tf ("1m");
  sym.source = ql_source_new_memory (bars, 0);
  sym.initial_margin_ppm = 100000;
  sym.maintenance_margin_ppm = 50000;
  bt = ql_backtest_new (&cfg, &sym, 1, NULL);
  g_assert_cmpint (ql_backtest_run (bt, &st), ==, QL_STATUS_OK);
  g_assert_cmpuint (ql_backtest_get_stats (bt)->margin_calls, ==, 1);
  t = ql_backtest_get_trades (bt, &n);
  g_assert_cmpuint (n, ==, 1);
  g_assert_cmpint (t[0].exit_time, ==, T0 + 3 * QL_NS_PER_MIN);
  g_assert_cmpfloat (t[0].exit_price, ==, 94.6);
  g_assert_cmpfloat_with_epsilon (t[0].pnl, -540.0, 1e-9);
  g_assert_cmpint (t[0].exit_reason, ==, QL_EXIT_MARGIN_CALL);
  g_assert_cmpint (ql_portfolio_get_balance (ql_backtest_get_portfolio (bt)), ==, M (460));
  ql_instrument_clear (&inst);
}

static void
buy_first_bar_each (QlContext *ctx, guint symbol, guint tf, gpointer data)
{
  int *n = data;
  if (tf == 0 && n[symbol]++ == 0)
    g_assert_cmpint (ql_context_market (ctx, symbol, QL_SIDE_BUY, 40), ==, QL_REJECT_NONE);
}

static void
test_margin_call_bars_no_look_ahead (void)
{
  QlInstrument a, b;
  g_autoptr (QlSeries) ba = ql_series_new_bars ();
  g_autoptr (QlSeries) bb = ql_series_new_bars ();
  QlRunConfig cfg = { 0 };
  QlRunSymbol syms[2] = { { 0 } };
  static const QlStrategyClass klass = { .on_bar = buy_first_bar_each };
  int count[2] = { 0, 0 };
  QlStrategy st = { &klass, count };
  g_autoptr (QlBacktest) bt = NULL;
  gsize n;
  const QlTrade *t;
  const QlTimeNs trigger = T0 + 3 * QL_NS_PER_MIN;

  g_test_summary ("A margin call at one symbol's bar close liquidates every symbol at its "
                  "next bar's open, never at an open before the close that triggered it");
  /* 1m bars of A (index 0) and B (index 1), both at T0 + k min; 1000.00
   * capital, 10 % initial and 5 % maintenance margin on each.
   *   bar 0 (T0):      A 100 -> 100, B 100 -> 100. on_bar buys 40 of each,
   *                    stamped at the close, T0 + 1 min.
   *   bar 1 (T0 + 1m): both fill at the open, 100.00 (margin 400 + 400);
   *                    both close 100: equity 1000 >= 5 % of 8000 = 400.
   *   bar 2 (T0 + 2m): A 100 -> 80, taken first (A's index is lower): A
   *                    marked at 80, B still at 100: equity
   *                    1000 + 40 * (80 - 100) = 200 < 5 % of (3200 + 4000)
   *                    = 360: margin call at A's close, which is the end of
   *                    A's bar, T0 + 3 min. B's bar 2 opens at 110 at
   *                    T0 + 2 min, before that close: the liquidation must
   *                    not fill there.
   *   bar 3 (T0 + 3m): A opens 79: sell 40, 40 * (79 - 100) = -840.00;
   *                    B opens 105: sell 40, 40 * (105 - 100) = +200.00.
   * Balance 1000 - 840 + 200 = 360.00, both flat, one margin call. */
  inst_init (&a, "LEVA");
  inst_init (&b, "LEVB");
  add_bar (ba, T0 + 0 * QL_NS_PER_MIN, 100, 100, 100, 100);
  add_bar (ba, T0 + 1 * QL_NS_PER_MIN, 100, 100, 100, 100);
  add_bar (ba, T0 + 2 * QL_NS_PER_MIN, 100, 100, 80, 80);
  add_bar (ba, T0 + 3 * QL_NS_PER_MIN, 79, 79, 79, 79);
  add_bar (bb, T0 + 0 * QL_NS_PER_MIN, 100, 100, 100, 100);
  add_bar (bb, T0 + 1 * QL_NS_PER_MIN, 100, 100, 100, 100);
  add_bar (bb, T0 + 2 * QL_NS_PER_MIN, 110, 110, 110, 110);
  add_bar (bb, T0 + 3 * QL_NS_PER_MIN, 105, 105, 105, 105);
  cfg.timeframe = tf ("1m");
  cfg.initial_capital = M (1000);
  cfg.margin_call = QL_MARGIN_CALL_CLOSE_ALL;
  syms[0].inst = &a;
  syms[1].inst = &b;
  for (guint i = 0; i < 2; i++)
    {
      syms[i].kind = QL_SOURCE_BARS;
      syms[i].bar_timeframe = tf ("1m");
      syms[i].initial_margin_ppm = 100000;
      syms[i].maintenance_margin_ppm = 50000;
    }
  syms[0].source = ql_source_new_memory (ba, 0);
  syms[1].source = ql_source_new_memory (bb, 0);
  bt = ql_backtest_new (&cfg, syms, 2, NULL);
  g_assert_cmpint (ql_backtest_run (bt, &st), ==, QL_STATUS_OK);
  g_assert_cmpuint (ql_backtest_get_stats (bt)->margin_calls, ==, 1);
  t = ql_backtest_get_trades (bt, &n);
  g_assert_cmpuint (n, ==, 2);
  for (gsize i = 0; i < n; i++)
    g_assert_cmpint (t[i].exit_time, >=, trigger);
  g_assert_cmpuint (t[0].symbol, ==, 0);
  g_assert_cmpint (t[0].exit_time, ==, T0 + 3 * QL_NS_PER_MIN);
  g_assert_cmpfloat (t[0].exit_price, ==, 79.0);
  g_assert_cmpfloat_with_epsilon (t[0].pnl, -840.0, 1e-9);
  g_assert_cmpint (t[0].exit_reason, ==, QL_EXIT_MARGIN_CALL);
  g_assert_cmpuint (t[1].symbol, ==, 1);
  g_assert_cmpint (t[1].exit_time, ==, T0 + 3 * QL_NS_PER_MIN);
  g_assert_cmpfloat (t[1].exit_price, ==, 105.0);
  g_assert_cmpfloat_with_epsilon (t[1].pnl, 200.0, 1e-9);
  g_assert_cmpint (t[1].exit_reason, ==, QL_EXIT_MARGIN_CALL);
  g_assert_cmpint (ql_portfolio_get_balance (ql_backtest_get_portfolio (bt)), ==, M (360));
  ql_instrument_clear (&a);
  ql_instrument_clear (&b);
}

/* ---- account observer ---------------------------------------------------- */

typedef struct
{
  int checks;
  int fills;
  int clocks;
} Obs;

static gboolean
obs_check (gpointer data, const QlAccountView *account, guint symbol, QlSide side,
           double quantity, double position_after, char *reason, gsize reason_size)
{
  Obs *o = data;
  o->checks++;
  if (quantity > 5)
    {
      g_snprintf (reason, reason_size, "order size %g above 5", quantity);
      return FALSE;
    }
  return TRUE;
}

static QlAccountAction
obs_fill (gpointer data, const QlAccountView *account)
{
  Obs *o = data;
  o->fills++;
  /* The first fill (the buy of 5) fails the account. */
  return o->fills == 1 ? QL_ACCOUNT_FLATTEN_DISABLE : QL_ACCOUNT_CONTINUE;
}

static QlAccountAction
obs_clock (gpointer data, const QlAccountView *account)
{
  Obs *o = data;
  o->clocks++;
  return QL_ACCOUNT_CONTINUE;
}

typedef struct
{
  int ticks;
  QlRejectReason r[3];
  char text[3][64];
} ObsStrategy;

static void
obs_tick (QlContext *ctx, guint symbol, const QlTick *tick, gpointer data)
{
  ObsStrategy *s = data;
  int i = s->ticks++;
  if (i < 3)
    {
      s->r[i] = ql_context_market (ctx, symbol, QL_SIDE_BUY, i == 0 ? 10 : 5);
      g_strlcpy (s->text[i], ql_context_get_reject_text (ctx), sizeof s->text[i]);
    }
}

static void
test_observer (void)
{
  QlInstrument inst;
  g_autoptr (QlSeries) ticks = ql_series_new_ticks ();
  QlRunConfig cfg = { 0 };
  QlRunSymbol sym = { 0 };
  static const QlStrategyClass klass = { .on_tick = obs_tick };
  ObsStrategy ss = { 0 };
  QlStrategy st = { &klass, &ss };
  Obs obs = { 0 };
  g_autoptr (QlBacktest) bt = NULL;
  gsize n;
  const QlTrade *t;

  g_test_summary ("The observer vets orders, sees fills and the clock, and can flatten and disable");
  inst_init (&inst, "OBS");
  for (int i = 0; i < 5; i++)
    add_trade (ticks, T0 + i * QL_NS_PER_SEC, 10000 + i);
  cfg.timeframe = tf ("1m");
  cfg.initial_capital = M (100000);
  cfg.observer.check_order = obs_check;
  cfg.observer.on_fill = obs_fill;
  cfg.observer.on_clock = obs_clock;
  cfg.observer.data = &obs;
  sym.inst = &inst;
  sym.kind = QL_SOURCE_TICKS;
  sym.source = ql_source_new_memory (ticks, 0);
  bt = ql_backtest_new (&cfg, &sym, 1, NULL);
  g_assert_cmpint (ql_backtest_run (bt, &st), ==, QL_STATUS_OK);
  /* tick 0: buy 10 refused by the rule; tick 1: buy 5 accepted, fills at
   * tick 2 (100.02); the fill flattens and disables: the sell fills at
   * tick 3 (100.03); tick 2's buy was already refused as blocked. */
  g_assert_cmpint (ss.r[0], ==, QL_REJECT_ACCOUNT_RULE);
  g_assert_cmpstr (ss.text[0], ==, "order size 10 above 5");
  g_assert_cmpint (ss.r[1], ==, QL_REJECT_NONE);
  g_assert_cmpint (ss.r[2], ==, QL_REJECT_ACCOUNT_BLOCKED);
  g_assert_cmpint (obs.checks, ==, 2); /* the blocked one never reaches it */
  g_assert_cmpint (obs.fills, ==, 2);
  g_assert_cmpint (obs.clocks, ==, 5);
  t = ql_backtest_get_trades (bt, &n);
  g_assert_cmpuint (n, ==, 1);
  g_assert_cmpint (t[0].exit_reason, ==, QL_EXIT_ACCOUNT_RULE);
  g_assert_cmpint (ql_context_get_position (bt, 0)->qty, ==, 0);
  ql_instrument_clear (&inst);
}

/* ---- orders sent in reaction to a fill ------------------------------------ */

/* A strategy that places a buy stop of 1 at 102.00 on symbol 0 at its first
 * bar close, and answers that stop's fill with a market order of 1 on
 * react_symbol. */
typedef struct
{
  guint react_symbol;
  QlSide react_side;
  int n_bars;                /* on_bar calls of symbol 0, run's timeframe */
  int n_fills;               /* on_order_fill calls */
  QlFill fills[4];           /* the first ones, in order */
  QlOrderId stop;
  QlOrderId reaction;
  QlTimeNs reaction_created; /* the reaction order's time, after the run */
} Reaction;

/* Fill @i of @r was at @price (in ticks of 0.01) at @time. */
static void
assert_fill (const Reaction *r, int i, QlPrice price, QlTimeNs time)
{
  g_assert_cmpint (r->n_fills, >, i);
  g_assert_cmpint (r->fills[i].price, ==, price);
  g_assert_cmpint (r->fills[i].time, ==, time);
}

static void
reaction_on_bar (QlContext *ctx, guint symbol, guint tf, gpointer data)
{
  Reaction *r = data;
  QlOrderRequest req = { 0 };

  if (symbol != 0 || tf != 0 || r->n_bars++ > 0)
    return;
  req.symbol = 0;
  req.side = QL_SIDE_BUY;
  req.type = QL_ORDER_STOP;
  req.stop_price = 10200;
  req.quantity = 1;
  g_assert_cmpint (ql_context_submit (ctx, &req, &r->stop), ==, QL_REJECT_NONE);
}

static void
reaction_on_fill (QlContext *ctx, const QlOrder *order, const QlFill *fill, gpointer data)
{
  Reaction *r = data;
  QlOrderRequest req = { 0 };

  if (r->n_fills < (int) G_N_ELEMENTS (r->fills))
    r->fills[r->n_fills] = *fill;
  r->n_fills++;
  if (order->id != r->stop)
    return;
  req.symbol = r->react_symbol;
  req.side = r->react_side;
  req.type = QL_ORDER_MARKET;
  req.quantity = 1;
  g_assert_cmpint (ql_context_submit (ctx, &req, &r->reaction), ==, QL_REJECT_NONE);
}

/* Runs Reaction on 1m bars { open, high, low, close } of A (symbol 0) and,
 * when @b is not NULL, B (symbol 1); bar k at T0 + k min. */
static void
run_reaction (const double (*a)[4], const double (*b)[4], guint n_bars, gint64 latency_ns,
              Reaction *r)
{
  static const QlStrategyClass klass = { .on_bar = reaction_on_bar,
                                         .on_order_fill = reaction_on_fill };
  QlInstrument inst[2];
  g_autoptr (QlSeries) sa = ql_series_new_bars ();
  g_autoptr (QlSeries) sb = ql_series_new_bars ();
  QlRunConfig cfg = { 0 };
  QlRunSymbol syms[2] = { { 0 } };
  QlStrategy st = { &klass, r };
  guint n = b != NULL ? 2 : 1;
  g_autoptr (QlBacktest) bt = NULL;

  inst_init (&inst[0], "REA");
  inst_init (&inst[1], "REB");
  for (guint k = 0; k < n_bars; k++)
    {
      add_bar (sa, T0 + k * QL_NS_PER_MIN, a[k][0], a[k][1], a[k][2], a[k][3]);
      if (b != NULL)
        add_bar (sb, T0 + k * QL_NS_PER_MIN, b[k][0], b[k][1], b[k][2], b[k][3]);
    }
  cfg.timeframe = tf ("1m");
  cfg.initial_capital = M (1000);
  cfg.broker.latency_ns = latency_ns;
  for (guint i = 0; i < n; i++)
    {
      syms[i].inst = &inst[i];
      syms[i].kind = QL_SOURCE_BARS;
      syms[i].bar_timeframe = tf ("1m");
      syms[i].source = ql_source_new_memory (i == 0 ? sa : sb, 0);
    }
  bt = ql_backtest_new (&cfg, syms, n, NULL);
  g_assert_nonnull (bt);
  g_assert_cmpint (ql_backtest_run (bt, &st), ==, QL_STATUS_OK);
  g_assert_cmpuint (r->reaction, !=, 0);
  r->reaction_created = ql_broker_get_order (ql_backtest_get_broker (bt), r->reaction)->created;
  g_clear_pointer (&bt, ql_backtest_free);
  ql_instrument_clear (&inst[0]);
  ql_instrument_clear (&inst[1]);
}

/* A's bars: bar 2 opens at 100.00 and reaches the buy stop at 102.00 only
 * inside the bar. Its path: the low 99 is nearer the open (1 away) than the
 * high 105 (5 away), so 100 -> 99 -> 105 -> 104, and the stop fills at
 * 102.00 on the second segment (99 -> 105), not at the open. */
static const double react_a_inside[5][4] = {
  { 100, 100, 100, 100 }, /* bar 0: on_bar places the stop, timed T0 + 1 min */
  { 100, 100, 100, 100 }, /* bar 1: 100 < 102, no trigger */
  { 100, 105, 99, 104 },  /* bar 2: the stop fills at 102.00, inside the bar */
  { 106, 106, 106, 106 },
  { 108, 108, 108, 108 },
};

/* B's bars, symbol 1: the open of bar 2 (51.00) is a price of the minute
 * in which A's stop filled, traded before it. */
static const double react_b[5][4] = {
  { 50, 50, 50, 50 },
  { 50, 50, 50, 50 },
  { 51, 53, 50, 52 },
  { 55, 55, 55, 55 },
  { 57, 57, 57, 57 },
};

static void
test_reaction_inside_other_symbol (void)
{
  Reaction r = { .react_symbol = 1, .react_side = QL_SIDE_BUY };

  g_test_summary ("An order sent on another symbol in reaction to a fill inside a bar fills at "
                  "that symbol's next bar's open, not at the open of the bar of the same minute");
  /* A's stop fills at 102.00 inside A's bar 2 (T0 + 2 min): that price is
   * known at the bar's end, T0 + 3 min, at the earliest. on_order_fill
   * buys 1 B at market, so the order is timed T0 + 3 min. B's bar 2
   * (T0 + 2 min, taken after A's because B's index is higher) opens at
   * 51.00 before A reached 102.00: it must not fill there. It fills at
   * the open of B's bar 3 (T0 + 3 min), 55.00. The stop's fill keeps its
   * reported time, the bar's, T0 + 2 min. */
  run_reaction (react_a_inside, react_b, 5, 0, &r);
  g_assert_cmpint (r.n_bars, ==, 5);
  g_assert_cmpint (r.n_fills, ==, 2);
  g_assert_cmpuint (r.fills[0].symbol, ==, 0);
  assert_fill (&r, 0, 10200, T0 + 2 * QL_NS_PER_MIN);
  g_assert_cmpint (r.reaction_created, ==, T0 + 3 * QL_NS_PER_MIN);
  g_assert_cmpuint (r.fills[1].order, ==, r.reaction);
  g_assert_cmpuint (r.fills[1].symbol, ==, 1);
  assert_fill (&r, 1, 5500, T0 + 3 * QL_NS_PER_MIN);
}

static void
test_reaction_inside_same_symbol (void)
{
  Reaction r = { .react_symbol = 0, .react_side = QL_SIDE_SELL };
  Reaction late = { .react_symbol = 0, .react_side = QL_SIDE_SELL };

  g_test_summary ("An order sent in reaction to a fill inside a bar is timed at the bar's end: "
                  "on the same symbol it fills at the next open, with latency one bar later");
  /* The stop fills at 102.00 inside bar 2 (T0 + 2 min); on_order_fill sells
   * the 1 at market, timed at bar 2's end, T0 + 3 min. Bar 2 has been
   * matched already, so no price of its path can fill the sale: it fills
   * at bar 3's open, 106.00, at T0 + 3 min. */
  run_reaction (react_a_inside, NULL, 5, 0, &r);
  g_assert_cmpint (r.n_fills, ==, 2);
  assert_fill (&r, 0, 10200, T0 + 2 * QL_NS_PER_MIN);
  g_assert_cmpint (r.reaction_created, ==, T0 + 3 * QL_NS_PER_MIN);
  assert_fill (&r, 1, 10600, T0 + 3 * QL_NS_PER_MIN);

  /* With 30 s of latency, as an order sent in on_bar at bar 2's close:
   * the stop (placed at T0 + 1 min) is active from T0 + 1 min 30 s, so it
   * skips bar 1 and fills at 102.00 inside bar 2 all the same; the sale,
   * timed T0 + 3 min, is active from T0 + 3 min 30 s, after bar 3's open:
   * it fills at bar 4's open, 108.00, at T0 + 4 min. */
  run_reaction (react_a_inside, NULL, 5, 30 * QL_NS_PER_SEC, &late);
  g_assert_cmpint (late.n_fills, ==, 2);
  assert_fill (&late, 0, 10200, T0 + 2 * QL_NS_PER_MIN);
  g_assert_cmpint (late.reaction_created, ==, T0 + 3 * QL_NS_PER_MIN);
  assert_fill (&late, 1, 10800, T0 + 4 * QL_NS_PER_MIN);
}

static void
test_reaction_at_open (void)
{
  /* Bar 2 opens at 103.00, beyond the buy stop at 102.00: a gap, and the
   * stop fills at the open, 103.00, the first price of the bar. */
  static const double gap[5][4] = {
    { 100, 100, 100, 100 },
    { 100, 100, 100, 100 },
    { 103, 104, 103, 104 }, /* bar 2: the stop fills at the open */
    { 106, 106, 106, 106 },
    { 108, 108, 108, 108 },
  };
  Reaction same = { .react_symbol = 0, .react_side = QL_SIDE_SELL };
  Reaction late = { .react_symbol = 0, .react_side = QL_SIDE_SELL };
  Reaction other = { .react_symbol = 1, .react_side = QL_SIDE_BUY };

  g_test_summary ("An order sent in reaction to a fill at a bar's open keeps the open's time: "
                  "it meets later events of that instant and, with latency, the next open");
  /* The stop fills at bar 2's open (T0 + 2 min), so the reaction happens
   * then and its order is timed T0 + 2 min. On the same symbol bar 2 has
   * been matched: the sale fills at bar 3's open, 106.00 (T0 + 3 min). */
  run_reaction (gap, NULL, 5, 0, &same);
  g_assert_cmpint (same.n_fills, ==, 2);
  assert_fill (&same, 0, 10300, T0 + 2 * QL_NS_PER_MIN);
  g_assert_cmpint (same.reaction_created, ==, T0 + 2 * QL_NS_PER_MIN);
  assert_fill (&same, 1, 10600, T0 + 3 * QL_NS_PER_MIN);

  /* 30 s of latency: the stop, active from T0 + 1 min 30 s, fills at bar
   * 2's open, 103.00; the sale, active from T0 + 2 min 30 s, meets bar 3's
   * open, 106.00 (were it timed at bar 2's end it would wait for bar 4's
   * 108.00). */
  run_reaction (gap, NULL, 5, 30 * QL_NS_PER_SEC, &late);
  g_assert_cmpint (late.n_fills, ==, 2);
  g_assert_cmpint (late.fills[0].price, ==, 10300);
  g_assert_cmpint (late.reaction_created, ==, T0 + 2 * QL_NS_PER_MIN);
  assert_fill (&late, 1, 10600, T0 + 3 * QL_NS_PER_MIN);

  /* On B (symbol 1) the order timed T0 + 2 min meets B's bar 2, which
   * comes after A's bar 2 in the order (time, then index): it fills at
   * B's open of that minute, 51.00, at T0 + 2 min. */
  run_reaction (gap, react_b, 5, 0, &other);
  g_assert_cmpint (other.n_fills, ==, 2);
  g_assert_cmpint (other.fills[0].price, ==, 10300);
  g_assert_cmpint (other.reaction_created, ==, T0 + 2 * QL_NS_PER_MIN);
  g_assert_cmpuint (other.fills[1].symbol, ==, 1);
  assert_fill (&other, 1, 5100, T0 + 2 * QL_NS_PER_MIN);
}

/* A strategy that places, at symbol 0's first bar close, a buy stop of 1
 * at 102.00 on A (symbol 0) and another order (other_*), and answers the
 * stop's fill with a cancel or a modification of that other order. */
typedef enum
{
  GUARD_CANCEL,              /* cancel the other order */
  GUARD_MODIFY,              /* move its limit price to new_limit */
} GuardAction;

typedef struct
{
  GuardAction action;
  guint other_symbol;
  QlOrderType other_type;
  QlPrice other_price;       /* its limit or stop price */
  QlPrice new_limit;         /* GUARD_MODIFY */
  int n_bars;
  int n_fills;
  QlFill fills[4];
  QlOrderId stop;
  QlOrderId other;
  QlRejectReason answer;     /* what the cancel or modify returned */
  QlOrderState state_after;  /* the other order right after that call */
  QlPrice limit_after;
  QlOrderState final_state;  /* the other order after the run */
  QlRunStats stats;
} Guard;

static void
guard_on_bar (QlContext *ctx, guint symbol, guint tf, gpointer data)
{
  Guard *g = data;
  QlOrderRequest req = { 0 };

  if (symbol != 0 || tf != 0 || g->n_bars++ > 0)
    return;
  req.symbol = 0;
  req.side = QL_SIDE_BUY;
  req.type = QL_ORDER_STOP;
  req.stop_price = 10200;
  req.quantity = 1;
  g_assert_cmpint (ql_context_submit (ctx, &req, &g->stop), ==, QL_REJECT_NONE);
  req.symbol = g->other_symbol;
  req.type = g->other_type;
  req.stop_price = g->other_type == QL_ORDER_STOP ? g->other_price : 0;
  req.limit_price = g->other_type == QL_ORDER_LIMIT ? g->other_price : 0;
  g_assert_cmpint (ql_context_submit (ctx, &req, &g->other), ==, QL_REJECT_NONE);
}

static void
guard_on_fill (QlContext *ctx, const QlOrder *order, const QlFill *fill, gpointer data)
{
  Guard *g = data;
  const QlOrder *o;

  if (g->n_fills < (int) G_N_ELEMENTS (g->fills))
    g->fills[g->n_fills] = *fill;
  g->n_fills++;
  if (order->id != g->stop)
    return;
  if (g->action == GUARD_CANCEL)
    g->answer = ql_context_cancel (ctx, g->other);
  else
    g->answer = ql_context_modify (ctx, g->other, 0, g->new_limit, 0);
  o = ql_context_get_order (ctx, g->other);
  g->state_after = o->state;
  g->limit_after = o->req.limit_price;
}

/* Runs Guard on 1m bars { open, high, low, close } of A (symbol 0) and B
 * (symbol 1); bar k at T0 + k min. */
static void
run_guard (const double (*a)[4], const double (*b)[4], guint n_bars, Guard *g)
{
  static const QlStrategyClass klass = { .on_bar = guard_on_bar,
                                         .on_order_fill = guard_on_fill };
  QlInstrument inst[2];
  g_autoptr (QlSeries) sa = ql_series_new_bars ();
  g_autoptr (QlSeries) sb = ql_series_new_bars ();
  QlRunConfig cfg = { 0 };
  QlRunSymbol syms[2] = { { 0 } };
  QlStrategy st = { &klass, g };
  g_autoptr (QlBacktest) bt = NULL;

  inst_init (&inst[0], "GUA");
  inst_init (&inst[1], "GUB");
  for (guint k = 0; k < n_bars; k++)
    {
      add_bar (sa, T0 + k * QL_NS_PER_MIN, a[k][0], a[k][1], a[k][2], a[k][3]);
      add_bar (sb, T0 + k * QL_NS_PER_MIN, b[k][0], b[k][1], b[k][2], b[k][3]);
    }
  cfg.timeframe = tf ("1m");
  cfg.initial_capital = M (1000);
  for (guint i = 0; i < 2; i++)
    {
      syms[i].inst = &inst[i];
      syms[i].kind = QL_SOURCE_BARS;
      syms[i].bar_timeframe = tf ("1m");
      syms[i].source = ql_source_new_memory (i == 0 ? sa : sb, 0);
    }
  bt = ql_backtest_new (&cfg, syms, 2, NULL);
  g_assert_nonnull (bt);
  g_assert_cmpint (ql_backtest_run (bt, &st), ==, QL_STATUS_OK);
  g_assert_cmpuint (g->other, !=, 0);
  g->final_state = ql_broker_get_order (ql_backtest_get_broker (bt), g->other)->state;
  g->stats = *ql_backtest_get_stats (bt);
  g_clear_pointer (&bt, ql_backtest_free);
  ql_instrument_clear (&inst[0]);
  ql_instrument_clear (&inst[1]);
}

/* B's bars for Guard. Bar 2's path: the high 53 is nearer the open 52 (1
 * away) than the low 50 (2 away), so 52 -> 53 -> 50 -> 51. */
static const double guard_b[5][4] = {
  { 52, 52, 52, 52 },
  { 52, 52, 52, 52 },
  { 52, 53, 50, 51 },
  { 50, 50, 50, 50 },
  { 50, 50, 50, 50 },
};

static void
test_reaction_cancel_other_symbol (void)
{
  Guard g = { .action = GUARD_CANCEL, .other_symbol = 1, .other_type = QL_ORDER_LIMIT,
              .other_price = 5100 };

  g_test_summary ("A cancel sent in reaction to a fill inside A's bar does not stop B's order "
                  "from filling on B's bar of the same minute; it is refused when it comes due");
  /* Both orders are placed at bar 0's close (T0 + 1 min). Bar 1: A's 100
   * does not reach the stop; B's 52 is above the buy limit at 51.00, which
   * rests. Bar 2 (T0 + 2 min): A's bar comes first (index 0) and its stop
   * fills at 102.00 inside the bar (100 -> 99 -> 105 -> 104, on 99 -> 105),
   * known at T0 + 3 min. on_order_fill cancels B's limit: the request is
   * accepted (QL_REJECT_NONE) and waits for T0 + 3 min, so the limit is
   * still working right after the call. B's bar 2 is matched with it: the
   * path 52 -> 53 -> 50 goes through 51.00 and the limit fills there, at
   * T0 + 2 min. At T0 + 3 min the cancel finds the order filled: it is
   * refused (one late refusal) and the order stays FILLED. (Taken at once,
   * the cancel would have used A's path, after B's open, to stop B's fill:
   * no fill at all, since B's later bars at 50.00 do not go through 51.00.) */
  run_guard (react_a_inside, guard_b, 5, &g);
  g_assert_cmpint (g.answer, ==, QL_REJECT_NONE);
  g_assert_cmpint (g.state_after, ==, QL_ORDER_WORKING);
  g_assert_cmpint (g.n_fills, ==, 2);
  g_assert_cmpuint (g.fills[0].order, ==, g.stop);
  g_assert_cmpint (g.fills[0].price, ==, 10200);
  g_assert_cmpint (g.fills[0].time, ==, T0 + 2 * QL_NS_PER_MIN);
  g_assert_cmpuint (g.fills[1].order, ==, g.other);
  g_assert_cmpuint (g.fills[1].symbol, ==, 1);
  g_assert_cmpint (g.fills[1].price, ==, 5100);
  g_assert_cmpint (g.fills[1].time, ==, T0 + 2 * QL_NS_PER_MIN);
  g_assert_cmpint (g.final_state, ==, QL_ORDER_FILLED);
  g_assert_cmpuint (g.stats.late_refusals, ==, 1);
}

static void
test_reaction_modify_other_symbol (void)
{
  Guard g = { .action = GUARD_MODIFY, .other_symbol = 1, .other_type = QL_ORDER_LIMIT,
              .other_price = 4900, .new_limit = 5050 };

  g_test_summary ("A modification sent in reaction to a fill inside A's bar takes effect on B "
                  "from B's first bar opening at or after that bar's end");
  /* B's buy limit at 49.00 rests from bar 1 (52 is above it). A's stop
   * fills at 102.00 inside bar 2, known at T0 + 3 min; on_order_fill moves
   * the limit to 50.50: accepted, applied at T0 + 3 min, so right after the
   * call the order still has 49.00. B's bar 2 is matched at 49.00: its path
   * 52 -> 53 -> 50 -> 51 never goes below 49.00, no fill. At T0 + 3 min the
   * limit becomes 50.50 and meets the market afresh: B's bar 3 opens at
   * 50.00, within it, so it fills at the open, 50.00, at T0 + 3 min.
   * (Taken at once, 50.50 would have met B's bar 2: not marketable at the
   * open 52, then through on 53 -> 50, a fill at 50.50 at T0 + 2 min.) */
  run_guard (react_a_inside, guard_b, 5, &g);
  g_assert_cmpint (g.answer, ==, QL_REJECT_NONE);
  g_assert_cmpint (g.state_after, ==, QL_ORDER_WORKING);
  g_assert_cmpint (g.limit_after, ==, 4900);
  g_assert_cmpint (g.n_fills, ==, 2);
  g_assert_cmpint (g.fills[0].price, ==, 10200);
  g_assert_cmpuint (g.fills[1].order, ==, g.other);
  g_assert_cmpint (g.fills[1].price, ==, 5000);
  g_assert_cmpint (g.fills[1].time, ==, T0 + 3 * QL_NS_PER_MIN);
  g_assert_cmpint (g.final_state, ==, QL_ORDER_FILLED);
  g_assert_cmpuint (g.stats.late_refusals, ==, 0);
}

static void
test_reaction_cancel_same_symbol (void)
{
  Guard g = { .action = GUARD_CANCEL, .other_symbol = 0, .other_type = QL_ORDER_STOP,
              .other_price = 10600 };

  g_test_summary ("A cancel sent in reaction to a fill inside a bar takes effect at once on "
                  "an order of the same symbol, whose bar has been matched");
  /* The second order is a buy stop at 106.00 on A. Bar 2's path tops at
   * 105, short of it; the stop at 102.00 fills inside bar 2 and
   * on_order_fill cancels the 106.00 stop: on A nothing of bar 2 is left to
   * match, so it is CANCELLED right after the call. Bar 3 opens at 106.00,
   * which would have triggered it: no second fill. */
  run_guard (react_a_inside, guard_b, 5, &g);
  g_assert_cmpint (g.answer, ==, QL_REJECT_NONE);
  g_assert_cmpint (g.state_after, ==, QL_ORDER_CANCELLED);
  g_assert_cmpint (g.n_fills, ==, 1);
  g_assert_cmpint (g.fills[0].price, ==, 10200);
  g_assert_cmpint (g.final_state, ==, QL_ORDER_CANCELLED);
  g_assert_cmpuint (g.stats.late_refusals, ==, 0);
}

/* ---- magnifier ------------------------------------------------------------ */

static void
bracket_once (QlContext *ctx, guint symbol, guint k, gpointer data)
{
  int *n = data;
  if ((*n)++ == 0)
    {
      QlOrderRequest req = { 0 };
      req.symbol = symbol;
      req.side = QL_SIDE_BUY;
      req.type = QL_ORDER_MARKET;
      req.quantity = 1;
      req.take_profit = 10150;
      req.stop_loss = 9900;
      g_assert_cmpint (ql_context_submit (ctx, &req, NULL), ==, QL_REJECT_NONE);
    }
}

static double
run_bracket (gboolean magnify)
{
  QlInstrument inst;
  g_autoptr (QlSeries) b2 = ql_series_new_bars ();
  g_autoptr (QlSeries) b1 = ql_series_new_bars ();
  QlRunConfig cfg = { 0 };
  QlRunSymbol sym = { 0 };
  static const QlStrategyClass klass = { .on_bar = bracket_once };
  int n = 0;
  QlStrategy st = { &klass, &n };
  g_autoptr (QlBacktest) bt = NULL;
  gsize nt;
  const QlTrade *t;
  double pnl;

  inst_init (&inst, "MAG");
  /* 2m bars; the 1m bars inside each. */
  add_bar (b2, T0, 100, 100.1, 99.9, 100);
  add_bar (b2, T0 + 2 * QL_NS_PER_MIN, 100, 100.2, 99.8, 100);
  add_bar (b2, T0 + 4 * QL_NS_PER_MIN, 100, 102, 98, 100);
  add_bar (b1, T0, 100, 100.1, 99.9, 100);
  add_bar (b1, T0 + 1 * QL_NS_PER_MIN, 100, 100.1, 99.9, 100);
  add_bar (b1, T0 + 2 * QL_NS_PER_MIN, 100, 100.2, 99.8, 100);
  add_bar (b1, T0 + 3 * QL_NS_PER_MIN, 100, 100.2, 99.8, 100);
  add_bar (b1, T0 + 4 * QL_NS_PER_MIN, 100, 102, 99.9, 101.8);
  add_bar (b1, T0 + 5 * QL_NS_PER_MIN, 101.8, 101.9, 98, 100);
  cfg.timeframe = tf ("2m");
  cfg.initial_capital = M (1000);
  sym.inst = &inst;
  sym.kind = QL_SOURCE_BARS;
  sym.bar_timeframe = tf ("2m");
  sym.source = ql_source_new_memory (b2, 0);
  if (magnify)
    {
      sym.magnifier_kind = QL_SOURCE_BARS;
      sym.magnifier_timeframe = tf ("1m");
      sym.magnifier = ql_source_new_memory (b1, 0);
    }
  bt = ql_backtest_new (&cfg, &sym, 1, NULL);
  g_assert_cmpint (ql_backtest_run (bt, &st), ==, QL_STATUS_OK);
  t = ql_backtest_get_trades (bt, &nt);
  g_assert_cmpuint (nt, ==, 1);
  /* the stop-loss leg on bars, the take-profit (a limit) when magnified */
  g_assert_cmpint (t[0].exit_reason, ==, magnify ? QL_EXIT_LIMIT : QL_EXIT_STOP);
  pnl = t[0].pnl;
  ql_instrument_clear (&inst);
  return pnl;
}

static void
test_magnifier (void)
{
  g_test_summary ("A bracket whose legs both lie in one bar: stop first on bars, resolved by "
                  "1m bars; the trade's exit reason names the leg");
  /* The entry fills at 100.00 (the open of the second 2m bar). The third
   * 2m bar (100, 102, 98, 100) reaches both 101.50 and 99.00: without finer
   * data the stop is assumed first: -1.00. The 1m bars show the path:
   * 100 -> 99.90 -> 102 (take profit at 101.50) before 98: +1.50. */
  g_assert_cmpfloat_with_epsilon (run_bracket (FALSE), -1.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (run_bracket (TRUE), 1.5, 1e-9);
}

/* ---- determinism ---------------------------------------------------------- */

static void
run_random (QlInstrument *inst, QlSeries **ticks, guint n, GByteArray *out)
{
  QlRunConfig cfg = { 0 };
  QlRunSymbol syms[3] = { { 0 } };
  g_autoptr (QlBuiltin) b = ql_builtin_new ("sma_cross", NULL);
  g_autoptr (QlBacktest) bt = NULL;
  gsize nt, ne;
  const QlTrade *t;
  const QlEquityPoint *e;

  ql_builtin_set_param (b, "fast", "3", NULL);
  ql_builtin_set_param (b, "slow", "8", NULL);
  cfg.timeframe = tf ("1m");
  cfg.initial_capital = M (1000000);
  cfg.broker.slippage.model = QL_SLIPPAGE_SQRT_IMPACT;
  cfg.broker.slippage.impact_k = 0.01;
  cfg.broker.commission.percent_ppm = 100;
  cfg.broker.volume_share_ppm = 500000;
  for (guint i = 0; i < n; i++)
    {
      syms[i].inst = &inst[i];
      syms[i].kind = QL_SOURCE_TICKS;
      syms[i].source = ql_source_new_memory (ticks[i], 100);
    }
  bt = ql_backtest_new (&cfg, syms, n, NULL);
  g_assert_cmpint (ql_backtest_run (bt, ql_builtin_get_strategy (b)), ==, QL_STATUS_OK);
  t = ql_backtest_get_trades (bt, &nt);
  e = ql_backtest_get_equity (bt, &ne);
  g_assert_cmpuint (nt, >, 10);
  g_byte_array_append (out, (const guint8 *) t, (guint) (nt * sizeof *t));
  g_byte_array_append (out, (const guint8 *) e, (guint) (ne * sizeof *e));
}

static void
test_determinism (void)
{
  QlInstrument inst[3];
  QlSeries *ticks[3];
  g_autoptr (GByteArray) r1 = g_byte_array_new ();
  g_autoptr (GByteArray) r2 = g_byte_array_new ();
  GRand *rand = g_rand_new_with_seed (42);

  g_test_summary ("Two runs on the same data and settings give byte-identical trades and equity");
  for (int s = 0; s < 3; s++)
    {
      QlPrice p = 10000;
      char name[8];
      g_snprintf (name, sizeof name, "R%d", s);
      inst_init (&inst[s], name);
      ticks[s] = ql_series_new_ticks ();
      for (int i = 0; i < 5000; i++)
        {
          QlTick k = { 0 };
          p += g_rand_int_range (rand, -5, 6);
          k.time = T0 + (gint64) i * 7 * QL_NS_PER_SEC + s; /* interleaved */
          k.price = p;
          k.size = g_rand_int_range (rand, 1, 20);
          k.flags = QL_TICK_FLAG_TRADE;
          ql_series_append_tick (ticks[s], &k);
        }
    }
  run_random (inst, ticks, 3, r1);
  run_random (inst, ticks, 3, r2);
  g_assert_cmpuint (r1->len, ==, r2->len);
  g_assert_cmpint (memcmp (r1->data, r2->data, r1->len), ==, 0);
  for (int s = 0; s < 3; s++)
    {
      ql_series_free (ticks[s]);
      ql_instrument_clear (&inst[s]);
    }
  g_rand_free (rand);
}

/* ---- coarser input bars of another symbol ------------------------------ */

typedef struct
{
  GString *log;
  int fills;
  QlTimeNs fill_time;
  QlPrice fill_price;
  QlTimeNs origin;           /* times are logged in units from it */
  QlTimeNs unit;
  QlTimeNs b_len;            /* B's input bars' length */
  const char *sub;           /* the timeframe A is also subscribed at */
} Coarse;

/* The last closed bar of B (symbol 1, the run's timeframe) in units from
 * the origin, or -1; checks that it has ended by now. */
static int
coarse_b_last (QlContext *ctx, const Coarse *c)
{
  const QlSeries *b = ql_context_get_bars (ctx, 1, 0);
  gint64 last = (gint64) b->len - 1;
  QlTimeNs open;

  if (ql_context_bar_is_forming (ctx, 1, 0))
    last--;
  if (last < 0)
    return -1;
  open = ql_series_i64 (b, QL_BAR_TIME)[last];
  g_assert_cmpint (open + c->b_len, <=, ql_context_get_time (ctx));
  return (int) ((open - c->origin) / c->unit);
}

static void
coarse_on_start (QlContext *ctx, gpointer data)
{
  const Coarse *c = data;

  if (c->sub != NULL)
    {
      QlTimeframe one = tf (c->sub);
      g_assert_cmpint (ql_context_subscribe (ctx, 0, &one), ==, 1);
    }
  /* stamped before every input: fills at B's first open */
  g_assert_cmpint (ql_context_market (ctx, 1, QL_SIDE_BUY, 1), ==, QL_REJECT_NONE);
}

static void
coarse_on_bar (QlContext *ctx, guint symbol, guint k, gpointer data)
{
  Coarse *c = data;
  const QlSeries *bars = ql_context_get_bars (ctx, symbol, k);
  int open = (int) ((ql_series_i64 (bars, QL_BAR_TIME)[bars->len - 1] - c->origin) / c->unit);

  if (symbol == 1)
    {
      g_string_append_printf (c->log, "b:%d ", open);
      return;
    }
  g_string_append_printf (c->log, "%s:%d B=%d ", k == 0 ? "A" : "a", open, coarse_b_last (ctx, c));
}

static void
coarse_on_tick (QlContext *ctx, guint symbol, const QlTick *tick, gpointer data)
{
  Coarse *c = data;

  g_string_append_printf (c->log, "t%d B=%d ", (int) ((tick->time - c->origin) / c->unit),
                          coarse_b_last (ctx, c));
}

static void
coarse_on_fill (QlContext *ctx, const QlOrder *order, const QlFill *fill, gpointer data)
{
  Coarse *c = data;

  c->fills++;
  c->fill_time = fill->time;
  c->fill_price = fill->price;
}

static void
test_coarse_other_symbol (void)
{
  QlInstrument a, b;
  g_autoptr (QlSeries) ba = ql_series_new_bars ();
  g_autoptr (QlSeries) bb = ql_series_new_bars ();
  QlRunConfig cfg = { 0 };
  QlRunSymbol syms[2] = { { 0 } };
  static const QlStrategyClass klass = {
    .on_start = coarse_on_start, .on_bar = coarse_on_bar, .on_order_fill = coarse_on_fill
  };
  Coarse c = { g_string_new (NULL), 0, 0, 0, T0, QL_NS_PER_MIN, 2 * QL_NS_PER_MIN, "1m" };
  QlStrategy st = { &klass, &c };
  g_autoptr (QlBacktest) bt = NULL;

  g_test_summary ("A bar of another symbol longer than the main symbol's input bars is seen "
                  "only from its end on, and is still matched from its open");
  /* A (index 0): 1m bars at T0 + 0..3 min, all 100; the run's bars are
   * 2m and A is also subscribed at 1m. B (index 1): 2m bars at T0
   * (50 55 45 52) and T0 + 2m (52 60 50 58).
   *   A's 1m bar 0 ends at 1m: B's bar 0 ends at 2m, not seen (B=-1);
   *   at 2m A's 2m bar 0 and 1m bar 1 end with B's bar 0: seen (B=0),
   *     then B's bar 0 is told;
   *   A's 1m bar 2 ends at 3m: B's bar 2 ends at 4m: B=0;
   *   at 4m (the input's end) A's 2m bar 2, 1m bar 3 and B's bar 2: B=2.
   * The market buy of B sent in on_start fills at B's bar 0 open: T0, 50.00. */
  inst_init (&a, "CRSA");
  inst_init (&b, "CRSB");
  for (int i = 0; i < 4; i++)
    add_bar (ba, T0 + i * QL_NS_PER_MIN, 100, 100, 100, 100);
  add_bar (bb, T0, 50, 55, 45, 52);
  add_bar (bb, T0 + 2 * QL_NS_PER_MIN, 52, 60, 50, 58);
  cfg.timeframe = tf ("2m");
  cfg.initial_capital = M (1000);
  bar_input (&syms[0], &a, "1m", ba);
  bar_input (&syms[1], &b, "2m", bb);
  bt = ql_backtest_new (&cfg, syms, 2, NULL);
  g_assert_cmpint (ql_backtest_run (bt, &st), ==, QL_STATUS_OK);
  g_assert_cmpstr (c.log->str, ==,
                   "a:0 B=-1 A:0 B=0 a:1 B=0 b:0 a:2 B=0 A:2 B=2 a:3 B=2 b:2 ");
  g_assert_cmpint (c.fills, ==, 1);
  g_assert_cmpint (c.fill_time, ==, T0);
  g_assert_cmpint (c.fill_price, ==, 5000);
  /* B's close 58.00 marks the position: 1000 + (58 - 50) = 1008.00 */
  g_assert_cmpint (ql_backtest_get_final_equity (bt), ==, M (1008));
  g_string_free (c.log, TRUE);
  ql_instrument_clear (&a);
  ql_instrument_clear (&b);
}

static void
test_coarse_other_symbol_weeks (void)
{
  QlInstrument a, b;
  g_autoptr (QlSeries) ba = ql_series_new_bars ();
  g_autoptr (QlSeries) bb = ql_series_new_bars ();
  QlRunConfig cfg = { 0 };
  QlRunSymbol syms[2] = { { 0 } };
  static const QlStrategyClass klass = {
    .on_start = coarse_on_start, .on_bar = coarse_on_bar, .on_order_fill = coarse_on_fill
  };
  /* Monday 2024-01-01 00:00 UTC, the start of an ISO week (a UTC 24 h
   * instrument: its trading days are the UTC dates) */
  const QlTimeNs w0 = T0 - QL_NS_PER_DAY;
  Coarse c = { g_string_new (NULL), 0, 0, 0, w0, QL_NS_PER_DAY, 7 * QL_NS_PER_DAY, "1d" };
  QlStrategy st = { &klass, &c };
  g_autoptr (QlBacktest) bt = NULL;

  g_test_summary ("A weekly bar of another symbol is seen by a daily bar only from the week's "
                  "end (the calendar week's bucket), and still fills from its Monday open");
  /* A (index 0): 1d bars Monday 01-01 to Monday 01-08 (days 0..7), all
   * 100; the run's bars are 1w, A is also subscribed at 1d. B (index 1):
   * 1w bars at day 0 (50 55 45 52) and day 7 (52 60 50 58).
   *   A's days 0..5 end on days 1..6, before B's week 0 ends (day 7): B=-1;
   *   Sunday, day 6, ends on day 7 with A's week 0 and B's week 0: seen by
   *     both (B=0), then B's week 0 is told;
   *   A's day 7 ends on day 8: B's week 7 ends on day 14: B=0;
   *   the input ends: A's week 7, which has only its Monday, closes at its
   *     end, day 14, as an event of that time; B's week 7, held to day 14,
   *     comes before any event at day 14: it is told first, and A's week
   *     sees it (B=7).
   * The market buy of B sent in on_start fills at the Monday open of B's
   * week 0: day 0, 50.00; B's last close 58.00 makes equity 1008.00. */
  inst_init (&a, "WKA");
  inst_init (&b, "WKB");
  for (int i = 0; i < 8; i++)
    add_bar (ba, w0 + i * QL_NS_PER_DAY, 100, 100, 100, 100);
  add_bar (bb, w0, 50, 55, 45, 52);
  add_bar (bb, w0 + 7 * QL_NS_PER_DAY, 52, 60, 50, 58);
  cfg.timeframe = tf ("1w");
  cfg.initial_capital = M (1000);
  bar_input (&syms[0], &a, "1d", ba);
  bar_input (&syms[1], &b, "1w", bb);
  bt = ql_backtest_new (&cfg, syms, 2, NULL);
  g_assert_cmpint (ql_backtest_run (bt, &st), ==, QL_STATUS_OK);
  g_assert_cmpstr (c.log->str, ==,
                   "a:0 B=-1 a:1 B=-1 a:2 B=-1 a:3 B=-1 a:4 B=-1 a:5 B=-1 "
                   "A:0 B=0 a:6 B=0 b:0 a:7 B=0 b:7 A:7 B=7 ");
  g_assert_cmpint (c.fills, ==, 1);
  g_assert_cmpint (c.fill_time, ==, w0);
  g_assert_cmpint (c.fill_price, ==, 5000);
  g_assert_cmpint (ql_backtest_get_final_equity (bt), ==, M (1008));
  g_string_free (c.log, TRUE);
  ql_instrument_clear (&a);
  ql_instrument_clear (&b);
}

static void
test_coarse_other_symbol_ticks (void)
{
  QlInstrument a, b;
  g_autoptr (QlSeries) ta = ql_series_new_ticks ();
  g_autoptr (QlSeries) bb = ql_series_new_bars ();
  QlRunConfig cfg = { 0 };
  QlRunSymbol syms[2] = { { 0 } };
  static const QlStrategyClass klass = {
    .on_start = coarse_on_start, .on_tick = coarse_on_tick, .on_bar = coarse_on_bar,
    .on_order_fill = coarse_on_fill
  };
  Coarse c = { g_string_new (NULL), 0, 0, 0, T0, QL_NS_PER_SEC, QL_NS_PER_MIN, NULL };
  QlStrategy st = { &klass, &c };
  g_autoptr (QlBacktest) bt = NULL;

  g_test_summary ("A bar of another symbol is seen by a symbol of ticks only from the bar's end");
  /* A (index 0): trades at 0, 30, 60 and 90 s; B (index 1): 1m bars at 0 s
   * (50 55 45 52) and 60 s (52 60 50 58); the run's bars are 1m. Logged
   * in seconds.
   *   A's ticks at 0 and 30 s come before B's bar 0 ends: B=-1;
   *   at 60 s B's bar 0 enters first and is told, then A's bar 0 closes
   *     (B=0), then A's tick at 60 s; the tick at 90 s: B=0 (B's bar 60
   *     ends at 120 s);
   *   the input ends: B's bar 60 enters at 120 s and is told, then A's
   *     bar 60 closes at 120 s (B=60).
   * The buy of B sent in on_start fills at B's first open: 0 s, 50.00. */
  inst_init (&a, "TKA");
  inst_init (&b, "TKB");
  for (int i = 0; i < 4; i++)
    add_trade (ta, T0 + i * 30 * QL_NS_PER_SEC, 10000);
  add_bar (bb, T0, 50, 55, 45, 52);
  add_bar (bb, T0 + QL_NS_PER_MIN, 52, 60, 50, 58);
  cfg.timeframe = tf ("1m");
  cfg.initial_capital = M (1000);
  syms[0].inst = &a;
  syms[0].kind = QL_SOURCE_TICKS;
  syms[0].source = ql_source_new_memory (ta, 0);
  bar_input (&syms[1], &b, "1m", bb);
  bt = ql_backtest_new (&cfg, syms, 2, NULL);
  g_assert_cmpint (ql_backtest_run (bt, &st), ==, QL_STATUS_OK);
  g_assert_cmpstr (c.log->str, ==,
                   "t0 B=-1 t30 B=-1 b:0 A:0 B=0 t60 B=0 t90 B=0 b:60 A:60 B=60 ");
  g_assert_cmpint (c.fills, ==, 1);
  g_assert_cmpint (c.fill_time, ==, T0);
  g_assert_cmpint (c.fill_price, ==, 5000);
  g_assert_cmpint (ql_backtest_get_final_equity (bt), ==, M (1008));
  g_string_free (c.log, TRUE);
  ql_instrument_clear (&a);
  ql_instrument_clear (&b);
}

static void
test_coarse_overlap_fails (void)
{
  QlInstrument a, b;
  g_autoptr (QlSeries) ba = ql_series_new_bars ();
  g_autoptr (QlSeries) bb = ql_series_new_bars ();
  QlRunConfig cfg = { 0 };
  QlRunSymbol syms[2] = { { 0 } };
  g_autoptr (QlBacktest) bt = NULL;

  g_test_summary ("A longer input bar that opens before the previous one ends stops the run "
                  "with QL_STATUS_OUT_OF_ORDER");
  /* B's 2m bars at 0 and 1 min: the second opens inside the first, which
   * is held until 2 min; A's 1m bars at 0..3 min. */
  inst_init (&a, "OVA");
  inst_init (&b, "OVB");
  for (int i = 0; i < 4; i++)
    add_bar (ba, T0 + i * QL_NS_PER_MIN, 100, 100, 100, 100);
  add_bar (bb, T0, 50, 55, 45, 52);
  add_bar (bb, T0 + QL_NS_PER_MIN, 52, 60, 50, 58);
  cfg.timeframe = tf ("2m");
  cfg.initial_capital = M (1000);
  bar_input (&syms[0], &a, "1m", ba);
  bar_input (&syms[1], &b, "2m", bb);
  bt = ql_backtest_new (&cfg, syms, 2, NULL);
  g_assert_cmpint (ql_backtest_run (bt, NULL), ==, QL_STATUS_OUT_OF_ORDER);
  ql_instrument_clear (&a);
  ql_instrument_clear (&b);
}

/* ---- what a fill callback reads of other symbols' bars ---------------- */

typedef struct
{
  int fills;
  QlTimeNs fill_time;
  QlPrice fill_price;
  gsize b_len;               /* rows of B's bars in on_order_fill */
  QlTimeNs b_last_time;      /* B's last row then, QL_TIME_NONE: none */
  double b_last_close;
  gboolean b_forming;
} Peek;

static void
peek_on_start (QlContext *ctx, gpointer data)
{
  QlOrderRequest req = { 0 };

  /* a buy stop of A (symbol 1) at 102.00 */
  req.symbol = 1;
  req.side = QL_SIDE_BUY;
  req.type = QL_ORDER_STOP;
  req.quantity = 1;
  req.stop_price = 10200;
  g_assert_cmpint (ql_context_submit (ctx, &req, NULL), ==, QL_REJECT_NONE);
}

static void
peek_on_fill (QlContext *ctx, const QlOrder *order, const QlFill *fill, gpointer data)
{
  Peek *p = data;
  const QlSeries *b = ql_context_get_bars (ctx, 0, 0);

  p->fills++;
  p->fill_time = fill->time;
  p->fill_price = fill->price;
  p->b_len = b->len;
  p->b_forming = ql_context_bar_is_forming (ctx, 0, 0);
  p->b_last_time = b->len > 0 ? ql_series_i64 (b, QL_BAR_TIME)[b->len - 1] : QL_TIME_NONE;
  p->b_last_close = b->len > 0 ? ql_series_f64 (b, QL_BAR_CLOSE)[b->len - 1] : 0;
}

static void
test_fill_reads_no_bar_of_its_instant (void)
{
  QlInstrument a, b;
  g_autoptr (QlSeries) ba = ql_series_new_bars ();
  g_autoptr (QlSeries) bb = ql_series_new_bars ();
  QlRunConfig cfg = { 0 };
  QlRunSymbol syms[2] = { { 0 } };
  static const QlStrategyClass klass = { .on_start = peek_on_start, .on_order_fill = peek_on_fill };
  Peek p = { 0 };
  QlStrategy st = { &klass, &p };
  g_autoptr (QlBacktest) bt = NULL;

  g_test_summary ("A fill at the open of a symbol's bar, heard while a symbol listed before it "
                  "has taken its bar of the same instant, does not show that bar to the "
                  "strategy: its close is a price of the bar's end");
  /* B (index 0) and A (index 1), both 1m bars, the run's bars 1m.
   *   B: bar 1 at T0 (50 55 45 52), bar 2 at T0 + 1m (52 60 50 58);
   *   A: bar 1 at T0 (100 101 99 100), bar 2 at T0 + 1m (103 104 102 103).
   * The buy stop of A at 102.00 is not reached by A's bar 1 (high 101);
   * A's bar 2 opens at 103.00, above it: it fills at that open, at
   * T0 + 1m, not inside the bar. At T0 + 1m B's bar 2 has been taken
   * (B comes first), but it ends at T0 + 2m: on_order_fill must see B's
   * bar 1 as its last, closed: opening at T0, close 52. */
  inst_init (&a, "PKA");
  inst_init (&b, "PKB");
  add_bar (bb, T0, 50, 55, 45, 52);
  add_bar (bb, T0 + QL_NS_PER_MIN, 52, 60, 50, 58);
  add_bar (ba, T0, 100, 101, 99, 100);
  add_bar (ba, T0 + QL_NS_PER_MIN, 103, 104, 102, 103);
  cfg.timeframe = tf ("1m");
  cfg.initial_capital = M (1000);
  bar_input (&syms[0], &b, "1m", bb);
  bar_input (&syms[1], &a, "1m", ba);
  bt = ql_backtest_new (&cfg, syms, 2, NULL);
  g_assert_cmpint (ql_backtest_run (bt, &st), ==, QL_STATUS_OK);
  g_assert_cmpint (p.fills, ==, 1);
  g_assert_cmpint (p.fill_time, ==, T0 + QL_NS_PER_MIN);
  g_assert_cmpint (p.fill_price, ==, 10300);
  g_assert_cmpuint (p.b_len, ==, 1);
  g_assert_false (p.b_forming);
  g_assert_cmpint (p.b_last_time, ==, T0);
  g_assert_cmpfloat (p.b_last_close, ==, 52);
  ql_instrument_clear (&a);
  ql_instrument_clear (&b);
}

/* on_bar of X (symbol 1) logs B's (symbol 0) last bar: its open in minutes
 * from T0, and whether it is forming. */
static void
gap_on_bar (QlContext *ctx, guint symbol, guint k, gpointer data)
{
  GString *log = data;
  const QlSeries *b = ql_context_get_bars (ctx, 0, 0);
  const QlSeries *x = ql_context_get_bars (ctx, 1, 0);

  if (symbol != 1)
    return;
  g_string_append_printf (log, "x:%d B=%d%s ",
                          (int) ((ql_series_i64 (x, QL_BAR_TIME)[x->len - 1] - T0) / QL_NS_PER_MIN),
                          (int) ((ql_series_i64 (b, QL_BAR_TIME)[b->len - 1] - T0) / QL_NS_PER_MIN),
                          ql_context_bar_is_forming (ctx, 0, 0) ? "f" : "");
}

static void
test_gap_close_sees_no_bar_of_its_instant (void)
{
  QlInstrument x, b;
  g_autoptr (QlSeries) bx = ql_series_new_bars ();
  g_autoptr (QlSeries) bb = ql_series_new_bars ();
  QlRunConfig cfg = { 0 };
  QlRunSymbol syms[2] = { { 0 } };
  static const QlStrategyClass klass = { .on_bar = gap_on_bar };
  g_autoptr (GString) log = g_string_new (NULL);
  QlStrategy st = { &klass, log };
  g_autoptr (QlBacktest) bt = NULL;

  g_test_summary ("A bar that closes at its end time because its last input bar is missing "
                  "does not see a bar of another symbol opening at that time");
  /* B (index 0) and X (index 1), 1m bars, the run's bars 2m. B has bars
   * at 0, 1 and 2 min; X at 0 and 2 min only (no 1 min).
   *   B's 1 min bar reaches the end of B's 2m bar of 0: it closes, told
   *     before the events of 2 min;
   *   X's 2m bar of 0 lacks its 1 min bar: it closes at its end, 2 min, an
   *     event after B's input of 2 min (B is listed first). B's bar of 2
   *     min ends at 3 min: X's close sees B's bar of 0, closed (B=0), not
   *     a forming bar of 2 min;
   *   the input ends: B's and X's 2m bars of 2 min close at 4 min; X's
   *     sees B's (B=2). */
  inst_init (&x, "GPX");
  inst_init (&b, "GPB");
  for (int i = 0; i < 3; i++)
    add_bar (bb, T0 + i * QL_NS_PER_MIN, 50, 55, 45, 52);
  add_bar (bx, T0, 100, 100, 100, 100);
  add_bar (bx, T0 + 2 * QL_NS_PER_MIN, 100, 100, 100, 100);
  cfg.timeframe = tf ("2m");
  cfg.initial_capital = M (1000);
  bar_input (&syms[0], &b, "1m", bb);
  bar_input (&syms[1], &x, "1m", bx);
  bt = ql_backtest_new (&cfg, syms, 2, NULL);
  g_assert_cmpint (ql_backtest_run (bt, &st), ==, QL_STATUS_OK);
  g_assert_cmpstr (log->str, ==, "x:0 B=0 x:2 B=2 ");
  ql_instrument_clear (&x);
  ql_instrument_clear (&b);
}

/* ---- the marks of a held bar ------------------------------------------- */

typedef struct
{
  GString *log;
  QlQty qty;                 /* of B bought in on_start */
  QlMoney clock_equity;      /* the observer's equity at A's input at 1m */
  int clocks_at_1m;
} HeldMark;

static void
held_mark_on_start (QlContext *ctx, gpointer data)
{
  const HeldMark *h = data;
  QlTimeframe one = tf ("1m");

  g_assert_cmpint (ql_context_subscribe (ctx, 0, &one), ==, 1);
  g_assert_cmpint (ql_context_market (ctx, 1, QL_SIDE_BUY, h->qty), ==, QL_REJECT_NONE);
}

/* A's 1m bars log the equity (in whole units), the margin calls so far and
 * B's live orders. */
static void
held_mark_on_bar (QlContext *ctx, guint symbol, guint k, gpointer data)
{
  HeldMark *h = data;
  const QlSeries *bars = ql_context_get_bars (ctx, symbol, k);
  guint live = 0;

  if (symbol != 0 || k != 1)
    return;
  ql_context_get_live_orders (ctx, 1, &live);
  g_string_append_printf (h->log, "a:%d E=%g calls=%d live=%u ",
                          (int) ((ql_series_i64 (bars, QL_BAR_TIME)[bars->len - 1] - T0)
                                 / QL_NS_PER_MIN),
                          ql_money_to_double (ql_context_get_equity (ctx)),
                          (int) ql_backtest_get_stats (ctx)->margin_calls, live);
}

static QlAccountAction
held_mark_on_clock (gpointer data, const QlAccountView *account)
{
  HeldMark *h = data;

  if (account->time == T0 + QL_NS_PER_MIN)
    {
      h->clocks_at_1m++;
      h->clock_equity = (QlMoney) (account->equity * (double) QL_MONEY_ONE);
    }
  return QL_ACCOUNT_CONTINUE;
}

/* A (index 0): 1m bars at T0 + 0..3 min, all 100; B (index 1): 2m bars at
 * @b0 (T0) and @b1 (T0 + 2m), held; the run's bars are 2m and A is also
 * subscribed at 1m. */
static QlBacktest *
held_mark_run (QlInstrument *a, QlInstrument *b, const double b0[4], const double b1[4],
               gboolean margin, HeldMark *h)
{
  g_autoptr (QlSeries) ba = ql_series_new_bars ();
  g_autoptr (QlSeries) bb = ql_series_new_bars ();
  QlRunConfig cfg = { 0 };
  QlRunSymbol syms[2] = { { 0 } };
  static const QlStrategyClass klass = { .on_start = held_mark_on_start,
                                         .on_bar = held_mark_on_bar };
  QlStrategy st = { &klass, h };
  QlBacktest *bt;

  for (int i = 0; i < 4; i++)
    add_bar (ba, T0 + i * QL_NS_PER_MIN, 100, 100, 100, 100);
  add_bar (bb, T0, b0[0], b0[1], b0[2], b0[3]);
  add_bar (bb, T0 + 2 * QL_NS_PER_MIN, b1[0], b1[1], b1[2], b1[3]);
  cfg.timeframe = tf ("2m");
  cfg.initial_capital = M (1000);
  cfg.observer.on_clock = held_mark_on_clock;
  cfg.observer.data = h;
  if (margin)
    {
      cfg.margin_call = QL_MARGIN_CALL_CLOSE_ALL;
      syms[1].initial_margin_ppm = 100000;
      syms[1].maintenance_margin_ppm = 50000;
    }
  bar_input (&syms[0], a, "1m", ba);
  bar_input (&syms[1], b, "2m", bb);
  bt = ql_backtest_new (&cfg, syms, 2, NULL);
  g_assert_nonnull (bt);
  /* the memory sources read the series during the run only */
  g_assert_cmpint (ql_backtest_run (bt, &st), ==, QL_STATUS_OK);
  return bt;
}

static void
test_held_bar_marked_at_end (void)
{
  QlInstrument a, b;
  static const double b0[4] = { 50, 55, 45, 52 }, b1[4] = { 52, 60, 50, 58 };
  HeldMark h = { g_string_new (NULL), 1, 0, 0 };
  g_autoptr (QlBacktest) bt = NULL;
  const QlEquityPoint *pts;
  gsize n;

  g_test_summary ("A held bar is marked at its open with its open only, and with its range "
                  "and close at its end: the equity seen inside it uses the open");
  /* B's bars: T0 (50 55 45 52), T0 + 2m (52 60 50 58). The market buy of
   * 1 B sent in on_start fills at B's first open: T0, 50.00.
   *   a:0 (A's 1m bar of T0, told at 1m): B is marked at its open 50:
   *     1000 + (50 - 50) = 1000, not 1002 from B's close 52; the
   *     observer's clock at A's input of 1m sees 1000 too;
   *   at 2m B's bar of T0 ends: marked at 52, 1002 (a:1);
   *   B's bar of 2m opens at 52: a:2 at 3m still 1002, not 1008;
   *   at 4m it ends: 58, 1008 (a:3).
   * Equity points, at the 2m closes (time: the bar's open): T0 1002,
   * T0 + 2m 1008. */
  inst_init (&a, "HMA");
  inst_init (&b, "HMB");
  bt = held_mark_run (&a, &b, b0, b1, FALSE, &h);
  g_assert_cmpstr (h.log->str, ==,
                   "a:0 E=1000 calls=0 live=0 a:1 E=1002 calls=0 live=0 "
                   "a:2 E=1002 calls=0 live=0 a:3 E=1008 calls=0 live=0 ");
  g_assert_cmpint (h.clocks_at_1m, ==, 1);
  g_assert_cmpint (h.clock_equity, ==, M (1000));
  pts = ql_backtest_get_equity (bt, &n);
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpint (pts[0].time, ==, T0);
  g_assert_cmpfloat (pts[0].equity, ==, 1002);
  g_assert_cmpint (pts[1].time, ==, T0 + 2 * QL_NS_PER_MIN);
  g_assert_cmpfloat (pts[1].equity, ==, 1008);
  g_assert_cmpint (ql_backtest_get_final_equity (bt), ==, M (1008));
  g_string_free (h.log, TRUE);
  ql_instrument_clear (&a);
  ql_instrument_clear (&b);
}

static void
test_held_bar_margin_call_at_end (void)
{
  QlInstrument a, b;
  static const double b0[4] = { 50, 50, 45, 45 }, b1[4] = { 46, 46, 46, 46 };
  HeldMark h = { g_string_new (NULL), 150, 0, 0 };
  g_autoptr (QlBacktest) bt = NULL;
  const QlTrade *t;
  gsize n;

  g_test_summary ("A margin call made by a held bar's close comes at the bar's end, not "
                  "at its open, and liquidates at the next open");
  /* 150 B bought at B's first open, T0, 50.00 (7500.00, initial margin
   * 10 %: 750.00 of the 1000.00); maintenance 5 %.
   *   at T0 B is marked at its open 50: equity 1000 >= 5 % of 7500 = 375,
   *     no call: a:0 (told at 1m) sees 1000, no call, no order on B;
   *   at 2m B's bar ends at 45 (its low): 1000 + 150 * (45 - 50) = 250 <
   *     5 % of 150 * 45 = 337.50: margin call, the sell of 150 stamped
   *     2m; a:1, told at 2m, sees it waiting: 250, one call, one order;
   *   B's bar of 2m opens at 46: the sell fills there,
   *     150 * (46 - 50) = -600.00: a:2 and a:3 see 400, flat.
   * (Marked at its open with its close, as before, B would have made the
   * call at T0, and a:0 would have seen 250 and the order.) */
  inst_init (&a, "HCA");
  inst_init (&b, "HCB");
  bt = held_mark_run (&a, &b, b0, b1, TRUE, &h);
  g_assert_cmpstr (h.log->str, ==,
                   "a:0 E=1000 calls=0 live=0 a:1 E=250 calls=1 live=1 "
                   "a:2 E=400 calls=1 live=0 a:3 E=400 calls=1 live=0 ");
  g_assert_cmpint (h.clock_equity, ==, M (1000));
  t = ql_backtest_get_trades (bt, &n);
  g_assert_cmpuint (n, ==, 1);
  g_assert_cmpint (t[0].exit_time, ==, T0 + 2 * QL_NS_PER_MIN);
  g_assert_cmpfloat (t[0].exit_price, ==, 46.0);
  g_assert_cmpint (t[0].exit_reason, ==, QL_EXIT_MARGIN_CALL);
  g_assert_cmpint (ql_backtest_get_final_equity (bt), ==, M (400));
  g_string_free (h.log, TRUE);
  ql_instrument_clear (&a);
  ql_instrument_clear (&b);
}

static void
test_builtin_errors (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (QlBuiltin) b = NULL;

  g_test_summary ("Unknown builtins and parameters and bad values are clear errors");
  g_assert_null (ql_builtin_new ("rsi_magic", &error));
  g_assert_error (error, QL_BUILTIN_ERROR, QL_BUILTIN_ERROR_UNKNOWN);
  g_clear_error (&error);
  b = ql_builtin_new ("sma_cross", &error);
  g_assert_false (ql_builtin_set_param (b, "fastest", "3", &error));
  g_assert_error (error, QL_BUILTIN_ERROR, QL_BUILTIN_ERROR_UNKNOWN);
  g_clear_error (&error);
  g_assert_false (ql_builtin_set_param (b, "fast", "3x", &error));
  g_assert_error (error, QL_BUILTIN_ERROR, QL_BUILTIN_ERROR_BAD_VALUE);
  g_clear_error (&error);
  g_assert_false (ql_builtin_set_param (b, "qty", "-1", &error));
  g_assert_error (error, QL_BUILTIN_ERROR, QL_BUILTIN_ERROR_BAD_VALUE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/backtest/sma-cross/bars-by-hand", test_sma_cross_bars);
  g_test_add_func ("/engine/backtest/sma-cross/bars-queued-path", test_sma_cross_bars_queued);
  g_test_add_func ("/engine/backtest/sma-cross/ticks-by-hand", test_sma_cross_ticks);
  g_test_add_func ("/engine/backtest/curve/stats-only-same-metrics", test_curve_stats_only);
  g_test_add_func ("/engine/backtest/events/order-across-symbols", test_event_order);
  g_test_add_func ("/engine/backtest/margin/call-liquidates", test_margin_call);
  g_test_add_func ("/engine/backtest/margin/call-none-records", test_margin_call_none);
  g_test_add_func ("/engine/backtest/margin/call-close-worst", test_margin_call_close_worst);
  g_test_add_func ("/engine/backtest/margin/bars-one-symbol", test_margin_call_bars_one_symbol);
  g_test_add_func ("/engine/backtest/margin/bars-no-look-ahead", test_margin_call_bars_no_look_ahead);
  g_test_add_func ("/engine/backtest/observer/reject-flatten-disable", test_observer);
  g_test_add_func ("/engine/backtest/reaction/inside-bar-other-symbol", test_reaction_inside_other_symbol);
  g_test_add_func ("/engine/backtest/reaction/inside-bar-same-symbol", test_reaction_inside_same_symbol);
  g_test_add_func ("/engine/backtest/reaction/at-open-keeps-open-time", test_reaction_at_open);
  g_test_add_func ("/engine/backtest/reaction/cancel-other-symbol-waits", test_reaction_cancel_other_symbol);
  g_test_add_func ("/engine/backtest/reaction/modify-other-symbol-waits", test_reaction_modify_other_symbol);
  g_test_add_func ("/engine/backtest/reaction/cancel-same-symbol-at-once", test_reaction_cancel_same_symbol);
  g_test_add_func ("/engine/backtest/magnifier/bracket-path", test_magnifier);
  g_test_add_func ("/engine/backtest/determinism/byte-identical", test_determinism);
  g_test_add_func ("/engine/backtest/events/coarser-input-seen-at-its-end", test_coarse_other_symbol);
  g_test_add_func ("/engine/backtest/events/coarser-input-weeks-seen-at-week-end",
                   test_coarse_other_symbol_weeks);
  g_test_add_func ("/engine/backtest/events/coarser-input-ticks-seen-at-bar-end",
                   test_coarse_other_symbol_ticks);
  g_test_add_func ("/engine/backtest/events/coarser-input-overlap-fails", test_coarse_overlap_fails);
  g_test_add_func ("/engine/backtest/events/fill-reads-no-bar-of-its-instant",
                   test_fill_reads_no_bar_of_its_instant);
  g_test_add_func ("/engine/backtest/events/gap-close-sees-no-bar-of-its-instant",
                   test_gap_close_sees_no_bar_of_its_instant);
  g_test_add_func ("/engine/backtest/events/held-bar-marked-at-its-end",
                   test_held_bar_marked_at_end);
  g_test_add_func ("/engine/backtest/margin/held-bar-call-at-its-end",
                   test_held_bar_margin_call_at_end);
  g_test_add_func ("/engine/builtins/errors", test_builtin_errors);
  return g_test_run ();
}
