/* data/rules_json.c — the JSON reader of account rules.
 *
 * json-glib gives no positions for nodes, only while it parses; so the
 * parser's object-member signal records, for every (object, member), the
 * line and column where the member's value ended, and a message about a
 * member points at its key (found by searching back from there for the
 * quoted name). */
#define G_LOG_DOMAIN "ql-data-rules-json"

#include "data/rules_json.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

G_DEFINE_QUARK (ql-rules-json-error-quark, ql_rules_json_error)

typedef struct
{
  const char *filename;
  const char *text;       /* the whole file */
  gsize length;
  GHashTable *positions;  /* "%p/%s" (object, member) -> offset just past the value, +1 */
} Loader;

static void
member_cb (JsonParser *parser, JsonObject *object, const char *member, gpointer data)
{
  Loader *ld = data;
  guint line = json_parser_get_current_line (parser);
  guint pos = json_parser_get_current_pos (parser);
  gsize offset = 0;

  /* Line and column (both from 1) to a byte offset in the text. */
  for (guint l = 1; l < line && offset < ld->length; offset++)
    if (ld->text[offset] == '\n')
      l++;
  offset = MIN (offset + (pos > 0 ? pos - 1 : 0), ld->length);
  g_hash_table_insert (ld->positions, g_strdup_printf ("%p/%s", (void *) object, member),
                       GSIZE_TO_POINTER (offset + 1));
}

/* Line and column (from 1) of byte @offset. */
static void
line_col (const Loader *ld, gsize offset, guint *line, guint *col)
{
  *line = 1;
  *col = 1;
  for (gsize i = 0; i < offset && i < ld->length; i++)
    {
      if (ld->text[i] == '\n')
        {
          (*line)++;
          *col = 1;
        }
      else if ((ld->text[i] & 0xc0) != 0x80)
        (*col)++;
    }
}

/* Sets @error at the key @member of @object (or at the start of the file
 * when it is not known). */
G_GNUC_PRINTF (6, 7)
static gboolean
fail_at (const Loader *ld, JsonObject *object, const char *member, int code, GError **error,
         const char *format, ...)
{
  g_autofree char *key = g_strdup_printf ("%p/%s", (void *) object, member ? member : "");
  gsize end = GPOINTER_TO_SIZE (g_hash_table_lookup (ld->positions, key));
  g_autofree char *msg = NULL;
  gsize offset = 0;
  guint line, col;
  va_list ap;

  if (end > 0 && member != NULL)
    {
      g_autofree char *quoted = g_strdup_printf ("\"%s\"", member);
      const char *hit = g_strrstr_len (ld->text, end - 1, quoted);
      offset = hit ? (gsize) (hit - ld->text) : end - 1;
    }
  line_col (ld, offset, &line, &col);
  va_start (ap, format);
  msg = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_set_error (error, QL_RULES_JSON_ERROR, code, "%s:%u:%u: %s", ld->filename, line, col, msg);
  return FALSE;
}

/* ---- typed members -------------------------------------------------- */

typedef struct
{
  const char *name;
  int value;
} Choice;

static char *
choice_names (const Choice *choices)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; choices[i].name != NULL; i++)
    g_string_append_printf (s, "%s%s", i ? ", " : "", choices[i].name);
  return g_string_free (s, FALSE);
}

static gboolean
get_choice (const Loader *ld, JsonObject *o, const char *member, const Choice *choices, int *out,
            GError **error)
{
  JsonNode *node = json_object_get_member (o, member);
  const char *text;
  g_autofree char *known = NULL;

  if (node == NULL)
    return TRUE;
  known = choice_names (choices);
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return fail_at (ld, o, member, QL_RULES_JSON_ERROR_INVALID, error,
                    "\"%s\" must be one of: %s", member, known);
  text = json_node_get_string (node);
  for (guint i = 0; choices[i].name != NULL; i++)
    if (strcmp (choices[i].name, text) == 0)
      {
        *out = choices[i].value;
        return TRUE;
      }
  return fail_at (ld, o, member, QL_RULES_JSON_ERROR_UNKNOWN, error,
                  "unknown %s \"%s\"; known: %s", member, text, known);
}

