package yongchain;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * `greylist-check`: a bank's whole check against a live chain (docs/greylist.md, "The check"), each step verified.
 * 1. its applicant's pseudonyms from the node (which has the supervisor's node compute them), each VRF proof
 *    checked for the alpha encoded here; 2. the greylist.check transaction, committed; 3. the proven answer,
 *    checked from the genesis file, then bound to this check, this bank and the applicant (`Greylist.verify`).
 * Prints LISTED or NOT LISTED with the height it is proven at; exit 1 with the refusal's code otherwise.
 */
final class GreylistCheck {
    static int run(Map<String, List<String>> opts) throws Exception {
        Map<String, Object> genesis = Main.readJson(opts.get("genesis").get(0));
        String chain = Json.str(genesis, "chainId");
        List<byte[]> pins = new ArrayList<>();
        for (Object o : Json.list(genesis.get("organizations"))) pins.add(Keys.rawOf(Json.str(Json.obj(o), "publicKey")));
        NodeClient node = new NodeClient(opts.get("node").get(0), pins);
        Keys.Ed25519 bank = Keys.Ed25519.fromPem(Path.of(opts.get("bank").get(0)));
        String[] subject = opts.get("subject").get(0).split(":", 2);
        String idType = subject[0], idNumber = subject.length > 1 ? subject[1] : "";
        byte[] alpha = Greylist.alpha(chain, idType, idNumber);
        try {
            // 1. Pseudonyms, each proof checked against the key the node names (step 3 checks that key is the chain's).
            String request = Json.write(Flow.map("subjects", List.of(Flow.map("idType", idType, "idNumber", idNumber))));
            NodeClient.Answer a = node.signed(bank, chain, "POST", "/v1/greylist/pseudonyms", request.getBytes(StandardCharsets.UTF_8));
            if (a.status != 200) throw new ProofVerifier.Failure(String.valueOf(a.code()), "no pseudonyms: HTTP " + a.status);
            Map<String, Object> result = Json.obj(a.json().get("result"));
            List<Object> given = Json.list(Json.obj(Json.list(result.get("subjects")).get(0)).get("pseudonyms"));
            List<Object> subjects = new ArrayList<>();
            for (Object x : given) {
                Map<String, Object> p = Json.obj(x);
                String key = null;
                for (Object k : Json.list(result.get("keys"))) if (Json.obj(k).get("keyVersion").equals(p.get("keyVersion"))) key = Json.str(Json.obj(k), "vrfKey");
                if (key == null || !key.startsWith("ecvrf-p256:")) throw new ProofVerifier.Failure("VRF_PROOF_INVALID", "no key named for version " + p.get("keyVersion"));
                byte[] beta = ECVRF.verify(Canonical.HEX.parseHex(key.substring(11)), alpha, Canonical.HEX.parseHex(Json.str(p, "proof")));
                if (!Canonical.HEX.formatHex(beta).equals(p.get("pseudonym"))) throw new ProofVerifier.Failure("VRF_PROOF_INVALID", "a pseudonym is not its proof's output");
                subjects.add(Flow.map("keyVersion", p.get("keyVersion"), "pseudonym", p.get("pseudonym")));
            }
            // 2. The check, on the record before it is answered.
            Transactions.Signed s = Transactions.sign(bank, chain, "greylist.check", Flow.map("subjects", subjects, "purpose", "accountOpening"), null);
            NodeClient.Answer committed = node.post("/v1/txs?wait=commit&timeoutMs=20000", s.envelope);
            if (committed.status != 200 || !"OK".equals(committed.json().get("code"))) {
                throw new ProofVerifier.Failure(String.valueOf(committed.json().get("code")), "the check was not committed: HTTP " + committed.status);
            }
            // 3. The answer, proven from genesis, to this check asked by this bank; then bound to the applicant.
            NodeClient.Answer answer = node.signed(bank, chain, "GET", "/v1/greylist/checks/" + s.hash + "?prove=true", null);
            ProofVerifier.Verdict v = ProofVerifier.verifyAnswer(answer.body, genesis, null, -1, System.currentTimeMillis());
            if (v.query.tag != 9 || !s.hash.equals(v.query.fields.get("checkId")) || !bank.publicText.equals(v.query.fields.get("bank"))) {
                throw new ProofVerifier.Failure("PROOF_ANSWER_MISMATCH", "the proven answer is not the answer to this check by this bank");
            }
            if (v.outcome.result == null) throw new ProofVerifier.Failure(v.outcome.code, "the check was refused, proven");
            // The question binds the record to this bank's key, and the answer to the name member/<key> holds.
            boolean listed = Greylist.verify(v.outcome.result, Json.str(v.outcome.result, "bank"), chain, idType, idNumber, given);
            String category = "";
            for (Object x : Json.list(v.outcome.result.get("subjects"))) if (Boolean.TRUE.equals(Json.obj(x).get("listed"))) category = ": " + Json.obj(x).get("category");
            System.out.println((listed ? "LISTED" + category : "NOT LISTED") + " (check " + s.hash + ", proven at height " + v.bundle.height
                + ", " + given.size() + " pseudonym(s) proven the applicant's under the chain's keys)");
            return 0;
        } catch (ProofVerifier.Failure | ECVRF.Failure f) {
            System.out.println("REFUSED " + f.getMessage());
            return 1;
        }
    }
}
