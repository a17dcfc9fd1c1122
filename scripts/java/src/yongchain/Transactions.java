package yongchain;

import static yongchain.Json.integer;
import static yongchain.Json.list;
import static yongchain.Json.obj;
import static yongchain.Json.str;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Every transaction body, the owners' consent, the signing bytes and the envelope: docs/transactions.md. */
public final class Transactions {
    private Transactions() {}

    public static final String TX_TAG = "yongchain/tx/v1";
    public static final String CONSENT_TAG = "yongchain/consent/v1";
    public static final String COMMITMENT_TAG = "yongchain/declaration-commitment/v1";
    public static final String PERSON_TAG = "yongchain/person/v1";

    static final BigInteger I64_MIN = BigInteger.valueOf(Long.MIN_VALUE), I64_MAX = BigInteger.valueOf(Long.MAX_VALUE);
    static final BigInteger U32_MAX = BigInteger.valueOf(0xffffffffL);

    static long i64(Map<String, Object> m, String k) { return integer(m, k, I64_MIN, I64_MAX).longValue(); }
    static BigInteger u64(Map<String, Object> m, String k) { return integer(m, k, BigInteger.ZERO, Canonical.U64_MAX); }
    static long u32(Map<String, Object> m, String k) { return integer(m, k, BigInteger.ZERO, U32_MAX).longValue(); }

    static void money(Canonical.Writer w, Object m) { w.i64(i64(obj(m), "minorUnits")).str(str(obj(m), "currency")); }

    /** A person by commitment (u8 1, hash), an organisation by credit code (u8 2, str): exactly one of the two fields. */
    public static void identity(Canonical.Writer w, Map<String, Object> o) {
        boolean person = o.containsKey("commitment");
        if (person == o.containsKey("creditCode")) throw new IllegalArgumentException("a person's commitment or an organisation's creditCode: " + o.keySet());
        if (person) w.u8(1).hash(str(o, "commitment"));
        else w.u8(2).str(str(o, "creditCode"));
    }

    /** A debtor: a person by commitment alone (no name on chain); an organisation by credit code, then its name. */
    public static void debtor(Canonical.Writer w, Map<String, Object> d) {
        identity(w, d);
        if (d.containsKey("creditCode")) w.str(str(d, "name"));
        else if (d.containsKey("name")) throw new IllegalArgumentException("a person debtor has no name on chain");
    }

    /**
     * A person's commitment, H(str("yongchain/person/v1") ‖ u8(1) ‖ str(idNumber) ‖ bytes(salt)) with SHA-256 (the
     * chain's hash; this client speaks SHA-256 chains): the identity number checked here (GB 11643), since the node
     * never sees one; the salt from the owner's title certificate, 16 to 32 bytes.
     */
    public static String personCommitment(String idNumber, byte[] salt) {
        if (!Identifiers.isResidentId(idNumber)) throw new IllegalArgumentException("not a resident identity number (GB 11643): " + idNumber);
        if (salt.length < 16 || salt.length > 32) throw new IllegalArgumentException("a salt is 16 to 32 bytes");
        byte[] pre = new Canonical.Writer().str(PERSON_TAG).u8(1).str(idNumber).bytes(salt).toBytes();
        return Canonical.HEX.formatHex(Canonical.sha256(pre));
    }

    /** day("2020-06-01") = u32(20200601). */
    static void day(Canonical.Writer w, String text) {
        if (!text.matches("[0-9]{4}-[0-9]{2}-[0-9]{2}")) throw new IllegalArgumentException("a date is YYYY-MM-DD: " + text);
        w.u32(Long.parseLong(text.replace("-", "")));
    }

    /** A declaration's fields; last is "commitment" (published) or "documentDigest" (held). */
    static void declaration(Canonical.Writer w, Map<String, Object> d, String last) {
        w.str(str(d, "number")).str(str(d, "exporter"));
        money(w, d.get("amount"));
        w.u32(u32(d, "exportDate")).hash(str(d, last));
    }

