package android.content;

import android.app.AlarmManager;
import android.app.StandInAlarms;
import java.util.HashMap;
import java.util.Map;

/**
 * Test hooks (no such class on Android): an application context with
 * in-memory preferences and an AlarmManager. Tests subclass it to add what
 * the app's Application implements.
 */
public class StandInContext extends Context {
    /** Every preferences file by name. */
    public final Map<String, StandInPreferences> preferences = new HashMap<>();
    /** The "system's" AlarmManager. */
    public final AlarmManager alarms = StandInAlarms.create();

    @Override
    public synchronized SharedPreferences getSharedPreferences(String name, int mode) {
        if (mode != MODE_PRIVATE) throw new IllegalArgumentException("stand-in: MODE_PRIVATE only");
        return preferences.computeIfAbsent(name, n -> new StandInPreferences());
    }

    @Override
    public Context getApplicationContext() {
        return this;
    }

    @Override
    public Object getSystemService(String name) {
        return ALARM_SERVICE.equals(name) ? alarms : null;
    }
}
