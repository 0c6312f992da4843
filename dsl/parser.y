/* dsl/parser.y — the QuantLab Script parser: bison, pure, with locations.
 *
 * Nonterminals carry the production names of dsl/grammar.ebnf one to one
 * (tests/dsl/test-grammar.py checks it). Tokens come from ql_yylex in
 * dsl/lexer.l, which also turns indentation into INDENT and DEDENT. The
 * tree is built with ql_ast_node_new in the tree's arena; a statement that
 * does not parse becomes an ERROR node (rules with the error token) and the
 * parse resumes after the next NL. */
%define api.pure full
%define api.prefix {ql_yy}
%define api.location.type {QlSpan}
%define api.token.prefix {TOK_}
%define parse.error custom
%locations
%expect 0
%header

%param {QlParseCtx *pc}

%code requires {
#include "dsl/ast.h"

typedef struct QlLexer QlLexer;

/* Shared by the parser, the lexer and dsl/ast.c (private to dsl/). */
typedef struct
{
  QlAst *ast;
  QlDiagList *diags;
  const char *src;
  gsize len;
  QlLexer *lexer;
  QlNode *root;
  /* The NL the lexer produced for a line left inside an unclosed bracket,
   * and where that bracket was opened: a hint for the error there. */
  guint32 unclosed_nl_offset;
  QlSpan unclosed_open;
  char unclosed_char;
  gboolean have_unclosed;
} QlParseCtx;
}

%code provides {
#define QL_YYLLOC_DEFAULT(Cur, Rhs, N) ql__span_default (&(Cur), (Rhs), (N))
#define YYLLOC_DEFAULT QL_YYLLOC_DEFAULT

void     ql__span_default (QlSpan *cur, const QlSpan *rhs, int n);
int      ql_yylex (QL_YYSTYPE *lval, QL_YYLTYPE *lloc, QlParseCtx *pc);
QlLexer *ql__lexer_new (QlParseCtx *pc);
void     ql__lexer_free (QlLexer *lexer);
/* The first token of the logical line being read (for hints). */
int      ql__lexer_line_first (const QlLexer *lexer);
/* Parses pc->src into pc->ast and returns the SCRIPT node (never NULL). */
QlNode  *ql__parse_run (QlParseCtx *pc);
}

