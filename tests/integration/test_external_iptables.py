#!/usr/bin/python3
"""test_external.py in iptables mode: the same outside client, NodePorts,
UDP, Local policy, externalIPs, LoadBalancer, health check, ICMP, affinity,
draining and SIGKILL+restart, through kube-proxy's rules in the nodes'
namespaces (`skiffctl cluster create --proxy-mode iptables`). Prints TAP."""
import os
import runpy
import sys

sys.argv = [sys.argv[0], "iptables"]
runpy.run_path(os.path.join(os.path.dirname(os.path.abspath(__file__)), "test_external.py"),
               run_name="__main__")
