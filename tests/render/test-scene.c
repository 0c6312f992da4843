/* tests/render/test-scene.c — the scene model and its layout in pixels:
 * viewport mapping, auto-scale, log and percent scales, the tick grid, time
 * labels at every zoom, level of detail, crosshair and legend, indicators
 * kept up to date on append, and the display list of each series kind. */
#include "render/scene.h"

#include "engine/indicator.h"

#include <math.h>
#include <string.h>

/* 2024-03-04T14:30:00Z, 09:30 in New York (EST, UTC-5). */
#define T0 (G_GINT64_CONSTANT (1709562600) * QL_NS_PER_SEC)

/* @n bars @step_ns apart from T0; bar i: open 100+i, close 100.5+i,
 * high 101+i, low 99.5+i, volume 10·(i+1). */
static QlSeries *
make_bars (gsize n, gint64 step_ns)
{
  QlSeries *bars = ql_series_new_bars ();
  for (gsize i = 0; i < n; i++)
    {
      QlBar b = {
        .time = T0 + (gint64) i * step_ns, .open = 100 + i, .high = 101 + i, .low = 99.5 + i,
        .close = 100.5 + i, .volume = 10.0 * (i + 1),
      };
      ql_series_append_bar (bars, &b);
    }
  return bars;
}

static void
make_inst (QlInstrument *inst, const char *tz, int scale, QlPrice tick)
{
  g_assert_true (ql_instrument_init (inst, "TEST", NULL));
  g_assert_true (ql_instrument_set_timezone (inst, tz, NULL));
  inst->price_scale = scale;
  inst->tick_size = tick;
}

static const QlSceneLabel *
find_label (const QlSceneFrame *f, const char *text)
{
  for (guint i = 0; i < f->n_labels; i++)
    if (strcmp (f->labels[i].text, text) == 0)
      return &f->labels[i];
  return NULL;
}

/* A label with @text in the legend: inside pane 0's plot, near its top. */
static const QlSceneLabel *
find_legend (const QlSceneFrame *f, const char *text)
{
  QlRect plot = f->panes[0].plot;
  for (guint i = 0; i < f->n_labels; i++)
    if (strcmp (f->labels[i].text, text) == 0 && f->labels[i].box.x + f->labels[i].box.w <= plot.x + plot.w &&
        f->labels[i].box.y < plot.y + 60)
      return &f->labels[i];
  return NULL;
}

static guint
count_ops (const QlSceneFrame *f, QlSceneOpKind kind)
{
  guint n = 0;
  for (guint i = 0; i < f->n_ops; i++)
    n += f->ops[i].kind == kind;
  return n;
}

static const QlSceneOp *
find_op (const QlSceneFrame *f, QlSceneOpKind kind, guint nth)
{
  for (guint i = 0; i < f->n_ops; i++)
    if (f->ops[i].kind == kind && nth-- == 0)
      return &f->ops[i];
  return NULL;
}

/* Labels on the time axis, left to right as laid out. */
static GPtrArray *
time_labels (const QlSceneFrame *f)
{
  GPtrArray *out = g_ptr_array_new ();
  for (guint i = 0; i < f->n_labels; i++)
    if (f->labels[i].box.y >= f->time_axis.y && !f->labels[i].has_background)
      g_ptr_array_add (out, (gpointer) f->labels[i].text);
  return out;
}

static gboolean
has_text (GPtrArray *texts, const char *t)
{
  for (guint i = 0; i < texts->len; i++)
    if (strcmp (g_ptr_array_index (texts, i), t) == 0)
      return TRUE;
  return FALSE;
}

static void
test_viewport_candles (void)
{
  g_autoptr (QlSeries) bars = make_bars (10, QL_NS_PER_MIN);
  g_autoptr (QlScene) scene = ql_scene_new (bars, NULL, NULL);

  g_test_summary ("Bar i's centre lies at (i - first_bar) / bars_per_px; candles are 70% of "
                  "the spacing, odd, on pixel centres");
  ql_scene_set_size (scene, 400, 300);
  ql_scene_set_last_price_visible (scene, FALSE);
  /* first_bar -0.5 and 0.1 bar/px: bar i's centre at 10 i + 5 px. */
  ql_scene_set_viewport (scene, -0.5, 0.1);
  const QlSceneFrame *f = ql_scene_layout (scene);
  const QlSceneOp *op = find_op (f, QL_OP_CANDLES, 0);
  g_assert_nonnull (op);
  g_assert_cmpuint (op->count, ==, 10);
  for (guint i = 0; i < 10; i++)
    {
      const QlSceneCandle *c = &f->candles[op->first + i];
      /* The centre 10 i + 5 moved to the pixel centre 10 i + 5.5; spacing
       * 10 px: body floor (7) = 7 px, half 3.5. */
      g_assert_cmpfloat (c->x, ==, 10 * i + 5.5);
      g_assert_cmpfloat (c->half_width, ==, 3.5);
      g_assert_true (c->up);
      g_assert_cmpfloat (c->high, <, c->close);
      g_assert_cmpfloat (c->close, <, c->open);
      g_assert_cmpfloat (c->open, <, c->low);
    }
  g_assert_cmpfloat (ql_scene_bar_to_x (scene, 3), ==, 35);
  g_assert_cmpfloat (ql_scene_x_to_bar (scene, 35), ==, 3);

  /* Zooming by 2 around x = 35 keeps bar 3 there and halves bars per px. */
  ql_scene_zoom_at (scene, 35, 2);
  double first, bpp;
  ql_scene_get_viewport (scene, &first, &bpp);
  g_assert_cmpfloat (bpp, ==, 0.05);
  g_assert_cmpfloat_with_epsilon (ql_scene_bar_to_x (scene, 3), 35, 1e-9);
  /* Panning 20 px right shows one bar (20 px at 0.05 bar/px) older. */
  ql_scene_scroll (scene, 20);
  g_assert_cmpfloat_with_epsilon (ql_scene_bar_to_x (scene, 3), 55, 1e-9);
}

static void
test_fit_wide_axis (void)
{
  g_autoptr (QlSeries) bars = make_bars (20, QL_NS_PER_MIN);
  QlInstrument inst;
  make_inst (&inst, "UTC", 5, 1); /* "100.00000": an axis wider than the 60 px assumed */
  g_autoptr (QlScene) scene = ql_scene_new (bars, &inst, NULL);

  g_test_summary ("Showing a time range before the first layout fits it into the plot left "
                  "by the axis the layout finds, so the last bar is not cut off");
  ql_scene_set_size (scene, 600, 400);
  ql_scene_show_time_range (scene, T0, T0 + 20 * QL_NS_PER_MIN);
  const QlSceneFrame *f = ql_scene_layout (scene);
  QlRect plot = f->panes[0].plot;
  g_assert_cmpfloat (plot.w, <, 540);
  /* Bars 0..19 fill the plot exactly: bar 19's centre half a bar from its
   * right edge, 19.5 bars = plot.w * 19.5 / 20 px from the left. */
  g_assert_cmpfloat_with_epsilon (ql_scene_bar_to_x (scene, 19), plot.w * 19.5 / 20, 1e-3);
  g_assert_cmpfloat_with_epsilon (ql_scene_bar_to_x (scene, 0), plot.w * 0.5 / 20, 1e-3);
  ql_instrument_clear (&inst);
}

