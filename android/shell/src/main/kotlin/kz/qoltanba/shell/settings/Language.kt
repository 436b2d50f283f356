package kz.qoltanba.shell.settings

import kz.qoltanba.core.setLocale

/**
 * The app's language: Kazakh, Russian or English, following the phone's
 * languages unless the citizen chose one in the app's settings. The core
 * speaks it from [apply] on (its errors, progress lines, reminders).
 */
object Language {
    /** The languages the core has words for, as BCP 47 tags. */
    val SUPPORTED: List<String> = listOf("kk", "ru", "en")

    /** The core's language when nothing matches (it says English until told otherwise). */
    const val FALLBACK: String = "en"

    /**
     * The language to use: [chosen] (the citizen's choice in settings) when
     * it is one of [SUPPORTED]; otherwise the first of the phone's languages
     * [systemTags] (BCP 47, in preference order, e.g. from
     * `LocaleList.getDefault().toLanguageTags()`) whose language is
     * supported (`kk-KZ` is `kk`, `ru-KZ` is `ru`); otherwise [FALLBACK].
     */
    fun pick(systemTags: List<String>, chosen: String?): String {
        chosen?.let(::languageOf)?.let { return it }
        return systemTags.firstNotNullOfOrNull(::languageOf) ?: FALLBACK
    }

    /** Tells the core to speak [tag] from now on. */
    fun apply(tag: String) {
        setLocale(tag)
    }

    /** The supported language of a BCP 47 tag (or a POSIX-style `ru_RU`), or null. */
    private fun languageOf(tag: String): String? {
        val language = tag.trim().substringBefore('-').substringBefore('_').lowercase()
        return language.takeIf { it in SUPPORTED }
    }
}
