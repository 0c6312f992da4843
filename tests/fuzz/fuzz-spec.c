/* tests/fuzz/fuzz-spec.c — the small parsers of command-line text: indicator
 * specs, timeframes and symbols. Each must accept or refuse any bytes with a
 * message, never crash; an accepted spec must run on a few bars. */
#include "engine/indicator.h"
#include "engine/instrument.h"
#include "engine/timeframe.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  char *text = g_strndup ((const char *) data, size);
  GError *error = NULL;
  QlIndicator *ind;
  QlTimeframe tf;
  char sym[QL_SYMBOL_MAX], exch[QL_EXCHANGE_MAX];

  ind = ql_indicator_new (text, &error);
  if (ind != NULL)
    {
      QlSeries *bars = ql_series_new_bars ();
      guint n_out = ql_indicator_get_n_outputs (ind);
      double **out = g_new (double *, n_out);
      double *row = g_new (double, n_out);
      for (int i = 0; i < 40; i++)
        {
          QlBar b = { .time = (gint64) i * 60000000000, .open = 10 + i % 7, .high = 12 + i % 5,
                      .low = 8 + i % 3, .close = 10 + i % 4, .volume = i % 6 };
          ql_series_append_bar (bars, &b);
          ql_indicator_preview (ind, &b, row);
          ql_indicator_update (ind, &b, row);
        }
      for (guint k = 0; k < n_out; k++)
        out[k] = g_new (double, bars->len);
      ql_indicator_batch (ind, bars, out);
      for (guint k = 0; k < n_out; k++)
        {
          g_assert (ql_indicator_get_output_name (ind, k) != NULL);
          g_free (out[k]);
        }
      g_assert (ql_indicator_get_spec (ind) != NULL);
      g_free (out);
      g_free (row);
      ql_series_free (bars);
      ql_indicator_free (ind);
    }
  else
    {
      g_assert (error != NULL && error->message[0] != '\0');
      g_clear_error (&error);
    }

  if (ql_timeframe_parse (text, &tf, &error))
    {
      char buf[16];
      ql_timeframe_format (&tf, buf, sizeof buf);
      g_assert (tf.n >= 1);
    }
  else
    g_clear_error (&error);

  if (!ql_symbol_normalize (text, sym, exch, &error))
    g_clear_error (&error);
  else
    g_assert (strlen (sym) > 0);

  g_free (text);
  return 0;
}
