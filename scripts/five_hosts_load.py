#!/usr/bin/env python3
"""Load and checks for scripts/five-hosts.sh, speaking only the node's HTTP API (docs/openapi.yaml).

https:// node URLs are authenticated as the CLI does it (docs/operations.md, "TLS"): TLS 1.3, no certificate
authority, the node's Ed25519 key must be a member's in the genesis file that YONGCHAIN_GENESIS names.

  five_hosts_load.py load --key PEM --node URL [--node URL ...] --seconds S --rate TX_PER_S --log FILE --stop FILE
      property.register transactions signed with the registry's key (yongchain_tx.py signs them), spread over the
      nodes, each submitted with wait=commit. Every acknowledged one (HTTP 200, status accepted) is appended to
      FILE as "hash height"; a submission to a node that is down is retried on the next node. Stops after S seconds
      or when the file --stop names exists.
  five_hosts_load.py check --log FILE --node URL [--node URL ...]
      every acknowledged transaction is on every node, accepted, at the same height; and every node's block hashes
      agree at every height they share (no fork). Prints one summary line; exit 1 on any difference.
"""
import http.client
import json
import os
import ssl
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import yongchain_tx  # noqa: E402  (the independent client: canonical bodies and signatures)


# DER SubjectPublicKeyInfo of an Ed25519 key, before the key's 32 bytes.
ED25519_SPKI = bytes.fromhex("302a300506032b6570032100")
_pins = None


def pins():
    """The members' raw Ed25519 keys, from the genesis file YONGCHAIN_GENESIS names."""
    global _pins
    if _pins is None:
        path = os.environ.get("YONGCHAIN_GENESIS")
        if not path:
            raise SystemExit("https:// node URLs: set YONGCHAIN_GENESIS to the genesis file, so nodes are authenticated by their keys")
        _pins = {bytes.fromhex(o["publicKey"].split(":", 1)[1]) for o in json.load(open(path))["organizations"]}
    return _pins


def call(url, method="GET", body=None, timeout=30):
    u = urllib.parse.urlsplit(url)
    if u.scheme == "https":
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE  # no certificate authority: the key is checked below, before any request
        ctx.minimum_version = ssl.TLSVersion.TLSv1_3
        conn = http.client.HTTPSConnection(u.hostname, u.port, timeout=timeout, context=ctx)
        conn.connect()
        cert = conn.sock.getpeercert(binary_form=True) or b""
        at = cert.find(ED25519_SPKI)
        if at < 0 or cert[at + len(ED25519_SPKI):at + len(ED25519_SPKI) + 32] not in pins():
            conn.close()
            raise OSError("%s presented no member's node key" % url)
    else:
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    try:
        data = None if body is None else json.dumps(body).encode()
        conn.request(method, (u.path or "/") + ("?" + u.query if u.query else ""), body=data, headers={"Content-Type": "application/json"})
        r = conn.getresponse()
        return r.status, json.loads(r.read() or b"{}")
    finally:
        conn.close()


def options(argv):
    o = {"node": []}
    i = 0
    while i < len(argv):
        name = argv[i][2:]
        if name == "node":
            o["node"].append(argv[i + 1])
        else:
            o[name] = argv[i + 1]
        i += 2
    return o


