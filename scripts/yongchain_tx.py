#!/usr/bin/env python3
"""An independent Yongchain client, written from docs/transactions.md and docs/api-auth.md alone.

It shares no code with the node (Swift): it is the proof that the documents are enough to build, sign and
submit every transaction type from another language. Python 3.8+ standard library, plus one Ed25519 signer:

  * the `cryptography` package (PyPI) -- what a bank's Python system would use; or
  * the `openssl` command line, OpenSSL 3.0+ (`openssl pkeyutl -sign -rawin`), with nothing else installed;

and, for the national suite (SM2 keys, SM3 chains), the `gmssl` package (PyPI): a pure-Python SM2/SM3 written
independently of OpenSSL, so it checks the node's SM2 signatures and SM3 hashes with a second implementation.
A key file's algorithm (Ed25519 or SM2) is read from the file; a chain's hash suite from /v1/status (`hashSuite`)
or the vectors file.

usage:
  yongchain_tx.py vectors FILE [--backend cryptography|openssl]
      rebuild every body, consent, signing-bytes string, hash and signature in FILE (docs/transaction-vectors.json)
      from its JSON bodies and seeds; exit 1 naming each difference
  yongchain_tx.py sign --key PEM --type TYPE --body JSON|@FILE --chain-id ID [--hash-suite sha256|sm3] [--nonce N]
      print the signed transaction, the JSON that POST /v1/txs takes
  yongchain_tx.py consent --body JSON|@FILE --chain-id ID
      print (hex) the bytes each mortgagor of a mortgage.apply body signs
  yongchain_tx.py commitment --id-number NUMBER --salt HEX [--hash-suite sha256|sm3]
      print a person's commitment (the identity number's GB 11643 check character is checked here)
  yongchain_tx.py flow --node URL [--node URL ...] --registry PEM --trade-authority PEM --bank PEM [--vrf-proof HEX --vrf-proof HEX]
      run every transaction type of both applications against a live chain and read the results back; --vrf-proof:
      the possession proofs of RFC 9381's Example 10 and 12 keys on that chain (greylist.addVrfKey, docs/greylist.md)
"""
import base64
import hashlib
import json
import os
import re
import secrets
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

TX_TAG = "yongchain/tx/v1"
CONSENT_TAG = "yongchain/consent/v1"
REQUEST_TAG = "yongchain/api-request/v1"
COMMITMENT_TAG = "yongchain/declaration-commitment/v1"
PERSON_TAG = "yongchain/person/v1"


# --- canonical encoding (docs/transactions.md, "Primitives") ---------------------------------------------------

class Writer:
    def __init__(self):
        self.out = bytearray()

    def u8(self, v): self.out += struct.pack(">B", v)
    def u32(self, v): self.out += struct.pack(">I", v)
    def u64(self, v): self.out += struct.pack(">Q", v)
    def i64(self, v): self.out += struct.pack(">q", v)

    def bytes(self, b):
        self.u32(len(b))
        self.out += b

    def str(self, s): self.bytes(s.encode("utf-8"))

    def hash(self, hex_text):
        raw = bytes.fromhex(hex_text)
        if len(raw) != 32:
            raise ValueError("a hash is 32 bytes: %r" % hex_text)
        self.out += raw

    def key(self, text):
        suite, _, hex_text = text.partition(":")
        raw = bytes.fromhex(hex_text)
        if suite == "ed25519" and len(raw) == 32:
            self.u8(1)
        elif suite == "sm2" and len(raw) == 65 and raw[0] == 4:
            self.u8(2)
        else:
            raise ValueError("a public key is ed25519:<64 hex> or sm2:<130 hex> (04 || x || y): %r" % text)
        self.bytes(raw)

    def list(self, items, each):
        self.u32(len(items))
        for item in items:
            each(self, item)

    def money(self, m):
        self.i64(m["minorUnits"])
        self.str(m["currency"])

    def identity(self, o):
        """A person by commitment (u8 1, hash), an organisation by credit code (u8 2, str): one of the two fields."""
        if ("commitment" in o) == ("creditCode" in o):
            raise ValueError("an identity is a person's commitment or an organisation's creditCode: %r" % o)
        if "commitment" in o:
            self.u8(1)
            self.hash(o["commitment"])
        else:
            self.u8(2)
            self.str(o["creditCode"])

    def day(self, text):
        y, m, d = text.split("-")
        self.u32(int(y) * 10000 + int(m) * 100 + int(d))


def _declaration(w, d, last):
    w.str(d["number"])
    w.str(d["exporter"])
    w.money(d["amount"])
    w.u32(d["exportDate"])
    w.hash(d[last])


def _mortgage_content(w, b, signatures):
    w.str(b["unitNumber"])
    w.key(b["mortgagee"])

    def mortgagor(w, m):
        w.identity(m)
        if signatures:
            w.bytes(bytes.fromhex(m.get("signature", "")))
    w.list(b["mortgagors"], mortgagor)
    _debtor(w, b["debtor"])
    w.money(b["principal"])
    w.day(b["term"]["start"])
    w.day(b["term"]["end"])
    w.u8({"general": 1, "maximumAmount": 2}[b["mortgageType"]])
    w.hash(b["contractHash"])


def _debtor(w, d):
    """A person: the commitment alone (no name on chain); an organisation: credit code, then its name."""
    w.identity(d)
    if "creditCode" in d:
        w.str(d["name"])
    elif "name" in d:
        raise ValueError("a person debtor has no name on chain")


def _owner(w, o):
    w.identity(o)
    w.key(o["publicKey"])


