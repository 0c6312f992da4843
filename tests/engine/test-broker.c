/* tests/engine/test-broker.c — the fill simulator, scenario by scenario.
 *
 * The instrument has price_scale 2 (10000 is 100.00), qty_scale 0, tick 1
 * and lot 1 unless a test says otherwise. Money is 10^-8 (QL_MONEY_ONE = 1.00).
 * Every expected figure is worked out in the comment beside it. */
#include "engine/broker.h"

#include <string.h>

#define T0 (G_GINT64_CONSTANT (1704189600) * QL_NS_PER_SEC) /* 2024-01-02 10:00:00 UTC */

typedef struct
{
  QlInstrument inst;
  QlPortfolio *pf;
  QlBroker *br;
  QlTimeNs now;
} Fx;

static void
fx_init (Fx *fx, const QlBrokerConfig *cfg, QlMoney capital)
{
  g_autoptr (GError) error = NULL;
  QlPortfolioSymbol ps = { 0 };
  QlBrokerConfig def = { 0 };

  g_assert_true (ql_instrument_init (&fx->inst, "TEST", &error));
  g_assert_no_error (error);
  fx->inst.price_scale = 2;
  fx->inst.qty_scale = 0;
  ps.inst = &fx->inst;
  ps.multiplier = 1;
  ps.initial_margin_ppm = 1000000;
  fx->pf = ql_portfolio_new (capital, &ps, 1);
  if (cfg == NULL)
    {
      def.allow_short = TRUE;
      cfg = &def;
    }
  fx->br = ql_broker_new (cfg, fx->pf);
  fx->now = T0;
}

static void
fx_clear (Fx *fx)
{
  ql_broker_free (fx->br);
  ql_portfolio_free (fx->pf);
  ql_instrument_clear (&fx->inst);
}

static QlOrderId
submit (Fx *fx, QlSide side, QlOrderType type, QlQty qty, QlPrice limit, QlPrice stop)
{
  QlOrderRequest req = { 0 };
  QlOrderId id = 0;

  req.side = side;
  req.type = type;
  req.quantity = qty;
  req.limit_price = limit;
  req.stop_price = stop;
  g_assert_cmpint (ql_broker_submit (fx->br, &req, fx->now, FALSE, &id), ==, QL_REJECT_NONE);
  return id;
}

static QlOrderId
submit_req (Fx *fx, const QlOrderRequest *req)
{
  QlOrderId id = 0;
  g_assert_cmpint (ql_broker_submit (fx->br, req, fx->now, FALSE, &id), ==, QL_REJECT_NONE);
  return id;
}

/* A trade tick one second after the previous event. */
static void
trade (Fx *fx, QlPrice price, QlQty size)
{
  QlTick t = { 0 };
  fx->now += QL_NS_PER_SEC;
  t.time = fx->now;
  t.price = price;
  t.size = size;
  t.flags = QL_TICK_FLAG_TRADE;
  g_assert_cmpint (ql_broker_match_tick (fx->br, 0, &t), ==, QL_STATUS_OK);
}

static void
bar (Fx *fx, QlPrice o, QlPrice h, QlPrice l, QlPrice c, QlQty v)
{
  fx->now += QL_NS_PER_MIN;
  g_assert_cmpint (ql_broker_match_bar (fx->br, 0, fx->now, o, h, l, c, v), ==, QL_STATUS_OK);
}

static gsize
n_fills (Fx *fx)
{
  gsize n;
  ql_broker_get_fills (fx->br, &n);
  return n;
}

static const QlFill *
fill_at (Fx *fx, gsize i)
{
  gsize n;
  const QlFill *f = ql_broker_get_fills (fx->br, &n);
  g_assert_cmpuint (i, <, n);
  return &f[i];
}

static const QlOrder *
order (Fx *fx, QlOrderId id)
{
  return ql_broker_get_order (fx->br, id);
}

static QlQty
position (Fx *fx)
{
  return ql_portfolio_get_position (fx->pf, 0)->qty;
}

/* ---- market ---------------------------------------------------------- */

static void
test_market_tick (void)
{
  Fx fx;
  QlTick q = { 0 };

  g_test_summary ("A market order fills at the next trade, or at the ask when the tick has quotes");
  fx_init (&fx, NULL, 1000000 * QL_MONEY_ONE);
  submit (&fx, QL_SIDE_BUY, QL_ORDER_MARKET, 10, 0, 0);
  trade (&fx, 10000, 100);
  g_assert_cmpuint (n_fills (&fx), ==, 1);
  g_assert_cmpint (fill_at (&fx, 0)->price, ==, 10000);
  g_assert_cmpint (fill_at (&fx, 0)->quantity, ==, 10);
  g_assert_cmpint (position (&fx), ==, 10);
  ql_broker_clear_fills (fx.br);

  /* Sell 10 against a tick trading 100.00 with bid 99.99, ask 100.01: the
   * sell takes the bid. */
  submit (&fx, QL_SIDE_SELL, QL_ORDER_MARKET, 10, 0, 0);
  q.time = fx.now + 1;
  q.price = 10000;
  q.size = 5;
  q.bid = 9999;
  q.ask = 10001;
  q.flags = QL_TICK_FLAG_TRADE | QL_TICK_FLAG_QUOTE;
  g_assert_cmpint (ql_broker_match_tick (fx.br, 0, &q), ==, QL_STATUS_OK);
  g_assert_cmpint (fill_at (&fx, 0)->price, ==, 9999);
  g_assert_cmpint (position (&fx), ==, 0);
  fx_clear (&fx);
}

static void
test_market_bar (void)
{
  Fx fx;

  g_test_summary ("In bar mode a market order fills at the next bar's open");
  fx_init (&fx, NULL, 1000000 * QL_MONEY_ONE);
  submit (&fx, QL_SIDE_BUY, QL_ORDER_MARKET, 3, 0, 0);
  bar (&fx, 10050, 10200, 9900, 10100, 1000);
  g_assert_cmpint (fill_at (&fx, 0)->price, ==, 10050);
  fx_clear (&fx);
}

/* ---- limit ------------------------------------------------------------ */

static void
test_limit_through (void)
{
  Fx fx;
  QlOrderId id;

  g_test_summary ("A resting buy limit fills at its price only when a trade goes below it");
  fx_init (&fx, NULL, 1000000 * QL_MONEY_ONE);
  id = submit (&fx, QL_SIDE_BUY, QL_ORDER_LIMIT, 5, 9990, 0);
  trade (&fx, 10000, 1); /* not marketable: it rests at 99.90 */
  trade (&fx, 9990, 1);  /* touches: no fill without fill_touch */
  g_assert_cmpuint (n_fills (&fx), ==, 0);
  g_assert_true (order (&fx, id)->resting);
  trade (&fx, 9989, 1);  /* trades through: fill at the limit, 99.90 */
  g_assert_cmpuint (n_fills (&fx), ==, 1);
  g_assert_cmpint (fill_at (&fx, 0)->price, ==, 9990);
  g_assert_cmpint (order (&fx, id)->state, ==, QL_ORDER_FILLED);
  fx_clear (&fx);
}

static void
test_limit_touch (void)
{
  Fx fx;
  QlBrokerConfig cfg = { 0 };

  g_test_summary ("With fill_touch a resting limit fills when a trade reaches its price");
  cfg.fill_touch = TRUE;
  fx_init (&fx, &cfg, 1000000 * QL_MONEY_ONE);
  submit (&fx, QL_SIDE_BUY, QL_ORDER_LIMIT, 5, 9990, 0);
  trade (&fx, 10000, 1);
  trade (&fx, 9990, 1);
  g_assert_cmpuint (n_fills (&fx), ==, 1);
  g_assert_cmpint (fill_at (&fx, 0)->price, ==, 9990);
  fx_clear (&fx);
}

static void
test_limit_marketable (void)
{
  Fx fx;

  g_test_summary ("A limit marketable on arrival fills at the market price, better than its limit");
  fx_init (&fx, NULL, 1000000 * QL_MONEY_ONE);
  submit (&fx, QL_SIDE_BUY, QL_ORDER_LIMIT, 5, 10010, 0);
  trade (&fx, 10000, 1); /* 100.00 <= 100.10: buy at 100.00 */
  g_assert_cmpint (fill_at (&fx, 0)->price, ==, 10000);
  fx_clear (&fx);
}

static void
test_limit_bar_path (void)
{
  Fx fx;

  g_test_summary ("Bar path: open, nearer extreme, farther extreme, close; limit fills at its price on the way");
  fx_init (&fx, NULL, 1000000 * QL_MONEY_ONE);
  /* Open 100.00, high 101.00 (1.00 away), low 98.00 (2.00 away): the path
   * is 100 -> 101 -> 98 -> 99. A buy limit at 99.00 is not marketable at the
   * open, rests, and is crossed on the way 101 -> 98: fill at 99.00. */
  submit (&fx, QL_SIDE_BUY, QL_ORDER_LIMIT, 2, 9900, 0);
  bar (&fx, 10000, 10100, 9800, 9900, 1000);
  g_assert_cmpint (fill_at (&fx, 0)->price, ==, 9900);
  ql_broker_clear_fills (fx.br);

  /* A sell limit at 99.50 and a sell stop at 98.50 on one position of 2,
   * both fillable on the path 100 -> 101 -> 98 -> 99: the path reaches
   * 101 (limit at 99.50 is marketable at the open already: 100 >= 99.50,
   * fill at the open 100.00) before the stop. Orders fill in path order. */
  submit (&fx, QL_SIDE_SELL, QL_ORDER_STOP, 1, 0, 9850);
  submit (&fx, QL_SIDE_SELL, QL_ORDER_LIMIT, 1, 9950, 0);
  bar (&fx, 10000, 10100, 9800, 9900, 1000);
  g_assert_cmpuint (n_fills (&fx), ==, 2);
  g_assert_cmpint (fill_at (&fx, 0)->price, ==, 10000); /* the limit, at the open */
  g_assert_cmpint (fill_at (&fx, 1)->price, ==, 9850);  /* the stop, on 101 -> 98 */
  fx_clear (&fx);
}

