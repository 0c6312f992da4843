/* app/cli/cmd-optimize.c — `quantlab-cli optimize`: a parameter grid run on
 * every core over data loaded once, ranked by a metric; and walk-forward
 * analysis, which picks the best parameters in each in-sample window and
 * reports how they did in the out-of-sample window that follows. */
#define G_LOG_DOMAIN "ql-app-cli"

#include "app/cli/cli.h"
#include "app/cli/market.h"
#include "engine/metrics.h"
#include "engine/numfmt.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* One swept parameter: its name and values, in the order written. */
typedef struct
{
  char *name;
  GPtrArray *values; /* char * */
} Axis;

static void
axis_free (Axis *a)
{
  g_free (a->name);
  g_ptr_array_unref (a->values);
  g_free (a);
}

/* "fast=5..50:5", "fast=5,10,20", "qty=1". */
static Axis *
axis_parse (const char *text, GError **error)
{
  g_autofree char *copy = g_strdup (text);
  char *eq = strchr (copy, '=');
  Axis *a;

  if (eq == NULL || eq == copy || eq[1] == '\0')
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--param \"%s\" is not KEY=VALUE, KEY=A..B:STEP or KEY=V1,V2,...", text);
      return NULL;
    }
  *eq = '\0';
  a = g_new0 (Axis, 1);
  a->name = g_strdup (copy);
  a->values = g_ptr_array_new_with_free_func (g_free);
  const char *v = eq + 1;
  const char *dots = strstr (v, "..");
  if (dots != NULL)
    {
      /* Each number is parsed on its own: strtod would take "5." of "5..30". */
      g_autofree char *lo_text = g_strndup (v, (gsize) (dots - v));
      char *end;
      double lo = g_ascii_strtod (lo_text, &end), hi, step = 1;
      gboolean ok = end != lo_text && *end == '\0';
      hi = g_ascii_strtod (dots + 2, &end);
      ok = ok && end != dots + 2;
      if (ok && *end == ':')
        {
          const char *s = end + 1;
          step = g_ascii_strtod (s, &end);
          ok = end != s;
        }
      ok = ok && *end == '\0' && step > 0 && hi >= lo && (hi - lo) / step <= 100000;
      if (!ok)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "--param \"%s\": a range is KEY=A..B:STEP with A <= B and STEP > 0", text);
          axis_free (a);
          return NULL;
        }
      /* Steps counted in integers, so 0.1 steps do not drift. */
      gint64 n = (gint64) floor ((hi - lo) / step + 1e-9);
      for (gint64 i = 0; i <= n; i++)
        {
          char buf[QL_FORMAT_DOUBLE_MAX];
          ql_format_double (lo + (double) i * step, buf);
          g_ptr_array_add (a->values, g_strdup (buf));
        }
    }
  else
    {
      g_auto (GStrv) parts = g_strsplit (v, ",", -1);
      for (int i = 0; parts[i] != NULL; i++)
        g_ptr_array_add (a->values, g_strdup (g_strstrip (parts[i])));
    }
  return a;
}

typedef enum
{
  HIGHER_BETTER,
  LOWER_BETTER,
} Sense;

static const struct
{
  const char *name;
  gsize offset;
  Sense sense;
} metrics[] = {
  { "net_profit", G_STRUCT_OFFSET (QlMetrics, net_profit), HIGHER_BETTER },
  { "total_return", G_STRUCT_OFFSET (QlMetrics, total_return), HIGHER_BETTER },
  { "sharpe", G_STRUCT_OFFSET (QlMetrics, sharpe), HIGHER_BETTER },
  { "sortino", G_STRUCT_OFFSET (QlMetrics, sortino), HIGHER_BETTER },
  { "calmar", G_STRUCT_OFFSET (QlMetrics, calmar), HIGHER_BETTER },
  { "cagr", G_STRUCT_OFFSET (QlMetrics, cagr), HIGHER_BETTER },
  { "profit_factor", G_STRUCT_OFFSET (QlMetrics, profit_factor), HIGHER_BETTER },
  { "expectancy", G_STRUCT_OFFSET (QlMetrics, expectancy), HIGHER_BETTER },
  { "win_rate", G_STRUCT_OFFSET (QlMetrics, win_rate), HIGHER_BETTER },
  { "max_drawdown", G_STRUCT_OFFSET (QlMetrics, max_drawdown), LOWER_BETTER },
};

