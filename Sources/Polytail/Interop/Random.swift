import CPolytailNumerics

/// Owns one GSL generator state.
private final class GeneratorState {
    let pointer: UnsafeMutablePointer<gsl_rng>

    init(seed: UInt64) {
        GSL.prepare()
        // Allocation failure is out-of-memory: nothing sensible can follow.
        guard let rng = gsl_rng_alloc(polytail_rng_mt19937()) else {
            fatalError("gsl_rng_alloc failed: out of memory")
        }
        gsl_rng_set(rng, UInt(truncatingIfNeeded: seed))
        pointer = rng
    }

    init(copying other: GeneratorState) {
        guard let rng = gsl_rng_clone(other.pointer) else {
            fatalError("gsl_rng_clone failed: out of memory")
        }
        pointer = rng
    }

    deinit { gsl_rng_free(pointer) }
}

/// A seeded Mersenne Twister (GSL `gsl_rng_mt19937`) with value semantics: copying a
/// generator copies its state, so two copies produce the same stream. Every sampler in
/// Polytail takes one `inout`; scripts and tests seed it, so results regenerate bit for bit.
///
/// It also conforms to `RandomNumberGenerator`, for `shuffle(using:)` and friends.
public struct PolytailRandom: RandomNumberGenerator, @unchecked Sendable {
    private var state: GeneratorState

    /// A generator seeded with `seed` (GSL's mt19937 seeding).
    public init(seed: UInt64) { state = GeneratorState(seed: seed) }

    private mutating func uniqueState() -> UnsafeMutablePointer<gsl_rng> {
        if !isKnownUniquelyReferenced(&state) { state = GeneratorState(copying: state) }
        return state.pointer
    }

    /// 64 random bits built from two 32-bit draws of mt19937.
    public mutating func next() -> UInt64 {
        let rng = uniqueState()
        let hi = UInt64(gsl_rng_get(rng) & 0xffff_ffff)
        let lo = UInt64(gsl_rng_get(rng) & 0xffff_ffff)
        return hi << 32 | lo
    }

    /// A uniform draw on (0, 1).
    public mutating func uniformPositive() -> Double { gsl_rng_uniform_pos(uniqueState()) }

    /// A standard normal draw (GSL's ziggurat).
    public mutating func standardNormal() -> Double { gsl_ran_gaussian_ziggurat(uniqueState(), 1) }

    /// A standard Student-t draw with `nu` degrees of freedom.
    public mutating func standardT(_ nu: Double) -> Double { gsl_ran_tdist(uniqueState(), nu) }

    /// A χ² draw with `nu` degrees of freedom.
    public mutating func chiSquared(_ nu: Double) -> Double { gsl_ran_chisq(uniqueState(), nu) }
}
