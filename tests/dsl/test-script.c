/* tests/dsl/test-script.c — QuantLab Script end to end: golden values per
 * construct worked out by hand, every ta.* against the engine bit for bit,
 * each diagnostic on its exact text, the sandbox limits, strategy scripts in
 * a backtest, and truncation (no look-ahead).
 *
 * Unless a test says otherwise, indicator scripts run over the ten bars of
 * hand_bars (): one minute apart from T0, with
 *   bar:    0   1   2   3   4   5   6   7   8   9
 *   close: 10  11  12  11  13  15  14  16  18  17
 *   open = close - 0.5, high = close + 1, low = close - 1,
 *   volume = 100 + bar. */
#include "dsl/script.h"
#include "dsl/ta_bind.h"

#include "engine/backtest.h"
#include "engine/indicator.h"

#include <math.h>
#include <string.h>

#define T0 (G_GINT64_CONSTANT (1704153600) * QL_NS_PER_SEC) /* 2024-01-02 00:00 UTC */
#define NA NAN

static const double hand_close[] = { 10, 11, 12, 11, 13, 15, 14, 16, 18, 17 };
#define N_HAND 10

/* ---- helpers -------------------------------------------------------------- */

static QlSeries *
bars_from_closes (const double *closes, gsize n)
{
  QlSeries *bars = ql_series_new_bars ();

  for (gsize i = 0; i < n; i++)
    {
      QlBar b = { 0 };
      b.time = T0 + (QlTimeNs) i * QL_NS_PER_MIN;
      b.close = closes[i];
      b.open = closes[i] - 0.5;
      b.high = closes[i] + 1;
      b.low = closes[i] - 1;
      b.volume = 100 + (double) i;
      b.trades = 1;
      ql_series_append_bar (bars, &b);
    }
  return bars;
}

static QlSeries *
hand_bars (void)
{
  return bars_from_closes (hand_close, N_HAND);
}

/* ~@n pseudo-random bars: a random walk with gaps of volume, 90 minutes
 * apart so that UTC days change every 16 bars. */
