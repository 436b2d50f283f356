//! The registration authority's view of the citizen, after the AUTH login:
//! their applications (number, dates, state, what comes next) and their
//! certificates with revocation status. What a state means for the citizen
//! (the next step) is decided here, once.

use serde::Serialize;

use qoltanba_pki::cert::Purpose;
use qoltanba_pki::protocol::{
    ApplicationState, ApplicationStatus, CertificateInfo, CertificateStatus,
};

/// One of the citizen's applications at the RA.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct RaApplication {
    pub number: i64,
    /// RFC 3339, as the RA wrote it.
    pub created_at: String,
    pub updated_at: String,
    pub state: ApplicationState,
    pub next_step: NextStep,
    /// The renewal on this device that made it, when there is one.
    pub renewal_id: Option<i64>,
}

/// What the citizen does next about an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum NextStep {
    /// Enter the one-time code sent by SMS (resume the renewal).
    EnterCode,
    /// Nothing: the RA is issuing (or an operator approving); wait.
    WaitForIssuance,
    /// Install the issued certificates (resume the renewal on the device
    /// that holds the new keys).
    InstallCertificates,
    /// Nothing: issued and installed.
    Nothing,
    /// Start a new renewal (the application was rejected, or locked after
    /// too many wrong codes).
    StartAgain,
}

/// One of the citizen's certificates at the RA.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct RaCertificate {
    pub serial: String,
    pub purpose: Purpose,
    pub algorithm: String,
    pub not_after: String,
    pub status: CertificateStatus,
    pub days_left: i64,
    pub replaced: bool,
    /// This device knows the certificate's key.
    pub on_this_device: bool,
}

impl qoltanba_l10n::Localize for NextStep {
    /// `next-step-…`: what the citizen does next about an application.
    fn text(&self) -> qoltanba_l10n::Text {
        qoltanba_l10n::Text::new(match self {
            Self::EnterCode => "next-step-enter-code",
            Self::WaitForIssuance => "next-step-wait-for-issuance",
            Self::InstallCertificates => "next-step-install-certificates",
            Self::Nothing => "next-step-nothing",
            Self::StartAgain => "next-step-start-again",
        })
    }
}

impl RaApplication {
    /// `status` as the citizen sees it; `installed` says whether this
    /// device already installed what was issued, `renewal_id` which local
    /// renewal made it.
    pub fn of(status: &ApplicationStatus, renewal_id: Option<i64>, installed: bool) -> Self {
        let next_step = match status.state {
            ApplicationState::AwaitingCode => NextStep::EnterCode,
            ApplicationState::Confirmed | ApplicationState::Approved => NextStep::WaitForIssuance,
            ApplicationState::Issued if installed => NextStep::Nothing,
            ApplicationState::Issued => NextStep::InstallCertificates,
            ApplicationState::Locked | ApplicationState::Rejected => NextStep::StartAgain,
        };
        Self {
            number: status.number,
            created_at: status.created_at.clone(),
            updated_at: status.updated_at.clone(),
            state: status.state,
            next_step,
            renewal_id,
        }
    }
}

impl RaCertificate {
    pub fn of(info: &CertificateInfo, on_this_device: bool) -> Self {
        Self {
            serial: info.serial.clone(),
            purpose: info.purpose,
            algorithm: info.algorithm.clone(),
            not_after: info.not_after.clone(),
            status: info.status,
            days_left: info.days_left,
            replaced: info.replaced,
            on_this_device,
        }
    }
}
