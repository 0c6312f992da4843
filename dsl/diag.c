/* dsl/diag.c — diagnostics lists and their text and JSON forms. */
#define G_LOG_DOMAIN "ql-dsl-diag"

#include "dsl/diag.h"

#include <string.h>

QlDiagList *
ql_diag_list_new (const char *filename,
                  const char *source,
                  gsize       source_len)
{
  QlDiagList *self = g_new0 (QlDiagList, 1);

  self->items = g_array_new (FALSE, FALSE, sizeof (QlDiag));
  self->filename = g_strdup (filename ? filename : "<script>");
  self->source = source;
  self->source_len = source ? source_len : 0;
  self->max_errors = QL_DIAG_MAX_ERRORS;
  return self;
}

void
ql_diag_list_free (QlDiagList *self)
{
  if (self == NULL)
    return;
  for (guint i = 0; i < self->items->len; i++)
    {
      QlDiag *d = &g_array_index (self->items, QlDiag, i);
      g_free (d->message);
      g_free (d->hint);
      g_free (d->trace);
    }
  g_array_unref (self->items);
  g_free (self->filename);
  g_free (self);
}

QlDiag *
ql_diag_add (QlDiagList     *self,
             QlDiagSeverity  severity,
             const char     *code,
             const QlSpan   *span,
             const char     *hint,
             const char     *format,
             ...)
{
  QlDiag d = { 0 };
  va_list ap;
  guint max = self->max_errors ? self->max_errors : QL_DIAG_MAX_ERRORS;

  if (severity == QL_DIAG_ERROR && self->n_errors >= max)
    {
      self->truncated = TRUE;
      return NULL;
    }
  d.severity = severity;
  g_strlcpy (d.code, code, sizeof d.code);
  if (span)
    d.span = *span;
  va_start (ap, format);
  d.message = g_strdup_vprintf (format, ap);
  va_end (ap);
  d.hint = g_strdup (hint);
  if (severity == QL_DIAG_ERROR)
    self->n_errors++;
  else if (severity == QL_DIAG_WARNING)
    self->n_warnings++;
  g_array_append_val (self->items, d);
  return &g_array_index (self->items, QlDiag, self->items->len - 1);
}

static int
cmp_pos (gconstpointer a,
         gconstpointer b)
{
  const QlDiag *x = a, *y = b;

  if (x->span.offset != y->span.offset)
    return x->span.offset < y->span.offset ? -1 : 1;
  return 0;
}

void
ql_diag_list_sort (QlDiagList *self)
{
  /* g_array_sort is not stable; a merge through g_ptr_array would be, but
   * an insertion sort over at most a few dozen items is simpler. */
  QlDiag *v = (QlDiag *) (void *) self->items->data;

  for (guint i = 1; i < self->items->len; i++)
    {
      QlDiag t = v[i];
      guint j = i;

      while (j > 0 && cmp_pos (&v[j - 1], &t) > 0)
        {
          v[j] = v[j - 1];
          j--;
        }
      v[j] = t;
    }
}

static const char *
severity_name (QlDiagSeverity s)
{
  switch (s)
    {
    case QL_DIAG_ERROR:
      return "error";
    case QL_DIAG_WARNING:
      return "warning";
    case QL_DIAG_NOTE:
    default:
      return "note";
    }
}

/* The bounds of line @line (1-based) in the source: [*start, *end). */
static gboolean
find_line (const QlDiagList *self,
           guint32           line,
           gsize            *start,
           gsize            *end)
{
  gsize pos = 0;

  if (self->source == NULL || line == 0)
    return FALSE;
  for (guint32 l = 1; l < line; l++)
    {
      const char *nl = memchr (self->source + pos, '\n', self->source_len - pos);

      if (nl == NULL)
        return FALSE;
      pos = (gsize) (nl - self->source) + 1;
    }
  *start = pos;
  while (pos < self->source_len && self->source[pos] != '\n' && self->source[pos] != '\r')
    pos++;
  *end = pos;
  return TRUE;
}

static void
append_printable (GString    *out,
                  const char *s,
                  gsize       n)
{
  /* Tabs become one space so that the caret line stays aligned; other
   * control bytes are shown as '?'. UTF-8 text passes through. */
  for (gsize i = 0; i < n; i++)
    {
      unsigned char c = (unsigned char) s[i];

      g_string_append_c (out, c == '\t' ? ' ' : c < 0x20 || c == 0x7f ? '?' : (char) c);
    }
}

