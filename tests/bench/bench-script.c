/* tests/bench/bench-script.c — QuantLab Script's speed (issue #5, section 10).
 *
 * Figures:
 *   script_sma_cross_backtest     sma_cross.qls (fast 10, slow 30, qty 1) on
 *                                 1,000,000 one-minute bars, bar mode, the
 *                                 whole backtest (best of 3)
 *   builtin_sma_cross_backtest    --builtin sma_cross on the same bars, beside it
 *   empty_strategy_backtest       a C strategy whose on_bar does nothing
 *   script_ratio                  script / builtin (target <= 2)
 *   script_ns_per_bar             (script run - empty run) / bars: also holds
 *                                 the engine's work on the script's 19,432
 *                                 trades (fills, bookings), which the empty
 *                                 strategy does not send: an upper bound
 *   script_ns_per_bar_timed       the on_bar callback timed call by call, the
 *                                 timer's own cost taken out (see timed_on_bar):
 *                                 the script's time, host->VM call and order
 *                                 submission included (target <= 30)
 *   script_empty_body_ns_per_bar  the same for a script with an almost empty
 *                                 body: the host->VM call alone
 *   compile_1000_lines            compile and check a generated 1,000-line
 *                                 script, median of 20 (target <= 10 ms)
 *   tick_20_indicators_p50/p99/p99_9
 *                                 a 20-indicator strategy, calc = "tick", on
 *                                 1,000,000 ticks (1m bars built from them):
 *                                 each on_tick call timed (target p99 <= 2 us)
 *   memory_*                      ql_script_instance_get_memory () (target
 *                                 <= 1 MiB plus the lookback rings)
 * Checks (exit 1): the script's trade count and final equity equal the
 * builtin's; the generated script compiles with no diagnostic and has 1,000
 * lines; in tick mode every bar's committed plot values equal a bar-mode
 * run's of the same script on the same ticks, bit for bit (rollback undoes
 * each forming run), on_tick ran once per tick and no run hit an error. */
#include "dsl/script.h"
#include "engine/backtest.h"
#include "engine/builtins.h"
#include "tests/bench/bench-walks.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define N_TICKS QL_BENCH_N_TICKS
#define N_BARS QL_BENCH_N_BARS
#define N_RUNS 3
#define N_COMPILES 20
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
      fprintf (stderr, "bench-script: wrong answer: %s\n", what);
      failures++;
    }
}

/* ---- scripts ------------------------------------------------------------ */

static const char sma_cross_src[] =
  "strategy(\"SMA cross\", overlay = true)\n"
  "fast = input.int(10, \"Fast\", min = 1)\n"
  "slow = input.int(30, \"Slow\", min = 1)\n"
  "qty = input.int(1, \"Quantity\", min = 1)\n"
  "f = ta.sma(close, fast)\n"
  "s = ta.sma(close, slow)\n"
  "if ta.crossover(f, s)\n"
  "    buy(\"long\", qty)\n"
  "if ta.crossunder(f, s)\n"
  "    exit(\"long\")\n";

/* The smallest strategy body: what calling into the VM costs per bar. */
static const char empty_body_src[] =
  "strategy(\"empty\")\n"
  "x = 0\n";

/* Twenty ta.* indicators (tuples count once), all at top level so that
 * their state advances on every run; a few plots of them; orders guarded so
 * that a forming bar's repeated signal sends one order. */
