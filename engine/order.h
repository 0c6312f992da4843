/* engine/order.h — orders as a strategy writes them and as the broker keeps
 * them, the fills they leave, and the reasons an order is refused.
 *
 * Prices and quantities are fixed point at the instrument's scales
 * (engine/instrument.h). An order is identified by a QlOrderId, 1, 2, ... in
 * submission order within one run (0 is "no order"); the id is also the
 * order's priority when several orders could fill on the same event. */
#pragma once

#include "engine/trade.h"
#include "engine/types.h"

G_BEGIN_DECLS

typedef guint32 QlOrderId;

typedef enum
{
  QL_ORDER_MARKET,
  QL_ORDER_LIMIT,         /* limit_price */
  QL_ORDER_STOP,          /* stop_price; a market order once triggered */
  QL_ORDER_STOP_LIMIT,    /* stop_price, then a limit at limit_price */
  QL_ORDER_TRAILING_STOP, /* trail_amount or trail_ppm behind the best price */
} QlOrderType;

typedef enum
{
  QL_TIF_GTC, /* good till cancelled */
  QL_TIF_DAY, /* expires at the close of the session it is placed in, or of the
               * next session it meets when placed outside one */
  QL_TIF_IOC, /* matched against one event; the rest is cancelled */
  QL_TIF_FOK, /* fills whole on one event or is cancelled */
  QL_TIF_GTD, /* expires at expire_time */
} QlTimeInForce;

typedef enum
{
  QL_ORDER_PENDING,   /* accepted, waiting for its latency to pass */
  QL_ORDER_HELD,      /* a bracket child waiting for its entry to fill */
  QL_ORDER_WORKING,   /* live in the market (a stop may not be triggered yet) */
  QL_ORDER_FILLED,    /* terminal: the whole quantity filled */
  QL_ORDER_CANCELLED, /* terminal: by the strategy, OCO, IOC, its entry, a flatten */
  QL_ORDER_EXPIRED,   /* terminal: DAY or GTD time reached */
  QL_ORDER_REJECTED,  /* terminal: refused at submission (reject says why) */
} QlOrderState;

#define QL_REJECT_MAP(X)                                                    \
  X (NONE, "accepted")                                                      \
  X (UNKNOWN_SYMBOL, "unknown symbol")                                      \
  X (BAD_QUANTITY, "quantity is not positive")                              \
  X (LOT_SIZE, "quantity is not a multiple of the lot size")                \
  X (BAD_PRICE, "price missing or not positive for this order type")        \
  X (TICK_SIZE, "price is off the tick grid")                               \
  X (BAD_TIF, "time in force does not fit (GTD in the past)")               \
  X (REDUCE_ONLY, "reduce-only order would open or increase a position")    \
  X (SHORT_SELLING, "short selling is not allowed")                         \
  X (BUYING_POWER, "insufficient buying power")                             \
  X (ACCOUNT_RULE, "refused by an account rule")                            \
  X (ACCOUNT_BLOCKED, "the account takes no new orders")                    \
  X (NOT_FOUND, "no working order with this id")                            \
  X (OVERFLOW, "arithmetic overflow")                                       \
  X (BRACKET_LEG, "a bracket leg's quantity follows its entry's fills")     \
  X (TRIGGERED, "the stop has triggered: it is a market order now")

typedef enum
{
#define QL_REJECT_ENUM(name, text) QL_REJECT_##name,
  QL_REJECT_MAP (QL_REJECT_ENUM)
#undef QL_REJECT_ENUM
  QL_REJECT_N
} QlRejectReason;

const char *ql_reject_reason_to_string (QlRejectReason reason);

/* What a strategy asks for. Zero-initialise and fill what the type needs. */
typedef struct
{
  guint symbol;            /* index in the run's symbol list */
  QlSide side;
  QlOrderType type;
  QlTimeInForce tif;
  QlQty quantity;          /* > 0, a multiple of lot_size */
  QlPrice limit_price;     /* LIMIT, STOP_LIMIT; on the tick grid */
  QlPrice stop_price;      /* STOP, STOP_LIMIT; on the tick grid */
  QlPrice trail_amount;    /* TRAILING_STOP by amount: price units > 0 */
  gint64 trail_ppm;        /* TRAILING_STOP by percent: parts per million
                            * (1.5 % = 15000); used when trail_amount is 0 */
  QlTimeNs expire_time;    /* GTD */
  gboolean reduce_only;
  guint32 oco_group;       /* 0: none; orders sharing a group are one OCO */
  /* Bracket: when either is non-zero, the order is an entry whose children
   * (a take-profit limit and a stop-loss stop, reduce-only, GTC, one OCO
   * group) are held until it fills. On the tick grid. */
  QlPrice take_profit;
  QlPrice stop_loss;
  gint64 tag;              /* the strategy's own, carried to fills */
  /* What a trade this order closes records: QL_EXIT_SIGNAL (0) derives it
   * from the type (market: SIGNAL, limit: LIMIT, the stops: STOP); the
   * run sets MARGIN_CALL or ACCOUNT_RULE on its own closing orders. */
  QlExitReason exit_reason;
} QlOrderRequest;

/* An order as the broker keeps it. Read-only for strategies. */
typedef struct
{
  QlOrderId id;
  QlOrderRequest req;      /* quantity is the current (modified) quantity */
  QlOrderState state;
  QlRejectReason reject;
  QlQty filled;            /* <= req.quantity */
  double avg_fill_price;   /* in price units of the instrument, as a double */
  QlTimeNs created;        /* run time at submission */
  QlTimeNs active_from;    /* created + latency */
  QlTimeNs expires;        /* DAY / GTD: first instant it is expired; G_MAXINT64 else;
                            * QL_EXPIRES_NEXT_SESSION: a DAY order placed outside
                            * its session, until it meets an event inside one */
  QlOrderId parent;        /* bracket child: its entry; else 0 */
  QlOrderId children[2];   /* bracket entry: take-profit, stop-loss (0: none) */
  gboolean triggered;      /* STOP, STOP_LIMIT, TRAILING_STOP: the stop was reached */
  gboolean resting;        /* a limit seen not marketable once: it now rests at its price */
  gboolean matched_once;   /* IOC, FOK: has met one event */
  QlPrice trail_extreme;   /* TRAILING_STOP: best price since active (0: none yet) */
  QlPrice trail_stop;      /* TRAILING_STOP: current stop level */
  gint64 commission_base;  /* money charged so far, for the per-order minimum */
  gint64 commission_raw;   /* commission before the minimum, summed over fills */
} QlOrder;

/* QlOrder.expires of a DAY order waiting for its session (engine/broker.h). */
#define QL_EXPIRES_NEXT_SESSION G_MININT64

/* One execution. @commission is in money units (engine/portfolio.h). */
typedef struct
{
  QlOrderId order;
  guint symbol;
  QlSide side;
  QlQty quantity;          /* > 0 */
  QlPrice price;           /* after slippage */
  gint64 commission;       /* QlMoney */
  QlTimeNs time;           /* the event's: a tick's time, a bar's open time */
  gint64 tag;
  gboolean intrabar;       /* a bar's fill past its open, on the path inside the
                            * bar: known only at the bar's end (a fill at the
                            * open, or on a tick: FALSE) */
} QlFill;

static inline gboolean
ql_order_state_is_terminal (QlOrderState state)
{
  return state >= QL_ORDER_FILLED;
}

G_END_DECLS
