package kz.qoltanba.app.ui

import android.os.Build
import androidx.compose.foundation.isSystemInDarkTheme
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.darkColorScheme
import androidx.compose.material3.dynamicDarkColorScheme
import androidx.compose.material3.dynamicLightColorScheme
import androidx.compose.material3.lightColorScheme
import androidx.compose.runtime.Composable
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.platform.LocalContext

private val QoltanbaBlue = Color(0xFF00629B)
private val QoltanbaGold = Color(0xFFF4B400)

/**
 * Material 3 with the phone's own colours on Android 12+ and the app's
 * blue and gold before; text sizes are Material's, in sp, so they follow the
 * system's font scale.
 */
@Composable
fun QoltanbaTheme(content: @Composable () -> Unit) {
    val dark = isSystemInDarkTheme()
    val colors = when {
        Build.VERSION.SDK_INT >= Build.VERSION_CODES.S -> {
            val context = LocalContext.current
            if (dark) dynamicDarkColorScheme(context) else dynamicLightColorScheme(context)
        }
        dark -> darkColorScheme(primary = QoltanbaGold, secondary = QoltanbaBlue)
        else -> lightColorScheme(primary = QoltanbaBlue, secondary = QoltanbaGold)
    }
    MaterialTheme(colorScheme = colors, content = content)
}
