/* tests/render/test-gl.c — the OpenGL backend, offscreen (EGL surfaceless on
 * Mesa llvmpipe): exact coverage of boxes and lines worked out by hand,
 * shader error logs, the label atlas and incremental uploads, and whole
 * chart scenes rendered by both backends, GL compared with cairo pixel by
 * pixel and with the reference PNGs of tests/render/ref when the cairo
 * tests have made them. Without an EGL display every test skips. */
#include "render/cairo_backend.h"
#include "render/gl_backend.h"
#include "render/gl_offscreen.h"
#include "render/image_compare.h"
#include "render/scene.h"
#include "tests/render/scenes.h"

#include <epoxy/gl.h>
#include <math.h>
#include <string.h>

static QlGlOffscreen *offscreen;
static QlGlBackend *backend;

/* Skips the test when no GL context could be made; else sizes the target. */
static gboolean
gl_ready (int width, int height)
{
  g_autoptr (GError) error = NULL;

  if (offscreen == NULL)
    {
      g_test_skip ("no EGL surfaceless context on this machine");
      return FALSE;
    }
  g_assert_true (ql_gl_offscreen_resize (offscreen, width, height, &error));
  g_assert_no_error (error);
  return TRUE;
}

static cairo_surface_t *
draw_gl (const QlSceneFrame *frame)
{
  g_assert_true (ql_gl_offscreen_resize (offscreen, frame->width, frame->height, NULL));
  ql_gl_backend_draw (backend, frame);
  g_assert_cmpuint (glGetError (), ==, GL_NO_ERROR);
  return ql_gl_offscreen_read (offscreen);
}

static cairo_surface_t *
draw_cairo (const QlSceneFrame *frame)
{
  cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, frame->width, frame->height);
  cairo_t *cr = cairo_create (s);

  ql_cairo_draw_frame (cr, frame);
  cairo_destroy (cr);
  cairo_surface_flush (s);
  return s;
}

static guint32
pixel (cairo_surface_t *s, int x, int y)
{
  const guint8 *d = cairo_image_surface_get_data (s);
  return *(const guint32 *) (d + (gsize) y * cairo_image_surface_get_stride (s) + x * 4);
}

static int
channel (guint32 p, int shift)
{
  return (int) ((p >> shift) & 0xff);
}

/* A frame of one op over white, the rest empty. */
static QlSceneFrame
one_op_frame (int w, int h, const QlSceneOp *op)
{
  QlSceneFrame f = { 0 };

  f.width = w;
  f.height = h;
  f.background = (QlColor) { 1, 1, 1, 1 };
  f.theme = ql_theme_get (QL_THEME_LIGHT);
  f.ops = op;
  f.n_ops = 1;
  return f;
}

static void
test_offscreen_readback (void)
{
  g_autoptr (GError) error = NULL;
  cairo_surface_t *s;

  g_test_summary ("The offscreen context is GL 3.3+ or GLES 3.0+ and reads back top-down ARGB");
  if (!gl_ready (8, 6))
    return;
  g_assert_nonnull (ql_gl_offscreen_get_renderer (offscreen));
  g_assert_cmpint (epoxy_gl_version (), >=, ql_gl_offscreen_is_gles (offscreen) ? 30 : 33);
  /* Red everywhere, then blue in the top two rows: GL's rows go bottom-up,
   * so the scissor box for the top rows starts at y = 6 - 2. */
  glClearColor (1, 0, 0, 1);
  glClear (GL_COLOR_BUFFER_BIT);
  glEnable (GL_SCISSOR_TEST);
  glScissor (0, 4, 8, 2);
  glClearColor (0, 0, 1, 1);
  glClear (GL_COLOR_BUFFER_BIT);
  glDisable (GL_SCISSOR_TEST);
  s = ql_gl_offscreen_read (offscreen);
  g_assert_cmphex (pixel (s, 0, 0), ==, 0xff0000ff);
  g_assert_cmphex (pixel (s, 7, 1), ==, 0xff0000ff);
  g_assert_cmphex (pixel (s, 0, 2), ==, 0xffff0000);
  g_assert_cmphex (pixel (s, 7, 5), ==, 0xffff0000);
  cairo_surface_destroy (s);
}

