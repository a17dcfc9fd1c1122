package yongchain;

import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.KeyAgreement;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * One node's HTTP API: plain calls, signed requests and API sessions (docs/api-auth.md), with java.net.http.
 *
 * The request target a signature covers is the path and query exactly as sent. Build it yourself, percent-encoded
 * ({@link #pct}), and pass the whole URL to URI.create, which keeps it as written; the multi-argument URI
 * constructors and URLEncoder (which writes a space as '+') would send other bytes than those signed.
 */
public final class NodeClient {
    public final String base;
    final HttpClient http;

    /** A node at `base`; for https://, `pins` are the Ed25519 keys (32 raw bytes) it may present (PinnedTls). */
    public NodeClient(String base, java.util.List<byte[]> pins) throws Exception {
        this.base = base.replaceAll("/+$", "");
        HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10));
        if (this.base.startsWith("https://")) b.sslContext(PinnedTls.context(pins));
        http = b.build();
    }

    public static final class Answer {
        public final int status;
        public final byte[] body;
        Answer(int status, byte[] body) { this.status = status; this.body = body; }
        public Map<String, Object> json() throws Json.Malformed { return Json.obj(Json.parse(body.length == 0 ? "{}".getBytes() : body)); }
        /** A refusal's code, or the outcome's code of a transaction answer. */
        public String code() throws Json.Malformed {
            Map<String, Object> j = json();
            if (j.get("code") instanceof String) return (String) j.get("code");
            Object e = j.get("error");
            return e instanceof Map ? (String) Json.obj(e).get("code") : null;
        }
    }

    /** Percent-encodes everything but RFC 3986's unreserved characters, from the UTF-8 bytes. */
    public static String pct(String s) {
        StringBuilder out = new StringBuilder();
        for (byte b : Canonical.utf8(s)) {
            int c = b & 0xff;
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~') out.append((char) c);
            else out.append(String.format("%%%02X", c));
        }
        return out.toString();
    }

    public Answer call(String method, String target, byte[] body, Map<String, String> headers) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(base + target)).timeout(Duration.ofSeconds(40))
            .header("Content-Type", "application/json")
            .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        for (Map.Entry<String, String> h : headers.entrySet()) r.header(h.getKey(), h.getValue());
        HttpResponse<byte[]> a = http.send(r.build(), HttpResponse.BodyHandlers.ofByteArray());
        return new Answer(a.statusCode(), a.body());
    }

    public Answer get(String target) throws Exception { return call("GET", target, null, Map.of()); }

    public Answer post(String target, Object json) throws Exception {
        return call("POST", target, Json.write(json).getBytes(StandardCharsets.UTF_8), Map.of());
    }

    /** A signed request (docs/api-auth.md, "What is signed"). */
    public Answer signed(Keys.Ed25519 key, String chainId, String method, String target, byte[] body) throws Exception {
        byte[] b = body == null ? new byte[0] : body;
        long ts = System.currentTimeMillis();
        String nonce = Canonical.HEX.formatHex(random(16));
        byte[] message = new Canonical.Writer().str("yongchain/api-request/v1").str(chainId)
            .str(method).str(target).i64(ts).str(nonce).raw(Canonical.sha256(b)).toBytes();
        return call(method, target, body, Map.of("X-Yongchain-Key", key.publicText, "X-Yongchain-Timestamp", Long.toString(ts),
            "X-Yongchain-Nonce", nonce, "X-Yongchain-Signature", Canonical.HEX.formatHex(key.sign(message))));
    }

    static byte[] random(int n) {
        byte[] r = new byte[n];
        new SecureRandom().nextBytes(r);
        return r;
    }

    /** RFC 7748 X25519 public key: its 32 raw bytes are the last of the JDK's X.509 encoding. */
    static final byte[] X25519_PREFIX = Canonical.HEX.parseHex("302a300506032b656e032100");

    static byte[] hmac(byte[] key, byte[]... parts) throws Exception {
        Mac m = Mac.getInstance("HmacSHA256");
        m.init(new SecretKeySpec(key, "HmacSHA256"));
        for (byte[] p : parts) m.update(p);
        return m.doFinal();
    }

    /**
     * An API session (docs/api-auth.md, "Sessions"): one signed handshake, then an HMAC per request. The node's
     * answer is signed by the node's key; `expectedNodeKey`, when given, must be that key.
     */
    public final class Session {
        public final String id;
        final byte[] key;
        final AtomicLong seq = new AtomicLong();

        public Session(Keys.Ed25519 caller, String chainId, String expectedNodeKey) throws Exception {
            KeyPair mine = KeyPairGenerator.getInstance("X25519").generateKeyPair();
            byte[] enc = mine.getPublic().getEncoded();
            byte[] client = Arrays.copyOfRange(enc, enc.length - 32, enc.length);
            byte[] body = Json.write(Map.of("clientPublicKey", "x25519:" + Canonical.HEX.formatHex(client))).getBytes(StandardCharsets.UTF_8);
            Answer a = signed(caller, chainId, "POST", "/v1/auth/sessions", body);
            if (a.status != 201) throw new IllegalStateException("session handshake: HTTP " + a.status + " " + new String(a.body, StandardCharsets.UTF_8));
            Map<String, Object> j = a.json();
            byte[] sid = Canonical.HEX.parseHex(Json.str(j, "sessionId"));
            String serverText = Json.str(j, "serverPublicKey");
            if (sid.length != 16 || !serverText.startsWith("x25519:")) throw new IllegalStateException("a malformed handshake answer");
            byte[] server = Canonical.HEX.parseHex(serverText.substring(7));
            if (server.length != 32) throw new IllegalStateException("a malformed server key");
            long expiresAt = Json.integer(j, "expiresAt", Json.MIN, BigInteger.valueOf(Long.MAX_VALUE)).longValue();
            if (j.containsKey("nodeKey")) {
                String nodeKey = Json.str(j, "nodeKey");
                byte[] signedBytes = new Canonical.Writer().str("yongchain/api-session/v1").str(chainId).bytes(sid).key(caller.publicText)
                    .bytes(client).bytes(server).i64(expiresAt).toBytes();
                if (!Keys.verify(Keys.rawOf(nodeKey), signedBytes, Canonical.HEX.parseHex(Json.str(j, "signature")))) {
                    throw new IllegalStateException("the handshake answer's signature does not verify");
                }
                if (expectedNodeKey != null && !expectedNodeKey.equals(nodeKey)) throw new IllegalStateException("answered by " + nodeKey);
            } else if (expectedNodeKey != null) {
                throw new IllegalStateException("the node did not sign its handshake answer");
            }
            byte[] enc2 = new byte[44];
            System.arraycopy(X25519_PREFIX, 0, enc2, 0, 12);
            System.arraycopy(server, 0, enc2, 12, 32);
            PublicKey serverKey = KeyFactory.getInstance("X25519").generatePublic(new X509EncodedKeySpec(enc2));
            KeyAgreement ka = KeyAgreement.getInstance("X25519");
            ka.init(mine.getPrivate());
            ka.doPhase(serverKey, true);
            byte[] secret = ka.generateSecret();
            if (Arrays.equals(secret, new byte[32])) throw new IllegalStateException("an all-zero shared secret");
            byte[] info = new Canonical.Writer().str("yongchain/api-session/v1").str(chainId).key(caller.publicText)
                .bytes(client).bytes(server).toBytes();
            // HKDF-SHA256 (RFC 5869) with HMAC-SHA256: extract with the session id as salt, expand to 32 bytes.
            byte[] prk = hmac(sid, secret);
            key = hmac(prk, info, new byte[] {1});
            id = Canonical.HEX.formatHex(sid);
        }

        public Answer send(String method, String target, byte[] body) throws Exception {
            byte[] b = body == null ? new byte[0] : body;
            long n = seq.incrementAndGet();
            byte[] mac = hmac(key, new Canonical.Writer().str(method).str(target).u64(n).raw(Canonical.sha256(b)).toBytes());
            return call(method, target, body, Map.of("X-Yongchain-Session", id, "X-Yongchain-Seq", Long.toUnsignedString(n),
                "X-Yongchain-Mac", Canonical.HEX.formatHex(mac)));
        }
    }
}
