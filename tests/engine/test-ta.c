/* tests/engine/test-ta.c — kernels against values worked out by hand. */
#include "engine/ta.h"

#include <string.h>

#define EPS 1e-12
#define NA NAN

static void
assert_series (const double *got, const double *want, gsize n)
{
  for (gsize i = 0; i < n; i++)
    {
      if (isnan (want[i]))
        {
          if (!isnan (got[i]))
            g_error ("index %zu: want NA, got %.17g", i, got[i]);
        }
      else if (!(fabs (got[i] - want[i]) <= EPS * MAX (1.0, fabs (want[i]))))
        g_error ("index %zu: want %.17g, got %.17g", i, want[i], got[i]);
    }
}

static const double x5[] = { 1, 2, 3, 4, 5 };

static void
test_moving_averages (void)
{
  double out[8];

  g_test_summary ("sma, ema, wma, dema, trima, rma on 1..5 by hand");
  /* sma(3): (1+2+3)/3 = 2, then 3, 4. */
  ql_ta_sma (x5, 5, 3, out);
  assert_series (out, (double[]) { NA, NA, 2, 3, 4 }, 5);
  /* ema(3): k = 0.5; seed (1+2+3)/3 = 2 at index 2; 2·0.5 + 4·0.5 = 3; 3·0.5 + 5·0.5 = 4. */
  ql_ta_ema (x5, 5, 3, out);
  assert_series (out, (double[]) { NA, NA, 2, 3, 4 }, 5);
  /* wma(3): (1·1 + 2·2 + 3·3)/6 = 14/6; (2 + 6 + 12)/6 = 20/6; (3 + 8 + 15)/6 = 26/6. */
  ql_ta_wma (x5, 5, 3, out);
  assert_series (out, (double[]) { NA, NA, 14.0 / 6, 20.0 / 6, 26.0 / 6 }, 5);
  /* rma(2): α = 1/2, seed (1+2)/2 = 1.5; 1.5/2 + 3/2 = 2.25; 2.25/2 + 4/2 = 3.125;
   * 3.125/2 + 5/2 = 4.0625. */
  ql_ta_rma (x5, 5, 2, out);
  assert_series (out, (double[]) { NA, 1.5, 2.25, 3.125, 4.0625 }, 5);
  /* dema(2): k = 2/3.  e1: 1.5, 1.5/3 + 3·2/3 = 2.5, 2.5/3 + 8/3 = 3.5, 4.5.
   * e2 = ema(e1, 2): seed (1.5+2.5)/2 = 2 at index 2; 2/3 + 7/3 = 3; 1 + 3 = 4.
   * dema = 2·e1 − e2: 5 − 2 = 3, 7 − 3 = 4, 9 − 4 = 5 (lookback 2·(2−1) = 2). */
  ql_ta_dema (x5, 5, 2, out);
  assert_series (out, (double[]) { NA, NA, 3, 4, 5 }, 5);
  /* trima(4) = sma(sma(x, 2), 3): sma2 = 1.5, 2.5, 3.5, 4.5; sma3 of it = 2.5, 3.5. */
  ql_ta_trima (x5, 5, 4, out);
  assert_series (out, (double[]) { NA, NA, NA, 2.5, 3.5 }, 5);
  /* trima(3) = sma(sma(x, 2), 2): 1.5, 2.5 → 2, then 3, 4. */
  ql_ta_trima (x5, 5, 3, out);
  assert_series (out, (double[]) { NA, NA, 2, 3, 4 }, 5);
}

