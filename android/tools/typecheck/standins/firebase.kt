// STAND-IN, NOT FIREBASE: shaped like firebase-messaging (BOM 33.7), for the type-check only.
@file:Suppress("unused", "UNUSED_PARAMETER")
package com.google.firebase

class FirebaseApp {
    companion object {
        @JvmStatic fun getApps(context: android.content.Context): List<FirebaseApp> = emptyList()
    }
}
