import Foundation

/// A figure script's notebook: the parameters, then numbered steps of prose, figures, tables
/// and the numbers each step computed — printed as the script runs, and written out as
/// `README.md` beside the script's other output, readable on GitHub as it is.
///
/// The numbers are also kept by key so that documentation can quote them from one place,
/// `Docs/numbers/<script>.json`: ``record(to:)`` writes that file and ``check(against:)``
/// compares a fresh run with it, each number within its own stated tolerance.
///
/// ```swift
/// var book = Notebook(script: "fig1", title: "Fig. 1: posteriors in the tails", command: "swift run fig1")
/// book.parameter("seed", "1", "random seed of the generated data")
/// book.step("Two classes on a line", "The paper draws class 0 uniformly on [−2, −1] …")
/// book.number("lda.tail", 1.0, label: "p(y₀ | x = −50)", tolerance: .absolute(1e-9))
/// try book.write(to: folder)
/// ```
public struct Notebook: Sendable {
    /// How far a fresh value may lie from the recorded one.
    public enum Tolerance: Sendable, Equatable, Codable {
        /// |fresh − recorded| ≤ bound.
        case absolute(Double)
        /// |fresh − recorded| ≤ bound · |recorded|.
        case relative(Double)

        /// Whether `fresh` is within this tolerance of `recorded` (both NaN counts as equal).
        /// - Parameters:
        ///   - fresh: the value just computed.
        ///   - recorded: the value on file.
        /// - Returns: true when they agree.
        public func accepts(_ fresh: Double, _ recorded: Double) -> Bool {
            if fresh.isNaN || recorded.isNaN { return fresh.isNaN && recorded.isNaN }
            if fresh == recorded { return true }
            switch self {
            case let .absolute(bound): return abs(fresh - recorded) <= bound
            case let .relative(bound): return abs(fresh - recorded) <= bound * abs(recorded)
            }
        }

        enum Key: String, CodingKey { case absolute, relative }

