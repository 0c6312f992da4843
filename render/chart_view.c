/* render/chart_view.c — QlChartView: GtkGLArea, input, kinetic panning,
 * the desktop's light or dark preference, and a cairo fallback where no
 * GL context can be had. */
#define G_LOG_DOMAIN "ql-render-chart-view"

#include "render/chart_view.h"

#include "render/cairo_backend.h"
#include "render/gl_backend.h"

#include <epoxy/gl.h>
#include <math.h>

typedef enum
{
  DRAG_NONE,
  DRAG_PAN,
  DRAG_SEPARATOR, /* drag_pane: the pane under the separator */
  DRAG_AXIS,      /* drag_pane: the pane whose price axis is dragged */
} DragMode;

struct _QlChartView
{
  GtkGLArea parent_instance;

  QlScene *scene;            /* owned */
  const QlSeries *bars;      /* borrowed, the scene's bars */
  gsize synced_len;          /* bars->len at the last sync */
  QlGlBackend *backend;      /* lives while the widget is realized */
  const QlSceneFrame *frame; /* the last layout, valid until the next */
  gboolean dark;
  gboolean crosshair;
  int scale;                 /* device pixels per widget pixel */
  guint frames;

  double pointer_x, pointer_y; /* device px; < 0 when outside */

  DragMode drag_mode;
  guint drag_pane;
  double drag_last_x, drag_last_y; /* offsets of the last update, widget px */

  /* Kinetic panning: after a fling the chart slides on, slowing down
   * exponentially; a new press stops it. */
  guint kinetic_id;          /* tick callback, 0 when still */
  double kinetic_velocity;   /* device px per second, > 0 moves right */
  gint64 kinetic_last_us;    /* frame clock time of the last step */

  gulong settings_handler;
  gulong theme_name_handler;

  /* Light or dark: as the desktop prefers until ql_chart_view_set_dark ()
   * sets it by hand. The desktop's preference is the XDG settings portal's
   * org.freedesktop.appearance color-scheme where a portal answers, else
   * GTK's gtk-application-prefer-dark-theme or a "-dark" theme name. */
  gboolean follow_desktop;
  int portal_scheme;         /* 0 none, 1 dark, 2 light (the portal's values) */
  GDBusProxy *portal;        /* org.freedesktop.portal.Settings, or NULL */
  GCancellable *cancellable; /* the portal calls; cancelled in dispose */
};

enum
{
  PROP_0,
  PROP_FIRST_BAR,
  PROP_BARS_PER_PX,
  PROP_DARK,
  PROP_CROSSHAIR,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (QlChartView, ql_chart_view, GTK_TYPE_GL_AREA)

#define KINETIC_TIME_CONSTANT 0.325 /* s: velocity falls to 1/e in this time */
#define KINETIC_MIN_VELOCITY 30.0   /* px/s: below it the slide stops */
#define SEPARATOR_GRAB 4.0          /* px either side of a pane separator */
#define WHEEL_ZOOM 1.15             /* per wheel notch */
#define KEY_ZOOM 1.25
#define DEFAULT_BARS 120.0

static void
viewport_changed (QlChartView *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FIRST_BAR]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BARS_PER_PX]);
  gtk_gl_area_queue_render (GTK_GL_AREA (self));
}

static const QlScenePaneInfo *
plot_info (QlChartView *self)
{
  if (self->frame == NULL || self->frame->n_panes == 0)
    return NULL;
  return &self->frame->panes[0];
}

static void
stop_kinetic (QlChartView *self)
{
  if (self->kinetic_id != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->kinetic_id);
      self->kinetic_id = 0;
    }
  self->kinetic_velocity = 0.0;
}

