package kz.qoltanba.app

import android.system.Os
import kz.qoltanba.core.EmbeddedServer

/**
 * The app as built, talking to the reference RA running in this process on
 * loopback (FFI feature `testing`: -Pqoltanba.testing=true) instead of the
 * RA of BuildConfig.
 */
class TestQoltanbaApplication : QoltanbaApplication() {
    override fun registrationAuthority(): RegistrationAuthority {
        // The RA keeps its database and CAs in a temporary directory: Rust's
        // temp_dir() is TMPDIR, else /data/local/tmp, which an app cannot write.
        Os.setenv("TMPDIR", cacheDir.absolutePath, true)
        val server = EmbeddedServer.start()
        embedded = server
        return RegistrationAuthority(server.url(), server.rootDer())
    }

    companion object {
        /** The embedded RA: the tests enroll citizens and read one-time codes through it. */
        lateinit var embedded: EmbeddedServer
            private set
    }
}