static void
test_shader_error_log (void)
{
  g_autoptr (GError) error = NULL;
  /* Line 3 of the fragment shader names an undeclared variable. */
  const char *vs = "in vec2 a_pos;\nvoid main () { gl_Position = vec4 (a_pos, 0.0, 1.0); }\n";
  const char *fs = "out vec4 o_color;\n"
                   "void main () {\n"
                   "  o_color = vec4 (undeclared_thing);\n"
                   "}\n";
  unsigned int prog;

  g_test_summary ("A shader error names the shader file, the line in its source and the problem");
  if (!gl_ready (4, 4))
    return;
  prog = ql_gl_backend_compile_program ("broken", vs, fs, &error);
  g_assert_cmpuint (prog, ==, 0);
  g_assert_error (error, QL_GL_BACKEND_ERROR, QL_GL_BACKEND_ERROR_SHADER);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, "broken.frag:3:"));
  g_assert_nonnull (strstr (error->message, "undeclared_thing"));
  g_clear_error (&error);

  prog = ql_gl_backend_compile_program ("fine", vs, "out vec4 o_color;\nvoid main () { o_color = vec4 (1.0); }\n",
                                        &error);
  g_assert_no_error (error);
  g_assert_cmpuint (prog, !=, 0);
  glDeleteProgram (prog);
}

static void
test_box_coverage (void)
{
  /* Black boxes over white. Box A spans x 10.5 .. 12.5, y 4 .. 7: pixel
   * columns 10 and 12 are half covered (255 - 0.5 * 255 = 127.5, so 127 or
   * 128), column 11 fully (0); rows 4..6 are covered, 3 and 7 not. Box B,
   * x 20 .. 21.25, y 2 .. 2.5: column 20, row 2 gets 1 x 0.5 coverage,
   * column 21 gets 0.25 x 0.5 = 0.125, i.e. 255 - 31.9 = 223. */
  const QlSceneBox boxes[] = {
    { { 10.5f, 4.0f, 2.0f, 3.0f }, { 0, 0, 0, 1 } },
    { { 20.0f, 2.0f, 1.25f, 0.5f }, { 0, 0, 0, 1 } },
  };
  QlSceneOp op = { .kind = QL_OP_BOXES, .clip = { 0, 0, 32, 12 }, .first = 0, .count = 2 };
  QlSceneFrame f = one_op_frame (32, 12, &op);
  cairo_surface_t *s;

  g_test_summary ("Boxes cover each pixel by the area they overlap, as cairo antialiases");
  if (!gl_ready (32, 12))
    return;
  f.boxes = boxes;
  f.n_boxes = 2;
  s = draw_gl (&f);
  for (int y = 4; y <= 6; y++)
    {
      g_assert_cmpint (abs (channel (pixel (s, 10, y), 0) - 128), <=, 1);
      g_assert_cmpint (channel (pixel (s, 11, y), 0), ==, 0);
      g_assert_cmpint (abs (channel (pixel (s, 12, y), 0) - 128), <=, 1);
      g_assert_cmpint (channel (pixel (s, 9, y), 0), ==, 255);
      g_assert_cmpint (channel (pixel (s, 13, y), 0), ==, 255);
    }
  g_assert_cmpint (channel (pixel (s, 11, 3), 0), ==, 255);
  g_assert_cmpint (channel (pixel (s, 11, 7), 0), ==, 255);
  g_assert_cmpint (abs (channel (pixel (s, 20, 2), 0) - 128), <=, 1);
  g_assert_cmpint (abs (channel (pixel (s, 21, 2), 0) - 223), <=, 1);
  g_assert_cmpint (channel (pixel (s, 20, 3), 0), ==, 255);
  cairo_surface_destroy (s);
}

static void
test_polyline_width_and_ends (void)
{
  /* A 2 px black line along y = 10 from x = 5 to x = 25 through a joint at
   * x = 15, then a gap (NaN), then on. Rows 9 and 10 (9..11) are covered
   * fully, rows 8 and 11 not at all; the ends are butt: column 4 and
   * column 25 stay white. The joint is not darker or lighter than the rest
   * (each pixel blended once). */
  const QlPoint pts[] = {
    { 5, 10 }, { 15, 10 }, { 25, 10 }, { 27, NAN }, { 30, 10 }, { 40, 10 },
  };
  QlSceneOp op = { .kind = QL_OP_POLYLINE, .clip = { 0, 0, 48, 20 }, .first = 0, .count = 6,
                   .color = { 0, 0, 0, 1 }, .width = 2.0f };
  QlSceneFrame f = one_op_frame (48, 20, &op);
  cairo_surface_t *s;

  g_test_summary ("A polyline is as wide as asked, butt at its ends and gaps, even at joints");
  if (!gl_ready (48, 20))
    return;
  f.points = pts;
  f.n_points = G_N_ELEMENTS (pts);
  s = draw_gl (&f);
  for (int x = 5; x < 25; x++)
    {
      g_assert_cmpint (channel (pixel (s, x, 9), 8), ==, 0);
      g_assert_cmpint (channel (pixel (s, x, 10), 8), ==, 0);
      g_assert_cmpint (channel (pixel (s, x, 8), 8), ==, 255);
      g_assert_cmpint (channel (pixel (s, x, 11), 8), ==, 255);
    }
  g_assert_cmpint (channel (pixel (s, 4, 10), 8), ==, 255);
  g_assert_cmpint (channel (pixel (s, 25, 10), 8), ==, 255);
  /* The gap: nothing between x = 25 and x = 30. */
  for (int x = 25; x < 30; x++)
    g_assert_cmpint (channel (pixel (s, x, 10), 8), ==, 255);
  g_assert_cmpint (channel (pixel (s, 30, 10), 8), ==, 0);
  cairo_surface_destroy (s);
}

