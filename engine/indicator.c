/* engine/indicator.c — the spec-driven indicator table over engine/ta.h.
 *
 * One row per indicator: its parameters (kind, default, range), outputs,
 * and three adapters onto the kernels — init, a per-bar step (update or
 * preview) and a batch call.  Each row's comment names its definition
 * (TA-Lib function or TradingView script), as docs/indicators.md does. */
#define G_LOG_DOMAIN "ql-engine-indicator"

#include "engine/indicator.h"

#include "engine/ta.h"

#include <errno.h>
#include <string.h>

G_DEFINE_QUARK (ql-indicator-error-quark, ql_indicator_error)

#define MAX_PARAMS 4
#define MAX_OUTPUTS 7
#define MAX_PERIOD 100000

typedef enum
{
  P_INT,
  P_NUM,
  P_SRC,
} ParamKind;

enum
{
  SRC_OPEN,
  SRC_HIGH,
  SRC_LOW,
  SRC_CLOSE,
  SRC_VOLUME,
  SRC_HL2,
  SRC_HLC3,
  SRC_OHLC4,
  SRC_N
};

static const char *const src_names[SRC_N + 1] = {
  "open", "high", "low", "close", "volume", "hl2", "hlc3", "ohlc4", NULL,
};

typedef struct
{
  const char *name;
  ParamKind kind;
  double def;
  double min;      /* P_INT, P_NUM */
  gboolean open;   /* P_NUM: min itself is excluded */
} ParamDef;

/* One bar's inputs; a and b are the source arguments. */
typedef struct
{
  gint64 day;
  double h, l, c, v, a, b;
} In;

/* The same as columns. */
typedef struct
{
  const gint64 *day;
  const double *h, *l, *c, *v, *a, *b;
} Cols;

typedef void (*InitFunc) (void *state, const double *p);
typedef void (*ClearFunc) (void *state);
typedef void (*StepFunc) (void *state, const In *in, double *out, gboolean commit);
typedef void (*BatchFunc) (const double *p, const Cols *c, gsize n, double *const *out);

typedef struct
{
  const char *name;
  const char *summary;
  guint n_params;
  ParamDef params[MAX_PARAMS];
  guint n_outputs;
  const char *outputs[MAX_OUTPUTS + 1]; /* NULL-terminated */
  gboolean needs_day;
  gsize state_size;
  InitFunc init;
  ClearFunc clear;
  StepFunc step;
  BatchFunc batch;
} Def;

struct QlIndicator
{
  const Def *def;
  double p[MAX_PARAMS];
  char *spec;
  gboolean has_inst;
  QlInstrument inst;
  void *state; /* def->state_size bytes */
};

#define INT(n, d, m) { n, P_INT, d, m, FALSE }
#define NUM(n, d, m, o) { n, P_NUM, d, m, o }
#define SRC(n, d) { n, P_SRC, d, 0, FALSE }
#define PI(i) ((int) p[i])

/* ---- adapters ------------------------------------------------------------- */

/* Single input a, single output, one int parameter. */
#define ADAPT_A1(name, T, upd)                                                     \
  static void init_##name (void *s, const double *p) { ql_ta_##name##_init ((T *) s, PI (0)); } \
  static void step_##name (void *s, const In *in, double *out, gboolean commit)   \
  {                                                                                \
    out[0] = commit ? ql_ta_##upd##_update ((T *) s, in->a)                       \
                    : ql_ta_##upd##_preview ((const T *) s, in->a);               \
  }                                                                                \
  static void batch_##name (const double *p, const Cols *c, gsize n, double *const *out) \
  {                                                                                \
    ql_ta_##name (c->a, n, PI (0), out[0]);                                        \
  }

static void clear_none (void *s) { }

ADAPT_A1 (sma, QlTaSma, sma)
static void clear_sma (void *s) { ql_ta_sma_clear (s); }
ADAPT_A1 (ema, QlTaEma, ema)
ADAPT_A1 (wma, QlTaWma, wma)
static void clear_wma (void *s) { ql_ta_wma_clear (s); }
ADAPT_A1 (dema, QlTaDema, dema)
ADAPT_A1 (tema, QlTaTema, tema)
ADAPT_A1 (trima, QlTaTrima, trima)
static void clear_trima (void *s) { ql_ta_trima_clear (s); }
ADAPT_A1 (kama, QlTaKama, kama)
static void clear_kama (void *s) { ql_ta_kama_clear (s); }
ADAPT_A1 (hma, QlTaHma, hma)
static void clear_hma (void *s) { ql_ta_hma_clear (s); }
ADAPT_A1 (rsi, QlTaRsi, rsi)
ADAPT_A1 (var, QlTaVar, var)
static void clear_var (void *s) { ql_ta_var_clear (s); }
ADAPT_A1 (roc, QlTaRoc, roc)
static void clear_roc (void *s) { ql_ta_roc_clear (s); }

/* rma shares QlTaEma with its own init. */
static void init_rma (void *s, const double *p) { ql_ta_rma_init (s, PI (0)); }
static void
step_rma (void *s, const In *in, double *out, gboolean commit)
{
  out[0] = commit ? ql_ta_ema_update (s, in->a) : ql_ta_ema_preview (s, in->a);
}
static void batch_rma (const double *p, const Cols *c, gsize n, double *const *out) { ql_ta_rma (c->a, n, PI (0), out[0]); }

static void init_mom (void *s, const double *p) { ql_ta_roc_init (s, PI (0)); }
static void
step_mom (void *s, const In *in, double *out, gboolean commit)
{
  out[0] = commit ? ql_ta_mom_update (s, in->a) : ql_ta_mom_preview (s, in->a);
}
static void batch_mom (const double *p, const Cols *c, gsize n, double *const *out) { ql_ta_mom (c->a, n, PI (0), out[0]); }