static gboolean
get_number (const Loader *ld, JsonObject *o, const char *member, double *out, GError **error)
{
  JsonNode *node = json_object_get_member (o, member);
  GType type;

  if (node == NULL)
    return TRUE;
  type = JSON_NODE_HOLDS_VALUE (node) ? json_node_get_value_type (node) : G_TYPE_INVALID;
  if (type != G_TYPE_INT64 && type != G_TYPE_DOUBLE)
    return fail_at (ld, o, member, QL_RULES_JSON_ERROR_INVALID, error, "\"%s\" must be a number", member);
  *out = json_node_get_double (node);
  if (!isfinite (*out))
    return fail_at (ld, o, member, QL_RULES_JSON_ERROR_INVALID, error, "\"%s\" must be finite", member);
  return TRUE;
}

static gboolean
get_bool (const Loader *ld, JsonObject *o, const char *member, gboolean *out, GError **error)
{
  JsonNode *node = json_object_get_member (o, member);

  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return fail_at (ld, o, member, QL_RULES_JSON_ERROR_INVALID, error, "\"%s\" must be true or false", member);
  *out = json_node_get_boolean (node);
  return TRUE;
}

static gboolean
get_string (const Loader *ld, JsonObject *o, const char *member, char **out, GError **error)
{
  JsonNode *node = json_object_get_member (o, member);

  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return fail_at (ld, o, member, QL_RULES_JSON_ERROR_INVALID, error, "\"%s\" must be a string", member);
  g_free (*out);
  *out = g_strdup (json_node_get_string (node));
  return TRUE;
}

static gboolean
get_strv (const Loader *ld, JsonObject *o, const char *member, char ***out, GError **error)
{
  JsonNode *node = json_object_get_member (o, member);
  JsonArray *array;
  GPtrArray *v;

  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return fail_at (ld, o, member, QL_RULES_JSON_ERROR_INVALID, error, "\"%s\" must be an array of strings", member);
  array = json_node_get_array (node);
  v = g_ptr_array_new_with_free_func (g_free); /* owns the copies until the end */
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *e = json_array_get_element (array, i);
      if (!JSON_NODE_HOLDS_VALUE (e) || json_node_get_value_type (e) != G_TYPE_STRING)
        {
          g_ptr_array_free (v, TRUE);
          return fail_at (ld, o, member, QL_RULES_JSON_ERROR_INVALID, error,
                          "\"%s\" must be an array of strings (element %u is not)", member, i);
        }
      g_ptr_array_add (v, g_strdup (json_node_get_string (e)));
    }
  g_ptr_array_add (v, NULL);
  g_strfreev (*out);
  *out = (char **) g_ptr_array_free (v, FALSE);
  return TRUE;
}

/* "HH:MM" to minutes after midnight. */
static gboolean
get_clock (const Loader *ld, JsonObject *o, const char *member, int *out, GError **error)
{
  g_autofree char *text = NULL;
  unsigned h, m;

  if (!get_string (ld, o, member, &text, error))
    return FALSE;
  if (text == NULL)
    return TRUE;
  if (strlen (text) == 5 && g_ascii_isdigit (text[0]) && g_ascii_isdigit (text[1]) && text[2] == ':'
      && g_ascii_isdigit (text[3]) && g_ascii_isdigit (text[4]))
    {
      h = (unsigned) (text[0] - '0') * 10 + (unsigned) (text[1] - '0');
      m = (unsigned) (text[3] - '0') * 10 + (unsigned) (text[4] - '0');
    }
  else
    h = m = 99;
  if (h > 23 || m > 59)
    return fail_at (ld, o, member, QL_RULES_JSON_ERROR_INVALID, error,
                    "\"%s\" must be a local time HH:MM from 00:00 to 23:59, not \"%s\"", member, text);
  *out = (int) (h * 60 + m);
  return TRUE;
}

/* Every member of @o must be in @known (NULL-terminated). */
static gboolean
check_members (const Loader *ld, JsonObject *o, const char *const *known, const char *what,
               GError **error)
{
  g_autoptr (GList) members = json_object_get_members (o);

  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *name = l->data;
      if (!g_strv_contains (known, name))
        {
          g_autofree char *list = g_strjoinv (", ", (char **) known);
          return fail_at (ld, o, name, QL_RULES_JSON_ERROR_UNKNOWN, error,
                          "unknown parameter \"%s\" of %s; known: %s", name, what, list);
        }
    }
  return TRUE;
}