static double
metric_value (const QlMetrics *m, guint k)
{
  return G_STRUCT_MEMBER (double, m, metrics[k].offset);
}

/* One run of the grid. */
typedef struct
{
  guint index;        /* in the grid, for a stable order */
  char **params;      /* K=V, NULL-terminated */
  QlTimeNs from, to;
  gboolean ok;
  char *error;
  QlMetrics m;
} Job;

typedef struct
{
  const QlCliRunOptions *opts;
  const QlCliRunSettings *settings;
  QlCliMarket *market;
} Shared;

static void
run_job (gpointer data, gpointer user_data)
{
  Job *job = data;
  Shared *sh = user_data;
  QlCliRunOptions o = *sh->opts;
  g_autoptr (GError) error = NULL;
  g_autoptr (QlCliStrategy) b = NULL;
  g_autoptr (QlBacktest) bt = NULL;
  QlRunSymbol *syms;
  QlRunConfig config = sh->settings->config;
  guint n;

  /* only the figures of the curve: no 32 bytes per bar per run */
  config.curve_stats_only = TRUE;
  o.params = job->params;
  b = ql_cli_strategy_new (&o, &error);
  if (b == NULL || !ql_cli_strategy_check (b, sh->market, &error))
    goto fail;
  syms = ql_cli_market_memory_symbols (sh->market, job->from, job->to, &n);
  bt = ql_backtest_new (&config, syms, n, &error);
  g_free (syms);
  if (bt == NULL)
    goto fail;
  QlStatus st = ql_backtest_run (bt, &b->strategy);
  if (b->script && ql_script_instance_get_error (b->script))
    {
      const QlScriptError *e = ql_script_instance_get_error (b->script);

      job->error = g_strdup_printf ("%s:%u:%u: %s", o.script, e->span.line, e->span.col, e->message);
      return;
    }
  if (st != QL_STATUS_OK)
    {
      job->error = g_strdup_printf ("the run stopped: %s", ql_status_to_string (st));
      return;
    }
  {
    gsize n_trades;
    const QlTrade *trades = ql_backtest_get_trades (bt, &n_trades);
    QlMetricsInput in = {
      .trades = trades, .n_trades = n_trades, .curve = ql_backtest_get_curve_stats (bt),
      .initial_capital = ql_money_to_double (sh->settings->config.initial_capital),
      .n_symbols = n,
    };
    ql_metrics_compute (&in, &job->m, NULL);
  }
  job->ok = TRUE;
  return;

fail:
  job->error = g_strdup (error->message);
}

/* An out-of-sample run of walk-forward analysis. */
typedef struct
{
  QlMetrics m;
  GArray *trades;  /* QlTrade, the window's closed trades */
  GArray *equity;  /* QlEquityPoint from the window's start on */
} Oos;

static void
oos_clear (Oos *o)
{
  g_clear_pointer (&o->trades, g_array_unref);
  g_clear_pointer (&o->equity, g_array_unref);
}

#define WARM_UP_REASON "warm-up: before the out-of-sample window"

/* Refuses every order placed before the out-of-sample window: the bars
 * before it only warm the strategy up. */
static gboolean
warm_up_check (gpointer             data,
               const QlAccountView *account,
               guint                symbol,
               QlSide               side,
               double               quantity,
               double               position_after,
               char                *reason,
               gsize                reason_size)
{
  const QlTimeNs *from = data;

  if (account->time >= *from)
    return TRUE;
  g_strlcpy (reason, WARM_UP_REASON, reason_size);
  return FALSE;
}

/* A script's log, without the orders refused during the warm-up: they are
 * the design, not news. */
static void
oos_script_log (int level, const QlSpan *span, gint64 bar_index, const char *text, gpointer data)
{
  if (!g_str_has_suffix (text, WARM_UP_REASON))
    ql_cli_script_log (level, span, bar_index, text, data);
}

/* Runs @params over [@warm_from, @to) with orders refused before @from, and
 * keeps the trades and the equity points from @from on: the window's
 * figures, its strategy warmed up by the bars before it. One run, in this
 * thread, with the whole curve (a window's, not a sweep's). */
