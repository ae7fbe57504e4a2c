import Foundation
import Testing
import Polytail
import PolytailDatasets

/// The Swift blocks of README.md and of the pages in ``DocumentationSnippetTests/pages``,
/// verbatim (``DocumentationSnippetTests/blocksAreTheseVerbatim(page:)`` checks every line of
/// every block but `import` lines and the manifest excerpt), after the few lines of data each
/// needs, so that what a new user copies from the docs compiles and runs.
enum DocumentationSnippets {
    /// The blocks' `print` calls print nothing in the tests; the values they show are
    /// checked below.
    static func print(_ items: Any...) {}

    /// "The library", then "Save a fit and load it later" (which uses its `t` and `lda`).
    static func library() throws -> (saved: Fitted<StudentT>, fitted: Fitted<StudentT>, normal: Fitted<Normal>, labels: [String],
                                     lda: DiscriminantAnalysis<String>, back: DiscriminantAnalysis<String>) {
        var rng = PolytailRandom(seed: 42)                          // seeded GSL Mersenne Twister
        let x = try StudentT(degreesOfFreedom: 3, location: 1, scale: 2).sample(1_000, using: &rng)
        let t = try StudentT.fit(x)                                  // ML location, scale and ν
        let normal = try Normal.fit(x)                               // ML mean and sd (divides by n)
        print(t.model.degreesOfFreedom, t.result.logLikelihood, normal.result.logLikelihood)
        print(t.result.standardError(.scale)!, try t.result.confidenceInterval(.location)!, t.result.aic)
        print(t.result.tailTest!.pValue)                             // heavier tails than normal?
        print(try t.result.summary())                                // a table: estimates, standard errors, intervals, AIC, BIC
        let features = try Matrix(rows: x.count, columns: 1, elements: x)
        let labels = x.map { $0 < 1 ? "low" : "high" }
        let lda = try DiscriminantAnalysis.fit(features, labels: labels, family: .studentT(.fixed(1))).model
        print(try lda.posteriors(Matrix(rowArrays: [[-1e6], [1e6]])))  // ≈ the priors, far away
        print(softRmax([0.2, 3.5, -1]), softmax([0.2, 3.5, -1]))

        let file = FileManager.default.temporaryDirectory.appendingPathComponent("t-fit.json")
        try JSONEncoder().encode(t).write(to: file)                   // t: the fit above
        let saved = try JSONDecoder().decode(Fitted<StudentT>.self, from: Data(contentsOf: file))
        print(saved.model == t.model, saved.result.standardErrors!)
        let lda2 = try JSONDecoder().decode(DiscriminantAnalysis<String>.self, from: JSONEncoder().encode(lda))
        return (saved, t, normal, labels, lda, lda2)
    }

    /// Docs/covariate-shift.md, "Importance weights".
    static func importanceWeights() throws -> (logW: [Double], w: [Double], wBar: [Double]) {
        var g = PolytailRandom(seed: 5)
        let xs = (0..<100).map { _ in 1.1 + 0.5 * g.standardNormal() }
        let xt = (0..<80).map { _ in 2.1 + 0.6 * g.standardNormal() }
        let xsWithOutliers = xs + [-4.5, -4.2, -4.8]
        // Fit once on the clean source sample and the target sample …
        let fit = try ImportanceWeights.fit(source: xs, target: xt, family: .studentT(.fixed(3)))
        let iw = fit.model                                  // the weights: densities p_s, p_t
        print(fit.result.aic, fit.sourceResult!.standardErrors!)  // the pair's result; each domain's
        // … then weigh any observations later (e.g. the source with outliers added, as in the paper).
        let logW = try iw.logWeights(xsWithOutliers, lambda: 0.5)     // primary, exact output
        let w    = try iw.weights(xsWithOutliers, lambda: 0.5)        // e^{log w}, clamped
        let wBar = try iw.normalizedWeights(xsWithOutliers, lambda: 0.5)  // mean 1, via log-sum-exp
        return (logW, w, wBar)
    }

    /// Docs/covariate-shift.md, "Weighted least squares".
    static func leastSquares() throws -> (se: [Double], r2: Double, yHat: [Double], line: Fitted<Polynomial>) {
        let x = (0..<40).map { Double($0) / 10 }
        let y = x.map { 1 + 0.5 * $0 + 0.1 * sin(7 * $0) }
        let w = x.map { 1 / (1 + $0) }
        let X = try Matrix(rowArrays: x.map { [1, $0] })
        let grid = [0.25, 1.5, 3.75]
        let fit  = try WeightedLeastSquares.fit(X, response: y, weights: w)    // Fitted<LinearModel>, X: n × p observations
        let line = try WeightedLeastSquares.fit(x, response: y, weights: w)   // Fitted<Polynomial>, x: [Double], degree 1
        let poly = try WeightedLeastSquares.fit(x, response: y, degree: 5, weights: w)
        let yHat = poly.model.predict(grid)
        let se = fit.result.standardErrors!        // sandwich (HC0) with weights, classical without
        let r2 = fit.result.leastSquares!.rSquared // and residuals, Σwᵢrᵢ², σ̂², rank
        return (se, r2, yHat, line)
    }

