package android.content;

/** Test hooks (no such class on Android). */
public final class StandInIntents {
    private StandInIntents() {}

    /** The receiver class an explicit intent names. */
    public static Class<?> component(Intent intent) { return intent.component; }

    /** An intent carrying {@code data} (as Android's `Intent(ACTION_VIEW, uri)`). */
    public static Intent withData(String action, String data) {
        Intent intent = new Intent(action);
        intent.data = data;
        return intent;
    }
}
