/* tests/engine/test-indicator.c — spec parsing and the generic interface. */
#include "engine/indicator.h"

#include <string.h>

/* Random bars with NaN gaps: a random walk, a few bars with one NaN field,
 * some flat stretches, and bars 90 minutes apart so that days change. */
static QlSeries *
random_bars (guint32 seed, gsize n)
{
  QlSeries *bars = ql_series_new_bars ();
  GRand *rng = g_rand_new_with_seed (seed);
  double v = 100;

  for (gsize i = 0; i < n; i++)
    {
      QlBar b;
      double r = g_rand_double (rng);
      if (r > 0.1 || i < 5)
        v += g_rand_double_range (rng, -1, 1);
      b.time = (QlTimeNs) i * 90 * QL_NS_PER_MIN;
      b.open = v + g_rand_double_range (rng, -0.5, 0.5);
      b.close = v;
      b.high = MAX (b.open, b.close) + g_rand_double_range (rng, 0, 1);
      b.low = MIN (b.open, b.close) - g_rand_double_range (rng, 0, 1);
      b.volume = g_rand_int_range (rng, 0, 1000);
      b.trades = 1;
      if (g_rand_int_range (rng, 0, 50) == 0)
        {
          switch (g_rand_int_range (rng, 0, 5))
            {
            case 0: b.open = NAN; break;
            case 1: b.high = NAN; break;
            case 2: b.low = NAN; break;
            case 3: b.close = NAN; break;
            default: b.volume = NAN; break;
            }
        }
      ql_series_append_bar (bars, &b);
    }
  g_rand_free (rng);
  return bars;
}

/* Bitwise equality, with every NaN equal to every NaN. */
static gboolean
same (double a, double b)
{
  if (isnan (a) && isnan (b))
    return TRUE;
  return memcmp (&a, &b, sizeof a) == 0;
}

static const char *const variants[] = {
  "sma(1)", "ema(1)", "wma(1)", "rsi(1)", "stoch(1,1,1)", "macd(26,12,9)", "hma(2)",
  "sma(7,hl2)", "ema(5,ohlc4)", "kc(5,1.5,3,hlc3)", "correl(5,close,open)",
  "ichimoku(3,5,7,1)", "ichimoku(3,5,7,4)", "sar(0.3,0.2)", "supertrend(2.5,3)",
  "bbands(5,0)", "stddev(5,2.5,open)", "highest(5,close)", "lowest(3)",
};

static void
check_batch_vs_incremental (const char *spec, const QlSeries *bars)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (QlIndicator) ind = ql_indicator_new (spec, &error);
  guint no;
  double *cols[8];
  double out[8], pre[8], junk[8];
  GRand *rng = g_rand_new_with_seed (7);

  g_assert_no_error (error);
  g_assert_nonnull (ind);
  no = ql_indicator_get_n_outputs (ind);
  g_assert_cmpuint (no, >=, 1);
  g_assert_cmpuint (no, <=, 7);
  for (guint k = 0; k < no; k++)
    cols[k] = g_new (double, bars->len);
  ql_indicator_batch (ind, bars, cols);

  for (gsize i = 0; i < bars->len; i++)
    {
      QlBar bar, other;
      ql_series_get_bar (bars, i, &bar);
      /* A forming bar previewed with other values first must not leak. */
      other = bar;
      other.close = bar.close + g_rand_double_range (rng, -3, 3);
      other.high = MAX (other.high, other.close);
      other.low = MIN (other.low, other.close);
      other.volume = bar.volume + 10;
      ql_indicator_preview (ind, &other, junk);
      ql_indicator_preview (ind, &bar, pre);
      ql_indicator_update (ind, &bar, out);
      for (guint k = 0; k < no; k++)
        {
          if (!same (out[k], cols[k][i]) || !same (pre[k], out[k]))
            g_error ("%s output %s at bar %zu: batch %.17g, update %.17g, preview %.17g",
                     spec, ql_indicator_get_output_name (ind, k), i, cols[k][i], out[k], pre[k]);
        }
    }
  /* The batch does not touch the incremental state, and reset restarts it. */
  ql_indicator_reset (ind);
  for (gsize i = 0; i < bars->len; i++)
    {
      QlBar bar;
      ql_series_get_bar (bars, i, &bar);
      ql_indicator_update (ind, &bar, out);
      if (i == bars->len / 2)
        ql_indicator_batch (ind, bars, cols); /* recomputes the same columns */
      for (guint k = 0; k < no; k++)
        g_assert_true (same (out[k], cols[k][i]));
    }
  for (guint k = 0; k < no; k++)
    g_free (cols[k]);
  g_rand_free (rng);
}

