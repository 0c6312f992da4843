/* tests/render/test-cairo.c — the cairo backend against reference images
 * (the PNGs in tests/render/ref, per pixel with a tolerance), and pixels whose
 * colour follows from the layout alone. */
#include "render/cairo_backend.h"
#include "render/export.h"
#include "render/image_compare.h"
#include "render/scene.h"
#include "tests/render/scenes.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <sys/wait.h>

#define T0 QL_TEST_T0

/* Channel difference allowed per pixel, and the share of pixels that may
 * exceed it (antialiased text edges on another FreeType build). */
#define TOLERANCE 16
#define MAX_FRACTION 0.002

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
run_scene (gconstpointer data)
{
  const QlTestScene *s = data;
  s->run (check);
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
  g_autoptr (QlSeries) bars = ql_test_walk (50, QL_NS_PER_MIN, 100, 1, FALSE);
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

/* Writes @n hourly bars from 2017-04-19 09:00 into DIR/eurusd.csv with five
 * decimals: bar i opens at 1.07000 + 0.00010 i and closes 0.00005 higher.
 * Returns the path. (transfer full) */
static char *
write_eurusd (const char *dir, int n)
{
  g_autoptr (GString) csv = g_string_new (",Open,High,Low,Close,Volume\n");
  g_autoptr (GError) error = NULL;
  char *path = g_build_filename (dir, "eurusd.csv", NULL);
  for (int i = 0; i < n; i++)
    {
      int open = 107000 + 10 * i; /* in 1e-5 */
      g_string_append_printf (csv, "2017-04-%02d %02d:00:00,%d.%05d,%d.%05d,%d.%05d,%d.%05d,%d\n",
                              19 + (9 + i) / 24, (9 + i) % 24, open / 100000, open % 100000,
                              (open + 8) / 100000, (open + 8) % 100000, (open - 3) / 100000,
                              (open - 3) % 100000, (open + 5) / 100000, (open + 5) % 100000,
                              1000 + i);
    }
  g_assert_true (g_file_set_contents (path, csv->str, (gssize) csv->len, &error));
  g_assert_no_error (error);
  return path;
}

static void
test_cli_chart_decimals (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ql-chart-XXXXXX", &error);
  g_autofree char *png = g_build_filename (dir, "chart.png", NULL);
  g_autofree char *csv = write_eurusd (dir, 48);
  char *err = NULL;

  g_test_summary ("quantlab-cli chart --data draws prices with the file's own decimals");
  const char *args[] = { "chart", "--data", csv, "--output", png, "--width", "400", "--height",
                         "300", NULL };
  g_assert_cmpint (run_cli (args, &err), ==, 0);
  /* 1.07005 has five decimals; the old code forced two. */
  g_assert_nonnull (strstr (err, "48 bars, 2 panes, prices to 5 decimals"));
  g_free (err);
  g_unlink (png);
  g_unlink (csv);
  g_rmdir (dir);
}

static void
test_cli_chart_to (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ql-chart-XXXXXX", &error);
  g_autofree char *png = g_build_filename (dir, "chart.png", NULL);
  g_autofree char *csv = write_eurusd (dir, 48);
  char *err = NULL;

  g_test_summary ("quantlab-cli chart --data --to ends the data at --to, so the legend and "
                  "the last price are the last bar before it");
  const char *args[] = { "chart", "--data", csv, "--from", "2017-04-19T12:00:00", "--to",
                         "2017-04-20", "--output", png, NULL };
  g_assert_cmpint (run_cli (args, &err), ==, 0);
  /* 09:00 to 23:00 on the 19th: 15 bars kept, the 3 before --from among them. */
  g_assert_nonnull (strstr (err, "(1280x720, 15 bars"));
  g_free (err);
  g_unlink (png);
  g_unlink (csv);
  g_rmdir (dir);
}

static void
test_cli_chart_window (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ql-chart-XXXXXX", &error);
  g_autofree char *png = g_build_filename (dir, "chart.png", NULL);
  g_autofree char *csv = write_eurusd (dir, 48);
  char *err = NULL;

  g_test_summary ("quantlab-cli chart reads --from/--to in --tz, takes ISO times without "
                  "seconds, and fails with exit 1 on a window without bars");
  {
    /* The file's times and --to are both New York time: 09:00 to 15:00 on
     * the 19th lie before 16:00, 7 bars. Read as UTC, 16:00Z would be
     * 12:00 in New York (EDT, UTC-4), 3 bars. */
    const char *args[] = { "chart", "--data", csv, "--tz", "America/New_York", "--to",
                           "2017-04-19T16:00", "--output", png, NULL };
    g_assert_cmpint (run_cli (args, &err), ==, 0);
    g_assert_nonnull (strstr (err, "(1280x720, 7 bars"));
    g_clear_pointer (&err, g_free);
  }
  {
    /* The data end on the 21st at 08:00. */
    const char *args[] = { "chart", "--data", csv, "--from", "2017-04-25", "--output", png, NULL };
    g_assert_cmpint (run_cli (args, &err), ==, 1);
    g_assert_nonnull (strstr (err, "eurusd.csv: no bars between 2017-04-25 and the end of the data"));
    g_clear_pointer (&err, g_free);
  }
  {
    /* A window inside the data's span that no bar falls in. */
    const char *args[] = { "chart", "--data", csv, "--from", "2017-04-19T10:15", "--to",
                           "2017-04-19T10:45", "--output", png, NULL };
    g_assert_cmpint (run_cli (args, &err), ==, 1);
    g_assert_nonnull (strstr (err, "no bars between 2017-04-19T10:15 and 2017-04-19T10:45"));
    g_clear_pointer (&err, g_free);
  }
  g_unlink (png);
  g_unlink (csv);
  g_rmdir (dir);
}

static void
test_cli_chart_panes (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ql-chart-XXXXXX", &error);
  g_autofree char *png = g_build_filename (dir, "chart.png", NULL);
  g_autofree char *csv = write_eurusd (dir, 48);
  char *err = NULL;

  g_test_summary ("quantlab-cli chart --ind SPEC@PANE puts an indicator over price, in a new "
                  "pane or in an existing one; a directory for --data is one clean error");
  {
    /* Price 0, volume 1; rsi@new makes 2; sma@price and cci@2 add none. */
    const char *args[] = { "chart", "--data", csv, "--ind", "rsi(14)@new", "--ind", "sma(5)@price",
                           "--ind", "cci(20)@2", "--output", png, NULL };
    g_assert_cmpint (run_cli (args, &err), ==, 0);
    g_assert_nonnull (strstr (err, "48 bars, 3 panes"));
    g_clear_pointer (&err, g_free);
  }
  {
    /* Without suffixes sma goes over price and cci into a pane of its own. */
    const char *args[] = { "chart", "--data", csv, "--ind", "rsi(14)", "--ind", "sma(5)",
                           "--ind", "cci(20)", "--output", png, NULL };
    g_assert_cmpint (run_cli (args, &err), ==, 0);
    g_assert_nonnull (strstr (err, "48 bars, 4 panes"));
    g_clear_pointer (&err, g_free);
  }
  {
    /* An existing one, the volume pane, by index. */
    const char *args[] = { "chart", "--data", csv, "--ind", "sma(5)@1", "--output", png, NULL };
    g_assert_cmpint (run_cli (args, &err), ==, 0);
    g_assert_nonnull (strstr (err, "48 bars, 2 panes"));
    g_clear_pointer (&err, g_free);
  }
  {
    const char *args[] = { "chart", "--data", csv, "--ind", "rsi(14)@top", "--output", png, NULL };
    g_assert_cmpint (run_cli (args, &err), ==, 2);
    g_assert_nonnull (strstr (err, "after @ write price, new or a pane's index"));
    g_clear_pointer (&err, g_free);
  }
  {
    const char *args[] = { "chart", "--data", csv, "--ind", "rsi(14)@9", "--output", png, NULL };
    g_assert_cmpint (run_cli (args, &err), ==, 2);
    g_assert_nonnull (strstr (err, "no pane 9"));
    g_clear_pointer (&err, g_free);
  }
  {
    const char *args[] = { "chart", "--data", dir, "--output", png, NULL };
    g_assert_cmpint (run_cli (args, &err), ==, 1);
    g_assert_nonnull (strstr (err, "is a directory"));
    g_assert_null (strstr (err, "mmap"));
    /* One line. */
    g_assert_cmpint (strchr (err, '\n') - err, ==, (int) strlen (err) - 1);
    g_clear_pointer (&err, g_free);
  }
  g_unlink (png);
  g_unlink (csv);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (const QlTestScene *s = ql_test_scenes; s->name != NULL; s++)
    {
      g_autofree char *path = g_strdup_printf ("/render/cairo/reference/%s", s->name);
      g_test_add_data_func (path, s, run_scene);
    }
  g_test_add_func ("/render/cairo/pixels/from-layout", test_pixels_from_layout);
  g_test_add_func ("/render/cairo/export/file", test_export_file);
  g_test_add_func ("/render/image-compare/count", test_image_compare);
  g_test_add_func ("/render/cairo/cli/chart", test_cli_chart);
  g_test_add_func ("/render/cairo/cli/chart-file-decimals", test_cli_chart_decimals);
  g_test_add_func ("/render/cairo/cli/chart-to-ends-data", test_cli_chart_to);
  g_test_add_func ("/render/cairo/cli/chart-window", test_cli_chart_window);
  g_test_add_func ("/render/cairo/cli/chart-panes", test_cli_chart_panes);
  return g_test_run ();
}
