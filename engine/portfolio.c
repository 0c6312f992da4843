/* engine/portfolio.c — the exact ledger (rules in engine/portfolio.h). */
#define G_LOG_DOMAIN "ql-engine-portfolio"

#include "engine/portfolio.h"

#include <math.h>

typedef __int128 i128;

/* TRUE when *dst = a + b did not overflow. */
#define add_ok(dst, a, b) (!__builtin_add_overflow ((a), (b), (dst)))

typedef struct
{
  QlPortfolioSymbol cfg;
  QlPosition pos;
  i128 cost;              /* signed sum of price * qty of the open quantity (scale ps+qs) */
  QlMoney entry_comm;     /* entry commission of the open quantity */
  guint bars;             /* closed bars of the run's timeframe */
  gint64 up;              /* money = value * up, or ... */
  gint64 down;            /* ... value * multiplier / down (rounded) */
  /* The round trip in progress (pos.qty != 0 or closing). */
  QlSide trade_side;
  QlTimeNs trade_entry_time;
  guint trade_entry_bar;
  QlQty trade_closed;     /* quantity closed so far */
  i128 trade_entry_cost;  /* |cost| removed for the closed quantity */
  i128 trade_exit_value;  /* |price * qty| of the exits */
  QlMoney trade_pnl;      /* realised, gross */
  QlMoney trade_comm;     /* entry share + exit commissions */
  QlPrice trade_low;      /* extremes marked while open */
  QlPrice trade_high;
} Slot;

struct QlPortfolio
{
  QlMoney initial;
  QlMoney balance;
  guint n;
  Slot *slots;
  GArray *trades;         /* QlTrade */
};

/* Divides rounding half away from zero. @d > 0. */
static i128
div_round (i128 n, i128 d)
{
  if (n >= 0)
    return (n + d / 2) / d;
  return -((-n + d / 2) / d);
}

static i128
pow10_i128 (int n)
{
  i128 p = 1;
  while (n-- > 0)
    p *= 10;
  return p;
}

/* Converts a value at scale ps+qs (times the multiplier) to money. */
static QlStatus
to_money (const Slot *s, i128 value, QlMoney *out)
{
  i128 v;

  /* Values come from int64 products (< 2^126), times a factor that keeps
   * them within i128 for any sane multiplier; the int64 check follows. */
  if (s->down == 1)
    v = value * s->up;
  else
    v = div_round (value * s->cfg.multiplier, s->down);
  if (v > G_MAXINT64 || v < -G_MAXINT64)
    return QL_STATUS_OVERFLOW;
  *out = (QlMoney) v;
  return QL_STATUS_OK;
}

QlMoney
ql_money_from_double (double value)
{
  return (QlMoney) llround (value * 1e8);
}

QlPortfolio *
ql_portfolio_new (QlMoney                  initial_capital,
                  const QlPortfolioSymbol *symbols,
                  guint                    n_symbols)
{
  QlPortfolio *self;

  g_return_val_if_fail (symbols != NULL || n_symbols == 0, NULL);
  self = g_new0 (QlPortfolio, 1);
  self->initial = initial_capital;
  self->balance = initial_capital;
  self->n = n_symbols;
  self->slots = g_new0 (Slot, MAX (n_symbols, 1));
  for (guint i = 0; i < n_symbols; i++)
    {
      g_return_val_if_fail (symbols[i].inst != NULL, NULL);
      self->slots[i].cfg = symbols[i];
      if (self->slots[i].cfg.multiplier < 1)
        self->slots[i].cfg.multiplier = 1;
      {
        int scale = symbols[i].inst->price_scale + symbols[i].inst->qty_scale;
        if (scale <= QL_MONEY_SCALE)
          {
            self->slots[i].up = self->slots[i].cfg.multiplier * (gint64) pow10_i128 (QL_MONEY_SCALE - scale);
            self->slots[i].down = 1;
          }
        else
          {
            self->slots[i].up = 0;
            self->slots[i].down = (gint64) pow10_i128 (scale - QL_MONEY_SCALE);
          }
      }
    }
  self->trades = g_array_new (FALSE, FALSE, sizeof (QlTrade));
  return self;
}

