/* dsl/ta_bind.c — the ta.* rows: signatures, docs and adapters onto the
 * incremental kernels of engine/ta.h.
 *
 * Every indicator of engine/indicator.c's table has one row under the same
 * name, with its parameters' names, defaults and ranges; its source
 * parameters become the leading series inputs (a source defaulting to
 * close becomes `source`; kernels of high, low, close and volume take those
 * as inputs).  The adapters call the kernel's update or preview and nothing
 * else, so a call site performs the engine's floating-point operations in
 * the engine's order.  Pine's helpers (crossover, crossunder, change,
 * barssince, valuewhen, cum, highestbars, lowestbars) follow; highest and
 * lowest return only the value (as Pine's ta.highest does), the bars-ago
 * output of the engine's kernel being highestbars/lowestbars. */
#define G_LOG_DOMAIN "ql-dsl-ta-bind"

#include "dsl/ta_bind.h"

#include "engine/ta.h"

#include <math.h>
#include <string.h>

/* engine/indicator.c's upper bound on every integer parameter. */
#define MAX_PERIOD 100000

/* Parameter checks: each returns a static message from init. */
#define CHECK_INT(v, name, min)                                      \
  G_STMT_START                                                       \
  {                                                                  \
    if ((v).i < (min))                                               \
      return name " must be >= " #min;                               \
    if ((v).i > MAX_PERIOD)                                          \
      return name " must be <= 100000";                              \
  }                                                                  \
  G_STMT_END

/* A number >= min (closed) or > min (open), finite. */
#define CHECK_NUM_GE(v, name, min)                                   \
  G_STMT_START                                                       \
  {                                                                  \
    if (!isfinite ((v).f))                                           \
      return name " must be a finite number";                        \
    if (!((v).f >= (min)))                                           \
      return name " must be >= " #min;                               \
  }                                                                  \
  G_STMT_END

#define CHECK_NUM_GT(v, name, min)                                   \
  G_STMT_START                                                       \
  {                                                                  \
    if (!isfinite ((v).f))                                           \
      return name " must be a finite number";                        \
    if (!((v).f > (min)))                                            \
      return name " must be > " #min;                                \
  }                                                                  \
  G_STMT_END

#define PI(k) ((int) p[k].i)
#define UPD static void
#define PRV static void
#define ARGS_U void *s, gint64 day, const QlScalar *in, QlScalar *out
#define ARGS_P const void *s, gint64 day, const QlScalar *in, QlScalar *out

static inline void
copy_out (QlScalar *out, const double *o, guint n)
{
  for (guint k = 0; k < n; k++)
    out[k].f = o[k];
}

/* ---- one source, one integer parameter, one output ------------------------ */

/* @name: the row; @T: the kernel state; @ini, @stp, @clr: the kernel's
 * init, update/preview and clear prefixes; @pn, @min: the parameter. */
#define A1(name, T, ini, stp, clr, pn, min)                                   \
  static const char *init_##name (void *s, const QlScalar *p)                 \
  {                                                                           \
    CHECK_INT (p[0], pn, min);                                                \
    memset (s, 0, sizeof (T));                                                \
    ql_ta_##ini##_init ((T *) s, PI (0));                                     \
    return NULL;                                                              \
  }                                                                           \
  static void clear_##name (void *s) { ql_ta_##clr##_clear ((T *) s); }       \
  UPD update_##name (ARGS_U) { out[0].f = ql_ta_##stp##_update ((T *) s, in[0].f); } \
  PRV preview_##name (ARGS_P) { out[0].f = ql_ta_##stp##_preview ((const T *) s, in[0].f); }

A1 (sma, QlTaSma, sma, sma, sma, "period", 1)
A1 (ema, QlTaEma, ema, ema, ema, "period", 1)
A1 (wma, QlTaWma, wma, wma, wma, "period", 1)
A1 (dema, QlTaDema, dema, dema, dema, "period", 1)
A1 (tema, QlTaTema, tema, tema, tema, "period", 1)
A1 (trima, QlTaTrima, trima, trima, trima, "period", 1)
A1 (kama, QlTaKama, kama, kama, kama, "period", 1)
A1 (hma, QlTaHma, hma, hma, hma, "period", 2)
A1 (rma, QlTaEma, rma, ema, ema, "period", 1)
A1 (rsi, QlTaRsi, rsi, rsi, rsi, "period", 1)
A1 (roc, QlTaRoc, roc, roc, roc, "period", 1)
A1 (mom, QlTaRoc, roc, mom, roc, "period", 1)
A1 (var, QlTaVar, var, var, var, "period", 1)

/* ---- high, low, close; one integer parameter; one output ------------------ */

#define HLC1(name, T, ini, stp, clr, pn, min)                                 \
  static const char *init_##name (void *s, const QlScalar *p)                 \
  {                                                                           \
    CHECK_INT (p[0], pn, min);                                                \
    memset (s, 0, sizeof (T));                                                \
    ql_ta_##ini##_init ((T *) s, PI (0));                                     \
    return NULL;                                                              \
  }                                                                           \
  static void clear_##name (void *s) { ql_ta_##clr##_clear ((T *) s); }       \
  UPD update_##name (ARGS_U)                                                  \
  {                                                                           \
    out[0].f = ql_ta_##stp##_update ((T *) s, in[0].f, in[1].f, in[2].f);     \
  }                                                                           \
  PRV preview_##name (ARGS_P)                                                 \
  {                                                                           \
    out[0].f = ql_ta_##stp##_preview ((const T *) s, in[0].f, in[1].f, in[2].f); \
  }

HLC1 (cci, QlTaCci, cci, cci, cci, "period", 1)
HLC1 (willr, QlTaWillr, willr, willr, willr, "period", 1)
HLC1 (atr, QlTaAtr, atr, atr, atr, "period", 1)
HLC1 (natr, QlTaAtr, atr, natr, atr, "period", 1)

