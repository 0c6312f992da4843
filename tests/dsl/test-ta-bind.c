/* tests/dsl/test-ta-bind.c — the ta.* rows against the engine's indicators,
 * and Pine's helpers on hand-worked sequences. */
#include "dsl/ta_bind.h"

#include "engine/indicator.h"
#include "engine/ta.h"

#include <math.h>
#include <string.h>

/* ---- data ----------------------------------------------------------------- */

/* ~500 random bars: a random walk, some bars with one NaN field, a flat
 * stretch (every price equal, constant volume), a stretch of zero volume,
 * and bars 90 minutes apart so that UTC days change every 16 bars. */
static QlSeries *
random_bars (guint32 seed, gsize n)
{
  QlSeries *bars = ql_series_new_bars ();
  GRand *rng = g_rand_new_with_seed (seed);
  double v = 100;

  for (gsize i = 0; i < n; i++)
    {
      QlBar b = { 0 };
      if (i < 200 || i >= 240)
        v += g_rand_double_range (rng, -1, 1);
      b.time = (QlTimeNs) i * 90 * QL_NS_PER_MIN;
      if (i >= 200 && i < 240)
        {
          b.open = b.high = b.low = b.close = v; /* flat */
          b.volume = 500;
        }
      else
        {
          b.open = v + g_rand_double_range (rng, -0.5, 0.5);
          b.close = v;
          b.high = MAX (b.open, b.close) + g_rand_double_range (rng, 0, 1);
          b.low = MIN (b.open, b.close) - g_rand_double_range (rng, 0, 1);
          b.volume = (i >= 300 && i < 330) ? 0 : g_rand_int_range (rng, 1, 1000);
        }
      b.trades = 1;
      if (i > 20 && g_rand_int_range (rng, 0, 40) == 0)
        {
          switch (g_rand_int_range (rng, 0, 5))
            {
            case 0: b.open = NAN; break;
            case 1: b.high = NAN; break;
            case 2: b.low = NAN; break;
            case 3: b.close = NAN; break;
            default: b.volume = NAN; break;
            }
        }
      ql_series_append_bar (bars, &b);
    }
  g_rand_free (rng);
  return bars;
}

/* Bitwise equality, every NaN equal to every NaN. */
static gboolean
same (double a, double b)
{
  if (isnan (a) && isnan (b))
    return TRUE;
  return memcmp (&a, &b, sizeof a) == 0;
}

/* ---- signatures ----------------------------------------------------------- */

/* The arguments of @sig, each "name: qualifier type[ = default]". */
static GStrv
sig_args (const char *sig)
{
  const char *open = strchr (sig, '(');
  const char *close = strstr (sig, ") -> ");
  g_autofree char *inner = NULL;

  g_assert_nonnull (open);
  g_assert_nonnull (close);
  inner = g_strndup (open + 1, close - open - 1);
  if (*inner == '\0')
    return g_new0 (char *, 1);
  return g_strsplit (inner, ", ", -1);
}

static guint
sig_n_returns (const char *sig)
{
  const char *ret = strstr (sig, ") -> ") + 5;
  guint n = 1;
  if (*ret != '(')
    return 1;
  for (const char *c = ret; *c; c++)
    n += *c == ',';
  return n;
}

/* Fills @p with the defaults of @b's parameters; FALSE if one has none. */
static gboolean
default_params (const QlTaBind *b, QlScalar *p)
{
  g_auto (GStrv) args = sig_args (b->signature);
  for (guint k = 0; k < b->n_params; k++)
    {
      const char *a = args[b->n_inputs + k];
      const char *eq = strstr (a, " = ");
      if (eq == NULL)
        return FALSE;
      if (strstr (a, " int ") != NULL)
        p[k].i = g_ascii_strtoll (eq + 3, NULL, 10);
      else
        p[k].f = g_ascii_strtod (eq + 3, NULL);
    }
  return TRUE;
}

static gboolean
param_is_int (const QlTaBind *b, guint k)
{
  g_auto (GStrv) args = sig_args (b->signature);
  return strstr (args[b->n_inputs + k], " int") != NULL;
}

