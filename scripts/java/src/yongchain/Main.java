package yongchain;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Yongchain client in Java (JDK 17, nothing else), written from docs/transactions.md, docs/api-auth.md and
 * docs/proofs.md alone.
 *
 * <pre>
 * java -cp OUT yongchain.Main vectors docs/transaction-vectors.json
 *     rebuild every body, consent, signing-bytes string, hash, signature and envelope from the JSON bodies and seeds
 * java -cp OUT yongchain.Main proof-vectors docs/proof-vectors.json docs/proof-answer-vectors.json
 *     fold every state proof, verify every bundle and every proven answer from genesis, decode every question;
 *     verify each grey-list check against its applicant (and refuse it for another)
 * java -cp OUT yongchain.Main vrf-vectors docs/vrf-vectors.json
 *     verify RFC 9381's ECVRF-P256-SHA256-TAI examples and the grey-list subjects, refuse every bad input with its code
 * java -cp OUT yongchain.Main verify --genesis GENESIS [--min-height H] [--max-age SECONDS] ANSWER
 *     check a node's answer given with ?prove=true, offline: exit 0 proven, 1 not (with its code)
 * java -cp OUT yongchain.Main status --node URL [--pin ed25519:HEX ...]
 *     GET /v1/status; an https:// node must present one of the pinned keys (exit 1 otherwise)
 * java -cp OUT yongchain.Main flow --node URL [--node URL ...] --registry PEM --trade-authority PEM --bank PEM --genesis GENESIS
 *     [--vrf-proof HEX --vrf-proof HEX]
 *     every transaction type, signed reads, a session, and a proven answer verified offline, against a live chain;
 *     --vrf-proof: the possession proofs of RFC 9381's Example 10 and 12 keys on that chain (greylist.addVrfKey)
 * java -cp OUT yongchain.Main greylist-check --node URL --bank PEM --genesis GENESIS --subject residentId:NUMBER|creditCode:CODE
 *     a bank's grey-list check, each step verified: LISTED or NOT LISTED, proven (exit 1 with the refusal's code otherwise)
 * </pre>
 * vectors, proof-vectors, vrf-vectors and flow end with "N passed, N failed"; every command exits 1 on any failure.
 */
public final class Main {
    int passed, failed;

    boolean check(boolean ok, String what) {
        if (ok) passed++; else { failed++; System.out.println("FAIL " + what); }
        return ok;
    }

    int done() {
        System.out.println(passed + " passed, " + failed + " failed");
        return failed == 0 ? 0 : 1;
    }

    static Map<String, Object> readJson(String path) throws Exception { return Json.obj(Json.parse(Files.readAllBytes(Path.of(path)))); }
    static byte[] unhex(Object s) { return Canonical.HEX.parseHex((String) s); }

    public static void main(String[] argv) throws Exception {
        if (argv.length == 0) { System.out.println("commands: vectors, proof-vectors, vrf-vectors, verify, status, flow, greylist-check (see Main.java)"); System.exit(2); }
        Map<String, List<String>> opts = new LinkedHashMap<>();
        List<String> positional = new ArrayList<>();
        for (int i = 1; i < argv.length; i++) {
            if (argv[i].startsWith("--") && i + 1 < argv.length) opts.computeIfAbsent(argv[i].substring(2), k -> new ArrayList<>()).add(argv[++i]);
            else positional.add(argv[i]);
        }
        Main m = new Main();
        int exit;
        switch (argv[0]) {
            case "vectors": exit = m.transactionVectors(readJson(positional.get(0))); break;
            case "proof-vectors": exit = m.proofVectors(readJson(positional.get(0)), readJson(positional.get(1))); break;
            case "vrf-vectors": exit = m.vrfVectors(readJson(positional.get(0))); break;
            case "verify": exit = verify(opts, positional.get(0)); break;
            case "flow": exit = new Flow(opts).run(); break;
            case "greylist-check": exit = GreylistCheck.run(opts); break;
            case "status": exit = status(opts); break;
            default: System.out.println("unknown command " + argv[0]); exit = 2;
        }
        System.exit(exit);
    }

    // --- docs/transaction-vectors.json ------------------------------------------------------------------------

