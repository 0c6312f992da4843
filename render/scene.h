/* render/scene.h — the chart's backend-neutral model and its layout.
 *
 * A QlScene holds what a chart shows: stacked panes over one time axis (the
 * price pane, a volume pane, indicator panes), the series drawn in each pane,
 * price lines, markers and drawings, the viewport (which bars are visible and
 * how many bars fall in one pixel), the price scale of each pane, the
 * crosshair and the theme.  ql_scene_layout () turns all of that into a
 * QlSceneFrame: a display list already laid out in pixels, which the cairo
 * backend (render/cairo_backend.h) and the OpenGL backend draw op by op in
 * order.  Neither backend decides a position, a colour or a text: they only
 * rasterise the frame, which is why they stay pixel-close.
 *
 * Space: x is continuous bar-index space (bar i's centre lies at
 * x = (i - first_bar) / bars_per_px + plot_left), so time the market was
 * closed takes no room.  When more than one bar falls in a pixel column the
 * layout draws one candle (or one min/max line step, one histogram bar) per
 * column from the level-of-detail pyramids of render/lod.h: building a frame
 * costs O(width in pixels), not O(visible bars).
 *
 * Data: the scene borrows a bar series (ql_series_new_bars ()) that the
 * caller keeps alive and only appends to (or changes the last row of);
 * ql_scene_sync () picks such changes up incrementally.  Indicator outputs
 * and value series are owned by the scene.
 *
 * Pixels: origin top left, y down, in device pixels; a pixel's centre is at
 * +0.5.  Everything in a frame is valid until the next call to
 * ql_scene_layout () or ql_scene_free () on the same scene. */
#pragma once

#include "engine/instrument.h"
#include "engine/series.h"
#include "engine/timeframe.h"
#include "engine/types.h"
#include "render/theme.h"

G_BEGIN_DECLS

typedef struct QlScene QlScene;

/* ---- what can be drawn ---------------------------------------------- */

typedef enum
{
  QL_SERIES_CANDLES,        /* bars: filled candles */
  QL_SERIES_HOLLOW_CANDLES, /* bars: rising candles hollow, falling filled */
  QL_SERIES_OHLC,           /* bars: OHLC bars with open/close ticks */
  QL_SERIES_LINE,           /* values (or bar closes): a polyline, NaN = gap */
  QL_SERIES_STEP,           /* values: horizontal then vertical steps */
  QL_SERIES_AREA,           /* values: line with a fill down to the pane bottom */
  QL_SERIES_BASELINE,       /* values: fill above a base value in up colour, below in down */
  QL_SERIES_HISTOGRAM,      /* values: columns from zero (volume: coloured by bar direction) */
  QL_SERIES_BANDS,          /* two value arrays: upper and lower lines with a fill between */
} QlSeriesKind;

typedef enum
{
  QL_SCALE_LINEAR,
  QL_SCALE_LOG,     /* y proportional to log(price); prices must be > 0 */
  QL_SCALE_PERCENT, /* labels in percent of the first visible close */
} QlScaleMode;

typedef enum
{
  QL_MARKER_ARROW_UP,   /* below the price, pointing up: a buy */
  QL_MARKER_ARROW_DOWN, /* above the price, pointing down: a sell */
  QL_MARKER_CIRCLE,
  QL_MARKER_TEXT,       /* the text alone */
} QlMarkerShape;

typedef enum
{
  QL_DRAWING_TREND_LINE,  /* (t1,p1)-(t2,p2) */
  QL_DRAWING_HLINE,       /* p1 across the pane */
  QL_DRAWING_RECTANGLE,   /* corners (t1,p1) and (t2,p2) */
  QL_DRAWING_FIBONACCI,   /* retracement from p1 (at t1) to p2 (at t2) */
} QlDrawingKind;

/* Where ql_scene_add_indicator () puts an indicator. */
#define QL_PANE_AUTO ((int) -1) /* moving averages and channels over price, oscillators in a new pane */
#define QL_PANE_NEW  ((int) -2) /* always a new pane */

/* ---- the laid-out frame --------------------------------------------- */

typedef struct
{
  float x, y, w, h;
} QlRect;

typedef struct
{
  float x, y;      /* y NaN: a gap, the polyline breaks there */
} QlPoint;

