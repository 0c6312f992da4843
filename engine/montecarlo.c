/* engine/montecarlo.c — trade resampling and reshuffling (rules in
 * engine/montecarlo.h). */
#define G_LOG_DOMAIN "ql-engine-montecarlo"

#include "engine/montecarlo.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const double ql_monte_carlo_percentiles[QL_MC_N_PERCENTILES] = { 5, 25, 50, 75, 95 };

static guint64
splitmix64 (guint64 *x)
{
  guint64 z = (*x += G_GUINT64_CONSTANT (0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
  return z ^ (z >> 31);
}

static inline guint64
rotl (guint64 x, int k)
{
  return (x << k) | (x >> (64 - k));
}

void
ql_monte_carlo_rng_init (QlMcRng *rng,
                         guint64  seed)
{
  guint64 x = seed;
  for (int i = 0; i < 4; i++)
    rng->s[i] = splitmix64 (&x);
}

guint64
ql_monte_carlo_rng_next (QlMcRng *rng)
{
  guint64 *s = rng->s;
  guint64 result = rotl (s[1] * 5, 7) * 9;
  guint64 t = s[1] << 17;

  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl (s[3], 45);
  return result;
}

guint64
ql_monte_carlo_rng_below (QlMcRng *rng,
                          guint64  n)
{
  /* (2^64 - n) mod n: the low values that would make r mod n biased. */
  guint64 threshold = (0 - n) % n;
  guint64 r;

  g_return_val_if_fail (n > 0, 0);
  do
    r = ql_monte_carlo_rng_next (rng);
  while (r < threshold);
  return r % n;
}

const char *
ql_monte_carlo_method_to_string (QlMcMethod method)
{
  return method == QL_MC_PERMUTATION ? "permutation" : "bootstrap";
}

const char *
ql_monte_carlo_threshold_to_string (QlMcThresholdKind kind)
{
  switch (kind)
    {
    case QL_MC_MAX_DRAWDOWN_FRACTION:
      return "max_drawdown_fraction";
    case QL_MC_MAX_DRAWDOWN_AMOUNT:
      return "max_drawdown_amount";
    case QL_MC_EQUITY_FLOOR:
      return "equity_floor";
    }
  return "unknown";
}

static int
double_cmp (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

/* Type 7 percentiles of @n values, which are sorted in place. */
static void
percentiles (double *v, gsize n, double out[QL_MC_N_PERCENTILES])
{
  qsort (v, n, sizeof *v, double_cmp);
  for (int k = 0; k < QL_MC_N_PERCENTILES; k++)
    {
      double h = (double) (n - 1) * ql_monte_carlo_percentiles[k] / 100.0;
      gsize lo = (gsize) h;
      double frac = h - (double) lo;
      /* volatile: no fused multiply-add, which some targets would use and
       * others not, so that the result has the same bits everywhere. */
      volatile double step = lo + 1 < n && frac > 0 ? frac * (v[lo + 1] - v[lo]) : 0;
      out[k] = v[lo] + step;
    }
}

void
ql_monte_carlo_draw_path (const QlMonteCarloSettings *s, QlMcRng *rng, double *work, double *path)
{
  gsize n = s->n_trades;

  if (s->method == QL_MC_PERMUTATION)
    {
      for (gsize i = n; i > 1; i--)
        {
          gsize j = (gsize) ql_monte_carlo_rng_below (rng, i);
          double tmp = work[i - 1];
          work[i - 1] = work[j];
          work[j] = tmp;
        }
      memcpy (path, work, n * sizeof (double));
    }
  else
    for (gsize i = 0; i < n; i++)
      path[i] = s->pnl[ql_monte_carlo_rng_below (rng, n)];
}

QlMonteCarloResult *
ql_monte_carlo_run (const QlMonteCarloSettings *settings)
{
  const QlMonteCarloSettings *s = settings;

  g_return_val_if_fail (s != NULL, NULL);
  g_return_val_if_fail (s->n_runs > 0, NULL);
  g_return_val_if_fail (s->initial_capital > 0, NULL);
  g_return_val_if_fail (s->n_trades == 0 || s->pnl != NULL, NULL);
  g_return_val_if_fail (s->n_thresholds == 0 || s->thresholds != NULL, NULL);

  QlMonteCarloResult *r = g_new0 (QlMonteCarloResult, 1);
  gsize n = s->n_trades, nt = s->n_thresholds;
  g_autofree double *work = n > 0 ? g_memdup2 (s->pnl, n * sizeof (double)) : g_new0 (double, 1);
  g_autofree double *path = g_new (double, MAX (n, 1));
  g_autofree double *dd_frac = g_new (double, s->n_runs);
  g_autofree double *scratch = g_new (double, s->n_runs);
  g_autofree guint *hits = g_new0 (guint, nt + 1);
  QlMcRng rng;
  double sum_final = 0;
  guint losses = 0;

  r->method = s->method;
  r->n_runs = s->n_runs;
  r->seed = s->seed;
  r->n_trades = n;
  r->initial_capital = s->initial_capital;
  r->n_thresholds = nt;
  r->thresholds = g_new (QlMcThreshold, nt + 1);
  r->p_breach = g_new0 (double, nt + 1);
  r->run_final_equity = g_new (double, s->n_runs);
  r->run_max_drawdown = g_new (double, s->n_runs);
  for (gsize j = 0; j < nt; j++)
    {
      r->thresholds[j] = s->thresholds[j];
      r->thresholds[j].name = g_strdup (s->thresholds[j].name);
    }

  ql_monte_carlo_rng_init (&rng, s->seed);
  for (guint k = 0; k < s->n_runs; k++)
    {
      double equity = s->initial_capital, peak = equity, low = equity;
      double dd = 0, ddf = 0;

      ql_monte_carlo_draw_path (s, &rng, work, path);
      for (gsize i = 0; i < n; i++)
        {
          equity += path[i];
          if (equity > peak)
            peak = equity;
          /* peak >= initial_capital > 0 */
          dd = MAX (dd, peak - equity);
          ddf = MAX (ddf, (peak - equity) / peak);
          low = MIN (low, equity);
        }
      r->run_final_equity[k] = equity;
      r->run_max_drawdown[k] = dd;
      dd_frac[k] = ddf;
      sum_final += equity;
      losses += equity < s->initial_capital;
      for (gsize j = 0; j < nt; j++)
        {
          double v = s->thresholds[j].value;
          gboolean hit = FALSE;
          switch (s->thresholds[j].kind)
            {
            case QL_MC_MAX_DRAWDOWN_FRACTION:
              hit = ddf >= v;
              break;
            case QL_MC_MAX_DRAWDOWN_AMOUNT:
              hit = dd >= v;
              break;
            case QL_MC_EQUITY_FLOOR:
              hit = low <= v;
              break;
            }
          hits[j] += hit;
        }
    }

  memcpy (scratch, r->run_final_equity, s->n_runs * sizeof (double));
  percentiles (scratch, s->n_runs, r->final_equity);
  memcpy (scratch, r->run_max_drawdown, s->n_runs * sizeof (double));
  percentiles (scratch, s->n_runs, r->max_drawdown);
  percentiles (dd_frac, s->n_runs, r->max_drawdown_fraction);
  r->mean_final_equity = sum_final / s->n_runs;
  r->p_loss = (double) losses / s->n_runs;
  for (gsize j = 0; j < nt; j++)
    r->p_breach[j] = (double) hits[j] / s->n_runs;
  return r;
}

void
ql_monte_carlo_result_free (QlMonteCarloResult *self)
{
  if (self == NULL)
    return;
  for (gsize j = 0; j < self->n_thresholds; j++)
    g_free ((char *) self->thresholds[j].name);
  g_free (self->thresholds);
  g_free (self->p_breach);
  g_free (self->run_final_equity);
  g_free (self->run_max_drawdown);
  g_free (self);
}