static void init_vwma (void *s, const double *p) { ql_ta_vwma_init (s, PI (0)); }
static void clear_vwma (void *s) { ql_ta_vwma_clear (s); }
static void
step_vwma (void *s, const In *in, double *out, gboolean commit)
{
  out[0] = commit ? ql_ta_vwma_update (s, in->a, in->v) : ql_ta_vwma_preview (s, in->a, in->v);
}
static void batch_vwma (const double *p, const Cols *c, gsize n, double *const *out) { ql_ta_vwma (c->a, c->v, n, PI (0), out[0]); }

static void init_vwap (void *s, const double *p) { ql_ta_vwap_init (s); }
static void
step_vwap (void *s, const In *in, double *out, gboolean commit)
{
  out[0] = commit ? ql_ta_vwap_update (s, in->day, in->a, in->v)
                  : ql_ta_vwap_preview (s, in->day, in->a, in->v);
}
static void batch_vwap (const double *p, const Cols *c, gsize n, double *const *out) { ql_ta_vwap (c->day, c->a, c->v, n, out[0]); }

static void init_stoch (void *s, const double *p) { ql_ta_stoch_init (s, PI (0), PI (1), PI (2)); }
static void clear_stoch (void *s) { ql_ta_stoch_clear (s); }
static void
step_stoch (void *s, const In *in, double *out, gboolean commit)
{
  if (commit)
    ql_ta_stoch_update (s, in->h, in->l, in->c, out);
  else
    ql_ta_stoch_preview (s, in->h, in->l, in->c, out);
}
static void batch_stoch (const double *p, const Cols *c, gsize n, double *const *out) { ql_ta_stoch (c->h, c->l, c->c, n, PI (0), PI (1), PI (2), out[0], out[1]); }

static void init_stochf (void *s, const double *p) { ql_ta_stochf_init (s, PI (0), PI (1)); }
static void
step_stochf (void *s, const In *in, double *out, gboolean commit)
{
  if (commit)
    ql_ta_stochf_update (s, in->h, in->l, in->c, out);
  else
    ql_ta_stochf_preview (s, in->h, in->l, in->c, out);
}
static void batch_stochf (const double *p, const Cols *c, gsize n, double *const *out) { ql_ta_stochf (c->h, c->l, c->c, n, PI (0), PI (1), out[0], out[1]); }

static void init_stochrsi (void *s, const double *p) { ql_ta_stochrsi_init (s, PI (0), PI (1), PI (2)); }
static void clear_stochrsi (void *s) { ql_ta_stochrsi_clear (s); }
static void
step_stochrsi (void *s, const In *in, double *out, gboolean commit)
{
  if (commit)
    ql_ta_stochrsi_update (s, in->a, out);
  else
    ql_ta_stochrsi_preview (s, in->a, out);
}
static void batch_stochrsi (const double *p, const Cols *c, gsize n, double *const *out) { ql_ta_stochrsi (c->a, n, PI (0), PI (1), PI (2), out[0], out[1]); }

static void init_macd (void *s, const double *p) { ql_ta_macd_init (s, PI (0), PI (1), PI (2)); }
static void
step_macd (void *s, const In *in, double *out, gboolean commit)
{
  if (commit)
    ql_ta_macd_update (s, in->a, out);
  else
    ql_ta_macd_preview (s, in->a, out);
}
static void batch_macd (const double *p, const Cols *c, gsize n, double *const *out) { ql_ta_macd (c->a, n, PI (0), PI (1), PI (2), out[0], out[1], out[2]); }

static void init_ppo (void *s, const double *p) { ql_ta_ppo_init (s, PI (0), PI (1)); }
static void clear_ppo (void *s) { ql_ta_ppo_clear (s); }
static void
step_ppo (void *s, const In *in, double *out, gboolean commit)
{
  out[0] = commit ? ql_ta_ppo_update (s, in->a) : ql_ta_ppo_preview (s, in->a);
}
static void batch_ppo (const double *p, const Cols *c, gsize n, double *const *out) { ql_ta_ppo (c->a, n, PI (0), PI (1), out[0]); }

/* High, low, close in; one int parameter; one output. */
#define ADAPT_HLC1(name, T)                                                        \
  static void init_##name (void *s, const double *p) { ql_ta_##name##_init ((T *) s, PI (0)); } \
  static void step_##name (void *s, const In *in, double *out, gboolean commit)   \
  {                                                                                \
    out[0] = commit ? ql_ta_##name##_update ((T *) s, in->h, in->l, in->c)        \
                    : ql_ta_##name##_preview ((const T *) s, in->h, in->l, in->c); \
  }                                                                                \
  static void batch_##name (const double *p, const Cols *c, gsize n, double *const *out) \
  {                                                                                \
    ql_ta_##name (c->h, c->l, c->c, n, PI (0), out[0]);                            \
  }

ADAPT_HLC1 (cci, QlTaCci)
static void clear_cci (void *s) { ql_ta_cci_clear (s); }
ADAPT_HLC1 (willr, QlTaWillr)
static void clear_willr (void *s) { ql_ta_willr_clear (s); }
ADAPT_HLC1 (atr, QlTaAtr)

static void init_natr (void *s, const double *p) { ql_ta_atr_init (s, PI (0)); }
static void
step_natr (void *s, const In *in, double *out, gboolean commit)
{
  out[0] = commit ? ql_ta_natr_update (s, in->h, in->l, in->c) : ql_ta_natr_preview (s, in->h, in->l, in->c);
}
static void batch_natr (const double *p, const Cols *c, gsize n, double *const *out) { ql_ta_natr (c->h, c->l, c->c, n, PI (0), out[0]); }

static void init_trange (void *s, const double *p) { ql_ta_trange_init (s); }
static void
step_trange (void *s, const In *in, double *out, gboolean commit)
{
  out[0] = commit ? ql_ta_trange_update (s, in->h, in->l, in->c) : ql_ta_trange_preview (s, in->h, in->l, in->c);
}
static void batch_trange (const double *p, const Cols *c, gsize n, double *const *out) { ql_ta_trange (c->h, c->l, c->c, n, out[0]); }

