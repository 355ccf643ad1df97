# Shared by test/run-tests.sh, test/demo.sh and test/bench/*.sh: set-up,
# build and install of the extension, and a way to run a command as a
# non-root user in a private copy of the tree (PostgreSQL refuses root).
#
# CLIENTELE_PREFIX=/some/dir installs into a private copy of the PostgreSQL
# installation under that directory instead of the system one (PostgreSQL's
# binaries are relocatable), so several work trees can build and test at
# once without overwriting each other's clientele.so.
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PG_BINDIR=/usr/lib/postgresql/15/bin
export PATH="$PG_BINDIR:$PATH"
export LANG=C.UTF-8 LC_ALL=C.UTF-8

# Install missing packages, build (warnings are errors when WERROR=1) and install.
clientele_build_install() {
	bash "$TOP/test/setup-debian.sh"
	local sudo=""
	[ "$(id -u)" -ne 0 ] && sudo="sudo -n"
	# a private install builds incrementally; the system one from clean
	[ -z "${CLIENTELE_PREFIX:-}" ] && make -C "$TOP" -s clean >/dev/null
	rm -f "$TOP/clientele.so"
	make -C "$TOP" -s -j2 ${WERROR:+WERROR=1} PG_CONFIG="$PG_BINDIR/pg_config" 2>&1 | grep -v '^gcc\|^ *$' || true
	[ -f "$TOP/clientele.so" ] || { echo "clientele: build failed" >&2; exit 1; }
	if [ -n "${CLIENTELE_PREFIX:-}" ]; then
		clientele_private_install
	else
		$sudo make -C "$TOP" -s install >/dev/null
	fi
}

# Install into a private copy of PostgreSQL under $CLIENTELE_PREFIX and point
# CLIENTELE_BINDIR (used by with-cluster.sh and the TAP tests) at it.
clientele_private_install() {
	local p=$CLIENTELE_PREFIX
	if [ ! -x "$p$PG_BINDIR/postgres" ]; then
		mkdir -p "$p/usr/lib/postgresql" "$p/usr/share/postgresql"
		cp -a /usr/lib/postgresql/15 "$p/usr/lib/postgresql/"
		cp -a /usr/share/postgresql/15 "$p/usr/share/postgresql/"
	fi
	make -C "$TOP" -s install DESTDIR="$p" PG_CONFIG="$PG_BINDIR/pg_config" >/dev/null
	chmod -R a+rX "$p"
	export CLIENTELE_BINDIR="$p$PG_BINDIR"
}

# Run "$@" (from the tree's top) as an unprivileged user: as root, in a copy
# of the tree owned by the postgres user; otherwise in place.
clientele_run_unprivileged() {
	if [ "$(id -u)" -eq 0 ]; then
		local copy
		copy=$(mktemp -d /tmp/clientele-run.XXXXXX)
		cp -a "$TOP/." "$copy/"
		chown -R postgres:postgres "$copy"
		chmod 755 "$copy"
		if [ -n "${CLIENTELE_KEEP_RESULTS:-}" ]; then
			rm -rf "$CLIENTELE_KEEP_RESULTS"
			mkdir -p "$CLIENTELE_KEEP_RESULTS"
			chown postgres:postgres "$CLIENTELE_KEEP_RESULTS"
		fi
		local rc=0
		runuser -u postgres -- env PATH="$PATH" LANG="$LANG" LC_ALL="$LC_ALL" \
			CLIENTELE_BINDIR="${CLIENTELE_BINDIR:-$PG_BINDIR}" CLIENTELE_PG_OPTS="${CLIENTELE_PG_OPTS:-}" \
			CLIENTELE_KEEP_RESULTS="${CLIENTELE_KEEP_RESULTS:-}" \
			CLIENTELE_SHARED="${CLIENTELE_SHARED:-$(cd "$TOP/.." && pwd)/shared}" \
			bash -c 'cd "$0" && "$@"' "$copy" "$@" </dev/null || rc=$?
		rm -rf "$copy"
		return $rc
	else
		(cd "$TOP" && CLIENTELE_SHARED="${CLIENTELE_SHARED:-$(cd "$TOP/.." && pwd)/shared}" "$@")
	fi
}
