/* render/gl_offscreen.c — EGL surfaceless context, FBO, read-back. */
#define G_LOG_DOMAIN "ql-render-gl-offscreen"

#include "render/gl_offscreen.h"

#include <epoxy/egl.h>
#include <epoxy/gl.h>
#include <string.h>

#ifndef EGL_PLATFORM_SURFACELESS_MESA
#define EGL_PLATFORM_SURFACELESS_MESA 0x31DD
#endif

struct QlGlOffscreen
{
  EGLDisplay display;  /* process-wide, see get_display () */
  EGLContext context;
  gboolean gles;       /* GLES 3.x rather than desktop GL */
  int width, height;   /* pixels */
  GLuint fbo;
  GLuint color_rb;     /* RGBA8 renderbuffer */
  char *renderer;
  char *version;
};

G_DEFINE_QUARK (ql-gl-offscreen-error-quark, ql_gl_offscreen_error)

/* One display for the process: eglInitialize is not reference counted, so
 * terminating it when one offscreen goes would pull the rug from under
 * another. It lives until exit. */
static EGLDisplay
get_display (GError **error)
{
  static gsize inited = 0;
  static EGLDisplay display = EGL_NO_DISPLAY;

  if (g_once_init_enter (&inited))
    {
      EGLDisplay d = EGL_NO_DISPLAY;
      EGLint major = 0, minor = 0;

      if (epoxy_has_egl_extension (EGL_NO_DISPLAY, "EGL_MESA_platform_surfaceless")
          && epoxy_has_egl_extension (EGL_NO_DISPLAY, "EGL_EXT_platform_base"))
        d = eglGetPlatformDisplayEXT (EGL_PLATFORM_SURFACELESS_MESA, EGL_DEFAULT_DISPLAY, NULL);
      if (d == EGL_NO_DISPLAY)
        d = eglGetDisplay (EGL_DEFAULT_DISPLAY);
      if (d != EGL_NO_DISPLAY && !eglInitialize (d, &major, &minor))
        d = EGL_NO_DISPLAY;
      display = d;
      g_once_init_leave (&inited, 1);
    }
  if (display == EGL_NO_DISPLAY)
    g_set_error (error, QL_GL_OFFSCREEN_ERROR, QL_GL_OFFSCREEN_ERROR_NO_DISPLAY,
                 "no EGL display: neither the surfaceless platform nor the default display "
                 "could be initialised (EGL error 0x%x)", eglGetError ());
  return display;
}

static EGLContext
create_context (EGLDisplay d, gboolean gles)
{
  static const EGLint gl_attrs[] = {
    EGL_CONTEXT_MAJOR_VERSION, 3,
    EGL_CONTEXT_MINOR_VERSION, 3,
    EGL_CONTEXT_OPENGL_PROFILE_MASK, EGL_CONTEXT_OPENGL_CORE_PROFILE_BIT,
    EGL_NONE
  };
  static const EGLint gles_attrs[] = {
    EGL_CONTEXT_MAJOR_VERSION, 3,
    EGL_CONTEXT_MINOR_VERSION, 0,
    EGL_NONE
  };

  if (!eglBindAPI (gles ? EGL_OPENGL_ES_API : EGL_OPENGL_API))
    return EGL_NO_CONTEXT;
  return eglCreateContext (d, EGL_NO_CONFIG_KHR, EGL_NO_CONTEXT, gles ? gles_attrs : gl_attrs);
}