static void init_mfi (void *s, const double *p) { ql_ta_mfi_init (s, PI (0)); }
static void clear_mfi (void *s) { ql_ta_mfi_clear (s); }
static void
step_mfi (void *s, const In *in, double *out, gboolean commit)
{
  out[0] = commit ? ql_ta_mfi_update (s, in->h, in->l, in->c, in->v) : ql_ta_mfi_preview (s, in->h, in->l, in->c, in->v);
}
static void batch_mfi (const double *p, const Cols *c, gsize n, double *const *out) { ql_ta_mfi (c->h, c->l, c->c, c->v, n, PI (0), out[0]); }

static void init_obv (void *s, const double *p) { ql_ta_obv_init (s); }
static void
step_obv (void *s, const In *in, double *out, gboolean commit)
{
  out[0] = commit ? ql_ta_obv_update (s, in->c, in->v) : ql_ta_obv_preview (s, in->c, in->v);
}
static void batch_obv (const double *p, const Cols *c, gsize n, double *const *out) { ql_ta_obv (c->c, c->v, n, out[0]); }

static void init_ad (void *s, const double *p) { ql_ta_ad_init (s); }
static void
step_ad (void *s, const In *in, double *out, gboolean commit)
{
  out[0] = commit ? ql_ta_ad_update (s, in->h, in->l, in->c, in->v) : ql_ta_ad_preview (s, in->h, in->l, in->c, in->v);
}
static void batch_ad (const double *p, const Cols *c, gsize n, double *const *out) { ql_ta_ad (c->h, c->l, c->c, c->v, n, out[0]); }

static void init_adosc (void *s, const double *p) { ql_ta_adosc_init (s, PI (0), PI (1)); }
static void
step_adosc (void *s, const In *in, double *out, gboolean commit)
{
  out[0] = commit ? ql_ta_adosc_update (s, in->h, in->l, in->c, in->v) : ql_ta_adosc_preview (s, in->h, in->l, in->c, in->v);
}
static void batch_adosc (const double *p, const Cols *c, gsize n, double *const *out) { ql_ta_adosc (c->h, c->l, c->c, c->v, n, PI (0), PI (1), out[0]); }

static void init_adx (void *s, const double *p) { ql_ta_adx_init (s, PI (0)); }
static void
step_adx (void *s, const In *in, double *out, gboolean commit)
{
  if (commit)
    ql_ta_adx_update (s, in->h, in->l, in->c, out);
  else
    ql_ta_adx_preview (s, in->h, in->l, in->c, out);
}
static void batch_adx (const double *p, const Cols *c, gsize n, double *const *out) { ql_ta_adx (c->h, c->l, c->c, n, PI (0), out[0], out[1], out[2]); }

static void init_aroon (void *s, const double *p) { ql_ta_aroon_init (s, PI (0)); }
static void clear_aroon (void *s) { ql_ta_aroon_clear (s); }
static void
step_aroon (void *s, const In *in, double *out, gboolean commit)
{
  if (commit)
    ql_ta_aroon_update (s, in->h, in->l, out);
  else
    ql_ta_aroon_preview (s, in->h, in->l, out);
}
static void batch_aroon (const double *p, const Cols *c, gsize n, double *const *out) { ql_ta_aroon (c->h, c->l, n, PI (0), out[0], out[1]); }

static void init_sar (void *s, const double *p) { ql_ta_sar_init (s, p[0], p[1]); }
static void
step_sar (void *s, const In *in, double *out, gboolean commit)
{
  out[0] = commit ? ql_ta_sar_update (s, in->h, in->l) : ql_ta_sar_preview (s, in->h, in->l);
}
static void batch_sar (const double *p, const Cols *c, gsize n, double *const *out) { ql_ta_sar (c->h, c->l, n, p[0], p[1], out[0]); }

static void init_bbands (void *s, const double *p) { ql_ta_bbands_init (s, PI (0), p[1]); }
static void clear_bbands (void *s) { ql_ta_bbands_clear (s); }
static void
step_bbands (void *s, const In *in, double *out, gboolean commit)
{
  if (commit)
    ql_ta_bbands_update (s, in->a, out);
  else
    ql_ta_bbands_preview (s, in->a, out);
}
static void batch_bbands (const double *p, const Cols *c, gsize n, double *const *out) { ql_ta_bbands (c->a, n, PI (0), p[1], out[0], out[1], out[2]); }

static void init_kc (void *s, const double *p) { ql_ta_kc_init (s, PI (0), p[1], PI (2)); }
static void
step_kc (void *s, const In *in, double *out, gboolean commit)
{
  if (commit)
    ql_ta_kc_update (s, in->h, in->l, in->c, in->a, out);
  else
    ql_ta_kc_preview (s, in->h, in->l, in->c, in->a, out);
}
static void batch_kc (const double *p, const Cols *c, gsize n, double *const *out) { ql_ta_kc (c->h, c->l, c->c, c->a, n, PI (0), p[1], PI (2), out[0], out[1], out[2]); }

static void init_donchian (void *s, const double *p) { ql_ta_donchian_init (s, PI (0)); }
static void clear_donchian (void *s) { ql_ta_donchian_clear (s); }
static void
step_donchian (void *s, const In *in, double *out, gboolean commit)
{
  if (commit)
    ql_ta_donchian_update (s, in->h, in->l, out);
  else
    ql_ta_donchian_preview (s, in->h, in->l, out);
}
static void batch_donchian (const double *p, const Cols *c, gsize n, double *const *out) { ql_ta_donchian (c->h, c->l, n, PI (0), out[0], out[1], out[2]); }

static void init_stddev (void *s, const double *p) { ql_ta_stddev_init (s, PI (0), p[1]); }
static void
step_stddev (void *s, const In *in, double *out, gboolean commit)
{
  out[0] = commit ? ql_ta_stddev_update (s, in->a) : ql_ta_stddev_preview (s, in->a);
}
static void batch_stddev (const double *p, const Cols *c, gsize n, double *const *out) { ql_ta_stddev (c->a, n, PI (0), p[1], out[0]); }