%code {
#include <stdarg.h>
#include <string.h>

/* The parser's stack is also the tree's depth bound: a script nesting
 * deeper than this gets E0105 instead of exhausting anything. */
#define YYMAXDEPTH 4000
#define YYINITDEPTH 200

static QlNode *
nd (QlParseCtx   *pc,
    QlNodeKind    kind,
    const QlSpan *span,
    int           op,
    const char   *name,
    guint         n_kids,
    ...)
{
  QlNode *kids[8];
  QlNode *node;
  va_list ap;

  g_assert (n_kids <= G_N_ELEMENTS (kids));
  va_start (ap, n_kids);
  for (guint i = 0; i < n_kids; i++)
    kids[i] = va_arg (ap, QlNode *);
  va_end (ap);
  node = ql_ast_node_new (pc->ast, kind, span, kids, n_kids);
  node->op = op;
  node->name = name ? ql_ast_strdup (pc->ast, name, -1) : NULL;
  return node;
}

/* A node of @kind with @first (nullable) and then the kids of @list. */
static QlNode *
nd_list (QlParseCtx   *pc,
         QlNodeKind    kind,
         const QlSpan *span,
         int           op,
         const char   *name,
         QlNode       *first,
         const QlNode *list)
{
  QlNode *node = nd (pc, kind, span, op, name, 0);

  if (first)
    ql_ast_node_append (pc->ast, node, first);
  if (list)
    for (guint i = 0; i < list->n_kids; i++)
      ql_ast_node_append (pc->ast, node, list->kids[i]);
  return node;
}

static QlNode *
binary (QlParseCtx   *pc,
        const QlSpan *span,
        QlOp          op,
        QlNode       *l,
        QlNode       *r)
{
  return nd (pc, QL_NODE_BINARY, span, op, NULL, 2, l, r);
}

static QlNode *
assign (QlParseCtx   *pc,
        const QlSpan *span,
        QlOp          op,
        QlNode       *target,
        QlNode       *value)
{
  if (target->kind != QL_NODE_IDENT && target->kind != QL_NODE_INDEX
      && target->kind != QL_NODE_MEMBER)
    {
      if (target->kind != QL_NODE_ERROR)
        ql_diag_add (pc->diags, QL_DIAG_ERROR, "E0106", &target->span,
                     "assign to a variable, an element x[i] or a field a.b",
                     "cannot assign to this expression");
      return nd (pc, QL_NODE_ERROR, span, 0, NULL, 0);
    }
  return nd (pc, QL_NODE_ASSIGN, span, op, NULL, 2, target, value);
}

static QlNode *
call (QlParseCtx   *pc,
      const QlSpan *span,
      QlNode       *callee,
      const QlNode *args)
{
  if (callee->kind == QL_NODE_NA)
    {
      /* na (x), the test for na: the keyword names the builtin here. */
      callee = nd (pc, QL_NODE_IDENT, &callee->span, 0, "na", 0);
    }
  if (callee->kind != QL_NODE_IDENT && callee->kind != QL_NODE_MEMBER)
    {
      if (callee->kind != QL_NODE_ERROR)
        ql_diag_add (pc->diags, QL_DIAG_ERROR, "E0108", &callee->span,
                     "only a function name such as f or ta.sma can be called",
                     "cannot call this expression");
      return nd (pc, QL_NODE_ERROR, span, 0, NULL, 0);
    }
  return nd_list (pc, QL_NODE_CALL, span, 0, NULL, callee, args);
}

static QlSpan
span2 (const QlSpan *a,
       const QlSpan *b)
{
  QlSpan s = *a;

  s.end_line = b->end_line;
  s.end_col = b->end_col;
  s.end_offset = b->end_offset;
  return s;
}

static void yyerror (const QlSpan *loc, QlParseCtx *pc, const char *msg);
}

%union {
  QlNode *node;
}

%token <node> IDENT "identifier" INT "integer" FLOAT "number" STRING "string"
%token <node> COLOR "color" EVENT_NAME "event name"
%token NL "end of line" INDENT "indent" DEDENT "end of block"
/* The keywords, INDICATOR to OCO, are declared in one run: dsl/lexer.l
 * tests for a keyword with TOK_INDICATOR <= tok <= TOK_OCO. */
%token INDICATOR "indicator" STRATEGY "strategy" EVENTS "events"
%token VAR "var" VARIP "varip" FN "fn" EVENT "event" TEST "test"
%token IF "if" ELSE "else" FOR "for" TO "to" BY "by" IN "in" WHILE "while"
%token BREAK "break" CONTINUE "continue" RETURN "return"
%token AND "and" OR "or" NOT "not" TRUE "true" FALSE "false" NA "na"
%token BUY "buy" SELL "sell" EXIT "exit" CANCEL "cancel" BRACKET "bracket" OCO "oco"
%token ASSIGN ":=" ADD_ASSIGN "+=" SUB_ASSIGN "-=" MUL_ASSIGN "*=" DIV_ASSIGN "/="
%token EQ "==" NE "!=" LE "<=" GE ">=" ARROW "->"

%type <node> script header items item block decl decl_value names type type_list
%type <node> fn_def params param event_def test_def stmt assign target if_stmt
%type <node> else_part for_stmt while_stmt order_stmt order_call jump expr_stmt
%type <node> expr ternary or_expr and_expr not_expr comparison additive
%type <node> multiplicative unary postfix args arg_list arg primary array_lit
%type <node> expr_list map_lit entry_list entry

%initial-action
{
  @$ = (QlSpan) { 1, 1, 1, 1, 0, 0 };
}

%start script

%%

