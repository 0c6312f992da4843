/* render/cairo_backend.c — rasterises a QlSceneFrame with cairo and pango.
 *
 * Candles, bars and histogram columns are filled rectangles on whole
 * pixels (the scene puts centres on pixel centres), so they come out sharp
 * and the GL backend can match them exactly; lines and fills are
 * antialiased paths. */
#define G_LOG_DOMAIN "ql-render-cairo"

#include "render/cairo_backend.h"

#include <math.h>

PangoContext *
ql_cairo_text_context_new (cairo_t *cr)
{
  g_return_val_if_fail (cr != NULL, NULL);
  PangoContext *ctx = pango_cairo_create_context (cr);
  cairo_font_options_t *fo = cairo_font_options_create ();
  cairo_font_options_set_antialias (fo, CAIRO_ANTIALIAS_GRAY);
  cairo_font_options_set_hint_style (fo, CAIRO_HINT_STYLE_NONE);
  cairo_font_options_set_hint_metrics (fo, CAIRO_HINT_METRICS_OFF);
  cairo_font_options_set_subpixel_order (fo, CAIRO_SUBPIXEL_ORDER_DEFAULT);
  pango_cairo_context_set_font_options (ctx, fo);
  pango_cairo_context_set_resolution (ctx, 96);
  cairo_font_options_destroy (fo);
  return ctx;
}

void
ql_cairo_text_layout_set (PangoLayout   *layout,
                          const QlTheme *theme,
                          const char    *text,
                          float          size,
                          gboolean       bold)
{
  g_return_if_fail (layout != NULL && theme != NULL && text != NULL);
  PangoFontDescription *fd = pango_font_description_new ();
  pango_font_description_set_family_static (fd, theme->font_family);
  pango_font_description_set_absolute_size (fd, size * PANGO_SCALE);
  pango_font_description_set_weight (fd, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
  pango_layout_set_font_description (layout, fd);
  pango_font_description_free (fd);
  pango_layout_set_text (layout, text, -1);
}

static void
set_color (cairo_t *cr, QlColor c)
{
  cairo_set_source_rgba (cr, c.r, c.g, c.b, c.a);
}

static void
set_dash (cairo_t *cr, float dash)
{
  if (dash > 0)
    {
      double d = dash;
      cairo_set_dash (cr, &d, 1, 0);
    }
  else
    cairo_set_dash (cr, NULL, 0, 0);
}

static void
fill_rect (cairo_t *cr, double x0, double y0, double x1, double y1)
{
  cairo_rectangle (cr, x0, y0, x1 - x0, y1 - y0);
}

static void
draw_segments (cairo_t *cr, const QlSceneFrame *f, const QlSceneOp *op)
{
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_BUTT);
  for (guint i = op->first; i < op->first + op->count; i++)
    {
      const QlSceneSegment *s = &f->segments[i];
      set_color (cr, s->color);
      cairo_set_line_width (cr, s->width);
      set_dash (cr, s->dash);
      cairo_move_to (cr, s->x0, s->y0);
      cairo_line_to (cr, s->x1, s->y1);
      cairo_stroke (cr);
    }
  set_dash (cr, 0);
}

static void
draw_polyline (cairo_t *cr, const QlSceneFrame *f, const QlSceneOp *op)
{
  set_color (cr, op->color);
  cairo_set_line_width (cr, op->width);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_BUTT);
  set_dash (cr, op->dash);
  gboolean pen = FALSE;
  for (guint i = op->first; i < op->first + op->count; i++)
    {
      const QlPoint *p = &f->points[i];
      if (isnan (p->y))
        {
          pen = FALSE;
          continue;
        }
      if (pen)
        cairo_line_to (cr, p->x, p->y);
      else
        cairo_move_to (cr, p->x, p->y);
      pen = TRUE;
    }
  cairo_stroke (cr);
  set_dash (cr, 0);
}

