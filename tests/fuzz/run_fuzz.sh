#!/bin/bash
# Build one libFuzzer harness and run it briefly; prints TAP.
# A harness names the project sources it needs on a line
#   /* FUZZ_SOURCES: lib/selector.c controlplane/patch.c */
# and optionally extra link flags, pkg-config packages and the largest
# input libFuzzer may make (its default is 4096 bytes):
#   /* FUZZ_LIBS: -lz */
#   /* FUZZ_PKGS: sqlite3 yaml-0.1 */
#   /* FUZZ_MAX_LEN: 1048576 */
# and libFuzzer options of its own:
#   /* FUZZ_OPTS: -detect_leaks=0 */
# and may keep seed inputs in tests/fuzz/corpus/<name>/.
set -u
src=$1 secs=${2:-20}
cd "$(dirname "$0")/../.."
name=$(basename "$src" .c)
out=build/fuzz
mkdir -p "$out" "$out/corpus-$name"
srcs=$(sed -n 's|.*FUZZ_SOURCES:\(.*\)|\1|p' "$src" | head -1 | sed 's|\*/||')
libs=$(sed -n 's|.*FUZZ_LIBS:\(.*\)|\1|p' "$src" | head -1 | sed 's|\*/||')
pkgs=$(sed -n 's|.*FUZZ_PKGS:\(.*\)|\1|p' "$src" | head -1 | sed 's|\*/||')
fopts=$(sed -n 's|.*FUZZ_OPTS:\(.*\)|\1|p' "$src" | head -1 | sed 's|\*/||')
max_len=$(sed -n 's|.*FUZZ_MAX_LEN: *\([0-9]*\).*|\1|p' "$src" | head -1)
echo "1..2"
if clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-std=gnu11 -D_GNU_SOURCE -Ilib -Icontrolplane -Ictl -Ibpf \
	$(pkg-config --cflags libcjson $pkgs) "$src" $srcs -o "$out/$name" \
	$(pkg-config --libs libcjson $pkgs) $libs -lev -lm >"$out/$name.build.log" 2>&1; then
	echo "ok 1 - build $name"
else
	cat "$out/$name.build.log"
	echo "not ok 1 - build $name"
	echo "not ok 2 - run $name # not built"
	exit 1
fi
seeds=()
[ -d "tests/fuzz/corpus/$name" ] && seeds=("tests/fuzz/corpus/$name")
read -ra opts <<<"$fopts"
[ -n "$max_len" ] && opts+=(-max_len="$max_len")
if "$out/$name" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 "${opts[@]}" \
	-artifact_prefix="$out/$name-" "$out/corpus-$name" "${seeds[@]}" >"$out/$name.run.log" 2>&1; then
	echo "ok 2 - $name ran ${secs}s: $(grep -Eo 'Done [0-9]+ runs' "$out/$name.run.log" | tail -1)"
else
	tail -40 "$out/$name.run.log"
	echo "not ok 2 - $name found a crash (see $out/$name.run.log)"
	exit 1
fi
