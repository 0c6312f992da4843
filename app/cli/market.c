/* app/cli/market.c — run settings and market data for backtest and optimize. */
#define G_LOG_DOMAIN "ql-app-cli"

#include "app/cli/market.h"
#include "app/cli/cli.h"
#include "data/history.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_CAPITAL "100000"

void
ql_cli_run_options_clear (QlCliRunOptions *o)
{
  g_free (o->builtin);
  g_free (o->script);
  ql_program_free (o->program);
  g_strfreev (o->params);
  g_strfreev (o->data);
  g_strfreev (o->symbols);
  g_free (o->db);
  g_free (o->timeframe);
  g_free (o->mode);
  g_free (o->from_text);
  g_free (o->to_text);
  g_free (o->capital);
  g_free (o->commission);
  g_free (o->slippage);
  g_free (o->fill);
  g_free (o->latency);
  g_free (o->volume_share);
  g_free (o->tz);
  g_free (o->leverage);
  g_free (o->margin);
  g_strfreev (o->multipliers);
  g_free (o->margin_call);
  memset (o, 0, sizeof *o);
}

void
ql_cli_run_options_add_entries (QlCliRunOptions *o,
                                GArray          *entries)
{
  const GOptionEntry common[] = {
    { "builtin", 'b', 0, G_OPTION_ARG_STRING, &o->builtin, "Built-in strategy: buy_and_hold, sma_cross (this or --script)", "NAME" },
    { "script", 0, 0, G_OPTION_ARG_FILENAME, &o->script, "A QuantLab Script strategy (this or --builtin)", "FILE.qls" },
    { "time-limit", 0, 0, G_OPTION_ARG_DOUBLE, &o->time_limit, "With --script: stop a run that takes longer than this many seconds (error R0004; the instruction limits apply anyway)", "SECONDS" },
    { "param", 'p', 0, G_OPTION_ARG_STRING_ARRAY, &o->params, "Strategy parameter or script input, e.g. fast=10; repeat for more", "K=V" },
    { "data", 'd', 0, G_OPTION_ARG_STRING_ARRAY, &o->data, "A CSV/TSV file of bars or ticks for a symbol, read directly; repeat for more", "SYM=FILE" },
    { "symbol", 's', 0, G_OPTION_ARG_STRING_ARRAY, &o->symbols, "A stored instrument; repeat for more", "SYM" },
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &o->db, "Workspace file (default: the user data folder's quantlab/workspace.db)", "PATH" },
    { "timeframe", 't', 0, G_OPTION_ARG_STRING, &o->timeframe, "The run's bars: strategy bars and equity points (default: the data's bars, or 1m for ticks)", "TF" },
    { "mode", 'm', 0, G_OPTION_ARG_STRING, &o->mode, "tick: orders fill on ticks; bar: on bars (default: tick when every symbol has ticks)", "tick|bar" },
    { "from", 0, 0, G_OPTION_ARG_STRING, &o->from_text, "First time, ISO 8601 (UTC unless a zone is given)", "T" },
    { "to", 0, 0, G_OPTION_ARG_STRING, &o->to_text, "End time, exclusive", "T" },
    { "capital", 0, 0, G_OPTION_ARG_STRING, &o->capital, "Initial capital (default " DEFAULT_CAPITAL ")", "N" },
    { "commission", 0, 0, G_OPTION_ARG_STRING, &o->commission, "per_unit=X, percent=X, per_order=X, min=X, comma-separated", "SPEC" },
    { "slippage", 0, 0, G_OPTION_ARG_STRING, &o->slippage, "ticks=N, percent=X, spread[=N ticks] or sqrt=K", "SPEC" },
    { "fill", 0, 0, G_OPTION_ARG_STRING, &o->fill, "Resting limits fill when the tape trades through them (through, default) or reaches them (touch)", "through|touch" },
    { "latency", 0, 0, G_OPTION_ARG_STRING, &o->latency, "Delay before an order is active: 250ms, 2s, 1500us, 100ns", "TIME" },
    { "volume-share", 0, 0, G_OPTION_ARG_STRING, &o->volume_share, "At most this percentage of each tick's or bar's volume fills", "PCT" },
    { "allow-short", 0, 0, G_OPTION_ARG_NONE, &o->allow_short, "Allow short positions", NULL },
    { "magnifier", 0, 0, G_OPTION_ARG_NONE, &o->magnifier, "Bar mode: resolve the path inside bars from stored ticks or finer bars", NULL },
    { "tz", 0, 0, G_OPTION_ARG_STRING, &o->tz, "With --data: IANA zone of the files' times (default UTC)", "ZONE" },
    { "leverage", 0, 0, G_OPTION_ARG_STRING, &o->leverage, "Initial margin 1/N of the notional on every symbol (default 1: none), to the nearest millionth", "N" },
    { "margin", 0, 0, G_OPTION_ARG_STRING, &o->margin, "initial=X,maintenance=Y as fractions of the notional; margin calls only with a maintenance margin", "SPEC" },
    { "multiplier", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o->multipliers, "Contract multiplier of a symbol, a whole number (default 1); repeat for more", "SYM=N" },
    { "margin-call", 0, 0, G_OPTION_ARG_STRING, &o->margin_call, "When equity falls below the maintenance margin: liquidate-all (default), close-worst, none (count only)", "POLICY" },
  };
  g_array_append_vals (entries, common, G_N_ELEMENTS (common));
}

/* ---- settings ----------------------------------------------------------- */