static void
test_hma_vwma_vwap (void)
{
  double out[5];
  const double vol[] = { 1, 1, 2, 0, 0 };
  const gint64 day[] = { 0, 0, 0, 1, 1 };

  g_test_summary ("hma, vwma and vwap by hand");
  /* hma(4): wma(x,2) = (x[1] + 2x)/3; wma(x,4) at index 3 = (1+4+9+16)/10 = 3,
   * at 4: (2+6+12+20)/10 = 4.  raw = 2·wma2 − wma4: index 3: 2·11/3 − 3 = 13/3,
   * index 4: 2·14/3 − 4 = 16/3.  hma = wma(raw, 2) at 4: (13/3 + 2·16/3)/3 = 5. */
  ql_ta_hma (x5, 5, 4, out);
  assert_series (out, (double[]) { NA, NA, NA, NA, 5 }, 5);
  /* vwma(2): (1·1 + 2·1)/2 ÷ (1+1)/2 = 1.5; (2 + 6)/3 = 8/3; (6 + 0)/2 = 3; Σv = 0 → NA. */
  ql_ta_vwma (x5, vol, 5, 2, out);
  assert_series (out, (double[]) { NA, 1.5, 8.0 / 3, 3, NA }, 5);
  /* vwap: day 0: 1, (1+2)/2, (1+2+6)/4; day 1 restarts with Σv = 0: NA. */
  ql_ta_vwap (day, x5, vol, 5, out);
  assert_series (out, (double[]) { 1, 1.5, 9.0 / 4, NA, NA }, 5);
}

static void
test_rsi_and_momentum (void)
{
  const double x[] = { 1, 2, 1, 3, 2 };
  double out[5];

  g_test_summary ("rsi, roc, mom, ppo, kama by hand");
  /* rsi(2): gains 1,0 losses 0,1 → averages 0.5, 0.5 → 50 at index 2.
   * index 3: +2: gain 0.5/2 + 2/2 = 1.25, loss 0.25 → 100·1.25/1.5.
   * index 4: −1: gain 0.625, loss 0.125 + 0.5 = 0.625 → 50. */
  ql_ta_rsi (x, 5, 2, out);
  assert_series (out, (double[]) { NA, NA, 50, 100 * 1.25 / 1.5, 50 }, 5);
  /* roc(2): (1/1 − 1)·100 = 0; (3/2 − 1)·100 = 50; (2/1 − 1)·100 = 100.  mom(2): 0, 1, 1. */
  ql_ta_roc (x, 5, 2, out);
  assert_series (out, (double[]) { NA, NA, 0, 50, 100 }, 5);
  ql_ta_mom (x, 5, 2, out);
  assert_series (out, (double[]) { NA, NA, 0, 1, 1 }, 5);
  /* ppo(2,3): sma2 = 1.5, 1.5, 2, 2.5; sma3 = 4/3, 2, 2.
   * index 2: (1.5 − 4/3)/(4/3)·100 = 12.5; index 3: 0; index 4: 25. */
  ql_ta_ppo (x, 5, 2, 3, out);
  assert_series (out, (double[]) { NA, NA, 12.5, 0, 25 }, 5);
  /* kama(2) on 1..5: er = 1 throughout, sc = (2/3)² = 4/9; seed 2 (x[1]);
   * index 2: 2 + (3 − 2)·4/9 = 22/9; index 3: 22/9 + (4 − 22/9)·4/9. */
  ql_ta_kama (x5, 5, 2, out);
  {
    double k2 = 22.0 / 9, k3 = k2 + (4 - k2) * 4 / 9, k4 = k3 + (5 - k3) * 4 / 9;
    assert_series (out, (double[]) { NA, NA, k2, k3, k4 }, 5);
  }
}

static void
test_macd (void)
{
  const double x[] = { 1, 2, 4, 8, 16, 32 };
  double m[6], s[6], h[6];

  g_test_summary ("macd(2,3,2): the fast EMA is seeded at the slow one's first value");
  /* slow ema(3), k = 1/2: seed 7/3 at index 2; 7/6 + 4 = 31/6; 31/12 + 8 = 127/12.
   * fast ema(2), k = 2/3, seeded with (2 + 4)/2 = 3 at index 2; 1 + 16/3 = 19/3;
   * 19/9 + 32/3 = 115/9.  macd: 3 − 7/3 = 2/3, 19/3 − 31/6 = 7/6, 115/9 − 127/12 = 79/36.
   * signal ema(2), k = 2/3: seed (2/3 + 7/6)/2 = 11/12 at index 3 (= 3−1 + 2−1);
   * then 11/36 + (2/3)·79/36 = 191/108. */
  ql_ta_macd (x, 5, 2, 3, 2, m, s, h);
  assert_series (m, (double[]) { NA, NA, NA, 7.0 / 6, 79.0 / 36 }, 5);
  assert_series (s, (double[]) { NA, NA, NA, 11.0 / 12, 191.0 / 108 }, 5);
  assert_series (h, (double[]) { NA, NA, NA, 7.0 / 6 - 11.0 / 12, 79.0 / 36 - 191.0 / 108 }, 5);
}

