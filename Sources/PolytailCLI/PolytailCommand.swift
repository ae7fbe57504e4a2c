import ArgumentParser
import Foundation
import Polytail

/// The `polytail` command. Its subcommands do their work in `execute()`, which returns
/// the text for stdout and stderr and an exit code, so tests can run them in-process
/// through ``runPolytail(arguments:)``.
public struct PolytailCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "polytail",
        abstract: "Statistics with polynomial tails.",
        version: "polytail \(polytailVersion)",
        subcommands: [FitCommand.self, LDACommand.self, WeightsCommand.self])

    /// The subcommand names, for the message about an unknown one.
    static var subcommandNames: [String] {
        configuration.subcommands.map { $0.configuration.commandName ?? "" }
    }

    public init() {}

    /// Runs the command line of this process, writes its output and exits with its code.
    /// (Shadows ArgumentParser's `main()` so the executable behaves exactly as
    /// ``runPolytail(arguments:)``: one-line errors on stderr, exit codes 0, 1 and 2.)
    public static func main() {
        let output = runPolytail(arguments: Array(CommandLine.arguments.dropFirst()))
        if !output.stdout.isEmpty { FileHandle.standardOutput.write(Data(output.stdout.utf8)) }
        if !output.stderr.isEmpty { FileHandle.standardError.write(Data(output.stderr.utf8)) }
        Foundation.exit(output.exitCode)
    }
}

/// The version `polytail --version` prints.
public let polytailVersion = "0.4.0"

/// Exit codes of the `polytail` tool.
public enum PolytailExitCode {
    public static let success: Int32 = 0
    /// The input could not be read or fitted (missing file, bad CSV, bad data).
    public static let dataError: Int32 = 1
    /// The command line is wrong (unknown option or family, invalid --df, ...).
    public static let usageError: Int32 = 2
}

/// Runs `polytail` with `arguments` (without the program name) in-process.
///
/// Success: stdout holds the result, stderr is empty, exit code 0. `--help` prints the
/// help on stdout with code 0. Failure: stdout is empty and stderr holds exactly one
/// line, `error: ...`; the code is 2 for command-line mistakes and 1 for bad input data.
public func runPolytail(arguments: [String]) -> (stdout: String, stderr: String, exitCode: Int32) {
    // A first argument that is neither an option nor a subcommand: say so in one line.
    if let first = arguments.first, !first.hasPrefix("-"), first != "help",
       !PolytailCommand.subcommandNames.contains(first) {
        let known = PolytailCommand.subcommandNames.joined(separator: ", ")
        return ("", "error: unknown subcommand '\(CSVError.printable(first))' (known: \(known); see 'polytail --help')\n",
                PolytailExitCode.usageError)
    }
    do {
        var command = try PolytailCommand.parseAsRoot(arguments)
        if let fit = command as? FitCommand { return fit.execute() }
        if let sub = command as? ExecutableSubcommand { return sub.execute() }
        try command.run()
        return ("", "", PolytailExitCode.success)
    } catch {
        let code = PolytailCommand.exitCode(for: error)
        if code.isSuccess {
            var text = PolytailCommand.fullMessage(for: error)
            if !text.isEmpty, !text.hasSuffix("\n") { text += "\n" }
            return (text, "", PolytailExitCode.success)
        }
        let message = oneLine(PolytailCommand.message(for: error))
        let helpCommand = PolytailCommand.subcommandNames.contains(arguments.first ?? "") ? "polytail \(arguments[0]) --help" : "polytail --help"
        return ("", "error: \(message) (see '\(helpCommand)')\n", PolytailExitCode.usageError)
    }
}

/// Runs `polytail fit` with `arguments` (those after `fit`) in-process; see ``runPolytail(arguments:)``.
public func runFit(arguments: [String]) -> (stdout: String, stderr: String, exitCode: Int32) {
    runPolytail(arguments: ["fit"] + arguments)
}

/// Joins the lines of a message so that an error is always one line of stderr.
func oneLine(_ text: String) -> String {
    text.split(whereSeparator: \.isNewline)
        .map { $0.trimmingCharacters(in: .whitespaces) }
        .filter { !$0.isEmpty }
        .joined(separator: " ")
}