static char *
param_name (const QlTaBind *b, guint k)
{
  g_auto (GStrv) args = sig_args (b->signature);
  const char *a = args[b->n_inputs + k];
  return g_strndup (a, strchr (a, ':') - a);
}

static void
test_table (void)
{
  g_test_summary ("Every row's counts agree with its signature; names are unique and "
                  "lookup finds each row");
  g_assert_cmpuint (ql_ta_bind_size (), >=, 43);
  for (guint i = 0; i < ql_ta_bind_size (); i++)
    {
      const QlTaBind *b = ql_ta_bind_get (i);
      g_auto (GStrv) args = sig_args (b->signature);
      g_auto (GStrv) outs = g_strsplit (b->outputs, ",", -1);

      g_assert_true (ql_ta_bind_lookup (b->name) == b);
      g_assert_cmpuint (g_strv_length (args), ==, b->n_inputs + b->n_params);
      for (guint k = 0; k < b->n_inputs; k++)
        g_assert_nonnull (strstr (args[k], ": series "));
      for (guint k = 0; k < b->n_params; k++)
        {
          const char *a = args[b->n_inputs + k];
          g_assert_true (strstr (a, ": input int = ") || strstr (a, ": input float = ")
                         || strstr (a, ": const int = "));
        }
      g_assert_cmpuint (sig_n_returns (b->signature), ==, b->n_outputs);
      g_assert_cmpuint (g_strv_length (outs), ==, b->n_outputs);
      g_assert_cmpuint (b->n_outputs, <=, 7);
      g_assert_cmpuint (b->n_inputs, <=, 4);
      g_assert_cmpuint (b->n_params, <=, 4);
      g_assert_nonnull (b->doc);
      g_assert_cmpuint (strlen (b->doc), >, 20);
      g_assert_cmpuint (b->state_size, >, 0);
    }
  g_assert_null (ql_ta_bind_lookup ("nosuch"));
  g_assert_null (ql_ta_bind_lookup ("ta.sma"));
}

/* ---- against the engine --------------------------------------------------- */

typedef enum
{
  C_OPEN, C_HIGH, C_LOW, C_CLOSE, C_VOLUME, C_HLC3,
} Col;

typedef struct
{
  const char *name;    /* the row */
  const char *engine;  /* the engine's indicator */
  gsize state_size;    /* the kernel's struct */
  guint n_in;
  Col in[4];           /* the engine's default sources, as the row's inputs */
  int out[7];          /* the engine output of each row output */
  gboolean offset;     /* highestbars/lowestbars: −bars, as int */
} Case;

#define HLC_ 3, { C_HIGH, C_LOW, C_CLOSE }
#define HLCV_ 4, { C_HIGH, C_LOW, C_CLOSE, C_VOLUME }
#define CL_ 1, { C_CLOSE }
#define O1 { 0 }
#define O2 { 0, 1 }
#define O3 { 0, 1, 2 }

