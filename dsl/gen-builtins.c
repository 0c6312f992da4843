/* dsl/gen-builtins.c — writes QuantLab Script's builtin table out for the
 * editor, at build time:
 *
 *   gen-builtins OUT.json OUT.lang
 *
 * OUT.json (dsl/builtins.json) carries every builtin's signature, split
 * into parameters and return type, and its doc, for the workstation's
 * completion provider; OUT.lang (dsl/quantlab-script.lang) is the
 * GtkSourceView 5 language definition, its word lists taken from
 * ql_keywords (), ql_type_names () and the table.  Both are checked in as
 * well; tests/dsl/test-generated.py fails when the copies drift.
 *
 * A build tool, so it may print and exit; it uses no JSON or XML library
 * (dsl/ links engine/ and GLib only): the escaping is written out here. */
#define G_LOG_DOMAIN "ql-dsl-gen-builtins"

#include "dsl/builtins.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- signatures ----------------------------------------------------------- */

typedef struct
{
  char *name;
  char *type;  /* NULL when the signature gives none */
  char *def;   /* NULL when there is no default */
} Param;

typedef struct
{
  GPtrArray *params;  /* Param */
  char *returns;      /* NULL when the signature has no "->" */
} Sig;

static void
param_free (gpointer p)
{
  Param *pa = p;
  g_free (pa->name);
  g_free (pa->type);
  g_free (pa->def);
  g_free (pa);
}

static void
sig_clear (Sig *s)
{
  g_clear_pointer (&s->params, g_ptr_array_unref);
  g_clear_pointer (&s->returns, g_free);
}

static G_NORETURN void
die (const QlBuiltinInfo *b, const char *what)
{
  fprintf (stderr, "gen-builtins: builtin \"%s\": signature \"%s\": %s\n",
           b->name, b->signature ? b->signature : "(null)", what);
  exit (1);
}

/* The offset of the character that closes the bracket at @s[0], honouring
 * nested brackets, "->" and string literals; -1 when unbalanced. */
static gssize
matching_close (const char *s)
{
  int depth = 0;
  gboolean in_str = FALSE;

  for (gssize i = 0; s[i]; i++)
    {
      char c = s[i];
      if (in_str)
        {
          if (c == '\\' && s[i + 1])
            i++;
          else if (c == '"')
            in_str = FALSE;
          continue;
        }
      if (c == '"')
        in_str = TRUE;
      else if (c == '-' && s[i + 1] == '>')
        i++;
      else if (c == '(' || c == '[' || c == '{' || c == '<')
        depth++;
      else if (c == ')' || c == ']' || c == '}' || c == '>')
        {
          depth--;
          if (depth == 0)
            return i;
          if (depth < 0)
            return -1;
        }
    }
  return -1;
}

/* Splits @s (@len bytes) at top-level occurrences of @sep. */
static GPtrArray *
split_top (const char *s, gsize len, char sep)
{
  GPtrArray *parts = g_ptr_array_new_with_free_func (g_free);
  int depth = 0;
  gboolean in_str = FALSE;
  gsize start = 0;

  for (gsize i = 0; i < len; i++)
    {
      char c = s[i];
      if (in_str)
        {
          if (c == '\\' && i + 1 < len)
            i++;
          else if (c == '"')
            in_str = FALSE;
          continue;
        }
      if (c == '"')
        in_str = TRUE;
      else if (c == '-' && i + 1 < len && s[i + 1] == '>')
        i++;
      else if (c == '(' || c == '[' || c == '{' || c == '<')
        depth++;
      else if (c == ')' || c == ']' || c == '}' || c == '>')
        depth--;
      else if (c == sep && depth == 0)
        {
          g_ptr_array_add (parts, g_strstrip (g_strndup (s + start, i - start)));
          start = i + 1;
        }
    }
  g_ptr_array_add (parts, g_strstrip (g_strndup (s + start, len - start)));
  return parts;
}

/* The offset of the first top-level @c in @s, or -1. */
static gssize
find_top (const char *s, char c)
{
  int depth = 0;
  gboolean in_str = FALSE;

  for (gssize i = 0; s[i]; i++)
    {
      char ch = s[i];
      if (in_str)
        {
          if (ch == '\\' && s[i + 1])
            i++;
          else if (ch == '"')
            in_str = FALSE;
          continue;
        }
      if (ch == '"')
        in_str = TRUE;
      else if (ch == '-' && s[i + 1] == '>')
        i++;
      else if (ch == '(' || ch == '[' || ch == '{' || ch == '<')
        depth++;
      else if (ch == ')' || ch == ']' || ch == '}' || ch == '>')
        depth--;
      else if (ch == c && depth == 0)
        return i;
    }
  return -1;
}

