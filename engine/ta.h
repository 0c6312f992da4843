/* engine/ta.h — indicator kernels on doubles, for the language and the chart.
 *
 * Every indicator of docs/indicators.md comes in two forms that agree to the
 * last bit: a batch function over arrays (n inputs, n outputs, NA = NAN) and
 * an incremental state.  The state is a caller-allocated struct:
 * ql_ta_X_init () allocates its ring buffers once, ql_ta_X_clear () frees
 * them; ql_ta_X_update () commits one new input in O(1) (cci: O(period)) and
 * returns its output; ql_ta_X_preview () evaluates a still-forming last bar
 * WITHOUT changing the state, so the live chart re-evaluates the forming bar
 * on every tick and commits it once with update when the bar closes.
 *
 * Both forms run the same static inline step function (with a commit flag)
 * in ta.c, so batch and incremental perform the same floating-point
 * operations in the same order.  A bar whose needed inputs include a NaN
 * gives NAN on every output and leaves the state unchanged: the bar is
 * skipped, not zero-filled.
 *
 * Smoothing: EMA-type recursions (ema, rma, rsi, atr, macd, kc, supertrend,
 * adosc) are written value·(1 − α) + x·α, the form TradingView and TA-Lib's
 * ADOSC use; TA-Lib's EMA writes (x − value)·α + value and its RSI/ATR
 * (value·(p − 1) + x)/p.  They differ by rounding only (a few ulp), and the
 * product form keeps the dependency chain short enough for the speed targets
 * of tests/bench/bench-ta.c.
 *
 * The structs are public because callers embed them; change their fields
 * only through these functions.  Multi-output updates write to @out, an
 * array with one slot per output in the documented order. */
#pragma once

#include <glib.h>
#include <math.h>

G_BEGIN_DECLS

/* Building blocks, embedded in the indicator states. */

typedef struct
{
  double *buf;  /* cap committed values */
  guint cap;
  guint head;   /* next slot to write; the oldest value once full */
  guint count;  /* committed values held, <= cap */
} QlTaRing;

typedef struct
{
  double *v;    /* values (negated for a minimum) */
  gint64 *seq;  /* sequence number of each value */
  guint cap;    /* the window length */
  guint front;
  guint size;
  gint64 n;     /* values committed so far */
} QlTaMinMax;   /* monotonic deque: sliding max (or min) with its age */

typedef struct
{
  int period;
  double sum;
  QlTaRing ring;
} QlTaSma;

typedef struct
{
  int period;
  double alpha;  /* weight of the new input */
  double decay;  /* 1 − alpha */
  double sum;    /* seed: sum of the first period inputs */
  double value;
  int n;         /* inputs seen, saturates at period */
} QlTaEma;       /* also rma (alpha = 1/period) */

typedef struct
{
  int period;
  double divider;  /* period·(period+1)/2 */
  double wsum;     /* weighted sum of the window */
  double sum;      /* plain sum of the window */
  QlTaRing ring;
} QlTaWma;

