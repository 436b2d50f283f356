// Swift tests of the qoltanba bindings (XCTest), against the real library
// built with feature `testing` (scripts/apple.sh runs them on macOS). They
// mirror the Kotlin tests in bindings/tests/kotlin/: key files, the card
// through a Swift CardTransport, panics, renewals against the embedded
// reference RA, cancel and resume, keys and reminders, the log sink, object
// release. The NCA fixtures come from $QOLTANBA_FIXTURES (else
// the repository's testdata/).
import Foundation
import Qoltanba
import XCTest

// MARK: - Fixtures and constants

let fixtures: URL = {
    if let path = ProcessInfo.processInfo.environment["QOLTANBA_FIXTURES"], !path.isEmpty {
        return URL(fileURLWithPath: path)
    }
    // <repo>/bindings/swift/Tests/QoltanbaTests/QoltanbaTests.swift → <repo>/testdata
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<5 { url.deleteLastPathComponent() }
    return url.appendingPathComponent("testdata")
}()

let fixturePassword = "Qwerty12"
let can = "123456"
let pin = "4321"
let puk = "12345678"
let newPassword = "NewKeys2026b"

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The path of a fixture file; a test failure (not a skip) when it is missing.
func fixture(_ relative: String) throws -> String {
    let url = fixtures.appendingPathComponent(relative)
    guard FileManager.default.fileExists(atPath: url.path) else {
        throw TestFailure("the NCA fixture \(url.path) is missing (set QOLTANBA_FIXTURES)")
    }
    return url.path
}

/// NCA's test key file `gost1.p12` (password Qwerty12).
func gost1() throws -> String { try fixture("nca-test/gokalkan/gost1.p12") }

func tempDir(_ prefix: String) throws -> URL {
    let dir = FileManager.default.temporaryDirectory
        .appendingPathComponent("qoltanba-swift-\(prefix)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}

/// Whole days since 1970 (UTC).
func day(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 / 86400).rounded(.down)) }

func single<T>(_ items: [T], _ what: String, file: StaticString = #filePath, line: UInt = #line) throws -> T {
    guard items.count == 1 else {
        XCTFail("\(what): expected exactly one, got \(items.count): \(items)", file: file, line: line)
        throw TestFailure(what)
    }
    return items[0]
}

// MARK: - Errors

extension QoltanbaError {
    /// The core's one-line message for the citizen (every case has one).
    var detailText: String {
        switch self {
        case .WrongPassword(let detail), .PinBlocked(let detail), .WrongCan(let detail),
             .CardLost(let detail), .WrongCode(let detail), .RaUnreachable(let detail),
             .InvalidInput(let detail), .KeyFile(let detail), .Card(let detail),
             .RenewalFailed(let detail), .Storage(let detail), .Internal(let detail):
            return detail
        case .WrongPin(_, let detail), .RaRefused(_, let detail):
            return detail
        default: // cases added later
            return String(reflecting: self)
        }
    }

    /// The Swift case name (`WrongPin`).
    var caseName: String { Mirror(reflecting: self).children.first?.label ?? String(describing: self) }
}

/// `wrong_pin` for `WrongPin`: the stable code errorCode(error:) gives.
func snakeCase(_ name: String) -> String {
    var out = ""
    for ch in name {
        if ch.isUppercase, !out.isEmpty { out.append("_") }
        out.append(contentsOf: ch.lowercased())
    }
    return out
}

func checkCase(_ error: QoltanbaError, _ variant: String, _ what: String, file: StaticString, line: UInt) {
    XCTAssertEqual(error.caseName, variant, "\(what): \(String(reflecting: error))", file: file, line: line)
    XCTAssertEqual(errorCode(error: error), snakeCase(variant), "\(what): the stable code", file: file, line: line)
}

/// The QoltanbaError `body` throws, checked to be case `variant` (and its
/// code to agree); a test failure when it throws nothing or something else.
@discardableResult
func assertThrows<T>(_ variant: String, _ what: String, file: StaticString = #filePath, line: UInt = #line,
                     _ body: () throws -> T) -> QoltanbaError? {
    do {
        _ = try body()
        XCTFail("\(what): expected QoltanbaError.\(variant), nothing was thrown", file: file, line: line)
    } catch let error as QoltanbaError {
        checkCase(error, variant, what, file: file, line: line)
        return error
    } catch {
        XCTFail("\(what): expected QoltanbaError.\(variant), got \(type(of: error)): \(error)", file: file, line: line)
    }
    return nil
}

