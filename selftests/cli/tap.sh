# SPDX-License-Identifier: Apache-2.0
# Minimal TAP for command-line tests: run a command, compare its exit status and look for
# text in its output. Each case prints "ok N - name" or "not ok N - name" with the evidence.
TAP_N=0
TAP_FAILED=0

# expect NAME RC PATTERN CMD...   PATTERN is a fixed string looked for in stdout+stderr ("" for any)
expect() {
	local name=$1 want_rc=$2 pattern=$3 out rc
	shift 3
	out=$("$@" 2>&1)
	rc=$?
	TAP_N=$((TAP_N + 1))
	if [ "$rc" = "$want_rc" ] && { [ -z "$pattern" ] || grep -qF -- "$pattern" <<<"$out"; }; then
		echo "ok $TAP_N - $name"
	else
		TAP_FAILED=$((TAP_FAILED + 1))
		echo "not ok $TAP_N - $name"
		echo "#   command: $*"
		echo "#   exit $rc (want $want_rc), looked for: $pattern"
		sed 's/^/#   | /' <<<"$out"
	fi
}

# expect_eq NAME WANT GOT
expect_eq() {
	TAP_N=$((TAP_N + 1))
	if [ "$2" = "$3" ]; then
		echo "ok $TAP_N - $1"
	else
		TAP_FAILED=$((TAP_FAILED + 1))
		echo "not ok $TAP_N - $1"
		echo "#   want: $2"
		echo "#   got:  $3"
	fi
}

tap_done() {
	echo "1..$TAP_N"
	[ "$TAP_FAILED" -eq 0 ]
}
