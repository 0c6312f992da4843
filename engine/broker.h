/* engine/broker.h — working orders and the fill simulator.
 *
 * The broker keeps every order of a run, matches the working ones of a
 * symbol against each market event (a tick, or a bar walked as a price
 * path), and books the fills in the portfolio it was given. The rules, which
 * are the documentation:
 *
 * Activation. An accepted order is PENDING until created + latency_ns; it
 * meets only events at or after that time (a bar at or after it by its open
 * time, so in bar mode any latency means the order cannot fill at the next
 * open). Bracket children are HELD until their entry fills and meet events
 * after the one that filled it.
 *
 * Ticks. A market order (or a triggered stop) fills at the tick: at the ask
 * (buy) or bid (sell) when the tick carries quotes, else at the trade price.
 * A stop triggers when a trade reaches its price (quote-only ticks: the ask
 * for buy stops, the bid for sell stops) and fills on the triggering tick as
 * a market order (a stop-limit becomes a limit there). A limit that is
 * marketable when it first meets the market fills at the market price (never
 * worse than its limit); after that it rests, and fills at its limit price
 * only when a trade goes through it (trade price strictly beyond the limit),
 * or reaches it when fill_touch is set.
 *
 * Bars. A bar is walked as the path open -> the nearer of high and low (the
 * high on a tie) -> the other -> close. A market order fills at the open.
 * A stop or limit whose price the open has already passed (a gap) fills at
 * the open; otherwise at its price, at the first point of the path that
 * reaches it (through, or touch with fill_touch, for resting limits). A
 * trailing stop follows the best price along the path. When two members of
 * one OCO group (a bracket's legs) could both fill on one bar: a member the
 * open has already passed (a gap) fills at the open, since the path starts
 * there; when both are reached only inside the bar (or both at the open),
 * the stop leg is taken first (pessimistic), whatever the path says.
 *
 * Several fills on one event are executed in path order, then by order id.
 *
 * Slippage (market and stop fills only; a limit fill is at its price or
 * better): fixed ticks; a percentage of the price; half a spread (the quote
 * spread when the tick has quotes, which the fill price already pays, else
 * spread_ticks); or square-root impact, impact_k * price * sqrt(qty / event
 * volume). Every slippage is adverse and rounded up to whole ticks.
 *
 * Partial fills. With volume_share_ppm > 0 the fills of one event together
 * take at most that share of its volume (rounded down to the lot size); the
 * rest keeps working. An event without volume (quote ticks, size 0) does not
 * limit fills.
 *
 * Commission: per_unit money per whole unit of quantity, plus percent_ppm
 * of the notional, plus per_order on an order's first fill; an order pays at
 * least minimum over all its fills (the first fill pays the minimum, later
 * fills only what exceeds it).
 *
 * OCO: when a member fills, even partly, every other working member is
 * reduced by the filled quantity, and cancelled when nothing is left.
 * Brackets: children are sized to the entry's filled quantity (growing with
 * partial fills) and join one OCO group; cancelling an entry that has not
 * filled cancels its children; once a child fills, the entry's unfilled rest
 * is cancelled.
 *
 * TIF: DAY expires at the close of the instrument's session (its IANA zone
 * and hours, engine/instrument.h) when placed inside it; placed outside it
 * (after the close or before the open), the order meets no event until one
 * falls inside a session, and then expires at that session's close. A 24 h
 * session closes when the next trading day begins. GTD expires at
 * expire_time. Both are checked before an event is matched. IOC and FOK meet exactly one
 * event; IOC keeps what filled and cancels the rest, FOK fills whole or is
 * cancelled. Reduce-only orders are refused at submission when they would
 * open or increase a position, and a fill is capped at the position (the
 * order is cancelled when the position is gone).
 *
 * Rejections happen at submission, and at a modification (which runs the
 * same checks), with a QlRejectReason; nothing is ever adjusted silently.
 * docs/orders.md tells all of this for users. Buying power: an order that increases a position must
 * leave the initial margin of all positions within the equity, valued at its
 * limit or stop price, else at the last price (not checked before the symbol
 * has a price). Working orders reserve nothing. */
