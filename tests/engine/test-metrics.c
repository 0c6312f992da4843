/* tests/engine/test-metrics.c — backtest analytics on series worked out by
 * hand (formulas in docs/backtest-report.md). */
#include "engine/metrics.h"

#include <math.h>

#define DAY QL_NS_PER_DAY
/* 2024-01-01T00:00:00Z */
#define D0 (G_GINT64_CONSTANT (1704067200) * QL_NS_PER_SEC)

static void
assert_close (double got, double want, double rel)
{
  g_assert_cmpfloat_with_epsilon (got, want, rel * MAX (1.0, fabs (want)));
}

/* The ten-day scenario. Equity at D0 + i days, capital 1000:
 *   i       0     1     2     3     4     5    6    7     8     9
 *   equity 1000  1100  1000  1050  1080  1200  900  950  1250  1300
 * Five trades (symbol, entry day -> exit day, pnl, mae, mfe), given out of
 * exit order on purpose:
 *   T1 s0 0 -> 1  +100  -10  120
 *   T2 s1 2 -> 3   +50  -20   60
 *   T3 s0 3 -> 5   -30  -40   10
 *   T4 s1 5 -> 6   -20  -30    5
 *   T5 s0 7 -> 9  +200  -50  255
 * each with commission 2. Point 1 has a position open (exposure 0.5). */
static const QlTrade scenario_trades[] = {
  { .symbol = 0, .side = QL_SIDE_SELL, .quantity = 1, .entry_time = D0 + 3 * DAY, .exit_time = D0 + 5 * DAY, .pnl = -30, .commission = 2, .mae = -40, .mfe = 10 },
  { .symbol = 0, .side = QL_SIDE_BUY, .quantity = 1, .entry_time = D0, .exit_time = D0 + 1 * DAY, .pnl = 100, .commission = 2, .mae = -10, .mfe = 120 },
  { .symbol = 0, .side = QL_SIDE_BUY, .quantity = 1, .entry_time = D0 + 7 * DAY, .exit_time = D0 + 9 * DAY, .pnl = 200, .commission = 2, .mae = -50, .mfe = 255 },
  { .symbol = 1, .side = QL_SIDE_BUY, .quantity = 1, .entry_time = D0 + 2 * DAY, .exit_time = D0 + 3 * DAY, .pnl = 50, .commission = 2, .mae = -20, .mfe = 60 },
  { .symbol = 1, .side = QL_SIDE_SELL, .quantity = 1, .entry_time = D0 + 5 * DAY, .exit_time = D0 + 6 * DAY, .pnl = -20, .commission = 2, .mae = -30, .mfe = 5 },
};

static void
scenario_equity (QlEquityPoint eq[10])
{
  static const double e[10] = { 1000, 1100, 1000, 1050, 1080, 1200, 900, 950, 1250, 1300 };
  for (int i = 0; i < 10; i++)
    eq[i] = (QlEquityPoint) { .time = D0 + i * DAY, .balance = e[i], .equity = e[i], .exposure = i == 1 ? 0.5 : 0 };
}

static const double first_price[2] = { 100, 50 };
static const double last_price[2] = { 120, 45 };
static const char *const names[2] = { "AAA", "BBB" };

static QlMetricsInput
scenario_input (const QlEquityPoint *eq)
{
  return (QlMetricsInput) {
    .trades = scenario_trades,
    .n_trades = G_N_ELEMENTS (scenario_trades),
    .equity = eq,
    .n_equity = 10,
    .initial_capital = 1000,
    .n_symbols = 2,
    .symbol_names = names,
    .first_price = first_price,
    .last_price = last_price,
  };
}

