/* app/chart-demo/main.c — quantlab-chart-demo: the OpenGL chart in a window
 * of its own, on a CSV file or on generated bars, optionally live.
 *
 *   quantlab-chart-demo [--data FILE | --bars N] [--ind SPEC ...] [--dark]
 *                       [--live] [--size WxH] [--screenshot FILE.png]
 *
 * --live appends a new one-minute bar every second and moves the forming
 * bar every 100 ms, as a feed would; --screenshot saves the window after
 * its first frames and quits (what the tests and the docs use). */
#define G_LOG_DOMAIN "ql-app-chart-demo"

#include "data/csv.h"
#include "engine/series.h"
#include "render/chart_view.h"
#include "render/scene.h"

#include <gtk/gtk.h>
#include <math.h>
#include <stdlib.h>

typedef struct
{
  char *data;
  int n_bars;
  char **inds;
  gboolean dark;
  gboolean live;
  char *size;
  char *screenshot;

  QlSeries *bars;
  GRand *rand;
  QlChartView *view;
  GtkWidget *window;
  guint frames_seen;
  int status;
} Demo;

/* A seeded random walk of one-minute bars from 2024-01-02 00:00 UTC, so
 * every run shows the same chart. */
static QlSeries *
generate_bars (GRand *rand, int n)
{
  QlSeries *bars = ql_series_new_bars ();
  double price = 100.0;

  ql_series_reserve (bars, n);
  for (int i = 0; i < n; i++)
    {
      QlBar bar = { 0 };
      double drift = g_rand_double_range (rand, -0.25, 0.25);
      double high_ext = g_rand_double_range (rand, 0.0, 0.2);
      double low_ext = g_rand_double_range (rand, 0.0, 0.2);

      bar.time = G_GINT64_CONSTANT (1704153600) * QL_NS_PER_SEC + (gint64) i * QL_NS_PER_MIN;
      bar.open = price;
      bar.close = MAX (1.0, price + drift);
      bar.high = MAX (bar.open, bar.close) + high_ext;
      bar.low = MAX (0.5, MIN (bar.open, bar.close) - low_ext);
      bar.volume = floor (g_rand_double_range (rand, 100.0, 1000.0) * (1.0 + fabs (drift) * 4.0));
      ql_series_append_bar (bars, &bar);
      price = bar.close;
    }
  return bars;
}

static gboolean
live_append_cb (gpointer user_data)
{
  Demo *demo = user_data;
  QlBar last, bar = { 0 };

  ql_series_get_bar (demo->bars, demo->bars->len - 1, &last);
  bar.time = last.time + QL_NS_PER_MIN;
  bar.open = bar.high = bar.low = bar.close = last.close;
  bar.volume = 0.0;
  ql_series_append_bar (demo->bars, &bar);
  ql_chart_view_data_changed (demo->view);
  return G_SOURCE_CONTINUE;
}

static gboolean
live_tick_cb (gpointer user_data)
{
  Demo *demo = user_data;
  QlBar bar;
  gsize i = demo->bars->len - 1;

  ql_series_get_bar (demo->bars, i, &bar);
  bar.close = MAX (1.0, bar.close + g_rand_double_range (demo->rand, -0.08, 0.08));
  bar.high = MAX (bar.high, bar.close);
  bar.low = MIN (bar.low, bar.close);
  bar.volume += floor (g_rand_double_range (demo->rand, 1.0, 40.0));
  ql_series_set_bar (demo->bars, i, &bar);
  ql_chart_view_data_changed (demo->view);
  return G_SOURCE_CONTINUE;
}

static gboolean
save_screenshot (Demo *demo)
{
  GdkPaintable *paintable = gtk_widget_paintable_new (demo->window);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  int w = gtk_widget_get_width (demo->window), h = gtk_widget_get_height (demo->window);
  GskRenderNode *node;
  GdkTexture *texture;
  gboolean ok = FALSE;

  gdk_paintable_snapshot (paintable, snapshot, w, h);
  node = gtk_snapshot_free_to_node (snapshot);
  if (node != NULL)
    {
      GskRenderer *renderer = gtk_native_get_renderer (GTK_NATIVE (demo->window));
      texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, w, h));
      ok = gdk_texture_save_to_png (texture, demo->screenshot);
      g_object_unref (texture);
      gsk_render_node_unref (node);
    }
  g_object_unref (paintable);
  if (!ok)
    g_printerr ("quantlab-chart-demo: %s: could not save the screenshot\n", demo->screenshot);
  else
    g_printerr ("quantlab-chart-demo: saved %s (%dx%d, %" G_GSIZE_FORMAT " bytes on the GPU)\n",
                demo->screenshot, w, h, ql_chart_view_get_gpu_bytes (demo->view));
  return ok;
}

static gboolean
screenshot_tick_cb (GtkWidget *widget, GdkFrameClock *clock, gpointer user_data)
{
  Demo *demo = user_data;

  /* A few frames in, the GL area has drawn at its final size. */
  if (ql_chart_view_get_frame_count (demo->view) < 3)
    {
      gtk_widget_queue_draw (widget);
      gtk_gl_area_queue_render (GTK_GL_AREA (demo->view));
      return G_SOURCE_CONTINUE;
    }
  demo->status = save_screenshot (demo) ? 0 : 1;
  gtk_window_destroy (GTK_WINDOW (demo->window));
  return G_SOURCE_REMOVE;
}