static void
test_autoscale_margins (void)
{
  g_autoptr (QlSeries) bars = ql_series_new_bars ();
  for (int i = 0; i < 20; i++)
    {
      QlBar b = { .time = T0 + i * QL_NS_PER_MIN, .open = 104, .high = 110, .low = 100, .close = 106 };
      ql_series_append_bar (bars, &b);
    }
  g_autoptr (QlScene) scene = ql_scene_new (bars, NULL, NULL);

  g_test_summary ("Auto-scale spans the visible lows and highs plus 10% of the plot above "
                  "and below; a manual range replaces it");
  ql_scene_set_size (scene, 600, 400);
  ql_scene_set_viewport (scene, -0.5, 0.05);
  const QlSceneFrame *f = ql_scene_layout (scene);
  /* Data 100..110 fills the middle 80%: 10 / 0.8 = 12.5 in all, 1.25 each side. */
  g_assert_cmpfloat_with_epsilon (f->panes[0].min, 98.75, 1e-9);
  g_assert_cmpfloat_with_epsilon (f->panes[0].max, 111.25, 1e-9);
  QlRect plot = f->panes[0].plot;
  g_assert_cmpfloat_with_epsilon (ql_scene_value_to_y (scene, 0, 110), plot.y + 0.1 * plot.h, 1e-4);
  g_assert_cmpfloat_with_epsilon (ql_scene_value_to_y (scene, 0, 100), plot.y + 0.9 * plot.h, 1e-4);
  g_assert_cmpfloat_with_epsilon (ql_scene_y_to_value (scene, 0, plot.y + 0.5 * plot.h), 105, 1e-9);

  ql_scene_pane_set_range (scene, 0, 50, 150);
  f = ql_scene_layout (scene);
  g_assert_cmpfloat (f->panes[0].min, ==, 50);
  g_assert_cmpfloat (f->panes[0].max, ==, 150);
  /* Dragging the axis by 2 doubles the span around the centre 100. */
  ql_scene_pane_scale_by (scene, 0, 2);
  f = ql_scene_layout (scene);
  g_assert_cmpfloat (f->panes[0].min, ==, 0);
  g_assert_cmpfloat (f->panes[0].max, ==, 200);
  ql_scene_pane_set_autoscale (scene, 0, TRUE);
  f = ql_scene_layout (scene);
  g_assert_cmpfloat_with_epsilon (f->panes[0].max, 111.25, 1e-9);
}

static void
test_log_and_percent (void)
{
  g_autoptr (QlSeries) bars = ql_series_new_bars ();
  QlBar a = { .time = T0, .open = 10, .high = 10, .low = 10, .close = 10 };
  QlBar b = { .time = T0 + QL_NS_PER_DAY, .open = 1000, .high = 1000, .low = 1000, .close = 1000 };
  ql_series_append_bar (bars, &a);
  ql_series_append_bar (bars, &b);
  g_autoptr (QlScene) scene = ql_scene_new (bars, NULL, NULL);

  g_test_summary ("On a log scale 100 lies halfway between 10 and 1000; the percent scale "
                  "counts from the first visible close");
  ql_scene_set_size (scene, 600, 400);
  ql_scene_set_viewport (scene, -0.5, 0.01);
  ql_scene_pane_set_scale_mode (scene, 0, QL_SCALE_LOG);
  const QlSceneFrame *f = ql_scene_layout (scene);
  QlRect plot = f->panes[0].plot;
  g_assert_cmpfloat_with_epsilon (ql_scene_value_to_y (scene, 0, 100), plot.y + plot.h / 2, 1e-3);
  /* ln 10 and ln 1000 plus the 10% margins of the span ln 100 / 0.8. */
  double k = log (100) / 0.8;
  g_assert_cmpfloat_with_epsilon (f->panes[0].min, log (10) - 0.1 * k, 1e-9);
  g_assert_cmpfloat_with_epsilon (f->panes[0].max, log (1000) + 0.1 * k, 1e-9);
  g_assert_cmpfloat_with_epsilon (ql_scene_y_to_value (scene, 0, plot.y + plot.h / 2), 100, 1e-9);

  ql_scene_pane_set_scale_mode (scene, 0, QL_SCALE_PERCENT);
  f = ql_scene_layout (scene);
  /* 10 -> 0 %, 1000 -> +9900 %; 10% margins of 9900 each side. */
  g_assert_cmpfloat_with_epsilon (f->panes[0].min, -0.1 * 9900 / 0.8, 1e-6);
  g_assert_cmpfloat_with_epsilon (f->panes[0].max, 9900 + 0.1 * 9900 / 0.8, 1e-6);
  g_assert_cmpfloat_with_epsilon (ql_scene_value_to_y (scene, 0, 10),
                                  plot.y + (f->panes[0].max - 0) / (f->panes[0].max - f->panes[0].min) * plot.h, 1e-3);
  gboolean any_percent = FALSE;
  for (guint i = 0; i < f->n_labels; i++)
    if (g_str_has_suffix (f->labels[i].text, "%"))
      any_percent = TRUE;
  g_assert_true (any_percent);
}

static void
test_percent_labels (void)
{
  g_autoptr (QlSeries) bars = ql_series_new_bars ();
  QlBar a = { .time = T0, .open = 1, .high = 1, .low = 1, .close = 1 };
  QlBar b = { .time = T0 + QL_NS_PER_DAY, .open = 100, .high = 100.25, .low = 100, .close = 100 };
  ql_series_append_bar (bars, &a);
  ql_series_append_bar (bars, &b);
  g_autoptr (QlScene) scene = ql_scene_new (bars, NULL, NULL);

  g_test_summary ("In percent mode the legend shows prices with their own decimals and the "
                  "axis no percentage at or below -100 % (a price of zero or less)");
  ql_scene_set_size (scene, 600, 825);
  ql_scene_set_viewport (scene, -0.5, 0.01);
  ql_scene_pane_set_scale_mode (scene, 0, QL_SCALE_PERCENT);
  ql_scene_add_price_line (scene, 0, 50.5, NULL, 0, NULL);
  const QlSceneFrame *f = ql_scene_layout (scene);
  /* An unlabelled price line's tag reads as the axis does: 50.5 is
   * 4950 % above 1. */
  const QlSceneLabel *tag = find_label (f, "4950.00%");
  g_assert_nonnull (tag);
  g_assert_true (tag->has_background);
  /* 1 -> 0 %, 100.25 -> 9925 %; the 10 % margins of 9925 / 0.8 reach
   * -1240.6 %. 800 px of plot want a line every 36 px, 22 of them: a step
   * of 12406 / 22 = 564, rounded to 1000, so the grid would start at
   * -1000 %: a price of -9. */
  g_assert_cmpfloat (f->panes[0].min, <, -1000);
  guint n_percent = 0;
  for (guint i = 0; i < f->n_labels; i++)
    if (g_str_has_suffix (f->labels[i].text, "%") && !f->labels[i].has_background)
      {
        g_assert_cmpfloat (g_ascii_strtod (f->labels[i].text, NULL), >, -100);
        n_percent++;
      }
  g_assert_cmpuint (n_percent, >=, 5);
  /* Bar 1 in the legend: 100, 100.25, 100, 100 with two decimals, not the
   * percent axis's none. */
  g_assert_nonnull (find_legend (f, "100.25"));
  g_assert_nonnull (find_legend (f, "100.00"));
  g_assert_null (find_legend (f, "100"));
}

