/* tests/data/test-store.c — the SQLite workspace: migrations, instruments,
 * watchlists, chunked ticks and bars, range replacement, corruption. */
#include "data/store.h"

#include "data/chunk.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

/* 2024-01-02T00:00:00Z: 2024-01-01 is 1704067200 s after the epoch
 * (19723 days * 86400), plus one day. */
#define BASE (G_GINT64_CONSTANT (1704153600) * QL_NS_PER_SEC)

/* A temporary folder for the whole run (XDG_DATA_HOME points into it, so
 * the default workspace is there too), with one subfolder per test.
 * G_TEST_OPTION_ISOLATE_DIRS would do this but leaks under LeakSanitizer. */
static char *tmp_root;

static const char *
test_dir (void)
{
  static char *dir;
  static const char *for_test;
  const char *name = g_test_get_path ();

  if (for_test != name)
    {
      g_free (dir);
      dir = g_build_filename (tmp_root, "tests", name, NULL);
      g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
      for_test = name;
    }
  return dir;
}

static char *
db_path (void)
{
  return g_build_filename (test_dir (), "test.db", NULL);
}

static void
remove_tree (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    {
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          remove_tree (child);
        }
      g_dir_close (dir);
    }
  g_remove (path);
}

static QlStore *
open_store (const char *path)
{
  GError *error = NULL;
  QlStore *store = ql_store_open (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (store);
  return store;
}

static gint64
add_instrument (QlStore *store, const char *symbol, const char *exchange, int price_scale)
{
  QlInstrument inst;
  GError *error = NULL;
  gint64 id = 0;

  g_assert_true (ql_instrument_init (&inst, symbol, &error));
  g_strlcpy (inst.exchange, exchange, sizeof inst.exchange);
  inst.price_scale = price_scale;
  inst.qty_scale = 3;
  g_assert_true (ql_store_put_instrument (store, &inst, &id, &error));
  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);
  ql_instrument_clear (&inst);
  return id;
}

/* Tick i at BASE + i ms (times step by @step_ms), a random walk of price,
 * quotes on every third. The same seed gives the same ticks. */
static QlSeries *
make_ticks (gsize n, gint64 first_index, gint64 step_ms, guint32 seed)
{
  QlSeries *s = ql_series_new_ticks ();
  GRand *rand = g_rand_new_with_seed (seed);
  QlPrice price = 500000;

  for (gsize i = 0; i < n; i++)
    {
      gint64 k = first_index + (gint64) i;
      gboolean quote = k % 3 == 0;
      QlTick t = { 0 };

      price += g_rand_int_range (rand, -3, 4);
      t.time = BASE + k * step_ms * QL_NS_PER_MS;
      t.price = price;
      t.size = g_rand_int_range (rand, 1, 500);
      t.bid = quote ? price - 1 : 0;
      t.ask = quote ? price + 1 : 0;
      t.flags = QL_TICK_FLAG_TRADE | (quote ? QL_TICK_FLAG_QUOTE : 0) |
                (g_rand_boolean (rand) ? QL_TICK_FLAG_BUY : QL_TICK_FLAG_SELL);
      ql_series_append_tick (s, &t);
    }
  g_rand_free (rand);
  return s;
}

static void
assert_ticks_equal (const QlSeries *a, const QlSeries *b)
{
  g_assert_cmpuint (a->len, ==, b->len);
  for (guint c = 0; c < QL_TICK_N_COLUMNS; c++)
    for (gsize i = 0; i < a->len; i++)
      if (ql_series_i64 (a, c)[i] != ql_series_i64 (b, c)[i])
        {
          g_test_message ("row %" G_GSIZE_FORMAT " column %u differs", i, c);
          g_assert_cmpint (ql_series_i64 (a, c)[i], ==, ql_series_i64 (b, c)[i]);
        }
}

/* The reference for range replacement, written the obvious way: stored
 * rows before @from, the new rows, stored rows after @to. */
static QlSeries *
model_replace (const QlSeries *model, const QlSeries *src, QlTimeNs from, QlTimeNs to)
{
  QlSeries *out = ql_series_new_ticks ();
  QlTick t;

  for (gsize i = 0; i < model->len; i++)
    {
      ql_series_get_tick (model, i, &t);
      if (t.time < from)
        ql_series_append_tick (out, &t);
    }
  for (gsize i = 0; i < src->len; i++)
    {
      ql_series_get_tick (src, i, &t);
      ql_series_append_tick (out, &t);
    }
  for (gsize i = 0; i < model->len; i++)
    {
      ql_series_get_tick (model, i, &t);
      if (t.time > to)
        ql_series_append_tick (out, &t);
    }
  return out;
}

static QlSeries *
read_all_ticks (QlStore *store, gint64 id)
{
  QlSeries *out = ql_series_new_ticks ();
  GError *error = NULL;

  g_assert_true (ql_store_read_ticks (store, id, G_MININT64, G_MAXINT64, out, &error));
  g_assert_no_error (error);
  return out;
}

static void
write_ticks (QlStore *store, gint64 id, const QlSeries *s, QlTimeNs from, QlTimeNs to)
{
  GError *error = NULL;
  g_assert_true (ql_store_write_ticks (store, id, s, 0, s->len, from, to, &error));
  g_assert_no_error (error);
}

static QlStoreSeriesInfo
series_info (QlStore *store, gint64 id, const char *kind)
{
  g_autoptr (GArray) list = NULL;
  GError *error = NULL;
  QlStoreSeriesInfo none = { 0 };

  list = ql_store_list_series (store, id, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < list->len; i++)
    if (strcmp (g_array_index (list, QlStoreSeriesInfo, i).kind, kind) == 0)
      return g_array_index (list, QlStoreSeriesInfo, i);
  return none;
}

static gint64
sql_int (const char *path, const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 v;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  v = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return v;
}

static void
sql_exec (const char *path, const char *sql)
{
  sqlite3 *db = NULL;
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
}

/* Workspace ----------------------------------------------------------- */

static void
test_migrates_empty_file (void)
{
  g_autofree char *path = db_path ();
  g_autoptr (QlStore) store = NULL;

  g_test_summary ("A new file and an existing empty file get the whole schema, in WAL mode");
  store = open_store (path);
  g_assert_cmpstr (ql_store_get_path (store), ==, path);
  g_assert_cmpint (sql_int (path, "PRAGMA user_version"), ==, QL_STORE_SCHEMA_VERSION);
  g_assert_cmpint (sql_int (path, "PRAGMA application_id"), ==, QL_STORE_APPLICATION_ID);
  g_assert_cmpint (sql_int (path, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN"
                                  " ('instruments', 'watchlists', 'watchlist_items', 'chunks')"), ==, 4);
  g_assert_cmpint (sql_int (path, "SELECT count(*) FROM sqlite_schema WHERE name = 'chunks_by_end'"), ==, 1);
  g_clear_pointer (&store, ql_store_free);

  /* A zero-byte file is an empty database to SQLite. */
  {
    g_autofree char *empty = g_build_filename (test_dir (), "empty.db", NULL);
    GError *error = NULL;
    g_assert_true (g_file_set_contents (empty, "", 0, &error));
    store = open_store (empty);
    g_assert_cmpint (sql_int (empty, "PRAGMA user_version"), ==, QL_STORE_SCHEMA_VERSION);
    {
      g_autofree char *wal = g_strconcat (empty, "-wal", NULL);
      g_assert_true (g_file_test (wal, G_FILE_TEST_EXISTS));
    }
  }
}

