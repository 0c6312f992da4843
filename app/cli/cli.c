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

/* The date part of the last day formatted: consecutive rows mostly share it,
 * and the civil-date conversion is the costly part. */
typedef struct
{
  gint64 days;
  char date[16]; /* "YYYY-MM-DDT" */
  int date_len;
} DateCache;

static inline void
put2 (char *p, int v)
{
  p[0] = (char) ('0' + v / 10);
  p[1] = (char) ('0' + v % 10);
}

static int
format_time_cached (QlTimeNs t, char *buf, DateCache *cache)
{
  gint64 days = t / QL_NS_PER_DAY;
  gint64 rem = t % QL_NS_PER_DAY;
  char *p = buf;

  if (rem < 0)
    rem += QL_NS_PER_DAY, days--;
  if (days != cache->days || cache->date_len == 0)
    {
      gint64 y;
      unsigned mo, d;
      ql_civil_from_days (days, &y, &mo, &d);
      cache->date_len = g_snprintf (cache->date, sizeof cache->date,
                                    "%04" G_GINT64_FORMAT "-%02u-%02uT", y, mo, d);
      cache->days = days;
    }
  memcpy (p, cache->date, cache->date_len);
  p += cache->date_len;
  int secs = (int) (rem / QL_NS_PER_SEC);
  gint64 frac = rem % QL_NS_PER_SEC;
  put2 (p, secs / 3600);
  p[2] = ':';
  put2 (p + 3, secs / 60 % 60);
  p[5] = ':';
  put2 (p + 6, secs % 60);
  p += 8;
  if (frac != 0)
    {
      /* The shortest of .mmm, .uuuuuu, .nnnnnnnnn that is exact. */
      int digits = frac % 1000000 == 0 ? 3 : frac % 1000 == 0 ? 6 : 9;
      gint64 v = digits == 3 ? frac / 1000000 : digits == 6 ? frac / 1000 : frac;
      *p++ = '.';
      for (int i = digits - 1; i >= 0; i--, v /= 10)
        p[i] = (char) ('0' + v % 10);
      p += digits;
    }
  *p++ = 'Z';
  *p = '\0';
  return (int) (p - buf);
}

