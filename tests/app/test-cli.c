/* tests/app/test-cli.c — quantlab-cli driven as a user drives it: exit codes,
 * messages, and the CSV it prints. */
#include "engine/types.h"

#include <glib/gstdio.h>
#include <string.h>

static char *tmpdir;

typedef struct
{
  int status;
  char *out;
  char *err;
} Run;

static void
run_clear (Run *r)
{
  g_free (r->out);
  g_free (r->err);
}

/* Runs quantlab-cli with the NULL-terminated arguments. */
static Run
cli (const char *first, ...)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  va_list ap;
  Run r = { 0 };
  int wait_status;

  g_ptr_array_add (argv, (char *) QL_CLI_PATH);
  va_start (ap, first);
  for (const char *a = first; a != NULL; a = va_arg (ap, const char *))
    g_ptr_array_add (argv, (char *) a);
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  g_assert_true (g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                               &r.out, &r.err, &wait_status, &error));
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (wait_status));
  r.status = WEXITSTATUS (wait_status);
  return r;
}

static char *
path_in_tmp (const char *name)
{
  return g_build_filename (tmpdir, name, NULL);
}

static char *
write_tmp (const char *name, const char *text)
{
  char *p = path_in_tmp (name);
  g_assert_true (g_file_set_contents (p, text, -1, NULL));
  return p;
}

static void
test_help_and_version (void)
{
  Run r;

  g_test_summary ("--help and --version answer on stdout with status 0; no command is usage");
  r = cli ("--version", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_true (g_str_has_prefix (r.out, "quantlab-cli "));
  run_clear (&r);
  r = cli ("--help", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "indicators"));
  g_assert_nonnull (strstr (r.out, "import"));
  run_clear (&r);
  const char *cmds[] = { "import", "bars", "indicators", "instruments", "demo", "backtest", "optimize" };
  for (gsize i = 0; i < G_N_ELEMENTS (cmds); i++)
    {
      r = cli (cmds[i], "--help", NULL);
      g_assert_cmpint (r.status, ==, 0);
      g_assert_nonnull (strstr (r.out, cmds[i]));
      g_assert_nonnull (strstr (r.out, "--"));
      run_clear (&r);
    }
  r = cli (NULL, NULL);
  g_assert_cmpint (r.status, ==, 2);
  run_clear (&r);
  r = cli ("frobnicate", NULL);
  g_assert_cmpint (r.status, ==, 2);
  g_assert_nonnull (strstr (r.err, "unknown command \"frobnicate\""));
  run_clear (&r);
  r = cli ("bars", "--no-such-flag", NULL);
  g_assert_cmpint (r.status, ==, 2);
  run_clear (&r);
}

static void
test_import_bars_indicators (void)
{
  g_autofree char *db = path_in_tmp ("ws.db");
  /* Twelve 1m bars of ticks: one trade per 20 s, prices 100 + i. */
  GString *csv = g_string_new ("time,price,qty\n");
  for (int i = 0; i < 36; i++)
    g_string_append_printf (csv, "2024-03-04T09:%02d:%02dZ,%d.5,%d\n", i / 3, (i % 3) * 20, 100 + i, 1 + i % 2);
  g_autofree char *file = write_tmp ("t.csv", csv->str);
  g_string_free (csv, TRUE);
  Run r;

  g_test_summary ("import, then bars aggregated from the ticks, then indicators over them");
  r = cli ("import", file, "--symbol", "btc-usdt", "--db", db, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.err, "36 ticks of BTCUSDT stored"));
  run_clear (&r);

  r = cli ("bars", "--symbol", "BTCUSDT", "--timeframe", "5m", "--db", db, NULL);
  g_assert_cmpint (r.status, ==, 0);
  /* 09:00-09:05 holds ticks 0..14: open 100.5, high 114.5, low 100.5, close
   * 114.5; sizes alternate 1,2 starting at 1: 8*1 + 7*2 = 22; 15 trades. */
  g_assert_true (g_str_has_prefix (r.out,
                                   "time,open,high,low,close,volume,trades\n"
                                   "2024-03-04T09:00:00Z,100.5,114.5,100.5,114.5,22,15\n"
                                   "2024-03-04T09:05:00Z,115.5,129.5,115.5,129.5,23,15\n"
                                   "2024-03-04T09:10:00Z,130.5,135.5,130.5,135.5,9,6\n"));
  run_clear (&r);

  /* sma(2) of 5m closes: NA, (114.5 + 129.5) / 2 = 122, (129.5 + 135.5) / 2 = 132.5 */
  r = cli ("indicators", "--symbol", "BTCUSDT", "--timeframe", "5m", "--ind", "sma(2)",
           "--ind", "mom(1)", "--db", db, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_cmpstr (r.out, ==,
                   "time,sma(2),mom(1)\n"
                   "2024-03-04T09:00:00Z,,\n"
                   "2024-03-04T09:05:00Z,122,15\n"
                   "2024-03-04T09:10:00Z,132.5,6\n");
  run_clear (&r);

  r = cli ("instruments", "--db", db, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "BTCUSDT,,UTC,1,ticks,36,2024-03-04T09:00:00Z,2024-03-04T09:11:40Z"));
  run_clear (&r);
}

static void
test_errors (void)
{
  g_autofree char *db = path_in_tmp ("err.db");
  g_autofree char *bad = write_tmp ("bad.csv",
                                    "time,open,high,low,close\n"
                                    "2024-01-02,1,2,0.5,1\n"
                                    "2024-01-03,1,2,0.5,1x\n");
  g_autofree char *daily = write_tmp ("daily.csv",
                                      "Date,Open,High,Low,Close,Volume\n"
                                      "2024-01-02,1,2,0.5,1.5,100\n"
                                      "2024-01-03,1.5,2.5,1,2,100\n");
  Run r;

  g_test_summary ("User errors exit 1 with one line naming the file and line; usage errors exit 2");
  r = cli ("import", bad, "--symbol", "X", "--db", db, NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "bad.csv:3:"));
  g_assert_nonnull (strstr (r.err, "\"1x\""));
  g_assert_cmpint (strchr (r.err, '\n') - r.err + 1, ==, strlen (r.err));
  run_clear (&r);

  r = cli ("import", daily, "--db", db, NULL);
  g_assert_cmpint (r.status, ==, 2);
  g_assert_nonnull (strstr (r.err, "--symbol"));
  run_clear (&r);

  r = cli ("indicators", "--data", daily, "--ind", "nosuch(3)", NULL);
  g_assert_cmpint (r.status, ==, 2);
  g_assert_nonnull (strstr (r.err, "nosuch"));
  run_clear (&r);

  r = cli ("indicators", "--data", daily, "--ind", "macd(12,x)", NULL);
  g_assert_cmpint (r.status, ==, 2);
  g_assert_nonnull (strstr (r.err, "slow"));
  run_clear (&r);

  r = cli ("bars", "--symbol", "X", "--timeframe", "7x", "--db", db, NULL);
  g_assert_cmpint (r.status, ==, 2);
  g_assert_nonnull (strstr (r.err, "1M (month)"));
  run_clear (&r);

  r = cli ("bars", "--symbol", "NOPE", "--timeframe", "1d", "--db", db, NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "NOPE"));
  run_clear (&r);

  r = cli ("bars", "--symbol", "X", "--timeframe", "1d", "--from", "yesterday", "--db", db, NULL);
  g_assert_cmpint (r.status, ==, 2);
  g_assert_nonnull (strstr (r.err, "ISO 8601"));
  run_clear (&r);
}

