/* engine/broker.c — working orders and the fill simulator (rules in
 * engine/broker.h).
 *
 * Matching works in "buy space": a sell order's prices are negated, so a
 * sell limit at L is a buy limit at -L and a sell stop a buy stop; one set
 * of comparisons serves both sides. A path position (segment, distance moved
 * along it) orders the fills of one event. */
#define G_LOG_DOMAIN "ql-engine-broker"

#include "engine/broker.h"

#include <math.h>
#include <string.h>

typedef __int128 i128;

/* TRUE when *dst = a + b did not overflow. */
#define add_ok(dst, a, b) (!__builtin_add_overflow ((a), (b), (dst)))

/* Bracket children share an OCO group out of the strategy's range. */
#define BRACKET_GROUP_BIT 0x80000000u

#define ORDER_BLOCK 1024 /* orders per block of the order store */

struct QlBroker
{
  QlBrokerConfig cfg;
  QlPortfolio *portfolio;  /* not owned */
  guint n_symbols;
  /* QlOrder, index = id - 1, in blocks of ORDER_BLOCK that never move: an
   * order's address is stable, and growing never copies the orders made so
   * far (one doubling array of 216-byte orders copied 8 MB and touched 16
   * MB of fresh pages when a sweep's run passed 38,837 orders: 15 % of a
   * 1M-bar run). */
  QlOrder **order_blocks;
  guint n_orders, n_order_blocks;
  guint live_changes;      /* grows whenever a live list gains or loses an order,
                            * and at every fill */
  GArray **live;           /* per symbol: guint order indices, ascending */
  GArray *fills;           /* QlFill */
  GArray *cands;           /* Cand, scratch */
  QlBrokerCheckFunc check;
  gpointer check_data;
  char reject_text[160];
  GArray *deferred;        /* Deferred, in request order; empty on most runs */
  QlTimeNs deferred_at;    /* earliest Deferred.at, G_MAXINT64 when empty */
};

typedef enum
{
  DEFER_CANCEL,
  DEFER_MODIFY,
  DEFER_TRAIL,
} DeferKind;

/* A cancel or modification that takes effect at @at (see
 * ql_broker_cancel_at ()). */
typedef struct
{
  QlTimeNs at;
  QlOrderId id;
  DeferKind kind;
  QlQty quantity;          /* DEFER_MODIFY */
  QlPrice limit_price;
  QlPrice stop_price;
  QlPrice trail_amount;    /* DEFER_TRAIL */
  gint64 trail_ppm;
} Deferred;

typedef struct
{
  int seg;                 /* 0: at the open / the tick; k: segment k of the path */
  gint64 dist;             /* price moved along the segment */
  gint64 price_b;          /* fill price in buy space, before slippage */
  gboolean slip;           /* market-like: slippage applies */
} Hit;

typedef struct
{
  guint index;             /* order index */
  Hit hit;
} Cand;

/* One event, in real prices. */
typedef struct
{
  QlTimeNs time;
  int np;                  /* 1 for a tick, 4 for a bar */
  QlPrice pts[4];          /* trade (trigger) prices along the path */
  QlPrice trig_buy;        /* point 0 as buy orders see it */
  QlPrice trig_sell;       /* point 0 as sell orders see it */
  QlPrice exec_buy;        /* where a market buy fills at point 0 */
  QlPrice exec_sell;
  gboolean quotes;
  gboolean bar;
  QlQty volume;            /* 0: unknown */
} Event;

const char *
ql_reject_reason_to_string (QlRejectReason reason)
{
  switch (reason)
    {
#define QL_REJECT_CASE(name, text) \
  case QL_REJECT_##name:           \
    return text;
      QL_REJECT_MAP (QL_REJECT_CASE)
#undef QL_REJECT_CASE
    default:
      return "unknown reason";
    }
}

QlBroker *
ql_broker_new (const QlBrokerConfig *config,
               QlPortfolio          *portfolio)
{
  QlBroker *self;

  g_return_val_if_fail (config != NULL && portfolio != NULL, NULL);
  g_return_val_if_fail (config->latency_ns >= 0, NULL);
  self = g_new0 (QlBroker, 1);
  self->cfg = *config;
  self->portfolio = portfolio;
  self->n_symbols = ql_portfolio_get_n_symbols (portfolio);
  self->order_blocks = NULL;
  self->live = g_new0 (GArray *, MAX (self->n_symbols, 1));
  for (guint i = 0; i < self->n_symbols; i++)
    self->live[i] = g_array_new (FALSE, FALSE, sizeof (guint));
  self->fills = g_array_new (FALSE, FALSE, sizeof (QlFill));
  self->cands = g_array_new (FALSE, FALSE, sizeof (Cand));
  self->deferred = g_array_new (FALSE, FALSE, sizeof (Deferred));
  self->deferred_at = G_MAXINT64;
  return self;
}

void
ql_broker_free (QlBroker *self)
{
  if (self == NULL)
    return;
  for (guint i = 0; i < self->n_symbols; i++)
    g_array_unref (self->live[i]);
  g_free (self->live);
  for (guint i = 0; i < self->n_order_blocks; i++)
    g_free (self->order_blocks[i]);
  g_free (self->order_blocks);
  g_array_unref (self->fills);
  g_array_unref (self->cands);
  g_array_unref (self->deferred);
  g_free (self);
}

void
ql_broker_set_check (QlBroker         *self,
                     QlBrokerCheckFunc func,
                     gpointer          data)
{
  self->check = func;
  self->check_data = data;
}

const char *
ql_broker_get_reject_text (const QlBroker *self)
{
  return self->reject_text;
}

guint
ql_broker_get_live_changes (const QlBroker *self)
{
  return self->live_changes;
}

gboolean
ql_broker_has_live (const QlBroker *self, guint symbol)
{
  return self->live[symbol]->len != 0;
}

static inline QlOrder *
order_at (const QlBroker *self, guint index)
{
  return &self->order_blocks[index / ORDER_BLOCK][index % ORDER_BLOCK];
}

const QlOrder *
ql_broker_get_order (const QlBroker *self, QlOrderId id)
{
  if (id == 0 || id > self->n_orders)
    return NULL;
  return order_at (self, id - 1);
}

