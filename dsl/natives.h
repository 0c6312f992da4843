/* dsl/natives.h — ids of the non-ta builtins (QlBuiltinInfo.id), shared by
 * the table (dsl/builtins.c) and the compiler. Private to dsl/. */
#pragma once

#include "dsl/program.h"

G_BEGIN_DECLS

typedef enum
{
  /* values */
  QL_B_OPEN, QL_B_HIGH, QL_B_LOW, QL_B_CLOSE, QL_B_VOLUME, QL_B_HL2, QL_B_HLC3,
  QL_B_OHLC4, QL_B_TIME, QL_B_BAR_INDEX,
  QL_B_EQUITY, QL_B_CASH, QL_B_POSITION_SIZE, QL_B_POSITION_AVG_PRICE, QL_B_OPEN_ORDERS,
  QL_B_MINTICK, QL_B_TICKER, QL_B_ALL, QL_B_PI, QL_B_E,
  /* compiled in line */
  QL_B_NA, QL_B_NZ, QL_B_FIXNAN, QL_B_PLOT, QL_B_HLINE, QL_B_BAND, QL_B_HIST, QL_B_MARK,
  QL_B_INPUT_INT, QL_B_INPUT_FLOAT, QL_B_INPUT_BOOL, QL_B_INPUT_STRING, QL_B_INPUT_SYMBOL,
  QL_B_INPUT_TIMEFRAME, QL_B_INPUT_COLOR,
  QL_B_LOG_INFO, QL_B_LOG_WARN, QL_B_LOG_ERROR, QL_B_ASSERT, QL_B_LOOKBACK,
  QL_B_INT, QL_B_FLOAT, QL_B_SYMBOL, QL_B_POSITION,
  QL_B_ARRAY_NEW_FLOAT, QL_B_ARRAY_NEW_INT, QL_B_ARRAY_NEW_BOOL, QL_B_ARRAY_NEW_STRING,
  QL_B_ARRAY_NEW_COLOR, QL_B_ARRAY_PUSH, QL_B_ARRAY_POP, QL_B_ARRAY_GET, QL_B_ARRAY_SET,
  QL_B_ARRAY_SIZE, QL_B_ARRAY_CLEAR, QL_B_ARRAY_SUM, QL_B_ARRAY_AVG, QL_B_ARRAY_MIN,
  QL_B_ARRAY_MAX, QL_B_ARRAY_INCLUDES, QL_B_ARRAY_SHIFT, QL_B_ARRAY_INSERT, QL_B_ARRAY_REMOVE,
  QL_B_MAP_PUT, QL_B_MAP_GET, QL_B_MAP_CONTAINS, QL_B_MAP_REMOVE, QL_B_MAP_SIZE, QL_B_MAP_CLEAR,
  QL_B_MAP_KEYS,
  /* through CALLB (dsl/builtins.c) */
  QL_B_FIRST_CALLB,
  QL_B_ABS = QL_B_FIRST_CALLB, QL_B_MIN, QL_B_MAX, QL_B_SQRT, QL_B_LOG, QL_B_LOG10, QL_B_EXP,
  QL_B_POW, QL_B_ROUND, QL_B_FLOOR, QL_B_CEIL, QL_B_SIGN, QL_B_ROUND_TO_MINTICK,
  QL_B_STR_I, QL_B_STR_F, QL_B_STR_B, QL_B_CONCAT,
  QL_B_N
} QlBuiltinId;

/* The CALLB builtins: function and number of arguments (float arguments
 * and result, except the str and concat rows). */
QlBuiltinFn ql_stdlib_fn (int id);
guint       ql_stdlib_arity (int id);

/* For the CALLB functions (dsl/vm.c): a string that lives until the
 * event ends, and the instrument of the run (nullable). */
const char         *ql_instance_scratch (QlInstance *inst,
                                         const char *text);
const QlInstrument *ql_instance_get_instrument (QlInstance *inst);
/* equity, cash, position_size, position_avg_price, open_orders,
 * syminfo.mintick, syminfo.ticker: read from the run (dsl/vm.c). */
QlBuiltinFn         ql_vm_account_fn (int id);

G_END_DECLS