static void
test_trade_stats (void)
{
  QlEquityPoint eq[10];
  QlMetrics total, per[2];

  g_test_summary ("Five trades: profit factor, win rate, averages, streaks in exit order, MAE/MFE");
  scenario_equity (eq);
  QlMetricsInput in = scenario_input (eq);
  ql_metrics_compute (&in, &total, per);

  g_assert_cmpuint (total.n_trades, ==, 5);
  g_assert_cmpuint (total.n_wins, ==, 3);
  g_assert_cmpuint (total.n_losses, ==, 2);
  /* 100 + 50 - 30 - 20 + 200 = 300; wins 350; losses -50. */
  g_assert_cmpfloat (total.net_profit, ==, 300);
  g_assert_cmpfloat (total.gross_profit, ==, 350);
  g_assert_cmpfloat (total.gross_loss, ==, -50);
  g_assert_cmpfloat (total.commission, ==, 10);
  g_assert_cmpfloat (total.profit_factor, ==, 7);   /* 350 / 50 */
  g_assert_cmpfloat (total.win_rate, ==, 0.6);      /* 3 / 5 */
  assert_close (total.avg_win, 350.0 / 3, 1e-15);   /* 116.67 */
  g_assert_cmpfloat (total.avg_loss, ==, -25);      /* -50 / 2 */
  g_assert_cmpfloat (total.expectancy, ==, 60);     /* 300 / 5 */
  g_assert_cmpfloat (total.largest_win, ==, 200);
  g_assert_cmpfloat (total.largest_loss, ==, -30);
  g_assert_cmpfloat (total.avg_mae, ==, -30);       /* (-10-20-40-30-50) / 5 */
  g_assert_cmpfloat (total.avg_mfe, ==, 90);        /* (120+60+10+5+255) / 5 */
  /* Exit order: +100 +50 -30 -20 +200: two wins, then two losses. */
  g_assert_cmpuint (total.longest_win_streak, ==, 2);
  g_assert_cmpuint (total.longest_loss_streak, ==, 2);

  /* s0: +100 (day 1), -30 (day 5), +200 (day 9). */
  g_assert_cmpuint (per[0].n_trades, ==, 3);
  g_assert_cmpfloat (per[0].net_profit, ==, 270);
  g_assert_cmpfloat (per[0].profit_factor, ==, 10); /* 300 / 30 */
  assert_close (per[0].win_rate, 2.0 / 3, 1e-15);
  g_assert_cmpuint (per[0].longest_win_streak, ==, 1);
  g_assert_cmpuint (per[0].longest_loss_streak, ==, 1);
  g_assert_cmpfloat (per[0].total_return, ==, 0.27);
  /* s1: +50 (day 3), -20 (day 6). */
  g_assert_cmpuint (per[1].n_trades, ==, 2);
  g_assert_cmpfloat (per[1].net_profit, ==, 30);
  g_assert_cmpfloat (per[1].profit_factor, ==, 2.5);
  g_assert_cmpfloat (per[1].expectancy, ==, 15);
  /* No per-symbol marked curve: the curve's figures are NA. */
  g_assert_true (isnan (per[0].sharpe));
  g_assert_true (isnan (per[1].final_equity));
}

static void
test_drawdown (void)
{
  QlEquityPoint eq[10];
  QlMetrics total, per[2];

  g_test_summary ("Drawdown amount, fraction and duration peak to recovery; the longest episode");
  scenario_equity (eq);
  QlMetricsInput in = scenario_input (eq);
  ql_metrics_compute (&in, &total, per);

  /* Episodes: peak 1100 (day 1) -> 1000 (day 2) -> back above on day 5
   * (1200): 4 days, depth 100 = 9.09 %. Peak 1200 (day 5) -> 900 (day 6) ->
   * 1250 on day 8: 3 days, depth 300 = 25 %: the maximum. */
  g_assert_cmpfloat (total.max_drawdown, ==, 300);
  g_assert_cmpfloat (total.max_drawdown_fraction, ==, 0.25);
  g_assert_cmpint (total.max_drawdown_peak_time, ==, D0 + 5 * DAY);
  g_assert_cmpint (total.max_drawdown_trough_time, ==, D0 + 6 * DAY);
  g_assert_cmpint (total.max_drawdown_end_time, ==, D0 + 8 * DAY);
  g_assert_true (total.max_drawdown_recovered);
  g_assert_cmpint (total.max_drawdown_duration, ==, 3 * DAY);
  g_assert_cmpint (total.longest_drawdown_duration, ==, 4 * DAY);

  /* s0's realised curve: 1000, 1100 (day 1), 1070 (day 5), 1270 (day 9):
   * 30 below the peak of day 1, recovered on day 9: 8 days. */
  g_assert_cmpfloat (per[0].max_drawdown, ==, 30);
  assert_close (per[0].max_drawdown_fraction, 30.0 / 1100, 1e-15);
  g_assert_cmpint (per[0].max_drawdown_duration, ==, 8 * DAY);
  g_assert_true (per[0].max_drawdown_recovered);
  /* s1: 1050 (day 3), 1030 (day 6), never back: runs to its last point. */
  g_assert_cmpfloat (per[1].max_drawdown, ==, 20);
  g_assert_cmpint (per[1].max_drawdown_peak_time, ==, D0 + 3 * DAY);
  g_assert_false (per[1].max_drawdown_recovered);
  g_assert_cmpint (per[1].max_drawdown_duration, ==, 3 * DAY);
}

