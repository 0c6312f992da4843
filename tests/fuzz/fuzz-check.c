/* tests/fuzz/fuzz-check.c — libFuzzer target for the whole QuantLab Script
 * compile: lexer, parser, checker and code generator (dsl/compile.c).
 *
 * Arbitrary bytes are compiled; the diagnostics are rendered as text and
 * JSON, and a program that compiled is described through every accessor of
 * dsl/script.h. Must never crash, hang or leak; a program comes back iff no
 * error was reported, errors stay within the list's limit, and every
 * diagnostic's span lies inside the source. GLib criticals and warnings
 * (a g_return_if_fail tripping) abort like a sanitizer report. */
#include "dsl/script.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  return 0;
}

static void
describe (const QlProgram *p)
{
  guint n_columns = ql_program_get_n_columns (p);

  g_assert (ql_program_get_title (p) != NULL);
  g_assert (ql_program_explain (p) != NULL);
  g_assert (ql_program_get_source (p) != NULL);
  (void) ql_program_get_mode (p);
  (void) ql_program_get_calc_tick (p);
  (void) ql_program_get_bar_lookback (p);
  for (guint i = 0; i < ql_program_get_n_inputs (p); i++)
    {
      const QlScriptInput *in = ql_program_get_input (p, i);
      g_assert (in != NULL && in->name != NULL && in->title != NULL);
    }
  for (guint i = 0; i < ql_program_get_n_plots (p); i++)
    {
      const QlScriptPlot *pl = ql_program_get_plot (p, i);
      g_assert (pl != NULL && pl->column < n_columns);
    }
  for (guint i = 0; i < n_columns; i++)
    g_assert (ql_program_get_column_name (p, i) != NULL);
  for (guint i = 0; i < ql_program_get_n_tests (p); i++)
    g_assert (ql_program_get_test_name (p, i) != NULL);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  QlDiagList *diags = ql_diag_list_new ("fuzz.qls", (const char *) data, size);
  QlProgram *p = ql_program_compile ("fuzz.qls", (const char *) data, size, diags);
  char *text, *json;

  g_assert ((p != NULL) == (diags->n_errors == 0));
  g_assert (diags->n_errors <= QL_DIAG_MAX_ERRORS);
  for (guint i = 0; i < diags->items->len; i++)
    {
      const QlDiag *d = &g_array_index (diags->items, QlDiag, i);
      g_assert (d->span.offset <= d->span.end_offset);
      g_assert (d->span.end_offset <= size);
      g_assert (d->message != NULL);
    }
  if (p != NULL)
    {
      describe (p);
      g_assert (strlen (ql_program_get_source (p)) <= size);
    }
  ql_diag_list_sort (diags);
  text = ql_diag_list_to_text (diags, TRUE);
  json = ql_diag_list_to_json (diags);
  g_assert (text != NULL && json != NULL && json[0] == '{');
  g_free (text);
  g_free (json);
  ql_program_free (p);
  ql_diag_list_free (diags);
  return 0;
}
