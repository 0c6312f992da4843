/* tests/render/test-chart-view.c — QlChartView in a real window (under
 * Xvfb): it realizes, draws with GL, and input moves the viewport.
 *
 * Input is fed the way GTK delivers it to the widget: by emitting the
 * signals of the widget's own event controllers (scroll, drag, swipe, key,
 * click, motion) with the coordinates a device would give; Xvfb has no
 * devices to drive. Without a display every test skips. */
#include "render/chart_view.h"

#include <dlfcn.h>
#include <math.h>

#define N_BARS 10000

static gboolean have_display;
static gboolean expect_cairo; /* QL_TEST_EXPECT_CAIRO: run with GDK_DEBUG=gl-disable */

typedef struct
{
  QlSeries *bars;
  GtkWidget *window;
  QlChartView *view;
} Fixture;

static QlSeries *
make_bars (gsize n)
{
  GRand *r = g_rand_new_with_seed (11);
  QlSeries *bars = ql_series_new_bars ();
  double price = 50.0;

  for (gsize i = 0; i < n; i++)
    {
      QlBar b = { 0 };
      double d = g_rand_double_range (r, -0.2, 0.2);
      b.time = G_GINT64_CONSTANT (1704153600) * QL_NS_PER_SEC + (gint64) i * QL_NS_PER_MIN;
      b.open = price;
      b.close = MAX (1.0, price + d);
      b.high = MAX (b.open, b.close) + 0.1;
      b.low = MIN (b.open, b.close) - 0.1;
      b.volume = 100 + (double) (i % 37);
      ql_series_append_bar (bars, &b);
      price = b.close;
    }
  g_rand_free (r);
  return bars;
}

static void
spin (int ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE);
}

/* Runs the main loop until the view drew a frame more than @after. */
static void
wait_frame (Fixture *fx, guint after)
{
  gint64 end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  gtk_gl_area_queue_render (GTK_GL_AREA (fx->view));
  while (ql_chart_view_get_frame_count (fx->view) <= after && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (ql_chart_view_get_frame_count (fx->view), >, after);
}

static void
fixture_setup (Fixture *fx, gconstpointer data)
{
  QlScene *scene;

  if (!have_display)
    return;
  fx->bars = make_bars (N_BARS);
  scene = ql_scene_new (fx->bars, NULL, NULL);
  ql_scene_add_volume (scene, -1);
  g_assert_cmpint (ql_scene_add_indicator (scene, "rsi(14)", QL_PANE_AUTO, NULL), >=, 1);
  fx->view = QL_CHART_VIEW (ql_chart_view_new ());
  ql_chart_view_set_dark (fx->view, FALSE);
  ql_chart_view_set_scene (fx->view, scene, fx->bars);
  fx->window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (fx->window), 800, 500);
  gtk_window_set_child (GTK_WINDOW (fx->window), GTK_WIDGET (fx->view));
  gtk_window_present (GTK_WINDOW (fx->window));
  wait_frame (fx, 0);
}

static void
fixture_teardown (Fixture *fx, gconstpointer data)
{
  if (!have_display)
    return;
  gtk_window_destroy (GTK_WINDOW (fx->window));
  spin (20);
  ql_series_free (fx->bars);
}

/* The first controller of @type on the view. */
static gpointer
controller (Fixture *fx, GType type)
{
  GListModel *list = gtk_widget_observe_controllers (GTK_WIDGET (fx->view));
  gpointer found = NULL;

  for (guint i = 0; found == NULL && i < g_list_model_get_n_items (list); i++)
    {
      GObject *c = g_list_model_get_item (list, i);
      if (G_TYPE_CHECK_INSTANCE_TYPE (c, type))
        found = c;
      g_object_unref (c);
    }
  g_object_unref (list);
  g_assert_nonnull (found);
  return found;
}

static void
pointer_at (Fixture *fx, double x, double y)
{
  g_signal_emit_by_name (controller (fx, GTK_TYPE_EVENT_CONTROLLER_MOTION), "motion", x, y);
}

static gboolean
press_key (Fixture *fx, guint keyval)
{
  gboolean handled = FALSE;

  g_signal_emit_by_name (controller (fx, GTK_TYPE_EVENT_CONTROLLER_KEY), "key-pressed", keyval, 0,
                         (GdkModifierType) 0, &handled);
  return handled;
}

