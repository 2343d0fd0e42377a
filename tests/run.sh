#!/bin/bash
# Runs every Skiff test and prints one closing line: "N passed, N failed, N skipped".
#   unit tests   : cmocka binaries, built with ASan+UBSan (build/san/tests)
#   integration  : tests/integration/* (TAP), against the ASan+UBSan binaries
#   fuzz         : each tests/fuzz/fuzz_*.c harness for a short run
# Env: SKIFF_TEST_FILTER=regex (only matching test files), SKIFF_FUZZ_SECONDS (default 20).
set -u
cd "$(dirname "$0")/.."
ROOT=$PWD
export SKIFF_TEST_LOGS=${SKIFF_TEST_LOGS:-$ROOT/build/test-logs}
LOGDIR=$SKIFF_TEST_LOGS
mkdir -p "$LOGDIR"
PASS=0 FAIL=0 SKIP=0
FAILED=()

echo "== build"
if ! make -j2 all >"$LOGDIR/build.log" 2>&1 || ! make -j2 SAN=1 all unit >"$LOGDIR/build-san.log" 2>&1; then
	tail -40 "$LOGDIR/build.log" "$LOGDIR/build-san.log"
	echo "0 passed, 1 failed"
	exit 1
fi

want() { [ -z "${SKIFF_TEST_FILTER:-}" ] || [[ "$1" =~ $SKIFF_TEST_FILTER ]]; }

# Run one TAP-producing command; count its results.
run_tap() {
	local name=$1; shift
	local log="$LOGDIR/$(basename "$name").log" rc ok=0 bad=0 skip=0
	echo "== $name"
	"$@" >"$log" 2>&1 </dev/null
	rc=$?
	while IFS= read -r line; do
		case "$line" in
		"not ok"*) bad=$((bad + 1)); echo "  $line";;
		ok*"# SKIP"* | ok*"# skip"*) skip=$((skip + 1)); echo "  $line";;
		ok*) ok=$((ok + 1));;
		esac
	done < <(grep -E '^(not )?ok( |$)' "$log")
	if [ $rc -ne 0 ] && [ $bad -eq 0 ]; then
		bad=1
		echo "  not ok - $name exited with status $rc (see $log)"
		tail -15 "$log" | sed 's/^/    /'
	fi
	[ $bad -gt 0 ] && FAILED+=("$name")
	echo "  $ok passed, $bad failed, $skip skipped"
	PASS=$((PASS + ok)); FAIL=$((FAIL + bad)); SKIP=$((SKIP + skip))
}

export CMOCKA_MESSAGE_OUTPUT=TAP
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
for t in build/san/tests/test_*; do
	[ -x "$t" ] || continue
	want "$t" || continue
	ASAN_OPTIONS=detect_leaks=1 run_tap "unit/$(basename "$t")" "$t"
done

# Integration tests run the sanitizer build of the daemons; leaks at exit
# are not failures there (daemons are killed), memory errors are.
export SKIFF_BIN=$ROOT/build/san
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1
for t in tests/integration/*; do
	[ -f "$t" ] && [ -x "$t" ] || continue
	want "$t" || continue
	run_tap "integration/$(basename "$t")" "$t"
done

for f in tests/fuzz/fuzz_*.c; do
	[ -e "$f" ] || continue
	want "$f" || continue
	# 12 s each keeps the suite inside its 20-minute budget; `make fuzz` runs longer
	run_tap "fuzz/$(basename "$f" .c)" bash tests/fuzz/run_fuzz.sh "$f" "${SKIFF_FUZZ_SECONDS:-12}"
done

if [ ${#FAILED[@]} -gt 0 ]; then
	echo "failed: ${FAILED[*]}"
fi
echo "$PASS passed, $FAIL failed, $SKIP skipped"
[ $FAIL -eq 0 ]
