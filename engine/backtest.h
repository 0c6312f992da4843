/* engine/backtest.h — one deterministic backtest run: market data pulled
 * per symbol in chunks, merged into one event stream, matched by the broker
 * (engine/broker.h), booked by the portfolio (engine/portfolio.h), shown to
 * a strategy through a table of callbacks and a context.
 *
 * Events. Each symbol's input (ticks, or bars of a declared timeframe) and
 * the closes of its bars (one QlAggregator per subscribed timeframe, fed
 * from that input) form one stream ordered by time, then by the symbol's
 * index, then by arrival (a symbol's bar closing at T comes before its input
 * stamped T, which belongs to the next bar). For each input event: the
 * symbol's working orders are matched against it first; the portfolio is
 * marked; the account observer sees each fill (on_fill) and the clock
 * (on_clock); then the strategy gets on_order_fill and on_position_change
 * for each fill, then on_tick (tick input, when it has the callback).
 *
 * Bars. A time-based bar closes at its end time, as its own event in the
 * stream (so with tick input it closes even when the next tick is far off);
 * a tick-count or volume bar closes on the tick that completes it. With bar
 * input, a bar also closes once an input bar reaching its end has been
 * matched (a source bar's end is its open time plus the source timeframe's
 * nominal length; a source in months closes with the next input): every
 * subscription of that symbol takes the input first, and the close is told
 * after every symbol's input of the input's instant, before any later one,
 * so that on_bar sees all symbols at that instant. When another event of
 * the same instant follows (another symbol's input, or a close of its bar
 * there), the input bar is matched at once but enters the subscriptions
 * only once the events of its instant are over, just before the closes
 * are told: what the strategy hears of the fills of that instant
 * (on_order_fill, on_position_change) shows, of every symbol, only bars
 * that ended by then, never a bar opening at that instant (its close is a
 * price of its end), whatever the symbols' order. A bar input longer
 * than the run's finest input (another symbol's ticks or shorter bars, or
 * bars as long of another timeframe) is matched at its open like any
 * other, but enters its symbol's subscriptions only when the clock reaches
 * its end (its open plus its timeframe, cut at the end of its trading day;
 * for days, weeks and months the end of its calendar bucket): after the
 * closes of bars ending before it, before any event at or after it; the
 * closes it makes are told then, so bars ending at that instant see it and
 * nothing earlier does (no look-ahead from a week of B into A's Monday).
 * The portfolio follows: such a bar is marked at its open with its open
 * only, and with its range and close at its end, just before it enters,
 * where the margin call and the observer's clock see it as an event of
 * its symbol at that end (the equity, margin and account rules of the
 * events inside it value it at its open).
 * At a close
 * of the run's timeframe the run records an equity point (time: the bar's
 * open time; one point per instant, the last symbol's close wins) and then
 * calls on_bar. Orders placed in on_bar are stamped with the bar's end time,
 * so they meet the input that follows: the next tick, or the next bar's
 * open. Orders placed in on_order_fill and on_position_change are stamped
 * with the event's time, except after a fill inside an input bar (past its
 * open, QlFill.intrabar), whose price is known only at the bar's end: then
 * with that end, as below; a cancel or modification sent then to another
 * symbol's order takes effect at that end too (ql_context_cancel ()). The run's own closing orders (a margin call, an
 * observer's flatten) are stamped with the time of the prices that decided
 * them: the tick's, or the end of the input bar whose close was marked, so
 * they fill at each symbol's first input at or after it (with bars: the
 * open of its first bar starting then or later), never at an earlier open
 * of another symbol. When the input ends, the time-based bars still forming close at
 * their end times; a partial tick-count or volume bar is not closed, and a
 * last equity point is then recorded at the time of the last event.
 *
 * Magnifier. A symbol may give, besides its source, a finer series (smaller
 * bars, or ticks): the run then reads that series instead. The run's bars
 * are built from it, and orders are matched on its finer events, which
 * resolves the path inside each bar of the run's timeframe.
 *
 * Memory grows with the number of symbols, orders and trades (and the
 * equity points, one per bar), not with the input rows: input is pulled one
 * chunk at a time and a chunk is released before the next is asked for, and
 * each bar series keeps a window of max_bars (QlRunConfig).
 *
 * Determinism: one thread, no clock, no hash tables; equal inputs and
 * settings give byte-identical trades and equity points. */
#pragma once

#include "engine/aggregate.h"
#include "engine/broker.h"
#include "engine/metrics.h"
#include "engine/portfolio.h"
#include "engine/timeframe.h"
#include "engine/trade.h"

G_BEGIN_DECLS

typedef struct QlBacktest QlBacktest;
/* A strategy's window on the run: the run itself, seen through
 * ql_context_* functions. Valid inside the callbacks only. */
typedef struct QlBacktest QlContext;