/* ---- the rest, one by one ------------------------------------------------- */

static const char *
init_vwma (void *s, const QlScalar *p)
{
  CHECK_INT (p[0], "period", 1);
  memset (s, 0, sizeof (QlTaVwma));
  ql_ta_vwma_init (s, PI (0));
  return NULL;
}
static void clear_vwma (void *s) { ql_ta_vwma_clear (s); }
UPD update_vwma (ARGS_U) { out[0].f = ql_ta_vwma_update (s, in[0].f, in[1].f); }
PRV preview_vwma (ARGS_P) { out[0].f = ql_ta_vwma_preview (s, in[0].f, in[1].f); }

static const char *
init_vwap (void *s, const QlScalar *p)
{
  memset (s, 0, sizeof (QlTaVwap));
  ql_ta_vwap_init (s);
  return NULL;
}
static void clear_vwap (void *s) { ql_ta_vwap_clear (s); }
UPD update_vwap (ARGS_U) { out[0].f = ql_ta_vwap_update (s, day, in[0].f, in[1].f); }
PRV preview_vwap (ARGS_P) { out[0].f = ql_ta_vwap_preview (s, day, in[0].f, in[1].f); }

static const char *
init_stoch (void *s, const QlScalar *p)
{
  CHECK_INT (p[0], "k", 1);
  CHECK_INT (p[1], "slowk", 1);
  CHECK_INT (p[2], "slowd", 1);
  memset (s, 0, sizeof (QlTaStoch));
  ql_ta_stoch_init (s, PI (0), PI (1), PI (2));
  return NULL;
}
static void clear_stoch (void *s) { ql_ta_stoch_clear (s); }
UPD
update_stoch (ARGS_U)
{
  double o[2];
  ql_ta_stoch_update (s, in[0].f, in[1].f, in[2].f, o);
  copy_out (out, o, 2);
}
PRV
preview_stoch (ARGS_P)
{
  double o[2];
  ql_ta_stoch_preview (s, in[0].f, in[1].f, in[2].f, o);
  copy_out (out, o, 2);
}

static const char *
init_stochf (void *s, const QlScalar *p)
{
  CHECK_INT (p[0], "k", 1);
  CHECK_INT (p[1], "d", 1);
  memset (s, 0, sizeof (QlTaStoch));
  ql_ta_stochf_init (s, PI (0), PI (1));
  return NULL;
}
static void clear_stochf (void *s) { ql_ta_stochf_clear (s); }
UPD
update_stochf (ARGS_U)
{
  double o[2];
  ql_ta_stochf_update (s, in[0].f, in[1].f, in[2].f, o);
  copy_out (out, o, 2);
}
PRV
preview_stochf (ARGS_P)
{
  double o[2];
  ql_ta_stochf_preview (s, in[0].f, in[1].f, in[2].f, o);
  copy_out (out, o, 2);
}

static const char *
init_stochrsi (void *s, const QlScalar *p)
{
  CHECK_INT (p[0], "period", 1);
  CHECK_INT (p[1], "k", 1);
  CHECK_INT (p[2], "d", 1);
  memset (s, 0, sizeof (QlTaStochRsi));
  ql_ta_stochrsi_init (s, PI (0), PI (1), PI (2));
  return NULL;
}
static void clear_stochrsi (void *s) { ql_ta_stochrsi_clear (s); }
UPD
update_stochrsi (ARGS_U)
{
  double o[2];
  ql_ta_stochrsi_update (s, in[0].f, o);
  copy_out (out, o, 2);
}
PRV
preview_stochrsi (ARGS_P)
{
  double o[2];
  ql_ta_stochrsi_preview (s, in[0].f, o);
  copy_out (out, o, 2);
}

static const char *
init_macd (void *s, const QlScalar *p)
{
  CHECK_INT (p[0], "fast", 2);
  CHECK_INT (p[1], "slow", 2);
  CHECK_INT (p[2], "signal", 1);
  memset (s, 0, sizeof (QlTaMacd));
  ql_ta_macd_init (s, PI (0), PI (1), PI (2));
  return NULL;
}
static void clear_macd (void *s) { ql_ta_macd_clear (s); }
UPD
update_macd (ARGS_U)
{
  double o[3];
  ql_ta_macd_update (s, in[0].f, o);
  copy_out (out, o, 3);
}
PRV
preview_macd (ARGS_P)
{
  double o[3];
  ql_ta_macd_preview (s, in[0].f, o);
  copy_out (out, o, 3);
}

static const char *
init_ppo (void *s, const QlScalar *p)
{
  CHECK_INT (p[0], "fast", 2);
  CHECK_INT (p[1], "slow", 2);
  memset (s, 0, sizeof (QlTaPpo));
  ql_ta_ppo_init (s, PI (0), PI (1));
  return NULL;
}
static void clear_ppo (void *s) { ql_ta_ppo_clear (s); }
UPD update_ppo (ARGS_U) { out[0].f = ql_ta_ppo_update (s, in[0].f); }
PRV preview_ppo (ARGS_P) { out[0].f = ql_ta_ppo_preview (s, in[0].f); }

static const char *
init_trange (void *s, const QlScalar *p)
{
  memset (s, 0, sizeof (QlTaTrange));
  ql_ta_trange_init (s);
  return NULL;
}
static void clear_trange (void *s) { ql_ta_trange_clear (s); }
UPD update_trange (ARGS_U) { out[0].f = ql_ta_trange_update (s, in[0].f, in[1].f, in[2].f); }
PRV preview_trange (ARGS_P) { out[0].f = ql_ta_trange_preview (s, in[0].f, in[1].f, in[2].f); }