static void
draw_fill (cairo_t *cr, const QlSceneFrame *f, const QlSceneOp *op)
{
  set_color (cr, op->color);
  guint end = op->first + op->count;
  guint i = op->first;
  while (i < end)
    {
      while (i < end && (isnan (f->points[i].y) || (op->has_points2 && isnan (f->points2[i].y))))
        i++;
      guint a = i;
      while (i < end && !isnan (f->points[i].y) && !(op->has_points2 && isnan (f->points2[i].y)))
        i++;
      guint b = i;
      if (b - a < 2)
        continue;
      cairo_move_to (cr, f->points[a].x, f->points[a].y);
      for (guint k = a + 1; k < b; k++)
        cairo_line_to (cr, f->points[k].x, f->points[k].y);
      if (op->has_points2)
        for (guint k = b; k-- > a;)
          cairo_line_to (cr, f->points2[k].x, f->points2[k].y);
      else
        {
          cairo_line_to (cr, f->points[b - 1].x, op->base_y);
          cairo_line_to (cr, f->points[a].x, op->base_y);
        }
      cairo_close_path (cr);
      cairo_fill (cr);
    }
}

static void
draw_candles (cairo_t *cr, const QlSceneFrame *f, const QlSceneOp *op, gboolean ohlc)
{
  /* Two passes, one per colour, so each is one fill. */
  for (int pass = 0; pass < 2; pass++)
    {
      gboolean up = pass == 0;
      set_color (cr, up ? op->color : op->color2);
      for (guint i = op->first; i < op->first + op->count; i++)
        {
          const QlSceneCandle *c = &f->candles[i];
          if (c->up != up)
            continue;
          double x = c->x, hw = c->half_width;
          double hi = round (c->high), lo = round (c->low);
          if (lo <= hi)
            lo = hi + 1;
          double top = round (MIN (c->open, c->close)), bot = round (MAX (c->open, c->close));
          if (bot <= top)
            bot = top + 1;
          if (ohlc)
            {
              double yo = floor (c->open), yc = floor (c->close);
              fill_rect (cr, x - 0.5, hi, x + 0.5, lo);
              if (hw >= 1)
                {
                  fill_rect (cr, x - 0.5 - round (hw), yo, x - 0.5, yo + 1);
                  fill_rect (cr, x + 0.5, yc, x + 0.5 + round (hw), yc + 1);
                }
              continue;
            }
          double bl = x - hw, br = x + hw;
          if (op->hollow && up && br - bl >= 3)
            {
              /* Wick outside the body, body outlined one pixel thick. */
              fill_rect (cr, x - 0.5, hi, x + 0.5, top);
              fill_rect (cr, x - 0.5, bot, x + 0.5, lo);
              fill_rect (cr, bl, top, br, top + 1);
              fill_rect (cr, bl, bot - 1, br, bot);
              fill_rect (cr, bl, top, bl + 1, bot);
              fill_rect (cr, br - 1, top, br, bot);
              continue;
            }
          fill_rect (cr, x - 0.5, hi, x + 0.5, lo);
          fill_rect (cr, bl, top, br, bot);
        }
      cairo_fill (cr);
    }
}

static void
draw_markers (cairo_t *cr, const QlSceneFrame *f, const QlSceneOp *op)
{
  for (guint i = op->first; i < op->first + op->count; i++)
    {
      const QlSceneMarker *m = &f->markers[i];
      set_color (cr, m->color);
      double s = m->size;
      switch (m->shape)
        {
        case QL_MARKER_ARROW_UP:
          cairo_move_to (cr, m->x, m->y);
          cairo_line_to (cr, m->x + s * 0.75, m->y + s);
          cairo_line_to (cr, m->x + s * 0.3, m->y + s);
          cairo_line_to (cr, m->x + s * 0.3, m->y + s * 1.8);
          cairo_line_to (cr, m->x - s * 0.3, m->y + s * 1.8);
          cairo_line_to (cr, m->x - s * 0.3, m->y + s);
          cairo_line_to (cr, m->x - s * 0.75, m->y + s);
          cairo_close_path (cr);
          cairo_fill (cr);
          break;
        case QL_MARKER_ARROW_DOWN:
          cairo_move_to (cr, m->x, m->y);
          cairo_line_to (cr, m->x + s * 0.75, m->y - s);
          cairo_line_to (cr, m->x + s * 0.3, m->y - s);
          cairo_line_to (cr, m->x + s * 0.3, m->y - s * 1.8);
          cairo_line_to (cr, m->x - s * 0.3, m->y - s * 1.8);
          cairo_line_to (cr, m->x - s * 0.3, m->y - s);
          cairo_line_to (cr, m->x - s * 0.75, m->y - s);
          cairo_close_path (cr);
          cairo_fill (cr);
          break;
        case QL_MARKER_CIRCLE:
          cairo_arc (cr, m->x, m->y, s / 2, 0, 2 * G_PI);
          cairo_fill (cr);
          break;
        case QL_MARKER_TEXT:
        default:
          break;
        }
    }
}

