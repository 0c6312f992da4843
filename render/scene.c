/* render/scene.c — the chart model and its layout into a display list.
 *
 * Layout runs in a fixed order: pane rectangles; each pane's value range
 * (auto-scale asks the LOD pyramids for the visible min/max, O(log n) per
 * series); the price axis width from the widest label; then the display
 * list from the back (background, grid) to the front (crosshair, legend).
 * Series geometry is made per bar when a bar is at least a pixel wide and
 * per pixel column otherwise, so it never costs more than O(width · log n). */
#define G_LOG_DOMAIN "ql-render-scene"

#include "render/scene.h"

#include "engine/indicator.h"
#include "render/cairo_backend.h"
#include "render/lod.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define TIME_AXIS_PAD 6.0f   /* px above and below time labels */
#define AXIS_PAD 8.0f        /* px left and right of price labels */
#define MIN_PANE_PX 30.0
#define MIN_PRICE_LABEL_GAP 36.0 /* px between price grid lines, at least */
#define MIN_TIME_LABEL_GAP 90.0  /* px between time labels, roughly */
#define LEGEND_PAD 6.0f
#define MAX_OUTPUTS 8
#define MEASURE_CACHE_MAX 8192

typedef struct
{
  double weight;
  QlScaleMode mode;
  gboolean autoscale;
  double man_min, man_max;    /* manual range, prices */
  double margin_top, margin_bottom; /* fractions of the range */
  /* Set by the last layout. */
  QlRect rect, plot;
  double vmin, vmax;          /* transformed space */
  double pct_base;            /* QL_SCALE_PERCENT: value of 0 % */
  int decimals;               /* of its axis labels (percent mode: of the percentages) */
  int value_decimals;         /* of its values (prices) in the legend and tags */
  gboolean compact;           /* an indicator pane of large values (OBV): 600M, not 600000000 */
  gboolean is_volume;
} Pane;

typedef struct
{
  QlSeriesKind kind;
  guint pane;
  char *name;                 /* legend caption of its value, or NULL */
  QlColor color;
  gboolean from_bars;         /* the price series: candles/ohlc or close-based */
  gboolean is_volume;
  GArray *values, *values2;   /* double, owned; NULL for bar series */
  QlLod *lod;                 /* over values (hi) and values2 or values (lo) */
  double base;
  gboolean has_base;
  int indicator;              /* its QlIndicator in self->indicators, or -1 */
} Series;

/* Where an indicator output goes. */
enum
{
  OUT_HIDDEN,  /* not drawn: not in the pane's units (supertrend's direction over price) */
  OUT_VALUES,  /* the values of out_series */
  OUT_VALUES2, /* the values2 (lower line) of out_series, a band */
  OUT_SPLIT,   /* out_series where output split_by is > 0, split_series where it is < 0,
                * NaN in the other: a line coloured by direction (supertrend) */
};

typedef struct
{
  QlIndicator *ind;
  char *caption;              /* "SMA(20)" */
  guint pane;
  guint n_outputs;
  int out_series[MAX_OUTPUTS];/* series holding output i */
  int out_slot[MAX_OUTPUTS];  /* OUT_HIDDEN, OUT_VALUES, OUT_VALUES2 or OUT_SPLIT */
  int split_series;           /* OUT_SPLIT: the series of the falling part */
  guint split_by;             /* OUT_SPLIT: the output whose sign splits it */
  gsize committed;            /* rows fed to ql_indicator_update () */
  gboolean primed;
} Indicator;

typedef struct
{
  double price;
  guint pane;
  QlColor color;
  float dash;
  char *label;
} PriceLine;

typedef struct
{
  QlTimeNs time;
  double price;
  QlMarkerShape shape;
  QlColor color;
  char *text;
} Marker;

typedef struct
{
  QlDrawingKind kind;
  QlTimeNs t1, t2;
  double p1, p2;
  QlColor color;
} Drawing;

struct QlScene
{
  const QlSeries *bars;       /* borrowed */
  QlInstrument inst;
  gboolean has_inst;
  QlTimeframe tf;
  gboolean has_tf;
  const QlTheme *theme;
  int width, height;

  GArray *panes;              /* Pane */
  GArray *series;             /* Series */
  GArray *indicators;         /* Indicator */
  GArray *price_lines;        /* PriceLine */
  GArray *markers;            /* Marker */
  GArray *drawings;           /* Drawing */
  QlSeriesKind price_style;
  guint price_series;         /* index in series */
  guint n_palette_used;
  gboolean watermark_visible, last_price_visible;

  QlLod *bar_lod;             /* high/low */
  QlLod *close_lod;           /* close, for line-like price styles */
  QlLod *volume_lod;
  gsize synced_len;

  double first_bar, bars_per_px;
  gboolean viewport_set;
  /* ql_scene_show_last () and ql_scene_show_time_range () before the axis
   * width is known: the next layout fits bar fit_first - 0.5 .. + fit_bars
   * into the plot it finds, so the last bar asked for is not cut off by an
   * axis wider than the previous one. */
  gboolean fit_pending;
  double fit_first, fit_bars;
  gboolean has_crosshair;
  double cross_x, cross_y;
  float axis_width;           /* of the last layout */
  guint points_room, points2_room, boxes_room, candles_room; /* see push_fast () */
  double follow_remainder;    /* px ql_scene_follow_bars () still owes */

  /* Text measurement: a pango layout on a 1x1 surface, and a cache. */
  cairo_surface_t *measure_surface;
  cairo_t *measure_cr;
  PangoContext *measure_ctx;
  PangoLayout *measure_layout;
  GHashTable *measure_cache;  /* "size|bold|text" -> packed w,h */

  /* The frame and its arrays, reused from layout to layout. */
  QlSceneFrame frame;
  GArray *ops, *boxes, *segments, *points, *points2, *candles, *fmarkers, *labels, *pane_info;
  GStringChunk *strings;
  guint64 serial;
};

/* ---- helpers ----------------------------------------------------------- */

static QlColor
theme_palette (QlScene *self)
{
  return self->theme->palette[self->n_palette_used++ % G_N_ELEMENTS (self->theme->palette)];
}

static Pane *
pane_get (QlScene *self, guint i)
{
  return &g_array_index (self->panes, Pane, i);
}

static Series *
series_get (QlScene *self, guint i)
{
  return &g_array_index (self->series, Series, i);
}

static const double *
bar_col (const QlScene *self, guint col)
{
  return ql_series_f64 (self->bars, col);
}

/* Has pango load the glyphs axis and legend text is made of, in the
 * theme's font at its sizes. The first use of a glyph costs up to a
 * millisecond (its outline and metrics read from the font); without this
 * that would fall on the first frame at a new zoom ("Dec" first appearing
 * on the time axis), a dropped frame for the user. */
static void
warm_glyphs (QlScene *self)
{
  static const char glyphs[] = "0123456789.,:;+-%()/ KMBT JanFebMarAprMayJunJulAugSepOctNovDec "
                               "OHLCVolAaBbCcDdEeFfGgHhIiJjKkLlMmNnOoPpQqRrSsTtUuVvWwXxYyZz_=|#@";
  const double sizes[] = { self->theme->font_size, self->theme->watermark_size };
  PangoRectangle logical;

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    for (int bold = 0; bold < 2; bold++)
      {
        ql_cairo_text_layout_set (self->measure_layout, self->theme, glyphs, (float) sizes[i], bold);
        pango_layout_get_extents (self->measure_layout, NULL, &logical);
      }
}

static void
measure (QlScene *self, const char *text, float size, gboolean bold, float *w, float *h)
{
  char key_buf[160];
  g_autofree char *key_heap = NULL;
  const char *key;
  int n = snprintf (key_buf, sizeof key_buf, "%.2f|%d|%s", size, bold ? 1 : 0, text);
  if (n >= (int) sizeof key_buf)
    key = key_heap = g_strdup_printf ("%.2f|%d|%s", size, bold ? 1 : 0, text);
  else
    key = key_buf;

  gpointer packed;
  if (g_hash_table_lookup_extended (self->measure_cache, key, NULL, &packed))
    {
      guint64 p = GPOINTER_TO_SIZE (packed);
      *w = (p >> 16) / 64.0f;
      *h = (p & 0xffff) / 64.0f;
      return;
    }
  ql_cairo_text_layout_set (self->measure_layout, self->theme, text, size, bold);
  PangoRectangle logical;
  pango_layout_get_extents (self->measure_layout, NULL, &logical);
  double lw = MAX (logical.width, 0) / (double) PANGO_SCALE;
  double lh = MAX (logical.height, 0) / (double) PANGO_SCALE;
  guint64 pw = (guint64) MIN (lround (lw * 64), 0xffffffff);
  guint64 ph = (guint64) MIN (lround (lh * 64), 0xffff);
  if (g_hash_table_size (self->measure_cache) >= MEASURE_CACHE_MAX)
    g_hash_table_remove_all (self->measure_cache);
  /* Packed into a pointer: 32 bits of width, 16 of height, both in 1/64 px. */
  if (sizeof (gpointer) >= 8)
    g_hash_table_insert (self->measure_cache, g_strdup (key), GSIZE_TO_POINTER ((gsize) (pw << 16 | ph)));
  *w = pw / 64.0f;
  *h = ph / 64.0f;
}

/* The last bar whose open time is <= @t, or -1. */
static gssize
bar_at_time (const QlScene *self, QlTimeNs t)
{
  const gint64 *time = ql_series_i64 (self->bars, QL_BAR_TIME);
  gsize lo = 0, hi = self->bars->len;
  while (lo < hi)
    {
      gsize mid = lo + (hi - lo) / 2;
      if (time[mid] <= t)
        lo = mid + 1;
      else
        hi = mid;
    }
  return (gssize) lo - 1;
}

/* Fractional bar index of @t: interpolated between bars, extrapolated by
 * the spacing of the last (or first) two bars outside the data. */
static double
time_to_index (const QlScene *self, QlTimeNs t)
{
  gsize n = self->bars->len;
  const gint64 *time = ql_series_i64 (self->bars, QL_BAR_TIME);
  if (n == 0)
    return 0;
  if (n == 1)
    return 0;
  if (t <= time[0])
    {
      double sp = (double) MAX (time[1] - time[0], 1);
      return (double) (t - time[0]) / sp;
    }
  if (t >= time[n - 1])
    {
      double sp = (double) MAX (time[n - 1] - time[n - 2], 1);
      return (double) (n - 1) + (double) (t - time[n - 1]) / sp;
    }
  gssize i = bar_at_time (self, t);
  double sp = (double) MAX (time[i + 1] - time[i], 1);
  return (double) i + (double) (t - time[i]) / sp;
}

/* Value -> the pane's transformed space, and back. */
static double
to_space (const Pane *p, double v)
{
  switch (p->mode)
    {
    case QL_SCALE_LOG:
      return v > 0 ? log (v) : NAN;
    case QL_SCALE_PERCENT:
      return (v / p->pct_base - 1.0) * 100.0;
    case QL_SCALE_LINEAR:
    default:
      return v;
    }
}

static double
from_space (const Pane *p, double s)
{
  switch (p->mode)
    {
    case QL_SCALE_LOG:
      return exp (s);
    case QL_SCALE_PERCENT:
      return (s / 100.0 + 1.0) * p->pct_base;
    case QL_SCALE_LINEAR:
    default:
      return s;
    }
}

static double
space_to_y (const Pane *p, double s)
{
  double span = p->vmax - p->vmin;
  return p->plot.y + (p->vmax - s) / span * p->plot.h;
}

static inline float
value_y (const Pane *p, double v)
{
  return (float) space_to_y (p, to_space (p, v));
}

static double
nice_step (double raw)
{
  if (!(raw > 0) || !isfinite (raw))
    return 1;
  double e = pow (10, floor (log10 (raw)));
  double f = raw / e;
  double n = f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10;
  return n * e;
}

static int
decimals_of_step (double step)
{
  for (int d = 0; d <= 10; d++)
    {
      double scaled = step * pow (10, d);
      if (fabs (scaled - round (scaled)) < 1e-6 * MAX (1.0, scaled))
        return d;
    }
  return 10;
}

static double
tick_value (const QlScene *self)
{
  if (!self->has_inst)
    return 0;
  return ql_price_to_double (&self->inst, self->inst.tick_size);
}

/* "750M", "1.2B", "3.45K": volumes and other large counts, at most two
 * decimals and no trailing zeros. */
static void
format_compact (double v, char *buf, gsize size)
{
  double a = fabs (v);
  const char *unit = "";
  double d = 1;
  if (!isfinite (v))
    {
      g_strlcpy (buf, "n/a", size);
      return;
    }
  if (a >= 1e12)
    unit = "T", d = 1e12;
  else if (a >= 1e9)
    unit = "B", d = 1e9;
  else if (a >= 1e6)
    unit = "M", d = 1e6;
  else if (a >= 1e3)
    unit = "K", d = 1e3;
  snprintf (buf, size, "%.2f", v / d);
  char *dot = strchr (buf, '.');
  if (dot != NULL)
    {
      char *end = buf + strlen (buf);
      while (end > dot + 1 && end[-1] == '0')
        *--end = '\0';
      if (end == dot + 1)
        *dot = '\0';
    }
  if (strcmp (buf, "-0") == 0)
    g_strlcpy (buf, "0", size);
  g_strlcat (buf, unit, size);
}

static void
format_value (const Pane *p, double v, char *buf, gsize size)
{
  if (!isfinite (v))
    g_strlcpy (buf, "n/a", size);
  else if (p->is_volume || p->compact)
    format_compact (v, buf, size);
  else
    snprintf (buf, size, "%.*f", p->decimals, v);
}

/* A value of the pane (a price in the price pane) whatever the axis shows:
 * in percent or log mode the axis decimals are not the prices'. */
static void
format_price (const Pane *p, double v, char *buf, gsize size)
{
  if (!isfinite (v))
    g_strlcpy (buf, "n/a", size);
  else if (p->is_volume || p->compact)
    format_compact (v, buf, size);
  else
    snprintf (buf, size, "%.*f", p->value_decimals, v);
}

/* Local civil time of @t in the instrument's zone. */
typedef struct
{
  gint64 year;
  unsigned month, day;
  int hour, min, sec;
  gint64 local_secs;          /* seconds since the local epoch */
} Civil;

