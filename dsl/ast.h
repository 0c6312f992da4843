/* dsl/ast.h — the syntax tree of QuantLab Script, as dsl/parser.y builds it
 * from dsl/grammar.ebnf.
 *
 * One node type for every construct: a kind, a span and an array of
 * children whose meaning depends on the kind (below). Nodes, their child
 * arrays and their strings live in the tree's arena and die with
 * ql_ast_free (); nothing in a tree is freed one by one.
 *
 * A parse with syntax errors still returns a tree: a statement that could
 * not be parsed becomes a QL_NODE_ERROR node with the span of the bad text,
 * so the checker can go on with the rest (and stays quiet about the error
 * node itself, which the parser already reported).
 *
 * Children by kind ("?" marks a child that may be NULL):
 *   SCRIPT      kids: HEADER, then the top-level items (DECL, FN_DEF,
 *               EVENT_DEF, TEST_DEF, statements, ERROR)
 *   HEADER      op: QL_MODE_*; kids: ARG...
 *   ARG         name: the keyword of a named argument, or NULL; kids: expr
 *   TYPE        name: "int", "float", "array", "map", ...; kids: TYPE...
 *               (the parameters of array<T> and map<K, V>)
 *   PARAM       name; kids: TYPE?
 *   BLOCK       kids: items (declarations and statements, in order)
 *   DECL        op: QL_DECL_*; kids: NAMES, TYPE?, value (an expression,
 *               or an ORDER node for `o = buy (...)`)
 *   NAMES       kids: IDENT... (one for `x = ...`, several for a tuple)
 *   ASSIGN      op: QL_OP_ASSIGN, _ADD_ASSIGN, _SUB_ASSIGN, _MUL_ASSIGN,
 *               _DIV_ASSIGN; kids: target (IDENT, INDEX or MEMBER), value
 *   IF          kids: condition, BLOCK, else? (a BLOCK, or an IF for
 *               `else if`)
 *   FOR_RANGE   name: the loop variable; kids: from, to, by?, BLOCK
 *   FOR_IN      kids: NAMES (one name: the element; two: key, value / index,
 *               element), the iterated expression, BLOCK
 *   WHILE       kids: condition, BLOCK
 *   BREAK, CONTINUE
 *   RETURN      kids: expr?
 *   EXPR_STMT   kids: expr
 *   ORDER       op: QL_ORDER_*; name: the variable bound by `o = buy (...)`
 *               when the parser builds the ORDER as a statement (NULL
 *               otherwise); kids: ARG...
 *   OCO         name: the group (string content) or NULL; kids: BLOCK
 *   FN_DEF      name; kids: PARAMS, TYPE? (return type), BLOCK
 *   PARAMS      kids: PARAM...
 *   EVENT_DEF   name: "on_bar" etc.; kids: PARAM?, BLOCK
 *   TEST_DEF    name: the test's title (string content); kids: BLOCK
 *   ERROR       no kids
 * Expressions:
 *   INT         ival            FLOAT   fval
 *   STRING      name: the content, escapes resolved
 *   COLOR       ival: 0xRRGGBBAA (#RRGGBB gets alpha ff)
 *   BOOL        ival: 0 or 1    NA      (the literal na)
 *   IDENT       name
 *   ARRAY       kids: elements
 *   MAP         kids: key, value, key, value, ...
 *   UNARY       op: QL_OP_NEG, _PLUS, _NOT; kids: operand
 *   BINARY      op: QL_OP_ADD ... _OR; kids: left, right (and/or
 *               short-circuit: the checker and compiler know)
 *   TERNARY     kids: condition, then, else
 *   INDEX       kids: base, index (`x[n]`: history for a series, element
 *               for an array or map)
 *   MEMBER      name: the field; kids: base (`ta.sma`, `eth.close`)
 *   CALL        kids: callee (IDENT or MEMBER), ARG...
 */
#pragma once

#include "dsl/diag.h"

G_BEGIN_DECLS

