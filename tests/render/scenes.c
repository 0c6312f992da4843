/* tests/render/scenes.c — the reference scenes; see scenes.h. */
#include "tests/render/scenes.h"

#include <math.h>

#define T0 QL_TEST_T0

/* A seeded random walk, the same on every machine (no libc rand). */
typedef struct
{
  guint64 s;
} Lcg;

static double
lcg_next (Lcg *r) /* [0, 1) */
{
  r->s = r->s * G_GUINT64_CONSTANT (6364136223846793005) + G_GUINT64_CONSTANT (1442695040888963407);
  return (double) (r->s >> 11) / 9007199254740992.0;
}

/* @n bars @step_ns apart; each close moves by a uniform step of width
 * @vol around @drift (in percent of the price when @multiplicative). */
QlSeries *
ql_test_walk_drift (gsize n, gint64 step_ns, double start, double vol, double drift, gboolean multiplicative)
{
  QlSeries *bars = ql_series_new_bars ();
  Lcg r = { 42 };
  double p = start;
  ql_series_reserve (bars, n);
  for (gsize i = 0; i < n; i++)
    {
      QlBar b = { .time = T0 + (gint64) i * step_ns, .open = p };
      double d = (lcg_next (&r) - 0.5) * vol + drift;
      p = multiplicative ? p * (1 + d / 100) : p + d;
      b.close = p;
      b.high = MAX (b.open, b.close) + lcg_next (&r) * vol * (multiplicative ? p / 200 : 0.5);
      b.low = MIN (b.open, b.close) - lcg_next (&r) * vol * (multiplicative ? p / 200 : 0.5);
      b.volume = round (1000 + lcg_next (&r) * 9000);
      ql_series_append_bar (bars, &b);
    }
  return bars;
}

QlSeries *
ql_test_walk (gsize n, gint64 step_ns, double start, double vol, gboolean multiplicative)
{
  return ql_test_walk_drift (n, step_ns, start, vol, 0.02 * vol, multiplicative);
}

void
ql_test_make_inst (QlInstrument *inst)
{
  g_assert_true (ql_instrument_init (inst, "QLAB", NULL));
  g_assert_true (ql_instrument_set_timezone (inst, "America/New_York", NULL));
  inst->price_scale = 2;
  inst->tick_size = 1;
}

static void
scene_candles (QlTestSceneCheck check)
{
  g_autoptr (QlSeries) bars = ql_test_walk (150, QL_NS_PER_MIN, 100, 1, FALSE);
  QlInstrument inst;
  ql_test_make_inst (&inst);
  QlTimeframe tf = { QL_TF_SECONDS, 60 };
  g_autoptr (QlScene) scene = ql_scene_new (bars, &inst, &tf);

  g_test_summary ("Candles with volume, axes, last price and watermark match ref/candles.png");
  ql_scene_set_size (scene, 800, 450);
  ql_scene_add_volume (scene, -1);
  ql_scene_show_last (scene, 120);
  check (scene, "candles");
  ql_instrument_clear (&inst);
}

static void
scene_series_kinds (QlTestSceneCheck check)
{
  g_autoptr (QlSeries) bars = ql_test_walk (120, QL_NS_PER_HOUR, 50, 1, FALSE);
  QlInstrument inst;
  ql_test_make_inst (&inst);
  g_autoptr (QlScene) scene = ql_scene_new (bars, &inst, NULL);
  const double *close = ql_series_f64 (bars, QL_BAR_CLOSE);
  double up[120], lo[120], osc[120], gap[120];
  for (int i = 0; i < 120; i++)
    {
      up[i] = close[i] + 2;
      lo[i] = close[i] - 2;
      osc[i] = sin (i / 6.0) * 10;
      gap[i] = i % 30 < 25 ? close[i] + 4 : NAN;
    }

  g_test_summary ("Area price style, bands, a line with gaps, baseline, histogram and step "
                  "lines match ref/series-kinds.png");
  ql_scene_set_size (scene, 900, 640);
  ql_scene_set_watermark_visible (scene, FALSE);
  ql_scene_set_price_style (scene, QL_SERIES_AREA);
  ql_scene_add_values (scene, 0, QL_SERIES_BANDS, "Band", up, lo, 120, NULL);
  ql_scene_add_values (scene, 0, QL_SERIES_LINE, "Gappy", gap, NULL, 120, NULL);
  guint p1 = ql_scene_add_pane (scene, 1);
  guint base = ql_scene_add_values (scene, p1, QL_SERIES_BASELINE, "Baseline", osc, NULL, 120, NULL);
  ql_scene_series_set_base (scene, base, 0);
  guint p2 = ql_scene_add_pane (scene, 1);
  ql_scene_add_values (scene, p2, QL_SERIES_HISTOGRAM, "Hist", osc, NULL, 120, NULL);
  ql_scene_add_values (scene, p2, QL_SERIES_STEP, "Step", osc, NULL, 120, NULL);
  ql_scene_show_last (scene, 120);
  check (scene, "series-kinds");
  ql_instrument_clear (&inst);
}