static void
draw_labels (cairo_t *cr, PangoLayout *layout, const QlSceneFrame *f, const QlSceneOp *op)
{
  for (guint i = op->first; i < op->first + op->count; i++)
    {
      const QlSceneLabel *l = &f->labels[i];
      if (l->has_background)
        {
          set_color (cr, l->background);
          cairo_rectangle (cr, l->box.x, l->box.y, l->box.w, l->box.h);
          cairo_fill (cr);
        }
      ql_cairo_text_layout_set (layout, f->theme, l->text, l->size, l->bold);
      set_color (cr, l->color);
      cairo_move_to (cr, l->text_x, l->text_y);
      pango_cairo_show_layout (cr, layout);
    }
}

void
ql_cairo_draw_frame (cairo_t *cr, const QlSceneFrame *frame)
{
  g_return_if_fail (cr != NULL && frame != NULL);
  PangoContext *ctx = ql_cairo_text_context_new (cr);
  PangoLayout *layout = pango_layout_new (ctx);

  cairo_save (cr);
  set_color (cr, frame->background);
  cairo_set_operator (cr, CAIRO_OPERATOR_SOURCE);
  cairo_paint (cr);
  cairo_set_operator (cr, CAIRO_OPERATOR_OVER);
  for (guint i = 0; i < frame->n_ops; i++)
    {
      const QlSceneOp *op = &frame->ops[i];
      if (op->count == 0)
        continue;
      cairo_save (cr);
      cairo_rectangle (cr, op->clip.x, op->clip.y, op->clip.w, op->clip.h);
      cairo_clip (cr);
      switch (op->kind)
        {
        case QL_OP_BOXES:
          for (guint k = op->first; k < op->first + op->count; k++)
            {
              const QlSceneBox *b = &frame->boxes[k];
              set_color (cr, b->color);
              cairo_rectangle (cr, b->rect.x, b->rect.y, b->rect.w, b->rect.h);
              cairo_fill (cr);
            }
          break;
        case QL_OP_SEGMENTS:
          draw_segments (cr, frame, op);
          break;
        case QL_OP_POLYLINE:
          draw_polyline (cr, frame, op);
          break;
        case QL_OP_FILL:
          draw_fill (cr, frame, op);
          break;
        case QL_OP_CANDLES:
          draw_candles (cr, frame, op, FALSE);
          break;
        case QL_OP_OHLC:
          draw_candles (cr, frame, op, TRUE);
          break;
        case QL_OP_MARKERS:
          draw_markers (cr, frame, op);
          break;
        case QL_OP_LABELS:
          draw_labels (cr, layout, frame, op);
          break;
        default:
          g_assert_not_reached ();
        }
      cairo_restore (cr);
    }
  cairo_restore (cr);
  g_object_unref (layout);
  g_object_unref (ctx);
}

cairo_surface_t *
ql_cairo_render_scene (QlScene *scene)
{
  g_return_val_if_fail (scene != NULL, NULL);
  const QlSceneFrame *f = ql_scene_layout (scene);
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, f->width, f->height);
  cairo_t *cr = cairo_create (surface);
  ql_cairo_draw_frame (cr, f);
  cairo_destroy (cr);
  cairo_surface_flush (surface);
  return surface;
}
