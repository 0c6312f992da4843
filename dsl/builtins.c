/* dsl/builtins.c — the builtin table of QuantLab Script (the rows other
 * than ta.*, which come from dsl/ta_bind.c) and the functions the VM calls
 * through CALLB. */
#define G_LOG_DOMAIN "ql-dsl-builtins"

#include "dsl/builtins.h"

#include "dsl/natives.h"
#include "dsl/ta_bind.h"
#include "engine/numfmt.h"

#include <math.h>
#include <string.h>

#define V QL_BUILTIN_VALUE
#define F QL_BUILTIN_FUNCTION
#define O QL_BUILTIN_ORDER

static const QlBuiltinInfo rows[] = {
  { "open", V, ": series float", "Open price of the current bar.", "series", QL_B_OPEN },
  { "high", V, ": series float", "High price of the current bar.", "series", QL_B_HIGH },
  { "low", V, ": series float", "Low price of the current bar.", "series", QL_B_LOW },
  { "close", V, ": series float", "Close price of the current bar (the last price while it forms).", "series", QL_B_CLOSE },
  { "volume", V, ": series float", "Volume of the current bar.", "series", QL_B_VOLUME },
  { "hl2", V, ": series float", "(high + low) / 2.", "series", QL_B_HL2 },
  { "hlc3", V, ": series float", "(high + low + close) / 3.", "series", QL_B_HLC3 },
  { "ohlc4", V, ": series float", "(open + high + low + close) / 4.", "series", QL_B_OHLC4 },
  { "time", V, ": series int", "Open time of the current bar: nanoseconds since 1970-01-01 UTC (engine time).", "time", QL_B_TIME },
  { "bar_index", V, ": series int", "Index of the current bar, 0 for the first.", "series", QL_B_BAR_INDEX },
  { "equity", V, ": series float", "Account equity: balance plus open positions at their last price (strategy).", "account", QL_B_EQUITY },
  { "cash", V, ": series float", "Account balance: cash after realised P&L and commissions (strategy).", "account", QL_B_CASH },
  { "position_size", V, ": series float", "Signed position of the main symbol: > 0 long, < 0 short, 0 flat (strategy).", "account", QL_B_POSITION_SIZE },
  { "position_avg_price", V, ": series float", "Average entry price of the position; na when flat (strategy).", "account", QL_B_POSITION_AVG_PRICE },
  { "open_orders", V, ": series int", "Working orders of the event's symbol (the main one outside on_bar/on_tick). open_orders(s) counts those of symbol s: a handler's symbol parameter or a symbol() variable.", "account", QL_B_OPEN_ORDERS },
  { "position", F, "(s: series symbol) -> position", "The position in symbol s (a handler's symbol parameter or a symbol() variable): .size (signed), .avg_price (na when flat), .realized (P&L booked so far after commissions, in the account currency).", "account", QL_B_POSITION },
  { "syminfo.mintick", V, ": series float", "Tick size of the main symbol; na without one.", "misc", QL_B_MINTICK },
  { "syminfo.ticker", V, ": series string", "Symbol of the main series.", "misc", QL_B_TICKER },
  { "all", V, ": const string", "For exit (all) and cancel (all): every position or order.", "order", QL_B_ALL },
  { "math.pi", V, ": const float", "π.", "math", QL_B_PI },
  { "math.e", V, ": const float", "Euler's number e.", "math", QL_B_E },

  { "na", F, "(x: series any) -> series bool", "True when x is na (use it instead of x == na, which is always false).", "misc", QL_B_NA },
  { "nz", F, "(x: series any, replacement: series any = 0) -> series any", "x, or replacement when x is na.", "misc", QL_B_NZ },
  { "fixnan", F, "(x: series float) -> series float", "x, or the last value of x that was not na (per call site).", "misc", QL_B_FIXNAN },
  { "plot", F, "(series: series float, title: const string = \"\", color: const color = #2962FFFF)", "Outputs a line: one CSV column, one chart line. na is a gap. Top level only.", "plot", QL_B_PLOT },
  { "hline", F, "(price: input float, title: const string = \"\", color: const color = #787B86FF)", "Outputs a horizontal level (a constant column).", "plot", QL_B_HLINE },
  { "band", F, "(upper: series float, lower: series float, title: const string = \"\", color: const color = #2962FF40)", "Outputs two columns, title.upper and title.lower, drawn as a filled band.", "plot", QL_B_BAND },
  { "hist", F, "(series: series float, title: const string = \"\", color: const color = #26A69AFF)", "Outputs a histogram column.", "plot", QL_B_HIST },
  { "mark", F, "(condition: series bool, title: const string = \"\", color: const color = #F23645FF)", "Outputs a marker column: the close where condition is true, na elsewhere.", "plot", QL_B_MARK },
  { "input.int", F, "(defval: const int, title: const string = \"\", min: const int = na, max: const int = na, options: const array<int> = na) -> input int", "An integer input, set with --param name=value.", "input", QL_B_INPUT_INT },
  { "input.float", F, "(defval: const float, title: const string = \"\", min: const float = na, max: const float = na, options: const array<float> = na) -> input float", "A number input.", "input", QL_B_INPUT_FLOAT },
  { "input.bool", F, "(defval: const bool, title: const string = \"\") -> input bool", "A true/false input.", "input", QL_B_INPUT_BOOL },
  { "input.string", F, "(defval: const string, title: const string = \"\", options: const array<string> = na) -> input string", "A string input.", "input", QL_B_INPUT_STRING },
  { "input.symbol", F, "(defval: const string, title: const string = \"\") -> input symbol", "A symbol input (\"BINANCE:ETHUSDT\").", "input", QL_B_INPUT_SYMBOL },
  { "input.timeframe", F, "(defval: const string, title: const string = \"\") -> input string", "A timeframe input (\"1h\").", "input", QL_B_INPUT_TIMEFRAME },
  { "input.color", F, "(defval: const color, title: const string = \"\") -> input color", "A colour input (#RRGGBB or #RRGGBBAA).", "input", QL_B_INPUT_COLOR },
  { "log.info", F, "(message: series string)", "Writes message to the run's log, with file, line and bar.", "log", QL_B_LOG_INFO },
  { "log.warn", F, "(message: series string)", "As log.info, as a warning.", "log", QL_B_LOG_WARN },
  { "log.error", F, "(message: series string)", "As log.info, as an error (the run goes on).", "log", QL_B_LOG_ERROR },
  { "assert", F, "(condition: series bool, message: const string = \"\")", "Stops the run with error R0010 when condition is false; used in test blocks.", "misc", QL_B_ASSERT },
  { "lookback", F, "(x: series any, bars: const int)", "Declares that x may be read up to bars back with a runtime offset (x[n]).", "series", QL_B_LOOKBACK },
  { "int", F, "(x: series float) -> series int", "x truncated toward zero; na stays na.", "math", QL_B_INT },
  { "float", F, "(x: series int) -> series float", "x as a float; na stays na.", "math", QL_B_FLOAT },
  { "symbol", F, "(ticker: const string, timeframe: const string = \"\") -> symbol", "Another series of the run, at the top level: eth = symbol(\"BINANCE:ETHUSDT\", \"1h\"); eth.close[k] reads its bars closed by now. An empty ticker is the main symbol on another timeframe; an empty timeframe is the run's. A ta.* fed by it advances on its closes.", "misc", QL_B_SYMBOL },
  { "math.abs", F, "(x: series float) -> series float", "Absolute value.", "math", QL_B_ABS },
  { "math.min", F, "(a: series float, b: series float) -> series float", "The smaller of a and b; na if either is na.", "math", QL_B_MIN },
  { "math.max", F, "(a: series float, b: series float) -> series float", "The larger of a and b; na if either is na.", "math", QL_B_MAX },
  { "math.sqrt", F, "(x: series float) -> series float", "Square root; na for x < 0.", "math", QL_B_SQRT },
  { "math.log", F, "(x: series float) -> series float", "Natural logarithm; na for x <= 0.", "math", QL_B_LOG },
  { "math.log10", F, "(x: series float) -> series float", "Base-10 logarithm; na for x <= 0.", "math", QL_B_LOG10 },
  { "math.exp", F, "(x: series float) -> series float", "e to the power x.", "math", QL_B_EXP },
  { "math.pow", F, "(base: series float, exponent: series float) -> series float", "base to the power exponent; na where undefined.", "math", QL_B_POW },
  { "math.round", F, "(x: series float) -> series float", "Nearest integer, halves away from zero.", "math", QL_B_ROUND },
  { "math.floor", F, "(x: series float) -> series float", "Largest integer <= x.", "math", QL_B_FLOOR },
  { "math.ceil", F, "(x: series float) -> series float", "Smallest integer >= x.", "math", QL_B_CEIL },
  { "math.sign", F, "(x: series float) -> series float", "-1, 0 or 1.", "math", QL_B_SIGN },
  { "math.round_to_mintick", F, "(x: series float) -> series float", "x rounded to the symbol's tick grid (orders off the grid are rejected, never adjusted).", "math", QL_B_ROUND_TO_MINTICK },
  { "str", F, "(x: series any) -> series string", "x as text: numbers in the shortest form that reads back exactly, na as \"na\".", "string", QL_B_STR_F },

  { "array.new_float", F, "(size: series int = 0, initial: series float = na) -> array<float>", "An array of size copies of initial. Running the line again clears and refills the same array: declare it with var to keep it across bars.", "array", QL_B_ARRAY_NEW_FLOAT },
  { "array.new_int", F, "(size: series int = 0, initial: series int = na) -> array<int>", "An array of ints, as array.new_float.", "array", QL_B_ARRAY_NEW_INT },
  { "array.new_bool", F, "(size: series int = 0, initial: series bool = false) -> array<bool>", "An array of bools, as array.new_float.", "array", QL_B_ARRAY_NEW_BOOL },
  { "array.new_string", F, "(size: series int = 0, initial: series string = \"\") -> array<string>", "An array of strings, as array.new_float.", "array", QL_B_ARRAY_NEW_STRING },
  { "array.new_color", F, "(size: series int = 0, initial: series color = na) -> array<color>", "An array of colours, as array.new_float.", "array", QL_B_ARRAY_NEW_COLOR },
  { "array.push", F, "(a: array<T>, value: series T)", "Appends value (runtime error R0013 when the script's memory limit is reached).", "array", QL_B_ARRAY_PUSH },
  { "array.pop", F, "(a: array<T>) -> series T", "Removes and returns the last element (R0014 when empty).", "array", QL_B_ARRAY_POP },
  { "array.get", F, "(a: array<T>, index: series int) -> series T", "The element at index, from 0; a[index] is the same (R0014 out of bounds).", "array", QL_B_ARRAY_GET },
  { "array.set", F, "(a: array<T>, index: series int, value: series T)", "Replaces the element at index; a[index] := value is the same.", "array", QL_B_ARRAY_SET },
  { "array.size", F, "(a: array<T>) -> series int", "Number of elements.", "array", QL_B_ARRAY_SIZE },
  { "array.clear", F, "(a: array<T>)", "Removes every element.", "array", QL_B_ARRAY_CLEAR },
  { "array.sum", F, "(a: array<T>) -> series T", "Sum of the elements (int or float); na elements of a float array make it na.", "array", QL_B_ARRAY_SUM },
  { "array.avg", F, "(a: array<T>) -> series float", "Mean of the elements; na when empty.", "array", QL_B_ARRAY_AVG },
  { "array.min", F, "(a: array<T>) -> series T", "Smallest element, na ignored; na when empty.", "array", QL_B_ARRAY_MIN },
  { "array.max", F, "(a: array<T>) -> series T", "Largest element, na ignored; na when empty.", "array", QL_B_ARRAY_MAX },
  { "array.includes", F, "(a: array<T>, value: series T) -> series bool", "Whether an element equals value.", "array", QL_B_ARRAY_INCLUDES },
  { "array.shift", F, "(a: array<T>) -> series T", "Removes and returns the first element (R0014 when empty).", "array", QL_B_ARRAY_SHIFT },
  { "array.insert", F, "(a: array<T>, index: series int, value: series T)", "Inserts value before index (0..size).", "array", QL_B_ARRAY_INSERT },
  { "array.remove", F, "(a: array<T>, index: series int) -> series T", "Removes and returns the element at index.", "array", QL_B_ARRAY_REMOVE },
  { "map.put", F, "(m: map<K, V>, key: series K, value: series V)", "Sets the value of key; a new key goes last in the map's order. m[key] := value is the same.", "map", QL_B_MAP_PUT },
  { "map.get", F, "(m: map<K, V>, key: series K) -> series V", "The value of key, or na (false for bool, \"\" for string) when absent; m[key] is the same.", "map", QL_B_MAP_GET },
  { "map.contains", F, "(m: map<K, V>, key: series K) -> series bool", "Whether key is in the map.", "map", QL_B_MAP_CONTAINS },
  { "map.remove", F, "(m: map<K, V>, key: series K)", "Removes key and its value; the others keep their order.", "map", QL_B_MAP_REMOVE },
  { "map.size", F, "(m: map<K, V>) -> series int", "Number of keys.", "map", QL_B_MAP_SIZE },
  { "map.clear", F, "(m: map<K, V>)", "Removes every key.", "map", QL_B_MAP_CLEAR },
  { "map.keys", F, "(m: map<K, V>) -> array<K>", "The keys in insertion order, as an array (refilled each time the line runs).", "map", QL_B_MAP_KEYS },

  { "buy", O, "(id: series string, qty: series float, limit: series float = na, stop: series float = na, tif: const string = \"gtc\") -> order", "Sends a buy order: market, limit, stop or stop-limit by which prices are given. Netting: a buy while short reduces the short.", "order", QL_ORDER_BUY },
  { "sell", O, "(id: series string, qty: series float, limit: series float = na, stop: series float = na, tif: const string = \"gtc\") -> order", "Sends a sell order, as buy.", "order", QL_ORDER_SELL },
  { "exit", O, "(id: series string) -> order", "Closes at market what entry id filled (at most the position), or the whole position with exit (all).", "order", QL_ORDER_EXIT },
  { "cancel", O, "(target: series order) -> order", "Cancels a working order: by handle, by id (the last order sent with it), or cancel (all).", "order", QL_ORDER_CANCEL },
  { "bracket", O, "(id: series string, side: const string, qty: series float, entry: series float = na, take: series float, stop: series float) -> order", "An entry (limit at entry, else market) with a take-profit limit and a stop-loss stop, active once it fills, sized to its fill, one OCO pair. side: \"long\" or \"short\".", "order", QL_ORDER_BRACKET },
};

