#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Hot loop (documented raw-pointer use): a cell is parsed in place from the reader's byte
// buffer (a pointer and a length), with no String or Array per cell — the CSV reading
// benchmark of Docs/performance.md parses 10⁶ cells in about 15 ms.

/// Exact (correctly rounded) text-to-double conversion for CSV cells, without a `String`.
///
/// The grammar is C's `strtod` in the "C" locale, which is also what `Double(_: String)`
/// accepts: an optional sign, decimal digits with an optional point and exponent, hexadecimal
/// floats (`0x1p-3`), `inf`, `infinity` and `nan` in any case. The whole cell must be the
/// number: a NUL byte, a space or any other byte around it makes it not a number.
///
/// Fast path, for plain decimals `[+-]digits[.digits][(e|E)[+-]digits]` of at most 19
/// significant digits w (exact in a `UInt64`) and a value w·10^q in the normal range: the
/// Eisel–Lemire algorithm (Lemire 2021, "Number parsing at a gigabyte per second", Software:
/// Practice and Experience 51(8), algorithm 1), which multiplies w by a 128-bit truncation of
/// 5^q (``powersOfFive``) and rounds to nearest, ties to even. Mushtak & Lemire (2023, "Fast
/// number parsing without fallback", same journal 53(6)) prove the product always decides the
/// rounding for 19-digit w; the parser still hands the one case the original algorithm
/// flagged as undecided (the low word all ones outside 10^−27…10^55) to `strtod`, together
/// with everything else — more digits, subnormal or infinite results, hex, inf, nan,
/// malformed text — copied to a NUL-terminated buffer, whose end pointer decides whether the
/// whole cell was a number. glibc's `strtod` is correctly rounded (multiple precision), so
/// both paths give the same bits; the tests check this against `strtod` on random and
/// adversarial cells. Digits are read eight at a time (one 64-bit load and three
/// multiplications, after Lemire's `parse_eight_digits_unrolled`).
enum DecimalParser {
    /// The parsed value, or nil when the bytes are not exactly one number.
    /// Values beyond the double range come back as ±infinity; underflow gives a subnormal or ±0.
    @inline(__always)
    static func parse(_ start: UnsafePointer<UInt8>, _ count: Int) -> Double? {
        if let (value, length) = prefix(start, count), length == count { return value }
        return slowPath(start, count)
    }

    /// The longest plain decimal at the start of `p[0..<limit]` and its length in bytes, when
    /// it has at most 19 significant digits and its correctly rounded value is a finite
    /// normal double or zero; nil otherwise (or when it does not start with a number). The
    /// caller decides whether the byte after it may end a number.
    @inline(__always)
    static func prefix(_ p: UnsafePointer<UInt8>, _ limit: Int) -> (value: Double, length: Int)? {
        var i = 0
        guard limit > 0 else { return nil }
        let negative = p[0] == 0x2D
        if negative || p[0] == 0x2B { i = 1 }
        var w: UInt64 = 0
        var digits = 0  // significant digits in w (leading zeros are not counted)
        var exponent = 0  // the decimal exponent q: the value is w·10^q
        var sawDigit = false
        // Leading zeros of the integer part.
        while i < limit, p[i] == 0x30 { i += 1; sawDigit = true }
        // The integer part, then the fraction: the same digit loop, the fraction's digits
        // lowering the exponent by one each.
        let integerStart = i
        readDigits(p, limit, &i, &w, &digits)
        if i > integerStart { sawDigit = true }
        if i < limit, p[i] == 0x2E {
            i += 1
            if w == 0 {
                // Leading zeros after the point only move the exponent.
                let zerosStart = i
                while i < limit, p[i] == 0x30 { i += 1 }
                exponent -= i - zerosStart
                if i > zerosStart { sawDigit = true }
            }
            let fractionStart = i
            readDigits(p, limit, &i, &w, &digits)
            exponent -= i - fractionStart
            if i > fractionStart { sawDigit = true }
        }
        guard sawDigit, digits <= 19 else { return nil }
        if i < limit, p[i] | 0x20 == 0x65 {  // e or E
            i += 1
            var expNegative = false
            if i < limit, p[i] == 0x2D { expNegative = true; i += 1 } else if i < limit, p[i] == 0x2B { i += 1 }
            var e = 0
            let expStart = i
            while i < limit {
                let d = p[i] &- 0x30
                if d > 9 { break }
                if e < 100_000 { e = e * 10 + Int(d) }
                i += 1
            }
            guard i > expStart else { return nil }
            exponent += expNegative ? -e : e
        }
        if w == 0 { return (negative ? -0.0 : 0.0, i) }
        guard let magnitude = eiselLemire(w, exponent) else { return nil }
        return (negative ? -magnitude : magnitude, i)
    }

