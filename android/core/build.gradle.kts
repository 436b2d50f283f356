// :core, the AAR kz.qoltanba:qoltanba-core: the qoltanba core for Android
// apps. It holds no code of its own: the uniffi Kotlin bindings (Android
// flavour), generated at build time from the Rust workspace by
// scripts/bindings.sh, and the native library libqoltanba_ffi.so for every
// ABI an app ships, built by cargo-ndk. JNA, which the bindings call the
// library through, is an `api` dependency (its AAR carries JNA's own native
// dispatch library per ABI).
import org.jetbrains.kotlin.gradle.dsl.JvmTarget

plugins {
    alias(libs.plugins.android.library)
    alias(libs.plugins.kotlin.android)
    `maven-publish`
}

// The Rust workspace: the parent of android/.
val workspace: File = rootDir.parentFile

// -Pqoltanba.testing=true: the FFI's feature `testing` (EmbeddedServer, the
// simulator card), for instrumented tests only; never in a shipped app.
val testing: Boolean = providers.gradleProperty("qoltanba.testing").map { it.toBoolean() }.getOrElse(false)
val cargoFeatures: List<String> = if (testing) listOf("--features", "testing") else emptyList()
// The bindings are generated from a host build, where the Android keystore's
// code (and the keystore's test exports the instrumented tests call) exists
// only with `jvm-keystore`: the host build adds it so that the Kotlin declares
// what the Android library exports.
val bindingsFeatures: List<String> = if (testing) listOf("--features", "testing,jvm-keystore") else emptyList()

// -Pqoltanba.abis=x86_64 (comma-separated): build only these ABIs, e.g. for an
// emulator run; the default is the three the app ships.
val abis: List<String> = providers.gradleProperty("qoltanba.abis")
    .map { it.split(',').map(String::trim).filter(String::isNotEmpty) }
    .getOrElse(listOf("arm64-v8a", "armeabi-v7a", "x86_64"))

// The published version is the workspace's (the root project reads it from
// Cargo.toml).
val workspaceVersion: String = rootProject.extra["qoltanbaVersion"] as String
group = "kz.qoltanba"
version = workspaceVersion

// scripts/bindings.sh writes here (the host build; the Kotlin is the same for
// every ABI) and cargo-ndk copies the libraries into jniLibs/<abi>/.
val cargoTargetDir: File = workspace.resolve("target")
val bindingsDir: File = cargoTargetDir.resolve("bindings/kotlin-android")
val jniLibsDir: File = layout.buildDirectory.dir("jniLibs").get().asFile

android {
    namespace = "kz.qoltanba.core"
    compileSdk = libs.versions.compileSdk.get().toInt()
    ndkVersion = libs.versions.ndk.get()

    defaultConfig {
        minSdk = libs.versions.minSdk.get().toInt()
        testInstrumentationRunner = "androidx.test.runner.AndroidJUnitRunner"
        // Applied to any app that shrinks with R8: JNA and the bindings are
        // reached by reflection and from native code.
        consumerProguardFiles("consumer-rules.pro")
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }

    sourceSets {
        getByName("main") {
            // Kotlin sources in a java source directory are compiled by the
            // Kotlin plugin like any other.
            java.srcDir(bindingsDir)
            jniLibs.srcDir(jniLibsDir)
        }
        getByName("androidTest") {
            // The keystore cases and journeys shared with the desktop JVM
            // suite (scripts/kotlin-tests.sh compiles the same files).
            java.srcDir(workspace.resolve("bindings/tests/kotlin-common"))
        }
    }

    publishing {
        singleVariant("release")
    }
}

kotlin {
    compilerOptions {
        jvmTarget.set(JvmTarget.JVM_17)
    }
}

// The native library for the three ABIs the app ships: phones (arm64-v8a,
// armeabi-v7a) and the x86_64 emulator. The NDK is the one AGP uses
// (ndkVersion above); --platform is minSdk.
val cargoNdk = tasks.register<Exec>("cargoNdk") {
    group = "build"
    description = "Builds libqoltanba_ffi.so for the ABIs (default arm64-v8a, armeabi-v7a, x86_64) with cargo-ndk into build/jniLibs"
    val ndkDirectory = androidComponents.sdkComponents.ndkDirectory
    val minSdk = libs.versions.minSdk.get()
    workingDir = workspace
    environment("CARGO_TARGET_DIR", cargoTargetDir.path)
    commandLine(
        listOf("cargo", "ndk") +
            abis.flatMap { listOf("-t", it) } +
            listOf("--platform", minSdk, "-o", jniLibsDir.path) +
            listOf("build", "--release", "-p", "qoltanba-ffi", "--locked") +
            cargoFeatures,
    )
    // Read when the task runs: resolving the NDK is not configuration work.
    doFirst {
        environment("ANDROID_NDK_HOME", ndkDirectory.get().asFile.path)
    }
    // No declared outputs: the task runs on every build and cargo, which
    // knows what changed, decides what to rebuild.
}

// The Kotlin bindings, from the host build of the same features (uniffi's
// library mode reads them out of a built library; the generated code checks
// the Android library's checksums when it loads, so the features must be the
// same as cargoNdk's).
val generateBindings = tasks.register<Exec>("generateBindings") {
    group = "build"
    description = "Generates the uniffi Kotlin bindings (Android flavour) into target/bindings/kotlin-android"
    workingDir = workspace
    environment("CARGO_TARGET_DIR", cargoTargetDir.path)
    commandLine(listOf("bash", "scripts/bindings.sh") + bindingsFeatures)
}

tasks.named("preBuild") {
    dependsOn(cargoNdk, generateBindings)
}

dependencies {
    // @aar: JNA's Android archive, with libjnidispatch.so per ABI (the jar
    // carries desktop libraries only).
    api("net.java.dev.jna:jna:${libs.versions.jna.get()}@aar")
    // The bindings' async calls are suspend functions.
    api(libs.kotlinx.coroutines.android)

    // The instrumented tests of the core (src/androidTest), on an emulator
    // with -Pqoltanba.testing=true.
    androidTestImplementation(libs.junit)
    androidTestImplementation(libs.androidx.test.core)
    androidTestImplementation(libs.androidx.test.runner)
    androidTestImplementation(libs.androidx.test.ext.junit)
    androidTestImplementation(libs.kotlinx.coroutines.test)
}

publishing {
    publications {
        register<MavenPublication>("release") {
            groupId = "kz.qoltanba"
            artifactId = "qoltanba-core"
            version = workspaceVersion
            afterEvaluate {
                from(components["release"])
            }
            pom {
                name.set("qoltanba-core")
                description.set("The qoltanba core for Android: uniffi Kotlin bindings and libqoltanba_ffi.so per ABI")
                licenses {
                    license {
                        name.set("Apache-2.0")
                        url.set("https://www.apache.org/licenses/LICENSE-2.0")
                    }
                }
            }
        }
    }
    repositories {
        // ./gradlew :core:publishReleasePublicationToBuildRepository puts
        // the AAR and its POM under build/repo (a Maven layout to copy or
        // upload); publishToMavenLocal also works.
        maven {
            name = "build"
            url = uri(layout.buildDirectory.dir("repo"))
        }
    }
}
