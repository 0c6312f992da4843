/* engine/backtest.c — the run (rules in engine/backtest.h).
 *
 * The merge. Each symbol's next event is the earlier of its next input row
 * and the close of its earliest forming time-based bar. The loop picks the
 * symbol with the smallest (time, index) and then consumes a whole run of
 * its input rows that precede every other symbol's next event and its own
 * next bar close, so with one symbol (or symbols whose data do not
 * interleave tick by tick) the choice is made once per run, not per row.
 *
 * Laziness. With tick input, no on_tick callback and only time-based bars,
 * ticks reach the aggregators in batches (ql_aggregator_run_ticks () over a
 * view of the chunk) just before a bar closes or the chunk is released; rows
 * without live orders, observer or margin watch cost a mark of the price. */
#define G_LOG_DOMAIN "ql-engine-backtest"

#include "engine/backtest.h"

#include <string.h>

#define MAX_SUBS 8

typedef struct
{
  QlTimeframe tf;
  QlAggregator *agg;
  QlSeries *bars;
  gboolean time_based;
  gboolean direct;             /* bar input of this very timeframe (seconds unit):
                                * each input bar is a closed bar, no aggregation */
} Sub;

typedef struct
{
  QlRunSymbol cfg;             /* kind and source: the input actually read */
  const QlInstrument *inst;
  QlSourceKind kind;
  QlTimeframe src_tf;          /* bar input */
  gint64 src_ns;               /* bar input: nominal length, 0 unknown */
  QlSource src;
  QlSource unused;             /* the source not read (freed at the end) */
  const QlSeries *chunk;
  gsize pos;
  gboolean done;
  gsize agg_from;              /* lazy: first row of @chunk not aggregated */
  QlSeries view;               /* lazy: rows [agg_from, pos) */
  void *view_cols[QL_TICK_N_COLUMNS];
  Sub subs[MAX_SUBS];
  guint n_subs;
  QlTimeNs next_close;         /* earliest forming time-based bar end, or G_MAXINT64 */
  gboolean liquidating;
  const QlPosition *position;  /* the portfolio's, for the life of the run */
  /* pick (): what it found for this symbol, valid until the symbol is
   * touched (stale) or the broker's live lists or positions change. */
  QlTimeNs pick_key;           /* its next sensitive event */
  QlTimeNs pick_head;          /* its next row */
  gboolean stale;
  QlTimeNs day_start;          /* direct subs: the cached trading day */
  QlTimeNs day_end;
  QlAggregator *grid;          /* bar input in days, weeks, months: buckets of
                                * src_tf, made by input_end () when first asked */
  gboolean hold;               /* bar input longer than the run's finest input
                                * (see hold_coarse ()): each bar is matched at
                                * its open but enters the subscriptions only at
                                * its end */
  QlBar held;                  /* hold: the bar matched, not taken yet */
  QlTimeNs held_end;           /* its end, or G_MAXINT64 when none is held */
  QlBar taking;                /* an input bar matched, not taken yet (see
                                * take_later ()) */
  gboolean to_take;            /* @taking waits in QlBacktest.take_q */
} Sym;

/* A bar closed by a bar input at @at, to be told once every symbol's
 * input of that instant has been taken (see flush_pending). */
typedef struct
{
  guint si, k;
  QlTimeNs end;
  QlTimeNs at;
} Pending;

struct QlBacktest
{
  QlRunConfig cfg;
  guint n;
  Sym *syms;
  QlPortfolio *portfolio;
  QlBroker *broker;
  const QlStrategy *strategy;
  const QlStrategyClass *k;
  gboolean lazy;               /* batch aggregation (see the top) */
  gboolean direct_only;        /* one symbol of bars, one direct subscription */
  gboolean in_start;
  gboolean ran;
  gboolean blocked;
  gboolean disabled;
  gboolean margin_watch;
  gboolean dirty;              /* something moved since the last equity point */
  QlTimeNs now;
  QlTimeNs react_time;         /* while the strategy hears of a fill inside a
                                * bar: that bar's end, the time of the orders
                                * it sends; else QL_TIME_NONE */
  guint react_symbol;          /* with react_time: the fill's symbol */
  QlTimeNs deferred_at;        /* ql_broker_get_deferred_time (), cached:
                                * G_MAXINT64 while no request waits */
  QlEquityPoint *equity;       /* n_equity points, room for cap_equity */
  gsize n_equity, cap_equity;
  QlEquityPoint last;          /* the latest point (n_points > 0) */
  gsize n_points;
  QlCurveStats curve;          /* curve_stats_only: the points before last */
  QlTimeNs held_at;            /* the earliest Sym.held_end, G_MAXINT64: none */
  QlTimeNs mark_end;           /* while a held bar's range and close are
                                * marked at its end: that end, for
                                * marked_time (); else QL_TIME_NONE */
  Pending *pending;            /* bar-input closes not told yet: a queue of */
  guint n_pending, cap_pending;/* at most one per subscription */
  guint *take_q;               /* n: symbols whose input bar of take_at */
  guint n_take;                /* waits to be taken (take_later ()) */
  QlTimeNs take_at;
  double *view_position;       /* n */
  gboolean *fast;              /* n: nothing can react on the symbol now */
  QlTimeNs fast_head;          /* pick (): the earliest next row of those symbols */
  guint live_seen;             /* ql_broker_get_live_changes () at the last pick */
  gboolean all_stale;          /* the next pick looks at every symbol again */
  gsize max_bars;              /* bars kept per subscription, >= 1 */
  QlRunStats stats;
  char reject_text[160];
  QlStatus status;             /* first failure inside callbacks */
};

/* ---- memory source ---------------------------------------------------- */

typedef struct
{
  const QlSeries *series;
  gsize chunk_rows;
  gsize next;
  QlSeries view;
  void **cols;
} MemSource;

static QlStatus
mem_next (gpointer data, const QlSeries **chunk)
{
  MemSource *m = data;
  gsize n;

  if (m->next >= m->series->len)
    {
      *chunk = NULL;
      return QL_STATUS_OK;
    }
  if (m->chunk_rows == 0 || m->chunk_rows >= m->series->len)
    {
      m->next = m->series->len;
      *chunk = m->series;
      return QL_STATUS_OK;
    }
  n = MIN (m->chunk_rows, m->series->len - m->next);
  for (guint c = 0; c < m->series->n_columns; c++)
    m->cols[c] = (char *) m->series->columns[c] + 8 * m->next;
  m->view = *m->series;
  m->view.columns = m->cols;
  m->view.len = n;
  m->view.cap = n;
  m->next += n;
  *chunk = &m->view;
  return QL_STATUS_OK;
}

static void
mem_free (gpointer data)
{
  MemSource *m = data;
  g_free (m->cols);
  g_free (m);
}

QlSource
ql_source_new_memory (const QlSeries *series, gsize chunk_rows)
{
  QlSource src = { 0 };
  MemSource *m;

  g_return_val_if_fail (series != NULL, src);
  m = g_new0 (MemSource, 1);
  m->series = series;
  m->chunk_rows = chunk_rows;
  m->cols = g_new0 (void *, MAX (series->n_columns, 1));
  src.next = mem_next;
  src.free = mem_free;
  src.data = m;
  return src;
}

/* ---- construction ----------------------------------------------------- */

static void
source_free (QlSource *src)
{
  if (src->free != NULL)
    src->free (src->data);
  memset (src, 0, sizeof *src);
}

static gboolean
sub_init (Sym *s, Sub *sub, const QlTimeframe *tf, GError **error)
{
  sub->tf = *tf;
  sub->time_based = ql_timeframe_is_time_based (tf);
  sub->agg = ql_aggregator_new (s->inst, tf);
  sub->bars = ql_series_new_bars ();
  if (s->kind == QL_SOURCE_BARS)
    {
      if (!ql_aggregator_set_source_timeframe (sub->agg, &s->src_tf, error))
        return FALSE;
      sub->direct = tf->unit == QL_TF_SECONDS && s->src_tf.unit == QL_TF_SECONDS
                    && tf->n == s->src_tf.n;
    }
  return TRUE;
}

static void
sub_clear (Sub *sub)
{
  g_clear_pointer (&sub->agg, ql_aggregator_free);
  g_clear_pointer (&sub->bars, ql_series_free);
}

