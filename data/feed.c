/* data/feed.c — backtest sources over the workspace and over CSV files. */
#define G_LOG_DOMAIN "ql-data-feed"

#include "data/feed.h"
#include "data/csv.h"
#include "data/import.h"

#include <math.h>
#include <string.h>

/* Rows read ahead from a file to tell its bars' timeframe. */
#define DETECT_ROWS 4096

struct QlFeed
{
  QlInstrument inst;
  QlSourceKind kind;
  QlTimeframe tf;
  QlTimeNs from, to;
  guint64 rows;
  GError *error;          /* what stopped the feed */

  /* store */
  QlStoreCursor *cursor;

  /* csv */
  char *path;
  QlCsvReader *reader;
  QlCsvRecord *ahead;     /* records read for detection, handed out first */
  gsize n_ahead, ahead_pos;
  gboolean bars_as_ticks;
  QlTimeNs last_time;

  /* memory */
  const QlSeries *bars;
  gboolean bars_done;

  QlSeries *chunk;        /* the rows of the last chunk handed out */
  gboolean done;
  double first_price;     /* NAN until a row is handed out */
  double last_price;
};

static QlFeed *
feed_new (void)
{
  QlFeed *self = g_new0 (QlFeed, 1);
  self->from = G_MININT64;
  self->to = G_MAXINT64;
  self->last_time = G_MININT64;
  self->first_price = NAN;
  self->last_price = NAN;
  return self;
}

/* A tick's price as a double: the trade, or the quotes' mid. */
static double
tick_price (const QlFeed *self, const QlSeries *s, gsize i)
{
  const QlInstrument *inst = &self->inst;
  if (ql_series_i64 (s, QL_TICK_FLAGS)[i] & QL_TICK_FLAG_TRADE)
    return ql_price_to_double (inst, ql_series_i64 (s, QL_TICK_PRICE)[i]);
  return (ql_price_to_double (inst, ql_series_i64 (s, QL_TICK_BID)[i]) +
          ql_price_to_double (inst, ql_series_i64 (s, QL_TICK_ASK)[i])) / 2;
}

/* Books a chunk about to be handed out: row count, first and last price. */
static void
note_chunk (QlFeed *self, const QlSeries *chunk)
{
  gsize last = chunk->len - 1;
  gboolean ticks = self->kind == QL_SOURCE_TICKS;

  if (self->rows == 0)
    self->first_price = ticks ? tick_price (self, chunk, 0) : ql_series_f64 (chunk, QL_BAR_OPEN)[0];
  self->last_price = ticks ? tick_price (self, chunk, last) : ql_series_f64 (chunk, QL_BAR_CLOSE)[last];
  self->rows += chunk->len;
}

double
ql_feed_get_first_price (QlFeed *self)
{
  return self->first_price;
}

double
ql_feed_get_last_price (QlFeed *self)
{
  return self->last_price;
}

void
ql_feed_free (QlFeed *self)
{
  if (self == NULL)
    return;
  ql_instrument_clear (&self->inst);
  g_clear_error (&self->error);
  ql_store_cursor_free (self->cursor);
  ql_csv_reader_free (self->reader);
  g_free (self->ahead);
  g_free (self->path);
  ql_series_free (self->chunk);
  g_free (self);
}

const QlInstrument *
ql_feed_get_instrument (QlFeed *self)
{
  return &self->inst;
}

QlSourceKind
ql_feed_get_kind (QlFeed *self)
{
  return self->kind;
}

const QlTimeframe *
ql_feed_get_timeframe (QlFeed *self)
{
  return &self->tf;
}

const GError *
ql_feed_get_error (QlFeed *self)
{
  return self->error;
}

guint64
ql_feed_get_rows (QlFeed *self)
{
  return self->rows;
}

/* ---- store ------------------------------------------------------------ */