guint
ql_broker_get_n_orders (const QlBroker *self)
{
  return self->n_orders;
}

const QlOrderId *
ql_broker_get_live (const QlBroker *self, guint symbol, guint *n_live)
{
  /* Ids are indices + 1; the live array holds indices, so hand out a view
   * rebuilt in the scratch space would allocate: keep ids instead. */
  g_return_val_if_fail (symbol < self->n_symbols, NULL);
  *n_live = self->live[symbol]->len;
  return (const QlOrderId *) (void *) self->live[symbol]->data;
}

const QlFill *
ql_broker_get_fills (const QlBroker *self, gsize *n_fills)
{
  *n_fills = self->fills->len;
  return (const QlFill *) (void *) self->fills->data;
}

void
ql_broker_clear_fills (QlBroker *self)
{
  g_array_set_size (self->fills, 0);
}

static const QlInstrument *
inst_of (const QlBroker *self, guint symbol)
{
  return ql_portfolio_get_symbol (self->portfolio, symbol)->inst;
}

static gboolean
on_grid (QlPrice price, QlPrice tick)
{
  return price > 0 && price % tick == 0;
}

/* Smallest multiple of @tick >= @v (any sign). */
static gint64
ceil_grid (gint64 v, gint64 tick)
{
  gint64 q = v / tick;
  if (q * tick < v)
    q++;
  return q * tick;
}

/* A6: the end of the session of the trading day containing @t (UTC, in
 * the instrument's zone, so a DST change moves it with the local clock).
 * The day begins at session_start_min (engine/instrument.h); the session
 * closes at session_end_min of the same local date, or of the next one
 * when it does not close after it opens (an overnight session; a 24 h
 * session closes when the next day begins). @t is inside the session when
 * it is before the returned time. */
static QlTimeNs
session_end_of (const QlInstrument *inst, QlTimeNs t)
{
  gint64 label, days;

  ql_instrument_trading_day (inst, t, NULL, NULL, &label);
  /* the day is labelled after its next date when it opens at noon or later */
  days = label - (inst->session_start_min >= 720 ? 1 : 0);
  if (inst->session_end_min <= inst->session_start_min)
    days++;
  return ql_instrument_local_to_utc (inst, days, inst->session_end_min);
}

/* Live lists hold ids (index + 1), ascending. */
static void
live_add (QlBroker *self, guint symbol, QlOrderId id)
{
  g_array_append_val (self->live[symbol], id);
  self->live_changes++;
}

static QlOrder *
new_order (QlBroker *self, const QlOrderRequest *req, QlTimeNs now)
{
  QlOrder o = { 0 };

  o.id = self->n_orders + 1;
  o.req = *req;
  o.state = QL_ORDER_PENDING;
  o.created = now;
  o.active_from = now + self->cfg.latency_ns;
  o.expires = G_MAXINT64;
  if (self->n_orders % ORDER_BLOCK == 0)
    {
      self->order_blocks = g_renew (QlOrder *, self->order_blocks, self->n_order_blocks + 1);
      self->order_blocks[self->n_order_blocks++] = g_new (QlOrder, ORDER_BLOCK);
    }
  *order_at (self, self->n_orders) = o;
  self->n_orders++;
  return order_at (self, o.id - 1);
}

static QlRejectReason
validate (QlBroker *self, const QlOrderRequest *req, QlTimeNs now)
{
  const QlInstrument *inst;

  if (req->symbol >= self->n_symbols)
    return QL_REJECT_UNKNOWN_SYMBOL;
  inst = inst_of (self, req->symbol);
  if (req->quantity <= 0 || (req->side != QL_SIDE_BUY && req->side != QL_SIDE_SELL))
    return QL_REJECT_BAD_QUANTITY;
  if (req->quantity % inst->lot_size != 0)
    return QL_REJECT_LOT_SIZE;
  switch (req->type)
    {
    case QL_ORDER_MARKET:
      break;
    case QL_ORDER_LIMIT:
      if (req->limit_price <= 0)
        return QL_REJECT_BAD_PRICE;
      if (!on_grid (req->limit_price, inst->tick_size))
        return QL_REJECT_TICK_SIZE;
      break;
    case QL_ORDER_STOP:
      if (req->stop_price <= 0)
        return QL_REJECT_BAD_PRICE;
      if (!on_grid (req->stop_price, inst->tick_size))
        return QL_REJECT_TICK_SIZE;
      break;
    case QL_ORDER_STOP_LIMIT:
      if (req->stop_price <= 0 || req->limit_price <= 0)
        return QL_REJECT_BAD_PRICE;
      if (!on_grid (req->stop_price, inst->tick_size) || !on_grid (req->limit_price, inst->tick_size))
        return QL_REJECT_TICK_SIZE;
      break;
    case QL_ORDER_TRAILING_STOP:
      if (req->trail_amount < 0 || req->trail_ppm < 0
          || (req->trail_amount == 0 && (req->trail_ppm == 0 || req->trail_ppm >= 1000000)))
        return QL_REJECT_BAD_PRICE;
      if (req->trail_amount > 0 && req->trail_amount % inst->tick_size != 0)
        return QL_REJECT_TICK_SIZE;
      break;
    default:
      return QL_REJECT_BAD_PRICE;
    }
  if (req->take_profit < 0 || req->stop_loss < 0)
    return QL_REJECT_BAD_PRICE;
  if ((req->take_profit > 0 && !on_grid (req->take_profit, inst->tick_size))
      || (req->stop_loss > 0 && !on_grid (req->stop_loss, inst->tick_size)))
    return QL_REJECT_TICK_SIZE;
  if ((guint) req->tif > QL_TIF_GTD || (req->tif == QL_TIF_GTD && req->expire_time <= now))
    return QL_REJECT_BAD_TIF;
  if (req->oco_group & BRACKET_GROUP_BIT)
    return QL_REJECT_BAD_PRICE;
  return QL_REJECT_NONE;
}

static gint64 trail_stop_of (const QlOrder *o, gint64 ext, gint64 tick);

