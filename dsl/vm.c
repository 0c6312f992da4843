/* dsl/vm.c — instances of a compiled script and the register VM that runs
 * them; the hosts: bar series (indicator), the backtester (strategy,
 * events) and test blocks.
 *
 * The dispatch loop uses computed goto where the compiler has it (GCC,
 * clang) and a switch otherwise; each opcode's body is written once, in
 * the OP () blocks below. Operands are typed by the opcode: no tag checks.
 *
 * Budget. The instruction counter is charged at back-edges (LOOP: the
 * length of the loop body) and calls (the callee's length): straight-line
 * code is bounded by the program's size, so these charges bound the work
 * of an event, and they depend only on the program and its data, so a
 * script that runs out of budget does so on the same bar every time. The
 * host's deadline callback is asked each time the counter crosses a
 * multiple of 65536: it may stop a run, never change its output. */
#define G_LOG_DOMAIN "ql-dsl-vm"

#include "dsl/program.h"
#include "dsl/natives.h"

#include "engine/numfmt.h"
#include "engine/portfolio.h"
#include "engine/ta.h"

#include <errno.h>
#include <math.h>
#include <string.h>

/* -DQL_VM_NO_COMPUTED_GOTO builds the switch; tests/dsl builds the VM
 * that way too (test-vm-switch) so the fallback stays correct. */
#if (defined(__GNUC__) || defined(__clang__)) && !defined(QL_VM_NO_COMPUTED_GOTO)
#define QL_VM_COMPUTED_GOTO 1
#endif

G_DEFINE_QUARK (ql-script-error-quark, ql_script_error)

#define DEADLINE_EVERY (G_GUINT64_CONSTANT (1) << 16)

typedef struct
{
  guint32 func;
  guint32 pc;        /* the caller's next instruction */
  guint32 base;      /* the callee's first register in the stack */
  guint16 dst;       /* caller's register for the result */
} Frame;

typedef struct
{
  QlValue *buf;
  guint32 mask;
  guint32 head;      /* next slot to write */
  guint64 count;     /* values committed */
  guint32 lookback;
} Ring;

typedef struct
{
  guint32 reg;
  QlValue old;
} JournalEntry;

/* The per-call-site state of one symbol: events scripts keep one bank per
 * symbol of the run, so that ta.* calls and history in on_bar (s) and
 * on_tick (s) advance separately for each symbol. Bank 0 is the
 * instance's own. */
typedef struct
{
  guint8 *state;
  Ring *rings;
  guint8 *site_ready;
  gint64 *site_stamp;
} Bank;

struct QlInstance
{
  const QlProgram *prog;
  QlScriptLimits limits;
  QlValue *g;             /* function 0's registers: the globals */
  QlValue *stack;
  gsize stack_len;
  Frame *frames;
  guint8 *state;
  Ring *rings;
  guint8 *once;
  double *row;
  gsize memory;

  /* the bar being run */
  const QlSeries *bars;
  gsize row_i;
  gint64 bar_index;
  gint64 day;
  gboolean forming;       /* a forming bar: preview, no commit, journal */
  const QlInstrument *instr;
  QlContext *ctx;
  GArray *journal;        /* JournalEntry: var writes of a forming run */

  guint64 count_event;
  guint64 count_run;
  guint64 next_deadline;

  gboolean failed;
  QlScriptError err;

  QlScriptLogFunc log_func;
  gpointer log_data;
  QlScriptRowFunc row_func;
  gpointer row_data;
  QlStrategyClass klass;

  /* orders: the last order sent under each id (the string constant) */
  GHashTable *order_ids;
  GStringChunk *scratch;  /* string results, cleared per event */
  GPtrArray *owned;       /* string input values */
  gboolean scratch_used;  /* the scratch chunk holds strings of this event */
  /* hot pointers into the program, resolved once (vm_exec's prologue) */
  const QlValue *hot_consts;
  const QlTaSite *hot_sites;
  gboolean off_grid_any;  /* an order price of this order is off the grid */
  /* symbol (): each foreign series' run symbol and subscription */
  guint *fsym;
  guint *ftf;
  gint64 *ftf_ns;         /* nominal bar length (0: months) */
  gint64 *site_stamp;     /* clocked ta.* sites: open time of the last foreign bar fed */
  gpointer *objects;      /* QlArr or QlMap per creation site */
  gboolean sites_ready;   /* the ta.* states are initialised */
  guint8 *site_ready;     /* per site: state initialised (lazy sites on first use) */
  Bank *banks;            /* events scripts: one per symbol (n_banks), else NULL */
  guint n_banks;
  gint64 *sym_bars;       /* events scripts: bars seen per symbol (bar_index) */
  guint cur_symbol;       /* the symbol orders and position_* refer to: the
                           * event's in on_bar (s) / on_tick (s), else 0 */
  const QlInstrument *cur_instr;
  guint n_sym_bars;
  GStringChunk *strpool;  /* strings stored in arrays and maps */
};

static void fail_at (QlInstance *I, const char *code, const QlSpan *span, const char *format, ...)
  G_GNUC_PRINTF (4, 5);
static void free_banks (QlInstance *self);

void
ql_script_limits_init (QlScriptLimits *limits)
{
  memset (limits, 0, sizeof *limits);
  limits->max_instructions_per_event = 1000000;
  limits->max_instructions_per_run = G_GUINT64_CONSTANT (10000000000);
  limits->max_memory = 64u << 20;
  limits->max_call_depth = 256;
}

/* ---- errors ------------------------------------------------------------ */

static const QlFunc *
func_at (const QlProgram *p,
         guint            i)
{
  return g_ptr_array_index (p->funcs, i);
}

static QlSpan
span_at (const QlProgram *p,
         guint            func,
         guint32          pc)
{
  const QlFunc *f = func_at (p, func);
  QlSpan none = { 0 };

  if (pc < f->spans->len)
    return g_array_index (f->spans, QlSpan, pc);
  return none;
}

/* Records the first error of a run: @pc is the failing instruction of the
 * innermost frame (@depth frames deep, @func running). */
static void G_GNUC_PRINTF (6, 7)
vm_fail (QlInstance *I,
         const char *code,
         guint       func,
         guint32     pc,
         guint       depth,
         const char *format,
         ...)
{
  const QlProgram *p = I->prog;
  GString *trace = g_string_new (NULL);
  va_list ap;
  guint32 cur_pc = pc;
  guint cur_func = func;

  if (I->failed)
    return;
  I->failed = TRUE;
  g_strlcpy (I->err.code, code, sizeof I->err.code);
  va_start (ap, format);
  g_free (I->err.message);
  I->err.message = g_strdup_vprintf (format, ap);
  va_end (ap);
  I->err.span = span_at (p, func, pc);
  {
    /* innermost first; a frame that repeats the one before it (deep
     * recursion) is counted, not printed again */
    char *last = NULL;
    guint repeats = 0;

    for (guint d = depth;; d--)
      {
        QlSpan s = span_at (p, cur_func, cur_pc);
        char *line = g_strdup_printf ("at %s:%u:%u in %s", p->filename, s.line, s.col,
                                      func_at (p, cur_func)->name);

        if (last && strcmp (last, line) == 0)
          {
            repeats++;
            g_free (line);
          }
        else
          {
            if (repeats)
              g_string_append_printf (trace, "(the line above %u more times)\n", repeats);
            repeats = 0;
            g_string_append_printf (trace, "%s\n", line);
            g_free (last);
            last = line;
          }
        if (d == 0)
          break;
        /* frame d was called from frame d - 1, at the instruction before
         * its return address */
        cur_pc = I->frames[d].pc - 1;
        cur_func = I->frames[d - 1].func;
      }
    if (repeats)
      g_string_append_printf (trace, "(the line above %u more times)\n", repeats);
    g_free (last);
  }
  g_free (I->err.trace);
  I->err.trace = g_string_free (trace, FALSE);
  I->err.bar_index = I->bars ? I->bar_index : -1;
  I->err.time = I->bars ? ql_series_i64 (I->bars, QL_BAR_TIME)[I->row_i] : G_MININT64;
}

const QlScriptError *
ql_script_instance_get_error (const QlScriptInstance *self)
{
  return self->failed ? &self->err : NULL;
}

void
ql_script_instance_report_error (const QlScriptInstance *self,
                                 QlDiagList             *diags)
{
  QlDiag *d;
  GString *msg;

  if (!self->failed)
    return;
  msg = g_string_new (self->err.message);
  if (self->err.bar_index >= 0)
    {
      g_string_append_printf (msg, " (bar %" G_GINT64_FORMAT, self->err.bar_index);
      if (self->err.time != G_MININT64)
        {
          g_autoptr (GDateTime) dt = g_date_time_new_from_unix_utc (self->err.time / 1000000000);

          if (dt)
            {
              g_autofree char *t = g_date_time_format (dt, "%Y-%m-%dT%H:%M:%SZ");

              g_string_append_printf (msg, ", %s", t);
            }
        }
      if (self->instr)
        g_string_append_printf (msg, ", %s", self->instr->symbol);
      g_string_append_c (msg, ')');
    }
  d = ql_diag_add (diags, QL_DIAG_ERROR, self->err.code, &self->err.span, NULL, "%s", msg->str);
  if (d)
    d->trace = g_strdup (self->err.trace);
  g_string_free (msg, TRUE);
}

void
ql_script_instance_set_log_func (QlScriptInstance *self,
                                 QlScriptLogFunc   func,
                                 gpointer          data)
{
  self->log_func = func;
  self->log_data = data;
}

/* ---- bars ---------------------------------------------------------------- */

static inline double
bar_field_f (const QlSeries *bars,
             gsize           i,
             guint           field)
{
  const double *h, *l, *c;

  switch (field)
    {
    case QL_FIELD_OPEN:
      return ql_series_f64 (bars, QL_BAR_OPEN)[i];
    case QL_FIELD_HIGH:
      return ql_series_f64 (bars, QL_BAR_HIGH)[i];
    case QL_FIELD_LOW:
      return ql_series_f64 (bars, QL_BAR_LOW)[i];
    case QL_FIELD_CLOSE:
      return ql_series_f64 (bars, QL_BAR_CLOSE)[i];
    case QL_FIELD_VOLUME:
      return ql_series_f64 (bars, QL_BAR_VOLUME)[i];
    default:
      break;
    }
  h = ql_series_f64 (bars, QL_BAR_HIGH);
  l = ql_series_f64 (bars, QL_BAR_LOW);
  c = ql_series_f64 (bars, QL_BAR_CLOSE);
  /* The same operations as engine/indicator.c's sources. */
  switch (field)
    {
    case QL_FIELD_HL2:
      return (h[i] + l[i]) / 2.0;
    case QL_FIELD_HLC3:
      return (h[i] + l[i] + c[i]) / 3.0;
    case QL_FIELD_OHLC4:
    default:
      return (ql_series_f64 (bars, QL_BAR_OPEN)[i] + h[i] + l[i] + c[i]) / 4.0;
    }
}

/* ---- orders -------------------------------------------------------------- */

static gboolean vm_order (QlInstance *I, const QlOrderSite *site, const QlValue *args,
                          QlValue *out, const char **error);

/* ---- arrays and maps ----------------------------------------------------- */

/* Grows @a to hold @need values; FALSE past the memory limit. */
static gboolean
arr_reserve (QlInstance *I,
             QlArr      *a,
             guint64     need)
{
  guint64 cap;

  if (need <= a->cap)
    return TRUE;
  cap = MAX (need, (guint64) a->cap * 2);
  cap = MAX (cap, 8);
  if (cap > G_MAXUINT32 || I->memory + (cap - a->cap) * sizeof (QlValue) > I->limits.max_memory)
    return FALSE;
  I->memory += (cap - a->cap) * sizeof (QlValue);
  a->data = g_renew (QlValue, a->data, cap);
  a->cap = (guint32) cap;
  return TRUE;
}

static guint
key_hash (gconstpointer k)
{
  return (guint) GPOINTER_TO_SIZE (k);
}

/* Position + 1 of @key in @m, 0 when absent. */
static guint
map_find (const QlMap *m,
          QlValue      key)
{
  if (m->str_keys)
    return GPOINTER_TO_UINT (g_hash_table_lookup (m->index, key.s));
  return GPOINTER_TO_UINT (g_hash_table_lookup (m->index, GSIZE_TO_POINTER ((gsize) key.i)));
}

static void
map_reindex (QlMap *m)
{
  g_hash_table_remove_all (m->index);
  for (guint32 k = 0; k < m->keys.len; k++)
    g_hash_table_insert (m->index, m->str_keys ? (gpointer) m->keys.data[k].s
                                               : GSIZE_TO_POINTER ((gsize) m->keys.data[k].i),
                         GUINT_TO_POINTER (k + 1));
}

