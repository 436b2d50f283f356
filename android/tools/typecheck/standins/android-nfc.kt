// STAND-IN, NOT ANDROID (see android-framework.kt).
@file:Suppress("unused", "UNUSED_PARAMETER")
package android.nfc

class Tag

class NfcAdapter {
    fun interface ReaderCallback {
        fun onTagDiscovered(tag: Tag)
    }
    fun enableReaderMode(activity: android.app.Activity, callback: ReaderCallback, flags: Int, extras: android.os.Bundle?) {}
    fun disableReaderMode(activity: android.app.Activity) {}
    companion object {
        @JvmStatic fun getDefaultAdapter(context: android.content.Context): NfcAdapter? = null
    }
}