    static void mortgageContent(Canonical.Writer w, Map<String, Object> b, boolean signatures) {
        w.str(str(b, "unitNumber")).key(str(b, "mortgagee"));
        List<Object> ms = list(b.get("mortgagors"));
        w.u32(ms.size());
        for (Object x : ms) {
            identity(w, obj(x));
            if (signatures) {
                Object s = obj(x).get("signature");
                w.bytes(s == null ? new byte[0] : Canonical.HEX.parseHex((String) s));
            }
        }
        debtor(w, obj(b.get("debtor")));
        money(w, b.get("principal"));
        day(w, str(obj(b.get("term")), "start"));
        day(w, str(obj(b.get("term")), "end"));
        String type = str(b, "mortgageType");
        w.u8(type.equals("general") ? 1 : type.equals("maximumAmount") ? 2 : fail("mortgageType: " + type));
        w.hash(str(b, "contractHash"));
    }

    static int fail(String why) { throw new IllegalArgumentException(why); }

    static final String[] PARAMETERS = {"timeoutProposeMs", "timeoutProposeDeltaMs", "timeoutPrevoteMs", "timeoutPrevoteDeltaMs",
        "timeoutPrecommitMs", "timeoutPrecommitDeltaMs", "emptyBlockIntervalMs", "minBlockIntervalMs", "maxBlockTransactions"};

    /** A governance action: str(type), then its fields (docs/transactions.md, "Governance"). */
    public static void action(Canonical.Writer w, Map<String, Object> a) {
        String type = str(a, "type");
        w.str(type);
        switch (type) {
            case "member.add": {
                w.str(str(a, "name")).str(str(a, "role"));
                List<Object> auth = a.containsKey("authorities") ? list(a.get("authorities")) : List.of();
                w.u32(auth.size());
                for (Object x : auth) w.str((String) x);
                w.key(str(a, "publicKey")).str(str(a, "address")).u64(u64(a, "power"));
                break;
            }
            case "member.remove": w.str(str(a, "name")); break;
            case "member.rotateKey": w.str(str(a, "name")).key(str(a, "newPublicKey")); break;
            case "validator.setPower": w.str(str(a, "name")).u64(u64(a, "power")); break;
            case "parameters.set":
                for (String f : PARAMETERS) w.i64(i64(obj(a.get("parameters")), f));
                break;
            case "rules.set": {
                Map<String, Object> r = obj(a.get("rules"));
                w.u64(u64(r, "thresholdNumerator")).u64(u64(r, "thresholdDenominator")).i64(i64(r, "votingPeriodMs")).str(str(r, "proposers"));
                break;
            }
            case "limits.set": {
                Map<String, Object> l = obj(a.get("limits"));
                w.u64(u64(l, "maxOpenProposalsPerMember")).u64(u64(l, "maxDescriptionBytes")).i64(i64(l, "closedRetentionMs"));
                break;
            }
            case "member.setNode": w.str(str(a, "name")).str(str(a, "node")); break;
            case "greylist.addVrfKey": {
                String k = str(a, "vrfKey");
                if (!k.startsWith("ecvrf-p256:") || k.length() != 11 + 66) throw new IllegalArgumentException("vrfKey: ecvrf-p256:<66 hex>");
                byte[] proof = Canonical.HEX.parseHex(str(a, "proof"));
                if (proof.length != 81) throw new IllegalArgumentException("proof: the key's proof of possession, 162 hex digits");
                w.bytes(Canonical.HEX.parseHex(k.substring(11))).bytes(proof);
                break;
            }
            case "greylist.setParameters": {
                Map<String, Object> g = obj(a.get("parameters"));
                w.i64(i64(g, "entryLifetimeMs")).i64(i64(g, "checkAnswerWindowMs")).i64(i64(g, "checkRecordLifetimeMs"));
                w.u64(u64(g, "maxChecksPerBankPerDay")).u64(u64(g, "maxPendingReportsPerBank")).u64(u64(g, "maxPendingAppealsPerBank"));
                break;
            }
            default: throw new IllegalArgumentException("unknown governance action " + type);
        }
    }

