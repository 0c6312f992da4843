/* data/import.c — CSV/TSV into the workspace. See import.h for the policy. */
#define G_LOG_DOMAIN "ql-data-import"

#include "data/import.h"
#include "data/csv.h"
#include "engine/timeframe.h"

#include <stdlib.h>
#include <string.h>

G_DEFINE_QUARK (ql-import-error-quark, ql_import_error)

/* Rows read ahead to tell a bars file's timeframe. */
#define DETECT_ROWS 4096

void
ql_import_options_init (QlImportOptions *opts)
{
  memset (opts, 0, sizeof *opts);
  opts->price_scale = -1;
}

typedef struct
{
  QlStore *store;
  const char *path;
  const QlImportOptions *opts;
  QlImportReport *report;
  QlInstrument inst;
  gint64 inst_id;
  gboolean ticks;           /* storing ticks (else bars of tf_text) */
  gboolean bars_as_ticks;   /* the file has OHLC columns but holds one-trade bars */
  char tf_text[16];
  QlSeries *block;          /* ticks or bars being gathered */
  GArray *lines;            /* guint64 line of each block row */
  gboolean flushed_any;
  QlTimeNs last_flushed;    /* newest time stored so far by this import */
} Import;

static void
note_line (guint64 *lines, guint64 count_before, guint64 line)
{
  if (count_before < QL_IMPORT_MAX_BAD_LINES)
    lines[count_before] = line;
}

