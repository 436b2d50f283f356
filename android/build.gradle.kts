// Plugins are declared once here (versions in gradle/libs.versions.toml) and
// applied by the modules that use them.
plugins {
    alias(libs.plugins.android.application) apply false
    alias(libs.plugins.android.library) apply false
    alias(libs.plugins.kotlin.android) apply false
    alias(libs.plugins.kotlin.compose) apply false
    alias(libs.plugins.google.services) apply false
}

// The version of everything built here is the Rust workspace's
// ([workspace.package] in ../Cargo.toml), its one home: the AAR's Maven
// version and the app's versionName.
val qoltanbaVersion: String by extra(
    run {
        val manifest = providers.fileContents(layout.projectDirectory.file("../Cargo.toml")).asText.get()
        var inPackage = false
        var found: String? = null
        for (line in manifest.lines().map { it.trim() }) {
            if (line.startsWith("[")) {
                inPackage = line == "[workspace.package]"
            } else if (inPackage && line.startsWith("version") && line.contains("=")) {
                found = line.substringAfter("=").trim().trim('"')
                break
            }
        }
        found ?: throw GradleException("no version under [workspace.package] in ../Cargo.toml")
    },
)