    /// "Read numbers … from a CSV file" (run in a folder holding a `data.csv`).
    static func csv() throws -> (Matrix, [String]) {
        let numbers = try CSVNumberReader.read(path: "data.csv", numbers: ["x", "y"])
        let xy = numbers.matrix                                        // n × 2, one row per data line
        let species = try CSVTable.read(contentsOf: "data.csv").column(named: "species")   // [String]
        return (xy, species)
    }
}

/// The Swift blocks of Docs/fitting.md, Docs/discriminant.md and Docs/classifiers.md, verbatim
/// after the lines of data each needs.
enum GuideSnippets {
    static func print(_ items: Any...) {}

    /// Three overlapping Gaussian classes in two variables, 50 rows each: labels "a", "b", "c"
    /// and the same as class indices 0, 1, 2.
    static func threeClasses() throws -> (observations: Matrix, names: [String], indices: [Int]) {
        var g = PolytailRandom(seed: 11)
        var rows: [[Double]] = [], indices: [Int] = []
        for r in 0..<150 {
            let c = r % 3
            rows.append([Double(c) + g.standardNormal(), 0.5 * Double(c) + g.standardNormal()])
            indices.append(c)
        }
        return (try Matrix(rowArrays: rows), indices.map { ["a", "b", "c"][$0] }, indices)
    }

    /// Docs/fitting.md, "The results of a fit": every family.
    static func families() throws -> [String: Any] {
        var generator = PolytailRandom(seed: 42)
        let x = try StudentT(degreesOfFreedom: 3, location: 1, scale: 2).sample(1_000, using: &generator)
        let t = try StudentT.fit(x)                                        // Fitted<StudentT>, ν estimated in [10⁻³, ∞]
        print(try t.result.summary())                                      // the table below
        let (location, nu) = (t.model.location, t.model.degreesOfFreedom)  // the fitted distribution
        let scale = t.result.estimate(.scale)!                             // estimates by a typed key
        let seNu = t.result.standardError(.degreesOfFreedom)!
        let interval = try t.result.confidenceInterval(.location, level: 0.99)!
        let covariance = t.result.covariance!                              // 3 × 3, in the order of `parameters`
        let (aic, bic, n) = (t.result.aic, t.result.bic, t.result.observationCount)
        let heavierThanNormal = t.result.tailTest!.pValue < 0.05

        let t5 = try StudentT.fit(x, degreesOfFreedom: .fixed(5))          // ν held: lists location and scale only
        let weighted = try StudentT.fit(x, weights: x.map { _ in 2 }, degreesOfFreedom: .estimated(minimum: 1, maximum: 30))
        let normal = try Normal.fit(x)                                     // .mean, .standardDeviation
        let nct = try NoncentralT.fit(x)                                   // .degreesOfFreedom, .noncentrality, .location, .scale
        let observations = try Matrix(rowArrays: (0..<500).map { _ in [generator.standardNormal(), generator.standardT(4)] })
        let mvn = try MultivariateNormal.fit(observations)                 // .meanComponent(j), .covariance(j, k)
        let mvt = try MultivariateT.fit(observations)                      // .locationComponent(j), .scatter(j, k), .degreesOfFreedom
        let seScatter01 = mvt.result.standardError(.scatter(0, 1))!
        return ["t": t, "location": location, "nu": nu, "scale": scale, "seNu": seNu, "interval": interval,
                "covariance": covariance, "aic": aic, "bic": bic, "n": n, "heavier": heavierThanNormal, "t5": t5,
                "weighted": weighted, "normal": normal, "nct": nct, "mvn": mvn, "mvt": mvt, "seScatter01": seScatter01]
    }

    /// Training and test "images" of 28 × 28: a bright bar whose position is the class.
    static func barImages(_ n: Int, seed: UInt64) throws -> (Matrix, [Int]) {
        var g = PolytailRandom(seed: seed)
        var x = [Double](repeating: 0, count: n * 784), y: [Int] = []
        for r in 0..<n {
            let c = r % 10
            y.append(c)
            let (top, left) = (4 + 10 * (c / 5), 2 + 5 * (c % 5))
            for i in 0..<6 { for j in 0..<4 { x[r * 784 + (top + i) * 28 + left + j] = 0.7 + 0.3 * g.uniformPositive() } }
        }
        return (try Matrix(rows: n, columns: 784, elements: x), y)
    }

