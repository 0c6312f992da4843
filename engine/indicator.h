/* engine/indicator.h — indicators named by spec strings, for the CLI.
 *
 * "macd(12,26,9)", "sma", "bbands(20, 2.5)", "sma(10, hl2)": a name and
 * positional arguments, trailing ones defaulted (docs/indicators.md).  An
 * indicator computes over a bar series in one call (batch) or bar by bar
 * (update commits a bar, preview evaluates a forming one); both give the
 * same numbers to the last bit, through the kernels of engine/ta.h. */
#pragma once

#include "engine/instrument.h"
#include "engine/series.h"
#include "engine/types.h"

G_BEGIN_DECLS

typedef struct QlIndicator QlIndicator;

#define QL_INDICATOR_ERROR (ql_indicator_error_quark ())
GQuark ql_indicator_error_quark (void);

typedef enum
{
  QL_INDICATOR_ERROR_UNKNOWN,  /* no indicator has that name */
  QL_INDICATOR_ERROR_BAD_SPEC, /* malformed spec or bad argument */
} QlIndicatorError;

/* "macd(12,26,9)", "sma", "bbands(20, 2.5)", "sma(10, hl2)".  Errors name
 * the indicator's parameters with their defaults and ranges, e.g.
 * `macd(fast, slow, signal): "slow" must be an integer >= 2, got "x"`, and an
 * unknown name lists every known indicator.  (transfer full) */
QlIndicator *ql_indicator_new (const char *spec,
                               GError    **error);
void         ql_indicator_free (QlIndicator *self);              /* NULL ok */
/* Canonical: every argument written, default sources left out: "macd(12,26,9)". */
const char  *ql_indicator_get_spec (const QlIndicator *self);
guint        ql_indicator_get_n_outputs (const QlIndicator *self);
const char  *ql_indicator_get_output_name (const QlIndicator *self,
                                           guint              i); /* "signal" */
/* Trading days (vwap, pivots) follow this instrument's zone and session;
 * without one, UTC days.  The instrument is copied. */
void         ql_indicator_set_instrument (QlIndicator        *self,
                                          const QlInstrument *inst);
/* out[i] points to bars->len doubles for output i.  Independent of (and
 * leaves untouched) the incremental state.  @bars is a ql_series_new_bars ()
 * series. */
void         ql_indicator_batch (QlIndicator    *self,
                                 const QlSeries *bars,
                                 double *const  *out);
/* @out receives one value per output. */
void         ql_indicator_update (QlIndicator *self,
                                  const QlBar *bar,
                                  double      *out);   /* commits */
void         ql_indicator_preview (QlIndicator *self,
                                   const QlBar *bar,
                                   double      *out);  /* no commit */
/* Back to the state before the first update. */
void         ql_indicator_reset (QlIndicator *self);

/* The catalogue, for --help. */
typedef struct
{
  const char *name;    /* "macd" */
  const char *params;  /* "fast=12, slow=26, signal=9, src=close" */
  const char *outputs; /* "macd, signal, hist" */
  const char *summary; /* one line */
} QlIndicatorInfo;

guint                  ql_indicator_catalog_size (void);
const QlIndicatorInfo *ql_indicator_catalog_get (guint i);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QlIndicator, ql_indicator_free)

G_END_DECLS