static void
test_dashed_segment (void)
{
  /* A 1 px segment along row 5 (y = 5.5) from x = 0 to 20, dash 4: on
   * 0..4, off 4..8, on 8..12, off 12..16, on 16..20, as cairo dashes. */
  const QlSceneSegment seg = { 0, 5.5f, 20, 5.5f, { 0, 0, 0, 1 }, 1.0f, 4.0f };
  QlSceneOp op = { .kind = QL_OP_SEGMENTS, .clip = { 0, 0, 24, 10 }, .first = 0, .count = 1 };
  QlSceneFrame f = one_op_frame (24, 10, &op);
  cairo_surface_t *s;

  g_test_summary ("Dashed segments alternate dash and gap of the dash length from their start");
  if (!gl_ready (24, 10))
    return;
  f.segments = &seg;
  f.n_segments = 1;
  s = draw_gl (&f);
  for (int x = 0; x < 20; x++)
    {
      gboolean on = (x / 4) % 2 == 0;
      g_assert_cmpint (channel (pixel (s, x, 5), 16), ==, on ? 0 : 255);
    }
  g_assert_cmpint (channel (pixel (s, 5, 4), 16), ==, 255);
  cairo_surface_destroy (s);
}

/* Candles on whole pixels: GL and cairo must agree exactly. */
static void
test_candles_exact (void)
{
  QlSceneCandle candles[12];
  QlSceneOp ops[] = {
    { .kind = QL_OP_CANDLES, .clip = { 0, 0, 120, 60 }, .first = 0, .count = 4,
      .color = { 0.03f, 0.6f, 0.5f, 1 }, .color2 = { 0.95f, 0.2f, 0.27f, 1 } },
    { .kind = QL_OP_CANDLES, .clip = { 0, 0, 120, 60 }, .first = 4, .count = 4, .hollow = TRUE,
      .color = { 0.03f, 0.6f, 0.5f, 1 }, .color2 = { 0.95f, 0.2f, 0.27f, 1 } },
    { .kind = QL_OP_OHLC, .clip = { 0, 0, 120, 60 }, .first = 8, .count = 4,
      .color = { 0.03f, 0.6f, 0.5f, 1 }, .color2 = { 0.95f, 0.2f, 0.27f, 1 } },
  };
  QlSceneFrame f = one_op_frame (120, 60, ops);
  cairo_surface_t *g, *c;
  QlImageDiff diff;

  g_test_summary ("Filled, hollow and OHLC candles come out exactly as cairo draws them");
  if (!gl_ready (120, 60))
    return;
  for (int i = 0; i < 12; i++)
    {
      gboolean up = i % 2 == 0;
      /* Odd widths centred on pixel centres, fractional prices that round. */
      candles[i] = (QlSceneCandle) {
        .x = 5.5f + i * 9, .half_width = (i % 3) + 1.5f,
        .open = up ? 40.3f : 20.6f, .close = up ? 20.2f : 40.7f,
        .high = 8.4f + i, .low = 52.6f - i, .up = up,
      };
    }
  candles[3].open = candles[3].close = 30.0f; /* a doji: one pixel tall */
  f.n_ops = G_N_ELEMENTS (ops);
  f.candles = candles;
  f.n_candles = 12;
  g = draw_gl (&f);
  c = draw_cairo (&f);
  /* Tolerance 1: cairo turns a colour into 8 bits through 16 (0.03 ->
   * 1966 / 256 = 7), GL rounds to nearest (7.65 -> 8). The geometry must be
   * the same to the pixel. */
  g_assert_true (ql_image_compare (g, c, 1, &diff, NULL));
  g_assert_cmpuint (diff.n_different, ==, 0);
  cairo_surface_destroy (g);
  cairo_surface_destroy (c);
}