/* A label on the price axes (right of the plots, above the time axis) with @text. */
static const QlSceneLabel *
find_axis_label (const QlSceneFrame *f, const char *text)
{
  for (guint i = 0; i < f->n_labels; i++)
    if (strcmp (f->labels[i].text, text) == 0 && !f->labels[i].has_background &&
        f->labels[i].box.x >= f->panes[0].plot.x + f->panes[0].plot.w &&
        f->labels[i].box.y < f->time_axis.y)
      return &f->labels[i];
  return NULL;
}

static void
test_compact_axis (void)
{
  g_autoptr (QlSeries) bars = ql_series_new_bars ();
  g_autoptr (GError) error = NULL;
  double big[20];
  for (int i = 0; i < 20; i++)
    {
      QlBar b = { .time = T0 + i * QL_NS_PER_MIN, .open = 100, .high = 101, .low = 99,
                  .close = 100.5, .volume = 62.5e6 * i };
      ql_series_append_bar (bars, &b);
      big[i] = 30e6 * i;
    }
  g_autoptr (QlScene) scene = ql_scene_new (bars, NULL, NULL);

  g_test_summary ("Volumes and large indicator values read 500M, 1B on an axis wide enough "
                  "for every pane's labels; a caption without parameters has no parentheses");
  ql_scene_set_size (scene, 600, 600);
  ql_scene_set_viewport (scene, -0.5, 0.05);
  ql_scene_add_volume (scene, -1);
  guint obv = ql_scene_add_pane (scene, 1);
  ql_scene_add_values (scene, obv, QL_SERIES_LINE, "Big", big, NULL, 20, NULL);
  g_assert_cmpint (ql_scene_add_indicator (scene, "obv", QL_PANE_NEW, &error), ==, 3);
  g_assert_no_error (error);
  const QlSceneFrame *f = ql_scene_layout (scene);
  /* 575 px of panes at 3:1:1:1: the volume pane is 96 px, 2 lines at 36 px
   * a line, so 3 at least. Volumes up to 1.1875B with the top margin:
   * 1.1875 / 0.9 = 1.319B over 3 lines, a step of 0.44B rounded to 0.5B. */
  g_assert_nonnull (find_axis_label (f, "500M"));
  g_assert_nonnull (find_axis_label (f, "1B"));
  g_assert_null (find_axis_label (f, "500.00M"));
  /* Big: 0 .. 570M, with 10% margins -71.25M .. 641.25M; 96 px again, a
   * step of 712.5M / 3 = 237.5M rounded to 250M. */
  g_assert_nonnull (find_axis_label (f, "250M"));
  g_assert_null (find_axis_label (f, "250000000"));
  /* No label runs past the right edge. */
  for (guint i = 0; i < f->n_labels; i++)
    g_assert_cmpfloat (f->labels[i].box.x + f->labels[i].box.w, <=, 600);
  g_assert_nonnull (find_label (f, "OBV"));
  g_assert_null (find_label (f, "OBV()"));
}

static void
test_tick_grid (void)
{
  g_autoptr (QlSeries) bars = ql_series_new_bars ();
  QlInstrument inst;
  make_inst (&inst, "UTC", 2, 25); /* tick 0.25 */
  for (int i = 0; i < 50; i++)
    {
      double base = 100 + 0.01 * i;
      QlBar b = { .time = T0 + i * QL_NS_PER_MIN, .open = base, .high = base + 0.1, .low = base - 0.1,
                  .close = base + 0.05 };
      ql_series_append_bar (bars, &b);
    }
  g_autoptr (QlScene) scene = ql_scene_new (bars, &inst, NULL);

  g_test_summary ("Price labels sit on the instrument's tick grid with its decimals");
  ql_scene_set_size (scene, 500, 600);
  ql_scene_set_last_price_visible (scene, FALSE);
  ql_scene_show_last (scene, 50);
  const QlSceneFrame *f = ql_scene_layout (scene);
  const QlRect plot = f->panes[0].plot;
  guint n = 0;
  for (guint i = 0; i < f->n_labels; i++)
    {
      const QlSceneLabel *l = &f->labels[i];
      if (l->box.x < plot.x + plot.w || l->has_background)
        continue;
      /* "100.25": two decimals, a multiple of 25 hundredths. */
      const char *dot = strchr (l->text, '.');
      g_assert_nonnull (dot);
      g_assert_cmpuint (strlen (dot + 1), ==, 2);
      double v = g_ascii_strtod (l->text, NULL);
      double hundredths = round (v * 100);
      g_assert_cmpfloat (fmod (hundredths, 25), ==, 0);
      n++;
    }
  g_assert_cmpuint (n, >=, 2);
  ql_instrument_clear (&inst);
}

