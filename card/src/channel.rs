//! The channel to a card: one command in, one complete response out.
//!
//! Above the raw transport it handles what ISO 7816-4 leaves to the
//! terminal: `61xx` (fetch the rest with GET RESPONSE), `6Cxx` (re-send with
//! the right Le), and, once PACE has run, secure messaging on every command.
//! A secure-messaging failure ends the session for good: the card has
//! dropped its keys too, so the only way on is a new PACE.

use super::apdu::{ApduError, Command, Response, Status};
use super::sm::{SecureMessaging, SmError};

use super::transport::{CardTransport, TransportError};

/// How many GET RESPONSE rounds one command may need before the card is
/// considered broken (65536 bytes at 256 per round, with room to spare).
const MAX_GET_RESPONSE: usize = 300;

/// Why a command got no usable response.
#[derive(Debug, thiserror::Error)]
pub enum ChannelError {
    #[error(transparent)]
    Transport(#[from] TransportError),
    #[error("the card's answer is malformed: {0}")]
    Apdu(#[from] ApduError),
    #[error(
        "secure messaging with the card failed ({0}); the session has ended, tap the card again"
    )]
    SecureMessaging(#[from] SmError),
    #[error(
        "the card answered a secure session in the clear; the session has ended, tap the card again"
    )]
    Unprotected,
    #[error("the secure session with the card has ended; tap the card again")]
    SessionEnded,
    #[error("the card kept asking for GET RESPONSE; it is not working properly")]
    EndlessResponse,
    #[error("the card's answer is longer than the {0} bytes asked for")]
    OverlongResponse(usize),
}

/// A card channel: the transport and, after PACE, the secure-messaging keys.
pub struct Channel {
    transport: Box<dyn CardTransport>,
    sm: Option<SecureMessaging>,
    /// Set when secure messaging failed: nothing more goes to the card.
    broken: bool,
}

impl Channel {
    pub fn new(transport: Box<dyn CardTransport>) -> Self {
        Self {
            transport,
            sm: None,
            broken: false,
        }
    }

    pub fn transport(&mut self) -> &mut dyn CardTransport {
        self.transport.as_mut()
    }

    /// Protect every later command with `sm` (after PACE).
    pub fn start_secure_messaging(&mut self, sm: SecureMessaging) {
        self.sm = Some(sm);
        self.broken = false;
    }

    pub fn is_secure(&self) -> bool {
        self.sm.is_some()
    }

    /// Send `command`; the whole response with its final status word.
    pub fn transmit(&mut self, command: &Command) -> Result<Response, ChannelError> {
        if self.broken {
            return Err(ChannelError::SessionEnded);
        }
        let result = match self.sm.as_mut() {
            Some(_) => self.transmit_secure(command),
            None => self.transmit_plain(command),
        };
        if matches!(
            result,
            Err(ChannelError::SecureMessaging(_) | ChannelError::Unprotected)
        ) {
            self.sm = None;
            self.broken = true;
        }
        result
    }

    fn transmit_secure(&mut self, command: &Command) -> Result<Response, ChannelError> {
        let sm = self.sm.as_mut().expect("checked by the caller");
        let protected = sm.protect(command)?;
        let raw = self.transport.transmit(&protected.to_bytes()?)?;
        let response = Response::parse(&raw)?;
        let sm = self.sm.as_mut().expect("checked by the caller");
        let inner = sm.unprotect(&response)?;
        check_length(command, &inner)?;
        Ok(inner)
    }

    fn transmit_plain(&mut self, command: &Command) -> Result<Response, ChannelError> {
        let mut response = self.exchange(command)?;
        // 6987/6988 to a plain command: the card was still in a secure
        // session (an earlier terminal's, the card not reset since), and
        // ended it without running the command (docs/card-profile.md,
        // "Rules for every command"). Once more, now to a card in the clear.
        if response.data.is_empty()
            && matches!(
                response.sw.status(),
                Status::SmObjectsMissing | Status::SmObjectsIncorrect
            )
        {
            tracing::debug!("the card ended a secure session left open; sending again");
            response = self.exchange(command)?;
        }
        // 6Cxx: the card wants this exact Le; once.
        if let Status::WrongLe(le) = response.sw.status() {
            let retry = command.clone().with_le(le);
            response = self.exchange(&retry)?;
        }
        check_length(command, &response)?;
        // 61xx: collect the rest.
        let mut data = std::mem::take(&mut response.data);
        let mut rounds = 0;
        while let Status::MoreData(n) = response.sw.status() {
            rounds += 1;
            if rounds > MAX_GET_RESPONSE {
                return Err(ChannelError::EndlessResponse);
            }
            let get = Command::new(command.cla & 0x03, 0xC0, 0, 0).with_le(n);
            response = self.exchange(&get)?;
            check_length(&get, &response)?;
            data.append(&mut response.data);
        }
        Ok(Response {
            data,
            sw: response.sw,
        })
    }

    fn exchange(&mut self, command: &Command) -> Result<Response, ChannelError> {
        tracing::trace!(?command, "to card");
        let raw = self.transport.transmit(&command.to_bytes()?)?;
        let response = Response::parse(&raw)?;
        tracing::trace!(?response, "from card");
        Ok(response)
    }
}

/// A response longer than its Le asked for is a card (or attacker) error,
/// not data to trust. (GET RESPONSE rounds are checked one by one.)
fn check_length(command: &Command, response: &Response) -> Result<(), ChannelError> {
    let allowed = command.le.unwrap_or(0);
    if response.data.len() > allowed {
        return Err(ChannelError::OverlongResponse(allowed));
    }
    Ok(())
}