    int transactionVectors(Map<String, Object> doc) throws Exception {
        String chain = Json.str(doc, "chainId");
        Map<String, Keys.Ed25519> keys = new LinkedHashMap<>();
        for (Map.Entry<String, Object> k : Json.obj(doc.get("keys")).entrySet()) {
            Keys.Ed25519 key = Keys.Ed25519.fromSeed(unhex(Json.obj(k.getValue()).get("seed")));
            keys.put(k.getKey(), key);
            check(key.publicText.equals(Json.obj(k.getValue()).get("publicKey")), "key " + k.getKey());
        }
        List<Object> txs = Json.list(doc.get("transactions"));
        for (Object c : Json.list(doc.get("consents"))) {
            Map<String, Object> consent = Json.obj(c);
            Map<String, Object> body = null;
            for (Object t : txs) if (Json.obj(t).get("type").equals(consent.get("transaction"))) body = Json.obj(Json.obj(t).get("body"));
            byte[] bytes = Transactions.consentBytes(chain, body);
            check(Canonical.HEX.formatHex(bytes).equals(consent.get("consentBytesHex")), "consent bytes of " + consent.get("key"));
            check(Canonical.HEX.formatHex(keys.get((String) consent.get("key")).sign(bytes)).equals(consent.get("signature")), "consent signature of " + consent.get("key"));
        }
        for (Object x : txs) {
            Map<String, Object> t = Json.obj(x);
            String type = Json.str(t, "type");
            long nonce = Long.parseUnsignedLong(Json.str(t, "nonce"));
            Transactions.Signed s = Transactions.sign(keys.get((String) t.get("signer")), chain, type, Json.obj(t.get("body")), nonce);
            check(s.envelope.get("body").equals(t.get("bodyHex")), type + " body");
            byte[] message = Transactions.signingBytes(chain, type, unhex(s.envelope.get("body")), (String) s.envelope.get("signer"), nonce);
            check(Canonical.HEX.formatHex(message).equals(t.get("signingBytesHex")), type + " signing bytes");
            check(s.hash.equals(t.get("hash")), type + " hash");
            check(s.envelope.equals(t.get("envelope")), type + " envelope");
            if (type.equals("declaration.publish")) {
                // Each published commitment, from the fields a financing pledges.
                for (Object y : txs) {
                    if (!Json.obj(y).get("type").equals("financing.record")) continue;
                    for (Object p : Json.list(Json.obj(Json.obj(y).get("body")).get("pledges"))) {
                        Map<String, Object> held = Json.obj(Json.obj(p).get("declaration"));
                        for (Object d : Json.list(Json.obj(t.get("body")).get("declarations"))) {
                            if (Json.obj(d).get("number").equals(held.get("number"))) {
                                check(Transactions.commitment(held).equals(Json.obj(d).get("commitment")), "commitment of " + held.get("number"));
                            }
                        }
                    }
                }
            }
        }
        for (Object a : Json.list(doc.get("governanceActions"))) {
            Canonical.Writer w = new Canonical.Writer();
            Transactions.action(w, Json.obj(Json.obj(a).get("json")));
            check(Canonical.HEX.formatHex(w.toBytes()).equals(Json.obj(a).get("bytesHex")), "governance action " + Json.obj(a).get("type"));
        }
        // People on chain only as commitments of identity and salt; every form of an identity and a debtor.
        for (Object x : Json.list(doc.get("personCommitments"))) {
            Map<String, Object> c = Json.obj(x);
            check(Transactions.personCommitment(Json.str(c, "idNumber"), unhex(c.get("salt"))).equals(c.get("commitment")), "commitment of " + c.get("idNumber"));
        }
        for (Object x : Json.list(doc.get("identities"))) {
            Map<String, Object> i = Json.obj(x);
            Canonical.Writer w = new Canonical.Writer();
            if ("debtor".equals(i.get("kind"))) Transactions.debtor(w, Json.obj(i.get("json")));
            else Transactions.identity(w, Json.obj(i.get("json")));
            check(Canonical.HEX.formatHex(w.toBytes()).equals(i.get("bytesHex")), i.get("kind") + " " + Json.write(i.get("json")));
        }
        System.out.println(txs.size() + " transaction types checked");
        return done();
    }