static void
test_limit_gap (void)
{
  Fx fx;

  g_test_summary ("A bar that gaps through a resting limit fills it at the open");
  fx_init (&fx, NULL, 1000000 * QL_MONEY_ONE);
  submit (&fx, QL_SIDE_BUY, QL_ORDER_LIMIT, 1, 9900, 0);
  bar (&fx, 10000, 10050, 9950, 10000, 100); /* never reaches 99.00: rests */
  g_assert_cmpuint (n_fills (&fx), ==, 0);
  bar (&fx, 9850, 9900, 9800, 9880, 100);    /* opens at 98.50 below 99.00 */
  g_assert_cmpint (fill_at (&fx, 0)->price, ==, 9850);
  fx_clear (&fx);
}

/* ---- stops ------------------------------------------------------------ */

static void
test_stop_tick_gap (void)
{
  Fx fx;

  g_test_summary ("A sell stop triggers on the trade that reaches it and fills at that trade");
  fx_init (&fx, NULL, 1000000 * QL_MONEY_ONE);
  submit (&fx, QL_SIDE_SELL, QL_ORDER_STOP, 4, 0, 9950);
  trade (&fx, 10000, 1);
  trade (&fx, 9960, 1);
  g_assert_cmpuint (n_fills (&fx), ==, 0);
  trade (&fx, 9940, 1); /* gaps past 99.50: market at 99.40 */
  g_assert_cmpint (fill_at (&fx, 0)->price, ==, 9940);
  g_assert_cmpint (position (&fx), ==, -4);
  fx_clear (&fx);
}

static void
test_stop_bar_gap (void)
{
  Fx fx;

  g_test_summary ("A bar that opens beyond a stop fills it at the open; inside the bar at the stop");
  fx_init (&fx, NULL, 1000000 * QL_MONEY_ONE);
  submit (&fx, QL_SIDE_SELL, QL_ORDER_STOP, 1, 0, 9800);
  bar (&fx, 9700, 9750, 9600, 9650, 100);
  g_assert_cmpint (fill_at (&fx, 0)->price, ==, 9700);
  ql_broker_clear_fills (fx.br);
  submit (&fx, QL_SIDE_BUY, QL_ORDER_STOP, 1, 0, 9720);
  /* Path 96.50 -> 97.50 -> 96.00 -> 97.00 (high 1.00 away, low 0.50 away:
   * the low first): 96.50 -> 96.00 -> 97.50, the stop at 97.20 on the rise. */
  bar (&fx, 9650, 9750, 9600, 9700, 100);
  g_assert_cmpint (fill_at (&fx, 0)->price, ==, 9720);
  fx_clear (&fx);
}

static void
test_stop_limit (void)
{
  Fx fx;
  QlOrderId id;

  g_test_summary ("A stop-limit becomes a limit when triggered and then needs a trade through its limit");
  fx_init (&fx, NULL, 1000000 * QL_MONEY_ONE);
  id = submit (&fx, QL_SIDE_BUY, QL_ORDER_STOP_LIMIT, 1, 10060, 10050);
  trade (&fx, 10000, 1);
  trade (&fx, 10070, 1); /* triggers at >= 100.50; 100.70 > 100.60: rests */
  g_assert_cmpuint (n_fills (&fx), ==, 0);
  g_assert_true (order (&fx, id)->triggered);
  trade (&fx, 10060, 1); /* at the limit: not through */
  g_assert_cmpuint (n_fills (&fx), ==, 0);
  trade (&fx, 10055, 1); /* through: fill at 100.60 */
  g_assert_cmpint (fill_at (&fx, 0)->price, ==, 10060);
  fx_clear (&fx);
}

static void
test_trailing_amount (void)
{
  Fx fx;

  g_test_summary ("A trailing sell stop by amount follows the high and fills when the price falls back");
  fx_init (&fx, NULL, 1000000 * QL_MONEY_ONE);
  {
    QlOrderRequest req = { 0 };
    QlOrderId id;
    req.side = QL_SIDE_SELL;
    req.type = QL_ORDER_TRAILING_STOP;
    req.quantity = 1;
    req.trail_amount = 50;
    id = submit_req (&fx, &req);
    trade (&fx, 10000, 1); /* extreme 100.00, stop 99.50 */
    g_assert_cmpint (order (&fx, id)->trail_stop, ==, 9950);
    trade (&fx, 10100, 1); /* extreme 101.00, stop 100.50 */
    g_assert_cmpint (order (&fx, id)->trail_stop, ==, 10050);
    trade (&fx, 10060, 1); /* above the stop */
    g_assert_cmpuint (n_fills (&fx), ==, 0);
    trade (&fx, 10050, 1); /* reaches 100.50: fill at the trade */
    g_assert_cmpint (fill_at (&fx, 0)->price, ==, 10050);
  }
  fx_clear (&fx);
}

static void
test_trailing_percent (void)
{
  Fx fx;

  g_test_summary ("A trailing sell stop by percent keeps 1 % under the high, on the tick grid");
  fx_init (&fx, NULL, 1000000 * QL_MONEY_ONE);
  {
    QlOrderRequest req = { 0 };
    QlOrderId id;
    req.side = QL_SIDE_SELL;
    req.type = QL_ORDER_TRAILING_STOP;
    req.quantity = 1;
    req.trail_ppm = 10000; /* 1 % */
    id = submit_req (&fx, &req);
    trade (&fx, 10000, 1); /* 1 % of 100.00 is 1.00: stop 99.00 */
    g_assert_cmpint (order (&fx, id)->trail_stop, ==, 9900);
    trade (&fx, 10250, 1); /* 1 % of 102.50 is 1.025, rounded away: 1.03; stop 101.47 */
    g_assert_cmpint (order (&fx, id)->trail_stop, ==, 10147);
    trade (&fx, 10147, 1);
    g_assert_cmpint (fill_at (&fx, 0)->price, ==, 10147);
  }
  fx_clear (&fx);
}

static void
test_trailing_bar (void)
{
  Fx fx;

  g_test_summary ("In a bar a trailing stop follows the path: up to the high, then down to its stop");
  fx_init (&fx, NULL, 1000000 * QL_MONEY_ONE);
  {
    QlOrderRequest req = { 0 };
    req.side = QL_SIDE_SELL;
    req.type = QL_ORDER_TRAILING_STOP;
    req.quantity = 1;
    req.trail_amount = 100;
    submit_req (&fx, &req);
    /* Path 100 -> 103 (0.0... high 3.00 away, low 4.00 away: high first)
     * -> 96 -> 99. Extreme 103.00, stop 102.00, crossed on 103 -> 96. */
    bar (&fx, 10000, 10300, 9600, 9900, 100);
    g_assert_cmpint (fill_at (&fx, 0)->price, ==, 10200);
  }
  fx_clear (&fx);
}

/* ---- partial fills, OCO, brackets ------------------------------------- */

static void
test_partial_volume (void)
{
  Fx fx;
  QlBrokerConfig cfg = { 0 };
  QlOrderId id;

  g_test_summary ("With a 10 % volume share a market order of 10 fills 3, 3, 3, 1 on ticks of 30");
  cfg.volume_share_ppm = 100000;
  fx_init (&fx, &cfg, 1000000 * QL_MONEY_ONE);
  id = submit (&fx, QL_SIDE_BUY, QL_ORDER_MARKET, 10, 0, 0);
  for (int i = 0; i < 3; i++)
    {
      trade (&fx, 10000 + i, 30); /* 10 % of 30 = 3 */
      g_assert_cmpint (order (&fx, id)->filled, ==, 3 * (i + 1));
    }
  trade (&fx, 10003, 30);
  g_assert_cmpuint (n_fills (&fx), ==, 4);
  g_assert_cmpint (fill_at (&fx, 3)->quantity, ==, 1);
  g_assert_cmpint (order (&fx, id)->state, ==, QL_ORDER_FILLED);
  /* Average: (3 * 100.00 + 3 * 100.01 + 3 * 100.02 + 100.03) / 10 = 100.012 */
  g_assert_cmpfloat_with_epsilon (order (&fx, id)->avg_fill_price, 10001.2, 1e-9);
  fx_clear (&fx);
}

static void
test_oco_reduce (void)
{
  Fx fx;
  QlBrokerConfig cfg = { 0 };
  QlOrderRequest a = { 0 }, b = { 0 };
  QlOrderId ia, ib;

  g_test_summary ("OCO: a partial fill of one member reduces the other by the same quantity");
  cfg.volume_share_ppm = 100000;
  cfg.allow_short = TRUE;
  fx_init (&fx, &cfg, 1000000 * QL_MONEY_ONE);
  a.side = b.side = QL_SIDE_SELL;
  a.quantity = b.quantity = 10;
  a.oco_group = b.oco_group = 7;
  a.type = QL_ORDER_LIMIT;
  a.limit_price = 10100;
  b.type = QL_ORDER_STOP;
  b.stop_price = 9900;
  ia = submit_req (&fx, &a);
  ib = submit_req (&fx, &b);
  trade (&fx, 10000, 1000); /* neither; 10 % budget 100 */
  trade (&fx, 10101, 40);   /* limit fills 4 (10 % of 40) at 101.00 */
  g_assert_cmpint (order (&fx, ia)->filled, ==, 4);
  g_assert_cmpint (order (&fx, ib)->req.quantity, ==, 6); /* 10 - 4 */
  trade (&fx, 9890, 1000);  /* stop fills its 6 */
  g_assert_cmpint (order (&fx, ib)->filled, ==, 6);
  g_assert_cmpint (order (&fx, ib)->state, ==, QL_ORDER_FILLED);
  /* ... and the limit is reduced by 6 to 4 = its filled: cancelled. */
  g_assert_cmpint (order (&fx, ia)->state, ==, QL_ORDER_CANCELLED);
  g_assert_cmpint (position (&fx), ==, -10);
  fx_clear (&fx);
}