static void init_linreg (void *s, const double *p) { ql_ta_linreg_init (s, PI (0)); }
static void clear_linreg (void *s) { ql_ta_linreg_clear (s); }
static void
step_linreg (void *s, const In *in, double *out, gboolean commit)
{
  if (commit)
    ql_ta_linreg_update (s, in->a, out);
  else
    ql_ta_linreg_preview (s, in->a, out);
}
static void batch_linreg (const double *p, const Cols *c, gsize n, double *const *out) { ql_ta_linreg (c->a, n, PI (0), out[0], out[1]); }

static void init_correl (void *s, const double *p) { ql_ta_correl_init (s, PI (0)); }
static void clear_correl (void *s) { ql_ta_correl_clear (s); }
static void
step_correl (void *s, const In *in, double *out, gboolean commit)
{
  out[0] = commit ? ql_ta_correl_update (s, in->a, in->b) : ql_ta_correl_preview (s, in->a, in->b);
}
static void batch_correl (const double *p, const Cols *c, gsize n, double *const *out) { ql_ta_correl (c->a, c->b, n, PI (0), out[0]); }

static void init_highest (void *s, const double *p) { ql_ta_highest_init (s, PI (0)); }
static void init_lowest (void *s, const double *p) { ql_ta_lowest_init (s, PI (0)); }
static void clear_extreme (void *s) { ql_ta_extreme_clear (s); }
static void
step_extreme (void *s, const In *in, double *out, gboolean commit)
{
  if (commit)
    ql_ta_extreme_update (s, in->a, out);
  else
    ql_ta_extreme_preview (s, in->a, out);
}
static void batch_highest (const double *p, const Cols *c, gsize n, double *const *out) { ql_ta_highest (c->a, n, PI (0), out[0], out[1]); }
static void batch_lowest (const double *p, const Cols *c, gsize n, double *const *out) { ql_ta_lowest (c->a, n, PI (0), out[0], out[1]); }

static void init_ichimoku (void *s, const double *p) { ql_ta_ichimoku_init (s, PI (0), PI (1), PI (2), PI (3)); }
static void clear_ichimoku (void *s) { ql_ta_ichimoku_clear (s); }
static void
step_ichimoku (void *s, const In *in, double *out, gboolean commit)
{
  if (commit)
    ql_ta_ichimoku_update (s, in->h, in->l, in->c, out);
  else
    ql_ta_ichimoku_preview (s, in->h, in->l, in->c, out);
}
static void batch_ichimoku (const double *p, const Cols *c, gsize n, double *const *out) { ql_ta_ichimoku (c->h, c->l, c->c, n, PI (0), PI (1), PI (2), PI (3), out); }

static void init_supertrend (void *s, const double *p) { ql_ta_supertrend_init (s, p[0], PI (1)); }
static void
step_supertrend (void *s, const In *in, double *out, gboolean commit)
{
  if (commit)
    ql_ta_supertrend_update (s, in->h, in->l, in->c, out);
  else
    ql_ta_supertrend_preview (s, in->h, in->l, in->c, out);
}
static void batch_supertrend (const double *p, const Cols *c, gsize n, double *const *out) { ql_ta_supertrend (c->h, c->l, c->c, n, p[0], PI (1), out[0], out[1]); }

static void init_pivots (void *s, const double *p) { ql_ta_pivots_init (s); }
static void
step_pivots (void *s, const In *in, double *out, gboolean commit)
{
  if (commit)
    ql_ta_pivots_update (s, in->day, in->h, in->l, in->c, out);
  else
    ql_ta_pivots_preview (s, in->day, in->h, in->l, in->c, out);
}
static void batch_pivots (const double *p, const Cols *c, gsize n, double *const *out) { ql_ta_pivots (c->day, c->h, c->l, c->c, n, out); }

/* ---- the table ------------------------------------------------------------ */

#define FUNCS(T, i, cl, st, b) sizeof (T), init_##i, clear_##cl, step_##st, batch_##b
#define PERIOD(d) INT ("period", d, 1)
#define CLOSE SRC ("src", SRC_CLOSE)

