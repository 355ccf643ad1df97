#!/usr/bin/env bash
# The pg_regress and isolation suites against a server running under
# valgrind (memcheck).
#
#   bash test/valgrind/run.sh                 # every regress test and isolation spec
#   bash test/valgrind/run.sh sentiment tokens index_concurrency
#   bash test/valgrind/run.sh --summarize     # summarise the logs of the last run again
#
# On demand (it takes an hour): builds and installs like the test command,
# starts a throwaway cluster whose postmaster runs under valgrind (every
# backend and parallel worker is a fork of it, so each is checked), runs the
# named tests (all by default: sql/*.sql, then test/isolation/specs/*.spec),
# stops the server and summarises: errors per test, and among them those
# with a frame in the extension, which must be zero.  The closing line is
#   valgrind: N errors in extension code, M suppressed, over T tests
# Logs are kept in ${CLIENTELE_VALGRIND_DIR:-/tmp/clientele-valgrind}/ (one
# per process, vg.PID.log; server.log; installcheck.log).  Several shards
# can run at once with different CLIENTELE_VALGRIND_DIR (each has its own
# cluster and socket).
#
# Each process is attributed to a test through the server log: backends log
# their connection with application_name pg_regress/TEST (isolation/TEST/..
# for isolation sessions); a process without one (a parallel worker) belongs
# to the test of the last backend started before it (tests run one at a
# time), by the creation times of the logs, as PIDs wrap around on a busy
# machine.  A PID used twice overwrites the first process's log (valgrind
# truncates it); the summary counts the PIDs the server log shows twice.
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
srcdir=$(cd "$(dirname "$0")/../.." && pwd)