static void
test_time_labels_zoom (void)
{
  QlInstrument inst;
  make_inst (&inst, "America/New_York", 2, 1);

  g_test_summary ("Time labels adapt to the zoom (years, months, days, hours, minutes, "
                  "seconds) in the instrument's time zone");
  /* One-minute bars from 09:30 New York: at 5 px a bar, labels every
   * half hour or so, the first whole one 10:00, bar 30. */
  {
    g_autoptr (QlSeries) bars = make_bars (200, QL_NS_PER_MIN);
    g_autoptr (QlScene) scene = ql_scene_new (bars, &inst, NULL);
    ql_scene_set_size (scene, 1100, 400);
    ql_scene_set_viewport (scene, -0.5, 0.2);
    const QlSceneFrame *f = ql_scene_layout (scene);
    g_autoptr (GPtrArray) t = time_labels (f);
    g_assert_true (has_text (t, "10:00"));
    g_assert_true (has_text (t, "11:00"));
    const QlSceneLabel *l = find_label (f, "10:00");
    g_assert_cmpfloat_with_epsilon (l->x, ql_scene_bar_to_x (scene, 30), 0.01);
  }
  /* Five-second bars at 20 px a bar: 0.25 s a pixel, 90 px between labels
   * want 22.5 s, so a label every 30 s, written with seconds: 09:30:30 is
   * bar 6. */
  {
    g_autoptr (QlSeries) bars = make_bars (400, 5 * QL_NS_PER_SEC);
    g_autoptr (QlScene) scene = ql_scene_new (bars, &inst, NULL);
    ql_scene_set_size (scene, 1100, 400);
    ql_scene_set_viewport (scene, -0.5, 0.05);
    const QlSceneFrame *f = ql_scene_layout (scene);
    g_autoptr (GPtrArray) t = time_labels (f);
    g_assert_true (has_text (t, "09:30:30"));
    g_assert_cmpfloat_with_epsilon (find_label (f, "09:30:30")->x, ql_scene_bar_to_x (scene, 6), 0.01);
  }
  /* Daily bars over four years: years (and months between them). */
  {
    g_autoptr (QlSeries) bars = make_bars (1500, QL_NS_PER_DAY);
    g_autoptr (QlScene) scene = ql_scene_new (bars, &inst, NULL);
    ql_scene_set_size (scene, 1100, 400);
    ql_scene_show_last (scene, 1500);
    const QlSceneFrame *f = ql_scene_layout (scene);
    g_autoptr (GPtrArray) t = time_labels (f);
    /* 2024-03-04 + 1500 days reaches 2028-04. */
    g_assert_true (has_text (t, "2025"));
    g_assert_true (has_text (t, "2026"));
    g_assert_true (has_text (t, "2027"));
    g_assert_false (has_text (t, "10:00"));
  }
  /* Daily bars over three months: month names and days of the month. */
  {
    g_autoptr (QlSeries) bars = make_bars (90, QL_NS_PER_DAY);
    g_autoptr (QlScene) scene = ql_scene_new (bars, &inst, NULL);
    ql_scene_set_size (scene, 1100, 400);
    ql_scene_show_last (scene, 90);
    const QlSceneFrame *f = ql_scene_layout (scene);
    g_autoptr (GPtrArray) t = time_labels (f);
    g_assert_true (has_text (t, "Apr"));
    g_assert_true (has_text (t, "May"));
    g_assert_true (has_text (t, "15") || has_text (t, "11") || has_text (t, "16"));
  }
  /* Hourly bars over two weeks: days, not times. */
  {
    g_autoptr (QlSeries) bars = make_bars (24 * 14, QL_NS_PER_HOUR);
    g_autoptr (QlScene) scene = ql_scene_new (bars, &inst, NULL);
    ql_scene_set_size (scene, 1100, 400);
    ql_scene_show_last (scene, 24 * 14);
    const QlSceneFrame *f = ql_scene_layout (scene);
    g_autoptr (GPtrArray) t = time_labels (f);
    /* The 10th of March, from 14:30Z on the 4th + 5.5 days, is the first new day after the 9th. */
    g_assert_true (has_text (t, "10") || has_text (t, "11"));
    g_assert_false (has_text (t, "2024"));
  }
  ql_instrument_clear (&inst);
}

static void
test_time_labels_round (void)
{
  QlInstrument inst;
  make_inst (&inst, "America/New_York", 2, 1);

  g_test_summary ("The data's first bar is labelled with the unit above the step, and time "
                  "labels of irregular ticks read the round time of the step's boundary");
  /* Daily bars from Monday 2024-03-04 over three years: labels of years
   * (with months between), and 2024, the first bar's year, at the left. */
  {
    g_autoptr (QlSeries) bars = make_bars (3 * 365, QL_NS_PER_DAY);
    g_autoptr (QlScene) scene = ql_scene_new (bars, &inst, NULL);
    ql_scene_set_size (scene, 1100, 400);
    ql_scene_show_last (scene, 3 * 365);
    const QlSceneFrame *f = ql_scene_layout (scene);
    g_autoptr (GPtrArray) t = time_labels (f);
    g_assert_true (has_text (t, "2024"));
    g_assert_true (has_text (t, "2025"));
    const QlSceneLabel *l = find_label (f, "2024");
    g_assert_cmpfloat (l->box.x, >=, 0);
    g_assert_cmpfloat (l->box.x, <, 20);
  }
  /* Ticks 3.1 s apart give or take a second, 10 px each: 0.31 s a pixel,
   * 90 px between labels want 28 s, so a label every 30 s. Each sits at
   * the first tick at or after its boundary and reads the boundary,
   * 09:30:30, 09:31:00 ..., never the tick's own time. */
  {
    g_autoptr (QlSeries) bars = ql_series_new_bars ();
    for (int i = 0; i < 300; i++)
      {
        gint64 ms = (gint64) i * 3100 + (i * 7919) % 1000;
        QlBar b = { .time = T0 + ms * QL_NS_PER_MS, .open = 100, .high = 101, .low = 99, .close = 100 };
        ql_series_append_bar (bars, &b);
      }
    g_autoptr (QlScene) scene = ql_scene_new (bars, &inst, NULL);
    ql_scene_set_size (scene, 1100, 400);
    ql_scene_set_viewport (scene, -0.5, 0.1);
    const QlSceneFrame *f = ql_scene_layout (scene);
    g_autoptr (GPtrArray) t = time_labels (f);
    guint n_times = 0;
    for (guint i = 0; i < t->len; i++)
      {
        const char *text = g_ptr_array_index (t, i);
        if (strlen (text) != 8 || text[2] != ':')
          continue;
        g_test_message ("time label %s", text);
        g_assert_true (g_str_has_suffix (text, ":00") || g_str_has_suffix (text, ":30"));
        n_times++;
      }
    g_assert_cmpuint (n_times, >=, 4);
    g_assert_true (has_text (t, "09:31:00"));
  }
  ql_instrument_clear (&inst);
}

static void
test_lod_million (void)
{
  const gsize n = 1000000;
  g_autoptr (QlSeries) bars = ql_series_new_bars ();
  GRand *r = g_rand_new_with_seed (3);
  double p = 1000, top = -1, bottom = 1e9;
  gsize top_row = 0;
  for (gsize i = 0; i < n; i++)
    {
      QlBar b = { .time = T0 + (gint64) i * QL_NS_PER_MIN, .open = p };
      p += g_rand_double_range (r, -1, 1);
      b.close = p;
      b.high = MAX (b.open, b.close) + 0.5;
      b.low = MIN (b.open, b.close) - 0.5;
      b.volume = 1;
      if (b.high > top)
        top = b.high, top_row = i;
      bottom = MIN (bottom, b.low);
      ql_series_append_bar (bars, &b);
    }
  g_rand_free (r);
  g_autoptr (QlScene) scene = ql_scene_new (bars, NULL, NULL);

  g_test_summary ("1,000,000 bars in 800 px draw one candle per pixel column that keeps "
                  "every extreme");
  ql_scene_set_size (scene, 900, 500);
  ql_scene_show_last (scene, (double) n);
  const QlSceneFrame *f = ql_scene_layout (scene);
  const QlSceneOp *op = find_op (f, QL_OP_CANDLES, 0);
  g_assert_nonnull (op);
  float plot_w = f->panes[0].plot.w;
  g_assert_cmpuint (op->count, <=, (guint) plot_w + 3);
  g_assert_cmpuint (op->count, >=, (guint) (plot_w * 0.9));
  /* The highest high and lowest low of the data are some column's. */
  float ymin = G_MAXFLOAT, ymax = -G_MAXFLOAT, x_top = 0;
  for (guint i = op->first; i < op->first + op->count; i++)
    {
      if (f->candles[i].high < ymin)
        ymin = f->candles[i].high, x_top = f->candles[i].x;
      ymax = MAX (ymax, f->candles[i].low);
    }
  g_assert_cmpfloat_with_epsilon (ymin, ql_scene_value_to_y (scene, 0, top), 1e-3);
  g_assert_cmpfloat_with_epsilon (ymax, ql_scene_value_to_y (scene, 0, bottom), 1e-3);
  /* ... in the column of its bar, or half a column off at most. */
  g_assert_cmpfloat (fabs (x_top - ql_scene_bar_to_x (scene, (double) top_row)), <=, 1.5);
}