static void
civil_of (const QlScene *self, QlTimeNs t, Civil *c)
{
  gint64 secs = t >= 0 ? t / QL_NS_PER_SEC : -((-t + QL_NS_PER_SEC - 1) / QL_NS_PER_SEC);
  gint64 off = 0;
  if (self->has_inst && self->inst.tz != NULL)
    {
      int iv = g_time_zone_find_interval (self->inst.tz, G_TIME_TYPE_UNIVERSAL, secs);
      if (iv >= 0)
        off = g_time_zone_get_offset (self->inst.tz, iv);
    }
  gint64 local = secs + off;
  gint64 days = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
  gint64 sod = local - days * 86400;
  ql_civil_from_days (days, &c->year, &c->month, &c->day);
  c->hour = (int) (sod / 3600);
  c->min = (int) (sod / 60 % 60);
  c->sec = (int) (sod % 60);
  c->local_secs = local;
}

static const char *const month_names[12] = {
  "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

/* ---- construction ------------------------------------------------------ */

static guint
add_series (QlScene *self, const Series *s)
{
  g_array_append_vals (self->series, s, 1);
  return self->series->len - 1;
}

static void
sync_values_lod (Series *s, gsize first_changed)
{
  if (s->values == NULL)
    return;
  const double *hi = (const double *) s->values->data;
  const double *lo = s->values2 != NULL ? (const double *) s->values2->data : hi;
  ql_lod_sync (s->lod, hi, lo, s->values->len, first_changed);
}

QlScene *
ql_scene_new (const QlSeries     *bars,
              const QlInstrument *inst,
              const QlTimeframe  *tf)
{
  g_return_val_if_fail (bars != NULL, NULL);
  g_return_val_if_fail (bars->n_columns >= QL_BAR_N_COLUMNS, NULL);

  QlScene *self = g_new0 (QlScene, 1);
  self->bars = bars;
  if (inst != NULL)
    {
      ql_instrument_copy (&self->inst, inst);
      self->has_inst = TRUE;
    }
  if (tf != NULL)
    {
      self->tf = *tf;
      self->has_tf = TRUE;
    }
  self->theme = ql_theme_get (QL_THEME_LIGHT);
  self->width = 800;
  self->height = 500;
  self->panes = g_array_new (FALSE, TRUE, sizeof (Pane));
  self->series = g_array_new (FALSE, TRUE, sizeof (Series));
  self->indicators = g_array_new (FALSE, TRUE, sizeof (Indicator));
  self->price_lines = g_array_new (FALSE, TRUE, sizeof (PriceLine));
  self->markers = g_array_new (FALSE, TRUE, sizeof (Marker));
  self->drawings = g_array_new (FALSE, TRUE, sizeof (Drawing));
  self->watermark_visible = TRUE;
  self->last_price_visible = TRUE;
  self->bars_per_px = 1;
  self->axis_width = 60;

  self->ops = g_array_new (FALSE, FALSE, sizeof (QlSceneOp));
  self->boxes = g_array_new (FALSE, FALSE, sizeof (QlSceneBox));
  self->segments = g_array_new (FALSE, FALSE, sizeof (QlSceneSegment));
  self->points = g_array_new (FALSE, FALSE, sizeof (QlPoint));
  self->points2 = g_array_new (FALSE, FALSE, sizeof (QlPoint));
  self->candles = g_array_new (FALSE, FALSE, sizeof (QlSceneCandle));
  self->fmarkers = g_array_new (FALSE, FALSE, sizeof (QlSceneMarker));
  self->labels = g_array_new (FALSE, FALSE, sizeof (QlSceneLabel));
  self->pane_info = g_array_new (FALSE, FALSE, sizeof (QlScenePaneInfo));
  self->strings = g_string_chunk_new (4096);

  self->measure_surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 1, 1);
  self->measure_cr = cairo_create (self->measure_surface);
  self->measure_ctx = ql_cairo_text_context_new (self->measure_cr);
  self->measure_layout = pango_layout_new (self->measure_ctx);
  self->measure_cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  warm_glyphs (self);

  Pane price = {
    .weight = 3.0, .mode = QL_SCALE_LINEAR, .autoscale = TRUE,
    .margin_top = 0.1, .margin_bottom = 0.1,
  };
  g_array_append_val (self->panes, price);

  self->bar_lod = ql_lod_new ();
  self->volume_lod = ql_lod_new ();
  self->price_style = QL_SERIES_CANDLES;
  Series s = { .kind = QL_SERIES_CANDLES, .pane = 0, .from_bars = TRUE, .indicator = -1 };
  self->price_series = add_series (self, &s);
  ql_scene_sync (self);
  return self;
}

static void
series_clear (Series *s)
{
  g_free (s->name);
  if (s->values != NULL)
    g_array_unref (s->values);
  if (s->values2 != NULL)
    g_array_unref (s->values2);
  ql_lod_free (s->lod);
}

void
ql_scene_free (QlScene *self)
{
  if (self == NULL)
    return;
  for (guint i = 0; i < self->series->len; i++)
    series_clear (series_get (self, i));
  for (guint i = 0; i < self->indicators->len; i++)
    {
      Indicator *ind = &g_array_index (self->indicators, Indicator, i);
      ql_indicator_free (ind->ind);
      g_free (ind->caption);
    }
  for (guint i = 0; i < self->price_lines->len; i++)
    g_free (g_array_index (self->price_lines, PriceLine, i).label);
  for (guint i = 0; i < self->markers->len; i++)
    g_free (g_array_index (self->markers, Marker, i).text);
  g_array_unref (self->panes);
  g_array_unref (self->series);
  g_array_unref (self->indicators);
  g_array_unref (self->price_lines);
  g_array_unref (self->markers);
  g_array_unref (self->drawings);
  ql_lod_free (self->bar_lod);
  ql_lod_free (self->close_lod);
  ql_lod_free (self->volume_lod);
  g_array_unref (self->ops);
  g_array_unref (self->boxes);
  g_array_unref (self->segments);
  g_array_unref (self->points);
  g_array_unref (self->points2);
  g_array_unref (self->candles);
  g_array_unref (self->fmarkers);
  g_array_unref (self->labels);
  g_array_unref (self->pane_info);
  g_string_chunk_free (self->strings);
  g_hash_table_unref (self->measure_cache);
  g_object_unref (self->measure_layout);
  g_object_unref (self->measure_ctx);
  cairo_destroy (self->measure_cr);
  cairo_surface_destroy (self->measure_surface);
  if (self->has_inst)
    ql_instrument_clear (&self->inst);
  g_free (self);
}

void
ql_scene_set_size (QlScene *self, int width, int height)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (width > 0 && height > 0);
  self->width = width;
  self->height = height;
}

void
ql_scene_set_theme (QlScene *self, const QlTheme *theme)
{
  g_return_if_fail (self != NULL && theme != NULL);
  if (self->theme == theme)
    return;
  self->theme = theme;
  g_hash_table_remove_all (self->measure_cache);
  warm_glyphs (self);
}

const QlTheme *
ql_scene_get_theme (const QlScene *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->theme;
}

/* ---- incremental data -------------------------------------------------- */

static void
indicator_store (QlScene *self, Indicator *ind, gsize row, const double *out)
{
  for (guint o = 0; o < ind->n_outputs; o++)
    {
      if (ind->out_slot[o] == OUT_HIDDEN)
        continue;
      Series *s = series_get (self, ind->out_series[o]);
      GArray *a = ind->out_slot[o] == OUT_VALUES2 ? s->values2 : s->values;
      double v = out[o];
      if (ind->out_slot[o] == OUT_SPLIT)
        {
          GArray *down = series_get (self, ind->split_series)->values;
          double dir = out[ind->split_by];
          if (down->len <= row)
            g_array_set_size (down, row + 1);
          g_array_index (down, double, row) = dir < 0 ? v : NAN;
          v = dir > 0 ? v : NAN;
        }
      if (a->len <= row)
        g_array_set_size (a, row + 1);
      g_array_index (a, double, row) = v;
    }
}

/* Brings an indicator to the bars: the rows before the last are committed
 * with ql_indicator_update (), the last (forming) row is previewed. The
 * first time, the incremental state is primed over the history; before
 * any append the batch values stand (the two agree to the last bit). */
static void
indicator_sync (QlScene *self, Indicator *ind, gsize len)
{
  double out[MAX_OUTPUTS];
  QlBar bar;
  if (len == 0)
    return;
  if (!ind->primed)
    {
      ql_indicator_reset (ind->ind);
      ind->committed = 0;
      ind->primed = TRUE;
    }
  for (gsize r = ind->committed; r + 1 < len; r++)
    {
      ql_series_get_bar (self->bars, r, &bar);
      ql_indicator_update (ind->ind, &bar, out);
      indicator_store (self, ind, r, out);
    }
  ind->committed = len - 1;
  ql_series_get_bar (self->bars, len - 1, &bar);
  ql_indicator_preview (ind->ind, &bar, out);
  indicator_store (self, ind, len - 1, out);
}

void
ql_scene_sync (QlScene *self)
{
  g_return_if_fail (self != NULL);
  gsize len = self->bars->len;
  /* The previous last row may have been the forming bar: treat it as changed. */
  gsize first = self->synced_len > 0 ? self->synced_len - 1 : 0;
  if (len < self->synced_len)
    first = len;
  if (len == self->synced_len && len > 0 && self->synced_len > 0)
    first = len - 1;

  ql_lod_sync (self->bar_lod, bar_col (self, QL_BAR_HIGH), bar_col (self, QL_BAR_LOW), len, first);
  ql_lod_sync (self->volume_lod, bar_col (self, QL_BAR_VOLUME), bar_col (self, QL_BAR_VOLUME), len, first);
  if (self->close_lod != NULL)
    ql_lod_sync (self->close_lod, bar_col (self, QL_BAR_CLOSE), bar_col (self, QL_BAR_CLOSE), len, first);

  /* The first sync after an indicator was added primes its incremental
   * state over the history (O(n) once); later ones cost O(new rows). */
  for (guint i = 0; i < self->indicators->len; i++)
    indicator_sync (self, &g_array_index (self->indicators, Indicator, i), len);
  for (guint i = 0; i < self->series->len; i++)
    {
      Series *s = series_get (self, i);
      if (s->indicator >= 0 && s->values != NULL)
        sync_values_lod (s, MIN (first, s->lod != NULL ? ql_lod_get_len (s->lod) : 0));
    }
  self->synced_len = len;
}

/* ---- panes and series -------------------------------------------------- */

guint
ql_scene_get_n_panes (const QlScene *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->panes->len;
}

guint
ql_scene_add_pane (QlScene *self, double weight)
{
  g_return_val_if_fail (self != NULL, 0);
  Pane p = {
    .weight = weight > 0 ? weight : 1.0, .mode = QL_SCALE_LINEAR, .autoscale = TRUE,
    .margin_top = 0.1, .margin_bottom = 0.1,
  };
  g_array_append_val (self->panes, p);
  return self->panes->len - 1;
}

void
ql_scene_pane_set_weight (QlScene *self, guint pane, double weight)
{
  g_return_if_fail (self != NULL && pane < self->panes->len && weight > 0);
  pane_get (self, pane)->weight = weight;
}

void
ql_scene_move_separator (QlScene *self, guint pane, double dy)
{
  g_return_if_fail (self != NULL && pane >= 1 && pane < self->panes->len);
  Pane *a = pane_get (self, pane - 1), *b = pane_get (self, pane);
  double ha = a->rect.h, hb = b->rect.h;
  if (ha + hb <= 2 * MIN_PANE_PX)
    return;
  double na = CLAMP (ha + dy, MIN_PANE_PX, ha + hb - MIN_PANE_PX);
  double total_w = a->weight + b->weight;
  a->weight = total_w * na / (ha + hb);
  b->weight = total_w - a->weight;
}

void
ql_scene_pane_set_scale_mode (QlScene *self, guint pane, QlScaleMode mode)
{
  g_return_if_fail (self != NULL && pane < self->panes->len);
  pane_get (self, pane)->mode = mode;
}

void
ql_scene_pane_set_range (QlScene *self, guint pane, double min, double max)
{
  g_return_if_fail (self != NULL && pane < self->panes->len);
  g_return_if_fail (min < max);
  Pane *p = pane_get (self, pane);
  p->man_min = min;
  p->man_max = max;
  p->autoscale = FALSE;
}

void
ql_scene_pane_set_autoscale (QlScene *self, guint pane, gboolean autoscale)
{
  g_return_if_fail (self != NULL && pane < self->panes->len);
  pane_get (self, pane)->autoscale = autoscale;
}

void
ql_scene_pane_scale_by (QlScene *self, guint pane, double factor)
{
  g_return_if_fail (self != NULL && pane < self->panes->len && factor > 0);
  Pane *p = pane_get (self, pane);
  if (!(p->vmax > p->vmin))
    return;
  double c = (p->vmax + p->vmin) / 2, h = (p->vmax - p->vmin) / 2 * factor;
  double lo = from_space (p, c - h), hi = from_space (p, c + h);
  if (lo < hi)
    ql_scene_pane_set_range (self, pane, lo, hi);
}

int
ql_scene_pane_at (const QlScene *self, double y)
{
  g_return_val_if_fail (self != NULL, -1);
  for (guint i = 0; i < self->panes->len; i++)
    {
      const Pane *p = &g_array_index (self->panes, Pane, i);
      if (y >= p->rect.y && y < p->rect.y + p->rect.h)
        return (int) i;
    }
  return -1;
}

void
ql_scene_set_price_style (QlScene *self, QlSeriesKind kind)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (kind != QL_SERIES_BANDS && kind != QL_SERIES_HISTOGRAM);
  self->price_style = kind;
  series_get (self, self->price_series)->kind = kind;
  if (kind != QL_SERIES_CANDLES && kind != QL_SERIES_HOLLOW_CANDLES && kind != QL_SERIES_OHLC &&
      self->close_lod == NULL)
    {
      self->close_lod = ql_lod_new ();
      ql_lod_sync (self->close_lod, bar_col (self, QL_BAR_CLOSE), bar_col (self, QL_BAR_CLOSE),
                   self->bars->len, 0);
    }
}

guint
ql_scene_add_volume (QlScene *self, int pane)
{
  g_return_val_if_fail (self != NULL, 0);
  guint p;
  if (pane >= 0 && (guint) pane < self->panes->len)
    p = (guint) pane;
  else
    p = ql_scene_add_pane (self, 1.0);
  Pane *pp = pane_get (self, p);
  pp->is_volume = TRUE;
  pp->margin_bottom = 0;
  Series s = {
    .kind = QL_SERIES_HISTOGRAM, .pane = p, .is_volume = TRUE, .indicator = -1,
    .name = g_strdup ("Vol"),
  };
  return add_series (self, &s);
}