/* Runs an ACALL sub-operation; NULL or an error message. */
static const char *
array_call (QlInstance *I,
            guint       op,
            QlValue    *args,
            QlValue    *out)
{
  QlArr *a = args[0].p;
  guint kind = op & 0x30;
  gboolean is_f = kind == QL_EL_FLOAT, is_s = kind == QL_EL_STRING;
  static char msg[96];

  switch (op & 0xf)
    {
    case QL_A_POP:
    case QL_A_SHIFT:
      if (a->len == 0)
        return (op & 0xf) == QL_A_POP ? "pop from an empty array" : "shift from an empty array";
      if ((op & 0xf) == QL_A_POP)
        *out = a->data[--a->len];
      else
        {
          *out = a->data[0];
          memmove (a->data, a->data + 1, (a->len - 1) * sizeof (QlValue));
          a->len--;
        }
      return NULL;
    case QL_A_CLEAR:
      a->len = 0;
      return NULL;
    case QL_A_SUM:
    case QL_A_AVG:
      {
        double sf = 0;
        gint64 si = 0;
        gboolean na = FALSE;

        for (guint32 k = 0; k < a->len; k++)
          if (is_f)
            sf += a->data[k].f;
          else if (a->data[k].i == QL_NA_INT)
            na = TRUE;
          else if (__builtin_add_overflow (si, a->data[k].i, &si))
            return "integer overflow in the sum";
        if ((op & 0xf) == QL_A_AVG)
          out->f = a->len == 0 || na ? NAN : is_f ? sf / a->len : (double) si / a->len;
        else if (is_f)
          out->f = sf;
        else
          out->i = na ? QL_NA_INT : si;
        return NULL;
      }
    case QL_A_MIN:
    case QL_A_MAX:
      {
        gboolean is_max = (op & 0xf) == QL_A_MAX;

        if (is_f)
          {
            double best = NAN;

            for (guint32 k = 0; k < a->len; k++)
              {
                double v = a->data[k].f;

                if (isnan (v))
                  continue;
                if (isnan (best) || (is_max ? v > best : v < best))
                  best = v;
              }
            out->f = best;
          }
        else
          {
            gint64 best = QL_NA_INT;

            for (guint32 k = 0; k < a->len; k++)
              {
                gint64 v = a->data[k].i;

                if (v == QL_NA_INT)
                  continue;
                if (best == QL_NA_INT || (is_max ? v > best : v < best))
                  best = v;
              }
            out->i = best;
          }
        return NULL;
      }
    case QL_A_INCLUDES:
      out->i = 0;
      for (guint32 k = 0; k < a->len && !out->i; k++)
        out->i = is_f ? a->data[k].f == args[1].f
                 : is_s ? strcmp (a->data[k].s, args[1].s) == 0
                        : a->data[k].i == args[1].i;
      return NULL;
    case QL_A_INSERT:
    case QL_A_REMOVE:
      {
        gint64 i = args[1].i;
        gboolean ins = (op & 0xf) == QL_A_INSERT;

        if (i == QL_NA_INT || i < 0 || (ins ? i > (gint64) a->len : i >= (gint64) a->len))
          {
            g_snprintf (msg, sizeof msg, "index %" G_GINT64_FORMAT " is out of bounds (size %u)",
                        i, a->len);
            return msg;
          }
        if (ins)
          {
            if (!arr_reserve (I, a, (guint64) a->len + 1))
              return "the array outgrew the script's memory limit";
            memmove (a->data + i + 1, a->data + i, (a->len - i) * sizeof (QlValue));
            a->data[i] = args[2];
            if (is_s)
              a->data[i].s = g_string_chunk_insert_const (I->strpool, args[2].s);
            a->len++;
          }
        else
          {
            *out = a->data[i];
            memmove (a->data + i, a->data + i + 1, (a->len - i - 1) * sizeof (QlValue));
            a->len--;
          }
        return NULL;
      }
    case QL_A_FILL:
      {
        gint64 n = args[1].i;

        if (n == QL_NA_INT || n < 0)
          return "array size must be >= 0";
        if (!arr_reserve (I, a, (guint64) n))
          return "the array outgrew the script's memory limit";
        for (gint64 k = 0; k < n; k++)
          a->data[k] = args[2];
        a->len = (guint32) n;
        return NULL;
      }
    case QL_M_CLEAR:
      {
        QlMap *m = args[0].p;

        m->keys.len = m->vals.len = 0;
        g_hash_table_remove_all (m->index);
        return NULL;
      }
    default:
      return "unknown array operation";
    }
}

/* ---- other symbols ------------------------------------------------------- */

/* The bars of foreign series @k and the index of its last closed row, or
 * -1 when none has closed yet. A bar of another symbol ending at the
 * current instant: with bar input it is seen, whatever the symbols' order
 * (the run takes every symbol's input bar of an instant before it tells
 * the closes those inputs make); with tick input each symbol's bar closes
 * at its own close event, taken in the run's order at equal times, so a
 * symbol listed after the main one shows that bar from the main's next bar
 * (docs/language.md, "Other symbols"). */
static gint64
foreign_last (QlInstance      *I,
              guint            k,
              const QlSeries **out)
{
  const QlSeries *bars = ql_context_get_bars (I->ctx, I->fsym[k], I->ftf[k]);
  gint64 last;

  *out = bars;
  if (bars == NULL || bars->len == 0)
    return -1;
  last = (gint64) bars->len - 1;
  if (ql_context_bar_is_forming (I->ctx, I->fsym[k], I->ftf[k]))
    {
      /* the symbol of this event has consumed all its input up to now: a
       * bar of it ending by now is complete even if its close event is
       * still queued (symbol ("", "1h") on a 15m run) */
      if (!(I->fsym[k] == I->cur_symbol && I->ftf_ns[k] > 0
            && ql_series_i64 (bars, QL_BAR_TIME)[last] + I->ftf_ns[k] <= ql_context_get_time (I->ctx)))
        last--;
    }
  return last;
}

/* ---- the loop ------------------------------------------------------------ */

static inline gboolean
add_overflows (gint64 a, gint64 b, gint64 *r)
{
  return __builtin_add_overflow (a, b, r);
}

/* Runs function @fidx from its first instruction. Function 0 runs on the
 * globals; any other gets a frame with @args (n_params values) in its
 * first registers. Returns FALSE on a runtime error (I->err). */
