/* tests/data/test-csv.c — the CSV/TSV reader: detection, times, numbers,
 * errors, streaming.
 *
 * Epoch seconds used below, worked out by hand from days since 1970-01-01
 * (365 per year plus one per leap year passed):
 *   1995-01-01  9131 d ->  788918400     2004-01-01 12418 d -> 1072915200
 *   2006-01-01 13149 d -> 1136073600     2010-01-01 14610 d -> 1262304000
 *   2015-01-01 16436 d -> 1420070400     2017-01-01 17167 d -> 1483228800
 *   2024-01-01 19723 d -> 1704067200 */
#include "data/csv.h"
#include "data/numparse.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#define S(sec) ((gint64) (sec) * QL_NS_PER_SEC)

/* 2024-01-02T03:04:05Z: 1704067200 + 86400 + 3 h 4 min 5 s (11045 s). */
#define T_2024_01_02_030405 G_GINT64_CONSTANT (1704164645)
#define T_2024_01_02 G_GINT64_CONSTANT (1704153600)

typedef struct
{
  GArray *records;  /* QlCsvRecord */
  GPtrArray *errors; /* messages, in order */
  GArray *error_codes; /* int */
  QlCsvLayout layout;
} ReadAll;

static void
read_all_clear (ReadAll *r)
{
  g_array_unref (r->records);
  g_ptr_array_unref (r->errors);
  g_array_unref (r->error_codes);
}

/* Reads every record of @reader, continuing after errors as --skip-bad does. */
static void
drain (QlCsvReader *reader, ReadAll *r)
{
  QlCsvRecord rec;
  GError *error = NULL;
  guint guard = 0;

  r->records = g_array_new (FALSE, FALSE, sizeof (QlCsvRecord));
  r->errors = g_ptr_array_new_with_free_func (g_free);
  r->error_codes = g_array_new (FALSE, FALSE, sizeof (int));
  r->layout = *ql_csv_reader_get_layout (reader);
  for (;;)
    {
      g_assert_cmpuint (guard++, <, 1000000);
      if (ql_csv_reader_next (reader, &rec, &error))
        g_array_append_val (r->records, rec);
      else if (error != NULL)
        {
          g_ptr_array_add (r->errors, g_strdup (error->message));
          g_array_append_val (r->error_codes, error->code);
          g_clear_error (&error);
        }
      else
        break;
    }
  g_assert_cmpuint (ql_csv_reader_get_offset (reader), ==, ql_csv_reader_get_size (reader));
}

static void
read_data (const char *name, const char *data, const QlCsvOptions *opts, ReadAll *r)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (QlCsvReader) reader = ql_csv_reader_new_for_data (name, data, strlen (data), opts, &error);
  g_assert_no_error (error);
  g_assert_nonnull (reader);
  drain (reader, r);
}

