/* dsl/compile.c — the checker and code generator of QuantLab Script.
 *
 * One walk over the syntax tree checks and emits at once: each expression
 * is typed (int, float, bool, string, color, order, tuples of ta.*) with a
 * qualifier (const < input < series) and lands in a register; a statement
 * checks its operands and emits its instructions. User functions are
 * instantiated per argument types, and per call site when they keep state
 * (ta.*, history, var), so each call site owns its state slots. Errors are
 * reported and the walk goes on: an expression that failed has the type
 * T_ERR, which every check accepts silently, so one mistake gives one
 * error, not a cascade.
 *
 * Registers: the body's registers are the instance's globals (they keep
 * their values across bars, which is what `var` needs); a function's are
 * a frame on the VM stack. Constants used by the body are preloaded into
 * globals once; functions load theirs with LOADK.
 *
 * History: `x[n]` on a variable gives the variable a ring that the owning
 * function pushes when it ends (END/RET) on committing runs; its capacity
 * is the largest constant offset, an input's max, or lookback (x, N).
 * Bar fields (close[n]) read the bar series directly. */
#define G_LOG_DOMAIN "ql-dsl-compile"

#include "dsl/builtins.h"
#include "dsl/program.h"
#include "dsl/natives.h"

#include <math.h>
#include <string.h>

typedef enum
{
  T_ERR,
  T_VOID,
  T_NA,
  T_INT,
  T_FLOAT,
  T_BOOL,
  T_STRING,
  T_COLOR,
  T_ORDER,
  T_TUPLE,
  T_ARRAY,   /* Ex.el[0] / Sym.el: the element type */
  T_MAP,     /* el[0]: the value type, el[1] / Sym.key: the key type */
  T_SYMBOL,  /* another series of the run: k.i is its QlForeign index */
  T_POSITION, /* a symbol's position: the register holds the run symbol index */
} TKind;

typedef enum
{
  Q_CONST,
  Q_INPUT,
  Q_SERIES,
} Qual;

#define MAX_TUPLE 8

typedef struct
{
  TKind t;
  Qual q;
  int reg;              /* -1: none (void, error, or a constant not yet placed) */
  gboolean is_k;        /* a compile-time constant: k holds it */
  QlValue k;
  int input;            /* an input variable read directly: its index, else -1 */
  guint n;              /* T_TUPLE: elements in registers reg .. reg+n-1 */
  TKind el[MAX_TUPLE];
  int foreign;          /* read from another symbol's series: its index; -1 none; -2 mixed */
} Ex;

typedef struct
{
  const char *name;
  TKind t;
  Qual q;
  int reg;
  gboolean global;      /* a register of the body */
  gboolean is_var;      /* var (journaled writes) */
  gboolean is_param;
  int input;            /* index of the input, or -1 */
  int ring;             /* -1: no history yet */
  guint32 declared_lookback;
  int owner;            /* function index owning the register */
  QlSpan span;
  gboolean is_k;        /* a constant never reassigned: k */
  QlValue k;
  TKind el, key;        /* T_ARRAY, T_MAP */
  int foreign;          /* its value comes from another symbol's series (Ex.foreign) */
} Sym;

typedef struct
{
  guint32 args[16];     /* type | element << 8 | key << 16 */
  guint n;
  guint func;
  TKind ret;
} Inst;

typedef struct
{
  const char *name;
  QlNode *node;         /* FN_DEF */
  gboolean stateful;
  gboolean compiling;
  TKind ret;            /* during compilation: the declared or first return type */
  GArray *insts;        /* Inst (stateless functions only) */
} FnDef;

typedef struct
{
  guint func;           /* index in prog->funcs */
  QlFunc *f;
  int top;              /* next free register */
  gboolean is_body;
  FnDef *def;           /* user function being compiled, or NULL */
  TKind ret;
  gboolean saw_return;
  int loop_depth;
  int cond_depth;
  GArray *breaks;       /* patch positions of break jumps (innermost loop) */
  GArray *continues;
} FnCtx;

typedef struct
{
  QlProgram *p;
  QlDiagList *d;
  const char *src;
  GArray *syms;         /* Sym */
  GArray *scopes;       /* guint: syms->len at each scope start */
  GHashTable *fns;      /* name -> FnDef */
  GHashTable *kregs;    /* constant bits -> body register + 1 */
  FnCtx *fc;
  FnCtx *body;          /* the script body: var inside functions lives in its registers */
  QlSpan span;          /* of the node being compiled, for emitted code */
  gboolean in_oco;
  guint32 oco_group;
  guint oco_legs;
  int handler;          /* compiling an event handler: its QlEventKind, else -1 */
  gboolean in_test;
  guint bar_lookback_declared;
  GHashTable *assigned; /* names that some := or op= targets */
  TKind expect_el, expect_key; /* the declared type of an empty [] or {} */
} C;

static Ex compile_expr (C *c, QlNode *n);
static void compile_block (C *c, QlNode *block, gboolean new_scope);
static void compile_item (C *c, QlNode *n);

/* ---- diagnostics ------------------------------------------------------- */

#define ERR(span_, code_, hint_, ...) \
  ql_diag_add (c->d, QL_DIAG_ERROR, code_, (span_), hint_, __VA_ARGS__)
#define WARN(span_, code_, hint_, ...) \
  ql_diag_add (c->d, QL_DIAG_WARNING, code_, (span_), hint_, __VA_ARGS__)

static const char *
tname (TKind t)
{
  static const char *const names[] = { "<error>", "void", "na", "int", "float", "bool",
                                       "string", "color", "order", "tuple", "array", "map",
                                       "symbol", "position" };
  return names[t];
}

static Ex
ex_err (void)
{
  Ex e = { 0 };

  e.t = T_ERR;
  e.reg = -1;
  e.input = -1;
  e.foreign = -1;
  return e;
}

static Ex
ex_void (void)
{
  Ex e = ex_err ();

  e.t = T_VOID;
  return e;
}

static Ex
ex_k (TKind t,
      QlValue v)
{
  Ex e = ex_err ();

  e.t = t;
  e.q = Q_CONST;
  e.is_k = TRUE;
  e.k = v;
  return e;
}

static gboolean
is_num (TKind t)
{
  return t == T_INT || t == T_FLOAT;
}

static gboolean
is_scalar (TKind t)
{
  return t == T_INT || t == T_FLOAT || t == T_BOOL || t == T_STRING || t == T_COLOR;
}

/* Levenshtein distance, capped: for "did you mean". */
static guint
edit_distance (const char *a,
               const char *b)
{
  gsize la = strlen (a), lb = strlen (b);
  guint row[64];

  if (la > 60 || lb > 60)
    return 99;
  for (gsize j = 0; j <= lb; j++)
    row[j] = (guint) j;
  for (gsize i = 1; i <= la; i++)
    {
      guint prev = row[0];

      row[0] = (guint) i;
      for (gsize j = 1; j <= lb; j++)
        {
          guint cur = row[j];
          guint sub = prev + (a[i - 1] != b[j - 1]);

          row[j] = MIN (MIN (row[j] + 1, row[j - 1] + 1), sub);
          prev = cur;
        }
    }
  return row[lb];
}

static char *
suggest (C          *c,
         const char *name)
{
  const char *best = NULL;
  guint best_d = 3;

  for (guint i = 0; i < c->syms->len; i++)
    {
      const Sym *s = &g_array_index (c->syms, Sym, i);
      guint dd = edit_distance (name, s->name);

      if (dd < best_d)
        best_d = dd, best = s->name;
    }
  for (guint i = 0; i < ql_builtins_size (); i++)
    {
      const QlBuiltinInfo *b = ql_builtins_get (i);
      guint dd = edit_distance (name, b->name);

      if (dd < best_d)
        best_d = dd, best = b->name;
    }
  {
    GHashTableIter it;
    gpointer k;

    g_hash_table_iter_init (&it, c->fns);
    while (g_hash_table_iter_next (&it, &k, NULL))
      {
        guint dd = edit_distance (name, k);

        /* ties broken by name so that the hint does not depend on the
         * hash table's order */
        if (dd < best_d || (dd == best_d && best && strcmp (k, best) < 0))
          best_d = dd, best = k;
      }
  }
  return best ? g_strdup_printf ("did you mean '%s'?", best) : NULL;
}

/* ---- emission ------------------------------------------------------------ */

static guint
emit (C      *c,
      guint16 op,
      int     a,
      int     b,
      int     cc)
{
  QlInsn in = { op, (guint16) a, (guint16) b, (guint16) cc };

  g_array_append_val (c->fc->f->code, in);
  g_array_append_val (c->fc->f->spans, c->span);
  return c->fc->f->code->len - 1;
}

static QlInsn *
insn_at (C    *c,
         guint pc)
{
  return &g_array_index (c->fc->f->code, QlInsn, pc);
}

static guint
here (C *c)
{
  return c->fc->f->code->len;
}

/* A jump with a 32-bit offset in b|c, patched later to land on @target. */
static void
set_off32 (C    *c,
           guint pc,
           guint target)
{
  gint32 off = (gint32) target - (gint32) (pc + 1);

  insn_at (c, pc)->b = (guint16) ((guint32) off & 0xffff);
  insn_at (c, pc)->c = (guint16) ((guint32) off >> 16);
}

/* Fused branches and ONCE keep their offset in c (16 bits, signed). */
static void
set_off16 (C    *c,
           guint pc,
           guint target)
{
  gint32 off = (gint32) target - (gint32) (pc + 1);

  if (off > G_MAXINT16 || off < G_MININT16)
    {
      ERR (&c->span, "E0199", "split the block into functions",
           "this block is too large to branch over (%d instructions)", off);
      off = 0;
    }
  insn_at (c, pc)->c = (guint16) (gint16) off;
}

static void
patch (C    *c,
       guint pc,
       guint target)
{
  guint16 op = insn_at (c, pc)->op;

  if (op == QL_I_JMP || op == QL_I_JT || op == QL_I_JF || op == QL_I_LOOP)
    set_off32 (c, pc, target);
  else
    set_off16 (c, pc, target);
}

static int
alloc_reg (C *c)
{
  int r = c->fc->top++;

  if (r >= 65000)
    {
      ERR (&c->span, "E0198", "split the script into functions", "too many values in one function");
      c->fc->top = 1;
      return 0;
    }
  if ((guint) c->fc->top > c->fc->f->n_regs)
    c->fc->f->n_regs = c->fc->top;
  return r;
}

static int
alloc_regs (C    *c,
            guint n)
{
  int first = c->fc->top;

  for (guint i = 0; i < n; i++)
    alloc_reg (c);
  return first;
}

static guint
add_const (C       *c,
           QlValue  v)
{
  g_array_append_val (c->p->consts, v);
  return c->p->consts->len - 1;
}

/* A register holding @e's value. Constants: a preloaded global in the
 * body, a LOADK in functions. */
static int
materialize (C  *c,
             Ex *e)
{
  if (e->reg >= 0)
    return e->reg;
  if (!e->is_k)
    return 0;  /* an error already reported */
  if (c->fc->is_body)
    {
      gint64 key = e->k.i ^ ((gint64) e->t << 56);
      gpointer found = NULL;

      if (e->t != T_STRING && g_hash_table_lookup_extended (c->kregs, &key, NULL, &found))
        e->reg = GPOINTER_TO_INT (found) - 1;
      else
        {
          /* the body never reuses a register (compile_item), so a
           * preloaded constant keeps its value for the whole run */
          int reg = alloc_reg (c);
          guint32 pair[2] = { (guint32) reg, add_const (c, e->k) };

          g_array_append_vals (c->p->preload, pair, 2);
          if (e->t != T_STRING)
            {
              gint64 *kk = g_new (gint64, 1);

              *kk = key;
              g_hash_table_insert (c->kregs, kk, GINT_TO_POINTER (reg + 1));
            }
          e->reg = reg;
        }
      return e->reg;
    }
  {
    int r = alloc_reg (c);
    guint ki = add_const (c, e->k);

    emit (c, QL_I_LOADK, r, ki & 0xffff, ki >> 16);
    e->reg = r;
    return r;
  }
}

/* ---- scopes ------------------------------------------------------------- */

static void
scope_push (C *c)
{
  guint n = c->syms->len;

  g_array_append_val (c->scopes, n);
}

static void
scope_pop (C *c)
{
  guint n = g_array_index (c->scopes, guint, c->scopes->len - 1);

  g_array_set_size (c->scopes, c->scopes->len - 1);
  g_array_set_size (c->syms, n);
}

static Sym *
lookup (C          *c,
        const char *name)
{
  for (guint i = c->syms->len; i-- > 0;)
    {
      Sym *s = &g_array_index (c->syms, Sym, i);

      if (strcmp (s->name, name) == 0)
        return s;
    }
  return NULL;
}

static Sym *
lookup_current_scope (C          *c,
                      const char *name)
{
  guint start = g_array_index (c->scopes, guint, c->scopes->len - 1);

  for (guint i = c->syms->len; i-- > start;)
    {
      Sym *s = &g_array_index (c->syms, Sym, i);

      if (strcmp (s->name, name) == 0)
        return s;
    }
  return NULL;
}

static Sym *
declare (C            *c,
         const char   *name,
         TKind         t,
         Qual          q,
         const QlSpan *span)
{
  Sym s = { 0 };
  Sym *prev = lookup_current_scope (c, name);

  if (prev)
    ERR (span, "E0202", "use := to assign a new value to it",
         "'%s' is already declared in this scope (line %u)", name, prev->span.line);
  if (ql_builtins_lookup (name) && ql_builtins_lookup (name)->kind == QL_BUILTIN_VALUE)
    ERR (span, "E0203", "choose another name", "'%s' is a builtin and cannot be redeclared", name);
  s.name = name;
  s.t = t;
  s.q = q;
  s.reg = alloc_reg (c);
  s.global = c->fc->is_body;
  s.owner = (int) c->fc->func;
  s.input = -1;
  s.ring = -1;
  s.foreign = -1;
  s.span = *span;
  g_array_append_val (c->syms, s);
  return &g_array_index (c->syms, Sym, c->syms->len - 1);
}

/* ---- conversions ------------------------------------------------------- */

/* @e as a float register (int widened, na as NAN). */
static int
as_float (C  *c,
          Ex *e)
{
  if (e->t == T_INT)
    {
      if (e->is_k)
        {
          QlValue v;

          v.f = e->k.i == QL_NA_INT ? NAN : (double) e->k.i;
          *e = ex_k (T_FLOAT, v);
          return materialize (c, e);
        }
      {
        int src = materialize (c, e);
        int r = alloc_reg (c);

        emit (c, QL_I_I2F, r, src, 0);
        e->reg = r;
        e->t = T_FLOAT;
        e->input = -1;
        return r;
      }
    }
  if (e->t == T_NA)
    {
      QlValue v;

      v.f = NAN;
      *e = ex_k (T_FLOAT, v);
    }
  return materialize (c, e);
}

/* Converts @e to type @want where the language allows it implicitly
 * (int -> float, na -> anything that has na). FALSE when it cannot. */
static gboolean
coerce (C    *c,
        Ex   *e,
        TKind want)
{
  if (e->t == T_ERR || want == T_ERR || e->t == want)
    return TRUE;
  if (want == T_FLOAT && (e->t == T_INT || e->t == T_NA))
    {
      as_float (c, e);
      return TRUE;
    }
  if (e->t == T_NA && (want == T_INT || want == T_COLOR || want == T_ORDER))
    {
      QlValue v;

      v.i = QL_NA_INT;
      *e = ex_k (want, v);
      return TRUE;
    }
  return FALSE;
}

/* ---- history ------------------------------------------------------------ */

static int
ring_for (C   *c,
          Sym *s)
{
  if (s->ring < 0)
    {
      QlRingInfo ri = { 0 };
      QlFunc *owner = g_ptr_array_index (c->p->funcs, s->owner);
      guint32 idx = c->p->rings->len;

      ri.reg = (guint16) s->reg;
      ri.is_int = s->t == T_INT || s->t == T_COLOR || s->t == T_ORDER;
      ri.lookback = MAX (s->declared_lookback, 1);
      ri.name = g_strdup (s->name);
      g_array_append_val (c->p->rings, ri);
      g_array_append_val (owner->commits, idx);
      if (!s->is_var && !s->is_param && s->input < 0)
        {
          guint16 reg = (guint16) s->reg;
          guint8 kind = ri.is_int;

          g_array_append_val (owner->resets, reg);
          g_array_append_val (owner->reset_kinds, kind);
        }
      s->ring = (int) idx;
    }
  return s->ring;
}

static void
ring_need (C       *c,
           int      ring,
           guint32  lookback)
{
  QlRingInfo *ri = &g_array_index (c->p->rings, QlRingInfo, ring);

  ri->lookback = MAX (ri->lookback, lookback);
}

static int
field_of (int id)
{
  switch (id)
    {
    case QL_B_OPEN: return QL_FIELD_OPEN;
    case QL_B_HIGH: return QL_FIELD_HIGH;
    case QL_B_LOW: return QL_FIELD_LOW;
    case QL_B_CLOSE: return QL_FIELD_CLOSE;
    case QL_B_VOLUME: return QL_FIELD_VOLUME;
    case QL_B_HL2: return QL_FIELD_HL2;
    case QL_B_HLC3: return QL_FIELD_HLC3;
    case QL_B_OHLC4: return QL_FIELD_OHLC4;
    case QL_B_TIME: return QL_FIELD_TIME;
    case QL_B_BAR_INDEX: return QL_FIELD_BAR_INDEX;
    default: return -1;
    }
}

/* The bound a history offset may reach: a constant's value, an input's
 * max; 0 with an error when neither. */
static gboolean
offset_bound (C            *c,
              Ex           *off,
              const QlSpan *span,
              guint32       declared,
              const char   *what,
              guint32      *bound)
{
  if (off->t == T_ERR)
    return FALSE;
  if (off->t != T_INT)
    {
      ERR (span, "E0311", "history offsets count bars: use an int",
           "history offset must be int, got %s", tname (off->t));
      return FALSE;
    }
  if (off->is_k)
    {
      if (off->k.i < 0)
        {
          g_autofree char *hint = g_strdup_printf ("use %s[1] for the previous bar; a script cannot read the future",
                                                   what && what[0] != '(' ? what : "x");

          ERR (span, "E0312", hint, "history offset must be >= 0, got %" G_GINT64_FORMAT, off->k.i);
          return FALSE;
        }
      if (off->k.i > 1000000)
        {
          ERR (span, "E0315", NULL, "history offset %" G_GINT64_FORMAT " is too large (at most 1000000)",
               off->k.i);
          return FALSE;
        }
      *bound = (guint32) off->k.i;
      return TRUE;
    }
  if (off->input >= 0)
    {
      const QlScriptInput *in = &g_array_index (c->p->inputs, QlScriptInput, off->input);

      if (isfinite (in->max) && in->max >= 0 && in->max <= 1000000)
        {
          *bound = (guint32) in->max;
          return TRUE;
        }
      if (declared)
        {
          *bound = declared;
          return TRUE;
        }
      ERR (span, "E0314", "give the input a maximum: input.int(..., max = 500)",
           "history offset from input '%s' has no max, so its lookback is unknown", in->name);
      return FALSE;
    }
  if (declared)
    {
      *bound = declared;
      return TRUE;
    }
  {
    g_autofree char *hint = g_strdup_printf ("declare a bound first: lookback(%s, 500)", what);

    ERR (span, "E0313", hint, "a history offset computed at run time needs a declared lookback");
  }
  return FALSE;
}

/* ---- expressions ------------------------------------------------------- */

/* "ta.sma" for a MEMBER chain of identifiers; NULL otherwise. */
static char *
dotted_name (QlNode *n)
{
  if (n->kind == QL_NODE_IDENT)
    return g_strdup (n->name);
  if (n->kind == QL_NODE_MEMBER && n->n_kids == 1 && n->kids[0])
    {
      g_autofree char *base = dotted_name (n->kids[0]);

      if (base)
        return g_strconcat (base, ".", n->name, NULL);
    }
  return NULL;
}

static Ex
value_builtin (C                   *c,
               const QlBuiltinInfo *b,
               const QlSpan        *span)
{
  int field = field_of (b->id);
  Ex e = ex_err ();
  QlValue v;

  if (field >= 0)
    {
      if (c->p->mode == QL_MODE_EVENTS && c->handler < 0 && !c->in_test)
        {
          ERR (span, "E0506", "read bars inside event on_bar(s) or on_tick(s)",
               "'%s' has no value outside an event handler in events mode", b->name);
          return ex_err ();
        }
      e.t = field == QL_FIELD_TIME || field == QL_FIELD_BAR_INDEX ? T_INT : T_FLOAT;
      e.q = Q_SERIES;
      e.reg = alloc_reg (c);
      emit (c, QL_I_BAR, e.reg, field, 0);
      return e;
    }
  switch (b->id)
    {
    case QL_B_PI:
      v.f = G_PI;
      return ex_k (T_FLOAT, v);
    case QL_B_E:
      v.f = G_E;
      return ex_k (T_FLOAT, v);
    case QL_B_ALL:
      v.s = "\001all";
      return ex_k (T_STRING, v);
    default:
      break;
    }
  /* account and symbol values: calls to the host (dsl/vm.c) */
  {
    if (c->p->mode == QL_MODE_INDICATOR
        && (b->id == QL_B_EQUITY || b->id == QL_B_CASH || b->id == QL_B_POSITION_SIZE
            || b->id == QL_B_POSITION_AVG_PRICE || b->id == QL_B_OPEN_ORDERS))
      {
        ERR (span, "E0508", "declare strategy(...) to read the account",
             "'%s' exists only in strategy and events scripts", b->name);
        return ex_err ();
      }
  }
  {
    QlCallbSite cb = { 0 };
    guint idx = c->p->callb->len;

    cb.fn = ql_stdlib_fn (b->id);
    cb.n_args = 0;
    cb.name = b->name;
    g_array_append_val (c->p->callb, cb);
    e.t = b->id == QL_B_OPEN_ORDERS ? T_INT : b->id == QL_B_TICKER ? T_STRING : T_FLOAT;
    e.q = Q_SERIES;
    e.reg = alloc_reg (c);
    emit (c, QL_I_CALLB, e.reg, idx, e.reg);
    return e;
  }
}