static QlSeries *
random_bars (guint32 seed, gsize n)
{
  QlSeries *bars = ql_series_new_bars ();
  GRand *rng = g_rand_new_with_seed (seed);
  double v = 100;

  for (gsize i = 0; i < n; i++)
    {
      QlBar b = { 0 };
      v += g_rand_double_range (rng, -1, 1);
      b.time = T0 + (QlTimeNs) i * 90 * QL_NS_PER_MIN;
      b.open = v + g_rand_double_range (rng, -0.5, 0.5);
      b.close = v;
      b.high = MAX (b.open, b.close) + g_rand_double_range (rng, 0, 1);
      b.low = MIN (b.open, b.close) - g_rand_double_range (rng, 0, 1);
      b.volume = (i >= 150 && i < 160) ? 0 : g_rand_int_range (rng, 1, 1000);
      b.trades = 1;
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

/* Compiles @src, which must have no error; warnings are allowed. */
static QlProgram *
compile_ok (const char *src)
{
  g_autoptr (QlDiagList) diags = ql_diag_list_new ("t.qls", src, strlen (src));
  QlProgram *p = ql_program_compile ("t.qls", src, strlen (src), diags);

  if (p == NULL || diags->n_errors > 0)
    {
      g_autofree char *text = NULL;
      ql_diag_list_sort (diags);
      text = ql_diag_list_to_text (diags, TRUE);
      g_error ("the script does not compile:\n%s\n%s", src, text);
    }
  return p;
}

/* The diagnostics of @src as text (sorted, no summary). */
static char *
diag_text (const char *src, gboolean summary)
{
  g_autoptr (QlDiagList) diags = ql_diag_list_new ("t.qls", src, strlen (src));
  g_autoptr (QlProgram) p = ql_program_compile ("t.qls", src, strlen (src), diags);

  ql_diag_list_sort (diags);
  return ql_diag_list_to_text (diags, summary);
}

typedef struct
{
  guint n_cols;
  GArray *vals;   /* n_cols doubles per row */
  GArray *times;  /* gint64 per row */
} Rows;

static void
rows_free (Rows *r)
{
  if (r == NULL)
    return;
  g_array_unref (r->vals);
  g_array_unref (r->times);
  g_free (r);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Rows, rows_free)

static Rows *
rows_new (guint n_cols)
{
  Rows *r = g_new0 (Rows, 1);
  r->n_cols = n_cols;
  r->vals = g_array_new (FALSE, FALSE, sizeof (double));
  r->times = g_array_new (FALSE, FALSE, sizeof (gint64));
  return r;
}

static gboolean
collect_row (gint64 time, const double *values, gpointer data)
{
  Rows *r = data;
  g_array_append_vals (r->vals, values, r->n_cols);
  g_array_append_val (r->times, time);
  return TRUE;
}

static guint
n_rows (const Rows *r)
{
  return r->times->len;
}

static double
cell (const Rows *r, guint row, guint col)
{
  g_assert_cmpuint (row, <, n_rows (r));
  g_assert_cmpuint (col, <, r->n_cols);
  return g_array_index (r->vals, double, (gsize) row * r->n_cols + col);
}

/* Runs @prog over @bars; the run must succeed. */
static Rows *
run_prog (const QlProgram *prog, const char *const *params, const QlSeries *bars)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (QlScriptInstance) inst = ql_script_instance_new (prog, params, NULL, &error);
  Rows *r;

  g_assert_no_error (error);
  g_assert_nonnull (inst);
  r = rows_new (ql_program_get_n_columns (prog));
  if (!ql_script_instance_run_bars (inst, bars, NULL, collect_row, r))
    {
      const QlScriptError *e = ql_script_instance_get_error (inst);
      g_error ("runtime error %s: %s at %u:%u, bar %" G_GINT64_FORMAT, e->code, e->message,
               e->span.line, e->span.col, e->bar_index);
    }
  g_assert_null (ql_script_instance_get_error (inst));
  return r;
}

/* Compiles and runs @src over the hand bars. */
static Rows *
run_hand (const char *src)
{
  g_autoptr (QlProgram) prog = compile_ok (src);
  g_autoptr (QlSeries) bars = hand_bars ();
  Rows *r = run_prog (prog, NULL, bars);

  g_assert_cmpuint (n_rows (r), ==, N_HAND);
  for (guint i = 0; i < N_HAND; i++)
    g_assert_cmpint (g_array_index (r->times, gint64, i), ==, T0 + (gint64) i * QL_NS_PER_MIN);
  return r;
}

/* Column @col equals @want row by row, bit for bit (NaN equal to NaN). */
static void
check_col (const Rows *r, guint col, const double *want, guint n)
{
  g_assert_cmpuint (n_rows (r), ==, n);
  for (guint i = 0; i < n; i++)
    if (!same (cell (r, i, col), want[i]))
      g_error ("column %u, row %u: got %.17g, want %.17g", col, i, cell (r, i, col), want[i]);
}

/* Every row of column @col equals @v. */
static void
check_const (const Rows *r, guint col, double v)
{
  for (guint i = 0; i < n_rows (r); i++)
    if (!same (cell (r, i, col), v))
      g_error ("column %u, row %u: got %.17g, want %.17g", col, i, cell (r, i, col), v);
}

/* Runs @src over @bars expecting a runtime error; returns a copy of it. */
typedef struct
{
  char code[8];
  char *message;
  char *trace;
  guint line, col;
  gint64 bar_index;
  guint rows;
} RunError;

static void
run_error_clear (RunError *e)
{
  g_free (e->message);
  g_free (e->trace);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (RunError, run_error_clear)

static void
run_expect_error (const QlProgram *prog, const QlScriptLimits *limits, const QlSeries *bars,
                  RunError *out)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (QlScriptInstance) inst = ql_script_instance_new (prog, NULL, limits, &error);
  g_autoptr (Rows) r = NULL;
  const QlScriptError *e;

  g_assert_no_error (error);
  r = rows_new (ql_program_get_n_columns (prog));
  g_assert_false (ql_script_instance_run_bars (inst, bars, NULL, collect_row, r));
  e = ql_script_instance_get_error (inst);
  g_assert_nonnull (e);
  memcpy (out->code, e->code, sizeof out->code);
  out->message = g_strdup (e->message);
  out->trace = g_strdup (e->trace);
  out->line = e->span.line;
  out->col = e->span.col;
  out->bar_index = e->bar_index;
  out->rows = n_rows (r);
}

/* ---- 1. golden values ----------------------------------------------------- */

static void
test_arith (void)
{
  g_autoptr (Rows) r = NULL;
  /* Each column and its value by hand:
   *   a: 1 + 2 * 3 = 1 + 6 = 7          (* binds tighter than +)
   *   b: (1 + 2) * 3 = 9
   *   c: 2 - 3 - 4 = (2 - 3) - 4 = -5   (left associative)
   *   d: -2 * 3 + 10 % 4 = -6 + 2 = -4
   *   e: 7 / 2 = 3.5                    (int / int is float)
   *   f: 6 / 3 = 2.0
   *   g: 1 + 2.5 = 3.5                  (int and float mix)
   *   h: close * 2 - 1 = 19, 21, 23, 21, 25, 29, 27, 31, 35, 33
   *   i: 2 * 3 == 6 and not (1 > 2) ? 1 : 0 = 1 */
  static const char src[] =
    "indicator(\"arith\")\n"
    "plot(1 + 2 * 3, \"a\")\n"
    "plot((1 + 2) * 3, \"b\")\n"
    "plot(2 - 3 - 4, \"c\")\n"
    "plot(-2 * 3 + 10 % 4, \"d\")\n"
    "plot(7 / 2, \"e\")\n"
    "plot(6 / 3, \"f\")\n"
    "plot(1 + 2.5, \"g\")\n"
    "plot(close * 2 - 1, \"h\")\n"
    "plot(2 * 3 == 6 and not (1 > 2) ? 1 : 0, \"i\")\n";
  static const double h[] = { 19, 21, 23, 21, 25, 29, 27, 31, 35, 33 };

  g_test_summary ("Precedence, associativity, int / int as float, mixed int and float");
  r = run_hand (src);
  g_assert_cmpuint (r->n_cols, ==, 9);
  check_const (r, 0, 7);
  check_const (r, 1, 9);
  check_const (r, 2, -5);
  check_const (r, 3, -4);
  check_const (r, 4, 3.5);
  check_const (r, 5, 2.0);
  check_const (r, 6, 3.5);
  check_col (r, 7, h, N_HAND);
  check_const (r, 8, 1);
}

static void
test_int_division_type (void)
{
  g_autoptr (Rows) r = NULL;
  /* q = bar_index / 4 is float: 0, 0.25, 0.5, 0.75, 1, 1.25, ...; q * 4 is
   * bar_index again (exact in binary). */
  static const char src[] =
    "indicator(\"div\")\n"
    "q = bar_index / 4\n"
    "x: float = q\n"
    "plot(x, \"q\")\n"
    "plot(q * 4, \"back\")\n";

  g_test_summary ("int / int is a float: a quarter of bar_index, not its integer part");
  r = run_hand (src);
  for (guint i = 0; i < N_HAND; i++)
    {
      g_assert_cmpfloat (cell (r, i, 0), ==, i * 0.25);
      g_assert_cmpfloat (cell (r, i, 1), ==, (double) i);
    }
}

static void
test_int_overflow (void)
{
  g_autoptr (QlProgram) prog = NULL;
  g_autoptr (QlSeries) bars = hand_bars ();
  g_auto (RunError) e = { 0 };
  /* x after each bar: 10^6, 10^12, 10^18; on bar 3 10^18 * 10^6 exceeds
   * int64 (9.2e18): R0003 on line 3, and the three rows before it. */
  static const char src[] =
    "indicator(\"ovf\")\n"
    "var x = 1\n"
    "x := x * 1000000\n"
    "plot(x, \"x\")\n";

  g_test_summary ("int overflow stops the run with R0003 naming the operands and the line");
  prog = compile_ok (src);
  run_expect_error (prog, NULL, bars, &e);
  g_assert_cmpstr (e.code, ==, "R0003");
  g_assert_cmpstr (e.message, ==, "integer overflow: 1000000000000000000 * 1000000");
  g_assert_cmpint (e.bar_index, ==, 3);
  g_assert_cmpuint (e.rows, ==, 3);
  g_assert_cmpuint (e.line, ==, 3);
}

static void
test_na (void)
{
  g_autoptr (Rows) r = NULL;
  /* close[1]: na on bar 0, then 10 11 12 11 13 15 14 16 18.
   *   a = close[1] + 1: na, 11, 12, 13, 12, 14, 16, 15, 17, 19
   *   b = close[1] > 5 ? 1 : 0: 0 on bar 0 (a comparison with na is false), then 1
   *   c = close[1] <= 5 ? 1 : 0: 0 everywhere (false with na, false with >= 10)
   *   d = nz(close[1]): 0 on bar 0; e = nz(close[1], -1): -1 on bar 0
   *   f = na(close[1]) ? 1 : 0: 1 then 0
   *   y = bar_index % 3 == 1 ? na : close: 10 na 12 11 na 15 14 na 18 17
   *   g = fixnan(y): 10 10 12 11 11 15 14 14 18 17
   *   h = close / 0: na (float division by zero)
   *   k = na + 1: na */
  static const char src[] =
    "indicator(\"na\")\n"
    "plot(close[1] + 1, \"a\")\n"
    "plot(close[1] > 5 ? 1 : 0, \"b\")\n"
    "plot(close[1] <= 5 ? 1 : 0, \"c\")\n"
    "plot(nz(close[1]), \"d\")\n"
    "plot(nz(close[1], -1), \"e\")\n"
    "plot(na(close[1]) ? 1 : 0, \"f\")\n"
    "y = bar_index % 3 == 1 ? na : close\n"
    "plot(y, \"y\")\n"
    "plot(fixnan(y), \"g\")\n"
    "plot(close / 0, \"h\")\n"
    "plot(na + 1, \"k\")\n";
  static const double a[] = { NA, 11, 12, 13, 12, 14, 16, 15, 17, 19 };
  static const double b[] = { 0, 1, 1, 1, 1, 1, 1, 1, 1, 1 };
  static const double d[] = { 0, 10, 11, 12, 11, 13, 15, 14, 16, 18 };
  static const double e[] = { -1, 10, 11, 12, 11, 13, 15, 14, 16, 18 };
  static const double f[] = { 1, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
  static const double y[] = { 10, NA, 12, 11, NA, 15, 14, NA, 18, 17 };
  static const double g[] = { 10, 10, 12, 11, 11, 15, 14, 14, 18, 17 };

  g_test_summary ("na propagates through arithmetic, compares false, and nz, na() and fixnan replace it");
  r = run_hand (src);
  check_col (r, 0, a, N_HAND);
  check_col (r, 1, b, N_HAND);
  check_const (r, 2, 0);
  check_col (r, 3, d, N_HAND);
  check_col (r, 4, e, N_HAND);
  check_col (r, 5, f, N_HAND);
  check_col (r, 6, y, N_HAND);
  check_col (r, 7, g, N_HAND);
  check_const (r, 8, NA);
  check_const (r, 9, NA);
}

static void
test_ternary (void)
{
  g_autoptr (Rows) r = NULL;
  /* Right associative: close > 12 ? 1 : (close > 10 ? 2 : 3).
   *   close: 10 11 12 11 13 15 14 16 18 17
   *   t:      3  2  2  2  1  1  1  1  1  1 */
  static const char src[] =
    "indicator(\"ternary\")\n"
    "t = close > 12 ? 1 : close > 10 ? 2 : 3\n"
    "plot(t, \"t\")\n";
  static const double t[] = { 3, 2, 2, 2, 1, 1, 1, 1, 1, 1 };

  g_test_summary ("Nested ternaries associate to the right");
  r = run_hand (src);
  check_col (r, 0, t, N_HAND);
}

typedef struct
{
  GPtrArray *texts;
  GArray *bars;
} LogSink;

static void
log_collect (int level, const QlSpan *span, gint64 bar_index, const char *text, gpointer data)
{
  LogSink *s = data;
  (void) level;
  (void) span;
  g_ptr_array_add (s->texts, g_strdup (text));
  g_array_append_val (s->bars, bar_index);
}

/* Runs @src over the hand bars, collecting log lines into @sink. */
static Rows *
run_logged (const char *src, LogSink *sink)
{
  g_autoptr (QlProgram) prog = compile_ok (src);
  g_autoptr (QlSeries) bars = hand_bars ();
  g_autoptr (GError) error = NULL;
  g_autoptr (QlScriptInstance) inst = ql_script_instance_new (prog, NULL, NULL, &error);
  Rows *r;

  g_assert_no_error (error);
  sink->texts = g_ptr_array_new_with_free_func (g_free);
  sink->bars = g_array_new (FALSE, FALSE, sizeof (gint64));
  ql_script_instance_set_log_func (inst, log_collect, sink);
  r = rows_new (ql_program_get_n_columns (prog));
  g_assert_true (ql_script_instance_run_bars (inst, bars, NULL, collect_row, r));
  return r;
}

static void
log_sink_clear (LogSink *s)
{
  g_ptr_array_unref (s->texts);
  g_array_unref (s->bars);
}

static void
test_short_circuit (void)
{
  LogSink sink;
  g_autoptr (Rows) r = NULL;
  g_autoptr (QlProgram) prog = NULL;
  g_autoptr (QlSeries) bars = hand_bars ();
  g_auto (RunError) e = { 0 };
  /* touch () logs "touched" and is true. On each bar:
   *   a = bar_index < 0 and touch (): left false, touch not called → 0
   *   b = bar_index >= 0 or touch (): left true, touch not called → 1
   *   c = bar_index >= 0 and touch (): called once per bar → 1
   *   d = bar_index < 0 or touch (): called once per bar → 1
   * so "touched" is logged twice per bar: 20 lines over 10 bars.
   * big + 1 overflows int64; guarded by a false left side of and (or a
   * true left side of or) it is never evaluated. */
  static const char src[] =
    "indicator(\"sc\")\n"
    "fn touch() -> bool\n"
    "    log.info(\"touched\")\n"
    "    return true\n"
    "big = 9223372036854775807 - bar_index\n"
    "a = bar_index < 0 and touch()\n"
    "b = bar_index >= 0 or touch()\n"
    "c = bar_index >= 0 and touch()\n"
    "d = bar_index < 0 or touch()\n"
    "e = bar_index < 0 and big + 1 > 0\n"
    "f = bar_index >= 0 or big + 1 > 0\n"
    "plot(a ? 1 : 0, \"a\")\n"
    "plot(b ? 1 : 0, \"b\")\n"
    "plot(c ? 1 : 0, \"c\")\n"
    "plot(d ? 1 : 0, \"d\")\n"
    "plot(e ? 1 : 0, \"e\")\n"
    "plot(f ? 1 : 0, \"f\")\n";
  /* The control: without the guard, big + 1 on bar 0 is
   * 9223372036854775807 + 1 → R0003. */
  static const char unguarded[] =
    "indicator(\"sc\")\n"
    "big = 9223372036854775807 - bar_index\n"
    "e = big + 1 > 0\n"
    "plot(e ? 1 : 0, \"e\")\n";

  g_test_summary ("and / or skip their right side: no call (counted by its log) and no overflow");
  r = run_logged (src, &sink);
  check_const (r, 0, 0);
  check_const (r, 1, 1);
  check_const (r, 2, 1);
  check_const (r, 3, 1);
  check_const (r, 4, 0);
  check_const (r, 5, 1);
  g_assert_cmpuint (sink.texts->len, ==, 2 * N_HAND);
  for (guint i = 0; i < sink.texts->len; i++)
    {
      g_assert_cmpstr (g_ptr_array_index (sink.texts, i), ==, "touched");
      g_assert_cmpint (g_array_index (sink.bars, gint64, i), ==, i / 2);
    }
  log_sink_clear (&sink);

  prog = compile_ok (unguarded);
  run_expect_error (prog, NULL, bars, &e);
  g_assert_cmpstr (e.code, ==, "R0003");
  g_assert_cmpstr (e.message, ==, "integer overflow: 9223372036854775807 + 1");
  g_assert_cmpint (e.bar_index, ==, 0);
}

static void
test_if_else (void)
{
  g_autoptr (Rows) r = NULL;
  /* close: 10 11 12 11 13 15 14 16 18 17
   *   > 15 → 3; else > 11 → 2; else 1:
   *          1  1  2  1  2  2  2  3  3  3 */
  static const char src[] =
    "indicator(\"if\")\n"
    "r = 0\n"
    "if close > 15\n"
    "    r := 3\n"
    "else if close > 11\n"
    "    r := 2\n"
    "else\n"
    "    r := 1\n"
    "plot(r, \"r\")\n";
  static const double want[] = { 1, 1, 2, 1, 2, 2, 2, 3, 3, 3 };

  g_test_summary ("if / else if / else takes exactly one branch");
  r = run_hand (src);
  check_col (r, 0, want, N_HAND);
}

static void
test_for (void)
{
  g_autoptr (Rows) r = NULL;
  /* s: 0 + 2 + 4 + 6 + 8 + 10 = 30 (to is inclusive)
   * d: 3 to 1 counts down: digits 3, 2, 1 → 321
   * e: 5 to 1 by -2: 5, 3, 1 → 531
   * n: 0 to 9 by 3 → 0, 3, 6, 9: four turns
   * m: 0 to close - 10 (runtime bound): close - 9 turns: 1 2 3 2 4 6 5 7 9 8 */
  static const char src[] =
    "indicator(\"for\")\n"
    "s = 0\n"
    "for i = 0 to 10 by 2\n"
    "    s += i\n"
    "d = 0\n"
    "for i = 3 to 1\n"
    "    d := d * 10 + i\n"
    "e = 0\n"
    "for i = 5 to 1 by -2\n"
    "    e := e * 10 + i\n"
    "n = 0\n"
    "for i = 0 to 9 by 3\n"
    "    n += 1\n"
    "m = 0\n"
    "for i = 0 to int(close) - 10\n"
    "    m += 1\n"
    "plot(s, \"s\")\n"
    "plot(d, \"d\")\n"
    "plot(e, \"e\")\n"
    "plot(n, \"n\")\n"
    "plot(m, \"m\")\n";
  static const double m[] = { 1, 2, 3, 2, 4, 6, 5, 7, 9, 8 };

  g_test_summary ("for with by, counting down, and a bound computed per bar");
  r = run_hand (src);
  check_const (r, 0, 30);
  check_const (r, 1, 321);
  check_const (r, 2, 531);
  check_const (r, 3, 4);
  check_col (r, 4, m, N_HAND);
}

static void
test_while (void)
{
  g_autoptr (Rows) r = NULL;
  /* k runs 1..11; at 11 break; even k skipped by continue; n sums the odd
   * ones: 1 + 3 + 5 + 7 + 9 = 25; k ends at 11. */
  static const char src[] =
    "indicator(\"while\")\n"
    "n = 0\n"
    "k = 0\n"
    "while true\n"
    "    k += 1\n"
    "    if k > 10\n"
    "        break\n"
    "    if k % 2 == 0\n"
    "        continue\n"
    "    n += k\n"
    "plot(n, \"n\")\n"
    "plot(k, \"k\")\n";

  g_test_summary ("while true with break and continue");
  r = run_hand (src);
  check_const (r, 0, 25);
  check_const (r, 1, 11);
}

static void
test_functions (void)
{
  g_autoptr (Rows) r = NULL;
  /* fib(10) with fib(0) = 0, fib(1) = 1: 0 1 1 2 3 5 8 13 21 34 55 → 55.
   * sq(close) + 1: 101 122 145 122 170 226 197 257 325 290.
   * hyp(3, 4) = sqrt(9 + 16) = 5. */
  static const char src[] =
    "indicator(\"fn\")\n"
    "fn fib(n: int) -> int\n"
    "    if n < 2\n"
    "        return n\n"
    "    return fib(n - 1) + fib(n - 2)\n"
    "fn sq(x: float) -> float\n"
    "    return x * x\n"
    "fn hyp(a, b)\n"
    "    return math.sqrt(sq(a) + sq(b))\n"
    "plot(fib(10), \"fib\")\n"
    "plot(sq(close) + 1, \"sq\")\n"
    "plot(hyp(3.0, 4.0), \"hyp\")\n";
  static const double sq[] = { 101, 122, 145, 122, 170, 226, 197, 257, 325, 290 };

  g_test_summary ("Recursion with a declared return type (fib (10) = 55), nested calls");
  r = run_hand (src);
  check_const (r, 0, 55);
  check_col (r, 1, sq, N_HAND);
  check_const (r, 2, 5);
}

static void
test_call_site_state (void)
{
  g_autoptr (Rows) r = NULL;
  /* avg is ta.sma(x, 3); each call site keeps its own window.
   *   a = avg(close): na na (10+11+12)/3 = 11, 34/3, 36/3 = 12, 39/3 = 13,
   *                   42/3 = 14, 45/3 = 15, 48/3 = 16, 51/3 = 17
   *   b = avg(volume): volume 100 + i → na na 101 102 ... 108 (mean of
   *                    three consecutive integers is the middle one)
   * A shared window would mix closes and volumes. */
  static const char src[] =
    "indicator(\"site\")\n"
    "fn avg(x: float) -> float\n"
    "    return ta.sma(x, 3)\n"
    "a = avg(close)\n"
    "b = avg(volume)\n"
    "plot(a, \"a\")\n"
    "plot(b, \"b\")\n";
  const double a[] = { NA, NA, 11, 34.0 / 3, 12, 13, 14, 15, 16, 17 };
  static const double b[] = { NA, NA, 101, 102, 103, 104, 105, 106, 107, 108 };

  g_test_summary ("A function with ta.sma called from two sites keeps two independent states");
  r = run_hand (src);
  check_col (r, 0, a, N_HAND);
  check_col (r, 1, b, N_HAND);
}

static void
test_compound_assign_once (void)
{
  g_autoptr (Rows) r = NULL;
  g_autoptr (QlProgram) prog = NULL;
  /* t += ta.sma(close, 3) runs its value once per bar: one call site.
   * SMA3 of 10 11 12 11 13: na na 11 34/3 12, so t is 0 0 11 11+34/3 ... */
  static const char src[] =
    "indicator(\"c\")\n"
    "var t = 0.0\n"
    "t += nz(ta.sma(close, 3))\n"
    "plot(t, \"t\")\n";

  g_test_summary ("A compound assignment compiles its value once (one ta.* call site)");
  prog = compile_ok (src);
  g_assert_nonnull (strstr (ql_program_explain (prog), "ta.* call sites: 1\n"));
  r = run_hand (src);
  g_assert_cmpfloat (cell (r, 0, 0), ==, 0);
  g_assert_cmpfloat (cell (r, 1, 0), ==, 0);
  g_assert_cmpfloat (cell (r, 2, 0), ==, 11);
  g_assert_cmpfloat (cell (r, 3, 0), ==, 11 + 34.0 / 3);
}

static void
test_var_in_function (void)
{
  g_autoptr (Rows) r = NULL;
  /* A var inside a function lives across bars, one per call site:
   * counter(1) is 1 2 3 ..., counter(10) is 10 20 30 ...; last(close)
   * returns the close of the bar before (na on the first): its var holds
   * the previous call's value when the line runs. */
  static const char src[] =
    "indicator(\"fv\")\n"
    "fn counter(step: int) -> int\n"
    "    var n = 0\n"
    "    n += step\n"
    "    return n\n"
    "fn last(x: float) -> float\n"
    "    var prev: float = na\n"
    "    out = prev\n"
    "    prev := x\n"
    "    return out\n"
    "plot(counter(1), \"c1\")\n"
    "plot(counter(10), \"c10\")\n"
    "plot(last(close), \"last\")\n";

  g_test_summary ("var inside a function keeps its value across bars, one per call site");
  r = run_hand (src);
  for (guint i = 0; i < N_HAND; i++)
    {
      g_assert_cmpfloat (cell (r, i, 0), ==, i + 1.0);
      g_assert_cmpfloat (cell (r, i, 1), ==, 10.0 * (i + 1));
      if (i == 0)
        g_assert_true (isnan (cell (r, i, 2)));
      else
        g_assert_cmpfloat (cell (r, i, 2), ==, hand_close[i - 1]);
    }
}

static void
test_var (void)
{
  g_autoptr (Rows) r = NULL;
  /* var n starts at 0 on the first bar and gains 1 per bar: bar_index + 1.
   * A plain m = 0; m += 1 is 1 on every bar. var hi keeps the highest close
   * so far: 10 11 12 12 13 15 15 16 18 18. */
  static const char src[] =
    "indicator(\"var\")\n"
    "var n = 0\n"
    "n += 1\n"
    "m = 0\n"
    "m += 1\n"
    "var hi = 0.0\n"
    "hi := math.max(hi, close)\n"
    "plot(n, \"n\")\n"
    "plot(bar_index, \"bi\")\n"
    "plot(m, \"m\")\n"
    "plot(hi, \"hi\")\n";
  static const double hi[] = { 10, 11, 12, 12, 13, 15, 15, 16, 18, 18 };

  g_test_summary ("var is initialised once and advances once per bar: n = bar_index + 1");
  r = run_hand (src);
  for (guint i = 0; i < N_HAND; i++)
    {
      g_assert_cmpfloat (cell (r, i, 0), ==, i + 1.0);
      g_assert_cmpfloat (cell (r, i, 1), ==, (double) i);
    }
  check_const (r, 2, 1);
  check_col (r, 3, hi, N_HAND);
}

static void
test_history (void)
{
  g_autoptr (Rows) r = NULL;
  /* v = close * 2: 20 22 24 22 26 30 28 32 36 34
   *   v[1]: na 20 22 24 22 26 30 28 32 36
   *   v[2]: na na 20 22 24 22 26 30 28 32
   *   (close + 1)[2]: na na 11 12 13 12 14 16 15 17
   *   close[3]: na na na 10 11 12 11 13 15 14 (before the first bar: na)
   *   high[1] - low[1]: na then 2 */
  static const char src[] =
    "indicator(\"hist\")\n"
    "v = close * 2\n"
    "plot(v[1], \"v1\")\n"
    "plot(v[2], \"v2\")\n"
    "plot((close + 1)[2], \"e2\")\n"
    "plot(close[3], \"c3\")\n"
    "plot(high[1] - low[1], \"r1\")\n";
  static const double v1[] = { NA, 20, 22, 24, 22, 26, 30, 28, 32, 36 };
  static const double v2[] = { NA, NA, 20, 22, 24, 22, 26, 30, 28, 32 };
  static const double e2[] = { NA, NA, 11, 12, 13, 12, 14, 16, 15, 17 };
  static const double c3[] = { NA, NA, NA, 10, 11, 12, 11, 13, 15, 14 };
  static const double r1[] = { NA, 2, 2, 2, 2, 2, 2, 2, 2, 2 };

  g_test_summary ("History of a variable, of an expression and of a bar field; na before the first bar");
  r = run_hand (src);
  check_col (r, 0, v1, N_HAND);
  check_col (r, 1, v2, N_HAND);
  check_col (r, 2, e2, N_HAND);
  check_col (r, 3, c3, N_HAND);
  check_col (r, 4, r1, N_HAND);
}

static void
test_lookback_runtime (void)
{
  g_autoptr (Rows) r = NULL;
  /* k = bar_index % 3 → 0 1 2 0 1 2 0 1 2 0; close[k] is the close of bar
   * i - k: bars 0 0 0 3 3 3 6 6 6 9 → 10 10 10 11 11 11 14 14 14 17.
   * The same on a variable: w = close + 100, w[k] = close[k] + 100. */
  static const char src[] =
    "indicator(\"lb\")\n"
    "lookback(close, 5)\n"
    "w = close + 100\n"
    "lookback(w, 4)\n"
    "k = bar_index % 3\n"
    "plot(close[k], \"ck\")\n"
    "plot(w[k], \"wk\")\n";
  static const double ck[] = { 10, 10, 10, 11, 11, 11, 14, 14, 14, 17 };
  static const double wk[] = { 110, 110, 110, 111, 111, 111, 114, 114, 114, 117 };

  g_test_summary ("A runtime history offset under a declared lookback()");
  r = run_hand (src);
  check_col (r, 0, ck, N_HAND);
  check_col (r, 1, wk, N_HAND);
}

static void
test_tuple_macd (void)
{
  g_autoptr (QlProgram) prog = NULL;
  g_autoptr (QlSeries) bars = random_bars (7, 60);
  g_autoptr (Rows) r = NULL;
  g_autoptr (QlIndicator) ind = NULL;
  double *cols[3];
  /* m, s, h name the three outputs in order: the engine's macd, signal and
   * hist; and by definition h = m - s wherever both are set. */
  static const char src[] =
    "indicator(\"macd\")\n"
    "m, s, h = ta.macd(close, 3, 5, 2)\n"
    "plot(m, \"m\")\n"
    "plot(s, \"s\")\n"
    "plot(h, \"h\")\n"
    "plot(h - (m - s), \"zero\")\n";

  g_test_summary ("A tuple from ta.macd binds macd, signal and hist in order");
  prog = compile_ok (src);
  r = run_prog (prog, NULL, bars);
  ind = ql_indicator_new ("macd(3,5,2)", NULL);
  g_assert_nonnull (ind);
  for (guint k = 0; k < 3; k++)
    cols[k] = g_new (double, bars->len);
  ql_indicator_batch (ind, bars, cols);
  for (guint k = 0; k < 3; k++)
    {
      check_col (r, k, cols[k], (guint) bars->len);
      g_free (cols[k]);
    }
  for (guint i = 0; i < n_rows (r); i++)
    {
      if (isnan (cell (r, i, 1)))
        continue;
      g_assert_cmpfloat (cell (r, i, 3), ==, 0);
    }
  /* docs/indicators.md: all three start together at slow-1+signal-1 =
   * 4 + 1 = bar 5. */
  for (guint k = 0; k < 3; k++)
    {
      g_assert_true (isnan (cell (r, 4, k)));
      g_assert_false (isnan (cell (r, 5, k)));
    }
}

static void
test_strings (void)
{
  LogSink sink;
  g_autoptr (Rows) r = NULL;
  /* "c=" + str(close) + ...: str of a float with an integral value prints
   * no decimals ("10"); of 1.25 "1.25"; of an int "3"; of a bool "true".
   * "ab" + "c" == "abc" is true. */
  static const char src[] =
    "indicator(\"str\")\n"
    "s = \"ab\" + \"c\"\n"
    "log.info(\"c=\" + str(close) + \" i=\" + str(bar_index) + \" f=\" + str(1.25) + \" b=\" + str(close > 12))\n"
    "plot(s == \"abc\" ? 1 : 0, \"eq\")\n";
  static const char *const want[] = {
    "c=10 i=0 f=1.25 b=false", "c=11 i=1 f=1.25 b=false", "c=12 i=2 f=1.25 b=false",
    "c=11 i=3 f=1.25 b=false", "c=13 i=4 f=1.25 b=true",  "c=15 i=5 f=1.25 b=true",
    "c=14 i=6 f=1.25 b=true",  "c=16 i=7 f=1.25 b=true",  "c=18 i=8 f=1.25 b=true",
    "c=17 i=9 f=1.25 b=true",
  };

  g_test_summary ("String concatenation and str () of float, int and bool");
  r = run_logged (src, &sink);
  check_const (r, 0, 1);
  g_assert_cmpuint (sink.texts->len, ==, N_HAND);
  for (guint i = 0; i < N_HAND; i++)
    g_assert_cmpstr (g_ptr_array_index (sink.texts, i), ==, want[i]);
  log_sink_clear (&sink);
}

static const char inputs_src[] =
  "indicator(\"inputs\")\n"
  "len = input.int(3, \"Length\", min = 1, max = 10)\n"
  "mult = input.float(1.0, \"Mult\", min = 0.5, max = 4.0)\n"
  "flip = input.bool(false, \"Flip\")\n"
  "mode = input.string(\"a\", \"Mode\", options = [\"a\", \"b\"])\n"
  "x = ta.sma(close, len) * mult\n"
  "plot(flip ? -x : x, \"x\")\n"
  "plot(mode == \"b\" ? 1 : 0, \"mode\")\n";

static void
test_inputs (void)
{
  g_autoptr (QlProgram) prog = compile_ok (inputs_src);
  g_autoptr (QlSeries) bars = hand_bars ();

  g_test_summary ("Inputs: defaults, --param style values, and the messages for bad ones");
  g_assert_cmpuint (ql_program_get_n_inputs (prog), ==, 4);
  g_assert_cmpstr (ql_program_get_input (prog, 0)->name, ==, "len");
  g_assert_cmpstr (ql_program_get_input (prog, 0)->title, ==, "Length");
  g_assert_cmpfloat (ql_program_get_input (prog, 0)->def, ==, 3);
  g_assert_cmpfloat (ql_program_get_input (prog, 0)->min, ==, 1);
  g_assert_cmpfloat (ql_program_get_input (prog, 0)->max, ==, 10);
  {
    /* Defaults: sma 3 times 1.0: na na 11 34/3 12 13 14 15 16 17. */
    g_autoptr (Rows) r = run_prog (prog, NULL, bars);
    const double want[] = { NA, NA, 11, 34.0 / 3, 12, 13, 14, 15, 16, 17 };
    check_col (r, 0, want, N_HAND);
    check_const (r, 1, 0);
  }
  {
    /* len=2 mult=2 flip=true mode=b: -(close + close[1]) / 2 * 2 =
     * -(close + close[1]): na -21 -23 -23 -24 -28 -29 -30 -34 -35. */
    static const char *const params[] = { "len=2", "mult=2", "flip=true", "mode=b", NULL };
    g_autoptr (Rows) r = run_prog (prog, params, bars);
    static const double want[] = { NA, -21, -23, -23, -24, -28, -29, -30, -34, -35 };
    check_col (r, 0, want, N_HAND);
    check_const (r, 1, 1);
  }
  {
    static const struct { const char *param; const char *msg; } bad[] = {
      { "length=5", "the script has no input 'length' (its inputs: len, mult, flip, mode)" },
      { "len=11", "input 'len' must be between 1 and 10, got 11" },
      { "len=0", "input 'len' must be between 1 and 10, got 0" },
      { "len=abc", "input 'len' must be an integer, got 'abc'" },
      { "len=2.5", "input 'len' must be an integer, got '2.5'" },
      { "mult=x", "input 'mult' must be a number, got 'x'" },
      { "mult=5", "input 'mult' must be between 0.5 and 4, got 5" },
      { "flip=yes", "input 'flip' must be true or false, got 'yes'" },
      { "mode=c", "input 'mode' must be one of a, b, got 'c'" },
      { "len", "parameter 'len' needs a value: len=VALUE" },
    };
    for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        const char *params[] = { bad[i].param, NULL };
        g_autoptr (GError) error = NULL;
        g_autoptr (QlScriptInstance) inst = ql_script_instance_new (prog, params, NULL, &error);
        g_assert_null (inst);
        g_assert_error (error, QL_SCRIPT_ERROR, QL_SCRIPT_ERROR_INPUT);
        g_assert_cmpstr (error->message, ==, bad[i].msg);
      }
  }
}

static void
test_plots (void)
{
  g_autoptr (QlProgram) prog = NULL;
  g_autoptr (Rows) r = NULL;
  g_autoptr (QlSeries) bars = hand_bars ();
  /* Columns: "c" (plot), "hl" twice (band: upper high, lower low), "lvl"
   * (hline, 12.5 on every bar), "m" (mark: the close where close > 14,
   * else empty), "h" (hist close - 12), and "plot5" for the untitled plot
   * (the sixth plot call, numbered from 0) — its value is close[1]. */
  static const char src[] =
    "indicator(\"plots\", overlay = true)\n"
    "plot(close, \"c\", color = #ff0000)\n"
    "band(high, low, \"hl\")\n"
    "hline(12.5, \"lvl\")\n"
    "mark(close > 14, \"m\")\n"
    "hist(close - 12, \"h\")\n"
    "plot(close[1])\n";
  static const double hi[] = { 11, 12, 13, 12, 14, 16, 15, 17, 19, 18 };
  static const double lo[] = { 9, 10, 11, 10, 12, 14, 13, 15, 17, 16 };
  static const double m[] = { NA, NA, NA, NA, NA, 15, NA, 16, 18, 17 };
  static const double h[] = { -2, -1, 0, -1, 1, 3, 2, 4, 6, 5 };
  static const double p5[] = { NA, 10, 11, 12, 11, 13, 15, 14, 16, 18 };

  g_test_summary ("plot, band (two columns), hline, mark, hist: titles, kinds, colours and values");
  prog = compile_ok (src);
  g_assert_cmpuint (ql_program_get_n_plots (prog), ==, 6);
  g_assert_cmpuint (ql_program_get_n_columns (prog), ==, 7);
  g_assert_cmpstr (ql_program_get_title (prog), ==, "plots");
  g_assert_cmpstr (ql_program_get_plot (prog, 0)->title, ==, "c");
  g_assert_cmpint (ql_program_get_plot (prog, 0)->kind, ==, 0);
  g_assert_cmpuint (ql_program_get_plot (prog, 0)->color, ==, 0xff0000ffu);
  g_assert_cmpint (ql_program_get_plot (prog, 1)->kind, ==, 2);
  g_assert_cmpuint (ql_program_get_plot (prog, 1)->column, ==, 1);
  g_assert_cmpint (ql_program_get_plot (prog, 2)->kind, ==, 1);
  g_assert_cmpuint (ql_program_get_plot (prog, 2)->column, ==, 3);
  g_assert_cmpint (ql_program_get_plot (prog, 3)->kind, ==, 4);
  g_assert_cmpint (ql_program_get_plot (prog, 4)->kind, ==, 3);
  g_assert_cmpstr (ql_program_get_column_name (prog, 0), ==, "c");
  g_assert_cmpstr (ql_program_get_column_name (prog, 3), ==, "lvl");
  g_assert_cmpstr (ql_program_get_column_name (prog, 4), ==, "m");
  g_assert_cmpstr (ql_program_get_column_name (prog, 5), ==, "h");
  g_assert_cmpstr (ql_program_get_column_name (prog, 6), ==, "plot5");
  r = run_prog (prog, NULL, bars);
  check_col (r, 0, hand_close, N_HAND);
  check_col (r, 1, hi, N_HAND);
  check_col (r, 2, lo, N_HAND);
  check_const (r, 3, 12.5);
  check_col (r, 4, m, N_HAND);
  check_col (r, 5, h, N_HAND);
  check_col (r, 6, p5, N_HAND);
  /* band()'s doc (dsl/builtins.c): two columns, title.upper and title.lower. */
  g_assert_cmpstr (ql_program_get_column_name (prog, 1), ==, "hl.upper");
  g_assert_cmpstr (ql_program_get_column_name (prog, 2), ==, "hl.lower");
}


/* ---- 2. every ta.* against the engine ------------------------------------- */

/* The script expression for a series argument of a ta.* row, by its name in
 * the signature: the engine's default source for each (vwap's source is
 * hlc3, highest's high and lowest's low; correl's b is volume; the other a/b pairs compare close and open;
 * conditions are close > open). */
static const char *
ta_arg_expr (const QlTaBind *b, const char *arg)
{
  if (g_str_equal (arg, "source"))
    {
      if (g_str_equal (b->name, "vwap"))
        return "hlc3";
      if (g_str_has_prefix (b->name, "highest"))
        return "high";
      if (g_str_has_prefix (b->name, "lowest"))
        return "low";
      return "close";
    }
  if (g_str_equal (arg, "a"))
    return "close";
  if (g_str_equal (arg, "b"))
    return g_str_equal (b->name, "correl") ? "volume" : "open";
  if (g_str_equal (arg, "condition"))
    return "close > open";
  g_assert_true (g_str_equal (arg, "high") || g_str_equal (arg, "low") || g_str_equal (arg, "close")
                 || g_str_equal (arg, "volume"));
  return arg;
}

/* "indicator(...)\no0, o1 = ta.NAME(in0, in1)\nplot(o0, "o0")..." calling
 * the row with its series inputs and every parameter left to its default. */
static char *
ta_script (const QlTaBind *b)
{
  GString *s = g_string_new ("indicator(\"ta\")\n");
  const char *open = strchr (b->signature, '(');
  g_autofree char *inner = g_strndup (open + 1, strstr (b->signature, ") -> ") - open - 1);
  g_auto (GStrv) args = g_strsplit (inner, ", ", -1);
  gboolean is_bool = g_str_has_suffix (b->signature, "-> series bool");

  for (guint k = 0; k < b->n_outputs; k++)
    g_string_append_printf (s, "%so%u", k ? ", " : "", k);
  g_string_append_printf (s, " = ta.%s(", b->name);
  for (guint k = 0; k < b->n_inputs; k++)
    {
      g_autofree char *name = g_strndup (args[k], strchr (args[k], ':') - args[k]);
      g_string_append_printf (s, "%s%s", k ? ", " : "", ta_arg_expr (b, name));
    }
  g_string_append (s, ")\n");
  for (guint k = 0; k < b->n_outputs; k++)
    g_string_append_printf (s, is_bool ? "plot(o%u ? 1 : 0, \"o%u\")\n" : "plot(o%u, \"o%u\")\n", k, k);
  return g_string_free (s, FALSE);
}

/* The reference outputs for @b over @bars: the engine's batch for the
 * indicator rows (highestbars/lowestbars: minus the engine's "bars back"
 * output of highest/lowest), and the definitions written out in C for
 * Pine's helpers, which the engine does not have. */
static void
ta_reference (const QlTaBind *b, const QlSeries *bars, double **out)
{
  const double *c = ql_series_f64 (bars, QL_BAR_CLOSE);
  const double *o = ql_series_f64 (bars, QL_BAR_OPEN);
  gsize n = bars->len;
  const char *engine = b->name;
  gboolean offset = FALSE;

  if (g_str_equal (b->name, "highestbars") || g_str_equal (b->name, "lowestbars"))
    {
      engine = b->name[0] == 'h' ? "highest" : "lowest";
      offset = TRUE;
    }
  if (g_str_equal (b->name, "crossover") || g_str_equal (b->name, "crossunder"))
    {
      gboolean over = g_str_equal (b->name, "crossover");
      for (gsize i = 0; i < n; i++)
        out[0][i] = i > 0 && (over ? c[i] > o[i] && c[i - 1] <= o[i - 1]
                                   : c[i] < o[i] && c[i - 1] >= o[i - 1]);
      return;
    }
  if (g_str_equal (b->name, "change"))
    {
      for (gsize i = 0; i < n; i++)
        out[0][i] = i > 0 ? c[i] - c[i - 1] : NAN;
      return;
    }
  if (g_str_equal (b->name, "cum"))
    {
      double sum = 0;
      for (gsize i = 0; i < n; i++)
        out[0][i] = sum += c[i];
      return;
    }
  if (g_str_equal (b->name, "barssince") || g_str_equal (b->name, "valuewhen"))
    {
      gssize last = -1;
      for (gsize i = 0; i < n; i++)
        {
          if (c[i] > o[i])
            last = (gssize) i;
          if (b->name[0] == 'b')
            out[0][i] = last < 0 ? NAN : (double) ((gssize) i - last);
          else
            out[0][i] = last < 0 ? NAN : c[last];
        }
      return;
    }
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (QlIndicator) ind = ql_indicator_new (engine, &error);
    guint no;
    double *cols[8];

    g_assert_no_error (error);
    no = ql_indicator_get_n_outputs (ind);
    g_assert_cmpuint (no, <=, 8);
    for (guint k = 0; k < no; k++)
      cols[k] = g_new (double, n);
    ql_indicator_batch (ind, bars, cols);
    if (offset)
      {
        for (gsize i = 0; i < n; i++)
          out[0][i] = isnan (cols[1][i]) ? NAN : (double) -(gint64) cols[1][i];
      }
    else
      {
        /* The row's outputs are the engine's first ones, in order
         * (highest and lowest also give "bars back", which the rows
         * leave to highestbars and lowestbars). */
        g_assert_cmpuint (no, >=, b->n_outputs);
        for (guint k = 0; k < b->n_outputs; k++)
          memcpy (out[k], cols[k], n * sizeof (double));
      }
    for (guint k = 0; k < no; k++)
      g_free (cols[k]);
  }
}