/* A pull source of one symbol's market data. next () sets *@chunk to the
 * next rows (a tick or bar series as the symbol's kind says, time ordered,
 * at least one row), valid until the following call; to NULL at the end.
 * A status other than QL_STATUS_OK stops the run with it. */
typedef struct
{
  QlStatus (*next) (gpointer          data,
                    const QlSeries **chunk);
  void (*free) (gpointer data); /* nullable; called by ql_backtest_free () */
  gpointer data;
} QlSource;

typedef enum
{
  QL_SOURCE_TICKS,
  QL_SOURCE_BARS,
} QlSourceKind;

typedef struct
{
  const QlInstrument *inst;       /* (transfer none) outlives the run */
  QlSourceKind kind;
  QlTimeframe bar_timeframe;      /* QL_SOURCE_BARS: the bars' timeframe */
  QlSource source;                /* (transfer full): the run frees it */
  /* Optional finer input (next != NULL): read instead of @source. */
  QlSourceKind magnifier_kind;
  QlTimeframe magnifier_timeframe;
  QlSource magnifier;             /* (transfer full) */
  gint64 multiplier;              /* 0 means 1 */
  gint64 initial_margin_ppm;      /* 0 means 1000000: no leverage */
  gint64 maintenance_margin_ppm;  /* 0: no margin call on this symbol */
} QlRunSymbol;

typedef enum
{
  QL_MARGIN_CALL_NONE,        /* record only (stats.margin_calls) */
  QL_MARGIN_CALL_CLOSE_ALL,   /* cancel every order, close every position at market */
  QL_MARGIN_CALL_CLOSE_WORST, /* close the position with the largest floating loss */
} QlMarginCallPolicy;

/* Bars of each subscription a strategy can look back at when max_bars is 0. */
#define QL_BACKTEST_DEFAULT_MAX_BARS 10000

typedef struct
{
  QlTimeframe timeframe;          /* the run's bars: equity points, builtins */
  /* History window: each subscription keeps at least its last max_bars
   * closed bars (older ones are dropped in batches, so a series holds
   * between max_bars and 8 * max_bars rows); 0: QL_BACKTEST_DEFAULT_MAX_BARS,
   * G_MAXSIZE: everything. */
  gsize max_bars;
  QlMoney initial_capital;
  QlBrokerConfig broker;
  QlMarginCallPolicy margin_call;
  QlAccountObserver observer;     /* all NULL: none */
  /* Keep no equity curve, only its figures (ql_backtest_get_curve_stats,
   * no risk-free rate): what a parameter sweep needs, in memory that does
   * not grow with the bars. ql_backtest_get_equity () then has no points. */
  gboolean curve_stats_only;
} QlRunConfig;

typedef struct
{
  /* Every callback is optional. @data is QlStrategy.data. */
  void (*on_start) (QlContext *ctx, gpointer data);
  void (*on_tick) (QlContext *ctx, guint symbol, const QlTick *tick, gpointer data);
  /* A bar of the subscribed timeframe @tf (0: the run's) closed: it is the
   * last row of ql_context_get_bars (ctx, symbol, tf). */
  void (*on_bar) (QlContext *ctx, guint symbol, guint tf, gpointer data);
  void (*on_order_fill) (QlContext *ctx, const QlOrder *order, const QlFill *fill, gpointer data);
  void (*on_position_change) (QlContext *ctx, guint symbol, const QlPosition *position, gpointer data);
  void (*on_end) (QlContext *ctx, gpointer data);
} QlStrategyClass;

typedef struct
{
  const QlStrategyClass *klass;
  gpointer data;
} QlStrategy;

typedef struct
{
  guint64 events;             /* input rows */
  guint64 bars;               /* closes of the run's timeframe, all symbols */
  guint64 fills;
  guint64 margin_calls;
  guint64 late_refusals;      /* cancels and modifications that waited (see
                               * ql_context_cancel ()) and were refused when
                               * they came due, e.g. the order had filled */
  QlMoney max_drawdown;       /* peak-to-trough of equity at events that move it */
  QlMoney peak_equity;
} QlRunStats;

/* (transfer full). Takes the sources in @symbols (even on failure); NULL
 * with a message when the timeframes do not fit (bar input that cannot
 * build the run's bars, a tick-count timeframe from bars). */
QlBacktest *ql_backtest_new (const QlRunConfig *config,
                             const QlRunSymbol *symbols,
                             guint              n_symbols,
                             GError           **error);
void        ql_backtest_free (QlBacktest *self); /* NULL is a no-op */

/* Runs to the end of the input, once. QL_STATUS_OK, or the status of a
 * source or of a fill that overflowed (the results so far stay readable). */
QlStatus ql_backtest_run (QlBacktest       *self,
                          const QlStrategy *strategy);

const QlTrade       *ql_backtest_get_trades (const QlBacktest *self,
                                             gsize            *n_trades);
const QlEquityPoint *ql_backtest_get_equity (const QlBacktest *self,
                                             gsize            *n_points);
