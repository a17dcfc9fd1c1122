package yongchain;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Every transaction type of both applications and governance against a live chain, each result read back from
 * every node; verification queries by signed request and in an API session; and a proven answer checked offline
 * from the genesis file, at least as new as the client's own last write.
 */
final class Flow {
    final List<NodeClient> nodes = new ArrayList<>();
    final Keys.Ed25519 registry, authority, bank;
    final Map<String, Object> genesis;
    final String chain;
    /** The possession proofs of RFC 9381's Example 10 and 12 keys on this chain (docs/greylist.md), made by the caller. */
    final List<String> vrfProofs = new ArrayList<>();
    final Main tally = new Main();
    long height;
    int turn;

    Flow(Map<String, List<String>> opts) throws Exception {
        genesis = Main.readJson(opts.get("genesis").get(0));
        // Over TLS, any member's node key from genesis is accepted, as the yongchain CLI does with YONGCHAIN_GENESIS.
        List<byte[]> pins = new ArrayList<>();
        for (Object o : Json.list(genesis.get("organizations"))) pins.add(Keys.rawOf(Json.str(Json.obj(o), "publicKey")));
        for (String u : opts.get("node")) nodes.add(new NodeClient(u, pins));
        registry = Keys.Ed25519.fromPem(Path.of(opts.get("registry").get(0)));
        authority = Keys.Ed25519.fromPem(Path.of(opts.get("trade-authority").get(0)));
        bank = Keys.Ed25519.fromPem(Path.of(opts.get("bank").get(0)));
        chain = Json.str(genesis, "chainId");
        vrfProofs.addAll(opts.getOrDefault("vrf-proof", List.of()));
        while (vrfProofs.size() < 2) vrfProofs.add("");
        String status = Json.str(nodes.get(0).get("/v1/status").json(), "chainId");
        if (!status.equals(chain)) throw new IllegalStateException("the node is of chain " + status + ", the genesis file's is " + chain);
    }

    NodeClient node() { return nodes.get(turn++ % nodes.size()); }

    static Map<String, Object> map(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }
    static Map<String, Object> money(long minor, String currency) { return map("minorUnits", BigInteger.valueOf(minor), "currency", currency); }

    String submit(Keys.Ed25519 key, String type, Map<String, Object> body, String expect) throws Exception {
        return submit(key, type, body, expect, null);
    }

    String submit(Keys.Ed25519 key, String type, Map<String, Object> body, String expect, Long nonce) throws Exception {
        Transactions.Signed s = Transactions.sign(key, chain, type, body, nonce);
        NodeClient n = node();
        NodeClient.Answer a = n.post("/v1/txs?wait=commit&timeoutMs=20000", s.envelope);
        Map<String, Object> j = a.json();
        tally.check(a.status == 200 && s.hash.equals(j.get("hash")), type + ": HTTP " + a.status + " " + Json.write(j) + " (our hash " + s.hash + ")");
        if (j.get("height") instanceof BigInteger) height = Math.max(height, ((BigInteger) j.get("height")).longValue());
        // A retry of the same envelope is safe (docs/transactions.md, "Retries"): one that waits gets the committed
        // outcome again from any node; one that does not, sent to a node that has committed it, gets 409.
        NodeClient.Answer again = node().post("/v1/txs?wait=commit&timeoutMs=20000", s.envelope);
        tally.check(again.status == 200 && j.get("code") != null && j.get("code").equals(again.json().get("code")) && j.get("height").equals(again.json().get("height")),
            type + ": a retry that waits answers " + again.status + " " + new String(again.body, StandardCharsets.UTF_8));
        NodeClient.Answer replay = n.post("/v1/txs", s.envelope);
        tally.check(replay.status == 409 && "TX_ALREADY_COMMITTED".equals(replay.code()), type + ": a replay answers " + replay.status);
        Set<Object> seen = new HashSet<>();
        for (NodeClient each : nodes) seen.add(each.get("/v1/txs/" + s.hash + "?minHeight=" + height + "&timeoutMs=15000").code());
        tally.check(seen.equals(Set.of(expect)), type + ": expected " + expect + " on every node, nodes say " + seen);
        System.out.printf("tx   %-27s %-22s height=%-4s %s%n", type, j.get("code"), j.get("height"), s.hash);
        return s.hash;
    }

