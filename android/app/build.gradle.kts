// :app, the qoltanba app (kz.qoltanba.app): Jetpack Compose screens over the
// core's cabinet, NFC reader mode for the ID card, FCM, BiometricPrompt. No
// domain rule lives here: what to show and what is allowed comes from the
// core (App.menu(), citizenKeys(), the renewal's states); the logic that is
// not drawing lives in :shell.
import java.util.Base64
import org.jetbrains.kotlin.gradle.dsl.JvmTarget

plugins {
    alias(libs.plugins.android.application)
    alias(libs.plugins.kotlin.android)
    alias(libs.plugins.kotlin.compose)
}

// FCM needs the operator's Firebase configuration, app/google-services.json
// (README.md, "What an operator sets"). Without it the app builds and runs
// with no push: local reminders still fire.
if (file("google-services.json").exists()) {
    apply(plugin = libs.plugins.google.services.get().pluginId)
}

val testing: Boolean = providers.gradleProperty("qoltanba.testing").map { it.toBoolean() }.getOrElse(false)

// The registration authority: its URL and root certificate (DER or PEM),
// both gradle properties (gradle.properties, -P, or ~/.gradle/gradle.properties).
val raUrl: String = providers.gradleProperty("qoltanba.raUrl").getOrElse("").trim()
if (raUrl.isNotEmpty() && !raUrl.startsWith("https://")) {
    throw GradleException("qoltanba.raUrl must be an https:// URL, not '$raUrl'")
}
// The RA's host: the https renewal links of its notices (https://HOST/renew/HEX)
// open the app as verified Android App Links (the RA's host serves
// /.well-known/assetlinks.json, docs/operations.md section 4).
val raHost: String = if (raUrl.isEmpty()) "ra.invalid" else java.net.URI(raUrl).host
val raRootDerBase64: String = run {
    val path = providers.gradleProperty("qoltanba.raRootCertificate").getOrElse("").trim()
    if (path.isEmpty()) return@run ""
    val file = rootProject.file(path)
    if (!file.isFile) throw GradleException("qoltanba.raRootCertificate: there is no file $file")
    val bytes = file.readBytes()
    val text = String(bytes, Charsets.US_ASCII)
    val der = if (text.contains("-----BEGIN CERTIFICATE-----")) {
        val body = text.substringAfter("-----BEGIN CERTIFICATE-----").substringBefore("-----END CERTIFICATE-----")
        Base64.getMimeDecoder().decode(body)
    } else {
        bytes
    }
    Base64.getEncoder().encodeToString(der)
}

android {
    namespace = "kz.qoltanba.app"
    compileSdk = libs.versions.compileSdk.get().toInt()

    defaultConfig {
        applicationId = "kz.qoltanba.app"
        minSdk = libs.versions.minSdk.get().toInt()
        targetSdk = libs.versions.targetSdk.get().toInt()
        versionCode = 1
        versionName = rootProject.extra["qoltanbaVersion"] as String
        // The app speaks Kazakh, Russian and English; other languages of the
        // libraries' resources are left out of the APK.
        resourceConfigurations += listOf("en", "kk", "ru")
        buildConfigField("String", "RA_URL", "\"$raUrl\"")
        manifestPlaceholders["raHost"] = raHost
        buildConfigField("String", "RA_ROOT_DER_BASE64", "\"$raRootDerBase64\"")
        // Opens the app on the embedded RA for the instrumented tests
        // (src/androidTest: QoltanbaTestRunner).
        testInstrumentationRunner = "kz.qoltanba.app.QoltanbaTestRunner"
    }

    buildTypes {
        release {
            isMinifyEnabled = true
            isShrinkResources = true
            proguardFiles(getDefaultProguardFile("proguard-android-optimize.txt"), "proguard-rules.pro")
        }
    }

    buildFeatures {
        compose = true
        buildConfig = true
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }

    testOptions {
        animationsDisabled = true
    }
}

kotlin {
    compilerOptions {
        jvmTarget.set(JvmTarget.JVM_17)
    }
}

// The UI test runs a renewal against the embedded RA, which only a core built
// with the FFI's feature `testing` has: say so instead of failing to compile.
gradle.taskGraph.whenReady {
    val instrumented = allTasks.any { it.project == project && it.name.startsWith("connected") }
    if (instrumented && !testing) {
        throw GradleException("the app's instrumented tests need the embedded RA: run them with -Pqoltanba.testing=true")
    }
}

dependencies {
    implementation(project(":core"))
    implementation(project(":shell"))

    implementation(platform(libs.compose.bom))
    implementation(libs.compose.ui)
    implementation(libs.compose.foundation)
    implementation(libs.compose.material3)
    implementation(libs.compose.material.icons.core)
    implementation(libs.compose.ui.tooling.preview)
    debugImplementation(libs.compose.ui.tooling)

    implementation(libs.androidx.activity.compose)
    // AppCompatActivity: per-app languages on Android 8-12
    // (AppCompatDelegate.setApplicationLocales) and the FragmentActivity
    // BiometricPrompt needs.
    implementation(libs.androidx.appcompat)
    implementation(libs.androidx.core.ktx)
    implementation(libs.androidx.lifecycle.runtime.compose)
    implementation(libs.androidx.lifecycle.viewmodel.compose)
    implementation(libs.androidx.biometric)
    implementation(libs.kotlinx.coroutines.android)

    implementation(platform(libs.firebase.bom))
    implementation(libs.firebase.messaging)

    androidTestImplementation(platform(libs.compose.bom))
    androidTestImplementation(libs.compose.ui.test.junit4)
    androidTestImplementation(libs.androidx.test.core)
    androidTestImplementation(libs.androidx.test.runner)
    androidTestImplementation(libs.androidx.test.ext.junit)
    androidTestImplementation(libs.junit)
    // The test activity host of createAndroidComposeRule, in debug builds only.
    debugImplementation(libs.compose.ui.test.manifest)
}
