#!/usr/bin/env bash
# Run "$@" against a throwaway cluster: initdb in a temporary directory, start
# the server on a private Unix socket (no TCP, so clusters never collide), set
# PGHOST/PGPORT/PGDATABASE for the command, then stop and remove the cluster.
# Server settings come from CLIENTELE_PG_OPTS ("-c name=value ..."); the
# server binaries from CLIENTELE_BINDIR (a private install, see common.sh).
set -euo pipefail
bindir=${CLIENTELE_BINDIR:-/usr/lib/postgresql/15/bin}
dir=$(mktemp -d /tmp/clientele-cluster.XXXXXX)
cleanup() {
	"$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
	# CLIENTELE_KEEP_RESULTS (see run-suites.sh) keeps the server log too
	if [ -n "${CLIENTELE_KEEP_RESULTS:-}" ] && [ -d "$CLIENTELE_KEEP_RESULTS" ]; then
		cp "$dir/server.log" "$CLIENTELE_KEEP_RESULTS/server-$(basename "$dir").log" 2>/dev/null || true
	fi
	rm -rf "$dir"
}
trap cleanup EXIT
"$bindir/initdb" -D "$dir/data" -E UTF8 --locale=C.UTF-8 -A trust >"$dir/initdb.log" 2>&1 ||
	{ cat "$dir/initdb.log" >&2; exit 1; }
# shellcheck disable=SC2086
"$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -s \
	-o "-k $dir -c listen_addresses= -p 5432 -c max_worker_processes=16 -c max_parallel_workers=8 ${CLIENTELE_PG_OPTS:-}" \
	start || { cat "$dir/server.log" >&2; exit 1; }
export PGHOST=$dir PGPORT=5432 PGDATABASE=postgres
rc=0
"$@" || rc=$?
[ $rc -ne 0 ] && [ -n "${CLIENTELE_SHOW_LOG:-}" ] && tail -n 50 "$dir/server.log" >&2
exit $rc