static gboolean
kinetic_tick_cb (GtkWidget *widget, GdkFrameClock *clock, gpointer user_data)
{
  QlChartView *self = QL_CHART_VIEW (widget);
  gint64 now = gdk_frame_clock_get_frame_time (clock);
  double dt = (now - self->kinetic_last_us) / 1e6;

  self->kinetic_last_us = now;
  if (dt <= 0.0)
    return G_SOURCE_CONTINUE;
  if (self->scene != NULL)
    {
      /* The distance covered in dt by v·exp(-t/τ): v·τ·(1 - exp(-dt/τ)). */
      double decay = exp (-dt / KINETIC_TIME_CONSTANT);
      ql_scene_scroll (self->scene, self->kinetic_velocity * KINETIC_TIME_CONSTANT * (1.0 - decay));
      self->kinetic_velocity *= decay;
      viewport_changed (self);
    }
  if (self->scene == NULL || fabs (self->kinetic_velocity) < KINETIC_MIN_VELOCITY)
    {
      self->kinetic_id = 0;
      self->kinetic_velocity = 0.0;
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static void
update_crosshair (QlChartView *self)
{
  if (self->scene == NULL)
    return;
  if (self->crosshair && self->pointer_x >= 0.0)
    ql_scene_set_crosshair (self->scene, self->pointer_x, self->pointer_y);
  else
    ql_scene_clear_crosshair (self->scene);
}

/* ---- input ---------------------------------------------------------------- */

static gboolean
scroll_cb (GtkEventControllerScroll *ctl, double dx, double dy, QlChartView *self)
{
  double x;

  if (self->scene == NULL)
    return FALSE;
  stop_kinetic (self);
  if (fabs (dy) >= fabs (dx))
    {
      const QlScenePaneInfo *p = plot_info (self);
      /* Around the pointer, or the plot's right edge when it is outside. */
      x = self->pointer_x >= 0.0 ? self->pointer_x
          : p != NULL ? p->plot.x + p->plot.w : 0.0;
      ql_scene_zoom_at (self->scene, x, pow (WHEEL_ZOOM, -dy));
    }
  else
    ql_scene_scroll (self->scene, -dx * 40.0 * self->scale);
  viewport_changed (self);
  return TRUE;
}

static void
zoom_scale_changed_cb (GtkGestureZoom *gesture, double scale, QlChartView *self)
{
  double *last = g_object_get_data (G_OBJECT (gesture), "ql-last-scale");
  double cx = 0.0, cy = 0.0;

  if (self->scene == NULL || last == NULL || *last <= 0.0 || scale <= 0.0)
    return;
  /* Around the point between the fingers; a gesture with no touch points
   * left (or one emitted by hand) zooms like the wheel. */
  if (gtk_gesture_is_active (GTK_GESTURE (gesture))
      && gtk_gesture_get_bounding_box_center (GTK_GESTURE (gesture), &cx, &cy))
    cx *= self->scale;
  else
    {
      const QlScenePaneInfo *p = plot_info (self);
      cx = self->pointer_x >= 0.0 ? self->pointer_x : p != NULL ? p->plot.x + p->plot.w : 0.0;
    }
  ql_scene_zoom_at (self->scene, cx, scale / *last);
  *last = scale;
  viewport_changed (self);
}

static void
zoom_begin_cb (GtkGesture *gesture, GdkEventSequence *sequence, QlChartView *self)
{
  double *last = g_object_get_data (G_OBJECT (gesture), "ql-last-scale");

  stop_kinetic (self);
  if (last != NULL)
    *last = 1.0;
}

static void
drag_begin_cb (GtkGestureDrag *gesture, double x, double y, QlChartView *self)
{
  const QlSceneFrame *f = self->frame;
  double px = x * self->scale, py = y * self->scale;

  stop_kinetic (self);
  self->drag_mode = DRAG_PAN;
  self->drag_last_x = 0.0;
  self->drag_last_y = 0.0;
  if (f == NULL)
    return;
  for (guint i = 1; i < f->n_panes; i++)
    if (fabs (py - f->panes[i].rect.y) <= SEPARATOR_GRAB * self->scale)
      {
        self->drag_mode = DRAG_SEPARATOR;
        self->drag_pane = i;
        return;
      }
  for (guint i = 0; i < f->n_panes; i++)
    {
      const QlScenePaneInfo *p = &f->panes[i];
      if (px >= p->plot.x + p->plot.w && py >= p->rect.y && py < p->rect.y + p->rect.h)
        {
          self->drag_mode = DRAG_AXIS;
          self->drag_pane = i;
          return;
        }
    }
}

static void
drag_update_cb (GtkGestureDrag *gesture, double ox, double oy, QlChartView *self)
{
  double dx = (ox - self->drag_last_x) * self->scale;
  double dy = (oy - self->drag_last_y) * self->scale;

  self->drag_last_x = ox;
  self->drag_last_y = oy;
  if (self->scene == NULL)
    return;
  switch (self->drag_mode)
    {
    case DRAG_PAN:
      ql_scene_scroll (self->scene, dx);
      break;
    case DRAG_SEPARATOR:
      ql_scene_move_separator (self->scene, self->drag_pane, dy);
      break;
    case DRAG_AXIS:
      /* Down stretches the scale out (shows a wider range), up in. */
      ql_scene_pane_scale_by (self->scene, self->drag_pane, exp (dy * 0.005));
      break;
    case DRAG_NONE:
    default:
      return;
    }
  if (self->pointer_x >= 0.0)
    {
      self->pointer_x += dx;
      self->pointer_y += dy;
      update_crosshair (self);
    }
  viewport_changed (self);
}

static void
drag_end_cb (GtkGestureDrag *gesture, double ox, double oy, QlChartView *self)
{
  self->drag_mode = DRAG_NONE;
}

static void
swipe_cb (GtkGestureSwipe *gesture, double vx, double vy, QlChartView *self)
{
  GdkFrameClock *clock;

  if (self->scene == NULL || self->drag_mode == DRAG_SEPARATOR || self->drag_mode == DRAG_AXIS
      || fabs (vx) * self->scale < KINETIC_MIN_VELOCITY * 2)
    return;
  stop_kinetic (self);
  self->kinetic_velocity = vx * self->scale;
  clock = gtk_widget_get_frame_clock (GTK_WIDGET (self));
  self->kinetic_last_us = clock != NULL ? gdk_frame_clock_get_frame_time (clock) : g_get_monotonic_time ();
  self->kinetic_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), kinetic_tick_cb, NULL, NULL);
}

