// STAND-IN, NOT JETPACK COMPOSE (see compose-runtime.kt): material3 1.3.
@file:Suppress("unused", "UNUSED_PARAMETER")
package androidx.compose.material3

import androidx.compose.foundation.layout.ColumnScope
import androidx.compose.foundation.layout.PaddingValues
import androidx.compose.foundation.layout.RowScope
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.graphics.vector.ImageVector
import androidx.compose.ui.text.TextStyle
import androidx.compose.ui.text.input.VisualTransformation

@RequiresOptIn(level = RequiresOptIn.Level.WARNING)
@Retention(AnnotationRetention.BINARY)
annotation class ExperimentalMaterial3Api

class ColorScheme(val primary: Color, val error: Color, val onSurfaceVariant: Color)

class Typography(
    val titleMedium: TextStyle = TextStyle(),
    val bodyLarge: TextStyle = TextStyle(),
    val bodyMedium: TextStyle = TextStyle(),
    val bodySmall: TextStyle = TextStyle(),
    val labelMedium: TextStyle = TextStyle(),
)

object MaterialTheme {
    val colorScheme: ColorScheme
        @Composable get() = throw UnsupportedOperationException()
    val typography: Typography
        @Composable get() = throw UnsupportedOperationException()
}

@Composable
fun MaterialTheme(colorScheme: ColorScheme = MaterialTheme.colorScheme, typography: Typography = MaterialTheme.typography, content: @Composable () -> Unit) {}

fun lightColorScheme(primary: Color = Color.Unspecified, secondary: Color = Color.Unspecified): ColorScheme = throw UnsupportedOperationException()
fun darkColorScheme(primary: Color = Color.Unspecified, secondary: Color = Color.Unspecified): ColorScheme = throw UnsupportedOperationException()
fun dynamicLightColorScheme(context: android.content.Context): ColorScheme = throw UnsupportedOperationException()
fun dynamicDarkColorScheme(context: android.content.Context): ColorScheme = throw UnsupportedOperationException()

@Composable
fun Text(text: String, modifier: Modifier = Modifier, color: Color = Color.Unspecified, style: TextStyle = TextStyle.Default) {}

@Composable
fun Button(onClick: () -> Unit, modifier: Modifier = Modifier, enabled: Boolean = true, content: @Composable RowScope.() -> Unit) {}

@Composable
fun OutlinedButton(onClick: () -> Unit, modifier: Modifier = Modifier, enabled: Boolean = true, content: @Composable RowScope.() -> Unit) {}

@Composable
fun FilledTonalButton(onClick: () -> Unit, modifier: Modifier = Modifier, enabled: Boolean = true, content: @Composable RowScope.() -> Unit) {}

@Composable
fun IconButton(onClick: () -> Unit, modifier: Modifier = Modifier, enabled: Boolean = true, content: @Composable () -> Unit) {}

@Composable
fun Icon(imageVector: ImageVector, contentDescription: String?, modifier: Modifier = Modifier) {}

@Composable
fun Checkbox(checked: Boolean, onCheckedChange: ((Boolean) -> Unit)?, modifier: Modifier = Modifier, enabled: Boolean = true) {}

@Composable
fun RadioButton(selected: Boolean, onClick: (() -> Unit)?, modifier: Modifier = Modifier, enabled: Boolean = true) {}

@Composable
fun CircularProgressIndicator(modifier: Modifier = Modifier) {}

@Composable
fun Card(modifier: Modifier = Modifier, content: @Composable ColumnScope.() -> Unit) {}

@Composable
fun OutlinedTextField(
    value: String,
    onValueChange: (String) -> Unit,
    modifier: Modifier = Modifier,
    enabled: Boolean = true,
    label: @Composable (() -> Unit)? = null,
    visualTransformation: VisualTransformation = VisualTransformation.None,
    keyboardOptions: KeyboardOptions = KeyboardOptions(),
    singleLine: Boolean = false,
) {}

@Composable
fun Scaffold(
    modifier: Modifier = Modifier,
    topBar: @Composable () -> Unit = {},
    content: @Composable (PaddingValues) -> Unit,
) {}

@ExperimentalMaterial3Api
@Composable
fun TopAppBar(
    title: @Composable () -> Unit,
    modifier: Modifier = Modifier,
    navigationIcon: @Composable () -> Unit = {},
    actions: @Composable RowScope.() -> Unit = {},
) {}
