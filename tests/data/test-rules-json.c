/* tests/data/test-rules-json.c — the rules JSON reader and the presets. */
#include "data/rules_json.h"

#include <glib/gstdio.h>

#include <string.h>

static QlRulesConfig *
load (const char *json, GError **error)
{
  return ql_rules_config_load_data (json, -1, "rules.json", error);
}

static void
test_presets_load (void)
{
  g_auto (GStrv) names = ql_rules_preset_list ();
  static const char *const expected[] = {
    "apex-eod-50k", "apex-intraday-50k", "apex-performance-50k", "blueguardian-2step-100k",
    "ftmo-1step-100k", "ftmo-2step-100k", "ftmo-2step-verification-100k", "ftt-2phase-100k",
    "fundingpips-2step-100k", "the5ers-high-stakes-100k", "topstep-100k", "topstep-150k", "topstep-50k",
  };

  g_test_summary ("Every shipped preset loads, validates, cites its sources and names its account size");
  for (gsize i = 0; i < G_N_ELEMENTS (expected); i++)
    g_assert_true (g_strv_contains ((const char *const *) names, expected[i]));
  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (QlRulesConfig) config = ql_rules_config_load_preset (names[i], &error);
      g_autoptr (QlRules) rules = NULL;
      g_assert_no_error (error);
      g_assert_nonnull (config);
      g_assert_nonnull (config->name);
      g_assert_nonnull (config->note);
      g_assert_nonnull (config->sources);
      g_assert_cmpuint (g_strv_length (config->sources), >=, 1);
      for (guint s = 0; config->sources[s] != NULL; s++)
        g_assert_true (g_str_has_prefix (config->sources[s], "https://"));
      g_assert_cmpfloat (config->initial_capital, >, 0);
      g_assert_cmpuint (config->n_rules, >=, 1);
      rules = ql_rules_new (config, &error);
      g_assert_no_error (error);
      g_assert_nonnull (rules);
    }
}

static void
test_preset_ftmo_contents (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (QlRulesConfig) c = ql_rules_config_load_preset ("ftmo-2step-100k.json", &error);

  g_test_summary ("The FTMO 2-Step preset reads as the firm publishes it: 5 % daily from the "
                  "balance at 00:00 Prague, 10 % static, target 10 %, four days");
  g_assert_no_error (error);
  g_assert_cmpstr (c->day_zone, ==, "Europe/Prague");
  g_assert_cmpint (c->day_start_min, ==, 0);
  g_assert_cmpuint (c->n_rules, ==, 4);
  g_assert_cmpint (c->rules[0].kind, ==, QL_RULE_DAILY_LOSS);
  g_assert_cmpint (c->rules[0].daily_loss.base, ==, QL_DAILY_BASE_START_BALANCE);
  g_assert_cmpint (c->rules[0].daily_loss.amount.kind, ==, QL_RULE_AMOUNT_PERCENT_INITIAL);
  g_assert_cmpfloat (c->rules[0].daily_loss.amount.value, ==, 5);
  g_assert_cmpint (c->rules[0].breach_if, ==, QL_RULE_CMP_LT);
  g_assert_cmpint (c->rules[0].action, ==, QL_RULE_ACTION_FAIL);
  g_assert_cmpuint (c->rules[0].check, ==, QL_RULE_CHECK_FILL | QL_RULE_CHECK_CLOCK);
  g_assert_cmpint (c->rules[1].max_loss.mode, ==, QL_MAX_LOSS_STATIC);
  g_assert_cmpfloat (c->rules[2].target.amount.value, ==, 10);
  g_assert_cmpuint (c->rules[3].min_days.days, ==, 4);
}

