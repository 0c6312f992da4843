/* tests/data/test-report.c — the report JSON reads back with json-glib to the
 * same doubles; the trades and equity CSVs, byte for byte. */
#include "data/report.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#define DAY QL_NS_PER_DAY
/* 2024-01-01T00:00:00Z */
#define D0 (G_GINT64_CONSTANT (1704067200) * QL_NS_PER_SEC)

static char *
temp_path (const char *name)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ql-report-XXXXXX", &error);
  g_assert_no_error (error);
  return g_build_filename (dir, name, NULL);
}

static void
remove_temp (const char *path)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_remove (path);
  g_rmdir (dir);
}

static char *
read_all (const char *path)
{
  g_autoptr (GError) error = NULL;
  char *text = NULL;
  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  return text;
}

/* A double member as the report wrote it: a number, null (NA) or "inf". */
static double
member_double (JsonObject *o, const char *key)
{
  JsonNode *n = json_object_get_member (o, key);
  g_assert_nonnull (n);
  if (JSON_NODE_HOLDS_NULL (n))
    return NAN;
  if (json_node_get_value_type (n) == G_TYPE_STRING)
    {
      const char *s = json_node_get_string (n);
      g_assert_true (strcmp (s, "inf") == 0 || strcmp (s, "-inf") == 0);
      return s[0] == '-' ? -INFINITY : INFINITY;
    }
  return json_node_get_double (n);
}

static void
assert_same_double (double got, double want)
{
  if (isnan (want))
    g_assert_true (isnan (got));
  else
    g_assert_cmpmem (&got, sizeof got, &want, sizeof want);
}

static const struct
{
  const char *key;
  gsize offset;
} metric_doubles[] = {
  { "net_profit", G_STRUCT_OFFSET (QlMetrics, net_profit) },
  { "gross_profit", G_STRUCT_OFFSET (QlMetrics, gross_profit) },
  { "gross_loss", G_STRUCT_OFFSET (QlMetrics, gross_loss) },
  { "commission", G_STRUCT_OFFSET (QlMetrics, commission) },
  { "profit_factor", G_STRUCT_OFFSET (QlMetrics, profit_factor) },
  { "win_rate", G_STRUCT_OFFSET (QlMetrics, win_rate) },
  { "avg_win", G_STRUCT_OFFSET (QlMetrics, avg_win) },
  { "avg_loss", G_STRUCT_OFFSET (QlMetrics, avg_loss) },
  { "expectancy", G_STRUCT_OFFSET (QlMetrics, expectancy) },
  { "largest_win", G_STRUCT_OFFSET (QlMetrics, largest_win) },
  { "largest_loss", G_STRUCT_OFFSET (QlMetrics, largest_loss) },
  { "avg_mae", G_STRUCT_OFFSET (QlMetrics, avg_mae) },
  { "avg_mfe", G_STRUCT_OFFSET (QlMetrics, avg_mfe) },
  { "max_drawdown", G_STRUCT_OFFSET (QlMetrics, max_drawdown) },
  { "max_drawdown_fraction", G_STRUCT_OFFSET (QlMetrics, max_drawdown_fraction) },
  { "final_equity", G_STRUCT_OFFSET (QlMetrics, final_equity) },
  { "total_return", G_STRUCT_OFFSET (QlMetrics, total_return) },
  { "years", G_STRUCT_OFFSET (QlMetrics, years) },
  { "periods_per_year", G_STRUCT_OFFSET (QlMetrics, periods_per_year) },
  { "cagr", G_STRUCT_OFFSET (QlMetrics, cagr) },
  { "sharpe", G_STRUCT_OFFSET (QlMetrics, sharpe) },
  { "sortino", G_STRUCT_OFFSET (QlMetrics, sortino) },
  { "calmar", G_STRUCT_OFFSET (QlMetrics, calmar) },
  { "exposure", G_STRUCT_OFFSET (QlMetrics, exposure) },
  { "buy_hold_return", G_STRUCT_OFFSET (QlMetrics, buy_hold_return) },
  { "buy_hold_net_profit", G_STRUCT_OFFSET (QlMetrics, buy_hold_net_profit) },
};