static void
test_crosshair_legend (void)
{
  g_autoptr (QlSeries) bars = make_bars (20, QL_NS_PER_MIN);
  QlInstrument inst;
  make_inst (&inst, "America/New_York", 2, 1);
  QlTimeframe tf = { QL_TF_SECONDS, 60 };
  g_autoptr (QlScene) scene = ql_scene_new (bars, &inst, &tf);

  g_test_summary ("The crosshair snaps to the bar under the pointer; the legend shows its "
                  "OHLCV and the axes its price and time");
  ql_scene_set_size (scene, 600, 400);
  ql_scene_set_viewport (scene, -0.5, 0.05);
  ql_scene_add_volume (scene, -1);
  /* Bar 3's centre is at 70 px; 72 is still bar 3. */
  ql_scene_set_crosshair (scene, 72, 100);
  const QlSceneFrame *f = ql_scene_layout (scene);
  /* Bar 3: open 103, high 104, low 102.5, close 103.5, volume 40. */
  g_assert_nonnull (find_label (f, "103.00"));
  g_assert_nonnull (find_label (f, "104.00"));
  g_assert_nonnull (find_label (f, "102.50"));
  g_assert_nonnull (find_label (f, "103.50"));
  g_assert_nonnull (find_label (f, "40"));
  g_assert_nonnull (find_label (f, "TEST · 1m"));
  /* 14:33Z is 09:33 in New York. */
  const QlSceneLabel *tl = find_label (f, "2024-03-04 09:33");
  g_assert_nonnull (tl);
  g_assert_true (tl->has_background);
  g_assert_cmpfloat (tl->x, ==, 70.5);
  /* The price at y = 100 on the axis, in the crosshair colours. */
  char want[32];
  g_snprintf (want, sizeof want, "%.2f", ql_scene_y_to_value (scene, 0, 100));
  const QlSceneLabel *pl = find_label (f, want);
  g_assert_nonnull (pl);
  g_assert_true (pl->has_background);
  g_assert_cmpint (ql_scene_pane_at (scene, 100), ==, 0);
  g_assert_cmpint (ql_scene_pane_at (scene, f->panes[1].rect.y + 5), ==, 1);
  g_assert_nonnull (find_label (f, "TEST, 1m")); /* the watermark */

  /* Without a crosshair the legend shows the last bar: close 119.5. */
  ql_scene_clear_crosshair (scene);
  f = ql_scene_layout (scene);
  g_assert_nonnull (find_label (f, "119.50"));
  g_assert_null (find_label (f, "2024-03-04 09:33"));
  ql_instrument_clear (&inst);
}

static void
test_legend_last_visible (void)
{
  g_autoptr (QlSeries) bars = make_bars (20, QL_NS_PER_MIN);
  g_autoptr (QlScene) scene = ql_scene_new (bars, NULL, NULL);

  g_test_summary ("Without a crosshair the legend shows the last visible bar, not the "
                  "series' last");
  ql_scene_set_size (scene, 600, 400);
  /* Bars 0..9 (14:30 to 14:39) fill the plot; bars 10..19 lie beyond its
   * right edge. Bar 9: open 109, high 110, low 108.5, close 109.5. */
  ql_scene_show_time_range (scene, T0, T0 + 10 * QL_NS_PER_MIN);
  const QlSceneFrame *f = ql_scene_layout (scene);
  g_assert_nonnull (find_legend (f, "109.00"));
  g_assert_nonnull (find_legend (f, "109.50"));
  g_assert_nonnull (find_legend (f, "110.00"));
  /* The series' last bar, 119 / 119.5, is not in the legend. */
  g_assert_null (find_legend (f, "119.50"));
  g_assert_null (find_legend (f, "119.00"));
}

static gboolean
boxes_overlap (const QlRect *a, const QlRect *b)
{
  return a->x < b->x + b->w && b->x < a->x + a->w && a->y < b->y + b->h && b->y < a->y + a->h;
}

static void
test_tags_hide_labels (void)
{
  g_autoptr (QlSeries) bars = make_bars (40, QL_NS_PER_MIN);
  QlInstrument inst;
  make_inst (&inst, "America/New_York", 2, 1);
  g_autoptr (QlScene) scene = ql_scene_new (bars, &inst, NULL);
  g_autoptr (GError) error = NULL;

  g_test_summary ("Axis labels under a tag (last price, RSI 70/30, crosshair price and time) "
                  "are left out instead of drawn half covered");
  ql_scene_set_size (scene, 600, 500);
  ql_scene_set_viewport (scene, -0.5, 0.1);
  ql_scene_add_volume (scene, -1);
  /* Closes rise by 1 a bar: RSI is 100 from bar 14, so its pane spans 30 ..
   * 100 and a grid of 25s puts 75 and 25 next to the 70 and 30 tags. */
  g_assert_cmpint (ql_scene_add_indicator (scene, "rsi(14)", QL_PANE_AUTO, &error), ==, 2);
  g_assert_no_error (error);
  const QlSceneFrame *f = ql_scene_layout (scene);
  g_assert_nonnull (find_label (f, "70"));
  /* Without the crosshair, then with it at two places over the price pane. */
  guint overlaps = 0;
  for (int y = 0; y <= 2; y++)
    {
      if (y > 0)
        {
          ql_scene_set_crosshair (scene, 40.0 * y * 3, f->panes[0].plot.y + 25.0 * y * 3);
          f = ql_scene_layout (scene);
        }
      QlRect plot = f->panes[0].plot;
      for (guint i = 0; i < f->n_labels; i++)
        {
          const QlSceneLabel *tag = &f->labels[i];
          gboolean on_axis = tag->box.x >= plot.x + plot.w || tag->box.y >= f->time_axis.y;
          if (!tag->has_background || !on_axis)
            continue;
          for (guint j = 0; j < f->n_labels; j++)
            {
              const QlSceneLabel *l = &f->labels[j];
              gboolean l_on_axis = l->box.x >= plot.x + plot.w || l->box.y >= f->time_axis.y;
              if (j == i || l->has_background || !l_on_axis)
                continue;
              if (boxes_overlap (&tag->box, &l->box))
                {
                  g_test_message ("tag \"%s\" covers label \"%s\"", tag->text, l->text);
                  overlaps++;
                }
            }
        }
    }
  g_assert_cmpuint (overlaps, ==, 0);
  ql_instrument_clear (&inst);
}