    /// Docs/networks.md, both blocks.
    static func networks() throws -> (fitted: Fitted<Network>, p: Matrix, accuracy: Double, adversarial: Matrix,
                                      softmax: Network, softRmax: Network) {
        let (images, labels) = try barImages(60, seed: 1)
        let (testImages, testLabels) = try barImages(20, seed: 2)
        var random = PolytailRandom(seed: 1)
        let initial = try Network(
            inputShape: try ImageShape(height: 28, width: 28, channels: 1),
            layers: [.conv2D(outputChannels: 8, kernelSize: 3, padding: .same), .maxPool2D(size: 2),
                     .conv2D(outputChannels: 16, kernelSize: 3, padding: .valid),
                     .flatten, .dense(outputs: 10)],
            output: .softRmax, using: &random)                 // He-initialised from `random`
        let fitted = try Network.fit(
            images, labels: labels, initial: initial, epochs: 10,   // batch 32, Adam 1e-3 by default
            using: &random, progress: { epoch, loss in print(epoch, loss) })
        let model = fitted.model, result = fitted.result          // Fitted<Network>: model and FitResult
        let p = try model.posteriors(testImages)              // n × k, rows sum to one
        let accuracy = try model.accuracy(testImages, labels: testLabels)
        let adversarial = try Adversarial.fgsm(model, observations: testImages, labels: testLabels, epsilon: 0.1)

        let twins = try Network.fitTwins(images, labels: labels, initial: initial, epochs: 10, using: &random)
        let (softmax, softRmax) = (twins.softmax.model, twins.softRmax.model)
        #expect(result.iterations == 10)
        return (fitted, p, accuracy, adversarial, softmax, softRmax)
    }

    /// Docs/robustness-api.md, "Networks": a multilayer perceptron in one call, on UCI digits.
    static func perceptron() throws -> (fitted: Fitted<Network>, z: Matrix, p: Matrix, yHat: [Int], yTest: [Int]) {
        let uci = try DigitImages.bundledUCI()
        let x = try uci.subset(Array(0..<300)).images, y = Array(uci.labels[0..<300])
        let test = try uci.subset(Array(300..<400))
        let (xTest, yTest) = (test.images, test.labels)
        var random = PolytailRandom(seed: 1)
        let fitted = try Network.fit(                      // Fitted<Network>: model and FitResult
            x, labels: y, classCount: 10, hidden: [128], output: .softRmax,
            epochs: 50, batchSize: 64, learningRate: 1e-3, weightDecay: 0, using: &random,
            progress: { epoch, loss in print(epoch, loss) })
        let model = fitted.model
        let z = try model.logits(xTest)          // n × k
        let p = try model.posteriors(xTest)      // ζ(z), rows sum to 1
        let yHat = try model.predict(xTest)      // argmax z (= argmax p for both output layers)
        return (fitted, z, p, yHat, yTest)
    }

    /// The DocC catalogue's overview (Polytail.docc/Polytail.md).
    static func overview() throws -> (exponential: Matrix, conservative: Matrix) {
        // Two classes on a line; Gaussian LDA against t-LDA with one ν for both classes.
        var generator = PolytailRandom(seed: 1)
        let x = (0..<200).map { i in (i < 100 ? -2.0 : 1.0) + generator.uniformPositive() }
        let labels = (0..<200).map { $0 < 100 ? "a" : "b" }
        let observations = try Matrix(rows: 200, columns: 1, elements: x)
        let far = try Matrix(rows: 1, columns: 1, elements: [-50])
        let gaussian = try DiscriminantAnalysis.fit(observations, labels: labels, family: .normal).model
        let polynomial = try DiscriminantAnalysis.fit(observations, labels: labels, family: .studentT(.fixed(1))).model
        let exponential = try gaussian.posteriors(far)   // [1, 0]: one-hot far from the data
        let conservative = try polynomial.posteriors(far)   // [0.53, 0.47]: back towards ½
        return (exponential, conservative)
    }

    /// Docs/fitting.md, "Fits in bounded memory and on shards": the univariate block.
    static func shards() throws -> (sample: [Double], normal: Fitted<Normal>, t: Fitted<StudentT>) {
        // Three shards of one sample (blocks of a file, or data on three machines).
        var generator = PolytailRandom(seed: 3)
        let sample = try StudentT(degreesOfFreedom: 4, location: 1, scale: 2).sample(30_000, using: &generator)
        let shards = [Array(sample[..<10_000]), Array(sample[10_000..<25_000]), Array(sample[25_000...])]

        // Pass 1, on each shard (any order, any split): the normal's sufficient statistics.
        var parts: [NormalStatistics] = []
        for shard in shards {
            var part = NormalStatistics()
            try part.add(shard)                                     // `weights:` optional; as many blocks as you like
            parts.append(part)
        }
        let all = parts.reduce(NormalStatistics()) { $0.merged(with: $1) }
        let normal = try all.fit()                                  // Fitted<Normal>, = Normal.fit(sample)

        // The t: one pass per step; each shard adds its observations at the point asked for.
        let start = try StudentT.fit(Array(sample.prefix(2_000))).model   // a subsample's fit (a StudentT): fewer passes
        let t = try StudentT.fit(statistics: all, start: start) { (pass: inout StudentTPass) throws(PolytailError) in
            // `pass` arrives empty, holding only the point: each shard adds to its own copy of it.
            var merged = pass
            for shard in shards {                                   // or: ship `pass` (JSON) to each machine
                var local = pass
                try local.add(shard)                                // at pass.location, .scale, .degreesOfFreedom
                merged = try merged.merged(with: local)
            }
            pass = merged
        }
        print(normal.model.mean, t.model.degreesOfFreedom, t.result.standardErrors!)  // = StudentT.fit(sample)
        return (sample, normal, t)
    }

