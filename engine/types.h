/* engine/types.h — the engine's units and forward declarations.
 *
 * Time is nanoseconds since the Unix epoch, UTC. Prices and quantities in
 * the order path are int64 fixed point: a QlPrice counts units of
 * 10^-price_scale of the instrument's currency, a QlQty units of
 * 10^-qty_scale (see engine/instrument.h). Indicators work in double. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef gint64 QlTimeNs;  /* ns since 1970-01-01T00:00:00Z */
typedef gint64 QlMonoNs;  /* monotonic clock, never mixed with QlTimeNs */
typedef gint64 QlPrice;   /* instrument price units, 10^-price_scale */
typedef gint64 QlQty;     /* instrument quantity units, 10^-qty_scale */

#define QL_NS_PER_US  G_GINT64_CONSTANT (1000)
#define QL_NS_PER_MS  G_GINT64_CONSTANT (1000000)
#define QL_NS_PER_SEC G_GINT64_CONSTANT (1000000000)
#define QL_NS_PER_MIN (60 * QL_NS_PER_SEC)
#define QL_NS_PER_HOUR (3600 * QL_NS_PER_SEC)
#define QL_NS_PER_DAY (86400 * QL_NS_PER_SEC)

/* No valid time is this small; it marks "no time" (an empty series' last time). */
#define QL_TIME_NONE G_MININT64

typedef struct QlInstrument QlInstrument;
typedef struct QlSeries QlSeries;
typedef struct QlTick QlTick;
typedef struct QlBar QlBar;
typedef struct QlTimeframe QlTimeframe;
typedef struct QlAggregator QlAggregator;

G_END_DECLS