@discardableResult
func assertThrowsAsync<T>(_ variant: String, _ what: String, file: StaticString = #filePath, line: UInt = #line,
                          _ body: () async throws -> T) async -> QoltanbaError? {
    do {
        _ = try await body()
        XCTFail("\(what): expected QoltanbaError.\(variant), nothing was thrown", file: file, line: line)
    } catch let error as QoltanbaError {
        checkCase(error, variant, what, file: file, line: line)
        return error
    } catch {
        XCTFail("\(what): expected QoltanbaError.\(variant), got \(type(of: error)): \(error)", file: file, line: line)
    }
    return nil
}

// MARK: - Swift implementations of the foreign traits

/// A value behind a lock: the foreign traits are called on Rust's threads.
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

/// What an app's own transport might throw besides TransportFailure.
struct TagClosed: Error {}

/// A Swift transport, as an app's NFCISO7816Tag one would be: it forwards
/// every APDU to another transport (here the simulator card's) and can lose
/// the tag.
final class ForwardingTransport: CardTransport, @unchecked Sendable {
    private struct State {
        var transmits = 0
        /// The transmit (0-based, counted from the start) that fails as a lost tag.
        var loseTagAt: Int?
        /// The transmit that throws an error of the app's own.
        var throwAt: Int?
    }

    private let card: CardTransport
    private let state = Locked(State())

    init(_ card: CardTransport) { self.card = card }

    var transmits: Int { state.current.transmits }
    var loseTagAt: Int? {
        get { state.current.loseTagAt }
        set { state.update { $0.loseTagAt = newValue } }
    }
    var throwAt: Int? {
        get { state.current.throwAt }
        set { state.update { $0.throwAt = newValue } }
    }

    func transmit(command: Data) throws -> Data {
        let (index, lose, fail) = state.update { s -> (Int, Int?, Int?) in
            let index = s.transmits
            s.transmits += 1
            return (index, s.loseTagAt, s.throwAt)
        }
        if index == lose { throw TransportFailure.TagLost }
        if index == fail { throw TagClosed() }
        return try card.transmit(command: command)
    }

    func atr() -> Data? { card.atr() }
}

/// Answers 90 00 to everything (the callback-cost test).
final class EchoTransport: CardTransport {
    func transmit(command: Data) throws -> Data { Data([0x90, 0x00]) }
    func atr() -> Data? { nil }
}

final class RecordingListener: RenewalListener, @unchecked Sendable {
    private let recorded = Locked((lines: [String](), steps: [RenewalStep](), questions: [String]()))
    private let answer: Bool
    private let onCommitted: (@Sendable (RenewalStep) -> Void)?

    init(answer: Bool = true, onCommitted: (@Sendable (RenewalStep) -> Void)? = nil) {
        self.answer = answer
        self.onCommitted = onCommitted
    }

    var lines: [String] { recorded.current.lines }
    var steps: [RenewalStep] { recorded.current.steps }
    var questions: [String] { recorded.current.questions }

    func progress(message: String) { recorded.update { $0.lines.append(message) } }

    func committed(step: RenewalStep) {
        recorded.update { $0.steps.append(step) }
        onCommitted?(step)
    }

    func confirm(question: String) -> Bool {
        recorded.update { $0.questions.append(question) }
        return answer
    }
}

final class CollectingSink: LogSink, @unchecked Sendable {
    private let recorded = Locked([String]())
    var lines: [String] { recorded.current }
    func log(level: LogLevel, target: String, message: String) {
        recorded.update { $0.append("\(level) \(target) \(message)") }
    }
}

// MARK: - Renewal helpers

/// A write to a connection the peer has closed raises SIGPIPE unless the
/// process ignores it. Rust's std sends with MSG_NOSIGNAL on Linux but its
/// vectored writes (writev, which hyper uses) cannot carry that flag; a Rust
/// program ignores SIGPIPE from its start, a Swift test process does not, so
/// the embedded RA's answer to a client that had gone could kill the run
/// ("Exited with unexpected signal code 13"). On Apple platforms std and mio
/// set SO_NOSIGPIPE on every socket, so the app does not need this.
func ignoreSigpipe() {
    signal(SIGPIPE, SIG_IGN)
}

/// One reference RA for the renewal tests (starting one creates its CAs:
/// most of their time); the dropped-server test starts and stops its own.
enum SharedServer {
    private static let lock = NSLock()
    private static var server: EmbeddedServer?

    static func get() throws -> EmbeddedServer {
        lock.lock()
        defer { lock.unlock() }
        if let server { return server }
        ignoreSigpipe()
        let started = try EmbeddedServer.start()
        server = started
        return started
    }
}

