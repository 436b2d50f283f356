import Foundation

/// Where the shell's few log lines go: none carries a secret, a payload or
/// a link, only what happened and the core's error codes. NSLog by default
/// (the unified log on iOS); the app or a test may set another sink.
public enum ShellLog {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var current: @Sendable (String) -> Void = { NSLog("%@", $0) }

    /// The sink of every line from now on.
    public static var sink: @Sendable (String) -> Void {
        get {
            lock.lock()
            defer { lock.unlock() }
            return current
        }
        set {
            lock.lock()
            defer { lock.unlock() }
            current = newValue
        }
    }
}

func log(_ line: String) {
    ShellLog.sink("qoltanba: " + line)
}
