#!/usr/bin/env python3
"""tests/dsl/test-generated.py: the checked-in dsl/builtins.json and
dsl/quantlab-script.lang are the ones dsl/gen-builtins.c writes, and both
are well formed.

Usage: test-generated.py GENERATED.json GENERATED.lang CHECKED_IN.json CHECKED_IN.lang

Prints TAP: one test per check."""
import json
import re
import sys
import xml.etree.ElementTree as ET

results = []


def check(name, ok, why=""):
    results.append((name, bool(ok), why))
    return ok


def read(path):
    with open(path, "rb") as f:
        return f.read()


def signature_of(b):
    """The signature rebuilt from the parsed params and returns."""
    if b["kind"] == "value":
        return ": " + b["returns"]
    parts = []
    for p in b["params"]:
        s = p["name"]
        if p["type"] is not None:
            s += ": " + p["type"]
        if p["default"] is not None:
            s += " = " + p["default"]
        parts.append(s)
    s = "(" + ", ".join(parts) + ")"
    if b["returns"] is not None:
        s += " -> " + b["returns"]
    return s


def main(argv):
    gen_json, gen_lang, src_json, src_lang = argv[1:5]

    for gen, src, target in ((gen_json, src_json, "dsl/builtins.json"),
                             (gen_lang, src_lang, "dsl/quantlab-script.lang")):
        check("%s is up to date" % target, read(gen) == read(src),
              "%s differs from the generated copy: run `ninja -C build %s` "
              "and copy build/%s to %s" % (target, target, target, target))

    # JSON: structure and signatures parsed back to themselves.
    data = json.loads(read(gen_json).decode("utf-8"))
    check("json version 1", data.get("version") == 1)
    check("json has keywords, types, builtins",
          all(isinstance(data.get(k), list) for k in ("keywords", "types", "builtins")))
    builtins = data["builtins"]
    names = [b["name"] for b in builtins]
    check("builtins sorted by name, unique", names == sorted(set(names)))
    fields = {"name", "kind", "category", "signature", "doc", "params", "returns"}
    bad = [b.get("name") for b in builtins if set(b) != fields]
    check("every builtin has exactly the documented fields", not bad, "bad: %s" % bad)
    bad = [b["name"] for b in builtins if b["kind"] not in ("value", "function", "ta", "order")]
    check("kinds are value, function, ta, order", not bad, "bad: %s" % bad)
    bad = [b["name"] for b in builtins
           if re.sub(r"\s+", " ", signature_of(b)) != re.sub(r"\s+", " ", b["signature"].strip())]
    check("params and returns rebuild each signature", not bad, "bad: %s" % bad[:10])
    ta = [b for b in builtins if b["kind"] == "ta"]
    check("ta rows present, named ta.*", len(ta) >= 43 and all(b["name"].startswith("ta.") for b in ta))
    macd = [b for b in builtins if b["name"] == "ta.macd"]
    check("ta.macd parsed as (source, fast = 12, slow = 26, signal = 9) -> 3 series",
          macd and [(p["name"], p["default"]) for p in macd[0]["params"]]
          == [("source", None), ("fast", "12"), ("slow", "26"), ("signal", "9")]
          and macd[0]["returns"] == "(series float, series float, series float)")

    # The language definition: well-formed XML with the id, glob and styles.
    root = ET.fromstring(read(gen_lang))
    check("lang root is <language id=qls>", root.tag == "language" and root.get("id") == "qls"
          and root.get("name") == "QuantLab Script" and root.get("version") == "2.0")
    props = {p.get("name"): p.text for p in root.iter("property")}
    check("lang globs *.qls", props.get("globs") == "*.qls")
    check("lang line comment //", props.get("line-comment-start") == "//")
    maps = {s.get("id"): s.get("map-to") for s in root.iter("style")}
    for style, target in (("keyword", "def:keyword"), ("type", "def:type"),
                          ("builtin", "def:builtin"), ("function", "def:function"),
                          ("constant", "def:constant"), ("decimal", "def:decimal"),
                          ("floating-point", "def:floating-point"), ("string", "def:string"),
                          ("comment", "def:comment"), ("color", "def:special-constant")):
        check("style %s maps to %s" % (style, target), maps.get(style) == target)
    words = {}
    for ctx in root.iter("context"):
        kws = [k.text.replace("\\.", ".") for k in ctx.findall("keyword")]
        if kws:
            words[ctx.get("id")] = set(kws)
    every = set().union(*words.values()) if words else set()
    constants = {"true", "false", "na"}
    check("true, false, na are constants", words.get("constants") == constants)
    missing = [k for k in data["keywords"] if k not in constants and k not in words.get("keywords", ())]
    check("every keyword in the keywords context", not missing, "missing: %s" % missing)
    missing = [t for t in data["types"] if t not in words.get("types", ())]
    check("every type name in the types context", not missing, "missing: %s" % missing)
    missing = [n for n in names if n not in every]
    check("every builtin name highlighted", not missing, "missing: %s" % missing[:10])
    check("ta.sma is a function, written ta\\.sma",
          "ta.sma" in words.get("functions", ()) and b"<keyword>ta\\.sma</keyword>" in read(gen_lang))

    print("1..%d" % len(results))
    failed = 0
    for i, (name, ok, why) in enumerate(results, 1):
        print("%s %d %s" % ("ok" if ok else "not ok", i, name))
        if not ok:
            failed += 1
            if why:
                print("# " + why)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