static Ex
compile_ident (C      *c,
               QlNode *n)
{
  Sym *s = lookup (c, n->name);
  const QlBuiltinInfo *b;

  if (s && s->is_k)
    {
      Ex e = ex_k (s->t, s->k);

      if (c->fc->is_body && !s->global)
        e.reg = s->reg;
      else if (c->fc->is_body)
        e.reg = s->reg;
      return e;
    }
  if (s)
    {
      Ex e = ex_err ();

      e.t = s->t;
      e.q = s->q;
      e.input = s->input;
      e.el[0] = s->el;
      e.el[1] = s->key;
      e.foreign = s->foreign;
      if (s->global && !c->fc->is_body)
        {
          e.reg = alloc_reg (c);
          emit (c, QL_I_GETG, e.reg, s->reg, 0);
        }
      else
        e.reg = s->reg;
      return e;
    }
  b = ql_builtins_lookup (n->name);
  if (b && b->kind == QL_BUILTIN_VALUE)
    return value_builtin (c, b, &n->span);
  if (b || g_hash_table_contains (c->fns, n->name))
    {
      ERR (&n->span, "E0204", "call it with arguments: name(...)",
           "'%s' is a function, not a value", n->name);
      return ex_err ();
    }
  {
    g_autofree char *hint = suggest (c, n->name);

    ERR (&n->span, "E0201", hint ? hint : "declare it first: name = value",
         "'%s' is not declared", n->name);
  }
  return ex_err ();
}

static Ex
fold_binary (int     op,
             Ex     *l,
             Ex     *r,
             TKind   t,
             gboolean *overflow)
{
  QlValue v = { 0 };
  TKind rt = t;

  *overflow = FALSE;
  if (t == T_INT)
    {
      gint64 x = l->k.i, y = r->k.i;
      gboolean na = x == QL_NA_INT || y == QL_NA_INT;

      switch (op)
        {
        case QL_OP_ADD:
          *overflow = !na && __builtin_add_overflow (x, y, &v.i);
          if (na) v.i = QL_NA_INT;
          break;
        case QL_OP_SUB:
          *overflow = !na && __builtin_sub_overflow (x, y, &v.i);
          if (na) v.i = QL_NA_INT;
          break;
        case QL_OP_MUL:
          *overflow = !na && __builtin_mul_overflow (x, y, &v.i);
          if (na) v.i = QL_NA_INT;
          break;
        case QL_OP_MOD:
          v.i = na || y == 0 ? QL_NA_INT : y == -1 ? 0 : x % y;
          break;
        case QL_OP_DIV:
          rt = T_FLOAT;
          v.f = na || y == 0 ? NAN : (double) x / (double) y;
          break;
        default:
          rt = T_BOOL;
          v.i = !na && (op == QL_OP_EQ ? x == y : op == QL_OP_NE ? x != y : op == QL_OP_LT ? x < y
                        : op == QL_OP_LE ? x <= y : op == QL_OP_GT ? x > y : x >= y);
          break;
        }
      if (!*overflow && rt == T_INT && v.i == QL_NA_INT && !na)
        *overflow = TRUE;
    }
  else if (t == T_FLOAT)
    {
      double x = l->k.f, y = r->k.f;

      switch (op)
        {
        case QL_OP_ADD: v.f = x + y; break;
        case QL_OP_SUB: v.f = x - y; break;
        case QL_OP_MUL: v.f = x * y; break;
        case QL_OP_DIV: v.f = y == 0.0 ? NAN : x / y; break;
        case QL_OP_MOD: v.f = y == 0.0 ? NAN : fmod (x, y); break;
        default:
          rt = T_BOOL;
          v.i = op == QL_OP_EQ ? x == y : op == QL_OP_NE ? (!isnan (x) && !isnan (y) && x != y)
                : op == QL_OP_LT ? x < y : op == QL_OP_LE ? x <= y : op == QL_OP_GT ? x > y : x >= y;
          break;
        }
    }
  else /* bool */
    {
      rt = T_BOOL;
      v.i = op == QL_OP_EQ ? l->k.i == r->k.i : op == QL_OP_NE ? l->k.i != r->k.i
            : op == QL_OP_AND ? (l->k.i && r->k.i) : (l->k.i || r->k.i);
    }
  return ex_k (rt, v);
}

static const char *
op_text (int op)
{
  static const char *const t[] = { "or", "and", "==", "!=", "<", "<=", ">", ">=", "+", "-", "*",
                                   "/", "%", "-", "+", "not" };
  return op >= 0 && op < (int) G_N_ELEMENTS (t) ? t[op] : "?";
}

static gboolean
is_compare (int op)
{
  return op >= QL_OP_EQ && op <= QL_OP_GE;
}

/* The operand type of a numeric binary operation: int when both are int,
 * else float. */
static TKind
num_type (Ex *l,
          Ex *r)
{
  return l->t == T_INT && r->t == T_INT ? T_INT : T_FLOAT;
}

static Ex
compile_and_or (C      *c,
                QlNode *n)
{
  Ex l, r, e = ex_err ();
  int dst;
  guint j;

  c->fc->cond_depth++;
  l = compile_expr (c, n->kids[0]);
  if (l.t != T_BOOL && l.t != T_ERR)
    ERR (&n->kids[0]->span, "E0301", "compare it, e.g. x > 0, or use na(x)",
         "'%s' needs bool operands, got %s", op_text (n->op), tname (l.t));
  dst = alloc_reg (c);
  emit (c, QL_I_MOV, dst, materialize (c, &l), 0);
  j = emit (c, n->op == QL_OP_AND ? QL_I_JF : QL_I_JT, dst, 0, 0);
  r = compile_expr (c, n->kids[1]);
  if (r.t != T_BOOL && r.t != T_ERR)
    ERR (&n->kids[1]->span, "E0301", "compare it, e.g. x > 0, or use na(x)",
         "'%s' needs bool operands, got %s", op_text (n->op), tname (r.t));
  emit (c, QL_I_MOV, dst, materialize (c, &r), 0);
  patch (c, j, here (c));
  c->fc->cond_depth--;
  if (l.t == T_ERR || r.t == T_ERR)
    return ex_err ();
  e.t = T_BOOL;
  e.q = MAX (l.q, r.q);
  e.reg = dst;
  return e;
}

static Ex
compile_binary (C      *c,
                QlNode *n)
{
  Ex l, r, e = ex_err ();
  int op = n->op;
  TKind t;

  if (op == QL_OP_AND || op == QL_OP_OR)
    return compile_and_or (c, n);
  if ((op == QL_OP_EQ || op == QL_OP_NE)
      && (n->kids[0]->kind == QL_NODE_NA || n->kids[1]->kind == QL_NODE_NA))
    {
      ERR (&n->span, "E0308", op == QL_OP_EQ ? "use na(x)" : "use not na(x)",
           "comparing with na is always false");
      return ex_err ();
    }
  l = compile_expr (c, n->kids[0]);
  r = compile_expr (c, n->kids[1]);
  if (l.t == T_ERR || r.t == T_ERR)
    return ex_err ();
  e.q = MAX (l.q, r.q);
  /* a value of one other symbol's series stays on its clock when the
   * other side is fixed for the run */
  e.foreign = l.foreign == r.foreign ? l.foreign
              : l.q < Q_SERIES ? r.foreign : r.q < Q_SERIES ? l.foreign : -2;
  if (l.t == T_NA || r.t == T_NA)
    {
      /* arithmetic with a literal na: na of the other operand's type */
      Ex *other = l.t == T_NA ? &r : &l;

      if (is_compare (op))
        {
          QlValue v = { .i = 0 };
          return ex_k (T_BOOL, v);
        }
      if (!is_num (other->t) && other->t != T_NA)
        goto bad;
      {
        QlValue v;
        TKind rt = other->t == T_INT && op != QL_OP_DIV ? T_INT : T_FLOAT;

        if (rt == T_INT)
          v.i = QL_NA_INT;
        else
          v.f = NAN;
        e = ex_k (rt, v);
        return e;
      }
    }
  if (op == QL_OP_ADD && l.t == T_STRING && r.t == T_STRING)
    {
      QlCallbSite cb = { ql_stdlib_fn (QL_B_CONCAT), 2, "string +" };
      guint idx = c->p->callb->len;
      int base = alloc_regs (c, 2);

      g_array_append_val (c->p->callb, cb);
      emit (c, QL_I_MOV, base, materialize (c, &l), 0);
      emit (c, QL_I_MOV, base + 1, materialize (c, &r), 0);
      e.t = T_STRING;
      e.reg = alloc_reg (c);
      emit (c, QL_I_CALLB, e.reg, idx, base);
      return e;
    }
  if (is_num (l.t) && is_num (r.t))
    {
      t = num_type (&l, &r);
      if (l.is_k && r.is_k)
        {
          gboolean overflow;

          if (t == T_FLOAT)
            {
              as_float (c, &l);
              as_float (c, &r);
            }
          e = fold_binary (op, &l, &r, t, &overflow);
          if (overflow)
            {
              ERR (&n->span, "E0309", "use float for values beyond ±9.2e18",
                   "integer overflow in a constant expression");
              return ex_err ();
            }
          return e;
        }
      if (t == T_FLOAT)
        {
          as_float (c, &l);
          as_float (c, &r);
        }
      {
        int a = materialize (c, &l), b = materialize (c, &r);
        guint16 opc;

        e.reg = alloc_reg (c);
        if (t == T_INT)
          {
            static const guint16 ops[] = {
              [QL_OP_EQ] = QL_I_EQ_I, [QL_OP_NE] = QL_I_NE_I, [QL_OP_LT] = QL_I_LT_I,
              [QL_OP_LE] = QL_I_LE_I, [QL_OP_GT] = QL_I_GT_I, [QL_OP_GE] = QL_I_GE_I,
              [QL_OP_ADD] = QL_I_ADD_I, [QL_OP_SUB] = QL_I_SUB_I, [QL_OP_MUL] = QL_I_MUL_I,
              [QL_OP_DIV] = QL_I_DIV_I, [QL_OP_MOD] = QL_I_MOD_I,
            };
            opc = ops[op];
            e.t = is_compare (op) ? T_BOOL : op == QL_OP_DIV ? T_FLOAT : T_INT;
          }
        else
          {
            static const guint16 ops[] = {
              [QL_OP_EQ] = QL_I_EQ_F, [QL_OP_NE] = QL_I_NE_F, [QL_OP_LT] = QL_I_LT_F,
              [QL_OP_LE] = QL_I_LE_F, [QL_OP_GT] = QL_I_GT_F, [QL_OP_GE] = QL_I_GE_F,
              [QL_OP_ADD] = QL_I_ADD_F, [QL_OP_SUB] = QL_I_SUB_F, [QL_OP_MUL] = QL_I_MUL_F,
              [QL_OP_DIV] = QL_I_DIV_F, [QL_OP_MOD] = QL_I_MOD_F,
            };
            opc = ops[op];
            e.t = is_compare (op) ? T_BOOL : T_FLOAT;
          }
        emit (c, opc, e.reg, a, b);
        return e;
      }
    }
  if ((op == QL_OP_EQ || op == QL_OP_NE) && l.t == r.t
      && (l.t == T_BOOL || l.t == T_STRING || l.t == T_COLOR || l.t == T_ORDER))
    {
      guint16 opc;

      if (l.t == T_BOOL && l.is_k && r.is_k)
        {
          gboolean of;
          return fold_binary (op, &l, &r, T_BOOL, &of);
        }
      if (l.t == T_STRING)
        opc = op == QL_OP_EQ ? QL_I_EQ_S : QL_I_NE_S;
      else if (l.t == T_BOOL)
        opc = op == QL_OP_EQ ? QL_I_EQ_B : QL_I_NE_B;
      else
        opc = op == QL_OP_EQ ? QL_I_EQ_I : QL_I_NE_I;
      {
        int a = materialize (c, &l), b = materialize (c, &r);

        e.t = T_BOOL;
        e.reg = alloc_reg (c);
        emit (c, opc, e.reg, a, b);
        return e;
      }
    }
bad:
  {
    const char *hint = NULL;

    if (l.t == T_BOOL || r.t == T_BOOL)
      hint = is_compare (op) ? NULL : "bool is not a number: use cond ? 1 : 0";
    else if (l.t == T_STRING || r.t == T_STRING)
      hint = "convert numbers with str(x) to join them to text";
    ERR (&n->span, "E0302", hint, "operator '%s' cannot take %s and %s", op_text (op),
         tname (l.t), tname (r.t));
  }
  return ex_err ();
}

static Ex
compile_unary (C      *c,
               QlNode *n)
{
  Ex x = compile_expr (c, n->kids[0]), e = ex_err ();

  if (x.t == T_ERR)
    return x;
  e.q = x.q;
  if (n->op == QL_OP_NOT)
    {
      if (x.t != T_BOOL)
        {
          ERR (&n->span, "E0301", "use na(x) to test for na, or compare: x != 0",
               "'not' needs a bool, got %s", tname (x.t));
          return ex_err ();
        }
      if (x.is_k)
        {
          QlValue v = { .i = !x.k.i };
          return ex_k (T_BOOL, v);
        }
      e.t = T_BOOL;
      e.reg = alloc_reg (c);
      emit (c, QL_I_NOT, e.reg, materialize (c, &x), 0);
      return e;
    }
  if (!is_num (x.t))
    {
      ERR (&n->span, "E0302", NULL, "unary '%s' needs a number, got %s", op_text (n->op),
           tname (x.t));
      return ex_err ();
    }
  if (n->op == QL_OP_PLUS)
    return x;
  if (x.is_k)
    {
      QlValue v;

      if (x.t == T_INT)
        v.i = x.k.i == QL_NA_INT ? QL_NA_INT : -x.k.i;
      else
        v.f = -x.k.f;
      return ex_k (x.t, v);
    }
  e.t = x.t;
  e.reg = alloc_reg (c);
  emit (c, x.t == T_INT ? QL_I_NEG_I : QL_I_NEG_F, e.reg, materialize (c, &x), 0);
  return e;
}

static Ex
compile_ternary (C      *c,
                 QlNode *n)
{
  Ex cond, a, b, e = ex_err ();
  guint jf, jend;
  int dst;
  TKind t;

  cond = compile_expr (c, n->kids[0]);
  if (cond.t != T_BOOL && cond.t != T_ERR)
    ERR (&n->kids[0]->span, "E0301", "compare it, e.g. x > 0, or use na(x)",
         "condition must be bool, got %s", tname (cond.t));
  dst = alloc_reg (c);
  jf = emit (c, QL_I_JF, materialize (c, &cond), 0, 0);
  c->fc->cond_depth++;
  a = compile_expr (c, n->kids[1]);
  /* the result type is decided by both branches: a's conversion and move
   * are emitted after b's branch, where a's branch jumps to */
  jend = emit (c, QL_I_JMP, 0, 0, 0);
  patch (c, jf, here (c));
  b = compile_expr (c, n->kids[2]);
  c->fc->cond_depth--;
  if (a.t == T_ERR || b.t == T_ERR || cond.t == T_ERR)
    {
      patch (c, jend, here (c));
      return ex_err ();
    }
  if (a.t == b.t)
    t = a.t;
  else if (is_num (a.t) && (is_num (b.t) || b.t == T_NA))
    t = a.t == T_INT && b.t != T_FLOAT ? T_INT : T_FLOAT;
  else if (a.t == T_NA && is_num (b.t))
    t = b.t;
  else if (a.t == T_NA)
    t = b.t;
  else if (b.t == T_NA)
    t = a.t;
  else
    {
      ERR (&n->span, "E0303", NULL, "the two branches have different types: %s and %s",
           tname (a.t), tname (b.t));
      patch (c, jend, here (c));
      return ex_err ();
    }
  if (t == T_NA)
    {
      ERR (&n->span, "E0305", "write the type: x: float = cond ? na : na",
           "cannot tell the type of this expression (both branches are na)");
      patch (c, jend, here (c));
      return ex_err ();
    }
  /* b's branch: convert and move; then go back to a's branch end */
  coerce (c, &b, t);
  emit (c, QL_I_MOV, dst, materialize (c, &b), 0);
  {
    guint jover = emit (c, QL_I_JMP, 0, 0, 0);
    guint a_tail = here (c);

    /* a's branch jumps here to convert and move its value */
    patch (c, jend, a_tail);
    coerce (c, &a, t);
    emit (c, QL_I_MOV, dst, materialize (c, &a), 0);
    patch (c, jover, here (c));
  }
  e.t = t;
  e.q = MAX (cond.q, MAX (a.q, b.q));
  e.reg = dst;
  return e;
}

/* ---- arguments ----------------------------------------------------------- */

typedef struct
{
  char name[32];
  char type[32];      /* "series float", "input int", ... */
  char def[32];       /* default as written, "" when required */
} SigParam;

/* Parses "(a: series float, n: input int = 14) -> ..." into @out. */
static guint
parse_signature (const char *sig,
                 SigParam   *out,
                 guint       max)
{
  const char *p = strchr (sig, '(');
  guint n = 0;

  if (p == NULL)
    return 0;
  p++;
  while (*p && *p != ')' && n < max)
    {
      SigParam *sp = &out[n];
      gsize i = 0;

      memset (sp, 0, sizeof *sp);
      while (*p == ' ' || *p == ',')
        p++;
      if (*p == ')')
        break;
      while (*p && *p != ':' && *p != ',' && *p != ')' && i + 1 < sizeof sp->name)
        sp->name[i++] = *p++;
      if (*p == ':')
        {
          p++;
          while (*p == ' ')
            p++;
          int depth = 0;

          i = 0;
          while (*p && *p != '=' && (depth > 0 || (*p != ',' && *p != ')')) && i + 1 < sizeof sp->type)
            {
              depth += *p == '<' ? 1 : *p == '>' ? -1 : 0;
              sp->type[i++] = *p++;
            }
          while (i > 0 && sp->type[i - 1] == ' ')
            sp->type[--i] = 0;
        }
      if (*p == '=')
        {
          p++;
          while (*p == ' ')
            p++;
          i = 0;
          /* a default may be a quoted string holding commas */
          if (*p == '"')
            {
              sp->def[i++] = *p++;
              while (*p && *p != '"' && i + 2 < sizeof sp->def)
                sp->def[i++] = *p++;
              if (*p == '"')
                sp->def[i++] = *p++;
            }
          while (*p && *p != ',' && *p != ')' && i + 1 < sizeof sp->def)
            sp->def[i++] = *p++;
          while (i > 0 && sp->def[i - 1] == ' ')
            sp->def[--i] = 0;
        }
      n++;
    }
  return n;
}

/* Maps a call's ARG nodes onto @n parameters @names: @out[i] is the
 * argument's expression or NULL. FALSE (reported) on unknown names,
 * duplicates, too many arguments or a missing one among the first
 * @required. */
static gboolean
bind_args (C                 *c,
           QlNode           **args,
           guint              n_args,
           const char        *fname,
           const char *const *names,
           guint              n,
           guint              required,
           QlNode           **out,
           const QlSpan      *call_span)
{
  guint pos = 0;
  gboolean ok = TRUE, named = FALSE;

  for (guint i = 0; i < n; i++)
    out[i] = NULL;
  for (guint i = 0; i < n_args; i++)
    {
      QlNode *a = args[i];
      QlNode *val = a->kind == QL_NODE_ARG ? a->kids[0] : a;
      const char *an = a->kind == QL_NODE_ARG ? a->name : NULL;

      if (an)
        {
          guint k;

          named = TRUE;
          for (k = 0; k < n; k++)
            if (strcmp (names[k], an) == 0)
              break;
          if (k == n)
            {
              GString *list = g_string_new ("its parameters: ");

              for (guint j = 0; j < n; j++)
                g_string_append_printf (list, "%s%s", j ? ", " : "", names[j]);
              ERR (&a->span, "E0404", list->str, "%s() has no parameter '%s'", fname, an);
              g_string_free (list, TRUE);
              ok = FALSE;
              continue;
            }
          if (out[k])
            {
              ERR (&a->span, "E0405", NULL, "argument '%s' of %s() is given twice", an, fname);
              ok = FALSE;
              continue;
            }
          out[k] = val;
        }
      else
        {
          if (named)
            {
              ERR (&a->span, "E0406", "put positional arguments first",
                   "positional argument after a named one in %s()", fname);
              ok = FALSE;
              continue;
            }
          if (pos >= n)
            {
              ERR (&a->span, "E0402", NULL, "%s() takes at most %u argument%s, got %u", fname, n,
                   n == 1 ? "" : "s", n_args);
              return FALSE;
            }
          out[pos++] = val;
        }
    }
  for (guint k = 0; k < required; k++)
    if (out[k] == NULL && ok)
      {
        ERR (call_span, "E0403", NULL, "%s() needs its argument '%s'", fname, names[k]);
        ok = FALSE;
      }
  return ok;
}

/* A literal default of a signature: number, bool, string, colour, na. */
static Ex
default_value (const char *def)
{
  QlValue v;

  if (strcmp (def, "na") == 0)
    {
      Ex e = ex_err ();
      e.t = T_NA;
      e.q = Q_CONST;
      e.is_k = TRUE;
      e.k.i = 0;
      return e;
    }
  if (strcmp (def, "true") == 0 || strcmp (def, "false") == 0)
    {
      v.i = def[0] == 't';
      return ex_k (T_BOOL, v);
    }
  if (def[0] == '"')
    {
      v.s = g_intern_string (g_strndup (def + 1, strlen (def) - 2));
      return ex_k (T_STRING, v);
    }
  if (def[0] == '#')
    {
      guint64 x = g_ascii_strtoull (def + 1, NULL, 16);
      v.i = (gint64) (strlen (def) == 7 ? (x << 8) | 0xff : x);
      return ex_k (T_COLOR, v);
    }
  if (strchr (def, '.') || strchr (def, 'e'))
    {
      v.f = g_ascii_strtod (def, NULL);
      return ex_k (T_FLOAT, v);
    }
  v.i = g_ascii_strtoll (def, NULL, 10);
  return ex_k (T_INT, v);
}

