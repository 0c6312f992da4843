/* tests/bench/bench-chart.c — the OpenGL chart at 1920x1080 over 1,000,000
 * one-minute bars with volume, SMA(50), Bollinger Bands (20, 2) and an
 * RSI(14) pane, drawn offscreen (EGL surfaceless; Mesa llvmpipe here).
 *
 * Figures (issue #6, section 4):
 *   chart_scene_update_{p50,max}   ql_scene_layout () after a viewport change,
 *                                  over zoom levels from 1/8 to 555 bars per
 *                                  pixel (CPU, level of detail included)
 *   chart_reference_scan           what the widest zoom would cost without
 *                                  LOD: one pass over the visible bars'
 *                                  highs and lows (same process)
 *   chart_pan_frame_{p50,p99}      600 frames of panning, each a scroll, a
 *                                  layout, a GL draw and glFinish, at three
 *                                  zoom levels (200 frames each)
 *   chart_append_redraw_{p50,max}  append a bar, sync, follow it (the view moves
 *                                  by whole pixels, as QlChartView does), layout,
 *                                  draw, finish
 *   chart_append_partial           how many of those the backend drew by
 *                                  scrolling its last picture (the others
 *                                  were full: the price or volume scale moved)
 *   chart_forming_redraw_p50       change the last bar in place, the same
 *   chart_append_upload            bytes sent to the GPU for one appended bar
 *   chart_gpu_memory               buffers and the label atlas
 * Checks (a fast wrong result fails the run): every layout has candles and
 * finite geometry; after panning, the GL frame matches the cairo backend's
 * rendering of the same frame (at most 0.5 % of pixels differ by more than
 * 32/255); every 10th append and forming change, and the last frame of each
 * pan, the picture a partial frame left is the one a full drawing gives,
 * pixel for pixel; an appended bar moves the last candle's index; the
 * upload of an append is far smaller than the series. */
#include "render/cairo_backend.h"
#include "render/gl_backend.h"
#include "render/gl_offscreen.h"
#include "render/scene.h"

#include <epoxy/gl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define N_BARS 1000000
#define WIDTH 1920
#define HEIGHT 1080
#define PAN_FRAMES 600

static int failures;

