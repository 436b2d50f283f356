package kz.qoltanba.shell.settings

import kz.qoltanba.core.QoltanbaException
import kz.qoltanba.core.currentLocale
import kz.qoltanba.core.errorKindMessage
import kz.qoltanba.shell.Native
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNotEquals
import org.junit.Test

/** The picked language reaches the core, whose words change with it. */
class LanguageApplyTest {
    init {
        Native.ready()
    }

    @After
    fun backToEnglish() = Language.apply("en")

    @Test
    fun theCoreSpeaksThePickedLanguage() {
        val lost = QoltanbaException.CardLost("")
        val words = Language.SUPPORTED.associateWith { tag ->
            Language.apply(Language.pick(listOf("$tag-KZ"), null))
            assertEquals(tag, currentLocale())
            errorKindMessage(lost)
        }
        assertNotEquals(words["kk"], words["ru"])
        assertNotEquals(words["ru"], words["en"])
        assertNotEquals(words["kk"], words["en"])
        Language.apply(Language.pick(listOf("de-DE"), "kk"))
        assertEquals("the citizen's choice", "kk", currentLocale())
    }
}