static TKind
type_word (const char *type)
{
  const char *sp = strrchr (type, ' ');
  const char *w = sp ? sp + 1 : type;

  if (strcmp (w, "int") == 0)
    return T_INT;
  if (strcmp (w, "float") == 0)
    return T_FLOAT;
  if (strcmp (w, "bool") == 0)
    return T_BOOL;
  if (strcmp (w, "string") == 0)
    return T_STRING;
  if (strcmp (w, "color") == 0)
    return T_COLOR;
  if (strcmp (w, "order") == 0)
    return T_ORDER;
  return T_ERR;
}

/* ---- ta.* ----------------------------------------------------------------- */

static Ex
compile_ta (C                   *c,
            QlNode              *call,
            const QlBuiltinInfo *info)
{
  const QlTaBind *bind = ql_ta_bind_get ((guint) info->id);
  SigParam sig[12];
  guint n_sig = parse_signature (bind->signature, sig, 12);
  const char *names[12];
  QlNode *args[12];
  guint required = 0;
  QlTaSite site = { 0 };
  Ex e = ex_err ();
  int in_base, out_base, bar_input;
  gboolean ok;
  _Alignas (16) guint8 probe[4096];

  for (guint i = 0; i < n_sig; i++)
    {
      names[i] = sig[i].name;
      if (!sig[i].def[0])
        required = i + 1;
    }
  ok = bind_args (c, call->kids + 1, call->n_kids - 1, info->name, names, n_sig, required, args,
                  &call->span);
  if (!ok)
    return ex_err ();
  if (c->fc->loop_depth > 0)
    {
      ERR (&call->span, "E0407", "compute it before the loop; a ta.* call keeps one state per call site",
           "%s() inside a loop would advance its state several times per bar", info->name);
      return ex_err ();
    }
  if (c->fc->cond_depth > 0)
    WARN (&call->span, "W0401", "compute it unconditionally and use the result under the condition",
          "%s() under a condition advances only on the bars where it runs", info->name);
  site.bind = bind;
  site.span = call->span;
  /* parameters: const or input */
  for (guint i = bind->n_inputs; i < n_sig && i - bind->n_inputs < 6; i++)
    {
      guint j = i - bind->n_inputs;
      TKind want = type_word (sig[i].type);
      Ex pe = args[i] ? compile_expr (c, args[i]) : default_value (sig[i].def);

      site.param_input[j] = -1;
      site.param_reg[j] = -1;
      if (pe.t == T_ERR)
        return ex_err ();
      if (want == T_FLOAT && pe.t == T_INT)
        {
          if (pe.is_k)
            as_float (c, &pe);
          else if (pe.input >= 0)
            {
              ERR (&args[i]->span, "E0409", "declare the input with input.float",
                   "parameter '%s' of %s() is a float; input '%s' is an int", sig[i].name,
                   info->name, g_array_index (c->p->inputs, QlScriptInput, pe.input).name);
              return ex_err ();
            }
        }
      if (pe.t != want)
        {
          ERR (args[i] ? &args[i]->span : &call->span, "E0408", NULL,
               "parameter '%s' of %s() must be %s, got %s", sig[i].name, info->name,
               tname (want), tname (pe.t));
          return ex_err ();
        }
      if (pe.is_k)
        site.params[j] = *(QlScalar *) &pe.k;
      else if (pe.input >= 0)
        site.param_input[j] = (gint16) pe.input;
      else if (pe.q <= Q_INPUT)
        {
          /* computed from inputs (len * 2): fixed for the run, known when
           * the call first runs */
          site.param_reg[j] = materialize (c, &pe);
          site.lazy = TRUE;
        }
      else
        {
          ERR (&args[i]->span, "E0410", "use a constant or an input.int / input.float variable",
               "parameter '%s' of %s() must be fixed for the run (const or input), got a series",
               sig[i].name, info->name);
          return ex_err ();
        }
    }
  /* check constant parameters now */
  {
    gboolean all_const = TRUE;

    for (guint j = 0; j < bind->n_params; j++)
      all_const &= site.param_input[j] < 0 && site.param_reg[j] < 0;
    if (all_const && bind->state_size <= sizeof probe)
      {
        const char *msg = bind->init (probe, site.params);

        if (msg)
          {
            ERR (&call->span, "E0411", NULL, "%s(): %s", info->name, msg);
            return ex_err ();
          }
        bind->clear (probe);
      }
  }
  /* inputs: wherever their values are; the site lists the registers. A
   * single input that is a bar column (ta.sma (close, 10)) is read by the
   * TAB instruction itself. */
  bar_input = -1;
  if (bind->n_inputs == 1 && !site.lazy && args[0]->kind == QL_NODE_IDENT
      && lookup (c, args[0]->name) == NULL
      && !(c->p->mode == QL_MODE_EVENTS && c->handler < 0 && !c->in_test))
    {
      const QlBuiltinInfo *b = ql_builtins_lookup (args[0]->name);
      int field = b && b->kind == QL_BUILTIN_VALUE ? field_of (b->id) : -1;

      if (field >= QL_FIELD_OPEN && field <= QL_FIELD_VOLUME && type_word (sig[0].type) == T_FLOAT)
        bar_input = field;
    }
  for (guint i = 0; i < bind->n_inputs && i < 6 && bar_input < 0; i++)
    {
      TKind want = type_word (sig[i].type);
      Ex ie = compile_expr (c, args[i]);

      if (ie.t == T_ERR)
        return ex_err ();
      if (!coerce (c, &ie, want))
        {
          ERR (&args[i]->span, "E0408", want == T_BOOL ? "compare it, e.g. close > open" : NULL,
               "argument '%s' of %s() must be %s, got %s", sig[i].name, info->name,
               tname (want), tname (ie.t));
          return ex_err ();
        }
      site.in_regs[i] = (guint16) materialize (c, &ie);
      /* the clock: one other symbol's series advances the call on its
       * closes; anything mixing series runs on the main bars */
      if (i == 0)
        site.clock = ie.foreign;
      else if (site.clock != ie.foreign)
        site.clock = -1;
    }
  if (site.clock < -1 || bind->n_inputs == 0 || bar_input >= 0)
    site.clock = -1;
  if (site.clock >= 0 && !c->fc->is_body)
    {
      ERR (&call->span, "E0514", "compute it at the top level and pass the value in",
           "%s() on another symbol's series inside a function", info->name);
      return ex_err ();
    }
  in_base = site.in_regs[0];
  c->p->state_size = (c->p->state_size + 15) & ~(gsize) 15;
  site.state_off = (guint32) c->p->state_size;
  c->p->state_size += bind->state_size;
  site.n_inputs = bind->n_inputs;
  site.update = bind->update;
  /* the states of ta.sma, ta.ema and ta.rma are the engine's structs
   * (dsl/ta_bind.c), so the VM may run their steps in line */
  site.kernel = strcmp (bind->name, "sma") == 0 ? QL_KERNEL_SMA
                : strcmp (bind->name, "ema") == 0 || strcmp (bind->name, "rma") == 0 ? QL_KERNEL_EMA
                : strcmp (bind->name, "crossover") == 0 ? QL_KERNEL_CROSSOVER
                : strcmp (bind->name, "crossunder") == 0 ? QL_KERNEL_CROSSUNDER
                : QL_KERNEL_NONE;
  g_array_append_val (c->p->ta_sites, site);
  c->p->uses_day |= bind->uses_day;
  out_base = alloc_regs (c, bind->n_outputs);
  g_array_index (c->p->ta_sites, QlTaSite, c->p->ta_sites->len - 1).out_reg = (guint16) out_base;
  c->span = call->span;
  {
    /* the common cases get their own opcodes: fixed parameters, the main
     * clock, one or two inputs */
    const QlTaSite *placed = &g_array_index (c->p->ta_sites, QlTaSite, c->p->ta_sites->len - 1);
    guint16 op = QL_I_TA;

    if (bar_input >= 0 && !placed->lazy)
      {
        op = QL_I_TAB;
        in_base = bar_input;
      }
    else if (!placed->lazy && placed->clock < 0 && bind->n_inputs == 1)
      op = QL_I_TA1;
    else if (!placed->lazy && placed->clock < 0 && bind->n_inputs == 2)
      op = QL_I_TA2;
    emit (c, op, out_base, c->p->ta_sites->len - 1, in_base);
  }
  g_string_append_printf (c->p->explain, "  %s at %u:%u: %" G_GSIZE_FORMAT " bytes of state\n",
                          info->name, call->span.line, call->span.col, bind->state_size);
  e.q = Q_SERIES;
  e.reg = out_base;
  {
    const char *ret = strstr (bind->signature, "->");
    g_auto (GStrv) parts = NULL;

    ret = ret ? ret + 2 : " series float";
    parts = g_strsplit_set (ret, "(),", -1);
    e.n = 0;
    for (guint i = 0; parts[i]; i++)
      {
        g_strstrip (parts[i]);
        if (parts[i][0] && e.n < MAX_TUPLE)
          e.el[e.n++] = type_word (parts[i]);
      }
    if (bind->n_outputs > 1)
      e.t = T_TUPLE;
    else
      e.t = e.n ? e.el[0] : T_FLOAT;
    e.n = bind->n_outputs;
  }
  return e;
}

/* ---- arrays and maps ----------------------------------------------------- */

static guint
new_object (C     *c,
            guint8 kind)
{
  g_array_append_val (c->p->object_kinds, kind);
  return c->p->n_objects++;
}

static int
el_code (TKind el)
{
  return el == T_FLOAT ? QL_EL_FLOAT : el == T_STRING ? QL_EL_STRING : QL_EL_INT;
}

/* The value an absent element reads as: na, false for bool, "" for string. */
static Ex
na_of (TKind t)
{
  QlValue v;

  if (t == T_FLOAT)
    v.f = NAN;
  else if (t == T_BOOL)
    v.i = 0;
  else if (t == T_STRING)
    v.s = "";
  else
    v.i = QL_NA_INT;
  return ex_k (t, v);
}

static const char *
container_name (TKind t,
                TKind el,
                TKind key,
                char *buf)
{
  if (t == T_ARRAY)
    g_snprintf (buf, 48, "array<%s>", tname (el));
  else if (t == T_MAP)
    g_snprintf (buf, 48, "map<%s, %s>", tname (key), tname (el));
  else
    g_snprintf (buf, 48, "%s", tname (t));
  return buf;
}

/* @v as an element of type @el, in a register; strings copied to the
 * instance's pool when they are stored. */
static int
element_value (C            *c,
               Ex           *v,
               TKind         el,
               const QlSpan *span,
               const char   *what)
{
  int r;

  if (!coerce (c, v, el) || v->t != el)
    {
      ERR (span, "E0320", NULL, "%s must be %s, got %s", what, tname (el), tname (v->t));
      return -1;
    }
  r = materialize (c, v);
  if (el == T_STRING && !v->is_k)
    {
      int t = alloc_reg (c);

      emit (c, QL_I_MOV, t, r, 0);
      emit (c, QL_I_PERSIST, t, 0, 0);
      r = t;
    }
  return r;
}

static Ex
container (TKind t,
           TKind el,
           TKind key,
           int   reg)
{
  Ex e = ex_err ();

  e.t = t;
  e.q = Q_SERIES;
  e.reg = reg;
  e.el[0] = el;
  e.el[1] = key;
  return e;
}

static Ex
compile_array_lit (C      *c,
                   QlNode *n)
{
  TKind el = T_ERR;
  Ex *vals = g_new0 (Ex, MAX (n->n_kids, 1));
  int dst;

  for (guint i = 0; i < n->n_kids; i++)
    {
      vals[i] = compile_expr (c, n->kids[i]);
      if (vals[i].t == T_ERR)
        {
          g_free (vals);
          return ex_err ();
        }
      if (vals[i].t == T_NA)
        continue;
      if (!is_scalar (vals[i].t))
        {
          ERR (&n->kids[i]->span, "E0320", NULL, "array elements are int, float, bool, string or color, not %s",
               tname (vals[i].t));
          g_free (vals);
          return ex_err ();
        }
      if (el == T_ERR || (el == T_INT && vals[i].t == T_FLOAT))
        el = vals[i].t;
    }
  if (c->expect_el != T_ERR && (el == T_ERR || (el == T_INT && c->expect_el == T_FLOAT)))
    el = c->expect_el;
  if (el == T_ERR)
    {
      ERR (&n->span, "E0305", "declare the type: a: array<float> = []",
           "cannot tell the element type of this array");
      g_free (vals);
      return ex_err ();
    }
  dst = alloc_reg (c);
  emit (c, QL_I_ANEW, dst, new_object (c, 0), 0);
  for (guint i = 0; i < n->n_kids; i++)
    {
      int r = element_value (c, &vals[i], el, &n->kids[i]->span, "every element");

      if (r < 0)
        {
          g_free (vals);
          return ex_err ();
        }
      emit (c, QL_I_APUSH, dst, r, 0);
    }
  g_free (vals);
  return container (T_ARRAY, el, T_ERR, dst);
}

static Ex
compile_map_lit (C      *c,
                 QlNode *n)
{
  TKind key = c->expect_key, el = c->expect_el;
  int dst;
  guint pairs = n->n_kids / 2;
  Ex *ks = g_new0 (Ex, MAX (pairs, 1)), *vs = g_new0 (Ex, MAX (pairs, 1));
  Ex result = ex_err ();

  for (guint i = 0; i < pairs; i++)
    {
      ks[i] = compile_expr (c, n->kids[2 * i]);
      vs[i] = compile_expr (c, n->kids[2 * i + 1]);
      if (ks[i].t == T_ERR || vs[i].t == T_ERR)
        goto out;
      if (key == T_ERR)
        key = ks[i].t;
      if (vs[i].t != T_NA && (el == T_ERR || (el == T_INT && vs[i].t == T_FLOAT)))
        el = vs[i].t;
    }
  if (key == T_ERR || el == T_ERR)
    {
      ERR (&n->span, "E0305", "declare the type: m: map<string, float> = {}",
           "cannot tell the key and value types of this map");
      goto out;
    }
  if (key != T_INT && key != T_STRING)
    {
      ERR (&n->span, "E0320", NULL, "map keys are int or string, not %s", tname (key));
      goto out;
    }
  if (!is_scalar (el))
    {
      ERR (&n->span, "E0320", NULL, "map values are int, float, bool, string or color, not %s", tname (el));
      goto out;
    }
  dst = alloc_reg (c);
  emit (c, QL_I_MNEW, dst, new_object (c, key == T_STRING ? 2 : 1), 0);
  for (guint i = 0; i < pairs; i++)
    {
      int kr, vr;

      if (ks[i].t != key)
        {
          ERR (&n->kids[2 * i]->span, "E0320", NULL, "every key must be %s, got %s", tname (key), tname (ks[i].t));
          goto out;
        }
      kr = materialize (c, &ks[i]);
      vr = element_value (c, &vs[i], el, &n->kids[2 * i + 1]->span, "every value");
      if (vr < 0)
        goto out;
      emit (c, QL_I_MPUT, dst, kr, vr);
    }
  result = container (T_MAP, el, key, dst);
out:
  g_free (ks);
  g_free (vs);
  return result;
}

/* a[i] and m[k]. */
static Ex
element_get (C            *c,
             Ex           *cont,
             Ex           *idx,
             const QlSpan *span)
{
  Ex e = ex_err ();

  if (cont->t == T_ARRAY)
    {
      if (idx->t != T_INT)
        {
          ERR (span, "E0320", NULL, "an array index is an int, got %s", tname (idx->t));
          return ex_err ();
        }
      e.t = cont->el[0];
      e.q = Q_SERIES;
      e.reg = alloc_reg (c);
      {
        int a = materialize (c, cont), i = materialize (c, idx);
        emit (c, QL_I_AGET, e.reg, a, i);
      }
      return e;
    }
  if (idx->t != cont->el[1])
    {
      ERR (span, "E0320", NULL, "this map's keys are %s, got %s", tname (cont->el[1]), tname (idx->t));
      return ex_err ();
    }
  {
    Ex na_e = na_of (cont->el[0]);
    int m = materialize (c, cont), k = materialize (c, idx);

    e.t = cont->el[0];
    e.q = Q_SERIES;
    e.reg = alloc_reg (c);
    emit (c, QL_I_MOV, e.reg, materialize (c, &na_e), 0);
    emit (c, QL_I_MGET, e.reg, m, k);
  }
  return e;
}

/* ---- other symbols --------------------------------------------------------- */

/* eth.close, eth.close[k]: @member is the MEMBER node, @off the offset. */
static Ex
foreign_read (C      *c,
              Sym    *sy,
              QlNode *member,
              Ex     *off)
{
  static const char *const fields[] = { "open", "high", "low", "close", "volume", "hl2", "hlc3",
                                        "ohlc4", "time" };
  guint field;
  guint32 bound = 0;
  QlForeign *fo = &g_array_index (c->p->foreigns, QlForeign, sy->k.i);
  Ex e = ex_err ();

  for (field = 0; field < G_N_ELEMENTS (fields); field++)
    if (strcmp (fields[field], member->name) == 0)
      break;
  if (field == G_N_ELEMENTS (fields))
    {
      ERR (&member->span, "E0206", "the fields: open, high, low, close, volume, hl2, hlc3, ohlc4, time",
           "a symbol has no field '%s'", member->name);
      return ex_err ();
    }
  if (c->p->mode == QL_MODE_EVENTS && c->handler < 0)
    {
      ERR (&member->span, "E0506", "read it inside an event handler", "'%s.%s' has no value outside an event handler in events mode",
           sy->name, member->name);
      return ex_err ();
    }
  if (!offset_bound (c, off, &member->span, 0, sy->name, &bound))
    return ex_err ();
  fo->lookback = MAX (fo->lookback, bound);
  e.t = field == QL_FIELD_TIME ? T_INT : T_FLOAT;
  e.q = Q_SERIES;
  e.foreign = (int) sy->k.i;
  e.reg = alloc_reg (c);
  {
    int oreg = materialize (c, off);

    c->span = member->span;
    emit (c, QL_I_XBAR, e.reg, (int) (sy->k.i * 16 + field), oreg);
  }
  return e;
}

/* A register holding the run's index of the symbol @n names: an int (a
 * handler's symbol parameter) or a symbol () variable; -1 (reported). */
static int
symbol_index (C      *c,
              QlNode *n,
              const char *fname)
{
  Ex e = compile_expr (c, n);
  int r;

  if (e.t == T_ERR)
    return -1;
  if (e.t == T_INT)
    return materialize (c, &e);
  if (e.t == T_SYMBOL)
    {
      r = alloc_reg (c);
      emit (c, QL_I_SYMIDX, r, (int) e.k.i, 0);
      return r;
    }
  ERR (&n->span, "E0408", "pass a handler's symbol parameter or a symbol() variable",
       "%s() needs a symbol, got %s", fname, tname (e.t));
  return -1;
}

/* ---- history ------------------------------------------------------------- */

/* A hidden variable holding @e, for history on an expression. */
static Sym *
hidden_var (C            *c,
            Ex           *e,
            const QlSpan *span)
{
  Sym s = { 0 };
  char *name = g_strdup_printf ("(expression at %u:%u)", span->line, span->col);

  g_ptr_array_add (c->p->strings, name);
  s.name = name;
  s.t = e->t;
  s.q = Q_SERIES;
  s.reg = alloc_reg (c);
  s.global = c->fc->is_body;
  s.owner = (int) c->fc->func;
  s.input = -1;
  s.ring = -1;
  s.span = *span;
  /* hidden vars are not visible by name: keep them out of the scope list
   * by storing them in a side list */
  emit (c, QL_I_MOV, s.reg, materialize (c, e), 0);
  {
    Sym *copy = g_new (Sym, 1);

    *copy = s;
    g_ptr_array_add (c->p->strings, copy);  /* freed with the strings */
    return copy;
  }
}

static Ex
compile_index (C      *c,
               QlNode *n)
{
  QlNode *base = n->kids[0];
  Ex off, e = ex_err ();
  guint32 bound = 0;

  off = compile_expr (c, n->kids[1]);
  if (off.t == T_ERR)
    return ex_err ();
  if (base->kind == QL_NODE_MEMBER && base->kids[0]->kind == QL_NODE_IDENT)
    {
      Sym *sy = lookup (c, base->kids[0]->name);

      if (sy && sy->t == T_SYMBOL)
        return foreign_read (c, sy, base, &off);
      if (sy && sy->t == T_ERR)
        return ex_err ();
    }
  /* a bar field: read the series directly */
  if (base->kind == QL_NODE_IDENT && lookup (c, base->name) == NULL)
    {
      const QlBuiltinInfo *b = ql_builtins_lookup (base->name);
      int field = b && b->kind == QL_BUILTIN_VALUE ? field_of (b->id) : -1;

      if (field >= 0)
        {
          if (c->p->mode == QL_MODE_EVENTS && c->handler < 0 && !c->in_test)
            {
              ERR (&base->span, "E0506", "read bars inside event on_bar(s) or on_tick(s)",
                   "'%s' has no value outside an event handler in events mode", b->name);
              return ex_err ();
            }
          if (!offset_bound (c, &off, &n->kids[1]->span, c->bar_lookback_declared, base->name, &bound))
            return ex_err ();
          c->p->bar_lookback = MAX (c->p->bar_lookback, bound);
          e.t = field == QL_FIELD_TIME || field == QL_FIELD_BAR_INDEX ? T_INT : T_FLOAT;
          e.q = Q_SERIES;
          e.reg = alloc_reg (c);
          if (off.is_k && off.k.i == 0)
            emit (c, QL_I_BAR, e.reg, field, 0);
          else
            emit (c, QL_I_BARH, e.reg, field, materialize (c, &off));
          return e;
        }
    }
  {
    Sym *s = base->kind == QL_NODE_IDENT ? lookup (c, base->name) : NULL;
    Ex be;

    if (s && (s->t == T_ARRAY || s->t == T_MAP))
      {
        be = compile_expr (c, base);
        return element_get (c, &be, &off, &n->span);
      }
    if (s && s->global && !c->fc->is_body)
      {
        ERR (&n->span, "E0316", "read its history at top level and pass the value in",
             "the history of top-level variable '%s' cannot be read inside a function", s->name);
        return ex_err ();
      }
    if (s == NULL)
      {
        be = compile_expr (c, base);
        if (be.t == T_ERR)
          return ex_err ();
        if (be.t == T_ARRAY || be.t == T_MAP)
          return element_get (c, &be, &off, &n->span);
        if (be.t == T_TUPLE || be.t == T_VOID || be.t == T_STRING || be.t == T_NA)
          {
            ERR (&base->span, "E0317", NULL, "%s has no history", tname (be.t));
            return ex_err ();
          }
        if (c->fc->loop_depth > 0)
          {
            ERR (&n->span, "E0318", "read the history outside the loop",
                 "history of an expression inside a loop");
            return ex_err ();
          }
        s = hidden_var (c, &be, &base->span);
      }
    if (s->t == T_STRING || s->t == T_TUPLE)
      {
        ERR (&base->span, "E0317", NULL, "%s has no history", tname (s->t));
        return ex_err ();
      }
    if (!offset_bound (c, &off, &n->kids[1]->span, s->declared_lookback, s->name, &bound))
      return ex_err ();
    e.t = s->t;
    e.q = Q_SERIES;
    if (off.is_k && off.k.i == 0)
      {
        e.reg = s->reg;
        return e;
      }
    {
      int ring = ring_for (c, s);

      ring_need (c, ring, bound);
      e.reg = alloc_reg (c);
      emit (c, QL_I_HIST, e.reg, ring, materialize (c, &off));
    }
    return e;
  }
}

