package android.nfc;

/** Stand-in: a discovered tag. Tests make one with {@link StandInTags#isoDep}. */
public final class Tag {
    final StandInTags.Backend backend;
    final boolean isoDep;

    Tag(StandInTags.Backend backend, boolean isoDep) {
        this.backend = backend;
        this.isoDep = isoDep;
    }

    public byte[] getId() { return new byte[] {1, 2, 3, 4}; }
}