/* With curve_stats_only: the curve's figures, for QlMetricsInput.curve;
 * otherwise NULL (the points are in ql_backtest_get_equity ()). */
const QlCurveStats  *ql_backtest_get_curve_stats (const QlBacktest *self);
const QlRunStats    *ql_backtest_get_stats (const QlBacktest *self);
QlPortfolio         *ql_backtest_get_portfolio (const QlBacktest *self);
QlBroker            *ql_backtest_get_broker (const QlBacktest *self);
/* Final equity: the balance plus open positions at their last price. */
QlMoney              ql_backtest_get_final_equity (const QlBacktest *self);

/* ---- the strategy's context ------------------------------------------- */

QlTimeNs            ql_context_get_time (const QlContext *ctx);
guint               ql_context_get_n_symbols (const QlContext *ctx);
const QlInstrument *ql_context_get_instrument (const QlContext *ctx,
                                               guint            symbol);
/* From on_start only: also build @tf bars of @symbol; returns its index
 * (>= 1) for on_bar and ql_context_get_bars, or -1 when @tf cannot be built
 * from the symbol's input. */
int                 ql_context_subscribe (QlContext         *ctx,
                                          guint              symbol,
                                          const QlTimeframe *tf);
/* (transfer none) The bars of @tf so far (the last max_bars at least; row
 * indices shift when old rows are dropped). In on_bar every row is closed;
 * elsewhere the last row may be a bar still forming. With bar input, in
 * on_order_fill and on_position_change no symbol shows a bar opening at
 * the fill's instant or later (see Events above). The same series
 * object for the whole run: a strategy may keep the pointer from on_start
 * (its rows and columns move, so read them afresh at each event). */
const QlSeries     *ql_context_get_bars (const QlContext *ctx,
                                         guint            symbol,
                                         guint            tf);
/* Whether the last row of ql_context_get_bars (@symbol, @tf) is a bar
 * still forming (FALSE: every row is closed). */
gboolean            ql_context_bar_is_forming (const QlContext *ctx,
                                               guint            symbol,
                                               guint            tf);
/* The timeframe of subscription @tf of @symbol (0: the run's). */
const QlTimeframe  *ql_context_get_timeframe (const QlContext *ctx,
                                              guint            symbol,
                                              guint            tf);
const QlPosition   *ql_context_get_position (const QlContext *ctx,
                                             guint            symbol);
QlMoney             ql_context_get_balance (const QlContext *ctx);
QlMoney             ql_context_get_equity (const QlContext *ctx);
/* Live orders of @symbol (ids ascending) and any order by id. */
const QlOrderId    *ql_context_get_live_orders (const QlContext *ctx,
                                                guint            symbol,
                                                guint           *n);
const QlOrder      *ql_context_get_order (const QlContext *ctx,
                                          QlOrderId        id);
/* Places an order at the current time. *@id (nullable) gets its id even
 * when it is rejected; the text of an account-rule refusal is
 * ql_context_get_reject_text (). */
QlRejectReason      ql_context_submit (QlContext            *ctx,
                                       const QlOrderRequest *req,
                                       QlOrderId            *id);
/* Cancel, modify (ql_broker_modify ()) and change a trailing distance
 * (ql_broker_modify_trail ()). At once, with the broker's answer, except in
 * on_order_fill and on_position_change after a fill inside an input bar
 * (QlFill.intrabar) on an order of another symbol than the fill's: the
 * request then takes effect at the time orders sent there get (that bar's
 * end), before any event at or after it, so the other symbol's bar of the
 * fill's instant is still matched with the order as it was. The checks
 * that need no account or market answer at once (NOT_FOUND for an order
 * not working now, the grid, the lot...); else QL_REJECT_NONE means
 * accepted, to be applied then (the order still shows as it was until
 * then), and a refusal at that time (the order filled meanwhile, buying
 * power) is counted in QlRunStats.late_refusals. */
QlRejectReason      ql_context_cancel (QlContext *ctx,
                                       QlOrderId  id);
QlRejectReason      ql_context_modify (QlContext *ctx,
                                       QlOrderId  id,
                                       QlQty      quantity,
                                       QlPrice    limit_price,
                                       QlPrice    stop_price);
QlRejectReason      ql_context_modify_trail (QlContext *ctx,
                                             QlOrderId  id,
                                             QlPrice    trail_amount,
                                             gint64     trail_ppm);
const char         *ql_context_get_reject_text (const QlContext *ctx);

/* Market order shortcut. */
QlRejectReason      ql_context_market (QlContext *ctx,
                                       guint      symbol,
                                       QlSide     side,
                                       QlQty      quantity);

/* ---- in-memory sources ------------------------------------------------- */

/* A source over @series (transfer none: it must outlive the run), handing
 * out views of @chunk_rows rows (0: the whole series as one chunk). */
QlSource ql_source_new_memory (const QlSeries *series,
                               gsize           chunk_rows);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QlBacktest, ql_backtest_free)

G_END_DECLS
