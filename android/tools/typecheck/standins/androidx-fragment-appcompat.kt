// STAND-IN, NOT ANDROIDX: shaped like androidx.fragment 1.x, for the type-check only.
package androidx.fragment.app

open class FragmentActivity : androidx.activity.ComponentActivity()