static void
test_incremental_upload (void)
{
  QlSceneCandle candles[3] = {
    { 10.5f, 2.5f, 20, 10, 30, 25, TRUE },
    { 20.5f, 2.5f, 25, 12, 32, 15, FALSE },
    { 30.5f, 2.5f, 15, 11, 29, 20, TRUE },
  };
  QlSceneOp op = { .kind = QL_OP_CANDLES, .clip = { 0, 0, 40, 40 }, .first = 0, .count = 2,
                   .color = { 0, 0.6f, 0.5f, 1 }, .color2 = { 1, 0.2f, 0.2f, 1 } };
  QlSceneFrame f = one_op_frame (40, 40, &op);
  QlGlFrameStats st;
  cairo_surface_t *s;

  g_test_summary ("A new candle uploads that candle alone; a changed last candle only itself");
  if (!gl_ready (40, 40))
    return;
  f.candles = candles;
  f.n_candles = 2;
  ql_gl_backend_draw (backend, &f);
  ql_gl_backend_draw (backend, &f);
  ql_gl_backend_get_stats (backend, &st);
  g_assert_cmpuint (st.bytes_uploaded, ==, 0); /* nothing changed */

  /* Append: the third candle's 28 bytes (7 four-byte fields). */
  f.n_candles = 3;
  op.count = 3;
  ql_gl_backend_draw (backend, &f);
  ql_gl_backend_get_stats (backend, &st);
  g_assert_cmpuint (sizeof (QlSceneCandle), ==, 28);
  g_assert_cmpuint (st.bytes_uploaded, ==, 28);

  /* The forming candle's close moves: from its close field (offset 24 of
   * 28: x hw open high low close up → close at 20) to the end of the
   * array, 8 bytes. */
  candles[2].close = 18.0f;
  ql_gl_backend_draw (backend, &f);
  ql_gl_backend_get_stats (backend, &st);
  g_assert_cmpuint (st.bytes_uploaded, <=, 8);
  g_assert_cmpuint (st.bytes_uploaded, >, 0);

  s = ql_gl_offscreen_read (offscreen);
  /* The third (rising) candle is drawn: its body centre is up-coloured. */
  g_assert_cmpint (channel (pixel (s, 30, 19), 8), >, 128);
  g_assert_cmpint (channel (pixel (s, 30, 19), 16), <, 32);
  cairo_surface_destroy (s);
}

/* The column passes against the per-element programs, on a frame of every
 * kind of op they take: a histogram of one-pixel and three-pixel columns in
 * a translucent colour, LOD candles (a wick and a body one pixel wide) and
 * wider candles four pixels apart, a zigzag of min/max points (two per
 * column) with a gap in it, in a translucent colour so that pixels two
 * segments shade show it. */
