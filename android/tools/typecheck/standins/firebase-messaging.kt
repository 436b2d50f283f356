// STAND-IN, NOT FIREBASE: shaped like firebase-messaging (BOM 33.7), for the
// type-check only (scripts/android-app-typecheck.sh). Never packaged.
@file:Suppress("unused", "UNUSED_PARAMETER")
package com.google.firebase.messaging

open class FirebaseMessagingService : android.app.Service() {
    open fun onMessageReceived(message: RemoteMessage) {}
    open fun onNewToken(token: String) {}
}

class RemoteMessage {
    val data: Map<String, String> get() = emptyMap()
}
