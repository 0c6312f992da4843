/* data/history.h — bars of any timeframe from what the workspace stores.
 *
 * A trader asks for "BTCUSDT, 1h" and does not care whether the workspace
 * holds 1h bars, 1m bars or ticks: this module picks the source and runs the
 * engine's aggregator over it, one stored chunk at a time, so memory grows
 * with the bars produced, not with the ticks read. */
#pragma once

#include "data/store.h"
#include "engine/timeframe.h"

G_BEGIN_DECLS

#define QL_HISTORY_ERROR (ql_history_error_quark ())
GQuark ql_history_error_quark (void);

typedef enum
{
  QL_HISTORY_ERROR_NO_SOURCE, /* nothing stored can make the bars asked for */
  QL_HISTORY_ERROR_FAILED,
} QlHistoryError;

/* Appends to @out (a bar series) the bars of @tf with open time in
 * [@from, @to) (G_MININT64/G_MAXINT64 for open ends). The source is, in
 * order of preference: stored bars of @tf itself; else the stored bar
 * series with the fewest rows whose timeframe divides @tf
 * (ql_timeframe_divides ()); else the stored ticks. Bars aggregated near
 * @from may be partial when @from falls inside one. @source_kind (nullable,
 * 16 bytes) receives the kind read ("ticks", "1m"). */
gboolean ql_history_load_bars (QlStore            *store,
                               gint64              instrument_id,
                               const QlInstrument *inst,
                               const QlTimeframe  *tf,
                               QlTimeNs            from,
                               QlTimeNs            to,
                               QlSeries           *out,
                               char               *source_kind,
                               GError            **error);

/* The stored series that ql_history_load_bars () would read for @tf bars,
 * into @kind (16 bytes): QL_HISTORY_ERROR_NO_SOURCE when there is none. */
gboolean ql_history_pick_source (QlStore            *store,
                                 gint64              instrument_id,
                                 const QlInstrument *inst,
                                 const QlTimeframe  *tf,
                                 char               *kind,
                                 GError            **error);

/* Looks up @symbol and loads its bars as above. When @timeframe is NULL,
 * the instrument must have exactly one stored bar series, which is used.
 * @inst_out (nullable) receives the instrument (clear it). */
gboolean ql_history_load_symbol_bars (QlStore      *store,
                                      const char   *symbol,
                                      const char   *timeframe,
                                      QlTimeNs      from,
                                      QlTimeNs      to,
                                      QlSeries     *out,
                                      QlInstrument *inst_out,
                                      char         *source_kind,
                                      GError      **error);

G_END_DECLS