RESIDENT_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def check_resident_id(number):
    """GB 11643: 17 digits, then "10X98765432"[sum(d_i * w_i) mod 11]. The node never sees one: the client checks it."""
    if not re.fullmatch(r"[0-9]{17}[0-9X]", number):
        raise ValueError("a resident identity number is 17 digits and a check character: %r" % number)
    if "10X98765432"[sum(int(d) * w for d, w in zip(number, RESIDENT_WEIGHTS)) % 11] != number[17]:
        raise ValueError("wrong check character (GB 11643): %r" % number)


def person_commitment(id_number, salt, suite="sha256"):
    """H(str("yongchain/person/v1") || u8(1) || str(idNumber) || bytes(salt)), H the chain's hash; salt 16 to 32 bytes."""
    check_resident_id(id_number)
    if not 16 <= len(salt) <= 32:
        raise ValueError("a salt is 16 to 32 bytes")
    w = Writer()
    w.str(PERSON_TAG)
    w.u8(1)
    w.str(id_number)
    w.bytes(salt)
    return chain_hash(suite, bytes(w.out))


_PARAMETERS = ("timeoutProposeMs", "timeoutProposeDeltaMs", "timeoutPrevoteMs", "timeoutPrevoteDeltaMs", "timeoutPrecommitMs",
               "timeoutPrecommitDeltaMs", "emptyBlockIntervalMs", "minBlockIntervalMs", "maxBlockTransactions")


def _action(w, a):
    """A governance action (docs/governance.md): str(type), then its fields."""
    kind = a["type"]
    w.str(kind)
    if kind == "member.add":
        w.str(a["name"])
        w.str(a["role"])
        w.list(a.get("authorities", []), lambda w, x: w.str(x))
        w.key(a["publicKey"])
        w.str(a["address"])
        w.u64(a["power"])
    elif kind == "member.remove":
        w.str(a["name"])
    elif kind == "member.rotateKey":
        w.str(a["name"])
        w.key(a["newPublicKey"])
    elif kind == "validator.setPower":
        w.str(a["name"])
        w.u64(a["power"])
    elif kind == "parameters.set":
        for field in _PARAMETERS:
            w.i64(a["parameters"][field])
    elif kind == "rules.set":
        r = a["rules"]
        w.u64(r["thresholdNumerator"])
        w.u64(r["thresholdDenominator"])
        w.i64(r["votingPeriodMs"])
        w.str(r["proposers"])
    elif kind == "limits.set":
        lim = a["limits"]
        w.u64(lim["maxOpenProposalsPerMember"])
        w.u64(lim["maxDescriptionBytes"])
        w.i64(lim["closedRetentionMs"])
    elif kind == "member.setNode":
        w.str(a["name"])
        w.str(a["node"])
    elif kind == "greylist.addVrfKey":
        prefix, _, hex_text = a["vrfKey"].partition(":")
        raw = bytes.fromhex(hex_text)
        if prefix != "ecvrf-p256" or len(raw) != 33:
            raise ValueError("a VRF key is ecvrf-p256:<66 hex>: %r" % a["vrfKey"])
        proof = bytes.fromhex(a["proof"])
        if len(proof) != 81:
            raise ValueError("a key's proof of possession is 81 bytes (162 hex): %r" % a["proof"])
        w.bytes(raw)
        w.bytes(proof)
    elif kind == "greylist.setParameters":
        g = a["parameters"]
        for field in ("entryLifetimeMs", "checkAnswerWindowMs", "checkRecordLifetimeMs"):
            w.i64(g[field])
        for field in ("maxChecksPerBankPerDay", "maxPendingReportsPerBank", "maxPendingAppealsPerBank"):
            w.u64(g[field])
    else:
        raise ValueError("unknown governance action %r" % kind)


# The grey-list's fixed lists (docs/greylist.md): u8 tag 1, 2, ... in this order.
GREYLIST_CATEGORIES = ("fraudAccountOpening", "accountTrading", "falseIdentity", "moneyLaundering", "shellEnterprise")
GREYLIST_REJECTIONS = ("insufficientEvidence", "notSuspicious", "wrongSubject", "duplicate")
GREYLIST_WITHDRAWALS = ("reporterRetracted", "supervisorDecision", "error", "appealUpheld")
GREYLIST_PURPOSES = ("accountOpening", "customerReview")
GREYLIST_ALPHA_TAG = "yongchain/greylist-subject/v1"


def _tag(names, name):
    return names.index(name) + 1


def _subject(w, s):
    """u32(keyVersion) || hash(pseudonym): a subject on chain is its pseudonym under a VRF key version."""
    w.u32(s["keyVersion"])
    w.hash(s["pseudonym"])


def _review(w, b):
    w.hash(b["report"])
    if b["decision"] == "publish":
        w.u8(1)
        w.u8(_tag(GREYLIST_CATEGORIES, b["category"]))
    else:
        w.u8(2)
        w.u8(_tag(GREYLIST_REJECTIONS, b["reason"]))
    w.hash(b["decisionHash"])


def greylist_alpha(chain_id, id_type, id_number):
    """The VRF input of a grey-list subject: str(tag) || str(chainId) || u8(idType) || str(idNumber)."""
    if id_type == "residentId":
        check_resident_id(id_number)
    w = Writer()
    w.str(GREYLIST_ALPHA_TAG)
    w.str(chain_id)
    w.u8({"residentId": 1, "creditCode": 2}[id_type])
    w.str(id_number)
    return bytes(w.out)