/* The checks that depend on the account: reduce-only, short selling,
 * buying power and the account check, for @req adding @req->quantity to
 * the position. @force skips the last two. Writes reject_text on an account
 * refusal. */
static QlRejectReason
check_position (QlBroker *self, const QlOrderRequest *req, gboolean force)
{
  const QlPosition *p = ql_portfolio_get_position (self->portfolio, req->symbol);
  QlQty d = req->side == QL_SIDE_BUY ? req->quantity : -req->quantity;
  QlQty pos = p->qty, after;
  QlPrice est;

  if (!add_ok (&after, pos, d))
    return QL_REJECT_OVERFLOW;
  if (req->reduce_only && (pos == 0 || (pos > 0) == (d > 0)))
    return QL_REJECT_REDUCE_ONLY;
  if (!self->cfg.allow_short && after < 0 && !req->reduce_only)
    return QL_REJECT_SHORT_SELLING;
  if (force)
    return QL_REJECT_NONE;
  if (!req->reduce_only)
    {
      est = req->type == QL_ORDER_LIMIT || req->type == QL_ORDER_STOP_LIMIT ? req->limit_price
            : req->type == QL_ORDER_STOP ? req->stop_price
                                           : p->last_price;
      if (est > 0 && !ql_portfolio_can_afford (self->portfolio, req->symbol, d, est))
        return QL_REJECT_BUYING_POWER;
    }
  if (self->check != NULL)
    {
      gboolean blocked = FALSE;
      double after_d = ql_qty_to_double (inst_of (self, req->symbol), after);
      if (!self->check (self->check_data, req, after_d, &blocked,
                        self->reject_text, sizeof self->reject_text))
        return blocked ? QL_REJECT_ACCOUNT_BLOCKED : QL_REJECT_ACCOUNT_RULE;
    }
  return QL_REJECT_NONE;
}

QlRejectReason
ql_broker_submit (QlBroker             *self,
                  const QlOrderRequest *req,
                  QlTimeNs              now,
                  gboolean              force,
                  QlOrderId            *id)
{
  QlRejectReason reason;
  QlOrder *o;
  gboolean bracket;

  g_return_val_if_fail (self != NULL && req != NULL && id != NULL, QL_REJECT_NOT_FOUND);
  self->reject_text[0] = '\0';
  reason = validate (self, req, now);
  if (reason == QL_REJECT_NONE)
    reason = check_position (self, req, force);

  o = new_order (self, req, now);
  *id = o->id;
  if (reason != QL_REJECT_NONE)
    {
      o->state = QL_ORDER_REJECTED;
      o->reject = reason;
      return reason;
    }

  if (req->tif == QL_TIF_DAY)
    {
      /* Inside the session: until its close. Outside (after the close,
       * before the open): the next session it meets, fixed in match (). */
      QlTimeNs end = session_end_of (inst_of (self, req->symbol), now);
      o->expires = now < end ? end : QL_EXPIRES_NEXT_SESSION;
    }
  else if (req->tif == QL_TIF_GTD)
    o->expires = req->expire_time;
  live_add (self, req->symbol, o->id);

  bracket = req->take_profit > 0 || req->stop_loss > 0;
  if (bracket)
    {
      QlOrderId parent = o->id;
      QlOrderRequest child = { 0 };
      guint k = 0;

      child.symbol = req->symbol;
      child.side = req->side == QL_SIDE_BUY ? QL_SIDE_SELL : QL_SIDE_BUY;
      child.tif = QL_TIF_GTC;
      child.reduce_only = TRUE;
      child.oco_group = BRACKET_GROUP_BIT | parent;
      child.tag = req->tag;
      if (req->take_profit > 0)
        {
          QlOrder *c;
          child.type = QL_ORDER_LIMIT;
          child.limit_price = req->take_profit;
          c = new_order (self, &child, now);
          c->req.quantity = 0;
          c->state = QL_ORDER_HELD;
          c->parent = parent;
          order_at (self, parent - 1)->children[k++] = c->id;
          live_add (self, req->symbol, c->id);
        }
      if (req->stop_loss > 0)
        {
          QlOrder *c;
          child.type = QL_ORDER_STOP;
          child.limit_price = 0;
          child.stop_price = req->stop_loss;
          c = new_order (self, &child, now);
          c->req.quantity = 0;
          c->state = QL_ORDER_HELD;
          c->parent = parent;
          order_at (self, parent - 1)->children[k++] = c->id;
          live_add (self, req->symbol, c->id);
        }
      /* The children are bracket legs: the entry's own OCO group stays. */
    }
  return QL_REJECT_NONE;
}

static void
finish (QlOrder *o, QlOrderState state)
{
  if (!ql_order_state_is_terminal (o->state))
    o->state = state;
}

static void
cancel_order (QlBroker *self, QlOrder *o)
{
  if (ql_order_state_is_terminal (o->state))
    return;
  finish (o, QL_ORDER_CANCELLED);
  if (o->filled == 0)
    for (guint k = 0; k < 2; k++)
      if (o->children[k] != 0)
        finish (order_at (self, o->children[k] - 1), QL_ORDER_CANCELLED);
}

static void
compact_live (QlBroker *self, guint symbol)
{
  GArray *live = self->live[symbol];
  guint j = 0;

  for (guint i = 0; i < live->len; i++)
    {
      QlOrderId id = g_array_index (live, QlOrderId, i);
      if (!ql_order_state_is_terminal (order_at (self, id - 1)->state))
        g_array_index (live, QlOrderId, j++) = id;
    }
  if (j != live->len)
    self->live_changes++;
  g_array_set_size (live, j);
}

/* The order @id while it is working (not filled, cancelled, expired or
 * rejected), else NULL. */
static QlOrder *
working_order (QlBroker *self, QlOrderId id)
{
  QlOrder *o;

  if (id == 0 || id > self->n_orders)
    return NULL;
  o = order_at (self, id - 1);
  return ql_order_state_is_terminal (o->state) ? NULL : o;
}

QlRejectReason
ql_broker_cancel (QlBroker *self, QlOrderId id)
{
  QlOrder *o = working_order (self, id);

  if (o == NULL)
    return QL_REJECT_NOT_FOUND;
  cancel_order (self, o);
  compact_live (self, o->req.symbol);
  return QL_REJECT_NONE;
}