#pragma once

#include "engine/order.h"
#include "engine/portfolio.h"
#include "engine/series.h"
#include "engine/status.h"

G_BEGIN_DECLS

typedef struct QlBroker QlBroker;

typedef enum
{
  QL_SLIPPAGE_NONE,
  QL_SLIPPAGE_TICKS,       /* ticks */
  QL_SLIPPAGE_PERCENT,     /* ppm of the price */
  QL_SLIPPAGE_SPREAD,      /* half of spread_ticks when the tick has no quotes */
  QL_SLIPPAGE_SQRT_IMPACT, /* impact_k * price * sqrt (qty / volume) */
} QlSlippageModel;

typedef struct
{
  QlSlippageModel model;
  gint64 ticks;
  gint64 ppm;
  gint64 spread_ticks;
  double impact_k;
} QlSlippage;

typedef struct
{
  QlMoney per_unit;        /* per whole unit of quantity */
  gint64 percent_ppm;      /* of the notional: 0.1 % = 1000 */
  QlMoney per_order;       /* on an order's first fill */
  QlMoney minimum;         /* per order */
} QlCommission;

typedef struct
{
  QlSlippage slippage;
  QlCommission commission;
  gint64 volume_share_ppm; /* 0: no cap; 100000 = 10 % of each event's volume */
  gint64 latency_ns;       /* >= 0 */
  gboolean fill_touch;     /* resting limits fill when the price reaches them */
  gboolean allow_short;
} QlBrokerConfig;

/* Called after an order passed the broker's own checks, before it is
 * accepted: FALSE refuses it with @reason (a line of text) as
 * QL_REJECT_ACCOUNT_RULE or, when *@blocked is set, QL_REJECT_ACCOUNT_BLOCKED. */
typedef gboolean (*QlBrokerCheckFunc) (gpointer              data,
                                       const QlOrderRequest *req,
                                       double                position_after,
                                       gboolean             *blocked,
                                       char                 *reason,
                                       gsize                 reason_size);

/* (transfer full). @portfolio (transfer none) outlives the broker and knows
 * the symbols and instruments. */
QlBroker *ql_broker_new (const QlBrokerConfig *config,
                         QlPortfolio          *portfolio);
void      ql_broker_free (QlBroker *self); /* NULL is a no-op */

void ql_broker_set_check (QlBroker         *self,
                          QlBrokerCheckFunc func,
                          gpointer          data);

/* Submits at run time @now. Returns QL_REJECT_NONE and the new id in *@id,
 * or the reason (the order is then kept as REJECTED with that id, so *@id is
 * set either way). @force skips the account check and buying power (the
 * run's own flatten and margin-call orders). */
QlRejectReason ql_broker_submit (QlBroker             *self,
                                 const QlOrderRequest *req,
                                 QlTimeNs              now,
                                 gboolean              force,
                                 QlOrderId            *id);
QlRejectReason ql_broker_cancel (QlBroker *self,
                                 QlOrderId id);
/* New total quantity (0: unchanged; above what has filled), limit and
 * stop prices (0: unchanged). A modified limit meets the market afresh.
 * The modification passes the submission's checks (reduce-only, short
 * selling, buying power for the unfilled rest, the account check) or is
 * refused with their reason, the order left as it was. A bracket leg's
 * quantity cannot change (QL_REJECT_BRACKET_LEG): it is its entry's filled
 * quantity; its price can. */
QlRejectReason ql_broker_modify (QlBroker *self,
                                 QlOrderId id,
                                 QlQty     quantity,
                                 QlPrice   limit_price,
                                 QlPrice   stop_price);
/* A trailing stop's new distance, as in QlOrderRequest: @trail_amount
 * (price units, on the tick grid) or, when it is 0, @trail_ppm. Once the
 * order has met the market its stop is reset to the new distance from the
 * best price so far (it may loosen as well as tighten). QL_REJECT_BAD_PRICE
 * for another order type, QL_REJECT_TRIGGERED once the stop has triggered. */