static gboolean
parse_number (const char *what, const char *text, double *out, GError **error)
{
  char *end = NULL;
  double v = g_ascii_strtod (text, &end);
  if (end == text || *end != '\0' || !isfinite (v))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "%s \"%s\" is not a number", what, text);
      return FALSE;
    }
  *out = v;
  return TRUE;
}

/* "key=value,key=value" into @keys' slots; every key must be known. */
static gboolean
parse_spec (const char        *option,
            const char        *text,
            const char *const *keys,
            double            *values,
            gboolean          *present,
            GError           **error)
{
  g_auto (GStrv) parts = g_strsplit (text, ",", -1);
  g_autofree char *known = g_strjoinv (", ", (char **) keys);

  for (int i = 0; parts[i] != NULL; i++)
    {
      char *item = g_strstrip (parts[i]);
      char *eq = strchr (item, '=');
      gsize k;
      if (*item == '\0')
        continue;
      if (eq != NULL)
        *eq = '\0';
      for (k = 0; keys[k] != NULL; k++)
        if (strcmp (keys[k], item) == 0)
          break;
      if (keys[k] == NULL)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "--%s: unknown key \"%s\"; known: %s", option, item, known);
          return FALSE;
        }
      present[k] = TRUE;
      values[k] = NAN;
      if (eq != NULL)
        {
          g_autofree char *what = g_strdup_printf ("--%s %s", option, item);
          if (!parse_number (what, eq + 1, &values[k], error))
            return FALSE;
          if (values[k] < 0)
            {
              g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           "--%s %s must not be negative", option, item);
              return FALSE;
            }
        }
    }
  return TRUE;
}

static gboolean
parse_commission (const char *text, QlCommission *c, GError **error)
{
  const char *keys[] = { "per_unit", "percent", "per_order", "min", NULL };
  double v[4];
  gboolean has[4] = { FALSE };

  if (!parse_spec ("commission", text, keys, v, has, error))
    return FALSE;
  for (int k = 0; k < 4; k++)
    if (has[k] && isnan (v[k]))
      {
        g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                     "--commission %s needs a value, as in %s=1.5", keys[k], keys[k]);
        return FALSE;
      }
  if (has[0])
    c->per_unit = ql_money_from_double (v[0]);
  if (has[1])
    c->percent_ppm = llround (v[1] * 10000);
  if (has[2])
    c->per_order = ql_money_from_double (v[2]);
  if (has[3])
    c->minimum = ql_money_from_double (v[3]);
  return TRUE;
}

static gboolean
parse_slippage (const char *text, QlSlippage *s, GError **error)
{
  const char *keys[] = { "ticks", "percent", "spread", "sqrt", NULL };
  double v[4];
  gboolean has[4] = { FALSE };
  int n = 0;

  if (!parse_spec ("slippage", text, keys, v, has, error))
    return FALSE;
  for (int k = 0; k < 4; k++)
    n += has[k];
  if (n != 1)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--slippage takes one model: ticks=N, percent=X, spread[=N] or sqrt=K");
      return FALSE;
    }
  if ((has[0] || has[1] || has[3]) && isnan (v[has[0] ? 0 : has[1] ? 1 : 3]))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--slippage %s needs a value", keys[has[0] ? 0 : has[1] ? 1 : 3]);
      return FALSE;
    }
  if (has[0])
    s->model = QL_SLIPPAGE_TICKS, s->ticks = llround (v[0]);
  else if (has[1])
    s->model = QL_SLIPPAGE_PERCENT, s->ppm = llround (v[1] * 10000);
  else if (has[2])
    s->model = QL_SLIPPAGE_SPREAD, s->spread_ticks = isnan (v[2]) ? 1 : llround (v[2]);
  else
    s->model = QL_SLIPPAGE_SQRT_IMPACT, s->impact_k = v[3];
  return TRUE;
}

static gboolean
parse_duration (const char *text, gint64 *ns, GError **error)
{
  static const struct { const char *unit; gint64 ns; } units[] = {
    { "ns", 1 }, { "us", 1000 }, { "ms", 1000000 }, { "s", 1000000000 },
  };
  char *end = NULL;
  double v = g_ascii_strtod (text, &end);

  if (end != text && v >= 0 && isfinite (v))
    for (gsize i = 0; i < G_N_ELEMENTS (units); i++)
      if (strcmp (end, units[i].unit) == 0 && v * units[i].ns < 1e18)
        {
          *ns = llround (v * units[i].ns);
          return TRUE;
        }
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
               "--latency \"%s\" is not a duration such as 250ms, 2s, 1500us or 100ns", text);
  return FALSE;
}

/* A fraction in (0, 1] as whole parts per million, refused when it would
 * round. */
static gboolean
fraction_ppm (const char *what, double v, gint64 *ppm, GError **error)
{
  double p = v * 1e6;

  if (!(v > 0 && v <= 1) || fabs (p - nearbyint (p)) > 1e-6 * MAX (1.0, p))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "%s %.15g: a fraction of the notional above 0 and at most 1, in steps of "
                   "0.000001", what, v);
      return FALSE;
    }
  *ppm = (gint64) nearbyint (p);
  return TRUE;
}

