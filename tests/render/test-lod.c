/* tests/render/test-lod.c — the min/max pyramid of render/lod.h against a
 * plain loop over the rows. */
#include "render/lod.h"

#include <math.h>

/* The reference: min of lo and max of hi over [a, b), NaN ignored. */
static void
brute (const double *hi, const double *lo, gsize a, gsize b, double *mn, double *mx)
{
  *mn = NAN;
  *mx = NAN;
  for (gsize i = a; i < b; i++)
    {
      if (!isnan (lo[i]) && (isnan (*mn) || lo[i] < *mn))
        *mn = lo[i];
      if (!isnan (hi[i]) && (isnan (*mx) || hi[i] > *mx))
        *mx = hi[i];
    }
}

static void
assert_same (double got, double want)
{
  if (isnan (want))
    g_assert_true (isnan (got));
  else
    g_assert_cmpfloat (got, ==, want);
}

static void
fill (double *hi, double *lo, gsize n, guint32 seed)
{
  GRand *r = g_rand_new_with_seed (seed);
  for (gsize i = 0; i < n; i++)
    {
      double v = g_rand_double_range (r, -100, 100);
      hi[i] = v + g_rand_double_range (r, 0, 5);
      lo[i] = v - g_rand_double_range (r, 0, 5);
      if (g_rand_int_range (r, 0, 17) == 0)
        hi[i] = lo[i] = NAN; /* a gap */
    }
  g_rand_free (r);
}

static void
test_small_by_hand (void)
{
  /* Rows 0..4: hi 3 1 4 1 5, lo 2 0 3 0 4. */
  const double hi[] = { 3, 1, 4, 1, 5 }, lo[] = { 2, 0, 3, 0, 4 };
  g_autoptr (QlLod) lod = ql_lod_new ();
  double mn, mx;

  g_test_summary ("Ranges over five rows give the min and max read off by hand");
  ql_lod_sync (lod, hi, lo, 5, 0);
  g_assert_cmpuint (ql_lod_get_len (lod), ==, 5);
  ql_lod_range (lod, hi, lo, 0, 5, &mn, &mx);
  g_assert_cmpfloat (mn, ==, 0);
  g_assert_cmpfloat (mx, ==, 5);
  ql_lod_range (lod, hi, lo, 2, 3, &mn, &mx); /* row 2 alone */
  g_assert_cmpfloat (mn, ==, 3);
  g_assert_cmpfloat (mx, ==, 4);
  ql_lod_range (lod, hi, lo, 0, 3, &mn, &mx); /* rows 0-2: lo 2 0 3, hi 3 1 4 */
  g_assert_cmpfloat (mn, ==, 0);
  g_assert_cmpfloat (mx, ==, 4);
  ql_lod_range (lod, hi, lo, 2, 100, &mn, &mx); /* clamped to rows 2-4 */
  g_assert_cmpfloat (mn, ==, 0);
  g_assert_cmpfloat (mx, ==, 5);
  ql_lod_range (lod, hi, lo, 3, 3, &mn, &mx); /* empty */
  g_assert_true (isnan (mn) && isnan (mx));
}

static void
test_random_ranges (void)
{
  const gsize n = 5000;
  g_autofree double *hi = g_new (double, n);
  g_autofree double *lo = g_new (double, n);
  g_autoptr (QlLod) lod = ql_lod_new ();
  GRand *r = g_rand_new_with_seed (7);

  g_test_summary ("Every random range of 5000 rows with gaps matches a loop over the rows");
  fill (hi, lo, n, 42);
  ql_lod_sync (lod, hi, lo, n, 0);
  for (int k = 0; k < 20000; k++)
    {
      gsize a = (gsize) g_rand_int_range (r, 0, (gint32) n);
      gsize b = a + (gsize) g_rand_int_range (r, 0, (gint32) (n - a) + 1);
      double mn, mx, emn, emx;
      ql_lod_range (lod, hi, lo, a, b, &mn, &mx);
      brute (hi, lo, a, b, &emn, &emx);
      assert_same (mn, emn);
      assert_same (mx, emx);
    }
  g_rand_free (r);
}

static void
test_append_and_change_last (void)
{
  const gsize n = 3000;
  g_autofree double *hi = g_new (double, n);
  g_autofree double *lo = g_new (double, n);
  g_autoptr (QlLod) inc = ql_lod_new ();
  g_autoptr (QlLod) full = ql_lod_new ();

  g_test_summary ("Appending rows one by one, with the forming last row changing, "
                  "gives the pyramid built at once");
  fill (hi, lo, n, 99);
  for (gsize len = 1; len <= n; len++)
    {
      /* The forming row first shows a smaller range, then its final one. */
      double h = hi[len - 1], l = lo[len - 1];
      hi[len - 1] = isnan (h) ? h : h - 1;
      lo[len - 1] = isnan (l) ? l : l + 1;
      ql_lod_sync (inc, hi, lo, len, len - 1);
      hi[len - 1] = h;
      lo[len - 1] = l;
      ql_lod_sync (inc, hi, lo, len, len - 1);
    }
  ql_lod_sync (full, hi, lo, n, 0);
  for (gsize a = 0; a < n; a += 37)
    for (gsize b = a; b <= n; b += 101)
      {
        double m1, x1, m2, x2, emn, emx;
        ql_lod_range (inc, hi, lo, a, b, &m1, &x1);
        ql_lod_range (full, hi, lo, a, b, &m2, &x2);
        brute (hi, lo, a, b, &emn, &emx);
        assert_same (m1, emn);
        assert_same (x1, emx);
        assert_same (m2, emn);
        assert_same (x2, emx);
      }

  /* Truncation forgets the dropped rows. */
  ql_lod_sync (inc, hi, lo, 100, 100);
  g_assert_cmpuint (ql_lod_get_len (inc), ==, 100);
  double mn, mx, emn, emx;
  ql_lod_range (inc, hi, lo, 0, n, &mn, &mx);
  brute (hi, lo, 0, 100, &emn, &emx);
  assert_same (mn, emn);
  assert_same (mx, emx);
}

static void
test_all_gaps (void)
{
  const double v[] = { NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, 1 };
  g_autoptr (QlLod) lod = ql_lod_new ();
  double mn, mx;

  g_test_summary ("A range of gaps only is NaN; one number among gaps is that number");
  ql_lod_sync (lod, v, v, 9, 0);
  ql_lod_range (lod, v, v, 0, 8, &mn, &mx);
  g_assert_true (isnan (mn) && isnan (mx));
  ql_lod_range (lod, v, v, 0, 9, &mn, &mx);
  g_assert_cmpfloat (mn, ==, 1);
  g_assert_cmpfloat (mx, ==, 1);
  ql_lod_free (NULL);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/render/lod/range/by-hand", test_small_by_hand);
  g_test_add_func ("/render/lod/range/random", test_random_ranges);
  g_test_add_func ("/render/lod/sync/append-and-change-last", test_append_and_change_last);
  g_test_add_func ("/render/lod/range/gaps", test_all_gaps);
  return g_test_run ();
}