static void
assert_metrics_equal (JsonObject *o, const QlMetrics *m)
{
  for (gsize i = 0; i < G_N_ELEMENTS (metric_doubles); i++)
    {
      double want = G_STRUCT_MEMBER (double, m, metric_doubles[i].offset);
      assert_same_double (member_double (o, metric_doubles[i].key), want);
    }
  g_assert_cmpint (json_object_get_int_member (o, "trades"), ==, m->n_trades);
  g_assert_cmpint (json_object_get_int_member (o, "wins"), ==, m->n_wins);
  g_assert_cmpint (json_object_get_int_member (o, "longest_loss_streak"), ==, m->longest_loss_streak);
  g_assert_cmpint (json_object_get_boolean_member (o, "max_drawdown_recovered"), ==, m->max_drawdown_recovered);
}

/* Ten daily points with awkward values (thirds, sevenths) so that the
 * metrics are not short decimals. */
static const QlTrade trades[3] = {
  { .symbol = 0, .side = QL_SIDE_BUY, .quantity = 3, .entry_time = D0, .exit_time = D0 + DAY + 250 * QL_NS_PER_MS,
    .entry_price = 100.1, .exit_price = 133.43333333333334, .pnl = 100.0 / 3, .commission = 0.1, .mae = -1.0 / 7, .mfe = 40, .bars_held = 1 },
  { .symbol = 1, .side = QL_SIDE_SELL, .quantity = 0.5, .entry_time = D0 + 2 * DAY, .exit_time = D0 + 4 * DAY,
    .entry_price = 20, .exit_price = 24, .pnl = -2.0 / 3, .commission = 0.25, .mae = -3, .mfe = 0, .bars_held = 2,
    .exit_reason = QL_EXIT_STOP },
  { .symbol = 0, .side = QL_SIDE_BUY, .quantity = 1, .entry_time = D0 + 5 * DAY, .exit_time = D0 + 8 * DAY,
    .entry_price = 99, .exit_price = 101.5, .pnl = 2.5, .commission = 0, .mae = -0.5, .mfe = 3, .bars_held = 3,
    .exit_reason = QL_EXIT_MARGIN_CALL },
};

static void
make_equity (QlEquityPoint eq[10])
{
  for (int i = 0; i < 10; i++)
    {
      double e = 1000 + 100.0 / 3 * sin (i) + i / 7.0;
      eq[i] = (QlEquityPoint) { .time = D0 + i * DAY, .balance = e - 0.125, .equity = e };
    }
}

