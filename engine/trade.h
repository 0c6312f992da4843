/* engine/trade.h — what a run leaves behind for reports and rules: closed
 * trades, the equity curve, and a view of an account at one instant.
 *
 * These plain records are the contract between the backtester (which
 * produces them), the analytics (engine/metrics.h) and the account rules
 * (engine/rules.h), so that each can be built and tested on its own. Money is
 * double in the account currency here: these are reporting values, derived
 * from the exact fixed-point ledger of the portfolio. */
#pragma once

#include "engine/types.h"

G_BEGIN_DECLS

typedef enum
{
  QL_SIDE_BUY = 1,
  QL_SIDE_SELL = -1,
} QlSide;

/* Why a trade closed: what sent the order whose fill closed it (the fill
 * that took the position to flat or through it). */
typedef enum
{
  QL_EXIT_SIGNAL,       /* a market order of the strategy */
  QL_EXIT_LIMIT,        /* a limit order (a bracket's take-profit) */
  QL_EXIT_STOP,         /* a stop, stop-limit or trailing stop (a bracket's stop-loss) */
  QL_EXIT_MARGIN_CALL,  /* the run's liquidation at a margin call */
  QL_EXIT_ACCOUNT_RULE, /* the run's flatten for an account rule (the observer) */
} QlExitReason;

/* One closed round trip: a position opened and closed (or reduced) on one
 * symbol. A position that is reversed closes one trade and opens another. */
typedef struct
{
  guint symbol;         /* index in the run's symbol list */
  QlSide side;          /* BUY: a long trade; SELL: a short one */
  double quantity;      /* > 0, in units of the instrument */
  QlTimeNs entry_time;
  double entry_price;   /* average entry price */
  QlTimeNs exit_time;
  double exit_price;    /* average exit price */
  double pnl;           /* net: gross P&L minus commission */
  double commission;    /* entry and exit commissions of this quantity */
  double mae;           /* maximum adverse excursion while open, <= 0, money */
  double mfe;           /* maximum favourable excursion while open, >= 0, money */
  guint bars_held;      /* bars of the run's timeframe between entry and exit */
  QlExitReason exit_reason;
} QlTrade;

/* One point of the equity curve, recorded at every bar close of the run's
 * timeframe (and at the end of the run). */
typedef struct
{
  QlTimeNs time;
  double balance;  /* cash plus realised P&L: closed positions only */
  double equity;   /* balance plus the open positions marked to the market */
  double exposure; /* gross market value of open positions / equity, >= 0 */
} QlEquityPoint;

/* An account at one instant, as the account rules see it. */
typedef struct
{
  QlTimeNs time;
  double initial_capital;
  double balance;        /* closed balance: realised P&L and fees booked */
  double equity;         /* balance plus floating P&L */
  guint n_symbols;
  const double *position; /* signed quantity per symbol (n_symbols), units */
} QlAccountView;

/* What an account observer (the account rules) asks the run to do. */
typedef enum
{
  QL_ACCOUNT_CONTINUE,        /* nothing to do */
  QL_ACCOUNT_BLOCK_NEW,       /* reject new orders until the observer allows them again */
  QL_ACCOUNT_FLATTEN_BLOCK,   /* cancel working orders, close every position, then block */
  QL_ACCOUNT_FLATTEN_DISABLE, /* the same, for the rest of the run (a failed account) */
} QlAccountAction;

/* The hook through which account rules watch a run without the run knowing
 * them. Every callback is optional (NULL). @data is the observer's. */
typedef struct
{
  /* Before an order is accepted. Return FALSE with a one-line @reason to
   * reject it. @quantity is signed units after the order would fill. */
  gboolean (*check_order) (gpointer             data,
                           const QlAccountView *account,
                           guint                symbol,
                           QlSide               side,
                           double               quantity,
                           double               position_after,
                           char                *reason,
                           gsize                reason_size);
  /* After every fill, with the account as it is after it. */
  QlAccountAction (*on_fill) (gpointer data, const QlAccountView *account);
  /* At every event that moves the clock (each tick or bar of the run), with
   * equity marked to that event's prices: daily resets, floating-loss limits
   * and trading-hour windows are decided here. Called before the strategy
   * sees the event. */
  QlAccountAction (*on_clock) (gpointer data, const QlAccountView *account);
  gpointer data;
} QlAccountObserver;

G_END_DECLS