static void
test_legend_small (void)
{
  g_autoptr (QlSeries) bars = make_bars (60, QL_NS_PER_HOUR);
  QlInstrument inst;
  g_assert_true (ql_instrument_init (&inst, "EURUSDHOURLY", NULL));
  inst.price_scale = 5;
  QlTimeframe tf = { QL_TF_SECONDS, 3600 };
  g_autoptr (QlScene) scene = ql_scene_new (bars, &inst, &tf);
  g_autoptr (GError) error = NULL;

  g_test_summary ("At 400x300 the legend wraps inside the plot over a backdrop in the "
                  "background colour, and the watermark shrinks to fit instead of being cut");
  ql_scene_set_size (scene, 400, 300);
  ql_scene_add_volume (scene, -1);
  g_assert_cmpint (ql_scene_add_indicator (scene, "bbands(20,2)", QL_PANE_AUTO, &error), ==, 0);
  g_assert_no_error (error);
  const QlSceneFrame *f = ql_scene_layout (scene);
  QlRect plot = f->panes[0].plot;
  const QlTheme *t = ql_scene_get_theme (scene);

  /* The watermark "EURUSDHOURLY, 1h" in 48 px bold is ~500 px wide: it
   * shrinks until it fits 90% of the plot. */
  const QlSceneLabel *wm = find_label (f, "EURUSDHOURLY, 1h");
  g_assert_nonnull (wm);
  g_assert_cmpfloat (wm->size, <, t->watermark_size);
  g_assert_cmpfloat (wm->box.x, >=, plot.x);
  g_assert_cmpfloat (wm->box.x + wm->box.w, <=, plot.x + plot.w);

  /* Every legend label of the price pane (the op clipped to its plot that
   * holds "O") ends inside the plot, and a box op right before it, in the
   * background colour made translucent, has a box under each line. */
  const QlSceneLabel *o = find_label (f, "O");
  g_assert_nonnull (o);
  guint o_index = (guint) (o - f->labels);
  const QlSceneOp *legend = NULL, *backdrop = NULL;
  for (guint i = 0; i < f->n_ops; i++)
    if (f->ops[i].kind == QL_OP_LABELS && f->ops[i].first <= o_index &&
        o_index < f->ops[i].first + f->ops[i].count)
      {
        legend = &f->ops[i];
        backdrop = i > 0 ? &f->ops[i - 1] : NULL;
      }
  g_assert_nonnull (legend);
  g_assert_nonnull (backdrop);
  g_assert_cmpint (backdrop->kind, ==, QL_OP_BOXES);
  const QlSceneBox *b = &f->boxes[backdrop->first];
  g_assert_cmpfloat (b->color.r, ==, t->background.r);
  g_assert_cmpfloat (b->color.a, <, 1);
  g_assert_cmpfloat (b->color.a, >, 0.5);
  float bottom = 0;
  for (guint i = legend->first; i < legend->first + legend->count; i++)
    {
      const QlRect *r = &f->labels[i].box;
      g_assert_cmpfloat (r->x + r->w, <=, plot.x + plot.w);
      guint under = 0;
      for (guint k = backdrop->first; k < backdrop->first + backdrop->count; k++)
        {
          const QlRect *br = &f->boxes[k].rect;
          if (br->y == r->y && r->x >= br->x && r->x + r->w <= br->x + br->w + 1)
            under++;
        }
      g_assert_cmpuint (under, ==, 1);
      bottom = MAX (bottom, r->y + r->h);
    }
  /* Title, O, H, L, C and V (over 400 px) do not fit the ~320 px plot: V
   * goes to a second line, and the band's line comes under it. */
  const QlSceneLabel *v = find_label (f, "V");
  g_assert_nonnull (v);
  g_assert_cmpfloat (v->box.y, >, o->box.y);
  g_assert_cmpfloat (bottom, >, v->box.y + v->box.h);
  ql_instrument_clear (&inst);
}

static void
test_indicator_incremental (void)
{
  g_autoptr (QlSeries) bars = ql_series_new_bars ();
  QlInstrument inst;
  make_inst (&inst, "UTC", 2, 1);
  for (int i = 1; i <= 5; i++)
    {
      QlBar b = { .time = T0 + i * QL_NS_PER_MIN, .open = i, .high = i, .low = i, .close = i };
      ql_series_append_bar (bars, &b);
    }
  g_autoptr (QlScene) scene = ql_scene_new (bars, &inst, NULL);
  g_autoptr (GError) error = NULL;

  g_test_summary ("An indicator added by spec follows appended bars and the forming bar");
  ql_scene_set_size (scene, 600, 400);
  g_assert_cmpint (ql_scene_add_indicator (scene, "sma(3)", QL_PANE_AUTO, &error), ==, 0);
  g_assert_no_error (error);
  const QlSceneFrame *f = ql_scene_layout (scene);
  /* SMA(3) of closes 3, 4, 5 = 4. */
  g_assert_nonnull (find_label (f, "SMA(3)"));
  g_assert_nonnull (find_legend (f, "4.00"));

  /* The forming bar changes before any append: close 5 -> 11, SMA (3 + 4 + 11) / 3 = 6
   * (and no OHLC value of the bar reads 6: 5, 11, 5, 11). */
  QlBar last = { .time = T0 + 5 * QL_NS_PER_MIN, .open = 5, .high = 11, .low = 5, .close = 11 };
  ql_series_set_bar (bars, 4, &last);
  ql_scene_sync (scene);
  f = ql_scene_layout (scene);
  g_assert_nonnull (find_legend (f, "6.00"));
  g_assert_null (find_legend (f, "4.00"));
  last.close = last.high = 5;
  ql_series_set_bar (bars, 4, &last);
  ql_scene_sync (scene);

  QlBar b = { .time = T0 + 6 * QL_NS_PER_MIN, .open = 9, .high = 9, .low = 9, .close = 9 };
  ql_series_append_bar (bars, &b);
  ql_scene_sync (scene);
  f = ql_scene_layout (scene);
  /* (4 + 5 + 9) / 3 = 6. */
  g_assert_nonnull (find_legend (f, "6.00"));
  b.close = b.high = 12;
  ql_series_set_bar (bars, 5, &b);
  ql_scene_sync (scene);
  f = ql_scene_layout (scene);
  /* The forming bar closes at 12 now: (4 + 5 + 12) / 3 = 7. */
  g_assert_nonnull (find_legend (f, "7.00"));
  g_assert_null (find_legend (f, "6.00"));

  /* RSI gets a pane of its own with the 70 and 30 lines. */
  guint panes = ql_scene_get_n_panes (scene);
  g_assert_cmpint (ql_scene_add_indicator (scene, "rsi(2)", QL_PANE_AUTO, &error), ==, (int) panes);
  f = ql_scene_layout (scene);
  g_assert_nonnull (find_label (f, "RSI(2)"));
  g_assert_nonnull (find_label (f, "70"));

  g_assert_cmpint (ql_scene_add_indicator (scene, "nope(3)", QL_PANE_AUTO, &error), ==, -1);
  g_assert_error (error, QL_INDICATOR_ERROR, QL_INDICATOR_ERROR_UNKNOWN);
  ql_instrument_clear (&inst);
}