static void
test_full_format (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (QlRulesConfig) c = load (
    "{ \"name\": \"all\", \"trading_day\": { \"zone\": \"America/Chicago\", \"start\": \"17:00\" },\n"
    "  \"rules\": [\n"
    "    { \"rule\": \"daily_loss\", \"base\": \"start_higher\", \"percent\": 4, \"of\": \"base\",\n"
    "      \"compare\": \"balance\", \"trailing\": true, \"breach_if\": \"<=\", \"check\": [\"end_of_day\"],\n"
    "      \"action\": \"block\" },\n"
    "    { \"rule\": \"max_loss\", \"mode\": \"trail_intraday\", \"amount\": 2000, \"lock_above_initial\": 100 },\n"
    "    { \"rule\": \"trading_hours\", \"zone\": \"America/New_York\", \"open\": \"09:30\", \"close\": \"16:00\",\n"
    "      \"weekdays\": [\"mon\", \"fri\"], \"carry\": true, \"symbols\": [\"ES*\"] },\n"
    "    { \"rule\": \"max_position\", \"tiers\": [ { \"min_profit\": 0, \"max\": 2 }, { \"min_profit\": 1500, \"max\": 3 } ],\n"
    "      \"weights\": { \"MES\": 0.1 }, \"scope\": \"total\" },\n"
    "    { \"rule\": \"min_trading_days\", \"days\": 5, \"count\": \"min_net_pnl\", \"min_pnl\": 200 },\n"
    "    { \"rule\": \"profit_target\", \"amount\": 3000, \"require_flat\": false },\n"
    "    { \"rule\": \"consistency\", \"name\": \"c\", \"percent\": 30, \"denominator\": \"profit_target\",\n"
    "      \"window\": \"since_last_payout\", \"consequence\": \"blocks_payout\", \"breach_if\": \">=\" },\n"
    "    { \"rule\": \"allowlist\", \"symbols\": [\"CME:ES\"] },\n"
    "    { \"rule\": \"max_order\", \"max\": 3 }\n"
    "  ] }\n",
    &error);

  g_test_summary ("Every rule and parameter of the format reads into the config");
  g_assert_no_error (error);
  g_assert_cmpint (c->day_start_min, ==, 17 * 60);
  g_assert_cmpuint (c->n_rules, ==, 9);
  g_assert_cmpint (c->rules[0].daily_loss.base, ==, QL_DAILY_BASE_START_HIGHER);
  g_assert_cmpint (c->rules[0].daily_loss.amount.kind, ==, QL_RULE_AMOUNT_PERCENT_BASE);
  g_assert_cmpint (c->rules[0].daily_loss.compare, ==, QL_RULE_VALUE_BALANCE);
  g_assert_true (c->rules[0].daily_loss.trailing);
  g_assert_cmpint (c->rules[0].breach_if, ==, QL_RULE_CMP_LE);
  g_assert_cmpuint (c->rules[0].check, ==, QL_RULE_CHECK_END_OF_DAY);
  g_assert_cmpint (c->rules[0].action, ==, QL_RULE_ACTION_BLOCK);
  g_assert_cmpint (c->rules[1].max_loss.mode, ==, QL_MAX_LOSS_TRAIL_INTRADAY);
  g_assert_cmpint (c->rules[1].max_loss.amount.kind, ==, QL_RULE_AMOUNT_ABSOLUTE);
  g_assert_true (c->rules[1].max_loss.lock);
  g_assert_cmpfloat (c->rules[1].max_loss.lock_offset, ==, 100);
  g_assert_cmpint (c->rules[2].hours.open_min, ==, 9 * 60 + 30);
  g_assert_cmpint (c->rules[2].hours.close_min, ==, 16 * 60);
  g_assert_cmpuint (c->rules[2].hours.weekdays, ==, QL_RULES_WEEKDAY (0) | QL_RULES_WEEKDAY (4));
  g_assert_true (c->rules[2].hours.carry);
  g_assert_cmpstr (c->rules[2].hours.symbols[0], ==, "ES*");
  g_assert_cmpuint (c->rules[3].size.n_tiers, ==, 2);
  g_assert_cmpfloat (c->rules[3].size.tiers[1].min_profit, ==, 1500);
  g_assert_cmpfloat (c->rules[3].size.tiers[1].max, ==, 3);
  g_assert_cmpstr (c->rules[3].size.weight_symbols[0], ==, "MES");
  g_assert_cmpfloat (c->rules[3].size.weights[0], ==, 0.1);
  g_assert_cmpint (c->rules[3].size.scope, ==, QL_SIZE_TOTAL);
  g_assert_cmpuint (c->rules[4].min_days.days, ==, 5);
  g_assert_cmpint (c->rules[4].min_days.definition, ==, QL_TRADING_DAY_MIN_NET_PNL);
  g_assert_cmpfloat (c->rules[4].min_days.min_pnl, ==, 200);
  g_assert_false (c->rules[5].target.require_flat);
  g_assert_cmpstr (c->rules[6].name, ==, "c");
  g_assert_cmpint (c->rules[6].consistency.denominator, ==, QL_CONSISTENCY_PROFIT_TARGET);
  g_assert_cmpint (c->rules[6].consistency.window, ==, QL_CONSISTENCY_SINCE_LAST_PAYOUT);
  g_assert_cmpint (c->rules[6].consistency.consequence, ==, QL_CONSISTENCY_BLOCKS_PAYOUT);
  g_assert_cmpint (c->rules[6].breach_if, ==, QL_RULE_CMP_GE);
  g_assert_cmpstr (c->rules[7].allowlist.symbols[0], ==, "CME:ES");
  g_assert_cmpfloat (c->rules[8].size.max, ==, 3);
}

