/* render/cairo_backend.h — draws a laid-out QlSceneFrame with cairo and pango.
 *
 * The reference rasteriser of the chart: image export uses it, systems
 * without GL draw with it, and the reference images of tests/render/ are
 * made by it. Text goes through ql_cairo_text_context_new (), which fixes
 * the font options (grey antialiasing, no hinting, no metric hinting) so
 * that the scene's measurements, the cairo drawing and the GL backend's
 * label textures all agree to the pixel. */
#pragma once

#include "render/scene.h"

#include <cairo.h>
#include <pango/pangocairo.h>

G_BEGIN_DECLS

/* A pango context for @cr with the chart's font options. (transfer full) */
PangoContext *ql_cairo_text_context_new (cairo_t *cr);

/* Sets @layout (from a ql_cairo_text_context_new () context) to @text in
 * the theme's font family at @size px, bold or regular. */
void          ql_cairo_text_layout_set (PangoLayout   *layout,
                                        const QlTheme *theme,
                                        const char    *text,
                                        float          size,
                                        gboolean       bold);

/* Draws @frame into @cr, whose user space is the frame's pixel space
 * (origin top left). Everything is drawn, background included. */
void          ql_cairo_draw_frame (cairo_t            *cr,
                                   const QlSceneFrame *frame);

/* Lays @scene out and renders it into a new ARGB32 image surface of the
 * scene's size. (transfer full) */
cairo_surface_t *ql_cairo_render_scene (QlScene *scene);

G_END_DECLS
