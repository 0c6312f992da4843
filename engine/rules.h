/* engine/rules.h — prop-firm account rules: daily loss, maximum loss and
 * trailing drawdown, consistency, trading hours, instrument allowlist,
 * position and order size, minimum trading days, profit target.
 *
 * A QlRules watches one account through the QlAccountObserver of
 * engine/trade.h, so the same code judges a backtest and a live account.
 * No firm is built in: every limit, base, boundary, clock and action comes
 * from a QlRulesConfig (data/rules_json.h reads one from JSON; the firms'
 * presets live in data/presets/rules/, the format in docs/rules.md).
 *
 * Time. Day-based rules share one trading day, which starts at a local
 * time in an IANA zone (00:00 Europe/Prague, 17:00 America/Chicago, ...),
 * computed with GTimeZone on every boundary, so DST changes move the
 * reset with the zone's clock. The next boundaries are cached: a call
 * between two boundaries does no time-zone work.
 *
 * The day rolls at the first call whose time is at or past the boundary.
 * Balance and equity "at the reset" are the last ones seen before it
 * (balance only changes at fills, which are all reported; equity is marked
 * at the last prices known before the reset, never at later ones).
 *
 * Money comparisons treat values within QL_RULES_MONEY_EPSILON of a limit
 * as equal to it, so that a limit derived from a percentage (5 % of
 * 200,000) and an equity summed from fills compare as the firm's own
 * arithmetic would; the boundary switch (`<` or `≤`) then decides. */
#pragma once

#include "engine/trade.h"

G_BEGIN_DECLS

#define QL_RULES_MONEY_EPSILON 1e-6

typedef struct QlRules QlRules;

typedef enum
{
  QL_RULE_DAILY_LOSS,
  QL_RULE_MAX_LOSS,
  QL_RULE_CONSISTENCY,
  QL_RULE_TRADING_HOURS,
  QL_RULE_ALLOWLIST,
  QL_RULE_MAX_POSITION,
  QL_RULE_MAX_ORDER,
  QL_RULE_MIN_TRADING_DAYS,
  QL_RULE_PROFIT_TARGET,
  QL_RULE_N_KINDS
} QlRuleKind;

/* When a figure breaches its limit. Floors (daily loss, maximum loss) take
 * LT or LE: "equity < limit" or "equity ≤ limit". Caps (position and order
 * size, consistency's best-day share) take GT or GE. */
typedef enum
{
  QL_RULE_CMP_LT,
  QL_RULE_CMP_LE,
  QL_RULE_CMP_GT,
  QL_RULE_CMP_GE,
} QlRuleCmp;

/* When a rule is evaluated (flags). FILL: in on_fill; CLOCK: in on_clock,
 * at every event of the run; END_OF_DAY: at the daily reset, on the last
 * account seen before it. */
typedef enum
{
  QL_RULE_CHECK_FILL = 1 << 0,
  QL_RULE_CHECK_CLOCK = 1 << 1,
  QL_RULE_CHECK_END_OF_DAY = 1 << 2,
} QlRuleCheck;

/* What a violation does. Each maps to a QlAccountAction:
 *   RECORD         an event only                      CONTINUE
 *   REJECT         the order is refused (order rules)  check_order () FALSE
 *   BLOCK          new orders refused until the rule's next reset (a soft
 *                  breach)                             BLOCK_NEW
 *   FLATTEN_BLOCK  positions closed, then BLOCK        FLATTEN_BLOCK
 *   FAIL           positions closed, account disabled
 *                  for good: the verdict is FAILED     FLATTEN_DISABLE */
typedef enum
{
  QL_RULE_ACTION_RECORD,
  QL_RULE_ACTION_REJECT,
  QL_RULE_ACTION_BLOCK,
  QL_RULE_ACTION_FLATTEN_BLOCK,
  QL_RULE_ACTION_FAIL,
} QlRuleAction;

/* An amount of money: absolute, or a percentage of the initial capital or
 * of the rule's base (daily loss only). */
typedef enum
{
  QL_RULE_AMOUNT_ABSOLUTE,
  QL_RULE_AMOUNT_PERCENT_INITIAL,
  QL_RULE_AMOUNT_PERCENT_BASE,
} QlRuleAmountKind;

