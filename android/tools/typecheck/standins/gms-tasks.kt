// STAND-IN, NOT PLAY SERVICES (see firebase.kt).
@file:Suppress("unused", "UNUSED_PARAMETER")
package com.google.android.gms.tasks

fun interface OnSuccessListener<T> {
    fun onSuccess(result: T)
}

fun interface OnFailureListener {
    fun onFailure(e: Exception)
}

abstract class Task<T> {
    abstract fun addOnSuccessListener(listener: OnSuccessListener<in T>): Task<T>
    abstract fun addOnFailureListener(listener: OnFailureListener): Task<T>
}