static guint
add_values_series (QlScene *self, guint pane, QlSeriesKind kind, const char *name,
                   const double *values, const double *values2, gsize n,
                   const QlColor *color, int indicator)
{
  gsize len = MAX (n, self->bars->len);
  Series s = {
    .kind = kind, .pane = pane, .name = g_strdup (name), .indicator = indicator,
    .color = color != NULL ? *color : theme_palette (self),
  };
  s.values = g_array_sized_new (FALSE, FALSE, sizeof (double), len);
  g_array_set_size (s.values, len);
  double *v = (double *) s.values->data;
  for (gsize i = 0; i < len; i++)
    v[i] = values != NULL && i < n ? values[i] : NAN;
  if (kind == QL_SERIES_BANDS)
    {
      s.values2 = g_array_sized_new (FALSE, FALSE, sizeof (double), len);
      g_array_set_size (s.values2, len);
      double *v2 = (double *) s.values2->data;
      for (gsize i = 0; i < len; i++)
        v2[i] = values2 != NULL && i < n ? values2[i] : NAN;
    }
  if (kind == QL_SERIES_BASELINE)
    for (gsize i = 0; i < len; i++)
      if (isfinite (v[i]))
        {
          s.base = v[i];
          s.has_base = TRUE;
          break;
        }
  s.lod = ql_lod_new ();
  sync_values_lod (&s, 0);
  return add_series (self, &s);
}

guint
ql_scene_add_values (QlScene       *self,
                     guint          pane,
                     QlSeriesKind   kind,
                     const char    *name,
                     const double  *values,
                     const double  *values2,
                     gsize          n,
                     const QlColor *color)
{
  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (pane < self->panes->len, 0);
  g_return_val_if_fail (kind != QL_SERIES_CANDLES && kind != QL_SERIES_HOLLOW_CANDLES &&
                        kind != QL_SERIES_OHLC, 0);
  g_return_val_if_fail (kind != QL_SERIES_BANDS || values2 != NULL, 0);
  return add_values_series (self, pane, kind, name, values, values2, n, color, -1);
}

void
ql_scene_series_set_base (QlScene *self, guint series, double base)
{
  g_return_if_fail (self != NULL && series < self->series->len);
  Series *s = series_get (self, series);
  s->base = base;
  s->has_base = TRUE;
}

void
ql_scene_series_set_color (QlScene *self, guint series, const QlColor *color)
{
  g_return_if_fail (self != NULL && series < self->series->len && color != NULL);
  series_get (self, series)->color = *color;
}

/* Indicators drawn over price by default: averages, channels, stops. */
static gboolean
is_overlay (const char *spec)
{
  static const char *const overlays[] = {
    "sma", "ema", "wma", "dema", "tema", "trima", "kama", "hma", "vwma", "rma",
    "vwap", "sar", "bbands", "kc", "donchian", "highest", "lowest", "ichimoku", "supertrend",
    "pivots", "linreg", NULL,
  };
  gsize n = strcspn (spec, "(");
  for (guint i = 0; overlays[i] != NULL; i++)
    if (strlen (overlays[i]) == n && g_ascii_strncasecmp (spec, overlays[i], n) == 0)
      return TRUE;
  return FALSE;
}

int
ql_scene_add_indicator (QlScene    *self,
                        const char *spec,
                        int         pane,
                        GError    **error)
{
  g_return_val_if_fail (self != NULL && spec != NULL, -1);
  g_return_val_if_fail (error == NULL || *error == NULL, -1);

  g_autoptr (QlIndicator) ind = ql_indicator_new (spec, error);
  if (ind == NULL)
    return -1;
  if (self->has_inst)
    ql_indicator_set_instrument (ind, &self->inst);
  const char *canon = ql_indicator_get_spec (ind);
  guint n_out = ql_indicator_get_n_outputs (ind);
  if (n_out > MAX_OUTPUTS)
    {
      g_set_error (error, QL_INDICATOR_ERROR, QL_INDICATOR_ERROR_BAD_SPEC,
                   "\"%s\": the chart draws at most %d outputs", spec, MAX_OUTPUTS);
      return -1;
    }

  guint p;
  if (pane >= 0)
    {
      if ((guint) pane >= self->panes->len)
        {
          g_set_error (error, QL_INDICATOR_ERROR, QL_INDICATOR_ERROR_BAD_SPEC,
                       "\"%s\": no pane %d", spec, pane);
          return -1;
        }
      p = (guint) pane;
    }
  else if (pane == QL_PANE_AUTO && is_overlay (canon))
    p = 0;
  else
    p = ql_scene_add_pane (self, 1.0);

  gsize len = self->bars->len;
  g_autofree double *buf = g_new (double, MAX ((gsize) 1, len) * n_out);
  double *out[MAX_OUTPUTS];
  for (guint o = 0; o < n_out; o++)
    out[o] = buf + o * len;
  if (len > 0)
    ql_indicator_batch (ind, self->bars, out);

  /* "bbands(20,2)" -> "BBANDS(20,2)" for the legend. */
  g_autofree char *caption = g_ascii_strup (canon, -1);
  /* "OBV()" -> "OBV": no parameters, no parentheses. */
  if (g_str_has_suffix (caption, "()"))
    caption[strlen (caption) - 2] = '\0';
  Indicator rec = { .caption = g_strdup (caption), .pane = p, .n_outputs = n_out };
  int ind_index = (int) self->indicators->len;
  QlColor color = theme_palette (self);

  gboolean channel = n_out == 3 && strcmp (ql_indicator_get_output_name (ind, 0), "upper") == 0 &&
                     strcmp (ql_indicator_get_output_name (ind, 2), "lower") == 0;
  if (channel)
    {
      QlColor fill = color;
      guint b = add_values_series (self, p, QL_SERIES_BANDS, "upper", out[0], out[2], len, &fill, ind_index);
      guint m = add_values_series (self, p, QL_SERIES_LINE, "middle", out[1], NULL, len, &color, ind_index);
      rec.out_series[0] = (int) b, rec.out_slot[0] = OUT_VALUES;
      rec.out_series[1] = (int) m, rec.out_slot[1] = OUT_VALUES;
      rec.out_series[2] = (int) b, rec.out_slot[2] = OUT_VALUES2;
    }
  else if (n_out == 2 && strcmp (ql_indicator_get_output_name (ind, 1), "direction") == 0)
    {
      /* SuperTrend: the level alone, in the up colour while the direction is
       * +1 and the down colour while it is -1 (the line breaks where it
       * flips); the direction (+-1) is not a price. */
      g_autofree double *up = g_new (double, MAX ((gsize) 1, len));
      g_autofree double *down = g_new (double, MAX ((gsize) 1, len));
      for (gsize i = 0; i < len; i++)
        {
          up[i] = out[1][i] > 0 ? out[0][i] : NAN;
          down[i] = out[1][i] < 0 ? out[0][i] : NAN;
        }
      guint su = add_values_series (self, p, QL_SERIES_LINE, "supertrend", up, NULL, len,
                                    &self->theme->up, ind_index);
      guint sd = add_values_series (self, p, QL_SERIES_LINE, "supertrend", down, NULL, len,
                                    &self->theme->down, ind_index);
      rec.out_series[0] = (int) su, rec.out_slot[0] = OUT_SPLIT;
      rec.out_series[1] = -1, rec.out_slot[1] = OUT_HIDDEN;
      rec.split_series = (int) sd;
      rec.split_by = 1;
    }
  else
    for (guint o = 0; o < n_out; o++)
      {
        const char *oname = ql_indicator_get_output_name (ind, o);
        QlSeriesKind kind = strcmp (oname, "hist") == 0 ? QL_SERIES_HISTOGRAM : QL_SERIES_LINE;
        /* Over price, a count of bars (highest, lowest) or a slope (linreg)
         * is not a price: left out. */
        if (p == 0 && o > 0 && (strcmp (oname, "bars") == 0 || strcmp (oname, "slope") == 0))
          {
            rec.out_series[o] = -1;
            rec.out_slot[o] = OUT_HIDDEN;
            continue;
          }
        QlColor c = o == 0 ? color : theme_palette (self);
        guint s = add_values_series (self, p, kind, oname, out[o], NULL, len, &c, ind_index);
        rec.out_series[o] = (int) s;
        rec.out_slot[o] = OUT_VALUES;
      }
  rec.ind = g_steal_pointer (&ind);
  g_array_append_val (self->indicators, rec);

  /* Oscillators bounded to 0..100 get their usual levels. */
  gsize nlen = strcspn (canon, "(");
  if ((nlen == 3 && g_ascii_strncasecmp (canon, "rsi", 3) == 0) ||
      (nlen == 3 && g_ascii_strncasecmp (canon, "mfi", 3) == 0))
    {
      QlColor lc = self->theme->text_dim;
      ql_scene_add_price_line (self, p, 70, &lc, 4, "70");
      ql_scene_add_price_line (self, p, 30, &lc, 4, "30");
    }
  return (int) p;
}

/* ---- annotations ------------------------------------------------------- */

void
ql_scene_add_price_line (QlScene       *self,
                         guint          pane,
                         double         price,
                         const QlColor *color,
                         float          dash,
                         const char    *label)
{
  g_return_if_fail (self != NULL && pane < self->panes->len);
  PriceLine pl = {
    .price = price, .pane = pane, .dash = dash,
    .color = color != NULL ? *color : self->theme->line,
    .label = g_strdup (label),
  };
  g_array_append_val (self->price_lines, pl);
}

void
ql_scene_add_marker (QlScene       *self,
                     QlTimeNs       time,
                     double         price,
                     QlMarkerShape  shape,
                     const QlColor *color,
                     const char    *text)
{
  g_return_if_fail (self != NULL);
  Marker m = {
    .time = time, .price = price, .shape = shape, .text = g_strdup (text),
    .color = color != NULL ? *color
             : shape == QL_MARKER_ARROW_DOWN ? self->theme->down : self->theme->up,
  };
  /* Kept in time order (after those of the same time), so the frame's
   * markers go left to right: a GL backend pairs them with the last
   * frame's by x to draw only those that changed. */
  guint lo = 0, hi = self->markers->len;
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      if (g_array_index (self->markers, Marker, mid).time <= time)
        lo = mid + 1;
      else
        hi = mid;
    }
  g_array_insert_val (self->markers, lo, m);
}

void
ql_scene_add_drawing (QlScene       *self,
                      QlDrawingKind  kind,
                      QlTimeNs       t1,
                      double         p1,
                      QlTimeNs       t2,
                      double         p2,
                      const QlColor *color)
{
  g_return_if_fail (self != NULL);
  Drawing d = {
    .kind = kind, .t1 = t1, .p1 = p1, .t2 = t2, .p2 = p2,
    .color = color != NULL ? *color : self->theme->drawing,
  };
  g_array_append_val (self->drawings, d);
}

void
ql_scene_set_watermark_visible (QlScene *self, gboolean visible)
{
  g_return_if_fail (self != NULL);
  self->watermark_visible = visible;
}

void
ql_scene_set_last_price_visible (QlScene *self, gboolean visible)
{
  g_return_if_fail (self != NULL);
  self->last_price_visible = visible;
}

/* ---- viewport ---------------------------------------------------------- */

static double
plot_width (const QlScene *self)
{
  return MAX (1.0, self->width - self->axis_width);
}

void
ql_scene_set_viewport (QlScene *self, double first_bar, double bars_per_px)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (isfinite (first_bar) && isfinite (bars_per_px));
  self->first_bar = first_bar;
  self->bars_per_px = MAX (bars_per_px, 1.0 / 64);
  self->viewport_set = TRUE;
  self->fit_pending = FALSE;
}

/* Shows @n_bars bars from @first at the plot's left edge, now and again at
 * the next layout with that layout's axis width. */
static void
fit_bars (QlScene *self, double first, double n_bars)
{
  ql_scene_set_viewport (self, first, n_bars / plot_width (self));
  self->fit_pending = TRUE;
  self->fit_first = first;
  self->fit_bars = n_bars;
}

void
ql_scene_get_viewport (const QlScene *self, double *first_bar, double *bars_per_px)
{
  g_return_if_fail (self != NULL);
  if (first_bar != NULL)
    *first_bar = self->first_bar;
  if (bars_per_px != NULL)
    *bars_per_px = self->bars_per_px;
}

void
ql_scene_show_last (QlScene *self, double n_bars)
{
  g_return_if_fail (self != NULL);
  double n = CLAMP (n_bars, 1.0, MAX (1.0, (double) self->bars->len));
  double margin = MAX (3.0, n * 0.04);
  fit_bars (self, (double) self->bars->len - n - 0.5, n + margin);
}

void
ql_scene_show_time_range (QlScene *self, QlTimeNs from, QlTimeNs to)
{
  g_return_if_fail (self != NULL);
  gssize a = bar_at_time (self, from - 1) + 1; /* first bar with time >= from */
  gssize b = bar_at_time (self, to - 1) + 1;   /* one past the last with time < to */
  if (b <= a)
    b = a + 1;
  fit_bars (self, (double) a - 0.5, (double) (b - a));
}

void
ql_scene_zoom_at (QlScene *self, double px, double factor)
{
  g_return_if_fail (self != NULL && factor > 0);
  double bar = ql_scene_x_to_bar (self, px);
  double bpp = MAX (self->bars_per_px / factor, 1.0 / 64);
  self->first_bar = bar - px * bpp;
  self->bars_per_px = bpp;
  self->viewport_set = TRUE;
  self->fit_pending = FALSE;
}

void
ql_scene_follow_bars (QlScene *self, double n_bars)
{
  double px, whole;

  g_return_if_fail (self != NULL);
  px = n_bars / self->bars_per_px + self->follow_remainder;
  whole = round (px);
  self->follow_remainder = px - whole;
  ql_scene_set_viewport (self, self->first_bar + whole * self->bars_per_px, self->bars_per_px);
}

void
ql_scene_scroll (QlScene *self, double dx)
{
  g_return_if_fail (self != NULL);
  self->first_bar -= dx * self->bars_per_px;
  self->viewport_set = TRUE;
  self->fit_pending = FALSE;
}

