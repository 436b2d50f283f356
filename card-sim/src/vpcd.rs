//! The card behind vsmartcard's virtual reader: `vpcd` (Debian package
//! `vsmartcard-vpcd`, a pcscd driver showing the reader "Virtual PCD 00 00")
//! listens on TCP port 35963; the card connects to it as a client, as
//! vsmartcard's own `vicc` does.
//!
//! Frames are a 2-byte big-endian length and a payload. A 1-byte payload is
//! a control: `0` power off, `1` power on, `2` reset, `4` "send the ATR"
//! (answered with the ATR as a frame). Longer payloads are command APDUs,
//! answered with the response APDU as a frame.
//!
//! Behaviour: while vpcd is not up, connecting is retried with a backoff
//! from 100 ms doubling to 2 s. When vpcd closes the connection after a
//! session, [`serve`] returns and the program exits with status 0. SIGTERM
//! keeps its default action (terminate): there is nothing to clean up,
//! because every change of the card was already saved atomically before
//! its answer left.

use crate::card::SimCard;
use crate::error::SimError;
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// vpcd's default port.
pub const DEFAULT_PORT: u16 = 35963;

/// Where to find vpcd and how long to wait for it.
#[derive(Debug, Clone)]
pub struct VpcdOptions {
    pub host: String,
    pub port: u16,
    /// Stop retrying after this long; `None` retries until killed.
    pub give_up_after: Option<Duration>,
}

impl Default for VpcdOptions {
    fn default() -> Self {
        VpcdOptions {
            host: "127.0.0.1".into(),
            port: DEFAULT_PORT,
            give_up_after: None,
        }
    }
}

/// What one session did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SessionSummary {
    pub apdus: u64,
    pub controls: u64,
}

/// Connect to vpcd (retrying with backoff) and serve one session until
/// vpcd closes the connection.
pub fn serve(card: &mut SimCard, options: &VpcdOptions) -> Result<SessionSummary, SimError> {
    let started = Instant::now();
    let mut backoff = Duration::from_millis(100);
    let stream = loop {
        match TcpStream::connect((options.host.as_str(), options.port)) {
            Ok(s) => break s,
            Err(e) => {
                if options
                    .give_up_after
                    .is_some_and(|limit| started.elapsed() >= limit)
                {
                    return Err(SimError::Vpcd(format!(
                        "cannot reach vpcd at {}:{}: {e}",
                        options.host, options.port
                    )));
                }
                std::thread::sleep(backoff);
                backoff = (backoff * 2).min(Duration::from_secs(2));
            }
        }
    };
    let _ = stream.set_nodelay(true);
    serve_stream(card, stream)
}

/// Serve one already connected vpcd stream until it closes.
pub fn serve_stream<S: Read + Write>(
    card: &mut SimCard,
    mut stream: S,
) -> Result<SessionSummary, SimError> {
    let mut summary = SessionSummary::default();
    let io = |e: std::io::Error| SimError::Vpcd(e.to_string());
    while let Some(payload) = read_frame(&mut stream).map_err(io)? {
        match payload.as_slice() {
            [] => {}
            [control] => {
                summary.controls += 1;
                match control {
                    0 => card.power_off(),
                    1 | 2 => card.reset(),
                    4 => write_frame(&mut stream, &card.atr()).map_err(io)?,
                    _ => {}
                }
            }
            apdu => {
                summary.apdus += 1;
                let response = card.process(apdu);
                write_frame(&mut stream, &response).map_err(io)?;
            }
        }
    }
    Ok(summary)
}

/// One frame; `None` at a clean end of stream (between frames).
pub fn read_frame<R: Read>(r: &mut R) -> std::io::Result<Option<Vec<u8>>> {
    let mut len = [0u8; 2];
    match r.read_exact(&mut len) {
        Ok(()) => {}
        Err(e)
            if matches!(
                e.kind(),
                ErrorKind::UnexpectedEof | ErrorKind::ConnectionReset
            ) =>
        {
            return Ok(None);
        }
        Err(e) => return Err(e),
    }
    let mut payload = vec![0u8; usize::from(u16::from_be_bytes(len))];
    r.read_exact(&mut payload)?;
    Ok(Some(payload))
}

/// Write one frame.
pub fn write_frame<W: Write>(w: &mut W, payload: &[u8]) -> std::io::Result<()> {
    let len = u16::try_from(payload.len())
        .map_err(|_| std::io::Error::new(ErrorKind::InvalidInput, "frame too long"))?;
    let mut frame = Vec::with_capacity(payload.len() + 2);
    frame.extend_from_slice(&len.to_be_bytes());
    frame.extend_from_slice(payload);
    w.write_all(&frame)?;
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::SimConfig;
    use std::net::TcpListener;

    /// Plays vpcd on a loopback listener: power on, ATR, an APDU, reset,
    /// an APDU, close; the card side must answer each and then return.
    #[test]
    fn serves_a_session_from_a_fake_vpcd() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let card_thread = std::thread::spawn(move || {
            let mut card =
                SimCard::in_memory(SimConfig::reference("123456", "1234", "12345678")).unwrap();
            let options = VpcdOptions {
                port,
                give_up_after: Some(Duration::from_secs(10)),
                ..VpcdOptions::default()
            };
            serve(&mut card, &options)
        });
        let (mut vpcd, _) = listener.accept().unwrap();
        vpcd.set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        write_frame(&mut vpcd, &[1]).unwrap();
        write_frame(&mut vpcd, &[4]).unwrap();
        let atr = read_frame(&mut vpcd).unwrap().unwrap();
        assert_eq!(atr, crate::reference::atr());
        write_frame(&mut vpcd, &[0x00, 0xB0, 0x9C, 0x00, 0x00]).unwrap();
        let resp = read_frame(&mut vpcd).unwrap().unwrap();
        assert_eq!(
            resp[..resp.len() - 2],
            crate::pace::PaceSuite::default().card_access()[..]
        );
        write_frame(&mut vpcd, &[2]).unwrap();
        write_frame(&mut vpcd, &[0x00, 0xA4]).unwrap();
        assert_eq!(read_frame(&mut vpcd).unwrap().unwrap(), [0x67, 0x00]);
        write_frame(&mut vpcd, &[0]).unwrap();
        drop(vpcd);
        let summary = card_thread.join().unwrap().unwrap();
        assert_eq!(
            summary,
            SessionSummary {
                apdus: 2,
                controls: 4
            }
        );
    }

    #[test]
    fn gives_up_when_nobody_listens() {
        // Bind and drop to get a port that is (very likely) closed.
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut card = SimCard::in_memory(SimConfig::kz(crate::KzSlots::Two, "1234")).unwrap();
        let options = VpcdOptions {
            port,
            give_up_after: Some(Duration::from_millis(250)),
            ..VpcdOptions::default()
        };
        assert!(matches!(serve(&mut card, &options), Err(SimError::Vpcd(_))));
    }

    #[test]
    fn frames_round_trip_and_truncation_is_an_error() {
        let mut buf = Vec::new();
        write_frame(&mut buf, &[1, 2, 3]).unwrap();
        assert_eq!(buf, [0, 3, 1, 2, 3]);
        let mut r = std::io::Cursor::new(buf.clone());
        assert_eq!(read_frame(&mut r).unwrap(), Some(vec![1, 2, 3]));
        assert_eq!(read_frame(&mut r).unwrap(), None);
        let mut r = std::io::Cursor::new(buf[..4].to_vec());
        assert!(read_frame(&mut r).is_err());
    }
}
