/* engine/status.h — result codes of the engine's hot paths.
 *
 * GError allocates, so functions called per tick or per bar return a
 * QlStatus (0 = OK) instead. The X-macro below is the one list: it yields
 * the enum and ql_status_to_string (). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define QL_STATUS_MAP(X)                                                   \
  X (OK, "ok")                                                             \
  X (INVALID, "invalid argument")                                          \
  X (OUT_OF_ORDER, "time goes backwards")                                  \
  X (OVERFLOW, "arithmetic overflow")                                      \
  X (NO_MEMORY, "out of memory")                                           \
  X (UNSUPPORTED, "not supported for this input")

typedef enum
{
#define QL_STATUS_ENUM(name, text) QL_STATUS_##name,
  QL_STATUS_MAP (QL_STATUS_ENUM)
#undef QL_STATUS_ENUM
  QL_STATUS_N
} QlStatus;

const char *ql_status_to_string (QlStatus status);

G_END_DECLS
