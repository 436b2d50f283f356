#![doc = include_str!("../README.md")]
//!
//! Android Keystore through JNI: keys generated inside the phone's TEE or
//! StrongBox by `java.security.KeyStore` "AndroidKeyStore", with an
//! attestation chain for the RA; GOST keys (which no Android keystore holds)
//! sealed under an AES-256-GCM key that lives there.
//!
//! Built on Android, and with feature `jvm-keystore` on the desktop, where
//! the Kotlin tests run this very code on the JVM against stand-ins for the
//! Android classes it calls (`bindings/tests/kotlin-android/`): the JNI call
//! sequence is the one a phone runs.
//!
//! The Java VM: [`set_java_vm_raw`] from `JNI_OnLoad` (the bindings export
//! it; the app's `System.loadLibrary("qoltanba_ffi")` runs it), else the
//! running VM found through `JNI_GetCreatedJavaVMs`, looked up at run time
//! (nothing links libjvm or libart). A thread the VM does not know (the
//! renewal runs on tokio's blocking threads) is attached for the call and
//! detached after it. No Android `Context` is needed.
//!
//! What each operation calls, in order (see also docs/platform-keystores.md):
//! - every operation: `KeyStore.getInstance("AndroidKeyStore")`, `load(null)`;
//! - a P-256 or RSA-2048 key: `new KeyGenParameterSpec.Builder(alias,
//!   PURPOSE_SIGN)`, `setDigests("SHA-256")`, EC:
//!   `setAlgorithmParameterSpec(new ECGenParameterSpec("secp256r1"))`, RSA:
//!   `setKeySize(2048)`, `setSignaturePaddings("PKCS1")`;
//!   `setAttestationChallenge(challenge)` when given; with user
//!   authentication `setUserAuthenticationRequired(true)` and
//!   `setUserAuthenticationParameters(AUTH_VALIDITY_SECONDS,
//!   AUTH_BIOMETRIC_STRONG | AUTH_DEVICE_CREDENTIAL)` (before Android 11:
//!   `setUserAuthenticationValidityDurationSeconds`); `setIsStrongBoxBacked(true)`,
//!   `build()`, `KeyPairGenerator.getInstance("EC"|"RSA", "AndroidKeyStore")`,
//!   `initialize(spec)`, `generateKeyPair()`; on `StrongBoxUnavailableException`
//!   the same again without `setIsStrongBoxBacked`; then
//!   `getCertificateChain(alias)` and `getEncoded()` of each certificate;
//! - a signature: `getKey(alias, null)`, `Signature.getInstance("SHA256withECDSA"
//!   | "SHA256withRSA")`, `initSign(key)`, `update(message)`, `sign()`;
//! - binding the issued certificate: `CertificateFactory.getInstance("X.509")`,
//!   `generateCertificate(new ByteArrayInputStream(der))` per certificate,
//!   `getKey(alias, null)`, `setKeyEntry(alias, key, null, chain)`;
//! - listing: `aliases()` (those starting `qoltanba-`), `isKeyEntry`,
//!   `getCertificateChain`; deleting: `containsAlias`, `deleteEntry`;
//! - GOST (sealing): `getKey(WRAPPING_ALIAS, null)` (made once with
//!   `KeyGenerator.getInstance("AES", "AndroidKeyStore")` over a spec with
//!   `PURPOSE_ENCRYPT | PURPOSE_DECRYPT`, `setBlockModes("GCM")`,
//!   `setEncryptionPaddings("NoPadding")`, `setKeySize(256)`),
//!   `Cipher.getInstance("AES/GCM/NoPadding")`, `init(ENCRYPT_MODE, key)`,
//!   `updateAAD(alias)`, `doFinal(pkcs8)`, `getIV()`; opening: `init(DECRYPT_MODE,
//!   key, new GCMParameterSpec(128, iv))`, `updateAAD(alias)`, `doFinal(sealed)`.
//!
//! Every Java exception is caught where it is thrown (`ExceptionCheck`,
//! `ExceptionOccurred`, `ExceptionClear`) and becomes a [`PlatformError`]
//! naming its class and message; each operation runs in its own JNI local
//! frame, each loop step in a nested one, so no local reference outlives
//! the call. A panic inside is caught too: nothing unwinds into the VM.
//!
//! Beside the keystore, a directory holds what the keystore cannot: per key
//! `keystore/<alias>.json` (the key's spec, security level and attestation
//! chain, which binding the issued certificate replaces in the keystore) and
//! the sealed GOST keys (`wrapped/`, `wrapped-auth/`: [`WrappedKeys`]).
//!
//! This crate and `qoltanba-keystore-apple` are the only crates of the
//! workspace allowed `unsafe`: here, the raw `JavaVM` pointer that
//! `JNI_OnLoad` receives (`onload.rs`) and the `JNI_GetCreatedJavaVMs`
//! lookup. Each unsafe block says why it is sound.

mod onload;

use std::ffi::c_void;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use der::Decode;
use jni::errors::Error as JniError;
use jni::objects::{JByteArray, JClass, JObject, JObjectArray, JString};
use jni::signature::MethodSignature;
use jni::strings::JNIStr;
use jni::sys::{jint, jsize};
use jni::{Env, JValue, JValueOwned, JavaVM, jni_sig, jni_str};
use serde::{Deserialize, Serialize};
use spki::SubjectPublicKeyInfoOwned;
use zeroize::Zeroizing;

use qoltanba_core::keystore::wrapped::{WrappedKeys, WrappingKey};
use qoltanba_core::keystore::{
    ALIAS_PREFIX, KeyRequest, PlatformError, PlatformKey, PlatformKeystore, SecurityLevel,
    new_alias,
};
use qoltanba_pki::crypto::{KeySpec, SignError, SignatureAlgorithm, Signer};
use qoltanba_pki::keyfile::save_new;

// Android's constants (android.security.keystore.KeyProperties,
// javax.crypto.Cipher): compile-time constants in Java, so fixed API.
const PURPOSE_ENCRYPT: jint = 1;
const PURPOSE_DECRYPT: jint = 2;
const PURPOSE_SIGN: jint = 4;
const AUTH_DEVICE_CREDENTIAL: jint = 1;
const AUTH_BIOMETRIC_STRONG: jint = 2;
const CIPHER_ENCRYPT_MODE: jint = 1;
const CIPHER_DECRYPT_MODE: jint = 2;

/// How long one unlock (biometry or device credential) lets a key that
/// requires user authentication be used. Not 0: a key bound to every single
/// use needs the app to pass the very `Signature` object to BiometricPrompt
/// as its CryptoObject, which a signature made here through JNI cannot do;
/// with a window, the app shows the prompt (or the lock screen) when an
/// operation fails with [`PlatformError::UserNotAuthenticated`] and retries.
pub const AUTH_VALIDITY_SECONDS: jint = 30;

/// The AES-256-GCM keys in AndroidKeyStore that seal GOST keys. Their
/// aliases do not start with [`ALIAS_PREFIX`], so they are never listed.
const WRAPPING_ALIAS: &str = "qoltanba.wrapping-key";
const WRAPPING_ALIAS_AUTH: &str = "qoltanba.wrapping-key.user-auth";

const STRONGBOX_UNAVAILABLE: &str = "android.security.keystore.StrongBoxUnavailableException";
const USER_NOT_AUTHENTICATED: &str = "android.security.keystore.UserNotAuthenticatedException";
const KEY_INVALIDATED: &str = "android.security.keystore.KeyPermanentlyInvalidatedException";
const NO_SUCH_ALGORITHM: &str = "java.security.NoSuchAlgorithmException";
const INVALID_ALGORITHM_PARAMETER: &str = "java.security.InvalidAlgorithmParameterException";
const BAD_TAG: &str = "javax.crypto.AEADBadTagException";

// ---------------------------------------------------------------------------
// The Java VM

/// How the VM was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum VmSource {
    OnLoad,
    Created,
}

