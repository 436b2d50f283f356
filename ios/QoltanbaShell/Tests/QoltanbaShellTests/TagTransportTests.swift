import Foundation
import Qoltanba
@testable import QoltanbaShell
import XCTest

/// A channel whose every command fails with `error` after `delay`, or never answers.
final class FailingChannel: ISO7816Channel, @unchecked Sendable {
    let error: Error?
    let delay: TimeInterval
    var available: Bool
    var historicalBytes: Data? { Data([0x80, 0x31]) }
    var isAvailable: Bool { available }

    init(_ error: Error?, delay: TimeInterval = 0, available: Bool = true) {
        self.error = error
        self.delay = delay
        self.available = available
    }

    func send(_ apdu: Data, completion: @escaping (Result<Data, Error>) -> Void) {
        guard let error else { return } // the answer never comes
        DispatchQueue.global().asyncAfter(deadline: .now() + delay) { completion(.failure(error)) }
    }
}

/// TagTransport as the core's card transport, with the core's real card stack (PACE, secure messaging) behind it.
final class TagTransportTests: XCTestCase {
    func testACardSessionRunsPaceAndThePinThroughTheChannel() throws {
        let sim = try SimulatorCard.create(path: nil, can: can, pin: pin, puk: puk)
        let channel = SimulatorChannel(sim.transport())
        let session = try CardSession.open(transport: TagTransport(channel), can: can)
        XCTAssertEqual(try session.info().profile, "qoltanba-ref-1")
        try session.verifyPin(pin: pin)
        XCTAssertEqual(try session.info().pin, .verified)
        XCTAssertGreaterThan(channel.transmits, 5, "the APDUs went through the channel")
    }

    func testALostTagIsTheCoresCardLost() throws {
        let sim = try SimulatorCard.create(path: nil, can: can, pin: pin, puk: puk)
        let channel = SimulatorChannel(sim.transport())
        let session = try CardSession.open(transport: TagTransport(channel), can: can)
        channel.loseTagAt = channel.transmits
        do {
            try session.verifyPin(pin: pin)
            XCTFail("the PIN was verified without a card")
        } catch let error as QoltanbaError {
            XCTAssertEqual(errorCode(error: error), "card_lost")
        }
    }

    func testFailuresBecomeTransportFailures() throws {
        let command = Data([0x00, 0x20, 0x00, 0x81, 0x04, 0x31, 0x32, 0x33, 0x34])
        // The tag gone before the command: nothing is sent.
        XCTAssertThrowsError(try TagTransport(FailingChannel(nil, available: false)).transmit(command: command)) {
            XCTAssertEqual($0 as? TransportFailure, .TagLost)
        }
        // A failure with the tag gone is a lost tag.
        let leaving = FailingChannel(NSError(domain: "NFCError", code: 100))
        let transport = TagTransport(leaving)
        leaving.available = false
        XCTAssertThrowsError(try transport.transmit(command: command)) { XCTAssertEqual($0 as? TransportFailure, .TagLost) }
        // The wrapper's own TagLost passes as it is.
        XCTAssertThrowsError(try TagTransport(FailingChannel(TransportFailure.TagLost)).transmit(command: command)) {
            XCTAssertEqual($0 as? TransportFailure, .TagLost)
        }
        // No answer within the timeout.
        let started = Date()
        XCTAssertThrowsError(try TagTransport(FailingChannel(nil), timeout: 0.2).transmit(command: command)) {
            XCTAssertEqual($0 as? TransportFailure, .Timeout)
        }
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(started), 0.2)
        // Anything else is Other, naming the failure but no byte of the command.
        XCTAssertThrowsError(try TagTransport(FailingChannel(NSError(domain: "NFCError", code: 102))).transmit(command: command)) {
            guard case .Other(let detail)? = $0 as? TransportFailure else { return XCTFail("\($0)") }
            XCTAssertTrue(detail.contains("NFCError 102") && detail.contains("9 bytes"), detail)
            let hex = command.map { String(format: "%02x", $0) }.joined()
            for form in [hex, hex.uppercased(), "1234", "\(Array(command))"] {
                XCTAssertFalse(detail.contains(form), "command data in '\(detail)'")
            }
        }
    }

    func testAtrIsTheChannelsHistoricalBytes() throws {
        XCTAssertEqual(TagTransport(FailingChannel(nil)).atr(), Data([0x80, 0x31]))
        let sim = try SimulatorCard.create(path: nil, can: can, pin: pin, puk: puk)
        XCTAssertNil(TagTransport(SimulatorChannel(sim.transport(), historicalBytes: nil)).atr())
    }
}