static const double H[] = { 10, 12, 11, 14, 13 };
static const double L[] = { 8, 9, 9, 10, 11 };
static const double C[] = { 9, 11, 10, 13, 12 };
static const double V[] = { 100, 200, 100, 300, 200 };

static void
test_range_oscillators (void)
{
  double k[5], d[5], out[5];

  g_test_summary ("stoch, stochf, willr, cci, aroon, donchian, highest by hand");
  /* fast %K(3): index 2: HH 12, LL 8: 100·(10−8)/4 = 50; index 3: HH 14 LL 9: 80;
   * index 4: HH 14, LL 9: 60.  stochf(3,2): k from index 3: 80, 60; d = 65, 70. */
  ql_ta_stochf (H, L, C, 5, 3, 2, k, d);
  assert_series (k, (double[]) { NA, NA, NA, 80, 60 }, 5);
  assert_series (d, (double[]) { NA, NA, NA, 65, 70 }, 5);
  /* stoch(3,2,1): slow k = sma2(fast k) = 65, 70 from index 3; d = sma1 = k. */
  ql_ta_stoch (H, L, C, 5, 3, 2, 1, k, d);
  assert_series (k, (double[]) { NA, NA, NA, 65, 70 }, 5);
  assert_series (d, (double[]) { NA, NA, NA, 65, 70 }, 5);
  /* willr(3): −100·(12−10)/4 = −50; −100·(14−13)/5 = −20; −100·(14−12)/5 = −40. */
  ql_ta_willr (H, L, C, 5, 3, out);
  assert_series (out, (double[]) { NA, NA, -50, -20, -40 }, 5);
  /* cci(2): tp = 9, 32/3, 10, 37/3, 12.  index 1: avg 29/3, dev (2/3 + 2/3... each
   * |tp − avg| = 5/6, mean 5/6: (32/3 − 59/6)/(0.015·5/6) = (5/6)/(0.0125) = 66.67. */
  ql_ta_cci (H, L, C, 5, 2, out);
  g_assert_cmpfloat_with_epsilon (out[1], (5.0 / 6) / (0.015 * 5.0 / 6), 1e-9);
  g_assert_true (isnan (out[0]));
  /* aroon(2) over 3 bars: index 2: highest 12 one bar ago: 50·(2−1) = 50; lowest 8
   * two bars ago: 0.  index 3: high 14 now: 100; low 9 (ties: the most recent, index 2) 1 ago: 50. */
  ql_ta_aroon (H, L, 5, 2, k, d);
  assert_series (k, (double[]) { NA, NA, 50, 100, 50 }, 5);
  assert_series (d, (double[]) { NA, NA, 0, 50, 0 }, 5);
  /* donchian(2): upper 12, 12, 14, 14; lower 8, 9, 9, 10. */
  {
    double u[5], m[5], lo[5];
    ql_ta_donchian (H, L, 5, 2, u, m, lo);
    assert_series (u, (double[]) { NA, 12, 12, 14, 14 }, 5);
    assert_series (lo, (double[]) { NA, 8, 9, 9, 10 }, 5);
    assert_series (m, (double[]) { NA, 10, 10.5, 11.5, 12 }, 5);
  }
  /* highest(3) of close 9, 11, 10, 13, 12: 11 (1 ago), 13 (0), 13 (1). */
  ql_ta_highest (C, 5, 3, k, d);
  assert_series (k, (double[]) { NA, NA, 11, 13, 13 }, 5);
  assert_series (d, (double[]) { NA, NA, 1, 0, 1 }, 5);
  ql_ta_lowest (C, 5, 3, k, d);
  assert_series (k, (double[]) { NA, NA, 9, 10, 10 }, 5);
  assert_series (d, (double[]) { NA, NA, 2, 1, 2 }, 5);
}