/// Key files of a new test citizen whose certificates end in 7 days.
func enrolled(_ server: EmbeddedServer, _ iin11: String, _ dir: URL, _ password: String) throws -> [String] {
    try server.enroll(iin11: iin11, algorithm: "gost512", daysLeft: 7, password: password,
                      outDir: dir.appendingPathComponent("citizen").path)
}

func keyFileRequest(_ files: [String], _ password: String, _ dir: URL) -> KeyFileRenewal {
    KeyFileRenewal(keyFiles: files, password: password, newPassword: newPassword,
                   email: "testov@example.kz", locality: "Astana",
                   newKeysDir: dir.appendingPathComponent("new").path)
}

/// Start a key-file renewal and confirm its review (which must warn that key
/// files are unprotected storage), as a citizen tapping "sign" would.
func startConfirmed(_ app: App, _ request: KeyFileRenewal, cancel: CancelHandle?,
                    listener: RenewalListener?) async throws -> RenewalState {
    let state = try await app.startRenewalWithKeyFiles(request: request, cancel: cancel, listener: listener)
    let review = try XCTUnwrap(state.review, "no review before signing: \(state)")
    XCTAssertEqual(review.storage, .file)
    XCTAssertTrue(review.warnings.contains(.unprotectedStorage), "\(review.warnings)")
    return try await app.confirmReview(renewalId: state.renewalId,
                                       keys: .keyFiles(password: request.password, newPassword: request.newPassword),
                                       cancel: cancel, listener: listener)
}

/// [startConfirmed] for the ID card.
func startConfirmed(_ app: App, _ session: CardSession, _ request: CardRenewal,
                    listener: RenewalListener?) async throws -> RenewalState {
    let state = try await app.startRenewalWithCard(session: session, request: request, cancel: nil, listener: listener)
    let review = try XCTUnwrap(state.review, "no review before signing: \(state)")
    XCTAssertEqual(review.storage, .idCard)
    return try await app.confirmReview(renewalId: state.renewalId, keys: .card(session: session),
                                       cancel: nil, listener: listener)
}

func finishWithCode(_ server: EmbeddedServer, _ app: App, _ state: RenewalState, _ keys: KeySource) async throws -> RenewalState {
    let number = try XCTUnwrap(state.needsCode, "no code asked: \(state)")
    let code = try XCTUnwrap(server.codeFor(number: number), "no SMS for \(number)")
    return try await app.submitCode(renewalId: state.renewalId, code: code, keys: keys, cancel: nil, listener: nil)
}

// MARK: - Tests

final class QoltanbaTests: XCTestCase {
    // Key files

    func testKeyFileShowWithTheRightPassword() throws {
        let info = try KeyFiles().show(path: gost1(), password: fixturePassword)
        XCTAssertEqual(info.iin, "123456789011")
        XCTAssertFalse(info.iinValid, "the fixture's IIN fails its control digit")
        XCTAssertEqual(info.purpose, .both)
        XCTAssertTrue(info.algorithm.uppercased().contains("GOST"), info.algorithm)
        XCTAssertFalse((info.holder ?? "").trimmingCharacters(in: .whitespaces).isEmpty, "holder \(String(describing: info.holder))")
        // Valid 2023-11-09 .. 2024-11-08 (SOURCES.md).
        let end = try XCTUnwrap(ISO8601DateFormatter().date(from: "2024-11-08T00:00:00Z"))
        XCTAssertEqual(day(info.notAfter), day(end), "not_after day")
        XCTAssertLessThan(info.daysLeft, 0, "expired")
    }

    func testKeyFileWrongPasswordIsWrongPassword() throws {
        let path = try gost1()
        let e = assertThrows("WrongPassword", "show") { try KeyFiles().show(path: path, password: "Qwerty13") }
        XCTAssertTrue(e?.detailText.contains("wrong password") == true, e?.detailText ?? "")
        if let e { XCTAssertEqual(errorCode(error: e), "wrong_password") }
        let none = try tempDir("none").appendingPathComponent("none.p12").path
        assertThrows("KeyFile", "a missing file") { try KeyFiles().show(path: none, password: fixturePassword) }
    }

    func testKeyFileChangePassword() throws {
        let copy = try tempDir("chpw").appendingPathComponent("GOST512_copy.p12")
        try FileManager.default.copyItem(at: URL(fileURLWithPath: gost1()), to: copy)
        let files = KeyFiles()
        assertThrows("InvalidInput", "weak new password") {
            try files.changePassword(path: copy.path, oldPassword: fixturePassword, newPassword: "short")
        }
        try files.changePassword(path: copy.path, oldPassword: fixturePassword, newPassword: "Swift2026x")
        XCTAssertEqual(try files.show(path: copy.path, password: "Swift2026x").iin, "123456789011", "IIN after")
        assertThrows("WrongPassword", "old password") { try files.show(path: copy.path, password: fixturePassword) }
    }

