/* dsl/ast.c — the syntax tree's arena, the parse driver and the tree dump.
 *
 * Nodes and child arrays come from a slab allocator (slabs of 4 KiB
 * doubling up to 64 KiB, bump pointer, never freed one by one); strings from a GStringChunk. A child
 * array grows by doubling inside the arena: its capacity is not stored but
 * follows from n_kids (the next power of two, at least 4), so appending
 * reallocates exactly when n_kids reaches a power of two >= 4. */
#define G_LOG_DOMAIN "ql-dsl-ast"

#include "dsl/ast.h"
#include "dsl/parser.h"

#include <string.h>

#define SLAB_SIZE (64 * 1024)

struct QlAst
{
  GSList *slabs;       /* of char[], newest first */
  gsize slab_used;
  gsize slab_size;
  GStringChunk *strings;
  QlNode *root;
};

static gpointer
arena_alloc (QlAst *self,
             gsize  size)
{
  gpointer p;

  size = (size + 15) & ~(gsize) 15;
  if (self->slabs == NULL || self->slab_used + size > self->slab_size)
    {
      /* Slabs double from 4 KiB to 64 KiB: a one-line script costs little. */
      gsize n = MAX (self->slab_size ? MIN (self->slab_size * 2, SLAB_SIZE) : 4096, size);

      self->slabs = g_slist_prepend (self->slabs, g_malloc (n));
      self->slab_used = 0;
      self->slab_size = n;
    }
  p = (char *) self->slabs->data + self->slab_used;
  self->slab_used += size;
  return p;
}

static QlAst *
ql_ast_new (void)
{
  QlAst *self = g_new0 (QlAst, 1);

  self->strings = g_string_chunk_new (4096);
  return self;
}

void
ql_ast_free (QlAst *self)
{
  if (self == NULL)
    return;
  g_slist_free_full (self->slabs, g_free);
  g_string_chunk_free (self->strings);
  g_free (self);
}

QlNode *
ql_ast_get_root (const QlAst *self)
{
  return self->root;
}

static guint
kids_capacity (guint n)
{
  guint cap = 4;

  if (n == 0)
    return 0;
  while (cap < n)
    cap *= 2;
  return cap;
}

QlNode *
ql_ast_node_new (QlAst        *self,
                 QlNodeKind    kind,
                 const QlSpan *span,
                 QlNode      **kids,
                 guint         n_kids)
{
  QlNode *node = arena_alloc (self, sizeof (QlNode));

  memset (node, 0, sizeof *node);
  node->kind = kind;
  if (span)
    node->span = *span;
  if (n_kids > 0)
    {
      node->kids = arena_alloc (self, kids_capacity (n_kids) * sizeof (QlNode *));
      memcpy (node->kids, kids, n_kids * sizeof (QlNode *));
      node->n_kids = n_kids;
    }
  return node;
}

void
ql_ast_node_append (QlAst  *self,
                    QlNode *parent,
                    QlNode *kid)
{
  guint n = parent->n_kids;

  if (n == kids_capacity (n))
    {
      QlNode **kids = arena_alloc (self, kids_capacity (n + 1) * sizeof (QlNode *));

      if (n > 0)
        memcpy (kids, parent->kids, n * sizeof (QlNode *));
      parent->kids = kids;
    }
  parent->kids[n] = kid;
  parent->n_kids = n + 1;
}

const char *
ql_ast_strdup (QlAst      *self,
               const char *s,
               gssize      len)
{
  if (s == NULL)
    return NULL;
  if (len < 0)
    return g_string_chunk_insert (self->strings, s);
  return g_string_chunk_insert_len (self->strings, s, len);
}

