// :shell — the app's logic that is not drawing: NFC (IsoDep as the core's
// card transport, reader mode, the remembered CAN), the renewal journey,
// push and local reminders, deep links, the language. Only the Android
// framework, :core and kotlinx-coroutines: no AndroidX, no Play services.
// Its sources use framework APIs of level 23 and below only (scripts/android-tests.sh
// compiles them against Debian's android.jar 23); what needs more (notification
// channels, BiometricPrompt) is the app's, behind interfaces it implements.
plugins {
    id("com.android.library")
    id("org.jetbrains.kotlin.android")
}

android {
    namespace = "kz.qoltanba.shell"
    compileSdk = 35

    defaultConfig {
        minSdk = 26
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }

    testOptions {
        // src/test holds the pure parts' tests; they touch no framework method.
        unitTests.isReturnDefaultValues = true
    }
}

kotlin {
    jvmToolchain(17)
}

dependencies {
    api(project(":core"))
    // StateFlow and suspend functions are part of :shell's API.
    api(libs.kotlinx.coroutines.android)
    testImplementation("junit:junit:4.13.2")
}
