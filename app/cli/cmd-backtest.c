/* app/cli/cmd-backtest.c — `quantlab-cli backtest`: one deterministic run of
 * a built-in strategy, its metrics, account rules, report files and an
 * optional Monte Carlo of its trades. */
#define G_LOG_DOMAIN "ql-app-cli"

#include "app/cli/cli.h"
#include "app/cli/market.h"
#include "data/report.h"
#include "data/rules_json.h"
#include "engine/metrics.h"
#include "engine/montecarlo.h"
#include "engine/numfmt.h"
#include "engine/rules.h"

#include <math.h>
#include <string.h>

typedef struct
{
  QlCliRunOptions run;
  char *rules;
  char *report;
  char *trades;
  char *equity;
  int monte_carlo;
  gint64 seed;
  char *mc_method;
  gboolean quiet;
} Options;

static void
options_clear (Options *o)
{
  ql_cli_run_options_clear (&o->run);
  g_free (o->rules);
  g_free (o->report);
  g_free (o->trades);
  g_free (o->equity);
  g_free (o->mc_method);
}

/* A rules file, or the name of a shipped preset. (transfer full) */
static QlRulesConfig *
load_rules (const char *arg, GError **error)
{
  if (g_file_test (arg, G_FILE_TEST_EXISTS) || strchr (arg, '/') != NULL ||
      g_str_has_suffix (arg, ".json"))
    return ql_rules_config_load (arg, error);
  return ql_rules_config_load_preset (arg, error);
}

/* The account-loss rules as Monte Carlo thresholds: a static floor is an
 * equity floor, a trailing one a drawdown amount. */
static GArray *
rules_thresholds (const QlRulesConfig *rc, double capital)
{
  GArray *t = g_array_new (FALSE, FALSE, sizeof (QlMcThreshold));

  for (guint i = 0; rc != NULL && i < rc->n_rules; i++)
    {
      const QlRuleConfig *r = &rc->rules[i];
      if (r->kind != QL_RULE_MAX_LOSS || r->action == QL_RULE_ACTION_RECORD)
        continue;
      double d = r->max_loss.amount.kind == QL_RULE_AMOUNT_ABSOLUTE
                   ? r->max_loss.amount.value
                   : r->max_loss.amount.value * capital / 100;
      QlMcThreshold th = { .name = r->name };
      if (r->max_loss.mode == QL_MAX_LOSS_STATIC)
        th.kind = QL_MC_EQUITY_FLOOR, th.value = capital - d;
      else
        th.kind = QL_MC_MAX_DRAWDOWN_AMOUNT, th.value = d;
      g_array_append_val (t, th);
    }
  return t;
}

/* A trade's trading day in the rules' day (@tz, starting at @start_min
 * local minutes): a number that is equal for the same day and grows. */
static gint64
trading_day (GTimeZone *tz, int start_min, QlTimeNs t)
{
  gint64 s = t >= 0 ? t / QL_NS_PER_SEC : -((-t + QL_NS_PER_SEC - 1) / QL_NS_PER_SEC);
  g_autoptr (GDateTime) utc = g_date_time_new_from_unix_utc (s);
  g_autoptr (GDateTime) local = utc != NULL ? g_date_time_to_timezone (utc, tz) : NULL;
  int y, m, d;

  if (local == NULL)
    return 0;
  g_date_time_get_ymd (local, &y, &m, &d);
  GDate *date = g_date_new_dmy ((GDateDay) d, (GDateMonth) m, (GDateYear) y);
  gint64 day = g_date_get_julian (date);
  g_date_free (date);
  if (g_date_time_get_hour (local) * 60 + g_date_time_get_minute (local) < start_min)
    day--;
  return day;
}

static double
rule_amount (const QlRuleAmount *a, double capital, double base)
{
  return a->kind == QL_RULE_AMOUNT_ABSOLUTE ? a->value
         : a->kind == QL_RULE_AMOUNT_PERCENT_INITIAL ? a->value * capital / 100
                                                     : a->value * base / 100;
}

