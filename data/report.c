/* data/report.c — the report JSON and the trades and equity CSVs (formats in
 * data/report.h and docs/backtest-report.md). */
#define G_LOG_DOMAIN "ql-data-report"

#include "data/report.h"

#include "engine/instrument.h"
#include "engine/numfmt.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

G_DEFINE_QUARK (ql-report-error-quark, ql_report_error)

int
ql_report_format_time (QlTimeNs t,
                       char    *buf)
{
  gint64 days = t / QL_NS_PER_DAY, rem = t % QL_NS_PER_DAY, y;
  unsigned mo, d;
  int len;

  if (rem < 0)
    rem += QL_NS_PER_DAY, days--;
  ql_civil_from_days (days, &y, &mo, &d);
  gint64 secs = rem / QL_NS_PER_SEC, frac = rem % QL_NS_PER_SEC;
  len = g_snprintf (buf, QL_REPORT_TIME_MAX, "%04" G_GINT64_FORMAT "-%02u-%02uT%02d:%02d:%02d",
                    y, mo, d, (int) (secs / 3600), (int) (secs / 60 % 60), (int) (secs % 60));
  if (frac != 0)
    {
      /* The shortest of .mmm, .uuuuuu, .nnnnnnnnn that is exact. */
      if (frac % 1000000 == 0)
        len += g_snprintf (buf + len, QL_REPORT_TIME_MAX - len, ".%03d", (int) (frac / 1000000));
      else if (frac % 1000 == 0)
        len += g_snprintf (buf + len, QL_REPORT_TIME_MAX - len, ".%06d", (int) (frac / 1000));
      else
        len += g_snprintf (buf + len, QL_REPORT_TIME_MAX - len, ".%09d", (int) frac);
    }
  buf[len++] = 'Z';
  buf[len] = '\0';
  return len;
}

/* A finite double as JSON text that json-glib and strtod read back exactly. */
static void
append_number (GString *out, double v)
{
  char buf[QL_FORMAT_DOUBLE_MAX];
  int n = ql_format_double (v, buf);
  const char *digits = buf[0] == '-' ? buf + 1 : buf;
  gsize k = strlen (digits);

  if (strpbrk (buf, ".e") != NULL)
    {
      g_string_append_len (out, buf, n);
      return;
    }
  if (v == 0 && signbit (v))
    {
      g_string_append (out, "-0.0");
      return;
    }
  if (k < 16)
    {
      g_string_append_len (out, buf, n);
      return;
    }
  /* 16 digits or more: d.ddd e(k-1), trailing zeros dropped. */
  gsize last = k;
  while (last > 1 && digits[last - 1] == '0')
    last--;
  if (buf[0] == '-')
    g_string_append_c (out, '-');
  g_string_append_c (out, digits[0]);
  if (last > 1)
    {
      g_string_append_c (out, '.');
      g_string_append_len (out, digits + 1, (gssize) (last - 1));
    }
  g_string_append_printf (out, "e%" G_GSIZE_FORMAT, k - 1);
}

static void
append_string (GString *out, const char *s)
{
  g_string_append_c (out, '"');
  for (const unsigned char *p = (const unsigned char *) s; *p; p++)
    {
      switch (*p)
        {
        case '"':
          g_string_append (out, "\\\"");
          break;
        case '\\':
          g_string_append (out, "\\\\");
          break;
        case '\n':
          g_string_append (out, "\\n");
          break;
        case '\r':
          g_string_append (out, "\\r");
          break;
        case '\t':
          g_string_append (out, "\\t");
          break;
        default:
          if (*p < 0x20 || *p == 0x7f)
            g_string_append_printf (out, "\\u%04x", *p);
          else
            g_string_append_c (out, (char) *p);
        }
    }
  g_string_append_c (out, '"');
}

static void
append_indent (GString *out, int depth)
{
  g_string_append_c (out, '\n');
  for (int i = 0; i < depth; i++)
    g_string_append (out, "  ");
}

