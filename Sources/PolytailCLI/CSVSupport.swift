import ArgumentParser
import Foundation
import Polytail

/// A subcommand that does its work in `execute()` and returns its output, so that tests
/// can run it in-process through ``runPolytail(arguments:)``. Conforming commands that only
/// produce text implement `produce()`; `execute()` turns its failures into one line.
protocol ExecutableSubcommand {
    func execute() -> (stdout: String, stderr: String, exitCode: Int32)
    func produce() throws(CommandFailure) -> String
}

extension ExecutableSubcommand {
    func execute() -> (stdout: String, stderr: String, exitCode: Int32) {
        do {
            return (try produce(), "", PolytailExitCode.success)
        } catch {
            return ("", "error: \(oneLine(error.message))\n", error.exitCode)
        }
    }
}

/// A failure to report: one line and an exit code.
struct CommandFailure: Error {
    var message: String
    var exitCode: Int32 = PolytailExitCode.dataError
}

/// `--delimiter` and `--missing`, shared by every subcommand that reads CSV.
public struct CSVOptions: ParsableArguments, Sendable {
    @Option(help: ArgumentHelp(
        "The field delimiter: one ASCII character, or 'tab' (default ',').", valueName: "char"))
    var delimiter: String = ","

    @Option(help: ArgumentHelp(
        "Missing cells (empty or NA) in the columns used: error, or drop their rows (counted in the output).",
        valueName: "error|drop"))
    var missing: MissingValues = .error

    public init() {}

    /// The delimiter as one character: `tab` and `\t` name the tab.
    var delimiterCharacter: Character? {
        switch delimiter {
        case "tab", "\\t", "\t": return "\t"
        default: return delimiter.count == 1 ? delimiter.first : nil
        }
    }

    public func validate() throws {
        guard let c = delimiterCharacter, (try? CSVReadOptions(delimiter: c).checkedDelimiter()) != nil else {
            throw ValidationError("--delimiter must be one ASCII character other than a double quote or a line end (or 'tab'), got \"\(CSVError.printable(delimiter))\"")
        }
    }

    var readOptions: CSVReadOptions {
        CSVReadOptions(delimiter: delimiterCharacter ?? ",", missing: missing)
    }
}

extension MissingValues: ExpressibleByArgument {}

extension CSVReadOptions {
    /// Throws ``CSVError/invalidDelimiter(_:)`` for a delimiter the reader refuses.
    func checkedDelimiter() throws(CSVError) {
        _ = try CSVTable.parse("a", delimiter: delimiter)
    }
}

enum CSVInput {
    /// A reader error as one line naming the file.
    static func failure(_ error: CSVError, path: String) -> CommandFailure {
        let shown = path == "-" ? "standard input" : CSVError.printable(path)
        switch error {
        case .fileNotFound, .unreadable: return CommandFailure(message: error.description)
        case .emptyCell, .missingValue:
            return CommandFailure(message: "\(shown): \(error.description) (--missing drop skips such rows)")
        default: return CommandFailure(message: "\(shown): \(error.description)")
        }
    }

    /// Reads a CSV file, turning reader errors into one-line failures that name the file.
    static func read(_ path: String, options: CSVReadOptions = CSVReadOptions()) throws(CommandFailure) -> CSVTable {
        do {
            return try CSVTable.read(contentsOf: path, delimiter: options.delimiter)
        } catch {
            throw failure(error, path: path)
        }
    }

    /// Opens a file (or standard input) for the streaming number reader.
    static func open(_ path: String, options: CSVReadOptions) throws(CommandFailure) -> CSVNumberReader {
        do {
            return try CSVNumberReader(path: path, options: options)
        } catch {
            throw failure(error, path: path)
        }
    }

    /// Reads the selected columns of an opened file; at least one row must remain.
    /// - Parameter shownPath: the path messages name (the reader's own by default).
    static func numbers(
        _ reader: CSVNumberReader, numbers: [String], text: [String] = [], shownPath: String? = nil
    ) throws(CommandFailure) -> CSVNumbers {
        let result: CSVNumbers
        let path = shownPath ?? reader.path
        do {
            try reader.select(numbers: numbers, text: text)
            result = try reader.readAll()
        } catch {
            throw failure(error, path: path)
        }
        guard result.rowCount > 0 else {
            let shown = path == "-" ? "standard input" : CSVError.printable(path)
            if result.droppedRows > 0 {
                throw CommandFailure(message: "\(shown): every row has a missing cell (\(result.droppedRows) dropped)")
            }
            throw CommandFailure(message: "\(shown): no data rows below the header")
        }
        return result
    }

    /// The named numeric columns of a file as a matrix, with file-named errors.
    static func columns(
        _ names: [String], path: String, options: CSVReadOptions
    ) throws(CommandFailure) -> (matrix: Matrix, dropped: Int) {
        let reader = try open(path, options: options)
        let result = try numbers(reader, numbers: names)
        return (result.matrix, result.droppedRows)
    }

    /// Quotes a CSV field when RFC 4180 requires it.
    static func field(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// The shortest text that reads back as the same double.
    static func number(_ x: Double) -> String { "\(x)" }
}

/// Runs `execute()` through ArgumentParser's own entry points.
extension ExecutableSubcommand {
    func runAndExit() throws {
        let output = execute()
        if !output.stdout.isEmpty { FileHandle.standardOutput.write(Data(output.stdout.utf8)) }
        if !output.stderr.isEmpty { FileHandle.standardError.write(Data(output.stderr.utf8)) }
        if output.exitCode != 0 { throw ExitCode(output.exitCode) }
    }
}

