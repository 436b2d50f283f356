// X.509 helpers the Android keystore tests share, on the desktop JVM (with
// the stand-in AndroidKeyStore) and on a device (the real one): DER
// encoding, certificates minted with the JCA alone, and reading Android's
// KeyDescription (the key attestation extension) out of a leaf.
package kz.qoltanba.tests.android

import java.io.ByteArrayOutputStream
import java.math.BigInteger
import java.security.PrivateKey
import java.security.PublicKey
import java.security.Signature
import java.security.cert.CertificateFactory
import java.security.cert.X509Certificate
import java.time.Instant
import java.time.ZoneOffset
import java.time.format.DateTimeFormatter

fun x509(der: ByteArray): X509Certificate =
    CertificateFactory.getInstance("X.509").generateCertificate(der.inputStream()) as X509Certificate

/** Verifies [signature] with the certificate's public key in the JCA (SunEC or Conscrypt, not the keystore). */
fun jvmVerifies(leaf: X509Certificate, algorithm: String, message: ByteArray, signature: ByteArray): Boolean =
    Signature.getInstance(algorithm).run {
        initVerify(leaf.publicKey)
        update(message)
        verify(signature)
    }

/** DER, enough for certificates. */
object Der {
    fun tlv(tag: Int, content: ByteArray): ByteArray {
        val out = ByteArrayOutputStream()
        if (tag > 0xff) {
            out.write(tag shr 16 and 0xff); out.write(tag shr 8 and 0xff); out.write(tag and 0xff)
        } else {
            out.write(tag)
        }
        val n = content.size
        when {
            n < 0x80 -> out.write(n)
            n < 0x100 -> { out.write(0x81); out.write(n) }
            n < 0x10000 -> { out.write(0x82); out.write(n shr 8); out.write(n and 0xff) }
            else -> { out.write(0x83); out.write(n shr 16); out.write(n shr 8 and 0xff); out.write(n and 0xff) }
        }
        out.write(content)
        return out.toByteArray()
    }

    private fun cat(items: Array<out ByteArray>): ByteArray {
        val out = ByteArrayOutputStream()
        items.forEach { out.write(it) }
        return out.toByteArray()
    }

    fun seq(vararg items: ByteArray) = tlv(0x30, cat(items))
    fun set(vararg items: ByteArray) = tlv(0x31, cat(items))
    fun int(value: Long) = tlv(0x02, BigInteger.valueOf(value).toByteArray())
    fun int(value: BigInteger) = tlv(0x02, value.toByteArray())
    fun enumerated(value: Int) = tlv(0x0a, BigInteger.valueOf(value.toLong()).toByteArray())
    fun octets(value: ByteArray) = tlv(0x04, value)
    fun bits(value: ByteArray) = tlv(0x03, byteArrayOf(0) + value)
    fun utf8(value: String) = tlv(0x0c, value.toByteArray(Charsets.UTF_8))
    fun nul() = byteArrayOf(0x05, 0x00)
    fun explicit(tag: Int, vararg items: ByteArray) = tlv(0xa0 + tag, cat(items))
    fun time(at: Instant) =
        tlv(0x17, DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'").withZone(ZoneOffset.UTC).format(at).toByteArray())

    fun oid(dotted: String): ByteArray {
        val arcs = dotted.split('.').map { it.toLong() }
        val out = ByteArrayOutputStream()
        fun base128(v: Long) {
            val bytes = mutableListOf((v and 0x7f).toInt())
            var rest = v shr 7
            while (rest > 0) {
                bytes.add(0, ((rest and 0x7f) or 0x80).toInt())
                rest = rest shr 7
            }
            bytes.forEach { out.write(it) }
        }
        base128(arcs[0] * 40 + arcs[1])
        arcs.drop(2).forEach { base128(it) }
        return tlv(0x06, out.toByteArray())
    }

    fun name(commonName: String) = seq(set(seq(oid("2.5.4.3"), utf8(commonName))))
}

/** X.509 certificates made with the JCA alone (no internal JDK classes). */
object Certificates {
    private val serials = java.util.concurrent.atomic.AtomicLong(1000)