static gboolean
vm_exec (QlInstance    *I,
         guint          fidx,
         const QlValue *args,
         QlValue       *result)
{
  const QlProgram *p = I->prog;
  const QlFunc *f = func_at (p, fidx);
  const QlInsn *code = (const QlInsn *) (void *) f->code->data;
  const QlInsn *ip = code;
  const QlValue *K = I->hot_consts;
  const QlTaSite *sites = I->hot_sites;
  QlValue *r;
  guint depth = 0;
  guint32 base = 0;
  guint cur = fidx;
  guint64 count = I->count_event;
  const guint64 max_event = I->limits.max_instructions_per_event;

  if (fidx == 0)
    r = I->g;
  else
    {
      r = I->stack;
      if (f->n_params)
        memcpy (r, args, f->n_params * sizeof (QlValue));
    }
  I->frames[0].func = fidx;
  for (guint k = 0; G_UNLIKELY (k < f->resets->len); k++)
    {
      guint16 reg = g_array_index (f->resets, guint16, k);

      if (g_array_index (f->reset_kinds, guint8, k))
        r[reg].i = QL_NA_INT;
      else
        r[reg].f = NAN;
    }

#define PC ((guint32) (ip - code))
#define FAIL(code_, ...) \
  do { \
    I->count_event = count; \
    vm_fail (I, code_, cur, PC, depth, __VA_ARGS__); \
    return FALSE; \
  } while (0)
#define OFF32(in) ((gint32) ((guint32) (in)->b | ((guint32) (in)->c << 16)))
#define CHARGE(n) \
  do { \
    guint64 before_ = count; \
    count += (n); \
    if (G_UNLIKELY (count > max_event)) \
      FAIL ("R0001", "instruction budget of one event exceeded (%" G_GUINT64_FORMAT \
            " instructions): an endless loop?", max_event); \
    if (G_UNLIKELY (I->count_run + count > I->limits.max_instructions_per_run)) \
      FAIL ("R0002", "instruction budget of the run exceeded (%" G_GUINT64_FORMAT \
            " instructions)", I->limits.max_instructions_per_run); \
    if (G_UNLIKELY ((before_ ^ count) >= DEADLINE_EVERY) && I->limits.deadline \
        && I->limits.deadline (I->limits.deadline_data)) \
      FAIL ("R0004", "deadline passed: the run took longer than the host allows"); \
  } while (0)

#ifdef QL_VM_COMPUTED_GOTO
  static const void *const labels[] = {
#define QL_OP_LABEL(name) &&L_##name,
    QL_OPCODES (QL_OP_LABEL)
#undef QL_OP_LABEL
  };
#define DISPATCH() goto *labels[ip->op]
#define OP(name) L_##name:
#define NEXT do { ip++; DISPATCH (); } while (0)
  const QlInsn *in;
  DISPATCH ();
#else
#define OP(name) case QL_I_##name:
#define NEXT do { ip++; goto next; } while (0)
  const QlInsn *in;
next:
  switch ((QlOpcode) ip->op)
    {
#endif
  {
    OP (NOP) NEXT;
    OP (MOV) r[ip->a] = r[ip->b]; NEXT;
    OP (LOADK) r[ip->a] = K[(guint32) ip->b | ((guint32) ip->c << 16)]; NEXT;
    OP (GETG) r[ip->a] = I->g[ip->b]; NEXT;
    OP (SETG) I->g[ip->a] = r[ip->b]; NEXT;
    OP (SETV)
    {
      /* A `var` global written from the body: journaled in forming runs. */
      if (G_UNLIKELY (I->forming))
        {
          JournalEntry e = { ip->a, I->g[ip->a] };
          g_array_append_val (I->journal, e);
        }
      r[ip->a] = r[ip->b];
      NEXT;
    }
    OP (SETGV)
    {
      if (G_UNLIKELY (I->forming))
        {
          JournalEntry e = { ip->a, I->g[ip->a] };
          g_array_append_val (I->journal, e);
        }
      I->g[ip->a] = r[ip->b];
      NEXT;
    }
    OP (ADD_I)
    {
      gint64 x = r[ip->b].i, y = r[ip->c].i, z;
      if (x == QL_NA_INT || y == QL_NA_INT)
        z = QL_NA_INT;
      else if (G_UNLIKELY (add_overflows (x, y, &z) || z == QL_NA_INT))
        FAIL ("R0003", "integer overflow: %" G_GINT64_FORMAT " + %" G_GINT64_FORMAT, x, y);
      r[ip->a].i = z;
      NEXT;
    }
    OP (SUB_I)
    {
      gint64 x = r[ip->b].i, y = r[ip->c].i, z;
      if (x == QL_NA_INT || y == QL_NA_INT)
        z = QL_NA_INT;
      else if (G_UNLIKELY (__builtin_sub_overflow (x, y, &z) || z == QL_NA_INT))
        FAIL ("R0003", "integer overflow: %" G_GINT64_FORMAT " - %" G_GINT64_FORMAT, x, y);
      r[ip->a].i = z;
      NEXT;
    }
    OP (MUL_I)
    {
      gint64 x = r[ip->b].i, y = r[ip->c].i, z;
      if (x == QL_NA_INT || y == QL_NA_INT)
        z = QL_NA_INT;
      else if (G_UNLIKELY (__builtin_mul_overflow (x, y, &z) || z == QL_NA_INT))
        FAIL ("R0003", "integer overflow: %" G_GINT64_FORMAT " * %" G_GINT64_FORMAT, x, y);
      r[ip->a].i = z;
      NEXT;
    }
    OP (MOD_I)
    {
      gint64 x = r[ip->b].i, y = r[ip->c].i;
      /* na, a zero divisor and the one overflowing case give na */
      r[ip->a].i = x == QL_NA_INT || y == QL_NA_INT || y == 0 || (y == -1) ? (y == -1 && x != QL_NA_INT ? 0 : QL_NA_INT) : x % y;
      NEXT;
    }
    OP (NEG_I)
    {
      gint64 x = r[ip->b].i;
      r[ip->a].i = x == QL_NA_INT ? QL_NA_INT : -x;
      NEXT;
    }
    OP (DIV_I)
    {
      gint64 x = r[ip->b].i, y = r[ip->c].i;
      r[ip->a].f = x == QL_NA_INT || y == QL_NA_INT || y == 0 ? NAN : (double) x / (double) y;
      NEXT;
    }
    OP (ADD_F) r[ip->a].f = r[ip->b].f + r[ip->c].f; NEXT;
    OP (SUB_F) r[ip->a].f = r[ip->b].f - r[ip->c].f; NEXT;
    OP (MUL_F) r[ip->a].f = r[ip->b].f * r[ip->c].f; NEXT;
    OP (DIV_F)
    {
      double y = r[ip->c].f;
      r[ip->a].f = y == 0.0 ? NAN : r[ip->b].f / y;
      NEXT;
    }
    OP (MOD_F)
    {
      double y = r[ip->c].f;
      r[ip->a].f = y == 0.0 ? NAN : fmod (r[ip->b].f, y);
      NEXT;
    }
    OP (NEG_F) r[ip->a].f = -r[ip->b].f; NEXT;
    OP (I2F)
    {
      gint64 x = r[ip->b].i;
      r[ip->a].f = x == QL_NA_INT ? NAN : (double) x;
      NEXT;
    }
    OP (NOT) r[ip->a].i = !r[ip->b].i; NEXT;
#define CMP_I(name, op) \
    OP (name) \
    { \
      gint64 x = r[ip->b].i, y = r[ip->c].i; \
      r[ip->a].i = x != QL_NA_INT && y != QL_NA_INT && x op y; \
      NEXT; \
    }
    CMP_I (EQ_I, ==)
    CMP_I (NE_I, !=)
    CMP_I (LT_I, <)
    CMP_I (LE_I, <=)
    CMP_I (GT_I, >)
    CMP_I (GE_I, >=)
#undef CMP_I
    OP (EQ_F) r[ip->a].i = r[ip->b].f == r[ip->c].f; NEXT;
    OP (NE_F)
    {
      double x = r[ip->b].f, y = r[ip->c].f;
      r[ip->a].i = !isnan (x) && !isnan (y) && x != y;
      NEXT;
    }
    OP (LT_F) r[ip->a].i = r[ip->b].f < r[ip->c].f; NEXT;
    OP (LE_F) r[ip->a].i = r[ip->b].f <= r[ip->c].f; NEXT;
    OP (GT_F) r[ip->a].i = r[ip->b].f > r[ip->c].f; NEXT;
    OP (GE_F) r[ip->a].i = r[ip->b].f >= r[ip->c].f; NEXT;
    OP (EQ_B) r[ip->a].i = r[ip->b].i == r[ip->c].i; NEXT;
    OP (NE_B) r[ip->a].i = r[ip->b].i != r[ip->c].i; NEXT;
    OP (EQ_S) r[ip->a].i = strcmp (r[ip->b].s, r[ip->c].s) == 0; NEXT;
    OP (NE_S) r[ip->a].i = strcmp (r[ip->b].s, r[ip->c].s) != 0; NEXT;
    OP (JMP)
    {
      in = ip;
      ip += 1 + OFF32 (in);
#ifdef QL_VM_COMPUTED_GOTO
      DISPATCH ();
#else
      goto next;
#endif
    }
    OP (LOOP)
    {
      in = ip;
      CHARGE ((guint64) -OFF32 (in));
      ip += 1 + OFF32 (in);
#ifdef QL_VM_COMPUTED_GOTO
      DISPATCH ();
#else
      goto next;
#endif
    }
    OP (JT)
    {
      in = ip;
      ip += 1 + (r[in->a].i ? OFF32 (in) : 0);
#ifdef QL_VM_COMPUTED_GOTO
      DISPATCH ();
#else
      goto next;
#endif
    }
    OP (JF)
    {
      in = ip;
      ip += 1 + (r[in->a].i ? 0 : OFF32 (in));
#ifdef QL_VM_COMPUTED_GOTO
      DISPATCH ();
#else
      goto next;
#endif
    }
    /* Fused compare and branch: jump by c (signed) when the comparison of
     * a and b is false (na compares false). */
#ifdef QL_VM_COMPUTED_GOTO
#define JUMP_IF(cond) do { ip += 1 + ((cond) ? (gint16) ip->c : 0); DISPATCH (); } while (0)
#else
#define JUMP_IF(cond) do { ip += 1 + ((cond) ? (gint16) ip->c : 0); goto next; } while (0)
#endif
    OP (JF_LT_F) JUMP_IF (!(r[ip->a].f < r[ip->b].f));
    OP (JF_LE_F) JUMP_IF (!(r[ip->a].f <= r[ip->b].f));
    OP (JF_GT_F) JUMP_IF (!(r[ip->a].f > r[ip->b].f));
    OP (JF_GE_F) JUMP_IF (!(r[ip->a].f >= r[ip->b].f));
    OP (JF_EQ_F) JUMP_IF (!(r[ip->a].f == r[ip->b].f));
    OP (JF_NE_F)
    {
      double x = r[ip->a].f, y = r[ip->b].f;
      JUMP_IF (!(!isnan (x) && !isnan (y) && x != y));
    }
#define JF_I(name, op) \
    OP (name) \
    { \
      gint64 x = r[ip->a].i, y = r[ip->b].i; \
      JUMP_IF (!(x != QL_NA_INT && y != QL_NA_INT && x op y)); \
    }
    JF_I (JF_LT_I, <)
    JF_I (JF_LE_I, <=)
    JF_I (JF_GT_I, >)
    JF_I (JF_GE_I, >=)
    JF_I (JF_EQ_I, ==)
    JF_I (JF_NE_I, !=)
#undef JF_I
    OP (ISNA_F) r[ip->a].i = isnan (r[ip->b].f); NEXT;
    OP (ISNA_I) r[ip->a].i = r[ip->b].i == QL_NA_INT; NEXT;
    OP (NZ_F)
    {
      double x = r[ip->b].f;
      r[ip->a].f = isnan (x) ? r[ip->c].f : x;
      NEXT;
    }
    OP (NZ_I)
    {
      gint64 x = r[ip->b].i;
      r[ip->a].i = x == QL_NA_INT ? r[ip->c].i : x;
      NEXT;
    }
    OP (BAR)
    {
      guint field = ip->b;
      /* QL_FIELD_OPEN .. VOLUME are the bar columns QL_BAR_OPEN .. VOLUME */
      if (G_LIKELY (field <= QL_FIELD_VOLUME))
        r[ip->a].f = ql_series_f64 (I->bars, QL_BAR_OPEN + field)[I->row_i];
      else if (field == QL_FIELD_TIME)
        r[ip->a].i = ql_series_i64 (I->bars, QL_BAR_TIME)[I->row_i];
      else if (field == QL_FIELD_BAR_INDEX)
        r[ip->a].i = I->bar_index;
      else
        r[ip->a].f = bar_field_f (I->bars, I->row_i, field);
      NEXT;
    }
    OP (BARH)
    {
      /* b: field; c: the register with the offset (checked >= 0 and
       * within the bar lookback by the compiler when constant). */
      guint field = ip->b;
      gint64 n = r[ip->c].i;
      gboolean is_int = field == QL_FIELD_TIME || field == QL_FIELD_BAR_INDEX;

      if (G_UNLIKELY (n < 0 || n == QL_NA_INT))
        FAIL ("R0006", "history offset must be >= 0, got %" G_GINT64_FORMAT, n);
      if (G_UNLIKELY ((guint64) n > p->bar_lookback))
        FAIL ("R0005", "history offset %" G_GINT64_FORMAT " exceeds the lookback of %u bars; "
              "declare a larger one with lookback (close, N)", n, p->bar_lookback);
      if ((guint64) n > I->row_i || (gint64) n > I->bar_index)
        {
          if (is_int)
            r[ip->a].i = QL_NA_INT;
          else
            r[ip->a].f = NAN;
        }
      else if (field == QL_FIELD_TIME)
        r[ip->a].i = ql_series_i64 (I->bars, QL_BAR_TIME)[I->row_i - n];
      else if (field == QL_FIELD_BAR_INDEX)
        r[ip->a].i = I->bar_index - n;
      else
        r[ip->a].f = bar_field_f (I->bars, I->row_i - n, field);
      NEXT;
    }
    OP (HIST)
    {
      Ring *ring = &I->rings[ip->b];
      gint64 n = r[ip->c].i;

      if (G_UNLIKELY (n < 0 || n == QL_NA_INT))
        FAIL ("R0006", "history offset must be >= 0, got %" G_GINT64_FORMAT, n);
      if (n == 0)
        r[ip->a] = r[g_array_index (p->rings, QlRingInfo, ip->b).reg];
      else if (G_UNLIKELY ((guint64) n > ring->lookback))
        FAIL ("R0005", "history offset %" G_GINT64_FORMAT " of '%s' exceeds its lookback of %u; "
              "declare a larger one with lookback (%s, N)", n,
              g_array_index (p->rings, QlRingInfo, ip->b).name, ring->lookback,
              g_array_index (p->rings, QlRingInfo, ip->b).name);
      else if ((guint64) n > ring->count)
        {
          if (g_array_index (p->rings, QlRingInfo, ip->b).is_int)
            r[ip->a].i = QL_NA_INT;
          else
            r[ip->a].f = NAN;
        }
      else
        r[ip->a] = ring->buf[(ring->head - (guint32) n) & ring->mask];
      NEXT;
    }
    OP (TA)
    {
      const QlTaSite *site = &sites[ip->b];
      void *st = I->state + site->state_off;

      if (G_UNLIKELY (!I->site_ready[ip->b]))
        {
          /* parameters computed from inputs: known from the first run */
          QlScalar params[6];
          const char *msg;

          for (guint j = 0; j < site->bind->n_params && j < 6; j++)
            params[j] = site->param_reg[j] >= 0 ? *(const QlScalar *) &r[site->param_reg[j]]
                                                : site->params[j];
          msg = site->bind->init (st, params);
          if (msg)
            FAIL ("R0009", "ta.%s: %s (from the inputs given)", site->bind->name, msg);
          I->site_ready[ip->b] = 1;
        }
      if (G_UNLIKELY (site->clock >= 0))
        {
          /* fed by another symbol: advance once per closed bar of it */
          const QlSeries *fb;
          gint64 last = foreign_last (I, (guint) site->clock, &fb);
          gint64 stamp = last >= 0 ? ql_series_i64 (fb, QL_BAR_TIME)[last] : G_MININT64;

          if (stamp == I->site_stamp[ip->b])
            NEXT;  /* the outputs keep their values */
          if (!I->forming)
            I->site_stamp[ip->b] = stamp;
        }
      {
        /* one input: its register; more: gathered from the site's list */
        QlScalar gathered[6];
        const QlScalar *inputs = (const QlScalar *) &r[ip->c];

        if (site->n_inputs > 1)
          {
            for (guint k = 0; k < site->n_inputs; k++)
              gathered[k] = *(const QlScalar *) &r[site->in_regs[k]];
            inputs = gathered;
          }
        if (G_LIKELY (!I->forming))
          site->update (st, I->day, inputs, (QlScalar *) &r[ip->a]);
        else
          site->bind->preview (st, I->day, inputs, (QlScalar *) &r[ip->a]);
      }
      NEXT;
    }
    OP (CALL)
    {
      const QlFunc *callee = func_at (p, ip->b);
      /* frames follow each other on the stack; the body's registers are
       * the globals, not on it */
      guint32 nbase = depth == 0 && cur == 0 ? 0 : base + func_at (p, cur)->n_regs;

      if (G_UNLIKELY (depth + 1 >= I->limits.max_call_depth))
        FAIL ("R0007", "call depth exceeds %u: runaway recursion?", I->limits.max_call_depth);
      if (G_UNLIKELY ((gsize) nbase + callee->n_regs > I->stack_len))
        FAIL ("R0008", "call stack exceeds its memory (%" G_GSIZE_FORMAT " registers)",
              I->stack_len);
      CHARGE (callee->cost);
      memmove (I->stack + nbase, &r[ip->c], callee->n_params * sizeof (QlValue));
      depth++;
      I->frames[depth].func = ip->b;
      I->frames[depth].pc = PC + 1;
      I->frames[depth].base = nbase;
      I->frames[depth].dst = ip->a;
      cur = ip->b;
      base = nbase;
      r = I->stack + nbase;
      code = (const QlInsn *) (void *) callee->code->data;
      ip = code;
      for (guint k = 0; k < callee->resets->len; k++)
        {
          guint16 reg = g_array_index (callee->resets, guint16, k);
          if (g_array_index (callee->reset_kinds, guint8, k))
            r[reg].i = QL_NA_INT;
          else
            r[reg].f = NAN;
        }
#ifdef QL_VM_COMPUTED_GOTO
      DISPATCH ();
#else
      goto next;
#endif
    }
    OP (CALLB)
    {
      const QlCallbSite *cb = &g_array_index (p->callb, QlCallbSite, ip->b);
      const char *msg = cb->fn (I, &r[ip->c], cb->n_args, &r[ip->a]);

      if (G_UNLIKELY (msg))
        FAIL ("R0009", "%s: %s", cb->name, msg);
      NEXT;
    }
    OP (RET)
    {
      QlValue v = r[ip->a];
      const QlFunc *fn = func_at (p, cur);

      if (!I->forming)
        for (guint k = 0; k < fn->commits->len; k++)
          {
            guint32 ri = g_array_index (fn->commits, guint32, k);
            Ring *ring = &I->rings[ri];

            ring->buf[ring->head] = r[g_array_index (p->rings, QlRingInfo, ri).reg];
            ring->head = (ring->head + 1) & ring->mask;
            ring->count++;
          }
      if (depth == 0)
        {
          if (result)
            *result = v;
          I->count_event = count;
          return TRUE;
        }
      {
        Frame *fr = &I->frames[depth];
        depth--;
        cur = depth == 0 ? I->frames[0].func : I->frames[depth].func;
        base = depth == 0 ? 0 : I->frames[depth].base;
        r = depth == 0 ? (cur == 0 ? I->g : I->stack) : I->stack + base;
        code = (const QlInsn *) (void *) func_at (p, cur)->code->data;
        ip = code + fr->pc;
        r[fr->dst] = v;
      }
#ifdef QL_VM_COMPUTED_GOTO
      DISPATCH ();
#else
      goto next;
#endif
    }
    OP (END)
    {
      const QlFunc *fn = func_at (p, cur);

      if (!I->forming)
        for (guint k = 0; k < fn->commits->len; k++)
          {
            guint32 ri = g_array_index (fn->commits, guint32, k);
            Ring *ring = &I->rings[ri];

            ring->buf[ring->head] = r[g_array_index (p->rings, QlRingInfo, ri).reg];
            ring->head = (ring->head + 1) & ring->mask;
            ring->count++;
          }
      if (depth == 0)
        {
          I->count_event = count;
          return TRUE;
        }
      /* a function without a return value falls off its end */
      {
        Frame *fr = &I->frames[depth];
        depth--;
        cur = depth == 0 ? I->frames[0].func : I->frames[depth].func;
        base = depth == 0 ? 0 : I->frames[depth].base;
        r = depth == 0 ? (cur == 0 ? I->g : I->stack) : I->stack + base;
        code = (const QlInsn *) (void *) func_at (p, cur)->code->data;
        ip = code + fr->pc;
      }
#ifdef QL_VM_COMPUTED_GOTO
      DISPATCH ();
#else
      goto next;
#endif
    }
    OP (ONCE)
    {
      in = ip;
      if (I->once[in->a])
        ip += 1 + (gint16) in->c;
      else
        {
          I->once[in->a] = 1;
          ip++;
        }
#ifdef QL_VM_COMPUTED_GOTO
      DISPATCH ();
#else
      goto next;
#endif
    }
    OP (ORDER)
    {
      const char *msg = NULL;

      if (!vm_order (I, &g_array_index (p->orders, QlOrderSite, ip->b), &r[ip->c], &r[ip->a], &msg))
        FAIL ("R0011", "%s", msg);
      NEXT;
    }
    OP (PLOT)
    {
      const QlScriptPlot *pl = &g_array_index (p->plots, QlScriptPlot, ip->b);

      I->row[pl->column] = r[ip->a].f;
      if (pl->kind == 2)
        I->row[pl->column + 1] = r[ip->a + 1].f;
      NEXT;
    }
    OP (ASSERT)
    {
      if (G_UNLIKELY (!r[ip->a].i))
        FAIL ("R0010", "assertion failed: %s",
              g_array_index (p->texts, QlSiteText, ip->b).message);
      NEXT;
    }
    OP (LOG)
    {
      const QlSiteText *t = &g_array_index (p->texts, QlSiteText, ip->b);

      if (I->log_func)
        I->log_func (ip->c, &t->span, I->bars ? I->bar_index : -1, r[ip->a].s, I->log_data);
      else
        g_message ("%s:%u:%u: %s", p->filename, t->span.line, t->span.col, r[ip->a].s);
      NEXT;
    }
    OP (ANEW)
    {
      QlArr *a = I->objects[ip->b];

      a->len = 0;
      r[ip->a].p = a;
      NEXT;
    }
    OP (APUSH)
    {
      QlArr *a = r[ip->a].p;

      if (G_UNLIKELY (a->len == a->cap) && !arr_reserve (I, a, (guint64) a->len + 1))
        FAIL ("R0013", "an array outgrew the script's memory limit of %" G_GSIZE_FORMAT " bytes",
              I->limits.max_memory);
      a->data[a->len++] = r[ip->b];
      NEXT;
    }
    OP (AGET)
    {
      QlArr *a = r[ip->b].p;
      gint64 i = r[ip->c].i;

      if (G_UNLIKELY (i == QL_NA_INT || i < 0 || i >= (gint64) a->len))
        FAIL ("R0014", "index %" G_GINT64_FORMAT " is out of bounds (size %u)", i, a->len);
      r[ip->a] = a->data[i];
      NEXT;
    }
    OP (ASET)
    {
      QlArr *a = r[ip->a].p;
      gint64 i = r[ip->b].i;

      if (G_UNLIKELY (i == QL_NA_INT || i < 0 || i >= (gint64) a->len))
        FAIL ("R0014", "index %" G_GINT64_FORMAT " is out of bounds (size %u)", i, a->len);
      a->data[i] = r[ip->c];
      NEXT;
    }
    OP (ALEN) r[ip->a].i = ((QlArr *) r[ip->b].p)->len; NEXT;
    OP (ACALL)
    {
      const char *msg = array_call (I, ip->b, &r[ip->c], &r[ip->a]);

      if (G_UNLIKELY (msg))
        {
          if (strstr (msg, "memory"))
            FAIL ("R0013", "%s", msg);
          FAIL ("R0014", "%s", msg);
        }
      NEXT;
    }
    OP (PERSIST)
    {
      /* a string about to be kept in an array or map outlives the event */
      r[ip->a].s = g_string_chunk_insert_const (I->strpool, r[ip->a].s);
      NEXT;
    }
    OP (MNEW)
    {
      QlMap *m = I->objects[ip->b];

      m->keys.len = m->vals.len = 0;
      g_hash_table_remove_all (m->index);
      r[ip->a].p = m;
      NEXT;
    }
    OP (MGET)
    {
      /* a: pre-filled with the value type's na by the compiler */
      QlMap *m = r[ip->b].p;
      guint pos = map_find (m, r[ip->c]);

      if (pos)
        r[ip->a] = m->vals.data[pos - 1];
      NEXT;
    }
    OP (MPUT)
    {
      QlMap *m = r[ip->a].p;
      QlValue key = r[ip->b];
      guint pos = map_find (m, key);

      if (pos)
        m->vals.data[pos - 1] = r[ip->c];
      else
        {
          if (!arr_reserve (I, &m->keys, (guint64) m->keys.len + 1)
              || !arr_reserve (I, &m->vals, (guint64) m->vals.len + 1))
            FAIL ("R0013", "a map outgrew the script's memory limit of %" G_GSIZE_FORMAT " bytes",
                  I->limits.max_memory);
          if (m->str_keys)
            key.s = g_string_chunk_insert_const (I->strpool, key.s);
          m->keys.data[m->keys.len++] = key;
          m->vals.data[m->vals.len++] = r[ip->c];
          g_hash_table_insert (m->index, m->str_keys ? (gpointer) key.s : GSIZE_TO_POINTER ((gsize) key.i),
                               GUINT_TO_POINTER (m->keys.len));
        }
      NEXT;
    }
    OP (MHAS) r[ip->a].i = map_find (r[ip->b].p, r[ip->c]) != 0; NEXT;
    OP (MDEL)
    {
      QlMap *m = r[ip->a].p;
      guint pos = map_find (m, r[ip->b]);

      if (pos)
        {
          memmove (m->keys.data + pos - 1, m->keys.data + pos, (m->keys.len - pos) * sizeof (QlValue));
          memmove (m->vals.data + pos - 1, m->vals.data + pos, (m->vals.len - pos) * sizeof (QlValue));
          m->keys.len--;
          m->vals.len--;
          map_reindex (m);
        }
      NEXT;
    }
    OP (MLEN) r[ip->a].i = ((QlMap *) r[ip->b].p)->keys.len; NEXT;
    OP (MKEYAT) r[ip->a] = ((QlMap *) r[ip->b].p)->keys.data[r[ip->c].i]; NEXT;
    OP (MVALAT) r[ip->a] = ((QlMap *) r[ip->b].p)->vals.data[r[ip->c].i]; NEXT;
    OP (XBAR)
    {
      guint k = ip->b >> 4, field = ip->b & 15;
      gint64 n = r[ip->c].i, last;
      const QlSeries *fb;

      if (G_UNLIKELY (I->ctx == NULL))
        FAIL ("R0016", "another symbol's series is read only in a run with market data "
              "(quantlab-cli run, backtest)");
      if (G_UNLIKELY (n < 0 || n == QL_NA_INT))
        FAIL ("R0006", "history offset must be >= 0, got %" G_GINT64_FORMAT, n);
      last = foreign_last (I, k, &fb);
      if (n > last)
        {
          if (field == QL_FIELD_TIME)
            r[ip->a].i = QL_NA_INT;
          else
            r[ip->a].f = NAN;
        }
      else if (field == QL_FIELD_TIME)
        r[ip->a].i = ql_series_i64 (fb, QL_BAR_TIME)[last - n];
      else
        r[ip->a].f = bar_field_f (fb, (gsize) (last - n), field);
      NEXT;
    }
    OP (TA1)
    {
      /* a ta.* call with fixed parameters on the main clock, one input */
      const QlTaSite *site = &sites[ip->b];

      if (site->kernel == QL_KERNEL_SMA)
        {
          r[ip->a].f = ql_ta_sma_step ((QlTaSma *) (void *) (I->state + site->state_off), r[ip->c].f, !I->forming);
          NEXT;
        }
      if (site->kernel == QL_KERNEL_EMA)
        {
          r[ip->a].f = ql_ta_ema_step ((QlTaEma *) (void *) (I->state + site->state_off), r[ip->c].f, !I->forming);
          NEXT;
        }

      if (G_LIKELY (!I->forming))
        site->update (I->state + site->state_off, I->day, (const QlScalar *) &r[ip->c],
                      (QlScalar *) &r[ip->a]);
      else
        site->bind->preview (I->state + site->state_off, I->day, (const QlScalar *) &r[ip->c],
                             (QlScalar *) &r[ip->a]);
      NEXT;
    }
    OP (SYMIDX)
    {
      if (G_UNLIKELY (I->ctx == NULL))
        FAIL ("R0016", "a symbol is read only in a run with market data");
      r[ip->a].i = I->fsym[ip->b];
      NEXT;
    }
    OP (POSF)
    {
      /* b: 0 size, 1 avg_price, 2 realized, 3 open orders (int) */
      gint64 sym = r[ip->c].i;
      const QlPosition *pos;

      if (G_UNLIKELY (I->ctx == NULL))
        FAIL ("R0016", "the account is read only in a backtest or a live session");
      if (G_UNLIKELY (sym < 0 || sym == QL_NA_INT || (guint64) sym >= ql_context_get_n_symbols (I->ctx)))
        FAIL ("R0016", "symbol index %" G_GINT64_FORMAT " is not one of the run's %u symbols", sym,
              ql_context_get_n_symbols (I->ctx));
      pos = ql_context_get_position (I->ctx, (guint) sym);
      switch (ip->b)
        {
        case 0:
          r[ip->a].f = ql_qty_to_double (ql_context_get_instrument (I->ctx, (guint) sym), pos->qty);
          break;
        case 1:
          r[ip->a].f = pos->qty != 0 ? pos->avg_price : NAN;
          break;
        case 2:
          r[ip->a].f = ql_money_to_double (pos->realized - pos->commission);
          break;
        default:
          {
            guint n_live = 0;

            ql_context_get_live_orders (I->ctx, (guint) sym, &n_live);
            r[ip->a].i = n_live;
          }
        }
      NEXT;
    }
    OP (ORDF)
    {
      /* b: 0 qty asked, 1 filled, 2 average fill price, 3 side (1, -1);
       * an unknown or na handle reads na */
      gint64 id = r[ip->c].i;
      const QlOrder *o = I->ctx && id != QL_NA_INT && id > 0 ? ql_context_get_order (I->ctx, (QlOrderId) id)
                                                              : NULL;

      if (o == NULL)
        {
          if (ip->b == 3)
            r[ip->a].i = QL_NA_INT;
          else
            r[ip->a].f = NAN;
          NEXT;
        }
      {
        const QlInstrument *oi = ql_context_get_instrument (I->ctx, o->req.symbol);

        switch (ip->b)
          {
          case 0:
            r[ip->a].f = ql_qty_to_double (oi, o->req.quantity);
            break;
          case 1:
            r[ip->a].f = ql_qty_to_double (oi, o->filled);
            break;
          case 2:
            /* the broker keeps it in price units */
            r[ip->a].f = o->filled > 0 ? o->avg_fill_price / (double) ql_pow10_i64 (oi->price_scale) : NAN;
            break;
          default:
            r[ip->a].i = o->req.side == QL_SIDE_BUY ? 1 : -1;
          }
      }
      NEXT;
    }
    OP (TAB)
    {
      /* TA1 whose input is the bar column c (QL_FIELD_OPEN .. VOLUME) */
      const QlTaSite *site = &sites[ip->b];
      QlScalar x;

      x.f = ql_series_f64 (I->bars, QL_BAR_OPEN + ip->c)[I->row_i];
      if (site->kernel == QL_KERNEL_SMA)
        {
          r[ip->a].f = ql_ta_sma_step ((QlTaSma *) (void *) (I->state + site->state_off), x.f, !I->forming);
          NEXT;
        }
      if (site->kernel == QL_KERNEL_EMA)
        {
          r[ip->a].f = ql_ta_ema_step ((QlTaEma *) (void *) (I->state + site->state_off), x.f, !I->forming);
          NEXT;
        }
      if (G_LIKELY (!I->forming))
        site->update (I->state + site->state_off, I->day, &x, (QlScalar *) &r[ip->a]);
      else
        site->bind->preview (I->state + site->state_off, I->day, &x, (QlScalar *) &r[ip->a]);
      NEXT;
    }
    OP (TA2)
    {
      const QlTaSite *site = &sites[ip->b];
      QlScalar two[2];

      if (site->kernel >= QL_KERNEL_CROSSOVER)
        {
          /* ta.crossover / crossunder in line (dsl/ta_bind.c has the rule:
           * any na on this bar or the previous one gives false) */
          QlTaCross *cs = (QlTaCross *) (void *) (I->state + site->state_off);
          double a = r[site->in_regs[0]].f, b = r[site->in_regs[1]].f;

          r[ip->a].i = site->kernel == QL_KERNEL_CROSSOVER ? a > b && cs->pa <= cs->pb
                                                           : b > a && cs->pb <= cs->pa;
          if (G_LIKELY (!I->forming))
            {
              cs->pa = a;
              cs->pb = b;
            }
          NEXT;
        }
      two[0] = *(const QlScalar *) &r[site->in_regs[0]];
      two[1] = *(const QlScalar *) &r[site->in_regs[1]];
      if (G_LIKELY (!I->forming))
        site->update (I->state + site->state_off, I->day, two, (QlScalar *) &r[ip->a]);
      else
        site->bind->preview (I->state + site->state_off, I->day, two, (QlScalar *) &r[ip->a]);
      NEXT;
    }
    OP (CHECK_FOR)
    {
      /* a: the loop variable, a+1: the bound, a+2: the step; jump by c when
       * the variable has passed the bound. */
      gint64 i = r[ip->a].i, to = r[ip->a + 1].i, step = r[ip->a + 2].i;

      if (G_UNLIKELY (step == 0 || step == QL_NA_INT))
        FAIL ("R0012", "for loop step must not be 0 or na");
      if (G_UNLIKELY (i == QL_NA_INT || to == QL_NA_INT))
        FAIL ("R0012", "for loop bounds must not be na");
      JUMP_IF (step > 0 ? i > to : i < to);
    }
  }
#ifndef QL_VM_COMPUTED_GOTO
    default:
      g_assert_not_reached ();
    }
#endif
  return FALSE;
#undef PC
#undef FAIL
#undef OFF32
#undef CHARGE
#undef OP
#undef NEXT
#undef JUMP_IF
}

