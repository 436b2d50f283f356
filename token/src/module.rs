//! A token vendor's PKCS#11 module, its slots and tokens, and the user PIN.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error, RvError};
use cryptoki::session::UserType;
use cryptoki::slot::Slot;
use cryptoki::types::AuthPin;
use zeroize::Zeroizing;

use crate::error::{DEFAULT_PIN_HINT, PinTries, TokenError};
use crate::session::TokenSession;

/// A token's user PIN, zeroized on drop, never printed.
#[derive(Clone)]
pub struct Pin(Zeroizing<String>);

impl Pin {
    pub fn new(pin: impl Into<String>) -> Self {
        Self(Zeroizing::new(pin.into()))
    }

    fn auth(&self) -> AuthPin {
        // secrecy's SecretString zeroizes its copy on drop as well.
        AuthPin::from(self.0.as_str())
    }
}

impl std::fmt::Debug for Pin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pin(…)")
    }
}

/// A loaded and initialised PKCS#11 module (e.g. Kaztoken's, SafeNet's
/// `libeTPkcs11.so`, SoftHSM2's `libsofthsm2.so`). Clones share it.
#[derive(Clone)]
pub struct Module {
    path: PathBuf,
    context: Pkcs11,
}

impl std::fmt::Debug for Module {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Module").field("path", &self.path).finish()
    }
}

/// The modules this process loaded. C_Initialize is once per process per
/// module (a second one answers CKR_CRYPTOKI_ALREADY_INITIALIZED), and
/// unloading a module other code may still use is unsafe for it; so each
/// module is loaded once and stays loaded until the process ends.
fn loaded() -> &'static Mutex<HashMap<PathBuf, Pkcs11>> {
    static LOADED: OnceLock<Mutex<HashMap<PathBuf, Pkcs11>>> = OnceLock::new();
    LOADED.get_or_init(Default::default)
}

impl Module {
    /// Load and initialise the module at `path` (once per process).
    pub fn open(path: impl AsRef<Path>) -> Result<Self, TokenError> {
        let path = path.as_ref().to_path_buf();
        let not_loadable = |reason: String| TokenError::ModuleNotLoadable {
            path: path.clone(),
            reason,
        };
        if !path.is_file() {
            return Err(not_loadable("no such file".into()));
        }
        let mut loaded = loaded().lock().unwrap_or_else(|p| p.into_inner());
        if let Some(context) = loaded.get(&path) {
            return Ok(Self {
                path,
                context: context.clone(),
            });
        }
        let context = Pkcs11::new(&path).map_err(|e| not_loadable(e.to_string()))?;
        match context.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
            // Another part of the process (a test kit) initialised it first.
            Ok(()) | Err(Error::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
            Err(e) => return Err(not_loadable(e.to_string())),
        }
        loaded.insert(path.clone(), context.clone());
        Ok(Self { path, context })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The tokens in the module's slots.
    pub fn tokens(&self) -> Result<Vec<TokenInfo>, TokenError> {
        let slots = self
            .context
            .get_slots_with_token()
            .map_err(|e| TokenError::pkcs11("list its slots", e))?;
        let mut out = Vec::new();
        for slot in slots {
            let info = match self.context.get_token_info(slot) {
                Ok(info) => info,
                // Pulled out between the two calls.
                Err(Error::Pkcs11(RvError::TokenNotPresent, _)) => continue,
                Err(e) => return Err(TokenError::pkcs11("describe its token", e)),
            };
            if !info.token_initialized() {
                continue;
            }
            out.push(TokenInfo {
                slot: slot.id(),
                label: info.label().trim().to_string(),
                serial: info.serial_number().trim().to_string(),
                manufacturer: info.manufacturer_id().trim().to_string(),
                model: info.model().trim().to_string(),
                pin: PinState::of(&info),
            });
        }
        Ok(out)
    }

    /// The token labelled `label`, or the only token when `label` is `None`.
    pub fn token(&self, label: Option<&str>) -> Result<Token, TokenError> {
        let tokens = self.tokens()?;
        let present = || {
            tokens
                .iter()
                .map(|t| format!("'{}'", t.label))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let info =
            match label {
                Some(label) => tokens.iter().find(|t| t.label == label).ok_or_else(|| {
                    TokenError::NoSuchToken {
                        label: label.to_string(),
                        present: if tokens.is_empty() {
                            "none".into()
                        } else {
                            present()
                        },
                    }
                })?,
                None => match tokens.as_slice() {
                    [] => {
                        return Err(TokenError::NoToken {
                            module: self.path.clone(),
                        });
                    }
                    [only] => only,
                    _ => return Err(TokenError::WhichToken { present: present() }),
                },
            };
        let slot = self.slot(info.slot)?;
        Ok(Token {
            module: self.clone(),
            slot,
            info: info.clone(),
        })
    }

    fn slot(&self, id: u64) -> Result<Slot, TokenError> {
        self.context
            .get_slots_with_token()
            .map_err(|e| TokenError::pkcs11("list its slots", e))?
            .into_iter()
            .find(|s| s.id() == id)
            .ok_or_else(|| TokenError::NoToken {
                module: self.path.clone(),
            })
    }
}

/// What the token's flags say about the user PIN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinState {
    Ok,
    /// A wrong PIN was entered since the last good one.
    CountLow,
    /// One try is left.
    FinalTry,
    Locked,
}

impl PinState {
    fn of(info: &cryptoki::slot::TokenInfo) -> Self {
        if info.user_pin_locked() {
            Self::Locked
        } else if info.user_pin_final_try() {
            Self::FinalTry
        } else if info.user_pin_count_low() {
            Self::CountLow
        } else {
            Self::Ok
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::CountLow => "count-low",
            Self::FinalTry => "final-try",
            Self::Locked => "locked",
        }
    }
}

/// A token as its slot describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    /// The PKCS#11 slot id.
    pub slot: u64,
    pub label: String,
    /// The token's serial number; it names the token in key locations.
    pub serial: String,
    pub manufacturer: String,
    pub model: String,
    pub pin: PinState,
}

