import ArgumentParser
import Foundation
import Polytail

// Hot loop (documented raw-pointer use): splitting the weights column off the row-major block
// of numbers reads it through a buffer pointer (10⁶ rows in the command-line benchmark of
// Docs/performance.md).

/// The distribution families `polytail fit` knows.
public enum FitFamily: String, CaseIterable, ExpressibleByArgument, Sendable {
    case t
    case normal
    case noncentralT = "noncentral-t"

    /// Whether the family has degrees of freedom.
    var hasDegreesOfFreedom: Bool { self != .normal }
}

/// `polytail fit FILE.csv`: a maximum-likelihood fit of columns of a CSV file, printed
/// as one JSON object.
public struct FitCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "fit",
        abstract: "Fit a distribution to columns of a CSV file and print it as JSON.",
        discussion: """
            One data column fits a univariate model; several fit the multivariate normal \
            or t (noncentral-t is univariate only). Without --columns every column except \
            the --weights column is data. Weights are frequencies (non-negative, not all zero).

            Output: one JSON object. Univariate keys: family, n, location, scale (the normal's \
            ML standard deviation, dividing by n), df (t, noncentral-t; the string "Infinity" \
            when the t fit is its normal limit), noncentrality (noncentral-t), logLikelihood, \
            converged, iterations, dfAtBound (t, noncentral-t), standardErrors (by the same \
            keys), standardErrorsOmitted (only when standardErrors is empty: notConverged, \
            singularInformation, tooManyParameters or outsideDoubleRange), aic, bic, tailTest \
            (t with df estimated: statistic, pValue, normalLogLikelihood of the \
            likelihood-ratio test against the normal). Multivariate keys: family, n, \
            dimension, location, scatter (the covariance for the normal), df (t), \
            logLikelihood, converged, iterations, dfAtBound (t), standardErrors, \
            standardErrorsOmitted, aic, bic, tailTest (t). n counts rows. No number is NaN or \
            infinite.

            Errors are one line on stderr; the exit code is 1 for bad data and 2 for a bad \
            command line.
            """)

    @Argument(help: "A CSV file (RFC 4180, UTF-8) whose first line names the columns; '-' reads standard input.")
    var file: String

    @Option(help: "The family: t, normal or noncentral-t.")
    var family: FitFamily = .t

    @Option(name: .customLong("df"), parsing: .unconditional,
            help: ArgumentHelp("Hold the degrees of freedom ν fixed (t and noncentral-t).", valueName: "nu"))
    var degreesOfFreedom: Double?

    @Option(name: .customLong("max-df"), parsing: .unconditional,
            help: ArgumentHelp("Upper bound of the estimated ν (default: none; light tails give df \"Infinity\" for t).", valueName: "nu"))
    var maximumDegreesOfFreedom: Double?

    @Option(help: ArgumentHelp("Comma-separated names of the data columns.", valueName: "a,b,..."))
    var columns: String?

    @Option(help: ArgumentHelp("A column of per-row non-negative weights.", valueName: "column"))
    var weights: String?

    @Flag(help: "Fit by passes over the file in bounded memory: the normal (any number of columns, one pass) and the t (one column, one pass per Newton step; standard input is first copied to a temporary file). Automatic for files larger than a quarter of the memory.")
    var stream = false

    @OptionGroup var csv: CSVOptions

    /// ν fixed by --df, or estimated up to --max-df.
    var degreesOfFreedomRule: DegreesOfFreedomRule {
        if let nu = degreesOfFreedom { return .fixed(nu) }
        if let maximum = maximumDegreesOfFreedom { return .estimated(minimum: StudentT.defaultMinimumDF, maximum: maximum) }
        return .estimated
    }

    /// The file as messages name it.
    var shownFile: String { file == "-" ? "standard input" : CSVError.printable(file) }

    public init() {}

    public func validate() throws {
        if let nu = degreesOfFreedom {
            guard family.hasDegreesOfFreedom else {
                throw ValidationError("--df applies to the t and noncentral-t families, not \(family.rawValue)")
            }
            guard nu.isFinite, nu >= StudentT.minimumDegreesOfFreedom else { throw ValidationError("--df must be finite and ≥ \(StudentT.minimumDegreesOfFreedom), got \(nu)") }
            if family == .noncentralT, nu < NoncentralT.minimumDegreesOfFreedom || nu > NoncentralT.maximumDegreesOfFreedom {
                throw ValidationError("--df for the noncentral-t family must be in [\(NoncentralT.minimumDegreesOfFreedom), \(NoncentralT.maximumDegreesOfFreedom)] (the range it is evaluated for), got \(nu)")
            }
            guard maximumDegreesOfFreedom == nil else {
                throw ValidationError("--df and --max-df cannot be used together")
            }
        }
        if let maximum = maximumDegreesOfFreedom {
            guard family.hasDegreesOfFreedom else {
                throw ValidationError("--max-df applies to the t and noncentral-t families, not \(family.rawValue)")
            }
            guard maximum.isFinite, maximum > StudentT.defaultMinimumDF else {
                throw ValidationError("--max-df must be finite and > \(StudentT.defaultMinimumDF), got \(maximum)")
            }
        }
        if let columns {
            let names = FitCommand.split(columns)
            guard !names.isEmpty, !names.contains(where: \.isEmpty) else {
                throw ValidationError("--columns needs comma-separated column names, got \"\(columns)\"")
            }
            if let weights, names.contains(weights) {
                throw ValidationError("column \"\(weights)\" cannot be both a data column and the --weights column")
            }
        }
        if let weights, weights.isEmpty { throw ValidationError("--weights needs a column name") }
        if stream, family == .noncentralT {
            throw ValidationError("--stream fits the normal and t families (their statistics add up over blocks), not noncentral-t")
        }
    }

    /// When run through ArgumentParser's own entry points.
    public func run() throws {
        let output = execute()
        if !output.stdout.isEmpty { FileHandle.standardOutput.write(Data(output.stdout.utf8)) }
        if !output.stderr.isEmpty { FileHandle.standardError.write(Data(output.stderr.utf8)) }
        if output.exitCode != 0 { throw ExitCode(output.exitCode) }
    }

    /// Progress of a noncentral-t fit, written straight to stderr once the fit has run for
    /// two seconds (quick fits stay silent; the result still goes to stdout).
    static func noncentralTProgress() -> (NoncentralT.FitProgress) -> Void {
        let start = Date()
        return { p in
            // Only on a terminal: a caller capturing stderr sees it empty on success and one
            // line on failure, as the contract says.
            guard isatty(2) != 0, Date().timeIntervalSince(start) >= 2 else { return }
            let line: String
            switch p.stage {
            case .exactLogLikelihood:
                line = "noncentral-t fit: exact log-likelihood over \(p.observationCount) observations …"
            case .subsample, .allObservations:
                let rows = p.stage == .subsample ? "a subsample of \(p.observationCount)" : "\(p.observationCount)"
                line = "noncentral-t fit: Newton iteration \(p.iteration) on \(rows) observations, log-likelihood \(String(format: "%.6f", p.logLikelihood))"
            }
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
    }

    static func split(_ list: String) -> [String] {
        list.split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
    }

    // MARK: Execution

    /// A failure to report: one line and an exit code.
    struct Failure: Error {
        var message: String
        var exitCode: Int32 = PolytailExitCode.dataError
    }

    /// Reads, fits and renders; never traps.
    func execute() -> (stdout: String, stderr: String, exitCode: Int32) {
        do {
            let json = try fitAndRender()
            return (json.rendered + "\n", "", PolytailExitCode.success)
        } catch {
            return ("", "error: \(oneLine(error.message))\n", error.exitCode)
        }
    }

    func fitAndRender() throws(Failure) -> JSONValue {
        let options = csv.readOptions
        // The t by passes reads its input once per Newton step: standard input is copied to
        // a temporary file first (removed when the fit is done).
        var spooled: String? = nil
        if stream, file == "-", family == .t { spooled = try FitCommand.spoolStandardInput() }
        defer { if let spooled { unlink(spooled) } }
        let source = spooled ?? file
        let reader: CSVNumberReader
        do {
            reader = try CSVNumberReader(path: source, options: options)
        } catch {
            throw Failure(message: CSVInput.failure(error, path: file).message)
        }
        let header = reader.header

        // The data columns.
        let names: [String]
        if let columns {
            names = FitCommand.split(columns)
        } else {
            names = header.filter { $0 != weights }
            guard !names.isEmpty else {
                throw Failure(message: "\(shownFile): no data columns besides the weights column \"\(weights ?? "")\"")
            }
        }
        if family == .noncentralT, names.count > 1 {
            throw Failure(
                message: "the noncentral-t family is univariate: choose one column with --columns (\(names.count) data columns: \(names.joined(separator: ", ")))",
                exitCode: PolytailExitCode.usageError)
        }

        // Weights first: an unknown weights column is reported before bad data cells.
        if let weights, !header.contains(weights) {
            throw Failure(message: CSVInput.failure(.unknownColumn(name: weights, available: header), path: file).message)
        }
        let rule = degreesOfFreedomRule

        // Bounded memory: passes over the file.
        if shouldStream(columns: names.count) {
            if let unknown = names.first(where: { !header.contains($0) }) {
                throw Failure(message: CSVInput.failure(.unknownColumn(name: unknown, available: header), path: file).message)
            }
            let streamed = try streamFit(reader, source: source, columns: names, rule: rule)
            let json: JSONValue
            do {
                if let fit = streamed.multivariateNormal {
                    json = try fitMultivariate(
                        Matrix(rows: 1, columns: names.count, elements: Array(repeating: 0, count: names.count)),
                        weights: nil, rule: rule, rows: streamed.rows, streamed: fit)
                } else {
                    json = try fitUnivariate([], weights: nil, rule: rule, rows: streamed.rows, streamed: streamed)
                }
            } catch {
                throw Failure(message: "\(shownFile): \(error.description)")
            }
            guard case var .object(members) = json else { return json }
            members.append(("passes", .int(streamed.passes)))
            if csv.missing == .drop { members.append(("droppedRows", .int(streamed.dropped))) }
            return .object(members)
        }
        let numbers: CSVNumbers
        do {
            numbers = try CSVInput.numbers(reader, numbers: names + (weights.map { [$0] } ?? []), shownPath: file)
        } catch {
            throw Failure(message: error.message)
        }
        let context = FitContext(file: shownFile, lines: numbers, weightsColumn: weights)
        var weightValues: [Double]? = nil
        let data: Matrix
        if let weights {
            // Split the weights column off the row-major block.
            weightValues = (try? numbers.column(named: weights)) ?? []
            let k = names.count, width = k + 1
            var elements = [Double](repeating: 0, count: numbers.rowCount * k)
            numbers.values.withUnsafeBufferPointer { v in
                for i in 0..<numbers.rowCount { for j in 0..<k { elements[i * k + j] = v[i * width + j] } }
            }
            do {
                data = try Matrix(rows: numbers.rowCount, columns: k, elements: elements)
            } catch {
                throw Failure(message: context.describe(error, columns: names, family: family))
            }
        } else {
            data = numbers.matrix
        }


        let json: JSONValue
        do {
            if names.count == 1 {
                json = try fitUnivariate(data.elements, weights: weightValues, rule: rule)
            } else {
                json = try fitMultivariate(data, weights: weightValues, rule: rule)
            }
        } catch {
            throw Failure(message: context.describe(error, columns: names, family: family))
        }
        // With --missing drop, say how many rows were left out.
        guard csv.missing == .drop, case let .object(members) = json else { return json }
        return .object(members + [("droppedRows", .int(numbers.droppedRows))])
    }

    /// The univariate fit as JSON; `streamed` gives a fit already made by passes over the
    /// file (then `x` is empty and `rows` counts the rows).
    func fitUnivariate(
        _ x: [Double], weights w: [Double]?, rule: DegreesOfFreedomRule,
        rows: Int? = nil, streamed: StreamedFit? = nil
    ) throws(PolytailError) -> JSONValue {
        var members: [(String, JSONValue)] = [("family", .string(family.rawValue)), ("n", .int(rows ?? x.count))]
        let result: FitResult
        switch family {
        case .normal:
            let fit: Fitted<Normal>
            if let given = streamed?.normal { fit = given } else { fit = try Normal.fit(x, weights: w) }
            members += [
                ("location", .number(fit.model.mean)),
                ("scale", .number(fit.model.standardDeviation)),
            ]
            result = fit.result
        case .t:
            let fit: Fitted<StudentT>
            if let given = streamed?.t { fit = given } else { fit = try StudentT.fit(x, weights: w, degreesOfFreedom: rule) }
            members += [
                ("location", .number(fit.model.location)),
                ("scale", .number(fit.model.scale)),
                ("df", FitCommand.degreesOfFreedom(fit.model.degreesOfFreedom)),
            ]
            result = fit.result
        case .noncentralT:
            let fit = try NoncentralT.fit(x, weights: w, degreesOfFreedom: rule, progress: FitCommand.noncentralTProgress())
            members += [
                ("location", .number(fit.model.location)),
                ("scale", .number(fit.model.scale)),
                ("df", FitCommand.degreesOfFreedom(fit.model.degreesOfFreedom)),
                ("noncentrality", .number(fit.model.noncentrality)),
            ]
            result = fit.result
        }
        members += report(result, dimension: nil)
        return .object(members)
    }

    /// The multivariate fit as JSON; `streamed` gives a normal fit already made by a pass
    /// over the file (then `x` only gives the dimension and `rows` counts the rows).
    func fitMultivariate(
        _ x: Matrix, weights w: [Double]?, rule: DegreesOfFreedomRule,
        rows: Int? = nil, streamed: Fitted<MultivariateNormal>? = nil
    ) throws(PolytailError) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("family", .string(family.rawValue)), ("n", .int(rows ?? x.rows)), ("dimension", .int(x.columns)),
        ]
        let result: FitResult
        switch family {
        case .normal:
            let fit: Fitted<MultivariateNormal>
            if let streamed { fit = streamed } else { fit = try MultivariateNormal.fit(x, weights: w) }
            members += [
                ("location", .array(fit.model.mean.map { .number($0) })),
                ("scatter", FitCommand.rows(fit.model.covariance)),
            ]
            result = fit.result
        case .t:
            let fit = try MultivariateT.fit(x, weights: w, degreesOfFreedom: rule)
            members += [
                ("location", .array(fit.model.location.map { .number($0) })),
                ("scatter", FitCommand.rows(fit.model.scatter)),
                ("df", FitCommand.degreesOfFreedom(fit.model.degreesOfFreedom)),
            ]
            result = fit.result
        case .noncentralT:
            // Rejected before reading the data; kept exhaustive without trapping.
            throw .dimensionMismatch(what: "noncentral-t data columns", expected: 1, got: x.columns)
        }
        members += report(result, dimension: x.columns)
        return .object(members)
    }

    /// ν as JSON: a number, or the string "Infinity" for the normal limit ν = ∞ (JSON has no
    /// infinite number).
    static func degreesOfFreedom(_ nu: Double) -> JSONValue {
        nu == .infinity ? .string("Infinity") : .number(nu)
    }

    /// logLikelihood, converged, iterations, dfAtBound (families with ν), standardErrors,
    /// standardErrorsOmitted (why standardErrors is empty: the result's covarianceOmission),
    /// aic, bic and, for a t fit with ν estimated, tailTest. Every number is finite.
    func report(_ result: FitResult, dimension: Int?) -> [(String, JSONValue)] {
        var members: [(String, JSONValue)] = [
            ("logLikelihood", .number(result.logLikelihood)),
            ("converged", .bool(result.converged)),
            ("iterations", .int(result.iterations)),
        ]
        if family.hasDegreesOfFreedom { members.append(("dfAtBound", .bool(result.dfAtBound))) }
        members.append(("standardErrors", FitCommand.standardErrors(result, dimension: dimension)))
        if let omission = result.covarianceOmission { members.append(("standardErrorsOmitted", .string(omission.rawValue))) }
        members += [("aic", .number(result.aic)), ("bic", .number(result.bic))]
        if let test = result.tailTest {
            members.append(("tailTest", .object([
                ("statistic", .number(test.statistic)),
                ("pValue", .number(test.pValue)),
                ("normalLogLikelihood", .number(test.normalLogLikelihood)),
            ])))
        }
        return members
    }

    /// The standard errors under the keys of the estimates they belong to: `location`,
    /// `scale`, `df`, `noncentrality` (numbers; arrays and matrices for multivariate fits). A
    /// parameter without one (held fixed, or ν on its bound) is left out; an empty object
    /// when the covariance is unavailable.
    static func standardErrors(_ result: FitResult, dimension: Int?) -> JSONValue {
        guard let se = result.standardErrors else { return .object([]) }
        var scalars: [(String, JSONValue)] = []
        let d = dimension ?? 0
        var location = [Double](repeating: 0, count: d), haveLocation = false
        var scatter = [Double](repeating: 0, count: d * d), haveScatter = false
        for (parameter, value) in zip(result.parameters, se) {
            switch parameter {
            case .mean, .location: scalars.append(("location", .number(value)))
            case .standardDeviation, .scale: scalars.append(("scale", .number(value)))
            case .degreesOfFreedom: scalars.append(("df", .number(value)))
            case .noncentrality: scalars.append(("noncentrality", .number(value)))
            case let .meanComponent(j), let .locationComponent(j):
                if j < d { location[j] = value; haveLocation = true }
            case let .covariance(j, k), let .scatter(j, k):
                if j < d, k < d { scatter[j * d + k] = value; scatter[k * d + j] = value; haveScatter = true }
            case .coefficient, .logOddsCoefficient, .logOddsIntercept, .weight, .bias: break
            }
        }
        var members: [(String, JSONValue)] = []
        if haveLocation { members.append(("location", .array(location.map { .number($0) }))) }
        if haveScatter {
            members.append(("scatter", .array((0..<d).map { i in .array((0..<d).map { j in .number(scatter[i * d + j]) }) })))
        }
        // Scalars after the vectors, in the order of the estimates above them.
        let order = ["location", "scale", "df", "noncentrality"]
        members += scalars.sorted { order.firstIndex(of: $0.0)! < order.firstIndex(of: $1.0)! }
        return .object(members)
    }

    static func rows(_ m: Matrix) -> JSONValue {
        .array((0..<m.rows).map { i in .array((0..<m.columns).map { j in .number(m[i, j]) }) })
    }
}

