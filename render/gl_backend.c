/* render/gl_backend.c — the OpenGL backend: programs, buffers, label atlas. */
#define G_LOG_DOMAIN "ql-render-gl-backend"

#include "render/gl_backend.h"

#include "render/cairo_backend.h"

#include <epoxy/gl.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

G_DEFINE_QUARK (ql-gl-backend-error-quark, ql_gl_backend_error)

/* ---- Shaders -------------------------------------------------------------
 *
 * Every program works in pixels, y down, origin at the top left of the
 * framebuffer (u_size), as the frame is laid out. Coverage is computed in the
 * fragment shader — the area of the pixel square inside an axis-aligned box,
 * the overlap of the pixel with a stroke across its width — which is what
 * cairo computes with its default antialiasing, so no multisampling is
 * needed. Colours come in straight, leave premultiplied and blend with
 * (ONE, ONE_MINUS_SRC_ALPHA): cairo's OVER. Instanced geometry that an
 * instance does not use collapses outside the clip volume. */

static const char prelude_vs[] =
  "uniform vec2 u_size;\n"
  "uniform float u_origin;\n" /* where the frame's x = 0 falls in the target, px */
  "vec4 to_clip (vec2 px)\n"
  "{\n"
  "  return vec4 ((px.x + u_origin) / u_size.x * 2.0 - 1.0, 1.0 - px.y / u_size.y * 2.0, 0.0, 1.0);\n"
  "}\n"
  "vec2 corner (int k)\n"
  "{\n"
  "  return vec2 ((k == 1 || k == 2 || k == 4) ? 1.0 : 0.0, (k == 2 || k == 4 || k == 5) ? 1.0 : 0.0);\n"
  "}\n"
  "const vec4 NOWHERE = vec4 (2.0, 2.0, 2.0, 1.0);\n";

static const char prelude_fs[] =
  "uniform vec2 u_size;\n"
  "uniform float u_origin;\n"
  "out vec4 o_color;\n"
  "vec2 frag_px () { return vec2 (gl_FragCoord.x - u_origin, u_size.y - gl_FragCoord.y); }\n"
  /* Overlap of [c - 0.5, c + 0.5] with [lo, hi]. */
  "float span (float c, float lo, float hi) { return clamp (min (c + 0.5, hi) - max (c - 0.5, lo), 0.0, 1.0); }\n";

/* Boxes: six vertices per box, grown to whole pixels: exactly the pixels
 * the box touches, whose centres then lie inside the two triangles; a_round
 * > 0 makes the box a disc of that radius (markers). On a software
 * renderer every fragment counts, so no quad reaches further. */
static const char box_vs[] =
  "in vec4 a_rect;\n"    /* x y w h */
  "in vec4 a_color;\n"
  "in float a_round;\n"
  "flat out vec4 v_rect;\n"
  "flat out vec4 v_color;\n"
  "flat out float v_round;\n"
  "void main ()\n"
  "{\n"
  "  vec2 a = min (a_rect.xy, a_rect.xy + a_rect.zw), b = max (a_rect.xy, a_rect.xy + a_rect.zw);\n"
  "  v_rect = vec4 (a, b);\n"
  "  v_color = vec4 (a_color.rgb * a_color.a, a_color.a);\n"
  "  v_round = a_round;\n"
  "  gl_Position = to_clip (mix (floor (a), ceil (b), corner (gl_VertexID % 6)));\n"
  "}\n";

static const char box_fs[] =
  "flat in vec4 v_rect;\n"
  "flat in vec4 v_color;\n"
  "flat in float v_round;\n"
  "void main ()\n"
  "{\n"
  "  vec2 p = frag_px ();\n"
  "  float cov;\n"
  "  if (v_round > 0.0)\n"
  "    cov = clamp (v_round + 0.5 - length (p - (v_rect.xy + v_rect.zw) * 0.5), 0.0, 1.0);\n"
  "  else\n"
  "    cov = span (p.x, v_rect.x, v_rect.z) * span (p.y, v_rect.y, v_rect.w);\n"
  "  if (cov <= 0.0) discard;\n"
  "  o_color = v_color * cov;\n"
  "}\n";

/* Candles and OHLC bars: up to six boxes per instance laid out from the
 * candle's pixel fields with cairo_backend.c's rules, to the pixel: a wick
 * one pixel wide from round (high) to round (low), a body from
 * round (min (open, close)) to round (max (...)), at least one pixel tall;
 * a rising hollow candle at least 3 px wide as two wick halves and a one
 * pixel outline; OHLC bars as the stem and one-pixel ticks at floor (open)
 * and floor (close). Same-coloured overlaps are opaque, so they do not
 * show. */
static const char candle_vs[] =
  "in vec4 a_c0;\n"      /* x, half_width, open, high */
  "in vec2 a_c1;\n"      /* low, close */
  "in int a_up;\n"
  "uniform int u_style;\n"   /* 0 filled, 1 hollow, 2 OHLC */
  "uniform vec4 u_up;\n"
  "uniform vec4 u_down;\n"
  "flat out vec4 v_rect;\n"
  "flat out vec4 v_color;\n"
  "flat out float v_round;\n"
  /* C's round (): halves away from zero (GLSL's round () may go either way). */
  "float cround (float v) { return sign (v) * floor (abs (v) + 0.5); }\n"
  "void main ()\n"
  "{\n"
  "  int r = gl_VertexID / 6;\n"
  "  float x = a_c0.x, hw = a_c0.y, yo = a_c0.z, yh = a_c0.w, yl = a_c1.x, yc = a_c1.y;\n"
  "  bool up = a_up != 0;\n"
  "  vec4 col = up ? u_up : u_down;\n"
  "  float hi = cround (yh), lo = cround (yl);\n"
  "  if (lo <= hi) lo = hi + 1.0;\n"
  "  float top = cround (min (yo, yc)), bot = cround (max (yo, yc));\n"
  "  if (bot <= top) bot = top + 1.0;\n"
  "  float bl = x - hw, br = x + hw;\n"
  "  vec4 rect = vec4 (0.0);\n"
  "  bool used = true;\n"
  "  if (u_style == 2) {\n"
  "    float fo = floor (yo), fc = floor (yc), t = cround (hw);\n"
  "    if (r == 0) rect = vec4 (x - 0.5, hi, x + 0.5, lo);\n"
  "    else if (r == 1 && hw >= 1.0) rect = vec4 (x - 0.5 - t, fo, x - 0.5, fo + 1.0);\n"
  "    else if (r == 2 && hw >= 1.0) rect = vec4 (x + 0.5, fc, x + 0.5 + t, fc + 1.0);\n"
  "    else used = false;\n"
  "  } else if (u_style == 1 && up && br - bl >= 3.0) {\n"
  "    if (r == 0) rect = vec4 (x - 0.5, hi, x + 0.5, top);\n"
  "    else if (r == 1) rect = vec4 (x - 0.5, bot, x + 0.5, lo);\n"
  "    else if (r == 2) rect = vec4 (bl, top, br, top + 1.0);\n"
  "    else if (r == 3) rect = vec4 (bl, bot - 1.0, br, bot);\n"
  "    else if (r == 4) rect = vec4 (bl, top, bl + 1.0, bot);\n"
  "    else if (r == 5) rect = vec4 (br - 1.0, top, br, bot);\n"
  "  } else {\n"
  "    if (r == 0) rect = vec4 (x - 0.5, hi, x + 0.5, lo);\n"
  "    else if (r == 1) rect = vec4 (bl, top, br, bot);\n"
  "    else used = false;\n"
  "  }\n"
  "  vec2 a = min (rect.xy, rect.zw), b = max (rect.xy, rect.zw);\n"
  "  if (!used || b.x <= a.x || b.y <= a.y) {\n"
  "    gl_Position = NOWHERE; v_rect = vec4 (0.0); v_color = vec4 (0.0); v_round = 0.0;\n"
  "    return;\n"
  "  }\n"
  "  v_rect = vec4 (a, b);\n"
  "  v_color = vec4 (col.rgb * col.a, col.a);\n"
  "  v_round = 0.0;\n"
  "  gl_Position = to_clip (mix (floor (a), ceil (b), corner (gl_VertexID % 6)));\n"
  "}\n";

/* Strokes: one instance per segment of a QL_OP_SEGMENTS array (butt ends,
 * dashes measured from the segment's start, as cairo strokes each one), or
 * of a dashed polyline, whose dashes run on from segment to segment
 * (a_phase). */
static const char stroke_vs[] =
  "in vec4 a_seg;\n"     /* x0 y0 x1 y1 */
  "in vec4 a_color;\n"
  "in vec2 a_style;\n"   /* width, dash */
  "in float a_phase;\n"  /* where in the dash pattern the segment starts, px */
  "flat out vec4 v_seg;\n"
  "flat out vec4 v_color;\n"
  "flat out vec3 v_style;\n" /* half width, dash, phase */
  "void main ()\n"
  "{\n"
  "  vec2 p0 = a_seg.xy, p1 = a_seg.zw;\n"
  "  if (any (isnan (a_seg)) || a_style.x <= 0.0) {\n"
  "    gl_Position = NOWHERE; v_seg = vec4 (0.0); v_color = vec4 (0.0); v_style = vec3 (0.0);\n"
  "    return;\n"
  "  }\n"
  "  float hw = a_style.x * 0.5, e = hw + 0.75;\n"
  "  vec2 d = p1 - p0;\n"
  "  float len = length (d);\n"
  "  vec2 t = len > 1e-6 ? d / len : vec2 (1.0, 0.0);\n"
  "  vec2 n = vec2 (-t.y, t.x);\n"
  "  vec2 c = corner (gl_VertexID % 6);\n"
  "  v_seg = a_seg;\n"
  "  v_color = vec4 (a_color.rgb * a_color.a, a_color.a);\n"
  "  v_style = vec3 (hw, a_style.y, a_phase);\n"
  "  gl_Position = to_clip (mix (p0 - t * e, p1 + t * e, c.x) + n * e * (c.y * 2.0 - 1.0));\n"
  "}\n";

static const char stroke_fs[] =
  "flat in vec4 v_seg;\n"
  "flat in vec4 v_color;\n"
  "flat in vec3 v_style;\n"
  "void main ()\n"
  "{\n"
  "  vec2 p = frag_px ();\n"
  "  vec2 a = v_seg.xy, ab = v_seg.zw - v_seg.xy;\n"
  "  float len = length (ab);\n"
  "  vec2 t = len > 1e-6 ? ab / len : vec2 (1.0, 0.0);\n"
  "  vec2 n = vec2 (-t.y, t.x);\n"
  "  float s = dot (p - a, t), d = dot (p - a, n);\n"
  "  float hw = v_style.x, dash = v_style.y;\n"
  /* Butt ends: the pixel's overlap with the stroke across and along it. */
  "  float cov = span (d, -hw, hw) * span (s, 0.0, len);\n"
  "  if (dash > 0.0) {\n"
  "    float m = mod (s + v_style.z, 2.0 * dash);\n"
  "    cov *= clamp (span (m, 0.0, dash) + span (m, 2.0 * dash, 3.0 * dash)"
  "                  + span (m, -2.0 * dash, -dash), 0.0, 1.0);\n"
  "  }\n"
  "  if (cov <= 0.0) discard;\n"
  "  o_color = v_color * cov;\n"
  "}\n";

/* Polylines: instance i covers the segment from point i to point i+1 but
 * shades a pixel only if its segment is the nearest of the five around it
 * (i-2 .. i+2; ties go to the lower index), with the coverage of the
 * distance to that nearest segment. So every pixel of the stroke is
 * blended once, with the coverage of the union — round joins, no darker
 * dots where segments overlap, as cairo strokes a path. Points come from
 * a buffer padded with two NaN points at each end, read as three vec4s:
 * (p[i-2], p[i-1]), (p[i], p[i+1]), (p[i+2], p[i+3]). A segment with a NaN
 * end is a gap; the ends of the line and of its pieces are butt, as
 * cairo_backend.c sets the cap. */
static const char polyline_vs[] =
  "in vec4 a_prev;\n"
  "in vec4 a_seg;\n"
  "in vec4 a_next;\n"
  "uniform int u_count;\n"     /* segments in the op */
  "uniform float u_half;\n"
  "uniform vec4 u_color;\n"
  "flat out vec4 v_s[5];\n"    /* segments i-2 .. i+2, NaN when absent */
  "flat out vec4 v_color;\n"
  "void main ()\n"
  "{\n"
  "  int i = gl_InstanceID;\n"
  "  vec4 none = vec4 (intBitsToFloat (0x7fc00000));\n"
  "  v_s[0] = i >= 2 ? vec4 (a_prev.xy, a_prev.zw) : none;\n"
  "  v_s[1] = i >= 1 ? vec4 (a_prev.zw, a_seg.xy) : none;\n"
  "  v_s[2] = a_seg;\n"
  "  v_s[3] = i + 1 < u_count ? vec4 (a_seg.zw, a_next.xy) : none;\n"
  "  v_s[4] = i + 2 < u_count ? vec4 (a_next.xy, a_next.zw) : none;\n"
  "  v_color = vec4 (u_color.rgb * u_color.a, u_color.a);\n"
  "  if (any (isnan (a_seg))) { gl_Position = NOWHERE; return; }\n"
  "  float e = u_half + 0.75;\n"
  "  vec2 p0 = a_seg.xy, p1 = a_seg.zw, d = p1 - p0;\n"
  "  float len = length (d);\n"
  "  vec2 t = len > 1e-6 ? d / len : vec2 (1.0, 0.0);\n"
  "  vec2 n = vec2 (-t.y, t.x);\n"
  "  vec2 c = corner (gl_VertexID % 6);\n"
  "  gl_Position = to_clip (mix (p0 - t * e, p1 + t * e, c.x) + n * e * (c.y * 2.0 - 1.0));\n"
  "}\n";

static const char polyline_fs[] =
  "uniform float u_half;\n"
  "flat in vec4 v_s[5];\n"
  "flat in vec4 v_color;\n"
  "float seg_dist (vec2 p, vec4 s)\n"
  "{\n"
  "  if (any (isnan (s))) return 1e30;\n"
  "  vec2 ab = s.zw - s.xy;\n"
  "  float h = clamp (dot (p - s.xy, ab) / max (dot (ab, ab), 1e-12), 0.0, 1.0);\n"
  "  return length (p - s.xy - ab * h);\n"
  "}\n"
  "void main ()\n"
  "{\n"
  "  vec2 p = frag_px ();\n"
  "  float d2 = seg_dist (p, v_s[2]);\n"
  "  if (d2 >= u_half + 0.5) discard;\n"
  "  if (seg_dist (p, v_s[1]) <= d2 || seg_dist (p, v_s[3]) < d2) discard;\n"
  "  if (seg_dist (p, v_s[0]) <= d2 || seg_dist (p, v_s[4]) < d2) discard;\n"
  "  float cov = span (d2, -u_half, u_half);\n"
  /* Where the line starts or ends (or meets a gap) its end is butt. */
  "  vec2 ab = v_s[2].zw - v_s[2].xy;\n"
  "  float len = length (ab);\n"
  "  float s = len > 1e-6 ? dot (p - v_s[2].xy, ab / len) : 0.0;\n"
  "  if (any (isnan (v_s[1]))) cov *= clamp (s + 0.5, 0.0, 1.0);\n"
  "  if (any (isnan (v_s[3]))) cov *= clamp (len - s + 0.5, 0.0, 1.0);\n"
  "  if (cov <= 0.0) discard;\n"
  "  o_color = v_color * cov;\n"
  "}\n";

/* Fills between two x-monotone polylines: instance i is the quad between
 * columns i and i+1 of the top (a_t) and bottom (a_b) edges; a gap (NaN)
 * in either drops the quad. */