/* --leverage, --margin and --margin-call into @st. */
static gboolean
parse_margin (const QlCliRunOptions *o, QlCliRunSettings *st, GError **error)
{
  if (o->margin != NULL)
    {
      const char *keys[] = { "initial", "maintenance", NULL };
      double v[2];
      gboolean has[2] = { FALSE };

      if (!parse_spec ("margin", o->margin, keys, v, has, error))
        return FALSE;
      for (int k = 0; k < 2; k++)
        if (has[k] && (isnan (v[k]) || !fraction_ppm (k == 0 ? "--margin initial" : "--margin maintenance",
                                                      v[k], k == 0 ? &st->initial_margin_ppm
                                                                   : &st->maintenance_margin_ppm,
                                                      error)))
          {
            if (isnan (v[k]))
              g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           "--margin %s needs a value, as in %s=0.05", keys[k], keys[k]);
            return FALSE;
          }
      if (has[0] && o->leverage != NULL)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "--leverage and --margin initial= both set the initial margin: give one");
          return FALSE;
        }
    }
  if (o->leverage != NULL)
    {
      double n;
      if (!parse_number ("--leverage", o->leverage, &n, error))
        return FALSE;
      if (!(n >= 1 && n <= 1000))
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "--leverage %s: a number from 1 (none) to 1000", o->leverage);
          return FALSE;
        }
      /* 1/3 is 333333 ppm: the one rounding, said in --help. */
      st->initial_margin_ppm = llround (1e6 / n);
    }
  if (st->maintenance_margin_ppm > 0 &&
      st->maintenance_margin_ppm > (st->initial_margin_ppm > 0 ? st->initial_margin_ppm : 1000000))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--margin maintenance must not be above the initial margin (%.15g)",
                   (st->initial_margin_ppm > 0 ? st->initial_margin_ppm : 1000000) / 1e6);
      return FALSE;
    }
  if (o->margin_call != NULL)
    {
      if (strcmp (o->margin_call, "liquidate-all") == 0)
        st->config.margin_call = QL_MARGIN_CALL_CLOSE_ALL;
      else if (strcmp (o->margin_call, "close-worst") == 0)
        st->config.margin_call = QL_MARGIN_CALL_CLOSE_WORST;
      else if (strcmp (o->margin_call, "none") == 0)
        st->config.margin_call = QL_MARGIN_CALL_NONE;
      else
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "--margin-call \"%s\": write liquidate-all, close-worst or none", o->margin_call);
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
ql_cli_run_settings_parse (QlCliRunOptions       *o,
                           QlCliRunSettings      *st,
                           GError               **error)
{
  double capital;

  memset (st, 0, sizeof *st);
  st->from = G_MININT64;
  st->to = G_MAXINT64;
  st->config.timeframe = (QlTimeframe){ QL_TF_SECONDS, 60 };

  if (o->time_limit < 0 || isnan (o->time_limit))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--time-limit takes a number of seconds > 0, got %g", o->time_limit);
      return FALSE;
    }
  if ((o->builtin == NULL) == (o->script == NULL))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "give a strategy: --builtin NAME (%s) or --script FILE.qls, one of them",
                   "buy_and_hold, sma_cross");
      return FALSE;
    }
  if (o->script != NULL)
    {
      if (o->program == NULL)
        o->program = ql_cli_compile_script (o->script, NULL, error);
      if (o->program == NULL)
        return FALSE;
      if (ql_program_get_mode (o->program) == QL_MODE_INDICATOR && !o->allow_indicator)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "%s is an indicator; backtests run strategy(...) and events(...) scripts "
                       "(use quantlab-cli run for indicators)", o->script);
          return FALSE;
        }
      if (ql_program_get_bar_lookback (o->program) + 1 > QL_BACKTEST_DEFAULT_MAX_BARS)
        st->config.max_bars = ql_program_get_bar_lookback (o->program) + 1;
    }
  if ((o->data == NULL || o->data[0] == NULL) && (o->symbols == NULL || o->symbols[0] == NULL))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "no market data: give --data SYM=FILE or --symbol SYM");
      return FALSE;
    }
  if (o->timeframe != NULL)
    {
      if (!ql_timeframe_parse (o->timeframe, &st->config.timeframe, error))
        return FALSE;
      st->timeframe_given = TRUE;
    }
  if (o->mode != NULL)
    {
      if (strcmp (o->mode, "tick") != 0 && strcmp (o->mode, "bar") != 0)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "--mode \"%s\": write tick or bar", o->mode);
          return FALSE;
        }
      st->tick_mode = strcmp (o->mode, "tick") == 0;
      st->mode_given = TRUE;
    }
  if ((o->from_text != NULL && !ql_cli_parse_time (o->from_text, &st->from, error)) ||
      (o->to_text != NULL && !ql_cli_parse_time (o->to_text, &st->to, error)))
    return FALSE;
  if (!parse_number ("--capital", o->capital != NULL ? o->capital : DEFAULT_CAPITAL, &capital, error))
    return FALSE;
  if (capital <= 0 || capital > 1e12)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--capital must be above 0 and at most 10^12");
      return FALSE;
    }
  st->config.initial_capital = ql_money_from_double (capital);
  if (o->commission != NULL && !parse_commission (o->commission, &st->config.broker.commission, error))
    return FALSE;
  if (o->slippage != NULL && !parse_slippage (o->slippage, &st->config.broker.slippage, error))
    return FALSE;
  if (o->fill != NULL)
    {
      if (strcmp (o->fill, "touch") != 0 && strcmp (o->fill, "through") != 0)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "--fill \"%s\": write through or touch", o->fill);
          return FALSE;
        }
      st->config.broker.fill_touch = strcmp (o->fill, "touch") == 0;
    }
  if (o->latency != NULL && !parse_duration (o->latency, &st->config.broker.latency_ns, error))
    return FALSE;
  if (o->volume_share != NULL)
    {
      double pct;
      if (!parse_number ("--volume-share", o->volume_share, &pct, error))
        return FALSE;
      if (pct <= 0 || pct > 100)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "--volume-share %s: a percentage above 0 and at most 100", o->volume_share);
          return FALSE;
        }
      /* The broker counts the share in whole parts per million, where 0
       * means no cap: a value that would round (0.00004 % to 0 ppm, an
       * uncapped run) is refused, never adjusted. */
      double ppm = pct * 10000;
      if (fabs (ppm - nearbyint (ppm)) > 1e-6 * MAX (1.0, ppm) || nearbyint (ppm) < 1)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "--volume-share %s: the share is counted in steps of 0.0001 %% (one part "
                       "per million), from 0.0001 to 100", o->volume_share);
          return FALSE;
        }
      st->config.broker.volume_share_ppm = (gint64) nearbyint (ppm);
    }
  st->config.broker.allow_short = o->allow_short;
  st->config.margin_call = QL_MARGIN_CALL_CLOSE_ALL;
  if (!parse_margin (o, st, error))
    return FALSE;
  return TRUE;
}

