//! The origins that may ask for signatures without a second question: an
//! allow-list in the layer's home (`origins.txt`, one origin a line),
//! pre-filled with the government portals. A request from any other origin
//! (or from a program that sends none) is refused unless the citizen allows
//! it in the consent prompt, for that request or for that origin from then on.
//! Even an allowed origin signs nothing unseen: the allow-list spares the
//! citizen the warning about an unknown site, never the consent itself.

use std::io::Write as _;
use std::path::{Path, PathBuf};

/// The longest Origin header a page may send: a scheme, a host name of at
/// most 253 characters and a port fit; anything longer is no browser's.
pub const MAX_ORIGIN_LEN: usize = 300;

/// Why a page is refused at the handshake, before any prompt.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OriginRefused {
    #[error("an Origin header of {0} bytes (at most {MAX_ORIGIN_LEN})")]
    TooLong(usize),
    #[error("an Origin header that is not printable ASCII")]
    NotAscii,
    #[error(
        "the origin {0:?} is neither an https site nor this computer (http://localhost, http://127.0.0.1, http://[::1])"
    )]
    Insecure(String),
}

/// The origin a page is served under, from its handshake's Origin header
/// (`None`: no header, a program on this computer rather than a page).
/// Only https sites and pages of this computer (http on a loopback host)
/// may ask: a plain-http site's content could be anyone's, and `null`
/// (sandboxed frames, file://) names no one the citizen could judge.
pub fn page_origin(header: Option<&[u8]>) -> Result<Option<String>, OriginRefused> {
    let Some(bytes) = header else {
        return Ok(None);
    };
    if bytes.len() > MAX_ORIGIN_LEN {
        return Err(OriginRefused::TooLong(bytes.len()));
    }
    let Some(text) = std::str::from_utf8(bytes)
        .ok()
        .filter(|t| t.chars().all(|c| c.is_ascii_graphic()))
    else {
        return Err(OriginRefused::NotAscii);
    };
    if normalise(text).is_ok() || is_loopback_http(text) {
        Ok(Some(text.to_owned()))
    } else {
        Err(OriginRefused::Insecure(text.to_owned()))
    }
}

/// `http://` on this computer: localhost, 127.0.0.0/8 or [::1], with an
/// optional port, nothing else.
fn is_loopback_http(origin: &str) -> bool {
    let lower = origin.to_ascii_lowercase();
    let Some(rest) = lower.strip_prefix("http://") else {
        return false;
    };
    let (host, port) = if let Some(v6) = rest.strip_prefix('[') {
        let Some((host, after)) = v6.split_once(']') else {
            return false;
        };
        match after {
            "" => (host, None),
            _ => match after.strip_prefix(':') {
                Some(port) => (host, Some(port)),
                None => return false,
            },
        }
    } else {
        match rest.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (rest, None),
        }
    };
    let port_ok =
        port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()));
    let host_ok = host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    port_ok && host_ok
}

/// The portals known to ask for NCALayer signatures (https only).
pub const GOVERNMENT_PORTALS: &[&str] = &[
    "https://egov.kz",
    "https://www.egov.kz",
    "https://idp.egov.kz",
    "https://pki.gov.kz",
    "https://ncl.pki.gov.kz",
    "https://cabinet.salyk.kz",
    "https://goszakup.gov.kz",
    "https://v3bl.goszakup.gov.kz",
    "https://elicense.kz",
    "https://www.elicense.kz",
    "https://cabinet.stat.gov.kz",
    "https://e-otinish.kz",
    "https://portal.kgd.gov.kz",
];

/// Why an origin cannot be put on the list.
#[derive(Debug, thiserror::Error)]
pub enum OriginError {
    #[error("{0:?} is not an https origin; write it as https://HOST or https://HOST:PORT")]
    NotHttps(String),
    #[error(
        "{0:?} is not an origin (a path, query or user is not allowed); write it as https://HOST or https://HOST:PORT"
    )]
    NotAnOrigin(String),
    #[error("the allow-list {path}: {detail}")]
    Io { path: PathBuf, detail: String },
}

