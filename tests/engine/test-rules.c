/* tests/engine/test-rules.c — account rules driven by hand-made account
 * snapshots, with the firms' own worked examples (see
 * ../shared/reference/prop-rules.md) and every boundary and reset. */
#include "engine/rules.h"

#include <string.h>

/* ISO 8601 with an explicit offset to ns since the epoch. */
static QlTimeNs
at (const char *iso)
{
  g_autoptr (GDateTime) dt = g_date_time_new_from_iso8601 (iso, NULL);
  g_assert_nonnull (dt);
  return g_date_time_to_unix (dt) * QL_NS_PER_SEC;
}

static gint64
civil_days (int y, int m, int d)
{
  g_autoptr (GDateTime) dt = g_date_time_new_utc (y, m, d, 0, 0, 0);
  return g_date_time_to_unix (dt) / 86400;
}

/* One account driven through the observer. */
typedef struct
{
  QlRules *rules;
  QlAccountObserver obs;
  double initial;
  double position[3];
  guint n_symbols;
} Account;

static void
account_init (Account *a, QlRulesConfig *config, double initial)
{
  g_autoptr (GError) error = NULL;
  static const char *const names[] = { "CME:ES", "CME:MES", "NYMEX:CL" };

  memset (a, 0, sizeof *a);
  a->rules = ql_rules_new (config, &error);
  g_assert_no_error (error);
  g_assert_nonnull (a->rules);
  a->obs = ql_rules_observer (a->rules);
  a->initial = initial;
  a->n_symbols = 3;
  ql_rules_set_symbols (a->rules, names, 3);
}

static void
account_clear (Account *a)
{
  g_clear_pointer (&a->rules, ql_rules_free);
}

static QlAccountView
view (Account *a, QlTimeNs t, double balance, double equity)
{
  QlAccountView v = {
    .time = t,
    .initial_capital = a->initial,
    .balance = balance,
    .equity = equity,
    .n_symbols = a->n_symbols,
    .position = a->position,
  };
  return v;
}

static QlAccountAction
clock_at (Account *a, const char *iso, double balance, double equity)
{
  QlAccountView v = view (a, at (iso), balance, equity);
  return a->obs.on_clock (a->obs.data, &v);
}

static QlAccountAction
fill_at (Account *a, const char *iso, double balance, double equity)
{
  QlAccountView v = view (a, at (iso), balance, equity);
  return a->obs.on_fill (a->obs.data, &v);
}

/* check_order for @quantity (signed) on @symbol; the position after it is
 * the current one plus @quantity. */
static gboolean
order_at (Account *a, const char *iso, guint symbol, double quantity, char reason[160])
{
  QlAccountView v = view (a, at (iso), a->initial, a->initial);
  reason[0] = '\0';
  return a->obs.check_order (a->obs.data, &v, symbol, quantity > 0 ? QL_SIDE_BUY : QL_SIDE_SELL,
                             quantity, a->position[symbol] + quantity, reason, 160);
}

static guint
n_events (Account *a)
{
  guint n;
  ql_rules_get_events (a->rules, &n);
  return n;
}

static const QlRuleEvent *
event (Account *a, guint i)
{
  guint n;
  const QlRuleEvent *ev = ql_rules_get_events (a->rules, &n);
  g_assert_cmpuint (i, <, n);
  return &ev[i];
}

static QlRulesConfig *
config_with_day (const char *zone, int start_min)
{
  QlRulesConfig *config = ql_rules_config_new ();
  g_free (config->day_zone);
  config->day_zone = g_strdup (zone);
  config->day_start_min = start_min;
  return config;
}

/* ---- daily loss ------------------------------------------------------ */

static void
test_daily_loss_ftmo_example (void)
{
  g_autoptr (QlRulesConfig) config = config_with_day ("Europe/Prague", 0);
  QlRuleConfig *r = ql_rules_config_add (config, QL_RULE_DAILY_LOSS);
  Account a;
  QlRulesVerdict verdict;

  g_test_summary ("FTMO Academy, $200,000 account: +$4,000 closed on Monday leaves equity "
                  "$191,000 inside Monday's $190,000 limit, but Tuesday's base is the "
                  "$204,000 balance, so the same equity breaks the $194,000 limit at 00:00 Prague");
  r->daily_loss.amount.kind = QL_RULE_AMOUNT_PERCENT_INITIAL;
  r->daily_loss.amount.value = 5; /* 5 % of 200,000 = 10,000 */
  r->daily_loss.base = QL_DAILY_BASE_START_BALANCE;
  r->breach_if = QL_RULE_CMP_LT; /* "equity drops below" */
  r->action = QL_RULE_ACTION_FAIL;
  account_init (&a, config, 200000);

  /* Monday 4 March 2024, CET (+01:00). */
  g_assert_cmpint (clock_at (&a, "2024-03-04T09:00:00+01:00", 200000, 200000), ==, QL_ACCOUNT_CONTINUE);
  g_assert_cmpint (fill_at (&a, "2024-03-04T12:00:00+01:00", 204000, 204000), ==, QL_ACCOUNT_CONTINUE);
  /* A new trade floats at −13,000: equity 191,000 >= 200,000 − 10,000. */
  a.position[0] = 1;
  g_assert_cmpint (fill_at (&a, "2024-03-04T15:00:00+01:00", 204000, 204000), ==, QL_ACCOUNT_CONTINUE);
  g_assert_cmpint (clock_at (&a, "2024-03-04T23:59:59+01:00", 204000, 191000), ==, QL_ACCOUNT_CONTINUE);
  g_assert_cmpuint (n_events (&a), ==, 0);
  /* Tuesday 00:00:01: limit 204,000 − 10,000 = 194,000 > 191,000. */
  g_assert_cmpint (clock_at (&a, "2024-03-05T00:00:01+01:00", 204000, 191000), ==, QL_ACCOUNT_FLATTEN_DISABLE);
  g_assert_cmpuint (n_events (&a), ==, 1);
  g_assert_cmpfloat (event (&a, 0)->value, ==, 191000);
  g_assert_cmpfloat (event (&a, 0)->limit, ==, 194000);
  g_assert_cmpint (event (&a, 0)->action, ==, QL_RULE_ACTION_FAIL);
  g_assert_cmpint (event (&a, 0)->time, ==, at ("2024-03-05T00:00:01+01:00"));
  g_assert_cmpint (event (&a, 0)->day, ==, civil_days (2024, 3, 5));
  g_assert_nonnull (strstr (event (&a, 0)->message, "194000.00"));

  verdict = ql_rules_verdict (a.rules, NULL);
  g_assert_cmpint (verdict.outcome, ==, QL_RULES_FAILED);
  g_assert_cmpstr (verdict.rule, ==, "daily_loss");
  g_assert_cmpint (verdict.day, ==, civil_days (2024, 3, 5));
  /* Failure is final: the next calls still disable, no new event. */
  a.position[0] = 0;
  g_assert_cmpint (clock_at (&a, "2024-03-06T10:00:00+01:00", 191000, 191000), ==, QL_ACCOUNT_FLATTEN_DISABLE);
  g_assert_cmpuint (n_events (&a), ==, 1);
  account_clear (&a);
}

/* Topstep's DLL on 50K: $1,000, breach when the day's net P&L "hits or
 * exceeds" −1,000, i.e. equity <= 49,000. */
