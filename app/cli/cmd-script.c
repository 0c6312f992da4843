/* app/cli/cmd-script.c — `quantlab-cli check`, `run` and `test`: QuantLab
 * Script files checked, run over market data, and their test blocks. */
#define G_LOG_DOMAIN "ql-app-cli"

#include "app/cli/cli.h"
#include "app/cli/market.h"
#include "dsl/script.h"

#include <math.h>
#include <stdio.h>
#include <errno.h>
#include <string.h>

/* ---- check --------------------------------------------------------------- */

int
ql_cli_check (int argc, char **argv)
{
  gboolean json = FALSE, explain = FALSE, bytecode = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Diagnostics as JSON on stdout (for editors)", NULL },
    { "explain", 0, 0, G_OPTION_ARG_NONE, &explain, "Print every history lookback, ta.* state slot and the state bytes", NULL },
    { "bytecode", 0, 0, G_OPTION_ARG_NONE, &bytecode, "Print the compiled instructions", NULL },
    { NULL },
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (QlProgram) prog = NULL;
  g_autoptr (GString) out = NULL;
  int rc;

  rc = ql_cli_parse ("check", "FILE.qls",
                     "Check a QuantLab Script: every error and warning at once, with the line,\n"
                     "a caret under the bad text and a hint. Exit code 1 when there are errors.",
                     (GOptionEntry *) entries, &argc, &argv);
  if (rc != QL_EXIT_OK)
    return rc;
  if (argc != 2)
    return ql_cli_usage ("check", "give one script file");
  if (json)
    out = g_string_new (NULL);
  prog = ql_cli_compile_script (argv[1], out, &error);
  if (out)
    fputs (out->str, stdout);
  if (prog == NULL)
    {
      if (!json)
        fprintf (stderr, "quantlab-cli check: %s\n", error->message);
      return QL_EXIT_ERROR;
    }
  if (explain)
    fputs (ql_program_explain (prog), stdout);
  if (bytecode)
    {
      g_autofree char *code = ql_program_disassemble (prog);
      fputs (code, stdout);
    }
  if (!json)
    {
      guint n = ql_program_get_n_inputs (prog);

      fprintf (stderr, "%s: ok, %s \"%s\", %u input%s, %u output column%s, %u test%s\n", argv[1],
               ql_program_get_mode (prog) == QL_MODE_INDICATOR ? "indicator"
               : ql_program_get_mode (prog) == QL_MODE_STRATEGY ? "strategy" : "events",
               ql_program_get_title (prog), n, n == 1 ? "" : "s", ql_program_get_n_columns (prog),
               ql_program_get_n_columns (prog) == 1 ? "" : "s", ql_program_get_n_tests (prog),
               ql_program_get_n_tests (prog) == 1 ? "" : "s");
    }
  return QL_EXIT_OK;
}

/* ---- run ------------------------------------------------------------------ */

typedef struct
{
  FILE *out;
  const QlProgram *prog;
  GString *line;
  guint64 rows;
  gboolean failed;
} RowSink;

static gboolean
write_row (gint64        time,
           const double *values,
           gpointer      data)
{
  RowSink *sink = data;
  guint n = ql_program_get_n_columns (sink->prog);
  char buf[48];

  g_string_truncate (sink->line, 0);
  ql_cli_format_time (time, buf);
  g_string_append (sink->line, buf);
  for (guint i = 0; i < n; i++)
    {
      int len;

      g_string_append_c (sink->line, ',');
      len = ql_cli_format_double (values[i], buf);
      g_string_append_len (sink->line, buf, len);
    }
  g_string_append_c (sink->line, '\n');
  if (fwrite (sink->line->str, 1, sink->line->len, sink->out) != sink->line->len)
    {
      sink->failed = TRUE;
      return FALSE;
    }
  sink->rows++;
  return TRUE;
}

static void
report_runtime_error (const QlProgram        *prog,
                      const QlScriptInstance *inst)
{
  const char *src = ql_program_get_source (prog);
  g_autoptr (QlDiagList) diags = ql_diag_list_new (ql_program_get_filename (prog), src, strlen (src));
  g_autofree char *text = NULL;

  ql_script_instance_report_error (inst, diags);
  text = ql_diag_list_to_text (diags, FALSE);
  fputs (text, stderr);
}

