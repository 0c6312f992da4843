/* app/cli/cmd-indicators.c — `quantlab-cli indicators`: indicator columns as CSV. */
#define G_LOG_DOMAIN "ql-app-cli"

#include "app/cli/cli.h"
#include "data/csv.h"
#include "data/history.h"
#include "engine/indicator.h"

/* Runs the batch form of every other indicator, starting at @parity. */
typedef struct
{
  GPtrArray *inds;
  const QlSeries *bars;
  double ***outs;
  guint parity;
} BatchJob;

static gpointer
batch_job_run (gpointer data)
{
  BatchJob *job = data;
  for (guint i = job->parity; i < job->inds->len; i += 2)
    ql_indicator_batch (g_ptr_array_index (job->inds, i), job->bars, job->outs[i]);
  return NULL;
}

static void
print_catalog (void)
{
  printf ("name,parameters,outputs,summary\n");
  for (guint i = 0; i < ql_indicator_catalog_size (); i++)
    {
      const QlIndicatorInfo *info = ql_indicator_catalog_get (i);
      printf ("%s,\"%s\",\"%s\",\"%s\"\n", info->name, info->params, info->outputs,
              info->summary);
    }
}

int
ql_cli_indicators (int argc, char **argv)
{
  g_autofree char *data = NULL, *symbol = NULL, *timeframe = NULL, *db = NULL, *tz = NULL;
  g_autofree char *from_text = NULL, *to_text = NULL;
  g_auto (GStrv) specs = NULL;
  gboolean list = FALSE;
  GOptionEntry entries[] = {
    { "data", 'd', 0, G_OPTION_ARG_FILENAME, &data, "CSV/TSV file of bars, read directly (no workspace)", "FILE" },
    { "symbol", 's', 0, G_OPTION_ARG_STRING, &symbol, "Stored instrument", "SYM" },
    { "timeframe", 't', 0, G_OPTION_ARG_STRING, &timeframe, "Bars to compute on (default: the one stored bar series)", "TF" },
    { "ind", 'i', 0, G_OPTION_ARG_STRING_ARRAY, &specs, "Indicator spec such as rsi(14) or macd(12,26,9); repeat for more", "SPEC" },
    { "from", 0, 0, G_OPTION_ARG_STRING, &from_text, "First row printed, ISO 8601 (earlier bars still warm the indicators up)", "T" },
    { "to", 0, 0, G_OPTION_ARG_STRING, &to_text, "End of the rows printed, exclusive", "T" },
    { "tz", 0, 0, G_OPTION_ARG_STRING, &tz, "With --data: IANA zone of the file's times and trading days (default UTC)", "ZONE" },
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &db, "Workspace file (default: the user data folder's quantlab/workspace.db)", "PATH" },
    { "list", 'l', 0, G_OPTION_ARG_NONE, &list, "List every indicator with its parameters and outputs", NULL },
    { NULL }
  };
  g_autoptr (QlSeries) bars = NULL;
  g_autoptr (GPtrArray) inds = g_ptr_array_new_with_free_func ((GDestroyNotify) ql_indicator_free);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) columns = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) error = NULL;
  QlInstrument inst;
  QlTimeNs from = G_MININT64, to = G_MAXINT64;
  int rc;

  rc = ql_cli_parse ("indicators", NULL,
                     "Compute indicators and print them as CSV on stdout: a time column (ISO 8601\n"
                     "UTC), then one column per output, named by its spec (rsi(14)) or spec.output\n"
                     "(macd(12,26,9).signal); an empty field where the value is NA. Numbers read\n"
                     "back to the same double. `--list` shows every indicator.",
                     entries, &argc, &argv);
  if (rc != QL_EXIT_OK)
    return rc;
  if (list)
    {
      print_catalog ();
      return QL_EXIT_OK;
    }
  if (argc > 1)
    return ql_cli_usage ("indicators", "unexpected argument \"%s\"", argv[1]);
  if ((data == NULL) == (symbol == NULL))
    return ql_cli_usage ("indicators", "give exactly one of --data FILE and --symbol SYM");
  if (specs == NULL || specs[0] == NULL)
    return ql_cli_usage ("indicators", "no --ind SPEC given (see --list)");
  if ((from_text != NULL && !ql_cli_parse_time (from_text, &from, &error)) ||
      (to_text != NULL && !ql_cli_parse_time (to_text, &to, &error)))
    return ql_cli_usage ("indicators", "%s", error->message);

  for (int i = 0; specs[i] != NULL; i++)
    {
      QlIndicator *ind = ql_indicator_new (specs[i], &error);
      if (ind == NULL)
        return ql_cli_usage ("indicators", "%s", error->message);
      g_ptr_array_add (inds, ind);
    }

  if (data != NULL)
    {
      QlCsvOptions opts;
      if (!ql_instrument_init (&inst, "FILE", &error))
        return ql_cli_fail ("indicators", error);
      if (tz != NULL && !ql_instrument_set_timezone (&inst, tz, &error))
        {
          ql_instrument_clear (&inst);
          return ql_cli_usage ("indicators", "%s", error->message);
        }
      ql_csv_options_init (&opts);
      opts.tz = inst.tz;
      if (!ql_csv_read_bars (data, &opts, &bars, NULL, &error))
        {
          ql_instrument_clear (&inst);
          return ql_cli_fail ("indicators", error);
        }
    }
  else
    {
      g_autoptr (QlStore) store = ql_store_open_existing (db, &error);
      if (store == NULL)
        return ql_cli_fail ("indicators", error);
      bars = ql_series_new_bars ();
      if (!ql_history_load_symbol_bars (store, symbol, timeframe, G_MININT64, to, bars, &inst,
                                        NULL, &error))
        return ql_cli_fail ("indicators", error);
    }

  g_autofree double ***outs = g_new0 (double **, inds->len);
  for (guint i = 0; i < inds->len; i++)
    {
      QlIndicator *ind = g_ptr_array_index (inds, i);
      guint n_out = ql_indicator_get_n_outputs (ind);

      ql_indicator_set_instrument (ind, &inst);
      outs[i] = g_new (double *, n_out);
      for (guint k = 0; k < n_out; k++)
        {
          outs[i][k] = g_new (double, MAX (bars->len, 1));
          g_ptr_array_add (columns, outs[i][k]);
          g_ptr_array_add (names, n_out == 1
                                    ? g_strdup (ql_indicator_get_spec (ind))
                                    : g_strdup_printf ("%s.%s", ql_indicator_get_spec (ind),
                                                       ql_indicator_get_output_name (ind, k)));
        }
    }
  /* Indicators are independent: half of them on a second thread. */
  {
    BatchJob odd = { inds, bars, outs, 1 }, even = { inds, bars, outs, 0 };
    GThread *helper = inds->len > 1 ? g_thread_new ("ql-indicators", batch_job_run, &odd) : NULL;
    batch_job_run (&even);
    if (helper != NULL)
      g_thread_join (helper);
  }
  for (guint i = 0; i < inds->len; i++)
    g_free (outs[i]);
  ql_instrument_clear (&inst);

  /* Rows printed: [from, to); earlier rows only warmed the indicators up. */
  const QlTimeNs *time = ql_series_i64 (bars, QL_BAR_TIME);
  gsize first = 0, last = bars->len;
  while (first < last && time[first] < from)
    first++;
  while (last > first && time[last - 1] >= to)
    last--;
  const double **cols = g_newa (const double *, columns->len);
  for (guint k = 0; k < columns->len; k++)
    cols[k] = (const double *) g_ptr_array_index (columns, k) + first;
  if (!ql_cli_write_table (stdout, time + first, last - first, columns->len, cols,
                           (const char *const *) names->pdata, &error))
    return ql_cli_fail ("indicators", error);
  return QL_EXIT_OK;
}
