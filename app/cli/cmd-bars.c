/* app/cli/cmd-bars.c — `quantlab-cli bars`: stored data as bars of any timeframe. */
#define G_LOG_DOMAIN "ql-app-cli"

#include "app/cli/cli.h"
#include "data/history.h"

int
ql_cli_bars (int argc, char **argv)
{
  g_autofree char *symbol = NULL, *timeframe = NULL, *from_text = NULL, *to_text = NULL;
  g_autofree char *db = NULL;
  GOptionEntry entries[] = {
    { "symbol", 's', 0, G_OPTION_ARG_STRING, &symbol, "Instrument (required)", "SYM" },
    { "timeframe", 't', 0, G_OPTION_ARG_STRING, &timeframe, "15s, 1m, 5m, 1h, 4h, 1d, 1w, 1M, 100t, 1000v (required)", "TF" },
    { "from", 0, 0, G_OPTION_ARG_STRING, &from_text, "First time, ISO 8601 (UTC unless a zone is given)", "T" },
    { "to", 0, 0, G_OPTION_ARG_STRING, &to_text, "End time, exclusive", "T" },
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &db, "Workspace file (default: the user data folder's quantlab/workspace.db)", "PATH" },
    { NULL }
  };
  g_autoptr (QlStore) store = NULL;
  g_autoptr (QlSeries) bars = ql_series_new_bars ();
  g_autoptr (GError) error = NULL;
  QlTimeNs from = G_MININT64, to = G_MAXINT64;
  QlInstrument inst;
  QlTimeframe tf;
  char source[16];
  int rc;

  rc = ql_cli_parse ("bars", NULL,
                     "Print the instrument's bars of a timeframe as CSV on stdout, aggregated\n"
                     "from the stored bars or ticks that can make them.",
                     entries, &argc, &argv);
  if (rc != QL_EXIT_OK)
    return rc;
  if (argc > 1)
    return ql_cli_usage ("bars", "unexpected argument \"%s\"", argv[1]);
  if (symbol == NULL || timeframe == NULL)
    return ql_cli_usage ("bars", "--symbol and --timeframe are required");
  if (!ql_timeframe_parse (timeframe, &tf, &error))
    return ql_cli_usage ("bars", "%s", error->message);
  if ((from_text != NULL && !ql_cli_parse_time (from_text, &from, &error)) ||
      (to_text != NULL && !ql_cli_parse_time (to_text, &to, &error)))
    return ql_cli_usage ("bars", "%s", error->message);

  store = ql_store_open_existing (db, &error);
  if (store == NULL)
    return ql_cli_fail ("bars", error);
  if (!ql_history_load_symbol_bars (store, symbol, timeframe, from, to, bars, &inst, source,
                                    &error))
    return ql_cli_fail ("bars", error);

  const double *cols[] = {
    ql_series_f64 (bars, QL_BAR_OPEN), ql_series_f64 (bars, QL_BAR_HIGH),
    ql_series_f64 (bars, QL_BAR_LOW), ql_series_f64 (bars, QL_BAR_CLOSE),
    ql_series_f64 (bars, QL_BAR_VOLUME),
  };
  const char *names[] = { "open", "high", "low", "close", "volume" };
  g_autofree double *trades = g_new (double, MAX (bars->len, 1));
  for (gsize i = 0; i < bars->len; i++)
    trades[i] = (double) ql_series_i64 (bars, QL_BAR_TRADES)[i];
  const double *all[] = { cols[0], cols[1], cols[2], cols[3], cols[4], trades };
  const char *all_names[] = { names[0], names[1], names[2], names[3], names[4], "trades" };

  rc = ql_cli_write_table (stdout, ql_series_i64 (bars, QL_BAR_TIME), bars->len, 6, all,
                           all_names, &error)
         ? QL_EXIT_OK
         : ql_cli_fail ("bars", error);
  fprintf (stderr, "%s: %zu %s bars from stored %s\n", inst.symbol, bars->len, timeframe, source);
  ql_instrument_clear (&inst);
  return rc;
}
