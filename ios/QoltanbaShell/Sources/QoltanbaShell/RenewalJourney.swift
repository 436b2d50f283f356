import Foundation
import Qoltanba

/// The keys a resumed renewal works with (`RenewalJourney.resume`): secrets
/// are never stored, so the citizen gives them again. Printing one never
/// shows them.
public enum JourneyKeys: CustomStringConvertible, CustomDebugStringConvertible {
    /// Key files: their current password and the one for the new files.
    case keyFiles(password: String, newPassword: String)
    /// The ID card: its CAN (nil: the core says it is missing) and PIN.
    case card(can: String?, pin: String)
    /// New keys in the keystore; the password of current key files, if any.
    case keystore(PlatformKeys, password: String?)

    /// Redacted.
    public var description: String {
        switch self {
        case .keyFiles: return "JourneyKeys.keyFiles(redacted)"
        case .card: return "JourneyKeys.card(redacted)"
        case .keystore: return "JourneyKeys.keystore(redacted)"
        }
    }

    public var debugDescription: String { description }
}

/// Drives one renewal of the core's `App` for the renewal screens, as a
/// sequence of `JourneyScreen`s handed to `onScreen`: start (key files, the
/// ID card, or new keys into the phone's keystore), the review, the one-time
/// code, the card lost and tapped again, the keystore's unlock, and the end.
///
/// What happens, and every word shown, is the core's: this class only calls
/// it and turns its answers and errors into screens.
/// - A refused code (`QoltanbaError.WrongCode`) asks for the code again.
/// - A card that leaves the field (`QoltanbaError.CardLost`) shows
///   `.tapCard(lost: true)`; on the next tap a new session is opened (PACE
///   with the CAN, the PIN verified) and the interrupted call is made again
///   with it: the renewal resumes from its last committed step, and an
///   answer the citizen gave (the review's confirmation, the code) is given
///   again, which the core uses only if the renewal still needs it. iOS
///   ends an NFC session after 20 seconds: the app's reader session ending
///   mid-renewal is this same lost card.
/// - A keystore key that needs the unlock (`QoltanbaError.UserNotAuthenticated`)
///   shows `.unlock`; `unlocked()` then makes the interrupted call again.
/// - Any other error shows `.failed` with the core's sentence; the core
///   says whether the same call may succeed again (`errorIsTransient`).
///
/// Secrets (passwords, CAN, PIN, the code) are held only while the journey
/// needs them, as bytes wiped at its end (done, declined, failed for good,
/// cancelled, or when the journey is released); see `Secret` for what Swift
/// allows. The card session stays open from the tap to the end, as the card
/// does the signing and installing.
///
/// `onScreen` is called on a serial queue of the journey's, in order, with
/// every screen shown (hop to the main actor there); `screen` is the latest.
/// A call that does not fit the current screen (a double tap) is ignored.
public final class RenewalJourney: @unchecked Sendable {
    private let app: App
    private let cards: @Sendable () async throws -> CardTransport
    private let onScreen: @Sendable (JourneyScreen) -> Void
    private let delivery = DispatchQueue(label: "kz.qoltanba.shell.journey.screens")

    // Everything below is guarded by `lock`. A run (one action, with its
    // retries after a lost card) owns the journey while `generation` is the
    // one it started with; `cancel()` moves the generation on, so a run
    // still finishing changes nothing after it.
    private let lock = NSLock()
    private var current: JourneyScreen = .idle
    private var currentRenewal: Int64?
    private var busy = false
    private var generation = 0
    private var task: Task<Void, Never>?
    private var cancelHandle: CancelHandle?
    private var keys: Keys?
    private var start: StartCall?
    private var knownBefore: Set<Int64> = []
    private var pending: Action?
    private var awaitingCode: Int64?
    private var lastStep: RenewalStep = .started
    private var session: CardSession?
    private var transport: CardTransport?
    private var question: PendingQuestion?

    /// - Parameters:
    ///   - app: the core's app (the renewal's database and the RA).
    ///   - cards: waits for the next card tap (`CardReader.nextCard`).
    ///   - onScreen: every screen, in order (on the journey's queue).
    public init(app: App, cards: @escaping @Sendable () async throws -> CardTransport,
                onScreen: @escaping @Sendable (JourneyScreen) -> Void) {
        self.app = app
        self.cards = cards
        self.onScreen = onScreen
    }

    deinit {
        keys?.wipe()
        if case .submitCode(_, let code)? = pending { code.wipe() }
    }

    /// What to show now.
    public var screen: JourneyScreen { locked { current } }

