/* engine/metrics.c — backtest analytics (definitions in engine/metrics.h and
 * docs/backtest-report.md). */
#define G_LOG_DOMAIN "ql-engine-metrics"

#include "engine/metrics.h"

#include "engine/instrument.h"

#include <math.h>
#include <stdlib.h>

/* a / b with the report's conventions for a zero denominator: +inf or -inf
 * by the sign of a, NA when a is 0 too. */
static double
ratio (double a, double b)
{
  if (isnan (a) || isnan (b))
    return NAN;
  if (b != 0)
    return a / b;
  return a > 0 ? INFINITY : a < 0 ? -INFINITY : NAN;
}

static void
metrics_reset (QlMetrics *m)
{
  *m = (QlMetrics) {
    .profit_factor = NAN,
    .win_rate = NAN,
    .avg_win = NAN,
    .avg_loss = NAN,
    .expectancy = NAN,
    .largest_win = NAN,
    .largest_loss = NAN,
    .avg_mae = NAN,
    .avg_mfe = NAN,
    .max_drawdown_peak_time = QL_TIME_NONE,
    .max_drawdown_trough_time = QL_TIME_NONE,
    .max_drawdown_end_time = QL_TIME_NONE,
    .final_equity = NAN,
    .total_return = NAN,
    .years = NAN,
    .periods_per_year = NAN,
    .cagr = NAN,
    .sharpe = NAN,
    .sortino = NAN,
    .calmar = NAN,
    .exposure = NAN,
    .buy_hold_return = NAN,
    .buy_hold_net_profit = NAN,
  };
}

/* Trade statistics; @order lists the trades to count, by exit time. */
static void
trade_stats (const QlTrade *trades,
             const guint   *order,
             gsize          n,
             QlMetrics     *m)
{
  double mae = 0, mfe = 0;
  guint win_run = 0, loss_run = 0;

  for (gsize k = 0; k < n; k++)
    {
      const QlTrade *t = &trades[order[k]];

      m->n_trades++;
      m->net_profit += t->pnl;
      m->commission += t->commission;
      mae += t->mae;
      mfe += t->mfe;
      if (t->pnl > 0)
        {
          m->n_wins++;
          m->gross_profit += t->pnl;
          if (isnan (m->largest_win) || t->pnl > m->largest_win)
            m->largest_win = t->pnl;
          win_run++, loss_run = 0;
        }
      else if (t->pnl < 0)
        {
          m->n_losses++;
          m->gross_loss += t->pnl;
          if (isnan (m->largest_loss) || t->pnl < m->largest_loss)
            m->largest_loss = t->pnl;
          loss_run++, win_run = 0;
        }
      else
        win_run = loss_run = 0;
      m->longest_win_streak = MAX (m->longest_win_streak, win_run);
      m->longest_loss_streak = MAX (m->longest_loss_streak, loss_run);
    }
  if (m->n_trades == 0)
    return;
  m->profit_factor = ratio (m->gross_profit, -m->gross_loss);
  m->win_rate = (double) m->n_wins / m->n_trades;
  m->expectancy = m->net_profit / m->n_trades;
  m->avg_mae = mae / m->n_trades;
  m->avg_mfe = mfe / m->n_trades;
  if (m->n_wins > 0)
    m->avg_win = m->gross_profit / m->n_wins;
  if (m->n_losses > 0)
    m->avg_loss = m->gross_loss / m->n_losses;
}

/* Drawdown, a point at a time (times increasing), the peak starting at
 * @seed at @seed_time. */
static void
dd_init (QlDrawdownWalk *w, double seed, QlTimeNs seed_time)
{
  *w = (QlDrawdownWalk) {
    .peak = seed,
    .peak_time = seed_time,
    .last_time = seed_time,
    .max_drawdown_peak_time = QL_TIME_NONE,
    .max_drawdown_trough_time = QL_TIME_NONE,
    .max_drawdown_end_time = QL_TIME_NONE,
  };
}