static const Case cases[] = {
  { "sma", "sma", sizeof (QlTaSma), CL_, O1 },
  { "ema", "ema", sizeof (QlTaEma), CL_, O1 },
  { "wma", "wma", sizeof (QlTaWma), CL_, O1 },
  { "dema", "dema", sizeof (QlTaDema), CL_, O1 },
  { "tema", "tema", sizeof (QlTaTema), CL_, O1 },
  { "trima", "trima", sizeof (QlTaTrima), CL_, O1 },
  { "kama", "kama", sizeof (QlTaKama), CL_, O1 },
  { "hma", "hma", sizeof (QlTaHma), CL_, O1 },
  { "vwma", "vwma", sizeof (QlTaVwma), 2, { C_CLOSE, C_VOLUME }, O1 },
  { "rma", "rma", sizeof (QlTaEma), CL_, O1 },
  { "vwap", "vwap", sizeof (QlTaVwap), 2, { C_HLC3, C_VOLUME }, O1 },
  { "rsi", "rsi", sizeof (QlTaRsi), CL_, O1 },
  { "stoch", "stoch", sizeof (QlTaStoch), HLC_, O2 },
  { "stochf", "stochf", sizeof (QlTaStoch), HLC_, O2 },
  { "stochrsi", "stochrsi", sizeof (QlTaStochRsi), CL_, O2 },
  { "macd", "macd", sizeof (QlTaMacd), CL_, O3 },
  { "ppo", "ppo", sizeof (QlTaPpo), CL_, O1 },
  { "roc", "roc", sizeof (QlTaRoc), CL_, O1 },
  { "mom", "mom", sizeof (QlTaRoc), CL_, O1 },
  { "cci", "cci", sizeof (QlTaCci), HLC_, O1 },
  { "willr", "willr", sizeof (QlTaWillr), HLC_, O1 },
  { "mfi", "mfi", sizeof (QlTaMfi), HLCV_, O1 },
  { "obv", "obv", sizeof (QlTaObv), 2, { C_CLOSE, C_VOLUME }, O1 },
  { "ad", "ad", sizeof (QlTaAd), HLCV_, O1 },
  { "adosc", "adosc", sizeof (QlTaAdosc), HLCV_, O1 },
  { "adx", "adx", sizeof (QlTaAdx), HLC_, O3 },
  { "aroon", "aroon", sizeof (QlTaAroon), 2, { C_HIGH, C_LOW }, O2 },
  { "sar", "sar", sizeof (QlTaSar), 2, { C_HIGH, C_LOW }, O1 },
  { "trange", "trange", sizeof (QlTaTrange), HLC_, O1 },
  { "atr", "atr", sizeof (QlTaAtr), HLC_, O1 },
  { "natr", "natr", sizeof (QlTaAtr), HLC_, O1 },
  { "bbands", "bbands", sizeof (QlTaBbands), CL_, O3 },
  { "kc", "kc", sizeof (QlTaKc), 4, { C_HIGH, C_LOW, C_CLOSE, C_CLOSE }, O3 },
  { "donchian", "donchian", sizeof (QlTaDonchian), 2, { C_HIGH, C_LOW }, O3 },
  { "stddev", "stddev", sizeof (QlTaBbands), CL_, O1 },
  { "var", "var", sizeof (QlTaVar), CL_, O1 },
  { "linreg", "linreg", sizeof (QlTaLinreg), CL_, O2 },
  { "correl", "correl", sizeof (QlTaCorrel), 2, { C_CLOSE, C_VOLUME }, O1 },
  { "highest", "highest", sizeof (QlTaExtreme), 1, { C_HIGH }, O1 },
  { "lowest", "lowest", sizeof (QlTaExtreme), 1, { C_LOW }, O1 },
  { "ichimoku", "ichimoku", sizeof (QlTaIchimoku), HLC_, { 0, 1, 2, 3, 4 } },
  { "supertrend", "supertrend", sizeof (QlTaSupertrend), HLC_, O2 },
  { "pivots", "pivots", sizeof (QlTaPivots), HLC_, { 0, 1, 2, 3, 4, 5, 6 } },
  { "highestbars", "highest", sizeof (QlTaExtreme), 1, { C_HIGH }, { 1 }, TRUE },
  { "lowestbars", "lowest", sizeof (QlTaExtreme), 1, { C_LOW }, { 1 }, TRUE },
};

static double
column (const QlBar *bar, Col c)
{
  switch (c)
    {
    case C_OPEN: return bar->open;
    case C_HIGH: return bar->high;
    case C_LOW: return bar->low;
    case C_CLOSE: return bar->close;
    case C_VOLUME: return bar->volume;
    case C_HLC3: default: return (bar->high + bar->low + bar->close) / 3;
    }
}

/* The engine's day label without an instrument: UTC days. */
static gint64
utc_day (QlTimeNs t)
{
  return t >= 0 ? t / QL_NS_PER_DAY : -((-t + QL_NS_PER_DAY - 1) / QL_NS_PER_DAY);
}

static gboolean
same_out (const QlTaBind *b, guint k, QlScalar got, double engine, gboolean offset)
{
  if (offset)
    return got.i == (isnan (engine) ? QL_NA_INT : -(gint64) engine);
  (void) b;
  (void) k;
  return same (got.f, engine);
}

static void *
new_state (const QlTaBind *b)
{
  /* Garbage before init: init must not rely on zeroed memory. */
  void *s = g_malloc (b->state_size);
  memset (s, 0xa5, b->state_size);
  return s;
}