static void
pressed_cb (GtkGestureClick *gesture, int n_press, double x, double y, QlChartView *self)
{
  gtk_widget_grab_focus (GTK_WIDGET (self));
  if (n_press == 2)
    ql_chart_view_reset (self);
}

static void
motion_cb (GtkEventControllerMotion *ctl, double x, double y, QlChartView *self)
{
  const QlSceneFrame *f = self->frame;
  const char *cursor = "crosshair";

  self->pointer_x = x * self->scale;
  self->pointer_y = y * self->scale;
  if (f != NULL)
    {
      for (guint i = 1; i < f->n_panes; i++)
        if (fabs (self->pointer_y - f->panes[i].rect.y) <= SEPARATOR_GRAB * self->scale)
          cursor = "row-resize";
      if (f->n_panes > 0 && self->pointer_x >= f->panes[0].plot.x + f->panes[0].plot.w)
        cursor = "ns-resize";
    }
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), cursor);
  if (self->crosshair)
    {
      update_crosshair (self);
      gtk_gl_area_queue_render (GTK_GL_AREA (self));
    }
}

static void
leave_cb (GtkEventControllerMotion *ctl, QlChartView *self)
{
  self->pointer_x = -1.0;
  self->pointer_y = -1.0;
  update_crosshair (self);
  gtk_gl_area_queue_render (GTK_GL_AREA (self));
}

static double
plot_width (QlChartView *self)
{
  const QlScenePaneInfo *p = plot_info (self);

  return p != NULL ? p->plot.w : gtk_widget_get_width (GTK_WIDGET (self)) * self->scale;
}

static gboolean
key_pressed_cb (GtkEventControllerKey *ctl, guint keyval, guint keycode, GdkModifierType state,
                QlChartView *self)
{
  const QlScenePaneInfo *p = plot_info (self);
  double first, bpp, w = plot_width (self);
  double zoom_x = p != NULL ? p->plot.x + p->plot.w : w;
  double step = (state & GDK_SHIFT_MASK) ? w / 2.0 : w / 10.0;

  if (self->scene == NULL)
    return FALSE;
  if (self->pointer_x >= 0.0 && p != NULL && self->pointer_x < p->plot.x + p->plot.w)
    zoom_x = self->pointer_x;
  ql_scene_get_viewport (self->scene, &first, &bpp);
  switch (keyval)
    {
    case GDK_KEY_Left:
    case GDK_KEY_KP_Left:
      ql_scene_scroll (self->scene, step);
      break;
    case GDK_KEY_Right:
    case GDK_KEY_KP_Right:
      ql_scene_scroll (self->scene, -step);
      break;
    case GDK_KEY_plus:
    case GDK_KEY_equal:
    case GDK_KEY_KP_Add:
    case GDK_KEY_Up:
      ql_scene_zoom_at (self->scene, zoom_x, KEY_ZOOM);
      break;
    case GDK_KEY_minus:
    case GDK_KEY_KP_Subtract:
    case GDK_KEY_Down:
      ql_scene_zoom_at (self->scene, zoom_x, 1.0 / KEY_ZOOM);
      break;
    case GDK_KEY_Home:
    case GDK_KEY_KP_Home:
      /* The first bar at the left edge, the zoom kept. */
      ql_scene_set_viewport (self->scene, -0.5, bpp);
      break;
    case GDK_KEY_End:
    case GDK_KEY_KP_End:
      ql_scene_show_last (self->scene, w * bpp);
      break;
    default:
      return FALSE;
    }
  stop_kinetic (self);
  viewport_changed (self);
  return TRUE;
}

