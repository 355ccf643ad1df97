#!/usr/bin/env bash
# Install the Debian packages clientele needs to build, test and demo, when
# they are missing.  Works as root (CI) or through sudo; never prompts.
set -euo pipefail

PACKAGES=(
	postgresql-15 postgresql-server-dev-15 postgresql-common
	libicu-dev libjudy-dev pkg-config
	libipc-run-perl perl make gcc
	clang libclang-rt-dev lld valgrind
)

missing=()
for p in "${PACKAGES[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	SUDO="sudo -n"
fi
echo "clientele: installing ${missing[*]}"
# a fresh postgresql-common would create and start a 'main' cluster: not needed
if [ ! -e /etc/postgresql-common/createcluster.conf ]; then
	$SUDO mkdir -p /etc/postgresql-common/createcluster.d
	echo "create_main_cluster = false" | $SUDO tee /etc/postgresql-common/createcluster.d/clientele.conf >/dev/null
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq </dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null >/dev/null
