/* engine/rules.c — prop-firm account rules behind a QlAccountObserver.
 *
 * Every call first advances the trading day (rolling it at most once: the
 * days skipped by a gap without events changed nothing), then tracks the
 * account (peaks, positions opened and closed), then evaluates the rules
 * whose `check` flags name the moment. A rule in breach is latched: it
 * records one event and acts once, and is re-armed when its figure is back
 * inside the limit (RECORD) or at its next reset (BLOCK, FLATTEN_BLOCK).
 * FAIL is final. */
#define G_LOG_DOMAIN "ql-engine-rules"

#include "engine/rules.h"
#include "engine/instrument.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

G_DEFINE_QUARK (ql-rules-error-quark, ql_rules_error)

/* ---- names ---------------------------------------------------------- */

static const char *const kind_names[QL_RULE_N_KINDS] = {
  [QL_RULE_DAILY_LOSS] = "daily_loss",
  [QL_RULE_MAX_LOSS] = "max_loss",
  [QL_RULE_CONSISTENCY] = "consistency",
  [QL_RULE_TRADING_HOURS] = "trading_hours",
  [QL_RULE_ALLOWLIST] = "allowlist",
  [QL_RULE_MAX_POSITION] = "max_position",
  [QL_RULE_MAX_ORDER] = "max_order",
  [QL_RULE_MIN_TRADING_DAYS] = "min_trading_days",
  [QL_RULE_PROFIT_TARGET] = "profit_target",
};

const char *
ql_rule_kind_to_string (QlRuleKind kind)
{
  g_return_val_if_fail (kind < QL_RULE_N_KINDS, "unknown");
  return kind_names[kind];
}

const char *
ql_rule_action_to_string (QlRuleAction action)
{
  switch (action)
    {
    case QL_RULE_ACTION_RECORD:
      return "record";
    case QL_RULE_ACTION_REJECT:
      return "reject";
    case QL_RULE_ACTION_BLOCK:
      return "block";
    case QL_RULE_ACTION_FLATTEN_BLOCK:
      return "flatten_block";
    case QL_RULE_ACTION_FAIL:
      return "fail";
    default:
      return "unknown";
    }
}

const char *
ql_rule_cmp_to_string (QlRuleCmp cmp)
{
  switch (cmp)
    {
    case QL_RULE_CMP_LT:
      return "<";
    case QL_RULE_CMP_LE:
      return "<=";
    case QL_RULE_CMP_GT:
      return ">";
    case QL_RULE_CMP_GE:
      return ">=";
    default:
      return "?";
    }
}

/* ---- config --------------------------------------------------------- */

QlRulesConfig *
ql_rules_config_new (void)
{
  QlRulesConfig *config = g_new0 (QlRulesConfig, 1);
  config->day_zone = g_strdup ("UTC");
  return config;
}

static void
rule_config_clear (QlRuleConfig *rule)
{
  g_free (rule->name);
  g_free (rule->hours.zone);
  g_strfreev (rule->hours.symbols);
  g_strfreev (rule->allowlist.symbols);
  g_free (rule->size.tiers);
  g_strfreev (rule->size.weight_symbols);
  g_free (rule->size.weights);
}

static void
rule_config_copy (QlRuleConfig *dst, const QlRuleConfig *src)
{
  guint n_weights = src->size.weight_symbols ? g_strv_length (src->size.weight_symbols) : 0;

  *dst = *src;
  dst->name = g_strdup (src->name);
  dst->hours.zone = g_strdup (src->hours.zone);
  dst->hours.symbols = g_strdupv (src->hours.symbols);
  dst->allowlist.symbols = g_strdupv (src->allowlist.symbols);
  dst->size.tiers = src->size.n_tiers ? g_memdup2 (src->size.tiers, src->size.n_tiers * sizeof (QlSizeTier)) : NULL;
  dst->size.weight_symbols = g_strdupv (src->size.weight_symbols);
  dst->size.weights = n_weights ? g_memdup2 (src->size.weights, n_weights * sizeof (double)) : NULL;
}

void
ql_rules_config_free (QlRulesConfig *config)
{
  if (config == NULL)
    return;
  for (guint i = 0; i < config->n_rules; i++)
    rule_config_clear (&config->rules[i]);
  g_free (config->rules);
  g_free (config->name);
  g_free (config->note);
  g_strfreev (config->sources);
  g_free (config->day_zone);
  g_free (config);
}

static QlRulesConfig *
config_copy (const QlRulesConfig *src)
{
  QlRulesConfig *dst = g_new0 (QlRulesConfig, 1);

  *dst = *src;
  dst->name = g_strdup (src->name);
  dst->note = g_strdup (src->note);
  dst->sources = g_strdupv (src->sources);
  dst->day_zone = g_strdup (src->day_zone);
  dst->rules = g_new0 (QlRuleConfig, MAX (src->n_rules, 1));
  for (guint i = 0; i < src->n_rules; i++)
    rule_config_copy (&dst->rules[i], &src->rules[i]);
  return dst;
}

QlRuleConfig *
ql_rules_config_add (QlRulesConfig *config,
                     QlRuleKind     kind)
{
  QlRuleConfig *rule;

  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (kind < QL_RULE_N_KINDS, NULL);

  config->rules = g_renew (QlRuleConfig, config->rules, config->n_rules + 1);
  rule = &config->rules[config->n_rules++];
  memset (rule, 0, sizeof *rule);
  rule->kind = kind;
  rule->name = g_strdup (kind_names[kind]);
  rule->check = QL_RULE_CHECK_FILL | QL_RULE_CHECK_CLOCK;
  rule->action = QL_RULE_ACTION_RECORD;
  switch (kind)
    {
    case QL_RULE_DAILY_LOSS:
      rule->breach_if = QL_RULE_CMP_LT;
      rule->action = QL_RULE_ACTION_FAIL;
      rule->daily_loss.base = QL_DAILY_BASE_START_BALANCE;
      rule->daily_loss.amount.kind = QL_RULE_AMOUNT_PERCENT_INITIAL;
      rule->daily_loss.amount.value = 5;
      rule->daily_loss.compare = QL_RULE_VALUE_EQUITY;
      break;
    case QL_RULE_MAX_LOSS:
      rule->breach_if = QL_RULE_CMP_LT;
      rule->action = QL_RULE_ACTION_FAIL;
      rule->max_loss.mode = QL_MAX_LOSS_STATIC;
      rule->max_loss.amount.kind = QL_RULE_AMOUNT_PERCENT_INITIAL;
      rule->max_loss.amount.value = 10;
      rule->max_loss.compare = QL_RULE_VALUE_EQUITY;
      break;
    case QL_RULE_CONSISTENCY:
      rule->breach_if = QL_RULE_CMP_GT;
      rule->check = 0;
      rule->consistency.percent = 50;
      break;
    case QL_RULE_TRADING_HOURS:
      rule->action = QL_RULE_ACTION_FLATTEN_BLOCK;
      rule->hours.zone = g_strdup ("UTC");
      rule->hours.weekdays = QL_RULES_WEEKDAYS_MON_FRI;
      break;
    case QL_RULE_ALLOWLIST:
      rule->action = QL_RULE_ACTION_REJECT;
      rule->check = 0;
      break;
    case QL_RULE_MAX_POSITION:
      rule->breach_if = QL_RULE_CMP_GT;
      rule->action = QL_RULE_ACTION_REJECT;
      rule->check = QL_RULE_CHECK_FILL;
      rule->size.pre_trade = TRUE;
      break;
    case QL_RULE_MAX_ORDER:
      rule->breach_if = QL_RULE_CMP_GT;
      rule->action = QL_RULE_ACTION_REJECT;
      rule->check = 0;
      break;
    case QL_RULE_MIN_TRADING_DAYS:
      rule->check = 0;
      rule->min_days.days = 1;
      break;
    case QL_RULE_PROFIT_TARGET:
      rule->check = 0;
      rule->target.amount.kind = QL_RULE_AMOUNT_PERCENT_INITIAL;
      rule->target.amount.value = 10;
      rule->target.require_flat = TRUE;
      break;
    case QL_RULE_N_KINDS:
    default:
      g_assert_not_reached ();
    }
  return rule;
}