/* Runs @o->program over the market of @o, writing the output rows to
 * @out. FALSE with a message in @error. */
static gboolean
run_script (QlCliRunOptions *o,
            FILE            *out,
            guint64         *n_rows,
            GError         **error)
{
  g_autoptr (QlCliMarket) market = NULL;
  g_autoptr (QlBacktest) bt = NULL;
  g_autoptr (QlScriptInstance) inst = NULL;
  g_autofree QlRunSymbol *syms = NULL;
  QlCliRunSettings st;
  QlStrategy strategy;
  RowSink sink = { 0 };
  QlStatus status;
  guint n_syms;

  QlScriptLimits limits;
  gint64 deadline_us;

  if (!ql_cli_run_settings_parse (o, &st, error))
    return FALSE;
  ql_cli_script_limits (o, &limits, &deadline_us);
  inst = ql_script_instance_new (o->program, (const char *const *) o->params, &limits, error);
  if (inst == NULL)
    return FALSE;
  ql_script_instance_set_log_func (inst, ql_cli_script_log, o->script);
  market = ql_cli_market_open (o, &st, error);
  if (market == NULL)
    return FALSE;
  syms = ql_cli_market_run_symbols (market, &n_syms);
  bt = ql_backtest_new (&st.config, syms, n_syms, error);
  if (bt == NULL)
    return FALSE;

  sink.out = out;
  sink.prog = o->program;
  sink.line = g_string_new (NULL);
  fputs ("time", out);
  for (guint i = 0; i < ql_program_get_n_columns (o->program); i++)
    fprintf (out, ",%s", ql_program_get_column_name (o->program, i));
  fputc ('\n', out);
  strategy = ql_script_instance_get_strategy (inst, write_row, &sink);
  status = ql_backtest_run (bt, &strategy);
  g_string_free (sink.line, TRUE);
  *n_rows = sink.rows;
  if (ql_cli_market_get_error (market) != NULL)
    {
      g_propagate_error (error, g_error_copy (ql_cli_market_get_error (market)));
      return FALSE;
    }
  if (ql_script_instance_get_error (inst))
    {
      report_runtime_error (o->program, inst);
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED, "%s stopped with a runtime error",
                   o->script);
      return FALSE;
    }
  if (status != QL_STATUS_OK)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED, "the run stopped: %s",
                   ql_status_to_string (status));
      return FALSE;
    }
  if (sink.failed)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED, "cannot write the output: %s",
                   g_strerror (errno));
      return FALSE;
    }
  return TRUE;
}

int
ql_cli_run (int argc, char **argv)
{
  QlCliRunOptions o = { 0 };
  char *output = NULL;
  g_autoptr (GArray) entries = g_array_new (TRUE, TRUE, sizeof (GOptionEntry));
  const GOptionEntry own[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "Write the CSV here (default: stdout)", "FILE.csv" },
  };
  g_autoptr (GError) error = NULL;
  FILE *out = stdout;
  guint64 rows = 0;
  int rc;

  ql_cli_run_options_add_entries (&o, entries);
  g_array_append_vals (entries, own, G_N_ELEMENTS (own));
  rc = ql_cli_parse ("run", "FILE.qls",
                     "Run a script over CSV files (--data) or stored instruments (--symbol):\n"
                     "one CSV row per bar, the time and one column per plot.",
                     (GOptionEntry *) entries->data, &argc, &argv);
  if (rc != QL_EXIT_OK)
    goto out;
  if (argc != 2)
    {
      rc = ql_cli_usage ("run", "give one script file");
      goto out;
    }
  if (o.builtin != NULL || o.script != NULL)
    {
      rc = ql_cli_usage ("run", "the script is the argument: quantlab-cli run FILE.qls --data ...");
      goto out;
    }
  o.script = g_strdup (argv[1]);
  o.allow_indicator = TRUE;
  if (output != NULL && (out = fopen (output, "w")) == NULL)
    {
      g_set_error (&error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED, "cannot write %s: %s", output,
                   g_strerror (errno));
      out = stdout;
      rc = ql_cli_fail ("run", error);
      goto out;
    }
  if (!run_script (&o, out, &rows, &error))
    rc = ql_cli_fail ("run", error);
  else
    {
      rc = QL_EXIT_OK;
      fprintf (stderr, "%s: %" G_GUINT64_FORMAT " bars\n", o.script, rows);
    }
  if (out != stdout && fclose (out) != 0 && rc == QL_EXIT_OK)
    {
      g_set_error (&error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED, "cannot write %s", output);
      rc = ql_cli_fail ("run", error);
    }
