#!/usr/bin/env python3
"""Instructions per operation from scripts/callgrind-node.sh's run: each hot function's inclusive instructions
(its own, and those of everything it calls) and calls, read from OUT/callgrind.out, with Swift names demangled by
`swift demangle`; per operation, divided by the operations the bench's output counts.

Usage: callgrind-summary.py OUT   (or: callgrind-summary.py OUT --grep PATTERN  for any function; --callees PATTERN
for what the functions matching PATTERN spend in each function they call; --allocs for the calls to malloc, free,
swift_allocObject, swift_retain and swift_release per committed transaction, each charged to the nearest Yongchain
function above it: a caller outside Yongchain's modules (the standard library, Foundation, the runtime, SQLite,
libcrypto) hands its calls on to its own callers in proportion to the calls it received from each, so a charge
below a shared helper is an estimate)
"""
import collections
import os
import re
import subprocess
import sys

out = sys.argv[1]
grep = sys.argv[3] if len(sys.argv) > 3 and sys.argv[2] == "--grep" else None
callees_of = sys.argv[3] if len(sys.argv) > 3 and sys.argv[2] == "--callees" else None
allocs = len(sys.argv) > 2 and sys.argv[2] == "--allocs"

names = {}
self_cost = collections.Counter()
incl_calls = collections.Counter()   # cost of calls made from a function (inclusive of the callee)
calls_into = collections.Counter()
edges = collections.Counter()        # (caller, callee) -> inclusive cost of those calls
call_counts = collections.Counter()  # (caller, callee) -> number of calls
total = 0


def name_of(spec):
    m = re.match(r"\((\d+)\)(?: (.*))?", spec)
    if not m:
        return spec
    if m.group(2) is not None:
        names[m.group(1)] = m.group(2)
    return names[m.group(1)]


fn = None
pending_call = None
with open(out + "/callgrind.out", errors="replace") as f:
    for line in f:
        line = line.rstrip("\n")
        if not line:
            continue
        c = line[0]
        if line.startswith("fn="):
            fn = name_of(line[3:])
        elif line.startswith("cfn="):
            cfn = name_of(line[4:])
        elif line.startswith("calls="):
            pending_call = (cfn, int(line[6:].split()[0]))
        elif line.startswith("summary:") or line.startswith("totals:"):
            total = max(total, int(line.split()[1]))
        elif c.isdigit() or c in "+-*":
            parts = line.split()
            cost = int(parts[1]) if len(parts) > 1 else 0
            if pending_call:
                callee, n = pending_call
                if callee != fn:
                    incl_calls[fn] += cost
                    edges[(fn, callee)] += cost
                calls_into[callee] += n
                call_counts[(fn, callee)] += n
                pending_call = None
            else:
                self_cost[fn] += cost

funcs = set(self_cost) | set(incl_calls) | set(calls_into)
mangled = sorted(funcs)
demangled = subprocess.run(["swift", "demangle", "--simplified", "--compact"], input="\n".join(mangled), capture_output=True,
                           text=True).stdout.split("\n")
pretty = dict(zip(mangled, demangled))


def incl(f):
    return self_cost[f] + incl_calls[f]


def ops(file, pattern):
    try:
        m = re.search(pattern, open(out + "/" + file).read())
        return int(m.group(1)) if m else 0
    except FileNotFoundError:
        return 0


committed = ops("load.txt", r"committed\s+(\d+) of")
queries = ops("queries.txt", r"queries\s+(\d+) ")
proven = ops("proven.txt", r"queries\s+(\d+) encumbrance")
print(f"total {total:,} instructions; {committed} transactions committed, {queries} session queries, {proven} proven")

if callees_of:
    for f in funcs:
        if not re.search(callees_of, pretty.get(f, f)):
            continue
        print(f"{incl(f):>16,} incl {self_cost[f]:>14,} self {calls_into[f]:>9,} calls  {pretty.get(f, f)[:150]}")
        for (a, b), cost in sorted(edges.items(), key=lambda e: -e[1]):
            if a == f and cost > incl(f) / 100:
                print(f"    {cost:>16,}  {calls_into[b]:>9,} calls  {pretty.get(b, b)[:140]}")
    sys.exit(0)

if allocs:
    callers = collections.defaultdict(list)
    for (a, b), n in call_counts.items():
        if a != b:
            callers[b].append((a, n))
    own = re.compile(r"^\$s\d+[Yy]ongchain")
    # A value witness, outlined copy or destroy, or a partial application's thunk is charged to its callers too.
    thunk = re.compile(r"(Vw[a-z]{2}|WO[a-z]|TA|Tq|TR)$")

    def owners(f, depth=0, seen=frozenset()):
        """Fractions of f's calls charged to each Yongchain function (or to f itself when none is found)."""
        if (own.match(f) and not thunk.search(f)) or depth > 12 or not callers[f]:
            return {f: 1.0}
        into = sum(n for a, n in callers[f] if a not in seen)
        if into == 0:
            return {f: 1.0}
        share = collections.Counter()
        for a, n in callers[f]:
            if a in seen:
                continue
            for o, x in owners(a, depth + 1, seen | {f}).items():
                share[o] += x * n / into
        return share

    per = committed or 1
    for target in ["malloc", "free", "swift_allocObject", "swift_retain", "swift_release"]:
        if target not in funcs:
            continue
        charged = collections.Counter()
        for a, n in callers[target]:
            for o, x in owners(a, 0, frozenset({target})).items():
                charged[o] += n * x
        print(f"{target}: {calls_into[target]:,} calls, {calls_into[target] / per:,.1f} per transaction")
        for o, n in charged.most_common(int(os.environ.get('TOP', '25'))):
            print(f"    {n / per:>10,.1f} per tx  {pretty.get(o, o)[:150]}")
    sys.exit(0)