    /** The canonical body of a transaction of `type` from its JSON form. */
    public static byte[] body(String type, Map<String, Object> b) {
        Canonical.Writer w = new Canonical.Writer();
        switch (type) {
            case "property.register": {
                w.str(str(b, "unitNumber")).str(str(b, "titleCertificateNumber"));
                List<Object> owners = list(b.get("owners"));
                w.u32(owners.size());
                for (Object o : owners) {
                    identity(w, obj(o));
                    w.key(str(obj(o), "publicKey"));
                }
                w.u64(u64(b, "area")).str(str(b, "use"));
                break;
            }
            case "property.seize": case "property.release": w.str(str(b, "unitNumber")).str(str(b, "courtOrder")); break;
            case "mortgage.apply": mortgageContent(w, b, true); break;
            case "mortgage.approve": case "mortgage.discharge": case "mortgage.registerDischarge": w.hash(str(b, "applicationId")); break;
            case "mortgage.reject": w.hash(str(b, "applicationId")).str(str(b, "reason")); break;
            case "enterprise.register": w.str(str(b, "creditCode")).str(str(b, "name")).key(str(b, "publicKey")); break;
            case "declaration.publish": {
                List<Object> ds = list(b.get("declarations"));
                w.u32(ds.size());
                for (Object d : ds) declaration(w, obj(d), "commitment");
                break;
            }
            case "financing.record": {
                w.str(str(b, "exporter"));
                money(w, b.get("amount"));
                List<Object> ps = list(b.get("pledges"));
                w.u32(ps.size());
                for (Object p : ps) {
                    declaration(w, obj(obj(p).get("declaration")), "documentDigest");
                    money(w, obj(p).get("amount"));
                }
                break;
            }
            case "financing.repay": w.hash(str(b, "financingId")); money(w, b.get("amount")); break;
            case "authorization.grant": w.key(str(b, "bank")).i64(i64(b, "expiresAt")); break;
            case "authorization.revoke": w.key(str(b, "bank")); break;
            case "creditQuery.record": w.str(str(b, "enterprise")).str(str(b, "purpose")); break;
            case "governance.propose": action(w, obj(b.get("action"))); w.str(str(b, "description")); break;
            case "governance.vote": {
                Object approve = b.get("approve");
                if (!(approve instanceof Boolean)) throw new IllegalArgumentException("approve: true or false");
                w.u64(u64(b, "proposal")).u8((Boolean) approve ? 1 : 0);
                break;
            }
            case "greylist.report": subject(w, b.get("subject")).u8(tag(CATEGORIES, str(b, "category"))).hash(str(b, "evidenceHash")); break;
            case "greylist.review": {
                w.hash(str(b, "report"));
                if (str(b, "decision").equals("publish")) w.u8(1).u8(tag(CATEGORIES, str(b, "category")));
                else if (str(b, "decision").equals("reject")) w.u8(2).u8(tag(REJECTIONS, str(b, "reason")));
                else throw new IllegalArgumentException("decision: publish or reject");
                w.hash(str(b, "decisionHash"));
                break;
            }
            case "greylist.renew": subject(w, b.get("subject")); break;
            case "greylist.withdraw": subject(w, b.get("subject")).u8(tag(WITHDRAWALS, str(b, "reason"))).hash(str(b, "decisionHash")); break;
            case "greylist.appeal": subject(w, b.get("subject")).hash(str(b, "evidenceHash")); break;
            case "greylist.decideAppeal": w.hash(str(b, "appeal")).u8(bool(b, "upheld") ? 1 : 0).hash(str(b, "decisionHash")); break;
            case "greylist.check": {
                List<Object> ss = list(b.get("subjects"));
                w.u32(ss.size());
                for (Object x : ss) subject(w, x);
                w.u8(tag(PURPOSES, str(b, "purpose")));
                break;
            }
            case "greylist.outcome": w.hash(str(b, "check")).u8(bool(b, "stopped") ? 1 : 0); break;
            case "greylist.sweep": {
                List<Object> es = list(b.get("entries")), cs = list(b.get("checks"));
                w.u32(es.size());
                for (Object x : es) subject(w, x);
                w.u32(cs.size());
                for (Object x : cs) w.hash((String) x);
                break;
            }
            case "greylist.rekey": {
                List<Object> ms = list(b.get("moves"));
                w.u32(ms.size());
                for (Object m : ms) subject(subject(w, obj(m).get("from")), obj(m).get("to"));
                break;
            }
            case "greylist.retireKey": w.u32(u32(b, "keyVersion")); break;
            default: throw new IllegalArgumentException("unknown transaction type " + type);
        }
        return w.toBytes();
    }

