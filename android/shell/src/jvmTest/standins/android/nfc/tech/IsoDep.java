package android.nfc.tech;

import android.nfc.StandInTags;
import android.nfc.Tag;
import java.io.IOException;

/** Stand-in: IsoDep over a {@link StandInTags.Backend}; tracks the calls the tests check. */
public final class IsoDep {
    private final Tag tag;
    private boolean connected;
    private int timeout = 618;

    private IsoDep(Tag tag) { this.tag = tag; }

    public static IsoDep get(Tag tag) {
        return StandInTags.hasIsoDep(tag) ? new IsoDep(tag) : null;
    }

    public void connect() throws IOException {
        StandInTags.backendOf(tag).connect();
        connected = true;
    }

    public boolean isConnected() { return connected; }

    public void close() throws IOException { connected = false; }

    public void setTimeout(int timeout) { this.timeout = timeout; }

    public int getTimeout() { return timeout; }

    public byte[] getHistoricalBytes() { return StandInTags.backendOf(tag).historicalBytes(); }

    public byte[] getHiLayerResponse() { return StandInTags.backendOf(tag).hiLayerResponse(); }

    public boolean isExtendedLengthApduSupported() { return StandInTags.backendOf(tag).extendedLength(); }

    public int getMaxTransceiveLength() { return StandInTags.backendOf(tag).maxTransceiveLength(); }

    public byte[] transceive(byte[] data) throws IOException {
        if (!connected) throw new IllegalStateException("Call connect() first!");
        return StandInTags.backendOf(tag).transceive(data, timeout);
    }

    public Tag getTag() { return tag; }
}
