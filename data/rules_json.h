/* data/rules_json.h — account rules (engine/rules.h) read from JSON files,
 * and the firms' presets shipped in data/presets/rules/.
 *
 * The format is described in docs/rules.md. Every error reads
 * `FILE:LINE:COLUMN: what is wrong`, the position being where json-glib
 * stopped (syntax) or the member at fault (an unknown rule or parameter,
 * a bad value); an unknown name lists the known ones. A config that loads
 * has also passed ql_rules_new ()'s validation. */
#pragma once

#include "engine/rules.h"

G_BEGIN_DECLS

#define QL_RULES_JSON_ERROR (ql_rules_json_error_quark ())
GQuark ql_rules_json_error_quark (void);

typedef enum
{
  QL_RULES_JSON_ERROR_IO,        /* the file cannot be read */
  QL_RULES_JSON_ERROR_SYNTAX,    /* not JSON */
  QL_RULES_JSON_ERROR_UNKNOWN,   /* an unknown rule, parameter or value */
  QL_RULES_JSON_ERROR_INVALID,   /* a value of the wrong type or out of range */
  QL_RULES_JSON_ERROR_NOT_FOUND, /* no preset of that name */
  QL_RULES_JSON_ERROR_FAILED,
} QlRulesJsonError;

/* (transfer full) */
QlRulesConfig *ql_rules_config_load        (const char *path,
                                            GError    **error);
/* Parses @length bytes of @json (-1: NUL-terminated); @filename names it
 * in messages. (transfer full) */
QlRulesConfig *ql_rules_config_load_data   (const char *json,
                                            gssize      length,
                                            const char *filename,
                                            GError    **error);

/* Loads the preset @name ("ftmo-2step-100k", with or without ".json") from
 * the first directory of ql_rules_preset_dirs () that holds it. */
QlRulesConfig *ql_rules_config_load_preset (const char *name,
                                            GError    **error);

/* Where presets are looked for, in order: $QL_RULES_PRESET_DIR, then
 * <XDG data dirs>/quantlab/presets/rules, then the source tree's
 * data/presets/rules. (transfer full) NULL-terminated. */
char         **ql_rules_preset_dirs        (void);

/* Preset names (without ".json") found in those directories, sorted, each
 * once. (transfer full) NULL-terminated. */
char         **ql_rules_preset_list        (void);

G_END_DECLS