static void
test_json_round_trip (void)
{
  static const char *const names[2] = { "NASDAQ:ACME", "BINANCE:BTC,USDT" };
  static const double first[2] = { 100, 20 }, last[2] = { 101.5, 1.0 / 3 };
  QlEquityPoint eq[10];
  QlMetrics total, per[2];
  gsize n_monthly;
  g_autoptr (GError) error = NULL;

  g_test_summary ("The report JSON parses back with json-glib and holds every number bit for bit");
  make_equity (eq);
  QlMetricsInput in = {
    .trades = trades, .n_trades = 3, .equity = eq, .n_equity = 10, .initial_capital = 1000,
    .n_symbols = 2, .symbol_names = names, .first_price = first, .last_price = last,
  };
  ql_metrics_compute (&in, &total, per);
  g_autofree QlMonthlyReturn *monthly = ql_metrics_monthly_returns (eq, 10, 1000, &n_monthly);
  /* s1 has only a loss, s0 only wins: profit factor 0 and +inf. */
  g_assert_true (isinf (per[0].profit_factor));

  static const double pnl[3] = { 100.0 / 3, -2.0 / 3, 2.5 };
  static const QlMcThreshold th[2] = { { QL_MC_MAX_DRAWDOWN_FRACTION, 0.1, "max_drawdown" },
                                       { QL_MC_EQUITY_FLOOR, 999.5, NULL } };
  QlMonteCarloSettings mcs = { .pnl = pnl, .n_trades = 3, .initial_capital = 1000, .n_runs = 100,
                               .seed = G_GUINT64_CONSTANT (18446744073709551557), .thresholds = th, .n_thresholds = 2 };
  g_autoptr (QlMonteCarloResult) boot = ql_monte_carlo_run (&mcs);
  mcs.method = QL_MC_PERMUTATION;
  g_autoptr (QlMonteCarloResult) perm = ql_monte_carlo_run (&mcs);
  const QlMonteCarloResult *mc[2] = { boot, perm };

  QlReportRuleEvent events[2] = {
    { "daily_loss", D0 + 3 * DAY + 1, -512.25, -500, "flatten", "daily loss 512.25 \"over\" 500\n" },
    { "trading_hours", D0 + 4 * DAY, NAN, NAN, "record", NULL },
  };

  g_autoptr (JsonObject) settings = json_object_new ();
  json_object_set_string_member (settings, "builtin", "sma_cross");
  json_object_set_double_member (settings, "capital", 1000);
  json_object_set_double_member (settings, "commission_percent", 0.1 / 3);
  json_object_set_int_member (settings, "fast", 10);

  QlReportContent c = {
    .settings = settings, .total = &total, .per_symbol = per, .n_symbols = 2, .symbol_names = names,
    .monthly = monthly, .n_monthly = n_monthly, .rule_events = events, .n_rule_events = 2,
    .monte_carlo = mc, .n_monte_carlo = 2,
  };
  g_autofree char *path = temp_path ("report.json");
  g_assert_true (ql_report_write_json (&c, path, &error));
  g_assert_no_error (error);

  g_autoptr (JsonParser) parser = json_parser_new ();
  json_parser_load_from_file (parser, path, &error);
  g_assert_no_error (error);
  JsonObject *root = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (root, "schema"), ==, "quantlab.backtest-report");
  g_assert_cmpint (json_object_get_int_member (root, "version"), ==, 1);

  JsonObject *set = json_object_get_object_member (root, "settings");
  g_assert_cmpstr (json_object_get_string_member (set, "builtin"), ==, "sma_cross");
  assert_same_double (json_object_get_double_member (set, "commission_percent"), 0.1 / 3);
  g_assert_cmpint (json_object_get_int_member (set, "fast"), ==, 10);

  JsonObject *metrics = json_object_get_object_member (root, "metrics");
  assert_metrics_equal (json_object_get_object_member (metrics, "total"), &total);
  JsonObject *ps = json_object_get_object_member (metrics, "per_symbol");
  g_assert_cmpuint (json_object_get_size (ps), ==, 2);
  assert_metrics_equal (json_object_get_object_member (ps, "NASDAQ:ACME"), &per[0]);
  assert_metrics_equal (json_object_get_object_member (ps, "BINANCE:BTC,USDT"), &per[1]);
  /* Infinite profit factor is the string "inf". */
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (ps, "NASDAQ:ACME"), "profit_factor"), ==, "inf");
  /* NA is null. */
  g_assert_true (json_object_get_null_member (json_object_get_object_member (ps, "NASDAQ:ACME"), "sharpe"));
  JsonObject *tot = json_object_get_object_member (metrics, "total");
  char peak[QL_REPORT_TIME_MAX];
  ql_report_format_time (total.max_drawdown_peak_time, peak);
  g_assert_cmpstr (json_object_get_string_member (tot, "max_drawdown_peak_time"), ==, peak);
  assert_same_double (json_object_get_double_member (tot, "max_drawdown_duration_seconds"),
                      (double) total.max_drawdown_duration / 1e9);

  JsonArray *months = json_object_get_array_member (root, "monthly_returns");
  g_assert_cmpuint (json_array_get_length (months), ==, n_monthly);
  JsonObject *m0 = json_array_get_object_element (months, 0);
  g_assert_cmpstr (json_object_get_string_member (m0, "month"), ==, "2024-01");
  assert_same_double (member_double (m0, "return"), monthly[0].ret);
  assert_same_double (member_double (m0, "end_equity"), monthly[0].end_equity);

  JsonArray *ev = json_object_get_array_member (root, "rule_events");
  g_assert_cmpuint (json_array_get_length (ev), ==, 2);
  JsonObject *e0 = json_array_get_object_element (ev, 0);
  g_assert_cmpstr (json_object_get_string_member (e0, "rule"), ==, "daily_loss");
  /* One nanosecond past 2024-01-04T00:00:00Z. */
  g_assert_cmpstr (json_object_get_string_member (e0, "time"), ==, "2024-01-04T00:00:00.000000001Z");
  assert_same_double (member_double (e0, "value"), -512.25);
  g_assert_cmpstr (json_object_get_string_member (e0, "message"), ==, events[0].message);
  JsonObject *e1 = json_array_get_object_element (ev, 1);
  g_assert_true (json_object_get_null_member (e1, "value"));
  g_assert_true (json_object_get_null_member (e1, "message"));

  JsonObject *mco = json_object_get_object_member (root, "monte_carlo");
  JsonObject *bo = json_object_get_object_member (mco, "bootstrap");
  g_assert_cmpstr (json_object_get_string_member (bo, "seed"), ==, "18446744073709551557");
  g_assert_cmpint (json_object_get_int_member (bo, "runs"), ==, 100);
  JsonArray *fe = json_object_get_array_member (bo, "final_equity");
  for (guint k = 0; k < QL_MC_N_PERCENTILES; k++)
    assert_same_double (json_array_get_double_element (fe, k), boot->final_equity[k]);
  JsonArray *ths = json_object_get_array_member (bo, "thresholds");
  JsonObject *t0 = json_array_get_object_element (ths, 0);
  g_assert_cmpstr (json_object_get_string_member (t0, "kind"), ==, "max_drawdown_fraction");
  assert_same_double (member_double (t0, "probability"), boot->p_breach[0]);
  JsonObject *po = json_object_get_object_member (mco, "permutation");
  JsonArray *pdd = json_object_get_array_member (po, "max_drawdown_fraction");
  for (guint k = 0; k < QL_MC_N_PERCENTILES; k++)
    assert_same_double (json_array_get_double_element (pdd, k), perm->max_drawdown_fraction[k]);

  /* Without Monte Carlo there is no key. */
  c.monte_carlo = NULL;
  g_autoptr (JsonNode) bare = ql_report_build (&c);
  g_assert_false (json_object_has_member (json_node_get_object (bare), "monte_carlo"));
  remove_temp (path);
}