typedef struct { QlTaEma e1, e2; } QlTaDema;
typedef struct { QlTaEma e1, e2, e3; } QlTaTema;
typedef struct { QlTaSma a, b; } QlTaTrima;
typedef struct
{
  int period;
  double sum_roc;  /* sum of |x − x[1]| over the window */
  double kama;
  QlTaRing ring;   /* period+1 inputs */
} QlTaKama;
typedef struct { QlTaWma half, full, out; } QlTaHma;
typedef struct { QlTaSma pv, v; } QlTaVwma;
typedef struct
{
  gboolean started;
  gint64 day;
  double spv, sv;
} QlTaVwap;
typedef struct
{
  int period;
  int n;           /* inputs seen, saturates at period+1 */
  double alpha, decay;
  double prev;
  double gain, loss;
} QlTaRsi;
typedef struct
{
  QlTaMinMax hh, ll;
  QlTaSma k, d;
} QlTaStoch;       /* stoch and stochf (d unused) */
typedef struct
{
  QlTaRsi rsi;
  QlTaStoch st;
} QlTaStochRsi;
typedef struct
{
  int skip;        /* inputs the fast EMA ignores: slow − fast */
  int n;
  QlTaEma fast, slow, signal;
} QlTaMacd;
typedef struct { QlTaSma fast, slow; } QlTaPpo;
typedef struct
{
  int period;
  QlTaRing ring;
} QlTaRoc;         /* roc and mom */
typedef struct
{
  int period;
  int flat;        /* consecutive equal typical prices, saturates */
  QlTaRing ring;
} QlTaCci;
typedef struct { QlTaMinMax hh, ll; } QlTaWillr;
typedef struct
{
  int period;
  int n;
  double prev;
  double pos, neg;          /* flow sums over the window */
  int npos, nneg;           /* nonzero flows in the window */
  QlTaRing rpos, rneg;
} QlTaMfi;
typedef struct
{
  gboolean started;
  double prev, obv;
} QlTaObv;
typedef struct { double ad; } QlTaAd;
typedef struct
{
  int slowest;
  int n;
  double ad;
  double kf, df, ks, ds;
  double fast, slow;
} QlTaAdosc;
typedef struct
{
  int period;
  int n;
  double ph, pl, pc;
  double pdm, mdm, tr;
  double sum_dx, adx;
} QlTaAdx;
typedef struct { int period; QlTaMinMax hh, ll; } QlTaAroon;
typedef struct
{
  double accel, max;
  int n;
  gboolean is_long;
  double af, ep, sar;
  double nh, nl;   /* the previous bar's high and low */
} QlTaSar;
typedef struct
{
  gboolean started;
  double pc;
} QlTaTrange;
typedef struct
{
  int period;
  int n;           /* true ranges seen, saturates at period */
  double alpha, decay;
  double pc, sum, atr;
} QlTaAtr;         /* atr and natr */
typedef struct
{
  int period;
  int flat;        /* consecutive equal inputs, saturates at period */
  double inv;      /* 1/period */
  double prev, sum, sumsq;
  QlTaRing ring;
} QlTaVar;         /* var, stddev and bbands */
typedef struct
{
  double mult;
  QlTaVar var;
} QlTaBbands;      /* also stddev */
typedef struct
{
  int period;
  double sy, sxy;
  QlTaRing ring;
} QlTaLinreg;
typedef struct
{
  int period;
  int flat_a, flat_b;
  double pa, pb;
  double sa, sb, saa, sbb, sab;
  QlTaRing ra, rb;
} QlTaCorrel;
typedef struct { QlTaMinMax mm; gboolean is_max; } QlTaExtreme;  /* highest, lowest */
typedef struct { QlTaMinMax hh, ll; } QlTaDonchian;
typedef struct
{
  gboolean started;
  double pc;
  QlTaEma rma;
} QlTaTvAtr;       /* TradingView ta.atr */
typedef struct
{
  double mult;
  QlTaEma mid;
  QlTaTvAtr atr;
} QlTaKc;
typedef struct
{
  int displacement;
  QlTaDonchian conv, base, span_b;
  QlTaRing da, db;  /* the last displacement−1 raw spans */
} QlTaIchimoku;
typedef struct
{
  double factor;
  QlTaTvAtr atr;
  gboolean valid;   /* the previous bar had an ATR */
  double pc, up, lo, st;
} QlTaSupertrend;
typedef struct
{
  gboolean started, have_prev;
  gint64 day;
  double h, l, c;       /* the current day so far */
  double ph, pl, pcl;   /* the previous day */
} QlTaPivots;

/* Moving averages. */
void   ql_ta_sma_init (QlTaSma *s, int period);             /* period >= 1 */
void   ql_ta_sma_clear (QlTaSma *s);
double ql_ta_sma_update (QlTaSma *s, double x);
double ql_ta_sma_preview (const QlTaSma *s, double x);
void   ql_ta_sma (const double *in, gsize n, int period, double *out);