/* #P4: the daily-loss and profit-target rules judged on the same paths as
 * ql_monte_carlo_run () draws (the same generator, seed and order of
 * draws, per engine/montecarlo.h). The path's k-th trade takes the day of
 * the run's k-th trade (trades in closing order): the days keep their
 * number of trades, their P&L is resampled. The balance is checked after
 * each trade: closed P&L only, no floating loss inside a trade. Returns
 * one entry per modelled rule. (transfer full) */
static GArray *
mc_rule_probabilities (const QlRulesConfig        *rc,
                       const QlTrade              *trades,
                       const QlMonteCarloSettings *mcs)
{
  GArray *out = g_array_new (FALSE, TRUE, sizeof (QlReportMcRule));
  gsize n = mcs->n_trades;
  double c = mcs->initial_capital;
  g_autoptr (GTimeZone) tz = NULL;
  g_autofree gint64 *days = NULL;
  g_autofree double *work = NULL, *path = NULL;
  g_autofree guint *hits = NULL;
  g_autoptr (GPtrArray) rules = g_ptr_array_new ();
  QlMcRng rng;

  for (guint i = 0; rc != NULL && i < rc->n_rules; i++)
    {
      const QlRuleConfig *r = &rc->rules[i];
      if ((r->kind == QL_RULE_DAILY_LOSS && r->action != QL_RULE_ACTION_RECORD) ||
          r->kind == QL_RULE_PROFIT_TARGET)
        g_ptr_array_add (rules, (gpointer) r);
    }
  if (rules->len == 0)
    return out;
  tz = g_time_zone_new_identifier (rc->day_zone != NULL ? rc->day_zone : "UTC");
  if (tz == NULL)
    tz = g_time_zone_new_utc ();
  days = g_new (gint64, MAX (n, 1));
  for (gsize i = 0; i < n; i++)
    days[i] = trading_day (tz, rc->day_start_min, trades[i].exit_time);
  work = n > 0 ? g_memdup2 (mcs->pnl, n * sizeof (double)) : g_new0 (double, 1);
  path = g_new (double, MAX (n, 1));
  hits = g_new0 (guint, rules->len);

  ql_monte_carlo_rng_init (&rng, mcs->seed);
  for (guint k = 0; k < mcs->n_runs; k++)
    {
      double bal = c, start = c, peak = c;
      g_autofree gboolean *hit = g_new0 (gboolean, rules->len);

      ql_monte_carlo_draw_path (mcs, &rng, work, path);
      for (gsize i = 0; i < n; i++)
        {
          if (i == 0 || days[i] != days[i - 1])
            start = peak = bal;
          bal += path[i];
          peak = MAX (peak, bal);
          for (guint r = 0; r < rules->len; r++)
            {
              const QlRuleConfig *cfg = g_ptr_array_index (rules, r);
              if (hit[r])
                continue;
              if (cfg->kind == QL_RULE_PROFIT_TARGET)
                {
                  double target = c + rule_amount (&cfg->target.amount, c, c);
                  hit[r] = bal >= target - QL_RULES_MONEY_EPSILON;
                  continue;
                }
              /* Without floating P&L, start equity and balance agree. */
              double base = cfg->daily_loss.base == QL_DAILY_BASE_INITIAL ? c : start;
              double amount = rule_amount (&cfg->daily_loss.amount, c, base);
              double limit = base - amount;
              if (cfg->daily_loss.trailing)
                limit = MAX (limit, peak - amount);
              hit[r] = cfg->breach_if == QL_RULE_CMP_LE ? bal <= limit + QL_RULES_MONEY_EPSILON
                                                        : bal < limit - QL_RULES_MONEY_EPSILON;
            }
        }
      for (guint r = 0; r < rules->len; r++)
        hits[r] += hit[r];
    }
  for (guint r = 0; r < rules->len; r++)
    {
      const QlRuleConfig *cfg = g_ptr_array_index (rules, r);
      QlReportMcRule e = { .name = cfg->name };
      if (cfg->kind == QL_RULE_PROFIT_TARGET)
        e.kind = "profit_target", e.amount = rule_amount (&cfg->target.amount, c, c);
      else
        {
          e.kind = "daily_loss";
          /* A share of the base is of the starting balance of the day: the
           * initial capital's figure is written, as the day's first. */
          e.amount = rule_amount (&cfg->daily_loss.amount, c, c);
        }
      e.probability = mcs->n_runs > 0 ? (double) hits[r] / mcs->n_runs : NAN;
      g_array_append_val (out, e);
    }
  return out;
}

