//! The flow itself: [`Renewal`] walks the steps, committing the state after
//! each one, from login to the installed and verified certificates.

use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use qoltanba_l10n::{Localize, Text};
use time::OffsetDateTime;

use super::Step;
use super::card_home::CardHome;
use super::error::{RenewalError, signing_error};
use super::key_home::{CertifiedKey, FileHome, KeyHome};
use super::review::{Review, ReviewAnswer};
use super::state::{
    NewCertificate, NewKey, Outcome, RenewalRequest, RenewalState, Summary, stored_state,
};
use super::ui::RenewalUi;
use crate::ra::{RaClient, RaError, Ready, Session};
use crate::store::Store;
use qoltanba_card::keystore::SharedSession;
use qoltanba_pki::cert::{KzCertificate, Purpose, TrustAnchors, validate};
use qoltanba_pki::crypto::{KeySpec, PublicKeyAlgorithm, Signer};
use qoltanba_pki::protocol::{
    ApplicationState, CertificateStatus, CodeDelivery, CodeDeliveryState,
};
use qoltanba_pki::reissue::{
    ApplicationDetails, NewKeyEntry, ReissueError, StorageKind, build_attested_application,
};
use qoltanba_pki::signed_message::{SignedMessageError, sign_message};

fn random_key() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the OS random number generator works");
    hex::encode(bytes)
}

/// A current key's location and certificate. The key itself is opened
/// again whenever it signs (the password is asked then), so no private key
/// outlives the step that uses it.
struct Current {
    location: PathBuf,
    cert: KzCertificate,
}

/// A new key, opened for signing its CSR.
type NewSigner = (Purpose, Box<dyn Signer>);

/// How the store names where a key lives, e.g. `file:/path/GOST512_….p12`.
fn location_name(home: &dyn KeyHome, location: &Path) -> String {
    home.location_name(location)
}

/// The algorithm a renewal keeps: the current key's.
fn same_kind(algorithm: &PublicKeyAlgorithm) -> KeySpec {
    match algorithm {
        PublicKeyAlgorithm::Gost2015 { .. } => KeySpec::Gost512,
        PublicKeyAlgorithm::EcP256 => KeySpec::P256,
        PublicKeyAlgorithm::Rsa { bits } if *bits >= 3072 => KeySpec::Rsa3072,
        _ => KeySpec::Rsa2048,
    }
}

/// Log in to the RA with an AUTH key: sign its challenge. The session and
/// the challenge's nonce (new keys bind it into their attestation).
pub async fn log_in(
    client: &RaClient,
    auth_key: &dyn Signer,
    auth_cert: &KzCertificate,
) -> Result<(Session, Vec<u8>), RenewalError> {
    let challenge = client.challenge().await?;
    let signed = sign_message(
        challenge.nonce.as_bytes(),
        auth_key,
        auth_cert,
        OffsetDateTime::now_utc(),
    )
    .map_err(|e| match e {
        SignedMessageError::Sign(e) => signing_error(e),
        e => RenewalError::Key(e.to_string()),
    })?;
    let session = client.login(signed).await?;
    Ok((session, challenge.nonce.into_bytes()))
}

/// One renewal, driven to its end (or to the code) by [`Renewal::run`].
pub struct Renewal<'a> {
    store: &'a Store,
    client: RaClient,
    id: i64,
    state: RenewalState,
    session: Option<Session>,
    /// The challenge the session logged in with: bound into new keys'
    /// attestation, so the RA can tell they were made for this citizen now.
    login_challenge: Option<Vec<u8>>,
    home: Box<dyn KeyHome + 'a>,
}

impl<'a> Renewal<'a> {
    /// Record a new renewal of the key files in `request.key_files`, the
    /// new keys going into files in `request.new_keys_dir`.
    pub fn start(
        store: &'a Store,
        client: RaClient,
        request: RenewalRequest,
        ui: &mut dyn RenewalUi,
    ) -> Result<Self, RenewalError> {
        let home = Box::new(FileHome::new(request.new_keys_dir.clone()));
        Self::start_with_home(store, client, home, request, ui)
    }