static const Def defs[] = {
  /* TA-Lib SMA */
  { "sma", "simple moving average", 2, { PERIOD (20), CLOSE }, 1, { "sma" }, FALSE, FUNCS (QlTaSma, sma, sma, sma, sma) },
  /* TA-Lib EMA */
  { "ema", "exponential moving average, SMA-seeded", 2, { PERIOD (20), CLOSE }, 1, { "ema" }, FALSE, FUNCS (QlTaEma, ema, none, ema, ema) },
  /* TA-Lib WMA */
  { "wma", "linearly weighted moving average", 2, { PERIOD (20), CLOSE }, 1, { "wma" }, FALSE, FUNCS (QlTaWma, wma, wma, wma, wma) },
  /* TA-Lib DEMA */
  { "dema", "double exponential moving average", 2, { PERIOD (20), CLOSE }, 1, { "dema" }, FALSE, FUNCS (QlTaDema, dema, none, dema, dema) },
  /* TA-Lib TEMA */
  { "tema", "triple exponential moving average", 2, { PERIOD (20), CLOSE }, 1, { "tema" }, FALSE, FUNCS (QlTaTema, tema, none, tema, tema) },
  /* TA-Lib TRIMA */
  { "trima", "triangular moving average", 2, { PERIOD (20), CLOSE }, 1, { "trima" }, FALSE, FUNCS (QlTaTrima, trima, trima, trima, trima) },
  /* TA-Lib KAMA */
  { "kama", "Kaufman adaptive moving average", 2, { PERIOD (10), CLOSE }, 1, { "kama" }, FALSE, FUNCS (QlTaKama, kama, kama, kama, kama) },
  /* TradingView ta.hma */
  { "hma", "Hull moving average", 2, { INT ("period", 9, 2), CLOSE }, 1, { "hma" }, FALSE, FUNCS (QlTaHma, hma, hma, hma, hma) },
  /* TradingView ta.vwma */
  { "vwma", "volume-weighted moving average", 2, { PERIOD (20), CLOSE }, 1, { "vwma" }, FALSE, FUNCS (QlTaVwma, vwma, vwma, vwma, vwma) },
  /* TradingView ta.rma */
  { "rma", "Wilder's moving average", 2, { PERIOD (14), CLOSE }, 1, { "rma" }, FALSE, FUNCS (QlTaEma, rma, none, rma, rma) },
  /* TradingView session VWAP */
  { "vwap", "volume-weighted average price, restarted each trading day", 1, { SRC ("src", SRC_HLC3) }, 1, { "vwap" }, TRUE, FUNCS (QlTaVwap, vwap, none, vwap, vwap) },
  /* TA-Lib RSI */
  { "rsi", "relative strength index", 2, { PERIOD (14), CLOSE }, 1, { "rsi" }, FALSE, FUNCS (QlTaRsi, rsi, none, rsi, rsi) },
  /* TA-Lib STOCH, SMA smoothing */
  { "stoch", "slow stochastic oscillator", 3, { INT ("k", 14, 1), INT ("slowk", 3, 1), INT ("slowd", 3, 1) }, 2, { "k", "d" }, FALSE, FUNCS (QlTaStoch, stoch, stoch, stoch, stoch) },
  /* TA-Lib STOCHF, SMA smoothing */
  { "stochf", "fast stochastic oscillator", 2, { INT ("k", 14, 1), INT ("d", 3, 1) }, 2, { "k", "d" }, FALSE, FUNCS (QlTaStoch, stochf, stoch, stochf, stochf) },
  /* TA-Lib STOCHRSI */
  { "stochrsi", "stochastic RSI", 4, { PERIOD (14), INT ("k", 14, 1), INT ("d", 3, 1), CLOSE }, 2, { "k", "d" }, FALSE, FUNCS (QlTaStochRsi, stochrsi, stochrsi, stochrsi, stochrsi) },
  /* TA-Lib MACD */
  { "macd", "moving average convergence divergence", 4, { INT ("fast", 12, 2), INT ("slow", 26, 2), INT ("signal", 9, 1), CLOSE }, 3, { "macd", "signal", "hist" }, FALSE, FUNCS (QlTaMacd, macd, none, macd, macd) },
  /* TA-Lib PPO, SMA */
  { "ppo", "percentage price oscillator", 3, { INT ("fast", 12, 2), INT ("slow", 26, 2), CLOSE }, 1, { "ppo" }, FALSE, FUNCS (QlTaPpo, ppo, ppo, ppo, ppo) },
  /* TA-Lib ROC */
  { "roc", "rate of change in percent", 2, { PERIOD (10), CLOSE }, 1, { "roc" }, FALSE, FUNCS (QlTaRoc, roc, roc, roc, roc) },
  /* TA-Lib MOM */
  { "mom", "momentum: x - x[period]", 2, { PERIOD (10), CLOSE }, 1, { "mom" }, FALSE, FUNCS (QlTaRoc, mom, roc, mom, mom) },
  /* TA-Lib CCI */
  { "cci", "commodity channel index", 1, { PERIOD (20) }, 1, { "cci" }, FALSE, FUNCS (QlTaCci, cci, cci, cci, cci) },
  /* TA-Lib WILLR */
  { "willr", "Williams %R", 1, { PERIOD (14) }, 1, { "willr" }, FALSE, FUNCS (QlTaWillr, willr, willr, willr, willr) },
  /* TA-Lib MFI */
  { "mfi", "money flow index", 1, { PERIOD (14) }, 1, { "mfi" }, FALSE, FUNCS (QlTaMfi, mfi, mfi, mfi, mfi) },
  /* TA-Lib OBV */
  { "obv", "on-balance volume", 0, { { NULL } }, 1, { "obv" }, FALSE, FUNCS (QlTaObv, obv, none, obv, obv) },
  /* TA-Lib AD */
  { "ad", "Chaikin accumulation/distribution line", 0, { { NULL } }, 1, { "ad" }, FALSE, FUNCS (QlTaAd, ad, none, ad, ad) },
  /* TA-Lib ADOSC */
  { "adosc", "Chaikin oscillator", 2, { INT ("fast", 3, 2), INT ("slow", 10, 2) }, 1, { "adosc" }, FALSE, FUNCS (QlTaAdosc, adosc, none, adosc, adosc) },
  /* TA-Lib ADX, PLUS_DI, MINUS_DI */
  { "adx", "average directional index with +DI and -DI", 1, { INT ("period", 14, 2) }, 3, { "adx", "plus_di", "minus_di" }, FALSE, FUNCS (QlTaAdx, adx, none, adx, adx) },
  /* TA-Lib AROON */
  { "aroon", "Aroon up and down", 1, { PERIOD (14) }, 2, { "up", "down" }, FALSE, FUNCS (QlTaAroon, aroon, aroon, aroon, aroon) },
  /* TA-Lib SAR */
  { "sar", "parabolic stop and reverse", 2, { NUM ("accel", 0.02, 0, TRUE), NUM ("max", 0.2, 0, TRUE) }, 1, { "sar" }, FALSE, FUNCS (QlTaSar, sar, none, sar, sar) },
  /* TA-Lib TRANGE */
  { "trange", "true range", 0, { { NULL } }, 1, { "trange" }, FALSE, FUNCS (QlTaTrange, trange, none, trange, trange) },
  /* TA-Lib ATR */
  { "atr", "average true range", 1, { PERIOD (14) }, 1, { "atr" }, FALSE, FUNCS (QlTaAtr, atr, none, atr, atr) },
  /* TA-Lib NATR */
  { "natr", "normalised average true range, percent of close", 1, { PERIOD (14) }, 1, { "natr" }, FALSE, FUNCS (QlTaAtr, natr, none, natr, natr) },
  /* TA-Lib BBANDS, SMA */
  { "bbands", "Bollinger bands", 3, { PERIOD (20), NUM ("mult", 2, 0, FALSE), CLOSE }, 3, { "upper", "middle", "lower" }, FALSE, FUNCS (QlTaBbands, bbands, bbands, bbands, bbands) },
  /* TradingView Keltner Channels, Average True Range style */
  { "kc", "Keltner channels", 4, { PERIOD (20), NUM ("mult", 2, 0, FALSE), INT ("atr_period", 10, 1), CLOSE }, 3, { "upper", "middle", "lower" }, FALSE, FUNCS (QlTaKc, kc, none, kc, kc) },
  /* TradingView Donchian Channels */
  { "donchian", "Donchian channels", 1, { PERIOD (20) }, 3, { "upper", "middle", "lower" }, FALSE, FUNCS (QlTaDonchian, donchian, donchian, donchian, donchian) },
  /* TA-Lib STDDEV */
  { "stddev", "population standard deviation", 3, { PERIOD (20), NUM ("mult", 1, 0, FALSE), CLOSE }, 1, { "stddev" }, FALSE, FUNCS (QlTaBbands, stddev, bbands, stddev, stddev) },
  /* TA-Lib VAR */
  { "var", "population variance", 2, { PERIOD (20), CLOSE }, 1, { "var" }, FALSE, FUNCS (QlTaVar, var, var, var, var) },
  /* TA-Lib LINEARREG, LINEARREG_SLOPE */
  { "linreg", "least-squares line: value at the newest bar and slope", 2, { INT ("period", 14, 2), CLOSE }, 2, { "value", "slope" }, FALSE, FUNCS (QlTaLinreg, linreg, linreg, linreg, linreg) },
  /* TA-Lib CORREL */
  { "correl", "Pearson correlation of two sources", 3, { PERIOD (20), SRC ("a", SRC_CLOSE), SRC ("b", SRC_VOLUME) }, 1, { "correl" }, FALSE, FUNCS (QlTaCorrel, correl, correl, correl, correl) },
  /* TA-Lib MAX */
  { "highest", "highest value and how many bars ago", 2, { PERIOD (14), SRC ("src", SRC_HIGH) }, 2, { "highest", "bars" }, FALSE, FUNCS (QlTaExtreme, highest, extreme, extreme, highest) },
  /* TA-Lib MIN */
  { "lowest", "lowest value and how many bars ago", 2, { PERIOD (14), SRC ("src", SRC_LOW) }, 2, { "lowest", "bars" }, FALSE, FUNCS (QlTaExtreme, lowest, extreme, extreme, lowest) },
  /* TradingView Ichimoku Cloud */
  { "ichimoku", "Ichimoku cloud, spans at the bar where they are drawn", 4, { INT ("conversion", 9, 1), INT ("base", 26, 1), INT ("span_b", 52, 1), INT ("displacement", 26, 1) }, 5, { "conversion", "base", "span_a", "span_b", "lagging" }, FALSE, FUNCS (QlTaIchimoku, ichimoku, ichimoku, ichimoku, ichimoku) },
  /* TradingView ta.supertrend */
  { "supertrend", "SuperTrend line and direction (+1 up, -1 down)", 2, { NUM ("factor", 3, 0, TRUE), PERIOD (10) }, 2, { "supertrend", "direction" }, FALSE, FUNCS (QlTaSupertrend, supertrend, none, supertrend, supertrend) },
  /* Classic floor pivots */
  { "pivots", "classic floor pivots of the previous trading day", 0, { { NULL } }, 7, { "p", "r1", "s1", "r2", "s2", "r3", "s3" }, TRUE, FUNCS (QlTaPivots, pivots, none, pivots, pivots) },
};

