/* dsl/ta_bind.h — the ta.* builtins of QuantLab Script, bound to the
 * incremental indicators of engine/ta.h.
 *
 * One row per ta.* function: its signature (for the checker, the
 * completion provider and docs), and adapters that run the engine's
 * kernel on one call site's state. A call site owns state_size bytes
 * (aligned to 16); init prepares it from the call's constant or input
 * parameters, update commits one bar, preview evaluates a forming bar
 * without touching the state, clear frees what init allocated. The
 * adapters perform exactly the engine's floating-point operations, so a
 * script's ta.sma equals `quantlab-cli indicators --ind sma(...)` to the
 * last bit (tests/dsl/test-ta-bind.c proves it for every row).
 *
 * Values cross as QlScalar: .f for float, .i for int (na: QL_NA_INT) and
 * bool (0 or 1). Float na is NAN. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef union
{
  double f;
  gint64 i;
} QlScalar;

#define QL_NA_INT G_MININT64

/* The state of ta.crossover and ta.crossunder: the previous bar's inputs
 * (na included). Public so that the VM can run them in line. */
typedef struct
{
  double pa, pb;
} QlTaCross;

typedef struct
{
  const char *name;       /* "sma": the builtin is "ta.sma" */
  /* "(source: series float, length: input int) -> series float";
   * tuples: "-> (series float, series float, series float)".
   * Series inputs come first, then the parameters; a parameter may have a
   * default: "length: input int = 14". */
  const char *signature;
  const char *doc;        /* one or two sentences, the definition cited */
  guint n_inputs;         /* series arguments, in signature order */
  guint n_params;         /* const/input arguments, after the inputs */
  guint n_outputs;
  const char *outputs;    /* comma-separated output names: "macd,signal,hist" */
  gsize state_size;
  gboolean uses_day;      /* vwap, pivots: update/preview read @day */
  /* Checks @params (n_params values, in signature order; ints as .i) and
   * prepares @state; returns NULL, or a static message naming the bad
   * parameter ("length must be >= 1") and leaves @state needing no clear. */
  const char *(*init) (void *state, const QlScalar *params);
  void (*clear) (void *state);
  /* @in: n_inputs values; @out: n_outputs values. @day: the trading day
   * of the bar (uses_day only). */
  void (*update) (void *state, gint64 day, const QlScalar *in, QlScalar *out);
  void (*preview) (const void *state, gint64 day, const QlScalar *in, QlScalar *out);
} QlTaBind;

guint           ql_ta_bind_size (void);
const QlTaBind *ql_ta_bind_get (guint i);
/* By name without the "ta." prefix; NULL when unknown. */
const QlTaBind *ql_ta_bind_lookup (const char *name);

G_END_DECLS