static gboolean
check_params (const QlCliRunOptions *o,
              GError               **error)
{
  for (int i = 0; o->params != NULL && o->params[i] != NULL; i++)
    {
      const char *eq = strchr (o->params[i], '=');

      if (eq == NULL || eq == o->params[i] || eq[1] == '\0')
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "--param \"%s\" is not KEY=VALUE, as in fast=10", o->params[i]);
          return FALSE;
        }
    }
  return TRUE;
}

void
ql_cli_script_log (int           level,
                   const QlSpan *span,
                   gint64        bar_index,
                   const char   *text,
                   gpointer      data)
{
  static const char *const levels[] = { "info", "warn", "error" };

  if (bar_index >= 0)
    fprintf (stderr, "%s:%u:%u: %s: [bar %" G_GINT64_FORMAT "] %s\n", (const char *) data,
             span->line, span->col, levels[level], bar_index, text);
  else
    fprintf (stderr, "%s:%u:%u: %s: %s\n", (const char *) data, span->line, span->col,
             levels[level], text);
}

static gboolean
past_deadline (gpointer data)
{
  const gint64 *deadline_us = data;

  return *deadline_us > 0 && g_get_monotonic_time () > *deadline_us;
}

void
ql_cli_script_limits (const QlCliRunOptions *o,
                      QlScriptLimits        *limits,
                      gint64                *deadline_us)
{
  ql_script_limits_init (limits);
  *deadline_us = o->time_limit > 0 ? g_get_monotonic_time () + (gint64) (o->time_limit * 1e6) : 0;
  if (*deadline_us > 0)
    {
      limits->deadline = past_deadline;
      limits->deadline_data = deadline_us;
    }
}

QlCliStrategy *
ql_cli_strategy_new (const QlCliRunOptions *o,
                     GError               **error)
{
  g_autoptr (QlCliStrategy) s = g_new0 (QlCliStrategy, 1);

  if (!check_params (o, error))
    return NULL;
  if (o->program != NULL)
    {
      QlScriptLimits limits;

      ql_cli_script_limits (o, &limits, &s->deadline_us);
      s->script = ql_script_instance_new (o->program, (const char *const *) o->params, &limits, error);
      if (s->script == NULL)
        return NULL;
      ql_script_instance_set_log_func (s->script, ql_cli_script_log, o->script);
      s->strategy = ql_script_instance_get_strategy (s->script, NULL, NULL);
      return g_steal_pointer (&s);
    }
  s->builtin = ql_builtin_new (o->builtin, error);
  if (s->builtin == NULL)
    return NULL;
  for (int i = 0; o->params != NULL && o->params[i] != NULL; i++)
    {
      g_auto (GStrv) kv = g_strsplit (o->params[i], "=", 2);

      if (!ql_builtin_set_param (s->builtin, kv[0], kv[1], error))
        return NULL;
    }
  s->strategy = *ql_builtin_get_strategy (s->builtin);
  return g_steal_pointer (&s);
}

gboolean
ql_cli_strategy_check (const QlCliStrategy *self,
                       QlCliMarket         *market,
                       GError             **error)
{
  g_autofree const QlInstrument **insts = g_new0 (const QlInstrument *, MAX (market->feeds->len, 1));

  if (self->builtin == NULL)
    return TRUE;
  for (guint i = 0; i < market->feeds->len; i++)
    insts[i] = ql_feed_get_instrument (g_ptr_array_index (market->feeds, i));
  return ql_builtin_check (self->builtin, insts, market->feeds->len, error);
}

void
ql_cli_strategy_free (QlCliStrategy *self)
{
  if (self == NULL)
    return;
  ql_builtin_free (self->builtin);
  ql_script_instance_free (self->script);
  g_free (self);
}

const char *
ql_cli_strategy_name (const QlCliRunOptions *o)
{
  return o->builtin ? o->builtin : o->script;
}