    /// The renewal this journey drives, once the core has recorded it.
    public var renewalId: Int64? { locked { currentRenewal } }

    /// Renew the keys in NCA key files (`request.password` opens them).
    public func startWithKeyFiles(_ request: KeyFileRenewal) {
        let password = Secret(request.password)
        let newPassword = Secret(request.newPassword)
        // The request is kept without its secrets; they are put back per call.
        var stripped = request
        stripped.password = ""
        stripped.newPassword = ""
        let kept = stripped
        let app = self.app
        begin(.keyFiles(password: password, newPassword: newPassword)) { _, cancel, listener in
            var call = kept
            call.password = try password.reveal()
            call.newPassword = try newPassword.reveal()
            return try await app.startRenewalWithKeyFiles(request: call, cancel: cancel, listener: listener)
        }
    }

    /// Renew the keys on the ID card: waits for the tap (`.tapCard`), opens
    /// the card with `can` and verifies `pin`, then starts.
    public func startWithCard(_ request: CardRenewal, can: String?, pin: String) {
        let app = self.app
        begin(.card(can: can.map(Secret.init), pin: Secret(pin))) { source, cancel, listener in
            guard case .card(let session)? = source else { throw QoltanbaError.Internal(detail: "no card session") }
            return try await app.startRenewalWithCard(session: session, request: request, cancel: cancel, listener: listener)
        }
    }

    /// Renew into the phone's keystore: new keys made in `keystore`; the
    /// current keys are `request.currentKeys` (key files opened with
    /// `request.password`, or keystore keys).
    public func startIntoKeystore(_ keystore: PlatformKeys, _ request: KeystoreRenewal) {
        let password = request.password.map(Secret.init)
        var stripped = request
        stripped.password = nil
        let kept = stripped
        let app = self.app
        begin(.keystore(keystore, password: password)) { _, cancel, listener in
            var call = kept
            call.password = try password?.reveal()
            return try await app.startRenewalIntoKeystore(keystore: keystore, request: call, cancel: cancel, listener: listener)
        }
    }

    /// Continue the unfinished renewal `renewalId` (after a restart, or from
    /// a reminder's deep link) with its `keys` given again.
    public func resume(renewalId: Int64, keys: JourneyKeys) {
        let held: Keys
        switch keys {
        case .keyFiles(let password, let newPassword): held = .keyFiles(password: Secret(password), newPassword: Secret(newPassword))
        case .card(let can, let pin): held = .card(can: can.map(Secret.init), pin: Secret(pin))
        case .keystore(let keystore, let password): held = .keystore(keystore, password: password.map(Secret.init))
        }
        lock.lock()
        guard isIdle() else {
            lock.unlock()
            held.wipe()
            return
        }
        release()
        self.keys = held
        currentRenewal = renewalId
        launch(.resume(renewalId), resolveStep: true)
        lock.unlock()
    }

    /// The citizen confirmed the review: the keys are made, the application signed and sent.
    public func confirmReview() {
        lock.lock()
        defer { lock.unlock() }
        guard case .review = current, let id = currentRenewal else { return }
        launch(.confirm(id))
    }

    /// The citizen declined the review: the renewal ends with nothing made or signed.
    public func declineReview() {
        lock.lock()
        defer { lock.unlock() }
        guard case .review = current, let id = currentRenewal, !busy else { return }
        busy = true
        let gen = generation
        let app = self.app
        task = Task.detached { [self] in
            do {
                try await blocking { try app.declineReview(renewalId: id) }
                finish(.declined, gen)
            } catch {
                fail(error, gen)
            }
        }
    }

    /// The one-time code from the SMS.
    public func submitCode(_ code: String) {
        let secret = Secret(code)
        lock.lock()
        defer { lock.unlock() }
        guard case .code = current, let id = currentRenewal, !busy else {
            secret.wipe()
            return
        }
        launch(.submitCode(id, secret))
    }

    /// The citizen unlocked (Face ID, Touch ID or the passcode succeeded):
    /// the interrupted call goes on.
    public func unlocked() {
        lock.lock()
        defer { lock.unlock() }
        guard current == .unlock, let action = pending else { return }
        launch(action)
    }

    /// The answer to `.question`.
    public func answerQuestion(_ yes: Bool) {
        lock.lock()
        guard let asked = question else {
            lock.unlock()
            return
        }
        question = nil
        show(.working(step: lastStep, text: ""))
        lock.unlock()
        asked.answer(yes)
    }

    /// After `.failed` with `canRetry`: the same call again.
    public func retry() {
        lock.lock()
        defer { lock.unlock() }
        guard case .failed(_, _, true) = current, let action = pending else { return }
        launch(action)
    }

