package yongchain;

/**
 * The identifiers' rules (docs/transactions.md, "Identifiers"): what the node checks before it accepts a body,
 * so a client can refuse a bad one before signing.
 */
public final class Identifiers {
    private Identifiers() {}

    /** GB 11643 resident identity number: 17 digits, then ISO 7064 MOD 11-2 check character 0-9 or X (capital). */
    public static boolean isResidentId(String s) {
        if (s.length() != 18) return false;
        int[] w = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
        int sum = 0;
        for (int i = 0; i < 17; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') return false;
            sum += (c - '0') * w[i];
        }
        return s.charAt(17) == "10X98765432".charAt(sum % 11);
    }

    static final String CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY";

    /** GB 32100-2015 unified social credit code: 18 characters of 0-9 A-H J-N P-R T-U W-Y, the last weighted mod 31. */
    public static boolean isCreditCode(String s) {
        if (s.length() != 18) return false;
        int[] w = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
        int sum = 0;
        for (int i = 0; i < 17; i++) {
            int v = CODE_ALPHABET.indexOf(s.charAt(i));
            if (v < 0) return false;
            sum += v * w[i];
        }
        return s.charAt(17) == CODE_ALPHABET.charAt((31 - sum % 31) % 31);
    }

    /** The GB 32100-2015 check character of 17 leading characters (for tools that make codes). */
    public static char creditCodeCheck(String first17) {
        int[] w = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
        int sum = 0;
        for (int i = 0; i < 17; i++) sum += CODE_ALPHABET.indexOf(first17.charAt(i)) * w[i];
        return CODE_ALPHABET.charAt((31 - sum % 31) % 31);
    }

    /** GB/T 37346 real-estate unit number, 28 characters: see docs/transactions.md. */
    public static boolean isUnitNumber(String s) {
        if (s.length() != 28 || !s.chars().allMatch(c -> c < 128)) return false;
        String digits = "[0-9]";
        return s.matches(digits + "{12}[GJZ][A-Z]" + digits + "{5}[FLQ]" + digits + "{8}") || s.matches(digits + "{12}[GJZ][A-Z]" + digits + "{5}W00000000");
    }
}