static gboolean
is_scalar (JsonNode *node)
{
  return JSON_NODE_HOLDS_VALUE (node) || JSON_NODE_HOLDS_NULL (node);
}

static void
append_node (GString *out, JsonNode *node, int depth)
{
  switch (json_node_get_node_type (node))
    {
    case JSON_NODE_NULL:
      g_string_append (out, "null");
      break;
    case JSON_NODE_VALUE:
      switch (json_node_get_value_type (node))
        {
        case G_TYPE_INT64:
          g_string_append_printf (out, "%" G_GINT64_FORMAT, json_node_get_int (node));
          break;
        case G_TYPE_DOUBLE:
          {
            double v = json_node_get_double (node);
            if (isfinite (v))
              append_number (out, v);
            else
              g_string_append (out, isnan (v) ? "null" : v > 0 ? "\"inf\"" : "\"-inf\"");
          }
          break;
        case G_TYPE_BOOLEAN:
          g_string_append (out, json_node_get_boolean (node) ? "true" : "false");
          break;
        case G_TYPE_STRING:
          append_string (out, json_node_get_string (node));
          break;
        default:
          g_string_append (out, "null");
        }
      break;
    case JSON_NODE_ARRAY:
      {
        JsonArray *a = json_node_get_array (node);
        guint n = json_array_get_length (a);
        gboolean flat = TRUE;

        for (guint i = 0; i < n && flat; i++)
          flat = is_scalar (json_array_get_element (a, i));
        g_string_append_c (out, '[');
        for (guint i = 0; i < n; i++)
          {
            if (i > 0)
              g_string_append (out, flat ? ", " : ",");
            if (!flat)
              append_indent (out, depth + 1);
            append_node (out, json_array_get_element (a, i), depth + 1);
          }
        if (!flat && n > 0)
          append_indent (out, depth);
        g_string_append_c (out, ']');
      }
      break;
    case JSON_NODE_OBJECT:
      {
        JsonObject *o = json_node_get_object (node);
        GList *members = json_object_get_members (o); /* insertion order */

        g_string_append_c (out, '{');
        for (GList *l = members; l != NULL; l = l->next)
          {
            if (l != members)
              g_string_append_c (out, ',');
            append_indent (out, depth + 1);
            append_string (out, l->data);
            g_string_append (out, ": ");
            append_node (out, json_object_get_member (o, l->data), depth + 1);
          }
        if (members != NULL)
          append_indent (out, depth);
        g_string_append_c (out, '}');
        g_list_free (members);
      }
      break;
    }
}

char *
ql_report_to_json (JsonNode *root,
                   gsize    *length)
{
  GString *out = g_string_sized_new (4096);

  g_return_val_if_fail (root != NULL, NULL);
  append_node (out, root, 0);
  g_string_append_c (out, '\n');
  if (length != NULL)
    *length = out->len;
  return g_string_free (out, FALSE);
}

/* Building the tree. */

static void
add_double (JsonBuilder *b, const char *key, double v)
{
  json_builder_set_member_name (b, key);
  if (isnan (v))
    json_builder_add_null_value (b);
  else if (isinf (v))
    json_builder_add_string_value (b, v > 0 ? "inf" : "-inf");
  else
    json_builder_add_double_value (b, v);
}

static void
add_bool (JsonBuilder *b, const char *key, gboolean v)
{
  json_builder_set_member_name (b, key);
  json_builder_add_boolean_value (b, v);
}

static void
add_int (JsonBuilder *b, const char *key, gint64 v)
{
  json_builder_set_member_name (b, key);
  json_builder_add_int_value (b, v);
}

static void
add_time (JsonBuilder *b, const char *key, QlTimeNs t)
{
  char buf[QL_REPORT_TIME_MAX];

  json_builder_set_member_name (b, key);
  if (t == QL_TIME_NONE)
    json_builder_add_null_value (b);
  else
    {
      ql_report_format_time (t, buf);
      json_builder_add_string_value (b, buf);
    }
}