static gboolean
record_to_block (Import            *im,
                 const QlCsvRecord *rec,
                 GError           **error)
{
  if (im->ticks)
    {
      QlTick t = { .time = rec->time };
      if (im->bars_as_ticks)
        {
          if (rec->open != rec->close || rec->high != rec->close || rec->low != rec->close)
            {
              g_set_error (error, QL_IMPORT_ERROR, QL_IMPORT_ERROR_FAILED,
                           "%s:%" G_GUINT64_FORMAT ": open, high, low and close differ, so "
                           "this row is a bar, not a trade; import the file as bars "
                           "(with --timeframe) instead of ticks",
                           im->path, rec->line);
              return FALSE;
            }
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
      ql_series_append_tick (im->block, &t);
    }
  else
    {
      QlBar b = {
        .time = rec->time,
        .open = ql_price_to_double (&im->inst, rec->open),
        .high = ql_price_to_double (&im->inst, rec->high),
        .low = ql_price_to_double (&im->inst, rec->low),
        .close = ql_price_to_double (&im->inst, rec->close),
        .volume = ql_qty_to_double (&im->inst, rec->volume),
        .trades = 0,
      };
      ql_series_append_bar (im->block, &b);
    }
  g_array_append_val (im->lines, rec->line);
  return TRUE;
}

typedef struct
{
  QlTimeNs time;
  gsize index;
} SortKey;

static int
sort_key_cmp (const void *a, const void *b)
{
  const SortKey *x = a, *y = b;
  if (x->time != y->time)
    return x->time < y->time ? -1 : 1;
  return x->index < y->index ? -1 : (x->index > y->index);
}

/* Reorders every column of @s and @lines by @keys. */
static void
permute (QlSeries *s, GArray *lines, const SortKey *keys, gsize n)
{
  gint64 *tmp = g_new (gint64, n);
  guint64 *l = (guint64 *) lines->data;

  for (guint c = 0; c < s->n_columns; c++)
    {
      gint64 *col = ql_series_i64 (s, c); /* 8-byte cells, type does not matter */
      for (gsize i = 0; i < n; i++)
        tmp[i] = col[keys[i].index];
      memcpy (col, tmp, n * sizeof *tmp);
    }
  for (gsize i = 0; i < n; i++)
    tmp[i] = (gint64) l[keys[i].index];
  memcpy (l, tmp, n * sizeof *tmp);
  g_free (tmp);
}

/* Removes rows of @s for which keep[i] is FALSE, in place. */
static gsize
compact (QlSeries *s, GArray *lines, const gboolean *keep)
{
  gsize n = s->len, out = 0;
  guint64 *l = (guint64 *) lines->data;

  for (gsize i = 0; i < n; i++)
    {
      if (!keep[i])
        continue;
      if (out != i)
        {
          for (guint c = 0; c < s->n_columns; c++)
            ql_series_i64 (s, c)[out] = ql_series_i64 (s, c)[i];
          l[out] = l[i];
        }
      out++;
    }
  ql_series_truncate (s, out);
  g_array_set_size (lines, out);
  return out;
}

static gboolean
flush_block (Import *im, GError **error)
{
  QlSeries *s = im->block;
  QlImportReport *rep = im->report;
  const gint64 *time;
  gsize n = s->len;
  gboolean sorted = TRUE, any_drop = FALSE;
  g_autofree gboolean *keep = NULL;

  if (n == 0)
    return TRUE;

  /* Rows older than what an earlier block stored are dropped. Bars may not
   * repeat the newest stored time either: that bar is already final. */
  keep = g_new (gboolean, n);
  time = ql_series_i64 (s, 0);
  for (gsize i = 0; i < n; i++)
    {
      gboolean old = im->flushed_any &&
                     (im->ticks ? time[i] < im->last_flushed : time[i] <= im->last_flushed);
      keep[i] = !old;
      if (old)
        {
          note_line (rep->out_of_order_lines, rep->out_of_order,
                     g_array_index (im->lines, guint64, i));
          rep->out_of_order++;
          any_drop = TRUE;
        }
    }
  if (any_drop)
    n = compact (s, im->lines, keep);
  if (n == 0)
    return TRUE;

  time = ql_series_i64 (s, 0);
  for (gsize i = 1; i < n && sorted; i++)
    sorted = time[i] >= time[i - 1];
  if (!sorted)
    {
      g_autofree SortKey *keys = g_new (SortKey, n);
      for (gsize i = 0; i < n; i++)
        keys[i] = (SortKey){ time[i], i };
      qsort (keys, n, sizeof *keys, sort_key_cmp);
      permute (s, im->lines, keys, n);
      rep->sorted_blocks++;
      time = ql_series_i64 (s, 0);
    }

  if (!im->ticks)
    {
      /* Same time twice: the later row of the file wins (sorting was stable). */
      gboolean dup = FALSE;
      for (gsize i = 0; i < n; i++)
        {
          keep[i] = i + 1 == n || time[i + 1] != time[i];
          if (!keep[i])
            rep->duplicates++, dup = TRUE;
        }
      if (dup)
        n = compact (s, im->lines, keep);
      time = ql_series_i64 (s, 0);
    }

  QlTimeNs from = im->flushed_any ? im->last_flushed + 1 : time[0];
  QlTimeNs to = time[n - 1];
  gboolean ok;
  if (im->ticks)
    ok = ql_store_write_ticks (im->store, im->inst_id, s, 0, n, from, to, error);
  else
    ok = ql_store_write_bars (im->store, im->inst_id, &im->inst, im->tf_text, s, 0, n,
                              from, to, error);
  if (!ok)
    return FALSE;

  if (!im->flushed_any)
    rep->first = time[0];
  rep->last = time[n - 1];
  rep->rows_stored += n;
  im->flushed_any = TRUE;
  im->last_flushed = time[n - 1];
  ql_series_truncate (s, 0);
  g_array_set_size (im->lines, 0);
  return TRUE;
}

gboolean
ql_import_detect_timeframe (const char        *path,
                            const QlCsvRecord *recs,
                            gsize              n,
                            QlTimeframe       *tf,
                            gboolean          *one_trade_ticks,
                            GError           **error)
{
  gint64 min_step = 0;
  gboolean fits = TRUE, one_trade = TRUE;

  *one_trade_ticks = FALSE;
  for (gsize i = 0; i < n; i++)
    {
      if (recs[i].open != recs[i].close || recs[i].high != recs[i].close ||
          recs[i].low != recs[i].close)
        one_trade = FALSE;
      if (i > 0 && recs[i].time > recs[i - 1].time)
        {
          gint64 step = recs[i].time - recs[i - 1].time;
          if (min_step == 0 || step < min_step)
            min_step = step;
        }
    }
  if (min_step == 0)
    {
      g_set_error (error, QL_IMPORT_ERROR, QL_IMPORT_ERROR_TIMEFRAME,
                   "%s: too few rows to tell the bars' timeframe; pass --timeframe (%s)",
                   path, QL_TIMEFRAME_FORMS);
      return FALSE;
    }
  if (min_step >= 27 * QL_NS_PER_DAY)
    *tf = (QlTimeframe){ QL_TF_MONTHS, 1 };
  else if (min_step >= 6 * QL_NS_PER_DAY)
    *tf = (QlTimeframe){ QL_TF_WEEKS, 1 };
  else if (min_step >= 20 * QL_NS_PER_HOUR)
    *tf = (QlTimeframe){ QL_TF_DAYS, 1 };
  else
    {
      fits = min_step % QL_NS_PER_SEC == 0;
      for (gsize i = 1; i < n && fits; i++)
        if (recs[i].time > recs[i - 1].time)
          fits = (recs[i].time - recs[i - 1].time) % min_step == 0;
      if (!fits)
        {
          if (one_trade)
            {
              *one_trade_ticks = TRUE;
              return TRUE;
            }
          g_set_error (error, QL_IMPORT_ERROR, QL_IMPORT_ERROR_TIMEFRAME,
                       "%s: the time steps between rows do not fit one timeframe; "
                       "pass --timeframe (%s) or --ticks", path, QL_TIMEFRAME_FORMS);
          return FALSE;
        }
      *tf = (QlTimeframe){ QL_TF_SECONDS, min_step / QL_NS_PER_SEC };
    }
  return TRUE;
}

/* Sets im->tf_text from the first rows, or switches to ticks for one-trade bars. */
static gboolean
detect_timeframe (Import            *im,
                  const QlCsvRecord *recs,
                  gsize              n,
                  GError           **error)
{
  QlTimeframe tf;
  gboolean one_trade;

  if (!ql_import_detect_timeframe (im->path, recs, n, &tf, &one_trade, error))
    return FALSE;
  if (one_trade)
    {
      im->ticks = TRUE;
      im->bars_as_ticks = TRUE;
      g_strlcpy (im->tf_text, "ticks", sizeof im->tf_text);
      return TRUE;
    }
  ql_timeframe_format (&tf, im->tf_text, sizeof im->tf_text);
  return TRUE;
}

/* Reads the next good record; counts and skips bad rows with skip_bad.
 * FALSE with no error at the end of the file. */
static gboolean
next_record (Import      *im,
             QlCsvReader *reader,
             QlCsvRecord *rec,
             GError     **error)
{
  for (;;)
    {
      g_autoptr (GError) local = NULL;
      if (ql_csv_reader_next (reader, rec, &local))
        {
          im->report->rows_read++;
          return TRUE;
        }
      if (local == NULL)
        return FALSE;
      if (!im->opts->skip_bad || !g_error_matches (local, QL_CSV_ERROR, local->code) ||
          local->code == QL_CSV_ERROR_IO)
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      /* The message starts "FILE:LINE:"; the reader is past the bad row. */
      im->report->rows_read++;
      guint64 line = 0;
      const char *msg = local->message + strlen (im->path);
      if (msg[0] == ':')
        line = g_ascii_strtoull (msg + 1, NULL, 10);
      note_line (im->report->bad_lines, im->report->bad_rows, line);
      im->report->bad_rows++;
    }
}

static gboolean
import_rows (Import      *im,
             QlCsvReader *reader,
             GError     **error)
{
  const QlCsvLayout *layout = ql_csv_reader_get_layout (reader);
  g_autofree QlCsvRecord *ahead = NULL;
  gsize n_ahead = 0;
  QlCsvRecord rec;
  guint64 next_progress = 0;
  GError *local = NULL;

  im->ticks = im->opts->ticks || layout->kind == QL_CSV_TICKS;
  im->bars_as_ticks = im->ticks && layout->kind == QL_CSV_BARS;
  if (im->ticks)
    g_strlcpy (im->tf_text, "ticks", sizeof im->tf_text);
  else if (im->opts->timeframe != NULL)
    {
      QlTimeframe tf;
      if (!ql_timeframe_parse (im->opts->timeframe, &tf, error))
        return FALSE;
      if (tf.unit == QL_TF_TICKS || tf.unit == QL_TF_VOLUME)
        {
          g_set_error (error, QL_IMPORT_ERROR, QL_IMPORT_ERROR_TIMEFRAME,
                       "bars are stored by time; tick and volume bars (%s) are built "
                       "from stored ticks with `quantlab-cli bars`", im->opts->timeframe);
          return FALSE;
        }
      ql_timeframe_format (&tf, im->tf_text, sizeof im->tf_text);
    }
  else
    {
      ahead = g_new (QlCsvRecord, DETECT_ROWS);
      while (n_ahead < DETECT_ROWS && next_record (im, reader, &ahead[n_ahead], &local))
        n_ahead++;
      if (local != NULL)
        {
          g_propagate_error (error, local);
          return FALSE;
        }
      if (!detect_timeframe (im, ahead, n_ahead, error))
        return FALSE;
    }

  im->block = im->ticks ? ql_series_new_ticks () : ql_series_new_bars ();
  ql_series_reserve (im->block, QL_IMPORT_BLOCK_ROWS);
  im->lines = g_array_sized_new (FALSE, FALSE, sizeof (guint64), QL_IMPORT_BLOCK_ROWS);

  for (gsize i = 0; i < n_ahead; i++)
    if (!record_to_block (im, &ahead[i], error))
      return FALSE;

  for (;;)
    {
      if (im->block->len >= QL_IMPORT_BLOCK_ROWS && !flush_block (im, error))
        return FALSE;
      if (!next_record (im, reader, &rec, &local))
        break;
      if (!record_to_block (im, &rec, error))
        return FALSE;
      if (im->opts->progress != NULL && ql_csv_reader_get_offset (reader) >= next_progress)
        {
          im->opts->progress (ql_csv_reader_get_offset (reader), ql_csv_reader_get_size (reader),
                              im->opts->progress_data);
          next_progress = ql_csv_reader_get_offset (reader) + (1 << 20);
        }
    }
  if (local != NULL)
    {
      g_propagate_error (error, local);
      return FALSE;
    }
  if (!flush_block (im, error))
    return FALSE;
  if (im->opts->progress != NULL)
    im->opts->progress (ql_csv_reader_get_size (reader), ql_csv_reader_get_size (reader),
                        im->opts->progress_data);
  if (im->report->rows_stored == 0)
    {
      g_set_error (error, QL_IMPORT_ERROR, QL_IMPORT_ERROR_EMPTY,
                   "%s: no data rows to import%s", im->path,
                   im->report->bad_rows > 0 ? " (every row was bad)" : "");
      return FALSE;
    }
  return TRUE;
}

gboolean
ql_import_file (QlStore               *store,
                const char            *path,
                const QlImportOptions *opts,
                QlImportReport        *report,
                GError               **error)
{
  QlImportReport local_report;
  Import im = { .store = store, .path = path, .opts = opts };
  g_autoptr (GError) lookup_error = NULL;
  g_autoptr (QlCsvReader) reader = NULL;
  QlCsvOptions copts;
  gboolean exists, ok = FALSE;

  g_return_val_if_fail (store != NULL && path != NULL && opts != NULL, FALSE);
  g_return_val_if_fail (opts->symbol != NULL, FALSE);

  if (report == NULL)
    report = &local_report;
  memset (report, 0, sizeof *report);
  im.report = report;

  if (!ql_symbol_normalize (opts->symbol, report->symbol, report->exchange, error))
    return FALSE;
  exists = ql_store_find_instrument (store, report->symbol, report->exchange, &im.inst,
                                     &im.inst_id, &lookup_error);
  if (!exists)
    {
      if (!g_error_matches (lookup_error, QL_STORE_ERROR, QL_STORE_ERROR_NOT_FOUND))
        {
          g_propagate_error (error, g_steal_pointer (&lookup_error));
          return FALSE;
        }
      if (!ql_instrument_init (&im.inst, opts->symbol, error))
        return FALSE;
    }
  report->new_instrument = !exists;

  if (opts->tz != NULL && !ql_instrument_set_timezone (&im.inst, opts->tz, error))
    goto out;
  if (exists && opts->price_scale >= 0 && opts->price_scale != im.inst.price_scale)
    {
      g_set_error (error, QL_IMPORT_ERROR, QL_IMPORT_ERROR_FAILED,
                   "%s is stored with %d price decimals; it cannot be imported with %d",
                   report->symbol, im.inst.price_scale, opts->price_scale);
      goto out;
    }

  ql_csv_options_init (&copts);
  copts.format = opts->format;
  copts.tz = im.inst.tz;
  copts.price_scale = exists ? im.inst.price_scale : opts->price_scale;
  copts.qty_scale = exists ? im.inst.qty_scale : -1;
  reader = ql_csv_reader_new_for_path (path, &copts, error);
  if (reader == NULL)
    goto out;
  {
    const QlCsvLayout *layout = ql_csv_reader_get_layout (reader);
    g_strlcpy (report->layout, layout->description, sizeof report->layout);
    im.inst.price_scale = layout->price_scale;
    im.inst.qty_scale = layout->qty_scale;
    report->price_scale = layout->price_scale;
    report->qty_scale = layout->qty_scale;
  }

  if (!ql_store_begin (store, error))
    goto out;
  ok = ql_store_put_instrument (store, &im.inst, &im.inst_id, error) &&
       import_rows (&im, reader, error) &&
       ql_store_commit (store, error);
  if (!ok)
    ql_store_rollback (store, NULL);
  g_strlcpy (report->kind, im.tf_text, sizeof report->kind);

out:
  ql_series_free (im.block);
  if (im.lines != NULL)
    g_array_unref (im.lines);
  ql_instrument_clear (&im.inst);
  return ok;
}
