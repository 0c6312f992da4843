#!/usr/bin/env python3
"""Writes QuantLab's bundled sample data: synthetic, seeded, reproducible.

These files are NOT market data. They come from a seeded random walk so that
the demo and the tests have data that anyone may redistribute:

  demo-ticks.csv   BTCUSDT-like trades for 2024-03-04..05 (UTC): time, price, qty, side
  demo-daily.csv   a stock-like daily OHLCV series, 2021-01-04..2023-12-29, weekdays

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
    import datetime
    rng = random.Random(seed)
    d = datetime.date(2021, 1, 4)
    end = datetime.date(2023, 12, 29)
    close = 142.35
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
            d += datetime.timedelta(days=1)


if __name__ == "__main__":
    ticks(os.path.join(HERE, "demo-ticks.csv"))
    daily(os.path.join(HERE, "demo-daily.csv"))