static void
add_double_array (JsonBuilder *b, const char *key, const double *v, gsize n)
{
  json_builder_set_member_name (b, key);
  json_builder_begin_array (b);
  for (gsize i = 0; i < n; i++)
    {
      if (isnan (v[i]))
        json_builder_add_null_value (b);
      else if (isinf (v[i]))
        json_builder_add_string_value (b, v[i] > 0 ? "inf" : "-inf");
      else
        json_builder_add_double_value (b, v[i]);
    }
  json_builder_end_array (b);
}

static void
add_metrics (JsonBuilder *b, const QlMetrics *m)
{
  json_builder_begin_object (b);
  add_int (b, "trades", m->n_trades);
  add_int (b, "wins", m->n_wins);
  add_int (b, "losses", m->n_losses);
  add_double (b, "net_profit", m->net_profit);
  add_double (b, "gross_profit", m->gross_profit);
  add_double (b, "gross_loss", m->gross_loss);
  add_double (b, "commission", m->commission);
  add_double (b, "profit_factor", m->profit_factor);
  add_double (b, "win_rate", m->win_rate);
  add_double (b, "avg_win", m->avg_win);
  add_double (b, "avg_loss", m->avg_loss);
  add_double (b, "expectancy", m->expectancy);
  add_double (b, "largest_win", m->largest_win);
  add_double (b, "largest_loss", m->largest_loss);
  add_double (b, "avg_mae", m->avg_mae);
  add_double (b, "avg_mfe", m->avg_mfe);
  add_int (b, "longest_win_streak", m->longest_win_streak);
  add_int (b, "longest_loss_streak", m->longest_loss_streak);
  add_double (b, "max_drawdown", m->max_drawdown);
  add_double (b, "max_drawdown_fraction", m->max_drawdown_fraction);
  add_time (b, "max_drawdown_peak_time", m->max_drawdown_peak_time);
  add_time (b, "max_drawdown_trough_time", m->max_drawdown_trough_time);
  add_time (b, "max_drawdown_end_time", m->max_drawdown_end_time);
  add_bool (b, "max_drawdown_recovered", m->max_drawdown_recovered);
  add_double (b, "max_drawdown_duration_seconds", (double) m->max_drawdown_duration / QL_NS_PER_SEC);
  add_double (b, "longest_drawdown_duration_seconds", (double) m->longest_drawdown_duration / QL_NS_PER_SEC);
  add_double (b, "final_equity", m->final_equity);
  add_double (b, "total_return", m->total_return);
  add_double (b, "years", m->years);
  add_double (b, "periods_per_year", m->periods_per_year);
  add_double (b, "cagr", m->cagr);
  add_double (b, "sharpe", m->sharpe);
  add_double (b, "sortino", m->sortino);
  add_double (b, "calmar", m->calmar);
  add_double (b, "exposure", m->exposure);
  add_double (b, "buy_hold_return", m->buy_hold_return);
  add_double (b, "buy_hold_net_profit", m->buy_hold_net_profit);
  json_builder_end_object (b);
}

