/* app/cli/cmd-import.c — `quantlab-cli import`: CSV/TSV files into the workspace. */
#define G_LOG_DOMAIN "ql-app-cli"

#include "app/cli/cli.h"
#include "data/import.h"
#include "data/store.h"

#include <unistd.h>

static void
progress_cb (guint64 done, guint64 total, gpointer user_data)
{
  const char *path = user_data;
  if (total == 0)
    return;
  fprintf (stderr, "\r%s: %3d%%", path, (int) (done * 100 / total));
  if (done >= total)
    fputc ('\n', stderr);
  fflush (stderr);
}

static void
print_lines (const char *what, guint64 count, const guint64 *lines)
{
  fprintf (stderr, "  %" G_GUINT64_FORMAT " %s (line", count, what);
  for (guint64 i = 0; i < count && i < QL_IMPORT_MAX_BAD_LINES; i++)
    fprintf (stderr, "%s %" G_GUINT64_FORMAT, i == 0 ? "" : ",", lines[i]);
  fprintf (stderr, "%s)\n", count > QL_IMPORT_MAX_BAD_LINES ? ", ..." : "");
}

static void
print_report (const char *path, const QlImportReport *r)
{
  char first[40], last[40];

  ql_cli_format_time (r->first, first);
  ql_cli_format_time (r->last, last);
  fprintf (stderr, "%s: %" G_GUINT64_FORMAT " %s of %s%s%s stored, %s to %s\n", path,
           r->rows_stored, g_str_equal (r->kind, "ticks") ? "ticks" : "bars",
           r->exchange[0] != '\0' ? r->exchange : "", r->exchange[0] != '\0' ? ":" : "",
           r->symbol, first, last);
  fprintf (stderr, "  read as %s; stored as the %s series%s\n", r->layout, r->kind,
           r->new_instrument ? " of a new instrument" : "");
  if (r->bad_rows > 0)
    print_lines ("bad rows skipped", r->bad_rows, r->bad_lines);
  if (r->out_of_order > 0)
    print_lines ("rows older than earlier rows dropped; sort the file to keep them",
                 r->out_of_order, r->out_of_order_lines);
  if (r->duplicates > 0)
    fprintf (stderr, "  %" G_GUINT64_FORMAT " bars with a repeated time: the later row kept\n",
             r->duplicates);
  if (r->sorted_blocks > 0)
    fprintf (stderr, "  rows out of time order were sorted\n");
}

int
ql_cli_import (int argc, char **argv)
{
  g_autofree char *symbol = NULL, *timeframe = NULL, *format = NULL, *tz = NULL, *db = NULL;
  gboolean ticks = FALSE, skip_bad = FALSE, quiet = FALSE;
  int price_scale = -1;
  GOptionEntry entries[] = {
    { "symbol", 's', 0, G_OPTION_ARG_STRING, &symbol, "Instrument, e.g. BTC-USDT or BINANCE:BTCUSDT (required)", "SYM" },
    { "timeframe", 't', 0, G_OPTION_ARG_STRING, &timeframe, "Timeframe of the bars in the file (default: detected)", "TF" },
    { "ticks", 0, 0, G_OPTION_ARG_NONE, &ticks, "Store the rows as ticks", NULL },
    { "format", 'f', 0, G_OPTION_ARG_STRING, &format, "ohlcv, ticks, quotes, binance-klines or binance-trades (default: detected)", "FMT" },
    { "tz", 0, 0, G_OPTION_ARG_STRING, &tz, "IANA zone of times written without one (default: the instrument's, else UTC)", "ZONE" },
    { "price-scale", 0, 0, G_OPTION_ARG_INT, &price_scale, "Decimals kept for prices of a new instrument (default: detected)", "N" },
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &db, "Workspace file (default: the user data folder's quantlab/workspace.db)", "PATH" },
    { "skip-bad", 0, 0, G_OPTION_ARG_NONE, &skip_bad, "Skip malformed rows and report them instead of stopping", NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "Print no progress", NULL },
    { NULL }
  };
  g_autoptr (QlStore) store = NULL;
  g_autoptr (GError) error = NULL;
  int rc;

  rc = ql_cli_parse ("import", "FILE...",
                     "Import CSV or TSV files of bars or ticks into the workspace. Each file is\n"
                     "one transaction: a malformed row stops it with FILE:LINE:COLUMN and leaves\n"
                     "the workspace as it was (or use --skip-bad). Data overlapping what is\n"
                     "stored replaces it.",
                     entries, &argc, &argv);
  if (rc != QL_EXIT_OK)
    return rc;
  if (argc < 2)
    return ql_cli_usage ("import", "no FILE given");
  if (symbol == NULL)
    return ql_cli_usage ("import", "--symbol is required");
  if (ticks && timeframe != NULL)
    return ql_cli_usage ("import", "--ticks and --timeframe exclude each other");
  if (price_scale < -1 || price_scale > 9)
    return ql_cli_usage ("import", "--price-scale must be between 0 and 9");

  store = ql_store_open (db, &error);
  if (store == NULL)
    return ql_cli_fail ("import", error);

  for (int i = 1; i < argc; i++)
    {
      QlImportOptions opts;
      QlImportReport report;

      ql_import_options_init (&opts);
      opts.symbol = symbol;
      opts.timeframe = timeframe;
      opts.ticks = ticks;
      opts.format = format;
      opts.tz = tz;
      opts.price_scale = price_scale;
      opts.skip_bad = skip_bad;
      if (!quiet && isatty (STDERR_FILENO))
        {
          opts.progress = progress_cb;
          opts.progress_data = argv[i];
        }
      if (!ql_import_file (store, argv[i], &opts, &report, &error))
        {
          if (i > 1)
            fprintf (stderr, "quantlab-cli import: the files before %s were imported\n", argv[i]);
          return ql_cli_fail ("import", error);
        }
      print_report (argv[i], &report);
    }
  return QL_EXIT_OK;
}
