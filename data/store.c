/* data/store.c — the SQLite workspace: schema and migrations, instruments,
 * watchlists, and chunked market data with range replacement. */
#define G_LOG_DOMAIN "ql-data-store"

#include "data/store.h"

#include "data/chunk.h"
#include "engine/timeframe.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

G_DEFINE_QUARK (ql-store-error-quark, ql_store_error)

/* Schema ------------------------------------------------------------------ */

/* Migration steps, applied in order: step i takes user_version i to i + 1.
 * Append, never edit a released step. */
static const char *const migrations[] = {
  /* 0 -> 1: instruments, watchlists, chunked market data. */
  "CREATE TABLE instruments (\n"
  "  id INTEGER PRIMARY KEY,\n"
  "  symbol TEXT NOT NULL,\n"
  "  exchange TEXT NOT NULL DEFAULT '',\n"
  "  currency TEXT NOT NULL DEFAULT '',\n"
  "  price_scale INTEGER NOT NULL CHECK (price_scale BETWEEN 0 AND 9),\n"
  "  qty_scale INTEGER NOT NULL CHECK (qty_scale BETWEEN 0 AND 9),\n"
  "  tick_size INTEGER NOT NULL CHECK (tick_size >= 1),\n"
  "  lot_size INTEGER NOT NULL CHECK (lot_size >= 1),\n"
  "  tz_name TEXT NOT NULL DEFAULT 'UTC',\n"
  "  session_start_min INTEGER NOT NULL DEFAULT 0 CHECK (session_start_min BETWEEN 0 AND 1439),\n"
  "  session_end_min INTEGER NOT NULL DEFAULT 0 CHECK (session_end_min BETWEEN 0 AND 1439),\n"
  "  UNIQUE (symbol, exchange)\n"
  ");\n"
  "CREATE TABLE watchlists (\n"
  "  id INTEGER PRIMARY KEY,\n"
  "  name TEXT NOT NULL UNIQUE\n"
  ");\n"
  "CREATE TABLE watchlist_items (\n"
  "  watchlist_id INTEGER NOT NULL REFERENCES watchlists (id) ON DELETE CASCADE,\n"
  "  instrument_id INTEGER NOT NULL REFERENCES instruments (id) ON DELETE CASCADE,\n"
  "  position INTEGER NOT NULL,\n"
  "  PRIMARY KEY (watchlist_id, instrument_id)\n"
  ");\n"
  "CREATE INDEX watchlist_items_by_position ON watchlist_items (watchlist_id, position);\n"
  "CREATE INDEX watchlist_items_by_instrument ON watchlist_items (instrument_id);\n"
  /* kind is 'ticks' or a canonical timeframe. [start_ns, end_ns] are the
   * first and last row times; chunks of one (instrument, kind) never
   * overlap, so ordering by end_ns is ordering by time. The blob column
   * is last, so that reading the others never loads its overflow pages. */
  "CREATE TABLE chunks (\n"
  "  instrument_id INTEGER NOT NULL REFERENCES instruments (id) ON DELETE CASCADE,\n"
  "  kind TEXT NOT NULL,\n"
  "  start_ns INTEGER NOT NULL,\n"
  "  end_ns INTEGER NOT NULL CHECK (end_ns >= start_ns),\n"
  "  n_rows INTEGER NOT NULL CHECK (n_rows > 0),\n"
  "  data BLOB NOT NULL,\n"
  "  PRIMARY KEY (instrument_id, kind, start_ns)\n"
  ");\n"
  "CREATE INDEX chunks_by_end ON chunks (instrument_id, kind, end_ns);\n",
};

G_STATIC_ASSERT (G_N_ELEMENTS (migrations) == QL_STORE_SCHEMA_VERSION);

/* Cached statements, prepared on first use. */
typedef enum
{
  STMT_INSTRUMENT_BY_ID,
  STMT_INSTRUMENT_FIND,
  STMT_INSTRUMENT_UPSERT,
  STMT_INSTRUMENT_SCALES,
  STMT_HAS_KIND,
  STMT_CHUNKS_OVERLAP,
  STMT_CHUNK_LEFT,
  STMT_CHUNK_RIGHT,
  STMT_CHUNK_DATA,
  STMT_CHUNK_DELETE,
  STMT_CHUNKS_DELETE_INSIDE,
  STMT_CHUNK_INSERT,
  STMT_CHUNKS_READ,
  STMT_WATCHLIST_ID,
  N_STMTS
} StmtId;

#define INSTRUMENT_COLUMNS \
  "id, symbol, exchange, currency, price_scale, qty_scale, tick_size, lot_size, " \
  "tz_name, session_start_min, session_end_min"

static const char *const stmt_sql[N_STMTS] = {
  [STMT_INSTRUMENT_BY_ID] = "SELECT " INSTRUMENT_COLUMNS " FROM instruments WHERE id = ?1",
  [STMT_INSTRUMENT_FIND] = "SELECT " INSTRUMENT_COLUMNS " FROM instruments"
                           " WHERE symbol = ?1 AND (?2 IS NULL OR exchange = ?2)"
                           " ORDER BY exchange LIMIT 2",
  [STMT_INSTRUMENT_UPSERT] =
    "INSERT INTO instruments (symbol, exchange, currency, price_scale, qty_scale, tick_size,"
    " lot_size, tz_name, session_start_min, session_end_min)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
    " ON CONFLICT (symbol, exchange) DO UPDATE SET currency = excluded.currency,"
    " price_scale = excluded.price_scale, qty_scale = excluded.qty_scale,"
    " tick_size = excluded.tick_size, lot_size = excluded.lot_size,"
    " tz_name = excluded.tz_name, session_start_min = excluded.session_start_min,"
    " session_end_min = excluded.session_end_min"
    " RETURNING id",
  [STMT_INSTRUMENT_SCALES] = "SELECT id, price_scale, qty_scale FROM instruments"
                             " WHERE symbol = ?1 AND exchange = ?2",
  [STMT_HAS_KIND] = "SELECT 1 FROM chunks WHERE instrument_id = ?1 AND kind = ?2 LIMIT 1",
  [STMT_CHUNKS_OVERLAP] = "SELECT rowid, start_ns, end_ns, n_rows FROM chunks"
                          " WHERE instrument_id = ?1 AND kind = ?2 AND end_ns >= ?3 AND start_ns <= ?4"
                          " ORDER BY end_ns",
  [STMT_CHUNK_LEFT] = "SELECT rowid, start_ns, end_ns, n_rows FROM chunks"
                      " WHERE instrument_id = ?1 AND kind = ?2 AND end_ns < ?3"
                      " ORDER BY end_ns DESC LIMIT 1",
  [STMT_CHUNK_RIGHT] = "SELECT rowid, start_ns, end_ns, n_rows FROM chunks"
                       " WHERE instrument_id = ?1 AND kind = ?2 AND start_ns > ?3"
                       " ORDER BY start_ns LIMIT 1",
  [STMT_CHUNK_DATA] = "SELECT data FROM chunks WHERE rowid = ?1",
  [STMT_CHUNK_DELETE] = "DELETE FROM chunks WHERE rowid = ?1",
  [STMT_CHUNKS_DELETE_INSIDE] = "DELETE FROM chunks WHERE instrument_id = ?1 AND kind = ?2"
                                " AND start_ns >= ?3 AND end_ns <= ?4",
  [STMT_CHUNK_INSERT] = "INSERT INTO chunks (instrument_id, kind, start_ns, end_ns, n_rows, data)"
                        " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
  [STMT_CHUNKS_READ] = "SELECT start_ns, end_ns, n_rows, data FROM chunks"
                       " WHERE instrument_id = ?1 AND kind = ?2 AND end_ns >= ?3 AND start_ns <= ?4"
                       " ORDER BY end_ns",
  [STMT_WATCHLIST_ID] = "SELECT id FROM watchlists WHERE name = ?1",
};

struct QlStore
{
  sqlite3 *db;
  char *path;                    /* as given, for messages */
  sqlite3_stmt *stmts[N_STMTS];  /* NULL until first used */
  GByteArray *blob;              /* encoding scratch */
  guint n_cursors;               /* open cursors, which must go first */
};

struct QlStoreCursor
{
  QlStore *store;                /* borrowed */
  sqlite3_stmt *stmt;            /* owned */
  char *label;                   /* "BINANCE:BTCUSDT", for messages */
  char *kind;
  QlTimeNs from, to;
  gboolean done;
};

/* A cached statement reset when it leaves scope, so none keeps a read
 * transaction open. */
