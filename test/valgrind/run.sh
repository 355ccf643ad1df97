#!/usr/bin/env bash
# The pg_regress suite against a server running under valgrind (memcheck).
#
#   bash test/valgrind/run.sh                 # every regress test
#   bash test/valgrind/run.sh sentiment tokens
#   bash test/valgrind/run.sh --summarize     # summarise the logs of the last run again
#
# On demand (it takes many minutes): builds and installs like the test
# command, starts a throwaway cluster whose postmaster runs under valgrind
# (every backend is a fork of it, so each is checked), runs the named
# regress tests (all by default), stops the server and summarises: the
# number of errors valgrind found, and among them those with a frame in
# clientele.so, which must be zero.  Logs are kept in
# ${CLIENTELE_VALGRIND_DIR:-/tmp/clientele-valgrind}/ (one per process).
#
# The server packages are not built with USE_VALGRIND, so memcheck sees
# malloc'ed blocks, not palloc chunks: it finds reads of uninitialised
# memory, accesses beyond an allocation block, invalid frees and bad system
# call arguments, not overruns inside a memory context's block (the fuzz
# targets' AddressSanitizer covers those in the text core).  Noise from
# PostgreSQL itself (padding bytes written to files and sockets) is
# suppressed by test/valgrind/postgres.supp; output differences caused by
# the slowdown (timeouts) are reported but are not valgrind errors.
if [ "${1:-}" != --inner ] && [ "${1:-}" != --summarize ]; then
	source "$(dirname "$0")/../common.sh"
	clientele_build_install
	out=${CLIENTELE_VALGRIND_DIR:-/tmp/clientele-valgrind}
	rm -rf "$out"
	mkdir -p "$out"
	chown postgres "$out" 2>/dev/null || true
	CLIENTELE_VALGRIND_DIR=$out clientele_run_unprivileged env CLIENTELE_VALGRIND_DIR="$out" \
		bash test/valgrind/run.sh --inner "$@"
	exit $?
fi
mode=$1
shift
set -uo pipefail
bindir=${CLIENTELE_BINDIR:-/usr/lib/postgresql/15/bin}
out=${CLIENTELE_VALGRIND_DIR:-/tmp/clientele-valgrind}
PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config

# Summary: errors per process log, and those touching the extension.
summarize() {
	local total=0 n log ext_files ext_frames ours
	for log in "$out"/vg.*.log; do
		n=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$log" | tail -1)
		total=$((total + ${n:-0}))
	done
	# An error block runs from "==PID== <message>" to the next blank "==PID== "
	# line; it is the extension's when a frame is in clientele.so or in one of
	# its source files (valgrind names the file when the library has debug info).
	ext_files=$(for f in "$(dirname "$0")"/../../src/*/*.c; do basename "$f"; done | sed 's/\./\\./' | paste -sd'|')
	ext_frames="clientele\\.so|\\(($ext_files):[0-9]+\\)"
	ours=$(awk -v re="$ext_frames" '/^==[0-9]+== [A-Z][a-z]/ { block = $0; inblock = 1; next }
		inblock && /^==[0-9]+== *$/ { if (block ~ re && block !~ /ERROR SUMMARY/) n++; inblock = 0; next }
		inblock { block = block "\n" $0 }
		END { print n + 0 }' "$out"/vg.*.log)
	echo "valgrind: $(ls "$out"/vg.*.log | wc -l) processes, $total errors (after suppressions), $ours in the extension"
	if [ "$ours" -gt 0 ]; then
		echo "valgrind: the extension's errors, by the frame in its code:"
		grep -hE -A3 '^==[0-9]+== (Invalid|Conditional|Use of|Syscall|Source and|Mismatched)' "$out"/vg.*.log |
			grep -oE "[a-z_]+ \\(($ext_files):[0-9]+\\)" | sort | uniq -c | sort -rn | head -20
	fi
	[ "$ours" -eq 0 ]
}
if [ "$mode" = --summarize ]; then
	summarize
	exit $?
fi

dir=$(mktemp -d /tmp/clientele-vgcluster.XXXXXX)
cleanup() {
	"$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
	rm -rf "$dir"
}
trap cleanup EXIT

tests=("$@")
if [ ${#tests[@]} -eq 0 ]; then
	for f in sql/*.sql; do tests+=("$(basename "$f" .sql)"); done
fi

"$bindir/initdb" -D "$dir/data" -E UTF8 --locale=C.UTF-8 -A trust >"$dir/initdb.log" 2>&1 ||
	{ cat "$dir/initdb.log"; exit 1; }
echo "valgrind: starting the server (logs in $out)"
valgrind --tool=memcheck --trace-children=yes --error-limit=no --num-callers=40 \
	--read-var-info=no --track-origins=no --leak-check=no \
	--suppressions=test/valgrind/postgres.supp --gen-suppressions=all \
	--log-file="$out/vg.%p.log" \
	"$bindir/postgres" -D "$dir/data" -k "$dir" -c listen_addresses= -p 5432 \
	-c max_worker_processes=16 -c max_parallel_workers=8 -c autovacuum=off -c jit=off \
	>"$out/server.log" 2>&1 &
for _ in $(seq 1 240); do
	"$bindir/pg_isready" -h "$dir" -p 5432 -q && break
	sleep 1
done
"$bindir/pg_isready" -h "$dir" -p 5432 -q || { echo "valgrind: the server did not start"; tail "$out/server.log"; exit 1; }

start=$(date +%s)
PGHOST=$dir PGPORT=5432 make -s installcheck PG_CONFIG=$PG_CONFIG REGRESS="${tests[*]}" \
	EXTRA_REGRESS_OPTS="--max-connections=1" >"$out/installcheck.log" 2>&1
rc=$?
grep -E '^(ok|not ok|test) ' "$out/installcheck.log" | sed 's/^/  /'
[ -f regression.diffs ] && cp regression.diffs "$out/"
"$bindir/pg_ctl" -D "$dir/data" -m fast -w -t 300 stop >/dev/null 2>&1
wait
echo "valgrind: the suite took $(( $(date +%s) - start )) s; pg_regress exit status $rc"

summarize