static void
check_error (const char *json, int code, const char *message)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (QlRulesConfig) c = load (json, &error);

  g_assert_null (c);
  g_assert_error (error, QL_RULES_JSON_ERROR, code);
  g_assert_cmpstr (error->message, ==, message);
}

static void
test_malformed (void)
{
  g_test_summary ("Malformed JSON gives FILE:LINE:COLUMN where json-glib stopped");
  /* Line 3 is `    { "rule": tru }`: `tru` spans columns 15..17 and
   * json-glib reports where its scanner stopped, the token's last column. */
  check_error ("{\n  \"rules\": [\n    { \"rule\": tru }\n  ]\n}\n", QL_RULES_JSON_ERROR_SYNTAX,
               "rules.json:3:17: unexpected identifier `tru', expected value");
  check_error ("", QL_RULES_JSON_ERROR_SYNTAX, "rules.json:1:1: the file is empty");
  check_error ("[1, 2]", QL_RULES_JSON_ERROR_INVALID, "rules.json:1:1: the rules file must be a JSON object");
}

static void
test_unknown_names (void)
{
  g_test_summary ("An unknown rule, parameter or value points at its key and lists the known ones");
  check_error ("{\n  \"rules\": [\n    { \"rule\": \"max_loss\" },\n    { \"rule\": \"news\" }\n  ]\n}\n",
               QL_RULES_JSON_ERROR_UNKNOWN,
               "rules.json:4:7: unknown rule \"news\"; known: daily_loss, max_loss, consistency, "
               "trading_hours, allowlist, max_position, max_order, min_trading_days, profit_target");
  check_error ("{ \"rules\": [\n  { \"rule\": \"daily_loss\",\n    \"reset\": \"00:00\" } ] }",
               QL_RULES_JSON_ERROR_UNKNOWN,
               "rules.json:3:5: unknown parameter \"reset\" of rule \"daily_loss\"; known: rule, name, "
               "breach_if, check, action, base, amount, percent, of, compare, trailing");
  check_error ("{ \"rules\": [], \"timezone\": \"UTC\" }", QL_RULES_JSON_ERROR_UNKNOWN,
               "rules.json:1:16: unknown parameter \"timezone\" of the rules file; known: name, note, "
               "sources, initial_capital, currency, trading_day, rules");
  check_error ("{ \"rules\": [ { \"rule\": \"max_loss\", \"mode\": \"trailing\" } ] }",
               QL_RULES_JSON_ERROR_UNKNOWN,
               "rules.json:1:36: unknown mode \"trailing\"; known: static, trail_intraday, trail_end_of_day");
  check_error ("{ \"rules\": [ { \"rule\": \"max_loss\", \"check\": [\"tick\"] } ] }",
               QL_RULES_JSON_ERROR_UNKNOWN,
               "rules.json:1:36: unknown check \"tick\"; known: fill, clock, end_of_day");
}

