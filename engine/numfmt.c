/* engine/numfmt.c — shortest round-trip formatting of doubles.
 *
 * For a finite nonzero x = m * 2^e, the 17 significant decimal digits D17 are
 * floor(x * 10^k + 1/2) for the k that puts the result in [10^16, 10^17).
 * 10^k is kept as a 128-bit mantissa and a binary exponent, computed once at
 * start-up by exact integer steps (relative error below 2^-118 even for
 * |k| = 350), so x * 10^k is known to about 2^-120 relative.
 *
 * Why that is enough: 17 digits are spaced at most 0.9 ulp(x) apart, so the
 * rounded 17-digit value lies within 0.45 ulp + 2^-120 relative of x, inside
 * x's rounding interval of half an ulp: it reads back to x whichever way an
 * exact tie would have gone. Shorter forms (15, then 16 digits) are accepted
 * only when they lie inside that interval too, by a margin far above the
 * error of the scaled product: the half ulp is scaled by the same 10^k, so
 * the check is integer arithmetic on the 128-bit product. A form that is
 * within the margin of the interval's edge is not taken (the 17 digits are),
 * so the output is always exact and almost always shortest. */
#define G_LOG_DOMAIN "ql-engine-numfmt"

#include "engine/numfmt.h"

#include <math.h>
#include <string.h>

#define P10_MIN (-360)
#define P10_MAX 350

typedef unsigned __int128 u128;

typedef struct
{
  u128 mant; /* top bit set */
  int e2;    /* 10^k ~= mant * 2^e2 */
} Pow10;

static Pow10 p10[P10_MAX - P10_MIN + 1];

static int
clz128 (u128 v)
{
  guint64 hi = (guint64) (v >> 64);
  if (hi != 0)
    return __builtin_clzll (hi);
  return 64 + __builtin_clzll ((guint64) v);
}

static void
init_table (void)
{
  Pow10 cur = { (u128) 1 << 127, -127 };

  p10[-P10_MIN] = cur;
  for (int k = 1; k <= P10_MAX; k++)
    {
      /* mant * 10 has at most 132 bits: split it so nothing overflows, then
       * renormalise, truncating the lowest bits. */
      u128 lo = (cur.mant & (((u128) 1 << 64) - 1)) * 10;
      u128 hi = (cur.mant >> 64) * 10 + (lo >> 64);
      /* hi holds bits 64..131 of the product; keep the top 128 of all. */
      int shift = 64 + (128 - clz128 (hi)) - 128;
      u128 full_lo = lo & (((u128) 1 << 64) - 1);
      cur.mant = (hi << (64 - shift)) | (full_lo >> shift);
      cur.e2 += shift;
      p10[k - P10_MIN] = cur;
    }
  cur = (Pow10){ (u128) 1 << 127, -127 };
  for (int k = -1; k >= P10_MIN; k--)
    {
      /* Exact floor of mant / 10, then shift left by z bits, bringing in
       * floor ((r << z) / 10) for the bits that fall below. */
      u128 q = cur.mant / 10;
      u128 r = cur.mant % 10;
      int z = clz128 (q);
      cur.mant = (q << z) + ((r << z) / 10);
      cur.e2 -= z;
      p10[k - P10_MIN] = cur;
    }
}

/* x * 10^k, for x = m * 2^(e - 64) > 0 with the top bit of m set, as
 * *top / 2^*shift (to about 2^-120 relative), and rounded to the nearest
 * integer as the result, which must be below 2^63 for the caller's k. */
static inline guint64
scale (guint64 m, int e, int k, u128 *top_out, int *shift_out)
{
  const Pow10 *p = &p10[k - P10_MIN];
  guint64 phi = (guint64) (p->mant >> 64);
  guint64 plo = (guint64) p->mant;
  /* m * mant, top 128 of 192 bits: the dropped part is below 2^64 units.
   * 10^k = mant * 2^e2, so x * 10^k = m * mant * 2^(e - 64 + e2)
   * ~= top * 2^(e + e2). */
  u128 top = (u128) m * phi + (((u128) m * plo) >> 64);
  int s = -(e + p->e2);
  g_assert (s > 8 && s < 128);
  *top_out = top;
  *shift_out = s;
  return (guint64) ((top >> s) + ((top >> (s - 1)) & 1));
}

