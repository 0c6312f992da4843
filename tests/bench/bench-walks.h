/* tests/bench/bench-walks.h — the market data of the backtest and script
 * benchmarks: seeded random walks, identical in every benchmark that uses
 * them, so that their figures compare. */
#pragma once

#include "engine/series.h"

G_BEGIN_DECLS

#define QL_BENCH_N_TICKS 1000000
#define QL_BENCH_N_BARS 1000000
#define QL_BENCH_T0 (G_GINT64_CONSTANT (1704153600) * QL_NS_PER_SEC) /* 2024-01-02 */

/* 1,000,000 trades, price scale 2, one every 1 ms .. 3.6 s (seed 4). */
QlSeries *ql_bench_make_ticks (void);
/* 1,000,000 one-minute bars from QL_BENCH_T0 (seed 5). */
QlSeries *ql_bench_make_bars (void);

G_END_DECLS