void   ql_ta_ema_init (QlTaEma *s, int period);             /* period >= 1 */
void   ql_ta_rma_init (QlTaEma *s, int period);             /* Wilder, alpha 1/period */
void   ql_ta_ema_clear (QlTaEma *s);
double ql_ta_ema_update (QlTaEma *s, double x);
double ql_ta_ema_preview (const QlTaEma *s, double x);
void   ql_ta_ema (const double *in, gsize n, int period, double *out);
void   ql_ta_rma (const double *in, gsize n, int period, double *out);

void   ql_ta_wma_init (QlTaWma *s, int period);             /* period >= 1 */
void   ql_ta_wma_clear (QlTaWma *s);
double ql_ta_wma_update (QlTaWma *s, double x);
double ql_ta_wma_preview (const QlTaWma *s, double x);
void   ql_ta_wma (const double *in, gsize n, int period, double *out);

void   ql_ta_dema_init (QlTaDema *s, int period);
void   ql_ta_dema_clear (QlTaDema *s);
double ql_ta_dema_update (QlTaDema *s, double x);
double ql_ta_dema_preview (const QlTaDema *s, double x);
void   ql_ta_dema (const double *in, gsize n, int period, double *out);

void   ql_ta_tema_init (QlTaTema *s, int period);
void   ql_ta_tema_clear (QlTaTema *s);
double ql_ta_tema_update (QlTaTema *s, double x);
double ql_ta_tema_preview (const QlTaTema *s, double x);
void   ql_ta_tema (const double *in, gsize n, int period, double *out);

void   ql_ta_trima_init (QlTaTrima *s, int period);
void   ql_ta_trima_clear (QlTaTrima *s);
double ql_ta_trima_update (QlTaTrima *s, double x);
double ql_ta_trima_preview (const QlTaTrima *s, double x);
void   ql_ta_trima (const double *in, gsize n, int period, double *out);

void   ql_ta_kama_init (QlTaKama *s, int period);
void   ql_ta_kama_clear (QlTaKama *s);
double ql_ta_kama_update (QlTaKama *s, double x);
double ql_ta_kama_preview (const QlTaKama *s, double x);
void   ql_ta_kama (const double *in, gsize n, int period, double *out);

void   ql_ta_hma_init (QlTaHma *s, int period);             /* period >= 2 */
void   ql_ta_hma_clear (QlTaHma *s);
double ql_ta_hma_update (QlTaHma *s, double x);
double ql_ta_hma_preview (const QlTaHma *s, double x);
void   ql_ta_hma (const double *in, gsize n, int period, double *out);

void   ql_ta_vwma_init (QlTaVwma *s, int period);
void   ql_ta_vwma_clear (QlTaVwma *s);
double ql_ta_vwma_update (QlTaVwma *s, double x, double volume);
double ql_ta_vwma_preview (const QlTaVwma *s, double x, double volume);
void   ql_ta_vwma (const double *in, const double *volume, gsize n, int period, double *out);

/* @day labels the trading day of each bar; the sums restart when it changes. */
void   ql_ta_vwap_init (QlTaVwap *s);
void   ql_ta_vwap_clear (QlTaVwap *s);
double ql_ta_vwap_update (QlTaVwap *s, gint64 day, double x, double volume);
double ql_ta_vwap_preview (const QlTaVwap *s, gint64 day, double x, double volume);
void   ql_ta_vwap (const gint64 *day, const double *in, const double *volume, gsize n, double *out);

/* Oscillators. */
void   ql_ta_rsi_init (QlTaRsi *s, int period);
void   ql_ta_rsi_clear (QlTaRsi *s);
double ql_ta_rsi_update (QlTaRsi *s, double x);
double ql_ta_rsi_preview (const QlTaRsi *s, double x);
void   ql_ta_rsi (const double *in, gsize n, int period, double *out);