static void
test_realize_and_draw (Fixture *fx, gconstpointer data)
{
  g_autoptr (GdkPaintable) paintable = NULL;
  g_autoptr (GtkSnapshot) snapshot = NULL;
  g_autoptr (GskRenderNode) node = NULL;
  g_autoptr (GdkTexture) texture = NULL;
  g_autofree guchar *pixels = NULL;
  g_autofree char *png = NULL;
  const char *out_dir = g_getenv ("QL_TEST_OUT_DIR");
  int w, h, distinct = 0;
  guint32 first;

  g_test_summary ("The view realizes a GL context (or, without GL, falls back to cairo), draws "
                  "the chart and can be saved as a picture");
  if (!have_display)
    {
      g_test_skip ("no display (run under xvfb-run)");
      return;
    }
  g_assert_true (gtk_widget_get_realized (GTK_WIDGET (fx->view)));
  if (expect_cairo)
    {
      /* GDK_DEBUG=gl-disable: GtkGLArea has no context; cairo draws. */
      g_assert_nonnull (gtk_gl_area_get_error (GTK_GL_AREA (fx->view)));
      g_assert_false (ql_chart_view_get_uses_gl (fx->view));
      g_assert_cmpuint (ql_chart_view_get_gpu_bytes (fx->view), ==, 0);
    }
  else
    {
      g_assert_null (gtk_gl_area_get_error (GTK_GL_AREA (fx->view)));
      g_assert_true (ql_chart_view_get_uses_gl (fx->view));
      g_assert_cmpuint (ql_chart_view_get_gpu_bytes (fx->view), >, 0);
      g_assert_cmpuint (ql_chart_view_get_gpu_bytes (fx->view), <=, 64u << 20);
    }

  w = gtk_widget_get_width (fx->window);
  h = gtk_widget_get_height (fx->window);
  paintable = gtk_widget_paintable_new (fx->window);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, w, h);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (fx->window)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, w, h));
  png = g_build_filename (out_dir != NULL ? out_dir : ".",
                          expect_cairo ? "chart-view-cairo.png" : "chart-view.png", NULL);
  g_assert_true (gdk_texture_save_to_png (texture, png));
  g_test_message ("screenshot: %s", png);

  /* A chart, not a blank: many distinct colours along the middle row. */
  pixels = g_malloc ((gsize) w * h * 4);
  gdk_texture_download (texture, pixels, (gsize) w * 4);
  first = ((guint32 *) pixels)[(h / 3) * w];
  for (int x = 0; x < w; x++)
    distinct += ((guint32 *) pixels)[(h / 3) * w + x] != first;
  g_assert_cmpint (distinct, >, w / 20);
}

static void
test_wheel_zooms_at_pointer (Fixture *fx, gconstpointer data)
{
  QlScene *scene;
  double bpp0, bpp1, bar0, bar1;
  gboolean handled = FALSE;

  g_test_summary ("The wheel zooms by 1.15 a notch around the bar under the pointer");
  if (!have_display)
    {
      g_test_skip ("no display (run under xvfb-run)");
      return;
    }
  scene = ql_chart_view_get_scene (fx->view);
  pointer_at (fx, 300, 150);
  bpp0 = ql_chart_view_get_bars_per_px (fx->view);
  bar0 = ql_scene_x_to_bar (scene, 300);
  /* One notch up (dy = -1) zooms in: bars per pixel / 1.15. */
  g_signal_emit_by_name (controller (fx, GTK_TYPE_EVENT_CONTROLLER_SCROLL), "scroll", 0.0, -1.0, &handled);
  g_assert_true (handled);
  wait_frame (fx, ql_chart_view_get_frame_count (fx->view));
  bpp1 = ql_chart_view_get_bars_per_px (fx->view);
  bar1 = ql_scene_x_to_bar (scene, 300);
  g_assert_cmpfloat_with_epsilon (bpp1, bpp0 / 1.15, bpp0 * 1e-9);
  g_assert_cmpfloat_with_epsilon (bar1, bar0, 1e-6);
}