QlBacktest *
ql_backtest_new (const QlRunConfig *config,
                 const QlRunSymbol *symbols,
                 guint              n_symbols,
                 GError           **error)
{
  g_autoptr (QlBacktest) self = NULL;
  QlPortfolioSymbol *ps;

  g_return_val_if_fail (config != NULL && (symbols != NULL || n_symbols == 0), NULL);

  self = g_new0 (QlBacktest, 1);
  self->cfg = *config;
  ql_curve_stats_init (&self->curve, ql_money_to_double (config->initial_capital), 0.0);
  self->n = n_symbols;
  self->syms = g_new0 (Sym, MAX (n_symbols, 1));
  self->cap_pending = MAX (n_symbols, 1) * MAX_SUBS;
  self->pending = g_new (Pending, self->cap_pending);
  self->take_q = g_new (guint, MAX (n_symbols, 1));
  self->view_position = g_new0 (double, MAX (n_symbols, 1));
  self->fast = g_new0 (gboolean, MAX (n_symbols, 1));
  self->now = QL_TIME_NONE;
  self->react_time = QL_TIME_NONE;
  self->deferred_at = G_MAXINT64;
  self->held_at = G_MAXINT64;
  self->mark_end = QL_TIME_NONE;
  self->max_bars = config->max_bars > 0 ? config->max_bars : QL_BACKTEST_DEFAULT_MAX_BARS;
  ps = g_new0 (QlPortfolioSymbol, MAX (n_symbols, 1));

  /* Take every source first, so that failure frees them all. */
  for (guint i = 0; i < n_symbols; i++)
    {
      Sym *s = &self->syms[i];
      const QlRunSymbol *rs = &symbols[i];

      s->cfg = *rs;
      s->inst = rs->inst;
      if (rs->magnifier.next != NULL)
        {
          s->kind = rs->magnifier_kind;
          s->src_tf = rs->magnifier_timeframe;
          s->src = rs->magnifier;
          s->unused = rs->source;
        }
      else
        {
          s->kind = rs->kind;
          s->src_tf = rs->bar_timeframe;
          s->src = rs->source;
        }
      s->next_close = G_MAXINT64;
      s->held_end = G_MAXINT64;
      ps[i].inst = rs->inst;
      ps[i].multiplier = rs->multiplier > 0 ? rs->multiplier : 1;
      ps[i].initial_margin_ppm = rs->initial_margin_ppm > 0 ? rs->initial_margin_ppm : 1000000;
      ps[i].maintenance_margin_ppm = MAX (rs->maintenance_margin_ppm, 0);
      if (ps[i].maintenance_margin_ppm > 0)
        self->margin_watch = TRUE;
    }

  for (guint i = 0; i < n_symbols; i++)
    {
      Sym *s = &self->syms[i];
      if (s->inst == NULL || s->src.next == NULL)
        {
          g_set_error (error, QL_AGGREGATOR_ERROR, QL_AGGREGATOR_ERROR_INCOMPATIBLE,
                       "symbol %u: no instrument or no source", i);
          g_free (ps);
          return NULL;
        }
      s->src_ns = s->kind == QL_SOURCE_BARS ? ql_timeframe_nominal_ns (&s->src_tf) : 0;
      if (s->kind == QL_SOURCE_BARS && s->src.next != NULL
          && !ql_timeframe_is_time_based (&s->src_tf))
        {
          g_set_error (error, QL_AGGREGATOR_ERROR, QL_AGGREGATOR_ERROR_INCOMPATIBLE,
                       "%s: bar input must have a time-based timeframe", s->inst->symbol);
          g_free (ps);
          return NULL;
        }
      if (!sub_init (s, &s->subs[0], &config->timeframe, error))
        {
          g_prefix_error (error, "%s: ", s->inst->symbol);
          g_free (ps);
          return NULL;
        }
      s->n_subs = 1;
      s->view.n_columns = QL_TICK_N_COLUMNS;
      s->view.columns = s->view_cols;
    }

  self->portfolio = ql_portfolio_new (config->initial_capital, ps, n_symbols);
  g_free (ps);
  for (guint i = 0; i < n_symbols; i++)
    self->syms[i].position = ql_portfolio_get_position (self->portfolio, i);
  self->broker = ql_broker_new (&config->broker, self->portfolio);
  return g_steal_pointer (&self);
}

void
ql_backtest_free (QlBacktest *self)
{
  if (self == NULL)
    return;
  for (guint i = 0; i < self->n; i++)
    {
      Sym *s = &self->syms[i];
      source_free (&s->src);
      source_free (&s->unused);
      ql_aggregator_free (s->grid);
      for (guint k = 0; k < MAX_SUBS; k++)
        sub_clear (&s->subs[k]);
    }
  g_free (self->syms);
  ql_broker_free (self->broker);
  ql_portfolio_free (self->portfolio);
  g_free (self->equity);
  ql_curve_stats_clear (&self->curve);
  g_free (self->pending);
  g_free (self->take_q);
  g_free (self->view_position);
  g_free (self->fast);
  g_free (self);
}

/* ---- account ---------------------------------------------------------- */

static QlMoney
equity_now (QlBacktest *self)
{
  QlMoney e;
  if (ql_portfolio_get_equity (self->portfolio, &e) != QL_STATUS_OK)
    {
      if (self->status == QL_STATUS_OK)
        self->status = QL_STATUS_OVERFLOW;
      return ql_portfolio_get_balance (self->portfolio);
    }
  return e;
}

static void
track_drawdown (QlBacktest *self, QlMoney equity)
{
  if (equity > self->stats.peak_equity)
    self->stats.peak_equity = equity;
  if (self->stats.peak_equity - equity > self->stats.max_drawdown)
    self->stats.max_drawdown = self->stats.peak_equity - equity;
}

static void
fill_view (QlBacktest *self, QlAccountView *v)
{
  QlMoney e = equity_now (self);

  track_drawdown (self, e);
  v->time = self->now;
  v->initial_capital = ql_money_to_double (ql_portfolio_get_initial_capital (self->portfolio));
  v->balance = ql_money_to_double (ql_portfolio_get_balance (self->portfolio));
  v->equity = ql_money_to_double (e);
  v->n_symbols = self->n;
  v->position = self->view_position;
}

/* The end of the input bar of @s opening at @t: its open plus the input
 * timeframe, cut at the end of its trading day (as direct_take ()), or for
 * days, weeks and months the end of its bucket, asked of an aggregator of
 * the input timeframe, made once. The trading day is cached in the Sym. */
static QlTimeNs
input_end (Sym *s, QlTimeNs t)
{
  QlTimeNs start, end;

  if (s->src_tf.unit == QL_TF_SECONDS)
    {
      /* the bar need not sit on the grid */
      if (t >= s->day_end || t < s->day_start)
        ql_instrument_trading_day (s->inst, t, &s->day_start, &s->day_end, NULL);
      return MIN (t + s->src_tf.n * QL_NS_PER_SEC, s->day_end);
    }
  if (s->grid == NULL)
    s->grid = ql_aggregator_new (s->inst, &s->src_tf);
  ql_aggregator_get_bucket (s->grid, t, &start, &end);
  return MAX (end, t);
}

/* When the prices the run last marked symbol @si at were traded: the
 * time of the tick, or with bar input the end of the input bar, whose close
 * was marked (self->now is its open time). The run's own orders decided on
 * those prices (margin calls, flattens), and the strategy's sent on hearing
 * of a fill inside that bar, are stamped with it, so that they
 * meet no price traded before it: not the open of another symbol's bar of
 * the same instant, nor of a shorter bar inside this one. Rare path. */
static QlTimeNs
marked_time (QlBacktest *self, guint si)
{
  Sym *s = &self->syms[si];

  if (G_UNLIKELY (self->mark_end != QL_TIME_NONE))
    return self->mark_end; /* mark_held (): the held bar's close, at its end */
  if (s->kind != QL_SOURCE_BARS || self->now == QL_TIME_NONE)
    return self->now;
  return input_end (s, self->now);
}

/* Cancels every order and closes every position at market, the orders
 * stamped at the time of the prices of @si that decided it; the trades
 * they close record @reason. */
static void
flatten (QlBacktest *self, guint si, QlExitReason reason)
{
  QlTimeNs at = marked_time (self, si);

  ql_broker_cancel_all (self->broker);
  for (guint i = 0; i < self->n; i++)
    {
      QlQty q = ql_portfolio_get_position (self->portfolio, i)->qty;
      QlOrderRequest req = { 0 };
      QlOrderId id;

      if (q == 0)
        continue;
      req.symbol = i;
      req.side = q > 0 ? QL_SIDE_SELL : QL_SIDE_BUY;
      req.type = QL_ORDER_MARKET;
      req.quantity = q > 0 ? q : -q;
      req.reduce_only = TRUE;
      req.exit_reason = reason;
      ql_broker_submit (self->broker, &req, at, TRUE, &id);
    }
}

