#!/bin/bash
# Build one libFuzzer harness and run it briefly; prints TAP.
# A harness names the project sources it needs on a line
#   /* FUZZ_SOURCES: lib/selector.c controlplane/patch.c */
# and may keep seed inputs in tests/fuzz/corpus/<name>/.
set -u
src=$1 secs=${2:-20}
cd "$(dirname "$0")/../.."
name=$(basename "$src" .c)
out=build/fuzz
mkdir -p "$out" "$out/corpus-$name"
srcs=$(sed -n 's|.*FUZZ_SOURCES:\(.*\)|\1|p' "$src" | head -1 | sed 's|\*/||')
libs=$(sed -n 's|.*FUZZ_LIBS:\(.*\)|\1|p' "$src" | head -1 | sed 's|\*/||')
echo "1..2"
if clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-std=gnu11 -D_GNU_SOURCE -Ilib -Icontrolplane -Ictl -Ibpf \
	$(pkg-config --cflags libcjson) "$src" $srcs -o "$out/$name" \
	$(pkg-config --libs libcjson) $libs -lev -lm >"$out/$name.build.log" 2>&1; then
	echo "ok 1 - build $name"
else
	cat "$out/$name.build.log"
	echo "not ok 1 - build $name"
	echo "not ok 2 - run $name # not built"
	exit 1
fi
seeds=()
[ -d "tests/fuzz/corpus/$name" ] && seeds=("tests/fuzz/corpus/$name")
if "$out/$name" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	"$out/corpus-$name" "${seeds[@]}" >"$out/$name.run.log" 2>&1; then
	echo "ok 2 - $name ran ${secs}s: $(grep -Eo 'Done [0-9]+ runs' "$out/$name.run.log" | tail -1)"
else
	tail -40 "$out/$name.run.log"
	echo "not ok 2 - $name found a crash (see $out/$name.run.log)"
	exit 1
fi
