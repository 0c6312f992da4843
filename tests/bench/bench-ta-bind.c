/* tests/bench/bench-ta-bind.c — ta.sma(30) and ta.macd(12, 26, 9) through
 * the language's binding (dsl/ta_bind.h: a row looked up by name, called
 * through its update pointer with QlScalar values) against the engine's
 * incremental kernel called directly, in ns per point over 1,000,000 points
 * of a seeded random walk.  The direct calls are the reference, measured in
 * the same run; each figure is the best of several repetitions.
 *
 * The binding's outputs must equal the direct kernel's bit for bit, and
 * both are checked against a straightforward recomputation at a few points,
 * so a fast wrong result fails. */
#include "dsl/ta_bind.h"

#include "engine/ta.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define N 1000000
#define REPS 7

static double *x;
static double *d1, *d2, *d3;  /* direct */
static double *b1, *b2, *b3;  /* binding */
static int failures;

static double
now_ns (void)
{
  return (double) g_get_monotonic_time () * 1000.0;
}

/* ---- the four loops ------------------------------------------------------- */

static void
sma_direct (void)
{
  QlTaSma s;
  ql_ta_sma_init (&s, 30);
  for (gsize i = 0; i < N; i++)
    d1[i] = ql_ta_sma_update (&s, x[i]);
  ql_ta_sma_clear (&s);
}

static void
macd_direct (void)
{
  QlTaMacd s;
  double o[3];
  ql_ta_macd_init (&s, 12, 26, 9);
  for (gsize i = 0; i < N; i++)
    {
      ql_ta_macd_update (&s, x[i], o);
      d1[i] = o[0];
      d2[i] = o[1];
      d3[i] = o[2];
    }
  ql_ta_macd_clear (&s);
}

/* As the VM would: the row resolved once per call site, its state a block
 * of state_size bytes, values crossing as QlScalar. */
static void
run_bind (const char *name, const QlScalar *params, double *o0, double *o1, double *o2)
{
  const QlTaBind *b = ql_ta_bind_lookup (name);
  void *state = g_aligned_alloc0 (1, b->state_size, 16);
  const char *err = b->init (state, params);
  QlScalar in, out[3];

  if (err != NULL)
    g_error ("%s: %s", name, err);
  for (gsize i = 0; i < N; i++)
    {
      in.f = x[i];
      b->update (state, 0, &in, out);
      o0[i] = out[0].f;
      if (o1)
        {
          o1[i] = out[1].f;
          o2[i] = out[2].f;
        }
    }
  b->clear (state);
  g_aligned_free (state);
}

static void
sma_bind (void)
{
  QlScalar p[] = { { .i = 30 } };
  run_bind ("sma", p, b1, NULL, NULL);
}

static void
macd_bind (void)
{
  QlScalar p[] = { { .i = 12 }, { .i = 26 }, { .i = 9 } };
  run_bind ("macd", p, b1, b2, b3);
}

typedef void (*Loop) (void);

static double
best_of (Loop f)
{
  double best = G_MAXDOUBLE;
  for (int r = 0; r < REPS; r++)
    {
      double t0 = now_ns ();
      f ();
      best = MIN (best, (now_ns () - t0) / N);
    }
  return best;
}

/* ---- checks --------------------------------------------------------------- */

static void
same_columns (const char *what, const double *a, const double *b)
{
  for (gsize i = 0; i < N; i++)
    if (!(isnan (a[i]) && isnan (b[i])) && memcmp (&a[i], &b[i], sizeof a[i]) != 0)
      {
        fprintf (stderr, "FAIL %s[%zu]: binding %.17g, direct %.17g\n", what, i, b[i], a[i]);
        failures++;
        return;
      }
}

static void
check (const char *what, gsize i, double got, double want)
{
  double tol = 1e-9 * MAX (1.0, fabs (want));
  if (!(fabs (got - want) <= tol))
    {
      fprintf (stderr, "FAIL %s[%zu]: got %.17g, want %.17g\n", what, i, got, want);
      failures++;
    }
}