static void
activate_cb (GtkApplication *app, Demo *demo)
{
  QlScene *scene;
  GtkWidget *view;
  g_autofree char *title = NULL;
  int w = 1280, h = 800;

  if (demo->size != NULL && sscanf (demo->size, "%dx%d", &w, &h) != 2)
    {
      g_printerr ("quantlab-chart-demo: --size %s: expected WIDTHxHEIGHT\n", demo->size);
      demo->status = 2;
      return;
    }
  scene = ql_scene_new (demo->bars, NULL, NULL);
  ql_scene_add_volume (scene, -1);
  for (guint i = 0; demo->inds != NULL && demo->inds[i] != NULL; i++)
    {
      g_autoptr (GError) error = NULL;
      if (ql_scene_add_indicator (scene, demo->inds[i], QL_PANE_AUTO, &error) < 0)
        {
          g_printerr ("quantlab-chart-demo: --ind %s: %s\n", demo->inds[i], error->message);
          ql_scene_free (scene);
          demo->status = 1;
          return;
        }
    }

  view = ql_chart_view_new ();
  demo->view = QL_CHART_VIEW (view);
  ql_chart_view_set_dark (demo->view, demo->dark);
  ql_chart_view_set_scene (demo->view, scene, demo->bars);

  demo->window = gtk_application_window_new (app);
  title = g_strdup_printf ("QuantLab chart — %s (%" G_GSIZE_FORMAT " bars)",
                           demo->data != NULL ? demo->data : "generated", demo->bars->len);
  gtk_window_set_title (GTK_WINDOW (demo->window), title);
  gtk_window_set_default_size (GTK_WINDOW (demo->window), w, h);
  gtk_window_set_child (GTK_WINDOW (demo->window), view);
  gtk_window_present (GTK_WINDOW (demo->window));
  gtk_widget_grab_focus (view);

  if (demo->live)
    {
      g_timeout_add (1000, live_append_cb, demo);
      g_timeout_add (100, live_tick_cb, demo);
    }
  if (demo->screenshot != NULL)
    gtk_widget_add_tick_callback (view, screenshot_tick_cb, demo, NULL);
}

int
main (int argc, char **argv)
{
  Demo demo = { .n_bars = 100000 };
  g_autoptr (GOptionContext) ctx = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GtkApplication) app = NULL;
  static const char *default_inds[] = { "sma(50)", "bbands(20,2)", "rsi(14)", NULL };
  GOptionEntry entries[] = {
    { "data", 0, 0, G_OPTION_ARG_FILENAME, &demo.data, "Bars from a CSV file", "FILE" },
    { "bars", 0, 0, G_OPTION_ARG_INT, &demo.n_bars, "Generate N one-minute bars (100000)", "N" },
    { "ind", 0, 0, G_OPTION_ARG_STRING_ARRAY, &demo.inds, "Add an indicator (sma(50), bbands(20,2), rsi(14))", "SPEC" },
    { "dark", 0, 0, G_OPTION_ARG_NONE, &demo.dark, "Dark theme", NULL },
    { "live", 0, 0, G_OPTION_ARG_NONE, &demo.live, "Append and update bars as a live feed would", NULL },
    { "size", 0, 0, G_OPTION_ARG_STRING, &demo.size, "Window size (1280x800)", "WxH" },
    { "screenshot", 0, 0, G_OPTION_ARG_FILENAME, &demo.screenshot, "Save the window as PNG and quit", "FILE" },
    { NULL }
  };

  ctx = g_option_context_new ("- the QuantLab OpenGL chart");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("quantlab-chart-demo: %s\n", error->message);
      return 2;
    }
  if (demo.inds == NULL)
    demo.inds = g_strdupv ((char **) default_inds);
  demo.rand = g_rand_new_with_seed (20240102);
  if (demo.data != NULL)
    {
      if (!ql_csv_read_bars (demo.data, NULL, &demo.bars, NULL, &error))
        {
          g_printerr ("quantlab-chart-demo: %s\n", error->message);
          return 1;
        }
      if (demo.bars->len == 0)
        {
          g_printerr ("quantlab-chart-demo: %s: no bars\n", demo.data);
          return 1;
        }
    }
  else
    {
      if (demo.n_bars < 1)
        {
          g_printerr ("quantlab-chart-demo: --bars must be at least 1\n");
          return 2;
        }
      demo.bars = generate_bars (demo.rand, demo.n_bars);
    }

  app = gtk_application_new ("io.github.quantlab.QuantLab.ChartDemo", G_APPLICATION_NON_UNIQUE);
  g_signal_connect (app, "activate", G_CALLBACK (activate_cb), &demo);
  /* Our options are parsed: GApplication sees the program name alone. */
  if (g_application_run (G_APPLICATION (app), 1, argv) != 0 && demo.status == 0)
    demo.status = 1;

  ql_series_free (demo.bars);
  g_rand_free (demo.rand);
  g_strfreev (demo.inds);
  g_free (demo.data);
  g_free (demo.size);
  g_free (demo.screenshot);
  return demo.status;
}