int
ql_cli_format_time (QlTimeNs t,
                    char    *buf)
{
  DateCache cache = { 0 };
  return format_time_cached (t, buf, &cache);
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

/* Rows per block of the CSV writer: big enough to amortise the hand-offs,
 * small enough to keep the buffers in cache. */
#define TABLE_BLOCK_ROWS 8192

typedef struct
{
  const QlTimeNs *time;
  const double *const *cols;
  guint n_cols;
  gsize first, last;
  char *out;     /* owned, cap bytes */
  gsize cap;
  gsize len;
} TableBlock;

static void
format_block (TableBlock *b)
{
  /* A row is at most a 40-byte time and, per column, a comma and
   * QL_FORMAT_DOUBLE_MAX bytes: size the buffer once per block. */
  gsize need = (b->last - b->first) * (41 + (gsize) b->n_cols * (QL_FORMAT_DOUBLE_MAX + 1));
  DateCache cache = { 0 };
  char *p;

  if (need > b->cap)
    {
      b->out = g_realloc (b->out, need);
      b->cap = need;
    }
  p = b->out;
  for (gsize r = b->first; r < b->last; r++)
    {
      p += format_time_cached (b->time[r], p, &cache);
      for (guint c = 0; c < b->n_cols; c++)
        {
          double v = b->cols[c][r];
          *p++ = ',';
          if (!isnan (v))
            p += ql_format_double (v, p);
        }
      *p++ = '\n';
    }
  b->len = (gsize) (p - b->out);
}

/* The writer's pipeline: FORMAT_WORKERS threads format blocks into a ring of
 * RING_SLOTS buffers while the calling thread writes them out in order.
 * Formatting doubles is most of the cost, and the kernel's copy of the
 * written bytes then overlaps with it instead of following it. */
#define FORMAT_WORKERS 2
#define RING_SLOTS 4

typedef struct
{
  GMutex lock;
  GCond cond;
  TableBlock slots[RING_SLOTS];
  gint64 ready[RING_SLOTS]; /* block index formatted in the slot, or -1 */
  gsize n_rows;
  gint64 n_blocks;
  gint64 next;              /* next block to hand to a worker */
  gint64 written;           /* blocks written so far */
  gboolean stop;            /* the writer failed: workers quit */
} Pipeline;

static gpointer
format_worker (gpointer data)
{
  Pipeline *pl = data;

  g_mutex_lock (&pl->lock);
  for (;;)
    {
      gint64 i = pl->next;
      if (i >= pl->n_blocks || pl->stop)
        break;
      pl->next++;
      /* The slot is free once block i - RING_SLOTS has been written. */
      while (!pl->stop && pl->written < i - RING_SLOTS + 1)
        g_cond_wait (&pl->cond, &pl->lock);
      if (pl->stop)
        break;
      TableBlock *b = &pl->slots[i % RING_SLOTS];
      b->first = (gsize) i * TABLE_BLOCK_ROWS;
      b->last = MIN (pl->n_rows, b->first + TABLE_BLOCK_ROWS);
      g_mutex_unlock (&pl->lock);
      format_block (b);
      g_mutex_lock (&pl->lock);
      pl->ready[i % RING_SLOTS] = i;
      g_cond_broadcast (&pl->cond);
    }
  g_mutex_unlock (&pl->lock);
  return NULL;
}

gboolean
ql_cli_write_table (FILE                *out,
                    const QlTimeNs      *time,
                    gsize                n_rows,
                    guint                n_cols,
                    const double *const *cols,
                    const char *const   *names,
                    GError             **error)
{
  Pipeline pl = { 0 };
  GThread *workers[FORMAT_WORKERS];
  gboolean ok = TRUE;

  fputs ("time", out);
  for (guint c = 0; c < n_cols; c++)
    fprintf (out, ",%s", names[c]);
  fputc ('\n', out);

  g_mutex_init (&pl.lock);
  g_cond_init (&pl.cond);
  pl.n_rows = n_rows;
  pl.n_blocks = (gint64) ((n_rows + TABLE_BLOCK_ROWS - 1) / TABLE_BLOCK_ROWS);
  for (int s = 0; s < RING_SLOTS; s++)
    {
      pl.slots[s] = (TableBlock){ time, cols, n_cols, 0, 0, NULL, 0, 0 };
      pl.ready[s] = -1;
    }
  for (int w = 0; w < FORMAT_WORKERS; w++)
    workers[w] = g_thread_new ("ql-csv-format", format_worker, &pl);

  for (gint64 i = 0; i < pl.n_blocks && ok; i++)
    {
      TableBlock *b = &pl.slots[i % RING_SLOTS];
      g_mutex_lock (&pl.lock);
      while (pl.ready[i % RING_SLOTS] != i)
        g_cond_wait (&pl.cond, &pl.lock);
      g_mutex_unlock (&pl.lock);
      if (fwrite (b->out, 1, b->len, out) != b->len)
        ok = FALSE;
      g_mutex_lock (&pl.lock);
      pl.written = i + 1;
      pl.stop = !ok;
      g_cond_broadcast (&pl.cond);
      g_mutex_unlock (&pl.lock);
    }
  for (int w = 0; w < FORMAT_WORKERS; w++)
    g_thread_join (workers[w]);
  for (int s = 0; s < RING_SLOTS; s++)
    g_free (pl.slots[s].out);
  g_mutex_clear (&pl.lock);
  g_cond_clear (&pl.cond);

  if (fflush (out) != 0)
    ok = FALSE;
  if (!ok)
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_IO, "cannot write the output: %s",
                 g_strerror (errno));
  return ok;
}
