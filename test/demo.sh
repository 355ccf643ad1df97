#!/usr/bin/env bash
# `make demo`: install packages, build, install, start a throwaway cluster,
# load the demo corpus and print what clientele sees in it.
source "$(dirname "$0")/common.sh"
clientele_build_install
clientele_run_unprivileged pg_virtualenv -v 15 -i '--encoding=UTF8 --locale=C.UTF-8' \
	psql -X -q -v ON_ERROR_STOP=1 -P pager=off -f test/demo.sql
