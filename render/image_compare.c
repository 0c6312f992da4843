/* render/image_compare.c — per-pixel image comparison for reference tests. */
#define G_LOG_DOMAIN "ql-render-image-compare"

#include "render/image_compare.h"

#include <gio/gio.h>
#include <stdlib.h>
#include <string.h>

static int
channel_delta (guint32 a, guint32 b, int shift)
{
  return abs ((int) ((a >> shift) & 0xff) - (int) ((b >> shift) & 0xff));
}

gboolean
ql_image_compare (cairo_surface_t  *actual,
                  cairo_surface_t  *expected,
                  int               tolerance,
                  QlImageDiff      *diff,
                  cairo_surface_t **diff_out)
{
  g_return_val_if_fail (actual != NULL && expected != NULL && diff != NULL, FALSE);
  memset (diff, 0, sizeof *diff);
  if (diff_out != NULL)
    *diff_out = NULL;
  cairo_surface_flush (actual);
  cairo_surface_flush (expected);
  int w = cairo_image_surface_get_width (actual), h = cairo_image_surface_get_height (actual);
  if (w != cairo_image_surface_get_width (expected) || h != cairo_image_surface_get_height (expected))
    return FALSE;

  gboolean a_alpha = cairo_image_surface_get_format (actual) == CAIRO_FORMAT_ARGB32;
  gboolean e_alpha = cairo_image_surface_get_format (expected) == CAIRO_FORMAT_ARGB32;
  const guint8 *ad = cairo_image_surface_get_data (actual);
  const guint8 *ed = cairo_image_surface_get_data (expected);
  int as = cairo_image_surface_get_stride (actual), es = cairo_image_surface_get_stride (expected);
  cairo_surface_t *out = NULL;
  guint8 *od = NULL;
  int os = 0;
  if (diff_out != NULL)
    {
      out = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, w, h);
      cairo_surface_flush (out);
      od = cairo_image_surface_get_data (out);
      os = cairo_image_surface_get_stride (out);
    }
  for (int y = 0; y < h; y++)
    {
      const guint32 *ar = (const guint32 *) (ad + (gsize) y * as);
      const guint32 *er = (const guint32 *) (ed + (gsize) y * es);
      for (int x = 0; x < w; x++)
        {
          guint32 a = a_alpha ? ar[x] : (ar[x] | 0xff000000u);
          guint32 e = e_alpha ? er[x] : (er[x] | 0xff000000u);
          int d = 0;
          for (int sh = 0; sh < 32; sh += 8)
            d = MAX (d, channel_delta (a, e, sh));
          diff->max_delta = MAX (diff->max_delta, d);
          gboolean bad = d > tolerance;
          if (bad)
            diff->n_different++;
          if (od != NULL)
            {
              guint32 *orow = (guint32 *) (od + (gsize) y * os);
              if (bad)
                orow[x] = 0xffff0000u;
              else
                {
                  /* The reference, faded to a quarter toward white. */
                  guint32 r = (e >> 16) & 0xff, g = (e >> 8) & 0xff, b = e & 0xff;
                  r = 255 - (255 - r) / 4, g = 255 - (255 - g) / 4, b = 255 - (255 - b) / 4;
                  orow[x] = 0xff000000u | r << 16 | g << 8 | b;
                }
            }
        }
    }
  diff->n_pixels = (guint) w * (guint) h;
  if (out != NULL)
    {
      cairo_surface_mark_dirty (out);
      *diff_out = out;
    }
  return TRUE;
}

gboolean
ql_image_check_reference (cairo_surface_t *actual,
                          const char      *ref_path,
                          const char      *out_dir,
                          int              tolerance,
                          double           max_fraction,
                          GError         **error)
{
  g_return_val_if_fail (actual != NULL && ref_path != NULL && out_dir != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  const char *update = g_getenv ("QL_UPDATE_REFS");
  if (update != NULL && strcmp (update, "1") == 0)
    {
      cairo_status_t st = cairo_surface_write_to_png (actual, ref_path);
      if (st != CAIRO_STATUS_SUCCESS)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: cannot write: %s", ref_path,
                       cairo_status_to_string (st));
          return FALSE;
        }
      return TRUE;
    }

  g_autofree char *base = g_path_get_basename (ref_path);
  char *dot = strrchr (base, '.');
  if (dot != NULL)
    *dot = '\0';
  g_autofree char *actual_name = g_strdup_printf ("%s-actual.png", base);
  g_autofree char *diff_name = g_strdup_printf ("%s-diff.png", base);
  g_autofree char *actual_path = g_build_filename (out_dir, actual_name, NULL);
  g_autofree char *diff_path = g_build_filename (out_dir, diff_name, NULL);

  cairo_surface_t *expected = cairo_image_surface_create_from_png (ref_path);
  if (cairo_surface_status (expected) != CAIRO_STATUS_SUCCESS)
    {
      cairo_surface_write_to_png (actual, actual_path);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "%s: cannot read the reference (%s); the actual image is %s "
                   "(QL_UPDATE_REFS=1 writes references)",
                   ref_path, cairo_status_to_string (cairo_surface_status (expected)), actual_path);
      cairo_surface_destroy (expected);
      return FALSE;
    }

  QlImageDiff d;
  cairo_surface_t *diff_img = NULL;
  gboolean same_size = ql_image_compare (actual, expected, tolerance, &d, &diff_img);
  gboolean ok = same_size && d.n_different <= max_fraction * d.n_pixels;
  if (!ok)
    {
      cairo_surface_write_to_png (actual, actual_path);
      if (diff_img != NULL)
        cairo_surface_write_to_png (diff_img, diff_path);
      if (!same_size)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                     "%s: size %dx%d, the actual image (%s) is %dx%d", ref_path,
                     cairo_image_surface_get_width (expected), cairo_image_surface_get_height (expected),
                     actual_path, cairo_image_surface_get_width (actual),
                     cairo_image_surface_get_height (actual));
      else
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                     "%s: %u of %u pixels differ by more than %d (at most %.3f%% may), "
                     "largest difference %d; see %s and %s",
                     ref_path, d.n_different, d.n_pixels, tolerance, max_fraction * 100, d.max_delta,
                     actual_path, diff_path);
    }
  if (diff_img != NULL)
    cairo_surface_destroy (diff_img);
  cairo_surface_destroy (expected);
  return ok;
}
