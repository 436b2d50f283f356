package android.util;

/** Stand-in: Android's Base64 for the flag :shell uses, through java.util.Base64. */
public class Base64 {
    private Base64() {}

    public static final int NO_WRAP = 2;

    public static String encodeToString(byte[] input, int flags) {
        if (flags != NO_WRAP) throw new IllegalArgumentException("stand-in: NO_WRAP only");
        return java.util.Base64.getEncoder().encodeToString(input);
    }

    public static byte[] decode(String str, int flags) {
        if (flags != NO_WRAP) throw new IllegalArgumentException("stand-in: NO_WRAP only");
        try {
            return java.util.Base64.getDecoder().decode(str);
        } catch (IllegalArgumentException e) {
            // Android's message for bad input.
            throw new IllegalArgumentException("bad base-64");
        }
    }
}