    /// Stops the journey: the running call is cancelled (the core stops at
    /// its next step boundary; the renewal stays resumable), secrets are
    /// wiped, the card session closed, and the screen is `.idle`.
    public func cancel() {
        lock.lock()
        busy = false
        generation += 1
        let running = task
        task = nil
        let handle = cancelHandle
        cancelHandle = nil
        let asked = question
        question = nil
        release()
        show(.idle)
        lock.unlock()
        running?.cancel()
        handle?.cancel()
        asked?.answer(false)
    }

    // MARK: - The work

    /// The keys and secrets of this journey.
    private enum Keys {
        case keyFiles(password: Secret, newPassword: Secret)
        case card(can: Secret?, pin: Secret)
        case keystore(PlatformKeys, password: Secret?)

        func wipe() {
            switch self {
            case .keyFiles(let password, let newPassword):
                password.wipe()
                newPassword.wipe()
            case .card(let can, let pin):
                can?.wipe()
                pin.wipe()
            case .keystore(_, let password):
                password?.wipe()
            }
        }

        var isCard: Bool {
            if case .card = self { return true }
            return false
        }
    }

    private typealias StartCall = @Sendable (KeySource?, CancelHandle, RenewalListener) async throws -> RenewalState

    /// A call to the core, made again after a lost card, an unlock or a retry.
    private enum Action {
        case start
        case resume(Int64)
        case confirm(Int64)
        case submitCode(Int64, Secret)
    }

    /// The question the core's worker thread waits on.
    private final class PendingQuestion: @unchecked Sendable {
        private let answered = DispatchSemaphore(value: 0)
        private var yes = false

        func answer(_ yes: Bool) {
            self.yes = yes
            answered.signal()
        }

        func wait() -> Bool {
            answered.wait()
            return yes
        }
    }

    /// The core's listener for one run: its progress reaches the screen only
    /// while that run owns the journey.
    private final class Listener: RenewalListener, @unchecked Sendable {
        weak var journey: RenewalJourney?
        let generation: Int

        init(_ journey: RenewalJourney, _ generation: Int) {
            self.journey = journey
            self.generation = generation
        }

        func progress(message: String) {
            journey?.update(generation) { j in
                if case .working = j.current { j.show(.working(step: j.lastStep, text: message)) }
            }
        }

        func committed(step: RenewalStep) {
            journey?.update(generation) { j in
                j.lastStep = step
                if case .working(_, let text) = j.current { j.show(.working(step: step, text: text)) }
            }
        }

        // On the core's worker thread: blocking here while the citizen answers is fine.
        func confirm(question: String) -> Bool {
            let asked = PendingQuestion()
            let shown = journey?.update(generation) { j -> Bool in
                j.question = asked
                j.show(.question(question))
                return true
            } ?? false
            return shown ? asked.wait() : false
        }
    }

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    /// Runs `body` under the lock if the run of `gen` still owns the journey.
    @discardableResult
    private func update<T>(_ gen: Int, _ body: (RenewalJourney) -> T) -> T? {
        lock.lock()
        defer { lock.unlock() }
        guard gen == generation else { return nil }
        return body(self)
    }

    /// Runs `body` under the lock if the run of `gen` still owns the
    /// journey; whether it did.
    @discardableResult
    private func ifCurrent(_ gen: Int, _ body: (RenewalJourney) -> Void) -> Bool {
        update(gen) { j -> Bool in
            body(j)
            return true
        } ?? false
    }

    /// Sets the screen and hands it on, in order (under the lock).
    private func show(_ screen: JourneyScreen) {
        current = screen
        let onScreen = self.onScreen
        delivery.async { onScreen(screen) }
    }

    /// Under the lock.
    private func isIdle() -> Bool {
        guard !busy else { return false }
        switch current {
        case .idle, .done, .declined, .failed: return true
        default: return false
        }
    }

    private func begin(_ keys: Keys, _ start: @escaping StartCall) {
        lock.lock()
        defer { lock.unlock() }
        guard isIdle() else {
            keys.wipe()
            return
        }
        release()
        self.keys = keys
        self.start = start
        currentRenewal = nil
        launch(.start)
    }

    /// Under the lock: runs `action` unless a run is going on.
    private func launch(_ action: Action, resolveStep: Bool = false) {
        guard !busy else {
            if case .submitCode(_, let code) = action, pendingCode() !== code { code.wipe() }
            return
        }
        busy = true
        pending = action
        let gen = generation
        let cancel = CancelHandle()
        cancelHandle = cancel
        task = Task.detached { [self] in
            await run(action, gen, resolveStep: resolveStep, cancel: cancel)
        }
    }