BODIES = {
    "property.register": lambda w, b: (w.str(b["unitNumber"]), w.str(b["titleCertificateNumber"]),
                                       w.list(b["owners"], _owner), w.u64(b["area"]), w.str(b["use"])),
    "property.seize": lambda w, b: (w.str(b["unitNumber"]), w.str(b["courtOrder"])),
    "property.release": lambda w, b: (w.str(b["unitNumber"]), w.str(b["courtOrder"])),
    "mortgage.apply": lambda w, b: _mortgage_content(w, b, signatures=True),
    "mortgage.approve": lambda w, b: w.hash(b["applicationId"]),
    "mortgage.reject": lambda w, b: (w.hash(b["applicationId"]), w.str(b["reason"])),
    "mortgage.discharge": lambda w, b: w.hash(b["applicationId"]),
    "mortgage.registerDischarge": lambda w, b: w.hash(b["applicationId"]),
    "enterprise.register": lambda w, b: (w.str(b["creditCode"]), w.str(b["name"]), w.key(b["publicKey"])),
    "declaration.publish": lambda w, b: w.list(b["declarations"], lambda w, d: _declaration(w, d, "commitment")),
    "financing.record": lambda w, b: (w.str(b["exporter"]), w.money(b["amount"]), w.list(
        b["pledges"], lambda w, p: (_declaration(w, p["declaration"], "documentDigest"), w.money(p["amount"])))),
    "financing.repay": lambda w, b: (w.hash(b["financingId"]), w.money(b["amount"])),
    "authorization.grant": lambda w, b: (w.key(b["bank"]), w.i64(b["expiresAt"])),
    "authorization.revoke": lambda w, b: w.key(b["bank"]),
    "creditQuery.record": lambda w, b: (w.str(b["enterprise"]), w.str(b["purpose"])),
    "governance.propose": lambda w, b: (_action(w, b["action"]), w.str(b["description"])),
    "governance.vote": lambda w, b: (w.u64(b["proposal"]), w.u8(1 if b["approve"] else 0)),
    "greylist.report": lambda w, b: (_subject(w, b["subject"]), w.u8(_tag(GREYLIST_CATEGORIES, b["category"])), w.hash(b["evidenceHash"])),
    "greylist.review": _review,
    "greylist.renew": lambda w, b: _subject(w, b["subject"]),
    "greylist.withdraw": lambda w, b: (_subject(w, b["subject"]), w.u8(_tag(GREYLIST_WITHDRAWALS, b["reason"])), w.hash(b["decisionHash"])),
    "greylist.appeal": lambda w, b: (_subject(w, b["subject"]), w.hash(b["evidenceHash"])),
    "greylist.decideAppeal": lambda w, b: (w.hash(b["appeal"]), w.u8(1 if b["upheld"] else 0), w.hash(b["decisionHash"])),
    "greylist.check": lambda w, b: (w.list(b["subjects"], _subject), w.u8(_tag(GREYLIST_PURPOSES, b["purpose"]))),
    "greylist.outcome": lambda w, b: (w.hash(b["check"]), w.u8(1 if b["stopped"] else 0)),
    "greylist.sweep": lambda w, b: (w.list(b["entries"], _subject), w.list(b["checks"], lambda w, h: w.hash(h))),
    "greylist.rekey": lambda w, b: w.list(b["moves"], lambda w, m: (_subject(w, m["from"]), _subject(w, m["to"]))),
    "greylist.retireKey": lambda w, b: w.u32(b["keyVersion"]),
}


def canonical_body(tx_type, body):
    w = Writer()
    BODIES[tx_type](w, body)
    return bytes(w.out)


def consent_bytes(chain_id, body):
    w = Writer()
    w.str(CONSENT_TAG)
    w.str(chain_id)
    w.str("mortgage.apply")
    _mortgage_content(w, body, signatures=False)
    return bytes(w.out)


def signing_bytes(chain_id, tx_type, body_bytes, signer_text, nonce):
    w = Writer()
    w.str(TX_TAG)
    w.str(chain_id)
    w.str(tx_type)
    w.bytes(body_bytes)
    w.key(signer_text)
    w.u64(nonce)
    return bytes(w.out)


def chain_hash(suite, data):
    """The chain's hash (genesis `hashSuite`): SHA-256, or SM3 (GB/T 32905) through gmssl."""
    if suite == "sha256":
        return hashlib.sha256(data).hexdigest()
    if suite == "sm3":
        from gmssl import sm3, func
        return sm3.sm3_hash(func.bytes_to_list(data))
    raise ValueError("unknown hash suite %r" % suite)


def commitment(fields, suite="sha256"):
    w = Writer()
    w.str(COMMITMENT_TAG)
    _declaration(w, fields, "documentDigest")
    return chain_hash(suite, bytes(w.out))


def sign_transaction(key, chain_id, tx_type, body, nonce=None, suite="sha256"):
    """The envelope POST /v1/txs takes, and the transaction's hash (the chain's hash of the signing bytes)."""
    nonce = secrets.randbits(64) if nonce is None else nonce
    body_bytes = canonical_body(tx_type, body)
    message = signing_bytes(chain_id, tx_type, body_bytes, key.public_text, nonce)
    envelope = {"type": tx_type, "body": body_bytes.hex(), "signer": key.public_text, "nonce": str(nonce),
                "signature": key.sign(message).hex()}
    return envelope, chain_hash(suite, message)


# --- Ed25519 keys: two interchangeable backends ----------------------------------------------------------------

PKCS8_ED25519_PREFIX = bytes.fromhex("302e020100300506032b657004220420")  # RFC 8410 PrivateKeyInfo before the seed


