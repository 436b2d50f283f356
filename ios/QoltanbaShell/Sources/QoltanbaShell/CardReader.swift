import Foundation
import Qoltanba

/// Turns the NFC reader session's tag callbacks into an async `nextCard()`:
/// one per app. The app's `NFCTagReaderSessionDelegate` connects an ISO 7816
/// tag, wraps it (`TagTransport` over its `ISO7816Channel`) and hands it to
/// `tagDiscovered(_:)`; whatever waits for the card (a renewal journey)
/// calls `nextCard()`.
///
/// Waiting: callers of `nextCard()` are served in the order they started
/// waiting, one card each; a caller whose task is cancelled stops waiting
/// (`CancellationError`), and a card that reached it just as it was
/// cancelled goes on to the next caller (or waits for one) rather than being
/// lost. A card tapped while nobody waits is kept for the next caller,
/// replacing an earlier one; `clear()` drops it (call it when the reader
/// session ends).
public final class CardReader: @unchecked Sendable {
    private let lock = NSLock()
    private var waiters: [(id: UInt64, continuation: CheckedContinuation<CardTransport, Error>)] = []
    private var nextId: UInt64 = 0
    private var pending: CardTransport?

    public init() {}

    /// A tag entered the field and was connected: to the first waiter, or
    /// kept for the next one.
    public func tagDiscovered(_ t: CardTransport) {
        deliver(t)
    }

    /// Waits until a card is tapped (or returns at once the card tapped since
    /// the last call), as the core's transport. Cancellable.
    public func nextCard() async throws -> CardTransport {
        let id: UInt64 = locked {
            nextId += 1
            return nextId
        }
        let card = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<CardTransport, Error>) in
                lock.lock()
                if let card = pending {
                    pending = nil
                    lock.unlock()
                    continuation.resume(returning: card)
                } else if Task.isCancelled {
                    // Checked under the lock: a cancel after this finds the waiter below.
                    lock.unlock()
                    continuation.resume(throwing: CancellationError())
                } else {
                    waiters.append((id, continuation))
                    lock.unlock()
                }
            }
        } onCancel: {
            lock.lock()
            let index = waiters.firstIndex { $0.id == id }
            let waiter = index.map { waiters.remove(at: $0) }
            lock.unlock()
            waiter?.continuation.resume(throwing: CancellationError())
        }
        // Handed over just as this caller was cancelled: the next one gets it.
        if Task.isCancelled {
            deliver(card)
            throw CancellationError()
        }
        return card
    }

    /// Drops a card tapped while nobody waited.
    public func clear() {
        locked { pending = nil }
    }

    private func deliver(_ card: CardTransport) {
        lock.lock()
        if waiters.isEmpty {
            pending = card
            lock.unlock()
            return
        }
        let waiter = waiters.removeFirst()
        lock.unlock()
        waiter.continuation.resume(returning: card)
    }

    private func locked<T>(_ body: () -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }
}
