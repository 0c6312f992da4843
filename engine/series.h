/* engine/series.h — columnar series: one array per column, appended in
 * time order, read by index or by offset back from the newest row.
 *
 * Bars, ticks and indicator outputs are all QlSeries; only the column
 * layout differs. Every column holds 8-byte cells (gint64 or double) and
 * all columns share one length, grown geometrically, so an append is O(1)
 * amortised and an indicator reads a column as a plain C array with no
 * copy. The struct is public because inner loops read it; change it only
 * through the functions below. */
#pragma once

#include "engine/types.h"

#include <math.h>

G_BEGIN_DECLS

typedef enum
{
  QL_COLUMN_I64,
  QL_COLUMN_F64,
} QlColumnType;

typedef struct
{
  const char *name;
  QlColumnType type;
} QlColumnSpec;

struct QlSeries
{
  gsize len;           /* rows */
  gsize cap;           /* rows allocated in every column */
  guint n_columns;
  QlColumnType *types; /* n_columns entries */
  char **names;        /* n_columns owned strings */
  void **columns;      /* n_columns arrays of cap cells; move on growth */
};

/* Column layout of a bar series. Prices and volume are doubles, exactly
 * the doubles nearest to the stored fixed-point values. */
enum
{
  QL_BAR_TIME,   /* i64: open time, ns UTC */
  QL_BAR_OPEN,   /* f64 */
  QL_BAR_HIGH,   /* f64 */
  QL_BAR_LOW,    /* f64 */
  QL_BAR_CLOSE,  /* f64 */
  QL_BAR_VOLUME, /* f64 */
  QL_BAR_TRADES, /* i64: trades in the bar, 0 when unknown */
  QL_BAR_N_COLUMNS
};

/* Column layout of a tick series: fixed point, as the order path reads it. */
enum
{
  QL_TICK_TIME,  /* i64: ns UTC */
  QL_TICK_PRICE, /* i64 QlPrice: trade price, 0 for a quote-only tick */
  QL_TICK_SIZE,  /* i64 QlQty: trade size, 0 when unknown */
  QL_TICK_BID,   /* i64 QlPrice, valid with QL_TICK_FLAG_QUOTE */
  QL_TICK_ASK,   /* i64 QlPrice, valid with QL_TICK_FLAG_QUOTE */
  QL_TICK_FLAGS, /* i64: QlTickFlags */
  QL_TICK_N_COLUMNS
};

typedef enum
{
  QL_TICK_FLAG_TRADE = 1 << 0, /* price and size describe a trade */
  QL_TICK_FLAG_QUOTE = 1 << 1, /* bid and ask are present */
  QL_TICK_FLAG_BUY = 1 << 2,   /* the aggressor bought (lifted the ask) */
  QL_TICK_FLAG_SELL = 1 << 3,  /* the aggressor sold (hit the bid) */
} QlTickFlags;

struct QlTick
{
  QlTimeNs time;
  QlPrice price;
  QlQty size;
  QlPrice bid;
  QlPrice ask;
  guint32 flags; /* QlTickFlags */
};

struct QlBar
{
  QlTimeNs time; /* open time */
  double open;
  double high;
  double low;
  double close;
  double volume;
  gint64 trades;
};

QlSeries *ql_series_new (const QlColumnSpec *specs,
                         guint               n_specs);   /* (transfer full) */
QlSeries *ql_series_new_bars (void);                    /* (transfer full) */
QlSeries *ql_series_new_ticks (void);                   /* (transfer full) */
void      ql_series_free (QlSeries *self);              /* NULL is a no-op */

/* Makes room for @rows rows in total; columns may move. */
void  ql_series_reserve (QlSeries *self,
                         gsize     rows);
/* Appends one row of zeros and returns its index; columns may move. */
gsize ql_series_append_row (QlSeries *self);
/* Drops rows from @len on. */
void  ql_series_truncate (QlSeries *self,
                          gsize     len);
/* The column's index, or -1. */
int   ql_series_column_index (const QlSeries *self,
                              const char     *name);

static inline gint64 *
ql_series_i64 (const QlSeries *self, guint column)
{
  return (gint64 *) self->columns[column];
}

static inline double *
ql_series_f64 (const QlSeries *self, guint column)
{
  return (double *) self->columns[column];
}

/* History access: @offset 0 is the newest row, 1 the one before. NAN when
 * the offset reaches before the first row. */
static inline double
ql_series_f64_back (const QlSeries *self, guint column, gsize offset)
{
  if (offset >= self->len)
    return NAN;
  return ql_series_f64 (self, column)[self->len - 1 - offset];
}

/* Bar rows, read and written column by column. Inline: the backtester and
 * the aggregator call them for every bar (a call, and the zeroing of
 * ql_series_append_row (), cost a fifth of a bar-mode backtest).
 * ql__series_grow () is theirs only: it doubles the capacity. */
void ql__series_grow (QlSeries *self);

static inline void
ql_series_set_bar (QlSeries *bars, gsize index, const QlBar *bar)
{
  g_assert (index < bars->len);
  ql_series_i64 (bars, QL_BAR_TIME)[index] = bar->time;
  ql_series_f64 (bars, QL_BAR_OPEN)[index] = bar->open;
  ql_series_f64 (bars, QL_BAR_HIGH)[index] = bar->high;
  ql_series_f64 (bars, QL_BAR_LOW)[index] = bar->low;
  ql_series_f64 (bars, QL_BAR_CLOSE)[index] = bar->close;
  ql_series_f64 (bars, QL_BAR_VOLUME)[index] = bar->volume;
  ql_series_i64 (bars, QL_BAR_TRADES)[index] = bar->trades;
}

static inline void
ql_series_append_bar (QlSeries *bars, const QlBar *bar)
{
  if (G_UNLIKELY (bars->len == bars->cap))
    ql__series_grow (bars);
  bars->len++;
  ql_series_set_bar (bars, bars->len - 1, bar);
}

static inline void
ql_series_get_bar (const QlSeries *bars, gsize index, QlBar *bar)
{
  g_assert (index < bars->len);
  bar->time = ql_series_i64 (bars, QL_BAR_TIME)[index];
  bar->open = ql_series_f64 (bars, QL_BAR_OPEN)[index];
  bar->high = ql_series_f64 (bars, QL_BAR_HIGH)[index];
  bar->low = ql_series_f64 (bars, QL_BAR_LOW)[index];
  bar->close = ql_series_f64 (bars, QL_BAR_CLOSE)[index];
  bar->volume = ql_series_f64 (bars, QL_BAR_VOLUME)[index];
  bar->trades = ql_series_i64 (bars, QL_BAR_TRADES)[index];
}

void ql_series_append_tick (QlSeries     *ticks,
                            const QlTick *tick);
void ql_series_get_tick (const QlSeries *ticks,
                         gsize           index,
                         QlTick         *tick);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QlSeries, ql_series_free)

G_END_DECLS