static void
test_ta_row (gconstpointer data)
{
  const QlTaBind *b = data;
  g_autofree char *src = ta_script (b);
  g_autoptr (QlProgram) prog = NULL;
  g_autoptr (QlSeries) bars = random_bars (20240611, 300);
  g_autoptr (Rows) r = NULL;
  double *want[8];

  g_test_summary ("ta.* with its default parameters, through the compiler and VM, equals the "
                  "engine's batch (or the helper's definition) bit for bit on 300 bars");
  prog = compile_ok (src);
  r = run_prog (prog, NULL, bars);
  g_assert_cmpuint (r->n_cols, ==, b->n_outputs);
  for (guint k = 0; k < b->n_outputs; k++)
    want[k] = g_new (double, bars->len);
  ta_reference (b, bars, want);
  for (guint k = 0; k < b->n_outputs; k++)
    {
      guint defined = 0;
      for (guint i = 0; i < n_rows (r); i++)
        {
          if (!same (cell (r, i, k), want[k][i]))
            g_error ("ta.%s output %u bar %u: script %.17g, reference %.17g\n%s", b->name, k, i,
                     cell (r, i, k), want[k][i], src);
          defined += !isnan (want[k][i]);
        }
      /* The comparison is not vacuous: most bars have a value. */
      g_assert_cmpuint (defined, >, n_rows (r) / 2);
      g_free (want[k]);
    }
}

/* ---- 3. diagnostics ------------------------------------------------------- */