/* ---- rules ---------------------------------------------------------- */

static const Choice cmp_choices[] = {
  { "<", QL_RULE_CMP_LT }, { "<=", QL_RULE_CMP_LE }, { ">", QL_RULE_CMP_GT }, { ">=", QL_RULE_CMP_GE }, { NULL, 0 }
};
static const Choice action_choices[] = {
  { "record", QL_RULE_ACTION_RECORD }, { "reject", QL_RULE_ACTION_REJECT },
  { "block", QL_RULE_ACTION_BLOCK }, { "flatten_block", QL_RULE_ACTION_FLATTEN_BLOCK },
  { "fail", QL_RULE_ACTION_FAIL }, { NULL, 0 }
};
static const Choice check_choices[] = {
  { "fill", QL_RULE_CHECK_FILL }, { "clock", QL_RULE_CHECK_CLOCK },
  { "end_of_day", QL_RULE_CHECK_END_OF_DAY }, { NULL, 0 }
};
static const Choice value_choices[] = {
  { "equity", QL_RULE_VALUE_EQUITY }, { "balance", QL_RULE_VALUE_BALANCE }, { NULL, 0 }
};
static const Choice base_choices[] = {
  { "start_balance", QL_DAILY_BASE_START_BALANCE }, { "start_equity", QL_DAILY_BASE_START_EQUITY },
  { "start_higher", QL_DAILY_BASE_START_HIGHER }, { "initial", QL_DAILY_BASE_INITIAL }, { NULL, 0 }
};
static const Choice of_choices[] = {
  { "initial", QL_RULE_AMOUNT_PERCENT_INITIAL }, { "base", QL_RULE_AMOUNT_PERCENT_BASE }, { NULL, 0 }
};
static const Choice mode_choices[] = {
  { "static", QL_MAX_LOSS_STATIC }, { "trail_intraday", QL_MAX_LOSS_TRAIL_INTRADAY },
  { "trail_end_of_day", QL_MAX_LOSS_TRAIL_END_OF_DAY }, { NULL, 0 }
};
static const Choice denominator_choices[] = {
  { "net_profit", QL_CONSISTENCY_NET_PROFIT }, { "sum_positive_days", QL_CONSISTENCY_SUM_POSITIVE_DAYS },
  { "profit_target", QL_CONSISTENCY_PROFIT_TARGET }, { NULL, 0 }
};
static const Choice window_choices[] = {
  { "since_start", QL_CONSISTENCY_SINCE_START }, { "since_last_payout", QL_CONSISTENCY_SINCE_LAST_PAYOUT }, { NULL, 0 }
};
static const Choice consequence_choices[] = {
  { "blocks_pass", QL_CONSISTENCY_BLOCKS_PASS }, { "blocks_payout", QL_CONSISTENCY_BLOCKS_PAYOUT }, { NULL, 0 }
};
static const Choice scope_choices[] = {
  { "per_symbol", QL_SIZE_PER_SYMBOL }, { "total", QL_SIZE_TOTAL }, { NULL, 0 }
};
static const Choice count_choices[] = {
  { "opened_position", QL_TRADING_DAY_OPENED }, { "closed_position", QL_TRADING_DAY_CLOSED },
  { "min_net_pnl", QL_TRADING_DAY_MIN_NET_PNL }, { NULL, 0 }
};
static const Choice weekday_choices[] = {
  { "mon", 0 }, { "tue", 1 }, { "wed", 2 }, { "thu", 3 }, { "fri", 4 }, { "sat", 5 }, { "sun", 6 }, { NULL, 0 }
};

#define COMMON "rule", "name", "breach_if", "check", "action"
static const char *const known_params[QL_RULE_N_KINDS][16] = {
  [QL_RULE_DAILY_LOSS] = { COMMON, "base", "amount", "percent", "of", "compare", "trailing", NULL },
  [QL_RULE_MAX_LOSS] = { COMMON, "mode", "amount", "percent", "compare", "lock_above_initial", NULL },
  [QL_RULE_CONSISTENCY] = { COMMON, "percent", "denominator", "window", "consequence", NULL },
  [QL_RULE_TRADING_HOURS] = { COMMON, "zone", "open", "close", "weekdays", "carry", "symbols", NULL },
  [QL_RULE_ALLOWLIST] = { COMMON, "symbols", NULL },
  [QL_RULE_MAX_POSITION] = { COMMON, "max", "tiers", "scope", "weights", "pre_trade", NULL },
  [QL_RULE_MAX_ORDER] = { COMMON, "max", "tiers", "scope", "weights", NULL },
  [QL_RULE_MIN_TRADING_DAYS] = { COMMON, "days", "count", "min_pnl", NULL },
  [QL_RULE_PROFIT_TARGET] = { COMMON, "amount", "percent", "require_flat", NULL },
};