/* ---- catalogue ------------------------------------------------------------ */

static QlIndicatorInfo *catalog;

static char *
format_value (const ParamDef *pd, double v)
{
  if (pd->kind == P_SRC)
    return g_strdup (src_names[(int) v]);
  if (pd->kind == P_INT)
    return g_strdup_printf ("%d", (int) v);
  {
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    return g_strdup (g_ascii_formatd (buf, sizeof buf, "%.15g", v));
  }
}

static void
build_catalog (void)
{
  QlIndicatorInfo *c = g_new0 (QlIndicatorInfo, G_N_ELEMENTS (defs));
  for (gsize i = 0; i < G_N_ELEMENTS (defs); i++)
    {
      const Def *d = &defs[i];
      GString *ps = g_string_new (NULL);
      for (guint k = 0; k < d->n_params; k++)
        {
          g_autofree char *v = format_value (&d->params[k], d->params[k].def);
          g_string_append_printf (ps, "%s%s=%s", k ? ", " : "", d->params[k].name, v);
        }
      c[i].name = d->name;
      c[i].params = g_string_free (ps, FALSE);
      c[i].outputs = g_strjoinv (", ", (char **) d->outputs);
      c[i].summary = d->summary;
    }
  catalog = c;
}

guint
ql_indicator_catalog_size (void)
{
  return G_N_ELEMENTS (defs);
}

const QlIndicatorInfo *
ql_indicator_catalog_get (guint i)
{
  static gsize once = 0;
  g_return_val_if_fail (i < G_N_ELEMENTS (defs), NULL);
  if (g_once_init_enter (&once))
    {
      build_catalog ();
      g_once_init_leave (&once, 1);
    }
  return &catalog[i];
}

/* ---- spec parsing --------------------------------------------------------- */

static char *
signature (const Def *d)
{
  GString *s = g_string_new (d->name);
  g_string_append_c (s, '(');
  for (guint k = 0; k < d->n_params; k++)
    g_string_append_printf (s, "%s%s", k ? ", " : "", d->params[k].name);
  g_string_append_c (s, ')');
  return g_string_free (s, FALSE);
}

