#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs every test layer and ends with the one summary line CI reads: "N passed, N failed".
#   unit  Criterion binaries in $BUILD/selftests (BPF tests through BPF_PROG_TEST_RUN included)
#   fuzz  each libFuzzer target in $BUILD/fuzz for a few seconds, from its seed corpus
#   cli   selftests/cli/*.sh: the command-line tools end to end (TAP)
#   vm    vm-tests/*.sh: namespaces, real processes and traffic; TAP "ok"/"not ok" lines, or the
#         exit status when a script prints none
# Options: --only unit|cli|fuzz|vm (repeatable).
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
FUZZ_SECONDS=${FUZZ_SECONDS:-8}
LOGDIR=$BUILD/test-logs
mkdir -p "$LOGDIR"

only=()
while [ $# -gt 0 ]; do
	case "$1" in
	--only) only+=("$2"); shift 2 ;;
	*) echo "run-tests: unknown option $1" >&2; exit 2 ;;
	esac
done
want() { [ ${#only[@]} -eq 0 ] || [[ " ${only[*]} " == *" $1 "* ]]; }

passed=0 failed=0
failures=()

record() { # name passed failed
	passed=$((passed + $2))
	failed=$((failed + $3))
	[ "$3" -gt 0 ] && failures+=("$1 ($3 failed, log: $LOGDIR/$1.log)")
	printf '  %-40s %4d passed %4d failed\n' "$1" "$2" "$3"
}

run_unit() {
	local t name log synth p f c
	for t in "$BUILD"/selftests/test_*; do
		[ -x "$t" ] || continue
		name=$(basename "$t")
		log=$LOGDIR/$name.log
		timeout 600 "$t" --jobs 2 --short-filename >"$log" 2>&1
		local rc=$?
		synth=$(grep -a 'Synthesis:' "$log" | tail -1)
		if [ -z "$synth" ]; then
			record "$name" 0 1
			continue
		fi
		p=$(sed -n 's/.*Passing: \([0-9]*\).*/\1/p' <<<"$synth")
		f=$(sed -n 's/.*Failing: \([0-9]*\).*/\1/p' <<<"$synth")
		c=$(sed -n 's/.*Crashing: \([0-9]*\).*/\1/p' <<<"$synth")
		[ "$rc" -ne 0 ] && [ $((f + c)) -eq 0 ] && c=1
		record "$name" "$p" $((f + c))
	done
}

run_fuzz() {
	local t name log corpus
	for t in "$BUILD"/fuzz/fuzz_*; do
		[ -x "$t" ] || continue
		name=$(basename "$t")
		log=$LOGDIR/$name.log
		corpus=$(mktemp -d)
		[ -d "selftests/fuzz/corpus/$name" ] && cp -r "selftests/fuzz/corpus/$name/." "$corpus/"
		if "$t" -max_total_time="$FUZZ_SECONDS" -rss_limit_mb=2048 -timeout=10 \
			-print_final_stats=1 "$corpus" >"$log" 2>&1; then
			record "$name" 1 0
		else
			record "$name" 0 1
		fi
		rm -rf "$corpus"
	done
}

# Script layers: every executable *.sh in a folder; TAP lines counted, else the exit status.
run_scripts() { # folder prefix
	local t name log ok notok
	for t in "$1"/*.sh; do
		[ -f "$t" ] && [ -x "$t" ] || continue
		name=$2-$(basename "$t" .sh)
		log=$LOGDIR/$name.log
		BUILD=$BUILD timeout 900 bash "$t" >"$log" 2>&1
		local rc=$?
		ok=$(grep -c '^ok ' "$log")
		notok=$(grep -c '^not ok ' "$log")
		if [ $((ok + notok)) -eq 0 ]; then
			[ $rc -eq 0 ] && ok=1 || notok=1
		elif [ $rc -ne 0 ] && [ "$notok" -eq 0 ]; then
			notok=1
		fi
		record "$name" "$ok" "$notok"
	done
}

want unit && { echo "unit tests:"; run_unit; }
want cli && { echo "command-line tests:"; run_scripts selftests/cli cli; }
want fuzz && { echo "fuzz targets (${FUZZ_SECONDS}s each):"; run_fuzz; }
want vm && { echo "vm tests:"; run_scripts vm-tests vm; }

if [ ${#failures[@]} -gt 0 ]; then
	echo "failures:"
	for f in "${failures[@]}"; do echo "  $f"; done
	for f in "${failures[@]}"; do
		log=${f##*log: }; log=${log%)}
		echo "---- $log (last 40 lines)"; tail -40 "$log"
	done
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