    Map<String, Object> read(Keys.Ed25519 key, String target) throws Exception {
        String t = target + (target.contains("?") ? "&" : "?") + "minHeight=" + height;
        NodeClient.Answer a = node().signed(key, chain, "GET", t, null);
        tally.check(a.status == 200, "GET " + t + ": HTTP " + a.status + " " + new String(a.body, StandardCharsets.UTF_8));
        System.out.println("read GET " + target.split("\\?")[0] + " -> HTTP " + a.status);
        return a.json();
    }

    int run() throws Exception {
        System.out.println("chain " + chain + ", " + nodes.size() + " nodes" + (nodes.get(0).base.startsWith("https://") ? ", TLS 1.3 with the genesis keys pinned" : ""));
        Keys.Ed25519[] owners = {Keys.Ed25519.fromSeed(fill(31)), Keys.Ed25519.fromSeed(fill(32))};
        Keys.Ed25519 enterprise = Keys.Ed25519.fromSeed(fill(41));
        // Numbers of this run's own, so the flow runs again on the same chain.
        String run = String.format("%05d", System.currentTimeMillis() / 1000 % 100000);
        String unit = "320505001001GB" + run + "F00010031", title = "苏(2021)苏州市不动产权第" + run + "号";
        // The registry draws each owner's salt and gives it to them with the title certificate; on chain, only the
        // commitment. The owners hand identity and salt to the bank, which computes the same commitments.
        String[] people = {"11010519491231002X", "110105198001010016"};
        List<Map<String, Object>> ids = new ArrayList<>(), guessed = new ArrayList<>();
        List<Object> ownerList = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            byte[] salt = new byte[16], wrong = new byte[16];
            Transactions.RANDOM.nextBytes(salt);
            Transactions.RANDOM.nextBytes(wrong);
            ids.add(map("commitment", Transactions.personCommitment(people[i], salt)));
            guessed.add(map("commitment", Transactions.personCommitment(people[i], wrong)));
            Map<String, Object> o = new LinkedHashMap<>(ids.get(i));
            o.put("publicKey", owners[i].publicText);
            ownerList.add(o);
        }
        // Nonce 2^64 - 1: a u64, which a Java long holds as -1 (docs/transactions.md, "Nonce").
        submit(registry, "property.register", map("unitNumber", unit, "titleCertificateNumber", title, "owners", ownerList,
            "area", BigInteger.valueOf(8950), "use", "residential"), "OK", Long.parseUnsignedLong("18446744073709551615"));
        // A bank with the owners' identities but not their salts names nobody.
        submit(bank, "mortgage.apply", application(unit, guessed, owners, "contract j0"), "NOT_OWNER");
        String appId = submit(bank, "mortgage.apply", application(unit, ids, owners, "contract j1"), "OK");
        submit(registry, "mortgage.approve", map("applicationId", appId), "OK");
        Map<String, Object> view = Json.obj(read(bank, "/v1/mortgage/applications/" + appId).get("result"));
        tally.check("registered".equals(view.get("state")) && BigInteger.ONE.equals(view.get("priority")), "approved: " + Json.write(view));
        // The title, by its Chinese certificate number: the target is signed exactly as it is sent, percent-encoded.
        // The owner by commitment: the right salt matches; a wrong one is answered exactly as a stranger is.
        String verify = "/v1/mortgage/titles/verify?certificate=" + NodeClient.pct(title) + "&owner=";
        Map<String, Object> t = Json.obj(read(bank, verify + ids.get(0).get("commitment")).get("result"));
        tally.check(Boolean.TRUE.equals(t.get("match")), "title verified: " + Json.write(t));
        Map<String, Object> w = Json.obj(read(bank, verify + guessed.get(0).get("commitment")).get("result"));
        tally.check(w.size() == 2 && Boolean.FALSE.equals(w.get("match")) && title.equals(w.get("titleCertificateNumber")), "a wrong salt: " + Json.write(w));
        submit(bank, "mortgage.discharge", map("applicationId", appId), "OK");
        submit(registry, "mortgage.registerDischarge", map("applicationId", appId), "OK");
        String second = submit(bank, "mortgage.apply", application(unit, ids, owners, "contract j2"), "OK");
        submit(registry, "mortgage.reject", map("applicationId", second, "reason", "产权人身份证已过期"), "OK");
        submit(registry, "property.seize", map("unitNumber", unit, "courtOrder", "(2021)苏05执31号"), "OK");
        submit(registry, "property.release", map("unitNumber", unit, "courtOrder", "(2021)苏05执32号"), "OK");

