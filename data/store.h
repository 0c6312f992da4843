/* data/store.h — the workspace: one SQLite file holding instruments,
 * watchlists and market data.
 *
 * Market data lives in the chunks table as blobs of data/chunk.h, each
 * holding up to QL_CHUNK_MAX_ROWS time-sorted rows of one instrument and
 * one kind ("ticks", or a canonical timeframe such as "1m" or "1d" for
 * bars). Chunks of one instrument and kind never share a timestamp: each
 * covers [start_ns, end_ns] and the next begins strictly after, so a
 * range read is an index range scan on end_ns, and a range replacement
 * touches at most the two chunks straddling its ends (plus two small
 * neighbours it merges with, so that writes in small batches still give
 * full chunks).
 *
 * A QlStore is one connection: use it from one thread at a time. */
#pragma once

#include "engine/instrument.h"
#include "engine/series.h"

G_BEGIN_DECLS

typedef struct QlStore QlStore;
typedef struct QlStoreCursor QlStoreCursor;

/* The schema version this build writes (PRAGMA user_version). */
#define QL_STORE_SCHEMA_VERSION 1
/* PRAGMA application_id of a workspace: "QLAB". */
#define QL_STORE_APPLICATION_ID 0x514C4142

#define QL_STORE_ERROR (ql_store_error_quark ())
GQuark ql_store_error_quark (void);

typedef enum
{
  QL_STORE_ERROR_OPEN,      /* cannot create or open the file, or not a workspace */
  QL_STORE_ERROR_SQL,       /* SQLite failed (I/O error, disk full, busy) */
  QL_STORE_ERROR_NOT_FOUND, /* no such instrument, watchlist or item */
  QL_STORE_ERROR_AMBIGUOUS, /* a symbol on several exchanges, none named */
  QL_STORE_ERROR_EXISTS,    /* the watchlist or item is already there */
  QL_STORE_ERROR_CORRUPT,   /* a chunk fails its checks */
  QL_STORE_ERROR_VERSION,   /* written by a newer QuantLab */
  QL_STORE_ERROR_INVALID,   /* bad arguments: unsorted rows, bad kind... */
  QL_STORE_ERROR_FAILED,
} QlStoreError;

/* The workspace -------------------------------------------------------- */

/* g_get_user_data_dir ()/quantlab/workspace.db. (transfer full) */
char    *ql_store_default_path (void);
/* Opens or creates the workspace at @path (NULL: the default path, whose
 * folder is created), bringing its schema up to QL_STORE_SCHEMA_VERSION in
 * one transaction. Refuses a file from a newer QuantLab. (transfer full) */
QlStore *ql_store_open (const char *path,
                        GError    **error);
/* Opens the workspace at @path (NULL: the default path) only if it is
 * there: for commands that read, a missing file is a mistyped path, not one
 * to create empty (which would hide the typo). QL_STORE_ERROR_OPEN names the
 * path and the command that creates one. (transfer full) */
QlStore *ql_store_open_existing (const char *path,
                                 GError    **error);
/* Closes the file. Every cursor must be freed first. NULL is a no-op. */
void     ql_store_free (QlStore *self);
/* (transfer none) */
const char *ql_store_get_path (QlStore *self);

/* An explicit transaction around many calls, e.g. one import: after
 * ql_store_rollback () the file is exactly as before ql_store_begin ().
 * Without one, every writing call is atomic on its own. A writing call
 * that fails inside a transaction undoes only its own changes, so the
 * caller decides whether to roll the whole back. Transactions do not
 * nest. */
gboolean ql_store_begin    (QlStore *self,
                            GError **error);
gboolean ql_store_commit   (QlStore *self,
                            GError **error);
gboolean ql_store_rollback (QlStore *self,
                            GError **error);
gboolean ql_store_in_transaction (QlStore *self);

/* Instruments ----------------------------------------------------------- */

/* Inserts @inst, or updates the instrument with its (symbol, exchange).
 * The symbol is normalised (ql_symbol_normalize), the exchange upper
 * cased. Changing price_scale or qty_scale of an instrument with stored
 * ticks is refused: the ticks are fixed point at the old scales.
 * @id_out (nullable) receives the row id. */
gboolean ql_store_put_instrument (QlStore            *self,
                                  const QlInstrument *inst,
                                  gint64             *id_out,
                                  GError            **error);
/* Looks up @symbol (normalised first; "BINANCE:BTCUSDT" names the
 * exchange too) on @exchange, or on any exchange when @exchange is NULL
 * or "": QL_STORE_ERROR_AMBIGUOUS if several have the symbol,
 * QL_STORE_ERROR_NOT_FOUND if none. On success @out is initialised (the
 * caller calls ql_instrument_clear ()); on failure it is untouched.
 * @id_out is nullable. */
gboolean ql_store_find_instrument (QlStore      *self,
                                   const char   *symbol,
                                   const char   *exchange,
                                   QlInstrument *out,
                                   gint64       *id_out,
                                   GError      **error);
/* The same by row id. */
gboolean ql_store_get_instrument (QlStore      *self,
                                  gint64        instrument_id,
                                  QlInstrument *out,
                                  GError      **error);

typedef struct
{
  gint64 id;
  QlInstrument instrument; /* initialised; cleared by ql_store_instrument_free () */
} QlStoreInstrument;

void ql_store_instrument_free (QlStoreInstrument *self); /* NULL is a no-op */

/* Every instrument by symbol, then exchange. (transfer full): a GPtrArray
 * of QlStoreInstrument that frees its elements. */