    /// Record a new renewal with the keys in `home` (key files, the platform
    /// keystore, the ID card).
    pub fn start_with_home(
        store: &'a Store,
        client: RaClient,
        mut home: Box<dyn KeyHome + 'a>,
        request: RenewalRequest,
        ui: &mut dyn RenewalUi,
    ) -> Result<Self, RenewalError> {
        let mut currents = Vec::new();
        for location in &request.key_files {
            // Opening checks the password now, not halfway through.
            let (_key, cert) = home.open_current(location, ui)?;
            currents.push(Current {
                location: location.clone(),
                cert,
            });
        }
        let auth = currents
            .iter()
            .find(|c| c.cert.purpose().can_auth())
            .ok_or(RenewalError::WhichKeys)?;
        let sign = currents
            .iter()
            .find(|c| c.cert.purpose().can_sign())
            .ok_or(RenewalError::WhichKeys)?;
        for c in &currents {
            store.remember_certificate(&c.cert, &location_name(home.as_ref(), &c.location))?;
        }
        let state = RenewalState {
            step: Step::Started,
            auth_file: auth.location.clone(),
            sign_file: sign.location.clone(),
            old_serials: currents.iter().map(|c| c.cert.serial_hex()).collect(),
            algorithm: same_kind(&sign.cert.key_algorithm()).name().to_string(),
            request,
            new_keys: Vec::new(),
            idempotency_key: None,
            application: None,
            number: None,
            issued: Vec::new(),
            failure: None,
            reviewed: false,
            home: Some(home.record()),
        };
        let json =
            serde_json::to_string(&state).map_err(|e| RenewalError::Corrupt(e.to_string()))?;
        let id = store.create_renewal(&sign.cert.serial_hex(), Step::Started.name(), &json)?;
        ui.committed(Step::Started);
        Ok(Self {
            store,
            client,
            id,
            state,
            session: None,
            login_challenge: None,
            home,
        })
    }

    /// Continue renewal `id` (of key files) from its last committed step.
    pub fn resume(store: &'a Store, client: RaClient, id: i64) -> Result<Self, RenewalError> {
        let state = stored_state(store, id)?;
        let home = Box::new(FileHome::new(state.request.new_keys_dir.clone()));
        Self::resume_with_home(store, client, home, id)
    }

    /// Continue renewal `id` with the keys on the ID card behind `session`
    /// (PIN verified); certificates the card cannot store go where the
    /// renewal's start put them.
    pub fn resume_on_card(
        store: &'a Store,
        client: RaClient,
        session: SharedSession,
        known: Vec<KzCertificate>,
        id: i64,
    ) -> Result<Self, RenewalError> {
        let state = stored_state(store, id)?;
        let home = Box::new(CardHome::new(session, known, state.request.new_keys_dir));
        Self::resume_with_home(store, client, home, id)
    }

    /// Continue renewal `id` with the keys in `home`, which must be the
    /// kind of home the renewal started with (a key-file renewal resumed
    /// with a keystore would put its new keys somewhere else).
    pub fn resume_with_home(
        store: &'a Store,
        client: RaClient,
        home: Box<dyn KeyHome + 'a>,
        id: i64,
    ) -> Result<Self, RenewalError> {
        let state = stored_state(store, id)?;
        if let Some(why) = &state.failure {
            return Err(RenewalError::Failed(why.clone()));
        }
        if let Some(remembered) = &state.home
            && remembered.storage() != home.storage()
        {
            return Err(RenewalError::OtherHome {
                remembered: remembered.storage(),
                given: home.storage(),
            });
        }
        Ok(Self {
            store,
            client,
            id,
            state,
            session: None,
            login_challenge: None,
            home,
        })
    }

    /// What renewal `id` committed last (where its keys live, what a
    /// resume needs), without resuming it.
    pub fn load_state(store: &Store, id: i64) -> Result<RenewalState, RenewalError> {
        stored_state(store, id)
    }

    /// Decline renewal `id` at its review: it ends as failed ("declined"),
    /// so another can start. Only before any key is made; later steps
    /// have signed or submitted, and end through the RA instead.
    pub fn decline(store: &Store, id: i64) -> Result<(), RenewalError> {
        let mut state = stored_state(store, id)?;
        if state.step != Step::Started {
            return Err(RenewalError::PastReview(state.step.name()));
        }
        state.failure = Some("declined at the review".into());
        state.step = Step::Failed;
        let json =
            serde_json::to_string(&state).map_err(|e| RenewalError::Corrupt(e.to_string()))?;
        store.save_renewal(id, Step::Failed.name(), &json, true)?;
        Ok(())
    }

    pub fn id(&self) -> i64 {
        self.id
    }

    pub fn state(&self) -> &RenewalState {
        &self.state
    }