class CryptographyKey:
    name = "cryptography"

    def __init__(self, private):
        from cryptography.hazmat.primitives import serialization
        self._private = private
        raw = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.public_text = "ed25519:" + raw.hex()

    @classmethod
    def from_seed(cls, seed):
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
        return cls(Ed25519PrivateKey.from_private_bytes(seed))

    @classmethod
    def from_pem(cls, path):
        from cryptography.hazmat.primitives import serialization
        with open(path, "rb") as f:
            return cls(serialization.load_pem_private_key(f.read(), password=None))

    def sign(self, message):
        return self._private.sign(message)


class OpenSSLKey:
    name = "openssl"

    def __init__(self, pem_path, owned_dir=None):
        self._path = pem_path
        self._owned_dir = owned_dir
        der = subprocess.run(["openssl", "pkey", "-in", pem_path, "-pubout", "-outform", "DER"],
                             check=True, capture_output=True).stdout
        self.public_text = "ed25519:" + der[-32:].hex()

    def __del__(self):
        if self._owned_dir:
            shutil.rmtree(self._owned_dir, ignore_errors=True)

    @classmethod
    def from_seed(cls, seed):
        d = tempfile.mkdtemp(prefix="yc-key-")
        path = os.path.join(d, "key.pem")
        pem = "-----BEGIN PRIVATE KEY-----\n%s\n-----END PRIVATE KEY-----\n" % base64.b64encode(PKCS8_ED25519_PREFIX + seed).decode()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(pem)
        return cls(path, owned_dir=d)

    @classmethod
    def from_pem(cls, path):
        return cls(path)

    def sign(self, message):
        with tempfile.NamedTemporaryFile() as m:
            m.write(message)
            m.flush()
            return subprocess.run(["openssl", "pkeyutl", "-sign", "-rawin", "-inkey", self._path, "-in", m.name],
                                  check=True, capture_output=True).stdout


class SM2Key:
    """An SM2 key (GB/T 32918.2): signatures over SM3(Z || message), Z with the default distinguishing identifier
    1234567812345678, as raw r || s (64 bytes). Through gmssl (PyPI), which implements SM2 itself."""
    name = "gmssl"
    deterministic = False

    def __init__(self, d):
        from gmssl import sm2
        self._d = d
        point = sm2.CryptSM2(private_key=d, public_key="")._kg(int(d, 16), sm2.default_ecc_table["g"])
        self._sm2 = sm2.CryptSM2(private_key=d, public_key=point)
        self.public_text = "sm2:04" + point

    @classmethod
    def from_seed(cls, seed):
        """The vectors' SM2 keys: the seed is the private scalar d."""
        return cls(seed.hex())

    @classmethod
    def from_pem(cls, path):
        """A PKCS#8 PEM of an EC key on the SM2 curve: d is the ECPrivateKey's OCTET STRING (RFC 5915)."""
        with open(path, encoding="ascii") as f:
            der = base64.b64decode("".join(l for l in f.read().splitlines() if not l.startswith("-----")))
        at = der.find(bytes.fromhex("0201010420"))  # ECPrivateKey: version 1, then privateKey OCTET STRING (32)
        if SM2_CURVE_OID not in der or at < 0:
            raise ValueError("%s is not an SM2 private key" % path)
        return cls(der[at + 5:at + 37].hex())

    def sign(self, message):
        return bytes.fromhex(self._sm2.sign_with_sm3(message, secrets.token_hex(32)))


def verify_sm2(public_text, signature, message):
    """gmssl's check of an SM2 signature (raw r || s) by `public_text` (sm2:04...)."""
    from gmssl import sm2
    return sm2.CryptSM2(private_key="", public_key=public_text[6:]).verify_with_sm3(signature.hex(), message)


SM2_CURVE_OID = bytes.fromhex("06082a811ccf5501822d")  # 1.2.156.10197.1.301


def load_key(path, key_class):
    """A key file of either algorithm: SM2 (by its curve) through gmssl, Ed25519 through `key_class`."""
    with open(path, encoding="ascii") as f:
        der = base64.b64decode("".join(l for l in f.read().splitlines() if not l.startswith("-----")))
    return SM2Key.from_pem(path) if SM2_CURVE_OID in der else key_class.from_pem(path)


def backend(name=None):
    if name in (None, "cryptography"):
        try:
            import cryptography.hazmat.primitives.asymmetric.ed25519  # noqa: F401
            return CryptographyKey
        except ImportError:
            if name:
                raise
    return OpenSSLKey


# --- vectors --------------------------------------------------------------------------------------------------

