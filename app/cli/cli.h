/* app/cli/cli.h — what quantlab-cli's subcommands share: exit codes, the
 * option boilerplate, workspace opening, time arguments and number output. */
#pragma once

#include "engine/types.h"

#include <stdio.h>

G_BEGIN_DECLS

/* Exit codes of DESIGN.md: 0 success, 1 a user error (one clear line on
 * stderr), 2 bad usage. */
enum
{
  QL_EXIT_OK = 0,
  QL_EXIT_ERROR = 1,
  QL_EXIT_USAGE = 2,
};

/* argv[0] of quantlab-cli, for messages that show a command to run next. */
extern const char *ql_cli_program;

typedef int (*QlCliCommandFunc) (int argc, char **argv);

typedef struct
{
  const char *name;
  const char *summary;
  QlCliCommandFunc run;
} QlCliCommand;

int ql_cli_import (int argc, char **argv);
int ql_cli_bars (int argc, char **argv);
int ql_cli_indicators (int argc, char **argv);
int ql_cli_instruments (int argc, char **argv);
int ql_cli_demo (int argc, char **argv);
int ql_cli_backtest (int argc, char **argv);
int ql_cli_optimize (int argc, char **argv);
int ql_cli_check (int argc, char **argv);
int ql_cli_run (int argc, char **argv);
int ql_cli_test (int argc, char **argv);
#ifdef QL_HAVE_RENDER
int ql_cli_chart (int argc, char **argv);
#endif

/* Parses @argv with @entries for subcommand @name. Returns QL_EXIT_OK, or
 * the exit code to leave with (after printing help or a usage error). */
int ql_cli_parse (const char   *name,
                  const char   *parameter_string,
                  const char   *description,
                  GOptionEntry *entries,
                  int          *argc,
                  char       ***argv);

/* Prints "quantlab-cli CMD: MESSAGE" and returns QL_EXIT_ERROR. */
int ql_cli_fail (const char   *cmd,
                 const GError *error);
int ql_cli_usage (const char *cmd,
                  const char *format,
                  ...) G_GNUC_PRINTF (2, 3);

/* "2024-03-04", "2024-03-04T09:30:00", "2024-03-04T09:30:00+01:00"; a time
 * without a zone is UTC. */
gboolean ql_cli_parse_time (const char *text,
                            QlTimeNs   *out,
                            GError    **error);
/* ISO 8601 UTC with the shortest fraction that is exact: 2024-03-04T09:30:00Z,
 * 2024-03-04T09:30:00.125Z. @buf holds at least 40 bytes. Returns its length. */
int ql_cli_format_time (QlTimeNs t,
                        char    *buf);
/* Writes @value so that it reads back to the same double; NaN writes nothing
 * (an empty CSV field). Returns the number of bytes written to @buf (>= 32 bytes). */
int ql_cli_format_double (double value,
                          char  *buf);

/* Writes a CSV table: a "time" column (ISO 8601 UTC), then @n_cols columns of
 * doubles named @names, an empty field for NaN. Formats on two threads. */
gboolean ql_cli_write_table (FILE                *out,
                             const QlTimeNs      *time,
                             gsize                n_rows,
                             guint                n_cols,
                             const double *const *cols,
                             const char *const   *names,
                             GError             **error);

G_END_DECLS
