//! The origins that may ask for signatures without a second question: an
//! allow-list in the layer's home (`origins.txt`, one origin a line),
//! pre-filled with the government portals. A request from any other origin
//! (or from a program that sends none) is refused unless the citizen allows
//! it in the consent prompt, for that request or for that origin from then on.
//! Even an allowed origin signs nothing unseen: the allow-list spares the
//! citizen the warning about an unknown site, never the consent itself.

use std::path::{Path, PathBuf};

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
        if !self.list.contains(&origin) {
            self.list.push(origin.clone());
        }
        self.save()?;
        Ok(origin)
    }

    /// Take `origin` off the list and save it; whether it was there.
    pub fn disallow(&mut self, origin: &str) -> Result<bool, OriginError> {
        let origin = normalise(origin)?;
        let before = self.list.len();
        self.list.retain(|o| *o != origin);
        self.save()?;
        Ok(self.list.len() != before)
    }

    /// Written whole to a temporary file, then renamed: never half a list.
    fn save(&self) -> Result<(), OriginError> {
        let io = |e: std::io::Error| OriginError::Io {
            path: self.file.clone(),
            detail: e.to_string(),
        };
        if let Some(dir) = self.file.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let mut text = String::from(
            "# Origins allowed to ask qoltanba for signatures (consent is still asked each time).\n",
        );
        for origin in &self.list {
            text.push_str(origin);
            text.push('\n');
        }
        let tmp = self.file.with_extension("txt.new");
        std::fs::write(&tmp, text).map_err(io)?;
        std::fs::rename(&tmp, &self.file).map_err(io)
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
}