    // --- docs/proof-vectors.json and docs/proof-answer-vectors.json ---------------------------------------------

    int proofVectors(Map<String, Object> core, Map<String, Object> answers) throws Exception {
        byte[] root = unhex(core.get("stateRoot"));
        for (Object x : Json.list(core.get("proofs"))) {
            Map<String, Object> p = Json.obj(x);
            byte[] key = Json.str(p, "key").getBytes(StandardCharsets.UTF_8);
            byte[] value = null;
            for (Object s : Json.list(core.get("state"))) if (Json.obj(s).get("key").equals(p.get("key"))) value = unhex(Json.obj(s).get("valueHex"));
            Canonical.Reader r = new Canonical.Reader(unhex(p.get("proofHex")));
            ProofVerifier.StateProof proof = ProofVerifier.StateProof.read(r);
            r.end();
            check(proof.verify(root, key, value) && (value != null) == Boolean.TRUE.equals(p.get("present")), "state proof of " + p.get("key"));
            check(value == null || !proof.verify(root, key, null), "a present key's proof does not prove it absent: " + p.get("key"));
        }
        Map<String, Object> genesis = new LinkedHashMap<>();
        genesis.put("chainId", core.get("chainId"));
        genesis.put("organizations", core.get("validators"));
        check(Canonical.HEX.formatHex(ProofVerifier.ValidatorSet.genesis(genesis).hash).equals(core.get("validatorsHash")), "the genesis set's hash");
        ProofVerifier.Verified b = ProofVerifier.verifyBundle(unhex(core.get("bundleHex")), genesis);
        check(b.blockHash.equals(Json.obj(core.get("header")).get("hash")), "the bundle's header");
        ProofVerifier.Verified c = ProofVerifier.verifyBundle(unhex(Json.obj(core.get("validatorSetChange")).get("bundleHex")), genesis);
        check(c.changes == 1 && c.height == 9, "the bundle through a validator-set change");

        Map<String, Object> g = Json.obj(answers.get("genesis"));
        for (Object x : Json.list(answers.get("questions"))) {
            Map<String, Object> q = Json.obj(x);
            Answers.Query decoded = Answers.decode(unhex(q.get("hex")));
            Map<String, Object> want = Json.obj(q.get("fields"));
            boolean same = true;
            for (Map.Entry<String, Object> f : decoded.fields.entrySet()) {
                Object mine = f.getValue() instanceof Integer ? BigInteger.valueOf((Integer) f.getValue()) : f.getValue();
                same &= mine.equals(want.containsKey(f.getKey()) ? want.get(f.getKey()) : Json.NULL);
            }
            check(same, "question " + q.get("question") + ": decoded " + decoded.fields + ", the vectors say " + want);
        }
        long height = ((BigInteger) answers.get("height")).longValue();
        for (Object x : Json.list(answers.get("answers"))) {
            Map<String, Object> a = Json.obj(x);
            byte[] response = Json.str(a, "response").getBytes(StandardCharsets.UTF_8);
            try {
                ProofVerifier.Verdict v = ProofVerifier.verifyAnswer(response, g, height, -1, 0);
                check(v.bundle.changes == 1, a.get("what") + ": follows the validator-set change");
                check((v.outcome.result != null) == BigInteger.valueOf(200).equals(a.get("status")), a.get("what") + ": status");
            } catch (ProofVerifier.Failure f) {
                check(false, a.get("what") + ": " + f.getMessage());
            }
            // Tampering: a changed number, a number written with a fraction, a newer height demanded.
            String text = Json.str(a, "response");
            String lie = text.replaceFirst("\"height\":([0-9]+),\"time\"", "\"height\":$1000,\"time\"");
            if (!lie.equals(text)) check(code(lie, g, null) != null, a.get("what") + ": a changed answer is refused");
            check("PROOF_MALFORMED".equals(code(text.replaceFirst("\"height\":([0-9]+)", "\"height\":$1.0"), g, null)), a.get("what") + ": 10.0 is not 10");
            check("PROOF_HEIGHT_TOO_LOW".equals(code(text, g, height + 1)), a.get("what") + ": --min-height");
        }
        greylistVectors(Json.obj(answers.get("greylist")));
        return done();
    }

