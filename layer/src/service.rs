//! The service behind the socket: one request in, one reply out. It asks
//! the citizen ([`Consent`]) before any key is opened, opens the chosen
//! [`KeySource`], keeps only the keys that fit the request, and signs.
//! Synchronous: the server runs it off the async threads, one request at
//! a time, so replies go out in the order the requests came.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use base64::Engine as _;
use qoltanba_l10n::{Locale, Text, render};
use qoltanba_pki::cert::KzCertificate;
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::consent::{Answer, Asked, Consent, ConsentRequest, DocumentSummary, KeyChoice};
use crate::keys::{KeySource, KeySourceError, OpenedKey, fits};
use crate::origins::Origins;
use crate::protocol::{
    KeyFilter, KeyType, Payload, Reply, Request, Shape, SignRequest, signed_reply,
};
use crate::signing::{SignError, SigningKey, sign_payload};
use qoltanba_core::tsa::TimestampAuthority;

/// What the service needs from its shell.
pub struct Service {
    sources: Vec<Box<dyn KeySource>>,
    consent: Box<dyn Consent>,
    origins: Origins,
    /// Serials of certificates known to be revoked (the device's store).
    revoked: Vec<String>,
    /// The instant validity is judged at (`--at`), else now.
    at: Option<OffsetDateTime>,
    /// The language of the messages in replies (`changeLocale`); the
    /// citizen's prompts stay in the citizen's own language.
    reply_locale: Locale,
    /// How many signatures were made (the tests' witness that nothing was
    /// signed without consent).
    signed: usize,
    /// The time-stamp authority for CAdES-T (`--tsa URL`).
    tsa: Option<TimestampAuthority>,
    /// When each origin was last declined (within [`DECLINE_WINDOW`]).
    declines: HashMap<String, Vec<Instant>>,
    /// Origins refused without a prompt until the service stops.
    refused: HashSet<String>,
}

/// An origin declined this many times within [`DECLINE_WINDOW`] is refused
/// without a prompt until the service stops: a page cannot wear the
/// citizen down with prompt after prompt.
pub const DECLINES_BEFORE_REFUSAL: usize = 3;
pub const DECLINE_WINDOW: Duration = Duration::from_secs(60);

/// How an origin is named in the decline count (a program sends none).
fn origin_key(origin: Option<&str>) -> String {
    origin.unwrap_or("").to_ascii_lowercase()
}

impl Service {
    pub fn new(
        sources: Vec<Box<dyn KeySource>>,
        consent: Box<dyn Consent>,
        origins: Origins,
        revoked: Vec<String>,
    ) -> Self {
        Self {
            sources,
            consent,
            origins,
            revoked,
            at: None,
            reply_locale: Locale::Ru,
            signed: 0,
            tsa: None,
            declines: HashMap::new(),
            refused: HashSet::new(),
        }
    }

    /// Time-stamp signatures whose request asks for it at `tsa` (CAdES-T).
    pub fn with_tsa(mut self, tsa: Option<TimestampAuthority>) -> Self {
        self.tsa = tsa;
        self
    }

    /// Judge validity at `at` instead of now (`qoltanba --at …`).
    pub fn judged_at(mut self, at: Option<OffsetDateTime>) -> Self {
        self.at = at;
        self
    }

    /// How many signatures this service has made.
    pub fn signatures_made(&self) -> usize {
        self.signed
    }

    fn now(&self) -> OffsetDateTime {
        self.at.unwrap_or_else(OffsetDateTime::now_utc)
    }

    fn say(&self, text: &Text) -> String {
        render(self.reply_locale, text)
    }

    /// Tell the citizen (not the page) `text`.
    pub fn tell(&mut self, text: &Text) {
        self.consent.tell(text);
    }

    /// Whether requests of `origin` are refused without a prompt.
    pub fn refuses(&self, origin: Option<&str>) -> bool {
        self.refused.contains(&origin_key(origin))
    }