static void
test_drag_pans (Fixture *fx, gconstpointer data)
{
  GtkGesture *drag;
  double first0, first1, bpp;

  g_test_summary ("A drag of 100 px to the right shows 100 px worth of older bars");
  if (!have_display)
    {
      g_test_skip ("no display (run under xvfb-run)");
      return;
    }
  drag = controller (fx, GTK_TYPE_GESTURE_DRAG);
  first0 = ql_chart_view_get_first_bar (fx->view);
  bpp = ql_chart_view_get_bars_per_px (fx->view);
  g_signal_emit_by_name (drag, "drag-begin", 300.0, 200.0);
  g_signal_emit_by_name (drag, "drag-update", 40.0, 0.0);
  g_signal_emit_by_name (drag, "drag-update", 100.0, 3.0);
  g_signal_emit_by_name (drag, "drag-end", 100.0, 3.0);
  wait_frame (fx, ql_chart_view_get_frame_count (fx->view));
  first1 = ql_chart_view_get_first_bar (fx->view);
  /* x = first + (bar) / bpp: moving the chart right by 100 px puts the bar
   * that was 100 px left of the edge at the edge: first - 100 · bpp. */
  g_assert_cmpfloat_with_epsilon (first1, first0 - 100.0 * bpp, 1e-6);
}

static void
test_fling_slides_on (Fixture *fx, gconstpointer data)
{
  GtkGesture *swipe;
  double first0, first1, bpp, moved_px;

  g_test_summary ("After a fling the chart keeps sliding and slows to a stop");
  if (!have_display)
    {
      g_test_skip ("no display (run under xvfb-run)");
      return;
    }
  swipe = controller (fx, GTK_TYPE_GESTURE_SWIPE);
  first0 = ql_chart_view_get_first_bar (fx->view);
  bpp = ql_chart_view_get_bars_per_px (fx->view);
  g_signal_emit_by_name (swipe, "swipe", 1000.0, 0.0);
  spin (1500);
  first1 = ql_chart_view_get_first_bar (fx->view);
  moved_px = (first0 - first1) / bpp;
  /* v·τ = 1000 px/s · 0.325 s = 325 px is the whole slide; after 1.5 s
   * (4.6 τ) it has covered more than 95 % of it, and never more. */
  g_test_message ("slid %.1f px", moved_px);
  g_assert_cmpfloat (moved_px, >, 0.9 * 325.0);
  g_assert_cmpfloat (moved_px, <=, 325.0 + 1e-6);
}

static void
test_keys (Fixture *fx, gconstpointer data)
{
  QlScene *scene;
  double bpp, bpp_plus, first;
  const QlSceneFrame *f;

  g_test_summary ("Home, End, +, - and the arrows move the viewport");
  if (!have_display)
    {
      g_test_skip ("no display (run under xvfb-run)");
      return;
    }
  scene = ql_chart_view_get_scene (fx->view);
  bpp = ql_chart_view_get_bars_per_px (fx->view);
  g_assert_true (press_key (fx, GDK_KEY_Home));
  g_assert_cmpfloat (ql_chart_view_get_first_bar (fx->view), ==, -0.5);
  g_assert_cmpfloat (ql_chart_view_get_bars_per_px (fx->view), ==, bpp);

  g_assert_true (press_key (fx, GDK_KEY_plus));
  bpp_plus = ql_chart_view_get_bars_per_px (fx->view);
  g_assert_cmpfloat_with_epsilon (bpp_plus, bpp / 1.25, bpp * 1e-9);
  g_assert_true (press_key (fx, GDK_KEY_minus));
  g_assert_cmpfloat_with_epsilon (ql_chart_view_get_bars_per_px (fx->view), bpp, bpp * 1e-9);

  first = ql_chart_view_get_first_bar (fx->view);
  g_assert_true (press_key (fx, GDK_KEY_Right));
  g_assert_cmpfloat (ql_chart_view_get_first_bar (fx->view), >, first);

  g_assert_true (press_key (fx, GDK_KEY_End));
  wait_frame (fx, ql_chart_view_get_frame_count (fx->view));
  f = ql_scene_layout (scene);
  /* The last bar is in the plot. */
  g_assert_cmpfloat (ql_scene_bar_to_x (scene, N_BARS - 1), <, f->panes[0].plot.x + f->panes[0].plot.w);
  g_assert_cmpfloat (ql_scene_bar_to_x (scene, N_BARS - 1), >, f->panes[0].plot.x);
  g_assert_false (press_key (fx, GDK_KEY_a));
}

static void
test_double_click_resets (Fixture *fx, gconstpointer data)
{
  GtkGesture *click;
  double first, bpp;

  g_test_summary ("A double click returns to the default view of the last bars");
  if (!have_display)
    {
      g_test_skip ("no display (run under xvfb-run)");
      return;
    }
  ql_chart_view_reset (fx->view);
  first = ql_chart_view_get_first_bar (fx->view);
  bpp = ql_chart_view_get_bars_per_px (fx->view);
  ql_chart_view_set_viewport (fx->view, 100.0, bpp * 3.0);
  click = controller (fx, GTK_TYPE_GESTURE_CLICK);
  g_signal_emit_by_name (click, "pressed", 2, 200.0, 200.0);
  g_assert_cmpfloat (ql_chart_view_get_first_bar (fx->view), ==, first);
  g_assert_cmpfloat (ql_chart_view_get_bars_per_px (fx->view), ==, bpp);
}