static inline void
dd_step (QlDrawdownWalk *w, QlTimeNs t, double v)
{
  w->last_time = t;
  if (v >= w->peak)
    {
      if (w->in_dd)
        {
          w->longest_drawdown_duration = MAX (w->longest_drawdown_duration, t - w->peak_time);
          if (w->current_is_max)
            {
              w->max_drawdown_end_time = t;
              w->max_drawdown_recovered = TRUE;
              w->max_drawdown_duration = t - w->max_drawdown_peak_time;
            }
        }
      w->in_dd = w->current_is_max = FALSE;
      w->peak = v;
      w->peak_time = t;
      return;
    }
  w->in_dd = TRUE;
  double amount = w->peak - v;
  if (w->peak > 0 && amount / w->peak > w->max_drawdown_fraction)
    w->max_drawdown_fraction = amount / w->peak;
  if (amount > w->max_drawdown)
    {
      w->max_drawdown = amount;
      w->max_drawdown_peak_time = w->peak_time;
      w->max_drawdown_trough_time = t;
      w->current_is_max = TRUE;
    }
}

/* The walk's figures into @m; an episode still open ends at the last point. */
static void
dd_finish (const QlDrawdownWalk *walk, QlMetrics *m)
{
  QlDrawdownWalk w = *walk;

  if (w.in_dd)
    {
      w.longest_drawdown_duration = MAX (w.longest_drawdown_duration, w.last_time - w.peak_time);
      if (w.current_is_max)
        {
          w.max_drawdown_end_time = w.last_time;
          w.max_drawdown_recovered = FALSE;
          w.max_drawdown_duration = w.last_time - w.max_drawdown_peak_time;
        }
    }
  m->max_drawdown = w.max_drawdown;
  m->max_drawdown_fraction = w.max_drawdown_fraction;
  m->max_drawdown_peak_time = w.max_drawdown_peak_time;
  m->max_drawdown_trough_time = w.max_drawdown_trough_time;
  m->max_drawdown_end_time = w.max_drawdown_end_time;
  m->max_drawdown_recovered = w.max_drawdown_recovered;
  m->max_drawdown_duration = w.max_drawdown_duration;
  m->longest_drawdown_duration = w.longest_drawdown_duration;
}

typedef struct
{
  QlTimeNs start, end;
} Interval;

static int
interval_cmp (const void *a, const void *b)
{
  const Interval *x = a, *y = b;
  if (x->start != y->start)
    return x->start < y->start ? -1 : 1;
  return (x->end > y->end) - (x->end < y->end);
}

/* Length of the union of @n intervals, sorted by start, clipped to [lo, hi]. */
static QlTimeNs
union_length_sorted (const Interval *iv, gsize n, QlTimeNs lo, QlTimeNs hi)
{
  QlTimeNs total = 0, cur_start = 0, cur_end = 0;
  gboolean open = FALSE;

  for (gsize i = 0; i < n; i++)
    {
      QlTimeNs s = MAX (iv[i].start, lo), e = MIN (iv[i].end, hi);
      if (e <= s)
        continue;
      if (open && s <= cur_end)
        {
          cur_end = MAX (cur_end, e);
          continue;
        }
      if (open)
        total += cur_end - cur_start;
      cur_start = s, cur_end = e, open = TRUE;
    }
  if (open)
    total += cur_end - cur_start;
  return total;
}

/* The same for intervals in any order; sorts @iv. */
static QlTimeNs
union_length (Interval *iv, gsize n, QlTimeNs lo, QlTimeNs hi)
{
  qsort (iv, n, sizeof *iv, interval_cmp);
  return union_length_sorted (iv, n, lo, hi);
}

/* Merges @a and @b, each sorted by interval_cmp, into @out (n_a + n_b). */
static void
merge_intervals (const Interval *a, gsize n_a, const Interval *b, gsize n_b, Interval *out)
{
  gsize i = 0, j = 0, k = 0;
  while (i < n_a && j < n_b)
    out[k++] = interval_cmp (&a[i], &b[j]) <= 0 ? a[i++] : b[j++];
  while (i < n_a)
    out[k++] = a[i++];
  while (j < n_b)
    out[k++] = b[j++];
}

void
ql_curve_stats_init (QlCurveStats *cs, double initial_capital, double rf)
{
  *cs = (QlCurveStats) {
    .initial_capital = initial_capital,
    .rf = rf,
    .first_time = QL_TIME_NONE,
    .last_time = QL_TIME_NONE,
    .last_equity = NAN,
  };
}

void
ql_curve_stats_clear (QlCurveStats *cs)
{
  g_clear_pointer (&cs->stretches, g_free);
  cs->n_stretches = cs->room = 0;
}

