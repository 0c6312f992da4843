/* engine/numfmt.h — doubles to text that reads back to the same double.
 *
 * CSV output of indicators writes millions of doubles; glibc's "%.17g" costs
 * ~275 ns each here, and libdouble-conversion (C++) ~70 ns, which alone would
 * spend the whole 0.5 s budget of `quantlab-cli indicators` on a 1,000,000-row
 * file. This is the shortest-round-trip hot path, hand-written for that reason:
 * it prints the fewest significant digits (15, 16 or 17) that read back to
 * the same bits under any correctly rounding parser (strtod). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define QL_FORMAT_DOUBLE_MAX 32 /* bytes @buf must hold */

/* Writes @value into @buf (NUL-terminated) and returns its length: "-0.5",
 * "1.07219", "63264.1", "1.2345678901234567e-07", "inf", "-inf", "nan". */
int ql_format_double (double value,
                      char  *buf);

G_END_DECLS
