/* engine/status.c — names of QlStatus codes. */
#define G_LOG_DOMAIN "ql-engine-status"

#include "engine/status.h"

const char *
ql_status_to_string (QlStatus status)
{
  switch (status)
    {
#define QL_STATUS_CASE(name, text) \
  case QL_STATUS_##name:           \
    return text;
      QL_STATUS_MAP (QL_STATUS_CASE)
#undef QL_STATUS_CASE
    case QL_STATUS_N:
      break;
    }
  return "unknown status";
}
