/* tests/data/test-import.c — CSV files into the workspace: detection,
 * atomicity, skip-bad, ordering policy, overlap replacement. */
#include "data/import.h"
#include "data/history.h"

#include <glib/gstdio.h>
#include <string.h>

typedef struct
{
  char *dir;
  char *db_path;
  QlStore *store;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  f->dir = g_dir_make_tmp ("ql-import-XXXXXX", &error);
  g_assert_no_error (error);
  f->db_path = g_build_filename (f->dir, "ws.db", NULL);
  f->store = ql_store_open (f->db_path, &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_autoptr (GDir) dir = NULL;
  const char *name;
  ql_store_free (f->store);
  dir = g_dir_open (f->dir, 0, NULL);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *p = g_build_filename (f->dir, name, NULL);
      g_unlink (p);
    }
  g_rmdir (f->dir);
  g_free (f->db_path);
  g_free (f->dir);
}

static char *
write_file (Fixture *f, const char *name, const char *text)
{
  char *path = g_build_filename (f->dir, name, NULL);
  g_autoptr (GError) error = NULL;
  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
  return path;
}

static gboolean
import (Fixture *f, const char *path, const char *symbol, gboolean skip_bad,
        QlImportReport *r, GError **error)
{
  QlImportOptions opts;
  ql_import_options_init (&opts);
  opts.symbol = symbol;
  opts.skip_bad = skip_bad;
  return ql_import_file (f->store, path, &opts, r, error);
}

static QlSeries *
load_bars (Fixture *f, const char *symbol, const char *tf)
{
  g_autoptr (GError) error = NULL;
  QlSeries *bars = ql_series_new_bars ();
  QlInstrument inst;
  g_assert_true (ql_history_load_symbol_bars (f->store, symbol, tf, G_MININT64, G_MAXINT64, bars,
                                              &inst, NULL, &error));
  g_assert_no_error (error);
  ql_instrument_clear (&inst);
  return bars;
}

/* 2024-01-02T00:00:00Z = 19724 days since the epoch. */
#define DAY_2024_01_02 (G_GINT64_CONSTANT (19724) * QL_NS_PER_DAY)