static void
test_column_passes (void)
{
  enum { W = 240, H = 120, N = 200 };
  QlSceneBox boxes[N];
  QlSceneCandle candles[N + 40];
  QlPoint points[2 * N];
  QlSceneOp ops[4] = { { 0 } };
  QlSceneFrame f = one_op_frame (W, H, ops);
  QlGlFrameStats per_element, columns;
  cairo_surface_t *a, *b;
  QlImageDiff diff;
  GRand *rand = g_rand_new_with_seed (7);

  g_test_summary ("Histograms, LOD candles and zigzag lines drawn per four columns give the "
                  "pixels the per-element programs give");
  if (!gl_ready (W, H))
    {
      g_rand_free (rand);
      return;
    }
  for (int i = 0; i < N; i++)
    {
      /* Columns 20..219 one pixel wide, tops at fractional y. */
      float top = (float) g_rand_double_range (rand, 70.0, 118.0);
      boxes[i] = (QlSceneBox) { { 20.0f + i, top, 1.0f, 119.25f - top },
                                { i % 3 ? 0.0f : 0.9f, 0.5f, 0.4f, 0.5f } };
    }
  for (int i = 0; i < N; i++)
    {
      float o = (float) g_rand_double_range (rand, 10.0, 50.0), c = (float) g_rand_double_range (rand, 10.0, 50.0);
      candles[i] = (QlSceneCandle) { 20.5f + i, 0.5f, o, MIN (o, c) - 3.3f, MAX (o, c) + 2.7f, c, c <= o };
    }
  for (int i = 0; i < 40; i++)
    {
      float o = (float) g_rand_double_range (rand, 55.0, 65.0), c = (float) g_rand_double_range (rand, 55.0, 65.0);
      candles[N + i] = (QlSceneCandle) { 40.5f + 4 * i, 1.5f, o, MIN (o, c) - 2.0f, MAX (o, c) + 1.6f, c, c <= o };
    }
  for (int i = 0; i < N; i++)
    {
      float lo = (float) g_rand_double_range (rand, 5.0, 60.0), hi = lo + (float) g_rand_double_range (rand, 0.0, 40.0);
      points[2 * i] = (QlPoint) { 20.5f + i, i % 2 ? lo : hi };
      points[2 * i + 1] = (QlPoint) { 20.5f + i, i % 2 ? hi : lo };
    }
  points[2 * 101].y = NAN; /* a gap */
  points[2 * 101 + 1].y = NAN;
  ops[0] = (QlSceneOp) { .kind = QL_OP_BOXES, .clip = { 0, 0, W, H }, .first = 0, .count = N };
  ops[1] = (QlSceneOp) { .kind = QL_OP_CANDLES, .clip = { 0, 0, W, H }, .first = 0, .count = N,
                         .color = { 0.0f, 0.6f, 0.5f, 1.0f }, .color2 = { 0.95f, 0.2f, 0.27f, 1.0f } };
  ops[2] = (QlSceneOp) { .kind = QL_OP_CANDLES, .clip = { 0, 0, W, H }, .first = N, .count = 40,
                         .color = { 0.0f, 0.6f, 0.5f, 1.0f }, .color2 = { 0.95f, 0.2f, 0.27f, 1.0f } };
  ops[3] = (QlSceneOp) { .kind = QL_OP_POLYLINE, .clip = { 0, 0, W, H }, .first = 0, .count = 2 * N,
                         .width = 1.5f, .color = { 0.6f, 0.15f, 0.7f, 0.8f } };
  f.n_ops = 4;
  f.boxes = boxes;
  f.n_boxes = N;
  f.candles = candles;
  f.n_candles = N + 40;
  f.points = points;
  f.n_points = 2 * N;

  ql_gl_backend_set_column_passes (backend, FALSE);
  a = draw_gl (&f);
  ql_gl_backend_get_stats (backend, &per_element);
  ql_gl_backend_set_column_passes (backend, TRUE);
  b = draw_gl (&f);
  ql_gl_backend_get_stats (backend, &columns);
  g_rand_free (rand);

  /* Per element: 200 boxes, 240 candles, 399 segments. Per four columns
   * the histogram's and the LOD candles' 200 columns are 50 groups each,
   * the line's 205 columns (200 and the width either side) 52; the forty
   * wide candles stay per element (fewer than 64). */
  g_assert_cmpuint (per_element.instances, ==, 200 + 200 + 40 + 399);
  g_assert_cmpuint (columns.instances, <=, 50 + 50 + 40 + 52);
  /* The same pixels; the line's pixels that two segments shade are
   * composed in one blend, not in two each rounded to 8 bits: two steps
   * of rounding at most. */
  g_assert_true (ql_image_compare (b, a, 2, &diff, NULL));
  g_test_message ("column passes: %u of %u pixels beyond 2, max delta %d", diff.n_different,
                  diff.n_pixels, diff.max_delta);
  g_assert_cmpuint (diff.n_different, ==, 0);
  cairo_surface_destroy (a);
  cairo_surface_destroy (b);
}

/* @left, what the backend drew for @f (partially), has the pixels of a
 * full drawing of @f, which it then leaves; frees @left. */
static void
assert_same_as_full (const QlSceneFrame *f, cairo_surface_t *left)
{
  cairo_surface_t *full;
  QlImageDiff diff;

  ql_gl_backend_invalidate (backend);
  full = draw_gl (f);
  g_assert_true (ql_image_compare (left, full, 0, &diff, NULL));
  g_assert_cmpuint (diff.n_different, ==, 0);
  cairo_surface_destroy (left);
  cairo_surface_destroy (full);
}

/* A live chart: the last picture scrolled and the new bar drawn give the
 * pixels of a full drawing; a moved price scale draws everything. */
