/* engine/builtins.h — strategies written in C against engine/backtest.h,
 * for tests, benchmarks and comparisons.
 *
 *   buy_and_hold (qty)
 *     At the first close of a bar of the run's timeframe of each symbol,
 *     buys qty at market, and holds it to the end.
 *   sma_cross (fast, slow, qty)
 *     Long only, on each symbol's bars of the run's timeframe. With
 *     F = SMA (fast) and S = SMA (slow) of the closes, both defined on this
 *     bar and the one before: when F > S on this bar and F <= S on the
 *     previous one, buys qty at market; when F < S on this bar and F >= S on
 *     the previous one, sells the whole position at market (nothing when
 *     flat). The averages are the engine's incremental SMA (engine/ta.h,
 *     in double), the numbers the chart and `quantlab-cli indicators` show,
 *     so that dsl/examples/sma_cross.qls, which computes ta.sma with the
 *     same kernel, reproduces this strategy trade for trade. fast must be
 *     below slow: with fast >= slow the "fast" average is the slow one and
 *     the signals are inverted (ql_builtin_check () refuses it).
 *
 * Parameters are text (as `--param K=V` gives them): fast and slow are
 * integers >= 1, qty a decimal number of units, converted with each
 * instrument's qty_scale when the run starts (1 by default). A qty that is
 * not a whole number of lots of an instrument would be rounded there:
 * ql_builtin_check () refuses it before the run instead. */
#pragma once

#include "engine/backtest.h"

G_BEGIN_DECLS

#define QL_BUILTIN_ERROR (ql_builtin_error_quark ())
GQuark ql_builtin_error_quark (void);

typedef enum
{
  QL_BUILTIN_ERROR_UNKNOWN,   /* no builtin or parameter of that name */
  QL_BUILTIN_ERROR_BAD_VALUE, /* a value that does not parse or fit */
  QL_BUILTIN_ERROR_LOT_SIZE,  /* qty is not a whole number of lots of an instrument */
  QL_BUILTIN_ERROR_PARAMS,    /* parameters that do not fit together: sma_cross fast >= slow */
} QlBuiltinError;

typedef struct QlBuiltin QlBuiltin;

/* NULL-terminated list of the names. */
const char *const *ql_builtin_list (void);

/* (transfer full) The builtin @name with default parameters. */
QlBuiltin *ql_builtin_new (const char *name,
                           GError    **error);
void       ql_builtin_free (QlBuiltin *self); /* NULL is a no-op */

/* Sets parameter @key to @value ("10", "0.5"). */
gboolean   ql_builtin_set_param (QlBuiltin  *self,
                                 const char *key,
                                 const char *value,
                                 GError    **error);
/* Checks the parameters together and against the instruments of a run
 * before it starts (@insts: @n_insts, (transfer none); none to check the
 * parameters alone): sma_cross needs fast < slow (QL_BUILTIN_ERROR_PARAMS,
 * checked first), and qty must be a positive whole number of lots of every
 * instrument (QL_BUILTIN_ERROR_LOT_SIZE), never rounded. */
gboolean   ql_builtin_check (const QlBuiltin           *self,
                             const QlInstrument *const *insts,
                             guint                      n_insts,
                             GError                   **error);
/* NULL-terminated list of the parameter names of this builtin. */
const char *const *ql_builtin_get_param_names (const QlBuiltin *self);

/* (transfer none) The strategy to give ql_backtest_run (); its state is
 * reset by on_start, so one builtin serves one run at a time. */
const QlStrategy *ql_builtin_get_strategy (QlBuiltin *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QlBuiltin, ql_builtin_free)

G_END_DECLS
