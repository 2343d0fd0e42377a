#!/bin/bash
# The kubelet's container runtime (dataplane/kubelet/runtime.h) on the real runc: a small driver
# (rt_driver.c, compiled here against libdp.a) runs "host"-image containers in a network namespace made
# for the test, under a cgroup made for the test, and each driver invocation is a new process, so every
# step after `run` is an adoption after a "skiff-node restart". Checks: the CRI log line, the pid in the
# test's netns, the shim outliving its starter, kill -> exit by signal, an exit code, OOM kill under a
# 16M limit, the CPU quota in the cgroup, exec (code, timeout), rotation, the failure reasons, and that
# delete leaves no cgroup, bundle or runc state. Root only. Prints TAP.
set -u
ROOT_DIR=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${SKIFF_BIN:-$ROOT_DIR/build}
NODE=$BIN/skiff-shim

if [ "$(id -u)" != 0 ] || ! command -v runc >/dev/null || [ ! -x "$NODE" ] || [ ! -f "$BIN/libdp.a" ]; then
	echo "1..0 # SKIP needs root, runc and $NODE, $BIN/libdp.a"
	exit 0
fi

P=skrt$$
T=$(mktemp -d /tmp/skiff-rt-test.XXXXXX)
CG=skiff-rt-test-$$/pod1
NS=$P
D=
cleanup() {
	for b in "$T"/b*; do
		[ -d "$b" ] && [ -n "$D" ] && $D delete "$(basename "$b")" "$b" >/dev/null 2>&1
	done
	for h in /sys/fs/cgroup/*/skiff-rt-test-$$ /sys/fs/cgroup/skiff-rt-test-$$; do
		[ -d "$h" ] && find "$h" -depth -type d -exec rmdir {} + 2>/dev/null
	done
	ip netns del "$NS" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

echo "1..29"
. "$(dirname "$0")/tap_lib.sh"

SAN=
case "$BIN" in */san) SAN="-fsanitize=address,undefined -fno-omit-frame-pointer" ;; esac
# shellcheck disable=SC2086
if ! cc -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -D_GNU_SOURCE $SAN -I"$ROOT_DIR/dataplane" \
	-I"$ROOT_DIR/lib" $(pkg-config --cflags libcjson) -o "$T/rt_driver" "$ROOT_DIR/tests/integration/rt_driver.c" \
	"$BIN/libdp.a" "$BIN/libskiff.a" $(pkg-config --libs libcjson libarchive gnutls) -lev -lm >"$T/err" 2>&1; then
	echo "Bail out! rt_driver does not build"
	sed 's/^/# /' "$T/err"
	exit 1
fi
# The driver keeps its last container without freeing it: no leak reports.
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1
D="$T/rt_driver $NODE $T/root"
run() {
	"$@" >"$T/out" 2>"$T/err"
	RC=$?
}
cgfile() { # cgfile ID FILE-v1 FILE-v2: the file of the container's cgroup
	if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
		cat "/sys/fs/cgroup/$CG/$1/$3"
	else
		cat "/sys/fs/cgroup/${4:-cpu}/$CG/$1/$2"
	fi
}

ip netns add "$NS"

# 1-4: a long-running container in the test's netns; its log; its pid.
run $D run c1 "$T/b1" --netns "/run/netns/$NS" --cg "$CG" --log "$T/c1.log" -- sh -c 'echo hi; echo oops >&2; sleep 30'
check "run host image sh in the test netns" 0 "started pid="
PID=$(sed -n 's/^started pid=//p' "$T/out")
for _ in $(seq 50); do grep -q oops "$T/c1.log" 2>/dev/null && break; sleep 0.05; done
if grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{9}Z stdout F hi$' "$T/c1.log" &&
	grep -Eq 'Z stderr F oops$' "$T/c1.log"; then
	ok "stdout and stderr in the CRI log format"
else
	sed 's/^/# /' "$T/c1.log"; not_ok "stdout and stderr in the CRI log format"
fi
if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null &&
	[ "$(readlink /proc/"$PID"/ns/net)" = "net:[$(stat -L -c %i /run/netns/"$NS")]" ] &&
	[ "$(readlink /proc/"$PID"/ns/pid)" != "$(readlink /proc/self/ns/pid)" ]; then
	ok "the container's pid runs in the pod netns and its own pid namespace"
else
	not_ok "the container's pid runs in the pod netns and its own pid namespace"
