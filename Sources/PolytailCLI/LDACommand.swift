import ArgumentParser
import Foundation
import Polytail

/// `polytail lda`: discriminant analysis with normal or Student-t class conditionals,
/// trained on one CSV file and evaluated on another; prints the posteriors as CSV.
public struct LDACommand: ParsableCommand, ExecutableSubcommand {
    public static let configuration = CommandConfiguration(
        commandName: "lda",
        abstract: "Discriminant analysis (normal or Student-t class conditionals); prints test posteriors as CSV.",
        discussion: """
            The features are the training file's columns other than --label; the test file \
            must hold the same columns (others, such as the label, are ignored). Distinct label \
            texts are distinct classes (1, 01 and +1 are three). Labels that read as numbers \
            sort numerically (2 before 10), other labels after them as text. Output: a header \
            p_<label> per class in that order and `predicted`, then per test row the posteriors, \
            computed in the log domain (they sum to one and never turn NaN far from the data), \
            and the label of the largest posterior.

            --family t with equal degrees of freedom in every class (--df NU or --df-rule tied, \
            the default) makes the posteriors tend to the priors far from the data; per-class \
            ν let the heaviest-tailed class take the tails.
            """)

    public enum Family: String, ExpressibleByArgument, CaseIterable { case normal, t }
    public enum DFRule: String, ExpressibleByArgument, CaseIterable { case tied, perClass = "per-class" }
    public enum CovarianceOption: String, ExpressibleByArgument, CaseIterable { case shared, perClass = "per-class" }
    public enum PriorsOption: String, ExpressibleByArgument, CaseIterable { case empirical, equal }

    @Option(help: "Training CSV file (features and the label column).") var train: String?
    @Option(help: "Test CSV file (the same feature columns).") var test: String
    @Option(help: "Name of the label column in the training file.") var label: String?
    @Option(name: .customLong("save-model"), help: ArgumentHelp("Write the fitted model (JSON) to this file.", valueName: "file"))
    var saveModel: String?
    @Option(help: ArgumentHelp("Apply a model saved by --save-model instead of fitting (no --train, --label or fit options).", valueName: "file"))
    var model: String?
    @Option(help: ArgumentHelp("Write a JSON report (class labels, priors, ν per class, dfAtBound, counts) to this file.", valueName: "file"))
    var report: String?
    @Option(help: "Class conditionals: normal or t.") var family: Family = .normal
    @Option(name: .customLong("df"), parsing: .unconditional,
            help: ArgumentHelp("Hold ν fixed, the same in every class (t only).", valueName: "nu"))
    var degreesOfFreedom: Double?
    @Option(name: .customLong("df-rule"), help: "Estimate ν tied across classes or per class (t only; default tied).")
    var dfRule: DFRule?
    @Option(help: "Covariance (scatter) shared across classes (LDA) or per class (QDA).") var covariance: CovarianceOption = .shared
    @Option(help: "Priors: empirical class frequencies or equal.") var priors: PriorsOption = .empirical
    @OptionGroup var csv: CSVOptions

    public init() {}

    public func validate() throws {
        if family == .normal, degreesOfFreedom != nil || dfRule != nil {
            throw ValidationError("--df and --df-rule apply to --family t")
        }
        if degreesOfFreedom != nil, dfRule != nil { throw ValidationError("--df and --df-rule cannot be used together") }
        if let nu = degreesOfFreedom, !(nu.isFinite && nu >= StudentT.minimumDegreesOfFreedom) { throw ValidationError("--df must be finite and ≥ \(StudentT.minimumDegreesOfFreedom), got \(nu)") }
        if model != nil {
            guard train == nil, label == nil, saveModel == nil else {
                throw ValidationError("--model applies a saved model: it cannot be used with --train, --label or --save-model")
            }
            guard family == .normal, degreesOfFreedom == nil, dfRule == nil, covariance == .shared, priors == .empirical else {
                throw ValidationError("--model applies a saved model: the fit options (--family, --df, --df-rule, --covariance, --priors) belong to the fit")
            }
        } else {
            guard train != nil else { throw ValidationError("--train is required (or --model to apply a saved model)") }
            guard let label, !label.isEmpty else { throw ValidationError("--label needs a column name") }
        }
        if test == "-", train == "-" { throw ValidationError("--train and --test cannot both read standard input") }
    }

