/* app/cli/market.h — what `backtest` and `optimize` share: the settings of a
 * run as the command line gives them, and the market data they name (CSV
 * files or stored instruments), opened as engine sources. */
#pragma once

#include "data/feed.h"
#include "data/store.h"
#include "engine/backtest.h"
#include "dsl/script.h"
#include "engine/builtins.h"

G_BEGIN_DECLS

typedef struct _QlCliMarket QlCliMarket;

/* The options common to both commands, filled by GOption. */
typedef struct
{
  char *builtin;
  char *script;        /* FILE.qls, instead of --builtin */
  QlProgram *program;  /* --script compiled by ql_cli_run_settings_parse () */
  gboolean allow_indicator; /* run and test: indicator scripts too */
  double time_limit;   /* --time-limit: seconds of wall clock per script run, 0: none */
  char **params;       /* K=V */
  char **data;         /* SYM=FILE */
  char **symbols;
  char *db;
  char *timeframe;
  char *mode;          /* "tick" | "bar" | NULL: ticks when every symbol has them */
  char *from_text, *to_text;
  char *capital;
  char *commission;
  char *slippage;
  char *fill;          /* "through" (default) | "touch" */
  char *latency;
  char *volume_share;
  gboolean allow_short;
  gboolean magnifier;
  char *tz;
  char *leverage;      /* N: initial margin 1/N */
  char *margin;        /* initial=X,maintenance=Y, fractions of the notional */
  char **multipliers;  /* SYM=N */
  char *margin_call;   /* liquidate-all (default) | close-worst | none */
} QlCliRunOptions;

void ql_cli_run_options_clear (QlCliRunOptions *opts);
/* Appends the common GOption entries to @entries. */
void ql_cli_run_options_add_entries (QlCliRunOptions *opts,
                                     GArray          *entries);

/* The settings, parsed and checked: one clear message on failure. */
typedef struct
{
  QlRunConfig config;      /* observer left empty */
  QlTimeNs from, to;
  gboolean tick_mode;      /* decided by the data when the option is absent */
  gboolean mode_given;
  gboolean timeframe_given;
  gint64 initial_margin_ppm;     /* every symbol; 0: 100 %, no leverage */
  gint64 maintenance_margin_ppm; /* every symbol; 0: no margin call */
} QlCliRunSettings;

/* Also compiles --script (its diagnostics go to stderr). */
gboolean ql_cli_run_settings_parse (QlCliRunOptions       *opts,
                                    QlCliRunSettings      *settings,
                                    GError               **error);

/* The strategy of one run: the builtin, or an instance of the compiled
 * script, with the --param values. */
typedef struct
{
  QlBuiltin *builtin;
  QlScriptInstance *script;
  QlStrategy strategy;
  gint64 deadline_us;  /* monotonic time the script run must end by; 0: none */
} QlCliStrategy;

/* Script limits with the --time-limit deadline counted from now into
 * *@deadline_us (which must outlive the run). */
void ql_cli_script_limits (const QlCliRunOptions *opts,
                           QlScriptLimits        *limits,
                           gint64                *deadline_us);

/* log.* of a script: "FILE:LINE:COL: info: [bar N] text" on stderr;
 * @data is the file name. */
void           ql_cli_script_log (int           level,
                                  const QlSpan *span,
                                  gint64        bar_index,
                                  const char   *text,
                                  gpointer      data);
/* (transfer full) */
QlCliStrategy *ql_cli_strategy_new (const QlCliRunOptions *opts,
                                    GError               **error);
void           ql_cli_strategy_free (QlCliStrategy *self);
/* Checks a builtin's parameters against the market's instruments (qty a
 * whole number of lots); a script's orders are checked by the broker. */
gboolean       ql_cli_strategy_check (const QlCliStrategy *self,
                                      QlCliMarket         *market,
                                      GError             **error);
/* "sma_cross" or the script's file name. */
const char    *ql_cli_strategy_name (const QlCliRunOptions *opts);

/* Reads and compiles a script; the diagnostics (warnings too) go to
 * stderr as text, or to @json (nullable) as JSON. NULL with "N errors"
 * in @error when it does not compile. (transfer full) */
QlProgram     *ql_cli_compile_script (const char *path,
                                      GString    *json,
                                      GError    **error);

/* The market: one entry per symbol, the data opened as feeds. */
struct _QlCliMarket
{
  GPtrArray *feeds;        /* QlFeed, owned, one per symbol */
  GPtrArray *names;        /* char *, "BINANCE:BTCUSDT" */
  GPtrArray *finer;        /* QlFeed or NULL: the magnifier's input */
  GPtrArray *held_bars;    /* QlSeries kept alive for memory feeds */
  QlStore *store;          /* nullable */
  GPtrArray *loaded;       /* QlSeries per symbol after ql_cli_market_load () */
  GPtrArray *loaded_finer; /* QlSeries or NULL per symbol */
  GArray *multipliers;     /* gint64 per symbol, >= 1 (--multiplier) */
  gint64 initial_margin_ppm;     /* copied from the settings for the run symbols */
  gint64 maintenance_margin_ppm;
};

/* Opens every --data and --symbol of @opts. Settles the run's timeframe and
 * mode in @settings when the options left them open. (transfer full) */
QlCliMarket *ql_cli_market_open (const QlCliRunOptions *opts,
                                 QlCliRunSettings      *settings,
                                 GError               **error);
void         ql_cli_market_free (QlCliMarket *self);

/* Run symbols over the market's feeds (sources not owned by the run). */
QlRunSymbol *ql_cli_market_run_symbols (QlCliMarket *self,
                                        guint       *n);
/* Reads every feed to its end into memory, for many runs over the same
 * data (optimize). */
gboolean ql_cli_market_load (QlCliMarket *self,
                             GError     **error);
/* Run symbols over the loaded rows with @from <= time < @to, each source a
 * view into the loaded series; the run frees the sources, the caller the
 * array (g_free). */
QlRunSymbol *ql_cli_market_memory_symbols (QlCliMarket *self,
                                           QlTimeNs     from,
                                           QlTimeNs     to,
                                           guint       *n);
/* The loaded rows' first and last time over all symbols. */
void         ql_cli_market_loaded_range (QlCliMarket *self,
                                         QlTimeNs    *first,
                                         QlTimeNs    *last);

/* After a run over the feeds (or after ql_cli_market_load ()): fails with
 * "no data for SYM between ..." when a symbol had no row in the run's
 * range. */
gboolean     ql_cli_market_check_rows (QlCliMarket            *self,
                                       const QlCliRunSettings *settings,
                                       GError                **error);

/* The first error any feed stopped on, or NULL. */
const GError *ql_cli_market_get_error (QlCliMarket *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QlCliMarket, ql_cli_market_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (QlCliStrategy, ql_cli_strategy_free)

G_END_DECLS