static const char fill_vs[] =
  "in vec4 a_t;\n"       /* top: x0 y0 x1 y1 */
  "in vec4 a_b;\n"       /* bottom, when u_has_bottom */
  "uniform int u_has_bottom;\n"
  "uniform float u_base;\n"
  "uniform vec4 u_color;\n"
  "flat out vec4 v_color;\n"
  "void main ()\n"
  "{\n"
  "  vec4 b = u_has_bottom != 0 ? a_b : vec4 (a_t.x, u_base, a_t.z, u_base);\n"
  "  if (any (isnan (a_t)) || any (isnan (b))) { gl_Position = NOWHERE; v_color = vec4 (0.0); return; }\n"
  "  int k = gl_VertexID % 6;\n"
  "  vec2 p = k == 0 ? a_t.xy : k == 1 ? a_t.zw : k == 2 ? b.zw : k == 3 ? a_t.xy : k == 4 ? b.zw : b.xy;\n"
  "  v_color = vec4 (u_color.rgb * u_color.a, u_color.a);\n"
  "  gl_Position = to_clip (p);\n"
  "}\n";

static const char flat_fs[] =
  "flat in vec4 v_color;\n"
  "void main () { o_color = v_color; }\n";

/* Triangles with a colour per vertex: marker arrows. */
static const char tri_vs[] =
  "in vec2 a_pos;\n"
  "in vec4 a_color;\n"
  "flat out vec4 v_color;\n"
  "void main ()\n"
  "{\n"
  "  v_color = vec4 (a_color.rgb * a_color.a, a_color.a);\n"
  "  gl_Position = to_clip (a_pos);\n"
  "}\n";

/* Label text: quads from the coverage atlas, tinted. */
static const char text_vs[] =
  "in vec4 a_dst;\n"   /* x y w h, px */
  "in vec4 a_src;\n"   /* x y w h, texels */
  "in vec4 a_color;\n"
  "uniform vec2 u_atlas;\n"
  "out vec2 v_uv;\n"
  "flat out vec4 v_color;\n"
  "void main ()\n"
  "{\n"
  "  vec2 c = corner (gl_VertexID % 6);\n"
  "  v_uv = (a_src.xy + a_src.zw * c) / u_atlas;\n"
  "  v_color = vec4 (a_color.rgb * a_color.a, a_color.a);\n"
  "  gl_Position = to_clip (a_dst.xy + a_dst.zw * c);\n"
  "}\n";

static const char text_fs[] =
  "uniform sampler2D u_tex;\n"
  "in vec2 v_uv;\n"
  "flat in vec4 v_color;\n"
  "void main ()\n"
  "{\n"
  "  float a = texture (u_tex, v_uv).r;\n"
  "  if (a <= 0.0) discard;\n"
  "  o_color = v_color * a;\n"
  "}\n";
/* Column passes: a dense op (a histogram, a polyline) drawn as one quad per
 * group of four pixel columns, aligned on four, instead of one thin quad per
 * element. A software rasteriser shades whole 4x4 blocks, per triangle: a
 * one-pixel-wide column pays for four times its area, and the vertical
 * zigzag of a polyline's LOD min/max segments is shaded several times over
 * by neighbouring quads. Here every block of a group's bounding box is
 * shaded once, by one primitive, with what lies in its four columns in
 * flat varyings (no per-pixel texture reads).
 *
 * Boxes (whole-pixel x edges, at most one box per pixel column): the top,
 * bottom and colour of the box in each of the four columns; the coverage is
 * the box program's, bit for bit (the x overlap of a whole column is 1).
 *
 * Polylines (x never decreasing, solid): the up to COLUMN_SEGS segments
 * whose x range comes within half the width + 0.5 of the group, read in the
 * vertex shader from a data texture (RGBA32F, DATA_W wide; segment k is
 * texel u_seg0 + k, x_k y_k x_k+1 y_k+1, NaN y for a gap). The pixel gets
 * what the polyline program's instances would have blended into it (each
 * segment shading where it is the nearest of its five, with butt ends at
 * gaps and at the ends of the line), composed in one blend.
 *
 * A pixel nothing covers writes zero, which the (ONE, ONE_MINUS_SRC_ALPHA)
 * blend leaves as it was, so no discard is needed. */
static const char colbox_vs[] =
  "in vec4 a_quad;\n"    /* x0 y0 x1 y1, whole px, x0 a multiple of 4 */
  "in vec4 a_top;\n"     /* per column: the box's top and bottom, px */
  "in vec4 a_bot;\n"
  "in vec4 a_c0;\n"      /* per column: its colour, straight */
  "in vec4 a_c1;\n"
  "in vec4 a_c2;\n"
  "in vec4 a_c3;\n"
  "flat out float v_x0;\n"
  "flat out vec4 v_top, v_bot, v_c0, v_c1, v_c2, v_c3;\n"
  "void main ()\n"
  "{\n"
  "  v_x0 = a_quad.x;\n"
  "  v_top = a_top; v_bot = a_bot;\n"
  "  v_c0 = vec4 (a_c0.rgb * a_c0.a, a_c0.a);\n"
  "  v_c1 = vec4 (a_c1.rgb * a_c1.a, a_c1.a);\n"
  "  v_c2 = vec4 (a_c2.rgb * a_c2.a, a_c2.a);\n"
  "  v_c3 = vec4 (a_c3.rgb * a_c3.a, a_c3.a);\n"
  "  gl_Position = to_clip (mix (a_quad.xy, a_quad.zw, corner (gl_VertexID % 6)));\n"
  "}\n";

static const char colbox_fs[] =
  "flat in float v_x0;\n"
  "flat in vec4 v_top, v_bot, v_c0, v_c1, v_c2, v_c3;\n"
  "void main ()\n"
  "{\n"
  "  vec2 p = frag_px ();\n"
  "  float i = floor (p.x) - v_x0;\n"
  "  float top = i < 0.5 ? v_top.x : i < 1.5 ? v_top.y : i < 2.5 ? v_top.z : v_top.w;\n"
  "  float bot = i < 0.5 ? v_bot.x : i < 1.5 ? v_bot.y : i < 2.5 ? v_bot.z : v_bot.w;\n"
  "  vec4 col = i < 0.5 ? v_c0 : i < 1.5 ? v_c1 : i < 2.5 ? v_c2 : v_c3;\n"
  "  o_color = col * max (span (p.y, top, bot), 0.0);\n"
  "}\n";

#define COLUMN_SEGS 16
static const char colline_vs[] =
  "#define SEGS 16\n"
  "in vec4 a_quad;\n"    /* x0 y0 x1 y1, whole px */
  "in vec2 a_range;\n"   /* first segment, count */
  "in int a_ends;\n"
  "uniform highp sampler2D u_data;\n"
  "uniform int u_seg0;\n"
  "flat out vec4 v_s[SEGS];\n"
  "flat out int v_n;\n"
  "flat out int v_ends;\n" /* bit 2j: segment j starts a piece (butt end); 2j+1: it ends one */
  "void main ()\n"
  "{\n"
  "  int first = u_seg0 + int (a_range.x), n = int (a_range.y);\n"
  "  for (int j = 0; j < SEGS; j++) {\n"
  "    int k = first + j;\n"
  "    v_s[j] = j < n ? texelFetch (u_data, ivec2 (k & 2047, k >> 11), 0) : vec4 (0.0);\n"
  "  }\n"
  "  v_n = n;\n"
  "  v_ends = a_ends;\n"
  "  gl_Position = to_clip (mix (a_quad.xy, a_quad.zw, corner (gl_VertexID % 6)));\n"
  "}\n";

static const char colline_fs[] =
  "#define SEGS 16\n"
  "uniform float u_half;\n"
  "uniform vec4 u_color;\n"
  "flat in vec4 v_s[SEGS];\n"
  "flat in int v_n;\n"
  "flat in int v_ends;\n"
  "void main ()\n"
  "{\n"
  "  vec2 p = frag_px ();\n"
  "  float d[SEGS];\n"
  "  for (int j = 0; j < SEGS; j++) {\n"
  "    vec4 s = v_s[j];\n"
  "    vec2 ab = s.zw - s.xy;\n"
  "    float h = clamp (dot (p - s.xy, ab) / max (dot (ab, ab), 1e-12), 0.0, 1.0);\n"
  "    d[j] = j < v_n && !isnan (s.y) ? length (p - s.xy - ab * h) : 1e30;\n"
  "  }\n"
  /* Segment j shades the pixel when it is the nearest of j-2 .. j+2 (ties
   * to the lower index): what polyline_fs decides per instance. Segments
   * the group does not hold are too far to be nearer. Each shading blends
   * OVER the last; the sum of those blends is c_total, with
   * c <- c + cov - a * c * cov, so one blend gives the same pixel. */
  "  float a = u_color.a, c = 0.0;\n"
  /* No branches: a software renderer runs divergent ones for every lane. */
  "  for (int j = 0; j < SEGS; j++) {\n"
  "    float dj = d[j];\n"
  "    bool mine = dj < u_half + 0.5\n"
  "                && (j < 1 || d[max (j - 1, 0)] > dj) && (j < 2 || d[max (j - 2, 0)] > dj)\n"
  "                && (j + 1 >= SEGS || d[min (j + 1, SEGS - 1)] >= dj)\n"
  "                && (j + 2 >= SEGS || d[min (j + 2, SEGS - 1)] >= dj);\n"
  "    vec4 s = v_s[j];\n"
  "    vec2 ab = s.zw - s.xy;\n"
  "    float len = length (ab);\n"
  "    float t = len > 1e-6 ? dot (p - s.xy, ab / len) : 0.0;\n"
  "    float cov = span (dj, -u_half, u_half);\n"
  "    cov *= ((v_ends >> (2 * j)) & 1) != 0 ? clamp (t + 0.5, 0.0, 1.0) : 1.0;\n"
  "    cov *= ((v_ends >> (2 * j)) & 2) != 0 ? clamp (len - t + 0.5, 0.0, 1.0) : 1.0;\n"
  "    cov = mine && cov > 0.0 ? cov : 0.0;\n"
  "    c = c + cov - a * c * cov;\n"
  "  }\n"
  "  o_color = vec4 (u_color.rgb * a, a) * c;\n"
  "}\n";

/* ---- Programs ------------------------------------------------------------ */

/* Mesa and most drivers write "0:12(5): error: ..." ; others "ERROR: 0:12: ...".
 * Each line becomes "NAME.vert:12:5: error: ..." (the project's
 * file:line:column form). */
static void
append_log (GString *out, const char *file, const char *log)
{
  g_auto (GStrv) lines = g_strsplit (log, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *l = lines[i];
      int src = 0, line = 0, col = 0, n = 0;

      if (*l == '\0')
        continue;
      if (out->len > 0)
        g_string_append_c (out, '\n');
      if (sscanf (l, "%d:%d(%d): %n", &src, &line, &col, &n) == 3 && n > 0)
        g_string_append_printf (out, "%s:%d:%d: %s", file, line, col, l + n);
      else if (sscanf (l, "ERROR: %d:%d: %n", &src, &line, &n) == 2 && n > 0)
        g_string_append_printf (out, "%s:%d:1: error: %s", file, line, l + n);
      else
        g_string_append_printf (out, "%s: %s", file, l);
    }
}

static GLuint
compile_shader (GLenum type, const char *name, const char *prelude, const char *body,
                gboolean gles, GString *errors)
{
  /* "#line 1" before the body: the driver counts lines in the body as the
   * caller wrote it, whatever the version header and prelude take. */
  const char *srcs[4] = {
    gles ? "#version 300 es\nprecision highp float;\nprecision highp int;\n"
         : "#version 330 core\n",
    prelude != NULL ? prelude : "",
    "\n#line 1\n",
    body,
  };
  GLuint sh;
  GLint ok = 0;

  sh = glCreateShader (type);
  glShaderSource (sh, G_N_ELEMENTS (srcs), srcs, NULL);
  glCompileShader (sh);
  glGetShaderiv (sh, GL_COMPILE_STATUS, &ok);
  if (!ok)
    {
      GLint len = 0;
      g_autofree char *log = NULL;
      g_autofree char *file = g_strconcat (name, type == GL_VERTEX_SHADER ? ".vert" : ".frag", NULL);

      glGetShaderiv (sh, GL_INFO_LOG_LENGTH, &len);
      log = g_malloc0 (MAX (len, 1) + 1);
      glGetShaderInfoLog (sh, MAX (len, 1), NULL, log);
      append_log (errors, file, log);
      glDeleteShader (sh);
      return 0;
    }
  return sh;
}

static GLuint
link_program (const char        *name,
              const char        *vs_prelude,
              const char        *vs_body,
              const char        *fs_prelude,
              const char        *fs_body,
              const char *const *attrs,
              GError           **error)
{
  g_autoptr (GString) errors = g_string_new (NULL);
  gboolean gles = !epoxy_is_desktop_gl ();
  GLuint vs, fs, prog;
  GLint ok = 0;

  vs = compile_shader (GL_VERTEX_SHADER, name, vs_prelude, vs_body, gles, errors);
  fs = compile_shader (GL_FRAGMENT_SHADER, name, fs_prelude, fs_body, gles, errors);
  if (vs == 0 || fs == 0)
    {
      if (vs)
        glDeleteShader (vs);
      if (fs)
        glDeleteShader (fs);
      g_set_error (error, QL_GL_BACKEND_ERROR, QL_GL_BACKEND_ERROR_SHADER, "%s", errors->str);
      return 0;
    }
  prog = glCreateProgram ();
  glAttachShader (prog, vs);
  glAttachShader (prog, fs);
  for (guint i = 0; attrs != NULL && attrs[i] != NULL; i++)
    glBindAttribLocation (prog, i, attrs[i]);
  glLinkProgram (prog);
  glDeleteShader (vs);
  glDeleteShader (fs);
  glGetProgramiv (prog, GL_LINK_STATUS, &ok);
  if (!ok)
    {
      GLint len = 0;
      g_autofree char *log = NULL;

      glGetProgramiv (prog, GL_INFO_LOG_LENGTH, &len);
      log = g_malloc0 (MAX (len, 1) + 1);
      glGetProgramInfoLog (prog, MAX (len, 1), NULL, log);
      g_set_error (error, QL_GL_BACKEND_ERROR, QL_GL_BACKEND_ERROR_SHADER,
                   "%s: link failed: %s", name, g_strstrip (log));
      glDeleteProgram (prog);
      return 0;
    }
  return prog;
}

unsigned int
ql_gl_backend_compile_program (const char  *name,
                               const char  *vertex_source,
                               const char  *fragment_source,
                               GError     **error)
{
  g_return_val_if_fail (name != NULL && vertex_source != NULL && fragment_source != NULL, 0);
  return link_program (name, NULL, vertex_source, NULL, fragment_source, NULL, error);
}


/* ---- The backend ---------------------------------------------------------- */

enum
{
  PROG_BOX,
  PROG_CANDLE,
  PROG_STROKE,
  PROG_POLYLINE,
  PROG_FILL,
  PROG_TRI,
  PROG_TEXT,
  PROG_COLBOX,
  PROG_COLLINE,
  N_PROGS
};

/* Buffers, one per kind of array. Those marked (frame) take the frame's own
 * arrays as they are; the others are built here, parallel to the frame's
 * labels and markers. */
enum
{
  BUF_CANDLES,      /* (frame) QlSceneCandle */
  BUF_BOXES,        /* (frame) QlSceneBox */
  BUF_SEGMENTS,     /* (frame) QlSceneSegment */
  BUF_POINTS,       /* (frame) QlPoint, POINTS_PAD NaN points at each end */
  BUF_POINTS2,      /* (frame) QlPoint, the same */
  BUF_DASHED,       /* DashSegment: the segments of dashed polylines */
  BUF_LABEL_BOXES,  /* Box, one per label, empty without a background */
  BUF_GLYPHS,       /* Glyph, one per label */
  BUF_MARKER_BOXES, /* Box, one per marker, a disc for circles */
  BUF_MARKER_TRIS,  /* TriVertex, MARKER_VERTICES per marker: an arrow or nothing */
  BUF_BOX_GROUPS,   /* BoxGroup: the column passes of boxes */
  BUF_LINE_GROUPS,  /* LineGroup: the column passes of polylines */
  N_BUFS
};

typedef struct
{
  float x, y, w, h;
  QlColor color;
  float round;      /* > 0: a disc of this radius centred in the box */
} Box;