static QlOrderId
bracket (Fx *fx, QlOrderType type, QlPrice limit, QlQty qty, QlPrice tp, QlPrice sl)
{
  QlOrderRequest req = { 0 };
  req.side = QL_SIDE_BUY;
  req.type = type;
  req.limit_price = limit;
  req.quantity = qty;
  req.take_profit = tp;
  req.stop_loss = sl;
  return submit_req (fx, &req);
}

static void
test_bracket_both_legs (void)
{
  Fx fx;
  QlOrderId e;
  const QlOrder *tp, *sl;

  g_test_summary ("Bracket: children wait for the entry; when both legs could fill in one bar the stop wins");
  fx_init (&fx, NULL, 1000000 * QL_MONEY_ONE);
  e = bracket (&fx, QL_ORDER_MARKET, 0, 5, 10100, 9850);
  tp = order (&fx, order (&fx, e)->children[0]);
  g_assert_cmpint (tp->state, ==, QL_ORDER_HELD);
  bar (&fx, 10000, 10020, 9990, 10010, 100); /* entry fills 5 at the open 100.00 */
  g_assert_cmpint (position (&fx), ==, 5);
  tp = order (&fx, order (&fx, e)->children[0]);
  sl = order (&fx, order (&fx, e)->children[1]);
  g_assert_cmpint (tp->req.quantity, ==, 5);
  g_assert_cmpint (sl->req.quantity, ==, 5);
  ql_broker_clear_fills (fx.br);
  /* Open 100.00, high 101.50 (1.50 away), low 98.00 (2.00 away): the path
   * reaches 101.00 (take profit) before 98.50 (stop), yet the stop is
   * assumed first: sell 5 at 98.50, and the take profit is cancelled. */
  bar (&fx, 10000, 10150, 9800, 9900, 100);
  g_assert_cmpuint (n_fills (&fx), ==, 1);
  g_assert_cmpint (fill_at (&fx, 0)->price, ==, 9850);
  tp = order (&fx, order (&fx, e)->children[0]);
  sl = order (&fx, order (&fx, e)->children[1]);
  g_assert_cmpint (sl->state, ==, QL_ORDER_FILLED);
  g_assert_cmpint (tp->state, ==, QL_ORDER_CANCELLED);
  g_assert_cmpint (position (&fx), ==, 0);
  fx_clear (&fx);
}

static void
test_bracket_partial_and_cancel (void)
{
  Fx fx;
  QlBrokerConfig cfg = { 0 };
  QlOrderId e, e2;

  g_test_summary ("Bracket children are sized to the filled entry; cancelling an unfilled entry cancels them");
  cfg.volume_share_ppm = 100000;
  fx_init (&fx, &cfg, 1000000 * QL_MONEY_ONE);
  e = bracket (&fx, QL_ORDER_LIMIT, 10000, 10, 10200, 9800);
  trade (&fx, 9990, 40); /* marketable: 4 fill (10 % of 40) at 99.90 */
  g_assert_cmpint (order (&fx, e)->filled, ==, 4);
  g_assert_cmpint (order (&fx, order (&fx, e)->children[0])->req.quantity, ==, 4);
  g_assert_cmpint (order (&fx, order (&fx, e)->children[1])->req.quantity, ==, 4);
  /* Cancel the entry's rest: the children keep protecting the 4. */
  g_assert_cmpint (ql_broker_cancel (fx.br, e), ==, QL_REJECT_NONE);
  g_assert_cmpint (order (&fx, order (&fx, e)->children[1])->state, ==, QL_ORDER_PENDING);
  trade (&fx, 9790, 1000); /* stop at 98.00 sells the 4 at 97.90 */
  g_assert_cmpint (position (&fx), ==, 0);
  g_assert_cmpint (order (&fx, order (&fx, e)->children[1])->state, ==, QL_ORDER_FILLED);
  g_assert_cmpint (order (&fx, order (&fx, e)->children[0])->state, ==, QL_ORDER_CANCELLED);

  e2 = bracket (&fx, QL_ORDER_LIMIT, 9000, 10, 10200, 8800);
  g_assert_cmpint (ql_broker_cancel (fx.br, e2), ==, QL_REJECT_NONE);
  g_assert_cmpint (order (&fx, order (&fx, e2)->children[0])->state, ==, QL_ORDER_CANCELLED);
  g_assert_cmpint (order (&fx, order (&fx, e2)->children[1])->state, ==, QL_ORDER_CANCELLED);
  g_assert_cmpuint (ql_broker_has_live (fx.br, 0), ==, FALSE);
  fx_clear (&fx);
}

/* ---- slippage and commission ------------------------------------------ */

static QlPrice
slipped_buy (const QlSlippage *s, QlPrice price, QlQty qty, QlQty volume)
{
  Fx fx;
  QlBrokerConfig cfg = { 0 };
  QlPrice got;

  cfg.slippage = *s;
  fx_init (&fx, &cfg, 1000000000 * QL_MONEY_ONE);
  submit (&fx, QL_SIDE_BUY, QL_ORDER_MARKET, qty, 0, 0);
  trade (&fx, price, volume);
  got = fill_at (&fx, 0)->price;
  fx_clear (&fx);
  return got;
}

static void
test_slippage (void)
{
  QlSlippage s = { 0 };

  g_test_summary ("Slippage models: fixed ticks, percent, half spread, square-root impact, all adverse");
  s.model = QL_SLIPPAGE_TICKS;
  s.ticks = 2;
  g_assert_cmpint (slipped_buy (&s, 10000, 1, 10), ==, 10002);       /* + 2 ticks */
  s.model = QL_SLIPPAGE_PERCENT;
  s.ppm = 1000;                                                       /* 0.1 % of 100.00 = 0.10 */
  g_assert_cmpint (slipped_buy (&s, 10000, 1, 10), ==, 10010);
  s.ppm = 1234;                                                       /* 0.1234 % = 0.1234 -> 0.13 */
  g_assert_cmpint (slipped_buy (&s, 10000, 1, 10), ==, 10013);
  s.model = QL_SLIPPAGE_SPREAD;
  s.spread_ticks = 5;                                                 /* half of 0.05 = 0.025 -> 0.03 */
  g_assert_cmpint (slipped_buy (&s, 10000, 1, 10), ==, 10003);
  s.model = QL_SLIPPAGE_SQRT_IMPACT;
  s.impact_k = 0.1;                                                   /* 0.1 * 100 * sqrt (25/100) = 5.00 */
  g_assert_cmpint (slipped_buy (&s, 10000, 25, 100), ==, 10500);

  {
    /* A sell slips down, and a limit never slips. */
    Fx fx;
    QlBrokerConfig cfg = { 0 };
    cfg.slippage.model = QL_SLIPPAGE_TICKS;
    cfg.slippage.ticks = 3;
    cfg.allow_short = TRUE;
    fx_init (&fx, &cfg, 1000000 * QL_MONEY_ONE);
    submit (&fx, QL_SIDE_SELL, QL_ORDER_MARKET, 1, 0, 0);
    submit (&fx, QL_SIDE_BUY, QL_ORDER_LIMIT, 1, 10000, 0);
    trade (&fx, 9990, 10);
    g_assert_cmpint (fill_at (&fx, 0)->price, ==, 9987);  /* 99.90 - 0.03 */
    g_assert_cmpint (fill_at (&fx, 1)->price, ==, 9990);  /* at the market, no slippage */
    fx_clear (&fx);
  }
}

static void
test_commission (void)
{
  Fx fx;
  QlBrokerConfig cfg = { 0 };

  g_test_summary ("Commission: per unit, percent of notional, per order, and a minimum per order");
  cfg.commission.per_unit = QL_MONEY_ONE / 100;     /* 0.01 per unit */
  cfg.commission.percent_ppm = 1000;                /* 0.1 % */
  cfg.commission.per_order = QL_MONEY_ONE;          /* 1.00 */
  fx_init (&fx, &cfg, 1000000 * QL_MONEY_ONE);
  submit (&fx, QL_SIDE_BUY, QL_ORDER_MARKET, 10, 0, 0);
  trade (&fx, 10000, 100);
  /* 10 * 0.01 + 0.1 % of 1000.00 + 1.00 = 0.10 + 1.00 + 1.00 = 2.10 */
  g_assert_cmpint (fill_at (&fx, 0)->commission, ==, 210 * QL_MONEY_ONE / 100);
  /* The balance pays it. */
  g_assert_cmpint (ql_portfolio_get_balance (fx.pf), ==, 1000000 * QL_MONEY_ONE - 210 * QL_MONEY_ONE / 100);
  fx_clear (&fx);

  memset (&cfg, 0, sizeof cfg);
  cfg.commission.per_unit = QL_MONEY_ONE / 100;
  cfg.commission.minimum = 2 * QL_MONEY_ONE;
  cfg.volume_share_ppm = 100000;
  fx_init (&fx, &cfg, 1000000 * QL_MONEY_ONE);
  submit (&fx, QL_SIDE_BUY, QL_ORDER_MARKET, 300, 0, 0);
  trade (&fx, 10000, 1000); /* 100 units: 1.00 raw, the minimum makes it 2.00 */
  trade (&fx, 10000, 1000); /* 200 so far: 2.00 raw, nothing more to pay */
  trade (&fx, 10000, 1000); /* 300: 3.00 raw, 1.00 more */
  g_assert_cmpint (fill_at (&fx, 0)->commission, ==, 2 * QL_MONEY_ONE);
  g_assert_cmpint (fill_at (&fx, 1)->commission, ==, 0);
  g_assert_cmpint (fill_at (&fx, 2)->commission, ==, QL_MONEY_ONE);
  fx_clear (&fx);
}