void
ql_portfolio_free (QlPortfolio *self)
{
  if (self == NULL)
    return;
  g_free (self->slots);
  g_array_unref (self->trades);
  g_free (self);
}

guint
ql_portfolio_get_n_symbols (const QlPortfolio *self)
{
  return self->n;
}

const QlPortfolioSymbol *
ql_portfolio_get_symbol (const QlPortfolio *self, guint symbol)
{
  g_return_val_if_fail (symbol < self->n, NULL);
  return &self->slots[symbol].cfg;
}

static double
price_double (const Slot *s, double price_units)
{
  extern const double ql__pow10_f64[];
  return price_units / ql__pow10_f64[s->cfg.inst->price_scale];
}

static void
update_avg (Slot *s)
{
  if (s->pos.qty == 0)
    s->pos.avg_price = 0;
  else
    s->pos.avg_price = price_double (s, (double) s->cost / (double) s->pos.qty);
}

/* Emits the round trip of @s as a QlTrade and resets it. */
static void
close_trade (QlPortfolio *self, guint symbol, Slot *s, QlTimeNs time, QlExitReason reason)
{
  extern const double ql__pow10_f64[];
  QlTrade t = { 0 };
  const QlInstrument *inst = s->cfg.inst;
  double qty = (double) s->trade_closed;
  double entry_units = (double) s->trade_entry_cost / qty; /* price units */
  double exit_units = (double) s->trade_exit_value / qty;
  double unit_value = (double) s->cfg.multiplier * qty
                      / ql__pow10_f64[inst->price_scale + inst->qty_scale];
  double lo = (double) s->trade_low - entry_units;
  double hi = (double) s->trade_high - entry_units;

  t.symbol = symbol;
  t.side = s->trade_side;
  t.quantity = ql_qty_to_double (inst, s->trade_closed);
  t.entry_time = s->trade_entry_time;
  t.entry_price = price_double (s, entry_units);
  t.exit_time = time;
  t.exit_price = price_double (s, exit_units);
  t.commission = ql_money_to_double (s->trade_comm);
  t.pnl = ql_money_to_double (s->trade_pnl - s->trade_comm);
  if (s->trade_side == QL_SIDE_BUY)
    {
      t.mae = MIN (0.0, lo * unit_value);
      t.mfe = MAX (0.0, hi * unit_value);
    }
  else
    {
      t.mae = MIN (0.0, -hi * unit_value);
      t.mfe = MAX (0.0, -lo * unit_value);
    }
  t.bars_held = s->bars - s->trade_entry_bar;
  t.exit_reason = reason;
  g_array_append_val (self->trades, t);

  s->trade_closed = 0;
  s->trade_entry_cost = 0;
  s->trade_exit_value = 0;
  s->trade_pnl = 0;
  s->trade_comm = 0;
}

QlStatus
ql_portfolio_fill (QlPortfolio *self,
                   guint        symbol,
                   QlSide       side,
                   QlQty        qty,
                   QlPrice      price,
                   QlMoney      commission,
                   QlTimeNs     time)
{
  return ql_portfolio_fill_exit (self, symbol, side, qty, price, commission, time, QL_EXIT_SIGNAL);
}