    /// Appends the decimal digits at `p[i...]` to `w`: eight bytes are loaded at a time and
    /// their leading digits (up to eight) converted at once. `digits` counts them; past 19 `w`
    /// is meaningless (wrapped) and the caller gives up.
    @inline(__always)
    static func readDigits(
        _ p: UnsafePointer<UInt8>, _ limit: Int, _ i: inout Int, _ w: inout UInt64, _ digits: inout Int
    ) {
        while i + 8 <= limit {
            let v = UInt64(littleEndian: UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self))
            // A byte is a digit when b ^ 0x30 < 10: flag the others (high bit of
            // (t & 0x7F) + 0x76, or of t itself); no carry crosses a byte.
            let t = v ^ 0x3030_3030_3030_3030
            let others = (((t & 0x7F7F_7F7F_7F7F_7F7F) &+ 0x7676_7676_7676_7676) | t) & 0x8080_8080_8080_8080
            if others == 0 {
                w = w &* 100_000_000 &+ eightDigits(v)
                digits += 8
                i += 8
                continue
            }
            // k < 8 leading digits: move them to the top of the word, '0's below, and convert.
            let k = others.trailingZeroBitCount >> 3
            if k > 0 {
                let shift = UInt64(64 - 8 * k)
                let aligned = v << shift | 0x3030_3030_3030_3030 >> UInt64(8 * k)
                w = w &* powersOfTenInteger[k] &+ eightDigits(aligned)
                digits += k
                i += k
            }
            return
        }
        while i < limit {
            let d = p[i] &- 0x30
            if d > 9 { break }
            w = w &* 10 &+ UInt64(d)
            digits += 1
            i += 1
        }
    }

    /// 10^k for k = 0…8.
    static let powersOfTenInteger: [UInt64] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000]

    /// The eight ASCII digits of `v` (the first byte most significant) as a number: pairs,
    /// then quadruples, then all eight, by three multiplications (Lemire's
    /// `parse_eight_digits_unrolled`).
    @inline(__always)
    static func eightDigits(_ v: UInt64) -> UInt64 {
        var t = v &- 0x3030_3030_3030_3030
        t = (t &* 10) &+ (t >> 8)
        let mask: UInt64 = 0x0000_00FF_0000_00FF
        return (((t & mask) &* 0x000F_4240_0000_0064) &+ (((t >> 16) & mask) &* 0x0000_2710_0000_0001)) >> 32
    }

    /// w·10^q correctly rounded (ties to even), for 0 < w < 2⁶⁴; nil when the result is
    /// subnormal or infinite, q is outside the table, or the product leaves the rounding
    /// undecided (see the type's comment). Lemire 2021, algorithm 1, for binary64.
    @inline(__always)
    static func eiselLemire(_ w: UInt64, _ q: Int) -> Double? {
        guard q >= smallestPowerOfFive, q <= largestPowerOfFive else { return nil }
        let leadingZeros = w.leadingZeroBitCount
        let normalized = w << UInt64(leadingZeros)
        let index = 2 * (q - smallestPowerOfFive)
        let high0 = powersOfFive[index], low0 = powersOfFive[index + 1]
        var (high, low) = normalized.multipliedFullWidth(by: high0)
        // 55 bits are needed (52 + implicit + round + one more); when the 9 bits below them
        // are all ones the truncated table entry could matter: add the low word's product.
        if high & 0x1FF == 0x1FF {
            let (secondHigh, _) = normalized.multipliedFullWidth(by: low0)
            let (sum, carry) = low.addingReportingOverflow(secondHigh)
            low = sum
            if carry { high &+= 1 }
        }
        // Lemire 2021's one undecided case (proved impossible by Mushtak & Lemire; kept as a
        // guard): the low word all ones outside 10^−27…10^55, where 5^q is not exact.
        if low == .max, q < -27 || q > 55 { return nil }
        let upperBit = Int(high >> 63)
        let shift = UInt64(upperBit + 9)
        var mantissa = high >> shift
        // floor(log₂ 10^q) + 63, exact for |q| ≤ 342: (217706·q) >> 16.
        var power2 = ((217_706 * q) >> 16) + 63 + upperBit - leadingZeros + 1023
        guard power2 > 0 else { return nil }  // subnormal: strtod
        // A tie can only be exact for 10^−4 ≤ 10^q ≤ 10^23 (5^q must divide or be exact).
        if low <= 1, q >= -4, q <= 23, mantissa & 3 == 1, mantissa << shift == high {
            mantissa &= ~1
        }
        mantissa += mantissa & 1
        mantissa >>= 1
        if mantissa >= 1 << 53 {
            mantissa = 1 << 52
            power2 += 1
        }
        guard power2 < 0x7FF else { return nil }  // infinite: strtod
        return Double(bitPattern: UInt64(power2) << 52 | (mantissa & ~(1 << 52)))
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