static void
test_daily_bars_detected (Fixture *f, gconstpointer data)
{
  g_autofree char *path = write_file (f, "d.csv",
                                      "Date,Open,High,Low,Close,Volume\n"
                                      "2024-01-02,10.5,11,10,10.75,100\n"
                                      "2024-01-03,10.75,12,10.5,11.25,200\n"
                                      "2024-01-05,11.25,11.5,9.5,10,300\n");
  g_autoptr (GError) error = NULL;
  g_autoptr (QlSeries) bars = NULL;
  QlImportReport r;

  g_test_summary ("A daily file is detected as 1d bars and reads back exactly");
  g_assert_true (import (f, path, "acme", FALSE, &r, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (r.kind, ==, "1d");
  g_assert_cmpstr (r.symbol, ==, "ACME");
  g_assert_true (r.new_instrument);
  g_assert_cmpint (r.price_scale, ==, 2);
  g_assert_cmpuint (r.rows_stored, ==, 3);
  g_assert_cmpint (r.first, ==, DAY_2024_01_02);
  g_assert_cmpint (r.last, ==, DAY_2024_01_02 + 3 * QL_NS_PER_DAY);

  bars = load_bars (f, "ACME", "1d");
  g_assert_cmpuint (bars->len, ==, 3);
  g_assert_cmpfloat (ql_series_f64 (bars, QL_BAR_OPEN)[0], ==, 10.5);
  g_assert_cmpfloat (ql_series_f64 (bars, QL_BAR_CLOSE)[1], ==, 11.25);
  g_assert_cmpfloat (ql_series_f64 (bars, QL_BAR_LOW)[2], ==, 9.5);
  g_assert_cmpfloat (ql_series_f64 (bars, QL_BAR_VOLUME)[2], ==, 300);
}

static void
test_bad_row_leaves_workspace (Fixture *f, gconstpointer data)
{
  g_autofree char *good = write_file (f, "good.csv",
                                      "time,open,high,low,close,volume\n"
                                      "2024-01-02T00:00:00Z,1,2,0.5,1.5,10\n"
                                      "2024-01-02T00:01:00Z,1.5,2,1,1.75,10\n");
  g_autofree char *bad = write_file (f, "bad.csv",
                                     "time,open,high,low,close,volume\n"
                                     "2024-01-02T00:00:00Z,9,9,9,9,1\n"
                                     "2024-01-02T00:01:00Z,9,9,9,9,1\n"
                                     "2024-01-02T00:02:00Z,9,9,9,9,1\n"
                                     "2024-01-02T00:03:00Z,9,9,1.2a,9,1\n");
  g_autoptr (GError) error = NULL;
  g_autoptr (QlSeries) bars = NULL;
  QlImportReport r;

  g_test_summary ("A malformed row stops the import with FILE:LINE:COLUMN and changes nothing");
  g_assert_true (import (f, good, "X", FALSE, &r, &error));
  g_assert_false (import (f, bad, "X", FALSE, &r, &error));
  g_assert_nonnull (error);
  g_assert_true (g_str_has_prefix (error->message, bad));
  g_assert_nonnull (strstr (error->message, ":5:"));
  g_assert_nonnull (strstr (error->message, "1.2a"));

  /* The first file's bars are intact: the second import was rolled back. */
  bars = load_bars (f, "X", "1m");
  g_assert_cmpuint (bars->len, ==, 2);
  g_assert_cmpfloat (ql_series_f64 (bars, QL_BAR_CLOSE)[0], ==, 1.5);
  g_assert_cmpfloat (ql_series_f64 (bars, QL_BAR_CLOSE)[1], ==, 1.75);

  /* A failed first import of a new symbol leaves no instrument behind. */
  g_clear_error (&error);
  g_assert_false (import (f, bad, "NEWSYM", FALSE, &r, &error));
  g_clear_error (&error);
  QlInstrument inst;
  g_assert_false (ql_store_find_instrument (f->store, "NEWSYM", NULL, &inst, NULL, &error));
  g_assert_error (error, QL_STORE_ERROR, QL_STORE_ERROR_NOT_FOUND);
}

static void
test_skip_bad (Fixture *f, gconstpointer data)
{
  g_autofree char *path = write_file (f, "s.csv",
                                      "time,price,qty\n"
                                      "2024-01-02T00:00:00Z,100.5,1\n"
                                      "2024-01-02T00:00:01Z,abc,1\n"
                                      "2024-01-02T00:00:02Z,100.25,2\n"
                                      "not a time,100,1\n"
                                      "2024-01-02T00:00:03Z,100.75,3\n");
  g_autoptr (GError) error = NULL;
  QlImportReport r;

  g_test_summary ("--skip-bad skips malformed rows, counts them and names their lines");
  g_assert_true (import (f, path, "T", TRUE, &r, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (r.kind, ==, "ticks");
  g_assert_cmpuint (r.rows_read, ==, 5);
  g_assert_cmpuint (r.rows_stored, ==, 3);
  g_assert_cmpuint (r.bad_rows, ==, 2);
  g_assert_cmpuint (r.bad_lines[0], ==, 3);
  g_assert_cmpuint (r.bad_lines[1], ==, 5);
}

static void
test_order_policy (Fixture *f, gconstpointer data)
{
  /* 1m bars, rows 3 and 4 swapped and 00:02 written twice. */
  g_autofree char *path = write_file (f, "o.csv",
                                      "time,open,high,low,close\n"
                                      "2024-01-02T00:00:00Z,1,1,1,1\n"
                                      "2024-01-02T00:01:00Z,2,2,2,2\n"
                                      "2024-01-02T00:03:00Z,4,4,4,4\n"
                                      "2024-01-02T00:02:00Z,3,3,3,3\n"
                                      "2024-01-02T00:02:00Z,5,5,5,5\n");
  g_autoptr (GError) error = NULL;
  g_autoptr (QlSeries) bars = NULL;
  QlImportReport r;

  g_test_summary ("Rows out of order are sorted; a repeated bar time keeps the later row");
  g_assert_true (import (f, path, "O", FALSE, &r, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (r.kind, ==, "1m");
  g_assert_cmpuint (r.sorted_blocks, ==, 1);
  g_assert_cmpuint (r.duplicates, ==, 1);
  g_assert_cmpuint (r.rows_stored, ==, 4);
  bars = load_bars (f, "O", "1m");
  g_assert_cmpuint (bars->len, ==, 4);
  g_assert_cmpfloat (ql_series_f64 (bars, QL_BAR_CLOSE)[2], ==, 5);
  g_assert_cmpfloat (ql_series_f64 (bars, QL_BAR_CLOSE)[3], ==, 4);
}

static void
test_reimport_replaces (Fixture *f, gconstpointer data)
{
  g_autofree char *a = write_file (f, "a.csv",
                                   "time,price,qty\n"
                                   "2024-01-02T00:00:00Z,10,1\n"
                                   "2024-01-02T00:00:10Z,11,1\n"
                                   "2024-01-02T00:00:20Z,12,1\n"
                                   "2024-01-02T00:00:30Z,13,1\n");
  g_autofree char *b = write_file (f, "b.csv",
                                   "time,price,qty\n"
                                   "2024-01-02T00:00:10Z,21,2\n"
                                   "2024-01-02T00:00:15Z,22,2\n"
                                   "2024-01-02T00:00:20Z,23,2\n");
  g_autoptr (GError) error = NULL;
  g_autoptr (QlSeries) ticks = ql_series_new_ticks ();
  QlInstrument inst;
  gint64 id;
  QlImportReport r;

  g_test_summary ("Importing overlapping data replaces that range; importing twice never duplicates");
  g_assert_true (import (f, a, "R", FALSE, &r, &error));
  g_assert_true (import (f, a, "R", FALSE, &r, &error));
  g_assert_true (import (f, b, "R", FALSE, &r, &error));
  g_assert_no_error (error);
  g_assert_false (r.new_instrument);
  g_assert_true (ql_store_find_instrument (f->store, "R", NULL, &inst, &id, &error));
  g_assert_true (ql_store_read_ticks (f->store, id, G_MININT64, G_MAXINT64, ticks, &error));
  g_assert_no_error (error);
  /* 10 | 21 22 23 (replacing 11 12) | 13 */
  g_assert_cmpuint (ticks->len, ==, 5);
  gint64 expect[] = { 10, 21, 22, 23, 13 };
  for (int i = 0; i < 5; i++)
    g_assert_cmpint (ql_series_i64 (ticks, QL_TICK_PRICE)[i], ==, expect[i]);
  ql_instrument_clear (&inst);
}

static void
test_one_trade_bars_are_ticks (Fixture *f, gconstpointer data)
{
  g_autofree char *path = write_file (f, "t.csv",
                                      "Datetime,Open,High,Low,Close,Volume,OpenInterest\n"
                                      "2015-09-23T20:57:42.146,3067.00,3067.00,3067.00,3067.00,180,0\n"
                                      "2015-09-23T20:57:46.151,3066.00,3066.00,3066.00,3066.00,2,0\n"
                                      "2015-09-23T20:57:53.821,3066.50,3066.50,3066.50,3066.50,1,0\n");
  g_autoptr (GError) error = NULL;
  g_autoptr (QlSeries) ticks = ql_series_new_ticks ();
  QlInstrument inst;
  gint64 id;
  QlImportReport r;

  g_test_summary ("Irregular rows with open = high = low = close are imported as ticks");
  g_assert_true (import (f, path, "ES", FALSE, &r, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (r.kind, ==, "ticks");
  g_assert_true (ql_store_find_instrument (f->store, "ES", NULL, &inst, &id, &error));
  g_assert_true (ql_store_read_ticks (f->store, id, G_MININT64, G_MAXINT64, ticks, &error));
  g_assert_cmpuint (ticks->len, ==, 3);
  /* price_scale 2: 3066.50 is 306650; size 180 at qty scale 0. */
  g_assert_cmpint (ql_series_i64 (ticks, QL_TICK_PRICE)[2], ==, 306650);
  g_assert_cmpint (ql_series_i64 (ticks, QL_TICK_SIZE)[0], ==, 180);
  g_assert_cmpint (ql_series_i64 (ticks, QL_TICK_FLAGS)[0], ==, QL_TICK_FLAG_TRADE);
  ql_instrument_clear (&inst);
}

static void
test_undetectable_timeframe (Fixture *f, gconstpointer data)
{
  g_autofree char *path = write_file (f, "u.csv",
                                      "time,open,high,low,close\n"
                                      "2024-01-02T00:00:00Z,1,2,0.5,1\n"
                                      "2024-01-02T00:01:00Z,1,2,0.5,1\n"
                                      "2024-01-02T00:02:30Z,1,2,0.5,1\n");
  g_autoptr (GError) error = NULL;
  QlImportReport r;

  g_test_summary ("Bars whose steps fit no timeframe are an error that asks for --timeframe");
  /* Steps of 60 s and 90 s: 90 is no multiple of 60. */
  g_assert_false (import (f, path, "U", FALSE, &r, &error));
  g_assert_error (error, QL_IMPORT_ERROR, QL_IMPORT_ERROR_TIMEFRAME);
  g_assert_nonnull (strstr (error->message, "--timeframe"));
}

static void
test_many_blocks (Fixture *f, gconstpointer data)
{
  GString *text = g_string_new ("time,price,qty\n");
  g_autofree char *path = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (QlSeries) ticks = ql_series_new_ticks ();
  QlInstrument inst;
  gint64 id;
  QlImportReport r;
  const int n = 3 * QL_IMPORT_BLOCK_ROWS + 17;

  g_test_summary ("A file of several blocks streams into the store whole and in order, "
                  "with a row older than an earlier block dropped and reported");
  for (int i = 0; i < n; i++)
    g_string_append_printf (text, "%d,%d.%02d,1\n", 1700000000 + i, 100 + i % 7, i % 100);
  /* Older than everything stored by the first block: dropped. */
  g_string_append (text, "1700000005,1,1\n");
  path = write_file (f, "big.csv", text->str);
  g_string_free (text, TRUE);

  g_assert_true (import (f, path, "BIG", FALSE, &r, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (r.rows_stored, ==, n);
  g_assert_cmpuint (r.out_of_order, ==, 1);
  g_assert_cmpuint (r.out_of_order_lines[0], ==, n + 2);
  g_assert_true (ql_store_find_instrument (f->store, "BIG", NULL, &inst, &id, &error));
  g_assert_true (ql_store_read_ticks (f->store, id, G_MININT64, G_MAXINT64, ticks, &error));
  g_assert_cmpuint (ticks->len, ==, n);
  for (int i = 0; i < n; i++)
    {
      g_assert_cmpint (ql_series_i64 (ticks, QL_TICK_TIME)[i], ==, (1700000000 + (gint64) i) * QL_NS_PER_SEC);
      g_assert_cmpint (ql_series_i64 (ticks, QL_TICK_PRICE)[i], ==, (100 + i % 7) * 100 + i % 100);
    }
  ql_instrument_clear (&inst);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/data/import/detect/daily-bars", test_daily_bars_detected);
  ADD ("/data/import/errors/bad-row-leaves-workspace", test_bad_row_leaves_workspace);
  ADD ("/data/import/errors/skip-bad", test_skip_bad);
  ADD ("/data/import/order/sort-and-duplicates", test_order_policy);
  ADD ("/data/import/overlap/replaces", test_reimport_replaces);
  ADD ("/data/import/detect/one-trade-bars-are-ticks", test_one_trade_bars_are_ticks);
  ADD ("/data/import/detect/undetectable-timeframe", test_undetectable_timeframe);
  ADD ("/data/import/stream/many-blocks", test_many_blocks);
  return g_test_run ();
}
