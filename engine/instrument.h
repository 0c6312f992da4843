/* engine/instrument.h — what is traded and how its numbers are written.
 *
 * An instrument fixes the fixed-point scales of its prices and quantities
 * (a QlPrice of 123456 with price_scale 4 is 12.3456), its tick and lot
 * sizes on that grid, and the IANA time zone and session hours from which
 * trading days, weeks and months are computed. The struct is public because
 * the aggregator and the order engine read it in inner loops. */
#pragma once

#include "engine/types.h"

G_BEGIN_DECLS

#define QL_SYMBOL_MAX 32
#define QL_EXCHANGE_MAX 24
#define QL_CURRENCY_MAX 8
#define QL_SCALE_MAX 9 /* 10^9 price units still leave 9.2e9 of range */

struct QlInstrument
{
  char symbol[QL_SYMBOL_MAX];      /* normalised: "BTCUSDT" */
  char exchange[QL_EXCHANGE_MAX];  /* "" when unknown, else "BINANCE" */
  char currency[QL_CURRENCY_MAX];  /* quote currency, "" when unknown */
  int price_scale;                 /* decimals of a QlPrice, 0..QL_SCALE_MAX */
  int qty_scale;                   /* decimals of a QlQty, 0..QL_SCALE_MAX */
  QlPrice tick_size;               /* price grid step in price units, >= 1 */
  QlQty lot_size;                  /* quantity step in quantity units, >= 1 */
  char *tz_name;                   /* IANA name, "UTC" by default (owned) */
  GTimeZone *tz;                   /* owned reference */
  int session_start_min;           /* local minutes after midnight, 0..1439 */
  int session_end_min;             /* equal to start: the session is 24 h */
};

#define QL_INSTRUMENT_ERROR (ql_instrument_error_quark ())
GQuark ql_instrument_error_quark (void);

typedef enum
{
  QL_INSTRUMENT_ERROR_BAD_SYMBOL,
  QL_INSTRUMENT_ERROR_BAD_TIMEZONE,
  QL_INSTRUMENT_ERROR_BAD_SESSION,
  QL_INSTRUMENT_ERROR_FAILED,
} QlInstrumentError;

/* Fills @self with defaults (UTC, 24 h session, scales 0, tick and lot 1)
 * and the normalised @symbol. Fails on a symbol that does not normalise. */
gboolean ql_instrument_init (QlInstrument *self,
                             const char   *symbol,
                             GError      **error);
void     ql_instrument_clear (QlInstrument *self);
/* Copies @src into the uninitialised @dst. */
void     ql_instrument_copy (QlInstrument       *dst,
                             const QlInstrument *src);

gboolean ql_instrument_set_timezone (QlInstrument *self,
                                     const char   *tz_name,
                                     GError      **error);
/* "09:30-16:00", or "24h"/"" for a session that never closes. */
gboolean ql_instrument_set_session (QlInstrument *self,
                                    const char   *hours,
                                    GError      **error);

/* Normalises "btc-usdt", "BTC/USDT", "binance:btcusdt" to the symbol
 * "BTCUSDT" and the exchange ("" or "BINANCE"). Separators - / _ and
 * spaces are dropped; letters are upper-cased; digits, '.' and '!' kept. */
gboolean ql_symbol_normalize (const char *text,
                              char        symbol[QL_SYMBOL_MAX],
                              char        exchange[QL_EXCHANGE_MAX],
                              GError    **error);

/* 10^n for 0 <= n <= 18. */
gint64 ql_pow10_i64 (int n);

/* Exact conversion: the double nearest to price / 10^scale, the same
 * double strtod () gives for the decimal text. */
static inline double
ql_price_to_double (const QlInstrument *inst, QlPrice price)
{
  extern const double ql__pow10_f64[];
  return (double) price / ql__pow10_f64[inst->price_scale];
}

static inline double
ql_qty_to_double (const QlInstrument *inst, QlQty qty)
{
  extern const double ql__pow10_f64[];
  return (double) qty / ql__pow10_f64[inst->qty_scale];
}

/* Rounds half away from zero, as llround () does, without its library
 * call; values past int64 saturate and NaN gives 0. Inline: a backtest
 * converts every bar it reads. */
static inline gint64
ql__round_to_i64 (double v)
{
  gint64 t;
  double frac;

  if (!(v > -9.2e18 && v < 9.2e18))
    return v != v ? 0 : v > 0 ? G_MAXINT64 : G_MININT64;
  /* v - trunc (v) is exact, so the half-way test is too (v + 0.5 would
   * round 0.49999999999999994 up). */
  t = (gint64) v;
  frac = v - (double) t;
  return t + (frac >= 0.5) - (frac <= -0.5);
}

/* Rounds @value to the nearest price unit. */
static inline QlPrice
ql_price_from_double (const QlInstrument *inst, double value)
{
  extern const double ql__pow10_f64[];
  return ql__round_to_i64 (value * ql__pow10_f64[inst->price_scale]);
}

static inline QlQty
ql_qty_from_double (const QlInstrument *inst, double value)
{
  extern const double ql__pow10_f64[];
  return ql__round_to_i64 (value * ql__pow10_f64[inst->qty_scale]);
}

/* The trading day containing @t: [*day_start, *day_end). A day begins at
 * session_start_min local time. A session that opens in the afternoon or
 * evening (start >= 12:00, as FX at 17:00 New York) is named after the next
 * date, the one on which most of it lies; otherwise after its opening date.
 * @label_days (nullable) receives that date as days since 1970-01-01. */
void ql_instrument_trading_day (const QlInstrument *self,
                                QlTimeNs            t,
                                QlTimeNs           *day_start,
                                QlTimeNs           *day_end,
                                gint64             *label_days);

/* UTC time of local midnight + @minutes on the civil date @days (days since
 * 1970-01-01) in the instrument's zone. A local time that a DST change skips
 * maps to the first instant after the gap. */
QlTimeNs ql_instrument_local_to_utc (const QlInstrument *self,
                                     gint64              days,
                                     int                 minutes);

/* Civil date helpers (proleptic Gregorian, days since 1970-01-01). */
gint64 ql_days_from_civil (gint64 y, unsigned m, unsigned d);
void   ql_civil_from_days (gint64 days, gint64 *y, unsigned *m, unsigned *d);

G_END_DECLS
