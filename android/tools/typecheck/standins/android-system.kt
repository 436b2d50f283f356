// STAND-IN, NOT ANDROID: what the uniffi Android flavour uses (API 34+ cleaner).
package android.system

object SystemCleaner {
    @JvmStatic fun cleaner(): java.lang.ref.Cleaner = java.lang.ref.Cleaner.create()
}