static gboolean
alloc_framebuffer (QlGlOffscreen *self, int width, int height, GError **error)
{
  GLenum status;

  if (self->fbo == 0)
    {
      glGenFramebuffers (1, &self->fbo);
      glGenRenderbuffers (1, &self->color_rb);
    }
  glBindRenderbuffer (GL_RENDERBUFFER, self->color_rb);
  glRenderbufferStorage (GL_RENDERBUFFER, GL_RGBA8, width, height);
  glBindFramebuffer (GL_FRAMEBUFFER, self->fbo);
  glFramebufferRenderbuffer (GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_RENDERBUFFER,
                             self->color_rb);
  status = glCheckFramebufferStatus (GL_FRAMEBUFFER);
  if (status != GL_FRAMEBUFFER_COMPLETE)
    {
      g_set_error (error, QL_GL_OFFSCREEN_ERROR, QL_GL_OFFSCREEN_ERROR_FRAMEBUFFER,
                   "the %dx%d framebuffer is incomplete (status 0x%x)", width, height, status);
      return FALSE;
    }
  self->width = width;
  self->height = height;
  glViewport (0, 0, width, height);
  return TRUE;
}

QlGlOffscreen *
ql_gl_offscreen_new (int width, int height, GError **error)
{
  return ql_gl_offscreen_new_for_api (width, height, QL_GL_API_ANY, error);
}