QlProgram *
ql_cli_compile_script (const char *path,
                       GString    *json,
                       GError    **error)
{
  g_autofree char *text = NULL;
  gsize len = 0;
  g_autoptr (GError) local = NULL;
  g_autoptr (QlDiagList) diags = NULL;
  QlProgram *p;

  if (!g_file_get_contents (path, &text, &len, &local))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "%s", local->message);
      return NULL;
    }
  diags = ql_diag_list_new (path, text, len);
  p = ql_program_compile (path, text, len, diags);
  if (json != NULL)
    {
      g_autofree char *j = ql_diag_list_to_json (diags);
      g_string_append (json, j);
    }
  else if (diags->items->len > 0)
    {
      g_autofree char *t = ql_diag_list_to_text (diags, p == NULL);
      fputs (t, stderr);
    }
  if (p == NULL)
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "%s: %u error%s", path,
                 diags->n_errors, diags->n_errors == 1 ? "" : "s");
  return p;
}

/* ---- market ------------------------------------------------------------- */

void
ql_cli_market_free (QlCliMarket *self)
{
  if (self == NULL)
    return;
  g_ptr_array_unref (self->feeds);
  g_ptr_array_unref (self->names);
  g_ptr_array_unref (self->finer);
  g_ptr_array_unref (self->held_bars);
  if (self->loaded != NULL)
    g_ptr_array_unref (self->loaded);
  if (self->loaded_finer != NULL)
    g_ptr_array_unref (self->loaded_finer);
  if (self->multipliers != NULL)
    g_array_unref (self->multipliers);
  ql_store_free (self->store);
  g_free (self);
}

static char *
display_name (const QlInstrument *inst)
{
  return inst->exchange[0] != '\0' ? g_strdup_printf ("%s:%s", inst->exchange, inst->symbol)
                                   : g_strdup (inst->symbol);
}

static gboolean
has_kind (GArray *series, const char *kind)
{
  for (guint i = 0; i < series->len; i++)
    if (strcmp (g_array_index (series, QlStoreSeriesInfo, i).kind, kind) == 0)
      return TRUE;
  return FALSE;
}

/* The finest stored bar series that divides @tf, for the magnifier. */
static gboolean
finest_bars (GArray *series, const QlTimeframe *tf, char kind[16])
{
  gint64 best = G_MAXINT64;
  kind[0] = '\0';
  for (guint i = 0; i < series->len; i++)
    {
      const QlStoreSeriesInfo *s = &g_array_index (series, QlStoreSeriesInfo, i);
      QlTimeframe stored;
      if (strcmp (s->kind, QL_STORE_KIND_TICKS) == 0 || !ql_timeframe_parse (s->kind, &stored, NULL))
        continue;
      gint64 ns = ql_timeframe_nominal_ns (&stored);
      if (ql_timeframe_divides (&stored, tf) && ns > 0 && ns < ql_timeframe_nominal_ns (tf) &&
          ns < best)
        best = ns, g_strlcpy (kind, s->kind, 16);
    }
  return kind[0] != '\0';
}

static gboolean
open_stored (QlCliMarket           *self,
             const char            *symbol,
             QlCliRunSettings      *st,
             gboolean               magnifier,
             GError               **error)
{
  QlInstrument inst;
  gint64 id;
  g_autoptr (GArray) series = NULL;
  QlFeed *feed = NULL, *finer = NULL;
  gboolean ok = FALSE;
  char kind[16];

  if (!ql_store_find_instrument (self->store, symbol, NULL, &inst, &id, error))
    return FALSE;
  series = ql_store_list_series (self->store, id, error);
  if (series == NULL)
    goto out;
  if (st->tick_mode)
    {
      if (!has_kind (series, QL_STORE_KIND_TICKS))
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "%s has no stored ticks for --mode tick; use --mode bar", inst.symbol);
          goto out;
        }
      feed = ql_feed_new_store (self->store, id, &inst, QL_STORE_KIND_TICKS, st->from, st->to, error);
    }
  else
    {
      if (!ql_history_pick_source (self->store, id, &inst, &st->config.timeframe, kind, error))
        goto out;
      if (strcmp (kind, QL_STORE_KIND_TICKS) == 0)
        {
          /* Bar mode over ticks: the run's bars are built first. */
          QlSeries *bars = ql_series_new_bars ();
          g_ptr_array_add (self->held_bars, bars);
          if (!ql_history_load_bars (self->store, id, &inst, &st->config.timeframe, st->from, st->to,
                                     bars, NULL, error))
            goto out;
          feed = ql_feed_new_bars (&inst, &st->config.timeframe, bars);
        }
      else
        feed = ql_feed_new_store (self->store, id, &inst, kind, st->from, st->to, error);
      if (feed != NULL && magnifier)
        {
          char fine[16];
          if (has_kind (series, QL_STORE_KIND_TICKS))
            finer = ql_feed_new_store (self->store, id, &inst, QL_STORE_KIND_TICKS, st->from, st->to,
                                       error);
          /* Finer than the run's bars, not than the source: 5m bars
           * magnify a 1h run even when they are also its source. */
          else if (finest_bars (series, &st->config.timeframe, fine))
            finer = ql_feed_new_store (self->store, id, &inst, fine, st->from, st->to, error);
          else
            {
              char tf[16];
              ql_timeframe_format (&st->config.timeframe, tf, sizeof tf);
              g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           "--magnifier: %s has no stored ticks or bars finer than the run's %s "
                           "that divide it", inst.symbol, tf);
              goto out;
            }
          if (finer == NULL)
            goto out;
        }
    }
  if (feed == NULL)
    goto out;
  g_ptr_array_add (self->feeds, g_steal_pointer (&feed));
  g_ptr_array_add (self->finer, g_steal_pointer (&finer));
  g_ptr_array_add (self->names, display_name (&inst));
  ok = TRUE;

out:
  ql_feed_free (feed);
  ql_feed_free (finer);
  ql_instrument_clear (&inst);
  return ok;
}