static void
test_partial_frames (void)
{
  g_autoptr (QlSeries) bars = ql_test_walk (3000, QL_NS_PER_MIN, 100.0, 0.4, FALSE);
  g_autoptr (QlScene) scene = ql_scene_new (bars, NULL, NULL);
  QlGlFrameStats st;
  const QlSceneFrame *f;
  guint partial = 0;

  g_test_summary ("Appending a bar to a followed chart scrolls the last picture and draws what "
                  "changed, and the pixels are a full drawing's");
  if (!gl_ready (640, 360))
    return;
  ql_scene_set_size (scene, 640, 360);
  ql_scene_add_volume (scene, -1);
  g_assert_cmpint (ql_scene_add_indicator (scene, "sma(20)", QL_PANE_AUTO, NULL), ==, 0);
  g_assert_cmpint (ql_scene_add_indicator (scene, "rsi(14)", QL_PANE_AUTO, NULL), >=, 2);
  ql_scene_show_last (scene, 500);
  cairo_surface_destroy (draw_gl (ql_scene_layout (scene)));
  for (int k = 0; k < 12; k++)
    {
      QlBar b;
      cairo_surface_t *left;

      ql_series_get_bar (bars, bars->len - 1, &b);
      b.time += QL_NS_PER_MIN;
      b.open = b.close;
      b.close = b.open + (k % 2 ? 0.05 : -0.05);
      b.high = MAX (b.open, b.close) + 0.01;
      b.low = MIN (b.open, b.close) - 0.01;
      ql_series_append_bar (bars, &b);
      ql_scene_sync (scene);
      ql_scene_follow_bars (scene, 1.0);
      f = ql_scene_layout (scene);
      left = draw_gl (f);
      ql_gl_backend_get_stats (backend, &st);
      partial += st.partial;
      if (st.partial)
        g_assert_cmpuint (st.damaged_pixels, <, 640 * 360 / 2);
      assert_same_as_full (f, left);
    }
  /* Small moves near the middle of a 500-bar range rarely move the scale. */
  g_assert_cmpuint (partial, >=, 6);

  /* A manual price scale change: the price pane is drawn again whole, the
   * volume and RSI panes are kept, and the pixels are still a full
   * drawing's. */
  ql_scene_pane_scale_by (scene, 0, 1.5);
  f = ql_scene_layout (scene);
  {
    cairo_surface_t *left;
    const QlRect *price = &f->panes[0].rect;

    left = draw_gl (f);
    ql_gl_backend_get_stats (backend, &st);
    g_assert_true (st.partial);
    g_assert_cmpuint (st.damaged_pixels, >=, (guint) (price->w * price->h));
    g_assert_cmpuint (st.damaged_pixels, <, 640 * 360);
    assert_same_as_full (f, left);
  }

  /* A new size: a full frame. */
  ql_scene_set_size (scene, 600, 360);
  cairo_surface_destroy (draw_gl (ql_scene_layout (scene)));
  ql_gl_backend_get_stats (backend, &st);
  g_assert_false (st.partial);
}

/* Panning by whole pixels, at one bar over several pixels and at many
 * bars per pixel column (level of detail): each frame scrolls the last
 * picture, and its pixels are a full drawing's. */
static void
test_partial_pan (gconstpointer data)
{
  double bpp = *(const double *) data;
  g_autoptr (QlSeries) bars = ql_test_walk (200000, QL_NS_PER_MIN, 100.0, 0.4, FALSE);
  g_autoptr (QlScene) scene = ql_scene_new (bars, NULL, NULL);
  QlGlFrameStats st;
  guint partial = 0;

  g_test_summary ("A pan by whole pixels scrolls the last picture and gives a full drawing's "
                  "pixels, with and without level of detail, markers and drawings included");
  if (!gl_ready (640, 360))
    return;
  ql_scene_set_size (scene, 640, 360);
  ql_scene_add_volume (scene, -1);
  g_assert_cmpint (ql_scene_add_indicator (scene, "bbands(20,2)", QL_PANE_AUTO, NULL), ==, 0);
  g_assert_cmpint (ql_scene_add_indicator (scene, "rsi(14)", QL_PANE_AUTO, NULL), >=, 2);
  /* Trades' markers with their texts every 37 bars around the view, and a
   * Fibonacci retracement with its level labels. */
  {
    const gint64 *t = ql_series_i64 (bars, QL_BAR_TIME);
    for (gsize i = 99000; i < 104000; i += 37)
      ql_scene_add_marker (scene, t[i], NAN, i % 2 ? QL_MARKER_ARROW_UP : QL_MARKER_ARROW_DOWN, NULL,
                           i % 2 ? "B" : "S");
    ql_scene_add_drawing (scene, QL_DRAWING_FIBONACCI, t[100100], 90.0, t[100300], 110.0, NULL);
  }
  ql_scene_set_viewport (scene, 100000.0, bpp);
  cairo_surface_destroy (draw_gl (ql_scene_layout (scene)));
  for (int k = 0; k < 16; k++)
    {
      const QlSceneFrame *f;
      cairo_surface_t *left;

      ql_scene_scroll (scene, k % 4 == 3 ? 5.0 : -3.0);
      f = ql_scene_layout (scene);
      left = draw_gl (f);
      ql_gl_backend_get_stats (backend, &st);
      partial += st.partial;
      assert_same_as_full (f, left);
    }
  /* The autoscale moves now and then; that pane is drawn again whole,
   * which is still a partial frame unless it is most of the picture. */
  g_assert_cmpuint (partial, >=, 10);
}