typedef enum
{
  QL_NODE_SCRIPT,
  QL_NODE_HEADER,
  QL_NODE_ARG,
  QL_NODE_TYPE,
  QL_NODE_PARAM,
  QL_NODE_PARAMS,
  QL_NODE_BLOCK,
  QL_NODE_DECL,
  QL_NODE_NAMES,
  QL_NODE_ASSIGN,
  QL_NODE_IF,
  QL_NODE_FOR_RANGE,
  QL_NODE_FOR_IN,
  QL_NODE_WHILE,
  QL_NODE_BREAK,
  QL_NODE_CONTINUE,
  QL_NODE_RETURN,
  QL_NODE_EXPR_STMT,
  QL_NODE_ORDER,
  QL_NODE_OCO,
  QL_NODE_FN_DEF,
  QL_NODE_EVENT_DEF,
  QL_NODE_TEST_DEF,
  QL_NODE_ERROR,
  /* expressions */
  QL_NODE_INT,
  QL_NODE_FLOAT,
  QL_NODE_STRING,
  QL_NODE_COLOR,
  QL_NODE_BOOL,
  QL_NODE_NA,
  QL_NODE_IDENT,
  QL_NODE_ARRAY,
  QL_NODE_MAP,
  QL_NODE_UNARY,
  QL_NODE_BINARY,
  QL_NODE_TERNARY,
  QL_NODE_INDEX,
  QL_NODE_MEMBER,
  QL_NODE_CALL,
  QL_NODE_N_KINDS
} QlNodeKind;

typedef enum
{
  QL_MODE_INDICATOR,
  QL_MODE_STRATEGY,
  QL_MODE_EVENTS,
} QlScriptMode;

typedef enum
{
  QL_DECL_PLAIN,  /* x = ... */
  QL_DECL_VAR,    /* var x = ...: initialised once, kept across bars */
  QL_DECL_VARIP,  /* varip x = ...: also never rolled back within a bar */
} QlDeclKind;

typedef enum
{
  QL_ORDER_BUY,
  QL_ORDER_SELL,
  QL_ORDER_EXIT,
  QL_ORDER_CANCEL,
  QL_ORDER_BRACKET,
} QlOrderKind;

typedef enum
{
  /* binary, by precedence group */
  QL_OP_OR,
  QL_OP_AND,
  QL_OP_EQ,
  QL_OP_NE,
  QL_OP_LT,
  QL_OP_LE,
  QL_OP_GT,
  QL_OP_GE,
  QL_OP_ADD,
  QL_OP_SUB,
  QL_OP_MUL,
  QL_OP_DIV,
  QL_OP_MOD,
  /* unary */
  QL_OP_NEG,
  QL_OP_PLUS,
  QL_OP_NOT,
  /* assignment */
  QL_OP_ASSIGN,      /* := */
  QL_OP_ADD_ASSIGN,  /* += */
  QL_OP_SUB_ASSIGN,
  QL_OP_MUL_ASSIGN,
  QL_OP_DIV_ASSIGN,
} QlOp;

typedef struct QlNode QlNode;

struct QlNode
{
  QlNodeKind kind;
  int op;              /* QlOp, QlScriptMode, QlDeclKind or QlOrderKind */
  QlSpan span;         /* the whole construct */
  const char *name;    /* see above; arena string */
  gint64 ival;
  double fval;
  QlNode **kids;       /* n_kids entries; an optional child is NULL */
  guint n_kids;
};

typedef struct QlAst QlAst;

/* Parses @source (@len bytes; it need not be NUL-terminated and may hold
 * any bytes). Lexical and syntax errors go to @diags (E00xx, E01xx), each
 * with its span; parsing recovers at the next line or block and goes on.
 * Never NULL: with errors, the tree holds ERROR nodes where text was bad.
 * A script whose first item is not a header gets E0101 and a default
 * `indicator` header node with an empty span. (transfer full) */
QlAst  *ql_parse (const char *source,
                  gsize       len,
                  QlDiagList *diags);
void    ql_ast_free (QlAst *self);   /* NULL ok */
QlNode *ql_ast_get_root (const QlAst *self);   /* a SCRIPT node */

/* Tree building, for the parser (and for tests). Strings are copied into
 * the arena; @kids of ql_ast_node_new are copied. */
QlNode     *ql_ast_node_new (QlAst        *self,
                             QlNodeKind    kind,
                             const QlSpan *span,
                             QlNode      **kids,
                             guint         n_kids);
void        ql_ast_node_append (QlAst  *self,
                                QlNode *parent,
                                QlNode *kid);
const char *ql_ast_strdup (QlAst      *self,
                           const char *s,
                           gssize      len);

/* "IDENT", "CALL", ... */
const char *ql_node_kind_name (QlNodeKind kind);
/* An S-expression of the tree, one node per line, indented, with spans:
 * (CALL 3:5-3:22 (MEMBER name=sma ...)). For tests and `check --ast`.
 * (transfer full) */
char       *ql_ast_dump (const QlNode *node);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QlAst, ql_ast_free)

G_END_DECLS
