/* tests/data/test-chunk.c — the chunk codec: round trips, codings, and
 * rejection of every malformed blob. */
#include "data/chunk.h"

#include <math.h>
#include <string.h>
#include <xxhash.h>

static void
add_tick (QlSeries *s, QlTimeNs t, QlPrice price, QlQty size, QlPrice bid, QlPrice ask, guint32 flags)
{
  QlTick tick = { .time = t, .price = price, .size = size, .bid = bid, .ask = ask, .flags = flags };
  ql_series_append_tick (s, &tick);
}

static void
assert_ticks_equal (const QlSeries *a, gsize a_first, const QlSeries *b, gsize b_first, gsize n)
{
  g_assert_cmpuint (a->n_columns, ==, b->n_columns);
  for (gsize i = 0; i < n; i++)
    for (guint c = 0; c < a->n_columns; c++)
      g_assert_cmpint (ql_series_i64 (a, c)[a_first + i], ==, ql_series_i64 (b, c)[b_first + i]);
}

/* Bit-identical, so NaN equals NaN and -0.0 differs from 0.0. */
static void
assert_bars_identical (const QlSeries *a, const QlSeries *b)
{
  g_assert_cmpuint (a->len, ==, b->len);
  for (gsize i = 0; i < a->len; i++)
    for (guint c = 0; c < QL_BAR_N_COLUMNS; c++)
      {
        guint64 x, y;
        memcpy (&x, (const gint64 *) a->columns[c] + i, 8);
        memcpy (&y, (const gint64 *) b->columns[c] + i, 8);
        g_assert_cmphex (x, ==, y);
      }
}

static GByteArray *
encode_ticks (const QlSeries *s)
{
  GByteArray *blob = g_byte_array_new ();
  ql_chunk_encode_ticks (blob, s, 0, s->len, 2, 0);
  return blob;
}

/* A blob from hand-written parts, with a correct checksum, so that the
 * decoder's checks behind the checksum are reached. */
static GByteArray *
handmade (guint8 kind, guint32 n, guint32 desc, const guint32 *sizes, guint k,
          const guint8 *body, gsize body_len)
{
  GByteArray *b = g_byte_array_new ();
  guint8 hdr[16] = { 'Q', 'L', 'C', 'K', QL_CHUNK_VERSION, kind, 2, 0 };
  guint8 sum[8];
  guint64 h;

  for (int i = 0; i < 4; i++)
    {
      hdr[8 + i] = (guint8) (n >> (8 * i));
      hdr[12 + i] = (guint8) (desc >> (8 * i));
    }
  g_byte_array_append (b, hdr, 16);
  for (guint j = 0; j < k; j++)
    {
      guint8 le[4] = { (guint8) sizes[j], (guint8) (sizes[j] >> 8), (guint8) (sizes[j] >> 16),
                       (guint8) (sizes[j] >> 24) };
      g_byte_array_append (b, le, 4);
    }
  g_byte_array_append (b, body, (guint) body_len);
  h = XXH3_64bits (b->data, b->len);
  for (int i = 0; i < 8; i++)
    sum[i] = (guint8) (h >> (8 * i));
  g_byte_array_append (b, sum, 8);
  return b;
}

static void
assert_corrupt (const GByteArray *blob, const char *what)
{
  g_autoptr (QlSeries) out = ql_series_new_ticks ();
  g_autoptr (GError) error = NULL;

  add_tick (out, 1, 2, 3, 4, 5, 1);
  g_assert_false (ql_chunk_decode (blob->data, blob->len, G_MININT64, G_MAXINT64, out, NULL, &error));
  g_assert_error (error, QL_CHUNK_ERROR, QL_CHUNK_ERROR_CORRUPT);
  if (what != NULL)
    g_assert_nonnull (strstr (error->message, what));
  /* The row that was there stays, and nothing was appended. */
  g_assert_cmpuint (out->len, ==, 1);
  g_assert_cmpint (ql_series_i64 (out, QL_TICK_PRICE)[0], ==, 2);
}