typedef struct
{
  QlRect rect;
  QlColor color;
} QlSceneBox;      /* filled rectangle: histogram columns, backgrounds */

typedef struct
{
  float x0, y0, x1, y1;
  QlColor color;
  float width;     /* px */
  float dash;      /* 0 solid, else dash and gap length in px */
} QlSceneSegment;

typedef struct
{
  float x;         /* centre, px (integral + 0.5 when width is odd) */
  float half_width;/* body half width, px; 0 draws the wick only */
  float open, high, low, close; /* y px (open of the first and close of the last bar of an LOD column) */
  gboolean up;     /* close >= open */
} QlSceneCandle;

typedef struct
{
  float x, y;      /* the anchor: the marker points at (x, y) */
  QlMarkerShape shape;
  QlColor color;
  float size;      /* px */
  guint label;     /* index in frame->labels of its text, or G_MAXUINT */
} QlSceneMarker;

typedef enum
{
  QL_ALIGN_START,  /* x/y is the left/top of the text box */
  QL_ALIGN_CENTER,
  QL_ALIGN_END,    /* x/y is the right/bottom */
} QlAlign;

typedef struct
{
  char *text;      /* UTF-8, owned by the frame */
  float x, y;      /* anchor, px */
  QlAlign halign, valign;
  QlColor color;
  float size;      /* font size, px (theme font family) */
  gboolean bold;
  gboolean has_background;
  QlColor background; /* a box padded by QL_LABEL_PAD around the text */
  QlRect box;      /* the text's box as measured by the scene (pango), padding included:
                    * the background fills it */
  float text_x, text_y; /* where the top left of the text's pango layout goes (whole px) */
} QlSceneLabel;

#define QL_LABEL_PAD 3.0f /* px around a label's text inside its background */

typedef enum
{
  QL_OP_BOXES,     /* boxes[first .. first+count) */
  QL_OP_SEGMENTS,  /* segments[...] */
  QL_OP_POLYLINE,  /* points[...] stroked with color/width/dash, broken at NaN y */
  QL_OP_FILL,      /* the polygon under points[...] down to base_y, or between points[...]
                    * and points2[...] (same count, lower edge traversed backwards) when
                    * has_points2; NaN breaks it into separate polygons */
  QL_OP_CANDLES,   /* candles[...]: color = up body, color2 = down body, wick in body colour;
                    * hollow: rising bodies stroked, not filled */
  QL_OP_OHLC,      /* candles[...] drawn as OHLC bars (ticks half_width long) */
  QL_OP_MARKERS,   /* markers[...] */
  QL_OP_LABELS,    /* labels[...] */
} QlSceneOpKind;

typedef struct
{
  QlSceneOpKind kind;
  QlRect clip;     /* draw only inside this rectangle */
  guint first, count;
  QlColor color, color2;
  float width;     /* line width, px */
  float dash;      /* 0 solid */
  float base_y;    /* QL_OP_FILL without points2 */
  gboolean has_points2;
  gboolean hollow; /* QL_OP_CANDLES */
  gboolean scrolls; /* its elements sit at bars: when the viewport moves by whole pixels
                     * they move by as many (series, time grid, markers, drawings);
                     * every other op stays where it is */
} QlSceneOp;

typedef struct
{
  QlRect rect;      /* the pane with its price axis */
  QlRect plot;      /* where series are drawn */
  double min, max;  /* visible value range (log mode: of log(value)) */
  QlScaleMode mode;
} QlScenePaneInfo;

typedef struct
{
  int width, height;          /* px */
  QlColor background;
  const QlTheme *theme;       /* the font family and sizes to draw labels with */

  const QlSceneOp *ops;       /* the display list, in drawing order */
  guint n_ops;

  const QlSceneBox *boxes;
  const QlSceneSegment *segments;
  const QlPoint *points;
  const QlPoint *points2;     /* parallel to points where an op has_points2 */
  const QlSceneCandle *candles;
  const QlSceneMarker *markers;
  const QlSceneLabel *labels;
  guint n_boxes, n_segments, n_points, n_candles, n_markers, n_labels;

  const QlScenePaneInfo *panes;
  guint n_panes;
  QlRect time_axis;           /* the strip under the last pane */
  double first_bar, bars_per_px; /* the viewport laid out (ql_scene_get_viewport ()) */
  guint64 serial;             /* grows with every layout whose text changed: a backend
                               * caching label textures keys them on (serial, index) or on
                               * the text itself */
} QlSceneFrame;

