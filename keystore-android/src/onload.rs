//! The library's `JNI_OnLoad`, which the VM runs when the app calls
//! `System.loadLibrary("qoltanba_ffi")`: it hands the `JavaVM` to
//! [`set_java_vm_raw`](crate::set_java_vm_raw). JNA (uniffi's bindings)
//! loading the same file does not run it; without it the keystore finds the
//! VM through `JNI_GetCreatedJavaVMs` where the system lets it. The symbol
//! is exported by whichever cdylib links this crate (qoltanba-ffi on Android,
//! and with feature `jvm-keystore` on the desktop).

use std::ffi::c_void;

/// `JNI_VERSION_1_6`: what this library needs of the VM.
const JNI_VERSION_1_6: i32 = 0x0001_0006;

/// Called by the VM once, when `System.loadLibrary` loads the library.
#[allow(non_snake_case)]
#[unsafe(no_mangle)]
pub extern "system" fn JNI_OnLoad(vm: *mut c_void, _reserved: *mut c_void) -> i32 {
    // Nothing may unwind into the VM.
    let _ = std::panic::catch_unwind(|| {
        // Safety: `vm` is the JavaVM* the VM passes to JNI_OnLoad.
        unsafe { crate::set_java_vm_raw(vm) }
    });
    JNI_VERSION_1_6
}