static void
apply_action (QlBacktest *self, guint si, QlAccountAction a)
{
  switch (a)
    {
    case QL_ACCOUNT_CONTINUE:
      self->blocked = FALSE;
      break;
    case QL_ACCOUNT_BLOCK_NEW:
      self->blocked = TRUE;
      break;
    case QL_ACCOUNT_FLATTEN_BLOCK:
      flatten (self, si, QL_EXIT_ACCOUNT_RULE);
      self->blocked = TRUE;
      break;
    case QL_ACCOUNT_FLATTEN_DISABLE:
      flatten (self, si, QL_EXIT_ACCOUNT_RULE);
      self->disabled = TRUE;
      break;
    }
}

static gboolean
broker_check (gpointer              data,
              const QlOrderRequest *req,
              double                position_after,
              gboolean             *blocked,
              char                 *reason,
              gsize                 reason_size)
{
  QlBacktest *self = data;
  QlAccountView v;

  if (self->disabled || self->blocked)
    {
      *blocked = TRUE;
      g_strlcpy (reason, self->disabled ? "the account is disabled" : "new orders are blocked",
                 reason_size);
      return FALSE;
    }
  if (self->cfg.observer.check_order == NULL)
    return TRUE;
  fill_view (self, &v);
  return self->cfg.observer.check_order (self->cfg.observer.data, &v, req->symbol, req->side,
                                         ql_qty_to_double (self->syms[req->symbol].inst, req->quantity),
                                         position_after, reason, reason_size);
}

/* Margin call: equity below the maintenance margin of the positions, found
 * at an event of @si. The closing orders are stamped at marked_time (). */
static void
margin_check (QlBacktest *self, guint si)
{
  QlMoney e = equity_now (self), m;

  if (ql_portfolio_get_margin (self->portfolio, TRUE, &m) != QL_STATUS_OK || m == 0 || e >= m)
    return;
  for (guint i = 0; i < self->n; i++)
    if (self->syms[i].liquidating)
      return; /* already closing */
  self->stats.margin_calls++;
  if (self->cfg.margin_call == QL_MARGIN_CALL_NONE)
    return;
  if (self->cfg.margin_call == QL_MARGIN_CALL_CLOSE_ALL)
    {
      flatten (self, si, QL_EXIT_MARGIN_CALL);
      for (guint i = 0; i < self->n; i++)
        if (ql_portfolio_get_position (self->portfolio, i)->qty != 0)
          self->syms[i].liquidating = TRUE;
      return;
    }
  {
    guint worst = G_MAXUINT;
    QlMoney worst_u = G_MAXINT64;
    for (guint i = 0; i < self->n; i++)
      {
        QlMoney u;
        if (ql_portfolio_get_position (self->portfolio, i)->qty == 0)
          continue;
        if (ql_portfolio_get_unrealized (self->portfolio, i, &u) == QL_STATUS_OK && u < worst_u)
          {
            worst_u = u;
            worst = i;
          }
      }
    if (worst != G_MAXUINT)
      {
        QlQty q = ql_portfolio_get_position (self->portfolio, worst)->qty;
        QlOrderRequest req = { 0 };
        QlOrderId id;
        GArray *keep;
        guint nl;
        const QlOrderId *live = ql_broker_get_live (self->broker, worst, &nl);

        /* Cancel the symbol's orders, then close it. */
        keep = g_array_new (FALSE, FALSE, sizeof (QlOrderId));
        g_array_append_vals (keep, live, nl);
        for (guint j = 0; j < keep->len; j++)
          ql_broker_cancel (self->broker, g_array_index (keep, QlOrderId, j));
        g_array_unref (keep);
        req.symbol = worst;
        req.side = q > 0 ? QL_SIDE_SELL : QL_SIDE_BUY;
        req.type = QL_ORDER_MARKET;
        req.quantity = q > 0 ? q : -q;
        req.reduce_only = TRUE;
        req.exit_reason = QL_EXIT_MARGIN_CALL;
        ql_broker_submit (self->broker, &req, marked_time (self, si), TRUE, &id);
        self->syms[worst].liquidating = TRUE;
      }
  }
}

/* The fills of the last match: the observer sees them and the clock, then
 * the strategy sees them. FALSE: there were none. */
static G_GNUC_NO_INLINE gboolean
tell_fills (QlBacktest *self, guint si)
{
  gsize n_fills;
  const QlFill *fills = ql_broker_get_fills (self->broker, &n_fills);
  const QlAccountObserver *obs = &self->cfg.observer;
  QlAccountView v;
  /* Copy: strategy callbacks may submit orders that fill later only,
   * but keep the list stable anyway. */
  QlFill local[8];
  QlFill *copy;

  if (n_fills == 0)
    return FALSE;
  copy = n_fills <= G_N_ELEMENTS (local) ? local : g_new (QlFill, n_fills);
  memcpy (copy, fills, n_fills * sizeof (QlFill));
  ql_broker_clear_fills (self->broker);
  self->stats.fills += n_fills;
  self->dirty = TRUE;
  for (gsize i = 0; i < n_fills; i++)
    {
      Sym *s = &self->syms[copy[i].symbol];
      self->view_position[copy[i].symbol] = ql_qty_to_double (s->inst, s->position->qty);
      if (s->position->qty == 0)
        s->liquidating = FALSE;
    }
  if (obs->on_fill != NULL)
    for (gsize i = 0; i < n_fills; i++)
      {
        fill_view (self, &v);
        apply_action (self, si, obs->on_fill (obs->data, &v));
      }
  else
    track_drawdown (self, equity_now (self));
  if (obs->on_clock != NULL)
    {
      fill_view (self, &v);
      apply_action (self, si, obs->on_clock (obs->data, &v));
    }
  for (gsize i = 0; i < n_fills; i++)
    {
      /* A fill inside a bar, past its open, is known at the bar's end
       * only: what the strategy sends on hearing of it is timed there
       * (marked_time ()), so it meets no price traded before the fill,
       * such as the open of a later symbol's bar of the same instant. A
       * fill at the open keeps the open's time. */
      self->react_time = copy[i].intrabar ? marked_time (self, copy[i].symbol) : QL_TIME_NONE;
      self->react_symbol = copy[i].symbol;
      if (self->k->on_order_fill != NULL)
        self->k->on_order_fill (self, ql_broker_get_order (self->broker, copy[i].order), &copy[i],
                                self->strategy->data);
      if (self->k->on_position_change != NULL)
        self->k->on_position_change (self, copy[i].symbol, self->syms[copy[i].symbol].position,
                                     self->strategy->data);
    }
  self->react_time = QL_TIME_NONE;
  if (copy != local)
    g_free (copy);
  return TRUE;
}

/* After an event of @si: the observer and strategy see the fills, if the
 * broker matched (fills come from nowhere else), then the observer the clock. */
static inline void
after_match (QlBacktest *self, guint si, gboolean matched)
{
  const QlAccountObserver *obs = &self->cfg.observer;

  if (matched && tell_fills (self, si))
    return;
  if (obs->on_clock != NULL)
    {
      QlAccountView v;

      fill_view (self, &v);
      apply_action (self, si, obs->on_clock (obs->data, &v));
    }
}

/* The cancels and modifications waiting for a time at or before @t (see
 * ql_context_cancel ()) take effect: the clock has reached @t and no event
 * at or after it has been matched yet. Rare: called only when one is due. */
static G_GNUC_NO_INLINE void
apply_deferred (QlBacktest *self, QlTimeNs t)
{
  self->stats.late_refusals += ql_broker_apply_deferred (self->broker, t);
  self->deferred_at = ql_broker_get_deferred_time (self->broker);
}

/* ---- bars --------------------------------------------------------------- */

static void
update_next_close (Sym *s)
{
  QlTimeNs t = G_MAXINT64;
  for (guint k = 0; k < s->n_subs; k++)
    if (s->subs[k].time_based && !s->subs[k].direct && ql_aggregator_has_forming_bar (s->subs[k].agg))
      {
        QlTimeNs e = ql_aggregator_get_bar_end (s->subs[k].agg);
        if (e != QL_TIME_NONE && e < t)
          t = e;
      }
  s->next_close = t;
}

static void
fail (QlBacktest *self, QlStatus st)
{
  if (st != QL_STATUS_OK && self->status == QL_STATUS_OK)
    self->status = st;
}