void
ql_broker_cancel_all (QlBroker *self)
{
  for (guint s = 0; s < self->n_symbols; s++)
    {
      GArray *live = self->live[s];
      for (guint i = 0; i < live->len; i++)
        cancel_order (self, order_at (self, g_array_index (live, QlOrderId, i) - 1));
      compact_live (self, s);
    }
}

/* Runs the submission checks on @o as it would stand with @req (its
 * quantity the new total): the unfilled rest is what the position may
 * still take. A held bracket leg has no position to check yet. */
static QlRejectReason
check_modified (QlBroker *self, const QlOrder *o, const QlOrderRequest *req)
{
  QlOrderRequest rest = *req;

  if (o->state == QL_ORDER_HELD)
    return QL_REJECT_NONE;
  rest.quantity = req->quantity - o->filled;
  return check_position (self, &rest, FALSE);
}

/* The checks of a modification of @o that do not depend on the account
 * or the market: they give the same answer whenever it takes effect. */
static QlRejectReason
check_modify_form (QlBroker *self,
                   QlOrder  *o,
                   QlQty     quantity,
                   QlPrice   limit_price,
                   QlPrice   stop_price)
{
  const QlInstrument *inst = inst_of (self, o->req.symbol);

  if (quantity < 0 || (quantity > 0 && quantity <= o->filled))
    return QL_REJECT_BAD_QUANTITY;
  if (quantity % inst->lot_size != 0)
    return QL_REJECT_LOT_SIZE;
  /* A4: a leg is sized by its entry's fills, never by the strategy. */
  if (quantity > 0 && o->parent != 0 && quantity != o->req.quantity)
    return QL_REJECT_BRACKET_LEG;
  if (limit_price < 0 || stop_price < 0)
    return QL_REJECT_BAD_PRICE;
  if ((limit_price > 0 && !on_grid (limit_price, inst->tick_size))
      || (stop_price > 0 && !on_grid (stop_price, inst->tick_size)))
    return QL_REJECT_TICK_SIZE;
  if (limit_price > 0 && o->req.type != QL_ORDER_LIMIT && o->req.type != QL_ORDER_STOP_LIMIT)
    return QL_REJECT_BAD_PRICE;
  if (stop_price > 0 && o->req.type != QL_ORDER_STOP && o->req.type != QL_ORDER_STOP_LIMIT)
    return QL_REJECT_BAD_PRICE;
  return QL_REJECT_NONE;
}

QlRejectReason
ql_broker_modify (QlBroker *self,
                  QlOrderId id,
                  QlQty     quantity,
                  QlPrice   limit_price,
                  QlPrice   stop_price)
{
  QlOrder *o;
  QlOrderRequest req;
  QlRejectReason reason;

  g_return_val_if_fail (self != NULL, QL_REJECT_NOT_FOUND);
  self->reject_text[0] = '\0';
  o = working_order (self, id);
  if (o == NULL)
    return QL_REJECT_NOT_FOUND;
  reason = check_modify_form (self, o, quantity, limit_price, stop_price);
  if (reason != QL_REJECT_NONE)
    return reason;

  req = o->req;
  if (quantity > 0)
    req.quantity = quantity;
  if (limit_price > 0)
    req.limit_price = limit_price;
  if (stop_price > 0)
    req.stop_price = stop_price;
  /* A2: the same account checks as a submission; on a refusal the order
   * stays as it was. */
  reason = check_modified (self, o, &req);
  if (reason != QL_REJECT_NONE)
    return reason;

  o->req = req;
  if (limit_price > 0)
    o->resting = FALSE;
  return QL_REJECT_NONE;
}

/* The form checks of a new trailing distance for @o (as
 * check_modify_form ()). */
static QlRejectReason
check_trail_form (QlBroker *self,
                  QlOrder  *o,
                  QlPrice   trail_amount,
                  gint64    trail_ppm)
{
  const QlInstrument *inst = inst_of (self, o->req.symbol);

  if (o->req.type != QL_ORDER_TRAILING_STOP)
    return QL_REJECT_BAD_PRICE;
  if (trail_amount < 0 || trail_ppm < 0
      || (trail_amount == 0 && (trail_ppm == 0 || trail_ppm >= 1000000)))
    return QL_REJECT_BAD_PRICE;
  if (trail_amount > 0 && trail_amount % inst->tick_size != 0)
    return QL_REJECT_TICK_SIZE;
  return QL_REJECT_NONE;
}

QlRejectReason
ql_broker_modify_trail (QlBroker *self,
                        QlOrderId id,
                        QlPrice   trail_amount,
                        gint64    trail_ppm)
{
  QlOrder *o;
  const QlInstrument *inst;
  QlOrderRequest req;
  QlRejectReason reason;

  g_return_val_if_fail (self != NULL, QL_REJECT_NOT_FOUND);
  self->reject_text[0] = '\0';
  o = working_order (self, id);
  if (o == NULL)
    return QL_REJECT_NOT_FOUND;
  inst = inst_of (self, o->req.symbol);
  reason = check_trail_form (self, o, trail_amount, trail_ppm);
  if (reason != QL_REJECT_NONE)
    return reason;
  if (o->triggered)
    return QL_REJECT_TRIGGERED;

  req = o->req;
  req.trail_amount = trail_amount;
  req.trail_ppm = trail_amount > 0 ? 0 : trail_ppm;
  reason = check_modified (self, o, &req);
  if (reason != QL_REJECT_NONE)
    return reason;

  o->req = req;
  if (o->trail_extreme != 0)
    {
      /* The new distance from the best price so far (buy space as in
       * evaluate ()): the stop may move either way. */
      const gint64 sgn = o->req.side == QL_SIDE_BUY ? 1 : -1;
      o->trail_stop = sgn * trail_stop_of (o, sgn * o->trail_extreme, inst->tick_size);
    }
  return QL_REJECT_NONE;
}

/* ---- deferred cancels and modifications --------------------------------- */

