/* data/csv.h — streaming reader for CSV/TSV files of bars or ticks.
 *
 * The reader detects the delimiter, the header, the column roles, the time
 * format and the decimal scales from the first block of the file, then
 * returns one record per row with exact fixed-point prices. It reads the
 * file in 1 MiB blocks and keeps only the partial last line between blocks,
 * so memory is constant whatever the file size. Blank lines and lines
 * starting with '#' (comments) are skipped. Every malformed row is a
 * QL_CSV_ERROR reading `FILE:LINE:COLUMN: what is wrong`; the next call
 * continues on the following line, so a caller may skip bad rows.
 *
 * Times without a zone are in QlCsvOptions.tz. Epoch numbers are UTC and
 * their unit is told by magnitude, per value:
 *
 *   |value| < 10^11           seconds       (to the year 5138)
 *   10^11 <= |value| < 10^14  milliseconds  (1973-03-03 on)
 *   10^14 <= |value| < 10^17  microseconds  (1973-03-03 on)
 *   10^17 <= |value|          nanoseconds   (1973-03-03 on)
 *
 * A local time that a DST change skips maps to the first instant after the
 * gap; one that occurs twice takes standard time (the later instant), as
 * ql_instrument_local_to_utc () does. */
#pragma once

#include "engine/series.h"

G_BEGIN_DECLS

#define QL_CSV_ERROR (ql_csv_error_quark ())
GQuark ql_csv_error_quark (void);

typedef enum
{
  QL_CSV_ERROR_BAD_NUMBER,    /* a field that must be a number is not */
  QL_CSV_ERROR_BAD_TIME,      /* a time field that does not parse or is out of range */
  QL_CSV_ERROR_BAD_FIELD,     /* another field with an unknown value (side) */
  QL_CSV_ERROR_MISSING_FIELD, /* fewer fields than columns, or a required one empty */
  QL_CSV_ERROR_EXTRA_FIELD,   /* more fields than columns */
  QL_CSV_ERROR_SCALE,         /* more significant decimals than the detected scale */
  QL_CSV_ERROR_OVERFLOW,      /* a fixed-point mantissa past 2^53 */
  QL_CSV_ERROR_INCONSISTENT,  /* high below open/close/low, or low above open/close */
  QL_CSV_ERROR_IO,            /* the file cannot be read; the reader is then at its end */
  QL_CSV_ERROR_FORMAT,        /* the layout cannot be detected or does not fit the format asked */
  QL_CSV_ERROR_FAILED,
} QlCsvError;

typedef enum
{
  QL_CSV_BARS,
  QL_CSV_TICKS,
} QlCsvKind;

/* What a column holds. */
typedef enum
{
  QL_CSV_COL_IGNORE,        /* read and dropped (Adj Close, ids, quote volume) */
  QL_CSV_COL_TIME,          /* a full time: date and time, date alone, or epoch */
  QL_CSV_COL_DATE,          /* the date half of a date + time pair */
  QL_CSV_COL_CLOCK,         /* the time-of-day half of a date + time pair */
  QL_CSV_COL_OPEN,
  QL_CSV_COL_HIGH,
  QL_CSV_COL_LOW,
  QL_CSV_COL_CLOSE,
  QL_CSV_COL_VOLUME,        /* bars: volume, at qty_scale */
  QL_CSV_COL_OPEN_INTEREST, /* bars, at qty_scale */
  QL_CSV_COL_PRICE,         /* ticks: trade price */
  QL_CSV_COL_SIZE,          /* ticks: trade size, at qty_scale */
  QL_CSV_COL_BID,
  QL_CSV_COL_ASK,
  QL_CSV_COL_SIDE,          /* "buy"/"sell"/"b"/"s", any case */
  QL_CSV_COL_BUYER_MAKER,   /* "true": the buyer was the maker, so the aggressor sold */
  QL_CSV_N_COLS
} QlCsvColumn;

/* The time format of the first row (later rows may use any form of the
 * same family: an ISO file may mix dates with and without a time). */
typedef enum
{
  QL_CSV_TIME_ISO,      /* YYYY-MM-DD[T ]HH:MM[:SS[.fraction]][Z|±HH:MM|±HHMM] */
  QL_CSV_TIME_ISO_DATE, /* YYYY-MM-DD */
  QL_CSV_TIME_YYYYMMDD, /* YYYYMMDD */
  QL_CSV_TIME_US,       /* MM/DD/YYYY HH:MM[:SS[.fraction]] */
  QL_CSV_TIME_US_DATE,  /* MM/DD/YYYY */
  QL_CSV_TIME_EPOCH_S,  /* unit by magnitude, see above; this is the first row's */
  QL_CSV_TIME_EPOCH_MS,
  QL_CSV_TIME_EPOCH_US,
  QL_CSV_TIME_EPOCH_NS,
} QlCsvTimeFormat;