static void
apply_dark (QlChartView *self, gboolean dark)
{
  dark = !!dark;
  if (self->dark == dark)
    return;
  self->dark = dark;
  if (self->scene != NULL)
    ql_scene_set_theme (self->scene, ql_theme_get (dark ? QL_THEME_DARK : QL_THEME_LIGHT));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DARK]);
  gtk_gl_area_queue_render (GTK_GL_AREA (self));
}

/* What the desktop prefers now: the portal's colour scheme if it states
 * one, else GTK's settings. */
static gboolean
desktop_prefers_dark (QlChartView *self)
{
  GtkSettings *settings = gtk_settings_get_default ();
  gboolean dark = FALSE;
  g_autofree char *theme = NULL;

  if (self->portal_scheme == 1 || self->portal_scheme == 2)
    return self->portal_scheme == 1;
  if (settings == NULL)
    return FALSE;
  g_object_get (settings, "gtk-application-prefer-dark-theme", &dark, "gtk-theme-name", &theme, NULL);
  return dark || (theme != NULL && (g_str_has_suffix (theme, "-dark") || g_str_has_suffix (theme, ":dark")));
}

static void
follow_desktop (QlChartView *self)
{
  if (self->follow_desktop)
    apply_dark (self, desktop_prefers_dark (self));
}

static void
settings_dark_cb (GtkSettings *settings, GParamSpec *pspec, QlChartView *self)
{
  follow_desktop (self);
}

/* The portal's value: a "u" in as many variants as the portal wraps it in
 * (Read () answers a variant in a variant). */
static void
portal_take_scheme (QlChartView *self, GVariant *value)
{
  g_autoptr (GVariant) v = g_variant_ref (value);

  while (g_variant_is_of_type (v, G_VARIANT_TYPE_VARIANT))
    {
      GVariant *inner = g_variant_get_variant (v);
      g_variant_unref (v);
      v = inner;
    }
  if (g_variant_is_of_type (v, G_VARIANT_TYPE_UINT32))
    {
      self->portal_scheme = (int) g_variant_get_uint32 (v);
      follow_desktop (self);
    }
}

static void
portal_signal_cb (GDBusProxy *proxy, const char *sender, const char *signal, GVariant *params,
                  QlChartView *self)
{
  const char *ns = NULL, *key = NULL;
  g_autoptr (GVariant) value = NULL;

  if (g_strcmp0 (signal, "SettingChanged") != 0
      || !g_variant_is_of_type (params, G_VARIANT_TYPE ("(ssv)")))
    return;
  g_variant_get (params, "(&s&sv)", &ns, &key, &value);
  if (g_strcmp0 (ns, "org.freedesktop.appearance") == 0 && g_strcmp0 (key, "color-scheme") == 0)
    portal_take_scheme (self, value);
}

static void
portal_read_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = g_dbus_proxy_call_finish (G_DBUS_PROXY (source), result, &error);
  QlChartView *self;
  g_autoptr (GVariant) value = NULL;

  if (reply == NULL)
    {
      /* No portal, or one without the key: GTK's settings decide. */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("no colour scheme from the settings portal: %s", error->message);
      return;
    }
  self = QL_CHART_VIEW (user_data);
  g_variant_get (reply, "(v)", &value);
  portal_take_scheme (self, value);
}