/* Queues @d after the checks that need no account or market: what fails
 * them is refused now, the rest when it comes due (apply_one ()). */
static QlRejectReason
defer (QlBroker *self, const Deferred *d)
{
  QlOrder *o;
  QlRejectReason reason = QL_REJECT_NONE;

  self->reject_text[0] = '\0';
  o = working_order (self, d->id);
  if (o == NULL)
    return QL_REJECT_NOT_FOUND;
  if (d->kind == DEFER_MODIFY)
    reason = check_modify_form (self, o, d->quantity, d->limit_price, d->stop_price);
  else if (d->kind == DEFER_TRAIL)
    reason = check_trail_form (self, o, d->trail_amount, d->trail_ppm);
  else
    /* a second cancel of an order already waiting for one adds nothing
     * (cancel (all) twice in one reaction) */
    for (guint i = 0; i < self->deferred->len; i++)
      {
        const Deferred *q = &g_array_index (self->deferred, Deferred, i);
        if (q->kind == DEFER_CANCEL && q->id == d->id && q->at <= d->at)
          return QL_REJECT_NONE;
      }
  if (reason != QL_REJECT_NONE)
    return reason;
  g_array_append_val (self->deferred, *d);
  self->deferred_at = MIN (self->deferred_at, d->at);
  return QL_REJECT_NONE;
}

QlRejectReason
ql_broker_cancel_at (QlBroker *self,
                     QlOrderId id,
                     QlTimeNs  at)
{
  Deferred d = { .at = at, .id = id, .kind = DEFER_CANCEL };

  g_return_val_if_fail (self != NULL, QL_REJECT_NOT_FOUND);
  return defer (self, &d);
}

QlRejectReason
ql_broker_modify_at (QlBroker *self,
                     QlOrderId id,
                     QlQty     quantity,
                     QlPrice   limit_price,
                     QlPrice   stop_price,
                     QlTimeNs  at)
{
  Deferred d = { .at = at, .id = id, .kind = DEFER_MODIFY, .quantity = quantity,
                 .limit_price = limit_price, .stop_price = stop_price };

  g_return_val_if_fail (self != NULL, QL_REJECT_NOT_FOUND);
  return defer (self, &d);
}

QlRejectReason
ql_broker_modify_trail_at (QlBroker *self,
                           QlOrderId id,
                           QlPrice   trail_amount,
                           gint64    trail_ppm,
                           QlTimeNs  at)
{
  Deferred d = { .at = at, .id = id, .kind = DEFER_TRAIL, .trail_amount = trail_amount,
                 .trail_ppm = trail_ppm };

  g_return_val_if_fail (self != NULL, QL_REJECT_NOT_FOUND);
  return defer (self, &d);
}

QlTimeNs
ql_broker_get_deferred_time (const QlBroker *self)
{
  return self->deferred_at;
}

static QlRejectReason
apply_one (QlBroker *self, const Deferred *d)
{
  switch (d->kind)
    {
    case DEFER_CANCEL:
      return ql_broker_cancel (self, d->id);
    case DEFER_MODIFY:
      return ql_broker_modify (self, d->id, d->quantity, d->limit_price, d->stop_price);
    case DEFER_TRAIL:
    default:
      return ql_broker_modify_trail (self, d->id, d->trail_amount, d->trail_ppm);
    }
}

guint
ql_broker_apply_deferred (QlBroker *self,
                          QlTimeNs  now)
{
  guint n_refused = 0, j = 0;

  g_return_val_if_fail (self != NULL, 0);
  if (now < self->deferred_at)
    return 0;
  self->deferred_at = G_MAXINT64;
  /* In request order. Applying queues nothing: the loop may compact. */
  for (guint i = 0; i < self->deferred->len; i++)
    {
      Deferred d = g_array_index (self->deferred, Deferred, i);
      QlRejectReason r;

      if (d.at > now)
        {
          g_array_index (self->deferred, Deferred, j++) = d;
          self->deferred_at = MIN (self->deferred_at, d.at);
          continue;
        }
      r = apply_one (self, &d);
      if (r != QL_REJECT_NONE)
        n_refused++;
    }
  g_array_set_size (self->deferred, j);
  return n_refused;
}

/* ---- matching ---------------------------------------------------------- */

static gboolean
is_stop_type (const QlOrder *o)
{
  return o->req.type == QL_ORDER_STOP || o->req.type == QL_ORDER_STOP_LIMIT
         || o->req.type == QL_ORDER_TRAILING_STOP;
}

/* Resting-limit walk over segments from @k (the first starting at @from). */
static gboolean
limit_segments (const gint64 *p, int np, int k, gint64 from, gint64 L, gboolean touch, Hit *hit)
{
  for (; k < np; k++)
    {
      gint64 a = from, b = p[k];
      from = b;
      if (b < a && a >= L && (b < L || (touch && b <= L)))
        {
          hit->seg = k;
          hit->dist = L - p[k - 1] < 0 ? p[k - 1] - L : L - p[k - 1];
          hit->price_b = L;
          hit->slip = FALSE;
          return TRUE;
        }
    }
  return FALSE;
}

/* A limit at @L (buy space) meeting the path at point 0 (@p0 the trade
 * price, @exec0 where it would execute). */
static gboolean
eval_limit (QlOrder *o, const gint64 *p, int np, gint64 exec0, gint64 L,
            gboolean touch, gboolean bar, Hit *hit)
{
  hit->seg = 0;
  hit->dist = 0;
  hit->slip = FALSE;
  if (!o->resting)
    {
      if (exec0 <= L)
        {
          hit->price_b = exec0;
          return TRUE;
        }
    }
  else if (p[0] < L || (touch && p[0] <= L))
    {
      hit->price_b = bar ? MIN (p[0], L) : L;
      return TRUE;
    }
  o->resting = TRUE;
  return limit_segments (p, np, 1, p[0], L, touch, hit);
}

/* Trailing offset in buy space above the extreme @ext, on the tick grid. */
static gint64
trail_stop_of (const QlOrder *o, gint64 ext, gint64 tick)
{
  gint64 off = o->req.trail_amount;
  if (off == 0)
    {
      i128 a = (i128) (ext < 0 ? -ext : ext) * o->req.trail_ppm;
      off = (gint64) ((a + 999999) / 1000000);
    }
  return ceil_grid (ext + off, tick);
}

