package yongchain;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A bank's grey-list check (docs/greylist.md, "The check"): the VRF input of an identity, question 9's answer
 * rebuilt from proven entries (docs/proofs.md, "9 — grey-list check"), and steps 2 and 3 of "What the answer
 * proves" — the record is this bank's and holds exactly the pseudonyms step 1 gave, each proven the applicant's
 * under the chain's key of its version.
 */
public final class Greylist {
    static final String[] CATEGORIES = {null, "fraudAccountOpening", "accountTrading", "falseIdentity", "moneyLaundering", "shellEnterprise"};
    static final String[] PURPOSES = {null, "accountOpening", "customerReview"};
    static final long DEFAULT_ANSWER_WINDOW_MS = 600_000;

    /** alpha = str("yongchain/greylist-subject/v1") ‖ str(chainId) ‖ u8(idType) ‖ str(idNumber); idType residentId or creditCode. */
    public static byte[] alpha(String chainId, String idType, String idNumber) {
        int type;
        if ("residentId".equals(idType) && Identifiers.isResidentId(idNumber)) type = 1;
        else if ("creditCode".equals(idType) && Identifiers.isCreditCode(idNumber)) type = 2;
        else throw new IllegalArgumentException("not a residentId or creditCode identity: " + idType + " " + idNumber);
        return new Canonical.Writer().str("yongchain/greylist-subject/v1").str(chainId).u8(type).str(idNumber).toBytes();
    }

    static String tag(String[] names, int t) {
        if (t < 1 || t >= names.length) throw new Canonical.Reader.Malformed("a tag of 1 to " + (names.length - 1) + ", not " + t);
        return names[t];
    }

    /** Question 9 for check C asked by bank key K, at the header's time. */
    static Answers.Outcome answer(Answers.State s, Map<String, Object> f, long time) throws ProofVerifier.Failure {
        String check = (String) f.get("checkId");
        // greylist/check/<C>: str bank ‖ list(subject) ‖ u8 purpose ‖ u64 height ‖ i64 time ‖ bool hit ‖ u8 outcome.
        Object[] record = Answers.load(s, "greylist/check/" + check, r -> {
            String bank = r.str(1024);
            List<Object[]> subjects = new ArrayList<>();
            for (long n = r.count(2); n > 0; n--) subjects.add(new Object[] {r.u32(), r.hashHex()});
            Object[] v = {bank, subjects, tag(PURPOSES, r.u8()), r.u64(), r.i64()};
            r.bool();
            if (r.u8() > 2) throw new Canonical.Reader.Malformed("outcome: 0, 1 or 2");
            return v;
        });
        Map<String, Object> member = record == null ? null : Answers.member(s, (String) f.get("bank"));
        if (member == null || !member.get("name").equals(record[0])) return Answers.Outcome.refused("UNKNOWN_CHECK");
        Long window = Answers.load(s, "greylist/parameters", r -> {
            r.i64();
            long w = r.i64();
            r.i64(); r.u64(); r.u64(); r.u64();
            return w;
        });
        long recorded = (long) record[4];
        try {
            if (time >= Math.addExact(recorded, window == null ? DEFAULT_ANSWER_WINDOW_MS : window)) return Answers.Outcome.refused("CHECK_EXPIRED");
        } catch (ArithmeticException pastTheRange) {
            // A deadline past the i64 range never comes.
        }
        List<Object> keys = Answers.load(s, "greylist/keys", r -> {
            List<Object> k = new ArrayList<>();
            for (long n = r.count(2); n > 0; n--) {
                long version = r.u32();
                String key = "ecvrf-p256:" + Canonical.HEX.formatHex(r.bytes(33));
                long from = r.u64();
                r.u64(); r.u64(); r.u64();
                k.add(Answers.obj("keyVersion", Answers.n(version), "vrfKey", key, "fromHeight", Answers.u(from)));
            }
            return k;
        });
        List<Object> subjects = new ArrayList<>();
        boolean listed = false;
        @SuppressWarnings("unchecked") List<Object[]> asked = (List<Object[]>) record[1];
        for (Object[] subject : asked) {
            long v = (long) subject[0];
            Object[] e = Answers.load(s, "greylist/entry/" + v + "/" + subject[1],
                r -> new Object[] {tag(CATEGORIES, r.u8()), r.i64(), r.i64(), r.bool()});
            if (e == null) {
                subjects.add(Answers.obj("keyVersion", Answers.n(v), "pseudonym", subject[1], "listed", false));
                continue;
            }
            boolean in = time < (long) e[2];
            listed |= in;
            subjects.add(Answers.obj("keyVersion", Answers.n(v), "pseudonym", subject[1], "listed", in, "category", e[0],
                "since", Answers.n((long) e[1]), "expiresAt", Answers.n((long) e[2]), "underAppeal", e[3]));
        }
        return Answers.Outcome.of(Answers.obj("check", check, "bank", record[0], "purpose", record[2], "checkedHeight", Answers.u((long) record[3]),
            "checkedTime", Answers.n(recorded), "listed", listed, "subjects", subjects, "keys", keys == null ? new ArrayList<>() : keys));
    }