QlRejectReason ql_broker_modify_trail (QlBroker *self,
                                       QlOrderId id,
                                       QlPrice   trail_amount,
                                       gint64    trail_ppm);
/* Deferred requests: a cancel or modification that must not change how
 * the order meets events before @at (with bars: a strategy's answer to a
 * fill inside another symbol's bar, known only at that bar's end). The
 * checks that need neither account nor market (an unknown or finished id,
 * the grid, the lot, the order type, a bracket leg's quantity) answer now;
 * otherwise the request is queued and QL_REJECT_NONE returned: it is
 * accepted, not yet done. ql_broker_apply_deferred () does it later, with
 * all the checks of ql_broker_cancel (), ql_broker_modify () and
 * ql_broker_modify_trail () at that time (the order may have filled by
 * then). A second cancel of an order already waiting for one is a no-op. */
QlRejectReason ql_broker_cancel_at (QlBroker *self,
                                    QlOrderId id,
                                    QlTimeNs  at);
QlRejectReason ql_broker_modify_at (QlBroker *self,
                                    QlOrderId id,
                                    QlQty     quantity,
                                    QlPrice   limit_price,
                                    QlPrice   stop_price,
                                    QlTimeNs  at);
QlRejectReason ql_broker_modify_trail_at (QlBroker *self,
                                          QlOrderId id,
                                          QlPrice   trail_amount,
                                          gint64    trail_ppm,
                                          QlTimeNs  at);
/* The earliest time of a queued request, G_MAXINT64 when none is: the run
 * compares its clock with it, so an empty queue costs one comparison. */
QlTimeNs       ql_broker_get_deferred_time (const QlBroker *self);
/* Applies, in request order, every queued request due at or before @now
 * (call it before matching an event at @now). Returns how many were
 * refused then (the order had filled, or a check failed). */
guint          ql_broker_apply_deferred (QlBroker *self,
                                         QlTimeNs  now);

/* Cancels every live order (of every symbol). */
void ql_broker_cancel_all (QlBroker *self);

/* Text of the last refusal by the check function ("" if none). */
const char *ql_broker_get_reject_text (const QlBroker *self);

/* TRUE when @symbol has orders that may react to an event. */
/* A counter that grows whenever some symbol's live list gains or loses an
 * order, and at every fill: equal counts mean ql_broker_has_live () and
 * every position answer as they did. */
guint    ql_broker_get_live_changes (const QlBroker *self);
gboolean ql_broker_has_live (const QlBroker *self,
                             guint           symbol);

/* Matches @symbol's orders against one tick / one bar (fixed point) at
 * @time. Fills are booked in the portfolio and appended to the fill list.
 * QL_STATUS_OVERFLOW when a fill cannot be booked (the run must stop). */
QlStatus ql_broker_match_tick (QlBroker     *self,
                               guint         symbol,
                               const QlTick *tick);
QlStatus ql_broker_match_bar (QlBroker *self,
                              guint     symbol,
                              QlTimeNs  time,
                              QlPrice   open,
                              QlPrice   high,
                              QlPrice   low,
                              QlPrice   close,
                              QlQty     volume);

/* Fills since the last ql_broker_clear_fills (), in execution order. */
const QlFill *ql_broker_get_fills (const QlBroker *self,
                                   gsize          *n_fills);
void          ql_broker_clear_fills (QlBroker *self);

/* (transfer none) NULL for an unknown id. Valid until the next submit. */
const QlOrder *ql_broker_get_order (const QlBroker *self,
                                    QlOrderId       id);
guint          ql_broker_get_n_orders (const QlBroker *self);
/* Live (pending, held, working) orders of @symbol, by id. */
const QlOrderId *ql_broker_get_live (const QlBroker *self,
                                     guint           symbol,
                                     guint          *n_live);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QlBroker, ql_broker_free)

G_END_DECLS
