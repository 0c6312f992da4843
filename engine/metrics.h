/* engine/metrics.h — the numbers a backtest is judged by, computed from the
 * closed trades and the equity curve of engine/trade.h, in total and per
 * symbol, plus calendar-month returns.
 *
 * Every formula, its annualisation and each edge case are written out in
 * docs/backtest-report.md; the comments here are the short form. Ratios and
 * rates are fractions (0.05 = 5 %), money is in the account currency, times
 * are QlTimeNs and durations ns. A value that is not defined for the input
 * (no trades, flat equity, a run shorter than a year) is NAN ("NA"); a ratio
 * whose denominator is zero and numerator positive is +INFINITY (profit
 * factor with no losing trade). */
#pragma once

#include "engine/trade.h"

G_BEGIN_DECLS

/* One Julian year, the annualisation unit of CAGR and of the derived
 * periods per year. */
#define QL_METRICS_YEAR_NS (G_GINT64_CONSTANT (31557600) * QL_NS_PER_SEC)

/* A walk over a curve for its drawdown (metrics.c's; fields private). */
typedef struct
{
  double peak;
  QlTimeNs peak_time;
  gboolean in_dd, current_is_max;
  QlTimeNs last_time;
  double max_drawdown, max_drawdown_fraction;
  QlTimeNs max_drawdown_peak_time, max_drawdown_trough_time, max_drawdown_end_time;
  gboolean max_drawdown_recovered;
  QlTimeNs max_drawdown_duration, longest_drawdown_duration;
} QlDrawdownWalk;

/* The equity curve's figures gathered point by point, in time order.
 * ql_metrics_compute () gathers them from a stored curve; a run that keeps
 * no curve (a parameter sweep: QlRunConfig.curve_stats_only) gathers them
 * as it goes, in memory that grows with the stretches in the market, not
 * with the points, and gets the same figures to the last bit. Fields are
 * private; ql_curve_stats_clear () frees. */
typedef struct
{
  double initial_capital;
  double rf;                   /* per-period risk-free return */
  gsize n;                     /* points */
  QlTimeNs first_time, last_time;
  double last_equity;
  QlDrawdownWalk dd;           /* the peak starting at initial_capital */
  gboolean bad;                /* a return from a non-positive equity */
  gsize n_ret;                 /* returns, less rf: count, mean, sum of */
  double mean, m2, down;       /* squared deviations, of squared negatives */
  gsize blk_n;                 /* the block being summed (see metrics.c) */
  double blk_shift, blk_s1, blk_s2;
  gboolean exposed;            /* the last point holds a position */
  QlTimeNs *stretches;         /* [start, end) pairs, in the market */
  gsize n_stretches, room;
} QlCurveStats;

/* @rf: the risk-free return per period between points (0 without one). */
void ql_curve_stats_init (QlCurveStats *cs,
                          double        initial_capital,
                          double        rf);
void ql_curve_stats_add (QlCurveStats *cs,
                         QlTimeNs      time,
                         double        equity,
                         gboolean      exposed);
void ql_curve_stats_clear (QlCurveStats *cs);

typedef struct
{
  const QlTrade *trades;          /* n_trades, in any order (sorted by exit time here) */
  gsize n_trades;
  const QlEquityPoint *equity;    /* n_equity, strictly increasing time */
  gsize n_equity;
  /* Instead of @equity: the curve's figures gathered by the run (its rf
   * taken as given, so risk_free_rate is then not used). */
  const QlCurveStats *curve;
  double initial_capital;         /* > 0 */
  guint n_symbols;                /* trades' symbol < n_symbols */
  const char *const *symbol_names; /* n_symbols, nullable; for reports, unused here */
  const double *first_price;      /* n_symbols, nullable: buy-and-hold entry price */
  const double *last_price;       /* n_symbols, nullable: buy-and-hold exit price */
  double periods_per_year;        /* returns per year; <= 0: derived from the curve */
  double risk_free_rate;          /* annual, compounded; 0 when none */
} QlMetricsInput;