static void
test_bad_values (void)
{
  g_test_summary ("Values of the wrong type or out of range, and what the engine refuses, "
                  "point at the rule");
  check_error ("{ \"rules\": [ { \"rule\": \"daily_loss\", \"percent\": \"5\" } ] }",
               QL_RULES_JSON_ERROR_INVALID, "rules.json:1:38: \"percent\" must be a number");
  check_error ("{ \"rules\": [ { \"rule\": \"daily_loss\", \"percent\": 5, \"amount\": 500 } ] }",
               QL_RULES_JSON_ERROR_INVALID, "rules.json:1:38: give \"amount\" (money) or \"percent\", not both");
  check_error ("{ \"trading_day\": { \"zone\": \"UTC\", \"start\": \"24:00\" }, \"rules\": [] }",
               QL_RULES_JSON_ERROR_INVALID,
               "rules.json:1:35: \"start\" must be a local time HH:MM from 00:00 to 23:59, not \"24:00\"");
  check_error ("{ \"rules\": [\n  { \"rule\": \"max_loss\", \"breach_if\": \">\" } ] }",
               QL_RULES_JSON_ERROR_INVALID,
               "rules.json:2:5: rule \"max_loss\" (max_loss): breach_if must be \"<\" or \"<=\" "
               "(the figure falls to a floor)");
  check_error ("{ \"trading_day\": { \"zone\": \"Mars/Olympus\" }, \"rules\": [] }",
               QL_RULES_JSON_ERROR_INVALID,
               "rules.json:1:3: trading day: \"Mars/Olympus\" is not a known IANA time zone");  /* The strings before the bad element are freed (LeakSanitizer in CI);
   * "symbols" starts at column 37. */
  check_error ("{ \"rules\": [ { \"rule\": \"allowlist\", \"symbols\": [ \"ES\", 5 ] } ] }",
               QL_RULES_JSON_ERROR_INVALID,
               "rules.json:1:37: \"symbols\" must be an array of strings (element 1 is not)");
}

static void
test_preset_not_found (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (QlRulesConfig) c = ql_rules_config_load_preset ("nofirm-10k", &error);

  g_test_summary ("An unknown preset is an error listing the known ones; a path is not a name");
  g_assert_null (c);
  g_assert_error (error, QL_RULES_JSON_ERROR, QL_RULES_JSON_ERROR_NOT_FOUND);
  g_assert_true (g_str_has_prefix (error->message, "no rules preset \"nofirm-10k\"; known: apex-eod-50k, "));
  g_assert_nonnull (strstr (error->message, "topstep-50k"));
  g_clear_error (&error);
  g_assert_null (ql_rules_config_load_preset ("../etc/passwd", &error));
  g_assert_error (error, QL_RULES_JSON_ERROR, QL_RULES_JSON_ERROR_NOT_FOUND);
}

static void
test_load_file (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ql-rules-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "mine.json", NULL);
  g_autoptr (QlRulesConfig) c = NULL;

  g_test_summary ("A file loads by path and its errors name the path; a missing file is an I/O error");
  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (path, "{ \"rules\": [ { \"rule\": \"allowlist\" } ] }", -1, &error));
  c = ql_rules_config_load (path, &error);
  g_assert_null (c);
  g_assert_error (error, QL_RULES_JSON_ERROR, QL_RULES_JSON_ERROR_INVALID);
  g_assert_true (g_str_has_prefix (error->message, path));
  g_assert_nonnull (strstr (error->message, ":1:16: rule \"allowlist\" (allowlist): the symbol list is empty"));
  g_clear_error (&error);
  g_assert_true (g_file_set_contents (path, "{ \"rules\": [ { \"rule\": \"allowlist\", \"symbols\": [\"ES\"] } ] }", -1, &error));
  c = ql_rules_config_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (c->n_rules, ==, 1);
  g_assert_cmpint (g_remove (path), ==, 0);
  g_clear_pointer (&c, ql_rules_config_free);
  c = ql_rules_config_load (path, &error);
  g_assert_null (c);
  g_assert_error (error, QL_RULES_JSON_ERROR, QL_RULES_JSON_ERROR_IO);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/data/rules-json/presets/all-load", test_presets_load);
  g_test_add_func ("/data/rules-json/presets/ftmo-contents", test_preset_ftmo_contents);
  g_test_add_func ("/data/rules-json/presets/not-found", test_preset_not_found);
  g_test_add_func ("/data/rules-json/format/every-parameter", test_full_format);
  g_test_add_func ("/data/rules-json/errors/malformed", test_malformed);
  g_test_add_func ("/data/rules-json/errors/unknown-names", test_unknown_names);
  g_test_add_func ("/data/rules-json/errors/bad-values", test_bad_values);
  g_test_add_func ("/data/rules-json/file/load", test_load_file);
  return g_test_run ();
}
