/* engine/aggregate.h — bar aggregation: ticks or smaller bars into bars of
 * any QlTimeframe, one tick at a time (a live chart) or a whole series at
 * once (history). Both go through the same code, so a chart built live and
 * the same chart rebuilt from the store are identical bar for bar.
 *
 * The rules, which are the documentation:
 *
 * Bar times. A time-based bar's time is its open time, the start of its
 * bucket, never the time of its first tick. A tick-count or volume bar has
 * no grid: its time is the time of its first tick.
 *
 * Intraday buckets (N seconds, minutes or hours). The grid starts at the
 * start of the trading day (ql_instrument_trading_day (): the session start
 * in the instrument's IANA zone) and steps by N; it restarts at each trading
 * day, so the last bucket of a day is cut short at the day's end when N does
 * not divide the day (7h bars of a 24 h day: 00:00, 07:00, 14:00, 21:00-24:00).
 * 1h bars of a 09:30 New York session open at 09:30, 10:30, ...; for a UTC
 * 24 h instrument this is the plain epoch grid. The grid is counted in
 * elapsed time from the day start, so on a DST day it keeps its step.
 *
 * Days. 1d is one bar per trading day [start, end). Nd groups N consecutive
 * trading-day labels (the label date of ql_instrument_trading_day (), as
 * days since 1970-01-01): labels k*N .. k*N+N-1 for the integer k, counted
 * from 1970-01-01. Every calendar date is a trading day here (the instrument
 * knows no holidays), so 2d bars pair dates, not sessions.
 * Weeks. ISO weeks: a week is the trading days labelled Monday to Sunday and
 * its bar opens at the start of the trading day labelled Monday (for FX at
 * 17:00 New York that is Sunday 17:00). Nw groups N weeks counted from the
 * ISO week of 1970-01-01 (it starts Monday 1969-12-29).
 * Months. A month is the trading days labelled with dates of that calendar
 * month; its bar opens at the start of the trading day labelled the 1st.
 * NM groups N months counted from January of year 0, so 3M bars are
 * calendar quarters and 12M bars calendar years.
 *
 * Session hours. The trading day of a 09:30-16:00 session runs from 09:30 to
 * the next 09:30; a tick outside the session hours still belongs to the
 * trading day that contains it (pre-market ticks of Tuesday 08:00 land in
 * Monday's day). Dropping extended-hours ticks is the feed's choice.
 *
 * Empty buckets produce no bar: there is no gap filling.
 *
 * Tick-count bars (100t): every 100 ticks make a bar, quote-only ticks
 * included; the tick that makes the 100th closes the bar, and the last bar
 * of a series may be partial and is still forming.
 * Volume bars (1000v): the threshold is 1000 units of volume, that is
 * 1000 * 10^qty_scale QlQty (saturating at G_MAXINT64). A bar closes as soon
 * as its volume reaches the threshold; the tick that reaches or crosses it
 * belongs to the closing bar whole (a tick is never split, so a bar may hold
 * more than the threshold), and the next tick opens a new bar.
 *
 * From ticks. Open, high, low and close are trade prices converted with
 * ql_price_to_double (); volume is the sum of the sizes, summed exactly in
 * QlQty and converted once with ql_qty_to_double () (the double nearest to
 * the exact sum); trades counts the ticks flagged QL_TICK_FLAG_TRADE. A
 * quote-only tick (QUOTE without TRADE) contributes the mid price
 * (bid + ask) / 2 (the double nearest to the exact mid) to open, high, low
 * and close, and adds no volume and no trade. A tick with neither flag, or
 * a negative size, is QL_STATUS_INVALID; a price, mid or volume sum beyond
 * int64 is QL_STATUS_OVERFLOW.
 *
 * From bars. First open, highest high, lowest low, last close, summed
 * volume and trades. A bar goes in the bucket of its open time. The source
 * timeframe must be declared first with ql_aggregator_set_source_timeframe (),
 * which refuses what ql_timeframe_divides () refuses (5m from 7m bars, 1w
 * from 2d bars) and every tick-count or volume target, which needs ticks.
 * A bucket may mix bars and ticks (history bars, then live ticks); its
 * sums then continue in double.
 *
 * Order. Input must be time ordered. A tick or bar older than the current
 * bar (its bucket start, or for count and volume bars its first tick) is
 * QL_STATUS_OUT_OF_ORDER; nothing changes and the aggregator stays usable.
 * Within the current bar, input is taken in arrival order (close is the
 * last arrival's price), so equal or slightly shuffled stamps of one bucket
 * are not an error. A failed call changes neither the aggregator nor @out.
 *
 * Forming and final bars. The forming bar is the last row of @out and is
 * rewritten in place on every input. A time-based bar becomes final when an
 * input opens a later bucket, or when ql_aggregator_close_until () reaches
 * its end; a count or volume bar becomes final with the tick that completes
 * it. Rows before the forming one never change again.
 *
 * Speed. Computing a trading day through GTimeZone costs about 1 us, so the
 * aggregator caches the current trading day and the current bucket [start,
 * end): an input inside the bucket costs one compare and a few min, max and
 * adds on integers (prices are kept as doubled fixed point, so trade prices
 * and quote mids share one exact scale; the conversion to double is
 * monotonic, so the max of the integers converts to the max of the doubles).
 * A new bucket within the cached day is arithmetic; GTimeZone is asked once
 * per trading day. */