static void
add_monte_carlo (JsonBuilder *b, const QlMonteCarloResult *r, const QlReportMcRule *rules,
                 gsize n_rules)
{
  char seed[32];

  json_builder_begin_object (b);
  add_int (b, "runs", r->n_runs);
  /* A string: a 64-bit seed is not exact as a JSON number in every reader. */
  g_snprintf (seed, sizeof seed, "%" G_GUINT64_FORMAT, r->seed);
  json_builder_set_member_name (b, "seed");
  json_builder_add_string_value (b, seed);
  add_int (b, "trades", (gint64) r->n_trades);
  add_double (b, "initial_capital", r->initial_capital);
  add_double_array (b, "percentiles", ql_monte_carlo_percentiles, QL_MC_N_PERCENTILES);
  add_double_array (b, "final_equity", r->final_equity, QL_MC_N_PERCENTILES);
  add_double_array (b, "max_drawdown", r->max_drawdown, QL_MC_N_PERCENTILES);
  add_double_array (b, "max_drawdown_fraction", r->max_drawdown_fraction, QL_MC_N_PERCENTILES);
  add_double (b, "mean_final_equity", r->mean_final_equity);
  add_double (b, "probability_of_loss", r->p_loss);
  json_builder_set_member_name (b, "thresholds");
  json_builder_begin_array (b);
  for (gsize j = 0; j < r->n_thresholds; j++)
    {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "name");
      if (r->thresholds[j].name != NULL)
        json_builder_add_string_value (b, r->thresholds[j].name);
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "kind");
      json_builder_add_string_value (b, ql_monte_carlo_threshold_to_string (r->thresholds[j].kind));
      add_double (b, "value", r->thresholds[j].value);
      add_double (b, "probability", r->p_breach[j]);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  if (rules != NULL)
    {
      json_builder_set_member_name (b, "rule_probabilities");
      json_builder_begin_array (b);
      for (gsize j = 0; j < n_rules; j++)
        {
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "name");
          json_builder_add_string_value (b, rules[j].name != NULL ? rules[j].name : "");
          json_builder_set_member_name (b, "kind");
          json_builder_add_string_value (b, rules[j].kind != NULL ? rules[j].kind : "");
          add_double (b, "amount", rules[j].amount);
          add_double (b, "probability", rules[j].probability);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
    }
  json_builder_end_object (b);
}