typedef struct
{
  QlRuleAmountKind kind;
  double value; /* money, or percent (5 = 5 %); > 0 */
} QlRuleAmount;

/* Which figure a loss rule compares with its limit. */
typedef enum
{
  QL_RULE_VALUE_EQUITY,  /* balance plus floating P&L */
  QL_RULE_VALUE_BALANCE, /* closed balance only */
} QlRuleValue;

typedef enum
{
  QL_DAILY_BASE_START_BALANCE, /* balance at the day's reset (C0 on day one) */
  QL_DAILY_BASE_START_EQUITY,  /* equity at the day's reset */
  QL_DAILY_BASE_START_HIGHER,  /* the higher of the two */
  QL_DAILY_BASE_INITIAL,       /* the initial capital, never moves */
} QlDailyBase;

typedef struct
{
  QlDailyBase base;
  QlRuleAmount amount;
  QlRuleValue compare;
  /* The limit trails the day's peak of the compared value (never below
   * base − amount, never down during the day): Topstep's trailing
   * personal DLL. */
  gboolean trailing;
} QlDailyLossConfig;

typedef enum
{
  QL_MAX_LOSS_STATIC,              /* floor = C0 − D */
  QL_MAX_LOSS_TRAIL_INTRADAY,      /* floor = peak of the compared value so far − D */
  QL_MAX_LOSS_TRAIL_END_OF_DAY,    /* floor = peak of end-of-day balances − D */
} QlMaxLossMode;

typedef struct
{
  QlMaxLossMode mode;
  QlRuleAmount amount;     /* D; PERCENT_BASE is not allowed */
  QlRuleValue compare;     /* figure compared with the floor (and trailed intraday) */
  gboolean lock;           /* the floor stops rising at C0 + lock_offset */
  double lock_offset;      /* money above C0, >= 0 (0: locks at the initial capital) */
} QlMaxLossConfig;

typedef enum
{
  QL_CONSISTENCY_NET_PROFIT,          /* balance now − balance at the window's start */
  QL_CONSISTENCY_SUM_POSITIVE_DAYS,   /* the sum of the window's winning days */
  QL_CONSISTENCY_PROFIT_TARGET,       /* the profit target rule's amount */
} QlConsistencyDenominator;

typedef enum
{
  QL_CONSISTENCY_SINCE_START,
  QL_CONSISTENCY_SINCE_LAST_PAYOUT, /* restarts at each ql_rules_request_payout () granted */
} QlConsistencyWindow;

typedef enum
{
  QL_CONSISTENCY_BLOCKS_PASS,   /* an objective: the challenge is not passed while it fails */
  QL_CONSISTENCY_BLOCKS_PAYOUT, /* checked by ql_rules_request_payout () */
} QlConsistencyConsequence;

/* Best day (closed P&L of one trading day) against a share of a
 * denominator. breach_if GT: best ≤ p·denominator passes (inclusive);
 * GE: best must stay below it (strict). */
typedef struct
{
  double percent; /* p, 0 < p <= 100 */
  QlConsistencyDenominator denominator;
  QlConsistencyWindow window;
  QlConsistencyConsequence consequence;
} QlConsistencyConfig;

/* Weekday bits, Monday first. */
#define QL_RULES_WEEKDAY(i) (1u << (i)) /* 0 = Monday ... 6 = Sunday */
#define QL_RULES_WEEKDAYS_MON_FRI 0x1fu
#define QL_RULES_WEEKDAYS_ALL 0x7fu

/* A session window [open, close) in local time of @zone. When close <= open
 * the window spans midnight and opens on the previous day: 17:00-15:10
 * runs from 17:00 the day before to 15:10. @weekdays names the days on
 * which a window *closes* (Sunday 17:00 to Monday 15:10 is Monday's).
 * Outside a window no order may add to a position (they are refused), and
 * unless @carry is set every covered position must be flat: a position
 * seen open outside a window is a violation, re-armed at the next open. */
typedef struct
{
  char *zone;          /* IANA name (owned) */
  int open_min;        /* local minutes after midnight, 0..1439 */
  int close_min;
  guint weekdays;      /* QL_RULES_WEEKDAY bits */
  gboolean carry;      /* positions may be held outside the window */
  char **symbols;      /* NULL-terminated patterns (owned), NULL = every symbol */
} QlTradingHoursConfig;

