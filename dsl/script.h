/* dsl/script.h — compile and run QuantLab Script.
 *
 * A QlProgram is compiled once from source text (the caller reads the
 * file: dsl/ does no I/O) and is immutable: many instances, on many
 * threads, may run one program. A QlScriptInstance is one run's state: the
 * script's globals, one state slot per ta.* call site, history rings sized
 * by the checker, input values; it allocates when created and not while it
 * runs bars.
 *
 * Three ways to run an instance:
 *   - indicator: ql_script_instance_run_bars () runs the body once per bar
 *     of a bar series and hands each bar's plot values to a callback;
 *   - strategy and events: ql_script_instance_get_strategy () gives the
 *     QlStrategy the backtester (engine/backtest.h) drives;
 *   - tests: ql_script_instance_run_test () runs one `test` block.
 * A runtime error (a limit, an int overflow, a history offset past its
 * declared lookback, a failed assert) stops the instance; the host reads it
 * with ql_script_instance_get_error () and carries on. */
#pragma once

#include "dsl/ast.h"
#include "dsl/diag.h"
#include "engine/backtest.h"
#include "engine/instrument.h"
#include "engine/series.h"

G_BEGIN_DECLS

typedef struct QlProgram QlProgram;
typedef struct QlInstance QlScriptInstance;

#define QL_SCRIPT_ERROR (ql_script_error_quark ())
GQuark ql_script_error_quark (void);

typedef enum
{
  QL_SCRIPT_ERROR_INPUT,   /* a --param value or name is wrong */
  QL_SCRIPT_ERROR_LIMIT,   /* the script needs more memory than allowed */
} QlScriptError_;

typedef enum
{
  QL_EVENT_ON_START,
  QL_EVENT_ON_END,
  QL_EVENT_ON_TICK,
  QL_EVENT_ON_BAR,
  QL_EVENT_ON_ORDER_FILL,
  QL_EVENT_ON_POSITION_CHANGE,
} QlEventKind;

/* Limits; ql_script_limits_init () sets the documented defaults. */
typedef struct
{
  guint64 max_instructions_per_event;  /* 1000000 */
  guint64 max_instructions_per_run;    /* 10000000000 */
  gsize max_memory;                    /* 64 MiB: state, rings, arrays */
  guint max_call_depth;                /* 256 */
  /* Called every 65536 instructions; TRUE stops the run with R0004
   * "deadline passed". Nullable. It may abort a run, never change it. */
  gboolean (*deadline) (gpointer data);
  gpointer deadline_data;
} QlScriptLimits;

void ql_script_limits_init (QlScriptLimits *limits);

/* Compiles @source; diagnostics (errors and warnings) go to @diags.
 * NULL when there was any error. (transfer full) */
QlProgram   *ql_program_compile (const char *filename,
                                 const char *source,
                                 gsize       len,
                                 QlDiagList *diags);
/* A program is reference counted: each instance holds one, so it may be
 * freed before its instances. ql_program_free () drops a reference. */
QlProgram   *ql_program_ref (QlProgram *self);
void         ql_program_free (QlProgram *self);   /* NULL ok */
QlScriptMode ql_program_get_mode (const QlProgram *self);
const char  *ql_program_get_title (const QlProgram *self);
const char  *ql_program_get_filename (const QlProgram *self);
/* The source text it was compiled from (NUL-terminated copy). */
const char  *ql_program_get_source (const QlProgram *self);
gboolean     ql_program_get_calc_tick (const QlProgram *self);
/* Every lookback ring, every ta.* site and the state bytes, as text.
 * (transfer none) */
const char  *ql_program_explain (const QlProgram *self);
/* Bars of history the script reads (the largest offset into the main
 * series), for the host's history window. */
guint        ql_program_get_bar_lookback (const QlProgram *self);
/* Every function's instructions with their source lines, for
 * `check --bytecode`. (transfer full) */
char        *ql_program_disassemble (const QlProgram *self);

typedef struct
{
  char *name;        /* the variable: "fast" */
  char *title;       /* "Fast" or the name */
  int kind;          /* QL_INPUT_* (dsl/program.h): int, float, bool, string, ... */
  double def, min, max;  /* numeric inputs; min/max: -inf/inf when unset */
  char *def_text;    /* the default as written, for --help */
  char **options;    /* nullable, NULL-terminated */
} QlScriptInput;