script:
    header items
      {
        $$ = nd_list (pc, QL_NODE_SCRIPT, &@$, 0, NULL, $1, $2);
        pc->root = $$;
      }
  | items
      {
        /* The lexer reported E0101 at the first token. */
        QlSpan empty = { 0 };
        QlNode *h = nd (pc, QL_NODE_HEADER, &empty, QL_MODE_INDICATOR, NULL, 0);

        $$ = nd_list (pc, QL_NODE_SCRIPT, &@$, 0, NULL, h, $1);
        pc->root = $$;
      }
  ;

header:
    INDICATOR args NL  { $$ = nd_list (pc, QL_NODE_HEADER, &@$, QL_MODE_INDICATOR, NULL, NULL, $2); }
  | STRATEGY args NL   { $$ = nd_list (pc, QL_NODE_HEADER, &@$, QL_MODE_STRATEGY, NULL, NULL, $2); }
  | EVENTS args NL     { $$ = nd_list (pc, QL_NODE_HEADER, &@$, QL_MODE_EVENTS, NULL, NULL, $2); }
  | INDICATOR error NL { $$ = nd (pc, QL_NODE_HEADER, &@$, QL_MODE_INDICATOR, NULL, 0); yyerrok; }
  | STRATEGY error NL  { $$ = nd (pc, QL_NODE_HEADER, &@$, QL_MODE_STRATEGY, NULL, 0); yyerrok; }
  | EVENTS error NL    { $$ = nd (pc, QL_NODE_HEADER, &@$, QL_MODE_EVENTS, NULL, 0); yyerrok; }
  ;

items:
    %empty      { $$ = nd (pc, QL_NODE_BLOCK, &@$, 0, NULL, 0); }
  | items item  { $$ = $1; $$->span = @$; ql_ast_node_append (pc->ast, $$, $2); }
  ;

item:
    decl
  | fn_def
  | event_def
  | test_def
  | stmt
  | error NL     { QlSpan s = span2 (&@1, &@2); $$ = nd (pc, QL_NODE_ERROR, &s, 0, NULL, 0); yyerrok; }
  | error block  { QlSpan s = span2 (&@1, &@2); $$ = nd (pc, QL_NODE_ERROR, &s, 0, NULL, 0); yyerrok; }
  ;

block:
    NL INDENT items DEDENT
      {
        $$ = $3;
        $$->span = $3->n_kids ? span2 (&@3, &@4) : @4;
      }
  ;

decl:
    names '=' decl_value NL
      { $$ = nd (pc, QL_NODE_DECL, &@$, QL_DECL_PLAIN, NULL, 3, $1, NULL, $3); }
  | names ':' type '=' decl_value NL
      { $$ = nd (pc, QL_NODE_DECL, &@$, QL_DECL_PLAIN, NULL, 3, $1, $3, $5); }
  | VAR names '=' decl_value NL
      { $$ = nd (pc, QL_NODE_DECL, &@$, QL_DECL_VAR, NULL, 3, $2, NULL, $4); }
  | VAR names ':' type '=' decl_value NL
      { $$ = nd (pc, QL_NODE_DECL, &@$, QL_DECL_VAR, NULL, 3, $2, $4, $6); }
  | VARIP names '=' decl_value NL
      { $$ = nd (pc, QL_NODE_DECL, &@$, QL_DECL_VARIP, NULL, 3, $2, NULL, $4); }
  | VARIP names ':' type '=' decl_value NL
      { $$ = nd (pc, QL_NODE_DECL, &@$, QL_DECL_VARIP, NULL, 3, $2, $4, $6); }
  ;

decl_value:
    expr
  | order_call
  ;

names:
    IDENT            { $$ = nd (pc, QL_NODE_NAMES, &@$, 0, NULL, 1, $1); }
  | names ',' IDENT  { $$ = $1; $$->span = @$; ql_ast_node_append (pc->ast, $$, $3); }
  ;