static void
test_indicators_on_file (void)
{
  g_autofree char *daily = write_tmp ("d2.csv",
                                      "Date,Open,High,Low,Close,Volume\n"
                                      "2024-01-02,1,2,0.5,1.5,100\n"
                                      "2024-01-03,1.5,2.5,1,2,100\n"
                                      "2024-01-04,2,3,1.5,2.5,100\n"
                                      "2024-01-05,2.5,3,2,2.75,100\n");
  Run r;

  g_test_summary ("indicators reads a CSV file directly, and --from/--to limit the rows printed");
  /* ema(2): k = 2/3, seed sma(1.5, 2) = 1.75 at 01-03; then
   * 2.5*2/3 + 1.75/3 = 2.25; 2.75*2/3 + 2.25/3 = 2.5833333333333335 (double). */
  r = cli ("indicators", "--data", daily, "--ind", "ema(2)", "--ind", "bbands(2,1)",
           "--from", "2024-01-04", "--to", "2024-01-05", NULL);
  g_assert_cmpint (r.status, ==, 0);
  /* bbands(2,1) on 01-04: mean (2+2.5)/2 = 2.25, population sd 0.25. */
  g_assert_cmpstr (r.out, ==,
                   "time,ema(2),bbands(2,1).upper,bbands(2,1).middle,bbands(2,1).lower\n"
                   "2024-01-04T00:00:00Z,2.25,2.5,2.25,2\n");
  run_clear (&r);
}

/* Closes 10 9 8 9 11 12 10 8 7. With fast = 2, slow = 3 (SMAs of closes):
 *   bar 3 (01-04): F = (8 + 9) / 2 = 8.5,  S = (9 + 8 + 9) / 3 = 8.67: F < S
 *   bar 4 (01-05): F = (9 + 11) / 2 = 10,  S = (8 + 9 + 11) / 3 = 9.33: F > S, crossed
 *     above: buy 1 at the next bar's open, 01-06 at 11.5
 *   bar 6 (01-07): F = (12 + 10) / 2 = 11, S = (11 + 12 + 10) / 3 = 11: equal, no cross
 *   bar 7 (01-08): F = (10 + 8) / 2 = 9,   S = (12 + 10 + 8) / 3 = 10: F < S after F >= S:
 *     sell at the next open, 01-09 at 7.5. P&L 7.5 - 11.5 = -4; equity 99,996. */
static const char cross_csv[] =
  "Date,Open,High,Low,Close,Volume\n"
  "2024-01-01,10,10,10,10,100\n"
  "2024-01-02,10,10,9,9,100\n"
  "2024-01-03,9,9,8,8,100\n"
  "2024-01-04,8,9,8,9,100\n"
  "2024-01-05,9,11,9,11,100\n"
  "2024-01-06,11.5,12,11.5,12,100\n"
  "2024-01-07,12,12,10,10,100\n"
  "2024-01-08,10,10,8,8,100\n"
  "2024-01-09,7.5,7.5,7,7,100\n";

static void
test_backtest_sma_cross (void)
{
  g_autofree char *data = write_tmp ("cross.csv", cross_csv);
  g_autofree char *arg = g_strconcat ("ACME=", data, NULL);
  g_autofree char *trades = path_in_tmp ("trades.csv");
  g_autofree char *equity = path_in_tmp ("equity.csv");
  g_autofree char *report1 = path_in_tmp ("r1.json");
  g_autofree char *report2 = path_in_tmp ("r2.json");
  g_autofree char *text = NULL, *text2 = NULL;
  Run r;

  g_test_summary ("backtest runs sma_cross on a CSV file: the trade worked out by hand, "
                  "its files, and a byte-identical report on a second run");
  r = cli ("backtest", "--builtin", "sma_cross", "--param", "fast=2", "--param", "slow=3",
           "--param", "qty=1", "--data", arg, "--mode", "bar", "--trades", trades,
           "--equity", equity, "--report", report1, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.err, "1 trades"));
  g_assert_nonnull (strstr (r.err, "final equity 99996.00"));
  run_clear (&r);
  g_assert_true (g_file_get_contents (trades, &text, NULL, NULL));
  g_assert_true (g_str_has_prefix (text, "symbol,side,quantity,entry_time,entry_price,exit_time,"
                                         "exit_price,pnl,commission,mae,mfe,bars_held,exit_reason\n"));
  g_assert_nonnull (strstr (text, "\nACME,long,1,2024-01-06T00:00:00Z,11.5,"
                                  "2024-01-09T00:00:00Z,7.5,-4,0,"));
  /* sma_cross leaves at market: the one trade ends with its reason */
  g_assert_true (g_str_has_suffix (text, ",signal\n"));
  g_clear_pointer (&text, g_free);
  g_assert_true (g_file_get_contents (equity, &text, NULL, NULL));
  g_assert_true (g_str_has_prefix (text, "time,balance,equity\n"));
  g_clear_pointer (&text, g_free);

  r = cli ("backtest", "--builtin", "sma_cross", "--param", "fast=2", "--param", "slow=3",
           "--param", "qty=1", "--data", arg, "--mode", "bar", "--report", report2, "--quiet", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_cmpstr (r.err, ==, "");
  run_clear (&r);
  g_assert_true (g_file_get_contents (report1, &text, NULL, NULL));
  g_assert_true (g_file_get_contents (report2, &text2, NULL, NULL));
  g_assert_cmpstr (text, ==, text2);
  g_assert_nonnull (strstr (text, "\"schema\": \"quantlab.backtest-report\""));
}

static void
test_script_time_limit (void)
{
  g_autofree char *data = write_tmp ("cross3.csv", cross_csv);
  g_autofree char *arg = g_strconcat ("ACME=", data, NULL);
  /* About 10^5 loop steps a bar: far beyond a millisecond in any build, and
   * under the per-event instruction limit, so only the deadline stops it. */
  g_autofree char *script = write_tmp ("slow.qls",
                                       "indicator(\"slow\")\n"
                                       "k = 0\n"
                                       "while k < 100000\n"
                                       "    k += 1\n"
                                       "plot(k, \"k\")\n");
  Run r;

  g_test_summary ("--time-limit stops a slow script with R0004 and exit 1; a bad value is refused");
  r = cli ("run", script, "--data", arg, "--time-limit", "0.001", NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "error[R0004]: deadline passed"));
  g_assert_nonnull (strstr (r.err, "slow.qls:3:1"));
  run_clear (&r);
  r = cli ("run", script, "--data", arg, "--time-limit", "-2", NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "--time-limit takes a number of seconds > 0, got -2"));
  run_clear (&r);
}