/* out: k, d. */
void ql_ta_stoch_init (QlTaStoch *s, int k, int slowk, int slowd);
void ql_ta_stoch_clear (QlTaStoch *s);
void ql_ta_stoch_update (QlTaStoch *s, double high, double low, double close, double *out);
void ql_ta_stoch_preview (const QlTaStoch *s, double high, double low, double close, double *out);
void ql_ta_stoch (const double *high, const double *low, const double *close, gsize n,
                  int k, int slowk, int slowd, double *out_k, double *out_d);

void ql_ta_stochf_init (QlTaStoch *s, int k, int d);
void ql_ta_stochf_clear (QlTaStoch *s);
void ql_ta_stochf_update (QlTaStoch *s, double high, double low, double close, double *out);
void ql_ta_stochf_preview (const QlTaStoch *s, double high, double low, double close, double *out);
void ql_ta_stochf (const double *high, const double *low, const double *close, gsize n,
                   int k, int d, double *out_k, double *out_d);

void ql_ta_stochrsi_init (QlTaStochRsi *s, int period, int k, int d);
void ql_ta_stochrsi_clear (QlTaStochRsi *s);
void ql_ta_stochrsi_update (QlTaStochRsi *s, double x, double *out);
void ql_ta_stochrsi_preview (const QlTaStochRsi *s, double x, double *out);
void ql_ta_stochrsi (const double *in, gsize n, int period, int k, int d,
                     double *out_k, double *out_d);

/* out: macd, signal, hist.  fast > slow are swapped, as TA-Lib does. */
void ql_ta_macd_init (QlTaMacd *s, int fast, int slow, int signal);
void ql_ta_macd_clear (QlTaMacd *s);
void ql_ta_macd_update (QlTaMacd *s, double x, double *out);
void ql_ta_macd_preview (const QlTaMacd *s, double x, double *out);
void ql_ta_macd (const double *in, gsize n, int fast, int slow, int signal,
                 double *out_macd, double *out_signal, double *out_hist);

void   ql_ta_ppo_init (QlTaPpo *s, int fast, int slow);
void   ql_ta_ppo_clear (QlTaPpo *s);
double ql_ta_ppo_update (QlTaPpo *s, double x);
double ql_ta_ppo_preview (const QlTaPpo *s, double x);
void   ql_ta_ppo (const double *in, gsize n, int fast, int slow, double *out);

void   ql_ta_roc_init (QlTaRoc *s, int period);             /* also mom */
void   ql_ta_roc_clear (QlTaRoc *s);
double ql_ta_roc_update (QlTaRoc *s, double x);
double ql_ta_roc_preview (const QlTaRoc *s, double x);
void   ql_ta_roc (const double *in, gsize n, int period, double *out);
double ql_ta_mom_update (QlTaRoc *s, double x);
double ql_ta_mom_preview (const QlTaRoc *s, double x);
void   ql_ta_mom (const double *in, gsize n, int period, double *out);

void   ql_ta_cci_init (QlTaCci *s, int period);
void   ql_ta_cci_clear (QlTaCci *s);
double ql_ta_cci_update (QlTaCci *s, double high, double low, double close);
double ql_ta_cci_preview (const QlTaCci *s, double high, double low, double close);
void   ql_ta_cci (const double *high, const double *low, const double *close, gsize n,
                  int period, double *out);

void   ql_ta_willr_init (QlTaWillr *s, int period);
void   ql_ta_willr_clear (QlTaWillr *s);
double ql_ta_willr_update (QlTaWillr *s, double high, double low, double close);
double ql_ta_willr_preview (const QlTaWillr *s, double high, double low, double close);
void   ql_ta_willr (const double *high, const double *low, const double *close, gsize n,
                    int period, double *out);

