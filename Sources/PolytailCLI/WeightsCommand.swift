import ArgumentParser
import Foundation
import Polytail

/// `polytail weights`: importance weights w = (p_t(x)/p_s(x))^λ (Wang & Loog 2022, Eq. 15)
/// with normal or Student-t densities fitted to a source and a target sample.
public struct WeightsCommand: ParsableCommand, ExecutableSubcommand {
    public static let configuration = CommandConfiguration(
        commandName: "weights",
        abstract: "Importance weights (p_t(x)/p_s(x))^λ from normal or Student-t fits; prints CSV.",
        discussion: """
            p_s and p_t are fitted by maximum likelihood to the --columns of the source and \
            target files (all source columns by default; univariate or multivariate). The \
            weights are evaluated at the rows of --at (default: the source rows) and printed \
            as CSV with the header `weight`, one row per evaluated row. The ratio is computed \
            in the log domain; a weight beyond the double range (or NaN) is an error (exit 1), \
            never a clamped value.

            With --family t the two densities share one ν: --df NU holds it fixed, otherwise \
            it is estimated jointly from both samples (a common ν keeps the weights of far \
            points bounded; with different ν they grow polynomially). Gaussian-looking data \
            drive the ML ν to infinity, where the t weights equal the normal ones: use a \
            fixed moderate ν (e.g. 3) to keep the protection (see Docs/covariate-shift.md).
            """)

    public enum Family: String, ExpressibleByArgument, CaseIterable { case normal, t }

    @Option(help: "Source sample CSV.") var source: String
    @Option(help: "Target sample CSV.") var target: String
    @Option(help: ArgumentHelp("Comma-separated column names (default: every source column).", valueName: "x,...")) var columns: String?
    @Option(help: "Density family: normal or t.") var family: Family = .t
    @Option(name: .customLong("df"), parsing: .unconditional,
            help: ArgumentHelp("Hold the common ν of both t densities fixed.", valueName: "nu"))
    var degreesOfFreedom: Double?
    @Option(name: .customLong("lambda"), parsing: .unconditional, help: "Flattening power λ ∈ [0, 1].") var lambda: Double = 1
    @Option(help: "CSV whose rows are the points to weigh (default: the source rows).") var at: String?
    @OptionGroup var csv: CSVOptions

    public init() {}

    public func validate() throws {
        guard lambda.isFinite, (0...1).contains(lambda) else { throw ValidationError("--lambda must be in [0, 1], got \(lambda)") }
        if let nu = degreesOfFreedom {
            guard family == .t else { throw ValidationError("--df applies to --family t") }
            guard nu.isFinite, nu >= StudentT.minimumDegreesOfFreedom else { throw ValidationError("--df must be finite and ≥ \(StudentT.minimumDegreesOfFreedom), got \(nu)") }
        }
        if let columns, columns.split(separator: ",", omittingEmptySubsequences: false).contains(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
            throw ValidationError("--columns needs comma-separated column names, got \"\(columns)\"")
        }
    }

    public func run() throws { try runAndExit() }

    func produce() throws(CommandFailure) -> String {
        let options = csv.readOptions
        let sourceReader = try CSVInput.open(source, options: options)
        let names = columns.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } } ?? sourceReader.header
        let sourceNumbers = try CSVInput.numbers(sourceReader, numbers: names)
        let s = sourceNumbers.matrix
        let t = try CSVInput.numbers(CSVInput.open(target, options: options), numbers: names).matrix
        let pointNumbers = try at.map { (path) throws(CommandFailure) -> CSVNumbers in
            try CSVInput.numbers(CSVInput.open(path, options: options), numbers: names)
        } ?? sourceNumbers
        let points = pointNumbers.matrix
        let densityFamily: ImportanceWeights.Family = family == .normal ? .normal : .studentT(degreesOfFreedom.map { .fixed($0) } ?? .estimated)
        // The log-weights, exponentiated here: the library's `weights` clamps an overflowing
        // weight to the largest double, which must not be printed as a result.
        let logWeights: [Double]
        do {
            let model: ImportanceWeights
            if names.count == 1 {
                model = try ImportanceWeights.fit(source: s.elements, target: t.elements, family: densityFamily).model
                logWeights = try model.logWeights(points.elements, lambda: lambda)
            } else {
                model = try ImportanceWeights.fit(source: s, target: t, family: densityFamily).model
                logWeights = try model.logWeights(points, lambda: lambda)
            }
        } catch {
            // The fit and the log-weights throw only PolytailError (typed throws).
            throw CommandFailure(message: describe(error, names: names))
        }
        // With --missing drop, a leading `line` column ties each weight to its file line.
        let withLines = csv.missing == .drop
        var out = withLines ? "line,weight\n" : "weight\n"
        out.reserveCapacity(logWeights.count * 22)
        let shownAt = CSVError.printable(at ?? source)
        for (i, l) in logWeights.enumerated() {
            // Never a clamped or NaN weight on a success exit.
            let w = exp(l)
            guard w.isFinite else {
                let what = w.isNaN ? "is not a number (the densities cannot be evaluated there)" : "exceeds the double range"
                throw CommandFailure(message: "\(shownAt): the weight at line \(pointNumbers.line(ofRow: i)) \(what)")
            }
            if withLines { out += "\(pointNumbers.line(ofRow: i))," }
            out += CSVInput.number(w) + "\n"
        }
        return out
    }

    func describe(_ error: PolytailError, names: [String]) -> String {
        func column(_ c: Int?) -> String { c.flatMap { names.indices.contains($0) ? names[$0] : nil } ?? names.first ?? "?" }
        switch error {
        case let .nonFiniteValue(row, c):
            return "non-finite value at data row \(row + 1), column \"\(column(c))\""
        case let .constantData(c):
            return "column \"\(column(c))\" is constant in the source or the target sample"
        case let .tooFewObservations(needed, got):
            return "too few rows in the source or the target sample: need at least \(needed), got \(got)"
        default:
            return "the weights could not be computed: \(error.description)"
        }
    }
}
