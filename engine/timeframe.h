/* engine/timeframe.h — bar timeframes written as traders write them.
 *
 *   15s 1m 5m 1h 4h   N seconds, minutes, hours (aligned to the trading day)
 *   1d 1w 1M          days, weeks, months (trading days in the instrument's zone)
 *   100t              bars of 100 ticks
 *   1000v             bars of 1000 units of volume
 *
 * 'm' is minutes and 'M' months; d, w, h, s, t and v may be upper case. The
 * canonical text (ql_timeframe_format) names the store's series kinds. */
#pragma once

#include "engine/types.h"

G_BEGIN_DECLS

typedef enum
{
  QL_TF_SECONDS, /* n seconds, n >= 1 */
  QL_TF_DAYS,
  QL_TF_WEEKS,
  QL_TF_MONTHS,
  QL_TF_TICKS,   /* n ticks per bar */
  QL_TF_VOLUME,  /* n units of volume per bar */
} QlTimeframeUnit;

struct QlTimeframe
{
  QlTimeframeUnit unit;
  gint64 n; /* >= 1 */
};

#define QL_TIMEFRAME_ERROR (ql_timeframe_error_quark ())
GQuark ql_timeframe_error_quark (void);

typedef enum
{
  QL_TIMEFRAME_ERROR_INVALID,
} QlTimeframeError;

#define QL_TIMEFRAME_FORMS "15s, 1m, 5m, 1h, 4h, 1d, 1w, 1M (month), 100t (ticks), 1000v (volume)"

gboolean ql_timeframe_parse (const char  *text,
                             QlTimeframe *tf,
                             GError     **error);
/* Canonical text, such as "1h" for 60m, into @buf of @size bytes (16 is enough). */
const char *ql_timeframe_format (const QlTimeframe *tf,
                                 char              *buf,
                                 gsize              size);
/* TRUE for units measured in time (seconds to months). */
gboolean ql_timeframe_is_time_based (const QlTimeframe *tf);
/* Nominal length in ns of a seconds/days/weeks timeframe; 0 for the others. */
gint64   ql_timeframe_nominal_ns (const QlTimeframe *tf);
/* TRUE when bars of @small can be combined into bars of @large exactly
 * (both time based, and every @large bar boundary is a @small boundary). */
gboolean ql_timeframe_divides (const QlTimeframe *small,
                               const QlTimeframe *large);

G_END_DECLS