typedef sqlite3_stmt *CachedStmt;

static void
cached_stmt_release (sqlite3_stmt *stmt)
{
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
}

G_DEFINE_AUTO_CLEANUP_FREE_FUNC (CachedStmt, cached_stmt_release, NULL)

/* Helpers ----------------------------------------------------------------- */

/* A file that is not a database only says so at its first statement. */
static int
sql_error_code (QlStore *self)
{
  switch (sqlite3_errcode (self->db))
    {
    case SQLITE_NOTADB:
    case SQLITE_CANTOPEN:
      return QL_STORE_ERROR_OPEN;
    case SQLITE_CORRUPT:
      return QL_STORE_ERROR_CORRUPT;
    default:
      return QL_STORE_ERROR_SQL;
    }
}

static void
set_sql_error (QlStore *self, GError **error, const char *what)
{
  g_set_error (error, QL_STORE_ERROR, sql_error_code (self), "%s: %s: %s",
               self->path, what, sqlite3_errmsg (self->db));
}

static sqlite3_stmt *
stmt_get (QlStore *self, StmtId id, GError **error)
{
  if (self->stmts[id] == NULL &&
      sqlite3_prepare_v3 (self->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
                          &self->stmts[id], NULL) != SQLITE_OK)
    {
      set_sql_error (self, error, "cannot prepare a statement");
      return NULL;
    }
  return self->stmts[id];
}

static gboolean
exec (QlStore *self, const char *sql, GError **error)
{
  char *msg = NULL;

  if (sqlite3_exec (self->db, sql, NULL, NULL, &msg) != SQLITE_OK)
    {
      g_set_error (error, QL_STORE_ERROR, sql_error_code (self), "%s: %s: %s",
                   self->path, sql, msg != NULL ? msg : sqlite3_errmsg (self->db));
      sqlite3_free (msg);
      return FALSE;
    }
  return TRUE;
}

static gint64
pragma_int (QlStore *self, const char *sql, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  gint64 v = -1;

  if (sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL) != SQLITE_OK ||
      sqlite3_step (stmt) != SQLITE_ROW)
    set_sql_error (self, error, "cannot read the schema version");
  else
    v = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return v;
}

/* "2024-03-01T12:00:00.25Z": ISO 8601 UTC, the fraction only as long as
 * it needs to be (in groups of 3 digits). */
static const char *
format_time (QlTimeNs t, char buf[48])
{
  gint64 days, y;
  gint64 ns_of_day;
  unsigned m, d;
  int frac, secs;

  if (t == G_MININT64)
    return "the beginning";
  if (t == G_MAXINT64)
    return "the end";
  days = t / QL_NS_PER_DAY;
  ns_of_day = t % QL_NS_PER_DAY;
  if (ns_of_day < 0)
    ns_of_day += QL_NS_PER_DAY, days--;
  ql_civil_from_days (days, &y, &m, &d);
  secs = (int) (ns_of_day / QL_NS_PER_SEC);
  frac = (int) (ns_of_day % QL_NS_PER_SEC);
  if (frac == 0)
    g_snprintf (buf, 48, "%04" G_GINT64_FORMAT "-%02u-%02uT%02d:%02d:%02dZ",
                y, m, d, secs / 3600, secs / 60 % 60, secs % 60);
  else if (frac % 1000000 == 0)
    g_snprintf (buf, 48, "%04" G_GINT64_FORMAT "-%02u-%02uT%02d:%02d:%02d.%03dZ",
                y, m, d, secs / 3600, secs / 60 % 60, secs % 60, frac / 1000000);
  else if (frac % 1000 == 0)
    g_snprintf (buf, 48, "%04" G_GINT64_FORMAT "-%02u-%02uT%02d:%02d:%02d.%06dZ",
                y, m, d, secs / 3600, secs / 60 % 60, secs % 60, frac / 1000);
  else
    g_snprintf (buf, 48, "%04" G_GINT64_FORMAT "-%02u-%02uT%02d:%02d:%02d.%09dZ",
                y, m, d, secs / 3600, secs / 60 % 60, secs % 60, frac);
  return buf;
}

/* Write scopes: a transaction of their own outside an explicit one (BEGIN
 * IMMEDIATE, so a read that turns into a write cannot hit a busy
 * snapshot), else a savepoint, so a failed call leaves the caller's
 * transaction as it was before the call. */
static gboolean
write_begin (QlStore *self, gboolean *own, GError **error)
{
  *own = sqlite3_get_autocommit (self->db) != 0;
  return exec (self, *own ? "BEGIN IMMEDIATE" : "SAVEPOINT ql_write", error);
}

static gboolean
write_end (QlStore *self, gboolean own, gboolean ok, GError **error)
{
  if (ok)
    return exec (self, own ? "COMMIT" : "RELEASE ql_write", error);
  /* Undo only; the error that got us here is the one to report. */
  if (own)
    exec (self, "ROLLBACK", NULL);
  else
    exec (self, "ROLLBACK TO ql_write; RELEASE ql_write", NULL);
  return FALSE;
}

/* The workspace ----------------------------------------------------------- */

char *
ql_store_default_path (void)
{
  return g_build_filename (g_get_user_data_dir (), "quantlab", "workspace.db", NULL);
}

static gboolean
migrate (QlStore *self, GError **error)
{
  gint64 app_id, version;

  if (!exec (self, "BEGIN IMMEDIATE", error))
    return FALSE;

  app_id = pragma_int (self, "PRAGMA application_id", error);
  version = app_id < 0 ? -1 : pragma_int (self, "PRAGMA user_version", error);
  if (version < 0)
    goto fail;
  if (app_id != 0 && app_id != QL_STORE_APPLICATION_ID)
    {
      g_set_error (error, QL_STORE_ERROR, QL_STORE_ERROR_OPEN,
                   "%s: not a QuantLab workspace (application_id 0x%08" G_GINT64_MODIFIER "x)",
                   self->path, app_id);
      goto fail;
    }
  if (version > QL_STORE_SCHEMA_VERSION)
    {
      g_set_error (error, QL_STORE_ERROR, QL_STORE_ERROR_VERSION,
                   "%s: written by a newer QuantLab (schema version %" G_GINT64_FORMAT
                   ", this one knows up to %d); open it with that version",
                   self->path, version, QL_STORE_SCHEMA_VERSION);
      goto fail;
    }
  for (gint64 v = version; v < QL_STORE_SCHEMA_VERSION; v++)
    {
      g_autofree char *set = NULL;

      if (!exec (self, migrations[v], error))
        {
          g_prefix_error (error, "migrating to schema version %" G_GINT64_FORMAT ": ", v + 1);
          goto fail;
        }
      set = g_strdup_printf ("PRAGMA user_version = %" G_GINT64_FORMAT, v + 1);
      if (!exec (self, set, error))
        goto fail;
    }
  if (app_id == 0)
    {
      g_autofree char *set = g_strdup_printf ("PRAGMA application_id = %d", QL_STORE_APPLICATION_ID);
      if (!exec (self, set, error))
        goto fail;
    }
  return exec (self, "COMMIT", error);

fail:
  exec (self, "ROLLBACK", NULL);
  return FALSE;
}

QlStore *
ql_store_open_existing (const char *path,
                        GError    **error)
{
  g_autofree char *where = path != NULL ? g_strdup (path) : ql_store_default_path ();

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  if (!g_file_test (where, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, QL_STORE_ERROR, QL_STORE_ERROR_OPEN,
                   "%s: no such workspace (quantlab-cli import creates one)", where);
      return NULL;
    }
  return ql_store_open (path, error);
}