/* ---- the model -------------------------------------------------------- */

/* @bars: (transfer none) a bar series the caller keeps alive for the scene's
 * life; @inst (nullable): copied; gives the price grid and the time zone of
 * the time axis (UTC without one); @tf: for the watermark (nullable). The
 * scene starts with the price pane (pane 0) holding candles. */
QlScene *ql_scene_new (const QlSeries     *bars,
                       const QlInstrument *inst,
                       const QlTimeframe  *tf);          /* (transfer full) */
void     ql_scene_free (QlScene *self);                  /* NULL is a no-op */

void     ql_scene_set_size (QlScene *self,
                            int      width,
                            int      height);            /* px */
void     ql_scene_set_theme (QlScene       *self,
                             const QlTheme *theme);      /* (transfer none), static */
const QlTheme *ql_scene_get_theme (const QlScene *self);

/* Rows appended to the bar series (or the last row changed) since the last
 * call: the LOD pyramids and indicators catch up in O(new rows · log n). */
void     ql_scene_sync (QlScene *self);

/* -- panes -- */
guint    ql_scene_get_n_panes (const QlScene *self);
/* Adds a pane under the others; @weight is its share of the height (the
 * price pane has 3.0, volume 1.0 by default). Returns its index. */
guint    ql_scene_add_pane (QlScene *self,
                            double   weight);
void     ql_scene_pane_set_weight (QlScene *self,
                                   guint    pane,
                                   double   weight);
/* Moves the separator above @pane (>= 1) by @dy px, keeping both panes at
 * least 30 px: the drag of a pane separator. */
void     ql_scene_move_separator (QlScene *self,
                                  guint    pane,
                                  double   dy);
void     ql_scene_pane_set_scale_mode (QlScene     *self,
                                       guint        pane,
                                       QlScaleMode  mode);
/* Fixes the pane's scale to [@min, @max] (prices, not logs); autoscale
 * is switched off until ql_scene_pane_set_autoscale (TRUE). */
void     ql_scene_pane_set_range (QlScene *self,
                                  guint    pane,
                                  double   min,
                                  double   max);
void     ql_scene_pane_set_autoscale (QlScene  *self,
                                      guint     pane,
                                      gboolean  autoscale);
/* Stretches the manual scale around its centre by @factor (> 1 zooms out):
 * the drag on the price axis. Switches autoscale off. */
void     ql_scene_pane_scale_by (QlScene *self,
                                 guint    pane,
                                 double   factor);
/* The pane under y, or -1 (the time axis, outside). Valid after a layout. */
int      ql_scene_pane_at (const QlScene *self,
                           double         y);

/* -- series -- */
/* What the price pane shows of the bars: candles, hollow candles, OHLC, or
 * line/step/area/baseline over the close. */
void     ql_scene_set_price_style (QlScene      *self,
                                   QlSeriesKind  kind);
/* Adds the volume histogram (coloured by bar direction) in its own pane
 * under the price pane, or in @pane when >= 0. Returns the series id. */
guint    ql_scene_add_volume (QlScene *self,
                              int      pane);
/* Adds @n values (copied; NaN = gap) aligned with the bars (index i is bar
 * i; missing rows are gaps) as a series of @kind in @pane. @values2 is the
 * lower line of QL_SERIES_BANDS (NULL otherwise). @color NULL: the next
 * palette colour. Returns the series id. */
guint    ql_scene_add_values (QlScene       *self,
                              guint          pane,
                              QlSeriesKind   kind,
                              const char    *name,
                              const double  *values,
                              const double  *values2,
                              gsize          n,
                              const QlColor *color);
/* Base value of a QL_SERIES_BASELINE series (default: the first value). */
void     ql_scene_series_set_base (QlScene *self,
                                   guint    series,
                                   double   base);
void     ql_scene_series_set_color (QlScene       *self,
                                    guint          series,
                                    const QlColor *color);
