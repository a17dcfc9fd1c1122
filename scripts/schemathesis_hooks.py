"""Schemathesis hooks for scripts/schemathesis_check.py: every request to an operation that documents a security
requirement is a signed request (docs/api-auth.md), signed over the exact bytes `requests` sends.

Read by schemathesis through SCHEMATHESIS_HOOKS=schemathesis_hooks (with this directory on PYTHONPATH). The key
and chain come from YONGCHAIN_ST_KEY (a PEM file), YONGCHAIN_ST_CHAIN and YONGCHAIN_ST_BACKEND.
"""
import hashlib
import os
import secrets
import sys
import time

import requests.auth
from hypothesis import strategies as st
import schemathesis

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import yongchain_tx as yc  # noqa: E402

KEY = yc.backend(os.environ.get("YONGCHAIN_ST_BACKEND")).from_pem(os.environ["YONGCHAIN_ST_KEY"])
CHAIN = os.environ["YONGCHAIN_ST_CHAIN"]


class SignedRequest(requests.auth.AuthBase):
    """The X-Yongchain-* headers over the request as it goes on the wire: method, target, body."""

    def __call__(self, r):
        body = r.body or b""
        if isinstance(body, str):
            body = body.encode()
        ts, nonce = int(time.time() * 1000), secrets.token_hex(16)
        w = yc.Writer()
        w.str(yc.REQUEST_TAG)
        w.str(CHAIN)
        w.str(r.method)
        w.str(r.path_url)
        w.i64(ts)
        w.str(nonce)
        w.out += hashlib.sha256(body).digest()
        r.headers.update({"X-Yongchain-Key": KEY.public_text, "X-Yongchain-Timestamp": str(ts), "X-Yongchain-Nonce": nonce,
                          "X-Yongchain-Signature": KEY.sign(bytes(w.out)).hex()})
        return r


@schemathesis.auth(refresh_interval=None)
class SignedRequests:
    """Schemathesis' own credentials for the operations that need them: a request it sends with them is signed at
    send time; a request it derives to probe authentication (none, or generated garbage) goes without them."""

    def get(self, case, context):
        return KEY if case.operation.definition.raw.get("security") else None

    def set(self, case, data, context):
        case._auth = SignedRequest()


# --- the rules no JSON Schema can state, generated valid so that a schema-valid request is a valid one ----------

CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CODE_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def credit_code(first17):
    """GB 32100-2015: the check character of 17 characters (docs/trade-finance.md)."""
    total = sum(CODE_ALPHABET.index(c) * w for c, w in zip(first17, CODE_WEIGHTS))
    return first17 + CODE_ALPHABET[(31 - total % 31) % 31]


LOW_ORDER = set()  # the X25519ClientKey schema's `not` list, read from the spec in after_load_schema


@schemathesis.hook
def after_load_schema(context, schema):
    LOW_ORDER.update(schema.raw_schema["components"]["schemas"]["X25519ClientKey"]["allOf"][1]["not"]["enum"])


def positive(case):
    return case.meta is not None and case.meta.generation.mode.is_positive


@schemathesis.hook
def filter_case(context, case):
    """Schemathesis' coverage phase can offer, as a positive case, a key the schema's `not` refuses: none is."""
    body = case.body if isinstance(case.body, dict) else {}
    return not (positive(case) and body.get("clientPublicKey") in LOW_ORDER)


@schemathesis.hook
def map_case(context, case):
    """Positive cases only (a case meant to break the schema is left as generated):
    - title verification: an `owner` of 18 characters is a credit code with its check character (the generated
      one's first 17 characters, brought into the alphabet); one of 64 is a person's commitment as generated;
    - pre-check: held fields name the declaration they are listed under, on a day the calendar has."""
    if not positive(case):
        return case
    query = case.query if isinstance(case.query, dict) else {}
    if case.operation.path == "/v1/mortgage/titles/verify" and isinstance(query.get("owner"), str) and len(query["owner"]) == 18:
        query["owner"] = credit_code("".join(c if c in CODE_ALPHABET else "9" for c in query["owner"][:17]))
    if case.operation.path == "/v1/trade/precheck" and isinstance(case.body, dict):
        for item in case.body.get("declarations") or []:
            fields = item.get("fields")
            if isinstance(fields, dict):
                fields["number"] = item["number"]
                y, m, d = fields["exportDate"] // 10000, fields["exportDate"] // 100 % 100, fields["exportDate"] % 100
                fields["exportDate"] = y * 10000 + max(1, min(12, m)) * 100 + max(1, min(28, d))
    return case


CREDIT_CODES = st.text(alphabet=CODE_ALPHABET, min_size=17, max_size=17).map(credit_code)
schemathesis.openapi.format("gb32100", CREDIT_CODES)