static void
portal_proxy_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  GDBusProxy *proxy = g_dbus_proxy_new_for_bus_finish (result, &error);
  QlChartView *self;

  if (proxy == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("no settings portal: %s", error->message);
      return;
    }
  self = QL_CHART_VIEW (user_data);
  self->portal = proxy;
  g_signal_connect (proxy, "g-signal", G_CALLBACK (portal_signal_cb), self);
  g_dbus_proxy_call (proxy, "Read", g_variant_new ("(ss)", "org.freedesktop.appearance", "color-scheme"),
                     G_DBUS_CALL_FLAGS_NONE, 2000, self->cancellable, portal_read_cb, self);
}

/* Asks the settings portal, where a session bus exists (never starting
 * one: without DBUS_SESSION_BUS_ADDRESS or $XDG_RUNTIME_DIR/bus GLib would
 * autolaunch a bus daemon). The callbacks get the view only while it
 * lives: dispose cancels them. */
static void
portal_connect (QlChartView *self)
{
  g_autofree char *runtime_bus = g_build_filename (g_get_user_runtime_dir (), "bus", NULL);

  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL && !g_file_test (runtime_bus, G_FILE_TEST_EXISTS))
    return;
  self->cancellable = g_cancellable_new ();
  g_dbus_proxy_new_for_bus (G_BUS_TYPE_SESSION, G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES, NULL,
                            "org.freedesktop.portal.Desktop", "/org/freedesktop/portal/desktop",
                            "org.freedesktop.portal.Settings", self->cancellable, portal_proxy_cb,
                            self);
}

/* ---- GtkGLArea ---------------------------------------------------------------- */

static void
ql_chart_view_realize (GtkWidget *widget)
{
  QlChartView *self = QL_CHART_VIEW (widget);
  GError *error = NULL;

  GTK_WIDGET_CLASS (ql_chart_view_parent_class)->realize (widget);
  gtk_gl_area_make_current (GTK_GL_AREA (self));
  if (gtk_gl_area_get_error (GTK_GL_AREA (self)) != NULL)
    return;
  self->backend = ql_gl_backend_new (&error);
  if (self->backend == NULL)
    {
      g_message ("chart: %s; drawing with cairo", error->message);
      gtk_gl_area_set_error (GTK_GL_AREA (self), error);
      g_error_free (error);
    }
  self->frames = 0;
}

static void
ql_chart_view_unrealize (GtkWidget *widget)
{
  QlChartView *self = QL_CHART_VIEW (widget);

  stop_kinetic (self);
  gtk_gl_area_make_current (GTK_GL_AREA (self));
  if (gtk_gl_area_get_error (GTK_GL_AREA (self)) == NULL)
    g_clear_pointer (&self->backend, ql_gl_backend_free);
  else
    self->backend = NULL; /* no context to free it in; GTK dropped it */
  self->frame = NULL;
  GTK_WIDGET_CLASS (ql_chart_view_parent_class)->unrealize (widget);
}

static void
ql_chart_view_resize (GtkGLArea *area, int width, int height)
{
  QlChartView *self = QL_CHART_VIEW (area);

  self->scale = MAX (1, gtk_widget_get_scale_factor (GTK_WIDGET (area)));
  if (self->scene != NULL)
    ql_scene_set_size (self->scene, width, height);
}

static gboolean
ql_chart_view_render (GtkGLArea *area, GdkGLContext *context)
{
  QlChartView *self = QL_CHART_VIEW (area);

  if (self->backend == NULL)
    return FALSE;
  if (self->scene == NULL)
    {
      glClearColor (0, 0, 0, 0);
      glClear (GL_COLOR_BUFFER_BIT);
      return TRUE;
    }
  self->frame = ql_scene_layout (self->scene);
  ql_gl_backend_draw (self->backend, self->frame);
  self->frames++;
  return TRUE;
}

/* Where no GL context could be had (no driver, GDK_DEBUG=gl-disable, a
 * failed backend), the same scene is drawn with the cairo backend, which is
 * pixel-close to the GL one; otherwise GtkGLArea draws. */