static const char *
init_mfi (void *s, const QlScalar *p)
{
  CHECK_INT (p[0], "period", 1);
  memset (s, 0, sizeof (QlTaMfi));
  ql_ta_mfi_init (s, PI (0));
  return NULL;
}
static void clear_mfi (void *s) { ql_ta_mfi_clear (s); }
UPD update_mfi (ARGS_U) { out[0].f = ql_ta_mfi_update (s, in[0].f, in[1].f, in[2].f, in[3].f); }
PRV preview_mfi (ARGS_P) { out[0].f = ql_ta_mfi_preview (s, in[0].f, in[1].f, in[2].f, in[3].f); }

static const char *
init_obv (void *s, const QlScalar *p)
{
  memset (s, 0, sizeof (QlTaObv));
  ql_ta_obv_init (s);
  return NULL;
}
static void clear_obv (void *s) { ql_ta_obv_clear (s); }
UPD update_obv (ARGS_U) { out[0].f = ql_ta_obv_update (s, in[0].f, in[1].f); }
PRV preview_obv (ARGS_P) { out[0].f = ql_ta_obv_preview (s, in[0].f, in[1].f); }

static const char *
init_ad (void *s, const QlScalar *p)
{
  memset (s, 0, sizeof (QlTaAd));
  ql_ta_ad_init (s);
  return NULL;
}
static void clear_ad (void *s) { ql_ta_ad_clear (s); }
UPD update_ad (ARGS_U) { out[0].f = ql_ta_ad_update (s, in[0].f, in[1].f, in[2].f, in[3].f); }
PRV preview_ad (ARGS_P) { out[0].f = ql_ta_ad_preview (s, in[0].f, in[1].f, in[2].f, in[3].f); }

static const char *
init_adosc (void *s, const QlScalar *p)
{
  CHECK_INT (p[0], "fast", 2);
  CHECK_INT (p[1], "slow", 2);
  memset (s, 0, sizeof (QlTaAdosc));
  ql_ta_adosc_init (s, PI (0), PI (1));
  return NULL;
}
static void clear_adosc (void *s) { ql_ta_adosc_clear (s); }
UPD update_adosc (ARGS_U) { out[0].f = ql_ta_adosc_update (s, in[0].f, in[1].f, in[2].f, in[3].f); }
PRV preview_adosc (ARGS_P) { out[0].f = ql_ta_adosc_preview (s, in[0].f, in[1].f, in[2].f, in[3].f); }

static const char *
init_adx (void *s, const QlScalar *p)
{
  CHECK_INT (p[0], "period", 2);
  memset (s, 0, sizeof (QlTaAdx));
  ql_ta_adx_init (s, PI (0));
  return NULL;
}
static void clear_adx (void *s) { ql_ta_adx_clear (s); }
UPD
update_adx (ARGS_U)
{
  double o[3];
  ql_ta_adx_update (s, in[0].f, in[1].f, in[2].f, o);
  copy_out (out, o, 3);
}
PRV
preview_adx (ARGS_P)
{
  double o[3];
  ql_ta_adx_preview (s, in[0].f, in[1].f, in[2].f, o);
  copy_out (out, o, 3);
}

static const char *
init_aroon (void *s, const QlScalar *p)
{
  CHECK_INT (p[0], "period", 1);
  memset (s, 0, sizeof (QlTaAroon));
  ql_ta_aroon_init (s, PI (0));
  return NULL;
}
static void clear_aroon (void *s) { ql_ta_aroon_clear (s); }
UPD
update_aroon (ARGS_U)
{
  double o[2];
  ql_ta_aroon_update (s, in[0].f, in[1].f, o);
  copy_out (out, o, 2);
}
PRV
preview_aroon (ARGS_P)
{
  double o[2];
  ql_ta_aroon_preview (s, in[0].f, in[1].f, o);
  copy_out (out, o, 2);
}

static const char *
init_sar (void *s, const QlScalar *p)
{
  CHECK_NUM_GT (p[0], "accel", 0);
  CHECK_NUM_GT (p[1], "max", 0);
  memset (s, 0, sizeof (QlTaSar));
  ql_ta_sar_init (s, p[0].f, p[1].f);
  return NULL;
}
static void clear_sar (void *s) { ql_ta_sar_clear (s); }
UPD update_sar (ARGS_U) { out[0].f = ql_ta_sar_update (s, in[0].f, in[1].f); }
PRV preview_sar (ARGS_P) { out[0].f = ql_ta_sar_preview (s, in[0].f, in[1].f); }

static const char *
init_bbands (void *s, const QlScalar *p)
{
  CHECK_INT (p[0], "period", 1);
  CHECK_NUM_GE (p[1], "mult", 0);
  memset (s, 0, sizeof (QlTaBbands));
  ql_ta_bbands_init (s, PI (0), p[1].f);
  return NULL;
}
static void clear_bbands (void *s) { ql_ta_bbands_clear (s); }
UPD
update_bbands (ARGS_U)
{
  double o[3];
  ql_ta_bbands_update (s, in[0].f, o);
  copy_out (out, o, 3);
}
PRV
preview_bbands (ARGS_P)
{
  double o[3];
  ql_ta_bbands_preview (s, in[0].f, o);
  copy_out (out, o, 3);
}

static const char *
init_kc (void *s, const QlScalar *p)
{
  CHECK_INT (p[0], "period", 1);
  CHECK_NUM_GE (p[1], "mult", 0);
  CHECK_INT (p[2], "atr_period", 1);
  memset (s, 0, sizeof (QlTaKc));
  ql_ta_kc_init (s, PI (0), p[1].f, PI (2));
  return NULL;
}
static void clear_kc (void *s) { ql_ta_kc_clear (s); }
UPD
update_kc (ARGS_U)
{
  double o[3];
  ql_ta_kc_update (s, in[0].f, in[1].f, in[2].f, in[3].f, o);
  copy_out (out, o, 3);
}
PRV
preview_kc (ARGS_P)
{
  double o[3];
  ql_ta_kc_preview (s, in[0].f, in[1].f, in[2].f, in[3].f, o);
  copy_out (out, o, 3);
}

