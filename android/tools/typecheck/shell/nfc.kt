// STAND-IN FOR :shell: the public API of android-layout.md's contract (the
// names the app codes against), until :shell lands; then the type-check
// should compile the real :shell sources instead (README.md here).
@file:Suppress("unused", "UNUSED_PARAMETER")
package kz.qoltanba.shell.nfc

import kz.qoltanba.core.CardTransport

class CardReader {
    fun onTagDiscovered(tag: android.nfc.Tag) {}
    suspend fun nextCard(): CardTransport = throw UnsupportedOperationException()
    companion object {
        const val READER_FLAGS: Int = 0
    }
}

class CanStore(context: android.content.Context) {
    fun remembered(): String? = null
    fun remember(can: String) {}
    fun forget() {}
}