QlStatus
ql_portfolio_fill_exit (QlPortfolio *self,
                        guint        symbol,
                        QlSide       side,
                        QlQty        qty,
                        QlPrice      price,
                        QlMoney      commission,
                        QlTimeNs     time,
                        QlExitReason reason)
{
  Slot *s;
  QlQty q, d, closing, opening;
  i128 removed = 0, pnl_raw = 0;
  QlMoney pnl = 0, comm_close = 0, comm_open, entry_share = 0;

  g_return_val_if_fail (self != NULL && symbol < self->n, QL_STATUS_INVALID);
  g_return_val_if_fail (qty > 0 && price > 0, QL_STATUS_INVALID);
  s = &self->slots[symbol];
  q = s->pos.qty;
  d = side == QL_SIDE_BUY ? qty : -qty;

  if (q != 0 && (q > 0) != (d > 0))
    closing = MIN (qty, q > 0 ? q : -q);
  else
    closing = 0;
  opening = qty - closing;
  if (opening > 0 && (G_MAXINT64 - (q > 0 ? q : -q)) < opening)
    return QL_STATUS_OVERFLOW;

  /* Split the fill's commission between the closing and the opening part. */
  comm_close = (QlMoney) div_round ((i128) commission * closing, qty);
  comm_open = commission - comm_close;

  if (closing > 0)
    {
      QlQty aq = q > 0 ? q : -q;
      i128 dc = q > 0 ? -(i128) closing : (i128) closing; /* signed closing fill */

      removed = div_round (s->cost * closing, aq);
      pnl_raw = -dc * price - removed;
      if (to_money (s, pnl_raw, &pnl) != QL_STATUS_OK)
        return QL_STATUS_OVERFLOW;
      entry_share = (QlMoney) div_round ((i128) s->entry_comm * closing, aq);
    }
  if (s->pos.realized > 0 && pnl > G_MAXINT64 - s->pos.realized)
    return QL_STATUS_OVERFLOW;

  /* Commit. */
  self->balance += pnl - commission;
  s->pos.realized += pnl;
  s->pos.commission += commission;
  if (closing > 0)
    {
      i128 removed_abs = removed < 0 ? -removed : removed;

      /* The exit price is a price the position was open at: it bounds the
       * excursions before the trade closes, so MAE <= gross P&L <= MFE. */
      s->trade_low = MIN (s->trade_low, price);
      s->trade_high = MAX (s->trade_high, price);
      s->cost -= removed;
      s->entry_comm -= entry_share;
      s->pos.qty += q > 0 ? -closing : closing;
      s->trade_closed += closing;
      s->trade_entry_cost += removed_abs;
      s->trade_exit_value += (i128) price * closing;
      s->trade_pnl += pnl;
      s->trade_comm += entry_share + comm_close;
      if (s->pos.qty == 0)
        {
          s->cost = 0;
          close_trade (self, symbol, s, time, reason);
        }
    }
  if (opening > 0)
    {
      if (s->pos.qty == 0)
        {
          s->trade_side = side;
          s->trade_entry_time = time;
          s->trade_entry_bar = s->bars;
          s->trade_low = price;
          s->trade_high = price;
        }
      s->pos.qty += side == QL_SIDE_BUY ? opening : -opening;
      s->cost += side == QL_SIDE_BUY ? (i128) price * opening : -(i128) price * opening;
      s->entry_comm += comm_open;
    }
  else if (comm_open != 0)
    s->trade_comm += comm_open;
  s->pos.last_price = price;
  if (s->pos.qty != 0)
    {
      s->trade_low = MIN (s->trade_low, price);
      s->trade_high = MAX (s->trade_high, price);
    }
  update_avg (s);
  return QL_STATUS_OK;
}

void
ql_portfolio_mark (QlPortfolio *self,
                   guint        symbol,
                   QlPrice      low,
                   QlPrice      high,
                   QlPrice      last)
{
  Slot *s = &self->slots[symbol];

  s->pos.last_price = last;
  if (s->pos.qty != 0)
    {
      if (low < s->trade_low)
        s->trade_low = low;
      if (high > s->trade_high)
        s->trade_high = high;
    }
}

void
ql_portfolio_count_bar (QlPortfolio *self, guint symbol)
{
  self->slots[symbol].bars++;
}

const QlPosition *
ql_portfolio_get_position (const QlPortfolio *self, guint symbol)
{
  g_return_val_if_fail (symbol < self->n, NULL);
  return &self->slots[symbol].pos;
}

QlMoney
ql_portfolio_get_initial_capital (const QlPortfolio *self)
{
  return self->initial;
}

QlMoney
ql_portfolio_get_balance (const QlPortfolio *self)
{
  return self->balance;
}