static void
test_indicator_overlays (void)
{
  g_autoptr (QlSeries) bars = make_bars (60, QL_NS_PER_MIN);
  g_autoptr (QlScene) scene = ql_scene_new (bars, NULL, NULL);
  g_autoptr (GError) error = NULL;

  g_test_summary ("Ichimoku and SuperTrend go over price; SuperTrend's direction (+-1) is "
                  "not drawn on the price scale, its level is, in the trend's colour");
  ql_scene_set_size (scene, 800, 400);
  ql_scene_set_viewport (scene, -0.5, 0.1);
  ql_scene_set_last_price_visible (scene, FALSE);
  g_assert_cmpint (ql_scene_add_indicator (scene, "supertrend(3,10)", QL_PANE_AUTO, &error), ==, 0);
  g_assert_cmpint (ql_scene_add_indicator (scene, "ichimoku", QL_PANE_AUTO, &error), ==, 0);
  g_assert_cmpint (ql_scene_add_indicator (scene, "highest(5)", QL_PANE_AUTO, &error), ==, 0);
  g_assert_no_error (error);
  g_assert_cmpuint (ql_scene_get_n_panes (scene), ==, 1);
  const QlSceneFrame *f = ql_scene_layout (scene);
  /* Lows 99.5 .. 158.5, highs 101 .. 160, every bar's true range 1.5: the
   * rising SuperTrend sits 3 ATR = 4.5 under the bars' middle, near 96 at
   * the first bar it has. A direction of +1 (or highest's bars-ago count)
   * on this scale would stretch it down to about 0. */
  g_assert_cmpfloat (f->panes[0].min, >, 80);
  g_assert_cmpfloat (f->panes[0].max, <, 180);
  /* Rising all along: the legend's one SuperTrend value is in the up colour. */
  const QlTheme *t = ql_scene_get_theme (scene);
  const QlSceneLabel *cap = find_label (f, "SUPERTREND(3,10)");
  g_assert_nonnull (cap);
  guint values = 0;
  for (guint i = 0; i < f->n_labels; i++)
    if (f->labels[i].box.y == cap->box.y && f->labels[i].box.x > cap->box.x)
      {
        values++;
        g_assert_cmpfloat (f->labels[i].color.g, ==, t->up.g);
        g_assert_cmpfloat (f->labels[i].color.r, ==, t->up.r);
      }
  g_assert_cmpuint (values, ==, 1);
}

static void
test_series_kinds (void)
{
  g_autoptr (QlSeries) bars = make_bars (30, QL_NS_PER_MIN);
  g_autoptr (QlScene) scene = ql_scene_new (bars, NULL, NULL);
  double v[30], lo[30];
  for (int i = 0; i < 30; i++)
    v[i] = i % 7 == 6 ? NAN : 100 + i, lo[i] = 95 + i;

  g_test_summary ("Each series kind becomes its ops: fills, polylines broken at gaps, boxes, "
                  "candles, OHLC bars");
  /* 800 px at 20 px a bar shows all 30 bars. */
  ql_scene_set_size (scene, 800, 400);
  ql_scene_set_viewport (scene, -0.5, 0.05);
  ql_scene_set_last_price_visible (scene, FALSE);
  guint pane = ql_scene_add_pane (scene, 1);
  ql_scene_add_values (scene, 0, QL_SERIES_AREA, "area", v, NULL, 30, NULL);
  ql_scene_add_values (scene, 0, QL_SERIES_BANDS, "bands", v, lo, 30, NULL);
  guint base = ql_scene_add_values (scene, pane, QL_SERIES_BASELINE, "base", v, NULL, 30, NULL);
  ql_scene_series_set_base (scene, base, 110);
  ql_scene_add_values (scene, pane, QL_SERIES_HISTOGRAM, "hist", v, NULL, 30, NULL);
  ql_scene_add_values (scene, pane, QL_SERIES_STEP, "step", v, NULL, 30, NULL);
  const QlSceneFrame *f = ql_scene_layout (scene);

  /* Area 1 fill; bands 1 fill; baseline 2 fills (above and below). */
  g_assert_cmpuint (count_ops (f, QL_OP_FILL), ==, 4);
  const QlSceneOp *bands_fill = find_op (f, QL_OP_FILL, 1);
  g_assert_true (bands_fill->has_points2);
  /* Area line, 2 band lines, 2 baseline halves, the step line. */
  g_assert_cmpuint (count_ops (f, QL_OP_POLYLINE), ==, 6);
  /* A gap every 7th value: NaN points break the area line. */
  const QlSceneOp *area = find_op (f, QL_OP_POLYLINE, 0);
  guint gaps = 0;
  for (guint i = area->first; i < area->first + area->count; i++)
    gaps += isnan (f->points[i].y);
  g_assert_cmpuint (gaps, ==, 4); /* values 6, 13, 20, 27 */
  /* Step: two points per bar at the same height, 20 px apart (a bar's width). */
  const QlSceneOp *step = find_op (f, QL_OP_POLYLINE, 5);
  g_assert_cmpfloat (f->points[step->first].y, ==, f->points[step->first + 1].y);
  g_assert_cmpfloat_with_epsilon (f->points[step->first + 1].x - f->points[step->first].x, 20, 1e-4);
  /* The histogram: one box per numeric value (26), all on the same zero. */
  gboolean found_hist = FALSE;
  for (guint i = 0; i < f->n_ops; i++)
    if (f->ops[i].kind == QL_OP_BOXES && f->ops[i].count == 26)
      found_hist = TRUE;
  g_assert_true (found_hist);

  ql_scene_set_price_style (scene, QL_SERIES_HOLLOW_CANDLES);
  f = ql_scene_layout (scene);
  g_assert_true (find_op (f, QL_OP_CANDLES, 0)->hollow);
  ql_scene_set_price_style (scene, QL_SERIES_OHLC);
  f = ql_scene_layout (scene);
  g_assert_nonnull (find_op (f, QL_OP_OHLC, 0));
  g_assert_null (find_op (f, QL_OP_CANDLES, 0));
  ql_scene_set_price_style (scene, QL_SERIES_LINE);
  f = ql_scene_layout (scene);
  g_assert_null (find_op (f, QL_OP_OHLC, 0));
  g_assert_cmpuint (count_ops (f, QL_OP_POLYLINE), ==, 7);
}