    // The card

    func testCardThroughASwiftTransportForwardingToTheSimulator() throws {
        let sim = try SimulatorCard.create(path: nil, can: can, pin: pin, puk: puk)
        do {
            let transport = ForwardingTransport(sim.transport())
            let session = try CardSession.open(transport: transport, can: can)
            let info = try session.info()
            XCTAssertEqual(info.profile, "qoltanba-ref-1")
            XCTAssertEqual(info.slots.map { $0.slot }, [0x81, 0x82, 0x83, 0x84])
            XCTAssertEqual(info.pin, .triesLeft(triesLeft: 3))
            XCTAssertGreaterThan(transport.transmits, 5, "the APDUs went through Swift")

            let wrong = assertThrows("WrongPin", "wrong PIN") { try session.verifyPin(pin: "1111") }
            if case .WrongPin(let triesLeft, _)? = wrong { XCTAssertEqual(triesLeft, 2, "tries left") }
            assertThrows("InvalidInput", "letters") { try session.verifyPin(pin: "12a4") }
            try session.verifyPin(pin: pin)
            XCTAssertEqual(try session.info().pin, .verified)
            try session.changePin(oldPin: pin, newPin: "8765")
        }
        // A new tap: the changed PIN holds, and the counter was reset.
        do {
            let session = try CardSession.open(transport: ForwardingTransport(sim.transport()), can: can)
            XCTAssertEqual(try session.info().pin, .triesLeft(triesLeft: 3), "PIN state, new session")
            assertThrows("WrongPin", "old PIN") { try session.verifyPin(pin: pin) }
            try session.verifyPin(pin: "8765")
        }
    }

    func testCardWrongCanMissingCanBlockedPin() throws {
        let sim = try SimulatorCard.create(path: nil, can: can, pin: pin, puk: puk)
        assertThrows("WrongCan", "wrong CAN") {
            try CardSession.open(transport: ForwardingTransport(sim.transport()), can: "654321")
        }
        assertThrows("InvalidInput", "no CAN") {
            try CardSession.open(transport: ForwardingTransport(sim.transport()), can: nil)
        }
        let session = try CardSession.open(transport: sim.transport(), can: can)
        assertThrows("WrongPin", "1") { try session.verifyPin(pin: "0000") }
        assertThrows("WrongPin", "2") { try session.verifyPin(pin: "0000") }
        assertThrows("PinBlocked", "3") { try session.verifyPin(pin: "0000") }
        assertThrows("PinBlocked", "right PIN, blocked") { try session.verifyPin(pin: pin) }
        XCTAssertEqual(try session.info().pin, .blocked)
    }

    func testCardTagLostInSwiftIsCardLostAndTheNextTapWorks() throws {
        let sim = try SimulatorCard.create(path: nil, can: can, pin: pin, puk: puk)
        do {
            let transport = ForwardingTransport(sim.transport())
            let session = try CardSession.open(transport: transport, can: can)
            transport.loseTagAt = transport.transmits
            assertThrows("CardLost", "lost tag") { try session.verifyPin(pin: pin) }
        }
        // Any other Swift error from the transport is a Card error.
        let flaky = ForwardingTransport(sim.transport())
        flaky.throwAt = 0
        assertThrows("Card", "a Swift error in the transport") { try CardSession.open(transport: flaky, can: can) }
        let session = try CardSession.open(transport: ForwardingTransport(sim.transport()), can: can)
        try session.verifyPin(pin: pin)
    }

    func testCallsBothWaysAndTheirCost() throws {
        let calls: UInt32 = 10_000
        var value: UInt32 = 0
        var started = Date()
        for _ in 0..<calls { value = testingNoop(value: value) }
        let noop = Date().timeIntervalSince(started) / Double(calls)
        XCTAssertEqual(value, calls, "noop counted")
        started = Date()
        let bytes = try testingCallTransport(transport: EchoTransport(), times: calls)
        let callback = Date().timeIntervalSince(started) / Double(calls)
        XCTAssertEqual(bytes, 2 * UInt64(calls), "bytes the Swift transport answered")
        print(String(format: "      Swift → Rust: %.2f µs per call; Rust → Swift CardTransport: %.2f µs per call",
                     noop * 1e6, callback * 1e6))
    }

    // Panics