QlStatus
ql_portfolio_get_unrealized (const QlPortfolio *self,
                             guint              symbol,
                             QlMoney           *unrealized)
{
  const Slot *s = &self->slots[symbol];

  if (s->pos.qty == 0)
    {
      *unrealized = 0;
      return QL_STATUS_OK;
    }
  return to_money (s, (i128) s->pos.qty * s->pos.last_price - s->cost, unrealized);
}

/* The open position's unrealised P&L and |notional| in money when the
 * instrument converts by a plain factor (s->down == 1) and every product
 * stays within int64 — the common case, done in 64-bit arithmetic; FALSE
 * sends the caller to the exact 128-bit path, which gives the same values. */
static inline gboolean
open_value_i64 (const Slot *s, QlMoney *unrealized, QlMoney *gross)
{
  gint64 value, cost = (gint64) s->cost, u, g;

  if (s->down != 1 || (i128) cost != s->cost || s->pos.qty == G_MININT64
      || __builtin_mul_overflow (s->pos.qty, s->pos.last_price, &value)
      || __builtin_sub_overflow (value, cost, &u)
      || __builtin_mul_overflow (u, s->up, &u)
      || __builtin_mul_overflow (s->pos.qty < 0 ? -s->pos.qty : s->pos.qty, s->pos.last_price, &g)
      || __builtin_mul_overflow (g, s->up, &g)
      || u == G_MININT64 || g == G_MININT64)
    return FALSE;
  *unrealized = u;
  *gross = g;
  return TRUE;
}

/* The exact path of ql_portfolio_get_equity_exposure (): 128-bit sums. */
static G_GNUC_NO_INLINE QlStatus
equity_exposure_i128 (const QlPortfolio *self,
                      QlMoney           *equity,
                      QlMoney           *exposure)
{
  i128 sum = self->balance, gross = 0;

  for (guint i = 0; i < self->n; i++)
    {
      const Slot *s = &self->slots[i];
      QlMoney u, v;
      if (s->pos.qty == 0)
        continue;
      if (ql_portfolio_get_unrealized (self, i, &u) != QL_STATUS_OK
          || to_money (s, (i128) (s->pos.qty < 0 ? -s->pos.qty : s->pos.qty) * s->pos.last_price, &v)
               != QL_STATUS_OK)
        return QL_STATUS_OVERFLOW;
      sum += u;
      gross += v;
    }
  if (sum > G_MAXINT64 || sum < -G_MAXINT64 || gross > G_MAXINT64)
    return QL_STATUS_OVERFLOW;
  *equity = (QlMoney) sum;
  *exposure = (QlMoney) gross;
  return QL_STATUS_OK;
}

QlStatus
ql_portfolio_get_equity_exposure (const QlPortfolio *self,
                                  QlMoney           *equity,
                                  QlMoney           *exposure)
{
  /* This runs once per bar: 64-bit sums while nothing overflows, else the
   * exact 128-bit path, which gives the same figures or the overflow. */
  gint64 sum = self->balance, gross = 0;

  for (guint i = 0; i < self->n; i++)
    {
      const Slot *s = &self->slots[i];
      QlMoney u, v;
      if (s->pos.qty == 0)
        continue;
      if (!open_value_i64 (s, &u, &v) || __builtin_add_overflow (sum, u, &sum)
          || __builtin_add_overflow (gross, v, &gross))
        return equity_exposure_i128 (self, equity, exposure);
    }
  if (sum == G_MININT64)
    return QL_STATUS_OVERFLOW;
  *equity = sum;
  *exposure = gross;
  return QL_STATUS_OK;
}

QlStatus
ql_portfolio_get_equity (const QlPortfolio *self, QlMoney *equity)
{
  i128 sum = self->balance;

  for (guint i = 0; i < self->n; i++)
    {
      QlMoney u;
      if (self->slots[i].pos.qty == 0)
        continue;
      if (ql_portfolio_get_unrealized (self, i, &u) != QL_STATUS_OK)
        return QL_STATUS_OVERFLOW;
      sum += u;
    }
  if (sum > G_MAXINT64 || sum < -G_MAXINT64)
    return QL_STATUS_OVERFLOW;
  *equity = (QlMoney) sum;
  return QL_STATUS_OK;
}

