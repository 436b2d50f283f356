// STAND-IN, NOT ANDROID (see android-framework.kt).
@file:Suppress("unused", "UNUSED_PARAMETER")
package android.content.res

class AssetManager {
    fun list(path: String): Array<String>? = null
    fun open(fileName: String): java.io.InputStream = throw java.io.FileNotFoundException(fileName)
}

class Resources {
    val configuration: Configuration get() = Configuration()
}

class Configuration {
    val locales: android.os.LocaleList get() = android.os.LocaleList()
}
