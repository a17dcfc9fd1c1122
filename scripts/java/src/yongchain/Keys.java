package yongchain;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.spec.NamedParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;

/** Ed25519 keys with the JDK alone (java.security, JDK 15+): pure Ed25519, RFC 8032, no pre-hash. */
public final class Keys {
    /** RFC 8410 PrivateKeyInfo of an Ed25519 key, before its 32-byte seed (what a node's key file holds). */
    static final byte[] PKCS8_PREFIX = Canonical.HEX.parseHex("302e020100300506032b657004220420");
    /** RFC 8410 SubjectPublicKeyInfo of an Ed25519 key, before its 32 raw bytes. */
    static final byte[] X509_PREFIX = Canonical.HEX.parseHex("302a300506032b6570032100");

    public static final class Ed25519 {
        private final KeyPair pair;
        /** "ed25519:<64 hex>": the form JSON, headers and state keys use. */
        public final String publicText;
        public final byte[] publicRaw;

        private Ed25519(KeyPair pair) {
            this.pair = pair;
            byte[] enc = pair.getPublic().getEncoded();
            publicRaw = Arrays.copyOfRange(enc, enc.length - 32, enc.length);
            publicText = "ed25519:" + Canonical.HEX.formatHex(publicRaw);
        }

        /**
         * The key of a 32-byte seed. The JDK has no public call that derives an Ed25519 public key from a seed; its
         * key-pair generator draws exactly the 32-byte seed from the SecureRandom it is given, so a generator fed the
         * seed gives the seed's key pair. The public key is then checked by a signature round trip.
         */
        public static Ed25519 fromSeed(byte[] seed) throws GeneralSecurityException {
            if (seed.length != 32) throw new IllegalArgumentException("an Ed25519 seed is 32 bytes");
            KeyPairGenerator g = KeyPairGenerator.getInstance("Ed25519");
            g.initialize(NamedParameterSpec.ED25519, new SecureRandom() {
                @Override public void nextBytes(byte[] bytes) { System.arraycopy(seed, 0, bytes, 0, bytes.length); }
            });
            Ed25519 k = new Ed25519(g.generateKeyPair());
            byte[] probe = "yongchain key check".getBytes(StandardCharsets.US_ASCII);
            if (!verify(k.publicRaw, probe, k.sign(probe))) throw new GeneralSecurityException("the derived public key does not match the seed");
            return k;
        }

        /** A node's or the CLI's key file: PKCS#8 PEM ("BEGIN PRIVATE KEY") of an Ed25519 key. */
        public static Ed25519 fromPem(Path path) throws Exception {
            String pem = Files.readString(path, StandardCharsets.US_ASCII);
            String b64 = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
            byte[] der = Base64.getDecoder().decode(b64);
            if (der.length != 48 || !Arrays.equals(Arrays.copyOf(der, 16), PKCS8_PREFIX)) {
                throw new IllegalArgumentException(path + " is not an Ed25519 PKCS#8 key");
            }
            return fromSeed(Arrays.copyOfRange(der, 16, 48));
        }

        public byte[] sign(byte[] message) throws GeneralSecurityException {
            Signature s = Signature.getInstance("Ed25519");
            s.initSign(pair.getPrivate());
            s.update(message);
            return s.sign();
        }
    }

    public static PublicKey ed25519Public(byte[] raw) throws GeneralSecurityException {
        if (raw.length != 32) throw new IllegalArgumentException("an Ed25519 key is 32 bytes");
        byte[] enc = new byte[44];
        System.arraycopy(X509_PREFIX, 0, enc, 0, 12);
        System.arraycopy(raw, 0, enc, 12, 32);
        return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(enc));
    }

    /** Whether sig is raw's Ed25519 signature of message; false for any malformed input. */
    public static boolean verify(byte[] raw, byte[] message, byte[] sig) {
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initVerify(ed25519Public(raw));
            s.update(message);
            return sig.length == 64 && s.verify(sig);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false;
        }
    }

    public static byte[] rawOf(String text) {
        if (!text.startsWith("ed25519:")) throw new IllegalArgumentException("not an ed25519: key: " + text);
        byte[] k = Canonical.HEX.parseHex(text.substring(8));
        if (k.length != 32) throw new IllegalArgumentException("an Ed25519 key is 32 bytes");
        return k;
    }
}
