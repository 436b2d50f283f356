//! `qoltanba demo`: the whole renewal against an embedded reference RA.
//!
//! In a temporary directory: a `qoltanba-ra` home (CAs, TLS, database) served
//! over HTTPS on loopback inside this process, a test citizen enrolled with
//! GOST 2015 keys that expire in 7 days, the reminders that are due, then the
//! core's renewal flow run non-interactively (the one-time code is read from
//! the RA's outbox, as a phone would receive it), ending with the verified
//! summary.

use qoltanba_l10n::Text;
use std::time::Instant;

use qoltanba_core::ra::{RaClient, RaConfig};
use qoltanba_core::renewal::{
    Outcome, Renewal, RenewalRequest, RenewalUi, Review, ReviewAnswer, Step,
};
use qoltanba_core::store::Store;
use qoltanba_pki::cert::KzCertificate;
use qoltanba_pki::crypto::KeySpec;
use qoltanba_pki::keyfile::{KeyFile, NewPassword, Password};
use qoltanba_testkit::embedded::{EmbeddedRa, random_password};
use time::OffsetDateTime;

use crate::Context;
use crate::error::CliError;
use crate::output::note;
use crate::renew::print_summary;

struct DemoUi<'a> {
    current: Password,
    new: NewPassword,
    ra: &'a EmbeddedRa,
    started: Instant,
    json: bool,
}

impl RenewalUi for DemoUi<'_> {
    fn review(&mut self, review: &Review) -> ReviewAnswer {
        if !self.json {
            crate::renew::print_review(review);
            self.progress(&qoltanba_l10n::Text::new("status-demo-review-confirmed"));
        }
        ReviewAnswer::Confirm
    }
    fn current_password(&mut self, _file: &std::path::Path) -> Option<Password> {
        Some(self.current.clone())
    }
    fn new_password(&mut self) -> Option<NewPassword> {
        Some(self.new.clone())
    }
    fn code(&mut self, number: i64, _sent_to: Option<&str>) -> Option<String> {
        // The SMS the RA's outbox recorded for this application.
        let code = self.ra.code_for(number)?;
        self.progress(&Text::new("cli-demo-code-arrived"));
        Some(code)
    }
    fn progress(&mut self, message: &Text) {
        let message = crate::lang::say(message);
        if !self.json {
            note!(
                "  [{:>5.1} s] {message}",
                self.started.elapsed().as_secs_f64()
            );
        }
    }
    fn committed(&mut self, step: Step) {
        if !self.json && step != Step::Done {
            note!(
                "  [{:>5.1} s] committed: {}",
                self.started.elapsed().as_secs_f64(),
                step.name()
            );
        }
    }
}

pub fn run(ctx: &Context) -> Result<(), CliError> {
    let started = Instant::now();
    let work =
        tempfile::tempdir().map_err(|e| CliError::io("creating a temporary directory", e))?;
    let say = |m: &str| {
        if !ctx.json {
            note!("{m}");
        }
    };
    say(&format!("qoltanba demo in {}", work.path().display()));

    // 1. The RA: CAs, TLS identity, database; served on a free loopback port.
    let runtime = tokio::runtime::Runtime::new().map_err(|e| CliError::io("starting", e))?;
    let ra = EmbeddedRa::start(&work.path().join("ra"), &runtime).map_err(CliError::failed)?;
    say(&format!(
        "1. reference RA created (root, RSA, ECDSA and GOST 2015 CAs), serving {}",
        ra.base_url
    ));

    // 2. A citizen whose GOST 2015 keys expire in 7 days.
    let citizen_password = Password::new(random_password("Kz"));
    let iin = qoltanba_pki::cert::with_control_digit("90010130001")
        .ok_or_else(|| CliError::failed("no IIN"))?;
    let enrolled = ra
        .enroll_expiring(
            &iin,
            KeySpec::Gost512,
            7,
            &NewPassword::new(citizen_password.clone()).map_err(CliError::said)?,
            &work.path().join("citizen"),
        )
        .map_err(CliError::failed)?;
    let key_file = enrolled[0].file.clone();
    let now = OffsetDateTime::now_utc();
    let current = KzCertificate::from_der(
        KeyFile::open(&key_file, &citizen_password)
            .map_err(CliError::said)?
            .require_certificate()
            .map_err(CliError::said)?,
    )
    .map_err(CliError::failed)?;
    say(&format!(
        "2. citizen {iin} enrolled: {} (GOST 2015-512, AUTH+SIGN), valid until {} (about {} days left)",
        key_file.file_name().and_then(|n| n.to_str()).unwrap_or(""),
        current.not_after().date(),
        ((current.not_after() - now).whole_minutes() as f64 / 1440.0).round()
    ));

    // 3. The device's local store and the reminders due now.
    let store = Store::open(&work.path().join("qoltanba.db")).map_err(CliError::said)?;
    store
        .remember_certificate(&current, &format!("file:{}", key_file.display()))
        .map_err(CliError::said)?;
    say("3. reminders due on this device:");
    for line in crate::reminders_cmd::due_lines(&store, now).map_err(CliError::said)? {
        say(&format!("     {line}"));
    }

    // 4. The renewal, as the app would run it.
    say("4. renewing:");
    let client = RaClient::new(RaConfig::new(ra.base_url.clone(), ra.root_der.clone()))
        .map_err(CliError::said)?;
    let mut ui = DemoUi {
        current: citizen_password,
        new: NewPassword::new(Password::new(random_password("New"))).map_err(CliError::said)?,
        ra: &ra,
        started,
        json: ctx.json,
    };
    let request = RenewalRequest {
        key_files: vec![key_file],
        email: "testov@example.kz".into(),
        locality: "Астана".into(),
        new_keys_dir: work.path().join("new-keys"),
    };
    let mut renewal = Renewal::start(&store, client, request, &mut ui).map_err(CliError::said)?;
    match runtime
        .block_on(renewal.run(&mut ui))
        .map_err(CliError::said)?
    {
        Outcome::Done(summary) => {
            say("5. done:");
            print_summary(&summary, ctx)?;
            say(&format!(
                "Reminders due now: {} (the old certificate is replaced). Total {:.1} s.",
                crate::reminders_cmd::due_lines(&store, OffsetDateTime::now_utc())
                    .map_err(CliError::said)?
                    .len(),
                started.elapsed().as_secs_f64()
            ));
            Ok(())
        }
        Outcome::NeedCode { number, .. } => Err(CliError::failed(format!(
            "the demo RA sent no code for application {number}"
        ))),
        Outcome::NeedReview(_) => Err(CliError::failed("the demo confirms its review itself")),
    }
}