/* ---- time ----------------------------------------------------------- */

static gint64
floor_div (gint64 a, gint64 b)
{
  gint64 q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

/* UTC of local midnight + @minutes on civil date @days in @tz. A skipped
 * local time maps past the gap; a repeated one to standard time, as
 * ql_instrument_local_to_utc () does. */
static QlTimeNs
local_to_utc (GTimeZone *tz, gint64 days, int minutes)
{
  gint64 adjusted = days * 86400 + (gint64) minutes * 60;
  int interval = g_time_zone_adjust_time (tz, G_TIME_TYPE_STANDARD, &adjusted);
  return (adjusted - g_time_zone_get_offset (tz, interval)) * QL_NS_PER_SEC;
}

/* Local civil date (days since 1970-01-01) and minute of @t in @tz. */
static void
utc_to_local (GTimeZone *tz, QlTimeNs t, gint64 *days, int *minute)
{
  gint64 t_sec = floor_div (t, QL_NS_PER_SEC);
  int interval = g_time_zone_find_interval (tz, G_TIME_TYPE_UNIVERSAL, t_sec);
  gint64 local = t_sec + g_time_zone_get_offset (tz, interval);
  *days = floor_div (local, 86400);
  if (minute != NULL)
    *minute = (int) ((local - *days * 86400) / 60);
}

/* The day [*start, *end) that starts at @start_min local time and holds @t;
 * @days receives the local date of its start. */
static void
day_locate (GTimeZone *tz, int start_min, QlTimeNs t,
            QlTimeNs *start, QlTimeNs *end, gint64 *days)
{
  gint64 d;
  int minute;

  utc_to_local (tz, t, &d, &minute);
  if (minute < start_min)
    d--;
  *start = local_to_utc (tz, d, start_min);
  /* Around a DST change the local start can land after @t or a day early. */
  while (*start > t)
    *start = local_to_utc (tz, --d, start_min);
  *end = local_to_utc (tz, d + 1, start_min);
  while (*end <= t)
    {
      d++;
      *start = *end;
      *end = local_to_utc (tz, d + 1, start_min);
    }
  *days = d;
}

static int
weekday_of (gint64 days) /* 0 = Monday; 1970-01-01 was a Thursday */
{
  return (int) (((days % 7) + 7 + 3) % 7);
}

/* ---- money ---------------------------------------------------------- */

static int
money_cmp (double a, double b)
{
  if (fabs (a - b) <= QL_RULES_MONEY_EPSILON)
    return 0;
  return a < b ? -1 : 1;
}

static gboolean
breaches (QlRuleCmp cmp, double value, double limit)
{
  int c = money_cmp (value, limit);
  switch (cmp)
    {
    case QL_RULE_CMP_LT:
      return c < 0;
    case QL_RULE_CMP_LE:
      return c <= 0;
    case QL_RULE_CMP_GT:
      return c > 0;
    case QL_RULE_CMP_GE:
      return c >= 0;
    default:
      g_assert_not_reached ();
    }
}

/* ---- state ---------------------------------------------------------- */

typedef struct
{
  const QlRuleConfig *cfg;   /* in self->config */
  gboolean latched;          /* in breach: no new event until re-armed */
  QlTimeNs blocked_until;    /* soft breach: orders refused before it; 0: none */
  QlTimeNs order_latch_until; /* refused orders: one event per reset period */
  double day_peak;           /* daily loss, trailing: the day's peak of the compared value */
  double peak;               /* max loss: the peak the floor trails */
  double day_cap;            /* size rules: today's cap */
  /* consistency: closed daily P&L inside the window */
  double best_day, sum_positive, window_start, day_base;
  /* trading hours */
  GTimeZone *tz;             /* owned */
  QlTimeNs hours_next;       /* the state below holds before this time */
  QlTimeNs hours_open;       /* in session: its start; else the next open */
  gboolean in_session;
  /* per symbol (n_symbols), NULL before ql_rules_set_symbols () */
  guint8 *covers;            /* hours scope, allowlist membership */
  double *weights;           /* size weights */
} RuleState;

struct QlRules
{
  QlRulesConfig *config;     /* owned copy */
  RuleState *states;         /* config->n_rules */
  GTimeZone *day_tz;         /* owned */
  char **symbols;            /* n_symbols names (owned) */
  guint n_symbols;

  gboolean started;
  double initial;            /* C0 from the first view */
  QlTimeNs day_start, day_end;
  gint64 day_label;
  double sod_balance, sod_equity;
  QlTimeNs last_time;
  double last_balance, last_equity;
  double *last_pos;          /* positions of the last view (last_pos_n) */
  guint last_pos_n;

  /* trading days */
  gboolean today_opened, today_closed;
  guint days_opened, days_closed, days_pnl; /* completed + current, by definition */
  double best_day, best_day_base;           /* since the start, closed P&L */

  GArray *events;            /* QlRuleEvent */
  gboolean failed;
  guint fail_event;
  gboolean passed;
  QlTimeNs pass_time;
  gint64 pass_day;
  gboolean pending_flatten;  /* FLATTEN_BLOCK decided in check_order */
};

static gboolean
is_floor_rule (QlRuleKind kind)
{
  return kind == QL_RULE_DAILY_LOSS || kind == QL_RULE_MAX_LOSS;
}

static gboolean
is_cap_rule (QlRuleKind kind)
{
  return kind == QL_RULE_MAX_POSITION || kind == QL_RULE_MAX_ORDER || kind == QL_RULE_CONSISTENCY;
}

static gboolean
is_order_rule (QlRuleKind kind)
{
  return kind == QL_RULE_ALLOWLIST || kind == QL_RULE_MAX_ORDER
         || kind == QL_RULE_MAX_POSITION || kind == QL_RULE_TRADING_HOURS;
}

static gboolean
amount_valid (const QlRuleAmount *amount, gboolean allow_base)
{
  if (!isfinite (amount->value) || amount->value <= 0)
    return FALSE;
  if (amount->kind == QL_RULE_AMOUNT_PERCENT_BASE && !allow_base)
    return FALSE;
  if (amount->kind != QL_RULE_AMOUNT_ABSOLUTE && amount->value > 100)
    return FALSE;
  return TRUE;
}

static gboolean
patterns_valid (char **patterns, const char **bad)
{
  for (guint i = 0; patterns != NULL && patterns[i] != NULL; i++)
    {
      g_autofree char *p = g_strdup (patterns[i]);
      char sym[QL_SYMBOL_MAX], exch[QL_EXCHANGE_MAX];
      gsize len = strlen (p);
      if (len > 0 && p[len - 1] == '*')
        p[len - 1] = '\0';
      if (!ql_symbol_normalize (p, sym, exch, NULL))
        {
          *bad = patterns[i];
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
invalid (GError **error, const QlRuleConfig *rule, const char *what)
{
  g_set_error (error, QL_RULES_ERROR, QL_RULES_ERROR_INVALID, "rule \"%s\" (%s): %s",
               rule->name ? rule->name : "", rule->kind < QL_RULE_N_KINDS ? kind_names[rule->kind] : "unknown", what);
  return FALSE;
}

static gboolean
validate_rule (const QlRulesConfig *config, const QlRuleConfig *rule, GError **error)
{
  const char *bad = NULL;

  if (rule->name == NULL || rule->name[0] == '\0')
    return invalid (error, rule, "the name is empty");
  if (is_floor_rule (rule->kind) && rule->breach_if != QL_RULE_CMP_LT && rule->breach_if != QL_RULE_CMP_LE)
    return invalid (error, rule, "breach_if must be \"<\" or \"<=\" (the figure falls to a floor)");
  if (is_cap_rule (rule->kind) && rule->breach_if != QL_RULE_CMP_GT && rule->breach_if != QL_RULE_CMP_GE)
    return invalid (error, rule, "breach_if must be \">\" or \">=\" (the figure rises past a cap)");
  if ((guint) rule->action > QL_RULE_ACTION_FAIL)
    return invalid (error, rule, "unknown action");
  if (rule->action == QL_RULE_ACTION_REJECT && !is_order_rule (rule->kind))
    return invalid (error, rule, "action \"reject\" applies to orders; use record, block, flatten_block or fail");
  if (rule->check & ~(guint) (QL_RULE_CHECK_FILL | QL_RULE_CHECK_CLOCK | QL_RULE_CHECK_END_OF_DAY))
    return invalid (error, rule, "unknown check moment");

  switch (rule->kind)
    {
    case QL_RULE_DAILY_LOSS:
      if (!amount_valid (&rule->daily_loss.amount, TRUE))
        return invalid (error, rule, "the amount must be positive (a percentage at most 100)");
      if (rule->check == 0)
        return invalid (error, rule, "check names no moment (fill, clock, end_of_day)");
      break;
    case QL_RULE_MAX_LOSS:
      if (!amount_valid (&rule->max_loss.amount, FALSE))
        return invalid (error, rule, "the amount must be positive, absolute or a percentage of the initial capital");
      if (!isfinite (rule->max_loss.lock_offset) || rule->max_loss.lock_offset < 0)
        return invalid (error, rule, "the lock offset must be zero or more");
      if (rule->check == 0)
        return invalid (error, rule, "check names no moment (fill, clock, end_of_day)");
      break;
    case QL_RULE_CONSISTENCY:
      if (!isfinite (rule->consistency.percent) || rule->consistency.percent <= 0
          || rule->consistency.percent > 100)
        return invalid (error, rule, "percent must be in (0, 100]");
      if (rule->consistency.denominator == QL_CONSISTENCY_PROFIT_TARGET)
        {
          gboolean found = FALSE;
          for (guint i = 0; i < config->n_rules; i++)
            found |= config->rules[i].kind == QL_RULE_PROFIT_TARGET;
          if (!found)
            return invalid (error, rule, "denominator \"profit_target\" needs a profit_target rule");
        }
      break;
    case QL_RULE_TRADING_HOURS:
      {
        GTimeZone *tz = rule->hours.zone ? g_time_zone_new_identifier (rule->hours.zone) : NULL;
        if (tz == NULL)
          return invalid (error, rule, "the zone is not a known IANA time zone");
        g_time_zone_unref (tz);
        if (rule->hours.open_min < 0 || rule->hours.open_min >= 1440
            || rule->hours.close_min < 0 || rule->hours.close_min >= 1440)
          return invalid (error, rule, "open and close must be local times 00:00..23:59");
        if ((rule->hours.weekdays & QL_RULES_WEEKDAYS_ALL) == 0 || (rule->hours.weekdays & ~QL_RULES_WEEKDAYS_ALL))
          return invalid (error, rule, "weekdays must name at least one day");
        if (!patterns_valid (rule->hours.symbols, &bad))
          return invalid (error, rule, "a symbol pattern does not read as a symbol");
        break;
      }
    case QL_RULE_ALLOWLIST:
      if (rule->allowlist.symbols == NULL || rule->allowlist.symbols[0] == NULL)
        return invalid (error, rule, "the symbol list is empty");
      if (!patterns_valid (rule->allowlist.symbols, &bad))
        return invalid (error, rule, "a symbol pattern does not read as a symbol");
      break;
    case QL_RULE_MAX_POSITION:
    case QL_RULE_MAX_ORDER:
      if (rule->size.n_tiers == 0 && (!isfinite (rule->size.max) || rule->size.max <= 0))
        return invalid (error, rule, "max must be positive");
      for (guint i = 0; i < rule->size.n_tiers; i++)
        {
          if (!isfinite (rule->size.tiers[i].max) || rule->size.tiers[i].max <= 0
              || !isfinite (rule->size.tiers[i].min_profit))
            return invalid (error, rule, "every tier needs a positive max and a min_profit");
          if (i > 0 && rule->size.tiers[i].min_profit <= rule->size.tiers[i - 1].min_profit)
            return invalid (error, rule, "tiers must be in ascending min_profit");
        }
      if (rule->size.weight_symbols != NULL)
        {
          if (!patterns_valid (rule->size.weight_symbols, &bad))
            return invalid (error, rule, "a weight's symbol pattern does not read as a symbol");
          for (guint i = 0; rule->size.weight_symbols[i] != NULL; i++)
            if (!isfinite (rule->size.weights[i]) || rule->size.weights[i] < 0)
              return invalid (error, rule, "weights must be zero or more");
        }
      break;
    case QL_RULE_MIN_TRADING_DAYS:
      if (rule->min_days.days == 0)
        return invalid (error, rule, "days must be at least 1");
      if (!isfinite (rule->min_days.min_pnl))
        return invalid (error, rule, "min_pnl must be a number");
      break;
    case QL_RULE_PROFIT_TARGET:
      if (!amount_valid (&rule->target.amount, FALSE))
        return invalid (error, rule, "the amount must be positive, absolute or a percentage of the initial capital");
      break;
    case QL_RULE_N_KINDS:
    default:
      return invalid (error, rule, "unknown rule kind");
    }
  return TRUE;
}

QlRules *
ql_rules_new (const QlRulesConfig *config,
              GError             **error)
{
  g_autoptr (QlRules) self = NULL;
  GTimeZone *tz;

  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  tz = config->day_zone ? g_time_zone_new_identifier (config->day_zone) : NULL;
  if (tz == NULL)
    {
      g_set_error (error, QL_RULES_ERROR, QL_RULES_ERROR_INVALID,
                   "trading day: \"%s\" is not a known IANA time zone",
                   config->day_zone ? config->day_zone : "");
      return NULL;
    }
  self = g_new0 (QlRules, 1);
  self->day_tz = tz;
  if (config->day_start_min < 0 || config->day_start_min >= 1440)
    {
      g_set_error (error, QL_RULES_ERROR, QL_RULES_ERROR_INVALID,
                   "trading day: the start must be a local time 00:00..23:59");
      return NULL;
    }
  if (!isfinite (config->initial_capital) || config->initial_capital < 0)
    {
      g_set_error (error, QL_RULES_ERROR, QL_RULES_ERROR_INVALID,
                   "initial_capital must be zero (any) or positive");
      return NULL;
    }
  if (config->n_rules > 0 && config->rules == NULL)
    {
      g_set_error (error, QL_RULES_ERROR, QL_RULES_ERROR_INVALID, "n_rules without rules");
      return NULL;
    }
  for (guint i = 0; i < config->n_rules; i++)
    {
      if (!validate_rule (config, &config->rules[i], error))
        return NULL;
      for (guint j = 0; j < i; j++)
        if (g_strcmp0 (config->rules[i].name, config->rules[j].name) == 0)
          {
            g_set_error (error, QL_RULES_ERROR, QL_RULES_ERROR_INVALID,
                         "rule \"%s\" is named twice; names must be unique", config->rules[i].name);
            return NULL;
          }
    }

  self->config = config_copy (config);
  self->states = g_new0 (RuleState, MAX (config->n_rules, 1));
  for (guint i = 0; i < config->n_rules; i++)
    {
      RuleState *rs = &self->states[i];
      rs->cfg = &self->config->rules[i];
      if (rs->cfg->kind == QL_RULE_TRADING_HOURS)
        rs->tz = g_time_zone_new_identifier (rs->cfg->hours.zone);
    }
  self->events = g_array_new (FALSE, TRUE, sizeof (QlRuleEvent));
  self->last_time = QL_TIME_NONE;
  self->pass_time = QL_TIME_NONE;
  return g_steal_pointer (&self);
}

void
ql_rules_free (QlRules *self)
{
  if (self == NULL)
    return;
  if (self->config != NULL)
    for (guint i = 0; i < self->config->n_rules; i++)
      {
        g_clear_pointer (&self->states[i].tz, g_time_zone_unref);
        g_free (self->states[i].covers);
        g_free (self->states[i].weights);
      }
  g_free (self->states);
  ql_rules_config_free (self->config);
  g_clear_pointer (&self->day_tz, g_time_zone_unref);
  for (guint i = 0; i < self->n_symbols; i++)
    g_free (self->symbols[i]);
  g_free (self->symbols);
  g_free (self->last_pos);
  if (self->events != NULL)
    g_array_unref (self->events);
  g_free (self);
}

/* ---- symbols -------------------------------------------------------- */

static gboolean
pattern_matches (const char *pattern, const char *name)
{
  g_autofree char *p = g_strdup (pattern);
  char psym[QL_SYMBOL_MAX], pexch[QL_EXCHANGE_MAX];
  char nsym[QL_SYMBOL_MAX], nexch[QL_EXCHANGE_MAX];
  gsize len = strlen (p);
  gboolean prefix = FALSE;

  if (name == NULL)
    return FALSE;
  if (len > 0 && p[len - 1] == '*')
    {
      p[len - 1] = '\0';
      prefix = TRUE;
    }
  if (!ql_symbol_normalize (p, psym, pexch, NULL) || !ql_symbol_normalize (name, nsym, nexch, NULL))
    return FALSE;
  if (pexch[0] != '\0' && strcmp (pexch, nexch) != 0)
    return FALSE;
  if (prefix)
    return g_str_has_prefix (nsym, psym);
  return strcmp (psym, nsym) == 0;
}

static gboolean
any_pattern_matches (char **patterns, const char *name)
{
  for (guint i = 0; patterns != NULL && patterns[i] != NULL; i++)
    if (pattern_matches (patterns[i], name))
      return TRUE;
  return FALSE;
}

void
ql_rules_set_symbols (QlRules           *self,
                      const char *const *symbols,
                      guint              n_symbols)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (symbols != NULL || n_symbols == 0);

  for (guint i = 0; i < self->n_symbols; i++)
    g_free (self->symbols[i]);
  g_free (self->symbols);
  self->symbols = g_new0 (char *, MAX (n_symbols, 1));
  self->n_symbols = n_symbols;
  for (guint i = 0; i < n_symbols; i++)
    self->symbols[i] = g_strdup (symbols[i]);

  for (guint r = 0; r < self->config->n_rules; r++)
    {
      RuleState *rs = &self->states[r];
      const QlRuleConfig *cfg = rs->cfg;

      g_clear_pointer (&rs->covers, g_free);
      g_clear_pointer (&rs->weights, g_free);
      rs->covers = g_new0 (guint8, MAX (n_symbols, 1));
      rs->weights = g_new0 (double, MAX (n_symbols, 1));
      for (guint s = 0; s < n_symbols; s++)
        {
          const char *name = symbols[s];
          if (cfg->kind == QL_RULE_TRADING_HOURS)
            rs->covers[s] = cfg->hours.symbols == NULL || any_pattern_matches (cfg->hours.symbols, name);
          else if (cfg->kind == QL_RULE_ALLOWLIST)
            rs->covers[s] = any_pattern_matches (cfg->allowlist.symbols, name);
          rs->weights[s] = 1.0;
          for (guint w = 0; cfg->size.weight_symbols != NULL && cfg->size.weight_symbols[w] != NULL; w++)
            if (pattern_matches (cfg->size.weight_symbols[w], name))
              {
                rs->weights[s] = cfg->size.weights[w];
                break;
              }
        }
    }
}

static gboolean
covers (const QlRules *self, const RuleState *rs, guint symbol)
{
  if (rs->cfg->kind == QL_RULE_TRADING_HOURS && rs->cfg->hours.symbols == NULL)
    return TRUE;
  return rs->covers != NULL && symbol < self->n_symbols && rs->covers[symbol];
}

static double
weight (const QlRules *self, const RuleState *rs, guint symbol)
{
  if (rs->weights == NULL || symbol >= self->n_symbols)
    return 1.0;
  return rs->weights[symbol];
}

static const char *
symbol_name (const QlRules *self, guint symbol, char buf[16])
{
  if (symbol < self->n_symbols && self->symbols[symbol] != NULL)
    return self->symbols[symbol];
  g_snprintf (buf, 16, "#%u", symbol);
  return buf;
}

/* ---- events --------------------------------------------------------- */

static gint64
day_label_of (const QlRules *self, gint64 start_days)
{
  return start_days + (self->config->day_start_min >= 720 ? 1 : 0);
}

G_GNUC_PRINTF (8, 9)
static const QlRuleEvent *
add_event (QlRules *self, const RuleState *rs, QlTimeNs t, double value, double limit,
           QlRuleAction action, guint symbol, const char *format, ...)
{
  QlRuleEvent ev = { 0 };
  va_list ap;

  ev.rule = rs->cfg->name;
  ev.kind = rs->cfg->kind;
  ev.time = t;
  ev.day = self->day_label;
  ev.value = value;
  ev.limit = limit;
  ev.action = action;
  ev.symbol = symbol;
  va_start (ap, format);
  g_vsnprintf (ev.message, sizeof ev.message, format, ap);
  va_end (ap);
  g_array_append_val (self->events, ev);
  return &g_array_index (self->events, QlRuleEvent, self->events->len - 1);
}

/* When a soft breach of @rs made at @t ends: the next session open for
 * trading hours, the next daily reset otherwise. */
static QlTimeNs
block_expiry (const QlRules *self, const RuleState *rs)
{
  if (rs->cfg->kind == QL_RULE_TRADING_HOURS && !rs->in_session)
    return rs->hours_open;
  return self->day_end;
}

/* Applies @action of a violation just recorded; returns what the run must
 * be told now. */
static QlAccountAction
apply (QlRules *self, RuleState *rs, QlRuleAction action)
{
  switch (action)
    {
    case QL_RULE_ACTION_FAIL:
      if (!self->failed)
        {
          self->failed = TRUE;
          self->fail_event = self->events->len - 1;
        }
      return QL_ACCOUNT_FLATTEN_DISABLE;
    case QL_RULE_ACTION_FLATTEN_BLOCK:
      rs->blocked_until = MAX (rs->blocked_until, block_expiry (self, rs));
      return QL_ACCOUNT_FLATTEN_BLOCK;
    case QL_RULE_ACTION_BLOCK:
      rs->blocked_until = MAX (rs->blocked_until, block_expiry (self, rs));
      return QL_ACCOUNT_BLOCK_NEW;
    case QL_RULE_ACTION_RECORD:
    case QL_RULE_ACTION_REJECT:
    default:
      return QL_ACCOUNT_CONTINUE;
    }
}

static QlAccountAction
worse (QlAccountAction a, QlAccountAction b)
{
  return a > b ? a : b;
}

/* ---- amounts and figures -------------------------------------------- */

static double
amount_of (const QlRules *self, const QlRuleAmount *amount, double base)
{
  switch (amount->kind)
    {
    case QL_RULE_AMOUNT_PERCENT_INITIAL:
      return amount->value / 100.0 * self->initial;
    case QL_RULE_AMOUNT_PERCENT_BASE:
      return amount->value / 100.0 * base;
    case QL_RULE_AMOUNT_ABSOLUTE:
    default:
      return amount->value;
    }
}

static double
value_of (QlRuleValue which, const QlAccountView *v)
{
  return which == QL_RULE_VALUE_BALANCE ? v->balance : v->equity;
}

static const char *
value_name (QlRuleValue which)
{
  return which == QL_RULE_VALUE_BALANCE ? "balance" : "equity";
}

static double
daily_base (const QlRules *self, const QlDailyLossConfig *dl)
{
  switch (dl->base)
    {
    case QL_DAILY_BASE_START_EQUITY:
      return self->sod_equity;
    case QL_DAILY_BASE_START_HIGHER:
      return MAX (self->sod_balance, self->sod_equity);
    case QL_DAILY_BASE_INITIAL:
      return self->initial;
    case QL_DAILY_BASE_START_BALANCE:
    default:
      return self->sod_balance;
    }
}

static double
daily_limit (const QlRules *self, const RuleState *rs)
{
  const QlDailyLossConfig *dl = &rs->cfg->daily_loss;
  double base = daily_base (self, dl);
  double amount = amount_of (self, &dl->amount, base);
  double limit = base - amount;
  if (dl->trailing)
    limit = MAX (limit, rs->day_peak - amount);
  return limit;
}

static double
max_loss_floor (const QlRules *self, const RuleState *rs)
{
  const QlMaxLossConfig *ml = &rs->cfg->max_loss;
  double d = amount_of (self, &ml->amount, self->initial);
  double floor_ = (ml->mode == QL_MAX_LOSS_STATIC ? self->initial : rs->peak) - d;
  if (ml->lock && ml->mode != QL_MAX_LOSS_STATIC)
    floor_ = MIN (floor_, self->initial + ml->lock_offset);
  return floor_;
}

static double
size_cap_for (const QlRules *self, const QlSizeConfig *size, double sod_balance)
{
  double cap = size->max;
  for (guint i = 0; i < size->n_tiers; i++)
    if (money_cmp (sod_balance - self->initial, size->tiers[i].min_profit) >= 0)
      cap = size->tiers[i].max;
  return cap;
}

static double
target_amount (const QlRules *self, const QlRuleConfig *cfg)
{
  return amount_of (self, &cfg->target.amount, self->initial);
}

/* ---- the trading day ------------------------------------------------ */

static void
hours_locate (QlRules *self, RuleState *rs, QlTimeNs t)
{
  const QlTradingHoursConfig *h = &rs->cfg->hours;
  gboolean wraps = h->close_min <= h->open_min;
  gint64 today;
  QlTimeNs next_open = G_MAXINT64;

  utc_to_local (rs->tz, t, &today, NULL);
  rs->in_session = FALSE;
  /* A window closing on date D opens on D (or D − 1 when it wraps). Look
   * from yesterday's window to the next week's. */
  for (gint64 d = today - 1; d <= today + 8; d++)
    {
      QlTimeNs open, close;
      if (!(h->weekdays & QL_RULES_WEEKDAY (weekday_of (d))))
        continue;
      open = local_to_utc (rs->tz, wraps ? d - 1 : d, h->open_min);
      close = local_to_utc (rs->tz, d, h->close_min);
      if (open <= t && t < close)
        {
          rs->in_session = TRUE;
          rs->hours_open = open;
          rs->hours_next = close;
          return;
        }
      if (open > t && open < next_open)
        next_open = open;
    }
  rs->hours_open = next_open;
  rs->hours_next = next_open;
}

static void
track_hours (QlRules *self, RuleState *rs, QlTimeNs t)
{
  if (rs->hours_next != 0 && t < rs->hours_next)
    return;
  hours_locate (self, rs, t);
  if (rs->in_session)
    rs->latched = FALSE; /* a new window re-arms the rule */
}

static double
current_day_pnl (const QlRules *self)
{
  return self->last_balance - self->sod_balance;
}

static guint
count_days (const QlRules *self, const QlMinTradingDaysConfig *md)
{
  switch (md->definition)
    {
    case QL_TRADING_DAY_CLOSED:
      return self->days_closed;
    case QL_TRADING_DAY_MIN_NET_PNL:
      return self->days_pnl + (money_cmp (current_day_pnl (self), md->min_pnl) >= 0 ? 1 : 0);
    case QL_TRADING_DAY_OPENED:
    default:
      return self->days_opened;
    }
}

static void rules_evaluate (QlRules *self, const QlAccountView *v, guint moment, QlAccountAction *act);

/* Rolls the day once @t is at or past its end: end-of-day checks on the
 * last view, end-of-day peaks and daily P&L, then the new day's bases. */
static void
roll_day (QlRules *self, QlTimeNs t, QlAccountAction *act)
{
  QlAccountView last = {
    .time = self->day_end,
    .initial_capital = self->initial,
    .balance = self->last_balance,
    .equity = self->last_equity,
    .n_symbols = self->last_pos_n,
    .position = self->last_pos,
  };
  double pnl = current_day_pnl (self);
  gint64 start_days;

  rules_evaluate (self, &last, QL_RULE_CHECK_END_OF_DAY, act);

  for (guint i = 0; i < self->config->n_rules; i++)
    {
      RuleState *rs = &self->states[i];
      if (rs->cfg->kind == QL_RULE_MAX_LOSS && rs->cfg->max_loss.mode == QL_MAX_LOSS_TRAIL_END_OF_DAY)
        rs->peak = MAX (rs->peak, self->last_balance);
      if (rs->cfg->kind == QL_RULE_CONSISTENCY)
        {
          double day = self->last_balance - rs->day_base;
          rs->best_day = MAX (rs->best_day, day);
          if (day > 0)
            rs->sum_positive += day;
        }
    }
  self->best_day = MAX (self->best_day, pnl);
  for (guint i = 0; i < self->config->n_rules; i++)
    {
      const QlRuleConfig *cfg = &self->config->rules[i];
      if (cfg->kind == QL_RULE_MIN_TRADING_DAYS && cfg->min_days.definition == QL_TRADING_DAY_MIN_NET_PNL
          && money_cmp (pnl, cfg->min_days.min_pnl) >= 0)
        {
          self->days_pnl++;
          break; /* the first such rule defines the count */
        }
    }

  day_locate (self->day_tz, self->config->day_start_min, t, &self->day_start, &self->day_end, &start_days);
  self->day_label = day_label_of (self, start_days);
  self->sod_balance = self->last_balance;
  self->sod_equity = self->last_equity;
  self->today_opened = self->today_closed = FALSE;

  for (guint i = 0; i < self->config->n_rules; i++)
    {
      RuleState *rs = &self->states[i];
      const QlRuleConfig *cfg = rs->cfg;
      /* Hours re-arm at the next window; consistency once it holds again. */
      if (cfg->kind != QL_RULE_TRADING_HOURS && cfg->kind != QL_RULE_CONSISTENCY)
        {
          rs->latched = FALSE;
          rs->order_latch_until = 0;
        }
      if (cfg->kind == QL_RULE_DAILY_LOSS)
        rs->day_peak = value_of (cfg->daily_loss.compare, &last);
      if (cfg->kind == QL_RULE_MAX_POSITION || cfg->kind == QL_RULE_MAX_ORDER)
        rs->day_cap = size_cap_for (self, &cfg->size, self->sod_balance);
      if (cfg->kind == QL_RULE_CONSISTENCY)
        rs->day_base = self->sod_balance;
    }
}

static void
start (QlRules *self, const QlAccountView *v)
{
  gint64 start_days;

  self->started = TRUE;
  self->initial = v->initial_capital;
  day_locate (self->day_tz, self->config->day_start_min, v->time, &self->day_start, &self->day_end, &start_days);
  self->day_label = day_label_of (self, start_days);
  /* The first day's base is the initial capital (FTMO: "on the first day
   * the balance used is C0"), even when the first view is a fill. */
  self->sod_balance = self->initial;
  self->sod_equity = self->initial;
  self->last_balance = v->balance;
  self->last_equity = v->equity;
  self->last_time = v->time;
  for (guint i = 0; i < self->config->n_rules; i++)
    {
      RuleState *rs = &self->states[i];
      const QlRuleConfig *cfg = rs->cfg;
      rs->peak = self->initial;
      if (cfg->kind == QL_RULE_DAILY_LOSS)
        rs->day_peak = value_of (cfg->daily_loss.compare, v);
      if (cfg->kind == QL_RULE_MAX_POSITION || cfg->kind == QL_RULE_MAX_ORDER)
        rs->day_cap = size_cap_for (self, &cfg->size, self->sod_balance);
      if (cfg->kind == QL_RULE_CONSISTENCY)
        rs->window_start = rs->day_base = self->initial;
    }
  self->best_day_base = self->initial;
}

/* Starts the rules on the first view, rolls the day when @v is past it. */
static void
advance (QlRules *self, const QlAccountView *v, QlAccountAction *act)
{
  if (!self->started)
    start (self, v);
  else if (v->time >= self->day_end && !self->failed)
    roll_day (self, v->time, act);
  for (guint i = 0; i < self->config->n_rules; i++)
    if (self->states[i].cfg->kind == QL_RULE_TRADING_HOURS)
      track_hours (self, &self->states[i], v->time);
}

/* Positions opened, increased, reduced or closed since the last view. */
static void
track_positions (QlRules *self, const QlAccountView *v)
{
  if (v->n_symbols > self->last_pos_n)
    {
      self->last_pos = g_renew (double, self->last_pos, v->n_symbols);
      memset (self->last_pos + self->last_pos_n, 0, (v->n_symbols - self->last_pos_n) * sizeof (double));
      self->last_pos_n = v->n_symbols;
    }
  for (guint s = 0; s < v->n_symbols && v->position != NULL; s++)
    {
      double before = self->last_pos[s], after = v->position[s];
      gboolean flipped = before * after < 0;
      if (fabs (after) > fabs (before) || flipped)
        {
          if (!self->today_opened)
            self->days_opened++;
          self->today_opened = TRUE;
        }
      if (fabs (after) < fabs (before) || flipped)
        {
          if (!self->today_closed)
            self->days_closed++;
          self->today_closed = TRUE;
        }
      self->last_pos[s] = after;
    }
}

/* ---- evaluation ----------------------------------------------------- */

static void
violate (QlRules *self, RuleState *rs, QlAccountAction *act)
{
  QlRuleAction action = rs->cfg->action == QL_RULE_ACTION_REJECT ? QL_RULE_ACTION_RECORD : rs->cfg->action;
  *act = worse (*act, apply (self, rs, action));
  rs->latched = TRUE;
}

static void
check_daily_loss (QlRules *self, RuleState *rs, const QlAccountView *v, QlAccountAction *act)
{
  const QlRuleConfig *cfg = rs->cfg;
  double value = value_of (cfg->daily_loss.compare, v);
  double limit = daily_limit (self, rs);

  if (breaches (cfg->breach_if, value, limit))
    {
      if (rs->latched)
        return;
      add_event (self, rs, v->time, value, limit, cfg->action == QL_RULE_ACTION_REJECT ? QL_RULE_ACTION_RECORD : cfg->action,
                 G_MAXUINT, "%s: %s %.2f %s daily limit %.2f", cfg->name, value_name (cfg->daily_loss.compare),
                 value, ql_rule_cmp_to_string (cfg->breach_if), limit);
      violate (self, rs, act);
    }
  else if (cfg->action == QL_RULE_ACTION_RECORD)
    rs->latched = FALSE;
}

static void
check_max_loss (QlRules *self, RuleState *rs, const QlAccountView *v, QlAccountAction *act)
{
  const QlRuleConfig *cfg = rs->cfg;
  double value = value_of (cfg->max_loss.compare, v);
  double floor_ = max_loss_floor (self, rs);

  if (breaches (cfg->breach_if, value, floor_))
    {
      if (rs->latched)
        return;
      add_event (self, rs, v->time, value, floor_, cfg->action, G_MAXUINT,
                 "%s: %s %.2f %s loss limit %.2f", cfg->name, value_name (cfg->max_loss.compare),
                 value, ql_rule_cmp_to_string (cfg->breach_if), floor_);
      violate (self, rs, act);
    }
  else if (cfg->action == QL_RULE_ACTION_RECORD)
    rs->latched = FALSE;
}

static void
check_hours (QlRules *self, RuleState *rs, const QlAccountView *v, QlAccountAction *act)
{
  const QlRuleConfig *cfg = rs->cfg;
  char buf[16];

  if (rs->in_session || cfg->hours.carry || rs->latched)
    return;
  for (guint s = 0; s < v->n_symbols && v->position != NULL; s++)
    if (v->position[s] != 0 && covers (self, rs, s))
      {
        add_event (self, rs, v->time, v->position[s], 0, cfg->action == QL_RULE_ACTION_REJECT ? QL_RULE_ACTION_RECORD : cfg->action,
                   s, "%s: %s position %g held outside trading hours", cfg->name,
                   symbol_name (self, s, buf), v->position[s]);
        violate (self, rs, act);
        return;
      }
}

/* The figure a position cap reads: the weighted |position| of @symbol, or
 * of the whole account with @symbol's position replaced by @position. */
static double
position_figure (const QlRules *self, const RuleState *rs, const QlAccountView *v,
                 guint symbol, double position)
{
  double total = 0;

  if (rs->cfg->size.scope == QL_SIZE_PER_SYMBOL)
    return fabs (position) * weight (self, rs, symbol);
  for (guint s = 0; s < v->n_symbols && v->position != NULL; s++)
    total += fabs (s == symbol ? position : v->position[s]) * weight (self, rs, s);
  if (symbol >= v->n_symbols)
    total += fabs (position) * weight (self, rs, symbol);
  return total;
}

static void
check_max_position (QlRules *self, RuleState *rs, const QlAccountView *v, QlAccountAction *act)
{
  const QlRuleConfig *cfg = rs->cfg;
  char buf[16];

  for (guint s = 0; s < v->n_symbols && v->position != NULL; s++)
    {
      double figure = position_figure (self, rs, v, s, v->position[s]);
      if (breaches (cfg->breach_if, figure, rs->day_cap))
        {
          if (rs->latched)
            return;
          add_event (self, rs, v->time, figure, rs->day_cap,
                     cfg->action == QL_RULE_ACTION_REJECT ? QL_RULE_ACTION_RECORD : cfg->action, s,
                     "%s: %s position size %g %s cap %g", cfg->name,
                     cfg->size.scope == QL_SIZE_TOTAL ? "account" : symbol_name (self, s, buf),
                     figure, ql_rule_cmp_to_string (cfg->breach_if), rs->day_cap);
          violate (self, rs, act);
          return;
        }
      if (cfg->size.scope == QL_SIZE_TOTAL)
        break;
    }
  if (cfg->action == QL_RULE_ACTION_RECORD || cfg->action == QL_RULE_ACTION_REJECT)
    rs->latched = FALSE;
}

/* Consistency figures of @rs with the current day provisional. */
static void
consistency_figures (const QlRules *self, const RuleState *rs, double *best, double *denominator)
{
  const QlConsistencyConfig *c = &rs->cfg->consistency;
  double today = self->last_balance - rs->day_base;

  *best = MAX (rs->best_day, today);
  switch (c->denominator)
    {
    case QL_CONSISTENCY_SUM_POSITIVE_DAYS:
      *denominator = rs->sum_positive + MAX (today, 0);
      break;
    case QL_CONSISTENCY_PROFIT_TARGET:
      *denominator = 0;
      for (guint i = 0; i < self->config->n_rules; i++)
        if (self->config->rules[i].kind == QL_RULE_PROFIT_TARGET)
          {
            *denominator = target_amount (self, &self->config->rules[i]);
            break;
          }
      break;
    case QL_CONSISTENCY_NET_PROFIT:
    default:
      *denominator = self->last_balance - rs->window_start;
      break;
    }
}

/* TRUE when the consistency rule @rs holds now; a failure is recorded
 * once until it holds again. */
static gboolean
check_consistency (QlRules *self, RuleState *rs, QlTimeNs t, QlAccountAction *act)
{
  const QlRuleConfig *cfg = rs->cfg;
  double best, denominator, limit;
  gboolean broken;

  consistency_figures (self, rs, &best, &denominator);
  limit = cfg->consistency.percent / 100.0 * denominator;
  if (money_cmp (best, 0) <= 0)
    broken = FALSE; /* no winning day: nothing to be inconsistent about */
  else if (money_cmp (denominator, 0) <= 0)
    broken = TRUE;
  else
    broken = breaches (cfg->breach_if, best, limit);
  if (!broken)
    {
      rs->latched = FALSE;
      return TRUE;
    }
  if (!rs->latched)
    {
      add_event (self, rs, t, best, limit, cfg->action, G_MAXUINT,
                 "%s: best day %.2f %s %g%% of %.2f (%.2f)", cfg->name, best,
                 ql_rule_cmp_to_string (cfg->breach_if), cfg->consistency.percent, denominator, limit);
      violate (self, rs, act);
    }
  return FALSE;
}

static gboolean
all_flat (const QlAccountView *v)
{
  for (guint s = 0; s < v->n_symbols && v->position != NULL; s++)
    if (v->position[s] != 0)
      return FALSE;
  return TRUE;
}

static gboolean
target_met (const QlRules *self, const QlAccountView *v)
{
  gboolean any = FALSE;

  for (guint i = 0; i < self->config->n_rules; i++)
    {
      const QlRuleConfig *cfg = &self->config->rules[i];
      if (cfg->kind != QL_RULE_PROFIT_TARGET)
        continue;
      any = TRUE;
      if (cfg->target.require_flat && !all_flat (v))
        return FALSE;
      if (money_cmp (v->balance, self->initial + target_amount (self, cfg)) < 0)
        return FALSE;
    }
  return any;
}

static gboolean
min_days_met (const QlRules *self)
{
  for (guint i = 0; i < self->config->n_rules; i++)
    {
      const QlRuleConfig *cfg = &self->config->rules[i];
      if (cfg->kind == QL_RULE_MIN_TRADING_DAYS && count_days (self, &cfg->min_days) < cfg->min_days.days)
        return FALSE;
    }
  return TRUE;
}

/* The objectives at the instant of @v: the target, the minimum days, and
 * the consistency rules that block a pass (evaluated only once the others
 * hold, so that their event says the target waits on them). */
static void
check_pass (QlRules *self, const QlAccountView *v, QlAccountAction *act)
{
  gboolean consistent = TRUE;

  if (self->passed || self->failed || !target_met (self, v) || !min_days_met (self))
    return;
  for (guint i = 0; i < self->config->n_rules; i++)
    {
      RuleState *rs = &self->states[i];
      if (rs->cfg->kind == QL_RULE_CONSISTENCY && rs->cfg->consistency.consequence == QL_CONSISTENCY_BLOCKS_PASS)
        consistent &= check_consistency (self, rs, v->time, act);
    }
  if (consistent && !self->failed)
    {
      self->passed = TRUE;
      self->pass_time = v->time;
      self->pass_day = self->day_label;
    }
}

static void
rules_evaluate (QlRules *self, const QlAccountView *v, guint moment, QlAccountAction *act)
{
  for (guint i = 0; i < self->config->n_rules; i++)
    {
      RuleState *rs = &self->states[i];
      const QlRuleConfig *cfg = rs->cfg;

      /* Intraday peaks move at every view, whatever the check moments. */
      if (moment != QL_RULE_CHECK_END_OF_DAY)
        {
          if (cfg->kind == QL_RULE_DAILY_LOSS)
            rs->day_peak = MAX (rs->day_peak, value_of (cfg->daily_loss.compare, v));
          if (cfg->kind == QL_RULE_MAX_LOSS && cfg->max_loss.mode == QL_MAX_LOSS_TRAIL_INTRADAY)
            rs->peak = MAX (rs->peak, value_of (cfg->max_loss.compare, v));
        }
      if (!(cfg->check & moment))
        continue;
      switch (cfg->kind)
        {
        case QL_RULE_DAILY_LOSS:
          check_daily_loss (self, rs, v, act);
          break;
        case QL_RULE_MAX_LOSS:
          check_max_loss (self, rs, v, act);
          break;
        case QL_RULE_TRADING_HOURS:
          check_hours (self, rs, v, act);
          break;
        case QL_RULE_MAX_POSITION:
          check_max_position (self, rs, v, act);
          break;
        case QL_RULE_CONSISTENCY:
        case QL_RULE_ALLOWLIST:
        case QL_RULE_MAX_ORDER:
        case QL_RULE_MIN_TRADING_DAYS:
        case QL_RULE_PROFIT_TARGET:
        case QL_RULE_N_KINDS:
        default:
          break; /* order rules act in check_order; objectives in check_pass */
        }
    }
}

static gboolean
blocked (const QlRules *self, QlTimeNs t, const RuleState **by)
{
  for (guint i = 0; i < self->config->n_rules; i++)
    if (self->states[i].blocked_until > t)
      {
        if (by != NULL)
          *by = &self->states[i];
        return TRUE;
      }
  return FALSE;
}

static QlAccountAction
observe (QlRules *self, const QlAccountView *v, guint moment)
{
  QlAccountAction act = QL_ACCOUNT_CONTINUE;

  advance (self, v, &act);
  if (moment == QL_RULE_CHECK_FILL)
    track_positions (self, v);
  else if (v->n_symbols > 0)
    track_positions (self, v); /* a clock view may follow fills the run did not report */
  self->last_time = v->time;
  self->last_balance = v->balance;
  self->last_equity = v->equity;
  /* A failed account is disabled for good: nothing more to judge. */
  if (self->failed)
    return QL_ACCOUNT_FLATTEN_DISABLE;
  rules_evaluate (self, v, moment, &act);
  check_pass (self, v, &act);

  if (self->failed)
    return QL_ACCOUNT_FLATTEN_DISABLE;
  if (self->pending_flatten)
    {
      self->pending_flatten = FALSE;
      act = worse (act, QL_ACCOUNT_FLATTEN_BLOCK);
    }
  if (act == QL_ACCOUNT_CONTINUE && blocked (self, v->time, NULL))
    act = QL_ACCOUNT_BLOCK_NEW;
  return act;
}

static QlAccountAction
on_fill (gpointer data, const QlAccountView *account)
{
  return observe (data, account, QL_RULE_CHECK_FILL);
}

static QlAccountAction
on_clock (gpointer data, const QlAccountView *account)
{
  return observe (data, account, QL_RULE_CHECK_CLOCK);
}

/* ---- orders --------------------------------------------------------- */

/* Records the refusal of an order by @rs (once per reset period) and
 * applies @action; TRUE when the order is refused. */
G_GNUC_PRINTF (9, 10)
static gboolean
refuse (QlRules *self, RuleState *rs, QlRuleAction action, QlTimeNs t, double value, double limit,
        guint symbol, char *reason, const char *format, ...)
{
  QlAccountAction act;
  char msg[160];
  va_list ap;

  va_start (ap, format);
  g_vsnprintf (msg, sizeof msg, format, ap);
  va_end (ap);
  if (action == QL_RULE_ACTION_RECORD)
    {
      if (rs->order_latch_until <= t)
        add_event (self, rs, t, value, limit, action, symbol, "%s (recorded, order allowed)", msg);
      rs->order_latch_until = block_expiry (self, rs);
      return FALSE;
    }
  if (rs->order_latch_until <= t || action != QL_RULE_ACTION_REJECT)
    add_event (self, rs, t, value, limit, action, symbol, "%s", msg);
  rs->order_latch_until = block_expiry (self, rs);
  act = apply (self, rs, action);
  if (act == QL_ACCOUNT_FLATTEN_BLOCK)
    self->pending_flatten = TRUE;
  g_strlcpy (reason, msg, 160);
  return TRUE;
}

static gboolean
check_order (gpointer             data,
             const QlAccountView *account,
             guint                symbol,
             QlSide               side,
             double               quantity,
             double               position_after,
             char                *reason,
             gsize                reason_size)
{
  QlRules *self = data;
  QlAccountAction act = QL_ACCOUNT_CONTINUE;
  double before = (account->position != NULL && symbol < account->n_symbols) ? account->position[symbol] : 0;
  gboolean adds = fabs (position_after) > fabs (before) || before * position_after < 0;
  const RuleState *by = NULL;
  char msg[160] = "";
  char buf[16];
  gboolean refused = FALSE;

  advance (self, account, &act);
  if (act == QL_ACCOUNT_FLATTEN_BLOCK)
    self->pending_flatten = TRUE;

  if (self->failed)
    {
      g_snprintf (msg, sizeof msg, "account disabled: rule %s failed",
                  g_array_index (self->events, QlRuleEvent, self->fail_event).rule);
      refused = TRUE;
    }
  else if (adds && blocked (self, account->time, &by))
    {
      g_snprintf (msg, sizeof msg, "new orders blocked by %s until the next reset", by->cfg->name);
      refused = TRUE;
    }

  for (guint i = 0; i < self->config->n_rules && !refused; i++)
    {
      RuleState *rs = &self->states[i];
      const QlRuleConfig *cfg = rs->cfg;
      const char *name = symbol_name (self, symbol, buf);

      switch (cfg->kind)
        {
        case QL_RULE_ALLOWLIST:
          if (adds && !covers (self, rs, symbol))
            refused = refuse (self, rs, cfg->action, account->time, 0, 0, symbol, msg,
                              "%s: %s is not on the instrument allowlist", cfg->name, name);
          break;
        case QL_RULE_MAX_ORDER:
          {
            double figure = fabs (quantity) * weight (self, rs, symbol);
            if (breaches (cfg->breach_if, figure, rs->day_cap))
              refused = refuse (self, rs, cfg->action, account->time, figure, rs->day_cap, symbol, msg,
                                "%s: %s order size %g %s cap %g", cfg->name, name, figure,
                                ql_rule_cmp_to_string (cfg->breach_if), rs->day_cap);
            break;
          }
        case QL_RULE_MAX_POSITION:
          if (cfg->size.pre_trade && adds)
            {
              double figure = position_figure (self, rs, account, symbol, position_after);
              if (breaches (cfg->breach_if, figure, rs->day_cap))
                /* Refusing is the pre-trade check; the rule's action is
                 * for a position that does exceed the cap (after a fill). */
                refused = refuse (self, rs, QL_RULE_ACTION_REJECT, account->time, figure, rs->day_cap, symbol, msg,
                                  "%s: %s position after the order %g %s cap %g", cfg->name,
                                  cfg->size.scope == QL_SIZE_TOTAL ? "account" : name, figure,
                                  ql_rule_cmp_to_string (cfg->breach_if), rs->day_cap);
            }
          break;
        case QL_RULE_TRADING_HOURS:
          if (adds && !rs->in_session && covers (self, rs, symbol))
            {
              /* Outside the window an order that adds is refused: never
               * only recorded, so that the hours rule holds whatever its
               * action on positions held. */
              if (rs->order_latch_until <= account->time)
                add_event (self, rs, account->time, position_after, 0, QL_RULE_ACTION_REJECT, symbol,
                           "%s: %s order outside trading hours", cfg->name, name);
              rs->order_latch_until = rs->hours_open;
              g_snprintf (msg, sizeof msg, "%s: %s order outside trading hours", cfg->name, name);
              refused = TRUE;
            }
          break;
        case QL_RULE_DAILY_LOSS:
        case QL_RULE_MAX_LOSS:
        case QL_RULE_CONSISTENCY:
        case QL_RULE_MIN_TRADING_DAYS:
        case QL_RULE_PROFIT_TARGET:
        case QL_RULE_N_KINDS:
        default:
          break;
        }
    }
  (void) side;
  if (refused && reason != NULL && reason_size > 0)
    g_strlcpy (reason, msg, reason_size);
  return !refused;
}

QlAccountObserver
ql_rules_observer (QlRules *self)
{
  QlAccountObserver observer = { 0 };

  g_return_val_if_fail (self != NULL, observer);
  observer.check_order = check_order;
  observer.on_fill = on_fill;
  observer.on_clock = on_clock;
  observer.data = self;
  return observer;
}

/* ---- results -------------------------------------------------------- */

const QlRuleEvent *
ql_rules_get_events (QlRules *self,
                     guint   *n_events)
{
  g_return_val_if_fail (self != NULL, NULL);
  if (n_events != NULL)
    *n_events = self->events->len;
  return (const QlRuleEvent *) (gpointer) self->events->data;
}

QlRulesVerdict
ql_rules_verdict (QlRules             *self,
                  const QlAccountView *final_account)
{
  QlRulesVerdict verdict = { 0 };
  QlAccountAction act = QL_ACCOUNT_CONTINUE;
  const QlMinTradingDaysConfig *md = NULL;
  QlMinTradingDaysConfig opened = { .days = 1, .definition = QL_TRADING_DAY_OPENED };

  g_return_val_if_fail (self != NULL, verdict);

  verdict.time = QL_TIME_NONE;
  if (final_account != NULL)
    {
      advance (self, final_account, &act);
      track_positions (self, final_account);
      self->last_time = final_account->time;
      self->last_balance = final_account->balance;
      self->last_equity = final_account->equity;
      check_pass (self, final_account, &act);
    }
  if (!self->started)
    return verdict;

  for (guint i = 0; i < self->config->n_rules; i++)
    if (self->config->rules[i].kind == QL_RULE_MIN_TRADING_DAYS)
      {
        md = &self->config->rules[i].min_days;
        break;
      }
  verdict.trading_days = count_days (self, md ? md : &opened);
  verdict.net_profit = self->last_balance - self->initial;
  verdict.best_day = MAX (self->best_day, current_day_pnl (self));
  verdict.min_days_met = min_days_met (self);
  verdict.consistency_met = TRUE;
  for (guint i = 0; i < self->config->n_rules; i++)
    {
      RuleState *rs = &self->states[i];
      if (rs->cfg->kind == QL_RULE_CONSISTENCY && rs->cfg->consistency.consequence == QL_CONSISTENCY_BLOCKS_PASS)
        {
          double best, denominator;
          consistency_figures (self, rs, &best, &denominator);
          if (money_cmp (best, 0) > 0
              && (money_cmp (denominator, 0) <= 0
                  || breaches (rs->cfg->breach_if, best, rs->cfg->consistency.percent / 100.0 * denominator)))
            verdict.consistency_met = FALSE;
        }
    }

  if (self->passed)
    {
      verdict.outcome = QL_RULES_PASSED;
      verdict.time = self->pass_time;
      verdict.day = self->pass_day;
      verdict.target_met = TRUE;
    }
  else if (self->failed)
    {
      const QlRuleEvent *ev = &g_array_index (self->events, QlRuleEvent, self->fail_event);
      verdict.outcome = QL_RULES_FAILED;
      verdict.time = ev->time;
      verdict.day = ev->day;
      verdict.rule = ev->rule;
      verdict.event = ev;
      verdict.target_met = final_account != NULL && target_met (self, final_account);
    }
  else
    {
      verdict.outcome = QL_RULES_RUNNING;
      verdict.target_met = final_account != NULL && target_met (self, final_account);
    }
  return verdict;
}

gboolean
ql_rules_request_payout (QlRules             *self,
                         const QlAccountView *account,
                         char                *reason,
                         gsize                reason_size)
{
  QlAccountAction act = QL_ACCOUNT_CONTINUE;
  gboolean ok = TRUE;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (account != NULL, FALSE);

  advance (self, account, &act);
  self->last_time = account->time;
  self->last_balance = account->balance;
  self->last_equity = account->equity;
  if (self->failed)
    {
      if (reason != NULL && reason_size > 0)
        g_snprintf (reason, reason_size, "account disabled: rule %s failed",
                    g_array_index (self->events, QlRuleEvent, self->fail_event).rule);
      return FALSE;
    }
  for (guint i = 0; i < self->config->n_rules; i++)
    {
      RuleState *rs = &self->states[i];
      if (rs->cfg->kind != QL_RULE_CONSISTENCY || rs->cfg->consistency.consequence != QL_CONSISTENCY_BLOCKS_PAYOUT)
        continue;
      rs->latched = FALSE; /* every refused request is an event */
      if (!check_consistency (self, rs, account->time, &act))
        {
          if (ok && reason != NULL && reason_size > 0)
            g_strlcpy (reason, g_array_index (self->events, QlRuleEvent, self->events->len - 1).message, reason_size);
          ok = FALSE;
        }
    }
  if (!ok)
    return FALSE;
  for (guint i = 0; i < self->config->n_rules; i++)
    {
      RuleState *rs = &self->states[i];
      if (rs->cfg->kind == QL_RULE_CONSISTENCY && rs->cfg->consistency.window == QL_CONSISTENCY_SINCE_LAST_PAYOUT)
        {
          rs->window_start = rs->day_base = account->balance;
          rs->best_day = rs->sum_positive = 0;
        }
    }
  return TRUE;
}
