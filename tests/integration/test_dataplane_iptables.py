#!/usr/bin/python3
"""test_dataplane.py in iptables mode: the same backends, services and
checks through kube-proxy's rules, skiff-node and skiff-server inside the
run's client namespace. Prints TAP."""
import os
import runpy
import sys

sys.argv = [sys.argv[0], "iptables"]
runpy.run_path(os.path.join(os.path.dirname(os.path.abspath(__file__)), "test_dataplane.py"),
               run_name="__main__")