/* Whether @symbol has stored ticks, and its finest stored bar timeframe
 * (*@has_bars FALSE when none). */
static gboolean
stored_series (QlStore     *store,
               const char  *symbol,
               gboolean    *has_ticks,
               gboolean    *has_bars,
               QlTimeframe *finest,
               GError     **error)
{
  QlInstrument inst;
  gint64 id;
  g_autoptr (GArray) series = NULL;
  gint64 best = G_MAXINT64;

  if (!ql_store_find_instrument (store, symbol, NULL, &inst, &id, error))
    return FALSE;
  ql_instrument_clear (&inst);
  series = ql_store_list_series (store, id, error);
  if (series == NULL)
    return FALSE;
  *has_ticks = has_kind (series, QL_STORE_KIND_TICKS);
  *has_bars = FALSE;
  for (guint i = 0; i < series->len; i++)
    {
      QlTimeframe tf;
      const char *kind = g_array_index (series, QlStoreSeriesInfo, i).kind;
      if (strcmp (kind, QL_STORE_KIND_TICKS) == 0 || !ql_timeframe_parse (kind, &tf, NULL))
        continue;
      gint64 ns = tf.unit == QL_TF_MONTHS ? G_MAXINT64 - 1 : ql_timeframe_nominal_ns (&tf);
      if (ns < best)
        best = ns, *finest = tf, *has_bars = TRUE;
    }
  return TRUE;
}

/* --multiplier SYM=N per symbol; SYM is the run's name of the symbol
 * ("BINANCE:BTCUSDT") or its symbol alone ("BTCUSDT"). */
static gboolean
resolve_multipliers (QlCliMarket *self, const QlCliRunOptions *o, GError **error)
{
  self->multipliers = g_array_new (FALSE, FALSE, sizeof (gint64));
  for (guint i = 0; i < self->feeds->len; i++)
    {
      gint64 one = 1;
      g_array_append_val (self->multipliers, one);
    }
  for (int k = 0; o->multipliers != NULL && o->multipliers[k] != NULL; k++)
    {
      g_auto (GStrv) kv = g_strsplit (o->multipliers[k], "=", 2);
      char *end = NULL;
      gint64 n;
      guint i;

      if (kv[0] == NULL || kv[1] == NULL || kv[0][0] == '\0')
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "--multiplier \"%s\" is not SYM=N, as in ES=50", o->multipliers[k]);
          return FALSE;
        }
      n = g_ascii_strtoll (kv[1], &end, 10);
      if (end == kv[1] || *end != '\0' || n < 1 || n > 1000000000)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "--multiplier %s: \"%s\" is not a whole number from 1 to 10^9", kv[0], kv[1]);
          return FALSE;
        }
      for (i = 0; i < self->feeds->len; i++)
        {
          const QlInstrument *inst = ql_feed_get_instrument (g_ptr_array_index (self->feeds, i));
          if (g_ascii_strcasecmp (kv[0], g_ptr_array_index (self->names, i)) == 0 ||
              g_ascii_strcasecmp (kv[0], inst->symbol) == 0)
            break;
        }
      if (i == self->feeds->len)
        {
          g_autoptr (GString) names = g_string_new (NULL);
          for (guint j = 0; j < self->names->len; j++)
            g_string_append_printf (names, "%s%s", j > 0 ? ", " : "",
                                    (const char *) g_ptr_array_index (self->names, j));
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "--multiplier %s: no such symbol in this run (%s)", kv[0], names->str);
          return FALSE;
        }
      g_array_index (self->multipliers, gint64, i) = n;
    }
  return TRUE;
}