    /// The file `--save-model` writes and `--model` reads: the feature columns, the label
    /// column's name, the fitted analysis and its fit result. Version 2 keeps the result beside
    /// the model; version 1 (read too) kept it inside.
    struct ModelFile: Codable {
        var format = "polytail-lda"
        var version = 2
        var features: [String]
        var label: String
        /// How ν was chosen: "fixed", "tied" or "per-class" (nil for the normal family).
        var dfRule: String?
        var model: DiscriminantAnalysis<ClassLabel>
        var result: FitResult

        init(features: [String], label: String, dfRule: String?, fitted: Fitted<DiscriminantAnalysis<ClassLabel>>) {
            self.features = features
            self.label = label
            self.dfRule = dfRule
            self.model = fitted.model
            self.result = fitted.result
        }

        private enum VersionOneKeys: String, CodingKey { case result }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let version = try c.decode(Int.self, forKey: .version)
            guard try c.decode(String.self, forKey: .format) == "polytail-lda", version == 1 || version == 2 else {
                throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "not a polytail-lda model of version 1 or 2"))
            }
            features = try c.decode([String].self, forKey: .features)
            label = try c.decode(String.self, forKey: .label)
            dfRule = try c.decodeIfPresent(String.self, forKey: .dfRule)
            guard dfRule.map({ ["fixed", "tied", "per-class"].contains($0) }) ?? true else {
                throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "dfRule must be fixed, tied or per-class"))
            }
            // The library's decoding of the fit checks that the result belongs to the model
            // (one group result per class, ...); version 1 kept the result inside the model.
            let fitted: Fitted<DiscriminantAnalysis<ClassLabel>>
            if version == 1 {
                let model = try c.decode(DiscriminantAnalysis<ClassLabel>.self, forKey: .model)
                let result = try c.nestedContainer(keyedBy: VersionOneKeys.self, forKey: .model).decode(FitResult.self, forKey: .result)
                do { fitted = try Fitted(checking: model, result: result) } catch {
                    throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: error.description, underlyingError: error))
                }
            } else {
                fitted = try Fitted(from: decoder)
            }
            (model, result) = (fitted.model, fitted.result)
            guard !features.isEmpty, Set(features).count == features.count, model.dimension == features.count else {
                throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "the feature names do not match the model's dimension"))
            }
        }
    }

    /// Reads a saved model; a missing file or corrupt JSON is one line.
    static func loadModel(_ path: String) throws(CommandFailure) -> ModelFile {
        let shown = CSVError.printable(path)
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw CommandFailure(message: "cannot read the model \(shown): \(FileManager.default.fileExists(atPath: path) ? "unreadable" : "no such file")")
        }
        do {
            return try JSONDecoder().decode(ModelFile.self, from: data)
        } catch let DecodingError.dataCorrupted(context) {
            throw CommandFailure(message: "\(shown): not a valid polytail lda model: \(CSVError.printable(context.debugDescription))")
        } catch let DecodingError.keyNotFound(key, _) {
            throw CommandFailure(message: "\(shown): not a valid polytail lda model: no \"\(key.stringValue)\"")
        } catch let DecodingError.typeMismatch(_, context) {
            throw CommandFailure(message: "\(shown): not a valid polytail lda model: wrong type at \(context.codingPath.map(\.stringValue).joined(separator: "."))")
        } catch {
            throw CommandFailure(message: "\(shown): not a valid polytail lda model")
        }
    }

    /// Writes `data` to `path`, as one line on failure.
    static func write(_ data: Data, to path: String, what: String) throws(CommandFailure) {
        do { try data.write(to: URL(fileURLWithPath: path)) } catch {
            throw CommandFailure(message: "cannot write the \(what) to \(CSVError.printable(path))")
        }
    }

    public func run() throws { try runAndExit() }

    func produce() throws(CommandFailure) -> String {
        let options = csv.readOptions
        let fitted: ModelFile
        var trainDropped: Int? = nil
        if let model {
            fitted = try LDACommand.loadModel(model)
        } else {
            let train = self.train ?? "", label = self.label ?? ""
            let trainReader = try CSVInput.open(train, options: options)
            guard trainReader.header.contains(label) else {
                let columns = trainReader.header.map(CSVError.printable).joined(separator: ", ")
                throw CommandFailure(message: "\(CSVError.printable(train)): no column named \"\(CSVError.printable(label))\" (columns: \(columns))")
            }
            let features = trainReader.header.filter { $0 != label }
            guard !features.isEmpty else {
                throw CommandFailure(message: "\(CSVError.printable(train)): no feature columns besides the label \"\(CSVError.printable(label))\"")
            }
            let trainNumbers = try CSVInput.numbers(trainReader, numbers: features, text: [label])
            trainDropped = trainNumbers.droppedRows
            let labels = ((try? trainNumbers.textColumn(named: label)) ?? []).map(ClassLabel.init)
            let rule: String? = family == .normal ? nil : degreesOfFreedom != nil ? "fixed" : dfRule == .perClass ? "per-class" : "tied"
            fitted = ModelFile(features: features, label: label, dfRule: rule, fitted: try fit(trainNumbers.matrix, labels, features: features))
            if let saveModel {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                let data: Data
                do { data = try encoder.encode(fitted) } catch {
                    throw CommandFailure(message: "the model cannot be written as JSON: \(error)")
                }
                try LDACommand.write(data, to: saveModel, what: "model")
            }
        }
        let testReader = try CSVInput.open(test, options: options)
        for name in fitted.features where !testReader.header.contains(name) {
            throw CommandFailure(message: "\(CSVError.printable(test)): no column named \"\(CSVError.printable(name))\", a feature of the \(model == nil ? "training file" : "model")")
        }
        let testNumbers = try CSVInput.numbers(testReader, numbers: fitted.features)
        if let report {
            try LDACommand.write(Data((reportJSON(fitted, trainDropped: trainDropped, testDropped: testNumbers.droppedRows).rendered + "\n").utf8),
                                 to: report, what: "report")
        }
        return try posteriorsCSV(fitted.model, testNumbers, features: fitted.features)
    }

    /// The fitted analysis.
    func fit(_ x: Matrix, _ labels: [ClassLabel], features: [String]) throws(CommandFailure) -> Fitted<DiscriminantAnalysis<ClassLabel>> {
        let familyValue: DiscriminantAnalysis<ClassLabel>.Family
        switch family {
        case .normal: familyValue = .normal
        case .t:
            if let nu = degreesOfFreedom { familyValue = .studentT(.fixed(nu)) }
            else if dfRule == .perClass { familyValue = .studentT(.estimatedPerGroup()) }
            else { familyValue = .studentT(.estimated()) }
        }
        do {
            return try DiscriminantAnalysis<ClassLabel>.fit(
                x, labels: labels, family: familyValue,
                scatter: covariance == .shared ? .shared : .perClass,
                priors: priors == .empirical ? .empirical : .equal)
        } catch {
            throw CommandFailure(message: describe(error, features: features))
        }
    }

    /// The `--report` JSON: class labels, priors, training counts, ν per class and how it was
    /// chosen (fixed, tied, per-class), dfAtBound overall and per class, the features and
    /// dropped rows.
    func reportJSON(_ fitted: ModelFile, trainDropped: Int?, testDropped: Int) -> JSONValue {
        let m = fitted.model, result = fitted.result
        let nus = m.conditionals.map(\.degreesOfFreedom)
        var members: [(String, JSONValue)] = [
            ("family", .string(nus.contains { $0 != nil } ? "t" : "normal")),
            ("features", .array(fitted.features.map { .string($0) })),
            ("label", .string(fitted.label)),
            ("classLabels", .array(m.classLabels.map { .string($0.text) })),
            ("priors", .array(m.priors.map { .number($0) })),
            ("classCounts", .array((result.groupResults ?? []).map { .int($0.observationCount) })),
        ]
        if nus.allSatisfy({ $0 != nil }) {
            let values = nus.map { $0! }
            members.append(("df", .array(values.map { .number($0) })))
            members.append(("dfRule", fitted.dfRule.map { .string($0) } ?? .null))
            members.append(("dfAtBound", .bool(result.dfAtBound)))
            members.append(("dfAtBoundPerClass", .array((result.groupResults ?? []).map { .bool($0.dfAtBound) })))
        } else {
            members.append(("df", .null))
        }
        members.append(("logLikelihood", .number(result.logLikelihood)))
        if let trainDropped { members.append(("trainDroppedRows", .int(trainDropped))) }
        members.append(("testDroppedRows", .int(testDropped)))
        return .object(members)
    }

    func posteriorsCSV(
        _ model: DiscriminantAnalysis<ClassLabel>, _ test: CSVNumbers, features: [String]
    ) throws(CommandFailure) -> String {
        do {
            let testX = test.matrix
            let p = try model.posteriors(testX)
            let predicted = try model.predict(testX)
            // With --missing drop, a leading `line` column ties each row to its file line.
            let withLines = csv.missing == .drop
            var columns = model.classLabels.map { CSVInput.field("p_" + $0.text) } + ["predicted"]
            if withLines { columns.insert("line", at: 0) }
            var out = columns.joined(separator: ",") + "\n"
            out.reserveCapacity(p.rows * (p.columns + 1) * 20)
            for i in 0..<p.rows {
                if withLines { out += "\(test.line(ofRow: i))," }
                out += (0..<p.columns).map { CSVInput.number(p[i, $0]) }.joined(separator: ",")
                out += "," + CSVInput.field(predicted[i].text) + "\n"
            }
            return out
        } catch {
            throw CommandFailure(message: describe(error, features: features))
        }
    }

    /// Library errors with rows and columns turned into the files' lines and column names.
    func describe(_ error: PolytailError, features: [String]) -> String {
        let train = CSVError.printable(self.train ?? model ?? test)
        switch error {
        case let .nonFiniteValue(row, column):
            let c = column.flatMap { features.indices.contains($0) ? features[$0] : nil } ?? "?"
            return "non-finite value at data row \(row + 1), column \"\(c)\""
        case let .constantData(column):
            let c = column.flatMap { features.indices.contains($0) ? features[$0] : nil } ?? "?"
            return "\(train): column \"\(c)\" is constant"
        default:
            return "\(train): the discriminant fit failed: \(error.description)"
        }
    }
}