/// One token of a module, chosen by [`Module::token`].
#[derive(Debug, Clone)]
pub struct Token {
    module: Module,
    slot: Slot,
    info: TokenInfo,
}

impl Token {
    pub fn info(&self) -> &TokenInfo {
        &self.info
    }

    pub fn module(&self) -> &Module {
        &self.module
    }

    /// Log in with the user PIN: a read-write session in which the private
    /// keys can be listed, used and made. A wrong PIN is
    /// [`TokenError::WrongPin`] with what the token says about the tries
    /// left, and the factory PINs as a hint.
    pub fn login(&self, pin: &Pin) -> Result<TokenSession, TokenError> {
        if self.pin_state()? == PinState::Locked {
            return Err(TokenError::PinLocked);
        }
        let session = self
            .module
            .context
            .open_rw_session(self.slot)
            .map_err(|e| TokenError::pkcs11("open a session", e))?;
        let auth = pin.auth();
        match session.login(UserType::User, Some(&auth)) {
            // PKCS#11 logs in the application, not the session: another
            // session of this process may have done it already.
            Ok(()) | Err(Error::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => {}
            Err(Error::Pkcs11(RvError::PinIncorrect | RvError::PinLenRange, _)) => {
                return Err(match self.pin_state()? {
                    PinState::Locked => TokenError::PinLocked,
                    PinState::FinalTry => wrong_pin(PinTries::FinalTry),
                    PinState::CountLow => wrong_pin(PinTries::Low),
                    PinState::Ok => wrong_pin(PinTries::Unknown),
                });
            }
            Err(e) => return Err(TokenError::pkcs11("log in", e)),
        }
        Ok(TokenSession::new(
            self.clone(),
            Arc::new(Mutex::new(session)),
        ))
    }

    fn pin_state(&self) -> Result<PinState, TokenError> {
        let info = self
            .module
            .context
            .get_token_info(self.slot)
            .map_err(|e| TokenError::pkcs11("describe its token", e))?;
        Ok(PinState::of(&info))
    }
}

fn wrong_pin(tries: PinTries) -> TokenError {
    TokenError::WrongPin {
        tries,
        hint: DEFAULT_PIN_HINT,
    }
}