/* ---- builtin calls ------------------------------------------------------- */

static gboolean
const_string (C            *c,
              QlNode       *n,
              const char   *what,
              const char  **out)
{
  Ex e;

  *out = NULL;
  if (n == NULL)
    return TRUE;
  e = compile_expr (c, n);
  if (e.t == T_ERR)
    return FALSE;
  if (e.t != T_STRING || !e.is_k)
    {
      ERR (&n->span, "E0412", "write it as a literal: \"text\"", "%s must be a constant string", what);
      return FALSE;
    }
  *out = e.k.s;
  return TRUE;
}

static gboolean
const_color (C       *c,
             QlNode  *n,
             guint32 *out)
{
  Ex e;

  if (n == NULL)
    return TRUE;
  e = compile_expr (c, n);
  if (e.t == T_ERR)
    return FALSE;
  if (e.t != T_COLOR || !e.is_k)
    {
      ERR (&n->span, "E0412", "write it as a literal: #RRGGBB or #RRGGBBAA",
           "color must be a constant color");
      return FALSE;
    }
  *out = (guint32) e.k.i;
  return TRUE;
}

static Ex
compile_plot (C                   *c,
              QlNode              *call,
              const QlBuiltinInfo *info)
{
  static const char *const names1[] = { "series", "title", "color" };
  static const char *const names2[] = { "upper", "lower", "title", "color" };
  gboolean band = info->id == QL_B_BAND;
  QlNode *args[4];
  QlScriptPlot pl = { 0 };
  const char *title = NULL;
  Ex v, w;
  int base;

  if (!bind_args (c, call->kids + 1, call->n_kids - 1, info->name, band ? names2 : names1,
                  band ? 4 : 3, band ? 2 : 1, args, &call->span))
    return ex_err ();
  if (!c->fc->is_body || c->fc->cond_depth > 0 || c->scopes->len > 1)
    {
      ERR (&call->span, "E0509", "plot at top level, with na on the bars where nothing shows",
           "%s() must be at the top level of the script", info->name);
      return ex_err ();
    }
  if (c->p->mode == QL_MODE_EVENTS)
    {
      ERR (&call->span, "E0509", NULL, "%s() is not available in events scripts", info->name);
      return ex_err ();
    }
  if (!const_string (c, args[band ? 2 : 1], "the title", &title)
      || !const_color (c, args[band ? 3 : 2], &pl.color))
    return ex_err ();
  v = compile_expr (c, args[0]);
  if (v.t == T_ERR)
    return ex_err ();
  if (info->id == QL_B_MARK)
    {
      /* the close where the condition holds, else na */
      Ex cl;
      int r;
      guint j;
      QlValue nan_v;

      if (v.t != T_BOOL)
        {
          ERR (&args[0]->span, "E0408", NULL, "mark() needs a bool condition, got %s", tname (v.t));
          return ex_err ();
        }
      nan_v.f = NAN;
      cl = ex_k (T_FLOAT, nan_v);
      r = alloc_reg (c);
      emit (c, QL_I_MOV, r, materialize (c, &cl), 0);
      j = emit (c, QL_I_JF, materialize (c, &v), 0, 0);
      emit (c, QL_I_BAR, r, QL_FIELD_CLOSE, 0);
      patch (c, j, here (c));
      v = ex_err ();
      v.t = T_FLOAT;
      v.q = Q_SERIES;
      v.reg = r;
    }
  if (!coerce (c, &v, T_FLOAT))
    {
      ERR (&args[0]->span, "E0408", NULL, "%s() needs a number, got %s", info->name, tname (v.t));
      return ex_err ();
    }
  base = alloc_regs (c, band ? 2 : 1);
  emit (c, QL_I_MOV, base, materialize (c, &v), 0);
  if (band)
    {
      w = compile_expr (c, args[1]);
      if (w.t == T_ERR)
        return ex_err ();
      if (!coerce (c, &w, T_FLOAT))
        {
          ERR (&args[1]->span, "E0408", NULL, "band() needs numbers, got %s", tname (w.t));
          return ex_err ();
        }
      emit (c, QL_I_MOV, base + 1, materialize (c, &w), 0);
    }
  pl.kind = info->id == QL_B_PLOT ? 0 : info->id == QL_B_HLINE ? 1 : band ? 2 : info->id == QL_B_HIST ? 3 : 4;
  pl.column = ql_program_get_n_columns (c->p);
  if (title && title[0])
    pl.title = g_strdup (title);
  else
    pl.title = g_strdup_printf ("plot%u", c->p->plots->len);
  for (guint i = 0; i < c->p->plots->len; i++)
    if (strcmp (g_array_index (c->p->plots, QlScriptPlot, i).title, pl.title) == 0)
      {
        ERR (&call->span, "E0510", "give each plot its own title",
             "a plot titled \"%s\" already exists", pl.title);
        g_free (pl.title);
        return ex_err ();
      }
  g_array_append_val (c->p->plots, pl);
  if (band)
    {
      g_ptr_array_add (c->p->column_names, g_strconcat (pl.title, ".upper", NULL));
      g_ptr_array_add (c->p->column_names, g_strconcat (pl.title, ".lower", NULL));
    }
  else
    g_ptr_array_add (c->p->column_names, g_strdup (pl.title));
  c->p->n_columns = c->p->column_names->len;
  emit (c, QL_I_PLOT, base, c->p->plots->len - 1, 0);
  return ex_void ();
}

/* input.*: only as the whole value of a top-level declaration; the
 * caller (compile_decl) passes the variable's name. */
static Ex
compile_input (C                   *c,
               QlNode              *call,
               const QlBuiltinInfo *info,
               const char          *var_name)
{
  static const char *const names[] = { "defval", "title", "min", "max", "options" };
  QlNode *args[5];
  QlScriptInput in = { 0 };
  const char *title = NULL;
  Ex d, e = ex_err ();
  guint n_names = info->id == QL_B_INPUT_INT || info->id == QL_B_INPUT_FLOAT ? 5
                  : info->id == QL_B_INPUT_STRING ? 3 : 2;
  const char *snames[] = { "defval", "title", "options" };
  TKind t;

  if (var_name == NULL)
    {
      ERR (&call->span, "E0413", "write name = input.int(...) at the top level",
           "%s() must be the whole value of a top-level declaration", info->name);
      return ex_err ();
    }
  if (!bind_args (c, call->kids + 1, call->n_kids - 1, info->name,
                  info->id == QL_B_INPUT_STRING ? snames : names, n_names, 1, args, &call->span))
    return ex_err ();
  if (info->id == QL_B_INPUT_STRING)
    {
      args[4] = args[2];
      args[2] = args[3] = NULL;
    }
  else if (n_names < 5)
    args[2] = args[3] = args[4] = NULL;
  switch (info->id)
    {
    case QL_B_INPUT_INT: t = T_INT; in.kind = QL_INPUT_INT; break;
    case QL_B_INPUT_FLOAT: t = T_FLOAT; in.kind = QL_INPUT_FLOAT; break;
    case QL_B_INPUT_BOOL: t = T_BOOL; in.kind = QL_INPUT_BOOL; break;
    case QL_B_INPUT_COLOR: t = T_COLOR; in.kind = QL_INPUT_COLOR; break;
    case QL_B_INPUT_SYMBOL: t = T_STRING; in.kind = QL_INPUT_SYMBOL; break;
    case QL_B_INPUT_TIMEFRAME: t = T_STRING; in.kind = QL_INPUT_TIMEFRAME; break;
    default: t = T_STRING; in.kind = QL_INPUT_STRING; break;
    }
  d = compile_expr (c, args[0]);
  if (d.t == T_ERR)
    return ex_err ();
  if (!d.is_k || !coerce (c, &d, t) || d.t != t)
    {
      ERR (&args[0]->span, "E0414", NULL, "the default of %s() must be a constant %s", info->name,
           tname (t));
      return ex_err ();
    }
  if (!const_string (c, args[1], "the title", &title))
    return ex_err ();
  in.min = -INFINITY;
  in.max = INFINITY;
  for (guint k = 2; k < 4; k++)
    if (args[k])
      {
        Ex m = compile_expr (c, args[k]);

        if (m.t == T_ERR)
          return ex_err ();
        if (!m.is_k || !is_num (m.t))
          {
            ERR (&args[k]->span, "E0414", NULL, "%s of %s() must be a constant number",
                 k == 2 ? "min" : "max", info->name);
            return ex_err ();
          }
        if (k == 2)
          in.min = m.t == T_INT ? (double) m.k.i : m.k.f;
        else
          in.max = m.t == T_INT ? (double) m.k.i : m.k.f;
      }
  if (args[4])
    {
      QlNode *o = args[4];
      /* Owns its strings until they move to the input (fuzz-run found the
       * first options leaking when a later one is not a constant). */
      GPtrArray *opts = g_ptr_array_new_with_free_func (g_free);

      if (o->kind != QL_NODE_ARRAY)
        {
          ERR (&o->span, "E0414", "write the options as [\"a\", \"b\"]", "options must be an array literal");
          g_ptr_array_unref (opts);
          return ex_err ();
        }
      for (guint k = 0; k < o->n_kids; k++)
        {
          Ex oe = compile_expr (c, o->kids[k]);
          char buf[64];

          if (!oe.is_k || (oe.t != t && !(t == T_FLOAT && oe.t == T_INT)))
            {
              ERR (&o->kids[k]->span, "E0414", NULL, "each option must be a constant %s", tname (t));
              g_ptr_array_free (opts, TRUE);
              return ex_err ();
            }
          if (oe.t == T_STRING)
            g_ptr_array_add (opts, g_strdup (oe.k.s));
          else if (oe.t == T_INT)
            g_ptr_array_add (opts, g_strdup_printf ("%" G_GINT64_FORMAT, oe.k.i));
          else
            g_ptr_array_add (opts, g_strdup (g_ascii_dtostr (buf, sizeof buf, oe.k.f)));
        }
      g_ptr_array_add (opts, NULL);
      in.options = (char **) g_ptr_array_free (opts, FALSE);
    }
  in.name = g_strdup (var_name);
  in.title = g_strdup (title && title[0] ? title : var_name);
  if (t == T_INT)
    {
      in.def = (double) d.k.i;
      in.def_text = g_strdup_printf ("%" G_GINT64_FORMAT, d.k.i);
    }
  else if (t == T_FLOAT)
    {
      char buf[G_ASCII_DTOSTR_BUF_SIZE];

      in.def = d.k.f;
      in.def_text = g_strdup (g_ascii_dtostr (buf, sizeof buf, d.k.f));
    }
  else if (t == T_BOOL)
    in.def_text = g_strdup (d.k.i ? "true" : "false");
  else if (t == T_COLOR)
    in.def_text = g_strdup_printf ("#%08X", (guint32) d.k.i);
  else
    in.def_text = g_strdup (d.k.s);
  if ((t == T_INT || t == T_FLOAT) && (in.def < in.min || in.def > in.max))
    {
      ERR (&call->span, "E0415", NULL, "the default %s of input '%s' is outside [%g, %g]",
           in.def_text, var_name, in.min, in.max);
    }
  g_array_append_val (c->p->inputs, in);
  e = d;
  e.q = Q_INPUT;
  e.is_k = FALSE;
  e.input = (int) c->p->inputs->len - 1;
  /* the caller declares the variable and preloads the default */
  e.k = d.k;
  e.reg = -1;
  return e;
}

static Ex
compile_callb (C                   *c,
               QlNode              *call,
               const QlBuiltinInfo *info,
               int                  id,
               Ex                  *argv,
               guint                n)
{
  QlCallbSite cb = { 0 };
  guint idx = c->p->callb->len;
  int base = alloc_regs (c, MAX (n, 1));
  Ex e = ex_err ();

  (void) call;
  cb.fn = ql_stdlib_fn (id);
  cb.n_args = n;
  cb.name = info->name;
  g_array_append_val (c->p->callb, cb);
  for (guint i = 0; i < n; i++)
    emit (c, QL_I_MOV, base + (int) i, materialize (c, &argv[i]), 0);
  e.t = id == QL_B_STR_F || id == QL_B_STR_I || id == QL_B_STR_B ? T_STRING : T_FLOAT;
  e.q = Q_SERIES;
  for (guint i = 0; i < n; i++)
    e.q = MAX (e.q, argv[i].q);
  e.reg = alloc_reg (c);
  emit (c, QL_I_CALLB, e.reg, idx, base);
  return e;
}

/* array.* and map.*: @args bound to the signature's parameters. */
static Ex
compile_container_call (C                   *c,
                        QlNode              *call,
                        const QlBuiltinInfo *info,
                        QlNode             **args)
{
  int id = info->id;
  Ex cont, a1, a2, e = ex_err ();
  TKind el;
  int base;

  if (id >= QL_B_ARRAY_NEW_FLOAT && id <= QL_B_ARRAY_NEW_COLOR)
    {
      static const TKind kinds[] = { T_FLOAT, T_INT, T_BOOL, T_STRING, T_COLOR };
      int dst;

      el = kinds[id - QL_B_ARRAY_NEW_FLOAT];
      dst = alloc_reg (c);
      emit (c, QL_I_ANEW, dst, new_object (c, 0), 0);
      if (args[0])
        {
          a1 = compile_expr (c, args[0]);
          a2 = args[1] ? compile_expr (c, args[1]) : na_of (el);
          if (a1.t == T_ERR || a2.t == T_ERR)
            return ex_err ();
          if (a1.t != T_INT)
            {
              ERR (&args[0]->span, "E0408", NULL, "size of %s() must be an int, got %s", info->name,
                   tname (a1.t));
              return ex_err ();
            }
          base = alloc_regs (c, 3);
          emit (c, QL_I_MOV, base, dst, 0);
          emit (c, QL_I_MOV, base + 1, materialize (c, &a1), 0);
          {
            int vr = element_value (c, &a2, el, args[1] ? &args[1]->span : &call->span, "initial");

            if (vr < 0)
              return ex_err ();
            emit (c, QL_I_MOV, base + 2, vr, 0);
          }
          c->span = call->span;
          emit (c, QL_I_ACALL, base, QL_A_FILL | el_code (el), base);
        }
      return container (T_ARRAY, el, T_ERR, dst);
    }
  cont = compile_expr (c, args[0]);
  if (cont.t == T_ERR)
    return ex_err ();
  {
    gboolean want_map = id >= QL_B_MAP_PUT;

    if (cont.t != (want_map ? T_MAP : T_ARRAY))
      {
        ERR (&args[0]->span, "E0408", NULL, "%s() takes %s, got %s", info->name,
             want_map ? "a map" : "an array", tname (cont.t));
        return ex_err ();
      }
  }
  el = cont.el[0];
  c->span = call->span;
  switch (id)
    {
    case QL_B_ARRAY_PUSH:
      {
        int vr;

        a1 = compile_expr (c, args[1]);
        if (a1.t == T_ERR)
          return ex_err ();
        vr = element_value (c, &a1, el, &args[1]->span, "the value");
        if (vr < 0)
          return ex_err ();
        c->span = call->span;
        emit (c, QL_I_APUSH, materialize (c, &cont), vr, 0);
        return ex_void ();
      }
    case QL_B_ARRAY_GET:
    case QL_B_MAP_GET:
      a1 = compile_expr (c, args[1]);
      if (a1.t == T_ERR)
        return ex_err ();
      return element_get (c, &cont, &a1, &call->span);
    case QL_B_ARRAY_SET:
    case QL_B_MAP_PUT:
      {
        int vr;

        a1 = compile_expr (c, args[1]);
        a2 = compile_expr (c, args[2]);
        if (a1.t == T_ERR || a2.t == T_ERR)
          return ex_err ();
        if (a1.t != (id == QL_B_MAP_PUT ? cont.el[1] : T_INT))
          {
            ERR (&args[1]->span, "E0320", NULL, "the %s must be %s, got %s",
                 id == QL_B_MAP_PUT ? "key" : "index", tname (id == QL_B_MAP_PUT ? cont.el[1] : T_INT),
                 tname (a1.t));
            return ex_err ();
          }
        vr = element_value (c, &a2, el, &args[2]->span, "the value");
        if (vr < 0)
          return ex_err ();
        c->span = call->span;
        emit (c, id == QL_B_MAP_PUT ? QL_I_MPUT : QL_I_ASET, materialize (c, &cont),
              materialize (c, &a1), vr);
        return ex_void ();
      }
    case QL_B_ARRAY_SIZE:
    case QL_B_MAP_SIZE:
      e.t = T_INT;
      e.q = Q_SERIES;
      e.reg = alloc_reg (c);
      emit (c, id == QL_B_MAP_SIZE ? QL_I_MLEN : QL_I_ALEN, e.reg, materialize (c, &cont), 0);
      return e;
    case QL_B_MAP_CONTAINS:
    case QL_B_MAP_REMOVE:
      a1 = compile_expr (c, args[1]);
      if (a1.t == T_ERR)
        return ex_err ();
      if (a1.t != cont.el[1])
        {
          ERR (&args[1]->span, "E0320", NULL, "this map's keys are %s, got %s", tname (cont.el[1]),
               tname (a1.t));
          return ex_err ();
        }
      c->span = call->span;
      if (id == QL_B_MAP_REMOVE)
        {
          emit (c, QL_I_MDEL, materialize (c, &cont), materialize (c, &a1), 0);
          return ex_void ();
        }
      e.t = T_BOOL;
      e.q = Q_SERIES;
      e.reg = alloc_reg (c);
      emit (c, QL_I_MHAS, e.reg, materialize (c, &cont), materialize (c, &a1));
      return e;
    case QL_B_MAP_KEYS:
      {
        /* a new array, filled by a loop over the map's order */
        int dst = alloc_reg (c), i = alloc_reg (c), n = alloc_reg (c), tmp = alloc_reg (c);
        int m = materialize (c, &cont);
        Ex zero = ex_k (T_INT, (QlValue) { .i = 0 }), one = ex_k (T_INT, (QlValue) { .i = 1 });
        guint top, jexit;

        emit (c, QL_I_ANEW, dst, new_object (c, 0), 0);
        emit (c, QL_I_MOV, i, materialize (c, &zero), 0);
        emit (c, QL_I_MLEN, n, m, 0);
        top = here (c);
        jexit = emit (c, QL_I_JF_LT_I, i, n, 0);
        emit (c, QL_I_MKEYAT, tmp, m, i);
        emit (c, QL_I_APUSH, dst, tmp, 0);
        emit (c, QL_I_ADD_I, i, i, materialize (c, &one));
        {
          guint back = emit (c, QL_I_LOOP, 0, 0, 0);
          set_off32 (c, back, top);
        }
        set_off16 (c, jexit, here (c));
        return container (T_ARRAY, cont.el[1], T_ERR, dst);
      }
    default:
      break;
    }
  /* the rest through ACALL: base = container, then the arguments */
  {
    int op;
    TKind rt = el;

    switch (id)
      {
      case QL_B_ARRAY_POP: op = QL_A_POP; break;
      case QL_B_ARRAY_SHIFT: op = QL_A_SHIFT; break;
      case QL_B_ARRAY_CLEAR: op = QL_A_CLEAR; rt = T_VOID; break;
      case QL_B_MAP_CLEAR: op = QL_M_CLEAR; rt = T_VOID; break;
      case QL_B_ARRAY_SUM: op = QL_A_SUM; break;
      case QL_B_ARRAY_AVG: op = QL_A_AVG; rt = T_FLOAT; break;
      case QL_B_ARRAY_MIN: op = QL_A_MIN; break;
      case QL_B_ARRAY_MAX: op = QL_A_MAX; break;
      case QL_B_ARRAY_INCLUDES: op = QL_A_INCLUDES; rt = T_BOOL; break;
      case QL_B_ARRAY_INSERT: op = QL_A_INSERT; rt = T_VOID; break;
      case QL_B_ARRAY_REMOVE: op = QL_A_REMOVE; break;
      default:
        ERR (&call->span, "E0401", NULL, "%s() cannot be called here", info->name);
        return ex_err ();
      }
    if ((op == QL_A_SUM || op == QL_A_AVG || op == QL_A_MIN || op == QL_A_MAX) && !is_num (el))
      {
        ERR (&args[0]->span, "E0408", NULL, "%s() needs an array of numbers, got array<%s>",
             info->name, tname (el));
        return ex_err ();
      }
    base = alloc_regs (c, 3);
    emit (c, QL_I_MOV, base, materialize (c, &cont), 0);
    if (op == QL_A_INCLUDES || op == QL_A_INSERT || op == QL_A_REMOVE)
      {
        a1 = compile_expr (c, args[1]);
        if (a1.t == T_ERR)
          return ex_err ();
        if (op == QL_A_INCLUDES)
          {
            int vr = element_value (c, &a1, el, &args[1]->span, "the value");

            if (vr < 0)
              return ex_err ();
            emit (c, QL_I_MOV, base + 1, vr, 0);
          }
        else
          {
            if (a1.t != T_INT)
              {
                ERR (&args[1]->span, "E0320", NULL, "an array index is an int, got %s", tname (a1.t));
                return ex_err ();
              }
            emit (c, QL_I_MOV, base + 1, materialize (c, &a1), 0);
          }
        if (op == QL_A_INSERT)
          {
            int vr;

            a2 = compile_expr (c, args[2]);
            if (a2.t == T_ERR)
              return ex_err ();
            vr = element_value (c, &a2, el, &args[2]->span, "the value");
            if (vr < 0)
              return ex_err ();
            emit (c, QL_I_MOV, base + 2, vr, 0);
          }
      }
    c->span = call->span;
    e.t = rt;
    e.q = Q_SERIES;
    e.reg = alloc_reg (c);
    emit (c, QL_I_ACALL, e.reg, op | el_code (el), base);
    if (rt == T_VOID)
      return ex_void ();
    return e;
  }
}

