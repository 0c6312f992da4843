/* tests/dsl/test-parse.c — the QuantLab Script lexer and parser.
 *
 * Golden trees: each construct parsed and dumped with ql_ast_dump, the
 * expected text written by hand from the source (columns counted by hand,
 * end columns exclusive). Then indentation edge cases, every lexical and
 * syntax diagnostic on its exact text, and recovery after errors. */
#include "dsl/ast.h"

#include <string.h>

#define HEADER "indicator(\"t\")\n"

typedef struct
{
  QlDiagList *diags;
  QlAst *ast;
} Parsed;

static Parsed
parse (const char *src)
{
  Parsed p;

  p.diags = ql_diag_list_new ("t.qls", src, strlen (src));
  p.ast = ql_parse (src, strlen (src), p.diags);
  return p;
}

static void
parsed_clear (Parsed *p)
{
  ql_ast_free (p->ast);
  ql_diag_list_free (p->diags);
}

static char *
diag_text (const Parsed *p)
{
  return ql_diag_list_to_text (p->diags, FALSE);
}

/* Top-level item @i of @src (0 is the header), which must parse cleanly. */
static void
check_item (const char *src,
            guint       i,
            const char *expected)
{
  Parsed p = parse (src);
  QlNode *root = ql_ast_get_root (p.ast);
  g_autofree char *diags = diag_text (&p);
  g_autofree char *dump = NULL;

  g_assert_cmpstr (diags, ==, "");
  g_assert_cmpint (root->kind, ==, QL_NODE_SCRIPT);
  g_assert_cmpuint (root->n_kids, >, i);
  dump = ql_ast_dump (root->kids[i]);
  g_assert_cmpstr (dump, ==, expected);
  parsed_clear (&p);
}

/* The diagnostics of @src, as text, must be @expected. */
static void
check_diags (const char *src,
             const char *expected)
{
  Parsed p = parse (src);
  g_autofree char *text = diag_text (&p);

  g_assert_cmpstr (text, ==, expected);
  parsed_clear (&p);
}

/* Kinds of the top-level items, header included, as "HEADER DECL ...". */
static char *
item_kinds (const QlAst *ast)
{
  QlNode *root = ql_ast_get_root (ast);
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < root->n_kids; i++)
    g_string_append_printf (s, "%s%s", i ? " " : "", ql_node_kind_name (root->kids[i]->kind));
  return g_string_free (s, FALSE);
}

static void
test_tree_header (void)
{
  g_test_summary ("The header's mode and arguments, a named one included");
  check_item ("indicator(\"x\", overlay = true)\n", 0,
              "(HEADER 1:1-1:31 op=INDICATOR\n"
              "  (ARG 1:11-1:14\n"
              "    (STRING 1:11-1:14 name=\"x\"))\n"
              "  (ARG 1:16-1:30 name=overlay\n"
              "    (BOOL 1:26-1:30 value=true)))\n");
  check_item ("strategy(\"s\")\n", 0,
              "(HEADER 1:1-1:14 op=STRATEGY\n"
              "  (ARG 1:10-1:13\n"
              "    (STRING 1:10-1:13 name=\"s\")))\n");
  check_item ("events()\n", 0, "(HEADER 1:1-1:9 op=EVENTS)\n");
}

static void
test_tree_decl (void)
{
  g_test_summary ("Declarations: var with a type, varip, tuples, generic types, map and array literals");
  check_item (HEADER "var x: float = 1.5\n", 1,
              "(DECL 2:1-2:19 op=VAR\n"
              "  (NAMES 2:5-2:6\n"
              "    (IDENT 2:5-2:6 name=x))\n"
              "  (TYPE 2:8-2:13 name=float)\n"
              "  (FLOAT 2:16-2:19 value=1.5))\n");
  check_item (HEADER "varip n = 0\n", 1,
              "(DECL 2:1-2:12 op=VARIP\n"
              "  (NAMES 2:7-2:8\n"
              "    (IDENT 2:7-2:8 name=n))\n"
              "  nil\n"
              "  (INT 2:11-2:12 value=0))\n");
  check_item (HEADER "a, b = f()\n", 1,
              "(DECL 2:1-2:11 op=PLAIN\n"
              "  (NAMES 2:1-2:5\n"
              "    (IDENT 2:1-2:2 name=a)\n"
              "    (IDENT 2:4-2:5 name=b))\n"
              "  nil\n"
              "  (CALL 2:8-2:11\n"
              "    (IDENT 2:8-2:9 name=f)))\n");
  check_item (HEADER "m: map<string, array<int>> = {\"a\": [1], 'b': []}\n", 1,
              "(DECL 2:1-2:49 op=PLAIN\n"
              "  (NAMES 2:1-2:2\n"
              "    (IDENT 2:1-2:2 name=m))\n"
              "  (TYPE 2:4-2:27 name=map\n"
              "    (TYPE 2:8-2:14 name=string)\n"
              "    (TYPE 2:16-2:26 name=array\n"
              "      (TYPE 2:22-2:25 name=int)))\n"
              "  (MAP 2:30-2:49\n"
              "    (STRING 2:31-2:34 name=\"a\")\n"
              "    (ARRAY 2:36-2:39\n"
              "      (INT 2:37-2:38 value=1))\n"
              "    (STRING 2:41-2:44 name=\"b\")\n"
              "    (ARRAY 2:46-2:48)))\n");
}

