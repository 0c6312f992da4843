/* engine/builtins.c — buy_and_hold and sma_cross (rules in engine/builtins.h). */
#define G_LOG_DOMAIN "ql-engine-builtins"

#include "engine/builtins.h"

#include "engine/ta.h"

#include <math.h>
#include <string.h>

G_DEFINE_QUARK (ql-builtin-error-quark, ql_builtin_error)

typedef enum
{
  KIND_BUY_AND_HOLD,
  KIND_SMA_CROSS,
} Kind;

typedef struct
{
  QlTaSma fast, slow;  /* sma_cross */
  const QlSeries *bars; /* the run's timeframe, for the run */
  int prev;            /* sign of F - S on the previous bar; 2: undefined */
  gboolean bought;     /* buy_and_hold */
  QlQty qty;
} SymState;

struct QlBuiltin
{
  Kind kind;
  gint64 fast;
  gint64 slow;
  double qty;
  QlStrategy strategy;
  SymState *st;
  guint n;
};

static const char *const names[] = { "buy_and_hold", "sma_cross", NULL };
static const char *const params_bh[] = { "qty", NULL };
static const char *const params_sma[] = { "fast", "slow", "qty", NULL };

const char *const *
ql_builtin_list (void)
{
  return names;
}

static void
state_clear (QlBuiltin *self)
{
  for (guint i = 0; i < self->n; i++)
    if (self->kind == KIND_SMA_CROSS)
      {
        ql_ta_sma_clear (&self->st[i].fast);
        ql_ta_sma_clear (&self->st[i].slow);
      }
  g_clear_pointer (&self->st, g_free);
  self->n = 0;
}

static void
on_start (QlContext *ctx, gpointer data)
{
  QlBuiltin *self = data;

  state_clear (self);
  self->n = ql_context_get_n_symbols (ctx);
  self->st = g_new0 (SymState, MAX (self->n, 1));
  for (guint i = 0; i < self->n; i++)
    {
      self->st[i].qty = ql_qty_from_double (ql_context_get_instrument (ctx, i), self->qty);
      self->st[i].prev = 2;
      self->st[i].bars = ql_context_get_bars (ctx, i, 0);
      if (self->kind == KIND_SMA_CROSS)
        {
          ql_ta_sma_init (&self->st[i].fast, (int) self->fast);
          ql_ta_sma_init (&self->st[i].slow, (int) self->slow);
        }
    }
}

static void
bh_on_bar (QlContext *ctx, guint symbol, guint tf, gpointer data)
{
  QlBuiltin *self = data;
  SymState *s = &self->st[symbol];

  if (tf != 0 || s->bought)
    return;
  s->bought = TRUE;
  ql_context_market (ctx, symbol, QL_SIDE_BUY, s->qty);
}

static void
sma_on_bar (QlContext *ctx, guint symbol, guint tf, gpointer data)
{
  QlBuiltin *self = data;
  SymState *s = &self->st[symbol];
  const QlSeries *bars = s->bars;
  double close;
  int sign;

  if (tf != 0)
    return;
  close = ql_series_f64 (bars, QL_BAR_CLOSE)[bars->len - 1];
  {
    /* the step in line: ql_ta_sma_update () is this call */
    double f = ql_ta_sma_step (&s->fast, close, TRUE);
    double sl = ql_ta_sma_step (&s->slow, close, TRUE);

    /* both averages defined from the bar where the longer one fills up;
     * an undefined one makes the next bar's previous sign undefined too,
     * as ta.crossover treats na */
    if (isnan (f) || isnan (sl))
      {
        s->prev = 2;
        return;
      }
    sign = f > sl ? 1 : f < sl ? -1 : 0;
  }
  if (s->prev != 2)
    {
      if (sign > 0 && s->prev <= 0)
        ql_context_market (ctx, symbol, QL_SIDE_BUY, s->qty);
      else if (sign < 0 && s->prev >= 0)
        {
          QlQty pos = ql_context_get_position (ctx, symbol)->qty;
          if (pos > 0)
            {
              QlOrderRequest req = { 0 };
              req.symbol = symbol;
              req.side = QL_SIDE_SELL;
              req.type = QL_ORDER_MARKET;
              req.quantity = pos;
              req.reduce_only = TRUE;
              ql_context_submit (ctx, &req, NULL);
            }
        }
    }
  s->prev = sign;
}

static const QlStrategyClass bh_class = {
  .on_start = on_start,
  .on_bar = bh_on_bar,
};

static const QlStrategyClass sma_class = {
  .on_start = on_start,
  .on_bar = sma_on_bar,
};