static void
run_boundary (QlRuleCmp cmp, double equity, gboolean expect_breach)
{
  g_autoptr (QlRulesConfig) config = config_with_day ("America/Chicago", 17 * 60);
  QlRuleConfig *r = ql_rules_config_add (config, QL_RULE_DAILY_LOSS);
  Account a;

  r->daily_loss.amount.kind = QL_RULE_AMOUNT_ABSOLUTE;
  r->daily_loss.amount.value = 1000;
  r->breach_if = cmp;
  r->action = QL_RULE_ACTION_FLATTEN_BLOCK;
  account_init (&a, config, 50000);
  g_assert_cmpint (clock_at (&a, "2024-06-04T09:00:00-05:00", 50000, 50000), ==, QL_ACCOUNT_CONTINUE);
  g_assert_cmpint (clock_at (&a, "2024-06-04T10:00:00-05:00", 50000, equity), ==,
                   expect_breach ? QL_ACCOUNT_FLATTEN_BLOCK : QL_ACCOUNT_CONTINUE);
  g_assert_cmpuint (n_events (&a), ==, expect_breach ? 1 : 0);
  account_clear (&a);
}

static void
test_daily_loss_boundary (void)
{
  g_test_summary ("Equity exactly at the daily limit breaks a <= rule (Topstep: hits) but "
                  "not a < rule (FTMO: drops below); a cent under breaks both");
  run_boundary (QL_RULE_CMP_LE, 49000, TRUE);
  run_boundary (QL_RULE_CMP_LT, 49000, FALSE);
  run_boundary (QL_RULE_CMP_LT, 48999.99, TRUE);
  run_boundary (QL_RULE_CMP_LE, 49000.01, FALSE);
  /* 5 % of 200,000 computed in double against a summed equity still
   * meets the boundary exactly (money epsilon). */
  run_boundary (QL_RULE_CMP_LE, 50000 - 0.1 - 0.2 - 999.7, TRUE);
}

static void
test_daily_loss_topstep_trailing (void)
{
  g_autoptr (QlRulesConfig) config = config_with_day ("America/Chicago", 17 * 60);
  QlRuleConfig *r = ql_rules_config_add (config, QL_RULE_DAILY_LOSS);
  Account a;
  char reason[160];

  g_test_summary ("Topstep trailing personal DLL: $500 from $50,000 liquidates at $49,500; "
                  "a balance of $51,200 moves it to $50,700, never down that day; a soft "
                  "breach flattens, blocks until 5:00 PM CT, then trading resumes");
  r->daily_loss.amount.kind = QL_RULE_AMOUNT_ABSOLUTE;
  r->daily_loss.amount.value = 500;
  r->daily_loss.compare = QL_RULE_VALUE_BALANCE;
  r->daily_loss.trailing = TRUE;
  r->breach_if = QL_RULE_CMP_LE; /* "drops to" */
  r->action = QL_RULE_ACTION_FLATTEN_BLOCK;
  account_init (&a, config, 50000);

  /* Tuesday 4 June 2024 (CDT, −05:00), trading day of 4 June 17:00 on. */
  g_assert_cmpint (clock_at (&a, "2024-06-04T18:00:00-05:00", 50000, 50000), ==, QL_ACCOUNT_CONTINUE);
  g_assert_cmpint (fill_at (&a, "2024-06-04T19:00:00-05:00", 49500.01, 49500.01), ==, QL_ACCOUNT_CONTINUE);
  g_assert_cmpint (fill_at (&a, "2024-06-04T20:00:00-05:00", 51200, 51200), ==, QL_ACCOUNT_CONTINUE);
  /* Limit now 51,200 − 500 = 50,700; 50,800 is above it. */
  g_assert_cmpint (fill_at (&a, "2024-06-05T08:00:00-05:00", 50800, 50800), ==, QL_ACCOUNT_CONTINUE);
  g_assert_cmpuint (n_events (&a), ==, 0);
  a.position[0] = 2;
  g_assert_cmpint (fill_at (&a, "2024-06-05T09:00:00-05:00", 50700, 50700), ==, QL_ACCOUNT_FLATTEN_BLOCK);
  g_assert_cmpuint (n_events (&a), ==, 1);
  g_assert_cmpfloat (event (&a, 0)->limit, ==, 50700);
  g_assert_cmpint (event (&a, 0)->action, ==, QL_RULE_ACTION_FLATTEN_BLOCK);
  /* The run flattened; until 17:00 CT orders that add are refused. */
  a.position[0] = 0;
  g_assert_cmpint (fill_at (&a, "2024-06-05T09:00:01-05:00", 50690, 50690), ==, QL_ACCOUNT_BLOCK_NEW);
  g_assert_cmpint (clock_at (&a, "2024-06-05T16:59:59-05:00", 50690, 50690), ==, QL_ACCOUNT_BLOCK_NEW);
  g_assert_false (order_at (&a, "2024-06-05T16:00:00-05:00", 0, 1, reason));
  g_assert_nonnull (strstr (reason, "blocked by daily_loss"));
  g_assert_cmpuint (n_events (&a), ==, 1);
  /* 17:00 CT: a new day, base 50,690, limit 50,190. */
  g_assert_cmpint (clock_at (&a, "2024-06-05T17:00:00-05:00", 50690, 50690), ==, QL_ACCOUNT_CONTINUE);
  g_assert_true (order_at (&a, "2024-06-05T17:00:01-05:00", 0, 1, reason));
  g_assert_cmpint (fill_at (&a, "2024-06-05T18:00:00-05:00", 50190.01, 50190.01), ==, QL_ACCOUNT_CONTINUE);
  g_assert_cmpint (fill_at (&a, "2024-06-05T18:10:00-05:00", 50190, 50190), ==, QL_ACCOUNT_FLATTEN_BLOCK);
  g_assert_cmpfloat (event (&a, 1)->limit, ==, 50190);
  g_assert_cmpint (ql_rules_verdict (a.rules, NULL).outcome, ==, QL_RULES_RUNNING);
  account_clear (&a);
}

static void
test_daily_loss_bases (void)
{
  g_autoptr (QlRulesConfig) config = config_with_day ("UTC", 0);
  QlRuleConfig *higher = ql_rules_config_add (config, QL_RULE_DAILY_LOSS);
  QlRuleConfig *initial;
  Account a;

  g_test_summary ("The5%ers: 5 % of the higher of start-of-day balance and equity; Blue "
                  "Guardian style: 4 % of initial from that base; FTT: the initial capital");
  g_free (higher->name);
  higher->name = g_strdup ("higher");
  higher->daily_loss.base = QL_DAILY_BASE_START_HIGHER;
  higher->daily_loss.amount.kind = QL_RULE_AMOUNT_PERCENT_BASE;
  higher->daily_loss.amount.value = 5;
  higher->action = QL_RULE_ACTION_RECORD;
  initial = ql_rules_config_add (config, QL_RULE_DAILY_LOSS);
  g_free (initial->name);
  initial->name = g_strdup ("initial");
  initial->daily_loss.base = QL_DAILY_BASE_INITIAL;
  initial->daily_loss.amount.value = 5;
  initial->action = QL_RULE_ACTION_RECORD;
  account_init (&a, config, 100000);

  g_assert_cmpint (clock_at (&a, "2024-06-03T10:00:00Z", 100000, 100000), ==, QL_ACCOUNT_CONTINUE);
  /* Day ends with balance 100,000 and an open position floating +10,000. */
  a.position[0] = 1;
  g_assert_cmpint (fill_at (&a, "2024-06-03T23:00:00Z", 100000, 110000), ==, QL_ACCOUNT_CONTINUE);
  /* Next day: base max(100,000, 110,000) = 110,000; 5 % of it = 5,500;
   * limit 104,500. Equity 104,000 breaks "higher" only (initial: 95,000). */
  g_assert_cmpint (clock_at (&a, "2024-06-04T08:00:00Z", 100000, 104000), ==, QL_ACCOUNT_CONTINUE);
  g_assert_cmpuint (n_events (&a), ==, 1);
  g_assert_cmpstr (event (&a, 0)->rule, ==, "higher");
  g_assert_cmpfloat_with_epsilon (event (&a, 0)->limit, 104500, 1e-9);
  /* RECORD re-arms when back inside, and records again below. */
  g_assert_cmpint (clock_at (&a, "2024-06-04T09:00:00Z", 100000, 104600), ==, QL_ACCOUNT_CONTINUE);
  g_assert_cmpint (clock_at (&a, "2024-06-04T10:00:00Z", 100000, 94999), ==, QL_ACCOUNT_CONTINUE);
  g_assert_cmpuint (n_events (&a), ==, 3);
  g_assert_cmpstr (event (&a, 1)->rule, ==, "higher");
  g_assert_cmpstr (event (&a, 2)->rule, ==, "initial");
  g_assert_cmpfloat (event (&a, 2)->limit, ==, 95000);
  g_assert_cmpint (ql_rules_verdict (a.rules, NULL).outcome, ==, QL_RULES_RUNNING);
  account_clear (&a);
}

