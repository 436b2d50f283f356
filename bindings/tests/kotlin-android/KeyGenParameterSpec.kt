// Stand-ins for the android.security.keystore classes the core's Android
// keystore code (core/src/keystore/platform/android.rs) calls through JNI,
// for the desktop JVM: the same names, constructors, setters and constant
// values as Android's (API 30+), so the JNI lookups a phone makes resolve
// here too. Only what qoltanba calls, plus the getters the tests read.
package android.security.keystore

import java.security.InvalidKeyException
import java.security.ProviderException
import java.security.spec.AlgorithmParameterSpec

/** android.security.keystore.KeyProperties: Android's values. */
object KeyProperties {
    const val PURPOSE_ENCRYPT = 1
    const val PURPOSE_DECRYPT = 2
    const val PURPOSE_SIGN = 4
    const val PURPOSE_VERIFY = 8
    const val KEY_ALGORITHM_RSA = "RSA"
    const val KEY_ALGORITHM_EC = "EC"
    const val KEY_ALGORITHM_AES = "AES"
    const val DIGEST_SHA256 = "SHA-256"
    const val SIGNATURE_PADDING_RSA_PKCS1 = "PKCS1"
    const val BLOCK_MODE_GCM = "GCM"
    const val ENCRYPTION_PADDING_NONE = "NoPadding"
    const val AUTH_DEVICE_CREDENTIAL = 1 shl 0
    const val AUTH_BIOMETRIC_STRONG = 1 shl 1
}

/** Thrown by key generation when StrongBox was asked for and the device has none. */
class StrongBoxUnavailableException(message: String? = null) : ProviderException(message)

/** Thrown when a key that needs the user's unlock is used without it. */
class UserNotAuthenticatedException(message: String? = "User not authenticated") : InvalidKeyException(message)

/** Thrown when a key was invalidated (lock screen removed, new biometrics). */
class KeyPermanentlyInvalidatedException(message: String? = "Key permanently invalidated") :
    InvalidKeyException(message)

/** android.security.keystore.KeyGenParameterSpec and its Builder. */
class KeyGenParameterSpec private constructor(b: Builder) : AlgorithmParameterSpec {
    val keystoreAlias: String = b.alias
    val purposes: Int = b.purposes
    val digests: List<String> = b.digests
    val keySize: Int = b.keySize
    val algorithmParameterSpec: AlgorithmParameterSpec? = b.algorithmParameterSpec
    val signaturePaddings: List<String> = b.signaturePaddings
    val blockModes: List<String> = b.blockModes
    val encryptionPaddings: List<String> = b.encryptionPaddings
    val attestationChallenge: ByteArray? = b.attestationChallenge
    val isUserAuthenticationRequired: Boolean = b.userAuthenticationRequired
    val userAuthenticationValidityDurationSeconds: Int = b.userAuthenticationTimeout
    val userAuthenticationType: Int = b.userAuthenticationType
    val isStrongBoxBacked: Boolean = b.strongBox

    override fun toString(): String =
        "KeyGenParameterSpec($keystoreAlias, purposes=$purposes, digests=$digests, keySize=$keySize, " +
            "params=${(algorithmParameterSpec as? java.security.spec.ECGenParameterSpec)?.name}, " +
            "paddings=$signaturePaddings, modes=$blockModes, encPaddings=$encryptionPaddings, " +
            "challenge=${attestationChallenge?.size}, auth=$isUserAuthenticationRequired/" +
            "$userAuthenticationValidityDurationSeconds/$userAuthenticationType, strongBox=$isStrongBoxBacked)"

    class Builder(internal val alias: String, internal val purposes: Int) {
        internal var digests: List<String> = emptyList()
        internal var keySize: Int = -1
        internal var algorithmParameterSpec: AlgorithmParameterSpec? = null
        internal var signaturePaddings: List<String> = emptyList()
        internal var blockModes: List<String> = emptyList()
        internal var encryptionPaddings: List<String> = emptyList()
        internal var attestationChallenge: ByteArray? = null
        internal var userAuthenticationRequired = false
        internal var userAuthenticationTimeout = 0
        internal var userAuthenticationType = KeyProperties.AUTH_BIOMETRIC_STRONG
        internal var strongBox = false

        init {
            require(alias.isNotEmpty()) { "keystoreAlias must not be empty" }
        }

        fun setDigests(vararg digests: String): Builder = apply { this.digests = digests.toList() }
        fun setKeySize(keySize: Int): Builder = apply {
            require(keySize > 0) { "keySize < 0" }
            this.keySize = keySize
        }
        fun setAlgorithmParameterSpec(spec: AlgorithmParameterSpec): Builder =
            apply { algorithmParameterSpec = spec }
        fun setSignaturePaddings(vararg paddings: String): Builder = apply { signaturePaddings = paddings.toList() }
        fun setBlockModes(vararg modes: String): Builder = apply { blockModes = modes.toList() }
        fun setEncryptionPaddings(vararg paddings: String): Builder =
            apply { encryptionPaddings = paddings.toList() }
        fun setAttestationChallenge(challenge: ByteArray?): Builder = apply { attestationChallenge = challenge?.clone() }
        fun setUserAuthenticationRequired(required: Boolean): Builder = apply { userAuthenticationRequired = required }
        fun setUserAuthenticationParameters(timeout: Int, type: Int): Builder = apply {
            require(timeout >= 0) { "timeout must be 0 or larger" }
            userAuthenticationTimeout = timeout
            userAuthenticationType = type
        }
        @Deprecated("Android 11: setUserAuthenticationParameters")
        fun setUserAuthenticationValidityDurationSeconds(seconds: Int): Builder = apply {
            userAuthenticationTimeout = seconds
        }
        fun setIsStrongBoxBacked(strongBox: Boolean): Builder = apply { this.strongBox = strongBox }
        fun build(): KeyGenParameterSpec = KeyGenParameterSpec(this)
    }
}