QlStore *
ql_store_open (const char *path,
               GError    **error)
{
  g_autoptr (QlStore) self = g_new0 (QlStore, 1);
  int rc;

  if (path == NULL)
    {
      g_autofree char *dir = NULL;

      self->path = ql_store_default_path ();
      dir = g_path_get_dirname (self->path);
      if (g_mkdir_with_parents (dir, 0700) != 0)
        {
          int saved = errno;
          g_set_error (error, QL_STORE_ERROR, QL_STORE_ERROR_OPEN, "%s: cannot create the folder: %s",
                       dir, g_strerror (saved));
          return NULL;
        }
    }
  else
    self->path = g_strdup (path);
  self->blob = g_byte_array_new ();

  rc = sqlite3_open_v2 (self->path, &self->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK)
    {
      g_set_error (error, QL_STORE_ERROR, QL_STORE_ERROR_OPEN, "%s: cannot open: %s",
                   self->path, self->db != NULL ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc));
      return NULL;
    }
  sqlite3_extended_result_codes (self->db, 1);
  sqlite3_busy_timeout (self->db, 5000);

  /* WAL: readers never block the writer. NORMAL: a commit is durable once
   * the WAL is checkpointed, and a power cut can lose the last commits but
   * never corrupt the file. The page cache holds a few hundred chunks. */
  if (!exec (self, "PRAGMA foreign_keys = ON", error) ||
      !exec (self, "PRAGMA journal_mode = WAL", error) ||
      !exec (self, "PRAGMA synchronous = NORMAL", error) ||
      !exec (self, "PRAGMA cache_size = -32768", error) ||
      !migrate (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

void
ql_store_free (QlStore *self)
{
  if (self == NULL)
    return;
  g_return_if_fail (self->n_cursors == 0);
  for (guint i = 0; i < N_STMTS; i++)
    sqlite3_finalize (self->stmts[i]);
  if (self->db != NULL)
    sqlite3_close (self->db);
  if (self->blob != NULL)
    g_byte_array_unref (self->blob);
  g_free (self->path);
  g_free (self);
}

const char *
ql_store_get_path (QlStore *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->path;
}

gboolean
ql_store_in_transaction (QlStore *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return sqlite3_get_autocommit (self->db) == 0;
}

gboolean
ql_store_begin (QlStore *self,
                GError **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (ql_store_in_transaction (self))
    {
      g_set_error (error, QL_STORE_ERROR, QL_STORE_ERROR_INVALID,
                   "%s: a transaction is already open; transactions do not nest", self->path);
      return FALSE;
    }
  return exec (self, "BEGIN IMMEDIATE", error);
}

gboolean
ql_store_commit (QlStore *self,
                 GError **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (!ql_store_in_transaction (self))
    {
      g_set_error (error, QL_STORE_ERROR, QL_STORE_ERROR_INVALID,
                   "%s: commit without a transaction", self->path);
      return FALSE;
    }
  return exec (self, "COMMIT", error);
}

gboolean
ql_store_rollback (QlStore *self,
                   GError **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (!ql_store_in_transaction (self))
    {
      g_set_error (error, QL_STORE_ERROR, QL_STORE_ERROR_INVALID,
                   "%s: rollback without a transaction", self->path);
      return FALSE;
    }
  return exec (self, "ROLLBACK", error);
}

/* Instruments ------------------------------------------------------------- */

static const char *
text_column (sqlite3_stmt *stmt, int col)
{
  const char *s = (const char *) sqlite3_column_text (stmt, col);
  return s != NULL ? s : "";
}

/* Fills @out from a row of INSTRUMENT_COLUMNS. */
static gboolean
instrument_from_row (QlStore *self, sqlite3_stmt *stmt, QlInstrument *out, GError **error)
{
  QlInstrument inst;
  GError *local = NULL;
  const char *symbol = text_column (stmt, 1);

  if (!ql_instrument_init (&inst, symbol, &local) ||
      !ql_instrument_set_timezone (&inst, text_column (stmt, 8), &local))
    {
      g_set_error (error, QL_STORE_ERROR, QL_STORE_ERROR_CORRUPT,
                   "%s: instrument %s (id %" G_GINT64_FORMAT "): %s", self->path, symbol,
                   (gint64) sqlite3_column_int64 (stmt, 0), local->message);
      g_error_free (local);
      ql_instrument_clear (&inst);
      return FALSE;
    }
  g_strlcpy (inst.exchange, text_column (stmt, 2), sizeof inst.exchange);
  g_strlcpy (inst.currency, text_column (stmt, 3), sizeof inst.currency);
  inst.price_scale = sqlite3_column_int (stmt, 4);
  inst.qty_scale = sqlite3_column_int (stmt, 5);
  inst.tick_size = sqlite3_column_int64 (stmt, 6);
  inst.lot_size = sqlite3_column_int64 (stmt, 7);
  inst.session_start_min = sqlite3_column_int (stmt, 9);
  inst.session_end_min = sqlite3_column_int (stmt, 10);
  *out = inst;
  return TRUE;
}

/* "BINANCE:BTCUSDT", or "BTCUSDT" without an exchange; for messages. */
static char *
instrument_label (QlStore *self, gint64 id)
{
  g_auto (CachedStmt) stmt = stmt_get (self, STMT_INSTRUMENT_BY_ID, NULL);

  if (stmt == NULL)
    return g_strdup_printf ("instrument %" G_GINT64_FORMAT, id);
  sqlite3_bind_int64 (stmt, 1, id);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return g_strdup_printf ("instrument %" G_GINT64_FORMAT, id);
  if (text_column (stmt, 2)[0] != '\0')
    return g_strdup_printf ("%s:%s", text_column (stmt, 2), text_column (stmt, 1));
  return g_strdup (text_column (stmt, 1));
}

/* Normalises symbol and exchange of @inst into @symbol and @exchange. */
static gboolean
normalize_names (QlStore *self, const char *sym_text, const char *exch_text,
                 char symbol[QL_SYMBOL_MAX], char exchange[QL_EXCHANGE_MAX], GError **error)
{
  char exch_from_symbol[QL_EXCHANGE_MAX];
  GError *local = NULL;
  gsize i = 0;

  if (!ql_symbol_normalize (sym_text, symbol, exch_from_symbol, &local))
    {
      g_set_error (error, QL_STORE_ERROR, QL_STORE_ERROR_INVALID, "%s: %s", self->path, local->message);
      g_error_free (local);
      return FALSE;
    }
  if (exch_text == NULL)
    exch_text = "";
  for (; exch_text[i] != '\0'; i++)
    {
      if ((!g_ascii_isalnum (exch_text[i]) && exch_text[i] != '_') || i + 1 >= QL_EXCHANGE_MAX)
        {
          g_set_error (error, QL_STORE_ERROR, QL_STORE_ERROR_INVALID,
                       "%s: exchange \"%s\": use at most %d letters, digits or '_'",
                       self->path, exch_text, QL_EXCHANGE_MAX - 1);
          return FALSE;
        }
      exchange[i] = g_ascii_toupper (exch_text[i]);
    }
  exchange[i] = '\0';
  if (exch_from_symbol[0] != '\0')
    {
      if (exchange[0] != '\0' && strcmp (exchange, exch_from_symbol) != 0)
        {
          g_set_error (error, QL_STORE_ERROR, QL_STORE_ERROR_INVALID,
                       "%s: symbol \"%s\" names exchange %s, but exchange %s was given",
                       self->path, sym_text, exch_from_symbol, exchange);
          return FALSE;
        }
      strcpy (exchange, exch_from_symbol);
    }
  return TRUE;
}

gboolean
ql_store_put_instrument (QlStore            *self,
                         const QlInstrument *inst,
                         gint64             *id_out,
                         GError            **error)
{
  char symbol[QL_SYMBOL_MAX], exchange[QL_EXCHANGE_MAX];
  gboolean own, ok = FALSE;

  g_return_val_if_fail (self != NULL && inst != NULL, FALSE);

  if (!normalize_names (self, inst->symbol, inst->exchange, symbol, exchange, error))
    return FALSE;
  if (inst->price_scale < 0 || inst->price_scale > QL_SCALE_MAX ||
      inst->qty_scale < 0 || inst->qty_scale > QL_SCALE_MAX || inst->tick_size < 1 ||
      inst->lot_size < 1 || inst->session_start_min < 0 || inst->session_start_min > 1439 ||
      inst->session_end_min < 0 || inst->session_end_min > 1439)
    {
      g_set_error (error, QL_STORE_ERROR, QL_STORE_ERROR_INVALID,
                   "%s: instrument %s: scales must be 0..%d, tick and lot sizes >= 1, "
                   "session minutes 0..1439", self->path, symbol, QL_SCALE_MAX);
      return FALSE;
    }

  if (!write_begin (self, &own, error))
    return FALSE;

  /* Stored ticks are fixed point at the instrument's scales. */
  {
    g_auto (CachedStmt) stmt = stmt_get (self, STMT_INSTRUMENT_SCALES, error);
    int rc;

    if (stmt == NULL)
      goto out;
    sqlite3_bind_text (stmt, 1, symbol, -1, SQLITE_STATIC);
    sqlite3_bind_text (stmt, 2, exchange, -1, SQLITE_STATIC);
    rc = sqlite3_step (stmt);
    if (rc == SQLITE_ROW && (sqlite3_column_int (stmt, 1) != inst->price_scale ||
                             sqlite3_column_int (stmt, 2) != inst->qty_scale))
      {
        g_auto (CachedStmt) has = stmt_get (self, STMT_HAS_KIND, error);
        if (has == NULL)
          goto out;
        sqlite3_bind_int64 (has, 1, sqlite3_column_int64 (stmt, 0));
        sqlite3_bind_text (has, 2, QL_STORE_KIND_TICKS, -1, SQLITE_STATIC);
        rc = sqlite3_step (has);
        if (rc == SQLITE_ROW)
          {
            g_set_error (error, QL_STORE_ERROR, QL_STORE_ERROR_INVALID,
                         "%s: instrument %s%s%s has stored ticks at price/qty scale %d/%d; "
                         "changing them to %d/%d would misread those ticks",
                         self->path, exchange, exchange[0] ? ":" : "", symbol,
                         sqlite3_column_int (stmt, 1), sqlite3_column_int (stmt, 2),
                         inst->price_scale, inst->qty_scale);
            goto out;
          }
        if (rc != SQLITE_DONE)
          {
            set_sql_error (self, error, "cannot look for stored ticks");
            goto out;
          }
      }
    else if (rc != SQLITE_ROW && rc != SQLITE_DONE)
      {
        set_sql_error (self, error, "cannot look up the instrument");
        goto out;
      }
  }

  {
    g_auto (CachedStmt) stmt = stmt_get (self, STMT_INSTRUMENT_UPSERT, error);

    if (stmt == NULL)
      goto out;
    sqlite3_bind_text (stmt, 1, symbol, -1, SQLITE_STATIC);
    sqlite3_bind_text (stmt, 2, exchange, -1, SQLITE_STATIC);
    sqlite3_bind_text (stmt, 3, inst->currency, -1, SQLITE_STATIC);
    sqlite3_bind_int (stmt, 4, inst->price_scale);
    sqlite3_bind_int (stmt, 5, inst->qty_scale);
    sqlite3_bind_int64 (stmt, 6, inst->tick_size);
    sqlite3_bind_int64 (stmt, 7, inst->lot_size);
    sqlite3_bind_text (stmt, 8, inst->tz_name != NULL ? inst->tz_name : "UTC", -1, SQLITE_STATIC);
    sqlite3_bind_int (stmt, 9, inst->session_start_min);
    sqlite3_bind_int (stmt, 10, inst->session_end_min);
    if (sqlite3_step (stmt) != SQLITE_ROW)
      {
        set_sql_error (self, error, "cannot store the instrument");
        goto out;
      }
    if (id_out != NULL)
      *id_out = sqlite3_column_int64 (stmt, 0);
  }
  ok = TRUE;

out:
  return write_end (self, own, ok, error);
}

gboolean
ql_store_find_instrument (QlStore      *self,
                          const char   *symbol,
                          const char   *exchange,
                          QlInstrument *out,
                          gint64       *id_out,
                          GError      **error)
{
  char sym[QL_SYMBOL_MAX], exch[QL_EXCHANGE_MAX];
  g_auto (CachedStmt) stmt = NULL;
  QlInstrument first;
  gint64 id;
  int rc;

  g_return_val_if_fail (self != NULL && symbol != NULL && out != NULL, FALSE);

  if (!normalize_names (self, symbol, exchange, sym, exch, error))
    return FALSE;
  stmt = stmt_get (self, STMT_INSTRUMENT_FIND, error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, sym, -1, SQLITE_STATIC);
  if (exch[0] != '\0')
    sqlite3_bind_text (stmt, 2, exch, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    {
      g_set_error (error, QL_STORE_ERROR, QL_STORE_ERROR_NOT_FOUND,
                   "%s: no instrument %s%s%s", self->path, exch, exch[0] ? ":" : "", sym);
      return FALSE;
    }
  if (rc != SQLITE_ROW)
    {
      set_sql_error (self, error, "cannot look up an instrument");
      return FALSE;
    }
  id = sqlite3_column_int64 (stmt, 0);
  if (!instrument_from_row (self, stmt, &first, error))
    return FALSE;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      g_set_error (error, QL_STORE_ERROR, QL_STORE_ERROR_AMBIGUOUS,
                   "%s: symbol %s is on several exchanges (%s, %s...); write EXCHANGE:%s",
                   self->path, sym, first.exchange[0] ? first.exchange : "none",
                   text_column (stmt, 2), sym);
      ql_instrument_clear (&first);
      return FALSE;
    }
  if (rc != SQLITE_DONE)
    {
      set_sql_error (self, error, "cannot look up an instrument");
      ql_instrument_clear (&first);
      return FALSE;
    }
  *out = first;
  if (id_out != NULL)
    *id_out = id;
  return TRUE;
}

gboolean
ql_store_get_instrument (QlStore      *self,
                         gint64        instrument_id,
                         QlInstrument *out,
                         GError      **error)
{
  g_auto (CachedStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (self != NULL && out != NULL, FALSE);

  stmt = stmt_get (self, STMT_INSTRUMENT_BY_ID, error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, instrument_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    {
      g_set_error (error, QL_STORE_ERROR, QL_STORE_ERROR_NOT_FOUND,
                   "%s: no instrument with id %" G_GINT64_FORMAT, self->path, instrument_id);
      return FALSE;
    }
  if (rc != SQLITE_ROW)
    {
      set_sql_error (self, error, "cannot look up an instrument");
      return FALSE;
    }
  return instrument_from_row (self, stmt, out, error);
}

void
ql_store_instrument_free (QlStoreInstrument *self)
{
  if (self == NULL)
    return;
  ql_instrument_clear (&self->instrument);
  g_free (self);
}

/* Runs @stmt (bound) and collects a QlStoreInstrument per row. */
static GPtrArray *
collect_instruments (QlStore *self, sqlite3_stmt *stmt, GError **error)
{
  g_autoptr (GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) ql_store_instrument_free);
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      QlStoreInstrument *e = g_new0 (QlStoreInstrument, 1);
      e->id = sqlite3_column_int64 (stmt, 0);
      if (!instrument_from_row (self, stmt, &e->instrument, error))
        {
          g_free (e);
          return NULL;
        }
      g_ptr_array_add (list, e);
    }
  if (rc != SQLITE_DONE)
    {
      set_sql_error (self, error, "cannot list instruments");
      return NULL;
    }
  return g_steal_pointer (&list);
}

GPtrArray *
ql_store_list_instruments (QlStore *self,
                           GError **error)
{
  sqlite3_stmt *stmt = NULL;
  GPtrArray *list;

  g_return_val_if_fail (self != NULL, NULL);

  if (sqlite3_prepare_v2 (self->db, "SELECT " INSTRUMENT_COLUMNS " FROM instruments"
                                    " ORDER BY symbol, exchange", -1, &stmt, NULL) != SQLITE_OK)
    {
      set_sql_error (self, error, "cannot list instruments");
      return NULL;
    }
  list = collect_instruments (self, stmt, error);
  sqlite3_finalize (stmt);
  return list;
}

/* Watchlists -------------------------------------------------------------- */

/* The id of the list @name, or -1 with @error set. */
static gint64
watchlist_id (QlStore *self, const char *name, GError **error)
{
  g_auto (CachedStmt) stmt = stmt_get (self, STMT_WATCHLIST_ID, error);
  int rc;

  if (stmt == NULL)
    return -1;
  sqlite3_bind_text (stmt, 1, name, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return sqlite3_column_int64 (stmt, 0);
  if (rc == SQLITE_DONE)
    g_set_error (error, QL_STORE_ERROR, QL_STORE_ERROR_NOT_FOUND,
                 "%s: no watchlist \"%s\"", self->path, name);
  else
    set_sql_error (self, error, "cannot look up a watchlist");
  return -1;
}

/* Runs a one-off statement with integer or text parameters given as
 * "i" (gint64) and "s" (const char *) in @types. Returns the SQLite
 * result of the first step (SQLITE_ROW or SQLITE_DONE) and, for a row,
 * its first column in @first_col (nullable); -1 with @error set on error. */
static int
run (QlStore *self, GError **error, gint64 *first_col, const char *sql, const char *types, ...)
{
  sqlite3_stmt *stmt = NULL;
  va_list args;
  int rc;

  if (sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      set_sql_error (self, error, "cannot prepare a statement");
      return -1;
    }
  va_start (args, types);
  for (int i = 0; types[i] != '\0'; i++)
    {
      if (types[i] == 'i')
        sqlite3_bind_int64 (stmt, i + 1, va_arg (args, gint64));
      else
        sqlite3_bind_text (stmt, i + 1, va_arg (args, const char *), -1, SQLITE_TRANSIENT);
    }
  va_end (args);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW && first_col != NULL)
    *first_col = sqlite3_column_int64 (stmt, 0);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      set_sql_error (self, error, "cannot update watchlists");
      rc = -1;
    }
  sqlite3_finalize (stmt);
  return rc;
}

gboolean
ql_store_watchlist_create (QlStore    *self,
                           const char *name,
                           gint64     *id_out,
                           GError    **error)
{
  gint64 id = 0;
  GError *local = NULL;
  int rc;

  g_return_val_if_fail (self != NULL && name != NULL, FALSE);

  if (name[0] == '\0')
    {
      g_set_error (error, QL_STORE_ERROR, QL_STORE_ERROR_INVALID,
                   "%s: a watchlist needs a name", self->path);
      return FALSE;
    }
  rc = run (self, &local, &id, "INSERT INTO watchlists (name) VALUES (?1) RETURNING id", "s", name);
  if (rc < 0)
    {
      if (sqlite3_extended_errcode (self->db) == SQLITE_CONSTRAINT_UNIQUE)
        {
          g_set_error (error, QL_STORE_ERROR, QL_STORE_ERROR_EXISTS,
                       "%s: a watchlist \"%s\" already exists", self->path, name);
          g_error_free (local);
        }
      else
        g_propagate_error (error, local);
      return FALSE;
    }
  if (id_out != NULL)
    *id_out = id;
  return TRUE;
}

gboolean
ql_store_watchlist_delete (QlStore    *self,
                           const char *name,
                           GError    **error)
{
  g_return_val_if_fail (self != NULL && name != NULL, FALSE);

  if (run (self, error, NULL, "DELETE FROM watchlists WHERE name = ?1", "s", name) < 0)
    return FALSE;
  if (sqlite3_changes (self->db) == 0)
    {
      g_set_error (error, QL_STORE_ERROR, QL_STORE_ERROR_NOT_FOUND,
                   "%s: no watchlist \"%s\"", self->path, name);
      return FALSE;
    }
  return TRUE;
}

gboolean
ql_store_watchlist_add (QlStore    *self,
                        const char *name,
                        gint64      instrument_id,
                        int         position,
                        GError    **error)
{
  gboolean own, ok = FALSE;
  gint64 wl, count = 0, found = 0;
  int rc;

  g_return_val_if_fail (self != NULL && name != NULL, FALSE);

  if (!write_begin (self, &own, error))
    return FALSE;
  wl = watchlist_id (self, name, error);
  if (wl < 0)
    goto out;
  rc = run (self, error, &found, "SELECT count(*) FROM instruments WHERE id = ?1", "i", instrument_id);
  if (rc < 0)
    goto out;
  if (found == 0)
    {
      g_set_error (error, QL_STORE_ERROR, QL_STORE_ERROR_NOT_FOUND,
                   "%s: watchlist \"%s\": no instrument with id %" G_GINT64_FORMAT,
                   self->path, name, instrument_id);
      goto out;
    }
  rc = run (self, error, &found, "SELECT count(*) FROM watchlist_items"
            " WHERE watchlist_id = ?1 AND instrument_id = ?2", "ii", wl, instrument_id);
  if (rc < 0)
    goto out;
  if (found != 0)
    {
      g_autofree char *label = instrument_label (self, instrument_id);
      g_set_error (error, QL_STORE_ERROR, QL_STORE_ERROR_EXISTS,
                   "%s: watchlist \"%s\" already holds %s", self->path, name, label);
      goto out;
    }
  if (run (self, error, &count, "SELECT count(*) FROM watchlist_items WHERE watchlist_id = ?1",
           "i", wl) < 0)
    goto out;
  if (position < 0 || position > count)
    position = (int) count;
  if (run (self, error, NULL, "UPDATE watchlist_items SET position = position + 1"
           " WHERE watchlist_id = ?1 AND position >= ?2", "ii", wl, (gint64) position) < 0 ||
      run (self, error, NULL, "INSERT INTO watchlist_items (watchlist_id, instrument_id, position)"
           " VALUES (?1, ?2, ?3)", "iii", wl, instrument_id, (gint64) position) < 0)
    goto out;
  ok = TRUE;

out:
  return write_end (self, own, ok, error);
}

gboolean
ql_store_watchlist_remove (QlStore    *self,
                           const char *name,
                           gint64      instrument_id,
                           GError    **error)
{
  gboolean own, ok = FALSE;
  gint64 wl, position = 0;
  int rc;

  g_return_val_if_fail (self != NULL && name != NULL, FALSE);

  if (!write_begin (self, &own, error))
    return FALSE;
  wl = watchlist_id (self, name, error);
  if (wl < 0)
    goto out;
  rc = run (self, error, &position, "SELECT position FROM watchlist_items"
            " WHERE watchlist_id = ?1 AND instrument_id = ?2", "ii", wl, instrument_id);
  if (rc < 0)
    goto out;
  if (rc == SQLITE_DONE)
    {
      g_autofree char *label = instrument_label (self, instrument_id);
      g_set_error (error, QL_STORE_ERROR, QL_STORE_ERROR_NOT_FOUND,
                   "%s: watchlist \"%s\" does not hold %s", self->path, name, label);
      goto out;
    }
  if (run (self, error, NULL, "DELETE FROM watchlist_items WHERE watchlist_id = ?1 AND instrument_id = ?2",
           "ii", wl, instrument_id) < 0 ||
      run (self, error, NULL, "UPDATE watchlist_items SET position = position - 1"
           " WHERE watchlist_id = ?1 AND position > ?2", "ii", wl, position) < 0)
    goto out;
  ok = TRUE;

out:
  return write_end (self, own, ok, error);
}

GPtrArray *
ql_store_watchlist_names (QlStore *self,
                          GError **error)
{
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt = NULL;
  int rc;

  g_return_val_if_fail (self != NULL, NULL);

  if (sqlite3_prepare_v2 (self->db, "SELECT name FROM watchlists ORDER BY name", -1, &stmt, NULL) != SQLITE_OK)
    {
      set_sql_error (self, error, "cannot list watchlists");
      return NULL;
    }
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (names, g_strdup (text_column (stmt, 0)));
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      set_sql_error (self, error, "cannot list watchlists");
      return NULL;
    }
  return g_steal_pointer (&names);
}