/* ---- resets across DST ---------------------------------------------- */

/* A daily loss of 5 % of 100,000 recording its events: the balance moves
 * from 100,000 to 102,000 late on the day before @reset, so equity 96,999
 * breaks the new day's limit (97,000) but not the old one (95,000). */
static void
check_reset (const char *zone, int start_min, const char *before, const char *late,
             const char *after, gint64 expected_day)
{
  g_autoptr (QlRulesConfig) config = config_with_day (zone, start_min);
  QlRuleConfig *r = ql_rules_config_add (config, QL_RULE_DAILY_LOSS);
  Account a;

  r->action = QL_RULE_ACTION_RECORD;
  account_init (&a, config, 100000);
  g_assert_cmpint (clock_at (&a, late, 100000, 100000), ==, QL_ACCOUNT_CONTINUE);
  g_assert_cmpint (fill_at (&a, late, 102000, 102000), ==, QL_ACCOUNT_CONTINUE);
  g_assert_cmpint (clock_at (&a, before, 102000, 96999), ==, QL_ACCOUNT_CONTINUE);
  g_assert_cmpuint (n_events (&a), ==, 0);
  g_assert_cmpint (clock_at (&a, after, 102000, 96999), ==, QL_ACCOUNT_CONTINUE);
  g_assert_cmpuint (n_events (&a), ==, 1);
  g_assert_cmpfloat (event (&a, 0)->limit, ==, 97000);
  g_assert_cmpint (event (&a, 0)->day, ==, expected_day);
  account_clear (&a);
}

static void
test_reset_dst_prague (void)
{
  g_test_summary ("Europe/Prague springs forward on Sunday 31 March 2024: Monday's 00:00 "
                  "reset is 22:00Z (CEST, +2), not 23:00Z as a fixed CET offset would say");
  check_reset ("Europe/Prague", 0, "2024-03-31T21:59:59Z", "2024-03-31T21:00:00Z",
               "2024-03-31T22:30:00Z", civil_days (2024, 4, 1));
  /* And it falls back on 27 October 2024: Monday's reset is 23:00Z (CET). */
  check_reset ("Europe/Prague", 0, "2024-10-27T22:59:59Z", "2024-10-27T22:00:00Z",
               "2024-10-27T23:00:00Z", civil_days (2024, 10, 28));
}

static void
test_reset_dst_chicago (void)
{
  g_test_summary ("America/Chicago springs forward on Sunday 10 March 2024: Topstep's "
                  "17:00 CT day starts at 22:00Z (CDT, −5), an hour before Friday's 23:00Z; "
                  "the day is named after the next date, Monday 11 March");
  check_reset ("America/Chicago", 17 * 60, "2024-03-10T21:59:59Z", "2024-03-10T21:00:00Z",
               "2024-03-10T22:00:00Z", civil_days (2024, 3, 11));
}

static void
test_reset_dst_new_york (void)
{
  g_test_summary ("America/New_York falls back on Sunday 3 November 2024: Apex's 18:00 ET "
                  "day starts at 23:00Z (EST, −5); at 22:30Z, where a fixed EDT offset "
                  "would already have reset, it is still 17:30 and the old day");
  check_reset ("America/New_York", 18 * 60, "2024-11-03T22:30:00Z", "2024-11-03T21:00:00Z",
               "2024-11-03T23:00:00Z", civil_days (2024, 11, 4));
}

/* ---- maximum loss ---------------------------------------------------- */

static void
test_max_loss_ftmo_static (void)
{
  g_autoptr (QlRulesConfig) config = config_with_day ("Europe/Prague", 0);
  QlRuleConfig *r = ql_rules_config_add (config, QL_RULE_MAX_LOSS);
  Account a;

  g_test_summary ("FTMO $100,000: equity may never be below $90,000; a $92,000 balance with "
                  "a $2,001 floating loss (equity $89,999) breaks the rule, $90,000 does not");
  r->max_loss.mode = QL_MAX_LOSS_STATIC;
  r->max_loss.amount.kind = QL_RULE_AMOUNT_PERCENT_INITIAL;
  r->max_loss.amount.value = 10;
  r->breach_if = QL_RULE_CMP_LT;
  account_init (&a, config, 100000);
  a.position[2] = 1;
  g_assert_cmpint (clock_at (&a, "2024-05-06T10:00:00+02:00", 92000, 90000), ==, QL_ACCOUNT_CONTINUE);
  /* A profitable week later changes nothing: the floor is static. */
  g_assert_cmpint (clock_at (&a, "2024-05-13T10:00:00+02:00", 92000, 90000), ==, QL_ACCOUNT_CONTINUE);
  g_assert_cmpint (clock_at (&a, "2024-05-13T10:00:01+02:00", 92000, 89999), ==, QL_ACCOUNT_FLATTEN_DISABLE);
  g_assert_cmpfloat (event (&a, 0)->limit, ==, 90000);
  g_assert_cmpfloat (event (&a, 0)->value, ==, 89999);
  account_clear (&a);
}

/* Probes the floor of a RECORD max-loss rule: the event made by a value a
 * cent below the expected floor carries the floor itself. */
static void
probe_floor (Account *a, const char *iso, double balance, double floor_)
{
  guint n = n_events (a);
  g_assert_cmpint (clock_at (a, iso, floor_, floor_), ==, QL_ACCOUNT_CONTINUE);
  g_assert_cmpuint (n_events (a), ==, n);
  g_assert_cmpint (clock_at (a, iso, floor_ - 0.01, floor_ - 0.01), ==, QL_ACCOUNT_CONTINUE);
  g_assert_cmpuint (n_events (a), ==, n + 1);
  g_assert_cmpfloat_with_epsilon (event (a, n)->limit, floor_, 1e-9);
  /* Back above: re-armed for the next probe. */
  g_assert_cmpint (clock_at (a, iso, balance, balance), ==, QL_ACCOUNT_CONTINUE);
}