/// A class label read from a CSV cell: distinct texts are distinct classes (`1`, `01`, `+1`
/// are three classes; so are `-0` and `0`). Labels that read as numbers sort numerically
/// (2 before 10), equal values by their text; other labels sort after them, by their text
/// (lexicographically, by Unicode scalars).
public struct ClassLabel: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The cell text (trimmed of spaces and tabs).
    public let text: String
    /// Its value when the text is a finite number.
    let value: Double?

    public init(_ text: String) {
        self.text = text
        let v = CSVTable.number(text)
        value = v.flatMap { $0.isFinite ? $0 : nil }
    }

    public init(from decoder: any Decoder) throws {
        self.init(try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }

    public var description: String { text }

    public static func == (a: ClassLabel, b: ClassLabel) -> Bool { a.text == b.text }
    public func hash(into hasher: inout Hasher) { hasher.combine(text) }

    public static func < (a: ClassLabel, b: ClassLabel) -> Bool {
        switch (a.value, b.value) {
        case let (x?, y?): return x != y ? x < y : a.text.unicodeScalars.lexicographicallyPrecedes(b.text.unicodeScalars)
        case (.some, nil): return true
        case (nil, .some): return false
        case (nil, nil): return a.text.unicodeScalars.lexicographicallyPrecedes(b.text.unicodeScalars)
        }
    }
}
