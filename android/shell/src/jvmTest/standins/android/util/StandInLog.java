package android.util;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Test hooks (no such class on Android): what {@link Log} was given. */
public final class StandInLog {
    private StandInLog() {}

    /** "LEVEL/tag: message", in order. */
    public static final List<String> lines = Collections.synchronizedList(new ArrayList<>());

    static int add(String level, String tag, String msg) {
        lines.add(level + "/" + tag + ": " + msg);
        return msg.length();
    }
}
