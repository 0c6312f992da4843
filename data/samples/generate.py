#!/usr/bin/env python3
"""Writes QuantLab's bundled sample data: synthetic, seeded, reproducible.

These files are NOT market data. They come from a seeded random walk so that
the demo and the tests have data that anyone may redistribute:

  demo-ticks.csv   BTCUSDT-like trades for 2024-03-04..05 (UTC): time, price, qty, side
  demo-daily.csv   a stock-like daily OHLCV series, 2021-01-04..2023-12-29, weekdays
  demo-daily-b.csv a second daily series on the same dates, cointegrated with
                   demo-daily.csv's closes (for pairs trades):
                   log(A) = a + 0.8 * log(B) + s, s a mean-reverting AR(1)

Run `python3 data/samples/generate.py` to regenerate them bit for bit.
"""
import math
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
HEADER = "# Synthetic sample data written by data/samples/generate.py (seeded random walk, seed {seed}).\n"


def ticks(path, seed=20240304):
    rng = random.Random(seed)
    t_ms = 1709510400000  # 2024-03-04T00:00:00Z
    end_ms = t_ms + 2 * 86400 * 1000
    price = 63250.0
    vol = 0.00025
    with open(path, "w", newline="\n") as f:
        f.write(HEADER.format(seed=seed))
        f.write("time,price,qty,side\n")
        while True:
            t_ms += 1 + int(rng.expovariate(1 / 2400.0))
            if t_ms >= end_ms:
                break
            # Volatility clusters: a slow mean-reverting walk of the tick volatility.
            vol = max(0.00005, vol + 0.02 * (0.00025 - vol) + 0.00002 * rng.gauss(0, 1))
            price *= math.exp(vol * rng.gauss(0, 1))
            p = round(price / 0.1) * 0.1  # tick size 0.10
            qty = round(rng.lognormvariate(-4.0, 1.2), 5)
            if qty <= 0:
                qty = 0.00001
            side = "buy" if rng.random() < 0.5 else "sell"
            f.write(f"{t_ms_to_iso(t_ms)},{p:.1f},{qty:.5f},{side}\n")


def t_ms_to_iso(t_ms):
    import datetime
    dt = datetime.datetime.fromtimestamp(t_ms // 1000, datetime.timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S") + ".%03dZ" % (t_ms % 1000)


def daily(path, seed=42):
    """Writes demo-daily.csv; returns its (date, close) rows."""
    import datetime
    rng = random.Random(seed)
    d = datetime.date(2021, 1, 4)
    end = datetime.date(2023, 12, 29)
    close = 142.35
    rows = []
    with open(path, "w", newline="\n") as f:
        f.write(HEADER.format(seed=seed))
        f.write("Date,Open,High,Low,Close,Volume\n")
        while d <= end:
            if d.weekday() < 5:
                o = close * math.exp(0.004 * rng.gauss(0, 1))
                c = o * math.exp(0.015 * rng.gauss(0.0003, 1))
                h = max(o, c) * math.exp(abs(0.006 * rng.gauss(0, 1)))
                low = min(o, c) * math.exp(-abs(0.006 * rng.gauss(0, 1)))
                v = int(rng.lognormvariate(15.5, 0.35))
                f.write(f"{d.isoformat()},{o:.2f},{h:.2f},{low:.2f},{c:.2f},{v}\n")
                close = round(c, 2)
                rows.append((d, close))
            d += datetime.timedelta(days=1)
    return rows


def daily_b(path, rows_a, seed=4242, beta=0.8, phi=0.9, sigma=0.007):
    """Writes demo-daily-b.csv: B on the dates of rows_a (demo-daily's
    (date, close) rows) with log(A) = a + beta * log(B) + s, where the spread
    s is a stationary AR(1), s' = phi * s + sigma * e (e ~ N(0, 1); standard
    deviation sigma / sqrt(1 - phi^2), about 1.6 %; half-life about 6.6
    bars). Its own random numbers (seed) leave demo-daily.csv unchanged."""
    rng = random.Random(seed)
    a0 = rows_a[0][1]
    b0 = 48.0
    s = 0.0
    prev = b0
    with open(path, "w", newline="\n") as f:
        f.write("# Synthetic sample data written by data/samples/generate.py"
                f" (cointegrated with demo-daily.csv: log A = a + {beta} log B + AR(1), seed {seed}).\n")
        f.write("Date,Open,High,Low,Close,Volume\n")
        for d, close_a in rows_a:
            s = phi * s + sigma * rng.gauss(0, 1)
            # log B = (log A - a - s) / beta, with a fixed so that B starts near b0.
            c = b0 * math.exp((math.log(close_a / a0) - s) / beta)
            o = prev * math.exp(0.004 * rng.gauss(0, 1))
            h = max(o, c) * math.exp(abs(0.006 * rng.gauss(0, 1)))
            low = min(o, c) * math.exp(-abs(0.006 * rng.gauss(0, 1)))
            v = int(rng.lognormvariate(14.8, 0.4))
            f.write(f"{d.isoformat()},{o:.2f},{h:.2f},{low:.2f},{c:.2f},{v}\n")
            prev = round(c, 2)


if __name__ == "__main__":
    ticks(os.path.join(HERE, "demo-ticks.csv"))
    rows = daily(os.path.join(HERE, "demo-daily.csv"))
    daily_b(os.path.join(HERE, "demo-daily-b.csv"), rows)