    fn commit(&mut self, step: Step, ui: &mut dyn RenewalUi) -> Result<(), RenewalError> {
        self.state.step = step;
        let json =
            serde_json::to_string(&self.state).map_err(|e| RenewalError::Corrupt(e.to_string()))?;
        let finished = matches!(step, Step::Done | Step::Failed);
        self.store
            .save_renewal(self.id, step.name(), &json, finished)?;
        ui.committed(step);
        Ok(())
    }

    fn fail(&mut self, why: String, ui: &mut dyn RenewalUi) -> RenewalError {
        self.state.failure = Some(why.clone());
        if let Err(e) = self.commit(Step::Failed, ui) {
            return e;
        }
        RenewalError::Failed(why)
    }

    async fn session(&mut self, ui: &mut dyn RenewalUi) -> Result<Session, RenewalError> {
        if let Some(s) = &self.session {
            return Ok(s.clone());
        }
        ui.progress(&Text::new("status-logging-in"));
        let (auth_key, auth_cert) = self.home.open_current(&self.state.auth_file.clone(), ui)?;
        let (session, challenge) = log_in(&self.client, auth_key.as_ref(), &auth_cert).await?;
        self.login_challenge = Some(challenge);
        self.session = Some(session.clone());
        Ok(session)
    }

    fn open_new_keys(&mut self, ui: &mut dyn RenewalUi) -> Result<Vec<NewSigner>, RenewalError> {
        let keys = self.state.new_keys.clone();
        keys.iter()
            .map(|k| Ok((k.purpose, self.home.open_new(&k.file, ui)?)))
            .collect()
    }

    /// Drive the renewal until it is done or needs the one-time code.
    pub async fn run(&mut self, ui: &mut dyn RenewalUi) -> Result<Outcome, RenewalError> {
        loop {
            let step = self.state.step;
            if !matches!(step, Step::Done | Step::Failed) && ui.cancelled() {
                return Err(RenewalError::Cancelled(step.name()));
            }
            match step {
                Step::Started if !self.state.reviewed => {
                    if let Some(outcome) = self.review(ui).await? {
                        return Ok(outcome);
                    }
                }
                Step::Started => self.generate_keys(ui).await?,
                Step::KeysGenerated => self.sign(ui)?,
                Step::Signed => self.submit(ui).await?,
                Step::Submitted => {
                    if let Some(outcome) = self.confirm(ui).await? {
                        return Ok(outcome);
                    }
                }
                Step::Confirmed => self.wait_for_issuance(ui).await?,
                Step::Issued => self.install(ui)?,
                Step::Installed => {
                    self.commit(Step::Done, ui)?;
                }
                Step::Done => return Ok(Outcome::Done(self.summary()?)),
                Step::Failed => {
                    return Err(RenewalError::Failed(
                        self.state.failure.clone().unwrap_or_default(),
                    ));
                }
            }
        }
    }

    /// Show the citizen what will be applied for; on confirmation the
    /// answer is committed (still at `Started`), so a resume does not ask
    /// again. Declining ends the renewal: nothing was made or signed.
    async fn review(&mut self, ui: &mut dyn RenewalUi) -> Result<Option<Outcome>, RenewalError> {
        let review = self.prepared_review().await?;
        match ui.review(&review) {
            ReviewAnswer::Confirm => {
                self.state.reviewed = true;
                self.commit(Step::Started, ui)?;
                Ok(None)
            }
            ReviewAnswer::Decline => {
                self.state.failure = Some("declined at the review".into());
                self.commit(Step::Failed, ui)?;
                Err(RenewalError::Declined)
            }
            ReviewAnswer::Later => Ok(Some(Outcome::NeedReview(review))),
        }
    }

    /// The review of this renewal, from the SIGN certificate the start
    /// remembered and the RA's policy for the home's storage.
    pub async fn prepared_review(&mut self) -> Result<Review, RenewalError> {
        let sign_serial = self
            .store
            .renewal(self.id)?
            .map(|r| r.key_serial)
            .unwrap_or_default();
        let current = self
            .store
            .certificates()?
            .into_iter()
            .find(|c| c.serial == sign_serial)
            .and_then(|c| KzCertificate::from_der(&c.der).ok())
            .ok_or_else(|| {
                RenewalError::Corrupt(format!("certificate {sign_serial} is not in the store"))
            })?;
        let storage = self.home.storage();
        let validity_days = self.issued_validity(storage).await?;
        Ok(Review::of(
            &current,
            &self.state.request.email,
            &self.state.request.locality,
            storage,
            &self.state.algorithm,
            validity_days,
            self.state.old_serials.clone(),
            OffsetDateTime::now_utc(),
        ))
    }