GPtrArray *
ql_store_watchlist_items (QlStore    *self,
                          const char *name,
                          GError    **error)
{
  sqlite3_stmt *stmt = NULL;
  GPtrArray *list;
  gint64 wl;

  g_return_val_if_fail (self != NULL && name != NULL, NULL);

  wl = watchlist_id (self, name, error);
  if (wl < 0)
    return NULL;
  if (sqlite3_prepare_v2 (self->db,
                          "SELECT i.id, i.symbol, i.exchange, i.currency, i.price_scale, i.qty_scale,"
                          " i.tick_size, i.lot_size, i.tz_name, i.session_start_min, i.session_end_min"
                          " FROM watchlist_items w JOIN instruments i ON i.id = w.instrument_id"
                          " WHERE w.watchlist_id = ?1 ORDER BY w.position",
                          -1, &stmt, NULL) != SQLITE_OK)
    {
      set_sql_error (self, error, "cannot list a watchlist");
      return NULL;
    }
  sqlite3_bind_int64 (stmt, 1, wl);
  list = collect_instruments (self, stmt, error);
  sqlite3_finalize (stmt);
  return list;
}

/* Market data ------------------------------------------------------------- */

GArray *
ql_store_list_series (QlStore *self,
                      gint64   instrument_id,
                      GError **error)
{
  g_autoptr (GArray) list = g_array_new (FALSE, TRUE, sizeof (QlStoreSeriesInfo));
  sqlite3_stmt *stmt = NULL;
  int rc;

  g_return_val_if_fail (self != NULL, NULL);

  if (sqlite3_prepare_v2 (self->db,
                          "SELECT kind, sum(n_rows), min(start_ns), max(end_ns), count(*), sum(length(data))"
                          " FROM chunks WHERE instrument_id = ?1 GROUP BY kind ORDER BY kind",
                          -1, &stmt, NULL) != SQLITE_OK)
    {
      set_sql_error (self, error, "cannot list series");
      return NULL;
    }
  sqlite3_bind_int64 (stmt, 1, instrument_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      QlStoreSeriesInfo info = { 0 };
      g_strlcpy (info.kind, text_column (stmt, 0), sizeof info.kind);
      info.n_rows = sqlite3_column_int64 (stmt, 1);
      info.first_time = sqlite3_column_int64 (stmt, 2);
      info.last_time = sqlite3_column_int64 (stmt, 3);
      info.n_chunks = sqlite3_column_int64 (stmt, 4);
      info.n_bytes = sqlite3_column_int64 (stmt, 5);
      g_array_append_val (list, info);
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      set_sql_error (self, error, "cannot list series");
      return NULL;
    }
  return g_steal_pointer (&list);
}