static JAVA_VM: RwLock<Option<(JavaVM, VmSource)>> = RwLock::new(None);

fn vm_slot() -> std::sync::RwLockWriteGuard<'static, Option<(JavaVM, VmSource)>> {
    JAVA_VM.write().unwrap_or_else(|p| p.into_inner())
}

/// Use `vm` for every keystore call (the bindings' `JNI_OnLoad` calls this
/// through [`set_java_vm_raw`]).
pub fn set_java_vm(vm: JavaVM) {
    *vm_slot() = Some((vm, VmSource::OnLoad));
}

/// [`set_java_vm`] from the raw pointer `JNI_OnLoad` receives; false for null.
///
/// # Safety
/// `vm` is null or the `JavaVM*` the VM passed to `JNI_OnLoad`.
pub unsafe fn set_java_vm_raw(vm: *mut c_void) -> bool {
    if vm.is_null() {
        return false;
    }
    // Safety: a JavaVM* from JNI_OnLoad, valid for the life of the process.
    set_java_vm(unsafe { JavaVM::from_raw(vm.cast()) });
    true
}

/// Where the VM in use came from: `JNI_OnLoad`, `JNI_GetCreatedJavaVMs`, or
/// `None` before the first keystore call without `JNI_OnLoad`.
pub fn java_vm_source() -> Option<&'static str> {
    let slot = JAVA_VM.read().unwrap_or_else(|p| p.into_inner());
    slot.as_ref().map(|(_, source)| match source {
        VmSource::OnLoad => "JNI_OnLoad",
        VmSource::Created => "JNI_GetCreatedJavaVMs",
    })
}

/// Forget the VM, so the next call finds it through
/// `JNI_GetCreatedJavaVMs` (the tests of that path).
#[doc(hidden)]
pub fn forget_java_vm() {
    *vm_slot() = None;
}

fn java_vm() -> Result<JavaVM, PlatformError> {
    if let Some((vm, _)) = JAVA_VM.read().unwrap_or_else(|p| p.into_inner()).as_ref() {
        return Ok(vm.clone());
    }
    let vm = created_java_vm()?;
    let mut slot = vm_slot();
    Ok(slot.get_or_insert((vm, VmSource::Created)).0.clone())
}

type GetCreatedJavaVms =
    unsafe extern "system" fn(*mut *mut jni::sys::JavaVM, jsize, *mut jsize) -> jint;

/// The running VM, through `JNI_GetCreatedJavaVMs` looked up in what the
/// process has loaded (the java launcher loads libjvm globally; on Android
/// libnativehelper or libart export it).
fn created_java_vm() -> Result<JavaVM, PlatformError> {
    let missing = || {
        PlatformError::Platform(
            "no Java VM is known: load the library with System.loadLibrary(\"qoltanba_ffi\") \
             before using the keystore"
                .into(),
        )
    };
    let symbol = c"JNI_GetCreatedJavaVMs";
    // Safety: dlsym with a valid pseudo-handle and a NUL-terminated name.
    let address = unsafe { libc::dlsym(libc::RTLD_DEFAULT, symbol.as_ptr()) };
    #[cfg(target_os = "android")]
    let address = if address.is_null() {
        android_runtime_symbol(symbol)
    } else {
        address
    };
    if address.is_null() {
        return Err(missing());
    }
    // Safety: the exported JNI_GetCreatedJavaVMs has this signature (JNI spec).
    let get_created: GetCreatedJavaVms = unsafe { std::mem::transmute(address) };
    let mut vm: *mut jni::sys::JavaVM = std::ptr::null_mut();
    let mut count: jsize = 0;
    // Safety: room for one VM pointer and the count.
    let status = unsafe { get_created(&mut vm, 1, &mut count) };
    if status != jni::sys::JNI_OK || count < 1 || vm.is_null() {
        return Err(missing());
    }
    // Safety: a VM the runtime reports as created lives as long as the process.
    Ok(unsafe { JavaVM::from_raw(vm) })
}

/// `symbol` from libnativehelper (Android 12+) or libart, when loaded: the
/// app's linker namespace may not show them to RTLD_DEFAULT.
#[cfg(target_os = "android")]
fn android_runtime_symbol(symbol: &std::ffi::CStr) -> *mut c_void {
    for library in [c"libnativehelper.so", c"libart.so"] {
        // Safety: RTLD_NOLOAD only finds a library already loaded; dropping
        // the handle's reference again leaves it loaded.
        unsafe {
            let handle = libc::dlopen(library.as_ptr(), libc::RTLD_NOW | libc::RTLD_NOLOAD);
            if !handle.is_null() {
                let address = libc::dlsym(handle, symbol.as_ptr());
                libc::dlclose(handle);
                if !address.is_null() {
                    return address;
                }
            }
        }
    }
    std::ptr::null_mut()
}

// ---------------------------------------------------------------------------
// JNI calls with every exception caught

/// A Java exception, caught and cleared.
#[derive(Debug, Clone)]
struct Thrown {
    /// The exception's class, then its causes' (outermost first).
    classes: Vec<String>,
    message: Option<String>,
}

impl Thrown {
    fn is(&self, class: &str) -> bool {
        self.classes.iter().any(|c| c == class)
    }

    /// `class: message`, one line, at most 240 characters.
    fn describe(&self) -> String {
        let class = self
            .classes
            .first()
            .map_or("a Java exception", String::as_str);
        let text = match &self.message {
            Some(m) if !m.trim().is_empty() => format!("{class}: {m}"),
            _ => class.to_string(),
        };
        one_line(&text, 240)
    }
}

fn one_line(text: &str, max: usize) -> String {
    let mut line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(max)
        .collect();
    if text.chars().count() > max {
        line.push('…');
    }
    line
}

/// Why a JNI sequence stopped.
#[derive(Debug)]
enum Fail {
    /// Java threw.
    Thrown(Thrown),
    /// The method is not in this Android (API level).
    NoMethod(String),
    /// JNI itself (a class that cannot be found, no VM, …).
    Jni(String),
    /// Before any JNI call.
    Platform(PlatformError),
}

impl From<JniError> for Fail {
    fn from(e: JniError) -> Self {
        match e {
            JniError::MethodNotFound { name, sig } => Fail::NoMethod(format!("{name}{sig}")),
            e => Fail::Jni(one_line(&e.to_string(), 240)),
        }
    }
}

impl Fail {
    fn thrown(&self, class: &str) -> bool {
        matches!(self, Fail::Thrown(t) if t.is(class))
    }

    /// The error for the citizen; `doing` says what was being done.
    fn into_platform(self, doing: &str) -> PlatformError {
        match self {
            Fail::Thrown(t) if t.is(USER_NOT_AUTHENTICATED) => PlatformError::UserNotAuthenticated,
            Fail::Thrown(t) if t.is(KEY_INVALIDATED) => PlatformError::Platform(format!(
                "{doing}: the key was invalidated when the phone's lock screen or fingerprints \
                 changed; renew to make a new one"
            )),
            Fail::Thrown(t) => PlatformError::Platform(format!("{doing}: {}", t.describe())),
            Fail::NoMethod(m) => {
                PlatformError::Platform(format!("{doing}: this Android lacks {m}"))
            }
            Fail::Jni(m) => PlatformError::Platform(format!("{doing}: JNI: {m}")),
            Fail::Platform(e) => e,
        }
    }
}

type JResult<T> = Result<T, Fail>;