static Ex
compile_builtin_call (C                   *c,
                      QlNode              *call,
                      const QlBuiltinInfo *info)
{
  QlNode **argn = call->kids + 1;
  guint nargs = call->n_kids - 1;
  SigParam sig[8];
  guint n_sig = parse_signature (info->signature, sig, 8);
  const char *names[8];
  QlNode *args[8];
  guint required = 0;
  Ex e = ex_err (), a;

  if (info->kind == QL_BUILTIN_TA)
    return compile_ta (c, call, info);
  switch (info->id)
    {
    case QL_B_PLOT:
    case QL_B_HLINE:
    case QL_B_BAND:
    case QL_B_HIST:
    case QL_B_MARK:
      if (info->id == QL_B_HLINE)
        {
          static const char *const hn[] = { "price", "title", "color" };
          QlNode *ha[3];
          Ex pv;

          if (!bind_args (c, argn, nargs, info->name, hn, 3, 1, ha, &call->span))
            return ex_err ();
          pv = compile_expr (c, ha[0]);
          if (pv.t != T_ERR && pv.q == Q_SERIES)
            {
              ERR (&ha[0]->span, "E0408", "use plot() for a changing value",
                   "hline() needs a constant or input price");
              return ex_err ();
            }
        }
      return compile_plot (c, call, info);
    case QL_B_INPUT_INT:
    case QL_B_INPUT_FLOAT:
    case QL_B_INPUT_BOOL:
    case QL_B_INPUT_STRING:
    case QL_B_INPUT_SYMBOL:
    case QL_B_INPUT_TIMEFRAME:
    case QL_B_INPUT_COLOR:
      return compile_input (c, call, info, NULL);
    case QL_B_POSITION:
      {
        static const char *const pn[] = { "s" };
        QlNode *pa[1];
        int r;

        if (!bind_args (c, argn, nargs, info->name, pn, 1, 1, pa, &call->span))
          return ex_err ();
        if (c->p->mode == QL_MODE_INDICATOR)
          {
            ERR (&call->span, "E0508", "declare strategy(...) to read the account",
                 "'position' exists only in strategy and events scripts");
            return ex_err ();
          }
        r = symbol_index (c, pa[0], info->name);
        if (r < 0)
          return ex_err ();
        {
          Ex e2 = ex_err ();

          e2.t = T_POSITION;
          e2.q = Q_SERIES;
          e2.reg = r;
          return e2;
        }
      }
    case QL_B_SYMBOL:
      {
        static const char *const sn[] = { "ticker", "timeframe" };
        QlNode *sa[2];
        QlForeign fo = { 0 };
        const char *ticker = NULL, *tf = NULL;
        Ex e2;

        if (!bind_args (c, argn, nargs, info->name, sn, 2, 1, sa, &call->span))
          return ex_err ();
        if (!c->fc->is_body || c->scopes->len > 1 || c->fc->cond_depth > 0)
          {
            ERR (&call->span, "E0505", "write eth = symbol(\"BINANCE:ETHUSDT\", \"1h\") at the top level",
                 "symbol() belongs in a top-level declaration");
            return ex_err ();
          }
        /* each argument: a constant string, or an input (input.symbol,
         * input.timeframe, input.string) read when the run starts */
        for (guint j = 0; j < 2; j++)
          {
            Ex ae;

            if (sa[j] == NULL)
              continue;
            ae = compile_expr (c, sa[j]);
            if (ae.t == T_ERR)
              return ex_err ();
            if (ae.t == T_STRING && ae.is_k)
              {
                if (j == 0)
                  ticker = ae.k.s;
                else
                  tf = ae.k.s;
              }
            else if (ae.t == T_STRING && ae.input >= 0)
              {
                const QlScriptInput *in = &g_array_index (c->p->inputs, QlScriptInput, ae.input);

                if (j == 0)
                  {
                    fo.ticker_input = ae.input + 1;
                    ticker = in->def_text;
                  }
                else
                  {
                    fo.tf_input = ae.input + 1;
                    tf = in->def_text;
                  }
              }
            else
              {
                ERR (&sa[j]->span, "E0412", "write it as a literal, or use an input.symbol / input.timeframe",
                     "the %s of symbol() must be a constant or an input string", j == 0 ? "ticker" : "timeframe");
                return ex_err ();
              }
          }
        if (tf && tf[0])
          {
            QlTimeframe parsed;
            g_autoptr (GError) terr = NULL;

            if (!ql_timeframe_parse (tf, &parsed, &terr))
              {
                ERR (&sa[1]->span, "E0412", "the forms: " QL_TIMEFRAME_FORMS, "%s", terr->message);
                return ex_err ();
              }
            if (!ql_timeframe_is_time_based (&parsed))
              {
                ERR (&sa[1]->span, "E0412", NULL, "another symbol's bars must be time based (1m, 1h, 1d ...)");
                return ex_err ();
              }
          }
        fo.ticker = g_strdup (ticker);
        fo.timeframe = g_strdup (tf ? tf : "");
        fo.span = call->span;
        g_array_append_val (c->p->foreigns, fo);
        e2 = ex_k (T_SYMBOL, (QlValue) { .i = (gint64) c->p->foreigns->len - 1 });
        return e2;
      }
    default:
      break;
    }
  for (guint i = 0; i < n_sig; i++)
    {
      names[i] = sig[i].name;
      if (!sig[i].def[0])
        required = i + 1;
    }
  if (!bind_args (c, argn, nargs, info->name, names, n_sig, required, args, &call->span))
    return ex_err ();
  if (info->id >= QL_B_ARRAY_NEW_FLOAT && info->id <= QL_B_MAP_KEYS)
    return compile_container_call (c, call, info, args);
  switch (info->id)
    {
    case QL_B_NA:
      a = compile_expr (c, args[0]);
      if (a.t == T_ERR)
        return a;
      e.t = T_BOOL;
      e.q = a.q;
      if (a.t == T_NA)
        {
          QlValue v = { .i = 1 };
          return ex_k (T_BOOL, v);
        }
      if (a.t == T_BOOL || a.t == T_STRING)
        {
          QlValue v = { .i = 0 };

          WARN (&call->span, "W0301", NULL, "%s is never na: na() is always false", tname (a.t));
          return ex_k (T_BOOL, v);
        }
      e.reg = alloc_reg (c);
      emit (c, a.t == T_FLOAT ? QL_I_ISNA_F : QL_I_ISNA_I, e.reg, materialize (c, &a), 0);
      return e;
    case QL_B_NZ:
      {
        Ex r;

        a = compile_expr (c, args[0]);
        r = args[1] ? compile_expr (c, args[1]) : default_value ("0");
        if (a.t == T_ERR || r.t == T_ERR)
          return ex_err ();
        if (a.t == T_INT && r.t == T_FLOAT)
          as_float (c, &a);
        if (!coerce (c, &r, a.t) || !(is_num (a.t) || a.t == T_COLOR))
          {
            ERR (&call->span, "E0408", NULL, "nz() takes a number and a replacement of its type, got %s and %s",
                 tname (a.t), tname (r.t));
            return ex_err ();
          }
        e.t = a.t;
        e.q = MAX (a.q, r.q);
        e.reg = alloc_reg (c);
        {
          int ra = materialize (c, &a), rr = materialize (c, &r);
          emit (c, a.t == T_FLOAT ? QL_I_NZ_F : QL_I_NZ_I, e.reg, ra, rr);
        }
        return e;
      }
    case QL_B_FIXNAN:
      {
        /* a hidden var: the last value that was not na */
        Sym *s;
        int tmp;

        a = compile_expr (c, args[0]);
        if (a.t == T_ERR)
          return a;
        if (!coerce (c, &a, T_FLOAT) || a.t != T_FLOAT)
          {
            ERR (&args[0]->span, "E0408", NULL, "fixnan() needs a float, got %s", tname (a.t));
            return ex_err ();
          }
        if (!c->fc->is_body)
          {
            ERR (&call->span, "E0416", "call it at top level", "fixnan() keeps state: use it at the top level");
            return ex_err ();
          }
        {
          Ex nan_e;
          QlValue v = { .f = NAN };

          nan_e = ex_k (T_FLOAT, v);
          s = hidden_var (c, &nan_e, &call->span);
        }
        /* the hidden var must keep its value across bars: drop the MOV
         * hidden_var emitted and initialise it by preload instead */
        g_array_set_size (c->fc->f->code, c->fc->f->code->len - 1);
        g_array_set_size (c->fc->f->spans, c->fc->f->spans->len - 1);
        {
          guint32 pair[2] = { (guint32) s->reg, add_const (c, (QlValue) { .f = NAN }) };
          g_array_append_vals (c->p->preload, pair, 2);
        }
        tmp = materialize (c, &a);
        emit (c, QL_I_NZ_F, s->reg, tmp, s->reg);
        e.t = T_FLOAT;
        e.q = Q_SERIES;
        e.reg = s->reg;
        return e;
      }
    case QL_B_LOG_INFO:
    case QL_B_LOG_WARN:
    case QL_B_LOG_ERROR:
    case QL_B_ASSERT:
      {
        QlSiteText t = { 0 };
        int level = info->id == QL_B_LOG_INFO ? 0 : info->id == QL_B_LOG_WARN ? 1 : 2;

        a = compile_expr (c, args[0]);
        if (a.t == T_ERR)
          return a;
        t.span = call->span;
        if (info->id == QL_B_ASSERT)
          {
            const char *msg = NULL;

            if (a.t != T_BOOL)
              {
                ERR (&args[0]->span, "E0408", NULL, "assert() needs a bool, got %s", tname (a.t));
                return ex_err ();
              }
            if (!const_string (c, args[1], "the message", &msg))
              return ex_err ();
            if (msg && msg[0])
              t.message = g_strdup (msg);
            else
              t.message = g_strndup (c->src + args[0]->span.offset,
                                     args[0]->span.end_offset - args[0]->span.offset);
            g_array_append_val (c->p->texts, t);
            emit (c, QL_I_ASSERT, materialize (c, &a), c->p->texts->len - 1, 0);
            return ex_void ();
          }
        if (a.t != T_STRING)
          {
            ERR (&args[0]->span, "E0408", "build the text with str(x): \"x = \" + str(x)",
                 "%s() needs a string, got %s", info->name, tname (a.t));
            return ex_err ();
          }
        g_array_append_val (c->p->texts, t);
        emit (c, QL_I_LOG, materialize (c, &a), c->p->texts->len - 1, level);
        return ex_void ();
      }
    case QL_B_LOOKBACK:
      {
        Ex nb = compile_expr (c, args[1]);
        QlNode *x = args[0];

        if (nb.t == T_ERR)
          return ex_err ();
        if (nb.t != T_INT || !nb.is_k || nb.k.i < 1 || nb.k.i > 1000000)
          {
            ERR (&args[1]->span, "E0417", NULL, "lookback() needs a constant int between 1 and 1000000");
            return ex_err ();
          }
        if (x->kind != QL_NODE_IDENT)
          {
            ERR (&x->span, "E0417", "name a variable or a bar field such as close",
                 "lookback() needs a variable");
            return ex_err ();
          }
        {
          Sym *s = lookup (c, x->name);
          const QlBuiltinInfo *b = s ? NULL : ql_builtins_lookup (x->name);

          if (s)
            {
              s->declared_lookback = MAX (s->declared_lookback, (guint32) nb.k.i);
              ring_need (c, ring_for (c, s), (guint32) nb.k.i);
            }
          else if (b && field_of (b->id) >= 0)
            {
              c->bar_lookback_declared = MAX (c->bar_lookback_declared, (guint) nb.k.i);
              c->p->bar_lookback = MAX (c->p->bar_lookback, (guint) nb.k.i);
            }
          else
            {
              ERR (&x->span, "E0201", NULL, "'%s' is not declared", x->name);
              return ex_err ();
            }
        }
        return ex_void ();
      }
    case QL_B_INT:
    case QL_B_FLOAT:
      {
        a = compile_expr (c, args[0]);
        if (a.t == T_ERR)
          return a;
        if (info->id == QL_B_FLOAT)
          {
            if (!coerce (c, &a, T_FLOAT))
              {
                ERR (&args[0]->span, "E0408", NULL, "float() needs a number, got %s", tname (a.t));
                return ex_err ();
              }
            return a;
          }
        if (a.t == T_INT)
          return a;
        if (a.t != T_FLOAT)
          {
            ERR (&args[0]->span, "E0408", NULL, "int() needs a number, got %s", tname (a.t));
            return ex_err ();
          }
        {
          /* through CALLB-free code: x truncated, na and out of range -> na */
          QlCallbSite cb = { ql_stdlib_fn (QL_B_INT), 1, "int" };
          guint idx = c->p->callb->len;

          g_array_append_val (c->p->callb, cb);
          e.t = T_INT;
          e.q = a.q;
          e.reg = alloc_reg (c);
          emit (c, QL_I_CALLB, e.reg, idx, materialize (c, &a));
          return e;
        }
      }
    case QL_B_STR_F:
      a = compile_expr (c, args[0]);
      if (a.t == T_ERR)
        return a;
      if (a.t == T_STRING)
        return a;
      if (a.t == T_NA)
        {
          QlValue v = { .s = "na" };
          return ex_k (T_STRING, v);
        }
      return compile_callb (c, call, info,
                            a.t == T_FLOAT ? QL_B_STR_F : a.t == T_BOOL ? QL_B_STR_B : QL_B_STR_I,
                            &a, 1);
    default:
      break;
    }
  if (info->id >= QL_B_FIRST_CALLB && ql_stdlib_fn (info->id))
    {
      Ex argv[4];
      guint n = ql_stdlib_arity (info->id);
      gboolean all_k = TRUE;

      for (guint i = 0; i < n; i++)
        {
          argv[i] = compile_expr (c, args[i]);
          if (argv[i].t == T_ERR)
            return ex_err ();
          if (!coerce (c, &argv[i], T_FLOAT) || argv[i].t != T_FLOAT)
            {
              ERR (&args[i]->span, "E0408", NULL, "%s() needs numbers, got %s", info->name,
                   tname (argv[i].t));
              return ex_err ();
            }
          all_k &= argv[i].is_k;
        }
      if (all_k && info->id != QL_B_ROUND_TO_MINTICK)
        {
          QlValue out;
          QlValue in[4];

          for (guint i = 0; i < n; i++)
            in[i] = argv[i].k;
          ql_stdlib_fn (info->id) (NULL, in, n, &out);
          return ex_k (T_FLOAT, out);
        }
      return compile_callb (c, call, info, info->id, argv, n);
    }
  ERR (&call->span, "E0401", NULL, "%s() cannot be called here", info->name);
  return ex_err ();
}

/* ---- user functions ------------------------------------------------------ */

/* A type annotation: int, float, ..., array<T>, map<K, V>. */
static TKind
type_of_node_full (C      *c,
                   QlNode *t,
                   TKind  *el,
                   TKind  *key)
{
  TKind k;

  *el = *key = T_ERR;
  if (t == NULL)
    return T_ERR;
  if (strcmp (t->name, "array") == 0 || strcmp (t->name, "map") == 0)
    {
      gboolean is_map = t->name[0] == 'm';
      TKind e2, k2;

      if (t->n_kids != (is_map ? 2u : 1u))
        {
          ERR (&t->span, "E0307", is_map ? "write map<string, float>" : "write array<float>",
               "%s needs %s type parameter%s", t->name, is_map ? "two" : "one", is_map ? "s" : "");
          return T_ERR;
        }
      if (is_map)
        {
          *key = type_of_node_full (c, t->kids[0], &e2, &k2);
          *el = type_of_node_full (c, t->kids[1], &e2, &k2);
          if (*key != T_ERR && *key != T_INT && *key != T_STRING)
            {
              ERR (&t->kids[0]->span, "E0307", NULL, "map keys are int or string, not %s", tname (*key));
              return T_ERR;
            }
        }
      else
        *el = type_of_node_full (c, t->kids[0], &e2, &k2);
      if (*el != T_ERR && !is_scalar (*el))
        {
          ERR (&t->span, "E0307", NULL, "elements are int, float, bool, string or color, not %s",
               tname (*el));
          return T_ERR;
        }
      return *el == T_ERR || (is_map && *key == T_ERR) ? T_ERR : is_map ? T_MAP : T_ARRAY;
    }
  if (strcmp (t->name, "symbol") == 0)
    return T_SYMBOL;
  if (strcmp (t->name, "position") == 0)
    return T_POSITION;
  k = type_word (t->name);
  if (k == T_ERR)
    ERR (&t->span, "E0307",
         "the types: int, float, bool, string, color, order, symbol, position, array<T>, map<K, V>",
         "unknown type '%s'", t->name);
  return k;
}

static TKind
type_of_node (C      *c,
              QlNode *t)
{
  TKind el, key;

  return type_of_node_full (c, t, &el, &key);
}

/* Whether a function body keeps state across bars: ta.*, history, var,
 * fixnan, or a call to such a function. */
static gboolean
node_stateful (C          *c,
               QlNode     *n,
               int         depth,
               GHashTable *containers)
{
  if (n == NULL || depth > 64)
    return FALSE;
  /* x[n] is history, unless x is a parameter given an array or map */
  if (n->kind == QL_NODE_INDEX
      && !(containers && n->kids[0]->kind == QL_NODE_IDENT
           && g_hash_table_contains (containers, n->kids[0]->name)))
    return TRUE;
  if (n->kind == QL_NODE_ARRAY || n->kind == QL_NODE_MAP)
    return TRUE;
  if (n->kind == QL_NODE_DECL && n->op != QL_DECL_PLAIN)
    return TRUE;
  if (n->kind == QL_NODE_CALL)
    {
      g_autofree char *name = dotted_name (n->kids[0]);

      if (name)
        {
          const QlBuiltinInfo *b = ql_builtins_lookup (name);
          FnDef *def = g_hash_table_lookup (c->fns, name);

          if (b && (b->kind == QL_BUILTIN_TA || b->id == QL_B_FIXNAN
                    || (b->id >= QL_B_ARRAY_NEW_FLOAT && b->id <= QL_B_ARRAY_NEW_COLOR)
                    || b->id == QL_B_MAP_KEYS))
            return TRUE;
          if (def && def->node != NULL && !def->compiling)
            {
              gboolean r;

              def->compiling = TRUE;
              r = node_stateful (c, def->node, depth + 1, NULL);
              def->compiling = FALSE;
              if (r)
                return TRUE;
            }
        }
    }
  for (guint i = 0; i < n->n_kids; i++)
    if (node_stateful (c, n->kids[i], depth + 1, containers))
      return TRUE;
  return FALSE;
}

static QlFunc *
func_new (const char *name)
{
  QlFunc *f = g_new0 (QlFunc, 1);

  f->name = g_strdup (name);
  f->code = g_array_new (FALSE, FALSE, sizeof (QlInsn));
  f->spans = g_array_new (FALSE, FALSE, sizeof (QlSpan));
  f->commits = g_array_new (FALSE, FALSE, sizeof (guint32));
  f->resets = g_array_new (FALSE, FALSE, sizeof (guint16));
  f->reset_kinds = g_array_new (FALSE, FALSE, sizeof (guint8));
  return f;
}

static void
func_free (gpointer data)
{
  QlFunc *f = data;

  g_free (f->name);
  g_array_unref (f->code);
  g_array_unref (f->spans);
  g_array_unref (f->commits);
  g_array_unref (f->resets);
  g_array_unref (f->reset_kinds);
  g_free (f);
}

/* Compiles a function body: @n parameters (@pnodes, of @types), @block,
 * the declared return type @rnode (nullable), for @def (NULL: an event
 * handler or a test block). Returns its index; *@ret gets the return
 * type. */
