package yongchain;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** A proven answer checked offline from the genesis file alone: docs/proofs.md. */
public final class ProofVerifier {
    /** Why an answer is not proven; code is one of docs/proofs.md's failure codes. */
    public static final class Failure extends Exception {
        private static final long serialVersionUID = 1L;
        public final String code;
        public Failure(String code, String message) { super(code + ": " + message); this.code = code; }
    }

    static Failure fail(String code, String message) { return new Failure(code, message); }

    // --- the state tree -------------------------------------------------------------------------------------

    static final byte[] ZERO = new byte[32];

    public static byte[] keyHash(byte[] key) {
        return Canonical.sha256(new Canonical.Writer().str("yongchain/state-key/v1").raw(key).toBytes());
    }

    static boolean bit(byte[] h, int i) { return (h[i / 8] & (0x80 >>> (i % 8))) != 0; }

    /** A state proof: siblings from the root down, then the terminal (null: empty; else keyHash and valueHash). */
    static final class StateProof {
        byte[][] siblings;
        byte[] leafKeyHash, leafValueHash;

        static StateProof read(Canonical.Reader r) {
            StateProof p = new StateProof();
            int d = r.u16();
            if (d > 256) throw new Canonical.Reader.Malformed("depth " + d);
            byte[] bitmap = r.raw((d + 7) / 8);
            p.siblings = new byte[d][];
            for (int i = 0; i < bitmap.length * 8; i++) {
                boolean set = bit(bitmap, i);
                if (i >= d) { if (set) throw new Canonical.Reader.Malformed("bitmap bit beyond the depth"); continue; }
                p.siblings[i] = set ? r.raw(32) : ZERO;
                if (set && Arrays.equals(p.siblings[i], ZERO)) throw new Canonical.Reader.Malformed("a non-empty sibling of zeros");
            }
            int t = r.u8();
            if (t == 1) { p.leafKeyHash = r.raw(32); p.leafValueHash = r.raw(32); } else if (t != 0) throw new Canonical.Reader.Malformed("terminal " + t);
            return p;
        }

        /** Steps 1-3 of "Verifying (root, key, value-or-absent)". */
        boolean verify(byte[] root, byte[] key, byte[] value) {
            int d = siblings.length;
            byte[] kh = keyHash(key);
            if (leafKeyHash != null) for (int i = 0; i < d; i++) if (bit(leafKeyHash, i) != bit(kh, i)) return false;
            byte[] cur = leafKeyHash == null ? ZERO : Canonical.sha256(new byte[] {0}, leafKeyHash, leafValueHash);
            for (int i = d - 1; i >= 0; i--) {
                cur = bit(kh, i) ? Canonical.sha256(new byte[] {1}, siblings[i], cur) : Canonical.sha256(new byte[] {1}, cur, siblings[i]);
            }
            if (!Arrays.equals(cur, root)) return false;
            boolean thisKey = leafKeyHash != null && Arrays.equals(leafKeyHash, kh);
            if (value == null) return !thisKey;
            return thisKey && Arrays.equals(leafValueHash, Canonical.sha256(value));
        }
    }

    // --- headers, sets, certificates ---------------------------------------------------------------------------

    static final class Header {
        String chainId;
        long height, time;
        byte[] stateRoot, validatorsHash, nextValidatorsHash, hash;

        static Header read(Canonical.Reader r) {
            int start = r.position();
            Header h = new Header();
            h.chainId = r.str(256);
            h.height = r.u64();
            h.time = r.i64();
            r.raw(32); r.raw(32); r.raw(32); r.raw(32);  // previous block, last commit, tx root, results
            h.stateRoot = r.raw(32);
            h.validatorsHash = r.raw(32);
            h.nextValidatorsHash = r.raw(32);
            r.key();  // proposer
            h.hash = Canonical.sha256(r.slice(start));
            return h;
        }
    }

    static final class ValidatorSet {
        final List<byte[]> keys = new ArrayList<>();
        final List<Long> powers = new ArrayList<>();
        byte[] hash;

        static ValidatorSet read(Canonical.Reader r) {
            int start = r.position();
            ValidatorSet s = new ValidatorSet();
            long n = r.count(1000);
            if (n < 1) throw new Canonical.Reader.Malformed("an empty validator set");
            for (long i = 0; i < n; i++) {
                r.str(1024);
                s.keys.add(Keys.rawOf(r.key()));
                long power = r.u64();
                if (power < 1 || power > 1_000_000_000L) throw new Canonical.Reader.Malformed("power " + Long.toUnsignedString(power));
                s.powers.add(power);
            }
            s.hash = Canonical.sha256(r.slice(start));
            return s;
        }