/* TRUE for "ticks" (when @ticks_ok) or a canonical timeframe. */
static gboolean
check_kind (QlStore *self, const char *kind, gboolean ticks_ok, GError **error)
{
  QlTimeframe tf;
  char buf[16];

  if (strcmp (kind, QL_STORE_KIND_TICKS) == 0)
    {
      if (ticks_ok)
        return TRUE;
    }
  else if (ql_timeframe_parse (kind, &tf, NULL) &&
           strcmp (ql_timeframe_format (&tf, buf, sizeof buf), kind) == 0)
    return TRUE;
  g_set_error (error, QL_STORE_ERROR, QL_STORE_ERROR_INVALID,
               "%s: \"%s\" is not a series kind; use %s a canonical timeframe (%s)",
               self->path, kind, ticks_ok ? "\"ticks\" or" : "", QL_TIMEFRAME_FORMS);
  return FALSE;
}

/* @label may be NULL: it is then looked up, on this rare path only. */
static gboolean
chunk_corrupt (QlStore *self, GError **error, gint64 instrument_id, const char *label,
               const char *kind, QlTimeNs start, QlTimeNs end, const char *why)
{
  g_autofree char *own_label = NULL;
  char a[48], b[48];

  if (label == NULL)
    label = own_label = instrument_label (self, instrument_id);
  g_set_error (error, QL_STORE_ERROR, QL_STORE_ERROR_CORRUPT,
               "%s: chunk of %s %s from %s to %s is corrupt: %s",
               self->path, label, kind, format_time (start, a), format_time (end, b), why);
  return FALSE;
}

