/* tests/engine/test-montecarlo.c — trade resampling: the documented
 * generator, determinism, and cases whose percentiles follow exactly. */
#include "engine/montecarlo.h"

#include <math.h>
#include <string.h>

static void
test_rng_vectors (void)
{
  QlMcRng rng;

  g_test_summary ("splitmix64 seeding and xoshiro256** outputs match the published algorithms");
  /* splitmix64 from 0: its first output 0xe220a8397b1dcdaf is the value the
   * reference implementation prints; the other three follow from a Python
   * transcription of Vigna's splitmix64.c. */
  ql_monte_carlo_rng_init (&rng, 0);
  g_assert_cmphex (rng.s[0], ==, G_GUINT64_CONSTANT (0xe220a8397b1dcdaf));
  g_assert_cmphex (rng.s[1], ==, G_GUINT64_CONSTANT (0x6e789e6aa1b965f4));
  g_assert_cmphex (rng.s[2], ==, G_GUINT64_CONSTANT (0x06c45d188009454f));
  g_assert_cmphex (rng.s[3], ==, G_GUINT64_CONSTANT (0xf88bb8a8724c81ec));
  /* xoshiro256**: rotl (s1 * 5, 7) * 9, from that state (same transcription). */
  g_assert_cmphex (ql_monte_carlo_rng_next (&rng), ==, G_GUINT64_CONSTANT (0x99ec5f36cb75f2b4));
  g_assert_cmphex (ql_monte_carlo_rng_next (&rng), ==, G_GUINT64_CONSTANT (0xbf6e1f784956452a));
  g_assert_cmphex (ql_monte_carlo_rng_next (&rng), ==, G_GUINT64_CONSTANT (0x1a5f849d4933e6e0));

  /* Indices below 3 from seed 42, by the rejection rule of the header. */
  static const guint64 want[6] = { 0, 0, 2, 2, 1, 0 };
  ql_monte_carlo_rng_init (&rng, 42);
  for (int i = 0; i < 6; i++)
    g_assert_cmpuint (ql_monte_carlo_rng_below (&rng, 3), ==, want[i]);
}

static void
test_golden_paths (void)
{
  static const double pnl[3] = { 100, -100, 250 };
  QlMonteCarloSettings s = {
    .pnl = pnl, .n_trades = 3, .initial_capital = 1000, .n_runs = 4, .seed = 42,
  };

  g_test_summary ("Seed 42: the paths the documented draws give, worked out by a transcription");
  /* Bootstrap draws 0 0 2 | 2 1 0 | ...: 1000+100+100+250 = 1450 (never
   * down); 250-100+100 = 1250 with a 100 dip; 900 and 1050 likewise from the
   * next draws (Python transcription of the header's rules). */
  g_autoptr (QlMonteCarloResult) b = ql_monte_carlo_run (&s);
  static const double fin[4] = { 1450, 1250, 900, 1050 };
  static const double dd[4] = { 0, 100, 100, 200 };
  for (int k = 0; k < 4; k++)
    {
      g_assert_cmpfloat (b->run_final_equity[k], ==, fin[k]);
      g_assert_cmpfloat (b->run_max_drawdown[k], ==, dd[k]);
    }

  /* Permutation: orders -100 250 100 | -100 250 100 | 100 -100 250 |
   * 100 250 -100: final 1250 every time, drawdown 100 every time. */
  s.method = QL_MC_PERMUTATION;
  g_autoptr (QlMonteCarloResult) p = ql_monte_carlo_run (&s);
  for (int k = 0; k < 4; k++)
    {
      g_assert_cmpfloat (p->run_final_equity[k], ==, 1250);
      g_assert_cmpfloat (p->run_max_drawdown[k], ==, 100);
    }
  g_assert_cmpstr (ql_monte_carlo_method_to_string (p->method), ==, "permutation");
}

static void
test_determinism (void)
{
  static const double pnl[7] = { 120, -80, 45.5, -300, 210, -15, 90 };
  QlMonteCarloSettings s = {
    .pnl = pnl, .n_trades = 7, .initial_capital = 10000, .n_runs = 2000, .seed = 7,
  };

  g_test_summary ("The same seed gives bit-identical runs; another seed other runs");
  for (int m = 0; m < 2; m++)
    {
      s.method = m == 0 ? QL_MC_BOOTSTRAP : QL_MC_PERMUTATION;
      s.seed = 7;
      g_autoptr (QlMonteCarloResult) a = ql_monte_carlo_run (&s);
      g_autoptr (QlMonteCarloResult) b = ql_monte_carlo_run (&s);
      g_assert_cmpmem (a->run_final_equity, s.n_runs * sizeof (double), b->run_final_equity, s.n_runs * sizeof (double));
      g_assert_cmpmem (a->run_max_drawdown, s.n_runs * sizeof (double), b->run_max_drawdown, s.n_runs * sizeof (double));
      g_assert_cmpmem (a->final_equity, sizeof a->final_equity, b->final_equity, sizeof b->final_equity);
      g_assert_cmpmem (a->max_drawdown_fraction, sizeof a->max_drawdown_fraction,
                       b->max_drawdown_fraction, sizeof b->max_drawdown_fraction);
      s.seed = 8;
      g_autoptr (QlMonteCarloResult) c = ql_monte_carlo_run (&s);
      g_assert_cmpint (memcmp (a->run_max_drawdown, c->run_max_drawdown, s.n_runs * sizeof (double)), !=, 0);
    }
}