/* Volume. */
void   ql_ta_mfi_init (QlTaMfi *s, int period);
void   ql_ta_mfi_clear (QlTaMfi *s);
double ql_ta_mfi_update (QlTaMfi *s, double high, double low, double close, double volume);
double ql_ta_mfi_preview (const QlTaMfi *s, double high, double low, double close, double volume);
void   ql_ta_mfi (const double *high, const double *low, const double *close, const double *volume,
                  gsize n, int period, double *out);

void   ql_ta_obv_init (QlTaObv *s);
void   ql_ta_obv_clear (QlTaObv *s);
double ql_ta_obv_update (QlTaObv *s, double close, double volume);
double ql_ta_obv_preview (const QlTaObv *s, double close, double volume);
void   ql_ta_obv (const double *close, const double *volume, gsize n, double *out);

void   ql_ta_ad_init (QlTaAd *s);
void   ql_ta_ad_clear (QlTaAd *s);
double ql_ta_ad_update (QlTaAd *s, double high, double low, double close, double volume);
double ql_ta_ad_preview (const QlTaAd *s, double high, double low, double close, double volume);
void   ql_ta_ad (const double *high, const double *low, const double *close, const double *volume,
                 gsize n, double *out);

void   ql_ta_adosc_init (QlTaAdosc *s, int fast, int slow);
void   ql_ta_adosc_clear (QlTaAdosc *s);
double ql_ta_adosc_update (QlTaAdosc *s, double high, double low, double close, double volume);
double ql_ta_adosc_preview (const QlTaAdosc *s, double high, double low, double close, double volume);
void   ql_ta_adosc (const double *high, const double *low, const double *close, const double *volume,
                    gsize n, int fast, int slow, double *out);

/* Trend.  adx out: adx, plus_di, minus_di. */
void ql_ta_adx_init (QlTaAdx *s, int period);               /* period >= 2 */
void ql_ta_adx_clear (QlTaAdx *s);
void ql_ta_adx_update (QlTaAdx *s, double high, double low, double close, double *out);
void ql_ta_adx_preview (const QlTaAdx *s, double high, double low, double close, double *out);
void ql_ta_adx (const double *high, const double *low, const double *close, gsize n, int period,
                double *out_adx, double *out_plus_di, double *out_minus_di);

/* out: up, down. */
void ql_ta_aroon_init (QlTaAroon *s, int period);
void ql_ta_aroon_clear (QlTaAroon *s);
void ql_ta_aroon_update (QlTaAroon *s, double high, double low, double *out);
void ql_ta_aroon_preview (const QlTaAroon *s, double high, double low, double *out);
void ql_ta_aroon (const double *high, const double *low, gsize n, int period,
                  double *out_up, double *out_down);

void   ql_ta_sar_init (QlTaSar *s, double accel, double max);
void   ql_ta_sar_clear (QlTaSar *s);
double ql_ta_sar_update (QlTaSar *s, double high, double low);
double ql_ta_sar_preview (const QlTaSar *s, double high, double low);
void   ql_ta_sar (const double *high, const double *low, gsize n, double accel, double max,
                  double *out);

/* Volatility. */
void   ql_ta_trange_init (QlTaTrange *s);
void   ql_ta_trange_clear (QlTaTrange *s);
double ql_ta_trange_update (QlTaTrange *s, double high, double low, double close);
double ql_ta_trange_preview (const QlTaTrange *s, double high, double low, double close);
void   ql_ta_trange (const double *high, const double *low, const double *close, gsize n,
                     double *out);

void   ql_ta_atr_init (QlTaAtr *s, int period);              /* also natr */
void   ql_ta_atr_clear (QlTaAtr *s);
double ql_ta_atr_update (QlTaAtr *s, double high, double low, double close);
double ql_ta_atr_preview (const QlTaAtr *s, double high, double low, double close);
void   ql_ta_atr (const double *high, const double *low, const double *close, gsize n,
                  int period, double *out);
