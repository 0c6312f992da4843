/* tests/fuzz/fuzz-parse.c — libFuzzer target for the QuantLab Script lexer
 * and parser (dsl/lexer.l, dsl/parser.y, dsl/ast.c).
 *
 * Arbitrary bytes are parsed; the tree is walked and dumped and the
 * diagnostics rendered as text and JSON. Must never crash, hang or leak,
 * and the tree must keep the shape dsl/ast.h promises: a SCRIPT whose
 * first kid is a HEADER, spans inside the source, a call's callee a name
 * or a member, an assignment's target a name, an element or a field. */
#include "dsl/ast.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
check_tree (const QlNode *root,
            size_t        size)
{
  GPtrArray *stack = g_ptr_array_new ();

  g_assert (root != NULL);
  g_assert (root->kind == QL_NODE_SCRIPT);
  g_assert (root->n_kids >= 1 && root->kids[0]->kind == QL_NODE_HEADER);
  g_ptr_array_add (stack, (gpointer) root);
  while (stack->len > 0)
    {
      const QlNode *n = g_ptr_array_steal_index (stack, stack->len - 1);

      g_assert ((guint) n->kind < QL_NODE_N_KINDS);
      g_assert (n->span.offset <= n->span.end_offset);
      g_assert (n->span.end_offset <= size);
      if (n->kind == QL_NODE_CALL)
        g_assert (n->n_kids >= 1 && (n->kids[0]->kind == QL_NODE_IDENT
                                     || n->kids[0]->kind == QL_NODE_MEMBER));
      if (n->kind == QL_NODE_ASSIGN)
        g_assert (n->n_kids == 2 && (n->kids[0]->kind == QL_NODE_IDENT
                                     || n->kids[0]->kind == QL_NODE_INDEX
                                     || n->kids[0]->kind == QL_NODE_MEMBER));
      if (n->kind == QL_NODE_BINARY || n->kind == QL_NODE_INDEX)
        g_assert (n->n_kids == 2 && n->kids[0] && n->kids[1]);
      for (guint i = 0; i < n->n_kids; i++)
        if (n->kids[i])
          g_ptr_array_add (stack, n->kids[i]);
    }
  g_ptr_array_unref (stack);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  QlDiagList *diags = ql_diag_list_new ("fuzz.qls", (const char *) data, size);
  QlAst *ast = ql_parse ((const char *) data, size, diags);
  char *dump, *text, *json;

  check_tree (ql_ast_get_root (ast), size);
  dump = ql_ast_dump (ql_ast_get_root (ast));
  g_assert (dump[0] == '(');
  ql_diag_list_sort (diags);
  text = ql_diag_list_to_text (diags, TRUE);
  json = ql_diag_list_to_json (diags);
  g_assert (diags->n_errors <= QL_DIAG_MAX_ERRORS);
  g_free (dump);
  g_free (text);
  g_free (json);
  ql_ast_free (ast);
  ql_diag_list_free (diags);
  return 0;
}
