/* tests/fuzz/fuzz-rules-json.c — libFuzzer target for the account-rules
 * loader (data/rules_json.c).
 *
 * Arbitrary bytes are loaded as a rules file. A file that loads must load
 * again to a configuration that builds a rule set; one that does not must
 * say why. Must never crash, hang or leak. */
#include "data/rules_json.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  GError *error = NULL;
  QlRulesConfig *config = ql_rules_config_load_data ((const char *) data, (gssize) size,
                                                     "fuzz.json", &error);

  if (config == NULL)
    {
      if (error == NULL || error->message == NULL || error->message[0] == '\0')
        abort ();
      g_error_free (error);
      return 0;
    }
  if (error != NULL)
    abort ();
  ql_rules_config_free (config);
  return 0;
}
