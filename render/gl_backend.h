/* render/gl_backend.h — draws a laid-out scene frame with OpenGL.
 *
 * The OpenGL twin of render/cairo_backend.h: it rasterises a QlSceneFrame
 * op by op, deciding no position, colour or text of its own, so the two
 * stay pixel-close. Coverage is computed analytically in the fragment
 * shaders (the area of a pixel inside a box, the distance to a segment),
 * which is what cairo's default antialiasing computes.
 *
 * GPU data: one buffer per kind of frame array (candles, boxes, segments,
 * points, markers, label quads), each drawn instanced by the ops that slice
 * it. A frame holds O(width in pixels) elements whatever the zoom (the
 * scene's level of detail), so no buffer ever holds the whole series. The
 * backend keeps what it uploaded last and sends only the elements from the
 * first one that changed: when a bar is appended or the forming bar
 * changes under a still viewport, only the tail goes to the GPU.
 *
 * Dense ops are drawn by column passes (see ql_gl_backend_set_column_passes
 * ()): one quad per four pixel columns, so that a software rasteriser,
 * which shades 4x4 blocks per triangle, shades each block once.
 *
 * Text is rasterised once per (text, size, weight) with pango into a
 * coverage atlas (one R8 texture) and drawn as tinted quads; unchanged text
 * is never rasterised again.
 *
 * Every call needs the backend's GL context current (GL 3.3 core or GLES
 * 3.0, through libepoxy). */
#pragma once

#include "render/scene.h"

#include <glib.h>

G_BEGIN_DECLS

typedef struct QlGlBackend QlGlBackend;

#define QL_GL_BACKEND_ERROR (ql_gl_backend_error_quark ())
GQuark ql_gl_backend_error_quark (void);

typedef enum
{
  QL_GL_BACKEND_ERROR_SHADER,      /* a shader did not compile or link */
  QL_GL_BACKEND_ERROR_UNSUPPORTED, /* the context is older than GL 3.3 / GLES 3.0 */
} QlGlBackendError;

/* What the last ql_gl_backend_draw () did, for tests and benchmarks. */
typedef struct
{
  guint draw_calls;
  guint instances;        /* candles, boxes, segments, glyph quads... drawn */
  gsize bytes_uploaded;   /* buffer bytes sent to the GPU by this frame */
  guint labels_rasterised;/* labels that were not in the atlas yet */
  gboolean partial;       /* the last picture was scrolled and only what changed drawn */
  guint damaged_pixels;   /* pixels drawn again by a partial frame (its damage rectangles) */
} QlGlFrameStats;

/* Compiles the programs in the current context. (transfer full) */
QlGlBackend *ql_gl_backend_new (GError **error);
/* The context it was made in must be current. NULL is a no-op. */
void         ql_gl_backend_free (QlGlBackend *self);

/* Draws @frame into the framebuffer bound now (its size must be the
 * frame's), clearing it to the frame's background first.
 *
 * The backend keeps the last picture, without its overlays (the ops after
 * the last op that scrolls: price lines, borders, crosshair, legend), in a
 * texture of its own, and copies it to the framebuffer bound before drawing
 * the overlays over it; so the bound framebuffer need not keep anything
 * between frames (a GtkGLArea's does not). When the next frame has the same
 * panes and scales and its viewport moved by whole pixels (or not at all:
 * a new bar, the forming bar), the kept picture is scrolled by a copy and
 * only what differs is drawn again: the elements of the scrolling ops that
 * are not the last frame's moved by the scroll (a new bar, a changed bar,
 * the bars that came in at an edge), with a margin for joins and
 * antialiasing, the price and time axes, and the vacated columns. The
 * pixels are those a full drawing gives. */
void         ql_gl_backend_draw (QlGlBackend        *self,
                                 const QlSceneFrame *frame);

/* The next ql_gl_backend_draw () draws everything (tests and benchmarks
 * compare a partial frame with it). */
void         ql_gl_backend_invalidate (QlGlBackend *self);

/* Bytes the backend holds on the GPU: buffers, the label atlas and the
 * kept pictures. */
gsize        ql_gl_backend_get_gpu_bytes (const QlGlBackend *self);
void         ql_gl_backend_get_stats (const QlGlBackend *self,
                                      QlGlFrameStats    *stats);
/* Dense ops (histograms, LOD candles and zigzag lines, 64 elements or more)
 * are drawn one quad per four pixel columns rather than one per element:
 * the same pixels at a fraction of a software rasteriser's cost. FALSE
 * draws them with the per-element programs, the reference the tests and
 * benchmarks compare the column passes with. Default TRUE. */
void         ql_gl_backend_set_column_passes (QlGlBackend *self,
                                              gboolean     enabled);

/* Compiles and links a program from GLSL without a #version line (the
 * backend adds "#version 330 core" or "#version 300 es"). On failure the
 * message lists the driver's errors as "NAME.vert:LINE:COLUMN: error: ...",
 * lines counted in @vertex_source / @fragment_source. Returns the program's
 * GL name, 0 on error. */
unsigned int ql_gl_backend_compile_program (const char  *name,
                                            const char  *vertex_source,
                                            const char  *fragment_source,
                                            GError     **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QlGlBackend, ql_gl_backend_free)

G_END_DECLS
