/* dsl/program.h — the compiled form of a script, shared by the compiler
 * (dsl/compile.c) and the VM (dsl/vm.c). Private to dsl/.
 *
 * A program is a set of functions of register bytecode: function 0 is the
 * script body (its registers are the instance's globals and live as long
 * as the instance), then user functions (one copy per call site when the
 * function keeps state), event handlers and test blocks. Instructions are
 * 8 bytes: an opcode and three 16-bit operands; a jump's offset is relative
 * to the instruction after it. */
#pragma once

#include "dsl/ast.h"
#include "dsl/script.h"
#include "dsl/ta_bind.h"

G_BEGIN_DECLS

typedef union
{
  double f;
  gint64 i;
  const char *s;
  gpointer p;
} QlValue;

G_STATIC_ASSERT (sizeof (QlValue) == sizeof (QlScalar));

typedef struct
{
  guint16 op, a, b, c;
} QlInsn;

/* X (name): the opcode list, in one place for the enum, the names
 * (`check --explain --bytecode`) and the dispatch table. */
#define QL_OPCODES(X) \
  X (NOP) X (MOV) X (LOADK) X (GETG) X (SETG) X (SETV) X (SETGV) \
  X (ADD_I) X (SUB_I) X (MUL_I) X (MOD_I) X (NEG_I) X (DIV_I) \
  X (ADD_F) X (SUB_F) X (MUL_F) X (DIV_F) X (MOD_F) X (NEG_F) \
  X (I2F) X (NOT) \
  X (EQ_I) X (NE_I) X (LT_I) X (LE_I) X (GT_I) X (GE_I) \
  X (EQ_F) X (NE_F) X (LT_F) X (LE_F) X (GT_F) X (GE_F) \
  X (EQ_B) X (NE_B) X (EQ_S) X (NE_S) \
  X (JMP) X (LOOP) X (JT) X (JF) \
  X (JF_LT_F) X (JF_LE_F) X (JF_GT_F) X (JF_GE_F) X (JF_EQ_F) X (JF_NE_F) \
  X (JF_LT_I) X (JF_LE_I) X (JF_GT_I) X (JF_GE_I) X (JF_EQ_I) X (JF_NE_I) \
  X (ISNA_F) X (ISNA_I) X (NZ_F) X (NZ_I) \
  X (BAR) X (BARH) X (HIST) \
  X (TA) X (CALL) X (CALLB) X (RET) X (END) \
  X (ONCE) X (ORDER) X (PLOT) X (ASSERT) X (LOG) X (CHECK_FOR) \
  X (ANEW) X (APUSH) X (AGET) X (ASET) X (ALEN) X (ACALL) X (PERSIST) \
  X (MNEW) X (MGET) X (MPUT) X (MHAS) X (MDEL) X (MLEN) X (MKEYAT) X (MVALAT) \
  X (XBAR) X (TA1) X (TA2) X (TAB) X (POSF) X (SYMIDX) X (ORDF)

typedef enum
{
#define QL_OP_ENUM(name) QL_I_##name,
  QL_OPCODES (QL_OP_ENUM)
#undef QL_OP_ENUM
  QL_I_N
} QlOpcode;

/* BAR/BARH fields: the bar columns, then derived ones. */
typedef enum
{
  QL_FIELD_OPEN,
  QL_FIELD_HIGH,
  QL_FIELD_LOW,
  QL_FIELD_CLOSE,
  QL_FIELD_VOLUME,
  QL_FIELD_HL2,
  QL_FIELD_HLC3,
  QL_FIELD_OHLC4,
  QL_FIELD_TIME,       /* int: bar open time, ns */
  QL_FIELD_BAR_INDEX,  /* int */
  QL_FIELD_N
} QlField;

typedef struct QlInstance QlInstance;

/* ta.* calls whose engine step (engine/ta.h) the VM runs in line. */
enum
{
  QL_KERNEL_NONE,
  QL_KERNEL_SMA,   /* state QlTaSma */
  QL_KERNEL_EMA,   /* state QlTaEma: ta.ema and ta.rma */
  QL_KERNEL_CROSSOVER,   /* state QlTaCross */
  QL_KERNEL_CROSSUNDER,
};

/* ACALL sub-operations (b): the array functions beyond get/set/push. The
 * element kind is added: + 0 float, + 16 int (also bool, color), + 32
 * string. */
typedef enum
{
  QL_A_POP,
  QL_A_SHIFT,
  QL_A_CLEAR,
  QL_A_SUM,
  QL_A_AVG,
  QL_A_MIN,
  QL_A_MAX,
  QL_A_INCLUDES,
  QL_A_INSERT,    /* base: array, index, value */
  QL_A_REMOVE,    /* base: array, index */
  QL_A_FILL,      /* base: array, size, value: size copies of value */
  QL_M_CLEAR,
} QlArrayOp;

#define QL_EL_FLOAT 0
#define QL_EL_INT 16
#define QL_EL_STRING 32

/* Arrays and maps: one object per creation site (literal, array.new_*,
 * map.keys), owned by the instance; running the site again clears and
 * refills the same object, so a script allocates only as its arrays grow.
 * A map keeps insertion order (for k, v in m) and an index. */
typedef struct
{
  QlValue *data;
  guint32 len, cap;
} QlArr;

typedef struct
{
  QlArr keys, vals;
  GHashTable *index;     /* key -> position + 1 */
  gboolean str_keys;
} QlMap;

/* A pure builtin: @args in registers, result to @out. Returns NULL or a
 * runtime error message (static). */