/* The reject reasons' codes, "buying_power", from the enum's names. */
static const char *const reject_codes[] = {
#define REJECT_CODE(name, text) #name,
  QL_REJECT_MAP (REJECT_CODE)
#undef REJECT_CODE
};

static const char *const order_types[] = {
  [QL_ORDER_MARKET] = "market", [QL_ORDER_LIMIT] = "limit", [QL_ORDER_STOP] = "stop",
  [QL_ORDER_STOP_LIMIT] = "stop_limit", [QL_ORDER_TRAILING_STOP] = "trailing_stop",
};

/* Every order the broker refused, in submission order; the strings point
 * into @codes (lower-case reason codes, owned by the caller) and the
 * market's names. (transfer full) */
static GArray *
collect_rejections (QlBacktest *bt, QlCliMarket *market, GPtrArray *codes)
{
  QlBroker *broker = ql_backtest_get_broker (bt);
  GArray *out = g_array_new (FALSE, TRUE, sizeof (QlReportRejection));
  guint n = ql_broker_get_n_orders (broker);

  for (guint i = 0; i < G_N_ELEMENTS (reject_codes); i++)
    g_ptr_array_add (codes, g_ascii_strdown (reject_codes[i], -1));
  for (QlOrderId id = 1; id <= n; id++)
    {
      const QlOrder *ord = ql_broker_get_order (broker, id);
      if (ord == NULL || ord->state != QL_ORDER_REJECTED)
        continue;
      const QlInstrument *inst = ord->req.symbol < market->feeds->len
                                   ? ql_feed_get_instrument (g_ptr_array_index (market->feeds, ord->req.symbol))
                                   : NULL;
      QlReportRejection r = {
        .time = ord->created,
        .order = ord->id,
        .symbol = ord->req.symbol < market->names->len ? g_ptr_array_index (market->names, ord->req.symbol) : "",
        .side = ord->req.side == QL_SIDE_BUY ? "buy" : "sell",
        .type = ord->req.type < G_N_ELEMENTS (order_types) ? order_types[ord->req.type] : "",
        .quantity = inst != NULL ? ql_qty_to_double (inst, ord->req.quantity) : (double) ord->req.quantity,
        .reason = ord->reject < codes->len ? g_ptr_array_index (codes, ord->reject) : "",
        .message = ql_reject_reason_to_string (ord->reject),
      };
      g_array_append_val (out, r);
    }
  return out;
}

/* The count, the count of each reason and the first few, on stderr. */
static void
print_rejections (const GArray *rej)
{
  const QlReportRejection *r = (const QlReportRejection *) rej->data;
  guint counts[QL_REJECT_N] = { 0 };

  if (rej->len == 0)
    return;
  for (guint i = 0; i < rej->len; i++)
    for (guint k = 0; k < QL_REJECT_N; k++)
      if (strcmp (r[i].message, ql_reject_reason_to_string (k)) == 0)
        {
          counts[k]++;
          break;
        }
  fprintf (stderr, "  %u order%s rejected:", rej->len, rej->len == 1 ? "" : "s");
  for (guint k = 0, first = TRUE; k < QL_REJECT_N; k++)
    if (counts[k] > 0)
      {
        fprintf (stderr, "%s %u %s", first ? "" : ",", counts[k], ql_reject_reason_to_string (k));
        first = FALSE;
      }
  fputc ('\n', stderr);
  for (guint i = 0; i < MIN (rej->len, 3); i++)
    {
      char when[40], qty[QL_FORMAT_DOUBLE_MAX];
      ql_cli_format_time (r[i].time, when);
      ql_format_double (r[i].quantity, qty);
      fprintf (stderr, "    %s %s %s %s %s: %s\n", when, r[i].symbol, r[i].side, qty, r[i].type,
               r[i].message);
    }
  if (rej->len > 3)
    fprintf (stderr, "    ... and %u more (all counted in the report's \"rejections\")\n", rej->len - 3);
}

