// The Android side of qoltanba: the core packaged as an AAR (:core), the
// framework-only shell logic (:shell) and the Compose app (:app). The Rust
// workspace is this directory's parent; :core builds from it.
pluginManagement {
    repositories {
        google {
            content {
                includeGroupByRegex("com\\.android.*")
                includeGroupByRegex("com\\.google.*")
                includeGroupByRegex("androidx.*")
            }
        }
        mavenCentral()
        gradlePluginPortal()
    }
}

dependencyResolutionManagement {
    // Every repository is declared here, none in a module.
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
    }
}

rootProject.name = "qoltanba-android"
include(":core", ":shell", ":app")
