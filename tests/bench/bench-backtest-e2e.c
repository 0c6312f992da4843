/* tests/bench/bench-backtest-e2e.c — the backtester as users run it (issue
 * #4, section 7): from the workspace on disk, as a whole quantlab-cli
 * process beside a hand-written C program doing the same work, a 100-run
 * parameter sweep, and the peak memory of a 10-symbol run.
 *
 * Prints `name: value unit` lines:
 *   backtest_1m_ticks_from_workspace   1,000,000 stored ticks, sma_cross (10, 30) on 1m bars,
 *                                      read through the store's cursor (target 60 ms)
 *   backtest_cli_1m_bars_csv           quantlab-cli backtest --data on a 1,000,000-row 1-minute
 *                                      CSV, bar mode, the whole process
 *   backtest_reference_c_1m_bars_csv   fgets + strtod and the same SMA cross in plain C;
 *                                      the CLI must stay within 1.2 x of it
 *   optimize_100_runs_1m_bars          quantlab-cli optimize, 10 x 10 grid over the same file
 *                                      on every core: the sweep as the CLI times it, data
 *                                      loaded (target 2 s); _process: the whole process
 *   backtest_10x1m_ticks_peak_rss      quantlab-cli backtest over 10 stored symbols of
 *                                      1,000,000 ticks each (target 200 MB)
 * Each checks its answer: the CLI's final equity equals the plain program's,
 * the stored run trades, the sweep prints 100 runs. Pass --quick to skip the
 * 10-symbol run. */
#include "data/feed.h"
#include "data/store.h"
#include "engine/builtins.h"

#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define FAST 10
#define SLOW 30

static char *tmpdir;
static int failures;

static double
now_ms (void)
{
  return g_get_monotonic_time () / 1000.0;
}

static void
check (gboolean ok, const char *what)
{
  if (!ok)
    {
      fprintf (stderr, "bench-backtest-e2e: wrong answer: %s\n", what);
      failures++;
    }
}

static guint64 rng = 0x2545F4914F6CDD1Du;

static guint64
next_rand (void)
{
  rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
  return rng;
}

/* ---- data --------------------------------------------------------------- */

static char *
write_bars_csv (gsize n)
{
  char *path = g_build_filename (tmpdir, "bars.csv", NULL);
  FILE *f = fopen (path, "w");
  gint64 price = 10000000; /* 100.00000 */

  setvbuf (f, NULL, _IOFBF, 1 << 20);
  fputs ("time,open,high,low,close,volume\n", f);
  for (gsize i = 0; i < n; i++)
    {
      gint64 o = price;
      gint64 c = MAX (100000, o + (gint64) (next_rand () % 2001) - 1000);
      gint64 h = MAX (o, c) + (gint64) (next_rand () % 500);
      gint64 l = MIN (o, c) - (gint64) (next_rand () % 500);
      price = c;
      fprintf (f, "%" G_GINT64_FORMAT ",%" G_GINT64_FORMAT ".%05d,%" G_GINT64_FORMAT ".%05d,%"
               G_GINT64_FORMAT ".%05d,%" G_GINT64_FORMAT ".%05d,%d\n",
               G_GINT64_CONSTANT (1700000040) + (gint64) i * 60, o / 100000, (int) (o % 100000),
               h / 100000, (int) (h % 100000), l / 100000, (int) (l % 100000), c / 100000,
               (int) (c % 100000), 1 + (int) (next_rand () % 5000));
    }
  fclose (f);
  return path;
}

/* Ticks one to 3,600 ms apart, prices in cents. */
static QlSeries *
make_ticks (gsize n, gint64 t0_ns)
{
  QlSeries *s = ql_series_new_ticks ();
  gint64 t = t0_ns, cents = 4200000;

  ql_series_reserve (s, n);
  for (gsize i = 0; i < n; i++)
    {
      QlTick tick = { 0 };
      t += (gint64) (1 + next_rand () % 3600) * QL_NS_PER_MS;
      cents += (gint64) (next_rand () % 21) - 10;
      tick.time = t;
      tick.price = cents;
      tick.size = 1 + (gint64) (next_rand () % 20);
      tick.flags = QL_TICK_FLAG_TRADE;
      ql_series_append_tick (s, &tick);
    }
  return s;
}

/* ---- the hand-written reference program --------------------------------- */