impl qoltanba_l10n::Localize for ChannelError {
    fn text(&self) -> qoltanba_l10n::Text {
        use qoltanba_l10n::Text;
        match self {
            Self::Transport(t) => t.text(),
            Self::Apdu(e) => Text::new("error-card-malformed-answer").arg("detail", e.to_string()),
            Self::SecureMessaging(e) => {
                Text::new("error-card-secure-messaging").arg("detail", e.to_string())
            }
            Self::Unprotected => Text::new("error-card-unprotected"),
            Self::SessionEnded => Text::new("error-card-session-ended"),
            Self::EndlessResponse => Text::new("error-card-endless-response"),
            Self::OverlongResponse(limit) => {
                Text::new("error-card-overlong-response").arg("limit", *limit)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apdu::StatusWord;
    use hex_literal::hex;

    /// A card that answers from a script and records what it was sent.
    struct Scripted {
        answers: std::collections::VecDeque<Vec<u8>>,
        sent: std::sync::Arc<std::sync::Mutex<Vec<Vec<u8>>>>,
    }

    impl CardTransport for Scripted {
        fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
            self.sent.lock().unwrap().push(command.to_vec());
            self.answers.pop_front().ok_or(TransportError::TagLost)
        }
    }

    fn channel(answers: &[&[u8]]) -> (Channel, std::sync::Arc<std::sync::Mutex<Vec<Vec<u8>>>>) {
        let sent = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let t = Scripted {
            answers: answers.iter().map(|a| a.to_vec()).collect(),
            sent: sent.clone(),
        };
        (Channel::new(Box::new(t)), sent)
    }

    #[test]
    fn get_response_collects_every_part() {
        // 61 00 → 256 more; then 61 0F → 15 more; then 9000.
        let first = [vec![0xAA; 10], hex!("6100").to_vec()].concat();
        let second = [vec![0xBB; 256], hex!("610F").to_vec()].concat();
        let third = [vec![0xCC; 15], hex!("9000").to_vec()].concat();
        let (mut ch, sent) = channel(&[&first, &second, &third]);
        let r = ch
            .transmit(
                &Command::new(0, 0xCB, 0x3F, 0xFF)
                    .with_data([1])
                    .with_le(256),
            )
            .unwrap();
        assert!(r.is_success());
        assert_eq!(r.data.len(), 10 + 256 + 15);
        let sent = sent.lock().unwrap();
        assert_eq!(sent[1], hex!("00C0000000"));
        assert_eq!(sent[2], hex!("00C000000F"));
    }

    #[test]
    fn wrong_le_is_sent_again_with_the_cards_le() {
        let (mut ch, sent) = channel(&[&hex!("6C08"), &hex!("0102030405060708 9000")]);
        let r = ch
            .transmit(&Command::new(0, 0xB0, 0, 0).with_le(256))
            .unwrap();
        assert_eq!(r.data, hex!("0102030405060708"));
        assert_eq!(sent.lock().unwrap()[1], hex!("00B0000008"));
    }

    #[test]
    fn a_card_left_in_a_secure_session_gets_the_plain_command_again_once() {
        // The card ends the stale session with 6987 and runs nothing; the
        // second send is answered.
        let answer = [vec![0x31; 22], hex!("6282").to_vec()].concat();
        let (mut ch, sent) = channel(&[&hex!("6987"), &answer]);
        let read = Command::new(0, 0xB0, 0x9C, 0).with_le(256);
        let r = ch.transmit(&read).unwrap();
        assert_eq!((r.data.len(), r.sw), (22, StatusWord(0x6282)));
        let sent = sent.lock().unwrap();
        assert_eq!(sent.len(), 2);
        assert_eq!(sent[0], sent[1]);
        drop(sent);
        // Only once: a card that keeps answering 6988 gets its answer back.
        let (mut ch, sent) = channel(&[&hex!("6988"), &hex!("6988")]);
        let r = ch.transmit(&read).unwrap();
        assert_eq!(r.sw, StatusWord(0x6988));
        assert_eq!(sent.lock().unwrap().len(), 2);
    }

    #[test]
    fn overlong_short_and_endless_answers_are_errors() {
        // Data for a command that asked for none.
        let (mut ch, _) = channel(&[&hex!("01 9000")]);
        let e = ch
            .transmit(&Command::new(0, 0x20, 0, 2).with_data([0x31]))
            .unwrap_err();
        assert!(matches!(e, ChannelError::OverlongResponse(0)), "{e}");
        // One byte is not a response.
        let (mut ch, _) = channel(&[&hex!("90")]);
        let e = ch.transmit(&Command::new(0, 0xA4, 0, 0x0C)).unwrap_err();
        assert!(
            matches!(e, ChannelError::Apdu(ApduError::ResponseTooShort(1))),
            "{e}"
        );
        // A card that never stops asking for GET RESPONSE.
        let endless: Vec<Vec<u8>> = (0..=MAX_GET_RESPONSE + 1)
            .map(|_| hex!("01 6101").to_vec())
            .collect();
        let refs: Vec<&[u8]> = endless.iter().map(Vec::as_slice).collect();
        let (mut ch, _) = channel(&refs);
        let e = ch
            .transmit(&Command::new(0, 0xB0, 0, 0).with_le(1))
            .unwrap_err();
        assert!(matches!(e, ChannelError::EndlessResponse), "{e}");
        // A lost tag stays a lost tag.
        let (mut ch, _) = channel(&[]);
        let e = ch.transmit(&Command::new(0, 0xA4, 0, 0x0C)).unwrap_err();
        assert!(
            matches!(e, ChannelError::Transport(TransportError::TagLost)),
            "{e}"
        );
    }
}
