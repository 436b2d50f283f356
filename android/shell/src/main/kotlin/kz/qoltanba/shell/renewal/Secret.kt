package kz.qoltanba.shell.renewal

/**
 * A secret the journey holds between calls (a password, the PIN, the CAN,
 * the one-time code), as characters that [wipe] overwrites.
 *
 * Honestly: the core's calls take Kotlin Strings, and JVM Strings cannot be
 * overwritten; each call makes one from these characters, which lives until
 * the garbage collector takes it (as does the String the citizen's text
 * field gave). What this class does is keep no String of the secret
 * reachable from the journey between calls, and leave nothing after the
 * journey ends.
 */
internal class Secret(text: String) {
    private var chars: CharArray? = text.toCharArray()

    /** The secret as the core's calls take it, for the duration of one call. */
    fun reveal(): String = String(chars ?: throw IllegalStateException("the secret was wiped"))

    /** Overwrites the characters; [reveal] fails from now on. */
    fun wipe() {
        chars?.fill('\u0000')
        chars = null
    }

    /** Never the secret. */
    override fun toString(): String = "Secret(redacted)"
}