static void
test_default_path (void)
{
  g_autofree char *expected = g_build_filename (g_get_user_data_dir (), "quantlab", "workspace.db", NULL);
  g_autofree char *path = ql_store_default_path ();
  g_autoptr (QlStore) store = NULL;

  g_test_summary ("The default workspace lives in the user data folder, which is created");
  g_assert_cmpstr (path, ==, expected);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  store = open_store (NULL);
  g_assert_cmpstr (ql_store_get_path (store), ==, expected);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
}

static void
test_reopens_existing (void)
{
  g_autofree char *path = db_path ();
  g_autoptr (QlStore) store = open_store (path);
  g_autoptr (QlSeries) ticks = make_ticks (100, 0, 1, 1);
  g_autoptr (QlSeries) back = NULL;
  QlInstrument inst;
  GError *error = NULL;
  gint64 id = add_instrument (store, "BTCUSDT", "BINANCE", 2), id2 = 0;

  g_test_summary ("Reopening a workspace keeps its instruments and data and migrates nothing");
  write_ticks (store, id, ticks, G_MININT64, G_MAXINT64);
  g_clear_pointer (&store, ql_store_free);

  store = open_store (path);
  g_assert_true (ql_store_find_instrument (store, "BTCUSDT", "BINANCE", &inst, &id2, &error));
  g_assert_no_error (error);
  g_assert_cmpint (id2, ==, id);
  ql_instrument_clear (&inst);
  back = read_all_ticks (store, id);
  assert_ticks_equal (ticks, back);
  g_assert_cmpint (sql_int (path, "PRAGMA user_version"), ==, QL_STORE_SCHEMA_VERSION);
}

static void
test_open_existing_only (void)
{
  g_autofree char *path = db_path ();
  g_autoptr (QlStore) store = NULL;
  g_autoptr (GError) error = NULL;

  g_test_summary ("Opening a workspace to read refuses a missing file, naming it, and creates "
                  "nothing; an existing one opens");
  store = ql_store_open_existing (path, &error);
  g_assert_null (store);
  g_assert_error (error, QL_STORE_ERROR, QL_STORE_ERROR_OPEN);
  g_assert_nonnull (strstr (error->message, path));
  g_assert_nonnull (strstr (error->message, "no such workspace"));
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_clear_error (&error);

  store = open_store (path);
  g_clear_pointer (&store, ql_store_free);
  store = ql_store_open_existing (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (store);
}

static void
test_refuses_newer_version (void)
{
  g_autofree char *path = db_path ();
  g_autoptr (QlStore) store = open_store (path);
  g_autoptr (GError) error = NULL;
  QlStore *again;

  g_test_summary ("A workspace from a newer QuantLab is refused with a message naming the file");
  g_clear_pointer (&store, ql_store_free);
  sql_exec (path, "PRAGMA user_version = 99");
  again = ql_store_open (path, &error);
  g_assert_null (again);
  g_assert_error (error, QL_STORE_ERROR, QL_STORE_ERROR_VERSION);
  g_assert_nonnull (strstr (error->message, path));
  g_assert_nonnull (strstr (error->message, "newer"));
  g_assert_nonnull (strstr (error->message, "99"));
  /* Refusing changed nothing. */
  g_assert_cmpint (sql_int (path, "PRAGMA user_version"), ==, 99);
}

static void
test_refuses_non_workspace (void)
{
  g_autofree char *path = db_path ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) error2 = NULL;
  g_autofree char *other = g_build_filename (test_dir (), "other.db", NULL);

  g_test_summary ("A file that is not a database, or another program's database, is refused");
  g_assert_true (g_file_set_contents (path, "symbol,price\nBTC,1\n-------------------------------------"
                                            "-----------------------------------------------------------"
                                            "---------------------------------------", -1, NULL));
  g_assert_null (ql_store_open (path, &error));
  g_assert_error (error, QL_STORE_ERROR, QL_STORE_ERROR_OPEN);
  g_assert_nonnull (strstr (error->message, path));

  sql_exec (other, "PRAGMA application_id = 42; CREATE TABLE t (x)");
  g_assert_null (ql_store_open (other, &error2));
  g_assert_error (error2, QL_STORE_ERROR, QL_STORE_ERROR_OPEN);
  g_assert_nonnull (strstr (error2->message, "not a QuantLab workspace"));
}

/* Instruments ------------------------------------------------------------ */