static void
test_backtest_errors (void)
{
  g_autofree char *data = write_tmp ("cross2.csv", cross_csv);
  g_autofree char *arg = g_strconcat ("ACME=", data, NULL);
  g_autofree char *rules = write_tmp ("rules.json", "{ \"rules\": [ { \"rule\": \"no_such_rule\" } ] }\n");
  Run r;

  g_test_summary ("Bad backtest settings give one clear line and exit 1");
  r = cli ("backtest", "--builtin", "nope", "--data", arg, NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "nope"));
  g_assert_cmpint (strchr (r.err, '\n') - r.err + 1, ==, strlen (r.err));
  run_clear (&r);
  r = cli ("backtest", "--builtin", "sma_cross", "--param", "fast", "--data", arg, NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "KEY=VALUE"));
  run_clear (&r);
  r = cli ("backtest", "--builtin", "sma_cross", "--param", "fast=x", "--data", arg, NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "fast"));
  run_clear (&r);
  r = cli ("backtest", "--builtin", "sma_cross", NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "--data"));
  run_clear (&r);
  r = cli ("backtest", "--builtin", "sma_cross", "--data", "ACME=/nonexistent.csv", NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "/nonexistent.csv"));
  run_clear (&r);
  r = cli ("backtest", "--builtin", "sma_cross", "--data", arg, "--rules", rules, NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "no_such_rule"));
  g_assert_nonnull (strstr (r.err, "rules.json:1:"));
  run_clear (&r);
  /* #P1: 0.00004 % is 0.4 ppm, which rounded to 0 ppm, no cap at all. */
  r = cli ("backtest", "--builtin", "sma_cross", "--data", arg, "--volume-share", "0.00004", NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "--volume-share 0.00004: the share is counted in steps of "
                                   "0.0001 % (one part per million), from 0.0001 to 100"));
  g_assert_cmpint (strchr (r.err, '\n') - r.err + 1, ==, strlen (r.err));
  run_clear (&r);
  /* 0.00015 % is 1.5 ppm: it would round as well. */
  r = cli ("backtest", "--builtin", "sma_cross", "--data", arg, "--volume-share", "0.00015", NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "--volume-share 0.00015:"));
  run_clear (&r);
  const char *out_of_range[] = { "0", "-1", "100.5" };
  for (gsize i = 0; i < G_N_ELEMENTS (out_of_range); i++)
    {
      r = cli ("backtest", "--builtin", "sma_cross", "--data", arg, "--volume-share",
               out_of_range[i], NULL);
      g_assert_cmpint (r.status, ==, 1);
      g_assert_nonnull (strstr (r.err, "a percentage above 0 and at most 100"));
      run_clear (&r);
    }
  /* 0.0001 % is exactly 1 ppm: accepted. */
  r = cli ("backtest", "--builtin", "sma_cross", "--data", arg, "--volume-share", "0.0001",
           "--quiet", NULL);
  g_assert_cmpint (r.status, ==, 0);
  run_clear (&r);
  r = cli ("backtest", "--builtin", "sma_cross", "--data", arg, "--commission", "bogus=1", NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "per_unit"));
  run_clear (&r);
}

/* Thirty-six 5m bars from 2024-03-04T09:00Z: bar i opens at 100 + i, high
 * 102 + i, low 99 + i, close 101 + i, volume 10 (09:00 to 11:55). */
static char *
five_minute_workspace (const char *db_name, const char *symbol)
{
  g_autofree char *csv_name = g_strconcat (db_name, ".csv", NULL);
  GString *csv = g_string_new ("time,open,high,low,close,volume\n");
  char *db = path_in_tmp (db_name);
  Run r;

  for (int i = 0; i < 36; i++)
    g_string_append_printf (csv, "2024-03-04T%02d:%02d:00Z,%d,%d,%d,%d,10\n", 9 + i * 5 / 60,
                            i * 5 % 60, 100 + i, 102 + i, 99 + i, 101 + i);
  g_autofree char *file = write_tmp (csv_name, csv->str);
  g_string_free (csv, TRUE);
  r = cli ("import", file, "--symbol", symbol, "--db", db, NULL);
  g_assert_cmpint (r.status, ==, 0);
  run_clear (&r);
  return db;
}

static void
test_magnifier_finer_than_run (void)
{
  g_autofree char *db = five_minute_workspace ("mag.db", "X5");
  Run r;

  g_test_summary ("--magnifier looks for data finer than the run's timeframe, not than the "
                  "source series: 5m bars magnify a 1h run");
  g_test_bug ("A7");
  /* buy_and_hold buys 1 at the first 1h close (10:00, after bar 11); the
   * order fills at the next 5m bar's open, bar 12: 100 + 12 = 112. The last
   * close is bar 35's, 136: equity 100000 + 136 - 112 = 100024. */
  r = cli ("backtest", "--builtin", "buy_and_hold", "--symbol", "X5", "--db", db, "--timeframe",
           "1h", "--magnifier", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.err, "X5, 1h bars, bar mode"));
  g_assert_nonnull (strstr (r.err, "final equity 100024.00"));
  run_clear (&r);
  /* A 5m run over 5m bars has nothing finer to read. */
  r = cli ("backtest", "--builtin", "buy_and_hold", "--symbol", "X5", "--db", db, "--timeframe",
           "5m", "--magnifier", NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "X5 has no stored ticks or bars finer than the run's 5m"));
  g_assert_cmpint (strchr (r.err, '\n') - r.err + 1, ==, strlen (r.err));
  run_clear (&r);
}

static void
test_magnifier_buy_and_hold (void)
{
  g_autofree char *db = five_minute_workspace ("mag2.db", "X6");
  g_autofree char *report = path_in_tmp ("mag2.json");
  g_autofree char *text = NULL;
  Run r;

  g_test_summary ("With --magnifier, buy and hold is computed from the data the run read");
  g_test_bug ("A7");
  /* First price: bar 0's open, 100; last: bar 35's close, 136.
   * 136 / 100 - 1 = 0.36; on 100000 that is 36000 (matched as prefixes:
   * the double of 1.36 - 1 has more digits). */
  r = cli ("backtest", "--builtin", "buy_and_hold", "--symbol", "X6", "--db", db, "--timeframe",
           "1h", "--magnifier", "--report", report, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.err, "buy and hold 36.00 %"));
  run_clear (&r);
  g_assert_true (g_file_get_contents (report, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, "\"buy_hold_return\": 0.36"));
  g_assert_nonnull (strstr (text, "\"buy_hold_net_profit\": 36000"));
}