        String exporter = "91310000MA1F" + run;
        exporter += Identifiers.creditCodeCheck(exporter);
        tally.check(Identifiers.isCreditCode(exporter), "the exporter's credit code is valid");
        submit(authority, "enterprise.register", map("creditCode", exporter, "name", "Exporter J Ltd", "publicKey", enterprise.publicText), "OK");
        List<Map<String, Object>> held = new ArrayList<>();
        long[] amounts = {100000, 250000};
        for (int i = 0; i < 2; i++) {
            held.add(map("number", "2231202100" + run + "00" + i, "exporter", exporter, "amount", money(amounts[i], "USD"),
                "exportDate", BigInteger.valueOf(20210315), "documentDigest", Canonical.HEX.formatHex(Canonical.sha256(("j declaration " + i).getBytes()))));
        }
        List<Object> published = new ArrayList<>();
        for (Map<String, Object> d : held) {
            Map<String, Object> p = new LinkedHashMap<>(d);
            p.remove("documentDigest");
            p.put("commitment", Transactions.commitment(d));
            published.add(p);
        }
        submit(authority, "declaration.publish", map("declarations", published), "OK");
        List<Object> items = new ArrayList<>();
        for (Map<String, Object> d : held) items.add(map("number", d.get("number"), "fields", d));
        byte[] precheckBody = Json.write(map("declarations", items)).getBytes(StandardCharsets.UTF_8);
        NodeClient.Answer pre = node().signed(bank, chain, "POST", "/v1/trade/precheck", precheckBody);
        tally.check(pre.status == 200 && Json.write(pre.json()).contains("\"code\":\"OK\""), "precheck: " + new String(pre.body, StandardCharsets.UTF_8));
        String financing = submit(bank, "financing.record", map("exporter", exporter, "amount", money(300000, "USD"), "pledges",
            List.of(map("declaration", held.get(0), "amount", money(100000, "USD")), map("declaration", held.get(1), "amount", money(200000, "USD")))), "OK");
        submit(bank, "financing.record", map("exporter", exporter, "amount", money(1000, "USD"), "pledges",
            List.of(map("declaration", held.get(0), "amount", money(1000, "USD")))), "DUPLICATE_FINANCING");
        submit(bank, "financing.repay", map("financingId", financing, "amount", money(120000, "USD")), "OK");
        submit(enterprise, "authorization.grant", map("bank", bank.publicText, "expiresAt", BigInteger.valueOf(System.currentTimeMillis() + 86_400_000L)), "OK");
        String query = submit(bank, "creditQuery.record", map("enterprise", exporter, "purpose", "pre-loan review 贷前审查"), "OK");

        // An API session: one signed handshake, then HMACs; the node's answer signed by its genesis key.
        NodeClient n = nodes.get(0);
        String nodeKey = null;
        String nodeUrl = n.base;
        for (Object o : Json.list(genesis.get("organizations"))) if (nodeUrl.equals(Json.obj(o).get("address"))) nodeKey = (String) Json.obj(o).get("publicKey");
        NodeClient.Session session = n.new Session(bank, chain, nodeKey);
        String recordTarget = "/v1/trade/enterprises/" + exporter + "/credit-record?queryId=" + query + "&minHeight=" + height;
        NodeClient.Answer rec = session.send("GET", recordTarget, null);
        Map<String, Object> record = rec.status == 200 ? Json.obj(rec.json().get("result")) : Map.of();
        List<Object> totals = record.containsKey("totals") ? Json.list(record.get("totals")) : List.of();
        tally.check(totals.size() == 1 && BigInteger.valueOf(180000).equals(Json.obj(totals.get(0)).get("outstanding")),
            "credit record in a session: HTTP " + rec.status + " " + new String(rec.body, StandardCharsets.UTF_8));
        NodeClient.Answer enc = session.send("GET", "/v1/mortgage/units/" + unit + "/encumbrances", null);
        tally.check(enc.status == 200, "a second request in the session: HTTP " + enc.status);