double
ql_scene_bar_to_x (const QlScene *self, double bar)
{
  g_return_val_if_fail (self != NULL, 0);
  return (bar - self->first_bar) / self->bars_per_px;
}

double
ql_scene_x_to_bar (const QlScene *self, double x)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->first_bar + x * self->bars_per_px;
}

double
ql_scene_y_to_value (const QlScene *self, guint pane, double y)
{
  g_return_val_if_fail (self != NULL && pane < self->panes->len, NAN);
  const Pane *p = &g_array_index (self->panes, Pane, pane);
  if (p->plot.h <= 0)
    return NAN;
  double s = p->vmax - (y - p->plot.y) / p->plot.h * (p->vmax - p->vmin);
  return from_space (p, s);
}

double
ql_scene_value_to_y (const QlScene *self, guint pane, double value)
{
  g_return_val_if_fail (self != NULL && pane < self->panes->len, NAN);
  const Pane *p = &g_array_index (self->panes, Pane, pane);
  return space_to_y (p, to_space (p, value));
}

void
ql_scene_set_crosshair (QlScene *self, double x, double y)
{
  g_return_if_fail (self != NULL);
  self->has_crosshair = TRUE;
  self->cross_x = x;
  self->cross_y = y;
}

void
ql_scene_clear_crosshair (QlScene *self)
{
  g_return_if_fail (self != NULL);
  self->has_crosshair = FALSE;
}

/* ---- layout: ranges ---------------------------------------------------- */

/* Visible rows [*a, *b): bars whose centre lies in the plot. */
static void
visible_rows (const QlScene *self, double plot_w, gsize *a, gsize *b)
{
  double first = ceil (self->first_bar);
  double last = floor (self->first_bar + plot_w * self->bars_per_px) + 1;
  double n = (double) self->bars->len;
  *a = (gsize) CLAMP (first, 0, n);
  *b = (gsize) CLAMP (last, 0, n);
}

static void
series_range (QlScene *self, const Series *s, gsize a, gsize b, double *mn, double *mx)
{
  double lo = NAN, hi = NAN;
  if (s->from_bars)
    {
      if (self->price_style == QL_SERIES_CANDLES || self->price_style == QL_SERIES_HOLLOW_CANDLES ||
          self->price_style == QL_SERIES_OHLC)
        ql_lod_range (self->bar_lod, bar_col (self, QL_BAR_HIGH), bar_col (self, QL_BAR_LOW), a, b, &lo, &hi);
      else
        ql_lod_range (self->close_lod, bar_col (self, QL_BAR_CLOSE), bar_col (self, QL_BAR_CLOSE), a, b, &lo, &hi);
    }
  else if (s->is_volume)
    {
      ql_lod_range (self->volume_lod, bar_col (self, QL_BAR_VOLUME), bar_col (self, QL_BAR_VOLUME), a, b, &lo, &hi);
      lo = 0;
    }
  else if (s->values != NULL)
    {
      const double *v = (const double *) s->values->data;
      const double *v2 = s->values2 != NULL ? (const double *) s->values2->data : v;
      ql_lod_range (s->lod, v, v2, a, b, &lo, &hi);
      if (s->kind == QL_SERIES_HISTOGRAM)
        {
          lo = fmin (lo, 0);
          hi = fmax (hi, 0);
        }
      if (s->kind == QL_SERIES_BASELINE && s->has_base)
        {
          lo = fmin (lo, s->base);
          hi = fmax (hi, s->base);
        }
    }
  *mn = fmin (*mn, lo);
  *mx = fmax (*mx, hi);
}

static void
pane_ranges (QlScene *self, double plot_w)
{
  gsize a, b;
  visible_rows (self, plot_w, &a, &b);
  const double *close = bar_col (self, QL_BAR_CLOSE);
  for (guint i = 0; i < self->panes->len; i++)
    {
      Pane *p = pane_get (self, i);
      p->pct_base = a < b ? close[a] : self->bars->len > 0 ? close[self->bars->len - 1] : 1;
      if (!(p->pct_base != 0) || !isfinite (p->pct_base))
        p->pct_base = 1;
      double mn = NAN, mx = NAN;
      if (!p->autoscale)
        {
          mn = p->man_min;
          mx = p->man_max;
        }
      else
        {
          for (guint k = 0; k < self->series->len; k++)
            {
              const Series *s = series_get (self, k);
              if (s->pane == i)
                series_range (self, s, a, b, &mn, &mx);
            }
          /* An indicator pane keeps its levels (RSI 30/70) in view. */
          if (i > 0 && !isnan (mn))
            for (guint k = 0; k < self->price_lines->len; k++)
              {
                const PriceLine *pl = &g_array_index (self->price_lines, PriceLine, k);
                if (pl->pane == i)
                  mn = fmin (mn, pl->price), mx = fmax (mx, pl->price);
              }
          if (isnan (mn))
            {
              /* Nothing visible: the data's range, else 0..1. */
              for (guint k = 0; k < self->series->len; k++)
                {
                  const Series *s = series_get (self, k);
                  if (s->pane == i)
                    series_range (self, s, 0, self->bars->len, &mn, &mx);
                }
            }
        }
      if (isnan (mn) || isnan (mx))
        mn = 0, mx = 1;
      double smn = to_space (p, mn), smx = to_space (p, mx);
      if (!isfinite (smn) || !isfinite (smx))
        {
          /* Log of a non-positive price: fall back to the positive part. */
          smx = isfinite (smx) ? smx : 1;
          smn = isfinite (smn) ? smn : smx - 1;
        }
      if (smx - smn <= fabs (smx) * 1e-12 || smx <= smn)
        {
          double h = fabs (smx) > 0 ? fabs (smx) * 0.01 : 0.5;
          smn -= h;
          smx += h;
        }
      if (p->autoscale)
        {
          double span = smx - smn;
          double top = p->margin_top, bottom = p->margin_bottom;
          /* Margins are fractions of the plot, not of the data span. */
          double k = span / MAX (1e-9, 1.0 - top - bottom);
          smx += k * top;
          smn -= k * bottom;
        }
      p->vmin = smn;
      p->vmax = smx;
    }
}

/* ---- layout: emitting -------------------------------------------------- */

static QlSceneOp *
op_begin (QlScene *self, QlSceneOpKind kind, const QlRect *clip, GArray *arr)
{
  QlSceneOp op = { .kind = kind, .clip = *clip, .first = arr != NULL ? arr->len : 0, .width = 1 };
  g_array_append_val (self->ops, op);
  return &g_array_index (self->ops, QlSceneOp, self->ops->len - 1);
}

static void
op_end (QlScene *self, GArray *arr)
{
  QlSceneOp *op = &g_array_index (self->ops, QlSceneOp, self->ops->len - 1);
  op->count = arr->len - op->first;
  if (op->count == 0)
    g_array_set_size (self->ops, self->ops->len - 1);
}

/* The frame's big arrays (points, boxes, candles: a few per pixel column)
 * are appended to one element at a time in the layout's inner loops, where
 * g_array_append_val ()'s call and memcpy were a third of a layout's
 * instructions (callgrind, 1,000,000 bars at 555 bars/px). push_fast ()
 * stores in place instead: these arrays are neither zero-terminated nor
 * cleared, so writing the element past len and raising len by one is what
 * g_array_append_val () does, provided the allocation holds it. *@room
 * counts the elements the allocation is known to hold: g_array_set_size ()
 * grows it, and a GArray never gives memory back while it lives. */
static inline gpointer
push_fast (GArray *a, gsize elt, guint *room)
{
  guint n = a->len;

  if (G_UNLIKELY (n >= *room))
    {
      *room = MAX (2 * n, 1024);
      g_array_set_size (a, *room);
      g_array_set_size (a, n);
    }
  a->len = n + 1;
  return a->data + (gsize) n * elt;
}

static inline void
push_point (QlScene *self, float x, float y, float y2)
{
  *(QlPoint *) push_fast (self->points, sizeof (QlPoint), &self->points_room) = (QlPoint) { x, y };
  *(QlPoint *) push_fast (self->points2, sizeof (QlPoint), &self->points2_room) = (QlPoint) { x, y2 };
}

static void
push_segment (QlScene *self, float x0, float y0, float x1, float y1, QlColor c, float w, float dash)
{
  QlSceneSegment s = { x0, y0, x1, y1, c, w, dash };
  g_array_append_val (self->segments, s);
}

static inline void
push_box (QlScene *self, float x, float y, float w, float h, QlColor c)
{
  *(QlSceneBox *) push_fast (self->boxes, sizeof (QlSceneBox), &self->boxes_room) = (QlSceneBox) { { x, y, w, h }, c };
}

/* Appends a label; returns its index. The box is measured here. */
static guint
push_label (QlScene *self, const char *text, float x, float y, QlAlign ha, QlAlign va,
            QlColor color, float size, gboolean bold, const QlColor *bg)
{
  float w, h;
  measure (self, text, size, bold, &w, &h);
  float bw = w + 2 * QL_LABEL_PAD, bh = h + 2 * QL_LABEL_PAD;
  float bx = ha == QL_ALIGN_START ? x : ha == QL_ALIGN_CENTER ? x - bw / 2 : x - bw;
  float by = va == QL_ALIGN_START ? y : va == QL_ALIGN_CENTER ? y - bh / 2 : y - bh;
  QlSceneLabel l = {
    .text = g_string_chunk_insert (self->strings, text),
    .x = x, .y = y, .halign = ha, .valign = va, .color = color, .size = size, .bold = bold,
    .has_background = bg != NULL, .background = bg != NULL ? *bg : color,
    /* Whole pixels so both backends place the text on the same grid. */
    .box = { roundf (bx), roundf (by), bw, bh },
    .text_x = roundf (bx) + QL_LABEL_PAD, .text_y = roundf (by) + QL_LABEL_PAD,
  };
  g_array_append_val (self->labels, l);
  return self->labels->len - 1;
}

static float
snap (float v)
{
  return floorf (v) + 0.5f;
}

/* Geometry of one bar or one LOD column. */
typedef struct
{
  gsize a, b;                 /* rows [a, b) */
  float x;                    /* centre px */
} Slot;

/* The slots of the visible range: one per bar when bars are at least a
 * pixel apart, else one per pixel column; returns the count. */
static guint
make_slots (QlScene *self, const QlRect *plot, GArray *slots)
{
  g_array_set_size (slots, 0);
  gsize n = self->bars->len;
  if (n == 0)
    return 0;
  double bpp = self->bars_per_px;
  if (bpp <= 1.0)
    {
      gsize a, b;
      visible_rows (self, plot->w, &a, &b);
      /* One bar either side, so lines run to the edge. */
      if (a > 0)
        a--;
      if (b < n)
        b++;
      for (gsize i = a; i < b; i++)
        {
          /* On a grid of 1/256 px, which float holds exactly across any
           * screen: a viewport moved by whole pixels then moves every slot
           * by exactly as many, and a backend can scroll its last picture
           * (the double's rounding error would otherwise flip the float's
           * last bit near powers of two). */
          double x = plot->x + ql_scene_bar_to_x (self, (double) i);
          Slot s = { i, i + 1, (float) (round (x * 256.0) / 256.0) };
          g_array_append_val (slots, s);
        }
    }
  else
    {
      /* Column c holds the rows whose centre falls in it, with its edges
       * rounded up to a multiple of B, the largest power of two <= bpp / 2.
       * Then each column's range is made of whole pyramid blocks of level
       * log2(B) and up, so a min/max query reads a handful of cells instead
       * of walking the levels below; a row moves at most half a column,
       * and every row still belongs to exactly one column. */
      double bsz = 1;
      while (bsz * 4 <= bpp)
        bsz *= 2;
      int cols = (int) plot->w;
      double prev = -1;
      for (int c = -1; c <= cols + 1; c++)
        {
          double f = ceil (self->first_bar + c * bpp);
          f = ceil (f / bsz) * bsz;
          f = CLAMP (f, 0, (double) n);
          if (c > -1 && prev < f)
            {
              Slot s = { (gsize) prev, (gsize) f, plot->x + (c - 1) + 0.5f };
              g_array_append_val (slots, s);
            }
          prev = f;
        }
    }
  return slots->len;
}

static float
body_width (const QlScene *self)
{
  double spacing = 1.0 / self->bars_per_px;
  if (spacing < 2)
    return 1;
  double w = floor (spacing * 0.7);
  if ((int) w % 2 == 0)
    w -= 1;
  return (float) MAX (1.0, w);
}

static void
emit_bars (QlScene *self, const Pane *p, const Series *s, GArray *slots)
{
  const double *o = bar_col (self, QL_BAR_OPEN), *h = bar_col (self, QL_BAR_HIGH);
  const double *l = bar_col (self, QL_BAR_LOW), *c = bar_col (self, QL_BAR_CLOSE);
  const QlTheme *t = self->theme;
  QlSceneOp *op = op_begin (self, s->kind == QL_SERIES_OHLC ? QL_OP_OHLC : QL_OP_CANDLES, &p->plot,
                            self->candles);
  op->color = t->up;
  op->color2 = t->down;
  op->hollow = s->kind == QL_SERIES_HOLLOW_CANDLES;
  op->width = 1;
  op->scrolls = TRUE;
  float bw = body_width (self);
  float half = self->bars_per_px > 1 ? 0.5f : bw / 2;
  for (guint i = 0; i < slots->len; i++)
    {
      const Slot *sl = &g_array_index (slots, Slot, i);
      double op_ = o[sl->a], cl = c[sl->b - 1], hi, lo;
      if (sl->b - sl->a == 1)
        hi = h[sl->a], lo = l[sl->a];
      else
        ql_lod_range (self->bar_lod, h, l, sl->a, sl->b, &lo, &hi);
      if (!isfinite (op_) || !isfinite (cl) || !isfinite (hi) || !isfinite (lo))
        continue;
      QlSceneCandle cd = {
        .x = ((int) bw % 2 == 1) ? snap (sl->x) : roundf (sl->x),
        .half_width = half,
        .open = value_y (p, op_), .high = value_y (p, hi),
        .low = value_y (p, lo), .close = value_y (p, cl),
        .up = cl >= op_,
      };
      *(QlSceneCandle *) push_fast (self->candles, sizeof (QlSceneCandle), &self->candles_room) = cd;
    }
  op_end (self, self->candles);
}