    /// How long the RA says it issues certificates for `storage` (its
    /// public policy). An unreachable RA stops here, before anything is
    /// made; an RA that publishes no policy leaves the validity unsaid.
    async fn issued_validity(&self, storage: StorageKind) -> Result<Option<u32>, RenewalError> {
        match self.client.policy().await {
            // A card renewal signs with the card's certificate: the claim
            // the RA checks for the ID card's longer validity.
            Ok(policy) => Ok(Some(
                policy.validity_days(storage, storage == StorageKind::IdCard),
            )),
            Err(e) if e.is_transient() => Err(e.into()),
            Err(_) => Ok(None),
        }
    }

    async fn generate_keys(&mut self, ui: &mut dyn RenewalUi) -> Result<(), RenewalError> {
        // The RA's view first: is the SIGN certificate still good there?
        let session = self.session(ui).await?;
        ui.progress(&Text::new("status-reading-certificates"));
        let list = self.client.certificates(&session).await?;
        for c in &list.certificates {
            if self.state.old_serials.contains(&c.serial) && c.status == CertificateStatus::Revoked
            {
                return Err(self.fail(
                    format!(
                        "certificate {} is revoked; re-enrol at a service centre",
                        c.serial
                    ),
                    ui,
                ));
            }
        }
        let spec: KeySpec = self
            .state
            .algorithm
            .parse()
            .map_err(|e: String| RenewalError::Corrupt(e))?;
        let purposes: &[Purpose] = match spec {
            KeySpec::Gost512 => &[Purpose::Both],
            _ => &[Purpose::Auth, Purpose::Sign],
        };
        let mut new_keys = Vec::new();
        for purpose in purposes {
            ui.progress(
                &Text::new("status-generating-key")
                    .arg("purpose", purpose.to_string())
                    .arg("algorithm", spec.name()),
            );
            let challenge = self.login_challenge.clone().unwrap_or_default();
            let file = self.home.create_attested(spec, *purpose, &challenge, ui)?;
            new_keys.push(NewKey {
                purpose: *purpose,
                file,
                serial: None,
            });
        }
        self.state.new_keys = new_keys;
        self.commit(Step::KeysGenerated, ui)
    }

    fn sign(&mut self, ui: &mut dyn RenewalUi) -> Result<(), RenewalError> {
        ui.progress(&Text::new("status-signing"));
        let (sign_key, sign_cert) = self.home.open_current(&self.state.sign_file.clone(), ui)?;
        let new = self.open_new_keys(ui)?;
        let mut attestations = Vec::with_capacity(new.len());
        for key in self.state.new_keys.clone() {
            attestations.push(self.home.attestation(&key.file)?);
        }
        let requests: Vec<NewKeyEntry<'_>> = new
            .iter()
            .zip(&attestations)
            .map(|((purpose, key), attestation)| NewKeyEntry {
                purpose: *purpose,
                key: key.as_ref(),
                attestation,
            })
            .collect();
        let details = ApplicationDetails {
            email: self.state.request.email.clone(),
            locality: self.state.request.locality.clone(),
            storage: self.home.storage(),
        };
        let signed = build_attested_application(
            &sign_cert,
            sign_key.as_ref(),
            &requests,
            &details,
            OffsetDateTime::now_utc(),
        )
        .map_err(|e| match e {
            ReissueError::Sign(e) => signing_error(e),
            e => RenewalError::Application(e.to_string()),
        })?;
        self.state.application = Some(B64.encode(&signed.p7s_der));
        self.state.idempotency_key = Some(random_key());
        self.commit(Step::Signed, ui)
    }

    async fn submit(&mut self, ui: &mut dyn RenewalUi) -> Result<(), RenewalError> {
        ui.progress(&Text::new("status-submitting"));
        let session = self.session(ui).await?;
        let p7s = B64
            .decode(self.state.application.as_deref().unwrap_or_default())
            .map_err(|e| RenewalError::Corrupt(e.to_string()))?;
        let key = self.state.idempotency_key.clone().unwrap_or_default();
        let submitted = self.client.submit(&session, p7s, &key).await?;
        ui.progress(&Text::new("status-accepted").arg("number", submitted.number));
        self.state.number = Some(submitted.number);
        self.commit(Step::Submitted, ui)
    }