    /**
     * Steps 2 and 3: `result` is a proven answer to question 9 (step 1, the bundle, already verified), `given` the
     * pseudonyms of step 1 for the applicant (objects {"keyVersion", "pseudonym", "proof"}). Returns whether the
     * applicant is listed; throws PROOF_ANSWER_MISMATCH (another bank's record, other pseudonyms), VRF_PROOF_INVALID
     * (a pseudonym that is not the applicant's under the chain's key of its version) or VRF_PROOF_MALFORMED.
     */
    public static boolean verify(Map<String, Object> result, String bank, String chainId, String idType, String idNumber, List<Object> given)
            throws ProofVerifier.Failure {
        if (!bank.equals(result.get("bank"))) throw new ProofVerifier.Failure("PROOF_ANSWER_MISMATCH", "the check record is " + result.get("bank") + "'s, not " + bank + "'s");
        Set<String> mine = new HashSet<>(), recorded = new HashSet<>();
        for (Object p : given) mine.add(Json.obj(p).get("keyVersion") + "/" + Json.obj(p).get("pseudonym"));
        for (Object p : Json.list(result.get("subjects"))) recorded.add(Json.obj(p).get("keyVersion") + "/" + Json.obj(p).get("pseudonym"));
        if (!mine.equals(recorded) || mine.size() != given.size()) {
            throw new ProofVerifier.Failure("PROOF_ANSWER_MISMATCH", "the check record's pseudonyms are not the ones the applicant was given");
        }
        byte[] alpha = alpha(chainId, idType, idNumber);
        for (Object x : given) {
            Map<String, Object> p = Json.obj(x);
            String key = null;
            for (Object k : Json.list(result.get("keys"))) if (Json.obj(k).get("keyVersion").equals(p.get("keyVersion"))) key = (String) Json.obj(k).get("vrfKey");
            if (key == null || !key.matches("ecvrf-p256:[0-9a-f]{66}")) {
                throw new ProofVerifier.Failure("VRF_PROOF_INVALID", "the chain holds no VRF key version " + p.get("keyVersion"));
            }
            String proof = (String) p.get("proof");
            if (proof == null || !proof.matches("([0-9a-f]{2})*")) throw new ProofVerifier.Failure("VRF_PROOF_MALFORMED", "a proof is 162 hex digits");
            try {
                byte[] beta = ECVRF.verify(Canonical.HEX.parseHex(key.substring(11)), alpha, Canonical.HEX.parseHex(proof));
                if (!Canonical.HEX.formatHex(beta).equals(p.get("pseudonym"))) {
                    throw new ProofVerifier.Failure("VRF_PROOF_INVALID", "the proof's output is not the pseudonym given");
                }
            } catch (ECVRF.Failure e) {
                throw new ProofVerifier.Failure(e.code.equals("VRF_KEY_INVALID") ? "VRF_PROOF_INVALID" : e.code,
                    "the pseudonym under version " + p.get("keyVersion") + " is not the applicant's: " + e.getMessage());
            }
        }
        return Boolean.TRUE.equals(result.get("listed"));
    }
}
