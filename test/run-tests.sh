#!/usr/bin/env bash
# `make test`: install packages, build with warnings as errors, install, then
# run every suite (pg_regress, isolation, TAP) in throwaway clusters.
# Works as root (the suites then run as the postgres user) and as a normal
# user (sudo is used for packages and installation).
# Arguments name tests to run alone (see run-suites.sh); CLIENTELE_PREFIX
# selects a private install (see common.sh).
source "$(dirname "$0")/common.sh"
WERROR=1 clientele_build_install
clientele_run_unprivileged bash test/run-suites.sh "$@"
