#!/usr/bin/env python3
# tests/engine/ta_reference.py — independent reference values for the
# indicator library (docs/indicators.md).
#
# Every indicator is transcribed here from its published definition: the
# TA-Lib C sources (src/ta_func/ta_*.c: seeding, lookback, division-by-zero
# rules) and TradingView's Pine reference (ta.rma, ta.atr, ta.supertrend,
# the built-in Keltner, Donchian and Ichimoku scripts). The code is kept
# deliberately plain: each windowed value is recomputed from its window,
# with no running sums, so that it checks the C library rather than
# mirroring it. Only the recursive definitions (EMA, Wilder smoothing, SAR,
# supertrend) carry state from one bar to the next, as their definitions do.
#
# Usage: python3 tests/engine/ta_reference.py > tests/engine/ta-expected.h
# The output is deterministic: the input bars come from a fixed LCG.

import math
import sys

NA = None

# ---------------------------------------------------------------- inputs


class Lcg:
    """Numerical Recipes' 32-bit LCG: fixed, portable, no library RNG."""

    def __init__(self, seed):
        self.state = seed

    def next(self):
        self.state = (self.state * 1664525 + 1013904223) % (1 << 32)
        return self.state

    def cents(self, lo, hi):
        """Uniform integer in [lo, hi]."""
        return lo + self.next() % (hi - lo + 1)


NS_PER_SEC = 1_000_000_000
NS_PER_DAY = 86400 * NS_PER_SEC
T_2024_01_01 = 1704067200 * NS_PER_SEC  # 2024-01-01T00:00:00Z


def make_bar(t, o, h, l, c, v):
    """Prices in integer cents -> doubles nearest to the 2-decimal text."""
    assert h >= max(o, c) and l <= min(o, c), (t, o, h, l, c)
    return {"time": t, "open": o / 100, "high": h / 100, "low": l / 100,
            "close": c / 100, "volume": float(v)}