/// The NFC session's tag callbacks as an async wait for the next card.
final class CardReaderTests: XCTestCase {
    /// A card that answers with its own name, to tell cards apart.
    final class NamedCard: CardTransport, @unchecked Sendable {
        let name: String
        init(_ name: String) { self.name = name }
        func transmit(command: Data) throws -> Data { Data(name.utf8) }
        func atr() -> Data? { nil }
    }

    private func name(_ card: CardTransport) throws -> String {
        String(decoding: try card.transmit(command: Data([0])), as: UTF8.self)
    }

    func testAWaiterGetsTheNextCardTapped() async throws {
        let reader = CardReader()
        let waiting = Task { try await reader.nextCard() }
        try await Task.sleep(nanoseconds: 50_000_000)
        reader.tagDiscovered(NamedCard("first"))
        let got1 = try name(await waiting.value)
        XCTAssertEqual(got1, "first")
    }

    func testACardTappedBeforeTheWaitIsKeptTheLatestOnly() async throws {
        let reader = CardReader()
        reader.tagDiscovered(NamedCard("early"))
        reader.tagDiscovered(NamedCard("later"))
        let got2 = try name(await reader.nextCard())
        XCTAssertEqual(got2, "later", "the latest tap")
        reader.tagDiscovered(NamedCard("dropped"))
        reader.clear()
        reader.tagDiscovered(NamedCard("after clear"))
        let got3 = try name(await reader.nextCard())
        XCTAssertEqual(got3, "after clear")
    }

    func testTwoWaitersAreServedInOrderOneCardEach() async throws {
        let reader = CardReader()
        let first = Task { try await reader.nextCard() }
        try await Task.sleep(nanoseconds: 50_000_000)
        let second = Task { try await reader.nextCard() }
        try await Task.sleep(nanoseconds: 50_000_000)
        reader.tagDiscovered(NamedCard("one"))
        let got4 = try name(await first.value)
        XCTAssertEqual(got4, "one")
        reader.tagDiscovered(NamedCard("two"))
        let got5 = try name(await second.value)
        XCTAssertEqual(got5, "two")
    }

    func testACancelledWaiterTakesNoCard() async throws {
        let reader = CardReader()
        let cancelled = Task { try await reader.nextCard() }
        try await Task.sleep(nanoseconds: 50_000_000)
        let next = Task { try await reader.nextCard() }
        try await Task.sleep(nanoseconds: 50_000_000)
        cancelled.cancel()
        do {
            _ = try await cancelled.value
            XCTFail("a cancelled wait returned a card")
        } catch is CancellationError {}
        reader.tagDiscovered(NamedCard("card"))
        let got6 = try name(await next.value)
        XCTAssertEqual(got6, "card", "the card goes to the waiter still there")
        // With nobody waiting, a cancelled wait leaves the next tap for the next call.
        let gone = Task { try await reader.nextCard() }
        gone.cancel()
        _ = try? await gone.value
        reader.tagDiscovered(NamedCard("kept"))
        let got7 = try name(await reader.nextCard())
        XCTAssertEqual(got7, "kept")
    }

    func testCardsRacingCancellationsAreNeverLost() async throws {
        let reader = CardReader()
        for round in 0..<200 {
            let doomed = Task { try await reader.nextCard() }
            let kept = Task { try await reader.nextCard() }
            let tap = Task.detached { reader.tagDiscovered(NamedCard("c\(round)")) }
            doomed.cancel()
            await tap.value
            if let early = try? await doomed.value {
                XCTAssertEqual(try name(early), "c\(round)", "it got the card before the cancel")
                reader.tagDiscovered(NamedCard("extra\(round)"))
                let got8 = try name(await kept.value)
                XCTAssertEqual(got8, "extra\(round)")
            } else {
                let got9 = try name(await kept.value)
                XCTAssertEqual(got9, "c\(round)", "the card went on to the other waiter")
            }
        }
    }
}
