/* engine/aggregate.c — the bar aggregator (rules in engine/aggregate.h). */
#define G_LOG_DOMAIN "ql-engine-aggregate"

#include "engine/aggregate.h"

#include <math.h>

G_DEFINE_QUARK (ql-aggregator-error-quark, ql_aggregator_error)

struct QlAggregator
{
  QlInstrument inst;        /* owned copy */
  QlTimeframe tf;
  gboolean time_based;
  gboolean source_ok;       /* push_bar allowed: a source timeframe was accepted */
  gint64 step_ns;           /* QL_TF_SECONDS: bucket length in ns */
  QlQty volume_threshold;   /* QL_TF_VOLUME: n * 10^qty_scale, saturated */
  int label_offset;         /* 1 when a trading day is named after the next date */

  /* The trading day last asked of GTimeZone: [day_start, day_end), label. */
  gboolean day_valid;
  QlTimeNs day_start;
  QlTimeNs day_end;
  gint64 day_label;         /* days since 1970-01-01 */

  /* The current bar. While @forming it is the last row of the caller's
   * series. Invariant: input older than @floor is out of order; @floor is
   * the current bar's time, or the end of a bar closed by the timer. */
  gboolean forming;
  QlTimeNs floor;
  QlTimeNs bar_time;        /* open time (bucket start or first tick) */
  QlTimeNs bar_end;         /* time based: bucket end, exclusive */
  gint64 count;             /* ticks in the bar (QL_TF_TICKS) */
  gint64 trades;
  gboolean dirty;           /* the state is newer than the last row of @out */
  gboolean in_double;       /* the bar holds bar input: the doubles below rule */
  /* Fixed-point state (!in_double): prices doubled, so that trade prices
   * (2 * price) and quote mids (bid + ask) share one exact scale. */
  gint64 open2, high2, low2, close2;
  QlQty volume_q;
  /* Double state (in_double). */
  double open, high, low, close, volume;
};

static gint64
floor_div (gint64 a, gint64 b)
{
  gint64 q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0)))
    q--;
  return q;
}

QlAggregator *
ql_aggregator_new (const QlInstrument *inst,
                   const QlTimeframe  *tf)
{
  QlAggregator *self;

  g_return_val_if_fail (inst != NULL && inst->tz != NULL, NULL);
  g_return_val_if_fail (inst->price_scale >= 0 && inst->price_scale <= QL_SCALE_MAX, NULL);
  g_return_val_if_fail (inst->qty_scale >= 0 && inst->qty_scale <= QL_SCALE_MAX, NULL);
  g_return_val_if_fail (tf != NULL && tf->n >= 1, NULL);

  self = g_new0 (QlAggregator, 1);
  ql_instrument_copy (&self->inst, inst);
  self->tf = *tf;
  self->time_based = ql_timeframe_is_time_based (tf);
  if (tf->unit == QL_TF_SECONDS)
    self->step_ns = tf->n * QL_NS_PER_SEC;
  if (tf->unit == QL_TF_VOLUME)
    {
      gint64 unit = ql_pow10_i64 (inst->qty_scale);
      self->volume_threshold = tf->n > G_MAXINT64 / unit ? G_MAXINT64 : tf->n * unit;
    }
  self->label_offset = inst->session_start_min >= 720 ? 1 : 0;
  self->floor = QL_TIME_NONE;
  self->bar_end = QL_TIME_NONE;
  return self;
}

void
ql_aggregator_free (QlAggregator *self)
{
  if (self == NULL)
    return;
  ql_instrument_clear (&self->inst);
  g_free (self);
}

gboolean
ql_aggregator_set_source_timeframe (QlAggregator      *self,
                                    const QlTimeframe *source,
                                    GError           **error)
{
  char small[16], large[16];

  g_return_val_if_fail (self != NULL && source != NULL, FALSE);

  ql_timeframe_format (source, small, sizeof small);
  ql_timeframe_format (&self->tf, large, sizeof large);
  self->source_ok = FALSE;
  if (!self->time_based)
    {
      g_set_error (error, QL_AGGREGATOR_ERROR, QL_AGGREGATOR_ERROR_INCOMPATIBLE,
                   "cannot build %s bars from %s bars: tick-count and volume bars need ticks",
                   large, small);
      return FALSE;
    }
  if (!ql_timeframe_is_time_based (source))
    {
      g_set_error (error, QL_AGGREGATOR_ERROR, QL_AGGREGATOR_ERROR_INCOMPATIBLE,
                   "cannot build %s bars from %s bars: tick-count and volume bars do not "
                   "follow the time grid; build %s bars from ticks",
                   large, small, large);
      return FALSE;
    }
  if (!ql_timeframe_divides (source, &self->tf))
    {
      g_set_error (error, QL_AGGREGATOR_ERROR, QL_AGGREGATOR_ERROR_INCOMPATIBLE,
                   "cannot build %s bars from %s bars: a %s bar would straddle two %s bars",
                   large, small, small, large);
      return FALSE;
    }
  self->source_ok = TRUE;
  return TRUE;
}