JsonNode *
ql_report_build (const QlReportContent *c)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  g_return_val_if_fail (c != NULL && c->total != NULL, NULL);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "schema");
  json_builder_add_string_value (b, QL_REPORT_SCHEMA);
  add_int (b, "version", QL_REPORT_VERSION);

  json_builder_set_member_name (b, "settings");
  if (c->settings != NULL)
    {
      JsonNode *node = json_node_new (JSON_NODE_OBJECT);
      json_node_set_object (node, c->settings);
      json_builder_add_value (b, node);
    }
  else
    {
      json_builder_begin_object (b);
      json_builder_end_object (b);
    }

  json_builder_set_member_name (b, "metrics");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "total");
  add_metrics (b, c->total);
  json_builder_set_member_name (b, "per_symbol");
  json_builder_begin_object (b);
  for (guint s = 0; c->per_symbol != NULL && s < c->n_symbols; s++)
    {
      char fallback[24];
      const char *name = c->symbol_names != NULL ? c->symbol_names[s] : NULL;
      if (name == NULL)
        {
          g_snprintf (fallback, sizeof fallback, "#%u", s);
          name = fallback;
        }
      json_builder_set_member_name (b, name);
      add_metrics (b, &c->per_symbol[s]);
    }
  json_builder_end_object (b);
  json_builder_end_object (b);

  json_builder_set_member_name (b, "monthly_returns");
  json_builder_begin_array (b);
  for (gsize i = 0; i < c->n_monthly; i++)
    {
      const QlMonthlyReturn *m = &c->monthly[i];
      char month[24];

      g_snprintf (month, sizeof month, "%04d-%02d", m->year, m->month);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "month");
      json_builder_add_string_value (b, month);
      add_double (b, "start_equity", m->start_equity);
      add_double (b, "end_equity", m->end_equity);
      add_double (b, "return", m->ret);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);

  json_builder_set_member_name (b, "rule_events");
  json_builder_begin_array (b);
  for (gsize i = 0; i < c->n_rule_events; i++)
    {
      const QlReportRuleEvent *e = &c->rule_events[i];

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "rule");
      json_builder_add_string_value (b, e->rule != NULL ? e->rule : "");
      add_time (b, "time", e->time);
      add_double (b, "value", e->value);
      add_double (b, "limit", e->limit);
      json_builder_set_member_name (b, "action");
      json_builder_add_string_value (b, e->action != NULL ? e->action : "");
      json_builder_set_member_name (b, "message");
      if (e->message != NULL)
        json_builder_add_string_value (b, e->message);
      else
        json_builder_add_null_value (b);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);

  add_int (b, "margin_calls", (gint64) c->margin_calls);

  if (c->verdict != NULL)
    {
      const QlRulesVerdict *v = c->verdict;
      static const char *const outcomes[] = { "running", "passed", "failed" };
      gboolean objectives = v->outcome == QL_RULES_PASSED ||
                            (v->target_met && v->min_days_met && v->consistency_met);

      json_builder_set_member_name (b, "rules_verdict");
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "outcome");
      json_builder_add_string_value (b, outcomes[v->outcome]);
      add_bool (b, "passed", v->outcome == QL_RULES_PASSED);
      add_bool (b, "failed", v->outcome == QL_RULES_FAILED);
      add_bool (b, "objectives_met", objectives);
      add_time (b, "time", v->outcome == QL_RULES_RUNNING ? QL_TIME_NONE : v->time);
      json_builder_set_member_name (b, "trading_day");
      if (v->outcome == QL_RULES_RUNNING)
        json_builder_add_null_value (b);
      else
        {
          gint64 y;
          unsigned mo, d;
          char day[24];
          ql_civil_from_days (v->day, &y, &mo, &d);
          g_snprintf (day, sizeof day, "%04" G_GINT64_FORMAT "-%02u-%02u", y, mo, d);
          json_builder_add_string_value (b, day);
        }
      json_builder_set_member_name (b, "rule");
      if (v->outcome == QL_RULES_FAILED && v->rule != NULL)
        json_builder_add_string_value (b, v->rule);
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "message");
      if (v->outcome == QL_RULES_FAILED && v->event != NULL)
        json_builder_add_string_value (b, v->event->message);
      else
        json_builder_add_null_value (b);
      add_int (b, "trading_days", v->trading_days);
      add_double (b, "net_profit", v->net_profit);
      add_double (b, "best_day", v->best_day);
      add_bool (b, "target_met", v->target_met);
      add_bool (b, "min_trading_days_met", v->min_days_met);
      add_bool (b, "consistency_met", v->consistency_met);
      json_builder_end_object (b);
    }

  /* Rejections: the count, the count of each reason (in the order the
   * reasons first occur, so the text does not depend on a hash table), and
   * the first QL_REPORT_MAX_REJECTIONS orders. */
  json_builder_set_member_name (b, "rejections");
  json_builder_begin_object (b);
  add_int (b, "count", (gint64) c->n_rejections);
  json_builder_set_member_name (b, "by_reason");
  json_builder_begin_object (b);
  {
    /* A handful of distinct reasons: a linear list, O(n x reasons). */
    g_autoptr (GPtrArray) reasons = g_ptr_array_new ();
    g_autoptr (GArray) counts = g_array_new (FALSE, TRUE, sizeof (gint64));
    for (gsize i = 0; i < c->n_rejections; i++)
      {
        const char *reason = c->rejections[i].reason != NULL ? c->rejections[i].reason : "";
        guint k;
        for (k = 0; k < reasons->len; k++)
          if (strcmp (g_ptr_array_index (reasons, k), reason) == 0)
            break;
        if (k == reasons->len)
          {
            gint64 zero = 0;
            g_ptr_array_add (reasons, (gpointer) reason);
            g_array_append_val (counts, zero);
          }
        g_array_index (counts, gint64, k)++;
      }
    for (guint k = 0; k < reasons->len; k++)
      add_int (b, g_ptr_array_index (reasons, k), g_array_index (counts, gint64, k));
  }
  json_builder_end_object (b);
  json_builder_set_member_name (b, "first");
  json_builder_begin_array (b);
  for (gsize i = 0; i < MIN (c->n_rejections, QL_REPORT_MAX_REJECTIONS); i++)
    {
      const QlReportRejection *r = &c->rejections[i];

      json_builder_begin_object (b);
      add_time (b, "time", r->time);
      add_int (b, "order", r->order);
      json_builder_set_member_name (b, "symbol");
      json_builder_add_string_value (b, r->symbol != NULL ? r->symbol : "");
      json_builder_set_member_name (b, "side");
      json_builder_add_string_value (b, r->side != NULL ? r->side : "");
      json_builder_set_member_name (b, "type");
      json_builder_add_string_value (b, r->type != NULL ? r->type : "");
      add_double (b, "quantity", r->quantity);
      json_builder_set_member_name (b, "reason");
      json_builder_add_string_value (b, r->reason != NULL ? r->reason : "");
      json_builder_set_member_name (b, "message");
      json_builder_add_string_value (b, r->message != NULL ? r->message : "");
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  /* Cancels and modifications that waited for a bar's end and were refused
   * then (engine/backtest.h, ql_context_cancel ()): not orders, so only a
   * count. */
  add_int (b, "late_refusals", (gint64) c->late_refusals);
  json_builder_end_object (b);

  if (c->monte_carlo != NULL && c->n_monte_carlo > 0)
    {
      json_builder_set_member_name (b, "monte_carlo");
      json_builder_begin_object (b);
      for (gsize i = 0; i < c->n_monte_carlo; i++)
        {
          json_builder_set_member_name (b, ql_monte_carlo_method_to_string (c->monte_carlo[i]->method));
          add_monte_carlo (b, c->monte_carlo[i], c->mc_rules != NULL ? c->mc_rules[i] : NULL,
                           c->n_mc_rules);
        }
      json_builder_end_object (b);
    }

  json_builder_end_object (b);
  return json_builder_get_root (b);
}