static char *
expectation (const ParamDef *pd)
{
  switch (pd->kind)
    {
    case P_INT:
      return g_strdup_printf ("an integer >= %d and <= %d (default %d)", (int) pd->min, MAX_PERIOD, (int) pd->def);
    case P_NUM:
      {
        g_autofree char *def = format_value (pd, pd->def);
        return g_strdup_printf ("a number %s %g (default %s)", pd->open ? ">" : ">=", pd->min, def);
      }
    case P_SRC:
    default:
      {
        g_autofree char *names = g_strjoinv (", ", (char **) src_names);
        return g_strdup_printf ("one of %s (default %s)", names, src_names[(int) pd->def]);
      }
    }
}

static gboolean
parse_arg (const Def *d, guint k, const char *text, double *value, GError **error)
{
  const ParamDef *pd = &d->params[k];
  gboolean ok = FALSE;

  if (pd->kind == P_INT)
    {
      char *end = NULL;
      gint64 v;
      errno = 0;
      v = g_ascii_strtoll (text, &end, 10);
      ok = *text != '\0' && end != NULL && *end == '\0' && errno == 0
           && v >= (gint64) pd->min && v <= MAX_PERIOD;
      *value = (double) v;
    }
  else if (pd->kind == P_NUM)
    {
      char *end = NULL;
      double v = g_ascii_strtod (text, &end);
      ok = *text != '\0' && end != NULL && *end == '\0' && isfinite (v)
           && (pd->open ? v > pd->min : v >= pd->min);
      *value = v;
    }
  else
    {
      for (int i = 0; i < SRC_N && !ok; i++)
        if (g_ascii_strcasecmp (text, src_names[i]) == 0)
          {
            *value = i;
            ok = TRUE;
          }
    }
  if (!ok)
    {
      g_autofree char *sig = signature (d);
      g_autofree char *exp = expectation (pd);
      g_set_error (error, QL_INDICATOR_ERROR, QL_INDICATOR_ERROR_BAD_SPEC,
                   "%s: \"%s\" must be %s, got \"%s\"", sig, pd->name, exp, text);
    }
  return ok;
}

static const Def *
find_def (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (defs); i++)
    if (g_ascii_strcasecmp (defs[i].name, name) == 0)
      return &defs[i];
  return NULL;
}

static char *
canonical_spec (const Def *d, const double *p)
{
  GString *s = g_string_new (d->name);
  guint last = d->n_params;

  /* Trailing source arguments at their default are left out. */
  while (last > 0 && d->params[last - 1].kind == P_SRC && p[last - 1] == d->params[last - 1].def)
    last--;
  g_string_append_c (s, '(');
  for (guint k = 0; k < last; k++)
    {
      g_autofree char *v = format_value (&d->params[k], p[k]);
      g_string_append_printf (s, "%s%s", k ? "," : "", v);
    }
  g_string_append_c (s, ')');
  return g_string_free (s, FALSE);
}

static void
state_init (QlIndicator *self)
{
  self->def->init (self->state, self->p);
}

QlIndicator *
ql_indicator_new (const char *spec,
                  GError    **error)
{
  g_autofree char *text = NULL;
  g_auto (GStrv) args = NULL;
  const char *open, *name_end;
  g_autofree char *name = NULL;
  const Def *d;
  double p[MAX_PARAMS] = { 0 };
  guint n_args = 0;
  QlIndicator *self;

  g_return_val_if_fail (spec != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  text = g_strstrip (g_strdup (spec));
  open = strchr (text, '(');
  name_end = open ? open : text + strlen (text);
  name = g_strstrip (g_strndup (text, name_end - text));
  if (*name == '\0')
    {
      g_set_error (error, QL_INDICATOR_ERROR, QL_INDICATOR_ERROR_BAD_SPEC,
                   "\"%s\": an indicator spec is a name with optional arguments, such as macd(12,26,9)", spec);
      return NULL;
    }
  d = find_def (name);
  if (d == NULL)
    {
      GString *known = g_string_new (NULL);
      for (gsize i = 0; i < G_N_ELEMENTS (defs); i++)
        g_string_append_printf (known, "%s%s", i ? ", " : "", defs[i].name);
      g_set_error (error, QL_INDICATOR_ERROR, QL_INDICATOR_ERROR_UNKNOWN,
                   "unknown indicator \"%s\"; known: %s", name, known->str);
      g_string_free (known, TRUE);
      return NULL;
    }
  if (open)
    {
      const char *close = strrchr (open, ')');
      g_autofree char *inner = NULL;
      if (close == NULL || close[1] != '\0')
        {
          g_autofree char *sig = signature (d);
          g_set_error (error, QL_INDICATOR_ERROR, QL_INDICATOR_ERROR_BAD_SPEC,
                       "%s: \"%s\" must end with ')' after the arguments", sig, spec);
          return NULL;
        }
      inner = g_strstrip (g_strndup (open + 1, close - open - 1));
      if (*inner != '\0')
        {
          args = g_strsplit (inner, ",", -1);
          n_args = g_strv_length (args);
        }
    }
  if (n_args > d->n_params)
    {
      g_autofree char *sig = signature (d);
      g_set_error (error, QL_INDICATOR_ERROR, QL_INDICATOR_ERROR_BAD_SPEC,
                   "%s: takes at most %u argument%s, got %u", sig, d->n_params,
                   d->n_params == 1 ? "" : "s", n_args);
      return NULL;
    }
  for (guint k = 0; k < d->n_params; k++)
    p[k] = d->params[k].def;
  for (guint k = 0; k < n_args; k++)
    if (!parse_arg (d, k, g_strstrip (args[k]), &p[k], error))
      return NULL;

  self = g_new0 (QlIndicator, 1);
  self->def = d;
  memcpy (self->p, p, sizeof p);
  self->spec = canonical_spec (d, p);
  self->state = g_malloc0 (d->state_size);
  state_init (self);
  return self;
}

void
ql_indicator_free (QlIndicator *self)
{
  if (self == NULL)
    return;
  self->def->clear (self->state);
  g_free (self->state);
  g_free (self->spec);
  if (self->has_inst)
    ql_instrument_clear (&self->inst);
  g_free (self);
}

const char *
ql_indicator_get_spec (const QlIndicator *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->spec;
}

guint
ql_indicator_get_n_outputs (const QlIndicator *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->def->n_outputs;
}

const char *
ql_indicator_get_output_name (const QlIndicator *self,
                              guint              i)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (i < self->def->n_outputs, NULL);
  return self->def->outputs[i];
}