    fun signatureAlgorithm(key: PrivateKey): Pair<String, ByteArray> = when (key.algorithm) {
        "EC" -> "SHA256withECDSA" to Der.seq(Der.oid("1.2.840.10045.4.3.2"))
        "RSA" -> "SHA256withRSA" to Der.seq(Der.oid("1.2.840.113549.1.1.11"), Der.nul())
        else -> throw IllegalArgumentException("no signature algorithm for ${key.algorithm}")
    }

    /** A v3 certificate for [subjectKey], signed by [issuerKey]. */
    fun mint(
        subject: String,
        subjectKey: PublicKey,
        issuer: String,
        issuerKey: PrivateKey,
        extensions: List<ByteArray> = emptyList(),
        ca: Boolean = false,
    ): X509Certificate {
        val (jcaName, algorithm) = signatureAlgorithm(issuerKey)
        val now = Instant.now()
        val allExtensions = extensions +
            if (ca) listOf(Der.seq(Der.oid("2.5.29.19"), Der.tlv(0x01, byteArrayOf(0xff.toByte())), Der.octets(Der.seq(Der.tlv(0x01, byteArrayOf(0xff.toByte())))))) else emptyList()
        val tbs = Der.seq(
            Der.explicit(0, Der.int(2)),
            Der.int(serials.incrementAndGet()),
            algorithm,
            Der.name(issuer),
            Der.seq(Der.time(now.minusSeconds(60)), Der.time(now.plusSeconds(365L * 86400))),
            Der.name(subject),
            subjectKey.encoded,
            *(if (allExtensions.isEmpty()) emptyArray() else arrayOf(Der.explicit(3, Der.seq(*allExtensions.toTypedArray())))),
        )
        val signature = Signature.getInstance(jcaName).run {
            initSign(issuerKey)
            update(tbs)
            sign()
        }
        val der = Der.seq(tbs, algorithm, Der.bits(signature))
        return CertificateFactory.getInstance("X.509").generateCertificate(der.inputStream()) as X509Certificate
    }
}

/** Android's KeyDescription (OID 1.3.6.1.4.1.11129.2.1.17) in an attestation leaf. */
object KeyDescription {
    const val OID = "1.3.6.1.4.1.11129.2.1.17"

    /** The challenge in a leaf's KeyDescription, if any (5th element). */
    fun challengeOf(leaf: X509Certificate): ByteArray? {
        val r = fields(leaf) ?: return null
        r.next(0x02); r.next(0x0a); r.next(0x02); r.next(0x0a)
        return r.next(0x04)
    }

    /** The attestation's security level in a leaf's KeyDescription (0 software, 1 TEE, 2 StrongBox). */
    fun levelOf(leaf: X509Certificate): Int? {
        val r = fields(leaf) ?: return null
        r.next(0x02)
        return BigInteger(r.next(0x0a)).toInt()
    }

    /**
     * The level the core gives a key with this leaf: the lower of the
     * attestation's and the keystore's levels (an emulator's software
     * keystore says so in one of them), by name: `software`, `tee`,
     * `strongbox`; null without a KeyDescription.
     */
    fun levelNameOf(leaf: X509Certificate): String? {
        val r = fields(leaf) ?: return null
        r.next(0x02)
        val attestation = BigInteger(r.next(0x0a)).toInt()
        r.next(0x02)
        val keymaster = BigInteger(r.next(0x0a)).toInt()
        return when (minOf(attestation, keymaster)) {
            0 -> "software"
            1 -> "tee"
            2 -> "strongbox"
            else -> "level ${minOf(attestation, keymaster)}"
        }
    }

    private fun fields(leaf: X509Certificate): Reader? {
        val wrapped = leaf.getExtensionValue(OID) ?: return null
        return Reader(Reader(Reader(wrapped).next(0x04)).next(0x30))
    }

    /** Reads DER elements of one tag after another (short tags only). */
    class Reader(private val bytes: ByteArray) {
        private var at = 0
        fun next(tag: Int): ByteArray {
            check((bytes[at].toInt() and 0xff) == tag) { "DER: tag ${bytes[at]} where $tag was expected" }
            at++
            var len = bytes[at++].toInt() and 0xff
            if (len >= 0x80) {
                val n = len and 0x7f
                len = 0
                repeat(n) { len = (len shl 8) or (bytes[at++].toInt() and 0xff) }
            }
            val content = bytes.copyOfRange(at, at + len)
            at += len
            return content
        }
    }
}
