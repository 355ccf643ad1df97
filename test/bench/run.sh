#!/usr/bin/env bash
# On-demand benchmarks and quality measurements (not part of the test command).
# Usage: bash test/bench/run.sh [sentiment_speed] [sentiment_quality] ...
# With no argument, runs them all.  Each prints ratios against a baseline
# measured in the same run, never a timed assertion.
source "$(dirname "$0")/../common.sh"
clientele_build_install
benches=("$@")
[ ${#benches[@]} -eq 0 ] && benches=(sentiment_speed sentiment_quality)
for b in "${benches[@]}"; do
	echo "== $b =="
	clientele_run_unprivileged pg_virtualenv -v 15 -i '--encoding=UTF8 --locale=C.UTF-8' \
		-o 'shared_buffers=1GB' -o 'work_mem=256MB' \
		bash "test/bench/$b.sh"
done