    /// Docs/fitting.md: the multivariate block.
    static func multivariateShards() throws -> Fitted<MultivariateNormal> {
        var columns = try MultivariateNormalStatistics(dimension: 2)   // throws for a dimension below 1
        try columns.add(Matrix(rowArrays: [[1, 2], [2, 1], [3, 5], [4, 3]]))   // a block of n × 2 rows; `weights:` optional
        let twice = try columns.merged(with: columns)                 // throws when the dimensions differ
        let mvn = try twice.fit()                                     // Fitted<MultivariateNormal>
        return mvn
    }

    /// Docs/discriminant.md, the first block.
    static func discriminant() throws -> (fit: Fitted<DiscriminantAnalysis<String>>, labels: [String], k: Int, priors: [Double],
                                          nu: [Double?], perClass: [FitResult], logP: Matrix, p: Matrix,
                                          predicted: [String], share: Double) {
        let (observations, y, _) = try threeClasses()
        let (z, truth) = (observations, y)
        // observations: an n × d Matrix, y: one label per row ([String] or [Int]); z: rows to classify, truth: their labels
        let fit = try DiscriminantAnalysis.fit(observations, labels: y,
                                               family: .studentT(.estimated),   // one tied ν
                                               scatter: .shared, priors: .equal) // Fitted<DiscriminantAnalysis<String>>
        let model = fit.model
        let labels = model.classLabels      // sorted labels: numerically for Int, lexicographically for String
        let k = model.classCount            // the number of classes
        let priors = model.priors           // πₖ in the order of `classLabels`
        let conditionals = model.conditionals  // [.normal(MultivariateNormal)] or [.studentT(MultivariateT)]
        let nu = conditionals.map(\.degreesOfFreedom)   // each class's ν (nil for normal classes)
        let result = fit.result             // FitResult: ℓ = Σ log p(xᵢ|yᵢ), iterations, converged, dfAtBound, AIC/BIC
        let perClass = result.groupResults! // per class: rows, its ℓ, its parameters and their covariance (below)
        let logP = try model.logPosteriors(z)  // n × k, log domain, columns in `classLabels` order
        let p = try model.posteriors(z)        // n × k, rows sum to 1
        let predicted = try model.predict(z)   // arg-max labels, [String]
        let share = try model.accuracy(z, labels: truth)  // share of predict(z) equal to truth
        return (fit, labels, k, priors, nu, perClass, logP, p, predicted, share)
    }

    /// Docs/classifiers.md, "API".
    static func classifiers() throws -> [String: Any] {
        let (observations, _, y) = try threeClasses()
        let (x, k) = (observations, 3)
        // One logit vector z (k entries) and an upstream gradient g (k entries)
        let z = [0.2, 3.5, -1.0], g = [1.0, 0, 0]
        let p = softRmax(z), logP = logSoftRmax(z), J = softRmaxJacobian(z)   // J: k × k Matrix
        let vjp = try softRmaxVJP(z, g), grad = try logSoftRmaxGradient(z, label: 1)   // gᵀJ, ∇_z log p₁
        let q = softmax(z), logQ = logSoftmax(z), K = softmaxJacobian(z)
        let vjpQ = try softmaxVJP(z, g), gradQ = try logSoftmaxGradient(z, label: 1)
        // Rows of an n × k Matrix
        let Z = try Matrix(rowArrays: [z, [1, 1, 1]])
        let rows = (softRmax(Z), logSoftRmax(Z), softmax(Z), logSoftmax(Z))   // each n × k

        // Linear classifier z = x W + b, W d × k (fan-in × fan-out, as every network layer);
        // observations: an n × d Matrix, y: labels 0 ..< k ([Int]), x: rows to classify
        let fitted = try LinearClassifier.fit(
            observations, labels: y, classCount: k, output: .softRmax,   // or .softmax
            weightDecay: 1e-3,                                           // λ, on W only
            optimizer: .lbfgs(maxIterations: 1000, tolerance: 1e-6))     // deterministic
        var generator = PolytailRandom(seed: 42)                         // Adam shuffles with it
        let adam = try LinearClassifier.fit(observations, labels: y, classCount: k, output: .softmax,
            optimizer: .adam(epochs: 50, batchSize: 32, learningRate: 1e-3), using: &generator)
        let result = fitted.result  // FitResult: logLikelihood, observationCount, parameterCount, aic, bic, iterations,
                                    // converged, objectiveHistory, training (loss, gradientNorm, trainingAccuracy, steps),
                                    // parameters, estimates, covariance (λ = 0) or covarianceOmission (here .penalized)
        let mle = try LinearClassifier.fit(observations, labels: y, classCount: k, output: .softmax)   // λ = 0
        let se = mle.result.standardError(.logOddsCoefficient(0, 1))   // variable 0 in log(p₁/p₀), as statsmodels MNLogit
        let interval = try mle.result.confidenceInterval(.logOddsIntercept(1), level: 0.95)
        let model = fitted.model
        let (classCount, dimension, W) = (model.classCount, model.dimension, model.weights)   // k, d, W (d × k)
        let (logits, posteriors, logPosteriors) = (try model.logits(x), try model.posteriors(x), try model.logPosteriors(x))
        let predicted = try model.predict(x)            // labels 0..<k
        let share = try model.accuracy(x, labels: y)    // share of predict(x) equal to y (x: here the training rows)
        let loss = try model.loss(x, labels: y, weightDecay: 1e-3)
        let dx = try model.inputGradients(of: .loss(labels: y), at: x)   // n × d; also .crossEntropyOnLogits(labels:), .margin(labels:), .output(i)
        return ["p": p, "logP": logP, "J": J, "vjp": vjp, "grad": grad, "q": q, "logQ": logQ, "K": K, "vjpQ": vjpQ,
                "gradQ": gradQ, "rows": [rows.0, rows.1, rows.2, rows.3], "result": result, "adam": adam, "mle": mle,
                "se": se as Any, "interval": interval as Any, "shape": [classCount, dimension, W.rows, W.columns],
                "evaluated": [logits, posteriors, logPosteriors], "predicted": predicted, "share": share,
                "loss": loss, "dx": dx, "n": observations.rows]
    }
}