#undef V
#undef F
#undef O

/* The merged table, sorted by name, built once. */
static QlBuiltinInfo *table;
static guint table_len;

static int
cmp_name (const void *a,
          const void *b)
{
  return strcmp (((const QlBuiltinInfo *) a)->name, ((const QlBuiltinInfo *) b)->name);
}

static void
ensure_table (void)
{
  static gsize once = 0;

  if (g_once_init_enter (&once))
    {
      guint n_ta = ql_ta_bind_size ();
      guint n = G_N_ELEMENTS (rows) + n_ta;
      QlBuiltinInfo *t = g_new0 (QlBuiltinInfo, n);

      memcpy (t, rows, sizeof rows);
      for (guint i = 0; i < n_ta; i++)
        {
          const QlTaBind *b = ql_ta_bind_get (i);
          QlBuiltinInfo *row = &t[G_N_ELEMENTS (rows) + i];

          char *full = g_strconcat ("ta.", b->name, NULL);

          row->name = g_intern_string (full);
          g_free (full);
          row->kind = QL_BUILTIN_TA;
          row->signature = b->signature;
          row->doc = b->doc;
          row->category = "ta";
          row->id = (int) i;
        }
      qsort (t, n, sizeof *t, cmp_name);
      table = t;
      table_len = n;
      g_once_init_leave (&once, 1);
    }
}

