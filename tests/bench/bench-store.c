/* tests/bench/bench-store.c — writing and loading 1,000,000 ticks through
 * the workspace store.
 *
 * Load time is compared with a memcpy of as many bytes as the decoded
 * series holds (6 columns of 8 bytes a tick), measured in the same run:
 * no loader can beat producing its output at memory speed. Each figure is
 * the best of 5; the series is preallocated, so its growth is not timed.
 * Every tick read is checked against the tick written. */
#include "data/store.h"

#include "data/chunk.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_TICKS 1000000
#define RUNS 5

static double
now_ms (void)
{
  return (double) g_get_monotonic_time () / 1000.0;
}

/* Random walk at 1 ms steps from 2024-01-02T00:00:00Z, price at 2
 * decimals around 42000.00, a quote on every fourth tick, fixed seed. */
static QlSeries *
make_ticks (void)
{
  QlSeries *s = ql_series_new_ticks ();
  GRand *rand = g_rand_new_with_seed (20240102);
  QlTimeNs t = G_GINT64_CONSTANT (1704153600) * QL_NS_PER_SEC;
  QlPrice price = 4200000;

  ql_series_reserve (s, N_TICKS);
  for (int i = 0; i < N_TICKS; i++)
    {
      gboolean quote = g_rand_int_range (rand, 0, 4) == 0;
      QlTick tick = { 0 };

      price += g_rand_int_range (rand, -5, 6);
      tick.time = t + (gint64) i * QL_NS_PER_MS;
      tick.price = price;
      tick.size = g_rand_int_range (rand, 1, 2000);
      tick.bid = quote ? price - g_rand_int_range (rand, 1, 3) : 0;
      tick.ask = quote ? price + g_rand_int_range (rand, 1, 3) : 0;
      tick.flags = QL_TICK_FLAG_TRADE | (quote ? QL_TICK_FLAG_QUOTE : 0) |
                   (g_rand_boolean (rand) ? QL_TICK_FLAG_BUY : QL_TICK_FLAG_SELL);
      ql_series_append_tick (s, &tick);
    }
  g_rand_free (rand);
  return s;
}

static void
fail (const char *what, GError *error)
{
  fprintf (stderr, "bench-store: %s: %s\n", what, error != NULL ? error->message : "wrong answer");
  exit (1);
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

int
main (void)
{
  g_autoptr (QlSeries) ticks = make_ticks ();
  g_autoptr (QlSeries) loaded = ql_series_new_ticks ();
  g_autoptr (QlSeries) streamed = ql_series_new_ticks ();
  g_autoptr (QlStore) store = NULL;
  g_autoptr (GArray) series = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ql-bench-store-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "workspace.db", NULL);
  g_autofree guint8 *ref_src = NULL;
  g_autofree guint8 *ref_dst = NULL;
  GError *error = NULL;
  QlInstrument inst;
  gint64 id = 0;
  gsize decoded_bytes = (gsize) N_TICKS * QL_TICK_N_COLUMNS * sizeof (gint64);
  double best_write = G_MAXDOUBLE, best_load = G_MAXDOUBLE, best_copy = G_MAXDOUBLE,
         best_cursor = G_MAXDOUBLE, t0;
  GStatBuf st;
  gint64 file_bytes = 0;

  store = ql_store_open (path, &error);
  if (store == NULL)
    fail ("open", error);
  if (!ql_instrument_init (&inst, "BINANCE:BTCUSDT", &error))
    fail ("instrument", error);
  inst.price_scale = 2;
  inst.qty_scale = 0;
  if (!ql_store_put_instrument (store, &inst, &id, &error))
    fail ("put instrument", error);
  ql_instrument_clear (&inst);

  /* Write: each run replaces everything, in one committed transaction. */
  for (int run = 0; run < RUNS; run++)
    {
      t0 = now_ms ();
      if (!ql_store_begin (store, &error) ||
          !ql_store_write_ticks (store, id, ticks, 0, ticks->len, G_MININT64, G_MAXINT64, &error) ||
          !ql_store_commit (store, &error))
        fail ("write", error);
      best_write = MIN (best_write, now_ms () - t0);
    }

  /* Load into a preallocated series. */
  ql_series_reserve (loaded, N_TICKS);
  for (int run = 0; run < RUNS; run++)
    {
      ql_series_truncate (loaded, 0);
      t0 = now_ms ();
      if (!ql_store_read_ticks (store, id, G_MININT64, G_MAXINT64, loaded, &error))
        fail ("read", error);
      best_load = MIN (best_load, now_ms () - t0);
    }

  /* Stream chunk by chunk, as the backtester will. */
  ql_series_reserve (streamed, N_TICKS);
  for (int run = 0; run < RUNS; run++)
    {
      g_autoptr (QlStoreCursor) cursor = NULL;

      ql_series_truncate (streamed, 0);
      t0 = now_ms ();
      cursor = ql_store_cursor_new (store, id, "ticks", G_MININT64, G_MAXINT64, &error);
      if (cursor == NULL)
        fail ("cursor", error);
      while (ql_store_cursor_next (cursor, streamed, &error))
        ;
      if (error != NULL)
        fail ("cursor", error);
      best_cursor = MIN (best_cursor, now_ms () - t0);
    }

  /* The reference: copying as many bytes as the decoded series holds,
   * between buffers already faulted in. */
  ref_src = g_malloc (decoded_bytes);
  ref_dst = g_malloc (decoded_bytes);
  memset (ref_src, 0x5a, decoded_bytes);
  memset (ref_dst, 0, decoded_bytes);
  for (int run = 0; run < RUNS; run++)
    {
      t0 = now_ms ();
      memcpy (ref_dst, ref_src, decoded_bytes);
      best_copy = MIN (best_copy, now_ms () - t0);
      /* Keep the copy observable so it cannot be elided. */
      if (ref_dst[decoded_bytes / 2 + (gsize) run] != 0x5a)
        fail ("memcpy reference", NULL);
    }

  /* The answer: every tick read equals the tick written. */
  if (loaded->len != ticks->len || streamed->len != ticks->len)
    fail ("row count", NULL);
  for (guint c = 0; c < QL_TICK_N_COLUMNS; c++)
    if (memcmp (loaded->columns[c], ticks->columns[c], ticks->len * sizeof (gint64)) != 0 ||
        memcmp (streamed->columns[c], ticks->columns[c], ticks->len * sizeof (gint64)) != 0)
      fail ("tick values", NULL);

  series = ql_store_list_series (store, id, &error);
  if (series == NULL || series->len != 1)
    fail ("series listing", error);
  g_clear_pointer (&store, ql_store_free); /* checkpoints the WAL into the file */
  if (g_stat (path, &st) == 0)
    file_bytes = st.st_size;

  printf ("store_write_1m_ticks: %.1f ms\n", best_write);
  printf ("store_load_1m_ticks: %.1f ms\n", best_load);
  printf ("store_load_reference_memcpy: %.1f ms\n", best_copy);
  printf ("store_load_vs_memcpy: %.2f x\n", best_load / best_copy);
  printf ("store_cursor_1m_ticks: %.1f ms\n", best_cursor);
  printf ("store_chunks: %" G_GINT64_FORMAT " chunks\n", g_array_index (series, QlStoreSeriesInfo, 0).n_chunks);
  printf ("store_blob_bytes_per_tick: %.2f bytes\n",
          (double) g_array_index (series, QlStoreSeriesInfo, 0).n_bytes / N_TICKS);
  printf ("store_file_bytes_per_tick: %.2f bytes\n", (double) file_bytes / N_TICKS);

  remove_tree (dir);
  return 0;
}
