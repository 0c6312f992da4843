/* engine/portfolio.h — the exact ledger of one account: balance, netting
 * positions per symbol with their cost basis, realised and floating P&L,
 * margin, and the closed trades (engine/trade.h) they leave.
 *
 * Money. A QlMoney counts 10^-8 of the account currency (QL_MONEY_SCALE).
 * Every instrument is quoted in the account currency. The value of a price
 * x quantity product is price * qty * multiplier at the scale
 * 10^-(price_scale + qty_scale); it is kept exact in 128-bit integers in the
 * cost basis and converted to money, rounded half away from zero, when P&L is
 * realised or marked. An int64 overflow of a money figure is
 * QL_STATUS_OVERFLOW, never a wrap.
 *
 * Accounting is margin style, as a futures or CFD broker keeps it: buying
 * does not move the balance; the balance is the initial capital plus
 * realised P&L minus commissions; equity is the balance plus the open
 * positions marked at their last price. A cash stock account is the special
 * case of 100 % initial margin (no leverage), where equity is the same.
 *
 * Positions net: a buy reduces a short before it opens a long. Reducing a
 * position realises P&L against the average entry price; the cost removed is
 * the cost basis times the closed share, rounded to a whole unit, and the
 * remainder stays with the rest, so a position closed in pieces realises in
 * total exactly what it would closed at once (to the money unit of each piece).
 *
 * Trades. One QlTrade per round trip: from flat to flat (a reversal closes
 * one and opens the next). Scaling out adds to the open trade; quantity is
 * the total closed quantity, entry and exit prices are the averages of the
 * closed quantity, commission is the entry share of the closed quantity plus
 * the exit commissions. MAE and MFE are the worst and best excursion of the
 * prices marked or filled while the position was open, the exit fills
 * included, from the average entry price, times the closed quantity and the
 * multiplier (money, as doubles); so MAE <= min (0, gross P&L) and
 * MFE >= max (0, gross P&L) always hold. */
#pragma once

#include "engine/instrument.h"
#include "engine/status.h"
#include "engine/trade.h"

G_BEGIN_DECLS

typedef gint64 QlMoney;
#define QL_MONEY_SCALE 8
#define QL_MONEY_ONE G_GINT64_CONSTANT (100000000)

typedef struct QlPortfolio QlPortfolio;

/* Per-symbol settings. */
typedef struct
{
  const QlInstrument *inst;       /* (transfer none) outlives the portfolio */
  gint64 multiplier;              /* contract multiplier, >= 1 (1 for spot) */
  gint64 initial_margin_ppm;      /* share of notional held to open: 1000000 = 1:1, 50000 = 1:20 */
  gint64 maintenance_margin_ppm;  /* share of notional below which equity is a margin call; 0: never */
} QlPortfolioSymbol;

/* A position as it stands. */
typedef struct
{
  QlQty qty;                 /* signed: > 0 long, < 0 short */
  QlPrice last_price;        /* last marked price (0: none yet) */
  QlMoney realized;          /* realised P&L so far, gross of commission */
  QlMoney commission;        /* commissions paid on this symbol */
  double avg_price;          /* average entry price, price units (0 when flat) */
} QlPosition;

/* (transfer full). Copies @symbols (not the instruments). */
QlPortfolio *ql_portfolio_new (QlMoney                  initial_capital,
                               const QlPortfolioSymbol *symbols,
                               guint                    n_symbols);
void         ql_portfolio_free (QlPortfolio *self); /* NULL is a no-op */

guint ql_portfolio_get_n_symbols (const QlPortfolio *self);
const QlPortfolioSymbol *ql_portfolio_get_symbol (const QlPortfolio *self,
                                                  guint              symbol);

/* Books a fill: @side @qty (> 0) at @price, paying @commission. Realises
 * P&L on the part that reduces the position and closes a QlTrade when the
 * position goes flat or reverses. On failure (QL_STATUS_OVERFLOW) nothing
 * changed. */
QlStatus ql_portfolio_fill (QlPortfolio *self,
                            guint        symbol,
                            QlSide       side,
                            QlQty        qty,
                            QlPrice      price,
                            QlMoney      commission,
                            QlTimeNs     time);
/* The same; a trade this fill closes records @reason (ql_portfolio_fill ()
 * records QL_EXIT_SIGNAL). */
QlStatus ql_portfolio_fill_exit (QlPortfolio *self,
                                 guint        symbol,
                                 QlSide       side,
                                 QlQty        qty,
                                 QlPrice      price,
                                 QlMoney      commission,
                                 QlTimeNs     time,
                                 QlExitReason reason);

/* Marks @symbol at @last after the market traded between @low and @high
 * (all three equal for a tick); MAE and MFE follow the extremes. */
void ql_portfolio_mark (QlPortfolio *self,
                        guint        symbol,
                        QlPrice      low,
                        QlPrice      high,
                        QlPrice      last);

/* Counts one closed bar of the run's timeframe on @symbol (bars_held). */
void ql_portfolio_count_bar (QlPortfolio *self,
                             guint        symbol);

const QlPosition *ql_portfolio_get_position (const QlPortfolio *self,
                                             guint              symbol);

QlMoney  ql_portfolio_get_initial_capital (const QlPortfolio *self);
QlMoney  ql_portfolio_get_balance (const QlPortfolio *self);
/* Balance plus every position marked at its last price. */
QlStatus ql_portfolio_get_equity (const QlPortfolio *self,
                                  QlMoney           *equity);
/* Both of the above and ql_portfolio_get_gross_exposure () in one pass. */
QlStatus ql_portfolio_get_equity_exposure (const QlPortfolio *self,
                                           QlMoney           *equity,
                                           QlMoney           *exposure);
/* Floating P&L of one position at its last price. */
QlStatus ql_portfolio_get_unrealized (const QlPortfolio *self,
                                      guint              symbol,
                                      QlMoney           *unrealized);
/* Sum of |qty| * last * multiplier (money) over the positions. */
QlStatus ql_portfolio_get_gross_exposure (const QlPortfolio *self,
                                          QlMoney           *exposure);
/* Margin held by the open positions at their last prices, at the initial
 * (@maintenance FALSE) or maintenance rates. */
QlStatus ql_portfolio_get_margin (const QlPortfolio *self,
                                  gboolean           maintenance,
                                  QlMoney           *margin);
/* Buying-power check: TRUE when, after @symbol's position changed by
 * @delta (signed) at @price, the initial margin of all positions is at most
 * the equity (with @symbol marked at @price). A change that only reduces
 * the position is always affordable. */
gboolean ql_portfolio_can_afford (const QlPortfolio *self,
                                  guint              symbol,
                                  QlQty              delta,
                                  QlPrice            price);

/* |@qty| * @price * multiplier of @symbol in money (a notional value). */
QlStatus ql_portfolio_get_notional (const QlPortfolio *self,
                                    guint              symbol,
                                    QlQty              qty,
                                    QlPrice            price,
                                    QlMoney           *notional);

/* The closed trades so far, in closing order. */
const QlTrade *ql_portfolio_get_trades (const QlPortfolio *self,
                                        gsize             *n_trades);

/* Money as a double in currency units, for reports. */
static inline double
ql_money_to_double (QlMoney money)
{
  return (double) money / 1e8;
}

/* Rounds a currency amount to money units. */
QlMoney ql_money_from_double (double value);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QlPortfolio, ql_portfolio_free)

G_END_DECLS
