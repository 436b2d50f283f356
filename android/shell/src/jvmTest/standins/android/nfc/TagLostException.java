package android.nfc;

/** Stand-in: the tag left the field. */
public class TagLostException extends java.io.IOException {
    public TagLostException() { super(); }
    public TagLostException(String message) { super(message); }
}