static Param *
parse_param (const QlBuiltinInfo *b, const char *text)
{
  Param *p = g_new0 (Param, 1);
  gssize eq = find_top (text, '=');
  g_autofree char *head = eq >= 0 ? g_strndup (text, eq) : g_strdup (text);
  gssize colon = find_top (head, ':');

  if (eq >= 0)
    {
      p->def = g_strstrip (g_strdup (text + eq + 1));
      if (*p->def == '\0')
        die (b, "a parameter has '=' and no default");
    }
  if (colon >= 0)
    {
      p->name = g_strstrip (g_strndup (head, colon));
      p->type = g_strstrip (g_strdup (head + colon + 1));
      if (*p->type == '\0')
        die (b, "a parameter has ':' and no type");
    }
  else
    p->name = g_strstrip (g_strdup (head));
  if (*p->name == '\0')
    die (b, "a parameter has no name");
  return p;
}

/* "(a: series float, n: input int = 14) -> series float", or for a value
 * ": series float". */
static void
parse_signature (const QlBuiltinInfo *b, Sig *sig)
{
  const char *s = b->signature;

  sig->params = g_ptr_array_new_with_free_func (param_free);
  sig->returns = NULL;
  if (s == NULL)
    die (b, "no signature");
  while (g_ascii_isspace (*s))
    s++;
  if (b->kind == QL_BUILTIN_VALUE)
    {
      if (*s != ':')
        die (b, "a value's signature is \": TYPE\"");
      sig->returns = g_strstrip (g_strdup (s + 1));
      if (*sig->returns == '\0')
        die (b, "no type after ':'");
      return;
    }
  if (*s != '(')
    die (b, "a function's signature starts with '('");
  {
    gssize close = matching_close (s);
    const char *rest;
    if (close < 0)
      die (b, "unbalanced brackets");
    if (close > 1)
      {
        g_autoptr (GPtrArray) parts = split_top (s + 1, close - 1, ',');
        for (guint i = 0; i < parts->len; i++)
          g_ptr_array_add (sig->params, parse_param (b, g_ptr_array_index (parts, i)));
      }
    rest = s + close + 1;
    while (g_ascii_isspace (*rest))
      rest++;
    if (*rest == '\0')
      return;
    if (!g_str_has_prefix (rest, "->"))
      die (b, "expected \"->\" after the parameters");
    sig->returns = g_strstrip (g_strdup (rest + 2));
    if (*sig->returns == '\0')
      die (b, "no type after \"->\"");
  }
}

/* ---- JSON ----------------------------------------------------------------- */

static void
json_string (GString *out, const char *s)
{
  if (s == NULL)
    {
      g_string_append (out, "null");
      return;
    }
  g_string_append_c (out, '"');
  for (const unsigned char *c = (const unsigned char *) s; *c; c++)
    {
      switch (*c)
        {
        case '"': g_string_append (out, "\\\""); break;
        case '\\': g_string_append (out, "\\\\"); break;
        case '\n': g_string_append (out, "\\n"); break;
        case '\t': g_string_append (out, "\\t"); break;
        case '\r': g_string_append (out, "\\r"); break;
        default:
          if (*c < 0x20)
            g_string_append_printf (out, "\\u%04x", *c);
          else
            g_string_append_c (out, (char) *c); /* UTF-8 passes through */
        }
    }
  g_string_append_c (out, '"');
}

static const char *
kind_name (QlBuiltinKind k)
{
  switch (k)
    {
    case QL_BUILTIN_VALUE: return "value";
    case QL_BUILTIN_FUNCTION: return "function";
    case QL_BUILTIN_TA: return "ta";
    case QL_BUILTIN_ORDER: return "order";
    default: return "unknown";
    }
}

static void
json_word_list (GString *out, const char *key, const char *const *words, gboolean last)
{
  g_string_append_printf (out, "  \"%s\": [", key);
  for (guint i = 0; words && words[i]; i++)
    {
      g_string_append (out, i ? ",\n    " : "\n    ");
      json_string (out, words[i]);
    }
  g_string_append (out, words && words[0] ? "\n  ]" : "]");
  g_string_append (out, last ? "\n" : ",\n");
}