/* @value with @format, or "NA" / "inf", into @buf of 32 bytes. */
static const char *
fmt (double value, const char *format, double scale, char *buf)
{
  if (isnan (value))
    return "NA";
  if (isinf (value))
    return value > 0 ? "inf" : "-inf";
  g_snprintf (buf, 32, format, value * scale);
  return buf;
}

static void
print_summary (const Options     *o,
               const QlCliMarket *market,
               const QlCliRunSettings *st,
               const QlMetrics   *m,
               const QlRunStats  *stats,
               QlRules           *rules,
               const QlRulesVerdict *verdict)
{
  char tf[16], b1[32], b2[32];
  const char *mode = st->tick_mode ? "tick" : "bar";
  double capital = ql_money_to_double (st->config.initial_capital);

  ql_timeframe_format (&st->config.timeframe, tf, sizeof tf);
  fprintf (stderr, "%s on", ql_cli_strategy_name (&o->run));
  for (guint i = 0; i < market->names->len; i++)
    fprintf (stderr, "%s %s", i == 0 ? "" : ",", (const char *) g_ptr_array_index (market->names, i));
  fprintf (stderr, ", %s bars, %s mode: %" G_GUINT64_FORMAT " events, %" G_GUINT64_FORMAT " fills\n",
           tf, mode, stats->events, stats->fills);
  /* Net profit counts closed trades only; the total return is the final
   * equity's, open positions included: each percent beside its own figure. */
  fprintf (stderr, "  net profit %.2f (%.2f %% of capital), %u trades, win rate %s, profit factor %s\n",
           m->net_profit, 100 * m->net_profit / capital, m->n_trades,
           fmt (m->win_rate, "%.1f %%", 100, b1), fmt (m->profit_factor, "%.2f", 1, b2));
  fprintf (stderr, "  final equity %.2f (return %.2f %%), max drawdown %.2f (%.2f %%), Sharpe %s, "
           "buy and hold %s\n",
           m->final_equity, 100 * m->total_return, m->max_drawdown, 100 * m->max_drawdown_fraction,
           fmt (m->sharpe, "%.2f", 1, b1), fmt (m->buy_hold_return, "%.2f %%", 100, b2));
  if (rules != NULL)
    {
      QlRulesVerdict v = *verdict;
      guint n_events;
      ql_rules_get_events (rules, &n_events);
      if (v.outcome == QL_RULES_FAILED)
        {
          char when[40];
          ql_cli_format_time (v.time, when);
          fprintf (stderr, "  rules: FAILED by %s at %s: %s\n", v.rule, when,
                   v.event != NULL ? v.event->message : "");
        }
      else if (v.outcome == QL_RULES_PASSED)
        {
          char when[40];
          ql_cli_format_time (v.time, when);
          fprintf (stderr, "  rules: PASSED at %s after %u trading days\n", when, v.trading_days);
        }
      else
        fprintf (stderr, "  rules: not failed, objectives not all met (%u events)\n", n_events);
    }
  if (stats->late_refusals > 0)
    fprintf (stderr, "  %" G_GUINT64_FORMAT " cancel%s or modification%s sent on a fill inside a bar "
             "refused when due (the order had filled, or a check failed)\n",
             stats->late_refusals, stats->late_refusals == 1 ? "" : "s",
             stats->late_refusals == 1 ? "" : "s");
  if (stats->margin_calls > 0)
    fprintf (stderr, "  margin calls: %" G_GUINT64_FORMAT " (%s)\n", stats->margin_calls,
             st->config.margin_call == QL_MARGIN_CALL_NONE ? "none: counted, nothing closed"
             : st->config.margin_call == QL_MARGIN_CALL_CLOSE_WORST ? "close-worst"
                                                                    : "liquidate-all");
}