/* Evaluates @o on the event: TRUE with @hit when it fills. May update the
 * order's trigger, resting and trailing state. */
static gboolean
evaluate (QlBroker *self, QlOrder *o, const Event *ev, Hit *hit)
{
  const gint64 sgn = o->req.side == QL_SIDE_BUY ? 1 : -1;
  const gboolean touch = self->cfg.fill_touch;
  gint64 p[4], exec0;
  gint64 tick = inst_of (self, o->req.symbol)->tick_size;

  p[0] = sgn * (o->req.side == QL_SIDE_BUY ? ev->trig_buy : ev->trig_sell);
  for (int k = 1; k < ev->np; k++)
    p[k] = sgn * ev->pts[k];
  exec0 = sgn * (o->req.side == QL_SIDE_BUY ? ev->exec_buy : ev->exec_sell);

  switch (o->req.type)
    {
    case QL_ORDER_MARKET:
    market:
      hit->seg = 0;
      hit->dist = 0;
      hit->price_b = exec0;
      hit->slip = TRUE;
      return TRUE;

    case QL_ORDER_LIMIT:
      return eval_limit (o, p, ev->np, exec0, sgn * o->req.limit_price, touch, ev->bar, hit);

    case QL_ORDER_STOP:
    case QL_ORDER_STOP_LIMIT:
      {
        gint64 S = sgn * o->req.stop_price;
        gint64 L = sgn * o->req.limit_price;
        int k;

        if (o->triggered)
          {
            if (o->req.type == QL_ORDER_STOP)
              goto market;
            return eval_limit (o, p, ev->np, exec0, L, touch, ev->bar, hit);
          }
        if (p[0] >= S)
          {
            o->triggered = TRUE;
            if (o->req.type == QL_ORDER_STOP)
              goto market;
            return eval_limit (o, p, ev->np, exec0, L, touch, ev->bar, hit);
          }
        for (k = 1; k < ev->np; k++)
          if (p[k] > p[k - 1] && p[k] >= S)
            break;
        if (k >= ev->np)
          return FALSE;
        o->triggered = TRUE;
        hit->seg = k;
        hit->dist = S - p[k - 1];
        if (o->req.type == QL_ORDER_STOP)
          {
            hit->price_b = S;
            hit->slip = TRUE;
            return TRUE;
          }
        /* Stop-limit: a limit arriving at S. */
        if (S <= L)
          {
            hit->price_b = S;
            hit->slip = FALSE;
            return TRUE;
          }
        o->resting = TRUE;
        return limit_segments (p, ev->np, k, S, L, touch, hit);
      }

    case QL_ORDER_TRAILING_STOP:
      {
        gint64 ext, stop;

        if (o->triggered)
          goto market;
        if (o->trail_extreme == 0)
          {
            ext = p[0];
            stop = trail_stop_of (o, ext, tick);
          }
        else
          {
            ext = sgn * o->trail_extreme;
            stop = sgn * o->trail_stop;
            if (p[0] >= stop)
              {
                o->triggered = TRUE;
                goto market;
              }
            if (p[0] < ext)
              {
                ext = p[0];
                stop = trail_stop_of (o, ext, tick);
              }
          }
        for (int k = 1; k < ev->np; k++)
          {
            if (p[k] < ext)
              {
                ext = p[k];
                stop = trail_stop_of (o, ext, tick);
              }
            else if (p[k] > p[k - 1] && p[k] >= stop)
              {
                o->triggered = TRUE;
                o->trail_extreme = sgn * ext;
                o->trail_stop = sgn * stop;
                hit->seg = k;
                hit->dist = stop - p[k - 1];
                hit->price_b = stop;
                hit->slip = TRUE;
                return TRUE;
              }
          }
        o->trail_extreme = sgn * ext;
        o->trail_stop = sgn * stop;
        return FALSE;
      }
    }
  return FALSE;
}

static gint64
slippage (const QlBroker *self, const Event *ev, QlPrice price, QlQty qty, gint64 tick)
{
  const QlSlippage *s = &self->cfg.slippage;

  switch (s->model)
    {
    case QL_SLIPPAGE_NONE:
      return 0;
    case QL_SLIPPAGE_TICKS:
      return s->ticks * tick;
    case QL_SLIPPAGE_PERCENT:
      {
        i128 v = ((i128) price * s->ppm + 999999) / 1000000;
        return ceil_grid ((gint64) v, tick);
      }
    case QL_SLIPPAGE_SPREAD:
      if (ev->quotes)
        return 0;
      return ceil_grid ((s->spread_ticks * tick + 1) / 2, tick);
    case QL_SLIPPAGE_SQRT_IMPACT:
      {
        double v;
        if (ev->volume <= 0)
          return 0;
        v = s->impact_k * (double) price * sqrt ((double) qty / (double) ev->volume);
        return (gint64) ceil (v / (double) tick) * tick;
      }
    }
  return 0;
}

/* What a trade closed by @o records (QlOrderRequest.exit_reason). */
static QlExitReason
exit_reason (const QlOrder *o)
{
  if (o->req.exit_reason > QL_EXIT_SIGNAL && o->req.exit_reason <= QL_EXIT_ACCOUNT_RULE)
    return o->req.exit_reason;
  switch (o->req.type)
    {
    case QL_ORDER_LIMIT:
      return QL_EXIT_LIMIT;
    case QL_ORDER_STOP:
    case QL_ORDER_STOP_LIMIT:
    case QL_ORDER_TRAILING_STOP:
      return QL_EXIT_STOP;
    case QL_ORDER_MARKET:
    default:
      return QL_EXIT_SIGNAL;
    }
}

