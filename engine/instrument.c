/* engine/instrument.c — instruments, symbol normalisation, trading days. */
#define G_LOG_DOMAIN "ql-engine-instrument"

#include "engine/instrument.h"

#include <math.h>
#include <string.h>

G_DEFINE_QUARK (ql-instrument-error-quark, ql_instrument_error)

const double ql__pow10_f64[] = {
  1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9,
  1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18,
};

gint64
ql_pow10_i64 (int n)
{
  static const gint64 p[] = {
    G_GINT64_CONSTANT (1),
    G_GINT64_CONSTANT (10),
    G_GINT64_CONSTANT (100),
    G_GINT64_CONSTANT (1000),
    G_GINT64_CONSTANT (10000),
    G_GINT64_CONSTANT (100000),
    G_GINT64_CONSTANT (1000000),
    G_GINT64_CONSTANT (10000000),
    G_GINT64_CONSTANT (100000000),
    G_GINT64_CONSTANT (1000000000),
    G_GINT64_CONSTANT (10000000000),
    G_GINT64_CONSTANT (100000000000),
    G_GINT64_CONSTANT (1000000000000),
    G_GINT64_CONSTANT (10000000000000),
    G_GINT64_CONSTANT (100000000000000),
    G_GINT64_CONSTANT (1000000000000000),
    G_GINT64_CONSTANT (10000000000000000),
    G_GINT64_CONSTANT (100000000000000000),
    G_GINT64_CONSTANT (1000000000000000000),
  };
  g_return_val_if_fail (n >= 0 && n <= 18, 0);
  return p[n];
}

gboolean
ql_symbol_normalize (const char *text,
                     char        symbol[QL_SYMBOL_MAX],
                     char        exchange[QL_EXCHANGE_MAX],
                     GError    **error)
{
  const char *colon;
  const char *sym_text = text;
  gsize n = 0;

  g_return_val_if_fail (text != NULL, FALSE);

  exchange[0] = '\0';
  colon = strchr (text, ':');
  if (colon != NULL)
    {
      gsize elen = 0;
      for (const char *p = text; p < colon; p++)
        {
          if (!g_ascii_isalnum (*p) && *p != '_')
            {
              g_set_error (error, QL_INSTRUMENT_ERROR, QL_INSTRUMENT_ERROR_BAD_SYMBOL,
                           "symbol \"%s\": the exchange before ':' may hold only letters, "
                           "digits and '_'", text);
              return FALSE;
            }
          if (elen + 1 >= QL_EXCHANGE_MAX)
            {
              g_set_error (error, QL_INSTRUMENT_ERROR, QL_INSTRUMENT_ERROR_BAD_SYMBOL,
                           "symbol \"%s\": the exchange name is longer than %d characters",
                           text, QL_EXCHANGE_MAX - 1);
              return FALSE;
            }
          exchange[elen++] = g_ascii_toupper (*p);
        }
      exchange[elen] = '\0';
      if (elen == 0)
        {
          g_set_error (error, QL_INSTRUMENT_ERROR, QL_INSTRUMENT_ERROR_BAD_SYMBOL,
                       "symbol \"%s\": nothing before ':'; write EXCHANGE:SYMBOL", text);
          return FALSE;
        }
      sym_text = colon + 1;
    }

  for (const char *p = sym_text; *p != '\0'; p++)
    {
      char c = *p;
      if (c == '-' || c == '/' || c == '_' || c == ' ')
        continue;
      if (!g_ascii_isalnum (c) && c != '.' && c != '!')
        {
          g_set_error (error, QL_INSTRUMENT_ERROR, QL_INSTRUMENT_ERROR_BAD_SYMBOL,
                       "symbol \"%s\": character '%c' is not allowed; use letters, digits, "
                       "'.', '!', and - / _ as separators", text, c);
          return FALSE;
        }
      if (n + 1 >= QL_SYMBOL_MAX)
        {
          g_set_error (error, QL_INSTRUMENT_ERROR, QL_INSTRUMENT_ERROR_BAD_SYMBOL,
                       "symbol \"%s\" is longer than %d characters", text, QL_SYMBOL_MAX - 1);
          return FALSE;
        }
      symbol[n++] = g_ascii_toupper (c);
    }
  symbol[n] = '\0';
  if (n == 0)
    {
      g_set_error (error, QL_INSTRUMENT_ERROR, QL_INSTRUMENT_ERROR_BAD_SYMBOL,
                   "symbol \"%s\" is empty", text);
      return FALSE;
    }
  return TRUE;
}

gboolean
ql_instrument_init (QlInstrument *self,
                    const char   *symbol,
                    GError      **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  memset (self, 0, sizeof *self);
  self->tick_size = 1;
  self->lot_size = 1;
  self->tz_name = g_strdup ("UTC");
  self->tz = g_time_zone_new_utc ();
  if (!ql_symbol_normalize (symbol, self->symbol, self->exchange, error))
    {
      ql_instrument_clear (self);
      return FALSE;
    }
  return TRUE;
}

void
ql_instrument_clear (QlInstrument *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->tz_name, g_free);
  g_clear_pointer (&self->tz, g_time_zone_unref);
}