static void
test_tree_precedence (void)
{
  g_test_summary ("Precedence from ?: down to unary minus; left and right associativity");
  /* x = -a + b * c % 2 > 3 and not d or e ? 1 : 2
   * is  ((((-a) + ((b * c) % 2)) > 3) and (not d)) or e ? 1 : 2 */
  check_item (HEADER "x = -a + b * c % 2 > 3 and not d or e ? 1 : 2\n", 1,
              "(DECL 2:1-2:46 op=PLAIN\n"
              "  (NAMES 2:1-2:2\n"
              "    (IDENT 2:1-2:2 name=x))\n"
              "  nil\n"
              "  (TERNARY 2:5-2:46\n"
              "    (BINARY 2:5-2:38 op=OR\n"
              "      (BINARY 2:5-2:33 op=AND\n"
              "        (BINARY 2:5-2:23 op=GT\n"
              "          (BINARY 2:5-2:19 op=ADD\n"
              "            (UNARY 2:5-2:7 op=NEG\n"
              "              (IDENT 2:6-2:7 name=a))\n"
              "            (BINARY 2:10-2:19 op=MOD\n"
              "              (BINARY 2:10-2:15 op=MUL\n"
              "                (IDENT 2:10-2:11 name=b)\n"
              "                (IDENT 2:14-2:15 name=c))\n"
              "              (INT 2:18-2:19 value=2)))\n"
              "          (INT 2:22-2:23 value=3))\n"
              "        (UNARY 2:28-2:33 op=NOT\n"
              "          (IDENT 2:32-2:33 name=d)))\n"
              "      (IDENT 2:37-2:38 name=e))\n"
              "    (INT 2:41-2:42 value=1)\n"
              "    (INT 2:45-2:46 value=2)))\n");
  /* a - b - c is (a - b) - c */
  check_item (HEADER "y = a - b - c\n", 1,
              "(DECL 2:1-2:14 op=PLAIN\n"
              "  (NAMES 2:1-2:2\n"
              "    (IDENT 2:1-2:2 name=y))\n"
              "  nil\n"
              "  (BINARY 2:5-2:14 op=SUB\n"
              "    (BINARY 2:5-2:10 op=SUB\n"
              "      (IDENT 2:5-2:6 name=a)\n"
              "      (IDENT 2:9-2:10 name=b))\n"
              "    (IDENT 2:13-2:14 name=c)))\n");
  /* p ? 1 : q ? 2 : 3 is p ? 1 : (q ? 2 : 3) */
  check_item (HEADER "z = p ? 1 : q ? 2 : 3\n", 1,
              "(DECL 2:1-2:22 op=PLAIN\n"
              "  (NAMES 2:1-2:2\n"
              "    (IDENT 2:1-2:2 name=z))\n"
              "  nil\n"
              "  (TERNARY 2:5-2:22\n"
              "    (IDENT 2:5-2:6 name=p)\n"
              "    (INT 2:9-2:10 value=1)\n"
              "    (TERNARY 2:13-2:22\n"
              "      (IDENT 2:13-2:14 name=q)\n"
              "      (INT 2:17-2:18 value=2)\n"
              "      (INT 2:21-2:22 value=3))))\n");
}

static void
test_tree_postfix (void)
{
  g_test_summary ("History, members and calls chain left to right");
  check_item (HEADER "eth.close[1] + ta.sma(close, 14)[2]\n", 1,
              "(EXPR_STMT 2:1-2:36\n"
              "  (BINARY 2:1-2:36 op=ADD\n"
              "    (INDEX 2:1-2:13\n"
              "      (MEMBER 2:1-2:10 name=close\n"
              "        (IDENT 2:1-2:4 name=eth))\n"
              "      (INT 2:11-2:12 value=1))\n"
              "    (INDEX 2:16-2:36\n"
              "      (CALL 2:16-2:33\n"
              "        (MEMBER 2:16-2:22 name=sma\n"
              "          (IDENT 2:16-2:18 name=ta))\n"
              "        (ARG 2:23-2:28\n"
              "          (IDENT 2:23-2:28 name=close))\n"
              "        (ARG 2:30-2:32\n"
              "          (INT 2:30-2:32 value=14)))\n"
              "      (INT 2:34-2:35 value=2))))\n");
}

static void
test_tree_keyword_member (void)
{
  g_test_summary ("After '.' a keyword is a member name: ta.var is the variance");
  check_item (HEADER "v = ta.var(close)\n", 1,
              "(DECL 2:1-2:18 op=PLAIN\n"
              "  (NAMES 2:1-2:2\n"
              "    (IDENT 2:1-2:2 name=v))\n"
              "  nil\n"
              "  (CALL 2:5-2:18\n"
              "    (MEMBER 2:5-2:11 name=var\n"
              "      (IDENT 2:5-2:7 name=ta))\n"
              "    (ARG 2:12-2:17\n"
              "      (IDENT 2:12-2:17 name=close))))\n");
}

static void
test_tree_if (void)
{
  g_test_summary ("if / else if / else nests the else-if as an IF in the else slot");
  check_item (HEADER
              "if a > 1\n"
              "    x := 1\n"
              "else if a < 0\n"
              "    x := 2\n"
              "else\n"
              "    x := 3\n", 1,
              "(IF 2:1-7:11\n"
              "  (BINARY 2:4-2:9 op=GT\n"
              "    (IDENT 2:4-2:5 name=a)\n"
              "    (INT 2:8-2:9 value=1))\n"
              "  (BLOCK 3:5-3:11\n"
              "    (ASSIGN 3:5-3:11 op=ASSIGN\n"
              "      (IDENT 3:5-3:6 name=x)\n"
              "      (INT 3:10-3:11 value=1)))\n"
              "  (IF 4:6-7:11\n"
              "    (BINARY 4:9-4:14 op=LT\n"
              "      (IDENT 4:9-4:10 name=a)\n"
              "      (INT 4:13-4:14 value=0))\n"
              "    (BLOCK 5:5-5:11\n"
              "      (ASSIGN 5:5-5:11 op=ASSIGN\n"
              "        (IDENT 5:5-5:6 name=x)\n"
              "        (INT 5:10-5:11 value=2)))\n"
              "    (BLOCK 7:5-7:11\n"
              "      (ASSIGN 7:5-7:11 op=ASSIGN\n"
              "        (IDENT 7:5-7:6 name=x)\n"
              "        (INT 7:10-7:11 value=3)))))\n");
}