static const char digit_pairs[] =
  "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
  "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
  "8081828384858687888990919293949596979899";

/* Writes exactly 8 digits of @v < 10^8 to @out, with leading zeros. */
static inline void
write_8 (guint32 v, char *out)
{
  guint32 hi = v / 10000, lo = v % 10000;
  memcpy (out, digit_pairs + 2 * (hi / 100), 2);
  memcpy (out + 2, digit_pairs + 2 * (hi % 100), 2);
  memcpy (out + 4, digit_pairs + 2 * (lo / 100), 2);
  memcpy (out + 6, digit_pairs + 2 * (lo % 100), 2);
}

static const guint64 p10_u64[] = {
    G_GUINT64_CONSTANT (1),
    G_GUINT64_CONSTANT (10), G_GUINT64_CONSTANT (100), G_GUINT64_CONSTANT (1000),
    G_GUINT64_CONSTANT (10000), G_GUINT64_CONSTANT (100000), G_GUINT64_CONSTANT (1000000),
    G_GUINT64_CONSTANT (10000000), G_GUINT64_CONSTANT (100000000),
    G_GUINT64_CONSTANT (1000000000), G_GUINT64_CONSTANT (10000000000),
    G_GUINT64_CONSTANT (100000000000), G_GUINT64_CONSTANT (1000000000000),
    G_GUINT64_CONSTANT (10000000000000), G_GUINT64_CONSTANT (100000000000000),
    G_GUINT64_CONSTANT (1000000000000000), G_GUINT64_CONSTANT (10000000000000000),
    G_GUINT64_CONSTANT (100000000000000000), G_GUINT64_CONSTANT (1000000000000000000),
};

static inline int
count_digits (guint64 v)
{
  int n = 1;
  while (n < 19 && v >= p10_u64[n])
    n++;
  return n;
}

/* Writes the @n decimal digits of @v (v < 10^n) ending just before @end,
 * right to left, in 32-bit pieces of 8 digits (64-bit division is slow). */
static inline void
write_digits_back (guint64 v, int n, char *end)
{
  char *p = end;
  while (n >= 8)
    {
      p -= 8;
      write_8 ((guint32) (v % 100000000), p);
      v /= 100000000;
      n -= 8;
    }
  guint32 w = (guint32) v;
  if (n >= 4)
    {
      p -= 4;
      memcpy (p, digit_pairs + 2 * (w % 10000 / 100), 2);
      memcpy (p + 2, digit_pairs + 2 * (w % 100), 2);
      w /= 10000;
      n -= 4;
    }
  while (n >= 2)
    {
      p -= 2;
      memcpy (p, digit_pairs + 2 * (w % 100), 2);
      w /= 100;
      n -= 2;
    }
  if (n == 1)
    *--p = (char) ('0' + w);
}

/* TRUE when @cand (in units of the 17-digit scale) lies inside x's rounding
 * interval with margin: x * 10^k = top / 2^s, the interval's half widths are
 * @below and @above in the same units as top. */
static inline gboolean
inside (guint64 cand, u128 top, int s, u128 below, u128 above)
{
  /* Compare at top >> 8 so that cand << (s - 8) fits 128 bits. */
  u128 c = (u128) cand << (s - 8);
  u128 t = top >> 8;
  u128 margin = (u128) 1 << 58; /* >> the product's error of 2^56 units here */
  if (c >= t)
    return c - t + margin < (above >> 8);
  return t - c + margin < (below >> 8);
}