/* ---- time in force, latency ------------------------------------------- */

static void
test_tif_ioc_fok (void)
{
  Fx fx;
  QlBrokerConfig cfg = { 0 };
  QlOrderRequest req = { 0 };
  QlOrderId ioc, fok;

  g_test_summary ("IOC keeps what one event fills and cancels the rest; FOK fills whole or not at all");
  cfg.volume_share_ppm = 100000;
  fx_init (&fx, &cfg, 1000000 * QL_MONEY_ONE);
  req.side = QL_SIDE_BUY;
  req.type = QL_ORDER_MARKET;
  req.quantity = 10;
  req.tif = QL_TIF_IOC;
  ioc = submit_req (&fx, &req);
  trade (&fx, 10000, 30); /* 3 of 10 */
  g_assert_cmpint (order (&fx, ioc)->filled, ==, 3);
  g_assert_cmpint (order (&fx, ioc)->state, ==, QL_ORDER_CANCELLED);
  req.tif = QL_TIF_FOK;
  fok = submit_req (&fx, &req);
  ql_broker_clear_fills (fx.br);
  trade (&fx, 10000, 30);
  g_assert_cmpuint (n_fills (&fx), ==, 0);
  g_assert_cmpint (order (&fx, fok)->state, ==, QL_ORDER_CANCELLED);
  fok = submit_req (&fx, &req);
  trade (&fx, 10000, 100); /* 10 % of 100 = 10: whole */
  g_assert_cmpint (order (&fx, fok)->state, ==, QL_ORDER_FILLED);
  fx_clear (&fx);
}

static void
test_tif_day_gtd (void)
{
  Fx fx;
  QlOrderRequest req = { 0 };
  QlOrderId day, gtd, gtc;
  QlTick t = { 0 };

  g_test_summary ("DAY ends with the trading day of submission; GTD at its time; GTC stays");
  fx_init (&fx, NULL, 1000000 * QL_MONEY_ONE);
  req.side = QL_SIDE_BUY;
  req.type = QL_ORDER_LIMIT;
  req.limit_price = 9000;
  req.quantity = 1;
  req.tif = QL_TIF_DAY;
  day = submit_req (&fx, &req); /* 2024-01-02 10:00 UTC, 24 h UTC session: ends 2024-01-03 00:00 */
  req.tif = QL_TIF_GTD;
  req.expire_time = T0 + 2 * QL_NS_PER_DAY;
  gtd = submit_req (&fx, &req);
  req.tif = QL_TIF_GTC;
  gtc = submit_req (&fx, &req);
  g_assert_cmpint (order (&fx, day)->expires, ==, T0 + 14 * QL_NS_PER_HOUR);
  t.flags = QL_TICK_FLAG_TRADE;
  t.price = 10000;
  t.size = 1;
  t.time = T0 + 14 * QL_NS_PER_HOUR - 1; /* 23:59:59.999999999 */
  ql_broker_match_tick (fx.br, 0, &t);
  g_assert_cmpint (order (&fx, day)->state, ==, QL_ORDER_WORKING);
  t.time = T0 + 14 * QL_NS_PER_HOUR;     /* midnight */
  ql_broker_match_tick (fx.br, 0, &t);
  g_assert_cmpint (order (&fx, day)->state, ==, QL_ORDER_EXPIRED);
  g_assert_cmpint (order (&fx, gtd)->state, ==, QL_ORDER_WORKING);
  t.time = T0 + 2 * QL_NS_PER_DAY;
  ql_broker_match_tick (fx.br, 0, &t);
  g_assert_cmpint (order (&fx, gtd)->state, ==, QL_ORDER_EXPIRED);
  g_assert_cmpint (order (&fx, gtc)->state, ==, QL_ORDER_WORKING);
  fx_clear (&fx);
}

static void
test_latency (void)
{
  Fx fx;
  QlBrokerConfig cfg = { 0 };
  QlTick t = { 0 };
  QlOrderId id;

  g_test_summary ("With 1 ms latency an order ignores ticks before submission + 1 ms");
  cfg.latency_ns = QL_NS_PER_MS;
  fx_init (&fx, &cfg, 1000000 * QL_MONEY_ONE);
  id = submit (&fx, QL_SIDE_BUY, QL_ORDER_MARKET, 1, 0, 0);
  t.flags = QL_TICK_FLAG_TRADE;
  t.size = 1;
  t.price = 10000;
  t.time = T0 + QL_NS_PER_MS / 2;
  ql_broker_match_tick (fx.br, 0, &t);
  g_assert_cmpint (order (&fx, id)->state, ==, QL_ORDER_PENDING);
  t.price = 10007;
  t.time = T0 + QL_NS_PER_MS;
  ql_broker_match_tick (fx.br, 0, &t);
  g_assert_cmpint (fill_at (&fx, 0)->price, ==, 10007);
  fx_clear (&fx);
}

/* ---- rejections, cancel, modify --------------------------------------- */

static void
test_rejections (void)
{
  Fx fx;
  QlOrderRequest req = { 0 };
  QlOrderId id;

  g_test_summary ("Invalid orders are rejected with their reason, never adjusted");
  fx_init (&fx, NULL, 1000 * QL_MONEY_ONE);
  fx.inst.lot_size = 5;
  fx.inst.tick_size = 5;
  req.side = QL_SIDE_BUY;
  req.type = QL_ORDER_LIMIT;
  req.limit_price = 10000;
  req.quantity = 7;
  g_assert_cmpint (ql_broker_submit (fx.br, &req, T0, FALSE, &id), ==, QL_REJECT_LOT_SIZE);
  g_assert_cmpint (order (&fx, id)->state, ==, QL_ORDER_REJECTED);
  g_assert_cmpint (order (&fx, id)->req.quantity, ==, 7);
  req.quantity = 5;
  req.limit_price = 10003;
  g_assert_cmpint (ql_broker_submit (fx.br, &req, T0, FALSE, &id), ==, QL_REJECT_TICK_SIZE);
  req.limit_price = 0;
  g_assert_cmpint (ql_broker_submit (fx.br, &req, T0, FALSE, &id), ==, QL_REJECT_BAD_PRICE);
  req.limit_price = 10000;
  req.symbol = 3;
  g_assert_cmpint (ql_broker_submit (fx.br, &req, T0, FALSE, &id), ==, QL_REJECT_UNKNOWN_SYMBOL);
  req.symbol = 0;
  /* 1000.00 of capital, 100 % margin: 15 at 100.00 = 1500.00 is too much. */
  req.quantity = 15;
  g_assert_cmpint (ql_broker_submit (fx.br, &req, T0, FALSE, &id), ==, QL_REJECT_BUYING_POWER);
  req.quantity = 10; /* 1000.00: exactly affordable */
  g_assert_cmpint (ql_broker_submit (fx.br, &req, T0, FALSE, &id), ==, QL_REJECT_NONE);
  req.reduce_only = TRUE;
  req.side = QL_SIDE_SELL;
  g_assert_cmpint (ql_broker_submit (fx.br, &req, T0, FALSE, &id), ==, QL_REJECT_REDUCE_ONLY);
  req.reduce_only = FALSE;
  req.tif = QL_TIF_GTD;
  req.expire_time = T0;
  g_assert_cmpint (ql_broker_submit (fx.br, &req, T0, FALSE, &id), ==, QL_REJECT_BAD_TIF);
  g_assert_cmpstr (ql_reject_reason_to_string (QL_REJECT_LOT_SIZE), ==,
                   "quantity is not a multiple of the lot size");
  fx_clear (&fx);
}

static void
test_short_not_allowed (void)
{
  Fx fx;
  QlBrokerConfig cfg = { 0 };
  QlOrderRequest req = { 0 };
  QlOrderId id;

  g_test_summary ("Without allow_short a sell beyond the position is rejected");
  fx_init (&fx, &cfg, 1000 * QL_MONEY_ONE);
  req.side = QL_SIDE_SELL;
  req.type = QL_ORDER_MARKET;
  req.quantity = 1;
  g_assert_cmpint (ql_broker_submit (fx.br, &req, T0, FALSE, &id), ==, QL_REJECT_SHORT_SELLING);
  fx_clear (&fx);
}

static void
test_cancel_modify (void)
{
  Fx fx;
  QlOrderId id;

  g_test_summary ("Modify moves a working limit and its quantity; cancel removes it");
  fx_init (&fx, NULL, 1000000 * QL_MONEY_ONE);
  id = submit (&fx, QL_SIDE_BUY, QL_ORDER_LIMIT, 5, 9900, 0);
  trade (&fx, 10000, 1);
  g_assert_cmpint (ql_broker_modify (fx.br, id, 8, 10000, 0), ==, QL_REJECT_NONE);
  g_assert_cmpint (ql_broker_modify (fx.br, id, 0, 0, 9000), ==, QL_REJECT_BAD_PRICE);
  trade (&fx, 10000, 1); /* a modified limit meets the market afresh: 100.00 <= 100.00 */
  g_assert_cmpint (fill_at (&fx, 0)->quantity, ==, 8);
  g_assert_cmpint (ql_broker_cancel (fx.br, id), ==, QL_REJECT_NOT_FOUND);
  id = submit (&fx, QL_SIDE_BUY, QL_ORDER_LIMIT, 5, 9900, 0);
  g_assert_cmpint (ql_broker_cancel (fx.br, id), ==, QL_REJECT_NONE);
  g_assert_cmpint (order (&fx, id)->state, ==, QL_ORDER_CANCELLED);
  fx_clear (&fx);
}