static void
test_max_loss_ftmo_eod (void)
{
  g_autoptr (QlRulesConfig) config = config_with_day ("Europe/Prague", 0);
  QlRuleConfig *r = ql_rules_config_add (config, QL_RULE_MAX_LOSS);
  Account a;

  g_test_summary ("FTMO 1-Step, $100,000: day 1 limit $90,000; $104,000 at the first "
                  "midnight gives $94,000; $103,000 at the next keeps $94,000; intraday "
                  "equity never moves the floor");
  r->max_loss.mode = QL_MAX_LOSS_TRAIL_END_OF_DAY;
  r->action = QL_RULE_ACTION_RECORD;
  account_init (&a, config, 100000);
  probe_floor (&a, "2024-05-06T10:00:00+02:00", 100000, 90000);
  /* Equity peaks at 120,000 intraday: no effect on an end-of-day floor. */
  g_assert_cmpint (clock_at (&a, "2024-05-06T12:00:00+02:00", 100000, 120000), ==, QL_ACCOUNT_CONTINUE);
  g_assert_cmpint (fill_at (&a, "2024-05-06T20:00:00+02:00", 104000, 104000), ==, QL_ACCOUNT_CONTINUE);
  probe_floor (&a, "2024-05-06T23:00:00+02:00", 104000, 90000);
  probe_floor (&a, "2024-05-07T10:00:00+02:00", 104000, 94000);
  g_assert_cmpint (fill_at (&a, "2024-05-07T20:00:00+02:00", 103000, 103000), ==, QL_ACCOUNT_CONTINUE);
  probe_floor (&a, "2024-05-08T10:00:00+02:00", 103000, 94000);
  account_clear (&a);
}

static void
test_max_loss_topstep_mll (void)
{
  g_autoptr (QlRulesConfig) config = config_with_day ("America/Chicago", 17 * 60);
  QlRuleConfig *r = ql_rules_config_add (config, QL_RULE_MAX_LOSS);
  Account a;

  g_test_summary ("Topstep 50K MLL ($2,000): +$500 → $48,500; −$500 keeps $48,500; "
                  "+$2,500 → balance $52,500 → $50,000, where it stays for good");
  r->max_loss.mode = QL_MAX_LOSS_TRAIL_END_OF_DAY;
  r->max_loss.amount.kind = QL_RULE_AMOUNT_ABSOLUTE;
  r->max_loss.amount.value = 2000;
  r->max_loss.lock = TRUE;
  r->max_loss.lock_offset = 0;
  r->max_loss.compare = QL_RULE_VALUE_BALANCE;
  r->action = QL_RULE_ACTION_RECORD;
  account_init (&a, config, 50000);
  /* Trading days of Tue 4 .. Fri 7 June 2024 (each from 17:00 CDT the day before). */
  probe_floor (&a, "2024-06-04T08:00:00-05:00", 50000, 48000);
  g_assert_cmpint (fill_at (&a, "2024-06-04T14:00:00-05:00", 50500, 50500), ==, QL_ACCOUNT_CONTINUE);
  probe_floor (&a, "2024-06-05T08:00:00-05:00", 50500, 48500);
  g_assert_cmpint (fill_at (&a, "2024-06-05T14:00:00-05:00", 50000, 50000), ==, QL_ACCOUNT_CONTINUE);
  probe_floor (&a, "2024-06-06T08:00:00-05:00", 50000, 48500);
  g_assert_cmpint (fill_at (&a, "2024-06-06T14:00:00-05:00", 52500, 52500), ==, QL_ACCOUNT_CONTINUE);
  probe_floor (&a, "2024-06-07T08:00:00-05:00", 52500, 50000);
  g_assert_cmpint (fill_at (&a, "2024-06-07T14:00:00-05:00", 60000, 60000), ==, QL_ACCOUNT_CONTINUE);
  probe_floor (&a, "2024-06-10T08:00:00-05:00", 60000, 50000);
  account_clear (&a);
}

static void
test_max_loss_apex_intraday (void)
{
  g_autoptr (QlRulesConfig) config = config_with_day ("America/New_York", 18 * 60);
  QlRuleConfig *r = ql_rules_config_add (config, QL_RULE_MAX_LOSS);
  Account a;

  g_test_summary ("Apex 50K intraday trailing threshold ($2,000, 2026): the peak includes "
                  "unrealised profit, so a winner that gives back raises the floor before "
                  "it closes; touching the threshold fails");
  r->max_loss.mode = QL_MAX_LOSS_TRAIL_INTRADAY;
  r->max_loss.amount.kind = QL_RULE_AMOUNT_ABSOLUTE;
  r->max_loss.amount.value = 2000;
  r->max_loss.compare = QL_RULE_VALUE_EQUITY;
  r->breach_if = QL_RULE_CMP_LE;
  account_init (&a, config, 50000);
  a.position[0] = 1;
  /* Floating +1,000: the floor rises from 48,000 to 49,000 on a closed
   * balance still at 50,000. */
  g_assert_cmpint (clock_at (&a, "2024-06-04T10:00:00-04:00", 50000, 51000), ==, QL_ACCOUNT_CONTINUE);
  g_assert_cmpint (clock_at (&a, "2024-06-04T10:05:00-04:00", 50000, 49000.01), ==, QL_ACCOUNT_CONTINUE);
  g_assert_cmpint (clock_at (&a, "2024-06-04T10:10:00-04:00", 50000, 49000), ==, QL_ACCOUNT_FLATTEN_DISABLE);
  g_assert_cmpfloat (event (&a, 0)->limit, ==, 49000);
  g_assert_cmpint (ql_rules_verdict (a.rules, NULL).outcome, ==, QL_RULES_FAILED);
  account_clear (&a);
}

static void
test_max_loss_apex_lock (void)
{
  g_autoptr (QlRulesConfig) config = config_with_day ("America/New_York", 18 * 60);
  QlRuleConfig *r = ql_rules_config_add (config, QL_RULE_MAX_LOSS);
  Account a;

  g_test_summary ("Apex Performance Account, 50K, $2,000: the threshold stops trailing at "
                  "C0 + $100 = $50,100, reached when the peak is $52,100");
  r->max_loss.mode = QL_MAX_LOSS_TRAIL_INTRADAY;
  r->max_loss.amount.kind = QL_RULE_AMOUNT_ABSOLUTE;
  r->max_loss.amount.value = 2000;
  r->max_loss.lock = TRUE;
  r->max_loss.lock_offset = 100;
  r->breach_if = QL_RULE_CMP_LE;
  r->action = QL_RULE_ACTION_RECORD;
  account_init (&a, config, 50000);
  g_assert_cmpint (clock_at (&a, "2024-06-04T10:00:00-04:00", 52000, 52000), ==, QL_ACCOUNT_CONTINUE);
  /* Peak 52,000: floor 50,000; equity 50,000 touches it. */
  g_assert_cmpint (clock_at (&a, "2024-06-04T10:01:00-04:00", 52000, 50000), ==, QL_ACCOUNT_CONTINUE);
  g_assert_cmpuint (n_events (&a), ==, 1);
  g_assert_cmpfloat (event (&a, 0)->limit, ==, 50000);
  g_assert_cmpint (clock_at (&a, "2024-06-04T10:02:00-04:00", 52100, 52100), ==, QL_ACCOUNT_CONTINUE);
  g_assert_cmpint (clock_at (&a, "2024-06-04T10:03:00-04:00", 55000, 55000), ==, QL_ACCOUNT_CONTINUE);
  /* Peak 55,000 would give 53,000; locked at 50,100. */
  g_assert_cmpint (clock_at (&a, "2024-06-04T10:04:00-04:00", 55000, 50100.01), ==, QL_ACCOUNT_CONTINUE);
  g_assert_cmpuint (n_events (&a), ==, 1);
  g_assert_cmpint (clock_at (&a, "2024-06-04T10:05:00-04:00", 55000, 50100), ==, QL_ACCOUNT_CONTINUE);
  g_assert_cmpuint (n_events (&a), ==, 2);
  g_assert_cmpfloat (event (&a, 1)->limit, ==, 50100);
  account_clear (&a);
}