/// Run `f` with a JNI environment: this thread attached for the call if the
/// VM does not know it, everything inside one local frame, a panic caught.
fn with_env<T>(f: impl FnOnce(&mut Env<'_>) -> JResult<T>) -> JResult<T> {
    let vm = java_vm().map_err(Fail::Platform)?;
    catch_unwind(AssertUnwindSafe(|| {
        vm.attach_current_thread_for_scope(|env| -> JResult<T> {
            let result = f(env);
            // Nothing may stay pending; take anything a bug left behind.
            if env.exception_check() {
                let stray = take_exception(env);
                return result.and(Err(stray));
            }
            result
        })
    }))
    .unwrap_or_else(|_| Err(Fail::Jni("a panic in the JNI bridge was caught".into())))
}

/// Run `f` in a nested local frame (for loop steps).
fn in_frame<T>(env: &mut Env<'_>, f: impl FnOnce(&mut Env<'_>) -> JResult<T>) -> JResult<T> {
    env.with_local_frame(32, f)
}

/// The pending exception, cleared and described.
fn take_exception(env: &mut Env<'_>) -> Fail {
    let Some(throwable) = env.exception_occurred() else {
        return Fail::Jni("a Java exception was reported but none is pending".into());
    };
    env.exception_clear();
    let throwable: JObject = throwable.into();
    let described = in_frame(env, |env| {
        let mut classes = Vec::new();
        let mut message = None;
        let mut current = env.new_local_ref(&throwable)?;
        for depth in 0..6 {
            if current.is_null() {
                break;
            }
            let class = quiet(env, |env| {
                let class = env
                    .call_method(
                        &current,
                        jni_str!("getClass"),
                        jni_sig!("()Ljava/lang/Class;"),
                        &[],
                    )?
                    .l()?;
                let name = env
                    .call_method(
                        &class,
                        jni_str!("getName"),
                        jni_sig!("()Ljava/lang/String;"),
                        &[],
                    )?
                    .l()?;
                Ok(string_of(env, &name)?.unwrap_or_default())
            });
            classes.push(class.unwrap_or_else(|| "an unnamed exception".into()));
            if depth == 0 {
                message = quiet(env, |env| {
                    let text = env
                        .call_method(
                            &current,
                            jni_str!("getMessage"),
                            jni_sig!("()Ljava/lang/String;"),
                            &[],
                        )?
                        .l()?;
                    string_of(env, &text)
                })
                .flatten();
            }
            let cause = quiet(env, |env| {
                env.call_method(
                    &current,
                    jni_str!("getCause"),
                    jni_sig!("()Ljava/lang/Throwable;"),
                    &[],
                )?
                .l()
            });
            match cause {
                Some(cause) if !env.is_same_object(&cause, &current).unwrap_or(true) => {
                    current = cause
                }
                _ => break,
            }
        }
        Ok(Thrown { classes, message })
    });
    match described {
        Ok(thrown) => Fail::Thrown(thrown),
        Err(_) => Fail::Thrown(Thrown {
            classes: vec!["an exception that could not be described".into()],
            message: None,
        }),
    }
}

/// `f`'s answer, or None when it failed; an exception it raised is cleared
/// (for describing an exception, where a second one must not mask the first).
fn quiet<'local, T>(
    env: &mut Env<'local>,
    f: impl FnOnce(&mut Env<'local>) -> Result<T, JniError>,
) -> Option<T> {
    match f(env) {
        Ok(value) => Some(value),
        Err(_) => {
            if env.exception_check() {
                env.exception_clear();
            }
            None
        }
    }
}

/// `r`, with a pending Java exception taken as the failure.
fn caught<T>(env: &mut Env<'_>, r: Result<T, JniError>) -> JResult<T> {
    match r {
        Ok(_) | Err(_) if env.exception_check() => Err(take_exception(env)),
        Ok(value) => Ok(value),
        Err(e) => Err(e.into()),
    }
}

fn class<'local>(env: &mut Env<'local>, name: &JNIStr) -> JResult<JClass<'local>> {
    let r = env.find_class(name);
    caught(env, r)
}

fn call<'local, 'sig, 'args>(
    env: &mut Env<'local>,
    object: &JObject<'_>,
    name: &JNIStr,
    sig: impl AsRef<MethodSignature<'sig, 'args>>,
    args: &[JValue<'_>],
) -> JResult<JValueOwned<'local>> {
    let r = env.call_method(object, name, sig, args);
    caught(env, r)
}

fn call_static<'local, 'sig, 'args>(
    env: &mut Env<'local>,
    class: &JClass<'_>,
    name: &JNIStr,
    sig: impl AsRef<MethodSignature<'sig, 'args>>,
    args: &[JValue<'_>],
) -> JResult<JValueOwned<'local>> {
    let r = env.call_static_method(class, name, sig, args);
    caught(env, r)
}

fn new_object<'local, 'sig, 'args>(
    env: &mut Env<'local>,
    class: &JClass<'_>,
    sig: impl AsRef<MethodSignature<'sig, 'args>>,
    args: &[JValue<'_>],
) -> JResult<JObject<'local>> {
    let r = env.new_object(class, sig, args);
    caught(env, r)
}

/// The object a call answered (null allowed).
fn object(value: JValueOwned<'_>) -> JResult<JObject<'_>> {
    Ok(value.l()?)
}

fn boolean(value: JValueOwned<'_>) -> JResult<bool> {
    Ok(value.z()?)
}

fn java_string<'local>(env: &mut Env<'local>, text: &str) -> JResult<JString<'local>> {
    let r = env.new_string(text);
    caught(env, r)
}

/// A `String[]` of one element.
fn string_array<'local>(
    env: &mut Env<'local>,
    text: &str,
) -> JResult<JObjectArray<'local, JString<'local>>> {
    let element = java_string(env, text)?;
    let r = JObjectArray::<JString>::new(env, 1, &element);
    caught(env, r)
}

fn byte_array<'local>(env: &mut Env<'local>, bytes: &[u8]) -> JResult<JByteArray<'local>> {
    let r = env.byte_array_from_slice(bytes);
    caught(env, r)
}

/// The Rust string of a `java.lang.String` (None for null).
fn string_of(env: &mut Env<'_>, object: &JObject<'_>) -> Result<Option<String>, JniError> {
    if object.is_null() {
        return Ok(None);
    }
    // Safety: `object` is a java.lang.String (the signature of the call it came from).
    let string = unsafe { env.as_cast_unchecked::<JString>(object) };
    string.try_to_string(env).map(Some)
}

/// The bytes of a `byte[]` (None for null).
fn bytes_of(env: &mut Env<'_>, object: &JObject<'_>) -> JResult<Option<Vec<u8>>> {
    if object.is_null() {
        return Ok(None);
    }
    // Safety: `object` is a byte[] (the signature of the call it came from).
    let array = unsafe { env.as_cast_unchecked::<JByteArray>(object) };
    let r = env.convert_byte_array(&*array);
    caught(env, r).map(Some)
}

/// The bytes of a secret `byte[]`, copied into zeroizing memory, and the
/// Java array overwritten with zeros.
fn take_secret(env: &mut Env<'_>, object: &JObject<'_>) -> JResult<Zeroizing<Vec<u8>>> {
    if object.is_null() {
        return Err(Fail::Jni("the cipher answered no bytes".into()));
    }
    // Safety: `object` is a byte[] (the signature of the call it came from).
    let array = unsafe { env.as_cast_unchecked::<JByteArray>(object) };
    let r = array.len(env);
    let len = caught(env, r)?;
    let mut secret = Zeroizing::new(vec![0i8; len]);
    let r = array.get_region(env, 0, &mut secret);
    caught(env, r)?;
    wipe(env, &array)?;
    Ok(Zeroizing::new(secret.iter().map(|&b| b as u8).collect()))
}

/// Overwrite a Java `byte[]` that held a secret.
fn wipe(env: &mut Env<'_>, array: &JByteArray<'_>) -> JResult<()> {
    let r = array.len(env);
    let len = caught(env, r)?;
    let r = array.set_region(env, 0, &vec![0i8; len]);
    caught(env, r)
}

