#!/bin/sh
# QuantLab: install what is missing, build, and run.
#
#   ./run.sh          install the missing system packages, build, run the main job:
#                     the headless demo (the workstation, once it exists, when a
#                     display is available)
#   ./run.sh test     the same set-up, then the whole test suite
#   ./run.sh asan     the same set-up, then the whole suite built with ASan+UBSan
#   ./run.sh bench    the same set-up, then the benchmarks (`name: value unit` lines)
#
# Safe to run again: packages already present are not reinstalled and an existing
# build directory is reused. Works as root or as a user with sudo.
set -eu

cd "$(dirname "$0")"
mode=${1:-run}
case "$mode" in
  run|test|asan|bench) ;;
  -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "run.sh: unknown mode '$mode' (use: run, test, asan, bench)" >&2; exit 2 ;;
esac

say() { printf '==> %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else echo "run.sh: need root to install packages: run as root or install sudo" >&2; exit 1
  fi
}

install_packages() {
  os=$(uname -s)
  if [ "$os" = Darwin ]; then
    command -v brew >/dev/null 2>&1 || { echo "run.sh: install Homebrew first (https://brew.sh)" >&2; exit 1; }
    for p in meson ninja pkg-config flex bison glib sqlite xxhash json-glib gtk4 gtksourceview5 libepoxy cairo pango; do
      brew list --formula "$p" >/dev/null 2>&1 || brew install "$p"
    done
    # macOS ships bison 2.3 and an old flex; Homebrew's are keg-only.
    PATH="$(brew --prefix bison)/bin:$(brew --prefix flex)/bin:$PATH"; export PATH
    return
  fi
  if command -v apt-get >/dev/null 2>&1; then
    pkgs="build-essential meson ninja-build pkg-config flex bison libglib2.0-dev libsqlite3-dev libxxhash-dev
          libjson-glib-dev tzdata libgtk-4-dev libgtksourceview-5-dev libepoxy-dev libcairo2-dev libpango1.0-dev
          libegl-dev libgles-dev libegl-mesa0 libgl1-mesa-dri fonts-dejavu-core xvfb xauth"
    missing=""
    for p in $pkgs; do
      dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
    done
    if [ -n "$missing" ]; then
      say "installing:$missing"
      as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
      # shellcheck disable=SC2086
      as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
    fi
  elif command -v dnf >/dev/null 2>&1; then
    pkgs="gcc meson ninja-build pkgconf-pkg-config flex bison glib2-devel sqlite-devel xxhash-devel tzdata
          json-glib-devel gtk4-devel gtksourceview5-devel libepoxy-devel cairo-devel pango-devel mesa-libEGL-devel
          mesa-dri-drivers dejavu-sans-fonts xorg-x11-server-Xvfb"
    missing=""
    for p in $pkgs; do rpm -q "$p" >/dev/null 2>&1 || missing="$missing $p"; done
    # shellcheck disable=SC2086
    [ -z "$missing" ] || { say "installing:$missing"; as_root dnf install -y $missing; }
  else
    echo "run.sh: no apt-get, dnf or brew here; install meson, ninja, pkg-config, flex, bison and the development files of GLib, SQLite, xxHash, json-glib, GTK 4, GtkSourceView 5, libepoxy, cairo and pango by hand" >&2
    exit 1
  fi
}

# configure DIR [meson options...]: set up DIR once; later runs reuse it.
configure() {
  dir=$1; shift
  if [ ! -f "$dir/build.ninja" ]; then
    say "configuring $dir"
    meson setup "$dir" "$@" >/dev/null
  fi
  # CI builds with warnings as errors; a user's newer compiler should not break the build.
  if [ "${CI:-}" = true ]; then meson configure "$dir" -Dwerror=true >/dev/null; fi
  say "building $dir"
  ninja -C "$dir" >/dev/null || ninja -C "$dir"
}

install_packages

case "$mode" in
  run)
    configure build
    # The GTK workstation arrives with its issue; until then, and without a
    # display, the headless demo is the main job.
    exec build/app/quantlab-cli demo --db build/demo-workspace.db
    ;;
  test)
    configure build
    exec meson test -C build --print-errorlogs --num-processes 2
    ;;
  asan)
    configure build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:halt_on_error=1 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
      exec meson test -C build-asan --print-errorlogs --num-processes 2 --timeout-multiplier 3
    ;;
  bench)
    # Link-time optimisation lets the run loop inline the portfolio's and
    # broker's small accessors across files (about 5 % of a bar-mode run).
    configure build-release -Dbuildtype=release -Db_ndebug=false -Db_lto=true
    exec meson test -C build-release --benchmark --verbose --num-processes 1
    ;;
esac