def unit_number(n):
    # GB/T 37346 layout: region 320505, zone 002001, GB, parcel, F, building, unit (distinct from the demo's).
    return "320505002001GB%05dF%04d%04d" % (n // 10**8 % 10**5, n // 10**4 % 10**4, n % 10**4)


def load(o):
    key = yongchain_tx.backend().from_pem(o["key"])
    nodes = o["node"]
    _, status = call(nodes[0] + "/v1/status")
    chain = status["chainId"]
    seconds, rate = float(o["seconds"]), float(o["rate"])
    owner = yongchain_tx.backend().from_seed(bytes([31]) * 32)
    log = open(o["log"], "a")
    lock = threading.Lock()
    counts = {"acked": 0, "retried": 0, "rejected": 0}
    base = int(time.time()) % 10**6 * 100
    start = time.time()
    workers = 6

    def worker(w):
        n = 0
        while time.time() - start < seconds and not os.path.exists(o["stop"]):
            t0 = time.time()
            n += 1
            serial = (base + n) * workers + w
            body = {"unitNumber": unit_number(serial), "titleCertificateNumber": "苏(2020)苏州市不动产权第%010d号" % serial,
                    "area": 9000, "use": "residential",
                    "owners": [{"commitment": yongchain_tx.person_commitment("11010519491231002X", os.urandom(16), status.get("hashSuite", "sha256")),
                                "publicKey": owner.public_text}]}
            envelope, tx_hash = yongchain_tx.sign_transaction(key, chain, "property.register", body)
            for attempt in range(len(nodes) * 3):
                url = nodes[(n + w + attempt) % len(nodes)]
                try:
                    code, answer = call(url + "/v1/txs?wait=commit", "POST", envelope)
                except OSError:
                    code, answer = 0, {}
                if code == 200 and answer.get("status") == "accepted":
                    with lock:
                        log.write("%s %d\n" % (tx_hash, answer["height"]))
                        log.flush()
                        counts["acked"] += 1
                    break
                if code == 200:
                    with lock:
                        counts["rejected"] += 1
                        if counts["rejected"] <= 3:
                            print("rejected: %s" % answer, flush=True)
                    break
                # Down, or not committed in time: the same signed transaction again elsewhere (a duplicate is
                # refused by hash, never applied twice).
                with lock:
                    counts["retried"] += 1
                time.sleep(0.2)
            time.sleep(max(0.0, workers / rate - (time.time() - t0)))

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print("load: %d acknowledged, %d rejected, %d retried submissions in %.0f s" % (counts["acked"], counts["rejected"], counts["retried"], time.time() - start))
    return 0 if counts["rejected"] == 0 else 1


def check(o):
    nodes = o["node"]
    acked = [line.split() for line in open(o["log"]) if line.strip()]
    problems = []
    for h, height in acked:
        for url in nodes:
            code, answer = call("%s/v1/txs/%s" % (url, h))
            if code != 200 or answer.get("status") != "accepted" or answer.get("height") != int(height):
                problems.append("%s on %s: HTTP %s %s (acknowledged at height %s)" % (h[:16], url, code, answer, height))
    # Fork check: block hashes at every height, 100 per request, from the lowest tip down to height 1.
    tips = [call(url + "/v1/status")[1]["height"] for url in nodes]
    top = min(tips)
    hashes = {}
    for url in nodes:
        before, mine = top + 1, {}
        while before > 1:
            code, answer = call("%s/v1/blocks?limit=100&before=%d" % (url, before))
            rows = answer.get("blocks", []) if code == 200 else []
            if not rows:
                problems.append("%s: no blocks before %d (HTTP %s)" % (url, before, code))
                break
            for r in rows:
                mine[r["height"]] = r["hash"]
            before = min(r["height"] for r in rows)
        hashes[url] = mine
    compared = 0
    for height in range(1, top + 1):
        seen = {hashes[u].get(height) for u in nodes}
        if len(seen) != 1 or None in seen:
            problems.append("height %d: block hashes differ or are missing: %s" % (height, seen))
        compared += 1
    for p in problems[:20]:
        print("  " + p)
    print("check: %d acknowledged transactions found accepted at their height on all %d nodes; block hashes equal at heights 1-%d on all nodes (tips %s): %s"
          % (len(acked) if not problems else len(acked) - len(problems), len(nodes), top, tips, "OK" if not problems else "%d problems" % len(problems)))
    return 0 if not problems else 1


if __name__ == "__main__":
    cmd, opts = sys.argv[1], options(sys.argv[2:])
    sys.exit({"load": load, "check": check}[cmd](opts))