static void
test_separator_drag (Fixture *fx, gconstpointer data)
{
  QlScene *scene;
  GtkGesture *drag;
  const QlSceneFrame *f;
  double y0, y1;

  g_test_summary ("Dragging a pane separator down by 30 px moves it 30 px");
  if (!have_display)
    {
      g_test_skip ("no display (run under xvfb-run)");
      return;
    }
  scene = ql_chart_view_get_scene (fx->view);
  f = ql_scene_layout (scene);
  g_assert_cmpuint (f->n_panes, >=, 2);
  y0 = f->panes[1].rect.y;
  drag = controller (fx, GTK_TYPE_GESTURE_DRAG);
  g_signal_emit_by_name (drag, "drag-begin", 300.0, y0 + 1.0);
  g_signal_emit_by_name (drag, "drag-update", 0.0, 30.0);
  g_signal_emit_by_name (drag, "drag-end", 0.0, 30.0);
  wait_frame (fx, ql_chart_view_get_frame_count (fx->view));
  f = ql_scene_layout (scene);
  y1 = f->panes[1].rect.y;
  g_assert_cmpfloat (fabs (y1 - (y0 + 30.0)), <=, 1.0);
}

static void
test_live_append_follows (Fixture *fx, gconstpointer data)
{
  double first0, bpp, moved;
  QlBar last;

  g_test_summary ("A new bar scrolls a view that shows the last bar by the whole number of "
                  "pixels nearest to one bar");
  if (!have_display)
    {
      g_test_skip ("no display (run under xvfb-run)");
      return;
    }
  ql_chart_view_reset (fx->view);
  first0 = ql_chart_view_get_first_bar (fx->view);
  ql_series_get_bar (fx->bars, fx->bars->len - 1, &last);
  last.time += QL_NS_PER_MIN;
  ql_series_append_bar (fx->bars, &last);
  bpp = ql_chart_view_get_bars_per_px (fx->view);
  ql_chart_view_data_changed (fx->view);
  /* One bar is 1 / bpp px; the view moves by that rounded to whole pixels
   * (the default view's bpp is below 1, so at least one pixel), i.e. by
   * round (1 / bpp) * bpp bars, within half a pixel of one bar. */
  moved = ql_chart_view_get_first_bar (fx->view) - first0;
  g_assert_cmpfloat (bpp, <, 1.0);
  g_assert_cmpfloat_with_epsilon (moved, round (1.0 / bpp) * bpp, 1e-9);
  g_assert_cmpfloat (fabs (moved - 1.0), <=, 0.5 * bpp + 1e-9);
  wait_frame (fx, ql_chart_view_get_frame_count (fx->view));
}

static void
test_axis_drag_scales (Fixture *fx, gconstpointer data)
{
  GtkGesture *drag;
  const QlSceneFrame *f;
  double min0, max0, min1, max1, ax, ay;

  g_test_summary ("Dragging the price axis down 100 px widens the price range e^0.5 times "
                  "around its middle and stops autoscaling");
  if (!have_display)
    {
      g_test_skip ("no display (run under xvfb-run)");
      return;
    }
  f = ql_scene_layout (ql_chart_view_get_scene (fx->view));
  min0 = f->panes[0].min;
  max0 = f->panes[0].max;
  /* A point on the price pane's axis, right of its plot. */
  ax = f->panes[0].plot.x + f->panes[0].plot.w + 10.0;
  ay = f->panes[0].rect.y + f->panes[0].rect.h / 2.0;
  drag = controller (fx, GTK_TYPE_GESTURE_DRAG);
  g_signal_emit_by_name (drag, "drag-begin", ax, ay);
  g_signal_emit_by_name (drag, "drag-update", 0.0, 100.0);
  g_signal_emit_by_name (drag, "drag-end", 0.0, 100.0);
  wait_frame (fx, ql_chart_view_get_frame_count (fx->view));
  f = ql_scene_layout (ql_chart_view_get_scene (fx->view));
  min1 = f->panes[0].min;
  max1 = f->panes[0].max;
  /* chart_view.c scales by exp (dy * 0.005): exp (0.5) = 1.6487212707. */
  g_assert_cmpfloat_with_epsilon ((max1 - min1) / (max0 - min0), 1.6487212707, 1e-6);
  g_assert_cmpfloat_with_epsilon ((max1 + min1) / 2.0, (max0 + min0) / 2.0, 1e-9 * fabs (max0));

  /* Panning no longer rescales: the range stays. */
  g_signal_emit_by_name (drag, "drag-begin", 300.0, ay);
  g_signal_emit_by_name (drag, "drag-update", 400.0, 0.0);
  g_signal_emit_by_name (drag, "drag-end", 400.0, 0.0);
  f = ql_scene_layout (ql_chart_view_get_scene (fx->view));
  g_assert_cmpfloat (f->panes[0].min, ==, min1);
  g_assert_cmpfloat (f->panes[0].max, ==, max1);
}