static void
test_label_atlas (void)
{
  QlSceneLabel labels[2] = {
    { .text = (char *) "101.25", .color = { 0, 0, 0, 1 }, .size = 11,
      .has_background = TRUE, .background = { 1, 0.9f, 0.5f, 1 }, .box = { 4, 4, 50, 20 },
      .text_x = 7, .text_y = 7 },
    { .text = (char *) "BTCUSDT", .color = { 0, 0, 0, 1 }, .size = 11, .box = { 60, 4, 60, 20 },
      .text_x = 63, .text_y = 7 },
  };
  QlSceneOp op = { .kind = QL_OP_LABELS, .clip = { 0, 0, 128, 32 }, .first = 0, .count = 2 };
  QlSceneFrame f = one_op_frame (128, 32, &op);
  QlGlFrameStats st;
  cairo_surface_t *g, *c;
  QlImageDiff diff;

  g_test_summary ("Labels are rasterised once, then drawn from the atlas, as cairo draws them");
  if (!gl_ready (128, 32))
    return;
  f.labels = labels;
  f.n_labels = 2;
  labels[0].text = (char *) "101.25 (atlas test)";
  g = draw_gl (&f);
  ql_gl_backend_get_stats (backend, &st);
  g_assert_cmpuint (st.labels_rasterised, ==, 2);
  cairo_surface_destroy (g);
  g = draw_gl (&f);
  ql_gl_backend_get_stats (backend, &st);
  g_assert_cmpuint (st.labels_rasterised, ==, 0);
  c = draw_cairo (&f);
  /* Same glyphs at the same whole-pixel origin: at most rounding of the
   * tint (one step in 255) apart. */
  g_assert_true (ql_image_compare (g, c, 2, &diff, NULL));
  g_assert_cmpuint (diff.n_different, ==, 0);
  cairo_surface_destroy (g);
  cairo_surface_destroy (c);
}

/* ---- whole scenes ---------------------------------------------------------- */

/* The reference scenes: test-cairo.c's, built the same way (keep the two in
 * step), rendered here with GL and compared with the same ref/NAME.png, and
 * with the cairo backend's rendering of the very same frame. GL does not
 * antialias the slanted edges of fills and arrow heads and blends line
 * joints a little differently, so it gets twice cairo's channel tolerance
 * and a slightly larger share of pixels beyond it. */
#define TOLERANCE 32
#define MAX_FRACTION 0.003