/* |qty| * price * multiplier * rate_ppm / 1e6 in money. */
static QlStatus
notional_rate (const Slot *s, QlQty qty, QlPrice price, gint64 rate_ppm, QlMoney *out)
{
  i128 v = (i128) (qty < 0 ? -qty : qty) * price;

  if (rate_ppm != 1000000)
    v = div_round (v * rate_ppm, 1000000);
  return to_money (s, v, out);
}

QlStatus
ql_portfolio_get_gross_exposure (const QlPortfolio *self, QlMoney *exposure)
{
  QlMoney sum = 0;

  for (guint i = 0; i < self->n; i++)
    {
      QlMoney v;
      const Slot *s = &self->slots[i];
      if (s->pos.qty == 0)
        continue;
      if (notional_rate (s, s->pos.qty, s->pos.last_price, 1000000, &v) != QL_STATUS_OK
          || !add_ok (&sum, sum, v))
        return QL_STATUS_OVERFLOW;
    }
  *exposure = sum;
  return QL_STATUS_OK;
}

QlStatus
ql_portfolio_get_margin (const QlPortfolio *self,
                         gboolean           maintenance,
                         QlMoney           *margin)
{
  QlMoney sum = 0;

  for (guint i = 0; i < self->n; i++)
    {
      QlMoney v;
      const Slot *s = &self->slots[i];
      gint64 rate = maintenance ? s->cfg.maintenance_margin_ppm : s->cfg.initial_margin_ppm;
      if (s->pos.qty == 0)
        continue;
      if (notional_rate (s, s->pos.qty, s->pos.last_price, rate, &v) != QL_STATUS_OK
          || !add_ok (&sum, sum, v))
        return QL_STATUS_OVERFLOW;
    }
  *margin = sum;
  return QL_STATUS_OK;
}

gboolean
ql_portfolio_can_afford (const QlPortfolio *self,
                         guint              symbol,
                         QlQty              delta,
                         QlPrice            price)
{
  const Slot *s = &self->slots[symbol];
  QlQty q = s->pos.qty, after;
  QlMoney equity, margin = 0, m, u_now = 0, u_then = 0;

  if (!add_ok (&after, q, delta))
    return FALSE;
  if ((after >= 0 && q >= 0 && after <= q) || (after <= 0 && q <= 0 && after >= q))
    return TRUE; /* only reduces */
  if (ql_portfolio_get_equity (self, &equity) != QL_STATUS_OK)
    return FALSE;
  /* Re-mark @symbol at @price. */
  if (q != 0)
    {
      if (ql_portfolio_get_unrealized (self, symbol, &u_now) != QL_STATUS_OK
          || to_money (s, (i128) q * price - s->cost, &u_then) != QL_STATUS_OK)
        return FALSE;
      equity += u_then - u_now;
    }
  for (guint i = 0; i < self->n; i++)
    {
      const Slot *o = &self->slots[i];
      QlQty oq = i == symbol ? after : o->pos.qty;
      QlPrice op = i == symbol ? price : o->pos.last_price;
      if (oq == 0)
        continue;
      if (notional_rate (o, oq, op, o->cfg.initial_margin_ppm, &m) != QL_STATUS_OK
          || !add_ok (&margin, margin, m))
        return FALSE;
    }
  return margin <= equity;
}

QlStatus
ql_portfolio_get_notional (const QlPortfolio *self,
                           guint              symbol,
                           QlQty              qty,
                           QlPrice            price,
                           QlMoney           *notional)
{
  return notional_rate (&self->slots[symbol], qty, price, 1000000, notional);
}

const QlTrade *
ql_portfolio_get_trades (const QlPortfolio *self, gsize *n_trades)
{
  *n_trades = self->trades->len;
  return (const QlTrade *) (void *) self->trades->data;
}
