//! Making the browsers trust qoltanba's local CA ([`crate::tls`]):
//! `qoltanba layer trust [--remove]`.
//!
//! On Linux, Chromium and Chrome read the user's shared NSS database
//! (`~/.pki/nssdb`), and every Firefox profile has its own (`cert9.db` in the
//! profile). qoltanba adds its CA to these with NSS's `certutil` (Debian's
//! libnss3-tools) as a CA trusted for TLS servers only (trust flags `C,,`),
//! and removes it again. The operating system's store is left to the
//! citizen: [`os_stores`] gives the commands to type, never run by qoltanba.
//!
//! The CA's nickname is [`crate::tls::NICKNAME_PREFIX`] and a short
//! fingerprint: installing removes any other qoltanba CA (an expired one
//! replaced by a new identity) first, so re-running is harmless, and
//! removing deletes every qoltanba CA and nothing else.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::tls::{CA_COMMON_NAME, LocalIdentity, NICKNAME_PREFIX};

/// Why trusting or removing the CA failed.
#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    #[error(
        "certutil is not installed; install the package libnss3-tools (Debian, Ubuntu), nss-tools (Fedora) or nss (Arch, Homebrew) and run the command again"
    )]
    NoCertutil,
    #[error(
        "certutil could not {action} in the NSS database {path}: {detail}; close the browsers that use it and try again"
    )]
    Certutil {
        action: &'static str,
        path: PathBuf,
        detail: String,
    },
    #[error(
        "{path} is not an NSS database (it has no cert9.db); give the directory that holds cert9.db"
    )]
    NotADatabase { path: PathBuf },
    #[error(
        "the home directory is not known (HOME is not set); set HOME, or give the databases with --nss-db DIR"
    )]
    NoHome,
}

impl qoltanba_l10n::Localize for TrustError {
    fn text(&self) -> qoltanba_l10n::Text {
        use qoltanba_l10n::Text;
        match self {
            Self::NoCertutil => Text::new("error-layer-trust-no-certutil"),
            Self::Certutil {
                action,
                path,
                detail,
            } => Text::new("error-layer-trust-certutil")
                .arg("action", *action)
                .arg("path", path.display().to_string())
                .arg("detail", detail.as_str()),
            Self::NotADatabase { path } => Text::new("error-layer-trust-not-a-database")
                .arg("path", path.display().to_string()),
            Self::NoHome => Text::new("error-layer-trust-no-home"),
        }
    }
}

/// Whose NSS database it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NssDbKind {
    /// The user's shared database, `~/.pki/nssdb` (Chromium, Chrome and
    /// other NSS programs on Linux); made when absent.
    Shared,
    /// A Firefox profile's database (plain, snap or flatpak Firefox).
    Firefox,
    /// A database the citizen named (`--nss-db DIR`).
    Given,
}

/// One NSS database (a directory holding `cert9.db`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NssDb {
    pub path: PathBuf,
    pub kind: NssDbKind,
}

impl NssDb {
    pub fn given(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            kind: NssDbKind::Given,
        }
    }
}

/// The NSS databases of `home`'s browsers: the shared one (whether it exists
/// yet or not), the snap and flatpak Chromium ones that exist, and every
/// Firefox profile with a `cert9.db` (plain, snap, flatpak; on macOS the
/// Application Support profiles). Sorted, each once.
pub fn browser_databases(home: &Path) -> Vec<NssDb> {
    // On Windows, `certutil` is Windows's own tool, not NSS's: no database
    // is touched there, and the OS-store command does the work.
    if cfg!(windows) {
        return Vec::new();
    }
    let mut dbs = vec![NssDb {
        path: home.join(".pki/nssdb"),
        kind: NssDbKind::Shared,
    }];
    for chromium in [
        "snap/chromium/current/.pki/nssdb",
        ".var/app/org.chromium.Chromium/.pki/nssdb",
    ] {
        let path = home.join(chromium);
        if path.join("cert9.db").is_file() {
            dbs.push(NssDb {
                path,
                kind: NssDbKind::Shared,
            });
        }
    }
    let mut profiles = Vec::new();
    for root in [
        ".mozilla/firefox",
        "snap/firefox/common/.mozilla/firefox",
        ".var/app/org.mozilla.firefox/.mozilla/firefox",
        "Library/Application Support/Firefox/Profiles",
    ] {
        let Ok(entries) = std::fs::read_dir(home.join(root)) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.join("cert9.db").is_file() {
                profiles.push(path);
            }
        }
    }
    profiles.sort();
    dbs.extend(profiles.into_iter().map(|path| NssDb {
        path,
        kind: NssDbKind::Firefox,
    }));
    dbs.dedup();
    dbs
}

/// `certutil`, found on the PATH.
fn certutil<I, S>(args: I, db: &Path, action: &'static str) -> Result<Output, TrustError>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let out = Command::new("certutil")
        .args(args)
        .arg("-d")
        .arg(sql(db))
        // A database with a primary password asks for it on the terminal.
        .stdin(Stdio::inherit())
        .output()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => TrustError::NoCertutil,
            _ => TrustError::Certutil {
                action,
                path: db.to_owned(),
                detail: e.to_string(),
            },
        })?;
    if out.status.success() {
        Ok(out)
    } else {
        Err(TrustError::Certutil {
            action,
            path: db.to_owned(),
            detail: one_line(&out),
        })
    }
}