static void
test_drawdown_not_recovered (void)
{
  QlEquityPoint eq[5];
  QlMetrics total;
  static const double e[5] = { 1000, 1200, 1100, 1150, 900 };

  g_test_summary ("A drawdown that never recovers lasts from its peak to the last point");
  for (int i = 0; i < 5; i++)
    eq[i] = (QlEquityPoint) { .time = D0 + i * DAY, .equity = e[i], .balance = e[i] };
  QlMetricsInput in = { .equity = eq, .n_equity = 5, .initial_capital = 1000 };
  ql_metrics_compute (&in, &total, NULL);
  /* Peak 1200 on day 1; deepest 900 on day 4: 300, 25 %; open 3 days. */
  g_assert_cmpfloat (total.max_drawdown, ==, 300);
  g_assert_cmpfloat (total.max_drawdown_fraction, ==, 0.25);
  g_assert_false (total.max_drawdown_recovered);
  g_assert_cmpint (total.max_drawdown_end_time, ==, D0 + 4 * DAY);
  g_assert_cmpint (total.max_drawdown_duration, ==, 3 * DAY);
  g_assert_cmpint (total.longest_drawdown_duration, ==, 3 * DAY);
  /* 900 / 1000 - 1 */
  assert_close (total.total_return, -0.1, 1e-15);
}

static void
test_sharpe_sortino (void)
{
  QlEquityPoint eq[10];
  QlMetrics total;

  g_test_summary ("Sharpe and Sortino from per-point returns, derived and given periods per year");
  scenario_equity (eq);
  QlMetricsInput in = scenario_input (eq);
  ql_metrics_compute (&in, &total, NULL);

  /* Returns r1..r9: 0.1, -1/11, 0.05, 1/35, 1/9, -0.25, 1/18, 6/19, 0.04.
   * Sum 0.3601184780132150, mean 0.04001316422369056; sample variance
   * sum (r - mean)^2 / 8 gives sd 0.1526541843493752. Downside deviation
   * sqrt ((1/11^2 + 0.25^2) / 9) = 0.08867196902060323. Nine returns over
   * nine days: years = 9 / 365.25, periods per year 365.25. */
  assert_close (total.years, 9.0 / 365.25, 1e-15);
  assert_close (total.periods_per_year, 365.25, 1e-12);
  /* 0.04001316422369056 / 0.1526541843493752 * sqrt (365.25) */
  assert_close (total.sharpe, 5.009441343914161, 1e-12);
  /* 0.04001316422369056 / 0.08867196902060323 * sqrt (365.25) */
  assert_close (total.sortino, 8.624057758586265, 1e-12);
  /* Nine days: no CAGR, hence no Calmar. */
  g_assert_true (isnan (total.cagr));
  g_assert_true (isnan (total.calmar));

  /* 252 periods a year and a 5 % risk-free rate: rf per period
   * 1.05^(1/252) - 1 = 0.00019363050654397. Excess mean 0.03981953371714659,
   * same sd; downside sqrt ((0.0911027214^2 + 0.2501936305^2) / 9)
   * = 0.08875469226743254; Sharpe 0.03981953371714659 / 0.1526541843493752
   * * sqrt (252) = 4.140833111931103, Sortino 7.122051635580677. */
  in.periods_per_year = 252;
  in.risk_free_rate = 0.05;
  ql_metrics_compute (&in, &total, NULL);
  g_assert_cmpfloat (total.periods_per_year, ==, 252);
  assert_close (total.sharpe, 4.140833111931103, 1e-12);
  assert_close (total.sortino, 7.122051635580677, 1e-12);
}

/* Returns whose mean is a thousand times their spread (steady growth with a
 * little noise), over many blocks: where one-pass sums of squares lose the
 * variance to cancellation. Checked against a two-pass sum in long double,
 * written here independently of the library's gathering. */