QlAst *
ql_parse (const char *source,
          gsize       len,
          QlDiagList *diags)
{
  QlAst *self = ql_ast_new ();
  g_autoptr (QlDiagList) own = NULL;
  QlParseCtx pc = { 0 };

  if (diags == NULL)
    diags = own = ql_diag_list_new (NULL, source, len);
  /* Spans hold 32-bit offsets: a larger script is cut there (and is
   * reported, which the checker would refuse anyway). */
  if (len > G_MAXINT32)
    {
      QlSpan at = { 1, 1, 1, 1, 0, 0 };

      ql_diag_add (diags, QL_DIAG_ERROR, "E0105", &at, NULL,
                   "script too large to parse (%" G_GSIZE_FORMAT " bytes)", len);
      len = G_MAXINT32;
    }
  pc.ast = self;
  pc.diags = diags;
  pc.src = source ? source : "";
  pc.len = source ? len : 0;
  self->root = ql__parse_run (&pc);
  return self;
}

static const char *const kind_names[QL_NODE_N_KINDS] = {
  [QL_NODE_SCRIPT] = "SCRIPT",
  [QL_NODE_HEADER] = "HEADER",
  [QL_NODE_ARG] = "ARG",
  [QL_NODE_TYPE] = "TYPE",
  [QL_NODE_PARAM] = "PARAM",
  [QL_NODE_PARAMS] = "PARAMS",
  [QL_NODE_BLOCK] = "BLOCK",
  [QL_NODE_DECL] = "DECL",
  [QL_NODE_NAMES] = "NAMES",
  [QL_NODE_ASSIGN] = "ASSIGN",
  [QL_NODE_IF] = "IF",
  [QL_NODE_FOR_RANGE] = "FOR_RANGE",
  [QL_NODE_FOR_IN] = "FOR_IN",
  [QL_NODE_WHILE] = "WHILE",
  [QL_NODE_BREAK] = "BREAK",
  [QL_NODE_CONTINUE] = "CONTINUE",
  [QL_NODE_RETURN] = "RETURN",
  [QL_NODE_EXPR_STMT] = "EXPR_STMT",
  [QL_NODE_ORDER] = "ORDER",
  [QL_NODE_OCO] = "OCO",
  [QL_NODE_FN_DEF] = "FN_DEF",
  [QL_NODE_EVENT_DEF] = "EVENT_DEF",
  [QL_NODE_TEST_DEF] = "TEST_DEF",
  [QL_NODE_ERROR] = "ERROR",
  [QL_NODE_INT] = "INT",
  [QL_NODE_FLOAT] = "FLOAT",
  [QL_NODE_STRING] = "STRING",
  [QL_NODE_COLOR] = "COLOR",
  [QL_NODE_BOOL] = "BOOL",
  [QL_NODE_NA] = "NA",
  [QL_NODE_IDENT] = "IDENT",
  [QL_NODE_ARRAY] = "ARRAY",
  [QL_NODE_MAP] = "MAP",
  [QL_NODE_UNARY] = "UNARY",
  [QL_NODE_BINARY] = "BINARY",
  [QL_NODE_TERNARY] = "TERNARY",
  [QL_NODE_INDEX] = "INDEX",
  [QL_NODE_MEMBER] = "MEMBER",
  [QL_NODE_CALL] = "CALL",
};

const char *
ql_node_kind_name (QlNodeKind kind)
{
  if ((guint) kind >= QL_NODE_N_KINDS)
    return "?";
  return kind_names[kind];
}

static const char *
op_name (const QlNode *node)
{
  static const char *const modes[] = { "INDICATOR", "STRATEGY", "EVENTS" };
  static const char *const decls[] = { "PLAIN", "VAR", "VARIP" };
  static const char *const orders[] = { "BUY", "SELL", "EXIT", "CANCEL", "BRACKET" };
  static const char *const ops[] = {
    "OR", "AND", "EQ", "NE", "LT", "LE", "GT", "GE", "ADD", "SUB", "MUL", "DIV", "MOD",
    "NEG", "PLUS", "NOT",
    "ASSIGN", "ADD_ASSIGN", "SUB_ASSIGN", "MUL_ASSIGN", "DIV_ASSIGN",
  };
  guint op = (guint) node->op;

  switch (node->kind)
    {
    case QL_NODE_HEADER:
      return op < G_N_ELEMENTS (modes) ? modes[op] : "?";
    case QL_NODE_DECL:
      return op < G_N_ELEMENTS (decls) ? decls[op] : "?";
    case QL_NODE_ORDER:
      return op < G_N_ELEMENTS (orders) ? orders[op] : "?";
    case QL_NODE_UNARY:
    case QL_NODE_BINARY:
    case QL_NODE_ASSIGN:
      return op < G_N_ELEMENTS (ops) ? ops[op] : "?";
    default:
      return NULL;
    }
}

