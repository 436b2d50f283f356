package android.os
object Build {
    object VERSION { @JvmField val SDK_INT: Int = 0 }
    object VERSION_CODES { const val UPSIDE_DOWN_CAKE: Int = 34 }
}