def daily_bars():
    """60 daily bars at 00:00 UTC from 2024-01-01, a random walk near 50.

    Special stretches, so the division-by-zero rules are exercised:
      - bar 12: high == low == open == close (zero range, AD term 0);
      - bars 20-22: close equal to bar 19's close (OBV unchanged, MOM 0);
      - bars 34-39: six identical bars at a price exact in binary (x.50), so
        a 5-bar window of them is flat to the last bit: stoch/willr/cci
        denominators 0, variance 0, MFI flows 0, KAMA efficiency 0/0;
      - bar 47: volume 0.
    """
    rng = Lcg(20240101)
    bars = []
    close = 5000
    for i in range(60):
        t = T_2024_01_01 + i * NS_PER_DAY
        if 34 <= i <= 39:
            if i == 34:
                # At least 0.50 away from bar 33's close, exact in binary.
                flat = (close // 100) * 100 + 150
            o = h = l = c = flat
        elif i == 12:
            o = h = l = c = close + 37
        else:
            o = close + rng.cents(-40, 40)
            if 20 <= i <= 22:
                c = close
            elif i == 40:
                c = close - 87
            else:
                c = close + rng.cents(-150, 150)
            h = max(o, c) + rng.cents(0, 90)
            l = min(o, c) - rng.cents(0, 90)
        v = 1000 + rng.cents(0, 9000)
        if i == 47:
            v = 0
        bars.append(make_bar(t, o, h, l, c, v))
        close = c
    return bars


def intraday_bars():
    """5-minute bars over 3 UTC days (2024-01-01 .. 03): each day has bars
    00:00-00:55 and 23:00-23:55, so consecutive bars cross midnight (where
    vwap and pivots restart) and a gap sits inside each day. The first two
    bars of 2024-01-02 and the first of 2024-01-03 have volume 0, so the
    session VWAP is NA until volume arrives."""
    rng = Lcg(777)
    bars = []
    close = 2000
    for day in range(3):
        for minute in list(range(0, 60, 5)) + list(range(23 * 60, 24 * 60, 5)):
            t = T_2024_01_01 + day * NS_PER_DAY + minute * 60 * NS_PER_SEC
            o = close + rng.cents(-5, 5)
            c = close + rng.cents(-25, 25)
            h = max(o, c) + rng.cents(0, 12)
            l = min(o, c) - rng.cents(0, 12)
            v = 10 + rng.cents(0, 490)
            if (day == 1 and minute in (0, 5)) or (day == 2 and minute == 0):
                v = 0
            bars.append(make_bar(t, o, h, l, c, v))
            close = c
    return bars


# ---------------------------------------------------------------- helpers


def col(bars, name):
    return [b[name] for b in bars]


def source(bars, name):
    h, l, c, o = col(bars, "high"), col(bars, "low"), col(bars, "close"), col(bars, "open")
    if name in ("open", "high", "low", "close", "volume"):
        return col(bars, name)
    if name == "hl2":
        return [(h[i] + l[i]) / 2 for i in range(len(bars))]
    if name == "hlc3":
        return [(h[i] + l[i] + c[i]) / 3 for i in range(len(bars))]
    if name == "ohlc4":
        return [(o[i] + h[i] + l[i] + c[i]) / 4 for i in range(len(bars))]
    raise ValueError(name)


def window(x, i, n):
    """x[i-n+1 .. i], or None when it reaches before 0 or holds an NA."""
    if i - n + 1 < 0:
        return None
    w = x[i - n + 1:i + 1]
    if any(v is NA for v in w):
        return None
    return w


def mean(w):
    return sum(w) / len(w)


def mask_before(x, start):
    return [NA if i < start else x[i] for i in range(len(x))]


def first_valid(x):
    for i, v in enumerate(x):
        if v is not NA:
            return i
    return len(x)


# --------------------------------------------------------- moving averages


def sma(x, n):
    out = []
    for i in range(len(x)):
        w = window(x, i, n)
        out.append(NA if w is None else mean(w))
    return out


def ema(x, n, k=None, seed_at=None):
    """TA-Lib EMA (default compatibility) and Pine ta.ema: the first value,
    at the end of the first full window, is the SMA of that window; then
    e = (x - e) * k + e with k = 2 / (n + 1). @seed_at moves the first value
    later (MACD's fast EMA), still seeded with the SMA of the n inputs
    ending there."""
    if k is None:
        k = 2.0 / (n + 1)
    start = first_valid(x) + n - 1 if seed_at is None else seed_at
    out = [NA] * len(x)
    if start >= len(x):
        return out
    e = mean(window(x, start, n))
    out[start] = e
    for i in range(start + 1, len(x)):
        e = (x[i] - e) * k + e
        out[i] = e
    return out


def rma(x, n):
    """Pine ta.rma: alpha = 1/n, seeded with the SMA of the first n inputs."""
    alpha = 1.0 / n
    start = first_valid(x) + n - 1
    out = [NA] * len(x)
    if start >= len(x):
        return out
    r = mean(window(x, start, n))
    out[start] = r
    for i in range(start + 1, len(x)):
        r = alpha * x[i] + (1 - alpha) * r
        out[i] = r
    return out


def wma(x, n):
    out = []
    for i in range(len(x)):
        w = window(x, i, n)
        if w is None:
            out.append(NA)
        else:
            # weights 1 (oldest) .. n (newest)
            out.append(sum((j + 1) * w[j] for j in range(n)) / (n * (n + 1) / 2))
    return out


def dema(x, n):
    e1 = ema(x, n)
    e2 = ema(e1, n)
    return [NA if e2[i] is NA else 2 * e1[i] - e2[i] for i in range(len(x))]


def tema(x, n):
    e1 = ema(x, n)
    e2 = ema(e1, n)
    e3 = ema(e2, n)
    return [NA if e3[i] is NA else 3 * e1[i] - 3 * e2[i] + e3[i] for i in range(len(x))]


def trima(x, n):
    if n % 2 == 1:
        a = b = (n + 1) // 2
    else:
        a, b = n // 2, n // 2 + 1
    return sma(sma(x, a), b)


def kama(x, n):
    """TA-Lib KAMA. At t >= n: er = |x[t] - x[t-n]| / sum of |x[j] - x[j-1]|
    for j in t-n+1..t (1 when that sum is 0, as TA-Lib's
    'sumROC1 <= periodROC || TA_IS_ZERO(sumROC1)' gives);
    sc = (er * (2/3 - 2/31) + 2/31)^2; the KAMA before index n is x[n-1]."""
    fast, slow = 2.0 / 3.0, 2.0 / 31.0
    out = [NA] * len(x)
    prev = x[n - 1]
    for t in range(n, len(x)):
        change = x[t] - x[t - n]
        volatility = sum(abs(x[j] - x[j - 1]) for j in range(t - n + 1, t + 1))
        if volatility == 0 or volatility <= change:
            er = 1.0
        else:
            er = abs(change / volatility)
        sc = (er * (fast - slow) + slow) ** 2
        prev = (x[t] - prev) * sc + prev
        out[t] = prev
    return out


def hma(x, n):
    half = wma(x, n // 2)
    full = wma(x, n)
    diff = [NA if full[i] is NA else 2 * half[i] - full[i] for i in range(len(x))]
    return wma(diff, math.isqrt(n))


def vwma(x, v, n):
    out = []
    for i in range(len(x)):
        w = window(x, i, n)
        if w is None:
            out.append(NA)
            continue
        wv = v[i - n + 1:i + 1]
        sv = sum(wv)
        out.append(NA if sv == 0 else sum(w[j] * wv[j] for j in range(n)) / sv)
    return out


# ------------------------------------------------------------ oscillators


def rsi(x, n):
    """TA-Lib RSI: averages of the first n gains and losses (diffs 1..n),
    then Wilder: avg = (avg * (n-1) + today) / n. 0 when both are 0."""
    out = [NA] * len(x)
    start = first_valid(x)
    if start + n >= len(x):
        return out
    gain = loss = 0.0
    for j in range(start + 1, start + n + 1):
        d = x[j] - x[j - 1]
        if d < 0:
            loss -= d
        else:
            gain += d
    gain /= n
    loss /= n
    out[start + n] = 0.0 if gain + loss == 0 else 100.0 * gain / (gain + loss)
    for j in range(start + n + 1, len(x)):
        d = x[j] - x[j - 1]
        gain = (gain * (n - 1) + (d if d > 0 else 0.0)) / n
        loss = (loss * (n - 1) + (-d if d < 0 else 0.0)) / n
        out[j] = 0.0 if gain + loss == 0 else 100.0 * gain / (gain + loss)
    return out


def fast_k(h, l, c, n):
    out = []
    for i in range(len(c)):
        wh, wl = window(h, i, n), window(l, i, n)
        if wh is None or wl is None or c[i] is NA:
            out.append(NA)
            continue
        hh, ll = max(wh), min(wl)
        out.append(0.0 if hh == ll else 100.0 * (c[i] - ll) / (hh - ll))
    return out


def stoch(h, l, c, k, sk, sd):
    slowk = sma(fast_k(h, l, c, k), sk)
    slowd = sma(slowk, sd)
    start = k - 1 + sk - 1 + sd - 1
    return mask_before(slowk, start), mask_before(slowd, start)


def stochf(h, l, c, k, d):
    fk = fast_k(h, l, c, k)
    fd = sma(fk, d)
    start = first_valid(c) + k - 1 + d - 1
    return mask_before(fk, start), mask_before(fd, start)


def stochrsi(x, n, k, d):
    r = rsi(x, n)
    return stochf(r, r, r, k, d)


def macd(x, fast, slow, signal):
    """TA-Lib MACD: the slow EMA is seeded at slow-1 with the SMA of the
    first slow inputs; the fast EMA is seeded on the same bar with the SMA
    of the fast inputs ending there (TA-Lib's seeding quirk); the signal
    EMA of the MACD line is seeded with the SMA of its first signal values.
    All three outputs start at slow-1 + signal-1."""
    ef = ema(x, fast, seed_at=slow - 1)
    es = ema(x, slow)
    line = [NA if es[i] is NA else ef[i] - es[i] for i in range(len(x))]
    sig = ema(line, signal)
    start = slow - 1 + signal - 1
    hist = [NA if sig[i] is NA else line[i] - sig[i] for i in range(len(x))]
    return mask_before(line, start), mask_before(sig, start), mask_before(hist, start)


def ppo(x, fast, slow):
    f, s = sma(x, fast), sma(x, slow)
    out = []
    for i in range(len(x)):
        if s[i] is NA:
            out.append(NA)
        else:
            out.append(0.0 if s[i] == 0 else 100.0 * (f[i] - s[i]) / s[i])
    return out


def roc(x, n):
    return [NA if i < n else (0.0 if x[i - n] == 0 else 100.0 * (x[i] / x[i - n] - 1.0))
            for i in range(len(x))]


def mom(x, n):
    return [NA if i < n else x[i] - x[i - n] for i in range(len(x))]


def cci(h, l, c, n):
    tp = [(h[i] + l[i] + c[i]) / 3 for i in range(len(c))]
    out = []
    for i in range(len(c)):
        w = window(tp, i, n)
        if w is None:
            out.append(NA)
            continue
        m = mean(w)
        md = mean([abs(v - m) for v in w])
        out.append(0.0 if md == 0 else (tp[i] - m) / (0.015 * md))
    return out


def willr(h, l, c, n):
    out = []
    for i in range(len(c)):
        wh, wl = window(h, i, n), window(l, i, n)
        if wh is None:
            out.append(NA)
            continue
        hh, ll = max(wh), min(wl)
        out.append(0.0 if hh == ll else -100.0 * (hh - c[i]) / (hh - ll))
    return out


def mfi(h, l, c, v, n):
    """TA-Lib MFI: over the n bars ending at i, a bar's money flow tp*v is
    positive when tp rose from the previous bar, negative when it fell,
    neither when equal; 100 * pos / (pos + neg), 0 when both are 0."""
    tp = [(h[i] + l[i] + c[i]) / 3 for i in range(len(c))]
    out = [NA] * len(c)
    for i in range(n, len(c)):
        pos = neg = 0.0
        for j in range(i - n + 1, i + 1):
            if tp[j] > tp[j - 1]:
                pos += tp[j] * v[j]
            elif tp[j] < tp[j - 1]:
                neg += tp[j] * v[j]
        out[i] = 0.0 if pos + neg == 0 else 100.0 * pos / (pos + neg)
    return out


def obv(c, v):
    out = [v[0]]
    for i in range(1, len(c)):
        if c[i] > c[i - 1]:
            out.append(out[-1] + v[i])
        elif c[i] < c[i - 1]:
            out.append(out[-1] - v[i])
        else:
            out.append(out[-1])
    return out


def ad(h, l, c, v):
    out = []
    acc = 0.0
    for i in range(len(c)):
        if h[i] > l[i]:
            acc += ((c[i] - l[i]) - (h[i] - c[i])) / (h[i] - l[i]) * v[i]
        out.append(acc)
    return out


def adosc(h, l, c, v, fast, slow):
    """TA-Lib ADOSC: both EMAs of AD start from AD[0] (no SMA seed) and are
    updated on every later bar; output from max(fast, slow) - 1."""
    a = ad(h, l, c, v)
    kf, ks = 2.0 / (fast + 1), 2.0 / (slow + 1)
    ef = es = a[0]
    out = [NA] * len(c)
    start = max(fast, slow) - 1
    for i in range(1, len(c)):
        ef = kf * a[i] + (1 - kf) * ef
        es = ks * a[i] + (1 - ks) * es
        if i >= start:
            out[i] = ef - es
    return out


def true_range(h, l, c, i):
    return max(h[i], c[i - 1]) - min(l[i], c[i - 1])


def dm(h, l, i):
    """Wilder's one-bar +DM and -DM as TA-Lib classifies them."""
    up = h[i] - h[i - 1]
    down = l[i - 1] - l[i]
    plus = up if (up > 0 and up > down) else 0.0
    minus = down if (down > 0 and up < down) else 0.0
    return plus, minus


def adx(h, l, c, n):
    """TA-Lib ADX/PLUS_DI/MINUS_DI. The smoothed +DM, -DM and TR start as
    plain sums of bars 1..n-1; from bar n on, S = S - S/n + today. DI is
    100 * S(DM) / S(TR) from bar n (0 when S(TR) is 0). DX from bar n; the
    first ADX, at 2n-1, is the mean of the DX of bars n..2n-1 (a DX with a
    zero denominator counts 0); then ADX = (ADX*(n-1) + DX)/n, unchanged on
    a bar whose DX has a zero denominator."""
    m = len(c)
    pdi, mdi, adx_out = [NA] * m, [NA] * m, [NA] * m
    sp = sum(dm(h, l, i)[0] for i in range(1, n))
    sm = sum(dm(h, l, i)[1] for i in range(1, n))
    st = sum(true_range(h, l, c, i) for i in range(1, n))
    dxs = []
    prev_adx = None
    for i in range(n, m):
        p, q = dm(h, l, i)
        sp = sp - sp / n + p
        sm = sm - sm / n + q
        st = st - st / n + true_range(h, l, c, i)
        if st == 0:
            pdi[i] = mdi[i] = 0.0
            dx = None
        else:
            pdi[i] = 100.0 * (sp / st)
            mdi[i] = 100.0 * (sm / st)
            s = pdi[i] + mdi[i]
            dx = None if s == 0 else 100.0 * (abs(mdi[i] - pdi[i]) / s)
        if i < 2 * n - 1:
            dxs.append(0.0 if dx is None else dx)
        elif i == 2 * n - 1:
            dxs.append(0.0 if dx is None else dx)
            prev_adx = sum(dxs) / n
            adx_out[i] = prev_adx
        else:
            if dx is not None:
                prev_adx = (prev_adx * (n - 1) + dx) / n
            adx_out[i] = prev_adx
    return adx_out, pdi, mdi


def aroon(h, l, n):
    """TA-Lib AROON over the n+1 bars ending at i; ties go to the most
    recent bar."""
    m = len(h)
    up, down = [NA] * m, [NA] * m
    for i in range(n, m):
        hi_idx = lo_idx = i - n
        for j in range(i - n, i + 1):
            if h[j] >= h[hi_idx]:
                hi_idx = j
            if l[j] <= l[lo_idx]:
                lo_idx = j
        up[i] = 100.0 * (n - (i - hi_idx)) / n
        down[i] = 100.0 * (n - (i - lo_idx)) / n
    return up, down


def sar(h, l, accel, maximum):
    """TA-Lib SAR, transcribed from ta_SAR.c: the direction for bar 1 comes
    from the one-bar -DM between bars 0 and 1 (short when -DM > 0); the
    first SAR is bar 0's low (long) or high (short), the first extreme
    point bar 1's high (long) or low (short)."""
    m = len(h)
    out = [NA] * m
    if accel > maximum:
        accel = maximum
    af = accel
    _, minus = dm(h, l, 1)
    is_long = not (minus > 0)
    if is_long:
        ep, s = h[1], l[0]
    else:
        ep, s = l[1], h[0]
    new_low, new_high = l[1], h[1]
    for i in range(1, m):
        prev_low, prev_high = new_low, new_high
        new_low, new_high = l[i], h[i]
        if is_long:
            if new_low <= s:
                is_long = False
                s = max(ep, prev_high, new_high)
                out[i] = s
                af = accel
                ep = new_low
                s = s + af * (ep - s)
                s = max(s, prev_high, new_high)
            else:
                out[i] = s
                if new_high > ep:
                    ep = new_high
                    af = min(af + accel, maximum)
                s = s + af * (ep - s)
                s = min(s, prev_low, new_low)
        else:
            if new_high >= s:
                is_long = True
                s = min(ep, prev_low, new_low)
                out[i] = s
                af = accel
                ep = new_high
                s = s + af * (ep - s)
                s = min(s, prev_low, new_low)
            else:
                out[i] = s
                if new_low < ep:
                    ep = new_low
                    af = min(af + accel, maximum)
                s = s + af * (ep - s)
                s = max(s, prev_high, new_high)
    return out


# ------------------------------------------------------------- volatility


def trange(h, l, c):
    return [NA] + [true_range(h, l, c, i) for i in range(1, len(c))]


def atr(h, l, c, n):
    """TA-Lib ATR: first value at bar n = mean of the true ranges of bars
    1..n; then (ATR * (n-1) + TR) / n."""
    out = [NA] * len(c)
    a = mean([true_range(h, l, c, i) for i in range(1, n + 1)])
    out[n] = a
    for i in range(n + 1, len(c)):
        a = (a * (n - 1) + true_range(h, l, c, i)) / n
        out[i] = a
    return out


def natr(h, l, c, n):
    a = atr(h, l, c, n)
    return [NA if a[i] is NA else (0.0 if c[i] == 0 else 100.0 * a[i] / c[i])
            for i in range(len(c))]


def tv_atr(h, l, c, n):
    """Pine ta.atr: true range with high - low on the first bar, then ta.rma."""
    tr = [h[0] - l[0]] + [true_range(h, l, c, i) for i in range(1, len(c))]
    return rma(tr, n)


def pvar(w):
    m = mean(w)
    return mean([(v - m) ** 2 for v in w])


def var(x, n):
    return [NA if window(x, i, n) is None else pvar(window(x, i, n)) for i in range(len(x))]


def stddev(x, n, mult):
    return [NA if v is NA else mult * math.sqrt(v) for v in var(x, n)]


def bbands(x, n, mult):
    mid = sma(x, n)
    sd = stddev(x, n, 1.0)
    up = [NA if mid[i] is NA else mid[i] + mult * sd[i] for i in range(len(x))]
    lo = [NA if mid[i] is NA else mid[i] - mult * sd[i] for i in range(len(x))]
    return up, mid, lo


def kc(h, l, c, src, n, mult, atr_n):
    mid = ema(src, n)
    a = tv_atr(h, l, c, atr_n)
    up, lo = [], []
    for i in range(len(c)):
        if mid[i] is NA or a[i] is NA:
            up.append(NA)
            lo.append(NA)
        else:
            up.append(mid[i] + mult * a[i])
            lo.append(mid[i] - mult * a[i])
    return up, [NA if up[i] is NA else mid[i] for i in range(len(c))], lo


def donchian(h, l, n):
    up, mid, lo = [], [], []
    for i in range(len(h)):
        wh, wl = window(h, i, n), window(l, i, n)
        if wh is None:
            up.append(NA)
            mid.append(NA)
            lo.append(NA)
        else:
            up.append(max(wh))
            lo.append(min(wl))
            mid.append((max(wh) + min(wl)) / 2)
    return up, mid, lo


# ------------------------------------------------------------- statistics


def linreg(x, n):
    """Least squares y = a + b*t over t = 0..n-1 (oldest to newest);
    value = a + b*(n-1), slope = b."""
    val, slope = [], []
    for i in range(len(x)):
        w = window(x, i, n)
        if w is None:
            val.append(NA)
            slope.append(NA)
            continue
        tm = (n - 1) / 2
        ym = mean(w)
        b = sum((t - tm) * (w[t] - ym) for t in range(n)) / sum((t - tm) ** 2 for t in range(n))
        a = ym - b * tm
        val.append(a + b * (n - 1))
        slope.append(b)
    return val, slope


def correl(a, b, n):
    out = []
    for i in range(len(a)):
        wa, wb = window(a, i, n), window(b, i, n)
        if wa is None:
            out.append(NA)
            continue
        ma, mb = mean(wa), mean(wb)
        cov = sum((wa[j] - ma) * (wb[j] - mb) for j in range(n))
        va = sum((v - ma) ** 2 for v in wa)
        vb = sum((v - mb) ** 2 for v in wb)
        out.append(0.0 if va == 0 or vb == 0 else cov / math.sqrt(va * vb))
    return out


def extreme(x, n, pick_max):
    val, ago = [], []
    for i in range(len(x)):
        w = window(x, i, n)
        if w is None:
            val.append(NA)
            ago.append(NA)
            continue
        best = 0  # bars ago; scanning from the newest keeps the most recent tie
        for k in range(1, n):
            v = x[i - k]
            if (v > x[i - best]) if pick_max else (v < x[i - best]):
                best = k
        val.append(x[i - best])
        ago.append(float(best))
    return val, ago


# ------------------------------------------------------- TradingView extras


def vwap(bars, src, utc_offset_ns=0):
    """Session VWAP restarted at each trading day: local midnight in a zone
    @utc_offset_ns from UTC (UTC for the default instrument). NA while the
    day's volume is 0."""
    out = []
    day = None
    pv = vv = 0.0
    for i, b in enumerate(bars):
        d = (b["time"] + utc_offset_ns) // NS_PER_DAY
        if d != day:
            day, pv, vv = d, 0.0, 0.0
        pv += src[i] * b["volume"]
        vv += b["volume"]
        out.append(NA if vv == 0 else pv / vv)
    return out


def ichimoku(h, l, c, conv, base, span_b, disp):
    def mid(n):
        return donchian(h, l, n)[1]

    cl, bl, sb = mid(conv), mid(base), mid(span_b)
    lead_a = [NA if cl[i] is NA or bl[i] is NA else (cl[i] + bl[i]) / 2 for i in range(len(c))]
    shift = disp - 1

    def shifted(x):
        return [NA if i - shift < 0 else x[i - shift] for i in range(len(c))]

    return cl, bl, shifted(lead_a), shifted(sb), list(c)


def supertrend(h, l, c, factor, n):
    """Pine's pine_supertrend(factor, atrPeriod) from the ta.supertrend
    reference, on hl2 and ta.atr. Pine's direction (1 down, -1 up) is
    negated to QuantLab's (+1 up, -1 down). NA before the first ATR."""
    a = tv_atr(h, l, c, n)
    m = len(c)
    st_out, dir_out = [NA] * m, [NA] * m
    prev_ub = prev_lb = None  # final bands of the previous bar (None = na)
    prev_st = None
    for i in range(m):
        if a[i] is NA:
            continue
        src = (h[i] + l[i]) / 2
        ub = src + factor * a[i]
        lb = src - factor * a[i]
        p_lb = 0.0 if prev_lb is None else prev_lb
        p_ub = 0.0 if prev_ub is None else prev_ub
        if not (lb > p_lb or (i > 0 and c[i - 1] < p_lb)):
            lb = p_lb
        if not (ub < p_ub or (i > 0 and c[i - 1] > p_ub)):
            ub = p_ub
        if i == 0 or a[i - 1] is NA:
            d = 1
        elif prev_st == p_ub:
            d = -1 if c[i] > ub else 1
        else:
            d = 1 if c[i] < lb else -1
        st = lb if d == -1 else ub
        st_out[i] = st
        dir_out[i] = float(-d)
        prev_ub, prev_lb, prev_st = ub, lb, st
    return st_out, dir_out


def pivots(bars, utc_offset_ns=0):
    """Classic floor pivots from the previous trading day (local days in a
    zone @utc_offset_ns from UTC; a bar of a day or longer is its own day).
    NA during the first day."""
    names = ["p", "r1", "s1", "r2", "s2", "r3", "s3"]
    outs = {k: [] for k in names}
    daily = len(bars) > 1 and bars[1]["time"] - bars[0]["time"] >= NS_PER_DAY
    day = None
    cur = prev = None  # [H, L, C]
    for i, b in enumerate(bars):
        d = i if daily else (b["time"] + utc_offset_ns) // NS_PER_DAY
        if d != day:
            day = d
            prev = cur
            cur = [b["high"], b["low"], b["close"]]
        else:
            cur = [max(cur[0], b["high"]), min(cur[1], b["low"]), b["close"]]
        if prev is None:
            for k in names:
                outs[k].append(NA)
            continue
        H, L, C = prev
        p = (H + L + C) / 3
        vals = {"p": p, "r1": 2 * p - L, "s1": 2 * p - H, "r2": p + (H - L),
                "s2": p - (H - L), "r3": H + 2 * (p - L), "s3": L - 2 * (H - p)}
        for k in names:
            outs[k].append(vals[k])
    return [outs[k] for k in names]


# ------------------------------------------------------------------ cases


def compute(spec, bars, utc_offset_ns=0):
    """Returns [(output name, values)] for @spec on @bars; trading days are
    local days @utc_offset_ns from UTC."""
    name, _, rest = spec.partition("(")
    args = [a.strip() for a in rest.rstrip(")").split(",") if a.strip()]
    o, h, l, c, v = (col(bars, k) for k in ("open", "high", "low", "close", "volume"))

    def num(i, default):
        return float(args[i]) if len(args) > i else default

    def integer(i, default):
        return int(args[i]) if len(args) > i else default

    def src(i, default="close"):
        return source(bars, args[i] if len(args) > i else default)

    single = {
        "sma": lambda: sma(src(1), integer(0, 20)),
        "ema": lambda: ema(src(1), integer(0, 20)),
        "wma": lambda: wma(src(1), integer(0, 20)),
        "dema": lambda: dema(src(1), integer(0, 20)),
        "tema": lambda: tema(src(1), integer(0, 20)),
        "trima": lambda: trima(src(1), integer(0, 20)),
        "kama": lambda: kama(src(1), integer(0, 10)),
        "hma": lambda: hma(src(1), integer(0, 9)),
        "vwma": lambda: vwma(src(1), v, integer(0, 20)),
        "rma": lambda: rma(src(1), integer(0, 14)),
        "vwap": lambda: vwap(bars, src(0, "hlc3"), utc_offset_ns),
        "rsi": lambda: rsi(src(1), integer(0, 14)),
        "ppo": lambda: ppo(src(2), integer(0, 12), integer(1, 26)),
        "roc": lambda: roc(src(1), integer(0, 10)),
        "mom": lambda: mom(src(1), integer(0, 10)),
        "cci": lambda: cci(h, l, c, integer(0, 20)),
        "willr": lambda: willr(h, l, c, integer(0, 14)),
        "mfi": lambda: mfi(h, l, c, v, integer(0, 14)),
        "obv": lambda: obv(c, v),
        "ad": lambda: ad(h, l, c, v),
        "adosc": lambda: adosc(h, l, c, v, integer(0, 3), integer(1, 10)),
        "sar": lambda: sar(h, l, num(0, 0.02), num(1, 0.2)),
        "trange": lambda: trange(h, l, c),
        "atr": lambda: atr(h, l, c, integer(0, 14)),
        "natr": lambda: natr(h, l, c, integer(0, 14)),
        "stddev": lambda: stddev(src(2), integer(0, 20), num(1, 1.0)),
        "var": lambda: var(src(1), integer(0, 20)),
        "correl": lambda: correl(src(1, "close"), src(2, "volume"), integer(0, 20)),
    }
    if name in single:
        return [(name, single[name]())]
    if name == "stoch":
        return list(zip(["k", "d"], stoch(h, l, c, integer(0, 14), integer(1, 3), integer(2, 3))))
    if name == "stochf":
        return list(zip(["k", "d"], stochf(h, l, c, integer(0, 14), integer(1, 3))))
    if name == "stochrsi":
        return list(zip(["k", "d"], stochrsi(src(3), integer(0, 14), integer(1, 14), integer(2, 3))))
    if name == "macd":
        return list(zip(["macd", "signal", "hist"],
                        macd(src(3), integer(0, 12), integer(1, 26), integer(2, 9))))
    if name == "adx":
        return list(zip(["adx", "plus_di", "minus_di"], adx(h, l, c, integer(0, 14))))
    if name == "aroon":
        return list(zip(["up", "down"], aroon(h, l, integer(0, 14))))
    if name == "bbands":
        return list(zip(["upper", "middle", "lower"], bbands(src(2), integer(0, 20), num(1, 2.0))))
    if name == "kc":
        return list(zip(["upper", "middle", "lower"],
                        kc(h, l, c, src(3), integer(0, 20), num(1, 2.0), integer(2, 10))))
    if name == "donchian":
        return list(zip(["upper", "middle", "lower"], donchian(h, l, integer(0, 20))))
    if name == "linreg":
        return list(zip(["value", "slope"], linreg(src(1), integer(0, 14))))
    if name == "highest":
        return list(zip(["highest", "bars"], extreme(src(1, "high"), integer(0, 14), True)))
    if name == "lowest":
        return list(zip(["lowest", "bars"], extreme(src(1, "low"), integer(0, 14), False)))
    if name == "ichimoku":
        return list(zip(["conversion", "base", "span_a", "span_b", "lagging"],
                        ichimoku(h, l, c, integer(0, 9), integer(1, 26), integer(2, 52),
                                 integer(3, 26))))
    if name == "supertrend":
        return list(zip(["supertrend", "direction"],
                        supertrend(h, l, c, num(0, 3.0), integer(1, 10))))
    if name == "pivots":
        return list(zip(["p", "r1", "s1", "r2", "s2", "r3", "s3"], pivots(bars, utc_offset_ns)))
    raise ValueError(spec)


DAILY_SPECS = [
    "sma(5)", "sma(4,hl2)", "ema(5)", "ema(4,ohlc4)", "wma(5)", "wma(4,hlc3)",
    "dema(4)", "tema(3)", "trima(5)", "trima(6)", "kama(5)", "hma(9)", "hma(6)",
    "vwma(5)", "rma(5)", "vwap()", "rsi(5)", "rsi(4,open)", "stoch(5,3,3)",
    "stochf(5,3)", "stochrsi(5,7,3)", "macd(3,6,4)", "ppo(3,6)", "roc(5)",
    "mom(5)", "cci(5)", "willr(5)", "mfi(5)", "obv()", "ad()", "adosc(3,6)",
    "adx(5)", "aroon(5)", "sar(0.02,0.2)", "sar(0.1,0.3)", "trange()", "atr(5)",
    "natr(5)", "bbands(5,2)", "bbands(4,1.5,hl2)", "kc(5,2,3)", "donchian(5)",
    "stddev(5)", "stddev(5,2)", "var(5)", "linreg(5)", "correl(5)",
    "correl(5,high,low)", "highest(5)", "highest(4,close)", "lowest(5)",
    "lowest(4,close)", "ichimoku(3,5,8,4)", "supertrend(2,4)",
    "supertrend(1,3)", "pivots()",
]

INTRADAY_SPECS = ["vwap()", "vwap(close)", "pivots()", "sma(5)"]

# The same bars for an instrument in Asia/Tokyo (UTC+9 all year, no DST;
# session from local midnight, 15:00 UTC): the 23:00-23:55 UTC bars open
# the next Tokyo day, which the 00:00-00:55 UTC bars continue.
TOKYO_SPECS = ["vwap()", "pivots()"]
TOKYO_OFFSET_NS = 9 * 3600 * NS_PER_SEC

# Specs also run on the daily bars with bar NAN_BAR's OHLCV set to NaN. The
# contract says such a bar is skipped: NA on every output, state unchanged.
# So the expected values are those of the series without that bar, with an
# NA put back at its index.
NAN_BAR = 25
NAN_SPECS = [
    "sma(5)", "ema(5)", "rsi(5)", "macd(3,6,4)", "atr(5)", "stoch(5,3,3)",
    "obv()", "adx(5)", "sar(0.02,0.2)", "kama(5)", "supertrend(2,4)",
    "bbands(5,2)", "aroon(5)", "highest(5)",
]


def case_name(spec, series):
    name = spec.replace("(", "-").replace(")", "").replace(",", "-").rstrip("-")
    return name if series == "daily" else name + "-" + series


# ----------------------------------------------------------------- output


def fmt(v):
    if v is NA or v != v:  # NA, or a NaN input
        return "NAN"
    if v == 0:
        return "0.0"
    return "%.17g" % v


def c_array(ctype, name, values, per_line=4):
    lines = ["static const %s %s[] = {" % (ctype, name)]
    for i in range(0, len(values), per_line):
        lines.append("  " + ", ".join(values[i:i + per_line]) + ",")
    lines.append("};")
    return "\n".join(lines)


def check_inputs(bars):
    for i, b in enumerate(bars):
        assert b["high"] >= max(b["open"], b["close"]) and b["low"] <= min(b["open"], b["close"])
        assert i == 0 or b["time"] > bars[i - 1]["time"]


def main():
    daily = daily_bars()
    intraday = intraday_bars()
    check_inputs(daily)
    check_inputs(intraday)
    nan_daily = [dict(b) for b in daily]
    for k in ("open", "high", "low", "close", "volume"):
        nan_daily[NAN_BAR][k] = float("nan")
    without = daily[:NAN_BAR] + daily[NAN_BAR + 1:]

    series = [("daily", daily), ("intraday", intraday), ("nan", nan_daily)]
    cases = []  # (name, spec, series, time zone or None, outputs)
    for spec in DAILY_SPECS:
        cases.append((case_name(spec, "daily"), spec, "daily", None, compute(spec, daily)))
    for spec in INTRADAY_SPECS:
        cases.append((case_name(spec, "intraday"), spec, "intraday", None,
                      compute(spec, intraday)))
    for spec in TOKYO_SPECS:
        cases.append((case_name(spec, "intraday") + "-tokyo", spec, "intraday", "Asia/Tokyo",
                      compute(spec, intraday, TOKYO_OFFSET_NS)))
    for spec in NAN_SPECS:
        outs = [(k, vals[:NAN_BAR] + [NA] + vals[NAN_BAR:]) for k, vals in compute(spec, without)]
        cases.append((case_name(spec, "nan"), spec, "nan", None, outs))

    names = [c[0] for c in cases]
    assert len(names) == len(set(names)), "duplicate case names"
    max_outputs = max(len(c[4]) for c in cases)

    w = sys.stdout.write
    w("/* tests/engine/ta-expected.h — GENERATED by tests/engine/ta_reference.py;\n"
      " * do not edit. Regenerate from the project root with\n"
      " *   python3 tests/engine/ta_reference.py > tests/engine/ta-expected.h\n"
      " *\n"
      " * Input bars and the expected outputs of each indicator spec, computed in\n"
      " * plain Python from the published definitions (TA-Lib sources,\n"
      " * TradingView's Pine reference); NAN marks NA. */\n"
      "#pragma once\n\n#include <glib.h>\n#include <math.h>\n\n")
    w("typedef enum\n{\n")
    for sname, _ in series:
        w("  TA_REF_%s,\n" % sname.upper())
    w("  TA_REF_N_SERIES\n} TaRefSeries;\n\n")
    for sname, bars in series:
        w("/* %s: %d bars */\n" % (sname, len(bars)))
        w(c_array("gint64", "ta_ref_%s_time" % sname, ["G_GINT64_CONSTANT (%d)" % b["time"] for b in bars], 2) + "\n")
        for k in ("open", "high", "low", "close", "volume"):
            w(c_array("double", "ta_ref_%s_%s" % (sname, k), [fmt(b[k]) for b in bars]) + "\n")
        w("\n")
    w("typedef struct\n{\n  const gint64 *time;\n  const double *open, *high, *low, *close, *volume;\n"
      "  gsize len;\n} TaRefInput;\n\n")
    w("static const TaRefInput ta_ref_inputs[TA_REF_N_SERIES] = {\n")
    for sname, bars in series:
        w("  [TA_REF_%s] = { ta_ref_%s_time, ta_ref_%s_open, ta_ref_%s_high, ta_ref_%s_low,\n"
          "                  ta_ref_%s_close, ta_ref_%s_volume, %d },\n"
          % ((sname.upper(),) + (sname,) * 6 + (len(bars),)))
    w("};\n\n")
    for ci, (cname, spec, sname, tz, outs) in enumerate(cases):
        for oi, (oname, vals) in enumerate(outs):
            w("/* %s .%s */\n" % (spec, oname))
            w(c_array("double", "ta_ref_exp_%d_%d" % (ci, oi), [fmt(x) for x in vals]) + "\n")
    w("\n#define TA_REF_MAX_OUTPUTS %d\n\n" % max_outputs)
    w("typedef struct\n{\n  const char *name;   /* test path component */\n"
      "  const char *spec;\n  TaRefSeries series;\n"
      "  const char *tz;     /* instrument time zone, NULL for the default (UTC) */\n"
      "  guint n_outputs;\n"
      "  struct\n  {\n    const char *name;\n    const double *expected; /* one per input bar */\n"
      "  } outputs[TA_REF_MAX_OUTPUTS];\n} TaRefCase;\n\n")
    w("static const TaRefCase ta_ref_cases[] = {\n")
    for ci, (cname, spec, sname, tz, outs) in enumerate(cases):
        w('  { "%s", "%s", TA_REF_%s, %s, %d,\n    {'
          % (cname, spec, sname.upper(), "NULL" if tz is None else '"%s"' % tz, len(outs)))
        w(", ".join('{ "%s", ta_ref_exp_%d_%d }' % (oname, ci, oi) for oi, (oname, _) in enumerate(outs)))
        w(" } },\n")
    w("};\n")


if __name__ == "__main__":
    main()