static void
test_volume (void)
{
  double out[5];

  g_test_summary ("obv, ad, adosc, mfi by hand");
  /* obv: 100, +200, −100, +300, −200. */
  ql_ta_obv (C, V, 5, out);
  assert_series (out, (double[]) { 100, 300, 200, 500, 300 }, 5);
  /* ad terms: ((c−l) − (h−c))/(h−l)·v: (1−1)/2 = 0; (2−1)/3·200; (1−1)/2 = 0;
   * (3−1)/4·300 = 150; (1−1)/2 = 0. */
  ql_ta_ad (H, L, C, V, 5, out);
  assert_series (out, (double[]) { 0, 200.0 / 3, 200.0 / 3, 200.0 / 3 + 150, 200.0 / 3 + 150 }, 5);
  /* mfi(2): tp 9, 32/3 (up, 3200/1.5... flow tp·v), 10 (down), 37/3 (up), 12 (down).
   * index 2: pos 32/3·200, neg 10·100 → 100·(6400/3)/(6400/3 + 1000). */
  ql_ta_mfi (H, L, C, V, 5, 2, out);
  g_assert_true (isnan (out[1]));
  g_assert_cmpfloat_with_epsilon (out[2], 100 * (6400.0 / 3) / (6400.0 / 3 + 1000), 1e-9);
  /* index 3: window flows: neg 1000, pos 37/3·300 = 3700 → 100·3700/4700. */
  g_assert_cmpfloat_with_epsilon (out[3], 100 * 3700.0 / 4700, 1e-9);
  /* adosc(2,3): lookback 2; EMAs start at AD[0] = 0.  AD: 0, 200/3, 200/3.
   * fast k = 2/3: 0, 400/9, 400/9·1/3 + 400/9 = 1600/27.  slow k = 1/2: 0, 100/3, 50/3 + 100/3 = 50.
   * index 2: 1600/27 − 50. */
  ql_ta_adosc (H, L, C, V, 5, 2, 3, out);
  g_assert_true (isnan (out[1]));
  g_assert_cmpfloat_with_epsilon (out[2], 1600.0 / 27 - 50, 1e-9);
}

static void
test_volatility (void)
{
  double out[5], u[5], m[5], lo[5];

  g_test_summary ("trange, atr, natr, bbands, stddev, var by hand");
  /* trange: max(h, c[1]) − min(l, c[1]): 12 − 9 = 3; 11 − 9 = 2; 14 − 10 = 4; 13 − 11 = 2. */
  ql_ta_trange (H, L, C, 5, out);
  assert_series (out, (double[]) { NA, 3, 2, 4, 2 }, 5);
  /* atr(2): (3 + 2)/2 = 2.5 at index 2; 2.5/2 + 4/2 = 3.25; 3.25/2 + 1 = 2.625. */
  ql_ta_atr (H, L, C, 5, 2, out);
  assert_series (out, (double[]) { NA, NA, 2.5, 3.25, 2.625 }, 5);
  ql_ta_natr (H, L, C, 5, 2, out);
  assert_series (out, (double[]) { NA, NA, 25, 25, 2.625 / 12 * 100 }, 5);
  /* bbands(2, 2) of 1..5: mean 1.5, σ 0.5 → 2.5, 1.5, 0.5 ... */
  ql_ta_bbands (x5, 5, 2, 2, u, m, lo);
  assert_series (m, (double[]) { NA, 1.5, 2.5, 3.5, 4.5 }, 5);
  assert_series (u, (double[]) { NA, 2.5, 3.5, 4.5, 5.5 }, 5);
  assert_series (lo, (double[]) { NA, 0.5, 1.5, 2.5, 3.5 }, 5);
  /* var(3) of 1..5: (1+4+9)/3 − 4 = 2/3; stddev(3, 2) = 2·sqrt(2/3). */
  ql_ta_var (x5, 5, 3, out);
  assert_series (out, (double[]) { NA, NA, 2.0 / 3, 2.0 / 3, 2.0 / 3 }, 5);
  ql_ta_stddev (x5, 5, 3, 2, out);
  assert_series (out, (double[]) { NA, NA, 2 * sqrt (2.0 / 3), 2 * sqrt (2.0 / 3), 2 * sqrt (2.0 / 3) }, 5);
}

