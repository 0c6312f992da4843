/* data/csv.c — streaming CSV/TSV reader for bars and ticks.
 *
 * The input sits in one buffer: the caller's bytes for a data reader, or a
 * window of the file refilled in 1 MiB reads, where the unread tail (the
 * partial last line) is moved to the front before each read. A line is
 * found with memchr; its fields are then scanned left to right by pointer,
 * each number parsed in place by ql_num_scan () and each time by hand.
 * Only a field that the fast scan cannot take whole (quoted, padded with
 * spaces, empty, malformed) goes through the slow path, which cuts the
 * field out, unquotes it and either parses it or explains what is wrong. */
#define G_LOG_DOMAIN "ql-data-csv"

#include "data/csv.h"

#include "data/numparse.h"
#include "engine/instrument.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#define BLOCK_SIZE (1 << 20)           /* bytes per read */
#define LINE_MAX_BYTES (64 << 20)      /* a longer line is an error */
#define DETECT_ROWS 10000              /* rows looked at for the scales */
#define DETECT_SAMPLE_LINES 20         /* lines looked at for the delimiter */
/* Local times within this many seconds of a zone transition are looked up
 * each time rather than taken from the cached interval: no zone's offset
 * changes by more than 26 h, so farther inside an interval a local time is
 * neither skipped nor repeated. */
#define TZ_MARGIN (2 * 86400)
#define TZ_FAR (G_GINT64_CONSTANT (1) << 60)
/* Seconds whose nanoseconds still fit a gint64: 1677-09-21 to 2262-04-11. */
#define SEC_MIN (G_MININT64 / QL_NS_PER_SEC + 1)
#define SEC_MAX (G_MAXINT64 / QL_NS_PER_SEC - 1)

G_DEFINE_QUARK (ql-csv-error-quark, ql_csv_error)

/* A parsed time. Without a zone, @sec counts local wall-clock seconds
 * since 1970-01-01 00:00 (as if the zone were UTC); with one, UTC seconds. */
typedef struct
{
  gint64 sec;
  gint32 nsec;   /* 0..999999999 */
  gboolean utc;  /* a zone or an epoch number made it absolute */
} TimeVal;

struct QlCsvReader
{
  char *name;           /* the path or the data's name, for messages */
  int fd;               /* -1 for a data reader */
  const char *buf;      /* owned_buf or the caller's data */
  char *owned_buf;      /* cap bytes, file readers only */
  gsize cap;
  gsize pos;            /* next unread byte in buf */
  gsize end;            /* bytes valid in buf */
  guint64 buf_offset;   /* file offset of buf[0] */
  guint64 size;         /* input size in bytes */
  gboolean eof;         /* nothing more will be read into buf */
  guint64 line;         /* 1-based number of the line last taken */
  QlCsvLayout layout;
  gboolean digits_are_date; /* an 8-digit time is YYYYMMDD, not epoch */
  gsize avg_line_len;   /* in the detection block, for reserving rows */
  GString *scratch;     /* a field cut out by the slow path */

  GTimeZone *tz;        /* NULL: UTC */
  gint64 tz_lo, tz_hi;  /* local seconds [lo, hi) where tz_off applies unambiguously */
  gint32 tz_off;        /* seconds east of UTC in that range */
  int tz_interval;      /* GTimeZone interval the range belongs to, -1 none */

  gint64 date_key;      /* y * 10000 + m * 100 + d of the cached date */
  gint64 date_days;     /* its days since 1970-01-01 */
};

static const char *const column_names[QL_CSV_N_COLS] = {
  [QL_CSV_COL_IGNORE] = "ignored",
  [QL_CSV_COL_TIME] = "time",
  [QL_CSV_COL_DATE] = "date",
  [QL_CSV_COL_CLOCK] = "time of day",
  [QL_CSV_COL_OPEN] = "open",
  [QL_CSV_COL_HIGH] = "high",
  [QL_CSV_COL_LOW] = "low",
  [QL_CSV_COL_CLOSE] = "close",
  [QL_CSV_COL_VOLUME] = "volume",
  [QL_CSV_COL_OPEN_INTEREST] = "open interest",
  [QL_CSV_COL_PRICE] = "price",
  [QL_CSV_COL_SIZE] = "size",
  [QL_CSV_COL_BID] = "bid",
  [QL_CSV_COL_ASK] = "ask",
  [QL_CSV_COL_SIDE] = "side",
  [QL_CSV_COL_BUYER_MAKER] = "is_buyer_maker",
};

const char *
ql_csv_column_name (QlCsvColumn column)
{
  g_return_val_if_fail (column < QL_CSV_N_COLS, NULL);
  return column_names[column];
}

void
ql_csv_options_init (QlCsvOptions *opts)
{
  g_return_if_fail (opts != NULL);
  opts->format = NULL;
  opts->tz = NULL;
  opts->price_scale = -1;
  opts->qty_scale = -1;
}

static inline gboolean
is_price_column (int col)
{
  return (col >= QL_CSV_COL_OPEN && col <= QL_CSV_COL_CLOSE) || col == QL_CSV_COL_PRICE ||
         col == QL_CSV_COL_BID || col == QL_CSV_COL_ASK;
}

static inline gboolean
is_qty_column (int col)
{
  return col == QL_CSV_COL_VOLUME || col == QL_CSV_COL_OPEN_INTEREST || col == QL_CSV_COL_SIZE;
}

/* ------------------------------------------------------------------ */
/* Messages */

/* 1-based character column of @at in the line starting at @ls: UTF-8
 * continuation bytes do not start a character. */
static guint
char_column (const char *ls, const char *at)
{
  guint col = 1;
  for (const char *p = ls; p < at; p++)
    if (((guchar) *p & 0xC0) != 0x80)
      col++;
  return col;
}

/* A field's text for a message: at most 40 bytes, control bytes, quotes
 * and backslashes escaped, invalid UTF-8 replaced. (transfer full) */
static char *
quote_text (const char *text, gsize len)
{
  g_autoptr (GString) s = g_string_sized_new (48);

  for (gsize i = 0; i < MIN (len, 40); i++)
    {
      guchar c = (guchar) text[i];
      if (c < 0x20 || c == 0x7f)
        g_string_append_printf (s, "\\x%02x", c);
      else if (c == '"' || c == '\\')
        {
          g_string_append_c (s, '\\');
          g_string_append_c (s, (char) c);
        }
      else
        g_string_append_c (s, (char) c);
    }
  if (len > 40)
    g_string_append (s, "...");
  return g_utf8_make_valid (s->str, s->len);
}

static gboolean G_GNUC_PRINTF (6, 7)
row_error (QlCsvReader *self,
           GError     **error,
           int          code,
           const char  *ls,
           const char  *at,
           const char  *format,
           ...)
{
  va_list args;
  g_autofree char *msg = NULL;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, QL_CSV_ERROR, code, "%s:%" G_GUINT64_FORMAT ":%u: %s",
               self->name, self->line, char_column (ls, at), msg);
  return FALSE;
}

/* ------------------------------------------------------------------ */
/* Input */

/* Moves the unread tail to the front of the buffer and reads more after it.
 * Only called when the tail holds no complete line. */
static gboolean
fill (QlCsvReader *self,
      GError     **error)
{
  gssize n;

  if (self->fd < 0)
    {
      self->eof = TRUE;
      return TRUE;
    }
  if (self->pos > 0)
    {
      memmove (self->owned_buf, self->owned_buf + self->pos, self->end - self->pos);
      self->buf_offset += self->pos;
      self->end -= self->pos;
      self->pos = 0;
    }
  if (self->end == self->cap)
    {
      if (self->cap >= LINE_MAX_BYTES)
        {
          self->eof = TRUE;
          self->pos = self->end;
          g_set_error (error, QL_CSV_ERROR, QL_CSV_ERROR_IO,
                       "%s:%" G_GUINT64_FORMAT ": line is longer than %d MiB; is this a CSV file?",
                       self->name, self->line + 1, LINE_MAX_BYTES >> 20);
          return FALSE;
        }
      self->cap *= 2;
      self->owned_buf = g_realloc (self->owned_buf, self->cap);
      self->buf = self->owned_buf;
    }
  do
    n = read (self->fd, self->owned_buf + self->end, self->cap - self->end);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    {
      int saved = errno;
      self->eof = TRUE;
      self->pos = self->end;
      g_set_error (error, QL_CSV_ERROR, QL_CSV_ERROR_IO, "%s: cannot read: %s",
                   self->name, g_strerror (saved));
      return FALSE;
    }
  if (n == 0)
    self->eof = TRUE;
  self->end += (gsize) n;
  return TRUE;
}

/* Takes the next line, without its '\n' or "\r\n". Returns 1 with a line,
 * 0 at the end of the input, -1 on a read error. */
static int
next_line (QlCsvReader *self,
           const char **ls,
           const char **le,
           GError     **error)
{
  for (;;)
    {
      if (self->pos < self->end)
        {
          const char *start = self->buf + self->pos;
          const char *nl = memchr (start, '\n', self->end - self->pos);
          const char *stop;

          if (nl != NULL)
            {
              stop = nl;
              self->pos = (gsize) (nl - self->buf) + 1;
            }
          else if (self->eof)
            {
              stop = self->buf + self->end;
              self->pos = self->end;
            }
          else
            goto refill;
          if (stop > start && stop[-1] == '\r')
            stop--;
          self->line++;
          *ls = start;
          *le = stop;
          return 1;
        }
      if (self->eof)
        return 0;
    refill:
      if (!fill (self, error))
        return -1;
    }
}