guint                ql_program_get_n_inputs (const QlProgram *self);
const QlScriptInput *ql_program_get_input (const QlProgram *self,
                                           guint            i);

typedef struct
{
  char *title;       /* plot (x, "title"): the CSV column; else "plot<N>" */
  int kind;          /* 0 plot, 1 hline, 2 band (two columns), 3 hist, 4 mark */
  guint32 color;     /* 0xRRGGBBAA, constant colour or 0 */
  guint column;      /* first output column */
} QlScriptPlot;

guint               ql_program_get_n_plots (const QlProgram *self);
const QlScriptPlot *ql_program_get_plot (const QlProgram *self,
                                         guint            i);
/* Output columns of a run (bands give two). */
guint               ql_program_get_n_columns (const QlProgram *self);
const char         *ql_program_get_column_name (const QlProgram *self,
                                                guint            i);
guint               ql_program_get_n_tests (const QlProgram *self);
const char         *ql_program_get_test_name (const QlProgram *self,
                                              guint            i);

/* One instance. @params are "name=value" pairs setting inputs (checked
 * against type, min, max and options); NULL with an error naming the input
 * otherwise. @limits nullable (defaults). (transfer full) */
QlScriptInstance *ql_script_instance_new (const QlProgram      *program,
                                          const char *const    *params,
                                          const QlScriptLimits *limits,
                                          GError              **error);
void              ql_script_instance_free (QlScriptInstance *self);  /* NULL ok */
/* Bytes this instance allocated (state, rings, frames, plots). */
gsize             ql_script_instance_get_memory (const QlScriptInstance *self);
guint64           ql_script_instance_get_instructions (const QlScriptInstance *self);

/* Called with each bar's outputs: @values has ql_program_get_n_columns ()
 * doubles (NAN: no value). Return FALSE to stop. */
typedef gboolean (*QlScriptRowFunc) (gint64        time,
                                     const double *values,
                                     gpointer      data);

/* Indicator (and strategy without orders) over @bars: one run of the body
 * per bar, in order. @inst gives the trading days (vwap); nullable. FALSE
 * on a runtime error (ql_script_instance_get_error ()). */
gboolean ql_script_instance_run_bars (QlScriptInstance   *self,
                                      const QlSeries     *bars,
                                      const QlInstrument *inst,
                                      QlScriptRowFunc     row,
                                      gpointer            data);

/* Strategy and events modes: the callbacks for ql_backtest_run (). The
 * strategy runs the body on each close of the run's timeframe of symbol 0
 * (calc = "bar"), or also on each tick with the forming bar rolled back
 * before every tick (calc = "tick"); events mode calls the handlers.
 * Plot values of each bar go to @row (nullable). The instance must outlive
 * the run. */
QlStrategy ql_script_instance_get_strategy (QlScriptInstance *self,
                                            QlScriptRowFunc   row,
                                            gpointer          data);

/* Runs test block @i on a fresh state. FALSE when an assert failed or a
 * runtime error happened (ql_script_instance_get_error ()). */
gboolean ql_script_instance_run_test (QlScriptInstance *self,
                                      guint             i);

typedef struct
{
  char code[8];          /* "R0001" */
  char *message;
  QlSpan span;
  char *trace;           /* "at FILE:L:C in fn" lines, innermost first */
  gint64 bar_index;      /* -1 outside bars */
  gint64 time;           /* ns; G_MININT64 outside bars */
} QlScriptError;

/* NULL when no error happened. (transfer none) */
const QlScriptError *ql_script_instance_get_error (const QlScriptInstance *self);
/* The error as a diagnostic in @diags (with bar, time and trace). */
void                 ql_script_instance_report_error (const QlScriptInstance *self,
                                                      QlDiagList             *diags);

/* log.info/warn/error output: by default to g_message; the host may take
 * it (the CLI prints "FILE:LINE: [bar N] text" on stderr). */
typedef void (*QlScriptLogFunc) (int         level,   /* 0 info, 1 warn, 2 error */
                                 const QlSpan *span,
                                 gint64      bar_index,
                                 const char *text,
                                 gpointer    data);
void ql_script_instance_set_log_func (QlScriptInstance *self,
                                      QlScriptLogFunc   func,
                                      gpointer          data);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QlProgram, ql_program_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (QlScriptInstance, ql_script_instance_free)

G_END_DECLS