        /** The genesis set: organisations with power > 0, in file order, named as there. */
        static ValidatorSet genesis(Map<String, Object> g) {
            Canonical.Writer w = new Canonical.Writer();
            List<Object[]> vs = new ArrayList<>();
            for (Object o : Json.list(g.get("organizations"))) {
                Map<String, Object> org = Json.obj(o);
                BigInteger power = Json.integer(org, "power", BigInteger.ZERO, BigInteger.valueOf(1_000_000_000L));
                if (power.signum() > 0) vs.add(new Object[] {Json.str(org, "name"), Json.str(org, "publicKey"), power});
            }
            w.u32(vs.size());
            for (Object[] v : vs) w.str((String) v[0]).key((String) v[1]).u64((BigInteger) v[2]);
            return read(new Canonical.Reader(w.toBytes()));
        }

        long total() { return powers.stream().mapToLong(Long::longValue).sum(); }
    }

    static final class Certificate {
        long height, round;
        byte[] blockHash;
        final List<Integer> indices = new ArrayList<>();
        final List<byte[]> signatures = new ArrayList<>();

        static Certificate read(Canonical.Reader r) {
            Certificate c = new Certificate();
            c.height = r.u64();
            c.round = r.u32();
            c.blockHash = r.raw(32);
            for (long n = r.count(1000); n > 0; n--) {
                c.indices.add(r.u16());
                c.signatures.add(r.bytes(256));
            }
            return c;
        }

        /** Certifies h with set: height and hash match, indices known and distinct, every signature verifies, power ≥ ⌊total·2/3⌋+1. */
        void certify(Header h, ValidatorSet set, String chainId, String what) throws Failure {
            if (height != h.height || !Arrays.equals(blockHash, h.hash)) throw fail("PROOF_BAD_CERTIFICATE", what + ": the certificate is for another block");
            Set<Integer> seen = new HashSet<>();
            long power = 0;
            for (int k = 0; k < indices.size(); k++) {
                int i = indices.get(k);
                if (i >= set.keys.size() || !seen.add(i)) throw fail("PROOF_BAD_CERTIFICATE", what + ": validator index " + i);
                byte[] precommit = new Canonical.Writer().str("yongchain/vote/v1").str(chainId).u8(2).u64(height).u32(round).u8(1)
                    .raw(blockHash).u16(i).toBytes();
                if (!Keys.verify(set.keys.get(i), precommit, signatures.get(k))) throw fail("PROOF_BAD_CERTIFICATE", what + ": signature of validator " + i);
                power += set.powers.get(i);
            }
            if (power < set.total() * 2 / 3 + 1) throw fail("PROOF_BAD_CERTIFICATE", what + ": " + power + " of " + set.total() + " power");
        }
    }

    // --- the bundle -----------------------------------------------------------------------------------------

    /** What a verified bundle establishes: the header's height, time and hash, the set, and the proven entries. */
    public static final class Verified {
        public long height, time;
        public String blockHash;
        public int changes, entries;
        final Map<String, byte[]> proven = new HashMap<>();  // key (ISO-8859-1 of its bytes) → value, or ABSENT
    }

    static final byte[] ABSENT = new byte[0];

    public static Verified verifyBundle(byte[] bundle, Map<String, Object> genesis) throws Failure {
        String chainId = Json.str(genesis, "chainId");
        Canonical.Reader r = new Canonical.Reader(bundle);
        List<Object[]> changes = new ArrayList<>();
        Header header;
        Certificate certificate;
        List<Object[]> entries = new ArrayList<>();
        ValidatorSet trusted;
        try {
            trusted = ValidatorSet.genesis(genesis);
            if (r.u8() != 1) throw new Canonical.Reader.Malformed("bundle version");
            for (long n = r.count(100_000); n > 0; n--) changes.add(new Object[] {Header.read(r), Certificate.read(r), ValidatorSet.read(r)});
            header = Header.read(r);
            certificate = Certificate.read(r);
            for (long n = r.count(10_000); n > 0; n--) {
                byte[] key = r.bytes(1024);
                byte[] value = r.bool() ? r.bytes(1 << 20) : null;
                entries.add(new Object[] {key, value, StateProof.read(r)});
            }
            r.end();
        } catch (Canonical.Reader.Malformed | IllegalArgumentException e) {
            throw fail("PROOF_MALFORMED", "bundle: " + e.getMessage());
        }
        long after = 0;
        int k = 0;
        for (Object[] c : changes) {
            Header h = (Header) c[0];
            String what = "validator-set change " + (++k);
            certify(h, (Certificate) c[1], trusted, chainId, after, what);
            ValidatorSet next = (ValidatorSet) c[2];
            if (!Arrays.equals(h.nextValidatorsHash, next.hash) || Arrays.equals(next.hash, trusted.hash)) {
                throw fail("PROOF_WRONG_VALIDATORS", what + " does not name its new set");
            }
            trusted = next;
            after = h.height;
        }
        certify(header, certificate, trusted, chainId, after, "the answer's header");
        Verified v = new Verified();
        for (Object[] e : entries) {
            String key = new String((byte[]) e[0], StandardCharsets.ISO_8859_1);
            if (v.proven.containsKey(key)) throw fail("PROOF_BAD_STATE", "a key appears twice");
            if (!((StateProof) e[2]).verify(header.stateRoot, (byte[]) e[0], (byte[]) e[1])) {
                throw fail("PROOF_BAD_STATE", "the proof of " + new String((byte[]) e[0], StandardCharsets.UTF_8) + " does not lead to the state root");
            }
            v.proven.put(key, e[1] == null ? ABSENT : (byte[]) e[1]);
        }
        v.height = header.height;
        v.time = header.time;
        v.blockHash = Canonical.HEX.formatHex(header.hash);
        v.changes = changes.size();
        v.entries = entries.size();
        return v;
    }