/// Turns library errors, whose rows and columns index the data passed to the fit, into
/// messages naming the file's lines and the columns' names.
struct FitContext {
    var file: String
    /// The file line of a data row (rows counted after any dropped ones).
    var lineOfRow: (Int) -> Int
    var weightsColumn: String?

    init(file: String, table: CSVTable, weightsColumn: String?) {
        self.file = file
        self.lineOfRow = { table.line(ofRow: $0) }
        self.weightsColumn = weightsColumn
    }

    init(file: String, lineOfRow: @escaping (Int) -> Int, weightsColumn: String?) {
        self.file = file
        self.lineOfRow = lineOfRow
        self.weightsColumn = weightsColumn
    }

    init(file: String, lines: CSVNumbers, weightsColumn: String?) {
        self.file = file
        self.lineOfRow = { lines.line(ofRow: $0) }
        self.weightsColumn = weightsColumn
    }

    func describe(_ error: PolytailError, columns: [String], family: FitFamily) -> String {
        func name(_ column: Int?) -> String {
            guard let column, columns.indices.contains(column) else {
                return columns.count == 1 ? columns[0] : "?"
            }
            return columns[column]
        }
        let weighted = weightsColumn != nil
        switch error {
        case let .nonFiniteValue(row, column):
            return "\(file): non-finite value at line \(lineOfRow(row)), column \"\(name(column))\""
        case let .constantData(column):
            if column == nil, columns.count > 1 { return "\(file): the data are constant" }
            return "\(file): column \"\(name(column))\" is constant: its scale cannot be estimated"
        case let .tooFewObservations(needed, got):
            let what = columns.count == 1 ? "1 column" : "\(columns.count) columns"
            let rows = weighted ? "rows of positive weight" : "rows"
            return "\(file): too few \(rows) for the \(family.rawValue) fit of \(what): need at least \(needed), got \(got)"
        case let .invalidWeight(row):
            let column = weightsColumn ?? "weights"
            if let row {
                return "\(file): invalid weight at line \(lineOfRow(row)), column \"\(column)\": weights must be finite and non-negative"
            }
            return "\(file): the weights in column \"\(column)\" are all zero"
        case .emptyData:
            return "\(file): no data rows below the header"
        default:
            return "\(file): the \(family.rawValue) fit failed: \(error.description)"
        }
    }
}