/* ---- instances ------------------------------------------------------------ */

static gsize
pow2_at_least (gsize n)
{
  gsize c = 1;

  while (c < n)
    c <<= 1;
  return c;
}

static gboolean
parse_input_value (const QlScriptInput *in,
                   const char          *text,
                   QlValue             *out,
                   GError             **error)
{
  char *end = NULL;

  switch (in->kind)
    {
    case QL_INPUT_INT:
      {
        gint64 v = g_ascii_strtoll (text, &end, 10);

        if (end == text || *end || errno == ERANGE)
          goto bad;
        if ((double) v < in->min || (double) v > in->max)
          {
            g_set_error (error, QL_SCRIPT_ERROR, QL_SCRIPT_ERROR_INPUT,
                         "input '%s' must be between %g and %g, got %s", in->name, in->min,
                         in->max, text);
            return FALSE;
          }
        out->i = v;
        return TRUE;
      }
    case QL_INPUT_FLOAT:
      {
        double v = g_ascii_strtod (text, &end);

        if (end == text || *end || !isfinite (v))
          goto bad;
        if (v < in->min || v > in->max)
          {
            g_set_error (error, QL_SCRIPT_ERROR, QL_SCRIPT_ERROR_INPUT,
                         "input '%s' must be between %g and %g, got %s", in->name, in->min,
                         in->max, text);
            return FALSE;
          }
        out->f = v;
        return TRUE;
      }
    case QL_INPUT_BOOL:
      if (g_strcmp0 (text, "true") == 0)
        out->i = 1;
      else if (g_strcmp0 (text, "false") == 0)
        out->i = 0;
      else
        goto bad;
      return TRUE;
    case QL_INPUT_COLOR:
      {
        gsize n = strlen (text);
        guint64 v;

        if (text[0] != '#' || (n != 7 && n != 9))
          goto bad;
        v = g_ascii_strtoull (text + 1, &end, 16);
        if (*end)
          goto bad;
        out->i = (gint64) (n == 7 ? (v << 8) | 0xff : v);
        return TRUE;
      }
    default:
      /* strings, symbols, timeframes: the text, checked against options */
      if (in->options)
        {
          gboolean ok = FALSE;

          for (guint i = 0; in->options[i]; i++)
            ok |= strcmp (in->options[i], text) == 0;
          if (!ok)
            {
              g_autofree char *list = g_strjoinv (", ", in->options);

              g_set_error (error, QL_SCRIPT_ERROR, QL_SCRIPT_ERROR_INPUT,
                           "input '%s' must be one of %s, got '%s'", in->name, list, text);
              return FALSE;
            }
        }
      out->s = NULL; /* set by the caller: the text must outlive the instance */
      return TRUE;
    }
bad:
  {
    static const char *const kinds[] = { "an integer", "a number", "true or false", "a string",
                                         "a symbol", "a timeframe", "a colour #RRGGBB[AA]" };

    g_set_error (error, QL_SCRIPT_ERROR, QL_SCRIPT_ERROR_INPUT,
                 "input '%s' must be %s, got '%s'", in->name, kinds[in->kind], text);
    return FALSE;
  }
}