guint
ql_builtins_size (void)
{
  ensure_table ();
  return table_len;
}

const QlBuiltinInfo *
ql_builtins_get (guint i)
{
  ensure_table ();
  g_return_val_if_fail (i < table_len, NULL);
  return &table[i];
}

const QlBuiltinInfo *
ql_builtins_lookup (const char *name)
{
  QlBuiltinInfo key = { 0 };

  ensure_table ();
  key.name = name;
  return bsearch (&key, table, table_len, sizeof key, cmp_name);
}

const char *const *
ql_keywords (void)
{
  static const char *const words[] = {
    "indicator", "strategy", "events", "var", "varip", "fn", "event", "test", "if", "else",
    "for", "to", "by", "in", "while", "break", "continue", "return", "and", "or", "not",
    "true", "false", "na", "buy", "sell", "exit", "cancel", "bracket", "oco", NULL,
  };
  return words;
}

const char *const *
ql_type_names (void)
{
  static const char *const names[] = {
    "int", "float", "bool", "string", "color", "symbol", "order", "position", "array", "map",
    NULL,
  };
  return names;
}

/* ---- CALLB functions ------------------------------------------------------ */

#define F1(fname, expr) \
  static const char *fname (QlInstance *inst, const QlValue *a, guint n, QlValue *out) \
  { \
    double x = a[0].f; \
    (void) inst; \
    (void) n; \
    out->f = (expr); \
    return NULL; \
  }

