/* app/cli/cmd-demo.c — `quantlab-cli demo`: the headless tour run by ./run.sh.
 * Imports the bundled sample data, then shows bars built from ticks and a few
 * indicators, through the same code paths as import, bars and indicators. */
#define G_LOG_DOMAIN "ql-app-cli"

#include "app/cli/cli.h"
#include "data/history.h"
#include "data/import.h"
#include "engine/indicator.h"

#include <math.h>

static gboolean
import_sample (QlStore    *store,
               const char *dir,
               const char *file,
               const char *symbol,
               GError    **error)
{
  g_autofree char *path = g_build_filename (dir, file, NULL);
  QlImportOptions opts;
  QlImportReport r;
  char first[40], last[40];

  ql_import_options_init (&opts);
  opts.symbol = symbol;
  if (!ql_import_file (store, path, &opts, &r, error))
    return FALSE;
  ql_cli_format_time (r.first, first);
  ql_cli_format_time (r.last, last);
  g_autofree char *name = r.exchange[0] != '\0' ? g_strdup_printf ("%s:%s", r.exchange, r.symbol)
                                                : g_strdup (r.symbol);
  printf ("  %-16s %8" G_GUINT64_FORMAT " %-5s %s .. %s  (%s)\n", name, r.rows_stored,
          g_str_equal (r.kind, "ticks") ? "ticks" : r.kind, first, last, file);
  return TRUE;
}

static void
print_value (double v, int width, int decimals)
{
  if (isnan (v))
    printf (" %*s", width, "NA");
  else
    printf (" %*.*f", width, decimals, v);
}

static gboolean
show_bars (QlStore *store, GError **error)
{
  g_autoptr (QlSeries) bars = ql_series_new_bars ();
  QlInstrument inst;
  char source[16];

  if (!ql_history_load_symbol_bars (store, "BINANCE:BTCUSDT", "4h", G_MININT64, G_MAXINT64, bars,
                                    &inst, source, error))
    return FALSE;
  printf ("\nBTCUSDT 4h bars, aggregated from the stored %s:\n", source);
  printf ("  %-20s %10s %10s %10s %10s %10s %7s\n", "time (UTC)", "open", "high", "low", "close",
          "volume", "trades");
  for (gsize i = bars->len > 6 ? bars->len - 6 : 0; i < bars->len; i++)
    {
      QlBar b;
      char t[40];
      ql_series_get_bar (bars, i, &b);
      ql_cli_format_time (b.time, t);
      printf ("  %-20s", t);
      print_value (b.open, 10, 1);
      print_value (b.high, 10, 1);
      print_value (b.low, 10, 1);
      print_value (b.close, 10, 1);
      print_value (b.volume, 10, 3);
      printf (" %7" G_GINT64_FORMAT "\n", b.trades);
    }
  ql_instrument_clear (&inst);
  return TRUE;
}

static gboolean
show_indicators (QlStore *store, GError **error)
{
  const char *specs[] = { "sma(20)", "rsi(14)", "macd(12,26,9)", "bbands(20,2)", "atr(14)" };
  g_autoptr (QlSeries) bars = ql_series_new_bars ();
  double *out[G_N_ELEMENTS (specs)][3] = { { NULL } };
  QlInstrument inst;

  if (!ql_history_load_symbol_bars (store, "ACME", "1d", G_MININT64, G_MAXINT64, bars, &inst,
                                    NULL, error))
    return FALSE;
  for (gsize s = 0; s < G_N_ELEMENTS (specs); s++)
    {
      g_autoptr (QlIndicator) ind = ql_indicator_new (specs[s], error);
      if (ind == NULL)
        return FALSE;
      for (guint k = 0; k < ql_indicator_get_n_outputs (ind) && k < 3; k++)
        out[s][k] = g_new (double, bars->len);
      ql_indicator_set_instrument (ind, &inst);
      ql_indicator_batch (ind, bars, out[s]);
    }
  printf ("\nACME daily bars with indicators (last 5 of %zu):\n", bars->len);
  printf ("  %-10s %8s %8s %8s %8s %8s %8s %8s %8s\n", "date", "close", "sma(20)", "rsi(14)",
          "macd", "signal", "bb.upper", "bb.lower", "atr(14)");
  for (gsize i = bars->len > 5 ? bars->len - 5 : 0; i < bars->len; i++)
    {
      char t[40];
      ql_cli_format_time (ql_series_i64 (bars, QL_BAR_TIME)[i], t);
      t[10] = '\0';
      printf ("  %-10s", t);
      print_value (ql_series_f64 (bars, QL_BAR_CLOSE)[i], 8, 2);
      print_value (out[0][0][i], 8, 2);
      print_value (out[1][0][i], 8, 2);
      print_value (out[2][0][i], 8, 3);
      print_value (out[2][1][i], 8, 3);
      print_value (out[3][0][i], 8, 2);
      print_value (out[3][2][i], 8, 2);
      print_value (out[4][0][i], 8, 3);
      printf ("\n");
    }
  for (gsize s = 0; s < G_N_ELEMENTS (specs); s++)
    for (int k = 0; k < 3; k++)
      g_free (out[s][k]);
  ql_instrument_clear (&inst);
  return TRUE;
}

int
ql_cli_demo (int argc, char **argv)
{
  g_autofree char *db = NULL, *samples = NULL;
  GOptionEntry entries[] = {
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &db, "Workspace file (default: the user data folder's quantlab/workspace.db)", "PATH" },
    { "samples", 0, 0, G_OPTION_ARG_FILENAME, &samples, "Folder of the sample data (default: the bundled one)", "DIR" },
    { NULL }
  };
  g_autoptr (QlStore) store = NULL;
  g_autoptr (GError) error = NULL;
  int rc;

  rc = ql_cli_parse ("demo", NULL,
                     "Import the bundled sample data (synthetic, seeded) into the workspace, then\n"
                     "print bars built from its ticks and a few indicators. Safe to run again:\n"
                     "re-importing replaces the same rows.",
                     entries, &argc, &argv);
  if (rc != QL_EXIT_OK)
    return rc;
  if (argc > 1)
    return ql_cli_usage ("demo", "unexpected argument \"%s\"", argv[1]);
  if (samples == NULL)
    samples = g_strdup (g_getenv ("QL_SAMPLES_DIR") != NULL ? g_getenv ("QL_SAMPLES_DIR")
                                                            : QL_SAMPLES_DIR);

  store = ql_store_open (db, &error);
  if (store == NULL)
    return ql_cli_fail ("demo", error);
  printf ("QuantLab demo: workspace %s\n\nImported sample data:\n", ql_store_get_path (store));
  if (!import_sample (store, samples, "demo-ticks.csv", "BINANCE:BTC-USDT", &error) ||
      !import_sample (store, samples, "demo-daily.csv", "ACME", &error) ||
      !show_bars (store, &error) || !show_indicators (store, &error))
    return ql_cli_fail ("demo", error);
  printf ("\nNext: %s bars --db %s --symbol BTCUSDT --timeframe 15m\n"
          "      %s indicators --db %s --symbol ACME --ind 'macd(12,26,9)'\n"
          "      %s --help\n",
          ql_cli_program, ql_store_get_path (store), ql_cli_program, ql_store_get_path (store),
          ql_cli_program);
  return QL_EXIT_OK;
}