static gboolean
run_oos (Shared *sh, char **params, QlTimeNs warm_from, QlTimeNs from, QlTimeNs to, Oos *out,
         GError **error)
{
  QlCliRunOptions o = *sh->opts;
  QlRunConfig config = sh->settings->config;
  g_autoptr (QlCliStrategy) b = NULL;
  g_autoptr (QlBacktest) bt = NULL;
  QlRunSymbol *syms;
  guint n;
  gsize n_trades, n_equity, k = 0;

  o.params = params;
  b = ql_cli_strategy_new (&o, error);
  if (b == NULL)
    return FALSE;
  if (b->script != NULL)
    ql_script_instance_set_log_func (b->script, oos_script_log, o.script);
  config.curve_stats_only = FALSE;
  config.observer = (QlAccountObserver){ .check_order = warm_up_check, .data = &from };
  syms = ql_cli_market_memory_symbols (sh->market, warm_from, to, &n);
  bt = ql_backtest_new (&config, syms, n, error);
  g_free (syms);
  if (bt == NULL)
    return FALSE;
  QlStatus st = ql_backtest_run (bt, &b->strategy);
  if (b->script && ql_script_instance_get_error (b->script))
    {
      const QlScriptError *e = ql_script_instance_get_error (b->script);
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED, "%s:%u:%u: %s", o.script,
                   e->span.line, e->span.col, e->message);
      return FALSE;
    }
  if (st != QL_STATUS_OK)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED, "the run stopped: %s",
                   ql_status_to_string (st));
      return FALSE;
    }
  const QlTrade *trades = ql_backtest_get_trades (bt, &n_trades);
  const QlEquityPoint *equity = ql_backtest_get_equity (bt, &n_equity);
  /* No order before @from, so no position and no trade: the curve is flat
   * at the capital there, and dropping those points loses nothing. */
  while (k < n_equity && equity[k].time < from)
    k++;
  out->trades = g_array_sized_new (FALSE, FALSE, sizeof (QlTrade), n_trades);
  g_array_append_vals (out->trades, trades, n_trades);
  out->equity = g_array_sized_new (FALSE, FALSE, sizeof (QlEquityPoint), n_equity - k);
  g_array_append_vals (out->equity, equity + k, n_equity - k);
  QlMetricsInput in = {
    .trades = trades, .n_trades = n_trades,
    .equity = equity + k, .n_equity = n_equity - k,
    .initial_capital = ql_money_to_double (config.initial_capital), .n_symbols = n,
  };
  ql_metrics_compute (&in, &out->m, NULL);
  return TRUE;
}

/* The grid: every combination of the axes' values, the first axis slowest. */
static GPtrArray *
grid_jobs (GPtrArray *axes, QlTimeNs from, QlTimeNs to)
{
  GPtrArray *jobs = g_ptr_array_new ();
  guint n = 1, n_axes = axes->len;

  for (guint a = 0; a < n_axes; a++)
    n *= ((Axis *) g_ptr_array_index (axes, a))->values->len;
  for (guint i = 0; i < n; i++)
    {
      Job *job = g_new0 (Job, 1);
      guint rest = i;
      job->index = i;
      job->from = from;
      job->to = to;
      job->params = g_new0 (char *, n_axes + 1);
      for (guint a = n_axes; a > 0; a--)
        {
          Axis *ax = g_ptr_array_index (axes, a - 1);
          guint k = rest % ax->values->len;
          rest /= ax->values->len;
          job->params[a - 1] = g_strdup_printf ("%s=%s", ax->name,
                                                (char *) g_ptr_array_index (ax->values, k));
        }
      g_ptr_array_add (jobs, job);
    }
  return jobs;
}

static void
job_free (Job *job)
{
  g_strfreev (job->params);
  g_free (job->error);
  g_free (job);
}

/* Drops the grid points whose parameters do not fit together (sma_cross
 * with fast >= slow) and counts them in *@n_skipped; any other error of a
 * point's parameters is returned. */