F1 (b_abs, fabs (x))
F1 (b_sqrt, x < 0 ? NAN : sqrt (x))
F1 (b_log, x <= 0 ? NAN : log (x))
F1 (b_log10, x <= 0 ? NAN : log10 (x))
F1 (b_exp, exp (x))
F1 (b_round, round (x))
F1 (b_floor, floor (x))
F1 (b_ceil, ceil (x))
F1 (b_sign, isnan (x) ? NAN : x > 0 ? 1.0 : x < 0 ? -1.0 : 0.0)

#undef F1

static const char *
b_min (QlInstance *inst, const QlValue *a, guint n, QlValue *out)
{
  (void) inst;
  (void) n;
  out->f = isnan (a[0].f) || isnan (a[1].f) ? NAN : a[0].f < a[1].f ? a[0].f : a[1].f;
  return NULL;
}

static const char *
b_max (QlInstance *inst, const QlValue *a, guint n, QlValue *out)
{
  (void) inst;
  (void) n;
  out->f = isnan (a[0].f) || isnan (a[1].f) ? NAN : a[0].f > a[1].f ? a[0].f : a[1].f;
  return NULL;
}

static const char *
b_pow (QlInstance *inst, const QlValue *a, guint n, QlValue *out)
{
  double r = pow (a[0].f, a[1].f);

  (void) inst;
  (void) n;
  out->f = isfinite (r) || isinf (a[0].f) ? r : NAN;
  return NULL;
}