static void
test_batch_vs_incremental (void)
{
  g_autoptr (QlSeries) bars = random_bars (42, 3000);

  g_test_summary ("Every indicator, through the generic API, gives bit-identical batch, "
                  "update and preview results on random bars with NaN gaps");
  for (guint i = 0; i < ql_indicator_catalog_size (); i++)
    check_batch_vs_incremental (ql_indicator_catalog_get (i)->name, bars);
  for (gsize i = 0; i < G_N_ELEMENTS (variants); i++)
    check_batch_vs_incremental (variants[i], bars);
}

static void
test_all_valid_after_lookback (void)
{
  g_autoptr (QlSeries) bars = ql_series_new_bars ();

  g_test_summary ("On clean data every output becomes valid and stays valid (no stray NaN)");
  for (int i = 0; i < 400; i++)
    {
      QlBar b = { .time = (QlTimeNs) i * QL_NS_PER_HOUR, .open = 100 + sin (i * 0.3),
                  .close = 100 + sin (i * 0.3 + 0.2), .volume = 100 + i % 7 };
      b.high = MAX (b.open, b.close) + 0.5;
      b.low = MIN (b.open, b.close) - 0.5;
      ql_series_append_bar (bars, &b);
    }
  for (guint i = 0; i < ql_indicator_catalog_size (); i++)
    {
      g_autoptr (QlIndicator) ind = ql_indicator_new (ql_indicator_catalog_get (i)->name, NULL);
      guint no = ql_indicator_get_n_outputs (ind);
      double *cols[8];
      for (guint k = 0; k < no; k++)
        cols[k] = g_new (double, bars->len);
      ql_indicator_batch (ind, bars, cols);
      for (guint k = 0; k < no; k++)
        {
          gsize first = 0;
          while (first < bars->len && isnan (cols[k][first]))
            first++;
          g_assert_cmpuint (first, <, 200);
          for (gsize j = first; j < bars->len; j++)
            if (isnan (cols[k][j]))
              g_error ("%s.%s is NaN at %zu after starting at %zu",
                       ql_indicator_get_spec (ind), ql_indicator_get_output_name (ind, k), j, first);
          g_free (cols[k]);
        }
    }
}

static void
check_spec (const char *spec, const char *canonical)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (QlIndicator) ind = ql_indicator_new (spec, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ql_indicator_get_spec (ind), ==, canonical);
}

static void
test_spec_defaults (void)
{
  g_autoptr (QlIndicator) macd = ql_indicator_new ("macd", NULL);

  g_test_summary ("Specs fill defaults and print canonically");
  check_spec ("sma", "sma(20)");
  check_spec ("sma()", "sma(20)");
  check_spec ("sma(10)", "sma(10)");
  check_spec ("  SMA ( 10 , hl2 ) ", "sma(10,hl2)");
  check_spec ("sma(10, close)", "sma(10)");
  check_spec ("macd", "macd(12,26,9)");
  check_spec ("macd(5)", "macd(5,26,9)");
  check_spec ("bbands(20, 2.5)", "bbands(20,2.5)");
  check_spec ("bbands", "bbands(20,2)");
  check_spec ("sar", "sar(0.02,0.2)");
  check_spec ("correl(10,close,open)", "correl(10,close,open)");
  check_spec ("correl(10,close)", "correl(10)");
  check_spec ("vwap", "vwap()");
  check_spec ("vwap(close)", "vwap(close)");
  check_spec ("obv", "obv()");
  check_spec ("highest(5,high)", "highest(5)");
  check_spec ("ichimoku", "ichimoku(9,26,52,26)");
  check_spec ("supertrend", "supertrend(3,10)");

  g_assert_cmpuint (ql_indicator_get_n_outputs (macd), ==, 3);
  g_assert_cmpstr (ql_indicator_get_output_name (macd, 0), ==, "macd");
  g_assert_cmpstr (ql_indicator_get_output_name (macd, 1), ==, "signal");
  g_assert_cmpstr (ql_indicator_get_output_name (macd, 2), ==, "hist");
}

static void
check_error (const char *spec, int code, const char *const *fragments)
{
  g_autoptr (GError) error = NULL;
  QlIndicator *ind = ql_indicator_new (spec, &error);
  g_assert_null (ind);
  g_assert_error (error, QL_INDICATOR_ERROR, code);
  for (; *fragments; fragments++)
    if (strstr (error->message, *fragments) == NULL)
      g_error ("error for \"%s\" is \"%s\", lacks \"%s\"", spec, error->message, *fragments);
}