QlCliMarket *
ql_cli_market_open (const QlCliRunOptions *o,
                    QlCliRunSettings      *st,
                    GError               **error)
{
  g_autoptr (QlCliMarket) self = g_new0 (QlCliMarket, 1);
  gboolean all_ticks = TRUE, have_bar_tf = FALSE;
  QlTimeframe bar_tf = { QL_TF_SECONDS, 60 };

  self->feeds = g_ptr_array_new_with_free_func ((GDestroyNotify) ql_feed_free);
  self->finer = g_ptr_array_new_with_free_func ((GDestroyNotify) ql_feed_free);
  self->names = g_ptr_array_new_with_free_func (g_free);
  self->held_bars = g_ptr_array_new_with_free_func ((GDestroyNotify) ql_series_free);

  /* Files first: their kinds are known once opened. */
  for (int i = 0; o->data != NULL && o->data[i] != NULL; i++)
    {
      g_auto (GStrv) kv = g_strsplit (o->data[i], "=", 2);
      QlFeed *feed;
      if (kv[0] == NULL || kv[1] == NULL || kv[0][0] == '\0' || kv[1][0] == '\0')
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "--data \"%s\" is not SYM=FILE, as in BTCUSDT=trades.csv", o->data[i]);
          return NULL;
        }
      feed = ql_feed_new_csv (kv[1], kv[0], o->tz, st->from, st->to, error);
      if (feed == NULL)
        return NULL;
      if (ql_feed_get_kind (feed) != QL_SOURCE_TICKS)
        all_ticks = FALSE;
      if (st->mode_given && st->tick_mode && ql_feed_get_kind (feed) != QL_SOURCE_TICKS)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "%s holds bars: --mode tick needs ticks", kv[1]);
          ql_feed_free (feed);
          return NULL;
        }
      if (o->magnifier)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "--magnifier reads finer data from the workspace: import the files and "
                       "use --symbol");
          ql_feed_free (feed);
          return NULL;
        }
      g_ptr_array_add (self->names, display_name (ql_feed_get_instrument (feed)));
      g_ptr_array_add (self->feeds, feed);
      g_ptr_array_add (self->finer, NULL);
    }

  if (o->symbols != NULL && o->symbols[0] != NULL)
    {
      self->store = ql_store_open_existing (o->db, error);
      if (self->store == NULL)
        return NULL;
      for (int i = 0; o->symbols[i] != NULL; i++)
        {
          gboolean ticks = FALSE, bars = FALSE;
          QlTimeframe finest;
          if (!stored_series (self->store, o->symbols[i], &ticks, &bars, &finest, error))
            return NULL;
          all_ticks = all_ticks && ticks;
          if (i == 0 && bars && !have_bar_tf)
            bar_tf = finest, have_bar_tf = TRUE;
        }
    }

  /* Settle the mode and the run's timeframe when the options left them open. */
  if (!st->mode_given)
    st->tick_mode = all_ticks;
  if (!st->timeframe_given)
    {
      /* The first file's bars, else the first stored symbol's finest bars,
       * else 1m bars built from the ticks. */
      for (guint i = self->feeds->len; i > 0; i--)
        if (ql_feed_get_kind (g_ptr_array_index (self->feeds, i - 1)) == QL_SOURCE_BARS)
          bar_tf = *ql_feed_get_timeframe (g_ptr_array_index (self->feeds, i - 1)), have_bar_tf = TRUE;
      st->config.timeframe = bar_tf;
    }
  if (!st->tick_mode)
    for (guint i = 0; i < self->feeds->len; i++)
      if (ql_feed_get_kind (g_ptr_array_index (self->feeds, i)) == QL_SOURCE_TICKS)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "--mode bar with ticks in a --data file: use --mode tick, or import the "
                       "file and use --symbol");
          return NULL;
        }

  for (int i = 0; o->symbols != NULL && o->symbols[i] != NULL; i++)
    if (!open_stored (self, o->symbols[i], st, o->magnifier, error))
      return NULL;

  if (!resolve_multipliers (self, o, error))
    return NULL;
  self->initial_margin_ppm = st->initial_margin_ppm;
  self->maintenance_margin_ppm = st->maintenance_margin_ppm;
  return g_steal_pointer (&self);
}

QlRunSymbol *
ql_cli_market_run_symbols (QlCliMarket *self,
                           guint       *n)
{
  QlRunSymbol *syms = g_new0 (QlRunSymbol, self->feeds->len);

  for (guint i = 0; i < self->feeds->len; i++)
    {
      QlFeed *feed = g_ptr_array_index (self->feeds, i);
      QlFeed *finer = g_ptr_array_index (self->finer, i);
      syms[i].inst = ql_feed_get_instrument (feed);
      syms[i].kind = ql_feed_get_kind (feed);
      if (syms[i].kind == QL_SOURCE_BARS)
        syms[i].bar_timeframe = *ql_feed_get_timeframe (feed);
      syms[i].source = ql_feed_get_source (feed);
      syms[i].multiplier = g_array_index (self->multipliers, gint64, i);
      syms[i].initial_margin_ppm = self->initial_margin_ppm;
      syms[i].maintenance_margin_ppm = self->maintenance_margin_ppm;
      if (finer != NULL)
        {
          syms[i].magnifier_kind = ql_feed_get_kind (finer);
          if (syms[i].magnifier_kind == QL_SOURCE_BARS)
            syms[i].magnifier_timeframe = *ql_feed_get_timeframe (finer);
          syms[i].magnifier = ql_feed_get_source (finer);
        }
    }
  *n = self->feeds->len;
  return syms;
}

gboolean
ql_cli_market_check_rows (QlCliMarket            *self,
                          const QlCliRunSettings *st,
                          GError                **error)
{
  for (guint i = 0; i < self->feeds->len; i++)
    {
      guint64 rows;
      if (self->loaded != NULL)
        rows = ((const QlSeries *) g_ptr_array_index (self->loaded, i))->len;
      else
        {
          /* A magnified run reads the finer feed instead. */
          QlFeed *read = g_ptr_array_index (self->finer, i) != NULL ? g_ptr_array_index (self->finer, i)
                                                                    : g_ptr_array_index (self->feeds, i);
          rows = ql_feed_get_rows (read);
        }
      if (rows == 0)
        {
          char a[40], b[40];
          const char *name = g_ptr_array_index (self->names, i);
          if (st->from != G_MININT64)
            ql_cli_format_time (st->from, a);
          if (st->to != G_MAXINT64)
            ql_cli_format_time (st->to, b);
          if (st->from != G_MININT64 && st->to != G_MAXINT64)
            g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                         "no data for %s between %s and %s", name, a, b);
          else if (st->from != G_MININT64)
            g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                         "no data for %s from %s on", name, a);
          else if (st->to != G_MAXINT64)
            g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                         "no data for %s before %s", name, b);
          else
            g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED, "no data for %s", name);
          return FALSE;
        }
    }
  return TRUE;
}

const GError *
ql_cli_market_get_error (QlCliMarket *self)
{
  for (guint i = 0; i < self->feeds->len; i++)
    {
      const GError *e = ql_feed_get_error (g_ptr_array_index (self->feeds, i));
      if (e != NULL)
        return e;
      if (g_ptr_array_index (self->finer, i) != NULL &&
          (e = ql_feed_get_error (g_ptr_array_index (self->finer, i))) != NULL)
        return e;
    }
  return NULL;
}