static gint64
now_ns (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (gint64) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void
check (gboolean ok, const char *what)
{
  if (!ok)
    {
      fprintf (stderr, "bench-chart: wrong answer: %s\n", what);
      failures++;
    }
}

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

/* The q-quantile (0..1) of @n samples, sorted in place: nearest rank. */
static double
quantile (double *v, int n, double q)
{
  int k;

  qsort (v, n, sizeof *v, cmp_double);
  k = (int) ceil (q * n) - 1;
  return v[CLAMP (k, 0, n - 1)];
}

static void
gen_bar (GRand *rand, double *price, gint64 index, QlBar *bar)
{
  double drift = g_rand_double_range (rand, -0.25, 0.25);

  bar->time = G_GINT64_CONSTANT (1704153600) * QL_NS_PER_SEC + index * QL_NS_PER_MIN;
  bar->open = *price;
  bar->close = MAX (1.0, *price + drift);
  bar->high = MAX (bar->open, bar->close) + g_rand_double_range (rand, 0.0, 0.2);
  bar->low = MAX (0.5, MIN (bar->open, bar->close) - g_rand_double_range (rand, 0.0, 0.2));
  bar->volume = floor (g_rand_double_range (rand, 100.0, 1000.0));
  bar->trades = 0;
  *price = bar->close;
}

static void
check_frame (const QlSceneFrame *f, const char *what)
{
  gboolean finite = TRUE;

  check (f->n_candles > 0, what);
  check (f->n_candles <= WIDTH, "a frame never holds more candles than pixel columns");
  for (guint i = 0; i < f->n_candles; i++)
    finite &= isfinite (f->candles[i].x) && isfinite (f->candles[i].high) && isfinite (f->candles[i].low);
  check (finite, "candle geometry is finite");
}

/* Pixels that differ at all. */
static long
count_different (cairo_surface_t *a, cairo_surface_t *b)
{
  const guint8 *pa = cairo_image_surface_get_data (a), *pb = cairo_image_surface_get_data (b);
  int stride = cairo_image_surface_get_stride (a);
  long n = 0;

  for (int y = 0; y < HEIGHT; y++)
    if (memcmp (pa + y * stride, pb + y * stride, WIDTH * 4) != 0)
      for (int x = 0; x < WIDTH * 4; x += 4)
        n += memcmp (pa + y * stride + x, pb + y * stride + x, 4) != 0;
  return n;
}

/* What the backend left in the framebuffer for @f against what a full
 * drawing of @f gives (and leaves: the next frame starts from it). */
static void
check_same_as_full (QlGlOffscreen *off, QlGlBackend *gl, const QlSceneFrame *f, const char *what)
{
  cairo_surface_t *left = ql_gl_offscreen_read (off), *full;
  long n;

  ql_gl_backend_invalidate (gl);
  ql_gl_backend_draw (gl, f);
  full = ql_gl_offscreen_read (off);
  n = count_different (left, full);
  if (n != 0)
    fprintf (stderr, "bench-chart: %s: %ld pixels differ from a full drawing\n", what, n);
  check (n == 0, what);
  cairo_surface_destroy (left);
  cairo_surface_destroy (full);
}

static double
draw_ms (QlGlBackend *gl, const QlSceneFrame *f)
{
  gint64 t0 = now_ns ();
  ql_gl_backend_draw (gl, f);
  glFinish ();
  return (now_ns () - t0) / 1e6;
}

/* Fraction of pixels whose channels differ by more than 32/255. */
static double
differing_fraction (cairo_surface_t *a, cairo_surface_t *b)
{
  const guint8 *pa = cairo_image_surface_get_data (a), *pb = cairo_image_surface_get_data (b);
  int stride = cairo_image_surface_get_stride (a);
  long over = 0;

  for (int y = 0; y < HEIGHT; y++)
    for (int x = 0; x < WIDTH; x++)
      {
        int m = 0;
        for (int k = 0; k < 4; k++)
          m = MAX (m, abs (pa[y * stride + x * 4 + k] - pb[y * stride + x * 4 + k]));
        over += m > 32;
      }
  return (double) over / ((double) WIDTH * HEIGHT);
}

int
main (void)
{
  static const double zooms[] = { 0.125, 0.5, 1.0, 4.0, 32.0, 512.0, N_BARS / 1800.0 };
  static const double pan_zooms[] = { 0.125, 1.0, 64.0 };
  g_autoptr (GError) error = NULL;
  g_autoptr (QlGlOffscreen) off = NULL;
  g_autoptr (QlGlBackend) gl = NULL;
  g_autoptr (QlSeries) bars = ql_series_new_bars ();
  g_autoptr (GRand) rand = g_rand_new_with_seed (42);
  g_autoptr (QlScene) scene = NULL;
  const QlSceneFrame *f;
  double price = 100.0;
  double layout_ms[G_N_ELEMENTS (zooms) * 20], pan[PAN_FRAMES], append[200], forming[200];
  int n_layout = 0;
  gsize max_append_upload = 0;
  int n_partial = 0, n_pan_partial = 0;
  QlGlFrameStats stats;
  gint64 t0;

  off = ql_gl_offscreen_new (WIDTH, HEIGHT, &error);
  if (off == NULL)
    {
      fprintf (stderr, "bench-chart: %s\n", error->message);
      return 1;
    }
  gl = ql_gl_backend_new (&error);
  if (gl == NULL)
    {
      fprintf (stderr, "bench-chart: %s\n", error->message);
      return 1;
    }
  printf ("chart_renderer: %s\n", ql_gl_offscreen_get_renderer (off));

  ql_series_reserve (bars, N_BARS + 256);
  for (gint64 i = 0; i < N_BARS; i++)
    {
      QlBar bar;
      gen_bar (rand, &price, i, &bar);
      ql_series_append_bar (bars, &bar);
    }
  t0 = now_ns ();
  scene = ql_scene_new (bars, NULL, NULL);
  ql_scene_set_size (scene, WIDTH, HEIGHT);
  ql_scene_add_volume (scene, -1);
  check (ql_scene_add_indicator (scene, "sma(50)", QL_PANE_AUTO, NULL) == 0, "sma over price");
  check (ql_scene_add_indicator (scene, "bbands(20,2)", QL_PANE_AUTO, NULL) == 0, "bbands over price");
  check (ql_scene_add_indicator (scene, "rsi(14)", QL_PANE_AUTO, NULL) >= 2, "rsi in its own pane");
  f = ql_scene_layout (scene);
  printf ("chart_scene_build: %.1f ms\n", (now_ns () - t0) / 1e6);
  draw_ms (gl, f); /* compiles lazily-linked state, fills the atlas */

  /* Scene update at each zoom, centred on the middle of the data. */
  for (guint z = 0; z < G_N_ELEMENTS (zooms); z++)
    for (int k = 0; k < 20; k++)
      {
        double b = zooms[z];
        ql_scene_set_viewport (scene, N_BARS / 2.0 - WIDTH * b / 2.0 + k * 7 * b, b);
        t0 = now_ns ();
        f = ql_scene_layout (scene);
        layout_ms[n_layout++] = (now_ns () - t0) / 1e6;
        check_frame (f, "every zoom level lays out candles");
      }
  printf ("chart_scene_update_p50: %.3f ms\n", quantile (layout_ms, n_layout, 0.5));
  printf ("chart_scene_update_max: %.3f ms\n", quantile (layout_ms, n_layout, 1.0));
  {
    /* Without LOD the widest zoom would read every visible bar. */
    const double *hi = ql_series_f64 (bars, QL_BAR_HIGH), *lo = ql_series_f64 (bars, QL_BAR_LOW);
    double mx = -INFINITY, mn = INFINITY;
    t0 = now_ns ();
    for (gsize i = 0; i < bars->len; i++)
      {
        mx = MAX (mx, hi[i]);
        mn = MIN (mn, lo[i]);
      }
    printf ("chart_reference_scan: %.3f ms\n", (now_ns () - t0) / 1e6);
    check (mn < mx, "reference scan");
  }

  /* Panning: 200 frames at each of three zooms, 3 px a frame. */
  for (guint z = 0; z < G_N_ELEMENTS (pan_zooms); z++)
    {
      double b = pan_zooms[z];
      ql_scene_set_viewport (scene, N_BARS * (0.3 + 0.2 * z), b);
      for (int k = 0; k < PAN_FRAMES / 3; k++)
        {
          t0 = now_ns ();
          ql_scene_scroll (scene, -3.0);
          f = ql_scene_layout (scene);
          ql_gl_backend_draw (gl, f);
          glFinish ();
          pan[z * (PAN_FRAMES / 3) + k] = (now_ns () - t0) / 1e6;
          ql_gl_backend_get_stats (gl, &stats);
          n_pan_partial += stats.partial;
        }
      check_frame (f, "panning lays out candles");
      check_same_as_full (off, gl, f, "a pan frame is what a full drawing gives");
    }
  {
    g_autoptr (GArray) copy = g_array_new (FALSE, FALSE, sizeof (double));
    g_array_append_vals (copy, pan, PAN_FRAMES);
    printf ("chart_pan_frame_p50: %.2f ms\n", quantile ((double *) copy->data, PAN_FRAMES, 0.5));
    printf ("chart_pan_frame_p99: %.2f ms\n", quantile ((double *) copy->data, PAN_FRAMES, 0.99));
    printf ("chart_pan_partial: %d of %d\n", n_pan_partial, PAN_FRAMES);
  }
  {
    /* The last panned frame, GL against cairo. */
    cairo_surface_t *glimg = ql_gl_offscreen_read (off);
    cairo_surface_t *cimg = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, WIDTH, HEIGHT);
    cairo_t *cr = cairo_create (cimg);
    double diff;

    ql_cairo_draw_frame (cr, f);
    cairo_destroy (cr);
    cairo_surface_flush (cimg);
    diff = differing_fraction (glimg, cimg);
    printf ("chart_gl_vs_cairo_differing: %.4f %%\n", diff * 100.0);
    check (diff <= 0.005, "the GL frame is pixel-close to cairo's");
    cairo_surface_destroy (glimg);
    cairo_surface_destroy (cimg);
  }

  /* Live data: the view follows the end at 1 bar per pixel. */
  ql_scene_show_last (scene, WIDTH * 0.9);
  f = ql_scene_layout (scene);
  ql_gl_backend_draw (gl, f);
  glFinish ();
  for (int k = 0; k < 200; k++)
    {
      QlBar bar;
      double last_x;

      gen_bar (rand, &price, (gint64) bars->len, &bar);
      t0 = now_ns ();
      ql_series_append_bar (bars, &bar);
      ql_scene_sync (scene);
      ql_scene_follow_bars (scene, 1.0);
      f = ql_scene_layout (scene);
      ql_gl_backend_draw (gl, f);
      glFinish ();
      append[k] = (now_ns () - t0) / 1e6;
      ql_gl_backend_get_stats (gl, &stats);
      max_append_upload = MAX (max_append_upload, stats.bytes_uploaded);
      n_partial += stats.partial;
      if (k % 10 == 9)
        check_same_as_full (off, gl, f, "an appended bar's frame is what a full drawing gives");
      last_x = ql_scene_bar_to_x (scene, (double) bars->len - 1);
      check (fabs (f->candles[f->n_candles - 1].x - last_x) < 1.0, "the appended bar is the last candle");

      /* The forming bar moves: in place. */
      bar.close += 0.05;
      bar.high = MAX (bar.high, bar.close);
      t0 = now_ns ();
      ql_series_set_bar (bars, bars->len - 1, &bar);
      ql_scene_sync (scene);
      f = ql_scene_layout (scene);
      ql_gl_backend_draw (gl, f);
      glFinish ();
      forming[k] = (now_ns () - t0) / 1e6;
      if (k % 10 == 9)
        check_same_as_full (off, gl, f, "a forming bar's frame is what a full drawing gives");
    }
  printf ("chart_append_redraw_p50: %.2f ms\n", quantile (append, 200, 0.5));
  printf ("chart_append_redraw_max: %.2f ms\n", quantile (append, 200, 1.0));
  printf ("chart_append_partial: %d of 200\n", n_partial);
  printf ("chart_forming_redraw_p50: %.2f ms\n", quantile (forming, 200, 0.5));
  printf ("chart_append_upload: %" G_GSIZE_FORMAT " bytes\n", max_append_upload);
  /* The series alone is 1,000,000 x 32 bytes of OHLC floats: an append
   * must send a visible window's worth at most, never the series. */
  check (max_append_upload < (gsize) N_BARS * 4, "an append does not re-upload the series");

  printf ("chart_gpu_memory: %.2f MB\n", ql_gl_backend_get_gpu_bytes (gl) / 1048576.0);
  check (ql_gl_backend_get_gpu_bytes (gl) <= 64u * 1048576u, "GPU memory within 64 MB");

  if (failures > 0)
    {
      fprintf (stderr, "bench-chart: %d wrong answers\n", failures);
      return 1;
    }
  return 0;
}