static void
test_sharpe_steady_growth (void)
{
  enum { N = 20000 };
  g_autofree QlEquityPoint *eq = g_new0 (QlEquityPoint, N);
  long double sum = 0, ss = 0, mean, sd, want;
  guint32 rng = 11;
  QlMetrics total;
  QlMetricsInput in = { 0 };

  g_test_summary ("Sharpe of a steadily growing curve (mean return 1e3 x its sd) over 20,000 "
                  "points matches a long-double two-pass computation");
  eq[0] = (QlEquityPoint) { .time = D0, .equity = 1000, .balance = 1000 };
  for (int i = 1; i < N; i++)
    {
      rng = rng * 1664525u + 1013904223u;
      double noise = ((double) (rng >> 8) / 16777216.0 - 0.5) * 2e-6; /* +-1e-6 */
      eq[i] = (QlEquityPoint) { .time = D0 + i * 3600 * QL_NS_PER_SEC,
                                .equity = eq[i - 1].equity * (1.001 + noise) };
      eq[i].balance = eq[i].equity;
    }
  for (int i = 1; i < N; i++)
    sum += (long double) eq[i].equity / eq[i - 1].equity - 1;
  mean = sum / (N - 1);
  for (int i = 1; i < N; i++)
    {
      long double e = (long double) eq[i].equity / eq[i - 1].equity - 1 - mean;
      ss += e * e;
    }
  sd = sqrtl (ss / (N - 2));
  in.equity = eq;
  in.n_equity = N;
  in.initial_capital = 1000;
  in.periods_per_year = 8760;
  ql_metrics_compute (&in, &total, NULL);
  want = mean / sd * sqrtl (8760);
  g_assert_cmpfloat (want, >, 1e4); /* sd ~ 5.8e-7 against a mean of 1e-3 */
  assert_close (total.sharpe, (double) want, 1e-10); /* measured 1.6e-13 */
}

static void
test_exposure_buy_hold (void)
{
  QlEquityPoint eq[10];
  QlMetrics total, per[2];

  g_test_summary ("Exposure as a share of the run's time; buy and hold split over the symbols");
  scenario_equity (eq);
  QlMetricsInput in = scenario_input (eq);
  ql_metrics_compute (&in, &total, per);

  /* Holding intervals (days): T1 [0,1], T2 [2,3], T3 [3,5], T4 [5,6],
   * T5 [7,9], plus [1,2] from point 1's open position: union [0,6] and
   * [7,9] = 8 of 9 days. s0: [0,1] [3,5] [7,9] = 5 days; s1: [2,3] [5,6]. */
  assert_close (total.exposure, 8.0 / 9, 1e-15);
  assert_close (per[0].exposure, 5.0 / 9, 1e-15);
  assert_close (per[1].exposure, 2.0 / 9, 1e-15);

  /* s0 100 -> 120: +20 %, 200 on 1000; s1 50 -> 45: -10 %, -100. Total:
   * 500 in each: (0.2 - 0.1) / 2 = 5 %, 50. */
  assert_close (per[0].buy_hold_return, 0.2, 1e-15);
  assert_close (per[0].buy_hold_net_profit, 200, 1e-12);
  assert_close (per[1].buy_hold_return, -0.1, 1e-15);
  assert_close (total.buy_hold_return, 0.05, 1e-15);
  assert_close (total.buy_hold_net_profit, 50, 1e-12);
  g_assert_cmpfloat (total.final_equity, ==, 1300);
  assert_close (total.total_return, 0.3, 1e-15);

  /* No prices: NA. */
  in.first_price = in.last_price = NULL;
  ql_metrics_compute (&in, &total, per);
  g_assert_true (isnan (total.buy_hold_return));
  g_assert_true (isnan (per[1].buy_hold_net_profit));
}

static void
test_cagr_calmar (void)
{
  QlEquityPoint eq[3];
  QlMetrics total;

  g_test_summary ("CAGR over two years and Calmar; a run shorter than a year has no CAGR");
  /* 1000 -> 900 after one Julian year -> 1210 after two: CAGR
   * sqrt (1.21) - 1 = 0.1; drawdown 10 %; Calmar 0.1 / 0.1 = 1. */
  eq[0] = (QlEquityPoint) { .time = D0, .equity = 1000 };
  eq[1] = (QlEquityPoint) { .time = D0 + QL_METRICS_YEAR_NS, .equity = 900 };
  eq[2] = (QlEquityPoint) { .time = D0 + 2 * QL_METRICS_YEAR_NS, .equity = 1210 };
  QlMetricsInput in = { .equity = eq, .n_equity = 3, .initial_capital = 1000 };
  ql_metrics_compute (&in, &total, NULL);
  g_assert_cmpfloat (total.years, ==, 2);
  g_assert_cmpfloat (total.periods_per_year, ==, 1);
  assert_close (total.cagr, 0.1, 1e-14);
  assert_close (total.calmar, 1.0, 1e-13);

  /* The same figures a day short of one year: CAGR and Calmar NA. */
  eq[1].time = D0 + 100 * DAY;
  eq[2].time = D0 + 364 * DAY;
  ql_metrics_compute (&in, &total, NULL);
  g_assert_cmpfloat (total.years, <, 1);
  g_assert_true (isnan (total.cagr));
  g_assert_true (isnan (total.calmar));
  assert_close (total.total_return, 0.21, 1e-15);

  /* Everything lost: CAGR -100 %. */
  eq[1].time = D0 + QL_METRICS_YEAR_NS;
  eq[2] = (QlEquityPoint) { .time = D0 + 2 * QL_METRICS_YEAR_NS, .equity = 0 };
  ql_metrics_compute (&in, &total, NULL);
  g_assert_cmpfloat (total.cagr, ==, -1);
  g_assert_cmpfloat (total.max_drawdown_fraction, ==, 1);
}