# Summary: errors per test, and those touching the extension.
summarize() {
	local ext_files ext_frames
	# An error block runs from "==PID== <message>" to the next blank "==PID== "
	# line; it is the extension's when a frame is in clientele.so or in one of
	# its source files (valgrind names the file when the library has debug info).
	ext_files=$(for f in "$srcdir"/src/*/*.c; do basename "$f"; done | sed 's/\./\\./' | paste -sd'|')
	ext_frames="clientele\\.so|\\(($ext_files):[0-9]+\\)"
	# backends in connection order: pid, test
	sed -nE 's/^([0-9]+) .*connection authorized: .*application_name=(pg_regress|isolation)\/([^/ ]+).*/\1 \3/p' \
		"$out/server.log" 2>/dev/null >"$out/pids.txt"
	# per process: creation time of its log, pid, errors, suppressed, error
	# contexts in the extension; in creation order
	awk -v re="$ext_frames" '
		FNR == 1 { if (f != "") print pid, err, sup, ext; f = FILENAME; pid = f; sub(/.*vg\./, "", pid); sub(/\.log$/, "", pid); err = 0; sup = 0; ext = 0; inblock = 0 }
		/ERROR SUMMARY:/ { err = $4; s = $0; sub(/.*suppressed: /, "", s); sub(/ .*/, "", s); sup = s + 0; next }
		/^==[0-9]+== [A-Z][a-z]/ { block = $0; inblock = 1; next }
		inblock && /^==[0-9]+== *$/ { if (block ~ re) ext++; inblock = 0; next }
		inblock { block = block "\n" $0 }
		END { if (f != "") print pid, err, sup, ext }' "$out"/vg.*.log |
		while read -r pid rest; do echo "$(stat -c %.9W "$out/vg.$pid.log") $pid $rest"; done |
		sort -n >"$out/processes.txt"
	# attribute each process to the test of the last backend created at or
	# before it (a backend's own log says when it was created)
	awk 'NR == FNR { test[$1] = $2; next }
		{ if ($2 in test) t = test[$2]; else if (t == "") t = "(server)"
		  err[t] += $3; sup[t] += $4; ext[t] += $5; procs[t]++; if (!(t in seen)) { seen[t] = 1; order[++m] = t } }
		END { for (i = 1; i <= m; i++) { t = order[i]; printf "  %-28s %4d processes %6d errors %6d suppressed %4d in extension\n", t, procs[t], err[t], sup[t], ext[t] } }' \
		"$out/pids.txt" "$out/processes.txt" >"$out/per-test.txt"
	cat "$out/per-test.txt"
	local total sup ours ntests nproc reused
	total=$(awk '{ s += $3 } END { print s + 0 }' "$out/processes.txt")
	sup=$(awk '{ s += $4 } END { print s + 0 }' "$out/processes.txt")
	ours=$(awk '{ s += $5 } END { print s + 0 }' "$out/processes.txt")
	nproc=$(wc -l <"$out/processes.txt")
	ntests=$(awk '{ print $2 }' "$out/pids.txt" | sort -u | wc -l)
	reused=$(awk '{ print $1 }' "$out/pids.txt" | sort | uniq -d | wc -l)
	[ "$reused" -gt 0 ] && echo "valgrind: $reused PIDs were used by two backends; the first one's log was overwritten"
	if [ "$ours" -gt 0 ]; then
		echo "valgrind: the extension's errors, by the frame in its code:"
		grep -hE -A3 '^==[0-9]+== (Invalid|Conditional|Use of|Syscall|Source and|Mismatched)' "$out"/vg.*.log |
			grep -oE "[a-z_0-9]+ \\(($ext_files):[0-9]+\\)" | sort | uniq -c | sort -rn | head -20
	fi
	echo "valgrind: $nproc processes, $total errors after suppressions"
	echo "valgrind: $ours errors in extension code, $sup suppressed, over $ntests tests"
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

regress=() isolation=()
if [ $# -eq 0 ]; then
	for f in sql/*.sql; do regress+=("$(basename "$f" .sql)"); done
	for f in test/isolation/specs/*.spec; do [ -f "$f" ] && isolation+=("$(basename "$f" .spec)"); done
else
	for a in "$@"; do
		n=$(basename "$a"); n=${n%.sql}; n=${n%.spec}
		if [ -f "sql/$n.sql" ]; then regress+=("$n")
		elif [ -f "test/isolation/specs/$n.spec" ]; then isolation+=("$n")
		else echo "valgrind: no such regress test or isolation spec: $a" >&2; exit 2; fi
	done
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
	-c log_connections=on -c "log_line_prefix=%p " \
	>"$out/server.log" 2>&1 &
for _ in $(seq 1 240); do
	"$bindir/pg_isready" -h "$dir" -p 5432 -q && break
	sleep 1
done
"$bindir/pg_isready" -h "$dir" -p 5432 -q || { echo "valgrind: the server did not start"; tail "$out/server.log"; exit 1; }

start=$(date +%s)
rc=0
if [ ${#regress[@]} -gt 0 ]; then
	PGHOST=$dir PGPORT=5432 make -s installcheck PG_CONFIG=$PG_CONFIG REGRESS="${regress[*]}" ISOLATION= \
		EXTRA_REGRESS_OPTS="--max-connections=1" >"$out/installcheck.log" 2>&1 || rc=$?
	[ -f regression.diffs ] && cp regression.diffs "$out/"
fi
if [ ${#isolation[@]} -gt 0 ]; then
	PGHOST=$dir PGPORT=5432 make -s installcheck PG_CONFIG=$PG_CONFIG REGRESS= ISOLATION="${isolation[*]}" \
		EXTRA_REGRESS_OPTS="--max-connections=1" >>"$out/installcheck.log" 2>&1 || rc=$?
	[ -f output_iso/regression.diffs ] && cp output_iso/regression.diffs "$out/isolation.diffs"
fi
grep -E '^(ok|not ok|test) ' "$out/installcheck.log" | sed 's/^/  /'
"$bindir/pg_ctl" -D "$dir/data" -m fast -w -t 300 stop >/dev/null 2>&1
wait
echo "valgrind: the suites took $(( $(date +%s) - start )) s; pg_regress exit status $rc"

summarize