/* Lazy mode: hands the rows [agg_from, pos) of the chunk to the aggregators. */
static void
flush (QlBacktest *self, Sym *s)
{
  gsize n;

  if (!self->lazy || s->chunk == NULL || s->pos <= s->agg_from)
    return;
  n = s->pos - s->agg_from;
  for (guint c = 0; c < QL_TICK_N_COLUMNS; c++)
    s->view_cols[c] = (char *) s->chunk->columns[c] + 8 * s->agg_from;
  s->view.len = n;
  s->view.cap = n;
  s->view.types = s->chunk->types;
  s->view.names = s->chunk->names;
  for (guint k = 0; k < s->n_subs; k++)
    fail (self, ql_aggregator_run_ticks (s->subs[k].agg, &s->view, s->subs[k].bars));
  s->agg_from = s->pos;
}

static void
equity_reserve (QlBacktest *self, gsize need)
{
  if (need <= self->cap_equity)
    return;
  self->cap_equity = MAX (need, MAX (self->cap_equity * 2, 1024));
  self->equity = g_renew (QlEquityPoint, self->equity, self->cap_equity);
}

/* Appends @pt, or replaces the latest point when @pt has its time. Without
 * a stored curve a point is gathered once the next one shows it final. */
static inline void
record_point (QlBacktest *self, const QlEquityPoint *pt)
{
  if (self->n_points > 0 && self->last.time == pt->time)
    {
      self->last = *pt;
      if (!self->cfg.curve_stats_only)
        self->equity[self->n_equity - 1] = *pt;
      return;
    }
  if (self->cfg.curve_stats_only)
    {
      if (self->n_points > 0)
        ql_curve_stats_add (&self->curve, self->last.time, self->last.equity, self->last.exposure > 0);
    }
  else
    {
      /* a plain array: this runs once per bar (GArray's append call cost
       * a fifth of the bar-mode run) */
      if (self->n_equity == self->cap_equity)
        equity_reserve (self, self->n_equity + 1);
      self->equity[self->n_equity++] = *pt;
    }
  self->last = *pt;
  self->n_points++;
}

static void
equity_point (QlBacktest *self, QlTimeNs time)
{
  QlEquityPoint pt;
  QlMoney e, gross = 0;

  if (!self->dirty && self->n_points > 0)
    {
      /* Nothing moved since the last point (no fill, no open position
       * re-marked): the same figures at a new time, and the drawdown is
       * where it was. Half the bars of a long-only strategy are flat. */
      if (self->last.time == time)
        return;
      pt = self->last;
      pt.time = time;
      record_point (self, &pt);
      return;
    }
  if (ql_portfolio_get_equity_exposure (self->portfolio, &e, &gross) != QL_STATUS_OK)
    {
      fail (self, QL_STATUS_OVERFLOW);
      e = ql_portfolio_get_balance (self->portfolio);
    }
  memset (&pt, 0, sizeof pt);
  track_drawdown (self, e);
  pt.time = time;
  pt.balance = ql_money_to_double (ql_portfolio_get_balance (self->portfolio));
  pt.equity = ql_money_to_double (e);
  pt.exposure = e > 0 ? (double) gross / (double) e : 0.0;
  record_point (self, &pt);
  self->dirty = FALSE;
}

/* Sub @k of @s has just closed a bar at @end. */
/* Keeps the last max_bars rows once eight times as many have piled up:
 * amortised a seventh of a row copy per bar, memory bounded by the window.
 * The aggregators only ever touch the last row, and no bar is forming when
 * this runs. */
static void
trim (QlBacktest *self, QlSeries *bars)
{
  gsize keep = self->max_bars;

  if (bars->len / 8 < keep)
    return;
  for (guint c = 0; c < bars->n_columns; c++)
    memmove (bars->columns[c], (char *) bars->columns[c] + 8 * (bars->len - keep), 8 * keep);
  bars->len = keep;
}

static inline void
bar_closed (QlBacktest *self, guint si, guint k, QlTimeNs end)
{
  Sym *s = &self->syms[si];
  QlSeries *bars = s->subs[k].bars;

  if (end != QL_TIME_NONE && end > self->now)
    self->now = end;
  if (G_UNLIKELY (self->now >= self->deferred_at))
    apply_deferred (self, self->now);
  if (k == 0)
    {
      QlTimeNs open_time = ql_series_i64 (bars, QL_BAR_TIME)[bars->len - 1];
      ql_portfolio_count_bar (self->portfolio, si);
      self->stats.bars++;
      equity_point (self, open_time);
    }
  trim (self, bars);
  if (self->k->on_bar != NULL)
    self->k->on_bar (self, si, k, self->strategy->data);
}

/* The close event at s->next_close. */
static void
close_event (QlBacktest *self, guint si)
{
  Sym *s = &self->syms[si];
  QlTimeNs t = s->next_close;

  flush (self, s);
  for (guint k = 0; k < s->n_subs; k++)
    {
      gboolean closed = FALSE;
      if (!s->subs[k].time_based)
        continue;
      fail (self, ql_aggregator_close_until (s->subs[k].agg, t, &closed));
      if (closed)
        bar_closed (self, si, k, t);
    }
  update_next_close (s);
}

static void take_deferred (QlBacktest *self);

/* Bars closed by bar inputs before @t are told now, in the order their
 * inputs came (time, then symbol): a bar input reaching its bar's end
 * closes that bar at the end time, which is after the inputs of the
 * input's own instant, so every symbol's input of that instant is taken
 * first and on_bar sees all of them. Input bars of an instant before @t
 * that wait to be taken (take_later ()) are taken first. */
static inline void
flush_pending (QlBacktest *self, QlTimeNs t)
{
  guint done = 0;

  if (self->n_take > 0 && self->take_at < t)
    take_deferred (self);
  while (done < self->n_pending && self->status == QL_STATUS_OK)
    {
      Pending pe = self->pending[done];

      if (pe.at >= t)
        break;
      done++;
      bar_closed (self, pe.si, pe.k, pe.end);
    }
  if (done == self->n_pending)
    self->n_pending = 0;
  else if (done > 0)
    {
      memmove (self->pending, self->pending + done, (self->n_pending - done) * sizeof (Pending));
      self->n_pending -= done;
    }
}

/* ---- events ------------------------------------------------------------- */

static void
mark_tick (QlBacktest *self, guint si, const QlTick *tick)
{
  QlPrice p;
  if (tick->flags & QL_TICK_FLAG_TRADE && tick->price > 0)
    p = tick->price;
  else if (tick->bid > 0 && tick->ask > 0)
    p = tick->bid + (tick->ask - tick->bid) / 2;
  else
    return;
  ql_portfolio_mark (self->portfolio, si, p, p, p);
}

static void
read_tick (const QlSeries *c, gsize i, QlTick *t)
{
  t->time = ql_series_i64 (c, QL_TICK_TIME)[i];
  t->price = ql_series_i64 (c, QL_TICK_PRICE)[i];
  t->size = ql_series_i64 (c, QL_TICK_SIZE)[i];
  t->bid = ql_series_i64 (c, QL_TICK_BID)[i];
  t->ask = ql_series_i64 (c, QL_TICK_ASK)[i];
  t->flags = (guint32) ql_series_i64 (c, QL_TICK_FLAGS)[i];
}

/* One tick through the full path. */
static void
tick_event (QlBacktest *self, guint si, gsize i)
{
  Sym *s = &self->syms[si];
  QlTick tick;
  gboolean matched = FALSE;

  read_tick (s->chunk, i, &tick);
  self->now = tick.time;
  if (G_UNLIKELY (tick.time >= self->deferred_at))
    apply_deferred (self, tick.time);
  if (ql_broker_has_live (self->broker, si))
    {
      fail (self, ql_broker_match_tick (self->broker, si, &tick));
      matched = TRUE;
    }
  mark_tick (self, si, &tick);
  if (self->margin_watch && s->position->qty != 0)
    margin_check (self, si);
  after_match (self, si, matched);
  if (!self->lazy)
    {
      for (guint k = 0; k < s->n_subs; k++)
        {
          gboolean closed = FALSE;
          /* Time-based bars ending at or before this tick were closed by
           * the merge, so this push never closes one of them. */
          fail (self, ql_aggregator_push_tick (s->subs[k].agg, &tick, s->subs[k].bars, &closed));
          if (closed && !s->subs[k].time_based)
            bar_closed (self, si, k, tick.time);
        }
      update_next_close (s);
    }
  if (self->k->on_tick != NULL)
    self->k->on_tick (self, si, &tick, self->strategy->data);
}

/* Queues the close of sub @k of @si at @end, made by the input at @at. */
static inline void
queue_close (QlBacktest *self, guint si, guint k, QlTimeNs end, QlTimeNs at)
{
  /* a subscription closes at most once per input, and the queue is told
   * before the next input of a later time: it grows only with the symbols */
  if (G_UNLIKELY (self->n_pending == self->cap_pending))
    {
      self->cap_pending *= 2;
      self->pending = g_renew (Pending, self->pending, self->cap_pending);
    }
  self->pending[self->n_pending++] = (Pending) { si, k, end, at };
}