#define QL_CSV_MAX_COLUMNS 256

typedef struct
{
  const char *format; /* NULL = detect; or "ohlcv", "ticks", "quotes",
                       * "binance-klines", "binance-trades" */
  GTimeZone *tz;      /* zone of times written without one; NULL = UTC (borrowed) */
  int price_scale;    /* decimals of prices, 0..9; -1 = detect from the first rows */
  int qty_scale;      /* decimals of volume and size, 0..9; -1 = detect */
} QlCsvOptions;

/* Fills @opts with the defaults: detect everything, UTC. */
void ql_csv_options_init (QlCsvOptions *opts);

typedef struct
{
  QlCsvKind kind;
  const char *format;          /* static string: "ohlcv", "ticks", "quotes", "binance-klines", "binance-trades" */
  char delimiter;              /* ',', '\t', ';' or '|' */
  gboolean has_header;
  guint n_columns;             /* fields per row */
  guint8 columns[QL_CSV_MAX_COLUMNS]; /* QlCsvColumn of each field */
  QlCsvTimeFormat time_format;
  gboolean split_date_time;    /* time comes from a DATE and a CLOCK column */
  int price_scale;             /* decimals of prices: given or detected */
  int qty_scale;               /* decimals of volume/size: given or detected */
  gboolean has_volume;         /* bars: volume column; ticks: size column */
  gboolean has_open_interest;
  gboolean has_trades;         /* ticks: a trade price column */
  gboolean has_quotes;         /* ticks: bid and ask columns */
  gboolean has_side;           /* ticks: side or is_buyer_maker column */
  char description[320];       /* one line for people: "bars (ohlcv), comma-separated, ..." */
} QlCsvLayout;

/* One row. Fields the layout does not have are 0. */
typedef struct
{
  QlTimeNs time;          /* ns UTC */
  gint64 open, high, low, close; /* bars: fixed point at price_scale */
  gint64 volume;          /* bars: fixed point at qty_scale */
  gint64 open_interest;   /* bars: fixed point at qty_scale */
  gint64 price, size;     /* ticks: trade price (price_scale) and size (qty_scale) */
  gint64 bid, ask;        /* ticks with quotes, at price_scale */
  guint32 flags;          /* QlTickFlags: TRADE, QUOTE, BUY, SELL (ticks) */
  guint64 line;           /* 1-based line number in the file */
} QlCsvRecord;

typedef struct QlCsvReader QlCsvReader;

/* Opens @path and detects its layout from the first block. @opts may be
 * NULL for the defaults; it is read during the call only, but opts->tz is
 * referenced for the reader's life. (transfer full) */
QlCsvReader *ql_csv_reader_new_for_path (const char         *path,
                                         const QlCsvOptions *opts,
                                         GError            **error);
/* Reads @len bytes of @data, which must outlive the reader (no copy is
 * made); @name stands for the file in messages. For tests and fuzzing.
 * (transfer full) */
QlCsvReader *ql_csv_reader_new_for_data (const char         *name,
                                         const char         *data,
                                         gsize               len,
                                         const QlCsvOptions *opts,
                                         GError            **error);
void         ql_csv_reader_free (QlCsvReader *self); /* NULL is a no-op */

/* What was detected. (transfer none) */
const QlCsvLayout *ql_csv_reader_get_layout (QlCsvReader *self);

/* Reads the next non-empty row into @rec. Returns TRUE with a record;
 * FALSE at the end of the input (error unset) or on a bad row (error set:
 * the next call continues on the following line). After QL_CSV_ERROR_IO
 * the reader is at its end. */
gboolean ql_csv_reader_next (QlCsvReader *self,
                             QlCsvRecord *rec,
                             GError     **error);

/* Bytes consumed so far and the input's size, for progress. */
guint64 ql_csv_reader_get_offset (QlCsvReader *self);
guint64 ql_csv_reader_get_size (QlCsvReader *self);

/* Reads the whole bars file @path into a new bar series (prices and volume
 * as the doubles nearest to their fixed-point values, that is strtod of
 * the text) and copies the layout to @layout_out (nullable). Stops at the
 * first bad row. Fails with QL_CSV_ERROR_FORMAT for a ticks file. */
gboolean ql_csv_read_bars (const char         *path,
                           const QlCsvOptions *opts,
                           QlSeries          **bars,
                           QlCsvLayout        *layout_out,
                           GError            **error);

const char *ql_csv_column_name (QlCsvColumn column);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QlCsvReader, ql_csv_reader_free)

G_END_DECLS