static void
test_number_forms (void)
{
  g_autoptr (JsonNode) node = json_node_new (JSON_NODE_ARRAY);
  g_autoptr (JsonArray) a = json_array_new ();
  static const double fixed[] = { 0.1, -0.0, 0, 1300, 1e21, -1.0192917962988227e19, 9007199254740993.0,
                                  1152921504606846976.0, 5e-324, 1.7976931348623157e308, -2.5e-7 };
  enum { N_RANDOM = 20000 };
  guint64 s = 0x9e3779b97f4a7c15u;
  double values[G_N_ELEMENTS (fixed) + N_RANDOM];
  gsize n = 0;

  g_test_summary ("Every finite double, long integers and -0 included, reads back through json-glib exactly");
  for (gsize i = 0; i < G_N_ELEMENTS (fixed); i++)
    values[n++] = fixed[i];
  while (n < G_N_ELEMENTS (values))
    {
      double x;
      s ^= s << 13, s ^= s >> 7, s ^= s << 17;
      memcpy (&x, &s, sizeof x);
      if (!isfinite (x))
        continue;
      /* A third are prices with two decimals, a third large integers. */
      if (n % 3 == 1)
        x = (double) (s % 100000000) / 100.0;
      else if (n % 3 == 2)
        x = ldexp ((double) (s >> 11), (int) (s % 40));
      values[n++] = x;
    }
  for (gsize i = 0; i < n; i++)
    json_array_add_double_element (a, values[i]);
  json_node_set_array (node, a);

  g_autofree char *text = ql_report_to_json (node, NULL);
  /* Short forms stay short. */
  g_assert_nonnull (strstr (text, "[0.1, -0.0, 0, 1300, 1e21, -1.0192917962988227e19, "));
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) back = json_from_string (text, &error);
  g_assert_no_error (error);
  JsonArray *b = json_node_get_array (back);
  g_assert_cmpuint (json_array_get_length (b), ==, n);
  for (gsize i = 0; i < n; i++)
    {
      double got = json_array_get_double_element (b, (guint) i);
      if (memcmp (&got, &values[i], sizeof got) != 0)
        g_error ("%.17g read back as %.17g", values[i], got);
    }
}