fi
SHIM=$(cat "$T/b1/shim.pid" 2>/dev/null)
if [ -n "$SHIM" ] && tr '\0' ' ' <"/proc/$SHIM/cmdline" | grep -q "shim $T/b1 c1"; then
	ok "the shim outlives the process that started it"
else
	not_ok "the shim outlives the process that started it"
fi

# 5-6: adoption by a new driver process: still running; then kill -> on_exit with the signal.
run $D wait c1 "$T/b1" 0.3
check "adopted after a restart, still running (no exit within 0.3 s)" 1 "timeout"
run $D kill c1 "$T/b1" 9 5
check "SIGKILL through the adopted container: on_exit with signal 9" 0 "exit code=137 signal=9 oom=0"

# 7: delete leaves nothing.
run $D delete c1 "$T/b1"
left=$(ls -d /sys/fs/cgroup/*/"$CG"/c1 /sys/fs/cgroup/"$CG"/c1 "$T/b1" "$T/root/runc/c1" 2>/dev/null)
# The shim is gone: at most a zombie (this machine's pid 1 may be slow to reap what it inherits).
if [ "$RC" = 0 ] && [ -z "$left" ] && ! ps -o stat= -p "$SHIM" | grep -qv Z && [ -f "$T/c1.log" ]; then
	ok "delete removes cgroups, bundle, runc state and the shim (the log stays)"
else
	echo "# left: $left" >>"$T/err"; not_ok "delete removes cgroups, bundle, runc state and the shim (the log stays)"
fi

# 8: an exit code.
run $D run c2 "$T/b2" --cg "$CG" --wait 5 -- sh -c 'exit 3'
check "exit code 3 reported by on_exit" 0 "exit code=3 signal=0 oom=0"
$D delete c2 "$T/b2" >/dev/null

# 9: OOM under a 16M limit.
run $D run c3 "$T/b3" --cg "$CG" --mem 16777216 --wait 20 -- sh -c 'x=0123456789abcdef; while :; do x=$x$x; done'
check "a memory hog under a 16M limit is oom_killed" 0 "signal=9 oom=1"
$D delete c3 "$T/b3" >/dev/null

# 10-13: CPU quota and pids limit in the cgroup; exec.
run $D run c4 "$T/b4" --cg "$CG" --cpu-quota 50000 --pids 64 -- sleep 30
check "run with a CPU quota" 0 "started pid="
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
	q=$(cat "/sys/fs/cgroup/$CG/c4/cpu.max")
	[ "$q" = "50000 100000" ] && ok "cpu.max is 50000 100000" || { echo "# cpu.max=$q"; not_ok "cpu.max"; }
else
	q=$(cat "/sys/fs/cgroup/cpu/$CG/c4/cpu.cfs_quota_us")
	[ "$q" = 50000 ] && ok "cpu.cfs_quota_us is 50000 (v1)" || { echo "# quota=$q"; not_ok "cpu.cfs_quota_us"; }
fi
run $D exec c4 "$T/b4" 5 -- sh -c 'exit 7'
check "exec in the container returns its exit code" 0 "exec code=7"
start=$(date +%s%N)
run $D exec c4 "$T/b4" 0.5 -- sleep 20
el=$((($(date +%s%N) - start) / 1000000))
if grep -q "exec code=-110" "$T/out" && [ "$el" -lt 3000 ] && ! pgrep -f "^sleep 20$" >/dev/null; then
	ok "an exec past its timeout is killed: -ETIMEDOUT (${el} ms)"
else
	not_ok "an exec past its timeout is killed: -ETIMEDOUT (${el} ms)"
fi
run cgfile c4 pids.max pids.max pids
check "pids limit in the cgroup" 0 "64"
$D delete c4 "$T/b4" >/dev/null

# 15-16: exited while no one watched: adopt reports it at once.
run $D run c5 "$T/b5" --cg "$CG" -- sh -c 'exit 5'
check "run a short container and leave" 0 "started pid="
sleep 0.3
run $D wait c5 "$T/b5" 2
check "adopting an exited container fires on_exit at once with its code" 0 "exit code=5 signal=0"
$D delete c5 "$T/b5" >/dev/null

# 17: rotation.
run $D run c6 "$T/b6" --cg "$CG" --log "$T/c6.log" --log-max 400 --wait 5 -- sh -c 'for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do echo line$i; done'
if [ -f "$T/c6.log.1" ] && [ "$(stat -c %s "$T/c6.log")" -le 400 ] && grep -q "stdout F line20$" "$T/c6.log"; then
	ok "the log rotates to .1 past --log-max"
else
	not_ok "the log rotates to .1 past --log-max"
fi
$D delete c6 "$T/b6" >/dev/null

# 18-21: failures and their reasons; nothing left behind.
run $D run c7 "$T/b7" --image nosuch -- true
check "a missing image: ErrImageNeverPull with how to import it" 1 "reason=ErrImageNeverPull" "" \
	"import it as $T/root/images/nosuch/rootfs (an unpacked root filesystem)"
run $D run c7 "$T/b7"
check "the host image without a command: CreateContainerConfigError" 1 \
	'reason=CreateContainerConfigError message=image "host" has no entrypoint: the container must set command'
run $D run c7 "$T/b7" --cg "$CG" -- /nonexistent
check "a missing executable: StartError with runc's reason" 1 "reason=StartError" "" "/nonexistent"
left=$(ls -d /sys/fs/cgroup/*/"$CG"/c7 "$T/b7" "$T/root/runc/c7" 2>/dev/null)
[ -z "$left" ] && ok "a failed start leaves nothing" || { echo "# left: $left"; not_ok "a failed start leaves nothing"; }

