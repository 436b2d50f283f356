package android.app;

import java.util.LinkedHashMap;
import java.util.Map;

/** Stand-in: keeps the alarms set, by PendingIntent (setting one again replaces it, as on Android). */
public class AlarmManager {
    public static final int RTC_WAKEUP = 0;

    final Map<PendingIntent, Long> alarms = new LinkedHashMap<>();

    AlarmManager() {}

    public void setAndAllowWhileIdle(int type, long triggerAtMillis, PendingIntent operation) {
        if (type != RTC_WAKEUP) throw new IllegalArgumentException("stand-in: RTC_WAKEUP only");
        synchronized (alarms) {
            alarms.put(operation, triggerAtMillis);
        }
    }

    public void cancel(PendingIntent operation) {
        synchronized (alarms) {
            alarms.remove(operation);
        }
    }
}
