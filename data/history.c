/* data/history.c — choosing a stored source and aggregating it. */
#define G_LOG_DOMAIN "ql-data-history"

#include "data/history.h"
#include "engine/aggregate.h"

#include <string.h>

G_DEFINE_QUARK (ql-history-error-quark, ql_history_error)

static gboolean
pick_source (GArray            *series,
             const QlTimeframe *tf,
             char               kind[16],
             gboolean          *is_ticks)
{
  char want[16];
  gint64 best_rows = G_MAXINT64;
  gboolean have_ticks = FALSE;

  ql_timeframe_format (tf, want, sizeof want);
  kind[0] = '\0';
  for (guint i = 0; i < series->len; i++)
    {
      const QlStoreSeriesInfo *s = &g_array_index (series, QlStoreSeriesInfo, i);
      QlTimeframe stored;

      if (strcmp (s->kind, QL_STORE_KIND_TICKS) == 0)
        {
          have_ticks = TRUE;
          continue;
        }
      if (strcmp (s->kind, want) == 0)
        {
          g_strlcpy (kind, s->kind, 16);
          *is_ticks = FALSE;
          return TRUE;
        }
      if (ql_timeframe_parse (s->kind, &stored, NULL) && ql_timeframe_divides (&stored, tf) &&
          s->n_rows < best_rows)
        {
          best_rows = s->n_rows;
          g_strlcpy (kind, s->kind, 16);
        }
    }
  if (kind[0] != '\0')
    {
      *is_ticks = FALSE;
      return TRUE;
    }
  if (have_ticks)
    {
      g_strlcpy (kind, QL_STORE_KIND_TICKS, 16);
      *is_ticks = TRUE;
      return TRUE;
    }
  return FALSE;
}

static char *
describe_stored (GArray *series)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < series->len; i++)
    g_string_append_printf (s, "%s%s", i > 0 ? ", " : "",
                            g_array_index (series, QlStoreSeriesInfo, i).kind);
  if (series->len == 0)
    g_string_append (s, "nothing");
  return g_string_free (s, FALSE);
}

gboolean
ql_history_pick_source (QlStore            *store,
                        gint64              instrument_id,
                        const QlInstrument *inst,
                        const QlTimeframe  *tf,
                        char               *kind,
                        GError            **error)
{
  g_autoptr (GArray) series = NULL;
  gboolean is_ticks;
  char want[16];

  series = ql_store_list_series (store, instrument_id, error);
  if (series == NULL)
    return FALSE;
  if (!pick_source (series, tf, kind, &is_ticks))
    {
      g_autofree char *stored = describe_stored (series);
      ql_timeframe_format (tf, want, sizeof want);
      g_set_error (error, QL_HISTORY_ERROR, QL_HISTORY_ERROR_NO_SOURCE,
                   "%s: nothing stored can make %s bars (stored: %s); import ticks or "
                   "bars of a timeframe that divides %s",
                   inst->symbol, want, stored, want);
      return FALSE;
    }
  return TRUE;
}

gboolean
ql_history_load_bars (QlStore            *store,
                      gint64              instrument_id,
                      const QlInstrument *inst,
                      const QlTimeframe  *tf,
                      QlTimeNs            from,
                      QlTimeNs            to,
                      QlSeries           *out,
                      char               *source_kind,
                      GError            **error)
{
  g_autoptr (QlAggregator) agg = NULL;
  g_autoptr (QlStoreCursor) cursor = NULL;
  g_autoptr (QlSeries) chunk = NULL;
  char kind[16], want[16];
  gboolean is_ticks;
  GError *local = NULL;

  if (!ql_history_pick_source (store, instrument_id, inst, tf, kind, error))
    return FALSE;
  is_ticks = strcmp (kind, QL_STORE_KIND_TICKS) == 0;
  ql_timeframe_format (tf, want, sizeof want);
  if (source_kind != NULL)
    g_strlcpy (source_kind, kind, 16);

  if (strcmp (kind, want) == 0)
    return ql_store_read_bars (store, instrument_id, inst, kind, from, to, out, error);

  agg = ql_aggregator_new (inst, tf);
  if (!is_ticks)
    {
      QlTimeframe source;
      if (!ql_timeframe_parse (kind, &source, error) ||
          !ql_aggregator_set_source_timeframe (agg, &source, error))
        return FALSE;
    }
  cursor = ql_store_cursor_new (store, instrument_id, kind, from, to, error);
  if (cursor == NULL)
    return FALSE;
  chunk = is_ticks ? ql_series_new_ticks () : ql_series_new_bars ();
  while (ql_store_cursor_next (cursor, chunk, &local))
    {
      QlStatus st = is_ticks ? ql_aggregator_run_ticks (agg, chunk, out)
                             : ql_aggregator_run_bars (agg, chunk, out);
      if (st != QL_STATUS_OK)
        {
          g_set_error (error, QL_HISTORY_ERROR, QL_HISTORY_ERROR_FAILED,
                       "%s: cannot aggregate stored %s to %s: %s", inst->symbol, kind, want,
                       ql_status_to_string (st));
          return FALSE;
        }
      ql_series_truncate (chunk, 0);
    }
  if (local != NULL)
    {
      g_propagate_error (error, local);
      return FALSE;
    }
  return TRUE;
}

gboolean
ql_history_load_symbol_bars (QlStore      *store,
                             const char   *symbol,
                             const char   *timeframe,
                             QlTimeNs      from,
                             QlTimeNs      to,
                             QlSeries     *out,
                             QlInstrument *inst_out,
                             char         *source_kind,
                             GError      **error)
{
  QlInstrument inst;
  gint64 id;
  QlTimeframe tf;
  gboolean ok = FALSE;

  if (!ql_store_find_instrument (store, symbol, NULL, &inst, &id, error))
    return FALSE;
  if (timeframe != NULL)
    {
      if (!ql_timeframe_parse (timeframe, &tf, error))
        goto out;
    }
  else
    {
      g_autoptr (GArray) series = ql_store_list_series (store, id, error);
      const char *only = NULL;
      guint n_bars = 0;
      if (series == NULL)
        goto out;
      for (guint i = 0; i < series->len; i++)
        {
          const QlStoreSeriesInfo *s = &g_array_index (series, QlStoreSeriesInfo, i);
          if (strcmp (s->kind, QL_STORE_KIND_TICKS) != 0)
            only = s->kind, n_bars++;
        }
      if (n_bars != 1)
        {
          g_autofree char *stored = describe_stored (series);
          g_set_error (error, QL_HISTORY_ERROR, QL_HISTORY_ERROR_NO_SOURCE,
                       "%s: say which timeframe with --timeframe (stored: %s)", inst.symbol,
                       stored);
          goto out;
        }
      if (!ql_timeframe_parse (only, &tf, error))
        goto out;
    }
  ok = ql_history_load_bars (store, id, &inst, &tf, from, to, out, source_kind, error);

out:
  if (ok && inst_out != NULL)
    *inst_out = inst;
  else
    ql_instrument_clear (&inst);
  return ok;
}