    static void certify(Header h, Certificate c, ValidatorSet trusted, String chainId, long after, String what) throws Failure {
        if (!h.chainId.equals(chainId)) throw fail("PROOF_WRONG_CHAIN", what + " is of chain " + h.chainId);
        if (Long.compareUnsigned(h.height, after) <= 0) throw fail("PROOF_WRONG_VALIDATORS", what + " is not after height " + after);
        if (!Arrays.equals(h.validatorsHash, trusted.hash)) throw fail("PROOF_WRONG_VALIDATORS", what + " names another validator set");
        c.certify(h, trusted, chainId, what);
    }

    // --- the answer -----------------------------------------------------------------------------------------

    public static final class Verdict {
        public Verified bundle;
        public Answers.Outcome outcome;
        public Answers.Query query;
    }

    /**
     * Verifies a node's whole response body: strict JSON, the bundle from genesis, the envelope's height and block,
     * the answer rebuilt from the proven entries, then freshness (minHeight: null for none; maxAgeMs: -1 for none).
     */
    public static Verdict verifyAnswer(byte[] response, Map<String, Object> genesis, Long minHeight, long maxAgeMs, long now) throws Failure {
        Map<String, Object> top;
        Map<String, Object> proof;
        byte[] query, bundle;
        try {
            top = Json.obj(Json.parse(response));
            proof = Json.obj(top.get("proof"));
            if (proof == null) throw fail("PROOF_MALFORMED", "the answer carries no proof");
            if (!"yongchain/proof/v1".equals(proof.get("format"))) throw fail("PROOF_MALFORMED", "another proof format");
            query = Base64.getDecoder().decode(Json.str(proof, "query"));
            bundle = Base64.getDecoder().decode(Json.str(proof, "bundle"));
        } catch (Json.Malformed | ClassCastException | IllegalArgumentException e) {
            throw fail("PROOF_MALFORMED", e.getMessage());
        }
        Verdict v = new Verdict();
        try { v.query = Answers.decode(query); } catch (Canonical.Reader.Malformed | IllegalArgumentException e) { throw fail("PROOF_MALFORMED", "query: " + e.getMessage()); }
        v.bundle = verifyBundle(bundle, genesis);
        if (!new BigInteger(Long.toUnsignedString(v.bundle.height)).equals(top.get("height")) || !v.bundle.blockHash.equals(top.get("blockHash"))) {
            throw fail("PROOF_ANSWER_MISMATCH", "the answer names another height or block than the proof");
        }
        Map<String, byte[]> proven = v.bundle.proven;
        try {
            v.outcome = Answers.answer(v.query, key -> {
                byte[] value = proven.get(new String(Canonical.utf8(key), StandardCharsets.ISO_8859_1));
                if (value == null) throw fail("PROOF_UNPROVEN_READ", "the answer needs " + key + ", which the bundle does not prove");
                return value == ABSENT ? null : value;
            }, v.bundle.time);
        } catch (RuntimeException e) {  // a pre-check question whose JSON is not a request
            throw fail("PROOF_MALFORMED", "query: " + e);
        }
        if (v.outcome.result != null) {
            if (top.containsKey("error") || !v.outcome.result.equals(top.get("result"))) throw fail("PROOF_ANSWER_MISMATCH", "the proven state gives another answer");
        } else {
            Object error = top.get("error");
            Object code = error instanceof Map ? Json.obj(error).get("code") : null;
            if (top.containsKey("result") || !v.outcome.code.equals(code)) throw fail("PROOF_ANSWER_MISMATCH", "the proven state gives the refusal " + v.outcome.code);
        }
        if (minHeight != null && Long.compareUnsigned(v.bundle.height, minHeight) < 0) {
            throw fail("PROOF_HEIGHT_TOO_LOW", "proven at height " + Long.toUnsignedString(v.bundle.height));
        }
        if (maxAgeMs >= 0 && v.bundle.time < now) {
            long age;
            try { age = Math.subtractExact(now, v.bundle.time); } catch (ArithmeticException e) { age = Long.MAX_VALUE; }
            if (age > maxAgeMs) throw fail("PROOF_TOO_OLD", "the block is " + age + " ms old");
        }
        return v;
    }
}