static void
test_instruments_round_trip (void)
{
  g_autofree char *path = db_path ();
  g_autoptr (QlStore) store = open_store (path);
  g_autoptr (GPtrArray) list = NULL;
  QlInstrument inst, got;
  GError *error = NULL;
  gint64 id = 0, id2 = 0, id3 = 0;

  g_test_summary ("Instruments keep every field, are found by normalised symbol, and update in place");
  g_assert_true (ql_instrument_init (&inst, "btc-usdt", &error));
  g_strlcpy (inst.exchange, "binance", sizeof inst.exchange);
  g_strlcpy (inst.currency, "USDT", sizeof inst.currency);
  inst.price_scale = 2;
  inst.qty_scale = 5;
  inst.tick_size = 1;
  inst.lot_size = 10;
  g_assert_true (ql_instrument_set_timezone (&inst, "America/New_York", &error));
  g_assert_true (ql_instrument_set_session (&inst, "09:30-16:00", &error));
  g_assert_true (ql_store_put_instrument (store, &inst, &id, &error));
  g_assert_no_error (error);

  g_assert_true (ql_store_find_instrument (store, "BTC/USDT", NULL, &got, &id2, &error));
  g_assert_no_error (error);
  g_assert_cmpint (id2, ==, id);
  g_assert_cmpstr (got.symbol, ==, "BTCUSDT");
  g_assert_cmpstr (got.exchange, ==, "BINANCE");
  g_assert_cmpstr (got.currency, ==, "USDT");
  g_assert_cmpint (got.price_scale, ==, 2);
  g_assert_cmpint (got.qty_scale, ==, 5);
  g_assert_cmpint (got.lot_size, ==, 10);
  g_assert_cmpstr (got.tz_name, ==, "America/New_York");
  g_assert_nonnull (got.tz);
  g_assert_cmpint (got.session_start_min, ==, 9 * 60 + 30);
  g_assert_cmpint (got.session_end_min, ==, 16 * 60);
  ql_instrument_clear (&got);

  /* "EXCHANGE:SYMBOL" names the exchange. */
  g_assert_true (ql_store_find_instrument (store, "binance:btcusdt", NULL, &got, NULL, &error));
  g_assert_no_error (error);
  ql_instrument_clear (&got);

  /* Update: same (symbol, exchange), same id, new fields. */
  g_strlcpy (inst.currency, "USD", sizeof inst.currency);
  g_assert_true (ql_store_put_instrument (store, &inst, &id3, &error));
  g_assert_cmpint (id3, ==, id);
  g_assert_true (ql_store_get_instrument (store, id, &got, &error));
  g_assert_cmpstr (got.currency, ==, "USD");
  ql_instrument_clear (&got);

  /* The same symbol on a second exchange: ambiguous without one. */
  g_strlcpy (inst.exchange, "COINBASE", sizeof inst.exchange);
  g_assert_true (ql_store_put_instrument (store, &inst, &id3, &error));
  g_assert_cmpint (id3, !=, id);
  g_assert_false (ql_store_find_instrument (store, "BTCUSDT", "", &got, NULL, &error));
  g_assert_error (error, QL_STORE_ERROR, QL_STORE_ERROR_AMBIGUOUS);
  g_assert_nonnull (strstr (error->message, "BINANCE"));
  g_assert_nonnull (strstr (error->message, "COINBASE"));
  g_clear_error (&error);
  g_assert_true (ql_store_find_instrument (store, "BTCUSDT", "coinbase", &got, &id2, &error));
  g_assert_cmpint (id2, ==, id3);
  ql_instrument_clear (&got);

  g_assert_false (ql_store_find_instrument (store, "ETHUSDT", NULL, &got, NULL, &error));
  g_assert_error (error, QL_STORE_ERROR, QL_STORE_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "ETHUSDT"));
  g_clear_error (&error);
  g_assert_false (ql_store_get_instrument (store, 9999, &got, &error));
  g_assert_error (error, QL_STORE_ERROR, QL_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  add_instrument (store, "AAPL", "", 2);
  list = ql_store_list_instruments (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 3);
  g_assert_cmpstr (((QlStoreInstrument *) list->pdata[0])->instrument.symbol, ==, "AAPL");
  g_assert_cmpstr (((QlStoreInstrument *) list->pdata[1])->instrument.exchange, ==, "BINANCE");
  g_assert_cmpstr (((QlStoreInstrument *) list->pdata[2])->instrument.exchange, ==, "COINBASE");
  g_assert_cmpint (((QlStoreInstrument *) list->pdata[2])->id, ==, id3);
  ql_instrument_clear (&inst);
}

static void
test_scale_change_refused (void)
{
  g_autofree char *path = db_path ();
  g_autoptr (QlStore) store = open_store (path);
  g_autoptr (QlSeries) ticks = make_ticks (10, 0, 1, 2);
  g_autoptr (GError) error = NULL;
  QlInstrument inst;
  gint64 id = add_instrument (store, "ESZ4", "CME", 2);

  g_test_summary ("Changing the price scale of an instrument with stored ticks is refused");
  g_assert_true (ql_store_get_instrument (store, id, &inst, NULL));
  inst.price_scale = 4;
  /* No ticks yet: allowed. */
  g_assert_true (ql_store_put_instrument (store, &inst, NULL, &error));
  g_assert_no_error (error);
  write_ticks (store, id, ticks, G_MININT64, G_MAXINT64);
  inst.price_scale = 2;
  g_assert_false (ql_store_put_instrument (store, &inst, NULL, &error));
  g_assert_error (error, QL_STORE_ERROR, QL_STORE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "CME:ESZ4"));
  ql_instrument_clear (&inst);
  g_assert_true (ql_store_get_instrument (store, id, &inst, NULL));
  g_assert_cmpint (inst.price_scale, ==, 4);
  ql_instrument_clear (&inst);
}

/* Watchlists ------------------------------------------------------------- */

static void
assert_watchlist (QlStore *store, const char *name, const char *expected)
{
  g_autoptr (GPtrArray) items = NULL;
  g_autoptr (GString) got = g_string_new ("");
  GError *error = NULL;

  items = ql_store_watchlist_items (store, name, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < items->len; i++)
    g_string_append_printf (got, "%s%s", i ? " " : "",
                            ((QlStoreInstrument *) items->pdata[i])->instrument.symbol);
  g_assert_cmpstr (got->str, ==, expected);
}