static void
test_spec_errors (void)
{
  g_test_summary ("Bad specs are errors naming the parameters, ranges and defaults");
  check_error ("macd(12,x)", QL_INDICATOR_ERROR_BAD_SPEC,
               (const char *[]) { "macd(fast, slow, signal, src): \"slow\" must be an integer",
                                  ">= 2", "default 26", "got \"x\"", NULL });
  check_error ("macd(12,1)", QL_INDICATOR_ERROR_BAD_SPEC,
               (const char *[]) { "\"slow\"", "got \"1\"", NULL });
  check_error ("sma(0)", QL_INDICATOR_ERROR_BAD_SPEC,
               (const char *[]) { "sma(period, src)", "\"period\"", "got \"0\"", NULL });
  check_error ("sma(2.5)", QL_INDICATOR_ERROR_BAD_SPEC, (const char *[]) { "integer", NULL });
  check_error ("sma(100001)", QL_INDICATOR_ERROR_BAD_SPEC, (const char *[]) { "100000", NULL });
  check_error ("sma(10,price)", QL_INDICATOR_ERROR_BAD_SPEC,
               (const char *[]) { "\"src\" must be one of open, high, low, close, volume, hl2, hlc3, ohlc4",
                                  "got \"price\"", NULL });
  check_error ("sma(1,close,3)", QL_INDICATOR_ERROR_BAD_SPEC,
               (const char *[]) { "sma(period, src)", "at most 2 arguments, got 3", NULL });
  check_error ("obv(3)", QL_INDICATOR_ERROR_BAD_SPEC, (const char *[]) { "obv()", "at most 0", NULL });
  check_error ("sma(10", QL_INDICATOR_ERROR_BAD_SPEC, (const char *[]) { "')'", NULL });
  check_error ("sma(10)x", QL_INDICATOR_ERROR_BAD_SPEC, (const char *[]) { "')'", NULL });
  check_error ("sma(,close)", QL_INDICATOR_ERROR_BAD_SPEC, (const char *[]) { "got \"\"", NULL });
  check_error ("bbands(20,-1)", QL_INDICATOR_ERROR_BAD_SPEC,
               (const char *[]) { "\"mult\" must be a number >= 0", NULL });
  check_error ("sar(0)", QL_INDICATOR_ERROR_BAD_SPEC, (const char *[]) { "\"accel\" must be a number > 0", NULL });
  check_error ("bbands(20,nan)", QL_INDICATOR_ERROR_BAD_SPEC, (const char *[]) { "\"mult\"", NULL });
  check_error ("", QL_INDICATOR_ERROR_BAD_SPEC, (const char *[]) { "macd(12,26,9)", NULL });
  check_error ("smaa(3)", QL_INDICATOR_ERROR_UNKNOWN,
               (const char *[]) { "unknown indicator \"smaa\"", "sma, ema, wma", "pivots", NULL });
}

static void
test_catalog (void)
{
  g_test_summary ("The catalogue lists every indicator of docs/indicators.md with its parameters");
  g_assert_cmpuint (ql_indicator_catalog_size (), ==, 43);
  for (guint i = 0; i < ql_indicator_catalog_size (); i++)
    {
      const QlIndicatorInfo *info = ql_indicator_catalog_get (i);
      g_autoptr (QlIndicator) ind = ql_indicator_new (info->name, NULL);
      g_assert_nonnull (ind);
      g_assert_nonnull (info->summary);
      g_assert_cmpstr (info->outputs, !=, "");
    }
  g_assert_cmpstr (ql_indicator_catalog_get (15)->name, ==, "macd");
  g_assert_cmpstr (ql_indicator_catalog_get (15)->params, ==, "fast=12, slow=26, signal=9, src=close");
  g_assert_cmpstr (ql_indicator_catalog_get (15)->outputs, ==, "macd, signal, hist");
  g_assert_cmpstr (ql_indicator_catalog_get (31)->params, ==, "period=20, mult=2, src=close");
}

static void
test_sources (void)
{
  g_autoptr (QlIndicator) hl2 = ql_indicator_new ("sma(1,hl2)", NULL);
  g_autoptr (QlIndicator) hlc3 = ql_indicator_new ("sma(1,hlc3)", NULL);
  g_autoptr (QlIndicator) ohlc4 = ql_indicator_new ("sma(1,ohlc4)", NULL);
  g_autoptr (QlIndicator) vol = ql_indicator_new ("sma(1,volume)", NULL);
  QlBar b = { .time = 0, .open = 1, .high = 8, .low = 2, .close = 5, .volume = 7 };
  double out;

  g_test_summary ("Sources hl2, hlc3, ohlc4 and columns feed the kernel");
  ql_indicator_update (hl2, &b, &out);
  g_assert_cmpfloat (out, ==, 5);   /* (8+2)/2 */
  ql_indicator_update (hlc3, &b, &out);
  g_assert_cmpfloat (out, ==, 5);   /* (8+2+5)/3 */
  ql_indicator_update (ohlc4, &b, &out);
  g_assert_cmpfloat (out, ==, 4);   /* (1+8+2+5)/4 */
  ql_indicator_update (vol, &b, &out);
  g_assert_cmpfloat (out, ==, 7);
}

