import Testing
@testable import Polytail

/// The example of Docs/networks.md, compiled and run on a small slice of digit-like images.
@Suite("Docs/networks.md example")
struct NetworkDocumentationTests {
    @Test("the example compiles and trains")
    func example() throws {
        // 60 training and 20 test "images" of 28 × 28: a bright square whose position is the class.
        func makeImages(_ n: Int, seed: UInt64) -> (Matrix, [Int]) {
            var g = PolytailRandom(seed: seed)
            var x = [Double](repeating: 0, count: n * 784), y: [Int] = []
            for r in 0..<n {
                let c = r % 10
                y.append(c)
                let (top, left) = (4 + 2 * (c / 5) * 5, 2 + 5 * (c % 5))
                for i in 0..<6 { for j in 0..<4 { x[r * 784 + (top + i) * 28 + left + j] = 0.7 + 0.3 * g.uniformPositive() } }
            }
            return (try! Matrix(rows: n, columns: 784, elements: x), y)
        }
        let (images, labels) = makeImages(60, seed: 1)
        let (testImages, testLabels) = makeImages(20, seed: 2)
        var epochs: [Int] = []

        var random = PolytailRandom(seed: 1)
        let initial = try Network(
            inputShape: try ImageShape(height: 28, width: 28, channels: 1),
            layers: [.conv2D(outputChannels: 8, kernelSize: 3, padding: .same), .maxPool2D(size: 2),
                     .conv2D(outputChannels: 16, kernelSize: 3, padding: .valid),
                     .flatten, .dense(outputs: 10)],
            output: .softRmax, using: &random)                 // He-initialised from `random`
        let fitted = try Network.fit(
            images, labels: labels, initial: initial, epochs: 10,   // batch 32, Adam 1e-3 by default
            using: &random, progress: { epoch, loss in epochs.append(epoch) })
        let model = fitted.model, result = fitted.result          // Fitted<Network>: model and FitResult
        let p = try model.posteriors(testImages)              // n × k, rows sum to one
        let accuracy = try model.accuracy(testImages, labels: testLabels)
        let adversarial = try Adversarial.fgsm(model, observations: testImages, labels: testLabels, epsilon: 0.1)

        #expect(epochs == Array(0..<10) && result.training?.steps == 20 && result.iterations == 10)
        #expect(result.objectiveHistory!.last! < result.objectiveHistory!.first!)
        for r in 0..<p.rows { #expect(abs(p.rowArrays[r].reduce(0, +) - 1) < 1e-12) }
        #expect(accuracy > 0.5)
        #expect(adversarial.rows == 20 && adversarial.columns == 784)
    }
}