/* Start of the trading day whose label is @label (days since 1970-01-01);
 * the inverse of the label ql_instrument_trading_day () gives. */
static QlTimeNs
label_start (const QlAggregator *self,
             gint64              label)
{
  return ql_instrument_local_to_utc (&self->inst, label - self->label_offset,
                                     self->inst.session_start_min);
}

/* Days since 1970-01-01 of the 1st of month @month (months since January
 * of year 0). */
static gint64
month_first_day (gint64 month)
{
  gint64 y = floor_div (month, 12);
  return ql_days_from_civil (y, (unsigned) (month - y * 12) + 1, 1);
}

/* The time bucket [*start, *end) containing @t. Asks GTimeZone only when @t
 * leaves the cached trading day. */
static void
find_bucket (QlAggregator *self,
             QlTimeNs      t,
             QlTimeNs     *start,
             QlTimeNs     *end)
{
  gint64 n = self->tf.n;

  g_assert (self->time_based);
  if (!self->day_valid || t < self->day_start || t >= self->day_end)
    {
      ql_instrument_trading_day (&self->inst, t, &self->day_start, &self->day_end,
                                 &self->day_label);
      self->day_valid = TRUE;
    }

  switch (self->tf.unit)
    {
    case QL_TF_SECONDS:
      {
        gint64 k = (t - self->day_start) / self->step_ns;
        *start = self->day_start + k * self->step_ns;
        /* The grid restarts each trading day: the last bucket is cut short. */
        *end = self->day_end - *start > self->step_ns ? *start + self->step_ns : self->day_end;
      }
      break;
    case QL_TF_DAYS:
      if (n == 1)
        {
          *start = self->day_start;
          *end = self->day_end;
        }
      else
        {
          gint64 first = floor_div (self->day_label, n) * n;
          *start = label_start (self, first);
          *end = label_start (self, first + n);
        }
      break;
    case QL_TF_WEEKS:
      {
        /* Day 0 (1970-01-01) is a Thursday: label + 3 counts days from
         * Monday 1969-12-29. */
        gint64 first = floor_div (self->day_label + 3, 7 * n) * 7 * n - 3;
        *start = label_start (self, first);
        *end = label_start (self, first + 7 * n);
      }
      break;
    case QL_TF_MONTHS:
      {
        gint64 y;
        unsigned m, d;
        ql_civil_from_days (self->day_label, &y, &m, &d);
        /* Months counted from January of year 0. */
        gint64 first = floor_div (y * 12 + (gint64) (m - 1), n) * n;
        *start = label_start (self, month_first_day (first));
        *end = label_start (self, month_first_day (first + n));
      }
      break;
    case QL_TF_TICKS:
    case QL_TF_VOLUME:
    default:
      g_assert_not_reached ();
    }
  g_assert (*start <= t && t < *end);
}

/* Rewrites the forming bar, the last row of @out, from the state. A pure
 * function of the state: the batch loop calls it once per bucket, the
 * streaming path once per input, and both give the same row. */
static void
write_row (const QlAggregator *self,
           QlSeries           *out)
{
  gsize i = out->len - 1;

  g_assert (out->len > 0);
  ql_series_i64 (out, QL_BAR_TIME)[i] = self->bar_time;
  if (self->in_double)
    {
      ql_series_f64 (out, QL_BAR_OPEN)[i] = self->open;
      ql_series_f64 (out, QL_BAR_HIGH)[i] = self->high;
      ql_series_f64 (out, QL_BAR_LOW)[i] = self->low;
      ql_series_f64 (out, QL_BAR_CLOSE)[i] = self->close;
      ql_series_f64 (out, QL_BAR_VOLUME)[i] = self->volume;
    }
  else
    {
      /* x / 10^s of a doubled price, halved: halving is exact, and the
       * double of 2p over 10^s is exactly twice that of p, so a trade price
       * comes out as ql_price_to_double () of it. */
      ql_series_f64 (out, QL_BAR_OPEN)[i] = ql_price_to_double (&self->inst, self->open2) * 0.5;
      ql_series_f64 (out, QL_BAR_HIGH)[i] = ql_price_to_double (&self->inst, self->high2) * 0.5;
      ql_series_f64 (out, QL_BAR_LOW)[i] = ql_price_to_double (&self->inst, self->low2) * 0.5;
      ql_series_f64 (out, QL_BAR_CLOSE)[i] = ql_price_to_double (&self->inst, self->close2) * 0.5;
      ql_series_f64 (out, QL_BAR_VOLUME)[i] = ql_qty_to_double (&self->inst, self->volume_q);
    }
  ql_series_i64 (out, QL_BAR_TRADES)[i] = self->trades;
}