/* Symbols that may be traded. A pattern is a symbol as
 * ql_symbol_normalize () reads it, optionally ending in '*' (a prefix:
 * "ES*" covers ESZ4 and ESH5); a pattern without an exchange matches any. */
typedef struct
{
  char **symbols; /* NULL-terminated (owned) */
} QlAllowlistConfig;

/* One step of a scaling plan: from @min_profit of start-of-day balance over
 * C0, the cap is @max. */
typedef struct
{
  double min_profit;
  double max;
} QlSizeTier;

typedef enum
{
  QL_SIZE_PER_SYMBOL, /* each symbol's |position| on its own */
  QL_SIZE_TOTAL,      /* the sum over symbols of |position| × weight */
} QlSizeScope;

/* Position cap (QL_RULE_MAX_POSITION) or order cap (QL_RULE_MAX_ORDER), in
 * units × weight (a weight of 0.1 counts a micro contract as a tenth of a
 * mini; the default weight is 1). With tiers the cap is set at each reset
 * from the start-of-day balance and never rises within the day. A position
 * cap is checked before each order when @pre_trade is set (the order is
 * refused, whatever the action) and after each fill (the action applies). */
typedef struct
{
  double max;              /* the cap without tiers, > 0 */
  QlSizeTier *tiers;       /* n_tiers, ascending min_profit (owned) */
  guint n_tiers;
  QlSizeScope scope;
  char **weight_symbols;   /* NULL-terminated patterns (owned) */
  double *weights;         /* one per pattern (owned) */
  gboolean pre_trade;      /* max position: refuse orders that would exceed */
} QlSizeConfig;

typedef enum
{
  QL_TRADING_DAY_OPENED,      /* a position was opened or increased (FTMO) */
  QL_TRADING_DAY_CLOSED,      /* a position was closed or reduced: a round trip counts
                               * on the day it ends (Alpha Capital, FTT) */
  QL_TRADING_DAY_MIN_NET_PNL, /* the day's closed P&L >= min_pnl (payout days) */
} QlTradingDayDefinition;

typedef struct
{
  guint days;
  QlTradingDayDefinition definition;
  double min_pnl;
} QlMinTradingDaysConfig;

/* Met when balance >= C0 + amount (and every position is flat if
 * @require_flat), together with every other objective at that instant. */
typedef struct
{
  QlRuleAmount amount; /* ABSOLUTE or PERCENT_INITIAL */
  gboolean require_flat;
} QlProfitTargetConfig;

/* One rule. Only the parameters of @kind are read. */
typedef struct
{
  QlRuleKind kind;
  char *name;          /* unique in the config (owned) */
  QlRuleCmp breach_if;
  guint check;         /* QlRuleCheck flags */
  QlRuleAction action;
  QlDailyLossConfig daily_loss;
  QlMaxLossConfig max_loss;
  QlConsistencyConfig consistency;
  QlTradingHoursConfig hours;
  QlAllowlistConfig allowlist;
  QlSizeConfig size;
  QlMinTradingDaysConfig min_days;
  QlProfitTargetConfig target;
} QlRuleConfig;

typedef struct
{
  char *name;             /* "FTMO 2-Step Challenge 100K" (owned, nullable) */
  char *note;             /* (owned, nullable) */
  char **sources;         /* NULL-terminated URLs (owned, nullable) */
  double initial_capital; /* the account size the preset is written for; 0 = any */
  char *day_zone;         /* IANA zone of the trading day (owned) */
  int day_start_min;      /* local minutes after midnight, 0..1439 */
  QlRuleConfig *rules;    /* n_rules (owned) */
  guint n_rules;
} QlRulesConfig;

/* An empty config: trading day at 00:00 UTC, no rules. */
QlRulesConfig *ql_rules_config_new  (void);
void           ql_rules_config_free (QlRulesConfig *config); /* NULL is a no-op */
/* Appends a rule of @kind with that kind's defaults (see docs/rules.md)
 * named after the kind. (transfer none): valid until the next add. */
QlRuleConfig  *ql_rules_config_add  (QlRulesConfig *config,
                                     QlRuleKind     kind);