def check_vectors(path, key_class):
    """Every byte of FILE rebuilt here. SM2 signatures are randomised: each one in the file is checked with gmssl
    and this client's own (fresh) signatures must verify too."""
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    chain, suite = doc["chainId"], doc.get("hashSuite", "sha256")
    keys = {n: (SM2Key if k["publicKey"].startswith("sm2:") else key_class).from_seed(bytes.fromhex(k["seed"]))
            for n, k in doc["keys"].items()}
    failures = []

    def expect(what, got, want):
        if got != want:
            failures.append("%s: got %s, the vectors say %s" % (what, got, want))

    def signature(what, key, message, want):
        """Deterministic (Ed25519): the same bytes. Randomised (SM2): the file's verifies, and so does ours."""
        if key.public_text.startswith("sm2:"):
            expect("%s verifies (gmssl)" % what, verify_sm2(key.public_text, bytes.fromhex(want), message), True)
            expect("%s: ours verifies (gmssl)" % what, verify_sm2(key.public_text, key.sign(message), message), True)
        else:
            expect(what, key.sign(message).hex(), want)

    for e in doc.get("hashExamples", []):
        expect("%s of %r" % (suite, e["message"]), chain_hash(suite, e["message"].encode()), e["digest"])
    for n, k in doc["keys"].items():
        expect("key %s" % n, keys[n].public_text, k["publicKey"])
    for c in doc["consents"]:
        body = next(t["body"] for t in doc["transactions"] if t["type"] == c["transaction"])
        consent = consent_bytes(chain, body)
        expect("consent bytes (%s)" % c["key"], consent.hex(), c["consentBytesHex"])
        signature("consent signature (%s)" % c["key"], keys[c["key"]], consent, c["signature"])
    for t in doc["transactions"]:
        kind = t["type"]
        envelope, tx_hash = sign_transaction(keys[t["signer"]], chain, kind, t["body"], int(t["nonce"]), suite)
        expect("%s body" % kind, envelope["body"], t["bodyHex"])
        message = signing_bytes(chain, kind, bytes.fromhex(envelope["body"]), envelope["signer"], int(t["nonce"]))
        expect("%s signing bytes" % kind, message.hex(), t["signingBytesHex"])
        expect("%s hash" % kind, tx_hash, t["hash"])
        signature("%s signature" % kind, keys[t["signer"]], message, t["envelope"]["signature"])
        expect("%s envelope" % kind, dict(envelope, signature=""), dict(t["envelope"], signature=""))
        if kind == "declaration.publish":
            # Commitments are the authority's to compute; check the published ones against the pledged fields.
            held = {p["declaration"]["number"]: p["declaration"] for x in doc["transactions"] if x["type"] == "financing.record"
                    for p in x["body"]["pledges"]}
            for d in t["body"]["declarations"]:
                if d["number"] in held:
                    expect("commitment of %s" % d["number"], commitment(held[d["number"]], suite), d["commitment"])
    for a in doc.get("governanceActions", []):
        w = Writer()
        _action(w, a["json"])
        expect("governance action %s" % a["type"], bytes(w.out).hex(), a["bytesHex"])
    for c in doc.get("personCommitments", []):
        expect("commitment of %s" % c["idNumber"], person_commitment(c["idNumber"], bytes.fromhex(c["salt"]), suite), c["commitment"])
    for i in doc.get("identities", []):
        w = Writer()
        (w.identity if i["kind"] == "identity" else lambda o: _debtor(w, o))(i["json"])
        expect("%s %s" % (i["kind"], i["json"]), bytes(w.out).hex(), i["bytesHex"])
    # The grey-list's VRF inputs (docs/vrf-vectors.json beside the file): the client encodes alpha itself.
    vrf_path = os.path.join(os.path.dirname(os.path.abspath(path)), "vrf-vectors.json")
    if os.path.exists(vrf_path):
        with open(vrf_path, encoding="utf-8") as f:
            for v in json.load(f).get("greylistSubjects", []):
                id_type = {1: "residentId", 2: "creditCode"}[v["idType"]]
                expect("greylist alpha of %s" % v["idNumber"], greylist_alpha(v["chainId"], id_type, v["idNumber"]).hex(), v["alpha"])
    for f in failures:
        print("MISMATCH " + f)
    print("%d transaction types, %d consents, %d person commitments checked with the %s backend (%s, %s keys): %s"
          % (len(doc["transactions"]), len(doc["consents"]), len(doc.get("personCommitments", [])), key_class.name, suite, "SM2" if "sm2" in doc["transactions"][0]["envelope"]["signer"] else "Ed25519",
             "all match" if not failures else "%d mismatches" % len(failures)))
    return not failures


# --- talking to a node ----------------------------------------------------------------------------------------

class Node:
    def __init__(self, url):
        self.url = url.rstrip("/")

    def call(self, method, target, body=None, headers=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + target, data=data, method=method,
                                     headers={"Content-Type": "application/json", **(headers or {})})
        try:
            with urllib.request.urlopen(req, timeout=40) as r:
                return r.status, json.loads(r.read() or b"{}")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"{}")

    def signed(self, key, chain_id, method, target, body=None):
        """A signed API request (docs/api-auth.md)."""
        raw = b"" if body is None else json.dumps(body).encode()
        ts, nonce = int(time.time() * 1000), secrets.token_hex(16)
        w = Writer()
        w.str(REQUEST_TAG)
        w.str(chain_id)
        w.str(method)
        w.str(target)
        w.i64(ts)
        w.str(nonce)
        # The body's digest follows the key's algorithm: SM3 for an SM2 key, SHA-256 for Ed25519.
        w.out += bytes.fromhex(chain_hash("sm3" if key.public_text.startswith("sm2:") else "sha256", raw))
        headers = {"X-Yongchain-Key": key.public_text, "X-Yongchain-Timestamp": str(ts), "X-Yongchain-Nonce": nonce,
                   "X-Yongchain-Signature": key.sign(bytes(w.out)).hex()}
        req = urllib.request.Request(self.url + target, data=raw if body is not None else None, method=method,
                                     headers={"Content-Type": "application/json", **headers})
        try:
            with urllib.request.urlopen(req, timeout=40) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"{}")