/* The values of @s (or the bar closes) over a slot: first, last, min, max. */
static gboolean
slot_values (QlScene *self, const Series *s, const Slot *sl, double *first, double *last,
             double *mn, double *mx)
{
  const double *v;
  const QlLod *lod;
  if (s->from_bars)
    v = bar_col (self, QL_BAR_CLOSE), lod = self->close_lod;
  else
    v = (const double *) s->values->data, lod = s->lod;
  if (sl->b > (s->from_bars ? self->bars->len : s->values->len))
    return FALSE;
  *first = v[sl->a];
  *last = v[sl->b - 1];
  if (sl->b - sl->a == 1)
    *mn = *mx = v[sl->a];
  else
    ql_lod_range (lod, v, v, sl->a, sl->b, mn, mx);
  return isfinite (*mn);
}

/* A polyline through the series' values: one point per bar, or per LOD
 * column its extremes in the order that continues the previous column. */
static void
emit_line_points (QlScene *self, const Pane *p, const Series *s, GArray *slots, gboolean step,
                  float *base_y)
{
  float half = (float) (0.5 / self->bars_per_px);
  for (guint i = 0; i < slots->len; i++)
    {
      const Slot *sl = &g_array_index (slots, Slot, i);
      double first, last, mn, mx;
      if (!slot_values (self, s, sl, &first, &last, &mn, &mx))
        {
          push_point (self, sl->x, NAN, NAN);
          continue;
        }
      float ymn = value_y (p, mn), ymx = value_y (p, mx);
      if (step && self->bars_per_px <= 1)
        {
          float y = value_y (p, first);
          push_point (self, sl->x - half, y, base_y != NULL ? *base_y : y);
          push_point (self, sl->x + half, y, base_y != NULL ? *base_y : y);
        }
      else if (mn == mx)
        {
          push_point (self, sl->x, ymn, base_y != NULL ? *base_y : ymn);
        }
      else
        {
          float y0 = value_y (p, first);
          /* Enter the column at the extreme nearer to its first value:
           * decided by the column alone, so a column scrolled whole pixels
           * keeps its points (nearer to the previous column's exit would
           * hang every column on the one before it). */
          gboolean max_first = fabsf (y0 - ymx) < fabsf (y0 - ymn);
          float ya = max_first ? ymx : ymn, yb = max_first ? ymn : ymx;
          push_point (self, sl->x, ya, base_y != NULL ? *base_y : ya);
          push_point (self, sl->x, yb, base_y != NULL ? *base_y : yb);
        }
    }
}

static void
emit_line_like (QlScene *self, const Pane *p, const Series *s, GArray *slots)
{
  QlColor color = s->from_bars ? self->theme->line : s->color;
  float base_y = p->plot.y + p->plot.h;
  guint first = self->points->len;
  QlSeriesKind kind = s->kind;
  double base = s->has_base ? s->base : NAN;
  if (s->from_bars && kind == QL_SERIES_BASELINE && !s->has_base && self->bars->len > 0)
    {
      gsize a, b;
      visible_rows (self, p->plot.w, &a, &b);
      base = bar_col (self, QL_BAR_CLOSE)[MIN (a, self->bars->len - 1)];
    }
  if (kind == QL_SERIES_BASELINE)
    base_y = value_y (p, isfinite (base) ? base : (p->vmin + p->vmax) / 2);
  emit_line_points (self, p, s, slots, kind == QL_SERIES_STEP, &base_y);
  guint count = self->points->len - first;
  if (count == 0)
    return;

  QlSceneOp op = { .clip = p->plot, .first = first, .count = count, .width = 2, .color = color,
                   .scrolls = TRUE };
  if (kind == QL_SERIES_AREA)
    {
      QlSceneOp f = op;
      f.kind = QL_OP_FILL;
      f.base_y = base_y;
      f.color = ql_color_fade (color, self->theme->area_fill.a);
      g_array_append_val (self->ops, f);
    }
  if (kind == QL_SERIES_BASELINE)
    {
      QlRect above = p->plot, below = p->plot;
      above.h = CLAMP (base_y - p->plot.y, 0, p->plot.h);
      below.y = p->plot.y + above.h;
      below.h = p->plot.h - above.h;
      QlSceneOp f = op;
      f.kind = QL_OP_FILL;
      f.base_y = base_y;
      f.clip = above;
      f.color = ql_color_fade (self->theme->up, 0.2f);
      g_array_append_val (self->ops, f);
      f.clip = below;
      f.color = ql_color_fade (self->theme->down, 0.2f);
      g_array_append_val (self->ops, f);
      QlSceneOp l = op;
      l.kind = QL_OP_POLYLINE;
      l.clip = above;
      l.color = self->theme->up;
      g_array_append_val (self->ops, l);
      l.clip = below;
      l.color = self->theme->down;
      g_array_append_val (self->ops, l);
      QlSceneOp bl = { .kind = QL_OP_SEGMENTS, .clip = p->plot, .first = self->segments->len, .count = 1 };
      push_segment (self, p->plot.x, snap (base_y), p->plot.x + p->plot.w, snap (base_y),
                    self->theme->text_dim, 1, 3);
      g_array_append_val (self->ops, bl);
      return;
    }
  op.kind = QL_OP_POLYLINE;
  if (!s->from_bars && s->indicator >= 0)
    op.width = 1.5f;
  g_array_append_val (self->ops, op);
}

static void
emit_bands (QlScene *self, const Pane *p, const Series *s, GArray *slots)
{
  const double *up = (const double *) s->values->data, *lo = (const double *) s->values2->data;
  guint first = self->points->len;
  for (guint i = 0; i < slots->len; i++)
    {
      const Slot *sl = &g_array_index (slots, Slot, i);
      double mx, mn2;
      if (sl->b > s->values->len)
        {
          push_point (self, sl->x, NAN, NAN);
          continue;
        }
      if (sl->b - sl->a == 1)
        mx = up[sl->a], mn2 = lo[sl->a];
      else
        ql_lod_range (s->lod, up, lo, sl->a, sl->b, &mn2, &mx);
      if (!isfinite (mx) || !isfinite (mn2))
        push_point (self, sl->x, NAN, NAN);
      else
        push_point (self, sl->x, value_y (p, mx), value_y (p, mn2));
    }
  guint count = self->points->len - first;
  if (count == 0)
    return;
  QlSceneOp fill = {
    .kind = QL_OP_FILL, .clip = p->plot, .first = first, .count = count, .has_points2 = TRUE,
    .color = ql_color_fade (s->color, self->theme->band_fill.a), .scrolls = TRUE,
  };
  g_array_append_val (self->ops, fill);
  QlSceneOp upper = { .kind = QL_OP_POLYLINE, .clip = p->plot, .first = first, .count = count,
                      .width = 1, .color = s->color, .scrolls = TRUE };
  g_array_append_val (self->ops, upper);
  /* The lower line: the same x with the lower values, as its own points. */
  guint first2 = self->points->len;
  for (guint i = 0; i < count; i++)
    {
      QlPoint q = g_array_index (self->points2, QlPoint, first + i);
      push_point (self, q.x, q.y, q.y);
    }
  QlSceneOp lower = upper;
  lower.first = first2;
  g_array_append_val (self->ops, lower);
}

static void
emit_histogram (QlScene *self, const Pane *p, const Series *s, GArray *slots)
{
  const QlTheme *t = self->theme;
  QlSceneOp *op = op_begin (self, QL_OP_BOXES, &p->plot, self->boxes);
  op->scrolls = TRUE;
  float bw = self->bars_per_px > 1 ? 1 : body_width (self);
  float zero = value_y (p, 0);
  if (!isfinite (zero))
    zero = p->plot.y + p->plot.h;
  const double *o = bar_col (self, QL_BAR_OPEN), *c = bar_col (self, QL_BAR_CLOSE);
  const double *vol = bar_col (self, QL_BAR_VOLUME);
  for (guint i = 0; i < slots->len; i++)
    {
      const Slot *sl = &g_array_index (slots, Slot, i);
      float x = ((int) bw % 2 == 1) ? snap (sl->x) - bw / 2 : roundf (sl->x) - bw / 2;
      if (s->is_volume)
        {
          double v, mn;
          if (sl->b - sl->a == 1)
            v = vol[sl->a];
          else
            ql_lod_range (self->volume_lod, vol, vol, sl->a, sl->b, &mn, &v);
          if (!isfinite (v))
            continue;
          gboolean up = c[sl->b - 1] >= o[sl->a];
          float y = value_y (p, v);
          push_box (self, x, y, bw, zero - y, up ? t->up_volume : t->down_volume);
        }
      else
        {
          double first, last, mn, mx;
          if (!slot_values (self, s, sl, &first, &last, &mn, &mx))
            continue;
          QlColor pos = s->indicator >= 0 ? ql_color_fade (t->up, 0.7f) : s->color;
          QlColor neg = s->indicator >= 0 ? ql_color_fade (t->down, 0.7f) : s->color;
          if (mx > 0)
            {
              float y = value_y (p, mx);
              push_box (self, x, y, bw, zero - y, pos);
            }
          if (mn < 0)
            {
              float y = value_y (p, mn);
              push_box (self, x, zero, bw, y - zero, neg);
            }
        }
    }
  op_end (self, self->boxes);
}

/* The price grid of one pane: the values of its lines (in the pane's space)
 * into @vals, and the decimals of its labels and of its prices into the
 * pane. Used to measure the axis width and to draw the axis, so the width
 * fits every label drawn. */
static void
price_grid (QlScene *self, Pane *p, guint pane_index, GArray *vals)
{
  double span = p->vmax - p->vmin;
  int max_lines = MAX (3, (int) (p->plot.h / MIN_PRICE_LABEL_GAP));

  g_array_set_size (vals, 0);
  p->compact = pane_index > 0 && !p->is_volume && fmax (fabs (p->vmin), fabs (p->vmax)) >= 1e5;
  if (p->mode == QL_SCALE_LOG)
    {
      double lo = exp (p->vmin), hi = exp (p->vmax);
      double ratio = exp (span / max_lines);
      double v = lo;
      int guard = 0;
      while (v < hi && guard++ < 200)
        {
          double step = nice_step (v * (ratio - 1));
          double next = (floor (v / step) + 1) * step;
          if (next <= v)
            break;
          if (next < hi)
            {
              double s = log (next); /* vals are in the pane's space */
              /* Steps grow by jumps (200, 400, 500): keep labels apart. */
              double gap_px = vals->len == 0 ? G_MAXDOUBLE
                              : (s - g_array_index (vals, double, vals->len - 1)) / span * p->plot.h;
              if (gap_px >= MIN_PRICE_LABEL_GAP * 0.75)
                g_array_append_val (vals, s);
            }
          v = next;
        }
    }
  else
    {
      double step = nice_step (span / max_lines);
      /* A short pane still gets two or three labels. */
      for (int k = 0; k < 4 && span / step < 2.5; k++)
        step = nice_step (step * 0.45);
      double tick = p->mode == QL_SCALE_LINEAR && pane_index == 0 ? tick_value (self) : 0;
      if (tick > 0 && step < tick)
        step = tick;
      else if (tick > 0)
        step = ceil (step / tick - 1e-9) * tick;
      for (double v = ceil (p->vmin / step) * step; v < p->vmax; v += step)
        {
          double r = fabs (v) < step * 1e-9 ? 0 : v;
          /* -100 % is a price of zero: the autoscale margin may reach below
           * it, but no price lies there. */
          if (p->mode == QL_SCALE_PERCENT && r <= -100 + step * 1e-9)
            continue;
          g_array_append_val (vals, r);
        }
      if (p->mode == QL_SCALE_PERCENT)
        p->decimals = decimals_of_step (step);
      else if (!p->is_volume)
        {
          int d = decimals_of_step (step);
          if (self->has_inst && pane_index == 0 && p->mode == QL_SCALE_LINEAR)
            d = MAX (d, self->inst.price_scale);
          else if (!self->has_inst && pane_index == 0)
            d = MAX (d, 2); /* no instrument: cents at least */
          p->decimals = d;
        }
    }

  /* Prices keep the instrument's decimals whatever the axis shows; with no
   * instrument, those of a linear grid over the visible prices (cents at
   * least in the price pane). */
  if (pane_index != 0 || p->mode == QL_SCALE_LINEAR)
    p->value_decimals = p->decimals;
  else if (self->has_inst)
    p->value_decimals = self->inst.price_scale;
  else
    {
      double lo = from_space (p, p->vmin), hi = from_space (p, p->vmax);
      p->value_decimals = MAX (2, decimals_of_step (nice_step ((hi - lo) / max_lines)));
    }
}

/* The label of grid value @s (the pane's space) of price_grid (). */
static void
price_grid_label (QlScene *self, const Pane *p, guint pane_index, double s, char *buf, gsize size)
{
  if (p->mode == QL_SCALE_PERCENT)
    snprintf (buf, size, "%.*f%%", p->decimals, s);
  else if (p->mode == QL_SCALE_LOG)
    {
      double span = p->vmax - p->vmin;
      int max_lines = MAX (3, (int) (p->plot.h / MIN_PRICE_LABEL_GAP));
      double v = exp (s);
      double step = nice_step (v * (exp (span / max_lines) - 1));
      int d = decimals_of_step (step);
      if (self->has_inst && pane_index == 0)
        d = MAX (d, self->inst.price_scale);
      snprintf (buf, size, "%.*f", d, v);
    }
  else
    format_value (p, s, buf, size);
}

/* Where a coloured tag will sit on a price axis (the last price, a price
 * line, the crosshair's price): grid labels under it are left out, as
 * TradingView does, so the tag never covers half a label. */
typedef struct
{
  guint pane;
  float y;                    /* the tag's centre, px */
} AxisTag;

static void
collect_axis_tags (QlScene *self, GArray *tags)
{
  g_array_set_size (tags, 0);
  for (guint i = 0; i < self->price_lines->len; i++)
    {
      const PriceLine *pl = &g_array_index (self->price_lines, PriceLine, i);
      const Pane *p = pane_get (self, pl->pane);
      float y = value_y (p, pl->price);
      if (y >= p->plot.y && y <= p->plot.y + p->plot.h)
        g_array_append_vals (tags, &(AxisTag) { pl->pane, snap (y) }, 1);
    }
  if (self->last_price_visible && self->bars->len > 0)
    {
      const Pane *p = pane_get (self, 0);
      float y = value_y (p, bar_col (self, QL_BAR_CLOSE)[self->bars->len - 1]);
      if (y >= p->plot.y && y <= p->plot.y + p->plot.h)
        g_array_append_vals (tags, &(AxisTag) { 0, snap (y) }, 1);
    }
  if (self->has_crosshair && self->bars->len > 0)
    {
      int pane = ql_scene_pane_at (self, self->cross_y);
      if (pane >= 0)
        g_array_append_vals (tags, &(AxisTag) { (guint) pane, snap ((float) self->cross_y) }, 1);
    }
}