static void
test_statistics (void)
{
  const double a[] = { 1, 2, 3, 4, 5 };
  const double b[] = { 2, 4, 6, 8, 11 };
  const double y[] = { 1, 3, 2, 5 };
  double v[5], s[5], out[5];

  g_test_summary ("linreg and correl by hand");
  /* linreg(4) of 1, 3, 2, 5 at x = 0..3: x̄ 1.5, ȳ 2.75, Sxy = (−1.5)(−1.75) +
   * (−0.5)(0.25) + (0.5)(−0.75) + (1.5)(2.25) = 5.5, Sxx = 5: slope 1.1;
   * value at x = 3: 2.75 + 1.1·1.5 = 4.4. */
  ql_ta_linreg (y, 4, 4, v, s);
  assert_series (v, (double[]) { NA, NA, NA, 4.4 }, 4);
  assert_series (s, (double[]) { NA, NA, NA, 1.1 }, 4);
  /* correl(3): b = 2a on the first windows: 1; last window a 3,4,5 b 6,8,11:
   * da −1,0,1, db −7/3,−1/3,8/3: Σdadb = 5, Σda² = 2, Σdb² = (49+1+64)/9 = 114/9:
   * 5/sqrt(2·114/9). */
  ql_ta_correl (a, b, 5, 3, out);
  assert_series (out, (double[]) { NA, NA, 1, 1, 5 / sqrt (2 * 114.0 / 9) }, 5);
}

static void
test_trend (void)
{
  const double h[] = { 10, 11, 12, 11, 10 };
  const double l[] = { 9, 10, 11, 9, 8 };
  double out[5], st[5], dir[5];

  g_test_summary ("sar and adx/di by hand");
  /* sar: −DM of bar 1 is 0 → long; sar = low[0] = 9, ep = 11, af 0.02.
   * index 1 outputs 9; next 9 + 0.02·(11 − 9) = 9.04, capped by lows 10, 10: 9.04.
   * index 2: 9.04 < 11 stays long, outputs 9.04; new high 12 → ep 12, af 0.04:
   * 9.04 + 0.04·2.96 = 9.1584.  index 3: low 9 <= 9.1584 → short, sar = ep 12. */
  ql_ta_sar (h, l, 5, 0.02, 0.2, out);
  assert_series (out, (double[]) { NA, 9, 9.04, 12, NA }, 4);
  /* adx(2), closes 9.5, 10.5, 11.5, 10: bar 1: +DM 1 (sum), TR max(1, 1.5, 0.5) = 1.5.
   * bar 2: +DM 1 − 0.5 + 1 = 1.5, TR 1.5 − 0.75 + 1.5 = 2.25: +DI 100·1.5/2.25, −DI 0,
   * DX 100.  bar 3: −DM 0 − 0 + 2 (prevL 11 − 9), +DM 0.75, TR 2.25 − 1.125 +
   * max(2, 0.5, 2.5) = 3.625: +DI 100·0.75/3.625, −DI 100·2/3.625, DX 100·1.25/2.75;
   * adx = (100 + DX)/2 at index 3 = 2·2 − 1. */
  {
    double adx[5], pdi[5], mdi[5];
    ql_ta_adx (h, l, (double[]) { 9.5, 10.5, 11.5, 10, 9 }, 5, 2, adx, pdi, mdi);
    g_assert_true (isnan (pdi[1]));
    g_assert_cmpfloat_with_epsilon (pdi[2], 100 * 1.5 / 2.25, 1e-9);
    g_assert_cmpfloat_with_epsilon (mdi[2], 0, 1e-9);
    g_assert_true (isnan (adx[2]));
    g_assert_cmpfloat_with_epsilon (pdi[3], 100 * 0.75 / 3.625, 1e-9);
    g_assert_cmpfloat_with_epsilon (mdi[3], 100 * 2 / 3.625, 1e-9);
    g_assert_cmpfloat_with_epsilon (adx[3], (100 + 100 * 1.25 / 2.75) / 2, 1e-9);
  }
  /* supertrend(1, 1) on h 10 11 12 11 15, l 9 10 11 9 13, c 9.5 10.5 11.5 10 14.5.
   * TradingView's ATR(1) is the true range, h − l on the first bar.
   * index 0: hl2 9.5, bands 10.5 / 8.5; the previous bands are nz(na) = 0 and close[1]
   *   is na, so Pine keeps upper = 0; no previous ATR: TV direction 1 (down) →
   *   supertrend = upper = 0, direction −1 (ours is the opposite sign).
   * index 1: TR max(1, 1.5, 0.5) = 1.5, hl2 10.5: 12 / 9; lower 9 > 8.5 → 9; upper:
   *   close[1] 9.5 > 0 → 12; previous supertrend 0 was the upper band: 10.5 > 12? no → 12, −1.
   * index 2: TR 1.5, hl2 11.5: 13 / 10 → lower 10, upper stays 12 (13 > 12, 10.5 < 12):
   *   11.5 > 12? no → 12, −1.
   * index 3: TR max(2, 0.5, 2.5) = 2.5, hl2 10: 12.5 / 7.5 → lower stays 10, upper 12;
   *   10 > 12? no → 12, −1.
   * index 4: TR max(2, 5, 3) = 5, hl2 14: 19 / 9 → lower 10, upper 12; 14.5 > 12 →
   *   up trend: supertrend = lower = 10, direction +1. */
  ql_ta_supertrend ((double[]) { 10, 11, 12, 11, 15 }, (double[]) { 9, 10, 11, 9, 13 },
                    (double[]) { 9.5, 10.5, 11.5, 10, 14.5 }, 5, 1, 1, st, dir);
  assert_series (st, (double[]) { 0, 12, 12, 12, 10 }, 5);
  assert_series (dir, (double[]) { -1, -1, -1, -1, 1 }, 5);
}

