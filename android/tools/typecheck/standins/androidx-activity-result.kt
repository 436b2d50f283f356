// STAND-IN, NOT ANDROIDX (see androidx-activity.kt).
@file:Suppress("unused", "UNUSED_PARAMETER")
package androidx.activity.result.contract

abstract class ActivityResultContract<I, O>

class ActivityResultContracts {
    class OpenDocument : ActivityResultContract<Array<String>, android.net.Uri?>()
    class CreateDocument(mimeType: String) : ActivityResultContract<String, android.net.Uri?>()
    class RequestPermission : ActivityResultContract<String, Boolean>()
}
