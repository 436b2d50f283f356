// STAND-IN, NOT ANDROID: declarations shaped like the Android SDK's (API 35)
// names the app uses, only so that the app's Kotlin can be type-checked on a
// machine without the SDK (scripts/android-app-typecheck.sh). Never packaged.
@file:Suppress("unused", "UNUSED_PARAMETER")
package android.content

open class Context {
    open val applicationContext: Context get() = this
    open val filesDir: java.io.File get() = java.io.File(".")
    open val cacheDir: java.io.File get() = java.io.File(".")
    open val assets: android.content.res.AssetManager get() = android.content.res.AssetManager()
    open val contentResolver: ContentResolver get() = ContentResolver()
    open val packageName: String get() = ""
    open val resources: android.content.res.Resources get() = android.content.res.Resources()
    fun getString(resId: Int): String = ""
    fun <T> getSystemService(serviceClass: Class<T>): T = throw UnsupportedOperationException()
    open fun startActivity(intent: Intent) {}
}

open class ContextWrapper(base: Context?) : Context() {
    val baseContext: Context? = base
}

class ContentResolver {
    fun query(uri: android.net.Uri, projection: Array<String>?, selection: String?, selectionArgs: Array<String>?, sortOrder: String?): android.database.Cursor? = null
    fun openInputStream(uri: android.net.Uri): java.io.InputStream? = null
    fun openOutputStream(uri: android.net.Uri): java.io.OutputStream? = null
}

open class Intent() {
    constructor(action: String?) : this()
    constructor(action: String?, uri: android.net.Uri?) : this()
    val action: String? get() = null
    val dataString: String? get() = null
    fun setClass(packageContext: Context, cls: Class<*>): Intent = this
    fun addFlags(flags: Int): Intent = this
    fun putExtra(name: String, value: String?): Intent = this
    companion object {
        const val ACTION_VIEW = "android.intent.action.VIEW"
        const val FLAG_ACTIVITY_SINGLE_TOP = 0x20000000
    }
}