static gboolean
prune_grid (GPtrArray *jobs, const QlCliRunOptions *opts, guint *n_skipped, GError **error)
{
  *n_skipped = 0;
  for (guint i = jobs->len; i > 0; i--)
    {
      Job *job = g_ptr_array_index (jobs, i - 1);
      QlCliRunOptions o = *opts;
      g_autoptr (QlCliStrategy) b = NULL;
      g_autoptr (GError) local = NULL;

      o.params = job->params;
      b = ql_cli_strategy_new (&o, error);
      if (b == NULL)
        return FALSE;
      if (b->builtin != NULL && !ql_builtin_check (b->builtin, NULL, 0, &local))
        {
          if (!g_error_matches (local, QL_BUILTIN_ERROR, QL_BUILTIN_ERROR_PARAMS))
            {
              g_propagate_error (error, g_steal_pointer (&local));
              return FALSE;
            }
          /* Removing keeps the order of the rest: ranks stay in grid order. */
          g_ptr_array_remove_index (jobs, i - 1);
          (*n_skipped)++;
        }
    }
  if (jobs->len == 0)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "no point of the grid has parameters that fit together (%u skipped: "
                   "sma_cross needs fast < slow)", *n_skipped);
      return FALSE;
    }
  return TRUE;
}

static gboolean
run_all (GPtrArray *jobs, Shared *sh, int n_workers, GError **error)
{
  GThreadPool *pool = g_thread_pool_new (run_job, sh, n_workers, TRUE, error);

  if (pool == NULL)
    return FALSE;
  for (guint i = 0; i < jobs->len; i++)
    g_thread_pool_push (pool, g_ptr_array_index (jobs, i), NULL);
  g_thread_pool_free (pool, FALSE, TRUE);
  for (guint i = 0; i < jobs->len; i++)
    {
      Job *job = g_ptr_array_index (jobs, i);
      if (!job->ok)
        {
          g_autofree char *p = g_strjoinv (" ", job->params);
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED, "%s: %s", p, job->error);
          return FALSE;
        }
    }
  return TRUE;
}

static guint sort_metric;

/* Best first; NA last; ties in grid order. */
static int
job_cmp (gconstpointer pa, gconstpointer pb)
{
  const Job *a = *(Job *const *) pa, *b = *(Job *const *) pb;
  double x = metric_value (&a->m, sort_metric), y = metric_value (&b->m, sort_metric);
  gboolean xn = isnan (x), yn = isnan (y);

  if (xn != yn)
    return xn ? 1 : -1;
  if (!xn && x != y)
    return (metrics[sort_metric].sense == HIGHER_BETTER ? x > y : x < y) ? -1 : 1;
  return a->index < b->index ? -1 : (a->index > b->index);
}

static void
put_number (GString *out, double v)
{
  char buf[QL_FORMAT_DOUBLE_MAX];
  g_string_append_c (out, ',');
  if (!isnan (v))
    {
      ql_format_double (v, buf);
      g_string_append (out, buf);
    }
}

static gboolean
write_runs (const char *path, GPtrArray *axes, GPtrArray *jobs, GError **error)
{
  g_autoptr (GString) out = g_string_new ("rank");

  for (guint a = 0; a < axes->len; a++)
    g_string_append_printf (out, ",%s", ((Axis *) g_ptr_array_index (axes, a))->name);
  g_string_append (out, ",trades,net_profit,total_return,max_drawdown,max_drawdown_fraction,"
                        "sharpe,sortino,calmar,cagr,profit_factor,win_rate,expectancy\n");
  for (guint i = 0; i < jobs->len; i++)
    {
      const Job *j = g_ptr_array_index (jobs, i);
      g_string_append_printf (out, "%u", i + 1);
      for (guint a = 0; j->params[a] != NULL; a++)
        g_string_append_printf (out, ",%s", strchr (j->params[a], '=') + 1);
      g_string_append_printf (out, ",%u", j->m.n_trades);
      put_number (out, j->m.net_profit);
      put_number (out, j->m.total_return);
      put_number (out, j->m.max_drawdown);
      put_number (out, j->m.max_drawdown_fraction);
      put_number (out, j->m.sharpe);
      put_number (out, j->m.sortino);
      put_number (out, j->m.calmar);
      put_number (out, j->m.cagr);
      put_number (out, j->m.profit_factor);
      put_number (out, j->m.win_rate);
      put_number (out, j->m.expectancy);
      g_string_append_c (out, '\n');
    }
  if (path == NULL || strcmp (path, "-") == 0)
    {
      fwrite (out->str, 1, out->len, stdout);
      return fflush (stdout) == 0;
    }
  return g_file_set_contents (path, out->str, out->len, error);
}