/// The Swift blocks of Docs/data.md, verbatim. They name the example files ("data.csv",
/// "train.csv" of Docs/examples/) as a user in that folder would; inside this enum
/// `CSVNumberReader` and `CSVTable` are thin stand-ins that resolve those names in
/// Docs/examples/ and forward every call to the library's types, so the blocks run on the
/// real files without changing the process's working folder.
enum DataSnippets {
    static func resolve(_ path: String) -> String {
        path.contains("/") || path == "-" ? path : DocumentationCLITests.examples.appendingPathComponent(path).path
    }
    final class CSVNumberReader {
        let reader: Polytail.CSVNumberReader
        var header: [String] { reader.header }
        init(path: String, options: CSVReadOptions = CSVReadOptions()) throws(CSVError) {
            reader = try Polytail.CSVNumberReader(path: resolve(path), options: options)
        }
        static func read(path: String, numbers: [String]) throws(CSVError) -> CSVNumbers {
            try Polytail.CSVNumberReader.read(path: resolve(path), numbers: numbers)
        }
        func select(numbers: [String], text: [String] = []) throws(CSVError) { try reader.select(numbers: numbers, text: text) }
        func readAll() throws(CSVError) -> CSVNumbers { try reader.readAll() }
        func next(maxRows: Int) throws(CSVError) -> CSVNumbers? { try reader.next(maxRows: maxRows) }
    }
    enum CSVTable {
        static func read(contentsOf path: String) throws(CSVError) -> Polytail.CSVTable { try Polytail.CSVTable.read(contentsOf: resolve(path)) }
        static func parse(_ text: String) throws(CSVError) -> Polytail.CSVTable { try Polytail.CSVTable.parse(text) }
        static func number(_ text: String) -> Double? { Polytail.CSVTable.number(text) }
    }

    /// "The value": the bundled digits, and MNIST files (here the UCI digits written as IDX).
    static func digits(folder: String) throws -> (train: DigitImages, test: DigitImages, threeSeven: DigitImages,
                                                   mnist: DigitImages, small: DigitImages) {
        let uci = try DigitImages.bundledUCI()                       // 1,797 × 64, no file needed
        var generator = PolytailRandom(seed: 1)
        let (train, test) = try uci.split(testFraction: 0.25, using: &generator)
        let threeSeven = try train.filter(classLabels: [3, 7], relabel: true)   // labels 0 (= 3), 1 (= 7)

        // folder: the path (a String or a URL) of a folder holding the MNIST IDX files (below)
        let mnist = try DigitImages.mnist(folder: folder, split: .train)               // 60,000 × 784
        let small = try DigitImages.mnist(folder: folder, split: .test, limit: 1000)   // the first 1,000
        return (train, test, threeSeven, mnist, small)
    }