static void
free_state (const QlTaBind *b, void *s)
{
  b->clear (s);
  g_free (s);
}

/* Runs @b with @params against the engine's @spec over @bars: update,
 * preview (after a preview of a different forming bar) and an independent
 * state that is never previewed must all equal the batch. */
static void
check_against_engine (const Case *c, const QlTaBind *b, const QlScalar *params,
                      const char *spec, const QlSeries *bars)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (QlIndicator) ind = ql_indicator_new (spec, &error);
  double *cols[7] = { 0 };
  void *s1, *s2;
  g_autofree guint8 *before = g_malloc (b->state_size);
  guint no;

  g_assert_no_error (error);
  no = ql_indicator_get_n_outputs (ind);
  for (guint k = 0; k < no; k++)
    cols[k] = g_new (double, bars->len);
  ql_indicator_batch (ind, bars, cols);

  s1 = new_state (b);
  s2 = new_state (b);
  g_assert_null (b->init (s1, params));
  g_assert_null (b->init (s2, params));
  for (gsize i = 0; i < bars->len; i++)
    {
      QlBar bar;
      QlScalar in[4], other[4], pre[7], upd[7], plain[7], junk[7];
      gint64 day;

      ql_series_get_bar (bars, i, &bar);
      day = utc_day (bar.time);
      for (guint k = 0; k < b->n_inputs; k++)
        {
          in[k].f = column (&bar, c->in[k]);
          other[k].f = in[k].f + 0.75;
        }
      memcpy (before, s1, b->state_size);
      b->preview (s1, day, other, junk);
      b->preview (s1, day, in, pre);
      g_assert_cmpmem (before, b->state_size, s1, b->state_size);
      b->update (s1, day, in, upd);
      b->update (s2, day, in, plain);
      for (guint k = 0; k < b->n_outputs; k++)
        {
          double e = cols[c->out[k]][i];
          if (!same_out (b, k, upd[k], e, c->offset) || !same_out (b, k, pre[k], e, c->offset)
              || memcmp (&plain[k], &upd[k], sizeof upd[k]) != 0)
            g_error ("ta.%s vs %s, output %u at bar %zu: engine %.17g, update %.17g "
                     "(%" G_GINT64_FORMAT "), preview %.17g, never previewed %.17g",
                     b->name, spec, k, i, e, upd[k].f, upd[k].i, pre[k].f, plain[k].f);
        }
    }
  free_state (b, s1);
  free_state (b, s2);
  for (guint k = 0; k < no; k++)
    g_free (cols[k]);
}

static char *
engine_spec (const Case *c, const QlTaBind *b, const QlScalar *p)
{
  GString *s = g_string_new (c->engine);
  g_string_append_c (s, '(');
  for (guint k = 0; k < b->n_params; k++)
    {
      char buf[G_ASCII_DTOSTR_BUF_SIZE];
      if (k)
        g_string_append_c (s, ',');
      if (param_is_int (b, k))
        g_string_append_printf (s, "%" G_GINT64_FORMAT, p[k].i);
      else
        g_string_append (s, g_ascii_dtostr (buf, sizeof buf, p[k].f));
    }
  g_string_append_c (s, ')');
  return g_string_free (s, FALSE);
}

