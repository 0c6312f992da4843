/* render/export.h — a scene to a PNG file, headless.
 *
 * The cairo backend renders here; the GL backend's offscreen path joins
 * through the QlRenderBackend switch. */
#pragma once

#include "render/scene.h"

G_BEGIN_DECLS

#define QL_EXPORT_ERROR (ql_export_error_quark ())
GQuark ql_export_error_quark (void);

typedef enum
{
  QL_EXPORT_ERROR_WRITE,       /* the file could not be written */
  QL_EXPORT_ERROR_UNAVAILABLE, /* the backend cannot render here */
  QL_EXPORT_ERROR_FAILED,
} QlExportError;

typedef enum
{
  QL_RENDER_BACKEND_CAIRO,
  QL_RENDER_BACKEND_GL,
} QlRenderBackend;

/* Renders @scene at its size with @backend and writes @path as PNG. */
gboolean ql_export_png (QlScene         *scene,
                        QlRenderBackend  backend,
                        const char      *path,
                        GError         **error);

G_END_DECLS
