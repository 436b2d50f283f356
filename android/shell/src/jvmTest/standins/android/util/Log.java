package android.util;

/** Stand-in: the log lines go to {@link StandInLog#lines}, where the tests read them. */
public final class Log {
    private Log() {}

    public static int i(String tag, String msg) { return StandInLog.add("I", tag, msg); }

    public static int w(String tag, String msg) { return StandInLog.add("W", tag, msg); }
}
