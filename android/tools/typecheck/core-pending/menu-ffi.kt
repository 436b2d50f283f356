// STAND-IN FOR THE LEAD'S CORE ADDITION (see menu-device.kt; App.menu() is
// added to a copy of the bindings' App by scripts/android-app-typecheck.sh).
@file:Suppress("unused", "UNUSED_PARAMETER")
package kz.qoltanba.core

import kz.qoltanba.core.device.MenuItem

fun menuItemText(item: MenuItem): String = item.name
