#!/usr/bin/env bash
# Run the suites against the installed extension; called by run-tests.sh as
# an unprivileged user from the top of a tree.  Prints one line per test and
# a closing "N passed, N failed" line; exits non-zero if anything failed.
#
# With arguments, runs only the named tests: a pg_regress name (sql/NAME.sql),
# an isolation spec name (test/isolation/specs/NAME.spec), a TAP file
# (test/t/NAME.pl) or "fuzz" (the short libFuzzer run, test/fuzz/run.sh, which
# also runs when no test is named; CLIENTELE_FUZZ_SECONDS sets its length).
#
# CLIENTELE_KEEP_RESULTS=/some/dir keeps the outputs (results/, output_iso/,
# regression.diffs, TAP logs) there for reading after the run.
set -uo pipefail
BINDIR=${CLIENTELE_BINDIR:-/usr/lib/postgresql/15/bin}
export PATH="$BINDIR:/usr/lib/postgresql/15/bin:$PATH"
PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config
PGXS_DIR=$(dirname "$($PG_CONFIG --pgxs)")/..
passed=0
failed=0
log=$(mktemp)

regress=() isolation=() tap=() fuzz=0
if [ $# -eq 0 ]; then
	fuzz=1
	for f in sql/*.sql; do regress+=("$(basename "$f" .sql)"); done
	for f in test/isolation/specs/*.spec; do [ -f "$f" ] && isolation+=("$(basename "$f" .spec)"); done
	for f in test/t/*.pl; do [ -f "$f" ] && tap+=("$f"); done
else
	for a in "$@"; do
		n=$(basename "$a"); n=${n%.sql}; n=${n%.spec}; n=${n%.pl}
		if [ "$n" = fuzz ]; then fuzz=1
		elif [ -f "test/t/$n.pl" ]; then tap+=("test/t/$n.pl")
		elif [ -f "test/isolation/specs/$n.spec" ]; then isolation+=("$n")
		elif [ -f "sql/$n.sql" ]; then regress+=("$n")
		else echo "no such test: $a" >&2; failed=$((failed + 1)); fi
	done
fi

count() {	# count "... ok" / "... FAILED" lines of pg_regress-style output
	local p f
	p=$(grep -cE '(\.\.\.|^ok ) +ok|^ok [0-9]' "$1" || true)
	f=$(grep -cE '\.\.\. +FAILED|^not ok' "$1" || true)
	passed=$((passed + p))
	failed=$((failed + f))
}

if [ ${#regress[@]} -gt 0 ] || [ ${#isolation[@]} -gt 0 ]; then
	echo "== pg_regress and isolation suites (throwaway cluster) =="
	rm -rf results output_iso regression.diffs regression.out
	bash test/with-cluster.sh make -s installcheck PG_CONFIG=$PG_CONFIG \
		REGRESS="${regress[*]}" ISOLATION="${isolation[*]}" >"$log" 2>&1
	rc=$?
	cat "$log"
	count "$log"
	if [ $rc -ne 0 ]; then
		[ -f regression.diffs ] && head -c 20000 regression.diffs
		[ -f output_iso/regression.diffs ] && head -c 20000 output_iso/regression.diffs
		# a failure before any test ran still counts
		[ "$(grep -cE 'FAILED|not ok' "$log")" -eq 0 ] && failed=$((failed + 1))
	fi
fi

if [ ${#tap[@]} -gt 0 ]; then
	echo "== TAP suites =="
	rm -rf tmp_check
	mkdir -p tmp_check
	TESTDIR="$PWD" PG_REGRESS="$PGXS_DIR/test/regress/pg_regress" \
		prove -I "$PGXS_DIR/test/perl" -I test/perl "${tap[@]}" >"$log" 2>&1
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

if [ $fuzz -eq 1 ]; then
	echo "== fuzzing (libFuzzer, short run) =="
	bash test/fuzz/run.sh >"$log" 2>&1
	rc=$?
	cat "$log"
	count "$log"
	[ $rc -ne 0 ] && [ "$(grep -cE 'FAILED' "$log")" -eq 0 ] && failed=$((failed + 1))
fi

rm -f "$log"
if [ -n "${CLIENTELE_KEEP_RESULTS:-}" ]; then
	mkdir -p "$CLIENTELE_KEEP_RESULTS"
	for d in results output_iso regression.diffs tmp_check/log; do
		[ -e "$d" ] && cp -r "$d" "$CLIENTELE_KEEP_RESULTS/"
	done
fi
echo
echo "clientele: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
