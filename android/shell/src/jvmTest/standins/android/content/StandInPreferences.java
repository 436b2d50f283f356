package android.content;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/** Test hooks (no such class on Android): SharedPreferences in memory, as Android's behave. */
public final class StandInPreferences implements SharedPreferences {
    /** What is stored now (the tests read it to check what reached "disk"). */
    public final Map<String, Object> values = new HashMap<>();

    @Override
    public synchronized String getString(String key, String defValue) {
        Object v = values.get(key);
        return v instanceof String ? (String) v : defValue;
    }

    @Override
    @SuppressWarnings("unchecked")
    public synchronized Set<String> getStringSet(String key, Set<String> defValues) {
        Object v = values.get(key);
        // Android hands out its own set, which callers must not modify.
        return v instanceof Set ? java.util.Collections.unmodifiableSet((Set<String>) v) : defValues;
    }

    @Override
    public Editor edit() {
        return new Editor() {
            private final Map<String, Object> puts = new HashMap<>();
            private final Set<String> removes = new HashSet<>();

            @Override
            public Editor putString(String key, String value) {
                puts.put(key, value);
                return this;
            }

            @Override
            public Editor putStringSet(String key, Set<String> values) {
                puts.put(key, values == null ? null : new HashSet<>(values));
                return this;
            }

            @Override
            public Editor remove(String key) {
                removes.add(key);
                return this;
            }

            @Override
            public boolean commit() {
                synchronized (StandInPreferences.this) {
                    for (String key : removes) values.remove(key);
                    for (Map.Entry<String, Object> e : puts.entrySet()) {
                        if (e.getValue() == null) values.remove(e.getKey());
                        else values.put(e.getKey(), e.getValue());
                    }
                }
                return true;
            }

            @Override
            public void apply() {
                commit();
            }
        };
    }
}