int
ql_cli_backtest (int argc, char **argv)
{
  Options o = { .seed = 1 };
  g_autoptr (GArray) entries = g_array_new (TRUE, TRUE, sizeof (GOptionEntry));
  const GOptionEntry own[] = {
    { "rules", 'r', 0, G_OPTION_ARG_STRING, &o.rules, "Account rules: a JSON file or a preset name (see docs/rules.md)", "FILE|PRESET" },
    { "report", 0, 0, G_OPTION_ARG_FILENAME, &o.report, "Write the report JSON here (- for stdout)", "FILE.json" },
    { "trades", 0, 0, G_OPTION_ARG_FILENAME, &o.trades, "Write the closed trades as CSV here", "FILE.csv" },
    { "equity", 0, 0, G_OPTION_ARG_FILENAME, &o.equity, "Write the equity curve as CSV here", "FILE.csv" },
    { "monte-carlo", 0, 0, G_OPTION_ARG_INT, &o.monte_carlo, "Resample the closed trades N times and report percentiles", "N" },
    { "mc-method", 0, 0, G_OPTION_ARG_STRING, &o.mc_method, "bootstrap (default) or permutation", "METHOD" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &o.seed, "Seed of the Monte Carlo (default 1)", "S" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &o.quiet, "No summary on stderr", NULL },
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (QlCliStrategy) strategy = NULL;
  g_autoptr (QlCliMarket) market = NULL;
  g_autoptr (QlBacktest) bt = NULL;
  g_autoptr (QlRulesConfig) rules_config = NULL;
  g_autoptr (QlRules) rules = NULL;
  g_autofree QlRunSymbol *syms = NULL;
  g_autofree double *first = NULL, *last = NULL;
  g_autofree QlMetrics *per_symbol = NULL;
  g_autofree QlMonthlyReturn *monthly = NULL;
  g_autoptr (QlMonteCarloResult) mc = NULL;
  g_autoptr (GPtrArray) reject_code_names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GArray) rejections = NULL;
  g_autoptr (GArray) mc_rules = NULL;
  QlCliRunSettings st;
  QlMetrics total;
  QlStatus status;
  guint n_syms;
  int rc = QL_EXIT_ERROR;

  ql_cli_run_options_add_entries (&o.run, entries);
  g_array_append_vals (entries, own, G_N_ELEMENTS (own));
  rc = ql_cli_parse ("backtest", NULL,
                     "Run a built-in strategy over CSV files (--data) or stored instruments\n"
                     "(--symbol), tick by tick or bar by bar, and print a summary on stderr.\n"
                     "Same data and settings give a byte-identical report, run after run.",
                     (GOptionEntry *) entries->data, &argc, &argv);
  if (rc != QL_EXIT_OK)
    {
      options_clear (&o);
      return rc;
    }
  rc = QL_EXIT_ERROR;
  if (argc > 1)
    {
      rc = ql_cli_usage ("backtest", "unexpected argument \"%s\"", argv[1]);
      goto out;
    }
  if (o.monte_carlo < 0 || (o.mc_method != NULL && strcmp (o.mc_method, "bootstrap") != 0 &&
                            strcmp (o.mc_method, "permutation") != 0))
    {
      rc = ql_cli_usage ("backtest", "--monte-carlo takes a count >= 0 and --mc-method bootstrap or permutation");
      goto out;
    }

  if (!ql_cli_run_settings_parse (&o.run, &st, &error) ||
      (strategy = ql_cli_strategy_new (&o.run, &error)) == NULL)
    goto fail;
  if (o.rules != NULL)
    {
      rules_config = load_rules (o.rules, &error);
      if (rules_config == NULL || (rules = ql_rules_new (rules_config, &error)) == NULL)
        goto fail;
    }
  market = ql_cli_market_open (&o.run, &st, &error);
  if (market == NULL || !ql_cli_strategy_check (strategy, market, &error))
    goto fail;
  if (rules != NULL)
    {
      ql_rules_set_symbols (rules, (const char *const *) market->names->pdata, market->names->len);
      st.config.observer = ql_rules_observer (rules);
    }

  syms = ql_cli_market_run_symbols (market, &n_syms);
  bt = ql_backtest_new (&st.config, syms, n_syms, &error);
  if (bt == NULL)
    goto fail;
  status = ql_backtest_run (bt, &strategy->strategy);
  if (strategy->script && ql_script_instance_get_error (strategy->script))
    {
      g_autoptr (QlDiagList) diags = ql_diag_list_new (o.run.script, ql_program_get_source (o.run.program), strlen (ql_program_get_source (o.run.program)));
      g_autofree char *text = NULL;

      ql_script_instance_report_error (strategy->script, diags);
      text = ql_diag_list_to_text (diags, FALSE);
      fputs (text, stderr);
      g_set_error (&error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED, "%s stopped with a runtime error",
                   o.run.script);
      goto fail;
    }
  if (ql_cli_market_get_error (market) != NULL)
    {
      g_propagate_error (&error, g_error_copy (ql_cli_market_get_error (market)));
      goto fail;
    }
  if (status != QL_STATUS_OK)
    {
      g_set_error (&error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED, "the run stopped: %s",
                   ql_status_to_string (status));
      goto fail;
    }
  if (!ql_cli_market_check_rows (market, &st, &error))
    goto fail;

  /* Metrics. */
  {
    gsize n_trades, n_equity;
    const QlTrade *trades = ql_backtest_get_trades (bt, &n_trades);
    const QlEquityPoint *equity = ql_backtest_get_equity (bt, &n_equity);
    QlMetricsInput in = {
      .trades = trades, .n_trades = n_trades, .equity = equity, .n_equity = n_equity,
      .initial_capital = ql_money_to_double (st.config.initial_capital),
      .n_symbols = n_syms, .symbol_names = (const char *const *) market->names->pdata,
    };
    gsize n_monthly = 0;
    double final_equity = ql_money_to_double (ql_backtest_get_final_equity (bt));
    QlAccountView final = { .time = n_equity > 0 ? equity[n_equity - 1].time : 0,
                            .initial_capital = in.initial_capital,
                            .balance = n_equity > 0 ? equity[n_equity - 1].balance : in.initial_capital,
                            .equity = final_equity };

    /* The verdict once, before the events are read: it judges the final
     * account, which may record an event (a pass), and the summary and
     * the report must tell the same story, --quiet or not. */
    QlRulesVerdict verdict = { 0 };
    if (rules != NULL)
      verdict = ql_rules_verdict (rules, &final);

    first = g_new (double, n_syms);
    last = g_new (double, n_syms);
    for (guint i = 0; i < n_syms; i++)
      {
        /* With --magnifier the run reads the finer feed instead of the
         * source feed, which then has no rows: its prices would be NA. */
        QlFeed *read = g_ptr_array_index (market->finer, i) != NULL
                         ? g_ptr_array_index (market->finer, i)
                         : g_ptr_array_index (market->feeds, i);
        first[i] = ql_feed_get_first_price (read);
        last[i] = ql_feed_get_last_price (read);
      }
    in.first_price = first;
    in.last_price = last;
    per_symbol = g_new0 (QlMetrics, n_syms);
    ql_metrics_compute (&in, &total, per_symbol);
    monthly = ql_metrics_monthly_returns (equity, n_equity, in.initial_capital, &n_monthly);

    if (o.monte_carlo > 0)
      {
        g_autofree double *pnl = g_new (double, MAX (n_trades, 1));
        g_autoptr (GArray) th = rules_thresholds (rules_config, in.initial_capital);
        for (gsize i = 0; i < n_trades; i++)
          pnl[i] = trades[i].pnl;
        QlMonteCarloSettings mcs = {
          .pnl = pnl, .n_trades = n_trades, .initial_capital = in.initial_capital,
          .n_runs = (guint) o.monte_carlo, .seed = (guint64) o.seed,
          .method = o.mc_method != NULL && strcmp (o.mc_method, "permutation") == 0
                      ? QL_MC_PERMUTATION : QL_MC_BOOTSTRAP,
          .thresholds = (const QlMcThreshold *) th->data, .n_thresholds = th->len,
        };
        mc = ql_monte_carlo_run (&mcs);
        if (rules_config != NULL)
          mc_rules = mc_rule_probabilities (rules_config, trades, &mcs);
      }

    rejections = collect_rejections (bt, market, reject_code_names);
    if (!o.quiet)
      {
        print_summary (&o, market, &st, &total, ql_backtest_get_stats (bt), rules,
                       rules != NULL ? &verdict : NULL);
        print_rejections (rejections);
        if (mc != NULL)
          fprintf (stderr, "  monte carlo (%u %s runs): final equity p5 %.2f, p50 %.2f, p95 %.2f; "
                   "max drawdown p95 %.2f; P(loss) %.1f %%\n",
                   mc->n_runs, ql_monte_carlo_method_to_string (mc->method), mc->final_equity[0],
                   mc->final_equity[2], mc->final_equity[4], mc->max_drawdown[4], 100 * mc->p_loss);
        if (mc != NULL && mc_rules != NULL && (mc->n_thresholds > 0 || mc_rules->len > 0))
          {
            fprintf (stderr, "  monte carlo rules:");
            for (gsize j = 0; j < mc->n_thresholds; j++)
              fprintf (stderr, "%s P(%s breached) %.1f %%", j > 0 ? "," : "",
                       mc->thresholds[j].name != NULL ? mc->thresholds[j].name : "threshold",
                       100 * mc->p_breach[j]);
            for (guint j = 0; j < mc_rules->len; j++)
              {
                const QlReportMcRule *e = &g_array_index (mc_rules, QlReportMcRule, j);
                fprintf (stderr, "%s P(%s %s) %.1f %%", j + mc->n_thresholds > 0 ? "," : "", e->name,
                         strcmp (e->kind, "profit_target") == 0 ? "reached" : "breached",
                         100 * e->probability);
              }
            fputc ('\n', stderr);
          }
      }

    if (o.trades != NULL &&
        !ql_report_write_trades_csv (o.trades, trades, n_trades,
                                     (const char *const *) market->names->pdata, n_syms, &error))
      goto fail;
    if (o.equity != NULL && !ql_report_write_equity_csv (o.equity, equity, n_equity, &error))
      goto fail;
    if (o.report != NULL)
      {
        g_autoptr (JsonObject) settings = json_object_new ();
        g_autofree QlReportRuleEvent *events = NULL;
        guint n_events = 0;
        char tf[16];
        JsonArray *syms_json = json_array_new ();

        if (o.run.builtin)
          json_object_set_string_member (settings, "builtin", o.run.builtin);
        else
          json_object_set_string_member (settings, "script", o.run.script);
        {
          JsonObject *params = json_object_new ();
          for (int i = 0; o.run.params != NULL && o.run.params[i] != NULL; i++)
            {
              g_auto (GStrv) kv = g_strsplit (o.run.params[i], "=", 2);
              json_object_set_string_member (params, kv[0], kv[1]);
            }
          json_object_set_object_member (settings, "params", params);
        }
        for (guint i = 0; i < n_syms; i++)
          json_array_add_string_element (syms_json, g_ptr_array_index (market->names, i));
        json_object_set_array_member (settings, "symbols", syms_json);
        json_object_set_string_member (settings, "timeframe",
                                       ql_timeframe_format (&st.config.timeframe, tf, sizeof tf));
        json_object_set_string_member (settings, "mode", st.tick_mode ? "tick" : "bar");
        json_object_set_double_member (settings, "capital", in.initial_capital);
        if (o.run.from_text != NULL)
          json_object_set_string_member (settings, "from", o.run.from_text);
        if (o.run.to_text != NULL)
          json_object_set_string_member (settings, "to", o.run.to_text);
        if (o.run.commission != NULL)
          json_object_set_string_member (settings, "commission", o.run.commission);
        if (o.run.slippage != NULL)
          json_object_set_string_member (settings, "slippage", o.run.slippage);
        json_object_set_string_member (settings, "fill", st.config.broker.fill_touch ? "touch" : "through");
        if (o.run.latency != NULL)
          json_object_set_string_member (settings, "latency", o.run.latency);
        if (o.run.volume_share != NULL)
          json_object_set_string_member (settings, "volume_share", o.run.volume_share);
        json_object_set_boolean_member (settings, "allow_short", o.run.allow_short);
        json_object_set_boolean_member (settings, "magnifier", o.run.magnifier);
        if (o.rules != NULL)
          json_object_set_string_member (settings, "rules", o.rules);
        if (o.run.leverage != NULL)
          json_object_set_string_member (settings, "leverage", o.run.leverage);
        if (o.run.margin != NULL)
          json_object_set_string_member (settings, "margin", o.run.margin);
        if (o.run.multipliers != NULL)
          {
            JsonObject *mult = json_object_new ();
            for (guint i = 0; i < n_syms; i++)
              json_object_set_int_member (mult, g_ptr_array_index (market->names, i),
                                          g_array_index (market->multipliers, gint64, i));
            json_object_set_object_member (settings, "multipliers", mult);
          }
        json_object_set_string_member (settings, "margin_call",
                                       st.config.margin_call == QL_MARGIN_CALL_NONE ? "none"
                                       : st.config.margin_call == QL_MARGIN_CALL_CLOSE_WORST ? "close-worst"
                                                                                              : "liquidate-all");

        if (rules != NULL)
          {
            const QlRuleEvent *ev = ql_rules_get_events (rules, &n_events);
            events = g_new0 (QlReportRuleEvent, MAX (n_events, 1));
            for (guint i = 0; i < n_events; i++)
              events[i] = (QlReportRuleEvent){ ev[i].rule, ev[i].time, ev[i].value, ev[i].limit,
                                               ql_rule_action_to_string (ev[i].action),
                                               ev[i].message };
          }
        const QlMonteCarloResult *mcs[1] = { mc };
        const QlReportMcRule *mcr[1] = { mc_rules != NULL ? (const QlReportMcRule *) mc_rules->data : NULL };
        QlReportContent content = {
          .settings = settings, .total = &total, .per_symbol = per_symbol, .n_symbols = n_syms,
          .symbol_names = (const char *const *) market->names->pdata,
          .monthly = monthly, .n_monthly = n_monthly,
          .rule_events = events, .n_rule_events = n_events,
          .monte_carlo = mc != NULL ? mcs : NULL, .n_monte_carlo = mc != NULL ? 1 : 0,
          .mc_rules = mc != NULL ? mcr : NULL, .n_mc_rules = mc_rules != NULL ? mc_rules->len : 0,
          .rejections = (const QlReportRejection *) rejections->data,
          .n_rejections = rejections->len,
          .verdict = rules != NULL ? &verdict : NULL,
          .margin_calls = ql_backtest_get_stats (bt)->margin_calls,
          .late_refusals = ql_backtest_get_stats (bt)->late_refusals,
        };
        if (!ql_report_write_json (&content, o.report, &error))
          goto fail;
      }
  }
  rc = QL_EXIT_OK;
  goto out;

fail:
  rc = ql_cli_fail ("backtest", error);
out:
  options_clear (&o);
  return rc;
}