/* Writes the row if the state changed since the last write. The row is
 * written lazily: before a new row is appended (the previous bar is then
 * final) and when a public call returns, so the batch loop converts a bar's
 * prices once, not once per tick. */
static inline void
flush_row (QlAggregator *self,
           QlSeries     *out)
{
  if (self->dirty)
    {
      write_row (self, out);
      self->dirty = FALSE;
    }
}

/* Moves a fixed-point bar to the double state, for bar input. */
static void
to_double (QlAggregator *self)
{
  if (self->in_double)
    return;
  self->open = ql_price_to_double (&self->inst, self->open2) * 0.5;
  self->high = ql_price_to_double (&self->inst, self->high2) * 0.5;
  self->low = ql_price_to_double (&self->inst, self->low2) * 0.5;
  self->close = ql_price_to_double (&self->inst, self->close2) * 0.5;
  self->volume = ql_qty_to_double (&self->inst, self->volume_q);
  self->in_double = TRUE;
}

/* The doubled price of a tick, or why it has none. */
static inline QlStatus
tick_price2 (const QlTick *tick,
             gint64       *p2)
{
  if (tick->flags & QL_TICK_FLAG_TRADE)
    {
      if (tick->size < 0)
        return QL_STATUS_INVALID;
      if (__builtin_add_overflow (tick->price, tick->price, p2))
        return QL_STATUS_OVERFLOW;
      return QL_STATUS_OK;
    }
  if (tick->flags & QL_TICK_FLAG_QUOTE)
    {
      if (__builtin_add_overflow (tick->bid, tick->ask, p2))
        return QL_STATUS_OVERFLOW;
      return QL_STATUS_OK;
    }
  return QL_STATUS_INVALID;
}

/* Appends a row for a new bar opening at @time, after writing the previous
 * bar's final row. */
static void
open_bar (QlAggregator *self,
          QlSeries     *out,
          QlTimeNs      time,
          QlTimeNs      end)
{
  flush_row (self, out);
  ql_series_append_row (out);
  self->forming = TRUE;
  self->bar_time = time;
  self->bar_end = end;
  self->floor = time;
  self->count = 0;
  self->trades = 0;
  self->in_double = FALSE;
  self->volume_q = 0;
}

/* Applies @tick to the state; the row is left to flush_row (). On failure
 * nothing has changed. *@closed is FALSE on entry. */
static QlStatus
apply_tick (QlAggregator *self,
            const QlTick *tick,
            QlSeries     *out,
            gboolean     *closed)
{
  gboolean is_trade;
  gint64 p2;
  QlStatus status;

  if (tick->time < self->floor)
    return QL_STATUS_OUT_OF_ORDER;
  status = tick_price2 (tick, &p2);
  if (status != QL_STATUS_OK)
    return status;
  is_trade = (tick->flags & QL_TICK_FLAG_TRADE) != 0;

  if (self->forming && (!self->time_based || tick->time < self->bar_end))
    {
      QlQty vq = 0;
      if (is_trade && !self->in_double &&
          __builtin_add_overflow (self->volume_q, tick->size, &vq))
        return QL_STATUS_OVERFLOW;
      if (self->in_double)
        {
          double p = ql_price_to_double (&self->inst, p2) * 0.5;
          self->high = MAX (self->high, p);
          self->low = MIN (self->low, p);
          self->close = p;
          if (is_trade)
            self->volume += ql_qty_to_double (&self->inst, tick->size);
        }
      else
        {
          self->high2 = MAX (self->high2, p2);
          self->low2 = MIN (self->low2, p2);
          self->close2 = p2;
          if (is_trade)
            self->volume_q = vq;
        }
    }
  else
    {
      QlTimeNs start = tick->time, end = QL_TIME_NONE;
      if (self->time_based)
        find_bucket (self, tick->time, &start, &end);
      if (self->forming && closed != NULL)
        *closed = TRUE;
      open_bar (self, out, start, end);
      self->open2 = self->high2 = self->low2 = self->close2 = p2;
      self->volume_q = is_trade ? tick->size : 0;
    }
  self->trades += is_trade;
  self->count++;
  self->dirty = TRUE;

  if ((self->tf.unit == QL_TF_TICKS && self->count >= self->tf.n) ||
      (self->tf.unit == QL_TF_VOLUME && self->volume_q >= self->volume_threshold))
    {
      self->forming = FALSE;
      if (closed != NULL)
        *closed = TRUE;
    }
  return QL_STATUS_OK;
}