static void
test_annotations (void)
{
  g_autoptr (QlSeries) bars = make_bars (20, QL_NS_PER_MIN);
  g_autoptr (QlScene) scene = ql_scene_new (bars, NULL, NULL);

  g_test_summary ("Markers, price lines and drawings are placed in chart coordinates");
  ql_scene_set_size (scene, 600, 400);
  ql_scene_set_viewport (scene, -0.5, 0.05);
  ql_scene_add_marker (scene, T0 + 2 * QL_NS_PER_MIN + 30 * QL_NS_PER_SEC, NAN,
                       QL_MARKER_ARROW_UP, NULL, "Buy");
  ql_scene_add_price_line (scene, 0, 105, NULL, 4, "Stop");
  ql_scene_add_drawing (scene, QL_DRAWING_TREND_LINE, T0 + 1 * QL_NS_PER_MIN, 101,
                        T0 + 5 * QL_NS_PER_MIN, 105, NULL);
  ql_scene_add_drawing (scene, QL_DRAWING_FIBONACCI, T0, 100, T0 + 10 * QL_NS_PER_MIN, 110, NULL);
  const QlSceneFrame *f = ql_scene_layout (scene);

  /* The marker sits at bar 2 (the bar containing 14:32:30), under its low 101.5. */
  const QlSceneOp *mo = find_op (f, QL_OP_MARKERS, 0);
  g_assert_nonnull (mo);
  const QlSceneMarker *m = &f->markers[mo->first];
  g_assert_cmpfloat (m->x, ==, 50.5);
  g_assert_cmpfloat (m->y, >, ql_scene_value_to_y (scene, 0, 101.5));
  g_assert_cmpstr (f->labels[m->label].text, ==, "Buy");
  g_assert_nonnull (find_label (f, "Stop"));

  /* Trend line from bar 1 (30 px) at 101 to bar 5 (110 px) at 105. */
  gboolean trend = FALSE;
  guint fib_levels = 0;
  for (guint i = 0; i < f->n_segments; i++)
    {
      const QlSceneSegment *s = &f->segments[i];
      if (fabsf (s->x0 - 30) < 1e-3 && fabsf (s->x1 - 110) < 1e-3 &&
          fabsf (s->y0 - (float) ql_scene_value_to_y (scene, 0, 101)) < 1e-3 &&
          fabsf (s->y1 - (float) ql_scene_value_to_y (scene, 0, 105)) < 1e-3)
        trend = TRUE;
      /* Fibonacci levels from bar 0 (10 px) to bar 10 (210 px). */
      if (fabsf (s->x0 - 10) < 1e-3 && fabsf (s->x1 - 210) < 1e-3 && s->y0 == s->y1)
        fib_levels++;
    }
  g_assert_true (trend);
  g_assert_cmpuint (fib_levels, ==, 7);
  /* Level 0.618 from 110 back toward 100: 110 - 0.618 * 10 = 103.82. */
  g_assert_nonnull (find_label (f, "0.618 (103.82)"));
}

static void
test_panes_separator (void)
{
  g_autoptr (QlSeries) bars = make_bars (20, QL_NS_PER_MIN);
  g_autoptr (QlScene) scene = ql_scene_new (bars, NULL, NULL);

  g_test_summary ("Panes share the height by weight; dragging a separator moves it");
  ql_scene_set_size (scene, 600, 524);
  ql_scene_add_volume (scene, -1);
  const QlSceneFrame *f = ql_scene_layout (scene);
  g_assert_cmpuint (f->n_panes, ==, 2);
  /* 524 - the time axis (11 + 2·6 + 2 = 25) = 499 px at 3 : 1. */
  g_assert_cmpfloat (f->panes[0].rect.h, ==, roundf (499 * 0.75f));
  g_assert_cmpfloat (f->panes[0].rect.h + f->panes[1].rect.h, ==, 499);
  float h0 = f->panes[0].rect.h;
  ql_scene_move_separator (scene, 1, -50);
  f = ql_scene_layout (scene);
  g_assert_cmpfloat_with_epsilon (f->panes[0].rect.h, h0 - 50, 1);
  /* Never below 30 px. */
  ql_scene_move_separator (scene, 1, 1000);
  f = ql_scene_layout (scene);
  g_assert_cmpfloat_with_epsilon (f->panes[1].rect.h, 30, 1);
}

static void
test_follow_whole_pixels (void)
{
  g_autoptr (QlSeries) bars = make_bars (500, QL_NS_PER_MIN);
  g_autoptr (QlScene) scene = ql_scene_new (bars, NULL, NULL);
  const double bpp = 0.75, first0 = 100.25;
  double first = first0, prev = first0;

  g_test_summary ("Following new bars moves the view by whole pixels, the bars never more "
                  "than half a pixel from where one bar per call puts them");
  ql_scene_set_size (scene, 800, 400);
  ql_scene_set_viewport (scene, first0, bpp);
  for (int n = 1; n <= 12; n++)
    {
      double px;
      ql_scene_follow_bars (scene, 1.0);
      ql_scene_get_viewport (scene, &first, NULL);
      /* One bar is 1 / 0.75 = 1.333 px. Owed 1.333: move 1, carry 0.333;
       * owed 1.667: move 2, carry -0.333; owed 1.0: move 1, carry 0. So the
       * moves go 1, 2, 1, 1, 2, 1..., whole pixels each. */
      px = (first - prev) / bpp;
      g_assert_cmpfloat_with_epsilon (px, round (px), 1e-9);
      g_assert_cmpfloat_with_epsilon (px, n % 3 == 2 ? 2.0 : 1.0, 1e-9);
      /* n bars would be n / 0.75 px; the view is within half a pixel. */
      g_assert_cmpfloat (fabs ((first - first0) / bpp - n / bpp), <=, 0.5 + 1e-9);
      prev = first;
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/render/scene/viewport/candles", test_viewport_candles);
  g_test_add_func ("/render/scene/viewport/follow-whole-pixels", test_follow_whole_pixels);
  g_test_add_func ("/render/scene/viewport/fit-wide-axis", test_fit_wide_axis);
  g_test_add_func ("/render/scene/scale/autoscale-margins", test_autoscale_margins);
  g_test_add_func ("/render/scene/scale/log-and-percent", test_log_and_percent);
  g_test_add_func ("/render/scene/scale/percent-labels", test_percent_labels);
  g_test_add_func ("/render/scene/scale/tick-grid", test_tick_grid);
  g_test_add_func ("/render/scene/scale/compact-axis", test_compact_axis);
  g_test_add_func ("/render/scene/time-axis/zoom-levels", test_time_labels_zoom);
  g_test_add_func ("/render/scene/time-axis/first-and-round", test_time_labels_round);
  g_test_add_func ("/render/scene/lod/million-bars", test_lod_million);
  g_test_add_func ("/render/scene/crosshair/legend", test_crosshair_legend);
  g_test_add_func ("/render/scene/crosshair/legend-last-visible", test_legend_last_visible);
  g_test_add_func ("/render/scene/crosshair/tags-hide-labels", test_tags_hide_labels);
  g_test_add_func ("/render/scene/crosshair/legend-small", test_legend_small);
  g_test_add_func ("/render/scene/indicator/incremental", test_indicator_incremental);
  g_test_add_func ("/render/scene/indicator/overlays", test_indicator_overlays);
  g_test_add_func ("/render/scene/series/kinds", test_series_kinds);
  g_test_add_func ("/render/scene/annotations/placed", test_annotations);
  g_test_add_func ("/render/scene/panes/separator", test_panes_separator);
  return g_test_run ();
}