double ql_ta_natr_update (QlTaAtr *s, double high, double low, double close);
double ql_ta_natr_preview (const QlTaAtr *s, double high, double low, double close);
void   ql_ta_natr (const double *high, const double *low, const double *close, gsize n,
                   int period, double *out);

/* out: upper, middle, lower. */
void ql_ta_bbands_init (QlTaBbands *s, int period, double mult);
void ql_ta_bbands_clear (QlTaBbands *s);
void ql_ta_bbands_update (QlTaBbands *s, double x, double *out);
void ql_ta_bbands_preview (const QlTaBbands *s, double x, double *out);
void ql_ta_bbands (const double *in, gsize n, int period, double mult,
                   double *out_upper, double *out_middle, double *out_lower);

/* out: upper, middle, lower.  src is the middle line's input. */
void ql_ta_kc_init (QlTaKc *s, int period, double mult, int atr_period);
void ql_ta_kc_clear (QlTaKc *s);
void ql_ta_kc_update (QlTaKc *s, double high, double low, double close, double src, double *out);
void ql_ta_kc_preview (const QlTaKc *s, double high, double low, double close, double src,
                       double *out);
void ql_ta_kc (const double *high, const double *low, const double *close, const double *src,
               gsize n, int period, double mult, int atr_period,
               double *out_upper, double *out_middle, double *out_lower);

/* out: upper, middle, lower. */
void ql_ta_donchian_init (QlTaDonchian *s, int period);
void ql_ta_donchian_clear (QlTaDonchian *s);
void ql_ta_donchian_update (QlTaDonchian *s, double high, double low, double *out);
void ql_ta_donchian_preview (const QlTaDonchian *s, double high, double low, double *out);
void ql_ta_donchian (const double *high, const double *low, gsize n, int period,
                     double *out_upper, double *out_middle, double *out_lower);

void   ql_ta_stddev_init (QlTaBbands *s, int period, double mult);
void   ql_ta_stddev_clear (QlTaBbands *s);
double ql_ta_stddev_update (QlTaBbands *s, double x);
double ql_ta_stddev_preview (const QlTaBbands *s, double x);
void   ql_ta_stddev (const double *in, gsize n, int period, double mult, double *out);

void   ql_ta_var_init (QlTaVar *s, int period);
void   ql_ta_var_clear (QlTaVar *s);
double ql_ta_var_update (QlTaVar *s, double x);
double ql_ta_var_preview (const QlTaVar *s, double x);
void   ql_ta_var (const double *in, gsize n, int period, double *out);

/* Statistics.  linreg out: value, slope. */
void ql_ta_linreg_init (QlTaLinreg *s, int period);          /* period >= 2 */
void ql_ta_linreg_clear (QlTaLinreg *s);
void ql_ta_linreg_update (QlTaLinreg *s, double x, double *out);
void ql_ta_linreg_preview (const QlTaLinreg *s, double x, double *out);
void ql_ta_linreg (const double *in, gsize n, int period, double *out_value, double *out_slope);

void   ql_ta_correl_init (QlTaCorrel *s, int period);
void   ql_ta_correl_clear (QlTaCorrel *s);
double ql_ta_correl_update (QlTaCorrel *s, double a, double b);
double ql_ta_correl_preview (const QlTaCorrel *s, double a, double b);
void   ql_ta_correl (const double *a, const double *b, gsize n, int period, double *out);

/* out: value, bars ago (0 = this bar; ties go to the most recent). */
void ql_ta_highest_init (QlTaExtreme *s, int period);
void ql_ta_lowest_init (QlTaExtreme *s, int period);
void ql_ta_extreme_clear (QlTaExtreme *s);
void ql_ta_extreme_update (QlTaExtreme *s, double x, double *out);
void ql_ta_extreme_preview (const QlTaExtreme *s, double x, double *out);
void ql_ta_highest (const double *in, gsize n, int period, double *out_value, double *out_bars);
void ql_ta_lowest (const double *in, gsize n, int period, double *out_value, double *out_bars);