/* "amount": money, or "percent" (of "of", default initial). */
static gboolean
get_amount (const Loader *ld, JsonObject *o, QlRuleAmount *amount, gboolean allow_of, GError **error)
{
  gboolean has_amount = json_object_has_member (o, "amount");
  gboolean has_percent = json_object_has_member (o, "percent");
  int of = QL_RULE_AMOUNT_PERCENT_INITIAL;

  if (has_amount && has_percent)
    return fail_at (ld, o, "percent", QL_RULES_JSON_ERROR_INVALID, error,
                    "give \"amount\" (money) or \"percent\", not both");
  if (has_amount)
    {
      amount->kind = QL_RULE_AMOUNT_ABSOLUTE;
      if (!get_number (ld, o, "amount", &amount->value, error))
        return FALSE;
      if (amount->value <= 0)
        return fail_at (ld, o, "amount", QL_RULES_JSON_ERROR_INVALID, error, "\"amount\" must be positive");
    }
  if (has_percent)
    {
      if (allow_of && !get_choice (ld, o, "of", of_choices, &of, error))
        return FALSE;
      amount->kind = of;
      if (!get_number (ld, o, "percent", &amount->value, error))
        return FALSE;
      if (amount->value <= 0 || amount->value > 100)
        return fail_at (ld, o, "percent", QL_RULES_JSON_ERROR_INVALID, error, "\"percent\" must be in (0, 100]");
    }
  else if (json_object_has_member (o, "of"))
    return fail_at (ld, o, "of", QL_RULES_JSON_ERROR_INVALID, error, "\"of\" goes with \"percent\"");
  return TRUE;
}

static gboolean
get_size (const Loader *ld, JsonObject *o, QlSizeConfig *size, GError **error)
{
  int scope = size->scope;
  JsonNode *node;

  if (!get_number (ld, o, "max", &size->max, error) || !get_choice (ld, o, "scope", scope_choices, &scope, error)
      || !get_bool (ld, o, "pre_trade", &size->pre_trade, error))
    return FALSE;
  size->scope = scope;
  if ((node = json_object_get_member (o, "tiers")) != NULL)
    {
      JsonArray *array;
      if (!JSON_NODE_HOLDS_ARRAY (node))
        return fail_at (ld, o, "tiers", QL_RULES_JSON_ERROR_INVALID, error,
                        "\"tiers\" must be an array of {\"min_profit\": N, \"max\": N}");
      array = json_node_get_array (node);
      size->n_tiers = json_array_get_length (array);
      size->tiers = g_new0 (QlSizeTier, MAX (size->n_tiers, 1));
      for (guint i = 0; i < size->n_tiers; i++)
        {
          JsonNode *e = json_array_get_element (array, i);
          JsonObject *t;
          static const char *const tier_keys[] = { "min_profit", "max", NULL };
          if (!JSON_NODE_HOLDS_OBJECT (e))
            return fail_at (ld, o, "tiers", QL_RULES_JSON_ERROR_INVALID, error,
                            "tier %u must be an object {\"min_profit\": N, \"max\": N}", i);
          t = json_node_get_object (e);
          if (!check_members (ld, t, tier_keys, "a tier", error))
            return FALSE;
          if (!json_object_has_member (t, "max") || !json_object_has_member (t, "min_profit"))
            return fail_at (ld, o, "tiers", QL_RULES_JSON_ERROR_INVALID, error,
                            "tier %u needs \"min_profit\" and \"max\"", i);
          if (!get_number (ld, t, "min_profit", &size->tiers[i].min_profit, error)
              || !get_number (ld, t, "max", &size->tiers[i].max, error))
            return FALSE;
        }
    }
  if ((node = json_object_get_member (o, "weights")) != NULL)
    {
      JsonObject *w;
      g_autoptr (GList) members = NULL;
      guint n, i = 0;
      if (!JSON_NODE_HOLDS_OBJECT (node))
        return fail_at (ld, o, "weights", QL_RULES_JSON_ERROR_INVALID, error,
                        "\"weights\" must be an object {\"SYMBOL\": weight, ...}");
      w = json_node_get_object (node);
      members = json_object_get_members (w);
      n = g_list_length (members);
      size->weight_symbols = g_new0 (char *, n + 1);
      size->weights = g_new0 (double, MAX (n, 1));
      for (GList *l = members; l != NULL; l = l->next, i++)
        {
          size->weight_symbols[i] = g_strdup (l->data);
          if (!get_number (ld, w, l->data, &size->weights[i], error))
            return FALSE;
        }
    }
  return TRUE;
}

