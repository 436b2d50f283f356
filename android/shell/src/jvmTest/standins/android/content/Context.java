package android.content;

/** Stand-in: the members :shell calls ({@link StandInContext} is a test implementation). */
public abstract class Context {
    public static final int MODE_PRIVATE = 0;
    public static final String ALARM_SERVICE = "alarm";

    public Context() {}

    public abstract SharedPreferences getSharedPreferences(String name, int mode);

    public abstract Context getApplicationContext();

    public abstract Object getSystemService(String name);
}