static const char *
init_donchian (void *s, const QlScalar *p)
{
  CHECK_INT (p[0], "period", 1);
  memset (s, 0, sizeof (QlTaDonchian));
  ql_ta_donchian_init (s, PI (0));
  return NULL;
}
static void clear_donchian (void *s) { ql_ta_donchian_clear (s); }
UPD
update_donchian (ARGS_U)
{
  double o[3];
  ql_ta_donchian_update (s, in[0].f, in[1].f, o);
  copy_out (out, o, 3);
}
PRV
preview_donchian (ARGS_P)
{
  double o[3];
  ql_ta_donchian_preview (s, in[0].f, in[1].f, o);
  copy_out (out, o, 3);
}

static const char *
init_stddev (void *s, const QlScalar *p)
{
  CHECK_INT (p[0], "period", 1);
  CHECK_NUM_GE (p[1], "mult", 0);
  memset (s, 0, sizeof (QlTaBbands));
  ql_ta_stddev_init (s, PI (0), p[1].f);
  return NULL;
}
static void clear_stddev (void *s) { ql_ta_stddev_clear (s); }
UPD update_stddev (ARGS_U) { out[0].f = ql_ta_stddev_update (s, in[0].f); }
PRV preview_stddev (ARGS_P) { out[0].f = ql_ta_stddev_preview (s, in[0].f); }

static const char *
init_linreg (void *s, const QlScalar *p)
{
  CHECK_INT (p[0], "period", 2);
  memset (s, 0, sizeof (QlTaLinreg));
  ql_ta_linreg_init (s, PI (0));
  return NULL;
}
static void clear_linreg (void *s) { ql_ta_linreg_clear (s); }
UPD
update_linreg (ARGS_U)
{
  double o[2];
  ql_ta_linreg_update (s, in[0].f, o);
  copy_out (out, o, 2);
}
PRV
preview_linreg (ARGS_P)
{
  double o[2];
  ql_ta_linreg_preview (s, in[0].f, o);
  copy_out (out, o, 2);
}

static const char *
init_correl (void *s, const QlScalar *p)
{
  CHECK_INT (p[0], "period", 1);
  memset (s, 0, sizeof (QlTaCorrel));
  ql_ta_correl_init (s, PI (0));
  return NULL;
}
static void clear_correl (void *s) { ql_ta_correl_clear (s); }
UPD update_correl (ARGS_U) { out[0].f = ql_ta_correl_update (s, in[0].f, in[1].f); }
PRV preview_correl (ARGS_P) { out[0].f = ql_ta_correl_preview (s, in[0].f, in[1].f); }

/* highest, lowest (the value) and highestbars, lowestbars (Pine's offset:
 * 0 on this bar, −n n bars ago) on the engine's sliding extreme. */
static const char *
init_highest (void *s, const QlScalar *p)
{
  CHECK_INT (p[0], "period", 1);
  memset (s, 0, sizeof (QlTaExtreme));
  ql_ta_highest_init (s, PI (0));
  return NULL;
}
static const char *
init_lowest (void *s, const QlScalar *p)
{
  CHECK_INT (p[0], "period", 1);
  memset (s, 0, sizeof (QlTaExtreme));
  ql_ta_lowest_init (s, PI (0));
  return NULL;
}
#define init_highestbars init_highest
#define init_lowestbars init_lowest
static void clear_extreme (void *s) { ql_ta_extreme_clear (s); }
#define clear_highest clear_extreme
#define clear_lowest clear_extreme
#define clear_highestbars clear_extreme
#define clear_lowestbars clear_extreme

static void
update_extreme (ARGS_U)
{
  double o[2];
  ql_ta_extreme_update (s, in[0].f, o);
  out[0].f = o[0];
}
static void
preview_extreme (ARGS_P)
{
  double o[2];
  ql_ta_extreme_preview (s, in[0].f, o);
  out[0].f = o[0];
}
#define update_highest update_extreme
#define update_lowest update_extreme
#define preview_highest preview_extreme
#define preview_lowest preview_extreme

static inline gint64
bars_offset (double bars)
{
  return isnan (bars) ? QL_NA_INT : -(gint64) bars;
}
static void
update_extremebars (ARGS_U)
{
  double o[2];
  ql_ta_extreme_update (s, in[0].f, o);
  out[0].i = bars_offset (o[1]);
}
static void
preview_extremebars (ARGS_P)
{
  double o[2];
  ql_ta_extreme_preview (s, in[0].f, o);
  out[0].i = bars_offset (o[1]);
}
#define update_highestbars update_extremebars
#define update_lowestbars update_extremebars
#define preview_highestbars preview_extremebars
#define preview_lowestbars preview_extremebars

static const char *
init_ichimoku (void *s, const QlScalar *p)
{
  CHECK_INT (p[0], "conversion", 1);
  CHECK_INT (p[1], "base", 1);
  CHECK_INT (p[2], "span_b", 1);
  CHECK_INT (p[3], "displacement", 1);
  memset (s, 0, sizeof (QlTaIchimoku));
  ql_ta_ichimoku_init (s, PI (0), PI (1), PI (2), PI (3));
  return NULL;
}
static void clear_ichimoku (void *s) { ql_ta_ichimoku_clear (s); }
UPD
update_ichimoku (ARGS_U)
{
  double o[5];
  ql_ta_ichimoku_update (s, in[0].f, in[1].f, in[2].f, o);
  copy_out (out, o, 5);
}
PRV
preview_ichimoku (ARGS_P)
{
  double o[5];
  ql_ta_ichimoku_preview (s, in[0].f, in[1].f, in[2].f, o);
  copy_out (out, o, 5);
}

