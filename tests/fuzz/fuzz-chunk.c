/* tests/fuzz/fuzz-chunk.c — libFuzzer target for the chunk decoder.
 *
 * Arbitrary bytes are decoded twice into a tick and a bar series: as they
 * are (which nearly always fails the checksum), and with the last 8 bytes
 * replaced by the right checksum, so that the fuzzer reaches the header,
 * directory and varint checks behind it. Whatever decodes must re-encode
 * and decode to the same rows, bit for bit. Must never crash, hang, leak
 * or allocate without bound. */
#include "data/chunk.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
check_round_trip (const QlSeries *got, gboolean ticks)
{
  g_autoptr (QlSeries) again = ticks ? ql_series_new_ticks () : ql_series_new_bars ();
  g_autoptr (GByteArray) blob = g_byte_array_new ();
  GError *error = NULL;

  if (ticks)
    ql_chunk_encode_ticks (blob, got, 0, got->len, 2, 3);
  else
    ql_chunk_encode_bars (blob, got, 0, got->len, 2, 3);
  if (!ql_chunk_decode (blob->data, blob->len, G_MININT64, G_MAXINT64, again, NULL, &error))
    abort ();
  if (again->len != got->len)
    abort ();
  for (guint c = 0; c < got->n_columns; c++)
    if (got->len > 0 && memcmp (again->columns[c], got->columns[c], got->len * 8) != 0)
      abort ();
}

static void
decode_both (const uint8_t *data, size_t size, QlTimeNs from, QlTimeNs to)
{
  for (int k = 0; k < 2; k++)
    {
      g_autoptr (QlSeries) out = k == 0 ? ql_series_new_ticks () : ql_series_new_bars ();
      GError *error = NULL;

      if (ql_chunk_decode (data, size, from, to, out, NULL, &error))
        check_round_trip (out, k == 0);
      else
        g_clear_error (&error);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree guint8 *fixed = NULL;
  QlTimeNs from = G_MININT64, to = G_MAXINT64;

  decode_both (data, size, from, to);
  if (size < QL_CHUNK_TRAILER_SIZE)
    return 0;

  fixed = g_memdup2 (data, size);
  {
    guint64 h = XXH3_64bits (fixed, size - QL_CHUNK_TRAILER_SIZE);
    for (int i = 0; i < 8; i++)
      fixed[size - QL_CHUNK_TRAILER_SIZE + (gsize) i] = (guint8) (h >> (8 * i));
  }
  decode_both (fixed, size, from, to);
  /* A window around 0, where small handmade times fall, exercises the
   * range filter. */
  decode_both (fixed, size, -1000, 1000);
  return 0;
}
