/* engine/montecarlo.h — how much of a backtest's result is the order its
 * trades happened to come in: the closed trades' P&L resampled (bootstrap,
 * with replacement) or reshuffled (permutation) N times, each run an equity
 * path from the initial capital, summarised as percentiles and breach
 * probabilities.
 *
 * Deterministic on every machine: the generator is xoshiro256** (Blackman and
 * Vigna, 2018) seeded by four outputs of splitmix64 (Steele, Lea and Flood,
 * 2014) from the 64-bit seed, and every draw is integer arithmetic:
 *  - an index below n is ql_monte_carlo_rng_below (): draws r until
 *    r >= (2^64 - n) mod n, then returns r mod n (unbiased rejection);
 *  - bootstrap: run k draws n_trades indices in order, each below n_trades;
 *  - permutation: run k applies Fisher–Yates to the array as run k - 1 left
 *    it (the caller's order before run 0): for i = n - 1 down to 1, swap
 *    element i with element ql_monte_carlo_rng_below (i + 1).
 * The same seed, trades and settings give bit-identical results.
 *
 * A path knows only the order of the trades, not their times, so rules
 * measured per day (a daily loss limit) cannot be judged here; drawdown and
 * equity-floor rules can. */
#pragma once

#include "engine/types.h"

G_BEGIN_DECLS

typedef struct
{
  guint64 s[4];
} QlMcRng;

void    ql_monte_carlo_rng_init  (QlMcRng *rng,
                                  guint64  seed);
guint64 ql_monte_carlo_rng_next  (QlMcRng *rng);  /* xoshiro256** */
guint64 ql_monte_carlo_rng_below (QlMcRng *rng,
                                  guint64  n);    /* uniform in [0, n), n > 0 */

typedef enum
{
  QL_MC_BOOTSTRAP,   /* n_trades draws with replacement */
  QL_MC_PERMUTATION, /* the same trades in a random order: final equity never changes */
} QlMcMethod;

typedef enum
{
  QL_MC_MAX_DRAWDOWN_FRACTION, /* breached when max drawdown / peak >= value */
  QL_MC_MAX_DRAWDOWN_AMOUNT,   /* breached when max drawdown (money) >= value */
  QL_MC_EQUITY_FLOOR,          /* breached when equity is ever <= value (the start included) */
} QlMcThresholdKind;

typedef struct
{
  QlMcThresholdKind kind;
  double value;
  const char *name; /* nullable: the rule it stands for, for reports */
} QlMcThreshold;

typedef struct
{
  const double *pnl;               /* n_trades, net P&L per closed trade */
  gsize n_trades;
  double initial_capital;          /* > 0 */
  guint n_runs;                    /* > 0 */
  guint64 seed;
  QlMcMethod method;
  const QlMcThreshold *thresholds; /* n_thresholds, nullable when 0 */
  gsize n_thresholds;
} QlMonteCarloSettings;

#define QL_MC_N_PERCENTILES 5

/* 5, 25, 50, 75, 95: the percentiles reported. */
extern const double ql_monte_carlo_percentiles[QL_MC_N_PERCENTILES];

/* Percentiles interpolate linearly between order statistics (Hyndman and
 * Fan's type 7, numpy's default): sorted x[0..N-1], h = (N - 1) p / 100,
 * x[floor h] + (h - floor h) (x[floor h + 1] - x[floor h]). */
typedef struct
{
  QlMcMethod method;
  guint n_runs;
  guint64 seed;
  gsize n_trades;
  double initial_capital;
  double final_equity[QL_MC_N_PERCENTILES];
  double max_drawdown[QL_MC_N_PERCENTILES];          /* money */
  double max_drawdown_fraction[QL_MC_N_PERCENTILES]; /* of the running peak */
  double mean_final_equity;
  double p_loss;                  /* share of runs ending below initial_capital */
  gsize n_thresholds;
  QlMcThreshold *thresholds;      /* n_thresholds, owned copies (names too) */
  double *p_breach;               /* n_thresholds: share of runs breaching each */
  double *run_final_equity;       /* n_runs, in run order */
  double *run_max_drawdown;       /* n_runs, in run order, money */
} QlMonteCarloResult;

/* Runs the simulation. Returns NULL only on a programming error (no runs,
 * capital <= 0, NULL pnl with trades). (transfer full) */
/* Draws the next run's path into @path (n_trades P&Ls, in order) exactly
 * as ql_monte_carlo_run () draws its runs: a caller that starts @rng with
 * ql_monte_carlo_rng_init (seed), fills @work with a copy of pnl and calls
 * this n_runs times sees the run's paths one by one (the report's
 * per-rule probabilities judge them by day). @work is permuted in place
 * across calls (permutation); bootstrap reads settings->pnl. */
void                ql_monte_carlo_draw_path (const QlMonteCarloSettings *settings,
                                              QlMcRng                    *rng,
                                              double                     *work,
                                              double                     *path);
QlMonteCarloResult *ql_monte_carlo_run         (const QlMonteCarloSettings *settings);
void                ql_monte_carlo_result_free (QlMonteCarloResult         *self);

const char *ql_monte_carlo_method_to_string    (QlMcMethod        method);    /* "bootstrap", "permutation" */
const char *ql_monte_carlo_threshold_to_string (QlMcThresholdKind kind);      /* "max_drawdown_fraction", ... */

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QlMonteCarloResult, ql_monte_carlo_result_free)

G_END_DECLS