/* Computes the indicator of @spec (engine/indicator.h) over the bars and adds
 * its outputs: three-line channels (bbands, kc, donchian) as bands with the
 * middle line, macd's hist as a histogram, everything else as lines. @pane
 * is a pane index, QL_PANE_AUTO or QL_PANE_NEW. Returns the pane used, or -1
 * with @error set (QL_INDICATOR_ERROR) for a bad spec. Kept up to date by
 * ql_scene_sync (). */
int      ql_scene_add_indicator (QlScene    *self,
                                 const char *spec,
                                 int         pane,
                                 GError    **error);

/* -- annotations, in chart coordinates (time, price) -- */
/* A horizontal line at @price across @pane with an axis label (@label
 * nullable: the price alone). @dash 0: solid. */
void     ql_scene_add_price_line (QlScene       *self,
                                  guint          pane,
                                  double         price,
                                  const QlColor *color,
                                  float          dash,
                                  const char    *label);
/* A marker at the bar containing @time, at @price (NaN: under the low for
 * an up arrow, over the high otherwise), with @text (nullable) beside it. */
void     ql_scene_add_marker (QlScene       *self,
                              QlTimeNs       time,
                              double         price,
                              QlMarkerShape  shape,
                              const QlColor *color,
                              const char    *text);
/* A drawing on the price pane; times beyond the data extrapolate by the
 * last bar spacing. QL_DRAWING_HLINE ignores the second point. */
void     ql_scene_add_drawing (QlScene       *self,
                               QlDrawingKind  kind,
                               QlTimeNs       t1,
                               double         p1,
                               QlTimeNs       t2,
                               double         p2,
                               const QlColor *color);
void     ql_scene_set_watermark_visible (QlScene  *self,
                                         gboolean  visible);
void     ql_scene_set_last_price_visible (QlScene  *self,
                                          gboolean  visible);

/* -- viewport: x in bar-index space -- */
/* Bar @first_bar (fractional) at the plot's left edge, @bars_per_px >= 1/64. */
void     ql_scene_set_viewport (QlScene *self,
                                double   first_bar,
                                double   bars_per_px);
void     ql_scene_get_viewport (const QlScene *self,
                                double        *first_bar,
                                double        *bars_per_px);
/* Shows the last @n_bars bars with a small right margin (the default view
 * is the last 120 bars, or all when fewer). */
void     ql_scene_show_last (QlScene *self,
                             double   n_bars);
/* Shows the bars whose open time lies in [@from, @to). */
void     ql_scene_show_time_range (QlScene  *self,
                                   QlTimeNs  from,
                                   QlTimeNs  to);
/* Zooms by @factor (> 1 zooms in) keeping the bar under x = @px fixed. */
void     ql_scene_zoom_at (QlScene *self,
                           double   px,
                           double   factor);
/* Follows new bars: moves the viewport @n_bars bars towards the end by the
 * whole number of pixels that keeps the bars nearest to where they were,
 * carrying the remainder to the next call (the last bar stays within half
 * a pixel of its place). Moving by whole pixels lets a backend scroll the
 * last picture instead of drawing it again. */
void     ql_scene_follow_bars (QlScene *self,
                               double   n_bars);
/* Pans by @dx px (> 0 moves the chart right, showing older bars). */
void     ql_scene_scroll (QlScene *self,
                          double   dx);
/* Plot x of bar index @bar's centre, and back. Valid after a layout (the
 * plot's left edge and width depend on the price axis width). */
double   ql_scene_bar_to_x (const QlScene *self,
                            double         bar);
double   ql_scene_x_to_bar (const QlScene *self,
                            double         x);
/* The pane's value at y, in prices (log and percent undone). */
double   ql_scene_y_to_value (const QlScene *self,
                              guint          pane,
                              double         y);
double   ql_scene_value_to_y (const QlScene *self,
                              guint          pane,
                              double         value);

/* -- crosshair and legend -- */
/* The pointer at (x, y) px: the crosshair snaps to the bar under x and the
 * legend shows that bar; without a crosshair the legend shows the last bar. */
void     ql_scene_set_crosshair (QlScene *self,
                                 double   x,
                                 double   y);
void     ql_scene_clear_crosshair (QlScene *self);

/* Lays the scene out for its size and viewport. (transfer none): valid
 * until the next layout or free. Costs O(width) whatever the zoom. */
const QlSceneFrame *ql_scene_layout (QlScene *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QlScene, ql_scene_free)

G_END_DECLS