    /** Question 9: each check's proven answer, then steps 2 and 3 against its applicant; refused for anyone else. */
    void greylistVectors(Map<String, Object> part) throws Exception {
        Map<String, Object> g = Json.obj(part.get("genesis"));
        String chain = Json.str(part, "chainId");
        long height = ((BigInteger) part.get("height")).longValue();
        List<Object> checks = Json.list(part.get("checks"));
        List<Map<String, Object>> results = new ArrayList<>();
        List<List<Object>> given = new ArrayList<>();
        for (Object x : checks) {
            Map<String, Object> c = Json.obj(x);
            Map<String, Object> step1 = Json.obj(Json.parse(Json.str(Json.obj(c.get("pseudonyms")), "response").getBytes(StandardCharsets.UTF_8)));
            given.add(Json.list(Json.obj(Json.list(Json.obj(step1.get("result")).get("subjects")).get(0)).get("pseudonyms")));
            Map<String, Object> answer = Json.obj(c.get("answer"));
            try {
                ProofVerifier.Verdict v = ProofVerifier.verifyAnswer(Json.str(answer, "response").getBytes(StandardCharsets.UTF_8), g, null, -1, 0);
                results.add(v.outcome.result);
                check(v.outcome.result != null && v.query.fields.get("checkId").equals(c.get("checkId")), c.get("what") + ": a proven answer to its check");
            } catch (ProofVerifier.Failure f) {
                results.add(null);
                check(false, c.get("what") + ": " + f.getMessage());
            }
        }
        for (int i = 0; i < checks.size(); i++) {
            Map<String, Object> c = Json.obj(checks.get(i)), id = Json.obj(c.get("identity"));
            if (results.get(i) == null) continue;
            String bank = Json.str(Json.obj(c.get("answer")), "caller");
            try {
                boolean listed = Greylist.verify(results.get(i), bank, chain, Json.str(id, "idType"), Json.str(id, "idNumber"), given.get(i));
                check(listed == Boolean.TRUE.equals(c.get("listed")), c.get("what") + ": listed " + listed);
            } catch (ProofVerifier.Failure f) {
                check(false, c.get("what") + ": " + f.getMessage());
            }
            for (int j = 0; j < checks.size(); j++) {
                if (j == i) continue;
                Map<String, Object> other = Json.obj(Json.obj(checks.get(j)).get("identity"));
                check("VRF_PROOF_INVALID".equals(greylistCode(results.get(i), bank, chain, other, given.get(i))), c.get("what") + ": refused for another identity");
                check("PROOF_ANSWER_MISMATCH".equals(greylistCode(results.get(i), bank, chain, id, given.get(j))), c.get("what") + ": refused with another check's pseudonyms");
            }
            check("PROOF_ANSWER_MISMATCH".equals(greylistCode(results.get(i), "bank-a", chain, id, given.get(i))), c.get("what") + ": refused as another bank's");
        }
        for (Object x : Json.list(part.get("refused"))) {
            Map<String, Object> a = Json.obj(x);
            try {
                ProofVerifier.Verdict v = ProofVerifier.verifyAnswer(Json.str(a, "response").getBytes(StandardCharsets.UTF_8), g, height, -1, 0);
                check("UNKNOWN_CHECK".equals(v.outcome.code) && BigInteger.valueOf(404).equals(a.get("status")), a.get("what") + ": " + v.outcome.code);
            } catch (ProofVerifier.Failure f) {
                check(false, a.get("what") + ": " + f.getMessage());
            }
        }
    }

    static String greylistCode(Map<String, Object> result, String bank, String chain, Map<String, Object> id, List<Object> given) {
        try {
            Greylist.verify(result, bank, chain, Json.str(id, "idType"), Json.str(id, "idNumber"), given);
            return null;
        } catch (ProofVerifier.Failure f) {
            return f.code;
        }
    }

    // --- docs/vrf-vectors.json ----------------------------------------------------------------------------------