    async fn confirm(&mut self, ui: &mut dyn RenewalUi) -> Result<Option<Outcome>, RenewalError> {
        let number = self.state.number.unwrap_or_default();
        let session = self.session(ui).await?;
        // A confirm whose answer was lost (or a resumed run): the status tells.
        let delivery = match self.client.status(&session, number).await? {
            Ready::Now(s) if s.state == ApplicationState::AwaitingCode => s.code_delivery,
            Ready::Now(s) if s.state == ApplicationState::Locked => {
                return Err(self.fail(
                    format!("application {number} is locked after too many wrong codes"),
                    ui,
                ));
            }
            _ => {
                self.commit(Step::Confirmed, ui)?;
                return Ok(None);
            }
        };
        // Truthfully: sent, or still pending (the RA retries), or failed.
        if let Some(d) = &delivery {
            ui.progress(&delivery_text(d));
        }
        let sent_to = delivery
            .as_ref()
            .filter(|d| d.state == CodeDeliveryState::Sent)
            .map(|d| d.sent_to.clone());
        loop {
            let Some(code) = ui.code(number, sent_to.as_deref()) else {
                return Ok(Some(Outcome::NeedCode { number, delivery }));
            };
            let code = zeroize::Zeroizing::new(code);
            match self.client.confirm(&session, number, code.trim()).await {
                Ok(_) => {
                    ui.progress(&Text::new("status-code-accepted"));
                    self.commit(Step::Confirmed, ui)?;
                    return Ok(None);
                }
                Err(e @ RaError::Refused { .. }) if e.code() == Some("wrong-code") => {
                    ui.progress(&e.text());
                }
                Err(RaError::Refused { code: c, .. }) if c == "code-expired" => {
                    // Sign and submit a fresh application for a new code.
                    ui.progress(&Text::new("status-code-expired"));
                    self.state.number = None;
                    self.commit(Step::KeysGenerated, ui)?;
                    return Ok(None);
                }
                Err(RaError::Refused {
                    code: c, detail, ..
                }) if c == "application-locked" => {
                    return Err(self.fail(detail, ui));
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Ask the RA for a new one-time code (the SMS did not come, or the RA
    /// gave up sending it); only while the renewal waits for its code. The
    /// delivery as it then stands (also told to the UI); the code of any
    /// earlier SMS stops working. The RA limits how often this is allowed
    /// (`rate-limited`).
    pub async fn resend_code(
        &mut self,
        ui: &mut dyn RenewalUi,
    ) -> Result<CodeDelivery, RenewalError> {
        let (step, number) = (self.state.step, self.state.number);
        let (Step::Submitted, Some(number)) = (step, number) else {
            return Err(RenewalError::NotAwaitingCode(step.name()));
        };
        let session = self.session(ui).await?;
        ui.progress(&Text::new("status-code-resending"));
        let delivery = self.client.resend_code(&session, number).await?;
        ui.progress(&delivery_text(&delivery));
        Ok(delivery)
    }

    async fn wait_for_issuance(&mut self, ui: &mut dyn RenewalUi) -> Result<(), RenewalError> {
        let number = self.state.number.unwrap_or_default();
        let session = self.session(ui).await?;
        loop {
            match self.client.download(&session, number).await {
                Ok(Ready::Now(issued)) => {
                    self.state.issued = issued
                        .certificates
                        .into_iter()
                        .map(|c| {
                            // The RA names auth and sign; anything else is both.
                            let purpose = match c.purpose {
                                Purpose::Auth | Purpose::Sign => c.purpose,
                                _ => Purpose::Both,
                            };
                            (purpose, c.certificate, c.chain)
                        })
                        .collect();
                    ui.progress(&Text::new("status-issued"));
                    return self.commit(Step::Issued, ui);
                }
                Ok(Ready::Later(d)) => {
                    ui.progress(
                        &Text::new("status-waiting-for-issuance")
                            .arg("seconds", d.retry_after.as_secs()),
                    );
                    // In slices, so that a cancel is honoured within one.
                    let until = tokio::time::Instant::now() + d.retry_after;
                    while tokio::time::Instant::now() < until {
                        if ui.cancelled() {
                            return Err(RenewalError::Cancelled(self.state.step.name()));
                        }
                        let left = until - tokio::time::Instant::now();
                        tokio::time::sleep(left.min(std::time::Duration::from_millis(200))).await;
                    }
                }
                Err(RaError::Refused { code, detail, .. }) if code == "wrong-state" => {
                    return Err(self.fail(detail, ui));
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Check every issued certificate first, then install them all in
    /// one [`KeyHome::install_all`]: nothing is installed unless every
    /// certificate checks out, and a home that can make its new keys
    /// current together (the ID card) does so.
    fn install(&mut self, ui: &mut dyn RenewalUi) -> Result<(), RenewalError> {
        ui.progress(&Text::new("status-installing"));
        let mut new_keys = self.state.new_keys.clone();
        let mut certified = Vec::with_capacity(new_keys.len());
        for key in &new_keys {
            let (_, cert_b64, chain_pem) = self
                .state
                .issued
                .iter()
                .find(|(p, _, _)| *p == key.purpose)
                .ok_or_else(|| {
                    RenewalError::BadIssue(format!("no {} certificate was issued", key.purpose))
                })?
                .clone();
            let der = B64
                .decode(cert_b64)
                .map_err(|e| RenewalError::BadIssue(e.to_string()))?;
            let cert =
                KzCertificate::from_der(&der).map_err(|e| RenewalError::BadIssue(e.to_string()))?;
            let chain: Vec<KzCertificate> = chain_pem
                .iter()
                .map(|p| KzCertificate::parse(p.as_bytes()))
                .collect::<Result<_, _>>()
                .map_err(|e| RenewalError::BadIssue(e.to_string()))?;
            let signer = self.home.open_new(&key.file, ui)?;
            // Key match and chain: the certificate is for our key, for the
            // purpose asked, from a CA that chains to the RA's root.
            let (ours, certified_key) = (signer.public_key(), cert.public_key());
            if ours.algorithm.oid != certified_key.algorithm.oid
                || ours.subject_public_key != certified_key.subject_public_key
            {
                return Err(RenewalError::BadIssue(
                    "the certificate is for another key".into(),
                ));
            }
            let (intermediates, root) = chain.split_at(chain.len().saturating_sub(1));
            validate(
                &cert,
                intermediates,
                &TrustAnchors::new(root.to_vec()),
                OffsetDateTime::now_utc(),
                Some(key.purpose),
            )
            .map_err(|e| RenewalError::BadIssue(e.to_string()))?;
            certified.push(CertifiedKey {
                location: key.file.clone(),
                certificate: cert,
                chain,
            });
        }
        self.home.install_all(&certified, ui)?;
        for (key, c) in new_keys.iter_mut().zip(&certified) {
            self.store.remember_certificate(
                &c.certificate,
                &location_name(self.home.as_ref(), &key.file),
            )?;
            key.serial = Some(c.certificate.serial_hex());
        }
        self.store.mark_replaced(&self.state.old_serials)?;
        self.state.new_keys = new_keys;
        self.commit(Step::Installed, ui)
    }

    fn summary(&self) -> Result<Summary, RenewalError> {
        let mut new = Vec::new();
        for key in &self.state.new_keys {
            let (_, b64, _) = self
                .state
                .issued
                .iter()
                .find(|(p, _, _)| *p == key.purpose)
                .ok_or_else(|| RenewalError::Corrupt("issued certificate missing".into()))?;
            let der = B64
                .decode(b64)
                .map_err(|e| RenewalError::Corrupt(e.to_string()))?;
            let cert =
                KzCertificate::from_der(&der).map_err(|e| RenewalError::Corrupt(e.to_string()))?;
            new.push(NewCertificate {
                purpose: key.purpose,
                serial: cert.serial_hex(),
                not_before: cert.not_before(),
                not_after: cert.not_after(),
                algorithm: cert.key_algorithm().name(),
                file: key.file.clone(),
            });
        }
        Ok(Summary {
            renewal: self.id,
            application: self.state.number.unwrap_or_default(),
            old_serials: self.state.old_serials.clone(),
            new,
        })
    }
}

/// Where the one-time code is, as the citizen reads it.
fn delivery_text(delivery: &CodeDelivery) -> Text {
    let key = match delivery.state {
        CodeDeliveryState::Sent => "status-code-sent",
        CodeDeliveryState::Pending => "status-code-pending",
        CodeDeliveryState::Failed => "status-code-failed",
    };
    Text::new(key)
        .arg("phone", delivery.sent_to.as_str())
        .arg("attempts", delivery.attempts)
}