static void
test_engine_row (gconstpointer data)
{
  const Case *c = data;
  const QlTaBind *b = ql_ta_bind_lookup (c->name);
  g_autoptr (QlSeries) bars = random_bars (20240611, 500);
  QlScalar p[4];
  g_autofree char *spec = NULL;
  g_autofree char *spec_default = g_strdup (c->engine);

  g_test_summary ("The row, driven with its signature's defaults and with small parameters, "
                  "equals the engine's batch bit for bit; preview equals update and changes nothing");
  g_assert_nonnull (b);
  g_assert_cmpuint (b->state_size, ==, c->state_size);
  g_assert_cmpuint (b->n_inputs, ==, c->n_in);
  g_assert_cmpint (b->uses_day, ==, g_str_equal (c->engine, "vwap") || g_str_equal (c->engine, "pivots"));
  g_assert_true (default_params (b, p));
  /* The defaults of the signature are the engine's: the spec without
   * arguments is the same indicator as the spec with the row's defaults. */
  spec = engine_spec (c, b, p);
  {
    g_autoptr (QlIndicator) a = ql_indicator_new (spec, NULL);
    g_autoptr (QlIndicator) d = ql_indicator_new (spec_default, NULL);
    g_assert_nonnull (a);
    g_assert_nonnull (d);
    g_assert_cmpstr (ql_indicator_get_spec (a), ==, ql_indicator_get_spec (d));
  }
  check_against_engine (c, b, p, spec, bars);

  /* Small parameters too (the first int parameter at 3 or its minimum), so
   * that warm-ups end inside the NaN-gapped stretch. */
  for (guint k = 0; k < b->n_params; k++)
    if (param_is_int (b, k))
      {
        g_autofree char *spec2 = NULL;
        QlScalar q[4];
        memcpy (q, p, sizeof q);
        q[k].i = 3;
        spec2 = engine_spec (c, b, q);
        check_against_engine (c, b, q, spec2, bars);
      }
}

/* ---- parameter ranges ----------------------------------------------------- */

/* Accepting and rejecting exactly what `quantlab-cli indicators` does, with
 * the message naming the parameter and its bound. */
static void
test_ranges (gconstpointer data)
{
  const Case *c = data;
  const QlTaBind *b = ql_ta_bind_lookup (c->name);
  QlScalar p[4];

  g_test_summary ("init accepts and rejects each parameter exactly where the engine's spec parser does");
  g_assert_true (default_params (b, p));
  for (guint k = 0; k < b->n_params; k++)
    {
      g_autofree char *pname = param_name (b, k);
      if (param_is_int (b, k))
        {
          static const gint64 probes[] = { G_MININT64, -1, 0, 1, 2, 3, 100000, 100001, G_MAXINT64 };
          gint64 min = G_MAXINT64;
          for (gsize j = 0; j < G_N_ELEMENTS (probes); j++)
            {
              QlScalar q[4];
              g_autofree char *spec = NULL;
              g_autoptr (QlIndicator) ind = NULL;
              void *s = new_state (b);
              const char *msg;
              memcpy (q, p, sizeof q);
              q[k].i = probes[j];
              spec = engine_spec (c, b, q);
              ind = ql_indicator_new (spec, NULL);
              msg = b->init (s, q);
              if ((msg == NULL) != (ind != NULL))
                g_error ("ta.%s %s = %" G_GINT64_FORMAT ": engine %s, binding %s",
                         b->name, pname, probes[j], ind ? "accepts" : "rejects", msg ? msg : "accepts");
              if (msg == NULL)
                {
                  min = MIN (min, probes[j]);
                  b->clear (s);
                }
              g_free (s);
            }
          /* The messages, at min − 1 and 100001. */
          g_assert_cmpint (min, <, G_MAXINT64);
          {
            QlScalar q[4];
            void *s = new_state (b);
            g_autofree char *low = g_strdup_printf ("%s must be >= %" G_GINT64_FORMAT, pname, min);
            g_autofree char *high = g_strdup_printf ("%s must be <= 100000", pname);
            memcpy (q, p, sizeof q);
            q[k].i = min - 1;
            g_assert_cmpstr (b->init (s, q), ==, low);
            q[k].i = 100001;
            g_assert_cmpstr (b->init (s, q), ==, high);
            g_free (s);
          }
        }
      else
        {
          const double probes[] = { -1, -0.0, 0, 1e-9, 0.5, 2, NAN, INFINITY, -INFINITY };
          for (gsize j = 0; j < G_N_ELEMENTS (probes); j++)
            {
              QlScalar q[4];
              g_autofree char *spec = NULL;
              g_autoptr (QlIndicator) ind = NULL;
              void *s = new_state (b);
              const char *msg;
              memcpy (q, p, sizeof q);
              q[k].f = probes[j];
              spec = engine_spec (c, b, q);
              ind = ql_indicator_new (spec, NULL);
              msg = b->init (s, q);
              if ((msg == NULL) != (ind != NULL))
                g_error ("ta.%s %s = %g: engine %s, binding %s", b->name, pname, probes[j],
                         ind ? "accepts" : "rejects", msg ? msg : "accepts");
              if (msg == NULL)
                b->clear (s);
              else
                g_assert_true (g_str_has_prefix (msg, pname));
              g_free (s);
            }
        }
    }
}

