#!/usr/bin/env python3
"""Contract check: every operation in docs/openapi.yaml against a live chain, as a bank would call it.

Seeds the chain with scripts/yongchain_tx.py's flow (every transaction type), then sends each documented
operation valid and invalid requests -- authenticated routes with signed requests -- and checks that each
answer's status is the one expected, that the operation documents that status, and that the body matches the
schema documented for it (JSON Schema 2020-12, as OpenAPI 3.1 specifies). Needs PyYAML and jsonschema (both come
with openapi-spec-validator).

usage: contract_check.py --spec docs/openapi.yaml --node URL [--node URL ...] --registry PEM --trade-authority PEM --bank PEM [--vrf-proof HEX --vrf-proof HEX]
"""
import json
import os
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import yongchain_tx as yc  # noqa: E402

import jsonschema  # noqa: E402
import yaml  # noqa: E402

ZERO = "0" * 64
X25519_KEY = "x25519:8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"  # RFC 7748, section 6.1


class Contract:
    def __init__(self, spec_path, flow):
        with open(spec_path, encoding="utf-8") as f:
            self.spec = yaml.safe_load(f)
        self.flow = flow
        self.node = flow.nodes[0]
        self.passed, self.failed = 0, 0
        self.covered = set()

    def schema_for(self, method, template, status):
        op = self.spec["paths"][template][method.lower()]
        response = op["responses"].get(str(status))
        if response is None:
            return False, None
        if "$ref" in response:
            response = self.spec["components"]["responses"][response["$ref"].split("/")[-1]]
        schema = response.get("content", {}).get("application/json", {}).get("schema")
        return True, schema

    def case(self, method, template, target, expect, key=None, body=None, raw=None):
        """Sends one request and checks status, documentation and schema."""
        if key is not None:
            status, answer = self.node.signed(key, self.flow.chain, method, target, body)
        else:
            status, answer = self.call(method, target, body, raw)
        problems = []
        if status != expect:
            problems.append("status %s, expected %s" % (status, expect))
        documented, schema = self.schema_for(method, template, status)
        if not documented:
            problems.append("status %s is not documented for %s %s" % (status, method, template))
        elif schema is not None and answer is not None:
            try:
                jsonschema.Draft202012Validator({**schema, "components": self.spec["components"]}).validate(answer)
            except jsonschema.ValidationError as e:
                problems.append("body does not match the documented schema at %s: %s" % (list(e.absolute_path), e.message))
        self.covered.add((method, template))
        if problems:
            self.failed += 1
            print("FAIL %s %s -> %s: %s\n     %s" % (method, target[:100], status, "; ".join(problems), json.dumps(answer)[:300]))
        else:
            self.passed += 1
            print("ok   %s %s -> %s" % (method, target[:100], status))
        return answer

    def call(self, method, target, body=None, raw=None):
        import urllib.request
        import urllib.error
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        req = urllib.request.Request(self.node.url + target, data=data, method=method, headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=40) as r:
                text = r.read()
                status = r.status
        except urllib.error.HTTPError as e:
            text, status = e.read(), e.code
        try:
            return status, json.loads(text)
        except ValueError:
            return status, None

    def run(self):
        f, ids = self.flow, self.flow.ids
        bank, registry, enterprise = f.bank, f.registry, ids["enterprise"]
        q = urllib.parse.quote
        tip = self.call("GET", "/v1/status")[1]["height"]

        # Chain reads.
        self.case("GET", "/healthz", "/healthz", 200)
        self.case("HEAD", "/healthz", "/healthz", 200)
        self.case("GET", "/v1/status", "/v1/status", 200)
        self.case("GET", "/v1/blocks", "/v1/blocks?limit=5", 200)
        self.case("GET", "/v1/blocks", "/v1/blocks?limit=101", 400)
        self.case("GET", "/v1/blocks/latest", "/v1/blocks/latest", 200)
        self.case("GET", "/v1/blocks/{height}", "/v1/blocks/2", 200)
        self.case("GET", "/v1/blocks/{height}", "/v1/blocks/two", 400)
        self.case("GET", "/v1/blocks/{height}", "/v1/blocks/%d" % (tip + 1000), 404)
        self.case("GET", "/v1/validators", "/v1/validators", 200)
        self.case("GET", "/v1/peers", "/v1/peers", 200)
        self.case("GET", "/v1/evidence", "/v1/evidence", 200)
        self.case("GET", "/metrics", "/metrics", 200)

        # Submitting: committed, admitted, refused for each documented reason.
        grant, grant_hash = yc.sign_transaction(enterprise, f.chain, "authorization.grant",
                                                {"bank": bank.public_text, "expiresAt": int(time.time() * 1000) + 86400000})
        self.case("POST", "/v1/txs", "/v1/txs?wait=commit&timeoutMs=20000", 200, body=grant)
        # A replay: 409 without wait; with wait=commit it is answered the committed outcome (docs/transactions.md, "Retries").
        self.case("POST", "/v1/txs", "/v1/txs", 409, body=grant)
        self.case("POST", "/v1/txs", "/v1/txs?wait=commit", 200, body=grant)
        self.case("GET", "/v1/txs/{hash}", "/v1/txs/" + grant_hash, 200)
        self.case("GET", "/v1/txs/{hash}", "/v1/txs/zz", 400)
        self.case("GET", "/v1/txs/{hash}", "/v1/txs/" + ZERO, 404)
        forged = dict(grant, nonce=str(int(grant["nonce"]) ^ 1))
        self.case("POST", "/v1/txs", "/v1/txs", 400, body=forged)
        seize, _ = yc.sign_transaction(bank, f.chain, "property.seize", {"unitNumber": ids["unit"], "courtOrder": "(2021)1号"})
        self.case("POST", "/v1/txs", "/v1/txs", 403, body=seize)  # a bank is not a registry
        query, query_hash = yc.sign_transaction(bank, f.chain, "creditQuery.record", {"enterprise": ids["exporter"], "purpose": "contract check"})
        self.case("POST", "/v1/txs/batch", "/v1/txs/batch", 200, body={"transactions": [query]})
        self.case("POST", "/v1/txs/batch", "/v1/txs/batch", 400, body={"transactions": []})
        height = 0
        for _ in range(200):
            status, answer = self.call("GET", "/v1/txs/" + query_hash)
            if status == 200 and answer.get("status") == "accepted":
                height = answer["height"]
                break
            time.sleep(0.1)
        release, _ = yc.sign_transaction(registry, f.chain, "property.seize", {"unitNumber": ids["unit"], "courtOrder": "(2021)2号"})
        self.case("POST", "/v1/txs", "/v1/txs", 202, body=release)

        # Sessions.
        self.case("POST", "/v1/auth/sessions", "/v1/auth/sessions", 201, key=bank, body={"clientPublicKey": X25519_KEY})
        self.case("POST", "/v1/auth/sessions", "/v1/auth/sessions", 400, key=bank, body={"clientPublicKey": "x25519:00"})
        self.case("POST", "/v1/auth/sessions", "/v1/auth/sessions", 401, body={"clientPublicKey": X25519_KEY})

        # Mortgage verification.
        owner = ids["owner"]
        verify = "/v1/mortgage/titles/verify?certificate=%s&owner=%s" % (q(ids["title"]), owner["commitment"])
        self.case("GET", "/v1/mortgage/titles/verify", verify, 200, key=bank)
        self.case("GET", "/v1/mortgage/titles/verify", verify, 401)
        self.case("GET", "/v1/mortgage/titles/verify", "/v1/mortgage/titles/verify?certificate=x", 400, key=bank)
        unit = "/v1/mortgage/units/%s/encumbrances" % ids["unit"]
        self.case("GET", "/v1/mortgage/units/{unit}/encumbrances", unit, 200, key=bank)
        self.case("GET", "/v1/mortgage/units/{unit}/encumbrances", "/v1/mortgage/units/320505001001GB00001F00010002/encumbrances", 404, key=bank)
        self.case("GET", "/v1/mortgage/units/{unit}/encumbrances", "/v1/mortgage/units/short/encumbrances", 400, key=bank)
        self.case("GET", "/v1/mortgage/certificates/{no}", "/v1/mortgage/certificates/" + q(ids["certificate"]), 200, key=bank)
        self.case("GET", "/v1/mortgage/certificates/{no}", "/v1/mortgage/certificates/MR-1999-0000001", 404, key=bank)
        self.case("GET", "/v1/mortgage/applications/{id}", "/v1/mortgage/applications/" + ids["application"], 200, key=bank)
        self.case("GET", "/v1/mortgage/applications/{id}", "/v1/mortgage/applications/" + ZERO, 404, key=bank)
        self.case("GET", "/v1/mortgage/applications/{id}", "/v1/mortgage/applications/zz", 400, key=bank)
        own = "/v1/mortgage/banks/%s/filings" % bank.public_text
        self.case("GET", "/v1/mortgage/banks/{key}/filings", own + "?limit=1", 200, key=bank)
        self.case("GET", "/v1/mortgage/banks/{key}/filings", own + "?limit=0", 400, key=bank)
        self.case("GET", "/v1/mortgage/banks/{key}/filings", "/v1/mortgage/banks/%s/filings" % registry.public_text, 403, key=bank)

        # Trade verification.
        held = ids["declarations"]
        self.case("POST", "/v1/trade/precheck", "/v1/trade/precheck", 200, key=bank,
                  body={"declarations": [{"number": d["number"], "fields": d} for d in held]})
        self.case("POST", "/v1/trade/precheck", "/v1/trade/precheck", 400, key=bank, body={"declarations": []})
        self.case("POST", "/v1/trade/precheck", "/v1/trade/precheck", 403, key=registry, body={"declarations": [{"number": held[0]["number"]}]})
        record = "/v1/trade/enterprises/%s/credit-record" % ids["exporter"]
        self.case("GET", "/v1/trade/enterprises/{code}/credit-record", "%s?queryId=%s&minHeight=%d" % (record, query_hash, height), 200, key=bank)
        self.case("GET", "/v1/trade/enterprises/{code}/credit-record", "%s?queryId=%s" % (record, ZERO), 404, key=bank)
        self.case("GET", "/v1/trade/enterprises/{code}/credit-record", record, 400, key=bank)
        queries = "/v1/trade/enterprises/%s/queries" % ids["exporter"]
        self.case("GET", "/v1/trade/enterprises/{code}/queries", queries, 200, key=enterprise)
        self.case("GET", "/v1/trade/enterprises/{code}/queries", queries, 403, key=bank)
        self.case("GET", "/v1/trade/enterprises/{code}/queries", queries + "?limit=x", 400, key=enterprise)

        # Governance: a proposal (the default rules, which always apply), then its reads.
        rules = {"thresholdNumerator": 2, "thresholdDenominator": 3, "votingPeriodMs": 604800000, "proposers": "members"}
        propose, _ = yc.sign_transaction(bank, f.chain, "governance.propose",
                                         {"action": {"type": "rules.set", "rules": rules}, "description": "contract check"})
        self.case("POST", "/v1/txs", "/v1/txs?wait=commit&timeoutMs=20000", 200, body=propose)
        proposals = self.case("GET", "/v1/governance/proposals", "/v1/governance/proposals?status=open&limit=10", 200, key=bank)
        ids_open = [p["id"] for p in ((proposals or {}).get("result") or {}).get("proposals", [])]
        self.check_extra(len(ids_open) >= 1, "the committed proposal is listed as open: %s" % ids_open)
        first = ids_open[0] if ids_open else 1
        self.case("GET", "/v1/governance/proposals", "/v1/governance/proposals?status=maybe", 400, key=bank)
        members = self.case("GET", "/v1/governance/members", "/v1/governance/members", 200)
        names = [m.get("name") for m in ((members or {}).get("result") or {}).get("members", [])]
        self.check_extra(names == sorted(names) and "registry" in names, "every member listed, by name: %s" % names)
        self.case("GET", "/v1/governance/members/{key}", "/v1/governance/members/%s?prove=true" % bank.public_text, 200, key=bank)
        self.case("GET", "/v1/governance/members/{key}", "/v1/governance/members/" + enterprise.public_text, 404)  # an enterprise is no member
        self.case("GET", "/v1/governance/members/{key}", "/v1/governance/members/nokey", 400)
        self.case("GET", "/v1/governance/proposals", "/v1/governance/proposals", 401)
        self.case("GET", "/v1/governance/proposals/{id}", "/v1/governance/proposals/%d" % first, 200, key=registry)
        self.case("GET", "/v1/governance/proposals/{id}", "/v1/governance/proposals/99999999", 404, key=bank)
        self.case("GET", "/v1/governance/proposals/{id}", "/v1/governance/proposals/x", 400, key=bank)

        # The grey-list: the flow's check, answered to the bank that logged it; pseudonyms only from the node
        # holding the supervisor's VRF key (none of these does: 503 naming it).
        check = ids["greylist"]["check"]
        self.case("GET", "/v1/greylist/checks/{checkId}", "/v1/greylist/checks/%s?prove=true" % check, 200, key=bank)
        self.case("GET", "/v1/greylist/checks/{checkId}", "/v1/greylist/checks/" + ZERO, 404, key=bank)
        self.case("GET", "/v1/greylist/checks/{checkId}", "/v1/greylist/checks/zz", 400, key=bank)
        self.case("GET", "/v1/greylist/checks/{checkId}", "/v1/greylist/checks/" + check, 403, key=registry)
        applicant = {"subjects": [{"idType": "residentId", "idNumber": "11010519491231002X"}]}
        self.case("POST", "/v1/greylist/pseudonyms", "/v1/greylist/pseudonyms", 503, key=bank, body=applicant)
        self.case("POST", "/v1/greylist/pseudonyms", "/v1/greylist/pseudonyms", 400, key=bank, body={"subjects": [{"idType": "residentId", "idNumber": "11010519491231002x"}]})
        self.case("POST", "/v1/greylist/pseudonyms", "/v1/greylist/pseudonyms", 403, key=registry, body=applicant)
        self.case("POST", "/v1/greylist/pseudonyms", "/v1/greylist/pseudonyms", 401, body=applicant)
        stats = self.case("GET", "/v1/greylist/stats", "/v1/greylist/stats", 200)
        counts = (stats or {}).get("result") or {}
        self.check_extra(counts.get("checks") == 1 and counts.get("stopped") == 1 and counts.get("publications") == 1,
                         "the flow's grey-list counts: %s" % counts)

        # A documented path, asked with a method it does not list.
        status, answer = self.call("DELETE", "/v1/validators")
        self.check_extra(status == 405 and (answer or {}).get("error", {}).get("code") == "METHOD_NOT_ALLOWED", "DELETE /v1/validators -> %s" % status)

        documented = {(m.upper(), p) for p, ops in self.spec["paths"].items() for m in ops}
        missing = sorted(documented - self.covered)
        self.check_extra(not missing, "operations not exercised: %s" % missing)
        print("%d passed, %d failed" % (self.passed, self.failed))
        return self.failed == 0

    def check_extra(self, ok, what):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print("FAIL " + what)


def main(argv):
    opts = yc._options(argv, repeatable=("node", "vrf-proof"))
    key_class = yc.backend(opts.get("backend"))
    flow = yc.Flow(opts["node"], key_class.from_pem(opts["registry"]), key_class.from_pem(opts["trade-authority"]),
                   key_class.from_pem(opts["bank"]), key_class, opts.get("vrf-proof", []))
    if not flow.run():
        return 1
    return 0 if Contract(opts["spec"], flow).run() else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
