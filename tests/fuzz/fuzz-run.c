/* tests/fuzz/fuzz-run.c — libFuzzer target for a budget-limited run of
 * QuantLab Script (dsl/compile.c, dsl/vm.c).
 *
 * Arbitrary bytes are compiled; a program that compiles (indicator,
 * strategy or events) runs through ql_script_instance_run_bars () over a
 * fixed 50-bar series with small limits: 10,000 instructions per event,
 * 10^6 per run, 1 MiB of memory. A strategy's orders then stop it with a
 * runtime error, which is fine; so is any other runtime error: it must be
 * clean (a code, a message, a span inside the source) and renderable.
 * Each test block then runs on its own fresh instance. Must never crash,
 * hang or leak; GLib criticals and warnings abort like a sanitizer report. */
#include "dsl/script.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define N_BARS 50
#define MAX_TESTS 8

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static QlSeries *bars;
static QlInstrument inst;

/* Hourly bars from 2024-01-01 22:00 UTC: 50 hours cross three trading days
 * (session VWAP and pivots restart). A walk with a flat stretch (equal
 * highs and lows: zero ranges), one bar of zero volume and one gap. */
int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  const gint64 t0 = G_GINT64_CONSTANT (1704146400) * QL_NS_PER_SEC;
  double p = 100.0;

  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  g_assert (ql_instrument_init (&inst, "FUZZ", NULL));
  inst.price_scale = 2;
  bars = ql_series_new_bars ();
  for (int i = 0; i < N_BARS; i++)
    {
      QlBar b;
      double step = (i % 7 < 3 ? 0.37 : -0.29) * (1 + i % 3);

      if (i >= 20 && i < 24)
        step = 0;
      if (i == 35)
        step = 4.5;
      b.time = t0 + (gint64) i * QL_NS_PER_HOUR;
      b.open = p;
      b.close = round ((p + step) * 100) / 100;
      b.high = MAX (b.open, b.close) + (step == 0 ? 0 : 0.12);
      b.low = MIN (b.open, b.close) - (step == 0 ? 0 : 0.08);
      b.volume = i == 10 ? 0 : 100 + (i * 37) % 250;
      b.trades = 1;
      ql_series_append_bar (bars, &b);
      p = b.close;
    }
  return 0;
}

static void
set_limits (QlScriptLimits *limits)
{
  ql_script_limits_init (limits);
  limits->max_instructions_per_event = 10000;
  limits->max_instructions_per_run = 1000000;
  limits->max_memory = 1024 * 1024;
}

static void
quiet_log (int level, const QlSpan *span, gint64 bar_index, const char *text, gpointer data)
{
  g_assert (level >= 0 && level <= 2);
  g_assert (text != NULL);
}

typedef struct
{
  guint n_columns;
  guint rows;
} Rows;

static gboolean
on_row (gint64 time, const double *values, gpointer data)
{
  Rows *r = data;
  volatile double sink = 0;

  for (guint c = 0; c < r->n_columns; c++)
    sink += values[c];
  (void) sink;
  r->rows++;
  return TRUE;
}

static void
check_error (QlScriptInstance *in, const QlProgram *p, size_t size, gboolean ok)
{
  const QlScriptError *e = ql_script_instance_get_error (in);
  QlDiagList *diags;
  char *text;

  g_assert (ok == (e == NULL));
  if (e == NULL)
    return;
  g_assert (e->code[0] == 'R');
  g_assert (e->message != NULL);
  g_assert (e->span.offset <= e->span.end_offset && e->span.end_offset <= size);
  diags = ql_diag_list_new ("fuzz.qls", ql_program_get_source (p), strlen (ql_program_get_source (p)));
  ql_script_instance_report_error (in, diags);
  g_assert (diags->n_errors == 1);
  text = ql_diag_list_to_text (diags, TRUE);
  g_free (text);
  ql_diag_list_free (diags);
}

static QlScriptInstance *
new_instance (const QlProgram *p)
{
  QlScriptLimits limits;
  GError *error = NULL;
  QlScriptInstance *in;

  set_limits (&limits);
  in = ql_script_instance_new (p, NULL, &limits, &error);
  /* Only the memory limit may refuse an instance: the default inputs
   * are valid by construction. */
  if (in == NULL)
    {
      g_assert (g_error_matches (error, QL_SCRIPT_ERROR, QL_SCRIPT_ERROR_LIMIT));
      g_error_free (error);
      return NULL;
    }
  ql_script_instance_set_log_func (in, quiet_log, NULL);
  g_assert (ql_script_instance_get_memory (in) > 0);
  return in;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  QlDiagList *diags = ql_diag_list_new ("fuzz.qls", (const char *) data, size);
  QlProgram *p = ql_program_compile ("fuzz.qls", (const char *) data, size, diags);
  QlScriptInstance *in;
  Rows rows = { 0 };
  gboolean ok;

  ql_diag_list_free (diags);
  if (p == NULL)
    return 0;
  in = new_instance (p);
  if (in != NULL)
    {
      rows.n_columns = ql_program_get_n_columns (p);
      ok = ql_script_instance_run_bars (in, bars, &inst, on_row, &rows);
      check_error (in, p, size, ok);
      g_assert (ok ? rows.rows == N_BARS : rows.rows < N_BARS);
      g_assert (ql_script_instance_get_instructions (in) <= 1000000 + 10000);
      ql_script_instance_free (in);
    }
  for (guint i = 0; i < MIN (ql_program_get_n_tests (p), MAX_TESTS); i++)
    {
      in = new_instance (p);
      if (in == NULL)
        continue;
      ok = ql_script_instance_run_test (in, i);
      /* A failed assert is an error too (R-coded), so the same rules. */
      if (!ok)
        g_assert (ql_script_instance_get_error (in) != NULL);
      ql_script_instance_free (in);
    }
  ql_program_free (p);
  return 0;
}
