/* tests/bench/bench-csv.c — CSV reader throughput against fgets + strtod.
 *
 * Writes a 1,000,000-row OHLCV file (ISO times, 5-decimal prices, integer
 * volume, about 60 MB) to a temporary file, then reads it, best of three,
 * with (a) the plain fgets + strtod loop anyone would write first, as the
 * reference, and (b) QlCsvReader. Both passes sum the bit patterns of every
 * close as a double; the reader's close (fixed point / 10^5) must give the
 * same sum as strtod of the text, and the same row count, or the benchmark
 * fails. */
#include "data/csv.h"
#include "data/numparse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#define ROWS 1000000
#define RUNS 3

typedef struct
{
  guint64 rows;
  guint64 close_bits; /* wrapping sum of the closes' IEEE bit patterns */
} Answer;

static guint64
bits_of (double d)
{
  guint64 b;
  memcpy (&b, &d, sizeof b);
  return b;
}

static void
write_file (const char *path)
{
  FILE *f = fopen (path, "w");
  GRand *rand = g_rand_new_with_seed (42);
  gint64 price = 110000; /* 1.10000 in units of 10^-5 */
  gint64 t = 1704067200; /* 2024-01-01T00:00:00Z */

  g_assert_nonnull (f);
  fputs ("time,open,high,low,close,volume\n", f);
  for (int i = 0; i < ROWS; i++, t += 60)
    {
      gint64 o = price;
      gint64 c = MAX (o + g_rand_int_range (rand, -40, 41), 1000);
      gint64 h = MAX (o, c) + g_rand_int_range (rand, 0, 20);
      gint64 l = MAX (MIN (o, c) - g_rand_int_range (rand, 0, 20), 1);
      g_autoptr (GDateTime) dt = g_date_time_new_from_unix_utc (t);
      g_autofree char *ts = g_date_time_format (dt, "%Y-%m-%d %H:%M:%S");

      fprintf (f, "%s,%" G_GINT64_FORMAT ".%05" G_GINT64_FORMAT ",%" G_GINT64_FORMAT
                  ".%05" G_GINT64_FORMAT ",%" G_GINT64_FORMAT ".%05" G_GINT64_FORMAT
                  ",%" G_GINT64_FORMAT ".%05" G_GINT64_FORMAT ",%d\n",
               ts, o / 100000, o % 100000, h / 100000, h % 100000, l / 100000, l % 100000,
               c / 100000, c % 100000, g_rand_int_range (rand, 1, 5000));
      price = c;
    }
  g_assert_cmpint (fclose (f), ==, 0);
  g_rand_free (rand);
}

static Answer
run_fgets_strtod (const char *path)
{
  Answer a = { 0, 0 };
  char line[256];
  FILE *f = fopen (path, "r");
  double sink = 0;

  g_assert_nonnull (f);
  g_assert_nonnull (fgets (line, sizeof line, f)); /* header */
  while (fgets (line, sizeof line, f) != NULL)
    {
      char *p = strchr (line, ',') + 1;
      char *end;
      double o = strtod (p, &end);
      double h = strtod (end + 1, &end);
      double l = strtod (end + 1, &end);
      double c = strtod (end + 1, &end);
      double v = strtod (end + 1, &end);
      sink += o + h + l + v;
      a.close_bits += bits_of (c);
      a.rows++;
    }
  fclose (f);
  g_assert_cmpfloat (sink, >, 0);
  return a;
}

static Answer
run_quantlab (const char *path)
{
  Answer a = { 0, 0 };
  g_autoptr (GError) error = NULL;
  g_autoptr (QlCsvReader) reader = ql_csv_reader_new_for_path (path, NULL, &error);
  QlCsvRecord rec;
  int scale;

  g_assert_no_error (error);
  scale = ql_csv_reader_get_layout (reader)->price_scale;
  g_assert_cmpint (scale, ==, 5);
  while (ql_csv_reader_next (reader, &rec, &error))
    {
      a.close_bits += bits_of (ql_num_to_double (rec.close, scale));
      a.rows++;
    }
  g_assert_no_error (error);
  return a;
}

static double
best_mb_s (Answer (*run) (const char *), const char *path, double mb, Answer *answer)
{
  double best = 0;
  for (int i = 0; i < RUNS; i++)
    {
      gint64 t0 = g_get_monotonic_time ();
      *answer = run (path);
      gint64 t1 = g_get_monotonic_time ();
      best = MAX (best, mb / ((t1 - t0) / 1e6));
    }
  return best;
}

int
main (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  GStatBuf st;
  Answer ref, ours;
  double mb, ref_speed, our_speed;
  int fd = g_file_open_tmp ("ql-bench-csv-XXXXXX.csv", &path, &error);

  g_assert_no_error (error);
  close (fd);
  write_file (path);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  mb = st.st_size / 1e6;

  ref_speed = best_mb_s (run_fgets_strtod, path, mb, &ref);
  our_speed = best_mb_s (run_quantlab, path, mb, &ours);
  g_unlink (path);

  printf ("csv_file_size: %.1f MB\n", mb);
  printf ("csv_parse_fgets_strtod: %.0f MB/s\n", ref_speed);
  printf ("csv_parse_quantlab: %.0f MB/s\n", our_speed);
  printf ("csv_parse_ratio: %.2f x\n", our_speed / ref_speed);
  printf ("csv_rows: %" G_GUINT64_FORMAT " rows\n", ours.rows);

  if (ours.rows != ROWS || ref.rows != ROWS)
    {
      fprintf (stderr, "row count: reader %" G_GUINT64_FORMAT ", reference %" G_GUINT64_FORMAT
                       ", expected %d\n", ours.rows, ref.rows, ROWS);
      return 1;
    }
  if (ours.close_bits != ref.close_bits)
    {
      fprintf (stderr, "closes differ from strtod: checksum %" G_GINT64_MODIFIER "x vs %"
                       G_GINT64_MODIFIER "x\n", ours.close_bits, ref.close_bits);
      return 1;
    }
  return 0;
}