/// The DER of each certificate of a `Certificate[]` (empty for null).
fn certificates_of(env: &mut Env<'_>, chain: &JObject<'_>) -> JResult<Vec<Vec<u8>>> {
    if chain.is_null() {
        return Ok(Vec::new());
    }
    // Safety: `chain` is a Certificate[] (getCertificateChain's signature).
    let array = unsafe { env.as_cast_unchecked::<JObjectArray<JObject>>(chain) };
    let r = array.len(env);
    let len = caught(env, r)?;
    let mut out = Vec::with_capacity(len);
    for i in 0..len {
        let der = in_frame(env, |env| {
            let r = array.get_element(env, i);
            let certificate = caught(env, r)?;
            if certificate.is_null() {
                return Err(Fail::Jni("the certificate chain holds a null".into()));
            }
            let encoded = object(call(
                env,
                &certificate,
                jni_str!("getEncoded"),
                jni_sig!("()[B"),
                &[],
            )?)?;
            bytes_of(env, &encoded)?
                .ok_or_else(|| Fail::Jni("a certificate without encoding".into()))
        })?;
        out.push(der);
    }
    Ok(out)
}

// ---------------------------------------------------------------------------
// The keystore's Java steps

/// `KeyStore.getInstance("AndroidKeyStore")` and `load(null)`.
fn android_keystore<'local>(env: &mut Env<'local>) -> JResult<JObject<'local>> {
    let keystore_class = class(env, jni_str!("java/security/KeyStore"))?;
    let name = java_string(env, "AndroidKeyStore")?;
    let keystore = object(call_static(
        env,
        &keystore_class,
        jni_str!("getInstance"),
        jni_sig!("(Ljava/lang/String;)Ljava/security/KeyStore;"),
        &[JValue::Object(&name)],
    )?)?;
    call(
        env,
        &keystore,
        jni_str!("load"),
        jni_sig!("(Ljava/security/KeyStore$LoadStoreParameter;)V"),
        &[JValue::Object(&JObject::null())],
    )?;
    Ok(keystore)
}

/// `keystore.getKey(alias, null)`: the key, or None when there is none.
fn get_key<'local>(
    env: &mut Env<'local>,
    keystore: &JObject<'_>,
    alias: &str,
) -> JResult<Option<JObject<'local>>> {
    let name = java_string(env, alias)?;
    let key = object(call(
        env,
        keystore,
        jni_str!("getKey"),
        jni_sig!("(Ljava/lang/String;[C)Ljava/security/Key;"),
        &[JValue::Object(&name), JValue::Object(&JObject::null())],
    )?)?;
    Ok((!key.is_null()).then_some(key))
}

/// Whether `object` is an instance of the class `name`.
fn instance_of(env: &mut Env<'_>, object: &JObject<'_>, name: &JNIStr) -> JResult<bool> {
    let class = class(env, name)?;
    let r = env.is_instance_of(object, &class);
    caught(env, r)
}

/// `keystore.getCertificateChain(alias)`, DER, leaf first (None: no such key).
fn certificate_chain(
    env: &mut Env<'_>,
    keystore: &JObject<'_>,
    alias: &str,
) -> JResult<Option<Vec<Vec<u8>>>> {
    in_frame(env, |env| {
        let name = java_string(env, alias)?;
        let is_key = boolean(call(
            env,
            keystore,
            jni_str!("isKeyEntry"),
            jni_sig!("(Ljava/lang/String;)Z"),
            &[JValue::Object(&name)],
        )?)?;
        if !is_key {
            return Ok(None);
        }
        let chain = object(call(
            env,
            keystore,
            jni_str!("getCertificateChain"),
            jni_sig!("(Ljava/lang/String;)[Ljava/security/cert/Certificate;"),
            &[JValue::Object(&name)],
        )?)?;
        certificates_of(env, &chain).map(Some)
    })
}

/// What a new key's `KeyGenParameterSpec` says.
struct SpecRequest<'a> {
    alias: &'a str,
    purposes: jint,
    spec: Option<KeySpec>,
    challenge: Option<&'a [u8]>,
    user_authentication: bool,
    strongbox: bool,
}

/// `new KeyGenParameterSpec.Builder(…)…build()`.
fn key_gen_spec<'local>(
    env: &mut Env<'local>,
    request: &SpecRequest<'_>,
) -> JResult<JObject<'local>> {
    let builder_class = class(
        env,
        jni_str!("android/security/keystore/KeyGenParameterSpec$Builder"),
    )?;
    let alias = java_string(env, request.alias)?;
    let builder = new_object(
        env,
        &builder_class,
        jni_sig!("(Ljava/lang/String;I)V"),
        &[JValue::Object(&alias), JValue::Int(request.purposes)],
    )?;
    let set_strings = |env: &mut Env<'local>, setter: &JNIStr, value: &str| -> JResult<()> {
        let values = string_array(env, value)?;
        call(
            env,
            &builder,
            setter,
            jni_sig!(
                "([Ljava/lang/String;)Landroid/security/keystore/KeyGenParameterSpec$Builder;"
            ),
            &[JValue::Object(&values)],
        )?;
        Ok(())
    };
    match request.spec {
        Some(KeySpec::P256) => {
            set_strings(env, jni_str!("setDigests"), "SHA-256")?;
            let ec_class = class(env, jni_str!("java/security/spec/ECGenParameterSpec"))?;
            let curve = java_string(env, "secp256r1")?;
            let parameters = new_object(
                env,
                &ec_class,
                jni_sig!("(Ljava/lang/String;)V"),
                &[JValue::Object(&curve)],
            )?;
            call(
                env,
                &builder,
                jni_str!("setAlgorithmParameterSpec"),
                jni_sig!(
                    "(Ljava/security/spec/AlgorithmParameterSpec;)Landroid/security/keystore/KeyGenParameterSpec$Builder;"
                ),
                &[JValue::Object(&parameters)],
            )?;
        }
        Some(KeySpec::Rsa2048) => {
            set_strings(env, jni_str!("setDigests"), "SHA-256")?;
            call(
                env,
                &builder,
                jni_str!("setKeySize"),
                jni_sig!("(I)Landroid/security/keystore/KeyGenParameterSpec$Builder;"),
                &[JValue::Int(2048)],
            )?;
            set_strings(env, jni_str!("setSignaturePaddings"), "PKCS1")?;
        }
        Some(other) => {
            return Err(Fail::Platform(PlatformError::Unsupported(
                other.name().into(),
            )));
        }
        // The AES wrapping key.
        None => {
            set_strings(env, jni_str!("setBlockModes"), "GCM")?;
            set_strings(env, jni_str!("setEncryptionPaddings"), "NoPadding")?;
            call(
                env,
                &builder,
                jni_str!("setKeySize"),
                jni_sig!("(I)Landroid/security/keystore/KeyGenParameterSpec$Builder;"),
                &[JValue::Int(256)],
            )?;
        }
    }
    if let Some(challenge) = request.challenge {
        let challenge = byte_array(env, challenge)?;
        call(
            env,
            &builder,
            jni_str!("setAttestationChallenge"),
            jni_sig!("([B)Landroid/security/keystore/KeyGenParameterSpec$Builder;"),
            &[JValue::Object(&challenge)],
        )?;
    }
    if request.user_authentication {
        call(
            env,
            &builder,
            jni_str!("setUserAuthenticationRequired"),
            jni_sig!("(Z)Landroid/security/keystore/KeyGenParameterSpec$Builder;"),
            &[JValue::Bool(true)],
        )?;
        // Android 11 (API 30); before it, the validity alone (any unlock).
        match call(
            env,
            &builder,
            jni_str!("setUserAuthenticationParameters"),
            jni_sig!("(II)Landroid/security/keystore/KeyGenParameterSpec$Builder;"),
            &[
                JValue::Int(AUTH_VALIDITY_SECONDS),
                JValue::Int(AUTH_BIOMETRIC_STRONG | AUTH_DEVICE_CREDENTIAL),
            ],
        ) {
            Err(Fail::NoMethod(_)) => {
                call(
                    env,
                    &builder,
                    jni_str!("setUserAuthenticationValidityDurationSeconds"),
                    jni_sig!("(I)Landroid/security/keystore/KeyGenParameterSpec$Builder;"),
                    &[JValue::Int(AUTH_VALIDITY_SECONDS)],
                )?;
            }
            other => {
                other?;
            }
        }
    }
    if request.strongbox {
        // Android 9 (API 28); a missing method is a missing StrongBox.
        call(
            env,
            &builder,
            jni_str!("setIsStrongBoxBacked"),
            jni_sig!("(Z)Landroid/security/keystore/KeyGenParameterSpec$Builder;"),
            &[JValue::Bool(true)],
        )?;
    }
    object(call(
        env,
        &builder,
        jni_str!("build"),
        jni_sig!("()Landroid/security/keystore/KeyGenParameterSpec;"),
        &[],
    )?)
}