type:
    IDENT                    { $$ = nd (pc, QL_NODE_TYPE, &@$, 0, $1->name, 0); }
  | IDENT '<' type_list '>'  { $$ = nd_list (pc, QL_NODE_TYPE, &@$, 0, $1->name, NULL, $3); }
  ;

type_list:
    type                { $$ = nd (pc, QL_NODE_TYPE, &@$, 0, NULL, 1, $1); }
  | type_list ',' type  { $$ = $1; ql_ast_node_append (pc->ast, $$, $3); }
  ;

fn_def:
    FN IDENT '(' ')' block
      { $$ = nd (pc, QL_NODE_FN_DEF, &@$, 0, $2->name, 3, nd (pc, QL_NODE_PARAMS, &@4, 0, NULL, 0), NULL, $5); }
  | FN IDENT '(' params ')' block
      { $$ = nd (pc, QL_NODE_FN_DEF, &@$, 0, $2->name, 3, $4, NULL, $6); }
  | FN IDENT '(' ')' ARROW type block
      { $$ = nd (pc, QL_NODE_FN_DEF, &@$, 0, $2->name, 3, nd (pc, QL_NODE_PARAMS, &@4, 0, NULL, 0), $6, $7); }
  | FN IDENT '(' params ')' ARROW type block
      { $$ = nd (pc, QL_NODE_FN_DEF, &@$, 0, $2->name, 3, $4, $7, $8); }
  ;

params:
    param             { $$ = nd (pc, QL_NODE_PARAMS, &@$, 0, NULL, 1, $1); }
  | params ',' param  { $$ = $1; $$->span = @$; ql_ast_node_append (pc->ast, $$, $3); }
  ;

param:
    IDENT           { $$ = nd (pc, QL_NODE_PARAM, &@$, 0, $1->name, 1, NULL); }
  | IDENT ':' type  { $$ = nd (pc, QL_NODE_PARAM, &@$, 0, $1->name, 1, $3); }
  ;

event_def:
    EVENT EVENT_NAME '(' ')' block        { $$ = nd (pc, QL_NODE_EVENT_DEF, &@$, 0, $2->name, 2, NULL, $5); }
  | EVENT EVENT_NAME '(' param ')' block  { $$ = nd (pc, QL_NODE_EVENT_DEF, &@$, 0, $2->name, 2, $4, $6); }
  ;

test_def:
    TEST STRING block  { $$ = nd (pc, QL_NODE_TEST_DEF, &@$, 0, $2->name, 1, $3); }
  ;

stmt:
    assign
  | if_stmt
  | for_stmt
  | while_stmt
  | order_stmt
  | jump
  | expr_stmt
  ;

assign:
    target ASSIGN expr NL      { $$ = assign (pc, &@$, QL_OP_ASSIGN, $1, $3); }
  | target ADD_ASSIGN expr NL  { $$ = assign (pc, &@$, QL_OP_ADD_ASSIGN, $1, $3); }
  | target SUB_ASSIGN expr NL  { $$ = assign (pc, &@$, QL_OP_SUB_ASSIGN, $1, $3); }
  | target MUL_ASSIGN expr NL  { $$ = assign (pc, &@$, QL_OP_MUL_ASSIGN, $1, $3); }
  | target DIV_ASSIGN expr NL  { $$ = assign (pc, &@$, QL_OP_DIV_ASSIGN, $1, $3); }
  ;

target:
    postfix
  ;

if_stmt:
    IF expr block            { $$ = nd (pc, QL_NODE_IF, &@$, 0, NULL, 3, $2, $3, NULL); }
  | IF expr block else_part  { $$ = nd (pc, QL_NODE_IF, &@$, 0, NULL, 3, $2, $3, $4); }
  ;

else_part:
    ELSE if_stmt  { $$ = $2; }
  | ELSE block    { $$ = $2; }
  ;

