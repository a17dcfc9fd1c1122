package yongchain;

import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.util.Arrays;
import sun.security.ec.ECOperations;
import sun.security.ec.point.AffinePoint;
import sun.security.ec.point.MutablePoint;
import sun.security.ec.point.Point;
import sun.security.util.math.IntegerFieldModuloP;

/**
 * ECVRF-P256-SHA256-TAI verification (RFC 9381 §5.3), from docs/greylist.md "The VRF: bytes and test vectors";
 * numbered steps are that page's. Verification only: every input is public.
 *
 * <p>The point arithmetic is the JDK's own P-256 code (`sun.security.ec.ECOperations`, the one its ECDSA uses:
 * complete projective formulas), which JDK 17 does not export: compile and run with the flags of
 * scripts/java/README.md ("The VRF"). This class adds only SEC1 compressed encoding and decoding around it; the
 * square root of decompression is y = a^((p+1)/4) mod p (p ≡ 3 mod 4), checked by squaring.
 */
public final class ECVRF {
    static final BigInteger P = new BigInteger("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff", 16);
    static final BigInteger Q = new BigInteger("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551", 16);
    static final BigInteger B = new BigInteger("5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b", 16);
    static final byte SUITE = 0x01;

    static final ECOperations OPS;
    static final IntegerFieldModuloP FIELD;
    static final AffinePoint BASE;
    static {
        try {
            AlgorithmParameters parameters = AlgorithmParameters.getInstance("EC");
            parameters.init(new ECGenParameterSpec("secp256r1"));
            ECParameterSpec spec = parameters.getParameterSpec(ECParameterSpec.class);
            OPS = ECOperations.forParameters(spec).orElseThrow();
            FIELD = OPS.getField();
            BASE = new AffinePoint(FIELD.getElement(spec.getGenerator().getAffineX()), FIELD.getElement(spec.getGenerator().getAffineY()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no P-256", e);
        }
    }

    /** A refusal: VRF_KEY_INVALID, VRF_PROOF_MALFORMED or VRF_PROOF_INVALID. */
    public static final class Failure extends Exception {
        private static final long serialVersionUID = 1L;
        public final String code;
        Failure(String code, String message) { super(code + ": " + message); this.code = code; }
    }

    /** string_to_point (step 1's rules): exactly 33 bytes, 0x02 or 0x03, x < p, x³ − 3x + b a square; else null. */
    static AffinePoint decode(byte[] s) {
        if (s.length != 33 || (s[0] != 2 && s[0] != 3)) return null;
        BigInteger x = new BigInteger(1, Arrays.copyOfRange(s, 1, 33));
        if (x.compareTo(P) >= 0) return null;
        BigInteger a = x.pow(3).subtract(x.multiply(BigInteger.valueOf(3))).add(B).mod(P);
        BigInteger y = a.modPow(P.add(BigInteger.ONE).shiftRight(2), P);
        if (!y.multiply(y).mod(P).equals(a)) return null;
        if (y.testBit(0) != (s[0] == 3)) y = P.subtract(y).mod(P);
        return new AffinePoint(FIELD.getElement(x), FIELD.getElement(y));
    }

    /** point_to_string: SEC1 compressed, 33 bytes; the identity is the single byte 0x00. */
    static byte[] encode(Point p) { return OPS.isNeutral(p) ? new byte[] {0} : encode(p.asAffine()); }

    static byte[] encode(AffinePoint a) {
        byte[] out = new byte[33];
        out[0] = (byte) (a.getY().asBigInteger().testBit(0) ? 3 : 2);
        byte[] x = a.getX().asBigInteger().toByteArray();
        int n = Math.min(x.length, 32);
        System.arraycopy(x, x.length - n, out, 33 - n, n);
        return out;
    }

    /** The scalar k mod q as the 32 little-endian bytes ECOperations.multiply takes. */
    static byte[] scalar(BigInteger k) {
        byte[] be = k.mod(Q).toByteArray(), le = new byte[32];
        for (int i = 0; i < Math.min(be.length, 32); i++) le[i] = be[be.length - 1 - i];
        return le;
    }

    /** s·P1 − c·P2, as s·P1 + (q − c)·P2. */
    static MutablePoint difference(BigInteger s, AffinePoint p1, BigInteger c, AffinePoint p2) {
        MutablePoint sum = OPS.multiply(p1, scalar(s));
        MutablePoint minus = OPS.multiply(p2, scalar(Q.subtract(c)));
        if (!OPS.isNeutral(minus)) OPS.setSum(sum, minus.asAffine());
        return sum;
    }

    /** Step 1: the public key Y, or VRF_KEY_INVALID. */
    public static AffinePoint publicKey(byte[] y) throws Failure {
        AffinePoint p = decode(y);
        if (p == null) throw new Failure("VRF_KEY_INVALID", "not an ECVRF-P256 public key (33 bytes, SEC1 compressed, a point)");
        return p;
    }

    /** Step 3: H = encode_to_curve(Y, alpha) by try-and-increment, with its 33-byte encoding. */
    static AffinePoint encodeToCurve(byte[] y, byte[] alpha) {
        for (int ctr = 0; ctr <= 255; ctr++) {
            byte[] t = Canonical.sha256(new byte[] {SUITE, 0x01}, y, alpha, new byte[] {(byte) ctr, 0x00});
            byte[] candidate = new byte[33];
            candidate[0] = 2;
            System.arraycopy(t, 0, candidate, 1, 32);
            AffinePoint h = decode(candidate);
            if (h != null) return h;
        }
        throw new IllegalStateException("no counter maps alpha to a point (probability 2^-256)");
    }

    /** Steps 1 to 6: beta, the VRF output for alpha under the key y, if pi proves it. */
    public static byte[] verify(byte[] y, byte[] alpha, byte[] pi) throws Failure {
        AffinePoint key = publicKey(y);
        // 2. Gamma ‖ c (16) ‖ s (32), s < q.
        if (pi.length != 81) throw new Failure("VRF_PROOF_MALFORMED", "a proof is 81 bytes, not " + pi.length);
        byte[] gammaString = Arrays.copyOfRange(pi, 0, 33), cString = Arrays.copyOfRange(pi, 33, 49);
        AffinePoint gamma = decode(gammaString);
        BigInteger c = new BigInteger(1, cString), s = new BigInteger(1, Arrays.copyOfRange(pi, 49, 81));
        if (gamma == null) throw new Failure("VRF_PROOF_MALFORMED", "the proof's Gamma is not a compressed point");
        if (s.compareTo(Q) >= 0) throw new Failure("VRF_PROOF_MALFORMED", "the proof's s is not below the group order");
        // 3. H.  4. U = s·B − c·Y, V = s·H − c·Gamma.
        AffinePoint h = encodeToCurve(y, alpha);
        byte[] u = encode(difference(s, BASE, c, key)), v = encode(difference(s, h, c, gamma));
        // 5. c' = the first 16 bytes of SHA-256(01 02 ‖ Y ‖ H ‖ Gamma ‖ U ‖ V ‖ 00).
        byte[] cPrime = Arrays.copyOf(Canonical.sha256(new byte[] {SUITE, 0x02}, y, encode(h), gammaString, u, v, new byte[] {0}), 16);
        // 6.
        if (!Arrays.equals(cPrime, cString)) throw new Failure("VRF_PROOF_INVALID", "the proof is not a proof of this input under this key");
        return Canonical.sha256(new byte[] {SUITE, 0x03}, gammaString, new byte[] {0});
    }

    /** The intermediate H, U and V of a valid proof, compressed: for the RFC's vectors only. */
    static byte[][] intermediates(byte[] y, byte[] alpha, byte[] pi) throws Failure {
        AffinePoint h = encodeToCurve(y, alpha), gamma = decode(Arrays.copyOfRange(pi, 0, 33));
        BigInteger c = new BigInteger(1, Arrays.copyOfRange(pi, 33, 49)), s = new BigInteger(1, Arrays.copyOfRange(pi, 49, 81));
        return new byte[][] {encode(h), encode(difference(s, BASE, c, publicKey(y))), encode(difference(s, h, c, gamma))};
    }
}
