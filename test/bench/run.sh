#!/usr/bin/env bash
# On-demand benchmarks and quality measurements (not part of the test command).
# Usage: bash test/bench/run.sh [NAME ...]  (test/bench/NAME.sh)
# With no argument, runs every test/bench/*.sh.  Each prints ratios against a baseline
# measured in the same run, never a timed assertion.
source "$(dirname "$0")/../common.sh"
clientele_build_install
benches=("$@")
if [ ${#benches[@]} -eq 0 ]; then
	for f in "$TOP"/test/bench/*.sh; do
		[ "$(basename "$f")" = run.sh ] || benches+=("$(basename "$f" .sh)")
	done
fi
for b in "${benches[@]}"; do
	echo "== $b =="
	CLIENTELE_PG_OPTS="-c shared_buffers=1GB -c work_mem=256MB ${CLIENTELE_PG_OPTS:-}" \
		clientele_run_unprivileged bash test/with-cluster.sh bash "test/bench/$b.sh"
done