/* Returns are summed in blocks of CURVE_BLOCK, each as plain sums of its
 * values less the block's first one, then merged into the running mean and
 * sum of squared deviations (Chan, Golub and LeVeque's pairwise update).
 * Welford's point-by-point update put a division on the loop-carried chain
 * of every point (52 ms instead of 41 for a 1M-bar run); this keeps the
 * chain to additions, and the shift keeps the sums free of cancellation. */
#define CURVE_BLOCK 512

static void
curve_merge_block (QlCurveStats *cs)
{
  double nb = (double) cs->blk_n, na, n, mean_b, m2_b, delta;

  if (cs->blk_n == 0)
    return;
  na = (double) (cs->n_ret - cs->blk_n);
  n = na + nb;
  mean_b = cs->blk_shift + cs->blk_s1 / nb;
  m2_b = cs->blk_s2 - cs->blk_s1 * cs->blk_s1 / nb;
  delta = mean_b - cs->mean;
  cs->mean += delta * nb / n;
  cs->m2 += m2_b + delta * delta * na * nb / n;
  cs->blk_n = 0;
  cs->blk_s1 = cs->blk_s2 = 0;
}

void
ql_curve_stats_add (QlCurveStats *cs, QlTimeNs time, double equity, gboolean exposed)
{
  if (cs->n == 0)
    {
      cs->first_time = time;
      dd_init (&cs->dd, cs->initial_capital, time);
    }
  else
    {
      /* The return over the previous point, less rf. A flat step skips
       * the division: e / e is exactly 1, so the value is the same bits. */
      double prev = cs->last_equity, e, d;

      if (!(prev > 0))
        cs->bad = TRUE;
      e = equity == prev ? 0.0 - cs->rf : equity / prev - 1.0 - cs->rf;
      if (cs->blk_n == 0)
        cs->blk_shift = e;
      d = e - cs->blk_shift;
      cs->blk_s1 += d;
      cs->blk_s2 += d * d;
      cs->blk_n++;
      cs->n_ret++;
      if (cs->blk_n == CURVE_BLOCK)
        curve_merge_block (cs);
      /* min (e, 0)^2 without a branch on the sign of a random walk's
       * return; e >= 0 adds +0, which leaves the sum's bits alone */
      d = e < 0 ? e : 0.0;
      cs->down += d * d;
      /* The step from the previous point is in the market when that point
       * held a position; adjacent steps join (the union is the same). */
      if (cs->exposed)
        {
          if (cs->n_stretches > 0 && cs->stretches[2 * cs->n_stretches - 1] == cs->last_time)
            cs->stretches[2 * cs->n_stretches - 1] = time;
          else
            {
              if (cs->n_stretches == cs->room)
                {
                  cs->room = MAX (32, 2 * cs->room);
                  cs->stretches = g_renew (QlTimeNs, cs->stretches, 2 * cs->room);
                }
              cs->stretches[2 * cs->n_stretches] = cs->last_time;
              cs->stretches[2 * cs->n_stretches + 1] = time;
              cs->n_stretches++;
            }
        }
    }
  dd_step (&cs->dd, time, equity);
  cs->n++;
  cs->last_time = time;
  cs->last_equity = equity;
  cs->exposed = exposed;
}

/* Sharpe and Sortino of the curve's per-point returns (sample sd). */
static void
risk_ratios (const QlCurveStats *curve, double ppy, QlMetrics *m)
{
  QlCurveStats cs = *curve; /* the last block merged into a copy */
  gsize nr = cs.n_ret;

  if (nr < 2 || !(ppy > 0) || cs.bad)
    return; /* a return from a non-positive equity has no meaning */
  curve_merge_block (&cs);
  double sd = sqrt (cs.m2 / (nr - 1));
  double dd = sqrt (cs.down / nr);
  if (sd > 0)
    m->sharpe = cs.mean / sd * sqrt (ppy);
  m->sortino = ratio (cs.mean, dd);
  if (isfinite (m->sortino))
    m->sortino *= sqrt (ppy);
}

static int
order_cmp (const void *a, const void *b, gpointer data)
{
  const QlTrade *trades = data;
  guint i = *(const guint *) a, j = *(const guint *) b;
  if (trades[i].exit_time != trades[j].exit_time)
    return trades[i].exit_time < trades[j].exit_time ? -1 : 1;
  return (i > j) - (i < j);
}

static double
buy_hold_return (const QlMetricsInput *in, guint s)
{
  if (in->first_price == NULL || in->last_price == NULL)
    return NAN;
  if (!(in->first_price[s] > 0) || !isfinite (in->last_price[s]))
    return NAN;
  return in->last_price[s] / in->first_price[s] - 1.0;
}