static void
test_ichimoku (void)
{
  const double h[] = { 2, 4, 6, 8, 10, 12 };
  const double l[] = { 1, 3, 5, 7, 9, 11 };
  const double c[] = { 1.5, 3.5, 5.5, 7.5, 9.5, 11.5 };
  double conv[6], base[6], sa[6], sb[6], lag[6];
  double *const out[5] = { conv, base, sa, sb, lag };

  g_test_summary ("ichimoku(2,3,4,3): spans drawn displacement−1 bars later, lagging = close");
  /* conversion (2): (4+1)/2 = 2.5 at 1, 4.5, 6.5, 8.5, 10.5.
   * base (3): (6+1)/2 = 3.5 at 2, 5.5, 7.5, 9.5.
   * raw span a from index 2: (4.5 + 3.5)/2 = 4, 6, 8, 10; drawn 2 bars later: 4 at 4, 6 at 5.
   * raw span b (4) from 3: (8+1)/2 = 4.5, 6.5, 8.5; drawn at 5: 4.5. */
  ql_ta_ichimoku (h, l, c, 6, 2, 3, 4, 3, out);
  assert_series (conv, (double[]) { NA, 2.5, 4.5, 6.5, 8.5, 10.5 }, 6);
  assert_series (base, (double[]) { NA, NA, 3.5, 5.5, 7.5, 9.5 }, 6);
  assert_series (sa, (double[]) { NA, NA, NA, NA, 4, 6 }, 6);
  assert_series (sb, (double[]) { NA, NA, NA, NA, NA, 4.5 }, 6);
  assert_series (lag, c, 6);
}

static void
test_flat_series (void)
{
  double x[40], out[40], o2[40], o3[40];

  g_test_summary ("A flat series gives the division-by-zero results of TA-Lib: 0, not NaN");
  for (int i = 0; i < 40; i++)
    x[i] = 0.1 * 3; /* a value whose sums round */
  ql_ta_rsi (x, 40, 14, out);
  g_assert_cmpfloat (out[14], ==, 0);
  g_assert_cmpfloat (out[39], ==, 0);
  ql_ta_stochf (x, x, x, 40, 5, 3, out, o2);
  g_assert_cmpfloat (out[39], ==, 0);
  g_assert_cmpfloat (o2[39], ==, 0);
  ql_ta_willr (x, x, x, 40, 14, out);
  g_assert_cmpfloat (out[13], ==, 0);
  ql_ta_cci (x, x, x, 40, 20, out);
  g_assert_cmpfloat (out[19], ==, 0);
  g_assert_cmpfloat (out[39], ==, 0);
  ql_ta_stddev (x, 40, 20, 1, out);
  g_assert_cmpfloat (out[39], ==, 0);
  ql_ta_var (x, 40, 5, out);
  g_assert_cmpfloat (out[4], ==, 0);
  ql_ta_bbands (x, 40, 20, 2, out, o2, o3);
  g_assert_cmpfloat (out[39] - o3[39], ==, 0);
  ql_ta_correl (x, x5, 5, 3, out);
  g_assert_cmpfloat (out[4], ==, 0);
  ql_ta_mfi (x, x, x, x, 40, 14, out);
  g_assert_cmpfloat (out[14], ==, 0);
  ql_ta_roc (x, 40, 10, out);
  g_assert_cmpfloat (out[39], ==, 0);
  ql_ta_ppo (x, 40, 3, 5, out);
  g_assert_cmpfloat_with_epsilon (out[39], 0, 1e-12);
  ql_ta_adx (x, x, x, 40, 5, out, o2, o3);
  g_assert_cmpfloat (o2[5], ==, 0);
  g_assert_cmpfloat (out[39], ==, 0);
}

