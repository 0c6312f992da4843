/* tests/engine/test-portfolio.c — the exact ledger: netting, average price,
 * realised and floating P&L, shorts, reversals, margin, trades.
 *
 * The instrument has price_scale 2 (10000 is 100.00) and qty_scale 0;
 * money is 10^-8 (M (x) below is x currency units). */
#include "engine/portfolio.h"

#define M(x) ((QlMoney) ((x) * (double) QL_MONEY_ONE))
#define T(s) ((QlTimeNs) (s) * QL_NS_PER_SEC)

typedef struct
{
  QlInstrument inst;
  QlPortfolio *pf;
} Fx;

static void
fx_init (Fx *fx, gint64 multiplier, gint64 im, gint64 mm, int qty_scale)
{
  g_autoptr (GError) error = NULL;
  QlPortfolioSymbol ps = { 0 };

  g_assert_true (ql_instrument_init (&fx->inst, "TEST", &error));
  fx->inst.price_scale = 2;
  fx->inst.qty_scale = qty_scale;
  ps.inst = &fx->inst;
  ps.multiplier = multiplier;
  ps.initial_margin_ppm = im;
  ps.maintenance_margin_ppm = mm;
  fx->pf = ql_portfolio_new (M (10000), &ps, 1);
}

static void
fx_clear (Fx *fx)
{
  ql_portfolio_free (fx->pf);
  ql_instrument_clear (&fx->inst);
}

static QlMoney
equity (Fx *fx)
{
  QlMoney e = 0;
  g_assert_cmpint (ql_portfolio_get_equity (fx->pf, &e), ==, QL_STATUS_OK);
  return e;
}

