#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Exact (correctly rounded) text-to-double conversion for CSV cells, without a `String`.
///
/// The grammar is C's `strtod` in the "C" locale, which is also what `Double(_: String)`
/// accepts: an optional sign, decimal digits with an optional point and exponent, hexadecimal
/// floats (`0x1p-3`), `inf`, `infinity` and `nan` in any case. The whole cell must be the
/// number: a NUL byte, a space or any other byte around it makes it not a number.
///
/// Fast path (after Clinger 1990, "How to read floating point numbers accurately", on x87's
/// 64-bit significand): a decimal with at most 19 significant digits m (exact in `Float80`)
/// and |e| ≤ 27 is m·10^e, one `Float80` product with 10^e (exact) or with 10^−e (correctly
/// rounded), so the product is within 2 units in its last place (2⁻⁶³ relative) of the
/// true value. Rounding it to a `Double` then gives the double nearest the true value unless
/// a midpoint between two doubles lies within those 2 units (its low 11 significand bits are
/// within 3 of 100 0000 0000): only those cells (at most 7 in 2048) go to the C library's
/// `strtod`, which is correctly rounded (glibc uses multiple precision), run in the "C" locale. Without `Float80` (ARM) the classic
/// fast path m ≤ 2⁵³, |e| ≤ 22 in `Double` is used. Everything else — more digits, larger
/// exponents, hex, inf, nan, malformed text — is copied to a NUL-terminated buffer for
/// `strtod`, whose end pointer decides whether the whole cell was a number.
enum DecimalParser {
    /// The parsed value, or nil when the bytes are not exactly one number.
    /// Values beyond the double range come back as ±infinity; underflow gives a subnormal or ±0.
    @inline(__always)
    static func parse(_ start: UnsafePointer<UInt8>, _ count: Int) -> Double? {
        if let value = fastPath(start, count) { return value }
        return slowPath(start, count)
    }

    #if arch(x86_64) || arch(i386)
    /// 10^k, k = 0…27, exact in `Float80` (5²⁷ < 2⁶⁴).
    nonisolated(unsafe) static let powersOfTen: UnsafeMutablePointer<Float80> = {
        let p = UnsafeMutablePointer<Float80>.allocate(capacity: 28)
        p[0] = 1
        for k in 1...27 { p[k] = p[k - 1] * 10 }
        return p
    }()
    /// 10^−k, k = 0…27, each correctly rounded to `Float80` (relative error ≤ 2⁻⁶⁴): a
    /// multiplication is several times faster than a division.
    nonisolated(unsafe) static let negativePowersOfTen: UnsafeMutablePointer<Float80> = {
        let p = UnsafeMutablePointer<Float80>.allocate(capacity: 28)
        for k in 0...27 { p[k] = 1 / powersOfTen[k] }
        return p
    }()
    #else
    static let powersOfTen: [Double] = {
        var p: [Double] = [1]
        for _ in 1...22 { p.append(p.last! * 10) }  // exact: 5²² < 2⁵³
        return p
    }()
    #endif

    /// Plain decimals (`-12.5e3`, `0.1`, `7`) of at most 19 significant digits; nil for
    /// anything else or for the rare cells the fast path cannot round exactly.
    @inline(__always)
    static func fastPath(_ p: UnsafePointer<UInt8>, _ n: Int) -> Double? {
        var i = 0
        var negative = false
        if n == 0 { return nil }
        if p[0] == 0x2D { negative = true; i = 1 } else if p[0] == 0x2B { i = 1 }
        var mantissa: UInt64 = 0
        var digits = 0  // significant digits taken into the mantissa
        var exponent = 0  // decimal exponent adjustment from the point
        var sawDigit = false
        // Integer part.
        while i < n {
            let d = p[i] &- 0x30
            if d > 9 { break }
            sawDigit = true
            if mantissa != 0 || d != 0 {
                if digits == 19 { return nil }
                mantissa = mantissa &* 10 &+ UInt64(d)
                digits += 1
            }
            i += 1
        }
        if i < n, p[i] == 0x2E {
            i += 1
            while i < n {
                let d = p[i] &- 0x30
                if d > 9 { break }
                sawDigit = true
                if mantissa != 0 || d != 0 {
                    if digits == 19 { return nil }
                    mantissa = mantissa &* 10 &+ UInt64(d)
                    digits += 1
                }
                exponent -= 1
                i += 1
            }
        }
        guard sawDigit else { return nil }
        if i < n, p[i] | 0x20 == 0x65 {  // e or E
            i += 1
            var expNegative = false
            if i < n, p[i] == 0x2D { expNegative = true; i += 1 } else if i < n, p[i] == 0x2B { i += 1 }
            var e = 0
            var expDigits = 0
            while i < n {
                let d = p[i] &- 0x30
                if d > 9 { break }
                if e < 100_000 { e = e * 10 + Int(d) }
                expDigits += 1
                i += 1
            }
            guard expDigits > 0 else { return nil }
            exponent += expNegative ? -e : e
        }
        guard i == n else { return nil }
        if mantissa == 0 { return negative ? -0.0 : 0.0 }
        #if arch(x86_64) || arch(i386)
        guard exponent >= -27, exponent <= 27 else { return nil }
        let m = Float80(mantissa)
        let r = exponent >= 0 ? m * powersOfTen[exponent] : m * negativePowersOfTen[-exponent]
        // r is within 2 units of its last place of m·10^e (one rounding of an exact product,
        // or of a product with a 10^−k correct to 2⁻⁶⁴). Rounding r to a double gives the
        // double nearest m·10^e unless a midpoint between two doubles (low 11 bits
        // 100 0000 0000) lies within those 2 units: then let strtod decide.
        let low = r.significandBitPattern & 0x7FF
        if low &- 0x3FD < 7 { return nil }
        let value = Double(r)
        #else
        guard mantissa <= 1 << 53, exponent >= -22, exponent <= 22 else { return nil }
        let m = Double(mantissa)
        let value = exponent >= 0 ? m * powersOfTen[exponent] : m / powersOfTen[-exponent]
        #endif
        return negative ? -value : value
    }

    /// The "C" locale for numbers (a point as the decimal separator), whatever the process's.
    nonisolated(unsafe) static let cLocale: locale_t? = newlocale(Int32(LC_NUMERIC_MASK), "C", nil)

    /// `strtod` in the C locale on a NUL-terminated copy; nil unless it consumes every byte
    /// and the cell starts with a sign, a digit, a point or a letter (strtod would skip
    /// leading white space).
    static func slowPath(_ p: UnsafePointer<UInt8>, _ n: Int) -> Double? {
        guard n > 0, n < 1 << 20 else { return nil }
        let first = p[0]
        let startsWell = first == 0x2B || first == 0x2D || first == 0x2E
            || (0x30...0x39).contains(first) || (0x61...0x7A).contains(first | 0x20)
        guard startsWell else { return nil }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: n + 1) { buffer -> Double? in
            let base = buffer.baseAddress!
            UnsafeMutableRawPointer(base).copyMemory(from: p, byteCount: n)
            base[n] = 0
            var end: UnsafeMutablePointer<CChar>? = nil
            // strtod in the C locale on this thread only (uselocale is per thread).
            let previous = cLocale.map { uselocale($0) }
            let value = strtod(base, &end)
            if let previous { _ = uselocale(previous) }
            guard let end, end - base == n else { return nil }
            return value
        }
    }
}
