# tap_lib.sh: TAP helpers shared by the shell integration tests (sourced,
# not run: tests/run.sh runs only executable files). The caller sets T (its
# temp dir; a command's output is in $T/out and $T/err, its status in RC)
# and PY (python3).
N=0
FAILS=0
ok() { N=$((N + 1)); echo "ok $N - $1"; }
not_ok() {
	N=$((N + 1)); FAILS=$((FAILS + 1))
	echo "not ok $N - $1"
	# Show what the command printed, as TAP diagnostics.
	sed 's/^/# /' "$T/out" "$T/err" 2>/dev/null | head -20
}

# run COMMAND...: its stdout in $T/out, stderr in $T/err, status in RC.
run() {
	"$@" >"$T/out" 2>"$T/err"
	RC=$?
}

# check DESC WANT_RC [stdout pattern] [stderr pattern] [2nd stdout pattern]
# WANT_RC is a status, or "fail" for any non-zero one; patterns are fixed
# strings (grep -F), empty to skip.
check() {
	local desc=$1 want=$2 out_pat=${3:-} err_pat=${4:-} out_pat2=${5:-} f p
	if { [ "$want" = fail ] && [ "$RC" -eq 0 ]; } ||
		{ [ "$want" != fail ] && [ "$RC" -ne "$want" ]; }; then
		echo "# exit status $RC, want $want" >>"$T/err"
		not_ok "$desc"
		return 1
	fi
	for f in "out:$out_pat" "out:$out_pat2" "err:$err_pat"; do
		p=${f#*:}
		if [ -n "$p" ] && ! grep -qF -- "$p" "$T/${f%%:*}"; then
			echo "# std${f%%:*} lacks: $p" >>"$T/err"
			not_ok "$desc"
			return 1
		fi
	done
	ok "$desc"
}

# pycheck DESC PYTHON_EXPR: evaluate with j = stdout parsed as JSON.
pycheck() {
	if $PY -c "import json,sys; j=json.load(open('$T/out')); sys.exit(0 if ($2) else 1)" 2>>"$T/err"; then
		ok "$1"
	else
		not_ok "$1"
	fi
}

# res DESC: ok when the previous command succeeded.
res() {
	local rc=$?
	if [ $rc -eq 0 ]; then ok "$1"; else not_ok "$1"; fi
}
# until_ok SECS COMMAND...: poll the command every 0.2 s until it succeeds.
until_ok() {
	local end=$((SECONDS + $1))
	shift
	while ! "$@" >/dev/null 2>&1; do
		[ $SECONDS -ge $end ] && return 1
		sleep 0.2
	done
}
# need_cluster: exit with a TAP skip unless skiffctl, skiff-server and
# skiff-node are built (in $BIN, skiffctl as $CTL) and the test runs as
# root with kubectl ($KUBECTL) and runc (what `skiffctl cluster` needs).
need_cluster() {
	local b
	for b in "$CTL" "$BIN/skiff-server" "$BIN/skiff-node"; do
		if [ ! -x "$b" ]; then
			echo "1..0 # SKIP $b not built"
			exit 0
		fi
	done
	if [ "$(id -u)" != 0 ] || [ -z "$KUBECTL" ] || ! command -v runc >/dev/null; then
		echo "1..0 # SKIP needs root, kubectl and runc"
		exit 0
	fi
}
