/* render/export.c — PNG export through the cairo backend or, headless,
 * through the OpenGL backend on an EGL surfaceless context. */
#define G_LOG_DOMAIN "ql-render-export"

#include "render/export.h"

#include "render/cairo_backend.h"
#include "render/gl_backend.h"
#include "render/gl_offscreen.h"

#include <errno.h>

G_DEFINE_QUARK (ql-export-error-quark, ql_export_error)

static gboolean
export_cairo (QlScene *scene, const char *path, GError **error)
{
  cairo_surface_t *surface = ql_cairo_render_scene (scene);
  cairo_status_t st = cairo_surface_status (surface);
  if (st == CAIRO_STATUS_SUCCESS)
    st = cairo_surface_write_to_png (surface, path);
  cairo_surface_destroy (surface);
  if (st != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, QL_EXPORT_ERROR, QL_EXPORT_ERROR_WRITE, "%s: cannot write PNG: %s",
                   path, cairo_status_to_string (st));
      return FALSE;
    }
  return TRUE;
}

static gboolean
export_gl (QlScene *scene, const char *path, GError **error)
{
  const QlSceneFrame *f = ql_scene_layout (scene);
  g_autoptr (GError) local = NULL;
  g_autoptr (QlGlOffscreen) gl = ql_gl_offscreen_new (f->width, f->height, &local);
  if (gl == NULL)
    {
      g_set_error (error, QL_EXPORT_ERROR, QL_EXPORT_ERROR_UNAVAILABLE,
                   "no OpenGL context for offscreen rendering: %s", local->message);
      return FALSE;
    }
  QlGlBackend *backend = ql_gl_backend_new (&local);
  if (backend == NULL)
    {
      g_set_error (error, QL_EXPORT_ERROR, QL_EXPORT_ERROR_UNAVAILABLE,
                   "the OpenGL backend cannot draw here: %s", local->message);
      return FALSE;
    }
  ql_gl_backend_draw (backend, f);
  gboolean ok = ql_gl_offscreen_write_png (gl, path, &local);
  ql_gl_backend_free (backend);
  if (!ok)
    {
      g_set_error (error, QL_EXPORT_ERROR, QL_EXPORT_ERROR_WRITE, "%s", local->message);
      return FALSE;
    }
  return TRUE;
}

gboolean
ql_export_png (QlScene         *scene,
               QlRenderBackend  backend,
               const char      *path,
               GError         **error)
{
  g_return_val_if_fail (scene != NULL && path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  switch (backend)
    {
    case QL_RENDER_BACKEND_CAIRO:
      return export_cairo (scene, path, error);
    case QL_RENDER_BACKEND_GL:
      return export_gl (scene, path, error);
    default:
      g_return_val_if_reached (FALSE);
    }
}