typedef struct
{
  float x0, y0, x1, y1;
  QlColor color;
  float width, dash; /* as QlSceneSegment up to here */
  float phase;       /* px into the dash pattern at (x0, y0) */
} DashSegment;

typedef struct
{
  float dst[4];     /* x y w h, px */
  float src[4];     /* x y w h, atlas texels */
  QlColor color;
} Glyph;

typedef struct
{
  float x, y;
  QlColor color;
} TriVertex;

/* How an op is drawn by a column pass (mode -1: it is not). */
typedef struct
{
  int mode;         /* 0 boxes, 1 polyline, see colbox_vs and colline_vs */
  guint seg0, nseg; /* polyline: its segments in the data texture */
  guint group0, n_groups; /* in BUF_BOX_GROUPS or BUF_LINE_GROUPS */
} ColumnPlan;

typedef struct
{
  float quad[4];
  float top[4], bot[4];
  QlColor color[4];
} BoxGroup;

typedef struct
{
  float quad[4];
  float first, count; /* segments, from the op's first */
  guint32 ends;       /* bit 2j: segment first + j starts a piece, 2j + 1: it ends one */
} LineGroup;

typedef struct
{
  GLuint vbo;
  gsize capacity;   /* bytes allocated on the GPU */
  GByteArray *shadow; /* what the GPU holds, to send only what changed */
} Buffer;

/* A rasterised label in the atlas. */
typedef struct
{
  int ax, ay;       /* position in the atlas, texels */
  int w, h;         /* 0 x 0 for text with no ink (spaces) */
  int dx, dy;       /* the bitmap's offset from the layout's top left, px */
} AtlasEntry;

typedef struct
{
  GLuint tex;
  int size;         /* square, texels */
  int shelf_x, shelf_y, shelf_h; /* the shelf being filled */
  GHashTable *entries; /* "family|size|bold|text" -> AtlasEntry */
  cairo_t *measure; /* the cairo context the pango context was made for */
  PangoContext *context; /* ql_cairo_text_context_new () */
  PangoLayout *layout;
} Atlas;

struct QlGlBackend
{
  GLuint progs[N_PROGS];
  GLint u_size[N_PROGS];
  GLint u_origin[N_PROGS];
  GLint u_candle_style, u_candle_up, u_candle_down;
  GLint u_poly_count, u_poly_half, u_poly_color;
  GLint u_fill_has_bottom, u_fill_base, u_fill_color;
  GLint u_text_atlas, u_text_tex;
  GLuint vao;
  Buffer bufs[N_BUFS];
  Atlas atlas;
  GArray *label_boxes;  /* Box */
  GArray *glyphs;       /* Glyph */
  GArray *marker_boxes; /* Box */
  GArray *marker_tris;  /* TriVertex */
  GArray *points;       /* QlPoint: the frame's, padded */
  GArray *points2;      /* QlPoint: the same */
  GArray *dashed;       /* DashSegment */
  GArray *dashed_first; /* guint per op: its first DashSegment */
  GArray *column_plans; /* ColumnPlan per op */
  GArray *box_groups;   /* BoxGroup */
  GArray *line_groups;  /* LineGroup */
  GArray *column_data;  /* float[4] texels, uploaded to data_tex */
  gboolean column_lines; /* the context has the varyings colline needs */
  gboolean column_passes; /* ql_gl_backend_set_column_passes () */
  GLuint data_tex;      /* RGBA32F, DATA_W x data_rows */
  int data_rows;
  GByteArray *data_shadow; /* what data_tex holds */
  GLint u_col_data, u_col_seg0, u_col_half, u_col_color;

  /* The last picture without its overlays, in base[cur] at x offset
   * base_origin (see ql_gl_backend_draw ()), and what it was drawn from
   * beyond the buffers' shadows: its ops, panes and viewport. */
  GLuint base_tex[2], base_fbo[2];
  int base_w, base_h, cur;
  int base_tex_w;       /* base_w + the room the picture slides in */
  int base_origin;      /* texel column of the frame's x = 0 */
  int pass_w, pass_origin; /* the framebuffer drawn into now: width, where x = 0 is */
  gboolean base_valid;
  GArray *prev_ops;     /* QlSceneOp */
  GArray *prev_panes;   /* QlScenePaneInfo */
  double prev_first, prev_bpp;
  QlRect prev_time_axis;
  QlColor prev_bg;
  GArray *prev_markers; /* QlSceneMarker: the kept picture's */
  GArray *prev_label_x; /* float per label: the kept picture's anchors */
  GArray *damage_x;     /* float[2]: x intervals over every pane */
  GArray *damage;       /* PixelRect: what a partial frame draws again */
  gboolean limited;     /* set_clip () keeps inside limit */
  QlRect limit;
  QlGlFrameStats stats;
};

#define ATLAS_MIN_SIZE 1024
#define POINTS_PAD 2 /* NaN points before and after the frame's, see polyline_vs */
#define MARKER_VERTICES 9 /* an arrow: the head and the stem's two triangles */
#define ATLAS_MAX_SIZE 4096
#define DATA_W 2048        /* texels per row of the data texture; column_fs hard-codes it */
#define COLUMN_GROUP 4     /* pixel columns per quad of a column pass: a block's width */
#define COLUMN_MIN_COUNT 64
/* What a damage rectangle costs beyond its pixels, in pixels: on llvmpipe
 * each rectangle is a pass of draw calls over every op that reaches it,
 * about what 40 columns a 1080 px frame high cost to fill. */
#define DAMAGE_RECT_COST (40 * 1080)
/* Damaged x spans closer than this are drawn as one rectangle: on llvmpipe
 * each rectangle costs every op a draw call (about 0.1 ms for all of them),
 * about what 40 px of columns a pane high cost to fill. */
#define DAMAGE_MERGE_PX 40.0f /* fewer elements: the instanced programs do as well */

static const char *const box_attrs[] = { "a_rect", "a_color", "a_round", NULL };
static const char *const candle_attrs[] = { "a_c0", "a_c1", "a_up", NULL };
static const char *const stroke_attrs[] = { "a_seg", "a_color", "a_style", "a_phase", NULL };
static const char *const polyline_attrs[] = { "a_prev", "a_seg", "a_next", NULL };
static const char *const fill_attrs[] = { "a_t", "a_b", NULL };
static const char *const tri_attrs[] = { "a_pos", "a_color", NULL };
static const char *const text_attrs[] = { "a_dst", "a_src", "a_color", NULL };
static const char *const colbox_attrs[] = { "a_quad", "a_top", "a_bot", "a_c0", "a_c1", "a_c2", "a_c3", NULL };
static const char *const colline_attrs[] = { "a_quad", "a_range", "a_ends", NULL };

