// STAND-IN, NOT FIREBASE (see firebase.kt).
@file:Suppress("unused", "UNUSED_PARAMETER")
package com.google.firebase.messaging

import com.google.android.gms.tasks.Task

open class FirebaseMessagingService : android.app.Service() {
    open fun onMessageReceived(message: RemoteMessage) {}
    open fun onNewToken(token: String) {}
}

class RemoteMessage {
    val data: Map<String, String> get() = emptyMap()
}

class FirebaseMessaging {
    val token: Task<String> get() = throw UnsupportedOperationException()
    companion object {
        @JvmStatic fun getInstance(): FirebaseMessaging = FirebaseMessaging()
    }
}