static gboolean
is_word (const char *s)
{
  if (!g_ascii_isalpha (*s) && *s != '_')
    return FALSE;
  for (; *s; s++)
    if (!g_ascii_isalnum (*s) && *s != '_')
      return FALSE;
  return TRUE;
}

/* The shortest of %.15g .. %.17g that reads back as @v. */
static void
append_double (GString *out,
               double   v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  for (int prec = 15; prec <= 17; prec++)
    {
      g_ascii_formatd (buf, sizeof buf, prec == 15 ? "%.15g" : prec == 16 ? "%.16g" : "%.17g", v);
      if (g_ascii_strtod (buf, NULL) == v || prec == 17)
        break;
    }
  g_string_append (out, buf);
}

static void
dump_head (GString      *out,
           const QlNode *node)
{
  const char *op = op_name (node);

  g_string_append_printf (out, "(%s %u:%u-%u:%u", ql_node_kind_name (node->kind), node->span.line,
                          node->span.col, node->span.end_line, node->span.end_col);
  if (op)
    g_string_append_printf (out, " op=%s", op);
  if (node->name)
    {
      if (node->kind != QL_NODE_STRING && is_word (node->name))
        g_string_append_printf (out, " name=%s", node->name);
      else
        {
          g_autofree char *esc = g_strescape (node->name, NULL);

          g_string_append_printf (out, " name=\"%s\"", esc);
        }
    }
  switch (node->kind)
    {
    case QL_NODE_INT:
      g_string_append_printf (out, " value=%" G_GINT64_FORMAT, node->ival);
      break;
    case QL_NODE_FLOAT:
      g_string_append (out, " value=");
      append_double (out, node->fval);
      break;
    case QL_NODE_BOOL:
      g_string_append (out, node->ival ? " value=true" : " value=false");
      break;
    case QL_NODE_COLOR:
      g_string_append_printf (out, " value=#%08" G_GINT64_MODIFIER "x", node->ival & 0xffffffff);
      break;
    default:
      break;
    }
}

typedef struct
{
  const QlNode *node;
  guint next;
} Frame;

char *
ql_ast_dump (const QlNode *node)
{
  GString *out = g_string_new (NULL);
  GArray *stack = g_array_new (FALSE, FALSE, sizeof (Frame));
  Frame root = { node, 0 };

  /* Iterative, so that a deep tree cannot overflow the C stack. */
  if (node == NULL)
    {
      g_array_unref (stack);
      g_string_append (out, "nil\n");
      return g_string_free (out, FALSE);
    }
  dump_head (out, node);
  g_array_append_val (stack, root);
  while (stack->len > 0)
    {
      Frame *f = &g_array_index (stack, Frame, stack->len - 1);

      if (f->next < f->node->n_kids)
        {
          const QlNode *kid = f->node->kids[f->next++];

          g_string_append_c (out, '\n');
          for (guint i = 0; i < stack->len; i++)
            g_string_append (out, "  ");
          if (kid == NULL)
            g_string_append (out, "nil");
          else
            {
              Frame k = { kid, 0 };

              dump_head (out, kid);
              g_array_append_val (stack, k);
            }
        }
      else
        {
          g_string_append_c (out, ')');
          g_array_set_size (stack, stack->len - 1);
        }
    }
  g_string_append_c (out, '\n');
  g_array_unref (stack);
  return g_string_free (out, FALSE);
}
