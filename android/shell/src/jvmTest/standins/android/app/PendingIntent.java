package android.app;

import android.content.Context;
import android.content.Intent;
import java.util.ArrayList;
import java.util.List;

/**
 * Stand-in: broadcast PendingIntents as Android keeps them: one per request
 * code and intent (action, data, component; not extras), found again by
 * {@link #getBroadcast}, gone after {@link #cancel}.
 */
public final class PendingIntent {
    public static final int FLAG_NO_CREATE = 536870912;
    public static final int FLAG_UPDATE_CURRENT = 134217728;
    public static final int FLAG_IMMUTABLE = 67108864;

    static final List<PendingIntent> live = new ArrayList<>();

    final Context context;
    final int requestCode;
    Intent intent;
    final int flags;

    private PendingIntent(Context context, int requestCode, Intent intent, int flags) {
        this.context = context;
        this.requestCode = requestCode;
        this.intent = intent;
        this.flags = flags;
    }

    public static PendingIntent getBroadcast(Context context, int requestCode, Intent intent, int flags) {
        synchronized (live) {
            for (PendingIntent p : live) {
                if (p.context == context && p.requestCode == requestCode && p.intent.filterEquals(intent)) {
                    if ((flags & FLAG_UPDATE_CURRENT) != 0) p.intent = intent;
                    return p;
                }
            }
            if ((flags & FLAG_NO_CREATE) != 0) return null;
            PendingIntent created = new PendingIntent(context, requestCode, intent, flags);
            live.add(created);
            return created;
        }
    }

    public void cancel() {
        synchronized (live) {
            live.remove(this);
        }
    }
}
