// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Polytail",
    products: [
        .library(name: "Polytail", targets: ["Polytail"]),
        .library(name: "PolytailDatasets", targets: ["PolytailDatasets"]),
        .executable(name: "polytail", targets: ["polytail"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        // `make docs`: the DocC catalogue Sources/Polytail/Polytail.docc as a static site.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", exact: "1.5.0"),
    ],
    targets: [
        // MARK: C libraries (GSL, CBLAS, LAPACKE) behind one module map
        .systemLibrary(
            name: "CPolytailNumerics",
            path: "Sources/CPolytailNumerics",
            providers: [.apt(["libgsl-dev", "liblapacke-dev", "libopenblas-dev", "zlib1g-dev"])]
        ),

        // MARK: Library
        .target(
            name: "Polytail",
            dependencies: ["CPolytailNumerics"],
            path: "Sources/Polytail"
        ),

        // MARK: Bundled data (the UCI digits), out of the core statistics target
        .target(
            name: "PolytailDatasets",
            dependencies: ["Polytail"],
            path: "Sources/PolytailDatasets"
        ),

        // MARK: Command-line tool
        .target(
            name: "PolytailCLI",
            dependencies: [
                "Polytail",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/PolytailCLI"
        ),
        .executableTarget(
            name: "polytail",
            dependencies: ["Polytail", "PolytailCLI"],
            path: "Sources/polytail"
        ),

        // MARK: SVG drawing for the figure scripts
        .target(
            name: "PolytailPlot",
            path: "Sources/PolytailPlot"
        ),

        // MARK: Experiment layer (the paper's experiments as an API the scripts call)
        .target(
            name: "PolytailExperiments",
            dependencies: ["Polytail", "PolytailDatasets", "PolytailPlot", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Sources/PolytailExperiments"
        ),

        // MARK: Figure scripts (swift run NAME)
        .executableTarget(
            name: "demo",
            dependencies: ["Polytail", "PolytailPlot", "PolytailExperiments", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Scripts/Demo"
        ),

        .executableTarget(
            name: "fig1",
            dependencies: ["Polytail", "PolytailPlot", "PolytailExperiments", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Scripts/Fig1"
        ),
        .executableTarget(
            name: "fig3",
            dependencies: ["Polytail", "PolytailPlot", "PolytailExperiments", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Scripts/Fig3"
        ),
        .executableTarget(
            name: "fig2",
            dependencies: ["Polytail", "PolytailPlot", "PolytailExperiments", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Scripts/Fig2"
        ),
        .executableTarget(
            name: "fig4",
            dependencies: ["Polytail", "PolytailPlot", "PolytailExperiments", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Scripts/Fig4"
        ),
        .executableTarget(
            name: "fig5",
            dependencies: ["Polytail", "PolytailPlot", "PolytailExperiments", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Scripts/Fig5"
        ),
        .executableTarget(
            name: "fig6",
            dependencies: ["Polytail", "PolytailPlot", "PolytailExperiments", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Scripts/Fig6"
        ),
        .executableTarget(
            name: "table1",
            dependencies: ["Polytail", "PolytailPlot", "PolytailExperiments", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Scripts/Table1"
        ),
        .executableTarget(
            name: "table2",
            dependencies: ["Polytail", "PolytailPlot", "PolytailExperiments", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Scripts/Table2"
        ),

        // MARK: Benchmarks (run in release: swift run -c release polytail-bench)
        .target(name: "BenchSupport", path: "Scripts/BenchSupport"),
        .executableTarget(
            name: "polytail-bench",
            dependencies: ["Polytail", "BenchSupport", "PolytailExperiments", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Scripts/Bench",
            exclude: ["scipy_tfit.py"]
        ),
        .executableTarget(
            name: "noncentral-t-bench",
            dependencies: ["Polytail", "BenchSupport", "PolytailExperiments", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Scripts/NoncentralTBench",
            exclude: ["scipy_nct.py"]
        ),
        .executableTarget(
            name: "discriminant-bench",
            dependencies: ["Polytail", "BenchSupport", "PolytailExperiments", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Scripts/DiscriminantBench",
            exclude: ["sklearn_peer.py"]
        ),
        .executableTarget(
            name: "classifier-bench",
            dependencies: ["Polytail", "BenchSupport", "PolytailExperiments", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Scripts/ClassifierBench",
            exclude: ["sklearn_peer.py", "statsmodels_peer.py"]
        ),
        .executableTarget(
            name: "robustness-bench",
            dependencies: ["Polytail", "BenchSupport", "PolytailExperiments", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Scripts/RobustnessBench",
            exclude: ["sklearn_mlp.py"]
        ),
        .executableTarget(
            name: "cli-bench",
            dependencies: ["Polytail", "BenchSupport", "PolytailExperiments", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Scripts/CLIBench",
            exclude: ["pandas_peer.py"]
        ),
        .executableTarget(
            name: "cnn-bench",
            dependencies: ["Polytail", "BenchSupport", "PolytailExperiments", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Scripts/CNNBench",
            exclude: ["jax_peer.py"]
        ),
        .executableTarget(
            name: "digits-bench",
            dependencies: ["Polytail", "PolytailDatasets", "BenchSupport", "PolytailExperiments", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Scripts/DigitsBench",
            exclude: ["digits_peer.py"]
        ),

        // MARK: Tests
        .testTarget(
            name: "PolytailTests",
            dependencies: ["Polytail", "PolytailDatasets", "PolytailCLI", "PolytailExperiments", "PolytailPlot"],
            path: "Tests/PolytailTests"
        ),
        .testTarget(
            name: "PolytailPlotTests",
            dependencies: ["PolytailPlot"],
            path: "Tests/PolytailPlotTests"
        ),
    ]
)