static void
atlas_reset (Atlas *atlas, int size)
{
  g_hash_table_remove_all (atlas->entries);
  if (atlas->tex == 0)
    glGenTextures (1, &atlas->tex);
  glBindTexture (GL_TEXTURE_2D, atlas->tex);
  if (size != atlas->size)
    {
      glTexImage2D (GL_TEXTURE_2D, 0, GL_R8, size, size, 0, GL_RED, GL_UNSIGNED_BYTE, NULL);
      glTexParameteri (GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
      glTexParameteri (GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
      glTexParameteri (GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
      glTexParameteri (GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
      atlas->size = size;
    }
  atlas->shelf_x = 0;
  atlas->shelf_y = 0;
  atlas->shelf_h = 0;
}

static char *
atlas_key (const QlTheme *theme, const QlSceneLabel *label)
{
  return g_strdup_printf ("%s|%.3f|%d|%s", theme->font_family, label->size, label->bold ? 1 : 0,
                          label->text);
}

/* Looks the label up, rasterising it on a miss. FALSE when the atlas is
 * full (nothing is changed then). */
static gboolean
atlas_lookup (QlGlBackend *self, const QlTheme *theme, const QlSceneLabel *label,
              const AtlasEntry **out)
{
  Atlas *atlas = &self->atlas;
  g_autofree char *key = atlas_key (theme, label);
  AtlasEntry *e = g_hash_table_lookup (atlas->entries, key);
  PangoRectangle ink, logical;
  cairo_surface_t *surface;
  cairo_t *cr;
  int w, h, x, y;

  if (e != NULL)
    {
      *out = e;
      return TRUE;
    }

  /* The cairo backend's text set-up (font options, resolution, font): the
   * same glyphs as cairo draws, at the same whole-pixel origin. */
  ql_cairo_text_layout_set (atlas->layout, theme, label->text != NULL ? label->text : "",
                            label->size, label->bold);
  pango_layout_get_pixel_extents (atlas->layout, &ink, &logical);

  /* One pixel of margin on each side: antialiasing may reach past the ink
   * rectangle, and neighbours in the atlas must not bleed in. */
  w = ink.width > 0 ? ink.width + 2 : 0;
  h = ink.height > 0 ? ink.height + 2 : 0;
  if (w > atlas->size || h > atlas->size)
    {
      w = MIN (w, atlas->size);
      h = MIN (h, atlas->size);
    }
  if (atlas->shelf_x + w > atlas->size)
    {
      atlas->shelf_y += atlas->shelf_h + 1;
      atlas->shelf_x = 0;
      atlas->shelf_h = 0;
    }
  if (atlas->shelf_y + h > atlas->size)
    return FALSE;
  x = atlas->shelf_x;
  y = atlas->shelf_y;
  atlas->shelf_x += w + 1;
  atlas->shelf_h = MAX (atlas->shelf_h, h);

  e = g_new0 (AtlasEntry, 1);
  e->ax = x;
  e->ay = y;
  e->w = w;
  e->h = h;
  e->dx = ink.x - 1;
  e->dy = ink.y - 1;
  if (w > 0 && h > 0)
    {
      surface = cairo_image_surface_create (CAIRO_FORMAT_A8, w, h);
      cr = cairo_create (surface);
      cairo_move_to (cr, -e->dx, -e->dy);
      pango_cairo_show_layout (cr, atlas->layout);
      cairo_destroy (cr);
      cairo_surface_flush (surface);
      glBindTexture (GL_TEXTURE_2D, atlas->tex);
      glPixelStorei (GL_UNPACK_ALIGNMENT, 1);
      glPixelStorei (GL_UNPACK_ROW_LENGTH, cairo_image_surface_get_stride (surface));
      glTexSubImage2D (GL_TEXTURE_2D, 0, x, y, w, h, GL_RED, GL_UNSIGNED_BYTE,
                       cairo_image_surface_get_data (surface));
      glPixelStorei (GL_UNPACK_ROW_LENGTH, 0);
      cairo_surface_destroy (surface);
    }
  self->stats.labels_rasterised++;
  g_hash_table_insert (atlas->entries, g_steal_pointer (&key), e);
  *out = e;
  return TRUE;
}

/* Sends @bytes of @data to @buf, from the first byte that differs from what
 * the GPU holds (all of it when the buffer must grow). */
static void
buffer_upload (QlGlBackend *self, Buffer *buf, const void *data, gsize bytes)
{
  const guint8 *d = data;
  gsize from = 0;

  glBindBuffer (GL_ARRAY_BUFFER, buf->vbo);
  if (bytes > buf->capacity)
    {
      gsize cap = MAX (bytes + bytes / 2, 4096);
      glBufferData (GL_ARRAY_BUFFER, (GLsizeiptr) cap, NULL, GL_DYNAMIC_DRAW);
      buf->capacity = cap;
      g_byte_array_set_size (buf->shadow, 0);
    }
  else
    {
      gsize common = MIN (bytes, buf->shadow->len);
      const guint8 *s = buf->shadow->data;

      /* Compare in blocks first: the common case is a long equal prefix. */
      while (from + 256 <= common && memcmp (d + from, s + from, 256) == 0)
        from += 256;
      while (from < common && d[from] == s[from])
        from++;
    }
  if (from < bytes)
    {
      glBufferSubData (GL_ARRAY_BUFFER, (GLintptr) from, (GLsizeiptr) (bytes - from), d + from);
      self->stats.bytes_uploaded += bytes - from;
    }
  g_byte_array_set_size (buf->shadow, (guint) bytes);
  if (bytes > 0)
    memcpy (buf->shadow->data, d, bytes);
}

static gboolean
build_programs (QlGlBackend *self, GError **error)
{
  static const struct
  {
    const char *name;
    const char *vs, *fs;
    const char *const *attrs;
  } defs[N_PROGS] = {
    [PROG_BOX] = { "box", box_vs, box_fs, box_attrs },
    [PROG_CANDLE] = { "candle", candle_vs, box_fs, candle_attrs },
    [PROG_STROKE] = { "stroke", stroke_vs, stroke_fs, stroke_attrs },
    [PROG_POLYLINE] = { "polyline", polyline_vs, polyline_fs, polyline_attrs },
    [PROG_FILL] = { "fill", fill_vs, flat_fs, fill_attrs },
    [PROG_TRI] = { "tri", tri_vs, flat_fs, tri_attrs },
    [PROG_TEXT] = { "text", text_vs, text_fs, text_attrs },
    [PROG_COLBOX] = { "colbox", colbox_vs, colbox_fs, colbox_attrs },
    [PROG_COLLINE] = { "colline", colline_vs, colline_fs, colline_attrs },
  };

  GLint frag_in = 0, vert_out = 0, vert_tex = 0;

  /* colline passes COLUMN_SEGS segments in flat varyings and reads them
   * in the vertex shader: GL 3.3 always can, GLES 3.0 may not (its minimum
   * is 60 components); without it polylines take the instanced program. */
  glGetIntegerv (GL_MAX_FRAGMENT_INPUT_COMPONENTS, &frag_in);
  glGetIntegerv (GL_MAX_VERTEX_OUTPUT_COMPONENTS, &vert_out);
  glGetIntegerv (GL_MAX_VERTEX_TEXTURE_IMAGE_UNITS, &vert_tex);
  self->column_lines = MIN (frag_in, vert_out) >= 4 * COLUMN_SEGS + 8 && vert_tex >= 2;
  for (guint i = 0; i < N_PROGS; i++)
    {
      if (i == PROG_COLLINE && !self->column_lines)
        continue;
      self->progs[i] = link_program (defs[i].name, prelude_vs, defs[i].vs, prelude_fs, defs[i].fs,
                                     defs[i].attrs, error);
      if (self->progs[i] == 0)
        return FALSE;
      self->u_size[i] = glGetUniformLocation (self->progs[i], "u_size");
      self->u_origin[i] = glGetUniformLocation (self->progs[i], "u_origin");
    }
#define U(field, prog, name) self->field = glGetUniformLocation (self->progs[prog], name)
  U (u_candle_style, PROG_CANDLE, "u_style");
  U (u_candle_up, PROG_CANDLE, "u_up");
  U (u_candle_down, PROG_CANDLE, "u_down");
  U (u_poly_count, PROG_POLYLINE, "u_count");
  U (u_poly_half, PROG_POLYLINE, "u_half");
  U (u_poly_color, PROG_POLYLINE, "u_color");
  U (u_fill_has_bottom, PROG_FILL, "u_has_bottom");
  U (u_fill_base, PROG_FILL, "u_base");
  U (u_fill_color, PROG_FILL, "u_color");
  U (u_text_atlas, PROG_TEXT, "u_atlas");
  U (u_text_tex, PROG_TEXT, "u_tex");
  if (self->column_lines)
    {
      U (u_col_data, PROG_COLLINE, "u_data");
      U (u_col_seg0, PROG_COLLINE, "u_seg0");
      U (u_col_half, PROG_COLLINE, "u_half");
      U (u_col_color, PROG_COLLINE, "u_color");
    }
#undef U
  return TRUE;
}

QlGlBackend *
ql_gl_backend_new (GError **error)
{
  g_autoptr (QlGlBackend) self = NULL;
  int version = epoxy_gl_version ();
  gboolean desktop = epoxy_is_desktop_gl ();
  cairo_surface_t *one;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  if (version < (desktop ? 33 : 30))
    {
      g_set_error (error, QL_GL_BACKEND_ERROR, QL_GL_BACKEND_ERROR_UNSUPPORTED,
                   "the chart needs OpenGL 3.3 or OpenGL ES 3.0; this context is %s %d.%d",
                   desktop ? "OpenGL" : "OpenGL ES", version / 10, version % 10);
      return NULL;
    }
  self = g_new0 (QlGlBackend, 1);
  self->atlas.entries = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  one = cairo_image_surface_create (CAIRO_FORMAT_A8, 1, 1);
  self->atlas.measure = cairo_create (one);
  cairo_surface_destroy (one);
  self->atlas.context = ql_cairo_text_context_new (self->atlas.measure);
  self->atlas.layout = pango_layout_new (self->atlas.context);
  self->label_boxes = g_array_new (FALSE, FALSE, sizeof (Box));
  self->glyphs = g_array_new (FALSE, FALSE, sizeof (Glyph));
  self->marker_boxes = g_array_new (FALSE, FALSE, sizeof (Box));
  self->marker_tris = g_array_new (FALSE, FALSE, sizeof (TriVertex));
  self->points = g_array_new (FALSE, FALSE, sizeof (QlPoint));
  self->points2 = g_array_new (FALSE, FALSE, sizeof (QlPoint));
  self->dashed = g_array_new (FALSE, FALSE, sizeof (DashSegment));
  self->dashed_first = g_array_new (FALSE, FALSE, sizeof (guint));
  self->column_passes = TRUE;
  self->prev_ops = g_array_new (FALSE, FALSE, sizeof (QlSceneOp));
  self->prev_panes = g_array_new (FALSE, FALSE, sizeof (QlScenePaneInfo));
  self->prev_markers = g_array_new (FALSE, FALSE, sizeof (QlSceneMarker));
  self->prev_label_x = g_array_new (FALSE, FALSE, sizeof (float));
  self->damage_x = g_array_new (FALSE, FALSE, 2 * sizeof (float));
  self->damage = g_array_new (FALSE, FALSE, 4 * sizeof (int));
  self->column_plans = g_array_new (FALSE, FALSE, sizeof (ColumnPlan));
  self->box_groups = g_array_new (FALSE, FALSE, sizeof (BoxGroup));
  self->line_groups = g_array_new (FALSE, FALSE, sizeof (LineGroup));
  self->column_data = g_array_new (FALSE, FALSE, 4 * sizeof (float));
  self->data_shadow = g_byte_array_new ();
  for (guint i = 0; i < N_BUFS; i++)
    {
      glGenBuffers (1, &self->bufs[i].vbo);
      self->bufs[i].shadow = g_byte_array_new ();
    }
  glGenVertexArrays (1, &self->vao);
  if (!build_programs (self, error))
    return NULL;
  atlas_reset (&self->atlas, ATLAS_MIN_SIZE);
  return g_steal_pointer (&self);
}

void
ql_gl_backend_free (QlGlBackend *self)
{
  if (self == NULL)
    return;
  for (guint i = 0; i < N_PROGS; i++)
    if (self->progs[i])
      glDeleteProgram (self->progs[i]);
  for (guint i = 0; i < N_BUFS; i++)
    {
      if (self->bufs[i].vbo)
        glDeleteBuffers (1, &self->bufs[i].vbo);
      if (self->bufs[i].shadow)
        g_byte_array_unref (self->bufs[i].shadow);
    }
  if (self->vao)
    glDeleteVertexArrays (1, &self->vao);
  if (self->atlas.tex)
    glDeleteTextures (1, &self->atlas.tex);
  if (self->data_tex)
    glDeleteTextures (1, &self->data_tex);
  if (self->base_tex[0])
    {
      glDeleteTextures (2, self->base_tex);
      glDeleteFramebuffers (2, self->base_fbo);
    }
  g_clear_pointer (&self->atlas.entries, g_hash_table_unref);
  g_clear_object (&self->atlas.layout);
  g_clear_object (&self->atlas.context);
  g_clear_pointer (&self->atlas.measure, cairo_destroy);
  g_clear_pointer (&self->label_boxes, g_array_unref);
  g_clear_pointer (&self->glyphs, g_array_unref);
  g_clear_pointer (&self->marker_boxes, g_array_unref);
  g_clear_pointer (&self->marker_tris, g_array_unref);
  g_clear_pointer (&self->points, g_array_unref);
  g_clear_pointer (&self->points2, g_array_unref);
  g_clear_pointer (&self->dashed, g_array_unref);
  g_clear_pointer (&self->dashed_first, g_array_unref);
  g_clear_pointer (&self->column_plans, g_array_unref);
  g_clear_pointer (&self->box_groups, g_array_unref);
  g_clear_pointer (&self->line_groups, g_array_unref);
  g_clear_pointer (&self->column_data, g_array_unref);
  g_clear_pointer (&self->data_shadow, g_byte_array_unref);
  g_clear_pointer (&self->prev_ops, g_array_unref);
  g_clear_pointer (&self->prev_panes, g_array_unref);
  g_clear_pointer (&self->damage_x, g_array_unref);
  g_clear_pointer (&self->prev_markers, g_array_unref);
  g_clear_pointer (&self->prev_label_x, g_array_unref);
  g_clear_pointer (&self->damage, g_array_unref);
  g_free (self);
}

gsize
ql_gl_backend_get_gpu_bytes (const QlGlBackend *self)
{
  gsize total;

  g_return_val_if_fail (self != NULL, 0);
  total = (gsize) self->atlas.size * self->atlas.size; /* R8 */
  total += (gsize) DATA_W * self->data_rows * 16;     /* RGBA32F */
  if (self->base_tex[0])
    total += 2 * (gsize) self->base_tex_w * self->base_h * 4; /* RGBA8 */
  for (guint i = 0; i < N_BUFS; i++)
    total += self->bufs[i].capacity;
  return total;
}

void
ql_gl_backend_invalidate (QlGlBackend *self)
{
  g_return_if_fail (self != NULL);
  self->base_valid = FALSE;
}

void
ql_gl_backend_set_column_passes (QlGlBackend *self, gboolean enabled)
{
  g_return_if_fail (self != NULL);
  self->column_passes = enabled;
}

void
ql_gl_backend_get_stats (const QlGlBackend *self, QlGlFrameStats *stats)
{
  g_return_if_fail (self != NULL && stats != NULL);
  *stats = self->stats;
}

/* ---- Drawing a frame ------------------------------------------------------ */

static void
attr (guint loc, guint buf_vbo, int size, gsize stride, gsize offset, guint divisor)
{
  glBindBuffer (GL_ARRAY_BUFFER, buf_vbo);
  glEnableVertexAttribArray (loc);
  glVertexAttribPointer (loc, size, GL_FLOAT, GL_FALSE, (GLsizei) stride,
                         GSIZE_TO_POINTER (offset));
  glVertexAttribDivisor (loc, divisor);
}

static void
attrs_off (guint from)
{
  for (guint i = from; i < 4; i++)
    glDisableVertexAttribArray (i);
}

static void
use (QlGlBackend *self, guint prog, const QlSceneFrame *frame)
{
  glUseProgram (self->progs[prog]);
  glUniform2f (self->u_size[prog], (float) self->pass_w, (float) frame->height);
  glUniform1f (self->u_origin[prog], (float) self->pass_origin);
}

static void
uniform_color (GLint loc, QlColor c)
{
  glUniform4f (loc, c.r, c.g, c.b, c.a);
}

static void
draw_instanced (QlGlBackend *self, int vertices, guint count)
{
  if (count == 0)
    return;
  glDrawArraysInstanced (GL_TRIANGLES, 0, vertices, (GLsizei) count);
  self->stats.draw_calls++;
  self->stats.instances += count;
}

static void
draw_boxes (QlGlBackend *self, const QlSceneFrame *frame, guint buf, gsize stride,
            gboolean has_round, guint first, guint count)
{
  use (self, PROG_BOX, frame);
  attr (0, self->bufs[buf].vbo, 4, stride, first * stride, 1);
  attr (1, self->bufs[buf].vbo, 4, stride, first * stride + 16, 1);
  if (has_round)
    attr (2, self->bufs[buf].vbo, 1, stride, first * stride + 32, 1);
  else
    {
      glDisableVertexAttribArray (2);
      glVertexAttrib1f (2, 0.0f);
    }
  attrs_off (3);
  draw_instanced (self, 6, count);
}

static void draw_dashed_polyline (QlGlBackend        *self,
                                  const QlSceneFrame *frame,
                                  const QlSceneOp    *op);

/* A polyline is points[first .. first+count): count - 1 segments. The
 * points buffer starts with POINTS_PAD padding points, see polyline_vs. */
static void
draw_polyline (QlGlBackend *self, const QlSceneFrame *frame, const QlSceneOp *op)
{
  gsize stride = sizeof (QlPoint);
  gsize base = (op->first + POINTS_PAD) * stride;
  GLuint vbo = self->bufs[BUF_POINTS].vbo;

  if (op->count < 2 || op->width <= 0.0f)
    return;
  if (op->dash > 0.0f)
    {
      draw_dashed_polyline (self, frame, op);
      return;
    }
  use (self, PROG_POLYLINE, frame);
  glUniform1i (self->u_poly_count, (GLint) op->count - 1);
  glUniform1f (self->u_poly_half, op->width * 0.5f);
  uniform_color (self->u_poly_color, op->color);
  attr (0, vbo, 4, stride, base - 2 * stride, 1);
  attr (1, vbo, 4, stride, base, 1);
  attr (2, vbo, 4, stride, base + 2 * stride, 1);
  attrs_off (3);
  draw_instanced (self, 6, op->count - 1);
}

static void
draw_segments (QlGlBackend *self, const QlSceneFrame *frame, const QlSceneOp *op)
{
  gsize stride = sizeof (QlSceneSegment);
  gsize base = op->first * stride;

  use (self, PROG_STROKE, frame);
  attr (0, self->bufs[BUF_SEGMENTS].vbo, 4, stride, base + G_STRUCT_OFFSET (QlSceneSegment, x0), 1);
  attr (1, self->bufs[BUF_SEGMENTS].vbo, 4, stride, base + G_STRUCT_OFFSET (QlSceneSegment, color), 1);
  attr (2, self->bufs[BUF_SEGMENTS].vbo, 2, stride, base + G_STRUCT_OFFSET (QlSceneSegment, width), 1);
  glDisableVertexAttribArray (3);
  glVertexAttrib1f (3, 0.0f);
  draw_instanced (self, 6, op->count);
}

static void
draw_dashed_polyline (QlGlBackend *self, const QlSceneFrame *frame, const QlSceneOp *op)
{
  gsize stride = sizeof (DashSegment);
  guint op_index = (guint) (op - frame->ops);
  gsize base = g_array_index (self->dashed_first, guint, op_index) * stride;
  GLuint vbo = self->bufs[BUF_DASHED].vbo;

  use (self, PROG_STROKE, frame);
  attr (0, vbo, 4, stride, base + G_STRUCT_OFFSET (DashSegment, x0), 1);
  attr (1, vbo, 4, stride, base + G_STRUCT_OFFSET (DashSegment, color), 1);
  attr (2, vbo, 2, stride, base + G_STRUCT_OFFSET (DashSegment, width), 1);
  attr (3, vbo, 1, stride, base + G_STRUCT_OFFSET (DashSegment, phase), 1);
  draw_instanced (self, 6, op->count - 1);
}

static void
draw_fill (QlGlBackend *self, const QlSceneFrame *frame, const QlSceneOp *op)
{
  gsize base = (op->first + POINTS_PAD) * sizeof (QlPoint);

  if (op->count < 2)
    return;
  use (self, PROG_FILL, frame);
  uniform_color (self->u_fill_color, op->color);
  glUniform1i (self->u_fill_has_bottom, op->has_points2 ? 1 : 0);
  glUniform1f (self->u_fill_base, op->base_y);
  attr (0, self->bufs[BUF_POINTS].vbo, 4, sizeof (QlPoint), base, 1);
  if (op->has_points2)
    attr (1, self->bufs[BUF_POINTS2].vbo, 4, sizeof (QlPoint), base, 1);
  else
    glDisableVertexAttribArray (1);
  attrs_off (2);
  draw_instanced (self, 6, op->count - 1);
}

static void
draw_candles (QlGlBackend *self, const QlSceneFrame *frame, const QlSceneOp *op)
{
  gsize stride = sizeof (QlSceneCandle);
  gsize base = op->first * stride;
  GLuint vbo = self->bufs[BUF_CANDLES].vbo;
  int style = op->kind == QL_OP_OHLC ? 2 : op->hollow ? 1 : 0;

  use (self, PROG_CANDLE, frame);
  glUniform1i (self->u_candle_style, style);
  uniform_color (self->u_candle_up, op->color);
  uniform_color (self->u_candle_down, op->color2);
  attr (0, vbo, 4, stride, base + G_STRUCT_OFFSET (QlSceneCandle, x), 1);
  attr (1, vbo, 2, stride, base + G_STRUCT_OFFSET (QlSceneCandle, low), 1);
  glEnableVertexAttribArray (2);
  glVertexAttribIPointer (2, 1, GL_INT, (GLsizei) stride,
                          GSIZE_TO_POINTER (base + G_STRUCT_OFFSET (QlSceneCandle, up)));
  glVertexAttribDivisor (2, 1);
  attrs_off (3);
  draw_instanced (self, style == 1 ? 36 : style == 2 ? 18 : 12, op->count);
}

static void
draw_markers (QlGlBackend *self, const QlSceneFrame *frame, const QlSceneOp *op)
{
  gsize stride = sizeof (TriVertex);

  draw_boxes (self, frame, BUF_MARKER_BOXES, sizeof (Box), TRUE, op->first, op->count);
  use (self, PROG_TRI, frame);
  attr (0, self->bufs[BUF_MARKER_TRIS].vbo, 2, stride, 0, 0);
  attr (1, self->bufs[BUF_MARKER_TRIS].vbo, 4, stride, G_STRUCT_OFFSET (TriVertex, color), 0);
  attrs_off (2);
  glDrawArrays (GL_TRIANGLES, (GLint) (op->first * MARKER_VERTICES),
                (GLsizei) (op->count * MARKER_VERTICES));
  self->stats.draw_calls++;
}

static void
draw_labels (QlGlBackend *self, const QlSceneFrame *frame, const QlSceneOp *op)
{
  gsize stride = sizeof (Glyph);
  gsize base = op->first * stride;
  GLuint vbo = self->bufs[BUF_GLYPHS].vbo;

  draw_boxes (self, frame, BUF_LABEL_BOXES, sizeof (Box), FALSE, op->first, op->count);
  use (self, PROG_TEXT, frame);
  glActiveTexture (GL_TEXTURE0);
  glBindTexture (GL_TEXTURE_2D, self->atlas.tex);
  glUniform1i (self->u_text_tex, 0);
  glUniform2f (self->u_text_atlas, (float) self->atlas.size, (float) self->atlas.size);
  attr (0, vbo, 4, stride, base + G_STRUCT_OFFSET (Glyph, dst), 1);
  attr (1, vbo, 4, stride, base + G_STRUCT_OFFSET (Glyph, src), 1);
  attr (2, vbo, 4, stride, base + G_STRUCT_OFFSET (Glyph, color), 1);
  attrs_off (3);
  draw_instanced (self, 6, op->count);
}

/* Label quads, one per label: every text is looked up in the atlas (and
 * rasterised on a miss) before anything is drawn, so that a full atlas can
 * be grown or emptied between frames' draws, never inside one. */
static void
prepare_labels (QlGlBackend *self, const QlSceneFrame *frame)
{
  const QlTheme *theme = frame->theme != NULL ? frame->theme : ql_theme_get (QL_THEME_LIGHT);
  int size = self->atlas.size;

  for (int attempt = 0;; attempt++)
    {
      gboolean full = FALSE;

      g_array_set_size (self->glyphs, frame->n_labels);
      g_array_set_size (self->label_boxes, frame->n_labels);
      for (guint i = 0; i < frame->n_labels && !full; i++)
        {
          const QlSceneLabel *l = &frame->labels[i];
          Glyph *g = &g_array_index (self->glyphs, Glyph, i);
          Box *b = &g_array_index (self->label_boxes, Box, i);
          const AtlasEntry *e = NULL;
          /* The scene puts the layout's top left on a whole pixel. */
          float ox = l->text_x, oy = l->text_y;

          if (!atlas_lookup (self, theme, l, &e))
            {
              full = TRUE;
              break;
            }
          *g = (Glyph) {
            .dst = { ox + e->dx, oy + e->dy, e->w, e->h },
            .src = { e->ax, e->ay, e->w, e->h },
            .color = l->color,
          };
          *b = (Box) { 0 };
          if (l->has_background)
            *b = (Box) { l->box.x, l->box.y, l->box.w, l->box.h, l->background, 0.0f };
        }
      if (!full)
        return;
      /* Grow the atlas while it may, then start it over. */
      if (attempt > 0 && size >= ATLAS_MAX_SIZE)
        {
          g_warning ("the labels of one frame do not fit a %dx%d atlas", size, size);
          return;
        }
      size = MIN (size * 2, ATLAS_MAX_SIZE);
      atlas_reset (&self->atlas, size);
    }
}

static void
prepare_markers (QlGlBackend *self, const QlSceneFrame *frame)
{
  g_array_set_size (self->marker_boxes, frame->n_markers);
  g_array_set_size (self->marker_tris, frame->n_markers * MARKER_VERTICES);
  for (guint i = 0; i < frame->n_markers; i++)
    {
      const QlSceneMarker *m = &frame->markers[i];
      Box *b = &g_array_index (self->marker_boxes, Box, i);
      TriVertex *t = &g_array_index (self->marker_tris, TriVertex, i * MARKER_VERTICES);
      float s = m->size, h = m->size * 0.5f;

      *b = (Box) { 0 };
      memset (t, 0, MARKER_VERTICES * sizeof *t);
      switch (m->shape)
        {
        case QL_MARKER_CIRCLE:
          *b = (Box) { m->x - h, m->y - h, s, s, m->color, h };
          break;
        case QL_MARKER_ARROW_UP:
        case QL_MARKER_ARROW_DOWN:
          {
            /* cairo_backend.c's arrow: the tip at the anchor, a head 1.5 size
             * wide and one deep, a stem 0.6 wide down to 1.8 size. */
            float d = m->shape == QL_MARKER_ARROW_UP ? s : -s;
            float x = m->x, y = m->y;
            const float v[MARKER_VERTICES][2] = {
              { x, y }, { x + s * 0.75f, y + d }, { x - s * 0.75f, y + d },
              { x - s * 0.3f, y + d }, { x + s * 0.3f, y + d }, { x + s * 0.3f, y + d * 1.8f },
              { x - s * 0.3f, y + d }, { x + s * 0.3f, y + d * 1.8f }, { x - s * 0.3f, y + d * 1.8f },
            };
            for (guint k = 0; k < MARKER_VERTICES; k++)
              t[k] = (TriVertex) { v[k][0], v[k][1], m->color };
          }
          break;
        case QL_MARKER_TEXT:
        default:
          break;
        }
    }
}

static void
pad_points (GArray *out, const QlPoint *points, guint n)
{
  const QlPoint none = { NAN, NAN };

  g_array_set_size (out, 0);
  if (points == NULL)
    return;
  for (guint i = 0; i < POINTS_PAD; i++)
    g_array_append_val (out, none);
  g_array_append_vals (out, points, n);
  for (guint i = 0; i < POINTS_PAD; i++)
    g_array_append_val (out, none);
}

/* Dashed polylines become segments that carry where the dash pattern
 * stands at their start: the distance along the path since its last gap,
 * as cairo counts it (a gap starts a new sub-path, and the pattern over). */
static void
prepare_dashed (QlGlBackend *self, const QlSceneFrame *frame)
{
  g_array_set_size (self->dashed, 0);
  g_array_set_size (self->dashed_first, frame->n_ops);
  for (guint i = 0; i < frame->n_ops; i++)
    {
      const QlSceneOp *op = &frame->ops[i];
      float phase = 0.0f;

      g_array_index (self->dashed_first, guint, i) = self->dashed->len;
      if (op->kind != QL_OP_POLYLINE || op->dash <= 0.0f || op->count < 2)
        continue;
      for (guint k = op->first; k + 1 < op->first + op->count; k++)
        {
          const QlPoint *a = &frame->points[k], *b = &frame->points[k + 1];
          DashSegment d = { a->x, a->y, b->x, b->y, op->color, op->width, op->dash, phase };

          if (isnan (a->y) || isnan (b->y))
            phase = 0.0f;
          else
            phase = fmodf (phase + hypotf (b->x - a->x, b->y - a->y), 2.0f * op->dash);
          g_array_append_val (self->dashed, d);
        }
    }
}

/* ---- Column passes (see column_fs) ---- */

static gboolean
is_whole (float v)
{
  return v == floorf (v);
}


typedef struct
{
  int x0, x1, y0, y1; /* the op's scissor, px */
} PixelRect;

static PixelRect
clip_pixels (const QlSceneFrame *frame, QlRect clip)
{
  PixelRect r = { (int) floorf (clip.x), (int) ceilf (clip.x + clip.w),
                  (int) floorf (clip.y), (int) ceilf (clip.y + clip.h) };

  r.x0 = CLAMP (r.x0, 0, frame->width);
  r.x1 = CLAMP (r.x1, r.x0, frame->width);
  r.y0 = CLAMP (r.y0, 0, frame->height);
  r.y1 = CLAMP (r.y1, r.y0, frame->height);
  return r;
}

static float *
data_texel (QlGlBackend *self, guint i)
{
  return &g_array_index (self->column_data, float, 4 * i);
}

static guint
data_alloc (QlGlBackend *self, guint n)
{
  guint at = self->column_data->len;

  g_array_set_size (self->column_data, at + n);
  memset (data_texel (self, at), 0, (gsize) n * 4 * sizeof (float));
  return at;
}

/* The groups of box columns covering the op's scissor, emptied. */
static BoxGroup *
box_groups_begin (QlGlBackend *self, const PixelRect *pr, int *gx0, int *n_groups)
{
  guint group0 = self->box_groups->len;
  BoxGroup *groups;

  *gx0 = pr->x0 / COLUMN_GROUP * COLUMN_GROUP;
  *n_groups = (pr->x1 - *gx0 + COLUMN_GROUP - 1) / COLUMN_GROUP;
  g_array_set_size (self->box_groups, group0 + (guint) *n_groups);
  groups = &g_array_index (self->box_groups, BoxGroup, group0);
  memset (groups, 0, (gsize) *n_groups * sizeof *groups);
  for (int g = 0; g < *n_groups; g++)
    {
      groups[g].quad[1] = INFINITY;
      groups[g].quad[3] = -INFINITY;
    }
  return groups;
}

/* Gives pixel columns [x0, x1) of the scissor the span [top, bot] in
 * @color; FALSE when one of them has a span already. */
static gboolean
box_columns_put (BoxGroup *groups, const PixelRect *pr, int gx0, float x0, float x1, float top,
                 float bot, QlColor color)
{
  int from = MAX ((int) x0, pr->x0), to = MIN ((int) x1, pr->x1);

  for (int x = from; x < to; x++)
    {
      BoxGroup *g = &groups[(x - gx0) / COLUMN_GROUP];
      int c = (x - gx0) % COLUMN_GROUP;

      if (g->color[c].a != 0.0f || g->bot[c] != 0.0f || g->top[c] != 0.0f)
        return FALSE;
      if (color.a == 0.0f || top == bot)
        continue;     /* draws nothing */
      g->top[c] = top;
      g->bot[c] = bot;
      g->color[c] = color;
      g->quad[1] = MIN (g->quad[1], top);
      g->quad[3] = MAX (g->quad[3], bot);
    }
  return TRUE;
}

/* Keeps the groups that draw something, their quads on whole pixels. */
static void
box_groups_end (QlGlBackend *self, const PixelRect *pr, int gx0, int n_groups, ColumnPlan *plan)
{
  guint group0 = self->box_groups->len - (guint) n_groups, out = 0;
  BoxGroup *groups = &g_array_index (self->box_groups, BoxGroup, group0);

  for (int g = 0; g < n_groups; g++)
    {
      BoxGroup *bg = &groups[g];
      float y0 = MAX (floorf (bg->quad[1]), (float) pr->y0), y1 = MIN (ceilf (bg->quad[3]), (float) pr->y1);

      if (!(y1 > y0))
        continue;
      bg->quad[0] = (float) (gx0 + g * COLUMN_GROUP);
      bg->quad[1] = y0;
      bg->quad[2] = bg->quad[0] + COLUMN_GROUP;
      bg->quad[3] = y1;
      groups[out++] = *bg;
    }
  g_array_set_size (self->box_groups, group0 + out);
  plan->mode = 0;
  plan->group0 = group0;
  plan->n_groups = out;
}

/* Boxes whose x edges are whole pixels and which share no pixel column:
 * each column holds at most one box, whose coverage is then the only one
 * blended into its pixels, as with one quad per box. */
static gboolean
plan_boxes (QlGlBackend *self, const QlSceneFrame *frame, const QlSceneOp *op, ColumnPlan *plan)
{
  PixelRect pr = clip_pixels (frame, op->clip);
  int gx0, n_groups;
  BoxGroup *groups;

  if (pr.x1 <= pr.x0 || pr.y1 <= pr.y0)
    return FALSE;
  groups = box_groups_begin (self, &pr, &gx0, &n_groups);
  for (guint k = op->first; k < op->first + op->count; k++)
    {
      const QlSceneBox *b = &frame->boxes[k];
      float ax = MIN (b->rect.x, b->rect.x + b->rect.w), bx = MAX (b->rect.x, b->rect.x + b->rect.w);
      float ay = MIN (b->rect.y, b->rect.y + b->rect.h), by = MAX (b->rect.y, b->rect.y + b->rect.h);

      if (!isfinite (ax) || !isfinite (bx) || !isfinite (ay) || !isfinite (by)
          || !is_whole (ax) || !is_whole (bx) || bx - ax > (float) frame->width
          || !box_columns_put (groups, &pr, gx0, ax, bx, ay, by, b->color))
        return FALSE;
    }
  box_groups_end (self, &pr, gx0, n_groups, plan);
  return TRUE;
}

/* C's round (), as candle_vs computes it. */
static float
cround (float v)
{
  return copysignf (floorf (fabsf (v) + 0.5f), v);
}

/* Filled candles in opaque colours whose wicks and bodies have whole-pixel
 * x edges and share no pixel column (every LOD column, and candles up to
 * a few pixels apart): candle_vs's two rectangles per candle, to the pixel,
 * become per column one span — the wick's column gets the union of wick
 * and body, which touch; opaque colours make the union what the two
 * overlapping quads painted. */
static gboolean
plan_candles (QlGlBackend *self, const QlSceneFrame *frame, const QlSceneOp *op, ColumnPlan *plan)
{
  PixelRect pr = clip_pixels (frame, op->clip);
  int gx0, n_groups;
  BoxGroup *groups;

  if (op->kind != QL_OP_CANDLES || op->hollow || op->color.a != 1.0f || op->color2.a != 1.0f
      || pr.x1 <= pr.x0 || pr.y1 <= pr.y0)
    return FALSE;
  groups = box_groups_begin (self, &pr, &gx0, &n_groups);
  for (guint k = op->first; k < op->first + op->count; k++)
    {
      const QlSceneCandle *cd = &frame->candles[k];
      float x = cd->x, hw = cd->half_width;
      float hi = cround (cd->high), lo = cround (cd->low);
      float top = cround (MIN (cd->open, cd->close)), bot = cround (MAX (cd->open, cd->close));
      float wl = x - 0.5f, wr = x + 0.5f, bl = x - hw, br = x + hw;
      QlColor col = cd->up ? op->color : op->color2;

      if (!isfinite (x) || !isfinite (hw) || !isfinite (hi) || !isfinite (lo) || !isfinite (top)
          || !isfinite (bot) || !is_whole (wl) || !is_whole (wr) || hw < 0.0f || hw > frame->width)
        return FALSE;
      if (lo <= hi)
        lo = hi + 1.0f;
      if (bot <= top)
        bot = top + 1.0f;
      if (br > bl)
        {
          /* The body, left and right of the wick; the wick's column gets
           * the union, which must be one span. */
          if (!is_whole (bl) || !is_whole (br) || bl > wl || br < wr || top > lo || bot < hi)
            return FALSE;
          if (!box_columns_put (groups, &pr, gx0, bl, wl, top, bot, col)
              || !box_columns_put (groups, &pr, gx0, wr, br, top, bot, col)
              || !box_columns_put (groups, &pr, gx0, wl, wr, MIN (hi, top), MAX (lo, bot), col))
            return FALSE;
        }
      else if (!box_columns_put (groups, &pr, gx0, wl, wr, hi, lo, col))
        return FALSE;
    }
  box_groups_end (self, &pr, gx0, n_groups, plan);
  return TRUE;
}

/* A solid polyline whose x never decreases (every LOD line): per group of
 * columns the range of segments that can reach it. */
static gboolean
plan_polyline (QlGlBackend *self, const QlSceneFrame *frame, const QlSceneOp *op, ColumnPlan *plan)
{
  PixelRect pr = clip_pixels (frame, op->clip);
  const QlPoint *pt = frame->points + op->first;
  int nseg = (int) op->count - 1, lo = 0, hi = -1;
  int gx0 = pr.x0 / COLUMN_GROUP * COLUMN_GROUP;
  float r = op->width * 0.5f + 0.5f;
  guint group0 = self->line_groups->len, seg0;

  if (!self->column_lines || pr.x1 <= pr.x0 || pr.y1 <= pr.y0 || op->dash > 0.0f
      || op->width <= 0.0f || nseg < 1)
    return FALSE;
  for (int k = 0; k <= nseg; k++)
    if (!isfinite (pt[k].x) || (k > 0 && pt[k].x < pt[k - 1].x))
      return FALSE;
  /* Sparse lines (a segment per pixel or longer) cost no more as thin
   * quads; the passes pay off where LOD columns zigzag from min to max. */
  if (nseg * 2 < 3 * (pt[nseg].x - pt[0].x + 1.0f))
    return FALSE;
  for (int x = gx0; x < pr.x1; x += COLUMN_GROUP)
    {
      /* Segments whose x range meets [x - r, x + COLUMN_GROUP + r]. */
      float left = (float) x - r, right = (float) (x + COLUMN_GROUP) + r;
      float ymin = INFINITY, ymax = -INFINITY;
      LineGroup g;

      while (lo < nseg && pt[lo + 1].x < left)
        lo++;
      while (hi + 1 < nseg && pt[hi + 1].x <= right)
        hi++;
      if (hi < lo)
        continue;
      if (hi - lo + 1 > COLUMN_SEGS)
        {
          g_array_set_size (self->line_groups, group0);
          return FALSE;
        }
      for (int k = lo; k <= hi; k++)
        if (!isnan (pt[k].y) && !isnan (pt[k + 1].y))
          {
            ymin = MIN (ymin, MIN (pt[k].y, pt[k + 1].y));
            ymax = MAX (ymax, MAX (pt[k].y, pt[k + 1].y));
          }
      ymin = MAX (floorf (ymin - r - 1.0f), (float) pr.y0);
      ymax = MIN (ceilf (ymax + r + 1.0f), (float) pr.y1);
      if (!(ymax > ymin))
        continue;
      g = (LineGroup) { { (float) x, ymin, (float) (x + COLUMN_GROUP), ymax }, (float) lo,
                        (float) (hi - lo + 1), 0 };
      for (int k = lo; k <= hi; k++)
        {
          if (k == 0 || isnan (pt[k - 1].y))
            g.ends |= 1u << (2 * (k - lo));
          if (k + 1 >= nseg || isnan (pt[k + 2].y))
            g.ends |= 2u << (2 * (k - lo));
        }
      g_array_append_val (self->line_groups, g);
    }
  seg0 = data_alloc (self, (guint) nseg);
  for (int k = 0; k < nseg; k++)
    {
      float *t = data_texel (self, seg0 + (guint) k);
      t[0] = pt[k].x, t[1] = pt[k].y, t[2] = pt[k + 1].x, t[3] = pt[k + 1].y;
      if (isnan (t[1]) || isnan (t[3]))
        t[1] = t[3] = NAN;
    }
  plan->mode = 1;
  plan->seg0 = seg0;
  plan->nseg = (guint) nseg;
  plan->group0 = group0;
  plan->n_groups = self->line_groups->len - group0;
  return TRUE;
}

/* Sends the data texels from the first one that changed. */
static void
data_upload (QlGlBackend *self)
{
  guint n = self->column_data->len;
  int rows = (int) ((n + DATA_W - 1) / DATA_W);
  gsize bytes, from = 0, common;
  const guint8 *d;

  if (n == 0)
    return;
  data_alloc (self, (guint) rows * DATA_W - n); /* whole rows */
  bytes = (gsize) rows * DATA_W * 16;
  d = (const guint8 *) self->column_data->data;
  if (self->data_tex == 0)
    glGenTextures (1, &self->data_tex);
  glActiveTexture (GL_TEXTURE1);
  glBindTexture (GL_TEXTURE_2D, self->data_tex);
  if (rows > self->data_rows)
    {
      int cap = MAX (4, self->data_rows);

      while (cap < rows)
        cap *= 2;
      glTexImage2D (GL_TEXTURE_2D, 0, GL_RGBA32F, DATA_W, cap, 0, GL_RGBA, GL_FLOAT, NULL);
      glTexParameteri (GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
      glTexParameteri (GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
      self->data_rows = cap;
      g_byte_array_set_size (self->data_shadow, 0);
    }
  common = MIN (bytes, self->data_shadow->len);
  while (from + 256 <= common && memcmp (d + from, self->data_shadow->data + from, 256) == 0)
    from += 256;
  while (from < common && d[from] == self->data_shadow->data[from])
    from++;
  if (from < bytes)
    {
      int row = (int) (from / (DATA_W * 16));

      glPixelStorei (GL_UNPACK_ALIGNMENT, 4);
      glTexSubImage2D (GL_TEXTURE_2D, 0, 0, row, DATA_W, rows - row, GL_RGBA, GL_FLOAT,
                       d + (gsize) row * DATA_W * 16);
      self->stats.bytes_uploaded += bytes - (gsize) row * DATA_W * 16;
    }
  g_byte_array_set_size (self->data_shadow, (guint) bytes);
  memcpy (self->data_shadow->data, d, bytes);
  glActiveTexture (GL_TEXTURE0);
}

static void
prepare_columns (QlGlBackend *self, const QlSceneFrame *frame)
{
  g_array_set_size (self->column_plans, frame->n_ops);
  g_array_set_size (self->box_groups, 0);
  g_array_set_size (self->line_groups, 0);
  g_array_set_size (self->column_data, 0);
  for (guint i = 0; i < frame->n_ops; i++)
    {
      const QlSceneOp *op = &frame->ops[i];
      ColumnPlan *plan = &g_array_index (self->column_plans, ColumnPlan, i);
      guint data_len = self->column_data->len, boxes_len = self->box_groups->len;
      guint lines_len = self->line_groups->len;
      gboolean ok = FALSE;

      *plan = (ColumnPlan) { .mode = -1 };
      if (op->count < COLUMN_MIN_COUNT)
        continue;
      if (!self->column_passes)
        continue;
      if (op->kind == QL_OP_BOXES)
        ok = plan_boxes (self, frame, op, plan);
      else if (op->kind == QL_OP_CANDLES)
        ok = plan_candles (self, frame, op, plan);
      else if (op->kind == QL_OP_POLYLINE)
        ok = plan_polyline (self, frame, op, plan);
      if (!ok)
        {
          g_array_set_size (self->column_data, data_len);
          g_array_set_size (self->box_groups, boxes_len);
          g_array_set_size (self->line_groups, lines_len);
          *plan = (ColumnPlan) { .mode = -1 };
        }
    }
  data_upload (self);
}

static void
draw_columns (QlGlBackend *self, const QlSceneFrame *frame, const QlSceneOp *op,
              const ColumnPlan *plan)
{
  if (plan->mode == 0)
    {
      gsize stride = sizeof (BoxGroup), base = plan->group0 * stride;
      GLuint vbo = self->bufs[BUF_BOX_GROUPS].vbo;

      use (self, PROG_COLBOX, frame);
      attr (0, vbo, 4, stride, base + G_STRUCT_OFFSET (BoxGroup, quad), 1);
      attr (1, vbo, 4, stride, base + G_STRUCT_OFFSET (BoxGroup, top), 1);
      attr (2, vbo, 4, stride, base + G_STRUCT_OFFSET (BoxGroup, bot), 1);
      for (guint c = 0; c < 4; c++)
        attr (3 + c, vbo, 4, stride, base + G_STRUCT_OFFSET (BoxGroup, color) + c * sizeof (QlColor), 1);
      draw_instanced (self, 6, plan->n_groups);
      for (guint c = 4; c < 7; c++)
        glDisableVertexAttribArray (c);
      return;
    }
  use (self, PROG_COLLINE, frame);
  glActiveTexture (GL_TEXTURE1);
  glBindTexture (GL_TEXTURE_2D, self->data_tex);
  glActiveTexture (GL_TEXTURE0);
  glUniform1i (self->u_col_data, 1);
  glUniform1i (self->u_col_seg0, (GLint) plan->seg0);
  glUniform1f (self->u_col_half, op->width * 0.5f);
  uniform_color (self->u_col_color, op->color);
  attr (0, self->bufs[BUF_LINE_GROUPS].vbo, 4, sizeof (LineGroup),
        plan->group0 * sizeof (LineGroup) + G_STRUCT_OFFSET (LineGroup, quad), 1);
  attr (1, self->bufs[BUF_LINE_GROUPS].vbo, 2, sizeof (LineGroup),
        plan->group0 * sizeof (LineGroup) + G_STRUCT_OFFSET (LineGroup, first), 1);
  glEnableVertexAttribArray (2);
  glVertexAttribIPointer (2, 1, GL_UNSIGNED_INT, sizeof (LineGroup),
                          GSIZE_TO_POINTER (plan->group0 * sizeof (LineGroup)
                                            + G_STRUCT_OFFSET (LineGroup, ends)));
  glVertexAttribDivisor (2, 1);
  attrs_off (3);
  draw_instanced (self, 6, plan->n_groups);
}

static void
set_clip (QlGlBackend *self, const QlSceneFrame *frame, QlRect clip)
{
  int x0 = (int) floorf (clip.x), y0 = (int) floorf (clip.y);
  int x1 = (int) ceilf (clip.x + clip.w), y1 = (int) ceilf (clip.y + clip.h);

  if (self->limited)
    {
      x0 = MAX (x0, (int) self->limit.x);
      y0 = MAX (y0, (int) self->limit.y);
      x1 = MIN (x1, (int) (self->limit.x + self->limit.w));
      y1 = MIN (y1, (int) (self->limit.y + self->limit.h));
    }
  x0 = CLAMP (x0, 0, frame->width);
  x1 = CLAMP (x1, x0, frame->width);
  y0 = CLAMP (y0, 0, frame->height);
  y1 = CLAMP (y1, y0, frame->height);
  glScissor (x0 + self->pass_origin, frame->height - y1, x1 - x0, y1 - y0);
}

/* A few opaque boxes on whole pixels (backgrounds) are cleared rather
 * than shaded: the same pixels, through the renderer's fastest path —
 * on llvmpipe a full-frame quad costs several times a clear. */
static gboolean
clear_boxes (QlGlBackend *self, const QlSceneFrame *frame, const QlSceneOp *op)
{
  if (op->count > 4)
    return FALSE;
  for (guint k = op->first; k < op->first + op->count; k++)
    {
      const QlSceneBox *b = &frame->boxes[k];
      if (b->color.a < 1.0f || !is_whole (b->rect.x) || !is_whole (b->rect.y)
          || !is_whole (b->rect.w) || !is_whole (b->rect.h) || b->rect.w < 0 || b->rect.h < 0)
        return FALSE;
    }
  for (guint k = op->first; k < op->first + op->count; k++)
    {
      const QlSceneBox *b = &frame->boxes[k];
      QlRect r = {
        MAX (b->rect.x, op->clip.x), MAX (b->rect.y, op->clip.y), 0.0f, 0.0f
      };

      r.w = MIN (b->rect.x + b->rect.w, op->clip.x + op->clip.w) - r.x;
      r.h = MIN (b->rect.y + b->rect.h, op->clip.y + op->clip.h) - r.y;
      if (r.w <= 0.0f || r.h <= 0.0f)
        continue;
      set_clip (self, frame, r);
      glClearColor (b->color.r, b->color.g, b->color.b, 1.0f);
      glClear (GL_COLOR_BUFFER_BIT);
    }
  return TRUE;
}

/* Draws op @i of @frame (its scissor already set), @op standing for it:
 * the op itself, or a copy holding a slice of its elements. @plan: its
 * column pass, or NULL. */
static void
draw_op (QlGlBackend *self, const QlSceneFrame *frame, const QlSceneOp *op, const ColumnPlan *plan)
{
  if (plan != NULL && plan->mode >= 0)
    {
      draw_columns (self, frame, op, plan);
      return;
    }
  switch (op->kind)
    {
    case QL_OP_BOXES:
      if (!clear_boxes (self, frame, op))
        draw_boxes (self, frame, BUF_BOXES, sizeof (QlSceneBox), FALSE, op->first, op->count);
      break;
    case QL_OP_SEGMENTS:
      draw_segments (self, frame, op);
      break;
    case QL_OP_POLYLINE:
      draw_polyline (self, frame, op);
      break;
    case QL_OP_FILL:
      draw_fill (self, frame, op);
      break;
    case QL_OP_CANDLES:
    case QL_OP_OHLC:
      draw_candles (self, frame, op);
      break;
    case QL_OP_MARKERS:
      draw_markers (self, frame, op);
      break;
    case QL_OP_LABELS:
      draw_labels (self, frame, op);
      break;
    default:
      g_warn_if_reached ();
      break;
    }
}

static gboolean
points_monotone (const QlPoint *pt, guint n)
{
  for (guint k = 1; k < n; k++)
    if (!(pt[k].x >= pt[k - 1].x))
      return FALSE;
  return TRUE;
}

/* Draws op @i again inside @r (self->limit), with only the elements that
 * can reach it: a partial frame's vertex work stays that of its damage. */
static void
draw_op_in (QlGlBackend *self, const QlSceneFrame *frame, guint i, const PixelRect *r)
{
  const QlSceneOp *op = &frame->ops[i];
  const ColumnPlan *plan = &g_array_index (self->column_plans, ColumnPlan, i);
  QlRect c = op->clip;
  float x0 = (float) r->x0, x1 = (float) r->x1;
  QlSceneOp sub = *op;
  ColumnPlan subplan = *plan;
  guint a = 0, b = 0, n = 0;

  if (op->count == 0 || c.x >= x1 || c.x + c.w <= x0 || c.y >= (float) r->y1
      || c.y + c.h <= (float) r->y0)
    return;
  set_clip (self, frame, op->clip);
  if (plan->mode >= 0)
    {
      gsize stride = plan->mode == 0 ? sizeof (BoxGroup) : sizeof (LineGroup);
      const guint8 *g = plan->mode == 0 ? (const guint8 *) self->box_groups->data
                                        : (const guint8 *) self->line_groups->data;

      /* Both kinds of group start with their quad; groups go left to right. */
      for (a = 0; a < plan->n_groups; a++)
        if (((const float *) (const void *) (g + (plan->group0 + a) * stride))[2] > x0)
          break;
      for (b = a; b < plan->n_groups; b++)
        if (((const float *) (const void *) (g + (plan->group0 + b) * stride))[0] >= x1)
          break;
      subplan.group0 = plan->group0 + a;
      subplan.n_groups = b - a;
      if (subplan.n_groups > 0)
        draw_columns (self, frame, op, &subplan);
      return;
    }
  n = op->count;
  switch (op->kind)
    {
    case QL_OP_CANDLES:
    case QL_OP_OHLC:
      {
        const QlSceneCandle *cd = frame->candles + op->first;
        for (a = 0; a < n && cd[a].x + cd[a].half_width + 2.0f <= x0; a++)
          ;
        for (b = a; b < n && cd[b].x - cd[b].half_width - 2.0f < x1; b++)
          ;
      }
      break;
    case QL_OP_BOXES:
      if (op->count <= 4)
        {
          a = 0, b = n;
          break;
        }
      {
        const QlSceneBox *bx = frame->boxes + op->first;
        for (a = 0; a < n && MAX (bx[a].rect.x, bx[a].rect.x + bx[a].rect.w) + 1.0f <= x0; a++)
          ;
        for (b = a; b < n && MIN (bx[b].rect.x, bx[b].rect.x + bx[b].rect.w) - 1.0f < x1; b++)
          ;
      }
      break;
    case QL_OP_POLYLINE:
    case QL_OP_FILL:
      {
        const QlPoint *pt = frame->points + op->first;
        float m = op->width * 0.5f + 2.0f;
        if ((op->kind == QL_OP_POLYLINE && op->dash > 0.0f) || !points_monotone (pt, n))
          {
            a = 0, b = n;
            break;
          }
        for (a = 0; a < n && pt[a].x + m <= x0; a++)
          ;
        for (b = a; b < n && pt[b].x - m < x1; b++)
          ;
        /* Segments reach to their neighbours, and a polyline's pixel is
         * decided among five segments: three points either side. */
        a = a >= 3 ? a - 3 : 0;
        b = MIN (b + 3, n);
      }
      break;
    default:
      a = 0, b = n;
      break;
    }
  if (b <= a)
    return;
  if (a == 0 && b == n)
    {
      draw_op (self, frame, op, NULL);
      return;
    }
  sub.first = op->first + a;
  sub.count = b - a;
  draw_op (self, frame, &sub, NULL);
}

/* ---- Partial frames ---- */

static void
damage_span (QlGlBackend *self, float x0, float x1)
{
  float d[2] = { floorf (x0), ceilf (x1) };

  if (d[1] > d[0])
    g_array_append_vals (self->damage_x, d, 1);
}

static void
damage_rect (QlGlBackend *self, const QlSceneFrame *frame, float x, float y, float w, float h)
{
  PixelRect r = { (int) floorf (x), (int) ceilf (x + w), (int) floorf (y), (int) ceilf (y + h) };

  r.x0 = CLAMP (r.x0, 0, frame->width);
  r.x1 = CLAMP (r.x1, r.x0, frame->width);
  r.y0 = CLAMP (r.y0, 0, frame->height);
  r.y1 = CLAMP (r.y1, r.y0, frame->height);
  if (r.x1 > r.x0 && r.y1 > r.y0)
    g_array_append_val (self->damage, r);
}

static gsize
rect_area (const PixelRect *r)
{
  return (gsize) (r->x1 - r->x0) * (gsize) (r->y1 - r->y0);
}

/* Replaces two damage rectangles by their bounding box while that costs
 * less: a rectangle costs DAMAGE_RECT_COST pixels (the draw calls of its
 * pass) plus its area, and pixels in two rectangles are drawn twice.
 * Drawing a pixel again is harmless: each pass starts with the opaque
 * background. A handful of rectangles, so the greedy O(n^3) is cheap. */
static void
merge_damage (GArray *damage)
{
  gboolean merged = TRUE;

  while (merged)
    {
      merged = FALSE;
      for (guint i = 0; i < damage->len && !merged; i++)
        for (guint j = i + 1; j < damage->len && !merged; j++)
          {
            PixelRect *a = &g_array_index (damage, PixelRect, i);
            const PixelRect *b = &g_array_index (damage, PixelRect, j);
            PixelRect u = { MIN (a->x0, b->x0), MAX (a->x1, b->x1), MIN (a->y0, b->y0), MAX (a->y1, b->y1) };

            if (rect_area (&u) < rect_area (a) + rect_area (b) + DAMAGE_RECT_COST)
              {
                *a = u;
                g_array_remove_index (damage, j);
                merged = TRUE;
              }
          }
    }
}

/* Matches the last frame's elements, moved by @k px, with the new
 * frame's, both sorted by x, and damages the columns of those that differ
 * or have no match. KEY gives an element's x, SAME compares a moved old
 * element with a new one, SPAN (element, index, shift) damages an
 * element's reach. */
#define DIFF_SORTED(P, np, N, nn, k, KEY, SAME, SPAN)                            \
  G_STMT_START                                                                  \
  {                                                                             \
    guint i_ = 0, j_ = 0;                                                       \
    while (i_ < (np) || j_ < (nn))                                              \
      {                                                                         \
        if (i_ < (np) && j_ < (nn))                                             \
          {                                                                     \
            float px_ = KEY ((P)[i_]) - (k), nx_ = KEY ((N)[j_]);               \
            if (px_ == nx_)                                                     \
              {                                                                 \
                if (!SAME ((P)[i_], (N)[j_], (k)))                               \
                  {                                                             \
                    SPAN (P, i_, (k));                                          \
                    SPAN (N, j_, 0.0f);                                         \
                  }                                                             \
                i_++, j_++;                                                     \
              }                                                                 \
            else if (px_ < nx_)                                                 \
              {                                                                 \
                SPAN (P, i_, (k));                                              \
                i_++;                                                           \
              }                                                                 \
            else                                                                \
              {                                                                 \
                SPAN (N, j_, 0.0f);                                             \
                j_++;                                                           \
              }                                                                 \
          }                                                                     \
        else if (i_ < (np))                                                     \
          {                                                                     \
            SPAN (P, i_, (k));                                                  \
            i_++;                                                               \
          }                                                                     \
        else                                                                    \
          {                                                                     \
            SPAN (N, j_, 0.0f);                                                 \
            j_++;                                                               \
          }                                                                     \
      }                                                                         \
  }                                                                             \
  G_STMT_END

static float candle_key (QlSceneCandle c) { return c.x; }
static gboolean
candle_same (QlSceneCandle p, QlSceneCandle n, float k)
{
  p.x -= k;
  return memcmp (&p, &n, sizeof p) == 0;
}
static float box_key (QlSceneBox b) { return MIN (b.rect.x, b.rect.x + b.rect.w); }
static gboolean
box_same (QlSceneBox p, QlSceneBox n, float k)
{
  p.rect.x -= k;
  return memcmp (&p, &n, sizeof p) == 0;
}
static float seg_key (QlSceneSegment s) { return MIN (s.x0, s.x1); }
static gboolean
seg_same (QlSceneSegment p, QlSceneSegment n, float k)
{
  p.x0 -= k;
  p.x1 -= k;
  return memcmp (&p, &n, sizeof p) == 0;
}
static float point_key (QlPoint q) { return q.x; }
static float marker_key (QlSceneMarker m) { return m.x; }
static gboolean
marker_same (QlSceneMarker p, QlSceneMarker n, float k)
{
  p.x -= k;
  p.label = n.label = 0; /* an index into the frame's labels, which move */
  return memcmp (&p, &n, sizeof p) == 0;
}
/* A label drawn: its text quad and its background box. */
typedef struct
{
  float x;       /* the anchor, px */
  Glyph glyph;
  Box box;
} LabelDrawn;
static float label_key (LabelDrawn l) { return l.x; }
static gboolean
label_same (LabelDrawn p, LabelDrawn n, float k)
{
  p.x -= k;
  p.glyph.dst[0] -= k;
  if (p.box.w != 0.0f)
    p.box.x -= k;
  return memcmp (&p, &n, sizeof p) == 0;
}

/* Whether a whole-pixel scroll of the plots leaves @op's pixels right,
 * for an op that does not scroll: boxes across its clip's whole width (the
 * background), and solid segments that are horizontal across their clip's
 * width (the price grid, pane separators) or lie in the axis strips, which
 * a partial frame draws again whole (the price axis' border). */
static gboolean
op_keeps (const QlSceneFrame *frame, const QlSceneOp *op)
{
  float plot_w = frame->n_panes > 0 ? frame->panes[0].plot.x + frame->panes[0].plot.w : 0.0f;
  float pane_bottom = frame->time_axis.y;

  if (op->scrolls)
    return FALSE;
  if (op->kind == QL_OP_BOXES)
    {
      for (guint j = op->first; j < op->first + op->count; j++)
        {
          QlRect r = frame->boxes[j].rect;
          if (MIN (r.x, r.x + r.w) > op->clip.x || MAX (r.x, r.x + r.w) < op->clip.x + op->clip.w)
            return FALSE;
        }
      return TRUE;
    }
  if (op->kind == QL_OP_SEGMENTS)
    {
      for (guint j = op->first; j < op->first + op->count; j++)
        {
          const QlSceneSegment *sg = &frame->segments[j];
          float hw = sg->width * 0.5f; /* a stroke covers nothing beyond its half width */
          gboolean across = sg->y0 == sg->y1 && MIN (sg->x0, sg->x1) <= op->clip.x
                            && MAX (sg->x0, sg->x1) >= op->clip.x + op->clip.w;
          gboolean in_axes = MIN (sg->x0, sg->x1) - hw >= plot_w || MIN (sg->y0, sg->y1) - hw >= pane_bottom;

          if (sg->dash > 0.0f || !(across || in_axes))
            return FALSE;
        }
      return TRUE;
    }
  return FALSE;
}

/* The ops kept in the base picture: up to the last that scrolls or that a
 * scroll leaves right (op_keeps ()); the rest are the overlays, drawn over
 * the base every frame. */
static guint
base_end (const QlSceneFrame *frame)
{
  guint end = 0;

  for (guint i = 0; i < frame->n_ops; i++)
    if (frame->ops[i].scrolls || op_keeps (frame, &frame->ops[i]))
      end = i + 1;
  return end;
}

/* The pane whose plot holds @op's clip; G_MAXUINT for one that spans
 * panes (the time grid) or lies outside them. */
static guint
op_pane (const QlSceneFrame *frame, const QlSceneOp *op)
{
  for (guint p = 0; p < frame->n_panes; p++)
    {
      QlRect r = frame->panes[p].rect;
      if (op->clip.x >= r.x && op->clip.y >= r.y && op->clip.x + op->clip.w <= r.x + r.w
          && op->clip.y + op->clip.h <= r.y + r.h)
        return p;
    }
  return G_MAXUINT;
}

/* Decides whether @frame can be drawn by scrolling the kept picture by
 * *@k px; if so fills self->damage with what must be drawn again and
 * *@overlay_from with the first overlay op. The last frame's elements
 * are the buffers' shadows, read before this frame's upload. */
static gboolean
plan_partial (QlGlBackend *self, const QlSceneFrame *frame, int *k_out, guint *overlay_from)
{
  const QlScenePaneInfo *pp = (const QlScenePaneInfo *) (void *) self->prev_panes->data;
  const QlSceneOp *pops = (const QlSceneOp *) (void *) self->prev_ops->data;
  const QlSceneCandle *pc = (const QlSceneCandle *) (void *) self->bufs[BUF_CANDLES].shadow->data;
  const QlSceneBox *pb = (const QlSceneBox *) (void *) self->bufs[BUF_BOXES].shadow->data;
  const QlSceneSegment *ps = (const QlSceneSegment *) (void *) self->bufs[BUF_SEGMENTS].shadow->data;
  /* (The shadows of empty buffers may have no data at all.) */
  const QlPoint *pp1 = self->bufs[BUF_POINTS].shadow->len > 0
                         ? (const QlPoint *) (void *) self->bufs[BUF_POINTS].shadow->data + POINTS_PAD : NULL;
  const QlPoint *pp2 = self->bufs[BUF_POINTS2].shadow->len > 0
                         ? (const QlPoint *) (void *) self->bufs[BUF_POINTS2].shadow->data + POINTS_PAD : NULL;
  const Glyph *pg = (const Glyph *) (void *) self->bufs[BUF_GLYPHS].shadow->data;
  const Box *plb = (const Box *) (void *) self->bufs[BUF_LABEL_BOXES].shadow->data;
  const QlSceneMarker *pm = (const QlSceneMarker *) (void *) self->prev_markers->data;
  float plot_w, pane_bottom, kf;
  double kd;
  int k;
  guint last_scroll = G_MAXUINT;
  gsize area = 0;
  guint64 redrawn = 0; /* bit p: pane p is drawn again whole */

  g_array_set_size (self->damage_x, 0);
  g_array_set_size (self->damage, 0);
  if (!self->base_valid || frame->width != self->base_w || frame->height != self->base_h
      || frame->n_ops != self->prev_ops->len || frame->n_panes != self->prev_panes->len
      || frame->n_panes == 0 || frame->n_panes > 64 || frame->bars_per_px != self->prev_bpp
      || memcmp (&frame->background, &self->prev_bg, sizeof (QlColor)) != 0
      || memcmp (&frame->time_axis, &self->prev_time_axis, sizeof (QlRect)) != 0)
    return FALSE;
  /* The panes keep their places; a pane whose scale moved (autoscale
   * while panning, a drag of its axis) is drawn again whole, the others
   * scroll. */
  for (guint p = 0; p < frame->n_panes; p++)
    {
      if (memcmp (&frame->panes[p].rect, &pp[p].rect, sizeof (QlRect)) != 0
          || memcmp (&frame->panes[p].plot, &pp[p].plot, sizeof (QlRect)) != 0)
        return FALSE;
      if (frame->panes[p].min != pp[p].min || frame->panes[p].max != pp[p].max
          || frame->panes[p].mode != pp[p].mode)
        redrawn |= G_GUINT64_CONSTANT (1) << p;
    }
  kd = (frame->first_bar - self->prev_first) / frame->bars_per_px;
  k = (int) lround (kd);
  plot_w = frame->panes[0].plot.x + frame->panes[0].plot.w;
  pane_bottom = frame->time_axis.y;
  if (fabs (kd - k) > 1e-3 || abs (k) * 4 > (int) plot_w)
    return FALSE;
  kf = (float) k;
  for (guint i = 0; i < frame->n_ops; i++)
    {
      const QlSceneOp *o = &frame->ops[i], *q = &pops[i];
      if (o->kind != q->kind || o->scrolls != q->scrolls || o->hollow != q->hollow
          || o->has_points2 != q->has_points2 || o->width != q->width || o->dash != q->dash
          || o->base_y != q->base_y || memcmp (&o->clip, &q->clip, sizeof (QlRect)) != 0
          || memcmp (&o->color, &q->color, sizeof (QlColor)) != 0
          || memcmp (&o->color2, &q->color2, sizeof (QlColor)) != 0)
        return FALSE;
      if (o->scrolls)
        last_scroll = i;
    }
  if (last_scroll == G_MAXUINT)
    return FALSE;
  *overlay_from = base_end (frame);

  for (guint i = 0; i < *overlay_from; i++)
    {
      const QlSceneOp *o = &frame->ops[i], *q = &pops[i];
      gboolean in_axes = o->clip.x >= plot_w || o->clip.y >= pane_bottom;

      if (in_axes)
        continue; /* the axis strips are drawn again whole */
      if (redrawn != 0)
        {
          guint pane = op_pane (frame, o);
          if (pane < frame->n_panes && (redrawn & (G_GUINT64_CONSTANT (1) << pane)) != 0)
            continue; /* inside a pane drawn again whole */
        }
      if (!o->scrolls)
        {
          /* A fixed op under the scrolling ones: the background and the
           * price grid (solid horizontal lines across the plot) look the
           * same scrolled; labels (the watermark) are drawn again where
           * they were and where they are. Anything else: a full frame. */
          if (o->kind == QL_OP_LABELS)
            {
              for (guint j = q->first; j < q->first + q->count; j++)
                {
                  damage_rect (self, frame, pg[j].dst[0] - kf - 1, pg[j].dst[1] - 1, pg[j].dst[2] + 2, pg[j].dst[3] + 2);
                  damage_rect (self, frame, plb[j].x - kf - 1, plb[j].y - 1, plb[j].w + 2, plb[j].h + 2);
                }
              for (guint j = o->first; j < o->first + o->count; j++)
                {
                  const Glyph *g = &g_array_index (self->glyphs, Glyph, j);
                  const Box *lb = &g_array_index (self->label_boxes, Box, j);
                  damage_rect (self, frame, g->dst[0] - 1, g->dst[1] - 1, g->dst[2] + 2, g->dst[3] + 2);
                  damage_rect (self, frame, lb->x - 1, lb->y - 1, lb->w + 2, lb->h + 2);
                }
              continue;
            }
          if (o->count != q->count)
            return FALSE;
          if (!op_keeps (frame, o))
            return FALSE;
          if (o->kind == QL_OP_BOXES
              && memcmp (frame->boxes + o->first, pb + q->first, o->count * sizeof (QlSceneBox)) != 0)
            return FALSE;
          if (o->kind == QL_OP_SEGMENTS
              && memcmp (frame->segments + o->first, ps + q->first, o->count * sizeof (QlSceneSegment)) != 0)
            return FALSE;
          continue;
        }

      switch (o->kind)
        {
        case QL_OP_CANDLES:
        case QL_OP_OHLC:
          {
            const QlSceneCandle *P = q->count > 0 ? pc + q->first : NULL;
            const QlSceneCandle *N = o->count > 0 ? frame->candles + o->first : NULL;
#define CANDLE_SPAN(A, i, sh) damage_span (self, (A)[i].x - (sh) - (A)[i].half_width - 2.0f, \
                                           (A)[i].x - (sh) + (A)[i].half_width + 2.0f)
            DIFF_SORTED (P, q->count, N, o->count, kf, candle_key, candle_same, CANDLE_SPAN);
#undef CANDLE_SPAN
          }
          break;
        case QL_OP_BOXES:
          {
            const QlSceneBox *P = q->count > 0 ? pb + q->first : NULL;
            const QlSceneBox *N = o->count > 0 ? frame->boxes + o->first : NULL;
#define BOX_SPAN(A, i, sh) damage_span (self, MIN ((A)[i].rect.x, (A)[i].rect.x + (A)[i].rect.w) - (sh) - 1.0f, \
                                        MAX ((A)[i].rect.x, (A)[i].rect.x + (A)[i].rect.w) - (sh) + 1.0f)
            DIFF_SORTED (P, q->count, N, o->count, kf, box_key, box_same, BOX_SPAN);
#undef BOX_SPAN
          }
          break;
        case QL_OP_SEGMENTS:
          {
            const QlSceneSegment *P = q->count > 0 ? ps + q->first : NULL;
            const QlSceneSegment *N = o->count > 0 ? frame->segments + o->first : NULL;
#define SEG_SPAN(A, i, sh) damage_span (self, MIN ((A)[i].x0, (A)[i].x1) - (sh) - (A)[i].width - 2.0f, \
                                        MAX ((A)[i].x0, (A)[i].x1) - (sh) + (A)[i].width + 2.0f)
            DIFF_SORTED (P, q->count, N, o->count, kf, seg_key, seg_same, SEG_SPAN);
#undef SEG_SPAN
          }
          break;
        case QL_OP_POLYLINE:
        case QL_OP_FILL:
          {
            const QlPoint *P = q->count > 0 ? pp1 + q->first : NULL;
            const QlPoint *N = o->count > 0 ? frame->points + o->first : NULL;
            gboolean two = o->kind == QL_OP_FILL && o->has_points2 && frame->points2 != NULL;
            const QlPoint *P2 = two && q->count > 0 ? pp2 + q->first : NULL;
            const QlPoint *N2 = two && o->count > 0 ? frame->points2 + o->first : NULL;
            guint np = q->count, nn = o->count;
            float m = o->width * 0.5f + 2.0f;

            if (!points_monotone (P, np) || !points_monotone (N, nn)
                || (o->kind == QL_OP_POLYLINE && o->dash > 0.0f))
              return FALSE;
            /* A point's pixels reach its neighbours' segments, and a
             * polyline pixel is decided among five segments: damage from
             * three points before to three after. */
#define POINT_SAME(p, n, sh) ((p).x - (sh) == (n).x && memcmp (&(p).y, &(n).y, sizeof (float)) == 0)
#define POINT_SPAN(A, i, sh) damage_span (self, (A)[(i) >= 3 ? (i) - 3 : 0].x - (sh) - m, \
                                          (A)[MIN ((i) + 3, ((A) == P ? np : nn) - 1)].x - (sh) + m)
            {
              guint i_ = 0, j_ = 0;
              while (i_ < np || j_ < nn)
                {
                  if (i_ < np && j_ < nn)
                    {
                      float px_ = point_key (P[i_]) - kf, nx_ = point_key (N[j_]);
                      if (px_ == nx_)
                        {
                          if (!POINT_SAME (P[i_], N[j_], kf)
                              || (two && memcmp (&P2[i_].y, &N2[j_].y, sizeof (float)) != 0))
                            {
                              POINT_SPAN (P, i_, kf);
                              POINT_SPAN (N, j_, 0.0f);
                            }
                          i_++, j_++;
                        }
                      else if (px_ < nx_)
                        {
                          POINT_SPAN (P, i_, kf);
                          i_++;
                        }
                      else
                        {
                          POINT_SPAN (N, j_, 0.0f);
                          j_++;
                        }
                    }
                  else if (i_ < np)
                    {
                      POINT_SPAN (P, i_, kf);
                      i_++;
                    }
                  else
                    {
                      POINT_SPAN (N, j_, 0.0f);
                      j_++;
                    }
                }
            }
#undef POINT_SAME
#undef POINT_SPAN
          }
          break;
        case QL_OP_MARKERS:
          {
            /* The scene emits markers in time order, so by x. */
            const QlSceneMarker *P = q->count > 0 ? pm + q->first : NULL;
            const QlSceneMarker *N = o->count > 0 ? frame->markers + o->first : NULL;
#define MARKER_SPAN(A, i, sh) damage_span (self, (A)[i].x - (sh) - (A)[i].size * 1.5f - 2.0f, \
                                           (A)[i].x - (sh) + (A)[i].size * 1.5f + 2.0f)
            if (q->first + q->count > self->prev_markers->len)
              return FALSE;
            DIFF_SORTED (P, q->count, N, o->count, kf, marker_key, marker_same, MARKER_SPAN);
#undef MARKER_SPAN
          }
          break;
        case QL_OP_LABELS:
          {
            /* Labels at bars (marker texts, Fibonacci levels): by their
             * anchors, as the scene emits them; an order that is not
             * sorted only draws more again. */
            g_autofree LabelDrawn *P = g_new (LabelDrawn, MAX (q->count, 1));
            g_autofree LabelDrawn *N = g_new (LabelDrawn, MAX (o->count, 1));

            if (q->first + q->count > self->prev_label_x->len)
              return FALSE;
            for (guint j = 0; j < q->count; j++)
              P[j] = (LabelDrawn) { g_array_index (self->prev_label_x, float, q->first + j),
                                    pg[q->first + j], plb[q->first + j] };
            for (guint j = 0; j < o->count; j++)
              N[j] = (LabelDrawn) { frame->labels[o->first + j].x,
                                    g_array_index (self->glyphs, Glyph, o->first + j),
                                    g_array_index (self->label_boxes, Box, o->first + j) };
#define LABEL_SPAN(A, i, sh) \
  damage_span (self, MIN ((A)[i].glyph.dst[0], (A)[i].box.w != 0.0f ? (A)[i].box.x : (A)[i].glyph.dst[0]) - (sh) - 1.0f, \
               MAX ((A)[i].glyph.dst[0] + (A)[i].glyph.dst[2], (A)[i].box.x + (A)[i].box.w) - (sh) + 1.0f)
            DIFF_SORTED (P, q->count, N, o->count, kf, label_key, label_same, LABEL_SPAN);
#undef LABEL_SPAN
          }
          break;
        default:
          if (o->count > 0 || q->count > 0)
            return FALSE;
          break;
        }
    }

  /* The columns the scroll leaves empty, then the x spans merged into
   * rectangles over all panes, then the axis strips. */
  if (k > 0)
    damage_span (self, plot_w - kf - 1.0f, plot_w);
  else if (k < 0)
    damage_span (self, 0.0f, -kf + 1.0f);
  if (self->damage_x->len > 0)
    {
      float *d = (float *) (void *) self->damage_x->data;
      guint n = self->damage_x->len, out = 0;

      for (guint i = 1; i < n; i++) /* insertion sort: a handful of spans */
        for (guint j = i; j > 0 && d[2 * j] < d[2 * (j - 1)]; j--)
          {
            float t0 = d[2 * j], t1 = d[2 * j + 1];
            d[2 * j] = d[2 * (j - 1)], d[2 * j + 1] = d[2 * (j - 1) + 1];
            d[2 * (j - 1)] = t0, d[2 * (j - 1) + 1] = t1;
          }
      for (guint i = 1; i < n; i++)
        if (d[2 * i] <= d[2 * out + 1] + DAMAGE_MERGE_PX)
          d[2 * out + 1] = MAX (d[2 * out + 1], d[2 * i + 1]);
        else
          {
            out++;
            d[2 * out] = d[2 * i], d[2 * out + 1] = d[2 * i + 1];
          }
      for (guint i = 0; i <= out; i++)
        {
          float x0 = MAX (d[2 * i], 0.0f), x1 = MIN (d[2 * i + 1], plot_w);
          if (x1 > x0)
            damage_rect (self, frame, x0, 0.0f, x1 - x0, pane_bottom);
        }
    }
  for (guint p = 0; p < frame->n_panes; p++)
    if ((redrawn & (G_GUINT64_CONSTANT (1) << p)) != 0)
      damage_rect (self, frame, frame->panes[p].rect.x, frame->panes[p].rect.y,
                   frame->panes[p].rect.w, frame->panes[p].rect.h);
  damage_rect (self, frame, plot_w, 0.0f, (float) frame->width - plot_w, (float) frame->height);
  damage_rect (self, frame, 0.0f, pane_bottom, plot_w, (float) frame->height - pane_bottom);
  merge_damage (self->damage);
  for (guint i = 0; i < self->damage->len; i++)
    {
      const PixelRect *r = &g_array_index (self->damage, PixelRect, i);
      area += (gsize) (r->x1 - r->x0) * (r->y1 - r->y0);
    }
  /* Beyond most of the frame a full one costs no more (the scroll's copy
   * and the damage's few passes against one clear). */
  if (area * 5 > (gsize) frame->width * frame->height * 4)
    return FALSE;
  self->stats.damaged_pixels = (guint) area;
  *k_out = k;
  return TRUE;
}

/* The kept pictures are BASE_SLIDE px wider than the frame: a scroll by k
 * px moves where the frame's x = 0 sits in them (base_origin) by k instead
 * of copying the picture; only when the origin would leave the texture is
 * the picture copied back to the middle. On llvmpipe the copy is a memcpy
 * of the whole plot on the calling thread, a fifth of a partial frame. */
#define BASE_SLIDE 512

static void
ensure_base (QlGlBackend *self, int w, int h)
{
  GLint max_size = 0;
  int tex_w;

  if (self->base_tex[0] != 0 && self->base_w == w && self->base_h == h)
    return;
  glGetIntegerv (GL_MAX_TEXTURE_SIZE, &max_size);
  tex_w = w + BASE_SLIDE <= max_size ? w + BASE_SLIDE : w;
  if (self->base_tex[0] == 0)
    {
      glGenTextures (2, self->base_tex);
      glGenFramebuffers (2, self->base_fbo);
    }
  for (int i = 0; i < 2; i++)
    {
      glBindTexture (GL_TEXTURE_2D, self->base_tex[i]);
      glTexImage2D (GL_TEXTURE_2D, 0, GL_RGBA8, tex_w, h, 0, GL_RGBA, GL_UNSIGNED_BYTE, NULL);
      glTexParameteri (GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
      glTexParameteri (GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
      glBindFramebuffer (GL_FRAMEBUFFER, self->base_fbo[i]);
      glFramebufferTexture2D (GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, self->base_tex[i], 0);
    }
  self->base_w = w;
  self->base_h = h;
  self->base_tex_w = tex_w;
  self->base_origin = (tex_w - w) / 2;
  self->base_valid = FALSE;
}

/* Draws into the kept picture base[cur] from now on. */
static void
target_base (QlGlBackend *self)
{
  glBindFramebuffer (GL_FRAMEBUFFER, self->base_fbo[self->cur]);
  self->pass_w = self->base_tex_w;
  self->pass_origin = self->base_origin;
}

static void
begin_pass (QlGlBackend *self, const QlSceneFrame *frame)
{
  glViewport (0, 0, self->pass_w, frame->height);
  glDisable (GL_DEPTH_TEST);
  glDisable (GL_CULL_FACE);
  glEnable (GL_BLEND);
  glBlendFunc (GL_ONE, GL_ONE_MINUS_SRC_ALPHA);
  glEnable (GL_SCISSOR_TEST);
}

void
ql_gl_backend_draw (QlGlBackend *self, const QlSceneFrame *frame)
{
  QlColor bg;
  GLint target = 0;
  gboolean partial;
  guint overlay_from = frame != NULL ? frame->n_ops : 0;
  int k = 0, w, h;

  g_return_if_fail (self != NULL);
  g_return_if_fail (frame != NULL);

  memset (&self->stats, 0, sizeof self->stats);
  glGetIntegerv (GL_DRAW_FRAMEBUFFER_BINDING, &target);
  w = frame->width;
  h = frame->height;
  prepare_labels (self, frame);
  prepare_markers (self, frame);
  prepare_dashed (self, frame);
  prepare_columns (self, frame);
  pad_points (self->points, frame->points, frame->n_points);
  pad_points (self->points2, frame->points2, frame->n_points);
  ensure_base (self, w, h);
  partial = plan_partial (self, frame, &k, &overlay_from);
  if (!partial)
    {
      overlay_from = base_end (frame);
      self->stats.damaged_pixels = (guint) w * (guint) h;
    }
  self->stats.partial = partial;

  buffer_upload (self, &self->bufs[BUF_CANDLES], frame->candles,
                 frame->n_candles * sizeof (QlSceneCandle));
  buffer_upload (self, &self->bufs[BUF_BOXES], frame->boxes, frame->n_boxes * sizeof (QlSceneBox));
  buffer_upload (self, &self->bufs[BUF_SEGMENTS], frame->segments,
                 frame->n_segments * sizeof (QlSceneSegment));
  buffer_upload (self, &self->bufs[BUF_POINTS], self->points->data,
                 self->points->len * sizeof (QlPoint));
  buffer_upload (self, &self->bufs[BUF_POINTS2], self->points2->data,
                 self->points2->len * sizeof (QlPoint));
  buffer_upload (self, &self->bufs[BUF_DASHED], self->dashed->data,
                 self->dashed->len * sizeof (DashSegment));
  buffer_upload (self, &self->bufs[BUF_LABEL_BOXES], self->label_boxes->data,
                 self->label_boxes->len * sizeof (Box));
  buffer_upload (self, &self->bufs[BUF_GLYPHS], self->glyphs->data, self->glyphs->len * sizeof (Glyph));
  buffer_upload (self, &self->bufs[BUF_MARKER_BOXES], self->marker_boxes->data,
                 self->marker_boxes->len * sizeof (Box));
  buffer_upload (self, &self->bufs[BUF_MARKER_TRIS], self->marker_tris->data,
                 self->marker_tris->len * sizeof (TriVertex));
  buffer_upload (self, &self->bufs[BUF_BOX_GROUPS], self->box_groups->data,
                 self->box_groups->len * sizeof (BoxGroup));
  buffer_upload (self, &self->bufs[BUF_LINE_GROUPS], self->line_groups->data,
                 self->line_groups->len * sizeof (LineGroup));

  glBindVertexArray (self->vao);
  if (partial)
    {
      /* Scroll: what was at x + k is now at x. The picture slides in its
       * texture (the origin moves by k); where the origin would leave it,
       * the panes' plot areas are copied into the other texture with the
       * origin back in the middle. The axes and the vacated columns are
       * damage either way. */
      if (self->base_origin + k >= 0 && self->base_origin + k <= self->base_tex_w - w)
        self->base_origin += k;
      else
        {
          int pw = (int) (frame->panes[0].plot.x + frame->panes[0].plot.w);
          int ph = (int) frame->time_axis.y;
          int xa = MAX (-k, 0), cw = pw - abs (k), mid = (self->base_tex_w - w) / 2;
          int sx = self->base_origin + k + xa, dx = mid + xa;

          glDisable (GL_SCISSOR_TEST);
          glBindFramebuffer (GL_READ_FRAMEBUFFER, self->base_fbo[self->cur]);
          glBindFramebuffer (GL_DRAW_FRAMEBUFFER, self->base_fbo[1 - self->cur]);
          glBlitFramebuffer (sx, h - ph, sx + cw, h, dx, h - ph, dx + cw, h, GL_COLOR_BUFFER_BIT, GL_NEAREST);
          self->cur = 1 - self->cur;
          self->base_origin = mid;
        }
      target_base (self);
      begin_pass (self, frame);
      self->limited = TRUE;
      for (guint r = 0; r < self->damage->len; r++)
        {
          const PixelRect *pr = &g_array_index (self->damage, PixelRect, r);
          self->limit = (QlRect) { (float) pr->x0, (float) pr->y0, (float) (pr->x1 - pr->x0),
                                   (float) (pr->y1 - pr->y0) };
          for (guint i = 0; i < overlay_from; i++)
            draw_op_in (self, frame, i, pr);
        }
      self->limited = FALSE;
    }
  else
    {
      target_base (self);
      glEnable (GL_SCISSOR_TEST);
      glScissor (self->base_origin, 0, w, h);
      bg = frame->background;
      glClearColor (bg.r * bg.a, bg.g * bg.a, bg.b * bg.a, bg.a);
      glClear (GL_COLOR_BUFFER_BIT);
      begin_pass (self, frame);
      for (guint i = 0; i < overlay_from; i++)
        {
          const QlSceneOp *op = &frame->ops[i];
          if (op->count == 0)
            continue;
          set_clip (self, frame, op->clip);
          draw_op (self, frame, op, &g_array_index (self->column_plans, ColumnPlan, i));
        }
    }

  /* The kept picture to the caller's framebuffer, the overlays over it. */
  glDisable (GL_SCISSOR_TEST);
  glBindFramebuffer (GL_READ_FRAMEBUFFER, self->base_fbo[self->cur]);
  glBindFramebuffer (GL_DRAW_FRAMEBUFFER, (GLuint) target);
  glBlitFramebuffer (self->base_origin, 0, self->base_origin + w, h, 0, 0, w, h, GL_COLOR_BUFFER_BIT,
                     GL_NEAREST);
  glBindFramebuffer (GL_FRAMEBUFFER, (GLuint) target);
  self->pass_w = w;
  self->pass_origin = 0;
  begin_pass (self, frame);
  for (guint i = overlay_from; i < frame->n_ops; i++)
    {
      const QlSceneOp *op = &frame->ops[i];
      if (op->count == 0)
        continue;
      set_clip (self, frame, op->clip);
      draw_op (self, frame, op, &g_array_index (self->column_plans, ColumnPlan, i));
    }

  /* What the kept picture was drawn from. */
  self->base_valid = TRUE;
  g_array_set_size (self->prev_ops, 0);
  g_array_append_vals (self->prev_ops, frame->ops, frame->n_ops);
  g_array_set_size (self->prev_panes, 0);
  g_array_append_vals (self->prev_panes, frame->panes, frame->n_panes);
  self->prev_first = frame->first_bar;
  self->prev_bpp = frame->bars_per_px;
  self->prev_time_axis = frame->time_axis;
  self->prev_bg = frame->background;
  g_array_set_size (self->prev_markers, 0);
  g_array_append_vals (self->prev_markers, frame->markers, frame->n_markers);
  g_array_set_size (self->prev_label_x, frame->n_labels);
  for (guint i = 0; i < frame->n_labels; i++)
    g_array_index (self->prev_label_x, float, i) = frame->labels[i].x;

  glDisable (GL_SCISSOR_TEST);
  glBindVertexArray (0);
  glUseProgram (0);
}
