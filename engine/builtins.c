/* engine/builtins.c — buy_and_hold and sma_cross (rules in engine/builtins.h). */
#define G_LOG_DOMAIN "ql-engine-builtins"

#include "engine/builtins.h"

#include <string.h>

G_DEFINE_QUARK (ql-builtin-error-quark, ql_builtin_error)

typedef enum
{
  KIND_BUY_AND_HOLD,
  KIND_SMA_CROSS,
} Kind;

typedef struct
{
  gint64 *ring;        /* the last max (fast, slow) closes, price units */
  gint64 count;        /* closes seen */
  gint64 head;         /* count % window: where the next close goes */
  gint64 out_fast;     /* (count - fast) % window, once count >= fast */
  gint64 out_slow;     /* (count - slow) % window, once count >= slow */
  gint64 sum_fast;
  gint64 sum_slow;
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
    g_free (self->st[i].ring);
  g_clear_pointer (&self->st, g_free);
  self->n = 0;
}

static void
on_start (QlContext *ctx, gpointer data)
{
  QlBuiltin *self = data;
  gint64 w = MAX (self->fast, self->slow);

  state_clear (self);
  self->n = ql_context_get_n_symbols (ctx);
  self->st = g_new0 (SymState, MAX (self->n, 1));
  for (guint i = 0; i < self->n; i++)
    {
      self->st[i].qty = ql_qty_from_double (ql_context_get_instrument (ctx, i), self->qty);
      self->st[i].prev = 2;
      if (self->kind == KIND_SMA_CROSS)
        self->st[i].ring = g_new0 (gint64, w);
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
  const QlSeries *bars;
  const gint64 w = MAX (self->fast, self->slow);
  gint64 close;
  int sign;

  if (tf != 0)
    return;
  bars = ql_context_get_bars (ctx, symbol, 0);
  close = ql_price_from_double (ql_context_get_instrument (ctx, symbol),
                                ql_series_f64 (bars, QL_BAR_CLOSE)[bars->len - 1]);

  /* Running sums over the ring: the close leaving the fast window is the
   * one fast bars back. Indices wrap by compare, not by division. */
  {
    gint64 *ring = s->ring, count = s->count, head = s->head;
    gint64 sum_fast = s->sum_fast, sum_slow = s->sum_slow;

    if (count >= self->fast)
      {
        sum_fast -= ring[s->out_fast];
        s->out_fast = s->out_fast + 1 == w ? 0 : s->out_fast + 1;
      }
    if (count >= self->slow)
      {
        sum_slow -= ring[s->out_slow];
        s->out_slow = s->out_slow + 1 == w ? 0 : s->out_slow + 1;
      }
    ring[head] = close;
    s->head = head + 1 == w ? 0 : head + 1;
    s->sum_fast = sum_fast + close;
    s->sum_slow = sum_slow + close;
    s->count = count + 1;
    if (count + 1 < w)
      return;
  }

  {
    __int128 lhs = (__int128) s->sum_fast * self->slow;
    __int128 rhs = (__int128) s->sum_slow * self->fast;
    sign = lhs > rhs ? 1 : lhs < rhs ? -1 : 0;
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

const QlStrategy *
ql_builtin_get_strategy (QlBuiltin *self)
{
  return &self->strategy;
}