QlBuiltin *
ql_builtin_new (const char *name, GError **error)
{
  QlBuiltin *self;

  g_return_val_if_fail (name != NULL, NULL);
  self = g_new0 (QlBuiltin, 1);
  self->qty = 1;
  self->fast = 10;
  self->slow = 30;
  self->strategy.data = self;
  if (strcmp (name, "buy_and_hold") == 0)
    {
      self->kind = KIND_BUY_AND_HOLD;
      self->strategy.klass = &bh_class;
    }
  else if (strcmp (name, "sma_cross") == 0)
    {
      self->kind = KIND_SMA_CROSS;
      self->strategy.klass = &sma_class;
    }
  else
    {
      g_set_error (error, QL_BUILTIN_ERROR, QL_BUILTIN_ERROR_UNKNOWN,
                   "unknown builtin \"%s\" (known: buy_and_hold, sma_cross)", name);
      g_free (self);
      return NULL;
    }
  return self;
}

void
ql_builtin_free (QlBuiltin *self)
{
  if (self == NULL)
    return;
  state_clear (self);
  g_free (self);
}

const char *const *
ql_builtin_get_param_names (const QlBuiltin *self)
{
  return self->kind == KIND_SMA_CROSS ? params_sma : params_bh;
}

gboolean
ql_builtin_set_param (QlBuiltin  *self,
                      const char *key,
                      const char *value,
                      GError    **error)
{
  const char *const *p;
  char *end = NULL;

  g_return_val_if_fail (self != NULL && key != NULL && value != NULL, FALSE);
  for (p = ql_builtin_get_param_names (self); *p != NULL; p++)
    if (strcmp (*p, key) == 0)
      break;
  if (*p == NULL)
    {
      g_set_error (error, QL_BUILTIN_ERROR, QL_BUILTIN_ERROR_UNKNOWN,
                   "%s has no parameter \"%s\"",
                   self->kind == KIND_SMA_CROSS ? "sma_cross" : "buy_and_hold", key);
      return FALSE;
    }
  if (strcmp (key, "qty") == 0)
    {
      double v = g_ascii_strtod (value, &end);
      if (end == value || *end != '\0' || !(v > 0) || v > 1e12)
        {
          g_set_error (error, QL_BUILTIN_ERROR, QL_BUILTIN_ERROR_BAD_VALUE,
                       "qty \"%s\" is not a positive number", value);
          return FALSE;
        }
      self->qty = v;
      return TRUE;
    }
  {
    gint64 v = g_ascii_strtoll (value, &end, 10);
    if (end == value || *end != '\0' || v < 1 || v > 100000)
      {
        g_set_error (error, QL_BUILTIN_ERROR, QL_BUILTIN_ERROR_BAD_VALUE,
                     "%s \"%s\" is not an integer from 1 to 100000", key, value);
        return FALSE;
      }
    if (strcmp (key, "fast") == 0)
      self->fast = v;
    else
      self->slow = v;
  }
  return TRUE;
}

gboolean
ql_builtin_check (const QlBuiltin           *self,
                  const QlInstrument *const *insts,
                  guint                      n_insts,
                  GError                   **error)
{
  g_return_val_if_fail (self != NULL && (insts != NULL || n_insts == 0), FALSE);
  if (self->kind == KIND_SMA_CROSS && self->fast >= self->slow)
    {
      g_set_error (error, QL_BUILTIN_ERROR, QL_BUILTIN_ERROR_PARAMS,
                   "sma_cross needs fast < slow, got fast=%" G_GINT64_FORMAT " slow=%" G_GINT64_FORMAT,
                   self->fast, self->slow);
      return FALSE;
    }
  for (guint i = 0; i < n_insts; i++)
    {
      const QlInstrument *inst = insts[i];
      /* qty in quantity units: whole up to the double's own error (0.07 at
       * scale 2 is 7.000000000000001), and then a multiple of the lot. */
      double units = self->qty * pow (10, inst->qty_scale);
      double whole = nearbyint (units);
      if (fabs (units - whole) > 1e-9 * MAX (1.0, fabs (units)) || whole < 1 ||
          fmod (whole, (double) inst->lot_size) != 0)
        {
          g_set_error (error, QL_BUILTIN_ERROR, QL_BUILTIN_ERROR_LOT_SIZE,
                       "qty %.15g is not a whole number of lots of %s (lot size %.15g): "
                       "nothing is rounded",
                       self->qty, inst->symbol, ql_qty_to_double (inst, inst->lot_size));
          return FALSE;
        }
    }
  return TRUE;
}

const QlStrategy *
ql_builtin_get_strategy (QlBuiltin *self)
{
  return &self->strategy;
}
