package kz.qoltanba.shell.push

/**
 * FCM's data map as the JSON object the core reads (`reminderFromPush`):
 * FCM hands the app the RA's data payload as string keys and string values,
 * and the core reads the payload as JSON bytes, the same shape the RA sent.
 * Pure: no Android class, no core call.
 */
object PushPayload {
    /** [data] as a JSON object of strings, keys in a stable (sorted) order. */
    fun toJson(data: Map<String, String>): String {
        val out = StringBuilder("{")
        for ((i, key) in data.keys.sorted().withIndex()) {
            if (i > 0) out.append(',')
            quote(key, out)
            out.append(':')
            quote(data.getValue(key), out)
        }
        return out.append('}').toString()
    }

    /** Appends [text] as a JSON string (RFC 8259 escaping). */
    private fun quote(text: String, out: StringBuilder) {
        out.append('"')
        for (c in text) {
            when (c) {
                '"' -> out.append("\\\"")
                '\\' -> out.append("\\\\")
                '\n' -> out.append("\\n")
                '\r' -> out.append("\\r")
                '\t' -> out.append("\\t")
                '\b' -> out.append("\\b")
                '\u000C' -> out.append("\\f")
                else -> if (c < ' ') out.append(String.format("\\u%04x", c.code)) else out.append(c)
            }
        }
        out.append('"')
    }
}