for_stmt:
    FOR IDENT '=' expr TO expr block
      { $$ = nd (pc, QL_NODE_FOR_RANGE, &@$, 0, $2->name, 4, $4, $6, NULL, $7); }
  | FOR IDENT '=' expr TO expr BY expr block
      { $$ = nd (pc, QL_NODE_FOR_RANGE, &@$, 0, $2->name, 4, $4, $6, $8, $9); }
  | FOR names IN expr block
      { $$ = nd (pc, QL_NODE_FOR_IN, &@$, 0, NULL, 3, $2, $4, $5); }
  ;

while_stmt:
    WHILE expr block  { $$ = nd (pc, QL_NODE_WHILE, &@$, 0, NULL, 2, $2, $3); }
  ;

order_stmt:
    order_call NL    { $$ = $1; }
  | OCO STRING block { $$ = nd (pc, QL_NODE_OCO, &@$, 0, $2->name, 1, $3); }
  | OCO block        { $$ = nd (pc, QL_NODE_OCO, &@$, 0, NULL, 1, $2); }
  ;

order_call:
    BUY args      { $$ = nd_list (pc, QL_NODE_ORDER, &@$, QL_ORDER_BUY, NULL, NULL, $2); }
  | SELL args     { $$ = nd_list (pc, QL_NODE_ORDER, &@$, QL_ORDER_SELL, NULL, NULL, $2); }
  | EXIT args     { $$ = nd_list (pc, QL_NODE_ORDER, &@$, QL_ORDER_EXIT, NULL, NULL, $2); }
  | CANCEL args   { $$ = nd_list (pc, QL_NODE_ORDER, &@$, QL_ORDER_CANCEL, NULL, NULL, $2); }
  | BRACKET args  { $$ = nd_list (pc, QL_NODE_ORDER, &@$, QL_ORDER_BRACKET, NULL, NULL, $2); }
  ;

jump:
    BREAK NL        { $$ = nd (pc, QL_NODE_BREAK, &@$, 0, NULL, 0); }
  | CONTINUE NL     { $$ = nd (pc, QL_NODE_CONTINUE, &@$, 0, NULL, 0); }
  | RETURN NL       { $$ = nd (pc, QL_NODE_RETURN, &@$, 0, NULL, 1, NULL); }
  | RETURN expr NL  { $$ = nd (pc, QL_NODE_RETURN, &@$, 0, NULL, 1, $2); }
  ;

expr_stmt:
    expr NL  { $$ = nd (pc, QL_NODE_EXPR_STMT, &@$, 0, NULL, 1, $1); }
  ;

expr:
    ternary
  ;

ternary:
    or_expr
  | or_expr '?' expr ':' ternary  { $$ = nd (pc, QL_NODE_TERNARY, &@$, 0, NULL, 3, $1, $3, $5); }
  ;

or_expr:
    and_expr
  | or_expr OR and_expr  { $$ = binary (pc, &@$, QL_OP_OR, $1, $3); }
  ;

and_expr:
    not_expr
  | and_expr AND not_expr  { $$ = binary (pc, &@$, QL_OP_AND, $1, $3); }
  ;

not_expr:
    NOT not_expr  { $$ = nd (pc, QL_NODE_UNARY, &@$, QL_OP_NOT, NULL, 1, $2); }
  | comparison
  ;

comparison:
    additive
  | additive EQ additive   { $$ = binary (pc, &@$, QL_OP_EQ, $1, $3); }
  | additive NE additive   { $$ = binary (pc, &@$, QL_OP_NE, $1, $3); }
  | additive '<' additive  { $$ = binary (pc, &@$, QL_OP_LT, $1, $3); }
  | additive LE additive   { $$ = binary (pc, &@$, QL_OP_LE, $1, $3); }
  | additive '>' additive  { $$ = binary (pc, &@$, QL_OP_GT, $1, $3); }
  | additive GE additive   { $$ = binary (pc, &@$, QL_OP_GE, $1, $3); }
  ;

additive:
    multiplicative
  | additive '+' multiplicative  { $$ = binary (pc, &@$, QL_OP_ADD, $1, $3); }
  | additive '-' multiplicative  { $$ = binary (pc, &@$, QL_OP_SUB, $1, $3); }
  ;

