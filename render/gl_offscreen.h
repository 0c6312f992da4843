/* render/gl_offscreen.h — an OpenGL context with no window, for PNG export
 * and the GL reference-image tests.
 *
 * EGL on the surfaceless platform (Mesa): the context is created with
 * EGL_NO_CONFIG_KHR and made current with EGL_NO_SURFACE, so no display
 * server is needed. Drawing goes into a framebuffer object of the size
 * asked for; ql_gl_offscreen_read () copies it back (glReadPixels) into a
 * cairo image surface, flipped to top-down rows. Desktop GL 3.3 core is
 * asked for first, GLES 3.0 where only that exists. */
#pragma once

#include <cairo.h>
#include <glib.h>

G_BEGIN_DECLS

typedef struct QlGlOffscreen QlGlOffscreen;

#define QL_GL_OFFSCREEN_ERROR (ql_gl_offscreen_error_quark ())
GQuark ql_gl_offscreen_error_quark (void);

typedef enum
{
  QL_GL_OFFSCREEN_ERROR_NO_DISPLAY, /* no EGL display could be opened */
  QL_GL_OFFSCREEN_ERROR_NO_CONTEXT, /* no GL 3.3 core nor GLES 3.0 context */
  QL_GL_OFFSCREEN_ERROR_FRAMEBUFFER,/* the FBO is incomplete */
  QL_GL_OFFSCREEN_ERROR_FAILED,
} QlGlOffscreenError;

typedef enum
{
  QL_GL_API_ANY,     /* desktop GL 3.3 core, else GLES 3.0 */
  QL_GL_API_DESKTOP, /* desktop GL 3.3 core only */
  QL_GL_API_GLES,    /* GLES 3.0 only: what GL ES-only drivers give the widget */
} QlGlApi;

/* A current context with a @width x @height RGBA8 framebuffer bound.
 * (transfer full) */
QlGlOffscreen   *ql_gl_offscreen_new (int      width,
                                      int      height,
                                      GError **error);
/* The same, with the API chosen (the tests run every GL test on both). */
QlGlOffscreen   *ql_gl_offscreen_new_for_api (int      width,
                                              int      height,
                                              QlGlApi  api,
                                              GError **error);
void             ql_gl_offscreen_free (QlGlOffscreen *self);   /* NULL is a no-op */

/* Makes the context current again and binds the framebuffer. */
gboolean         ql_gl_offscreen_make_current (QlGlOffscreen *self);
/* Reallocates the framebuffer; the contents are undefined afterwards. */
gboolean         ql_gl_offscreen_resize (QlGlOffscreen *self,
                                         int            width,
                                         int            height,
                                         GError       **error);
int              ql_gl_offscreen_get_width (const QlGlOffscreen *self);
int              ql_gl_offscreen_get_height (const QlGlOffscreen *self);
/* The GL name of the framebuffer object to draw into. */
unsigned int     ql_gl_offscreen_get_framebuffer (const QlGlOffscreen *self);
/* GL_RENDERER and GL_VERSION, e.g. "llvmpipe (LLVM 15.0.6, 256 bits)". */
const char      *ql_gl_offscreen_get_renderer (const QlGlOffscreen *self);
const char      *ql_gl_offscreen_get_version (const QlGlOffscreen *self);
gboolean         ql_gl_offscreen_is_gles (const QlGlOffscreen *self);

/* Waits for the GPU and copies the framebuffer into a new ARGB32 surface,
 * first row at the top. (transfer full) */
cairo_surface_t *ql_gl_offscreen_read (QlGlOffscreen *self);
/* ql_gl_offscreen_read () written as PNG to @path. */
gboolean         ql_gl_offscreen_write_png (QlGlOffscreen *self,
                                            const char    *path,
                                            GError       **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QlGlOffscreen, ql_gl_offscreen_free)

G_END_DECLS