/* Writing files. */

typedef struct
{
  FILE *fp;
  const char *path;
  gboolean is_stdout;
} Out;

static gboolean
out_open (Out *o, const char *path, GError **error)
{
  o->path = path;
  o->is_stdout = g_strcmp0 (path, "-") == 0;
  o->fp = o->is_stdout ? stdout : fopen (path, "wb");
  if (o->fp == NULL)
    {
      int saved = errno;
      g_set_error (error, QL_REPORT_ERROR, QL_REPORT_ERROR_IO, "%s: cannot write: %s", path, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

/* Flushes and closes; reports the first error the stream saw. */
static gboolean
out_close (Out *o, GError **error)
{
  gboolean failed = ferror (o->fp) != 0;
  int saved = errno;

  if (fflush (o->fp) != 0 && !failed)
    failed = TRUE, saved = errno;
  if (!o->is_stdout && fclose (o->fp) != 0 && !failed)
    failed = TRUE, saved = errno;
  o->fp = NULL;
  if (failed)
    {
      g_set_error (error, QL_REPORT_ERROR, QL_REPORT_ERROR_IO, "%s: write failed: %s",
                   o->path, g_strerror (saved != 0 ? saved : EIO));
      return FALSE;
    }
  return TRUE;
}

gboolean
ql_report_write_json (const QlReportContent *content,
                      const char            *path,
                      GError               **error)
{
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *text = NULL;
  gsize len;
  Out o;

  g_return_val_if_fail (content != NULL && path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  root = ql_report_build (content);
  text = ql_report_to_json (root, &len);
  if (!out_open (&o, path, error))
    return FALSE;
  fwrite (text, 1, len, o.fp);
  return out_close (&o, error);
}

static void
csv_number (GString *row, double v)
{
  char buf[QL_FORMAT_DOUBLE_MAX];
  if (isfinite (v))
    g_string_append_len (row, buf, ql_format_double (v, buf));
}

static void
csv_field (GString *row, const char *s)
{
  if (strpbrk (s, ",\"\r\n") == NULL)
    {
      g_string_append (row, s);
      return;
    }
  g_string_append_c (row, '"');
  for (const char *p = s; *p; p++)
    {
      if (*p == '"')
        g_string_append_c (row, '"');
      g_string_append_c (row, *p);
    }
  g_string_append_c (row, '"');
}

static void
csv_time (GString *row, QlTimeNs t)
{
  char buf[QL_REPORT_TIME_MAX];
  g_string_append_len (row, buf, ql_report_format_time (t, buf));
}

/* QlExitReason, as the trades CSV names it (docs/backtest-report.md). */
static const char *const exit_reasons[] = {
  [QL_EXIT_SIGNAL] = "signal",
  [QL_EXIT_LIMIT] = "limit",
  [QL_EXIT_STOP] = "stop",
  [QL_EXIT_MARGIN_CALL] = "margin_call",
  [QL_EXIT_ACCOUNT_RULE] = "account_rule",
};

gboolean
ql_report_write_trades_csv (const char         *path,
                            const QlTrade      *trades,
                            gsize               n_trades,
                            const char *const  *symbol_names,
                            guint               n_symbols,
                            GError            **error)
{
  g_autoptr (GString) row = g_string_sized_new (256);
  Out o;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (n_trades == 0 || trades != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!out_open (&o, path, error))
    return FALSE;
  fputs ("symbol,side,quantity,entry_time,entry_price,exit_time,exit_price,pnl,commission,mae,mfe,bars_held,"
         "exit_reason\n", o.fp);
  for (gsize i = 0; i < n_trades; i++)
    {
      const QlTrade *t = &trades[i];
      char fallback[24];
      const char *name = symbol_names != NULL && t->symbol < n_symbols ? symbol_names[t->symbol] : NULL;

      if (name == NULL)
        {
          g_snprintf (fallback, sizeof fallback, "#%u", t->symbol);
          name = fallback;
        }
      g_string_truncate (row, 0);
      csv_field (row, name);
      g_string_append (row, t->side == QL_SIDE_SELL ? ",short," : ",long,");
      csv_number (row, t->quantity);
      g_string_append_c (row, ',');
      csv_time (row, t->entry_time);
      g_string_append_c (row, ',');
      csv_number (row, t->entry_price);
      g_string_append_c (row, ',');
      csv_time (row, t->exit_time);
      g_string_append_c (row, ',');
      csv_number (row, t->exit_price);
      g_string_append_c (row, ',');
      csv_number (row, t->pnl);
      g_string_append_c (row, ',');
      csv_number (row, t->commission);
      g_string_append_c (row, ',');
      csv_number (row, t->mae);
      g_string_append_c (row, ',');
      csv_number (row, t->mfe);
      g_string_append_printf (row, ",%u,%s\n", t->bars_held,
                              (guint) t->exit_reason < G_N_ELEMENTS (exit_reasons)
                                ? exit_reasons[t->exit_reason] : "");
      fwrite (row->str, 1, row->len, o.fp);
    }
  return out_close (&o, error);
}

gboolean
ql_report_write_equity_csv (const char          *path,
                            const QlEquityPoint *equity,
                            gsize                n_equity,
                            GError             **error)
{
  g_autoptr (GString) buf = g_string_sized_new (1 << 16);
  Out o;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (n_equity == 0 || equity != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!out_open (&o, path, error))
    return FALSE;
  g_string_append (buf, "time,balance,equity\n");
  for (gsize i = 0; i < n_equity; i++)
    {
      csv_time (buf, equity[i].time);
      g_string_append_c (buf, ',');
      csv_number (buf, equity[i].balance);
      g_string_append_c (buf, ',');
      csv_number (buf, equity[i].equity);
      g_string_append_c (buf, '\n');
      if (buf->len > (1 << 16) - 128)
        {
          fwrite (buf->str, 1, buf->len, o.fp);
          g_string_truncate (buf, 0);
        }
    }
  fwrite (buf->str, 1, buf->len, o.fp);
  return out_close (&o, error);
}