class Flow:
    """Every transaction type of both applications, each result read back from every node."""

    def __init__(self, urls, registry, authority, bank, key_class, vrf_proofs=()):
        self.nodes = [Node(u) for u in urls]
        # The possession proofs of RFC 9381's two example keys on this chain (docs/greylist.md), made by the caller:
        # this client verifies nothing of the VRF, and a proof depends on the chain id.
        self.vrf_proofs = list(vrf_proofs) + [""] * 2
        self.registry, self.authority, self.bank = registry, authority, bank
        self.key_class = key_class
        _, status = self.nodes[0].call("GET", "/v1/status")
        self.chain, self.suite = status["chainId"], status.get("hashSuite", "sha256")
        self.passed, self.failed, self.height, self.turn = 0, 0, 0, 0
        self.ids = {}  # what the flow made, for callers that go on (scripts/contract_check.py)

    def node(self):
        self.turn += 1
        return self.nodes[self.turn % len(self.nodes)]

    def check(self, ok, what):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print("FAIL " + what)
        return ok

    def submit(self, key, tx_type, body, expect="OK"):
        envelope, tx_hash = sign_transaction(key, self.chain, tx_type, body, suite=self.suite)
        status, answer = self.node().call("POST", "/v1/txs?wait=commit&timeoutMs=20000", envelope)
        code = answer.get("code") or answer.get("error", {}).get("code")
        self.check(status == 200 and answer.get("hash") == tx_hash, "%s: HTTP %s %s (our hash %s)" % (tx_type, status, answer, tx_hash))
        self.height = max(self.height, answer.get("height", 0))
        # Every node gives the same outcome once it has committed that height.
        seen = {n.call("GET", "/v1/txs/%s?minHeight=%d&timeoutMs=15000" % (tx_hash, self.height))[1].get("code") for n in self.nodes}
        self.check(seen == {expect}, "%s: expected %s on every node, nodes say %s (%s)" % (tx_type, expect, seen, answer.get("message")))
        print("tx   %-27s %-22s height=%-4s %s" % (tx_type, code, answer.get("height"), tx_hash))
        if code != expect:
            # What the node refused, byte for byte, so a refusal seen once can be replayed and judged afterwards
            # (an SM2 BAD_SIGNATURE was seen once in CI and never reproduced).
            print("DIAG %s refused %s: envelope %s" % (tx_type, code, json.dumps(envelope, sort_keys=True)))
        return tx_hash

    def read(self, key, target, body=None, method="GET"):
        if method == "GET":  # every GET waits until the node has committed what we wrote (docs/openapi.yaml)
            target += "%sminHeight=%d" % ("&" if "?" in target else "?", self.height)
        status, answer = self.node().signed(key, self.chain, method, target, body)
        self.check(status == 200, "%s %s: HTTP %s %s" % (method, target, status, answer))
        print("read %s %s -> HTTP %s" % (method, target.split("?")[0], status))
        return answer.get("result", {})

    def run(self):
        # Owners and the exporter sign with the registry's algorithm (SM2 on an SM cluster).
        people = SM2Key if self.registry.public_text.startswith("sm2:") else self.key_class
        owners = [people.from_seed(bytes([11]) * 32), people.from_seed(bytes([12]) * 32)]
        enterprise = people.from_seed(bytes([21]) * 32)
        unit = "320505001001GB00001F00010001"
        title = "苏(2019)苏州市不动产权第0000001号"
        # The registry draws each owner's salt and gives it to them with the title certificate; on chain, only the
        # commitment. The owners hand identity and salt to the bank, which computes the same commitments.
        people_ids = ["11010519491231002X", "110105198001010016"]
        salts = [secrets.token_bytes(16) for _ in people_ids]
        ids = [{"commitment": person_commitment(n, salt, self.suite)} for n, salt in zip(people_ids, salts)]
        self.submit(self.registry, "property.register", {
            "unitNumber": unit, "titleCertificateNumber": title, "area": 8950, "use": "residential",
            "owners": [dict(ids[0], publicKey=owners[0].public_text), dict(ids[1], publicKey=owners[1].public_text)]})

        def application(contract, mortgagors=ids):
            body = {"unitNumber": unit, "mortgagee": self.bank.public_text, "mortgagors": [dict(i) for i in mortgagors],
                    "debtor": {"creditCode": "91320505MA1XXXXX0T", "name": "Suzhou Widget Co., Ltd."},
                    "principal": {"minorUnits": 150000000, "currency": "CNY"}, "term": {"start": "2020-06-01", "end": "2030-05-31"},
                    "mortgageType": "general", "contractHash": chain_hash(self.suite, contract)}
            consent = consent_bytes(self.chain, body)  # each owner signs this on their own device
            for m, k in zip(body["mortgagors"], owners):
                m["signature"] = k.sign(consent).hex()
            return body

        # A bank with the owners' identities but not their salts names nobody: NOT_OWNER.
        guessed = [{"commitment": person_commitment(n, secrets.token_bytes(16), self.suite)} for n in people_ids]
        self.submit(self.bank, "mortgage.apply", application(b"contract 0", guessed), expect="NOT_OWNER")
        app_id = self.submit(self.bank, "mortgage.apply", application(b"contract 1"))
        self.submit(self.registry, "mortgage.approve", {"applicationId": app_id})
        view = self.read(self.bank, "/v1/mortgage/applications/" + app_id)
        self.ids.update(unit=unit, title=title, owner=ids[0], application=app_id, certificate=view.get("certificateNumber"))
        # Title verification by commitment: the right salt matches; a wrong one is answered as a stranger is.
        verify = "/v1/mortgage/titles/verify?certificate=" + urllib.parse.quote(title, safe="") + "&owner="
        self.check(self.read(self.bank, verify + ids[0]["commitment"]).get("match") is True, "the owner's title verifies")
        wrong = self.read(self.bank, verify + guessed[0]["commitment"])
        self.check(wrong == {"titleCertificateNumber": title, "match": False}, "a wrong salt answers as a stranger: %s" % wrong)
        self.check(view.get("state") == "registered" and view.get("priority") == 1 and str(view.get("certificateNumber", "")).startswith("MR-"),
                   "approved application reads back registered with a certificate: %s" % view)
        self.submit(self.bank, "mortgage.discharge", {"applicationId": app_id})
        self.submit(self.registry, "mortgage.registerDischarge", {"applicationId": app_id})
        self.check(self.read(self.bank, "/v1/mortgage/applications/" + app_id).get("state") == "discharged", "discharged")
        second = self.submit(self.bank, "mortgage.apply", application(b"contract 2"))
        self.submit(self.registry, "mortgage.reject", {"applicationId": second, "reason": "产权人身份证已过期"})
        self.check(self.read(self.bank, "/v1/mortgage/applications/" + second).get("rejectionReason") == "产权人身份证已过期", "rejected")
        self.submit(self.registry, "property.seize", {"unitNumber": unit, "courtOrder": "(2020)苏05执123号"})
        self.check(self.read(self.bank, "/v1/mortgage/units/%s/encumbrances" % unit).get("seized") is True, "seized")
        self.submit(self.registry, "property.release", {"unitNumber": unit, "courtOrder": "(2020)苏05执124号"})
        self.check(self.read(self.bank, "/v1/mortgage/units/%s/encumbrances" % unit).get("seized") is False, "released")

        exporter = "91310000MA1FL0001R"
        self.submit(self.authority, "enterprise.register", {"creditCode": exporter, "name": "Exporter X Ltd", "publicKey": enterprise.public_text})
        held = [{"number": "22312020000000000%d" % i, "exporter": exporter, "amount": {"minorUnits": v, "currency": "USD"},
                 "exportDate": 20200315, "documentDigest": chain_hash(self.suite, b"declaration %d" % i)}
                for i, v in ((1, 100000), (2, 250000))]
        published = [{k: d[k] for k in ("number", "exporter", "amount", "exportDate")} for d in held]
        for p, d in zip(published, held):
            p["commitment"] = commitment(d, self.suite)
        self.submit(self.authority, "declaration.publish", {"declarations": published})
        pre = self.read(self.bank, "/v1/trade/precheck", {"declarations": [{"number": d["number"], "fields": d} for d in held]}, method="POST")
        self.check([x.get("code") for x in pre.get("declarations", [])] == ["OK", "OK"], "precheck: %s" % pre)
        financing = self.submit(self.bank, "financing.record", {
            "exporter": exporter, "amount": {"minorUnits": 300000, "currency": "USD"},
            "pledges": [{"declaration": held[0], "amount": {"minorUnits": 100000, "currency": "USD"}},
                        {"declaration": held[1], "amount": {"minorUnits": 200000, "currency": "USD"}}]})
        self.submit(self.bank, "financing.record", {
            "exporter": exporter, "amount": {"minorUnits": 1000, "currency": "USD"},
            "pledges": [{"declaration": held[0], "amount": {"minorUnits": 1000, "currency": "USD"}}]}, expect="DUPLICATE_FINANCING")
        self.submit(self.bank, "financing.repay", {"financingId": financing, "amount": {"minorUnits": 120000, "currency": "USD"}})
        self.submit(enterprise, "authorization.grant", {"bank": self.bank.public_text, "expiresAt": int(time.time() * 1000) + 86400000})
        query = self.submit(self.bank, "creditQuery.record", {"enterprise": exporter, "purpose": "pre-loan review 贷前审查"})
        self.ids.update(exporter=exporter, enterprise=enterprise, query=query, financing=financing, declarations=held)
        record = self.read(self.bank, "/v1/trade/enterprises/%s/credit-record?queryId=%s" % (exporter, query))
        totals = record.get("totals", [])
        self.check(len(record.get("financings", [])) == 1 and totals and totals[0].get("outstanding") == 180000,
                   "credit record shows the financing and its repayment: %s" % totals)
        self.submit(enterprise, "authorization.revoke", {"bank": self.bank.public_text})

        # Governance (docs/governance.md): propose the default rules (passing them changes nothing), vote, read back.
        rules = {"thresholdNumerator": 2, "thresholdDenominator": 3, "votingPeriodMs": 604800000, "proposers": "members"}
        self.submit(self.bank, "governance.propose", {"action": {"type": "rules.set", "rules": rules}, "description": "independent client"})
        listed = self.read(self.bank, "/v1/governance/proposals?status=open&limit=200").get("proposals", [])
        self.check(bool(listed), "the new proposal is listed as open")
        proposal = listed[-1] if listed else {"id": 1, "voters": []}
        voters = {v["publicKey"] for v in proposal.get("voters", [])}
        for k in (self.registry, self.authority, self.bank):
            if k.public_text in voters:
                self.submit(k, "governance.vote", {"proposal": proposal["id"], "approve": True})
        after = self.read(self.registry, "/v1/governance/proposals/%d" % proposal["id"])
        power = sum(v["power"] for v in proposal.get("voters", []) if v["publicKey"] in
                    {self.registry.public_text, self.authority.public_text, self.bank.public_text})
        if proposal.get("voters") and power * 3 > after.get("totalPower", 0) * 2:
            self.check(after.get("status") == "passed" and after.get("outcome", {}).get("code") == "OK", "the proposal passed: %s" % after)
            self.greylist(people)
        print("%d passed, %d failed" % (self.passed, self.failed))
        return self.failed == 0


    def govern(self, action):
        """Proposes `action` as the bank and votes it through with every key the flow holds; True once passed."""
        self.submit(self.bank, "governance.propose", {"action": action, "description": "independent client: " + action["type"]})
        listed = self.read(self.bank, "/v1/governance/proposals?status=open&limit=200").get("proposals", [])
        proposal = listed[-1] if listed else {"id": 0, "voters": []}
        voters = {v["publicKey"] for v in proposal.get("voters", [])}
        for k in (self.registry, self.authority, self.bank):
            if k.public_text in voters:
                self.submit(k, "governance.vote", {"proposal": proposal["id"], "approve": True})
        after = self.read(self.registry, "/v1/governance/proposals/%d" % proposal["id"])
        return self.check(after.get("status") == "passed", "%s passed: %s" % (action["type"], after))

    def greylist(self, people):
        """The grey-list (docs/greylist.md): a supervisor with the greylist authority and a VRF key admitted by
        governance, then every grey-list type. The chain cannot tell a pseudonym from any 32 bytes (only the
        supervisor's key makes one), so the flow uses hashes; RFC 9381's example public keys stand for the keys."""
        supervisor = people.from_seed(bytes([41]) * 32)
        self.govern({"type": "member.add", "name": "central-bank", "role": "supervisor", "authorities": ["greylist"],
                     "publicKey": supervisor.public_text, "address": "http://127.0.0.1:9", "power": 0})
        self.govern({"type": "greylist.addVrfKey", "vrfKey": "ecvrf-p256:0360fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6",
                     "proof": self.vrf_proofs[0]})
        v1 = {"keyVersion": 1, "pseudonym": hashlib.sha256(b"flow subject v1").hexdigest()}
        v2 = {"keyVersion": 2, "pseudonym": hashlib.sha256(b"flow subject v2").hexdigest()}
        digest = lambda text: chain_hash(self.suite, text)
        report = self.submit(self.bank, "greylist.report", {"subject": v1, "category": "fraudAccountOpening", "evidenceHash": digest(b"case 1")})
        self.submit(supervisor, "greylist.review", {"report": report, "decision": "publish", "category": "fraudAccountOpening",
                                                   "decisionHash": digest(b"review")})
        self.submit(supervisor, "greylist.renew", {"subject": v1})
        appeal = self.submit(self.bank, "greylist.appeal", {"subject": v1, "evidenceHash": digest(b"submission")})
        self.submit(supervisor, "greylist.decideAppeal", {"appeal": appeal, "upheld": False, "decisionHash": digest(b"appeal decision")})
        check = self.submit(self.bank, "greylist.check", {"subjects": [v1], "purpose": "accountOpening"})
        self.submit(self.bank, "greylist.outcome", {"check": check, "stopped": True})
        # A check record is kept at least a minute of block time: sweeping it now is refused.
        self.submit(supervisor, "greylist.sweep", {"entries": [], "checks": [check]}, expect="GREYLIST_NOT_EXPIRED")
        self.govern({"type": "greylist.addVrfKey", "vrfKey": "ecvrf-p256:03596375e6ce57e0f20294fc46bdfcfd19a39f8161b58695b3ec5b3d16427c274d",
                     "proof": self.vrf_proofs[1]})
        self.submit(supervisor, "greylist.rekey", {"moves": [{"from": v1, "to": v2}]})
        self.submit(supervisor, "greylist.withdraw", {"subject": v2, "reason": "supervisorDecision", "decisionHash": digest(b"withdrawal")})
        self.submit(supervisor, "greylist.retireKey", {"keyVersion": 1})
        self.ids.update(greylist={"supervisor": supervisor, "report": report, "appeal": appeal, "check": check})