multiplicative:
    unary
  | multiplicative '*' unary  { $$ = binary (pc, &@$, QL_OP_MUL, $1, $3); }
  | multiplicative '/' unary  { $$ = binary (pc, &@$, QL_OP_DIV, $1, $3); }
  | multiplicative '%' unary  { $$ = binary (pc, &@$, QL_OP_MOD, $1, $3); }
  ;

unary:
    '-' unary  { $$ = nd (pc, QL_NODE_UNARY, &@$, QL_OP_NEG, NULL, 1, $2); }
  | '+' unary  { $$ = nd (pc, QL_NODE_UNARY, &@$, QL_OP_PLUS, NULL, 1, $2); }
  | postfix
  ;

postfix:
    primary
  | postfix '[' expr ']'  { $$ = nd (pc, QL_NODE_INDEX, &@$, 0, NULL, 2, $1, $3); }
  | postfix '.' IDENT     { $$ = nd (pc, QL_NODE_MEMBER, &@$, 0, $3->name, 1, $1); }
  | postfix args          { $$ = call (pc, &@$, $1, $2); }
  ;

args:
    '(' ')'                   { $$ = nd (pc, QL_NODE_BLOCK, &@$, 0, NULL, 0); }
  | '(' arg_list ')'          { $$ = $2; }
  | '(' arg_list ',' ')'      { $$ = $2; }
  ;

arg_list:
    arg               { $$ = nd (pc, QL_NODE_BLOCK, &@$, 0, NULL, 1, $1); }
  | arg_list ',' arg  { $$ = $1; ql_ast_node_append (pc->ast, $$, $3); }
  ;

arg:
    IDENT '=' expr  { $$ = nd (pc, QL_NODE_ARG, &@$, 0, $1->name, 1, $3); }
  | expr            { $$ = nd (pc, QL_NODE_ARG, &@$, 0, NULL, 1, $1); }
  ;

primary:
    INT
  | FLOAT
  | STRING
  | COLOR
  | TRUE           { $$ = nd (pc, QL_NODE_BOOL, &@$, 0, NULL, 0); $$->ival = 1; }
  | FALSE          { $$ = nd (pc, QL_NODE_BOOL, &@$, 0, NULL, 0); $$->ival = 0; }
  | NA             { $$ = nd (pc, QL_NODE_NA, &@$, 0, NULL, 0); }
  | IDENT
  | '(' expr ')'   { $$ = $2; }
  | array_lit
  | map_lit
  ;

array_lit:
    '[' ']'                { $$ = nd (pc, QL_NODE_ARRAY, &@$, 0, NULL, 0); }
  | '[' expr_list ']'      { $$ = $2; $$->span = @$; }
  | '[' expr_list ',' ']'  { $$ = $2; $$->span = @$; }
  ;

expr_list:
    expr                { $$ = nd (pc, QL_NODE_ARRAY, &@$, 0, NULL, 1, $1); }
  | expr_list ',' expr  { $$ = $1; ql_ast_node_append (pc->ast, $$, $3); }
  ;

map_lit:
    '{' '}'                 { $$ = nd (pc, QL_NODE_MAP, &@$, 0, NULL, 0); }
  | '{' entry_list '}'      { $$ = $2; $$->span = @$; }
  | '{' entry_list ',' '}'  { $$ = $2; $$->span = @$; }
  ;

entry_list:
    entry                 { $$ = nd_list (pc, QL_NODE_MAP, &@$, 0, NULL, NULL, $1); }
  | entry_list ',' entry  { $$ = $1; for (guint i = 0; i < $3->n_kids; i++) ql_ast_node_append (pc->ast, $$, $3->kids[i]); }
  ;

entry:
    expr ':' expr  { $$ = nd (pc, QL_NODE_MAP, &@$, 0, NULL, 2, $1, $3); }
  ;

%%