static void
test_zero_rows (void)
{
  g_autoptr (QlSeries) ticks = ql_series_new_ticks ();
  g_autoptr (QlSeries) bars = ql_series_new_bars ();
  g_autoptr (GByteArray) tb = encode_ticks (ticks);
  g_autoptr (GByteArray) bb = g_byte_array_new ();
  g_autoptr (GError) error = NULL;
  QlChunkInfo info;

  g_test_summary ("An empty chunk is a header and a checksum, and decodes to nothing");
  /* 16 header bytes, no column is present (all ZERO), 8 checksum bytes. */
  g_assert_cmpuint (tb->len, ==, 24);
  g_assert_true (ql_chunk_decode (tb->data, tb->len, G_MININT64, G_MAXINT64, ticks, &info, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ticks->len, ==, 0);
  g_assert_cmpuint (info.n_rows, ==, 0);
  g_assert_cmpint (info.kind, ==, QL_CHUNK_TICKS);
  g_assert_cmpint (info.first_time, ==, QL_TIME_NONE);

  ql_chunk_encode_bars (bb, bars, 0, 0, 4, 2);
  g_assert_cmpuint (bb->len, ==, 24);
  g_assert_true (ql_chunk_decode (bb->data, bb->len, G_MININT64, G_MAXINT64, bars, &info, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (bars->len, ==, 0);
  g_assert_cmpint (info.kind, ==, QL_CHUNK_BARS);
  g_assert_cmpint (info.price_scale, ==, 4);
  g_assert_cmpint (info.qty_scale, ==, 2);
}

static void
test_one_row (void)
{
  g_autoptr (QlSeries) ticks = ql_series_new_ticks ();
  g_autoptr (QlSeries) back = ql_series_new_ticks ();
  g_autoptr (GByteArray) blob = NULL;
  g_autoptr (GError) error = NULL;
  QlChunkInfo info;

  g_test_summary ("One tick round-trips; every column of one row is CONST, one varint each");
  add_tick (ticks, 1700000000123456789, 4321, 7, 4320, 4322, QL_TICK_FLAG_TRADE | QL_TICK_FLAG_QUOTE);
  blob = encode_ticks (ticks);
  g_assert_true (ql_chunk_decode (blob->data, blob->len, G_MININT64, G_MAXINT64, back, &info, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (back->len, ==, 1);
  assert_ticks_equal (ticks, 0, back, 0, 1);
  g_assert_cmpint (info.first_time, ==, 1700000000123456789);
  g_assert_cmpint (info.last_time, ==, 1700000000123456789);
  /* Varint sizes by hand: time 1.7e18, zigzag 3.4e18 < 2^63 needs
   * ceil(62/7) = 9 bytes; price 4321 -> 8642 < 2^14: 2; size 7 -> 14: 1;
   * bid 8640: 2; ask 8644: 2; flags 3 -> 6: 1. 17 bytes of blocks,
   * 6 directory entries (24 bytes), header 16, checksum 8: 65. */
  g_assert_cmpuint (blob->len, ==, 65);
}

static void
test_extreme_deltas (void)
{
  g_autoptr (QlSeries) ticks = ql_series_new_ticks ();
  g_autoptr (QlSeries) back = ql_series_new_ticks ();
  g_autoptr (GByteArray) blob = NULL;
  g_autoptr (GError) error = NULL;
  const gint64 values[] = { G_MININT64, G_MAXINT64, G_MININT64, 0, -1, G_MAXINT64, 1, G_MININT64 + 1 };

  g_test_summary ("Steps of the whole int64 range, both ways, round-trip in every column");
  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    {
      /* Times climb from INT64_MIN to INT64_MAX in two steps of ~2^63. */
      QlTimeNs t = i == 0 ? G_MININT64 : i < G_N_ELEMENTS (values) - 1 ? 0 : G_MAXINT64;
      add_tick (ticks, t, values[i], values[(i + 1) % 8], values[(i + 2) % 8],
                values[(i + 3) % 8], (guint32) i);
    }
  blob = encode_ticks (ticks);
  g_assert_true (ql_chunk_decode (blob->data, blob->len, G_MININT64, G_MAXINT64, back, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (back->len, ==, ticks->len);
  assert_ticks_equal (ticks, 0, back, 0, ticks->len);
}

static void
test_codings_chosen (void)
{
  g_autoptr (QlSeries) ticks = ql_series_new_ticks ();
  g_autoptr (QlSeries) back = ql_series_new_ticks ();
  g_autoptr (GByteArray) blob = NULL;
  g_autoptr (GError) error = NULL;

  g_test_summary ("Millisecond-spaced times cost one byte a row; zero columns cost nothing");
  for (int i = 1; i <= 1000; i++)
    add_tick (ticks, i * QL_NS_PER_MS, 0, 0, 0, 0, 0);
  blob = encode_ticks (ticks);
  /* DELTA2 on t = 1e6 * i: the first step 1e6 zigzags to 2e6 < 2^21, a
   * 3-byte varint; every later step of steps is 0, one byte: 3 + 999.
   * Price, size, bid, ask, flags are ZERO: no block, no directory entry.
   * 16 + 4 + 1002 + 8 = 1030. */
  g_assert_cmpuint (blob->len, ==, 1030);
  g_assert_cmpuint (blob->data[12] & 0xf, ==, QL_CHUNK_CODING_DELTA2);
  g_assert_cmpuint (blob->data[12] >> 4, ==, QL_CHUNK_CODING_ZERO);
  g_assert_true (ql_chunk_decode (blob->data, blob->len, G_MININT64, G_MAXINT64, back, NULL, &error));
  g_assert_no_error (error);
  assert_ticks_equal (ticks, 0, back, 0, 1000);
}

static void
test_sparse_quotes (void)
{
  g_autoptr (QlSeries) ticks = ql_series_new_ticks ();
  g_autoptr (QlSeries) back = ql_series_new_ticks ();
  g_autoptr (GByteArray) blob = NULL;
  g_autoptr (GError) error = NULL;

  g_test_summary ("Bid and ask on every fourth tick use DELTANZ and round-trip");
  for (int i = 0; i < 400; i++)
    {
      gboolean quote = i % 4 == 0;
      add_tick (ticks, i * QL_NS_PER_MS + (i % 3), 100000 + i % 7, 1 + i % 5,
                quote ? 99990 + i % 3 : 0, quote ? 100010 + i % 2 : 0,
                QL_TICK_FLAG_TRADE | (quote ? QL_TICK_FLAG_QUOTE : 0));
    }
  blob = encode_ticks (ticks);
  /* Column descriptor nibbles: bid is column 3, ask column 4 (bits 12..19). */
  g_assert_cmpuint ((blob->data[12 + 1] >> 4) & 7, ==, QL_CHUNK_CODING_DELTANZ);
  g_assert_cmpuint (blob->data[12 + 2] & 7, ==, QL_CHUNK_CODING_DELTANZ);
  g_assert_true (ql_chunk_decode (blob->data, blob->len, G_MININT64, G_MAXINT64, back, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (back->len, ==, 400);
  assert_ticks_equal (ticks, 0, back, 0, 400);
}

static void
test_range_and_append (void)
{
  g_autoptr (QlSeries) ticks = ql_series_new_ticks ();
  g_autoptr (QlSeries) out = ql_series_new_ticks ();
  g_autoptr (GByteArray) blob = NULL;
  g_autoptr (GError) error = NULL;

  g_test_summary ("Decoding appends only rows with from <= time < to, after existing rows");
  /* Times 0, 10, 10, 20, ..., 90: 11 rows with a repeated 10. */
  add_tick (ticks, 0, 1, 0, 0, 0, 1);
  for (int i = 1; i < 10; i++)
    {
      add_tick (ticks, i * 10, 1 + i, 0, 0, 0, 1);
      if (i == 1)
        add_tick (ticks, 10, 99, 0, 0, 0, 1);
    }
  blob = encode_ticks (ticks);

  add_tick (out, -5, 42, 0, 0, 0, 0);
  /* [10, 30): rows 1, 2 (both at 10) and 3 (20). */
  g_assert_true (ql_chunk_decode (blob->data, blob->len, 10, 30, out, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (out->len, ==, 4);
  g_assert_cmpint (ql_series_i64 (out, QL_TICK_PRICE)[0], ==, 42);
  assert_ticks_equal (ticks, 1, out, 1, 3);

  /* [11, 20): nothing. */
  g_assert_true (ql_chunk_decode (blob->data, blob->len, 11, 20, out, NULL, &error));
  g_assert_cmpuint (out->len, ==, 4);
  /* [90, max): the last row only. */
  g_assert_true (ql_chunk_decode (blob->data, blob->len, 90, G_MAXINT64, out, NULL, &error));
  g_assert_cmpuint (out->len, ==, 5);
  assert_ticks_equal (ticks, 10, out, 4, 1);
  /* to <= from: nothing. */
  g_assert_true (ql_chunk_decode (blob->data, blob->len, 50, 20, out, NULL, &error));
  g_assert_cmpuint (out->len, ==, 5);
}

static void
test_bars_bit_identical (void)
{
  g_autoptr (QlSeries) bars = ql_series_new_bars ();
  g_autoptr (QlSeries) back = ql_series_new_bars ();
  g_autoptr (GByteArray) blob = g_byte_array_new ();
  g_autoptr (GError) error = NULL;

  g_test_summary ("Bars read back bit-identical: on-grid doubles as fixed point, others as raw bits");
  for (int i = 0; i < 300; i++)
    {
      QlBar b = { .time = i * QL_NS_PER_MIN, .open = (12345 + i) / 1e4, .high = 1.2399,
                  .low = 1.2001, .close = 1.2346, .volume = 10.25 * i, .trades = i % 17 };
      ql_series_append_bar (bars, &b);
    }
  ql_chunk_encode_bars (blob, bars, 0, bars->len, 4, 2);
  /* All prices are on the 4-decimal grid, volume on the 2-decimal grid:
   * no column needs raw bits (bit 3 of each nibble clear). */
  for (int c = QL_BAR_OPEN; c <= QL_BAR_VOLUME; c++)
    g_assert_cmpuint ((blob->data[12 + c / 2] >> (4 * (c % 2))) & 8, ==, 0);
  g_assert_true (ql_chunk_decode (blob->data, blob->len, G_MININT64, G_MAXINT64, back, NULL, &error));
  g_assert_no_error (error);
  assert_bars_identical (bars, back);

  /* Doubles off the grid of the scale: NaN, -0.0, 1/3, 1e300. */
  ql_series_f64 (bars, QL_BAR_OPEN)[5] = NAN;
  ql_series_f64 (bars, QL_BAR_HIGH)[6] = -0.0;
  ql_series_f64 (bars, QL_BAR_LOW)[7] = 1.0 / 3.0;
  ql_series_f64 (bars, QL_BAR_VOLUME)[8] = 1e300;
  g_byte_array_set_size (blob, 0);
  ql_chunk_encode_bars (blob, bars, 0, bars->len, 4, 2);
  for (int c = QL_BAR_OPEN; c <= QL_BAR_VOLUME; c++)
    g_assert_cmpuint ((blob->data[12 + c / 2] >> (4 * (c % 2))) & 8, ==, c == QL_BAR_CLOSE ? 0 : 8);
  ql_series_truncate (back, 0);
  g_assert_true (ql_chunk_decode (blob->data, blob->len, G_MININT64, G_MAXINT64, back, NULL, &error));
  g_assert_no_error (error);
  assert_bars_identical (bars, back);
}

static void
test_kind_mismatch (void)
{
  g_autoptr (QlSeries) ticks = ql_series_new_ticks ();
  g_autoptr (QlSeries) bars = ql_series_new_bars ();
  g_autoptr (GByteArray) blob = NULL;
  g_autoptr (GError) error = NULL;

  g_test_summary ("A tick chunk read into a bar series is an error, not garbage");
  add_tick (ticks, 1, 2, 3, 0, 0, 1);
  blob = encode_ticks (ticks);
  g_assert_false (ql_chunk_decode (blob->data, blob->len, G_MININT64, G_MAXINT64, bars, NULL, &error));
  g_assert_error (error, QL_CHUNK_ERROR, QL_CHUNK_ERROR_KIND);
  g_assert_cmpuint (bars->len, ==, 0);
}

static void
test_truncated_and_flipped (void)
{
  g_autoptr (QlSeries) ticks = ql_series_new_ticks ();
  g_autoptr (GByteArray) blob = NULL;

  g_test_summary ("Every prefix and every single flipped bit of a valid blob is rejected");
  for (int i = 0; i < 50; i++)
    add_tick (ticks, i * 1000 + (i * i) % 7, 5000 + (i * 37) % 101, i % 9,
              i % 3 == 0 ? 4990 : 0, i % 3 == 0 ? 5010 : 0, 1 | (i % 3 == 0 ? 2 : 0));
  blob = encode_ticks (ticks);

  for (guint len = 0; len < blob->len; len++)
    {
      g_autoptr (GByteArray) cut = g_byte_array_new ();
      g_byte_array_append (cut, blob->data, len);
      assert_corrupt (cut, NULL);
    }
  for (guint i = 0; i < blob->len; i++)
    for (int bit = 0; bit < 8; bit++)
      {
        blob->data[i] ^= (guint8) (1 << bit);
        assert_corrupt (blob, NULL);
        blob->data[i] ^= (guint8) (1 << bit);
      }
}

static void
test_malformed_behind_checksum (void)
{
  g_test_summary ("Blobs with a valid checksum but bad content are rejected, each for its reason");

  /* One row, time PLAIN (desc nibble 2), block: a varint of 11 bytes. */
  {
    const guint8 body[] = { 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00 };
    guint32 sizes[] = { sizeof body };
    g_autoptr (GByteArray) b = handmade (1, 1, 0x2, sizes, 1, body, sizeof body);
    assert_corrupt (b, "column 0");
  }
  /* A 10-byte varint whose last byte carries more than bit 63. */
  {
    const guint8 body[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02 };
    guint32 sizes[] = { sizeof body };
    g_autoptr (GByteArray) b = handmade (1, 1, 0x2, sizes, 1, body, sizeof body);
    assert_corrupt (b, "column 0");
  }
  /* The same with 0x01: 2^64 - 1 is valid, zigzag -2^63, so it decodes. */
  {
    const guint8 body[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01 };
    guint32 sizes[] = { sizeof body };
    g_autoptr (GByteArray) b = handmade (1, 1, 0x2, sizes, 1, body, sizeof body);
    g_autoptr (QlSeries) out = ql_series_new_ticks ();
    g_autoptr (GError) error = NULL;
    g_assert_true (ql_chunk_decode (b->data, b->len, G_MININT64, G_MAXINT64, out, NULL, &error));
    g_assert_no_error (error);
    g_assert_cmpint (ql_series_i64 (out, QL_TICK_TIME)[0], ==, G_MININT64);
  }
  /* Two rows declared, one value in the block. */
  {
    const guint8 body[] = { 0x02 };
    guint32 sizes[] = { 1 };
    g_autoptr (GByteArray) b = handmade (1, 2, 0x2, sizes, 1, body, 1);
    assert_corrupt (b, "column 0");
  }
  /* One row declared, a byte left over. */
  {
    const guint8 body[] = { 0x02, 0x02 };
    guint32 sizes[] = { 2 };
    g_autoptr (GByteArray) b = handmade (1, 1, 0x2, sizes, 1, body, 2);
    assert_corrupt (b, "column 0");
  }
  /* Times 2 then 1 (zigzag 4, 2): backwards. */
  {
    const guint8 body[] = { 0x04, 0x02 };
    guint32 sizes[] = { 2 };
    g_autoptr (GByteArray) b = handmade (1, 2, 0x2, sizes, 1, body, 2);
    assert_corrupt (b, "backwards");
  }
  /* Directory sizes that do not add up to the blob. */
  {
    const guint8 body[] = { 0x04 };
    guint32 sizes[] = { 2 };
    g_autoptr (GByteArray) b = handmade (1, 1, 0x2, sizes, 1, body, 1);
    assert_corrupt (b, "add up");
  }
  /* A directory entry of 4 GB - 1 must not overflow the sum. */
  {
    const guint8 body[] = { 0x04 };
    guint32 sizes[] = { G_MAXUINT32, 2 };
    g_autoptr (GByteArray) b = handmade (1, 1, 0x2 | 0x20, sizes, 2, body, 1);
    assert_corrupt (b, "add up");
  }
  /* More rows than the limit. */
  {
    g_autoptr (GByteArray) b = handmade (1, QL_CHUNK_LIMIT_ROWS + 1, 0, NULL, 0, NULL, 0);
    assert_corrupt (b, "limit");
  }
  /* Coding 6 does not exist; descriptor bits past the 6th tick column. */
  {
    const guint8 body[] = { 0x02 };
    guint32 sizes[] = { 1 };
    g_autoptr (GByteArray) b = handmade (1, 1, 0x6, sizes, 1, body, 1);
    g_autoptr (GByteArray) c = handmade (1, 0, 0x1000000, NULL, 0, NULL, 0);
    assert_corrupt (b, "coding");
    assert_corrupt (c, "past the last column");
  }
  /* Raw double bits on a tick column; an unknown kind; CONST with no rows. */
  {
    const guint8 body[] = { 0x02 };
    guint32 sizes[] = { 1 };
    g_autoptr (GByteArray) b = handmade (1, 1, 0x20 | 0x80 | 0x2, (guint32[]) { 1, 1 }, 2,
                                         (const guint8[]) { 0x02, 0x02 }, 2);
    g_autoptr (GByteArray) c = handmade (3, 0, 0, NULL, 0, NULL, 0);
    g_autoptr (GByteArray) d = handmade (1, 0, 0x1, sizes, 1, body, 1);
    assert_corrupt (b, "raw double");
    assert_corrupt (c, "kind");
    assert_corrupt (d, "column 0");
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/data/chunk/codec/zero-rows", test_zero_rows);
  g_test_add_func ("/data/chunk/codec/one-row", test_one_row);
  g_test_add_func ("/data/chunk/codec/extreme-int64-deltas", test_extreme_deltas);
  g_test_add_func ("/data/chunk/codec/regular-times-use-delta2", test_codings_chosen);
  g_test_add_func ("/data/chunk/codec/sparse-quotes-use-deltanz", test_sparse_quotes);
  g_test_add_func ("/data/chunk/decode/range-filter-appends", test_range_and_append);
  g_test_add_func ("/data/chunk/bars/bit-identical", test_bars_bit_identical);
  g_test_add_func ("/data/chunk/decode/kind-mismatch", test_kind_mismatch);
  g_test_add_func ("/data/chunk/decode/rejects-truncated-and-flipped", test_truncated_and_flipped);
  g_test_add_func ("/data/chunk/decode/rejects-malformed-content", test_malformed_behind_checksum);
  return g_test_run ();
}