/* Price grid and axis labels for one pane; no label where it would touch
 * one of @tags (AxisTag). */
static void
emit_price_axis (QlScene *self, Pane *p, guint pane_index, GArray *tags)
{
  const QlTheme *t = self->theme;
  QlRect axis = { p->plot.x + p->plot.w, p->rect.y, self->axis_width, p->rect.h };
  float label_w, label_h;
  measure (self, "0", (float) t->font_size, FALSE, &label_w, &label_h);
  /* Two labels of one height touch when their centres are closer than it. */
  label_h += 2 * QL_LABEL_PAD;

  GArray *vals = g_array_new (FALSE, FALSE, sizeof (double));
  price_grid (self, p, pane_index, vals);

  QlSceneOp *gop = op_begin (self, QL_OP_SEGMENTS, &p->plot, self->segments);
  (void) gop;
  for (guint i = 0; i < vals->len; i++)
    {
      double s = g_array_index (vals, double, i);
      float y = snap ((float) space_to_y (p, s));
      push_segment (self, p->plot.x, y, p->plot.x + p->plot.w, y, t->grid, 1, 0);
    }
  op_end (self, self->segments);

  QlSceneOp *lop = op_begin (self, QL_OP_LABELS, &axis, self->labels);
  (void) lop;
  for (guint i = 0; i < vals->len; i++)
    {
      double s = g_array_index (vals, double, i);
      float y = (float) space_to_y (p, s);
      char buf[64];
      price_grid_label (self, p, pane_index, s, buf, sizeof buf);
      /* A label cut by the pane's edge is left out. */
      float half_h = (float) t->font_size / 2 + QL_LABEL_PAD;
      if (y - half_h < p->rect.y || y + half_h > p->rect.y + p->rect.h)
        continue;
      gboolean covered = FALSE;
      for (guint k = 0; k < tags->len && !covered; k++)
        {
          const AxisTag *tag = &g_array_index (tags, AxisTag, k);
          covered = tag->pane == pane_index && fabsf (tag->y - y) < label_h;
        }
      if (covered)
        continue;
      push_label (self, buf, axis.x + AXIS_PAD - QL_LABEL_PAD, y, QL_ALIGN_START, QL_ALIGN_CENTER,
                  t->text, (float) t->font_size, FALSE, NULL);
    }
  op_end (self, self->labels);
  g_array_unref (vals);
}

/* Time axis: labels at the boundaries of the chosen step in local time. */
typedef struct
{
  float x;
  int rank;                   /* 4 year, 3 month, 2 day, 1 time */
  char text[64];
  float label_x;              /* the label's centre: x, moved inside the axis at its ends */
} TimeMark;

static const gint64 time_steps_s[] = {
  1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 14400, 21600, 43200,
};

static void
emit_time_axis (QlScene *self, GArray *slots, const QlRect *all_plots, const QlRect *axis,
                float cross_left, float cross_right)
{
  const QlTheme *t = self->theme;
  gsize n = self->bars->len;
  if (slots->len < 1 || n < 2)
    return;
  const gint64 *time = ql_series_i64 (self->bars, QL_BAR_TIME);
  gsize a = g_array_index (slots, Slot, 0).a, b = g_array_index (slots, Slot, slots->len - 1).b;
  double px = slots->len > 1 ? g_array_index (slots, Slot, slots->len - 1).x - g_array_index (slots, Slot, 0).x : 1;
  if (b - a < 2 || px <= 0)
    {
      /* Too few bars to tell: use the bar spacing. */
      a = n - 2, b = n;
      px = 1 / self->bars_per_px;
    }
  double ns_per_px = (double) (time[b - 1] - time[a]) / MAX (px, 1.0);
  double want_s = ns_per_px * MIN_TIME_LABEL_GAP / QL_NS_PER_SEC;

  /* Step: seconds-based up to 12 h, then days (1, 2, 5, 10, 15 of a month),
   * months (1, 2, 3, 6), years (1, 2, 5, 10, ...). */
  gint64 step_s = 0, step_days = 0, step_months = 0, step_years = 0;
  for (guint i = 0; i < G_N_ELEMENTS (time_steps_s); i++)
    if (time_steps_s[i] >= want_s)
      {
        step_s = time_steps_s[i];
        break;
      }
  if (step_s == 0)
    {
      double d = want_s / 86400;
      if (d <= 1) step_days = 1;
      else if (d <= 2) step_days = 2;
      else if (d <= 5) step_days = 5;
      else if (d <= 10) step_days = 10;
      else if (d <= 15) step_days = 15;
      else if (d <= 31) step_months = 1;
      else if (d <= 62) step_months = 2;
      else if (d <= 92) step_months = 3;
      else if (d <= 183) step_months = 6;
      else
        {
          step_years = 1;
          while (step_years * 365.25 < d)
            step_years = step_years == 1 ? 2 : step_years == 2 ? 5 : step_years * 2;
        }
    }

  GArray *marks = g_array_new (FALSE, FALSE, sizeof (TimeMark));
  Civil prev;
  gboolean have_prev = FALSE;
  gsize first_row = g_array_index (slots, Slot, 0).a;
  if (first_row > 0)
    {
      civil_of (self, time[first_row - 1], &prev);
      have_prev = TRUE;
    }
  for (guint i = 0; i < slots->len; i++)
    {
      const Slot *sl = &g_array_index (slots, Slot, i);
      Civil c;
      civil_of (self, time[sl->a], &c);
      int rank = 0;
      if (!have_prev)
        {
          /* The data's first bar: its period begins here as far as the
           * chart knows, so it is labelled one unit coarser than the step
           * (2021 on a chart of months, Mar on one of days, the day on
           * one of hours), and a 2021-2023 chart says 2021 at its left. */
          rank = step_years > 0 || step_months > 0 ? 4 : step_days > 0 ? 3 : 2;
          have_prev = TRUE;
        }
      else if (step_years > 0)
        rank = (c.year / step_years != prev.year / step_years) ? 4 : 0;
      else if (step_months > 0)
        rank = c.year != prev.year ? 4
             : ((c.month - 1) / step_months != (prev.month - 1) / step_months) ? 3 : 0;
      else if (step_days > 0)
        rank = c.year != prev.year ? 4 : c.month != prev.month ? 3
             : ((c.day - 1) / step_days != (prev.day - 1) / step_days) ? 2 : 0;
      else
        {
          gint64 ks = c.local_secs >= 0 ? c.local_secs / step_s : -1 - (-c.local_secs - 1) / step_s;
          gint64 kp = prev.local_secs >= 0 ? prev.local_secs / step_s : -1 - (-prev.local_secs - 1) / step_s;
          if (c.year != prev.year)
            rank = 4;
          else if (c.month != prev.month)
            rank = 3;
          else if (c.day != prev.day)
            rank = 2;
          else if (ks != kp)
            rank = 1;
        }
      prev = c;
      if (rank == 0)
        continue;
      TimeMark m = { .x = sl->x, .rank = rank };
      switch (rank)
        {
        case 4:
          snprintf (m.text, sizeof m.text, "%" G_GINT64_FORMAT, c.year);
          break;
        case 3:
          snprintf (m.text, sizeof m.text, "%s", month_names[c.month - 1]);
          break;
        case 2:
          snprintf (m.text, sizeof m.text, "%u", c.day);
          break;
        default:
          {
            /* The round time of the step's boundary the bar is the first at
             * or after (ticks fall at 20:58:19; the label reads 20:58:00). */
            gint64 k = c.local_secs >= 0 ? c.local_secs / step_s : -1 - (-c.local_secs - 1) / step_s;
            gint64 sod = k * step_s % 86400;
            if (sod < 0)
              sod += 86400;
            if (step_s < 60)
              snprintf (m.text, sizeof m.text, "%02d:%02d:%02d", (int) (sod / 3600),
                        (int) (sod / 60 % 60), (int) (sod % 60));
            else
              snprintf (m.text, sizeof m.text, "%02d:%02d", (int) (sod / 3600), (int) (sod / 60 % 60));
          }
          break;
        }
      g_array_append_val (marks, m);
    }

  /* Keep labels that do not crowd a kept one, coarser ranks first. */
  float font = (float) t->font_size;
  gboolean *keep = g_new0 (gboolean, marks->len + 1);
  float *half = g_new0 (float, marks->len + 1);
  for (guint i = 0; i < marks->len; i++)
    {
      float w, h;
      TimeMark *m = &g_array_index (marks, TimeMark, i);
      measure (self, m->text, font, m->rank >= 3, &w, &h);
      half[i] = w / 2 + QL_LABEL_PAD;
      /* A boundary near an end of the axis keeps its label, moved inside. */
      m->label_x = CLAMP (m->x, axis->x + half[i], MAX (axis->x + half[i], axis->x + axis->w - half[i]));
    }
  float min_gap = (float) MIN_TIME_LABEL_GAP * 0.5f;
  for (int rank = 4; rank >= 1; rank--)
    for (guint i = 0; i < marks->len; i++)
      {
        TimeMark *m = &g_array_index (marks, TimeMark, i);
        if (m->rank != rank)
          continue;
        if (m->x < axis->x || m->x > axis->x + axis->w)
          continue;
        gboolean ok = TRUE;
        for (guint j = 0; j < marks->len && ok; j++)
          if (keep[j])
            {
              TimeMark *o = &g_array_index (marks, TimeMark, j);
              if (fabsf (o->label_x - m->label_x) < half[i] + half[j] + MAX (8.0f, min_gap - half[i] - half[j]))
                ok = FALSE;
            }
        keep[i] = ok;
      }

  QlSceneOp *gop = op_begin (self, QL_OP_SEGMENTS, all_plots, self->segments);
  gop->scrolls = TRUE;
  for (guint i = 0; i < marks->len; i++)
    if (keep[i])
      {
        TimeMark *m = &g_array_index (marks, TimeMark, i);
        float x = snap (m->x);
        for (guint k = 0; k < self->panes->len; k++)
          {
            Pane *p = pane_get (self, k);
            push_segment (self, x, p->plot.y, x, p->plot.y + p->plot.h, t->grid, 1, 0);
          }
      }
  op_end (self, self->segments);

  QlSceneOp *lop = op_begin (self, QL_OP_LABELS, axis, self->labels);
  (void) lop;
  for (guint i = 0; i < marks->len; i++)
    if (keep[i])
      {
        TimeMark *m = &g_array_index (marks, TimeMark, i);
        /* Under the crosshair's time tag: its grid line stays, the label goes. */
        if (cross_right > cross_left && m->label_x + half[i] > cross_left - 2 &&
            m->label_x - half[i] < cross_right + 2)
          continue;
        push_label (self, m->text, m->label_x, axis->y + TIME_AXIS_PAD - QL_LABEL_PAD, QL_ALIGN_CENTER,
                    QL_ALIGN_START, t->text, font, m->rank >= 3, NULL);
      }
  op_end (self, self->labels);
  g_free (keep);
  g_free (half);
  g_array_unref (marks);
}

static void
format_crosshair_time (const QlScene *self, QlTimeNs t, char *buf, gsize size)
{
  Civil c;
  civil_of (self, t, &c);
  gint64 spacing = 0;
  if (self->has_tf)
    spacing = ql_timeframe_nominal_ns (&self->tf);
  if (spacing == 0 && self->has_tf && self->tf.unit == QL_TF_MONTHS)
    spacing = QL_NS_PER_DAY * 28;
  if (spacing == 0 && self->bars->len >= 2)
    {
      const gint64 *time = ql_series_i64 (self->bars, QL_BAR_TIME);
      spacing = time[1] - time[0];
    }
  if (spacing >= QL_NS_PER_DAY)
    snprintf (buf, size, "%04" G_GINT64_FORMAT "-%02u-%02u", c.year, c.month, c.day);
  else if (spacing >= QL_NS_PER_MIN || spacing == 0)
    snprintf (buf, size, "%04" G_GINT64_FORMAT "-%02u-%02u %02d:%02d", c.year, c.month, c.day, c.hour, c.min);
  else
    snprintf (buf, size, "%04" G_GINT64_FORMAT "-%02u-%02u %02d:%02d:%02d", c.year, c.month, c.day,
              c.hour, c.min, c.sec);
}

/* An axis label with a coloured background at @y of @pane's axis. */
static void
axis_tag (QlScene *self, const Pane *p, float y, const char *text, QlColor bg, QlColor fg)
{
  QlRect axis = { p->plot.x + p->plot.w, p->rect.y, self->axis_width, p->rect.h };
  QlSceneOp *op = op_begin (self, QL_OP_LABELS, &axis, self->labels);
  (void) op;
  push_label (self, text, axis.x + AXIS_PAD - QL_LABEL_PAD, y, QL_ALIGN_START, QL_ALIGN_CENTER,
              fg, (float) self->theme->font_size, FALSE, &bg);
  /* Stretch the tag over the axis width. */
  QlSceneLabel *l = &g_array_index (self->labels, QlSceneLabel, self->labels->len - 1);
  l->box.x = axis.x;
  l->box.w = MAX (l->box.w, axis.w);
  op_end (self, self->labels);
}

/* The legend of one pane: pieces left to right, wrapping to a new line
 * before a piece (with its caption) that would run past the plot's right
 * edge, so a small chart keeps its legend off the price axis. */
typedef struct
{
  float x0, xmax;             /* left of each line; the plot's right edge less padding */
  float x, y;                 /* where the next piece goes */
  float line_h;
  float right;                /* the widest line's right end */
} Legend;

static float
legend_width (QlScene *self, const char *text, gboolean bold)
{
  float w, h;
  if (text == NULL)
    return 0;
  measure (self, text, (float) self->theme->font_size, bold, &w, &h);
  return w + 2 * QL_LABEL_PAD;
}

/* @caption (nullable) in @ccolor, then @value (nullable) in @vcolor, kept
 * on one line; @gap px follow them. */