/* Decodes one stored chunk (a row's blob) into @out, keeping rows with
 * @from <= time < @to, and checks it against its row. @label is nullable. */
static gboolean
decode_stored (QlStore *self, gint64 instrument_id, const char *label, const char *kind,
               const void *data, int size, QlTimeNs start, QlTimeNs end, gint64 n_rows,
               QlTimeNs from, QlTimeNs to, QlSeries *out, GError **error)
{
  g_autoptr (GError) local = NULL;
  QlChunkInfo info;
  gsize before = out->len;

  if (data == NULL && size > 0)
    {
      set_sql_error (self, error, "cannot read a chunk");
      return FALSE;
    }
  if (!ql_chunk_decode (data, (gsize) size, from, to, out, &info, &local))
    return chunk_corrupt (self, error, instrument_id, label, kind, start, end, local->message);
  if (info.n_rows != n_rows || info.first_time != start || info.last_time != end ||
      (info.kind == QL_CHUNK_TICKS) != (strcmp (kind, QL_STORE_KIND_TICKS) == 0))
    {
      out->len = before;
      return chunk_corrupt (self, error, instrument_id, label, kind, start, end,
                            "its rows disagree with the chunk's index entry");
    }
  return TRUE;
}

typedef struct
{
  gint64 rowid;
  QlTimeNs start, end;
  gint64 n_rows;
} ChunkRow;

/* Decodes the chunk @row into @out, keeping rows in [from, to). */
static gboolean
load_chunk (QlStore *self, gint64 instrument_id, const char *label, const char *kind,
            const ChunkRow *row, QlTimeNs from, QlTimeNs to, QlSeries *out, GError **error)
{
  g_auto (CachedStmt) stmt = stmt_get (self, STMT_CHUNK_DATA, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, row->rowid);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      set_sql_error (self, error, "cannot read a chunk");
      return FALSE;
    }
  return decode_stored (self, instrument_id, label, kind, sqlite3_column_blob (stmt, 0),
                        sqlite3_column_bytes (stmt, 0), row->start, row->end, row->n_rows,
                        from, to, out, error);
}

static gboolean
delete_chunk (QlStore *self, gint64 rowid, GError **error)
{
  g_auto (CachedStmt) stmt = stmt_get (self, STMT_CHUNK_DELETE, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, rowid);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    {
      set_sql_error (self, error, "cannot delete a chunk");
      return FALSE;
    }
  return TRUE;
}

/* One row of the neighbour queries: FALSE with @error set on error, else
 * TRUE with row->rowid = 0 when there is none. */
static gboolean
neighbour (QlStore *self, StmtId id, gint64 instrument_id, const char *kind, QlTimeNs t,
           ChunkRow *row, GError **error)
{
  g_auto (CachedStmt) stmt = stmt_get (self, id, error);
  int rc;

  row->rowid = 0;
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, instrument_id);
  sqlite3_bind_text (stmt, 2, kind, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, t);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      row->rowid = sqlite3_column_int64 (stmt, 0);
      row->start = sqlite3_column_int64 (stmt, 1);
      row->end = sqlite3_column_int64 (stmt, 2);
      row->n_rows = sqlite3_column_int64 (stmt, 3);
      return TRUE;
    }
  if (rc == SQLITE_DONE)
    return TRUE;
  set_sql_error (self, error, "cannot find neighbouring chunks");
  return FALSE;
}

/* The rows to store, as up to three runs back to back in time order. */
typedef struct
{
  const QlSeries *series;
  gsize first;
  gsize n;
} Segment;

typedef struct
{
  Segment seg[3];
  guint n_seg;
  gsize total;
} Rows;

static inline QlTimeNs
rows_time (const Rows *rows, gsize k)
{
  for (guint s = 0; s < rows->n_seg; s++)
    {
      if (k < rows->seg[s].n)
        return ql_series_i64 (rows->seg[s].series, 0)[rows->seg[s].first + k];
      k -= rows->seg[s].n;
    }
  g_assert_not_reached ();
}

/* Copies global rows [k, k+m) into @dst (emptied first). */
static void
rows_copy (const Rows *rows, gsize k, gsize m, QlSeries *dst)
{
  ql_series_truncate (dst, 0);
  ql_series_reserve (dst, m);
  for (guint s = 0; s < rows->n_seg && m > 0; s++)
    {
      const Segment *g = &rows->seg[s];
      gsize take;

      if (k >= g->n)
        {
          k -= g->n;
          continue;
        }
      take = MIN (g->n - k, m);
      for (guint c = 0; c < dst->n_columns; c++)
        memcpy ((gint64 *) dst->columns[c] + dst->len,
                (const gint64 *) g->series->columns[c] + g->first + k, take * sizeof (gint64));
      dst->len += take;
      m -= take;
      k = 0;
    }
}

/* Splits @rows into chunks of QL_CHUNK_MAX_ROWS, never between two rows
 * of one timestamp, and inserts them. */
