#!/usr/bin/env bash
# Fails when a file includes across a layer boundary that DESIGN.md forbids,
# or writes an include relative to its own folder instead of the project root.
# Usage: check-layers.sh PROJECT_ROOT
set -u
root=${1:?usage: check-layers.sh PROJECT_ROOT}
cd "$root" || exit 2
status=0
rules=(
  "engine|^(dsl|data|render|app|sync-server)/|^gtk/|^gdk/|^sqlite3\.h|^curl/|^libwebsockets\.h|^epoxy/|^cairo|^json-glib/|^gtksourceview/|^libpq|^hiredis/|^sodium|^xxhash\.h|^zlib\.h|^gio/"
  "dsl|^(data|render|app|sync-server)/|^gtk/|^gdk/|^sqlite3\.h|^curl/|^libwebsockets\.h|^epoxy/|^cairo|^gtksourceview/|^libpq|^hiredis/|^sodium|^gio/"
  "data|^(dsl|render|app|sync-server)/|^gtk/|^gdk/|^epoxy/|^cairo|^gtksourceview/"
  "render|^(dsl|data|app|sync-server)/|^sqlite3\.h|^curl/|^libwebsockets\.h|^libpq|^hiredis/"
  "sync-server|^(render|app)/|^gtk/|^gdk/|^epoxy/|^cairo|^gtksourceview/"
  "app|^sync-server/"
)
checked=0
for rule in "${rules[@]}"; do
  layer=${rule%%|*}; pat=${rule#*|}
  [ -d "$layer" ] || continue
  while IFS= read -r hit; do
    [ -n "$hit" ] || continue
    checked=$((checked + 1))
    file=${hit%%:*}; rest=${hit#*:}; line=${rest%%:*}
    target=$(printf '%s' "$rest" | sed -E 's/^[0-9]+:[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]([^>"]+)[>"].*/\1/')
    if printf '%s' "$target" | grep -Eq "$pat"; then
      echo "$file:$line: layer '$layer' includes '$target' (DESIGN.md, Layers)"; status=1
    fi
    case "$target" in
      ../*|./*) echo "$file:$line: relative include '$target': write it from the project root"; status=1;;
    esac
    # A quoted include of a project header must name its layer.
    if printf '%s' "$rest" | grep -Eq '#[[:space:]]*include[[:space:]]*"' && \
       ! printf '%s' "$target" | grep -Eq '^(engine|dsl|data|render|app|sync-server|tests)/|^ql-config\.h$|\.(tab|yy)\.[ch]$|-resources\.h$'; then
      echo "$file:$line: include \"$target\" does not start with its layer folder"; status=1
    fi
  done < <(grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]' "$layer" --include='*.c' --include='*.h' --include='*.y' --include='*.l' 2>/dev/null)
done
[ $checked -gt 0 ] || { echo "no include lines found under $root: wrong folder?"; exit 1; }
[ $status -eq 0 ] && echo "layers: ok ($checked includes checked)"
exit $status