static const char *
init_supertrend (void *s, const QlScalar *p)
{
  CHECK_NUM_GT (p[0], "factor", 0);
  CHECK_INT (p[1], "period", 1);
  memset (s, 0, sizeof (QlTaSupertrend));
  ql_ta_supertrend_init (s, p[0].f, PI (1));
  return NULL;
}
static void clear_supertrend (void *s) { ql_ta_supertrend_clear (s); }
UPD
update_supertrend (ARGS_U)
{
  double o[2];
  ql_ta_supertrend_update (s, in[0].f, in[1].f, in[2].f, o);
  copy_out (out, o, 2);
}
PRV
preview_supertrend (ARGS_P)
{
  double o[2];
  ql_ta_supertrend_preview (s, in[0].f, in[1].f, in[2].f, o);
  copy_out (out, o, 2);
}

static const char *
init_pivots (void *s, const QlScalar *p)
{
  memset (s, 0, sizeof (QlTaPivots));
  ql_ta_pivots_init (s);
  return NULL;
}
static void clear_pivots (void *s) { ql_ta_pivots_clear (s); }
UPD
update_pivots (ARGS_U)
{
  double o[7];
  ql_ta_pivots_update (s, day, in[0].f, in[1].f, in[2].f, o);
  copy_out (out, o, 7);
}
PRV
preview_pivots (ARGS_P)
{
  double o[7];
  ql_ta_pivots_preview (s, day, in[0].f, in[1].f, in[2].f, o);
  copy_out (out, o, 7);
}

/* ---- Pine's helpers ------------------------------------------------------- */

/* crossover, crossunder: the previous bar's a and b, na included (a na bar
 * makes the next bar's answer false, as a[1] would). */
typedef QlTaCross Cross;

static const char *
init_cross (void *s, const QlScalar *p)
{
  Cross *c = s;
  c->pa = c->pb = NAN;
  return NULL;
}
static void clear_none (void *s) { }
#define init_crossover init_cross
#define init_crossunder init_cross
#define clear_crossover clear_none
#define clear_crossunder clear_none

static inline gboolean
cross_up (double a, double b, double pa, double pb)
{
  /* Every comparison with NaN is false, so a na on either bar gives false. */
  return a > b && pa <= pb;
}

UPD
update_crossover (ARGS_U)
{
  Cross *c = s;
  out[0].i = cross_up (in[0].f, in[1].f, c->pa, c->pb);
  c->pa = in[0].f;
  c->pb = in[1].f;
}
PRV
preview_crossover (ARGS_P)
{
  const Cross *c = s;
  out[0].i = cross_up (in[0].f, in[1].f, c->pa, c->pb);
}
UPD
update_crossunder (ARGS_U)
{
  Cross *c = s;
  out[0].i = cross_up (in[1].f, in[0].f, c->pb, c->pa);
  c->pa = in[0].f;
  c->pb = in[1].f;
}
PRV
preview_crossunder (ARGS_P)
{
  const Cross *c = s;
  out[0].i = cross_up (in[1].f, in[0].f, c->pb, c->pa);
}

/* change: source − source[length] over the bars as they came, na bars
 * included (the ring holds the last length inputs). */
typedef struct
{
  double *buf;
  guint cap;    /* length */
  guint head;   /* the oldest value once full; the next slot to write */
  guint count;  /* saturates at cap */
} Change;

static const char *
init_change (void *s, const QlScalar *p)
{
  Change *c = s;
  CHECK_INT (p[0], "length", 1);
  c->cap = (guint) p[0].i;
  c->buf = g_new (double, c->cap);
  c->head = 0;
  c->count = 0;
  return NULL;
}
static void
clear_change (void *s)
{
  Change *c = s;
  g_clear_pointer (&c->buf, g_free);
}
static inline double
change_eval (const Change *c, double x)
{
  return c->count == c->cap ? x - c->buf[c->head] : NAN;
}
UPD
update_change (ARGS_U)
{
  Change *c = s;
  out[0].f = change_eval (c, in[0].f);
  c->buf[c->head] = in[0].f;
  c->head = c->head + 1 == c->cap ? 0 : c->head + 1;
  if (c->count < c->cap)
    c->count++;
}
PRV preview_change (ARGS_P) { out[0].f = change_eval (s, in[0].f); }

/* barssince: bars since the condition was last true, na before the first. */
typedef struct
{
  gint64 n;
} BarsSince;

static const char *
init_barssince (void *s, const QlScalar *p)
{
  ((BarsSince *) s)->n = QL_NA_INT;
  return NULL;
}
#define clear_barssince clear_none
static inline gint64
barssince_eval (const BarsSince *b, gint64 cond)
{
  if (cond)
    return 0;
  return b->n == QL_NA_INT ? QL_NA_INT : b->n + 1;
}
UPD
update_barssince (ARGS_U)
{
  BarsSince *b = s;
  b->n = out[0].i = barssince_eval (b, in[0].i);
}
PRV preview_barssince (ARGS_P) { out[0].i = barssince_eval (s, in[0].i); }

/* valuewhen: the source on the occurrence-th most recent bar (0 = the
 * latest, this bar included) where the condition was true.  The ring holds
 * the source at the last occurrence+1 such bars. */
typedef struct
{
  double *buf;
  guint cap;    /* occurrence + 1 */
  guint head;   /* next slot to write */
  guint count;  /* saturates at cap */
} ValueWhen;

