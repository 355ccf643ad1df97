#!/usr/bin/env bash
# Build the libFuzzer targets and run each for a while from the seed corpus.
#
#   bash test/fuzz/run.sh              # short run: 15 s per target (the test command's stage)
#   bash test/fuzz/run.sh --long       # long run: 30 min per target, keeps what it finds
#   bash test/fuzz/run.sh --seconds N [target...]
#
# Prints one line per target, "test fuzz_NAME ... ok (N runs in S s)" or
# "... FAILED", with the crashing input saved and shown.  The short run uses
# a throwaway copy of the seed corpus; the long run keeps its corpus in
# test/fuzz/corpus-long/ (not in git): merge what is worth keeping into the
# seeds with  build/fuzz_NAME -merge=1 corpus corpus-long/NAME.
# CLIENTELE_FUZZ_SECONDS overrides the per-target time of the short run.
#
#   bash test/fuzz/run.sh --save-typeio  # minimise corpus-long/fuzz_typeio and store it as seeds
#
# fuzz_typeio's inputs start with the index of their entry, so its seeds are
# kept per entry without that byte (corpus-typeio/ENTRY/); --save-typeio
# writes the long run's minimised corpus there as long-* seeds (run it with
# the CLIENTELE_FUZZ_ALL / CLIENTELE_FUZZ_ENTRY of the long run).
set -uo pipefail
cd "$(dirname "$0")"
if [ "${1:-}" = --save-typeio ]; then
	make -s build/fuzz_typeio || exit 1
	merged=$(mktemp -d /tmp/clientele-typeio.XXXXXX)
	trap 'rm -rf "$merged"' EXIT
	./build/fuzz_typeio -merge=1 "$merged" corpus-long/fuzz_typeio >/dev/null 2>&1 || exit 1
	mapfile -t names < <(FUZZ_TYPEIO_LIST=1 ./build/fuzz_typeio | awk '$1 != "skip" {print $2}')
	n=0
	for f in "$merged"/*; do
		[ -s "$f" ] || continue
		i=$(od -An -tu1 -N1 "$f" | tr -d ' ')
		name=${names[$((i % ${#names[@]}))]}
		mkdir -p "corpus-typeio/$name"
		tail -c +2 "$f" >"corpus-typeio/$name/long-$(basename "$f" | cut -c1-16)"
		n=$((n + 1))
	done
	echo "$n seeds stored in test/fuzz/corpus-typeio/*/long-*"
	exit 0
fi
seconds=${CLIENTELE_FUZZ_SECONDS:-15}
long=0
targets=()
while [ $# -gt 0 ]; do
	case "$1" in
		--long) long=1; seconds=${CLIENTELE_FUZZ_SECONDS:-1800} ;;
		--seconds) seconds=$2; shift ;;
		*) targets+=("$1") ;;
	esac
	shift
done
# every target the Makefile builds for this tree (the funnel targets when src/funnel has them)
[ ${#targets[@]} -eq 0 ] && read -r -a targets <<<"$(make -s targets ${SRC_TOP:+SRC_TOP=$SRC_TOP})"


if ! command -v clang >/dev/null; then
	echo "test fuzz ... FAILED (clang is not installed: bash test/setup-debian.sh)"
	exit 1
fi
if ! make -s -j2 ${SRC_TOP:+SRC_TOP=$SRC_TOP} >build.log 2>&1; then
	cat build.log
	echo "test fuzz build ... FAILED"
	exit 1
fi

work=$(mktemp -d /tmp/clientele-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
failed=0

# The harness can fail: a user error passes, each kind of finding aborts.
selftest_ok=1
declare -A expect=([x]='internal error \(XX000\)' [b]='invalid memory alloc request size'
	[m]='used [0-9]+ bytes of memory' [l]='LeakSanitizer: detected memory leaks')
for finding in e x b m l; do
	printf '%s' "$finding" >"$work/input-$finding"
	ASAN_OPTIONS=detect_leaks=1 ./build/harness_selftest "$work/input-$finding" >"$work/selftest-$finding.log" 2>&1
	rc=$?
	if { [ $finding = e ] && [ $rc -ne 0 ]; } ||
	   { [ $finding != e ] && { [ $rc -eq 0 ] || ! grep -qE "${expect[$finding]}" "$work/selftest-$finding.log"; }; }; then
		selftest_ok=0
		echo "harness self-test: input '$finding' exited with $rc"
		tail -5 "$work/selftest-$finding.log"
	fi
done
if [ $selftest_ok -eq 1 ]; then
	echo "test fuzz_harness ... ok (user errors pass; XX000, oversized palloc, memory growth and leaks abort)"
else
	echo "test fuzz_harness ... FAILED"
	failed=$((failed + 1))
fi
# fuzz_typeio's seeds are stored by entry name, without the selector byte
# (corpus-typeio/ENTRY/*): prefix each with its entry's position in the table
# of the build, so reordering or adding entries keeps every seed on its entry.
typeio_seeds() {
	local dir=$1 index name f
	mkdir -p "$dir"
	while read -r index name finding; do
		if [ "$index" = skip ]; then
			echo "note: fuzz_typeio skips $name (its open finding $finding in docs/hardening.md; CLIENTELE_FUZZ_ALL=1 runs it)"
			continue
		fi
		if [ ! -d "corpus-typeio/$name" ]; then
			echo "note: fuzz_typeio entry $name has no seeds (add test/fuzz/corpus-typeio/$name/)"
			continue
		fi
		for f in "corpus-typeio/$name"/*; do
			{ printf "\\$(printf '%03o' "$index")"; cat "$f"; } >"$dir/$name-$(basename "$f")"
		done
	done < <(FUZZ_TYPEIO_LIST=1 ./build/fuzz_typeio)
}

for t in "${targets[@]}"; do
	t=fuzz_${t#fuzz_}
	if [ $long -eq 1 ]; then
		corpus=corpus-long/$t
		mkdir -p "$corpus"
	else
		corpus=$work/$t
		mkdir -p "$corpus"
	fi
	mkdir -p "$work/artifacts-$t"
	case $t in
		fuzz_kw*) seeds="corpus corpus-kw" ;;
		fuzz_typeio) seeds=$work/typeio-seeds; typeio_seeds "$seeds" ;;
		*) seeds=corpus ;;
	esac
	# ASan: report leaks; UBSan: stop at the first finding, with a stack
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:allocator_may_return_null=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	./build/$t -max_total_time="$seconds" -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$work/artifacts-$t/" \
		"$corpus" $seeds >"$work/$t.log" 2>&1
	rc=$?
	runs=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\1 runs in \2 s/p' "$work/$t.log")
	cov=$(grep -o 'cov: [0-9]*' "$work/$t.log" | tail -1)
	if [ $rc -eq 0 ] && [ -n "$runs" ]; then
		echo "test $t ... ok ($runs, $cov)"
	else
		failed=$((failed + 1))
		echo "test $t ... FAILED"
		grep -E 'ERROR|SUMMARY|fuzz_[a-z]*:|uncaught|runtime error|#[0-9]+ 0x' "$work/$t.log" | head -40
		for a in "$work/artifacts-$t"/*; do
			[ -f "$a" ] || continue
			mkdir -p findings
			cp "$a" findings/
			echo "input saved as test/fuzz/findings/$(basename "$a"):"
			od -A d -c "$a" | head -20
		done
	fi
done
exit $((failed > 0))
