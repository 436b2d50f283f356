package android.system
object SystemCleaner { @JvmStatic fun cleaner(): java.lang.ref.Cleaner = java.lang.ref.Cleaner.create() }