    /// A decline of `origin`: refused from now on after
    /// [`DECLINES_BEFORE_REFUSAL`] within [`DECLINE_WINDOW`].
    fn declined(&mut self, origin: Option<&str>) {
        let key = origin_key(origin);
        let now = Instant::now();
        let times = self.declines.entry(key).or_default();
        times.retain(|t| now.duration_since(*t) < DECLINE_WINDOW);
        times.push(now);
        if times.len() >= DECLINES_BEFORE_REFUSAL {
            let text =
                Text::new("layer-refused-declines").arg("count", DECLINES_BEFORE_REFUSAL as i64);
            self.refuse(origin, text);
        }
    }

    /// Refuse `origin` from now on and tell the citizen `why` (a text
    /// with the `origin` still to set).
    fn refuse(&mut self, origin: Option<&str>, why: Text) {
        self.refused.insert(origin_key(origin));
        self.declines.remove(&origin_key(origin));
        let shown = origin.map(str::to_owned).unwrap_or_else(|| "-".into());
        self.consent.tell(&why.arg("origin", shown));
    }

    /// The reply to `request` from a page of `origin`.
    pub fn handle(&mut self, origin: Option<&str>, request: Request) -> Reply {
        self.handle_watched(origin, request, &AtomicBool::new(false))
    }

    /// [`Service::handle`] for a page that may leave while the citizen is
    /// asked: the server sets `page_gone` when its connection closes, and
    /// then no key is opened and nothing is signed for it.
    pub fn handle_watched(
        &mut self,
        origin: Option<&str>,
        request: Request,
        page_gone: &AtomicBool,
    ) -> Reply {
        match request {
            // Only a portal on the list learns whether a card or token is
            // in (and only then are readers and modules probed).
            Request::GetActiveTokens if !self.origins.allows(origin) => Reply::ok(json!([])),
            Request::GetActiveTokens => {
                let mut storages: Vec<String> = Vec::new();
                for source in self.sources.iter_mut().filter(|s| s.is_hardware()) {
                    if !source.is_present() {
                        continue;
                    }
                    if !storages.iter().any(|s| s == source.storage()) {
                        storages.push(source.storage().to_owned());
                    }
                }
                Reply::ok(Value::from(storages))
            }
            Request::ChangeLocale { locale } => {
                // NCALayer's pages say "kz" for Kazakh.
                let tag = if locale.eq_ignore_ascii_case("kz") {
                    "kk"
                } else {
                    &locale
                };
                if let Some(l) = Locale::from_tag(tag) {
                    self.reply_locale = l;
                }
                Reply::ok_empty()
            }
            Request::GetKeyInfo { storage } => {
                let filter = KeyFilter {
                    storages: Some(vec![storage]),
                    key_type: KeyType::Any,
                    ext_key_usage_oids: Vec::new(),
                };
                match self.consent_and_key(
                    page_gone,
                    origin,
                    "getKeyInfo",
                    &filter,
                    Asked::KeyInfo,
                    Shape::CommonOne,
                ) {
                    Ok(key) => Reply::ok(key_info(&key)),
                    Err(reply) => reply,
                }
            }
            Request::Sign(request) => self.sign(page_gone, origin, &request),
        }
    }