static void
test_range_messages (void)
{
  /* Written out from engine/indicator.c's ranges. */
  static const struct { const char *row; guint k; gboolean is_int; double v; const char *msg; } bad[] = {
    { "sma", 0, TRUE, 0, "period must be >= 1" },
    { "hma", 0, TRUE, 1, "period must be >= 2" },
    { "macd", 0, TRUE, 1, "fast must be >= 2" },
    { "macd", 2, TRUE, 0, "signal must be >= 1" },
    { "adx", 0, TRUE, 1, "period must be >= 2" },
    { "linreg", 0, TRUE, 100001, "period must be <= 100000" },
    { "sar", 0, FALSE, 0, "accel must be > 0" },
    { "sar", 1, FALSE, -0.1, "max must be > 0" },
    { "bbands", 1, FALSE, -0.5, "mult must be >= 0" },
    { "bbands", 1, FALSE, NAN, "mult must be a finite number" },
    { "supertrend", 0, FALSE, 0, "factor must be > 0" },
    { "change", 0, TRUE, 0, "length must be >= 1" },
    { "valuewhen", 0, TRUE, -1, "occurrence must be >= 0" },
  };

  g_test_summary ("init names the bad parameter and its bound");
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      const QlTaBind *b = ql_ta_bind_lookup (bad[i].row);
      QlScalar p[4];
      void *s = new_state (b);
      g_assert_true (default_params (b, p));
      if (bad[i].is_int)
        p[bad[i].k].i = (gint64) bad[i].v;
      else
        p[bad[i].k].f = bad[i].v;
      g_assert_cmpstr (b->init (s, p), ==, bad[i].msg);
      g_free (s);
    }
}

static void
test_covers_engine (void)
{
  g_test_summary ("Every indicator of the engine's table has a row of the same name");
  g_assert_cmpuint (ql_indicator_catalog_size (), ==, 43);
  for (guint i = 0; i < ql_indicator_catalog_size (); i++)
    {
      const char *name = ql_indicator_catalog_get (i)->name;
      gboolean found = FALSE;
      g_assert_nonnull (ql_ta_bind_lookup (name));
      for (gsize j = 0; j < G_N_ELEMENTS (cases); j++)
        found |= g_str_equal (cases[j].engine, name);
      g_assert_true (found);
    }
}

/* ---- Pine's helpers, by hand ---------------------------------------------- */

/* Runs @name with @params over n bars of inputs (ins[k][i]), checking each
 * bar's update against @want and preview against update, and that a
 * preview of another forming bar changes nothing. */
static void
run_seq (const char *name, const QlScalar *params, gsize n, const QlScalar *const *ins,
         const QlScalar *want)
{
  const QlTaBind *b = ql_ta_bind_lookup (name);
  void *s1, *s2;
  g_autofree guint8 *before = NULL;

  g_assert_nonnull (b);
  g_assert_cmpuint (b->n_outputs, ==, 1);
  before = g_malloc (b->state_size);
  s1 = new_state (b);
  s2 = new_state (b);
  g_assert_null (b->init (s1, params));
  g_assert_null (b->init (s2, params));
  for (gsize i = 0; i < n; i++)
    {
      QlScalar in[4], other[4], pre, upd, plain, junk;
      for (guint k = 0; k < b->n_inputs; k++)
        {
          in[k] = ins[k][i];
          other[k] = in[k];
          if (strstr (b->signature, "condition") && k == 0)
            other[k].i = !in[k].i;
          else
            other[k].f = in[k].f + 100;
        }
      memcpy (before, s1, b->state_size);
      b->preview (s1, 0, other, &junk);
      b->preview (s1, 0, in, &pre);
      g_assert_cmpmem (before, b->state_size, s1, b->state_size);
      b->update (s1, 0, in, &upd);
      b->update (s2, 0, in, &plain);
      g_assert_cmpmem (&pre, sizeof pre, &upd, sizeof upd);
      g_assert_cmpmem (&plain, sizeof plain, &upd, sizeof upd);
      if (memcmp (&upd, &want[i], sizeof upd) != 0 && !(isnan (upd.f) && isnan (want[i].f)))
        g_error ("ta.%s bar %zu: got %.17g (%" G_GINT64_FORMAT "), want %.17g (%" G_GINT64_FORMAT ")",
                 name, i, upd.f, upd.i, want[i].f, want[i].i);
    }
  free_state (b, s1);
  free_state (b, s2);
}

