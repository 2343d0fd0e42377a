#!/usr/bin/python3
"""skiff-server list benchmark (issue 8): listing N Services (10,000 by
default) in pages of 500 (limit/continue, every page at the first page's
revision) against one unpaged list. Not a test: prints one line per figure.

Each way is measured on its own server process started on the same data
dir, so each peak RSS (VmHWM) is that of a server that served only that
kind of list: the baseline after start, then after the lists.

Usage: bench/list_bench.py [--services N] [--page N] [--rounds N]
Env: SKIFF_BIN (default: build/ beside this file), the optimised build.
"""
import argparse
import json
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
os.environ.setdefault("SKIFF_BIN", os.path.join(HERE, "..", "build"))
from test_api_lib import Server, svc  # noqa: E402

SVCS = "/api/v1/namespaces/default/services"


def fill(srv, n):
    c = srv.conn()
    for i in range(n):
        r = srv.req("POST", SVCS, svc("bench-%05d" % i), conn=c)
        if r.status != 201:
            sys.exit("create %d: %r" % (i, r))
    c.close()


def list_paged(srv, page):
    """One paged list; returns (seconds, items, pages)."""
    c = srv.conn(120)
    t0 = time.monotonic()
    items, pages, cont = 0, 0, ""
    while True:
        q = "?limit=%d" % page + ("&continue=" + cont if cont else "")
        r = srv.req("GET", SVCS + q, conn=c)
        if r.status != 200:
            sys.exit("page %d: %r" % (pages, r))
        items += len(r.json["items"])
        pages += 1
        cont = r.json["metadata"].get("continue")
        if not cont:
            break
    dt = time.monotonic() - t0
    c.close()
    return dt, items, pages


def list_full(srv):
    c = srv.conn(120)
    t0 = time.monotonic()
    r = srv.req("GET", SVCS, conn=c)
    dt = time.monotonic() - t0
    c.close()
    if r.status != 200:
        sys.exit("list: %r" % r)
    return dt, len(r.json["items"]), 1


def measure(data_dir, what, fn, rounds):
    srv = Server(data_dir=data_dir, name="lb").start()
    base = srv.rss_peak_kb()
    runs = [fn(srv) for _ in range(rounds)]
    peak = srv.rss_peak_kb()
    srv.stop()
    secs = statistics.median(r[0] for r in runs)
    print("%-34s %8.1f ms  %6d items  %4d pages  peak RSS %6.1f MB (baseline %.1f MB)"
          % (what, secs * 1000, runs[0][1], runs[0][2], peak / 1024.0, base / 1024.0),
          flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--services", type=int, default=10000)
    ap.add_argument("--page", type=int, default=500)
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    srv = Server(name="lbfill").start()
    print("skiff-server list benchmark: %s, %d services, pages of %d, median of %d"
          % (os.path.join(os.environ["SKIFF_BIN"], "skiff-server"), a.services, a.page,
             a.rounds), flush=True)
    t0 = time.monotonic()
    fill(srv, a.services)
    print("%-34s %8.1f s" % ("created", time.monotonic() - t0), flush=True)
    srv.stop()
    measure(srv.data_dir, "list in pages of %d" % a.page, lambda s: list_paged(s, a.page),
            a.rounds)
    measure(srv.data_dir, "list in one response", list_full, a.rounds)
    srv.cleanup()


if __name__ == "__main__":
    main()