static const char loops_src[] = HEADER
  "for i = 0 to 10 by 2\n"
  "    continue\n"
  "for k, v in m\n"
  "    break\n"
  "while n > 0\n"
  "    n -= 1\n"
  "for j = 1 to n\n"
  "    x := j\n";

static void
test_tree_loops (void)
{
  g_test_summary ("for ... to ... by, for ... in with one or two names, while, break, continue");
  check_item (loops_src, 1,
              "(FOR_RANGE 2:1-3:13 name=i\n"
              "  (INT 2:9-2:10 value=0)\n"
              "  (INT 2:14-2:16 value=10)\n"
              "  (INT 2:20-2:21 value=2)\n"
              "  (BLOCK 3:5-3:13\n"
              "    (CONTINUE 3:5-3:13)))\n");
  check_item (loops_src, 2,
              "(FOR_IN 4:1-5:10\n"
              "  (NAMES 4:5-4:9\n"
              "    (IDENT 4:5-4:6 name=k)\n"
              "    (IDENT 4:8-4:9 name=v))\n"
              "  (IDENT 4:13-4:14 name=m)\n"
              "  (BLOCK 5:5-5:10\n"
              "    (BREAK 5:5-5:10)))\n");
  check_item (loops_src, 3,
              "(WHILE 6:1-7:11\n"
              "  (BINARY 6:7-6:12 op=GT\n"
              "    (IDENT 6:7-6:8 name=n)\n"
              "    (INT 6:11-6:12 value=0))\n"
              "  (BLOCK 7:5-7:11\n"
              "    (ASSIGN 7:5-7:11 op=SUB_ASSIGN\n"
              "      (IDENT 7:5-7:6 name=n)\n"
              "      (INT 7:10-7:11 value=1))))\n");
  check_item (loops_src, 4,
              "(FOR_RANGE 8:1-9:11 name=j\n"
              "  (INT 8:9-8:10 value=1)\n"
              "  (IDENT 8:14-8:15 name=n)\n"
              "  nil\n"
              "  (BLOCK 9:5-9:11\n"
              "    (ASSIGN 9:5-9:11 op=ASSIGN\n"
              "      (IDENT 9:5-9:6 name=x)\n"
              "      (IDENT 9:10-9:11 name=j))))\n");
}

static void
test_tree_fn (void)
{
  g_test_summary ("fn with typed and untyped parameters, a return type, return with and without a value");
  check_item (HEADER
              "fn clamp(x: float, lo, hi: float) -> float\n"
              "    if x < lo\n"
              "        return lo\n"
              "    return\n", 1,
              "(FN_DEF 2:1-5:11 name=clamp\n"
              "  (PARAMS 2:10-2:33\n"
              "    (PARAM 2:10-2:18 name=x\n"
              "      (TYPE 2:13-2:18 name=float))\n"
              "    (PARAM 2:20-2:22 name=lo\n"
              "      nil)\n"
              "    (PARAM 2:24-2:33 name=hi\n"
              "      (TYPE 2:28-2:33 name=float)))\n"
              "  (TYPE 2:38-2:43 name=float)\n"
              "  (BLOCK 3:5-5:11\n"
              "    (IF 3:5-4:18\n"
              "      (BINARY 3:8-3:14 op=LT\n"
              "        (IDENT 3:8-3:9 name=x)\n"
              "        (IDENT 3:12-3:14 name=lo))\n"
              "      (BLOCK 4:9-4:18\n"
              "        (RETURN 4:9-4:18\n"
              "          (IDENT 4:16-4:18 name=lo)))\n"
              "      nil)\n"
              "    (RETURN 5:5-5:11\n"
              "      nil)))\n");
}

static const char event_src[] = HEADER
  "event on_start()\n"
  "    x := 0\n"
  "test \"it's \\\"ok\\\"\"\n"
  "    assert(true)\n";

static void
test_tree_event_test (void)
{
  g_test_summary ("An event handler without parameter and a test block with escapes in its title");
  check_item (event_src, 1,
              "(EVENT_DEF 2:1-3:11 name=on_start\n"
              "  nil\n"
              "  (BLOCK 3:5-3:11\n"
              "    (ASSIGN 3:5-3:11 op=ASSIGN\n"
              "      (IDENT 3:5-3:6 name=x)\n"
              "      (INT 3:10-3:11 value=0))))\n");
  check_item (event_src, 2,
              "(TEST_DEF 4:1-5:17 name=\"it's \\\"ok\\\"\"\n"
              "  (BLOCK 5:5-5:17\n"
              "    (EXPR_STMT 5:5-5:17\n"
              "      (CALL 5:5-5:17\n"
              "        (IDENT 5:5-5:11 name=assert)\n"
              "        (ARG 5:12-5:16\n"
              "          (BOOL 5:12-5:16 value=true))))))\n");
}

static const char orders_src[] = HEADER
  "o = buy(\"L\", 1, limit = 100.5)\n"
  "cancel(o)\n"
  "oco\n"
  "    sell(\"a\", 2)\n"
  "    buy(\"b\", 2)\n"
  "bracket(\"b\", \"long\", 1, take = 110, stop = 90)\n"
  "exit(all)\n";