/* Initialises every ta.* site's state from its parameters (constants or
 * the instance's inputs). */
static gboolean
init_sites (QlScriptInstance *self,
            GError          **error)
{
  const QlProgram *p = self->prog;

  for (guint k = 0; k < p->ta_sites->len; k++)
    {
      const QlTaSite *site = &g_array_index (p->ta_sites, QlTaSite, k);
      QlScalar params[6];
      const char *msg;

      if (site->lazy)
        {
          self->site_ready[k] = 0;
          continue;
        }
      for (guint j = 0; j < site->bind->n_params && j < 6; j++)
        {
          if (site->param_input[j] >= 0)
            {
              guint16 reg = g_array_index (p->input_regs, guint16, site->param_input[j]);
              params[j].i = self->g[reg].i;
            }
          else
            params[j] = site->params[j];
        }
      msg = site->bind->init (self->state + site->state_off, params);
      if (msg)
        {
          /* clear the ones already set up */
          for (guint j = 0; j < k; j++)
            {
              const QlTaSite *s2 = &g_array_index (p->ta_sites, QlTaSite, j);

              if (self->site_ready[j])
                s2->bind->clear (self->state + s2->state_off);
              self->site_ready[j] = 0;
            }
          g_set_error (error, QL_SCRIPT_ERROR, QL_SCRIPT_ERROR_INPUT,
                       "%s:%u:%u: ta.%s: %s (from the inputs given)", p->filename,
                       site->span.line, site->span.col, site->bind->name, msg);
          return FALSE;
        }
      self->site_ready[k] = 1;
    }
  return TRUE;
}

static void
clear_sites (QlScriptInstance *self)
{
  const QlProgram *p = self->prog;

  for (guint k = 0; k < p->ta_sites->len; k++)
    {
      const QlTaSite *site = &g_array_index (p->ta_sites, QlTaSite, k);

      if (self->site_ready[k])
        site->bind->clear (self->state + site->state_off);
      self->site_ready[k] = 0;
    }
}

/* Globals to their initial values, rings and var flags empty. */
static void
reset_state (QlScriptInstance *self)
{
  const QlProgram *p = self->prog;
  const QlFunc *body = func_at (p, 0);
  const QlValue *K = (const QlValue *) (void *) p->consts->data;

  memset (self->g, 0, body->n_regs * sizeof (QlValue));
  for (guint k = 0; k + 1 < p->preload->len; k += 2)
    self->g[g_array_index (p->preload, guint32, k)] = K[g_array_index (p->preload, guint32, k + 1)];
  for (guint k = 0; k < p->rings->len; k++)
    {
      self->rings[k].head = 0;
      self->rings[k].count = 0;
    }
  memset (self->once, 0, MAX (p->n_once, 1));
  for (guint k = 0; k < p->ta_sites->len; k++)
    {
      const QlTaSite *site = &g_array_index (p->ta_sites, QlTaSite, k);

      self->site_stamp[k] = G_MININT64;
      if (site->clock >= 0)
        for (guint j = 0; j < site->bind->n_outputs; j++)
          self->g[site->out_reg + j].f = NAN;
    }
  self->count_run = 0;
  self->count_event = 0;
  self->bar_index = -1;
  self->failed = FALSE;
  g_array_set_size (self->journal, 0);
}

