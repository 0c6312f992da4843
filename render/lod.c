/* render/lod.c — the min/max pyramid of render/lod.h. */
#define G_LOG_DOMAIN "ql-render-lod"

#include "render/lod.h"

#include <math.h>

#define MAX_LEVELS 48

typedef struct
{
  double *mm;        /* n complete blocks of 2^level rows: min, max interleaved
                      * so one cache line serves both */
  gsize n, cap;
} Level;

struct QlLod
{
  gsize len;
  guint n_levels;            /* levels[1 .. n_levels] in use */
  Level levels[MAX_LEVELS];  /* levels[0] unused: the data itself */
};

/* Minimum and maximum ignoring a NaN argument (the gap rule), inline:
 * libm's fmin/fmax are calls and this is the LOD inner loop. */
static inline double
nan_min (double a, double b)
{
  return (b < a || a != a) ? b : a;
}

static inline double
nan_max (double a, double b)
{
  return (b > a || a != a) ? b : a;
}

QlLod *
ql_lod_new (void)
{
  return g_new0 (QlLod, 1);
}

void
ql_lod_free (QlLod *self)
{
  if (self == NULL)
    return;
  for (guint k = 1; k < MAX_LEVELS; k++)
    {
      g_free (self->levels[k].mm);
    }
  g_free (self);
}

gsize
ql_lod_get_len (const QlLod *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->len;
}

static void
level_reserve (Level *lv, gsize n)
{
  if (n <= lv->cap)
    return;
  gsize cap = MAX (lv->cap * 2, MAX (n, 16));
  lv->mm = g_renew (double, lv->mm, 2 * cap);
  lv->cap = cap;
}

void
ql_lod_sync (QlLod        *self,
             const double *hi,
             const double *lo,
             gsize         len,
             gsize         first_changed)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (len == 0 || (hi != NULL && lo != NULL));

  first_changed = MIN (first_changed, MIN (len, self->len));
  self->len = len;
  /* Block j of level k covers rows [j·2^k, (j+1)·2^k); it changes when it
   * contains a row >= first_changed, i.e. from j = first_changed >> k. */
  guint k;
  for (k = 1; k < MAX_LEVELS && (len >> k) > 0; k++)
    {
      Level *lv = &self->levels[k];
      gsize n = len >> k;
      gsize j0 = first_changed >> k;
      level_reserve (lv, n);
      if (k == 1)
        for (gsize j = j0; j < n; j++)
          {
            lv->mm[2 * j] = nan_min (lo[2 * j], lo[2 * j + 1]);
            lv->mm[2 * j + 1] = nan_max (hi[2 * j], hi[2 * j + 1]);
          }
      else
        {
          const Level *below = &self->levels[k - 1];
          for (gsize j = j0; j < n; j++)
            {
              lv->mm[2 * j] = nan_min (below->mm[4 * j], below->mm[4 * j + 2]);
              lv->mm[2 * j + 1] = nan_max (below->mm[4 * j + 1], below->mm[4 * j + 3]);
            }
        }
      lv->n = n;
    }
  for (guint e = k; e <= self->n_levels && e < MAX_LEVELS; e++)
    self->levels[e].n = 0;
  self->n_levels = k - 1;
}

void
ql_lod_range (const QlLod  *self,
              const double *hi,
              const double *lo,
              gsize         from,
              gsize         to,
              double       *min,
              double       *max)
{
  g_return_if_fail (self != NULL && min != NULL && max != NULL);

  double mn = NAN, mx = NAN;
  gsize a = from, b = MIN (to, self->len);
  if (a < b)
    {
      /* Bottom up, as in a segment tree: at each level take the odd block
       * at either end, then halve. Every block taken lies inside [from, to),
       * hence is complete and stored. */
      if (a & 1)
        mn = nan_min (mn, lo[a]), mx = nan_max (mx, hi[a]), a++;
      if (b & 1)
        b--, mn = nan_min (mn, lo[b]), mx = nan_max (mx, hi[b]);
      a >>= 1;
      b >>= 1;
      for (guint k = 1; a < b; k++)
        {
          const Level *lv = &self->levels[k];
          if (a & 1)
            mn = nan_min (mn, lv->mm[2 * a]), mx = nan_max (mx, lv->mm[2 * a + 1]), a++;
          if (b & 1)
            b--, mn = nan_min (mn, lv->mm[2 * b]), mx = nan_max (mx, lv->mm[2 * b + 1]);
          a >>= 1;
          b >>= 1;
        }
    }
  *min = mn;
  *max = mx;
}