    func testPanicInRustIsInternalNotACrash() throws {
        let e = assertThrows("Internal", "guarded") { try testingPanic(message: "core bug 42") }
        XCTAssertTrue(e?.detailText.contains("core bug 42") == true, e?.detailText ?? "")
        // testingPanicUnguarded is not called here: its Swift wrapper is not
        // `throws` and calls Rust through `try!`, so uniffi's own rustPanic
        // error would trap the test process. The Kotlin tests cover it.
        // The library still works.
        XCTAssertEqual(try KeyFiles().show(path: gost1(), password: fixturePassword).iin, "123456789011")
    }

    // Renewals against the reference RA on loopback

    func testRenewalWithKeyFilesWrongThenRightCode() async throws {
        let server = try SharedServer.get()
        let dir = try tempDir("renewal")
        let password = "Citizen2026a"
        let files = try enrolled(server, "90010130001", dir, password)
        XCTAssertEqual(files.count, 1, "GOST: one key file")
        let app = try App.open(databasePath: dir.appendingPathComponent("app.db").path,
                               serverUrl: server.url(), serverRootDer: server.rootDer())
        let listener = RecordingListener()
        let state = try await startConfirmed(app, keyFileRequest(files, password, dir),
                                             cancel: nil, listener: listener)
        let number = try XCTUnwrap(state.needsCode, "no code asked: \(state)")
        XCTAssertEqual(state.step, .submitted)
        XCTAssertEqual(try app.renewalStep(renewalId: state.renewalId), .submitted, "stored step")
        XCTAssertEqual(try app.unfinishedRenewals(), [state.renewalId])
        for step in [RenewalStep.started, .keysGenerated, .signed, .submitted] {
            XCTAssertTrue(listener.steps.contains(step), "committed \(listener.steps)")
        }
        XCTAssertTrue(listener.lines.contains { $0.contains("submitting") }, "progress \(listener.lines)")

        let keys = KeySource.keyFiles(password: password, newPassword: newPassword)
        let code = try XCTUnwrap(server.codeFor(number: number), "no SMS for \(number)")
        let wrongCode = code == "000000" ? "111111" : "000000"
        await assertThrowsAsync("WrongCode", "wrong code") {
            try await app.submitCode(renewalId: state.renewalId, code: wrongCode, keys: keys, cancel: nil, listener: nil)
        }
        let done = try await app.submitCode(renewalId: state.renewalId, code: code, keys: keys,
                                            cancel: nil, listener: listener)
        XCTAssertEqual(done.step, .done)
        let summary = try XCTUnwrap(done.summary, "no summary")
        XCTAssertEqual(summary.application, number)
        let cert = try single(summary.newCertificates, "new certificates")
        XCTAssertEqual(cert.purpose, .both)
        let installed = try KeyFiles().show(path: cert.location, password: newPassword)
        XCTAssertEqual(installed.serial, cert.serial, "installed serial")
        XCTAssertGreaterThan(installed.daysLeft, 300, "new certificate days left")
        XCTAssertEqual(try app.unfinishedRenewals(), [], "unfinished after")
    }

    func testRenewalDroppedServerIsRaUnreachableBadInputsAreInvalidInput() async throws {
        // A server of its own: this test stops it.
        ignoreSigpipe()
        let server = try EmbeddedServer.start()
        let dir = try tempDir("dropped")
        let password = "Citizen2026a"
        let files = try enrolled(server, "90010130002", dir, password)
        let url = server.url()
        let root = server.rootDer()
        server.stop()
        let app = try App.open(databasePath: dir.appendingPathComponent("app.db").path, serverUrl: url, serverRootDer: root)
        let request = keyFileRequest(files, password, dir)
        await assertThrowsAsync("RaUnreachable", "stopped server") {
            try await app.startRenewalWithKeyFiles(request: request, cancel: nil, listener: nil)
        }
        var weakRequest = request
        weakRequest.newPassword = "weak"
        await assertThrowsAsync("InvalidInput", "weak new password") {
            try await app.startRenewalWithKeyFiles(request: weakRequest, cancel: nil, listener: nil)
        }
        await assertThrowsAsync("InvalidInput", "no such renewal") {
            try await app.resume(renewalId: 9999, keys: .keyFiles(password: password, newPassword: newPassword),
                                 cancel: nil, listener: nil)
        }
        assertThrows("InvalidInput", "a root that is no certificate") {
            try App.open(databasePath: dir.appendingPathComponent("app2.db").path, serverUrl: url,
                         serverRootDer: Data([1, 2, 3]))
        }
    }

