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
            must hold the same columns (others, such as the label, are ignored). Labels that \
            are all integers are sorted numerically, other labels as text. Output: a header \
            p_<label> per class in that order, then one row of posteriors per test row, \
            computed in the log domain (they sum to one and never turn NaN far from the data).

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
        let trainTable = try CSVInput.read(train)
        guard let labelIndex = trainTable.header.firstIndex(of: label) else {
            throw CommandFailure(message: "\(train): no column named \"\(label)\" (columns: \(trainTable.header.joined(separator: ", ")))")
        }
        let features = trainTable.header.filter { $0 != label }
        guard !features.isEmpty else { throw CommandFailure(message: "\(train): no feature columns besides the label \"\(label)\"") }
        let x = try CSVInput.columns(features, of: trainTable, path: train)
        var labels: [String] = []
        for (i, row) in trainTable.rows.enumerated() {
            let value = row[labelIndex].trimmingCharacters(in: .whitespaces)
            guard !value.isEmpty else {
                throw CommandFailure(message: "\(train): empty label at line \(trainTable.line(ofRow: i)), column \"\(label)\"")
            }
            labels.append(value)
        }
        let testTable = try CSVInput.read(test)
        for name in features where !testTable.header.contains(name) {
            throw CommandFailure(message: "\(test): no column named \"\(name)\", a feature of the training file")
        }
        let testX = try CSVInput.columns(features, of: testTable, path: test)

        if labels.allSatisfy({ Int($0) != nil }) {
            return try posteriorsCSV(x, labels.map { Int($0)! }, testX, features: features, name: { String($0) })
        }
        return try posteriorsCSV(x, labels, testX, features: features, name: { $0 })
    }

    func posteriorsCSV<Label: Hashable & Comparable & Sendable>(
        _ x: Matrix, _ labels: [Label], _ testX: Matrix, features: [String], name: (Label) -> String
    ) throws(CommandFailure) -> String {
        let familyValue: DiscriminantAnalysis<Label>.Family
        switch family {
        case .normal: familyValue = .normal
        case .t:
            if let nu = degreesOfFreedom { familyValue = .studentT(.fixed(nu)) }
            else if dfRule == .perClass { familyValue = .studentT(.estimatedPerGroup()) }
            else { familyValue = .studentT(.estimated()) }
        }
        do {
            let model = try DiscriminantAnalysis<Label>.fit(
                x, labels: labels, family: familyValue,
                scatter: covariance == .shared ? .shared : .perClass,
                priors: priors == .empirical ? .empirical : .equal)
            let p = try model.posteriors(testX)
            var out = model.classes.map { CSVInput.field("p_" + name($0)) }.joined(separator: ",") + "\n"
            out.reserveCapacity(p.rows * p.columns * 20)
            for i in 0..<p.rows {
                out += (0..<p.columns).map { CSVInput.number(p[i, $0]) }.joined(separator: ",")
                out += "\n"
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