static void
test_tree_orders (void)
{
  g_test_summary ("o = buy (...) binds an order handle; cancel, oco blocks, bracket and exit statements");
  check_item (orders_src, 1,
              "(DECL 2:1-2:31 op=PLAIN\n"
              "  (NAMES 2:1-2:2\n"
              "    (IDENT 2:1-2:2 name=o))\n"
              "  nil\n"
              "  (ORDER 2:5-2:31 op=BUY\n"
              "    (ARG 2:9-2:12\n"
              "      (STRING 2:9-2:12 name=\"L\"))\n"
              "    (ARG 2:14-2:15\n"
              "      (INT 2:14-2:15 value=1))\n"
              "    (ARG 2:17-2:30 name=limit\n"
              "      (FLOAT 2:25-2:30 value=100.5))))\n");
  check_item (orders_src, 2,
              "(ORDER 3:1-3:10 op=CANCEL\n"
              "  (ARG 3:8-3:9\n"
              "    (IDENT 3:8-3:9 name=o)))\n");
  check_item (orders_src, 3,
              "(OCO 4:1-6:16\n"
              "  (BLOCK 5:5-6:16\n"
              "    (ORDER 5:5-5:17 op=SELL\n"
              "      (ARG 5:10-5:13\n"
              "        (STRING 5:10-5:13 name=\"a\"))\n"
              "      (ARG 5:15-5:16\n"
              "        (INT 5:15-5:16 value=2)))\n"
              "    (ORDER 6:5-6:16 op=BUY\n"
              "      (ARG 6:9-6:12\n"
              "        (STRING 6:9-6:12 name=\"b\"))\n"
              "      (ARG 6:14-6:15\n"
              "        (INT 6:14-6:15 value=2)))))\n");

  {
    Parsed p = parse (orders_src);
    QlNode *root = ql_ast_get_root (p.ast);

    g_assert_cmpuint (p.diags->n_errors, ==, 0);
    g_assert_cmpuint (root->n_kids, ==, 6);
    g_assert_cmpint (root->kids[4]->kind, ==, QL_NODE_ORDER);
    g_assert_cmpint (root->kids[4]->op, ==, QL_ORDER_BRACKET);
    g_assert_cmpuint (root->kids[4]->n_kids, ==, 5);
    g_assert_cmpstr (root->kids[4]->kids[3]->name, ==, "take");
    g_assert_cmpint (root->kids[5]->kind, ==, QL_NODE_ORDER);
    g_assert_cmpint (root->kids[5]->op, ==, QL_ORDER_EXIT);
    g_assert_cmpstr (root->kids[5]->kids[0]->kids[0]->name, ==, "all");
    parsed_clear (&p);
  }
}

static void
test_tree_literals (void)
{
  g_test_summary ("Colors (alpha ff by default), na, bools, single-quoted escapes, float forms, empty map");
  check_item (HEADER "[#FF8000, #11223344, na, false, 'a\\tb', .5, 1e-3, 7, {}]\n", 1,
              "(EXPR_STMT 2:1-2:57\n"
              "  (ARRAY 2:1-2:57\n"
              "    (COLOR 2:2-2:9 value=#ff8000ff)\n"
              "    (COLOR 2:11-2:20 value=#11223344)\n"
              "    (NA 2:22-2:24)\n"
              "    (BOOL 2:26-2:31 value=false)\n"
              "    (STRING 2:33-2:39 name=\"a\\tb\")\n"
              "    (FLOAT 2:41-2:43 value=0.5)\n"
              "    (FLOAT 2:45-2:49 value=0.001)\n"
              "    (INT 2:51-2:52 value=7)\n"
              "    (MAP 2:54-2:56)))\n");
  /* The largest int64 is a literal; one more is E0005 (below). */
  check_item (HEADER "n = 9223372036854775807\n", 1,
              "(DECL 2:1-2:24 op=PLAIN\n"
              "  (NAMES 2:1-2:2\n"
              "    (IDENT 2:1-2:2 name=n))\n"
              "  nil\n"
              "  (INT 2:5-2:24 value=9223372036854775807))\n");
}

static const char assign_src[] = HEADER
  "a[0] := 1\n"
  "s.f += 2\n"
  "x *= 3\n"
  "x /= 4\n";

static void
test_tree_assign (void)
{
  g_test_summary ("Reassignment of elements and fields, and the compound operators");
  check_item (assign_src, 1,
              "(ASSIGN 2:1-2:10 op=ASSIGN\n"
              "  (INDEX 2:1-2:5\n"
              "    (IDENT 2:1-2:2 name=a)\n"
              "    (INT 2:3-2:4 value=0))\n"
              "  (INT 2:9-2:10 value=1))\n");
  check_item (assign_src, 2,
              "(ASSIGN 3:1-3:9 op=ADD_ASSIGN\n"
              "  (MEMBER 3:1-3:4 name=f\n"
              "    (IDENT 3:1-3:2 name=s))\n"
              "  (INT 3:8-3:9 value=2))\n");
  check_item (assign_src, 3,
              "(ASSIGN 4:1-4:7 op=MUL_ASSIGN\n"
              "  (IDENT 4:1-4:2 name=x)\n"
              "  (INT 4:6-4:7 value=3))\n");
  check_item (assign_src, 4,
              "(ASSIGN 5:1-5:7 op=DIV_ASSIGN\n"
              "  (IDENT 5:1-5:2 name=x)\n"
              "  (INT 5:6-5:7 value=4))\n");
}

static void
test_spans (void)
{
  /* "if a\n" is bytes 15..19 after the 15-byte header; "    b := 10\n"
   * is 20..31 with b at 24, := at 26 and 10 at 29..30. */
  const char *src = HEADER "if a\n    b := 10\n";
  Parsed p = parse (src);
  QlNode *root = ql_ast_get_root (p.ast);
  QlNode *if_node, *assign_node, *ten;

  g_test_summary ("Spans give lines, columns and byte offsets, end exclusive, NL not included");
  g_assert_cmpuint (p.diags->n_errors, ==, 0);
  g_assert_cmpuint (root->n_kids, ==, 2);
  if_node = root->kids[1];
  g_assert_cmpint (if_node->kind, ==, QL_NODE_IF);
  g_assert_cmpuint (if_node->span.line, ==, 2);
  g_assert_cmpuint (if_node->span.col, ==, 1);
  g_assert_cmpuint (if_node->span.offset, ==, 15);
  g_assert_cmpuint (if_node->span.end_line, ==, 3);
  g_assert_cmpuint (if_node->span.end_col, ==, 12);
  g_assert_cmpuint (if_node->span.end_offset, ==, 31);
  assign_node = if_node->kids[1]->kids[0];
  g_assert_cmpint (assign_node->kind, ==, QL_NODE_ASSIGN);
  g_assert_cmpuint (assign_node->span.offset, ==, 24);
  g_assert_cmpuint (assign_node->span.end_offset, ==, 31);
  ten = assign_node->kids[1];
  g_assert_cmpint (ten->ival, ==, 10);
  g_assert_cmpuint (ten->span.line, ==, 3);
  g_assert_cmpuint (ten->span.col, ==, 10);
  g_assert_cmpuint (ten->span.offset, ==, 29);
  g_assert_cmpuint (ten->span.end_offset, ==, 31);
  g_assert_cmpint (memcmp (src + ten->span.offset, "10", 2), ==, 0);
  /* The script covers everything from the header to the last token. */
  g_assert_cmpuint (root->span.offset, ==, 0);
  g_assert_cmpuint (root->span.end_offset, ==, 31);
  parsed_clear (&p);
}