/* ---- objectives ------------------------------------------------------ */

static QlRulesConfig *
challenge_config (double target_percent, double best_day_percent, QlRuleCmp cmp)
{
  QlRulesConfig *config = config_with_day ("Europe/Prague", 0);
  QlRuleConfig *r = ql_rules_config_add (config, QL_RULE_PROFIT_TARGET);
  r->target.amount.value = target_percent;
  r = ql_rules_config_add (config, QL_RULE_CONSISTENCY);
  r->consistency.percent = best_day_percent;
  r->breach_if = cmp;
  return config;
}

static void
test_consistency_ftmo_best_day (void)
{
  g_autoptr (QlRulesConfig) config = challenge_config (10, 50, QL_RULE_CMP_GT);
  Account a;
  QlRulesVerdict v;

  g_test_summary ("FTMO Best Day Rule (<= 50 %): one day of $5,000 is 100 %; another "
                  "$5,000 on other days makes exactly 50 %, which passes");
  account_init (&a, config, 100000);
  /* Mon +5,000, Tue +2,500, Wed +2,500 (Prague days, May 2024, CEST). */
  g_assert_cmpint (fill_at (&a, "2024-05-06T10:00:00+02:00", 105000, 105000), ==, QL_ACCOUNT_CONTINUE);
  v = ql_rules_verdict (a.rules, NULL);
  g_assert_cmpint (v.outcome, ==, QL_RULES_RUNNING);
  g_assert_false (v.consistency_met); /* 5,000 > 50 % of 5,000 */
  g_assert_cmpint (fill_at (&a, "2024-05-07T10:00:00+02:00", 107500, 107500), ==, QL_ACCOUNT_CONTINUE);
  g_assert_cmpint (fill_at (&a, "2024-05-08T10:00:00+02:00", 110000, 110000), ==, QL_ACCOUNT_CONTINUE);
  /* Target 110,000 met flat; best 5,000 <= 0.5 × 10,000. */
  v = ql_rules_verdict (a.rules, NULL);
  g_assert_cmpint (v.outcome, ==, QL_RULES_PASSED);
  g_assert_cmpint (v.time, ==, at ("2024-05-08T10:00:00+02:00"));
  g_assert_cmpint (v.day, ==, civil_days (2024, 5, 8));
  g_assert_cmpfloat (v.best_day, ==, 5000);
  g_assert_cmpfloat (v.net_profit, ==, 10000);
  g_assert_true (v.consistency_met);
  g_assert_cmpuint (n_events (&a), ==, 0);
  account_clear (&a);
}

static void
test_consistency_blocks_pass (void)
{
  g_autoptr (QlRulesConfig) config = challenge_config (10, 50, QL_RULE_CMP_GT);
  Account a;
  QlRulesVerdict v;

  g_test_summary ("A target reached with an $8,000 best day of $10,000 is not a pass (80 %); "
                  "trading on to $16,000 brings it to exactly 50 % and passes then");
  account_init (&a, config, 100000);
  g_assert_cmpint (fill_at (&a, "2024-05-06T10:00:00+02:00", 108000, 108000), ==, QL_ACCOUNT_CONTINUE);
  g_assert_cmpint (fill_at (&a, "2024-05-07T10:00:00+02:00", 110000, 110000), ==, QL_ACCOUNT_CONTINUE);
  g_assert_cmpint (ql_rules_verdict (a.rules, NULL).outcome, ==, QL_RULES_RUNNING);
  g_assert_cmpuint (n_events (&a), ==, 1);
  g_assert_cmpstr (event (&a, 0)->rule, ==, "consistency");
  g_assert_cmpfloat (event (&a, 0)->value, ==, 8000);
  g_assert_cmpfloat (event (&a, 0)->limit, ==, 5000);
  g_assert_cmpint (fill_at (&a, "2024-05-08T10:00:00+02:00", 113000, 113000), ==, QL_ACCOUNT_CONTINUE);
  g_assert_cmpint (fill_at (&a, "2024-05-09T10:00:00+02:00", 116000, 116000), ==, QL_ACCOUNT_CONTINUE);
  v = ql_rules_verdict (a.rules, NULL);
  g_assert_cmpint (v.outcome, ==, QL_RULES_PASSED);
  g_assert_cmpint (v.day, ==, civil_days (2024, 5, 9));
  g_assert_cmpuint (n_events (&a), ==, 1);
  account_clear (&a);
}

static void
test_consistency_strict_and_denominators (void)
{
  g_autoptr (QlRulesConfig) strict = challenge_config (6, 40, QL_RULE_CMP_GE);
  g_autoptr (QlRulesConfig) positive = challenge_config (1.5, 50, QL_RULE_CMP_GT);
  Account a;

  g_test_summary ("Topstep (< 40 %, strict): a best day of exactly 40 % fails, $900 of "
                  "$2,800 (32 %) passes; net-profit vs positive-days denominators differ "
                  "after a losing day");
  /* 50K, target 6 % = 3,000. Days: +1,200, +900, +900 → 3,000, best 40 %. */
  account_init (&a, strict, 50000);
  fill_at (&a, "2024-05-06T10:00:00+02:00", 51200, 51200);
  fill_at (&a, "2024-05-07T10:00:00+02:00", 52100, 52100);
  fill_at (&a, "2024-05-08T10:00:00+02:00", 53000, 53000);
  g_assert_cmpint (ql_rules_verdict (a.rules, NULL).outcome, ==, QL_RULES_RUNNING);
  g_assert_cmpuint (n_events (&a), ==, 1);
  g_assert_cmpfloat (event (&a, 0)->limit, ==, 1200); /* 40 % of 3,000 */
  /* +200 more: best 1,200 of 3,200 = 37.5 % < 40 %. */
  fill_at (&a, "2024-05-09T10:00:00+02:00", 53200, 53200);
  g_assert_cmpint (ql_rules_verdict (a.rules, NULL).outcome, ==, QL_RULES_PASSED);
  account_clear (&a);

  /* Days +1,000, −500, +1,000 on 100K with a 1.5 % (1,500) target: net
   * 1,500 and best 1,000 (66.7 % > 50 %), but positive days sum 2,000
   * (exactly 50 %). */
  account_init (&a, positive, 100000);
  fill_at (&a, "2024-05-06T10:00:00+02:00", 101000, 101000);
  fill_at (&a, "2024-05-07T10:00:00+02:00", 100500, 100500);
  fill_at (&a, "2024-05-08T10:00:00+02:00", 101500, 101500);
  g_assert_cmpint (ql_rules_verdict (a.rules, NULL).outcome, ==, QL_RULES_RUNNING);
  g_assert_cmpfloat (event (&a, 0)->limit, ==, 750);
  account_clear (&a);
  positive->rules[1].consistency.denominator = QL_CONSISTENCY_SUM_POSITIVE_DAYS;
  account_init (&a, positive, 100000);
  fill_at (&a, "2024-05-06T10:00:00+02:00", 101000, 101000);
  fill_at (&a, "2024-05-07T10:00:00+02:00", 100500, 100500);
  fill_at (&a, "2024-05-08T10:00:00+02:00", 101500, 101500);
  g_assert_cmpint (ql_rules_verdict (a.rules, NULL).outcome, ==, QL_RULES_PASSED);
  g_assert_cmpuint (n_events (&a), ==, 0);
  account_clear (&a);
}