fn sql(db: &Path) -> std::ffi::OsString {
    let mut arg = std::ffi::OsString::from("sql:");
    arg.push(db);
    arg
}

/// certutil's own complaint, on one line.
fn one_line(out: &Output) -> String {
    let said = String::from_utf8_lossy(&out.stderr);
    let said = said.trim();
    let said = if said.is_empty() {
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    } else {
        said.to_owned()
    };
    let line = said.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.is_empty() {
        format!("exit status {}", out.status)
    } else {
        line
    }
}

/// Makes `db` trust `identity`'s CA for TLS servers, after removing any
/// other qoltanba CA from it. The shared database is made when absent
/// (with an empty password, as Chromium makes it); another kind must exist.
pub fn install(identity: &LocalIdentity, db: &NssDb) -> Result<(), TrustError> {
    if !db.path.join("cert9.db").is_file() {
        if db.kind != NssDbKind::Shared {
            return Err(TrustError::NotADatabase {
                path: db.path.clone(),
            });
        }
        std::fs::create_dir_all(&db.path).map_err(|e| TrustError::Certutil {
            action: "create the database",
            path: db.path.clone(),
            detail: e.to_string(),
        })?;
        certutil(["-N", "--empty-password"], &db.path, "create the database")?;
    }
    let nickname = identity.ca_nickname();
    for stale in qoltanba_nicknames(db)? {
        if stale != nickname {
            delete_all(db, &stale)?;
        }
    }
    let mut add = vec![
        std::ffi::OsString::from("-A"),
        "-n".into(),
        nickname.into(),
        "-t".into(),
        "C,,".into(),
        "-i".into(),
    ];
    add.push(identity.ca_path().into());
    certutil(add, &db.path, "add the CA")?;
    Ok(())
}

/// Removes every qoltanba CA from `db`; how many there were. A database
/// that does not exist holds none.
pub fn remove(db: &NssDb) -> Result<usize, TrustError> {
    if !db.path.join("cert9.db").is_file() {
        if db.kind == NssDbKind::Given {
            return Err(TrustError::NotADatabase {
                path: db.path.clone(),
            });
        }
        return Ok(0);
    }
    let mut removed = 0;
    for nickname in qoltanba_nicknames(db)? {
        removed += delete_all(db, &nickname)?;
    }
    Ok(removed)
}

/// Deletes every certificate under `nickname` (NSS keeps certificates with
/// the same subject under one nickname; `-D` deletes one at a time).
fn delete_all(db: &NssDb, nickname: &str) -> Result<usize, TrustError> {
    let mut removed = 0;
    while qoltanba_nicknames(db)?.iter().any(|n| n == nickname) {
        // Bounded: a database does not hold thousands of our CAs, and a
        // `-D` that deletes nothing would loop forever.
        if removed >= 64 {
            return Err(TrustError::Certutil {
                action: "remove the CA",
                path: db.path.clone(),
                detail: format!("'{nickname}' is still listed after {removed} deletions"),
            });
        }
        certutil(["-D", "-n", nickname], &db.path, "remove the CA")?;
        removed += 1;
    }
    Ok(removed)
}

/// The nicknames of qoltanba's CAs in `db` (`certutil -L`).
pub fn qoltanba_nicknames(db: &NssDb) -> Result<Vec<String>, TrustError> {
    let out = certutil(["-L"], &db.path, "list the certificates")?;
    let mut names: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(listed_nickname)
        .filter(|n| n.starts_with(NICKNAME_PREFIX))
        .collect();
    names.dedup();
    Ok(names)
}

/// The nickname of one line of `certutil -L`: the text before the trust
/// attributes (`C,,`, `CT,C,C`: the last word, which has no spaces).
fn listed_nickname(line: &str) -> Option<String> {
    let line = line.trim_end();
    let (name, trust) = line.rsplit_once(char::is_whitespace)?;
    let name = name.trim();
    (trust.matches(',').count() == 2 && !name.is_empty()).then(|| name.to_owned())
}

/// How to add (and remove) the CA in one operating system's store: the
/// commands for the citizen to type; qoltanba never runs them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OsStore {
    /// The system, as its users call it.
    pub system: &'static str,
    pub add: String,
    pub remove: String,
}