/// Whether a failed StrongBox attempt means "again without StrongBox".
fn strongbox_missing(fail: &Fail) -> bool {
    fail.thrown(STRONGBOX_UNAVAILABLE)
        || matches!(fail, Fail::NoMethod(m) if m.starts_with("setIsStrongBoxBacked"))
}

/// Generate a key pair for `request` in AndroidKeyStore, StrongBox first.
/// Answers whether StrongBox holds it.
fn generate_key_pair(
    env: &mut Env<'_>,
    request: &SpecRequest<'_>,
    algorithm: &str,
) -> JResult<bool> {
    let attempt = |env: &mut Env<'_>, strongbox: bool| {
        in_frame(env, |env| {
            let spec = key_gen_spec(
                env,
                &SpecRequest {
                    strongbox,
                    ..*request
                },
            )?;
            let generator_class = class(env, jni_str!("java/security/KeyPairGenerator"))?;
            let algorithm = java_string(env, algorithm)?;
            let provider = java_string(env, "AndroidKeyStore")?;
            let generator = object(call_static(
                env,
                &generator_class,
                jni_str!("getInstance"),
                jni_sig!("(Ljava/lang/String;Ljava/lang/String;)Ljava/security/KeyPairGenerator;"),
                &[JValue::Object(&algorithm), JValue::Object(&provider)],
            )?)?;
            call(
                env,
                &generator,
                jni_str!("initialize"),
                jni_sig!("(Ljava/security/spec/AlgorithmParameterSpec;)V"),
                &[JValue::Object(&spec)],
            )?;
            call(
                env,
                &generator,
                jni_str!("generateKeyPair"),
                jni_sig!("()Ljava/security/KeyPair;"),
                &[],
            )?;
            Ok(())
        })
    };
    match attempt(env, true) {
        Ok(()) => Ok(true),
        Err(fail) if strongbox_missing(&fail) => attempt(env, false).map(|()| false),
        Err(fail) => Err(fail),
    }
}

/// Generate the AES-256-GCM wrapping key `alias`, StrongBox first.
fn generate_wrapping_key<'local>(
    env: &mut Env<'local>,
    alias: &str,
    user_authentication: bool,
) -> JResult<()> {
    let attempt = |env: &mut Env<'_>, strongbox: bool| {
        in_frame(env, |env| {
            let request = SpecRequest {
                alias,
                purposes: PURPOSE_ENCRYPT | PURPOSE_DECRYPT,
                spec: None,
                challenge: None,
                user_authentication,
                strongbox,
            };
            let spec = key_gen_spec(env, &request)?;
            let generator_class = class(env, jni_str!("javax/crypto/KeyGenerator"))?;
            let algorithm = java_string(env, "AES")?;
            let provider = java_string(env, "AndroidKeyStore")?;
            let generator = object(call_static(
                env,
                &generator_class,
                jni_str!("getInstance"),
                jni_sig!("(Ljava/lang/String;Ljava/lang/String;)Ljavax/crypto/KeyGenerator;"),
                &[JValue::Object(&algorithm), JValue::Object(&provider)],
            )?)?;
            call(
                env,
                &generator,
                jni_str!("init"),
                jni_sig!("(Ljava/security/spec/AlgorithmParameterSpec;)V"),
                &[JValue::Object(&spec)],
            )?;
            call(
                env,
                &generator,
                jni_str!("generateKey"),
                jni_sig!("()Ljavax/crypto/SecretKey;"),
                &[],
            )?;
            Ok(())
        })
    };
    match attempt(env, true) {
        Err(fail) if strongbox_missing(&fail) => attempt(env, false),
        other => other,
    }
}

/// `Cipher.getInstance("AES/GCM/NoPadding")`.
fn aes_gcm_cipher<'local>(env: &mut Env<'local>) -> JResult<JObject<'local>> {
    let cipher_class = class(env, jni_str!("javax/crypto/Cipher"))?;
    let transformation = java_string(env, "AES/GCM/NoPadding")?;
    object(call_static(
        env,
        &cipher_class,
        jni_str!("getInstance"),
        jni_sig!("(Ljava/lang/String;)Ljavax/crypto/Cipher;"),
        &[JValue::Object(&transformation)],
    )?)
}

// ---------------------------------------------------------------------------
// The records beside the keystore

/// What `keystore/<alias>.json` holds for a key in AndroidKeyStore.
#[derive(Debug, Serialize, Deserialize)]
struct Record {
    spec: String,
    level: SecurityLevel,
    /// The keystore's certificate chain as generated (the attestation), DER
    /// base64, leaf first.
    #[serde(default)]
    attestation: Vec<String>,
}

fn storage(path: &Path, detail: impl ToString) -> PlatformError {
    PlatformError::Storage {
        path: path.display().to_string(),
        detail: detail.to_string(),
    }
}

