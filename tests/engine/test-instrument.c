/* tests/engine/test-instrument.c — symbols, fixed point, trading days. */
#include "engine/instrument.h"

#include <string.h>

static void
test_symbol_normalize (void)
{
  struct { const char *in, *sym, *exch; } ok[] = {
    { "BTC-USDT", "BTCUSDT", "" },
    { "BTC/USDT", "BTCUSDT", "" },
    { "btcusdt", "BTCUSDT", "" },
    { "binance:btc-usdt", "BTCUSDT", "BINANCE" },
    { "BINANCE:BTCUSDT", "BTCUSDT", "BINANCE" },
    { "eur_usd", "EURUSD", "" },
    { "brk.b", "BRK.B", "" },
    { "CME:ES1!", "ES1!", "CME" },
  };
  const char *bad[] = { "", "-/", "BTC$USDT", ":BTC", "A:B:C", "X Y:Z",
                        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" };

  g_test_summary ("Symbols normalise to upper case without separators; junk is an error");
  for (gsize i = 0; i < G_N_ELEMENTS (ok); i++)
    {
      char sym[QL_SYMBOL_MAX], exch[QL_EXCHANGE_MAX];
      g_autoptr (GError) error = NULL;
      g_assert_true (ql_symbol_normalize (ok[i].in, sym, exch, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (sym, ==, ok[i].sym);
      g_assert_cmpstr (exch, ==, ok[i].exch);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      char sym[QL_SYMBOL_MAX], exch[QL_EXCHANGE_MAX];
      g_autoptr (GError) error = NULL;
      g_assert_false (ql_symbol_normalize (bad[i], sym, exch, &error));
      g_assert_error (error, QL_INSTRUMENT_ERROR, QL_INSTRUMENT_ERROR_BAD_SYMBOL);
    }
}

static void
test_fixed_point (void)
{
  QlInstrument inst;

  g_test_summary ("Fixed-point prices convert to the double strtod gives for the same text");
  g_assert_true (ql_instrument_init (&inst, "EURUSD", NULL));
  inst.price_scale = 5;
  g_assert_cmpfloat (ql_price_to_double (&inst, 107219), ==, g_ascii_strtod ("1.07219", NULL));
  g_assert_cmpfloat (ql_price_to_double (&inst, 1), ==, g_ascii_strtod ("0.00001", NULL));
  g_assert_cmpint (ql_price_from_double (&inst, 1.07219), ==, 107219);
  g_assert_cmpint (ql_price_from_double (&inst, -0.00003), ==, -3);
  /* Half away from zero, as llround: 0.5 and 2.5 units up, -2.5 down, and
   * the double just below a half stays below. */
  inst.price_scale = 0;
  g_assert_cmpint (ql_price_from_double (&inst, 0.5), ==, 1);
  g_assert_cmpint (ql_price_from_double (&inst, 2.5), ==, 3);
  g_assert_cmpint (ql_price_from_double (&inst, -2.5), ==, -3);
  g_assert_cmpint (ql_price_from_double (&inst, 0.49999999999999994), ==, 0);
  g_assert_cmpint (ql_price_from_double (&inst, 1e300), ==, G_MAXINT64);
  inst.price_scale = 5;
  inst.qty_scale = 3;
  g_assert_cmpfloat (ql_qty_to_double (&inst, 1500), ==, 1.5);
  g_assert_cmpint (ql_pow10_i64 (18), ==, G_GINT64_CONSTANT (1000000000000000000));
  ql_instrument_clear (&inst);
}

static void
test_civil (void)
{
  gint64 y;
  unsigned m, d;

  g_test_summary ("Civil dates round-trip through day numbers (1970-01-01 is day 0)");
  g_assert_cmpint (ql_days_from_civil (1970, 1, 1), ==, 0);
  g_assert_cmpint (ql_days_from_civil (2000, 3, 1), ==, 11017);
  g_assert_cmpint (ql_days_from_civil (1969, 12, 31), ==, -1);
  for (gint64 z = -800000; z < 800000; z += 997)
    {
      ql_civil_from_days (z, &y, &m, &d);
      g_assert_cmpint (ql_days_from_civil (y, m, d), ==, z);
    }
  ql_civil_from_days (19723, &y, &m, &d); /* 2024-01-01 */
  g_assert_cmpint (y, ==, 2024);
  g_assert_cmpuint (m, ==, 1);
  g_assert_cmpuint (d, ==, 1);
}

static QlTimeNs
utc (int y, int mo, int d, int h, int mi)
{
  return (ql_days_from_civil (y, mo, d) * 86400 + h * 3600 + mi * 60) * QL_NS_PER_SEC;
}

static void
test_trading_day (void)
{
  QlInstrument inst;
  QlTimeNs start, end;
  gint64 label;
  g_autoptr (GError) error = NULL;

  g_test_summary ("Trading days follow the session start in the instrument's zone, across DST");
  g_assert_true (ql_instrument_init (&inst, "SPY", NULL));

  /* UTC, 24 h: the calendar day. */
  ql_instrument_trading_day (&inst, utc (2024, 3, 5, 13, 7), &start, &end, &label);
  g_assert_cmpint (start, ==, utc (2024, 3, 5, 0, 0));
  g_assert_cmpint (end, ==, utc (2024, 3, 6, 0, 0));
  g_assert_cmpint (label, ==, ql_days_from_civil (2024, 3, 5));

  /* New York stock session 09:30: EST is UTC-5 until 2024-03-10 02:00, then
   * EDT, UTC-4. The day of 2024-03-08 starts 14:30 UTC; 2024-03-11 at 13:30. */
  g_assert_true (ql_instrument_set_timezone (&inst, "America/New_York", &error));
  g_assert_true (ql_instrument_set_session (&inst, "09:30-16:00", &error));
  ql_instrument_trading_day (&inst, utc (2024, 3, 8, 15, 0), &start, &end, &label);
  g_assert_cmpint (start, ==, utc (2024, 3, 8, 14, 30));
  g_assert_cmpint (end, ==, utc (2024, 3, 9, 14, 30));
  g_assert_cmpint (label, ==, ql_days_from_civil (2024, 3, 8));
  /* 2024-03-11 13:00 UTC is 09:00 EDT, before the open: still Sunday's day,
   * which began 2024-03-10 09:30 EDT = 13:30 UTC. */
  ql_instrument_trading_day (&inst, utc (2024, 3, 11, 13, 0), &start, &end, &label);
  g_assert_cmpint (start, ==, utc (2024, 3, 10, 13, 30));
  g_assert_cmpint (end, ==, utc (2024, 3, 11, 13, 30));
  /* Saturday 2024-03-09 09:30 EST = 14:30 UTC to Sunday 09:30 EDT = 13:30 UTC:
   * a 23-hour day. */
  ql_instrument_trading_day (&inst, utc (2024, 3, 9, 20, 0), &start, &end, NULL);
  g_assert_cmpint (start, ==, utc (2024, 3, 9, 14, 30));
  g_assert_cmpint (end, ==, utc (2024, 3, 10, 13, 30));

  /* FX: the day opens 17:00 New York and is named after the next date. */
  g_assert_true (ql_instrument_set_session (&inst, "17:00-17:00", &error));
  ql_instrument_trading_day (&inst, utc (2024, 1, 16, 23, 0), &start, &end, &label);
  g_assert_cmpint (start, ==, utc (2024, 1, 16, 22, 0));
  g_assert_cmpint (end, ==, utc (2024, 1, 17, 22, 0));
  g_assert_cmpint (label, ==, ql_days_from_civil (2024, 1, 17));

  g_assert_false (ql_instrument_set_timezone (&inst, "Mars/Olympus", &error));
  g_assert_error (error, QL_INSTRUMENT_ERROR, QL_INSTRUMENT_ERROR_BAD_TIMEZONE);
  g_clear_error (&error);
  g_assert_false (ql_instrument_set_session (&inst, "9:30-16", &error));
  g_assert_error (error, QL_INSTRUMENT_ERROR, QL_INSTRUMENT_ERROR_BAD_SESSION);
  ql_instrument_clear (&inst);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/instrument/symbol/normalize", test_symbol_normalize);
  g_test_add_func ("/engine/instrument/price/fixed-point", test_fixed_point);
  g_test_add_func ("/engine/instrument/calendar/civil-days", test_civil);
  g_test_add_func ("/engine/instrument/session/trading-day", test_trading_day);
  return g_test_run ();
}
