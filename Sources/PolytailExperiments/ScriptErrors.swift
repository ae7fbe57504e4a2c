import ArgumentParser
import Foundation

/// How every script under `Scripts/` ends, the same contract as `polytail`:
///
/// - exit 0 after success (and after `--help`, which prints the usage on stdout);
/// - exit 2 and one line on stderr for a bad command line (an unknown option, a malformed
///   number, a value `validate()` rejects, a ``ScriptUsageError``);
/// - exit 1 and one line on stderr for bad data — anything thrown while running: a file that
///   cannot be read, a CSV or IDX error, a library ``Polytail/PolytailError``, a
///   ``ScriptDataError``, or a non-finite number about to be written (``writeCSV(_:to:)``).
///
/// No usage dump is printed for a data error, and no message spans several lines.
public enum ScriptExit {
    /// The exit code after success.
    public static let success: Int32 = 0
    /// The exit code for bad data.
    public static let dataError: Int32 = 1
    /// The exit code for a bad command line.
    public static let usageError: Int32 = 2

    /// `text` on one line: line breaks become spaces and other control characters (NUL, ESC,
    /// …) visible `\u{…}` escapes, so a message quoting a damaged file cannot break the
    /// terminal or the one-line contract.
    /// - Parameter text: the message.
    /// - Returns: the message with no control character.
    public static func oneLine(_ text: String) -> String {
        var out = ""
        var pendingSpace = false
        for scalar in text.unicodeScalars {
            if scalar == "\n" || scalar == "\r" || scalar == "\u{2028}" || scalar == "\u{2029}" {
                pendingSpace = !out.isEmpty
                continue
            }
            if pendingSpace, scalar != " " { out += " " }
            pendingSpace = false
            if scalar.properties.generalCategory == .control {
                out += "\\u{" + String(scalar.value, radix: 16) + "}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Prints `error: <message>` on one line of stderr and exits with `code`.
    /// - Parameters:
    ///   - script: the script's name, printed before the message.
    ///   - message: what went wrong.
    ///   - code: ``dataError`` or ``usageError``.
    public static func fail(_ script: String, _ message: String, code: Int32) -> Never {
        FileHandle.standardError.write(Data("\(script): error: \(oneLine(message))\n".utf8))
        terminate(code)
    }
}

/// A data problem a script finds itself (a missing column, one class where two are needed):
/// one line on stderr, exit 1.
public struct ScriptDataError: Error, CustomStringConvertible {
    /// What was wrong with the data, naming the file.
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A command-line problem found after parsing (e.g. two options that do not go together):
/// one line on stderr, exit 2.
public struct ScriptUsageError: Error, CustomStringConvertible {
    /// What was wrong with the command line.
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The process's exit (`exit` inside a `ParsableCommand` extension would name ArgumentParser's
/// static method instead).
private func terminate(_ code: Int32) -> Never { exit(code) }

extension ParsableCommand {
    /// Parses the command line, runs the script and exits with the codes of ``ScriptExit``.
    /// Call it instead of `main()` at the end of a script's `main.swift`.
    /// - Parameter arguments: the arguments (default: the process's, without the name).
    public static func runAsScript(_ arguments: [String]? = nil) -> Never {
        let name = configuration.commandName ?? String(describing: Self.self).lowercased()
        var command: ParsableCommand
        do {
            command = try parseAsRoot(arguments)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                terminate(ScriptExit.success)
            }
            ScriptExit.fail(name, message(for: error) + " (see '\(name) --help')", code: ScriptExit.usageError)
        }
        do {
            try command.run()
        } catch let error as ScriptUsageError {
            ScriptExit.fail(name, error.message + " (see '\(name) --help')", code: ScriptExit.usageError)
        } catch let error as ExitCode {
            terminate(error.rawValue)
        } catch let error as ValidationError {
            ScriptExit.fail(name, error.message, code: ScriptExit.dataError)
        } catch {
            // `--help` parses to a help command whose run() throws a clean exit.
            if exitCode(for: error) == .success {
                print(fullMessage(for: error))
                terminate(ScriptExit.success)
            }
            ScriptExit.fail(name, String(describing: error), code: ScriptExit.dataError)
        }
        terminate(ScriptExit.success)
    }
}
