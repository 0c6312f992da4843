/* tests/dsl/test-generated-gsv.c — GtkSourceView 5 loads the generated
 * dsl/quantlab-script.lang: found by id and by glob, and its contexts
 * highlight a sample script (comments, strings, dotted builtin names).
 * Built only where gtksourceview-5 is installed.
 *
 * Usage: test-generated-gsv DIR (the folder holding quantlab-script.lang). */
#include <gtksourceview/gtksource.h>

#include <string.h>

static const char *lang_dir;

static GtkSourceLanguageManager *
manager (void)
{
  GtkSourceLanguageManager *lm = gtk_source_language_manager_new ();
  const char *const *defaults = gtk_source_language_manager_get_search_path (lm);
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
  g_auto (GStrv) path = NULL;

  /* Ours first, then the system's (for def.lang, which the styles map to). */
  g_strv_builder_add (b, lang_dir);
  g_strv_builder_addv (b, (const char **) defaults);
  path = g_strv_builder_end (b);
  gtk_source_language_manager_set_search_path (lm, (const char *const *) path);
  return lm;
}

static void
test_found (void)
{
  g_autoptr (GtkSourceLanguageManager) lm = manager ();
  GtkSourceLanguage *by_id, *by_glob;

  g_test_summary ("The language is found by its id qls and by the glob *.qls");
  by_id = gtk_source_language_manager_get_language (lm, "qls");
  g_assert_nonnull (by_id);
  g_assert_cmpstr (gtk_source_language_get_name (by_id), ==, "QuantLab Script");
  by_glob = gtk_source_language_manager_guess_language (lm, "strategies/sma_cross.qls", NULL);
  g_assert_nonnull (by_glob);
  g_assert_cmpstr (gtk_source_language_get_id (by_glob), ==, "qls");
  g_assert_cmpstr (gtk_source_language_get_metadata (by_id, "line-comment-start"), ==, "//");
}

/* The number of style tags at @offset of @buf (context class tags, such
 * as the whole script's no-spell-check, left out). */
static guint
n_tags_at (GtkTextBuffer *buf, int offset)
{
  GtkTextIter it;
  GSList *tags;
  guint n = 0;

  gtk_text_buffer_get_iter_at_offset (buf, &it, offset);
  tags = gtk_text_iter_get_tags (&it);
  for (GSList *l = tags; l; l = l->next)
    {
      g_autofree char *name = NULL;
      g_object_get (l->data, "name", &name, NULL);
      if (name == NULL || !g_str_has_prefix (name, "gtksourceview:context-classes:"))
        n++;
    }
  g_slist_free (tags);
  return n;
}

static void
test_highlights (void)
{
  g_autoptr (GtkSourceLanguageManager) lm = manager ();
  GtkSourceLanguage *lang = gtk_source_language_manager_get_language (lm, "qls");
  g_autoptr (GtkSourceBuffer) buf = NULL;
  GtkTextIter start, end, it;
  const char *text =
    "indicator(\"x // not a comment\")\n"
    "fast = ta.sma(close, 10) // the fast line\n"
    "plain = foo.bar + 1.5\n";
  const char *t;

  g_test_summary ("The generated contexts compile and highlight: strings, comments, "
                  "a dotted builtin and not a plain identifier");
  g_assert_nonnull (lang);
  buf = gtk_source_buffer_new_with_language (lang);
  gtk_source_buffer_set_highlight_syntax (buf, TRUE);
  gtk_text_buffer_set_text (GTK_TEXT_BUFFER (buf), text, -1);
  gtk_text_buffer_get_bounds (GTK_TEXT_BUFFER (buf), &start, &end);
  gtk_source_buffer_ensure_highlight (buf, &start, &end);

  /* The "//" inside the string is string, not comment. */
  t = strstr (text, "// not");
  gtk_text_buffer_get_iter_at_offset (GTK_TEXT_BUFFER (buf), &it, (int) (t - text));
  g_assert_true (gtk_source_buffer_iter_has_context_class (buf, &it, "string"));
  g_assert_false (gtk_source_buffer_iter_has_context_class (buf, &it, "comment"));
  t = strstr (text, "// the fast");
  gtk_text_buffer_get_iter_at_offset (GTK_TEXT_BUFFER (buf), &it, (int) (t - text) + 4);
  g_assert_true (gtk_source_buffer_iter_has_context_class (buf, &it, "comment"));

  /* ta.sma is styled, through its dot; foo.bar is not. */
  t = strstr (text, "ta.sma");
  g_assert_cmpuint (n_tags_at (GTK_TEXT_BUFFER (buf), (int) (t - text)), >, 0);
  g_assert_cmpuint (n_tags_at (GTK_TEXT_BUFFER (buf), (int) (t - text) + 4), >, 0);
  t = strstr (text, "foo.bar");
  g_assert_cmpuint (n_tags_at (GTK_TEXT_BUFFER (buf), (int) (t - text)), ==, 0);
  g_assert_cmpuint (n_tags_at (GTK_TEXT_BUFFER (buf), (int) (t - text) + 4), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (argc < 2)
    g_error ("usage: test-generated-gsv DIR");
  lang_dir = argv[1];
  gtk_source_init ();

  g_test_add_func ("/dsl/generated/gsv/found", test_found);
  g_test_add_func ("/dsl/generated/gsv/highlights", test_highlights);
  return g_test_run ();
}
