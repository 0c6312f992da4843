/* app/cli/main.c — quantlab-cli, the headless research front end: dispatch
 * to subcommands, --help and --version. */
#define G_LOG_DOMAIN "ql-app-cli"

#include "app/cli/cli.h"
#include "ql-config.h"

#include <locale.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

const char *ql_cli_program = "quantlab-cli";

static const QlCliCommand commands[] = {
  { "import", "Import CSV/TSV bars or ticks into the workspace", ql_cli_import },
  { "bars", "Print stored data as bars of any timeframe (CSV)", ql_cli_bars },
  { "indicators", "Compute indicators over a CSV file or stored data (CSV)", ql_cli_indicators },
  { "check", "Check a QuantLab Script file: all errors at once (text or --json)", ql_cli_check },
  { "run", "Run a QuantLab Script over files or stored data: its plots as CSV", ql_cli_run },
  { "test", "Run a script's test blocks, or compare its output with expected rows", ql_cli_test },
  { "backtest", "Run a built-in strategy or a script over files or stored data; metrics and reports", ql_cli_backtest },
  { "optimize", "Sweep a builtin's or a script's parameters on every core; walk-forward analysis", ql_cli_optimize },
  { "instruments", "List the workspace's instruments and stored series", ql_cli_instruments },
  { "demo", "Import the bundled sample data and show a summary", ql_cli_demo },
#ifdef QL_HAVE_RENDER
  { "chart", "Render a chart of bars and indicators to PNG", ql_cli_chart },
#endif
};

static void
print_help (FILE *out)
{
  fprintf (out,
           "Usage: quantlab-cli COMMAND [OPTION...]\n"
           "\n"
           "QuantLab's headless research front end: import market data into the local\n"
           "SQLite workspace, aggregate it to any timeframe, compute indicators, check\n"
           "and run QuantLab Script, backtest and optimize strategies, render charts.\n"
           "\n"
           "Commands:\n");
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-12s %s\n", commands[i].name, commands[i].summary);
  fprintf (out,
           "\n"
           "Options:\n"
           "  -h, --help   Show this help; `quantlab-cli COMMAND --help` for a command's\n"
           "  --version    Show the version\n"
           "\n"
           "Exit status: 0 success, 1 an error in the input or the workspace, 2 bad usage.\n");
}

int
main (int argc, char **argv)
{
  /* Numbers are read and written in the C locale whatever the user's locale;
   * messages may still be translated. */
  setlocale (LC_ALL, "");
  setlocale (LC_NUMERIC, "C");
  ql_cli_program = argv[0];
#ifdef __GLIBC__
  /* Runs of a sweep allocate and free the same large arrays (equity curves,
   * bar windows) over and over. glibc serves blocks past 128 KiB with fresh
   * mmaps and returns them on free, so every run paid page faults on
   * memory the last one just gave back: keep such blocks in the heap. */
  mallopt (M_MMAP_THRESHOLD, 512 << 20);
  mallopt (M_TRIM_THRESHOLD, 1024 << 20);
#endif

  if (argc < 2)
    {
      print_help (stderr);
      return QL_EXIT_USAGE;
    }
  if (strcmp (argv[1], "--version") == 0 || strcmp (argv[1], "version") == 0)
    {
      printf ("quantlab-cli %s\n", QL_VERSION);
      return QL_EXIT_OK;
    }
  if (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0 ||
      strcmp (argv[1], "help") == 0)
    {
      if (argc > 2 && strcmp (argv[1], "help") == 0)
        {
          char *help_argv[] = { argv[2], (char *) "--help", NULL };
          for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
            if (strcmp (commands[i].name, argv[2]) == 0)
              return commands[i].run (2, help_argv);
        }
      print_help (stdout);
      return QL_EXIT_OK;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (commands[i].name, argv[1]) == 0)
      return commands[i].run (argc - 1, argv + 1);

  fprintf (stderr, "quantlab-cli: unknown command \"%s\"; run `quantlab-cli --help` for the list\n",
           argv[1]);
  return QL_EXIT_USAGE;
}
