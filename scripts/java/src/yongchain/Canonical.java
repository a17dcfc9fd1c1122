package yongchain;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/** The canonical encoding (docs/transactions.md, "Primitives"): big-endian integers, length-prefixed bytes. */
public final class Canonical {
    private Canonical() {}

    public static final HexFormat HEX = HexFormat.of();
    static final BigInteger U64_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

    public static byte[] sha256(byte[]... parts) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            for (byte[] p : parts) d.update(p);
            return d.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * UTF-8 of s, refusing a lone surrogate: String.getBytes(UTF_8) would silently write '?' in its place, and the
     * bytes signed would not be the text meant (docs/transactions.md, "Text").
     */
    public static byte[] utf8(String s) {
        try {
            ByteBuffer b = StandardCharsets.UTF_8.newEncoder().encode(CharBuffer.wrap(s));
            return Arrays.copyOf(b.array(), b.limit());
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("text with a lone surrogate cannot be encoded as UTF-8: " + e);
        }
    }

    public static final class Writer {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        public Writer u8(int v) { out.write(v); return this; }
        public Writer u16(int v) { out.write(v >>> 8); out.write(v); return this; }
        public Writer u32(long v) { for (int s = 24; s >= 0; s -= 8) out.write((int) (v >>> s)); return this; }
        /** Java's long is signed: a u64 above 2^63-1 is passed as its bit pattern (Long.parseUnsignedLong). */
        public Writer u64(long bits) { for (int s = 56; s >= 0; s -= 8) out.write((int) (bits >>> s)); return this; }
        public Writer u64(BigInteger v) {
            if (v.signum() < 0 || v.compareTo(U64_MAX) > 0) throw new IllegalArgumentException(v + " is not a u64");
            return u64(v.longValue());
        }
        public Writer i64(long v) { return u64(v); }
        public Writer raw(byte[] b) { out.writeBytes(b); return this; }
        public Writer bytes(byte[] b) { u32(b.length); return raw(b); }
        public Writer str(String s) { return bytes(utf8(s)); }
        public Writer hash(String hex) {
            byte[] h = HEX.parseHex(hex);
            if (h.length != 32) throw new IllegalArgumentException("a hash is 32 bytes: " + hex);
            return raw(h);
        }
        /** publicKey: u8 suite (1 = Ed25519) ‖ bytes(key), from its text "ed25519:<64 hex>". */
        public Writer key(String text) {
            if (!text.startsWith("ed25519:")) throw new IllegalArgumentException("a public key is ed25519:<64 hex>: " + text);
            byte[] k = HEX.parseHex(text.substring(8));
            if (k.length != 32) throw new IllegalArgumentException("an Ed25519 key is 32 bytes: " + text);
            return u8(1).bytes(k);
        }
        public byte[] toBytes() { return out.toByteArray(); }
    }

    /** A reader that refuses to read past the end; {@link #end()} refuses trailing bytes. */
    public static final class Reader {
        private final byte[] b;
        private int i;

        public Reader(byte[] b) { this.b = b; }

        public static final class Malformed extends RuntimeException {
            private static final long serialVersionUID = 1L;
            Malformed(String why) { super(why); }
        }

        private void need(long n) {
            if (n < 0 || n > b.length - i) throw new Malformed("truncated: " + n + " more bytes needed at byte " + i);
        }
        public int u8() { need(1); return b[i++] & 0xff; }
        public int u16() { return u8() << 8 | u8(); }
        public long u32() { return (long) u16() << 16 | u16(); }
        /** The u64's bit pattern; compare with Long.compareUnsigned, print with Long.toUnsignedString. */
        public long u64() { return u32() << 32 | u32(); }
        public long i64() { return u64(); }
        public byte[] raw(int n) { need(n); byte[] r = Arrays.copyOfRange(b, i, i + n); i += n; return r; }
        public byte[] bytes(long max) {
            long n = u32();
            if (n > max) throw new Malformed("a length of " + n + " above " + max);
            return raw((int) n);
        }
        public String str(long max) {
            try {
                return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes(max))).toString();
            } catch (CharacterCodingException e) {
                throw new Malformed("a string that is not UTF-8");
            }
        }
        public String str() { return str(1 << 20); }
        public boolean bool() {
            int v = u8();
            if (v > 1) throw new Malformed("a boolean is 0 or 1");
            return v == 1;
        }
        public String hashHex() { return HEX.formatHex(raw(32)); }
        public String key() {
            if (u8() != 1) throw new Malformed("unknown signature suite");
            byte[] k = bytes(256);
            if (k.length != 32) throw new Malformed("an Ed25519 key is 32 bytes");
            return "ed25519:" + HEX.formatHex(k);
        }
        public long count(long max) {
            long n = u32();
            if (n > max || n > b.length - i) throw new Malformed("a count of " + n + " is too large");
            return n;
        }
        public boolean atEnd() { return i == b.length; }
        public int position() { return i; }
        public byte[] slice(int from) { return Arrays.copyOfRange(b, from, i); }
        public void end() { if (i != b.length) throw new Malformed((b.length - i) + " trailing bytes"); }
    }
}