static void
test_backtest_qty_lot_size (void)
{
  g_autofree char *data = write_tmp ("cross-lot.csv", cross_csv);
  g_autofree char *arg = g_strconcat ("ACME=", data, NULL);
  const char *bad[] = { "0.5", "1.005", "2.6", "0.4" };
  Run r;

  g_test_summary ("A builtin's qty that is not a whole number of lots is an error, never rounded");
  g_test_bug ("P1");
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *param = g_strconcat ("qty=", bad[i], NULL);
      g_autofree char *want = g_strdup_printf ("qty %s is not a whole number of lots of ACME "
                                               "(lot size 1)", bad[i]);
      r = cli ("backtest", "--builtin", "sma_cross", "--param", "fast=2", "--param", "slow=3",
               "--param", param, "--data", arg, NULL);
      g_assert_cmpint (r.status, ==, 1);
      g_assert_nonnull (strstr (r.err, want));
      g_assert_cmpint (strchr (r.err, '\n') - r.err + 1, ==, strlen (r.err));
      run_clear (&r);
      r = cli ("optimize", "--builtin", "sma_cross", "--param", "fast=2", "--param", "slow=3",
               "--param", param, "--data", arg, NULL);
      g_assert_cmpint (r.status, ==, 1);
      g_assert_nonnull (strstr (r.err, want));
      run_clear (&r);
    }
  /* 2 is two lots: the run goes on (the trade of /app/cli/backtest/sma-cross,
   * twice: -4 x 2 = -8). */
  r = cli ("backtest", "--builtin", "sma_cross", "--param", "fast=2", "--param", "slow=3",
           "--param", "qty=2", "--data", arg, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.err, "final equity 99992.00"));
  run_clear (&r);
}

static void
test_backtest_rejections (void)
{
  g_autofree char *data = write_tmp ("cross-rej.csv", cross_csv);
  g_autofree char *arg = g_strconcat ("ACME=", data, NULL);
  g_autofree char *report = path_in_tmp ("rej.json");
  g_autofree char *text = NULL;
  Run r;

  g_test_summary ("Orders the broker refuses are counted with their reason on stderr and in "
                  "the report");
  g_test_bug ("P1");
  /* The cross of /app/cli/backtest/sma-cross buys 1 after the 01-05 close
   * (11), stamped at the bar's end, 01-06T00:00. With 10 of capital the
   * order's value, 1 x 11 at the last price, is above the equity: refused
   * for buying power. The exit signal finds no position and sends nothing. */
  r = cli ("backtest", "--builtin", "sma_cross", "--param", "fast=2", "--param", "slow=3",
           "--param", "qty=1", "--data", arg, "--capital", "10", "--report", report, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.err, "0 fills"));
  g_assert_nonnull (strstr (r.err, "  1 order rejected: 1 insufficient buying power\n"
                                   "    2024-01-06T00:00:00Z ACME buy 1 market: insufficient "
                                   "buying power\n"));
  run_clear (&r);
  g_assert_true (g_file_get_contents (report, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, "\"rejections\": {\n"
                                  "    \"count\": 1,\n"
                                  "    \"by_reason\": {\n"
                                  "      \"buying_power\": 1\n"
                                  "    },\n"));
  g_assert_nonnull (strstr (text, "\"time\": \"2024-01-06T00:00:00Z\",\n"
                                  "        \"order\": 1,\n"
                                  "        \"symbol\": \"ACME\",\n"
                                  "        \"side\": \"buy\",\n"
                                  "        \"type\": \"market\",\n"
                                  "        \"quantity\": 1,\n"
                                  "        \"reason\": \"buying_power\",\n"
                                  "        \"message\": \"insufficient buying power\""));
}

static void
test_sma_cross_fast_below_slow (void)
{
  g_autofree char *data = write_tmp ("cross-fs.csv", cross_csv);
  g_autofree char *arg = g_strconcat ("ACME=", data, NULL);
  Run r;

  g_test_summary ("sma_cross with fast >= slow is an error in backtest; optimize skips those "
                  "grid points and says how many");
  g_test_bug ("P5");
  r = cli ("backtest", "--builtin", "sma_cross", "--param", "fast=3", "--param", "slow=3",
           "--data", arg, NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_cmpstr (r.err, ==, "quantlab-cli backtest: sma_cross needs fast < slow, got fast=3 slow=3\n");
  run_clear (&r);
  /* The default slow is 30. */
  r = cli ("backtest", "--builtin", "sma_cross", "--param", "fast=40", "--data", arg, NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "got fast=40 slow=30"));
  run_clear (&r);
  /* fast in 1..4 against slow 3: 1 and 2 run, 3 and 4 are skipped. */
  r = cli ("optimize", "--builtin", "sma_cross", "--param", "fast=1..4:1", "--param", "slow=3",
           "--param", "qty=1", "--data", arg, "--jobs", "1", NULL);
  g_assert_cmpint (r.status, ==, 0);
  {
    g_auto (GStrv) lines = g_strsplit (r.out, "\n", -1);
    g_assert_cmpuint (g_strv_length (lines), ==, 4); /* header, 2 runs, "" */
  }
  g_assert_nonnull (strstr (r.err, "2 runs on 1 threads"));
  g_assert_nonnull (strstr (r.err, "\n2 grid points skipped: sma_cross needs fast < slow\n"));
  run_clear (&r);
  r = cli ("optimize", "--builtin", "sma_cross", "--param", "fast=3..4:1", "--param", "slow=3",
           "--data", arg, NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "no point of the grid"));
  run_clear (&r);
}

static void
test_backtest_summary_percents (void)
{
  g_autofree char *data = write_tmp ("cross-pct.csv", cross_csv);
  g_autofree char *arg = g_strconcat ("ACME=", data, NULL);
  Run r;

  g_test_summary ("The summary gives net profit's share of capital and the total return apart");
  /* buy_and_hold buys 1 after the first close, at the 01-02 open, 10, and
   * holds it to the last close, 7. No trade closed: net profit 0, 0 % of
   * the capital of 100; equity 100 - 3 = 97, a return of -3 %. */
  r = cli ("backtest", "--builtin", "buy_and_hold", "--data", arg, "--capital", "100", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.err, "  net profit 0.00 (0.00 % of capital), 0 trades,"));
  g_assert_nonnull (strstr (r.err, "  final equity 97.00 (return -3.00 %), "));
  run_clear (&r);
  /* sma_cross closes one trade at -4 (/app/cli/backtest/sma-cross) and
   * ends flat: both are -4 %. */
  r = cli ("backtest", "--builtin", "sma_cross", "--param", "fast=2", "--param", "slow=3",
           "--data", arg, "--capital", "100", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.err, "  net profit -4.00 (-4.00 % of capital), 1 trades,"));
  g_assert_nonnull (strstr (r.err, "  final equity 96.00 (return -4.00 %), "));
  run_clear (&r);
}