int
ql_format_double (double value,
                  char  *buf)
{
  static gsize initialised = 0;
  char *p = buf;
  guint64 d;
  int nd, exp10, k, shift;
  u128 top;

  if (g_once_init_enter (&initialised))
    {
      init_table ();
      g_once_init_leave (&initialised, 1);
    }

  if (isnan (value))
    return (int) g_strlcpy (buf, "nan", QL_FORMAT_DOUBLE_MAX);
  if (signbit (value))
    {
      *p++ = '-';
      value = -value;
    }
  if (isinf (value))
    {
      strcpy (p, "inf");
      return (int) (p - buf) + 3;
    }
  if (value == 0)
    {
      strcpy (p, "0");
      return (int) (p - buf) + 1;
    }

  /* value = m * 2^(e - 64) with the top bit of m set. */
  guint64 bits;
  memcpy (&bits, &value, sizeof bits);
  int biased = (int) (bits >> 52);
  guint64 frac = bits & ((G_GUINT64_CONSTANT (1) << 52) - 1);
  guint64 m;
  int e, ulp_e;
  if (biased != 0)
    {
      m = (frac | (G_GUINT64_CONSTANT (1) << 52)) << 11;
      e = biased - 1022; /* value = (m / 2^64) * 2^e, m / 2^64 in [0.5, 1) */
      ulp_e = biased - 1075;
    }
  else
    {
      int z = __builtin_clzll (frac); /* subnormal: frac != 0 here */
      m = frac << z;
      e = -1010 - z;
      ulp_e = -1074;
    }
  /* k such that value * 10^k is in [10^16, 10^17): floor (log10 (2) * (e - 1))
   * in integers (78913 / 2^18 ~ log10 (2)), then a correcting step if needed. */
  k = 16 - (((e - 1) * 78913) >> 18);
  for (;;)
    {
      g_assert (k >= P10_MIN && k <= P10_MAX);
      d = scale (m, e, k, &top, &shift);
      if (d >= G_GUINT64_CONSTANT (100000000000000000))
        k--;
      else if (d < G_GUINT64_CONSTANT (10000000000000000))
        k++;
      else
        break;
    }
  exp10 = -k; /* value ~= d * 10^exp10, d has 17 digits */

  /* Shorter forms, taken only when inside the rounding interval. Half an
   * ulp scaled by 10^k is mant(10^k) * 2^(ulp_e - 1 + e2) = mant >> (e - ulp_e
   * + 1) in units of top; below a power of two the gap under x is half. */
  {
    const Pow10 *pk = &p10[k - P10_MIN];
    u128 above = pk->mant >> (e - ulp_e + 1);
    u128 below = (frac == 0 && biased > 1) ? above >> 1 : above;
    guint64 d15 = (d + 50) / 100;
    guint64 d16 = (d + 5) / 10;
    nd = 17;
    if (inside (d15 * 100, top, shift, below, above))
      d = d15, exp10 += 2, nd = 15;
    else if (inside (d16 * 10, top, shift, below, above))
      d = d16, exp10 += 1, nd = 16;
    /* Rounding up may carry into one more digit (99...95 -> 100...0). */
    if (d >= p10_u64[nd])
      nd++;
  }
  while (d % 10 == 0)
    d /= 10, exp10++, nd--;

  /* The decimal point goes after position (nd + exp10) of the digits. */
  int point = nd + exp10;
  if (point > 0 && point <= 21)
    {
      if (exp10 >= 0)
        {
          write_digits_back (d, nd, p + nd);
          p += nd;
          memset (p, '0', exp10);
          p += exp10;
        }
      else
        {
          /* All digits one byte to the right, then the integer digits (few)
           * moved back left to open the gap for the point. */
          write_digits_back (d, nd, p + 1 + nd);
          for (int i = 0; i < point; i++)
            p[i] = p[i + 1];
          p[point] = '.';
          p += nd + 1;
        }
    }
  else if (point <= 0 && point > -6)
    {
      *p++ = '0';
      *p++ = '.';
      memset (p, '0', -point);
      p += -point;
      write_digits_back (d, nd, p + nd);
      p += nd;
    }
  else
    {
      int sci = point - 1;
      char digits[24];
      write_digits_back (d, nd, digits + nd);
      *p++ = digits[0];
      if (nd > 1)
        {
          *p++ = '.';
          memcpy (p, digits + 1, nd - 1);
          p += nd - 1;
        }
      *p++ = 'e';
      if (sci < 0)
        *p++ = '-', sci = -sci;
      char ebuf[8];
      int en = count_digits ((guint64) sci);
      write_digits_back ((guint64) sci, en, ebuf + en);
      memcpy (p, ebuf, en);
      p += en;
    }
  *p = '\0';
  return (int) (p - buf);
}