/// `text` as an allow-list entry: lower-case `https://host[:port]`, no
/// trailing slash.
pub fn normalise(text: &str) -> Result<String, OriginError> {
    let trimmed = text.trim().trim_end_matches('/');
    let lower = trimmed.to_ascii_lowercase();
    let Some(rest) = lower.strip_prefix("https://") else {
        return Err(OriginError::NotHttps(text.to_owned()));
    };
    let valid_host = !rest.is_empty()
        && rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        && !rest.starts_with(['.', ':', '-']);
    if !valid_host {
        return Err(OriginError::NotAnOrigin(text.to_owned()));
    }
    Ok(format!("https://{rest}"))
}

/// The allow-list, as kept in the layer's home.
#[derive(Debug, Clone)]
pub struct Origins {
    file: PathBuf,
    list: Vec<String>,
}

impl Origins {
    /// The list in `home` (the government portals when there is no file yet).
    pub fn load(home: &Path) -> Result<Self, OriginError> {
        let file = home.join("origins.txt");
        let list = match std::fs::read_to_string(&file) {
            Ok(text) => text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .filter_map(|l| normalise(l).ok())
                .collect(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                GOVERNMENT_PORTALS.iter().map(|s| s.to_string()).collect()
            }
            Err(e) => {
                return Err(OriginError::Io {
                    path: file,
                    detail: e.to_string(),
                });
            }
        };
        Ok(Self { file, list })
    }

    pub fn list(&self) -> &[String] {
        &self.list
    }

    /// Whether `origin` (as the browser sent it) is on the list.
    pub fn allows(&self, origin: Option<&str>) -> bool {
        origin
            .and_then(|o| normalise(o).ok())
            .is_some_and(|o| self.list.contains(&o))
    }

    /// Put `origin` on the list and save it; its normal form.
    pub fn allow(&mut self, origin: &str) -> Result<String, OriginError> {
        let origin = normalise(origin)?;
        self.reread()?;
        if !self.list.contains(&origin) {
            self.list.push(origin.clone());
        }
        self.save()?;
        Ok(origin)
    }

    /// Take `origin` off the list and save it; whether it was there.
    pub fn disallow(&mut self, origin: &str) -> Result<bool, OriginError> {
        let origin = normalise(origin)?;
        self.reread()?;
        let before = self.list.len();
        self.list.retain(|o| *o != origin);
        self.save()?;
        Ok(self.list.len() != before)
    }

    /// The list as another writer (`layer allow` while `serve` runs) may
    /// have left it, so that one change does not undo the other.
    fn reread(&mut self) -> Result<(), OriginError> {
        let dir = self.file.parent().unwrap_or(Path::new("."));
        *self = Self::load(dir)?;
        Ok(())
    }

    /// Written whole to a temporary file of its own (a unique name, only
    /// the user may read it), synced, then renamed over the list: never
    /// half a list, and two writers never write into one file.
    fn save(&self) -> Result<(), OriginError> {
        let io = |e: std::io::Error| OriginError::Io {
            path: self.file.clone(),
            detail: e.to_string(),
        };
        let dir = self.file.parent().unwrap_or(Path::new("."));
        make_private_dir(dir).map_err(io)?;
        let mut text = String::from(
            "# Origins allowed to ask qoltanba for signatures (consent is still asked each time).\n",
        );
        for origin in &self.list {
            text.push_str(origin);
            text.push('\n');
        }
        let (tmp, mut file) = unique_private_file(dir).map_err(io)?;
        let written = file
            .write_all(text.as_bytes())
            .and_then(|()| file.sync_all())
            .and_then(|()| std::fs::rename(&tmp, &self.file));
        if let Err(e) = written {
            let _ = std::fs::remove_file(&tmp);
            return Err(io(e));
        }
        // The rename itself survives a crash once the directory is synced.
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    }
}

