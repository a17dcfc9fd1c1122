package yongchain;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The nine provable questions and their answers, rebuilt from proven state entries alone: docs/proofs.md,
 * "Questions", "What an answer reads" and "Rebuilding each answer". Results are Json values (maps, lists,
 * strings, BigInteger, Boolean), compared with the node's by equals.
 */
public final class Answers {
    /** Proven state: get returns null for a key proven absent, and throws for a key the bundle does not cover. */
    public interface State { byte[] get(String key) throws ProofVerifier.Failure; }

    /** A result, or a refusal's code (only the code is proven). */
    public static final class Outcome {
        public final Map<String, Object> result;
        public final String code;
        Outcome(Map<String, Object> result, String code) { this.result = result; this.code = code; }
        static Outcome of(Map<String, Object> r) { return new Outcome(r, null); }
        static Outcome refused(String code) { return new Outcome(null, code); }
    }

    /** A question, decoded from proof.query. */
    public static final class Query {
        public final int tag;
        final Canonical.Reader r;
        public final Map<String, Object> fields = new LinkedHashMap<>();
        Query(int tag, Canonical.Reader r) { this.tag = tag; this.r = r; }
    }

    static final int MAX_PAGE = 1000;

    public static Query decode(byte[] bytes) {
        Canonical.Reader r = new Canonical.Reader(bytes);
        Query q = new Query(r.u8(), r);
        switch (q.tag) {
            case 1:
                q.fields.put("certificate", r.str(256));
                q.fields.putAll(identity(r));
                break;
            case 2: q.fields.put("unit", unit(r.str(64))); break;
            case 3: q.fields.put("certificate", r.str(256)); break;
            case 4: q.fields.put("id", r.hashHex()); break;
            case 5: {
                Object json;
                try { json = Json.parse(r.bytes(1 << 20)); } catch (Json.Malformed e) { throw new Canonical.Reader.Malformed("query.precheck: " + e.getMessage()); }
                q.fields.put("request", json);
                break;
            }
            case 6:
                q.fields.put("enterprise", r.str(64));
                q.fields.put("queryId", r.hashHex());
                q.fields.put("bank", r.key());
                q.fields.put("declarationsAfter", cursor(r));
                q.fields.put("financingsAfter", cursor(r));
                q.fields.put("limit", limit(r));
                break;
            case 7:
                q.fields.put("enterprise", r.str(64));
                q.fields.put("after", cursor(r));
                q.fields.put("limit", limit(r));
                break;
            case 8: q.fields.put("key", r.key()); break;
            case 9:
                q.fields.put("checkId", r.hashHex());
                q.fields.put("bank", r.key());
                break;
            default: throw new Canonical.Reader.Malformed("unknown question " + q.tag);
        }
        r.end();
        return q;
    }

    /** identity(x): u8 1 then a person's commitment, or u8 2 then an organisation's credit code; as its JSON object. */
    static Map<String, Object> identity(Canonical.Reader r) {
        int tag = r.u8();
        if (tag == 1) return obj("commitment", r.hashHex());
        if (tag == 2) {
            String code = r.str(64);
            if (!Identifiers.isCreditCode(code)) throw new Canonical.Reader.Malformed("not a credit code: " + code);
            return obj("creditCode", code);
        }
        throw new Canonical.Reader.Malformed("unknown identity type " + tag);
    }

    static String unit(String u) {
        if (!Identifiers.isUnitNumber(u)) throw new Canonical.Reader.Malformed("not a unit number: " + u);
        return u;
    }

    static Object cursor(Canonical.Reader r) {
        if (!r.bool()) return Json.NULL;
        String c = r.str(64);
        if (!c.matches("[0-9]{1,20}") || new BigInteger(c).compareTo(Canonical.U64_MAX) > 0) throw new Canonical.Reader.Malformed("a cursor: " + c);
        return c;
    }

    static int limit(Canonical.Reader r) {
        int n = r.u16();
        if (n < 1 || n > MAX_PAGE) throw new Canonical.Reader.Malformed("a limit of 1 to 1,000: " + n);
        return n;
    }

    // --- small helpers ----------------------------------------------------------------------------------------