static void
test_no_trades_flat (void)
{
  QlEquityPoint eq[4];
  QlMetrics total, per[1];

  g_test_summary ("No trades and flat equity: counts are 0, ratios NA, no drawdown");
  for (int i = 0; i < 4; i++)
    eq[i] = (QlEquityPoint) { .time = D0 + i * DAY, .equity = 1000, .balance = 1000 };
  QlMetricsInput in = { .equity = eq, .n_equity = 4, .initial_capital = 1000, .n_symbols = 1 };
  ql_metrics_compute (&in, &total, per);
  g_assert_cmpuint (total.n_trades, ==, 0);
  g_assert_cmpfloat (total.net_profit, ==, 0);
  g_assert_true (isnan (total.profit_factor));
  g_assert_true (isnan (total.win_rate));
  g_assert_true (isnan (total.expectancy));
  g_assert_true (isnan (total.avg_win));
  g_assert_true (isnan (total.largest_loss));
  g_assert_true (isnan (total.avg_mae));
  g_assert_cmpuint (total.longest_win_streak, ==, 0);
  /* Flat: every return 0, sd 0: Sharpe undefined; no downside either. */
  g_assert_true (isnan (total.sharpe));
  g_assert_true (isnan (total.sortino));
  g_assert_cmpfloat (total.max_drawdown, ==, 0);
  g_assert_cmpint (total.max_drawdown_duration, ==, 0);
  g_assert_cmpint (total.max_drawdown_peak_time, ==, QL_TIME_NONE);
  g_assert_cmpfloat (total.exposure, ==, 0);
  g_assert_cmpfloat (total.total_return, ==, 0);
  g_assert_cmpuint (per[0].n_trades, ==, 0);
  g_assert_cmpfloat (per[0].max_drawdown, ==, 0);

  /* Nothing at all: still well defined. */
  QlMetricsInput empty = { .initial_capital = 1000 };
  ql_metrics_compute (&empty, &total, NULL);
  g_assert_cmpuint (total.n_trades, ==, 0);
  g_assert_true (isnan (total.final_equity));
  g_assert_true (isnan (total.exposure));
}

static void
test_one_trade_all_wins (void)
{
  QlTrade t[3] = {
    { .symbol = 0, .entry_time = D0, .exit_time = D0 + DAY, .pnl = -40, .mae = -50, .mfe = 10 },
    { .symbol = 0, .entry_time = D0 + DAY, .exit_time = D0 + 2 * DAY, .pnl = 30 },
    { .symbol = 0, .entry_time = D0 + 2 * DAY, .exit_time = D0 + 3 * DAY, .pnl = 0 },
  };
  QlMetrics total;

  g_test_summary ("One losing trade: profit factor 0; all wins: infinite; breakeven ends streaks");
  QlMetricsInput in = { .trades = t, .n_trades = 1, .initial_capital = 1000 };
  ql_metrics_compute (&in, &total, NULL);
  g_assert_cmpuint (total.n_trades, ==, 1);
  g_assert_cmpfloat (total.profit_factor, ==, 0);
  g_assert_cmpfloat (total.win_rate, ==, 0);
  g_assert_cmpfloat (total.avg_loss, ==, -40);
  g_assert_true (isnan (total.avg_win));
  g_assert_cmpuint (total.longest_loss_streak, ==, 1);
  /* No curve: the span is the trade's, held all of it. */
  g_assert_cmpfloat (total.exposure, ==, 1);

  /* The winner and the breakeven trade: no loss, profit factor +inf. */
  in.trades = t + 1;
  in.n_trades = 2;
  ql_metrics_compute (&in, &total, NULL);
  g_assert_true (isinf (total.profit_factor) && total.profit_factor > 0);
  g_assert_cmpuint (total.n_wins, ==, 1);
  g_assert_cmpuint (total.n_losses, ==, 0);
  g_assert_cmpfloat (total.win_rate, ==, 0.5);
  g_assert_cmpuint (total.longest_win_streak, ==, 1);

  /* Only the breakeven trade: 0 / 0 is NA. */
  in.trades = t + 2;
  in.n_trades = 1;
  ql_metrics_compute (&in, &total, NULL);
  g_assert_true (isnan (total.profit_factor));
}