/* @src must parse without diagnostics to top-level items of @kinds. */
static void
check_kinds (const char *src,
             const char *kinds)
{
  Parsed p = parse (src);
  g_autofree char *text = diag_text (&p);
  g_autofree char *got = item_kinds (p.ast);

  g_assert_cmpstr (text, ==, "");
  g_assert_cmpstr (got, ==, kinds);
  parsed_clear (&p);
}

static void
test_indent_blank_comment (void)
{
  g_test_summary ("Blank lines and comment-only lines at any indentation produce no token");
  check_item (HEADER
              "if a\n"
              "\n"
              "        // a comment further right\n"
              "    b := 1   // trailing\n"
              "   \n"
              "// at column 1\n"
              "    c := 2\n"
              "d := 3\n", 1,
              "(IF 2:1-8:11\n"
              "  (IDENT 2:4-2:5 name=a)\n"
              "  (BLOCK 5:5-8:11\n"
              "    (ASSIGN 5:5-5:11 op=ASSIGN\n"
              "      (IDENT 5:5-5:6 name=b)\n"
              "      (INT 5:10-5:11 value=1))\n"
              "    (ASSIGN 8:5-8:11 op=ASSIGN\n"
              "      (IDENT 8:5-8:6 name=c)\n"
              "      (INT 8:10-8:11 value=2)))\n"
              "  nil)\n");
}

static void
test_indent_continuation (void)
{
  g_test_summary ("Lines continue inside brackets and after a binary operator or comma");
  check_item (HEADER "x = f(1,\n  2,\n      3)\n", 1,
              "(DECL 2:1-4:9 op=PLAIN\n"
              "  (NAMES 2:1-2:2\n"
              "    (IDENT 2:1-2:2 name=x))\n"
              "  nil\n"
              "  (CALL 2:5-4:9\n"
              "    (IDENT 2:5-2:6 name=f)\n"
              "    (ARG 2:7-2:8\n"
              "      (INT 2:7-2:8 value=1))\n"
              "    (ARG 3:3-3:4\n"
              "      (INT 3:3-3:4 value=2))\n"
              "    (ARG 4:7-4:8\n"
              "      (INT 4:7-4:8 value=3))))\n");
  check_item (HEADER "y = 1 +\n    2\n", 1,
              "(DECL 2:1-3:6 op=PLAIN\n"
              "  (NAMES 2:1-2:2\n"
              "    (IDENT 2:1-2:2 name=y))\n"
              "  nil\n"
              "  (BINARY 2:5-3:6 op=ADD\n"
              "    (INT 2:5-2:6 value=1)\n"
              "    (INT 3:5-3:6 value=2)))\n");
  /* A closing bracket may come back to the opening line's indentation;
   * a trailing comma is allowed. */
  check_kinds (HEADER "m = {\n    \"a\": 1,\n}\nz = [\n  1,\n]\nw := g(\n  a = 1,\n)\n",
               "HEADER DECL DECL ASSIGN");
}

static void
test_indent_eof (void)
{
  g_test_summary ("At the end of the file without a newline: NL, then every DEDENT");
  check_kinds (HEADER "if a\n    if b\n        c := 1", "HEADER IF");
  check_kinds (HEADER "x = 1", "HEADER DECL");
  check_kinds ("indicator(\"t\")", "HEADER");
  check_kinds (HEADER "x = 1\n\n   \n// end\n", "HEADER DECL");
}

static void
test_indent_nested_close (void)
{
  g_test_summary ("Nested blocks closing together, tabs as 4 columns, CRLF line ends");
  check_item (HEADER "if a\n    if b\n        c := 1\nd := 2\n", 1,
              "(IF 2:1-4:15\n"
              "  (IDENT 2:4-2:5 name=a)\n"
              "  (BLOCK 3:5-4:15\n"
              "    (IF 3:5-4:15\n"
              "      (IDENT 3:8-3:9 name=b)\n"
              "      (BLOCK 4:9-4:15\n"
              "        (ASSIGN 4:9-4:15 op=ASSIGN\n"
              "          (IDENT 4:9-4:10 name=c)\n"
              "          (INT 4:14-4:15 value=1)))\n"
              "      nil))\n"
              "  nil)\n");
  check_kinds (HEADER "if a\n    if b\n        c := 1\nd := 2\n", "HEADER IF ASSIGN");
  /* A tab is 4 columns: the third line closes only the inner block. */
  check_kinds (HEADER "if a\n\tif b\n\t\tc := 1\n\td := 2\ne := 3\n", "HEADER IF ASSIGN");
  check_kinds ("indicator(\"t\")\r\nif a\r\n    b := 1\r\nc := 2\r\n", "HEADER IF ASSIGN");
}

static void
test_event_name_ident (void)
{
  g_test_summary ("on_bar is an event name only after 'event'; elsewhere an identifier");
  check_item (HEADER "on_bar = 1\n", 1,
              "(DECL 2:1-2:11 op=PLAIN\n"
              "  (NAMES 2:1-2:7\n"
              "    (IDENT 2:1-2:7 name=on_bar))\n"
              "  nil\n"
              "  (INT 2:10-2:11 value=1))\n");
}