/* What a programmer would write by hand: fgets, strtod, an SMA cross on the
 * closes with running sums in double (the new close minus the leaving one
 * added to the sum, the mean the sum over the period: the operations of
 * engine/ta.h's SMA, which the builtin uses, so the two agree to the bit),
 * buy 1 at the next bar's open, sell at the next open, final equity marked
 * at the last close. Money is kept in integer units of 10^-5. */
typedef struct
{
  double ring[SLOW];
  int period, count, head;
  double sum;
} HandSma;

static double
hand_sma (HandSma *m, double x)
{
  if (m->count == m->period)
    {
      m->sum = m->sum + (x - m->ring[m->head]);
      m->ring[m->head] = x;
      m->head = m->head + 1 == m->period ? 0 : m->head + 1;
      return m->period == 1 ? x : m->sum / m->period;
    }
  m->sum = m->sum + x;
  m->ring[m->count++] = x;
  m->head = m->count == m->period ? 0 : m->count;
  return m->count == m->period ? m->sum / m->period : NAN;
}

static double
reference_program (const char *path, gsize *n_trades)
{
  FILE *f = fopen (path, "r");
  char line[256];
  HandSma fast = { .period = FAST }, slow = { .period = SLOW };
  gint64 cash = G_GINT64_CONSTANT (100000) * 100000, pos = 0;
  gint64 last_close = 0;
  int prev = 2; /* sign of fast - slow on the previous bar; 2: undefined */
  int pending = 0; /* +1 buy, -1 sell at the next open */

  *n_trades = 0;
  if (f == NULL || fgets (line, sizeof line, f) == NULL)
    return NAN;
  while (fgets (line, sizeof line, f) != NULL)
    {
      char *p = strchr (line, ',') + 1;
      gint64 open = llround (strtod (p, &p) * 1e5);
      strtod (p + 1, &p); /* high */
      strtod (p + 1, &p); /* low */
      gint64 close = llround (strtod (p + 1, &p) * 1e5);
      double fm, sm;
      int sign;

      if (pending > 0)
        cash -= open, pos = 1, pending = 0;
      else if (pending < 0)
        cash += open * pos, pos = 0, pending = 0, (*n_trades)++;
      fm = hand_sma (&fast, (double) close / 1e5);
      sm = hand_sma (&slow, (double) close / 1e5);
      last_close = close;
      if (isnan (fm) || isnan (sm))
        {
          prev = 2;
          continue;
        }
      sign = fm > sm ? 1 : fm < sm ? -1 : 0;
      if (prev != 2)
        {
          if (sign > 0 && prev <= 0 && pos == 0)
            pending = 1;
          else if (sign < 0 && prev >= 0 && pos > 0)
            pending = -1;
        }
      prev = sign;
    }
  fclose (f);
  return (double) (cash + pos * last_close) / 1e5;
}

/* ---- processes ---------------------------------------------------------- */

/* Runs @argv with stdout and stderr to files; returns wall ms. */
static double
run_process (char **argv, const char *out_path, const char *err_path, long *maxrss_kb)
{
  struct rusage ru;
  int status;
  double t0;
  pid_t pid;

  fflush (stdout);
  t0 = now_ms ();
  pid = fork ();
  if (pid == 0)
    {
      if (freopen (out_path, "w", stdout) == NULL || freopen (err_path, "w", stderr) == NULL)
        _exit (127);
      execv (argv[0], argv);
      _exit (127);
    }
  if (wait4 (pid, &status, 0, &ru) != pid || !WIFEXITED (status) || WEXITSTATUS (status) != 0)
    g_error ("%s %s failed; see %s", argv[0], argv[1], err_path);
  if (maxrss_kb != NULL)
    *maxrss_kb = ru.ru_maxrss;
  return now_ms () - t0;
}

static double
final_equity_from (const char *err_path)
{
  g_autofree char *text = NULL;
  const char *at;

  if (!g_file_get_contents (err_path, &text, NULL, NULL) ||
      (at = strstr (text, "final equity ")) == NULL)
    return NAN;
  return g_ascii_strtod (at + strlen ("final equity "), NULL);
}

/* ---- the benchmarks ----------------------------------------------------- */