static void
scene_bar_styles (QlTestSceneCheck check)
{
  g_autoptr (QlSeries) bars = ql_test_walk (60, QL_NS_PER_DAY, 100, 2, FALSE);
  g_autoptr (QlScene) scene = ql_scene_new (bars, NULL, NULL);

  g_test_summary ("Hollow candles and OHLC bars match ref/hollow.png and ref/ohlc.png");
  ql_scene_set_size (scene, 600, 360);
  ql_scene_set_price_style (scene, QL_SERIES_HOLLOW_CANDLES);
  ql_scene_show_last (scene, 60);
  check (scene, "hollow");
  ql_scene_set_price_style (scene, QL_SERIES_OHLC);
  check (scene, "ohlc");
}

static void
scene_annotations (QlTestSceneCheck check)
{
  g_autoptr (QlSeries) bars = ql_test_walk (100, QL_NS_PER_MIN * 5, 200, 1.5, FALSE);
  QlInstrument inst;
  ql_test_make_inst (&inst);
  g_autoptr (QlScene) scene = ql_scene_new (bars, &inst, NULL);
  const double *high = ql_series_f64 (bars, QL_BAR_HIGH);
  const double *low = ql_series_f64 (bars, QL_BAR_LOW);
  QlColor orange = { 1.0f, 0.43f, 0.0f, 1.0f };

  g_test_summary ("Markers, price lines, trend line, horizontal line, rectangle and "
                  "Fibonacci retracement match ref/annotations.png");
  ql_scene_set_size (scene, 900, 500);
  ql_scene_show_last (scene, 100);
  ql_scene_add_marker (scene, T0 + 20 * 5 * QL_NS_PER_MIN, NAN, QL_MARKER_ARROW_UP, NULL, "Buy");
  ql_scene_add_marker (scene, T0 + 60 * 5 * QL_NS_PER_MIN, NAN, QL_MARKER_ARROW_DOWN, NULL, "Sell");
  ql_scene_add_marker (scene, T0 + 40 * 5 * QL_NS_PER_MIN, high[40] + 1, QL_MARKER_CIRCLE, &orange, NULL);
  ql_scene_add_marker (scene, T0 + 80 * 5 * QL_NS_PER_MIN, low[80] - 1, QL_MARKER_TEXT, &orange, "Note");
  ql_scene_add_price_line (scene, 0, low[20], &orange, 4, "Entry");
  ql_scene_add_drawing (scene, QL_DRAWING_TREND_LINE, T0 + 10 * 5 * QL_NS_PER_MIN, low[10],
                        T0 + 50 * 5 * QL_NS_PER_MIN, low[50], NULL);
  ql_scene_add_drawing (scene, QL_DRAWING_HLINE, 0, high[30], 0, 0, &orange);
  ql_scene_add_drawing (scene, QL_DRAWING_RECTANGLE, T0 + 62 * 5 * QL_NS_PER_MIN, high[62],
                        T0 + 75 * 5 * QL_NS_PER_MIN, low[75], NULL);
  ql_scene_add_drawing (scene, QL_DRAWING_FIBONACCI, T0 + 5 * 5 * QL_NS_PER_MIN, low[5],
                        T0 + 35 * 5 * QL_NS_PER_MIN, high[35], NULL);
  check (scene, "annotations");
  ql_instrument_clear (&inst);
}

static void
scene_log_scale (QlTestSceneCheck check)
{
  /* 1.2% a day on average over 400 days: from 10 to about 1000, which a
   * log scale shows as a straight climb. */
  g_autoptr (QlSeries) bars = ql_test_walk_drift (400, QL_NS_PER_DAY, 10, 6, 1.2, TRUE);
  g_autoptr (QlScene) scene = ql_scene_new (bars, NULL, NULL);

  g_test_summary ("A price pane on a log scale matches ref/log-scale.png");
  ql_scene_set_size (scene, 800, 450);
  ql_scene_pane_set_scale_mode (scene, 0, QL_SCALE_LOG);
  ql_scene_show_last (scene, 400);
  check (scene, "log-scale");
}

