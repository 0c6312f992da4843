/* data/feed.h — market data for a backtest run, pulled a chunk at a time
 * from the workspace or straight from a CSV/TSV file.
 *
 * A QlFeed owns what it reads and hands the run a QlSource (engine/
 * backtest.h) over it. The run never frees that source (its free is NULL):
 * the caller keeps the feed until the run is over, then asks it what
 * stopped it, since a QlSource can only answer with a QlStatus while a bad
 * CSV row deserves its FILE:LINE:COLUMN message. */
#pragma once

#include "data/store.h"
#include "engine/backtest.h"

G_BEGIN_DECLS

typedef struct QlFeed QlFeed;

/* Rows handed to the run per chunk, from a file. */
#define QL_FEED_CHUNK_ROWS 8192

/* The stored series @kind ("ticks" or a bar timeframe) of the instrument,
 * rows with @from <= time < @to. @inst is copied. (transfer full) */
QlFeed *ql_feed_new_store (QlStore            *store,
                           gint64              instrument_id,
                           const QlInstrument *inst,
                           const char         *kind,
                           QlTimeNs            from,
                           QlTimeNs            to,
                           GError            **error);

/* A CSV/TSV file of bars or ticks for @symbol, read as the importer reads
 * it (data/import.h: detection, one-trade bars as ticks); times without a
 * zone are in @tz (NULL: UTC). Rows outside [@from, @to) are skipped, rows
 * out of time order stop the run with an error. (transfer full) */
QlFeed *ql_feed_new_csv (const char *path,
                         const char *symbol,
                         const char *tz,
                         QlTimeNs    from,
                         QlTimeNs    to,
                         GError    **error);

/* Bars kept in memory (transfer none: @bars outlives the feed), for data
 * that had to be aggregated first. @inst is copied. */
QlFeed *ql_feed_new_bars (const QlInstrument *inst,
                          const QlTimeframe  *tf,
                          const QlSeries     *bars);

void ql_feed_free (QlFeed *self); /* NULL is a no-op */

/* (transfer none) */
const QlInstrument *ql_feed_get_instrument (QlFeed *self);
QlSourceKind        ql_feed_get_kind (QlFeed *self);
/* The bars' timeframe (QL_SOURCE_BARS). */
const QlTimeframe  *ql_feed_get_timeframe (QlFeed *self);
/* A source over the feed; valid while the feed lives. */
QlSource            ql_feed_get_source (QlFeed *self);
/* What stopped the feed early, or NULL when it ran to its end. */
const GError       *ql_feed_get_error (QlFeed *self);
/* Rows handed out so far. */
guint64             ql_feed_get_rows (QlFeed *self);
/* The first row's price (a bar's open) and the last row's (a bar's close);
 * a quote-only tick counts its mid. NAN before any row. */
double              ql_feed_get_first_price (QlFeed *self);
double              ql_feed_get_last_price (QlFeed *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QlFeed, ql_feed_free)

G_END_DECLS