/* ---- in memory, for many runs ------------------------------------------ */

static QlSeries *
load_feed (QlFeed *feed, GError **error)
{
  QlSource src = ql_feed_get_source (feed);
  QlSeries *all = ql_feed_get_kind (feed) == QL_SOURCE_TICKS ? ql_series_new_ticks ()
                                                             : ql_series_new_bars ();
  const QlSeries *chunk;

  for (;;)
    {
      QlStatus st = src.next (src.data, &chunk);
      if (st != QL_STATUS_OK || chunk == NULL)
        break;
      gsize base = all->len;
      if (base + chunk->len > all->cap)
        ql_series_reserve (all, MAX (base + chunk->len, all->cap + all->cap / 2));
      all->len = base + chunk->len;
      for (guint c = 0; c < all->n_columns; c++)
        memcpy ((gint64 *) all->columns[c] + base, chunk->columns[c], chunk->len * sizeof (gint64));
    }
  if (ql_feed_get_error (feed) != NULL)
    {
      g_propagate_error (error, g_error_copy (ql_feed_get_error (feed)));
      ql_series_free (all);
      return NULL;
    }
  return all;
}

gboolean
ql_cli_market_load (QlCliMarket *self,
                    GError     **error)
{
  self->loaded = g_ptr_array_new_with_free_func ((GDestroyNotify) ql_series_free);
  self->loaded_finer = g_ptr_array_new_with_free_func ((GDestroyNotify) ql_series_free);
  for (guint i = 0; i < self->feeds->len; i++)
    {
      QlSeries *s = load_feed (g_ptr_array_index (self->feeds, i), error);
      QlFeed *finer = g_ptr_array_index (self->finer, i);
      if (s == NULL)
        return FALSE;
      g_ptr_array_add (self->loaded, s);
      if (finer != NULL)
        {
          QlSeries *f = load_feed (finer, error);
          if (f == NULL)
            return FALSE;
          g_ptr_array_add (self->loaded_finer, f);
        }
      else
        g_ptr_array_add (self->loaded_finer, NULL);
    }
  return TRUE;
}

/* First row with time >= @t. */
static gsize
lower_bound (const QlSeries *s, QlTimeNs t)
{
  const gint64 *time = ql_series_i64 (s, 0);
  gsize lo = 0, hi = s->len;
  while (lo < hi)
    {
      gsize mid = lo + (hi - lo) / 2;
      if (time[mid] < t)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

/* A series header whose columns point into @s's rows [from, to): a view,
 * freed with view_free, never owning the cells. */
static QlSeries *
view_new (const QlSeries *s, QlTimeNs from, QlTimeNs to)
{
  QlSeries *v = g_new (QlSeries, 1);
  gsize a = lower_bound (s, from), b = lower_bound (s, to);

  *v = *s;
  v->columns = g_new (void *, s->n_columns);
  for (guint c = 0; c < s->n_columns; c++)
    v->columns[c] = (gint64 *) s->columns[c] + a;
  v->len = b - a;
  v->cap = b - a;
  return v;
}

static void
view_free (gpointer data)
{
  QlSeries *v = data;
  g_free (v->columns);
  g_free (v);
}

/* The views live beside the sources: the source's free releases both. */
typedef struct
{
  QlSource inner;
  QlSeries *view;
} ViewSource;

static QlStatus
view_source_next (gpointer data, const QlSeries **chunk)
{
  ViewSource *vs = data;
  return vs->inner.next (vs->inner.data, chunk);
}

static void
view_source_free (gpointer data)
{
  ViewSource *vs = data;
  if (vs->inner.free != NULL)
    vs->inner.free (vs->inner.data);
  view_free (vs->view);
  g_free (vs);
}

static QlSource
view_source_new (const QlSeries *s, QlTimeNs from, QlTimeNs to)
{
  ViewSource *vs = g_new0 (ViewSource, 1);
  QlSource src = { view_source_next, view_source_free, vs };

  vs->view = view_new (s, from, to);
  /* Chunks of 8192 rows, as from a file: the run's working set stays small. */
  vs->inner = ql_source_new_memory (vs->view, QL_FEED_CHUNK_ROWS);
  return src;
}

QlRunSymbol *
ql_cli_market_memory_symbols (QlCliMarket *self,
                              QlTimeNs     from,
                              QlTimeNs     to,
                              guint       *n)
{
  QlRunSymbol *syms = ql_cli_market_run_symbols (self, n);

  g_return_val_if_fail (self->loaded != NULL, syms);
  for (guint i = 0; i < *n; i++)
    {
      const QlSeries *finer = g_ptr_array_index (self->loaded_finer, i);
      syms[i].source = view_source_new (g_ptr_array_index (self->loaded, i), from, to);
      if (finer != NULL)
        syms[i].magnifier = view_source_new (finer, from, to);
    }
  return syms;
}

void
ql_cli_market_loaded_range (QlCliMarket *self,
                            QlTimeNs    *first,
                            QlTimeNs    *last)
{
  *first = G_MAXINT64;
  *last = G_MININT64;
  for (guint i = 0; i < self->loaded->len; i++)
    {
      const QlSeries *s = g_ptr_array_index (self->loaded, i);
      if (s->len == 0)
        continue;
      *first = MIN (*first, ql_series_i64 (s, 0)[0]);
      *last = MAX (*last, ql_series_i64 (s, 0)[s->len - 1]);
    }
}
