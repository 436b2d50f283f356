import Combine
import Foundation
import Qoltanba

/// A screen's model: one piece of work at a time, its failure in the
/// citizen's words, and the keystore's unlock: a key that needs it stops the
/// work, the screen shows UnlockView, and the work runs again.
@MainActor
class ScreenModel: ObservableObject {
    let services: Services
    @Published private(set) var busy = false
    @Published var problem: Problem?
    @Published private(set) var needsUnlock = false
    private var again: (() -> Void)?
    private var task: Task<Void, Never>?
    private var forwarded: [AnyCancellable] = []

    init(services: Services) {
        self.services = services
    }

    func work(_ action: @escaping @MainActor () async throws -> Void) {
        guard !busy else { return }
        busy = true
        problem = nil
        needsUnlock = false
        task = Task { [weak self] in
            do {
                try await action()
            } catch QoltanbaError.UserNotAuthenticated {
                self?.needsUnlock = true
                self?.again = { [weak self] in self?.work(action) }
            } catch {
                self?.problem = Problem.of(error)
            }
            self?.busy = false
        }
    }

    /// A part of the model (the secrets' fields) that the screen draws: its
    /// changes are the model's.
    func forward(_ changes: ObservableObjectPublisher) {
        forwarded.append(changes.sink { [weak self] _ in self?.objectWillChange.send() })
    }

    /// The citizen unlocked: the stopped work runs again.
    func unlocked() {
        needsUnlock = false
        let retry = again
        again = nil
        retry?()
    }

    /// The screen left the stack: work under way stops.
    func close() {
        task?.cancel()
    }

    /// The core's call off the main thread (its calls block: database, key
    /// derivation, the card).
    nonisolated func offMain<T>(_ call: @escaping () throws -> T) async throws -> T {
        try await Task.detached { try call() }.value
    }
}