static void
test_long_round_trip (void)
{
  Fx fx;
  gsize n;
  const QlTrade *t;

  g_test_summary ("Scale in, mark, scale out: average price, realised and floating P&L, one trade");
  fx_init (&fx, 1, 1000000, 0, 0);
  /* Buy 10 at 100.00 and 10 at 103.00: average 101.50, paying 1.00 each. */
  ql_portfolio_fill (fx.pf, 0, QL_SIDE_BUY, 10, 10000, M (1), T (1));
  ql_portfolio_fill (fx.pf, 0, QL_SIDE_BUY, 10, 10300, M (1), T (2));
  g_assert_cmpfloat_with_epsilon (ql_portfolio_get_position (fx.pf, 0)->avg_price, 101.5, 1e-12);
  g_assert_cmpint (ql_portfolio_get_balance (fx.pf), ==, M (9998));
  /* Marked at 105.00 after a range 99.00..106.00: floating 20 * 3.50 = 70.00. */
  ql_portfolio_mark (fx.pf, 0, 9900, 10600, 10500);
  g_assert_cmpint (equity (&fx), ==, M (9998 + 70));
  /* Sell 5 at 105.00: realises 5 * 3.50 = 17.50. */
  ql_portfolio_fill (fx.pf, 0, QL_SIDE_SELL, 5, 10500, M (1), T (3));
  g_assert_cmpint (ql_portfolio_get_position (fx.pf, 0)->realized, ==, M (17.5));
  g_assert_cmpint (ql_portfolio_get_balance (fx.pf), ==, M (9998 + 17.5 - 1));
  ql_portfolio_get_trades (fx.pf, &n);
  g_assert_cmpuint (n, ==, 0); /* still open */
  /* Sell 15 at 100.00: realises 15 * -1.50 = -22.50. */
  ql_portfolio_fill (fx.pf, 0, QL_SIDE_SELL, 15, 10000, M (1), T (4));
  t = ql_portfolio_get_trades (fx.pf, &n);
  g_assert_cmpuint (n, ==, 1);
  g_assert_cmpint (t[0].side, ==, QL_SIDE_BUY);
  g_assert_cmpfloat (t[0].quantity, ==, 20);
  g_assert_cmpfloat_with_epsilon (t[0].entry_price, 101.5, 1e-12);
  /* Exit average: (5 * 105 + 15 * 100) / 20 = 101.25 */
  g_assert_cmpfloat_with_epsilon (t[0].exit_price, 101.25, 1e-12);
  /* Gross 17.50 - 22.50 = -5.00, commissions 4.00: net -9.00. */
  g_assert_cmpfloat_with_epsilon (t[0].pnl, -9.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (t[0].commission, 4.0, 1e-9);
  /* MAE: low 99.00 - 101.50 = -2.50 per unit * 20 = -50.00;
   * MFE: high 106.00 - 101.50 = 4.50 * 20 = 90.00. */
  g_assert_cmpfloat_with_epsilon (t[0].mae, -50.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (t[0].mfe, 90.0, 1e-9);
  g_assert_cmpint (t[0].entry_time, ==, T (1));
  g_assert_cmpint (t[0].exit_time, ==, T (4));
  g_assert_cmpint (ql_portfolio_get_balance (fx.pf), ==, M (10000 - 9));
  g_assert_cmpint (equity (&fx), ==, M (10000 - 9));
  fx_clear (&fx);
}

static void
test_short_and_reverse (void)
{
  Fx fx;
  gsize n;
  const QlTrade *t;
  QlMoney u;

  g_test_summary ("A short gains when the price falls; a buy past zero closes it and opens a long");
  fx_init (&fx, 1, 1000000, 0, 0);
  ql_portfolio_fill (fx.pf, 0, QL_SIDE_SELL, 10, 5000, 0, T (1)); /* short 10 at 50.00 */
  ql_portfolio_mark (fx.pf, 0, 4800, 4800, 4800);
  ql_portfolio_get_unrealized (fx.pf, 0, &u);
  g_assert_cmpint (u, ==, M (20)); /* 10 * 2.00 */
  /* Buy 15 at 48.00: closes the short (+20.00) and opens long 5 at 48.00.
   * Commission 3.00 splits 2.00 to the close, 1.00 to the open. */
  ql_portfolio_fill (fx.pf, 0, QL_SIDE_BUY, 15, 4800, M (3), T (2));
  t = ql_portfolio_get_trades (fx.pf, &n);
  g_assert_cmpuint (n, ==, 1);
  g_assert_cmpint (t[0].side, ==, QL_SIDE_SELL);
  g_assert_cmpfloat_with_epsilon (t[0].pnl, 18.0, 1e-9);
  g_assert_cmpint (ql_portfolio_get_position (fx.pf, 0)->qty, ==, 5);
  g_assert_cmpfloat_with_epsilon (ql_portfolio_get_position (fx.pf, 0)->avg_price, 48.0, 1e-12);
  /* Close the long at 49.00: +5.00, minus the 1.00 entry share. */
  ql_portfolio_fill (fx.pf, 0, QL_SIDE_SELL, 5, 4900, 0, T (3));
  t = ql_portfolio_get_trades (fx.pf, &n);
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpint (t[1].side, ==, QL_SIDE_BUY);
  g_assert_cmpfloat_with_epsilon (t[1].pnl, 4.0, 1e-9);
  g_assert_cmpint (ql_portfolio_get_balance (fx.pf), ==, M (10000 + 20 + 5 - 3));
  fx_clear (&fx);
}

static void
test_exact_thirds (void)
{
  Fx fx;

  g_test_summary ("Closing in thirds realises exactly what closing at once would");
  fx_init (&fx, 1, 1000000, 0, 0);
  /* Buy 1 at 100.00 and 2 at 100.01: cost 300.02, average 100.00666... */
  ql_portfolio_fill (fx.pf, 0, QL_SIDE_BUY, 1, 10000, 0, T (1));
  ql_portfolio_fill (fx.pf, 0, QL_SIDE_BUY, 2, 10001, 0, T (2));
  for (int i = 0; i < 3; i++)
    ql_portfolio_fill (fx.pf, 0, QL_SIDE_SELL, 1, 10100, 0, T (3 + i));
  /* 303.00 - 300.02 = 2.98, to the money unit. */
  g_assert_cmpint (ql_portfolio_get_position (fx.pf, 0)->realized, ==, M (2.98));
  g_assert_cmpint (ql_portfolio_get_balance (fx.pf), ==, M (10002.98));
  fx_clear (&fx);
}

static void
test_margin (void)
{
  Fx fx;
  QlMoney m;

  g_test_summary ("Initial and maintenance margin with a multiplier; buying power at 10 % margin");
  /* A future: multiplier 50, 10 % initial, 5 % maintenance. */
  fx_init (&fx, 50, 100000, 50000, 0);
  /* One contract at 100.00 is 5000.00 notional: 500.00 initial margin.
   * 20 need 10000.00 = the capital: affordable; 21 are not. */
  g_assert_true (ql_portfolio_can_afford (fx.pf, 0, 20, 10000));
  g_assert_false (ql_portfolio_can_afford (fx.pf, 0, 21, 10000));
  ql_portfolio_fill (fx.pf, 0, QL_SIDE_BUY, 4, 10000, 0, T (1));
  ql_portfolio_get_margin (fx.pf, FALSE, &m);
  g_assert_cmpint (m, ==, M (2000));
  ql_portfolio_get_margin (fx.pf, TRUE, &m);
  g_assert_cmpint (m, ==, M (1000));
  /* Down 1.00: 4 * 50 * -1.00 = -200.00. */
  ql_portfolio_mark (fx.pf, 0, 9900, 9900, 9900);
  g_assert_cmpint (equity (&fx), ==, M (9800));
  /* Selling only reduces: always affordable. */
  g_assert_true (ql_portfolio_can_afford (fx.pf, 0, -4, 9900));
  ql_portfolio_get_gross_exposure (fx.pf, &m);
  g_assert_cmpint (m, ==, M (4 * 50 * 99));
  fx_clear (&fx);
}

static void
test_fractional_qty (void)
{
  Fx fx;

  g_test_summary ("A crypto quantity at qty_scale 8: 0.00012345 BTC at 43210.99");
  fx_init (&fx, 1, 1000000, 0, 8);
  ql_portfolio_fill (fx.pf, 0, QL_SIDE_BUY, 12345, 4321099, 0, T (1));
  ql_portfolio_fill (fx.pf, 0, QL_SIDE_SELL, 12345, 4421099, 0, T (2));
  /* Gain 1000.00 * 0.00012345 = 0.12345 exactly. */
  g_assert_cmpint (ql_portfolio_get_position (fx.pf, 0)->realized, ==, 12345000);
  fx_clear (&fx);
}

static void
test_overflow (void)
{
  Fx fx;
  QlMoney e;

  g_test_summary ("A position whose value does not fit in money is an error, never a wrap");
  fx_init (&fx, 1, 1000000, 0, 0);
  g_assert_cmpint (ql_portfolio_fill (fx.pf, 0, QL_SIDE_BUY, G_MAXINT64 / 4, 4, 0, T (1)), ==, QL_STATUS_OK);
  g_assert_cmpint (ql_portfolio_get_equity (fx.pf, &e), ==, QL_STATUS_OK);
  ql_portfolio_mark (fx.pf, 0, 4000, 4000, 4000);
  g_assert_cmpint (ql_portfolio_get_equity (fx.pf, &e), ==, QL_STATUS_OVERFLOW);
  g_assert_cmpint (ql_portfolio_fill (fx.pf, 0, QL_SIDE_SELL, G_MAXINT64 / 4, 4000, 0, T (2)), ==,
                   QL_STATUS_OVERFLOW);
  g_assert_cmpint (ql_portfolio_get_position (fx.pf, 0)->qty, ==, G_MAXINT64 / 4);
  fx_clear (&fx);
}

static void
test_excursion_long_exit (void)
{
  Fx fx;
  gsize n;
  const QlTrade *t;

  g_test_summary ("A long closed below every marked low: MAE reaches the exit, MAE <= P&L");
  g_test_bug ("A1");
  fx_init (&fx, 1, 1000000, 0, 0);
  /* Buy 10 at 151.03; marks range 149.50..152.00; sell 10 at 145.20, a
   * price below every mark (a gap through a stop). */
  ql_portfolio_fill (fx.pf, 0, QL_SIDE_BUY, 10, 15103, 0, T (1));
  ql_portfolio_mark (fx.pf, 0, 14950, 15200, 15000);
  ql_portfolio_fill (fx.pf, 0, QL_SIDE_SELL, 10, 14520, 0, T (2));
  t = ql_portfolio_get_trades (fx.pf, &n);
  g_assert_cmpuint (n, ==, 1);
  /* P&L: (145.20 - 151.03) * 10 = -5.83 * 10 = -58.30.
   * MAE: the low is the exit 145.20: -5.83 * 10 = -58.30 (the marks alone
   * would give (149.50 - 151.03) * 10 = -15.30).
   * MFE: (152.00 - 151.03) * 10 = 9.70. */
  g_assert_cmpfloat_with_epsilon (t[0].pnl, -58.30, 1e-9);
  g_assert_cmpfloat_with_epsilon (t[0].mae, -58.30, 1e-9);
  g_assert_cmpfloat_with_epsilon (t[0].mfe, 9.70, 1e-9);
  g_assert_cmpfloat (t[0].mae, <=, MIN (0.0, t[0].pnl));
  g_assert_cmpfloat (t[0].mfe, >=, MAX (0.0, t[0].pnl));
  fx_clear (&fx);
}

static void
test_excursion_short_exit (void)
{
  Fx fx;
  gsize n;
  const QlTrade *t;

  g_test_summary ("A short bought back below every marked low: MFE reaches the exit, MFE >= P&L");
  g_test_bug ("A1");
  fx_init (&fx, 1, 1000000, 0, 0);
  /* Sell 10 at 50.00 and pay 1.00; marks range 49.50..50.20; buy 10 back
   * at 48.00 paying 1.00. */
  ql_portfolio_fill (fx.pf, 0, QL_SIDE_SELL, 10, 5000, M (1), T (1));
  ql_portfolio_mark (fx.pf, 0, 4950, 5020, 5000);
  ql_portfolio_fill (fx.pf, 0, QL_SIDE_BUY, 10, 4800, M (1), T (2));
  t = ql_portfolio_get_trades (fx.pf, &n);
  g_assert_cmpuint (n, ==, 1);
  /* Gross P&L: (50.00 - 48.00) * 10 = 20.00; net of 2.00 commission 18.00.
   * MFE: entry - low = 50.00 - 48.00 = 2.00 * 10 = 20.00 (the marks alone:
   * 0.50 * 10 = 5.00). MAE: -(50.20 - 50.00) * 10 = -2.00. */
  g_assert_cmpfloat_with_epsilon (t[0].pnl, 18.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (t[0].mfe, 20.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (t[0].mae, -2.0, 1e-9);
  g_assert_cmpfloat (t[0].mfe, >=, t[0].pnl + t[0].commission);
  fx_clear (&fx);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/portfolio/long/round-trip", test_long_round_trip);
  g_test_add_func ("/engine/portfolio/short/reverse", test_short_and_reverse);
  g_test_add_func ("/engine/portfolio/exact/close-in-thirds", test_exact_thirds);
  g_test_add_func ("/engine/portfolio/margin/multiplier", test_margin);
  g_test_add_func ("/engine/portfolio/exact/fractional-qty", test_fractional_qty);
  g_test_add_func ("/engine/portfolio/exact/overflow", test_overflow);
  g_test_add_func ("/engine/portfolio/excursion/long-exit-below-marks", test_excursion_long_exit);
  g_test_add_func ("/engine/portfolio/excursion/short-exit-below-marks", test_excursion_short_exit);
  return g_test_run ();
}
