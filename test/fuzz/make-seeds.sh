#!/usr/bin/env bash
# Write the server-made seeds of fuzz_typeio: builds and installs the
# extension (CLIENTELE_PREFIX as for the tests), runs make-seeds.sql in a
# throwaway cluster, and stores each value it prints as
# test/fuzz/corpus-typeio/ENTRY/server-NAME (the raw bytes, without the
# selector byte run.sh adds).  Hand-written seeds (edge-*) are kept.
#
#   CLIENTELE_PREFIX=/tmp/pg-NAME bash test/fuzz/make-seeds.sh
source "$(dirname "$0")/../common.sh"
clientele_build_install
out=$(mktemp -d /tmp/clientele-seeds.XXXXXX)
trap 'rm -rf "$out"' EXIT
chmod 777 "$out"
clientele_run_unprivileged bash test/with-cluster.sh \
	bash -c 'psql -X -q -v ON_ERROR_STOP=1 -f test/fuzz/make-seeds.sql >"$0/seeds.txt"' "$out"
corpus=$TOP/test/fuzz/corpus-typeio
rm -f "$corpus"/*/server-*
n=0
while read -r entry name hex; do
	mkdir -p "$corpus/$entry"
	perl -e 'print pack("H*", $ARGV[0])' "$hex" >"$corpus/$entry/server-$name"
	n=$((n + 1))
done <"$out/seeds.txt"
echo "$n seeds written to test/fuzz/corpus-typeio/"
