//! [`RenewalUi`]: what the flow asks of the person in front of it.

use std::path::Path;

use super::{Review, ReviewAnswer, Step};
use qoltanba_l10n::Text;
use qoltanba_pki::keyfile::{NewPassword, Password};

/// What the flow needs from the person in front of it. The CLI prompts or
/// reads files; the apps show screens. `committed` is told after every
/// commit (progress, and the tests' crash hook).
pub trait RenewalUi {
    /// The password of a current key file.
    fn current_password(&mut self, file: &Path) -> Option<Password>;
    /// The password for the new key files (asked once per run).
    fn new_password(&mut self) -> Option<NewPassword>;
    /// The one-time code sent to `sent_to`; `None` pauses the renewal.
    fn code(&mut self, number: i64, sent_to: Option<&str>) -> Option<String>;
    /// The citizen's answer to what the application will say, asked once
    /// per renewal before any key is made. The default pauses the renewal
    /// ([`ReviewAnswer::Later`]) so that nothing is signed unseen.
    fn review(&mut self, _review: &Review) -> ReviewAnswer {
        ReviewAnswer::Later
    }
    /// A line of progress, for the shell to render in the citizen's
    /// language (`status-…` messages, or an error's text).
    fn progress(&mut self, message: &Text);
    /// `step` was committed.
    fn committed(&mut self, _step: Step) {}
    /// A yes/no question before something that cannot be undone (the ID
    /// card erasing a key slot). Unanswered means no.
    fn confirm(&mut self, _question: &Text) -> bool {
        false
    }
    /// Whether the person asked to stop. Asked before every step and while
    /// waiting for issuance; the run then ends with
    /// [`RenewalError::Cancelled`] at its last committed step, so a resume
    /// continues from there.
    fn cancelled(&mut self) -> bool {
        false
    }
}