GPtrArray *ql_store_list_instruments (QlStore *self,
                                      GError **error);

/* Watchlists ------------------------------------------------------------ */

/* Names are unique; QL_STORE_ERROR_EXISTS if taken. @id_out is nullable. */
gboolean   ql_store_watchlist_create (QlStore    *self,
                                      const char *name,
                                      gint64     *id_out,
                                      GError    **error);
/* Deletes the list and its items (not the instruments). */
gboolean   ql_store_watchlist_delete (QlStore    *self,
                                      const char *name,
                                      GError    **error);
/* Inserts the instrument at @position (0 is first; -1 or past the end
 * appends); later items move down one. An instrument is at most once in a
 * list: QL_STORE_ERROR_EXISTS. */
gboolean   ql_store_watchlist_add    (QlStore    *self,
                                      const char *name,
                                      gint64      instrument_id,
                                      int         position,
                                      GError    **error);
/* Removes the instrument; later items move up one. */
gboolean   ql_store_watchlist_remove (QlStore    *self,
                                      const char *name,
                                      gint64      instrument_id,
                                      GError    **error);
/* Every list name, sorted. (transfer full): GPtrArray of char * that frees them. */
GPtrArray *ql_store_watchlist_names  (QlStore *self,
                                      GError **error);
/* The list's instruments in order. (transfer full): as ql_store_list_instruments (). */
GPtrArray *ql_store_watchlist_items  (QlStore    *self,
                                      const char *name,
                                      GError    **error);

/* Market data ----------------------------------------------------------- */

#define QL_STORE_KIND_TICKS "ticks"

typedef struct
{
  char kind[16];        /* "ticks" or a canonical timeframe ("1m", "1d") */
  gint64 n_rows;
  QlTimeNs first_time;  /* of the oldest row */
  QlTimeNs last_time;   /* of the newest row */
  gint64 n_chunks;
  gint64 n_bytes;       /* blob bytes, without SQLite's overhead */
} QlStoreSeriesInfo;

/* One entry per stored kind of the instrument, sorted by kind.
 * (transfer full): GArray of QlStoreSeriesInfo. */
GArray *ql_store_list_series (QlStore *self,
                              gint64   instrument_id,
                              GError **error);

/* Replaces the instrument's ticks with time in [@replace_from,
 * @replace_to] (both inclusive) by rows [@first, @first+@n) of @ticks, a
 * ql_series_new_ticks () series whose rows are sorted by time and lie in
 * that range (QL_STORE_ERROR_INVALID otherwise). Stored rows outside the
 * range are kept, so writing overlapping data never duplicates it; @n = 0
 * deletes the range. Atomic. More than QL_CHUNK_LIMIT_ROWS ticks at one
 * timestamp are refused. */
gboolean ql_store_write_ticks (QlStore        *self,
                               gint64          instrument_id,
                               const QlSeries *ticks,
                               gsize           first,
                               gsize           n,
                               QlTimeNs        replace_from,
                               QlTimeNs        replace_to,
                               GError        **error);
/* The same for bars (a ql_series_new_bars () series) of the timeframe
 * @kind, canonical as ql_timeframe_format () writes it. Prices are stored
 * as fixed point at @inst's price_scale, volume at its qty_scale; a
 * column with a double off that grid keeps the raw double, so bars always
 * read back bit-identical. */
gboolean ql_store_write_bars (QlStore            *self,
                              gint64              instrument_id,
                              const QlInstrument *inst,
                              const char         *kind,
                              const QlSeries     *bars,
                              gsize               first,
                              gsize               n,
                              QlTimeNs            replace_from,
                              QlTimeNs            replace_to,
                              GError            **error);

/* Appends every stored tick with @from <= time < @to to @out (a tick
 * series), in time order. G_MININT64 and G_MAXINT64 leave an end open (a
 * tick at exactly G_MAXINT64 is included by @to = G_MAXINT64). On error
 * @out keeps the rows it had before the call. */
gboolean ql_store_read_ticks (QlStore  *self,
                              gint64    instrument_id,
                              QlTimeNs  from,
                              QlTimeNs  to,
                              QlSeries *out,
                              GError  **error);
/* The same for bars of @kind into a bar series. Stored bars carry their
 * own scales, so @inst only names the instrument in messages (nullable). */
gboolean ql_store_read_bars (QlStore            *self,
                             gint64              instrument_id,
                             const QlInstrument *inst,
                             const char         *kind,
                             QlTimeNs            from,
                             QlTimeNs            to,
                             QlSeries           *out,
                             GError            **error);

/* Streams [@from, @to) of one kind a chunk at a time, for readers that
 * must not hold everything. The cursor reads one snapshot of the file;
 * free it before ql_store_free () and do not write the same instrument
 * and kind through @store while it is open. (transfer full) */
QlStoreCursor *ql_store_cursor_new  (QlStore    *store,
                                     gint64      instrument_id,
                                     const char *kind,
                                     QlTimeNs    from,
                                     QlTimeNs    to,
                                     GError    **error);
/* Appends the next chunk's rows in range (at least one) to @out, a tick
 * series for "ticks", else a bar series. FALSE at the end with @error
 * unset, or on error with @error set. */
gboolean       ql_store_cursor_next (QlStoreCursor *self,
                                     QlSeries      *out,
                                     GError       **error);
void           ql_store_cursor_free (QlStoreCursor *self); /* NULL is a no-op */

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QlStore, ql_store_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (QlStoreCursor, ql_store_cursor_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (QlStoreInstrument, ql_store_instrument_free)

G_END_DECLS