static char *
build_json (void)
{
  GString *out = g_string_new ("{\n  \"version\": 1,\n");
  guint n = ql_builtins_size ();

  json_word_list (out, "keywords", ql_keywords (), FALSE);
  json_word_list (out, "types", ql_type_names (), FALSE);
  g_string_append (out, "  \"builtins\": [");
  for (guint i = 0; i < n; i++)
    {
      const QlBuiltinInfo *b = ql_builtins_get (i);
      Sig sig;

      parse_signature (b, &sig);
      g_string_append (out, i ? ",\n    {\n" : "\n    {\n");
      g_string_append (out, "      \"name\": ");
      json_string (out, b->name);
      g_string_append (out, ",\n      \"kind\": ");
      json_string (out, kind_name (b->kind));
      g_string_append (out, ",\n      \"category\": ");
      json_string (out, b->category);
      g_string_append (out, ",\n      \"signature\": ");
      json_string (out, b->signature);
      g_string_append (out, ",\n      \"doc\": ");
      json_string (out, b->doc);
      g_string_append (out, ",\n      \"params\": [");
      for (guint k = 0; k < sig.params->len; k++)
        {
          const Param *p = g_ptr_array_index (sig.params, k);
          g_string_append (out, k ? ",\n        {\"name\": " : "\n        {\"name\": ");
          json_string (out, p->name);
          g_string_append (out, ", \"type\": ");
          json_string (out, p->type);
          g_string_append (out, ", \"default\": ");
          json_string (out, p->def);
          g_string_append_c (out, '}');
        }
      g_string_append (out, sig.params->len ? "\n      ],\n" : "],\n");
      g_string_append (out, "      \"returns\": ");
      json_string (out, sig.returns);
      g_string_append (out, "\n    }");
      sig_clear (&sig);
    }
  g_string_append (out, n ? "\n  ]\n}\n" : "]\n}\n");
  return g_string_free (out, FALSE);
}

/* ---- GtkSourceView 5 language definition ---------------------------------- */

/* Names become keyword regexes: letters, digits, '_' and '.' only (a dot
 * escaped), so the .lang needs no further quoting. */
static void
lang_word (GString *out, const char *word)
{
  for (const char *c = word; *c; c++)
    {
      if (!(g_ascii_isalnum (*c) || *c == '_' || *c == '.'))
        {
          fprintf (stderr, "gen-builtins: \"%s\" is not a name (letters, digits, '_', '.')\n", word);
          exit (1);
        }
    }
  g_string_append (out, "        <keyword>");
  for (const char *c = word; *c; c++)
    {
      if (*c == '.')
        g_string_append (out, "\\.");
      else
        g_string_append_c (out, *c);
    }
  g_string_append (out, "</keyword>\n");
}

static gboolean
is_constant (const char *w)
{
  return g_str_equal (w, "true") || g_str_equal (w, "false") || g_str_equal (w, "na");
}

/* A keyword context, or nothing when @words is empty.  The prefix and
 * suffix keep a dotted name whole: "ta.sma" matches, "x.ta.sma" and
 * "ta.sma2" do not. */
static void
lang_context (GString *out, const char *id, const char *style, GPtrArray *words)
{
  if (words->len == 0)
    return;
  g_string_append_printf (out, "      <context id=\"%s\" style-ref=\"%s\">\n", id, style);
  g_string_append (out, "        <prefix>(?&lt;![\\w.])</prefix>\n");
  g_string_append (out, "        <suffix>(?![\\w.])</suffix>\n");
  for (guint i = 0; i < words->len; i++)
    lang_word (out, g_ptr_array_index (words, i));
  g_string_append (out, "      </context>\n\n");
}

static gboolean
in_list (GPtrArray *a, const char *w)
{
  for (guint i = 0; i < a->len; i++)
    if (g_str_equal (g_ptr_array_index (a, i), w))
      return TRUE;
  return FALSE;
}

