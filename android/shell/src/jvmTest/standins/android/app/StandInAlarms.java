package android.app;

import android.content.BroadcastReceiver;
import android.content.Intent;
import android.content.StandInIntents;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Test hooks (no such class on Android): make an AlarmManager, read and fire its alarms. */
public final class StandInAlarms {
    private StandInAlarms() {}

    /** One alarm as the "system" holds it. */
    public static final class Alarm {
        public final long triggerAtMillis;
        public final Intent intent;
        public final int flags;
        public final PendingIntent operation;

        Alarm(long triggerAtMillis, PendingIntent operation) {
            this.triggerAtMillis = triggerAtMillis;
            this.intent = operation.intent;
            this.flags = operation.flags;
            this.operation = operation;
        }
    }

    public static AlarmManager create() { return new AlarmManager(); }

    /** The alarms set now, in the order they were first set. */
    public static List<Alarm> alarms(AlarmManager manager) {
        synchronized (manager.alarms) {
            List<Alarm> out = new ArrayList<>();
            for (Map.Entry<PendingIntent, Long> e : manager.alarms.entrySet()) out.add(new Alarm(e.getValue(), e.getKey()));
            return out;
        }
    }

    /** The PendingIntents alive now (made and not cancelled). */
    public static int livePendingIntents() {
        synchronized (PendingIntent.live) {
            return PendingIntent.live.size();
        }
    }

    /** Forget every PendingIntent (a new "boot"). */
    public static void reboot(AlarmManager manager) {
        synchronized (PendingIntent.live) {
            PendingIntent.live.clear();
        }
        synchronized (manager.alarms) {
            manager.alarms.clear();
        }
    }

    /**
     * Fire {@code alarm} as the system would: it leaves the AlarmManager and
     * its intent goes to a new instance of the receiver it names.
     */
    public static void fire(AlarmManager manager, Alarm alarm) throws ReflectiveOperationException {
        synchronized (manager.alarms) {
            manager.alarms.remove(alarm.operation);
        }
        Class<?> target = StandInIntents.component(alarm.intent);
        BroadcastReceiver receiver = (BroadcastReceiver) target.getDeclaredConstructor().newInstance();
        receiver.onReceive(alarm.operation.context, alarm.intent);
    }
}
