package kz.qoltanba.app

import android.content.Context
import androidx.appcompat.app.AppCompatDelegate
import androidx.core.app.LocaleManagerCompat
import androidx.core.os.LocaleListCompat
import kz.qoltanba.shell.settings.Language

/**
 * The app's language: kk, ru or en, following the system unless the citizen
 * chose one in Settings. The choice is Android's per-app language
 * (LocaleManager on 13+, AppCompat's stored locales below: the manifest's
 * AppLocalesMetadataHolderService), so it also shows in the system's app
 * settings; the core is told the same language (setLocale through
 * shell's Language) for its words: errors, statuses, the review.
 */
object AppLanguage {
    /** The languages the app speaks, as offered in Settings: the core's (the shell's list). */
    val offered: List<String> = Language.SUPPORTED

    /** The citizen's choice, or null when the app follows the system. */
    fun chosen(context: Context): String? {
        val locales = LocaleManagerCompat.getApplicationLocales(context)
        return if (locales.isEmpty) null else locales.toLanguageTags()
    }

    /** Tells the core the language the app speaks now ([chosen], else the system's). */
    fun applyToCore(context: Context, chosen: String? = chosen(context)) {
        val system = LocaleManagerCompat.getSystemLocales(context).toLanguageTags()
            .split(',').filter { it.isNotBlank() }
        Language.apply(Language.pick(system, chosen))
    }

    /**
     * The citizen's choice: a tag of [offered], or null for the system's.
     * Android recreates the activities in the new language.
     */
    fun choose(context: Context, tag: String?) {
        val locales = if (tag == null) LocaleListCompat.getEmptyLocaleList() else LocaleListCompat.forLanguageTags(tag)
        // The core first: the recreated activity already reads its words.
        applyToCore(context, tag)
        // Scheduled reminders carry their words: plan them again in the new
        // language (the same ids, so nothing shows twice).
        context.services?.replanReminders()
        AppCompatDelegate.setApplicationLocales(locales)
    }
}