static void
test_diag_lexical (void)
{
  g_test_summary ("E0001-E0006: each lexical error on its exact text, caret and hint");
  check_diags (HEADER "x = 1 ;\n",
               "error[E0001]: unexpected character ';'\n"
               " --> t.qls:2:7\n"
               "  |\n"
               "2 | x = 1 ;\n"
               "  |       ^\n"
               "  = hint: a statement ends at the end of its line; no ';' is needed\n");
  check_diags (HEADER "x = a && b\n",
               "error[E0001]: unexpected character '&'\n"
               " --> t.qls:2:7\n"
               "  |\n"
               "2 | x = a && b\n"
               "  |       ^^\n"
               "  = hint: use 'and'\n");
  check_diags (HEADER "x = 1\x01\n",
               "error[E0001]: unexpected byte 0x01\n"
               " --> t.qls:2:6\n"
               "  |\n"
               "2 | x = 1?\n"
               "  |      ^\n");
  check_diags (HEADER "x = \"abc\n",
               "error[E0002]: unterminated string\n"
               " --> t.qls:2:5\n"
               "  |\n"
               "2 | x = \"abc\n"
               "  |     ^^^^\n"
               "  = hint: close the string with the same quote on the same line\n");
  check_diags (HEADER "if a\n\tb := 1\nif c\n        d := 1\n",
               "error[E0003]: indentation mixes tabs and spaces\n"
               " --> t.qls:5:1\n"
               "  |\n"
               "5 |         d := 1\n"
               "  | ^^^^^^^^\n"
               "  = hint: indent with spaces only (a tab counts as 4)\n");
  check_diags (HEADER "if a\n    b := 1\n  c := 2\n",
               "error[E0003]: unindent does not match any outer indentation level\n"
               " --> t.qls:4:1\n"
               "  |\n"
               "4 |   c := 2\n"
               "  | ^^\n"
               "  = hint: line it up with the block it belongs to\n");
  check_diags (HEADER "c = #12G456\n",
               "error[E0004]: bad color literal '#12G456'\n"
               " --> t.qls:2:5\n"
               "  |\n"
               "2 | c = #12G456\n"
               "  |     ^^^^^^^\n"
               "  = hint: write #RRGGBB or #RRGGBBAA with hex digits 0-9 and A-F\n");
  check_diags (HEADER "n = 9223372036854775808\n",
               "error[E0005]: integer literal out of range of int64\n"
               " --> t.qls:2:5\n"
               "  |\n"
               "2 | n = 9223372036854775808\n"
               "  |     ^^^^^^^^^^^^^^^^^^^\n"
               "  = hint: the largest int is 9223372036854775807; write a float such as 1e19 for more\n");
  check_diags (HEADER "s = \"a\\qb\"\n",
               "error[E0006]: unknown escape sequence in string\n"
               " --> t.qls:2:7\n"
               "  |\n"
               "2 | s = \"a\\qb\"\n"
               "  |       ^^\n"
               "  = hint: the escapes are \\\" \\' \\\\ \\n and \\t\n");
}

static void
test_diag_utf8 (void)
{
  Parsed p = parse (HEADER "x = \xe2\x80\x9c" "a" "\xe2\x80\x9d\n");
  const QlDiag *d;

  g_test_summary ("A UTF-8 character is shown whole, with its code point and a hint for curly quotes");
  g_assert_cmpuint (p.diags->items->len, ==, 2);
  d = &g_array_index (p.diags->items, QlDiag, 0);
  g_assert_cmpstr (d->code, ==, "E0001");
  g_assert_cmpstr (d->message, ==, "unexpected character '\xe2\x80\x9c' (U+201C)");
  g_assert_cmpstr (d->hint, ==, "use straight quotes \" or ' around strings");
  g_assert_cmpuint (d->span.col, ==, 5);
  g_assert_cmpuint (d->span.end_col, ==, 8);
  parsed_clear (&p);
}

static void
test_diag_syntax (void)
{
  g_test_summary ("E0101-E0108: each syntax error on its exact text, caret and hint");
  check_diags ("x = 1\n",
               "error[E0101]: script must start with indicator(...), strategy(...) or events(...)\n"
               " --> t.qls:1:1\n"
               "  |\n"
               "1 | x = 1\n"
               "  | ^\n"
               "  = hint: start with a header line such as indicator(\"My script\")\n");
  check_diags (HEADER "if x = 1\n    y := 2\n",
               "error[E0102]: unexpected '=', expected end of line\n"
               " --> t.qls:2:6\n"
               "  |\n"
               "2 | if x = 1\n"
               "  |      ^\n"
               "  = hint: use == to compare\n");
  check_diags (HEADER "a[0] = 1\n",
               "error[E0102]: unexpected '=', expected end of line\n"
               " --> t.qls:2:6\n"
               "  |\n"
               "2 | a[0] = 1\n"
               "  |      ^\n"
               "  = hint: = declares a new variable; use := to assign to an existing one, an element or a field\n");
  check_diags (HEADER "for i = 1 to 3:\n    x := i\n",
               "error[E0102]: unexpected ':', expected end of line or 'by'\n"
               " --> t.qls:2:15\n"
               "  |\n"
               "2 | for i = 1 to 3:\n"
               "  |               ^\n"
               "  = hint: a block needs no ':'; end the line and indent the block below it\n");
  check_diags (HEADER "b = 1 < 2 < 3\n",
               "error[E0102]: unexpected '<', expected end of line\n"
               " --> t.qls:2:11\n"
               "  |\n"
               "2 | b = 1 < 2 < 3\n"
               "  |           ^\n"
               "  = hint: comparisons do not chain: write a < b and b < c\n");
  check_diags (HEADER "x = f(1,\ny = 2\n",
               "error[E0102]: unexpected end of line, expected ')' or an expression\n"
               " --> t.qls:2:9\n"
               "  |\n"
               "2 | x = f(1,\n"
               "  |         ^\n"
               "  = hint: the '(' at 2:6 is not closed\n");
  check_diags (HEADER "x = 1\n    y = 2\n",
               "error[E0103]: unexpected indent\n"
               " --> t.qls:3:1\n"
               "  |\n"
               "3 |     y = 2\n"
               "  | ^^^^\n"
               "  = hint: only the lines of a block (after if, else, for, while, fn, event, test or oco) "
               "are indented more than the line before\n");
  check_diags (HEADER "if x\ny := 1\n",
               "error[E0104]: expected an indented block after 'if' on line 2\n"
               " --> t.qls:3:1\n"
               "  |\n"
               "3 | y := 1\n"
               "  | ^\n"
               "  = hint: indent the lines of the block, e.g. by 4 spaces\n");
  check_diags (HEADER "f() := 3\n",
               "error[E0106]: cannot assign to this expression\n"
               " --> t.qls:2:1\n"
               "  |\n"
               "2 | f() := 3\n"
               "  | ^^^\n"
               "  = hint: assign to a variable, an element x[i] or a field a.b\n");
  check_diags (HEADER "event on_foo()\n    x := 1\n",
               "error[E0107]: unknown event 'on_foo'\n"
               " --> t.qls:2:7\n"
               "  |\n"
               "2 | event on_foo()\n"
               "  |       ^^^^^^\n"
               "  = hint: the events are on_start, on_end, on_tick, on_bar, on_order_fill and "
               "on_position_change\n");
  check_diags (HEADER "x = (a + b)(1)\n",
               "error[E0108]: cannot call this expression\n"
               " --> t.qls:2:6\n"
               "  |\n"
               "2 | x = (a + b)(1)\n"
               "  |      ^^^^^\n"
               "  = hint: only a function name such as f or ta.sma can be called\n");
}

