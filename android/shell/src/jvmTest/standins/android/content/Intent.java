package android.content;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/** Stand-in: the members :shell calls. */
public class Intent {
    public static final String ACTION_BOOT_COMPLETED = "android.intent.action.BOOT_COMPLETED";

    String action;
    String data;
    Class<?> component;
    final Map<String, String> extras = new HashMap<>();

    public Intent(Context packageContext, Class<?> cls) {
        this.component = cls;
    }

    public Intent(String action) {
        this.action = action;
    }

    public Intent setAction(String action) {
        this.action = action;
        return this;
    }

    public String getAction() { return action; }

    public String getDataString() { return data; }

    public Intent putExtra(String name, String value) {
        extras.put(name, value);
        return this;
    }

    public String getStringExtra(String name) { return extras.get(name); }

    /** As Android's: action, data and component (not extras). */
    public boolean filterEquals(Intent other) {
        return other != null && Objects.equals(action, other.action) && Objects.equals(data, other.data)
            && Objects.equals(component, other.component);
    }
}