    // The grey-list's fixed lists (docs/greylist.md): u8 tag 1, 2, ... in this order.
    static final List<String> CATEGORIES = List.of("fraudAccountOpening", "accountTrading", "falseIdentity", "moneyLaundering", "shellEnterprise");
    static final List<String> REJECTIONS = List.of("insufficientEvidence", "notSuspicious", "wrongSubject", "duplicate");
    static final List<String> WITHDRAWALS = List.of("reporterRetracted", "supervisorDecision", "error", "appealUpheld");
    static final List<String> PURPOSES = List.of("accountOpening", "customerReview");

    static int tag(List<String> names, String name) {
        int i = names.indexOf(name);
        if (i < 0) throw new IllegalArgumentException("one of " + names + ", not " + name);
        return i + 1;
    }

    static boolean bool(Map<String, Object> m, String k) {
        Object v = m.get(k);
        if (!(v instanceof Boolean)) throw new IllegalArgumentException(k + ": true or false");
        return (Boolean) v;
    }

    /** A grey-list subject: u32(keyVersion) ‖ hash(pseudonym). */
    static Canonical.Writer subject(Canonical.Writer w, Object s) {
        return w.u32(u32(obj(s), "keyVersion")).hash(str(obj(s), "pseudonym"));
    }

    public static final String[] TYPES = {"property.register", "property.seize", "property.release", "mortgage.apply",
        "mortgage.approve", "mortgage.reject", "mortgage.discharge", "mortgage.registerDischarge", "enterprise.register",
        "declaration.publish", "financing.record", "financing.repay", "authorization.grant", "authorization.revoke",
        "creditQuery.record", "governance.propose", "governance.vote", "greylist.report", "greylist.review", "greylist.renew",
        "greylist.withdraw", "greylist.appeal", "greylist.decideAppeal", "greylist.check", "greylist.outcome", "greylist.sweep",
        "greylist.rekey", "greylist.retireKey"};

    /** What each mortgagor of a mortgage.apply body signs. */
    public static byte[] consentBytes(String chainId, Map<String, Object> body) {
        Canonical.Writer w = new Canonical.Writer().str(CONSENT_TAG).str(chainId).str("mortgage.apply");
        mortgageContent(w, body, false);
        return w.toBytes();
    }

    /** nonce is the u64's bit pattern: Long.parseUnsignedLong("18446744073709551615") is -1L. */
    public static byte[] signingBytes(String chainId, String type, byte[] body, String signer, long nonce) {
        return new Canonical.Writer().str(TX_TAG).str(chainId).str(type).bytes(body).key(signer).u64(nonce).toBytes();
    }

    public static String commitment(Map<String, Object> held) {
        Canonical.Writer w = new Canonical.Writer().str(COMMITMENT_TAG);
        declaration(w, held, "documentDigest");
        return Canonical.HEX.formatHex(Canonical.sha256(w.toBytes()));
    }

    public static final class Signed {
        public final Map<String, Object> envelope;
        public final String hash;
        Signed(Map<String, Object> envelope, String hash) { this.envelope = envelope; this.hash = hash; }
    }

    static final SecureRandom RANDOM = new SecureRandom();

    /** The envelope POST /v1/txs takes, and the transaction's hash; a random nonce when none is given. */
    public static Signed sign(Keys.Ed25519 key, String chainId, String type, Map<String, Object> body, Long nonce)
            throws GeneralSecurityException {
        long n = nonce != null ? nonce : RANDOM.nextLong();
        byte[] b = body(type, body);
        byte[] message = signingBytes(chainId, type, b, key.publicText, n);
        Map<String, Object> env = new LinkedHashMap<>();
        env.put("type", type);
        env.put("body", Canonical.HEX.formatHex(b));
        env.put("signer", key.publicText);
        env.put("nonce", Long.toUnsignedString(n));  // never Long.toString: a nonce above 2^63-1 would print negative
        env.put("signature", Canonical.HEX.formatHex(key.sign(message)));
        return new Signed(env, Canonical.HEX.formatHex(Canonical.sha256(message)));
    }
}
