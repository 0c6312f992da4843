/* data/report.h — a backtest's results on disk: the versioned report JSON
 * (schema in docs/backtest-report.md), the closed trades as CSV and the
 * equity curve as CSV.
 *
 * The JSON tree is built with json-glib and written by a small writer of
 * our own, because json-glib prints every double with 17 digits
 * (0.1 as 0.10000000000000001); ours prints the shortest text that reads
 * back to the same double (engine/numfmt.h), with an exponent for integers
 * of 16 digits or more (json-glib reads a long integer as int64 and would
 * overflow) and -0.0 for negative zero. NA is null, +/- infinity the strings
 * "inf" and "-inf". Times are ISO 8601 UTC strings as quantlab-cli writes
 * them ("2024-03-04T09:30:00.250Z"). */
#pragma once

#include "engine/metrics.h"
#include "engine/montecarlo.h"
#include "engine/rules.h"

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define QL_REPORT_ERROR (ql_report_error_quark ())
GQuark ql_report_error_quark (void);

typedef enum
{
  QL_REPORT_ERROR_IO, /* a file could not be written */
  QL_REPORT_ERROR_FAILED,
} QlReportError;

#define QL_REPORT_SCHEMA "quantlab.backtest-report"
#define QL_REPORT_VERSION 1

/* Bytes a buffer for ql_report_format_time () must hold. */
#define QL_REPORT_TIME_MAX 40

/* One account-rule event, as the rules engine reports it. Strings are
 * borrowed for the duration of the call that takes them. */
typedef struct
{
  const char *rule;    /* "daily_loss", "trailing_drawdown", ... */
  QlTimeNs time;
  double value;        /* the measured figure (NA: NAN) */
  double limit;        /* the limit it was compared with (NA: NAN) */
  const char *action;  /* "record", "block", "flatten", "disable" */
  const char *message; /* one line for people, nullable */
} QlReportRuleEvent;

/* One order the broker refused at submission. Strings are borrowed for the
 * duration of the call that takes them. */
typedef struct
{
  QlTimeNs time;       /* submission time */
  guint32 order;       /* the order's id in the run */
  const char *symbol;
  const char *side;    /* "buy", "sell" */
  const char *type;    /* "market", "limit", "stop", "stop_limit", "trailing_stop" */
  double quantity;     /* in units of the instrument */
  const char *reason;  /* a code: "buying_power", "lot_size", ... */
  const char *message; /* the reason for people: "insufficient buying power" */
} QlReportRejection;

/* The probability, over the Monte Carlo runs of one method, that a
 * day-based or objective rule is met on the resampled trades (the model is
 * docs/backtest-report.md's). */
typedef struct
{
  const char *name;   /* the rule's name */
  const char *kind;   /* "daily_loss", "profit_target" */
  double amount;      /* the rule's amount in money (the loss allowed, the profit aimed at) */
  double probability; /* share of runs that breach it (daily_loss) or reach it (profit_target) */
} QlReportMcRule;

/* The report lists at most this many rejections (the first ones); counts
 * cover them all. */
#define QL_REPORT_MAX_REJECTIONS 100

/* Everything a report holds; every pointer is borrowed (transfer none). */
typedef struct
{
  JsonObject *settings;                        /* nullable: written as given */
  const QlMetrics *total;                      /* required */
  const QlMetrics *per_symbol;                 /* n_symbols, nullable */
  guint n_symbols;
  const char *const *symbol_names;             /* n_symbols, nullable ("#0", "#1", ...) */
  const QlMonthlyReturn *monthly;              /* n_monthly */
  gsize n_monthly;
  const QlReportRuleEvent *rule_events;        /* n_rule_events */
  gsize n_rule_events;
  const QlMonteCarloResult *const *monte_carlo; /* n_monte_carlo, nullable: no "monte_carlo" key */
  gsize n_monte_carlo;
  const QlReportMcRule *const *mc_rules;       /* n_monte_carlo arrays of n_mc_rules, nullable */
  gsize n_mc_rules;
  const QlReportRejection *rejections;         /* n_rejections, in submission order */
  gsize n_rejections;
  const QlRulesVerdict *verdict;               /* nullable: no "rules_verdict" key (no rules) */
  guint64 margin_calls;                        /* QlRunStats.margin_calls */
  guint64 late_refusals;                       /* QlRunStats.late_refusals */
} QlReportContent;

/* The report as a json-glib tree. (transfer full) */
JsonNode *ql_report_build (const QlReportContent *content);

/* @root as pretty-printed JSON text ending in a newline, numbers as
 * described above. (transfer full) */
char *ql_report_to_json (JsonNode *root,
                         gsize    *length);

/* Builds the report and writes it to @path ("-": standard output). */
gboolean ql_report_write_json (const QlReportContent *content,
                               const char            *path,
                               GError               **error);

/* symbol,side,quantity,entry_time,entry_price,exit_time,exit_price,pnl,
 * commission,mae,mfe,bars_held,exit_reason: one row per trade in the order
 * given; side is "long" or "short"; exit_reason one of signal, limit,
 * stop, margin_call, account_rule (QlExitReason); names are quoted when
 * they need it. */
gboolean ql_report_write_trades_csv (const char         *path,
                                     const QlTrade      *trades,
                                     gsize               n_trades,
                                     const char *const  *symbol_names,
                                     guint               n_symbols,
                                     GError            **error);

/* time,balance,equity: one row per point. */
gboolean ql_report_write_equity_csv (const char          *path,
                                     const QlEquityPoint *equity,
                                     gsize                n_equity,
                                     GError             **error);

/* "2024-03-04T09:30:00Z", with .mmm, .uuuuuu or .nnnnnnnnn when needed;
 * returns the length. */
int ql_report_format_time (QlTimeNs t,
                           char    *buf);

G_END_DECLS