static void
test_vwap_days (void)
{
  g_autoptr (QlIndicator) utc = ql_indicator_new ("vwap(close)", NULL);
  g_autoptr (QlIndicator) ny = ql_indicator_new ("vwap(close)", NULL);
  g_autoptr (GError) error = NULL;
  QlInstrument inst;
  /* 2024-03-04 is a Monday; New York is UTC−5 then (EST, no DST until 10 March). */
  QlTimeNs t0 = ql_days_from_civil (2024, 3, 4) * QL_NS_PER_DAY;
  QlBar a = { .time = t0 + 3 * QL_NS_PER_HOUR, .close = 10, .volume = 1 };   /* 22:00 NY, Sunday */
  QlBar b = { .time = t0 + 6 * QL_NS_PER_HOUR, .close = 20, .volume = 3 };   /* 01:00 NY, Monday */
  double o1, o2;

  g_test_summary ("vwap restarts at each trading day: UTC days by default, the instrument's otherwise");
  g_assert_true (ql_instrument_init (&inst, "SPY", &error));
  g_assert_true (ql_instrument_set_timezone (&inst, "America/New_York", &error));
  g_assert_no_error (error);
  ql_indicator_set_instrument (ny, &inst);
  ql_instrument_clear (&inst);

  /* UTC: both bars are on 4 March: (10·1 + 20·3)/4 = 17.5. */
  ql_indicator_update (utc, &a, &o1);
  ql_indicator_update (utc, &b, &o2);
  g_assert_cmpfloat (o1, ==, 10);
  g_assert_cmpfloat (o2, ==, 17.5);
  /* New York: 3 March, then 4 March, a restart: 20. */
  ql_indicator_update (ny, &a, &o1);
  ql_indicator_update (ny, &b, &o2);
  g_assert_cmpfloat (o1, ==, 10);
  g_assert_cmpfloat (o2, ==, 20);
}

static void
test_pivots_days (void)
{
  g_autoptr (QlIndicator) piv = ql_indicator_new ("pivots", NULL);
  QlTimeNs d = QL_NS_PER_DAY;
  QlBar bars[] = {
    { .time = 0, .high = 10, .low = 8, .close = 9 },
    { .time = 6 * QL_NS_PER_HOUR, .high = 12, .low = 9, .close = 11 },
    { .time = d, .high = 11, .low = 10, .close = 10.5 },
  };
  double out[7];

  g_test_summary ("pivots come from the previous UTC day's high, low and close");
  ql_indicator_update (piv, &bars[0], out);
  g_assert_true (isnan (out[0]));
  ql_indicator_update (piv, &bars[1], out);
  g_assert_true (isnan (out[6]));
  ql_indicator_update (piv, &bars[2], out);
  /* Day 0: H = 12, L = 8, C = 11.  P = 31/3; R1 = 2P − 8 = 38/3; S1 = 2P − 12 = 26/3;
   * R2 = P + 4 = 43/3; S2 = P − 4 = 19/3; R3 = 12 + 2(P − 8) = 50/3; S3 = 8 − 2(12 − P) = 14/3. */
  g_assert_cmpfloat_with_epsilon (out[0], 31.0 / 3, 1e-12);
  g_assert_cmpfloat_with_epsilon (out[1], 38.0 / 3, 1e-12);
  g_assert_cmpfloat_with_epsilon (out[2], 26.0 / 3, 1e-12);
  g_assert_cmpfloat_with_epsilon (out[3], 43.0 / 3, 1e-12);
  g_assert_cmpfloat_with_epsilon (out[4], 19.0 / 3, 1e-12);
  g_assert_cmpfloat_with_epsilon (out[5], 50.0 / 3, 1e-12);
  g_assert_cmpfloat_with_epsilon (out[6], 14.0 / 3, 1e-12);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/indicator/generic/batch-equals-incremental", test_batch_vs_incremental);
  g_test_add_func ("/engine/indicator/generic/valid-after-lookback", test_all_valid_after_lookback);
  g_test_add_func ("/engine/indicator/spec/defaults-and-canonical", test_spec_defaults);
  g_test_add_func ("/engine/indicator/spec/errors-name-parameters", test_spec_errors);
  g_test_add_func ("/engine/indicator/catalog/lists-every-indicator", test_catalog);
  g_test_add_func ("/engine/indicator/sources/composite-prices", test_sources);
  g_test_add_func ("/engine/indicator/days/vwap-restarts", test_vwap_days);
  g_test_add_func ("/engine/indicator/days/pivots-previous-day", test_pivots_days);
  return g_test_run ();
}