#define TICK20_HEADER(calc) "strategy(\"twenty\", calc = \"" calc "\")\n"
#define TICK20_BODY                                                          \
  "fast = input.int(10, \"Fast\", min = 1, max = 100)\n"                     \
  "slow = input.int(30, \"Slow\", min = 2, max = 300)\n"                     \
  "f = ta.sma(close, fast)\n"                                                \
  "s = ta.sma(close, slow)\n"                                                \
  "e = ta.ema(close, 20)\n"                                                  \
  "w = ta.wma(close, 14)\n"                                                  \
  "r = ta.rsi(close, 14)\n"                                                  \
  "a = ta.atr(high, low, close, 14)\n"                                       \
  "up, mid, lo = ta.bbands(close, 20, 2.0)\n"                                \
  "m, sig, h = ta.macd(close, 12, 26, 9)\n"                                  \
  "k, d = ta.stoch(high, low, close, 14, 3, 3)\n"                            \
  "c = ta.cci(high, low, close, 20)\n"                                       \
  "adx, pdi, mdi = ta.adx(high, low, close, 14)\n"                           \
  "hh = ta.highest(high, 20)\n"                                              \
  "ll = ta.lowest(low, 20)\n"                                                \
  "mo = ta.mom(close, 10)\n"                                                 \
  "ro = ta.roc(close, 10)\n"                                                 \
  "wr = ta.willr(high, low, close, 14)\n"                                    \
  "ob = ta.obv(close, volume)\n"                                             \
  "sd = ta.stddev(close, 20)\n"                                              \
  "cu = ta.crossover(f, s)\n"                                                \
  "cd = ta.crossunder(f, s)\n"                                               \
  "score = (r - 50) / 50 + (k - d) / 100 + (c / 200) + (wr + 50) / 50\n"     \
  "trend = adx > 20 and pdi > mdi\n"                                         \
  "plot(f, \"fast\")\n"                                                      \
  "plot(score, \"score\")\n"                                                 \
  "band(up, lo, \"bb\")\n"                                                   \
  "plot(h + sd + a + mo + ro + ob / 1000000 + (hh - ll) + e - w, \"mix\")\n" \
  "if cu and trend and position_size == 0 and open_orders == 0\n"            \
  "    buy(\"long\", 1)\n"                                                   \
  "if cd and position_size > 0 and open_orders == 0\n"                       \
  "    exit(\"long\")\n"

static const char tick20_src[] = TICK20_HEADER ("tick") TICK20_BODY;
static const char bar20_src[] = TICK20_HEADER ("bar") TICK20_BODY;

static QlProgram *
compile_or_die (const char *name, const char *src)
{
  g_autoptr (QlDiagList) diags = ql_diag_list_new (name, src, strlen (src));
  QlProgram *p = ql_program_compile (name, src, strlen (src), diags);

  if (p == NULL || diags->n_errors + diags->n_warnings > 0)
    {
      g_autofree char *text = ql_diag_list_to_text (diags, TRUE);
      fprintf (stderr, "bench-script: %s does not compile cleanly:\n%s\n", name, text);
      exit (1);
    }
  return p;
}

static QlScriptInstance *
instance_or_die (const QlProgram *p)
{
  g_autoptr (GError) error = NULL;
  QlScriptInstance *in = ql_script_instance_new (p, NULL, NULL, &error);

  if (in == NULL)
    {
      fprintf (stderr, "bench-script: instance: %s\n", error->message);
      exit (1);
    }
  return in;
}

static void
check_no_script_error (const QlScriptInstance *in, const char *what)
{
  const QlScriptError *e = ql_script_instance_get_error (in);

  if (e != NULL)
    {
      fprintf (stderr, "bench-script: %s: runtime error %s %s at %u:%u, bar %" G_GINT64_FORMAT "\n",
               what, e->code, e->message, e->span.line, e->span.col, e->bar_index);
      failures++;
    }
}

/* ---- runs ---------------------------------------------------------------- */

typedef struct
{
  QlMoney equity;
  gsize trades;
  gint64 ns;
} Result;