/* ------------------------------------------------------------------ */
/* Fields */

static inline gboolean
is_blank (char c, char delim)
{
  return (c == ' ' || c == '\t') && c != delim;
}

/* Cuts out the field starting at *@pp: skips blanks, unquotes "..." (with ""
 * for a quote), trims. Leaves *@pp at the delimiter or @le. The text is
 * either in the line or in the scratch buffer, valid until the next call. */
static void
split_field (GString     *scratch,
             const char **pp,
             const char  *le,
             char         delim,
             const char **text,
             gsize       *len)
{
  const char *p = *pp;

  while (p < le && is_blank (*p, delim))
    p++;
  if (p < le && *p == '"')
    {
      g_string_truncate (scratch, 0);
      for (p++; p < le; p++)
        {
          if (*p == '"')
            {
              if (p + 1 < le && p[1] == '"')
                p++;
              else
                {
                  p++;
                  break;
                }
            }
          g_string_append_c (scratch, *p);
        }
      /* Text after the closing quote is kept, so that a message shows it. */
      for (; p < le && *p != delim; p++)
        if (!is_blank (*p, delim))
          g_string_append_c (scratch, *p);
      *text = scratch->str;
      *len = scratch->len;
    }
  else
    {
      const char *s = p;
      const char *e;
      p = memchr (s, delim, le - s);
      if (p == NULL)
        p = le;
      e = p;
      while (e > s && is_blank (e[-1], delim))
        e--;
      *text = s;
      *len = e - s;
    }
  *pp = p;
}

/* Fields in [@ls, @le) split by @delim, counting quoted delimiters as text. */
static guint
count_fields (const char *ls, const char *le, char delim)
{
  guint n = 1;
  gboolean quoted = FALSE;
  for (const char *p = ls; p < le; p++)
    {
      if (*p == '"')
        quoted = !quoted;
      else if (*p == delim && !quoted)
        n++;
    }
  return n;
}

/* ------------------------------------------------------------------ */
/* Times */

static inline gboolean
isd (char c)
{
  return (guint) (c - '0') < 10;
}

static inline int
d2 (const char *p)
{
  return (p[0] - '0') * 10 + (p[1] - '0');
}