QlScriptInstance *
ql_script_instance_new (const QlProgram      *program,
                        const char *const    *params,
                        const QlScriptLimits *limits,
                        GError              **error)
{
  g_autoptr (QlScriptInstance) self = g_new0 (QlScriptInstance, 1);
  const QlProgram *p = program;
  guint max_regs = 1;
  g_autofree QlValue *input_vals = g_new0 (QlValue, MAX (p->inputs->len, 1));
  g_autofree gboolean *input_set = g_new0 (gboolean, MAX (p->inputs->len, 1));

  self->prog = ql_program_ref ((QlProgram *) program);
  if (limits)
    self->limits = *limits;
  else
    ql_script_limits_init (&self->limits);
  self->journal = g_array_new (FALSE, FALSE, sizeof (JournalEntry));
  self->scratch = g_string_chunk_new (256);
  self->order_ids = g_hash_table_new (g_str_hash, g_str_equal);
  self->owned = g_ptr_array_new_with_free_func (g_free);
  self->err.bar_index = -1;

  /* inputs */
  for (guint k = 0; params && params[k]; k++)
    {
      const char *eq = strchr (params[k], '=');
      g_autofree char *name = eq ? g_strndup (params[k], eq - params[k]) : g_strdup (params[k]);
      gboolean found = FALSE;

      for (guint j = 0; j < p->inputs->len; j++)
        {
          const QlScriptInput *in = &g_array_index (p->inputs, QlScriptInput, j);

          if (strcmp (in->name, name) != 0)
            continue;
          found = TRUE;
          if (!eq)
            {
              g_set_error (error, QL_SCRIPT_ERROR, QL_SCRIPT_ERROR_INPUT,
                           "parameter '%s' needs a value: %s=VALUE", name, name);
              return NULL;
            }
          if (!parse_input_value (in, eq + 1, &input_vals[j], error))
            return NULL;
          if (in->kind == QL_INPUT_STRING || in->kind == QL_INPUT_SYMBOL
              || in->kind == QL_INPUT_TIMEFRAME)
            {
              char *copy = g_strdup (eq + 1);

              g_ptr_array_add (self->owned, copy);
              input_vals[j].s = copy;
            }
          input_set[j] = TRUE;
        }
      if (!found)
        {
          GString *names = g_string_new (NULL);

          for (guint j = 0; j < p->inputs->len; j++)
            g_string_append_printf (names, "%s%s", j ? ", " : "",
                                    g_array_index (p->inputs, QlScriptInput, j).name);
          g_set_error (error, QL_SCRIPT_ERROR, QL_SCRIPT_ERROR_INPUT,
                       "the script has no input '%s' (its inputs: %s)", name,
                       names->len ? names->str : "none");
          g_string_free (names, TRUE);
          return NULL;
        }
    }

  for (guint k = 0; k < p->funcs->len; k++)
    max_regs = MAX (max_regs, func_at (p, k)->n_regs);
  self->stack_len = (gsize) max_regs * (self->limits.max_call_depth + 1);
  self->stack = g_new0 (QlValue, self->stack_len);
  self->frames = g_new0 (Frame, self->limits.max_call_depth + 1);
  self->g = g_new0 (QlValue, MAX (func_at (p, 0)->n_regs, 1));
  self->state = g_malloc0 (MAX (p->state_size, 16));
  self->site_ready = g_malloc0 (MAX (p->ta_sites->len, 1));
  self->site_stamp = g_new (gint64, MAX (p->ta_sites->len, 1));
  self->fsym = g_new0 (guint, MAX (p->foreigns->len, 1));
  self->ftf = g_new0 (guint, MAX (p->foreigns->len, 1));
  self->ftf_ns = g_new0 (gint64, MAX (p->foreigns->len, 1));
  self->once = g_malloc0 (MAX (p->n_once, 1));
  self->row = g_new (double, MAX (ql_program_get_n_columns (p), 1));
  self->rings = g_new0 (Ring, MAX (p->rings->len, 1));
  self->memory = self->stack_len * sizeof (QlValue) + (self->limits.max_call_depth + 1) * sizeof (Frame)
                 + func_at (p, 0)->n_regs * sizeof (QlValue) + p->state_size + p->n_once
                 + p->rings->len * sizeof (Ring) + sizeof *self;
  for (guint k = 0; k < p->rings->len; k++)
    {
      const QlRingInfo *ri = &g_array_index (p->rings, QlRingInfo, k);
      gsize cap = pow2_at_least (MAX (ri->lookback, 1));

      self->memory += cap * sizeof (QlValue);
      if (self->memory > self->limits.max_memory)
        break;
      self->rings[k].buf = g_new0 (QlValue, cap);
      self->rings[k].mask = (guint32) cap - 1;
      self->rings[k].lookback = ri->lookback;
    }
  if (self->memory > self->limits.max_memory)
    {
      g_set_error (error, QL_SCRIPT_ERROR, QL_SCRIPT_ERROR_LIMIT,
                   "%s: the script needs %" G_GSIZE_FORMAT " bytes of state, more than the limit of %"
                   G_GSIZE_FORMAT, p->filename, self->memory, self->limits.max_memory);
      return NULL;
    }
  self->hot_consts = (const QlValue *) (void *) p->consts->data;
  self->hot_sites = (const QlTaSite *) (void *) p->ta_sites->data;
  self->strpool = g_string_chunk_new (1024);
  self->objects = g_new0 (gpointer, MAX (p->n_objects, 1));
  for (guint k = 0; k < p->n_objects; k++)
    {
      guint8 kind = g_array_index (p->object_kinds, guint8, k);

      if (kind == 0)
        self->objects[k] = g_new0 (QlArr, 1);
      else
        {
          QlMap *m = g_new0 (QlMap, 1);

          m->str_keys = kind == 2;
          m->index = m->str_keys ? g_hash_table_new (g_str_hash, g_str_equal)
                                 : g_hash_table_new (key_hash, g_direct_equal);
          self->objects[k] = m;
        }
      self->memory += kind == 0 ? sizeof (QlArr) : sizeof (QlMap);
    }
  reset_state (self);
  for (guint j = 0; j < p->inputs->len; j++)
    if (input_set[j])
      self->g[g_array_index (p->input_regs, guint16, j)] = input_vals[j];
  if (!init_sites (self, error))
    return NULL;
  self->sites_ready = TRUE;
  return g_steal_pointer (&self);
}

void
ql_script_instance_free (QlScriptInstance *self)
{
  if (self == NULL)
    return;
  if (self->banks)
    free_banks (self);
  if (self->sites_ready)
    clear_sites (self);
  if (self->rings && self->prog)
    for (guint k = 0; k < self->prog->rings->len; k++)
      g_free (self->rings[k].buf);
  g_free (self->rings);
  g_free (self->stack);
  g_free (self->frames);
  g_free (self->g);
  g_free (self->state);
  g_free (self->site_ready);
  g_free (self->site_stamp);
  g_free (self->fsym);
  g_free (self->ftf);
  g_free (self->ftf_ns);
  g_free (self->once);
  g_free (self->row);
  if (self->objects && self->prog)
    for (guint k = 0; k < self->prog->n_objects; k++)
      {
        if (g_array_index (self->prog->object_kinds, guint8, k) == 0)
          {
            QlArr *a = self->objects[k];
            g_free (a->data);
            g_free (a);
          }
        else
          {
            QlMap *m = self->objects[k];
            g_free (m->keys.data);
            g_free (m->vals.data);
            g_hash_table_unref (m->index);
            g_free (m);
          }
      }
  g_free (self->objects);
  if (self->strpool)
    g_string_chunk_free (self->strpool);
  if (self->order_ids)
    g_hash_table_unref (self->order_ids);
  if (self->owned)
    g_ptr_array_unref (self->owned);
  if (self->journal)
    g_array_unref (self->journal);
  if (self->scratch)
    g_string_chunk_free (self->scratch);
  g_free (self->sym_bars);
  g_free (self->err.message);
  g_free (self->err.trace);
  ql_program_free ((QlProgram *) self->prog);
  g_free (self);
}

gsize
ql_script_instance_get_memory (const QlScriptInstance *self)
{
  return self->memory;
}

guint64
ql_script_instance_get_instructions (const QlScriptInstance *self)
{
  return self->count_run + self->count_event;
}

/* One event: the body or a handler, with the per-event counter reset. */
static gboolean
run_event (QlScriptInstance *self,
           guint             func,
           const QlValue    *args)
{
  gboolean ok;

  if (self->failed)
    return FALSE;
  self->count_event = 0;
  if (self->scratch_used)
    {
      g_string_chunk_clear (self->scratch);
      self->scratch_used = FALSE;
    }
  ok = vm_exec (self, func, args, NULL);
  self->count_run += self->count_event;
  return ok;
}

/* Undoes the var writes of the last forming run. */
static void
rollback (QlScriptInstance *self)
{
  if (self->journal->len == 0)
    return;
  for (guint k = self->journal->len; k-- > 0;)
    {
      const JournalEntry *e = &g_array_index (self->journal, JournalEntry, k);
      self->g[e->reg] = e->old;
    }
  g_array_set_size (self->journal, 0);
}

static void
clear_row (QlScriptInstance *self)
{
  guint n = self->prog->n_columns;

  for (guint k = 0; k < n; k++)
    self->row[k] = NAN;
}

static gint64
day_of (const QlInstrument *inst,
        QlTimeNs            t)
{
  gint64 label;

  if (inst == NULL)
    return t >= 0 ? t / (G_GINT64_CONSTANT (86400) * 1000000000) : -1 - (-(t + 1)) / (G_GINT64_CONSTANT (86400) * 1000000000);
  ql_instrument_trading_day (inst, t, NULL, NULL, &label);
  return label;
}

gboolean
ql_script_instance_run_bars (QlScriptInstance   *self,
                             const QlSeries     *bars,
                             const QlInstrument *inst,
                             QlScriptRowFunc     row,
                             gpointer            data)
{
  const gint64 *time = ql_series_i64 (bars, QL_BAR_TIME);

  self->bars = bars;
  self->instr = inst;
  self->cur_instr = inst;
  for (gsize i = 0; i < bars->len; i++)
    {
      self->row_i = i;
      self->bar_index = (gint64) i;
      if (self->prog->uses_day)
        self->day = day_of (inst, time[i]);
      clear_row (self);
      if (!run_event (self, 0, NULL))
        return FALSE;
      if (row && !row (time[i], self->row, data))
        break;
    }
  return TRUE;
}

gboolean
ql_script_instance_run_test (QlScriptInstance *self,
                             guint             i)
{
  const QlProgram *p = self->prog;

  g_return_val_if_fail (i < p->tests->len, FALSE);
  clear_sites (self);
  self->sites_ready = FALSE;
  reset_state (self);
  if (!init_sites (self, NULL))
    return FALSE;
  self->sites_ready = TRUE;
  self->bars = NULL;
  return run_event (self, g_array_index (p->tests, guint, i), NULL);
}

/* ---- per-symbol banks (events scripts) ---------------------------------- */


static void
use_bank (QlScriptInstance *self,
          guint             k)
{
  const Bank *b;

  if (self->banks == NULL)
    return;
  b = &self->banks[k];
  self->state = b->state;
  self->rings = b->rings;
  self->site_ready = b->site_ready;
  self->site_stamp = b->site_stamp;
}

static void
free_banks (QlScriptInstance *self)
{
  const QlProgram *p = self->prog;

  if (self->banks == NULL)
    return;
  for (guint k = 1; k < self->n_banks; k++)
    {
      Bank *b = &self->banks[k];

      if (b->state == NULL)
        continue;
      use_bank (self, k);
      clear_sites (self);
      for (guint j = 0; j < p->rings->len; j++)
        g_free (b->rings[j].buf);
      g_free (b->rings);
      g_free (b->state);
      g_free (b->site_ready);
      g_free (b->site_stamp);
    }
  use_bank (self, 0);
  g_clear_pointer (&self->banks, g_free);
  self->n_banks = 0;
}

/* One bank per symbol, each with its ta.* states initialised. */
static gboolean
make_banks (QlScriptInstance *self,
            guint             n)
{
  const QlProgram *p = self->prog;
  g_autoptr (GError) error = NULL;

  if (n <= 1 || (p->ta_sites->len == 0 && p->rings->len == 0))
    return TRUE;
  self->banks = g_new0 (Bank, n);
  self->n_banks = n;
  self->banks[0] = (Bank) { self->state, self->rings, self->site_ready, self->site_stamp };
  for (guint k = 1; k < n; k++)
    {
      Bank *b = &self->banks[k];
      gsize need = MAX (p->state_size, 16) + p->ta_sites->len * (1 + sizeof (gint64))
                   + p->rings->len * sizeof (Ring);

      for (guint j = 0; j < p->rings->len; j++)
        need += ((gsize) self->rings[j].mask + 1) * sizeof (QlValue);
      if (self->memory + need > self->limits.max_memory)
        {
          QlSpan none = { 0 };

          fail_at (self, "R0013", &none, "one state per symbol (%u symbols) needs more than the memory limit of %"
                   G_GSIZE_FORMAT " bytes", n, self->limits.max_memory);
          return FALSE;
        }
      self->memory += need;
      b->state = g_malloc0 (MAX (p->state_size, 16));
      b->site_ready = g_malloc0 (MAX (p->ta_sites->len, 1));
      b->site_stamp = g_new (gint64, MAX (p->ta_sites->len, 1));
      for (guint j = 0; j < p->ta_sites->len; j++)
        b->site_stamp[j] = G_MININT64;
      b->rings = g_new0 (Ring, MAX (p->rings->len, 1));
      for (guint j = 0; j < p->rings->len; j++)
        {
          b->rings[j] = self->banks[0].rings[j];
          b->rings[j].buf = g_new0 (QlValue, (gsize) self->rings[j].mask + 1);
          b->rings[j].head = 0;
          b->rings[j].count = 0;
        }
      use_bank (self, k);
      if (!init_sites (self, &error))
        {
          QlSpan none = { 0 };

          use_bank (self, 0);
          fail_at (self, "R0009", &none, "%s", error->message);
          return FALSE;
        }
      use_bank (self, 0);
    }
  return TRUE;
}

/* ---- the strategy adapter ----------------------------------------------- */

/* A failure outside the bytecode (at a symbol () line). */
static void G_GNUC_PRINTF (4, 5)
fail_at (QlInstance   *I,
         const char   *code,
         const QlSpan *span,
         const char   *format,
         ...)
{
  va_list ap;

  if (I->failed)
    return;
  I->failed = TRUE;
  g_strlcpy (I->err.code, code, sizeof I->err.code);
  va_start (ap, format);
  g_free (I->err.message);
  I->err.message = g_strdup_vprintf (format, ap);
  va_end (ap);
  I->err.span = *span;
  g_free (I->err.trace);
  I->err.trace = NULL;
  I->err.bar_index = -1;
  I->err.time = G_MININT64;
}