static const char *
init_valuewhen (void *s, const QlScalar *p)
{
  ValueWhen *v = s;
  CHECK_INT (p[0], "occurrence", 0);
  v->cap = (guint) p[0].i + 1;
  v->buf = g_new (double, v->cap);
  v->head = 0;
  v->count = 0;
  return NULL;
}
static void
clear_valuewhen (void *s)
{
  ValueWhen *v = s;
  g_clear_pointer (&v->buf, g_free);
}
/* The value @back captures before the newest committed one. */
static inline double
valuewhen_back (const ValueWhen *v, guint back)
{
  guint i;
  if (back >= v->count)
    return NAN;
  i = (v->head + v->cap - 1 - back) % v->cap;
  return v->buf[i];
}
static inline double
valuewhen_eval (const ValueWhen *v, gint64 cond, double x)
{
  guint occ = v->cap - 1;
  if (!cond)
    return valuewhen_back (v, occ);
  return occ == 0 ? x : valuewhen_back (v, occ - 1);
}
UPD
update_valuewhen (ARGS_U)
{
  ValueWhen *v = s;
  out[0].f = valuewhen_eval (v, in[0].i, in[1].f);
  if (in[0].i)
    {
      v->buf[v->head] = in[1].f;
      v->head = v->head + 1 == v->cap ? 0 : v->head + 1;
      if (v->count < v->cap)
        v->count++;
    }
}
PRV preview_valuewhen (ARGS_P) { out[0].f = valuewhen_eval (s, in[0].i, in[1].f); }

/* cum: the running sum; a na input gives na on its bar and leaves the sum
 * as it was (the engine's rule for a NaN bar). */
typedef struct
{
  double sum;
} Cum;

static const char *
init_cum (void *s, const QlScalar *p)
{
  ((Cum *) s)->sum = 0;
  return NULL;
}
#define clear_cum clear_none
UPD
update_cum (ARGS_U)
{
  Cum *c = s;
  if (isnan (in[0].f))
    {
      out[0].f = NAN;
      return;
    }
  c->sum += in[0].f;
  out[0].f = c->sum;
}
PRV
preview_cum (ARGS_P)
{
  const Cum *c = s;
  out[0].f = isnan (in[0].f) ? NAN : c->sum + in[0].f;
}

/* ---- the table ------------------------------------------------------------ */

