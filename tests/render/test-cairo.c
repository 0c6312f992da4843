/* tests/render/test-cairo.c — the cairo backend against reference images
 * (the PNGs in tests/render/ref, per pixel with a tolerance), and pixels whose
 * colour follows from the layout alone. */
#include "render/cairo_backend.h"
#include "render/export.h"
#include "render/image_compare.h"
#include "render/scene.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <sys/wait.h>

/* 2024-03-04T14:30:00Z, 09:30 in New York. */
#define T0 (G_GINT64_CONSTANT (1709562600) * QL_NS_PER_SEC)

/* Channel difference allowed per pixel, and the share of pixels that may
 * exceed it (antialiased text edges on another FreeType build). */
#define TOLERANCE 16
#define MAX_FRACTION 0.002

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
static QlSeries *
walk_drift (gsize n, gint64 step_ns, double start, double vol, double drift, gboolean multiplicative)
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

static QlSeries *
walk (gsize n, gint64 step_ns, double start, double vol, gboolean multiplicative)
{
  return walk_drift (n, step_ns, start, vol, 0.02 * vol, multiplicative);
}

static void
make_inst (QlInstrument *inst)
{
  g_assert_true (ql_instrument_init (inst, "QLAB", NULL));
  g_assert_true (ql_instrument_set_timezone (inst, "America/New_York", NULL));
  inst->price_scale = 2;
  inst->tick_size = 1;
}

static void
check (QlScene *scene, const char *name)
{
  g_autoptr (GError) error = NULL;
  const char *ref_dir = g_getenv ("QL_TEST_REF_DIR");
  const char *out_dir = g_getenv ("QL_TEST_OUT_DIR");
  g_autofree char *file = g_strdup_printf ("%s.png", name);
  g_autofree char *ref = NULL;
  if (ref_dir == NULL)
    ref = g_test_build_filename (G_TEST_DIST, "ref", file, NULL);
  else
    ref = g_build_filename (ref_dir, file, NULL);
  cairo_surface_t *img = ql_cairo_render_scene (scene);
  g_assert_cmpint (cairo_surface_status (img), ==, CAIRO_STATUS_SUCCESS);
  gboolean ok = ql_image_check_reference (img, ref, out_dir != NULL ? out_dir : ".", TOLERANCE,
                                          MAX_FRACTION, &error);
  cairo_surface_destroy (img);
  g_assert_no_error (error);
  g_assert_true (ok);
}