static void
test_backtest_no_data_in_range (void)
{
  g_autofree char *data = write_tmp ("cross-range.csv", cross_csv);
  g_autofree char *arg = g_strconcat ("ACME=", data, NULL);
  Run r;

  g_test_summary ("A range without data is an error naming the symbol and the range");
  /* cross_csv holds 2024-01-01 to 2024-01-09. */
  r = cli ("backtest", "--builtin", "sma_cross", "--data", arg, "--from", "2030-01-01", NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_cmpstr (r.err, ==, "quantlab-cli backtest: no data for ACME from 2030-01-01T00:00:00Z on\n");
  run_clear (&r);
  r = cli ("backtest", "--builtin", "sma_cross", "--data", arg, "--from", "2024-02-01",
           "--to", "2024-03-01", NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "no data for ACME between 2024-02-01T00:00:00Z and "
                                   "2024-03-01T00:00:00Z"));
  run_clear (&r);
  r = cli ("optimize", "--builtin", "sma_cross", "--param", "fast=2", "--param", "slow=3",
           "--data", arg, "--to", "2023-12-31", NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "no data for ACME before 2023-12-31T00:00:00Z"));
  run_clear (&r);
  /* One day of data is a run. */
  r = cli ("backtest", "--builtin", "sma_cross", "--data", arg, "--from", "2024-01-09", NULL);
  g_assert_cmpint (r.status, ==, 0);
  run_clear (&r);
}

static void
test_backtest_missing_workspace (void)
{
  g_autofree char *db = path_in_tmp ("missing.db");
  Run r;

  g_test_summary ("--db naming a missing file is an error, and no empty workspace is left");
  g_assert_false (g_file_test (db, G_FILE_TEST_EXISTS));
  r = cli ("backtest", "--builtin", "sma_cross", "--symbol", "ACME", "--db", db, NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_true (g_str_has_suffix (r.err, "missing.db: no such workspace (quantlab-cli import "
                                          "creates one)\n"));
  g_assert_cmpint (strchr (r.err, '\n') - r.err + 1, ==, strlen (r.err));
  run_clear (&r);
  g_assert_false (g_file_test (db, G_FILE_TEST_EXISTS));
  r = cli ("optimize", "--builtin", "sma_cross", "--param", "fast=2", "--symbol", "ACME",
           "--db", db, NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "no such workspace"));
  run_clear (&r);
  g_assert_false (g_file_test (db, G_FILE_TEST_EXISTS));
}

static void
test_backtest_rules_verdict (void)
{
  g_autofree char *data = write_tmp ("cross-verdict.csv", cross_csv);
  g_autofree char *arg = g_strconcat ("ACME=", data, NULL);
  g_autofree char *tight = write_tmp ("tight.json",
                                      "{ \"rules\": [ { \"rule\": \"max_loss\", \"mode\": \"static\", "
                                      "\"amount\": 3, \"breach_if\": \"<\", \"action\": \"fail\" } ] }\n");
  g_autofree char *loose = write_tmp ("loose.json",
                                      "{ \"rules\": [ { \"rule\": \"max_loss\", \"mode\": \"static\", "
                                      "\"amount\": 10, \"breach_if\": \"<\", \"action\": \"fail\" } ] }\n");
  g_autofree char *report = path_in_tmp ("verdict.json");
  g_autofree char *text = NULL;
  Run r;

  g_test_summary ("The --rules verdict is in the report: outcome, objectives, the failing rule, "
                  "its time and trading day");
  g_test_bug ("P3");
  /* Capital 100, floor 100 - 3 = 97 on equity. sma_cross buys 1 at the
   * 01-06 open, 11.5. Equity at each bar's close: 01-06 100.5, 01-07 98.5,
   * 01-08 100 + 8 - 11.5 = 96.5 < 97: failed on the 01-08 bar (its time,
   * 00:00 UTC, trading day 2024-01-08 in UTC). The account is flattened at
   * the next open, 7.5: balance 96, net profit -4. */
  r = cli ("backtest", "--builtin", "sma_cross", "--param", "fast=2", "--param", "slow=3",
           "--data", arg, "--capital", "100", "--rules", tight, "--report", report, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.err, "rules: FAILED by max_loss at 2024-01-08T00:00:00Z"));
  run_clear (&r);
  g_assert_true (g_file_get_contents (report, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, "\"rules_verdict\": {\n"
                                  "    \"outcome\": \"failed\",\n"
                                  "    \"passed\": false,\n"
                                  "    \"failed\": true,\n"
                                  "    \"objectives_met\": false,\n"
                                  "    \"time\": \"2024-01-08T00:00:00Z\",\n"
                                  "    \"trading_day\": \"2024-01-08\",\n"
                                  "    \"rule\": \"max_loss\",\n"
                                  "    \"message\": \"max_loss: equity 96.50 < loss limit 97.00\",\n"));
  g_assert_nonnull (strstr (text, "    \"net_profit\": -4,\n"));
  g_clear_pointer (&text, g_free);

  /* Floor 90: equity never goes below 96. No profit target: the run is
   * neither passed nor failed, and has no time or day. */
  r = cli ("backtest", "--builtin", "sma_cross", "--param", "fast=2", "--param", "slow=3",
           "--data", arg, "--capital", "100", "--rules", loose, "--report", report, "--quiet", NULL);
  g_assert_cmpint (r.status, ==, 0);
  run_clear (&r);
  g_assert_true (g_file_get_contents (report, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, "\"rules_verdict\": {\n"
                                  "    \"outcome\": \"running\",\n"
                                  "    \"passed\": false,\n"
                                  "    \"failed\": false,\n"
                                  "    \"objectives_met\": false,\n"
                                  "    \"time\": null,\n"
                                  "    \"trading_day\": null,\n"
                                  "    \"rule\": null,\n"
                                  "    \"message\": null,\n"));
  g_assert_nonnull (strstr (text, "    \"target_met\": false,\n"));
  g_clear_pointer (&text, g_free);

  /* Without --rules there is no verdict. */
  r = cli ("backtest", "--builtin", "sma_cross", "--param", "fast=2", "--param", "slow=3",
           "--data", arg, "--report", report, "--quiet", NULL);
  g_assert_cmpint (r.status, ==, 0);
  run_clear (&r);
  g_assert_true (g_file_get_contents (report, &text, NULL, NULL));
  g_assert_null (strstr (text, "rules_verdict"));
}

/* A fall from 100 to 89 over six days, and a flat line at 50. */
static const char drop_csv[] =
  "Date,Open,High,Low,Close,Volume\n"
  "2024-01-01,100,100,100,100,1000\n"
  "2024-01-02,100,100,98,98,1000\n"
  "2024-01-03,98,98,95,95,1000\n"
  "2024-01-04,95,95,92,92,1000\n"
  "2024-01-05,91,91,90,90,1000\n"
  "2024-01-06,90,90,89,89,1000\n";
static const char flat_csv[] =
  "Date,Open,High,Low,Close,Volume\n"
  "2024-01-01,50,50,50,50,1000\n"
  "2024-01-02,50,50,50,50,1000\n"
  "2024-01-03,50,50,50,50,1000\n"
  "2024-01-04,50,50,50,50,1000\n"
  "2024-01-05,50,50,50,50,1000\n"
  "2024-01-06,50,50,50,50,1000\n";

