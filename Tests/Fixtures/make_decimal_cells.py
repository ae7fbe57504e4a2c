#!/usr/bin/env python3
"""Hard decimal cells for the exact number parser (writes decimal_cells.json) for
Tests/PolytailTests/CSVNumberReaderTests.swift.

  python3 Tests/Fixtures/make_decimal_cells.py

Each case is a cell's text and the bits of the double nearest its value (ties to even),
computed with Python's exact integer/Fraction arithmetic (independent of any C strtod):
- midpoints between adjacent doubles over the whole range, written with 17-19 significant
  digits just below, at and just above the midpoint (and exactly, when that takes <= 19 digits);
- odd integers between 2^53 and 2^64 (ties at the integer level) and ties times powers of ten;
- random 1-19 digit mantissas with exponents from -350 to 320 (the table's ends, subnormals,
  overflow), and the smallest/largest normal and subnormal neighbourhoods.
"""
import json
import os
import random
import struct
from fractions import Fraction


def to_bits(x):
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def nearest(frac):
    """The double nearest a non-negative Fraction, ties to even (inf past the range)."""
    if frac == 0:
        return 0.0
    # Python's float(Fraction) is correctly rounded (int/int true division, round-half-even).
    try:
        return float(frac)
    except OverflowError:
        return float("inf")


def decimal_text(frac, digits, mode):
    """frac with `digits` significant digits, truncated ('down') or rounded up ('up'), as
    d.ddde±x text; returns (text, exact Fraction of the text)."""
    # Find e with 10^e <= frac < 10^(e+1).
    e = len(str(frac.numerator // frac.denominator)) - 1 if frac >= 1 else 0
    if frac < 1:
        e = -1
        while Fraction(10) ** e > frac:
            e -= 1
    while Fraction(10) ** (e + 1) <= frac:
        e += 1
    scale = Fraction(10) ** (digits - 1 - e)
    m = frac * scale
    n = m.numerator // m.denominator
    if mode == "up" and n != m:
        n += 1
    value = Fraction(n) / scale
    s = str(n)
    q = e - (digits - 1)
    # n may have gained a digit (999.. + 1); the text is n·10^q either way.
    return f"{s}e{q}", value


def main():
    rng = random.Random(20221001)
    cases = []

    def add(text, sign=1):
        t = ("-" if sign < 0 else "") + text
        # Exact value of the text.
        mant, _, exp = text.partition("e")
        if "." in mant:
            ip, fp = mant.split(".")
            v = Fraction(int(ip + fp or "0"), 10 ** len(fp))
        else:
            v = Fraction(int(mant))
        v *= Fraction(10) ** int(exp or "0")
        x = nearest(v)
        assert to_bits(float(t)) == to_bits(-x if sign < 0 else x), t  # CPython's own correctly rounded reader
        cases.append([t, f"{to_bits(-x if sign < 0 else x):016x}"])

    # Midpoints between adjacent doubles.
    for _ in range(1500):
        kind = rng.random()
        if kind < 0.1:
            bits = rng.randrange(1, 1 << 52)  # subnormal
        else:
            bits = rng.randrange(1 << 52, 0x7FEFFFFFFFFFFFFF)
        x = struct.unpack("<d", struct.pack("<Q", bits))[0]
        y = struct.unpack("<d", struct.pack("<Q", bits + 1))[0]
        mid = (Fraction(x) + Fraction(y)) / 2
        for digits in (17, 18, 19):
            for mode in ("down", "up"):
                text, _ = decimal_text(mid, digits, mode)
                add(text, rng.choice([1, -1]))
        # The exact midpoint, when short enough (it then decides a tie).
        text, value = decimal_text(mid, 19, "down")
        if value == mid:
            add(text)
    # Odd integers near and above 2^53: exact ties at integer level.
    for _ in range(1500):
        k = rng.randrange(53, 64)
        n = rng.randrange(1 << k, 1 << (k + 1)) | 1
        add(str(n))
        # Ties times powers of ten: n·2^j written in decimal when <= 19 digits.
        m = (2 * rng.randrange(1 << 52, 1 << 53) + 1) << rng.randrange(0, 12)
        if len(str(m)) <= 19:
            add(str(m))
            add(f"{m}e{rng.randrange(-4, 5)}")
        # Fractions with a power-of-two denominator: exact in decimal, some ties.
        j = rng.randrange(1, 8)
        num = 2 * rng.randrange(1 << 52, 1 << 53) + 1
        frac = Fraction(num, 1 << j)
        text, value = decimal_text(frac, 19, "down")
        if value == frac:
            add(text)
    # Random mantissas over the whole exponent range.
    for _ in range(4000):
        digits = rng.randrange(1, 20)
        m = rng.randrange(10 ** (digits - 1), 10 ** digits)
        e = rng.randrange(-350, 321)
        point = rng.randrange(0, digits + 1)
        s = str(m)
        mant = s[:point] + "." + s[point:] if point < digits else s
        if mant.startswith("."):
            mant = "0" + mant
        add(f"{mant}e{e}", rng.choice([1, -1]))
    # Edges.
    for text in ["2.2250738585072011e-308", "2.2250738585072012e-308", "2.2250738585072014e-308",
                 "2.225073858507201136e-308", "4.9406564584124654e-324", "2.4703282292062327e-324",
                 "2.4703282292062328e-324", "1.7976931348623157e308", "1.7976931348623158e308",
                 "1.797693134862315807e308", "1.797693134862315808e308", "1e-342", "1e-343", "1e308",
                 "1e309", "9999999999999999999e-361", "1e-325", "1e23", "8.98846567431158e307",
                 "9007199254740993", "9007199254740995", "18014398509481993", "1.0000000000000002",
                 "1.00000000000000011102230246251565404", "0.1", "0.2", "0.3", "5e-324", "3e-324"]:
        add(text)
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "decimal_cells.json")
    source = "Python %s exact Fraction arithmetic" % __import__("sys").version.split()[0]
    with open(out, "w") as f:
        f.write('{"source": %s, "cases": [\n' % json.dumps(source))
        f.write(",\n".join(json.dumps(c) for c in cases))
        f.write("\n]}\n")
    print("wrote", out, len(cases), "cases")


if __name__ == "__main__":
    main()