#pragma once

#include "engine/instrument.h"
#include "engine/series.h"
#include "engine/status.h"
#include "engine/timeframe.h"

G_BEGIN_DECLS

#define QL_AGGREGATOR_ERROR (ql_aggregator_error_quark ())
GQuark ql_aggregator_error_quark (void);

typedef enum
{
  QL_AGGREGATOR_ERROR_INCOMPATIBLE, /* these bars cannot make those bars */
} QlAggregatorError;

/* (transfer full). Copies @inst (the caller keeps its own). @tf must have
 * n >= 1. */
QlAggregator *ql_aggregator_new (const QlInstrument *inst,
                                 const QlTimeframe  *tf);
void          ql_aggregator_free (QlAggregator *self); /* NULL is a no-op */

/* Declares the timeframe of the bars that ql_aggregator_push_bar () and
 * ql_aggregator_run_bars () will receive. FALSE with
 * QL_AGGREGATOR_ERROR_INCOMPATIBLE, and a message naming both timeframes,
 * when bars of @source cannot be combined exactly into this aggregator's
 * bars; the bar functions then return QL_STATUS_UNSUPPORTED. */
gboolean ql_aggregator_set_source_timeframe (QlAggregator      *self,
                                             const QlTimeframe *source,
                                             GError           **error);

/* Streaming: feeds one tick or one smaller bar. The caller passes the same
 * @out (a bar series, ql_series_new_bars ()) to every call of one aggregator
 * and removes no rows from it. The forming bar lives at the end of @out and
 * is updated in place; when the input opens a new bucket, the previous bar
 * is final and a new row is appended. *@closed (nullable) is set to TRUE
 * when this call made a bar final (so a live chart knows to commit its
 * indicators), FALSE otherwise; the bar that became final is the last row
 * when ql_aggregator_has_forming_bar () is FALSE afterwards, else the one
 * before it.
 * Returns QL_STATUS_OK; QL_STATUS_OUT_OF_ORDER, QL_STATUS_INVALID,
 * QL_STATUS_OVERFLOW as the rules above say (nothing changed); for bars,
 * QL_STATUS_UNSUPPORTED without an accepted source timeframe. */
QlStatus ql_aggregator_push_tick (QlAggregator *self,
                                  const QlTick *tick,
                                  QlSeries     *out,
                                  gboolean     *closed);
QlStatus ql_aggregator_push_bar (QlAggregator *self,
                                 const QlBar  *bar,
                                 QlSeries     *out,
                                 gboolean     *closed);

/* Batch: the same as pushing every row of @ticks (a tick series) or @bars
 * (a bar series) in order, with identical output; the tick loop is
 * specialised for rows inside the current bucket. Stops at the first row
 * that fails and returns its status: @out then holds the bars of the rows
 * before it and the aggregator stays usable. */
QlStatus ql_aggregator_run_ticks (QlAggregator   *self,
                                  const QlSeries *ticks,
                                  QlSeries       *out);
QlStatus ql_aggregator_run_bars (QlAggregator   *self,
                                 const QlSeries *bars,
                                 QlSeries       *out);

/* Time-based bars only: the time at which the forming bar closes (the end of
 * its bucket, exclusive), so a caller can close it on a timer without
 * waiting for the next tick; QL_TIME_NONE without a forming bar or for
 * tick-count and volume bars. */
QlTimeNs ql_aggregator_get_bar_end (const QlAggregator *self);

/* Time-based bars only: the bucket [*@start, *@end) of this aggregator's
 * timeframe that contains @t, on the grid of the rules above (the bucket a
 * bar with open time @t covers). Touches nothing but the cached trading
 * day, so it may be asked at any time, in any order. */
void     ql_aggregator_get_bucket (QlAggregator *self,
                                   QlTimeNs      t,
                                   QlTimeNs     *start,
                                   QlTimeNs     *end);

/* TRUE when the last row of the caller's @out is a forming bar. */
gboolean ql_aggregator_has_forming_bar (const QlAggregator *self);

/* The timer side of ql_aggregator_get_bar_end (): when @now >= the forming
 * bar's end, that bar becomes final (*@closed TRUE) and later input older
 * than that end is QL_STATUS_OUT_OF_ORDER. Otherwise nothing changes
 * (*@closed FALSE). */
QlStatus ql_aggregator_close_until (QlAggregator *self,
                                    QlTimeNs      now,
                                    gboolean     *closed);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QlAggregator, ql_aggregator_free)

G_END_DECLS