/* out: conversion, base, span_a, span_b, lagging. */
void ql_ta_ichimoku_init (QlTaIchimoku *s, int conversion, int base, int span_b, int displacement);
void ql_ta_ichimoku_clear (QlTaIchimoku *s);
void ql_ta_ichimoku_update (QlTaIchimoku *s, double high, double low, double close, double *out);
void ql_ta_ichimoku_preview (const QlTaIchimoku *s, double high, double low, double close,
                             double *out);
void ql_ta_ichimoku (const double *high, const double *low, const double *close, gsize n,
                     int conversion, int base, int span_b, int displacement,
                     double *const out[5]);

/* out: supertrend, direction (+1 up, −1 down). */
void ql_ta_supertrend_init (QlTaSupertrend *s, double factor, int period);
void ql_ta_supertrend_clear (QlTaSupertrend *s);
void ql_ta_supertrend_update (QlTaSupertrend *s, double high, double low, double close, double *out);
void ql_ta_supertrend_preview (const QlTaSupertrend *s, double high, double low, double close,
                               double *out);
void ql_ta_supertrend (const double *high, const double *low, const double *close, gsize n,
                       double factor, int period, double *out_st, double *out_dir);

/* out: p, r1, s1, r2, s2, r3, s3.  @day labels each bar's trading day. */
void ql_ta_pivots_init (QlTaPivots *s);
void ql_ta_pivots_clear (QlTaPivots *s);
void ql_ta_pivots_update (QlTaPivots *s, gint64 day, double high, double low, double close,
                          double *out);
void ql_ta_pivots_preview (const QlTaPivots *s, gint64 day, double high, double low, double close,
                           double *out);
void ql_ta_pivots (const gint64 *day, const double *high, const double *low, const double *close,
                   gsize n, double *const out[7]);

/* ---- one step, inline ----------------------------------------------------
 * The steps that the batch and incremental forms of SMA and EMA/RMA run
 * (engine/ta.c), here so that the language's VM can run them in line:
 * @commit FALSE is the preview. The ring push is theirs. */

static inline void
ql_ta_ring_push (QlTaRing *r, double x)
{
  r->buf[r->head] = x;
  if (++r->head == r->cap)
    r->head = 0;
  if (r->count < r->cap)
    r->count++;
}

static inline double
ql_ta_sma_step (QlTaSma *s, double x, gboolean commit)
{
  double sum;
  double out;

  if (isnan (x))
    return NAN;
  if (G_LIKELY (s->ring.count == (guint) s->period))
    {
      /* x − oldest first keeps one add on the loop-carried chain. */
      sum = s->sum + (x - s->ring.buf[s->ring.head]);
      out = s->period == 1 ? x : sum / s->period;
      if (commit)
        {
          s->sum = sum;
          s->ring.buf[s->ring.head] = x;
          s->ring.head = s->ring.head + 1 == s->ring.cap ? 0 : s->ring.head + 1;
        }
      return out;
    }
  sum = s->sum + x;
  out = s->ring.count + 1 == (guint) s->period ? sum / s->period : NAN;
  if (commit)
    {
      s->sum = sum;
      ql_ta_ring_push (&s->ring, x);
    }
  return out;
}

static inline double
ql_ta_ema_step (QlTaEma *s, double x, gboolean commit)
{
  double v;

  if (isnan (x))
    return NAN;
  if (G_LIKELY (s->n >= s->period))
    {
      v = s->value * s->decay + x * s->alpha;
      if (commit)
        s->value = v;
      return v;
    }
  else
    {
      double sum = s->sum + x;
      v = s->n + 1 == s->period ? sum / s->period : NAN;
      if (commit)
        {
          s->sum = sum;
          s->value = v;
          s->n++;
        }
      return v;
    }
}

G_END_DECLS