/* Each checker code on a minimal script, with the whole text: message,
 * location, the source line, the caret span (columns counted by hand from
 * the script: for E0404, "x = ta.sma(close, " is 18 bytes, so the span of
 * "lenght = 3" starts at column 19 and is 10 carets long), the hint, and
 * the summary line. */
typedef struct
{
  const char *code;
  const char *src;
  const char *text;
} DiagCase;

static const DiagCase diag_cases[] = {
    { "E0201",
      "indicator(\"t\")\n"
      "y := 1\n",
      "error[E0201]: 'y' is not declared\n"
      " --> t.qls:2:1\n"
      "  |\n"
      "2 | y := 1\n"
      "  | ^\n"
      "  = hint: declare it with y = ...\n"
      "\n"
      "1 error, 0 warnings\n" },
    { "E0202",
      "indicator(\"t\")\n"
      "x = 1\n"
      "x = 2\n",
      "error[E0202]: 'x' is already declared in this scope (line 2)\n"
      " --> t.qls:3:1\n"
      "  |\n"
      "3 | x = 2\n"
      "  | ^\n"
      "  = hint: use := to assign a new value to it\n"
      "\n"
      "1 error, 0 warnings\n" },
    { "E0203",
      "indicator(\"t\")\n"
      "close = 1\n",
      "error[E0203]: 'close' is a builtin and cannot be redeclared\n"
      " --> t.qls:2:1\n"
      "  |\n"
      "2 | close = 1\n"
      "  | ^^^^^\n"
      "  = hint: choose another name\n"
      "\n"
      "1 error, 0 warnings\n" },
    { "E0204",
      "indicator(\"t\")\n"
      "x = ta.sma\n",
      "error[E0204]: 'ta.sma' is a function, not a value\n"
      " --> t.qls:2:5\n"
      "  |\n"
      "2 | x = ta.sma\n"
      "  |     ^^^^^^\n"
      "  = hint: call it with arguments: name(...)\n"
      "\n"
      "1 error, 0 warnings\n" },
    { "E0205",
      "indicator(\"t\")\n"
      "x = foo(1)\n",
      "error[E0205]: unknown function 'foo'\n"
      " --> t.qls:2:5\n"
      "  |\n"
      "2 | x = foo(1)\n"
      "  |     ^^^\n"
      "  = hint: did you mean 'low'?\n"
      "\n"
      "1 error, 0 warnings\n" },
    { "E0206",
      "indicator(\"t\")\n"
      "x = math.foo + 1\n",
      "error[E0206]: unknown name 'math.foo'\n"
      " --> t.qls:2:5\n"
      "  |\n"
      "2 | x = math.foo + 1\n"
      "  |     ^^^^^^^^\n"
      "  = hint: did you mean 'math.floor'?\n"
      "\n"
      "1 error, 0 warnings\n" },
    { "E0207",
      "indicator(\"t\")\n"
      "fn f(a: int) -> int\n"
      "    a := 2\n"
      "    return a\n"
      "plot(f(1), \"f\")\n",
      "error[E0207]: parameter 'a' cannot be assigned\n"
      " --> t.qls:3:5\n"
      "  |\n"
      "3 |     a := 2\n"
      "  |     ^\n"
      "  = hint: copy it into a local variable first\n"
      "\n"
      "1 error, 0 warnings\n" },
    { "E0209",
      "indicator(\"t\")\n"
      "var a, b = 1\n",
      "error[E0209]: var and varip declare one variable at a time\n"
      " --> t.qls:2:1\n"
      "  |\n"
      "2 | var a, b = 1\n"
      "  | ^^^^^^^^^^^^\n"
      "\n"
      "1 error, 0 warnings\n" },
    { "E0210",
      "indicator(\"t\")\n"
      "break\n",
      "error[E0210]: break outside a loop\n"
      " --> t.qls:2:1\n"
      "  |\n"
      "2 | break\n"
      "  | ^^^^^\n"
      "\n"
      "1 error, 0 warnings\n" },
    { "E0211",
      "indicator(\"t\")\n"
      "return 1\n",
      "error[E0211]: return outside a function\n"
      " --> t.qls:2:1\n"
      "  |\n"
      "2 | return 1\n"
      "  | ^^^^^^^^\n"
      "\n"
      "1 error, 0 warnings\n" },
    { "E0212",
      "indicator(\"t\")\n"
      "if close > 1\n"
      "    fn g() -> int\n"
      "        return 1\n",
      "error[E0212]: functions cannot be defined inside blocks\n"
      " --> t.qls:3:5\n"
      "  |\n"
      "3 |     fn g() -> int\n"
      "  |     ^^^^^^^^^^^^^\n"
      "  = hint: define functions at the top level\n"
      "\n"
      "1 error, 0 warnings\n" },
    { "E0213",
      "indicator(\"t\")\n"
      "for i = 0 to 3\n"
      "    var n = 0\n",
      "error[E0213]: var inside a loop\n"
      " --> t.qls:3:5\n"
      "  |\n"
      "3 |     var n = 0\n"
      "  |     ^^^^^^^^^\n"
      "  = hint: declare it before the loop\n"
      "\n"
      "1 error, 0 warnings\n" },
    { "E0215",
      "indicator(\"t\")\n"
      "x = 1.0\n"
      "x[1] := 2.0\n",
      "error[E0215]: only variables and elements of arrays and maps can be assigned\n"
      " --> t.qls:3:1\n"
      "  |\n"
      "3 | x[1] := 2.0\n"
      "  | ^^^^\n"
      "  = hint: history cannot be changed; assign the variable itself\n"
      "\n"
      "1 error, 0 warnings\n" },
    { "E0216",
      "indicator(\"t\")\n"
      "len = input.int(3, \"Len\")\n"
      "len := 4\n",
      "error[E0216]: input 'len' cannot be assigned\n"
      " --> t.qls:3:1\n"
      "  |\n"
      "3 | len := 4\n"
      "  | ^^^\n"
      "  = hint: copy it into a new variable\n"
      "\n"
      "1 error, 0 warnings\n" },
    { "E0301",
      "indicator(\"t\")\n"
      "if close\n"
      "    x = 1\n",
      "error[E0301]: condition must be bool, got float\n"
      " --> t.qls:2:4\n"
      "  |\n"
      "2 | if close\n"
      "  |    ^^^^^\n"
      "  = hint: compare it, e.g. x > 0, or test na(x)\n"
      "\n"
      "1 error, 0 warnings\n" },
    { "E0302",
      "indicator(\"t\")\n"
      "x = \"a\" * 2\n",
      "error[E0302]: operator '*' cannot take string and int\n"
      " --> t.qls:2:5\n"
      "  |\n"
      "2 | x = \"a\" * 2\n"
      "  |     ^^^^^^^\n"
      "  = hint: convert numbers with str(x) to join them to text\n"
      "\n"
      "1 error, 0 warnings\n" },
    { "E0303",
      "indicator(\"t\")\n"
      "x: int = 1.5\n",
      "error[E0303]: 'x' is declared int but the value is float\n"
      " --> t.qls:2:10\n"
      "  |\n"
      "2 | x: int = 1.5\n"
      "  |          ^^^\n"
      "  = hint: convert it: int(x)\n"
      "\n"
      "1 error, 0 warnings\n" },
    { "E0304",
      "indicator(\"t\")\n"
      "x = plot(close)\n",
      "error[E0304]: this expression has no value\n"
      " --> t.qls:2:5\n"
      "  |\n"
      "2 | x = plot(close)\n"
      "  |     ^^^^^^^^^^^\n"
      "\n"
      "1 error, 0 warnings\n" },
    { "E0305",
      "indicator(\"t\")\n"
      "x = na\n",
      "error[E0305]: cannot tell the type of 'x' from na\n"
      " --> t.qls:2:5\n"
      "  |\n"
      "2 | x = na\n"
      "  |     ^^\n"
      "  = hint: write the type: x: float = na\n"
      "\n"
      "1 error, 0 warnings\n" },
    { "E0307",
      "indicator(\"t\")\n"
      "x: decimal = 1\n",
      "error[E0307]: unknown type 'decimal'\n"
      " --> t.qls:2:4\n"
      "  |\n"
      "2 | x: decimal = 1\n"
      "  |    ^^^^^^^\n"
      "  = hint: the types: int, float, bool, string, color, order, symbol, position, array<T>, map<K, V>\n"
      "\n"
      "1 error, 0 warnings\n" },
    { "E0308",
      "indicator(\"t\")\n"
      "b = close == na\n",
      "error[E0308]: comparing with na is always false\n"
      " --> t.qls:2:5\n"
      "  |\n"
      "2 | b = close == na\n"
      "  |     ^^^^^^^^^^^\n"
      "  = hint: use na(x)\n"
      "\n"
      "1 error, 0 warnings\n" },
    { "E0309",
      "indicator(\"t\")\n"
      "x = 9223372036854775807 + 1\n",
      "error[E0309]: integer overflow in a constant expression\n"
      " --> t.qls:2:5\n"
      "  |\n"
      "2 | x = 9223372036854775807 + 1\n"
      "  |     ^^^^^^^^^^^^^^^^^^^^^^^\n"
      "  = hint: use float for values beyond ±9.2e18\n"
      "\n"
      "1 error, 0 warnings\n" },
    { "E0310",
      "indicator(\"t\")\n"
      "a, b = ta.macd(close, 12, 26, 9)\n",
      "error[E0310]: 2 names on the left, but the value has 3\n"
      " --> t.qls:2:1\n"
      "  |\n"
      "2 | a, b = ta.macd(close, 12, 26, 9)\n"
      "  | ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n"
      "\n"
      "1 error, 0 warnings\n" },
    { "E0311",
      "indicator(\"t\")\n"
      "x = close[1.5]\n",
      "error[E0311]: history offset must be int, got float\n"
      " --> t.qls:2:11\n"
      "  |\n"
      "2 | x = close[1.5]\n"
      "  |           ^^^\n"
      "  = hint: history offsets count bars: use an int\n"
      "\n"
      "1 error, 0 warnings\n" },
    { "E0312",
      "indicator(\"t\")\n"
      "x = close[-1]\n",
      "error[E0312]: history offset must be >= 0, got -1\n"
      " --> t.qls:2:11\n"
      "  |\n"
      "2 | x = close[-1]\n"
      "  |           ^^\n"
      "  = hint: use close[1] for the previous bar; a script cannot read the future\n"
      "\n"
      "1 error, 0 warnings\n" },
    { "E0313",
      "indicator(\"t\")\n"
      "k = bar_index % 3\n"
      "x = close[k]\n",
      "error[E0313]: a history offset computed at run time needs a declared lookback\n"
      " --> t.qls:3:11\n"
      "  |\n"
      "3 | x = close[k]\n"
      "  |           ^\n"
      "  = hint: declare a bound first: lookback(close, 500)\n"
      "\n"
      "1 error, 0 warnings\n" },
    { "E0314",
      "indicator(\"t\")\n"
      "n = input.int(3, \"N\")\n"
      "x = close[n]\n",
      "error[E0314]: history offset from input 'n' has no max, so its lookback is unknown\n"
      " --> t.qls:3:11\n"
      "  |\n"
      "3 | x = close[n]\n"
      "  |           ^\n"
      "  = hint: give the input a maximum: input.int(..., max = 500)\n"
      "\n"
      "1 error, 0 warnings\n" },
    { "E0315",
      "indicator(\"t\")\n"
      "x = close[2000000]\n",
      "error[E0315]: history offset 2000000 is too large (at most 1000000)\n"
      " --> t.qls:2:11\n"
      "  |\n"
      "2 | x = close[2000000]\n"
      "  |           ^^^^^^^\n"
      "\n"
      "1 error, 0 warnings\n" },
    { "E0317",
      "indicator(\"t\")\n"
      "s = \"a\"\n"
      "t = s[1]\n",
      "error[E0317]: string has no history\n"
      " --> t.qls:3:5\n"
      "  |\n"
      "3 | t = s[1]\n"
      "  |     ^\n"
      "\n"
      "1 error, 0 warnings\n" },
    { "E0318",
      "indicator(\"t\")\n"
      "k = 0.0\n"
      "for i = 0 to 3\n"
      "    k += (close * i)[1]\n",
      "error[E0318]: history of an expression inside a loop\n"
      " --> t.qls:4:10\n"
      "  |\n"
      "4 |     k += (close * i)[1]\n"
      "  |          ^^^^^^^^^^^^^^\n"
      "  = hint: read the history outside the loop\n"
      "\n"
      "1 error, 0 warnings\n" },
    { "E0319",
      "indicator(\"t\")\n"
      "for i = 0.5 to 3\n"
      "    x = i\n",
      "error[E0319]: for loop bounds and step must be int\n"
      " --> t.qls:2:1\n"
      "  |\n"
      "2 | for i = 0.5 to 3\n"
      "  | ^^^^^^^^^^^^^^^^\n"
      "  = hint: loops count in ints: for i = 0 to n - 1\n"
      "\n"
      "1 error, 0 warnings\n" },
    { "E0402",
      "indicator(\"t\")\n"
      "x = math.abs(1, 2)\n",
      "error[E0402]: math.abs() takes at most 1 argument, got 2\n"
      " --> t.qls:2:17\n"
      "  |\n"
      "2 | x = math.abs(1, 2)\n"
      "  |                 ^\n"
      "\n"
      "1 error, 0 warnings\n" },
    { "E0403",
      "indicator(\"t\")\n"
      "x = math.pow(2)\n",
      "error[E0403]: math.pow() needs its argument 'exponent'\n"
      " --> t.qls:2:5\n"
      "  |\n"
      "2 | x = math.pow(2)\n"
      "  |     ^^^^^^^^^^^\n"
      "\n"
      "1 error, 0 warnings\n" },
    { "E0404",
      "indicator(\"t\")\n"
      "x = ta.sma(close, lenght = 3)\n",
      "error[E0404]: ta.sma() has no parameter 'lenght'\n"
      " --> t.qls:2:19\n"
      "  |\n"
      "2 | x = ta.sma(close, lenght = 3)\n"
      "  |                   ^^^^^^^^^^\n"
      "  = hint: its parameters: source, period\n"
      "\n"
      "1 error, 0 warnings\n" },
    { "E0405",
      "indicator(\"t\")\n"
      "x = ta.sma(close, 3, period = 4)\n",
      "error[E0405]: argument 'period' of ta.sma() is given twice\n"
      " --> t.qls:2:22\n"
      "  |\n"
      "2 | x = ta.sma(close, 3, period = 4)\n"
      "  |                      ^^^^^^^^^^\n"
      "\n"
      "1 error, 0 warnings\n" },
    { "E0406",
      "indicator(\"t\")\n"
      "x = ta.sma(source = close, 3)\n",
      "error[E0406]: positional argument after a named one in ta.sma()\n"
      " --> t.qls:2:28\n"
      "  |\n"
      "2 | x = ta.sma(source = close, 3)\n"
      "  |                            ^\n"
      "  = hint: put positional arguments first\n"
      "\n"
      "1 error, 0 warnings\n" },
    { "E0407",
      "indicator(\"t\")\n"
      "for i = 0 to 3\n"
      "    x = ta.sma(close, 3)\n",
      "error[E0407]: ta.sma() inside a loop would advance its state several times per bar\n"
      " --> t.qls:3:9\n"
      "  |\n"
      "3 |     x = ta.sma(close, 3)\n"
      "  |         ^^^^^^^^^^^^^^^^\n"
      "  = hint: compute it before the loop; a ta.* call keeps one state per call site\n"
      "\n"
      "1 error, 0 warnings\n" },
    { "E0408",
      "indicator(\"t\")\n"
      "x = math.sqrt(\"a\")\n",
      "error[E0408]: math.sqrt() needs numbers, got string\n"
      " --> t.qls:2:15\n"
      "  |\n"
      "2 | x = math.sqrt(\"a\")\n"
      "  |               ^^^\n"
      "\n"
      "1 error, 0 warnings\n" },
    { "E0409",
      "indicator(\"t\")\n"
      "n = input.int(2, \"N\")\n"
      "x = ta.bbands(close, 20, n)\n",
      "error[E0409]: parameter 'mult' of ta.bbands() is a float; input 'n' is an int\n"
      " --> t.qls:3:26\n"
      "  |\n"
      "3 | x = ta.bbands(close, 20, n)\n"
      "  |                          ^\n"
      "  = hint: declare the input with input.float\n"
      "\n"
      "1 error, 0 warnings\n" },
    { "E0410",
      "indicator(\"t\")\n"
      "n = bar_index + 1\n"
      "x = ta.sma(close, n)\n",
      "error[E0410]: parameter 'period' of ta.sma() must be fixed for the run (const or input), got a series\n"
      " --> t.qls:3:19\n"
      "  |\n"
      "3 | x = ta.sma(close, n)\n"
      "  |                   ^\n"
      "  = hint: use a constant or an input.int / input.float variable\n"
      "\n"
      "1 error, 0 warnings\n" },
    { "E0411",
      "indicator(\"t\")\n"
      "x = ta.sma(close, 0)\n",
      "error[E0411]: ta.sma(): period must be >= 1\n"
      " --> t.qls:2:5\n"
      "  |\n"
      "2 | x = ta.sma(close, 0)\n"
      "  |     ^^^^^^^^^^^^^^^^\n"
      "\n"
      "1 error, 0 warnings\n" },
    { "E0412",
      "indicator(\"t\", overlay = 1)\n"
      "plot(close, str(close))\n",
      "error[E0412]: overlay must be true or false\n"
      " --> t.qls:1:26\n"
      "  |\n"
      "1 | indicator(\"t\", overlay = 1)\n"
      "  |                          ^\n"
      "\n"
      "error[E0412]: the title must be a constant string\n"
      " --> t.qls:2:13\n"
      "  |\n"
      "2 | plot(close, str(close))\n"
      "  |             ^^^^^^^^^^\n"
      "  = hint: write it as a literal: \"text\"\n"
      "\n"
      "2 errors, 0 warnings\n" },
    { "E0413",
      "indicator(\"t\")\n"
      "if close > 1\n"
      "    n = input.int(3, \"N\")\n",
      "error[E0413]: input.int() must be the whole value of a top-level declaration\n"
      " --> t.qls:3:9\n"
      "  |\n"
      "3 |     n = input.int(3, \"N\")\n"
      "  |         ^^^^^^^^^^^^^^^^^\n"
      "  = hint: write name = input.int(...) at the top level\n"
      "\n"
      "1 error, 0 warnings\n" },
    { "E0414",
      "indicator(\"t\")\n"
      "n = input.int(close, \"N\")\n",
      "error[E0414]: the default of input.int() must be a constant int\n"
      " --> t.qls:2:15\n"
      "  |\n"
      "2 | n = input.int(close, \"N\")\n"
      "  |               ^^^^^\n"
      "\n"
      "1 error, 0 warnings\n" },
    { "E0415",
      "indicator(\"t\")\n"
      "n = input.int(30, \"N\", min = 1, max = 10)\n",
      "error[E0415]: the default 30 of input 'n' is outside [1, 10]\n"
      " --> t.qls:2:5\n"
      "  |\n"
      "2 | n = input.int(30, \"N\", min = 1, max = 10)\n"
      "  |     ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n"
      "\n"
      "1 error, 0 warnings\n" },
    { "E0416",
      "indicator(\"t\")\n"
      "fn f(x: float) -> float\n"
      "    return fixnan(x)\n"
      "plot(f(close), \"f\")\n",
      "error[E0416]: fixnan() keeps state: use it at the top level\n"
      " --> t.qls:3:12\n"
      "  |\n"
      "3 |     return fixnan(x)\n"
      "  |            ^^^^^^^^^\n"
      "  = hint: call it at top level\n"
      "\n"
      "1 error, 0 warnings\n" },
    { "E0417",
      "indicator(\"t\")\n"
      "lookback(close, 0)\n",
      "error[E0417]: lookback() needs a constant int between 1 and 1000000\n"
      " --> t.qls:2:17\n"
      "  |\n"
      "2 | lookback(close, 0)\n"
      "  |                 ^\n"
      "\n"
      "1 error, 0 warnings\n" },
    { "E0418",
      "indicator(\"t\")\n"
      "fn f(x: float) -> float\n"
      "    return ta.sma(x, 3)\n"
      "for i = 0 to 2\n"
      "    y = f(close)\n",
      "error[E0418]: f() keeps state (ta.*, history or var) and cannot be called in a loop\n"
      " --> t.qls:5:9\n"
      "  |\n"
      "5 |     y = f(close)\n"
      "  |         ^^^^^^^^\n"
      "  = hint: call it once per bar, outside loops\n"
      "\n"
      "1 error, 0 warnings\n" },
    { "E0419",
      "indicator(\"t\")\n"
      "fn f(x: float) -> float\n"
      "    return ta.sma(x, 3) + f(x)\n"
      "plot(f(close), \"f\")\n",
      "error[E0419]: f() keeps state (ta.*, history or var) and cannot call itself\n"
      " --> t.qls:3:27\n"
      "  |\n"
      "3 |     return ta.sma(x, 3) + f(x)\n"
      "  |                           ^^^^\n"
      "\n"
      "1 error, 0 warnings\n" },
    { "E0420",
      "indicator(\"t\")\n"
      "fn f(n)\n"
      "    if n < 1\n"
      "        return 0\n"
      "    return f(n - 1)\n"
      "plot(f(3), \"f\")\n",
      "error[E0420]: recursive function f() needs a return type\n"
      " --> t.qls:5:12\n"
      "  |\n"
      "5 |     return f(n - 1)\n"
      "  |            ^^^^^^^^\n"
      "  = hint: declare it: fn name(...) -> float\n"
      "\n"
      "1 error, 0 warnings\n" },
    { "E0501",
      "indicator(\"t\")\n"
      "buy(\"L\", 1)\n",
      "error[E0501]: buy() sends orders; an indicator cannot\n"
      " --> t.qls:2:1\n"
      "  |\n"
      "2 | buy(\"L\", 1)\n"
      "  | ^^^^^^^^^^^\n"
      "  = hint: declare strategy(...) instead of indicator(...)\n"
      "\n"
      "1 error, 0 warnings\n" },
    { "E0502",
      "strategy(\"t\")\n"
      "bracket(\"B\", \"long\", 1, entry = 10, take = 12)\n",
      "error[E0502]: a bracket needs both take = and stop =\n"
      " --> t.qls:2:1\n"
      "  |\n"
      "2 | bracket(\"B\", \"long\", 1, entry = 10, take = 12)\n"
      "  | ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n"
      "  = hint: add take = PRICE, stop = PRICE\n"
      "\n"
      "1 error, 0 warnings\n" },
    { "E0503",
      "strategy(\"t\")\n"
      "oco \"g\"\n"
      "    buy(\"a\", 1, limit = 10)\n",
      "error[E0503]: an oco group needs at least two orders, this one has 1\n"
      " --> t.qls:2:1\n"
      "  |\n"
      "2 | oco \"g\"\n"
      "  | ^^^^^^^\n"
      "  = hint: add the other leg, or drop the oco block\n"
      "\n"
      "1 error, 0 warnings\n" },
    { "E0504",
      "strategy(\"t\")\n"
      "bracket(\"B\", \"up\", 1, entry = 10, take = 12, stop = 8)\n",
      "error[E0504]: side must be \"long\" or \"short\"\n"
      " --> t.qls:2:14\n"
      "  |\n"
      "2 | bracket(\"B\", \"up\", 1, entry = 10, take = 12, stop = 8)\n"
      "  |              ^^^^\n"
      "\n"
      "1 error, 0 warnings\n" },
    { "E0505",
      "indicator(\"t\")\n"
      "if close > 1\n"
      "    e = symbol(\"ETH\", \"1h\")\n",
      "error[E0505]: symbol() belongs in a top-level declaration\n"
      " --> t.qls:3:9\n"
      "  |\n"
      "3 |     e = symbol(\"ETH\", \"1h\")\n"
      "  |         ^^^^^^^^^^^^^^^^^^^\n"
      "  = hint: write eth = symbol(\"BINANCE:ETHUSDT\", \"1h\") at the top level\n"
      "\n"
      "1 error, 0 warnings\n" },
    { "E0506",
      "events(\"t\")\n"
      "x = close\n",
      "error[E0506]: 'close' has no value outside an event handler in events mode\n"
      " --> t.qls:2:5\n"
      "  |\n"
      "2 | x = close\n"
      "  |     ^^^^^\n"
      "  = hint: read bars inside event on_bar(s) or on_tick(s)\n"
      "\n"
      "1 error, 0 warnings\n" },
    { "E0507",
      "indicator(\"t\")\n"
      "event on_bar(s)\n"
      "    log.info(\"x\")\n",
      "error[E0507]: event handlers belong in events scripts\n"
      " --> t.qls:2:1\n"
      "  |\n"
      "2 | event on_bar(s)\n"
      "  | ^^^^^^^^^^^^^^^\n"
      "  = hint: declare events(...) to write event handlers\n"
      "\n"
      "1 error, 0 warnings\n" },
    { "E0508",
      "indicator(\"t\")\n"
      "x = equity\n",
      "error[E0508]: 'equity' exists only in strategy and events scripts\n"
      " --> t.qls:2:5\n"
      "  |\n"
      "2 | x = equity\n"
      "  |     ^^^^^^\n"
      "  = hint: declare strategy(...) to read the account\n"
      "\n"
      "1 error, 0 warnings\n" },
    { "E0509",
      "events(\"t\")\n"
      "event on_bar(s)\n"
      "    plot(close, \"c\")\n",
      "error[E0509]: plot() must be at the top level of the script\n"
      " --> t.qls:3:5\n"
      "  |\n"
      "3 |     plot(close, \"c\")\n"
      "  |     ^^^^^^^^^^^^^^^^\n"
      "  = hint: plot at top level, with na on the bars where nothing shows\n"
      "\n"
      "1 error, 0 warnings\n" },
    { "E0510",
      "indicator(\"t\")\n"
      "plot(close, \"c\")\n"
      "plot(open, \"c\")\n",
      "error[E0510]: a plot titled \"c\" already exists\n"
      " --> t.qls:3:1\n"
      "  |\n"
      "3 | plot(open, \"c\")\n"
      "  | ^^^^^^^^^^^^^^^\n"
      "  = hint: give each plot its own title\n"
      "\n"
      "1 error, 0 warnings\n" },
    { "E0512",
      "strategy(\"t\")\n"
      "test \"t1\"\n"
      "    buy(\"a\", 1)\n",
      "error[E0512]: orders cannot be sent from a test block\n"
      " --> t.qls:3:5\n"
      "  |\n"
      "3 |     buy(\"a\", 1)\n"
      "  |     ^^^^^^^^^^^\n"
      "\n"
      "1 error, 0 warnings\n" },
    { "E0513",
      "events(\"t\")\n"
      "log.info(\"x\")\n",
      "error[E0513]: an events script holds declarations, functions and event handlers only\n"
      " --> t.qls:2:1\n"
      "  |\n"
      "2 | log.info(\"x\")\n"
      "  | ^^^^^^^^^^^^^\n"
      "  = hint: put it inside an event handler: event on_bar(s)\n"
      "\n"
      "1 error, 0 warnings\n" },
    { "W0201",
      "indicator(\"t\")\n"
      "close + 1\n",
      "warning[W0201]: this value is not used\n"
      " --> t.qls:2:1\n"
      "  |\n"
      "2 | close + 1\n"
      "  | ^^^^^^^^^\n"
      "  = hint: assign it (x = ...) or drop the line\n"
      "\n"
      "0 errors, 1 warning\n" },
    { "W0301",
      "indicator(\"t\")\n"
      "b = na(true)\n"
      "plot(close, \"c\")\n",
      "warning[W0301]: bool is never na: na() is always false\n"
      " --> t.qls:2:5\n"
      "  |\n"
      "2 | b = na(true)\n"
      "  |     ^^^^^^^^\n"
      "\n"
      "0 errors, 1 warning\n" },
    { "W0401",
      "indicator(\"t\")\n"
      "x = 0.0\n"
      "if close > 11\n"
      "    x := ta.sma(close, 3)\n"
      "plot(x, \"x\")\n",
      "warning[W0401]: ta.sma() under a condition advances only on the bars where it runs\n"
      " --> t.qls:4:10\n"
      "  |\n"
      "4 |     x := ta.sma(close, 3)\n"
      "  |          ^^^^^^^^^^^^^^^^\n"
      "  = hint: compute it unconditionally and use the result under the condition\n"
      "\n"
      "0 errors, 1 warning\n" },
    { "W0402",
      "indicator(\"t\")\n"
      "fn f(x: float) -> float\n"
      "    return ta.sma(x, 3)\n"
      "y = 0.0\n"
      "if close > 1\n"
      "    y := f(close)\n"
      "plot(y, \"y\")\n",
      "warning[W0402]: f() keeps state and runs only on the bars where this condition holds\n"
      " --> t.qls:6:10\n"
      "  |\n"
      "6 |     y := f(close)\n"
      "  |          ^^^^^^^^\n"
      "\n"
      "0 errors, 1 warning\n" },

};