static void
test_equal_trades (void)
{
  static const double pnl[4] = { -100, -100, -100, -100 };
  static const QlMcThreshold th[5] = {
    { QL_MC_MAX_DRAWDOWN_FRACTION, 0.4, "max_loss_40" },
    { QL_MC_MAX_DRAWDOWN_FRACTION, 0.41, NULL },
    { QL_MC_MAX_DRAWDOWN_AMOUNT, 400, NULL },
    { QL_MC_EQUITY_FLOOR, 600, NULL },
    { QL_MC_EQUITY_FLOOR, 599.5, NULL },
  };
  QlMonteCarloSettings s = {
    .pnl = pnl, .n_trades = 4, .initial_capital = 1000, .n_runs = 501, .seed = 1,
    .thresholds = th, .n_thresholds = 5,
  };

  g_test_summary ("All trades equal: every path identical, so every percentile is that path's");
  for (int m = 0; m < 2; m++)
    {
      s.method = m == 0 ? QL_MC_BOOTSTRAP : QL_MC_PERMUTATION;
      g_autoptr (QlMonteCarloResult) r = ql_monte_carlo_run (&s);
      /* 1000 - 4 * 100 = 600; drawdown 400 from the starting peak: 40 %. */
      for (int k = 0; k < QL_MC_N_PERCENTILES; k++)
        {
          g_assert_cmpfloat (r->final_equity[k], ==, 600);
          g_assert_cmpfloat (r->max_drawdown[k], ==, 400);
          g_assert_cmpfloat (r->max_drawdown_fraction[k], ==, 0.4);
        }
      g_assert_cmpfloat (r->mean_final_equity, ==, 600);
      g_assert_cmpfloat (r->p_loss, ==, 1);
      /* Limits are inclusive: >= 40 % and <= 600 are breached. */
      g_assert_cmpfloat (r->p_breach[0], ==, 1);
      g_assert_cmpfloat (r->p_breach[1], ==, 0);
      g_assert_cmpfloat (r->p_breach[2], ==, 1);
      g_assert_cmpfloat (r->p_breach[3], ==, 1);
      g_assert_cmpfloat (r->p_breach[4], ==, 0);
      g_assert_cmpstr (r->thresholds[0].name, ==, "max_loss_40");
      g_assert_null (r->thresholds[1].name);
    }

  /* Rising trades: no drawdown at all, final 1000 + 4 * 50. */
  static const double up[4] = { 50, 50, 50, 50 };
  s.pnl = up;
  s.n_thresholds = 0;
  g_autoptr (QlMonteCarloResult) u = ql_monte_carlo_run (&s);
  g_assert_cmpfloat (u->final_equity[0], ==, 1200);
  g_assert_cmpfloat (u->final_equity[4], ==, 1200);
  g_assert_cmpfloat (u->max_drawdown[4], ==, 0);
  g_assert_cmpfloat (u->p_loss, ==, 0);

  /* No trades: the flat path. */
  s.n_trades = 0;
  s.pnl = NULL;
  g_autoptr (QlMonteCarloResult) z = ql_monte_carlo_run (&s);
  g_assert_cmpfloat (z->final_equity[2], ==, 1000);
  g_assert_cmpfloat (z->max_drawdown[2], ==, 0);
}