/// Whether `alias` is one of qoltanba's (and safe as a file name).
fn ours(alias: &str) -> bool {
    alias.starts_with(ALIAS_PREFIX)
        && alias
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn spki_of(certificate: &[u8]) -> Result<SubjectPublicKeyInfoOwned, String> {
    x509_cert::Certificate::from_der(certificate)
        .map(|c| c.tbs_certificate().subject_public_key_info().clone())
        .map_err(|e| format!("the keystore's certificate does not parse: {e}"))
}

fn signature_algorithm(spec: KeySpec) -> Option<(SignatureAlgorithm, &'static str)> {
    match spec {
        KeySpec::P256 => Some((SignatureAlgorithm::EcdsaP256Sha256, "SHA256withECDSA")),
        KeySpec::Rsa2048 => Some((SignatureAlgorithm::RsaPkcs1Sha256, "SHA256withRSA")),
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// The keystore

/// Android Keystore (TEE or StrongBox) for P-256 and RSA-2048 keys, and
/// GOST keys sealed under an AES key held there. A cheap handle: each call
/// attaches to the VM, runs its JNI sequence and returns.
pub struct AndroidKeystore {
    records: PathBuf,
    gost: Arc<WrappedKeys>,
    gost_user_auth: Arc<WrappedKeys>,
}

impl std::fmt::Debug for AndroidKeystore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AndroidKeystore")
            .field("records", &self.records)
            .finish()
    }
}

impl AndroidKeystore {
    /// The keystore, with `dir` (in the app's private files, e.g.
    /// `context.filesDir/qoltanba-keys`) for what the keystore cannot hold:
    /// key records and sealed GOST keys. Creates `dir`; touches no VM (the
    /// first keystore call does).
    pub fn open(dir: impl Into<PathBuf>) -> Result<Self, PlatformError> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir).map_err(|e| storage(&dir, e))?;
        Ok(Self::new(dir))
    }

    /// [`Self::open`] without creating `dir` (made when a key is first saved).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        let dir = dir.into();
        let wrapping = |alias, user_authentication| -> Arc<dyn WrappingKey> {
            Arc::new(AndroidWrappingKey {
                alias,
                user_authentication,
                create: Mutex::new(()),
            })
        };
        Self {
            records: dir.join("keystore"),
            gost: Arc::new(WrappedKeys::new(
                dir.join("wrapped"),
                wrapping(WRAPPING_ALIAS, false),
            )),
            gost_user_auth: Arc::new(WrappedKeys::new(
                dir.join("wrapped-auth"),
                wrapping(WRAPPING_ALIAS_AUTH, true),
            )),
        }
    }

    fn record_path(&self, alias: &str) -> PathBuf {
        self.records.join(format!("{alias}.json"))
    }

    fn read_record(&self, alias: &str) -> Result<Option<Record>, PlatformError> {
        let path = self.record_path(alias);
        match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text)
                .map(Some)
                .map_err(|e| storage(&path, e)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(storage(&path, e)),
        }
    }

    /// The wrapped store holding `alias`, if any.
    fn wrapped(&self, alias: &str) -> Option<&Arc<WrappedKeys>> {
        if !ours(alias) {
            return None;
        }
        [&self.gost, &self.gost_user_auth]
            .into_iter()
            .find(|store| store.dir().join(format!("{alias}.json")).exists())
    }

    /// A keystore key as listed, from its chain and record.
    fn key_of(
        &self,
        alias: &str,
        chain: Vec<Vec<u8>>,
    ) -> Result<Option<PlatformKey>, PlatformError> {
        let Some(leaf) = chain.first() else {
            return Err(PlatformError::Platform(format!(
                "the keystore holds no certificate for {alias}"
            )));
        };
        let public_key = spki_of(leaf).map_err(PlatformError::Platform)?;
        let record = self.read_record(alias)?;
        let Some(record) = record else {
            // Generated, but the app stopped before recording it: what the
            // keystore itself tells.
            let spec = match public_key.algorithm.oid {
                qoltanba_pki::oid::EC_PUBLIC_KEY => KeySpec::P256,
                qoltanba_pki::oid::RSA_ENCRYPTION => KeySpec::Rsa2048,
                _ => return Ok(None),
            };
            return Ok(Some(PlatformKey {
                alias: alias.to_string(),
                spec,
                level: SecurityLevel::TrustedEnvironment,
                public_key,
                certificate: None,
                attestation: chain,
            }));
        };
        let path = self.record_path(alias);
        let attestation = record
            .attestation
            .iter()
            .map(|c| B64.decode(c).map_err(|e| storage(&path, e)))
            .collect::<Result<Vec<_>, _>>()?;
        // Binding replaces the keystore's chain: a leaf that is not the
        // generated one is the issued certificate.
        let certificate = (attestation.first() != Some(leaf)).then(|| leaf.clone());
        Ok(Some(PlatformKey {
            alias: alias.to_string(),
            spec: record.spec.parse().map_err(|e: String| storage(&path, e))?,
            level: record.level,
            public_key,
            certificate,
            attestation,
        }))
    }

    /// The keystore key `alias` (not a wrapped one).
    fn keystore_key(&self, alias: &str) -> Result<PlatformKey, PlatformError> {
        if !ours(alias) {
            return Err(PlatformError::NoSuchKey(alias.to_string()));
        }
        let chain = with_env(|env| {
            let keystore = android_keystore(env)?;
            certificate_chain(env, &keystore, alias)
        })
        .map_err(|f| f.into_platform("reading a key"))?;
        let Some(chain) = chain else {
            return Err(PlatformError::NoSuchKey(alias.to_string()));
        };
        self.key_of(alias, chain)?
            .ok_or_else(|| PlatformError::NoSuchKey(alias.to_string()))
    }

    fn generate_in_keystore(&self, request: &KeyRequest<'_>) -> Result<PlatformKey, PlatformError> {
        let algorithm = match request.spec {
            KeySpec::P256 => "EC",
            KeySpec::Rsa2048 => "RSA",
            other => return Err(PlatformError::Unsupported(other.name().into())),
        };
        let alias = new_alias(request.purpose)?;
        let spec_request = SpecRequest {
            alias: &alias,
            purposes: PURPOSE_SIGN,
            spec: Some(request.spec),
            challenge: request.attestation_challenge,
            user_authentication: request.user_authentication,
            strongbox: true,
        };
        let generated = with_env(|env| {
            let keystore = android_keystore(env)?;
            let strongbox = generate_key_pair(env, &spec_request, algorithm)?;
            let chain = certificate_chain(env, &keystore, &alias)?;
            Ok((strongbox, chain))
        });
        let (strongbox, chain) = generated.map_err(|fail| {
            if fail.thrown(NO_SUCH_ALGORITHM) || fail.thrown(INVALID_ALGORITHM_PARAMETER) {
                tracing::debug!(target: "qoltanba::keystore", "android keystore refused {}: {fail:?}", request.spec.name());
                PlatformError::Unsupported(request.spec.name().into())
            } else {
                fail.into_platform("generating a key")
            }
        })?;
        let result =
            self.record_new_key(&alias, request.spec, strongbox, chain.unwrap_or_default());
        if result.is_err() {
            // Never leave a key nobody can find.
            let _ = self.delete_from_keystore(&alias);
        }
        result
    }

    fn record_new_key(
        &self,
        alias: &str,
        spec: KeySpec,
        strongbox: bool,
        chain: Vec<Vec<u8>>,
    ) -> Result<PlatformKey, PlatformError> {
        if chain.is_empty() {
            return Err(PlatformError::Platform(format!(
                "the keystore made {alias} without a certificate"
            )));
        }
        let level = security_level(&chain, strongbox);
        let record = Record {
            spec: spec.name().to_string(),
            level,
            attestation: chain.iter().map(|c| B64.encode(c)).collect(),
        };
        let json = serde_json::to_vec_pretty(&record).map_err(|e| storage(&self.records, e))?;
        save_new(&self.records, &format!("{alias}.json"), &json)
            .map_err(|e| storage(&self.records, e))?;
        let key = self.key_of(alias, chain)?;
        key.ok_or_else(|| PlatformError::Platform(format!("{alias} is not a signing key")))
    }

    fn delete_from_keystore(&self, alias: &str) -> Result<(), PlatformError> {
        with_env(|env| {
            let keystore = android_keystore(env)?;
            let name = java_string(env, alias)?;
            let present = boolean(call(
                env,
                &keystore,
                jni_str!("containsAlias"),
                jni_sig!("(Ljava/lang/String;)Z"),
                &[JValue::Object(&name)],
            )?)?;
            if present {
                call(
                    env,
                    &keystore,
                    jni_str!("deleteEntry"),
                    jni_sig!("(Ljava/lang/String;)V"),
                    &[JValue::Object(&name)],
                )?;
            }
            Ok(())
        })
        .map_err(|f| f.into_platform("deleting a key"))
    }
}

/// The level a new key has: what the attestation's KeyDescription states
/// when the leaf carries one (the lower of its two levels: an emulator's
/// software keystore says so), else whether StrongBox took the key.
fn security_level(chain: &[Vec<u8>], strongbox: bool) -> SecurityLevel {
    let attested = chain.first().and_then(|leaf| {
        let certificate = x509_cert::Certificate::from_der(leaf).ok()?;
        qoltanba_pki::attestation::key_description_of(&certificate)
            .ok()
            .flatten()
            .map(|description| description.security_level().level())
    });
    attested.unwrap_or(if strongbox {
        SecurityLevel::StrongBox
    } else {
        SecurityLevel::TrustedEnvironment
    })
}

