/* tests/fuzz/fuzz-csv.c — libFuzzer target for the CSV reader.
 *
 * Arbitrary bytes go through layout detection and then every row is read,
 * continuing after errors as --skip-bad does. The first byte picks the
 * options (zone, forced format, given scales), so that those paths are
 * fuzzed too. Must never crash, hang or leak. */
#include "data/csv.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static const char *const formats[] = { NULL, "ohlcv", "ticks", "quotes", "binance-klines",
                                         "binance-trades" };
  static GTimeZone *ny = NULL;
  QlCsvOptions opts;
  QlCsvRecord rec;
  GError *error = NULL;
  QlCsvReader *reader;
  guint8 pick;

  if (size < 1)
    return 0;
  if (ny == NULL)
    ny = g_time_zone_new_identifier ("America/New_York");
  pick = data[0];
  data++;
  size--;

  ql_csv_options_init (&opts);
  opts.format = formats[pick % G_N_ELEMENTS (formats)];
  if (pick & 0x08)
    opts.tz = ny;
  if (pick & 0x10)
    opts.price_scale = (pick >> 5) & 7;
  if (pick & 0x20)
    opts.qty_scale = (pick >> 6) & 3;

  reader = ql_csv_reader_new_for_data ("fuzz.csv", (const char *) data, size, &opts, &error);
  if (reader == NULL)
    {
      g_assert (error != NULL);
      g_error_free (error);
      return 0;
    }
  const QlCsvLayout *layout = ql_csv_reader_get_layout (reader);
  guint64 last_line = 0;
  g_assert (layout->description[0] != '\0');
  for (;;)
    {
      guint64 before = ql_csv_reader_get_offset (reader);
      if (ql_csv_reader_next (reader, &rec, &error))
        {
          /* What the reader promises about every record it returns. */
          g_assert (rec.line > last_line);
          last_line = rec.line;
          if (layout->kind == QL_CSV_BARS)
            g_assert (rec.low <= rec.open && rec.low <= rec.close && rec.high >= rec.open &&
                      rec.high >= rec.close && rec.flags == 0);
          else
            g_assert ((rec.flags & (QL_TICK_FLAG_TRADE | QL_TICK_FLAG_QUOTE)) != 0);
          continue;
        }
      if (error == NULL)
        break;
      g_assert (error->domain == QL_CSV_ERROR);
      g_clear_error (&error);
      /* Every error consumes at least one line: no endless loop. */
      g_assert (ql_csv_reader_get_offset (reader) > before);
    }
  g_assert (ql_csv_reader_get_offset (reader) == size);
  ql_csv_reader_free (reader);
  return 0;
}