static void
test_two_trades (void)
{
  static const double pnl[2] = { 100, -100 };
  static const QlMcThreshold th[3] = {
    { QL_MC_MAX_DRAWDOWN_AMOUNT, 150, NULL },
    { QL_MC_MAX_DRAWDOWN_AMOUNT, 100, NULL },
    { QL_MC_EQUITY_FLOOR, 900, NULL },
  };
  QlMonteCarloSettings s = {
    .pnl = pnl, .n_trades = 2, .initial_capital = 1000, .n_runs = 20000, .seed = 2024,
    .thresholds = th, .n_thresholds = 3,
  };

  g_test_summary ("+100 and -100: reshuffled, the drawdown is always 100; resampled, four paths of 1/4");
  s.method = QL_MC_PERMUTATION;
  g_autoptr (QlMonteCarloResult) p = ql_monte_carlo_run (&s);
  /* Either order dips 100 (1100 -> 1000 or 1000 -> 900) and ends at 1000. */
  for (int k = 0; k < QL_MC_N_PERCENTILES; k++)
    {
      g_assert_cmpfloat (p->final_equity[k], ==, 1000);
      g_assert_cmpfloat (p->max_drawdown[k], ==, 100);
    }
  /* The fraction is 100/1100 or 100/1000 with probability 1/2 each: the
   * 5th percentile is the first, the 95th the second. */
  g_assert_cmpfloat (p->max_drawdown_fraction[0], ==, 100.0 / 1100);
  g_assert_cmpfloat (p->max_drawdown_fraction[4], ==, 0.1);
  g_assert_cmpfloat (p->p_breach[0], ==, 0);
  g_assert_cmpfloat (p->p_breach[1], ==, 1);
  /* Loss first (reaching 900) half the time: 20000 runs, sd 0.0035. */
  g_assert_cmpfloat_with_epsilon (p->p_breach[2], 0.5, 0.02);
  g_assert_cmpfloat (p->p_loss, ==, 0);

  s.method = QL_MC_BOOTSTRAP;
  g_autoptr (QlMonteCarloResult) b = ql_monte_carlo_run (&s);
  /* ++ 1200 (no drawdown), +- and -+ 1000 (100), -- 800 (200), each
   * sequence 1/4: final 800 / 1000 / 1200 with 1/4, 1/2, 1/4. */
  g_assert_cmpfloat (b->final_equity[0], ==, 800);
  g_assert_cmpfloat (b->final_equity[2], ==, 1000);
  g_assert_cmpfloat (b->final_equity[4], ==, 1200);
  g_assert_cmpfloat (b->max_drawdown[0], ==, 0);
  g_assert_cmpfloat (b->max_drawdown[2], ==, 100);
  g_assert_cmpfloat (b->max_drawdown[4], ==, 200);
  g_assert_cmpfloat_with_epsilon (b->p_breach[0], 0.25, 0.02);  /* -- only */
  g_assert_cmpfloat_with_epsilon (b->p_breach[1], 0.75, 0.02);  /* all but ++ */
  g_assert_cmpfloat_with_epsilon (b->p_breach[2], 0.5, 0.02);   /* -+ and -- */
  g_assert_cmpfloat_with_epsilon (b->p_loss, 0.25, 0.02);
  g_assert_cmpfloat_with_epsilon (b->mean_final_equity, 1000, 5);
}

static void
test_percentile_interpolation (void)
{
  static const double pnl[3] = { 100, -100, 250 };
  QlMonteCarloSettings s = {
    .pnl = pnl, .n_trades = 3, .initial_capital = 1000, .n_runs = 4, .seed = 42,
  };

  g_test_summary ("Percentiles interpolate between order statistics (type 7)");
  /* The golden bootstrap runs end at 1450 1250 900 1050: sorted 900 1050
   * 1250 1450, h = 3 p / 100. p5: h 0.15, 900 + 0.15 * 150 = 922.5;
   * p25: h 0.75, 900 + 0.75 * 150 = 1012.5; p50: h 1.5, 1050 + 0.5 * 200 =
   * 1150; p75: h 2.25, 1250 + 0.25 * 200 = 1300; p95: h 2.85, 1250 + 0.85 *
   * 200 = 1420. Drawdowns 0 100 100 200: p5 0 + 0.15 * 100 = 15, p50 100,
   * p95 100 + 0.85 * 100 = 185. */
  g_autoptr (QlMonteCarloResult) r = ql_monte_carlo_run (&s);
  static const double want[QL_MC_N_PERCENTILES] = { 922.5, 1012.5, 1150, 1300, 1420 };
  for (int k = 0; k < QL_MC_N_PERCENTILES; k++)
    g_assert_cmpfloat_with_epsilon (r->final_equity[k], want[k], 1e-9);
  g_assert_cmpfloat_with_epsilon (r->max_drawdown[0], 15, 1e-9);
  g_assert_cmpfloat (r->max_drawdown[2], ==, 100);
  g_assert_cmpfloat_with_epsilon (r->max_drawdown[4], 185, 1e-9);
  /* (1450 + 1250 + 900 + 1050) / 4; one run of four ends below 1000. */
  g_assert_cmpfloat (r->mean_final_equity, ==, 1162.5);
  g_assert_cmpfloat (r->p_loss, ==, 0.25);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/montecarlo/rng/published-vectors", test_rng_vectors);
  g_test_add_func ("/engine/montecarlo/run/golden-paths", test_golden_paths);
  g_test_add_func ("/engine/montecarlo/run/same-seed-same-result", test_determinism);
  g_test_add_func ("/engine/montecarlo/percentiles/equal-trades", test_equal_trades);
  g_test_add_func ("/engine/montecarlo/percentiles/two-trades", test_two_trades);
  g_test_add_func ("/engine/montecarlo/percentiles/interpolation", test_percentile_interpolation);
  return g_test_run ();
}
