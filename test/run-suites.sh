#!/usr/bin/env bash
# Run the suites against the installed extension; called by run-tests.sh as
# an unprivileged user from the top of a tree.  Prints one line per test and
# a closing "N passed, N failed" line; exits non-zero if anything failed.
set -uo pipefail
export PATH="/usr/lib/postgresql/15/bin:$PATH"
PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config
PGXS_DIR=$(dirname "$($PG_CONFIG --pgxs)")/..
passed=0
failed=0
log=$(mktemp)

count() {	# count "... ok" / "... FAILED" lines of pg_regress-style output
	local p f
	p=$(grep -cE '(\.\.\.|^ok ) +ok|^ok [0-9]' "$1" || true)
	f=$(grep -cE '\.\.\. +FAILED|^not ok' "$1" || true)
	passed=$((passed + p))
	failed=$((failed + f))
}

echo "== pg_regress and isolation suites (throwaway cluster) =="
rm -rf results output_iso regression.diffs regression.out
pg_virtualenv -v 15 -i '--encoding=UTF8 --locale=C.UTF-8' \
	-o 'max_worker_processes=16' -o 'max_parallel_workers=8' \
	make -s installcheck PG_CONFIG=$PG_CONFIG >"$log" 2>&1
rc=$?
cat "$log"
count "$log"
if [ $rc -ne 0 ]; then
	[ -f regression.diffs ] && head -c 20000 regression.diffs
	[ -f output_iso/regression.diffs ] && head -c 20000 output_iso/regression.diffs
	# a failure before any test ran still counts
	[ "$(grep -cE 'FAILED|not ok' "$log")" -eq 0 ] && failed=$((failed + 1))
fi

echo "== TAP suites =="
if ls test/t/*.pl >/dev/null 2>&1; then
	rm -rf tmp_check
	mkdir -p tmp_check
	TESTDIR="$PWD" PG_REGRESS="$PGXS_DIR/test/regress/pg_regress" \
		prove -I "$PGXS_DIR/test/perl" -I test/perl test/t/*.pl >"$log" 2>&1
	rc=$?
	cat "$log"
	p=$(grep -cE '^test/t/.*\.\. ok' "$log" || true)
	f=$(grep -cE '^test/t/.*\.\. (Failed|Dubious|not ok)' "$log" || true)
	[ $rc -ne 0 ] && [ "$f" -eq 0 ] && f=1
	passed=$((passed + p))
	failed=$((failed + f))
	if [ $rc -ne 0 ]; then
		for l in tmp_check/log/regress_log_*; do [ -f "$l" ] && tail -n 60 "$l"; done
	fi
fi

rm -f "$log"
echo
echo "clientele: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
