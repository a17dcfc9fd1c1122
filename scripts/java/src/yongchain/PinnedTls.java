package yongchain;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * TLS to a node, which has no certificate authority: its certificate is self-signed over its Ed25519 node key, the
 * key genesis lists (docs/operations.md, "TLS"). The node is accepted when that key is one of the pinned keys,
 * and for nothing else. An X509ExtendedTrustManager, not a plain X509TrustManager: the JDK wraps a plain one and
 * then checks the host name against the certificate, which a node's certificate does not carry.
 */
final class PinnedTls extends X509ExtendedTrustManager {
    private final List<byte[]> pins;

    private PinnedTls(List<byte[]> pins) { this.pins = pins; }

    /** A TLS 1.3 context that accepts exactly the nodes whose Ed25519 keys are `pins` (32 raw bytes each). */
    static SSLContext context(List<byte[]> pins) throws Exception {
        SSLContext c = SSLContext.getInstance("TLSv1.3");
        c.init(null, new TrustManager[] {new PinnedTls(pins)}, null);
        return c;
    }

    private void check(X509Certificate[] chain) throws CertificateException {
        if (chain == null || chain.length == 0) throw new CertificateException("no certificate");
        byte[] spki = chain[0].getPublicKey().getEncoded();
        byte[] prefix = Keys.X509_PREFIX;
        if (spki.length == 44 && Arrays.equals(Arrays.copyOf(spki, 12), prefix)) {
            byte[] key = Arrays.copyOfRange(spki, 12, 44);
            for (byte[] p : pins) if (Arrays.equals(p, key)) return;
        }
        throw new CertificateException("the node's key is not pinned");
    }

    @Override public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException { check(chain); }
    @Override public void checkServerTrusted(X509Certificate[] chain, String authType, Socket s) throws CertificateException { check(chain); }
    @Override public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine e) throws CertificateException { check(chain); }
    @Override public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException { throw new CertificateException("a client"); }
    @Override public void checkClientTrusted(X509Certificate[] chain, String authType, Socket s) throws CertificateException { throw new CertificateException("a client"); }
    @Override public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine e) throws CertificateException { throw new CertificateException("a client"); }
    @Override public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
}