static void
format_into (const QlDiagList *self,
             const QlDiag     *d,
             GString          *out)
{
  gsize ls, le;
  char num[16];
  int width;

  g_string_append_printf (out, "%s[%s]: %s\n", severity_name (d->severity), d->code, d->message);
  g_snprintf (num, sizeof num, "%u", d->span.line);
  width = (int) strlen (num);
  g_string_append_printf (out, "%*s--> %s:%u:%u", width, "", self->filename, d->span.line,
                          d->span.col);
  if (d->span.line > 0 && find_line (self, d->span.line, &ls, &le))
    {
      guint32 col = MAX (d->span.col, 1);
      gsize start = MIN (ls + col - 1, le);
      gsize stop = d->span.end_line == d->span.line
                     ? MIN (ls + MAX (d->span.end_col, col + 1) - 1, le)
                     : le;
      gsize carets = stop > start ? stop - start : 1;

      g_string_append_printf (out, "\n%*s |\n%s | ", width, "", num);
      append_printable (out, self->source + ls, le - ls);
      g_string_append_printf (out, "\n%*s | %*s", width, "", (int) (start - ls), "");
      for (gsize i = 0; i < carets; i++)
        g_string_append_c (out, '^');
    }
  if (d->hint)
    g_string_append_printf (out, "\n%*s = hint: %s", width, "", d->hint);
  if (d->trace)
    {
      g_auto (GStrv) lines = g_strsplit (d->trace, "\n", -1);

      for (guint i = 0; lines[i] && lines[i][0]; i++)
        g_string_append_printf (out, "\n%*s = %s", width, "", lines[i]);
    }
}

char *
ql_diag_format (const QlDiagList *self,
                const QlDiag     *diag)
{
  GString *out = g_string_new (NULL);

  format_into (self, diag, out);
  return g_string_free (out, FALSE);
}

char *
ql_diag_list_to_text (const QlDiagList *self,
                      gboolean          summary)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < self->items->len; i++)
    {
      if (i > 0)
        g_string_append_c (out, '\n');
      format_into (self, &g_array_index (self->items, QlDiag, i), out);
      g_string_append_c (out, '\n');
    }
  if (self->truncated)
    g_string_append_printf (out, "\nnote: stopped after %u errors\n",
                            self->max_errors ? self->max_errors : QL_DIAG_MAX_ERRORS);
  if (summary)
    g_string_append_printf (out, "%s%u error%s, %u warning%s\n", self->items->len ? "\n" : "",
                            self->n_errors, self->n_errors == 1 ? "" : "s", self->n_warnings,
                            self->n_warnings == 1 ? "" : "s");
  return g_string_free (out, FALSE);
}

/* JSON string with the escapes RFC 8259 requires; bytes >= 0x80 pass
 * through (the source is UTF-8; invalid bytes become U+FFFD). */
static void
append_json_string (GString    *out,
                    const char *s)
{
  const char *end;

  if (s == NULL)
    {
      g_string_append (out, "null");
      return;
    }
  g_string_append_c (out, '"');
  end = s + strlen (s);
  while (s < end)
    {
      unsigned char c = (unsigned char) *s;

      if (c == '"' || c == '\\')
        {
          g_string_append_c (out, '\\');
          g_string_append_c (out, (char) c);
          s++;
        }
      else if (c < 0x20)
        {
          g_string_append_printf (out, "\\u%04x", c);
          s++;
        }
      else if (c < 0x80)
        {
          g_string_append_c (out, (char) c);
          s++;
        }
      else
        {
          const char *next;

          if (g_utf8_validate (s, MIN (end - s, 4), &next) || next > s)
            {
              gunichar u = g_utf8_get_char_validated (s, end - s);

              if (u != (gunichar) -1 && u != (gunichar) -2)
                {
                  const char *after = g_utf8_next_char (s);

                  g_string_append_len (out, s, after - s);
                  s = after;
                  continue;
                }
            }
          g_string_append (out, "\\ufffd");
          s++;
        }
    }
  g_string_append_c (out, '"');
}

char *
ql_diag_list_to_json (const QlDiagList *self)
{
  GString *out = g_string_new ("{\"file\": ");

  append_json_string (out, self->filename);
  g_string_append_printf (out, ", \"errors\": %u, \"warnings\": %u, \"truncated\": %s, \"diagnostics\": [",
                          self->n_errors, self->n_warnings, self->truncated ? "true" : "false");
  for (guint i = 0; i < self->items->len; i++)
    {
      const QlDiag *d = &g_array_index (self->items, QlDiag, i);

      g_string_append_printf (out, "%s{\"severity\": \"%s\", \"code\": \"%s\", \"line\": %u, "
                              "\"column\": %u, \"end_line\": %u, \"end_column\": %u, \"message\": ",
                              i ? ", " : "", severity_name (d->severity), d->code, d->span.line,
                              d->span.col, d->span.end_line, d->span.end_col);
      append_json_string (out, d->message);
      g_string_append (out, ", \"hint\": ");
      append_json_string (out, d->hint);
      g_string_append (out, ", \"trace\": ");
      append_json_string (out, d->trace);
      g_string_append_c (out, '}');
    }
  g_string_append (out, "]}\n");
  return g_string_free (out, FALSE);
}
