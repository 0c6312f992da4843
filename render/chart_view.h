/* render/chart_view.h — the interactive chart widget: a GtkGLArea drawing a
 * QlScene with the OpenGL backend.
 *
 * Input moves the scene's viewport: the wheel and a pinch zoom around the
 * pointer, a drag pans (and keeps sliding after a fling), the arrows pan,
 * +/- zoom, Home and End jump to the first and last bars, a double click
 * resets the view; a drag on a pane separator resizes the panes and one on
 * a price axis stretches that pane's scale. The crosshair follows the
 * pointer. Panes autoscale to the visible bars while panning (the scene's
 * layout does it) unless a pane's scale was set by hand. */
#pragma once

#include "render/scene.h"

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define QL_TYPE_CHART_VIEW (ql_chart_view_get_type ())
G_DECLARE_FINAL_TYPE (QlChartView, ql_chart_view, QL, CHART_VIEW, GtkGLArea)

GtkWidget *ql_chart_view_new (void);

/* Takes @scene (transfer full; nullable): the view draws it, sizes it to
 * the widget and moves its viewport. @bars (transfer none) is the series
 * the scene borrows; the view reads its length to follow new bars. */
void       ql_chart_view_set_scene (QlChartView    *self,
                                    QlScene        *scene,
                                    const QlSeries *bars);
/* (transfer none) (nullable) */
QlScene   *ql_chart_view_get_scene (QlChartView *self);

/* The bar series the scene borrows got new rows or a changed last row:
 * syncs the scene incrementally and redraws. When the view showed the last
 * bar, it keeps following it. */
void       ql_chart_view_data_changed (QlChartView *self);

/* Properties "first-bar" and "bars-per-px" (the viewport, notified when
 * input moves it), "dark" (theme), "crosshair" (show the crosshair under
 * the pointer). */
double     ql_chart_view_get_first_bar (QlChartView *self);
double     ql_chart_view_get_bars_per_px (QlChartView *self);
void       ql_chart_view_set_viewport (QlChartView *self,
                                       double       first_bar,
                                       double       bars_per_px);
/* Light or dark. The view follows the desktop's preference (the XDG
 * settings portal's colour scheme, else GTK's dark-theme setting or a
 * "-dark" theme) until set_dark () sets it by hand; follow_desktop_theme ()
 * goes back to following. */
gboolean   ql_chart_view_get_dark (QlChartView *self);
void       ql_chart_view_set_dark (QlChartView *self,
                                   gboolean     dark);
void       ql_chart_view_follow_desktop_theme (QlChartView *self);
/* TRUE when the view draws with OpenGL, FALSE when it fell back to cairo
 * (no GL context) or is not realized yet. */
gboolean   ql_chart_view_get_uses_gl (QlChartView *self);
gboolean   ql_chart_view_get_crosshair (QlChartView *self);
void       ql_chart_view_set_crosshair (QlChartView *self,
                                        gboolean     crosshair);

/* Back to the default view: the last bars, every pane autoscaled. */
void       ql_chart_view_reset (QlChartView *self);

/* GPU bytes the view's backend holds (0 before it is realized). */
gsize      ql_chart_view_get_gpu_bytes (QlChartView *self);
/* Frames drawn since the widget was realized. */
guint      ql_chart_view_get_frame_count (QlChartView *self);

G_END_DECLS