static gboolean
parse_rule (const Loader *ld, JsonObject *o, QlRulesConfig *config, GError **error)
{
  static const Choice kind_choices[] = {
    { "daily_loss", QL_RULE_DAILY_LOSS }, { "max_loss", QL_RULE_MAX_LOSS },
    { "consistency", QL_RULE_CONSISTENCY }, { "trading_hours", QL_RULE_TRADING_HOURS },
    { "allowlist", QL_RULE_ALLOWLIST }, { "max_position", QL_RULE_MAX_POSITION },
    { "max_order", QL_RULE_MAX_ORDER }, { "min_trading_days", QL_RULE_MIN_TRADING_DAYS },
    { "profit_target", QL_RULE_PROFIT_TARGET }, { NULL, 0 }
  };
  int kind = -1, v;
  QlRuleConfig *r;
  g_autofree char *what = NULL;

  if (!json_object_has_member (o, "rule"))
    {
      g_autofree char *known = choice_names (kind_choices);
      return fail_at (ld, o, NULL, QL_RULES_JSON_ERROR_INVALID, error,
                      "a rule without \"rule\" (one of: %s)", known);
    }
  if (!get_choice (ld, o, "rule", kind_choices, &kind, error))
    return FALSE;
  r = ql_rules_config_add (config, kind);
  what = g_strdup_printf ("rule \"%s\"", ql_rule_kind_to_string (kind));
  if (!check_members (ld, o, known_params[kind], what, error) || !get_string (ld, o, "name", &r->name, error))
    return FALSE;

  v = r->breach_if;
  if (!get_choice (ld, o, "breach_if", cmp_choices, &v, error))
    return FALSE;
  r->breach_if = v;
  v = r->action;
  if (!get_choice (ld, o, "action", action_choices, &v, error))
    return FALSE;
  r->action = v;
  if (json_object_has_member (o, "check"))
    {
      g_auto (GStrv) moments = NULL;
      if (!get_strv (ld, o, "check", &moments, error))
        return FALSE;
      r->check = 0;
      for (guint i = 0; moments[i] != NULL; i++)
        {
          gboolean found = FALSE;
          for (guint c = 0; check_choices[c].name != NULL; c++)
            if (strcmp (moments[i], check_choices[c].name) == 0)
              {
                r->check |= check_choices[c].value;
                found = TRUE;
              }
          if (!found)
            {
              g_autofree char *known = choice_names (check_choices);
              return fail_at (ld, o, "check", QL_RULES_JSON_ERROR_UNKNOWN, error,
                              "unknown check \"%s\"; known: %s", moments[i], known);
            }
        }
    }

  switch (kind)
    {
    case QL_RULE_DAILY_LOSS:
      v = r->daily_loss.base;
      if (!get_choice (ld, o, "base", base_choices, &v, error))
        return FALSE;
      r->daily_loss.base = v;
      v = r->daily_loss.compare;
      if (!get_choice (ld, o, "compare", value_choices, &v, error))
        return FALSE;
      r->daily_loss.compare = v;
      return get_amount (ld, o, &r->daily_loss.amount, TRUE, error)
             && get_bool (ld, o, "trailing", &r->daily_loss.trailing, error);
    case QL_RULE_MAX_LOSS:
      v = r->max_loss.mode;
      if (!get_choice (ld, o, "mode", mode_choices, &v, error))
        return FALSE;
      r->max_loss.mode = v;
      v = r->max_loss.compare;
      if (!get_choice (ld, o, "compare", value_choices, &v, error))
        return FALSE;
      r->max_loss.compare = v;
      r->max_loss.lock = json_object_has_member (o, "lock_above_initial");
      return get_amount (ld, o, &r->max_loss.amount, FALSE, error)
             && get_number (ld, o, "lock_above_initial", &r->max_loss.lock_offset, error);
    case QL_RULE_CONSISTENCY:
      if (!get_number (ld, o, "percent", &r->consistency.percent, error))
        return FALSE;
      v = r->consistency.denominator;
      if (!get_choice (ld, o, "denominator", denominator_choices, &v, error))
        return FALSE;
      r->consistency.denominator = v;
      v = r->consistency.window;
      if (!get_choice (ld, o, "window", window_choices, &v, error))
        return FALSE;
      r->consistency.window = v;
      v = r->consistency.consequence;
      if (!get_choice (ld, o, "consequence", consequence_choices, &v, error))
        return FALSE;
      r->consistency.consequence = v;
      return TRUE;
    case QL_RULE_TRADING_HOURS:
      if (!get_string (ld, o, "zone", &r->hours.zone, error) || !get_clock (ld, o, "open", &r->hours.open_min, error)
          || !get_clock (ld, o, "close", &r->hours.close_min, error)
          || !get_bool (ld, o, "carry", &r->hours.carry, error)
          || !get_strv (ld, o, "symbols", &r->hours.symbols, error))
        return FALSE;
      if (json_object_has_member (o, "weekdays"))
        {
          g_auto (GStrv) days = NULL;
          if (!get_strv (ld, o, "weekdays", &days, error))
            return FALSE;
          r->hours.weekdays = 0;
          for (guint i = 0; days[i] != NULL; i++)
            {
              int d = -1;
              for (guint c = 0; weekday_choices[c].name != NULL; c++)
                if (g_ascii_strcasecmp (days[i], weekday_choices[c].name) == 0)
                  d = weekday_choices[c].value;
              if (d < 0)
                {
                  g_autofree char *known = choice_names (weekday_choices);
                  return fail_at (ld, o, "weekdays", QL_RULES_JSON_ERROR_UNKNOWN, error,
                                  "unknown weekday \"%s\"; known: %s", days[i], known);
                }
              r->hours.weekdays |= QL_RULES_WEEKDAY (d);
            }
        }
      return TRUE;
    case QL_RULE_ALLOWLIST:
      return get_strv (ld, o, "symbols", &r->allowlist.symbols, error);
    case QL_RULE_MAX_POSITION:
    case QL_RULE_MAX_ORDER:
      return get_size (ld, o, &r->size, error);
    case QL_RULE_MIN_TRADING_DAYS:
      {
        double days = r->min_days.days;
        if (!get_number (ld, o, "days", &days, error))
          return FALSE;
        if (days < 1 || days > 10000 || days != floor (days))
          return fail_at (ld, o, "days", QL_RULES_JSON_ERROR_INVALID, error, "\"days\" must be a whole number from 1");
        r->min_days.days = (guint) days;
        v = r->min_days.definition;
        if (!get_choice (ld, o, "count", count_choices, &v, error))
          return FALSE;
        r->min_days.definition = v;
        return get_number (ld, o, "min_pnl", &r->min_days.min_pnl, error);
      }
    case QL_RULE_PROFIT_TARGET:
      return get_amount (ld, o, &r->target.amount, FALSE, error)
             && get_bool (ld, o, "require_flat", &r->target.require_flat, error);
    default:
      g_assert_not_reached ();
    }
}