static QlStatus
commission (QlBroker *self, QlOrder *o, QlQty qty, QlPrice price, QlMoney *out)
{
  const QlCommission *c = &self->cfg.commission;
  const QlInstrument *inst = inst_of (self, o->req.symbol);
  i128 raw = 0;
  gint64 charged_total;

  if (c->per_unit != 0)
    {
      i128 p10 = ql_pow10_i64 (inst->qty_scale);
      raw += ((i128) c->per_unit * qty + p10 / 2) / p10;
    }
  if (c->percent_ppm != 0)
    {
      QlMoney notional;
      if (ql_portfolio_get_notional (self->portfolio, o->req.symbol, qty, price, &notional) != QL_STATUS_OK)
        return QL_STATUS_OVERFLOW;
      raw += ((i128) notional * c->percent_ppm + 500000) / 1000000;
    }
  if (o->filled == 0)
    raw += c->per_order;
  raw += o->commission_raw;
  if (raw > G_MAXINT64)
    return QL_STATUS_OVERFLOW;
  charged_total = MAX ((gint64) raw, c->minimum);
  *out = charged_total - o->commission_base;
  o->commission_raw = (gint64) raw;
  o->commission_base = charged_total;
  return QL_STATUS_OK;
}

static void
oco_reduce (QlBroker *self, const QlOrder *filled, QlQty qty)
{
  guint32 group = filled->req.oco_group;
  GArray *live;

  if (group == 0)
    return;
  /* OCO members normally share a symbol; groups may span symbols. */
  for (guint s = 0; s < self->n_symbols; s++)
    {
      live = self->live[s];
      for (guint i = 0; i < live->len; i++)
        {
          QlOrder *o = order_at (self, g_array_index (live, QlOrderId, i) - 1);
          if (o == filled || o->req.oco_group != group || ql_order_state_is_terminal (o->state))
            continue;
          o->req.quantity -= MIN (qty, o->req.quantity - o->filled);
          if (o->req.quantity <= o->filled && o->state != QL_ORDER_HELD)
            finish (o, QL_ORDER_CANCELLED);
        }
    }
}

static int
cand_cmp (const void *pa, const void *pb)
{
  const Cand *a = pa, *b = pb;
  if (a->hit.seg != b->hit.seg)
    return a->hit.seg < b->hit.seg ? -1 : 1;
  if (a->hit.dist != b->hit.dist)
    return a->hit.dist < b->hit.dist ? -1 : 1;
  return a->index < b->index ? -1 : a->index > b->index;
}

static QlStatus
match (QlBroker *self, guint symbol, const Event *ev)
{
  GArray *live = self->live[symbol];
  const QlInstrument *inst = inst_of (self, symbol);
  QlQty budget = G_MAXINT64;
  gboolean changed = FALSE;
  guint n_live = live->len;

  g_array_set_size (self->cands, 0);

  /* Activation, expiry, evaluation. */
  for (guint i = 0; i < n_live; i++)
    {
      QlOrderId id = g_array_index (live, QlOrderId, i);
      QlOrder *o = order_at (self, id - 1);
      Cand c;

      if (o->state == QL_ORDER_HELD || ql_order_state_is_terminal (o->state))
        continue;
      if (o->expires <= ev->time)
        {
          if (o->expires == QL_EXPIRES_NEXT_SESSION)
            {
              /* A DAY order placed outside the session ignores events
               * outside it; the first one inside fixes its expiry. */
              QlTimeNs end = session_end_of (inst, ev->time);
              if (ev->time >= end)
                continue;
              o->expires = end;
            }
          else
            {
              cancel_order (self, o);
              o->state = QL_ORDER_EXPIRED;
              changed = TRUE;
              continue;
            }
        }
      if (o->state == QL_ORDER_PENDING)
        {
          if (ev->time < o->active_from)
            continue;
          o->state = QL_ORDER_WORKING;
        }
      o->matched_once = TRUE;
      if (evaluate (self, o, ev, &c.hit))
        {
          c.index = id - 1;
          g_array_append_val (self->cands, c);
        }
    }

  if (self->cands->len == 0)
    goto ioc;

  /* One candidate per OCO group. A5: a member filled at the open (a gap
   * through it, or a tick) is certain and wins over one reached later on
   * the path; when both are reached at the same kind of point, the stop
   * leg is taken (pessimistic: the path inside a bar is a guess), else the
   * earliest. */
  for (guint i = 0; i < self->cands->len; i++)
    {
      Cand *a = &g_array_index (self->cands, Cand, i);
      const QlOrder *oa = order_at (self, a->index);
      if (oa->req.oco_group == 0)
        continue;
      for (guint j = i + 1; j < self->cands->len;)
        {
          Cand *b = &g_array_index (self->cands, Cand, j);
          const QlOrder *ob = order_at (self, b->index);
          if (ob->req.oco_group != oa->req.oco_group)
            {
              j++;
              continue;
            }
          if ((b->hit.seg == 0) != (a->hit.seg == 0)
                ? b->hit.seg == 0
                : (is_stop_type (ob) && !is_stop_type (oa))
                    || (is_stop_type (ob) == is_stop_type (oa) && cand_cmp (b, a) < 0))
            {
              *a = *b;
              oa = ob;
            }
          g_array_remove_index (self->cands, j);
        }
    }
  if (self->cands->len > 1)
    qsort (self->cands->data, self->cands->len, sizeof (Cand), cand_cmp);

  if (self->cfg.volume_share_ppm > 0 && ev->volume > 0)
    {
      i128 b = (i128) ev->volume * self->cfg.volume_share_ppm / 1000000;
      budget = (QlQty) b - (QlQty) b % inst->lot_size;
    }

  for (guint i = 0; i < self->cands->len; i++)
    {
      const Cand *c = &g_array_index (self->cands, Cand, i);
      QlOrder *o = order_at (self, c->index);
      QlQty remaining = o->req.quantity - o->filled, qty = remaining;
      QlPrice price;
      QlMoney comm;
      QlFill fill;
      QlStatus st;

      if (o->state != QL_ORDER_WORKING)
        continue;
      if (o->req.reduce_only)
        {
          QlQty pos = ql_portfolio_get_position (self->portfolio, symbol)->qty;
          if (pos == 0 || (pos > 0) == (o->req.side == QL_SIDE_BUY))
            {
              cancel_order (self, o);
              changed = TRUE;
              continue;
            }
          qty = MIN (qty, pos > 0 ? pos : -pos);
        }
      qty = MIN (qty, budget);
      if (o->req.tif == QL_TIF_FOK && qty < remaining)
        {
          cancel_order (self, o);
          changed = TRUE;
          continue;
        }
      if (qty <= 0)
        continue;

      price = o->req.side == QL_SIDE_BUY ? c->hit.price_b : -c->hit.price_b;
      if (c->hit.slip)
        {
          gint64 s = slippage (self, ev, price, qty, inst->tick_size);
          price += o->req.side == QL_SIDE_BUY ? s : -s;
          if (price < inst->tick_size)
            price = inst->tick_size;
        }
      if (c->hit.seg > 0)
        {
          /* The path before this fill traded while the position stood:
           * MAE and MFE see it, the run marks the bar only if a position
           * is left after it. (A position opened earlier on this bar sees
           * the part of the path before its entry too.) */
          QlPrice lo = ev->pts[0], hi = ev->pts[0];
          for (int k = 1; k < c->hit.seg; k++)
            {
              lo = MIN (lo, ev->pts[k]);
              hi = MAX (hi, ev->pts[k]);
            }
          ql_portfolio_mark (self->portfolio, symbol, lo, hi, price);
        }
      st = commission (self, o, qty, price, &comm);
      if (st == QL_STATUS_OK)
        st = ql_portfolio_fill_exit (self->portfolio, symbol, o->req.side, qty, price, comm,
                                     ev->time, exit_reason (o));
      if (st != QL_STATUS_OK)
        return st;

      o->avg_fill_price = (o->avg_fill_price * (double) o->filled + (double) price * (double) qty)
                          / (double) (o->filled + qty);
      o->filled += qty;
      if (budget != G_MAXINT64)
        budget -= qty;
      if (o->filled == o->req.quantity)
        o->state = QL_ORDER_FILLED;
      changed = TRUE;

      fill.order = o->id;
      fill.symbol = symbol;
      fill.side = o->req.side;
      fill.quantity = qty;
      fill.price = price;
      fill.commission = comm;
      fill.time = ev->time;
      fill.tag = o->req.tag;
      fill.intrabar = c->hit.seg > 0;
      g_array_append_val (self->fills, fill);
      self->live_changes++; /* a position moved: the run's view of it too */

      oco_reduce (self, o, qty);
      for (guint k = 0; k < 2; k++)
        if (o->children[k] != 0)
          {
            QlOrder *ch = order_at (self, o->children[k] - 1);
            if (ql_order_state_is_terminal (ch->state))
              continue;
            ch->req.quantity += qty;
            if (ch->state == QL_ORDER_HELD)
              {
                /* Active from the next event on. */
                ch->state = QL_ORDER_PENDING;
                ch->created = ev->time;
                ch->active_from = ev->time + self->cfg.latency_ns;
              }
          }
      if (o->parent != 0)
        {
          QlOrder *parent = order_at (self, o->parent - 1);
          if (!ql_order_state_is_terminal (parent->state))
            {
              finish (parent, QL_ORDER_CANCELLED);
              /* Its live slot may be on this symbol: compacted below. */
            }
        }
    }

ioc:
  for (guint i = 0; i < live->len; i++)
    {
      QlOrder *o = order_at (self, g_array_index (live, QlOrderId, i) - 1);
      if (o->matched_once && !ql_order_state_is_terminal (o->state)
          && (o->req.tif == QL_TIF_IOC || o->req.tif == QL_TIF_FOK))
        {
          cancel_order (self, o);
          changed = TRUE;
        }
    }
  if (changed)
    for (guint s = 0; s < self->n_symbols; s++)
      compact_live (self, s);
  return QL_STATUS_OK;
}