QlStatus
ql_aggregator_push_tick (QlAggregator *self,
                         const QlTick *tick,
                         QlSeries     *out,
                         gboolean     *closed)
{
  QlStatus status;

  if (closed != NULL)
    *closed = FALSE;
  g_return_val_if_fail (self != NULL && tick != NULL && out != NULL, QL_STATUS_INVALID);
  g_return_val_if_fail (out->n_columns == QL_BAR_N_COLUMNS, QL_STATUS_INVALID);
  g_return_val_if_fail (!self->forming || out->len > 0, QL_STATUS_INVALID);

  status = apply_tick (self, tick, out, closed);
  flush_row (self, out);
  return status;
}

QlStatus
ql_aggregator_push_bar (QlAggregator *self,
                        const QlBar  *bar,
                        QlSeries     *out,
                        gboolean     *closed)
{
  if (closed != NULL)
    *closed = FALSE;
  g_return_val_if_fail (self != NULL && bar != NULL && out != NULL, QL_STATUS_INVALID);
  g_return_val_if_fail (out->n_columns == QL_BAR_N_COLUMNS, QL_STATUS_INVALID);
  g_return_val_if_fail (!self->forming || out->len > 0, QL_STATUS_INVALID);

  if (!self->source_ok)
    return QL_STATUS_UNSUPPORTED;
  if (bar->time < self->floor)
    return QL_STATUS_OUT_OF_ORDER;
  if (!isfinite (bar->open) || !isfinite (bar->high) || !isfinite (bar->low) ||
      !isfinite (bar->close) || !isfinite (bar->volume) || bar->volume < 0 || bar->trades < 0)
    return QL_STATUS_INVALID;

  if (self->forming && bar->time < self->bar_end)
    {
      gint64 trades;
      if (__builtin_add_overflow (self->trades, bar->trades, &trades))
        return QL_STATUS_OVERFLOW;
      to_double (self);
      self->high = MAX (self->high, bar->high);
      self->low = MIN (self->low, bar->low);
      self->close = bar->close;
      self->volume += bar->volume;
      self->trades = trades;
    }
  else
    {
      QlTimeNs start, end;
      find_bucket (self, bar->time, &start, &end);
      if (self->forming && closed != NULL)
        *closed = TRUE;
      open_bar (self, out, start, end);
      self->in_double = TRUE;
      self->open = bar->open;
      self->high = bar->high;
      self->low = bar->low;
      self->close = bar->close;
      self->volume = bar->volume;
      self->trades = bar->trades;
    }
  self->dirty = TRUE;
  flush_row (self, out);
  return QL_STATUS_OK;
}

