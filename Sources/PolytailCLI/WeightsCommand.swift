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
            in the log domain and is finite for every finite x; a weight too large for a \
            double is printed as the largest finite double.

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

    public init() {}

    public func validate() throws {
        guard lambda.isFinite, (0...1).contains(lambda) else { throw ValidationError("--lambda must be in [0, 1], got \(lambda)") }
        if let nu = degreesOfFreedom {
            guard family == .t else { throw ValidationError("--df applies to --family t") }
            guard nu.isFinite, nu > 0 else { throw ValidationError("--df must be finite and > 0, got \(nu)") }
        }
        if let columns, columns.split(separator: ",", omittingEmptySubsequences: false).contains(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
            throw ValidationError("--columns needs comma-separated column names, got \"\(columns)\"")
        }
    }

    public func run() throws { try runAndExit() }

    func produce() throws(CommandFailure) -> String {
        let sourceTable = try CSVInput.read(source)
        let names = columns.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } } ?? sourceTable.header
        let s = try CSVInput.columns(names, of: sourceTable, path: source)
        let t = try CSVInput.columns(names, of: CSVInput.read(target), path: target)
        let points: Matrix
        if let at { points = try CSVInput.columns(names, of: CSVInput.read(at), path: at) } else { points = s }
        let densityFamily: ImportanceWeights.Family = family == .normal ? .normal : .studentT(degreesOfFreedom.map { .fixed($0) } ?? .estimated)
        do {
            let model: ImportanceWeights
            let weights: [Double]
            if names.count == 1 {
                model = try ImportanceWeights.fit(source: s.elements, target: t.elements, family: densityFamily)
                weights = try model.weights(at: points.elements, lambda: lambda)
            } else {
                model = try ImportanceWeights.fit(source: s, target: t, family: densityFamily)
                weights = try model.weights(at: points, lambda: lambda)
            }
            var out = "weight\n"
            out.reserveCapacity(weights.count * 22)
            for w in weights { out += CSVInput.number(w.isFinite ? w : .greatestFiniteMagnitude) + "\n" }
            return out
        } catch {
            throw CommandFailure(message: describe(error, names: names))
        }
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