static void
test_diag_code (gconstpointer data)
{
  const DiagCase *d = data;
  g_autofree char *text = diag_text (d->src, TRUE);
  g_autofree char *prefix = g_strdup_printf ("%s[%s]: ", d->code[0] == 'W' ? "warning" : "error",
                                             d->code);

  g_test_summary ("One diagnostic code on a minimal script, its exact text");
  g_assert_true (g_str_has_prefix (d->text, prefix));
  g_assert_cmpstr (text, ==, d->text);
}

static void
test_diag_option_not_constant (void)
{
  /* "close" starts at column 53 of line 2; the options before it were
   * already copied when it is refused. */
  g_autofree char *text = diag_text ("indicator(\"t\")\nm = input.string(\"fast\", \"Mode\", options = [\"fast\", close])\nplot(1)\n", TRUE);

  g_test_summary ("An option that is not a constant is refused, and the options before it "
                  "are freed (fuzz-run found them leaking)");
  g_assert_cmpstr (text, ==,
                   "error[E0414]: each option must be a constant string\n"
                   " --> t.qls:2:53\n"
                   "  |\n"
                   "2 | m = input.string(\"fast\", \"Mode\", options = [\"fast\", close])\n"
                   "  |                                                     ^^^^^\n"
                   "\n"
                   "1 error, 0 warnings\n");
}

static void
test_diag_warnings_compile (void)
{
  g_test_summary ("Scripts with only warnings compile, and their program runs");
  for (gsize i = 0; i < G_N_ELEMENTS (diag_cases); i++)
    {
      const DiagCase *d = &diag_cases[i];
      g_autoptr (QlDiagList) diags = NULL;
      g_autoptr (QlProgram) prog = NULL;
      g_autoptr (QlSeries) bars = hand_bars ();

      if (d->code[0] != 'W')
        continue;
      diags = ql_diag_list_new ("t.qls", d->src, strlen (d->src));
      prog = ql_program_compile ("t.qls", d->src, strlen (d->src), diags);
      g_assert_nonnull (prog);
      g_assert_cmpuint (diags->n_errors, ==, 0);
      g_assert_cmpuint (diags->n_warnings, ==, 1);
      {
        g_autoptr (Rows) r = run_prog (prog, NULL, bars);
        g_assert_cmpuint (n_rows (r), ==, N_HAND);
      }
    }
}

static void
test_diag_five_errors (void)
{
  /* Five independent mistakes, one per line; each is reported, in order,
   * and nothing else (no cascade). */
  static const char src[] =
    "indicator(\"five\")\n"
    "y := 1\n"
    "x = close[-1]\n"
    "z: int = 1.5\n"
    "w = ta.sma(close, 0)\n"
    "plot(foo(1), \"p\")\n";
  static const char want[] =
    "error[E0201]: 'y' is not declared\n"
    " --> t.qls:2:1\n"
    "  |\n"
    "2 | y := 1\n"
    "  | ^\n"
    "  = hint: declare it with y = ...\n"
    "\n"
    "error[E0312]: history offset must be >= 0, got -1\n"
    " --> t.qls:3:11\n"
    "  |\n"
    "3 | x = close[-1]\n"
    "  |           ^^\n"
    "  = hint: use close[1] for the previous bar; a script cannot read the future\n"
    "\n"
    "error[E0303]: 'z' is declared int but the value is float\n"
    " --> t.qls:4:10\n"
    "  |\n"
    "4 | z: int = 1.5\n"
    "  |          ^^^\n"
    "  = hint: convert it: int(x)\n"
    "\n"
    "error[E0411]: ta.sma(): period must be >= 1\n"
    " --> t.qls:5:5\n"
    "  |\n"
    "5 | w = ta.sma(close, 0)\n"
    "  |     ^^^^^^^^^^^^^^^^\n"
    "\n"
    "error[E0205]: unknown function 'foo'\n"
    " --> t.qls:6:6\n"
    "  |\n"
    "6 | plot(foo(1), \"p\")\n"
    "  |      ^^^\n"
    "  = hint: did you mean 'low'?\n"
    "\n"
    "5 errors, 0 warnings\n";
  g_autoptr (QlDiagList) diags = ql_diag_list_new ("t.qls", src, strlen (src));
  g_autoptr (QlProgram) prog = ql_program_compile ("t.qls", src, strlen (src), diags);
  g_autofree char *text = NULL;

  g_test_summary ("A script with five errors reports all five at once, with no cascade");
  g_assert_null (prog);
  g_assert_cmpuint (diags->n_errors, ==, 5);
  ql_diag_list_sort (diags);
  text = ql_diag_list_to_text (diags, TRUE);
  g_assert_cmpstr (text, ==, want);
}