/* Each symbol () of the script: the run's symbol of that name, and its
 * bars of the timeframe asked for (subscribed now, in on_start). */
static gboolean
resolve_foreigns (QlInstance *I,
                  QlContext  *ctx)
{
  const QlProgram *p = I->prog;

  for (guint k = 0; k < p->foreigns->len; k++)
    {
      const QlForeign *fo = &g_array_index (p->foreigns, QlForeign, k);
      /* the ticker and timeframe: as written, or the inputs' values */
      const char *ticker = fo->ticker_input > 0
                             ? I->g[g_array_index (p->input_regs, guint16, fo->ticker_input - 1)].s
                             : fo->ticker;
      const char *tfname = fo->tf_input > 0
                             ? I->g[g_array_index (p->input_regs, guint16, fo->tf_input - 1)].s
                             : fo->timeframe;
      char sym[QL_SYMBOL_MAX], ex[QL_EXCHANGE_MAX];
      int found = -1;
      const QlTimeframe *tf;

      if (ticker[0] == '\0')
        {
          /* symbol ("", "1w"): the main symbol on another timeframe */
          found = 0;
          sym[0] = ex[0] = '\0';
        }
      else if (!ql_symbol_normalize (ticker, sym, ex, NULL))
        {
          fail_at (I, "R0016", &fo->span, "\"%s\" is not a symbol", ticker);
          return FALSE;
        }
      for (guint i = 0; i < ql_context_get_n_symbols (ctx) && found < 0; i++)
        {
          const QlInstrument *in = ql_context_get_instrument (ctx, i);

          if (strcmp (in->symbol, sym) == 0
              && (ex[0] == '\0' || in->exchange[0] == '\0' || strcmp (in->exchange, ex) == 0))
            found = (int) i;
        }
      if (found < 0)
        {
          fail_at (I, "R0016", &fo->span,
                   "symbol \"%s\" is not in this run: give its data too (--data %s=FILE or --symbol %s)",
                   ticker, sym, ticker);
          return FALSE;
        }
      I->fsym[k] = (guint) found;
      I->ftf[k] = 0;
      if (tfname[0])
        {
          QlTimeframe want;
          int idx;

          if (!ql_timeframe_parse (tfname, &want, NULL)
              || (idx = ql_context_subscribe (ctx, (guint) found, &want)) < 0)
            {
              fail_at (I, "R0016", &fo->span, "%s bars of %s cannot be built from its data",
                       tfname, ticker[0] ? ticker : "the main symbol");
              return FALSE;
            }
          I->ftf[k] = (guint) idx;
        }
      tf = ql_context_get_timeframe (ctx, (guint) found, I->ftf[k]);
      I->ftf_ns[k] = tf ? ql_timeframe_nominal_ns (tf) : 0;
    }
  return TRUE;
}

static void
st_on_start (QlContext *ctx,
             gpointer   data)
{
  QlScriptInstance *self = data;
  const QlProgram *p = self->prog;

  self->ctx = ctx;
  self->instr = ql_context_get_instrument (ctx, 0);
  self->cur_instr = self->instr;
  self->cur_symbol = 0;
  self->bar_index = -1;
  if (!resolve_foreigns (self, ctx))
    return;
  if (p->mode == QL_MODE_EVENTS && self->banks == NULL
      && !make_banks (self, ql_context_get_n_symbols (ctx)))
    return;
  /* an events script's top level holds declarations: they run once,
   * before on_start */
  if (p->mode == QL_MODE_EVENTS && !run_event (self, 0, NULL))
    return;
  if (p->handlers[QL_EVENT_ON_START] >= 0)
    run_event (self, (guint) p->handlers[QL_EVENT_ON_START], NULL);
}

static void
bar_event (QlScriptInstance *self,
           QlContext        *ctx,
           guint             symbol,
           gboolean          forming)
{
  const QlProgram *p = self->prog;
  const QlSeries *bars = ql_context_get_bars (ctx, symbol, 0);

  if (bars == NULL || bars->len == 0)
    return;
  self->ctx = ctx;
  self->bars = bars;
  self->row_i = bars->len - 1;
  if (p->uses_day)
    self->day = day_of (self->instr, ql_series_i64 (bars, QL_BAR_TIME)[self->row_i]);
  if (forming)
    {
      rollback (self);
      self->forming = TRUE;
      self->bar_index++;
      clear_row (self);
      run_event (self, 0, NULL);
      self->bar_index--;
      self->forming = FALSE;
      return;
    }
  rollback (self);
  if (p->mode == QL_MODE_EVENTS)
    {
      QlValue arg = { .i = symbol };

      /* bar_index counts this symbol's bars */
      if (symbol >= self->n_sym_bars)
        {
          guint n = MAX (symbol + 1, ql_context_get_n_symbols (ctx));

          self->sym_bars = g_renew (gint64, self->sym_bars, n);
          for (guint k = self->n_sym_bars; k < n; k++)
            self->sym_bars[k] = -1;
          self->n_sym_bars = n;
        }
      self->bar_index = ++self->sym_bars[symbol];

      if (p->handlers[QL_EVENT_ON_BAR] >= 0)
        {
          use_bank (self, symbol);
          self->cur_symbol = symbol;
          self->cur_instr = ql_context_get_instrument (ctx, symbol);
          run_event (self, (guint) p->handlers[QL_EVENT_ON_BAR], &arg);
          self->cur_symbol = 0;
          self->cur_instr = self->instr;
          use_bank (self, 0);
        }
      return;
    }
  self->bar_index++;
  clear_row (self);
  if (run_event (self, 0, NULL) && self->row_func)
    self->row_func (ql_series_i64 (bars, QL_BAR_TIME)[self->row_i], self->row, self->row_data);
}

static void
st_on_bar (QlContext *ctx,
           guint      symbol,
           guint      tf,
           gpointer   data)
{
  QlScriptInstance *self = data;

  if (tf != 0 || (symbol != 0 && self->prog->mode != QL_MODE_EVENTS))
    return;
  bar_event (self, ctx, symbol, FALSE);
}

static void
st_on_tick (QlContext    *ctx,
            guint         symbol,
            const QlTick *tick,
            gpointer      data)
{
  QlScriptInstance *self = data;
  const QlProgram *p = self->prog;

  if (p->mode == QL_MODE_EVENTS)
    {
      QlValue arg = { .i = symbol };

      self->ctx = ctx;
      if (p->handlers[QL_EVENT_ON_TICK] >= 0)
        {
          use_bank (self, symbol);
          self->cur_symbol = symbol;
          self->cur_instr = ql_context_get_instrument (ctx, symbol);
          self->bars = ql_context_get_bars (ctx, symbol, 0);
          self->row_i = self->bars && self->bars->len ? self->bars->len - 1 : 0;
          run_event (self, (guint) p->handlers[QL_EVENT_ON_TICK], &arg);
          self->cur_symbol = 0;
          self->cur_instr = self->instr;
          use_bank (self, 0);
        }
      return;
    }
  (void) tick;
  if (symbol == 0 && p->calc_tick)
    bar_event (self, ctx, symbol, TRUE);
}

static void
st_on_fill (QlContext     *ctx,
            const QlOrder *order,
            const QlFill  *fill,
            gpointer       data)
{
  QlScriptInstance *self = data;
  const QlProgram *p = self->prog;
  QlValue arg = { .i = (gint64) order->id };

  (void) fill;
  self->ctx = ctx;
  if (p->handlers[QL_EVENT_ON_ORDER_FILL] >= 0)
    {
      self->cur_symbol = order->req.symbol;
      self->cur_instr = ql_context_get_instrument (ctx, order->req.symbol);
      run_event (self, (guint) p->handlers[QL_EVENT_ON_ORDER_FILL], &arg);
      self->cur_symbol = 0;
      self->cur_instr = self->instr;
    }
}

static void
st_on_position (QlContext        *ctx,
                guint             symbol,
                const QlPosition *position,
                gpointer          data)
{
  QlScriptInstance *self = data;
  const QlProgram *p = self->prog;
  QlValue arg = { .i = symbol };

  (void) position;
  self->ctx = ctx;
  if (p->handlers[QL_EVENT_ON_POSITION_CHANGE] >= 0)
    {
      self->cur_symbol = symbol;
      self->cur_instr = ql_context_get_instrument (ctx, symbol);
      run_event (self, (guint) p->handlers[QL_EVENT_ON_POSITION_CHANGE], &arg);
      self->cur_symbol = 0;
      self->cur_instr = self->instr;
    }
}

static void
st_on_end (QlContext *ctx,
           gpointer   data)
{
  QlScriptInstance *self = data;
  const QlProgram *p = self->prog;

  self->ctx = ctx;
  if (p->handlers[QL_EVENT_ON_END] >= 0)
    run_event (self, (guint) p->handlers[QL_EVENT_ON_END], NULL);
  self->ctx = NULL;
}

QlStrategy
ql_script_instance_get_strategy (QlScriptInstance *self,
                                 QlScriptRowFunc   row,
                                 gpointer          data)
{
  const QlProgram *p = self->prog;
  QlStrategy s;

  memset (&self->klass, 0, sizeof self->klass);
  self->klass.on_start = st_on_start;
  self->klass.on_bar = st_on_bar;
  self->klass.on_end = st_on_end;
  if (p->mode == QL_MODE_EVENTS || p->calc_tick)
    self->klass.on_tick = st_on_tick;
  if (p->handlers[QL_EVENT_ON_ORDER_FILL] >= 0)
    self->klass.on_order_fill = st_on_fill;
  if (p->handlers[QL_EVENT_ON_POSITION_CHANGE] >= 0)
    self->klass.on_position_change = st_on_position;
  self->row_func = row;
  self->row_data = data;
  s.klass = &self->klass;
  s.data = self;
  return s;
}

/* ---- orders ----------------------------------------------------------- */

static gboolean
price_arg (QlInstance    *I,
           const QlValue *v,
           QlPrice       *out,
           const char   **error)
{
  double back;

  if (isnan (v->f))
    {
      *error = "an order price is na";
      return FALSE;
    }
  *out = ql_price_from_double (I->cur_instr, v->f);
  /* a price with more decimals than the instrument has is not rounded
   * here: the order is not sent (the backtester never adjusts prices) */
  back = ql_price_to_double (I->cur_instr, *out);
  if (fabs (back - v->f) > 1e-9 * MAX (1.0, fabs (v->f)))
    {
      *out = 0;
      I->off_grid_any = TRUE;
    }
  return TRUE;
}

/* Whether @q, the fixed-point quantity nearest to @qty (units, > 0), is
 * @qty as written (up to the noise of a double, as for prices). A quantity
 * with more decimals than the instrument's quantity scale is not: rounding
 * it would change the order, so it is not sent. */
static gboolean
qty_exact (const QlInstrument *inst,
           double              qty,
           QlQty               q)
{
  return q > 0 && fabs (ql_qty_to_double (inst, q) - qty) <= 1e-9 * MAX (1.0, fabs (qty));
}

/* Tells the script's log that an order was refused, and why. */
static void
log_reject (QlInstance        *I,
            const QlOrderSite *site,
            const char        *id,
            const char        *why)
{
  g_autofree char *text = g_strdup_printf ("order \"%s\" not sent: %s", id ? id : "", why);

  if (I->log_func)
    I->log_func (1, &site->span, I->bar_index, text, I->log_data);
  else
    g_message ("%s:%u:%u: %s", I->prog->filename, site->span.line, site->span.col, text);
}

/* The refusal of a quantity that is not a whole number of lots: one
 * qty_exact () refused, or one the backtester refused as LOT_SIZE. */
static void
log_reject_lots (QlInstance        *I,
                 const QlOrderSite *site,
                 const char        *id,
                 double             qty)
{
  char q[QL_FORMAT_DOUBLE_MAX], lot[QL_FORMAT_DOUBLE_MAX];
  g_autofree char *why = NULL;

  ql_format_double (qty, q);
  ql_format_double (ql_qty_to_double (I->cur_instr, MAX (I->cur_instr->lot_size, 1)), lot);
  why = g_strdup_printf ("qty %s is not a whole number of lots (lot size %s)", q, lot);
  log_reject (I, site, id, why);
}