/* The input bar of @si meets the broker and marks the portfolio: with
 * @held (a held bar, see Sym.hold) at its open only, the rest of it being
 * marked at its end by mark_held (). */
static inline void
bar_match (QlBacktest *self, guint si, const QlBar *bar, gboolean held)
{
  Sym *s = &self->syms[si];
  QlPrice o, h, l, c;
  QlQty v;
  gboolean matched = FALSE;

  self->now = bar->time;
  if (G_UNLIKELY (bar->time >= self->deferred_at))
    apply_deferred (self, bar->time);
  c = ql_price_from_double (s->inst, bar->close);
  if (ql_broker_has_live (self->broker, si))
    {
      o = ql_price_from_double (s->inst, bar->open);
      h = ql_price_from_double (s->inst, bar->high);
      l = ql_price_from_double (s->inst, bar->low);
      v = ql_qty_from_double (s->inst, bar->volume);
      fail (self, ql_broker_match_bar (self->broker, si, bar->time, o, h, l, c, v));
      matched = TRUE;
    }
  if (held)
    {
      /* what is known of the bar at its open time: its open */
      o = ql_price_from_double (s->inst, bar->open);
      ql_portfolio_mark (self->portfolio, si, o, o, o);
      if (s->position->qty != 0)
        {
          self->dirty = TRUE;
          if (self->margin_watch)
            margin_check (self, si);
        }
    }
  else if (s->position->qty != 0)
    {
      h = ql_price_from_double (s->inst, bar->high);
      l = ql_price_from_double (s->inst, bar->low);
      ql_portfolio_mark (self->portfolio, si, l, h, c);
      self->dirty = TRUE;
      if (self->margin_watch)
        margin_check (self, si);
    }
  else
    ql_portfolio_mark (self->portfolio, si, c, c, c);
  after_match (self, si, matched);
}

/* A direct subscription takes the input bar, a bar of its own timeframe:
 * its bucket is [time, min (time + n s, end of its trading day)), the rule
 * of engine/aggregate.h (GTimeZone is asked once per trading day). Returns
 * the bar's end, or QL_TIME_NONE (and fails the run) when the bar does not
 * come after the last one. */
static inline QlTimeNs
direct_take (QlBacktest *self, Sym *s, Sub *sub, const QlBar *bar)
{
  QlSeries *bars = sub->bars;

  if (bars->len > 0 && bar->time <= ql_series_i64 (bars, QL_BAR_TIME)[bars->len - 1])
    {
      fail (self, QL_STATUS_OUT_OF_ORDER);
      return QL_TIME_NONE;
    }
  if (bar->time >= s->day_end || bar->time < s->day_start)
    ql_instrument_trading_day (s->inst, bar->time, &s->day_start, &s->day_end, NULL);
  ql_series_append_bar (bars, bar);
  return MIN (bar->time + sub->tf.n * QL_NS_PER_SEC, s->day_end);
}

/* The subscriptions of @si take @bar, an input bar matched already; the
 * closes it makes are queued as made by an input at @at. */
static void
take_bar (QlBacktest *self, guint si, const QlBar *bar, QlTimeNs at)
{
  Sym *s = &self->syms[si];

  /* Every subscription takes the bar first, then the closes are told in
   * subscription order: at the close of the run's bar, a longer bar of the
   * same symbol ending then is already complete. */
  for (guint k = 0; k < s->n_subs; k++)
    {
      gboolean closed = FALSE;
      Sub *sub = &s->subs[k];
      QlTimeNs end;

      if (sub->direct)
        {
          end = direct_take (self, s, sub, bar);
          if (end == QL_TIME_NONE)
            return;
          queue_close (self, si, k, end, at);
          continue;
        }
      fail (self, ql_aggregator_push_bar (sub->agg, bar, sub->bars, &closed));
      end = ql_aggregator_get_bar_end (sub->agg);
      if (s->src_ns > 0 && end != QL_TIME_NONE && bar->time + s->src_ns >= end)
        {
          fail (self, ql_aggregator_close_until (sub->agg, end, &closed));
          if (closed)
            queue_close (self, si, k, end, at);
        }
    }
  update_next_close (s);
}

/* The input bars that wait (take_later ()) enter their subscriptions, in
 * the order they were matched (symbol order: they share one instant),
 * their closes queued as made at that instant. Called once the clock is
 * past that instant: by flush_pending () before the closes it tells, by
 * release_held () before a held bar ending later enters. */
static G_GNUC_NO_INLINE void
take_deferred (QlBacktest *self)
{
  guint n = self->n_take;

  self->n_take = 0;
  for (guint j = 0; j < n; j++)
    {
      Sym *s = &self->syms[self->take_q[j]];

      s->to_take = FALSE;
      if (self->status == QL_STATUS_OK)
        take_bar (self, self->take_q[j], &s->taking, s->taking.time);
    }
}

/* The input bar of @si, matched, waits for take_deferred () instead of
 * entering its subscriptions now: another symbol's input (or bar close)
 * of the same instant may follow, and what the strategy hears then (the
 * fills of that input, on_order_fill and on_position_change) must not
 * show this bar, whose high, low and close are prices of its end. */
static inline void
take_later (QlBacktest *self, guint si)
{
  Sym *s = &self->syms[si];

  if (self->n_take == 0)
    self->take_at = s->taking.time;
  s->to_take = TRUE;
  self->take_q[self->n_take++] = si;
}

/* Input bar @i of @si: matched, then taken at once, or with @later once
 * the events of its instant are over (take_later ()). */
static void
bar_event (QlBacktest *self, guint si, gsize i, gboolean later)
{
  Sym *s = &self->syms[si];

  if (G_UNLIKELY (s->to_take))
    take_deferred (self); /* bad input: two rows of one instant */
  ql_series_get_bar (s->chunk, i, &s->taking);
  bar_match (self, si, &s->taking, FALSE);
  if (later)
    take_later (self, si);
  else
    take_bar (self, si, &s->taking, s->taking.time);
}

/* bar_event () for a symbol that holds (Sym.hold): the bar is matched at
 * its open, but its close is known only at its end: until then no
 * subscription takes it (release_held ()). */
static void
held_bar_event (QlBacktest *self, guint si, gsize i)
{
  Sym *s = &self->syms[si];

  if (G_UNLIKELY (s->held_end != G_MAXINT64))
    {
      /* bad input: this bar opens before the held one ends (the merge
       * releases a held bar before any row at or after its end) */
      fail (self, QL_STATUS_OUT_OF_ORDER);
      return;
    }
  ql_series_get_bar (s->chunk, i, &s->held);
  bar_match (self, si, &s->held, TRUE);
  s->held_end = input_end (s, s->held.time);
  if (s->held_end < self->held_at)
    self->held_at = s->held_end;
}

/* The held bar of @si, matched and marked at its open, has ended at @e:
 * its range and close are marked now, and the margin call and the
 * observer's clock see them, as at an event of @si at @e (their orders
 * are stamped @e). The orders on @si met the whole bar at its open, and
 * its next input opens at @e or later: the position has not changed since,
 * so the trade's extremes are those a mark at the open would have given. */
static void
mark_held (QlBacktest *self, guint si, QlTimeNs e)
{
  Sym *s = &self->syms[si];
  QlPrice h = ql_price_from_double (s->inst, s->held.high);
  QlPrice l = ql_price_from_double (s->inst, s->held.low);
  QlPrice c = ql_price_from_double (s->inst, s->held.close);

  if (e > self->now)
    self->now = e;
  self->mark_end = e;
  if (s->position->qty != 0)
    {
      ql_portfolio_mark (self->portfolio, si, l, h, c);
      self->dirty = TRUE;
      if (self->margin_watch)
        margin_check (self, si);
    }
  else
    ql_portfolio_mark (self->portfolio, si, c, c, c);
  after_match (self, si, FALSE);
  self->mark_end = QL_TIME_NONE;
}

/* Every held bar ending at self->held_at, the earliest, enters its
 * symbol's subscriptions, in symbol order. Called when the run's next
 * event is at or after that end, before it: the clock has reached the
 * bar's end and every input before it has been taken. Closes of bars
 * ending earlier that still wait in the queue are told first, so they do
 * not see it; the closes it makes are queued after the others, as made by
 * an input just before its end, so that bars ending with it see it. */