static void
test_candles (void)
{
  g_autoptr (QlSeries) bars = walk (150, QL_NS_PER_MIN, 100, 1, FALSE);
  QlInstrument inst;
  make_inst (&inst);
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
test_series_kinds (void)
{
  g_autoptr (QlSeries) bars = walk (120, QL_NS_PER_HOUR, 50, 1, FALSE);
  QlInstrument inst;
  make_inst (&inst);
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
test_bar_styles (void)
{
  g_autoptr (QlSeries) bars = walk (60, QL_NS_PER_DAY, 100, 2, FALSE);
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
test_annotations (void)
{
  g_autoptr (QlSeries) bars = walk (100, QL_NS_PER_MIN * 5, 200, 1.5, FALSE);
  QlInstrument inst;
  make_inst (&inst);
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
test_log_scale (void)
{
  /* 1.2% a day on average over 400 days: from 10 to about 1000, which a
   * log scale shows as a straight climb. */
  g_autoptr (QlSeries) bars = walk_drift (400, QL_NS_PER_DAY, 10, 6, 1.2, TRUE);
  g_autoptr (QlScene) scene = ql_scene_new (bars, NULL, NULL);

  g_test_summary ("A price pane on a log scale matches ref/log-scale.png");
  ql_scene_set_size (scene, 800, 450);
  ql_scene_pane_set_scale_mode (scene, 0, QL_SCALE_LOG);
  ql_scene_show_last (scene, 400);
  check (scene, "log-scale");
}

static void
test_lod_million (void)
{
  g_autoptr (QlSeries) bars = walk_drift (1000000, QL_NS_PER_MIN, 1000, 1, 0.0002, FALSE);
  QlInstrument inst;
  make_inst (&inst);
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
test_crosshair_legend (void)
{
  g_autoptr (QlSeries) bars = walk (200, QL_NS_PER_MIN * 15, 100, 1, FALSE);
  QlInstrument inst;
  make_inst (&inst);
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
test_dark_theme (void)
{
  g_autoptr (QlSeries) bars = walk (150, QL_NS_PER_HOUR * 4, 30000, 150, FALSE);
  QlInstrument inst;
  make_inst (&inst);
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

static void
test_pixels_from_layout (void)
{
  g_autoptr (QlSeries) bars = ql_series_new_bars ();
  for (int i = 0; i < 10; i++)
    {
      QlBar b = { .time = T0 + i * QL_NS_PER_MIN, .open = 100, .high = 112, .low = 98,
                  .close = i % 2 == 0 ? 110 : 90 };
      if (i % 2 == 1)
        b.open = 110, b.high = 112, b.low = 88;
      ql_series_append_bar (bars, &b);
    }
  g_autoptr (QlScene) scene = ql_scene_new (bars, NULL, NULL);
  const QlTheme *t = ql_theme_get (QL_THEME_LIGHT);

  g_test_summary ("Candle bodies are filled with exactly the theme's up and down colours "
                  "and the axis strip with its background");
  ql_scene_set_size (scene, 400, 300);
  ql_scene_set_last_price_visible (scene, FALSE);
  ql_scene_set_viewport (scene, -0.5, 0.1);
  const QlSceneFrame *f = ql_scene_layout (scene);
  cairo_surface_t *img = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 400, 300);
  cairo_t *cr = cairo_create (img);
  ql_cairo_draw_frame (cr, f);
  cairo_destroy (cr);
  cairo_surface_flush (img);
  const guint8 *d = cairo_image_surface_get_data (img);
  int stride = cairo_image_surface_get_stride (img);
#define PIXEL(x, y) (*(const guint32 *) (d + (gsize) (y) * stride + (gsize) (x) * 4))
#define RGB(c) (0xff000000u | (guint32) lroundf ((c).r * 255) << 16 | (guint32) lroundf ((c).g * 255) << 8 | (guint32) lroundf ((c).b * 255))
  /* Bar 4 rises from 100 to 110; its centre column is 10·4 + 5 = 45 px. */
  int y_mid = (int) ql_scene_value_to_y (scene, 0, 105);
  g_assert_cmphex (PIXEL (45, y_mid), ==, RGB (t->up));
  /* Bar 5 falls from 110 to 90, centre column 55 px. */
  int y_mid2 = (int) ql_scene_value_to_y (scene, 0, 100);
  g_assert_cmphex (PIXEL (55, y_mid2), ==, RGB (t->down));
  /* Between the bodies of bars 4 and 5 (50 px): bodies are 7 px wide
   * (42..48 and 52..58), so it is background, away from the grid lines
   * (every 5 from 90: the range 88..112 and its margins need 30 over
   * about 270 px) at 103.3. */
  int y_free = (int) ql_scene_value_to_y (scene, 0, 103.3);
  g_assert_cmphex (PIXEL (50, y_free), ==, RGB (t->background));
  /* The bottom right corner: the price axis beside the time axis, empty. */
  g_assert_cmphex (PIXEL (399, 299), ==, RGB (t->background));
  cairo_surface_destroy (img);
}

static void
test_export_file (void)
{
  g_autoptr (QlSeries) bars = walk (50, QL_NS_PER_MIN, 100, 1, FALSE);
  g_autoptr (QlScene) scene = ql_scene_new (bars, NULL, NULL);
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ql-export-XXXXXX", &error);
  g_assert_no_error (error);
  g_autofree char *path = g_build_filename (dir, "chart.png", NULL);
  g_autofree char *bad = g_build_filename (dir, "missing", "chart.png", NULL);

  g_test_summary ("Export writes a PNG of the scene's size and reports an unwritable path");
  ql_scene_set_size (scene, 321, 123);
  g_assert_true (ql_export_png (scene, QL_RENDER_BACKEND_CAIRO, path, &error));
  g_assert_no_error (error);
  cairo_surface_t *img = cairo_image_surface_create_from_png (path);
  g_assert_cmpint (cairo_surface_status (img), ==, CAIRO_STATUS_SUCCESS);
  g_assert_cmpint (cairo_image_surface_get_width (img), ==, 321);
  g_assert_cmpint (cairo_image_surface_get_height (img), ==, 123);
  cairo_surface_destroy (img);

  g_assert_false (ql_export_png (scene, QL_RENDER_BACKEND_CAIRO, bad, &error));
  g_assert_error (error, QL_EXPORT_ERROR, QL_EXPORT_ERROR_WRITE);
  g_unlink (path);
  g_rmdir (dir);
}

static void
test_image_compare (void)
{
  cairo_surface_t *a = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 4, 2);
  cairo_surface_t *b = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 4, 2);
  cairo_surface_t *c = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 3, 2);
  cairo_surface_t *diff = NULL;
  QlImageDiff d;

  g_test_summary ("The comparison counts pixels beyond the tolerance and marks them red");
  for (int i = 0; i < 2; i++)
    {
      cairo_t *cr = cairo_create (i == 0 ? a : b);
      cairo_set_source_rgb (cr, 1, 1, 1);
      cairo_paint (cr);
      cairo_destroy (cr);
    }
  cairo_surface_flush (b);
  guint32 *px = (guint32 *) cairo_image_surface_get_data (b);
  px[1] = 0xfff0ffffu; /* red 15 lower: within 16 */
  px[2] = 0xffe0ffffu; /* red 31 lower: beyond */
  cairo_surface_mark_dirty (b);
  g_assert_true (ql_image_compare (a, b, 16, &d, &diff));
  g_assert_cmpuint (d.n_pixels, ==, 8);
  g_assert_cmpuint (d.n_different, ==, 1);
  g_assert_cmpint (d.max_delta, ==, 31);
  cairo_surface_flush (diff);
  g_assert_cmphex (((guint32 *) cairo_image_surface_get_data (diff))[2], ==, 0xffff0000u);
  g_assert_false (ql_image_compare (a, c, 16, &d, NULL));
  cairo_surface_destroy (diff);
  cairo_surface_destroy (a);
  cairo_surface_destroy (b);
  cairo_surface_destroy (c);
}

/* Runs quantlab-cli with @args; returns its exit status, stderr in @err. */
static int
run_cli (const char *const *args, char **err)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  int status = -1;
  g_ptr_array_add (argv, (gpointer) QL_CLI_PATH);
  for (int i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  g_assert_true (g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL,
                               NULL, NULL, err, &status, &error));
  g_assert_no_error (error);
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

static void
test_cli_chart (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ql-chart-XXXXXX", &error);
  g_autofree char *png = g_build_filename (dir, "chart.png", NULL);
  g_autofree char *csv = g_build_filename (QL_SAMPLES_DIR, "demo-daily.csv", NULL);
  char *err = NULL;

  g_test_summary ("quantlab-cli chart writes the PNG asked for and exits 0, 1 or 2 as the "
                  "other commands do");
  {
    const char *args[] = { "chart", "--data", csv, "--timeframe", "1d", "--ind", "sma(20)",
                           "--ind", "rsi(14)", "--from", "2022-01-01", "--to", "2022-07-01",
                           "--output", png, "--width", "640", "--height", "400", NULL };
    g_assert_cmpint (run_cli (args, &err), ==, 0);
    g_clear_pointer (&err, g_free);
    cairo_surface_t *img = cairo_image_surface_create_from_png (png);
    g_assert_cmpint (cairo_surface_status (img), ==, CAIRO_STATUS_SUCCESS);
    g_assert_cmpint (cairo_image_surface_get_width (img), ==, 640);
    g_assert_cmpint (cairo_image_surface_get_height (img), ==, 400);
    cairo_surface_destroy (img);
  }
  {
    /* GL renders offscreen, or falls back to cairo saying so: a PNG either way. */
    g_unlink (png);
    const char *args[] = { "chart", "--data", csv, "--output", png, "--backend", "gl",
                           "--theme", "dark", "--width", "300", "--height", "200", NULL };
    g_assert_cmpint (run_cli (args, &err), ==, 0);
    g_clear_pointer (&err, g_free);
    g_assert_true (g_file_test (png, G_FILE_TEST_IS_REGULAR));
  }
  {
    const char *args[] = { "chart", "--data", csv, "--output", png, "--theme", "blue", NULL };
    g_assert_cmpint (run_cli (args, &err), ==, 2);
    g_assert_nonnull (strstr (err, "--theme must be light or dark"));
    g_clear_pointer (&err, g_free);
  }
  {
    const char *args[] = { "chart", "--data", csv, "--output", png, "--ind", "nope(3)", NULL };
    g_assert_cmpint (run_cli (args, &err), ==, 2);
    g_assert_nonnull (strstr (err, "unknown indicator"));
    g_clear_pointer (&err, g_free);
  }
  {
    const char *args[] = { "chart", "--data", "/nonexistent/bars.csv", "--output", png, NULL };
    g_assert_cmpint (run_cli (args, &err), ==, 1);
    g_assert_nonnull (strstr (err, "bars.csv"));
    g_clear_pointer (&err, g_free);
  }
  {
    const char *args[] = { "chart", "--data", csv, NULL };
    g_assert_cmpint (run_cli (args, &err), ==, 2);
    g_clear_pointer (&err, g_free);
  }
  g_unlink (png);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/render/cairo/reference/candles", test_candles);
  g_test_add_func ("/render/cairo/reference/series-kinds", test_series_kinds);
  g_test_add_func ("/render/cairo/reference/bar-styles", test_bar_styles);
  g_test_add_func ("/render/cairo/reference/annotations", test_annotations);
  g_test_add_func ("/render/cairo/reference/log-scale", test_log_scale);
  g_test_add_func ("/render/cairo/reference/lod-1m", test_lod_million);
  g_test_add_func ("/render/cairo/reference/crosshair-legend", test_crosshair_legend);
  g_test_add_func ("/render/cairo/reference/dark-theme", test_dark_theme);
  g_test_add_func ("/render/cairo/pixels/from-layout", test_pixels_from_layout);
  g_test_add_func ("/render/cairo/export/file", test_export_file);
  g_test_add_func ("/render/image-compare/count", test_image_compare);
  g_test_add_func ("/render/cairo/cli/chart", test_cli_chart);
  return g_test_run ();
}