static gboolean
insert_rows (QlStore *self, gint64 instrument_id, const char *label, const char *kind,
             gboolean ticks, int price_scale, int qty_scale, const Rows *rows, GError **error)
{
  g_autoptr (QlSeries) scratch = NULL;
  gsize k = 0;

  while (k < rows->total)
    {
      gsize end = MIN (k + QL_CHUNK_MAX_ROWS, rows->total);
      const QlSeries *src = NULL;
      gsize src_first = 0;
      QlTimeNs t0, t1;

      /* Move the cut back to the start of a run of equal times, or past
       * its end when the run fills the whole chunk. */
      while (end < rows->total && end > k && rows_time (rows, end) == rows_time (rows, end - 1))
        end--;
      if (end == k)
        {
          end = MIN (k + QL_CHUNK_MAX_ROWS, rows->total);
          while (end < rows->total && rows_time (rows, end) == rows_time (rows, end - 1))
            end++;
          if (end - k > QL_CHUNK_LIMIT_ROWS)
            {
              char a[48];
              g_set_error (error, QL_STORE_ERROR, QL_STORE_ERROR_INVALID,
                           "%s: %s %s: more than %d rows at %s; at one timestamp at most that many are stored",
                           self->path, label, kind, QL_CHUNK_LIMIT_ROWS,
                           format_time (rows_time (rows, k), a));
              return FALSE;
            }
        }

      /* Encode in place when the chunk lies in one segment. */
      {
        gsize off = k;
        for (guint s = 0; s < rows->n_seg; s++)
          {
            if (off < rows->seg[s].n)
              {
                if (off + (end - k) <= rows->seg[s].n)
                  src = rows->seg[s].series, src_first = rows->seg[s].first + off;
                break;
              }
            off -= rows->seg[s].n;
          }
      }
      if (src == NULL)
        {
          if (scratch == NULL)
            scratch = ticks ? ql_series_new_ticks () : ql_series_new_bars ();
          rows_copy (rows, k, end - k, scratch);
          src = scratch, src_first = 0;
        }

      g_byte_array_set_size (self->blob, 0);
      if (ticks)
        ql_chunk_encode_ticks (self->blob, src, src_first, end - k, price_scale, qty_scale);
      else
        ql_chunk_encode_bars (self->blob, src, src_first, end - k, price_scale, qty_scale);
      t0 = ql_series_i64 (src, 0)[src_first];
      t1 = ql_series_i64 (src, 0)[src_first + (end - k) - 1];

      {
        g_auto (CachedStmt) stmt = stmt_get (self, STMT_CHUNK_INSERT, error);
        if (stmt == NULL)
          return FALSE;
        sqlite3_bind_int64 (stmt, 1, instrument_id);
        sqlite3_bind_text (stmt, 2, kind, -1, SQLITE_STATIC);
        sqlite3_bind_int64 (stmt, 3, t0);
        sqlite3_bind_int64 (stmt, 4, t1);
        sqlite3_bind_int64 (stmt, 5, (gint64) (end - k));
        sqlite3_bind_blob (stmt, 6, self->blob->data, (int) self->blob->len, SQLITE_STATIC);
        if (sqlite3_step (stmt) != SQLITE_DONE)
          {
            char a[48], b[48];
            g_set_error (error, QL_STORE_ERROR, QL_STORE_ERROR_SQL,
                         "%s: cannot store %s %s from %s to %s: %s", self->path, label, kind,
                         format_time (t0, a), format_time (t1, b), sqlite3_errmsg (self->db));
            return FALSE;
          }
      }
      k = end;
    }
  return TRUE;
}

/* The body of ql_store_write_ticks () and ql_store_write_bars (), inside
 * a write scope. */
static gboolean
write_rows (QlStore *self, gint64 instrument_id, const char *label, const char *kind,
            gboolean ticks, int price_scale, int qty_scale, const QlSeries *src, gsize first,
            gsize n, QlTimeNs from, QlTimeNs to, GError **error)
{
  g_autoptr (QlSeries) before = ticks ? ql_series_new_ticks () : ql_series_new_bars ();
  g_autoptr (QlSeries) after = ticks ? ql_series_new_ticks () : ql_series_new_bars ();
  g_autoptr (GArray) overlap = g_array_new (FALSE, FALSE, sizeof (ChunkRow));
  ChunkRow left, right;
  Rows rows = { 0 };

  /* Chunks meeting [from, to]: those inside go in one DELETE, the two
   * that may straddle an end keep their rows outside the range. */
  {
    g_auto (CachedStmt) stmt = stmt_get (self, STMT_CHUNKS_OVERLAP, error);
    int rc;

    if (stmt == NULL)
      return FALSE;
    sqlite3_bind_int64 (stmt, 1, instrument_id);
    sqlite3_bind_text (stmt, 2, kind, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 3, from);
    sqlite3_bind_int64 (stmt, 4, to);
    while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
      {
        ChunkRow row = { sqlite3_column_int64 (stmt, 0), sqlite3_column_int64 (stmt, 1),
                         sqlite3_column_int64 (stmt, 2), sqlite3_column_int64 (stmt, 3) };
        if (row.start < from || row.end > to)
          g_array_append_val (overlap, row);
      }
    if (rc != SQLITE_DONE)
      {
        set_sql_error (self, error, "cannot find chunks to replace");
        return FALSE;
      }
  }

  /* Small neighbours are merged, so that a file written in batches still
   * ends up in full chunks. */
  if (from == G_MININT64)
    left.rowid = 0;
  else if (!neighbour (self, STMT_CHUNK_LEFT, instrument_id, kind, from, &left, error))
    return FALSE;
  if (to == G_MAXINT64)
    right.rowid = 0;
  else if (!neighbour (self, STMT_CHUNK_RIGHT, instrument_id, kind, to, &right, error))
    return FALSE;

  if (left.rowid != 0 && left.n_rows < QL_CHUNK_MAX_ROWS)
    {
      if (!load_chunk (self, instrument_id, label, kind, &left, G_MININT64, G_MAXINT64, before, error) ||
          !delete_chunk (self, left.rowid, error))
        return FALSE;
    }
  for (guint i = 0; i < overlap->len; i++)
    {
      ChunkRow *row = &g_array_index (overlap, ChunkRow, i);
      if (row->start < from &&
          !load_chunk (self, instrument_id, label, kind, row, G_MININT64, from, before, error))
        return FALSE;
      if (row->end > to &&
          !load_chunk (self, instrument_id, label, kind, row, to + 1, G_MAXINT64, after, error))
        return FALSE;
      if (!delete_chunk (self, row->rowid, error))
        return FALSE;
    }
  if (right.rowid != 0 && right.n_rows < QL_CHUNK_MAX_ROWS)
    {
      if (!load_chunk (self, instrument_id, label, kind, &right, G_MININT64, G_MAXINT64, after, error) ||
          !delete_chunk (self, right.rowid, error))
        return FALSE;
    }

  {
    g_auto (CachedStmt) stmt = stmt_get (self, STMT_CHUNKS_DELETE_INSIDE, error);
    if (stmt == NULL)
      return FALSE;
    sqlite3_bind_int64 (stmt, 1, instrument_id);
    sqlite3_bind_text (stmt, 2, kind, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 3, from);
    sqlite3_bind_int64 (stmt, 4, to);
    if (sqlite3_step (stmt) != SQLITE_DONE)
      {
        set_sql_error (self, error, "cannot delete replaced chunks");
        return FALSE;
      }
  }

  rows.seg[rows.n_seg++] = (Segment) { before, 0, before->len };
  rows.seg[rows.n_seg++] = (Segment) { src, first, n };
  rows.seg[rows.n_seg++] = (Segment) { after, 0, after->len };
  rows.total = before->len + n + after->len;
  return insert_rows (self, instrument_id, label, kind, ticks, price_scale, qty_scale, &rows, error);
}

