/* render/export.c — PNG export through the cairo backend. */
#define G_LOG_DOMAIN "ql-render-export"

#include "render/export.h"

#include "render/cairo_backend.h"

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
    default:
      g_set_error (error, QL_EXPORT_ERROR, QL_EXPORT_ERROR_UNAVAILABLE,
                   "the OpenGL offscreen backend is not built in; use the cairo backend");
      return FALSE;
    }
}