void
ql_metrics_compute (const QlMetricsInput *in,
                    QlMetrics            *total,
                    QlMetrics            *per_symbol)
{
  const QlEquityPoint *eq = in->equity;
  double cap = in->initial_capital;
  QlTimeNs t0 = QL_TIME_NONE, t1 = QL_TIME_NONE;
  QlCurveStats own;
  const QlCurveStats *cs = in->curve;
  gsize n;

  g_return_if_fail (in != NULL && total != NULL);
  g_return_if_fail (in->n_trades == 0 || in->trades != NULL);
  g_return_if_fail (in->n_equity == 0 || in->equity != NULL);

  if (cs == NULL)
    {
      /* The stored curve through the same gathering a run does without
       * one. Its rf needs the periods per year, known up front here. */
      double rf = 0;

      if (in->n_equity > 1 && eq[in->n_equity - 1].time > eq[0].time && in->risk_free_rate != 0)
        {
          double years = (double) (eq[in->n_equity - 1].time - eq[0].time) / (double) QL_METRICS_YEAR_NS;
          double ppy = in->periods_per_year > 0 ? in->periods_per_year : (double) (in->n_equity - 1) / years;
          rf = pow (1.0 + in->risk_free_rate, 1.0 / ppy) - 1.0;
        }
      ql_curve_stats_init (&own, cap, rf);
      for (gsize i = 0; i < in->n_equity; i++)
        ql_curve_stats_add (&own, eq[i].time, eq[i].equity, eq[i].exposure > 0);
      cs = &own;
    }
  n = cs->n;

  metrics_reset (total);
  for (guint s = 0; per_symbol != NULL && s < in->n_symbols; s++)
    metrics_reset (&per_symbol[s]);

  /* Trades in exit order; ties keep the caller's order. */
  g_autofree guint *order = g_new (guint, in->n_trades + 1);
  for (gsize k = 0; k < in->n_trades; k++)
    order[k] = (guint) k;
  g_qsort_with_data (order, (gint) in->n_trades, sizeof *order, order_cmp, (gpointer) in->trades);
  trade_stats (in->trades, order, in->n_trades, total);

  if (n > 0)
    {
      t0 = cs->first_time, t1 = cs->last_time;
      total->final_equity = cs->last_equity;
      total->total_return = cs->last_equity / cap - 1.0;
      dd_finish (&cs->dd, total);
    }
  else if (in->n_trades > 0)
    {
      /* No curve: the run's span is the trades'. */
      for (gsize k = 0; k < in->n_trades; k++)
        {
          QlTimeNs a = MIN (in->trades[k].entry_time, in->trades[k].exit_time);
          QlTimeNs b = MAX (in->trades[k].entry_time, in->trades[k].exit_time);
          t0 = t0 == QL_TIME_NONE ? a : MIN (t0, a);
          t1 = t1 == QL_TIME_NONE ? b : MAX (t1, b);
        }
    }

  if (n > 1 && t1 > t0)
    {
      total->years = (double) (t1 - t0) / (double) QL_METRICS_YEAR_NS;
      total->periods_per_year = in->periods_per_year > 0 ? in->periods_per_year
                                                         : (double) (n - 1) / total->years;
      if (total->years >= 1.0)
        {
          double growth = cs->last_equity / cap;
          total->cagr = growth > 0 ? pow (growth, 1.0 / total->years) - 1.0 : -1.0;
        }
      risk_ratios (cs, total->periods_per_year, total);
      total->calmar = ratio (total->cagr, total->max_drawdown_fraction);
    }

  /* Exposure: the union of the trades' holding intervals and of the curve's
   * intervals that begin with a position open (a position still open at the
   * end has no closed trade). */
  if (t1 > t0 && t0 != QL_TIME_NONE)
    {
      /* The curve's intervals come sorted; only the trades' need sorting,
       * then one merge: no sort over a million points. */
      g_autofree Interval *iv = g_new (Interval, in->n_trades + 1);
      gsize k = 0, m = cs->n_stretches;
      g_autofree Interval *curve = g_new (Interval, m + 1);
      g_autofree Interval *all = NULL;
      for (gsize j = 0; j < in->n_trades; j++)
        iv[k++] = (Interval) { in->trades[j].entry_time, in->trades[j].exit_time };
      qsort (iv, k, sizeof *iv, interval_cmp);
      for (gsize j = 0; j < m; j++)
        curve[j] = (Interval) { cs->stretches[2 * j], cs->stretches[2 * j + 1] };
      all = g_new (Interval, k + m + 1);
      merge_intervals (iv, k, curve, m, all);
      total->exposure = (double) union_length_sorted (all, k + m, t0, t1) / (double) (t1 - t0);

      for (guint s = 0; per_symbol != NULL && s < in->n_symbols; s++)
        {
          k = 0;
          for (gsize j = 0; j < in->n_trades; j++)
            if (in->trades[j].symbol == s)
              iv[k++] = (Interval) { in->trades[j].entry_time, in->trades[j].exit_time };
          per_symbol[s].exposure = (double) union_length (iv, k, t0, t1) / (double) (t1 - t0);
        }
    }

  if (cs == &own)
    ql_curve_stats_clear (&own);

  /* Buy and hold: the capital split equally among the symbols. */
  if (in->n_symbols > 0 && in->first_price != NULL && in->last_price != NULL)
    {
      double sum = 0;
      for (guint s = 0; s < in->n_symbols; s++)
        sum += buy_hold_return (in, s);
      total->buy_hold_return = sum / in->n_symbols;
      total->buy_hold_net_profit = cap * total->buy_hold_return;
    }

  if (per_symbol == NULL)
    return;

  g_autofree guint *sub = g_new (guint, in->n_trades + 1);
  for (guint s = 0; s < in->n_symbols; s++)
    {
      QlMetrics *m = &per_symbol[s];
      gsize k = 0;
      double running = cap;

      for (gsize j = 0; j < in->n_trades; j++)
        if (in->trades[order[j]].symbol == s)
          sub[k++] = order[j];
      trade_stats (in->trades, sub, k, m);
      m->total_return = m->net_profit / cap;
      /* The symbol's realised curve: capital plus its closed pnl at each exit. */
      if (k > 0)
        {
          QlDrawdownWalk w;

          dd_init (&w, cap, t0 != QL_TIME_NONE ? MIN (t0, in->trades[sub[0]].entry_time)
                                               : in->trades[sub[0]].entry_time);
          for (gsize j = 0; j < k; j++)
            {
              running += in->trades[sub[j]].pnl;
              dd_step (&w, in->trades[sub[j]].exit_time, running);
            }
          dd_finish (&w, m);
        }
      m->buy_hold_return = buy_hold_return (in, s);
      m->buy_hold_net_profit = cap * m->buy_hold_return;
    }
}