    private func pendingCode() -> Secret? {
        if case .submitCode(_, let code)? = pending { return code }
        return nil
    }

    private func run(_ first: Action, _ gen: Int, resolveStep: Bool, cancel: CancelHandle) async {
        var action = first
        var lost = false
        let listener = Listener(self, gen)
        do {
            if case .start = action {
                let known = try await blocking { [app] in Set(try app.unfinishedRenewals()) }
                update(gen) { $0.knownBefore = known }
            }
            if resolveStep, case .resume(let id) = action {
                let step = try await blocking { [app] in try app.renewalStep(renewalId: id) }
                update(gen) { $0.lastStep = step }
            }
            while true {
                do {
                    let source = try await keySource(lost: lost, gen)
                    guard ifCurrent(gen, { $0.show(.working(step: $0.lastStep, text: "")) }) else { return }
                    let state = try await perform(action, source, cancel, listener)
                    guard ifCurrent(gen, { j in
                        if case .submitCode(_, let code) = action { code.wipe() }
                        j.pending = nil
                        j.showState(state, gen)
                    }) else { return }
                    return
                } catch QoltanbaError.CardLost(let detail) {
                    guard locked({ keys?.isCard == true }) else { throw QoltanbaError.CardLost(detail: detail) }
                    log("the card left the field; waiting for it again")
                    let next = try await afterInterruption(action, gen)
                    guard ifCurrent(gen, { j in
                        j.closeSession()
                        j.pending = next
                    }) else { return }
                    action = next
                    lost = true
                }
            }
        } catch QoltanbaError.WrongCode {
            update(gen) { j in
                if case .submitCode(_, let code) = action { code.wipe() }
                j.pending = nil
                var application: Int64 = 0
                if let awaiting = j.awaitingCode { application = awaiting } else if case .submitCode(let id, _) = action { application = id }
                j.settle(.code(application: application, wrongBefore: true))
            }
        } catch let error as QoltanbaError {
            if case .UserNotAuthenticated = error, locked({ if case .keystore? = keys { return true } else { return false } }) {
                let next = (try? await afterInterruption(action, gen)) ?? action
                update(gen) { j in
                    j.pending = next
                    j.settle(.unlock)
                }
                return
            }
            let next = (try? await afterInterruption(action, gen)) ?? action
            update(gen) { $0.pending = next }
            fail(error, gen)
        } catch is CancellationError {
            // cancel(): the journey has moved on already.
        } catch {
            // Not the core's error: a bug here or in the platform. No detail
            // reaches the screen (it could name anything); the log has its kind.
            log("the renewal stopped on \(type(of: error))")
            fail(QoltanbaError.Internal(detail: String(describing: type(of: error))), gen)
        }
    }

    /// A start interrupted after the core recorded the renewal continues as a
    /// resume of it; otherwise the call is made again as it was.
    private func afterInterruption(_ action: Action, _ gen: Int) async throws -> Action {
        guard case .start = action else { return action }
        let before = locked { knownBefore }
        let now = (try? await blocking { [app] in Set(try app.unfinishedRenewals()) }) ?? before
        let created = now.subtracting(before)
        guard created.count == 1, let id = created.first else { return .start }
        update(gen) { $0.currentRenewal = id }
        return .resume(id)
    }

    /// The core's keys for the next call; for the card, waits for a tap and opens it.
    private func keySource(lost: Bool, _ gen: Int) async throws -> KeySource? {
        let (held, open) = locked { (keys, session) }
        switch held {
        case .keyFiles(let password, let newPassword)?:
            return .keyFiles(password: try password.reveal(), newPassword: try newPassword.reveal())
        case .keystore(let keystore, let password)?:
            return .keystore(keystore: keystore, password: try password?.reveal())
        case .card(let can, let pin)?:
            if let open { return .card(session: open) }
            return .card(session: try await openCard(can: can, pin: pin, lost: lost, gen))
        case nil:
            return nil
        }
    }

    private func openCard(can: Secret?, pin: Secret, lost: Bool, _ gen: Int) async throws -> CardSession {
        guard ifCurrent(gen, { $0.show(.tapCard(lost: lost)) }) else { throw CancellationError() }
        let tapped = try await cards()
        guard ifCurrent(gen, { j in
            j.show(.working(step: j.lastStep, text: ""))
            j.transport = tapped
        }) else { throw CancellationError() }
        let opened = try await blocking { try CardSession.open(transport: tapped, can: try can?.reveal()) }
        guard ifCurrent(gen, { $0.session = opened }) else { throw CancellationError() }
        try await blocking { try opened.verifyPin(pin: try pin.reveal()) }
        return opened
    }

