/* dsl/builtins.h — the one table of QuantLab Script's builtins.
 *
 * It drives the checker (names and signatures), and the generator
 * dsl/gen-builtins.c writes it out as dsl/builtins.json (signatures and
 * docs for the workstation's completion provider) and as the word lists
 * of dsl/quantlab-script.lang (GtkSourceView 5). The ta.* rows come from
 * dsl/ta_bind.h; the rest are listed in dsl/builtins.c. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  QL_BUILTIN_VALUE,     /* a name read as a value: close, bar_index, equity */
  QL_BUILTIN_FUNCTION,  /* called: nz (), math.abs (), plot () */
  QL_BUILTIN_TA,        /* ta.*: a call site with state (dsl/ta_bind.h) */
  QL_BUILTIN_ORDER,     /* buy, sell, exit, cancel, bracket: statements */
} QlBuiltinKind;

typedef struct
{
  const char *name;       /* "ta.sma", "math.abs", "close", "plot" */
  QlBuiltinKind kind;
  /* FUNCTION, TA, ORDER: "(x: series float, fallback: series float = 0)
   * -> series float"; VALUE: ": series float". */
  const char *signature;
  const char *doc;
  const char *category;   /* "ta", "math", "series", "input", "plot",
                           * "order", "log", "account", "time", "string",
                           * "array", "map", "misc" */
  int id;                 /* kind-specific: QlTaBind index, builtin code */
} QlBuiltinInfo;

guint                ql_builtins_size (void);
const QlBuiltinInfo *ql_builtins_get (guint i);   /* sorted by name */
const QlBuiltinInfo *ql_builtins_lookup (const char *name);

/* The language's reserved words, NULL-terminated, and its type names. */
const char *const *ql_keywords (void);
const char *const *ql_type_names (void);

G_END_DECLS