/* Checks the arguments common to both writes; fills @label. */
static gboolean
check_write (QlStore *self, gint64 instrument_id, const char *kind, const QlSeries *src,
             gsize first, gsize n, QlTimeNs from, QlTimeNs to, char **label, GError **error)
{
  const gint64 *t = ql_series_i64 (src, 0);
  char a[48], b[48], c[48];
  QlInstrument inst;

  if (first > src->len || n > src->len - first)
    {
      g_set_error (error, QL_STORE_ERROR, QL_STORE_ERROR_INVALID,
                   "%s: rows %" G_GSIZE_FORMAT "..+%" G_GSIZE_FORMAT " are past the series' %" G_GSIZE_FORMAT,
                   self->path, first, n, src->len);
      return FALSE;
    }
  if (!ql_store_get_instrument (self, instrument_id, &inst, error))
    return FALSE;
  ql_instrument_clear (&inst);
  *label = instrument_label (self, instrument_id);
  if (from > to)
    {
      g_set_error (error, QL_STORE_ERROR, QL_STORE_ERROR_INVALID,
                   "%s: %s %s: replace range from %s to %s is empty", self->path, *label, kind,
                   format_time (from, a), format_time (to, b));
      return FALSE;
    }
  for (gsize i = first; i < first + n; i++)
    {
      if (t[i] < from || t[i] > to)
        {
          g_set_error (error, QL_STORE_ERROR, QL_STORE_ERROR_INVALID,
                       "%s: %s %s: row %" G_GSIZE_FORMAT " at %s lies outside the replaced range %s to %s",
                       self->path, *label, kind, i, format_time (t[i], a), format_time (from, b),
                       format_time (to, c));
          return FALSE;
        }
      if (i > first && t[i] < t[i - 1])
        {
          g_set_error (error, QL_STORE_ERROR, QL_STORE_ERROR_INVALID,
                       "%s: %s %s: row %" G_GSIZE_FORMAT " at %s is earlier than the row before it (%s)",
                       self->path, *label, kind, i, format_time (t[i], a), format_time (t[i - 1], b));
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
write_any (QlStore *self, gint64 instrument_id, const char *kind, gboolean ticks,
           int price_scale, int qty_scale, const QlSeries *src, gsize first, gsize n,
           QlTimeNs from, QlTimeNs to, GError **error)
{
  g_autofree char *label = NULL;
  gboolean own, ok;

  if (!check_write (self, instrument_id, kind, src, first, n, from, to, &label, error))
    return FALSE;
  if (!write_begin (self, &own, error))
    return FALSE;
  ok = write_rows (self, instrument_id, label, kind, ticks, price_scale, qty_scale, src, first, n,
                   from, to, error);
  return write_end (self, own, ok, error);
}

static gboolean
is_tick_series (const QlSeries *s)
{
  return s->n_columns == QL_TICK_N_COLUMNS && s->types[QL_TICK_PRICE] == QL_COLUMN_I64;
}

static gboolean
is_bar_series (const QlSeries *s)
{
  return s->n_columns == QL_BAR_N_COLUMNS && s->types[QL_BAR_OPEN] == QL_COLUMN_F64;
}

gboolean
ql_store_write_ticks (QlStore        *self,
                      gint64          instrument_id,
                      const QlSeries *ticks,
                      gsize           first,
                      gsize           n,
                      QlTimeNs        replace_from,
                      QlTimeNs        replace_to,
                      GError        **error)
{
  QlInstrument inst;
  gboolean ok;

  g_return_val_if_fail (self != NULL && ticks != NULL, FALSE);
  g_return_val_if_fail (is_tick_series (ticks), FALSE);

  if (!ql_store_get_instrument (self, instrument_id, &inst, error))
    return FALSE;
  ok = write_any (self, instrument_id, QL_STORE_KIND_TICKS, TRUE, inst.price_scale, inst.qty_scale,
                  ticks, first, n, replace_from, replace_to, error);
  ql_instrument_clear (&inst);
  return ok;
}

gboolean
ql_store_write_bars (QlStore            *self,
                     gint64              instrument_id,
                     const QlInstrument *inst,
                     const char         *kind,
                     const QlSeries     *bars,
                     gsize               first,
                     gsize               n,
                     QlTimeNs            replace_from,
                     QlTimeNs            replace_to,
                     GError            **error)
{
  g_return_val_if_fail (self != NULL && inst != NULL && kind != NULL && bars != NULL, FALSE);
  g_return_val_if_fail (is_bar_series (bars), FALSE);
  g_return_val_if_fail (inst->price_scale >= 0 && inst->price_scale <= QL_SCALE_MAX, FALSE);
  g_return_val_if_fail (inst->qty_scale >= 0 && inst->qty_scale <= QL_SCALE_MAX, FALSE);

  if (!check_kind (self, kind, FALSE, error))
    return FALSE;
  return write_any (self, instrument_id, kind, FALSE, inst->price_scale, inst->qty_scale,
                    bars, first, n, replace_from, replace_to, error);
}

/* [from, to) as the inclusive bounds the chunk queries take; FALSE when
 * the range is empty. */
static gboolean
inclusive_range (QlTimeNs from, QlTimeNs to, QlTimeNs *hi)
{
  if (to == G_MAXINT64)
    {
      *hi = G_MAXINT64;
      return TRUE;
    }
  if (to <= from)
    return FALSE;
  *hi = to - 1;
  return TRUE;
}

static gboolean
read_any (QlStore *self, gint64 instrument_id, const char *kind, QlTimeNs from, QlTimeNs to,
          QlSeries *out, GError **error)
{
  g_auto (CachedStmt) stmt = NULL;
  gsize before = out->len;
  QlTimeNs hi;
  int rc;

  if (!inclusive_range (from, to, &hi))
    return TRUE;
  stmt = stmt_get (self, STMT_CHUNKS_READ, error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, instrument_id);
  sqlite3_bind_text (stmt, 2, kind, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, from);
  sqlite3_bind_int64 (stmt, 4, hi);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      if (!decode_stored (self, instrument_id, NULL, kind, sqlite3_column_blob (stmt, 3),
                          sqlite3_column_bytes (stmt, 3), sqlite3_column_int64 (stmt, 0),
                          sqlite3_column_int64 (stmt, 1), sqlite3_column_int64 (stmt, 2),
                          from, to, out, error))
        {
          out->len = before;
          return FALSE;
        }
    }
  if (rc != SQLITE_DONE)
    {
      out->len = before;
      set_sql_error (self, error, "cannot read chunks");
      return FALSE;
    }
  return TRUE;
}

gboolean
ql_store_read_ticks (QlStore  *self,
                     gint64    instrument_id,
                     QlTimeNs  from,
                     QlTimeNs  to,
                     QlSeries *out,
                     GError  **error)
{
  g_return_val_if_fail (self != NULL && out != NULL, FALSE);
  g_return_val_if_fail (is_tick_series (out), FALSE);

  return read_any (self, instrument_id, QL_STORE_KIND_TICKS, from, to, out, error);
}

gboolean
ql_store_read_bars (QlStore            *self,
                    gint64              instrument_id,
                    const QlInstrument *inst,
                    const char         *kind,
                    QlTimeNs            from,
                    QlTimeNs            to,
                    QlSeries           *out,
                    GError            **error)
{
  g_return_val_if_fail (self != NULL && kind != NULL && out != NULL, FALSE);
  g_return_val_if_fail (is_bar_series (out), FALSE);

  if (!check_kind (self, kind, FALSE, error))
    return FALSE;
  return read_any (self, instrument_id, kind, from, to, out, error);
}

/* Cursor ------------------------------------------------------------------ */

QlStoreCursor *
ql_store_cursor_new (QlStore    *store,
                     gint64      instrument_id,
                     const char *kind,
                     QlTimeNs    from,
                     QlTimeNs    to,
                     GError    **error)
{
  g_autoptr (QlStoreCursor) self = NULL;
  QlInstrument inst;
  QlTimeNs hi = 0;

  g_return_val_if_fail (store != NULL && kind != NULL, NULL);

  if (!check_kind (store, kind, TRUE, error) ||
      !ql_store_get_instrument (store, instrument_id, &inst, error))
    return NULL;
  ql_instrument_clear (&inst);

  self = g_new0 (QlStoreCursor, 1);
  self->store = store;
  store->n_cursors++;
  self->label = instrument_label (store, instrument_id);
  self->kind = g_strdup (kind);
  self->from = from;
  self->to = to;
  self->done = !inclusive_range (from, to, &hi);
  if (sqlite3_prepare_v2 (store->db, stmt_sql[STMT_CHUNKS_READ], -1, &self->stmt, NULL) != SQLITE_OK)
    {
      set_sql_error (store, error, "cannot open a cursor");
      return NULL;
    }
  sqlite3_bind_int64 (self->stmt, 1, instrument_id);
  sqlite3_bind_text (self->stmt, 2, self->kind, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (self->stmt, 3, from);
  sqlite3_bind_int64 (self->stmt, 4, hi);
  return g_steal_pointer (&self);
}

gboolean
ql_store_cursor_next (QlStoreCursor *self,
                      QlSeries      *out,
                      GError       **error)
{
  gboolean ticks;

  g_return_val_if_fail (self != NULL && out != NULL, FALSE);
  ticks = strcmp (self->kind, QL_STORE_KIND_TICKS) == 0;
  g_return_val_if_fail (ticks ? is_tick_series (out) : is_bar_series (out), FALSE);

  while (!self->done)
    {
      gsize before = out->len;
      int rc = sqlite3_step (self->stmt);

      if (rc == SQLITE_DONE)
        break;
      if (rc != SQLITE_ROW)
        {
          self->done = TRUE;
          set_sql_error (self->store, error, "cannot read chunks");
          return FALSE;
        }
      if (!decode_stored (self->store, 0, self->label, self->kind,
                          sqlite3_column_blob (self->stmt, 3), sqlite3_column_bytes (self->stmt, 3),
                          sqlite3_column_int64 (self->stmt, 0), sqlite3_column_int64 (self->stmt, 1),
                          sqlite3_column_int64 (self->stmt, 2), self->from, self->to, out, error))
        {
          self->done = TRUE;
          return FALSE;
        }
      if (out->len > before)
        return TRUE;
    }
  /* Done: end the statement's read transaction now, not at free. */
  self->done = TRUE;
  sqlite3_reset (self->stmt);
  return FALSE;
}

void
ql_store_cursor_free (QlStoreCursor *self)
{
  if (self == NULL)
    return;
  sqlite3_finalize (self->stmt);
  self->store->n_cursors--;
  g_free (self->label);
  g_free (self->kind);
  g_free (self);
}