void
ql_instrument_copy (QlInstrument       *dst,
                    const QlInstrument *src)
{
  *dst = *src;
  dst->tz_name = g_strdup (src->tz_name);
  dst->tz = src->tz != NULL ? g_time_zone_ref (src->tz) : NULL;
}

gboolean
ql_instrument_set_timezone (QlInstrument *self,
                            const char   *tz_name,
                            GError      **error)
{
  GTimeZone *tz;

  g_return_val_if_fail (self != NULL && tz_name != NULL, FALSE);

  /* g_time_zone_new_identifier () returns NULL for names it cannot load,
   * unlike g_time_zone_new (), which silently falls back to UTC. */
  tz = g_time_zone_new_identifier (tz_name);
  if (tz == NULL)
    {
      g_set_error (error, QL_INSTRUMENT_ERROR, QL_INSTRUMENT_ERROR_BAD_TIMEZONE,
                   "unknown time zone \"%s\"; use an IANA name such as "
                   "\"America/New_York\" or \"UTC\"", tz_name);
      return FALSE;
    }
  g_clear_pointer (&self->tz, g_time_zone_unref);
  self->tz = tz;
  g_free (self->tz_name);
  self->tz_name = g_strdup (tz_name);
  return TRUE;
}

static gboolean
parse_hhmm (const char *s, int *minutes)
{
  if (!g_ascii_isdigit (s[0]) || !g_ascii_isdigit (s[1]) || s[2] != ':' ||
      !g_ascii_isdigit (s[3]) || !g_ascii_isdigit (s[4]))
    return FALSE;
  int h = (s[0] - '0') * 10 + (s[1] - '0');
  int m = (s[3] - '0') * 10 + (s[4] - '0');
  if (h > 23 || m > 59)
    return FALSE;
  *minutes = h * 60 + m;
  return TRUE;
}

gboolean
ql_instrument_set_session (QlInstrument *self,
                           const char   *hours,
                           GError      **error)
{
  int start, end;

  g_return_val_if_fail (self != NULL && hours != NULL, FALSE);

  if (hours[0] == '\0' || g_ascii_strcasecmp (hours, "24h") == 0)
    {
      self->session_start_min = 0;
      self->session_end_min = 0;
      return TRUE;
    }
  if (strlen (hours) != 11 || hours[5] != '-' || !parse_hhmm (hours, &start) ||
      !parse_hhmm (hours + 6, &end))
    {
      g_set_error (error, QL_INSTRUMENT_ERROR, QL_INSTRUMENT_ERROR_BAD_SESSION,
                   "session \"%s\" is not HH:MM-HH:MM (such as 09:30-16:00) or 24h", hours);
      return FALSE;
    }
  self->session_start_min = start;
  self->session_end_min = end;
  return TRUE;
}

/* Howard Hinnant's days_from_civil / civil_from_days, public domain
 * algorithms for the proleptic Gregorian calendar. */
gint64
ql_days_from_civil (gint64 y, unsigned m, unsigned d)
{
  y -= m <= 2;
  const gint64 era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = (unsigned) (y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + (gint64) doe - 719468;
}

void
ql_civil_from_days (gint64 z, gint64 *y, unsigned *m, unsigned *d)
{
  z += 719468;
  const gint64 era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = (unsigned) (z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const gint64 yy = (gint64) yoe + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = yy + (*m <= 2);
}

static gint64
floor_div (gint64 a, gint64 b)
{
  gint64 q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0)))
    q--;
  return q;
}

QlTimeNs
ql_instrument_local_to_utc (const QlInstrument *self,
                            gint64              days,
                            int                 minutes)
{
  gint64 local = days * 86400 + (gint64) minutes * 60;
  gint64 adjusted = local;
  int interval = g_time_zone_adjust_time (self->tz, G_TIME_TYPE_STANDARD, &adjusted);
  gint32 offset = g_time_zone_get_offset (self->tz, interval);
  return (adjusted - offset) * QL_NS_PER_SEC;
}

void
ql_instrument_trading_day (const QlInstrument *self,
                           QlTimeNs            t,
                           QlTimeNs           *day_start,
                           QlTimeNs           *day_end,
                           gint64             *label_days)
{
  gint64 t_sec = floor_div (t, QL_NS_PER_SEC);
  int interval = g_time_zone_find_interval (self->tz, G_TIME_TYPE_UNIVERSAL, t_sec);
  gint64 local = t_sec + g_time_zone_get_offset (self->tz, interval);
  gint64 days = floor_div (local - (gint64) self->session_start_min * 60, 86400);
  QlTimeNs start = ql_instrument_local_to_utc (self, days, self->session_start_min);

  /* Around a DST change the local start computed above can land after @t
   * (or a day before): step until start <= t < end. */
  while (start > t)
    {
      days--;
      start = ql_instrument_local_to_utc (self, days, self->session_start_min);
    }
  QlTimeNs end = ql_instrument_local_to_utc (self, days + 1, self->session_start_min);
  while (end <= t)
    {
      days++;
      start = end;
      end = ql_instrument_local_to_utc (self, days + 1, self->session_start_min);
    }
  if (day_start != NULL)
    *day_start = start;
  if (day_end != NULL)
    *day_end = end;
  if (label_days != NULL)
    *label_days = days + (self->session_start_min >= 720 ? 1 : 0);
}