static void
ql_chart_view_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  QlChartView *self = QL_CHART_VIEW (widget);
  int w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  cairo_t *cr;

  if (self->backend != NULL || !gtk_widget_get_realized (widget))
    {
      GTK_WIDGET_CLASS (ql_chart_view_parent_class)->snapshot (widget, snapshot);
      return;
    }
  if (self->scene == NULL || w <= 0 || h <= 0)
    return;
  self->scale = MAX (1, gtk_widget_get_scale_factor (widget));
  ql_scene_set_size (self->scene, w * self->scale, h * self->scale);
  self->frame = ql_scene_layout (self->scene);
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, w, h));
  cairo_scale (cr, 1.0 / self->scale, 1.0 / self->scale);
  ql_cairo_draw_frame (cr, self->frame);
  cairo_destroy (cr);
  self->frames++;
}

static void
ql_chart_view_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  QlChartView *self = QL_CHART_VIEW (object);

  switch (prop_id)
    {
    case PROP_FIRST_BAR:
      g_value_set_double (value, ql_chart_view_get_first_bar (self));
      break;
    case PROP_BARS_PER_PX:
      g_value_set_double (value, ql_chart_view_get_bars_per_px (self));
      break;
    case PROP_DARK:
      g_value_set_boolean (value, self->dark);
      break;
    case PROP_CROSSHAIR:
      g_value_set_boolean (value, self->crosshair);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ql_chart_view_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  QlChartView *self = QL_CHART_VIEW (object);

  switch (prop_id)
    {
    case PROP_FIRST_BAR:
      ql_chart_view_set_viewport (self, g_value_get_double (value),
                                  ql_chart_view_get_bars_per_px (self));
      break;
    case PROP_BARS_PER_PX:
      ql_chart_view_set_viewport (self, ql_chart_view_get_first_bar (self),
                                  g_value_get_double (value));
      break;
    case PROP_DARK:
      ql_chart_view_set_dark (self, g_value_get_boolean (value));
      break;
    case PROP_CROSSHAIR:
      ql_chart_view_set_crosshair (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ql_chart_view_dispose (GObject *object)
{
  QlChartView *self = QL_CHART_VIEW (object);

  stop_kinetic (self);
  if (self->settings_handler != 0)
    {
      g_signal_handler_disconnect (gtk_settings_get_default (), self->settings_handler);
      self->settings_handler = 0;
    }
  if (self->theme_name_handler != 0)
    {
      g_signal_handler_disconnect (gtk_settings_get_default (), self->theme_name_handler);
      self->theme_name_handler = 0;
    }
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->portal != NULL)
    g_signal_handlers_disconnect_by_data (self->portal, self);
  g_clear_object (&self->portal);
  G_OBJECT_CLASS (ql_chart_view_parent_class)->dispose (object);
}

static void
ql_chart_view_finalize (GObject *object)
{
  QlChartView *self = QL_CHART_VIEW (object);

  g_clear_pointer (&self->scene, ql_scene_free);
  G_OBJECT_CLASS (ql_chart_view_parent_class)->finalize (object);
}

static void
ql_chart_view_class_init (QlChartViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkGLAreaClass *area_class = GTK_GL_AREA_CLASS (klass);

  object_class->get_property = ql_chart_view_get_property;
  object_class->set_property = ql_chart_view_set_property;
  object_class->dispose = ql_chart_view_dispose;
  object_class->finalize = ql_chart_view_finalize;
  widget_class->realize = ql_chart_view_realize;
  widget_class->unrealize = ql_chart_view_unrealize;
  widget_class->snapshot = ql_chart_view_snapshot;
  area_class->resize = ql_chart_view_resize;
  area_class->render = ql_chart_view_render;

  properties[PROP_FIRST_BAR] =
    g_param_spec_double ("first-bar", NULL, "Bar index at the plot's left edge",
                         -G_MAXDOUBLE, G_MAXDOUBLE, 0.0,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_BARS_PER_PX] =
    g_param_spec_double ("bars-per-px", NULL, "Bars in one pixel column",
                         1.0 / 64.0, G_MAXDOUBLE, 1.0,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_DARK] =
    g_param_spec_boolean ("dark", NULL, "Draw with the dark theme", FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CROSSHAIR] =
    g_param_spec_boolean ("crosshair", NULL, "Show a crosshair under the pointer", TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "qlchartview");
}

static void
ql_chart_view_init (QlChartView *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  GtkEventController *ctl;
  GtkGesture *gesture;
  GtkSettings *settings = gtk_settings_get_default ();

  self->crosshair = TRUE;
  self->scale = 1;
  self->pointer_x = -1.0;
  self->pointer_y = -1.0;
  gtk_gl_area_set_has_depth_buffer (GTK_GL_AREA (self), FALSE);
  gtk_gl_area_set_has_stencil_buffer (GTK_GL_AREA (self), FALSE);
  gtk_gl_area_set_auto_render (GTK_GL_AREA (self), TRUE);
  gtk_widget_set_focusable (widget, TRUE);
  gtk_widget_set_hexpand (widget, TRUE);
  gtk_widget_set_vexpand (widget, TRUE);

  ctl = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_BOTH_AXES);
  g_signal_connect (ctl, "scroll", G_CALLBACK (scroll_cb), self);
  gtk_widget_add_controller (widget, ctl);

  gesture = gtk_gesture_zoom_new ();
  g_object_set_data_full (G_OBJECT (gesture), "ql-last-scale", g_new0 (double, 1), g_free);
  g_signal_connect (gesture, "begin", G_CALLBACK (zoom_begin_cb), self);
  g_signal_connect (gesture, "scale-changed", G_CALLBACK (zoom_scale_changed_cb), self);
  gtk_widget_add_controller (widget, GTK_EVENT_CONTROLLER (gesture));

  gesture = gtk_gesture_drag_new ();
  g_signal_connect (gesture, "drag-begin", G_CALLBACK (drag_begin_cb), self);
  g_signal_connect (gesture, "drag-update", G_CALLBACK (drag_update_cb), self);
  g_signal_connect (gesture, "drag-end", G_CALLBACK (drag_end_cb), self);
  gtk_widget_add_controller (widget, GTK_EVENT_CONTROLLER (gesture));

  gesture = gtk_gesture_swipe_new ();
  g_signal_connect (gesture, "swipe", G_CALLBACK (swipe_cb), self);
  gtk_widget_add_controller (widget, GTK_EVENT_CONTROLLER (gesture));

  gesture = gtk_gesture_click_new ();
  g_signal_connect (gesture, "pressed", G_CALLBACK (pressed_cb), self);
  gtk_widget_add_controller (widget, GTK_EVENT_CONTROLLER (gesture));

  ctl = gtk_event_controller_motion_new ();
  g_signal_connect (ctl, "motion", G_CALLBACK (motion_cb), self);
  g_signal_connect (ctl, "leave", G_CALLBACK (leave_cb), self);
  gtk_widget_add_controller (widget, ctl);

  ctl = gtk_event_controller_key_new ();
  g_signal_connect (ctl, "key-pressed", G_CALLBACK (key_pressed_cb), self);
  gtk_widget_add_controller (widget, ctl);

  /* Light or dark as the desktop prefers, until set by hand. */
  self->follow_desktop = TRUE;
  if (settings != NULL)
    {
      self->settings_handler = g_signal_connect (settings, "notify::gtk-application-prefer-dark-theme",
                                                 G_CALLBACK (settings_dark_cb), self);
      self->theme_name_handler = g_signal_connect (settings, "notify::gtk-theme-name",
                                                   G_CALLBACK (settings_dark_cb), self);
    }
  self->dark = desktop_prefers_dark (self);
  portal_connect (self);
}

/* ---- public ---------------------------------------------------------------- */

GtkWidget *
ql_chart_view_new (void)
{
  return g_object_new (QL_TYPE_CHART_VIEW, NULL);
}

void
ql_chart_view_set_scene (QlChartView *self, QlScene *scene, const QlSeries *bars)
{
  g_return_if_fail (QL_IS_CHART_VIEW (self));
  g_return_if_fail (scene == NULL || bars != NULL);

  stop_kinetic (self);
  if (self->scene != scene)
    g_clear_pointer (&self->scene, ql_scene_free);
  self->scene = scene;
  self->bars = bars;
  self->synced_len = bars != NULL ? bars->len : 0;
  self->frame = NULL;
  if (scene != NULL)
    {
      int w = gtk_widget_get_width (GTK_WIDGET (self)) * self->scale;
      int h = gtk_widget_get_height (GTK_WIDGET (self)) * self->scale;

      ql_scene_set_theme (scene, ql_theme_get (self->dark ? QL_THEME_DARK : QL_THEME_LIGHT));
      if (w > 0 && h > 0)
        ql_scene_set_size (scene, w, h);
    }
  viewport_changed (self);
}

QlScene *
ql_chart_view_get_scene (QlChartView *self)
{
  g_return_val_if_fail (QL_IS_CHART_VIEW (self), NULL);
  return self->scene;
}

void
ql_chart_view_data_changed (QlChartView *self)
{
  double first, bpp, right_bar;
  gsize before;

  g_return_if_fail (QL_IS_CHART_VIEW (self));
  if (self->scene == NULL)
    return;
  /* Follow the data when its last bar was in view: keep the right margin. */
  ql_scene_get_viewport (self->scene, &first, &bpp);
  right_bar = first + plot_width (self) * bpp;
  before = self->synced_len;
  ql_scene_sync (self->scene);
  self->synced_len = self->bars->len;
  /* By whole pixels: the backend then scrolls its last picture and draws
   * only the new bar, the axes and what else changed. */
  if (self->bars->len > before && before > 0 && right_bar >= (double) before - 1.0)
    ql_scene_follow_bars (self->scene, (double) (self->bars->len - before));
  viewport_changed (self);
}

double
ql_chart_view_get_first_bar (QlChartView *self)
{
  double first = 0.0, bpp = 1.0;

  g_return_val_if_fail (QL_IS_CHART_VIEW (self), 0.0);
  if (self->scene != NULL)
    ql_scene_get_viewport (self->scene, &first, &bpp);
  return first;
}

double
ql_chart_view_get_bars_per_px (QlChartView *self)
{
  double first = 0.0, bpp = 1.0;

  g_return_val_if_fail (QL_IS_CHART_VIEW (self), 1.0);
  if (self->scene != NULL)
    ql_scene_get_viewport (self->scene, &first, &bpp);
  return bpp;
}

void
ql_chart_view_set_viewport (QlChartView *self, double first_bar, double bars_per_px)
{
  g_return_if_fail (QL_IS_CHART_VIEW (self));
  if (self->scene == NULL)
    return;
  stop_kinetic (self);
  ql_scene_set_viewport (self->scene, first_bar, bars_per_px);
  viewport_changed (self);
}

gboolean
ql_chart_view_get_dark (QlChartView *self)
{
  g_return_val_if_fail (QL_IS_CHART_VIEW (self), FALSE);
  return self->dark;
}

void
ql_chart_view_set_dark (QlChartView *self, gboolean dark)
{
  g_return_if_fail (QL_IS_CHART_VIEW (self));
  self->follow_desktop = FALSE;
  apply_dark (self, dark);
}

void
ql_chart_view_follow_desktop_theme (QlChartView *self)
{
  g_return_if_fail (QL_IS_CHART_VIEW (self));
  self->follow_desktop = TRUE;
  follow_desktop (self);
}

gboolean
ql_chart_view_get_uses_gl (QlChartView *self)
{
  g_return_val_if_fail (QL_IS_CHART_VIEW (self), FALSE);
  return self->backend != NULL;
}

gboolean
ql_chart_view_get_crosshair (QlChartView *self)
{
  g_return_val_if_fail (QL_IS_CHART_VIEW (self), FALSE);
  return self->crosshair;
}

void
ql_chart_view_set_crosshair (QlChartView *self, gboolean crosshair)
{
  g_return_if_fail (QL_IS_CHART_VIEW (self));
  crosshair = !!crosshair;
  if (self->crosshair == crosshair)
    return;
  self->crosshair = crosshair;
  update_crosshair (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CROSSHAIR]);
  gtk_gl_area_queue_render (GTK_GL_AREA (self));
}

void
ql_chart_view_reset (QlChartView *self)
{
  g_return_if_fail (QL_IS_CHART_VIEW (self));
  if (self->scene == NULL)
    return;
  stop_kinetic (self);
  for (guint i = 0; i < ql_scene_get_n_panes (self->scene); i++)
    ql_scene_pane_set_autoscale (self->scene, i, TRUE);
  ql_scene_show_last (self->scene, DEFAULT_BARS);
  viewport_changed (self);
}

gsize
ql_chart_view_get_gpu_bytes (QlChartView *self)
{
  g_return_val_if_fail (QL_IS_CHART_VIEW (self), 0);
  return self->backend != NULL ? ql_gl_backend_get_gpu_bytes (self->backend) : 0;
}

guint
ql_chart_view_get_frame_count (QlChartView *self)
{
  g_return_val_if_fail (QL_IS_CHART_VIEW (self), 0);
  return self->frames;
}
