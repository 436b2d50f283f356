package kz.qoltanba.app.ui

import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.Card
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalConfiguration
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.semantics.Role
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.unit.dp
import kz.qoltanba.app.R
import kz.qoltanba.core.device.CitizenKey
import kz.qoltanba.core.keyPurposeText
import kz.qoltanba.core.keyStatusText
import kz.qoltanba.core.pki.KeyPurpose
import kz.qoltanba.core.storageText
import java.time.Instant
import java.time.ZoneId
import java.time.format.DateTimeFormatter
import java.time.format.FormatStyle

/** A date in the language the app shows. */
@Composable
fun formatDate(instant: Instant): String {
    val locale = LocalConfiguration.current.locales[0]
    return DateTimeFormatter.ofLocalizedDate(FormatStyle.MEDIUM)
        .withLocale(locale)
        .withZone(ZoneId.systemDefault())
        .format(instant)
}

/** What a key is for (authentication, signing), in the core's words, as a label. */
fun purposeText(purpose: KeyPurpose): String =
    keyPurposeText(purpose).replaceFirstChar { it.titlecase() }

/**
 * A key as the core describes it: purpose, holder, where it lives, its status
 * in the core's words, its end date and serial. Read by TalkBack as one item;
 * clickable when [onClick] is given.
 */
@Composable
fun KeySummary(key: CitizenKey, onClick: (() -> Unit)? = null) {
    val modifier = Modifier
        .fillMaxWidth()
        .testTag(Tags.KEY_PREFIX + key.serial)
        .let { if (onClick != null) it.clickable(role = Role.Button, onClick = onClick) else it }
        .semantics(mergeDescendants = true) {}
    Card(modifier = modifier) {
        Column(modifier = Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(4.dp)) {
            Text(
                stringResource(R.string.key_title, purposeText(key.purpose), storageText(key.storage)),
                style = MaterialTheme.typography.titleMedium,
            )
            Text(key.holder, style = MaterialTheme.typography.bodyLarge)
            Text(keyStatusText(key.status), style = MaterialTheme.typography.bodyLarge, color = MaterialTheme.colorScheme.primary)
            Text(stringResource(R.string.key_valid_until, formatDate(key.notAfter)), style = MaterialTheme.typography.bodyMedium)
            Text(stringResource(R.string.key_serial, key.serial, key.algorithm), style = MaterialTheme.typography.bodySmall)
        }
    }
}

/** The keys to choose from for an action, or a line saying there is none. */
@Composable
fun KeyPicker(keys: List<CitizenKey>, title: String, onPick: (CitizenKey) -> Unit) {
    SectionTitle(title)
    if (keys.isEmpty()) {
        Text(stringResource(R.string.no_key_for_this), style = MaterialTheme.typography.bodyLarge)
    }
    keys.forEach { key -> KeySummary(key, onClick = { onPick(key) }) }
}
