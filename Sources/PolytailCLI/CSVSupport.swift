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

enum CSVInput {
    /// Reads a CSV file, turning reader errors into one-line failures that name the file.
    static func read(_ path: String) throws(CommandFailure) -> CSVTable {
        do {
            return try CSVTable.read(contentsOf: path)
        } catch {
            switch error {
            case .fileNotFound, .unreadable: throw CommandFailure(message: error.description)
            default: throw CommandFailure(message: "\(path): \(error.description)")
            }
        }
    }

    /// The named numeric columns of a table as a matrix, with file-named errors.
    static func columns(_ names: [String], of table: CSVTable, path: String) throws(CommandFailure) -> Matrix {
        do {
            let m = try table.numericColumns(names).matrix
            guard m.rows > 0 else { throw CommandFailure(message: "\(path): no data rows below the header") }
            return m
        } catch let error as CSVError {
            throw CommandFailure(message: "\(path): \(error.description)")
        } catch {
            throw error as! CommandFailure
        }
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

import ArgumentParser
