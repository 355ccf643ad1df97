#!/usr/bin/env bash
# Instructions per message of clientele.sentiment() and to_tsvector('french', ...)
# on the same demo messages, counted by callgrind: a measure that, unlike
# time, does not depend on the other work of a shared machine.  Run by run.sh
# (PG* variables set, CLIENTELE_BINDIR the private install).  Each count is
# the instructions of the query's executor run minus those of a run with
# the same warm-up and no query, divided by the number of messages.
set -euo pipefail
N=${CLIENTELE_BENCH_ROWS:-10000}
bindir=${CLIENTELE_BINDIR:-/usr/lib/postgresql/15/bin}
command -v valgrind >/dev/null || { echo "valgrind is not installed: skipped"; exit 0; }
dir=$(mktemp -d /tmp/clientele-cg.XXXXXX)
trap 'rm -rf "$dir"' EXIT
"$bindir/initdb" -D "$dir/data" -E UTF8 --locale=C.UTF-8 -A trust >"$dir/initdb.log" 2>&1
single() {
	"$bindir/postgres" --single -D "$dir/data" postgres -c jit=off -c max_parallel_workers_per_gather=0
}
printf '%s\n' "CREATE EXTENSION clientele;" \
	"CREATE TABLE msgs AS SELECT body FROM clientele.demo_messages($N, 7);" | single >"$dir/load.log" 2>&1
# count(N, query): instructions per message of the query
count() {
	local warm="SELECT count(*) FROM msgs; SELECT clientele.sentiment('warm up'); SELECT to_tsvector('french', 'warm up');"
	local q=$2 a b
	for run in base query; do
		{ echo "$warm"; [ $run = query ] && echo "$q"; } |
			valgrind --tool=callgrind --callgrind-out-file="$dir/cg.$run" \
				--toggle-collect=standard_ExecutorRun "$bindir/postgres" --single -D "$dir/data" postgres \
				-c jit=off -c max_parallel_workers_per_gather=0 >"$dir/$run.log" 2>&1
	done
	a=$(sed -n 's/.*Collected : //p' "$dir/query.log")
	b=$(sed -n 's/.*Collected : //p' "$dir/base.log")
	echo $(( (a - b) / N ))
}
sent=$(count "$N" "SELECT sum(clientele.sentiment(body)) FROM msgs;")
sentfr=$(count "$N" "SELECT sum(clientele.sentiment(body, 'fr')) FROM msgs;")
lang=$(count "$N" "SELECT count(clientele.detect_language(body)) FROM msgs;")
tsv=$(count "$N" "SELECT sum(length(to_tsvector('french', body))) FROM msgs;")
echo
echo "Messages: $N, instructions per message (callgrind, whole query: scan, function, aggregate)"
printf '%-36s %14s %s\n' expression instructions ' times_fewer_than_to_tsvector'
for row in "clientele.sentiment(body)|$sent" "clientele.sentiment(body, 'fr')|$sentfr" \
	"clientele.detect_language(body)|$lang" "to_tsvector('french', body)|$tsv"; do
	awk -v what="${row%|*}" -v n="${row#*|}" -v tsv="$tsv" \
		'BEGIN { printf "%-36s %14d %12.1f\n", what, n, tsv / n }'
done