static guint
compile_function (C            *c,
                  FnDef        *def,
                  QlNode      **pnodes,
                  const TKind  *types,
                  const Ex     *argv,
                  guint         n,
                  QlNode       *block,
                  QlNode       *rnode,
                  const char   *label,
                  TKind        *ret)
{
  FnCtx fc = { 0 }, *saved_fc = c->fc;
  GArray *saved_syms = c->syms, *saved_scopes = c->scopes;
  guint nglobals = c->scopes->len > 1 ? g_array_index (c->scopes, guint, 1) : c->syms->len;
  QlSpan saved_span = c->span;
  gboolean saved_oco = c->in_oco;
  guint idx;

  fc.f = func_new (label);
  fc.f->n_params = n;
  idx = c->p->funcs->len;
  g_ptr_array_add (c->p->funcs, fc.f);
  fc.func = idx;
  fc.def = def;
  fc.ret = rnode ? type_of_node (c, rnode) : T_ERR;
  fc.breaks = g_array_new (FALSE, FALSE, sizeof (guint));
  fc.continues = g_array_new (FALSE, FALSE, sizeof (guint));
  if (def && !def->stateful)
    {
      Inst in = { 0 };

      for (guint i = 0; i < n; i++)
        in.args[i] = types[i] | (argv ? (guint32) argv[i].el[0] << 8 | (guint32) argv[i].el[1] << 16 : 0);
      in.n = n;
      in.func = idx;
      in.ret = fc.ret;
      g_array_append_val (def->insts, in);
    }

  /* the function sees the top-level names and its parameters */
  c->syms = g_array_new (FALSE, FALSE, sizeof (Sym));
  g_array_append_vals (c->syms, saved_syms->data, nglobals);
  for (guint i = 0; i < nglobals; i++)
    g_array_index (c->syms, Sym, i).global = TRUE;
  c->scopes = g_array_new (FALSE, FALSE, sizeof (guint));
  {
    guint z = 0;

    g_array_append_val (c->scopes, z);
    g_array_append_val (c->scopes, nglobals);
  }
  c->fc = &fc;
  c->in_oco = FALSE;
  for (guint i = 0; i < n; i++)
    {
      Sym *s = declare (c, pnodes[i]->name, types[i], Q_SERIES, &pnodes[i]->span);

      s->is_param = TRUE;
      s->global = FALSE;
      if (argv)
        {
          s->el = argv[i].el[0];
          s->key = argv[i].el[1];
        }
      /* a copy made for one call site knows its constant and input
       * arguments: ta.* lengths and history offsets may use them */
      if (argv && def && def->stateful && argv[i].is_k)
        {
          s->is_k = TRUE;
          s->k = argv[i].k;
          s->q = Q_CONST;
        }
      else if (argv && def && def->stateful && argv[i].input >= 0)
        {
          s->input = argv[i].input;
          s->q = Q_INPUT;
        }
    }
  if (def)
    def->compiling = TRUE;
  compile_block (c, block, FALSE);
  if (def)
    def->compiling = FALSE;
  c->span = block ? block->span : saved_span;
  if (fc.ret != T_ERR && fc.ret != T_VOID)
    {
      /* falling off the end returns na */
      Ex na_e;
      QlValue v;

      if (fc.ret == T_FLOAT)
        v.f = NAN;
      else
        v.i = fc.ret == T_BOOL ? 0 : QL_NA_INT;
      na_e = ex_k (fc.ret, v);
      emit (c, QL_I_RET, materialize (c, &na_e), 0, 0);
    }
  else
    emit (c, QL_I_END, 0, 0, 0);
  fc.f->cost = fc.f->code->len;
  if (fc.ret == T_ERR && !fc.saw_return)
    fc.ret = T_VOID;
  *ret = fc.ret;
  if (def && !def->stateful)
    for (guint i = 0; i < def->insts->len; i++)
      if (g_array_index (def->insts, Inst, i).func == idx)
        g_array_index (def->insts, Inst, i).ret = fc.ret;
  g_array_unref (fc.breaks);
  g_array_unref (fc.continues);
  g_array_unref (c->syms);
  g_array_unref (c->scopes);
  c->syms = saved_syms;
  c->scopes = saved_scopes;
  c->fc = saved_fc;
  c->span = saved_span;
  c->in_oco = saved_oco;
  return idx;
}

static guint
instantiate (C            *c,
             FnDef        *def,
             const TKind  *types,
             const Ex     *argv,
             guint         n,
             const char   *label,
             TKind        *ret)
{
  QlNode *node = def->node;

  return compile_function (c, def, node->kids[0]->kids, types, argv, n, node->kids[2],
                           node->kids[1], label, ret);
}

static Ex
compile_user_call (C      *c,
                   QlNode *call,
                   FnDef  *def)
{
  QlNode *params = def->node->kids[0];
  guint np = params->n_kids;
  const char *names[16] = { NULL };
  QlNode *args[16];
  Ex argv[16];
  TKind types[16];
  guint func = 0;
  TKind ret = T_ERR;
  Ex e = ex_err ();
  int base;
  gboolean saved_stateful, real_state;

  if (np > 16)
    {
      ERR (&def->node->span, "E0421", NULL, "a function takes at most 16 parameters");
      return ex_err ();
    }
  for (guint i = 0; i < np; i++)
    names[i] = params->kids[i]->name;
  if (!bind_args (c, call->kids + 1, call->n_kids - 1, def->name, names, np, np, args, &call->span))
    return ex_err ();
  for (guint i = 0; i < np; i++)
    {
      QlNode *ptype = params->kids[i]->n_kids ? params->kids[i]->kids[0] : NULL;

      argv[i] = compile_expr (c, args[i]);
      if (argv[i].t == T_ERR)
        return ex_err ();
      if (argv[i].t == T_TUPLE || argv[i].t == T_VOID)
        {
          ERR (&args[i]->span, "E0408", NULL, "argument '%s' of %s() has no single value",
               names[i], def->name);
          return ex_err ();
        }
      if (ptype)
        {
          TKind want = type_of_node (c, ptype);

          if (want != T_ERR && !coerce (c, &argv[i], want))
            {
              ERR (&args[i]->span, "E0408", NULL, "argument '%s' of %s() must be %s, got %s",
                   names[i], def->name, tname (want), tname (argv[i].t));
              return ex_err ();
            }
        }
      else if (argv[i].t == T_NA)
        {
          ERR (&args[i]->span, "E0305", "give the parameter a type: fn f(x: float)",
               "cannot tell the type of na passed to '%s'", names[i]);
          return ex_err ();
        }
      types[i] = argv[i].t;
    }
  saved_stateful = def->stateful;
  real_state = def->stateful;
  if (real_state && !def->compiling)
    {
      /* with the argument types known, a[i] on an array parameter is an
       * element, not history: decide for this call */
      GHashTable *containers = g_hash_table_new (g_str_hash, g_str_equal);
      gboolean any = FALSE;

      for (guint i = 0; i < np; i++)
        if (argv[i].t == T_ARRAY || argv[i].t == T_MAP)
          {
            g_hash_table_add (containers, (gpointer) names[i]);
            any = TRUE;
          }
      if (any)
        real_state = node_stateful (c, def->node->kids[2], 0, containers);
      g_hash_table_unref (containers);
    }
  def->stateful = real_state;
  for (guint i = 0; i < np; i++)
    if (argv[i].t == T_SYMBOL)
      def->stateful = TRUE;  /* one copy per call site, knowing which symbol */
  if (def->stateful)
    {
      g_autofree char *label = NULL;

      if (c->fc->loop_depth > 0)
        {
          ERR (&call->span, "E0418", "call it once per bar, outside loops",
               "%s() keeps state (ta.*, history or var) and cannot be called in a loop", def->name);
          return ex_err ();
        }
      if (def->compiling)
        {
          ERR (&call->span, "E0419", NULL,
               "%s() keeps state (ta.*, history or var) and cannot call itself", def->name);
          return ex_err ();
        }
      if (c->fc->cond_depth > 0 && real_state)
        WARN (&call->span, "W0402", NULL,
              "%s() keeps state and runs only on the bars where this condition holds", def->name);
      label = g_strdup_printf ("%s (called at %u:%u)", def->name, call->span.line, call->span.col);
      func = instantiate (c, def, types, argv, np, label, &ret);
    }
  else
    {
      gboolean found = FALSE;

      for (guint i = 0; i < def->insts->len && !found; i++)
        {
          const Inst *in = &g_array_index (def->insts, Inst, i);

          gboolean same = in->n == np;

          for (guint k = 0; k < np && same; k++)
            same = in->args[k] == (types[k] | (guint32) argv[k].el[0] << 8 | (guint32) argv[k].el[1] << 16);
          if (same)
            {
              found = TRUE;
              func = in->func;
              ret = in->ret;
              if (ret == T_ERR && def->compiling)
                {
                  ERR (&call->span, "E0420", "declare it: fn name(...) -> float",
                       "recursive function %s() needs a return type", def->name);
                  return ex_err ();
                }
            }
        }
      if (!found)
        func = instantiate (c, def, types, argv, np, def->name, &ret);
    }
  def->stateful = saved_stateful;
  base = alloc_regs (c, MAX (np, 1));
  for (guint i = 0; i < np; i++)
    emit (c, QL_I_MOV, base + (int) i, materialize (c, &argv[i]), 0);
  c->span = call->span;
  e.t = ret == T_ERR ? T_ERR : ret;
  e.q = Q_SERIES;
  e.reg = alloc_reg (c);
  emit (c, QL_I_CALL, e.reg, func, base);
  if (ret == T_ERR)
    return ex_err ();
  if (ret == T_VOID)
    {
      Ex v = ex_void ();
      return v;
    }
  return e;
}

static Ex
compile_call (C      *c,
              QlNode *n)
{
  g_autofree char *name = dotted_name (n->kids[0]);
  const QlBuiltinInfo *b;
  FnDef *def;

  if (name == NULL)
    {
      ERR (&n->kids[0]->span, "E0422", NULL, "only functions by name can be called");
      return ex_err ();
    }
  def = g_hash_table_lookup (c->fns, name);
  if (def)
    return compile_user_call (c, n, def);
  b = ql_builtins_lookup (name);
  if (b && b->kind == QL_BUILTIN_ORDER)
    {
      ERR (&n->span, "E0511", "write it as a statement: buy(\"id\", 1)",
           "%s() is an order statement, not a value", name);
      return ex_err ();
    }
  if (b && b->kind != QL_BUILTIN_VALUE)
    return compile_builtin_call (c, n, b);
  if (b && b->id == QL_B_OPEN_ORDERS && n->n_kids == 2)
    {
      /* open_orders (s): of another symbol */
      QlNode *arg = n->kids[1]->kind == QL_NODE_ARG ? n->kids[1]->kids[0] : n->kids[1];
      int r = symbol_index (c, arg, "open_orders");
      Ex e2 = ex_err ();

      if (r < 0)
        return ex_err ();
      if (c->p->mode == QL_MODE_INDICATOR)
        {
          ERR (&n->span, "E0508", "declare strategy(...) to read the account",
               "'open_orders' exists only in strategy and events scripts");
          return ex_err ();
        }
      e2.t = T_INT;
      e2.q = Q_SERIES;
      e2.reg = alloc_reg (c);
      c->span = n->span;
      emit (c, QL_I_POSF, e2.reg, 3, r);
      return e2;
    }
  if (b)
    {
      ERR (&n->span, "E0204", "drop the parentheses", "'%s' is a value, not a function", name);
      return ex_err ();
    }
  {
    g_autofree char *hint = suggest (c, name);

    ERR (&n->kids[0]->span, "E0205", hint, "unknown function '%s'", name);
  }
  return ex_err ();
}

/* ---- expressions: the switch ------------------------------------------- */

static Ex
compile_expr (C      *c,
              QlNode *n)
{
  QlValue v;
  QlSpan saved = c->span;
  Ex e;

  if (n == NULL)
    return ex_err ();
  c->span = n->span;
  switch (n->kind)
    {
    case QL_NODE_INT:
      v.i = n->ival;
      e = ex_k (T_INT, v);
      break;
    case QL_NODE_FLOAT:
      v.f = n->fval;
      e = ex_k (T_FLOAT, v);
      break;
    case QL_NODE_STRING:
      v.s = g_intern_string (n->name ? n->name : "");
      e = ex_k (T_STRING, v);
      break;
    case QL_NODE_COLOR:
      v.i = n->ival;
      e = ex_k (T_COLOR, v);
      break;
    case QL_NODE_BOOL:
      v.i = n->ival != 0;
      e = ex_k (T_BOOL, v);
      break;
    case QL_NODE_NA:
      e = ex_err ();
      e.t = T_NA;
      e.is_k = TRUE;
      e.q = Q_CONST;
      e.k.i = 0;
      break;
    case QL_NODE_IDENT:
      e = compile_ident (c, n);
      break;
    case QL_NODE_BINARY:
      e = compile_binary (c, n);
      break;
    case QL_NODE_UNARY:
      e = compile_unary (c, n);
      break;
    case QL_NODE_TERNARY:
      e = compile_ternary (c, n);
      break;
    case QL_NODE_INDEX:
      e = compile_index (c, n);
      break;
    case QL_NODE_CALL:
      e = compile_call (c, n);
      break;
    case QL_NODE_MEMBER:
      {
        g_autofree char *name = dotted_name (n);
        const QlBuiltinInfo *b = name ? ql_builtins_lookup (name) : NULL;
        Sym *sy = n->kids[0]->kind == QL_NODE_IDENT ? lookup (c, n->kids[0]->name) : NULL;

        if (sy && sy->t == T_SYMBOL)
          {
            Ex zero = ex_k (T_INT, (QlValue) { .i = 0 });
            e = foreign_read (c, sy, n, &zero);
          }
        else if (!b && (n->kids[0]->kind == QL_NODE_CALL
                        || (sy && (sy->t == T_POSITION || sy->t == T_ORDER))))
          {
            /* position (s).size, p.avg_price, p.realized */
            static const char *const fields[] = { "size", "avg_price", "realized" };
            Ex pe = compile_expr (c, n->kids[0]);
            guint f;

            e = ex_err ();
            if (pe.t == T_POSITION)
              {
                for (f = 0; f < G_N_ELEMENTS (fields); f++)
                  if (strcmp (fields[f], n->name) == 0)
                    break;
                if (f == G_N_ELEMENTS (fields))
                  ERR (&n->span, "E0206", "the fields: size, avg_price, realized",
                       "a position has no field '%s'", n->name);
                else
                  {
                    e.t = T_FLOAT;
                    e.q = Q_SERIES;
                    e.reg = alloc_reg (c);
                    c->span = n->span;
                    emit (c, QL_I_POSF, e.reg, (int) f, pe.reg);
                  }
              }
            else if (pe.t == T_ORDER)
              {
                /* o.qty, o.filled, o.price, o.side of an order handle */
                static const char *const ofields[] = { "qty", "filled", "price", "side" };

                for (f = 0; f < G_N_ELEMENTS (ofields); f++)
                  if (strcmp (ofields[f], n->name) == 0)
                    break;
                if (f == G_N_ELEMENTS (ofields))
                  ERR (&n->span, "E0206", "the fields: qty, filled, price, side",
                       "an order has no field '%s'", n->name);
                else
                  {
                    e.t = f == 3 ? T_INT : T_FLOAT;
                    e.q = Q_SERIES;
                    e.reg = alloc_reg (c);
                    c->span = n->span;
                    emit (c, QL_I_ORDF, e.reg, (int) f, materialize (c, &pe));
                  }
              }
            else if (pe.t != T_ERR)
              ERR (&n->span, "E0206", NULL, "%s has no field '%s'", tname (pe.t), n->name);
          }
        else if (sy && sy->t == T_ERR)
          e = ex_err ();  /* its declaration failed and was reported */
        else if (b && b->kind == QL_BUILTIN_VALUE)
          e = value_builtin (c, b, &n->span);
        else if (b)
          {
            ERR (&n->span, "E0204", "call it with arguments: name(...)",
                 "'%s' is a function, not a value", name);
            e = ex_err ();
          }
        else
          {
            g_autofree char *hint = name ? suggest (c, name) : NULL;

            ERR (&n->span, "E0206", hint, "unknown name '%s'", name ? name : n->name);
            e = ex_err ();
          }
        break;
      }
    case QL_NODE_ARRAY:
      {
        TKind se = c->expect_el, sk = c->expect_key;

        e = compile_array_lit (c, n);
        c->expect_el = se;
        c->expect_key = sk;
        break;
      }
    case QL_NODE_MAP:
      e = compile_map_lit (c, n);
      break;
    case QL_NODE_ERROR:
      e = ex_err ();
      break;
    default:
      ERR (&n->span, "E0199", NULL, "unexpected %s in an expression", ql_node_kind_name (n->kind));
      e = ex_err ();
      break;
    }
  c->span = saved;
  return e;
}

/* ---- statements ------------------------------------------------------------ */

/* Emits jumps taken when @n is false; returns their positions to patch.
 * A comparison of numbers becomes one fused compare-and-branch. */
static void
compile_cond (C      *c,
              QlNode *n,
              GArray *falses)
{
  Ex e;
  guint j;

  if (n->kind == QL_NODE_BINARY && is_compare (n->op)
      && n->kids[0]->kind != QL_NODE_NA && n->kids[1]->kind != QL_NODE_NA)
    {
      Ex l = compile_expr (c, n->kids[0]);
      Ex r = compile_expr (c, n->kids[1]);

      c->span = n->span;
      if (l.t == T_ERR || r.t == T_ERR)
        return;
      if (is_num (l.t) && is_num (r.t) && !(l.is_k && r.is_k))
        {
          TKind t = num_type (&l, &r);
          static const guint16 fops[] = { [QL_OP_EQ] = QL_I_JF_EQ_F, [QL_OP_NE] = QL_I_JF_NE_F,
                                          [QL_OP_LT] = QL_I_JF_LT_F, [QL_OP_LE] = QL_I_JF_LE_F,
                                          [QL_OP_GT] = QL_I_JF_GT_F, [QL_OP_GE] = QL_I_JF_GE_F };
          static const guint16 iops[] = { [QL_OP_EQ] = QL_I_JF_EQ_I, [QL_OP_NE] = QL_I_JF_NE_I,
                                          [QL_OP_LT] = QL_I_JF_LT_I, [QL_OP_LE] = QL_I_JF_LE_I,
                                          [QL_OP_GT] = QL_I_JF_GT_I, [QL_OP_GE] = QL_I_JF_GE_I };
          int a, b;

          if (t == T_FLOAT)
            {
              as_float (c, &l);
              as_float (c, &r);
            }
          a = materialize (c, &l);
          b = materialize (c, &r);
          j = emit (c, t == T_FLOAT ? fops[n->op] : iops[n->op], a, b, 0);
          g_array_append_val (falses, j);
          return;
        }
      /* anything else: the comparison as a bool from the operands already
       * computed, then a plain branch */
      e = ex_err ();
      if (is_num (l.t) && is_num (r.t))
        {
          gboolean of;
          TKind t = num_type (&l, &r);

          if (t == T_FLOAT)
            {
              as_float (c, &l);
              as_float (c, &r);
            }
          e = fold_binary (n->op, &l, &r, t, &of);
        }
      else if (l.t == r.t && (l.t == T_BOOL || l.t == T_STRING || l.t == T_COLOR || l.t == T_ORDER)
               && (n->op == QL_OP_EQ || n->op == QL_OP_NE))
        {
          guint16 opc = l.t == T_STRING ? (n->op == QL_OP_EQ ? QL_I_EQ_S : QL_I_NE_S)
                        : l.t == T_BOOL ? (n->op == QL_OP_EQ ? QL_I_EQ_B : QL_I_NE_B)
                                        : (n->op == QL_OP_EQ ? QL_I_EQ_I : QL_I_NE_I);
          int a = materialize (c, &l), b = materialize (c, &r);

          e = ex_err ();
          e.t = T_BOOL;
          e.q = Q_SERIES;
          e.reg = alloc_reg (c);
          emit (c, opc, e.reg, a, b);
        }
      else
        {
          ERR (&n->span, "E0302", NULL, "operator '%s' cannot take %s and %s", op_text (n->op),
               tname (l.t), tname (r.t));
          return;
        }
    }
  else if (n->kind == QL_NODE_BINARY && n->op == QL_OP_AND)
    {
      compile_cond (c, n->kids[0], falses);
      c->fc->cond_depth++;
      compile_cond (c, n->kids[1], falses);
      c->fc->cond_depth--;
      return;
    }
  else
    e = compile_expr (c, n);
  if (e.t == T_ERR)
    return;
  if (e.t != T_BOOL)
    {
      ERR (&n->span, "E0301", e.t == T_FLOAT || e.t == T_INT ? "compare it, e.g. x > 0, or test na(x)" : NULL,
           "condition must be bool, got %s", tname (e.t));
      return;
    }
  c->span = n->span;
  j = emit (c, QL_I_JF, materialize (c, &e), 0, 0);
  g_array_append_val (falses, j);
}

static void
patch_all (C      *c,
           GArray *list,
           guint   target)
{
  for (guint i = 0; i < list->len; i++)
    patch (c, g_array_index (list, guint, i), target);
}

static Ex compile_order (C *c, QlNode *n);

