#!/usr/bin/env python3
"""A bank's read through its own member node against the same read from a full node (docs/performance.md,
"Member nodes"): the member node forwards it with prove=true to a full node and checks the proof against its own
headers; the full node answers from its state, with or without a proof. Each request is signed by the bank's key
(docs/api-auth.md) on a new connection, the three kinds in turn, so the client's own cost (a signature and a TCP
connection, shown by the unsigned /healthz row) is in every row alike. Prints p50/p90/p99 in milliseconds.

Usage: member-read-latency.py --member URL --full URL --key BANK_KEY --target /v1/... [--n 200]
A running demo gives all three: `yongchain demo --plain --dir D` (it keeps running), bank-b's member node, the
registry's full node, D/bank-b/node.key, and a unit the demo registered.
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import yongchain_tx as yt  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--member", required=True)
    p.add_argument("--full", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--target", required=True)
    p.add_argument("--n", type=int, default=200)
    a = p.parse_args()
    key = yt.load_key(a.key, yt.backend())
    member, full = yt.Node(a.member), yt.Node(a.full)
    _, status = full.call("GET", "/v1/status")
    chain = status["chainId"]
    sep = "&" if "?" in a.target else "?"
    kinds = {
        "client alone (unsigned /healthz, full node)": lambda: full.call("GET", "/healthz"),
        "full node, direct read": lambda: full.signed(key, chain, "GET", a.target),
        "full node, prove=true": lambda: full.signed(key, chain, "GET", a.target + sep + "prove=true"),
        "member node (forwarded, proof checked)": lambda: member.signed(key, chain, "GET", a.target),
    }
    times = {k: [] for k in kinds}
    for _ in range(a.n):
        for k, f in kinds.items():
            t0 = time.perf_counter()
            code, body = f()
            times[k].append((time.perf_counter() - t0) * 1000)
            if code != 200:
                sys.exit("%s: HTTP %s %s" % (k, code, body))
    print("%d reads of %s each, signed by %s" % (a.n, a.target, key.public_text[:20] + "…"))
    for k, t in times.items():
        t.sort()
        q = lambda f: t[min(len(t) - 1, int(len(t) * f))]
        print("%-46s p50 %7.2f  p90 %7.2f  p99 %7.2f ms" % (k, q(0.5), q(0.9), q(0.99)))


if __name__ == "__main__":
    main()
