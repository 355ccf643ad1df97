#!/usr/bin/env bash
# `make demo`: install packages, build, install, start a throwaway cluster,
# load the demo corpus and print what clientele sees in it: test/demo.sql,
# then each capability's part, test/demo/*.sql in name order, in one database.
source "$(dirname "$0")/common.sh"
clientele_build_install
clientele_run_unprivileged bash test/with-cluster.sh bash -c '
	set -e
	for f in test/demo.sql $(ls test/demo/*.sql 2>/dev/null | sort); do
		psql -X -q -v ON_ERROR_STOP=1 -P pager=off -f "$f"
	done'