    static BigInteger n(long v) { return BigInteger.valueOf(v); }
    static BigInteger u(long bits) { return new BigInteger(Long.toUnsignedString(bits)); }
    static String pad(long v, int width) {
        String s = Long.toUnsignedString(v);
        return "0".repeat(Math.max(0, width - s.length())) + s;
    }
    static String text(byte[] b) { return new String(b, StandardCharsets.UTF_8); }
    static Map<String, Object> obj(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) if (kv[i + 1] != null) m.put((String) kv[i], kv[i + 1]);
        return m;
    }
    static Map<String, Object> at(Canonical.Reader r) { return obj("height", u(r.u64()), "time", n(r.i64())); }
    static Map<String, Object> money(Canonical.Reader r) {
        long minor = r.i64();
        return obj("currency", r.str(8), "minorUnits", n(minor));
    }
    static String day(long yyyymmdd) { return String.format("%04d-%02d-%02d", yyyymmdd / 10000, yyyymmdd / 100 % 100, yyyymmdd % 100); }

    /** A stored value decoded by `f`, or null when absent or when it does not decode (docs/proofs.md). */
    interface Decoder<T> { T decode(Canonical.Reader r); }
    static <T> T load(State s, String key, Decoder<T> f) throws ProofVerifier.Failure {
        byte[] v = s.get(key);
        if (v == null) return null;
        try {
            Canonical.Reader r = new Canonical.Reader(v);
            T t = f.decode(r);
            r.end();
            return t;
        } catch (Canonical.Reader.Malformed e) {
            return null;
        }
    }

    // --- records ----------------------------------------------------------------------------------------------

    static final class Property { String unit; List<Map<String, Object>> owners = new ArrayList<>(); }

    static Property property(State s, String unit) throws ProofVerifier.Failure {
        return load(s, "property/" + unit, r -> {
            Property p = new Property();
            p.unit = r.str();
            r.str();  // title certificate number
            for (long i = r.count(16); i > 0; i--) {
                p.owners.add(identity(r));
                r.key();
            }
            r.u64();  // area
            r.str();  // use
            at(r);
            return p;
        });
    }

    /** member/<key>: str name ‖ str role ‖ list(str authority) ‖ publicKey ‖ str address [‖ u8 1 for a member node]. */
    static Map<String, Object> member(State s, String key) throws ProofVerifier.Failure {
        return load(s, "member/" + key, r -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", r.str());
            m.put("role", r.str());
            List<Object> authorities = new ArrayList<>();
            for (long i = r.count(1 << 20); i > 0; i--) authorities.add(r.str());
            m.put("authorities", authorities);
            m.put("publicKey", r.key());
            m.put("address", r.str(1024));
            if (!r.atEnd()) {
                if (r.u8() != 1) throw new Canonical.Reader.Malformed("member.node: 1 (member) or absent (full)");
                m.put("node", "member");
            }
            return m;
        });
    }

    static String memberName(State s, String key) throws ProofVerifier.Failure {
        Map<String, Object> m = member(s, key);
        return m == null ? null : (String) m.get("name");
    }

    /** bankName: the member's name; for a key that is no member, revoked/<key> is read too and the name is "". */
    static String bankName(State s, Map<String, String> cache, String key) throws ProofVerifier.Failure {
        if (cache.containsKey(key)) return cache.get(key);
        String name = memberName(s, key);
        if (name == null) {
            s.get("revoked/" + key);
            name = "";
        }
        cache.put(key, name);
        return name;
    }

    static final String[] STATES = {null, "pending", "registered", "rejected", "dischargeApplied", "discharged"};

    static Map<String, Object> mortgageView(State s, byte[] id) throws ProofVerifier.Failure {
        Map<String, Object> v = load(s, "mortgage/" + Canonical.HEX.formatHex(id), r -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("applicationId", r.hashHex());
            Canonical.Reader a = new Canonical.Reader(r.bytes(1 << 20));
            m.put("unitNumber", a.str(64));
            m.put("mortgagee", a.key());
            List<Object> mortgagors = new ArrayList<>();
            for (long i = a.count(16); i > 0; i--) {
                mortgagors.add(identity(a));
                a.bytes(256);
            }
            m.put("mortgagors", mortgagors);
            Map<String, Object> debtor = identity(a);
            if (debtor.containsKey("creditCode")) debtor.put("name", a.str());
            m.put("debtor", debtor);
            m.put("principal", money(a));
            m.put("term", obj("start", day(a.u32()), "end", day(a.u32())));
            int type = a.u8();
            m.put("mortgageType", type == 1 ? "general" : type == 2 ? "maximumAmount" : null);
            if (type != 1 && type != 2) throw new Canonical.Reader.Malformed("mortgage type");
            m.put("contractHash", a.hashHex());
            a.end();
            m.put("appliedAt", at(r));
            int state = r.u8();
            if (state < 1 || state > 5) throw new Canonical.Reader.Malformed("state");
            m.put("state", STATES[state]);
            if (r.bool()) m.put("decidedAt", at(r));
            if (r.bool()) m.put("certificateNumber", r.str(64));
            if (r.bool()) m.put("priority", n(r.u32()));
            if (r.bool()) m.put("rejectionReason", r.str());
            if (r.bool()) m.put("dischargeAppliedAt", at(r));
            if (r.bool()) m.put("dischargedAt", at(r));
            return m;
        });
        return withMortgageeName(s, v);
    }

    /** The view with "mortgageeName" when its mortgagee's key is a member's (read from member/<key>). */
    static Map<String, Object> withMortgageeName(State s, Map<String, Object> v) throws ProofVerifier.Failure {
        if (v == null) return null;
        String mortgageeName = memberName(s, (String) v.get("mortgagee"));
        if (mortgageeName != null) v.put("mortgageeName", mortgageeName);
        return v;
    }

    /** lien/<unit>/<priority>: the public part of a registered mortgage (no principal, debtor or contract). */
    static Map<String, Object> lienView(State s, String unit, long priority) throws ProofVerifier.Failure {
        Map<String, Object> v = load(s, "lien/" + unit + "/" + pad(priority, 6), r -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("applicationId", r.hashHex());
            m.put("unitNumber", unit);
            m.put("priority", n(priority));
            m.put("mortgagee", r.key());
            m.put("certificateNumber", r.str(64));
            int state = r.u8();
            if (state < 1 || state > 5) throw new Canonical.Reader.Malformed("state");
            m.put("state", STATES[state]);
            m.put("registeredAt", at(r));
            if (r.bool()) m.put("dischargeAppliedAt", at(r));
            if (r.bool()) m.put("dischargedAt", at(r));
            return m;
        });
        return withMortgageeName(s, v);
    }

    // --- the answers ------------------------------------------------------------------------------------------

    public static Outcome answer(Query q, State s, long time) throws ProofVerifier.Failure {
        Map<String, Object> f = q.fields;
        switch (q.tag) {
            case 1: {
                Map<String, Object> owner = new LinkedHashMap<>(f);
                owner.remove("certificate");
                return Outcome.of(title(s, (String) f.get("certificate"), owner));
            }
            case 2: return encumbrances(s, (String) f.get("unit"));
            case 3: {
                // certificate/<no>: its lien's unit and priority.
                String no = (String) f.get("certificate");
                byte[] ref = Canonical.utf8(no).length <= 64 ? s.get("certificate/" + no) : null;
                Map<String, Object> v = null;
                if (ref != null) {
                    Canonical.Reader r = new Canonical.Reader(ref);
                    String unit = r.str(64);
                    long priority = r.u32();
                    r.end();
                    if (Identifiers.isUnitNumber(unit)) v = lienView(s, unit, priority);
                }
                return v == null ? Outcome.refused("NOT_FOUND") : Outcome.of(v);
            }
            case 4: {
                Map<String, Object> v = mortgageView(s, Canonical.HEX.parseHex((String) f.get("id")));
                return v == null ? Outcome.refused("NOT_FOUND") : Outcome.of(v);
            }
            case 5: return Outcome.of(precheck(s, Json.obj(f.get("request"))));
            case 6: return creditRecord(s, f, time);
            case 7: return queryLog(s, (String) f.get("enterprise"), f.get("after"), (int) f.get("limit"));
            case 8: {
                Map<String, Object> m = member(s, (String) f.get("key"));
                return m == null ? Outcome.refused("NOT_FOUND") : Outcome.of(m);
            }
            case 9: return Greylist.answer(s, f, time);
            default: throw new IllegalStateException();
        }
    }

    static Map<String, Object> title(State s, String certificate, Map<String, Object> owner) throws ProofVerifier.Failure {
        boolean match = false;
        if (Canonical.utf8(certificate).length <= 64) {
            byte[] unit = s.get("property-title/" + certificate);
            if (unit != null && Identifiers.isUnitNumber(text(unit))) {
                Property p = property(s, text(unit));
                if (p != null) match = p.owners.contains(owner);
            }
        }
        return obj("titleCertificateNumber", certificate, "match", match);
    }

    static Outcome encumbrances(State s, String unit) throws ProofVerifier.Failure {
        Property p = property(s, unit);
        if (p == null) return Outcome.refused("NOT_FOUND");
        long[] status = load(s, "property-status/" + unit, r -> new long[] {r.u32(), r.u32(), r.bool() ? r.u32() : -1});
        if (status == null) status = new long[] {0, 0, -1};
        List<Object> mortgages = new ArrayList<>();
        for (long pr = 1; pr <= status[0]; pr++) {
            Map<String, Object> v = lienView(s, unit, pr);
            if (v != null) mortgages.add(v);
        }
        List<Object> seizures = new ArrayList<>();
        for (long k = 1; k <= status[1]; k++) {
            Map<String, Object> z = load(s, "seizure/" + unit + "/" + pad(k, 6), r -> {
                Map<String, Object> m = obj("courtOrder", r.str(100), "seizedAt", at(r));
                if (r.bool()) m.put("releaseCourtOrder", r.str(100));
                if (r.bool()) m.put("releasedAt", at(r));
                m.put("inForce", !m.containsKey("releasedAt"));
                return m;
            });
            if (z != null) seizures.add(z);
        }
        return Outcome.of(obj("unitNumber", unit, "seized", status[2] >= 0, "mortgages", mortgages, "seizures", seizures));
    }

    /** declaration/<number>: [number, exporter, amount, exportDate, commitment, pledged, publishedAt, pledges]. */
    static Object[] declaration(State s, String number) throws ProofVerifier.Failure {
        return load(s, "declaration/" + number, r -> new Object[] {r.str(64), r.str(64), money(r), n(r.u32()), r.hashHex(),
            r.i64(), u(r.u64()), r.u64()});
    }

    static Map<String, Object> precheck(State s, Map<String, Object> request) throws ProofVerifier.Failure {
        List<Object> items = new ArrayList<>();
        for (Object x : Json.list(request.get("declarations"))) {
            Map<String, Object> item = Json.obj(x);
            String number = Json.str(item, "number");
            Object[] d = declaration(s, number);
            if (d == null) { items.add(obj("number", number, "code", "FAKE_DECLARATION", "known", false)); continue; }
            long pledged = (long) d[5];
            Map<String, Object> amount = Json.obj(d[2]);
            long free = ((BigInteger) amount.get("minorUnits")).longValue() - pledged;
            Boolean fieldsMatch = null;
            if (item.get("fields") instanceof Map) {
                Map<String, Object> held = Json.obj(item.get("fields"));
                Map<String, Object> heldAmount = Json.obj(held.get("amount"));
                fieldsMatch = number.equals(d[0]) && held.get("number").equals(d[0]) && held.get("exporter").equals(d[1])
                    && heldAmount.get("minorUnits").equals(amount.get("minorUnits")) && heldAmount.get("currency").equals(amount.get("currency"))
                    && held.get("exportDate").equals(d[3]) && Transactions.commitment(held).equals(d[4]);
            }
            String code = Boolean.FALSE.equals(fieldsMatch) ? "FAKE_DECLARATION" : free == 0 ? "DUPLICATE_FINANCING" : "OK";
            items.add(obj("number", number, "code", code, "known", true, "exporter", d[1], "amount", amount, "exportDate", d[3],
                "commitment", d[4], "fieldsMatch", fieldsMatch, "pledged", n(pledged), "free", n(free)));
        }
        return obj("declarations", items);
    }

    /** A page of a list 1..count after `after` (0: from the start): [first, last] and the next cursor or null. */
    static long[] page(Object after, long count, int limit) {
        BigInteger a = after == Json.NULL ? BigInteger.ZERO : new BigInteger((String) after), c = u(count);
        if (a.compareTo(c) >= 0) return new long[] {1, 0, 0};
        BigInteger last = a.add(c.subtract(a).min(n(limit)));
        return new long[] {a.longValue() + 1, last.longValue(), last.compareTo(c) < 0 ? 1 : 0};
    }

    static long[] lists(State s, String code) throws ProofVerifier.Failure {
        long[] c = load(s, "trade-lists/" + code, r -> new long[] {r.u64(), r.u64(), r.u64(), r.u64(), r.u64()});
        return c != null ? c : new long[5];
    }

    static long clamped(long a, long b) {
        try { return Math.addExact(a, b); } catch (ArithmeticException e) { return b > 0 ? Long.MAX_VALUE : Long.MIN_VALUE; }
    }

    static Outcome creditRecord(State s, Map<String, Object> f, long time) throws ProofVerifier.Failure {
        String bank = (String) f.get("bank");
        // 1. The logged query, by this bank.
        byte[] key = s.get("credit-query-id/" + f.get("queryId"));
        Object[] log = key == null ? null : load(s, text(key), r -> new Object[] {r.str(64), r.key(), r.str(), r.u64(), r.i64(), r.hashHex()});
        if (log == null || !bank.equals(log[1])) return Outcome.refused("UNKNOWN_QUERY");
        // 2. Answered within 10 minutes of block time.
        if (time - (long) log[4] > 600_000) return Outcome.refused("QUERY_EXPIRED");
        // 3. The enterprise's authorisation, at block time.
        String e = (String) log[0];
        if (s.get("enterprise/" + e) == null) return Outcome.refused("UNKNOWN_ENTERPRISE");
        long[] auth = load(s, "authorization/" + e + "/" + bank, r -> new long[] {r.i64(), r.u64(), r.i64(), r.bool() ? 1 : 0});
        if (auth == null || auth[3] == 1) return Outcome.refused("NOT_AUTHORIZED");
        if (time >= auth[0]) return Outcome.refused("AUTHORIZATION_EXPIRED");
        // 4. The record.
        Map<String, String> names = new HashMap<>();
        Object[] ent = load(s, "enterprise/" + e, r -> new Object[] {r.str(64), r.str(), r.key(), u(r.u64())});
        long[] counts = lists(s, e);
        List<Object[]> rows = new ArrayList<>();
        TreeMap<String, long[]> totals = new TreeMap<>();
        long[] xp = page(Json.NULL, counts[2], MAX_PAGE);
        for (long k = xp[0]; k <= xp[1]; k++) {
            byte[] entry = s.get("exposure-by-enterprise/" + e + "/" + pad(k, 20));
            if (entry == null) continue;
            String[] parts = text(entry).split("/", -1);
            if (parts.length != 2) continue;
            long[] x = load(s, "credit-exposure/" + e + "/" + parts[0] + "/" + parts[1], r -> new long[] {r.u64(), r.i64(), r.i64(), r.i64()});
            if (x == null) continue;
            rows.add(new Object[] {entry, obj("bank", parts[0], "bankName", bankName(s, names, parts[0]), "currency", parts[1],
                "financings", u(x[0]), "financed", n(x[1]), "repaid", n(x[2]), "outstanding", n(x[3]))});
            long[] t = totals.computeIfAbsent(parts[1], c -> new long[3]);
            t[0] = clamped(t[0], x[1]);
            t[1] = clamped(t[1], x[2]);
            t[2] = clamped(t[2], x[3]);
        }
        rows.sort((a, b) -> Arrays.compareUnsigned((byte[]) a[0], (byte[]) b[0]));
        List<Object> exposures = new ArrayList<>();
        for (Object[] row : rows) exposures.add(row[1]);
        List<Object> totalList = new ArrayList<>();
        for (Map.Entry<String, long[]> t : totals.entrySet()) {
            totalList.add(obj("currency", t.getKey(), "financed", n(t.getValue()[0]), "repaid", n(t.getValue()[1]), "outstanding", n(t.getValue()[2])));
        }
        int limit = (int) f.get("limit");
        long[] dp = page(f.get("declarationsAfter"), counts[0], limit);
        List<Object> declarations = new ArrayList<>();
        for (long k = dp[0]; k <= dp[1]; k++) {
            byte[] number = s.get("declaration-by-exporter/" + e + "/" + pad(k, 20));
            if (number == null) continue;
            Object[] d = declaration(s, text(number));
            if (d == null) continue;
            long pledged = (long) d[5], total = ((BigInteger) Json.obj(d[2]).get("minorUnits")).longValue(), count = (long) d[7];
            List<Object> pledges = new ArrayList<>();
            long first = Long.compareUnsigned(count, MAX_PAGE) > 0 ? count - MAX_PAGE + 1 : 1;
            for (long p = first; count > 0 && Long.compareUnsigned(p, count) <= 0; p++) {
                byte[] fid = s.get("declaration-pledge/" + d[0] + "/" + pad(p, 20));
                if (fid == null || fid.length != 32) continue;
                String fidHex = Canonical.HEX.formatHex(fid);
                Object[] pl = load(s, "pledge/" + d[0] + "/" + fidHex, r -> new Object[] {r.key(), r.i64()});
                if (pl == null) continue;
                pledges.add(obj("financingId", fidHex, "bank", pl[0], "bankName", bankName(s, names, (String) pl[0]), "pledged", n((long) pl[1])));
            }
            declarations.add(obj("number", d[0], "exporter", d[1], "amount", d[2], "exportDate", d[3], "commitment", d[4],
                "publishedAt", d[6], "pledged", n(pledged), "free", n(total - pledged), "pledges", pledges));
        }
        long[] fp = page(f.get("financingsAfter"), counts[1], limit);
        List<Object> financings = new ArrayList<>();
        for (long k = fp[0]; k <= fp[1]; k++) {
            byte[] id = s.get("financing-by-exporter/" + e + "/" + pad(k, 20));
            if (id == null || id.length != 32) continue;
            String idHex = Canonical.HEX.formatHex(id);
            Map<String, Object> fin = load(s, "financing/" + idHex, r -> {
                Map<String, Object> m = obj("id", r.hashHex(), "bank", r.key(), "exporter", r.str(64), "amount", money(r), "outstanding", n(r.i64()));
                List<Object> ps = new ArrayList<>();
                for (long i = r.count(1 << 20); i > 0; i--) ps.add(obj("number", r.str(64), "original", n(r.i64()), "current", n(r.i64())));
                m.put("pledges", ps);
                m.put("height", u(r.u64()));
                m.put("time", n(r.i64()));
                m.put("repayments", n(r.u32()));
                return m;
            });
            if (fin == null) continue;
            fin.put("bankName", bankName(s, names, (String) fin.get("bank")));
            long shown = Math.min(((BigInteger) fin.get("repayments")).longValue(), MAX_PAGE);
            List<Object> repayments = new ArrayList<>();
            for (long rp = 1; rp <= shown; rp++) {
                Map<String, Object> rep = load(s, "repayment/" + idHex + "/" + pad(rp, 10), r -> {
                    Map<String, Object> m = obj("amount", money(r), "outstandingAfter", n(r.i64()));
                    List<Object> rel = new ArrayList<>();
                    for (long i = r.count(1 << 20); i > 0; i--) rel.add(obj("number", r.str(64), "amount", n(r.i64())));
                    m.put("released", rel);
                    m.put("height", u(r.u64()));
                    m.put("time", n(r.i64()));
                    m.put("txHash", r.hashHex());
                    return m;
                });
                if (rep != null) repayments.add(rep);
            }
            fin.put("repayments", repayments);
            financings.add(fin);
        }
        Map<String, Object> record = obj("enterprise", obj("creditCode", e, "name", ent != null ? ent[1] : "", "registeredAt", ent != null ? ent[3] : BigInteger.ZERO),
            "totals", totalList, "exposures", exposures, "declarations", declarations, "financings", financings,
            "nextDeclarationsAfter", dp[2] == 1 ? Long.toUnsignedString(dp[1]) : null,
            "nextFinancingsAfter", fp[2] == 1 ? Long.toUnsignedString(fp[1]) : null);
        return e.equals(f.get("enterprise")) ? Outcome.of(record) : Outcome.refused("UNKNOWN_QUERY");
    }

    static Outcome queryLog(State s, String e, Object after, int limit) throws ProofVerifier.Failure {
        if (s.get("enterprise/" + e) == null) return Outcome.refused("UNKNOWN_ENTERPRISE");
        Map<String, String> names = new HashMap<>();
        long[] p = page(after, lists(s, e)[4], limit);
        List<Object> queries = new ArrayList<>();
        for (long k = p[0]; k <= p[1]; k++) {
            Object[] q = load(s, "credit-query/" + e + "/" + pad(k, 20), r -> new Object[] {r.str(64), r.key(), r.str(), u(r.u64()), n(r.i64()), r.hashHex()});
            if (q == null) continue;
            queries.add(obj("queryId", q[5], "bank", q[1], "bankName", bankName(s, names, (String) q[1]), "purpose", q[2], "height", q[3], "time", q[4]));
        }
        return Outcome.of(obj("enterprise", e, "queries", queries, "nextAfter", p[2] == 1 ? Long.toUnsignedString(p[1]) : null));
    }
}
