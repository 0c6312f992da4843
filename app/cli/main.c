/* app/cli/main.c — quantlab-cli, the headless research front end. */
#define G_LOG_DOMAIN "ql-app-cli"

#include "ql-config.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>

int
main (int argc, char **argv)
{
  if (argc > 1 && strcmp (argv[1], "--version") == 0)
    {
      printf ("quantlab-cli %s\n", QL_VERSION);
      return 0;
    }
  fprintf (stderr, "usage: quantlab-cli COMMAND [OPTION...]\n");
  return 2;
}