# 22: list after all deletes is empty; leftovers found by list are removable.
$D run c8 "$T/b8" --cg "$CG" -- sleep 30 >/dev/null
run $D list
check "list names a running container with its bundle" 0 "c8 $T/b8"

# 23-26: an image from the store: rootfs + config.json (Entrypoint/Cmd/Env/WorkingDir), a tag falling back
# to the untagged name, args replacing Cmd, a read-only rootfs.
IMG=$T/root/images/mini
mkdir -p "$IMG/rootfs/bin" "$IMG/rootfs/w" "$IMG/rootfs/lib/x86_64-linux-gnu" "$IMG/rootfs/lib64"
cp "$(readlink -f /bin/sh)" "$IMG/rootfs/bin/sh"
for l in $(ldd /bin/sh | grep -o '/[^ ]*'); do cp "$l" "$IMG/rootfs$l"; done
cat >"$IMG/config.json" <<'JSON'
{"config": {"Entrypoint": ["/bin/sh", "-c"], "Cmd": ["echo \"$GREETING from $(pwd)\" > /w/out; echo $GREETING $WHO"],
 "Env": ["GREETING=hello", "WHO=image"], "WorkingDir": "/w"}}
JSON
run $D run c9 "$T/b9" --image mini:1.0 --cg "$CG" --log "$T/c9.log" --wait 5
check "an image from the store runs its Entrypoint+Cmd" 0 "exit code=0 signal=0"
if grep -q "stdout F hello image$" "$T/c9.log" && [ "$(cat "$IMG/rootfs/w/out")" = "hello from /w" ]; then
	ok "the image's Env and WorkingDir apply"
else
	sed 's/^/# /' "$T/c9.log"; not_ok "the image's Env and WorkingDir apply"
fi
$D delete c9 "$T/b9" >/dev/null
[ -d "$IMG/rootfs/bin" ] && ok "delete keeps the image's rootfs" || not_ok "delete keeps the image's rootfs"
run $D run c10 "$T/b10" --image mini --cg "$CG" --log "$T/c10.log" --ro --as-args --wait 5 -- \
	'(echo x >/w/x) 2>/dev/null && echo wrote || echo refused'
$D delete c10 "$T/b10" >/dev/null
if grep -q "exit code=0" "$T/out" && grep -q "stdout F refused$" "$T/c10.log" && [ ! -e "$IMG/rootfs/w/x" ]; then
	ok "args replace Cmd; a read-only rootfs refuses writes"
else
	sed 's/^/# /' "$T/c10.log" 2>/dev/null; not_ok "args replace Cmd; a read-only rootfs refuses writes"
fi

# 27-29: rt_run_async: the loop runs while runc starts the container; success and failure by callback.
run $D run c11 "$T/b11" --cg "$CG" --async --wait 5 -- sh -c 'exit 4'
check "rt_run_async: started by callback, the loop ran meanwhile, then the exit" 0 "loop ticks while starting: 1" \
	"" "exit code=4 signal=0"
$D delete c11 "$T/b11" >/dev/null
run $D run c12 "$T/b12" --cg "$CG" --async -- /nonexistent
check "rt_run_async: a failed start comes to the callback as StartError" 1 "reason=StartError"
left=$(ls -d /sys/fs/cgroup/*/"$CG"/c12 "$T/b12" "$T/root/runc/c12" 2>/dev/null)
[ -z "$left" ] && ok "a failed async start leaves nothing" || { echo "# left: $left"; not_ok "a failed async start leaves nothing"; }