#define F(x) { .f = (x) }
#define I(x) { .i = (x) }
#define NA_F F (NAN)
#define NA_I I (QL_NA_INT)

static void
test_cross (void)
{
  /*           bar: 0    1    2    3    4    5    6    7    8    9 */
  static const QlScalar a[] = { F (1), F (2), F (3), NA_F, F (3), F (1), F (3), F (3), F (1), F (3) };
  static const QlScalar b[] = { F (2), F (2), F (2), F (2), F (2), F (2), F (2), NA_F, F (2), F (2) };
  /* crossover, a > b and a[1] <= b[1]:
   * 0: no previous bar → false; 1: 2 > 2 no; 2: 3 > 2, 2 <= 2 → true;
   * 3: a na → false; 4: previous a na → false; 5: 1 > 2 no;
   * 6: 3 > 2, 1 <= 2 → true; 7: b na → false; 8: 1 > 2 no;
   * 9: 3 > 2, 1 <= 2 → true. */
  static const QlScalar over[] = { I (0), I (0), I (1), I (0), I (0), I (0), I (1), I (0), I (0), I (1) };
  /* crossunder, a < b and a[1] >= b[1]:
   * 0: false; 1: 2 < 2 no; 2: no; 3: na; 4: previous na; 5: 1 < 2, 3 >= 2 → true;
   * 6: no; 7: b na; 8: 1 < 2 but previous b na → false; 9: 3 < 2 no. */
  static const QlScalar under[] = { I (0), I (0), I (0), I (0), I (0), I (1), I (0), I (0), I (0), I (0) };
  const QlScalar *ins[] = { a, b };

  g_test_summary ("crossover and crossunder on a hand-worked sequence with na on both sides");
  run_seq ("crossover", NULL, G_N_ELEMENTS (a), ins, over);
  run_seq ("crossunder", NULL, G_N_ELEMENTS (a), ins, under);
}

static void
test_change (void)
{
  /*       bar: 0    1    2    3     4     5 */
  static const QlScalar x[] = { F (1), F (4), F (9), NA_F, F (25), F (36) };
  /* length 1: x − x[1]: na, 4−1 = 3, 9−4 = 5, na, 25−na = na, 36−25 = 11. */
  static const QlScalar want1[] = { NA_F, F (3), F (5), NA_F, NA_F, F (11) };
  /* length 2: x − x[2]: na, na, 9−1 = 8, na, 25−9 = 16, 36−na = na. */
  static const QlScalar want2[] = { NA_F, NA_F, F (8), NA_F, F (16), NA_F };
  const QlScalar *ins[] = { x };
  QlScalar p1[] = { I (1) }, p2[] = { I (2) };

  g_test_summary ("change counts na bars as bars: source − source[length]");
  run_seq ("change", p1, G_N_ELEMENTS (x), ins, want1);
  run_seq ("change", p2, G_N_ELEMENTS (x), ins, want2);
}