QlMonthlyReturn *
ql_metrics_monthly_returns (const QlEquityPoint *equity,
                            gsize                n_equity,
                            double               initial_capital,
                            gsize               *n_months)
{
  g_return_val_if_fail (n_months != NULL, NULL);
  *n_months = 0;
  if (n_equity == 0)
    return NULL;

  gint64 y0, y1;
  unsigned m0, m1, d;
  ql_civil_from_days (equity[0].time / QL_NS_PER_DAY - (equity[0].time % QL_NS_PER_DAY < 0), &y0, &m0, &d);
  ql_civil_from_days (equity[n_equity - 1].time / QL_NS_PER_DAY - (equity[n_equity - 1].time % QL_NS_PER_DAY < 0),
                      &y1, &m1, &d);
  gint64 first = y0 * 12 + (m0 - 1), last = y1 * 12 + (m1 - 1);
  gsize count = (gsize) (last - first + 1);
  QlMonthlyReturn *out = g_new (QlMonthlyReturn, count);
  double prev = initial_capital;
  gsize i = 0;

  for (gsize k = 0; k < count; k++)
    {
      gint64 ym = first + (gint64) k;
      gint64 y = ym / 12;
      unsigned mo = (unsigned) (ym % 12) + 1;
      /* First instant of the next month. */
      gint64 ny = mo == 12 ? y + 1 : y;
      unsigned nm = mo == 12 ? 1 : mo + 1;
      QlTimeNs next = ql_days_from_civil (ny, nm, 1) * QL_NS_PER_DAY;
      double end = prev;

      while (i < n_equity && equity[i].time < next)
        end = equity[i++].equity;
      out[k] = (QlMonthlyReturn) {
        .year = (int) y,
        .month = (int) mo,
        .start_equity = prev,
        .end_equity = end,
        .ret = end / prev - 1.0,
      };
      prev = end;
    }
  *n_months = count;
  return out;
}