# --- command line ---------------------------------------------------------------------------------------------

def _options(argv, repeatable=()):
    opts, i = {}, 0
    while i < len(argv):
        if not argv[i].startswith("--") or i + 1 >= len(argv):
            sys.exit("unexpected argument %r\n%s" % (argv[i], __doc__))
        name = argv[i][2:]
        if name in repeatable:
            opts.setdefault(name, []).append(argv[i + 1])
        else:
            opts[name] = argv[i + 1]
        i += 2
    return opts


def _json_arg(text):
    if text.startswith("@"):
        with open(text[1:], encoding="utf-8") as f:
            return json.load(f)
    return json.loads(text)


def main(argv):
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    cmd, rest = argv[0], argv[1:]
    if cmd == "vectors":
        if not rest:
            sys.exit("vectors needs a FILE")
        opts = _options(rest[1:])
        return 0 if check_vectors(rest[0], backend(opts.get("backend"))) else 1
    opts = _options(rest, repeatable=("node", "vrf-proof"))
    key_class = backend(opts.get("backend"))
    if cmd == "sign":
        envelope, tx_hash = sign_transaction(load_key(opts["key"], key_class), opts["chain-id"], opts["type"], _json_arg(opts["body"]),
                                             int(opts["nonce"]) if "nonce" in opts else None, opts.get("hash-suite", "sha256"))
        print(json.dumps(envelope))
        print("hash " + tx_hash, file=sys.stderr)
        return 0
    if cmd == "consent":
        print(consent_bytes(opts["chain-id"], _json_arg(opts["body"])).hex())
        return 0
    if cmd == "commitment":
        print(person_commitment(opts["id-number"], bytes.fromhex(opts["salt"]), opts.get("hash-suite", "sha256")))
        return 0
    if cmd == "flow":
        flow = Flow(opts["node"], load_key(opts["registry"], key_class), load_key(opts["trade-authority"], key_class),
                    load_key(opts["bank"], key_class), key_class, opts.get("vrf-proof", []))
        print("chain %s (%s), %d nodes, %s backend" % (flow.chain, flow.suite, len(flow.nodes), key_class.name))
        return 0 if flow.run() else 1
    sys.exit("unknown command %r\n%s" % (cmd, __doc__))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
