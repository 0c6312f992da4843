/* engine/series.c — columnar series storage. */
#define G_LOG_DOMAIN "ql-engine-series"

#include "engine/series.h"

#include <string.h>

static const QlColumnSpec bar_columns[QL_BAR_N_COLUMNS] = {
  [QL_BAR_TIME] = { "time", QL_COLUMN_I64 },
  [QL_BAR_OPEN] = { "open", QL_COLUMN_F64 },
  [QL_BAR_HIGH] = { "high", QL_COLUMN_F64 },
  [QL_BAR_LOW] = { "low", QL_COLUMN_F64 },
  [QL_BAR_CLOSE] = { "close", QL_COLUMN_F64 },
  [QL_BAR_VOLUME] = { "volume", QL_COLUMN_F64 },
  [QL_BAR_TRADES] = { "trades", QL_COLUMN_I64 },
};

static const QlColumnSpec tick_columns[QL_TICK_N_COLUMNS] = {
  [QL_TICK_TIME] = { "time", QL_COLUMN_I64 },
  [QL_TICK_PRICE] = { "price", QL_COLUMN_I64 },
  [QL_TICK_SIZE] = { "size", QL_COLUMN_I64 },
  [QL_TICK_BID] = { "bid", QL_COLUMN_I64 },
  [QL_TICK_ASK] = { "ask", QL_COLUMN_I64 },
  [QL_TICK_FLAGS] = { "flags", QL_COLUMN_I64 },
};

QlSeries *
ql_series_new (const QlColumnSpec *specs,
               guint               n_specs)
{
  QlSeries *self;

  g_return_val_if_fail (specs != NULL && n_specs > 0, NULL);

  self = g_new0 (QlSeries, 1);
  self->n_columns = n_specs;
  self->types = g_new (QlColumnType, n_specs);
  self->names = g_new0 (char *, n_specs);
  self->columns = g_new0 (void *, n_specs);
  for (guint i = 0; i < n_specs; i++)
    {
      self->types[i] = specs[i].type;
      self->names[i] = g_strdup (specs[i].name);
    }
  /* Columns are never NULL, so that `column + offset` is valid pointer
   * arithmetic even on an empty series (UBSan flags it on NULL). */
  ql_series_reserve (self, 16);
  return self;
}

QlSeries *
ql_series_new_bars (void)
{
  return ql_series_new (bar_columns, QL_BAR_N_COLUMNS);
}

QlSeries *
ql_series_new_ticks (void)
{
  return ql_series_new (tick_columns, QL_TICK_N_COLUMNS);
}

void
ql_series_free (QlSeries *self)
{
  if (self == NULL)
    return;
  for (guint i = 0; i < self->n_columns; i++)
    {
      g_free (self->columns[i]);
      g_free (self->names[i]);
    }
  g_free (self->columns);
  g_free (self->names);
  g_free (self->types);
  g_free (self);
}

void
ql_series_reserve (QlSeries *self,
                   gsize     rows)
{
  g_return_if_fail (self != NULL);

  if (rows <= self->cap)
    return;
  for (guint i = 0; i < self->n_columns; i++)
    self->columns[i] = g_realloc_n (self->columns[i], rows, sizeof (gint64));
  self->cap = rows;
}

void
ql__series_grow (QlSeries *self)
{
  ql_series_reserve (self, self->cap < 64 ? 64 : self->cap * 2);
}

gsize
ql_series_append_row (QlSeries *self)
{
  if (G_UNLIKELY (self->len == self->cap))
    ql__series_grow (self);
  for (guint i = 0; i < self->n_columns; i++)
    ((gint64 *) self->columns[i])[self->len] = 0;
  return self->len++;
}

void
ql_series_truncate (QlSeries *self,
                    gsize     len)
{
  g_return_if_fail (self != NULL);
  if (len < self->len)
    self->len = len;
}

int
ql_series_column_index (const QlSeries *self,
                        const char     *name)
{
  for (guint i = 0; i < self->n_columns; i++)
    if (strcmp (self->names[i], name) == 0)
      return (int) i;
  return -1;
}

void
ql_series_append_tick (QlSeries     *ticks,
                       const QlTick *tick)
{
  if (G_UNLIKELY (ticks->len == ticks->cap))
    ql_series_reserve (ticks, ticks->cap < 64 ? 64 : ticks->cap * 2);
  gsize i = ticks->len++;
  ql_series_i64 (ticks, QL_TICK_TIME)[i] = tick->time;
  ql_series_i64 (ticks, QL_TICK_PRICE)[i] = tick->price;
  ql_series_i64 (ticks, QL_TICK_SIZE)[i] = tick->size;
  ql_series_i64 (ticks, QL_TICK_BID)[i] = tick->bid;
  ql_series_i64 (ticks, QL_TICK_ASK)[i] = tick->ask;
  ql_series_i64 (ticks, QL_TICK_FLAGS)[i] = tick->flags;
}

void
ql_series_get_tick (const QlSeries *ticks,
                    gsize           index,
                    QlTick         *tick)
{
  g_assert (index < ticks->len);
  tick->time = ql_series_i64 (ticks, QL_TICK_TIME)[index];
  tick->price = ql_series_i64 (ticks, QL_TICK_PRICE)[index];
  tick->size = ql_series_i64 (ticks, QL_TICK_SIZE)[index];
  tick->bid = ql_series_i64 (ticks, QL_TICK_BID)[index];
  tick->ask = ql_series_i64 (ticks, QL_TICK_ASK)[index];
  tick->flags = (guint32) ql_series_i64 (ticks, QL_TICK_FLAGS)[index];
}
