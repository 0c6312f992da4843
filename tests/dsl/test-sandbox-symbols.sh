#!/bin/sh
# tests/dsl/test-sandbox-symbols.sh LIBQL_DSL.a — the sandbox of QuantLab
# Script holds at link level: the library references no function that opens
# files, sockets or processes, reads the environment, loads code or reads a
# clock (issue #5, section 6). TAP output.
set -u

lib=${1:?usage: test-sandbox-symbols.sh path/to/libql-dsl.a}
NM=${NM:-nm}

echo "1..3"

if [ ! -f "$lib" ]; then
  echo "not ok 1 - $lib exists"
  exit 1
fi

undef=$("$NM" -u "$lib" 2>/dev/null | awk 'NF >= 2 { print $NF } NF == 1 && $1 !~ /:$/ { print $1 }' \
        | sed 's/@.*//' | sort -u)

# The listing is real: the VM's own calls into GLib and the engine show up.
if printf '%s\n' "$undef" | grep -qx 'g_malloc' && printf '%s\n' "$undef" | grep -qx 'ql_ta_sma_update'; then
  echo "ok 1 - nm lists the undefined symbols of $(basename "$lib")"
else
  echo "not ok 1 - nm lists the undefined symbols of $(basename "$lib")"
fi

# libc and POSIX: files, sockets, processes, environment, dynamic code, clocks.
libc='^(open|open64|openat|openat64|creat|fopen|fopen64|freopen|fdopen|opendir|socket|connect|bind|listen|accept|accept4|execl|execle|execlp|execv|execve|execvp|execvpe|fexecve|system|popen|fork|vfork|posix_spawn|posix_spawnp|getenv|secure_getenv|setenv|putenv|dlopen|dlsym|dlmopen|clock_gettime|gettimeofday|time|ftime|clock)$'
bad=$(printf '%s\n' "$undef" | grep -E "$libc" || true)
if [ -z "$bad" ]; then
  echo "ok 2 - no file, socket, process, environment, dlopen or clock call from libc"
else
  echo "not ok 2 - no file, socket, process, environment, dlopen or clock call from libc"
  printf '%s\n' "$bad" | sed 's/^/# references /'
fi

# The same through GLib.
glib='^(g_getenv|g_setenv|g_listenv|g_get_environ|g_environ_getenv|g_spawn_.*|g_subprocess_.*|g_file_.*|g_fopen|g_open|g_freopen|g_creat|g_dir_open|g_mapped_file_.*|g_io_channel_new_file|g_key_file_load_.*|g_module_.*|g_socket_.*|g_get_real_time|g_get_monotonic_time|g_date_time_new_now.*|g_get_current_time|g_timer_.*)$'
bad=$(printf '%s\n' "$undef" | grep -E "$glib" || true)
if [ -z "$bad" ]; then
  echo "ok 3 - no file, process, environment, module or clock call through GLib"
else
  echo "not ok 3 - no file, process, environment, module or clock call through GLib"
  printf '%s\n' "$bad" | sed 's/^/# references /'
fi