    func testRenewalCancelledAfterTheKeysAreGeneratedThenResumed() async throws {
        let server = try SharedServer.get()
        let dir = try tempDir("cancel")
        let password = "Citizen2026a"
        let files = try enrolled(server, "90010130011", dir, password)
        let app = try App.open(databasePath: dir.appendingPathComponent("app.db").path,
                               serverUrl: server.url(), serverRootDer: server.rootDer())
        let cancel = CancelHandle()
        let listener = RecordingListener { step in
            if step == .keysGenerated { cancel.cancel() }
        }
        await assertThrowsAsync("Cancelled", "cancelled") {
            try await startConfirmed(app, keyFileRequest(files, password, dir),
                                     cancel: cancel, listener: listener)
        }
        XCTAssertTrue(cancel.isCancelled(), "the handle says cancelled")
        XCTAssertEqual(listener.steps.last, .keysGenerated, "last committed step")
        let id = try single(app.unfinishedRenewals(), "unfinished renewals")
        XCTAssertEqual(try app.renewalStep(renewalId: id), .keysGenerated, "stored step")
        XCTAssertFalse(listener.lines.contains { $0.contains("submitting") }, "nothing submitted: \(listener.lines)")

        let keys = KeySource.keyFiles(password: password, newPassword: newPassword)
        let resumed = try await app.resume(renewalId: id, keys: keys, cancel: CancelHandle(), listener: nil)
        XCTAssertEqual(resumed.step, .submitted, "resumed to the code")
        let done = try await finishWithCode(server, app, resumed, keys)
        XCTAssertEqual(done.step, .done)
    }

    func testRenewalWithTheCardTagLostWhileInstallingResumedOnANewTap() async throws {
        let server = try SharedServer.get()
        let dir = try tempDir("card-renewal")
        let sim = try SimulatorCard.create(path: nil, can: can, pin: pin, puk: puk)
        let oldSerials = try server.enrollCard(card: sim, can: can, pin: pin, iin11: "90010130013",
                                               algorithm: "p256", daysLeft: 7)
        XCTAssertEqual(oldSerials.count, 2, "AUTH and SIGN on the card")
        let app = try App.open(databasePath: dir.appendingPathComponent("app.db").path,
                               serverUrl: server.url(), serverRootDer: server.rootDer())
        let request = CardRenewal(email: "testov@example.kz", locality: "Astana",
                                  certificatesDir: dir.appendingPathComponent("certs").path)

        // Each tap is one session, released before the next.
        let state: RenewalState
        do {
            let session = try CardSession.open(transport: ForwardingTransport(sim.transport()), can: can)
            await assertThrowsAsync("InvalidInput", "no PIN yet") {
                try await app.startRenewalWithCard(session: session, request: request, cancel: nil, listener: nil)
            }
            try session.verifyPin(pin: pin)
            state = try await startConfirmed(app, session, request, listener: RecordingListener())
        }
        XCTAssertEqual(state.step, .submitted, "waiting for the code")
        let number = try XCTUnwrap(state.needsCode, "no code asked")
        let code = try XCTUnwrap(server.codeFor(number: number), "no SMS")

        // The tag leaves the field a few APDUs into installing.
        do {
            let transport = ForwardingTransport(sim.transport())
            let session = try CardSession.open(transport: transport, can: can)
            try session.verifyPin(pin: pin)
            let listener = RecordingListener { step in
                if step == .issued { transport.loseTagAt = transport.transmits + 3 }
            }
            await assertThrowsAsync("CardLost", "lost tag") {
                try await app.submitCode(renewalId: state.renewalId, code: code, keys: .card(session: session),
                                         cancel: nil, listener: listener)
            }
        }
        XCTAssertEqual(try app.renewalStep(renewalId: state.renewalId), .issued, "stored step")

        // A new tap: PACE and the PIN again, and the install finishes.
        let session = try CardSession.open(transport: ForwardingTransport(sim.transport()), can: can)
        try session.verifyPin(pin: pin)
        let done = try await app.resume(renewalId: state.renewalId, keys: .card(session: session), cancel: nil, listener: nil)
        XCTAssertEqual(done.step, .done)
        let summary = try XCTUnwrap(done.summary, "no summary")
        XCTAssertEqual(Set(summary.oldSerials), Set(oldSerials), "old serials")
        XCTAssertEqual(summary.newCertificates.count, 2, "new certificates")
        let locations = summary.newCertificates.map { $0.location }
        XCTAssertTrue(locations.allSatisfy { $0.hasPrefix("slot-") }, "keys on the card: \(locations)")
        let info = try session.info()
        let auth = try single(info.slots.filter { $0.isAuth }, "AUTH slot")
        let sign = try single(info.slots.filter { $0.isSign }, "SIGN slot")
        // slot-83-auth → 0x83
        let newSlots = Set(locations.compactMap { Int(String($0.dropFirst(5).prefix(2)), radix: 16) })
        XCTAssertEqual(newSlots, Set([Int(auth.slot), Int(sign.slot)]), "the new keys are current")
        XCTAssertTrue(auth.hasCertificate && sign.hasCertificate, "certificates on the card: \(info)")

        let keys = try app.keys()
        let current = keys.filter { !$0.replaced }
        XCTAssertEqual(Set(current.map { $0.certificate.serial }), Set(summary.newCertificates.map { $0.serial }),
                       "current keys")
        XCTAssertEqual(Set(keys.filter { $0.replaced }.map { $0.certificate.serial }), Set(oldSerials), "replaced keys")
        XCTAssertTrue(current.allSatisfy { $0.location.hasPrefix("card:slot-") }, "locations \(keys)")
    }