static QlStatus
store_next (gpointer data, const QlSeries **chunk)
{
  QlFeed *self = data;
  GError *error = NULL;

  *chunk = NULL;
  if (self->done)
    return QL_STATUS_OK;
  ql_series_truncate (self->chunk, 0);
  if (!ql_store_cursor_next (self->cursor, self->chunk, &error))
    {
      self->done = TRUE;
      if (error != NULL)
        {
          self->error = error;
          return QL_STATUS_INVALID;
        }
      return QL_STATUS_OK;
    }
  note_chunk (self, self->chunk);
  *chunk = self->chunk;
  return QL_STATUS_OK;
}

QlFeed *
ql_feed_new_store (QlStore            *store,
                   gint64              instrument_id,
                   const QlInstrument *inst,
                   const char         *kind,
                   QlTimeNs            from,
                   QlTimeNs            to,
                   GError            **error)
{
  g_autoptr (QlFeed) self = feed_new ();

  g_return_val_if_fail (store != NULL && inst != NULL && kind != NULL, NULL);

  ql_instrument_copy (&self->inst, inst);
  self->from = from;
  self->to = to;
  if (strcmp (kind, QL_STORE_KIND_TICKS) == 0)
    self->kind = QL_SOURCE_TICKS;
  else
    {
      self->kind = QL_SOURCE_BARS;
      if (!ql_timeframe_parse (kind, &self->tf, error))
        return NULL;
    }
  self->cursor = ql_store_cursor_new (store, instrument_id, kind, from, to, error);
  if (self->cursor == NULL)
    return NULL;
  self->chunk = self->kind == QL_SOURCE_TICKS ? ql_series_new_ticks () : ql_series_new_bars ();
  return g_steal_pointer (&self);
}

/* ---- csv -------------------------------------------------------------- */

static void
append_record (QlFeed *self, const QlCsvRecord *rec)
{
  if (self->kind == QL_SOURCE_TICKS)
    {
      QlTick t = { .time = rec->time };
      if (self->bars_as_ticks)
        {
          t.price = rec->close;
          t.size = rec->volume;
          t.flags = QL_TICK_FLAG_TRADE;
        }
      else
        {
          t.price = rec->price;
          t.size = rec->size;
          t.bid = rec->bid;
          t.ask = rec->ask;
          t.flags = rec->flags;
        }
      ql_series_append_tick (self->chunk, &t);
    }
  else
    {
      QlBar b = {
        .time = rec->time,
        .open = ql_price_to_double (&self->inst, rec->open),
        .high = ql_price_to_double (&self->inst, rec->high),
        .low = ql_price_to_double (&self->inst, rec->low),
        .close = ql_price_to_double (&self->inst, rec->close),
        .volume = ql_qty_to_double (&self->inst, rec->volume),
      };
      ql_series_append_bar (self->chunk, &b);
    }
}

/* Takes one record into the chunk, or sets an error. FALSE stops. */
static gboolean
take_record (QlFeed *self, const QlCsvRecord *rec)
{
  if (rec->time < self->last_time)
    {
      g_set_error (&self->error, QL_CSV_ERROR, QL_CSV_ERROR_FAILED,
                   "%s:%" G_GUINT64_FORMAT ": time goes backwards; a backtest needs the rows "
                   "in time order (sort the file, or import it: the importer sorts)",
                   self->path, rec->line);
      return FALSE;
    }
  self->last_time = rec->time;
  if (rec->time < self->from || rec->time >= self->to)
    return TRUE;
  if (self->bars_as_ticks &&
      (rec->open != rec->close || rec->high != rec->close || rec->low != rec->close))
    {
      g_set_error (&self->error, QL_CSV_ERROR, QL_CSV_ERROR_FAILED,
                   "%s:%" G_GUINT64_FORMAT ": open, high, low and close differ, so this row is "
                   "a bar, not a trade", self->path, rec->line);
      return FALSE;
    }
  append_record (self, rec);
  return TRUE;
}