QlGlOffscreen *
ql_gl_offscreen_new_for_api (int width, int height, QlGlApi api, GError **error)
{
  g_autoptr (QlGlOffscreen) self = NULL;
  EGLDisplay d;

  g_return_val_if_fail (width > 0 && height > 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  d = get_display (error);
  if (d == EGL_NO_DISPLAY)
    return NULL;
  if (!epoxy_has_egl_extension (d, "EGL_KHR_no_config_context")
      || !epoxy_has_egl_extension (d, "EGL_KHR_surfaceless_context"))
    {
      g_set_error (error, QL_GL_OFFSCREEN_ERROR, QL_GL_OFFSCREEN_ERROR_NO_CONTEXT,
                   "the EGL display lacks EGL_KHR_no_config_context or "
                   "EGL_KHR_surfaceless_context");
      return NULL;
    }

  self = g_new0 (QlGlOffscreen, 1);
  self->display = d;
  self->context = EGL_NO_CONTEXT;
  if (api != QL_GL_API_GLES)
    self->context = create_context (d, FALSE);
  if (self->context == EGL_NO_CONTEXT && api != QL_GL_API_DESKTOP)
    {
      self->gles = TRUE;
      self->context = create_context (d, TRUE);
    }
  if (self->context == EGL_NO_CONTEXT)
    {
      g_set_error (error, QL_GL_OFFSCREEN_ERROR, QL_GL_OFFSCREEN_ERROR_NO_CONTEXT,
                   "%s could be created (EGL error 0x%x)",
                   api == QL_GL_API_DESKTOP ? "no OpenGL 3.3 core context"
                   : api == QL_GL_API_GLES ? "no OpenGL ES 3.0 context"
                   : "neither an OpenGL 3.3 core nor an OpenGL ES 3.0 context",
                   eglGetError ());
      return NULL;
    }
  if (!eglMakeCurrent (d, EGL_NO_SURFACE, EGL_NO_SURFACE, self->context))
    {
      g_set_error (error, QL_GL_OFFSCREEN_ERROR, QL_GL_OFFSCREEN_ERROR_NO_CONTEXT,
                   "eglMakeCurrent without a surface failed (EGL error 0x%x)", eglGetError ());
      return NULL;
    }
  self->renderer = g_strdup ((const char *) glGetString (GL_RENDERER));
  self->version = g_strdup ((const char *) glGetString (GL_VERSION));
  if (!alloc_framebuffer (self, width, height, error))
    return NULL;
  return g_steal_pointer (&self);
}

void
ql_gl_offscreen_free (QlGlOffscreen *self)
{
  if (self == NULL)
    return;
  if (self->context != EGL_NO_CONTEXT)
    {
      if (eglMakeCurrent (self->display, EGL_NO_SURFACE, EGL_NO_SURFACE, self->context))
        {
          if (self->fbo)
            glDeleteFramebuffers (1, &self->fbo);
          if (self->color_rb)
            glDeleteRenderbuffers (1, &self->color_rb);
        }
      eglMakeCurrent (self->display, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
      eglDestroyContext (self->display, self->context);
    }
  g_free (self->renderer);
  g_free (self->version);
  g_free (self);
}

gboolean
ql_gl_offscreen_make_current (QlGlOffscreen *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  if (!eglMakeCurrent (self->display, EGL_NO_SURFACE, EGL_NO_SURFACE, self->context))
    return FALSE;
  glBindFramebuffer (GL_FRAMEBUFFER, self->fbo);
  glViewport (0, 0, self->width, self->height);
  return TRUE;
}

gboolean
ql_gl_offscreen_resize (QlGlOffscreen *self, int width, int height, GError **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (width > 0 && height > 0, FALSE);
  if (width == self->width && height == self->height)
    return ql_gl_offscreen_make_current (self);
  if (!ql_gl_offscreen_make_current (self))
    {
      g_set_error (error, QL_GL_OFFSCREEN_ERROR, QL_GL_OFFSCREEN_ERROR_FAILED,
                   "eglMakeCurrent failed (EGL error 0x%x)", eglGetError ());
      return FALSE;
    }
  return alloc_framebuffer (self, width, height, error);
}

int
ql_gl_offscreen_get_width (const QlGlOffscreen *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->width;
}

int
ql_gl_offscreen_get_height (const QlGlOffscreen *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->height;
}

unsigned int
ql_gl_offscreen_get_framebuffer (const QlGlOffscreen *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->fbo;
}

const char *
ql_gl_offscreen_get_renderer (const QlGlOffscreen *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->renderer;
}

const char *
ql_gl_offscreen_get_version (const QlGlOffscreen *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->version;
}

gboolean
ql_gl_offscreen_is_gles (const QlGlOffscreen *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->gles;
}

cairo_surface_t *
ql_gl_offscreen_read (QlGlOffscreen *self)
{
  cairo_surface_t *surface;
  guint8 *rgba, *dst;
  int stride, w, h;

  g_return_val_if_fail (self != NULL, NULL);
  if (!ql_gl_offscreen_make_current (self))
    return NULL;
  w = self->width;
  h = self->height;
  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, w, h);
  stride = cairo_image_surface_get_stride (surface);
  rgba = g_malloc ((gsize) w * h * 4);
  glPixelStorei (GL_PACK_ALIGNMENT, 4);
  glReadPixels (0, 0, w, h, GL_RGBA, GL_UNSIGNED_BYTE, rgba);

  /* GL rows go bottom-up with RGBA bytes; cairo's go top-down as native
   * 32-bit ARGB words. Both are premultiplied: the backend blends so. */
  cairo_surface_flush (surface);
  dst = cairo_image_surface_get_data (surface);
  for (int y = 0; y < h; y++)
    {
      const guint8 *s = rgba + (gsize) (h - 1 - y) * w * 4;
      guint32 *d = (guint32 *) (dst + (gsize) y * stride);
      for (int x = 0; x < w; x++, s += 4)
        d[x] = ((guint32) s[3] << 24) | ((guint32) s[0] << 16) | ((guint32) s[1] << 8) | s[2];
    }
  cairo_surface_mark_dirty (surface);
  g_free (rgba);
  return surface;
}

gboolean
ql_gl_offscreen_write_png (QlGlOffscreen *self, const char *path, GError **error)
{
  cairo_surface_t *surface;
  cairo_status_t status;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  surface = ql_gl_offscreen_read (self);
  if (surface == NULL)
    {
      g_set_error (error, QL_GL_OFFSCREEN_ERROR, QL_GL_OFFSCREEN_ERROR_FAILED,
                   "%s: the GL context could not be made current", path);
      return FALSE;
    }
  status = cairo_surface_write_to_png (surface, path);
  cairo_surface_destroy (surface);
  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "%s: %s", path,
                   cairo_status_to_string (status));
      return FALSE;
    }
  return TRUE;
}