    // What the device knows

    func testKeysImportListRemindersPushAndDeepLink() throws {
        let server = try SharedServer.get()
        let dir = try tempDir("keys")
        let password = "Citizen2026a"
        let file = try single(enrolled(server, "90010130014", dir, password), "key files")
        let app = try App.open(databasePath: dir.appendingPathComponent("app.db").path,
                               serverUrl: server.url(), serverRootDer: server.rootDer())
        XCTAssertEqual(try app.keys(), [], "no keys yet")
        XCTAssertEqual(try app.reminders(now: nil), ReminderPlan(due: [], scheduled: []), "no reminders yet")
        let into = dir.appendingPathComponent("app-keys")
        assertThrows("WrongPassword", "wrong password") {
            try app.importKeyFile(path: file, password: "Citizen2026x", intoDir: into.path)
        }
        let copied = (try? FileManager.default.contentsOfDirectory(atPath: into.path)) ?? []
        XCTAssertEqual(copied, [], "nothing copied with a wrong password")
        let key = try app.importKeyFile(path: file, password: password, intoDir: into.path)
        let name = URL(fileURLWithPath: file).lastPathComponent
        XCTAssertEqual(key.location, "file:" + into.appendingPathComponent(name).path)
        XCTAssertTrue((6...7).contains(key.certificate.daysLeft), "days left \(key.certificate.daysLeft)")
        assertThrows("KeyFile", "imported twice") {
            try app.importKeyFile(path: file, password: password, intoDir: into.path)
        }
        XCTAssertEqual(try app.keys(), [key], "the imported key")

        let plan = try app.reminders(now: nil)
        let due = try single(plan.due, "reminders due")
        XCTAssertEqual(due.serial, key.certificate.serial)
        XCTAssertEqual(due.daysLeft, 7, "due: 7 days left")
        XCTAssertFalse(due.title.isEmpty || due.body.isEmpty, "words: \(due)")
        XCTAssertEqual(try serialFromDeepLink(link: due.deepLink), key.certificate.serial, "deep link")
        assertThrows("InvalidInput", "another link") { try serialFromDeepLink(link: "https://example.kz/") }
        // 3 and 1 days before the end, and the end itself, are still to come.
        XCTAssertEqual(plan.scheduled.map { $0.daysLeft }, [3, 1, nil], "scheduled")
        let later = try app.reminders(now: due.notAfter.addingTimeInterval(-3600))
        XCTAssertEqual(try single(later.due, "due an hour before the end").daysLeft, 1)

        // The RA's push for the same moment is the same reminder (same id).
        let notAfter = ISO8601DateFormatter().string(from: due.notAfter)
        let fcm = #"{"qoltanba":"1","kind":"expiry","serial":"\#(due.serial)","purpose":"both","#
            + #""not_after":"\#(notAfter)","days_left":"7"}"#
        let pushed = try reminderFromPush(payload: Data(fcm.utf8))
        XCTAssertEqual(pushed.id, due.id, "push id")
        XCTAssertEqual(pushed.fireAt, due.fireAt, "push fire_at")
        assertThrows("InvalidInput", "not JSON") { try reminderFromPush(payload: Data("nope".utf8)) }
        assertThrows("InvalidInput", "another kind") {
            try reminderFromPush(payload: Data(fcm.replacingOccurrences(of: "expiry", with: "advert").utf8))
        }
    }

    // The log, and object lifetimes