fn sign_with_keystore_key(
    alias: &str,
    java_algorithm: &str,
    message: &[u8],
) -> Result<Vec<u8>, PlatformError> {
    let signed = with_env(|env| {
        let keystore = android_keystore(env)?;
        let Some(key) = get_key(env, &keystore, alias)? else {
            return Ok(None);
        };
        if !instance_of(env, &key, jni_str!("java/security/PrivateKey"))? {
            return Err(Fail::Jni(format!("{alias} is not a private key")));
        }
        let signature_class = class(env, jni_str!("java/security/Signature"))?;
        let algorithm = java_string(env, java_algorithm)?;
        let signature = object(call_static(
            env,
            &signature_class,
            jni_str!("getInstance"),
            jni_sig!("(Ljava/lang/String;)Ljava/security/Signature;"),
            &[JValue::Object(&algorithm)],
        )?)?;
        call(
            env,
            &signature,
            jni_str!("initSign"),
            jni_sig!("(Ljava/security/PrivateKey;)V"),
            &[JValue::Object(&key)],
        )?;
        let data = byte_array(env, message)?;
        call(
            env,
            &signature,
            jni_str!("update"),
            jni_sig!("([B)V"),
            &[JValue::Object(&data)],
        )?;
        let signed = object(call(
            env,
            &signature,
            jni_str!("sign"),
            jni_sig!("()[B"),
            &[],
        )?)?;
        bytes_of(env, &signed)
    })
    .map_err(|f| f.into_platform("signing"))?;
    signed.ok_or_else(|| PlatformError::NoSuchKey(alias.to_string()))
}

impl PlatformKeystore for AndroidKeystore {
    fn platform(&self) -> &'static str {
        "android"
    }

    fn supports(&self, spec: KeySpec) -> bool {
        matches!(spec, KeySpec::P256 | KeySpec::Rsa2048 | KeySpec::Gost512)
    }

    fn list(&self) -> Result<Vec<PlatformKey>, PlatformError> {
        let chains = with_env(|env| {
            let keystore = android_keystore(env)?;
            let aliases = object(call(
                env,
                &keystore,
                jni_str!("aliases"),
                jni_sig!("()Ljava/util/Enumeration;"),
                &[],
            )?)?;
            let mut names = Vec::new();
            while boolean(call(
                env,
                &aliases,
                jni_str!("hasMoreElements"),
                jni_sig!("()Z"),
                &[],
            )?)? {
                let name = in_frame(env, |env| {
                    let next = object(call(
                        env,
                        &aliases,
                        jni_str!("nextElement"),
                        jni_sig!("()Ljava/lang/Object;"),
                        &[],
                    )?)?;
                    if !instance_of(env, &next, jni_str!("java/lang/String"))? {
                        return Ok(None);
                    }
                    Ok(string_of(env, &next)?)
                })?;
                names.extend(name.filter(|n| ours(n)));
            }
            let mut chains = Vec::with_capacity(names.len());
            for name in names {
                if let Some(chain) = certificate_chain(env, &keystore, &name)? {
                    chains.push((name, chain));
                }
            }
            Ok(chains)
        })
        .map_err(|f| f.into_platform("listing the keys"))?;
        let mut keys = Vec::new();
        for (alias, chain) in chains {
            keys.extend(self.key_of(&alias, chain)?);
        }
        keys.extend(self.gost.list()?);
        keys.extend(self.gost_user_auth.list()?);
        keys.sort_by(|a, b| a.alias.cmp(&b.alias));
        Ok(keys)
    }

    fn key(&self, alias: &str) -> Result<PlatformKey, PlatformError> {
        if let Some(store) = self.wrapped(alias) {
            return store
                .list()?
                .into_iter()
                .find(|k| k.alias == alias)
                .ok_or_else(|| PlatformError::NoSuchKey(alias.to_string()));
        }
        self.keystore_key(alias)
    }

    fn generate(&self, request: &KeyRequest<'_>) -> Result<PlatformKey, PlatformError> {
        match request.spec {
            KeySpec::Gost512 if request.user_authentication => {
                self.gost_user_auth.generate(request)
            }
            KeySpec::Gost512 => self.gost.generate(request),
            KeySpec::P256 | KeySpec::Rsa2048 => self.generate_in_keystore(request),
            other => Err(PlatformError::Unsupported(other.name().into())),
        }
    }

    fn signer(&self, alias: &str) -> Result<Box<dyn Signer>, PlatformError> {
        if let Some(store) = self.wrapped(alias) {
            return store.signer(alias);
        }
        let key = self.keystore_key(alias)?;
        let (algorithm, java_algorithm) = signature_algorithm(key.spec)
            .ok_or_else(|| PlatformError::Unsupported(key.spec.name().into()))?;
        Ok(Box::new(AndroidSigner {
            alias: key.alias,
            public_key: key.public_key,
            algorithm,
            java_algorithm,
        }))
    }

    fn bind_certificate(
        &self,
        alias: &str,
        certificate: &[u8],
        chain: &[Vec<u8>],
    ) -> Result<(), PlatformError> {
        if let Some(store) = self.wrapped(alias) {
            return store.bind_certificate(alias, certificate, chain);
        }
        if !ours(alias) {
            return Err(PlatformError::NoSuchKey(alias.to_string()));
        }
        let bound = with_env(|env| {
            let keystore = android_keystore(env)?;
            let Some(key) = get_key(env, &keystore, alias)? else {
                return Ok(false);
            };
            let factory_class = class(env, jni_str!("java/security/cert/CertificateFactory"))?;
            let x509 = java_string(env, "X.509")?;
            let factory = object(call_static(
                env,
                &factory_class,
                jni_str!("getInstance"),
                jni_sig!("(Ljava/lang/String;)Ljava/security/cert/CertificateFactory;"),
                &[JValue::Object(&x509)],
            )?)?;
            let certificate_class = class(env, jni_str!("java/security/cert/Certificate"))?;
            let stream_class = class(env, jni_str!("java/io/ByteArrayInputStream"))?;
            let all: Vec<&[u8]> = std::iter::once(certificate)
                .chain(chain.iter().map(Vec::as_slice))
                .collect();
            let len =
                jsize::try_from(all.len()).map_err(|_| Fail::Jni("too long a chain".into()))?;
            let r = env.new_object_array(len, &certificate_class, JObject::null());
            let array = caught(env, r)?;
            for (i, der) in all.into_iter().enumerate() {
                in_frame(env, |env| {
                    let bytes = byte_array(env, der)?;
                    let stream = new_object(
                        env,
                        &stream_class,
                        jni_sig!("([B)V"),
                        &[JValue::Object(&bytes)],
                    )?;
                    let parsed = object(call(
                        env,
                        &factory,
                        jni_str!("generateCertificate"),
                        jni_sig!("(Ljava/io/InputStream;)Ljava/security/cert/Certificate;"),
                        &[JValue::Object(&stream)],
                    )?)?;
                    let r = array.set_element(env, i, &parsed);
                    caught(env, r)
                })?;
            }
            let name = java_string(env, alias)?;
            call(
                env,
                &keystore,
                jni_str!("setKeyEntry"),
                jni_sig!(
                    "(Ljava/lang/String;Ljava/security/Key;[C[Ljava/security/cert/Certificate;)V"
                ),
                &[
                    JValue::Object(&name),
                    JValue::Object(&key),
                    JValue::Object(&JObject::null()),
                    JValue::Object(&array),
                ],
            )?;
            Ok(true)
        })
        .map_err(|f| f.into_platform("storing the certificate"))?;
        if bound {
            Ok(())
        } else {
            Err(PlatformError::NoSuchKey(alias.to_string()))
        }
    }

    fn delete(&self, alias: &str) -> Result<(), PlatformError> {
        if let Some(store) = self.wrapped(alias) {
            return store.delete(alias);
        }
        if !ours(alias) {
            return Ok(());
        }
        self.delete_from_keystore(alias)?;
        let path = self.record_path(alias);
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(storage(&path, e)),
        }
    }
}

/// A key in AndroidKeyStore as a [`Signer`]: each signature is one JNI
/// sequence (`getKey`, `Signature.initSign`, `update`, `sign`), so a key
/// that needs the citizen's unlock asks for it per signature.
struct AndroidSigner {
    alias: String,
    public_key: SubjectPublicKeyInfoOwned,
    algorithm: SignatureAlgorithm,
    java_algorithm: &'static str,
}

impl Signer for AndroidSigner {
    fn algorithm(&self) -> SignatureAlgorithm {
        self.algorithm
    }