static gboolean
vm_order (QlInstance        *I,
          const QlOrderSite *site,
          const QlValue     *args,
          QlValue           *out,
          const char       **error)
{
  QlOrderRequest req = { 0 };
  QlOrderId id = 0;
  const QlPosition *pos;
  gboolean off_lot = FALSE;

  out->i = QL_NA_INT;
  I->off_grid_any = FALSE;
  if (I->ctx == NULL)
    {
      *error = "orders can only be sent while a backtest or a live session runs";
      return FALSE;
    }
  pos = ql_context_get_position (I->ctx, I->cur_symbol);
  switch (site->kind)
    {
    case QL_ORDER_BUY:
    case QL_ORDER_SELL:
    case QL_ORDER_BRACKET:
      req.symbol = I->cur_symbol;
      req.side = site->kind == QL_ORDER_SELL ? QL_SIDE_SELL : QL_SIDE_BUY;
      if (site->kind == QL_ORDER_BRACKET && args[QL_OARG_SIDE].i < 0)
        req.side = QL_SIDE_SELL;
      if (isnan (args[QL_OARG_QTY].f) || args[QL_OARG_QTY].f <= 0)
        return TRUE;  /* a na or non-positive quantity sends nothing (documented) */
      req.quantity = ql_qty_from_double (I->cur_instr, args[QL_OARG_QTY].f);
      off_lot = !qty_exact (I->cur_instr, args[QL_OARG_QTY].f, req.quantity);
      req.type = QL_ORDER_MARKET;
      if (site->has[QL_OARG_LIMIT] && site->has[QL_OARG_STOP])
        {
          req.type = QL_ORDER_STOP_LIMIT;
          if (!price_arg (I, &args[QL_OARG_LIMIT], &req.limit_price, error)
              || !price_arg (I, &args[QL_OARG_STOP], &req.stop_price, error))
            return FALSE;
        }
      else if (site->has[QL_OARG_LIMIT])
        {
          req.type = QL_ORDER_LIMIT;
          if (!price_arg (I, &args[QL_OARG_LIMIT], &req.limit_price, error))
            return FALSE;
        }
      else if (site->has[QL_OARG_STOP] && site->kind != QL_ORDER_BRACKET)
        {
          req.type = QL_ORDER_STOP;
          if (!price_arg (I, &args[QL_OARG_STOP], &req.stop_price, error))
            return FALSE;
        }
      if (site->kind == QL_ORDER_BRACKET)
        {
          if (!price_arg (I, &args[QL_OARG_TAKE], &req.take_profit, error)
              || !price_arg (I, &args[QL_OARG_STOP], &req.stop_loss, error))
            return FALSE;
        }
      if (site->has[QL_OARG_TIF])
        {
          const char *tif = args[QL_OARG_TIF].s;

          if (strcmp (tif, "gtc") == 0)
            req.tif = QL_TIF_GTC;
          else if (strcmp (tif, "day") == 0)
            req.tif = QL_TIF_DAY;
          else if (strcmp (tif, "ioc") == 0)
            req.tif = QL_TIF_IOC;
          else if (strcmp (tif, "fok") == 0)
            req.tif = QL_TIF_FOK;
          else
            {
              *error = "tif must be \"gtc\", \"day\", \"ioc\" or \"fok\"";
              return FALSE;
            }
        }
      req.oco_group = site->oco_group;
      if (off_lot)
        {
          /* the backtester cannot hold it as written: not sent, as a price
           * off the price grid (a quantity it can hold but not a multiple
           * of the lot size goes to it, and it refuses it as LOT_SIZE) */
          log_reject_lots (I, site, args[QL_OARG_ID].s, args[QL_OARG_QTY].f);
          return TRUE;
        }
      if (I->off_grid_any)
        {
          log_reject (I, site, args[QL_OARG_ID].s,
                      "a price has more decimals than the symbol's price grid; "
                      "round it with math.round_to_mintick");
          return TRUE;
        }
      {
        QlRejectReason why = ql_context_submit (I->ctx, &req, &id);

        if (why != QL_REJECT_NONE)
          {
            const char *text = ql_context_get_reject_text (I->ctx);

            if (why == QL_REJECT_LOT_SIZE)
              log_reject_lots (I, site, args[QL_OARG_ID].s, args[QL_OARG_QTY].f);
            else
              log_reject (I, site, args[QL_OARG_ID].s,
                          text && text[0] ? text : ql_reject_reason_to_string (why));
          }
      }
      g_hash_table_insert (I->order_ids, (gpointer) args[QL_OARG_ID].s, GSIZE_TO_POINTER ((gsize) id));
      out->i = (gint64) id;
      return TRUE;
    case QL_ORDER_EXIT:
      {
        QlQty qty = pos->qty;
        const char *name = args[QL_OARG_ID].s;

        /* exit (id): the quantity that entry filled, at most the position;
         * exit (all): the whole position. */
        if (name && strcmp (name, "\001all") != 0)
          {
            gpointer v = g_hash_table_lookup (I->order_ids, name);
            const QlOrder *o = v ? ql_context_get_order (I->ctx, (QlOrderId) GPOINTER_TO_SIZE (v)) : NULL;

            if (o == NULL || o->filled == 0)
              return TRUE;
            if ((o->req.side == QL_SIDE_BUY) != (pos->qty > 0))
              return TRUE;
            qty = pos->qty > 0 ? MIN (pos->qty, o->filled) : MAX (pos->qty, -o->filled);
          }
        if (qty == 0)
          return TRUE;
        req.symbol = I->cur_symbol;
        req.side = qty > 0 ? QL_SIDE_SELL : QL_SIDE_BUY;
        req.type = QL_ORDER_MARKET;
        req.quantity = qty > 0 ? qty : -qty;
        req.reduce_only = TRUE;
        ql_context_submit (I->ctx, &req, &id);
        out->i = (gint64) id;
        return TRUE;
      }
    case QL_ORDER_CANCEL:
    default:
      {
        QlOrderId target = 0;

        if (site->has[QL_OARG_SIDE])  /* an order handle */
          target = args[QL_OARG_ID].i == QL_NA_INT ? 0 : (QlOrderId) args[QL_OARG_ID].i;
        else if (args[QL_OARG_ID].s && strcmp (args[QL_OARG_ID].s, "\001all") == 0)
          {
            guint n;
            const QlOrderId *live = ql_context_get_live_orders (I->ctx, I->cur_symbol, &n);
            g_autofree QlOrderId *copy = g_memdup2 (live, n * sizeof *live);

            for (guint k = 0; k < n; k++)
              ql_context_cancel (I->ctx, copy[k]);
            return TRUE;
          }
        else
          {
            gpointer v = g_hash_table_lookup (I->order_ids, args[QL_OARG_ID].s);
            target = v ? (QlOrderId) GPOINTER_TO_SIZE (v) : 0;
          }
        if (target)
          {
            const QlOrder *o = ql_context_get_order (I->ctx, target);
            if (o && !ql_order_state_is_terminal (o->state))
              ql_context_cancel (I->ctx, target);
          }
        return TRUE;
      }
    }
}

/* ---- program accessors ---------------------------------------------------- */

QlScriptMode
ql_program_get_mode (const QlProgram *self)
{
  return self->mode;
}

const char *
ql_program_get_title (const QlProgram *self)
{
  return self->title;
}

const char *
ql_program_get_filename (const QlProgram *self)
{
  return self->filename;
}

const char *
ql_program_get_source (const QlProgram *self)
{
  return self->source;
}

gboolean
ql_program_get_calc_tick (const QlProgram *self)
{
  return self->calc_tick;
}

const char *
ql_program_explain (const QlProgram *self)
{
  return self->explain->str;
}

guint
ql_program_get_bar_lookback (const QlProgram *self)
{
  guint n = self->bar_lookback;

  /* other symbols' series are kept as long as the main one */
  for (guint k = 0; k < self->foreigns->len; k++)
    n = MAX (n, g_array_index (self->foreigns, QlForeign, k).lookback + 1);
  return n;
}

guint
ql_program_get_n_inputs (const QlProgram *self)
{
  return self->inputs->len;
}

const QlScriptInput *
ql_program_get_input (const QlProgram *self,
                      guint            i)
{
  return &g_array_index (self->inputs, QlScriptInput, i);
}

guint
ql_program_get_n_plots (const QlProgram *self)
{
  return self->plots->len;
}

const QlScriptPlot *
ql_program_get_plot (const QlProgram *self,
                     guint            i)
{
  return &g_array_index (self->plots, QlScriptPlot, i);
}

guint
ql_program_get_n_columns (const QlProgram *self)
{
  return self->n_columns;
}

const char *
ql_program_get_column_name (const QlProgram *self,
                            guint            i)
{
  return i < self->column_names->len ? g_ptr_array_index (self->column_names, i) : NULL;
}

guint
ql_program_get_n_tests (const QlProgram *self)
{
  return self->tests->len;
}

const char *
ql_program_get_test_name (const QlProgram *self,
                          guint            i)
{
  return g_array_index (self->test_names, char *, i);
}

const char *
ql_instance_scratch (QlInstance *inst,
                     const char *text)
{
  inst->scratch_used = TRUE;
  return g_string_chunk_insert (inst->scratch, text);
}

const QlInstrument *
ql_instance_get_instrument (QlInstance *inst)
{
  return inst->instr;
}

/* ---- account values --------------------------------------------------- */

static const char *
acc_equity (QlInstance *I, const QlValue *a, guint n, QlValue *out)
{
  (void) a;
  (void) n;
  out->f = I->ctx ? ql_money_to_double (ql_context_get_equity (I->ctx)) : NAN;
  return NULL;
}

static const char *
acc_cash (QlInstance *I, const QlValue *a, guint n, QlValue *out)
{
  (void) a;
  (void) n;
  out->f = I->ctx ? ql_money_to_double (ql_context_get_balance (I->ctx)) : NAN;
  return NULL;
}

static const char *
acc_position_size (QlInstance *I, const QlValue *a, guint n, QlValue *out)
{
  (void) a;
  (void) n;
  out->f = I->ctx ? ql_qty_to_double (I->cur_instr, ql_context_get_position (I->ctx, I->cur_symbol)->qty) : NAN;
  return NULL;
}

static const char *
acc_position_avg (QlInstance *I, const QlValue *a, guint n, QlValue *out)
{
  const QlPosition *pos;

  (void) a;
  (void) n;
  pos = I->ctx ? ql_context_get_position (I->ctx, I->cur_symbol) : NULL;
  out->f = pos && pos->qty != 0 ? pos->avg_price : NAN;
  return NULL;
}

static const char *
acc_open_orders (QlInstance *I, const QlValue *a, guint n, QlValue *out)
{
  guint count = 0;

  (void) a;
  (void) n;
  if (I->ctx)
    ql_context_get_live_orders (I->ctx, I->cur_symbol, &count);
  out->i = count;
  return NULL;
}

static const char *
acc_mintick (QlInstance *I, const QlValue *a, guint n, QlValue *out)
{
  (void) a;
  (void) n;
  out->f = I->cur_instr ? ql_price_to_double (I->cur_instr, I->cur_instr->tick_size) : NAN;
  return NULL;
}

static const char *
acc_ticker (QlInstance *I, const QlValue *a, guint n, QlValue *out)
{
  (void) a;
  (void) n;
  out->s = I->cur_instr ? ql_instance_scratch (I, I->cur_instr->symbol) : "";
  return NULL;
}

QlBuiltinFn
ql_vm_account_fn (int id)
{
  switch (id)
    {
    case QL_B_EQUITY: return acc_equity;
    case QL_B_CASH: return acc_cash;
    case QL_B_POSITION_SIZE: return acc_position_size;
    case QL_B_POSITION_AVG_PRICE: return acc_position_avg;
    case QL_B_OPEN_ORDERS: return acc_open_orders;
    case QL_B_MINTICK: return acc_mintick;
    case QL_B_TICKER: return acc_ticker;
    default: return NULL;
    }
}

/* ---- disassembly ------------------------------------------------------- */

char *
ql_program_disassemble (const QlProgram *self)
{
  static const char *const names[] = {
#define QL_OP_NAME(name) #name,
    QL_OPCODES (QL_OP_NAME)
#undef QL_OP_NAME
  };
  GString *out = g_string_new (NULL);

  for (guint f = 0; f < self->funcs->len; f++)
    {
      const QlFunc *fn = func_at (self, f);

      g_string_append_printf (out, "function %u: %s (%u registers, %u parameters)\n", f, fn->name,
                              fn->n_regs, fn->n_params);
      for (guint pc = 0; pc < fn->code->len; pc++)
        {
          const QlInsn *in = &g_array_index (fn->code, QlInsn, pc);
          QlSpan sp = span_at (self, f, pc);

          g_string_append_printf (out, "  %4u  %-10s %5u %5u %5u    ; %u:%u\n", pc, names[in->op],
                                  in->a, in->b, in->c, sp.line, sp.col);
        }
    }
  return g_string_free (out, FALSE);
}
