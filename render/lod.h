/* render/lod.h — min/max pyramid over a column of doubles, for level of detail.
 *
 * Level k (k >= 1) holds, for every complete block of 2^k rows starting at a
 * multiple of 2^k, the minimum and maximum of the rows (NaN rows ignored; a
 * block of NaN only is NaN). Level 0 is the data itself and is not copied.
 * A range query splits [from, to) into at most 2·log2(n) aligned blocks, so
 * the min/max of one pixel column costs O(log n) whatever its bar count, and
 * a frame O(width · log n). Appending rows extends each level by the blocks
 * they complete; changing rows (the forming last bar) recomputes only the
 * blocks that contain them. The pyramid takes about as much memory as the
 * column (n/2 + n/4 + ... pairs).
 *
 * Two input columns are supported so that a bar series' high (for maxima)
 * and low (for minima) share one pyramid; for a single column pass it twice. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct QlLod QlLod;

QlLod  *ql_lod_new (void);                                  /* (transfer full) */
void    ql_lod_free (QlLod *self);                          /* NULL is a no-op */

/* Brings the pyramid up to @len rows of @hi (maxima) and @lo (minima), of
 * which rows from @first_changed on may differ from the last call (pass the
 * previous length when rows were only appended). @len below the previous
 * length truncates. O((len - first_changed) + log len). */
void    ql_lod_sync (QlLod        *self,
                     const double *hi,
                     const double *lo,
                     gsize         len,
                     gsize         first_changed);

gsize   ql_lod_get_len (const QlLod *self);

/* Minimum of @lo and maximum of @hi over rows [@from, @to), clamped to the
 * synced length; NaN for both when the range holds no number. @hi and @lo
 * are the columns last passed to ql_lod_sync (they may have moved since, as
 * long as they hold the same values). */
void    ql_lod_range (const QlLod  *self,
                      const double *hi,
                      const double *lo,
                      gsize         from,
                      gsize         to,
                      double       *min,
                      double       *max);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QlLod, ql_lod_free)

G_END_DECLS
