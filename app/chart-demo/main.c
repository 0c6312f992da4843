/* app/chart-demo/main.c — quantlab-chart-demo: the OpenGL chart in a window
 * of its own, on a CSV file or on generated bars, optionally live.
 *
 *   quantlab-chart-demo [--data FILE | --bars N] [--ind SPEC ...] [--dark]
 *                       [--symbol SYM] [--timeframe TF] [--tz ZONE]
 *                       [--live] [--size WxH] [--screenshot FILE.png]
 *
 * The chart gets an instrument and a timeframe, so it has its watermark and
 * its time axis in the instrument's zone: the symbol is --symbol, else the
 * file's name (DEMO for generated bars); the timeframe is --timeframe, else
 * the smallest spacing of the first bars; the zone is --tz (the file's times
 * are read in it too), else UTC; prices keep the file's decimals.
 *
 * --live appends a new one-minute bar every second and moves the forming
 * bar every 100 ms, as a feed would; --screenshot saves the window after
 * its first frames and quits (what the tests and the docs use). */
#define G_LOG_DOMAIN "ql-app-chart-demo"

#include "data/csv.h"
#include "engine/instrument.h"
#include "engine/series.h"
#include "engine/timeframe.h"
#include "render/chart_view.h"
#include "render/scene.h"

#include <gtk/gtk.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct
{
  char *data;
  int n_bars;
  char **inds;
  gboolean dark;
  gboolean live;
  char *size;
  char *screenshot;
  char *symbol;
  char *timeframe;
  char *tz;

  QlInstrument inst;
  QlTimeframe tf;
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

/* The smallest positive spacing of the first bars as a timeframe: whole
 * weeks or days, else seconds. */
static QlTimeframe
infer_timeframe (const QlSeries *bars)
{
  const QlTimeNs *time = ql_series_i64 (bars, QL_BAR_TIME);
  gint64 best = 0;
  for (gsize i = 1; i < MIN (bars->len, (gsize) 200); i++)
    {
      gint64 d = time[i] - time[i - 1];
      if (d > 0 && (best == 0 || d < best))
        best = d;
    }
  gint64 secs = MAX (best / QL_NS_PER_SEC, 1);
  if (secs % (7 * 86400) == 0)
    return (QlTimeframe) { QL_TF_WEEKS, secs / (7 * 86400) };
  if (secs % 86400 == 0)
    return (QlTimeframe) { QL_TF_DAYS, secs / 86400 };
  return (QlTimeframe) { QL_TF_SECONDS, secs };
}

/* "data/samples/demo-daily.csv" -> "DEMODAILY", as quantlab-cli chart does. */
static char *
symbol_for_file (const char *path)
{
  g_autofree char *base = g_path_get_basename (path);
  GString *sym = g_string_new (NULL);
  char *dot = strchr (base, '.');
  if (dot != NULL)
    *dot = '\0';
  for (const char *c = base; *c != '\0'; c++)
    if (g_ascii_isalnum (*c))
      g_string_append_c (sym, g_ascii_toupper (*c));
  if (sym->len == 0)
    g_string_append (sym, "FILE");
  return g_string_free (sym, FALSE);
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
  scene = ql_scene_new (demo->bars, &demo->inst, &demo->tf);
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
    { "symbol", 0, 0, G_OPTION_ARG_STRING, &demo.symbol, "Symbol of the watermark and legend (default: the file's name, DEMO)", "SYM" },
    { "timeframe", 0, 0, G_OPTION_ARG_STRING, &demo.timeframe, "Timeframe of the bars (default: their spacing)", "TF" },
    { "tz", 0, 0, G_OPTION_ARG_STRING, &demo.tz, "IANA zone of the file's times and the time axis (default UTC)", "ZONE" },
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
  {
    g_autofree char *sym = demo.symbol != NULL ? g_strdup (demo.symbol)
                           : demo.data != NULL ? symbol_for_file (demo.data) : g_strdup ("DEMO");
    if (!ql_instrument_init (&demo.inst, sym, &error) ||
        (demo.tz != NULL && !ql_instrument_set_timezone (&demo.inst, demo.tz, &error)))
      {
        g_printerr ("quantlab-chart-demo: %s\n", error->message);
        return 2;
      }
    demo.inst.price_scale = 2; /* the generated bars' cents */
  }
  if (demo.timeframe != NULL && !ql_timeframe_parse (demo.timeframe, &demo.tf, &error))
    {
      g_printerr ("quantlab-chart-demo: --timeframe: %s\n", error->message);
      ql_instrument_clear (&demo.inst);
      return 2;
    }
  demo.rand = g_rand_new_with_seed (20240102);
  if (demo.data != NULL)
    {
      QlCsvOptions opts;
      QlCsvLayout layout;
      ql_csv_options_init (&opts);
      opts.tz = demo.inst.tz;
      if (!ql_csv_read_bars (demo.data, &opts, &demo.bars, &layout, &error))
        {
          g_printerr ("quantlab-chart-demo: %s\n", error->message);
          ql_instrument_clear (&demo.inst);
          return 1;
        }
      demo.inst.price_scale = layout.price_scale;
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
  if (demo.timeframe == NULL)
    demo.tf = infer_timeframe (demo.bars);

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
  g_free (demo.symbol);
  g_free (demo.timeframe);
  g_free (demo.tz);
  ql_instrument_clear (&demo.inst);
  return demo.status;
}