    private func perform(_ action: Action, _ source: KeySource?, _ cancel: CancelHandle,
                         _ listener: RenewalListener) async throws -> RenewalState {
        switch action {
        case .start:
            guard let start = locked({ self.start }) else { throw QoltanbaError.Internal(detail: "no renewal to start") }
            return try await start(source, cancel, listener)
        case .resume(let id):
            return try await app.resume(renewalId: id, keys: required(source), cancel: cancel, listener: listener)
        case .confirm(let id):
            return try await app.confirmReview(renewalId: id, keys: required(source), cancel: cancel, listener: listener)
        case .submitCode(let id, let code):
            return try await app.submitCode(renewalId: id, code: try code.reveal(), keys: required(source),
                                            cancel: cancel, listener: listener)
        }
    }

    private func required(_ source: KeySource?) throws -> KeySource {
        guard let source else { throw QoltanbaError.Internal(detail: "no keys") }
        return source
    }

    /// Under the lock.
    private func showState(_ state: RenewalState, _ gen: Int) {
        currentRenewal = state.renewalId
        lastStep = state.step
        if let summary = state.summary {
            release()
            settle(.done(summary))
        } else if let review = state.review {
            settle(.review(review))
        } else if let code = state.needsCode {
            awaitingCode = code
            settle(.code(application: code, wrongBefore: false))
        } else {
            failLocked(QoltanbaError.Internal(detail: "the core answered a renewal state with nothing to do"))
        }
    }

    /// Shows a screen that waits for the citizen: the run that led here is over (under the lock).
    private func settle(_ screen: JourneyScreen) {
        busy = false
        task = nil
        cancelHandle = nil
        show(screen)
    }

    private func finish(_ screen: JourneyScreen, _ gen: Int) {
        update(gen) { j in
            j.release()
            j.settle(screen)
        }
    }

    private func fail(_ error: Error, _ gen: Int) {
        let failure = error as? QoltanbaError ?? QoltanbaError.Internal(detail: String(describing: type(of: error)))
        update(gen) { $0.failLocked(failure) }
    }

    /// Under the lock.
    private func failLocked(_ error: QoltanbaError) {
        let retry = errorIsTransient(error: error) && pending != nil
        if !retry { release() }
        switch error {
        case .CardLost, .Card: closeSession()
        default: break
        }
        settle(.failed(message: Self.detail(error), code: errorCode(error: error), canRetry: retry))
    }

    /// Wipes every secret and closes the card: the journey holds nothing after this (under the lock).
    private func release() {
        keys?.wipe()
        keys = nil
        start = nil
        if case .submitCode(_, let code)? = pending { code.wipe() }
        pending = nil
        awaitingCode = nil
        closeSession()
    }

    /// Under the lock. The session and the transport are released with
    /// their last reference (a run still using them holds its own).
    private func closeSession() {
        session = nil
        transport = nil
    }

    /// What the journey still holds (the tests' check that nothing is left).
    var heldForTesting: [String] {
        locked {
            var held: [String] = []
            if keys != nil { held.append("keys") }
            if pending != nil { held.append("pending") }
            if session != nil { held.append("session") }
            if transport != nil { held.append("transport") }
            return held
        }
    }

    /// The core's sentence for the citizen. Exhaustive on purpose: a new
    /// error case of the core must be looked at here.
    static func detail(_ error: QoltanbaError) -> String {
        switch error {
        case .WrongPassword(let detail), .PinBlocked(let detail), .WrongCan(let detail), .CardLost(let detail),
             .WrongCode(let detail), .RaUnreachable(let detail), .InvalidInput(let detail), .KeyFile(let detail),
             .Card(let detail), .RenewalFailed(let detail), .UserNotAuthenticated(let detail),
             .Keystore(let detail), .Cancelled(let detail), .Storage(let detail):
            return detail
        case .WrongPin(_, let detail), .RaRefused(_, let detail):
            return detail
        case .Internal:
            // A bug's detail is for the report, not the citizen: the kind's words.
            return errorKindMessage(error: error)
        }
    }
}

/// Runs a blocking call of the core (a card session, the database) off
/// Swift's cooperative threads, which must not block.
func blocking<T>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        blockingQueue.async { continuation.resume(with: Result { try body() }) }
    }
}

private let blockingQueue = DispatchQueue(label: "kz.qoltanba.shell.blocking", attributes: .concurrent)
