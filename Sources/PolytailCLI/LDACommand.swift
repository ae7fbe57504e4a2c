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

    @Option(help: "Training CSV file (features and the label column).") var train: String
    @Option(help: "Test CSV file (the same feature columns).") var test: String
    @Option(help: "Name of the label column in the training file.") var label: String
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
        if let nu = degreesOfFreedom, !(nu.isFinite && nu > 0) { throw ValidationError("--df must be finite and > 0, got \(nu)") }
        if label.isEmpty { throw ValidationError("--label needs a column name") }
    }

    public func run() throws { try runAndExit() }

    func produce() throws(CommandFailure) -> String {
        let options = csv.readOptions
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
        let labels = (try? trainNumbers.textColumn(named: label)) ?? []
        let testReader = try CSVInput.open(test, options: options)
        for name in features where !testReader.header.contains(name) {
            throw CommandFailure(message: "\(CSVError.printable(test)): no column named \"\(CSVError.printable(name))\", a feature of the training file")
        }
        let testNumbers = try CSVInput.numbers(testReader, numbers: features)
        return try posteriorsCSV(
            trainNumbers.matrix, labels.map(ClassLabel.init), testNumbers, features: features)
    }

    func posteriorsCSV(
        _ x: Matrix, _ labels: [ClassLabel], _ test: CSVNumbers, features: [String]
    ) throws(CommandFailure) -> String {
        let familyValue: DiscriminantAnalysis<ClassLabel>.Family
        switch family {
        case .normal: familyValue = .normal
        case .t:
            if let nu = degreesOfFreedom { familyValue = .studentT(.fixed(nu)) }
            else if dfRule == .perClass { familyValue = .studentT(.estimatedPerGroup()) }
            else { familyValue = .studentT(.estimated()) }
        }
        do {
            let model = try DiscriminantAnalysis<ClassLabel>.fit(
                x, labels: labels, family: familyValue,
                scatter: covariance == .shared ? .shared : .perClass,
                priors: priors == .empirical ? .empirical : .equal)
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