static QlRulesConfig *
parse_root (const Loader *ld, JsonNode *root, GError **error)
{
  static const char *const top_keys[] = { "name", "note", "sources", "initial_capital", "currency",
                                          "trading_day", "rules", NULL };
  static const char *const day_keys[] = { "zone", "start", NULL };
  g_autoptr (QlRulesConfig) config = ql_rules_config_new ();
  JsonObject *o, *day;
  JsonNode *node;
  JsonArray *rules;
  g_autofree char *currency = NULL;

  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, QL_RULES_JSON_ERROR, QL_RULES_JSON_ERROR_INVALID,
                   "%s:1:1: the rules file must be a JSON object", ld->filename);
      return NULL;
    }
  o = json_node_get_object (root);
  if (!check_members (ld, o, top_keys, "the rules file", error)
      || !get_string (ld, o, "name", &config->name, error) || !get_string (ld, o, "note", &config->note, error)
      || !get_strv (ld, o, "sources", &config->sources, error)
      || !get_string (ld, o, "currency", &currency, error)
      || !get_number (ld, o, "initial_capital", &config->initial_capital, error))
    return NULL;
  if ((node = json_object_get_member (o, "trading_day")) != NULL)
    {
      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          fail_at (ld, o, "trading_day", QL_RULES_JSON_ERROR_INVALID, error,
                   "\"trading_day\" must be {\"zone\": \"IANA/Zone\", \"start\": \"HH:MM\"}");
          return NULL;
        }
      day = json_node_get_object (node);
      if (!check_members (ld, day, day_keys, "trading_day", error)
          || !get_string (ld, day, "zone", &config->day_zone, error)
          || !get_clock (ld, day, "start", &config->day_start_min, error))
        return NULL;
    }
  node = json_object_get_member (o, "rules");
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    {
      fail_at (ld, o, node ? "rules" : NULL, QL_RULES_JSON_ERROR_INVALID, error,
               "\"rules\" must be an array of rule objects");
      return NULL;
    }
  rules = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (rules); i++)
    {
      JsonNode *e = json_array_get_element (rules, i);
      if (!JSON_NODE_HOLDS_OBJECT (e))
        {
          fail_at (ld, o, "rules", QL_RULES_JSON_ERROR_INVALID, error, "rule %u is not an object", i + 1);
          return NULL;
        }
      if (!parse_rule (ld, json_node_get_object (e), config, error))
        return NULL;
    }
  return g_steal_pointer (&config);
}

