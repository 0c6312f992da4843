/* app/cli/cli.c — helpers shared by quantlab-cli's subcommands. */
#define G_LOG_DOMAIN "ql-app-cli"

#include "app/cli/cli.h"
#include "engine/instrument.h"
#include "engine/numfmt.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>

int
ql_cli_parse (const char   *name,
              const char   *parameter_string,
              const char   *description,
              GOptionEntry *entries,
              int          *argc,
              char       ***argv)
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *params = g_strdup_printf ("%s%s%s", name,
                                             parameter_string != NULL ? " " : "",
                                             parameter_string != NULL ? parameter_string : "");

  context = g_option_context_new (params);
  g_option_context_set_summary (context, description);
  g_option_context_add_main_entries (context, entries, NULL);
  /* The program name in messages is "quantlab-cli", not the subcommand. */
  g_set_prgname ("quantlab-cli");
  if (!g_option_context_parse (context, argc, argv, &error))
    {
      fprintf (stderr, "quantlab-cli %s: %s\nRun `quantlab-cli %s --help` for the options.\n",
               name, error->message, name);
      return QL_EXIT_USAGE;
    }
  return QL_EXIT_OK;
}

int
ql_cli_fail (const char   *cmd,
             const GError *error)
{
  fprintf (stderr, "quantlab-cli %s: %s\n", cmd, error->message);
  return QL_EXIT_ERROR;
}

int
ql_cli_usage (const char *cmd,
              const char *format,
              ...)
{
  va_list args;
  g_autofree char *msg = NULL;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  fprintf (stderr, "quantlab-cli %s: %s\nRun `quantlab-cli %s --help` for the options.\n",
           cmd, msg, cmd);
  return QL_EXIT_USAGE;
}

gboolean
ql_cli_parse_time (const char *text,
                   QlTimeNs   *out,
                   GError    **error)
{
  g_autoptr (GTimeZone) utc = g_time_zone_new_utc ();
  g_autoptr (GDateTime) dt = NULL;
  g_autofree char *full = NULL;

  /* A bare date is that day's midnight, UTC. */
  if (strlen (text) == 10 && text[4] == '-' && text[7] == '-')
    full = g_strconcat (text, "T00:00:00", NULL);
  else
    full = g_strdup (text);
  dt = g_date_time_new_from_iso8601 (full, utc);
  if (dt == NULL)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "time \"%s\" is not ISO 8601; write 2024-03-04 or 2024-03-04T09:30:00 "
                   "(UTC unless a zone such as Z or +01:00 follows)", text);
      return FALSE;
    }
  *out = g_date_time_to_unix (dt) * QL_NS_PER_SEC +
         (QlTimeNs) g_date_time_get_microsecond (dt) * QL_NS_PER_US;
  return TRUE;
}

int
ql_cli_format_time (QlTimeNs t,
                    char    *buf)
{
  gint64 days = t / QL_NS_PER_DAY;
  gint64 rem = t % QL_NS_PER_DAY;
  gint64 y;
  unsigned mo, d;
  int n;

  if (rem < 0)
    rem += QL_NS_PER_DAY, days--;
  ql_civil_from_days (days, &y, &mo, &d);
  gint64 secs = rem / QL_NS_PER_SEC;
  gint64 frac = rem % QL_NS_PER_SEC;
  n = g_snprintf (buf, 40, "%04" G_GINT64_FORMAT "-%02u-%02uT%02d:%02d:%02d", y, mo, d,
                  (int) (secs / 3600), (int) (secs / 60 % 60), (int) (secs % 60));
  if (frac != 0)
    {
      int digits = 9;
      while (frac % 10 == 0)
        frac /= 10, digits--;
      n += g_snprintf (buf + n, 40 - n, ".%0*" G_GINT64_FORMAT, digits, frac);
    }
  buf[n++] = 'Z';
  buf[n] = '\0';
  return n;
}

int
ql_cli_format_double (double value,
                      char  *buf)
{
  if (isnan (value))
    {
      buf[0] = '\0';
      return 0;
    }
  return ql_format_double (value, buf);
}

/* Rows per block of the CSV writer: big enough to amortise a thread start,
 * small enough to keep the buffers in cache. */
#define TABLE_BLOCK_ROWS 8192

typedef struct
{
  const QlTimeNs *time;
  const double *const *cols;
  guint n_cols;
  gsize first, last;
  GString *out;
} TableBlock;

static void
format_block (TableBlock *b)
{
  char buf[48];

  g_string_truncate (b->out, 0);
  for (gsize r = b->first; r < b->last; r++)
    {
      int n = ql_cli_format_time (b->time[r], buf);
      g_string_append_len (b->out, buf, n);
      for (guint c = 0; c < b->n_cols; c++)
        {
          g_string_append_c (b->out, ',');
          n = ql_cli_format_double (b->cols[c][r], buf);
          g_string_append_len (b->out, buf, n);
        }
      g_string_append_c (b->out, '\n');
    }
}

static gpointer
format_block_thread (gpointer data)
{
  format_block (data);
  return NULL;
}

gboolean
ql_cli_write_table (FILE              *out,
                    const QlTimeNs    *time,
                    gsize              n_rows,
                    guint              n_cols,
                    const double *const *cols,
                    const char *const *names,
                    GError           **error)
{
  TableBlock blocks[2] = {
    { time, cols, n_cols, 0, 0, g_string_sized_new (TABLE_BLOCK_ROWS * 64) },
    { time, cols, n_cols, 0, 0, g_string_sized_new (TABLE_BLOCK_ROWS * 64) },
  };
  gboolean ok = TRUE;

  fputs ("time", out);
  for (guint c = 0; c < n_cols; c++)
    fprintf (out, ",%s", names[c]);
  fputc ('\n', out);

  /* Formatting doubles is most of the cost: two blocks at a time, one on a
   * helper thread, written in order. */
  for (gsize r = 0; r < n_rows && ok; r += 2 * TABLE_BLOCK_ROWS)
    {
      GThread *helper = NULL;
      blocks[0].first = r;
      blocks[0].last = MIN (n_rows, r + TABLE_BLOCK_ROWS);
      blocks[1].first = blocks[0].last;
      blocks[1].last = MIN (n_rows, blocks[0].last + TABLE_BLOCK_ROWS);
      if (blocks[1].first < blocks[1].last)
        helper = g_thread_new ("ql-csv-format", format_block_thread, &blocks[1]);
      else
        g_string_truncate (blocks[1].out, 0);
      format_block (&blocks[0]);
      if (helper != NULL)
        g_thread_join (helper);
      for (int i = 0; i < 2 && ok; i++)
        if (blocks[i].out->len > 0 && fwrite (blocks[i].out->str, 1, blocks[i].out->len, out) != blocks[i].out->len)
          ok = FALSE;
    }
  if (fflush (out) != 0)
    ok = FALSE;
  if (!ok)
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_IO, "cannot write the output: %s",
                 g_strerror (errno));
  g_string_free (blocks[0].out, TRUE);
  g_string_free (blocks[1].out, TRUE);
  return ok;
}
