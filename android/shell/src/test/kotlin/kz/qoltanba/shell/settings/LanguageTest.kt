package kz.qoltanba.shell.settings

import org.junit.Assert.assertEquals
import org.junit.Test

/** Picking kk, ru or en from the phone's languages and the citizen's choice. */
class LanguageTest {
    @Test
    fun theCitizensChoiceWins() {
        assertEquals("ru", Language.pick(listOf("kk-KZ", "en-US"), "ru"))
    }

    @Test
    fun theFirstSupportedSystemLanguageIsTaken() {
        assertEquals("kk", Language.pick(listOf("kk-KZ", "ru-KZ"), null))
        assertEquals("ru", Language.pick(listOf("de-DE", "ru-KZ", "kk"), null))
        assertEquals("kk", Language.pick(listOf("kk-Cyrl-KZ"), null))
        assertEquals("ru", Language.pick(listOf("ru_RU"), null))
        assertEquals("en", Language.pick(listOf("fr-FR", "EN-gb"), null))
    }

    @Test
    fun anUnsupportedChoiceFallsBackToTheSystemLanguages() {
        assertEquals("kk", Language.pick(listOf("kk-KZ"), "de"))
        assertEquals("kk", Language.pick(listOf("kk-KZ"), ""))
    }

    @Test
    fun nothingSupportedIsTheCoresFallback() {
        assertEquals(Language.FALLBACK, Language.pick(listOf("de-DE", "uz-Latn-UZ"), null))
        assertEquals("en", Language.pick(emptyList(), null))
    }
}
