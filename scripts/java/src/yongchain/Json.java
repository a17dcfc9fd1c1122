package yongchain;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Strict JSON, as docs/proofs.md ("Comparing answers") defines it: RFC 8259 in UTF-8, at most 64 levels, every
 * number an integer written -?(0|[1-9][0-9]*) from -2^63 to 2^64-1 (read as BigInteger), distinct keys, no lone
 * surrogate escapes, strings never normalised. Objects are LinkedHashMap, arrays ArrayList, null is {@link #NULL}.
 * Two parsed values are the same JSON value exactly when {@code equals} says so (Map and List equality ignore key
 * order and compare items in order; String equality compares UTF-16 units, which for well-formed strings is
 * comparing scalars).
 */
public final class Json {
    public static final Object NULL = new Object() {
        @Override public String toString() { return "null"; }
    };
    static final BigInteger MIN = BigInteger.valueOf(Long.MIN_VALUE);
    static final BigInteger MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

    public static final class Malformed extends Exception {
        private static final long serialVersionUID = 1L;
        Malformed(int at, String why) { super("byte " + at + ": " + why); }
    }

    private final byte[] b;
    private int i;

    private Json(byte[] b) { this.b = b; }

    public static Object parse(byte[] bytes) throws Malformed {
        Json p = new Json(bytes);
        p.space();
        Object v = p.value(0);
        p.space();
        if (p.i != bytes.length) throw new Malformed(p.i, "text after the JSON value");
        return v;
    }

    public static Object parse(String text) throws Malformed { return parse(text.getBytes(StandardCharsets.UTF_8)); }

    private void space() {
        while (i < b.length && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r')) i++;
    }

    private Object value(int depth) throws Malformed {
        if (depth >= 64) throw new Malformed(i, "nested deeper than 64");
        if (i >= b.length) throw new Malformed(i, "the text ends where a value should be");
        switch (b[i]) {
            case '{': {
                i++;
                Map<String, Object> m = new LinkedHashMap<>();
                space();
                if (i < b.length && b[i] == '}') { i++; return m; }
                while (true) {
                    space();
                    if (i >= b.length || b[i] != '"') throw new Malformed(i, "expected a key");
                    int at = i;
                    String k = string();
                    space();
                    literal(":");
                    space();
                    if (m.put(k, value(depth + 1)) != null) throw new Malformed(at, "key \"" + k + "\" appears twice");
                    space();
                    if (end('}')) return m;
                }
            }
            case '[': {
                i++;
                List<Object> l = new ArrayList<>();
                space();
                if (i < b.length && b[i] == ']') { i++; return l; }
                while (true) {
                    space();
                    l.add(value(depth + 1));
                    space();
                    if (end(']')) return l;
                }
            }
            case '"': return string();
            case 't': literal("true"); return Boolean.TRUE;
            case 'f': literal("false"); return Boolean.FALSE;
            case 'n': literal("null"); return NULL;
            default: return integer();
        }
    }

    private boolean end(char close) throws Malformed {
        if (i >= b.length) throw new Malformed(i, "the text ends inside a list or object");
        if (b[i] == ',') { i++; return false; }
        if (b[i] == close) { i++; return true; }
        throw new Malformed(i, "expected , or " + close);
    }

    private void literal(String l) throws Malformed {
        byte[] x = l.getBytes(StandardCharsets.US_ASCII);
        for (byte c : x) {
            if (i >= b.length || b[i] != c) throw new Malformed(i, "expected " + l);
            i++;
        }
    }

    private Object integer() throws Malformed {
        int start = i;
        if (b[i] == '-') i++;
        int digits = i;
        while (i < b.length && b[i] >= '0' && b[i] <= '9') i++;
        if (i == digits) throw new Malformed(start, "not a JSON value");
        if (i < b.length && (b[i] == '.' || b[i] == 'e' || b[i] == 'E')) {
            throw new Malformed(start, "a number with a fraction or exponent: numbers are integers");
        }
        if (b[digits] == '0' && i - digits > 1) throw new Malformed(start, "a number with a leading zero");
        String text = new String(b, start, i - start, StandardCharsets.US_ASCII);
        if (text.equals("-0")) throw new Malformed(start, "-0");
        BigInteger v = new BigInteger(text);
        if (v.compareTo(MIN) < 0 || v.compareTo(MAX) > 0) throw new Malformed(start, text + " is outside -2^63..2^64-1");
        return v;
    }

    private int hex4() throws Malformed {
        if (b.length - i < 4) throw new Malformed(i, "a short \\u escape");
        int v = 0;
        for (int k = 0; k < 4; k++) {
            int d = Character.digit(b[i++], 16);
            if (d < 0) throw new Malformed(i, "a \\u escape needs four hex digits");
            v = v << 4 | d;
        }
        return v;
    }

    private String string() throws Malformed {
        i++;
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        while (true) {
            if (i >= b.length) throw new Malformed(i, "the text ends inside a string");
            byte c = b[i];
            if (c == '"') {
                i++;
                byte[] raw = out.toByteArray();
                try {
                    return StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(raw)).toString();
                } catch (java.nio.charset.CharacterCodingException e) {
                    throw new Malformed(i, "a string that is not UTF-8");
                }
            }
            if ((c & 0xff) < 0x20) throw new Malformed(i, "a control character inside a string");
            if (c != '\\') { out.write(c); i++; continue; }
            i++;
            if (i >= b.length) throw new Malformed(i, "the text ends inside an escape");
            byte e = b[i++];
            switch (e) {
                case '"': case '\\': case '/': out.write(e); break;
                case 'b': out.write(8); break;
                case 'f': out.write(12); break;
                case 'n': out.write(10); break;
                case 'r': out.write(13); break;
                case 't': out.write(9); break;
                case 'u': {
                    int v = hex4();
                    if (v >= 0xD800 && v <= 0xDBFF) {
                        if (b.length - i < 2 || b[i] != '\\' || b[i + 1] != 'u') throw new Malformed(i, "a lone surrogate \\u escape");
                        i += 2;
                        int low = hex4();
                        if (low < 0xDC00 || low > 0xDFFF) throw new Malformed(i, "a lone surrogate \\u escape");
                        v = 0x10000 + ((v - 0xD800) << 10) + (low - 0xDC00);
                    } else if (v >= 0xDC00 && v <= 0xDFFF) {
                        throw new Malformed(i, "a lone surrogate \\u escape");
                    }
                    out.writeBytes(new String(Character.toChars(v)).getBytes(StandardCharsets.UTF_8));
                    break;
                }
                default: throw new Malformed(i, "an unknown escape");
            }
        }
    }

    // --- writing ------------------------------------------------------------------------------------------------

    /** Compact JSON of maps, lists, strings, integers (Long, Integer, BigInteger), booleans and NULL. */
    public static String write(Object v) {
        StringBuilder s = new StringBuilder();
        write(v, s);
        return s.toString();
    }

    private static void write(Object v, StringBuilder s) {
        if (v == null || v == NULL) s.append("null");
        else if (v instanceof String) quote((String) v, s);
        else if (v instanceof Boolean || v instanceof Long || v instanceof Integer || v instanceof BigInteger) s.append(v);
        else if (v instanceof Map) {
            s.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
                if (!first) s.append(',');
                first = false;
                quote((String) e.getKey(), s);
                s.append(':');
                write(e.getValue(), s);
            }
            s.append('}');
        } else if (v instanceof List) {
            s.append('[');
            boolean first = true;
            for (Object x : (List<?>) v) {
                if (!first) s.append(',');
                first = false;
                write(x, s);
            }
            s.append(']');
        } else throw new IllegalArgumentException("not a JSON value: " + v.getClass());
    }

    private static void quote(String t, StringBuilder s) {
        s.append('"');
        for (int k = 0; k < t.length(); k++) {
            char c = t.charAt(k);
            if (c == '"' || c == '\\') s.append('\\').append(c);
            else if (c < 0x20) s.append(String.format("\\u%04x", (int) c));
            else s.append(c);
        }
        s.append('"');
    }

    // --- reading fields -----------------------------------------------------------------------------------------

    @SuppressWarnings("unchecked")
    public static Map<String, Object> obj(Object v) { return (Map<String, Object>) v; }

    @SuppressWarnings("unchecked")
    public static List<Object> list(Object v) { return (List<Object>) v; }

    public static String str(Map<String, Object> m, String k) {
        Object v = m.get(k);
        if (!(v instanceof String)) throw new IllegalArgumentException(k + ": a string is required");
        return (String) v;
    }

    /** The integer field k, which must lie in [min, max]. */
    public static BigInteger integer(Map<String, Object> m, String k, BigInteger min, BigInteger max) {
        Object v = m.get(k);
        if (!(v instanceof BigInteger)) throw new IllegalArgumentException(k + ": an integer is required");
        BigInteger n = (BigInteger) v;
        if (n.compareTo(min) < 0 || n.compareTo(max) > 0) throw new IllegalArgumentException(k + ": " + n + " is outside " + min + ".." + max);
        return n;
    }
}
