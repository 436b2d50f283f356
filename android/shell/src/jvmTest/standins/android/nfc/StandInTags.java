package android.nfc;

/** Test hooks (no such class on Android): tags whose IsoDep talks to a backend. */
public final class StandInTags {
    private StandInTags() {}

    /** What an IsoDep of a stand-in tag talks to: the "card" and the "radio". */
    public interface Backend {
        /** The card's answer to one command APDU (or an IOException, as the radio reports it). */
        byte[] transceive(byte[] command, int timeoutMs) throws java.io.IOException;
        /** NFC-A historical bytes, or null. */
        default byte[] historicalBytes() { return null; }
        /** NFC-B higher-layer response, or null. */
        default byte[] hiLayerResponse() { return null; }
        /** Whether the "phone" supports extended length APDUs. */
        default boolean extendedLength() { return true; }
        /** The "phone's" maximum transceive length. */
        default int maxTransceiveLength() { return 65279; }
        /** Called on connect(); throw to fail it. */
        default void connect() throws java.io.IOException {}
    }

    /** A tag that offers IsoDep, talking to {@code backend}. */
    public static Tag isoDep(Backend backend) { return new Tag(backend, true); }

    /** A tag without IsoDep (a MIFARE Classic, say). */
    public static Tag other() { return new Tag(null, false); }

    /** The backend of a tag made here. */
    public static Backend backendOf(Tag tag) { return tag.backend; }

    /** Whether the tag offers IsoDep. */
    public static boolean hasIsoDep(Tag tag) { return tag.isoDep; }
}