/// `dir` (and its parents); a directory made here is private to the user.
fn make_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// A new file in `dir` under a name no other writer uses, readable by the
/// user only.
fn unique_private_file(dir: &Path) -> std::io::Result<(PathBuf, std::fs::File)> {
    loop {
        let mut random = [0u8; 8];
        getrandom::fill(&mut random).map_err(std::io::Error::other)?;
        let path = dir.join(format!(".origins.txt.{}.tmp", hex::encode(random)));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        match options.open(&path) {
            Ok(file) => return Ok((path, file)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_portals_are_allowed_until_the_citizen_edits_the_list() {
        let dir = tempfile::tempdir().unwrap();
        let mut origins = Origins::load(dir.path()).unwrap();
        assert!(origins.allows(Some("https://egov.kz")));
        assert!(origins.allows(Some("HTTPS://EGOV.KZ/")));
        assert!(!origins.allows(Some("http://egov.kz")), "https only");
        assert!(!origins.allows(Some("https://egov.kz.evil.example")));
        assert!(!origins.allows(None));
        assert_eq!(
            origins.allow("https://Portal.example:8443/").unwrap(),
            "https://portal.example:8443"
        );
        assert!(origins.disallow("https://egov.kz").unwrap());
        let again = Origins::load(dir.path()).unwrap();
        assert!(again.allows(Some("https://portal.example:8443")));
        assert!(!again.allows(Some("https://egov.kz")));
        assert!(matches!(
            origins.allow("http://x.kz"),
            Err(OriginError::NotHttps(_))
        ));
        assert!(matches!(
            origins.allow("https://x.kz/path"),
            Err(OriginError::NotAnOrigin(_))
        ));
        assert!(matches!(
            origins.allow("https://user@x.kz"),
            Err(OriginError::NotAnOrigin(_))
        ));
    }

    #[test]
    fn pages_are_https_sites_or_this_computer() {
        let ok = |o: &str| page_origin(Some(o.as_bytes()));
        assert_eq!(ok("https://egov.kz"), Ok(Some("https://egov.kz".into())));
        assert_eq!(
            ok("https://localhost:8443").unwrap().as_deref(),
            Some("https://localhost:8443")
        );
        assert_eq!(page_origin(None), Ok(None), "a program sends no Origin");
        for local in [
            "http://localhost",
            "http://localhost:3000",
            "http://127.0.0.1:8080",
            "http://127.5.6.7",
            "http://[::1]:80",
            "HTTP://LOCALHOST",
        ] {
            assert!(ok(local).is_ok(), "{local}");
        }
        for insecure in [
            "http://egov.kz",
            "null",
            "file://",
            "http://localhost.evil.example",
            "http://127.0.0.1.evil.example",
            "http://localhost:80x",
            "http://[::1]x",
            "http://user@localhost",
            "ftp://egov.kz",
            "https://egov.kz/path",
            "",
        ] {
            assert!(
                matches!(ok(insecure), Err(OriginRefused::Insecure(_))),
                "{insecure}: {:?}",
                ok(insecure)
            );
        }
        assert_eq!(
            page_origin(Some("https://едов.kz".as_bytes())),
            Err(OriginRefused::NotAscii)
        );
        assert_eq!(
            page_origin(Some(b"https://egov.kz\x1b[2K")),
            Err(OriginRefused::NotAscii)
        );
        assert_eq!(
            page_origin(Some(&[0xff, 0xfe])),
            Err(OriginRefused::NotAscii)
        );
        let long = format!("https://{}.kz", "a".repeat(MAX_ORIGIN_LEN));
        assert_eq!(
            page_origin(Some(long.as_bytes())),
            Err(OriginRefused::TooLong(long.len()))
        );
    }

    #[cfg(unix)]
    #[test]
    fn the_list_is_saved_private_under_a_unique_name_and_merged() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("layer");
        let mut serving = Origins::load(&home).unwrap();
        let mut command = Origins::load(&home).unwrap();
        command.allow("https://one.example").unwrap();
        // The other writer's change is not undone by this one.
        serving.allow("https://two.example").unwrap();
        let again = Origins::load(&home).unwrap();
        assert!(again.allows(Some("https://one.example")));
        assert!(again.allows(Some("https://two.example")));
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&home), 0o700);
        assert_eq!(mode(&home.join("origins.txt")), 0o600);
        let left: Vec<_> = std::fs::read_dir(&home)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(
            left,
            vec![std::ffi::OsString::from("origins.txt")],
            "no temporary file stays"
        );
        // A temporary file of the old fixed name does not stop a save.
        std::fs::create_dir(home.join("origins.txt.new")).unwrap();
        serving.allow("https://three.example").unwrap();
    }
}