        /// Encoded as `{"absolute": b}` or `{"relative": b}`.
        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: Key.self)
            switch self {
            case let .absolute(b): try c.encode(b, forKey: .absolute)
            case let .relative(b): try c.encode(b, forKey: .relative)
            }
        }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: Key.self)
            if let b = try c.decodeIfPresent(Double.self, forKey: .absolute) {
                self = .absolute(b)
            } else {
                self = .relative(try c.decode(Double.self, forKey: .relative))
            }
            switch self {
            case let .absolute(b), let .relative(b):
                guard b.isFinite, b >= 0 else {
                    throw DecodingError.dataCorrupted(.init(codingPath: c.codingPath, debugDescription: "a tolerance must be finite and ≥ 0"))
                }
            }
        }

        var text: String {
            switch self {
            case let .absolute(b): return "± \(b)"
            case let .relative(b): return "± \(b) relative"
            }
        }
    }

    /// One recorded number.
    public struct Number: Sendable, Equatable, Codable {
        /// What the number is, in words.
        public var label: String
        public var value: Double
        public var tolerance: Tolerance
    }

    /// The file `Docs/numbers/<script>.json`.
    public struct Record: Sendable, Equatable, Codable {
        public var script: String
        /// The command line that produced the numbers.
        public var command: String
        public var numbers: [String: Number]
    }

    /// A number whose fresh value is outside its tolerance (or missing on one side).
    public struct Mismatch: Sendable, Equatable, CustomStringConvertible {
        public var key: String
        public var fresh: Double?
        public var recorded: Double?
        public var tolerance: Tolerance?
        public var description: String {
            switch (fresh, recorded) {
            case let (f?, r?): return "\(key): computed \(f), recorded \(r) (tolerance \(tolerance?.text ?? "-"))"
            case let (f?, nil): return "\(key): computed \(f), not recorded"
            case let (nil, r?): return "\(key): recorded \(r), not computed"
            default: return key
            }
        }
    }

    enum Block: Sendable {
        case prose(String)
        case number(key: String, label: String, text: String)
        case figure(file: String, caption: String)
        case table(String)
        case file(String, String)
    }

    public let script: String
    public let title: String
    public let command: String
    public private(set) var introduction = ""
    private var parameters: [(String, String, String)] = []
    private var steps: [(title: String, blocks: [Block])] = []
    public private(set) var numbers: [String: Number] = [:]
    private var keyOrder: [String] = []
    /// Print the steps and numbers on standard output as they come.
    public var echo = true

    /// - Parameters:
    ///   - script: the script's name (`fig1`), the name of its numbers file.
    ///   - title: the notebook's heading.
    ///   - command: the command line that runs the script with these parameters.
    public init(script: String, title: String, command: String) {
        self.script = script; self.title = title; self.command = command
    }

    /// A paragraph under the title, before the parameters.
    /// - Parameter text: Markdown prose.
    public mutating func introduce(_ text: String) { introduction = text }

    /// One row of the parameters table.
    /// - Parameters:
    ///   - name: the parameter (as its command-line option).
    ///   - value: its value in this run.
    ///   - meaning: what it controls.
    public mutating func parameter(_ name: String, _ value: String, _ meaning: String) {
        parameters.append((name, value, meaning))
        if echo { print("  \(name) = \(value)") }
    }

    /// Starts the next numbered step.
    /// - Parameters:
    ///   - title: the step's heading.
    ///   - prose: a few sentences: what the paper says, what we compute (Markdown).
    public mutating func step(_ title: String, _ prose: String) {
        steps.append((title, [.prose(prose)]))
        if echo { print("\n\(steps.count). \(title)") }
    }

    private mutating func add(_ block: Block) {
        if steps.isEmpty { steps.append(("", [])) }
        steps[steps.count - 1].blocks.append(block)
    }

    /// Another paragraph in the current step.
    /// - Parameter text: Markdown prose.
    public mutating func note(_ text: String) { add(.prose(text)) }

    /// Reports a number of the current step and keeps it under `key` for the numbers file.
    /// - Parameters:
    ///   - key: a stable identifier (`gaussian_lda.p0_at_minus_50`); reusing one replaces it.
    ///   - value: the number.
    ///   - label: what it is, in words.
    ///   - tolerance: how far a later run may move it before `--check` fails.
    ///   - format: a `String(format:)` pattern for the printed value (default: 6 significant digits).
    public mutating func number(_ key: String, _ value: Double, label: String, tolerance: Tolerance, format: String = "%.6g") {
        // A non-finite value (e.g. no decision boundary on a grid) is shown as "—" and not
        // kept: numbers.json never holds inf or nan.
        if value.isFinite {
            if numbers[key] == nil { keyOrder.append(key) }
            numbers[key] = Number(label: label, value: value, tolerance: tolerance)
        }
        let text = value.isFinite ? String(format: format, value) : "—"
        add(.number(key: key, label: label, text: text))
        if echo { print("   \(label): \(text)") }
    }

    /// Keeps a number for the numbers file without listing it in the notebook — for numbers a
    /// table of the same step already shows.
    /// - Parameters:
    ///   - key: a stable identifier; reusing one replaces it.
    ///   - value: the number.
    ///   - label: what it is, in words.
    ///   - tolerance: how far a later run may move it before `--check` fails.
    public mutating func keep(_ key: String, _ value: Double, label: String, tolerance: Tolerance) {
        guard value.isFinite else { return }  // numbers.json never holds inf or nan
        if numbers[key] == nil { keyOrder.append(key) }
        numbers[key] = Number(label: label, value: value, tolerance: tolerance)
    }

    /// Markdown made elsewhere (an experiment's tables) in the current step; its headings are
    /// moved two levels down so that they nest under the step's. Echoed as it is.
    /// - Parameter markdown: the text.
    public mutating func include(_ markdown: String) {
        let demoted = markdown.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            line.hasPrefix("#") ? "##" + line : String(line)
        }.joined(separator: "\n")
        add(.table(demoted.hasSuffix("\n") ? demoted : demoted + "\n"))
        if echo { print(markdown) }
    }

    /// The numbers file of a script, `Docs/numbers/<script>.json`, relative to the working
    /// directory (the package root when run by `make`).
    /// - Parameter script: the script's name.
    /// - Returns: the file's URL.
    public static func numbersFile(_ script: String) -> URL {
        URL(fileURLWithPath: "Docs/numbers/\(script).json")
    }

    /// A figure of the current step (a file in the script's output folder).
    /// - Parameters:
    ///   - file: the file name, relative to the output folder.
    ///   - caption: what it shows.
    public mutating func figure(_ file: String, caption: String) {
        add(.figure(file: file, caption: caption))
        if echo { print("   figure: \(file)") }
    }

    /// A Markdown table in the current step (not echoed: the numbers it holds are).
    /// - Parameters:
    ///   - header: the column names.
    ///   - rows: the cells, one array per row.
    public mutating func table(_ header: [String], _ rows: [[String]]) {
        var text = "| " + header.joined(separator: " | ") + " |\n|" + header.map { _ in "---|" }.joined() + "\n"
        for row in rows { text += "| " + row.joined(separator: " | ") + " |\n" }
        add(.table(text))
    }

    /// Mentions a data file of the current step.
    /// - Parameters:
    ///   - file: the file name, relative to the output folder.
    ///   - description: what it holds.
    public mutating func file(_ file: String, _ description: String) { add(.file(file, description)) }

    /// The notebook as Markdown.
    public var markdown: String {
        var md = "# \(title)\n\n"
        if !introduction.isEmpty { md += introduction + "\n\n" }
        md += "Made by `\(command)`; every number below is recomputed on each run.\n\n"
        if !parameters.isEmpty {
            md += "## Parameters\n\n| parameter | value | meaning |\n|---|---|---|\n"
            for (name, value, meaning) in parameters { md += "| `\(name)` | \(value) | \(meaning) |\n" }
            md += "\n"
        }
        for (i, step) in steps.enumerated() {
            if !step.title.isEmpty { md += "## \(i + 1). \(step.title)\n\n" }
            var inList = false
            for block in step.blocks {
                if case .number = block {} else if inList { md += "\n"; inList = false }
                switch block {
                case let .prose(text): md += text + "\n\n"
                case let .number(_, label, text): md += "- \(label): **\(text)**\n"; inList = true
                case let .figure(file, caption): md += "![\(caption)](\(file))\n\n*\(caption)*\n\n"
                case let .table(text): md += text + "\n"
                case let .file(file, description): md += "- [`\(file)`](\(file)): \(description)\n\n"
                }
            }
            if inList { md += "\n" }
        }
        return md
    }

    /// The numbers as a ``Record``.
    public var record: Record { Record(script: script, command: command, numbers: numbers) }

    /// Writes `README.md` into `folder`.
    /// - Parameter folder: the script's output folder.
    /// - Throws: the file system's error.
    public func write(to folder: URL) throws {
        try markdown.write(to: folder.appendingPathComponent("README.md"), atomically: true, encoding: .utf8)
    }

    /// Writes the numbers to `url` as sorted, pretty-printed JSON (the file the docs quote).
    /// - Parameter url: usually `Docs/numbers/<script>.json`.
    /// - Throws: the encoder's or the file system's error.
    public func record(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try (encoder.encode(record) + Data("\n".utf8)).write(to: url)
    }

    /// Reads a numbers file.
    /// - Parameter url: the file ``record(to:)`` wrote.
    /// - Returns: its contents.
    /// - Throws: the file system's error, or `DecodingError` for a file that is not a record.
    public static func readRecord(_ url: URL) throws -> Record {
        try JSONDecoder().decode(Record.self, from: Data(contentsOf: url))
    }

    /// The numbers of this run that disagree with `recorded`: outside the recorded tolerance,
    /// or present on one side only.
    /// - Parameter recorded: the numbers on file.
    /// - Returns: the mismatches, in key order; empty when every number agrees.
    public func check(against recorded: Record) -> [Mismatch] {
        var out: [Mismatch] = []
        for key in Set(numbers.keys).union(recorded.numbers.keys).sorted() {
            let fresh = numbers[key], old = recorded.numbers[key]
            if let fresh, let old, old.tolerance.accepts(fresh.value, old.value) { continue }
            out.append(Mismatch(key: key, fresh: fresh?.value, recorded: old?.value, tolerance: old?.tolerance))
        }
        return out
    }

    /// What ``finish(folder:numbersFile:check:record:)`` does with the numbers file.
    public enum NumbersMode: Sendable, Equatable {
        /// Leave it alone.
        case none
        /// Compare this run with it; mismatches are an error.
        case check
        /// Overwrite it with this run's numbers.
        case record
    }

    /// A `--check` run whose numbers moved beyond their tolerances.
    public struct CheckFailure: Error, CustomStringConvertible {
        public var file: String
        public var mismatches: [Mismatch]
        public var description: String {
            "\(mismatches.count) number(s) differ from \(file): " + mismatches.map(\.description).joined(separator: "; ")
        }
    }

    /// Ends a script: writes `README.md` and `numbers.json` into `folder`, then checks or
    /// records the numbers file.
    /// - Parameters:
    ///   - folder: the script's output folder.
    ///   - numbersFile: the numbers the docs quote (`Docs/numbers/<script>.json`).
    ///   - mode: check against it, record into it, or neither.
    /// - Throws: ``CheckFailure`` when checking finds a number outside its tolerance; the file
    ///   system's or the decoder's error when a file cannot be written or read.
    public func finish(folder: URL, numbersFile: URL, mode: NumbersMode) throws {
        try write(to: folder)
        try record(to: folder.appendingPathComponent("numbers.json"))
        switch mode {
        case .none: break
        case .record: try record(to: numbersFile)
        case .check:
            let mismatches = check(against: try Notebook.readRecord(numbersFile))
            guard mismatches.isEmpty else { throw CheckFailure(file: numbersFile.path, mismatches: mismatches) }
            if echo { print("\ncheck: all \(numbers.count) numbers agree with \(numbersFile.path) within their tolerances") }
        }
    }
}