/* Validation by the engine, its message placed at the rule it names. */
static gboolean
validate (const Loader *ld, JsonNode *root, const QlRulesConfig *config, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (QlRules) rules = ql_rules_new (config, &local);
  JsonObject *at = NULL;
  const char *member = NULL;

  if (rules != NULL)
    return TRUE;
  /* Point at the rule the message names, else at "trading_day". */
  for (guint i = 0; i < config->n_rules; i++)
    {
      g_autofree char *needle = g_strdup_printf ("rule \"%s\"", config->rules[i].name);
      if (g_str_has_prefix (local->message, needle))
        {
          JsonArray *array = json_object_get_array_member (json_node_get_object (root), "rules");
          at = json_array_get_object_element (array, i);
          member = "rule";
          break;
        }
    }
  if (at == NULL)
    {
      at = json_node_get_object (root);
      member = json_object_has_member (at, "trading_day") ? "trading_day" : NULL;
    }
  return fail_at (ld, at, member, QL_RULES_JSON_ERROR_INVALID, error, "%s", local->message);
}

QlRulesConfig *
ql_rules_config_load_data (const char *json,
                           gssize      length,
                           const char *filename,
                           GError    **error)
{
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  g_autoptr (GError) local = NULL;
  g_autoptr (GHashTable) positions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  Loader ld = { 0 };
  g_autoptr (QlRulesConfig) config = NULL;
  JsonNode *root;

  g_return_val_if_fail (json != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  ld.filename = filename ? filename : "<data>";
  ld.text = json;
  ld.length = length < 0 ? strlen (json) : (gsize) length;
  ld.positions = positions;
  g_signal_connect (parser, "object-member", G_CALLBACK (member_cb), &ld);
  if (!json_parser_load_from_data (parser, json, (gssize) ld.length, &local))
    {
      /* json-glib writes "<data>:LINE:COL: Parse error: what"; keep the
       * position, name the file, drop the "Parse error" filler. */
      const char *msg = local->message;
      const char *rest = g_str_has_prefix (msg, "<data>") ? msg + strlen ("<data>") : NULL;
      if (rest != NULL)
        {
          g_autofree char *text = g_strdup (rest);
          char *filler = strstr (text, "Parse error: ");
          if (filler != NULL)
            memmove (filler, filler + strlen ("Parse error: "), strlen (filler + strlen ("Parse error: ")) + 1);
          g_set_error (error, QL_RULES_JSON_ERROR, QL_RULES_JSON_ERROR_SYNTAX, "%s%s", ld.filename, text);
        }
      else
        g_set_error (error, QL_RULES_JSON_ERROR, QL_RULES_JSON_ERROR_SYNTAX, "%s: %s", ld.filename, msg);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL)
    {
      g_set_error (error, QL_RULES_JSON_ERROR, QL_RULES_JSON_ERROR_SYNTAX, "%s:1:1: the file is empty", ld.filename);
      return NULL;
    }
  config = parse_root (&ld, root, error);
  if (config == NULL || !validate (&ld, root, config, error))
    return NULL;
  return g_steal_pointer (&config);
}

QlRulesConfig *
ql_rules_config_load (const char *path,
                      GError    **error)
{
  g_autofree char *text = NULL;
  gsize length;
  g_autoptr (GError) local = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  if (!g_file_get_contents (path, &text, &length, &local))
    {
      g_set_error (error, QL_RULES_JSON_ERROR, QL_RULES_JSON_ERROR_IO, "%s: %s", path, local->message);
      return NULL;
    }
  return ql_rules_config_load_data (text, (gssize) length, path, error);
}

/* ---- presets -------------------------------------------------------- */

char **
ql_rules_preset_dirs (void)
{
  GPtrArray *dirs = g_ptr_array_new ();
  const char *env = g_getenv ("QL_RULES_PRESET_DIR");
  const char *const *sys = g_get_system_data_dirs ();

  if (env != NULL && env[0] != '\0')
    g_ptr_array_add (dirs, g_strdup (env));
  g_ptr_array_add (dirs, g_build_filename (g_get_user_data_dir (), "quantlab", "presets", "rules", NULL));
  for (guint i = 0; sys[i] != NULL; i++)
    g_ptr_array_add (dirs, g_build_filename (sys[i], "quantlab", "presets", "rules", NULL));
#ifdef QL_RULES_PRESET_SRCDIR
  g_ptr_array_add (dirs, g_strdup (QL_RULES_PRESET_SRCDIR));
#endif
  g_ptr_array_add (dirs, NULL);
  return (char **) g_ptr_array_free (dirs, FALSE);
}

static gboolean
preset_name_valid (const char *name)
{
  if (name[0] == '\0' || name[0] == '.')
    return FALSE;
  for (const char *p = name; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_' && *p != '.')
      return FALSE;
  return TRUE;
}

QlRulesConfig *
ql_rules_config_load_preset (const char *name,
                             GError    **error)
{
  g_auto (GStrv) dirs = ql_rules_preset_dirs ();
  g_autofree char *file = NULL;

  g_return_val_if_fail (name != NULL, NULL);
  if (!preset_name_valid (name))
    {
      g_set_error (error, QL_RULES_JSON_ERROR, QL_RULES_JSON_ERROR_NOT_FOUND,
                   "\"%s\" is not a preset name (letters, digits, '-', '_', '.')", name);
      return NULL;
    }
  file = g_str_has_suffix (name, ".json") ? g_strdup (name) : g_strconcat (name, ".json", NULL);
  for (guint i = 0; dirs[i] != NULL; i++)
    {
      g_autofree char *path = g_build_filename (dirs[i], file, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
        return ql_rules_config_load (path, error);
    }
  {
    g_auto (GStrv) names = ql_rules_preset_list ();
    g_autofree char *known = g_strjoinv (", ", names);
    g_set_error (error, QL_RULES_JSON_ERROR, QL_RULES_JSON_ERROR_NOT_FOUND,
                 "no rules preset \"%s\"; known: %s", name, known[0] ? known : "(none found)");
  }
  return NULL;
}

static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

char **
ql_rules_preset_list (void)
{
  g_auto (GStrv) dirs = ql_rules_preset_dirs ();
  GPtrArray *names = g_ptr_array_new ();

  for (guint i = 0; dirs[i] != NULL; i++)
    {
      g_autoptr (GDir) dir = g_dir_open (dirs[i], 0, NULL);
      const char *entry;
      while (dir != NULL && (entry = g_dir_read_name (dir)) != NULL)
        {
          char *stem;
          gboolean seen = FALSE;
          if (!g_str_has_suffix (entry, ".json"))
            continue;
          stem = g_strndup (entry, strlen (entry) - strlen (".json"));
          for (guint k = 0; k < names->len; k++)
            seen |= strcmp (names->pdata[k], stem) == 0;
          if (seen)
            g_free (stem);
          else
            g_ptr_array_add (names, stem);
        }
    }
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  return (char **) g_ptr_array_free (names, FALSE);
}
