/* data/import.h — CSV/TSV files into the workspace, streamed, atomically.
 *
 * One file is one transaction: a malformed row stops the import with
 * `FILE:LINE:COLUMN: what is wrong` and leaves the workspace exactly as it
 * was, unless skip_bad asks to skip such rows (they are counted and the
 * first line numbers reported). Rows are read in constant memory and stored
 * chunk by chunk; stored data overlapping the file's time range is replaced,
 * never duplicated.
 *
 * Ordering policy, applied per block of QL_IMPORT_BLOCK_ROWS rows:
 *  - rows out of time order within a block are sorted (stable);
 *  - bars with the same time: the later row in the file wins, the earlier is
 *    dropped and counted as a duplicate; ticks with the same time are all
 *    kept (several trades in one timestamp are normal);
 *  - a row older than rows already stored from an earlier block is dropped
 *    and counted as out of order (sort the file to keep it).
 *
 * What a bars file holds is detected from its first rows unless a timeframe
 * is given: time steps of 20 hours or more are daily bars (weekly from 6
 * days, monthly from 27 days); shorter steps that are all whole multiples of
 * the smallest whole-second step are bars of that step; otherwise a file
 * whose rows all have open = high = low = close is a file of one-trade bars
 * and is imported as ticks (price = close, size = volume). */
#pragma once

#include "data/csv.h"
#include "data/store.h"
#include "engine/timeframe.h"

G_BEGIN_DECLS

#define QL_IMPORT_ERROR (ql_import_error_quark ())
GQuark ql_import_error_quark (void);

typedef enum
{
  QL_IMPORT_ERROR_TIMEFRAME, /* the bars' timeframe cannot be told; pass one */
  QL_IMPORT_ERROR_EMPTY,     /* no data rows */
  QL_IMPORT_ERROR_FAILED,
} QlImportError;

#define QL_IMPORT_BLOCK_ROWS 65536
#define QL_IMPORT_MAX_BAD_LINES 5

typedef void (*QlImportProgressFunc) (guint64  done_bytes,
                                      guint64  total_bytes,
                                      gpointer user_data);

typedef struct
{
  const char *symbol;    /* required: "BTC-USDT", "BINANCE:BTCUSDT" */
  const char *timeframe; /* bars' timeframe ("1m", "1d"); NULL = detect */
  gboolean ticks;        /* store as ticks whatever the columns say */
  const char *format;    /* QlCsvOptions.format: NULL = detect */
  const char *tz;        /* zone of times written without one; NULL = the
                          * instrument's, UTC for a new instrument. A new
                          * instrument takes this zone. */
  int price_scale;       /* -1: the instrument's, or detected for a new one */
  gboolean skip_bad;
  QlImportProgressFunc progress; /* nullable; called about every MiB */
  gpointer progress_data;
} QlImportOptions;

typedef struct
{
  char symbol[QL_SYMBOL_MAX];
  char exchange[QL_EXCHANGE_MAX];
  char kind[16];                /* "ticks" or a timeframe such as "1m" */
  gboolean new_instrument;
  int price_scale;
  int qty_scale;
  char layout[320];             /* the reader's description of the file */
  guint64 rows_read;            /* data rows seen, good or bad */
  guint64 rows_stored;
  guint64 bad_rows;             /* skipped with skip_bad */
  guint64 bad_lines[QL_IMPORT_MAX_BAD_LINES];
  guint64 duplicates;           /* bars dropped for a later row of the same time */
  guint64 out_of_order;         /* rows older than an earlier block, dropped */
  guint64 out_of_order_lines[QL_IMPORT_MAX_BAD_LINES];
  guint64 sorted_blocks;        /* blocks that needed sorting */
  QlTimeNs first;               /* time range stored */
  QlTimeNs last;
} QlImportReport;

void ql_import_options_init (QlImportOptions *opts);

/* Imports @path into @store. On failure the workspace is unchanged.
 * @report (nullable) is filled in either case, as far as the import got. */
gboolean ql_import_file (QlStore               *store,
                         const char            *path,
                         const QlImportOptions *opts,
                         QlImportReport        *report,
                         GError               **error);

/* The timeframe of bars from their first rows, by the rule above; or, for
 * rows that fit no timeframe but are all one-trade bars, *@one_trade_ticks
 * TRUE (the rows are trades). @path names the file in messages. */
gboolean ql_import_detect_timeframe (const char        *path,
                                     const QlCsvRecord *recs,
                                     gsize              n,
                                     QlTimeframe       *tf,
                                     gboolean          *one_trade_ticks,
                                     GError           **error);

G_END_DECLS