void
ql__span_default (QlSpan       *cur,
                  const QlSpan *rhs,
                  int           n)
{
  if (n > 0)
    {
      *cur = rhs[1];
      cur->end_line = rhs[n].end_line;
      cur->end_col = rhs[n].end_col;
      cur->end_offset = rhs[n].end_offset;
    }
  else
    {
      /* Empty: a zero-width span where the previous symbol ended. */
      cur->line = cur->end_line = rhs[0].end_line;
      cur->col = cur->end_col = rhs[0].end_col;
      cur->offset = cur->end_offset = rhs[0].end_offset;
    }
}

static void
yyerror (const QlSpan *loc,
         QlParseCtx   *pc,
         const char   *msg)
{
  /* Only "memory exhausted" reaches here (syntax errors go through
   * yyreport_syntax_error): the stack bound of YYMAXDEPTH. */
  ql_diag_add (pc->diags, QL_DIAG_ERROR, "E0105", loc,
               "split the expression or the nesting into smaller parts",
               "script nested too deeply to parse");
}

/* How a token is named in messages. */
static const char *
token_desc (yysymbol_kind_t t)
{
  switch (t)
    {
    case YYSYMBOL_YYEOF:
      return "end of file";
    case YYSYMBOL_NL:
      return "end of line";
    case YYSYMBOL_INDENT:
      return "an indented block";
    case YYSYMBOL_DEDENT:
      return "end of block";
    case YYSYMBOL_IDENT:
      return "identifier";
    case YYSYMBOL_INT:
      return "integer";
    case YYSYMBOL_FLOAT:
      return "number";
    case YYSYMBOL_STRING:
      return "string";
    case YYSYMBOL_COLOR:
      return "color";
    case YYSYMBOL_EVENT_NAME:
      return "event name";
    case YYSYMBOL_YYUNDEF:
      return "invalid token";
    default:
      return NULL;
    }
}

/* 'if', ')', ... for keywords and punctuation; the description otherwise. */
static void
append_token (GString         *out,
              yysymbol_kind_t  t)
{
  const char *desc = token_desc (t);
  const char *name;
  gsize n;

  if (desc)
    {
      g_string_append (out, desc);
      return;
    }
  name = yysymbol_name (t);
  n = strlen (name);
  g_string_append_c (out, '\'');
  if (n >= 2 && (name[0] == '"' || name[0] == '\''))
    g_string_append_len (out, name + 1, n - 2);
  else
    g_string_append (out, name);
  g_string_append_c (out, '\'');
}

/* Whether @t is the character token 'c'. */
static gboolean
is_char (yysymbol_kind_t t,
         char            c)
{
  const char *n = yysymbol_name (t);

  return n[0] == '\'' && n[1] == c && n[2] == '\'' && n[3] == '\0';
}

static gboolean
starts_expression (yysymbol_kind_t t)
{
  switch (t)
    {
    case YYSYMBOL_IDENT:
    case YYSYMBOL_INT:
    case YYSYMBOL_FLOAT:
    case YYSYMBOL_STRING:
    case YYSYMBOL_COLOR:
    case YYSYMBOL_TRUE:
    case YYSYMBOL_FALSE:
    case YYSYMBOL_NA:
    case YYSYMBOL_NOT:
      return TRUE;
    default:
      return is_char (t, '(') || is_char (t, '[') || is_char (t, '{') || is_char (t, '-')
             || is_char (t, '+');
    }
}

