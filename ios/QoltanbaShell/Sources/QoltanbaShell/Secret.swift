import Foundation

/// A secret the journey holds between calls (a password, the PIN, the CAN,
/// the one-time code), as bytes in memory of its own that `wipe()`
/// overwrites.
///
/// Honestly: the core's calls take Swift Strings, and a Swift String cannot
/// be wiped: it is an immutable value (copy-on-write, small ones stored
/// inline, large ones in a heap buffer ARC frees without clearing), with no
/// API to overwrite it. Each call makes one from these bytes, which lives
/// until the call returns and its memory is reused (as does the String the
/// citizen's text field gave, which the app should drop at once). What this
/// class does is keep no String of the secret reachable from the journey
/// between calls, and leave nothing after the journey ends.
final class Secret: CustomStringConvertible, CustomDebugStringConvertible, @unchecked Sendable {
    private let lock = NSLock()
    private var buffer: UnsafeMutableBufferPointer<UInt8>?
    private let count: Int

    init(_ text: String) {
        let utf8 = Array(text.utf8)
        count = utf8.count
        let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(utf8.count, 1))
        buffer.initialize(repeating: 0)
        _ = buffer.update(fromContentsOf: utf8)
        self.buffer = buffer
    }

    deinit { wipe() }

    /// The secret as the core's calls take it, for the duration of one call.
    func reveal() throws -> String {
        lock.lock()
        defer { lock.unlock() }
        guard let buffer else { throw SecretWiped() }
        return String(decoding: UnsafeBufferPointer(rebasing: buffer[0..<count]), as: UTF8.self)
    }

    /// Overwrites the bytes and frees them; `reveal()` fails from now on.
    func wipe() {
        lock.lock()
        defer { lock.unlock() }
        guard let buffer else { return }
        if let base = buffer.baseAddress {
            // Through the raw pointer, before an opaque free(): kept.
            memset(base, 0, buffer.count)
        }
        buffer.deallocate()
        self.buffer = nil
    }

    var isWiped: Bool {
        lock.lock()
        defer { lock.unlock() }
        return buffer == nil
    }

    /// Never the secret.
    var description: String { "Secret(redacted)" }
    var debugDescription: String { description }
}

/// A secret was used after the journey wiped it (a bug of the journey).
struct SecretWiped: Error {}