QlStatus
ql_broker_match_tick (QlBroker     *self,
                      guint         symbol,
                      const QlTick *tick)
{
  Event ev;
  gboolean trade = (tick->flags & QL_TICK_FLAG_TRADE) != 0 && tick->price > 0;

  g_return_val_if_fail (symbol < self->n_symbols, QL_STATUS_INVALID);
  if (self->live[symbol]->len == 0)
    return QL_STATUS_OK;
  ev.time = tick->time;
  ev.np = 1;
  ev.bar = FALSE;
  ev.quotes = (tick->flags & QL_TICK_FLAG_QUOTE) != 0 && tick->bid > 0 && tick->ask > 0;
  if (!trade && !ev.quotes)
    return QL_STATUS_OK; /* nothing to trade at */
  ev.exec_buy = ev.quotes ? tick->ask : tick->price;
  ev.exec_sell = ev.quotes ? tick->bid : tick->price;
  /* Triggers follow the tape; a quote-only tick triggers buy orders at its
   * ask and sell orders at its bid. */
  ev.trig_buy = trade ? tick->price : tick->ask;
  ev.trig_sell = trade ? tick->price : tick->bid;
  ev.pts[0] = ev.trig_buy;
  ev.volume = trade ? tick->size : 0;
  return match (self, symbol, &ev);
}

QlStatus
ql_broker_match_bar (QlBroker *self,
                     guint     symbol,
                     QlTimeNs  time,
                     QlPrice   open,
                     QlPrice   high,
                     QlPrice   low,
                     QlPrice   close,
                     QlQty     volume)
{
  Event ev;

  g_return_val_if_fail (symbol < self->n_symbols, QL_STATUS_INVALID);
  if (self->live[symbol]->len == 0)
    return QL_STATUS_OK;
  if (open <= 0 || low <= 0 || high < low || open < low || open > high || close < low || close > high)
    return QL_STATUS_INVALID;
  ev.time = time;
  ev.np = 4;
  ev.bar = TRUE;
  ev.quotes = FALSE;
  ev.pts[0] = open;
  if (high - open <= open - low)
    {
      ev.pts[1] = high;
      ev.pts[2] = low;
    }
  else
    {
      ev.pts[1] = low;
      ev.pts[2] = high;
    }
  ev.pts[3] = close;
  ev.exec_buy = ev.exec_sell = open;
  ev.trig_buy = ev.trig_sell = open;
  ev.volume = volume > 0 ? volume : 0;
  return match (self, symbol, &ev);
}