static QlBacktest *
new_backtest (const QlInstrument *inst, const QlSeries *data, QlSourceKind kind, gsize max_bars)
{
  QlRunConfig cfg = { 0 };
  QlRunSymbol sym;
  g_autoptr (GError) error = NULL;
  QlBacktest *bt;

  memset (&sym, 0, sizeof sym);
  g_assert (ql_timeframe_parse ("1m", &cfg.timeframe, NULL));
  cfg.initial_capital = CAPITAL;
  cfg.max_bars = max_bars;
  sym.inst = inst;
  sym.kind = kind;
  g_assert (ql_timeframe_parse ("1m", &sym.bar_timeframe, NULL));
  sym.source = ql_source_new_memory (data, 0);
  bt = ql_backtest_new (&cfg, &sym, 1, &error);
  g_assert_no_error (error);
  return bt;
}

/* As the CLI does (app/cli/market.c): a history window that covers the
 * script's bar lookback. */
static gsize
max_bars_for (const QlProgram *p)
{
  return ql_program_get_bar_lookback (p) + 1 > QL_BACKTEST_DEFAULT_MAX_BARS
           ? ql_program_get_bar_lookback (p) + 1 : 0;
}

static Result
run_strategy (const QlInstrument *inst, const QlSeries *data, QlSourceKind kind,
              gsize max_bars, const QlStrategy *strategy)
{
  g_autoptr (QlBacktest) bt = NULL;
  Result r;
  gint64 t0;

  t0 = now_ns ();
  bt = new_backtest (inst, data, kind, max_bars);
  if (ql_backtest_run (bt, strategy) != QL_STATUS_OK)
    failures++;
  r.ns = now_ns () - t0;
  r.equity = ql_backtest_get_final_equity (bt);
  ql_backtest_get_trades (bt, &r.trades);
  return r;
}

static Result
run_builtin (const QlInstrument *inst, const QlSeries *bars)
{
  g_autoptr (QlBuiltin) b = ql_builtin_new ("sma_cross", NULL);

  ql_builtin_set_param (b, "fast", "10", NULL);
  ql_builtin_set_param (b, "slow", "30", NULL);
  ql_builtin_set_param (b, "qty", "1", NULL);
  return run_strategy (inst, bars, QL_SOURCE_BARS, 0, ql_builtin_get_strategy (b));
}

static void
empty_on_bar (QlContext *ctx, guint symbol, guint tf, gpointer data)
{
}

static const QlStrategyClass empty_class = { .on_bar = empty_on_bar };

static Result
run_empty (const QlInstrument *inst, const QlSeries *bars)
{
  QlStrategy s = { &empty_class, NULL };
  return run_strategy (inst, bars, QL_SOURCE_BARS, 0, &s);
}

/* A fresh instance per run: the instance is created before the clock
 * starts (as the builtin is), its backtest inside. */
static Result
run_script (const QlProgram *p, const QlInstrument *inst, const QlSeries *data,
            QlSourceKind kind)
{
  g_autoptr (QlScriptInstance) in = instance_or_die (p);
  QlStrategy s = ql_script_instance_get_strategy (in, NULL, NULL);
  Result r = run_strategy (inst, data, kind, max_bars_for (p), &s);

  check_no_script_error (in, ql_program_get_title (p));
  return r;
}

/* Precise on_bar timing. The wrapper below stands in the backtester's
 * callback table for the real on_bar: it reads CLOCK_MONOTONIC (vDSO, no
 * system call), calls the real callback, reads it again and adds the
 * difference. What that adds to each call besides the callback's own work,
 * the two clock reads and one indirect call, is measured by the same
 * wrapper around a callback that does nothing (inner == empty_on_bar) over
 * the same bars, and taken out: (timed script sum - timed empty sum) / bars
 * is the script's own per-bar time, host->VM entry, the body, its ta.*
 * updates and its orders included, the backtester's work excluded. */
typedef struct
{
  QlStrategyClass klass;
  const QlStrategy *inner;
  gint64 sum_ns;
  guint64 calls;
} Timed;

static void
timed_on_start (QlContext *ctx, gpointer data)
{
  Timed *t = data;
  if (t->inner->klass->on_start)
    t->inner->klass->on_start (ctx, t->inner->data);
}

