package kz.qoltanba.shell.push

import org.junit.Assert.assertEquals
import org.junit.Test

/** FCM's data map to the JSON the core reads. */
class PushPayloadTest {
    @Test
    fun aMapBecomesAJsonObjectOfStringsInKeyOrder() {
        val json = PushPayload.toJson(mapOf("serial" to "5E0001", "qoltanba" to "1", "days_left" to "7"))
        assertEquals("""{"days_left":"7","qoltanba":"1","serial":"5E0001"}""", json)
    }

    @Test
    fun quotesBackslashesAndControlCharactersAreEscaped() {
        val json = PushPayload.toJson(mapOf("k\"ey" to "a\\b\nc\u0001d\te"))
        assertEquals("{\"k\\\"ey\":\"a\\\\b\\nc\\u0001d\\te\"}", json)
    }

    @Test
    fun anEmptyMapIsAnEmptyObject() {
        assertEquals("{}", PushPayload.toJson(emptyMap()))
    }

    @Test
    fun nonAsciiTextIsKeptAsItIs() {
        assertEquals("""{"title":"Қолтаңба"}""", PushPayload.toJson(mapOf("title" to "Қолтаңба")))
    }
}