static void
test_diag_no_cascade_after_e0214 (void)
{
  /* var inside an event handler is E0214; the name it declares should
   * still be known afterwards (poisoned), not reported again as E0201. */
  static const char src[] =
    "events(\"t\")\n"
    "event on_bar(s)\n"
    "    var n = 0\n"
    "    n += 1\n";
  static const char want[] =
    "error[E0214]: var and varip cannot be declared in an event handler\n"
    " --> t.qls:3:5\n"
    "  |\n"
    "3 |     var n = 0\n"
    "  |     ^^^^^^^^^\n"
    "  = hint: declare it at the top level: handlers share the script's variables\n";
  g_autofree char *text = diag_text (src, FALSE);

  g_test_summary ("E0214 (var in an event handler) is reported once, without a cascade on the name");
  g_assert_true (g_str_has_prefix (text, want));
  g_assert_cmpstr (text, ==, want);
}

static void
test_diag_e0107_once (void)
{
  static const char src[] =
    "events(\"t\")\n"
    "event on_bars(s)\n"
    "    log.info(\"x\")\n";
  g_autoptr (QlDiagList) diags = ql_diag_list_new ("t.qls", src, strlen (src));
  g_autoptr (QlProgram) prog = ql_program_compile ("t.qls", src, strlen (src), diags);
  const QlDiag *d;

  g_test_summary ("An unknown event name is E0107, reported once");
  g_assert_null (prog);
  g_assert_cmpuint (diags->n_errors, >=, 1);
  ql_diag_list_sort (diags);
  d = &g_array_index (diags->items, QlDiag, 0);
  g_assert_cmpstr (d->code, ==, "E0107");
  g_assert_cmpstr (d->message, ==, "unknown event 'on_bars'");
  g_assert_cmpuint (d->span.line, ==, 2);
  g_assert_cmpuint (diags->n_errors, ==, 1);
}

/* ---- 4. sandbox ----------------------------------------------------------- */

static void
test_sandbox_endless_loop (void)
{
  g_autoptr (QlProgram) prog = NULL;
  g_autoptr (QlSeries) bars = hand_bars ();
  g_auto (RunError) e1 = { 0 };
  g_auto (RunError) e2 = { 0 };
  /* Bars 0-3 run normally; on bar 4 the loop never ends. */
  static const char src[] =
    "indicator(\"loop\")\n"
    "n = 0\n"
    "if bar_index == 4\n"
    "    while true\n"
    "        n += 1\n"
    "plot(n, \"n\")\n";

  g_test_summary ("An endless while true stops with R0001 on the same bar, with the same message, every time");
  prog = compile_ok (src);
  run_expect_error (prog, NULL, bars, &e1);
  run_expect_error (prog, NULL, bars, &e2);
  g_assert_cmpstr (e1.code, ==, "R0001");
  g_assert_cmpstr (e1.message, ==,
                   "instruction budget of one event exceeded (1000000 instructions): an endless loop?");
  g_assert_cmpint (e1.bar_index, ==, 4);
  g_assert_cmpuint (e1.rows, ==, 4);
  g_assert_cmpuint (e1.line, >=, 4);
  g_assert_cmpuint (e1.line, <=, 5);
  g_assert_nonnull (e1.trace);
  g_assert_nonnull (strstr (e1.trace, "in the script body"));
  g_assert_cmpstr (e2.code, ==, e1.code);
  g_assert_cmpstr (e2.message, ==, e1.message);
  g_assert_cmpint (e2.bar_index, ==, e1.bar_index);
  g_assert_cmpuint (e2.line, ==, e1.line);
  g_assert_cmpuint (e2.col, ==, e1.col);
  g_assert_cmpstr (e2.trace, ==, e1.trace);
}

static void
test_sandbox_recursion (void)
{
  g_autoptr (QlProgram) prog = NULL;
  g_autoptr (QlSeries) bars = hand_bars ();
  g_auto (RunError) e = { 0 };
  static const char src[] =
    "indicator(\"rec\")\n"
    "fn r(n: int) -> int\n"
    "    return r(n + 1) + 1\n"
    "plot(r(0), \"r\")\n";
  g_auto (GStrv) lines = NULL;

  g_test_summary ("Runaway recursion stops with R0007 and a trace from the recursive call to the body");
  prog = compile_ok (src);
  run_expect_error (prog, NULL, bars, &e);
  g_assert_cmpstr (e.code, ==, "R0007");
  g_assert_cmpstr (e.message, ==, "call depth exceeds 256: runaway recursion?");
  g_assert_cmpint (e.bar_index, ==, 0);
  g_assert_cmpuint (e.rows, ==, 0);
  g_assert_cmpuint (e.line, ==, 3);
  /* Innermost first: the call in r (line 3), repeated frames folded, then
   * the call from the body (line 4). */
  g_assert_nonnull (e.trace);
  lines = g_strsplit (e.trace, "\n", -1);
  g_assert_true (g_str_has_prefix (lines[0], "at t.qls:3:"));
  g_assert_true (g_str_has_suffix (lines[0], " in r"));
  g_assert_nonnull (strstr (e.trace, "at t.qls:4:"));
  g_assert_nonnull (strstr (e.trace, "in the script body"));
  /* Folded, not 256 lines. */
  g_assert_cmpuint (g_strv_length (lines), <, 10);
}

static void
test_sandbox_run_budget (void)
{
  g_autoptr (QlProgram) prog = NULL;
  g_autoptr (QlSeries) bars = hand_bars ();
  g_auto (RunError) e1 = { 0 };
  g_auto (RunError) e2 = { 0 };
  QlScriptLimits limits;
  /* 50 turns per bar: some hundreds of instructions; a run budget of 1000
   * ends the run after a few bars, always the same one. */
  static const char src[] =
    "indicator(\"budget\")\n"
    "s = 0\n"
    "for i = 1 to 50\n"
    "    s += i\n"
    "plot(s, \"s\")\n";

  g_test_summary ("A small per-run budget stops with R0002, deterministically");
  ql_script_limits_init (&limits);
  g_assert_cmpuint (limits.max_instructions_per_event, ==, 1000000);
  g_assert_cmpuint (limits.max_instructions_per_run, ==, G_GUINT64_CONSTANT (10000000000));
  g_assert_cmpuint (limits.max_call_depth, ==, 256);
  g_assert_cmpuint (limits.max_memory, ==, 64 * 1024 * 1024);
  limits.max_instructions_per_run = 1000;
  prog = compile_ok (src);
  run_expect_error (prog, &limits, bars, &e1);
  run_expect_error (prog, &limits, bars, &e2);
  g_assert_cmpstr (e1.code, ==, "R0002");
  g_assert_cmpstr (e1.message, ==, "instruction budget of the run exceeded (1000 instructions)");
  g_assert_cmpint (e1.bar_index, >, 0);
  g_assert_cmpint (e1.bar_index, <, N_HAND);
  /* Each bar before the failing one produced its row: s = 1 + ... + 50 = 1275. */
  g_assert_cmpuint (e1.rows, ==, (guint) e1.bar_index);
  g_assert_cmpint (e2.bar_index, ==, e1.bar_index);
  g_assert_cmpstr (e2.message, ==, e1.message);
  {
    /* With the default budget the same script runs to the end. */
    g_autoptr (Rows) r = run_prog (prog, NULL, bars);
    check_const (r, 0, 1275);
  }
}

static gboolean
deadline_now (gpointer data)
{
  guint *calls = data;
  (*calls)++;
  return TRUE;
}

static gboolean
deadline_never (gpointer data)
{
  guint *calls = data;
  (*calls)++;
  return FALSE;
}

static void
test_sandbox_deadline (void)
{
  g_autoptr (QlProgram) prog = NULL;
  g_autoptr (QlSeries) bars = hand_bars ();
  g_auto (RunError) e = { 0 };
  QlScriptLimits limits;
  guint calls = 0;
  /* 100000 turns on each bar: well past the 65536 instructions between two
   * deadline checks. s = 100000 * 100001 / 2 = 5000050000. */
  static const char src[] =
    "indicator(\"deadline\")\n"
    "s = 0\n"
    "for i = 1 to 100000\n"
    "    s += i\n"
    "plot(s, \"s\")\n";

  g_test_summary ("A deadline callback returning TRUE stops with R0004; one returning FALSE changes nothing");
  prog = compile_ok (src);
  ql_script_limits_init (&limits);
  limits.deadline = deadline_now;
  limits.deadline_data = &calls;
  run_expect_error (prog, &limits, bars, &e);
  g_assert_cmpstr (e.code, ==, "R0004");
  g_assert_cmpstr (e.message, ==, "deadline passed: the run took longer than the host allows");
  g_assert_cmpint (e.bar_index, ==, 0);
  g_assert_cmpuint (calls, ==, 1);

  calls = 0;
  limits.deadline = deadline_never;
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (QlScriptInstance) inst = ql_script_instance_new (prog, NULL, &limits, &error);
    g_autoptr (Rows) r = rows_new (1);
    g_assert_no_error (error);
    g_assert_true (ql_script_instance_run_bars (inst, bars, NULL, collect_row, r));
    check_const (r, 0, 5000050000.0);
    g_assert_cmpuint (n_rows (r), ==, N_HAND);
    /* Checked every 65536 instructions: at least once per bar. */
    g_assert_cmpuint (calls, >=, N_HAND);
  }
}

static void
test_sandbox_lookback (void)
{
  g_autoptr (QlProgram) prog = NULL;
  g_autoptr (QlProgram) prog2 = NULL;
  g_autoptr (QlSeries) bars = hand_bars ();
  g_auto (RunError) e = { 0 };
  g_auto (RunError) e2 = { 0 };
  /* k = bar_index: close[k] is the first close (10) while k <= 3; on bar 4
   * the offset 4 passes the declared lookback of 3. */
  static const char src[] =
    "indicator(\"lb\")\n"
    "lookback(close, 3)\n"
    "k = bar_index\n"
    "plot(close[k], \"c\")\n";
  /* The same on a variable with lookback 2: fails on bar 3. */
  static const char src2[] =
    "indicator(\"lb\")\n"
    "w = close + 1\n"
    "lookback(w, 2)\n"
    "k = bar_index\n"
    "plot(w[k], \"w\")\n";

  g_test_summary ("A runtime history offset past its declared lookback stops with R0005");
  prog = compile_ok (src);
  run_expect_error (prog, NULL, bars, &e);
  g_assert_cmpstr (e.code, ==, "R0005");
  g_assert_cmpstr (e.message, ==, "history offset 4 exceeds the lookback of 3 bars; "
                                  "declare a larger one with lookback (close, N)");
  g_assert_cmpint (e.bar_index, ==, 4);
  g_assert_cmpuint (e.rows, ==, 4);
  g_assert_cmpuint (e.line, ==, 4);

  prog2 = compile_ok (src2);
  run_expect_error (prog2, NULL, bars, &e2);
  g_assert_cmpstr (e2.code, ==, "R0005");
  g_assert_cmpstr (e2.message, ==, "history offset 3 of 'w' exceeds its lookback of 2; "
                                   "declare a larger one with lookback (w, N)");
  g_assert_cmpint (e2.bar_index, ==, 3);
  g_assert_cmpuint (e2.line, ==, 5);
}

static void
test_sandbox_host_carries_on (void)
{
  g_autoptr (QlProgram) prog = NULL;
  g_autoptr (QlSeries) bars = hand_bars ();
  g_autoptr (QlSeries) first4 = bars_from_closes (hand_close, 4);
  g_autoptr (GError) error = NULL;
  g_autoptr (QlScriptInstance) inst = NULL;
  g_autoptr (Rows) r = NULL;
  g_autoptr (QlDiagList) diags = NULL;
  g_autofree char *text = NULL;
  /* Fails on bar 4 (endless loop), fine before. */
  static const char src[] =
    "indicator(\"loop\")\n"
    "n = 0\n"
    "if bar_index == 4\n"
    "    while true\n"
    "        n += 1\n"
    "plot(close, \"c\")\n";

  g_test_summary ("After a runtime error the instance reports it, stays stopped, and a new instance runs");
  prog = compile_ok (src);
  inst = ql_script_instance_new (prog, NULL, NULL, &error);
  g_assert_no_error (error);
  r = rows_new (1);
  g_assert_false (ql_script_instance_run_bars (inst, bars, NULL, collect_row, r));
  g_assert_cmpuint (n_rows (r), ==, 4);
  g_assert_cmpstr (ql_script_instance_get_error (inst)->code, ==, "R0001");
  g_assert_cmpint (ql_script_instance_get_error (inst)->time, ==, T0 + 4 * QL_NS_PER_MIN);
  /* The error as a diagnostic: code, message and trace. */
  diags = ql_diag_list_new ("t.qls", src, strlen (src));
  ql_script_instance_report_error (inst, diags);
  g_assert_cmpuint (diags->n_errors, ==, 1);
  text = ql_diag_list_to_text (diags, FALSE);
  g_assert_true (g_str_has_prefix (text, "error[R0001]: instruction budget of one event exceeded"));
  g_assert_nonnull (strstr (text, "in the script body"));
  /* A fresh instance over the first four bars runs to the end. */
  {
    g_autoptr (Rows) r2 = run_prog (prog, NULL, first4);
    check_col (r2, 0, hand_close, 4);
  }
  /* Another program, too. */
  {
    g_autoptr (Rows) r3 = run_hand ("indicator(\"ok\")\nplot(close, \"c\")\n");
    check_col (r3, 0, hand_close, N_HAND);
  }
}

/* ---- 5. strategies in a backtest ------------------------------------------ */

/* Price scale 2: a QlPrice of 1025 is 10.25. */
static void
inst_init (QlInstrument *inst)
{
  g_autoptr (GError) error = NULL;
  g_assert_true (ql_instrument_init (inst, "HAND", &error));
  g_assert_no_error (error);
  inst->price_scale = 2;
}

static QlTimeframe
tf_1m (void)
{
  QlTimeframe t;
  g_autoptr (GError) error = NULL;
  g_assert_true (ql_timeframe_parse ("1m", &t, &error));
  return t;
}

typedef struct
{
  QlInstrument inst;
  QlProgram *prog;
  QlScriptInstance *script;
  QlBacktest *bt;
  Rows *rows;
} StratRun;

