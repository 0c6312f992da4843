#!/usr/bin/env python3
"""tests/dsl/test-grammar.py — dsl/grammar.ebnf and dsl/parser.y name the
same productions: every EBNF rule is a bison nonterminal and every bison
nonterminal an EBNF rule. TAP output; exit status 1 on a difference.

Usage: test-grammar.py GRAMMAR.ebnf PARSER.y"""
import re
import sys


def ebnf_rules(text):
    # Comments (* ... *) do not nest in ISO EBNF; strings may hold "(*".
    text = re.sub(r'\(\*.*?\*\)', ' ', text, flags=re.S)
    text = re.sub(r'"[^"]*"|\'[^\']*\'', '""', text)
    names = set()
    for stmt in text.split(';'):
        m = re.match(r'\s*([A-Za-z_][A-Za-z0-9_]*)\s*=', stmt)
        if m:
            names.add(m.group(1))
        elif stmt.strip():
            raise SystemExit('Bail out! not a rule in the EBNF: %r' % stmt.strip()[:60])
    return names


def bison_nonterminals(text):
    parts = text.split('\n%%')
    if len(parts) < 2:
        raise SystemExit('Bail out! no %% rules section in the bison file')
    rules = parts[1]
    # Drop actions and comments so that only rule heads remain at column 0.
    rules = re.sub(r'/\*.*?\*/', ' ', rules, flags=re.S)
    rules = re.sub(r'"(?:\\.|[^"\\\n])*"', '""', rules)
    rules = re.sub(r"'(?:\\.|[^'\\\n])'", "''", rules)
    out, depth = [], 0
    for c in rules:
        if c == '{':
            depth += 1
        elif c == '}':
            depth -= 1
        elif depth == 0:
            out.append(c)
    return set(re.findall(r'^([A-Za-z_][A-Za-z0-9_.]*)\s*:', ''.join(out), flags=re.M))


def main():
    with open(sys.argv[1], encoding='utf-8') as f:
        ebnf = ebnf_rules(f.read())
    with open(sys.argv[2], encoding='utf-8') as f:
        bison = bison_nonterminals(f.read())
    print('1..3')
    ok = True
    print('ok 1 - the EBNF has %d rules, the parser %d nonterminals' % (len(ebnf), len(bison))
          if ebnf and bison else 'not ok 1 - no rules found')
    ok &= bool(ebnf and bison)
    only_ebnf = sorted(ebnf - bison)
    only_bison = sorted(bison - ebnf)
    if only_ebnf:
        print('not ok 2 - in grammar.ebnf but not in parser.y: %s' % ', '.join(only_ebnf))
        ok = False
    else:
        print('ok 2 - every EBNF rule is a bison nonterminal')
    if only_bison:
        print('not ok 3 - in parser.y but not in grammar.ebnf: %s' % ', '.join(only_bison))
        ok = False
    else:
        print('ok 3 - every bison nonterminal is an EBNF rule')
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