    fn sign(
        &mut self,
        page_gone: &AtomicBool,
        origin: Option<&str>,
        request: &SignRequest,
    ) -> Reply {
        let asked = match &request.payload {
            Payload::Cms {
                documents,
                attach,
                digested,
                timestamp,
                ..
            } => Asked::Sign {
                xml: false,
                attached: *attach,
                timestamp_missing: *timestamp && self.tsa.is_none(),
                documents: documents
                    .iter()
                    .map(|d| DocumentSummary::of_bytes(d, *digested))
                    .collect(),
                signed_xpath: None,
                signature_parent_xpath: None,
            },
            Payload::Xml {
                documents,
                tbs_element_xpath,
                signature_parent_xpath,
            } => {
                let given = |p: &String| Some(p.trim().to_owned()).filter(|p| !p.is_empty());
                let signed_xpath = given(tbs_element_xpath);
                Asked::Sign {
                    xml: true,
                    attached: true,
                    timestamp_missing: false,
                    documents: documents
                        .iter()
                        .map(|d| DocumentSummary::of_xml(d, signed_xpath.as_deref()))
                        .collect(),
                    signed_xpath,
                    signature_parent_xpath: given(signature_parent_xpath),
                }
            }
        };
        let key = match self.consent_and_key(
            page_gone,
            origin,
            request.method,
            &request.filter,
            asked,
            request.shape,
        ) {
            Ok(key) => key,
            Err(reply) => return reply,
        };
        let signing = SigningKey {
            signer: key.signer.as_ref(),
            cert: &key.certificate,
            tsa: self.tsa.as_ref(),
            at: self.now(),
        };
        match sign_payload(&request.payload, request.shape, &signing) {
            Ok(signatures) => {
                self.signed += signatures.len();
                let pem = request
                    .output_cert
                    .then(|| certificate_pem(&key.certificate));
                signed_reply(request, signatures, pem)
            }
            Err(SignError::BadDocument(detail)) => Reply::error_for(
                request.shape,
                "WRONG_DATA",
                &self.say(&Text::new("layer-error-document").arg("detail", detail)),
            ),
            Err(SignError::Failed(detail)) => {
                self.tell(&Text::new("layer-told-sign").arg("detail", detail));
                Reply::error_for(
                    request.shape,
                    "SIGN_ERROR",
                    &self.say(&Text::new("layer-error-sign")),
                )
            }
        }
    }