static void
check (QlScene *scene, const char *name)
{
  const char *ref_dir = g_getenv ("QL_TEST_REF_DIR");
  const char *out_dir = g_getenv ("QL_TEST_OUT_DIR");
  g_autofree char *file = g_strdup_printf ("%s.png", name);
  g_autofree char *gl_name = g_strdup_printf ("gl-%s", name);
  g_autofree char *ref = NULL;
  const QlSceneFrame *f;
  cairo_surface_t *g, *c;
  QlImageDiff diff;

  if (!gl_ready (64, 64))
    return;
  if (ref_dir == NULL)
    ref = g_test_build_filename (G_TEST_DIST, "ref", file, NULL);
  else
    ref = g_build_filename (ref_dir, file, NULL);
  f = ql_scene_layout (scene);
  g = draw_gl (f);
  c = draw_cairo (f);
  g_assert_true (ql_image_compare (g, c, TOLERANCE, &diff, NULL));
  g_test_message ("%s: GL and cairo: %u of %u pixels differ by more than %d, max %d", name,
                  diff.n_different, diff.n_pixels, TOLERANCE, diff.max_delta);
  if (diff.n_different > diff.n_pixels * MAX_FRACTION)
    {
      g_autofree char *gp = g_strdup_printf ("%s/%s-gl.png", out_dir != NULL ? out_dir : ".", name);
      cairo_surface_write_to_png (g, gp);
      g_test_message ("wrote %s", gp);
    }
  g_assert_cmpuint (diff.n_different, <=, diff.n_pixels * MAX_FRACTION);
  /* The reference: an image written by the cairo tests. The GL image never
   * replaces it (QL_UPDATE_REFS is for the reference rasteriser). */
  if (g_getenv ("QL_UPDATE_REFS") != NULL || !g_file_test (ref, G_FILE_TEST_EXISTS))
    g_test_message ("%s: not compared (no reference, or references being rewritten)", ref);
  else
    {
      cairo_surface_t *expected = cairo_image_surface_create_from_png (ref);
      cairo_surface_t *diff_img = NULL;

      g_assert_cmpint (cairo_surface_status (expected), ==, CAIRO_STATUS_SUCCESS);
      g_assert_true (ql_image_compare (g, expected, TOLERANCE, &diff, &diff_img));
      g_test_message ("%s: GL and %s: %u pixels differ by more than %d, max %d", name, ref,
                      diff.n_different, TOLERANCE, diff.max_delta);
      if (diff.n_different > diff.n_pixels * MAX_FRACTION)
        {
          /* Named gl-NAME-*, so they never overwrite the cairo test's. */
          const char *dir = out_dir != NULL ? out_dir : ".";
          g_autofree char *ap = g_strdup_printf ("%s/%s-actual.png", dir, gl_name);
          g_autofree char *dp = g_strdup_printf ("%s/%s-diff.png", dir, gl_name);
          cairo_surface_write_to_png (g, ap);
          cairo_surface_write_to_png (diff_img, dp);
          g_test_message ("wrote %s and %s", ap, dp);
        }
      cairo_surface_destroy (diff_img);
      cairo_surface_destroy (expected);
      g_assert_cmpuint (diff.n_different, <=, diff.n_pixels * MAX_FRACTION);
    }
  if (f->n_candles > (guint) f->width / 2)
    g_assert_cmpuint (ql_gl_backend_get_gpu_bytes (backend), <=, 64u << 20);
  cairo_surface_destroy (g);
  cairo_surface_destroy (c);
}

static void
run_scene (gconstpointer data)
{
  const QlTestScene *s = data;
  s->run (check);
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);

  /* QL_TEST_GL_API=gles runs every test on an OpenGL ES 3.0 context (the
   * suite runs both: tests/render/meson.build). */
  {
    const char *api = g_getenv ("QL_TEST_GL_API");
    gboolean gles = g_strcmp0 (api, "gles") == 0;

    offscreen = ql_gl_offscreen_new_for_api (64, 64, gles ? QL_GL_API_GLES : QL_GL_API_DESKTOP, &error);
    if (offscreen == NULL)
      g_test_message ("no GL: %s", error->message);
    else
      {
        g_test_message ("%s: %s", ql_gl_offscreen_get_version (offscreen),
                        ql_gl_offscreen_get_renderer (offscreen));
        g_assert_cmpint (ql_gl_offscreen_is_gles (offscreen), ==, gles);
        backend = ql_gl_backend_new (&error);
        g_assert_no_error (error);
      }
  }

  g_test_add_func ("/render/gl/offscreen/reads-back-top-down", test_offscreen_readback);
  g_test_add_func ("/render/gl/program/error-names-file-line-column", test_shader_error_log);
  g_test_add_func ("/render/gl/boxes/area-coverage", test_box_coverage);
  g_test_add_func ("/render/gl/polyline/width-ends-and-gaps", test_polyline_width_and_ends);
  g_test_add_func ("/render/gl/segments/dashes", test_dashed_segment);
  g_test_add_func ("/render/gl/candles/exactly-as-cairo", test_candles_exact);
  g_test_add_func ("/render/gl/upload/only-what-changed", test_incremental_upload);
  g_test_add_func ("/render/gl/labels/atlas-rasterises-once", test_label_atlas);
  g_test_add_func ("/render/gl/columns/same-pixels-as-per-element", test_column_passes);
  g_test_add_func ("/render/gl/partial/scroll-and-draw-what-changed", test_partial_frames);
  {
    static const double one_bar_2px = 0.5, lod_16 = 16.0;
    g_test_add_data_func ("/render/gl/partial/pan-bars", &one_bar_2px, test_partial_pan);
    g_test_add_data_func ("/render/gl/partial/pan-lod", &lod_16, test_partial_pan);
  }
  for (const QlTestScene *s = ql_test_scenes; s->name != NULL; s++)
    {
      g_autofree char *path = g_strdup_printf ("/render/gl/reference/%s", s->name);
      g_test_add_data_func (path, s, run_scene);
    }

  status = g_test_run ();
  if (offscreen != NULL)
    {
      ql_gl_offscreen_make_current (offscreen);
      ql_gl_backend_free (backend);
      ql_gl_offscreen_free (offscreen);
    }
  return status;
}
