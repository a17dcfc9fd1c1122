#!/usr/bin/env python3
"""schemathesis (PyPI) against a live node, with signed requests: every operation of docs/openapi.yaml, with
requests the schema accepts and requests it refuses, each answer checked by every schemathesis check (status
documented, body and headers as the schema says, schema-valid data accepted, schema-invalid data refused, 405 with
`Allow` for an undocumented method, authentication enforced, no 5xx). Exit 0 only with no failure.

The node's rules that no JSON Schema can state (check characters, calendar dates, one field equal to another) are
generated valid by scripts/schemathesis_hooks.py; signatures over transactions are the one exception
(scripts/schemathesis.toml).

usage: schemathesis_check.py --spec docs/openapi.yaml --node URL --key PEM [--backend cryptography|openssl]
                             [--max-examples N] [--seed N]
The key signs the requests of authenticated operations: a bank's, so that every route is reached.
"""
import json
import os
import subprocess
import tempfile
import sys
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import yongchain_tx as yc  # noqa: E402


def main(argv):
    opts = yc._options(argv)
    node = opts["node"].rstrip("/")
    with urllib.request.urlopen(node + "/v1/status", timeout=10) as r:
        chain = json.loads(r.read())["chainId"]
    env = dict(os.environ, PYTHONPATH=HERE + os.pathsep + os.environ.get("PYTHONPATH", ""), YONGCHAIN_ST_KEY=opts["key"],
               YONGCHAIN_ST_CHAIN=chain, YONGCHAIN_ST_BACKEND=opts.get("backend") or "")
    command = [sys.executable, "-m", "schemathesis.cli", "--config-file", os.path.join(HERE, "schemathesis.toml"), "--no-color",
               "run", os.path.abspath(opts["spec"]), "--url", node, "--checks", "all", "--max-examples", opts.get("max-examples", "25"),
               "--seed", opts.get("seed", "31"), "--workers", "1",
               # A timing check, not a finding: generation is seeded, and slow only when the machine is busy.
               "--suppress-health-check", "too_slow"]
    # schemathesis keeps a crash cache in ./.schemathesis: a scratch directory, never the checkout.
    with tempfile.TemporaryDirectory() as scratch:
        run = subprocess.run(command, env=env, cwd=scratch, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    print(run.stdout)
    return run.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