QlStatus
ql_aggregator_run_ticks (QlAggregator   *self,
                         const QlSeries *ticks,
                         QlSeries       *out)
{
  const gint64 *tt, *pp, *ss, *bb, *aa, *ff;
  gsize n, i = 0;
  QlStatus status = QL_STATUS_OK;

  g_return_val_if_fail (self != NULL && ticks != NULL && out != NULL, QL_STATUS_INVALID);
  g_return_val_if_fail (ticks->n_columns == QL_TICK_N_COLUMNS, QL_STATUS_INVALID);
  g_return_val_if_fail (out->n_columns == QL_BAR_N_COLUMNS, QL_STATUS_INVALID);
  g_return_val_if_fail (!self->forming || out->len > 0, QL_STATUS_INVALID);

  n = ticks->len;
  tt = ql_series_i64 (ticks, QL_TICK_TIME);
  pp = ql_series_i64 (ticks, QL_TICK_PRICE);
  ss = ql_series_i64 (ticks, QL_TICK_SIZE);
  bb = ql_series_i64 (ticks, QL_TICK_BID);
  aa = ql_series_i64 (ticks, QL_TICK_ASK);
  ff = ql_series_i64 (ticks, QL_TICK_FLAGS);

  while (i < n)
    {
      QlTick tick;

      /* Fast path: trade ticks that stay in the forming fixed-point bar and
       * do not complete it. Any other tick leaves the loop and goes through
       * ql_aggregator_push_tick (), which decides everything the same way;
       * the state is written back first, so the two paths share it. */
      if (self->forming && !self->in_double)
        {
          const QlTimeNs lo = self->floor;
          const QlTimeNs hi = self->time_based ? self->bar_end : G_MAXINT64;
          const QlQty vmax = self->tf.unit == QL_TF_VOLUME ? self->volume_threshold : G_MAXINT64;
          gsize stop = n;
          gint64 h2 = self->high2, l2 = self->low2, c2 = self->close2;
          QlQty vq = self->volume_q;
          gsize first = i;

          if (self->tf.unit == QL_TF_TICKS && (gint64) (n - i) > self->tf.n - 1 - self->count)
            stop = i + (gsize) (self->tf.n - 1 - self->count);
          for (; i < stop; i++)
            {
              const QlTimeNs t = tt[i];
              const gint64 sz = ss[i];
              gint64 p2, vq2;
              if (t < lo || t >= hi || !(ff[i] & QL_TICK_FLAG_TRADE) || sz < 0 ||
                  __builtin_add_overflow (pp[i], pp[i], &p2) ||
                  __builtin_add_overflow (vq, sz, &vq2) || vq2 >= vmax)
                break;
              h2 = p2 > h2 ? p2 : h2;
              l2 = p2 < l2 ? p2 : l2;
              c2 = p2;
              vq = vq2;
            }
          if (i > first)
            {
              self->high2 = h2;
              self->low2 = l2;
              self->close2 = c2;
              self->volume_q = vq;
              self->trades += (gint64) (i - first);
              self->count += (gint64) (i - first);
              self->dirty = TRUE;
            }
          if (i == n)
            break;
        }

      tick.time = tt[i];
      tick.price = pp[i];
      tick.size = ss[i];
      tick.flags = (guint32) ff[i];
      /* apply_tick () reads bid and ask only without a trade; skipping the
       * two columns otherwise saves two cache misses per bucket. */
      tick.bid = tick.flags & QL_TICK_FLAG_TRADE ? 0 : bb[i];
      tick.ask = tick.flags & QL_TICK_FLAG_TRADE ? 0 : aa[i];
      status = apply_tick (self, &tick, out, NULL);
      if (status != QL_STATUS_OK)
        break;
      i++;
    }
  flush_row (self, out);
  return status;
}

QlStatus
ql_aggregator_run_bars (QlAggregator   *self,
                        const QlSeries *bars,
                        QlSeries       *out)
{
  g_return_val_if_fail (self != NULL && bars != NULL && out != NULL, QL_STATUS_INVALID);
  g_return_val_if_fail (bars->n_columns == QL_BAR_N_COLUMNS, QL_STATUS_INVALID);

  for (gsize i = 0; i < bars->len; i++)
    {
      QlBar bar;
      QlStatus status;

      ql_series_get_bar (bars, i, &bar);
      status = ql_aggregator_push_bar (self, &bar, out, NULL);
      if (status != QL_STATUS_OK)
        return status;
    }
  return QL_STATUS_OK;
}

QlTimeNs
ql_aggregator_get_bar_end (const QlAggregator *self)
{
  g_return_val_if_fail (self != NULL, QL_TIME_NONE);

  if (!self->time_based || !self->forming)
    return QL_TIME_NONE;
  return self->bar_end;
}

void
ql_aggregator_get_bucket (QlAggregator *self,
                          QlTimeNs      t,
                          QlTimeNs     *start,
                          QlTimeNs     *end)
{
  g_return_if_fail (self != NULL && self->time_based && start != NULL && end != NULL);

  find_bucket (self, t, start, end);
}

gboolean
ql_aggregator_has_forming_bar (const QlAggregator *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->forming;
}

QlStatus
ql_aggregator_close_until (QlAggregator *self,
                           QlTimeNs      now,
                           gboolean     *closed)
{
  if (closed != NULL)
    *closed = FALSE;
  g_return_val_if_fail (self != NULL, QL_STATUS_INVALID);

  if (self->time_based && self->forming && now >= self->bar_end)
    {
      self->forming = FALSE;
      self->floor = self->bar_end;
      if (closed != NULL)
        *closed = TRUE;
    }
  return QL_STATUS_OK;
}
