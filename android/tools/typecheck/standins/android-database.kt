// STAND-IN, NOT ANDROID (see android-framework.kt).
@file:Suppress("unused", "UNUSED_PARAMETER")
package android.database

interface Cursor : java.io.Closeable {
    fun moveToFirst(): Boolean
    fun getString(columnIndex: Int): String?
}