static void
test_pinch_zooms (Fixture *fx, gconstpointer data)
{
  GtkGesture *zoom;
  QlScene *scene;
  double bpp0, bar0;

  g_test_summary ("Spreading two fingers to twice their distance shows half as many bars, "
                  "around the point between the fingers");
  if (!have_display)
    {
      g_test_skip ("no display (run under xvfb-run)");
      return;
    }
  scene = ql_chart_view_get_scene (fx->view);
  pointer_at (fx, 250, 120);
  bpp0 = ql_chart_view_get_bars_per_px (fx->view);
  bar0 = ql_scene_x_to_bar (scene, 250);
  zoom = controller (fx, GTK_TYPE_GESTURE_ZOOM);
  /* Xvfb has no touch points, so the gesture has no centre and the view
   * zooms around the pointer, as for the wheel. GtkGestureZoom's own
   * "begin" reads touch events, which a test cannot make; what the view
   * does on it is to start the scale from 1. */
  *(double *) g_object_get_data (G_OBJECT (zoom), "ql-last-scale") = 1.0;
  g_signal_emit_by_name (zoom, "scale-changed", 1.5);
  g_signal_emit_by_name (zoom, "scale-changed", 2.0);
  /* 1.5 then 2.0 / 1.5: twice in all. */
  g_assert_cmpfloat_with_epsilon (ql_chart_view_get_bars_per_px (fx->view), bpp0 / 2.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (ql_scene_x_to_bar (scene, 250), bar0, 1e-9);
  wait_frame (fx, ql_chart_view_get_frame_count (fx->view));
}

/* A settings portal on the test's own session bus: Read () answers the
 * colour scheme in a variant in a variant, as xdg-desktop-portal does. */
static guint32 portal_scheme = 1;

static void
portal_method_cb (GDBusConnection *conn, const char *sender, const char *path, const char *iface,
                  const char *method, GVariant *params, GDBusMethodInvocation *invocation,
                  gpointer user_data)
{
  const char *ns = NULL, *key = NULL;

  g_variant_get (params, "(&s&s)", &ns, &key);
  if (g_strcmp0 (method, "Read") == 0 && g_strcmp0 (ns, "org.freedesktop.appearance") == 0
      && g_strcmp0 (key, "color-scheme") == 0)
    g_dbus_method_invocation_return_value (
      invocation, g_variant_new ("(v)", g_variant_new_variant (g_variant_new_uint32 (portal_scheme))));
  else
    g_dbus_method_invocation_return_dbus_error (invocation, "org.freedesktop.portal.Error.NotFound",
                                                "no such setting");
}

static const char portal_xml[] =
  "<node><interface name='org.freedesktop.portal.Settings'>"
  "<method name='Read'><arg type='s' direction='in'/><arg type='s' direction='in'/>"
  "<arg type='v' direction='out'/></method>"
  "<signal name='SettingChanged'><arg type='s'/><arg type='s'/><arg type='v'/></signal>"
  "</interface></node>";

static void
wait_dark (QlChartView *view, gboolean dark)
{
  gint64 end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  while (ql_chart_view_get_dark (view) != dark && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpint (ql_chart_view_get_dark (view), ==, dark);
}

static void
test_theme_follows_portal (void)
{
  g_autoptr (GTestDBus) bus = NULL;
  g_autoptr (GDBusConnection) conn = NULL;
  g_autoptr (GDBusNodeInfo) info = NULL;
  g_autoptr (GError) error = NULL;
  static const GDBusInterfaceVTable vtable = { portal_method_cb, NULL, NULL, { 0 } };
  GtkWidget *view;
  guint reg, own;

  g_test_summary ("The view takes light or dark from the desktop's settings portal and follows "
                  "its changes until the theme is set by hand");
  if (!have_display)
    {
      g_test_skip ("no display (run under xvfb-run)");
      return;
    }
  bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (bus);
  conn = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  info = g_dbus_node_info_new_for_xml (portal_xml, &error);
  g_assert_no_error (error);
  reg = g_dbus_connection_register_object (conn, "/org/freedesktop/portal/desktop", info->interfaces[0],
                                           &vtable, NULL, NULL, &error);
  g_assert_no_error (error);
  own = g_bus_own_name_on_connection (conn, "org.freedesktop.portal.Desktop", G_BUS_NAME_OWNER_FLAGS_NONE,
                                      NULL, NULL, NULL, NULL);

  portal_scheme = 1; /* prefer dark */
  view = g_object_ref_sink (ql_chart_view_new ());
  wait_dark (QL_CHART_VIEW (view), TRUE);

  /* The desktop switches to light. */
  g_dbus_connection_emit_signal (conn, NULL, "/org/freedesktop/portal/desktop",
                                 "org.freedesktop.portal.Settings", "SettingChanged",
                                 g_variant_new ("(ssv)", "org.freedesktop.appearance", "color-scheme",
                                                g_variant_new_uint32 (2)),
                                 &error);
  g_assert_no_error (error);
  wait_dark (QL_CHART_VIEW (view), FALSE);

  /* Set by hand: the desktop no longer decides. */
  ql_chart_view_set_dark (QL_CHART_VIEW (view), TRUE);
  g_dbus_connection_emit_signal (conn, NULL, "/org/freedesktop/portal/desktop",
                                 "org.freedesktop.portal.Settings", "SettingChanged",
                                 g_variant_new ("(ssv)", "org.freedesktop.appearance", "color-scheme",
                                                g_variant_new_uint32 (2)),
                                 &error);
  spin (100);
  g_assert_true (ql_chart_view_get_dark (QL_CHART_VIEW (view)));
  ql_chart_view_follow_desktop_theme (QL_CHART_VIEW (view));
  g_assert_false (ql_chart_view_get_dark (QL_CHART_VIEW (view)));

  g_object_unref (view);
  g_bus_unown_name (own);
  g_dbus_connection_unregister_object (conn, reg);
  g_clear_object (&conn);
  g_test_dbus_stop (bus);
}

/* Mesa's GLX driver is unloaded when GTK closes the display at exit, and
 * LeakSanitizer can then no longer name the frames of what the driver
 * keeps on purpose, so lsan.supp's "swrast_dri.so" cannot match them.
 * Holding the driver loaded (RTLD_NODELETE) lets the suppression work;
 * without Mesa's software driver this does nothing. */
static void
keep_mesa_driver_loaded (void)
{
  static const char *const dirs[] = {
    "/usr/lib/x86_64-linux-gnu/dri", "/usr/lib/aarch64-linux-gnu/dri", "/usr/lib64/dri", "/usr/lib/dri",
  };

  for (guint i = 0; i < G_N_ELEMENTS (dirs); i++)
    {
      g_autofree char *path = g_build_filename (dirs[i], "swrast_dri.so", NULL);
      if (g_file_test (path, G_FILE_TEST_EXISTS) && dlopen (path, RTLD_LAZY | RTLD_NODELETE) != NULL)
        return;
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  keep_mesa_driver_loaded ();
  expect_cairo = g_getenv ("QL_TEST_EXPECT_CAIRO") != NULL;
  have_display = gtk_init_check ();

#define ADD(path, fn) g_test_add ("/render/chart-view/" path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("realize/draws-and-saves", test_realize_and_draw);
  ADD ("input/wheel-zooms-at-pointer", test_wheel_zooms_at_pointer);
  ADD ("input/drag-pans", test_drag_pans);
  ADD ("input/fling-slides-and-stops", test_fling_slides_on);
  ADD ("input/keys", test_keys);
  ADD ("input/double-click-resets", test_double_click_resets);
  ADD ("input/separator-drag-resizes", test_separator_drag);
  ADD ("data/append-follows-the-end", test_live_append_follows);
  ADD ("input/axis-drag-scales", test_axis_drag_scales);
  ADD ("input/pinch-zooms", test_pinch_zooms);
#undef ADD
  if (!expect_cairo)
    g_test_add_func ("/render/chart-view/theme/follows-portal", test_theme_follows_portal);
  return g_test_run ();
}