static void
legend_item (QlScene *self, Legend *lg, const char *caption, QlColor ccolor, gboolean bold,
             const char *value, QlColor vcolor, float gap)
{
  float w = legend_width (self, caption, bold) + legend_width (self, value, FALSE);
  if (lg->x > lg->x0 && lg->x + w > lg->xmax)
    {
      lg->x = lg->x0;
      lg->y += lg->line_h;
    }
  if (caption != NULL)
    {
      guint i = push_label (self, caption, lg->x, lg->y, QL_ALIGN_START, QL_ALIGN_START, ccolor,
                            (float) self->theme->font_size, bold, NULL);
      lg->x += g_array_index (self->labels, QlSceneLabel, i).box.w;
    }
  if (value != NULL)
    {
      guint i = push_label (self, value, lg->x, lg->y, QL_ALIGN_START, QL_ALIGN_START, vcolor,
                            (float) self->theme->font_size, FALSE, NULL);
      lg->x += g_array_index (self->labels, QlSceneLabel, i).box.w;
    }
  lg->right = MAX (lg->right, lg->x);
  lg->x += gap;
}

/* Ends the current line: the next item starts a new one. */
static void
legend_newline (Legend *lg)
{
  if (lg->x > lg->x0)
    {
      lg->x = lg->x0;
      lg->y += lg->line_h;
    }
}

static void
format_indicator_value (const Pane *p, guint pane_index, double v, char *buf, gsize size)
{
  if (!isfinite (v))
    g_strlcpy (buf, "n/a", size);
  else if (pane_index == 0)
    snprintf (buf, size, "%.*f", p->value_decimals, v);
  else if (fabs (v) >= 1e5)
    format_compact (v, buf, size);
  else
    {
      double a = fabs (v);
      int d = a >= 1000 ? 0 : a >= 10 ? 2 : a >= 1 ? 3 : 4;
      snprintf (buf, size, "%.*f", d, v);
    }
}

static void
emit_legend (QlScene *self, gssize row)
{
  const QlTheme *t = self->theme;
  float lh = (float) t->font_size + 2 * QL_LABEL_PAD + 1;
  for (guint k = 0; k < self->panes->len; k++)
    {
      Pane *p = pane_get (self, k);
      guint op_index = self->ops->len;
      guint first_label = self->labels->len;
      QlSceneOp *op = op_begin (self, QL_OP_LABELS, &p->plot, self->labels);
      (void) op;
      Legend lg = {
        .x0 = p->plot.x + LEGEND_PAD - QL_LABEL_PAD,
        .xmax = p->plot.x + p->plot.w - LEGEND_PAD + QL_LABEL_PAD,
        .y = p->plot.y + LEGEND_PAD - QL_LABEL_PAD,
        .line_h = lh,
      };
      lg.x = lg.right = lg.x0;
      char buf[64];
      if (k == 0 && row >= 0)
        {
          QlBar bar;
          ql_series_get_bar (self->bars, (gsize) row, &bar);
          QlColor vc = bar.close >= bar.open ? t->up : t->down;
          if (self->has_inst || self->has_tf)
            {
              char tfb[16] = "";
              if (self->has_tf)
                ql_timeframe_format (&self->tf, tfb, sizeof tfb);
              g_autofree char *title = g_strdup_printf ("%s%s%s", self->has_inst ? self->inst.symbol : "",
                                                        self->has_inst && self->has_tf ? " · " : "", tfb);
              legend_item (self, &lg, title, t->text, TRUE, NULL, vc, 6);
            }
          const char *names[4] = { "O", "H", "L", "C" };
          double vals[4] = { bar.open, bar.high, bar.low, bar.close };
          for (int i = 0; i < 4; i++)
            {
              format_price (p, vals[i], buf, sizeof buf);
              legend_item (self, &lg, names[i], t->text_dim, FALSE, buf, vc, 4);
            }
          format_compact (bar.volume, buf, sizeof buf);
          legend_item (self, &lg, "V", t->text_dim, FALSE, buf, vc, 0);
          legend_newline (&lg);
        }
      /* Volume pane caption. */
      for (guint s = 0; s < self->series->len; s++)
        {
          Series *se = series_get (self, s);
          if (se->pane != k || !se->is_volume || row < 0)
            continue;
          format_compact (bar_col (self, QL_BAR_VOLUME)[row], buf, sizeof buf);
          const double *o = bar_col (self, QL_BAR_OPEN), *c = bar_col (self, QL_BAR_CLOSE);
          legend_item (self, &lg, "Vol", t->text_dim, FALSE, buf, c[row] >= o[row] ? t->up : t->down, 0);
          legend_newline (&lg);
        }
      for (guint i = 0; i < self->indicators->len; i++)
        {
          Indicator *ind = &g_array_index (self->indicators, Indicator, i);
          if (ind->pane != k)
            continue;
          legend_item (self, &lg, ind->caption, t->text, FALSE, NULL, t->text, 4);
          for (guint o = 0; o < ind->n_outputs && row >= 0; o++)
            {
              if (ind->out_slot[o] == OUT_HIDDEN)
                continue;
              Series *se = series_get (self, ind->out_series[o]);
              GArray *arr = ind->out_slot[o] == OUT_VALUES2 ? se->values2 : se->values;
              double v = (gsize) row < arr->len ? g_array_index (arr, double, row) : NAN;
              if (ind->out_slot[o] == OUT_SPLIT && isnan (v))
                {
                  /* Falling: the value is in the down part. */
                  se = series_get (self, ind->split_series);
                  arr = se->values;
                  v = (gsize) row < arr->len ? g_array_index (arr, double, row) : NAN;
                }
              format_indicator_value (p, k, v, buf, sizeof buf);
              legend_item (self, &lg, NULL, t->text, FALSE, buf,
                           se->kind == QL_SERIES_HISTOGRAM ? t->text : se->color, 4);
            }
          legend_newline (&lg);
        }
      /* Value series added by the caller; bands show upper and lower. */
      for (guint s = 0; s < self->series->len; s++)
        {
          Series *se = series_get (self, s);
          if (se->pane != k || se->indicator >= 0 || se->values == NULL || se->name == NULL)
            continue;
          legend_item (self, &lg, se->name, t->text, FALSE, NULL, t->text, 4);
          for (int slot = 0; slot < (se->values2 != NULL ? 2 : 1); slot++)
            {
              GArray *arr = slot == 0 ? se->values : se->values2;
              double v = row >= 0 && (gsize) row < arr->len ? g_array_index (arr, double, row) : NAN;
              format_indicator_value (p, k, v, buf, sizeof buf);
              legend_item (self, &lg, NULL, t->text, FALSE, buf, se->color, 4);
            }
          legend_newline (&lg);
        }
      op_end (self, self->labels);

      /* A backdrop in the background colour under each of the legend's
       * lines, so bars and lines do not run through its text; drawn
       * before it. Labels of one line share their box's top. */
      if (self->labels->len > first_label)
        {
          QlSceneOp bop = { .kind = QL_OP_BOXES, .clip = p->plot, .first = self->boxes->len,
                            .width = 1 };
          QlColor backdrop = ql_color_fade (t->background, 0.75f);
          guint i = first_label;
          while (i < self->labels->len)
            {
              const QlSceneLabel *l0 = &g_array_index (self->labels, QlSceneLabel, i);
              float top = l0->box.y, bottom = l0->box.y + l0->box.h;
              float left = l0->box.x, right = l0->box.x + l0->box.w;
              guint j = i + 1;
              for (; j < self->labels->len; j++)
                {
                  const QlSceneLabel *l = &g_array_index (self->labels, QlSceneLabel, j);
                  if (l->box.y != top)
                    break;
                  bottom = MAX (bottom, l->box.y + l->box.h);
                  left = MIN (left, l->box.x);
                  right = MAX (right, l->box.x + l->box.w);
                }
              /* Lines are lh apart: boxes that overlapped would darken a strip. */
              push_box (self, left, top, ceilf (right - left), MIN (ceilf (bottom - top), lh), backdrop);
              i = j;
            }
          bop.count = self->boxes->len - bop.first;
          g_array_insert_val (self->ops, op_index, bop);
        }
    }
}

static void
emit_markers (QlScene *self, const Pane *p)
{
  const QlTheme *t = self->theme;
  if (self->markers->len == 0 || self->bars->len == 0)
    return;
  /* The marker texts first, so the marker op can point at them. */
  guint label_first = self->labels->len;
  GArray *tmp = g_array_new (FALSE, FALSE, sizeof (QlSceneMarker));
  const double *h = bar_col (self, QL_BAR_HIGH), *l = bar_col (self, QL_BAR_LOW);
  float size = 8;
  for (guint i = 0; i < self->markers->len; i++)
    {
      Marker *m = &g_array_index (self->markers, Marker, i);
      gssize row = bar_at_time (self, m->time);
      if (row < 0)
        continue;
      float x = (float) (p->plot.x + ql_scene_bar_to_x (self, (double) row));
      if (x < p->plot.x - 20 || x > p->plot.x + p->plot.w + 20)
        continue;
      float y;
      if (isfinite (m->price))
        y = value_y (p, m->price);
      else if (m->shape == QL_MARKER_ARROW_UP)
        y = value_y (p, l[row]) + 4;
      else if (m->shape == QL_MARKER_ARROW_DOWN)
        y = value_y (p, h[row]) - 4;
      else
        y = value_y (p, h[row]) - 4 - size;
      QlSceneMarker sm = { .x = roundf (x) + 0.5f, .y = roundf (y), .shape = m->shape, .color = m->color,
                           .size = size, .label = G_MAXUINT };
      if (m->text != NULL)
        {
          gboolean below = m->shape == QL_MARKER_ARROW_UP;
          float ty = m->shape == QL_MARKER_TEXT ? y : below ? y + size * 2 + 2 : y - size * 2 - 2;
          sm.label = push_label (self, m->text, sm.x, ty, QL_ALIGN_CENTER,
                                 m->shape == QL_MARKER_TEXT ? QL_ALIGN_CENTER : below ? QL_ALIGN_START : QL_ALIGN_END,
                                 m->shape == QL_MARKER_TEXT ? m->color : t->text, (float) t->font_size, FALSE, NULL);
        }
      g_array_append_val (tmp, sm);
    }
  if (self->labels->len > label_first)
    {
      QlSceneOp op = { .kind = QL_OP_LABELS, .clip = p->plot, .first = label_first,
                       .count = self->labels->len - label_first, .scrolls = TRUE };
      g_array_append_val (self->ops, op);
    }
  QlSceneOp *mop = op_begin (self, QL_OP_MARKERS, &p->plot, self->fmarkers);
  mop->scrolls = TRUE;
  g_array_append_vals (self->fmarkers, tmp->data, tmp->len);
  op_end (self, self->fmarkers);
  g_array_unref (tmp);
}

static void
emit_drawings (QlScene *self, const Pane *p)
{
  static const double fib[] = { 0, 0.236, 0.382, 0.5, 0.618, 0.786, 1 };
  if (self->drawings->len == 0)
    return;
  QlSceneOp *op = op_begin (self, QL_OP_SEGMENTS, &p->plot, self->segments);
  op->scrolls = TRUE;
  GArray *fib_labels = g_array_new (FALSE, FALSE, sizeof (TimeMark));
  for (guint i = 0; i < self->drawings->len; i++)
    {
      Drawing *d = &g_array_index (self->drawings, Drawing, i);
      float x1 = (float) (p->plot.x + ql_scene_bar_to_x (self, time_to_index (self, d->t1)));
      float x2 = (float) (p->plot.x + ql_scene_bar_to_x (self, time_to_index (self, d->t2)));
      float y1 = value_y (p, d->p1), y2 = value_y (p, d->p2);
      switch (d->kind)
        {
        case QL_DRAWING_TREND_LINE:
          push_segment (self, x1, y1, x2, y2, d->color, 1.5f, 0);
          break;
        case QL_DRAWING_HLINE:
          push_segment (self, p->plot.x, snap (y1), p->plot.x + p->plot.w, snap (y1), d->color, 1, 0);
          break;
        case QL_DRAWING_RECTANGLE:
          {
            float l = snap (MIN (x1, x2)), r = snap (MAX (x1, x2));
            float tp = snap (MIN (y1, y2)), b = snap (MAX (y1, y2));
            push_segment (self, l, tp, r, tp, d->color, 1, 0);
            push_segment (self, r, tp, r, b, d->color, 1, 0);
            push_segment (self, r, b, l, b, d->color, 1, 0);
            push_segment (self, l, b, l, tp, d->color, 1, 0);
          }
          break;
        case QL_DRAWING_FIBONACCI:
          push_segment (self, x1, y1, x2, y2, ql_color_fade (d->color, 0.5f), 1, 4);
          for (guint k = 0; k < G_N_ELEMENTS (fib); k++)
            {
              double price = d->p2 + (d->p1 - d->p2) * fib[k];
              float y = snap (value_y (p, price));
              push_segment (self, MIN (x1, x2), y, MAX (x1, x2), y, d->color, 1, 0);
              TimeMark m = { .x = MIN (x1, x2), .rank = (int) (y * 16) };
              char pb[40];
              format_price (p, price, pb, sizeof pb);
              snprintf (m.text, sizeof m.text, "%.3f (%s)", fib[k], pb);
              g_array_append_val (fib_labels, m);
            }
          break;
        default:
          g_assert_not_reached ();
        }
    }
  op_end (self, self->segments);
  if (fib_labels->len > 0)
    {
      QlSceneOp *lop = op_begin (self, QL_OP_LABELS, &p->plot, self->labels);
      lop->scrolls = TRUE;
      for (guint i = 0; i < fib_labels->len; i++)
        {
          TimeMark *m = &g_array_index (fib_labels, TimeMark, i);
          push_label (self, m->text, m->x + 2, m->rank / 16.0f, QL_ALIGN_START, QL_ALIGN_END,
                      self->theme->drawing, (float) self->theme->font_size - 1, FALSE, NULL);
        }
      op_end (self, self->labels);
    }
  g_array_unref (fib_labels);
}

/* Wide enough for every label of every pane's grid and for the prices the
 * tags show (the last price, price lines, the crosshair at the range's
 * ends), plus padding. */
