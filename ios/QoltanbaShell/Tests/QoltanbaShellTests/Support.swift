// Test support for QoltanbaShell's tests (scripts/swift-tests.sh on Linux,
// `swift test` or Xcode on macOS): the real core library (feature
// `testing`: the embedded reference RA on loopback, the simulator card).
import Foundation
import Qoltanba
@testable import QoltanbaShell
import XCTest

let can = "123456"
let pin = "4321"
let puk = "12345678"
let password = "Citizen2026a"
let newPassword = "NewKeys2026b"

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A value behind a lock: the shell's callbacks come on other threads.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    var current: Value {
        lock.lock()
        defer { lock.unlock() }
        return value
    }
    func update<R>(_ body: (inout Value) -> R) -> R {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}

/// A write to a connection the peer has closed raises SIGPIPE unless the
/// process ignores it. Rust's std sends with MSG_NOSIGNAL on Linux but its
/// vectored writes (writev, which hyper uses) cannot carry that flag; a Rust
/// program ignores SIGPIPE from its start, a Swift test process does not, so
/// the embedded RA's answer to a client that had gone killed the run now and
/// then ("Exited with unexpected signal code 13"). On Apple platforms std and
/// mio set SO_NOSIGPIPE on every socket, so the app does not need this.
func ignoreSigpipe() {
    signal(SIGPIPE, SIG_IGN)
}

/// One reference RA on loopback for every test of the run (starting one makes its CAs).
enum Ra {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var started: EmbeddedServer?
    nonisolated(unsafe) private static var nextIin: Int64 = 90_010_160_000 + Int64(Date().timeIntervalSince1970) % 1000 * 10

    static func server() throws -> EmbeddedServer {
        lock.lock()
        defer { lock.unlock() }
        if let started { return started }
        ignoreSigpipe()
        let server = try EmbeddedServer.start()
        started = server
        return server
    }

    /// A fresh 11-digit IIN stem per citizen: one the IIN rule gives a
    /// control digit (about one stem in eleven has none, and the RA refuses it).
    static func iin() -> String {
        lock.lock()
        defer { lock.unlock() }
        while true {
            nextIin += 1
            let stem = String(nextIin)
            if hasControlDigit(stem) { return stem }
        }
    }

    /// The IIN rule: the weighted sum mod 11 with weights 1...11, else 3...11, 1, 2; 10 twice is none.
    private static func hasControlDigit(_ stem: String) -> Bool {
        let digits = stem.compactMap { $0.wholeNumberValue }
        func weigh(_ weight: (Int) -> Int) -> Int {
            digits.indices.reduce(0) { $0 + weight($1) * digits[$1] } % 11
        }
        return weigh { $0 + 1 } != 10 || weigh { ($0 + 2) % 11 + 1 } != 10
    }

    /// A new app database talking to the RA.
    static func app(_ dir: URL) throws -> App {
        let server = try server()
        return try App.open(databasePath: dir.appendingPathComponent("app.db").path, serverUrl: server.url(),
                            serverRootDer: server.rootDer())
    }

    /// Key files of a new citizen whose certificates end in 7 days.
    static func enroll(_ dir: URL, algorithm: String = "p256") throws -> [String] {
        try server().enroll(iin11: iin(), algorithm: algorithm, daysLeft: 7, password: password,
                            outDir: dir.appendingPathComponent("citizen").path)
    }
}

