#!/bin/sh
# Install the Debian packages Skiff needs to build, test and demo.
# Idempotent: installs only what is missing; run as root on Debian 12.
set -eu

PKGS="make gcc clang llvm pkg-config
libev-dev libmicrohttpd-dev libcjson-dev libsqlite3-dev libcurl4-gnutls-dev
libyaml-dev libcmocka-dev libgnutls28-dev libclang-rt-14-dev
libbpf-dev bpftool libelf-dev zlib1g-dev libnl-3-dev libnl-route-3-dev libarchive-dev libnetfilter-conntrack-dev
iproute2 iptables procps psmisc curl openssl runc
python3 python3-kubernetes python3-yaml bind9-dnsutils"

# Optional peers for benchmarks (bench/), installed with DEPS_BENCH=1.
BENCH_PKGS="haproxy dnsmasq unbound dnsperf"

want="$PKGS"
[ "${DEPS_BENCH:-0}" = 1 ] && want="$want $BENCH_PKGS"

missing=""
for p in $want; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		missing="$missing $p"
	fi
done

if [ -n "$missing" ]; then
	echo "deps: installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq || apt-get update
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing
fi

# kubectl 1.20 from Debian's kubernetes-client, extracted beside the
# image's kubectl (installing the package would replace /usr/bin/kubectl).
K120=/opt/skiff/kubectl-1.20/usr/bin/kubectl
if [ ! -x "$K120" ]; then
	echo "deps: extracting kubectl 1.20 from kubernetes-client"
	tmp=$(mktemp -d)
	(cd "$tmp" && apt-get download kubernetes-client >/dev/null 2>&1 ||
		{ apt-get update -qq && apt-get download kubernetes-client; })
	mkdir -p /opt/skiff/kubectl-1.20
	dpkg-deb -x "$tmp"/kubernetes-client_*.deb /opt/skiff/kubectl-1.20
	rm -rf "$tmp"
fi
exit 0
