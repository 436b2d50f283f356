package android.nfc;

/** Stand-in: only the reader-mode flags :shell uses (Android's values). */
public final class NfcAdapter {
    private NfcAdapter() {}
    public static final int FLAG_READER_NFC_A = 1;
    public static final int FLAG_READER_NFC_B = 2;
    public static final int FLAG_READER_SKIP_NDEF_CHECK = 128;
    public static final int FLAG_READER_NO_PLATFORM_SOUNDS = 256;
}