static float
axis_width_for (QlScene *self)
{
  float wmax = 0;
  GArray *vals = g_array_new (FALSE, FALSE, sizeof (double));
  for (guint i = 0; i < self->panes->len; i++)
    {
      Pane *p = pane_get (self, i);
      char buf[64];
      float w, h;
      price_grid (self, p, i, vals);
      for (guint k = 0; k < vals->len; k++)
        {
          price_grid_label (self, p, i, g_array_index (vals, double, k), buf, sizeof buf);
          measure (self, buf, (float) self->theme->font_size, FALSE, &w, &h);
          wmax = MAX (wmax, w);
        }
      for (int k = 0; k < 2; k++)
        {
          double s = k == 0 ? p->vmin : p->vmax;
          if (p->mode == QL_SCALE_PERCENT)
            snprintf (buf, sizeof buf, "%.2f%%", s);
          else
            format_price (p, from_space (p, s), buf, sizeof buf);
          measure (self, buf, (float) self->theme->font_size, FALSE, &w, &h);
          wmax = MAX (wmax, w);
        }
    }
  g_array_unref (vals);
  return ceilf (MAX (48.0f, wmax + 2 * AXIS_PAD));
}

static void
layout_panes (QlScene *self, float axis_w, float time_h)
{
  double total = 0;
  for (guint i = 0; i < self->panes->len; i++)
    total += pane_get (self, i)->weight;
  float avail = MAX (1.0f, self->height - time_h);
  float y = 0;
  for (guint i = 0; i < self->panes->len; i++)
    {
      Pane *p = pane_get (self, i);
      float h = (i + 1 == self->panes->len) ? avail - y : roundf ((float) (avail * p->weight / total));
      p->rect = (QlRect) { 0, y, (float) self->width, h };
      p->plot = (QlRect) { 0, y, MAX (1.0f, self->width - axis_w), h };
      y += h;
    }
}

const QlSceneFrame *
ql_scene_layout (QlScene *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  const QlTheme *t = self->theme;

  g_array_set_size (self->ops, 0);
  g_array_set_size (self->boxes, 0);
  g_array_set_size (self->segments, 0);
  g_array_set_size (self->points, 0);
  g_array_set_size (self->points2, 0);
  g_array_set_size (self->candles, 0);
  g_array_set_size (self->fmarkers, 0);
  g_array_set_size (self->labels, 0);
  g_array_set_size (self->pane_info, 0);
  g_string_chunk_clear (self->strings);
  self->serial++;

  float time_h = (float) t->font_size + 2 * TIME_AXIS_PAD + 2;
  if (!self->viewport_set)
    ql_scene_show_last (self, MIN (120.0, (double) self->bars->len));

  /* Ranges with the previous axis width, the axis width, ranges again. */
  layout_panes (self, self->axis_width, time_h);
  pane_ranges (self, self->width - self->axis_width);
  float axis_w = axis_width_for (self);
  if (axis_w != self->axis_width || self->fit_pending)
    {
      self->axis_width = axis_w;
      if (self->fit_pending)
        ql_scene_set_viewport (self, self->fit_first,
                               self->fit_bars / MAX (1.0, self->width - axis_w));
      layout_panes (self, axis_w, time_h);
      pane_ranges (self, self->width - axis_w);
    }
  self->fit_pending = FALSE;
  float plot_w = MAX (1.0f, self->width - axis_w);
  QlRect all = { 0, 0, plot_w, MAX (1.0f, self->height - time_h) };
  QlRect time_axis = { 0, self->height - time_h, plot_w, time_h };
  QlRect whole = { 0, 0, (float) self->width, (float) self->height };

  /* Background. */
  QlSceneOp *bg = op_begin (self, QL_OP_BOXES, &whole, self->boxes);
  (void) bg;
  push_box (self, 0, 0, (float) self->width, (float) self->height, t->background);
  op_end (self, self->boxes);

  GArray *slots = g_array_new (FALSE, FALSE, sizeof (Slot));
  QlRect plot0 = pane_get (self, 0)->plot;
  make_slots (self, &plot0, slots);

  /* Grids and price labels (labels drawn later over everything? no: the axis
   * strip holds nothing else, so they go with the grid). */
  GArray *tags = g_array_new (FALSE, FALSE, sizeof (AxisTag));
  collect_axis_tags (self, tags);
  for (guint k = 0; k < self->panes->len; k++)
    emit_price_axis (self, pane_get (self, k), k, tags);
  g_array_unref (tags);
  float cross_left = 0, cross_right = 0; /* the crosshair's time tag */
  if (self->has_crosshair && self->bars->len > 0)
    {
      char tb[64];
      gsize bar = (gsize) CLAMP (round (ql_scene_x_to_bar (self, self->cross_x)), 0,
                                 (double) self->bars->len - 1);
      float w, h, x = snap ((float) ql_scene_bar_to_x (self, (double) bar));
      format_crosshair_time (self, ql_series_i64 (self->bars, QL_BAR_TIME)[bar], tb, sizeof tb);
      measure (self, tb, (float) t->font_size, FALSE, &w, &h);
      w += 2 * QL_LABEL_PAD;
      cross_left = CLAMP (x - w / 2, 0, MAX (0, plot_w - w));
      cross_right = cross_left + w;
    }
  emit_time_axis (self, slots, &all, &time_axis, cross_left, cross_right);

  /* Watermark. */
  if (self->watermark_visible && (self->has_inst || self->has_tf))
    {
      Pane *p = pane_get (self, 0);
      char tfb[16] = "";
      if (self->has_tf)
        ql_timeframe_format (&self->tf, tfb, sizeof tfb);
      g_autofree char *wm = g_strdup_printf ("%s%s%s", self->has_inst ? self->inst.symbol : "",
                                             self->has_inst && self->has_tf ? ", " : "", tfb);
      /* Shrunk to fit the plot with a margin (a long symbol on a small
       * chart), never cut; left out below a readable size. */
      float size = (float) t->watermark_size, w, h;
      measure (self, wm, size, TRUE, &w, &h);
      float fit = MIN ((p->plot.w * 0.9f) / MAX (w, 1.0f), (p->plot.h * 0.5f) / MAX (h, 1.0f));
      if (fit < 1)
        size = floorf (size * fit);
      if (size >= 12)
        {
          QlSceneOp *op = op_begin (self, QL_OP_LABELS, &p->plot, self->labels);
          (void) op;
          push_label (self, wm, p->plot.x + p->plot.w / 2, p->plot.y + p->plot.h / 2,
                      QL_ALIGN_CENTER, QL_ALIGN_CENTER, t->watermark, size, TRUE, NULL);
          op_end (self, self->labels);
        }
    }

  /* Series, in the order they were added. */
  for (guint i = 0; i < self->series->len; i++)
    {
      Series *s = series_get (self, i);
      Pane *p = pane_get (self, s->pane);
      switch (s->kind)
        {
        case QL_SERIES_CANDLES:
        case QL_SERIES_HOLLOW_CANDLES:
        case QL_SERIES_OHLC:
          emit_bars (self, p, s, slots);
          break;
        case QL_SERIES_LINE:
        case QL_SERIES_STEP:
        case QL_SERIES_AREA:
        case QL_SERIES_BASELINE:
          emit_line_like (self, p, s, slots);
          break;
        case QL_SERIES_HISTOGRAM:
          emit_histogram (self, p, s, slots);
          break;
        case QL_SERIES_BANDS:
          emit_bands (self, p, s, slots);
          break;
        default:
          g_assert_not_reached ();
        }
    }

  Pane *price = pane_get (self, 0);
  emit_drawings (self, price);
  emit_markers (self, price);

  /* Borders: axis lines and pane separators. Under the price lines and
   * their tags; solid and still, they stay in a GL backend's kept picture
   * (op_keeps () in gl_backend.c) rather than being drawn every frame. */
  QlSceneOp *bo = op_begin (self, QL_OP_SEGMENTS, &whole, self->segments);
  (void) bo;
  push_segment (self, snap (plot_w), 0, snap (plot_w), (float) self->height, t->axis_line, 1, 0);
  push_segment (self, 0, snap (time_axis.y) - 1, (float) self->width, snap (time_axis.y) - 1, t->axis_line, 1, 0);
  for (guint k = 1; k < self->panes->len; k++)
    {
      Pane *p = pane_get (self, k);
      push_segment (self, 0, snap (p->rect.y), (float) self->width, snap (p->rect.y), t->axis_line, 1, 0);
    }
  op_end (self, self->segments);

  /* Price lines and the last price. */
  for (guint i = 0; i < self->price_lines->len; i++)
    {
      PriceLine *pl = &g_array_index (self->price_lines, PriceLine, i);
      Pane *p = pane_get (self, pl->pane);
      float y = value_y (p, pl->price);
      if (!(y >= p->plot.y && y <= p->plot.y + p->plot.h))
        continue;
      QlSceneOp *op = op_begin (self, QL_OP_SEGMENTS, &p->plot, self->segments);
      (void) op;
      push_segment (self, p->plot.x, snap (y), p->plot.x + p->plot.w, snap (y), pl->color, 1, pl->dash);
      op_end (self, self->segments);
      char buf[64];
      if (pl->label != NULL)
        g_strlcpy (buf, pl->label, sizeof buf);
      else if (p->mode == QL_SCALE_PERCENT)
        snprintf (buf, sizeof buf, "%.2f%%", to_space (p, pl->price)); /* as the axis reads */
      else
        format_price (p, pl->price, buf, sizeof buf);
      axis_tag (self, p, snap (y), buf, pl->color, t->label_on_color);
    }
  if (self->last_price_visible && self->bars->len > 0)
    {
      gsize last = self->bars->len - 1;
      double c = bar_col (self, QL_BAR_CLOSE)[last], o = bar_col (self, QL_BAR_OPEN)[last];
      QlColor col = c >= o ? t->up : t->down;
      float y = value_y (price, c);
      if (y >= price->plot.y && y <= price->plot.y + price->plot.h)
        {
          QlSceneOp *op = op_begin (self, QL_OP_SEGMENTS, &price->plot, self->segments);
          (void) op;
          push_segment (self, price->plot.x, snap (y), price->plot.x + price->plot.w, snap (y), col, 1, 2);
          op_end (self, self->segments);
          char buf[64];
          if (price->mode == QL_SCALE_PERCENT)
            snprintf (buf, sizeof buf, "%.2f%%", to_space (price, c));
          else
            format_price (price, c, buf, sizeof buf);
          axis_tag (self, price, snap (y), buf, col, t->label_on_color);
        }
    }

  /* Crosshair. Without one the legend shows the last visible bar (the
   * last bar of the data only when it is in view), as TradingView does. */
  gssize legend_row = self->bars->len > 0 ? (gssize) self->bars->len - 1 : -1;
  {
    gsize va, vb;
    visible_rows (self, plot_w, &va, &vb);
    if (vb > va)
      legend_row = (gssize) vb - 1;
  }
  if (self->has_crosshair && self->bars->len > 0)
    {
      double bar = round (ql_scene_x_to_bar (self, self->cross_x));
      bar = CLAMP (bar, 0, (double) self->bars->len - 1);
      legend_row = (gssize) bar;
      float x = snap ((float) ql_scene_bar_to_x (self, bar));
      int pane = ql_scene_pane_at (self, self->cross_y);
      QlSceneOp *op = op_begin (self, QL_OP_SEGMENTS, &all, self->segments);
      (void) op;
      push_segment (self, x, 0, x, all.h, t->crosshair, 1, 4);
      if (pane >= 0 && self->cross_x < plot_w)
        {
          float y = snap ((float) self->cross_y);
          push_segment (self, 0, y, plot_w, y, t->crosshair, 1, 4);
        }
      op_end (self, self->segments);
      if (pane >= 0)
        {
          Pane *p = pane_get (self, (guint) pane);
          double v = ql_scene_y_to_value (self, (guint) pane, self->cross_y);
          char buf[64];
          if (p->mode == QL_SCALE_PERCENT)
            snprintf (buf, sizeof buf, "%.2f%%", to_space (p, v));
          else
            format_price (p, v, buf, sizeof buf);
          axis_tag (self, p, snap ((float) self->cross_y), buf, t->crosshair_label_bg, t->crosshair_label_text);
        }
      char tb[64];
      format_crosshair_time (self, ql_series_i64 (self->bars, QL_BAR_TIME)[(gsize) bar], tb, sizeof tb);
      QlSceneOp *lop = op_begin (self, QL_OP_LABELS, &time_axis, self->labels);
      (void) lop;
      guint li = push_label (self, tb, x, time_axis.y + TIME_AXIS_PAD - QL_LABEL_PAD, QL_ALIGN_CENTER,
                             QL_ALIGN_START, t->crosshair_label_text, (float) t->font_size, FALSE,
                             &t->crosshair_label_bg);
      /* Keep the tag inside the axis. */
      QlSceneLabel *l = &g_array_index (self->labels, QlSceneLabel, li);
      float shift = 0;
      if (l->box.x < 0)
        shift = -l->box.x;
      else if (l->box.x + l->box.w > plot_w)
        shift = plot_w - (l->box.x + l->box.w);
      shift = roundf (shift);
      l->box.x += shift;
      l->text_x += shift;
      l->x += shift;
      op_end (self, self->labels);
    }
  emit_legend (self, legend_row);
  g_array_unref (slots);

  for (guint k = 0; k < self->panes->len; k++)
    {
      Pane *p = pane_get (self, k);
      QlScenePaneInfo info = { p->rect, p->plot, p->vmin, p->vmax, p->mode };
      g_array_append_val (self->pane_info, info);
    }

  QlSceneFrame *f = &self->frame;
  f->width = self->width;
  f->height = self->height;
  f->background = t->background;
  f->theme = t;
  f->ops = (const QlSceneOp *) self->ops->data;
  f->n_ops = self->ops->len;
  f->boxes = (const QlSceneBox *) self->boxes->data;
  f->n_boxes = self->boxes->len;
  f->segments = (const QlSceneSegment *) self->segments->data;
  f->n_segments = self->segments->len;
  f->points = (const QlPoint *) self->points->data;
  f->points2 = (const QlPoint *) self->points2->data;
  f->n_points = self->points->len;
  f->candles = (const QlSceneCandle *) self->candles->data;
  f->n_candles = self->candles->len;
  f->markers = (const QlSceneMarker *) self->fmarkers->data;
  f->n_markers = self->fmarkers->len;
  f->labels = (const QlSceneLabel *) self->labels->data;
  f->n_labels = self->labels->len;
  f->panes = (const QlScenePaneInfo *) self->pane_info->data;
  f->n_panes = self->pane_info->len;
  f->time_axis = time_axis;
  f->first_bar = self->first_bar;
  f->bars_per_px = self->bars_per_px;
  f->serial = self->serial;
  return f;
}
