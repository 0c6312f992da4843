/* render/image_compare.h — per-pixel comparison of rendered charts with
 * reference PNGs, for the cairo and GL reference-image tests.
 *
 * Two pixels match when every channel (alpha, red, green, blue, 0..255)
 * differs by at most the tolerance; an image matches when at most a given
 * fraction of its pixels do not. On a mismatch the check writes the actual
 * image and a diff image (mismatching pixels red over a faded copy of the
 * reference) for a person to look at. */
#pragma once

#include <cairo.h>
#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  guint n_pixels;     /* compared */
  guint n_different;  /* beyond the tolerance */
  int max_delta;      /* the largest channel difference seen, 0..255 */
} QlImageDiff;

/* Compares two image surfaces of one size (ARGB32 or RGB24). @diff_out
 * (nullable) receives a new diff image, (transfer full). Returns FALSE
 * (and compares nothing) when the sizes differ. */
gboolean ql_image_compare (cairo_surface_t  *actual,
                           cairo_surface_t  *expected,
                           int               tolerance,
                           QlImageDiff      *diff,
                           cairo_surface_t **diff_out);

/* Compares @actual with the PNG at @ref_path. On a mismatch (or a missing
 * or unreadable reference) writes @out_dir/NAME-actual.png and
 * @out_dir/NAME-diff.png, NAME being the reference's base name, and fails
 * with a message naming them and the counts. With QL_UPDATE_REFS=1 in the
 * environment it writes @actual to @ref_path instead and succeeds. */
gboolean ql_image_check_reference (cairo_surface_t *actual,
                                   const char      *ref_path,
                                   const char      *out_dir,
                                   int              tolerance,
                                   double           max_fraction,
                                   GError         **error);

G_END_DECLS
