package android.content;

/** Stand-in: a receiver; the stand-in AlarmManager delivers to it. */
public abstract class BroadcastReceiver {
    public BroadcastReceiver() {}

    public abstract void onReceive(Context context, Intent intent);
}