typedef const char *(*QlBuiltinFn) (QlInstance *inst, const QlValue *args, guint n_args,
                                    QlValue *out);

typedef struct
{
  QlBuiltinFn fn;
  guint n_args;
  const char *name;     /* "math.abs", for traces */
} QlCallbSite;

typedef struct
{
  char *name;           /* "main", "f", "on_bar", "test: name" */
  GArray *code;         /* QlInsn */
  GArray *spans;        /* QlSpan per instruction */
  guint n_regs;
  guint n_params;
  guint cost;           /* charged to the budget per call: code length */
  GArray *commits;      /* guint32 ring indices pushed when the function ends (committing runs) */
  GArray *resets;       /* guint16 registers set to na (float NAN / int na) on entry */
  GArray *reset_kinds;  /* guint8: 0 float, 1 int */
} QlFunc;

typedef struct
{
  const QlTaBind *bind;
  guint32 state_off;
  /* Parameters: a constant, or an input (index into inputs). */
  QlScalar params[6];
  gint16 param_input[6];    /* -1: constant */
  gint32 param_reg[6];      /* lazy sites: the register holding the value, -1: params[] */
  gboolean lazy;            /* a parameter is computed from inputs: init on first use */
  guint16 in_regs[6];       /* the registers of the series inputs (TA's c is in_regs[0]) */
  guint n_inputs;           /* bind->n_inputs, here to save a load on the hot path */
  int kernel;               /* QL_KERNEL_*: a step the VM runs in line, else 0 */
  int clock;                /* >= 0: fed by that other symbol's series, advances on its closes */
  guint16 out_reg;          /* first output register (clocked sites start at na) */
  void (*update) (void *state, gint64 day, const QlScalar *in, QlScalar *out);  /* bind->update */
  QlSpan span;
} QlTaSite;

typedef struct
{
  guint16 reg;          /* the global holding the value (function 0) or local */
  guint8 is_int;        /* na of the ring: QL_NA_INT or NAN */
  guint32 lookback;     /* ring capacity needed: the largest offset read */
  char *name;
} QlRingInfo;

typedef enum
{
  QL_INPUT_INT,
  QL_INPUT_FLOAT,
  QL_INPUT_BOOL,
  QL_INPUT_STRING,
  QL_INPUT_SYMBOL,
  QL_INPUT_TIMEFRAME,
  QL_INPUT_COLOR,
} QlInputKind;

typedef struct
{
  QlSpan span;
  char *message;         /* assert: the condition's text */
} QlSiteText;

/* symbol ("BINANCE:ETHUSDT", "1h"): another series of the run. */
typedef struct
{
  char *ticker;          /* as written */
  char *timeframe;       /* "" : the run's timeframe */
  QlSpan span;
  guint lookback;        /* the largest offset read */
  int ticker_input;      /* > 0: the ticker is input ticker_input - 1 */
  int tf_input;          /* > 0: the timeframe is input tf_input - 1 */
} QlForeign;

typedef struct
{
  QlOrderKind kind;
  guint8 has[8];         /* which named arguments were given, by QlOrderArg */
  guint32 oco_group;     /* 0: none */
  QlSpan span;
} QlOrderSite;

typedef enum
{
  QL_OARG_ID,
  QL_OARG_QTY,
  QL_OARG_LIMIT,
  QL_OARG_STOP,
  QL_OARG_TAKE,
  QL_OARG_SIDE,   /* bracket: 1 buy, -1 sell (int) */
  QL_OARG_TIF,    /* string */
  QL_OARG_N
} QlOrderArg;

struct QlProgram
{
  gint ref_count;       /* instances hold a reference */
  char *filename;
  char *source;
  gsize source_len;
  QlScriptMode mode;
  char *title;
  gboolean overlay;
  gboolean calc_tick;

  GPtrArray *funcs;     /* QlFunc: 0 is the body */
  GArray *consts;       /* QlValue */
  GPtrArray *strings;   /* owned strings the constants point to */
  GArray *preload;      /* pairs (guint32 reg, guint32 const index) for globals */
  GArray *ta_sites;     /* QlTaSite */
  GArray *rings;        /* QlRingInfo */
  GArray *inputs;       /* QlScriptInput */
  GArray *input_regs;   /* guint16: the global of each input */
  GArray *plots;        /* QlScriptPlot */
  GPtrArray *column_names; /* char *: one per output column ("t.upper", "t.lower" for a band) */
  GArray *orders;       /* QlOrderSite */
  GArray *texts;        /* QlSiteText: assert, log sites */
  GArray *callb;        /* QlCallbSite for CALLB */
  GPtrArray *oco_names; /* group names, index + 1 = group id */
  gsize state_size;     /* ta states, 16-byte aligned offsets */
  guint n_once;         /* var initialisation flags */
  guint bar_lookback;   /* the largest history offset read from bar fields */
  gboolean uses_day;    /* some ta.* site needs the trading day (vwap, pivots) */
  guint n_columns;      /* output columns */
  GArray *foreigns;     /* QlForeign */
  int handlers[6];      /* function index per QlEventKind, -1: none */
  guint n_objects;      /* array and map creation sites */
  GArray *object_kinds; /* guint8 per site: 0 array, 1 map with int keys, 2 map with string keys */
  GArray *tests;        /* guint: function indices of test blocks */
  GArray *test_names;   /* char * */
  GString *explain;     /* lookbacks and state, for check --explain */
};

G_END_DECLS
