/* dsl/diag.h — diagnostics of QuantLab Script: every error and warning the
 * lexer, parser, checker and VM report, with a code, a source span and a
 * hint, rendered as text (caret under the span) or JSON (editor markers).
 *
 * Codes (docs/language.md lists each):
 *   E00xx lexical   E01xx syntax    E02xx names and scopes
 *   E03xx types, na and history     E04xx calls, ta.* and builtins
 *   E05xx mode, orders and events   W0xxx warnings (same ranges)
 *   R00xx runtime errors (limits, overflow, lookback), from the VM
 * A list stops accepting errors after max_errors (50 by default) and then
 * records one last "too many errors" note. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Lines and columns count from 1; columns in bytes. end_* is exclusive:
 * the span covers [offset, end_offset) of the source. */
typedef struct
{
  guint32 line, col;
  guint32 end_line, end_col;
  guint32 offset, end_offset;
} QlSpan;

typedef enum
{
  QL_DIAG_ERROR,
  QL_DIAG_WARNING,
  QL_DIAG_NOTE,
} QlDiagSeverity;

typedef struct
{
  QlDiagSeverity severity;
  char code[8];      /* "E0312", "W0401", "R0001" */
  QlSpan span;
  char *message;     /* one line, no trailing period */
  char *hint;        /* nullable */
  char *trace;       /* nullable: runtime stack trace, one "at FILE:L:C in fn" per line */
} QlDiag;

typedef struct
{
  GArray *items;       /* of QlDiag, in the order reported */
  char *filename;      /* as the user named the file */
  const char *source;  /* (transfer none) the text the spans point into */
  gsize source_len;
  guint n_errors;
  guint n_warnings;
  guint max_errors;    /* 0: 50 */
  gboolean truncated;  /* errors were dropped after max_errors */
} QlDiagList;

#define QL_DIAG_MAX_ERRORS 50

QlDiagList *ql_diag_list_new (const char *filename,
                              const char *source,
                              gsize       source_len);
void        ql_diag_list_free (QlDiagList *self);      /* NULL ok */

/* Adds one diagnostic; @code is "E0312" etc. (its letter decides nothing:
 * @severity does). @hint is nullable. Returns the stored item, or NULL
 * when errors are past max_errors. */
QlDiag *ql_diag_add (QlDiagList     *self,
                     QlDiagSeverity  severity,
                     const char     *code,
                     const QlSpan   *span,
                     const char     *hint,
                     const char     *format,
                     ...) G_GNUC_PRINTF (6, 7);

/* Sorted by position (stable for equal positions), as the text and JSON
 * forms show them. */
void ql_diag_list_sort (QlDiagList *self);

/* error[E0312]: history offset must be >= 0
 *   --> file.qls:3:11
 *    |
 *  3 | x = close[-1]
 *    |           ^^
 *    = hint: use close[1] for the previous bar
 * One blank line between diagnostics; a last line "N errors, M warnings"
 * when @summary. (transfer full) */
char *ql_diag_list_to_text (const QlDiagList *self,
                            gboolean          summary);
/* {"file": "...", "errors": N, "warnings": M, "diagnostics": [{"severity":
 * "error", "code": "E0312", "line": 3, "column": 11, "end_line": 3,
 * "end_column": 13, "message": "...", "hint": "..." | null}]}
 * (transfer full) */
char *ql_diag_list_to_json (const QlDiagList *self);

/* One diagnostic in the text form, no trailing newline. (transfer full) */
char *ql_diag_format (const QlDiagList *self,
                      const QlDiag     *diag);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QlDiagList, ql_diag_list_free)

G_END_DECLS