void
ql_indicator_set_instrument (QlIndicator        *self,
                             const QlInstrument *inst)
{
  g_return_if_fail (self != NULL);
  if (self->has_inst)
    ql_instrument_clear (&self->inst);
  self->has_inst = inst != NULL;
  if (inst != NULL)
    ql_instrument_copy (&self->inst, inst);
}

void
ql_indicator_reset (QlIndicator *self)
{
  g_return_if_fail (self != NULL);
  self->def->clear (self->state);
  memset (self->state, 0, self->def->state_size);
  state_init (self);
}

/* ---- inputs --------------------------------------------------------------- */

static gint64
day_of (const QlIndicator *self, QlTimeNs t)
{
  if (self->has_inst)
    {
      QlTimeNs start, end;
      gint64 label;
      ql_instrument_trading_day (&self->inst, t, &start, &end, &label);
      return label;
    }
  /* UTC days, rounding towards minus infinity. */
  return t >= 0 ? t / QL_NS_PER_DAY : -((-t + QL_NS_PER_DAY - 1) / QL_NS_PER_DAY);
}

static inline double
source_value (int src, double o, double h, double l, double c, double v)
{
  switch (src)
    {
    case SRC_OPEN: return o;
    case SRC_HIGH: return h;
    case SRC_LOW: return l;
    case SRC_CLOSE: return c;
    case SRC_VOLUME: return v;
    case SRC_HL2: return (h + l) / 2;
    case SRC_HLC3: return (h + l + c) / 3;
    case SRC_OHLC4: default: return (o + h + l + c) / 4;
    }
}

/* The source parameters a and b of this indicator, -1 when absent. */
static void
source_params (const QlIndicator *self, int *a, int *b)
{
  *a = *b = -1;
  for (guint k = 0; k < self->def->n_params; k++)
    if (self->def->params[k].kind == P_SRC)
      {
        if (*a < 0)
          *a = (int) self->p[k];
        else
          *b = (int) self->p[k];
      }
}

static void
bar_inputs (const QlIndicator *self, const QlBar *bar, In *in)
{
  int a, b;
  source_params (self, &a, &b);
  in->day = self->def->needs_day ? day_of (self, bar->time) : 0;
  in->h = bar->high;
  in->l = bar->low;
  in->c = bar->close;
  in->v = bar->volume;
  in->a = a >= 0 ? source_value (a, bar->open, bar->high, bar->low, bar->close, bar->volume) : NAN;
  in->b = b >= 0 ? source_value (b, bar->open, bar->high, bar->low, bar->close, bar->volume) : NAN;
}

/* A column for @src: the bar column itself, or a computed one in *owned. */
static const double *
source_column (const QlSeries *bars, int src, double **owned)
{
  const double *o = ql_series_f64 (bars, QL_BAR_OPEN);
  const double *h = ql_series_f64 (bars, QL_BAR_HIGH);
  const double *l = ql_series_f64 (bars, QL_BAR_LOW);
  const double *c = ql_series_f64 (bars, QL_BAR_CLOSE);
  const double *v = ql_series_f64 (bars, QL_BAR_VOLUME);
  double *col;

  *owned = NULL;
  switch (src)
    {
    case SRC_OPEN: return o;
    case SRC_HIGH: return h;
    case SRC_LOW: return l;
    case SRC_CLOSE: return c;
    case SRC_VOLUME: return v;
    default:
      break;
    }
  col = g_new (double, MAX (bars->len, 1));
  for (gsize i = 0; i < bars->len; i++)
    col[i] = source_value (src, o[i], h[i], l[i], c[i], v[i]);
  *owned = col;
  return col;
}

void
ql_indicator_batch (QlIndicator    *self,
                    const QlSeries *bars,
                    double *const  *out)
{
  g_autofree double *own_a = NULL;
  g_autofree double *own_b = NULL;
  g_autofree gint64 *days = NULL;
  Cols c = { 0 };
  int a, b;

  g_return_if_fail (self != NULL && bars != NULL && out != NULL);
  g_return_if_fail (bars->n_columns == QL_BAR_N_COLUMNS);

  source_params (self, &a, &b);
  c.h = ql_series_f64 (bars, QL_BAR_HIGH);
  c.l = ql_series_f64 (bars, QL_BAR_LOW);
  c.c = ql_series_f64 (bars, QL_BAR_CLOSE);
  c.v = ql_series_f64 (bars, QL_BAR_VOLUME);
  if (a >= 0)
    c.a = source_column (bars, a, &own_a);
  if (b >= 0)
    c.b = source_column (bars, b, &own_b);
  if (self->def->needs_day)
    {
      const gint64 *t = ql_series_i64 (bars, QL_BAR_TIME);
      days = g_new (gint64, MAX (bars->len, 1));
      for (gsize i = 0; i < bars->len; i++)
        days[i] = day_of (self, t[i]);
      c.day = days;
    }
  self->def->batch (self->p, &c, bars->len, out);
}

void
ql_indicator_update (QlIndicator *self,
                     const QlBar *bar,
                     double      *out)
{
  In in;
  g_return_if_fail (self != NULL && bar != NULL && out != NULL);
  bar_inputs (self, bar, &in);
  self->def->step (self->state, &in, out, TRUE);
}

void
ql_indicator_preview (QlIndicator *self,
                      const QlBar *bar,
                      double      *out)
{
  In in;
  g_return_if_fail (self != NULL && bar != NULL && out != NULL);
  bar_inputs (self, bar, &in);
  self->def->step (self->state, &in, out, FALSE);
}