    /// "Numbers: CSVNumberReader".
    static func numbers() throws -> (values: [Double], xh: Matrix, height: [Double], line: Int, dropped: Int,
                                     species: [String], sum: Double) {
        // Whole columns, row-major (rows × selected columns):
        let numbers = try CSVNumberReader.read(path: "data.csv", numbers: ["x", "height"])
        let values = numbers.values        // [x₀, height₀, x₁, height₁, …]
        let xh = numbers.matrix            // the same as an n × 2 Matrix
        let height = try numbers.column(named: "height")
        let line = numbers.line(ofRow: 5)  // the file line row 5 started on (for messages)

        // Numbers and a text column (labels), rows with missing cells dropped; delimiter ";" or
        // "\t" for such files, path "-" for standard input:
        let reader = try CSVNumberReader(path: "train.csv", options: CSVReadOptions(delimiter: ",", missing: .drop))
        try reader.select(numbers: reader.header.filter { $0 != "species" }, text: ["species"])
        let train = try reader.readAll()
        let dropped = train.droppedRows    // rows skipped for an empty or NA cell
        let species = try train.textColumn(named: "species")

        // Block by block, in bounded memory (what `polytail fit --stream` does):
        let blocks = try CSVNumberReader(path: "data.csv")
        try blocks.select(numbers: ["x"])
        var sum = 0.0
        while let block = try blocks.next(maxRows: 65_536) { sum += block.values.reduce(0, +) }
        return (values, xh, height, line, dropped, species, sum)
    }

    /// "Text: CSVTable".
    static func table() throws -> (header: [String], species: [String], names: [String], x: Matrix, length: [Double],
                                   parsed: Polytail.CSVTable, number: Double?) {
        let table = try CSVTable.read(contentsOf: "train.csv")        // or a URL; delimiter: ";" optional
        let header = table.header                                     // ["length", "width", "species"]
        let species = try table.column(named: "species")              // [String]
        let (names, x) = try table.numericColumns(["length", "width"]) // x: n × 2 Matrix
        let length = try table.numericColumn("length")                // [Double]
        let parsed = try CSVTable.parse("a,b\n1,2\n")                 // from text
        let number = CSVTable.number(" 2.5 ")                         // Optional(2.5): a cell as the readers parse it, nil if not a number
        return (header, species, names, x, length, parsed, number)
    }
}