if grep:
    rows = [(incl(f), f) for f in funcs if re.search(grep, pretty.get(f, f))]
    for cost, f in sorted(rows, reverse=True)[:40]:
        print(f"{cost:>16,} incl {self_cost[f]:>14,} self {calls_into[f]:>9,} calls  {pretty.get(f, f)[:160]}")
    sys.exit(0)

# (label, the function's demangled name without "specialized ", operations to divide by). A name matching several
# functions (specialisations) counts the one with the most instructions: they nest.
txs, answers = committed, queries + proven
hot = [
    ("HTTP requests served, all routes", "ServerCore.serve(_:_:)", None),
    ("encumbrance answers (both runs)", "QueryService.encumbrances(_:_:)", answers),
    ("  the caller's session checked", "Authenticator.authenticate(_:enterprises:sessions:state:)", answers),
    ("  the caller's session checked", "Authenticator.authenticate(_:enterprises:sessions:state:verified:)", answers),
    ("  the route read cache-first (reruns included)", "ChainStore.readCacheFirst<A>(_:)", answers),
    ("  the answer (reads, JSON, proof)", "static ProvenAnswer.respond(_:prove:state:base:answers:notFound:)", answers),
    ("  the answer (before answers:)", "static ProvenAnswer.respond(_:prove:state:base:notFound:)", answers),
    ("    the answer worked out, not kept", "static ProvenAnswer.answer(_:_:state:tip:answers:notFound:)", answers),
    ("    the proof's base64 (bundleBase64)", "ProofBase.Parts.bundleBase64(_:)", proven),
    ("  the answer, before base:", "static ProvenAnswer.respond(_:prove:state:notFound:)", answers),
    ("    the query's reads", "static MortgageQueries.encumbrances(unitNumber:state:)", answers),
    ("    state proofs (proven only)", "ReadView.stateProof(key:tip:)", proven),
    ("    JSON written", "static SortedJSON.encode<A>(_:)", answers),
    ("POST /v1/txs/batch, per transaction", "Admission.submitBatch(_:)", txs),
    ("  strict JSON check", "static StrictJSON.check(_:)", txs),
    ("  strict JSON parse (before check)", "static StrictJSON.parse(_:)", txs),
    ("  JSONDecoder", "static JSON.decode<A>(_:_:)", txs),
    ("admission of one transaction (API or gossip)", "Admission.admit(_:hash:view:state:)", None),
    ("one Ed25519 verification", "PublicKey.verify(signature:message:keepParsed:)", None),
    ("block validation, per transaction", "BlockExecutor.validate(_:tip:rules:isCommitted:isVerified:maxTime:)", txs),
    ("block execution, per transaction", "BlockExecutor.execute(_:on:tree:tip:hashes:)", txs),
    ("block execution (before hashes:)", "BlockExecutor.execute(_:on:tree:tip:)", txs),
    ("  state tree update", "static StateTree.update<A>(root:version:writes:reader:suite:)", txs),
    ("block commit, per transaction", "BlockExecutor.apply(_:certificate:checks:executed:)", txs),
]
for label, name, n in hot:
    rows = [f for f in funcs if pretty.get(f, f).removeprefix("specialized ") == name]
    if not rows:
        continue
    f = max(rows, key=incl)
    cost, calls = incl(f), calls_into[f]
    per = f"{cost / n:>12,.0f} per op ({n})" if n else f"{cost / calls:>12,.0f} per call" if calls else ""
    print(f"{label:<46} {cost:>15,} incl {calls:>8,} calls {per}")

# A snapshot route's whole read as the dispatcher runs it, per session query: the read transaction (or the cache-only
# view, and the snapshot it falls back to), the session check and the answer.
runs = [f for f in funcs if pretty.get(f, f).removeprefix("specialized ") == "API.run(_:_:_:)"]
reads = ("ChainStore.read<A>(_:)", "ChainStore.readCacheFirst<A>(_:)")
for f in runs:
    for (a, b), cost in sorted(edges.items(), key=lambda e: -e[1]):
        name = pretty.get(b, b).removeprefix("specialized ")
        if a == f and name in reads and answers:
            print(f"{'a snapshot route: API.run -> ' + name:<46} {cost:>15,} incl {calls_into[b]:>8,} calls {cost / answers:>12,.0f} per op ({answers})")

# Everything the server spends on a request (parse, route, session check, answer, response), the peers' gossip in the
# same window taken out, per request of the query load (`WINDOW=1` runs: the floor routes beside the answer; with
# `PROVEN=only`, a proven answer).
serve = [f for f in funcs if pretty.get(f, f) == "ServerCore.serve(_:_:)"]
gossip = [f for f in funcs if pretty.get(f, f) == "PeerProtocol.gossipRequest(_:)"]
if serve and answers:
    cost = sum(map(incl, serve)) - sum(map(incl, gossip))
    print(f"{'a request served, less the peers gossip':<46} {cost:>15,} incl {'':>14} {cost / answers:>12,.0f} per op ({answers})")