static const guint8 month_days[13] = { 0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

static inline gboolean
valid_date (int y, int m, int d)
{
  if (m < 1 || m > 12 || d < 1 || d > month_days[m])
    return FALSE;
  if (m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
    return FALSE;
  return TRUE;
}

static inline gint64
days_of (QlCsvReader *self, int y, int m, int d)
{
  gint64 key = (gint64) y * 10000 + m * 100 + d;
  if (G_UNLIKELY (key != self->date_key))
    {
      self->date_key = key;
      self->date_days = ql_days_from_civil (y, (unsigned) m, (unsigned) d);
    }
  return self->date_days;
}

/* HH:MM[:SS[.fraction up to 9 digits]] at @p; NULL when it is not one. */
static const char *
parse_clock (const char *p, const char *end, gint32 *secs, gint32 *nsec)
{
  int h, m, s = 0;
  gint32 ns = 0;

  if (end - p < 5 || !isd (p[0]) || !isd (p[1]) || p[2] != ':' || !isd (p[3]) || !isd (p[4]))
    return NULL;
  h = d2 (p);
  m = d2 (p + 3);
  p += 5;
  if (end - p >= 3 && p[0] == ':' && isd (p[1]) && isd (p[2]))
    {
      s = d2 (p + 1);
      p += 3;
      if (p < end && *p == '.')
        {
          int n = 0;
          for (p++; p < end && isd (*p); p++, n++)
            {
              if (n == 9)
                return NULL;
              ns = ns * 10 + (*p - '0');
            }
          if (n == 0)
            return NULL;
          ns *= (gint32) ql_num_pow10_u64[9 - n];
        }
    }
  if (h > 23 || m > 59 || s > 59)
    return NULL;
  *secs = h * 3600 + m * 60 + s;
  *nsec = ns;
  return p;
}

/* HHMMSS or HHMM, for a time-of-day column. */
static const char *
parse_clock_compact (const char *p, const char *end, gint32 *secs)
{
  int n = 0;
  while (p + n < end && isd (p[n]))
    n++;
  if (n != 4 && n != 6)
    return NULL;
  int h = d2 (p), m = d2 (p + 2), s = n == 6 ? d2 (p + 4) : 0;
  if (h > 23 || m > 59 || s > 59)
    return NULL;
  *secs = h * 3600 + m * 60 + s;
  return p + n;
}

/* An optional zone after a clock: Z, ±HH, ±HH:MM or ±HHMM. Adjusts @tv to
 * UTC when present. */
static const char *
parse_zone (const char *p, const char *end, TimeVal *tv)
{
  int sign, hh, mm = 0;

  if (p >= end)
    return p;
  if (*p == 'Z' || *p == 'z')
    {
      tv->utc = TRUE;
      return p + 1;
    }
  if (*p != '+' && *p != '-')
    return p;
  sign = *p == '-' ? -1 : 1;
  if (end - p < 3 || !isd (p[1]) || !isd (p[2]))
    return NULL;
  hh = d2 (p + 1);
  p += 3;
  if (end - p >= 3 && p[0] == ':' && isd (p[1]) && isd (p[2]))
    {
      mm = d2 (p + 1);
      p += 3;
    }
  else if (end - p >= 2 && isd (p[0]) && isd (p[1]))
    {
      mm = d2 (p);
      p += 2;
    }
  if (hh > 23 || mm > 59)
    return NULL;
  tv->sec -= sign * (hh * 3600 + mm * 60);
  tv->utc = TRUE;
  return p;
}

/* A date in any of the three written forms; sets *@has_clock_sep when a
 * 'T' or ' ' followed by a digit comes next. */
static const char *
parse_date (QlCsvReader     *self,
            const char      *p,
            const char      *end,
            TimeVal         *tv,
            QlCsvTimeFormat *fmt)
{
  int y, m, d;

  if (end - p >= 10 && p[4] == '-' && p[7] == '-' && isd (p[0]) && isd (p[1]) && isd (p[2]) &&
      isd (p[3]) && isd (p[5]) && isd (p[6]) && isd (p[8]) && isd (p[9]))
    {
      y = d2 (p) * 100 + d2 (p + 2);
      m = d2 (p + 5);
      d = d2 (p + 8);
      p += 10;
      *fmt = QL_CSV_TIME_ISO_DATE;
    }
  else if (end - p >= 8 && isd (p[0]) && (p[1] == '/' || (isd (p[1]) && p[2] == '/')))
    {
      /* M/D/YYYY or MM/DD/YYYY */
      m = p[0] - '0';
      p++;
      if (*p != '/')
        m = m * 10 + (*p++ - '0');
      p++;
      if (p >= end || !isd (*p))
        return NULL;
      d = *p++ - '0';
      if (p < end && isd (*p))
        d = d * 10 + (*p++ - '0');
      if (end - p < 5 || *p != '/' || !isd (p[1]) || !isd (p[2]) || !isd (p[3]) || !isd (p[4]))
        return NULL;
      y = d2 (p + 1) * 100 + d2 (p + 3);
      p += 5;
      *fmt = QL_CSV_TIME_US_DATE;
    }
  else if (end - p >= 8 && isd (p[0]) && isd (p[1]) && isd (p[2]) && isd (p[3]) && isd (p[4]) &&
           isd (p[5]) && isd (p[6]) && isd (p[7]) && (end - p == 8 || !isd (p[8])))
    {
      y = d2 (p) * 100 + d2 (p + 2);
      m = d2 (p + 4);
      d = d2 (p + 6);
      p += 8;
      *fmt = QL_CSV_TIME_YYYYMMDD;
    }
  else
    return NULL;
  if (!valid_date (y, m, d))
    return NULL;
  tv->sec = days_of (self, y, m, d) * 86400;
  tv->nsec = 0;
  tv->utc = FALSE;
  return p;
}

/* An epoch number: integer, optionally with a fraction, unit by magnitude
 * (see csv.h). */
static const char *
parse_epoch (const char *p, const char *end, TimeVal *tv, QlCsvTimeFormat *fmt)
{
  gboolean neg = FALSE;
  guint64 v = 0, frac9 = 0;
  int n = 0, nf = 0;
  guint64 unit;

  if (p < end && *p == '-')
    {
      neg = TRUE;
      p++;
    }
  for (; p < end && isd (*p); p++, n++)
    {
      guint64 dg = (guint64) (*p - '0');
      if (v > ((guint64) G_MAXINT64 - dg) / 10)
        return NULL;
      v = v * 10 + dg;
    }
  if (n == 0)
    return NULL;
  if (p < end && *p == '.')
    {
      for (p++; p < end && isd (*p); p++, nf++)
        {
          if (nf == 9)
            return NULL;
          frac9 = frac9 * 10 + (guint64) (*p - '0');
        }
      if (nf == 0)
        return NULL;
      frac9 *= ql_num_pow10_u64[9 - nf];
    }
  if (v < G_GUINT64_CONSTANT (100000000000))
    {
      unit = 1000000000;
      *fmt = QL_CSV_TIME_EPOCH_S;
    }
  else if (v < G_GUINT64_CONSTANT (100000000000000))
    {
      unit = 1000000;
      *fmt = QL_CSV_TIME_EPOCH_MS;
    }
  else if (v < G_GUINT64_CONSTANT (100000000000000000))
    {
      unit = 1000;
      *fmt = QL_CSV_TIME_EPOCH_US;
    }
  else
    {
      unit = 1;
      *fmt = QL_CSV_TIME_EPOCH_NS;
    }
  /* ns = v * unit + frac * unit, truncated to whole nanoseconds. */
  guint64 whole_sec = v / (1000000000 / unit);
  guint64 rest_ns = (v % (1000000000 / unit)) * unit + frac9 * unit / 1000000000;
  if (whole_sec > (guint64) SEC_MAX)
    return NULL;
  tv->sec = (gint64) whole_sec;
  tv->nsec = (gint32) rest_ns;
  if (neg && (tv->sec != 0 || tv->nsec != 0))
    {
      tv->sec = -tv->sec;
      if (tv->nsec != 0)
        {
          tv->sec--;
          tv->nsec = 1000000000 - tv->nsec;
        }
    }
  tv->utc = TRUE;
  return p;
}

/* A full time field: a date with an optional clock and zone, or an epoch
 * number. Returns the end of what it recognised, NULL when nothing fits. */
static const char *
parse_time (QlCsvReader     *self,
            const char      *p,
            const char      *end,
            TimeVal         *tv,
            QlCsvTimeFormat *fmt)
{
  const char *q;
  QlCsvTimeFormat f = QL_CSV_TIME_ISO;

  if (end - p >= 8 && isd (p[0]) && (isd (p[1]) || p[1] == '/') &&
      (p[4] == '-' || p[1] == '/' || p[2] == '/' || (self->digits_are_date && (end - p == 8 || !isd (p[8])))))
    {
      q = parse_date (self, p, end, tv, &f);
      if (q == NULL)
        return NULL;
      if (end - q >= 6 && (*q == 'T' || *q == ' ') && isd (q[1]))
        {
          gint32 secs, ns;
          q = parse_clock (q + 1, end, &secs, &ns);
          if (q == NULL)
            return NULL;
          tv->sec += secs;
          tv->nsec = ns;
          q = parse_zone (q, end, tv);
          if (f == QL_CSV_TIME_ISO_DATE)
            f = QL_CSV_TIME_ISO;
          else if (f == QL_CSV_TIME_US_DATE)
            f = QL_CSV_TIME_US;
        }
    }
  else
    q = parse_epoch (p, end, tv, &f);
  if (fmt != NULL)
    *fmt = f;
  return q;
}

/* The DATE column of a date + time pair. */
static const char *
parse_date_field (QlCsvReader *self, const char *p, const char *end, TimeVal *tv)
{
  QlCsvTimeFormat f;
  return parse_date (self, p, end, tv, &f);
}

/* The time-of-day column of a date + time pair: seconds of the day in
 * @tv->sec, and a zone if written. */
static const char *
parse_clock_field (const char *p, const char *end, TimeVal *tv)
{
  gint32 secs, ns = 0;
  const char *q = parse_clock (p, end, &secs, &ns);
  if (q == NULL)
    q = parse_clock_compact (p, end, &secs);
  if (q == NULL)
    return NULL;
  tv->sec = secs;
  tv->nsec = ns;
  tv->utc = FALSE;
  return parse_zone (q, end, tv);
}

/* Finds the UTC edge of zone interval @i around @t (which lies in it):
 * with @dir > 0 the first second after it, else its first second; TZ_FAR
 * (signed) when it reaches beyond 400 years. */
static gint64
interval_edge (GTimeZone *tz, int i, gint64 t, int dir)
{
  gint64 inside = t, outside, step = 86400;

  for (;;)
    {
      gint64 probe = t + dir * step;
      if (step > G_GINT64_CONSTANT (400) * 366 * 86400)
        return dir * TZ_FAR;
      if (g_time_zone_find_interval (tz, G_TIME_TYPE_UNIVERSAL, probe) != i)
        {
          outside = probe;
          break;
        }
      inside = probe;
      step *= 2;
    }
  while (ABS (outside - inside) > 1)
    {
      gint64 mid = inside + (outside - inside) / 2;
      if (g_time_zone_find_interval (tz, G_TIME_TYPE_UNIVERSAL, mid) == i)
        inside = mid;
      else
        outside = mid;
    }
  return dir > 0 ? outside : inside;
}

/* Local wall seconds to UTC seconds in self->tz. Inside the cached
 * interval (away from its edges) this is one subtraction; otherwise one
 * GTimeZone lookup, and when the interval changed, a search for its edges
 * (about 80 lookups, once per DST period). */
static gint64
local_to_utc (QlCsvReader *self, gint64 local, gint32 *nsec)
{
  gint64 adjusted = local;
  int i;
  gint32 off;

  if (G_LIKELY (local >= self->tz_lo && local < self->tz_hi))
    return local - self->tz_off;

  i = g_time_zone_adjust_time (self->tz, G_TIME_TYPE_STANDARD, &adjusted);
  off = g_time_zone_get_offset (self->tz, i);
  if (adjusted != local)
    *nsec = 0; /* skipped by a DST change: the first instant after the gap */
  if (i != self->tz_interval)
    {
      gint64 utc = adjusted - off;
      self->tz_interval = i;
      self->tz_lo = self->tz_hi = 0;
      if (g_time_zone_find_interval (self->tz, G_TIME_TYPE_UNIVERSAL, utc) == i)
        {
          gint64 lo = interval_edge (self->tz, i, utc, -1);
          gint64 hi = interval_edge (self->tz, i, utc, +1);
          self->tz_off = off;
          self->tz_lo = lo + off + TZ_MARGIN;
          self->tz_hi = hi + off - TZ_MARGIN;
        }
    }
  return adjusted - off;
}

static gboolean
time_to_ns (QlCsvReader *self, TimeVal *tv, QlTimeNs *out)
{
  gint64 sec = tv->sec;

  if (!tv->utc && self->tz != NULL)
    {
      if (sec < SEC_MIN - 2 * 86400 || sec > SEC_MAX + 2 * 86400)
        return FALSE;
      sec = local_to_utc (self, sec, &tv->nsec);
    }
  if (sec < SEC_MIN || sec > SEC_MAX)
    return FALSE;
  *out = sec * QL_NS_PER_SEC + tv->nsec;
  return TRUE;
}

static const char *
time_example (QlCsvTimeFormat fmt)
{
  switch (fmt)
    {
    case QL_CSV_TIME_ISO:
      return "YYYY-MM-DD HH:MM:SS";
    case QL_CSV_TIME_ISO_DATE:
      return "YYYY-MM-DD";
    case QL_CSV_TIME_YYYYMMDD:
      return "YYYYMMDD";
    case QL_CSV_TIME_US:
      return "MM/DD/YYYY HH:MM:SS";
    case QL_CSV_TIME_US_DATE:
      return "MM/DD/YYYY";
    case QL_CSV_TIME_EPOCH_S:
      return "epoch seconds";
    case QL_CSV_TIME_EPOCH_MS:
      return "epoch milliseconds";
    case QL_CSV_TIME_EPOCH_US:
      return "epoch microseconds";
    case QL_CSV_TIME_EPOCH_NS:
      return "epoch nanoseconds";
    default:
      g_assert_not_reached ();
    }
}

/* ------------------------------------------------------------------ */
/* Rows */

/* The slow path of a number field: cut out, unquote, parse or explain. */
static gboolean
slow_number (QlCsvReader *self,
             const char **pp,
             const char  *ls,
             const char  *le,
             int          col,
             gint64      *out,
             GError     **error)
{
  const char *fs = *pp;
  const char *text;
  gsize len;
  gboolean qty = is_qty_column (col);
  int scale = qty ? self->layout.qty_scale : self->layout.price_scale;
  g_autofree char *quoted = NULL;
  int need;

  split_field (self->scratch, pp, le, self->layout.delimiter, &text, &len);
  if (len == 0)
    {
      if (qty)
        {
          *out = 0;
          return TRUE;
        }
      return row_error (self, error, QL_CSV_ERROR_MISSING_FIELD, ls, fs, "%s is empty",
                        column_names[col]);
    }
  switch (ql_num_parse_fixed (text, len, scale, out))
    {
    case QL_NUM_OK:
      return TRUE;
    case QL_NUM_INVALID:
      quoted = quote_text (text, len);
      return row_error (self, error, QL_CSV_ERROR_BAD_NUMBER, ls, fs, "%s \"%s\" is not a number",
                        column_names[col], quoted);
    case QL_NUM_TOO_PRECISE:
      quoted = quote_text (text, len);
      need = ql_num_significant_decimals (text, len);
      if (need > QL_NUM_SCALE_MAX)
        return row_error (self, error, QL_CSV_ERROR_SCALE, ls, fs,
                          "%s \"%s\" has %d significant decimals; at most %d are supported",
                          column_names[col], quoted, need, QL_NUM_SCALE_MAX);
      return row_error (self, error, QL_CSV_ERROR_SCALE, ls, fs,
                        "%s \"%s\" has %d significant decimals, more than the %s scale %d "
                        "(from the first rows or as given); pass --%s-scale %d",
                        column_names[col], quoted, need, qty ? "quantity" : "price", scale,
                        qty ? "qty" : "price", need);
    case QL_NUM_TOO_LARGE:
    default:
      quoted = quote_text (text, len);
      return row_error (self, error, QL_CSV_ERROR_OVERFLOW, ls, fs,
                        "%s \"%s\" has too many digits: at scale %d its fixed-point value "
                        "exceeds 2^53, and no market %s has 16 or more significant digits",
                        column_names[col], quoted, scale, qty ? "quantity" : "price");
    }
}

/* Fast path of a time-like column; NULL when the slow path must decide. */
static inline const char *
scan_time_column (QlCsvReader *self, int col, const char *p, const char *le, TimeVal *tv)
{
  switch (col)
    {
    case QL_CSV_COL_TIME:
      return parse_time (self, p, le, tv, NULL);
    case QL_CSV_COL_DATE:
      return parse_date_field (self, p, le, tv);
    default:
      return parse_clock_field (p, le, tv);
    }
}

static gboolean
slow_time (QlCsvReader *self,
           const char **pp,
           const char  *ls,
           const char  *le,
           int          col,
           TimeVal     *tv,
           GError     **error)
{
  const char *fs = *pp;
  const char *text;
  gsize len;
  g_autofree char *quoted = NULL;

  split_field (self->scratch, pp, le, self->layout.delimiter, &text, &len);
  if (len == 0)
    return row_error (self, error, QL_CSV_ERROR_MISSING_FIELD, ls, fs, "%s is empty",
                      column_names[col]);
  if (scan_time_column (self, col, text, text + len, tv) == text + len)
    return TRUE;
  quoted = quote_text (text, len);
  return row_error (self, error, QL_CSV_ERROR_BAD_TIME, ls, fs,
                    "%s \"%s\" is not a valid %s (expected such as %s)",
                    column_names[col], quoted,
                    col == QL_CSV_COL_CLOCK ? "time of day" : col == QL_CSV_COL_DATE ? "date" : "time",
                    col == QL_CSV_COL_CLOCK ? "HH:MM:SS" : time_example (self->layout.time_format));
}

static gboolean
word_is (const char *text, gsize len, const char *word)
{
  return strlen (word) == len && g_ascii_strncasecmp (text, word, len) == 0;
}

static gboolean
parse_side (QlCsvReader *self,
            const char **pp,
            const char  *ls,
            const char  *le,
            int          col,
            guint32     *flags,
            GError     **error)
{
  const char *fs = *pp;
  const char *text;
  gsize len;
  g_autofree char *quoted = NULL;

  split_field (self->scratch, pp, le, self->layout.delimiter, &text, &len);
  if (len == 0)
    return TRUE;
  if (col == QL_CSV_COL_SIDE)
    {
      if (word_is (text, len, "buy") || word_is (text, len, "b"))
        *flags |= QL_TICK_FLAG_BUY;
      else if (word_is (text, len, "sell") || word_is (text, len, "s"))
        *flags |= QL_TICK_FLAG_SELL;
      else
        goto bad;
      return TRUE;
    }
  /* is_buyer_maker: the resting order was the buyer, so the aggressor sold. */
  if (word_is (text, len, "true") || word_is (text, len, "1"))
    *flags |= QL_TICK_FLAG_SELL;
  else if (word_is (text, len, "false") || word_is (text, len, "0"))
    *flags |= QL_TICK_FLAG_BUY;
  else
    goto bad;
  return TRUE;

bad:
  quoted = quote_text (text, len);
  return row_error (self, error, QL_CSV_ERROR_BAD_FIELD, ls, fs, "%s \"%s\" is not %s",
                    column_names[col], quoted,
                    col == QL_CSV_COL_SIDE ? "buy or sell" : "true or false");
}

static gboolean
check_ohlc (QlCsvReader       *self,
            const QlCsvRecord *rec,
            const char        *ls,
            const char *const *at,
            GError           **error)
{
  char a[32], b[32];
  int s = self->layout.price_scale;
  static const int others[] = { QL_CSV_COL_OPEN, QL_CSV_COL_CLOSE, QL_CSV_COL_LOW };
  const gint64 vals[] = { rec->open, rec->close, rec->low };

  for (guint k = 0; k < G_N_ELEMENTS (others); k++)
    if (rec->high < vals[k])
      return row_error (self, error, QL_CSV_ERROR_INCONSISTENT, ls, at[QL_CSV_COL_HIGH],
                        "high %s is below %s %s", ql_num_format_fixed (rec->high, s, a, sizeof a),
                        column_names[others[k]], ql_num_format_fixed (vals[k], s, b, sizeof b));
  for (guint k = 0; k < 2; k++)
    if (rec->low > vals[k])
      return row_error (self, error, QL_CSV_ERROR_INCONSISTENT, ls, at[QL_CSV_COL_LOW],
                        "low %s is above %s %s", ql_num_format_fixed (rec->low, s, a, sizeof a),
                        column_names[others[k]], ql_num_format_fixed (vals[k], s, b, sizeof b));
  return TRUE;
}

/* Parses the row [@ls, @le) of line self->line into @rec. */
static gboolean
parse_row (QlCsvReader *self,
           const char  *ls,
           const char  *le,
           QlCsvRecord *rec,
           GError     **error)
{
  const QlCsvLayout *lay = &self->layout;
  const char delim = lay->delimiter;
  const int ps = lay->price_scale, qs = lay->qty_scale;
  const guint n = lay->n_columns;
  const char *p = ls;
  gint64 v[QL_CSV_N_COLS];
  const char *at[QL_CSV_N_COLS];
  TimeVal tv = { 0 }, clock = { 0 };
  guint32 flags = 0;

  v[QL_CSV_COL_VOLUME] = v[QL_CSV_COL_OPEN_INTEREST] = v[QL_CSV_COL_SIZE] = 0;
  v[QL_CSV_COL_PRICE] = v[QL_CSV_COL_BID] = v[QL_CSV_COL_ASK] = 0;
  at[QL_CSV_COL_TIME] = at[QL_CSV_COL_DATE] = ls;

  for (guint c = 0; c < n; c++)
    {
      const int col = lay->columns[c];
      const char *fs = p;
      const char *q;
      QlNumStatus st;

      switch (col)
        {
        case QL_CSV_COL_OPEN:
        case QL_CSV_COL_HIGH:
        case QL_CSV_COL_LOW:
        case QL_CSV_COL_CLOSE:
        case QL_CSV_COL_PRICE:
        case QL_CSV_COL_BID:
        case QL_CSV_COL_ASK:
          q = ql_num_scan (p, le, ps, &v[col], &st);
          if (G_LIKELY (st == QL_NUM_OK && (q == le || *q == delim)))
            p = q;
          else if (!slow_number (self, &p, ls, le, col, &v[col], error))
            return FALSE;
          break;
        case QL_CSV_COL_VOLUME:
        case QL_CSV_COL_OPEN_INTEREST:
        case QL_CSV_COL_SIZE:
          q = ql_num_scan (p, le, qs, &v[col], &st);
          if (G_LIKELY (st == QL_NUM_OK && (q == le || *q == delim)))
            p = q;
          else if (!slow_number (self, &p, ls, le, col, &v[col], error))
            return FALSE;
          break;
        case QL_CSV_COL_TIME:
        case QL_CSV_COL_DATE:
        case QL_CSV_COL_CLOCK:
          {
            TimeVal *t = col == QL_CSV_COL_CLOCK ? &clock : &tv;
            q = scan_time_column (self, col, p, le, t);
            if (G_LIKELY (q != NULL && (q == le || *q == delim)))
              p = q;
            else if (!slow_time (self, &p, ls, le, col, t, error))
              return FALSE;
          }
          break;
        case QL_CSV_COL_SIDE:
        case QL_CSV_COL_BUYER_MAKER:
          if (!parse_side (self, &p, ls, le, col, &flags, error))
            return FALSE;
          break;
        default:
          while (p < le && *p != delim && *p != '"')
            p++;
          if (p < le && *p == '"')
            {
              const char *text;
              gsize len;
              p = fs;
              split_field (self->scratch, &p, le, delim, &text, &len);
            }
          break;
        }
      at[col] = fs;
      if (c + 1 < n)
        {
          if (G_UNLIKELY (p >= le))
            return row_error (self, error, QL_CSV_ERROR_MISSING_FIELD, ls, le,
                              "missing fields: %u found, %u expected (next: %s)",
                              c + 1, n, column_names[lay->columns[c + 1]]);
          p++;
        }
    }
  if (G_UNLIKELY (p < le))
    return row_error (self, error, QL_CSV_ERROR_EXTRA_FIELD, ls, p + 1,
                      "extra field: %u expected", n);

  memset (rec, 0, sizeof *rec);
  rec->line = self->line;
  if (lay->split_date_time)
    {
      tv.sec += clock.sec;
      tv.nsec = clock.nsec;
      tv.utc = clock.utc; /* parse_zone already moved clock.sec to UTC */
    }
  if (G_UNLIKELY (!time_to_ns (self, &tv, &rec->time)))
    return row_error (self, error, QL_CSV_ERROR_BAD_TIME, ls,
                      at[lay->split_date_time ? QL_CSV_COL_DATE : QL_CSV_COL_TIME],
                      "time is out of range (1678 to 2261)");

  if (lay->kind == QL_CSV_BARS)
    {
      rec->open = v[QL_CSV_COL_OPEN];
      rec->high = v[QL_CSV_COL_HIGH];
      rec->low = v[QL_CSV_COL_LOW];
      rec->close = v[QL_CSV_COL_CLOSE];
      rec->volume = v[QL_CSV_COL_VOLUME];
      rec->open_interest = v[QL_CSV_COL_OPEN_INTEREST];
      return check_ohlc (self, rec, ls, at, error);
    }

  rec->price = v[QL_CSV_COL_PRICE];
  rec->size = v[QL_CSV_COL_SIZE];
  rec->bid = v[QL_CSV_COL_BID];
  rec->ask = v[QL_CSV_COL_ASK];
  if (lay->has_trades)
    flags |= QL_TICK_FLAG_TRADE;
  if (lay->has_quotes)
    flags |= QL_TICK_FLAG_QUOTE;
  rec->flags = flags;
  return TRUE;
}

gboolean
ql_csv_reader_next (QlCsvReader *self,
                    QlCsvRecord *rec,
                    GError     **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (rec != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  for (;;)
    {
      const char *ls, *le;
      int r = next_line (self, &ls, &le, error);

      if (r <= 0)
        return FALSE;
      /* A line starting with '#' is a comment (sample files say where they
       * come from that way). */
      if (G_UNLIKELY (ls < le && *ls == '#'))
        continue;
      if (G_UNLIKELY (ls == le || is_blank (*ls, self->layout.delimiter) ||
                      *ls == self->layout.delimiter))
        {
          /* Blank lines (spaces, tabs, nothing) are skipped. */
          const char *p = ls;
          while (p < le && (*p == ' ' || *p == '\t'))
            p++;
          if (p == le)
            continue;
        }
      return parse_row (self, ls, le, rec, error);
    }
}

/* ------------------------------------------------------------------ */
/* Detection */

typedef struct
{
  const char *ls, *le;
  guint64 line;
} SampleLine;

/* Lines of the first block: complete ones, plus the last if at the end. */
static guint
sample_lines (QlCsvReader *self, SampleLine *out, guint max, gsize *bytes)
{
  const char *p = self->buf + self->pos;
  const char *end = self->buf + self->end;
  guint64 line = self->line;
  guint n = 0;

  while (p < end && n < max)
    {
      const char *nl = memchr (p, '\n', end - p);
      const char *le;

      if (nl == NULL && !self->eof)
        break;
      le = nl != NULL ? nl : end;
      line++;
      if (le > p && le[-1] == '\r')
        le--;
      gboolean blank = TRUE;
      for (const char *q = p; q < le; q++)
        if (*q != ' ' && *q != '\t')
          {
            blank = q == p && *q == '#'; /* a comment line counts as blank */
            break;
          }
      if (!blank)
        {
          out[n].ls = p;
          out[n].le = le;
          out[n].line = line;
          n++;
        }
      p = nl != NULL ? nl + 1 : end;
    }
  if (bytes != NULL)
    *bytes = (gsize) (p - (self->buf + self->pos));
  return n;
}

/* Splits a line into cleaned fields. (transfer full) */
static GPtrArray *
split_line (QlCsvReader *self, const char *ls, const char *le)
{
  GPtrArray *fields = g_ptr_array_new_with_free_func (g_free);
  const char *p = ls;

  for (;;)
    {
      const char *text;
      gsize len;
      split_field (self->scratch, &p, le, self->layout.delimiter, &text, &len);
      g_ptr_array_add (fields, g_strndup (text, len));
      if (p >= le)
        break;
      p++;
    }
  return fields;
}

static gboolean
is_bool_text (const char *s)
{
  return g_ascii_strcasecmp (s, "true") == 0 || g_ascii_strcasecmp (s, "false") == 0;
}

static gboolean
is_number_text (const char *s)
{
  return ql_num_count_decimals (s, strlen (s)) >= 0;
}

static gboolean
is_time_text (QlCsvReader *self, const char *s)
{
  TimeVal tv;
  gsize len = strlen (s);
  gboolean saved = self->digits_are_date;
  const char *q;

  self->digits_are_date = TRUE;
  q = parse_time (self, s, s + len, &tv, NULL);
  self->digits_are_date = saved;
  if (q == s + len)
    return TRUE;
  return parse_date_field (self, s, s + len, &tv) == s + len ||
         parse_clock_field (s, s + len, &tv) == s + len;
}

static gboolean
is_date_only_text (QlCsvReader *self, const char *s)
{
  TimeVal tv;
  gsize len = strlen (s);
  return parse_date_field (self, s, s + len, &tv) == s + len;
}

static gboolean
is_clock_text (const char *s)
{
  TimeVal tv;
  gsize len = strlen (s);
  gint32 secs, ns;
  return parse_clock (s, s + len, &secs, &ns) != NULL && parse_clock_field (s, s + len, &tv) == s + len;
}

/* Header names, lower case with spaces, '_', '-', '.', quotes and <> dropped. */
static const struct
{
  const char *name;
  QlCsvColumn col;
} header_names[] = {
  { "time", QL_CSV_COL_TIME },
  { "datetime", QL_CSV_COL_TIME },
  { "timestamp", QL_CSV_COL_TIME },
  { "date", QL_CSV_COL_DATE },
  { "gmttime", QL_CSV_COL_TIME },
  { "localtime", QL_CSV_COL_TIME },
  { "opentime", QL_CSV_COL_TIME },
  { "ts", QL_CSV_COL_TIME },
  { "open", QL_CSV_COL_OPEN },
  { "o", QL_CSV_COL_OPEN },
  { "high", QL_CSV_COL_HIGH },
  { "h", QL_CSV_COL_HIGH },
  { "low", QL_CSV_COL_LOW },
  { "l", QL_CSV_COL_LOW },
  { "close", QL_CSV_COL_CLOSE },
  { "c", QL_CSV_COL_CLOSE },
  { "adjclose", QL_CSV_COL_IGNORE },
  { "volume", QL_CSV_COL_VOLUME },
  { "vol", QL_CSV_COL_VOLUME },
  { "v", QL_CSV_COL_VOLUME },
  { "openinterest", QL_CSV_COL_OPEN_INTEREST },
  { "oi", QL_CSV_COL_OPEN_INTEREST },
  { "price", QL_CSV_COL_PRICE },
  { "last", QL_CSV_COL_PRICE },
  { "lastprice", QL_CSV_COL_PRICE },
  { "tradeprice", QL_CSV_COL_PRICE },
  { "qty", QL_CSV_COL_SIZE },
  { "quantity", QL_CSV_COL_SIZE },
  { "size", QL_CSV_COL_SIZE },
  { "amount", QL_CSV_COL_SIZE },
  { "tradesize", QL_CSV_COL_SIZE },
  { "bid", QL_CSV_COL_BID },
  { "bidprice", QL_CSV_COL_BID },
  { "ask", QL_CSV_COL_ASK },
  { "askprice", QL_CSV_COL_ASK },
  { "offer", QL_CSV_COL_ASK },
  { "side", QL_CSV_COL_SIDE },
  { "isbuyermaker", QL_CSV_COL_BUYER_MAKER },
};

/* The role of a header name; *@is_time tells whether it is exactly "time"
 * (the time-of-day half when a "date" column exists too). */
static QlCsvColumn
column_for_header (const char *raw, gboolean *is_time)
{
  g_autoptr (GString) s = g_string_new (NULL);

  for (const char *p = raw; *p != '\0'; p++)
    if (strchr (" _-.<>\"'", *p) == NULL)
      g_string_append_c (s, g_ascii_tolower (*p));
  *is_time = strcmp (s->str, "time") == 0;
  for (guint i = 0; i < G_N_ELEMENTS (header_names); i++)
    if (strcmp (s->str, header_names[i].name) == 0)
      return header_names[i].col;
  return QL_CSV_COL_IGNORE;
}

static gboolean G_GNUC_PRINTF (3, 4)
format_error (QlCsvReader *self, GError **error, const char *format, ...)
{
  va_list args;
  g_autofree char *msg = NULL;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, QL_CSV_ERROR, QL_CSV_ERROR_FORMAT, "%s: %s", self->name, msg);
  return FALSE;
}

static void
set_positional (QlCsvLayout *lay, const QlCsvColumn *cols, guint n_cols)
{
  for (guint i = 0; i < lay->n_columns; i++)
    lay->columns[i] = i < n_cols ? cols[i] : QL_CSV_COL_IGNORE;
}

/* Column roles for a file without a header, from @format or from the
 * shape of the first data row @f. */
static gboolean
positional_roles (QlCsvReader *self, const char *format, GPtrArray *f, GError **error)
{
  QlCsvLayout *lay = &self->layout;
  guint n = f->len;
  const char *f0 = g_ptr_array_index (f, 0);
  const char *f1 = n > 1 ? g_ptr_array_index (f, 1) : "";
  guint first = 1;
  guint k;

  if (g_strcmp0 (format, "binance-klines") == 0 ||
      (format == NULL && n == 12 && strlen (f0) >= 12 && ql_num_count_decimals (f0, strlen (f0)) == 0 &&
       is_number_text (g_ptr_array_index (f, 6))))
    {
      static const QlCsvColumn k_cols[] = {
        QL_CSV_COL_TIME, QL_CSV_COL_OPEN, QL_CSV_COL_HIGH, QL_CSV_COL_LOW, QL_CSV_COL_CLOSE,
        QL_CSV_COL_VOLUME,
      };
      if (n < 6)
        return format_error (self, error, "binance klines have 12 columns, the first row has %u", n);
      set_positional (lay, k_cols, G_N_ELEMENTS (k_cols));
      lay->format = "binance-klines";
      return TRUE;
    }
  if (g_strcmp0 (format, "binance-trades") == 0 ||
      (format == NULL && (n == 7 || n == 6) && is_bool_text (g_ptr_array_index (f, 5)) &&
       ql_num_count_decimals (g_ptr_array_index (f, 4), strlen (g_ptr_array_index (f, 4))) == 0))
    {
      static const QlCsvColumn t_cols[] = {
        QL_CSV_COL_IGNORE, QL_CSV_COL_PRICE, QL_CSV_COL_SIZE, QL_CSV_COL_IGNORE, QL_CSV_COL_TIME,
        QL_CSV_COL_BUYER_MAKER,
      };
      if (n < 6)
        return format_error (self, error, "binance trades have 7 columns, the first row has %u", n);
      set_positional (lay, t_cols, G_N_ELEMENTS (t_cols));
      lay->format = "binance-trades";
      return TRUE;
    }

  /* A date and a time of day in two columns, or one time column. */
  if (n >= 3 && is_date_only_text (self, f0) && is_clock_text (f1))
    {
      lay->columns[0] = QL_CSV_COL_DATE;
      lay->columns[1] = QL_CSV_COL_CLOCK;
      first = 2;
    }
  else
    lay->columns[0] = QL_CSV_COL_TIME;
  k = n - first;

  if (format == NULL)
    {
      if (k >= 4 && k <= 6)
        format = "ohlcv";
      else if (k == 1 || k == 2)
        format = "ticks";
      else
        return format_error (self, error,
                             "no header and %u columns after the time: cannot tell what they "
                             "hold; add a header (time,open,high,low,close,volume) or pass --format",
                             k);
    }
  if (strcmp (format, "ohlcv") == 0)
    {
      static const QlCsvColumn b_cols[] = {
        QL_CSV_COL_OPEN, QL_CSV_COL_HIGH, QL_CSV_COL_LOW, QL_CSV_COL_CLOSE, QL_CSV_COL_VOLUME,
        QL_CSV_COL_OPEN_INTEREST,
      };
      if (k < 4)
        return format_error (self, error, "ohlcv needs open, high, low and close after the time; "
                                          "the first row has %u columns", n);
      for (guint i = 0; i < k; i++)
        lay->columns[first + i] = i < G_N_ELEMENTS (b_cols) ? b_cols[i] : QL_CSV_COL_IGNORE;
    }
  else if (strcmp (format, "ticks") == 0)
    {
      static const QlCsvColumn t_cols[] = { QL_CSV_COL_PRICE, QL_CSV_COL_SIZE, QL_CSV_COL_SIDE };
      if (k < 1)
        return format_error (self, error, "ticks need a price after the time");
      for (guint i = 0; i < k; i++)
        lay->columns[first + i] = i < G_N_ELEMENTS (t_cols) ? t_cols[i] : QL_CSV_COL_IGNORE;
    }
  else if (strcmp (format, "quotes") == 0)
    {
      if (k < 2)
        return format_error (self, error, "quotes need a bid and an ask after the time");
      lay->columns[first] = QL_CSV_COL_BID;
      lay->columns[first + 1] = QL_CSV_COL_ASK;
      for (guint i = 2; i < k; i++)
        lay->columns[first + i] = QL_CSV_COL_IGNORE;
    }
  return TRUE;
}

/* Column roles from the header names @h. */
static gboolean
header_roles (QlCsvReader *self, GPtrArray *h, GError **error)
{
  QlCsvLayout *lay = &self->layout;
  gboolean seen[QL_CSV_N_COLS] = { FALSE };
  int date_at = -1, time_at = -1;

  for (guint i = 0; i < h->len; i++)
    {
      const char *name = g_ptr_array_index (h, i);
      gboolean is_time;
      QlCsvColumn col = column_for_header (name, &is_time);

      /* An empty first cell is a pandas index: the time. */
      if (i == 0 && name[0] == '\0')
        col = QL_CSV_COL_TIME;
      if (col != QL_CSV_COL_IGNORE && seen[col])
        col = QL_CSV_COL_IGNORE; /* the first of two same-named columns counts */
      if (col != QL_CSV_COL_IGNORE)
        seen[col] = TRUE;
      if (col == QL_CSV_COL_DATE)
        date_at = (int) i;
      if (col == QL_CSV_COL_TIME && is_time)
        time_at = (int) i;
      lay->columns[i] = col;
    }
  if (date_at >= 0 && time_at >= 0)
    {
      lay->columns[time_at] = QL_CSV_COL_CLOCK;
      lay->split_date_time = TRUE;
    }
  else if (date_at >= 0)
    {
      /* "Date" alone holds the whole time (a date, or a date and time). */
      gboolean other_time = FALSE;
      for (guint i = 0; i < h->len; i++)
        other_time |= lay->columns[i] == QL_CSV_COL_TIME;
      lay->columns[date_at] = other_time ? QL_CSV_COL_IGNORE : QL_CSV_COL_TIME;
    }
  return TRUE;
}

/* Kind, format name and flags from the roles; checks @format if given. */
static gboolean
settle_kind (QlCsvReader *self, const char *format, GError **error)
{
  QlCsvLayout *lay = &self->layout;
  gboolean has[QL_CSV_N_COLS] = { FALSE };
  guint n_ohlc;

  for (guint i = 0; i < lay->n_columns; i++)
    has[lay->columns[i]] = TRUE;
  if (!has[QL_CSV_COL_TIME] && !(has[QL_CSV_COL_DATE] && has[QL_CSV_COL_CLOCK]))
    return format_error (self, error, "no time column; name it time, date, datetime or timestamp");

  n_ohlc = has[QL_CSV_COL_OPEN] + has[QL_CSV_COL_HIGH] + has[QL_CSV_COL_LOW] + has[QL_CSV_COL_CLOSE];
  if (n_ohlc == 4)
    {
      lay->kind = QL_CSV_BARS;
      if (lay->format == NULL)
        lay->format = "ohlcv";
      lay->has_volume = has[QL_CSV_COL_VOLUME];
      lay->has_open_interest = has[QL_CSV_COL_OPEN_INTEREST];
      /* Tick columns in a bars file are not read. */
      for (guint i = 0; i < lay->n_columns; i++)
        if (lay->columns[i] >= QL_CSV_COL_PRICE)
          lay->columns[i] = QL_CSV_COL_IGNORE;
    }
  else if (n_ohlc > 0 && !has[QL_CSV_COL_PRICE] && !has[QL_CSV_COL_BID])
    return format_error (self, error, "bars need open, high, low and close columns; "
                                      "the header has only %u of them", n_ohlc);
  else if (has[QL_CSV_COL_PRICE] || (has[QL_CSV_COL_BID] && has[QL_CSV_COL_ASK]))
    {
      lay->kind = QL_CSV_TICKS;
      lay->has_trades = has[QL_CSV_COL_PRICE];
      lay->has_quotes = has[QL_CSV_COL_BID] && has[QL_CSV_COL_ASK];
      if (lay->format == NULL)
        lay->format = lay->has_trades ? "ticks" : "quotes";
      for (guint i = 0; i < lay->n_columns; i++)
        {
          int c = lay->columns[i];
          if (c == QL_CSV_COL_VOLUME && !has[QL_CSV_COL_SIZE])
            lay->columns[i] = QL_CSV_COL_SIZE; /* a ticks file's volume is the trade size */
          else if ((c >= QL_CSV_COL_OPEN && c <= QL_CSV_COL_OPEN_INTEREST) ||
                   (!lay->has_quotes && (c == QL_CSV_COL_BID || c == QL_CSV_COL_ASK)) ||
                   (!lay->has_trades && c == QL_CSV_COL_SIZE))
            lay->columns[i] = QL_CSV_COL_IGNORE;
        }
      for (guint i = 0; i < lay->n_columns; i++)
        {
          lay->has_volume |= lay->columns[i] == QL_CSV_COL_SIZE;
          lay->has_side |= lay->columns[i] == QL_CSV_COL_SIDE ||
                           lay->columns[i] == QL_CSV_COL_BUYER_MAKER;
        }
    }
  else
    return format_error (self, error, "no price columns; expected open, high, low, close "
                                      "(bars), price (trades) or bid and ask (quotes)");

  if (format != NULL)
    {
      gboolean fits = (strcmp (format, "ohlcv") == 0 && lay->kind == QL_CSV_BARS) ||
                      (strcmp (format, "ticks") == 0 && lay->has_trades) ||
                      (strcmp (format, "quotes") == 0 && lay->has_quotes) ||
                      strcmp (format, lay->format) == 0;
      if (!fits)
        return format_error (self, error, "the columns do not fit --format %s (they look like %s)",
                             format, lay->format);
      if (strcmp (format, "quotes") == 0)
        lay->format = "quotes";
    }
  return TRUE;
}

static const char *
delimiter_name (char d)
{
  switch (d)
    {
    case ',':
      return "comma";
    case '\t':
      return "tab";
    case ';':
      return "semicolon";
    default:
      return "pipe";
    }
}

static void
describe (QlCsvReader *self)
{
  QlCsvLayout *lay = &self->layout;
  const char *zone = self->tz != NULL ? g_time_zone_get_identifier (self->tz) : "UTC";
  const char *time_kind = lay->split_date_time ? "date and time columns, " : "";
  const char *clock_kind = lay->split_date_time ? " + HH:MM:SS" : "";
  g_autofree char *extras = g_strdup_printf ("%s%s%s%s",
                                             lay->has_volume ? (lay->kind == QL_CSV_BARS ? ", volume" : ", size") : "",
                                             lay->has_open_interest ? ", open interest" : "",
                                             lay->kind == QL_CSV_TICKS && lay->has_quotes ? ", bid/ask" : "",
                                             lay->has_side ? ", side" : "");

  g_snprintf (lay->description, sizeof lay->description,
              "%s (%s%s), %s-separated, %s header; time: %s%s%s%s; "
              "price decimals %d%s%d; times without a zone in %s",
              lay->kind == QL_CSV_BARS ? "bars" : "ticks", lay->format, extras,
              delimiter_name (lay->delimiter), lay->has_header ? "with" : "no", time_kind,
              time_example (lay->time_format), clock_kind,
              lay->time_format >= QL_CSV_TIME_EPOCH_S ? " (unit by magnitude)" : "",
              lay->price_scale, lay->kind == QL_CSV_BARS ? ", volume decimals " : ", size decimals ",
              lay->qty_scale, zone);
}

static gboolean
detect_layout (QlCsvReader        *self,
               const QlCsvOptions *opts,
               GError            **error)
{
  QlCsvLayout *lay = &self->layout;
  SampleLine sample[DETECT_SAMPLE_LINES];
  const char *format = opts->format;
  g_autoptr (GPtrArray) first = NULL;
  g_autoptr (GPtrArray) row = NULL;
  guint n_sample;
  guint data_at;
  gsize bytes;

  if (format != NULL && strcmp (format, "ohlcv") != 0 && strcmp (format, "ticks") != 0 &&
      strcmp (format, "quotes") != 0 && strcmp (format, "binance-klines") != 0 &&
      strcmp (format, "binance-trades") != 0)
    return format_error (self, error, "unknown format \"%s\"; use ohlcv, ticks, quotes, "
                                      "binance-klines or binance-trades", format);

  n_sample = sample_lines (self, sample, DETECT_SAMPLE_LINES, NULL);
  if (n_sample == 0)
    return format_error (self, error, self->eof ? "no rows" : "no complete line in the first MiB");

  /* Delimiter: the candidate that splits the sample lines into the same
   * number (>= 2) of fields most often, then the most fields. */
  {
    static const char candidates[] = { ',', '\t', ';', '|' };
    guint best_score = 0, best_n = 0;
    char best = ',';
    for (guint c = 0; c < G_N_ELEMENTS (candidates); c++)
      {
        guint n0 = count_fields (sample[0].ls, sample[0].le, candidates[c]);
        guint score = 0;
        if (n0 < 2)
          continue;
        for (guint i = 0; i < n_sample; i++)
          score += count_fields (sample[i].ls, sample[i].le, candidates[c]) == n0;
        if (score > best_score || (score == best_score && n0 > best_n))
          {
            best_score = score;
            best_n = n0;
            best = candidates[c];
          }
      }
    if (best_n == 0)
      return format_error (self, error, "line %" G_GUINT64_FORMAT " has one column only; "
                                        "expected fields separated by comma, tab, semicolon or pipe",
                           sample[0].line);
    lay->delimiter = best;
  }

  first = split_line (self, sample[0].ls, sample[0].le);
  if (first->len > QL_CSV_MAX_COLUMNS)
    return format_error (self, error, "line %" G_GUINT64_FORMAT " has %u columns, more than %d",
                         sample[0].line, first->len, QL_CSV_MAX_COLUMNS);
  lay->n_columns = first->len;

  /* A header has a field that is not empty, a number, a boolean or a time. */
  lay->has_header = FALSE;
  for (guint i = 0; i < first->len; i++)
    {
      const char *s = g_ptr_array_index (first, i);
      if (s[0] != '\0' && !is_number_text (s) && !is_bool_text (s) && !is_time_text (self, s))
        lay->has_header = TRUE;
    }
  data_at = lay->has_header ? 1 : 0;
  if (data_at >= n_sample)
    return format_error (self, error, "a header and no rows");
  row = split_line (self, sample[data_at].ls, sample[data_at].le);

  if (lay->has_header && (format == NULL || !g_str_has_prefix (format, "binance")))
    {
      if (!header_roles (self, first, error))
        return FALSE;
    }
  else if (!positional_roles (self, format, row, error))
    return FALSE;
  if (!settle_kind (self, format, error))
    return FALSE;

  /* The time format of the first row; an 8-digit first time is a date. */
  {
    const char *t = NULL;
    TimeVal tv;
    QlCsvTimeFormat f = QL_CSV_TIME_ISO;
    for (guint i = 0; i < lay->n_columns && i < row->len; i++)
      if (lay->columns[i] == QL_CSV_COL_TIME || lay->columns[i] == QL_CSV_COL_DATE)
        t = g_ptr_array_index (row, i);
    if (t == NULL)
      return format_error (self, error, "line %" G_GUINT64_FORMAT " has no time field",
                           sample[data_at].line);
    self->digits_are_date = strlen (t) == 8 && is_date_only_text (self, t) && t[0] >= '1' && t[0] <= '2';
    if (parse_time (self, t, t + strlen (t), &tv, &f) != t + strlen (t))
      {
        g_autofree char *quoted = quote_text (t, strlen (t));
        return format_error (self, error,
                             "line %" G_GUINT64_FORMAT ": time \"%s\" is not in a known format "
                             "(YYYY-MM-DD[ HH:MM:SS[.f]][Z|+HH:MM], YYYYMMDD, MM/DD/YYYY[ HH:MM:SS], "
                             "epoch s/ms/us/ns)", sample[data_at].line, quoted);
      }
    lay->time_format = f;
  }

  /* Scales: the most decimals written in the first block's rows. */
  if (opts->price_scale < 0 || opts->qty_scale < 0)
    {
      SampleLine *rows = g_new (SampleLine, DETECT_ROWS + 1);
      guint n_rows = sample_lines (self, rows, DETECT_ROWS + 1, &bytes);
      int pmax = 0, qmax = 0;

      for (guint r = data_at; r < n_rows; r++)
        {
          const char *p = rows[r].ls;
          for (guint c = 0; c < lay->n_columns; c++)
            {
              const char *text;
              gsize len;
              int col = lay->columns[c];
              split_field (self->scratch, &p, rows[r].le, lay->delimiter, &text, &len);
              if (is_price_column (col) || is_qty_column (col))
                {
                  int d = ql_num_count_decimals (text, len);
                  if (is_price_column (col))
                    pmax = MAX (pmax, d);
                  else
                    qmax = MAX (qmax, d);
                }
              if (p >= rows[r].le)
                break;
              p++;
            }
        }
      lay->price_scale = opts->price_scale >= 0 ? opts->price_scale : MIN (pmax, QL_NUM_SCALE_MAX);
      lay->qty_scale = opts->qty_scale >= 0 ? opts->qty_scale : MIN (qmax, QL_NUM_SCALE_MAX);
      self->avg_line_len = n_rows > 0 ? MAX (bytes / n_rows, 1) : 64;
      g_free (rows);
    }
  else
    {
      lay->price_scale = opts->price_scale;
      lay->qty_scale = opts->qty_scale;
      self->avg_line_len = 64;
    }

  describe (self);

  /* Consume the header; rows start after it. */
  if (lay->has_header)
    {
      const char *ls, *le;
      while (self->line < sample[0].line)
        if (next_line (self, &ls, &le, error) <= 0)
          return FALSE;
    }
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* Construction */

static QlCsvReader *
reader_new (const char *name, const QlCsvOptions *opts)
{
  QlCsvReader *self = g_new0 (QlCsvReader, 1);

  self->name = g_strdup (name);
  self->fd = -1;
  self->scratch = g_string_sized_new (64);
  self->tz = opts->tz != NULL ? g_time_zone_ref (opts->tz) : NULL;
  self->tz_interval = -1;
  self->date_key = -1;
  return self;
}

static gboolean
reader_start (QlCsvReader *self, const QlCsvOptions *opts, GError **error)
{
  /* The whole first block, for detection. */
  while (!self->eof && self->end - self->pos < BLOCK_SIZE)
    if (!fill (self, error))
      return FALSE;
  if (self->end - self->pos >= 3 && memcmp (self->buf + self->pos, "\xEF\xBB\xBF", 3) == 0)
    self->pos += 3;
  return detect_layout (self, opts, error);
}

static gboolean
check_options (const QlCsvOptions *opts, GError **error)
{
  if (opts->price_scale > QL_NUM_SCALE_MAX || opts->qty_scale > QL_NUM_SCALE_MAX)
    {
      g_set_error (error, QL_CSV_ERROR, QL_CSV_ERROR_FORMAT,
                   "scales are at most %d decimals", QL_NUM_SCALE_MAX);
      return FALSE;
    }
  return TRUE;
}

QlCsvReader *
ql_csv_reader_new_for_path (const char         *path,
                            const QlCsvOptions *opts,
                            GError            **error)
{
  QlCsvOptions defaults;
  g_autoptr (QlCsvReader) self = NULL;
  struct stat st;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (opts == NULL)
    {
      ql_csv_options_init (&defaults);
      opts = &defaults;
    }
  if (!check_options (opts, error))
    return NULL;
  self = reader_new (path, opts);
  self->fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  if (self->fd < 0)
    {
      int saved = errno;
      g_set_error (error, QL_CSV_ERROR, QL_CSV_ERROR_IO, "%s: cannot open: %s", path,
                   g_strerror (saved));
      return NULL;
    }
  if (fstat (self->fd, &st) == 0)
    self->size = (guint64) st.st_size;
  self->cap = 2 * BLOCK_SIZE;
  self->owned_buf = g_malloc (self->cap);
  self->buf = self->owned_buf;
  if (!reader_start (self, opts, error))
    return NULL;
  return g_steal_pointer (&self);
}

QlCsvReader *
ql_csv_reader_new_for_data (const char         *name,
                            const char         *data,
                            gsize               len,
                            const QlCsvOptions *opts,
                            GError            **error)
{
  QlCsvOptions defaults;
  g_autoptr (QlCsvReader) self = NULL;

  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (opts == NULL)
    {
      ql_csv_options_init (&defaults);
      opts = &defaults;
    }
  if (!check_options (opts, error))
    return NULL;
  self = reader_new (name, opts);
  self->buf = data != NULL ? data : "";
  self->end = len;
  self->size = len;
  self->eof = TRUE;
  if (!reader_start (self, opts, error))
    return NULL;
  return g_steal_pointer (&self);
}

void
ql_csv_reader_free (QlCsvReader *self)
{
  if (self == NULL)
    return;
  if (self->fd >= 0)
    close (self->fd);
  g_free (self->owned_buf);
  g_string_free (self->scratch, TRUE);
  g_clear_pointer (&self->tz, g_time_zone_unref);
  g_free (self->name);
  g_free (self);
}

const QlCsvLayout *
ql_csv_reader_get_layout (QlCsvReader *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return &self->layout;
}

guint64
ql_csv_reader_get_offset (QlCsvReader *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->buf_offset + self->pos;
}

guint64
ql_csv_reader_get_size (QlCsvReader *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->size;
}

/* Appends every row of @reader to @series (a bar series). */
static gboolean
read_bar_rows (QlCsvReader *reader,
               QlSeries    *series,
               GError     **error)
{
  int ps = reader->layout.price_scale;
  int qs = reader->layout.qty_scale;
  QlCsvRecord rec;

  while (ql_csv_reader_next (reader, &rec, error))
    {
      gsize row = ql_series_append_row (series);
      ql_series_i64 (series, QL_BAR_TIME)[row] = rec.time;
      ql_series_f64 (series, QL_BAR_OPEN)[row] = ql_num_to_double (rec.open, ps);
      ql_series_f64 (series, QL_BAR_HIGH)[row] = ql_num_to_double (rec.high, ps);
      ql_series_f64 (series, QL_BAR_LOW)[row] = ql_num_to_double (rec.low, ps);
      ql_series_f64 (series, QL_BAR_CLOSE)[row] = ql_num_to_double (rec.close, ps);
      ql_series_f64 (series, QL_BAR_VOLUME)[row] = ql_num_to_double (rec.volume, qs);
    }
  return error == NULL || *error == NULL;
}

/* The second half of a file read on a second thread. Its line numbers
 * start after the newlines of the first half, counted here too. */
typedef struct
{
  QlCsvReader *reader;
  QlSeries *series;
  const char *first_half;
  gsize first_half_len;
  GError *error;
} HalfJob;

static gpointer
half_job_run (gpointer data)
{
  HalfJob *job = data;
  const char *p = job->first_half, *end = p + job->first_half_len;

  while ((p = memchr (p, '\n', (gsize) (end - p))) != NULL)
    job->reader->line++, p++;
  read_bar_rows (job->reader, job->series, &job->error);
  return NULL;
}

/* Files smaller than this are read on one thread. */
#define PARALLEL_MIN_BYTES (8u << 20)

gboolean
ql_csv_read_bars (const char         *path,
                  const QlCsvOptions *opts,
                  QlSeries          **bars,
                  QlCsvLayout        *layout_out,
                  GError            **error)
{
  g_autoptr (GMappedFile) mapped = NULL;
  g_autoptr (QlCsvReader) reader = NULL;
  g_autoptr (QlSeries) series = NULL;
  g_autoptr (GError) local_error = NULL;
  QlCsvOptions defaults;
  const char *data;
  gsize len, rows;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (bars != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (opts == NULL)
    {
      ql_csv_options_init (&defaults);
      opts = &defaults;
    }
  /* The whole file at once: this function keeps every row anyway, and a
   * mapping lets two threads parse its halves. */
  mapped = g_mapped_file_new (path, FALSE, &local_error);
  if (mapped == NULL)
    {
      g_set_error (error, QL_CSV_ERROR, QL_CSV_ERROR_IO, "%s", local_error->message);
      return FALSE;
    }
  data = g_mapped_file_get_contents (mapped);
  len = g_mapped_file_get_length (mapped);
  reader = ql_csv_reader_new_for_data (path, data != NULL ? data : "", len, opts, error);
  if (reader == NULL)
    return FALSE;
  if (reader->layout.kind != QL_CSV_BARS)
    {
      g_set_error (error, QL_CSV_ERROR, QL_CSV_ERROR_FORMAT, "%s: holds ticks (%s), not bars",
                   path, reader->layout.format);
      return FALSE;
    }
  rows = reader->size / reader->avg_line_len;
  series = ql_series_new_bars ();

  if (len - reader->pos >= PARALLEL_MIN_BYTES)
    {
      gsize mid = reader->pos + (len - reader->pos) / 2;
      const char *nl = memchr (data + mid, '\n', len - mid);
      if (nl != NULL && (gsize) (nl + 1 - data) < len)
        {
          g_autoptr (QlSeries) second_rows = ql_series_new_bars ();
          HalfJob job = { 0 };
          GThread *thread;

          job.reader = reader_new (path, opts);
          job.reader->buf = data;
          job.reader->pos = (gsize) (nl + 1 - data);
          job.reader->end = len;
          job.reader->size = len;
          job.reader->eof = TRUE;
          job.reader->layout = reader->layout;
          job.reader->digits_are_date = reader->digits_are_date;
          job.reader->avg_line_len = reader->avg_line_len;
          job.reader->line = reader->line;
          job.series = second_rows;
          job.first_half = data + reader->pos;
          job.first_half_len = (gsize) (nl + 1 - data) - reader->pos;
          reader->end = (gsize) (nl + 1 - data);

          ql_series_reserve (series, rows + rows / 16 + 16);
          ql_series_reserve (second_rows, rows / 2 + rows / 16 + 16);
          thread = g_thread_new ("ql-csv-read", half_job_run, &job);
          read_bar_rows (reader, series, &local_error);
          g_thread_join (thread);
          ql_csv_reader_free (job.reader);
          /* The first bad row of the file wins, as when reading in one go. */
          if (local_error != NULL)
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              g_clear_error (&job.error);
              return FALSE;
            }
          if (job.error != NULL)
            {
              g_propagate_error (error, job.error);
              return FALSE;
            }
          gsize base = series->len;
          ql_series_reserve (series, base + second_rows->len);
          series->len = base + second_rows->len;
          for (guint c = 0; c < series->n_columns; c++)
            memcpy ((gint64 *) series->columns[c] + base, second_rows->columns[c],
                    second_rows->len * sizeof (gint64));
          goto done;
        }
    }

  ql_series_reserve (series, rows + rows / 16 + 16);
  if (!read_bar_rows (reader, series, &local_error))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

done:
  if (layout_out != NULL)
    *layout_out = reader->layout;
  *bars = g_steal_pointer (&series);
  return TRUE;
}