static void
timed_on_end (QlContext *ctx, gpointer data)
{
  Timed *t = data;
  if (t->inner->klass->on_end)
    t->inner->klass->on_end (ctx, t->inner->data);
}

static void
timed_on_fill (QlContext *ctx, const QlOrder *order, const QlFill *fill, gpointer data)
{
  Timed *t = data;
  if (t->inner->klass->on_order_fill)
    t->inner->klass->on_order_fill (ctx, order, fill, t->inner->data);
}

static void
timed_on_position (QlContext *ctx, guint symbol, const QlPosition *pos, gpointer data)
{
  Timed *t = data;
  if (t->inner->klass->on_position_change)
    t->inner->klass->on_position_change (ctx, symbol, pos, t->inner->data);
}

static void
timed_on_bar (QlContext *ctx, guint symbol, guint tf, gpointer data)
{
  Timed *t = data;
  struct timespec a, b;

  clock_gettime (CLOCK_MONOTONIC, &a);
  t->inner->klass->on_bar (ctx, symbol, tf, t->inner->data);
  clock_gettime (CLOCK_MONOTONIC, &b);
  t->sum_ns += (gint64) (b.tv_sec - a.tv_sec) * 1000000000 + (b.tv_nsec - a.tv_nsec);
  t->calls++;
}

static gint64
timed_bar_run (const QlInstrument *inst, const QlSeries *bars, const QlStrategy *inner,
               gsize max_bars, guint64 *calls)
{
  Timed t = { 0 };
  QlStrategy s = { &t.klass, &t };

  t.inner = inner;
  t.klass.on_start = timed_on_start;
  t.klass.on_end = timed_on_end;
  t.klass.on_bar = timed_on_bar;
  if (inner->klass->on_order_fill)
    t.klass.on_order_fill = timed_on_fill;
  if (inner->klass->on_position_change)
    t.klass.on_position_change = timed_on_position;
  run_strategy (inst, bars, QL_SOURCE_BARS, max_bars, &s);
  *calls = t.calls;
  return t.sum_ns;
}

/* Best of N_RUNS of the timed script run minus the timed empty run, per
 * bar. */
static double
timed_ns_per_bar (const QlProgram *p, const QlInstrument *inst, const QlSeries *bars)
{
  gint64 best_script = G_MAXINT64, best_empty = G_MAXINT64;
  guint64 calls = 0, empty_calls = 0;

  for (int k = 0; k < N_RUNS; k++)
    {
      g_autoptr (QlScriptInstance) in = instance_or_die (p);
      QlStrategy s = ql_script_instance_get_strategy (in, NULL, NULL);
      QlStrategy e = { &empty_class, NULL };

      best_script = MIN (best_script, timed_bar_run (inst, bars, &s, max_bars_for (p), &calls));
      best_empty = MIN (best_empty, timed_bar_run (inst, bars, &e, 0, &empty_calls));
      check_no_script_error (in, ql_program_get_title (p));
    }
  check (calls == empty_calls && calls == N_BARS, "on_bar did not run once per bar");
  return (double) (best_script - best_empty) / (double) calls;
}

/* ---- the 1,000-line script ------------------------------------------------ */

/* Blocks of 20 lines, each a different indicator, a user function with a
 * branch, a var counter, an if/else if chain, a for loop, a plot; fifty of
 * them make 1,000 lines. */