func tempDir(_ prefix: String) throws -> URL {
    let dir = FileManager.default.temporaryDirectory
        .appendingPathComponent("qoltanba-shell-\(prefix)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}

/// What the app's NFCISO7816Tag wrapper is to TagTransport, here in front of
/// the simulator card's transport: the answer comes on another queue, as
/// CoreNFC's completion does; the tag can leave the field on request.
final class SimulatorChannel: ISO7816Channel, @unchecked Sendable {
    private struct State {
        var transmits = 0
        var loseTagAt: Int?
        var available = true
        var commands: [Data] = []
    }

    private let card: CardTransport
    private let queue = DispatchQueue(label: "test.nfc")
    private let state = Locked(State())
    let historicalBytes: Data?

    init(_ card: CardTransport, historicalBytes: Data? = Data([0x80, 0x31, 0x80])) {
        self.card = card
        self.historicalBytes = historicalBytes
    }

    var transmits: Int { state.current.transmits }
    var commands: [Data] { state.current.commands }
    var isAvailable: Bool { state.current.available }
    /// The transmit (counted from the first) that finds the tag gone.
    var loseTagAt: Int? {
        get { state.current.loseTagAt }
        set { state.update { $0.loseTagAt = newValue } }
    }

    func send(_ apdu: Data, completion: @escaping (Result<Data, Error>) -> Void) {
        let lost = state.update { s -> Bool in
            let index = s.transmits
            s.transmits += 1
            if let at = s.loseTagAt, index >= at { s.available = false }
            if s.available { s.commands.append(apdu) }
            return !s.available
        }
        queue.async { [card] in
            if lost {
                // CoreNFC's NFCReaderError.readerTransceiveErrorTagConnectionLost.
                completion(.failure(NSError(domain: "NFCError", code: 100)))
                return
            }
            completion(Result { try card.transmit(command: apdu) })
        }
    }
}

/// A notifier that keeps what it was asked to show.
final class RecordingNotifier: ReminderNotifier, @unchecked Sendable {
    private let recorded = Locked([ReminderInfo]())
    var shown: [ReminderInfo] { recorded.current }
    func show(_ reminder: ReminderInfo) { recorded.update { $0.append(reminder) } }
}

/// The log lines of the shell while a test runs.
final class CapturedLog: @unchecked Sendable {
    private let recorded = Locked([String]())
    var lines: [String] { recorded.current }

    init() {
        ShellLog.sink = { [recorded] line in recorded.update { $0.append(line) } }
    }
}

/// The screens a journey showed, in order, and a wait for the next one.
final class Screens: @unchecked Sendable {
    private let recorded = Locked([JourneyScreen]())
    var seen: [JourneyScreen] { recorded.current }

    func record(_ screen: JourneyScreen) { recorded.update { $0.append(screen) } }

    /// Waits (up to `seconds`) until the latest screen delivered matches.
    @discardableResult
    func await(_ what: String, seconds: Double = 90, file: StaticString = #filePath, line: UInt = #line,
               _ matches: (JourneyScreen) -> Bool) throws -> JourneyScreen {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let last = seen.last, matches(last) { return last }
            Thread.sleep(forTimeInterval: 0.01)
        }
        XCTFail("timed out waiting for \(what); screens: \(seen)", file: file, line: line)
        throw TestFailure("timed out waiting for \(what)")
    }
}

/// A journey with its screens recorded; the card reader feeds it.
final class Journey {
    let reader = CardReader()
    let screens = Screens()
    let journey: RenewalJourney

    init(_ app: App) {
        let reader = self.reader
        let screens = self.screens
        journey = RenewalJourney(app: app, cards: { try await reader.nextCard() }, onScreen: { screens.record($0) })
    }

    /// The next review, or a test failure naming the screen shown instead.
    func review(file: StaticString = #filePath, line: UInt = #line) throws -> Review {
        let shown = try screens.await("the review", file: file, line: line) { $0.isReview || $0.isFailed }
        guard case .review(let review) = shown else { throw unexpected(shown, "the review", file, line) }
        return review
    }

    func code(wrongBefore: Bool = false, file: StaticString = #filePath, line: UInt = #line) throws -> Int64 {
        let shown = try screens.await("the code", file: file, line: line) {
            if case .code(_, wrongBefore) = $0 { return true }
            return $0.isFailed
        }
        guard case .code(let application, _) = shown else { throw unexpected(shown, "the code", file, line) }
        return application
    }

    func done(file: StaticString = #filePath, line: UInt = #line) throws -> RenewalSummary {
        let shown = try screens.await("the end", file: file, line: line) { $0.isDone || $0.isFailed }
        guard case .done(let summary) = shown else { throw unexpected(shown, "the end", file, line) }
        return summary
    }

    func failed(file: StaticString = #filePath, line: UInt = #line) throws -> (message: String, code: String, canRetry: Bool) {
        let shown = try screens.await("a failure", file: file, line: line) { $0.isFailed }
        guard case .failed(let message, let code, let canRetry) = shown else { throw unexpected(shown, "a failure", file, line) }
        return (message, code, canRetry)
    }

    private func unexpected(_ shown: JourneyScreen, _ what: String, _ file: StaticString, _ line: UInt) -> TestFailure {
        XCTFail("expected \(what), got \(shown); screens \(screens.seen)", file: file, line: line)
        return TestFailure("expected \(what), got \(shown)")
    }
}

extension JourneyScreen {
    var isReview: Bool { if case .review = self { return true } else { return false } }
    var isDone: Bool { if case .done = self { return true } else { return false } }
    var isFailed: Bool { if case .failed = self { return true } else { return false } }
    var isCode: Bool { if case .code = self { return true } else { return false } }
}

func keyFileRequest(_ files: [String], _ dir: URL) -> KeyFileRenewal {
    KeyFileRenewal(keyFiles: files, password: password, newPassword: newPassword, email: "testov@example.kz",
                   locality: "Astana", newKeysDir: dir.appendingPathComponent("new").path)
}

func cardRequest(_ dir: URL) -> CardRenewal {
    CardRenewal(email: "testov@example.kz", locality: "Astana", certificatesDir: dir.appendingPathComponent("certs").path)
}

func code(_ application: Int64) throws -> String {
    try XCTUnwrap(Ra.server().codeFor(number: application), "no SMS for application \(application)")
}