static QlStatus
csv_next (gpointer data, const QlSeries **chunk)
{
  QlFeed *self = data;
  QlCsvRecord rec;

  *chunk = NULL;
  if (self->done)
    return QL_STATUS_OK;
  ql_series_truncate (self->chunk, 0);
  while (self->chunk->len < QL_FEED_CHUNK_ROWS)
    {
      if (self->ahead_pos < self->n_ahead)
        {
          if (!take_record (self, &self->ahead[self->ahead_pos++]))
            goto fail;
          continue;
        }
      if (!ql_csv_reader_next (self->reader, &rec, &self->error))
        {
          if (self->error != NULL)
            goto fail;
          self->done = TRUE;
          break;
        }
      if (!take_record (self, &rec))
        goto fail;
    }
  if (self->chunk->len > 0)
    {
      note_chunk (self, self->chunk);
      *chunk = self->chunk;
    }
  return QL_STATUS_OK;

fail:
  self->done = TRUE;
  return QL_STATUS_INVALID;
}

QlFeed *
ql_feed_new_csv (const char *path,
                 const char *symbol,
                 const char *tz,
                 QlTimeNs    from,
                 QlTimeNs    to,
                 GError    **error)
{
  g_autoptr (QlFeed) self = feed_new ();
  const QlCsvLayout *layout;
  QlCsvOptions opts;

  g_return_val_if_fail (path != NULL && symbol != NULL, NULL);

  self->path = g_strdup (path);
  self->from = from;
  self->to = to;
  if (!ql_instrument_init (&self->inst, symbol, error))
    return NULL;
  if (tz != NULL && !ql_instrument_set_timezone (&self->inst, tz, error))
    return NULL;
  ql_csv_options_init (&opts);
  opts.tz = self->inst.tz;
  self->reader = ql_csv_reader_new_for_path (path, &opts, error);
  if (self->reader == NULL)
    return NULL;
  layout = ql_csv_reader_get_layout (self->reader);
  self->inst.price_scale = layout->price_scale;
  self->inst.qty_scale = layout->qty_scale;

  if (layout->kind == QL_CSV_TICKS)
    self->kind = QL_SOURCE_TICKS;
  else
    {
      gboolean one_trade = FALSE;
      GError *local = NULL;
      self->ahead = g_new (QlCsvRecord, DETECT_ROWS);
      while (self->n_ahead < DETECT_ROWS &&
             ql_csv_reader_next (self->reader, &self->ahead[self->n_ahead], &local))
        self->n_ahead++;
      if (local != NULL)
        {
          g_propagate_error (error, local);
          return NULL;
        }
      if (!ql_import_detect_timeframe (path, self->ahead, self->n_ahead, &self->tf, &one_trade,
                                       error))
        return NULL;
      self->kind = one_trade ? QL_SOURCE_TICKS : QL_SOURCE_BARS;
      self->bars_as_ticks = one_trade;
    }
  self->chunk = self->kind == QL_SOURCE_TICKS ? ql_series_new_ticks () : ql_series_new_bars ();
  ql_series_reserve (self->chunk, QL_FEED_CHUNK_ROWS);
  return g_steal_pointer (&self);
}

/* ---- memory ----------------------------------------------------------- */

static QlStatus
bars_next (gpointer data, const QlSeries **chunk)
{
  QlFeed *self = data;

  *chunk = NULL;
  if (self->bars_done || self->bars->len == 0)
    return QL_STATUS_OK;
  self->bars_done = TRUE;
  note_chunk (self, self->bars);
  *chunk = self->bars;
  return QL_STATUS_OK;
}

QlFeed *
ql_feed_new_bars (const QlInstrument *inst,
                  const QlTimeframe  *tf,
                  const QlSeries     *bars)
{
  QlFeed *self = feed_new ();

  ql_instrument_copy (&self->inst, inst);
  self->kind = QL_SOURCE_BARS;
  self->tf = *tf;
  self->bars = bars;
  return self;
}

QlSource
ql_feed_get_source (QlFeed *self)
{
  QlSource src = { 0 };

  src.data = self;
  if (self->cursor != NULL)
    src.next = store_next;
  else if (self->reader != NULL)
    src.next = csv_next;
  else
    src.next = bars_next;
  return src;
}