static G_GNUC_NO_INLINE void
release_held (QlBacktest *self)
{
  QlTimeNs e = self->held_at, next = G_MAXINT64;
  guint done = 0;

  if (self->n_take > 0)
    take_deferred (self); /* of an instant before e: the merge stops there */
  while (done < self->n_pending && self->status == QL_STATUS_OK
         && self->pending[done].end < e)
    {
      Pending pe = self->pending[done++];
      bar_closed (self, pe.si, pe.k, pe.end);
    }
  if (done > 0)
    {
      memmove (self->pending, self->pending + done, (self->n_pending - done) * sizeof (Pending));
      self->n_pending -= done;
    }
  for (guint i = 0; i < self->n && self->status == QL_STATUS_OK; i++)
    {
      Sym *s = &self->syms[i];

      if (s->held_end == e)
        {
          s->held_end = G_MAXINT64;
          mark_held (self, i, e);
          take_bar (self, i, &s->held, e - 1);
        }
    }
  for (guint i = 0; i < self->n; i++)
    next = MIN (next, self->syms[i].held_end);
  self->held_at = next;
}

/* Ranks an input timeframe by length (ticks 0; a month counts 28 days,
 * its shortest). */
static gint64
input_rank (const Sym *s)
{
  if (s->kind != QL_SOURCE_BARS)
    return 0;
  if (s->src_tf.unit == QL_TF_MONTHS)
    return s->src_tf.n * 28 * QL_NS_PER_DAY;
  return s->src_ns;
}

/* Sets Sym.hold on the bar inputs that other inputs can step inside: every
 * one but those of the finest input timeframe when all the finest share
 * it exactly. When every symbol has the same input, none holds and the
 * run takes the path it always took. */
static void
hold_coarse (QlBacktest *self)
{
  gint64 finest = G_MAXINT64;
  const Sym *first = NULL;
  gboolean mixed = FALSE;

  for (guint i = 0; i < self->n; i++)
    finest = MIN (finest, input_rank (&self->syms[i]));
  for (guint i = 0; i < self->n; i++)
    {
      const Sym *s = &self->syms[i];

      if (input_rank (s) != finest)
        continue;
      if (first == NULL)
        first = s;
      else if (s->kind != first->kind || s->src_tf.unit != first->src_tf.unit
               || s->src_tf.n != first->src_tf.n)
        mixed = TRUE;
    }
  for (guint i = 0; i < self->n; i++)
    {
      Sym *s = &self->syms[i];

      s->hold = s->kind == QL_SOURCE_BARS && (input_rank (s) > finest || mixed);
    }
}

/* Makes s->chunk hold a row at s->pos, or sets s->done. */
static void
refill_slow (QlBacktest *self, Sym *s)
{
  while (!s->done && (s->chunk == NULL || s->pos >= s->chunk->len))
    {
      const QlSeries *chunk = NULL;
      QlStatus st;

      flush (self, s);
      st = s->src.next (s->src.data, &chunk);
      if (st != QL_STATUS_OK)
        {
          fail (self, st);
          s->done = TRUE;
          s->chunk = NULL;
          return;
        }
      if (chunk == NULL)
        {
          s->done = TRUE;
          s->chunk = NULL;
          return;
        }
      if (chunk->n_columns != (s->kind == QL_SOURCE_TICKS ? QL_TICK_N_COLUMNS : QL_BAR_N_COLUMNS))
        {
          fail (self, QL_STATUS_INVALID);
          s->done = TRUE;
          s->chunk = NULL;
          return;
        }
      s->chunk = chunk;
      s->pos = 0;
      s->agg_from = 0;
      if (s->kind == QL_SOURCE_BARS && !self->cfg.curve_stats_only)
        {
          /* At most one equity point per input bar: make room once rather
           * than doubling through a million points. */
          equity_reserve (self, self->n_equity + chunk->len);
        }
    }
}

/* The loop asks every symbol for its next row at every event: with many
 * symbols this is the check that runs most, so only a spent chunk calls
 * out. */
static inline void
refill (QlBacktest *self, Sym *s)
{
  if (G_UNLIKELY (!s->done && (s->chunk == NULL || s->pos >= s->chunk->len)))
    refill_slow (self, s);
}

static inline QlTimeNs
head_time (const Sym *s)
{
  return s->done ? G_MAXINT64 : ql_series_i64 (s->chunk, 0)[s->pos];
}

/* Asks for the next PREFETCH_ROWS rows of the tick columns the lazy path
 * reads (time, flags, price; size when they are aggregated) to be brought
 * into the cache. With many symbols the run takes a few dozen rows of
 * each in turn: each column is then a stream among forty, which the
 * hardware prefetcher stops following, and each batch began with misses.
 * bench-backtest, 10 symbols x 1M ticks: 111 -> 99 ms. */
#define PREFETCH_ROWS 64
static inline void
prefetch_rows (const QlSeries *chunk, gsize from)
{
#if defined(__GNUC__) || defined(__clang__)
  const gint64 *cols[] = {
    ql_series_i64 (chunk, QL_TICK_TIME), ql_series_i64 (chunk, QL_TICK_FLAGS),
    ql_series_i64 (chunk, QL_TICK_PRICE), ql_series_i64 (chunk, QL_TICK_SIZE),
  };
  gsize to = MIN (from + PREFETCH_ROWS, chunk->len);

  for (gsize r = from; r < to; r += 8) /* a cache line of each column */
    for (guint c = 0; c < G_N_ELEMENTS (cols); c++)
      __builtin_prefetch (cols[c] + r, 0, 2);
#else
  (void) chunk;
  (void) from;
#endif
}

/* Consumes the rows of @si that come before @lim (exclusive). */
static void
consume (QlBacktest *self, guint si, QlTimeNs lim)
{
  Sym *s = &self->syms[si];
  const gint64 *tt = ql_series_i64 (s->chunk, 0);
  gsize n = s->chunk->len, i = s->pos;
  QlTimeNs last_time = QL_TIME_NONE;

  if (s->kind == QL_SOURCE_BARS && self->direct_only)
    {
      /* One symbol, whose only subscription is its input's timeframe:
       * each input bar is a closed bar, and no other input can share its
       * instant, so its close is told at once (what the queue would do
       * before the next row), with no queue and no aggregator. */
      while (i < n && tt[i] < lim && self->status == QL_STATUS_OK)
        {
          QlBar bar;
          QlTimeNs end;

          ql_series_get_bar (s->chunk, i, &bar);
          bar_match (self, si, &bar, FALSE);
          end = direct_take (self, s, &s->subs[0], &bar);
          s->pos = ++i;
          self->stats.events++;
          /* as the queue: a failed run tells no more closes */
          if (end != QL_TIME_NONE && self->status == QL_STATUS_OK)
            bar_closed (self, si, 0, end);
        }
      return;
    }
  if (s->kind == QL_SOURCE_BARS)
    {
      if (G_UNLIKELY (s->hold))
        {
          /* one row: its held end may come before the next */
          if (i < n && tt[i] < lim && self->status == QL_STATUS_OK)
            {
              if (self->n_pending > 0 || self->n_take > 0)
                flush_pending (self, tt[i]);
              held_bar_event (self, si, i);
              s->pos = ++i;
              self->stats.events++;
            }
          return;
        }
      while (i < n && tt[i] < lim && self->status == QL_STATUS_OK)
        {
          /* Bars of an earlier instant that wait are taken by the merge,
           * which then looks at the next closes again (they move then). */
          if (G_UNLIKELY (self->n_take > 0) && tt[i] > self->take_at)
            break;
          if (self->n_pending > 0)
            flush_pending (self, tt[i]);
          /* An event of another symbol at this instant may follow (lim
           * stops there: at tt[i] + 1 for a symbol listed after): the bar
           * waits until it has been heard. */
          bar_event (self, si, i, lim <= tt[i] + 1);
          s->pos = ++i;
          self->stats.events++;
          /* A bar close inside moved next_close: stop there. */
          if (s->next_close < lim)
            lim = s->next_close;
        }
      return;
    }

  {
    const gint64 *pp = ql_series_i64 (s->chunk, QL_TICK_PRICE);
    const gint64 *bb = ql_series_i64 (s->chunk, QL_TICK_BID);
    const gint64 *aa = ql_series_i64 (s->chunk, QL_TICK_ASK);
    const gint64 *ff = ql_series_i64 (s->chunk, QL_TICK_FLAGS);
    const gboolean fast_ok = self->lazy && self->k->on_tick == NULL
                             && self->cfg.observer.on_clock == NULL;

    /* Lazy: a bar that is not forming yet learns its end from the first
     * tick of its bucket, pushed alone. */
    if (self->lazy && i < n && tt[i] < lim)
      {
        gboolean need = FALSE;
        for (guint k = 0; k < s->n_subs; k++)
          if (!ql_aggregator_has_forming_bar (s->subs[k].agg))
            need = TRUE;
        if (need)
          {
            QlTick head;
            flush (self, s);
            read_tick (s->chunk, i, &head);
            for (guint k = 0; k < s->n_subs; k++)
              fail (self, ql_aggregator_push_tick (s->subs[k].agg, &head, s->subs[k].bars, NULL));
            s->agg_from = i + 1;
            update_next_close (s);
            if (s->next_close < lim)
              lim = s->next_close;
          }
      }

    while (i < n && tt[i] < lim && self->status == QL_STATUS_OK)
      {
        if (fast_ok && !ql_broker_has_live (self->broker, si)
            && (!self->margin_watch || s->position->qty == 0))
          {
            /* Nothing can react: mark the price range of the run. */
            QlPrice lo = G_MAXINT64, hi = G_MININT64, last = 0;
            gsize j = i;

            for (; j < n && tt[j] < lim; j++)
              {
                QlPrice p;
                if (ff[j] & QL_TICK_FLAG_TRADE)
                  p = pp[j];
                else
                  p = bb[j] + (aa[j] - bb[j]) / 2;
                if (p <= 0)
                  continue;
                lo = p < lo ? p : lo;
                hi = p > hi ? p : hi;
                last = p;
              }
            if (last > 0)
              {
                ql_portfolio_mark (self->portfolio, si, lo, hi, last);
                if (s->position->qty != 0)
                  self->dirty = TRUE;
              }
            self->stats.events += j - i;
            last_time = tt[j - 1];
            i = j;
            s->pos = i;
            prefetch_rows (s->chunk, j);
            break;
          }
        tick_event (self, si, i);
        self->dirty = TRUE;
        s->pos = ++i;
        self->stats.events++;
        if (s->next_close < lim)
          lim = s->next_close;
      }
    if (last_time != QL_TIME_NONE && last_time > self->now)
      self->now = last_time;
  }
}