static void
test_backtest_margin_call (void)
{
  g_autofree char *drop = write_tmp ("drop.csv", drop_csv);
  g_autofree char *flat = write_tmp ("flat.csv", flat_csv);
  g_autofree char *acme = g_strconcat ("ACME=", drop, NULL);
  g_autofree char *beta = g_strconcat ("BETA=", flat, NULL);
  g_autofree char *trades = path_in_tmp ("margin-trades.csv");
  g_autofree char *report = path_in_tmp ("margin.json");
  g_autofree char *text = NULL;
  Run r;

  g_test_summary ("--leverage, --margin, --multiplier and --margin-call reach the portfolio: a "
                  "leveraged position liquidated by a margin call, worked by hand");
  g_test_bug ("P2");
  /* Capital 1000. buy_and_hold buys 40 ACME x multiplier 2 at the 01-02
   * open, 100: notional 40 x 100 x 2 = 8000. Without leverage the order
   * needs 8000 of margin: refused for buying power. */
  r = cli ("backtest", "--builtin", "buy_and_hold", "--param", "qty=40", "--data", acme,
           "--capital", "1000", "--multiplier", "ACME=2", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.err, "1 order rejected: 1 insufficient buying power"));
  run_clear (&r);

  /* --leverage 10: initial margin 800 <= 1000, filled. Maintenance 5 %:
   * 80 x P x 0.05 = 4P against equity 1000 + 80 (P - 100) at each close:
   *   01-02 P 98: 840 vs 392; 01-03 P 95: 600 vs 380;
   *   01-04 P 92: 360 vs 368, below: margin call, everything closed at the
   *   next open, 01-05 at 91: pnl 80 x (91 - 100) = -720, balance 280.
   * MAE counts the exit (engine/portfolio.c): the 01-05 exit at 91 is
   * below every low before it (92 at worst): 80 x (91 - 100) = -720. The
   * trade's exit_reason (last column) is margin_call. */
  r = cli ("backtest", "--builtin", "buy_and_hold", "--param", "qty=40", "--data", acme,
           "--capital", "1000", "--multiplier", "ACME=2", "--leverage", "10", "--margin",
           "maintenance=0.05", "--trades", trades, "--report", report, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.err, "final equity 280.00"));
  g_assert_nonnull (strstr (r.err, "  margin calls: 1 (liquidate-all)\n"));
  run_clear (&r);
  g_assert_true (g_file_get_contents (trades, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, "\nACME,long,40,2024-01-02T00:00:00Z,100,2024-01-05T00:00:00Z,"
                                  "91,-720,0,-720,0,3,margin_call\n"));
  g_clear_pointer (&text, g_free);
  g_assert_true (g_file_get_contents (report, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, "\n  \"margin_calls\": 1,\n"));
  g_assert_nonnull (strstr (text, "\"leverage\": \"10\""));
  g_assert_nonnull (strstr (text, "\"margin_call\": \"liquidate-all\""));
  g_clear_pointer (&text, g_free);

  /* none: counted at every close below, nothing closed. Below at 01-04
   * (360 vs 368), 01-05 (1000 + 80 x -10 = 200 vs 360) and 01-06 (120 vs
   * 356): 3 calls, final equity 120. */
  r = cli ("backtest", "--builtin", "buy_and_hold", "--param", "qty=40", "--data", acme,
           "--capital", "1000", "--multiplier", "ACME=2", "--leverage", "10", "--margin",
           "maintenance=0.05", "--margin-call", "none", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.err, "final equity 120.00"));
  g_assert_nonnull (strstr (r.err, "  margin calls: 3 (none: counted, nothing closed)\n"));
  run_clear (&r);

  /* close-worst with BETA flat at 50 beside: 40 BETA hold 200 of initial
   * margin (800 + 200 <= 1000) and 100 of maintenance. The call comes at
   * 01-04 again (equity 360 against 368 + 100); the worst position, ACME
   * (-640 floating, BETA 0), is closed as above, BETA stays open: one trade,
   * equity 280 + 40 x (50 - 50) = 280. */
  r = cli ("backtest", "--builtin", "buy_and_hold", "--param", "qty=40", "--data", acme,
           "--data", beta, "--capital", "1000", "--multiplier", "ACME=2", "--leverage", "10",
           "--margin", "maintenance=0.05", "--margin-call", "close-worst", "--trades", trades, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.err, "1 trades"));
  g_assert_nonnull (strstr (r.err, "final equity 280.00"));
  g_assert_nonnull (strstr (r.err, "  margin calls: 1 (close-worst)\n"));
  run_clear (&r);
  g_assert_true (g_file_get_contents (trades, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, "\nACME,long,40,2024-01-02T00:00:00Z,100,2024-01-05T00:00:00Z,"
                                  "91,-720,0,-720,0,3,margin_call\n"));
  g_assert_null (strstr (text, "BETA"));
  g_clear_pointer (&text, g_free);

  /* Bad values: one line each. */
  const char *bad[][3] = {
    { "--leverage", "0.5", "--leverage 0.5: a number from 1 (none) to 1000" },
    { "--margin", "initial=0", "--margin initial 0: a fraction of the notional above 0 and at most 1" },
    { "--margin", "maintenance=1.5", "--margin maintenance 1.5: a fraction" },
    { "--margin-call", "sometimes", "--margin-call \"sometimes\": write liquidate-all, close-worst or none" },
    { "--multiplier", "NOPE=2", "--multiplier NOPE: no such symbol in this run (ACME)" },
    { "--multiplier", "ACME=2.5", "--multiplier ACME: \"2.5\" is not a whole number" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      r = cli ("backtest", "--builtin", "buy_and_hold", "--data", acme, bad[i][0], bad[i][1], NULL);
      g_assert_cmpint (r.status, ==, 1);
      g_assert_nonnull (strstr (r.err, bad[i][2]));
      g_assert_cmpint (strchr (r.err, '\n') - r.err + 1, ==, strlen (r.err));
      run_clear (&r);
    }
  r = cli ("backtest", "--builtin", "buy_and_hold", "--data", acme, "--leverage", "10",
           "--margin", "initial=0.1", NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "give one"));
  run_clear (&r);
  r = cli ("backtest", "--builtin", "buy_and_hold", "--data", acme, "--leverage", "10",
           "--margin", "maintenance=0.2", NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "must not be above the initial margin (0.1)"));
  run_clear (&r);
}