static void
compile_decl (C      *c,
              QlNode *n)
{
  QlNode *names = n->kids[0];
  QlNode *tnode = n->kids[1];
  QlNode *value = n->kids[2];
  TKind want_el = T_ERR, want_key = T_ERR;
  TKind want = tnode ? type_of_node_full (c, tnode, &want_el, &want_key) : T_ERR;
  Ex e;
  gboolean is_input = FALSE;
  guint once_pc = 0;
  int once_flag = -1;
  int top0 = c->fc->top;

  if (n->op != QL_DECL_PLAIN && names->n_kids != 1)
    {
      ERR (&n->span, "E0209", NULL, "var and varip declare one variable at a time");
      return;
    }
  if (n->op != QL_DECL_PLAIN && c->fc->loop_depth > 0)
    {
      ERR (&n->span, "E0213", "declare it before the loop", "var inside a loop");
      return;
    }
  if (n->op != QL_DECL_PLAIN && !c->fc->is_body && c->fc->def == NULL && !c->in_test)
    {
      ERR (&n->span, "E0214", "declare it at the top level: handlers share the script's variables",
           "var and varip cannot be declared in an event handler");
      /* declared all the same, so that its uses do not cascade */
      declare (c, names->kids[0]->name, T_ERR, Q_SERIES, &names->kids[0]->span);
      return;
    }
  if (n->op != QL_DECL_PLAIN)
    {
      /* initialised on the first bar only */
      once_flag = (int) c->p->n_once++;
      once_pc = emit (c, QL_I_ONCE, once_flag, 0, 0);
    }
  c->expect_el = want_el;
  c->expect_key = want_key;
  if (value && value->kind == QL_NODE_ORDER)
    e = compile_order (c, value);
  else if (value && value->kind == QL_NODE_CALL)
    {
      g_autofree char *fname = dotted_name (value->kids[0]);
      const QlBuiltinInfo *b = fname ? ql_builtins_lookup (fname) : NULL;

      if (b && b->kind == QL_BUILTIN_FUNCTION && b->id >= QL_B_INPUT_INT && b->id <= QL_B_INPUT_COLOR)
        {
          if (!c->fc->is_body || c->scopes->len > 1 || n->op != QL_DECL_PLAIN || names->n_kids != 1)
            e = compile_input (c, value, b, NULL);
          else
            {
              e = compile_input (c, value, b, names->kids[0]->name);
              is_input = e.t != T_ERR;
            }
        }
      else
        e = compile_expr (c, value);
    }
  else
    e = compile_expr (c, value);
  c->expect_el = c->expect_key = T_ERR;
  if ((want == T_ARRAY || want == T_MAP) && e.t == want
      && (e.el[0] != want_el || (want == T_MAP && e.el[1] != want_key)))
    {
      char b1[48], b2[48];

      ERR (&value->span, "E0303", NULL, "'%s' is declared %s but the value is %s",
           names->kids[0]->name, container_name (want, want_el, want_key, b1),
           container_name (e.t, e.el[0], e.el[1], b2));
      e = ex_err ();
    }

  if (names->n_kids > 1)
    {
      if (e.t == T_ERR)
        {
          for (guint i = 0; i < names->n_kids; i++)
            declare (c, names->kids[i]->name, T_ERR, Q_SERIES, &names->kids[i]->span);
          return;
        }
      if (e.t != T_TUPLE || e.n != names->n_kids)
        {
          ERR (&n->span, "E0310", NULL, "%u names on the left, but the value has %u",
               names->n_kids, e.t == T_TUPLE ? e.n : 1);
          for (guint i = 0; i < names->n_kids; i++)
            declare (c, names->kids[i]->name, T_ERR, Q_SERIES, &names->kids[i]->span);
          return;
        }
      for (guint i = 0; i < names->n_kids; i++)
        {
          const char *nm = names->kids[i]->name;
          Sym *s;

          if (strcmp (nm, "_") == 0)
            continue;
          s = declare (c, nm, e.el[i], Q_SERIES, &names->kids[i]->span);
          emit (c, QL_I_MOV, s->reg, e.reg + (int) i, 0);
        }
      return;
    }
  if (e.t == T_TUPLE)
    {
      ERR (&n->span, "E0310", "name each value: a, b, c = ...", "the value has %u parts, one name on the left",
           e.n);
      e = ex_err ();
    }
  if (e.t == T_VOID)
    {
      ERR (&value->span, "E0304", NULL, "this expression has no value");
      e = ex_err ();
    }
  if (tnode && want != T_ERR && e.t != T_ERR && !coerce (c, &e, want))
    {
      ERR (&value->span, "E0303", want == T_INT && e.t == T_FLOAT ? "convert it: int(x)" : NULL,
           "'%s' is declared %s but the value is %s", names->kids[0]->name, tname (want), tname (e.t));
      e = ex_err ();
    }
  if (e.t == T_NA)
    {
      ERR (&value->span, "E0305", "write the type: x: float = na",
           "cannot tell the type of '%s' from na", names->kids[0]->name);
      e = ex_err ();
    }
  {
    Qual q = is_input ? Q_INPUT : n->op != QL_DECL_PLAIN ? Q_SERIES : e.q;
    Sym *s = declare (c, names->kids[0]->name, tnode && want != T_ERR ? want : e.t, q, &names->kids[0]->span);

    s->is_var = n->op == QL_DECL_VAR;
    s->el = e.el[0];
    s->key = e.el[1];
    s->foreign = n->op == QL_DECL_PLAIN && !g_hash_table_contains (c->assigned, s->name) ? e.foreign : -1;
    if (is_input)
      {
        guint16 reg = (guint16) s->reg;
        guint32 pair[2] = { (guint32) s->reg, add_const (c, e.k) };

        s->input = e.input;
        g_array_append_vals (c->p->preload, pair, 2);
        g_array_append_val (c->p->input_regs, reg);
        return;
      }
    if (n->op != QL_DECL_PLAIN && !c->fc->is_body)
      {
        /* var in a function: a register of the body, so that it lasts
         * across bars; the function is compiled per call site, so each
         * call site has its own */
        int r = c->body->top++;

        if ((guint) c->body->top > c->body->f->n_regs)
          c->body->f->n_regs = c->body->top;
        s->reg = r;
        s->global = TRUE;
        s->owner = 0;
      }
    if (e.t == T_ERR)
      {
        if (once_flag >= 0)
          set_off16 (c, once_pc, here (c));
        return;
      }
    if (n->op != QL_DECL_PLAIN && !c->fc->is_body)
      emit (c, n->op == QL_DECL_VAR ? QL_I_SETGV : QL_I_SETG, s->reg, materialize (c, &e), 0);
    else if (s->is_var)
      emit (c, QL_I_SETV, s->reg, materialize (c, &e), 0);
    else
      {
        if (e.is_k && n->op == QL_DECL_PLAIN && !g_hash_table_contains (c->assigned, s->name))
          {
            /* never reassigned: a constant that folds, e.g. as a ta.*
             * length or a history offset */
            s->is_k = TRUE;
            s->k = e.k;
            s->q = Q_CONST;
          }
        if (e.reg >= top0 && !e.is_k && e.reg != s->reg)
          {
            /* the value was computed into a temporary of this statement:
             * it becomes the variable's register, no copy */
            s->reg = e.reg;
          }
        else
          emit (c, QL_I_MOV, s->reg, materialize (c, &e), 0);
      }
    if (once_flag >= 0)
      set_off16 (c, once_pc, here (c));
  }
}

static void
compile_assign (C      *c,
                QlNode *n)
{
  QlNode *target = n->kids[0];
  Sym *s;
  Ex v, cur;
  int dst;

  if (target->kind == QL_NODE_INDEX)
    {
      Ex cont = compile_expr (c, target->kids[0]);

      if (cont.t == T_ERR)
        return;
      if (cont.t == T_ARRAY || cont.t == T_MAP)
        {
          Ex idx = compile_expr (c, target->kids[1]);
          int vr;

          if (idx.t == T_ERR)
            return;
          if (n->op != QL_OP_ASSIGN)
            {
              ERR (&n->span, "E0215", "write a[i] := a[i] + x", "compound assignment to an element");
              return;
            }
          v = compile_expr (c, n->kids[1]);
          if (v.t == T_ERR)
            return;
          vr = element_value (c, &v, cont.el[0], &n->kids[1]->span, "the value");
          if (vr < 0)
            return;
          c->span = n->span;
          if (cont.t == T_ARRAY)
            {
              if (idx.t != T_INT)
                {
                  ERR (&target->kids[1]->span, "E0320", NULL, "an array index is an int, got %s", tname (idx.t));
                  return;
                }
              emit (c, QL_I_ASET, materialize (c, &cont), materialize (c, &idx), vr);
            }
          else
            {
              if (idx.t != cont.el[1])
                {
                  ERR (&target->kids[1]->span, "E0320", NULL, "this map's keys are %s, got %s",
                       tname (cont.el[1]), tname (idx.t));
                  return;
                }
              emit (c, QL_I_MPUT, materialize (c, &cont), materialize (c, &idx), vr);
            }
          return;
        }
      ERR (&target->span, "E0215", "history cannot be changed; assign the variable itself",
           "only variables and elements of arrays and maps can be assigned");
      return;
    }
  if (target->kind != QL_NODE_IDENT)
    {
      ERR (&target->span, "E0215", NULL, "only variables can be assigned");
      return;
    }
  s = lookup (c, target->name);
  if (s == NULL)
    {
      g_autofree char *hint = g_strdup_printf ("declare it with %s = ...", target->name);

      ERR (&target->span, "E0201", hint, "'%s' is not declared", target->name);
      compile_expr (c, n->kids[1]);
      return;
    }
  if (s->input >= 0)
    {
      ERR (&target->span, "E0216", "copy it into a new variable", "input '%s' cannot be assigned", s->name);
      return;
    }
  if (s->t == T_SYMBOL)
    {
      ERR (&target->span, "E0216", "declare another one: b = symbol(\"B\")",
           "symbol '%s' cannot be assigned", s->name);
      return;
    }
  if (s->is_param)
    {
      ERR (&target->span, "E0207", "copy it into a local variable first",
           "parameter '%s' cannot be assigned", s->name);
      return;
    }
  if (n->op != QL_OP_ASSIGN)
    {
      /* x op= v is x := x op v, checked the same way; v is compiled once,
       * inside the operation */
      static const int ops[] = { [QL_OP_ADD_ASSIGN] = QL_OP_ADD, [QL_OP_SUB_ASSIGN] = QL_OP_SUB,
                                 [QL_OP_MUL_ASSIGN] = QL_OP_MUL, [QL_OP_DIV_ASSIGN] = QL_OP_DIV };
      QlNode bin = { 0 };
      QlNode *kids[2] = { target, n->kids[1] };

      bin.kind = QL_NODE_BINARY;
      bin.op = ops[n->op];
      bin.span = n->span;
      bin.kids = kids;
      bin.n_kids = 2;
      v = compile_binary (c, &bin);
    }
  else
    v = compile_expr (c, n->kids[1]);
  if (v.t == T_ERR || s->t == T_ERR)
    return;
  cur = v;
  if ((s->t == T_ARRAY || s->t == T_MAP) && cur.t == s->t
      && (cur.el[0] != s->el || cur.el[1] != s->key))
    {
      char b1[48], b2[48];

      ERR (&n->span, "E0303", NULL, "'%s' is %s; cannot assign %s", s->name,
           container_name (s->t, s->el, s->key, b1), container_name (cur.t, cur.el[0], cur.el[1], b2));
      return;
    }
  if (!coerce (c, &cur, s->t) || cur.t != s->t)
    {
      ERR (&n->span, "E0303", s->t == T_INT && v.t == T_FLOAT ? "declare it as float: x = 0.0, or convert: int(...)" : NULL,
           "'%s' is %s; cannot assign %s", s->name, tname (s->t), tname (v.t));
      return;
    }
  dst = s->reg;
  c->span = n->span;
  if (s->global && !c->fc->is_body)
    emit (c, s->is_var ? QL_I_SETGV : QL_I_SETG, dst, materialize (c, &cur), 0);
  else if (s->is_var)
    emit (c, QL_I_SETV, dst, materialize (c, &cur), 0);
  else
    emit (c, QL_I_MOV, dst, materialize (c, &cur), 0);
  if (cur.q > s->q)
    s->q = cur.q;
}

static void
compile_if (C      *c,
            QlNode *n)
{
  GArray *falses = g_array_new (FALSE, FALSE, sizeof (guint));
  guint jend;

  compile_cond (c, n->kids[0], falses);
  c->fc->cond_depth++;
  compile_block (c, n->kids[1], TRUE);
  if (n->n_kids > 2 && n->kids[2])
    {
      jend = emit (c, QL_I_JMP, 0, 0, 0);
      patch_all (c, falses, here (c));
      if (n->kids[2]->kind == QL_NODE_IF)
        compile_if (c, n->kids[2]);
      else
        compile_block (c, n->kids[2], TRUE);
      patch (c, jend, here (c));
    }
  else
    patch_all (c, falses, here (c));
  c->fc->cond_depth--;
  g_array_unref (falses);
}

static void
loop_begin (C       *c,
            GArray **saved_b,
            GArray **saved_c)
{
  *saved_b = c->fc->breaks;
  *saved_c = c->fc->continues;
  c->fc->breaks = g_array_new (FALSE, FALSE, sizeof (guint));
  c->fc->continues = g_array_new (FALSE, FALSE, sizeof (guint));
  c->fc->loop_depth++;
  c->fc->cond_depth++;
}

static void
loop_end (C      *c,
          GArray *saved_b,
          GArray *saved_c,
          guint   continue_target,
          guint   break_target)
{
  patch_all (c, c->fc->continues, continue_target);
  patch_all (c, c->fc->breaks, break_target);
  g_array_unref (c->fc->breaks);
  g_array_unref (c->fc->continues);
  c->fc->breaks = saved_b;
  c->fc->continues = saved_c;
  c->fc->loop_depth--;
  c->fc->cond_depth--;
}

static void
compile_for_range (C      *c,
                   QlNode *n)
{
  Ex from, to, by;
  int base;
  guint top, check, cont;
  GArray *sb, *sc;
  Sym *iv;

  from = compile_expr (c, n->kids[0]);
  to = compile_expr (c, n->kids[1]);
  if (n->kids[2])
    by = compile_expr (c, n->kids[2]);
  else
    by = ex_err ();
  if (from.t == T_ERR || to.t == T_ERR)
    return;
  if (from.t != T_INT || to.t != T_INT || (n->kids[2] && by.t != T_INT))
    {
      ERR (&n->span, "E0319", "loops count in ints: for i = 0 to n - 1",
           "for loop bounds and step must be int");
      return;
    }
  scope_push (c);
  /* the loop variable, its bound and step in three consecutive registers */
  base = alloc_regs (c, 3);
  {
    Sym s = { 0 };

    s.name = n->name;
    s.t = T_INT;
    s.q = Q_SERIES;
    s.reg = base;
    s.global = c->fc->is_body;
    s.owner = (int) c->fc->func;
    s.input = -1;
    s.ring = -1;
    s.span = n->span;
    s.is_param = TRUE; /* not assignable */
    g_array_append_val (c->syms, s);
    iv = &g_array_index (c->syms, Sym, c->syms->len - 1);
    (void) iv;
  }
  emit (c, QL_I_MOV, base, materialize (c, &from), 0);
  emit (c, QL_I_MOV, base + 1, materialize (c, &to), 0);
  if (n->kids[2])
    emit (c, QL_I_MOV, base + 2, materialize (c, &by), 0);
  else
    {
      /* no step: up by one, or down by one when from > to */
      Ex one = ex_k (T_INT, (QlValue) { .i = 1 }), minus = ex_k (T_INT, (QlValue) { .i = -1 });
      guint j;

      emit (c, QL_I_MOV, base + 2, materialize (c, &one), 0);
      j = emit (c, QL_I_JF_GT_I, base, base + 1, 0);
      emit (c, QL_I_MOV, base + 2, materialize (c, &minus), 0);
      patch (c, j, here (c));
    }
  loop_begin (c, &sb, &sc);
  top = here (c);
  check = emit (c, QL_I_CHECK_FOR, base, 0, 0);
  compile_block (c, n->kids[3], TRUE);
  cont = here (c);
  c->span = n->span;
  emit (c, QL_I_ADD_I, base, base, base + 2);
  {
    guint back = emit (c, QL_I_LOOP, 0, 0, 0);
    set_off32 (c, back, top);
  }
  set_off16 (c, check, here (c));
  loop_end (c, sb, sc, cont, here (c));
  scope_pop (c);
}

/* for x in a / for i, x in a / for k in m / for k, v in m: over the
 * elements in order; the size is read again before each step. */
static void
compile_for_in (C      *c,
                QlNode *n)
{
  QlNode *names = n->kids[0];
  Ex cont = compile_expr (c, n->kids[1]);
  Ex zero = ex_k (T_INT, (QlValue) { .i = 0 }), one = ex_k (T_INT, (QlValue) { .i = 1 });
  int creg, idx, len;
  guint top, jexit, cont_pc;
  GArray *sb, *sc;
  gboolean is_map;

  if (cont.t == T_ERR)
    return;
  if (cont.t != T_ARRAY && cont.t != T_MAP)
    {
      ERR (&n->kids[1]->span, "E0319", "count instead: for i = 0 to n - 1",
           "for ... in goes over an array or a map, not %s", tname (cont.t));
      return;
    }
  is_map = cont.t == T_MAP;
  if (names->n_kids > 2)
    {
      ERR (&names->span, "E0310", NULL, "for ... in takes one or two names");
      return;
    }
  scope_push (c);
  creg = alloc_reg (c);
  idx = alloc_reg (c);
  len = alloc_reg (c);
  emit (c, QL_I_MOV, creg, materialize (c, &cont), 0);
  emit (c, QL_I_MOV, idx, materialize (c, &zero), 0);
  {
    /* the names: element; index and element; key; key and value (the
     * registers kept, not the Sym pointers, which move as syms grows) */
    TKind t1 = is_map ? cont.el[1] : names->n_kids == 2 ? T_INT : cont.el[0];
    Sym *sy = declare (c, names->kids[0]->name, t1, Q_SERIES, &names->kids[0]->span);
    int first_reg, second_reg = -1;

    sy->is_param = TRUE;
    first_reg = sy->reg;
    if (names->n_kids == 2)
      {
        sy = declare (c, names->kids[1]->name, cont.el[0], Q_SERIES, &names->kids[1]->span);
        sy->is_param = TRUE;
        second_reg = sy->reg;
      }
    loop_begin (c, &sb, &sc);
    top = here (c);
    c->span = n->span;
    emit (c, is_map ? QL_I_MLEN : QL_I_ALEN, len, creg, 0);
    jexit = emit (c, QL_I_JF_LT_I, idx, len, 0);
    if (is_map)
      {
        emit (c, QL_I_MKEYAT, first_reg, creg, idx);
        if (second_reg >= 0)
          emit (c, QL_I_MVALAT, second_reg, creg, idx);
      }
    else if (second_reg >= 0)
      {
        emit (c, QL_I_MOV, first_reg, idx, 0);
        emit (c, QL_I_AGET, second_reg, creg, idx);
      }
    else
      emit (c, QL_I_AGET, first_reg, creg, idx);
    compile_block (c, n->kids[2], TRUE);
    cont_pc = here (c);
    c->span = n->span;
    emit (c, QL_I_ADD_I, idx, idx, materialize (c, &one));
    {
      guint back = emit (c, QL_I_LOOP, 0, 0, 0);
      set_off32 (c, back, top);
    }
    set_off16 (c, jexit, here (c));
    loop_end (c, sb, sc, cont_pc, here (c));
  }
  scope_pop (c);
}

static void
compile_while (C      *c,
               QlNode *n)
{
  GArray *falses = g_array_new (FALSE, FALSE, sizeof (guint));
  GArray *sb, *sc;
  guint top;

  loop_begin (c, &sb, &sc);
  top = here (c);
  compile_cond (c, n->kids[0], falses);
  compile_block (c, n->kids[1], TRUE);
  c->span = n->span;
  {
    guint back = emit (c, QL_I_LOOP, 0, 0, 0);
    set_off32 (c, back, top);
  }
  patch_all (c, falses, here (c));
  loop_end (c, sb, sc, top, here (c));
  g_array_unref (falses);
}

static void
compile_return (C      *c,
                QlNode *n)
{
  Ex e;

  if (c->fc->def == NULL)
    {
      ERR (&n->span, "E0211", NULL, "return outside a function");
      return;
    }
  c->fc->saw_return = TRUE;
  if (n->n_kids == 0 || n->kids[0] == NULL)
    {
      if (c->fc->ret != T_ERR && c->fc->ret != T_VOID)
        ERR (&n->span, "E0304", NULL, "this function returns %s: return a value", tname (c->fc->ret));
      c->fc->ret = T_VOID;
      emit (c, QL_I_END, 0, 0, 0);
      return;
    }
  e = compile_expr (c, n->kids[0]);
  if (e.t == T_ERR)
    return;
  if (e.t == T_TUPLE || e.t == T_VOID)
    {
      ERR (&n->kids[0]->span, "E0304", NULL, "functions return one value in this version");
      return;
    }
  if (c->fc->ret == T_ERR)
    {
      if (e.t == T_NA)
        {
          ERR (&n->kids[0]->span, "E0305", "declare the return type: fn f() -> float",
               "cannot tell the return type from na");
          return;
        }
      c->fc->ret = e.t;
    }
  if (!coerce (c, &e, c->fc->ret) || e.t != c->fc->ret)
    {
      ERR (&n->kids[0]->span, "E0304", "declare the return type: fn f(...) -> float",
           "this function returns %s here but %s elsewhere", tname (e.t), tname (c->fc->ret));
      return;
    }
  c->span = n->span;
  emit (c, QL_I_RET, materialize (c, &e), 0, 0);
}