/* Picks the symbol of the next sensitive event (G_MAXUINT: none) and
 * records in self->fast which symbols nothing can react on. */
static guint
pick (QlBacktest *self, gboolean fast_ok, QlTimeNs *best_t)
{
  guint best = G_MAXUINT;
  QlTimeNs bt = G_MAXINT64, fh = G_MAXINT64;
  guint changes = ql_broker_get_live_changes (self->broker);

  /* Only the symbols touched since the last pick are looked at again:
   * with many symbols closing bars at one instant, the loop picks once
   * per close, and a whole look at each symbol each time made the merge
   * cost grow with the square of the symbols. */
  if (changes != self->live_seen || self->all_stale)
    {
      for (guint i = 0; i < self->n; i++)
        self->syms[i].stale = TRUE;
      self->live_seen = changes;
      self->all_stale = FALSE;
    }
  for (guint i = 0; i < self->n; i++)
    {
      Sym *si = &self->syms[i];
      QlTimeNs t;

      if (si->stale)
        {
          gboolean fast;

          refill (self, si);
          fast = fast_ok && !ql_broker_has_live (self->broker, i)
                 && (!self->margin_watch || si->position->qty == 0);
          self->fast[i] = fast;
          si->pick_head = head_time (si);
          si->pick_key = fast ? si->next_close : MIN (si->pick_head, si->next_close);
          si->stale = FALSE;
        }
      if (self->fast[i] && si->pick_head < fh)
        fh = si->pick_head;
      t = si->pick_key;
      if (t < bt)
        {
          bt = t;
          best = i;
        }
    }
  *best_t = bt;
  self->fast_head = fh;
  return best;
}

QlStatus
ql_backtest_run (QlBacktest       *self,
                 const QlStrategy *strategy)
{
  static const QlStrategyClass empty = { 0 };
  QlStrategy none = { &empty, NULL };
  gboolean fast_ok;

  g_return_val_if_fail (self != NULL, QL_STATUS_INVALID);
  g_return_val_if_fail (!self->ran, QL_STATUS_INVALID);
  self->ran = TRUE;
  if (strategy == NULL || strategy->klass == NULL)
    strategy = &none;
  self->strategy = strategy;
  self->k = strategy->klass;
  ql_broker_set_check (self->broker, broker_check, self);
  self->stats.peak_equity = self->cfg.initial_capital;

  self->in_start = TRUE;
  if (self->k->on_start != NULL)
    self->k->on_start (self, strategy->data);
  self->in_start = FALSE;

  /* Lazy aggregation needs tick input everywhere, time-based bars only
   * and no on_tick (which may read the forming bar). */
  self->lazy = self->k->on_tick == NULL;
  for (guint i = 0; i < self->n; i++)
    {
      Sym *s = &self->syms[i];
      if (s->kind != QL_SOURCE_TICKS)
        self->lazy = FALSE;
      for (guint k = 0; k < s->n_subs; k++)
        if (!s->subs[k].time_based)
          self->lazy = FALSE;
    }

  self->direct_only = self->n == 1 && self->syms[0].kind == QL_SOURCE_BARS
                      && self->syms[0].n_subs == 1 && self->syms[0].subs[0].direct;
  fast_ok = self->lazy && self->cfg.observer.on_clock == NULL;
  if (!self->lazy && self->n > 1)
    hold_coarse (self);
  self->all_stale = TRUE;
  while (self->status == QL_STATUS_OK)
    {
      guint best;
      QlTimeNs best_t, lim;
      Sym *s;

      /* The next sensitive event: a bar close, or an input row of a symbol
       * on which something may react. Symbols where nothing can react are
       * first brought up to it (their rows only mark prices, in any order). */
      best = pick (self, fast_ok, &best_t);
      if (G_UNLIKELY (self->held_at != G_MAXINT64)
          && (best == G_MAXUINT || best_t >= self->held_at))
        {
          /* a held bar ends before the next event: it comes first */
          release_held (self);
          self->all_stale = TRUE;
          continue;
        }
      if (self->n_pending > 0 || self->n_take > 0)
        {
          /* closes, and input bars to take, wait while inputs of their
           * instant remain */
          flush_pending (self, best == G_MAXUINT ? G_MAXINT64 : best_t);
          self->all_stale = TRUE;
          best = pick (self, fast_ok, &best_t);
        }
      /* Fast symbols are brought up to the event: those with a row before
       * it (or at it, listed before it). None when their earliest row is
       * later, which with many symbols closing bars at one instant is most
       * iterations: the loop over them is skipped. */
      if (fast_ok && self->fast_head <= (best == G_MAXUINT ? G_MAXINT64 : best_t))
        {
          gboolean moved = FALSE;
          for (guint j = 0; j < self->n; j++)
            {
              Sym *sj = &self->syms[j];
              QlTimeNs lj;
              if (!self->fast[j] || sj->done)
                continue;
              lj = best == G_MAXUINT ? G_MAXINT64 : best_t + (j < best ? 1 : 0);
              while (!sj->done && head_time (sj) < lj && sj->next_close >= lj
                     && self->status == QL_STATUS_OK)
                {
                  QlTimeNs before = sj->next_close;
                  sj->stale = TRUE;
                  consume (self, j, MIN (lj, sj->next_close));
                  refill (self, sj);
                  if (sj->next_close != before)
                    moved = TRUE;
                  if (sj->next_close < lj)
                    break;
                }
            }
          if (moved)
            continue; /* a bar began: its close may come first */
        }
      if (best == G_MAXUINT)
        break;
      s = &self->syms[best];
      s->stale = TRUE;
      if (s->next_close <= head_time (s))
        {
          close_event (self, best);
          continue;
        }
      /* Rows of @best before every other symbol's next event: a row at
       * time t precedes symbol j's event at e when t < e, or t == e and
       * best < j. */
      lim = s->next_close;
      for (guint j = 0; j < self->n; j++)
        {
          QlTimeNs e;
          if (j == best)
            continue;
          e = MIN (head_time (&self->syms[j]), self->syms[j].next_close);
          if (e != G_MAXINT64 && best < j)
            e++;
          lim = MIN (lim, e);
        }
      /* no row at or after a held bar's end before it is released */
      lim = MIN (lim, self->held_at);
      consume (self, best, lim);
    }

  flush_pending (self, G_MAXINT64);
  for (guint i = 0; i < self->n; i++)
    flush (self, &self->syms[i]);
  /* Requests due after the last event: no event is left for them to
   * change, and the strategy sees them done in on_end. */
  if (self->deferred_at != G_MAXINT64)
    apply_deferred (self, G_MAXINT64);
  if (self->k->on_end != NULL)
    self->k->on_end (self, strategy->data);
  if (self->dirty || self->n_points == 0)
    equity_point (self, self->now == QL_TIME_NONE ? 0 : self->now);
  if (self->cfg.curve_stats_only)
    ql_curve_stats_add (&self->curve, self->last.time, self->last.equity, self->last.exposure > 0);
  return self->status;
}