@Suite("Documentation snippets") struct DocumentationSnippetTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    /// The pages whose Swift blocks are all kept here.
    static let pages = ["README.md", "Docs/covariate-shift.md", "Docs/fitting.md", "Docs/discriminant.md", "Docs/classifiers.md", "Docs/data.md", "Docs/networks.md", "Docs/robustness-api.md",
                         "Sources/Polytail/Polytail.docc/Polytail.md"]

    /// The lines of each ```swift block of a page, trimmed, without `import` lines; a
    /// Package.swift excerpt (a manifest, not library code) left out.
    static func blocks(of page: String) throws -> [[String]] {
        let text = try String(contentsOf: root.appendingPathComponent(page), encoding: .utf8)
        var blocks: [[String]] = [], current: [String]? = nil
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if current == nil, line == "```swift" { current = []; continue }
            if current != nil, line == "```" { blocks.append(current!); current = nil; continue }
            current?.append(line.trimmingCharacters(in: .whitespaces))
        }
        // A Package.swift excerpt and a type's declaration (`public struct …`) are not examples.
        return blocks.filter { !$0.contains { $0.contains("Package.swift") } && !($0.first?.hasPrefix("public ") ?? false) }
            .map { $0.filter { !$0.isEmpty && !$0.hasPrefix("import ") } }
    }

    @Test(arguments: pages) func blocksAreTheseVerbatim(page: String) throws {
        let source = try String(contentsOf: URL(fileURLWithPath: #filePath), encoding: .utf8)
            .split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        let blocks = try Self.blocks(of: page)
        #expect(blocks.count >= 1)
        for block in blocks {
            let found = source.indices.contains { start in
                start + block.count <= source.count && Array(source[start..<(start + block.count)]) == block
            }
            #expect(found, "\(page): the block starting \"\(block.first ?? "")\" is not in DocumentationSnippets verbatim")
        }
    }

    @Test func theReadmeSnippetsRun() throws {
        let run = try DocumentationSnippets.library()
        let t = run.fitted
        #expect(t.result.logLikelihood > run.normal.result.logLikelihood)
        #expect(abs(t.model.degreesOfFreedom - 3) < 1)
        let interval = try #require(try t.result.confidenceInterval(.location))
        #expect(interval.contains(1) && t.result.standardError(.scale)! > 0 && t.result.aic.isFinite)
        #expect(t.result.tailTest!.pValue < 1e-6)  // t(3) data: clearly heavier than normal
        // Far away the posteriors return to the empirical priors.
        let far = try run.lda.posteriors(Matrix(rowArrays: [[-1e6], [1e6]]))
        let lowShare = Double(run.labels.filter { $0 == "low" }.count) / Double(run.labels.count)
        let lowColumn = run.lda.classLabels.firstIndex(of: "low")!
        #expect(abs(far[0, lowColumn] - lowShare) < 1e-3 && abs(far[1, lowColumn] - lowShare) < 1e-3)
        #expect(abs(softRmax([0.2, 3.5, -1]).reduce(0, +) - 1) < 1e-15)
        #expect(softmax([0.2, 3.5, -1])[1] > 0.9)
        // Saved and loaded: the same fit, the same model.
        #expect(run.saved.model == t.model && run.saved.result == t.result)
        #expect(run.back.classLabels == run.lda.classLabels && run.back.priors == run.lda.priors)
        // The CSV block reads "data.csv" in the working folder; without one it names the file.
        if !FileManager.default.fileExists(atPath: "data.csv") {
            #expect(throws: CSVError.self) { try DocumentationSnippets.csv() }
        }
    }

    @Test func theCovariateShiftSnippetsRun() throws {
        let (logW, w, wBar) = try DocumentationSnippets.importanceWeights()
        #expect(logW.count == 103 && zip(logW, w).allSatisfy { abs(exp($0) - $1) <= 1e-12 * $1 })
        #expect(abs(wBar.reduce(0, +) - 103) < 1e-9)
        let ls = try DocumentationSnippets.leastSquares()
        #expect(ls.se.count == 2 && ls.se.allSatisfy { $0 > 0 } && ls.r2 > 0.9 && ls.r2 <= 1)
        #expect(ls.line.model.degree == 1 && ls.yHat.count == 3)
    }

    @Test func theFittingSnippetsRun() throws {
        let (sample, normal, t) = try GuideSnippets.shards()
        // Docs/fitting.md: the same fit as in memory, ℓ to 1e-13 relative, the parameters within
        // about 1e-5 standard errors (measured 1.2e-5 for ν on this sample; 5e-5 allowed).
        let direct = try StudentT.fit(sample)
        let se = try #require(direct.result.standardErrors)
        let difference = [t.model.location - direct.model.location, t.model.scale - direct.model.scale,
                          t.model.degreesOfFreedom - direct.model.degreesOfFreedom]
        for (d, s) in zip(difference, se) { #expect(abs(d) < 5e-5 * s) }
        #expect(abs(t.result.logLikelihood - direct.result.logLikelihood) < 1e-13 * abs(direct.result.logLikelihood))
        let inMemory = try Normal.fit(sample)
        #expect(abs(normal.model.mean - inMemory.model.mean) < 1e-13 * inMemory.model.standardDeviation)
        #expect(abs(normal.model.standardDeviation / inMemory.model.standardDeviation - 1) < 1e-13)
        let mvn = try GuideSnippets.multivariateShards()
        let once = try MultivariateNormal.fit(Matrix(rowArrays: [[1, 2], [2, 1], [3, 5], [4, 3]]))
        #expect(mvn.result.observationCount == 8 && mvn.model.mean == [2.5, 2.75])
        for (a, b) in zip(mvn.model.covariance.rowArrays.joined(), once.model.covariance.rowArrays.joined()) {
            #expect(abs(a - b) < 1e-13)
        }
    }

    @Test func theDiscriminantSnippetRuns() throws {
        let run = try GuideSnippets.discriminant()
        #expect(run.labels == ["a", "b", "c"] && run.k == 3 && run.priors == [1.0 / 3, 1.0 / 3, 1.0 / 3])
        #expect(run.nu.count == 3 && run.nu.allSatisfy { $0 != nil && $0 == run.nu[0] })  // one tied ν
        #expect(run.perClass.count == 3 && run.perClass.map(\.observationCount) == [50, 50, 50])
        #expect(run.p.rows == 150 && run.logP.columns == 3 && run.predicted.count == 150)
        for r in 0..<run.p.rows { #expect(abs(run.p[row: r].reduce(0, +) - 1) < 1e-12) }
        #expect(run.share > 0.5 && run.share <= 1)
    }

    @Test func theClassifierSnippetRuns() throws {
        let run = try GuideSnippets.classifiers()
        let p = try #require(run["p"] as? [Double]), q = try #require(run["q"] as? [Double])
        #expect(abs(p.reduce(0, +) - 1) < 1e-15 && abs(q.reduce(0, +) - 1) < 1e-15)
        #expect((run["J"] as? Matrix)?.rows == 3 && (run["grad"] as? [Double])?.count == 3)
        #expect((run["rows"] as? [Matrix])?.allSatisfy { $0.rows == 2 && $0.columns == 3 } == true)
        let result = try #require(run["result"] as? FitResult)
        #expect(result.covarianceOmission == .penalized && result.standardErrors == nil && result.training != nil)
        let mle = try #require(run["mle"] as? Fitted<LinearClassifier>)
        let se = try #require(run["se"] as? Double), interval = try #require(run["interval"] as? ClosedRange<Double>)
        #expect(mle.result.covarianceOmission == nil && se > 0)
        #expect(interval.contains(try #require(mle.result.estimate(.logOddsIntercept(1)))))
        #expect(run["shape"] as? [Int] == [3, 2, 2, 3])
        #expect((run["predicted"] as? [Int])?.count == 150 && (run["share"] as? Double ?? 0) > 0.5)
        #expect((run["dx"] as? Matrix)?.rows == 150 && (run["loss"] as? Double ?? .nan) > 0)
        #expect((run["adam"] as? Fitted<LinearClassifier>)?.result.iterations == 50)
    }

    @Test func theDataSnippetsRun() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("polytail-doc-idx-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let uci = try DigitImages.bundledUCI()
        try uci.writeIDX(folder: folder.path, split: .train)
        try uci.subset(Array(0..<300)).writeIDX(folder: folder.path, split: .test, gzip: true)
        let d = try DataSnippets.digits(folder: folder.path)
        #expect(d.train.count + d.test.count == 1_797 && Set(d.threeSeven.labels) == [0, 1])
        #expect(d.mnist.count == 1_797 && d.mnist.labels == uci.labels && d.small.count == 300)

        let n = try DataSnippets.numbers()
        let data = try String(contentsOf: DocumentationCLITests.examples.appendingPathComponent("data.csv"), encoding: .utf8)
            .split(separator: "\n").dropFirst().map { $0.split(separator: ",") }
        #expect(n.xh.rows == 1_000 && n.xh.columns == 2 && n.values.count == 2_000 && n.line == 7)
        #expect(n.height == data.map { Double(String($0[1]))! } && n.values[0] == Double(String(data[0][0]))!)
        #expect(n.dropped == 0 && n.species.count == 120 && Set(n.species) == ["fir", "oak", "yew"])
        #expect(abs(n.sum - data.map { Double(String($0[0]))! }.reduce(0, +)) < 1e-9)

        let t = try DataSnippets.table()
        #expect(t.header == ["length", "width", "species"] && t.species == n.species && t.names == ["length", "width"])
        #expect(t.x.rows == 120 && t.length.count == 120 && t.parsed.header == ["a", "b"] && t.number == 2.5)
    }

    @Test func theFitFamiliesSnippetRunsAndPrintsItsTable() throws {
        let run = try GuideSnippets.families()
        let t = try #require(run["t"] as? Fitted<StudentT>)
        #expect(run["location"] as? Double == t.model.location && run["scale"] as? Double == t.model.scale)
        #expect(run["n"] as? Int == 1_000 && run["heavier"] as? Bool == true && (run["seNu"] as? Double ?? 0) > 0)
        #expect((run["interval"] as? ClosedRange<Double>)?.contains(t.model.location) == true)
        #expect((run["covariance"] as? Matrix)?.rows == 3)
        #expect((run["t5"] as? Fitted<StudentT>)?.result.parameters == [.location, .scale])
        let weighted = try #require(run["weighted"] as? Fitted<StudentT>)
        #expect(weighted.result.sampleSize == 2_000 && abs(weighted.model.degreesOfFreedom - t.model.degreesOfFreedom) < 1e-6)
        #expect((run["normal"] as? Fitted<Normal>)?.result.parameters == [.mean, .standardDeviation])
        #expect((run["nct"] as? Fitted<NoncentralT>)?.result.parameters.contains(.noncentrality) == true)
        #expect((run["mvn"] as? Fitted<MultivariateNormal>)?.result.estimate(.meanComponent(1)) != nil)
        #expect((run["mvt"] as? Fitted<MultivariateT>)?.result.parameters.last == .degreesOfFreedom)
        #expect((run["seScatter01"] as? Double ?? 0) > 0)
        // The table the page shows is what summary() prints.
        let text = try String(contentsOf: Self.root.appendingPathComponent("Docs/fitting.md"), encoding: .utf8)
        let shown = try #require(text.components(separatedBy: "```text\n").dropFirst().first?.components(separatedBy: "```").first)
        let printed = try t.result.summary()
        #expect(printed == shown, "Docs/fitting.md shows\n\(shown)summary() prints\n\(printed)")
    }

    @Test func theNetworkSnippetsRun() throws {
        let run = try GuideSnippets.networks()
        let result = run.fitted.result
        #expect(result.training?.steps == 20 && result.iterations == 10 && run.p.rows == 20)
        #expect(result.objectiveHistory!.last! < result.objectiveHistory!.first!)
        #expect(run.adversarial.rows == 20 && run.adversarial.columns == 784)
        for r in 0..<run.p.rows { #expect(abs(run.p[row: r].reduce(0, +) - 1) < 1e-12) }
        #expect(run.accuracy > 0.5)
        #expect(run.softmax.output == .softmax && run.softRmax.output == .softRmax && run.softmax.weights != run.softRmax.weights)
        let mlp = try GuideSnippets.perceptron()
        #expect(mlp.fitted.result.iterations == 50 && mlp.z.rows == 100 && mlp.p.columns == 10)
        let correct = zip(mlp.yHat, mlp.yTest).filter { $0 == $1 }.count
        #expect(correct > 70)  // digits 300 … 399 after 50 epochs on the first 300
    }

    @Test func theDocCOverviewRunsAndShowsItsPosteriors() throws {
        let (exponential, conservative) = try GuideSnippets.overview()
        #expect(exponential[row: 0] == [1, 0])
        #expect(abs(conservative[0, 0] - 0.53) < 0.005 && abs(conservative[0, 1] - 0.47) < 0.005)
    }
}