static void
strat_run_free (StratRun *r)
{
  ql_backtest_free (r->bt);
  ql_script_instance_free (r->script);
  ql_program_free (r->prog);
  rows_free (r->rows);
  ql_instrument_clear (&r->inst);
  g_free (r);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (StratRun, strat_run_free)

/* Backtests @src over @data (bars, or ticks when @kind says so), one
 * minute bars, capital 100000, no commission, shorts allowed. */
static StratRun *
run_strategy_chunks (const char *src, QlSourceKind kind, const QlSeries *data, gsize chunk_rows);

static StratRun *
run_strategy (const char *src, QlSourceKind kind, const QlSeries *data)
{
  return run_strategy_chunks (src, kind, data, 0);
}

/* The run, the data handed over @chunk_rows rows at a time (0: all); the
 * instrument with @qty_scale and @lot_size (QlQty); the script's log into
 * @sink (NULL: GLib's log). */
static StratRun *
run_strategy_full (const char *src, QlSourceKind kind, const QlSeries *data, gsize chunk_rows,
                   int qty_scale, QlQty lot_size, LogSink *sink);

static StratRun *
run_strategy_chunks (const char *src, QlSourceKind kind, const QlSeries *data, gsize chunk_rows)
{
  return run_strategy_full (src, kind, data, chunk_rows, 0, 1, NULL);
}

static StratRun *
run_strategy_full (const char *src, QlSourceKind kind, const QlSeries *data, gsize chunk_rows,
                   int qty_scale, QlQty lot_size, LogSink *sink)
{
  StratRun *r = g_new0 (StratRun, 1);
  QlRunConfig cfg = { 0 };
  QlRunSymbol sym = { 0 };
  QlStrategy strategy;
  g_autoptr (GError) error = NULL;

  inst_init (&r->inst);
  r->inst.qty_scale = qty_scale;
  r->inst.lot_size = lot_size;
  r->prog = compile_ok (src);
  g_assert_cmpint (ql_program_get_mode (r->prog), ==, QL_MODE_STRATEGY);
  r->script = ql_script_instance_new (r->prog, NULL, NULL, &error);
  g_assert_no_error (error);
  if (sink != NULL)
    {
      sink->texts = g_ptr_array_new_with_free_func (g_free);
      sink->bars = g_array_new (FALSE, FALSE, sizeof (gint64));
      ql_script_instance_set_log_func (r->script, log_collect, sink);
    }
  r->rows = rows_new (ql_program_get_n_columns (r->prog));
  cfg.timeframe = tf_1m ();
  cfg.initial_capital = 100000 * QL_MONEY_ONE;
  cfg.broker.allow_short = TRUE;
  sym.inst = &r->inst;
  sym.kind = kind;
  sym.bar_timeframe = tf_1m ();
  sym.source = ql_source_new_memory (data, chunk_rows);
  r->bt = ql_backtest_new (&cfg, &sym, 1, &error);
  g_assert_no_error (error);
  strategy = ql_script_instance_get_strategy (r->script, collect_row, r->rows);
  g_assert_cmpint (ql_backtest_run (r->bt, &strategy), ==, QL_STATUS_OK);
  if (ql_script_instance_get_error (r->script))
    g_error ("runtime error %s: %s", ql_script_instance_get_error (r->script)->code,
             ql_script_instance_get_error (r->script)->message);
  return r;
}

static const QlOrder *
order_at (const StratRun *r, QlOrderId id)
{
  const QlOrder *o = ql_broker_get_order (ql_backtest_get_broker (r->bt), id);
  g_assert_nonnull (o);
  return o;
}

static guint
n_orders (const StratRun *r)
{
  return ql_broker_get_n_orders (ql_backtest_get_broker (r->bt));
}

/* The hand bars for reference (open = close - 0.5, high = close + 1,
 * low = close - 1); orders sent at a bar's close meet the next bar:
 *   bar:    0     1     2     3     4     5     6     7     8     9
 *   open:  9.5  10.5  11.5  10.5  12.5  14.5  13.5  15.5  17.5  16.5
 *   high:  11    12    13    12    14    16    15    17    19    18
 *   low:    9    10    11    10    12    14    13    15    17    16 */

static void
test_strategy_market (void)
{
  g_autoptr (QlSeries) bars = hand_bars ();
  g_autoptr (StratRun) r = NULL;
  gsize n;
  const QlTrade *t;
  /* buy at bar 1's close → fills at bar 2's open, 11.5; sell at bar 4's
   * close → bar 5's open, 14.5: one long trade, P&L 3.0. */
  static const char src[] =
    "strategy(\"mkt\")\n"
    "if bar_index == 1\n"
    "    buy(\"L\", 1)\n"
    "if bar_index == 4\n"
    "    sell(\"S\", 1)\n"
    "plot(position_size, \"pos\")\n";
  /* position_size at each bar's close: 0 0 1 1 1 0 0 0 0 0 */
  static const double pos[] = { 0, 0, 1, 1, 1, 0, 0, 0, 0, 0 };

  g_test_summary ("Market buy and sell fill at the next bar's open: one trade 11.5 → 14.5");
  r = run_strategy (src, QL_SOURCE_BARS, bars);
  t = ql_backtest_get_trades (r->bt, &n);
  g_assert_cmpuint (n, ==, 1);
  g_assert_cmpint (t[0].side, ==, QL_SIDE_BUY);
  g_assert_cmpfloat (t[0].quantity, ==, 1);
  g_assert_cmpfloat (t[0].entry_price, ==, 11.5);
  g_assert_cmpfloat (t[0].exit_price, ==, 14.5);
  g_assert_cmpfloat (t[0].pnl, ==, 3.0);
  g_assert_cmpint (t[0].entry_time, ==, T0 + 2 * QL_NS_PER_MIN);
  g_assert_cmpint (t[0].exit_time, ==, T0 + 5 * QL_NS_PER_MIN);
  g_assert_cmpuint (n_orders (r), ==, 2);
  g_assert_cmpint (order_at (r, 1)->req.type, ==, QL_ORDER_MARKET);
  g_assert_cmpint (order_at (r, 2)->req.side, ==, QL_SIDE_SELL);
  check_col (r->rows, 0, pos, N_HAND);
}

static void
test_strategy_qty_lots (void)
{
  g_autoptr (QlSeries) bars = hand_bars ();
  LogSink sink;
  gsize n;
  const QlTrade *t;
  /* Lot size 1, quantity scale 0 (whole units):
   *   bar 1: buy 0.5 would round to 0 or 1, buy 1.5 to 2: neither is sent,
   *          no order exists, the log names the quantity and the lot size;
   *   bar 2: buy 2 is whole: fills at bar 3's open, 10.5;
   *   bar 4: sell 2 fills at bar 5's open, 14.5: one trade, 2 x 4.0 = 8.0. */
  static const char src[] =
    "strategy(\"lots\")\n"
    "if bar_index == 1\n"
    "    buy(\"half\", 0.5)\n"
    "    buy(\"odd\", 1.5, limit = 20)\n"
    "if bar_index == 2\n"
    "    buy(\"two\", 2)\n"
    "if bar_index == 4\n"
    "    sell(\"out\", 2)\n"
    "plot(position_size, \"pos\")\n";
  static const double pos[] = { 0, 0, 0, 2, 2, 0, 0, 0, 0, 0 };
  /* Quantity scale 2, lot size 100 (lots of 1.00 unit):
   *   bar 1: buy 0.5 is 50 hundredths: the backtester can hold it but it is
   *          not a multiple of 100: refused as LOT_SIZE (order 1, kept as
   *          REJECTED, so counted), logged with the same words;
   *   bar 1: buy 0.125 has more decimals than the scale: not sent;
   *   bar 2: buy 3 is 300: fills at bar 3's open (order 2). */
  static const char src_lots[] =
    "strategy(\"lots\")\n"
    "if bar_index == 1\n"
    "    buy(\"half\", 0.5)\n"
    "    buy(\"eighth\", 0.125)\n"
    "if bar_index == 2\n"
    "    buy(\"three\", 3)\n"
    "plot(position_size, \"pos\")\n";
  static const double pos_lots[] = { 0, 0, 0, 3, 3, 3, 3, 3, 3, 3 };

  g_test_summary ("An order quantity that is not a whole number of lots is refused and "
                  "logged, never rounded");
  {
    g_autoptr (StratRun) r = run_strategy_full (src, QL_SOURCE_BARS, bars, 0, 0, 1, &sink);

    g_assert_cmpuint (sink.texts->len, ==, 2);
    g_assert_cmpstr (g_ptr_array_index (sink.texts, 0), ==,
                     "order \"half\" not sent: qty 0.5 is not a whole number of lots (lot size 1)");
    g_assert_cmpstr (g_ptr_array_index (sink.texts, 1), ==,
                     "order \"odd\" not sent: qty 1.5 is not a whole number of lots (lot size 1)");
    g_assert_cmpint (g_array_index (sink.bars, gint64, 0), ==, 1);
    g_assert_cmpint (g_array_index (sink.bars, gint64, 1), ==, 1);
    g_assert_cmpuint (n_orders (r), ==, 2);
    g_assert_cmpint (order_at (r, 1)->req.quantity, ==, 2);
    t = ql_backtest_get_trades (r->bt, &n);
    g_assert_cmpuint (n, ==, 1);
    g_assert_cmpfloat (t[0].quantity, ==, 2);
    g_assert_cmpfloat (t[0].entry_price, ==, 10.5);
    g_assert_cmpfloat (t[0].exit_price, ==, 14.5);
    g_assert_cmpfloat (t[0].pnl, ==, 8.0);
    check_col (r->rows, 0, pos, N_HAND);
    log_sink_clear (&sink);
  }
  {
    g_autoptr (StratRun) r = run_strategy_full (src_lots, QL_SOURCE_BARS, bars, 0, 2, 100, &sink);

    g_assert_cmpuint (sink.texts->len, ==, 2);
    g_assert_cmpstr (g_ptr_array_index (sink.texts, 0), ==,
                     "order \"half\" not sent: qty 0.5 is not a whole number of lots (lot size 1)");
    g_assert_cmpstr (g_ptr_array_index (sink.texts, 1), ==,
                     "order \"eighth\" not sent: qty 0.125 is not a whole number of lots (lot size 1)");
    g_assert_cmpuint (n_orders (r), ==, 2);
    g_assert_cmpint (order_at (r, 1)->state, ==, QL_ORDER_REJECTED);
    g_assert_cmpint (order_at (r, 1)->reject, ==, QL_REJECT_LOT_SIZE);
    g_assert_cmpint (order_at (r, 1)->req.quantity, ==, 50);
    g_assert_cmpint (order_at (r, 2)->req.quantity, ==, 300);
    g_assert_cmpint (order_at (r, 2)->state, ==, QL_ORDER_FILLED);
    check_col (r->rows, 0, pos_lots, N_HAND);
    log_sink_clear (&sink);
  }
}

static void
test_strategy_position_of (void)
{
  g_autoptr (QlSeries) bars = hand_bars ();
  g_autoptr (StratRun) r = NULL;
  /* buy 2 at bar 1's close → fills at bar 2's open, 11.5; sell 2 at bar 4's
   * close → bar 5's open, 14.5: realized 2 × 3.0 = 6.0 from bar 5 on.
   * open_orders (0) is 1 at the close of bars 1 and 4 (sent, not filled). */
  static const char src[] =
    "strategy(\"pos\")\n"
    "if bar_index == 1\n"
    "    buy(\"L\", 2)\n"
    "if bar_index == 4\n"
    "    sell(\"S\", 2)\n"
    "p = position(0)\n"
    "plot(p.size, \"size\")\n"
    "plot(p.avg_price, \"avg\")\n"
    "plot(position(0).realized, \"realized\")\n"
    "plot(open_orders(0), \"open\")\n"
    "fn held(q: position) -> float\n"
    "    return q.size\n"
    "plot(held(p), \"held\")\n"
    "var h: order = na\n"
    "if bar_index == 0\n"
    "    o = buy(\"probe\", 3, limit = 1)\n"
    "    h := o\n"
    "plot(h.qty, \"h.qty\")\n"
    "plot(h.filled, \"h.filled\")\n"
    "plot(h.side, \"h.side\")\n"
    "me = symbol(\"\")\n"
    "fn closing(x: symbol) -> float\n"
    "    return x.close\n"
    "plot(closing(me), \"closing\")\n"
    "tfi = input.timeframe(\"1m\", \"its timeframe\")\n"
    "again = symbol(\"\", tfi)\n"
    "plot(again.close, \"again\")\n";
  static const double size[] = { 0, 0, 2, 2, 2, 0, 0, 0, 0, 0 };
  static const double realized[] = { 0, 0, 0, 0, 0, 6, 6, 6, 6, 6 };
  static const double open[] = { 0, 1, 0, 0, 1, 0, 0, 0, 0, 0 };

  g_test_summary ("position (s).size/.avg_price/.realized, open_orders (s), a position "
                  "parameter and an order handle's fields");
  r = run_strategy (src, QL_SOURCE_BARS, bars);
  check_col (r->rows, 0, size, N_HAND);
  for (guint i = 0; i < N_HAND; i++)
    if (size[i] == 0)
      g_assert_true (isnan (cell (r->rows, i, 1)));
    else
      g_assert_cmpfloat (cell (r->rows, i, 1), ==, 11.5);
  check_col (r->rows, 2, realized, N_HAND);
  /* the probe (a buy limit at 1, never reached) is sent at bar 0 after
   * open_orders is plotted, and works from then on */
  for (guint i = 0; i < N_HAND; i++)
    g_assert_cmpfloat (cell (r->rows, i, 3), ==, i == 0 ? 0 : open[i] + 1);
  check_col (r->rows, 4, size, N_HAND);
  for (guint i = 0; i < N_HAND; i++)
    {
      g_assert_cmpfloat (cell (r->rows, i, 5), ==, 3);
      g_assert_cmpfloat (cell (r->rows, i, 6), ==, 0);
      g_assert_cmpfloat (cell (r->rows, i, 7), ==, 1);
      /* a symbol parameter: the main series itself, its bar just closed */
      g_assert_cmpfloat (cell (r->rows, i, 8), ==, hand_close[i]);
      /* symbol () with its timeframe from an input */
      g_assert_cmpfloat (cell (r->rows, i, 9), ==, hand_close[i]);
    }
}

static void
test_strategy_limit_stop_exit (void)
{
  g_autoptr (QlSeries) bars = hand_bars ();
  g_autoptr (StratRun) r = NULL;
  gsize n;
  const QlTrade *t;
  /* Sent at bar 1's close:
   *   buy limit 10.25: bar 2's low 11 stays above; bar 3 opens at 10.5
   *   and trades down to 10 → fills at the limit, 10.25.
   *   sell stop 9.25 (short): never reached (lows 10 and up) → still
   *   working at the end; cancelled on bar 8 by cancel("SS").
   * exit("L") at bar 6's close → bar 7's open 15.5: trade 10.25 → 15.5,
   * P&L 5.25.
   * A buy stop 15.25 sent at bar 7 (after the exit): bar 8 opens at 17.5,
   * above the stop → fills at the open, 17.5; exit(all) at bar 8's close
   * → bar 9's open 16.5: P&L -1.0. */
  static const char src[] =
    "strategy(\"lim\")\n"
    "if bar_index == 1\n"
    "    buy(\"L\", 1, limit = 10.25)\n"
    "    sell(\"SS\", 1, stop = 9.25)\n"
    "if bar_index == 6\n"
    "    exit(\"L\")\n"
    "if bar_index == 7\n"
    "    buy(\"B\", 1, stop = 15.25)\n"
    "if bar_index == 8\n"
    "    cancel(\"SS\")\n"
    "    exit(all)\n";

  g_test_summary ("Limit and stop entries, exit by id and exit(all), cancel by id");
  r = run_strategy (src, QL_SOURCE_BARS, bars);
  t = ql_backtest_get_trades (r->bt, &n);
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpfloat (t[0].entry_price, ==, 10.25);
  g_assert_cmpint (t[0].entry_time, ==, T0 + 3 * QL_NS_PER_MIN);
  g_assert_cmpfloat (t[0].exit_price, ==, 15.5);
  g_assert_cmpfloat (t[0].pnl, ==, 5.25);
  g_assert_cmpfloat (t[1].entry_price, ==, 17.5);
  g_assert_cmpfloat (t[1].exit_price, ==, 16.5);
  g_assert_cmpfloat (t[1].pnl, ==, -1.0);
  g_assert_cmpint (order_at (r, 1)->req.type, ==, QL_ORDER_LIMIT);
  g_assert_cmpint (order_at (r, 1)->req.limit_price, ==, 1025);
  g_assert_cmpint (order_at (r, 1)->state, ==, QL_ORDER_FILLED);
  g_assert_cmpint (order_at (r, 2)->req.type, ==, QL_ORDER_STOP);
  g_assert_cmpint (order_at (r, 2)->req.stop_price, ==, 925);
  g_assert_cmpint (order_at (r, 2)->state, ==, QL_ORDER_CANCELLED);
  g_assert_cmpint (order_at (r, 2)->filled, ==, 0);
}

static void
test_strategy_bracket (void)
{
  g_autoptr (QlSeries) bars = hand_bars ();
  g_autoptr (StratRun) r = NULL;
  gsize n;
  const QlTrade *t;
  const QlOrder *entry;
  /* Entry limit 10.25 fills on bar 3 (as above); then the take-profit
   * limit 15.25 and the stop-loss 9.25 are live; bar 5 trades up to 16 →
   * the take fills at 15.25 and the stop is cancelled (one OCO group).
   * open_orders (the broker's live orders: pending, held, working) at each
   * bar's close: bars 1-2: 3 (the entry and its two held legs), bars 3-4:
   * 2 (take and stop), from bar 5: 0. */
  static const char src[] =
    "strategy(\"br\")\n"
    "if bar_index == 1\n"
    "    bracket(\"B\", \"long\", 1, entry = 10.25, take = 15.25, stop = 9.25)\n"
    "plot(open_orders, \"open\")\n"
    "plot(position_size, \"pos\")\n";
  static const double open[] = { 0, 3, 3, 2, 2, 0, 0, 0, 0, 0 };
  static const double pos[] = { 0, 0, 0, 1, 1, 0, 0, 0, 0, 0 };

  g_test_summary ("A bracket: its take and stop legs live after the entry fills; the take fills, the stop is cancelled");
  r = run_strategy (src, QL_SOURCE_BARS, bars);
  t = ql_backtest_get_trades (r->bt, &n);
  g_assert_cmpuint (n, ==, 1);
  g_assert_cmpfloat (t[0].entry_price, ==, 10.25);
  g_assert_cmpfloat (t[0].exit_price, ==, 15.25);
  g_assert_cmpfloat (t[0].pnl, ==, 5.0);
  g_assert_cmpuint (n_orders (r), ==, 3);
  entry = order_at (r, 1);
  g_assert_cmpint (entry->state, ==, QL_ORDER_FILLED);
  g_assert_cmpuint (entry->children[0], !=, 0);
  g_assert_cmpuint (entry->children[1], !=, 0);
  {
    const QlOrder *take = order_at (r, entry->children[0]);
    const QlOrder *stop = order_at (r, entry->children[1]);
    g_assert_cmpuint (take->parent, ==, 1);
    g_assert_cmpint (take->req.limit_price, ==, 1525);
    g_assert_cmpint (take->state, ==, QL_ORDER_FILLED);
    g_assert_cmpint (stop->req.stop_price, ==, 925);
    g_assert_cmpint (stop->state, ==, QL_ORDER_CANCELLED);
  }
  check_col (r->rows, 0, open, N_HAND);
  check_col (r->rows, 1, pos, N_HAND);
}

static void
test_strategy_oco (void)
{
  g_autoptr (QlSeries) bars = hand_bars ();
  g_autoptr (StratRun) r = NULL;
  gsize n;
  const QlTrade *t;
  /* Sent at bar 1: buy stop 15.25 (up) and buy limit 10.25 (dn), one OCO
   * group. Bar 3 trades down to 10 → dn fills at 10.25 and up is
   * cancelled (bar 5, which reaches 16, fills nothing more). exit(all) at
   * bar 6 → bar 7's open 15.5. */
  static const char src[] =
    "strategy(\"oco\")\n"
    "if bar_index == 1\n"
    "    oco \"g\"\n"
    "        buy(\"up\", 1, stop = 15.25)\n"
    "        buy(\"dn\", 1, limit = 10.25)\n"
    "if bar_index == 6\n"
    "    exit(all)\n"
    "plot(position_size, \"pos\")\n";
  static const double pos[] = { 0, 0, 0, 1, 1, 1, 1, 0, 0, 0 };

  g_test_summary ("An oco block: one leg fills, the other is cancelled");
  r = run_strategy (src, QL_SOURCE_BARS, bars);
  t = ql_backtest_get_trades (r->bt, &n);
  g_assert_cmpuint (n, ==, 1);
  g_assert_cmpfloat (t[0].entry_price, ==, 10.25);
  g_assert_cmpfloat (t[0].exit_price, ==, 15.5);
  g_assert_cmpint (order_at (r, 1)->req.type, ==, QL_ORDER_STOP);
  g_assert_cmpint (order_at (r, 1)->state, ==, QL_ORDER_CANCELLED);
  g_assert_cmpint (order_at (r, 2)->req.type, ==, QL_ORDER_LIMIT);
  g_assert_cmpint (order_at (r, 2)->state, ==, QL_ORDER_FILLED);
  g_assert_cmpuint (order_at (r, 1)->req.oco_group, !=, 0);
  g_assert_cmpuint (order_at (r, 1)->req.oco_group, ==, order_at (r, 2)->req.oco_group);
  check_col (r->rows, 0, pos, N_HAND);
}

static void
test_strategy_var_varip_ticks (void)
{
  g_autoptr (QlSeries) ticks = ql_series_new_ticks ();
  g_autoptr (StratRun) r = NULL;
  /* Three one-minute bars of four trades each, at 0, 15, 30 and 45 s.
   * calc = "tick": the body runs on every tick with the forming bar
   * rolled back first, and once more at each bar's close, which commits.
   * var nb += 1 survives only the committing runs: 1, 2, 3 at the closes.
   * varip nt += 1 is never rolled back: it counts every run, the 4 ticks
   * and the close of each bar: 5, 10, 15. */
  static const char src[] =
    "strategy(\"ticks\", calc = \"tick\")\n"
    "var nb = 0\n"
    "varip nt = 0\n"
    "nb += 1\n"
    "nt += 1\n"
    "plot(nb, \"nb\")\n"
    "plot(nt, \"nt\")\n";

  g_test_summary ("calc = \"tick\" over ticks: var counts bars, varip counts every run");
  for (int b = 0; b < 3; b++)
    for (int k = 0; k < 4; k++)
      {
        QlTick t = { 0 };
        t.time = T0 + b * QL_NS_PER_MIN + k * 15 * QL_NS_PER_SEC;
        t.price = 1000 + 10 * (b * 4 + k);
        t.size = 1;
        t.flags = QL_TICK_FLAG_TRADE;
        ql_series_append_tick (ticks, &t);
      }
  r = run_strategy (src, QL_SOURCE_TICKS, ticks);
  g_assert_true (ql_program_get_calc_tick (r->prog));
  g_assert_cmpuint (n_rows (r->rows), ==, 3);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpfloat (cell (r->rows, i, 0), ==, i + 1.0);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpfloat (cell (r->rows, i, 1), ==, 5.0 * (i + 1));
}

static void
test_strategy_live_vs_replay (void)
{
  g_autoptr (QlSeries) ticks = ql_series_new_ticks ();
  g_autoptr (StratRun) live = NULL;
  g_autoptr (StratRun) replay = NULL;
  g_autoptr (StratRun) odd = NULL;
  GRand *rand = g_rand_new_with_seed (11);
  gint64 t = T0, price = 10000;
  gsize n_live, n_replay, n_odd;
  const QlTrade *tl, *tr, *to;
  /* A strategy that acts inside forming bars (calc = "tick"): orders sent
   * from a forming run stay sent. "Live": the ticks arrive one at a time,
   * as a feed would hand them over; "replay": the recorded ticks in one
   * block, and in blocks of 7. Every order and trade must be the same. */
  static const char src[] =
    "strategy(\"live\", calc = \"tick\")\n"
    "f = ta.ema(close, 5)\n"
    "s = ta.ema(close, 20)\n"
    "varip runs = 0\n"
    "runs += 1\n"
    "if close > f and f > s and position_size == 0 and open_orders == 0\n"
    "    buy(\"L\", 1)\n"
    "if close < s and position_size > 0 and open_orders == 0\n"
    "    exit(\"L\")\n"
    "plot(runs, \"runs\")\n";

  g_test_summary ("A simulated live feed (one tick at a time) and a replay of its ticks send the same orders");
  for (int i = 0; i < 3000; i++)
    {
      QlTick tk = { 0 };

      t += (gint64) g_rand_int_range (rand, 1, 30) * QL_NS_PER_SEC;
      price += g_rand_int_range (rand, -6, 7);
      tk.time = t;
      tk.price = price;
      tk.size = 1;
      tk.flags = QL_TICK_FLAG_TRADE;
      ql_series_append_tick (ticks, &tk);
    }
  g_rand_free (rand);
  live = run_strategy_chunks (src, QL_SOURCE_TICKS, ticks, 1);
  replay = run_strategy_chunks (src, QL_SOURCE_TICKS, ticks, 0);
  odd = run_strategy_chunks (src, QL_SOURCE_TICKS, ticks, 7);
  g_assert_cmpuint (n_orders (live), >, 10);
  g_assert_cmpuint (n_orders (live), ==, n_orders (replay));
  g_assert_cmpuint (n_orders (live), ==, n_orders (odd));
  for (guint i = 1; i <= n_orders (live); i++)
    {
      const QlOrder *a = order_at (live, i), *b = order_at (replay, i), *c = order_at (odd, i);

      g_assert_cmpmem (&a->req, sizeof a->req, &b->req, sizeof b->req);
      g_assert_cmpmem (&a->req, sizeof a->req, &c->req, sizeof c->req);
      g_assert_cmpint (a->created, ==, b->created);
      g_assert_cmpint (a->created, ==, c->created);
      g_assert_cmpint (a->state, ==, b->state);
      g_assert_cmpint (a->filled, ==, b->filled);
    }
  tl = ql_backtest_get_trades (live->bt, &n_live);
  tr = ql_backtest_get_trades (replay->bt, &n_replay);
  to = ql_backtest_get_trades (odd->bt, &n_odd);
  g_assert_cmpuint (n_live, >, 3);
  g_assert_cmpmem (tl, n_live * sizeof *tl, tr, n_replay * sizeof *tr);
  g_assert_cmpmem (tl, n_live * sizeof *tl, to, n_odd * sizeof *to);
  /* the plotted run counts (varip, every run) agree bar by bar too */
  g_assert_cmpuint (n_rows (live->rows), ==, n_rows (replay->rows));
  for (guint i = 0; i < n_rows (live->rows); i++)
    g_assert_cmpfloat (cell (live->rows, i, 0), ==, cell (replay->rows, i, 0));
}

static void
test_strategy_deterministic (void)
{
  g_autoptr (QlSeries) bars = random_bars (99, 400);
  g_autoptr (StratRun) a = NULL;
  g_autoptr (StratRun) b = NULL;
  gsize na_, nb_, ea, eb;
  const QlTrade *ta, *tb;
  const QlEquityPoint *qa, *qb;
  static const char src[] =
    "strategy(\"cross\")\n"
    "f = ta.sma(close, 5)\n"
    "s = ta.sma(close, 13)\n"
    "if ta.crossover(f, s)\n"
    "    buy(\"L\", 1)\n"
    "if ta.crossunder(f, s) and position_size > 0\n"
    "    exit(\"L\")\n";

  g_test_summary ("Two runs of one strategy give identical trades and equity, byte for byte");
  /* The random bars are not on the 0.01 grid, but market orders carry no
   * price. */
  a = run_strategy (src, QL_SOURCE_BARS, bars);
  b = run_strategy (src, QL_SOURCE_BARS, bars);
  ta = ql_backtest_get_trades (a->bt, &na_);
  tb = ql_backtest_get_trades (b->bt, &nb_);
  qa = ql_backtest_get_equity (a->bt, &ea);
  qb = ql_backtest_get_equity (b->bt, &eb);
  g_assert_cmpuint (na_, >, 5);
  g_assert_cmpmem (ta, na_ * sizeof *ta, tb, nb_ * sizeof *tb);
  g_assert_cmpmem (qa, ea * sizeof *qa, qb, eb * sizeof *qb);
  g_assert_cmpint (ql_backtest_get_final_equity (a->bt), ==, ql_backtest_get_final_equity (b->bt));
}

/* ---- 6. truncation -------------------------------------------------------- */

static void
test_truncation (void)
{
  static const char *const scripts[] = {
    "indicator(\"a\")\n"
    "m, s, h = ta.macd(close, 12, 26, 9)\n"
    "plot(m, \"m\")\nplot(s, \"s\")\nplot(h, \"h\")\n"
    "plot(ta.rsi(close, 14), \"rsi\")\n",
    "indicator(\"b\")\n"
    "var n = 0\n"
    "n += close > open ? 1 : 0\n"
    "plot(n, \"n\")\n"
    "plot(close[3] - close, \"d3\")\n"
    "plot(fixnan(volume > 0 ? volume : na), \"v\")\n",
    "indicator(\"c\")\n"
    "fn band_mid(x: float) -> float\n"
    "    return (ta.highest(x, 20) + ta.lowest(x, 20)) / 2\n"
    "plot(band_mid(close), \"mid\")\n"
    "plot(ta.vwap(hlc3, volume), \"vwap\")\n"
    "plot(ta.barssince(close > open), \"since\")\n"
    "mark(ta.crossover(close, ta.ema(close, 10)), \"x\")\n",
  };
  g_autoptr (QlSeries) all = random_bars (4242, 200);

  g_test_summary ("The first k rows on k bars equal the first k rows on all bars (no look-ahead)");
  for (gsize j = 0; j < G_N_ELEMENTS (scripts); j++)
    {
      g_autoptr (QlProgram) prog = compile_ok (scripts[j]);
      g_autoptr (Rows) full = run_prog (prog, NULL, all);
      static const gsize ks[] = { 1, 2, 17, 50, 123, 199 };

      g_assert_cmpuint (n_rows (full), ==, all->len);
      for (gsize q = 0; q < G_N_ELEMENTS (ks); q++)
        {
          g_autoptr (QlSeries) part = random_bars (4242, 200);
          g_autoptr (Rows) cut = NULL;
          ql_series_truncate (part, ks[q]);
          cut = run_prog (prog, NULL, part);
          g_assert_cmpuint (n_rows (cut), ==, ks[q]);
          for (guint i = 0; i < ks[q]; i++)
            for (guint c = 0; c < full->n_cols; c++)
              if (!same (cell (cut, i, c), cell (full, i, c)))
                g_error ("script %zu, k = %zu, row %u col %u: %.17g on k bars, %.17g on all", j,
                         ks[q], i, c, cell (cut, i, c), cell (full, i, c));
        }
    }
}

/* ---- main ----------------------------------------------------------------- */

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/dsl/script/golden/arith", test_arith);
  g_test_add_func ("/dsl/script/golden/int-division-is-float", test_int_division_type);
  g_test_add_func ("/dsl/script/golden/int-overflow", test_int_overflow);
  g_test_add_func ("/dsl/script/golden/na", test_na);
  g_test_add_func ("/dsl/script/golden/ternary", test_ternary);
  g_test_add_func ("/dsl/script/golden/short-circuit", test_short_circuit);
  g_test_add_func ("/dsl/script/golden/if-else", test_if_else);
  g_test_add_func ("/dsl/script/golden/for", test_for);
  g_test_add_func ("/dsl/script/golden/while", test_while);
  g_test_add_func ("/dsl/script/golden/functions", test_functions);
  g_test_add_func ("/dsl/script/golden/call-site-state", test_call_site_state);
  g_test_add_func ("/dsl/script/golden/var", test_var);
  g_test_add_func ("/dsl/script/golden/var-in-function", test_var_in_function);
  g_test_add_func ("/dsl/script/golden/compound-assign-once", test_compound_assign_once);
  g_test_add_func ("/dsl/script/golden/history", test_history);
  g_test_add_func ("/dsl/script/golden/lookback-runtime", test_lookback_runtime);
  g_test_add_func ("/dsl/script/golden/tuple-macd", test_tuple_macd);
  g_test_add_func ("/dsl/script/golden/strings", test_strings);
  g_test_add_func ("/dsl/script/golden/inputs", test_inputs);
  g_test_add_func ("/dsl/script/golden/plots", test_plots);
  for (guint i = 0; i < ql_ta_bind_size (); i++)
    {
      g_autofree char *path = g_strdup_printf ("/dsl/script/ta/%s", ql_ta_bind_get (i)->name);
      g_test_add_data_func (path, ql_ta_bind_get (i), test_ta_row);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (diag_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/dsl/script/diag/%s", diag_cases[i].code);
      g_test_add_data_func (path, &diag_cases[i], test_diag_code);
    }
  g_test_add_func ("/dsl/script/diag/warnings-compile", test_diag_warnings_compile);
  g_test_add_func ("/dsl/script/diag/option-not-constant", test_diag_option_not_constant);
  g_test_add_func ("/dsl/script/diag/five-errors", test_diag_five_errors);
  g_test_add_func ("/dsl/script/diag/no-cascade-e0214", test_diag_no_cascade_after_e0214);
  g_test_add_func ("/dsl/script/diag/e0107-once", test_diag_e0107_once);
  g_test_add_func ("/dsl/script/sandbox/endless-loop", test_sandbox_endless_loop);
  g_test_add_func ("/dsl/script/sandbox/recursion", test_sandbox_recursion);
  g_test_add_func ("/dsl/script/sandbox/run-budget", test_sandbox_run_budget);
  g_test_add_func ("/dsl/script/sandbox/deadline", test_sandbox_deadline);
  g_test_add_func ("/dsl/script/sandbox/lookback", test_sandbox_lookback);
  g_test_add_func ("/dsl/script/sandbox/host-carries-on", test_sandbox_host_carries_on);
  g_test_add_func ("/dsl/script/strategy/market", test_strategy_market);
  g_test_add_func ("/dsl/script/strategy/qty-whole-lots", test_strategy_qty_lots);
  g_test_add_func ("/dsl/script/strategy/live-vs-replay", test_strategy_live_vs_replay);
  g_test_add_func ("/dsl/script/strategy/position-of", test_strategy_position_of);
  g_test_add_func ("/dsl/script/strategy/limit-stop-exit-cancel", test_strategy_limit_stop_exit);
  g_test_add_func ("/dsl/script/strategy/bracket", test_strategy_bracket);
  g_test_add_func ("/dsl/script/strategy/oco", test_strategy_oco);
  g_test_add_func ("/dsl/script/strategy/var-varip-ticks", test_strategy_var_varip_ticks);
  g_test_add_func ("/dsl/script/strategy/deterministic", test_strategy_deterministic);
  g_test_add_func ("/dsl/script/truncation", test_truncation);
  return g_test_run ();
}