const char    *ql_rule_kind_to_string   (QlRuleKind kind);   /* "daily_loss" */
const char    *ql_rule_action_to_string (QlRuleAction action); /* "flatten_block" */
const char    *ql_rule_cmp_to_string    (QlRuleCmp cmp);       /* "<=" */

#define QL_RULES_ERROR (ql_rules_error_quark ())
GQuark ql_rules_error_quark (void);

typedef enum
{
  QL_RULES_ERROR_INVALID, /* a parameter out of range or inconsistent */
  QL_RULES_ERROR_FAILED,
} QlRulesError;

/* A violation, or a refused order or payout. */
typedef struct
{
  const char *rule;    /* the rule's name (transfer none: lives as long as the rules) */
  QlRuleKind kind;
  QlTimeNs time;
  gint64 day;          /* trading day of @time: days since 1970-01-01 of its local date */
  double value;        /* the figure compared (equity, position, best-day profit ...) */
  double limit;        /* the limit it was compared with */
  QlRuleAction action;
  guint symbol;        /* the symbol concerned, G_MAXUINT when none */
  char message[160];   /* one line */
} QlRuleEvent;

typedef enum
{
  QL_RULES_RUNNING, /* not failed; the objectives are not (all) met, or there are none */
  QL_RULES_PASSED,  /* every objective met, with no failure before */
  QL_RULES_FAILED,  /* a FAIL violation happened */
} QlRulesOutcome;

typedef struct
{
  QlRulesOutcome outcome;
  QlTimeNs time;          /* when passed or failed, else QL_TIME_NONE */
  gint64 day;             /* its trading day (days since 1970-01-01), else 0 */
  const char *rule;       /* failed: the rule's name (transfer none), else NULL */
  const QlRuleEvent *event; /* failed: the failing event (transfer none), else NULL */
  guint trading_days;     /* days counted by the min_trading_days rule (opened positions without one) */
  double net_profit;      /* balance − C0 */
  double best_day;        /* best closed daily P&L since the start */
  gboolean target_met;    /* at the final account, or at the pass */
  gboolean min_days_met;
  gboolean consistency_met;
} QlRulesVerdict;

/* Validates @config (zones exist, amounts positive, comparisons fit the
 * rule, unique names, ...) and copies it. (transfer full) */
QlRules *ql_rules_new   (const QlRulesConfig *config,
                         GError             **error);
void     ql_rules_free  (QlRules *self); /* NULL is a no-op */

/* Names of the run's symbols, by index, for the allowlist, size weights and
 * hours scopes. Call before the run; without it no symbol matches a
 * pattern (an allowlist then refuses everything). */
void     ql_rules_set_symbols (QlRules           *self,
                               const char *const *symbols,
                               guint              n_symbols);

/* The observer to plug into a run; @self must outlive it.
 *
 * on_clock and on_fill return FLATTEN_DISABLE from a failure on, at every
 * call; FLATTEN_BLOCK once, at a soft breach that flattens; BLOCK_NEW at
 * every call while a soft breach lasts; CONTINUE otherwise (which ends a
 * block). check_order refuses orders while blocked or disabled, and orders
 * that break an order rule (allowlist, order size, position size with
 * pre_trade, trading hours). An action that check_order cannot carry out
 * (an order for a forbidden symbol failing the account) is returned by the
 * next on_clock or on_fill. */
QlAccountObserver ql_rules_observer (QlRules *self);

/* Events so far, in time order. (transfer none): valid until the next
 * observer call. */
const QlRuleEvent *ql_rules_get_events (QlRules *self,
                                        guint   *n_events);

/* The verdict with @final_account (nullable) as the last view: a target met
 * there counts. Passing is final: violations after it are still recorded but
 * do not change a pass, as the firm ends a challenge when it is passed. */
QlRulesVerdict ql_rules_verdict (QlRules             *self,
                                 const QlAccountView *final_account);

/* Evaluates the BLOCKS_PAYOUT consistency rules on @account: TRUE when a
 * payout may be granted, and then the since-last-payout windows restart.
 * A refusal is recorded as an event and described in @reason. */
gboolean ql_rules_request_payout (QlRules             *self,
                                  const QlAccountView *account,
                                  char                *reason,
                                  gsize                reason_size);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QlRules, ql_rules_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (QlRulesConfig, ql_rules_config_free)

G_END_DECLS