static char *
make_long_script (guint *n_lines)
{
  static const char *const ta[] = {
    "ta.sma(close, len_%u)", "ta.ema(close, len_%u)", "ta.wma(hlc3, len_%u)",
    "ta.rsi(close, len_%u)", "ta.atr(high, low, close, len_%u)", "ta.cci(high, low, close, len_%u)",
    "ta.highest(high, len_%u)", "ta.lowest(low, len_%u)", "ta.stddev(close, len_%u)",
    "ta.mom(close, len_%u)", "ta.roc(close, len_%u)", "ta.hma(close, len_%u)",
  };
  GString *s = g_string_new ("strategy(\"long script\", overlay = false)\n");
  guint lines = 1;

  for (guint b = 0; lines + 20 <= 1000; b++)
    {
      char expr[64];

      g_snprintf (expr, sizeof expr, ta[b % G_N_ELEMENTS (ta)], b);
      g_string_append_printf (s,
        "// block %u: %s against its own lag\n"
        "len_%u = input.int(%u, \"Length %u\", min = 2, max = 400)\n"
        "fn scale_%u(x: float, y: float) -> float\n"
        "    d = x - y\n"
        "    if d > 0\n"
        "        return d * %u.5\n"
        "    return d / 2\n"
        "ind_%u = %s\n"
        "lag_%u = ind_%u[%u] + close[1] - close\n"
        "sc_%u = scale_%u(ind_%u, nz(lag_%u, close))\n"
        "rising_%u = sc_%u > sc_%u[1]\n"
        "var cnt_%u = 0\n"
        "acc_%u = 0.0\n"
        "for i = 0 to %u\n"
        "    acc_%u += i * 0.5\n"
        "if sc_%u > 0 and not na(ind_%u)\n"
        "    cnt_%u += 1\n"
        "else if sc_%u < -%u and not rising_%u\n"
        "    cnt_%u := 0\n"
        "plot(sc_%u + acc_%u * 0.001 + math.max(cnt_%u, 0), \"sc %u\")\n",
        b, expr,
        b, 5 + b % 40, b,
        b,
        1 + b % 3,
        b, expr,
        b, b, 1 + b % 5,
        b, b, b, b,
        b, b, b,
        b,
        b,
        2 + b % 4,
        b,
        b, b,
        b,
        b, 1 + b % 7, b,
        b,
        b, b, b, b);
      lines += 20;
    }
  /* Fill up to exactly 1,000 lines with plain declarations. */
  for (guint k = 0; lines < 1000; k++, lines++)
    g_string_append_printf (s, "tail_%u = (close - open) * %u + hl2 / %u\n", k, k + 1, k + 2);
  *n_lines = 0;
  for (const char *c = s->str; *c; c++)
    *n_lines += *c == '\n';
  return g_string_free (s, FALSE);
}

static int
cmp_i64 (const void *a, const void *b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;
  return x < y ? -1 : x > y;
}

static double
compile_ms (void)
{
  guint n_lines;
  g_autofree char *src = make_long_script (&n_lines);
  gsize len = strlen (src);
  gint64 ns[N_COMPILES];
  guint warn = 0, err = 0;

  check (n_lines == 1000, "the generated script does not have 1,000 lines");
  for (int k = 0; k < N_COMPILES; k++)
    {
      QlDiagList *diags = ql_diag_list_new ("long.qls", src, len);
      QlProgram *p;
      gint64 t0 = now_ns ();

      p = ql_program_compile ("long.qls", src, len, diags);
      ns[k] = now_ns () - t0;
      if (p == NULL || diags->n_errors + diags->n_warnings > 0)
        {
          g_autofree char *text = ql_diag_list_to_text (diags, TRUE);
          if (k == 0)
            fprintf (stderr, "bench-script: long.qls:\n%s\n", text);
          err += diags->n_errors;
          warn += diags->n_warnings;
        }
      ql_program_free (p);
      ql_diag_list_free (diags);
    }
  check (err == 0 && warn == 0, "the generated 1,000-line script has diagnostics");
  qsort (ns, N_COMPILES, sizeof ns[0], cmp_i64);
  return (ns[N_COMPILES / 2 - 1] + ns[N_COMPILES / 2]) / 2.0 / 1e6;
}

/* ---- tick mode --------------------------------------------------------- */

/* Each bar's committed plot values, hashed (FNV-1a over the bits; every
 * NaN counts as one value), to compare the tick run with the bar run. */
typedef struct
{
  guint64 hash;
  guint64 rows;
  guint n_columns;
} RowHash;