    /// Ask the citizen, open the source they chose, keep the keys that fit
    /// `filter`, let them choose one. `Err`: the reply (declined, none fits…).
    fn consent_and_key(
        &mut self,
        page_gone: &AtomicBool,
        origin: Option<&str>,
        method: &str,
        filter: &KeyFilter,
        asked: Asked,
        shape: Shape,
    ) -> Result<OpenedKey, Reply> {
        if self.refuses(origin) {
            return Err(Reply::canceled_for(shape));
        }
        let candidates: Vec<usize> = (0..self.sources.len())
            .filter(|&i| {
                filter
                    .storages
                    .as_ref()
                    .is_none_or(|allowed| allowed.iter().any(|s| s == self.sources[i].storage()))
            })
            .collect();
        let origin_allowed = self.origins.allows(origin);
        let no_storage = || {
            let storages = filter
                .storages
                .as_ref()
                .map(|s| s.join(", "))
                .unwrap_or_default();
            Text::new("layer-error-no-storage").arg("storage", storages)
        };
        if candidates.is_empty() && origin_allowed {
            return Err(Reply::error_for(
                shape,
                "NO_STORAGE",
                &self.say(&no_storage()),
            ));
        }
        // A site not on the list learns which storages qoltanba holds only
        // after the citizen allowed it: it is asked as if it could sign.
        let offered: Vec<usize> = if candidates.is_empty() {
            (0..self.sources.len()).collect()
        } else {
            candidates.clone()
        };
        let request = ConsentRequest {
            origin: origin.map(str::to_owned),
            origin_allowed,
            method: method.to_owned(),
            asked,
            sources: offered.iter().map(|&i| self.sources[i].label()).collect(),
        };
        let (chosen, remember) = match self.consent.ask(&request) {
            Answer::Decline => {
                self.declined(origin);
                return Err(Reply::canceled_for(shape));
            }
            Answer::RefuseOrigin => {
                self.refuse(origin, Text::new("layer-refused-by-citizen"));
                return Err(Reply::canceled_for(shape));
            }
            Answer::Allow {
                source,
                remember_origin,
            } => match offered.get(source) {
                Some(&i) => (i, remember_origin),
                None => return Err(Reply::canceled_for(shape)),
            },
        };
        // The citizen may answer long after the page asked: if it has gone,
        // there is no one to sign for (nor an origin to remember).
        if page_gone.load(Ordering::SeqCst) {
            self.consent.page_left();
            return Err(Reply::canceled_for(shape));
        }
        if remember && let Some(origin) = origin {
            // Only https origins go on the list; others are allowed this once.
            if let Err(e) = self.origins.allow(origin) {
                tracing::warn!("the origin stays off the allow-list: {e}");
            }
        }
        if candidates.is_empty() {
            return Err(Reply::error_for(
                shape,
                "NO_STORAGE",
                &self.say(&no_storage()),
            ));
        }
        let label = self.sources[chosen].label();
        let storage = self.sources[chosen].storage().to_owned();
        let keys = match self.sources[chosen].open() {
            Ok(keys) => keys,
            Err(KeySourceError::NoSecret) => return Err(Reply::canceled_for(shape)),
            Err(KeySourceError::Failed(detail)) => {
                // The detail (tries left, paths) is the citizen's, not the page's.
                self.tell(
                    &Text::new("layer-told-key")
                        .arg("source", label)
                        .arg("detail", detail),
                );
                return Err(Reply::error_for(
                    shape,
                    "KEY_ERROR",
                    &self.say(&Text::new("layer-error-key")),
                ));
            }
        };
        let (now, revoked) = (self.now(), &self.revoked);
        let mut fitting: Vec<OpenedKey> = keys
            .into_iter()
            .filter(|k| fits(&k.certificate, filter, now, revoked))
            .collect();
        let choices: Vec<KeyChoice> = fitting
            .iter()
            .map(|k| KeyChoice::of(&k.label, &storage, &k.certificate))
            .collect();
        let index = match fitting.len() {
            0 => {
                self.tell(&Text::new("layer-told-no-key-fits").arg("source", label));
                return Err(Reply::error_for(
                    shape,
                    "NO_KEY",
                    &self.say(&Text::new("layer-error-no-key-fits")),
                ));
            }
            1 => 0,
            _ => match self.consent.choose_key(&choices) {
                Some(i) if i < fitting.len() => i,
                _ => return Err(Reply::canceled_for(shape)),
            },
        };
        // The password or PIN prompt may also have outlasted the page.
        if page_gone.load(Ordering::SeqCst) {
            self.consent.page_left();
            return Err(Reply::canceled_for(shape));
        }
        self.consent.show_key(&choices[index]);
        Ok(fitting.swap_remove(index))
    }
}

fn certificate_pem(cert: &KzCertificate) -> String {
    crate::signing::pem("CERTIFICATE", cert.der())
}

/// `getKeyInfo`'s facts, named as NCALayer names them (times in
/// milliseconds since 1970, as strings).
fn key_info(key: &OpenedKey) -> Value {
    let cert = &key.certificate;
    let millis = |t: OffsetDateTime| (t.unix_timestamp() * 1000).to_string();
    let cn = |name: &str| {
        name.split(',')
            .map(str::trim)
            .find_map(|part| part.strip_prefix("CN="))
            .unwrap_or("")
            .to_owned()
    };
    let subject = cert.subject_name();
    let issuer = cert.issuer_name();
    json!({
        "alias": key.label,
        "keyId": cert.subject_key_id().map(hex::encode).unwrap_or_default(),
        "algorithm": cert.key_algorithm().to_string(),
        "subjectCn": cn(&subject),
        "subjectDn": subject,
        "issuerCn": cn(&issuer),
        "issuerDn": issuer,
        "serialNumber": cert.serial_hex().to_lowercase(),
        "certNotAfter": millis(cert.not_after()),
        "certNotBefore": millis(cert.not_before()),
        "authorityKeyIdentifier": cert.authority_key_id().map(hex::encode).unwrap_or_default(),
        "pem": base64::engine::general_purpose::STANDARD.encode(cert.der()),
    })
}