static void
test_diag_no_header (void)
{
  Parsed p = parse ("x = 1\n");
  g_autofree char *dump = ql_ast_dump (ql_ast_get_root (p.ast)->kids[0]);

  g_test_summary ("Without a header the tree gets a default indicator header with an empty span");
  g_assert_cmpstr (dump, ==, "(HEADER 0:0-0:0 op=INDICATOR)\n");
  parsed_clear (&p);
}

static void
test_diag_too_deep (void)
{
  GString *src = g_string_new (HEADER "x = ");
  Parsed p;
  const QlDiag *d;
  QlNode *root;

  g_test_summary ("E0105: nesting past the parser's stack bound is one error, and a tree still comes back");
  for (int i = 0; i < 5000; i++)
    g_string_append_c (src, '(');
  g_string_append_c (src, '1');
  for (int i = 0; i < 5000; i++)
    g_string_append_c (src, ')');
  g_string_append_c (src, '\n');
  p = parse (src->str);
  g_assert_cmpuint (p.diags->items->len, ==, 1);
  d = &g_array_index (p.diags->items, QlDiag, 0);
  g_assert_cmpstr (d->code, ==, "E0105");
  g_assert_cmpstr (d->message, ==, "script nested too deeply to parse");
  root = ql_ast_get_root (p.ast);
  g_assert_cmpint (root->kind, ==, QL_NODE_SCRIPT);
  g_assert_cmpint (root->kids[0]->kind, ==, QL_NODE_HEADER);
  g_assert_cmpint (root->kids[root->n_kids - 1]->kind, ==, QL_NODE_ERROR);
  parsed_clear (&p);
  g_string_free (src, TRUE);
}

static const char five_src[] =
  "indicator(\"five\")\n"
  "a = (1 + ) * 2\n"       /* E0102 */
  "b = 1 $\n"              /* E0001, b = 1 still declared */
  "if c = 2\n"             /* E0102, the block below still parsed */
  "    d := 1\n"
  "e = #XYZ\n"             /* E0004, e still declared */
  "f() := 2\n"             /* E0106 */
  "g = 3\n";

static void
test_five_errors (void)
{
  static const char *const codes[] = { "E0102", "E0001", "E0102", "E0004", "E0106" };
  static const guint lines[] = { 2, 3, 4, 6, 7 };
  Parsed p = parse (five_src);
  g_autofree char *kinds = item_kinds (p.ast);
  g_autofree char *text = NULL;

  g_test_summary ("A script with five errors on five lines reports all five, in order");
  g_assert_cmpuint (p.diags->n_errors, ==, 5);
  for (guint i = 0; i < 5; i++)
    {
      const QlDiag *d = &g_array_index (p.diags->items, QlDiag, i);

      g_assert_cmpstr (d->code, ==, codes[i]);
      g_assert_cmpuint (d->span.line, ==, lines[i]);
    }
  text = ql_diag_list_to_text (p.diags, TRUE);
  g_assert_true (g_str_has_suffix (text, "\n5 errors, 0 warnings\n"));
  g_assert_cmpstr (kinds, ==, "HEADER ERROR DECL ERROR DECL ERROR DECL");
  parsed_clear (&p);
}

static void
test_recovery (void)
{
  const char *src = HEADER
    "x = = 1\n"
    "if a\n"
    "    y = (\n"
    "    z = 2\n"
    "w = 3\n"
    "v = 4\n"
    "    u = 5\n"
    "t = 6\n";
  Parsed p = parse (src);
  g_autofree char *kinds = item_kinds (p.ast);
  QlNode *root = ql_ast_get_root (p.ast);
  QlNode *block;

  g_test_summary ("Statements after a bad one are parsed, inside and outside blocks");
  /* x = = 1: ERROR; y = ( is unclosed at the next line: ERROR, z = 2 still
   * in the if block; u = 5, wrongly indented, is read at the top level. */
  g_assert_cmpuint (p.diags->n_errors, ==, 3);
  g_assert_cmpstr (kinds, ==, "HEADER ERROR IF DECL DECL DECL DECL");
  block = root->kids[2]->kids[1];
  g_assert_cmpuint (block->n_kids, ==, 2);
  g_assert_cmpint (block->kids[0]->kind, ==, QL_NODE_ERROR);
  g_assert_cmpint (block->kids[1]->kind, ==, QL_NODE_DECL);
  g_assert_cmpstr (block->kids[1]->kids[0]->kids[0]->name, ==, "z");
  /* The ERROR node covers the bad text of its line. */
  g_assert_cmpuint (root->kids[1]->span.line, ==, 2);
  g_assert_cmpuint (root->kids[1]->span.col, ==, 1);
  g_assert_cmpuint (root->kids[1]->span.end_col, ==, 8);
  g_assert_cmpstr (root->kids[6]->kids[0]->kids[0]->name, ==, "t");
  parsed_clear (&p);
}