static void
test_consistency_payout (void)
{
  g_autoptr (QlRulesConfig) config = config_with_day ("America/New_York", 18 * 60);
  QlRuleConfig *r = ql_rules_config_add (config, QL_RULE_CONSISTENCY);
  Account a;
  char reason[160];

  g_test_summary ("Apex 30 % (exactly 30 % passes) since the last approved payout: "
                  "refused at 70 %, granted at 30 %, and the window restarts after it");
  r->consistency.percent = 30;
  r->consistency.window = QL_CONSISTENCY_SINCE_LAST_PAYOUT;
  r->consistency.consequence = QL_CONSISTENCY_BLOCKS_PAYOUT;
  account_init (&a, config, 50000);
  fill_at (&a, "2024-06-04T10:00:00-04:00", 50300, 50300);
  fill_at (&a, "2024-06-05T10:00:00-04:00", 51000, 51000);
  {
    QlAccountView v = view (&a, at ("2024-06-05T12:00:00-04:00"), 51000, 51000);
    g_assert_false (ql_rules_request_payout (a.rules, &v, reason, sizeof reason));
    g_assert_nonnull (strstr (reason, "best day 700.00"));
    g_assert_cmpuint (n_events (&a), ==, 1);
  }
  account_clear (&a);

  account_init (&a, config, 50000);
  /* +300, +300, +300, +100: best 300 of 1,000 = 30 % exactly. */
  fill_at (&a, "2024-06-04T10:00:00-04:00", 50300, 50300);
  fill_at (&a, "2024-06-05T10:00:00-04:00", 50600, 50600);
  fill_at (&a, "2024-06-06T10:00:00-04:00", 50900, 50900);
  fill_at (&a, "2024-06-07T10:00:00-04:00", 51000, 51000);
  {
    QlAccountView v = view (&a, at ("2024-06-07T12:00:00-04:00"), 51000, 51000);
    g_assert_true (ql_rules_request_payout (a.rules, &v, reason, sizeof reason));
    g_assert_cmpuint (n_events (&a), ==, 0);
  }
  /* New window: +500 the next trading day is 100 % of 500. */
  fill_at (&a, "2024-06-10T10:00:00-04:00", 51500, 51500);
  {
    QlAccountView v = view (&a, at ("2024-06-10T12:00:00-04:00"), 51500, 51500);
    g_assert_false (ql_rules_request_payout (a.rules, &v, reason, sizeof reason));
    g_assert_cmpfloat (event (&a, 0)->value, ==, 500);
    g_assert_cmpfloat (event (&a, 0)->limit, ==, 150);
  }
  account_clear (&a);
}

static void
test_min_trading_days (void)
{
  g_autoptr (QlRulesConfig) config = config_with_day ("Europe/Prague", 0);
  QlRuleConfig *r = ql_rules_config_add (config, QL_RULE_MIN_TRADING_DAYS);
  Account a;
  QlRulesVerdict v;

  g_test_summary ("FTMO: 4 days on which a position is opened; a position held over days "
                  "counts once; the target reached on day 3 passes only on day 4");
  r->min_days.days = 4;
  r = ql_rules_config_add (config, QL_RULE_PROFIT_TARGET);
  r->target.amount.value = 10;
  account_init (&a, config, 100000);
  /* Mon: open. Tue: still holding. Wed: close with +6,000, open again. */
  a.position[0] = 1;
  fill_at (&a, "2024-05-06T10:00:00+02:00", 100000, 100000);
  clock_at (&a, "2024-05-07T10:00:00+02:00", 100000, 103000);
  a.position[0] = 0;
  fill_at (&a, "2024-05-08T10:00:00+02:00", 106000, 106000);
  a.position[0] = -1;
  fill_at (&a, "2024-05-08T11:00:00+02:00", 106000, 106000);
  /* Thu: close +5,000 (target 110,000 met flat) — 2 days so far (Mon, Wed). */
  a.position[0] = 0;
  fill_at (&a, "2024-05-09T10:00:00+02:00", 111000, 111000);
  v = ql_rules_verdict (a.rules, NULL);
  g_assert_cmpint (v.outcome, ==, QL_RULES_RUNNING);
  g_assert_cmpuint (v.trading_days, ==, 2);
  g_assert_false (v.min_days_met);
  /* Thu again and Fri: a round trip each. */
  a.position[1] = 1;
  fill_at (&a, "2024-05-09T11:00:00+02:00", 111000, 111000);
  a.position[1] = 0;
  fill_at (&a, "2024-05-09T12:00:00+02:00", 111000, 111000);
  g_assert_cmpuint (ql_rules_verdict (a.rules, NULL).trading_days, ==, 3);
  a.position[1] = 2;
  fill_at (&a, "2024-05-10T11:00:00+02:00", 111000, 111000);
  /* Four days, but a position is open: the target wants flat. */
  g_assert_cmpint (ql_rules_verdict (a.rules, NULL).outcome, ==, QL_RULES_RUNNING);
  a.position[1] = 0;
  fill_at (&a, "2024-05-10T12:00:00+02:00", 110500, 110500);
  v = ql_rules_verdict (a.rules, NULL);
  g_assert_cmpint (v.outcome, ==, QL_RULES_PASSED);
  g_assert_cmpuint (v.trading_days, ==, 4);
  g_assert_cmpint (v.time, ==, at ("2024-05-10T12:00:00+02:00"));
  account_clear (&a);
}

static void
test_min_trading_days_definitions (void)
{
  g_autoptr (QlRulesConfig) config = config_with_day ("UTC", 0);
  QlRuleConfig *r = ql_rules_config_add (config, QL_RULE_MIN_TRADING_DAYS);
  Account a;

  g_test_summary ("Alpha Capital/FTT: a trade opened Monday and closed Thursday is one "
                  "trading day; payout days count only a day's P&L of $200 or more");
  r->min_days.days = 5;
  r->min_days.definition = QL_TRADING_DAY_CLOSED;
  account_init (&a, config, 50000);
  a.position[0] = 1;
  fill_at (&a, "2024-05-06T10:00:00Z", 50000, 50000);
  clock_at (&a, "2024-05-07T10:00:00Z", 50000, 50100);
  clock_at (&a, "2024-05-08T10:00:00Z", 50000, 50100);
  g_assert_cmpuint (ql_rules_verdict (a.rules, NULL).trading_days, ==, 0);
  a.position[0] = 0;
  fill_at (&a, "2024-05-09T10:00:00Z", 50300, 50300);
  g_assert_cmpuint (ql_rules_verdict (a.rules, NULL).trading_days, ==, 1);
  account_clear (&a);

  r = &config->rules[0];
  r->min_days.definition = QL_TRADING_DAY_MIN_NET_PNL;
  r->min_days.min_pnl = 200;
  account_init (&a, config, 50000);
  fill_at (&a, "2024-05-06T10:00:00Z", 50200, 50200);  /* +200: counts */
  fill_at (&a, "2024-05-07T10:00:00Z", 50399, 50399);  /* +199: does not */
  fill_at (&a, "2024-05-08T10:00:00Z", 51000, 51000);  /* +601: counts (today, provisional) */
  g_assert_cmpuint (ql_rules_verdict (a.rules, NULL).trading_days, ==, 2);
  fill_at (&a, "2024-05-08T12:00:00Z", 50500, 50500);  /* now +101 today */
  g_assert_cmpuint (ql_rules_verdict (a.rules, NULL).trading_days, ==, 1);
  account_clear (&a);
}