static gboolean
hash_row (gint64 time, const double *values, gpointer data)
{
  RowHash *h = data;

  for (guint c = 0; c < h->n_columns + 1; c++)
    {
      guint64 bits;
      double v = c == 0 ? (double) time : values[c - 1];

      if (isnan (v))
        v = NAN;
      memcpy (&bits, &v, sizeof bits);
      for (int k = 0; k < 8; k++)
        {
          h->hash ^= (bits >> (8 * k)) & 0xff;
          h->hash *= G_GUINT64_CONSTANT (1099511628211);
        }
    }
  h->rows++;
  return TRUE;
}

typedef struct
{
  QlStrategyClass klass;
  const QlStrategy *inner;
  gint64 *ns;
  gsize n;
} TickTimed;

static void
tt_on_start (QlContext *ctx, gpointer data)
{
  TickTimed *t = data;
  t->inner->klass->on_start (ctx, t->inner->data);
}

static void
tt_on_end (QlContext *ctx, gpointer data)
{
  TickTimed *t = data;
  t->inner->klass->on_end (ctx, t->inner->data);
}

static void
tt_on_bar (QlContext *ctx, guint symbol, guint tf, gpointer data)
{
  TickTimed *t = data;
  t->inner->klass->on_bar (ctx, symbol, tf, t->inner->data);
}

/* One forming-bar run: rollback, the body on the forming bar. */
static void
tt_on_tick (QlContext *ctx, guint symbol, const QlTick *tick, gpointer data)
{
  TickTimed *t = data;
  struct timespec a, b;

  clock_gettime (CLOCK_MONOTONIC, &a);
  t->inner->klass->on_tick (ctx, symbol, tick, t->inner->data);
  clock_gettime (CLOCK_MONOTONIC, &b);
  if (t->n < N_TICKS)
    t->ns[t->n] = (gint64) (b.tv_sec - a.tv_sec) * 1000000000 + (b.tv_nsec - a.tv_nsec);
  t->n++;
}

static void
noop_on_tick (QlContext *ctx, guint symbol, const QlTick *tick, gpointer data)
{
}

static gint64
percentile (const gint64 *sorted, gsize n, double q)
{
  gsize i = (gsize) ceil (q * (double) n);
  return sorted[i == 0 ? 0 : i - 1];
}