static const char *
b_round_to_mintick (QlInstance *inst, const QlValue *a, guint n, QlValue *out)
{
  const QlInstrument *in = ql_instance_get_instrument (inst);

  (void) n;
  if (in == NULL || isnan (a[0].f))
    out->f = a[0].f;
  else
    out->f = ql_price_to_double (in, ql_price_from_double (in, a[0].f));
  return NULL;
}

static const char *
b_str_f (QlInstance *inst, const QlValue *a, guint n, QlValue *out)
{
  char buf[QL_FORMAT_DOUBLE_MAX];

  (void) n;
  if (isnan (a[0].f))
    out->s = "na";
  else
    {
      ql_format_double (a[0].f, buf);
      out->s = ql_instance_scratch (inst, buf);
    }
  return NULL;
}

static const char *
b_str_i (QlInstance *inst, const QlValue *a, guint n, QlValue *out)
{
  char buf[32];

  (void) n;
  if (a[0].i == QL_NA_INT)
    out->s = "na";
  else
    {
      g_snprintf (buf, sizeof buf, "%" G_GINT64_FORMAT, a[0].i);
      out->s = ql_instance_scratch (inst, buf);
    }
  return NULL;
}

static const char *
b_str_b (QlInstance *inst, const QlValue *a, guint n, QlValue *out)
{
  (void) inst;
  (void) n;
  out->s = a[0].i ? "true" : "false";
  return NULL;
}

static const char *
b_concat (QlInstance *inst, const QlValue *a, guint n, QlValue *out)
{
  g_autofree char *s = g_strconcat (a[0].s, a[1].s, NULL);

  (void) n;
  out->s = ql_instance_scratch (inst, s);
  return NULL;
}

static const char *
b_int (QlInstance *inst, const QlValue *a, guint n, QlValue *out)
{
  double x = a[0].f;

  (void) inst;
  (void) n;
  /* truncation toward zero; na and values beyond int64 give na */
  out->i = isnan (x) || x >= 9223372036854775808.0 || x <= -9223372036854775808.0 ? QL_NA_INT
                                                                                  : (gint64) x;
  return NULL;
}

QlBuiltinFn
ql_stdlib_fn (int id)
{
  switch (id)
    {
    case QL_B_INT: return b_int;
    case QL_B_ABS: return b_abs;
    case QL_B_MIN: return b_min;
    case QL_B_MAX: return b_max;
    case QL_B_SQRT: return b_sqrt;
    case QL_B_LOG: return b_log;
    case QL_B_LOG10: return b_log10;
    case QL_B_EXP: return b_exp;
    case QL_B_POW: return b_pow;
    case QL_B_ROUND: return b_round;
    case QL_B_FLOOR: return b_floor;
    case QL_B_CEIL: return b_ceil;
    case QL_B_SIGN: return b_sign;
    case QL_B_ROUND_TO_MINTICK: return b_round_to_mintick;
    case QL_B_STR_I: return b_str_i;
    case QL_B_STR_F: return b_str_f;
    case QL_B_STR_B: return b_str_b;
    case QL_B_CONCAT: return b_concat;
    default: return ql_vm_account_fn (id);
    }
}

guint
ql_stdlib_arity (int id)
{
  switch (id)
    {
    case QL_B_MIN:
    case QL_B_MAX:
    case QL_B_POW:
    case QL_B_CONCAT:
      return 2;
    default:
      return 1;
    }
}