        // The same record, proven, checked offline from genesis: at least as new as our last write.
        NodeClient.Answer proven = node().signed(bank, chain, "GET", recordTarget + "&prove=true", null);
        try {
            ProofVerifier.Verdict v = ProofVerifier.verifyAnswer(proven.body, genesis, height, 600_000, System.currentTimeMillis());
            tally.check(v.outcome.result != null, "the proven credit record is a result");
            System.out.println("proven credit record at height " + v.bundle.height + ", " + v.bundle.entries + " entries");
        } catch (ProofVerifier.Failure f) {
            tally.check(false, "the proven credit record: " + f.getMessage());
        }
        NodeClient.Answer absent = node().signed(bank, chain, "GET", "/v1/mortgage/units/320505001001GB" + run + "F00010039/encumbrances?prove=true", null);
        try {
            ProofVerifier.Verdict v = ProofVerifier.verifyAnswer(absent.body, genesis, null, -1, 0);
            tally.check(absent.status == 404 && "NOT_FOUND".equals(v.outcome.code), "a proven absence");
        } catch (ProofVerifier.Failure f) {
            tally.check(false, "the proven absence: " + f.getMessage());
        }
        submit(enterprise, "authorization.revoke", map("bank", bank.publicText), "OK");

        // Governance: propose the default rules (passing them changes nothing) and vote with every key we hold.
        Map<String, Object> rules = map("thresholdNumerator", BigInteger.TWO, "thresholdDenominator", BigInteger.valueOf(3),
            "votingPeriodMs", BigInteger.valueOf(604800000L), "proposers", "members");
        submit(bank, "governance.propose", map("action", map("type", "rules.set", "rules", rules), "description", "java client"), "OK");
        List<Object> open = Json.list(Json.obj(read(bank, "/v1/governance/proposals?status=open&limit=200").get("result")).get("proposals"));
        tally.check(!open.isEmpty(), "the new proposal is listed as open");
        if (!open.isEmpty()) {
            Map<String, Object> proposal = Json.obj(open.get(open.size() - 1));
            Set<Object> voters = new HashSet<>();
            for (Object v : Json.list(proposal.get("voters"))) voters.add(Json.obj(v).get("publicKey"));
            boolean voted = false;
            for (Keys.Ed25519 k : new Keys.Ed25519[] {registry, authority, bank}) {
                if (voters.contains(k.publicText) && !voted) {
                    submit(k, "governance.vote", map("proposal", proposal.get("id"), "approve", Boolean.TRUE), "OK");
                    voted = true;
                }
            }
            tally.check(voted, "one of our keys votes on the proposal");
        }
        greylist();
        return tally.done();
    }

    /** Proposes `action` as the bank and votes it through with every key the flow holds. */
    void govern(Map<String, Object> action) throws Exception {
        submit(bank, "governance.propose", map("action", action, "description", "java client: " + action.get("type")), "OK");
        List<Object> open = Json.list(Json.obj(read(bank, "/v1/governance/proposals?status=open&limit=200").get("result")).get("proposals"));
        Map<String, Object> proposal = Json.obj(open.get(open.size() - 1));
        Set<Object> voters = new HashSet<>();
        for (Object v : Json.list(proposal.get("voters"))) voters.add(Json.obj(v).get("publicKey"));
        for (Keys.Ed25519 k : new Keys.Ed25519[] {registry, authority, bank}) {
            if (voters.contains(k.publicText)) submit(k, "governance.vote", map("proposal", proposal.get("id"), "approve", Boolean.TRUE), "OK");
        }
        Object status = Json.obj(read(registry, "/v1/governance/proposals/" + proposal.get("id")).get("result")).get("status");
        tally.check("passed".equals(status), action.get("type") + " passed: " + status);
    }

    static String digest(String text) { return Canonical.HEX.formatHex(Canonical.sha256(text.getBytes(StandardCharsets.UTF_8))); }

    /**
     * The grey-list (docs/greylist.md): a supervisor holding greylist and a VRF key admitted by governance, then every
     * grey-list type. The chain cannot tell a pseudonym from any 32 bytes, so the flow uses hashes; RFC 9381's example
     * public keys stand for the supervisor's keys.
     */
    void greylist() throws Exception {
        Keys.Ed25519 supervisor = Keys.Ed25519.fromSeed(fill(51));
        govern(map("type", "member.add", "name", "central-bank", "role", "supervisor", "authorities", List.of("greylist"),
            "publicKey", supervisor.publicText, "address", "https://127.0.0.1:9", "power", BigInteger.ZERO));
        govern(map("type", "greylist.addVrfKey", "vrfKey", "ecvrf-p256:0360fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6",
            "proof", vrfProofs.get(0)));
        Map<String, Object> v1 = map("keyVersion", BigInteger.ONE, "pseudonym", digest("java subject v1"));
        Map<String, Object> v2 = map("keyVersion", BigInteger.TWO, "pseudonym", digest("java subject v2"));
        String report = submit(bank, "greylist.report", map("subject", v1, "category", "accountTrading", "evidenceHash", digest("case")), "OK");
        submit(supervisor, "greylist.review", map("report", report, "decision", "publish", "category", "accountTrading", "decisionHash", digest("review")), "OK");
        submit(supervisor, "greylist.renew", map("subject", v1), "OK");
        String appeal = submit(bank, "greylist.appeal", map("subject", v1, "evidenceHash", digest("submission")), "OK");
        submit(supervisor, "greylist.decideAppeal", map("appeal", appeal, "upheld", Boolean.FALSE, "decisionHash", digest("decision")), "OK");
        String check = submit(bank, "greylist.check", map("subjects", List.of(v1), "purpose", "accountOpening"), "OK");
        submit(bank, "greylist.outcome", map("check", check, "stopped", Boolean.TRUE), "OK");
        // A check record is kept at least a minute of block time: sweeping it now is refused.
        submit(supervisor, "greylist.sweep", map("entries", List.of(), "checks", List.of(check)), "GREYLIST_NOT_EXPIRED");
        govern(map("type", "greylist.addVrfKey", "vrfKey", "ecvrf-p256:03596375e6ce57e0f20294fc46bdfcfd19a39f8161b58695b3ec5b3d16427c274d",
            "proof", vrfProofs.get(1)));
        submit(supervisor, "greylist.rekey", map("moves", List.of(map("from", v1, "to", v2))), "OK");
        submit(supervisor, "greylist.withdraw", map("subject", v2, "reason", "supervisorDecision", "decisionHash", digest("withdrawal")), "OK");
        submit(supervisor, "greylist.retireKey", map("keyVersion", BigInteger.ONE), "OK");
    }

    Map<String, Object> application(String unit, List<Map<String, Object>> ids, Keys.Ed25519[] owners, String contract) throws Exception {
        List<Object> mortgagors = new ArrayList<>();
        for (Map<String, Object> id : ids) mortgagors.add(new LinkedHashMap<>(id));
        Map<String, Object> body = map("unitNumber", unit, "mortgagee", bank.publicText, "mortgagors", mortgagors,
            "debtor", map("creditCode", "91320505MA1XXXXX0T", "name", "Suzhou Widget Co., Ltd."),
            "principal", money(150000000, "CNY"), "term", map("start", "2021-06-01", "end", "2031-05-31"),
            "mortgageType", "general", "contractHash", Canonical.HEX.formatHex(Canonical.sha256(contract.getBytes(StandardCharsets.UTF_8))));
        byte[] consent = Transactions.consentBytes(chain, body);  // each owner signs this on their own device
        for (int i = 0; i < owners.length; i++) Json.obj(mortgagors.get(i)).put("signature", Canonical.HEX.formatHex(owners[i].sign(consent)));
        return body;
    }

    static byte[] fill(int b) {
        byte[] s = new byte[32];
        java.util.Arrays.fill(s, (byte) b);
        return s;
    }
}