static int
yyreport_syntax_error (const yypcontext_t *ctx,
                       QlParseCtx         *pc)
{
  enum { MAX_LISTED = 6 };
  yysymbol_kind_t expected[YYNTOKENS];
  yysymbol_kind_t found = yypcontext_token (ctx);
  const QlSpan *loc = yypcontext_location (ctx);
  int n = yypcontext_expected_tokens (ctx, expected, YYNTOKENS);
  g_autoptr (GString) msg = g_string_new ("unexpected ");
  yysymbol_kind_t listed[YYNTOKENS];
  int n_listed = 0;
  gboolean expr = FALSE, want_assign = FALSE, want_eq = FALSE, want_nl = FALSE;
  int line_tok;
  const char *hint = NULL;
  g_autofree char *hint_buf = NULL;

  /* The token as written, when it is short and on one line. */
  append_token (msg, found);
  if ((found == YYSYMBOL_IDENT || found == YYSYMBOL_INT || found == YYSYMBOL_FLOAT
       || found == YYSYMBOL_COLOR || found == YYSYMBOL_EVENT_NAME)
      && loc->end_offset > loc->offset && loc->end_offset - loc->offset <= 32
      && loc->end_offset <= pc->len)
    {
      g_string_append (msg, " '");
      for (guint32 i = loc->offset; i < loc->end_offset; i++)
        g_string_append_c (msg, pc->src[i]);
      g_string_append_c (msg, '\'');
    }

  for (int i = 0; i < n; i++)
    {
      if (starts_expression (expected[i]))
        expr = TRUE;
      else
        listed[n_listed++] = expected[i];
      want_assign |= expected[i] == YYSYMBOL_ASSIGN;
      want_eq |= expected[i] == YYSYMBOL_EQ;
      want_nl |= expected[i] == YYSYMBOL_NL;
    }
  if (n > 0 && n_listed + (expr ? 1 : 0) <= MAX_LISTED)
    {
      int total = n_listed + (expr ? 1 : 0);

      g_string_append (msg, ", expected ");
      for (int i = 0; i < n_listed; i++)
        {
          if (i > 0)
            g_string_append (msg, i == total - 1 ? " or " : ", ");
          append_token (msg, listed[i]);
        }
      if (expr)
        g_string_append_printf (msg, "%san expression", n_listed == 0 ? "" : " or ");
    }

  line_tok = ql__lexer_line_first (pc->lexer);
  if (is_char (found, '=') && (want_eq || line_tok == TOK_IF || line_tok == TOK_WHILE
                               || line_tok == TOK_ELSE))
    hint = "use == to compare";
  else if (is_char (found, '=') && (want_assign || line_tok == TOK_IDENT))
    hint = "= declares a new variable; use := to assign to an existing one, an element or a field";
  else if (is_char (found, ':') && want_nl)
    hint = "a block needs no ':'; end the line and indent the block below it";
  else if (found == YYSYMBOL_EQ || found == YYSYMBOL_NE || is_char (found, '<')
           || found == YYSYMBOL_LE || is_char (found, '>') || found == YYSYMBOL_GE)
    hint = "comparisons do not chain: write a < b and b < c";
  else if (found == YYSYMBOL_ELSE)
    hint = "'else' goes on its own line, at the indentation of its 'if', right after the if block";
  else if (found == YYSYMBOL_NL && pc->have_unclosed && loc->offset == pc->unclosed_nl_offset)
    hint = hint_buf = g_strdup_printf ("the '%c' at %u:%u is not closed", pc->unclosed_char,
                                       pc->unclosed_open.line, pc->unclosed_open.col);
  ql_diag_add (pc->diags, QL_DIAG_ERROR, "E0102", loc, hint, "%s", msg->str);
  return 0;
}

QlNode *
ql__parse_run (QlParseCtx *pc)
{
  int rc;

  pc->lexer = ql__lexer_new (pc);
  rc = ql_yyparse (pc);
  ql__lexer_free (pc->lexer);
  pc->lexer = NULL;
  if (rc != 0 || pc->root == NULL)
    {
      /* The parser gave up (E0105 was reported): keep a tree anyway. */
      QlSpan empty = { 0 };
      QlSpan all = { 1, 1, 1, 1, 0, (guint32) pc->len };
      QlNode *script = nd (pc, QL_NODE_SCRIPT, &all, 0, NULL, 1,
                           nd (pc, QL_NODE_HEADER, &empty, QL_MODE_INDICATOR, NULL, 0));

      ql_ast_node_append (pc->ast, script, nd (pc, QL_NODE_ERROR, &all, 0, NULL, 0));
      pc->root = script;
    }
  return pc->root;
}