static void
test_watchlists (void)
{
  g_autofree char *path = db_path ();
  g_autoptr (QlStore) store = open_store (path);
  g_autoptr (GPtrArray) names = NULL;
  GError *error = NULL;
  gint64 a = add_instrument (store, "AAA", "", 2);
  gint64 b = add_instrument (store, "BBB", "", 2);
  gint64 c = add_instrument (store, "CCC", "", 2);
  gint64 wl = 0;

  g_test_summary ("Watchlists keep their order through inserts and removals");
  g_assert_true (ql_store_watchlist_create (store, "tech", &wl, &error));
  g_assert_cmpint (wl, >, 0);
  g_assert_true (ql_store_watchlist_create (store, "crypto", NULL, &error));
  g_assert_false (ql_store_watchlist_create (store, "tech", NULL, &error));
  g_assert_error (error, QL_STORE_ERROR, QL_STORE_ERROR_EXISTS);
  g_clear_error (&error);

  g_assert_true (ql_store_watchlist_add (store, "tech", a, -1, &error));
  g_assert_true (ql_store_watchlist_add (store, "tech", b, -1, &error));
  g_assert_true (ql_store_watchlist_add (store, "tech", c, 0, &error));
  g_assert_no_error (error);
  assert_watchlist (store, "tech", "CCC AAA BBB");
  g_assert_false (ql_store_watchlist_add (store, "tech", a, 1, &error));
  g_assert_error (error, QL_STORE_ERROR, QL_STORE_ERROR_EXISTS);
  g_clear_error (&error);
  g_assert_false (ql_store_watchlist_add (store, "tech", 777, 1, &error));
  g_assert_error (error, QL_STORE_ERROR, QL_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_assert_true (ql_store_watchlist_remove (store, "tech", a, &error));
  assert_watchlist (store, "tech", "CCC BBB");
  g_assert_true (ql_store_watchlist_add (store, "tech", a, 1, &error));
  assert_watchlist (store, "tech", "CCC AAA BBB");
  g_assert_false (ql_store_watchlist_remove (store, "crypto", a, &error));
  g_assert_error (error, QL_STORE_ERROR, QL_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  assert_watchlist (store, "crypto", "");

  names = ql_store_watchlist_names (store, &error);
  g_assert_cmpuint (names->len, ==, 2);
  g_assert_cmpstr (names->pdata[0], ==, "crypto");
  g_assert_cmpstr (names->pdata[1], ==, "tech");

  g_assert_true (ql_store_watchlist_delete (store, "tech", &error));
  g_assert_no_error (error);
  g_assert_cmpint (sql_int (path, "SELECT count(*) FROM watchlist_items"), ==, 0);
  g_assert_false (ql_store_watchlist_delete (store, "tech", &error));
  g_assert_error (error, QL_STORE_ERROR, QL_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_null (ql_store_watchlist_items (store, "tech", &error));
  g_assert_error (error, QL_STORE_ERROR, QL_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
}

/* Ticks ------------------------------------------------------------------ */

static void
test_ticks_round_trip (void)
{
  g_autofree char *path = db_path ();
  g_autoptr (QlStore) store = open_store (path);
  g_autoptr (QlSeries) ticks = make_ticks (20000, 0, 1, 3);
  g_autoptr (QlSeries) back = NULL;
  gint64 id = add_instrument (store, "BTCUSDT", "BINANCE", 2);
  QlStoreSeriesInfo info;

  g_test_summary ("20000 ticks round-trip exactly, in ceil(20000/8192) = 3 chunks");
  write_ticks (store, id, ticks, G_MININT64, G_MAXINT64);
  back = read_all_ticks (store, id);
  assert_ticks_equal (ticks, back);
  info = series_info (store, id, "ticks");
  g_assert_cmpint (info.n_rows, ==, 20000);
  g_assert_cmpint (info.n_chunks, ==, 3);
  g_assert_cmpint (info.first_time, ==, BASE);
  g_assert_cmpint (info.last_time, ==, BASE + 19999 * QL_NS_PER_MS);
  g_assert_cmpint (sql_int (path, "SELECT n_rows FROM chunks ORDER BY start_ns LIMIT 1"), ==, QL_CHUNK_MAX_ROWS);
}

/* Reads [from, to) and compares with the rows of @all in that range. */
static void
assert_range (QlStore *store, gint64 id, const QlSeries *all, QlTimeNs from, QlTimeNs to, gsize expected_n)
{
  g_autoptr (QlSeries) got = ql_series_new_ticks ();
  g_autoptr (QlSeries) want = ql_series_new_ticks ();
  GError *error = NULL;
  QlTick t;

  for (gsize i = 0; i < all->len; i++)
    {
      ql_series_get_tick (all, i, &t);
      if (t.time >= from && (t.time < to || to == G_MAXINT64))
        ql_series_append_tick (want, &t);
    }
  g_assert_true (ql_store_read_ticks (store, id, from, to, got, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (got->len, ==, expected_n);
  assert_ticks_equal (want, got);
}

static void
test_range_reads (void)
{
  g_autofree char *path = db_path ();
  g_autoptr (QlStore) store = open_store (path);
  g_autoptr (QlSeries) ticks = make_ticks (20000, 0, 10, 4);
  gint64 id = add_instrument (store, "BTCUSDT", "BINANCE", 2);
  const QlTimeNs ms = QL_NS_PER_MS;

  g_test_summary ("Range reads at, inside and between chunk boundaries return exactly the rows in range");
  /* Row i is at BASE + 10 i ms. Chunk 1 is rows 0..8191 (to 81910 ms),
   * chunk 2 rows 8192..16383 (81920..163830 ms), chunk 3 the other 3616. */
  write_ticks (store, id, ticks, G_MININT64, G_MAXINT64);
  assert_range (store, id, ticks, G_MININT64, G_MAXINT64, 20000);
  assert_range (store, id, ticks, BASE, BASE + 81920 * ms, 8192);           /* exactly chunk 1 */
  assert_range (store, id, ticks, BASE + 81920 * ms, BASE + 81930 * ms, 1); /* first row of chunk 2 */
  assert_range (store, id, ticks, BASE + 81910 * ms, BASE + 81930 * ms, 2); /* across the boundary */
  assert_range (store, id, ticks, BASE + 81911 * ms, BASE + 81920 * ms, 0); /* between the chunks */
  assert_range (store, id, ticks, BASE + 5 * ms, BASE + 6 * ms, 0);         /* between two rows */
  assert_range (store, id, ticks, BASE + 5 * ms, BASE + 35 * ms, 3);        /* 10, 20, 30 ms */
  assert_range (store, id, ticks, BASE + 163835 * ms, G_MAXINT64, 3616);    /* from inside to the end */
  assert_range (store, id, ticks, BASE + 1000 * ms, BASE + 190000 * ms, 18900); /* rows 100..18999 */
  assert_range (store, id, ticks, BASE + 300000 * ms, G_MAXINT64, 0);       /* after everything */
  assert_range (store, id, ticks, G_MININT64, BASE, 0);                     /* before everything */
  assert_range (store, id, ticks, BASE + 50 * ms, BASE + 50 * ms, 0);       /* empty range */
}

static void
replace_and_check (QlStore *store, gint64 id, QlSeries **model, const QlSeries *src,
                   QlTimeNs from, QlTimeNs to, gsize expected_len)
{
  g_autoptr (QlSeries) back = NULL;
  QlSeries *next;

  write_ticks (store, id, src, from, to);
  next = model_replace (*model, src, from, to);
  ql_series_free (*model);
  *model = next;
  g_assert_cmpuint ((*model)->len, ==, expected_len);
  back = read_all_ticks (store, id);
  assert_ticks_equal (*model, back);
  g_assert_cmpint (series_info (store, id, "ticks").n_rows, ==, (gint64) expected_len);
}

static void
test_replace (void)
{
  g_autofree char *path = db_path ();
  g_autoptr (QlStore) store = open_store (path);
  QlSeries *model = ql_series_new_ticks ();
  gint64 id = add_instrument (store, "BTCUSDT", "BINANCE", 2);
  const QlTimeNs ms = QL_NS_PER_MS;

  g_test_summary ("Overlapping writes replace their range, keep rows outside it, and never duplicate");
  /* 20000 rows at BASE + 10 i ms. */
  {
    g_autoptr (QlSeries) all = make_ticks (20000, 0, 10, 5);
    replace_and_check (store, id, &model, all, G_MININT64, G_MAXINT64, 20000);
  }
  /* Inside chunk 1: [1000, 2000] ms held rows 100..200 (101 rows); 5 new
   * ones at 1001, 1003, ... 1009 ms: 20000 - 101 + 5 = 19904. */
  {
    g_autoptr (QlSeries) ins = make_ticks (5, 0, 2, 6);
    for (gsize i = 0; i < ins->len; i++)
      ql_series_i64 (ins, QL_TICK_TIME)[i] += 1001 * ms;
    replace_and_check (store, id, &model, ins, BASE + 1000 * ms, BASE + 2000 * ms, 19904);
  }
  /* Across chunks: [50000, 170000] ms held rows 5000..17000 (12001); 100
   * new rows 1 s apart from 50000.5 ms... at BASE + 50 s + i s + 0.5 ms: 19904 - 12001 + 100. */
  {
    g_autoptr (QlSeries) mid = make_ticks (100, 0, 1000, 7);
    for (gsize i = 0; i < mid->len; i++)
      ql_series_i64 (mid, QL_TICK_TIME)[i] += 50000 * ms + ms / 2;
    replace_and_check (store, id, &model, mid, BASE + 50000 * ms, BASE + 170000 * ms, 19904 - 12001 + 100);
  }
  /* Deleting a range (n = 0): [0, 999] ms held rows 0..99. */
  {
    g_autoptr (QlSeries) none = ql_series_new_ticks ();
    replace_and_check (store, id, &model, none, BASE, BASE + 999 * ms, 8003 - 100);
  }
  /* Everything: only the 7 new rows are left, in one chunk. */
  {
    g_autoptr (QlSeries) seven = make_ticks (7, 0, 1, 8);
    replace_and_check (store, id, &model, seven, G_MININT64, G_MAXINT64, 7);
    g_assert_cmpint (series_info (store, id, "ticks").n_chunks, ==, 1);
  }
  ql_series_free (model);
}

static void
test_overlapping_append (void)
{
  g_autofree char *path = db_path ();
  g_autoptr (QlStore) store = open_store (path);
  g_autoptr (QlSeries) all = make_ticks (15000, 0, 1, 9);
  g_autoptr (QlSeries) back = NULL;
  gint64 id = add_instrument (store, "EURUSD", "", 5);
  GError *error = NULL;

  g_test_summary ("Importing a file that overlaps stored data stores each tick once");
  /* First import: rows 0..9999; second import: rows 5000..14999, which
   * replaces the range its own first and last rows span. */
  g_assert_true (ql_store_write_ticks (store, id, all, 0, 10000, BASE, BASE + 9999 * QL_NS_PER_MS, &error));
  g_assert_true (ql_store_write_ticks (store, id, all, 5000, 10000, BASE + 5000 * QL_NS_PER_MS,
                                       BASE + 14999 * QL_NS_PER_MS, &error));
  g_assert_no_error (error);
  back = read_all_ticks (store, id);
  assert_ticks_equal (all, back);
}

static void
test_batched_writes_fill_chunks (void)
{
  g_autofree char *path = db_path ();
  g_autoptr (QlStore) store = open_store (path);
  g_autoptr (QlSeries) all = make_ticks (20000, 0, 1, 10);
  g_autoptr (QlSeries) back = NULL;
  gint64 id = add_instrument (store, "EURUSD", "", 5);
  GError *error = NULL;

  g_test_summary ("A file written in batches of 1000 with consecutive ranges still packs full chunks");
  for (gsize first = 0; first < all->len; first += 1000)
    {
      QlTimeNs from = ql_series_i64 (all, QL_TICK_TIME)[first];
      QlTimeNs to = first + 1000 < all->len ? ql_series_i64 (all, QL_TICK_TIME)[first + 1000] - 1 : G_MAXINT64;
      g_assert_true (ql_store_write_ticks (store, id, all, first, 1000, from, to, &error));
      g_assert_no_error (error);
    }
  back = read_all_ticks (store, id);
  assert_ticks_equal (all, back);
  /* 20000 rows: 8192 + 8192 + 3616, as if written at once. */
  g_assert_cmpint (series_info (store, id, "ticks").n_chunks, ==, 3);
}

static void
test_one_timestamp_runs (void)
{
  g_autofree char *path = db_path ();
  g_autoptr (QlStore) store = open_store (path);
  g_autoptr (QlSeries) ticks = make_ticks (12000, 0, 1, 11);
  g_autoptr (QlSeries) back = NULL;
  g_autoptr (QlSeries) one = ql_series_new_ticks ();
  gint64 id = add_instrument (store, "EURUSD", "", 5);
  GError *error = NULL;

  g_test_summary ("Rows sharing a timestamp stay in one chunk, so no two chunks share a time");
  /* Rows 8000..8999 all at the time of row 8000: the cut moves back to
   * row 8000, and the second chunk starts there. */
  for (gsize i = 8001; i < 9000; i++)
    ql_series_i64 (ticks, QL_TICK_TIME)[i] = ql_series_i64 (ticks, QL_TICK_TIME)[8000];
  write_ticks (store, id, ticks, G_MININT64, G_MAXINT64);
  back = read_all_ticks (store, id);
  assert_ticks_equal (ticks, back);
  g_assert_cmpint (sql_int (path, "SELECT n_rows FROM chunks ORDER BY start_ns LIMIT 1"), ==, 8000);
  g_assert_cmpint (sql_int (path, "SELECT count(*) FROM chunks a JOIN chunks b ON a.rowid < b.rowid"
                                  " AND a.end_ns >= b.start_ns AND b.end_ns >= a.start_ns"), ==, 0);

  /* Reading at that timestamp gets all 1000. */
  g_assert_true (ql_store_read_ticks (store, id, ql_series_i64 (ticks, QL_TICK_TIME)[8000],
                                      ql_series_i64 (ticks, QL_TICK_TIME)[8000] + 1, one, &error));
  g_assert_cmpuint (one->len, ==, 1000);
}

static void
test_invalid_writes (void)
{
  g_autofree char *path = db_path ();
  g_autoptr (QlStore) store = open_store (path);
  g_autoptr (QlSeries) ticks = make_ticks (100, 0, 1, 12);
  g_autoptr (QlSeries) back = NULL;
  gint64 id = add_instrument (store, "EURUSD", "", 5);
  GError *error = NULL;

  g_test_summary ("Unsorted rows, rows outside the range and unknown instruments are refused, changing nothing");
  write_ticks (store, id, ticks, G_MININT64, G_MAXINT64);

  ql_series_i64 (ticks, QL_TICK_TIME)[50] = BASE + 10 * QL_NS_PER_MS;
  g_assert_false (ql_store_write_ticks (store, id, ticks, 0, 100, G_MININT64, G_MAXINT64, &error));
  g_assert_error (error, QL_STORE_ERROR, QL_STORE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "row 50 at 2024-01-02T00:00:00.010Z is earlier"));
  g_clear_error (&error);

  g_assert_false (ql_store_write_ticks (store, id, ticks, 0, 10, BASE + 1, BASE + QL_NS_PER_SEC, &error));
  g_assert_error (error, QL_STORE_ERROR, QL_STORE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "EURUSD ticks: row 0 at 2024-01-02T00:00:00Z lies outside"));
  g_clear_error (&error);

  g_assert_false (ql_store_write_ticks (store, 4242, ticks, 0, 10, G_MININT64, G_MAXINT64, &error));
  g_assert_error (error, QL_STORE_ERROR, QL_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  back = read_all_ticks (store, id);
  g_assert_cmpuint (back->len, ==, 100);
}

/* Bars ------------------------------------------------------------------- */

static void
test_bars_round_trip (void)
{
  g_autofree char *path = db_path ();
  g_autoptr (QlStore) store = open_store (path);
  g_autoptr (QlSeries) bars = ql_series_new_bars ();
  g_autoptr (QlSeries) back = ql_series_new_bars ();
  g_autoptr (QlSeries) part = ql_series_new_bars ();
  g_autoptr (GError) error = NULL;
  QlInstrument inst;
  gint64 id = add_instrument (store, "EURUSD", "", 5);

  g_test_summary ("Bars read back bit-identical, by range, and only under a canonical timeframe kind");
  g_assert_true (ql_store_get_instrument (store, id, &inst, NULL));
  for (int i = 0; i < 10000; i++)
    {
      QlBar b = { .time = BASE + i * QL_NS_PER_MIN, .open = (108000 + i % 50) / 1e5,
                  .high = (108100 + i % 50) / 1e5, .low = (107900 + i % 50) / 1e5,
                  .close = (108010 + i % 37) / 1e5, .volume = (1000 + i) / 1e3, .trades = i % 11 };
      ql_series_append_bar (bars, &b);
    }
  /* One close with more decimals than the scale keeps its exact double. */
  ql_series_f64 (bars, QL_BAR_CLOSE)[77] = 1.080123456789;

  g_assert_true (ql_store_write_bars (store, id, &inst, "1m", bars, 0, bars->len, G_MININT64, G_MAXINT64, &error));
  g_assert_no_error (error);
  g_assert_true (ql_store_read_bars (store, id, &inst, "1m", G_MININT64, G_MAXINT64, back, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (back->len, ==, bars->len);
  for (guint c = 0; c < QL_BAR_N_COLUMNS; c++)
    g_assert_cmpmem (bars->columns[c], bars->len * 8, back->columns[c], back->len * 8);

  /* [BASE + 100 min, BASE + 200 min): bars 100..199. */
  g_assert_true (ql_store_read_bars (store, id, &inst, "1m", BASE + 100 * QL_NS_PER_MIN,
                                     BASE + 200 * QL_NS_PER_MIN, part, &error));
  g_assert_cmpuint (part->len, ==, 100);
  g_assert_cmpfloat (ql_series_f64 (part, QL_BAR_OPEN)[0], ==, ql_series_f64 (bars, QL_BAR_OPEN)[100]);

  /* Kinds must be canonical: "60s" is written "1m". */
  g_assert_false (ql_store_write_bars (store, id, &inst, "60s", bars, 0, 1, G_MININT64, G_MAXINT64, &error));
  g_assert_error (error, QL_STORE_ERROR, QL_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (ql_store_write_bars (store, id, &inst, "ticks", bars, 0, 1, G_MININT64, G_MAXINT64, &error));
  g_assert_error (error, QL_STORE_ERROR, QL_STORE_ERROR_INVALID);
  ql_instrument_clear (&inst);
}

static void
test_series_listing (void)
{
  g_autofree char *path = db_path ();
  g_autoptr (QlStore) store = open_store (path);
  g_autoptr (QlSeries) ticks = make_ticks (10, 0, 1, 13);
  g_autoptr (QlSeries) bars = ql_series_new_bars ();
  g_autoptr (GArray) list = NULL;
  GError *error = NULL;
  QlInstrument inst;
  gint64 id = add_instrument (store, "EURUSD", "", 5);

  g_test_summary ("The series listing gives each stored kind with row count and time span");
  g_assert_true (ql_store_get_instrument (store, id, &inst, NULL));
  for (int i = 0; i < 3; i++)
    {
      QlBar b = { .time = BASE + i * QL_NS_PER_DAY, .open = 1, .high = 2, .low = 0.5, .close = 1.5 };
      ql_series_append_bar (bars, &b);
    }
  write_ticks (store, id, ticks, G_MININT64, G_MAXINT64);
  g_assert_true (ql_store_write_bars (store, id, &inst, "1d", bars, 0, 3, G_MININT64, G_MAXINT64, &error));
  g_assert_true (ql_store_write_bars (store, id, &inst, "1m", bars, 0, 2, G_MININT64, G_MAXINT64, &error));
  g_assert_no_error (error);
  list = ql_store_list_series (store, id, &error);
  g_assert_cmpuint (list->len, ==, 3);
  g_assert_cmpstr (g_array_index (list, QlStoreSeriesInfo, 0).kind, ==, "1d");
  g_assert_cmpint (g_array_index (list, QlStoreSeriesInfo, 0).n_rows, ==, 3);
  g_assert_cmpint (g_array_index (list, QlStoreSeriesInfo, 0).last_time, ==, BASE + 2 * QL_NS_PER_DAY);
  g_assert_cmpstr (g_array_index (list, QlStoreSeriesInfo, 1).kind, ==, "1m");
  g_assert_cmpint (g_array_index (list, QlStoreSeriesInfo, 1).n_rows, ==, 2);
  g_assert_cmpstr (g_array_index (list, QlStoreSeriesInfo, 2).kind, ==, "ticks");
  g_assert_cmpint (g_array_index (list, QlStoreSeriesInfo, 2).n_rows, ==, 10);
  g_assert_cmpint (g_array_index (list, QlStoreSeriesInfo, 2).first_time, ==, BASE);
  g_assert_cmpint (g_array_index (list, QlStoreSeriesInfo, 2).last_time, ==, BASE + 9 * QL_NS_PER_MS);
  ql_instrument_clear (&inst);
}

/* Transactions ----------------------------------------------------------- */

static void
test_rollback (void)
{
  g_autofree char *path = db_path ();
  g_autoptr (QlStore) store = open_store (path);
  g_autoptr (QlSeries) first = make_ticks (10000, 0, 1, 14);
  g_autoptr (QlSeries) second = make_ticks (10000, 5000, 1, 15);
  g_autoptr (QlSeries) bad = make_ticks (QL_CHUNK_LIMIT_ROWS + 1, 0, 1, 16);
  g_autoptr (QlSeries) back = NULL;
  g_autoptr (GPtrArray) list = NULL;
  gint64 id = add_instrument (store, "EURUSD", "", 5);
  GError *error = NULL;
  QlStoreSeriesInfo before, after;

  g_test_summary ("Rolling back an import leaves the workspace exactly as it was");
  write_ticks (store, id, first, G_MININT64, G_MAXINT64);
  before = series_info (store, id, "ticks");

  g_assert_true (ql_store_begin (store, &error));
  g_assert_true (ql_store_in_transaction (store));
  g_assert_false (ql_store_begin (store, &error));
  g_assert_error (error, QL_STORE_ERROR, QL_STORE_ERROR_INVALID);
  g_clear_error (&error);
  add_instrument (store, "GBPUSD", "", 5);
  write_ticks (store, id, second, BASE + 5000 * QL_NS_PER_MS, G_MAXINT64);
  /* A write that fails half-way inside the transaction undoes only
   * itself: it deletes [14 s, end] and then refuses to store 65537 ticks
   * at one timestamp. */
  for (gsize i = 0; i < bad->len; i++)
    ql_series_i64 (bad, QL_TICK_TIME)[i] = BASE + 20 * QL_NS_PER_SEC;
  g_assert_false (ql_store_write_ticks (store, id, bad, 0, bad->len, BASE + 14 * QL_NS_PER_SEC, G_MAXINT64, &error));
  g_assert_error (error, QL_STORE_ERROR, QL_STORE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "at one timestamp"));
  g_clear_error (&error);
  g_assert_true (ql_store_in_transaction (store));
  g_assert_cmpint (series_info (store, id, "ticks").n_rows, ==, 15000);
  g_assert_true (ql_store_rollback (store, &error));
  g_assert_no_error (error);
  g_assert_false (ql_store_in_transaction (store));

  after = series_info (store, id, "ticks");
  g_assert_cmpmem (&before, sizeof before, &after, sizeof after);
  back = read_all_ticks (store, id);
  assert_ticks_equal (first, back);
  list = ql_store_list_instruments (store, &error);
  g_assert_cmpuint (list->len, ==, 1);

  /* And a commit keeps it all. */
  g_assert_true (ql_store_begin (store, &error));
  write_ticks (store, id, second, BASE + 5000 * QL_NS_PER_MS, G_MAXINT64);
  g_assert_true (ql_store_commit (store, &error));
  g_assert_no_error (error);
  g_assert_cmpint (series_info (store, id, "ticks").n_rows, ==, 15000);
  g_assert_false (ql_store_commit (store, &error));
  g_assert_error (error, QL_STORE_ERROR, QL_STORE_ERROR_INVALID);
  g_clear_error (&error);
}

/* Corruption ------------------------------------------------------------- */

/* Flips one byte in the middle of the blob of the chunk starting at @start. */
static void
corrupt_chunk (const char *path, QlTimeNs start, int offset)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  g_autofree guint8 *copy = NULL;
  int size;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT data FROM chunks WHERE start_ns = ?1", -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_int64 (stmt, 1, start);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  size = sqlite3_column_bytes (stmt, 0);
  copy = g_memdup2 (sqlite3_column_blob (stmt, 0), (gsize) size);
  sqlite3_finalize (stmt);
  g_assert_cmpint (offset, <, size);
  copy[offset] ^= 0x40;
  g_assert_cmpint (sqlite3_prepare_v2 (db, "UPDATE chunks SET data = ?2 WHERE start_ns = ?1", -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_int64 (stmt, 1, start);
  sqlite3_bind_blob (stmt, 2, copy, size, SQLITE_STATIC);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
  g_assert_cmpint (sqlite3_changes (db), ==, 1);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
}

static void
test_corrupt_chunk (void)
{
  g_autofree char *path = db_path ();
  g_autoptr (QlStore) store = open_store (path);
  g_autoptr (QlSeries) ticks = make_ticks (20000, 0, 1, 17);
  g_autoptr (QlSeries) out = make_ticks (3, 0, 1, 18);
  gint64 id = add_instrument (store, "BTCUSDT", "BINANCE", 2);
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) error2 = NULL;
  g_autoptr (GError) error3 = NULL;
  g_autofree char *sql = NULL;

  g_test_summary ("A corrupt chunk is an error naming the symbol, the kind and the chunk's time range");
  write_ticks (store, id, ticks, G_MININT64, G_MAXINT64);
  /* Chunk 2 holds rows 8192..16383: BASE + 8.192 s to BASE + 16.383 s. */
  corrupt_chunk (path, BASE + 8192 * QL_NS_PER_MS, 100);

  g_assert_false (ql_store_read_ticks (store, id, G_MININT64, G_MAXINT64, out, &error));
  g_assert_error (error, QL_STORE_ERROR, QL_STORE_ERROR_CORRUPT);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, path));
  g_assert_nonnull (strstr (error->message, "BINANCE:BTCUSDT ticks from 2024-01-02T00:00:08.192Z "
                                            "to 2024-01-02T00:00:16.383Z is corrupt: checksum mismatch"));
  /* The rows the series had are kept, nothing half-read is left. */
  g_assert_cmpuint (out->len, ==, 3);

  /* A read that does not touch chunk 2 works. */
  ql_series_truncate (out, 0);
  g_assert_true (ql_store_read_ticks (store, id, G_MININT64, BASE + 8000 * QL_NS_PER_MS, out, &error2));
  g_assert_no_error (error2);
  g_assert_cmpuint (out->len, ==, 8000);

  /* A truncated blob, by SQL alone. */
  sql = g_strdup_printf ("UPDATE chunks SET data = substr(data, 1, 20) WHERE start_ns = %" G_GINT64_FORMAT,
                         BASE + 16384 * QL_NS_PER_MS);
  sql_exec (path, sql);
  g_assert_false (ql_store_read_ticks (store, id, BASE + 17000 * QL_NS_PER_MS, G_MAXINT64, out, &error3));
  g_assert_error (error3, QL_STORE_ERROR, QL_STORE_ERROR_CORRUPT);
  g_assert_nonnull (strstr (error3->message, "from 2024-01-02T00:00:16.384Z to 2024-01-02T00:00:19.999Z"));
  g_assert_nonnull (strstr (error3->message, "truncated"));
}

/* Cursor ----------------------------------------------------------------- */

static void
test_cursor (void)
{
  g_autofree char *path = db_path ();
  g_autoptr (QlStore) store = open_store (path);
  g_autoptr (QlSeries) ticks = make_ticks (20000, 0, 1, 19);
  g_autoptr (QlSeries) got = ql_series_new_ticks ();
  g_autoptr (QlStoreCursor) cursor = NULL;
  g_autoptr (QlStoreCursor) part = NULL;
  gint64 id = add_instrument (store, "BTCUSDT", "BINANCE", 2);
  GError *error = NULL;
  guint calls = 0;
  gsize last_len = 0;

  g_test_summary ("The cursor streams every chunk in time order, one chunk per call");
  write_ticks (store, id, ticks, G_MININT64, G_MAXINT64);
  cursor = ql_store_cursor_new (store, id, "ticks", G_MININT64, G_MAXINT64, &error);
  g_assert_no_error (error);
  while (ql_store_cursor_next (cursor, got, &error))
    {
      calls++;
      g_assert_cmpuint (got->len - last_len, <=, QL_CHUNK_MAX_ROWS);
      last_len = got->len;
    }
  g_assert_no_error (error);
  g_assert_cmpuint (calls, ==, 3);
  assert_ticks_equal (ticks, got);
  /* Past the end it stays at the end. */
  g_assert_false (ql_store_cursor_next (cursor, got, &error));
  g_assert_no_error (error);

  /* A range inside chunks 1..2: [BASE + 8 s, BASE + 9 s) is rows
   * 8000..8999, 192 from chunk 1 and 808 from chunk 2. */
  ql_series_truncate (got, 0);
  calls = 0;
  part = ql_store_cursor_new (store, id, "ticks", BASE + 8 * QL_NS_PER_SEC, BASE + 9 * QL_NS_PER_SEC, &error);
  g_assert_true (ql_store_cursor_next (part, got, &error));
  g_assert_cmpuint (got->len, ==, 192);
  g_assert_true (ql_store_cursor_next (part, got, &error));
  g_assert_cmpuint (got->len, ==, 1000);
  g_assert_false (ql_store_cursor_next (part, got, &error));
  g_assert_no_error (error);
  g_assert_cmpint (ql_series_i64 (got, QL_TICK_TIME)[0], ==, BASE + 8000 * QL_NS_PER_MS);

  /* Unknown kinds are refused up front. */
  g_assert_null (ql_store_cursor_new (store, id, "1x", G_MININT64, G_MAXINT64, &error));
  g_assert_error (error, QL_STORE_ERROR, QL_STORE_ERROR_INVALID);
  g_clear_error (&error);

  /* A corrupt chunk met while streaming is an error, not the end. */
  g_clear_pointer (&cursor, ql_store_cursor_free);
  corrupt_chunk (path, BASE + 16384 * QL_NS_PER_MS, 50);
  ql_series_truncate (got, 0);
  cursor = ql_store_cursor_new (store, id, "ticks", G_MININT64, G_MAXINT64, &error);
  g_assert_true (ql_store_cursor_next (cursor, got, &error));
  g_assert_true (ql_store_cursor_next (cursor, got, &error));
  g_assert_false (ql_store_cursor_next (cursor, got, &error));
  g_assert_error (error, QL_STORE_ERROR, QL_STORE_ERROR_CORRUPT);
  g_assert_nonnull (strstr (error->message, "BINANCE:BTCUSDT ticks from 2024-01-02T00:00:16.384Z"));
  g_clear_error (&error);
}

static void
test_cursor_bars (void)
{
  g_autofree char *path = db_path ();
  g_autoptr (QlStore) store = open_store (path);
  g_autoptr (QlSeries) bars = ql_series_new_bars ();
  g_autoptr (QlSeries) got = ql_series_new_bars ();
  g_autoptr (QlStoreCursor) cursor = NULL;
  GError *error = NULL;
  QlInstrument inst;
  gint64 id = add_instrument (store, "EURUSD", "", 5);
  guint calls = 0;

  g_test_summary ("The cursor streams bars of one timeframe too");
  g_assert_true (ql_store_get_instrument (store, id, &inst, NULL));
  for (int i = 0; i < 9000; i++)
    {
      QlBar b = { .time = BASE + i * 5 * QL_NS_PER_MIN, .open = i / 1e5, .high = i / 1e5,
                  .low = i / 1e5, .close = i / 1e5, .volume = i, .trades = 1 };
      ql_series_append_bar (bars, &b);
    }
  g_assert_true (ql_store_write_bars (store, id, &inst, "5m", bars, 0, bars->len, G_MININT64, G_MAXINT64, &error));
  cursor = ql_store_cursor_new (store, id, "5m", G_MININT64, G_MAXINT64, &error);
  while (ql_store_cursor_next (cursor, got, &error))
    calls++;
  g_assert_no_error (error);
  g_assert_cmpuint (calls, ==, 2); /* 8192 + 808 */
  for (guint c = 0; c < QL_BAR_N_COLUMNS; c++)
    g_assert_cmpmem (bars->columns[c], bars->len * 8, got->columns[c], got->len * 8);
  ql_instrument_clear (&inst);
}

int
main (int argc, char **argv)
{
  g_autofree char *data_home = NULL;
  int status;

  tmp_root = g_dir_make_tmp ("ql-test-store-XXXXXX", NULL);
  g_assert_nonnull (tmp_root);
  data_home = g_build_filename (tmp_root, "data-home", NULL);
  g_setenv ("XDG_DATA_HOME", data_home, TRUE);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/data/store/open/migrates-empty-file", test_migrates_empty_file);
  g_test_add_func ("/data/store/open/default-path", test_default_path);
  g_test_add_func ("/data/store/open/reopens-existing", test_reopens_existing);
  g_test_add_func ("/data/store/open/existing-only", test_open_existing_only);
  g_test_add_func ("/data/store/open/refuses-newer-version", test_refuses_newer_version);
  g_test_add_func ("/data/store/open/refuses-non-workspace", test_refuses_non_workspace);
  g_test_add_func ("/data/store/instruments/round-trip", test_instruments_round_trip);
  g_test_add_func ("/data/store/instruments/scale-change-refused", test_scale_change_refused);
  g_test_add_func ("/data/store/watchlists/order", test_watchlists);
  g_test_add_func ("/data/store/ticks/round-trip", test_ticks_round_trip);
  g_test_add_func ("/data/store/ticks/range-reads", test_range_reads);
  g_test_add_func ("/data/store/ticks/replace-ranges", test_replace);
  g_test_add_func ("/data/store/ticks/overlapping-import-no-duplicates", test_overlapping_append);
  g_test_add_func ("/data/store/ticks/batched-writes-fill-chunks", test_batched_writes_fill_chunks);
  g_test_add_func ("/data/store/ticks/one-timestamp-one-chunk", test_one_timestamp_runs);
  g_test_add_func ("/data/store/ticks/invalid-writes-refused", test_invalid_writes);
  g_test_add_func ("/data/store/bars/round-trip-bit-identical", test_bars_round_trip);
  g_test_add_func ("/data/store/series/listing", test_series_listing);
  g_test_add_func ("/data/store/transactions/rollback-restores", test_rollback);
  g_test_add_func ("/data/store/chunks/corrupt-chunk-error", test_corrupt_chunk);
  g_test_add_func ("/data/store/cursor/streams-ticks-in-order", test_cursor);
  g_test_add_func ("/data/store/cursor/streams-bars", test_cursor_bars);
  status = g_test_run ();
  remove_tree (tmp_root);
  g_free (tmp_root);
  return status;
}