static void
read_fixture (const char *file, const QlCsvOptions *opts, ReadAll *r)
{
  g_autofree char *path = g_build_filename (QL_TEST_DATA_DIR, "csv", file, NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (QlCsvReader) reader = ql_csv_reader_new_for_path (path, opts, &error);
  g_assert_no_error (error);
  g_assert_nonnull (reader);
  drain (reader, r);
}

static const QlCsvRecord *
rec_at (const ReadAll *r, guint i)
{
  g_assert_cmpuint (i, <, r->records->len);
  return &g_array_index (r->records, QlCsvRecord, i);
}

static QlTimeNs
time_of_single (const char *data, const QlCsvOptions *opts)
{
  ReadAll r;
  QlTimeNs t;

  read_data ("one.csv", data, opts, &r);
  g_assert_cmpuint (r.errors->len, ==, 0);
  g_assert_cmpuint (r.records->len, ==, 1);
  t = rec_at (&r, 0)->time;
  read_all_clear (&r);
  return t;
}

/* ------------------------------------------------------------------ */
/* The shared datasets, from their excerpts in tests/data-files/csv/. */

static void
test_dataset_orcl (void)
{
  ReadAll r;
  const QlCsvRecord *rec;

  g_test_summary ("Yahoo-style daily OHLCV with Adj Close: bars, scale 6, Adj Close ignored");
  read_fixture ("orcl-1995-2014.txt", NULL, &r);
  g_assert_cmpint (r.layout.kind, ==, QL_CSV_BARS);
  g_assert_cmpstr (r.layout.format, ==, "ohlcv");
  g_assert_cmpint (r.layout.delimiter, ==, ',');
  g_assert_true (r.layout.has_header);
  g_assert_cmpint (r.layout.time_format, ==, QL_CSV_TIME_ISO_DATE);
  g_assert_cmpint (r.layout.columns[5], ==, QL_CSV_COL_IGNORE);
  g_assert_cmpint (r.layout.price_scale, ==, 6);
  g_assert_cmpint (r.layout.qty_scale, ==, 0);
  g_assert_cmpuint (r.errors->len, ==, 0);
  g_assert_cmpuint (r.records->len, ==, 29);
  /* 1995-01-03,2.179012,2.191358,2.117284,2.117284,1.883304,36301200 */
  rec = rec_at (&r, 0);
  g_assert_cmpint (rec->time, ==, S (788918400 + 2 * 86400));
  g_assert_cmpint (rec->open, ==, 2179012);
  g_assert_cmpint (rec->high, ==, 2191358);
  g_assert_cmpint (rec->low, ==, 2117284);
  g_assert_cmpint (rec->close, ==, 2117284);
  g_assert_cmpint (rec->volume, ==, 36301200);
  g_assert_cmpuint (rec->line, ==, 2);
  read_all_clear (&r);
}

static void
test_dataset_goog (void)
{
  ReadAll r;
  const QlCsvRecord *rec;

  g_test_summary ("Empty first header cell (a pandas index) is the time; integers widen to scale 2");
  read_fixture ("GOOG-daily.csv", NULL, &r);
  g_assert_cmpint (r.layout.kind, ==, QL_CSV_BARS);
  g_assert_cmpint (r.layout.columns[0], ==, QL_CSV_COL_TIME);
  g_assert_cmpint (r.layout.price_scale, ==, 2);
  g_assert_cmpuint (r.errors->len, ==, 0);
  g_assert_cmpuint (r.records->len, ==, 29);
  /* 2004-08-19,100,104.06,95.96,100.34,22351900; Aug 19 is day 231 of 2004
   * (31+29+31+30+31+30+31 = 213 days before August). */
  rec = rec_at (&r, 0);
  g_assert_cmpint (rec->time, ==, S (1072915200 + (213 + 18) * 86400));
  g_assert_cmpint (rec->open, ==, 10000);
  g_assert_cmpint (rec->high, ==, 10406);
  g_assert_cmpint (rec->low, ==, 9596);
  g_assert_cmpint (rec->close, ==, 10034);
  g_assert_cmpint (rec->volume, ==, 22351900);
  read_all_clear (&r);
}

static void
test_dataset_eurusd (void)
{
  ReadAll r;
  const QlCsvRecord *rec;

  g_test_summary ("Hourly FX with YYYY-MM-DD HH:MM:SS: scale 5 from the longest decimals");
  read_fixture ("EURUSD-hourly.csv", NULL, &r);
  g_assert_cmpint (r.layout.kind, ==, QL_CSV_BARS);
  g_assert_cmpint (r.layout.time_format, ==, QL_CSV_TIME_ISO);
  g_assert_cmpint (r.layout.price_scale, ==, 5);
  g_assert_cmpuint (r.errors->len, ==, 0);
  g_assert_cmpuint (r.records->len, ==, 29);
  /* 2017-04-19 09:00:00,1.0716,1.0722,1.07083,1.07219,1413; 90 days before
   * April in 2017, so April 19 is 1483228800 + 108 d; plus 9 h. */
  rec = rec_at (&r, 0);
  g_assert_cmpint (rec->time, ==, S (1483228800 + 108 * 86400 + 9 * 3600));
  g_assert_cmpint (rec->open, ==, 107160);
  g_assert_cmpint (rec->high, ==, 107220);
  g_assert_cmpint (rec->low, ==, 107083);
  g_assert_cmpint (rec->close, ==, 107219);
  g_assert_cmpint (rec->volume, ==, 1413);
  read_all_clear (&r);
}

static void
test_dataset_2006_min (void)
{
  ReadAll r;
  const QlCsvRecord *rec;

  g_test_summary ("Date and Time in two columns, OpenInterest read");
  read_fixture ("2006-min-005.txt", NULL, &r);
  g_assert_cmpint (r.layout.kind, ==, QL_CSV_BARS);
  g_assert_true (r.layout.split_date_time);
  g_assert_cmpint (r.layout.columns[0], ==, QL_CSV_COL_DATE);
  g_assert_cmpint (r.layout.columns[1], ==, QL_CSV_COL_CLOCK);
  g_assert_cmpint (r.layout.columns[7], ==, QL_CSV_COL_OPEN_INTEREST);
  g_assert_true (r.layout.has_open_interest);
  g_assert_cmpint (r.layout.price_scale, ==, 2);
  g_assert_cmpuint (r.errors->len, ==, 0);
  g_assert_cmpuint (r.records->len, ==, 29);
  /* 2006-01-02,09:05:00,3578.73,3587.88,3578.73,3582.99,0,0 */
  rec = rec_at (&r, 0);
  g_assert_cmpint (rec->time, ==, S (1136073600 + 86400 + 9 * 3600 + 5 * 60));
  g_assert_cmpint (rec->open, ==, 357873);
  g_assert_cmpint (rec->high, ==, 358788);
  g_assert_cmpint (rec->close, ==, 358299);
  /* Row 29 (line 30): 2006-01-02,11:25:00 */
  g_assert_cmpint (rec_at (&r, 28)->time, ==, S (1136073600 + 86400 + 11 * 3600 + 25 * 60));
  g_assert_cmpuint (rec_at (&r, 28)->line, ==, 30);
  read_all_clear (&r);
}

static void
test_dataset_ticksample (void)
{
  ReadAll r;
  const QlCsvRecord *rec;

  g_test_summary ("One-trade bars with ISO milliseconds read as bars at scale 2");
  read_fixture ("ticksample.csv", NULL, &r);
  g_assert_cmpint (r.layout.kind, ==, QL_CSV_BARS);
  g_assert_cmpint (r.layout.time_format, ==, QL_CSV_TIME_ISO);
  g_assert_cmpint (r.layout.price_scale, ==, 2);
  g_assert_cmpuint (r.errors->len, ==, 0);
  g_assert_cmpuint (r.records->len, ==, 29);
  /* 2015-09-23T20:57:42.146: 243 days before September in 2015, so
   * Sep 23 = 1420070400 + 265 d; 20:57:42 = 75462 s. */
  rec = rec_at (&r, 0);
  g_assert_cmpint (rec->time, ==, S (1420070400 + 265 * 86400 + 75462) + 146 * QL_NS_PER_MS);
  g_assert_cmpint (rec->open, ==, 306700);
  g_assert_cmpint (rec->volume, ==, 180);
  read_all_clear (&r);
}

static void
test_dataset_bidask (void)
{
  ReadAll r;
  const QlCsvRecord *rec;

  g_test_summary ("US-style times with BID and ASK: quote ticks without the TRADE flag");
  read_fixture ("bidask.csv", NULL, &r);
  g_assert_cmpint (r.layout.kind, ==, QL_CSV_TICKS);
  g_assert_cmpstr (r.layout.format, ==, "quotes");
  g_assert_true (r.layout.has_quotes);
  g_assert_false (r.layout.has_trades);
  g_assert_cmpint (r.layout.time_format, ==, QL_CSV_TIME_US);
  g_assert_cmpint (r.layout.price_scale, ==, 4);
  g_assert_cmpuint (r.errors->len, ==, 0);
  g_assert_cmpuint (r.records->len, ==, 10);
  /* 02/03/2010 16:53:50,0.5346,0.5347: Feb 3 = 1262304000 + 33 d; 60830 s. */
  rec = rec_at (&r, 0);
  g_assert_cmpint (rec->time, ==, S (1262304000 + 33 * 86400 + 60830));
  g_assert_cmpint (rec->bid, ==, 5346);
  g_assert_cmpint (rec->ask, ==, 5347);
  g_assert_cmpuint (rec->flags, ==, QL_TICK_FLAG_QUOTE);
  read_all_clear (&r);
}

static void
test_dataset_binance (void)
{
  ReadAll r;
  const QlCsvRecord *rec;

  g_test_summary ("Headerless Binance klines and trades are recognised by their shape");
  read_fixture ("binance-klines.csv", NULL, &r);
  g_assert_cmpint (r.layout.kind, ==, QL_CSV_BARS);
  g_assert_cmpstr (r.layout.format, ==, "binance-klines");
  g_assert_false (r.layout.has_header);
  g_assert_cmpint (r.layout.time_format, ==, QL_CSV_TIME_EPOCH_MS);
  g_assert_cmpint (r.layout.price_scale, ==, 8);
  g_assert_cmpint (r.layout.qty_scale, ==, 8);
  g_assert_cmpuint (r.errors->len, ==, 0);
  g_assert_cmpuint (r.records->len, ==, 4);
  rec = rec_at (&r, 0);
  g_assert_cmpint (rec->time, ==, S (1704067200));
  g_assert_cmpint (rec->open, ==, G_GINT64_CONSTANT (4228358000000));
  g_assert_cmpint (rec->close, ==, G_GINT64_CONSTANT (4229861000000));
  g_assert_cmpint (rec->volume, ==, G_GINT64_CONSTANT (3592724000));
  g_assert_cmpuint (rec->line, ==, 1);
  read_all_clear (&r);

  read_fixture ("binance-trades.csv", NULL, &r);
  g_assert_cmpint (r.layout.kind, ==, QL_CSV_TICKS);
  g_assert_cmpstr (r.layout.format, ==, "binance-trades");
  g_assert_true (r.layout.has_side);
  g_assert_cmpuint (r.records->len, ==, 4);
  rec = rec_at (&r, 0);
  g_assert_cmpint (rec->time, ==, S (1704067200) + 58 * QL_NS_PER_MS);
  g_assert_cmpint (rec->price, ==, G_GINT64_CONSTANT (4228358000000));
  g_assert_cmpint (rec->size, ==, 88000);
  /* is_buyer_maker true: the seller was the aggressor. */
  g_assert_cmpuint (rec->flags, ==, QL_TICK_FLAG_TRADE | QL_TICK_FLAG_SELL);
  g_assert_cmpuint (rec_at (&r, 1)->flags, ==, QL_TICK_FLAG_TRADE | QL_TICK_FLAG_BUY);
  read_all_clear (&r);
}

static void
test_read_bars (void)
{
  g_autofree char *path = g_build_filename (QL_TEST_DATA_DIR, "csv", "GOOG-daily.csv", NULL);
  g_autoptr (QlSeries) bars = NULL;
  g_autoptr (GError) error = NULL;
  QlCsvLayout layout;

  g_test_summary ("A whole bars file loads into a series; doubles equal strtod of the text");
  g_assert_true (ql_csv_read_bars (path, NULL, &bars, &layout, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (bars->len, ==, 29);
  g_assert_cmpint (layout.price_scale, ==, 2);
  g_assert_cmpfloat (ql_series_f64 (bars, QL_BAR_CLOSE)[0], ==, strtod ("100.34", NULL));
  g_assert_cmpfloat (ql_series_f64 (bars, QL_BAR_HIGH)[0], ==, strtod ("104.06", NULL));
  g_assert_cmpfloat (ql_series_f64 (bars, QL_BAR_VOLUME)[0], ==, 22351900.0);
  g_assert_cmpint (ql_series_i64 (bars, QL_BAR_TIME)[1], ==, S (1072915200 + (213 + 19) * 86400));

  g_clear_pointer (&bars, ql_series_free);
  g_free (path);
  path = g_build_filename (QL_TEST_DATA_DIR, "csv", "bidask.csv", NULL);
  g_assert_false (ql_csv_read_bars (path, NULL, &bars, NULL, &error));
  g_assert_error (error, QL_CSV_ERROR, QL_CSV_ERROR_FORMAT);
  g_assert_null (bars);
}

/* ------------------------------------------------------------------ */
/* Header styles */

static void
test_header_styles (void)
{
  ReadAll r;

  g_test_summary ("Header names in any case, with <> or quotes, in any order and delimiter");

  /* MetaTrader export: <> names, YYYYMMDD and HHMMSS in two columns. */
  read_data ("mt.csv", "<DATE>,<TIME>,<OPEN>,<HIGH>,<LOW>,<CLOSE>,<VOL>\n"
                       "20240102,030405,1.5,2,1,1.5,10\n", NULL, &r);
  g_assert_cmpint (r.layout.kind, ==, QL_CSV_BARS);
  g_assert_true (r.layout.split_date_time);
  g_assert_cmpint (r.layout.columns[6], ==, QL_CSV_COL_VOLUME);
  g_assert_cmpuint (r.records->len, ==, 1);
  g_assert_cmpint (rec_at (&r, 0)->time, ==, S (T_2024_01_02_030405));
  g_assert_cmpint (rec_at (&r, 0)->volume, ==, 10);
  read_all_clear (&r);

  /* Quoted names and fields, columns out of order, semicolons. */
  read_data ("q.csv", "\"Close\";\"Timestamp\";\"Low\";\"High\";\"Open\";\"Open Interest\"\n"
                      "\"1.25\";\"2024-01-02T03:04:05Z\";\"1.00\";\"1.50\";\"1.10\";\"7\"\n", NULL, &r);
  g_assert_cmpint (r.layout.delimiter, ==, ';');
  g_assert_cmpuint (r.errors->len, ==, 0);
  g_assert_cmpuint (r.records->len, ==, 1);
  g_assert_cmpint (rec_at (&r, 0)->close, ==, 125);
  g_assert_cmpint (rec_at (&r, 0)->open, ==, 110);
  g_assert_cmpint (rec_at (&r, 0)->high, ==, 150);
  g_assert_cmpint (rec_at (&r, 0)->low, ==, 100);
  g_assert_cmpint (rec_at (&r, 0)->open_interest, ==, 7);
  read_all_clear (&r);

  /* Ticks: price, quantity, side, pipes; vol/oi aliases on bars. */
  read_data ("t.csv", "TIME|PRICE|QUANTITY|SIDE\n2024-01-02 03:04:05|101.5|0.25|Sell\n"
                      "2024-01-02 03:04:06|101.25|1|b\n", NULL, &r);
  g_assert_cmpint (r.layout.kind, ==, QL_CSV_TICKS);
  g_assert_cmpstr (r.layout.format, ==, "ticks");
  g_assert_cmpint (r.layout.delimiter, ==, '|');
  g_assert_cmpint (r.layout.price_scale, ==, 2);
  g_assert_cmpint (r.layout.qty_scale, ==, 2);
  g_assert_cmpuint (r.records->len, ==, 2);
  g_assert_cmpint (rec_at (&r, 0)->price, ==, 10150);
  g_assert_cmpint (rec_at (&r, 0)->size, ==, 25);
  g_assert_cmpuint (rec_at (&r, 0)->flags, ==, QL_TICK_FLAG_TRADE | QL_TICK_FLAG_SELL);
  g_assert_cmpint (rec_at (&r, 1)->size, ==, 100);
  g_assert_cmpuint (rec_at (&r, 1)->flags, ==, QL_TICK_FLAG_TRADE | QL_TICK_FLAG_BUY);
  read_all_clear (&r);

  /* A ticks file's "volume" is the size; "amount" and "size" are too. */
  read_data ("tv.csv", "datetime,price,volume\n2024-01-02T03:04:05,5,3\n", NULL, &r);
  g_assert_cmpint (r.layout.kind, ==, QL_CSV_TICKS);
  g_assert_cmpint (r.layout.columns[2], ==, QL_CSV_COL_SIZE);
  g_assert_cmpint (rec_at (&r, 0)->size, ==, 3);
  read_all_clear (&r);

  read_data ("vo.csv", "Date,Open,High,Low,Close,Vol,OI\n2024-01-02,1,2,1,2,5,6\n", NULL, &r);
  g_assert_cmpint (rec_at (&r, 0)->volume, ==, 5);
  g_assert_cmpint (rec_at (&r, 0)->open_interest, ==, 6);
  g_assert_cmpint (rec_at (&r, 0)->time, ==, S (T_2024_01_02));
  read_all_clear (&r);

  /* Binance-style names with a header: qty, is_buyer_maker; "amount" is a size too. */
  read_data ("bm.csv", "id,price,qty,quote_qty,time,is_buyer_maker\n"
                       "1,100.5,0.25,25.125,1704164645000,True\n", NULL, &r);
  g_assert_cmpint (r.layout.columns[0], ==, QL_CSV_COL_IGNORE);
  g_assert_cmpint (r.layout.columns[3], ==, QL_CSV_COL_IGNORE);
  g_assert_cmpint (r.layout.columns[5], ==, QL_CSV_COL_BUYER_MAKER);
  g_assert_cmpint (rec_at (&r, 0)->time, ==, S (T_2024_01_02_030405));
  g_assert_cmpint (rec_at (&r, 0)->size, ==, 25);
  g_assert_cmpuint (rec_at (&r, 0)->flags, ==, QL_TICK_FLAG_TRADE | QL_TICK_FLAG_SELL);
  read_all_clear (&r);
  read_data ("am.csv", "Date_Time,Last,Amount\n2024-01-02 03:04:05,7,2\n", NULL, &r);
  g_assert_cmpint (r.layout.columns[0], ==, QL_CSV_COL_TIME);
  g_assert_cmpint (r.layout.columns[1], ==, QL_CSV_COL_PRICE);
  g_assert_cmpint (r.layout.columns[2], ==, QL_CSV_COL_SIZE);
  g_assert_cmpint (rec_at (&r, 0)->time, ==, S (T_2024_01_02_030405));
  read_all_clear (&r);

  /* Trades with bid and ask on each row: both flags. */
  read_data ("tq.csv", "timestamp,price,size,bid,ask\n1704164645,10,1,9,11\n", NULL, &r);
  g_assert_cmpuint (rec_at (&r, 0)->flags, ==, QL_TICK_FLAG_TRADE | QL_TICK_FLAG_QUOTE);
  g_assert_cmpint (rec_at (&r, 0)->bid, ==, 9);
  g_assert_cmpint (rec_at (&r, 0)->ask, ==, 11);
  read_all_clear (&r);
}

static void
test_headerless (void)
{
  ReadAll r;
  QlCsvOptions opts;

  g_test_summary ("Files without a header: positional OHLCV, klines in microseconds, --format");
  read_data ("h.csv", "2024-01-02 03:04:05,1.5,2,1,1.5,100\n2024-01-02 03:05:05,1.5,2,1,1.5,100\n",
             NULL, &r);
  g_assert_false (r.layout.has_header);
  g_assert_cmpint (r.layout.kind, ==, QL_CSV_BARS);
  g_assert_cmpuint (r.records->len, ==, 2);
  g_assert_cmpuint (rec_at (&r, 0)->line, ==, 1);
  g_assert_cmpint (rec_at (&r, 1)->time, ==, S (T_2024_01_02_030405 + 60));
  read_all_clear (&r);

  /* Binance spot dumps switched to microseconds in 2025: 1735689600000000
   * is 2025-01-01T00:00:00Z (2024 had 366 days: 1704067200 + 31622400). */
  read_data ("k.csv", "1735689600000000,1.5,2,1,1.5,10,1735689659999999,15,3,5,7.5,0\n", NULL, &r);
  g_assert_cmpstr (r.layout.format, ==, "binance-klines");
  g_assert_cmpint (r.layout.time_format, ==, QL_CSV_TIME_EPOCH_US);
  g_assert_cmpint (rec_at (&r, 0)->time, ==, S (1704067200 + 31622400));
  read_all_clear (&r);

  /* Three values after the time are ambiguous without --format. */
  {
    g_autoptr (GError) error = NULL;
    const char *data = "2024-01-02,1,2,3\n";
    g_autoptr (QlCsvReader) reader = ql_csv_reader_new_for_data ("a.csv", data, strlen (data), NULL, &error);
    g_assert_null (reader);
    g_assert_error (error, QL_CSV_ERROR, QL_CSV_ERROR_FORMAT);
  }
  ql_csv_options_init (&opts);
  opts.format = "quotes";
  read_data ("a.csv", "2024-01-02,1,2,3\n", &opts, &r);
  g_assert_cmpstr (r.layout.format, ==, "quotes");
  g_assert_cmpint (rec_at (&r, 0)->bid, ==, 1);
  g_assert_cmpint (rec_at (&r, 0)->ask, ==, 2);
  read_all_clear (&r);
}

static void
test_detection_failures (void)
{
  struct
  {
    const char *data;
    const char *format;
    const char *message;
  } cases[] = {
    { "", NULL, "e.csv: no rows" },
    { "\n\n  \n", NULL, "e.csv: no rows" },
    { "time,open,high,low,close\n", NULL, "e.csv: a header and no rows" },
    { "just one column\n1\n", NULL, "e.csv: line 1 has one column only; expected fields separated by comma, tab, semicolon or pipe" },
    { "when,open,high,low,close\nx,1,1,1,1\n", NULL, "e.csv: no time column; name it time, date, datetime or timestamp" },
    { "time,open,high,close\n2024-01-02,1,1,1\n", NULL, "e.csv: bars need open, high, low and close columns; the header has only 3 of them" },
    { "time,price\n2024-01-02,1\n", "ohlcv", "e.csv: the columns do not fit --format ohlcv (they look like ticks)" },
    { "time,price\n2024-01-02,1\n", "bars", "e.csv: unknown format \"bars\"; use ohlcv, ticks, quotes, binance-klines or binance-trades" },
    { "time,price\nsoon,1\n", NULL, "e.csv: line 2: time \"soon\" is not in a known format (YYYY-MM-DD[ HH:MM:SS[.f]][Z|+HH:MM], YYYYMMDD, MM/DD/YYYY[ HH:MM:SS], epoch s/ms/us/ns)" },
  };

  g_test_summary ("Layouts that cannot be detected fail at construction with a clear message");
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      QlCsvOptions opts;
      ql_csv_options_init (&opts);
      opts.format = cases[i].format;
      g_autoptr (QlCsvReader) reader = ql_csv_reader_new_for_data ("e.csv", cases[i].data, strlen (cases[i].data), &opts, &error);
      g_assert_null (reader);
      g_assert_error (error, QL_CSV_ERROR, QL_CSV_ERROR_FORMAT);
      g_assert_cmpstr (error->message, ==, cases[i].message);
    }
}

/* ------------------------------------------------------------------ */
/* Times */

static void
test_time_formats (void)
{
  struct
  {
    const char *text;
    QlCsvTimeFormat format;
    gint64 ns;
  } cases[] = {
    { "2024-01-02T03:04:05Z", QL_CSV_TIME_ISO, S (T_2024_01_02_030405) },
    { "2024-01-02 03:04:05", QL_CSV_TIME_ISO, S (T_2024_01_02_030405) },
    { "2024-01-02T03:04", QL_CSV_TIME_ISO, S (T_2024_01_02_030405 - 5) },
    { "2024-01-02T03:04:05.5", QL_CSV_TIME_ISO, S (T_2024_01_02_030405) + 500000000 },
    { "2024-01-02 03:04:05.123456789", QL_CSV_TIME_ISO, S (T_2024_01_02_030405) + 123456789 },
    /* 05:04:05 at +02:00 and 21:34:05 the day before at -05:30 are 03:04:05Z. */
    { "2024-01-02T05:04:05+02:00", QL_CSV_TIME_ISO, S (T_2024_01_02_030405) },
    { "2024-01-01T21:34:05-0530", QL_CSV_TIME_ISO, S (T_2024_01_02_030405) },
    { "2024-01-02", QL_CSV_TIME_ISO_DATE, S (T_2024_01_02) },
    { "20240102", QL_CSV_TIME_YYYYMMDD, S (T_2024_01_02) },
    { "01/02/2024 03:04:05", QL_CSV_TIME_US, S (T_2024_01_02_030405) },
    { "1/2/2024", QL_CSV_TIME_US_DATE, S (T_2024_01_02) },
    { "1704164645", QL_CSV_TIME_EPOCH_S, S (T_2024_01_02_030405) },
    { "1704164645.25", QL_CSV_TIME_EPOCH_S, S (T_2024_01_02_030405) + 250000000 },
    { "1704164645123", QL_CSV_TIME_EPOCH_MS, S (T_2024_01_02_030405) + 123000000 },
    { "1704164645123456", QL_CSV_TIME_EPOCH_US, S (T_2024_01_02_030405) + 123456000 },
    { "1704164645123456789", QL_CSV_TIME_EPOCH_NS, S (T_2024_01_02_030405) + 123456789 },
  };

  g_test_summary ("Every time format, with and without zones and fractions, to ns UTC");
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *data = g_strdup_printf ("time,price\n%s,1\n", cases[i].text);
      ReadAll r;
      read_data ("t.csv", data, NULL, &r);
      g_assert_cmpint (r.layout.time_format, ==, cases[i].format);
      g_assert_cmpuint (r.errors->len, ==, 0);
      g_assert_cmpint (rec_at (&r, 0)->time, ==, cases[i].ns);
      read_all_clear (&r);
    }
}

static void
test_time_zone (void)
{
  g_autoptr (GTimeZone) tz = g_time_zone_new_identifier ("Asia/Tokyo");
  QlCsvOptions opts;

  g_test_summary ("Times without a zone are read in opts->tz; zoned and epoch times ignore it");
  g_assert_nonnull (tz);
  ql_csv_options_init (&opts);
  opts.tz = tz;
  /* Tokyo is UTC+9 all year (no DST since 1951). */
  g_assert_cmpint (time_of_single ("time,price\n2024-01-02 12:04:05,1\n", &opts), ==, S (T_2024_01_02_030405));
  g_assert_cmpint (time_of_single ("time,price\n2024-01-02T03:04:05Z,1\n", &opts), ==, S (T_2024_01_02_030405));
  g_assert_cmpint (time_of_single ("time,price\n1704164645,1\n", &opts), ==, S (T_2024_01_02_030405));
}

static void
test_dst (void)
{
  g_autoptr (GTimeZone) tz = g_time_zone_new_identifier ("America/New_York");
  QlCsvOptions opts;
  ReadAll r;
  /* America/New_York because US equity data is written in exchange time and
   * 2024 has both transitions: on 2024-03-10 clocks jump from 02:00 EST to
   * 03:00 EDT (07:00Z), so 02:30 does not exist; on 2024-11-03 they fall
   * back from 02:00 EDT to 01:00 EST (06:00Z), so 01:30 happens twice.
   * 2024-03-10 is 1704067200 + 69 d = 1710028800 (00:00Z); 2024-11-03 is
   * 1704067200 + 307 d = 1730592000 (00:00Z). Rows far from the changes
   * come first and last, in both offsets, to cross the cached interval. */
  const char *data =
    "time,price\n"
    "2024-01-15 12:00:00,1\n"  /* EST: 17:00Z, 1704067200 + 14 d + 17 h */
    "2024-01-16 12:00:00,1\n"  /* a day later, from the cached interval */
    "2024-03-10 01:59:00,1\n"  /* EST: 06:59Z */
    "2024-03-10 02:30:00,1\n"  /* skipped: the first instant after the gap, 07:00Z */
    "2024-03-10 03:00:00,1\n"  /* EDT: 07:00Z */
    "2024-07-01 12:00:00,1\n"  /* EDT: 16:00Z, 1704067200 + 182 d + 16 h */
    "2024-07-02 12:00:00,1\n"
    "2024-11-03 00:59:00,1\n"  /* EDT: 04:59Z */
    "2024-11-03 01:30:00,1\n"  /* twice: standard time, the later instant, 06:30Z */
    "2024-11-03 02:00:00,1\n"  /* EST: 07:00Z */
    "2024-01-15 12:00:00,1\n"; /* back in winter after the summer interval */
  const gint64 want[] = {
    1704067200 + 14 * 86400 + 17 * 3600,
    1704067200 + 15 * 86400 + 17 * 3600,
    1710028800 + 6 * 3600 + 59 * 60,
    1710028800 + 7 * 3600,
    1710028800 + 7 * 3600,
    1704067200 + 182 * 86400 + 16 * 3600,
    1704067200 + 183 * 86400 + 16 * 3600,
    1730592000 + 4 * 3600 + 59 * 60,
    1730592000 + 6 * 3600 + 30 * 60,
    1730592000 + 7 * 3600,
    1704067200 + 14 * 86400 + 17 * 3600,
  };

  g_test_summary ("Local times across both 2024 DST changes in New York");
  g_test_bug ("3");
  g_assert_nonnull (tz);
  ql_csv_options_init (&opts);
  opts.tz = tz;
  read_data ("ny.csv", data, &opts, &r);
  g_assert_cmpuint (r.errors->len, ==, 0);
  g_assert_cmpuint (r.records->len, ==, G_N_ELEMENTS (want));
  for (guint i = 0; i < G_N_ELEMENTS (want); i++)
    g_assert_cmpint (rec_at (&r, i)->time, ==, S (want[i]));
  read_all_clear (&r);
}

/* ------------------------------------------------------------------ */
/* Errors */

static void
test_errors_and_skip (void)
{
  QlCsvOptions opts;
  ReadAll r;
  /* Column numbers counted by hand: "2024-01-03," is 11 characters, so
   * the open field starts at column 12. */
  const char *data =
    "time,open,high,low,close,volume\n"
    "2024-01-02,1.5,2,1,1.5,10\n"
    "2024-01-03,1.2a,2,1,1.5,10\n"
    "2024-13-03,1.5,2,1,1.5,10\n"
    "2024-01-05,1.5,2,1,1.5\n"
    "2024-01-06,1.5,2,1,1.5,10,7\n"
    "2024-01-07,1.5,1.4,1,1.5,10\n"
    "2024-01-08,1.5,2,1.6,1.7,10\n"
    "2024-01-09,1.55,2,1,1.5,10\n"
    "2024-01-10,1.50,2,1,1.5,10\n"
    "2024-01-11,1.5,2,1,1.5,99999999999999999\n"
    "2024-01-12,,2,1,1.5,10\n"
    "2024-01-13,1,2,1,1,\n";
  const char *want[] = {
    "bad.csv:3:12: open \"1.2a\" is not a number",
    "bad.csv:4:1: time \"2024-13-03\" is not a valid time (expected such as YYYY-MM-DD)",
    /* 22 characters, so the missing sixth field would start at column 23. */
    "bad.csv:5:23: missing fields: 5 found, 6 expected (next: volume)",
    "bad.csv:6:27: extra field: 6 expected",
    "bad.csv:7:16: high 1.4 is below open 1.5",
    "bad.csv:8:18: low 1.6 is above open 1.5",
    "bad.csv:9:12: open \"1.55\" has 2 significant decimals, more than the price scale 1 "
    "(from the first rows or as given); pass --price-scale 2",
    "bad.csv:11:24: volume \"99999999999999999\" has too many digits: at scale 0 its "
    "fixed-point value exceeds 2^53, and no market quantity has 16 or more significant digits",
    "bad.csv:12:12: open is empty",
  };
  const int codes[] = {
    QL_CSV_ERROR_BAD_NUMBER, QL_CSV_ERROR_BAD_TIME, QL_CSV_ERROR_MISSING_FIELD,
    QL_CSV_ERROR_EXTRA_FIELD, QL_CSV_ERROR_INCONSISTENT, QL_CSV_ERROR_INCONSISTENT,
    QL_CSV_ERROR_SCALE, QL_CSV_ERROR_OVERFLOW, QL_CSV_ERROR_MISSING_FIELD,
  };

  g_test_summary ("Each bad row is FILE:LINE:COLUMN: what; the next call goes on with the next line");
  ql_csv_options_init (&opts);
  opts.price_scale = 1;
  read_data ("bad.csv", data, &opts, &r);
  g_assert_cmpuint (r.errors->len, ==, G_N_ELEMENTS (want));
  for (guint i = 0; i < G_N_ELEMENTS (want); i++)
    {
      g_assert_cmpstr (g_ptr_array_index (r.errors, i), ==, want[i]);
      g_assert_cmpint (g_array_index (r.error_codes, int, i), ==, codes[i]);
    }
  /* Good rows: line 2, line 10 (a trailing zero beyond the scale is fine),
   * line 13 (an empty volume is 0). */
  g_assert_cmpuint (r.records->len, ==, 3);
  g_assert_cmpuint (rec_at (&r, 0)->line, ==, 2);
  g_assert_cmpuint (rec_at (&r, 1)->line, ==, 10);
  g_assert_cmpint (rec_at (&r, 1)->open, ==, 15);
  g_assert_cmpuint (rec_at (&r, 2)->line, ==, 13);
  g_assert_cmpint (rec_at (&r, 2)->volume, ==, 0);
  read_all_clear (&r);
}

static void
test_scale_from_first_rows (void)
{
  g_autoptr (GString) data = g_string_new ("time,price,size\n");
  ReadAll r;

  g_test_summary ("Scales come from the first 10,000 rows; a later finer price is an error naming the flag");
  for (int i = 0; i < 10000; i++)
    g_string_append_printf (data, "%d,1.2%d,3\n", 1704067200 + i, i % 10);
  g_string_append (data, "1704077200,1.235,3\n");   /* line 10002 */
  g_string_append (data, "1704077201,1.2400,3.0\n"); /* zeros beyond the scale are fine */
  read_data ("s.csv", data->str, NULL, &r);
  g_assert_cmpint (r.layout.price_scale, ==, 2);
  g_assert_cmpint (r.layout.qty_scale, ==, 0);
  g_assert_cmpuint (r.records->len, ==, 10001);
  g_assert_cmpuint (r.errors->len, ==, 1);
  /* "1704077200," is 11 characters. */
  g_assert_cmpstr (g_ptr_array_index (r.errors, 0), ==,
                   "s.csv:10002:12: price \"1.235\" has 3 significant decimals, more than the "
                   "price scale 2 (from the first rows or as given); pass --price-scale 3");
  g_assert_cmpint (rec_at (&r, 10000)->price, ==, 124);
  g_assert_cmpint (rec_at (&r, 10000)->size, ==, 3);
  read_all_clear (&r);
}

static void
test_utf8_column (void)
{
  ReadAll r;

  g_test_summary ("Columns count characters, not bytes");
  /* "é" is two bytes but one column: "2024-01-02,\"é\"," is 15 characters. */
  read_data ("u.csv", "time,note,price\n2024-01-02,\"é\",x1\n", NULL, &r);
  g_assert_cmpuint (r.errors->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (r.errors, 0), ==, "u.csv:2:16: price \"x1\" is not a number");
  read_all_clear (&r);
}

static void
test_odd_inputs (void)
{
  static const char data[] =
    "time,price\n"
    "2024-01-02,1\n"
    "\"2024-01-03,1\n"                       /* unterminated quote: one field */
    "2024-01-04,1\0x\n"                      /* a NUL byte in a number */
    "99999999999999999999,1\n"                /* past int64 */
    "2024-01-02 03:04:05.1234567890,1\n"      /* 10 fraction digits */
    "\r\n"
    "2024-01-05,\"\"\n"                        /* a quoted empty price */
    "2024-01-06,1\r";                        /* CR at the very end */
  const char *want[] = {
    "o.csv:3:1: time \"2024-01-03,1\" is not a valid time (expected such as YYYY-MM-DD)",
    "o.csv:4:12: price \"1\\x00x\" is not a number",
    "o.csv:5:1: time \"99999999999999999999\" is not a valid time (expected such as YYYY-MM-DD)",
    "o.csv:6:1: time \"2024-01-02 03:04:05.1234567890\" is not a valid time (expected such as YYYY-MM-DD)",
    "o.csv:8:12: price is empty",
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (QlCsvReader) reader = ql_csv_reader_new_for_data ("o.csv", data, sizeof data - 1, NULL, &error);
  ReadAll r;

  g_test_summary ("Unterminated quotes, NUL bytes, huge epochs, long fractions: errors, never a crash");
  g_assert_no_error (error);
  drain (reader, &r);
  g_assert_cmpuint (r.errors->len, ==, G_N_ELEMENTS (want));
  for (guint i = 0; i < G_N_ELEMENTS (want); i++)
    g_assert_cmpstr (g_ptr_array_index (r.errors, i), ==, want[i]);
  g_assert_cmpuint (r.records->len, ==, 2);
  g_assert_cmpuint (rec_at (&r, 0)->line, ==, 2);
  g_assert_cmpuint (rec_at (&r, 1)->line, ==, 9);
  g_assert_cmpint (rec_at (&r, 1)->time, ==, S (T_2024_01_02 + 4 * 86400));
  read_all_clear (&r);
}

/* ------------------------------------------------------------------ */
/* Text forms */

static void
test_crlf_bom_quotes_tsv (void)
{
  ReadAll r;

  g_test_summary ("A UTF-8 BOM, CRLF endings, empty and comment lines, quoted fields and tabs are accepted");
  read_data ("w.csv", "\xEF\xBB\xBFtime,open,high,low,close\r\n"
                      "2024-01-02,1,2,0.5,1.5\r\n"
                      "\r\n"
                      "   \r\n"
                      "2024-01-03,1,2,0.5,1.5\r\n", NULL, &r);
  g_assert_true (r.layout.has_header);
  g_assert_cmpint (r.layout.columns[0], ==, QL_CSV_COL_TIME);
  g_assert_cmpuint (r.errors->len, ==, 0);
  g_assert_cmpuint (r.records->len, ==, 2);
  g_assert_cmpint (rec_at (&r, 0)->low, ==, 5);
  g_assert_cmpuint (rec_at (&r, 1)->line, ==, 5);
  read_all_clear (&r);

  /* A quoted field may hold the delimiter and "" for a quote; spaces
   * around fields are trimmed. */
  read_data ("q.csv", "time,price,note\n"
                      "\"2024-01-02 03:04:05\", 1.5 ,\"a, \"\"b\"\"\"\n"
                      "2024-01-02 03:04:06,\"2\",plain\n", NULL, &r);
  g_assert_cmpuint (r.errors->len, ==, 0);
  g_assert_cmpuint (r.records->len, ==, 2);
  g_assert_cmpint (rec_at (&r, 0)->time, ==, S (T_2024_01_02_030405));
  g_assert_cmpint (rec_at (&r, 0)->price, ==, 15);
  g_assert_cmpint (rec_at (&r, 1)->price, ==, 20);
  read_all_clear (&r);

  read_data ("t.tsv", "timestamp\tbid\task\n2024-01-02T03:04:05Z\t1.1\t1.2\n", NULL, &r);
  g_assert_cmpint (r.layout.delimiter, ==, '\t');
  g_assert_cmpuint (r.records->len, ==, 1);
  g_assert_cmpint (rec_at (&r, 0)->bid, ==, 11);
  g_assert_cmpint (rec_at (&r, 0)->ask, ==, 12);
  g_assert_cmpuint (rec_at (&r, 0)->flags, ==, QL_TICK_FLAG_QUOTE);
  read_all_clear (&r);

  /* Comment lines (starting with '#') are skipped, before the header as
   * well as between rows. */
  read_data ("c.csv", "# synthetic sample, made by hand\n"
                      "time,price\n"
                      "# a comment between rows\n"
                      "2024-01-02,1\n", NULL, &r);
  g_assert_true (r.layout.has_header);
  g_assert_cmpuint (r.errors->len, ==, 0);
  g_assert_cmpuint (r.records->len, ==, 1);
  g_assert_cmpuint (rec_at (&r, 0)->line, ==, 4);
  read_all_clear (&r);

  /* No final newline: the last line still counts. */
  read_data ("n.csv", "time,price\n2024-01-02,1\n2024-01-03,2", NULL, &r);
  g_assert_cmpuint (r.records->len, ==, 2);
  g_assert_cmpint (rec_at (&r, 1)->price, ==, 2);
  read_all_clear (&r);
}

/* ------------------------------------------------------------------ */
/* Streaming */

static void
test_streaming_blocks (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  g_autoptr (GString) data = g_string_new ("time,open,high,low,close,volume\n");
  g_autoptr (QlCsvReader) reader = NULL;
  const int rows = 60000;
  int fd;
  ReadAll r;

  g_test_summary ("A file of several 1 MiB blocks reads every row, lines split across blocks included");
  /* About 40 bytes a row: 2.4 MB, so at least two refills, and rows cut at
   * the block edges. */
  for (int i = 0; i < rows; i++)
    g_string_append_printf (data, "%d,1.%04d,2,1,1.%04d,%d\n", 1704067200 + 60 * i, i % 10000,
                            (i * 7) % 10000, i);
  fd = g_file_open_tmp ("ql-test-csv-XXXXXX.csv", &path, &error);
  g_assert_no_error (error);
  close (fd);
  g_assert_true (g_file_set_contents (path, data->str, data->len, &error));
  reader = ql_csv_reader_new_for_path (path, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ql_csv_reader_get_size (reader), ==, data->len);
  drain (reader, &r);
  g_assert_cmpuint (r.errors->len, ==, 0);
  g_assert_cmpuint (r.records->len, ==, rows);
  for (int i = 0; i < rows; i++)
    {
      const QlCsvRecord *rec = rec_at (&r, i);
      g_assert_cmpint (rec->time, ==, S (1704067200 + 60 * i));
      g_assert_cmpint (rec->open, ==, 10000 + i % 10000);
      g_assert_cmpint (rec->close, ==, 10000 + (i * 7) % 10000);
      g_assert_cmpint (rec->volume, ==, i);
      g_assert_cmpuint (rec->line, ==, (guint64) i + 2);
    }
  read_all_clear (&r);
  g_unlink (path);

  g_clear_error (&error);
  g_assert_null (ql_csv_reader_new_for_path ("/nonexistent/q.csv", NULL, &error));
  g_assert_error (error, QL_CSV_ERROR, QL_CSV_ERROR_IO);
  g_assert_true (g_str_has_prefix (error->message, "/nonexistent/q.csv: cannot open: "));

  /* A directory opens but fails on read (EISDIR): an I/O error, not a crash. */
  g_clear_error (&error);
  g_assert_null (ql_csv_reader_new_for_path (QL_TEST_DATA_DIR, NULL, &error));
  g_assert_error (error, QL_CSV_ERROR, QL_CSV_ERROR_IO);
  g_assert_true (g_str_has_suffix (error->message, g_strerror (EISDIR)));
}

static void
test_read_bars_in_two_halves (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  g_autoptr (GString) data = g_string_new ("time,open,high,low,close,volume\n");
  g_autoptr (QlSeries) bars = NULL;
  const int rows = 300000; /* about 12 MB: over the 8 MiB of the two-thread path */
  int fd;

  g_test_summary ("A large bars file read on two threads gives every row in order, and "
                  "a bad row in its second half is reported at its true line");
  for (int i = 0; i < rows; i++)
    g_string_append_printf (data, "%d,1.%04d,2,1,1.%04d,%d\n", 1704067200 + 60 * i, i % 10000,
                            (i * 7) % 10000, i);
  fd = g_file_open_tmp ("ql-test-csv-XXXXXX.csv", &path, &error);
  g_assert_no_error (error);
  close (fd);
  g_assert_true (g_file_set_contents (path, data->str, data->len, &error));
  g_assert_true (ql_csv_read_bars (path, NULL, &bars, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (bars->len, ==, rows);
  for (int i = 0; i < rows; i++)
    {
      g_assert_cmpint (ql_series_i64 (bars, QL_BAR_TIME)[i], ==, S (1704067200 + 60 * i));
      /* 1.dddd at scale 4: (10000 + dddd) / 10^4, which is strtod's double. */
      g_assert_cmpfloat (ql_series_f64 (bars, QL_BAR_CLOSE)[i], ==, (10000 + (i * 7) % 10000) / 1e4);
      g_assert_cmpfloat (ql_series_f64 (bars, QL_BAR_VOLUME)[i], ==, i);
    }
  g_clear_pointer (&bars, ql_series_free);

  /* Row i sits on line i + 2; break row 250000 (line 250002, second half). */
  {
    char needle[64];
    g_snprintf (needle, sizeof needle, "\n%d,", 1704067200 + 60 * 250000);
    char *at = strstr (data->str, needle);
    g_assert_nonnull (at);
    at[1] = 'x';
  }
  g_assert_true (g_file_set_contents (path, data->str, data->len, &error));
  g_assert_false (ql_csv_read_bars (path, NULL, &bars, NULL, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, ":250002:1:"));
  g_unlink (path);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_bug_base ("https://github.com/quantlab/quantlab/issues/");
  g_test_add_func ("/data/csv/datasets/orcl-adj-close", test_dataset_orcl);
  g_test_add_func ("/data/csv/datasets/goog-pandas-index", test_dataset_goog);
  g_test_add_func ("/data/csv/datasets/eurusd-hourly", test_dataset_eurusd);
  g_test_add_func ("/data/csv/datasets/date-and-time-columns", test_dataset_2006_min);
  g_test_add_func ("/data/csv/datasets/ticksample-as-bars", test_dataset_ticksample);
  g_test_add_func ("/data/csv/datasets/bidask-quotes", test_dataset_bidask);
  g_test_add_func ("/data/csv/datasets/binance-dumps", test_dataset_binance);
  g_test_add_func ("/data/csv/read-bars/series-like-strtod", test_read_bars);
  g_test_add_func ("/data/csv/detect/header-styles", test_header_styles);
  g_test_add_func ("/data/csv/detect/headerless", test_headerless);
  g_test_add_func ("/data/csv/detect/failures", test_detection_failures);
  g_test_add_func ("/data/csv/time/formats", test_time_formats);
  g_test_add_func ("/data/csv/time/zone-option", test_time_zone);
  g_test_add_func ("/data/csv/time/dst-new-york", test_dst);
  g_test_add_func ("/data/csv/errors/messages-and-skip", test_errors_and_skip);
  g_test_add_func ("/data/csv/errors/scale-from-first-rows", test_scale_from_first_rows);
  g_test_add_func ("/data/csv/errors/utf8-columns", test_utf8_column);
  g_test_add_func ("/data/csv/errors/odd-inputs", test_odd_inputs);
  g_test_add_func ("/data/csv/text/crlf-bom-quotes-tsv", test_crlf_bom_quotes_tsv);
  g_test_add_func ("/data/csv/stream/blocks", test_streaming_blocks);
  g_test_add_func ("/data/csv/read-bars/two-halves", test_read_bars_in_two_halves);
  return g_test_run ();
}