static void
test_extremes (void)
{
  /*       bar: 0    1    2    3     4    5    6 */
  static const QlScalar x[] = { F (1), F (3), F (2), NA_F, F (5), F (4), F (4) };
  /* Period 3 over the bars with a value (the na bar is skipped):
   * 2: {1, 3, 2}; 4: {3, 2, 5}; 5: {2, 5, 4}; 6: {5, 4, 4}. */
  static const QlScalar hi[] = { NA_F, NA_F, F (3), NA_F, F (5), F (5), F (5) };
  static const QlScalar lo[] = { NA_F, NA_F, F (1), NA_F, F (2), F (2), F (4) };
  /* Offsets: highest 3 one value back (−1), 5 on this bar (0), then −1, −2;
   * lowest 1 two back (−2), 2 one value back (−1), −2, and the tie of 4s
   * goes to this bar (0). */
  static const QlScalar hib[] = { NA_I, NA_I, I (-1), NA_I, I (0), I (-1), I (-2) };
  static const QlScalar lob[] = { NA_I, NA_I, I (-2), NA_I, I (-1), I (-2), I (0) };
  const QlScalar *ins[] = { x };
  QlScalar p[] = { I (3) };

  g_test_summary ("highest, lowest and their offsets over a window with a na bar");
  run_seq ("highest", p, G_N_ELEMENTS (x), ins, hi);
  run_seq ("lowest", p, G_N_ELEMENTS (x), ins, lo);
  run_seq ("highestbars", p, G_N_ELEMENTS (x), ins, hib);
  run_seq ("lowestbars", p, G_N_ELEMENTS (x), ins, lob);
}

static void
test_barssince_valuewhen (void)
{
  /*          bar: 0      1      2      3      4      5      6 */
  static const QlScalar cond[] = { I (0), I (1), I (0), I (0), I (1), I (1), I (0) };
  static const QlScalar x[] = { F (10), F (11), F (12), F (13), F (14), F (15), F (16) };
  /* Bars since the last true: never yet, 0, 1, 2, 0, 0, 1. */
  static const QlScalar since[] = { NA_I, I (0), I (1), I (2), I (0), I (0), I (1) };
  /* x at the latest true bar (this one included): none, 11, 11, 11, 14, 15, 15. */
  static const QlScalar when0[] = { NA_F, F (11), F (11), F (11), F (14), F (15), F (15) };
  /* One occurrence further back: needs two trues, so from bar 4: 11, then 14, 14. */
  static const QlScalar when1[] = { NA_F, NA_F, NA_F, NA_F, F (11), F (14), F (14) };
  const QlScalar *in1[] = { cond };
  const QlScalar *in2[] = { cond, x };
  QlScalar p0[] = { I (0) }, p1[] = { I (1) };

  g_test_summary ("barssince and valuewhen on a hand-worked condition");
  run_seq ("barssince", NULL, G_N_ELEMENTS (cond), in1, since);
  run_seq ("valuewhen", p0, G_N_ELEMENTS (cond), in2, when0);
  run_seq ("valuewhen", p1, G_N_ELEMENTS (cond), in2, when1);
}

static void
test_cum (void)
{
  static const QlScalar x[] = { F (1), F (2), NA_F, F (4), F (0.5) };
  /* 1, 1+2 = 3, na (the sum stays 3), 3+4 = 7, 7.5. */
  static const QlScalar want[] = { F (1), F (3), NA_F, F (7), F (7.5) };
  const QlScalar *ins[] = { x };

  g_test_summary ("cum: a running sum, na on a na bar which it leaves out");
  run_seq ("cum", NULL, G_N_ELEMENTS (x), ins, want);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/dsl/ta-bind/table/consistent", test_table);
  g_test_add_func ("/dsl/ta-bind/table/covers-engine", test_covers_engine);
  g_test_add_func ("/dsl/ta-bind/init/messages", test_range_messages);
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *p1 = g_strdup_printf ("/dsl/ta-bind/engine/%s", cases[i].name);
      g_autofree char *p2 = g_strdup_printf ("/dsl/ta-bind/init/%s/ranges-as-engine", cases[i].name);
      g_test_add_data_func (p1, &cases[i], test_engine_row);
      g_test_add_data_func (p2, &cases[i], test_ranges);
    }
  g_test_add_func ("/dsl/ta-bind/pine/cross", test_cross);
  g_test_add_func ("/dsl/ta-bind/pine/change", test_change);
  g_test_add_func ("/dsl/ta-bind/pine/extremes", test_extremes);
  g_test_add_func ("/dsl/ta-bind/pine/barssince-valuewhen", test_barssince_valuewhen);
  g_test_add_func ("/dsl/ta-bind/pine/cum", test_cum);
  return g_test_run ();
}