    func testLogReachesASwiftSinkWithNoSecretInIt() throws {
        let sink = CollectingSink()
        XCTAssertTrue(setLogSink(sink: sink, maxLevel: .trace), "the sink is installed")
        do {
            defer { _ = setLogSink(sink: nil, maxLevel: .error) }
            let sim = try SimulatorCard.create(path: nil, can: can, pin: pin, puk: puk)
            let session = try CardSession.open(transport: ForwardingTransport(sim.transport()), can: can)
            try session.verifyPin(pin: pin)
            try session.changePin(oldPin: pin, newPin: "8765")
            _ = try KeyFiles().show(path: gost1(), password: fixturePassword)
        }
        let lines = sink.lines
        XCTAssertTrue(lines.contains { $0.hasPrefix("trace qoltanba_card") }, "APDU trace lines: \(lines.prefix(5))")
        XCTAssertTrue(lines.contains { $0.contains("card session open") }, "the session's debug line: \(lines.prefix(5))")
        let secrets = [pin, "8765", can, puk, fixturePassword]
        let hex = secrets.map { s in
            s.utf8.map { byte -> String in
                let digits = String(byte, radix: 16)
                return digits.count == 1 ? "0" + digits : digits
            }.joined()
        }
        for line in lines {
            for secret in secrets + hex where line.range(of: secret, options: .caseInsensitive) != nil {
                XCTFail("a secret in the log: \(line)")
            }
        }
        let count = lines.count
        do {
            let sim = try SimulatorCard.create(path: nil, can: can, pin: pin, puk: puk)
            _ = try CardSession.open(transport: ForwardingTransport(sim.transport()), can: can)
        }
        XCTAssertEqual(sink.lines.count, count, "nothing is forwarded once the sink is removed")
    }

    func testObjectsAreReleasedWithTheirLastReference() throws {
        let before = testingLiveObjects()
        do {
            let sim = try SimulatorCard.create(path: nil, can: can, pin: pin, puk: puk)
            let transport = ForwardingTransport(sim.transport())
            var session: CardSession? = try CardSession.open(transport: transport, can: can)
            // The card, its transport, the session and the Swift transport it holds.
            XCTAssertEqual(testingLiveObjects(), before + 4, "live while open")
            XCTAssertNotNil(session)
            session = nil
            XCTAssertEqual(testingLiveObjects(), before + 2, "the session and the Swift transport it held are released")
            withExtendedLifetime((sim, transport)) {}
        }
        XCTAssertEqual(testingLiveObjects(), before, "all released")
        do {
            let sim = try SimulatorCard.create(path: nil, can: can, pin: pin, puk: puk)
            assertThrows("WrongCan", "wrong CAN") {
                try CardSession.open(transport: ForwardingTransport(sim.transport()), can: "000000")
            }
        }
        XCTAssertEqual(testingLiveObjects(), before, "released after a failed open")
    }

    func testObjectsThousandCardTapsAndAppStartsLeakNothing() throws {
        // Any certificate serves as the pinned root: these flows never connect.
        let pem = try String(contentsOfFile: fixture("nca-test/ncanode/ca/nca_rsa_test.crt"), encoding: .utf8)
        let body = try XCTUnwrap(pem.components(separatedBy: "-----BEGIN CERTIFICATE-----").last?
            .components(separatedBy: "-----END CERTIFICATE-----").first)
        let root = try XCTUnwrap(Data(base64Encoded: body, options: .ignoreUnknownCharacters))
        let db = try tempDir("leak").appendingPathComponent("app.db").path
        let sim = try SimulatorCard.create(path: nil, can: can, pin: pin, puk: puk)

        // What an app does each time the citizen opens it and taps the card.
        func oneFlow() throws {
            let session = try CardSession.open(transport: ForwardingTransport(sim.transport()), can: can)
            try session.verifyPin(pin: pin)
            XCTAssertEqual(try session.info().pin, .verified)
            let app = try App.open(databasePath: db, serverUrl: "https://127.0.0.1:9", serverRootDer: root)
            _ = try app.keys()
            _ = try app.reminders(now: nil)
            CancelHandle().cancel()
        }
        for _ in 0..<20 { try oneFlow() } // warm-up: caches, lazily built tables
        let live = testingLiveObjects()
        let heap = testingHeapBytes()
        let started = Date()
        for _ in 0..<1_000 { try oneFlow() }
        let grown = testingHeapBytes() - heap
        print("      1,000 flows in \(Int(Date().timeIntervalSince(started) * 1000)) ms; Rust heap \(heap / 1024) KiB before, grown by \(grown) bytes")
        XCTAssertEqual(testingLiveObjects(), live, "live objects after 1,000 flows")
        // One leaked session or app per flow would be well over 1 KiB each.
        XCTAssertLessThan(grown, 64 * 1024, "the Rust heap grew by \(grown) bytes over 1,000 flows")
    }
}