    int vrfVectors(Map<String, Object> doc) throws Exception {
        for (Object x : Json.list(doc.get("valid"))) {
            Map<String, Object> v = Json.obj(x);
            byte[] pk = unhex(v.get("pk")), alpha = unhex(v.get("alpha")), pi = unhex(v.get("pi"));
            try {
                check(Canonical.HEX.formatHex(ECVRF.verify(pk, alpha, pi)).equals(v.get("beta")), "example " + v.get("example") + ": beta");
                byte[][] huv = ECVRF.intermediates(pk, alpha, pi);
                check(Canonical.HEX.formatHex(huv[0]).equals(v.get("H")) && Canonical.HEX.formatHex(huv[1]).equals(v.get("U"))
                    && Canonical.HEX.formatHex(huv[2]).equals(v.get("V")), "example " + v.get("example") + ": H, U, V");
            } catch (ECVRF.Failure f) {
                check(false, "example " + v.get("example") + ": " + f.getMessage());
            }
        }
        for (Object x : Json.list(doc.get("greylistSubjects"))) {
            Map<String, Object> v = Json.obj(x);
            String idType = BigInteger.ONE.equals(v.get("idType")) ? "residentId" : "creditCode";
            byte[] alpha = Greylist.alpha(Json.str(v, "chainId"), idType, Json.str(v, "idNumber"));
            check(Canonical.HEX.formatHex(alpha).equals(v.get("alpha")), "alpha of " + v.get("idNumber"));
            try {
                check(Canonical.HEX.formatHex(ECVRF.verify(unhex(v.get("pk")), alpha, unhex(v.get("pi")))).equals(v.get("beta")), "pseudonym of " + v.get("idNumber"));
            } catch (ECVRF.Failure f) {
                check(false, "pseudonym of " + v.get("idNumber") + ": " + f.getMessage());
            }
        }
        int refused = 0;
        for (Object x : Json.list(doc.get("refused"))) {
            Map<String, Object> v = Json.obj(x);
            String code = null;
            try {
                ECVRF.verify(unhex(v.get("pk")), unhex(v.get("alpha")), unhex(v.get("pi")));
            } catch (ECVRF.Failure f) {
                code = f.code;
            }
            if (check(v.get("code").equals(code), "refused " + v.get("about") + ": " + code)) refused++;
        }
        System.out.println(refused + " bad inputs refused");
        return done();
    }

    static String code(String response, Map<String, Object> genesis, Long minHeight) {
        try {
            ProofVerifier.verifyAnswer(response.getBytes(StandardCharsets.UTF_8), genesis, minHeight, -1, 0);
            return null;
        } catch (ProofVerifier.Failure f) {
            return f.code;
        }
    }

    static int status(Map<String, List<String>> opts) throws Exception {
        List<byte[]> pins = new ArrayList<>();
        for (String p : opts.getOrDefault("pin", List.of())) pins.add(Keys.rawOf(p));
        try {
            NodeClient.Answer a = new NodeClient(opts.get("node").get(0), pins).get("/v1/status");
            System.out.println("HTTP " + a.status + " chain " + a.json().get("chainId") + " height " + a.json().get("height"));
            return a.status == 200 ? 0 : 1;
        } catch (java.io.IOException e) {
            System.out.println("REFUSED " + e);
            return 1;
        }
    }

    // --- verify ---------------------------------------------------------------------------------------------

    static int verify(Map<String, List<String>> opts, String file) throws Exception {
        Map<String, Object> genesis = readJson(opts.get("genesis").get(0));
        Long minHeight = opts.containsKey("min-height") ? Long.parseUnsignedLong(opts.get("min-height").get(0)) : null;
        long maxAge = opts.containsKey("max-age") ? Math.multiplyExact(Long.parseLong(opts.get("max-age").get(0)), 1000L) : -1;
        try {
            ProofVerifier.Verdict v = ProofVerifier.verifyAnswer(Files.readAllBytes(Path.of(file)), genesis, minHeight, maxAge, System.currentTimeMillis());
            System.out.println("PROVEN at height " + Long.toUnsignedString(v.bundle.height) + " (block " + v.bundle.blockHash + ", time " + v.bundle.time
                + "): " + (v.outcome.result != null ? Json.write(v.outcome.result) : "refused " + v.outcome.code));
            return 0;
        } catch (ProofVerifier.Failure f) {
            System.out.println("NOT PROVEN " + f.getMessage());
            return 1;
        }
    }
}