static void
test_reduce_only_cap (void)
{
  Fx fx;
  QlOrderRequest req = { 0 };
  QlOrderId id;

  g_test_summary ("A reduce-only fill is capped at the position");
  fx_init (&fx, NULL, 1000000 * QL_MONEY_ONE);
  submit (&fx, QL_SIDE_BUY, QL_ORDER_MARKET, 4, 0, 0);
  trade (&fx, 10000, 100);
  req.side = QL_SIDE_SELL;
  req.type = QL_ORDER_MARKET;
  req.quantity = 10;
  req.reduce_only = TRUE;
  id = submit_req (&fx, &req);
  trade (&fx, 10000, 100);
  g_assert_cmpint (position (&fx), ==, 0);
  g_assert_cmpint (order (&fx, id)->filled, ==, 4);
  fx_clear (&fx);
}

static void
test_excursion_exit_bar (void)
{
  Fx fx;
  gsize n;
  const QlTrade *t;

  g_test_summary ("The path of the exit bar up to the exit counts in the trade's MFE and MAE");
  g_test_bug ("A1");
  fx_init (&fx, NULL, 1000000 * QL_MONEY_ONE);
  submit (&fx, QL_SIDE_BUY, QL_ORDER_MARKET, 10, 0, 0);
  bar (&fx, 10000, 10000, 10000, 10000, 0); /* long 10 at 100.00 */
  submit (&fx, QL_SIDE_SELL, QL_ORDER_STOP, 10, 0, 9800);
  /* O 100.00 H 101.00 L 97.00 C 99.00: the high is nearer (1.00 < 3.00),
   * so the path is 100 -> 101 -> 97 -> 99 and the stop fills at 98.00 on
   * the way down, after the high traded with the position open. */
  bar (&fx, 10000, 10100, 9700, 9900, 0);
  g_assert_cmpint (position (&fx), ==, 0);
  t = ql_portfolio_get_trades (fx.pf, &n);
  g_assert_cmpuint (n, ==, 1);
  /* P&L (98.00 - 100.00) * 10 = -20.00; MFE (101.00 - 100.00) * 10 = 10.00;
   * MAE down to the exit (98.00 - 100.00) * 10 = -20.00, not the low 97.00
   * traded after it. */
  g_assert_cmpfloat_with_epsilon (t[0].pnl, -20.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (t[0].mfe, 10.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (t[0].mae, -20.0, 1e-9);
  fx_clear (&fx);
}

/* ---- modify ------------------------------------------------------------ */

static void
test_modify_buying_power (void)
{
  Fx fx;
  QlOrderRequest req = { 0 };
  QlOrderId id;

  g_test_summary ("Modify runs the buying-power check of submit; a refused change leaves the order as it was");
  g_test_bug ("A2");
  fx_init (&fx, NULL, 1000 * QL_MONEY_ONE);
  /* 50 at 100.00 needs 5000.00 of margin (100 %), more than 1000.00. */
  req.side = QL_SIDE_BUY;
  req.type = QL_ORDER_LIMIT;
  req.quantity = 50;
  req.limit_price = 10000;
  g_assert_cmpint (ql_broker_submit (fx.br, &req, fx.now, FALSE, &id), ==, QL_REJECT_BUYING_POWER);
  /* 5 at 100.00 needs 500.00: accepted. Growing it to 50 is the same
   * 5000.00: refused, still 5 at 100.00. */
  id = submit (&fx, QL_SIDE_BUY, QL_ORDER_LIMIT, 5, 10000, 0);
  g_assert_cmpint (ql_broker_modify (fx.br, id, 50, 0, 0), ==, QL_REJECT_BUYING_POWER);
  g_assert_cmpint (order (&fx, id)->req.quantity, ==, 5);
  g_assert_cmpint (order (&fx, id)->req.limit_price, ==, 10000);
  /* 9 at 100.00 needs 900.00: accepted. */
  g_assert_cmpint (ql_broker_modify (fx.br, id, 9, 0, 0), ==, QL_REJECT_NONE);
  /* O 101.00 H 101.00 L 99.00 C 100.00: the limit rests at the open, the
   * path 101 -> 101 -> 99 goes through 100.00: 9 fill at 100.00. */
  bar (&fx, 10100, 10100, 9900, 10000, 0);
  g_assert_cmpuint (n_fills (&fx), ==, 1);
  g_assert_cmpint (fill_at (&fx, 0)->quantity, ==, 9);
  g_assert_cmpint (fill_at (&fx, 0)->price, ==, 10000);
  g_assert_cmpint (position (&fx), ==, 9);
  fx_clear (&fx);
}

static guint n_checks;

static gboolean
max_ten_cb (gpointer              data,
            const QlOrderRequest *req,
            double                position_after,
            gboolean             *blocked,
            char                 *reason,
            gsize                 reason_size)
{
  n_checks++;
  if (position_after > 10.0)
    {
      g_strlcpy (reason, "position above 10", reason_size);
      return FALSE;
    }
  return TRUE;
}

static void
test_modify_account_rule (void)
{
  Fx fx;
  QlOrderId id;

  g_test_summary ("Modify asks the account check with the position the new quantity would leave");
  g_test_bug ("A2");
  fx_init (&fx, NULL, 1000000 * QL_MONEY_ONE);
  n_checks = 0;
  ql_broker_set_check (fx.br, max_ten_cb, NULL);
  id = submit (&fx, QL_SIDE_BUY, QL_ORDER_LIMIT, 5, 9900, 0); /* after: 5 */
  g_assert_cmpuint (n_checks, ==, 1);
  /* 20 would leave a position of 20 > 10: refused with the rule's text. */
  g_assert_cmpint (ql_broker_modify (fx.br, id, 20, 0, 0), ==, QL_REJECT_ACCOUNT_RULE);
  g_assert_cmpstr (ql_broker_get_reject_text (fx.br), ==, "position above 10");
  g_assert_cmpint (order (&fx, id)->req.quantity, ==, 5);
  g_assert_cmpuint (n_checks, ==, 2);
  /* 10 leaves 10: accepted, and the text is cleared. */
  g_assert_cmpint (ql_broker_modify (fx.br, id, 10, 0, 0), ==, QL_REJECT_NONE);
  g_assert_cmpstr (ql_broker_get_reject_text (fx.br), ==, "");
  g_assert_cmpint (order (&fx, id)->req.quantity, ==, 10);
  g_assert_cmpuint (n_checks, ==, 3);
  fx_clear (&fx);
}

static void
test_modify_trail (void)
{
  Fx fx;
  QlBrokerConfig cfg = { 0 };
  QlOrderRequest req = { 0 };
  QlOrderId id, lim;

  g_test_summary ("A trailing stop's distance can be modified: the stop is reset from the best price");
  g_test_bug ("A3");
  fx_init (&fx, NULL, 1000000 * QL_MONEY_ONE);
  req.side = QL_SIDE_SELL;
  req.type = QL_ORDER_TRAILING_STOP;
  req.quantity = 1;
  req.trail_amount = 50;
  id = submit_req (&fx, &req);
  trade (&fx, 10000, 1); /* best 100.00, stop 100.00 - 0.50 = 99.50 */
  trade (&fx, 10100, 1); /* best 101.00, stop 100.50 */
  g_assert_cmpint (order (&fx, id)->trail_stop, ==, 10050);
  /* Loosen to 2.00: 101.00 - 2.00 = 99.00. */
  g_assert_cmpint (ql_broker_modify_trail (fx.br, id, 200, 0), ==, QL_REJECT_NONE);
  g_assert_cmpint (order (&fx, id)->trail_stop, ==, 9900);
  trade (&fx, 10000, 1); /* 100.00 is above 99.00 (and below 100.50): no fill */
  g_assert_cmpuint (n_fills (&fx), ==, 0);
  /* Tighten to 1 %: 1 % of 101.00 = 1.01, stop 99.99. */
  g_assert_cmpint (ql_broker_modify_trail (fx.br, id, 0, 10000), ==, QL_REJECT_NONE);
  g_assert_cmpint (order (&fx, id)->trail_stop, ==, 9999);
  g_assert_cmpint (order (&fx, id)->req.trail_amount, ==, 0);
  g_assert_cmpint (ql_broker_modify_trail (fx.br, id, 0, 1000000), ==, QL_REJECT_BAD_PRICE);
  g_assert_cmpint (ql_broker_modify_trail (fx.br, id, -1, 0), ==, QL_REJECT_BAD_PRICE);
  g_assert_cmpint (order (&fx, id)->trail_stop, ==, 9999);
  trade (&fx, 9999, 1); /* reaches 99.99: fills there */
  g_assert_cmpuint (n_fills (&fx), ==, 1);
  g_assert_cmpint (fill_at (&fx, 0)->price, ==, 9999);
  g_assert_cmpint (ql_broker_modify_trail (fx.br, id, 100, 0), ==, QL_REJECT_NOT_FOUND);
  lim = submit (&fx, QL_SIDE_BUY, QL_ORDER_LIMIT, 1, 9000, 0);
  g_assert_cmpint (ql_broker_modify_trail (fx.br, lim, 100, 0), ==, QL_REJECT_BAD_PRICE);
  fx_clear (&fx);

  /* Triggered but partly filled (10 % of 30 = 3 of 10): a market order now. */
  cfg.allow_short = TRUE;
  cfg.volume_share_ppm = 100000;
  fx_init (&fx, &cfg, 1000000 * QL_MONEY_ONE);
  req.quantity = 10;
  id = submit_req (&fx, &req);
  trade (&fx, 10000, 1000); /* stop 99.50 */
  trade (&fx, 9950, 30);    /* triggers, fills 3 */
  g_assert_cmpint (order (&fx, id)->filled, ==, 3);
  g_assert_cmpint (ql_broker_modify_trail (fx.br, id, 100, 0), ==, QL_REJECT_TRIGGERED);
  fx_clear (&fx);
}

static void
test_deferred_queue (void)
{
  Fx fx;
  QlOrderId a, b;
  QlTimeNs at;

  g_test_summary ("Deferred cancels and modifications: form checks answer at once, the rest "
                  "waits for its time and is applied in order; a late refusal is counted");
  fx_init (&fx, NULL, 1000000 * QL_MONEY_ONE);
  a = submit (&fx, QL_SIDE_BUY, QL_ORDER_LIMIT, 1, 9000, 0);
  b = submit (&fx, QL_SIDE_BUY, QL_ORDER_LIMIT, 1, 9500, 0);
  at = T0 + 5 * QL_NS_PER_MIN;
  g_assert_cmpint (ql_broker_get_deferred_time (fx.br), ==, G_MAXINT64);
  /* Accepted, not done: a is still live. A second cancel adds nothing. */
  g_assert_cmpint (ql_broker_cancel_at (fx.br, a, at), ==, QL_REJECT_NONE);
  g_assert_cmpint (ql_broker_cancel_at (fx.br, a, at), ==, QL_REJECT_NONE);
  g_assert_cmpint (order (&fx, a)->state, ==, QL_ORDER_PENDING);
  /* A stop price on a limit is wrong whenever it comes: refused now. */
  g_assert_cmpint (ql_broker_modify_at (fx.br, b, 0, 0, 9600, at), ==, QL_REJECT_BAD_PRICE);
  g_assert_cmpint (ql_broker_modify_at (fx.br, b, 0, 9700, 0, at), ==, QL_REJECT_NONE);
  g_assert_cmpint (order (&fx, b)->req.limit_price, ==, 9500);
  g_assert_cmpint (ql_broker_cancel_at (fx.br, 99, at), ==, QL_REJECT_NOT_FOUND);
  g_assert_cmpint (ql_broker_modify_trail_at (fx.br, b, 100, 0, at), ==, QL_REJECT_BAD_PRICE);
  g_assert_cmpint (ql_broker_get_deferred_time (fx.br), ==, at);
  /* Not due yet. */
  g_assert_cmpuint (ql_broker_apply_deferred (fx.br, at - 1), ==, 0);
  g_assert_cmpint (order (&fx, a)->state, ==, QL_ORDER_PENDING);
  /* A bar at T0 + 1 min, path 96.00 -> 96.00 -> 94.00 -> 95.00 (the high
   * is the nearer extreme): b's 95.00 is not marketable at the open 96.00,
   * rests, and 96.00 -> 94.00 goes through it: b fills at 95.00 with its
   * old price. a (90.00) is not reached. */
  bar (&fx, 9600, 9600, 9400, 9500, 10);
  g_assert_cmpuint (n_fills (&fx), ==, 1);
  g_assert_cmpint (fill_at (&fx, 0)->price, ==, 9500);
  /* At 'at': a is cancelled; b's modification finds it filled, refused:
   * one refusal (the duplicate cancel was never queued). */
  g_assert_cmpuint (ql_broker_apply_deferred (fx.br, at), ==, 1);
  g_assert_cmpint (order (&fx, a)->state, ==, QL_ORDER_CANCELLED);
  g_assert_cmpint (order (&fx, b)->state, ==, QL_ORDER_FILLED);
  g_assert_cmpint (order (&fx, b)->req.limit_price, ==, 9500);
  g_assert_cmpint (ql_broker_get_deferred_time (fx.br), ==, G_MAXINT64);
  g_assert_cmpuint (ql_broker_apply_deferred (fx.br, G_MAXINT64), ==, 0);
  fx_clear (&fx);
}

static void
test_modify_bracket_leg (void)
{
  Fx fx;
  QlOrderId e, tp, sl;

  g_test_summary ("A bracket leg's quantity is its entry's filled quantity: modifying it is refused");
  g_test_bug ("A4");
  fx_init (&fx, NULL, 1000000 * QL_MONEY_ONE);
  e = bracket (&fx, QL_ORDER_LIMIT, 10000, 10, 10200, 9800);
  tp = order (&fx, e)->children[0];
  sl = order (&fx, e)->children[1];
  /* Waiting for the entry: quantity refused, price accepted. */
  g_assert_cmpint (ql_broker_modify (fx.br, tp, 3, 0, 0), ==, QL_REJECT_BRACKET_LEG);
  g_assert_cmpint (ql_broker_modify (fx.br, tp, 0, 10300, 0), ==, QL_REJECT_NONE);
  g_assert_cmpint (order (&fx, tp)->req.limit_price, ==, 10300);
  /* The entry fills 10 at 99.90 (marketable at the trade): both legs 10. */
  trade (&fx, 9990, 100);
  g_assert_cmpint (order (&fx, e)->filled, ==, 10);
  g_assert_cmpint (order (&fx, tp)->req.quantity, ==, 10);
  g_assert_cmpint (order (&fx, sl)->req.quantity, ==, 10);
  /* Active: still refused (it would leave the legs unequal). */
  g_assert_cmpint (ql_broker_modify (fx.br, sl, 5, 0, 0), ==, QL_REJECT_BRACKET_LEG);
  g_assert_cmpint (order (&fx, sl)->req.quantity, ==, 10);
  g_assert_cmpint (ql_broker_modify (fx.br, sl, 0, 0, 9700), ==, QL_REJECT_NONE);
  g_assert_cmpint (order (&fx, sl)->req.stop_price, ==, 9700);
  fx_clear (&fx);
}

static void
test_bracket_gap_take_profit (void)
{
  Fx fx;
  QlOrderId e, tp, sl;

  g_test_summary ("A bar opening beyond the take-profit fills it at the open, though the stop trades later");
  g_test_bug ("A5");
  fx_init (&fx, NULL, 1000000 * QL_MONEY_ONE);
  e = bracket (&fx, QL_ORDER_MARKET, 0, 5, 10100, 9850);
  tp = order (&fx, e)->children[0];
  sl = order (&fx, e)->children[1];
  bar (&fx, 10000, 10000, 10000, 10000, 100); /* entry: long 5 at 100.00 */
  ql_broker_clear_fills (fx.br);
  /* O 102.00 H 102.50 L 98.00 C 99.00: the open is already past the
   * take-profit 101.00 (sell limit, marketable: fills at the open 102.00);
   * the stop 98.50 is reached only later on the path 102 -> 102.5 -> 98.
   * The open is certain: take-profit 5 at 102.00, the stop cancelled. */
  bar (&fx, 10200, 10250, 9800, 9900, 100);
  g_assert_cmpuint (n_fills (&fx), ==, 1);
  g_assert_cmpint (fill_at (&fx, 0)->order, ==, tp);
  g_assert_cmpint (fill_at (&fx, 0)->price, ==, 10200);
  g_assert_cmpint (order (&fx, tp)->state, ==, QL_ORDER_FILLED);
  g_assert_cmpint (order (&fx, sl)->state, ==, QL_ORDER_CANCELLED);
  g_assert_cmpint (position (&fx), ==, 0);
  fx_clear (&fx);
}

static void
test_bracket_gap_stop_loss (void)
{
  Fx fx;
  QlOrderId e, tp, sl;

  g_test_summary ("A bar opening beyond the stop-loss fills it at the open, though the take-profit trades later");
  g_test_bug ("A5");
  fx_init (&fx, NULL, 1000000 * QL_MONEY_ONE);
  e = bracket (&fx, QL_ORDER_MARKET, 0, 5, 10100, 9850);
  tp = order (&fx, e)->children[0];
  sl = order (&fx, e)->children[1];
  bar (&fx, 10000, 10000, 10000, 10000, 100); /* entry: long 5 at 100.00 */
  ql_broker_clear_fills (fx.br);
  /* O 98.00 H 101.50 L 97.50 C 101.00: the open is below the stop 98.50,
   * so the stop fills at the open 98.00; the path 98 -> 97.5 -> 101.5
   * reaches the take-profit only later. Stop 5 at 98.00. */
  bar (&fx, 9800, 10150, 9750, 10100, 100);
  g_assert_cmpuint (n_fills (&fx), ==, 1);
  g_assert_cmpint (fill_at (&fx, 0)->order, ==, sl);
  g_assert_cmpint (fill_at (&fx, 0)->price, ==, 9800);
  g_assert_cmpint (order (&fx, tp)->state, ==, QL_ORDER_CANCELLED);
  g_assert_cmpint (position (&fx), ==, 0);
  fx_clear (&fx);
}

/* ---- DAY orders in a session ------------------------------------------ */

#define D0 (G_GINT64_CONSTANT (1704153600) * QL_NS_PER_SEC) /* 2024-01-02 00:00 UTC, a Tuesday */
#define HMS(h, m) ((gint64) (h) * QL_NS_PER_HOUR + (gint64) (m) * QL_NS_PER_MIN)

static void
fx_init_session (Fx *fx, const char *hours)
{
  g_autoptr (GError) error = NULL;

  fx_init (fx, NULL, 1000000 * QL_MONEY_ONE);
  g_assert_true (ql_instrument_set_timezone (&fx->inst, "America/New_York", &error));
  g_assert_no_error (error);
  g_assert_true (ql_instrument_set_session (&fx->inst, hours, &error));
  g_assert_no_error (error);
}

static QlOrderId
day_limit (Fx *fx, QlTimeNs now, QlPrice limit)
{
  QlOrderRequest req = { 0 };
  QlOrderId id = 0;

  req.side = QL_SIDE_BUY;
  req.type = QL_ORDER_LIMIT;
  req.limit_price = limit;
  req.quantity = 1;
  req.tif = QL_TIF_DAY;
  g_assert_cmpint (ql_broker_submit (fx->br, &req, now, FALSE, &id), ==, QL_REJECT_NONE);
  return id;
}

static void
trade_at (Fx *fx, QlTimeNs time, QlPrice price)
{
  QlTick t = { 0 };
  t.time = time;
  t.price = price;
  t.size = 1;
  t.flags = QL_TICK_FLAG_TRADE;
  g_assert_cmpint (ql_broker_match_tick (fx->br, 0, &t), ==, QL_STATUS_OK);
}

static void
test_day_in_session (void)
{
  Fx fx;
  QlOrderId id;

  g_test_summary ("A DAY order placed at 10:30 in a 09:30-16:00 New York session expires at 16:00 that day");
  g_test_bug ("A6");
  fx_init_session (&fx, "09:30-16:00");
  /* 2024-01-02 is in EST (UTC-5): 10:30 EST = 15:30 UTC, 16:00 EST = 21:00 UTC. */
  id = day_limit (&fx, D0 + HMS (15, 30), 9000);
  g_assert_cmpint (order (&fx, id)->expires, ==, D0 + HMS (21, 0));
  trade_at (&fx, D0 + HMS (21, 0) - 1, 10000); /* 15:59:59.999999999 EST */
  g_assert_cmpint (order (&fx, id)->state, ==, QL_ORDER_WORKING);
  trade_at (&fx, D0 + HMS (21, 0), 10000);     /* 16:00 EST: an after-hours trade */
  g_assert_cmpint (order (&fx, id)->state, ==, QL_ORDER_EXPIRED);
  fx_clear (&fx);
}

static void
test_day_after_close (void)
{
  Fx fx;
  QlOrderId a, b, fri;

  g_test_summary ("A DAY order placed after the close ignores after-hours trades and lives through the next session");
  g_test_bug ("A6");
  fx_init_session (&fx, "09:30-16:00");
  /* Placed 2024-01-02 17:00 EST = 22:00 UTC, after the 16:00 close. A
   * (limit 100.00) would be marketable at 99.00; B (90.00) never fills. */
  a = day_limit (&fx, D0 + HMS (22, 0), 10000);
  b = day_limit (&fx, D0 + HMS (22, 0), 9000);
  g_assert_cmpint (order (&fx, a)->expires, ==, QL_EXPIRES_NEXT_SESSION);
  trade_at (&fx, D0 + HMS (23, 0), 9900);      /* 18:00 EST, after hours */
  trade_at (&fx, D0 + HMS (24 + 13, 0), 9900); /* 2024-01-03 08:00 EST, pre-market */
  g_assert_cmpuint (n_fills (&fx), ==, 0);
  g_assert_cmpint (order (&fx, a)->state, ==, QL_ORDER_PENDING);
  /* 2024-01-03 09:30 EST = 14:30 UTC opens the next session: A fills at
   * 99.00, B now expires at 16:00 EST = 2024-01-03 21:00 UTC. */
  trade_at (&fx, D0 + HMS (24 + 14, 30), 9900);
  g_assert_cmpuint (n_fills (&fx), ==, 1);
  g_assert_cmpint (fill_at (&fx, 0)->order, ==, a);
  g_assert_cmpint (fill_at (&fx, 0)->price, ==, 9900);
  g_assert_cmpint (order (&fx, b)->expires, ==, D0 + HMS (24 + 21, 0));
  trade_at (&fx, D0 + HMS (24 + 21, 0), 9900);
  g_assert_cmpint (order (&fx, b)->state, ==, QL_ORDER_EXPIRED);

  /* Placed Friday 2024-01-05 17:00 EST (D0 + 3 days + 22:00 UTC): the next
   * session with a trade is Monday 2024-01-08, D0 + 6 days; 10:00 EST =
   * 15:00 UTC; it expires at Monday's close, 21:00 UTC. */
  fri = day_limit (&fx, D0 + HMS (3 * 24 + 22, 0), 9000);
  trade_at (&fx, D0 + HMS (6 * 24 + 15, 0), 10000);
  g_assert_cmpint (order (&fx, fri)->state, ==, QL_ORDER_WORKING);
  g_assert_cmpint (order (&fx, fri)->expires, ==, D0 + HMS (6 * 24 + 21, 0));
  fx_clear (&fx);
}

static void
test_day_dst (void)
{
  /* America/New_York: on Sunday 2024-03-10 at 02:00 EST the clocks go to
   * 03:00 EDT, so the 16:00 close is 21:00 UTC on Friday 2024-03-08 and
   * 20:00 UTC on Monday 2024-03-11. 2024-03-08 00:00 UTC is day
   * 19723 (2024-01-01) + 31 + 29 + 7 = 19790, 19790 * 86400 = 1709856000;
   * Monday 2024-03-11 00:00 UTC is 1709856000 + 3 * 86400 = 1710115200. */
  const QlTimeNs fri = G_GINT64_CONSTANT (1709856000) * QL_NS_PER_SEC;
  const QlTimeNs mon = G_GINT64_CONSTANT (1710115200) * QL_NS_PER_SEC;
  Fx fx;
  QlOrderId in, after;

  g_test_summary ("DAY expiry follows the New York close across the March 2024 DST change");
  g_test_bug ("A6");
  fx_init_session (&fx, "09:30-16:00");
  /* Friday 10:30 EST = 15:30 UTC: expires 16:00 EST = 21:00 UTC. */
  in = day_limit (&fx, fri + HMS (15, 30), 9000);
  g_assert_cmpint (order (&fx, in)->expires, ==, fri + HMS (21, 0));
  /* Friday 17:00 EST = 22:00 UTC, after the close: the next session is
   * Monday's, 09:30 EDT = 13:30 UTC to 16:00 EDT = 20:00 UTC. */
  after = day_limit (&fx, fri + HMS (22, 0), 9000);
  trade_at (&fx, fri + HMS (21, 0), 10000); /* expires `in` */
  g_assert_cmpint (order (&fx, in)->state, ==, QL_ORDER_EXPIRED);
  trade_at (&fx, mon + HMS (13, 45), 10000); /* 09:45 EDT */
  g_assert_cmpint (order (&fx, after)->expires, ==, mon + HMS (20, 0));
  trade_at (&fx, mon + HMS (20, 0) - 1, 10000);
  g_assert_cmpint (order (&fx, after)->state, ==, QL_ORDER_WORKING);
  trade_at (&fx, mon + HMS (20, 0), 10000); /* 16:00 EDT, an hour before 21:00 UTC */
  g_assert_cmpint (order (&fx, after)->state, ==, QL_ORDER_EXPIRED);
  fx_clear (&fx);
}

static void
test_day_overnight_session (void)
{
  Fx fx;
  QlOrderId in, gap;

  g_test_summary ("In an 18:00-17:00 New York session a DAY order lives until 17:00 of the next date");
  g_test_bug ("A6");
  fx_init_session (&fx, "18:00-17:00");
  /* 2024-01-02 20:00 EST = 2024-01-03 01:00 UTC, inside the session that
   * opened at 18:00 EST on the 2nd and closes 2024-01-03 17:00 EST =
   * 22:00 UTC. */
  in = day_limit (&fx, D0 + HMS (24 + 1, 0), 9000);
  g_assert_cmpint (order (&fx, in)->expires, ==, D0 + HMS (24 + 22, 0));
  /* 2024-01-03 17:30 EST = 22:30 UTC, between the close and the 18:00
   * open: the next session (from 23:00 UTC) closes 2024-01-04 17:00 EST =
   * 22:00 UTC. */
  gap = day_limit (&fx, D0 + HMS (24 + 22, 30), 9000);
  g_assert_cmpint (order (&fx, gap)->expires, ==, QL_EXPIRES_NEXT_SESSION);
  trade_at (&fx, D0 + HMS (24 + 22, 45), 10000); /* 17:45 EST: still closed */
  g_assert_cmpint (order (&fx, in)->state, ==, QL_ORDER_EXPIRED);
  g_assert_cmpint (order (&fx, gap)->expires, ==, QL_EXPIRES_NEXT_SESSION);
  trade_at (&fx, D0 + HMS (24 + 23, 0), 10000);  /* 18:00 EST: open */
  g_assert_cmpint (order (&fx, gap)->expires, ==, D0 + HMS (2 * 24 + 22, 0));
  g_assert_cmpint (order (&fx, gap)->state, ==, QL_ORDER_WORKING);
  fx_clear (&fx);
}

/* ---- bar mode and quotes: stop-limit, OCO, spread --------------------- */

static void
test_stop_limit_bar (void)
{
  Fx fx;
  QlOrderId a, b;

  g_test_summary ("Bar mode: a stop-limit triggers on the path, fills at the stop or rests at its limit");
  fx_init (&fx, NULL, 1000000 * QL_MONEY_ONE);
  /* Buy stop 100.50, limit 100.60. O 100.00 H 101.00 L 99.80 C 100.20:
   * the low is nearer (0.20 < 1.00), path 100 -> 99.8 -> 101 -> 100.2.
   * The stop triggers at 100.50 on 99.8 -> 101; a limit arriving at 100.50
   * is marketable (100.50 <= 100.60): fills at 100.50, no slippage. */
  a = submit (&fx, QL_SIDE_BUY, QL_ORDER_STOP_LIMIT, 1, 10060, 10050);
  bar (&fx, 10000, 10100, 9980, 10020, 100);
  g_assert_cmpuint (n_fills (&fx), ==, 1);
  g_assert_cmpint (fill_at (&fx, 0)->order, ==, a);
  g_assert_cmpint (fill_at (&fx, 0)->price, ==, 10050);
  ql_broker_clear_fills (fx.br);

  /* Buy stop 102.50, limit 102.60. O 103.00 H 103.20 L 102.70 C 102.80:
   * the open is past the stop (triggered there) but above the limit; the
   * path 103 -> 103.2 -> 102.7 -> 102.8 never goes below 102.60: no fill,
   * the limit rests. */
  b = submit (&fx, QL_SIDE_BUY, QL_ORDER_STOP_LIMIT, 1, 10260, 10250);
  bar (&fx, 10300, 10320, 10270, 10280, 100);
  g_assert_cmpuint (n_fills (&fx), ==, 0);
  g_assert_true (order (&fx, b)->triggered);
  /* O 102.55 H 102.90 L 102.50 C 102.70: opens below the resting limit
   * 102.60, a gap through it: fills at the open 102.55. */
  bar (&fx, 10255, 10290, 10250, 10270, 100);
  g_assert_cmpuint (n_fills (&fx), ==, 1);
  g_assert_cmpint (fill_at (&fx, 0)->order, ==, b);
  g_assert_cmpint (fill_at (&fx, 0)->price, ==, 10255);
  fx_clear (&fx);
}

static void
oco_pair (Fx *fx, guint32 group, QlOrderId *limit, QlOrderId *stop)
{
  QlOrderRequest req = { 0 };

  req.side = QL_SIDE_BUY;
  req.quantity = 10;
  req.oco_group = group;
  req.type = QL_ORDER_LIMIT;
  req.limit_price = 9900;
  *limit = submit_req (fx, &req);
  req.type = QL_ORDER_STOP;
  req.limit_price = 0;
  req.stop_price = 10100;
  *stop = submit_req (fx, &req);
}

static void
test_oco_bar (void)
{
  Fx fx;
  QlOrderId l, st;

  g_test_summary ("Bar mode OCO (not a bracket): stop first inside a bar, the path when one is reached, the open on a gap");
  fx_init (&fx, NULL, 1000000 * QL_MONEY_ONE);
  /* Each pair: buy limit 99.00 and buy stop 101.00, 10 each, one group. */
  oco_pair (&fx, 1, &l, &st);
  /* O 100.00 H 101.50 L 98.50 C 100.00: a tie (1.50 each way), the high
   * first: the stop is reached at 101.00, then the limit at 99.00, both
   * inside the bar: the stop is taken, 10 at 101.00; the limit is reduced
   * by 10 to nothing and cancelled. */
  bar (&fx, 10000, 10150, 9850, 10000, 1000);
  g_assert_cmpuint (n_fills (&fx), ==, 1);
  g_assert_cmpint (fill_at (&fx, 0)->order, ==, st);
  g_assert_cmpint (fill_at (&fx, 0)->price, ==, 10100);
  g_assert_cmpint (order (&fx, l)->state, ==, QL_ORDER_CANCELLED);
  ql_broker_clear_fills (fx.br);

  oco_pair (&fx, 2, &l, &st);
  /* O 100.00 H 100.50 L 98.80 C 99.50: path 100 -> 100.5 -> 98.8 -> 99.5
   * reaches only the limit: 10 at 99.00; the stop is cancelled. */
  bar (&fx, 10000, 10050, 9880, 9950, 1000);
  g_assert_cmpuint (n_fills (&fx), ==, 1);
  g_assert_cmpint (fill_at (&fx, 0)->order, ==, l);
  g_assert_cmpint (fill_at (&fx, 0)->price, ==, 9900);
  g_assert_cmpint (order (&fx, st)->state, ==, QL_ORDER_CANCELLED);
  ql_broker_clear_fills (fx.br);

  oco_pair (&fx, 3, &l, &st);
  /* O 98.50 H 101.50 L 98.00 C 101.00: the open is below the limit (a gap:
   * fills at the open 98.50); the stop is reached later (98.5 -> 98 ->
   * 101.5). The open is certain: the limit, 10 at 98.50. */
  bar (&fx, 9850, 10150, 9800, 10100, 1000);
  g_assert_cmpuint (n_fills (&fx), ==, 1);
  g_assert_cmpint (fill_at (&fx, 0)->order, ==, l);
  g_assert_cmpint (fill_at (&fx, 0)->price, ==, 9850);
  g_assert_cmpint (order (&fx, st)->state, ==, QL_ORDER_CANCELLED);
  g_assert_cmpint (position (&fx), ==, 30);
  fx_clear (&fx);
}

static void
test_slippage_spread_quotes (void)
{
  Fx fx;
  QlBrokerConfig cfg = { 0 };
  QlTick q = { 0 };

  g_test_summary ("Spread slippage: a tick with quotes pays its own spread, a trade-only tick half of spread_ticks");
  cfg.slippage.model = QL_SLIPPAGE_SPREAD;
  cfg.slippage.spread_ticks = 5;
  cfg.allow_short = TRUE;
  fx_init (&fx, &cfg, 1000000 * QL_MONEY_ONE);
  submit (&fx, QL_SIDE_BUY, QL_ORDER_MARKET, 1, 0, 0);
  submit (&fx, QL_SIDE_SELL, QL_ORDER_MARKET, 1, 0, 0);
  /* Trade 100.00, bid 99.98, ask 100.02: the buy pays the ask 100.02 and
   * the sell gets the bid 99.98, nothing more (half of 0.05 is not added). */
  q.time = fx.now + QL_NS_PER_SEC;
  q.price = 10000;
  q.size = 10;
  q.bid = 9998;
  q.ask = 10002;
  q.flags = QL_TICK_FLAG_TRADE | QL_TICK_FLAG_QUOTE;
  g_assert_cmpint (ql_broker_match_tick (fx.br, 0, &q), ==, QL_STATUS_OK);
  g_assert_cmpuint (n_fills (&fx), ==, 2);
  g_assert_cmpint (fill_at (&fx, 0)->price, ==, 10002);
  g_assert_cmpint (fill_at (&fx, 1)->price, ==, 9998);
  ql_broker_clear_fills (fx.br);
  /* A quote-only tick (bid 99.96, ask 100.04) the same. */
  submit (&fx, QL_SIDE_BUY, QL_ORDER_MARKET, 1, 0, 0);
  q.time += QL_NS_PER_SEC;
  q.price = 0;
  q.size = 0;
  q.bid = 9996;
  q.ask = 10004;
  q.flags = QL_TICK_FLAG_QUOTE;
  g_assert_cmpint (ql_broker_match_tick (fx.br, 0, &q), ==, QL_STATUS_OK);
  g_assert_cmpint (fill_at (&fx, 0)->price, ==, 10004);
  ql_broker_clear_fills (fx.br);
  fx.now = q.time;
  /* A trade-only tick at 100.00: half of 5 ticks = 0.025, up to 0.03:
   * the sell fills at 99.97. */
  submit (&fx, QL_SIDE_SELL, QL_ORDER_MARKET, 1, 0, 0);
  trade (&fx, 10000, 10);
  g_assert_cmpint (fill_at (&fx, 0)->price, ==, 9997);
  fx_clear (&fx);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/broker/market/tick", test_market_tick);
  g_test_add_func ("/engine/broker/market/bar-open", test_market_bar);
  g_test_add_func ("/engine/broker/limit/fills-on-trade-through", test_limit_through);
  g_test_add_func ("/engine/broker/limit/fill-touch", test_limit_touch);
  g_test_add_func ("/engine/broker/limit/marketable-on-arrival", test_limit_marketable);
  g_test_add_func ("/engine/broker/limit/bar-path", test_limit_bar_path);
  g_test_add_func ("/engine/broker/limit/bar-gap", test_limit_gap);
  g_test_add_func ("/engine/broker/stop/tick-gap", test_stop_tick_gap);
  g_test_add_func ("/engine/broker/stop/bar-gap", test_stop_bar_gap);
  g_test_add_func ("/engine/broker/stop-limit/rests-after-trigger", test_stop_limit);
  g_test_add_func ("/engine/broker/trailing/amount", test_trailing_amount);
  g_test_add_func ("/engine/broker/trailing/percent", test_trailing_percent);
  g_test_add_func ("/engine/broker/trailing/bar-path", test_trailing_bar);
  g_test_add_func ("/engine/broker/partial/volume-share", test_partial_volume);
  g_test_add_func ("/engine/broker/oco/partial-reduces-sibling", test_oco_reduce);
  g_test_add_func ("/engine/broker/bracket/both-legs-one-bar", test_bracket_both_legs);
  g_test_add_func ("/engine/broker/bracket/partial-and-cancel", test_bracket_partial_and_cancel);
  g_test_add_func ("/engine/broker/slippage/models", test_slippage);
  g_test_add_func ("/engine/broker/commission/models", test_commission);
  g_test_add_func ("/engine/broker/tif/ioc-fok", test_tif_ioc_fok);
  g_test_add_func ("/engine/broker/tif/day-gtd", test_tif_day_gtd);
  g_test_add_func ("/engine/broker/latency/delays-activation", test_latency);
  g_test_add_func ("/engine/broker/reject/reasons", test_rejections);
  g_test_add_func ("/engine/broker/reject/short-selling", test_short_not_allowed);
  g_test_add_func ("/engine/broker/order/cancel-modify", test_cancel_modify);
  g_test_add_func ("/engine/broker/reduce-only/capped", test_reduce_only_cap);
  g_test_add_func ("/engine/broker/excursion/exit-bar-path", test_excursion_exit_bar);
  g_test_add_func ("/engine/broker/modify/buying-power", test_modify_buying_power);
  g_test_add_func ("/engine/broker/modify/account-rule", test_modify_account_rule);
  g_test_add_func ("/engine/broker/modify/trail-distance", test_modify_trail);
  g_test_add_func ("/engine/broker/modify/bracket-leg-quantity", test_modify_bracket_leg);
  g_test_add_func ("/engine/broker/modify/deferred-queue", test_deferred_queue);
  g_test_add_func ("/engine/broker/bracket/gap-through-take-profit", test_bracket_gap_take_profit);
  g_test_add_func ("/engine/broker/bracket/gap-through-stop-loss", test_bracket_gap_stop_loss);
  g_test_add_func ("/engine/broker/tif/day-ends-at-session-close", test_day_in_session);
  g_test_add_func ("/engine/broker/tif/day-after-close-next-session", test_day_after_close);
  g_test_add_func ("/engine/broker/tif/day-across-dst", test_day_dst);
  g_test_add_func ("/engine/broker/tif/day-overnight-session", test_day_overnight_session);
  g_test_add_func ("/engine/broker/stop-limit/bar-path", test_stop_limit_bar);
  g_test_add_func ("/engine/broker/oco/bar-mode", test_oco_bar);
  g_test_add_func ("/engine/broker/slippage/spread-with-quotes", test_slippage_spread_quotes);
  return g_test_run ();
}