static void
test_trades_csv (void)
{
  static const char *const names[2] = { "NASDAQ:ACME", "BINANCE:BTC,USDT" };
  g_autoptr (GError) error = NULL;
  g_autofree char *path = temp_path ("trades.csv");

  g_test_summary ("Trades CSV: one row per trade, ISO 8601 UTC times, names quoted when needed");
  g_assert_true (ql_report_write_trades_csv (path, trades, 3, names, 2, &error));
  g_assert_no_error (error);
  g_autofree char *text = read_all (path);
  /* 100/3 = 33.333333333333336 and -1/7 = -0.14285714285714285 need 17
   * digits; -2/3 = -0.6666666666666666 needs 16. */
  g_assert_cmpstr (text, ==,
                   "symbol,side,quantity,entry_time,entry_price,exit_time,exit_price,pnl,commission,mae,mfe,bars_held,exit_reason\n"
                   "NASDAQ:ACME,long,3,2024-01-01T00:00:00Z,100.1,2024-01-02T00:00:00.250Z,133.43333333333334,33.333333333333336,0.1,-0.14285714285714285,40,1,signal\n"
                   "\"BINANCE:BTC,USDT\",short,0.5,2024-01-03T00:00:00Z,20,2024-01-05T00:00:00Z,24,-0.6666666666666666,0.25,-3,0,2,stop\n"
                   "NASDAQ:ACME,long,1,2024-01-06T00:00:00Z,99,2024-01-09T00:00:00Z,101.5,2.5,0,-0.5,3,3,margin_call\n");
  remove_temp (path);
}

static void
test_equity_csv (void)
{
  QlEquityPoint eq[3] = {
    { .time = D0, .balance = 1000, .equity = 1000 },
    { .time = D0 + QL_NS_PER_HOUR + 1500 * QL_NS_PER_US, .balance = 1000, .equity = 1000.5 },
    { .time = -QL_NS_PER_SEC / 2, .balance = 0.1 + 0.2, .equity = -2.5e-7 },
  };
  g_autoptr (GError) error = NULL;
  g_autofree char *path = temp_path ("equity.csv");

  g_test_summary ("Equity CSV: time, balance, equity; sub-second and pre-1970 times");
  g_assert_true (ql_report_write_equity_csv (path, eq, 3, &error));
  g_assert_no_error (error);
  g_autofree char *text = read_all (path);
  /* 1.5 ms past 01:00 is .001500: six digits are the shortest exact form.
   * Half a second before the epoch is 1969-12-31T23:59:59.500Z. */
  g_assert_cmpstr (text, ==,
                   "time,balance,equity\n"
                   "2024-01-01T00:00:00Z,1000,1000\n"
                   "2024-01-01T01:00:00.001500Z,1000,1000.5\n"
                   "1969-12-31T23:59:59.500Z,0.30000000000000004,-2.5e-7\n");
  remove_temp (path);
}