#define ROW(nm, sig, doc, ni, np, no, outs, T, day) \
  { #nm, sig, doc, ni, np, no, outs, sizeof (T), day, init_##nm, clear_##nm, update_##nm, preview_##nm }

#define SRC "(source: series float, "
#define HLC "(high: series float, low: series float, close: series float"
#define HLCV HLC ", volume: series float"
#define F1 " -> series float"
#define F2 " -> (series float, series float)"
#define F3 " -> (series float, series float, series float)"

static const QlTaBind binds[] = {
  /* Moving averages. */
  ROW (sma, SRC "period: input int = 20)" F1,
       "Simple moving average: the mean of the last period values (TA-Lib SMA).",
       1, 1, 1, "sma", QlTaSma, FALSE),
  ROW (ema, SRC "period: input int = 20)" F1,
       "Exponential moving average, alpha = 2/(period+1), seeded with the SMA of the first period values (TA-Lib EMA).",
       1, 1, 1, "ema", QlTaEma, FALSE),
  ROW (wma, SRC "period: input int = 20)" F1,
       "Linearly weighted moving average, weights 1..period with the newest heaviest (TA-Lib WMA).",
       1, 1, 1, "wma", QlTaWma, FALSE),
  ROW (dema, SRC "period: input int = 20)" F1,
       "Double exponential moving average: 2·EMA − EMA(EMA), each EMA SMA-seeded (TA-Lib DEMA).",
       1, 1, 1, "dema", QlTaDema, FALSE),
  ROW (tema, SRC "period: input int = 20)" F1,
       "Triple exponential moving average: 3·e1 − 3·e2 + e3 (TA-Lib TEMA).",
       1, 1, 1, "tema", QlTaTema, FALSE),
  ROW (trima, SRC "period: input int = 20)" F1,
       "Triangular moving average: an SMA of an SMA, the two lengths splitting period (TA-Lib TRIMA).",
       1, 1, 1, "trima", QlTaTrima, FALSE),
  ROW (kama, SRC "period: input int = 10)" F1,
       "Kaufman adaptive moving average: efficiency ratio over period, fast 2, slow 30 (TA-Lib KAMA).",
       1, 1, 1, "kama", QlTaKama, FALSE),
  ROW (hma, SRC "period: input int = 9)" F1,
       "Hull moving average: WMA(2·WMA(x, period/2) − WMA(x, period), sqrt(period)) (TradingView ta.hma). period >= 2.",
       1, 1, 1, "hma", QlTaHma, FALSE),
  ROW (vwma, "(source: series float, volume: series float, period: input int = 20)" F1,
       "Volume-weighted moving average: SMA(source·volume, period) / SMA(volume, period); na while the window's volume is 0 (TradingView ta.vwma).",
       2, 1, 1, "vwma", QlTaVwma, FALSE),
  ROW (rma, SRC "period: input int = 14)" F1,
       "Wilder's moving average, alpha = 1/period, seeded with the SMA of the first period values (TradingView ta.rma).",
       1, 1, 1, "rma", QlTaEma, FALSE),
  ROW (vwap, "(source: series float, volume: series float)" F1,
       "Session VWAP: sum(source·volume) / sum(volume), restarted at each trading day of the instrument; na while the volume sum is 0 (TradingView session VWAP).",
       2, 0, 1, "vwap", QlTaVwap, TRUE),
  /* Oscillators. */
  ROW (rsi, SRC "period: input int = 14)" F1,
       "Relative strength index with Wilder smoothing seeded by simple averages; 0 on a flat series (TA-Lib RSI).",
       1, 1, 1, "rsi", QlTaRsi, FALSE),
  ROW (stoch, HLC ", k: input int = 14, slowk: input int = 3, slowd: input int = 3)" F2,
       "Slow stochastic: fast %K = 100·(close − LL)/(HH − LL) over k bars, k = SMA(fast %K, slowk), d = SMA(k, slowd) (TA-Lib STOCH).",
       3, 3, 2, "k,d", QlTaStoch, FALSE),
  ROW (stochf, HLC ", k: input int = 14, d: input int = 3)" F2,
       "Fast stochastic: k = fast %K over k bars, d = SMA(k, d) (TA-Lib STOCHF).",
       3, 2, 2, "k,d", QlTaStoch, FALSE),
  ROW (stochrsi, SRC "period: input int = 14, k: input int = 14, d: input int = 3)" F2,
       "Stochastic RSI: the fast stochastic (k, d) of RSI(period) (TA-Lib STOCHRSI).",
       1, 3, 2, "k,d", QlTaStochRsi, FALSE),
  ROW (macd, SRC "fast: input int = 12, slow: input int = 26, signal: input int = 9)" F3,
       "Moving average convergence divergence: macd = EMA(fast) − EMA(slow), signal = EMA(macd, signal), hist = macd − signal (TA-Lib MACD).",
       1, 3, 3, "macd,signal,hist", QlTaMacd, FALSE),
  ROW (ppo, SRC "fast: input int = 12, slow: input int = 26)" F1,
       "Percentage price oscillator: 100·(SMA(fast) − SMA(slow)) / SMA(slow) (TA-Lib PPO, SMA).",
       1, 2, 1, "ppo", QlTaPpo, FALSE),
  ROW (roc, SRC "period: input int = 10)" F1,
       "Rate of change in percent: 100·(source/source[period] − 1); 0 when source[period] is 0 (TA-Lib ROC).",
       1, 1, 1, "roc", QlTaRoc, FALSE),
  ROW (mom, SRC "period: input int = 10)" F1,
       "Momentum: source − source[period], counting only bars without na (TA-Lib MOM).",
       1, 1, 1, "mom", QlTaRoc, FALSE),
  ROW (cci, HLC ", period: input int = 20)" F1,
       "Commodity channel index of the typical price (h+l+c)/3: (tp − SMA(tp)) / (0.015·mean deviation) (TA-Lib CCI).",
       3, 1, 1, "cci", QlTaCci, FALSE),
  ROW (willr, HLC ", period: input int = 14)" F1,
       "Williams %R: −100·(HH − close)/(HH − LL) over period bars; 0 when HH = LL (TA-Lib WILLR).",
       3, 1, 1, "willr", QlTaWillr, FALSE),
  /* Volume. */
  ROW (mfi, HLCV ", period: input int = 14)" F1,
       "Money flow index of the typical price over period bars (TA-Lib MFI).",
       4, 1, 1, "mfi", QlTaMfi, FALSE),
  ROW (obv, "(close: series float, volume: series float)" F1,
       "On-balance volume: the first volume, then ± volume as the close rises or falls (TA-Lib OBV).",
       2, 0, 1, "obv", QlTaObv, FALSE),
  ROW (ad, HLCV ")" F1,
       "Chaikin accumulation/distribution line: cumulative ((c − l) − (h − c))/(h − l)·volume (TA-Lib AD).",
       4, 0, 1, "ad", QlTaAd, FALSE),
  ROW (adosc, HLCV ", fast: input int = 3, slow: input int = 10)" F1,
       "Chaikin oscillator: EMA(fast) − EMA(slow) of the A/D line, both seeded with its first value (TA-Lib ADOSC).",
       4, 2, 1, "adosc", QlTaAdosc, FALSE),
  /* Trend. */
  ROW (adx, HLC ", period: input int = 14)" F3,
       "Average directional index with +DI and −DI, Wilder smoothing (TA-Lib ADX, PLUS_DI, MINUS_DI). period >= 2.",
       3, 1, 3, "adx,plus_di,minus_di", QlTaAdx, FALSE),
  ROW (aroon, "(high: series float, low: series float, period: input int = 14)" F2,
       "Aroon up and down: 100·(period − bars since the highest high, or lowest low)/period over period+1 bars (TA-Lib AROON).",
       2, 1, 2, "up,down", QlTaAroon, FALSE),
  ROW (sar, "(high: series float, low: series float, accel: input float = 0.02, max: input float = 0.2)" F1,
       "Parabolic stop and reverse with acceleration accel up to max (TA-Lib SAR).",
       2, 2, 1, "sar", QlTaSar, FALSE),
  /* Volatility. */
  ROW (trange, HLC ")" F1,
       "True range: max(high, close[1]) − min(low, close[1]); na on the first bar (TA-Lib TRANGE).",
       3, 0, 1, "trange", QlTaTrange, FALSE),
  ROW (atr, HLC ", period: input int = 14)" F1,
       "Average true range: the SMA of the first period true ranges, then Wilder smoothing (TA-Lib ATR).",
       3, 1, 1, "atr", QlTaAtr, FALSE),
  ROW (natr, HLC ", period: input int = 14)" F1,
       "Normalised ATR: 100·ATR/close (TA-Lib NATR).",
       3, 1, 1, "natr", QlTaAtr, FALSE),
  ROW (bbands, SRC "period: input int = 20, mult: input float = 2.0)" F3,
       "Bollinger bands: SMA(period) ± mult·population standard deviation (TA-Lib BBANDS, SMA).",
       1, 2, 3, "upper,middle,lower", QlTaBbands, FALSE),
  ROW (kc, HLC ", source: series float, period: input int = 20, mult: input float = 2.0, atr_period: input int = 10)" F3,
       "Keltner channels: EMA(source, period) ± mult·ATR(atr_period), TradingView's ATR (TradingView Keltner Channels).",
       4, 3, 3, "upper,middle,lower", QlTaKc, FALSE),
  ROW (donchian, "(high: series float, low: series float, period: input int = 20)" F3,
       "Donchian channels: the highest high, the lowest low over period bars and their mean (TradingView Donchian Channels).",
       2, 1, 3, "upper,middle,lower", QlTaDonchian, FALSE),
  ROW (stddev, SRC "period: input int = 20, mult: input float = 1.0)" F1,
       "Population standard deviation over period bars, times mult (TA-Lib STDDEV).",
       1, 2, 1, "stddev", QlTaBbands, FALSE),
  ROW (var, SRC "period: input int = 20)" F1,
       "Population variance over period bars, E[x²] − E[x]² (TA-Lib VAR).",
       1, 1, 1, "var", QlTaVar, FALSE),
  /* Statistics. */
  ROW (linreg, SRC "period: input int = 14)" F2,
       "Least-squares line over the last period values: its value at this bar and its slope (TA-Lib LINEARREG, LINEARREG_SLOPE). period >= 2.",
       1, 1, 2, "value,slope", QlTaLinreg, FALSE),
  ROW (correl, "(a: series float, b: series float, period: input int = 20)" F1,
       "Pearson correlation of a and b over period bars; 0 when a variance is 0 (TA-Lib CORREL).",
       2, 1, 1, "correl", QlTaCorrel, FALSE),
  ROW (highest, SRC "period: input int = 14)" F1,
       "The highest value over the last period bars, na bars skipped (TA-Lib MAX; Pine ta.highest).",
       1, 1, 1, "highest", QlTaExtreme, FALSE),
  ROW (lowest, SRC "period: input int = 14)" F1,
       "The lowest value over the last period bars, na bars skipped (TA-Lib MIN; Pine ta.lowest).",
       1, 1, 1, "lowest", QlTaExtreme, FALSE),
  ROW (ichimoku, HLC ", conversion: input int = 9, base: input int = 26, span_b: input int = 52, displacement: input int = 26)"
       " -> (series float, series float, series float, series float, series float)",
       "Ichimoku cloud: conversion and base Donchian midlines, span_a and span_b output at the bar where they are drawn, lagging = close (TradingView Ichimoku Cloud).",
       3, 4, 5, "conversion,base,span_a,span_b,lagging", QlTaIchimoku, FALSE),
  ROW (supertrend, HLC ", factor: input float = 3.0, period: input int = 10)" F2,
       "SuperTrend on hl2 with TradingView's ATR: the line and its direction, +1 up and −1 down (TradingView ta.supertrend, direction sign reversed).",
       3, 2, 2, "supertrend,direction", QlTaSupertrend, FALSE),
  ROW (pivots, HLC ")"
       " -> (series float, series float, series float, series float, series float, series float, series float)",
       "Classic floor pivots from the previous trading day's high, low and close: P = (H+L+C)/3, R1 = 2P − L, S1 = 2P − H, R2, S2, R3, S3; na during the first day.",
       3, 0, 7, "p,r1,s1,r2,s2,r3,s3", QlTaPivots, TRUE),
  /* Pine's helpers. */
  ROW (highestbars, SRC "period: input int = 14) -> series int",
       "Offset of the highest value over the last period bars: 0 on this bar, −n n bars ago, the most recent of ties (Pine ta.highestbars).",
       1, 1, 1, "highestbars", QlTaExtreme, FALSE),
  ROW (lowestbars, SRC "period: input int = 14) -> series int",
       "Offset of the lowest value over the last period bars: 0 on this bar, −n n bars ago, the most recent of ties (Pine ta.lowestbars).",
       1, 1, 1, "lowestbars", QlTaExtreme, FALSE),
  ROW (crossover, "(a: series float, b: series float) -> series bool",
       "True when a > b and a[1] <= b[1]; false while either is na on this bar or the previous one (Pine ta.crossover).",
       2, 0, 1, "crossover", Cross, FALSE),
  ROW (crossunder, "(a: series float, b: series float) -> series bool",
       "True when a < b and a[1] >= b[1]; false while either is na on this bar or the previous one (Pine ta.crossunder).",
       2, 0, 1, "crossunder", Cross, FALSE),
  ROW (change, SRC "length: input int = 1)" F1,
       "source − source[length], na bars counted as bars; na for the first length bars (Pine ta.change).",
       1, 1, 1, "change", Change, FALSE),
  ROW (barssince, "(condition: series bool) -> series int",
       "Bars since condition was last true, 0 on a bar where it is; na until it first is (Pine ta.barssince).",
       1, 0, 1, "barssince", BarsSince, FALSE),
  ROW (valuewhen, "(condition: series bool, source: series float, occurrence: const int = 0)" F1,
       "source on the occurrence-th most recent bar where condition was true, 0 being the latest (this bar included); na until there are that many (Pine ta.valuewhen).",
       2, 1, 1, "valuewhen", ValueWhen, FALSE),
  ROW (cum, "(source: series float)" F1,
       "Running sum of source since the first bar; a na input gives na on its bar and is left out of the sum (Pine ta.cum).",
       1, 0, 1, "cum", Cum, FALSE),
};

guint
ql_ta_bind_size (void)
{
  return G_N_ELEMENTS (binds);
}

const QlTaBind *
ql_ta_bind_get (guint i)
{
  g_return_val_if_fail (i < G_N_ELEMENTS (binds), NULL);
  return &binds[i];
}

const QlTaBind *
ql_ta_bind_lookup (const char *name)
{
  g_return_val_if_fail (name != NULL, NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (binds); i++)
    if (strcmp (binds[i].name, name) == 0)
      return &binds[i];
  return NULL;
}