/* ---- order rules ----------------------------------------------------- */

static void
test_allowlist (void)
{
  g_autoptr (QlRulesConfig) config = ql_rules_config_new ();
  QlRuleConfig *r = ql_rules_config_add (config, QL_RULE_ALLOWLIST);
  const char *const patterns[] = { "CME:ES", "mes*", NULL };
  Account a;
  char reason[160];

  g_test_summary ("Orders for symbols off the allowlist are refused with a reason; closing "
                  "an existing position in one is allowed; one event per day");
  r->allowlist.symbols = g_strdupv ((char **) patterns);
  account_init (&a, config, 50000);
  g_assert_true (order_at (&a, "2024-05-06T10:00:00Z", 0, 1, reason));
  g_assert_true (order_at (&a, "2024-05-06T10:00:00Z", 1, -3, reason));
  g_assert_false (order_at (&a, "2024-05-06T10:00:00Z", 2, 1, reason));
  g_assert_cmpstr (reason, ==, "allowlist: NYMEX:CL is not on the instrument allowlist");
  g_assert_false (order_at (&a, "2024-05-06T11:00:00Z", 2, -1, reason));
  g_assert_cmpuint (n_events (&a), ==, 1);
  g_assert_cmpuint (event (&a, 0)->symbol, ==, 2);
  g_assert_cmpint (event (&a, 0)->action, ==, QL_RULE_ACTION_REJECT);
  a.position[2] = 2; /* held from before the rules (a live account) */
  g_assert_true (order_at (&a, "2024-05-06T12:00:00Z", 2, -2, reason));
  account_clear (&a);

  /* A forbidden symbol that fails the account. */
  config->rules[0].action = QL_RULE_ACTION_FAIL;
  account_init (&a, config, 50000);
  g_assert_false (order_at (&a, "2024-05-06T10:00:00Z", 2, 1, reason));
  g_assert_cmpint (clock_at (&a, "2024-05-06T10:00:01Z", 50000, 50000), ==, QL_ACCOUNT_FLATTEN_DISABLE);
  g_assert_false (order_at (&a, "2024-05-07T10:00:00Z", 0, 1, reason));
  g_assert_nonnull (strstr (reason, "account disabled"));
  g_assert_cmpint (ql_rules_verdict (a.rules, NULL).outcome, ==, QL_RULES_FAILED);
  account_clear (&a);
}

static void
test_order_size (void)
{
  g_autoptr (QlRulesConfig) config = ql_rules_config_new ();
  QlRuleConfig *r = ql_rules_config_add (config, QL_RULE_MAX_ORDER);
  Account a;
  char reason[160];

  g_test_summary ("An order of 5 passes a cap of 5 with > and is refused with >=; 6 is "
                  "refused either way");
  r->size.max = 5;
  account_init (&a, config, 50000);
  g_assert_true (order_at (&a, "2024-05-06T10:00:00Z", 0, 5, reason));
  g_assert_true (order_at (&a, "2024-05-06T10:00:00Z", 0, -5, reason));
  g_assert_false (order_at (&a, "2024-05-06T10:00:00Z", 0, 6, reason));
  g_assert_cmpstr (reason, ==, "max_order: CME:ES order size 6 > cap 5");
  account_clear (&a);
  config->rules[0].breach_if = QL_RULE_CMP_GE;
  account_init (&a, config, 50000);
  g_assert_false (order_at (&a, "2024-05-06T10:00:00Z", 0, 5, reason));
  g_assert_true (order_at (&a, "2024-05-06T10:00:00Z", 0, 4, reason));
  account_clear (&a);
}

static void
test_position_size (void)
{
  g_autoptr (QlRulesConfig) config = ql_rules_config_new ();
  QlRuleConfig *r = ql_rules_config_add (config, QL_RULE_MAX_POSITION);
  QlSizeTier tiers[] = { { 0, 2 }, { 1500.01, 3 }, { 2000.01, 5 } };
  const char *const micro[] = { "MES", NULL };
  double weights[] = { 0.1 };
  Account a;
  char reason[160];

  g_test_summary ("Topstep 50K scaling plan (2 contracts; 3 above $1,500; 5 above $2,000 "
                  "of end-of-day profit), total over symbols with a micro as a tenth: "
                  "checked before orders and after fills, never rising within the day");
  r->size.scope = QL_SIZE_TOTAL;
  r->size.tiers = g_memdup2 (tiers, sizeof tiers);
  r->size.n_tiers = 3;
  r->size.weight_symbols = g_strdupv ((char **) micro);
  r->size.weights = g_memdup2 (weights, sizeof weights);
  account_init (&a, config, 50000);
  clock_at (&a, "2024-05-06T10:00:00Z", 50000, 50000);
  /* 1 ES + 10 MES = 2 contracts: allowed; one more MES is 2.1 > 2. */
  a.position[0] = 1;
  g_assert_true (order_at (&a, "2024-05-06T10:01:00Z", 1, 10, reason));
  a.position[1] = 10;
  g_assert_false (order_at (&a, "2024-05-06T10:02:00Z", 1, 1, reason));
  g_assert_nonnull (strstr (reason, "account position after the order 2.1 > cap 2"));
  /* Reducing is always allowed. */
  g_assert_true (order_at (&a, "2024-05-06T10:03:00Z", 0, -1, reason));
  /* Profit today does not raise today's cap. */
  g_assert_false (order_at (&a, "2024-05-06T18:00:00Z", 0, 1, reason));
  /* A fill past the cap (the run did not ask) is a violation on fill. */
  a.position[0] = 3;
  g_assert_cmpint (fill_at (&a, "2024-05-06T19:00:00Z", 51600, 51600), ==, QL_ACCOUNT_CONTINUE);
  /* The 18:00 refusal was not a second event (one per day); the fill is:
   * 3 ES + 10 MES × 0.1 = 4 > 2. */
  g_assert_cmpuint (n_events (&a), ==, 2);
  g_assert_cmpfloat_with_epsilon (event (&a, 1)->value, 4, 1e-9);
  g_assert_cmpfloat (event (&a, 1)->limit, ==, 2);
  /* Next day: start-of-day profit 1,600 → cap 3. */
  a.position[0] = 2;
  g_assert_cmpint (fill_at (&a, "2024-05-07T10:00:00Z", 51600, 51600), ==, QL_ACCOUNT_CONTINUE);
  g_assert_cmpuint (n_events (&a), ==, 2); /* 2 + 1 = 3, not above 3 */
  account_clear (&a);
}