    fn public_key(&self) -> &SubjectPublicKeyInfoOwned {
        &self.public_key
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
        // Java answers what the certificate wants: DER ECDSA-Sig-Value for
        // SHA256withECDSA, the PKCS#1 v1.5 block for SHA256withRSA.
        sign_with_keystore_key(&self.alias, self.java_algorithm, message).map_err(SignError::from)
    }
}

// ---------------------------------------------------------------------------
// The wrapping key for GOST keys

/// An AES-256-GCM key in AndroidKeyStore that seals GOST keys: the sealed
/// form is the cipher's 12-byte IV then the ciphertext with its tag, the
/// key's alias as associated data. The key is made on first use.
struct AndroidWrappingKey {
    alias: &'static str,
    user_authentication: bool,
    /// One creation at a time in this process.
    create: Mutex<()>,
}

const GCM_IV_LEN: usize = 12;

impl AndroidWrappingKey {
    /// The wrapping key, made when `create` and absent.
    fn key<'local>(
        &self,
        env: &mut Env<'local>,
        keystore: &JObject<'_>,
        create: bool,
    ) -> JResult<JObject<'local>> {
        if let Some(key) = get_key(env, keystore, self.alias)? {
            return Ok(key);
        }
        if !create {
            return Err(Fail::Platform(PlatformError::Platform(
                "the phone's key that protects GOST keys is gone (the lock screen was removed \
                 or the app's keys were cleared); the GOST keys cannot be opened"
                    .into(),
            )));
        }
        let _one = self.create.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(key) = get_key(env, keystore, self.alias)? {
            return Ok(key);
        }
        generate_wrapping_key(env, self.alias, self.user_authentication)?;
        get_key(env, keystore, self.alias)?
            .ok_or_else(|| Fail::Jni("the new wrapping key is not in the keystore".into()))
    }
}

impl WrappingKey for AndroidWrappingKey {
    fn level(&self) -> SecurityLevel {
        SecurityLevel::HardwareWrapped
    }

    fn seal(&self, plaintext: &[u8], aad: &[u8]) -> Result<Vec<u8>, PlatformError> {
        with_env(|env| {
            let keystore = android_keystore(env)?;
            let key = self.key(env, &keystore, true)?;
            let cipher = aes_gcm_cipher(env)?;
            call(
                env,
                &cipher,
                jni_str!("init"),
                jni_sig!("(ILjava/security/Key;)V"),
                &[JValue::Int(CIPHER_ENCRYPT_MODE), JValue::Object(&key)],
            )?;
            let aad = byte_array(env, aad)?;
            call(
                env,
                &cipher,
                jni_str!("updateAAD"),
                jni_sig!("([B)V"),
                &[JValue::Object(&aad)],
            )?;
            let input = byte_array(env, plaintext)?;
            let sealed = call(
                env,
                &cipher,
                jni_str!("doFinal"),
                jni_sig!("([B)[B"),
                &[JValue::Object(&input)],
            );
            wipe(env, &input)?;
            let sealed = object(sealed?)?;
            let sealed = bytes_of(env, &sealed)?
                .ok_or_else(|| Fail::Jni("the cipher answered nothing".into()))?;
            let iv = object(call(
                env,
                &cipher,
                jni_str!("getIV"),
                jni_sig!("()[B"),
                &[],
            )?)?;
            let iv = bytes_of(env, &iv)?.unwrap_or_default();
            if iv.len() != GCM_IV_LEN {
                return Err(Fail::Jni(format!(
                    "the cipher chose a {}-byte IV, not 12",
                    iv.len()
                )));
            }
            Ok([iv, sealed].concat())
        })
        .map_err(|f| f.into_platform("sealing a GOST key"))
    }

    fn open(&self, sealed: &[u8], aad: &[u8]) -> Result<Zeroizing<Vec<u8>>, PlatformError> {
        if sealed.len() < GCM_IV_LEN + 16 {
            return Err(PlatformError::Platform(
                "a sealed key is damaged or was altered".into(),
            ));
        }
        let (iv, body) = sealed.split_at(GCM_IV_LEN);
        with_env(|env| {
            let keystore = android_keystore(env)?;
            let key = self.key(env, &keystore, false)?;
            let cipher = aes_gcm_cipher(env)?;
            let parameters_class = class(env, jni_str!("javax/crypto/spec/GCMParameterSpec"))?;
            let iv = byte_array(env, iv)?;
            let parameters = new_object(
                env,
                &parameters_class,
                jni_sig!("(I[B)V"),
                &[JValue::Int(128), JValue::Object(&iv)],
            )?;
            call(
                env,
                &cipher,
                jni_str!("init"),
                jni_sig!("(ILjava/security/Key;Ljava/security/spec/AlgorithmParameterSpec;)V"),
                &[
                    JValue::Int(CIPHER_DECRYPT_MODE),
                    JValue::Object(&key),
                    JValue::Object(&parameters),
                ],
            )?;
            let aad = byte_array(env, aad)?;
            call(
                env,
                &cipher,
                jni_str!("updateAAD"),
                jni_sig!("([B)V"),
                &[JValue::Object(&aad)],
            )?;
            let input = byte_array(env, body)?;
            let plain = object(call(
                env,
                &cipher,
                jni_str!("doFinal"),
                jni_sig!("([B)[B"),
                &[JValue::Object(&input)],
            )?)?;
            take_secret(env, &plain)
        })
        .map_err(|f| {
            if f.thrown(BAD_TAG) {
                PlatformError::Platform("a sealed key is damaged or was altered".into())
            } else {
                f.into_platform("opening a GOST key")
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exceptions_are_described_on_one_line() {
        let thrown = Thrown {
            classes: vec![
                "java.security.ProviderException".into(),
                STRONGBOX_UNAVAILABLE.into(),
            ],
            message: Some("keystore\ndaemon died".into()),
        };
        assert_eq!(
            thrown.describe(),
            "java.security.ProviderException: keystore daemon died"
        );
        assert!(Fail::Thrown(thrown.clone()).thrown(STRONGBOX_UNAVAILABLE));
        let long = Thrown {
            classes: vec!["X".into()],
            message: Some("y".repeat(1000)),
        };
        assert!(long.describe().chars().count() <= 241);
    }

    #[test]
    fn java_errors_map_to_platform_errors() {
        let thrown = |class: &str| {
            Fail::Thrown(Thrown {
                classes: vec!["java.security.InvalidKeyException".into(), class.into()],
                message: None,
            })
        };
        assert!(matches!(
            thrown(USER_NOT_AUTHENTICATED).into_platform("signing"),
            PlatformError::UserNotAuthenticated
        ));
        let e = thrown("java.lang.IllegalStateException").into_platform("signing");
        assert_eq!(
            e.to_string(),
            "the device's keystore failed: signing: java.security.InvalidKeyException"
        );
        assert!(strongbox_missing(&Fail::NoMethod(
            "setIsStrongBoxBacked(Z)…".into()
        )));
        assert!(!strongbox_missing(&Fail::NoMethod("setKeySize(I)…".into())));
    }

    #[test]
    fn only_our_aliases_are_listed() {
        assert!(ours("qoltanba-sign-0011223344556677"));
        assert!(!ours(WRAPPING_ALIAS));
        assert!(!ours(WRAPPING_ALIAS_AUTH));
        assert!(!ours("qoltanba-../x"));
        assert!(!ours("other-app"));
    }

    #[test]
    fn without_a_vm_the_keystore_says_so() {
        // The test binary runs no JVM (and libjvm is not loaded): a typed
        // error, not a crash.
        forget_java_vm();
        let store = AndroidKeystore::new(std::env::temp_dir().join("qoltanba-android-no-vm"));
        let e = store.list().unwrap_err();
        assert!(e.to_string().contains("System.loadLibrary"), "{e}");
        assert_eq!(java_vm_source(), None);
    }
}