static void
test_nan_gaps (void)
{
  const double gap[] = { 1, 2, NAN, 3, 4, NAN, 5 };
  double out[7];
  QlTaSma s;

  g_test_summary ("A NaN input gives NA and is skipped, not zero-filled");
  /* sma(3) over 1, 2, 3, 4, 5 with the gaps left out: 2 at the 3, 3 at the 4, 4 at the 5. */
  ql_ta_sma (gap, 7, 3, out);
  assert_series (out, (double[]) { NA, NA, NA, 2, 3, NA, 4 }, 7);
  ql_ta_sma_init (&s, 3);
  g_assert_true (isnan (ql_ta_sma_update (&s, 1)));
  g_assert_true (isnan (ql_ta_sma_update (&s, NAN)));
  g_assert_true (isnan (ql_ta_sma_update (&s, 2)));
  g_assert_cmpfloat (ql_ta_sma_preview (&s, 6), ==, 3);
  g_assert_cmpfloat (ql_ta_sma_preview (&s, 9), ==, 4);
  g_assert_cmpfloat (ql_ta_sma_update (&s, 3), ==, 2);
  ql_ta_sma_clear (&s);
}

static void
test_lookbacks (void)
{
  enum { N = 60 };
  double x[N], h[N], l[N], a[N], b[N], c3[N];
  struct { const char *name; gsize lookback; double *col; } cases[32];
  guint n = 0;
  double *buf[32];

  g_test_summary ("The first valid index equals the documented lookback; period > data is all NA");
  for (int i = 0; i < N; i++)
    {
      x[i] = 100 + sin (i) * 3;
      h[i] = x[i] + 1;
      l[i] = x[i] - 1;
    }
  for (guint i = 0; i < G_N_ELEMENTS (buf); i++)
    buf[i] = g_new (double, N);
#define CASE(nm, lb) (cases[n].name = nm, cases[n].lookback = lb, cases[n].col = buf[n], n++)
  ql_ta_sma (x, N, 7, buf[n]), CASE ("sma(7)", 6);
  ql_ta_ema (x, N, 7, buf[n]), CASE ("ema(7)", 6);
  ql_ta_wma (x, N, 7, buf[n]), CASE ("wma(7)", 6);
  ql_ta_dema (x, N, 7, buf[n]), CASE ("dema(7)", 12);
  ql_ta_tema (x, N, 7, buf[n]), CASE ("tema(7)", 18);
  ql_ta_trima (x, N, 7, buf[n]), CASE ("trima(7)", 6);
  ql_ta_trima (x, N, 8, buf[n]), CASE ("trima(8)", 7);
  ql_ta_kama (x, N, 7, buf[n]), CASE ("kama(7)", 7);
  ql_ta_rsi (x, N, 7, buf[n]), CASE ("rsi(7)", 7);
  ql_ta_stoch (h, l, x, N, 5, 3, 4, buf[n], a), CASE ("stoch(5,3,4)", 4 + 2 + 3);
  ql_ta_stochf (h, l, x, N, 5, 3, buf[n], a), CASE ("stochf(5,3)", 4 + 2);
  ql_ta_stochrsi (x, N, 6, 5, 3, buf[n], a), CASE ("stochrsi(6,5,3)", 6 + 4 + 2);
  ql_ta_macd (x, N, 4, 9, 5, buf[n], a, c3), CASE ("macd(4,9,5)", 8 + 4);
  ql_ta_ppo (x, N, 4, 9, buf[n]), CASE ("ppo(4,9)", 8);
  ql_ta_roc (x, N, 7, buf[n]), CASE ("roc(7)", 7);
  ql_ta_cci (h, l, x, N, 7, buf[n]), CASE ("cci(7)", 6);
  ql_ta_willr (h, l, x, N, 7, buf[n]), CASE ("willr(7)", 6);
  ql_ta_mfi (h, l, x, x, N, 7, buf[n]), CASE ("mfi(7)", 7);
  ql_ta_adosc (h, l, x, x, N, 3, 10, buf[n]), CASE ("adosc(3,10)", 9);
  ql_ta_adx (h, l, x, N, 7, buf[n], a, b), CASE ("adx(7)", 13);
  ql_ta_adx (h, l, x, N, 7, a, buf[n], b), CASE ("plus_di(7)", 7);
  ql_ta_aroon (h, l, N, 7, buf[n], a), CASE ("aroon(7)", 7);
  ql_ta_sar (h, l, N, 0.02, 0.2, buf[n]), CASE ("sar", 1);
  ql_ta_atr (h, l, x, N, 7, buf[n]), CASE ("atr(7)", 7);
  ql_ta_bbands (x, N, 7, 2, a, buf[n], b), CASE ("bbands(7)", 6);
  ql_ta_linreg (x, N, 7, buf[n], a), CASE ("linreg(7)", 6);
  ql_ta_correl (x, h, N, 7, buf[n]), CASE ("correl(7)", 6);
  ql_ta_hma (x, N, 9, buf[n]), CASE ("hma(9)", 8 + 2);
  ql_ta_sma (x, N, 61, buf[n]), CASE ("sma(61) longer than data", N);
  ql_ta_rsi (x, N, 60, buf[n]), CASE ("rsi(60) longer than data", N);
#undef CASE
  for (guint i = 0; i < n; i++)
    {
      gsize first = 0;
      while (first < N && isnan (cases[i].col[first]))
        first++;
      if (first != cases[i].lookback)
        g_error ("%s: first valid index %zu, documented lookback %zu", cases[i].name, first,
                 cases[i].lookback);
    }
  for (guint i = 0; i < G_N_ELEMENTS (buf); i++)
    g_free (buf[i]);
}