typedef struct
{
  /* From the closed trades. A win has pnl > 0, a loss pnl < 0; a trade with
   * pnl == 0 is neither and ends both streaks. Losses are negative money. */
  guint n_trades;
  guint n_wins;
  guint n_losses;
  double net_profit;       /* sum of pnl (closed trades only) */
  double gross_profit;     /* sum of pnl of wins, >= 0 */
  double gross_loss;       /* sum of pnl of losses, <= 0 */
  double commission;       /* sum of commission */
  double profit_factor;    /* gross_profit / -gross_loss; +inf without losses; NA without trades */
  double win_rate;         /* n_wins / n_trades; NA without trades */
  double avg_win;          /* gross_profit / n_wins; NA without wins */
  double avg_loss;         /* gross_loss / n_losses (<= 0); NA without losses */
  double expectancy;       /* net_profit / n_trades; NA without trades */
  double largest_win;      /* max pnl of wins; NA without wins */
  double largest_loss;     /* min pnl of losses (<= 0); NA without losses */
  double avg_mae;          /* mean of mae (<= 0); NA without trades */
  double avg_mfe;          /* mean of mfe (>= 0); NA without trades */
  guint longest_win_streak;  /* consecutive wins, trades ordered by exit time */
  guint longest_loss_streak;

  /* Drawdown. Total: of the equity curve (marked to market), the peak
   * starting at initial_capital. Per symbol: of initial_capital plus that
   * symbol's cumulative closed-trade pnl at each exit (no per-symbol marked
   * curve exists). "Maximum" is the deepest in money; its fraction of the
   * peak, max_drawdown_fraction, is the deepest relative one, which may be
   * another episode. An episode lasts from the peak to the first point back
   * at or above it, or to the last point when it never recovers. */
  double max_drawdown;               /* money, >= 0 */
  double max_drawdown_fraction;      /* max (peak - value) / peak, in [0, 1+] */
  QlTimeNs max_drawdown_peak_time;   /* QL_TIME_NONE without a drawdown */
  QlTimeNs max_drawdown_trough_time;
  QlTimeNs max_drawdown_end_time;    /* recovery, or the last point */
  gboolean max_drawdown_recovered;
  QlTimeNs max_drawdown_duration;    /* end - peak, ns; 0 without a drawdown */
  QlTimeNs longest_drawdown_duration; /* the longest episode, ns */

  /* From the equity curve (total only; NA per symbol, except total_return
   * and exposure, see below). Returns are taken between consecutive equity
   * points: r_i = equity_i / equity_{i-1} - 1. */
  double final_equity;     /* equity of the last point; NA per symbol */
  double total_return;     /* final_equity / initial_capital - 1; per symbol net_profit / initial_capital */
  double years;            /* (last time - first time) / QL_METRICS_YEAR_NS */
  double periods_per_year; /* given, or (n_equity - 1) / years */
  double cagr;             /* (final / initial)^(1 / years) - 1; NA when years < 1 */
  double sharpe;           /* mean (r - rf) / sd (r) * sqrt (ppy), sample sd; NA when sd == 0 */
  double sortino;          /* mean (r - rf) / downside dev * sqrt (ppy); +inf without downside, NA when flat */
  double calmar;           /* cagr / max_drawdown_fraction */
  double exposure;         /* share of the run's time with a position, [0, 1] */

  /* Buy and hold: the initial capital (total: split equally among symbols)
   * bought at first_price and valued at last_price, no costs. */
  double buy_hold_return;      /* fraction; NA without prices */
  double buy_hold_net_profit;  /* money; NA without prices */
} QlMetrics;

/* One calendar month (UTC) of the equity curve. */
typedef struct
{
  int year;
  int month;            /* 1..12 */
  double start_equity;  /* equity at the end of the previous month (initial capital first) */
  double end_equity;    /* equity of the month's last point (unchanged in a month without points) */
  double ret;           /* end_equity / start_equity - 1 */
} QlMonthlyReturn;

/* Fills @total and, when @per_symbol is not NULL, @per_symbol[0 ..
 * in->n_symbols - 1]. Trades whose symbol is out of range count only in the
 * total. Allocates only scratch memory, freed before returning. */
void ql_metrics_compute (const QlMetricsInput *in,
                         QlMetrics            *total,
                         QlMetrics            *per_symbol);

/* Every calendar month (UTC) from the first equity point's to the last
 * one's, in order; months without points are included with a return of 0.
 * Returns NULL with *n_months = 0 for an empty curve. (transfer full: g_free) */
QlMonthlyReturn *ql_metrics_monthly_returns (const QlEquityPoint *equity,
                                             gsize                n_equity,
                                             double               initial_capital,
                                             gsize               *n_months);

G_END_DECLS