static void
test_monthly_returns (void)
{
  /* 2023-11-30T23:00Z, 2023-12-15T00:00Z, 2023-12-31T23:59:59Z,
   * 2024-01-01T00:00Z (exactly midnight: January), 2024-03-10T00:00Z. */
  QlEquityPoint eq[5] = {
    { .time = D0 - 31 * DAY - QL_NS_PER_HOUR, .equity = 1010 },
    { .time = D0 - 17 * DAY, .equity = 1050 },
    { .time = D0 - QL_NS_PER_SEC, .equity = 1100 },
    { .time = D0, .equity = 1089 },
    { .time = D0 + (31 + 29 + 9) * DAY, .equity = 1200 },
  };
  gsize n;

  g_test_summary ("Calendar months in UTC across a year boundary; a month without points returns 0");
  g_autofree QlMonthlyReturn *m = ql_metrics_monthly_returns (eq, 5, 1000, &n);
  g_assert_cmpuint (n, ==, 5);
  /* 2023-11: 1000 -> 1010, +1 %. */
  g_assert_cmpint (m[0].year, ==, 2023);
  g_assert_cmpint (m[0].month, ==, 11);
  assert_close (m[0].ret, 0.01, 1e-15);
  /* 2023-12: 1010 -> 1100 (the last point of the month). */
  g_assert_cmpint (m[1].month, ==, 12);
  g_assert_cmpfloat (m[1].start_equity, ==, 1010);
  g_assert_cmpfloat (m[1].end_equity, ==, 1100);
  assert_close (m[1].ret, 90.0 / 1010, 1e-15);
  /* 2024-01: 1100 -> 1089, -1 %. */
  g_assert_cmpint (m[2].year, ==, 2024);
  g_assert_cmpint (m[2].month, ==, 1);
  assert_close (m[2].ret, -0.01, 1e-15);
  /* 2024-02: no point, unchanged. */
  g_assert_cmpint (m[3].month, ==, 2);
  g_assert_cmpfloat (m[3].ret, ==, 0);
  g_assert_cmpfloat (m[3].end_equity, ==, 1089);
  /* 2024-03: 1089 -> 1200. */
  g_assert_cmpint (m[4].month, ==, 3);
  assert_close (m[4].ret, 111.0 / 1089, 1e-15);

  /* The months compound to the whole run: 1200 / 1000. */
  double growth = 1;
  for (gsize i = 0; i < n; i++)
    growth *= 1 + m[i].ret;
  assert_close (growth, 1.2, 1e-14);

  g_assert_null (ql_metrics_monthly_returns (eq, 0, 1000, &n));
  g_assert_cmpuint (n, ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/metrics/trades/stats", test_trade_stats);
  g_test_add_func ("/engine/metrics/trades/one-trade-all-wins", test_one_trade_all_wins);
  g_test_add_func ("/engine/metrics/drawdown/amount-percent-duration", test_drawdown);
  g_test_add_func ("/engine/metrics/drawdown/not-recovered", test_drawdown_not_recovered);
  g_test_add_func ("/engine/metrics/returns/sharpe-sortino", test_sharpe_sortino);
  g_test_add_func ("/engine/metrics/returns/sharpe-steady-growth", test_sharpe_steady_growth);
  g_test_add_func ("/engine/metrics/returns/cagr-calmar", test_cagr_calmar);
  g_test_add_func ("/engine/metrics/exposure/buy-and-hold", test_exposure_buy_hold);
  g_test_add_func ("/engine/metrics/edge/no-trades-flat-equity", test_no_trades_flat);
  g_test_add_func ("/engine/metrics/monthly/year-boundary", test_monthly_returns);
  return g_test_run ();
}
