package android.content;

import java.util.Set;

/** Stand-in: the members :shell calls. {@link StandInPreferences} implements it in memory. */
public interface SharedPreferences {
    String getString(String key, String defValue);

    Set<String> getStringSet(String key, Set<String> defValues);

    Editor edit();

    /** Stand-in of SharedPreferences.Editor. */
    interface Editor {
        Editor putString(String key, String value);

        Editor putStringSet(String key, Set<String> values);

        Editor remove(String key);

        boolean commit();

        void apply();
    }
}