static char *
build_lang (void)
{
  GString *out = g_string_new (NULL);
  g_autoptr (GPtrArray) keywords = g_ptr_array_new ();
  g_autoptr (GPtrArray) types = g_ptr_array_new ();
  g_autoptr (GPtrArray) values = g_ptr_array_new ();
  g_autoptr (GPtrArray) functions = g_ptr_array_new ();
  g_autoptr (GPtrArray) orders = g_ptr_array_new ();
  const char *const *kw = ql_keywords ();
  const char *const *ty = ql_type_names ();

  for (guint i = 0; kw && kw[i]; i++)
    if (!is_constant (kw[i]))
      g_ptr_array_add (keywords, (gpointer) kw[i]);
  for (guint i = 0; ty && ty[i]; i++)
    g_ptr_array_add (types, (gpointer) ty[i]);
  for (guint i = 0; i < ql_builtins_size (); i++)
    {
      const QlBuiltinInfo *b = ql_builtins_get (i);
      if (is_constant (b->name) || in_list (keywords, b->name))
        continue;
      switch (b->kind)
        {
        case QL_BUILTIN_VALUE: g_ptr_array_add (values, (gpointer) b->name); break;
        case QL_BUILTIN_ORDER: g_ptr_array_add (orders, (gpointer) b->name); break;
        case QL_BUILTIN_FUNCTION:
        case QL_BUILTIN_TA:
        default: g_ptr_array_add (functions, (gpointer) b->name); break;
        }
    }

  g_string_append (out,
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<!--\n"
    "  QuantLab Script (.qls), GtkSourceView 5 language definition.\n"
    "  Generated by dsl/gen-builtins.c from the builtin table: do not edit;\n"
    "  run `ninja -C build dsl/quantlab-script.lang` and copy it here.\n"
    "-->\n"
    "<language id=\"qls\" name=\"QuantLab Script\" version=\"2.0\" section=\"Script\">\n"
    "  <metadata>\n"
    "    <property name=\"mimetypes\">text/x-quantlab-script</property>\n"
    "    <property name=\"globs\">*.qls</property>\n"
    "    <property name=\"line-comment-start\">//</property>\n"
    "  </metadata>\n"
    "\n"
    "  <styles>\n"
    "    <style id=\"comment\" name=\"Comment\" map-to=\"def:comment\"/>\n"
    "    <style id=\"string\" name=\"String\" map-to=\"def:string\"/>\n"
    "    <style id=\"escaped-character\" name=\"Escaped Character\" map-to=\"def:special-char\"/>\n"
    "    <style id=\"keyword\" name=\"Keyword\" map-to=\"def:keyword\"/>\n"
    "    <style id=\"type\" name=\"Data Type\" map-to=\"def:type\"/>\n"
    "    <style id=\"builtin\" name=\"Builtin Value\" map-to=\"def:builtin\"/>\n"
    "    <style id=\"function\" name=\"Builtin Function\" map-to=\"def:function\"/>\n"
    "    <style id=\"order\" name=\"Order Statement\" map-to=\"def:keyword\"/>\n"
    "    <style id=\"constant\" name=\"Constant\" map-to=\"def:constant\"/>\n"
    "    <style id=\"decimal\" name=\"Integer\" map-to=\"def:decimal\"/>\n"
    "    <style id=\"floating-point\" name=\"Floating Point Number\" map-to=\"def:floating-point\"/>\n"
    "    <style id=\"color\" name=\"Color Literal\" map-to=\"def:special-constant\"/>\n"
    "  </styles>\n"
    "\n"
    "  <definitions>\n"
    "    <context id=\"qls\" class=\"no-spell-check\">\n"
    "      <include>\n"
    "\n"
    "      <context id=\"line-comment\" style-ref=\"comment\" end-at-line-end=\"true\" class=\"comment\" class-disabled=\"no-spell-check\">\n"
    "        <start>//</start>\n"
    "        <include>\n"
    "          <context ref=\"def:in-comment\"/>\n"
    "        </include>\n"
    "      </context>\n"
    "\n"
    "      <context id=\"string\" style-ref=\"string\" end-at-line-end=\"true\" class=\"string\" class-disabled=\"no-spell-check\">\n"
    "        <start>\"</start>\n"
    "        <end>\"</end>\n"
    "        <include>\n"
    "          <context id=\"escaped-character\" style-ref=\"escaped-character\">\n"
    "            <match>\\\\.</match>\n"
    "          </context>\n"
    "        </include>\n"
    "      </context>\n"
    "\n"
    "      <context id=\"color\" style-ref=\"color\">\n"
    "        <match>#[0-9A-Fa-f]{6}([0-9A-Fa-f]{2})?(?![\\w])</match>\n"
    "      </context>\n"
    "\n"
    "      <context id=\"floating-point\" style-ref=\"floating-point\">\n"
    "        <match>(?&lt;![\\w.])([0-9]+\\.[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?(?![\\w.])|(?&lt;![\\w.])[0-9]+[eE][+-]?[0-9]+(?![\\w.])</match>\n"
    "      </context>\n"
    "\n"
    "      <context id=\"decimal\" style-ref=\"decimal\">\n"
    "        <match>(?&lt;![\\w.])[0-9]+(?![\\w.])</match>\n"
    "      </context>\n"
    "\n"
    "      <context id=\"constants\" style-ref=\"constant\">\n"
    "        <keyword>true</keyword>\n"
    "        <keyword>false</keyword>\n"
    "        <keyword>na</keyword>\n"
    "      </context>\n"
    "\n");
  lang_context (out, "keywords", "keyword", keywords);
  lang_context (out, "types", "type", types);
  lang_context (out, "orders", "order", orders);
  lang_context (out, "functions", "function", functions);
  lang_context (out, "builtins", "builtin", values);
  g_string_append (out,
    "      </include>\n"
    "    </context>\n"
    "  </definitions>\n"
    "</language>\n");
  return g_string_free (out, FALSE);
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *json = NULL;
  g_autofree char *lang = NULL;

  if (argc != 3)
    {
      fprintf (stderr, "usage: gen-builtins OUT.json OUT.lang\n");
      return 2;
    }
  json = build_json ();
  lang = build_lang ();
  if (!g_file_set_contents (argv[1], json, -1, &error)
      || !g_file_set_contents (argv[2], lang, -1, &error))
    {
      fprintf (stderr, "gen-builtins: %s\n", error->message);
      return 1;
    }
  return 0;
}