static void
test_write_error (void)
{
  QlMetrics total = { 0 };
  QlReportContent c = { .total = &total };
  g_autoptr (GError) error = NULL;
  const char *bad = "/nonexistent-dir-ql/report.json";

  g_test_summary ("A file that cannot be written is a QL_REPORT_ERROR_IO naming the path");
  g_assert_false (ql_report_write_json (&c, bad, &error));
  g_assert_error (error, QL_REPORT_ERROR, QL_REPORT_ERROR_IO);
  g_assert_true (g_str_has_prefix (error->message, bad));
  g_clear_error (&error);
  g_assert_false (ql_report_write_equity_csv (bad, NULL, 0, &error));
  g_assert_error (error, QL_REPORT_ERROR, QL_REPORT_ERROR_IO);
  g_clear_error (&error);
  g_assert_false (ql_report_write_trades_csv (bad, NULL, 0, NULL, 0, &error));
  g_assert_error (error, QL_REPORT_ERROR, QL_REPORT_ERROR_IO);
}

static void
test_rejections (void)
{
  QlMetrics total = { 0 };
  g_autofree QlReportRejection *rej = g_new0 (QlReportRejection, 103);
  g_autoptr (GError) error = NULL;

  g_test_summary ("Rejections: the total, the count of each reason in order of first "
                  "occurrence, and only the first 100 listed");
  g_test_bug ("P1");
  /* 103 orders: ids 1..103 at D0 + id seconds; every third (ids 3, 6, ...,
   * 102: 34 of them) refused for lot_size, the other 69 for buying_power.
   * The first is id 1, buying_power, so it is the first key. */
  for (guint i = 0; i < 103; i++)
    rej[i] = (QlReportRejection){ .time = D0 + (i + 1) * QL_NS_PER_SEC, .order = i + 1,
                                  .symbol = "ACME", .side = i % 2 ? "sell" : "buy",
                                  .type = "market", .quantity = 1.5,
                                  .reason = (i + 1) % 3 == 0 ? "lot_size" : "buying_power",
                                  .message = (i + 1) % 3 == 0 ? "lot" : "power" };
  QlReportContent c = { .total = &total, .rejections = rej, .n_rejections = 103,
                        .late_refusals = 2 };
  g_autoptr (JsonNode) root = ql_report_build (&c);
  g_autofree char *text = ql_report_to_json (root, NULL);
  g_autoptr (JsonParser) parser = json_parser_new ();
  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  JsonObject *r = json_object_get_object_member (json_node_get_object (json_parser_get_root (parser)),
                                                 "rejections");
  g_assert_cmpint (json_object_get_int_member (r, "count"), ==, 103);
  JsonObject *by = json_object_get_object_member (r, "by_reason");
  g_autoptr (GList) keys = json_object_get_members (by);
  g_assert_cmpuint (g_list_length (keys), ==, 2);
  g_assert_cmpstr (keys->data, ==, "buying_power");
  g_assert_cmpint (json_object_get_int_member (by, "buying_power"), ==, 69);
  g_assert_cmpint (json_object_get_int_member (by, "lot_size"), ==, 34);
  JsonArray *first = json_object_get_array_member (r, "first");
  g_assert_cmpuint (json_array_get_length (first), ==, QL_REPORT_MAX_REJECTIONS);
  JsonObject *third = json_array_get_object_element (first, 2);
  g_assert_cmpstr (json_object_get_string_member (third, "time"), ==, "2024-01-01T00:00:03Z");
  g_assert_cmpint (json_object_get_int_member (third, "order"), ==, 3);
  g_assert_cmpstr (json_object_get_string_member (third, "side"), ==, "buy");
  g_assert_cmpstr (json_object_get_string_member (third, "reason"), ==, "lot_size");
  g_assert_cmpstr (json_object_get_string_member (third, "message"), ==, "lot");
  assert_same_double (json_object_get_double_member (third, "quantity"), 1.5);
  /* the late refusals are a count beside the orders, not among them */
  g_assert_cmpint (json_object_get_int_member (r, "late_refusals"), ==, 2);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/data/report/json/round-trip", test_json_round_trip);
  g_test_add_func ("/data/report/json/number-forms", test_number_forms);
  g_test_add_func ("/data/report/json/rejections", test_rejections);
  g_test_add_func ("/data/report/csv/trades", test_trades_csv);
  g_test_add_func ("/data/report/csv/equity", test_equity_csv);
  g_test_add_func ("/data/report/error/unwritable", test_write_error);
  return g_test_run ();
}