int
main (void)
{
  QlInstrument inst;
  g_autoptr (QlSeries) bars = NULL;
  g_autoptr (QlSeries) ticks = NULL;
  g_autoptr (QlProgram) sma = NULL;
  g_autoptr (QlProgram) empty_body = NULL;
  g_autoptr (QlProgram) tick20 = NULL;
  g_autoptr (QlProgram) bar20 = NULL;
  Result builtin = { 0 }, script = { 0 }, empty = { 0 }, empty_script = { 0 };
  double timed, timed_empty_body, ms;
  gint64 *ns;
  gsize mem_sma, mem_20, rings_sma, rings_20;

  g_assert (ql_instrument_init (&inst, "S0", NULL));
  inst.price_scale = 2;
  bars = ql_bench_make_bars ();
  ticks = ql_bench_make_ticks ();
  sma = compile_or_die ("sma_cross.qls", sma_cross_src);
  empty_body = compile_or_die ("empty.qls", empty_body_src);
  tick20 = compile_or_die ("twenty.qls", tick20_src);
  bar20 = compile_or_die ("twenty-bar.qls", bar20_src);

  /* 1. sma_cross, bar mode. The three runs interleave so that a slow
   * moment of the machine does not favour one of them. */
  for (int k = 0; k < N_RUNS; k++)
    {
      Result b = run_builtin (&inst, bars);
      Result s = run_script (sma, &inst, bars, QL_SOURCE_BARS);
      Result e = run_empty (&inst, bars);
      Result es = run_script (empty_body, &inst, bars, QL_SOURCE_BARS);

      if (k == 0 || b.ns < builtin.ns)
        builtin = b;
      if (k == 0 || s.ns < script.ns)
        script = s;
      if (k == 0 || e.ns < empty.ns)
        empty = e;
      if (k == 0 || es.ns < empty_script.ns)
        empty_script = es;
    }
  timed = timed_ns_per_bar (sma, &inst, bars);
  timed_empty_body = timed_ns_per_bar (empty_body, &inst, bars);

  printf ("script_sma_cross_backtest: %.3f ms\n", script.ns / 1e6);
  printf ("builtin_sma_cross_backtest: %.3f ms\n", builtin.ns / 1e6);
  printf ("empty_strategy_backtest: %.3f ms\n", empty.ns / 1e6);
  printf ("script_ratio: %.3f x\n", (double) script.ns / builtin.ns);
  printf ("script_ns_per_bar: %.2f ns\n", (double) (script.ns - empty.ns) / N_BARS);
  printf ("script_ns_per_bar_timed: %.2f ns\n", timed);
  printf ("script_empty_body_ns_per_bar: %.2f ns\n", (double) (empty_script.ns - empty.ns) / N_BARS);
  printf ("script_empty_body_ns_per_bar_timed: %.2f ns\n", timed_empty_body);
  printf ("script_trades: %" G_GSIZE_FORMAT " trades\n", script.trades);
  printf ("builtin_trades: %" G_GSIZE_FORMAT " trades\n", builtin.trades);
  printf ("script_final_equity: %.6f money\n", (double) script.equity / QL_MONEY_ONE);
  printf ("builtin_final_equity: %.6f money\n", (double) builtin.equity / QL_MONEY_ONE);
  printf ("script_target_2x: %s\n", script.ns <= 2 * builtin.ns ? "met" : "missed");
  printf ("script_target_30ns: %s\n", timed <= 30.0 ? "met" : "missed");
  fflush (stdout);
  check (script.trades == builtin.trades, "sma_cross.qls trade count differs from --builtin sma_cross");
  check (script.equity == builtin.equity, "sma_cross.qls final equity differs from --builtin sma_cross");
  check (builtin.trades > 100, "too few trades to mean anything");

  /* 2. Compile and check 1,000 lines. */
  ms = compile_ms ();
  printf ("compile_1000_lines: %.3f ms\n", ms);
  printf ("compile_target_10ms: %s\n", ms <= 10.0 ? "met" : "missed");
  fflush (stdout);

  /* 3. Twenty indicators, tick mode. The bar-mode twin of the script on
   * the same ticks gives the committed values the tick run must end with
   * at every bar close. */
  {
    g_autoptr (QlScriptInstance) tin = instance_or_die (tick20);
    g_autoptr (QlScriptInstance) bin = instance_or_die (bar20);
    RowHash th = { G_GUINT64_CONSTANT (14695981039346656037), 0, ql_program_get_n_columns (tick20) };
    RowHash bh = { G_GUINT64_CONSTANT (14695981039346656037), 0, ql_program_get_n_columns (bar20) };
    QlStrategy ts = ql_script_instance_get_strategy (tin, hash_row, &th);
    QlStrategy bs = ql_script_instance_get_strategy (bin, hash_row, &bh);
    TickTimed t = { 0 }, cal = { 0 };
    QlStrategyClass noop_class = { .on_start = NULL };
    QlStrategy noop = { &noop_class, NULL };
    QlStrategy s = { &t.klass, &t }, c = { &cal.klass, &cal };
    Result tr, br;
    gint64 overhead;

    ns = g_new (gint64, N_TICKS);
    t.inner = &ts;
    t.ns = ns;
    t.klass.on_start = tt_on_start;
    t.klass.on_end = tt_on_end;
    t.klass.on_bar = tt_on_bar;
    t.klass.on_tick = tt_on_tick;
    check (ts.klass->on_tick != NULL, "a calc = \"tick\" strategy has no on_tick");
    tr = run_strategy (&inst, ticks, QL_SOURCE_TICKS, max_bars_for (tick20), &s);
    check_no_script_error (tin, "twenty, tick mode");
    br = run_strategy (&inst, ticks, QL_SOURCE_TICKS, max_bars_for (bar20), &bs);
    check_no_script_error (bin, "twenty, bar mode");
    check (t.n == N_TICKS, "on_tick did not run once per tick");
    check (th.rows == bh.rows && th.rows > 1000, "tick and bar runs closed different numbers of bars");
    check (th.hash == bh.hash, "tick-mode committed plot values differ from bar mode (rollback)");
    qsort (ns, MIN (t.n, (gsize) N_TICKS), sizeof ns[0], cmp_i64);
    printf ("tick_20_indicators_backtest: %.3f ms\n", tr.ns / 1e6);
    printf ("tick_20_indicators_bar_mode_backtest: %.3f ms\n", br.ns / 1e6);
    printf ("tick_20_indicators_p50: %" G_GINT64_FORMAT " ns\n", percentile (ns, t.n, 0.50));
    printf ("tick_20_indicators_p99: %" G_GINT64_FORMAT " ns\n", percentile (ns, t.n, 0.99));
    printf ("tick_20_indicators_p99_9: %" G_GINT64_FORMAT " ns\n", percentile (ns, t.n, 0.999));
    printf ("tick_20_indicators_max: %" G_GINT64_FORMAT " ns\n", ns[t.n - 1]);

    /* What the two clock reads around a call cost by themselves, for
     * reading the figures above (not taken out of them). */
    noop_class.on_tick = noop_on_tick;
    cal.inner = &noop;
    cal.ns = ns;
    cal.klass.on_tick = tt_on_tick;
    run_strategy (&inst, ticks, QL_SOURCE_TICKS, 0, &c);
    qsort (ns, MIN (cal.n, (gsize) N_TICKS), sizeof ns[0], cmp_i64);
    overhead = percentile (ns, cal.n, 0.50);
    printf ("tick_timer_overhead_p50: %" G_GINT64_FORMAT " ns\n", overhead);
    printf ("tick_20_indicators_trades: %" G_GSIZE_FORMAT " trades\n", tr.trades);
    printf ("tick_20_indicators_bars: %" G_GUINT64_FORMAT " bars\n", th.rows);
    g_free (ns);
    ns = NULL;

    /* 4. Memory per instance. */
    mem_20 = ql_script_instance_get_memory (tin);
  }
  {
    g_autoptr (QlScriptInstance) in = instance_or_die (sma);
    mem_sma = ql_script_instance_get_memory (in);
  }
  /* Ring bytes as the checker sized them ("N bytes of rings" in the
   * explanation). */
  {
    const char *x = strstr (ql_program_explain (sma), "bytes of ta.* state, ");
    rings_sma = x ? strtoull (x + strlen ("bytes of ta.* state, "), NULL, 10) : 0;
    x = strstr (ql_program_explain (tick20), "bytes of ta.* state, ");
    rings_20 = x ? strtoull (x + strlen ("bytes of ta.* state, "), NULL, 10) : 0;
    check (strstr (ql_program_explain (sma), "bytes of rings") != NULL, "explain lost its ring bytes");
  }
  printf ("memory_sma_cross: %" G_GSIZE_FORMAT " bytes\n", mem_sma);
  printf ("memory_sma_cross_rings: %" G_GSIZE_FORMAT " bytes\n", rings_sma);
  printf ("memory_20_indicators: %" G_GSIZE_FORMAT " bytes\n", mem_20);
  printf ("memory_20_indicators_rings: %" G_GSIZE_FORMAT " bytes\n", rings_20);
  printf ("memory_target_1MiB: %s\n",
          mem_sma <= rings_sma + 1048576 && mem_20 <= rings_20 + 1048576 ? "met" : "missed");

  ql_instrument_clear (&inst);
  return failures == 0 ? 0 : 1;
}
