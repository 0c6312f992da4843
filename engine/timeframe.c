/* engine/timeframe.c — parsing and printing timeframes. */
#define G_LOG_DOMAIN "ql-engine-timeframe"

#include "engine/timeframe.h"

#include <string.h>

G_DEFINE_QUARK (ql-timeframe-error-quark, ql_timeframe_error)

gboolean
ql_timeframe_parse (const char  *text,
                    QlTimeframe *tf,
                    GError     **error)
{
  const char *p = text;
  gint64 n = 0;

  g_return_val_if_fail (text != NULL && tf != NULL, FALSE);

  while (g_ascii_isdigit (*p))
    {
      if (n > G_MAXINT64 / 10 - 10)
        goto bad;
      n = n * 10 + (*p - '0');
      p++;
    }
  if (p == text || n == 0 || p[0] == '\0' || p[1] != '\0')
    goto bad;

  switch (p[0])
    {
    case 's': case 'S':
      tf->unit = QL_TF_SECONDS;
      break;
    case 'm':
      if (n > G_MAXINT64 / 60)
        goto bad;
      tf->unit = QL_TF_SECONDS, n *= 60;
      break;
    case 'h': case 'H':
      if (n > G_MAXINT64 / 3600)
        goto bad;
      tf->unit = QL_TF_SECONDS, n *= 3600;
      break;
    case 'd': case 'D':
      tf->unit = QL_TF_DAYS;
      break;
    case 'w': case 'W':
      tf->unit = QL_TF_WEEKS;
      break;
    case 'M':
      tf->unit = QL_TF_MONTHS;
      break;
    case 't': case 'T':
      tf->unit = QL_TF_TICKS;
      break;
    case 'v': case 'V':
      tf->unit = QL_TF_VOLUME;
      break;
    default:
      goto bad;
    }
  /* Bounds that keep every derived nanosecond count in range. */
  if ((tf->unit == QL_TF_SECONDS && n > G_GINT64_CONSTANT (86400) * 366 * 100) ||
      (tf->unit != QL_TF_SECONDS && tf->unit != QL_TF_TICKS && tf->unit != QL_TF_VOLUME &&
       n > 10000))
    goto bad;
  tf->n = n;
  return TRUE;

bad:
  g_set_error (error, QL_TIMEFRAME_ERROR, QL_TIMEFRAME_ERROR_INVALID,
               "timeframe \"%s\" is not valid; write a positive count and a unit: %s",
               text, QL_TIMEFRAME_FORMS);
  return FALSE;
}

const char *
ql_timeframe_format (const QlTimeframe *tf,
                     char              *buf,
                     gsize              size)
{
  gint64 n = tf->n;
  char unit = '?';

  switch (tf->unit)
    {
    case QL_TF_SECONDS:
      if (n % 3600 == 0)
        n /= 3600, unit = 'h';
      else if (n % 60 == 0)
        n /= 60, unit = 'm';
      else
        unit = 's';
      break;
    case QL_TF_DAYS: unit = 'd'; break;
    case QL_TF_WEEKS: unit = 'w'; break;
    case QL_TF_MONTHS: unit = 'M'; break;
    case QL_TF_TICKS: unit = 't'; break;
    case QL_TF_VOLUME: unit = 'v'; break;
    }
  g_snprintf (buf, size, "%" G_GINT64_FORMAT "%c", n, unit);
  return buf;
}

gboolean
ql_timeframe_is_time_based (const QlTimeframe *tf)
{
  return tf->unit != QL_TF_TICKS && tf->unit != QL_TF_VOLUME;
}

gint64
ql_timeframe_nominal_ns (const QlTimeframe *tf)
{
  switch (tf->unit)
    {
    case QL_TF_SECONDS: return tf->n * QL_NS_PER_SEC;
    case QL_TF_DAYS: return tf->n * QL_NS_PER_DAY;
    case QL_TF_WEEKS: return tf->n * 7 * QL_NS_PER_DAY;
    case QL_TF_MONTHS:
    case QL_TF_TICKS:
    case QL_TF_VOLUME:
      break;
    }
  return 0;
}

gboolean
ql_timeframe_divides (const QlTimeframe *small,
                      const QlTimeframe *large)
{
  if (!ql_timeframe_is_time_based (small) || !ql_timeframe_is_time_based (large))
    return FALSE;
  switch (small->unit)
    {
    case QL_TF_SECONDS:
      /* Intraday bars restart at each trading day, so a bar of @small never
       * straddles a day; it must also fit the @large grid within the day. */
      if (large->unit == QL_TF_SECONDS)
        return large->n % small->n == 0;
      return TRUE;
    case QL_TF_DAYS:
      if (large->unit == QL_TF_DAYS)
        return large->n % small->n == 0;
      return small->n == 1 && (large->unit == QL_TF_WEEKS || large->unit == QL_TF_MONTHS);
    case QL_TF_WEEKS:
      return large->unit == QL_TF_WEEKS && large->n % small->n == 0;
    case QL_TF_MONTHS:
      return large->unit == QL_TF_MONTHS && large->n % small->n == 0;
    case QL_TF_TICKS:
    case QL_TF_VOLUME:
      break;
    }
  return FALSE;
}