/// The commands for Debian/Ubuntu, Fedora, macOS and Windows, with the
/// CA's file `ca_path`.
pub fn os_stores(ca_path: &Path) -> Vec<OsStore> {
    let ca = shell_quote(&ca_path.display().to_string());
    let ca_windows = windows_quote(&ca_path.display().to_string());
    let debian = "/usr/local/share/ca-certificates/qoltanba-local-ca.crt";
    let fedora = "/etc/pki/ca-trust/source/anchors/qoltanba-local-ca.pem";
    vec![
        OsStore {
            system: "Debian, Ubuntu",
            add: format!("sudo cp {ca} {debian} && sudo update-ca-certificates"),
            remove: format!("sudo rm {debian} && sudo update-ca-certificates --fresh"),
        },
        OsStore {
            system: "Fedora, RHEL",
            add: format!("sudo cp {ca} {fedora} && sudo update-ca-trust"),
            remove: format!("sudo rm {fedora} && sudo update-ca-trust"),
        },
        OsStore {
            system: "macOS",
            add: format!(
                "security add-trusted-cert -r trustRoot -p ssl -k ~/Library/Keychains/login.keychain-db {ca}"
            ),
            remove: format!(
                "security delete-certificate -c {} ~/Library/Keychains/login.keychain-db",
                shell_quote(CA_COMMON_NAME)
            ),
        },
        OsStore {
            system: "Windows",
            add: format!("certutil -user -addstore Root {ca_windows}"),
            remove: format!(
                "certutil -user -delstore Root {}",
                windows_quote(CA_COMMON_NAME)
            ),
        },
    ]
}

/// `text` as one word of a POSIX shell command, whatever it holds: in
/// single quotes, each `'` written as `'\''`.
pub fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

/// `text` as one argument of a Windows command line: in double quotes,
/// which keep spaces and `'`; a Windows path cannot hold `"`, so one that
/// appears anyway is dropped rather than let end the argument.
pub fn windows_quote(text: &str) -> String {
    format!("\"{}\"", text.replace('"', ""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_with_quotes_and_spaces_stays_one_word_in_the_commands() {
        assert_eq!(
            shell_quote("/home/o'brien/ca.pem"),
            r"'/home/o'\''brien/ca.pem'"
        );
        let path = Path::new("/home/o'brien/my dir/$(rm -rf ~)/ca.pem");
        let stores = os_stores(path);
        let debian = &stores[0].add;
        // The shell's own reading of the command gives the path back whole.
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!(
                "printf '%s' {}",
                debian
                    .strip_prefix("sudo cp ")
                    .and_then(|r| r.split(" /usr/").next())
                    .unwrap()
            ))
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8(out.stdout).unwrap(),
            path.display().to_string()
        );
        let mac = &stores[2].add;
        assert!(
            mac.ends_with(&shell_quote(&path.display().to_string())),
            "{mac}"
        );
        assert_eq!(
            windows_quote(r"C:\Users\a b\ca.pem"),
            r#""C:\Users\a b\ca.pem""#
        );
    }

    #[test]
    fn certutil_listing_lines_give_their_nicknames() {
        let listing = "\nCertificate Nickname                                         Trust Attributes\n                                                             SSL,S/MIME,JAR/XPI\n\nqoltanba local CA 0a1b2c3d                                   C,,  \nSome Other CA                                                CT,C,C\n";
        let names: Vec<_> = listing.lines().filter_map(listed_nickname).collect();
        assert_eq!(names, ["qoltanba local CA 0a1b2c3d", "Some Other CA"]);
    }

    #[test]
    fn the_databases_are_the_shared_one_and_every_firefox_profile() {
        let home = tempfile::tempdir().unwrap();
        let h = home.path();
        for profile in [
            ".mozilla/firefox/abc.default-release",
            "snap/firefox/common/.mozilla/firefox/x.default",
            ".var/app/org.mozilla.firefox/.mozilla/firefox/y.default",
        ] {
            std::fs::create_dir_all(h.join(profile)).unwrap();
            std::fs::write(h.join(profile).join("cert9.db"), b"").unwrap();
        }
        // A profile directory without a database (never started) is left out.
        std::fs::create_dir_all(h.join(".mozilla/firefox/empty.profile")).unwrap();
        let dbs = browser_databases(h);
        let shown: Vec<_> = dbs
            .iter()
            .map(|d| (d.path.strip_prefix(h).unwrap().to_owned(), d.kind))
            .collect();
        assert_eq!(
            shown,
            [
                (PathBuf::from(".pki/nssdb"), NssDbKind::Shared),
                (
                    PathBuf::from(".mozilla/firefox/abc.default-release"),
                    NssDbKind::Firefox
                ),
                (
                    PathBuf::from(".var/app/org.mozilla.firefox/.mozilla/firefox/y.default"),
                    NssDbKind::Firefox
                ),
                (
                    PathBuf::from("snap/firefox/common/.mozilla/firefox/x.default"),
                    NssDbKind::Firefox
                ),
            ]
        );
    }

    #[test]
    fn every_trust_error_has_its_words_in_three_languages() {
        use qoltanba_l10n::{Locale, Localize, try_render};
        let errors = [
            TrustError::NoCertutil,
            TrustError::Certutil {
                action: "add the CA",
                path: "/x".into(),
                detail: "d".into(),
            },
            TrustError::NotADatabase { path: "/x".into() },
            TrustError::NoHome,
        ];
        for e in errors {
            for locale in Locale::ALL {
                let said = try_render(locale, &e.text()).unwrap();
                assert!(!said.contains('\n'), "{said}");
            }
            assert_eq!(e.localize(Locale::En), e.to_string());
        }
    }
}