static void
bench_from_workspace (void)
{
  g_autofree char *db = g_build_filename (tmpdir, "ticks.db", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (QlStore) store = ql_store_open (db, &error);
  g_autoptr (QlSeries) ticks = make_ticks (1000000, G_GINT64_CONSTANT (1704153600) * QL_NS_PER_SEC);
  QlInstrument inst;
  gint64 id;
  double best = G_MAXDOUBLE;
  gsize trades = 0;

  g_assert_no_error (error);
  ql_instrument_init (&inst, "BENCH", NULL);
  inst.price_scale = 2;
  g_assert_true (ql_store_put_instrument (store, &inst, &id, &error));
  g_assert_true (ql_store_write_ticks (store, id, ticks, 0, ticks->len,
                                       ql_series_i64 (ticks, QL_TICK_TIME)[0],
                                       ql_series_i64 (ticks, QL_TICK_TIME)[ticks->len - 1], &error));
  for (int rep = 0; rep < 5; rep++)
    {
      g_autoptr (QlFeed) feed = ql_feed_new_store (store, id, &inst, QL_STORE_KIND_TICKS,
                                                   G_MININT64, G_MAXINT64, &error);
      g_autoptr (QlBuiltin) b = ql_builtin_new ("sma_cross", &error);
      QlRunConfig config = { .timeframe = { QL_TF_SECONDS, 60 },
                             .initial_capital = 1000000000 * QL_MONEY_ONE };
      QlRunSymbol sym = { .inst = &inst, .kind = QL_SOURCE_TICKS, .source = ql_feed_get_source (feed) };
      ql_builtin_set_param (b, "fast", "10", NULL);
      ql_builtin_set_param (b, "slow", "30", NULL);
      double t0 = now_ms ();
      g_autoptr (QlBacktest) bt = ql_backtest_new (&config, &sym, 1, &error);
      g_assert_no_error (error);
      check (ql_backtest_run (bt, ql_builtin_get_strategy (b)) == QL_STATUS_OK, "stored run");
      best = MIN (best, now_ms () - t0);
      ql_backtest_get_trades (bt, &trades);
      check (ql_feed_get_rows (feed) == 1000000, "every stored tick read");
    }
  check (trades > 100, "the stored run trades");
  printf ("backtest_1m_ticks_from_workspace: %.1f ms (%zu trades)\n", best, trades);
  printf ("backtest_1m_ticks_from_workspace_target: 60 ms (%s)\n", best <= 60 ? "met" : "MISSED");
  ql_instrument_clear (&inst);
}

static void
bench_cli_and_sweep (void)
{
  g_autofree char *csv = write_bars_csv (1000000);
  g_autofree char *data = g_strconcat ("SYM=", csv, NULL);
  g_autofree char *out = g_build_filename (tmpdir, "out.txt", NULL);
  g_autofree char *err = g_build_filename (tmpdir, "err.txt", NULL);
  char *bt_argv[] = { (char *) QL_CLI_PATH, (char *) "backtest", (char *) "--builtin",
                      (char *) "sma_cross", (char *) "--param", (char *) "fast=10", (char *) "--param",
                      (char *) "slow=30", (char *) "--data", data, (char *) "--mode", (char *) "bar",
                      NULL };
  char *opt_argv[] = { (char *) QL_CLI_PATH, (char *) "optimize", (char *) "--builtin",
                       (char *) "sma_cross", (char *) "--param", (char *) "fast=5..50:5",
                       (char *) "--param", (char *) "slow=60..150:10", (char *) "--data", data,
                       (char *) "--mode", (char *) "bar", NULL };
  double best_cli = G_MAXDOUBLE, best_ref = G_MAXDOUBLE, ref_equity = NAN, sweep;
  gsize ref_trades = 0;

  for (int rep = 0; rep < 3; rep++)
    {
      double t0 = now_ms ();
      ref_equity = reference_program (csv, &ref_trades);
      best_ref = MIN (best_ref, now_ms () - t0);
      best_cli = MIN (best_cli, run_process (bt_argv, out, err, NULL));
    }
  double cli_equity = final_equity_from (err);
  check (ref_trades > 1000, "the reference trades");
  check (fabs (cli_equity - ref_equity) <= 0.01, "the CLI's final equity equals the plain program's");
  printf ("backtest_cli_1m_bars_csv: %.1f ms (final equity %.2f)\n", best_cli, cli_equity);
  printf ("backtest_reference_c_1m_bars_csv: %.1f ms (final equity %.2f, %zu trades)\n", best_ref,
          ref_equity, ref_trades);
  printf ("backtest_cli_vs_reference: %.2f x (target 1.2 x: %s)\n", best_cli / best_ref,
          best_cli <= 1.2 * best_ref ? "met" : "MISSED");

  sweep = run_process (opt_argv, out, err, NULL);
  {
    g_autofree char *text = NULL;
    gsize lines = 0, len = 0;
    g_file_get_contents (out, &text, &len, NULL);
    for (gsize i = 0; i < len; i++)
      lines += text[i] == '\n';
    check (lines == 101, "the sweep prints 100 runs");
  }
  {
    /* The sweep itself, data in memory, as the CLI times it ("N runs on
     * T threads in S s"); the process figure adds reading the 52 MB CSV. */
    g_autofree char *text = NULL;
    const char *at;
    double runs_ms = NAN;

    if (g_file_get_contents (err, &text, NULL, NULL) && (at = strstr (text, " threads in ")) != NULL)
      runs_ms = 1000 * g_ascii_strtod (at + strlen (" threads in "), NULL);
    check (runs_ms > 0 && runs_ms <= sweep, "the CLI reports the sweep's time");
    printf ("optimize_100_runs_1m_bars_process: %.0f ms\n", sweep);
    printf ("optimize_100_runs_1m_bars: %.0f ms (the sweep, data loaded; target 2000 ms: %s)\n", runs_ms,
            runs_ms <= 2000 ? "met" : "MISSED");
  }
  g_unlink (out);
  g_unlink (err);
  g_unlink (csv);
}

static void
bench_ten_symbols_rss (void)
{
  g_autofree char *db = g_build_filename (tmpdir, "ten.db", NULL);
  g_autofree char *out = g_build_filename (tmpdir, "out10.txt", NULL);
  g_autofree char *err = g_build_filename (tmpdir, "err10.txt", NULL);
  g_autoptr (GError) error = NULL;
  GPtrArray *argv = g_ptr_array_new_with_free_func (g_free);
  long rss_kb;
  double ms;

  {
    g_autoptr (QlStore) store = ql_store_open (db, &error);
    g_assert_no_error (error);
    g_assert_true (ql_store_begin (store, &error));
    for (int s = 0; s < 10; s++)
      {
        g_autoptr (QlSeries) ticks = make_ticks (1000000, (G_GINT64_CONSTANT (1704153600) + s) * QL_NS_PER_SEC);
        g_autofree char *name = g_strdup_printf ("SYM%d", s);
        QlInstrument inst;
        gint64 id;
        ql_instrument_init (&inst, name, NULL);
        inst.price_scale = 2;
        g_assert_true (ql_store_put_instrument (store, &inst, &id, &error));
        g_assert_true (ql_store_write_ticks (store, id, ticks, 0, ticks->len,
                                             ql_series_i64 (ticks, QL_TICK_TIME)[0],
                                             ql_series_i64 (ticks, QL_TICK_TIME)[ticks->len - 1],
                                             &error));
        ql_instrument_clear (&inst);
      }
    g_assert_true (ql_store_commit (store, &error));
  }
  g_ptr_array_add (argv, g_strdup (QL_CLI_PATH));
  g_ptr_array_add (argv, g_strdup ("backtest"));
  g_ptr_array_add (argv, g_strdup ("--builtin=sma_cross"));
  g_ptr_array_add (argv, g_strdup ("--mode=tick"));
  g_ptr_array_add (argv, g_strdup_printf ("--db=%s", db));
  for (int s = 0; s < 10; s++)
    g_ptr_array_add (argv, g_strdup_printf ("--symbol=SYM%d", s));
  g_ptr_array_add (argv, NULL);
  ms = run_process ((char **) argv->pdata, out, err, &rss_kb);
  check (!isnan (final_equity_from (err)), "the 10-symbol run reports");
  printf ("backtest_10x1m_ticks_from_workspace: %.0f ms\n", ms);
  printf ("backtest_10x1m_ticks_peak_rss: %.1f MB (target 200 MB: %s)\n", rss_kb / 1024.0,
          rss_kb / 1024.0 <= 200 ? "met" : "MISSED");
  g_ptr_array_unref (argv);
  g_unlink (out);
  g_unlink (err);
}

int
main (int argc, char **argv)
{
  gboolean quick = argc > 1 && strcmp (argv[1], "--quick") == 0;
  g_autoptr (GError) error = NULL;

  tmpdir = g_dir_make_tmp ("ql-bench-bt-XXXXXX", &error);
  g_assert_no_error (error);
  bench_from_workspace ();
  bench_cli_and_sweep ();
  if (!quick)
    bench_ten_symbols_rss ();
  {
    g_autoptr (GDir) dir = g_dir_open (tmpdir, 0, NULL);
    const char *name;
    while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *p = g_build_filename (tmpdir, name, NULL);
        g_unlink (p);
      }
    g_rmdir (tmpdir);
  }
  return failures == 0 ? 0 : 1;
}