static Ex
compile_order (C      *c,
               QlNode *n)
{
  static const char *const bs[] = { "id", "qty", "limit", "stop", "tif" };
  static const char *const ex_names[] = { "id" };
  static const char *const ca_names[] = { "target" };
  static const char *const br[] = { "id", "side", "qty", "entry", "take", "stop" };
  static const int bs_slot[] = { QL_OARG_ID, QL_OARG_QTY, QL_OARG_LIMIT, QL_OARG_STOP, QL_OARG_TIF };
  static const int br_slot[] = { QL_OARG_ID, QL_OARG_SIDE, QL_OARG_QTY, QL_OARG_LIMIT, QL_OARG_TAKE, QL_OARG_STOP };
  static const char *const kind_names[] = { "buy", "sell", "exit", "cancel", "bracket" };
  const char *const *names;
  const int *slots;
  guint n_names, required;
  QlNode *args[6];
  QlOrderSite site = { 0 };
  int base;
  Ex e = ex_err ();
  const char *kname = kind_names[n->op];

  if (c->p->mode == QL_MODE_INDICATOR)
    {
      ERR (&n->span, "E0501", "declare strategy(...) instead of indicator(...)",
           "%s() sends orders; an indicator cannot", kname);
      return ex_err ();
    }
  if (c->in_test)
    {
      ERR (&n->span, "E0512", NULL, "orders cannot be sent from a test block");
      return ex_err ();
    }
  switch (n->op)
    {
    case QL_ORDER_BUY:
    case QL_ORDER_SELL:
      names = bs, slots = bs_slot, n_names = 5, required = 2;
      break;
    case QL_ORDER_EXIT:
      names = ex_names, slots = bs_slot, n_names = 1, required = 1;
      break;
    case QL_ORDER_CANCEL:
      names = ca_names, slots = bs_slot, n_names = 1, required = 1;
      break;
    default:
      names = br, slots = br_slot, n_names = 6, required = 3;
      break;
    }
  if (c->in_oco && n->op != QL_ORDER_BUY && n->op != QL_ORDER_SELL)
    {
      ERR (&n->span, "E0503", NULL, "an oco block holds buy and sell orders only, not %s", kname);
      return ex_err ();
    }
  if (!bind_args (c, n->kids, n->n_kids, kname, names, n_names, required, args, &n->span))
    return ex_err ();
  if (n->op == QL_ORDER_BRACKET && (args[4] == NULL || args[5] == NULL))
    {
      ERR (&n->span, "E0502", "add take = PRICE, stop = PRICE",
           "a bracket needs both take = and stop =");
      return ex_err ();
    }
  site.kind = n->op;
  site.span = n->span;
  base = alloc_regs (c, QL_OARG_N);
  for (guint i = 0; i < n_names; i++)
    {
      int slot = slots[i];
      Ex a;

      if (args[i] == NULL)
        continue;
      a = compile_expr (c, args[i]);
      if (a.t == T_ERR)
        return ex_err ();
      site.has[slot] = 1;
      if (slot == QL_OARG_ID)
        {
          if (n->op == QL_ORDER_CANCEL && a.t == T_ORDER)
            site.has[QL_OARG_SIDE] = 1;  /* by handle */
          else if (a.t != T_STRING)
            {
              ERR (&args[i]->span, "E0408", NULL, "the %s of %s() must be a string%s, got %s",
                   names[i], kname, n->op == QL_ORDER_CANCEL ? " or an order" : "", tname (a.t));
              return ex_err ();
            }
          emit (c, QL_I_MOV, base + slot, materialize (c, &a), 0);
        }
      else if (slot == QL_OARG_SIDE)
        {
          if (a.t != T_STRING || !a.is_k || (strcmp (a.k.s, "long") != 0 && strcmp (a.k.s, "short") != 0))
            {
              ERR (&args[i]->span, "E0504", NULL, "side must be \"long\" or \"short\"");
              return ex_err ();
            }
          {
            Ex sv = ex_k (T_INT, (QlValue) { .i = strcmp (a.k.s, "long") == 0 ? 1 : -1 });
            emit (c, QL_I_MOV, base + slot, materialize (c, &sv), 0);
          }
        }
      else if (slot == QL_OARG_TIF)
        {
          if (a.t != T_STRING || !a.is_k
              || (strcmp (a.k.s, "gtc") && strcmp (a.k.s, "day") && strcmp (a.k.s, "ioc") && strcmp (a.k.s, "fok")))
            {
              ERR (&args[i]->span, "E0504", NULL, "tif must be \"gtc\", \"day\", \"ioc\" or \"fok\"");
              return ex_err ();
            }
          emit (c, QL_I_MOV, base + slot, materialize (c, &a), 0);
        }
      else
        {
          if (!coerce (c, &a, T_FLOAT) || a.t != T_FLOAT)
            {
              ERR (&args[i]->span, "E0408", NULL, "%s of %s() must be a number, got %s", names[i],
                   kname, tname (a.t));
              return ex_err ();
            }
          emit (c, QL_I_MOV, base + slot, materialize (c, &a), 0);
        }
    }
  if (c->in_oco)
    {
      site.oco_group = c->oco_group;
      c->oco_legs++;
    }
  g_array_append_val (c->p->orders, site);
  e.t = T_ORDER;
  e.q = Q_SERIES;
  e.reg = alloc_reg (c);
  c->span = n->span;
  emit (c, QL_I_ORDER, e.reg, c->p->orders->len - 1, base);
  return e;
}

static void
compile_oco (C      *c,
             QlNode *n)
{
  char *name = n->name ? g_strdup (n->name)
                       : g_strdup_printf ("oco at %u:%u", n->span.line, n->span.col);

  if (c->in_oco)
    {
      ERR (&n->span, "E0503", NULL, "oco blocks cannot be nested");
      g_free (name);
      return;
    }
  g_ptr_array_add (c->p->oco_names, name);
  c->in_oco = TRUE;
  c->oco_group = c->p->oco_names->len;
  c->oco_legs = 0;
  compile_block (c, n->kids[0], TRUE);
  c->in_oco = FALSE;
  if (c->oco_legs < 2)
    ERR (&n->span, "E0503", "add the other leg, or drop the oco block",
         "an oco group needs at least two orders, this one has %u", c->oco_legs);
}

static void
compile_item (C      *c,
              QlNode *n)
{
  int saved_top = c->fc->top;

  if (n == NULL)
    return;
  c->span = n->span;
  if (c->in_oco && n->kind != QL_NODE_ORDER && n->kind != QL_NODE_ERROR)
    {
      ERR (&n->span, "E0503", NULL, "an oco block holds buy and sell orders only");
      return;
    }
  switch (n->kind)
    {
    case QL_NODE_DECL:
      compile_decl (c, n);
      /* declared variables keep their registers */
      return;
    case QL_NODE_ASSIGN:
      compile_assign (c, n);
      break;
    case QL_NODE_IF:
      compile_if (c, n);
      break;
    case QL_NODE_FOR_RANGE:
      compile_for_range (c, n);
      break;
    case QL_NODE_FOR_IN:
      compile_for_in (c, n);
      break;
    case QL_NODE_WHILE:
      compile_while (c, n);
      break;
    case QL_NODE_BREAK:
    case QL_NODE_CONTINUE:
      if (c->fc->loop_depth == 0)
        ERR (&n->span, "E0210", NULL, "%s outside a loop", n->kind == QL_NODE_BREAK ? "break" : "continue");
      else
        {
          guint j = emit (c, QL_I_JMP, 0, 0, 0);
          g_array_append_val (n->kind == QL_NODE_BREAK ? c->fc->breaks : c->fc->continues, j);
        }
      break;
    case QL_NODE_RETURN:
      compile_return (c, n);
      break;
    case QL_NODE_EXPR_STMT:
      {
        QlNode *x = n->kids[0];
        Ex e = compile_expr (c, x);

        if (e.t != T_ERR && e.t != T_VOID && x->kind != QL_NODE_CALL)
          WARN (&n->span, "W0201", "assign it (x = ...) or drop the line", "this value is not used");
        break;
      }
    case QL_NODE_ORDER:
      if (n->name)
        {
          /* o = buy (...): bind the handle */
          Ex e = compile_order (c, n);
          QlSpan sp = n->span;

          if (e.t != T_ERR)
            {
              Sym *s = declare (c, n->name, T_ORDER, Q_SERIES, &sp);
              emit (c, QL_I_MOV, s->reg, e.reg, 0);
            }
          return;
        }
      compile_order (c, n);
      break;
    case QL_NODE_OCO:
      compile_oco (c, n);
      break;
    case QL_NODE_FN_DEF:
      if (!c->fc->is_body || c->scopes->len > 1)
        ERR (&n->span, "E0212", "define functions at the top level", "functions cannot be defined inside blocks");
      return;
    case QL_NODE_EVENT_DEF:
    case QL_NODE_TEST_DEF:
      if (!c->fc->is_body || c->scopes->len > 1)
        ERR (&n->span, "E0212", NULL, "%s blocks belong at the top level",
             n->kind == QL_NODE_TEST_DEF ? "test" : "event");
      return;
    case QL_NODE_ERROR:
      return;
    default:
      {
        Ex e = compile_expr (c, n);
        (void) e;
      }
      break;
    }
  /* a function's temporaries are reused statement by statement; the
   * body's registers never are (its constants are preloaded in them) */
  if (!c->fc->is_body)
    c->fc->top = saved_top;
}

static void
compile_block (C      *c,
               QlNode *block,
               gboolean new_scope)
{
  if (block == NULL)
    return;
  if (new_scope)
    scope_push (c);
  if (block->kind != QL_NODE_BLOCK)
    compile_item (c, block);
  else
    for (guint i = 0; i < block->n_kids; i++)
      compile_item (c, block->kids[i]);
  if (new_scope)
    scope_pop (c);
}

/* ---- the program ------------------------------------------------------- */

static void
collect_assigned (QlNode     *n,
                  GHashTable *out)
{
  if (n == NULL)
    return;
  if (n->kind == QL_NODE_ASSIGN && n->kids[0] && n->kids[0]->kind == QL_NODE_IDENT)
    g_hash_table_add (out, (gpointer) n->kids[0]->name);
  for (guint i = 0; i < n->n_kids; i++)
    collect_assigned (n->kids[i], out);
}

static void
input_clear (gpointer data)
{
  QlScriptInput *in = data;

  g_free (in->name);
  g_free (in->title);
  g_free (in->def_text);
  g_strfreev (in->options);
}

QlProgram *
ql_program_ref (QlProgram *self)
{
  g_atomic_int_inc (&self->ref_count);
  return self;
}

void
ql_program_free (QlProgram *self)
{
  if (self == NULL || !g_atomic_int_dec_and_test (&self->ref_count))
    return;
  g_free (self->filename);
  g_free (self->source);
  g_free (self->title);
  g_ptr_array_unref (self->funcs);
  g_array_unref (self->consts);
  g_ptr_array_unref (self->strings);
  g_array_unref (self->preload);
  g_array_unref (self->ta_sites);
  for (guint i = 0; i < self->rings->len; i++)
    g_free (g_array_index (self->rings, QlRingInfo, i).name);
  g_array_unref (self->rings);
  g_array_unref (self->inputs);
  g_array_unref (self->input_regs);
  for (guint i = 0; i < self->plots->len; i++)
    g_free (g_array_index (self->plots, QlScriptPlot, i).title);
  g_array_unref (self->plots);
  g_array_unref (self->orders);
  for (guint i = 0; i < self->texts->len; i++)
    g_free (g_array_index (self->texts, QlSiteText, i).message);
  g_array_unref (self->texts);
  g_array_unref (self->callb);
  g_ptr_array_unref (self->oco_names);
  g_array_unref (self->tests);
  for (guint i = 0; i < self->test_names->len; i++)
    g_free (g_array_index (self->test_names, char *, i));
  g_array_unref (self->test_names);
  g_string_free (self->explain, TRUE);
  g_array_unref (self->object_kinds);
  g_ptr_array_unref (self->column_names);
  for (guint i = 0; i < self->foreigns->len; i++)
    {
      g_free (g_array_index (self->foreigns, QlForeign, i).ticker);
      g_free (g_array_index (self->foreigns, QlForeign, i).timeframe);
    }
  g_array_unref (self->foreigns);
  g_free (self);
}

static QlProgram *
program_new (const char *filename,
             const char *source,
             gsize       len)
{
  QlProgram *p = g_new0 (QlProgram, 1);

  p->ref_count = 1;
  p->filename = g_strdup (filename ? filename : "<script>");
  p->source = g_strndup (source, len);
  p->source_len = len;
  p->funcs = g_ptr_array_new_with_free_func (func_free);
  p->consts = g_array_new (FALSE, FALSE, sizeof (QlValue));
  p->strings = g_ptr_array_new_with_free_func (g_free);
  p->preload = g_array_new (FALSE, FALSE, sizeof (guint32));
  p->ta_sites = g_array_new (FALSE, FALSE, sizeof (QlTaSite));
  p->rings = g_array_new (FALSE, FALSE, sizeof (QlRingInfo));
  p->inputs = g_array_new (FALSE, FALSE, sizeof (QlScriptInput));
  g_array_set_clear_func (p->inputs, input_clear);
  p->input_regs = g_array_new (FALSE, FALSE, sizeof (guint16));
  p->plots = g_array_new (FALSE, FALSE, sizeof (QlScriptPlot));
  p->orders = g_array_new (FALSE, FALSE, sizeof (QlOrderSite));
  p->texts = g_array_new (FALSE, FALSE, sizeof (QlSiteText));
  p->callb = g_array_new (FALSE, FALSE, sizeof (QlCallbSite));
  p->oco_names = g_ptr_array_new_with_free_func (g_free);
  p->tests = g_array_new (FALSE, FALSE, sizeof (guint));
  p->test_names = g_array_new (FALSE, FALSE, sizeof (char *));
  p->explain = g_string_new (NULL);
  p->object_kinds = g_array_new (FALSE, FALSE, sizeof (guint8));
  p->column_names = g_ptr_array_new_with_free_func (g_free);
  p->foreigns = g_array_new (FALSE, FALSE, sizeof (QlForeign));
  for (guint i = 0; i < G_N_ELEMENTS (p->handlers); i++)
    p->handlers[i] = -1;
  return p;
}

static void
compile_header (C      *c,
                QlNode *h)
{
  static const char *const names[] = { "title", "overlay", "calc" };
  QlNode *args[3];

  c->p->mode = (QlScriptMode) h->op;
  if (!bind_args (c, h->kids, h->n_kids, h->op == QL_MODE_INDICATOR ? "indicator"
                  : h->op == QL_MODE_STRATEGY ? "strategy" : "events",
                  names, 3, 0, args, &h->span))
    return;
  if (args[0])
    {
      const char *t = NULL;

      if (const_string (c, args[0], "the title", &t) && t)
        c->p->title = g_strdup (t);
    }
  if (args[1])
    {
      Ex o = compile_expr (c, args[1]);

      if (o.t != T_BOOL || !o.is_k)
        ERR (&args[1]->span, "E0412", NULL, "overlay must be true or false");
      else
        c->p->overlay = o.k.i != 0;
    }
  if (args[2])
    {
      const char *calc = NULL;

      if (const_string (c, args[2], "calc", &calc) && calc)
        {
          if (strcmp (calc, "tick") == 0)
            c->p->calc_tick = TRUE;
          else if (strcmp (calc, "bar") != 0)
            ERR (&args[2]->span, "E0412", NULL, "calc must be \"bar\" or \"tick\", got \"%s\"", calc);
          if (c->p->calc_tick && c->p->mode != QL_MODE_STRATEGY)
            ERR (&args[2]->span, "E0412", NULL, "calc = \"tick\" applies to strategies");
        }
    }
  if (c->p->title == NULL)
    c->p->title = g_strdup ("untitled");
}

static int
event_kind (const char *name)
{
  static const char *const names[] = { "on_start", "on_end", "on_tick", "on_bar", "on_order_fill",
                                       "on_position_change" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (strcmp (names[i], name) == 0)
      return (int) i;
  return -1;
}

static void
fndef_free (gpointer data)
{
  FnDef *d = data;

  g_array_unref (d->insts);
  g_free (d);
}

QlProgram *
ql_program_compile (const char *filename,
                    const char *source,
                    gsize       len,
                    QlDiagList *diags)
{
  g_autoptr (QlAst) ast = NULL;
  QlNode *root;
  C cc = { 0 }, *c = &cc;
  FnCtx body = { 0 };
  QlProgram *p;
  guint errors_before = diags->n_errors;

  ast = ql_parse (source, len, diags);
  root = ql_ast_get_root (ast);
  p = program_new (filename, source, len);
  c->p = p;
  c->d = diags;
  c->src = p->source;
  c->syms = g_array_new (FALSE, FALSE, sizeof (Sym));
  c->scopes = g_array_new (FALSE, FALSE, sizeof (guint));
  c->fns = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, fndef_free);
  c->kregs = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  c->assigned = g_hash_table_new (g_str_hash, g_str_equal);
  c->handler = -1;
  collect_assigned (root, c->assigned);

  body.f = func_new ("the script body");
  body.func = 0;
  body.is_body = TRUE;
  body.ret = T_VOID;
  body.breaks = g_array_new (FALSE, FALSE, sizeof (guint));
  body.continues = g_array_new (FALSE, FALSE, sizeof (guint));
  g_ptr_array_add (p->funcs, body.f);
  c->fc = &body;
  c->body = &body;
  scope_push (c);

  if (root->n_kids > 0 && root->kids[0] && root->kids[0]->kind == QL_NODE_HEADER)
    compile_header (c, root->kids[0]);

  /* functions first, so that calls may precede definitions */
  for (guint i = 1; i < root->n_kids; i++)
    {
      QlNode *n = root->kids[i];

      if (n && n->kind == QL_NODE_FN_DEF)
        {
          FnDef *def;

          if (g_hash_table_contains (c->fns, n->name))
            {
              ERR (&n->span, "E0202", "give it another name", "function '%s' is defined twice", n->name);
              continue;
            }
          if (ql_builtins_lookup (n->name))
            {
              ERR (&n->span, "E0203", "give it another name", "'%s' is a builtin", n->name);
              continue;
            }
          def = g_new0 (FnDef, 1);
          def->name = n->name;
          def->node = n;
          def->insts = g_array_new (FALSE, FALSE, sizeof (Inst));
          g_hash_table_insert (c->fns, (gpointer) n->name, def);
        }
    }
  {
    GHashTableIter it;
    gpointer v;

    g_hash_table_iter_init (&it, c->fns);
    while (g_hash_table_iter_next (&it, NULL, &v))
      {
        FnDef *def = v;
        def->stateful = node_stateful (c, def->node->kids[2], 0, NULL);
      }
  }

  for (guint i = 1; i < root->n_kids; i++)
    {
      QlNode *n = root->kids[i];

      if (n == NULL)
        continue;
      if (p->mode == QL_MODE_EVENTS && n->kind != QL_NODE_DECL && n->kind != QL_NODE_FN_DEF
          && n->kind != QL_NODE_EVENT_DEF && n->kind != QL_NODE_TEST_DEF && n->kind != QL_NODE_ERROR)
        {
          ERR (&n->span, "E0513", "put it inside an event handler: event on_bar(s)",
               "an events script holds declarations, functions and event handlers only");
          continue;
        }
      if (n->kind == QL_NODE_EVENT_DEF && p->mode != QL_MODE_EVENTS)
        {
          ERR (&n->span, "E0507", "declare events(...) to write event handlers",
               "event handlers belong in events scripts");
          continue;
        }
      if (n->kind == QL_NODE_FN_DEF || n->kind == QL_NODE_EVENT_DEF || n->kind == QL_NODE_TEST_DEF)
        continue;
      compile_item (c, n);
    }
  c->span = root->span;
  emit (c, QL_I_END, 0, 0, 0);
  body.f->cost = body.f->code->len;

  /* handlers and tests see every top-level name */
  for (guint i = 1; i < root->n_kids; i++)
    {
      QlNode *n = root->kids[i];
      TKind ret;

      if (n == NULL)
        continue;
      if (n->kind == QL_NODE_EVENT_DEF && p->mode == QL_MODE_EVENTS)
        {
          int k = event_kind (n->name);
          QlNode *param = n->kids[0];
          TKind pt = k == QL_EVENT_ON_ORDER_FILL ? T_ORDER : T_INT;
          gboolean wants_param = k >= QL_EVENT_ON_TICK;

          if (k < 0)
            continue;  /* the parser reported it (E0107) */
          if (p->handlers[k] >= 0)
            {
              ERR (&n->span, "E0202", NULL, "event %s is handled twice", n->name);
              continue;
            }
          if ((param != NULL) != wants_param)
            {
              ERR (&n->span, "E0508", NULL, wants_param ? "event %s takes one parameter"
                                                        : "event %s takes no parameter", n->name);
              continue;
            }
          c->handler = k;
          p->handlers[k] = (int) compile_function (c, NULL, param ? &n->kids[0] : NULL, &pt,
                                                   NULL, param ? 1 : 0, n->kids[1], NULL, n->name, &ret);
          c->handler = -1;
        }
      else if (n->kind == QL_NODE_TEST_DEF)
        {
          guint f;
          char *label = g_strdup_printf ("test \"%s\"", n->name ? n->name : "");

          c->in_test = TRUE;
          f = compile_function (c, NULL, NULL, NULL, NULL, 0, n->kids[0], NULL, label, &ret);
          c->in_test = FALSE;
          g_free (label);
          g_array_append_val (p->tests, f);
          {
            char *name = g_strdup (n->name ? n->name : "");
            g_array_append_val (p->test_names, name);
          }
        }
    }

  /* the explanation: rings and state */
  {
    GString *head = g_string_new (NULL);
    gsize ring_bytes = 0;

    g_string_append_printf (head, "%s \"%s\": %s\n",
                            p->mode == QL_MODE_INDICATOR ? "indicator"
                            : p->mode == QL_MODE_STRATEGY ? "strategy" : "events",
                            p->title ? p->title : "", p->calc_tick ? "calc = tick" : "calc = bar");
    g_string_append_printf (head, "bar history: %u bar%s back\n", p->bar_lookback,
                            p->bar_lookback == 1 ? "" : "s");
    g_string_append_printf (head, "history rings: %u\n", p->rings->len);
    for (guint i = 0; i < p->rings->len; i++)
      {
        const QlRingInfo *ri = &g_array_index (p->rings, QlRingInfo, i);
        gsize cap = 1;

        while (cap < ri->lookback)
          cap <<= 1;
        ring_bytes += cap * sizeof (QlValue);
        g_string_append_printf (head, "  %s: lookback %u, %" G_GSIZE_FORMAT " bytes\n", ri->name,
                                ri->lookback, cap * sizeof (QlValue));
      }
    g_string_append_printf (head, "ta.* call sites: %u\n", p->ta_sites->len);
    g_string_append (head, p->explain->str);
    g_string_append_printf (head, "state: %" G_GSIZE_FORMAT " bytes of ta.* state, %" G_GSIZE_FORMAT
                            " bytes of rings, %u globals (%" G_GSIZE_FORMAT " bytes)\n",
                            p->state_size, ring_bytes, body.f->n_regs,
                            (gsize) body.f->n_regs * sizeof (QlValue));
    g_string_append_printf (head, "code: %u functions, %u instructions in the body\n",
                            p->funcs->len, body.f->code->len);
    g_string_free (p->explain, TRUE);
    p->explain = head;
  }

  g_array_unref (body.breaks);
  g_array_unref (body.continues);
  g_array_unref (c->syms);
  g_array_unref (c->scopes);
  g_hash_table_unref (c->fns);
  g_hash_table_unref (c->kregs);
  g_hash_table_unref (c->assigned);
  ql_diag_list_sort (diags);
  if (diags->n_errors > errors_before)
    {
      ql_program_free (p);
      return NULL;
    }
  return p;
}