int
ql_cli_optimize (int argc, char **argv)
{
  QlCliRunOptions o = { 0 };
  g_autofree char *metric = NULL, *output = NULL, *in_sample = NULL;
  int jobs_n = 0, walk_forward = 0;
  g_autoptr (GArray) entries = g_array_new (TRUE, TRUE, sizeof (GOptionEntry));
  const GOptionEntry own[] = {
    { "metric", 0, 0, G_OPTION_ARG_STRING, &metric, "Rank by: net_profit (default), total_return, sharpe, sortino, calmar, cagr, profit_factor, expectancy, win_rate, max_drawdown", "NAME" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "Write every run as CSV here (default: stdout)", "FILE.csv" },
    { "jobs", 'j', 0, G_OPTION_ARG_INT, &jobs_n, "Runs at once (default: one per core)", "N" },
    { "walk-forward", 0, 0, G_OPTION_ARG_INT, &walk_forward, "Split the data into N windows; optimise in each window's in-sample part, test in the rest", "N" },
    { "in-sample", 0, 0, G_OPTION_ARG_STRING, &in_sample, "Share of each walk-forward window used in-sample, in percent (default 70)", "PCT" },
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (QlCliMarket) market = NULL;
  g_autoptr (GPtrArray) axes = g_ptr_array_new_with_free_func ((GDestroyNotify) axis_free);
  g_autoptr (GPtrArray) jobs = NULL;
  QlCliRunSettings st;
  Shared sh;
  double in_pct = 70;
  guint n_skipped = 0;
  QlMetrics oos_all = { 0 };
  int rc;

  ql_cli_run_options_add_entries (&o, entries);
  g_array_append_vals (entries, own, G_N_ELEMENTS (own));
  rc = ql_cli_parse ("optimize", NULL,
                     "Run a built-in strategy for every combination of swept parameters\n"
                     "(--param fast=5..50:5 --param slow=20,30,50) on every core, over data loaded\n"
                     "once, and print every run ranked by a metric as CSV. --walk-forward N checks\n"
                     "the best in-sample parameters on the out-of-sample data after them: the\n"
                     "out-of-sample run starts at the window's start, the in-sample bars only\n"
                     "warming the strategy up (orders before the split are refused), and a last\n"
                     "row \"all\" gives the out-of-sample windows together.",
                     (GOptionEntry *) entries->data, &argc, &argv);
  if (rc != QL_EXIT_OK)
    {
      ql_cli_run_options_clear (&o);
      return rc;
    }
  rc = QL_EXIT_ERROR;
  sort_metric = 0;
  if (metric != NULL)
    {
      guint k;
      for (k = 0; k < G_N_ELEMENTS (metrics); k++)
        if (strcmp (metrics[k].name, metric) == 0)
          break;
      if (k == G_N_ELEMENTS (metrics))
        {
          rc = ql_cli_usage ("optimize", "unknown --metric \"%s\"", metric);
          goto out;
        }
      sort_metric = k;
    }
  if (jobs_n < 0 || walk_forward < 0 || walk_forward == 1)
    {
      rc = ql_cli_usage ("optimize", "--jobs must be >= 0 and --walk-forward >= 2");
      goto out;
    }
  if (in_sample != NULL)
    {
      char *end;
      in_pct = g_ascii_strtod (in_sample, &end);
      if (*end != '\0' || !(in_pct > 0 && in_pct < 100))
        {
          rc = ql_cli_usage ("optimize", "--in-sample is a percentage between 0 and 100");
          goto out;
        }
    }
  for (int i = 0; o.params != NULL && o.params[i] != NULL; i++)
    {
      Axis *a = axis_parse (o.params[i], &error);
      if (a == NULL)
        goto fail;
      g_ptr_array_add (axes, a);
    }
  /* The axes replace --param in each run. */
  g_clear_pointer (&o.params, g_strfreev);
  if (!ql_cli_run_settings_parse (&o, &st, &error))
    goto fail;
  {
    /* Names and values are checked once, before any data is read. */
    g_autoptr (GPtrArray) probe = grid_jobs (axes, 0, 0);
    QlCliRunOptions po = o;
    g_autoptr (QlCliStrategy) b = NULL;
    po.params = ((Job *) g_ptr_array_index (probe, 0))->params;
    b = ql_cli_strategy_new (&po, &error);
    g_ptr_array_set_free_func (probe, (GDestroyNotify) job_free);
    if (b == NULL)
      goto fail;
  }
  market = ql_cli_market_open (&o, &st, &error);
  if (market == NULL || !ql_cli_market_load (market, &error) ||
      !ql_cli_market_check_rows (market, &st, &error))
    goto fail;
  sh = (Shared){ &o, &st, market };
  if (jobs_n == 0)
    jobs_n = (int) g_get_num_processors ();

  if (walk_forward == 0)
    {
      gint64 t0 = g_get_monotonic_time ();
      jobs = grid_jobs (axes, st.from, st.to);
      g_ptr_array_set_free_func (jobs, (GDestroyNotify) job_free);
      if (!prune_grid (jobs, &o, &n_skipped, &error) || !run_all (jobs, &sh, jobs_n, &error))
        goto fail;
      g_ptr_array_sort (jobs, job_cmp);
      if (!write_runs (output, axes, jobs, &error))
        goto fail;
      {
        const Job *best = g_ptr_array_index (jobs, 0);
        g_autofree char *p = g_strjoinv (" ", best->params);
        fprintf (stderr, "%u runs on %d threads in %.2f s; best by %s: %s (%s %.6g)\n", jobs->len,
                 jobs_n, (g_get_monotonic_time () - t0) / 1e6, metrics[sort_metric].name, p,
                 metrics[sort_metric].name, metric_value (&best->m, sort_metric));
        if (n_skipped > 0)
          fprintf (stderr, "%u grid point%s skipped: sma_cross needs fast < slow\n", n_skipped,
                   n_skipped == 1 ? "" : "s");
      }
    }
  else
    {
      QlTimeNs first, last;
      g_autoptr (GString) out = g_string_new ("window,in_sample_from,in_sample_to,out_of_sample_to,best_params");
      ql_cli_market_loaded_range (market, &first, &last);
      if (first > last)
        {
          g_set_error (&error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED, "no data to walk forward over");
          goto fail;
        }
      g_string_append_printf (out, ",in_sample_%s,out_of_sample_%s,out_of_sample_trades,"
                              "is_net_profit,is_trades,is_max_drawdown,is_sharpe,oos_net_profit,"
                              "oos_max_drawdown,oos_sharpe\n",
                              metrics[sort_metric].name, metrics[sort_metric].name);
      g_autoptr (GArray) all_trades = g_array_new (FALSE, FALSE, sizeof (QlTrade));
      g_autoptr (GArray) all_equity = g_array_new (FALSE, FALSE, sizeof (QlEquityPoint));
      double capital = ql_money_to_double (st.config.initial_capital), offset = 0;
      /* Windows of whole seconds, the last one reaching past the last row. */
      gint64 span = ((last - first) / walk_forward / QL_NS_PER_SEC + 1) * QL_NS_PER_SEC;
      for (int w = 0; w < walk_forward; w++)
        {
          QlTimeNs ws = first + w * span, we = ws + span;
          QlTimeNs split = ws + (QlTimeNs) llround (span / QL_NS_PER_SEC * (in_pct / 100)) * QL_NS_PER_SEC;
          g_autoptr (GPtrArray) wj = grid_jobs (axes, ws, split);
          char a[40], b[40], c[40], n1[QL_FORMAT_DOUBLE_MAX], n2[QL_FORMAT_DOUBLE_MAX];
          g_ptr_array_set_free_func (wj, (GDestroyNotify) job_free);
          if (!prune_grid (wj, &o, &n_skipped, &error) || !run_all (wj, &sh, jobs_n, &error))
            goto fail;
          g_ptr_array_sort (wj, job_cmp);
          const Job *best = g_ptr_array_index (wj, 0);
          Oos test = { 0 };
          /* #P5: the out-of-sample run starts at the window's start, the
           * in-sample bars warming the strategy up (sma_cross's averages),
           * and trades only from the split on. */
          if (!run_oos (&sh, best->params, ws, split, we, &test, &error))
            {
              oos_clear (&test);
              goto fail;
            }
          g_autofree char *p = g_strjoinv (" ", best->params);
          ql_cli_format_time (ws, a);
          ql_cli_format_time (split, b);
          ql_cli_format_time (we, c);
          ql_format_double (metric_value (&best->m, sort_metric), n1);
          ql_format_double (metric_value (&test.m, sort_metric), n2);
          g_string_append_printf (out, "%d,%s,%s,%s,%s,%s,%s,%u", w + 1, a, b, c, p,
                                  isnan (metric_value (&best->m, sort_metric)) ? "" : n1,
                                  isnan (metric_value (&test.m, sort_metric)) ? "" : n2,
                                  test.m.n_trades);
          put_number (out, best->m.net_profit);
          g_string_append_printf (out, ",%u", best->m.n_trades);
          put_number (out, best->m.max_drawdown);
          put_number (out, best->m.sharpe);
          put_number (out, test.m.net_profit);
          put_number (out, test.m.max_drawdown);
          put_number (out, test.m.sharpe);
          g_string_append_c (out, '\n');
          /* The combined out-of-sample curve: each window's P&L added to
           * where the previous windows left the account. */
          g_array_append_vals (all_trades, test.trades->data, test.trades->len);
          for (guint i = 0; i < test.equity->len; i++)
            {
              QlEquityPoint pt = g_array_index (test.equity, QlEquityPoint, i);
              pt.balance += offset;
              pt.equity += offset;
              g_array_append_val (all_equity, pt);
            }
          if (test.equity->len > 0)
            offset += g_array_index (test.equity, QlEquityPoint, test.equity->len - 1).equity - capital;
          oos_clear (&test);
        }
      {
        QlMetrics all;
        QlTimeNs we = first + walk_forward * span;
        char a[40], c[40], n2[QL_FORMAT_DOUBLE_MAX];
        QlMetricsInput in = {
          .trades = (const QlTrade *) all_trades->data, .n_trades = all_trades->len,
          .equity = (const QlEquityPoint *) all_equity->data, .n_equity = all_equity->len,
          .initial_capital = capital, .n_symbols = market->feeds->len,
        };
        ql_metrics_compute (&in, &all, NULL);
        ql_cli_format_time (first, a);
        ql_cli_format_time (we, c);
        ql_format_double (metric_value (&all, sort_metric), n2);
        /* The combined row: in-sample columns empty. */
        g_string_append_printf (out, "all,%s,,%s,,,%s,%u,,,,", a, c,
                                isnan (metric_value (&all, sort_metric)) ? "" : n2, all.n_trades);
        put_number (out, all.net_profit);
        put_number (out, all.max_drawdown);
        put_number (out, all.sharpe);
        g_string_append_c (out, '\n');
        oos_all = all;
      }
      if (output == NULL || strcmp (output, "-") == 0)
        fwrite (out->str, 1, out->len, stdout);
      else if (!g_file_set_contents (output, out->str, out->len, &error))
        goto fail;
      fprintf (stderr, "walk-forward over %d windows, %.0f %% in sample, ranked by %s\n",
               walk_forward, in_pct, metrics[sort_metric].name);
      if (isnan (oos_all.sharpe))
        fprintf (stderr, "out of sample, all windows: net profit %.2f, %u trades, max drawdown %.2f, "
                 "Sharpe NA\n", oos_all.net_profit, oos_all.n_trades, oos_all.max_drawdown);
      else
        fprintf (stderr, "out of sample, all windows: net profit %.2f, %u trades, max drawdown %.2f, "
                 "Sharpe %.2f\n", oos_all.net_profit, oos_all.n_trades, oos_all.max_drawdown,
                 oos_all.sharpe);
      if (n_skipped > 0)
        fprintf (stderr, "%u grid point%s skipped in each window: sma_cross needs fast < slow\n",
                 n_skipped, n_skipped == 1 ? "" : "s");
    }
  rc = QL_EXIT_OK;
  goto out;

fail:
  rc = ql_cli_fail ("optimize", error);
out:
  ql_cli_run_options_clear (&o);
  return rc;
}
