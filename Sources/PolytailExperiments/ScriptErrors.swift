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
        FileHandle.standardError.write(Data(errorLine(script, message).utf8))
        terminate(code)
    }

    /// `<script>: error: <message on one line>` and a line break: what ``fail(_:_:code:)`` prints.
    static func errorLine(_ script: String, _ message: String) -> String { "\(script): error: \(oneLine(message))\n" }
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
            exitForCommandLine(error, name: name)
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

/// How a script's command line ends the process before it runs: `--help` (exit 0, the usage
/// on stdout) or a bad command line (exit 2, one line on stderr).
public struct ScriptCommandLineExit: Error, Equatable {
    /// ``ScriptExit/success`` or ``ScriptExit/usageError``.
    public var code: Int32
    /// What goes to stdout (the usage after `--help`).
    public var standardOutput: String
    /// What goes to stderr (`<script>: error: <one line> (see '<script> --help')`).
    public var standardError: String
}

extension ParsableArguments {
    /// Parses the options of a script that runs as top-level code (the benchmarks) under the
    /// contract of ``ScriptExit``: `--help` prints the usage on stdout and exits 0; an unknown
    /// option, a malformed value or one `validate()` rejects is one line on stderr and exit 2.
    /// - Parameters:
    ///   - arguments: the arguments (default: the process's, without the name).
    ///   - name: the script's name, printed before a message.
    /// - Returns: the parsed options.
    public static func parseAsScript(_ arguments: [String]? = nil, name: String) -> Self {
        switch parseForScript(arguments, name: name) {
        case let .success(options): return options
        case let .failure(exit): exitForCommandLine(exit)
        }
    }

    /// What ``parseAsScript(_:name:)`` does, without ending the process.
    /// - Parameters:
    ///   - arguments: the arguments (default: the process's, without the name).
    ///   - name: the script's name.
    /// - Returns: the options, or how the process must end.
    public static func parseForScript(_ arguments: [String]? = nil, name: String) -> Result<Self, ScriptCommandLineExit> {
        do {
            return .success(try parse(arguments))
        } catch {
            return .failure(commandLineExit(error, name: name))
        }
    }

    /// The usage and exit 0 for `--help`, else one line for stderr and exit 2.
    static func commandLineExit(_ error: any Error, name: String) -> ScriptCommandLineExit {
        if exitCode(for: error) == .success {
            return ScriptCommandLineExit(code: ScriptExit.success, standardOutput: fullMessage(for: error) + "\n", standardError: "")
        }
        let line = ScriptExit.errorLine(name, message(for: error) + " (see '\(name) --help')")
        return ScriptCommandLineExit(code: ScriptExit.usageError, standardOutput: "", standardError: line)
    }

    static func exitForCommandLine(_ error: any Error, name: String) -> Never {
        exitForCommandLine(commandLineExit(error, name: name))
    }

    static func exitForCommandLine(_ exit: ScriptCommandLineExit) -> Never {
        FileHandle.standardOutput.write(Data(exit.standardOutput.utf8))
        FileHandle.standardError.write(Data(exit.standardError.utf8))
        terminate(exit.code)
    }
}