static void
test_trading_hours (void)
{
  g_autoptr (QlRulesConfig) config = config_with_day ("America/Chicago", 17 * 60);
  QlRuleConfig *r = ql_rules_config_add (config, QL_RULE_TRADING_HOURS);
  Account a;
  char reason[160];

  g_test_summary ("Topstep: trading 5:00 PM to 3:10 PM CT, Monday to Friday closes, flat by "
                  "3:10; a position held after it is flattened and blocked until 5:00 PM; "
                  "Saturday is closed and Sunday 5:00 PM opens Monday's session");
  g_free (r->hours.zone);
  r->hours.zone = g_strdup ("America/Chicago");
  r->hours.open_min = 17 * 60;
  r->hours.close_min = 15 * 60 + 10;
  r->action = QL_RULE_ACTION_FLATTEN_BLOCK;
  account_init (&a, config, 50000);
  /* Wednesday 5 June 2024, CDT. */
  g_assert_true (order_at (&a, "2024-06-05T10:00:00-05:00", 0, 1, reason));
  a.position[0] = 1;
  g_assert_cmpint (fill_at (&a, "2024-06-05T10:00:01-05:00", 50000, 50000), ==, QL_ACCOUNT_CONTINUE);
  g_assert_cmpint (clock_at (&a, "2024-06-05T15:09:59-05:00", 50000, 50000), ==, QL_ACCOUNT_CONTINUE);
  g_assert_cmpint (clock_at (&a, "2024-06-05T15:10:00-05:00", 50000, 50000), ==, QL_ACCOUNT_FLATTEN_BLOCK);
  g_assert_cmpuint (n_events (&a), ==, 1);
  g_assert_cmpint (event (&a, 0)->time, ==, at ("2024-06-05T15:10:00-05:00"));
  a.position[0] = 0;
  g_assert_cmpint (fill_at (&a, "2024-06-05T15:10:01-05:00", 50000, 50000), ==, QL_ACCOUNT_BLOCK_NEW);
  g_assert_false (order_at (&a, "2024-06-05T16:00:00-05:00", 0, 1, reason));
  g_assert_cmpint (clock_at (&a, "2024-06-05T17:00:00-05:00", 50000, 50000), ==, QL_ACCOUNT_CONTINUE);
  g_assert_true (order_at (&a, "2024-06-05T17:00:00-05:00", 0, 1, reason));
  /* Saturday: closed; an order is refused with the hours reason. */
  clock_at (&a, "2024-06-08T10:00:00-05:00", 50000, 50000);
  g_assert_false (order_at (&a, "2024-06-08T10:00:00-05:00", 0, 1, reason));
  g_assert_cmpstr (reason, ==, "trading_hours: CME:ES order outside trading hours");
  /* Sunday 16:59 closed, 17:00 open (Monday's session). */
  clock_at (&a, "2024-06-09T16:59:00-05:00", 50000, 50000);
  g_assert_false (order_at (&a, "2024-06-09T16:59:00-05:00", 0, 1, reason));
  clock_at (&a, "2024-06-09T17:00:00-05:00", 50000, 50000);
  g_assert_true (order_at (&a, "2024-06-09T17:00:00-05:00", 0, 1, reason));
  g_assert_cmpint (ql_rules_verdict (a.rules, NULL).outcome, ==, QL_RULES_RUNNING);
  account_clear (&a);
}

/* ---- validation ------------------------------------------------------ */

static void
test_validation (void)
{
  g_autoptr (QlRulesConfig) config = ql_rules_config_new ();
  QlRuleConfig *r;
  g_autoptr (GError) error = NULL;
  QlRules *rules;

  g_test_summary ("Bad configs are errors naming the rule: a floor with >, an unknown zone, "
                  "a zero amount, reject on a loss rule, duplicate names");
  r = ql_rules_config_add (config, QL_RULE_DAILY_LOSS);
  r->breach_if = QL_RULE_CMP_GT;
  rules = ql_rules_new (config, &error);
  g_assert_null (rules);
  g_assert_error (error, QL_RULES_ERROR, QL_RULES_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==, "rule \"daily_loss\" (daily_loss): breach_if must be \"<\" or \"<=\" (the figure falls to a floor)");
  g_clear_error (&error);
  r->breach_if = QL_RULE_CMP_LE;
  r->action = QL_RULE_ACTION_REJECT;
  g_assert_null (ql_rules_new (config, &error));
  g_assert_nonnull (strstr (error->message, "action \"reject\" applies to orders"));
  g_clear_error (&error);
  r->action = QL_RULE_ACTION_FAIL;
  r->daily_loss.amount.value = 0;
  g_assert_null (ql_rules_new (config, &error));
  g_assert_nonnull (strstr (error->message, "amount must be positive"));
  g_clear_error (&error);
  r->daily_loss.amount.value = 5;
  ql_rules_config_add (config, QL_RULE_DAILY_LOSS);
  g_assert_null (ql_rules_new (config, &error));
  g_assert_cmpstr (error->message, ==, "rule \"daily_loss\" is named twice; names must be unique");
  g_clear_error (&error);
  config->n_rules = 1;
  g_free (config->rules[1].name);
  g_free (config->day_zone);
  config->day_zone = g_strdup ("Europe/Praha-not");
  g_assert_null (ql_rules_new (config, &error));
  g_assert_cmpstr (error->message, ==, "trading day: \"Europe/Praha-not\" is not a known IANA time zone");
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/rules/daily-loss/ftmo-monday-tuesday", test_daily_loss_ftmo_example);
  g_test_add_func ("/engine/rules/daily-loss/boundary", test_daily_loss_boundary);
  g_test_add_func ("/engine/rules/daily-loss/topstep-trailing-soft-breach", test_daily_loss_topstep_trailing);
  g_test_add_func ("/engine/rules/daily-loss/bases", test_daily_loss_bases);
  g_test_add_func ("/engine/rules/reset/dst-europe-prague", test_reset_dst_prague);
  g_test_add_func ("/engine/rules/reset/dst-america-chicago", test_reset_dst_chicago);
  g_test_add_func ("/engine/rules/reset/dst-america-new-york", test_reset_dst_new_york);
  g_test_add_func ("/engine/rules/max-loss/ftmo-static", test_max_loss_ftmo_static);
  g_test_add_func ("/engine/rules/max-loss/ftmo-end-of-day-trailing", test_max_loss_ftmo_eod);
  g_test_add_func ("/engine/rules/max-loss/topstep-mll-locks", test_max_loss_topstep_mll);
  g_test_add_func ("/engine/rules/max-loss/apex-intraday-unrealised", test_max_loss_apex_intraday);
  g_test_add_func ("/engine/rules/max-loss/apex-lock", test_max_loss_apex_lock);
  g_test_add_func ("/engine/rules/consistency/ftmo-best-day", test_consistency_ftmo_best_day);
  g_test_add_func ("/engine/rules/consistency/blocks-pass", test_consistency_blocks_pass);
  g_test_add_func ("/engine/rules/consistency/strict-and-denominators", test_consistency_strict_and_denominators);
  g_test_add_func ("/engine/rules/consistency/payout-window", test_consistency_payout);
  g_test_add_func ("/engine/rules/min-days/ftmo-opened", test_min_trading_days);
  g_test_add_func ("/engine/rules/min-days/definitions", test_min_trading_days_definitions);
  g_test_add_func ("/engine/rules/orders/allowlist", test_allowlist);
  g_test_add_func ("/engine/rules/orders/order-size", test_order_size);
  g_test_add_func ("/engine/rules/orders/position-size-tiers", test_position_size);
  g_test_add_func ("/engine/rules/hours/topstep-flat-by", test_trading_hours);
  g_test_add_func ("/engine/rules/config/validation", test_validation);
  return g_test_run ();
}