static void
test_binary_input (void)
{
  /* NUL bytes, invalid UTF-8 and a lone high byte: errors, no crash. */
  static const char src[] = "indicator(\"t\")\nx = \"a\0b\"\n\xff\xfe y = 1\0\n\xc3\n";
  QlDiagList *diags = ql_diag_list_new ("t.qls", src, sizeof src - 1);
  QlAst *ast = ql_parse (src, sizeof src - 1, diags);
  const QlDiag *d = &g_array_index (diags->items, QlDiag, 0);

  g_test_summary ("Bytes that are not text are reported one by one and parsing goes on");
  g_assert_cmpstr (d->code, ==, "E0001");
  g_assert_cmpstr (d->message, ==, "unexpected byte 0xFF");
  g_assert_cmpuint (d->span.line, ==, 3);
  g_assert_cmpuint (diags->n_errors, ==, 4);
  g_assert_cmpint (ql_ast_get_root (ast)->kids[1]->kind, ==, QL_NODE_DECL);
  ql_ast_free (ast);
  ql_diag_list_free (diags);
}

static void
test_arena (void)
{
  g_autoptr (QlAst) ast = ql_parse ("indicator(\"t\")\n", 15, NULL);
  QlNode *parent = ql_ast_node_new (ast, QL_NODE_ARRAY, NULL, NULL, 0);
  QlNode *kids[3];
  QlNode *three;

  g_test_summary ("Nodes grow their child arrays in the arena; strings are copied");
  for (guint i = 0; i < 100; i++)
    {
      QlNode *k = ql_ast_node_new (ast, QL_NODE_INT, NULL, NULL, 0);

      k->ival = i;
      ql_ast_node_append (ast, parent, k);
    }
  g_assert_cmpuint (parent->n_kids, ==, 100);
  for (guint i = 0; i < 100; i++)
    g_assert_cmpint (parent->kids[i]->ival, ==, i);
  kids[0] = parent->kids[0];
  kids[1] = NULL;
  kids[2] = parent->kids[2];
  three = ql_ast_node_new (ast, QL_NODE_TERNARY, NULL, kids, 3);
  ql_ast_node_append (ast, three, parent->kids[3]);
  ql_ast_node_append (ast, three, parent->kids[4]);
  g_assert_cmpuint (three->n_kids, ==, 5);
  g_assert_null (three->kids[1]);
  g_assert_cmpint (three->kids[4]->ival, ==, 4);
  g_assert_cmpstr (ql_ast_strdup (ast, "abcdef", 3), ==, "abc");
  g_assert_cmpstr (ql_node_kind_name (QL_NODE_FOR_RANGE), ==, "FOR_RANGE");
  g_assert_cmpstr (ql_node_kind_name (QL_NODE_CALL), ==, "CALL");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/dsl/parse/tree/header", test_tree_header);
  g_test_add_func ("/dsl/parse/tree/decl", test_tree_decl);
  g_test_add_func ("/dsl/parse/tree/precedence", test_tree_precedence);
  g_test_add_func ("/dsl/parse/tree/postfix", test_tree_postfix);
  g_test_add_func ("/dsl/parse/tree/keyword-member", test_tree_keyword_member);
  g_test_add_func ("/dsl/parse/tree/if", test_tree_if);
  g_test_add_func ("/dsl/parse/tree/loops", test_tree_loops);
  g_test_add_func ("/dsl/parse/tree/fn", test_tree_fn);
  g_test_add_func ("/dsl/parse/tree/event-test", test_tree_event_test);
  g_test_add_func ("/dsl/parse/tree/orders", test_tree_orders);
  g_test_add_func ("/dsl/parse/tree/literals", test_tree_literals);
  g_test_add_func ("/dsl/parse/tree/assign", test_tree_assign);
  g_test_add_func ("/dsl/parse/tree/event-name-is-ident", test_event_name_ident);
  g_test_add_func ("/dsl/parse/spans/offsets", test_spans);
  g_test_add_func ("/dsl/parse/indent/blank-and-comment-lines", test_indent_blank_comment);
  g_test_add_func ("/dsl/parse/indent/continuation", test_indent_continuation);
  g_test_add_func ("/dsl/parse/indent/eof", test_indent_eof);
  g_test_add_func ("/dsl/parse/indent/nested-close", test_indent_nested_close);
  g_test_add_func ("/dsl/parse/diag/lexical", test_diag_lexical);
  g_test_add_func ("/dsl/parse/diag/utf8", test_diag_utf8);
  g_test_add_func ("/dsl/parse/diag/syntax", test_diag_syntax);
  g_test_add_func ("/dsl/parse/diag/no-header", test_diag_no_header);
  g_test_add_func ("/dsl/parse/diag/too-deep", test_diag_too_deep);
  g_test_add_func ("/dsl/parse/diag/five-errors", test_five_errors);
  g_test_add_func ("/dsl/parse/recovery/next-line-and-block", test_recovery);
  g_test_add_func ("/dsl/parse/robust/binary-input", test_binary_input);
  g_test_add_func ("/dsl/parse/arena/append", test_arena);
  return g_test_run ();
}