static const gsize probes[] = { 40, 1000, 123457, 500000, N - 1 };

static void
check_sma (const double *o)
{
  for (gsize k = 0; k < G_N_ELEMENTS (probes); k++)
    {
      gsize i = probes[k];
      double s = 0;
      for (gsize j = i + 1 - 30; j <= i; j++)
        s += x[j];
      check ("sma30", i, o[i], s / 30);
    }
  if (!isnan (o[28]) || isnan (o[29]))
    {
      fprintf (stderr, "FAIL sma30: warm-up must end at index 29\n");
      failures++;
    }
}

static void
check_macd (const double *m, const double *sig, const double *hist)
{
  /* One plain pass in TA-Lib's own form, e = (x − e)·k + e: the slow EMA
   * seeded with the mean of x[0..25], the fast one with the mean of
   * x[14..25] (so both start at index 25), macd = fast − slow; the signal
   * EMA9 of macd seeded with the mean of macd[25..33]. */
  double kf = 2.0 / 13, ks = 2.0 / 27, kg = 2.0 / 10;
  double ef = 0, es = 0, eg = 0, line;
  gsize next = 0;

  for (gsize j = 0; j <= 25; j++)
    es += x[j];
  es /= 26;
  for (gsize j = 14; j <= 25; j++)
    ef += x[j];
  ef /= 12;
  for (gsize i = 25; i < N; i++)
    {
      if (i > 25)
        {
          ef = (x[i] - ef) * kf + ef;
          es = (x[i] - es) * ks + es;
        }
      line = ef - es;
      if (i < 33)
        eg += line;
      else if (i == 33)
        eg = (eg + line) / 9;
      else
        eg = (line - eg) * kg + eg;
      if (next < G_N_ELEMENTS (probes) && i == probes[next])
        {
          check ("macd", i, m[i], line);
          check ("signal", i, sig[i], eg);
          check ("hist", i, hist[i], line - eg);
          next++;
        }
    }
  if (!isnan (m[32]) || isnan (m[33]))
    {
      fprintf (stderr, "FAIL macd: warm-up must end at index 33\n");
      failures++;
    }
}

int
main (void)
{
  GRand *rng = g_rand_new_with_seed (12345);
  double v = 100, t_direct, t_bind;

  x = g_new (double, N);
  d1 = g_new (double, N);
  d2 = g_new (double, N);
  d3 = g_new (double, N);
  b1 = g_new (double, N);
  b2 = g_new (double, N);
  b3 = g_new (double, N);
  for (gsize i = 0; i < N; i++)
    {
      v += g_rand_double_range (rng, -1, 1);
      x[i] = v;
    }
  g_rand_free (rng);

  t_direct = best_of (sma_direct);
  t_bind = best_of (sma_bind);
  printf ("sma30_direct: %.2f ns/point\n", t_direct);
  printf ("sma30_binding: %.2f ns/point\n", t_bind);
  printf ("sma30_binding_overhead: %.2f ns/point\n", t_bind - t_direct);
  same_columns ("sma30", d1, b1);
  check_sma (b1);

  t_direct = best_of (macd_direct);
  t_bind = best_of (macd_bind);
  printf ("macd_direct: %.2f ns/point\n", t_direct);
  printf ("macd_binding: %.2f ns/point\n", t_bind);
  printf ("macd_binding_overhead: %.2f ns/point\n", t_bind - t_direct);
  same_columns ("macd", d1, b1);
  same_columns ("macd.signal", d2, b2);
  same_columns ("macd.hist", d3, b3);
  check_macd (b1, b2, b3);

  g_free (x);
  g_free (d1);
  g_free (d2);
  g_free (d3);
  g_free (b1);
  g_free (b2);
  g_free (b3);
  if (failures)
    {
      fprintf (stderr, "%d check(s) failed\n", failures);
      return 1;
    }
  return 0;
}