out:
  g_free (output);
  ql_cli_run_options_clear (&o);
  return rc;
}

/* ---- test ----------------------------------------------------------------- */

int
ql_cli_test (int argc, char **argv)
{
  QlCliRunOptions o = { 0 };
  char *expect = NULL;
  g_autoptr (GArray) entries = g_array_new (TRUE, TRUE, sizeof (GOptionEntry));
  const GOptionEntry own[] = {
    { "expect", 0, 0, G_OPTION_ARG_FILENAME, &expect, "With --data: the output must equal this CSV", "FILE.csv" },
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (QlScriptInstance) inst = NULL;
  guint failed = 0, n_tests;
  int rc;

  ql_cli_run_options_add_entries (&o, entries);
  g_array_append_vals (entries, own, G_N_ELEMENTS (own));
  rc = ql_cli_parse ("test", "FILE.qls",
                     "Run the script's test blocks; with --data and --expect, also run it and\n"
                     "compare its output with a CSV of expected rows.",
                     (GOptionEntry *) entries->data, &argc, &argv);
  if (rc != QL_EXIT_OK)
    goto out;
  rc = QL_EXIT_ERROR;
  if (argc != 2)
    {
      rc = ql_cli_usage ("test", "give one script file");
      goto out;
    }
  if ((expect != NULL) != (o.data != NULL || o.symbols != NULL))
    {
      rc = ql_cli_usage ("test", "--expect and --data (or --symbol) go together");
      goto out;
    }
  o.script = g_strdup (argv[1]);
  o.allow_indicator = TRUE;
  o.program = ql_cli_compile_script (o.script, NULL, &error);
  if (o.program == NULL)
    {
      rc = ql_cli_fail ("test", error);
      goto out;
    }
  inst = ql_script_instance_new (o.program, (const char *const *) o.params, NULL, &error);
  if (inst == NULL)
    {
      rc = ql_cli_fail ("test", error);
      goto out;
    }
  ql_script_instance_set_log_func (inst, ql_cli_script_log, o.script);
  n_tests = ql_program_get_n_tests (o.program);
  for (guint i = 0; i < n_tests; i++)
    {
      const char *name = ql_program_get_test_name (o.program, i);

      if (ql_script_instance_run_test (inst, i))
        fprintf (stderr, "test \"%s\" ... ok\n", name);
      else
        {
          fprintf (stderr, "test \"%s\" ... FAILED\n", name);
          report_runtime_error (o.program, inst);
          failed++;
        }
    }
  if (expect != NULL)
    {
      g_autofree char *want = NULL, *got = NULL;
      gsize want_len, got_len;
      char *buf = NULL;
      gsize buf_len = 0;
      FILE *mem = open_memstream (&buf, &buf_len);
      guint64 rows = 0;
      gboolean ok;

      ok = run_script (&o, mem, &rows, &error);
      fclose (mem);
      got = buf;
      got_len = buf_len;
      if (!ok)
        {
          fprintf (stderr, "run over the data ... FAILED: %s\n", error->message);
          failed++;
        }
      else if (!g_file_get_contents (expect, &want, &want_len, &error))
        {
          rc = ql_cli_fail ("test", error);
          goto out;
        }
      else if (want_len != got_len || memcmp (want, got, got_len) != 0)
        {
          /* the first line that differs */
          guint line = 1;
          gsize k = 0;

          while (k < want_len && k < got_len && want[k] == got[k])
            line += want[k++] == '\n';
          fprintf (stderr, "output vs %s ... FAILED at line %u (%" G_GUINT64_FORMAT " rows written)\n",
                   expect, line, rows);
          failed++;
        }
      else
        fprintf (stderr, "output vs %s ... ok (%" G_GUINT64_FORMAT " rows)\n", expect, rows);
    }
  fprintf (stderr, "%u test%s, %u failed\n", n_tests + (expect != NULL),
           n_tests + (expect != NULL) == 1 ? "" : "s", failed);
  rc = failed ? QL_EXIT_ERROR : QL_EXIT_OK;
out:
  g_free (expect);
  ql_cli_run_options_clear (&o);
  return rc;
}