static void
scene_lod_million (QlTestSceneCheck check)
{
  g_autoptr (QlSeries) bars = ql_test_walk_drift (1000000, QL_NS_PER_MIN, 1000, 1, 0.0002, FALSE);
  QlInstrument inst;
  ql_test_make_inst (&inst);
  QlTimeframe tf = { QL_TF_SECONDS, 60 };
  g_autoptr (QlScene) scene = ql_scene_new (bars, &inst, &tf);
  g_autoptr (GError) error = NULL;

  g_test_summary ("1,000,000 one-minute bars with volume, SMA, Bollinger Bands and an RSI "
                  "pane, one column per pixel, match ref/lod-1m.png");
  ql_scene_set_size (scene, 1000, 600);
  ql_scene_add_volume (scene, -1);
  g_assert_cmpint (ql_scene_add_indicator (scene, "sma(200)", QL_PANE_AUTO, &error), ==, 0);
  g_assert_cmpint (ql_scene_add_indicator (scene, "bbands(20,2)", QL_PANE_AUTO, &error), ==, 0);
  g_assert_cmpint (ql_scene_add_indicator (scene, "rsi(14)", QL_PANE_AUTO, &error), ==, 2);
  ql_scene_show_last (scene, 1000000);
  check (scene, "lod-1m");
  ql_instrument_clear (&inst);
}

static void
scene_crosshair_legend (QlTestSceneCheck check)
{
  g_autoptr (QlSeries) bars = ql_test_walk (200, QL_NS_PER_MIN * 15, 100, 1, FALSE);
  QlInstrument inst;
  ql_test_make_inst (&inst);
  QlTimeframe tf = { QL_TF_SECONDS, 900 };
  g_autoptr (QlScene) scene = ql_scene_new (bars, &inst, &tf);
  g_autoptr (GError) error = NULL;

  g_test_summary ("The crosshair with its axis labels and a legend of OHLCV and every "
                  "indicator value matches ref/crosshair.png");
  ql_scene_set_size (scene, 900, 560);
  ql_scene_add_volume (scene, -1);
  ql_scene_add_indicator (scene, "ema(21)", QL_PANE_AUTO, &error);
  ql_scene_add_indicator (scene, "kc(20,2,10)", QL_PANE_AUTO, &error);
  ql_scene_add_indicator (scene, "macd(12,26,9)", QL_PANE_AUTO, &error);
  g_assert_no_error (error);
  ql_scene_show_last (scene, 150);
  ql_scene_set_crosshair (scene, 430, 160);
  check (scene, "crosshair");
  ql_instrument_clear (&inst);
}

static void
scene_dark_theme (QlTestSceneCheck check)
{
  g_autoptr (QlSeries) bars = ql_test_walk (150, QL_NS_PER_HOUR * 4, 30000, 150, FALSE);
  QlInstrument inst;
  ql_test_make_inst (&inst);
  QlTimeframe tf = { QL_TF_SECONDS, 4 * 3600 };
  g_autoptr (QlScene) scene = ql_scene_new (bars, &inst, &tf);
  g_autoptr (GError) error = NULL;

  g_test_summary ("The dark theme matches ref/dark.png");
  ql_scene_set_size (scene, 800, 500);
  ql_scene_set_theme (scene, ql_theme_get (QL_THEME_DARK));
  ql_scene_add_volume (scene, -1);
  ql_scene_add_indicator (scene, "sma(20)", QL_PANE_AUTO, &error);
  ql_scene_add_indicator (scene, "rsi(14)", QL_PANE_AUTO, &error);
  g_assert_no_error (error);
  ql_scene_show_last (scene, 150);
  ql_scene_set_crosshair (scene, 300, 120);
  check (scene, "dark");
  ql_instrument_clear (&inst);
}

const QlTestScene ql_test_scenes[] = {
  { "candles", scene_candles },
  { "series-kinds", scene_series_kinds },
  { "bar-styles", scene_bar_styles },
  { "annotations", scene_annotations },
  { "log-scale", scene_log_scale },
  { "lod-1m", scene_lod_million },
  { "crosshair-legend", scene_crosshair_legend },
  { "dark-theme", scene_dark_theme },
  { NULL, NULL },
};
