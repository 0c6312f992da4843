/* engine/ta.c — indicator kernels: one static inline step per indicator.
 *
 * Each step takes a commit flag.  With commit FALSE it only reads the state
 * and returns what the output would be; with TRUE it also stores the new
 * input.  update, preview and the batch loop all call the same step, so the
 * three agree to the last bit.  Every step first checks its inputs for NaN
 * and returns NAN with the state untouched; composite indicators feed their
 * inner stages with the outer stage's output, which is NAN during warm-up,
 * so an inner stage starts exactly when its input becomes valid. */
#define G_LOG_DOMAIN "ql-engine-ta"

#include "engine/ta.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define MUT(s) ((void *) (s)) /* preview runs the step with commit FALSE: no write */

/* A programming error in a parameter is reported like g_return_if_fail, then
 * clamped, so that an init always leaves a usable state. */
#define GUARD(expr, fix)                                                  \
  G_STMT_START                                                            \
  {                                                                       \
    if (G_UNLIKELY (!(expr)))                                             \
      {                                                                   \
        g_return_if_fail_warning (G_LOG_DOMAIN, G_STRFUNC, #expr);        \
        fix;                                                              \
      }                                                                   \
  }                                                                       \
  G_STMT_END

/* ---- ring buffer ---------------------------------------------------------- */

static void
ring_init (QlTaRing *r, guint cap)
{
  r->cap = cap > 0 ? cap : 1;
  r->buf = g_new0 (double, r->cap);
  r->head = 0;
  r->count = 0;
}

static void
ring_clear (QlTaRing *r)
{
  g_clear_pointer (&r->buf, g_free);
}

/* The committed value @k bars back, 0 = the newest; k < count. */
static inline double
ring_back (const QlTaRing *r, guint k)
{
  guint i = r->head + r->cap - 1 - k;
  if (i >= r->cap)
    i -= r->cap;
  return r->buf[i];
}


/* ---- sliding maximum with age: a monotonic deque -------------------------- */

static void
mm_init (QlTaMinMax *m, guint window)
{
  m->cap = window > 0 ? window : 1;
  m->v = g_new0 (double, m->cap);
  m->seq = g_new0 (gint64, m->cap);
  m->front = 0;
  m->size = 0;
  m->n = 0;
}

static void
mm_clear (QlTaMinMax *m)
{
  g_clear_pointer (&m->v, g_free);
  g_clear_pointer (&m->seq, g_free);
}

/* Max of the window ending with @x (the last cap values); *ago receives its
 * age, ties going to the most recent.  Minima pass −x. */
static inline double
mm_step (QlTaMinMax *m, double x, gboolean commit, gint64 *ago)
{
  gint64 now = m->n;
  gint64 expired = now - (gint64) m->cap; /* seqs <= this leave the window */
  guint f = m->front;
  guint size = m->size;
  double best;

  if (size > 0 && m->seq[f] <= expired)
    {
      f = f + 1 == m->cap ? 0 : f + 1;
      size--;
    }
  if (size > 0 && m->v[f] > x)
    {
      best = m->v[f];
      *ago = now - m->seq[f];
    }
  else
    {
      best = x;
      *ago = 0;
    }
  if (commit)
    {
      guint back;
      while (size > 0)
        {
          back = f + size - 1;
          if (back >= m->cap)
            back -= m->cap;
          if (m->v[back] > x)
            break;
          size--;
        }
      back = f + size;
      if (back >= m->cap)
        back -= m->cap;
      m->v[back] = x;
      m->seq[back] = now;
      m->front = f;
      m->size = size + 1;
      m->n = now + 1;
    }
  return best;
}

/* TRUE when the window ending with the next value is full. */
static inline gboolean
mm_full (const QlTaMinMax *m)
{
  return m->n + 1 >= (gint64) m->cap;
}

/* ---- SMA: TA-Lib SMA ------------------------------------------------------ */

void
ql_ta_sma_init (QlTaSma *s, int period)
{
  GUARD (period >= 1, period = 1);
  s->period = period;
  s->sum = 0;
  ring_init (&s->ring, period);
}

void
ql_ta_sma_clear (QlTaSma *s)
{
  ring_clear (&s->ring);
}


double
ql_ta_sma_update (QlTaSma *s, double x)
{
  return ql_ta_sma_step (s, x, TRUE);
}

double
ql_ta_sma_preview (const QlTaSma *s, double x)
{
  return ql_ta_sma_step (MUT (s), x, FALSE);
}

void
ql_ta_sma (const double *in, gsize n, int period, double *out)
{
  QlTaSma s0, s; /* s never escapes, so it lives in registers */
  ql_ta_sma_init (&s0, period);
  s = s0;
  for (gsize i = 0; i < n; i++)
    out[i] = ql_ta_sma_step (&s, in[i], TRUE);
  s0 = s;
  ql_ta_sma_clear (&s0);
}

/* ---- EMA: TA-Lib EMA (k = 2/(p+1), SMA seed); RMA: TradingView ta.rma ---- */

static void
ema_init_alpha (QlTaEma *s, int period, double alpha)
{
  s->period = period;
  s->alpha = alpha;
  s->decay = 1.0 - alpha;
  s->sum = 0;
  s->value = NAN;
  s->n = 0;
}

void
ql_ta_ema_init (QlTaEma *s, int period)
{
  GUARD (period >= 1, period = 1);
  ema_init_alpha (s, period, 2.0 / (period + 1));
}

void
ql_ta_rma_init (QlTaEma *s, int period)
{
  GUARD (period >= 1, period = 1);
  ema_init_alpha (s, period, 1.0 / period);
}

void
ql_ta_ema_clear (QlTaEma *s)
{
}


double
ql_ta_ema_update (QlTaEma *s, double x)
{
  return ql_ta_ema_step (s, x, TRUE);
}

double
ql_ta_ema_preview (const QlTaEma *s, double x)
{
  return ql_ta_ema_step (MUT (s), x, FALSE);
}

void
ql_ta_ema (const double *in, gsize n, int period, double *out)
{
  QlTaEma s0, s; /* s never escapes, so it lives in registers */
  ql_ta_ema_init (&s0, period);
  s = s0;
  for (gsize i = 0; i < n; i++)
    out[i] = ql_ta_ema_step (&s, in[i], TRUE);
}

void
ql_ta_rma (const double *in, gsize n, int period, double *out)
{
  QlTaEma s0, s; /* s never escapes, so it lives in registers */
  ql_ta_rma_init (&s0, period);
  s = s0;
  for (gsize i = 0; i < n; i++)
    out[i] = ql_ta_ema_step (&s, in[i], TRUE);
}

/* ---- WMA: TA-Lib WMA, weights 1..p, running weighted and plain sums ------- */

void
ql_ta_wma_init (QlTaWma *s, int period)
{
  GUARD (period >= 1, period = 1);
  s->period = period;
  s->divider = (double) period * (period + 1) / 2;
  s->wsum = 0;
  s->sum = 0;
  ring_init (&s->ring, period);
}

void
ql_ta_wma_clear (QlTaWma *s)
{
  ring_clear (&s->ring);
}

static inline double
wma_step (QlTaWma *s, double x, gboolean commit)
{
  guint c = s->ring.count;
  double sum, wsum, out;

  if (isnan (x))
    return NAN;
  if (c + 1 < (guint) s->period)
    {
      /* The first period−1 inputs get weights 1..period−1. */
      sum = s->sum + x;
      wsum = s->wsum + x * (double) (c + 1);
      out = NAN;
    }
  else
    {
      double trailing = c == (guint) s->period ? s->ring.buf[s->ring.head] : 0.0;
      sum = s->sum + x - trailing;
      wsum = s->wsum + x * s->period;
      out = wsum / s->divider;
      wsum -= sum; /* every weight drops by one; the oldest leaves */
    }
  if (commit)
    {
      s->sum = sum;
      s->wsum = wsum;
      ql_ta_ring_push (&s->ring, x);
    }
  return out;
}

double
ql_ta_wma_update (QlTaWma *s, double x)
{
  return wma_step (s, x, TRUE);
}

double
ql_ta_wma_preview (const QlTaWma *s, double x)
{
  return wma_step (MUT (s), x, FALSE);
}

void
ql_ta_wma (const double *in, gsize n, int period, double *out)
{
  QlTaWma s0, s; /* s never escapes, so it lives in registers */
  ql_ta_wma_init (&s0, period);
  s = s0;
  for (gsize i = 0; i < n; i++)
    out[i] = wma_step (&s, in[i], TRUE);
  s0 = s;
  ql_ta_wma_clear (&s0);
}

/* ---- DEMA, TEMA: TA-Lib DEMA and TEMA ------------------------------------- */

void
ql_ta_dema_init (QlTaDema *s, int period)
{
  ql_ta_ema_init (&s->e1, period);
  ql_ta_ema_init (&s->e2, period);
}

void
ql_ta_dema_clear (QlTaDema *s)
{
}

static inline double
dema_step (QlTaDema *s, double x, gboolean commit)
{
  double e1, e2;
  if (isnan (x))
    return NAN;
  e1 = ql_ta_ema_step (&s->e1, x, commit);
  e2 = ql_ta_ema_step (&s->e2, e1, commit);
  return isnan (e2) ? NAN : 2.0 * e1 - e2;
}

double
ql_ta_dema_update (QlTaDema *s, double x)
{
  return dema_step (s, x, TRUE);
}

double
ql_ta_dema_preview (const QlTaDema *s, double x)
{
  return dema_step (MUT (s), x, FALSE);
}

void
ql_ta_dema (const double *in, gsize n, int period, double *out)
{
  QlTaDema s0, s; /* s never escapes, so it lives in registers */
  ql_ta_dema_init (&s0, period);
  s = s0;
  for (gsize i = 0; i < n; i++)
    out[i] = dema_step (&s, in[i], TRUE);
}

void
ql_ta_tema_init (QlTaTema *s, int period)
{
  ql_ta_ema_init (&s->e1, period);
  ql_ta_ema_init (&s->e2, period);
  ql_ta_ema_init (&s->e3, period);
}

void
ql_ta_tema_clear (QlTaTema *s)
{
}

static inline double
tema_step (QlTaTema *s, double x, gboolean commit)
{
  double e1, e2, e3;
  if (isnan (x))
    return NAN;
  e1 = ql_ta_ema_step (&s->e1, x, commit);
  e2 = ql_ta_ema_step (&s->e2, e1, commit);
  e3 = ql_ta_ema_step (&s->e3, e2, commit);
  return isnan (e3) ? NAN : e3 + (3.0 * e1 - 3.0 * e2);
}

double
ql_ta_tema_update (QlTaTema *s, double x)
{
  return tema_step (s, x, TRUE);
}

double
ql_ta_tema_preview (const QlTaTema *s, double x)
{
  return tema_step (MUT (s), x, FALSE);
}

void
ql_ta_tema (const double *in, gsize n, int period, double *out)
{
  QlTaTema s0, s; /* s never escapes, so it lives in registers */
  ql_ta_tema_init (&s0, period);
  s = s0;
  for (gsize i = 0; i < n; i++)
    out[i] = tema_step (&s, in[i], TRUE);
}

/* ---- TRIMA: TA-Lib TRIMA as the SMA of an SMA ----------------------------- */

void
ql_ta_trima_init (QlTaTrima *s, int period)
{
  GUARD (period >= 1, period = 1);
  if (period % 2)
    {
      ql_ta_sma_init (&s->a, (period + 1) / 2);
      ql_ta_sma_init (&s->b, (period + 1) / 2);
    }
  else
    {
      ql_ta_sma_init (&s->a, period / 2);
      ql_ta_sma_init (&s->b, period / 2 + 1);
    }
}

void
ql_ta_trima_clear (QlTaTrima *s)
{
  ql_ta_sma_clear (&s->a);
  ql_ta_sma_clear (&s->b);
}

static inline double
trima_step (QlTaTrima *s, double x, gboolean commit)
{
  if (isnan (x))
    return NAN;
  return ql_ta_sma_step (&s->b, ql_ta_sma_step (&s->a, x, commit), commit);
}

double
ql_ta_trima_update (QlTaTrima *s, double x)
{
  return trima_step (s, x, TRUE);
}

double
ql_ta_trima_preview (const QlTaTrima *s, double x)
{
  return trima_step (MUT (s), x, FALSE);
}

void
ql_ta_trima (const double *in, gsize n, int period, double *out)
{
  QlTaTrima s0, s; /* s never escapes, so it lives in registers */
  ql_ta_trima_init (&s0, period);
  s = s0;
  for (gsize i = 0; i < n; i++)
    out[i] = trima_step (&s, in[i], TRUE);
  s0 = s;
  ql_ta_trima_clear (&s0);
}

/* ---- KAMA: TA-Lib KAMA ---------------------------------------------------- */

void
ql_ta_kama_init (QlTaKama *s, int period)
{
  GUARD (period >= 1, period = 1);
  s->period = period;
  s->sum_roc = 0;
  s->kama = NAN;
  ring_init (&s->ring, period + 1);
}

void
ql_ta_kama_clear (QlTaKama *s)
{
  ring_clear (&s->ring);
}

static inline double
kama_step (QlTaKama *s, double x, gboolean commit)
{
  const double fastest = 2.0 / (2 + 1), slowest = 2.0 / (30 + 1);
  guint c = s->ring.count;
  guint p = (guint) s->period;
  double sum_roc = s->sum_roc;
  double kama = s->kama;
  double out = NAN;

  if (isnan (x))
    return NAN;
  if (c >= p + 1)
    sum_roc -= fabs (ring_back (&s->ring, p) - ring_back (&s->ring, p - 1));
  if (c > 0)
    sum_roc += fabs (ring_back (&s->ring, 0) - x);
  if (c >= p)
    {
      double roc = x - ring_back (&s->ring, p - 1);
      double er, sc;

      if (c == p)
        kama = ring_back (&s->ring, 0); /* TA-Lib seeds with the previous input */
      if (sum_roc <= roc || sum_roc == 0.0)
        er = 1.0;
      else
        er = fabs (roc / sum_roc);
      sc = er * (fastest - slowest) + slowest;
      sc *= sc;
      kama = (x - kama) * sc + kama;
      out = kama;
    }
  if (commit)
    {
      s->sum_roc = sum_roc;
      s->kama = kama;
      ql_ta_ring_push (&s->ring, x);
    }
  return out;
}

double
ql_ta_kama_update (QlTaKama *s, double x)
{
  return kama_step (s, x, TRUE);
}

double
ql_ta_kama_preview (const QlTaKama *s, double x)
{
  return kama_step (MUT (s), x, FALSE);
}

void
ql_ta_kama (const double *in, gsize n, int period, double *out)
{
  QlTaKama s0, s; /* s never escapes, so it lives in registers */
  ql_ta_kama_init (&s0, period);
  s = s0;
  for (gsize i = 0; i < n; i++)
    out[i] = kama_step (&s, in[i], TRUE);
  s0 = s;
  ql_ta_kama_clear (&s0);
}

/* ---- HMA: TradingView ta.hma ---------------------------------------------- */

void
ql_ta_hma_init (QlTaHma *s, int period)
{
  GUARD (period >= 2, period = 2);
  ql_ta_wma_init (&s->half, period / 2);
  ql_ta_wma_init (&s->full, period);
  ql_ta_wma_init (&s->out, (int) floor (sqrt ((double) period)));
}

void
ql_ta_hma_clear (QlTaHma *s)
{
  ql_ta_wma_clear (&s->half);
  ql_ta_wma_clear (&s->full);
  ql_ta_wma_clear (&s->out);
}

static inline double
hma_step (QlTaHma *s, double x, gboolean commit)
{
  double h, f;
  if (isnan (x))
    return NAN;
  h = wma_step (&s->half, x, commit);
  f = wma_step (&s->full, x, commit);
  return wma_step (&s->out, isnan (f) ? NAN : 2.0 * h - f, commit);
}

double
ql_ta_hma_update (QlTaHma *s, double x)
{
  return hma_step (s, x, TRUE);
}

double
ql_ta_hma_preview (const QlTaHma *s, double x)
{
  return hma_step (MUT (s), x, FALSE);
}

void
ql_ta_hma (const double *in, gsize n, int period, double *out)
{
  QlTaHma s0, s; /* s never escapes, so it lives in registers */
  ql_ta_hma_init (&s0, period);
  s = s0;
  for (gsize i = 0; i < n; i++)
    out[i] = hma_step (&s, in[i], TRUE);
  s0 = s;
  ql_ta_hma_clear (&s0);
}

/* ---- VWMA: TradingView ta.vwma -------------------------------------------- */

void
ql_ta_vwma_init (QlTaVwma *s, int period)
{
  ql_ta_sma_init (&s->pv, period);
  ql_ta_sma_init (&s->v, period);
}

void
ql_ta_vwma_clear (QlTaVwma *s)
{
  ql_ta_sma_clear (&s->pv);
  ql_ta_sma_clear (&s->v);
}

static inline double
vwma_step (QlTaVwma *s, double x, double v, gboolean commit)
{
  double a, b;
  if (isnan (x) || isnan (v))
    return NAN;
  a = ql_ta_sma_step (&s->pv, x * v, commit);
  b = ql_ta_sma_step (&s->v, v, commit);
  return b == 0.0 ? NAN : a / b;
}

double
ql_ta_vwma_update (QlTaVwma *s, double x, double volume)
{
  return vwma_step (s, x, volume, TRUE);
}

double
ql_ta_vwma_preview (const QlTaVwma *s, double x, double volume)
{
  return vwma_step (MUT (s), x, volume, FALSE);
}

void
ql_ta_vwma (const double *in, const double *volume, gsize n, int period, double *out)
{
  QlTaVwma s0, s; /* s never escapes, so it lives in registers */
  ql_ta_vwma_init (&s0, period);
  s = s0;
  for (gsize i = 0; i < n; i++)
    out[i] = vwma_step (&s, in[i], volume[i], TRUE);
  s0 = s;
  ql_ta_vwma_clear (&s0);
}

/* ---- VWAP: TradingView session VWAP --------------------------------------- */

void
ql_ta_vwap_init (QlTaVwap *s)
{
  s->started = FALSE;
  s->day = 0;
  s->spv = 0;
  s->sv = 0;
}

void
ql_ta_vwap_clear (QlTaVwap *s)
{
}

static inline double
vwap_step (QlTaVwap *s, gint64 day, double x, double v, gboolean commit)
{
  double spv = s->spv, sv = s->sv;
  if (isnan (x) || isnan (v))
    return NAN;
  if (!s->started || day != s->day)
    spv = sv = 0;
  spv += x * v;
  sv += v;
  if (commit)
    {
      s->started = TRUE;
      s->day = day;
      s->spv = spv;
      s->sv = sv;
    }
  return sv == 0.0 ? NAN : spv / sv;
}

double
ql_ta_vwap_update (QlTaVwap *s, gint64 day, double x, double volume)
{
  return vwap_step (s, day, x, volume, TRUE);
}

double
ql_ta_vwap_preview (const QlTaVwap *s, gint64 day, double x, double volume)
{
  return vwap_step (MUT (s), day, x, volume, FALSE);
}

void
ql_ta_vwap (const gint64 *day, const double *in, const double *volume, gsize n, double *out)
{
  QlTaVwap s0, s; /* s never escapes, so it lives in registers */
  ql_ta_vwap_init (&s0);
  s = s0;
  for (gsize i = 0; i < n; i++)
    out[i] = vwap_step (&s, day[i], in[i], volume[i], TRUE);
}

/* ---- RSI: TA-Lib RSI ------------------------------------------------------ */

void
ql_ta_rsi_init (QlTaRsi *s, int period)
{
  GUARD (period >= 1, period = 1);
  s->period = period;
  s->n = 0;
  s->alpha = 1.0 / period;
  s->decay = 1.0 - s->alpha;
  s->prev = 0;
  s->gain = 0;
  s->loss = 0;
}

void
ql_ta_rsi_clear (QlTaRsi *s)
{
}

static inline double
rsi_step (QlTaRsi *s, double x, gboolean commit)
{
  double d, up, down, gain, loss, sum, out;

  if (isnan (x))
    return NAN;
  d = x - s->prev;
  up = d > 0 ? d : 0.0;
  down = d < 0 ? -d : 0.0;
  if (G_LIKELY (s->n > s->period))
    {
      gain = s->gain * s->decay + up * s->alpha;
      loss = s->loss * s->decay + down * s->alpha;
    }
  else if (s->n == 0)
    {
      if (commit)
        {
          s->prev = x;
          s->n = 1;
        }
      return NAN;
    }
  else
    {
      /* The seed: simple averages of the first period gains and losses. */
      gain = s->gain + up;
      loss = s->loss + down;
      if (s->n < s->period)
        {
          if (commit)
            {
              s->gain = gain;
              s->loss = loss;
              s->prev = x;
              s->n++;
            }
          return NAN;
        }
      gain /= s->period;
      loss /= s->period;
    }
  sum = gain + loss;
  out = sum == 0.0 ? 0.0 : 100.0 * (gain / sum);
  if (commit)
    {
      s->gain = gain;
      s->loss = loss;
      s->prev = x;
      if (s->n <= s->period)
        s->n++;
    }
  return out;
}

double
ql_ta_rsi_update (QlTaRsi *s, double x)
{
  return rsi_step (s, x, TRUE);
}

double
ql_ta_rsi_preview (const QlTaRsi *s, double x)
{
  return rsi_step (MUT (s), x, FALSE);
}

void
ql_ta_rsi (const double *in, gsize n, int period, double *out)
{
  QlTaRsi s0, s; /* s never escapes, so it lives in registers */
  ql_ta_rsi_init (&s0, period);
  s = s0;
  for (gsize i = 0; i < n; i++)
    out[i] = rsi_step (&s, in[i], TRUE);
}

/* ---- STOCH, STOCHF: TA-Lib STOCH and STOCHF with SMA smoothing ------------ */

/* Fast %K of TA-Lib: 100·(c − LL)/(HH − LL), 0 when HH = LL. */
static inline double
fastk_step (QlTaMinMax *hh, QlTaMinMax *ll, double h, double l, double c, gboolean commit)
{
  gint64 ago;
  gboolean full = mm_full (hh);
  double hi = mm_step (hh, h, commit, &ago);
  double lo = -mm_step (ll, -l, commit, &ago);
  double diff;

  if (!full)
    return NAN;
  diff = (hi - lo) / 100.0;
  return diff != 0.0 ? (c - lo) / diff : 0.0;
}

void
ql_ta_stoch_init (QlTaStoch *s, int k, int slowk, int slowd)
{
  GUARD (k >= 1, k = 1);
  GUARD (slowk >= 1, slowk = 1);
  GUARD (slowd >= 1, slowd = 1);
  mm_init (&s->hh, k);
  mm_init (&s->ll, k);
  ql_ta_sma_init (&s->k, slowk);
  ql_ta_sma_init (&s->d, slowd);
}

void
ql_ta_stoch_clear (QlTaStoch *s)
{
  mm_clear (&s->hh);
  mm_clear (&s->ll);
  ql_ta_sma_clear (&s->k);
  ql_ta_sma_clear (&s->d);
}

static inline void
stoch_step (QlTaStoch *s, double h, double l, double c, double *out, gboolean commit)
{
  double k, d;
  out[0] = out[1] = NAN;
  if (isnan (h) || isnan (l) || isnan (c))
    return;
  k = ql_ta_sma_step (&s->k, fastk_step (&s->hh, &s->ll, h, l, c, commit), commit);
  d = ql_ta_sma_step (&s->d, k, commit);
  if (!isnan (d))
    {
      out[0] = k;
      out[1] = d;
    }
}

void
ql_ta_stoch_update (QlTaStoch *s, double high, double low, double close, double *out)
{
  stoch_step (s, high, low, close, out, TRUE);
}

void
ql_ta_stoch_preview (const QlTaStoch *s, double high, double low, double close, double *out)
{
  stoch_step (MUT (s), high, low, close, out, FALSE);
}

void
ql_ta_stoch (const double *high, const double *low, const double *close, gsize n,
             int k, int slowk, int slowd, double *out_k, double *out_d)
{
  QlTaStoch s0, s; /* s never escapes, so it lives in registers */
  double o[2];
  ql_ta_stoch_init (&s0, k, slowk, slowd);
  s = s0;
  for (gsize i = 0; i < n; i++)
    {
      stoch_step (&s, high[i], low[i], close[i], o, TRUE);
      out_k[i] = o[0];
      out_d[i] = o[1];
    }
  s0 = s;
  ql_ta_stoch_clear (&s0);
}

void
ql_ta_stochf_init (QlTaStoch *s, int k, int d)
{
  GUARD (k >= 1, k = 1);
  GUARD (d >= 1, d = 1);
  mm_init (&s->hh, k);
  mm_init (&s->ll, k);
  ql_ta_sma_init (&s->k, 1); /* unused */
  ql_ta_sma_init (&s->d, d);
}

void
ql_ta_stochf_clear (QlTaStoch *s)
{
  ql_ta_stoch_clear (s);
}

static inline void
stochf_step (QlTaStoch *s, double h, double l, double c, double *out, gboolean commit)
{
  double k, d;
  out[0] = out[1] = NAN;
  if (isnan (h) || isnan (l) || isnan (c))
    return;
  k = fastk_step (&s->hh, &s->ll, h, l, c, commit);
  d = ql_ta_sma_step (&s->d, k, commit);
  if (!isnan (d))
    {
      out[0] = k;
      out[1] = d;
    }
}

void
ql_ta_stochf_update (QlTaStoch *s, double high, double low, double close, double *out)
{
  stochf_step (s, high, low, close, out, TRUE);
}

void
ql_ta_stochf_preview (const QlTaStoch *s, double high, double low, double close, double *out)
{
  stochf_step (MUT (s), high, low, close, out, FALSE);
}

void
ql_ta_stochf (const double *high, const double *low, const double *close, gsize n,
              int k, int d, double *out_k, double *out_d)
{
  QlTaStoch s0, s; /* s never escapes, so it lives in registers */
  double o[2];
  ql_ta_stochf_init (&s0, k, d);
  s = s0;
  for (gsize i = 0; i < n; i++)
    {
      stochf_step (&s, high[i], low[i], close[i], o, TRUE);
      out_k[i] = o[0];
      out_d[i] = o[1];
    }
  s0 = s;
  ql_ta_stochf_clear (&s0);
}

/* ---- STOCHRSI: TA-Lib STOCHRSI (STOCHF over RSI) -------------------------- */

void
ql_ta_stochrsi_init (QlTaStochRsi *s, int period, int k, int d)
{
  ql_ta_rsi_init (&s->rsi, period);
  ql_ta_stochf_init (&s->st, k, d);
}

void
ql_ta_stochrsi_clear (QlTaStochRsi *s)
{
  ql_ta_stochf_clear (&s->st);
}

static inline void
stochrsi_step (QlTaStochRsi *s, double x, double *out, gboolean commit)
{
  double r;
  out[0] = out[1] = NAN;
  if (isnan (x))
    return;
  r = rsi_step (&s->rsi, x, commit);
  stochf_step (&s->st, r, r, r, out, commit);
}

void
ql_ta_stochrsi_update (QlTaStochRsi *s, double x, double *out)
{
  stochrsi_step (s, x, out, TRUE);
}

void
ql_ta_stochrsi_preview (const QlTaStochRsi *s, double x, double *out)
{
  stochrsi_step (MUT (s), x, out, FALSE);
}

void
ql_ta_stochrsi (const double *in, gsize n, int period, int k, int d,
                double *out_k, double *out_d)
{
  QlTaStochRsi s0, s; /* s never escapes, so it lives in registers */
  double o[2];
  ql_ta_stochrsi_init (&s0, period, k, d);
  s = s0;
  for (gsize i = 0; i < n; i++)
    {
      stochrsi_step (&s, in[i], o, TRUE);
      out_k[i] = o[0];
      out_d[i] = o[1];
    }
  s0 = s;
  ql_ta_stochrsi_clear (&s0);
}

/* ---- MACD: TA-Lib MACD ---------------------------------------------------- */

void
ql_ta_macd_init (QlTaMacd *s, int fast, int slow, int signal)
{
  GUARD (fast >= 1, fast = 1);
  GUARD (slow >= 1, slow = 1);
  GUARD (signal >= 1, signal = 1);
  if (slow < fast)
    {
      int t = slow;
      slow = fast;
      fast = t;
    }
  s->skip = slow - fast;
  s->n = 0;
  ql_ta_ema_init (&s->fast, fast);
  ql_ta_ema_init (&s->slow, slow);
  ql_ta_ema_init (&s->signal, signal);
}

void
ql_ta_macd_clear (QlTaMacd *s)
{
}

static inline void
macd_step (QlTaMacd *s, double x, double *out, gboolean commit)
{
  double f, sl, m, sig;

  out[0] = out[1] = out[2] = NAN;
  if (isnan (x))
    return;
  /* The fast EMA ignores the first slow − fast inputs, so that its SMA seed
   * covers the fast inputs ending at the slow EMA's first value. */
  f = s->n < s->skip ? NAN : ql_ta_ema_step (&s->fast, x, commit);
  if (commit && s->n < s->skip)
    s->n++;
  sl = ql_ta_ema_step (&s->slow, x, commit);
  m = f - sl;
  sig = ql_ta_ema_step (&s->signal, m, commit);
  if (!isnan (sig))
    {
      out[0] = m;
      out[1] = sig;
      out[2] = m - sig;
    }
}

void
ql_ta_macd_update (QlTaMacd *s, double x, double *out)
{
  macd_step (s, x, out, TRUE);
}

void
ql_ta_macd_preview (const QlTaMacd *s, double x, double *out)
{
  macd_step (MUT (s), x, out, FALSE);
}

void
ql_ta_macd (const double *in, gsize n, int fast, int slow, int signal,
            double *out_macd, double *out_signal, double *out_hist)
{
  QlTaMacd s0, s; /* s never escapes, so it lives in registers */
  double o[3];
  gsize i = 0;

  ql_ta_macd_init (&s0, fast, slow, signal);
  s = s0;
  for (; i < n && s.signal.n < s.signal.period; i++)
    {
      macd_step (&s, in[i], o, TRUE);
      out_macd[i] = o[0];
      out_signal[i] = o[1];
      out_hist[i] = o[2];
    }
  /* Warmed up: every EMA is past its seed, so macd_step reduces to the
   * three recursions below, the same operations in the same order. */
  {
    double f = s.fast.value, sl = s.slow.value, sig = s.signal.value;
    for (; i < n; i++)
      {
        double x = in[i], m;
        if (isnan (x))
          {
            out_macd[i] = out_signal[i] = out_hist[i] = NAN;
            continue;
          }
        f = f * s.fast.decay + x * s.fast.alpha;
        sl = sl * s.slow.decay + x * s.slow.alpha;
        m = f - sl;
        sig = sig * s.signal.decay + m * s.signal.alpha;
        out_macd[i] = m;
        out_signal[i] = sig;
        out_hist[i] = m - sig;
      }
  }
}

/* ---- PPO: TA-Lib PPO with SMA --------------------------------------------- */

void
ql_ta_ppo_init (QlTaPpo *s, int fast, int slow)
{
  if (slow < fast)
    {
      int t = slow;
      slow = fast;
      fast = t;
    }
  ql_ta_sma_init (&s->fast, fast);
  ql_ta_sma_init (&s->slow, slow);
}

void
ql_ta_ppo_clear (QlTaPpo *s)
{
  ql_ta_sma_clear (&s->fast);
  ql_ta_sma_clear (&s->slow);
}

static inline double
ppo_step (QlTaPpo *s, double x, gboolean commit)
{
  double f, sl;
  if (isnan (x))
    return NAN;
  f = ql_ta_sma_step (&s->fast, x, commit);
  sl = ql_ta_sma_step (&s->slow, x, commit);
  if (isnan (sl))
    return NAN;
  return sl == 0.0 ? 0.0 : ((f - sl) / sl) * 100.0;
}

double
ql_ta_ppo_update (QlTaPpo *s, double x)
{
  return ppo_step (s, x, TRUE);
}

double
ql_ta_ppo_preview (const QlTaPpo *s, double x)
{
  return ppo_step (MUT (s), x, FALSE);
}

void
ql_ta_ppo (const double *in, gsize n, int fast, int slow, double *out)
{
  QlTaPpo s0, s; /* s never escapes, so it lives in registers */
  ql_ta_ppo_init (&s0, fast, slow);
  s = s0;
  for (gsize i = 0; i < n; i++)
    out[i] = ppo_step (&s, in[i], TRUE);
  s0 = s;
  ql_ta_ppo_clear (&s0);
}

/* ---- ROC, MOM: TA-Lib ROC and MOM ----------------------------------------- */

void
ql_ta_roc_init (QlTaRoc *s, int period)
{
  GUARD (period >= 1, period = 1);
  s->period = period;
  ring_init (&s->ring, period);
}

void
ql_ta_roc_clear (QlTaRoc *s)
{
  ring_clear (&s->ring);
}

/* x[period], or NAN while fewer than period inputs were committed. */
static inline double
lag_step (QlTaRoc *s, double x, gboolean commit)
{
  double old = s->ring.count == (guint) s->period ? s->ring.buf[s->ring.head] : NAN;
  if (commit)
    ql_ta_ring_push (&s->ring, x);
  return old;
}

static inline double
roc_step (QlTaRoc *s, double x, gboolean commit)
{
  double old;
  if (isnan (x))
    return NAN;
  old = lag_step (s, x, commit);
  if (isnan (old))
    return NAN;
  return old != 0.0 ? ((x / old) - 1.0) * 100.0 : 0.0;
}

static inline double
mom_step (QlTaRoc *s, double x, gboolean commit)
{
  if (isnan (x))
    return NAN;
  return x - lag_step (s, x, commit);
}

double
ql_ta_roc_update (QlTaRoc *s, double x)
{
  return roc_step (s, x, TRUE);
}

double
ql_ta_roc_preview (const QlTaRoc *s, double x)
{
  return roc_step (MUT (s), x, FALSE);
}

void
ql_ta_roc (const double *in, gsize n, int period, double *out)
{
  QlTaRoc s0, s; /* s never escapes, so it lives in registers */
  ql_ta_roc_init (&s0, period);
  s = s0;
  for (gsize i = 0; i < n; i++)
    out[i] = roc_step (&s, in[i], TRUE);
  s0 = s;
  ql_ta_roc_clear (&s0);
}

double
ql_ta_mom_update (QlTaRoc *s, double x)
{
  return mom_step (s, x, TRUE);
}

double
ql_ta_mom_preview (const QlTaRoc *s, double x)
{
  return mom_step (MUT (s), x, FALSE);
}

void
ql_ta_mom (const double *in, gsize n, int period, double *out)
{
  QlTaRoc s0, s; /* s never escapes, so it lives in registers */
  ql_ta_roc_init (&s0, period);
  s = s0;
  for (gsize i = 0; i < n; i++)
    out[i] = mom_step (&s, in[i], TRUE);
  s0 = s;
  ql_ta_roc_clear (&s0);
}

/* ---- CCI: TA-Lib CCI, O(period) per bar for the mean deviation ------------ */

void
ql_ta_cci_init (QlTaCci *s, int period)
{
  GUARD (period >= 1, period = 1);
  s->period = period;
  s->flat = 0;
  ring_init (&s->ring, period);
}

void
ql_ta_cci_clear (QlTaCci *s)
{
  ring_clear (&s->ring);
}

static inline double
cci_step (QlTaCci *s, double h, double l, double c, gboolean commit)
{
  guint p = (guint) s->period;
  double tp, avg, dev, out = NAN;
  int flat;

  if (isnan (h) || isnan (l) || isnan (c))
    return NAN;
  tp = (h + l + c) / 3.0;
  flat = s->ring.count > 0 && ring_back (&s->ring, 0) == tp ? MIN (s->flat + 1, s->period) : 1;
  if (s->ring.count + 1 >= p)
    {
      /* The window: the last p − 1 committed typical prices, then tp. */
      avg = 0;
      for (guint k = p - 1; k > 0; k--)
        avg += ring_back (&s->ring, k - 1);
      avg = (avg + tp) / p;
      dev = 0;
      for (guint k = p - 1; k > 0; k--)
        dev += fabs (ring_back (&s->ring, k - 1) - avg);
      dev += fabs (tp - avg);
      /* A flat window has no deviation, whatever the rounding of avg. */
      if (flat >= s->period || tp - avg == 0.0 || dev == 0.0)
        out = 0.0;
      else
        out = (tp - avg) / (0.015 * (dev / p));
    }
  if (commit)
    {
      s->flat = flat;
      ql_ta_ring_push (&s->ring, tp);
    }
  return out;
}

double
ql_ta_cci_update (QlTaCci *s, double high, double low, double close)
{
  return cci_step (s, high, low, close, TRUE);
}

double
ql_ta_cci_preview (const QlTaCci *s, double high, double low, double close)
{
  return cci_step (MUT (s), high, low, close, FALSE);
}

void
ql_ta_cci (const double *high, const double *low, const double *close, gsize n,
           int period, double *out)
{
  QlTaCci s0, s; /* s never escapes, so it lives in registers */
  ql_ta_cci_init (&s0, period);
  s = s0;
  for (gsize i = 0; i < n; i++)
    out[i] = cci_step (&s, high[i], low[i], close[i], TRUE);
  s0 = s;
  ql_ta_cci_clear (&s0);
}

/* ---- WILLR: TA-Lib WILLR -------------------------------------------------- */

void
ql_ta_willr_init (QlTaWillr *s, int period)
{
  GUARD (period >= 1, period = 1);
  mm_init (&s->hh, period);
  mm_init (&s->ll, period);
}

void
ql_ta_willr_clear (QlTaWillr *s)
{
  mm_clear (&s->hh);
  mm_clear (&s->ll);
}

static inline double
willr_step (QlTaWillr *s, double h, double l, double c, gboolean commit)
{
  gint64 ago;
  gboolean full;
  double hi, lo, diff;

  if (isnan (h) || isnan (l) || isnan (c))
    return NAN;
  full = mm_full (&s->hh);
  hi = mm_step (&s->hh, h, commit, &ago);
  lo = -mm_step (&s->ll, -l, commit, &ago);
  if (!full)
    return NAN;
  diff = (hi - lo) / -100.0;
  return diff != 0.0 ? (hi - c) / diff : 0.0;
}

double
ql_ta_willr_update (QlTaWillr *s, double high, double low, double close)
{
  return willr_step (s, high, low, close, TRUE);
}

double
ql_ta_willr_preview (const QlTaWillr *s, double high, double low, double close)
{
  return willr_step (MUT (s), high, low, close, FALSE);
}

void
ql_ta_willr (const double *high, const double *low, const double *close, gsize n,
             int period, double *out)
{
  QlTaWillr s0, s; /* s never escapes, so it lives in registers */
  ql_ta_willr_init (&s0, period);
  s = s0;
  for (gsize i = 0; i < n; i++)
    out[i] = willr_step (&s, high[i], low[i], close[i], TRUE);
  s0 = s;
  ql_ta_willr_clear (&s0);
}

/* ---- MFI: TA-Lib MFI ------------------------------------------------------ */

void
ql_ta_mfi_init (QlTaMfi *s, int period)
{
  GUARD (period >= 1, period = 1);
  s->period = period;
  s->n = 0;
  s->prev = 0;
  s->pos = s->neg = 0;
  s->npos = s->nneg = 0;
  ring_init (&s->rpos, period);
  ring_init (&s->rneg, period);
}

void
ql_ta_mfi_clear (QlTaMfi *s)
{
  ring_clear (&s->rpos);
  ring_clear (&s->rneg);
}

static inline double
mfi_step (QlTaMfi *s, double h, double l, double c, double v, gboolean commit)
{
  double tp, flow, pf, nf, pos = s->pos, neg = s->neg, total;
  int npos = s->npos, nneg = s->nneg;
  double out = NAN;

  if (isnan (h) || isnan (l) || isnan (c) || isnan (v))
    return NAN;
  tp = (h + l + c) / 3.0;
  if (s->n == 0)
    {
      if (commit)
        {
          s->prev = tp;
          s->n = 1;
        }
      return NAN;
    }
  if (s->rpos.count == (guint) s->period)
    {
      double op = s->rpos.buf[s->rpos.head], on = s->rneg.buf[s->rneg.head];
      pos -= op;
      neg -= on;
      npos -= op != 0.0;
      nneg -= on != 0.0;
    }
  flow = tp * v;
  pf = tp > s->prev ? flow : 0.0;
  nf = tp < s->prev ? flow : 0.0;
  pos += pf;
  neg += nf;
  npos += pf != 0.0;
  nneg += nf != 0.0;
  /* A window without flow on one side sums to exactly 0, not to residue. */
  if (npos == 0)
    pos = 0;
  if (nneg == 0)
    neg = 0;
  if (s->rpos.count + 1 >= (guint) s->period)
    {
      total = pos + neg;
      out = total <= 0.0 ? 0.0 : 100.0 * (pos / total);
    }
  if (commit)
    {
      s->prev = tp;
      s->pos = pos;
      s->neg = neg;
      s->npos = npos;
      s->nneg = nneg;
      ql_ta_ring_push (&s->rpos, pf);
      ql_ta_ring_push (&s->rneg, nf);
    }
  return out;
}

double
ql_ta_mfi_update (QlTaMfi *s, double high, double low, double close, double volume)
{
  return mfi_step (s, high, low, close, volume, TRUE);
}

double
ql_ta_mfi_preview (const QlTaMfi *s, double high, double low, double close, double volume)
{
  return mfi_step (MUT (s), high, low, close, volume, FALSE);
}

void
ql_ta_mfi (const double *high, const double *low, const double *close, const double *volume,
           gsize n, int period, double *out)
{
  QlTaMfi s0, s; /* s never escapes, so it lives in registers */
  ql_ta_mfi_init (&s0, period);
  s = s0;
  for (gsize i = 0; i < n; i++)
    out[i] = mfi_step (&s, high[i], low[i], close[i], volume[i], TRUE);
  s0 = s;
  ql_ta_mfi_clear (&s0);
}

/* ---- OBV, AD, ADOSC: TA-Lib OBV, AD and ADOSC ----------------------------- */

void
ql_ta_obv_init (QlTaObv *s)
{
  s->started = FALSE;
  s->prev = 0;
  s->obv = 0;
}

void
ql_ta_obv_clear (QlTaObv *s)
{
}

static inline double
obv_step (QlTaObv *s, double c, double v, gboolean commit)
{
  double obv;
  if (isnan (c) || isnan (v))
    return NAN;
  if (!s->started)
    obv = v;
  else if (c > s->prev)
    obv = s->obv + v;
  else if (c < s->prev)
    obv = s->obv - v;
  else
    obv = s->obv;
  if (commit)
    {
      s->started = TRUE;
      s->prev = c;
      s->obv = obv;
    }
  return obv;
}

double
ql_ta_obv_update (QlTaObv *s, double close, double volume)
{
  return obv_step (s, close, volume, TRUE);
}

double
ql_ta_obv_preview (const QlTaObv *s, double close, double volume)
{
  return obv_step (MUT (s), close, volume, FALSE);
}

void
ql_ta_obv (const double *close, const double *volume, gsize n, double *out)
{
  QlTaObv s0, s; /* s never escapes, so it lives in registers */
  ql_ta_obv_init (&s0);
  s = s0;
  for (gsize i = 0; i < n; i++)
    out[i] = obv_step (&s, close[i], volume[i], TRUE);
}

static inline double
ad_next (double ad, double h, double l, double c, double v)
{
  double range = h - l;
  if (range > 0.0)
    ad += (((c - l) - (h - c)) / range) * v;
  return ad;
}

void
ql_ta_ad_init (QlTaAd *s)
{
  s->ad = 0;
}

void
ql_ta_ad_clear (QlTaAd *s)
{
}

static inline double
ad_step (QlTaAd *s, double h, double l, double c, double v, gboolean commit)
{
  double ad;
  if (isnan (h) || isnan (l) || isnan (c) || isnan (v))
    return NAN;
  ad = ad_next (s->ad, h, l, c, v);
  if (commit)
    s->ad = ad;
  return ad;
}

double
ql_ta_ad_update (QlTaAd *s, double high, double low, double close, double volume)
{
  return ad_step (s, high, low, close, volume, TRUE);
}

double
ql_ta_ad_preview (const QlTaAd *s, double high, double low, double close, double volume)
{
  return ad_step (MUT (s), high, low, close, volume, FALSE);
}

void
ql_ta_ad (const double *high, const double *low, const double *close, const double *volume,
          gsize n, double *out)
{
  QlTaAd s0, s; /* s never escapes, so it lives in registers */
  ql_ta_ad_init (&s0);
  s = s0;
  for (gsize i = 0; i < n; i++)
    out[i] = ad_step (&s, high[i], low[i], close[i], volume[i], TRUE);
}

void
ql_ta_adosc_init (QlTaAdosc *s, int fast, int slow)
{
  GUARD (fast >= 1, fast = 1);
  GUARD (slow >= 1, slow = 1);
  s->slowest = MAX (fast, slow);
  s->n = 0;
  s->ad = 0;
  s->kf = 2.0 / (fast + 1);
  s->df = 1.0 - s->kf;
  s->ks = 2.0 / (slow + 1);
  s->ds = 1.0 - s->ks;
  s->fast = s->slow = 0;
}

void
ql_ta_adosc_clear (QlTaAdosc *s)
{
}

static inline double
adosc_step (QlTaAdosc *s, double h, double l, double c, double v, gboolean commit)
{
  double ad, f, sl;
  int n = s->n; /* bars committed, saturating at slowest */
  if (isnan (h) || isnan (l) || isnan (c) || isnan (v))
    return NAN;
  ad = ad_next (s->ad, h, l, c, v);
  if (n == 0)
    f = sl = ad; /* both EMAs start at the first AD value */
  else
    {
      f = s->kf * ad + s->df * s->fast;
      sl = s->ks * ad + s->ds * s->slow;
    }
  if (commit)
    {
      s->ad = ad;
      s->fast = f;
      s->slow = sl;
      if (n < s->slowest)
        s->n = n + 1;
    }
  return n + 1 >= s->slowest ? f - sl : NAN;
}

double
ql_ta_adosc_update (QlTaAdosc *s, double high, double low, double close, double volume)
{
  return adosc_step (s, high, low, close, volume, TRUE);
}

double
ql_ta_adosc_preview (const QlTaAdosc *s, double high, double low, double close, double volume)
{
  return adosc_step (MUT (s), high, low, close, volume, FALSE);
}

void
ql_ta_adosc (const double *high, const double *low, const double *close, const double *volume,
             gsize n, int fast, int slow, double *out)
{
  QlTaAdosc s0, s; /* s never escapes, so it lives in registers */
  ql_ta_adosc_init (&s0, fast, slow);
  s = s0;
  for (gsize i = 0; i < n; i++)
    out[i] = adosc_step (&s, high[i], low[i], close[i], volume[i], TRUE);
}

/* ---- ADX, PLUS_DI, MINUS_DI: TA-Lib, Wilder sums as TA-Lib writes them ---- */

void
ql_ta_adx_init (QlTaAdx *s, int period)
{
  GUARD (period >= 2, period = 2);
  s->period = period;
  s->n = 0;
  s->ph = s->pl = s->pc = 0;
  s->pdm = s->mdm = s->tr = 0;
  s->sum_dx = 0;
  s->adx = 0;
}

void
ql_ta_adx_clear (QlTaAdx *s)
{
}

/* TA-Lib's true range: the largest of h − l, |h − c[1]| and |l − c[1]|. */
static inline double
true_range (double h, double l, double pc)
{
  double r = h - l, t = fabs (h - pc);
  if (t > r)
    r = t;
  t = fabs (l - pc);
  if (t > r)
    r = t;
  return r;
}

static inline void
adx_step (QlTaAdx *s, double h, double l, double c, double *out, gboolean commit)
{
  int p = s->period;
  int n = s->n; /* bars committed so far; this bar has index n */
  double pdm = s->pdm, mdm = s->mdm, tr = s->tr, sum_dx = s->sum_dx, adx = s->adx;
  double dp, dm, range;

  out[0] = out[1] = out[2] = NAN;
  if (isnan (h) || isnan (l) || isnan (c))
    return;
  if (n > 0)
    {
      dp = h - s->ph;
      dm = s->pl - l;
      range = true_range (h, l, s->pc);
      if (n < p)
        {
          /* Bars 1..p−1: plain sums. */
          if (dm > 0 && dp < dm)
            mdm += dm;
          else if (dp > 0 && dp > dm)
            pdm += dp;
          tr += range;
        }
      else
        {
          mdm -= mdm / p;
          pdm -= pdm / p;
          if (dm > 0 && dp < dm)
            mdm += dm;
          else if (dp > 0 && dp > dm)
            pdm += dp;
          tr = tr - tr / p + range;
          {
            double mdi = 0, pdi = 0, dx = NAN;
            if (tr != 0.0)
              {
                double sum;
                mdi = 100.0 * (mdm / tr);
                pdi = 100.0 * (pdm / tr);
                sum = mdi + pdi;
                if (sum != 0.0)
                  dx = 100.0 * (fabs (mdi - pdi) / sum);
              }
            out[1] = pdi;
            out[2] = mdi;
            if (n < 2 * p - 1)
              {
                if (!isnan (dx))
                  sum_dx += dx;
              }
            else if (n == 2 * p - 1)
              {
                if (!isnan (dx))
                  sum_dx += dx;
                adx = sum_dx / p;
                out[0] = adx;
              }
            else
              {
                if (!isnan (dx))
                  adx = (adx * (p - 1) + dx) / p;
                out[0] = adx;
              }
          }
        }
    }
  if (commit)
    {
      s->ph = h;
      s->pl = l;
      s->pc = c;
      s->pdm = pdm;
      s->mdm = mdm;
      s->tr = tr;
      s->sum_dx = sum_dx;
      s->adx = adx;
      if (s->n < 2 * p)
        s->n++;
    }
}

void
ql_ta_adx_update (QlTaAdx *s, double high, double low, double close, double *out)
{
  adx_step (s, high, low, close, out, TRUE);
}

void
ql_ta_adx_preview (const QlTaAdx *s, double high, double low, double close, double *out)
{
  adx_step (MUT (s), high, low, close, out, FALSE);
}

void
ql_ta_adx (const double *high, const double *low, const double *close, gsize n, int period,
           double *out_adx, double *out_plus_di, double *out_minus_di)
{
  QlTaAdx s0, s; /* s never escapes, so it lives in registers */
  double o[3];
  ql_ta_adx_init (&s0, period);
  s = s0;
  for (gsize i = 0; i < n; i++)
    {
      adx_step (&s, high[i], low[i], close[i], o, TRUE);
      out_adx[i] = o[0];
      out_plus_di[i] = o[1];
      out_minus_di[i] = o[2];
    }
}

/* ---- AROON: TA-Lib AROON -------------------------------------------------- */

void
ql_ta_aroon_init (QlTaAroon *s, int period)
{
  GUARD (period >= 1, period = 1);
  s->period = period;
  mm_init (&s->hh, period + 1);
  mm_init (&s->ll, period + 1);
}

void
ql_ta_aroon_clear (QlTaAroon *s)
{
  mm_clear (&s->hh);
  mm_clear (&s->ll);
}

static inline void
aroon_step (QlTaAroon *s, double h, double l, double *out, gboolean commit)
{
  gint64 ah, al;
  gboolean full;
  double factor = 100.0 / s->period;

  out[0] = out[1] = NAN;
  if (isnan (h) || isnan (l))
    return;
  full = mm_full (&s->hh);
  mm_step (&s->hh, h, commit, &ah);
  mm_step (&s->ll, -l, commit, &al);
  if (full)
    {
      out[0] = factor * (s->period - ah);
      out[1] = factor * (s->period - al);
    }
}

void
ql_ta_aroon_update (QlTaAroon *s, double high, double low, double *out)
{
  aroon_step (s, high, low, out, TRUE);
}

void
ql_ta_aroon_preview (const QlTaAroon *s, double high, double low, double *out)
{
  aroon_step (MUT (s), high, low, out, FALSE);
}

void
ql_ta_aroon (const double *high, const double *low, gsize n, int period,
             double *out_up, double *out_down)
{
  QlTaAroon s0, s; /* s never escapes, so it lives in registers */
  double o[2];
  ql_ta_aroon_init (&s0, period);
  s = s0;
  for (gsize i = 0; i < n; i++)
    {
      aroon_step (&s, high[i], low[i], o, TRUE);
      out_up[i] = o[0];
      out_down[i] = o[1];
    }
  s0 = s;
  ql_ta_aroon_clear (&s0);
}

/* ---- SAR: TA-Lib SAR ------------------------------------------------------ */

void
ql_ta_sar_init (QlTaSar *s, double accel, double max)
{
  if (accel > max)
    accel = max; /* as TA-Lib */
  s->accel = accel;
  s->max = max;
  s->n = 0;
  s->is_long = TRUE;
  s->af = accel;
  s->ep = s->sar = 0;
  s->nh = s->nl = 0;
}

void
ql_ta_sar_clear (QlTaSar *s)
{
}

static inline double
sar_step (QlTaSar *s, double h, double l, gboolean commit)
{
  gboolean is_long = s->is_long;
  double af = s->af, ep = s->ep, sar = s->sar, out;
  double ph, pl;

  if (isnan (h) || isnan (l))
    return NAN;
  if (s->n == 0)
    {
      if (commit)
        {
          s->nh = h;
          s->nl = l;
          s->n = 1;
        }
      return NAN;
    }
  if (s->n == 1)
    {
      /* Direction from the first bar's −DM: short if the low fell further
       * than the high rose. */
      double dp = h - s->nh, dm = s->nl - l;
      is_long = !(dm > 0 && dp < dm);
      if (is_long)
        {
          ep = h;
          sar = s->nl;
        }
      else
        {
          ep = l;
          sar = s->nh;
        }
      af = s->accel;
      ph = h; /* TA-Lib lets the first bar be its own previous bar */
      pl = l;
    }
  else
    {
      ph = s->nh;
      pl = s->nl;
    }
  if (is_long)
    {
      if (l <= sar)
        {
          is_long = FALSE;
          sar = ep;
          if (sar < ph)
            sar = ph;
          if (sar < h)
            sar = h;
          out = sar;
          af = s->accel;
          ep = l;
          sar = sar + af * (ep - sar);
          if (sar < ph)
            sar = ph;
          if (sar < h)
            sar = h;
        }
      else
        {
          out = sar;
          if (h > ep)
            {
              ep = h;
              af += s->accel;
              if (af > s->max)
                af = s->max;
            }
          sar = sar + af * (ep - sar);
          if (sar > pl)
            sar = pl;
          if (sar > l)
            sar = l;
        }
    }
  else if (h >= sar)
    {
      is_long = TRUE;
      sar = ep;
      if (sar > pl)
        sar = pl;
      if (sar > l)
        sar = l;
      out = sar;
      af = s->accel;
      ep = h;
      sar = sar + af * (ep - sar);
      if (sar > pl)
        sar = pl;
      if (sar > l)
        sar = l;
    }
  else
    {
      out = sar;
      if (l < ep)
        {
          ep = l;
          af += s->accel;
          if (af > s->max)
            af = s->max;
        }
      sar = sar + af * (ep - sar);
      if (sar < ph)
        sar = ph;
      if (sar < h)
        sar = h;
    }
  if (commit)
    {
      s->is_long = is_long;
      s->af = af;
      s->ep = ep;
      s->sar = sar;
      s->nh = h;
      s->nl = l;
      s->n = 2;
    }
  return out;
}

double
ql_ta_sar_update (QlTaSar *s, double high, double low)
{
  return sar_step (s, high, low, TRUE);
}

double
ql_ta_sar_preview (const QlTaSar *s, double high, double low)
{
  return sar_step (MUT (s), high, low, FALSE);
}

void
ql_ta_sar (const double *high, const double *low, gsize n, double accel, double max,
           double *out)
{
  QlTaSar s0, s; /* s never escapes, so it lives in registers */
  ql_ta_sar_init (&s0, accel, max);
  s = s0;
  for (gsize i = 0; i < n; i++)
    out[i] = sar_step (&s, high[i], low[i], TRUE);
}

/* ---- TRANGE, ATR, NATR: TA-Lib -------------------------------------------- */

void
ql_ta_trange_init (QlTaTrange *s)
{
  s->started = FALSE;
  s->pc = 0;
}

void
ql_ta_trange_clear (QlTaTrange *s)
{
}

static inline double
trange_step (QlTaTrange *s, double h, double l, double c, gboolean commit)
{
  double out;
  if (isnan (h) || isnan (l) || isnan (c))
    return NAN;
  out = s->started ? true_range (h, l, s->pc) : NAN;
  if (commit)
    {
      s->started = TRUE;
      s->pc = c;
    }
  return out;
}

double
ql_ta_trange_update (QlTaTrange *s, double high, double low, double close)
{
  return trange_step (s, high, low, close, TRUE);
}

double
ql_ta_trange_preview (const QlTaTrange *s, double high, double low, double close)
{
  return trange_step (MUT (s), high, low, close, FALSE);
}

void
ql_ta_trange (const double *high, const double *low, const double *close, gsize n,
              double *out)
{
  QlTaTrange s0, s; /* s never escapes, so it lives in registers */
  ql_ta_trange_init (&s0);
  s = s0;
  for (gsize i = 0; i < n; i++)
    out[i] = trange_step (&s, high[i], low[i], close[i], TRUE);
}

void
ql_ta_atr_init (QlTaAtr *s, int period)
{
  GUARD (period >= 1, period = 1);
  s->period = period;
  s->n = -1; /* -1: no bar yet; then true ranges seen */
  s->alpha = 1.0 / period;
  s->decay = 1.0 - s->alpha;
  s->pc = 0;
  s->sum = 0;
  s->atr = NAN;
}

void
ql_ta_atr_clear (QlTaAtr *s)
{
}

static inline double
atr_step (QlTaAtr *s, double h, double l, double c, gboolean commit)
{
  double tr, atr, sum = s->sum;
  int n = s->n;

  if (isnan (h) || isnan (l) || isnan (c))
    return NAN;
  if (G_LIKELY (n >= s->period))
    {
      tr = true_range (h, l, s->pc);
      atr = s->atr * s->decay + tr * s->alpha;
    }
  else if (n < 0)
    {
      atr = NAN;
      n = 0;
    }
  else
    {
      tr = true_range (h, l, s->pc);
      sum += tr;
      n++;
      atr = n == s->period ? sum / s->period : NAN;
    }
  if (commit)
    {
      s->pc = c;
      s->atr = atr;
      s->sum = sum;
      s->n = n;
    }
  return atr;
}

double
ql_ta_atr_update (QlTaAtr *s, double high, double low, double close)
{
  return atr_step (s, high, low, close, TRUE);
}

double
ql_ta_atr_preview (const QlTaAtr *s, double high, double low, double close)
{
  return atr_step (MUT (s), high, low, close, FALSE);
}

void
ql_ta_atr (const double *high, const double *low, const double *close, gsize n,
           int period, double *out)
{
  QlTaAtr s0, s; /* s never escapes, so it lives in registers */
  ql_ta_atr_init (&s0, period);
  s = s0;
  for (gsize i = 0; i < n; i++)
    out[i] = atr_step (&s, high[i], low[i], close[i], TRUE);
}

static inline double
natr_step (QlTaAtr *s, double h, double l, double c, gboolean commit)
{
  double atr = atr_step (s, h, l, c, commit);
  if (isnan (atr))
    return NAN;
  return c != 0.0 ? (atr / c) * 100.0 : 0.0;
}

double
ql_ta_natr_update (QlTaAtr *s, double high, double low, double close)
{
  return natr_step (s, high, low, close, TRUE);
}

double
ql_ta_natr_preview (const QlTaAtr *s, double high, double low, double close)
{
  return natr_step (MUT (s), high, low, close, FALSE);
}

void
ql_ta_natr (const double *high, const double *low, const double *close, gsize n,
            int period, double *out)
{
  QlTaAtr s0, s; /* s never escapes, so it lives in registers */
  ql_ta_atr_init (&s0, period);
  s = s0;
  for (gsize i = 0; i < n; i++)
    out[i] = natr_step (&s, high[i], low[i], close[i], TRUE);
}

/* ---- VAR, STDDEV, BBANDS: TA-Lib, running sums of x and x² ---------------- */

void
ql_ta_var_init (QlTaVar *s, int period)
{
  GUARD (period >= 1, period = 1);
  s->period = period;
  s->inv = 1.0 / period;
  s->flat = 0;
  s->prev = 0;
  s->sum = s->sumsq = 0;
  ring_init (&s->ring, period);
}

void
ql_ta_var_clear (QlTaVar *s)
{
  ring_clear (&s->ring);
}

/* Mean and population variance of the window ending with x; FALSE in warm-up. */
static inline gboolean
var_step (QlTaVar *s, double x, double *mean, double *var, gboolean commit)
{
  double sum, sumsq, m, v;
  int flat;
  gboolean full;

  /* Equal consecutive inputs: a window of them has exactly no variance,
   * whatever residue the running sums carry. */
  flat = x == s->prev ? s->flat + 1 : 1;
  if (flat > s->period)
    flat = s->period;
  if (G_LIKELY (s->ring.count == (guint) s->period))
    {
      double old = s->ring.buf[s->ring.head];
      sum = s->sum + (x - old);
      sumsq = s->sumsq + (x * x - old * old);
      full = TRUE;
      if (commit)
        {
          s->ring.buf[s->ring.head] = x;
          s->ring.head = s->ring.head + 1 == s->ring.cap ? 0 : s->ring.head + 1;
        }
    }
  else
    {
      if (s->ring.count == 0)
        flat = 1;
      sum = s->sum + x;
      sumsq = s->sumsq + x * x;
      full = s->ring.count + 1 == (guint) s->period;
      if (commit)
        ql_ta_ring_push (&s->ring, x);
    }
  /* Multiplying by 1/period (not dividing) keeps bbands within its speed
   * target; the difference from TA-Lib's division is rounding only. */
  m = sum * s->inv;
  v = sumsq * s->inv - m * m;
  if (flat >= s->period || !(v > 0.0))
    v = 0.0;
  *mean = m;
  *var = v;
  if (commit)
    {
      s->sum = sum;
      s->sumsq = sumsq;
      s->flat = flat;
      s->prev = x;
    }
  return full;
}

static inline double
variance_step (QlTaVar *s, double x, gboolean commit)
{
  double m, v;
  if (isnan (x))
    return NAN;
  return var_step (s, x, &m, &v, commit) ? v : NAN;
}

double
ql_ta_var_update (QlTaVar *s, double x)
{
  return variance_step (s, x, TRUE);
}

double
ql_ta_var_preview (const QlTaVar *s, double x)
{
  return variance_step (MUT (s), x, FALSE);
}

void
ql_ta_var (const double *in, gsize n, int period, double *out)
{
  QlTaVar s0, s; /* s never escapes, so it lives in registers */
  ql_ta_var_init (&s0, period);
  s = s0;
  for (gsize i = 0; i < n; i++)
    out[i] = variance_step (&s, in[i], TRUE);
  s0 = s;
  ql_ta_var_clear (&s0);
}

void
ql_ta_stddev_init (QlTaBbands *s, int period, double mult)
{
  s->mult = mult;
  ql_ta_var_init (&s->var, period);
}

void
ql_ta_stddev_clear (QlTaBbands *s)
{
  ql_ta_var_clear (&s->var);
}

static inline double
stddev_step (QlTaBbands *s, double x, gboolean commit)
{
  double m, v;
  if (isnan (x))
    return NAN;
  return var_step (&s->var, x, &m, &v, commit) ? s->mult * sqrt (v) : NAN;
}

double
ql_ta_stddev_update (QlTaBbands *s, double x)
{
  return stddev_step (s, x, TRUE);
}

double
ql_ta_stddev_preview (const QlTaBbands *s, double x)
{
  return stddev_step (MUT (s), x, FALSE);
}

void
ql_ta_stddev (const double *in, gsize n, int period, double mult, double *out)
{
  QlTaBbands s0, s; /* s never escapes, so it lives in registers */
  ql_ta_stddev_init (&s0, period, mult);
  s = s0;
  for (gsize i = 0; i < n; i++)
    out[i] = stddev_step (&s, in[i], TRUE);
  s0 = s;
  ql_ta_stddev_clear (&s0);
}

void
ql_ta_bbands_init (QlTaBbands *s, int period, double mult)
{
  ql_ta_stddev_init (s, period, mult);
}

void
ql_ta_bbands_clear (QlTaBbands *s)
{
  ql_ta_var_clear (&s->var);
}

static inline void
bbands_step (QlTaBbands *s, double x, double *out, gboolean commit)
{
  double m, v;
  out[0] = out[1] = out[2] = NAN;
  if (isnan (x))
    return;
  if (var_step (&s->var, x, &m, &v, commit))
    {
      double dev = s->mult * sqrt (v);
      out[0] = m + dev;
      out[1] = m;
      out[2] = m - dev;
    }
}

void
ql_ta_bbands_update (QlTaBbands *s, double x, double *out)
{
  bbands_step (s, x, out, TRUE);
}

void
ql_ta_bbands_preview (const QlTaBbands *s, double x, double *out)
{
  bbands_step (MUT (s), x, out, FALSE);
}

/* Batch over an input without NaN: the same operations as var_step and
 * bbands_step in the same order, with the oldest input read from the array
 * instead of the ring (fewer instructions per point: sqrt's throughput is the
 * limit here). */
/* sqrt of a value known to be >= 0: the SSE2 instruction directly, without
 * libm's errno path (IEEE sqrt is correctly rounded either way, so the value
 * is the one sqrt () gives in bbands_step). */
static inline double
sqrt_nonneg (double v)
{
#ifdef __SSE2__
  return _mm_cvtsd_f64 (_mm_sqrt_sd (_mm_setzero_pd (), _mm_set_sd (v)));
#else
  return sqrt (v);
#endif
}

/* Batch while no NaN appears: the same operations as var_step and
 * bbands_step in the same order, with the oldest input read from the array
 * instead of the ring (fewer instructions per point: sqrt's throughput is the
 * limit here).  Returns the index of the first NaN (n if none) and leaves
 * the state reached before it in @st. */
static gsize
bbands_dense (const double *in, gsize n, int period, double mult,
              double *out_upper, double *out_middle, double *out_lower, QlTaVar *st)
{
  double inv = 1.0 / period, sum = 0, sumsq = 0, prev = 0;
  int flat = 0;
  gsize i = 0;

  for (; i < n && i < (gsize) period; i++)
    {
      double x = in[i];
      if (isnan (x))
        goto out;
      flat = (i > 0 && x == prev) ? flat + 1 : 1;
      prev = x;
      sum = sum + x;
      sumsq = sumsq + x * x;
      out_upper[i] = out_middle[i] = out_lower[i] = NAN;
    }
  if (i == (gsize) period)
    {
      /* The first full window: the last warm-up input gets its bands. */
      double m = sum * inv, v = sumsq * inv - m * m, dev;
      if (flat >= period || !(v > 0.0))
        v = 0.0;
      dev = mult * sqrt_nonneg (v);
      out_upper[i - 1] = m + dev;
      out_middle[i - 1] = m;
      out_lower[i - 1] = m - dev;
    }
  for (; i < n; i++)
    {
      double x = in[i], old = in[i - period], m, v, dev;

      if (G_UNLIKELY (isnan (x)))
        goto out;
      flat = x == prev ? flat + 1 : 1;
      if (flat > period)
        flat = period;
      prev = x;
      sum = sum + (x - old);
      sumsq = sumsq + (x * x - old * old);
      m = sum * inv;
      v = sumsq * inv - m * m;
      if (flat >= period || !(v > 0.0))
        v = 0.0;
      dev = mult * sqrt_nonneg (v);
      out_upper[i] = m + dev;
      out_middle[i] = m;
      out_lower[i] = m - dev;
    }
out:
  st->sum = sum;
  st->sumsq = sumsq;
  st->flat = flat;
  st->prev = prev;
  for (gsize j = i > (gsize) period ? i - period : 0; j < i; j++)
    ql_ta_ring_push (&st->ring, in[j]);
  return i;
}

void
ql_ta_bbands (const double *in, gsize n, int period, double mult,
              double *out_upper, double *out_middle, double *out_lower)
{
  QlTaBbands s0, s; /* s never escapes, so it lives in registers */
  double o[3];
  gsize i;

  ql_ta_bbands_init (&s0, period, mult);
  /* Up to the first NaN the dense loop; from there the ring-based step. */
  i = bbands_dense (in, n, s0.var.period, s0.mult, out_upper, out_middle, out_lower, &s0.var);
  s = s0;
  for (; i < n; i++)
    {
      bbands_step (&s, in[i], o, TRUE);
      out_upper[i] = o[0];
      out_middle[i] = o[1];
      out_lower[i] = o[2];
    }
  s0 = s;
  ql_ta_bbands_clear (&s0);
}

/* ---- LINREG: TA-Lib LINEARREG and LINEARREG_SLOPE, running sums ----------- */

void
ql_ta_linreg_init (QlTaLinreg *s, int period)
{
  GUARD (period >= 2, period = 2);
  s->period = period;
  s->sy = s->sxy = 0;
  ring_init (&s->ring, period);
}

void
ql_ta_linreg_clear (QlTaLinreg *s)
{
  ring_clear (&s->ring);
}

static inline void
linreg_step (QlTaLinreg *s, double x, double *out, gboolean commit)
{
  double p = s->period;
  guint c = s->ring.count;
  double sy, sxy;

  out[0] = out[1] = NAN;
  if (isnan (x))
    return;
  /* Positions 0 (oldest) .. p−1 (newest) within the window. */
  if (c < (guint) s->period)
    {
      sy = s->sy + x;
      sxy = s->sxy + x * (double) c;
    }
  else
    {
      double old = s->ring.buf[s->ring.head];
      sxy = s->sxy - (s->sy - old) + x * (p - 1);
      sy = s->sy + (x - old);
    }
  if (c + 1 >= (guint) s->period)
    {
      double sx = p * (p - 1) * 0.5;
      double sxx = p * (p - 1) * (2 * p - 1) / 6.0;
      double m = (p * sxy - sx * sy) / (p * sxx - sx * sx);
      double b = (sy - m * sx) / p;
      out[0] = b + m * (p - 1);
      out[1] = m;
    }
  if (commit)
    {
      s->sy = sy;
      s->sxy = sxy;
      ql_ta_ring_push (&s->ring, x);
    }
}

void
ql_ta_linreg_update (QlTaLinreg *s, double x, double *out)
{
  linreg_step (s, x, out, TRUE);
}

void
ql_ta_linreg_preview (const QlTaLinreg *s, double x, double *out)
{
  linreg_step (MUT (s), x, out, FALSE);
}

void
ql_ta_linreg (const double *in, gsize n, int period, double *out_value, double *out_slope)
{
  QlTaLinreg s0, s; /* s never escapes, so it lives in registers */
  double o[2];
  ql_ta_linreg_init (&s0, period);
  s = s0;
  for (gsize i = 0; i < n; i++)
    {
      linreg_step (&s, in[i], o, TRUE);
      out_value[i] = o[0];
      out_slope[i] = o[1];
    }
  s0 = s;
  ql_ta_linreg_clear (&s0);
}

/* ---- CORREL: TA-Lib CORREL ------------------------------------------------ */

void
ql_ta_correl_init (QlTaCorrel *s, int period)
{
  GUARD (period >= 1, period = 1);
  s->period = period;
  s->flat_a = s->flat_b = 0;
  s->pa = s->pb = 0;
  s->sa = s->sb = s->saa = s->sbb = s->sab = 0;
  ring_init (&s->ra, period);
  ring_init (&s->rb, period);
}

void
ql_ta_correl_clear (QlTaCorrel *s)
{
  ring_clear (&s->ra);
  ring_clear (&s->rb);
}

static inline double
correl_step (QlTaCorrel *s, double a, double b, gboolean commit)
{
  double p = s->period;
  double sa = s->sa + a, sb = s->sb + b, saa = s->saa + a * a, sbb = s->sbb + b * b;
  double sab = s->sab + a * b;
  gboolean started = s->ra.count > 0;
  int fa, fb;
  double out = NAN;

  if (isnan (a) || isnan (b))
    return NAN;
  fa = MIN (started && a == s->pa ? s->flat_a + 1 : 1, s->period);
  fb = MIN (started && b == s->pb ? s->flat_b + 1 : 1, s->period);
  if (s->ra.count + 1 >= (guint) s->period)
    {
      double va = saa - (sa * sa) / p, vb = sbb - (sb * sb) / p;
      double t = va * vb;
      if (fa >= s->period || fb >= s->period || !(va > 0.0) || !(vb > 0.0) || !(t > 0.0))
        out = 0.0;
      else
        out = (sab - (sa * sb) / p) / sqrt (t);
    }
  if (s->ra.count + 1 >= (guint) s->period)
    {
      /* As TA-Lib: the output first, then the window's oldest pair leaves,
       * so the sums carry period − 1 pairs between bars. */
      double oa = s->period == 1 ? a : ring_back (&s->ra, s->period - 2);
      double ob = s->period == 1 ? b : ring_back (&s->rb, s->period - 2);
      sa -= oa;
      sb -= ob;
      saa -= oa * oa;
      sbb -= ob * ob;
      sab -= oa * ob;
    }
  if (commit)
    {
      s->flat_a = fa;
      s->flat_b = fb;
      s->pa = a;
      s->pb = b;
      s->sa = sa;
      s->sb = sb;
      s->saa = saa;
      s->sbb = sbb;
      s->sab = sab;
      ql_ta_ring_push (&s->ra, a);
      ql_ta_ring_push (&s->rb, b);
    }
  return out;
}

double
ql_ta_correl_update (QlTaCorrel *s, double a, double b)
{
  return correl_step (s, a, b, TRUE);
}

double
ql_ta_correl_preview (const QlTaCorrel *s, double a, double b)
{
  return correl_step (MUT (s), a, b, FALSE);
}

void
ql_ta_correl (const double *a, const double *b, gsize n, int period, double *out)
{
  QlTaCorrel s0, s; /* s never escapes, so it lives in registers */
  ql_ta_correl_init (&s0, period);
  s = s0;
  for (gsize i = 0; i < n; i++)
    out[i] = correl_step (&s, a[i], b[i], TRUE);
  s0 = s;
  ql_ta_correl_clear (&s0);
}

/* ---- HIGHEST, LOWEST: TA-Lib MAX and MIN with the age --------------------- */

void
ql_ta_highest_init (QlTaExtreme *s, int period)
{
  GUARD (period >= 1, period = 1);
  s->is_max = TRUE;
  mm_init (&s->mm, period);
}

void
ql_ta_lowest_init (QlTaExtreme *s, int period)
{
  GUARD (period >= 1, period = 1);
  s->is_max = FALSE;
  mm_init (&s->mm, period);
}

void
ql_ta_extreme_clear (QlTaExtreme *s)
{
  mm_clear (&s->mm);
}

static inline void
extreme_step (QlTaExtreme *s, double x, double *out, gboolean commit)
{
  gint64 ago;
  gboolean full;
  double v;

  out[0] = out[1] = NAN;
  if (isnan (x))
    return;
  full = mm_full (&s->mm);
  v = mm_step (&s->mm, s->is_max ? x : -x, commit, &ago);
  if (full)
    {
      out[0] = s->is_max ? v : -v;
      out[1] = (double) ago;
    }
}

void
ql_ta_extreme_update (QlTaExtreme *s, double x, double *out)
{
  extreme_step (s, x, out, TRUE);
}

void
ql_ta_extreme_preview (const QlTaExtreme *s, double x, double *out)
{
  extreme_step (MUT (s), x, out, FALSE);
}

static void
extreme_batch (QlTaExtreme *s, const double *in, gsize n, double *out_value, double *out_bars)
{
  double o[2];
  for (gsize i = 0; i < n; i++)
    {
      extreme_step (s, in[i], o, TRUE);
      out_value[i] = o[0];
      out_bars[i] = o[1];
    }
  ql_ta_extreme_clear (s);
}

void
ql_ta_highest (const double *in, gsize n, int period, double *out_value, double *out_bars)
{
  QlTaExtreme s0, s; /* s never escapes, so it lives in registers */
  ql_ta_highest_init (&s0, period);
  s = s0;
  extreme_batch (&s, in, n, out_value, out_bars);
}

void
ql_ta_lowest (const double *in, gsize n, int period, double *out_value, double *out_bars)
{
  QlTaExtreme s0, s; /* s never escapes, so it lives in registers */
  ql_ta_lowest_init (&s0, period);
  s = s0;
  extreme_batch (&s, in, n, out_value, out_bars);
}

/* ---- DONCHIAN: TradingView Donchian Channels ------------------------------ */

void
ql_ta_donchian_init (QlTaDonchian *s, int period)
{
  GUARD (period >= 1, period = 1);
  mm_init (&s->hh, period);
  mm_init (&s->ll, period);
}

void
ql_ta_donchian_clear (QlTaDonchian *s)
{
  mm_clear (&s->hh);
  mm_clear (&s->ll);
}

static inline void
donchian_step (QlTaDonchian *s, double h, double l, double *out, gboolean commit)
{
  gint64 ago;
  gboolean full;
  double hi, lo;

  out[0] = out[1] = out[2] = NAN;
  if (isnan (h) || isnan (l))
    return;
  full = mm_full (&s->hh);
  hi = mm_step (&s->hh, h, commit, &ago);
  lo = -mm_step (&s->ll, -l, commit, &ago);
  if (full)
    {
      out[0] = hi;
      out[1] = (hi + lo) / 2;
      out[2] = lo;
    }
}

void
ql_ta_donchian_update (QlTaDonchian *s, double high, double low, double *out)
{
  donchian_step (s, high, low, out, TRUE);
}

void
ql_ta_donchian_preview (const QlTaDonchian *s, double high, double low, double *out)
{
  donchian_step (MUT (s), high, low, out, FALSE);
}

void
ql_ta_donchian (const double *high, const double *low, gsize n, int period,
                double *out_upper, double *out_middle, double *out_lower)
{
  QlTaDonchian s0, s; /* s never escapes, so it lives in registers */
  double o[3];
  ql_ta_donchian_init (&s0, period);
  s = s0;
  for (gsize i = 0; i < n; i++)
    {
      donchian_step (&s, high[i], low[i], o, TRUE);
      out_upper[i] = o[0];
      out_middle[i] = o[1];
      out_lower[i] = o[2];
    }
  s0 = s;
  ql_ta_donchian_clear (&s0);
}

/* ---- TradingView ta.atr: first true range h − l, RMA seeded with an SMA --- */

static void
tvatr_init (QlTaTvAtr *s, int period)
{
  s->started = FALSE;
  s->pc = 0;
  ql_ta_rma_init (&s->rma, period);
}

static inline double
tvatr_step (QlTaTvAtr *s, double h, double l, double c, gboolean commit)
{
  double tr = s->started ? true_range (h, l, s->pc) : h - l;
  double atr = ql_ta_ema_step (&s->rma, tr, commit);
  if (commit)
    {
      s->started = TRUE;
      s->pc = c;
    }
  return atr;
}

/* ---- KC: TradingView Keltner Channels, Average True Range style ----------- */

void
ql_ta_kc_init (QlTaKc *s, int period, double mult, int atr_period)
{
  GUARD (period >= 1, period = 1);
  GUARD (atr_period >= 1, atr_period = 1);
  s->mult = mult;
  ql_ta_ema_init (&s->mid, period);
  tvatr_init (&s->atr, atr_period);
}

void
ql_ta_kc_clear (QlTaKc *s)
{
}

static inline void
kc_step (QlTaKc *s, double h, double l, double c, double src, double *out, gboolean commit)
{
  double mid, atr;
  out[0] = out[1] = out[2] = NAN;
  if (isnan (h) || isnan (l) || isnan (c) || isnan (src))
    return;
  mid = ql_ta_ema_step (&s->mid, src, commit);
  atr = tvatr_step (&s->atr, h, l, c, commit);
  out[1] = mid;
  if (!isnan (mid) && !isnan (atr))
    {
      out[0] = mid + atr * s->mult;
      out[2] = mid - atr * s->mult;
    }
}

void
ql_ta_kc_update (QlTaKc *s, double high, double low, double close, double src, double *out)
{
  kc_step (s, high, low, close, src, out, TRUE);
}

void
ql_ta_kc_preview (const QlTaKc *s, double high, double low, double close, double src,
                  double *out)
{
  kc_step (MUT (s), high, low, close, src, out, FALSE);
}

void
ql_ta_kc (const double *high, const double *low, const double *close, const double *src,
          gsize n, int period, double mult, int atr_period,
          double *out_upper, double *out_middle, double *out_lower)
{
  QlTaKc s0, s; /* s never escapes, so it lives in registers */
  double o[3];
  ql_ta_kc_init (&s0, period, mult, atr_period);
  s = s0;
  for (gsize i = 0; i < n; i++)
    {
      kc_step (&s, high[i], low[i], close[i], src[i], o, TRUE);
      out_upper[i] = o[0];
      out_middle[i] = o[1];
      out_lower[i] = o[2];
    }
}

/* ---- ICHIMOKU: TradingView Ichimoku Cloud, spans at their drawn bar ------- */

void
ql_ta_ichimoku_init (QlTaIchimoku *s, int conversion, int base, int span_b, int displacement)
{
  GUARD (conversion >= 1, conversion = 1);
  GUARD (base >= 1, base = 1);
  GUARD (span_b >= 1, span_b = 1);
  GUARD (displacement >= 1, displacement = 1);
  s->displacement = displacement;
  ql_ta_donchian_init (&s->conv, conversion);
  ql_ta_donchian_init (&s->base, base);
  ql_ta_donchian_init (&s->span_b, span_b);
  ring_init (&s->da, displacement);
  ring_init (&s->db, displacement);
}

void
ql_ta_ichimoku_clear (QlTaIchimoku *s)
{
  ql_ta_donchian_clear (&s->conv);
  ql_ta_donchian_clear (&s->base);
  ql_ta_donchian_clear (&s->span_b);
  ring_clear (&s->da);
  ring_clear (&s->db);
}

static inline void
ichimoku_step (QlTaIchimoku *s, double h, double l, double c, double *out, gboolean commit)
{
  double cv[3], bv[3], sv[3], a;
  guint lag = (guint) s->displacement - 1;

  for (int i = 0; i < 5; i++)
    out[i] = NAN;
  if (isnan (h) || isnan (l) || isnan (c))
    return;
  donchian_step (&s->conv, h, l, cv, commit);
  donchian_step (&s->base, h, l, bv, commit);
  donchian_step (&s->span_b, h, l, sv, commit);
  a = (cv[1] + bv[1]) / 2; /* NAN until both are valid */
  out[0] = cv[1];
  out[1] = bv[1];
  if (lag == 0)
    {
      out[2] = a;
      out[3] = sv[1];
    }
  else if (s->da.count >= lag)
    {
      out[2] = ring_back (&s->da, lag - 1);
      out[3] = ring_back (&s->db, lag - 1);
    }
  out[4] = c;
  if (commit)
    {
      ql_ta_ring_push (&s->da, a);
      ql_ta_ring_push (&s->db, sv[1]);
    }
}

void
ql_ta_ichimoku_update (QlTaIchimoku *s, double high, double low, double close, double *out)
{
  ichimoku_step (s, high, low, close, out, TRUE);
}

void
ql_ta_ichimoku_preview (const QlTaIchimoku *s, double high, double low, double close,
                        double *out)
{
  ichimoku_step (MUT (s), high, low, close, out, FALSE);
}

void
ql_ta_ichimoku (const double *high, const double *low, const double *close, gsize n,
                int conversion, int base, int span_b, int displacement,
                double *const out[5])
{
  QlTaIchimoku s0, s; /* s never escapes, so it lives in registers */
  double o[5];
  ql_ta_ichimoku_init (&s0, conversion, base, span_b, displacement);
  s = s0;
  for (gsize i = 0; i < n; i++)
    {
      ichimoku_step (&s, high[i], low[i], close[i], o, TRUE);
      for (int k = 0; k < 5; k++)
        out[k][i] = o[k];
    }
  s0 = s;
  ql_ta_ichimoku_clear (&s0);
}

/* ---- SUPERTREND: TradingView ta.supertrend -------------------------------- */

void
ql_ta_supertrend_init (QlTaSupertrend *s, double factor, int period)
{
  GUARD (period >= 1, period = 1);
  s->factor = factor;
  tvatr_init (&s->atr, period);
  s->valid = FALSE;
  s->pc = NAN;
  s->up = s->lo = s->st = NAN;
}

void
ql_ta_supertrend_clear (QlTaSupertrend *s)
{
}

static inline void
supertrend_step (QlTaSupertrend *s, double h, double l, double c, double *out, gboolean commit)
{
  double atr, src, up, lo, pu, pl, st = NAN;
  int tv_dir = 0; /* TradingView's: −1 up trend, +1 down trend */

  out[0] = out[1] = NAN;
  if (isnan (h) || isnan (l) || isnan (c))
    return;
  atr = tvatr_step (&s->atr, h, l, c, commit);
  up = lo = NAN;
  if (!isnan (atr))
    {
      src = (h + l) / 2;
      up = src + s->factor * atr;
      lo = src - s->factor * atr;
      pl = s->valid ? s->lo : 0.0; /* nz () of the previous band */
      pu = s->valid ? s->up : 0.0;
      lo = (lo > pl || s->pc < pl) ? lo : pl;
      up = (up < pu || s->pc > pu) ? up : pu;
      if (!s->valid)
        tv_dir = 1;
      else if (s->st == pu)
        tv_dir = c > up ? -1 : 1;
      else
        tv_dir = c < lo ? 1 : -1;
      st = tv_dir == -1 ? lo : up;
      out[0] = st;
      out[1] = -tv_dir;
    }
  if (commit)
    {
      s->valid = !isnan (atr);
      s->up = up;
      s->lo = lo;
      s->st = st;
      s->pc = c;
    }
}

void
ql_ta_supertrend_update (QlTaSupertrend *s, double high, double low, double close, double *out)
{
  supertrend_step (s, high, low, close, out, TRUE);
}

void
ql_ta_supertrend_preview (const QlTaSupertrend *s, double high, double low, double close,
                          double *out)
{
  supertrend_step (MUT (s), high, low, close, out, FALSE);
}

void
ql_ta_supertrend (const double *high, const double *low, const double *close, gsize n,
                  double factor, int period, double *out_st, double *out_dir)
{
  QlTaSupertrend s0, s; /* s never escapes, so it lives in registers */
  double o[2];
  ql_ta_supertrend_init (&s0, factor, period);
  s = s0;
  for (gsize i = 0; i < n; i++)
    {
      supertrend_step (&s, high[i], low[i], close[i], o, TRUE);
      out_st[i] = o[0];
      out_dir[i] = o[1];
    }
}

/* ---- PIVOTS: classic floor pivots from the previous trading day ----------- */

void
ql_ta_pivots_init (QlTaPivots *s)
{
  s->started = s->have_prev = FALSE;
  s->day = 0;
  s->h = s->l = s->c = 0;
  s->ph = s->pl = s->pcl = 0;
}

void
ql_ta_pivots_clear (QlTaPivots *s)
{
}

static inline void
pivots_step (QlTaPivots *s, gint64 day, double h, double l, double c, double *out,
             gboolean commit)
{
  gboolean have_prev = s->have_prev;
  double ph = s->ph, pl = s->pl, pcl = s->pcl;
  double ch, cl;

  for (int i = 0; i < 7; i++)
    out[i] = NAN;
  if (isnan (h) || isnan (l) || isnan (c))
    return;
  if (s->started && day == s->day)
    {
      ch = MAX (s->h, h);
      cl = MIN (s->l, l);
    }
  else
    {
      if (s->started)
        {
          have_prev = TRUE;
          ph = s->h;
          pl = s->l;
          pcl = s->c;
        }
      ch = h;
      cl = l;
    }
  if (have_prev)
    {
      double p = (ph + pl + pcl) / 3;
      out[0] = p;
      out[1] = 2 * p - pl;
      out[2] = 2 * p - ph;
      out[3] = p + (ph - pl);
      out[4] = p - (ph - pl);
      out[5] = ph + 2 * (p - pl);
      out[6] = pl - 2 * (ph - p);
    }
  if (commit)
    {
      s->started = TRUE;
      s->day = day;
      s->h = ch;
      s->l = cl;
      s->c = c;
      s->have_prev = have_prev;
      s->ph = ph;
      s->pl = pl;
      s->pcl = pcl;
    }
}

void
ql_ta_pivots_update (QlTaPivots *s, gint64 day, double high, double low, double close,
                     double *out)
{
  pivots_step (s, day, high, low, close, out, TRUE);
}

void
ql_ta_pivots_preview (const QlTaPivots *s, gint64 day, double high, double low, double close,
                      double *out)
{
  pivots_step (MUT (s), day, high, low, close, out, FALSE);
}

void
ql_ta_pivots (const gint64 *day, const double *high, const double *low, const double *close,
              gsize n, double *const out[7])
{
  QlTaPivots s0, s; /* s never escapes, so it lives in registers */
  double o[7];
  ql_ta_pivots_init (&s0);
  s = s0;
  for (gsize i = 0; i < n; i++)
    {
      pivots_step (&s, day[i], high[i], low[i], close[i], o, TRUE);
      for (int k = 0; k < 7; k++)
        out[k][i] = o[k];
    }
}
