#!/bin/bash
# make bench: every benchmark, peers side by side, one after the other.
# Benchmarks are not tests: they print figures and ratios, they do not fail
# on a missed target. Pass names to run a subset: bench/run.sh api attack auth kubelet dns dataplane
# sched endpoints failover nodeport (make bench BENCH=auth)
set -u
cd "$(dirname "$0")/.."
make -j2 all >/dev/null || exit 1
want=${*:-api attack auth kubelet dns dataplane sched endpoints failover nodeport}
for b in $want; do
	echo "===== $b"
	case $b in
	api) SKIFF_BIN=build /usr/bin/python3 bench/api_bench.py ;;
	attack) SKIFF_BIN=build /usr/bin/python3 bench/api_attack_bench.py ;;
	auth) SKIFF_BIN=build /usr/bin/python3 bench/auth_bench.py ;;
	kubelet) SKIFF_BIN=build /usr/bin/python3 bench/kubelet_bench.py ;;
	dns) SKIFF_BIN=build bash bench/dns_bench.sh ;;
	dataplane) SKIFF_BIN=build bash bench/dataplane_bench.sh ;;
	sched) SKIFF_BIN=build /usr/bin/python3 bench/sched_bench.py ;;
	endpoints) SKIFF_BIN=build /usr/bin/python3 bench/endpoints_bench.py ;;
	failover) SKIFF_BIN=build /usr/bin/python3 bench/failover_bench.py ;;
	nodeport) SKIFF_BIN=build /usr/bin/python3 bench/nodeport_bench.py ;;
	*) echo "unknown benchmark $b (api, attack, auth, kubelet, dns, dataplane, sched, endpoints, failover, nodeport)" ;;
	esac
done