/* ---- results ---------------------------------------------------------- */

const QlTrade *
ql_backtest_get_trades (const QlBacktest *self, gsize *n_trades)
{
  return ql_portfolio_get_trades (self->portfolio, n_trades);
}

const QlCurveStats *
ql_backtest_get_curve_stats (const QlBacktest *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->cfg.curve_stats_only ? &self->curve : NULL;
}

const QlEquityPoint *
ql_backtest_get_equity (const QlBacktest *self, gsize *n_points)
{
  *n_points = self->n_equity;
  return self->equity;
}

const QlRunStats *
ql_backtest_get_stats (const QlBacktest *self)
{
  return &self->stats;
}

QlPortfolio *
ql_backtest_get_portfolio (const QlBacktest *self)
{
  return self->portfolio;
}

QlBroker *
ql_backtest_get_broker (const QlBacktest *self)
{
  return self->broker;
}

QlMoney
ql_backtest_get_final_equity (const QlBacktest *self)
{
  QlMoney e = 0;
  ql_portfolio_get_equity (self->portfolio, &e);
  return e;
}

/* ---- context ------------------------------------------------------------ */

QlTimeNs
ql_context_get_time (const QlContext *ctx)
{
  return ctx->now;
}

gboolean
ql_context_bar_is_forming (const QlContext *ctx,
                           guint            symbol,
                           guint            tf)
{
  const Sub *sub;

  g_return_val_if_fail (symbol < ctx->n && tf < ctx->syms[symbol].n_subs, FALSE);
  sub = &ctx->syms[symbol].subs[tf];
  /* direct bar input appends closed bars; otherwise the aggregator knows
   * (in lazy mode it may not have seen the newest ticks yet: then the
   * last row is a closed bar all the same) */
  return !sub->direct && sub->bars->len > 0 && ql_aggregator_has_forming_bar (sub->agg);
}

const QlTimeframe *
ql_context_get_timeframe (const QlContext *ctx,
                          guint            symbol,
                          guint            tf)
{
  g_return_val_if_fail (symbol < ctx->n && tf < ctx->syms[symbol].n_subs, NULL);
  return &ctx->syms[symbol].subs[tf].tf;
}

guint
ql_context_get_n_symbols (const QlContext *ctx)
{
  return ctx->n;
}

const QlInstrument *
ql_context_get_instrument (const QlContext *ctx, guint symbol)
{
  g_return_val_if_fail (symbol < ctx->n, NULL);
  return ctx->syms[symbol].inst;
}

int
ql_context_subscribe (QlContext         *ctx,
                      guint              symbol,
                      const QlTimeframe *tf)
{
  Sym *s;
  g_autoptr (GError) error = NULL;

  g_return_val_if_fail (ctx->in_start, -1);
  g_return_val_if_fail (symbol < ctx->n && tf != NULL, -1);
  s = &ctx->syms[symbol];
  for (guint k = 0; k < s->n_subs; k++)
    if (s->subs[k].tf.unit == tf->unit && s->subs[k].tf.n == tf->n)
      return (int) k;
  if (s->n_subs >= MAX_SUBS || tf->n < 1)
    return -1;
  if (!sub_init (s, &s->subs[s->n_subs], tf, &error))
    {
      sub_clear (&s->subs[s->n_subs]);
      return -1;
    }
  return (int) s->n_subs++;
}

const QlSeries *
ql_context_get_bars (const QlContext *ctx, guint symbol, guint tf)
{
  g_return_val_if_fail (symbol < ctx->n, NULL);
  g_return_val_if_fail (tf < ctx->syms[symbol].n_subs, NULL);
  return ctx->syms[symbol].subs[tf].bars;
}

const QlPosition *
ql_context_get_position (const QlContext *ctx, guint symbol)
{
  return ql_portfolio_get_position (ctx->portfolio, symbol);
}

QlMoney
ql_context_get_balance (const QlContext *ctx)
{
  return ql_portfolio_get_balance (ctx->portfolio);
}

QlMoney
ql_context_get_equity (const QlContext *ctx)
{
  QlMoney e = 0;
  ql_portfolio_get_equity (ctx->portfolio, &e);
  return e;
}

const QlOrderId *
ql_context_get_live_orders (const QlContext *ctx, guint symbol, guint *n)
{
  return ql_broker_get_live (ctx->broker, symbol, n);
}

const QlOrder *
ql_context_get_order (const QlContext *ctx, QlOrderId id)
{
  return ql_broker_get_order (ctx->broker, id);
}

QlRejectReason
ql_context_submit (QlContext            *ctx,
                   const QlOrderRequest *req,
                   QlOrderId            *id)
{
  QlOrderId local;
  QlRejectReason r;
  QlTimeNs at = ctx->react_time != QL_TIME_NONE ? ctx->react_time : ctx->now;

  r = ql_broker_submit (ctx->broker, req, at == QL_TIME_NONE ? G_MININT64 + 1 : at,
                        FALSE, id != NULL ? id : &local);
  {
    const char *text = ql_broker_get_reject_text (ctx->broker);

    /* most orders pass: no copy of an empty text */
    if (text[0] == '\0')
      ctx->reject_text[0] = '\0';
    else
      g_strlcpy (ctx->reject_text, text, sizeof ctx->reject_text);
  }
  return r;
}

/* TRUE when a cancel or modification of @id must wait for ctx->react_time:
 * the strategy answers a fill inside a bar of one symbol, known only at
 * that bar's end, and @id is another symbol's order, whose bar of the same
 * instant may not have been matched yet (a later symbol's is matched after
 * the fill). Taken at once, the request would use prices traded after that
 * bar's open to change how the bar fills the order: look-ahead. On the
 * fill's own symbol the bar has been matched: at once. */
static gboolean
must_wait (const QlContext *ctx, QlOrderId id)
{
  const QlOrder *o;

  if (ctx->react_time == QL_TIME_NONE)
    return FALSE;
  o = ql_broker_get_order (ctx->broker, id);
  return o != NULL && o->req.symbol != ctx->react_symbol;
}

/* After a request was queued (or refused): the cache and the text. */
static QlRejectReason
queued (QlContext *ctx, QlRejectReason r)
{
  ctx->deferred_at = ql_broker_get_deferred_time (ctx->broker);
  ctx->reject_text[0] = '\0';
  return r;
}

QlRejectReason
ql_context_cancel (QlContext *ctx, QlOrderId id)
{
  if (G_UNLIKELY (must_wait (ctx, id)))
    return queued (ctx, ql_broker_cancel_at (ctx->broker, id, ctx->react_time));
  return ql_broker_cancel (ctx->broker, id);
}

QlRejectReason
ql_context_modify (QlContext *ctx,
                   QlOrderId  id,
                   QlQty      quantity,
                   QlPrice    limit_price,
                   QlPrice    stop_price)
{
  QlRejectReason r;

  if (G_UNLIKELY (must_wait (ctx, id)))
    return queued (ctx, ql_broker_modify_at (ctx->broker, id, quantity, limit_price, stop_price,
                                             ctx->react_time));
  r = ql_broker_modify (ctx->broker, id, quantity, limit_price, stop_price);
  /* A2: a modification meets the account check too; keep its text. */
  g_strlcpy (ctx->reject_text, ql_broker_get_reject_text (ctx->broker), sizeof ctx->reject_text);
  return r;
}

QlRejectReason
ql_context_modify_trail (QlContext *ctx,
                         QlOrderId  id,
                         QlPrice    trail_amount,
                         gint64     trail_ppm)
{
  QlRejectReason r;

  if (G_UNLIKELY (must_wait (ctx, id)))
    return queued (ctx, ql_broker_modify_trail_at (ctx->broker, id, trail_amount, trail_ppm,
                                                   ctx->react_time));
  r = ql_broker_modify_trail (ctx->broker, id, trail_amount, trail_ppm);
  g_strlcpy (ctx->reject_text, ql_broker_get_reject_text (ctx->broker), sizeof ctx->reject_text);
  return r;
}

const char *
ql_context_get_reject_text (const QlContext *ctx)
{
  return ctx->reject_text;
}

QlRejectReason
ql_context_market (QlContext *ctx,
                   guint      symbol,
                   QlSide     side,
                   QlQty      quantity)
{
  QlOrderRequest req = { 0 };

  req.symbol = symbol;
  req.side = side;
  req.type = QL_ORDER_MARKET;
  req.quantity = quantity;
  return ql_context_submit (ctx, &req, NULL);
}