static void
test_optimize (void)
{
  g_autofree char *data = write_tmp ("cross3.csv", cross_csv);
  g_autofree char *arg = g_strconcat ("ACME=", data, NULL);
  g_autofree char *first = NULL;
  Run r;

  g_test_summary ("optimize runs the whole grid, ranks it, and gives the same CSV on any "
                  "number of threads; bad ranges are one clear line");
  /* fast in {1, 2}, slow in {3, 4}: four runs. fast=2 slow=3 is the -4 trade worked out
   * in /app/cli/backtest/sma-cross. */
  r = cli ("optimize", "--builtin", "sma_cross", "--param", "fast=1..2:1", "--param", "slow=3,4",
           "--param", "qty=1", "--data", arg, "--mode", "bar", "--jobs", "1", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_true (g_str_has_prefix (r.out, "rank,fast,slow,qty,trades,net_profit,"));
  {
    g_auto (GStrv) lines = g_strsplit (r.out, "\n", -1);
    g_assert_cmpuint (g_strv_length (lines), ==, 6); /* header, 4 runs, "" */
    gboolean seen = FALSE;
    for (int i = 1; i <= 4; i++)
      if (g_str_has_prefix (strchr (lines[i], ',') + 1, "2,3,1,1,-4,"))
        seen = TRUE;
    g_assert_true (seen);
  }
  first = g_strdup (r.out);
  run_clear (&r);
  r = cli ("optimize", "--builtin", "sma_cross", "--param", "fast=1..2:1", "--param", "slow=3,4",
           "--param", "qty=1", "--data", arg, "--mode", "bar", "--jobs", "2", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_cmpstr (r.out, ==, first);
  run_clear (&r);

  r = cli ("optimize", "--builtin", "sma_cross", "--param", "fast=1..2:1", "--param", "slow=3",
           "--param", "qty=1", "--data", arg, "--walk-forward", "2", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_true (g_str_has_prefix (r.out, "window,in_sample_from,"));
  g_assert_nonnull (strstr (r.out, "\n1,2024-01-01T00:00:00Z,"));
  g_assert_nonnull (strstr (r.out, "\n2,"));
  run_clear (&r);

  r = cli ("optimize", "--builtin", "sma_cross", "--param", "fast=9..2:1", "--data", arg, NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "A..B:STEP"));
  run_clear (&r);
  r = cli ("optimize", "--builtin", "sma_cross", "--param", "nope=1..2", "--data", arg, NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "nope"));
  run_clear (&r);
  r = cli ("optimize", "--builtin", "sma_cross", "--metric", "luck", "--data", arg, NULL);
  g_assert_cmpint (r.status, ==, 2);
  run_clear (&r);
}

/* Twenty flat daily bars (open = high = low = close) from 2024-01-01. */
static const char wf_csv[] =
  "Date,Open,High,Low,Close,Volume\n"
  "2024-01-01,5,5,5,5,100\n" "2024-01-02,5,5,5,5,100\n" "2024-01-03,5,5,5,5,100\n"
  "2024-01-04,6,6,6,6,100\n" "2024-01-05,7,7,7,7,100\n" "2024-01-06,6,6,6,6,100\n"
  "2024-01-07,8,8,8,8,100\n" "2024-01-08,9,9,9,9,100\n" "2024-01-09,7,7,7,7,100\n"
  "2024-01-10,6,6,6,6,100\n" "2024-01-11,10,10,10,10,100\n" "2024-01-12,9,9,9,9,100\n"
  "2024-01-13,8,8,8,8,100\n" "2024-01-14,7,7,7,7,100\n" "2024-01-15,6,6,6,6,100\n"
  "2024-01-16,9,9,9,9,100\n" "2024-01-17,10,10,10,10,100\n" "2024-01-18,11,11,11,11,100\n"
  "2024-01-19,8,8,8,8,100\n" "2024-01-20,7,7,7,7,100\n";

static void
test_walk_forward_warm_up (void)
{
  g_autofree char *data = write_tmp ("wf.csv", wf_csv);
  g_autofree char *arg = g_strconcat ("ACME=", data, NULL);
  Run r;

  g_test_summary ("Walk-forward warms the out-of-sample run up on the in-sample bars and "
                  "reports net profit, trades, drawdown and Sharpe per window and combined");
  g_test_bug ("P5");
  /* Windows: span = (19 days / 2 in whole seconds) + 1 s = 820801 s; split
   * at 50 %: llround (410400.5) = 410401 s after each start.
   *   1: [01-01, 01-10T12:00:01), split 01-05T18:00:01: OOS bars 01-06..01-10
   *   2: [01-10T12:00:01, 01-20T00:00:02), split 01-15T06:00:02: OOS 01-16..01-20
   * sma_cross fast=1 slow=3: F is the close, S the mean of three closes.
   * Window 1 in sample (01-01..01-05): 01-04 F 6 > S 5.33 after F = S at
   *   01-03: buy, filled at the 01-05 open, 7, still open at the end: no
   *   closed trade, net 0, no drawdown (close 7).
   * Window 1 out of sample, warmed up from 01-01 (the 01-04 buy, stamped
   *   01-05T00:00 before the split, is refused): 01-06 F 6 < S 6.33 (was
   *   above, flat: nothing); 01-07 F 8 > S 7: buy at the 01-08 open, 9;
   *   01-09 F 7 < S 8: sell at the 01-10 open, 6: one trade, -3. Equity
   *   100000, 100000, 100000, 99998 (01-09 close 7), 99997: drawdown 3.
   *   Without the warm-up S exists only from 01-08 and nothing trades.
   * Window 2 in sample (01-11..01-15): closes fall 10 9 8 7 6, F < S: none.
   * Window 2 out of sample, warmed up from 01-11: 01-15 F 6 < S 7; 01-16
   *   F 9 > S 7.33: buy at the 01-17 open, 10; 01-18 F 11 > S 10; 01-19
   *   F 8 < S 9.67: sell at the 01-20 open, 7: -3. Equity 100000, 100000,
   *   100001, 99998, 99997: drawdown 100001 - 99997 = 4.
   * All: window 2's curve follows window 1's end (-3): 99997, 99997, 99998,
   *   99995, 99994: two trades, -6, drawdown 100000 - 99994 = 6. */
  r = cli ("optimize", "--builtin", "sma_cross", "--param", "fast=1", "--param", "slow=3",
           "--data", arg, "--walk-forward", "2", "--in-sample", "50", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_true (g_str_has_prefix (r.out,
                                   "window,in_sample_from,in_sample_to,out_of_sample_to,best_params,"
                                   "in_sample_net_profit,out_of_sample_net_profit,out_of_sample_trades,"
                                   "is_net_profit,is_trades,is_max_drawdown,is_sharpe,oos_net_profit,"
                                   "oos_max_drawdown,oos_sharpe\n"
                                   "1,2024-01-01T00:00:00Z,2024-01-05T18:00:01Z,2024-01-10T12:00:01Z,"
                                   "fast=1 slow=3,0,-3,1,0,0,0,,-3,3,"));
  g_assert_nonnull (strstr (r.out, "\n2,2024-01-10T12:00:01Z,2024-01-15T06:00:02Z,"
                                   "2024-01-20T00:00:02Z,fast=1 slow=3,0,-3,1,0,0,0,,-3,4,"));
  g_assert_nonnull (strstr (r.out, "\nall,2024-01-01T00:00:00Z,,2024-01-20T00:00:02Z,,,-6,2,,,,,-6,6,"));
  g_assert_nonnull (strstr (r.err, "out of sample, all windows: net profit -6.00, 2 trades, "
                                   "max drawdown 6.00, Sharpe "));
  run_clear (&r);
}

static void
test_monte_carlo_daily_loss (void)
{
  GString *csv = g_string_new ("time,open,high,low,close,volume\n");
  const int closes[] = { 10, 10, 11, 11, 9, 9, 10, 10, 8, 8 };
  for (guint i = 0; i < G_N_ELEMENTS (closes); i++)
    g_string_append_printf (csv, "2024-01-01T%02u:00:00Z,%d,%d,%d,%d,100\n", i, closes[i],
                            closes[i], closes[i], closes[i]);
  g_autofree char *data = write_tmp ("mc-daily.csv", csv->str);
  g_string_free (csv, TRUE);
  g_autofree char *arg = g_strconcat ("ACME=", data, NULL);
  const char *rules_text =
    "{ \"trading_day\": { \"zone\": \"UTC\", \"start\": \"%s\" },\n"
    "  \"rules\": [ { \"rule\": \"daily_loss\", \"amount\": 3, \"compare\": \"balance\", "
    "\"action\": \"block\" },\n"
    "             { \"rule\": \"profit_target\", \"amount\": 1 } ] }\n";
  g_autofree char *midnight_text = g_strdup_printf (rules_text, "00:00");
  g_autofree char *seven_text = g_strdup_printf (rules_text, "07:00");
  g_autofree char *midnight = write_tmp ("mc-midnight.json", midnight_text);
  g_autofree char *seven = write_tmp ("mc-seven.json", seven_text);
  g_autofree char *report = path_in_tmp ("mc-daily.json");
  g_autofree char *text = NULL;
  Run r;

  g_test_summary ("Monte Carlo judges the daily loss limit on each path's days and the profit "
                  "target on its balance");
  g_test_bug ("P4");
  /* Hourly flat bars (open = close). sma_cross fast=1 slow=2 buys when a
   * close rises after one that did not, sells when it falls after one that
   * did not: buy after 02:00 (11 > 10) at the 03:00 open, 11; sell after
   * 04:00 (9 < 11) at the 05:00 open, 9: -2. Buy after 06:00 at 10, sell
   * after 08:00 at the 09:00 open, 8: -2. Both trades are -2, so every
   * path, bootstrap or permutation, is -2, -2 whatever the draws.
   * Day from 00:00: both exits (05:00, 09:00) on one day: 100000 - 4 is
   *   below the limit 100000 - 3: breached on every path, P = 1.
   * Day from 07:00: 05:00 belongs to the day before: each day loses 2 < 3:
   *   never breached, P = 0.
   * Profit target 1: the balance never rises above 100000: P = 0. */
  r = cli ("backtest", "--builtin", "sma_cross", "--param", "fast=1", "--param", "slow=2",
           "--data", arg, "--rules", midnight, "--monte-carlo", "50", "--report", report, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.err, "2 trades"));
  g_assert_nonnull (strstr (r.err, "  monte carlo rules: P(daily_loss breached) 100.0 %, "
                                   "P(profit_target reached) 0.0 %\n"));
  run_clear (&r);
  g_assert_true (g_file_get_contents (report, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, "\"rule_probabilities\": [\n"
                                  "        {\n"
                                  "          \"name\": \"daily_loss\",\n"
                                  "          \"kind\": \"daily_loss\",\n"
                                  "          \"amount\": 3,\n"
                                  "          \"probability\": 1\n"
                                  "        },\n"
                                  "        {\n"
                                  "          \"name\": \"profit_target\",\n"
                                  "          \"kind\": \"profit_target\",\n"
                                  "          \"amount\": 1,\n"
                                  "          \"probability\": 0\n"));
  r = cli ("backtest", "--builtin", "sma_cross", "--param", "fast=1", "--param", "slow=2",
           "--data", arg, "--rules", seven, "--monte-carlo", "50", "--mc-method", "permutation",
           NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.err, "  monte carlo rules: P(daily_loss breached) 0.0 %, "
                                   "P(profit_target reached) 0.0 %\n"));
  run_clear (&r);
  /* Without rules: no rule line, no "rule_probabilities". */
  g_clear_pointer (&text, g_free);
  r = cli ("backtest", "--builtin", "sma_cross", "--param", "fast=1", "--param", "slow=2",
           "--data", arg, "--monte-carlo", "50", "--report", report, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_null (strstr (r.err, "monte carlo rules"));
  run_clear (&r);
  g_assert_true (g_file_get_contents (report, &text, NULL, NULL));
  g_assert_null (strstr (text, "rule_probabilities"));
}

int
main (int argc, char **argv)
{
  int rc;
  g_test_init (&argc, &argv, NULL);
  tmpdir = g_dir_make_tmp ("ql-cli-XXXXXX", NULL);
  g_test_add_func ("/app/cli/help-and-version", test_help_and_version);
  g_test_add_func ("/app/cli/import-bars-indicators", test_import_bars_indicators);
  g_test_add_func ("/app/cli/errors", test_errors);
  g_test_add_func ("/app/cli/indicators-on-file", test_indicators_on_file);
  g_test_add_func ("/app/cli/backtest/sma-cross", test_backtest_sma_cross);
  g_test_add_func ("/app/cli/backtest/errors", test_backtest_errors);
  g_test_add_func ("/app/cli/backtest/magnifier/finer-than-run", test_magnifier_finer_than_run);
  g_test_add_func ("/app/cli/backtest/magnifier/buy-and-hold", test_magnifier_buy_and_hold);
  g_test_add_func ("/app/cli/backtest/qty-lot-size", test_backtest_qty_lot_size);
  g_test_add_func ("/app/cli/backtest/rejections", test_backtest_rejections);
  g_test_add_func ("/app/cli/sma-cross/fast-below-slow", test_sma_cross_fast_below_slow);
  g_test_add_func ("/app/cli/backtest/summary-percents", test_backtest_summary_percents);
  g_test_add_func ("/app/cli/backtest/no-data-in-range", test_backtest_no_data_in_range);
  g_test_add_func ("/app/cli/backtest/missing-workspace", test_backtest_missing_workspace);
  g_test_add_func ("/app/cli/backtest/rules-verdict", test_backtest_rules_verdict);
  g_test_add_func ("/app/cli/backtest/margin-call", test_backtest_margin_call);
  g_test_add_func ("/app/cli/script/time-limit", test_script_time_limit);
  g_test_add_func ("/app/cli/optimize/grid-and-walk-forward", test_optimize);
  g_test_add_func ("/app/cli/optimize/walk-forward/warm-up", test_walk_forward_warm_up);
  g_test_add_func ("/app/cli/backtest/monte-carlo/daily-loss", test_monte_carlo_daily_loss);
  rc = g_test_run ();
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
  return rc;
}
