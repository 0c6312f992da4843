/* app/cli/cmd-instruments.c — `quantlab-cli instruments`: what the workspace holds. */
#define G_LOG_DOMAIN "ql-app-cli"

#include "app/cli/cli.h"
#include "data/store.h"

int
ql_cli_instruments (int argc, char **argv)
{
  g_autofree char *db = NULL;
  GOptionEntry entries[] = {
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &db, "Workspace file (default: the user data folder's quantlab/workspace.db)", "PATH" },
    { NULL }
  };
  g_autoptr (QlStore) store = NULL;
  g_autoptr (GPtrArray) list = NULL;
  g_autoptr (GError) error = NULL;
  int rc;

  rc = ql_cli_parse ("instruments", NULL,
                     "List the workspace's instruments and their stored series as CSV on stdout:\n"
                     "symbol, exchange, zone, price decimals, series kind, rows, first and last time.",
                     entries, &argc, &argv);
  if (rc != QL_EXIT_OK)
    return rc;
  if (argc > 1)
    return ql_cli_usage ("instruments", "unexpected argument \"%s\"", argv[1]);

  store = ql_store_open_existing (db, &error);
  if (store == NULL)
    return ql_cli_fail ("instruments", error);
  list = ql_store_list_instruments (store, &error);
  if (list == NULL)
    return ql_cli_fail ("instruments", error);

  printf ("symbol,exchange,timezone,price_decimals,series,rows,first,last,bytes\n");
  for (guint i = 0; i < list->len; i++)
    {
      const QlStoreInstrument *si = g_ptr_array_index (list, i);
      g_autoptr (GArray) series = ql_store_list_series (store, si->id, &error);
      if (series == NULL)
        return ql_cli_fail ("instruments", error);
      for (guint k = 0; k < series->len; k++)
        {
          const QlStoreSeriesInfo *s = &g_array_index (series, QlStoreSeriesInfo, k);
          char first[40], last[40];
          ql_cli_format_time (s->first_time, first);
          ql_cli_format_time (s->last_time, last);
          printf ("%s,%s,%s,%d,%s,%" G_GINT64_FORMAT ",%s,%s,%" G_GINT64_FORMAT "\n",
                  si->instrument.symbol, si->instrument.exchange, si->instrument.tz_name,
                  si->instrument.price_scale, s->kind, s->n_rows, first, last, s->n_bytes);
        }
      if (series->len == 0)
        printf ("%s,%s,%s,%d,,0,,,0\n", si->instrument.symbol, si->instrument.exchange,
                si->instrument.tz_name, si->instrument.price_scale);
    }
  return QL_EXIT_OK;
}