static void
test_period_one (void)
{
  const double x[] = { 3, 1, 4, 1, 5 };
  double out[5], o2[5];

  g_test_summary ("Period 1 is the identity for the moving averages");
  ql_ta_sma (x, 5, 1, out);
  assert_series (out, x, 5);
  ql_ta_ema (x, 5, 1, out);
  assert_series (out, x, 5);
  ql_ta_wma (x, 5, 1, out);
  assert_series (out, x, 5);
  ql_ta_highest (x, 5, 1, out, o2);
  assert_series (out, x, 5);
  assert_series (o2, (double[]) { 0, 0, 0, 0, 0 }, 5);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/ta/averages/by-hand", test_moving_averages);
  g_test_add_func ("/engine/ta/averages/hma-vwma-vwap", test_hma_vwma_vwap);
  g_test_add_func ("/engine/ta/momentum/by-hand", test_rsi_and_momentum);
  g_test_add_func ("/engine/ta/macd/fast-seeded-at-slow", test_macd);
  g_test_add_func ("/engine/ta/range/by-hand", test_range_oscillators);
  g_test_add_func ("/engine/ta/volume/by-hand", test_volume);
  g_test_add_func ("/engine/ta/volatility/by-hand", test_volatility);
  g_test_add_func ("/engine/ta/statistics/by-hand", test_statistics);
  g_test_add_func ("/engine/ta/trend/by-hand", test_trend);
  g_test_add_func ("/engine/ta/ichimoku/displaced-spans", test_ichimoku);
  g_test_add_func ("/engine/ta/edge/flat-series", test_flat_series);
  g_test_add_func ("/engine/ta/edge/nan-gaps-skipped", test_nan_gaps);
  g_test_add_func ("/engine/ta/edge/lookbacks", test_lookbacks);
  g_test_add_func ("/engine/ta/edge/period-one", test_period_one);
  return g_test_run ();
}
