#!/usr/bin/env python3
"""Adversarial corpus: several hundred malformed inputs against `polytail fit|lda|weights`
and every figure script, checking the contract of Docs/guarantees.md:

- exit 0 (success), 1 (bad data) or 2 (bad command line) — the one expected for the case;
- on failure: stdout empty, exactly one line on stderr;
- on success: nothing on stderr (polytail), no NaN / inf / null / clamped value
  (±1.7976931348623157e308, 5e-324) in what is printed or written (CSV/JSON files);
- no hang (60 s), no crash (signal), no memory blow-up (address space capped at 4 GiB).

Usage: python3 Tests/Corpus/run_corpus.py [--bin .build/release] [--only SUBSTRING] [--quick]
(`make corpus` builds the release binaries and runs it). Exit 1 when any case fails.
Standard library only.
"""
import argparse
import gzip
import os
import re
import resource
import shutil
import struct
import subprocess
import sys
import tempfile
import time

ap = argparse.ArgumentParser()
ap.add_argument("--bin", default=".build/release")
ap.add_argument("--only", default="")
ap.add_argument("--quick", action="store_true", help="skip the slow cases (FIFO wait, script training)")
ap.add_argument("--timeout", type=float, default=60)
args = ap.parse_args()
BIN = os.path.abspath(args.bin)
TMP = tempfile.mkdtemp(prefix="polytail-corpus-")
MEMORY = 4 << 30

# NaN, infinities, JSON null, and the largest double (the mark of a clamped overflow). A
# subnormal such as 5e-324 can be a true tail probability and is not flagged.
BAD_TOKENS = re.compile(r"(?<![A-Za-z\"])(nan|NaN|NAN|-?inf|-?Inf|null|1\.7976931348623157e\+?308)(?![A-Za-z])")


def limit():
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def path(name):
    return os.path.join(TMP, name)


def write(name, text, mode="w"):
    p = path(name)
    with open(p, mode) as f:
        f.write(text)
    return p


def csv(name, header, rows):
    return write(name, header + "\n" + "".join(r + "\n" for r in rows))


# ---------------------------------------------------------------- data files
import random

rng = random.Random(1)
good_x = [f"{rng.gauss(0, 1) / max(0.2, abs(rng.gauss(0, 1))) :.6f}" for _ in range(60)]
FILES = {}


def F(name, text):
    FILES[name] = write(name, text)


F("good.csv", "x\n" + "\n".join(good_x) + "\n")
F("empty.csv", "")
F("header_only.csv", "x\n")
F("blank_lines.csv", "\n\n\n")
F("bom.csv", "\ufeffx\n" + "\n".join(good_x) + "\n")
F("nul_cell.csv", "x\n1\n7\0garbage\n3\n4\n")
F("nul_header.csv", "x\0y\n1\n2\n3\n")
F("esc_header.csv", "x\x1b[31m\n1\n2\n3\n")
F("nan.csv", "x\n1\nnan\n3\n4\n")
F("NaN_word.csv", "x\n1\nNaN\n3\n4\n")
F("inf.csv", "x\n1\ninf\n3\n4\n")
F("minus_inf.csv", "x\n1\n-Infinity\n3\n4\n")
F("overflow.csv", "x\n1\n1e400\n3\n4\n")
F("underflow_e.csv", "x\n1\n1e-400\n3\n4\n")
F("hex.csv", "x\n0x1p3\n2\n3\n4\n")
F("comma_decimal.csv", "x\n\"1,5\"\n2\n3\n4\n")
F("space_cell.csv", "x\n 1\n2 \n3\n4\n")
F("plus.csv", "x\n+1\n2\n3\n4\n")
F("ragged.csv", "x,y\n1,2\n3\n4,5\n6,7\n")
F("ragged_long.csv", "x,y\n1,2,3\n3,4\n4,5\n6,7\n")
F("unterminated.csv", "x\n\"1\n2\n3\n")
F("stray_quote.csv", "x\n1\"2\n3\n4\n")
F("bad_utf8.csv", "x\n1\n\xff\n")
FILES["bad_utf8.csv"] = write("bad_utf8.csv", b"x\n1\n\xff\xfe\n3\n4\n", "wb")
F("crlf.csv", "x\r\n" + "\r\n".join(good_x) + "\r\n")
F("cr_only.csv", "x\r" + "\r".join(good_x) + "\r")
F("dup_header.csv", "x,x\n1,2\n3,4\n5,6\n")
F("dup_header_nl.csv", "\"a\nb\",\"a\nb\"\n1,2\n3,4\n5,6\n")
F("empty_header.csv", "x,\n1,2\n3,4\n5,6\n")
F("one_row.csv", "x\n1\n")
F("two_rows.csv", "x\n1\n2\n")
F("three_rows.csv", "x\n1\n2\n4\n")
F("constant.csv", "x\n" + "5\n" * 20)
F("two_values.csv", "x\n" + "1\n" * 10 + "2\n" * 10)
F("subnormal.csv", "x\n5e-324\n1e-323\n1.5e-323\n2e-323\n3e-323\n")
F("subnormal2.csv", "x\n" + "\n".join(f"{float(v) * 1e-310!r}" for v in good_x) + "\n")
F("zero_subnormal.csv", "x\n0\n5e-324\n0\n5e-324\n")
F("huge.csv", "x\n1e308\n-1e308\n1.5e308\n-1.7e308\n7e307\n2.2e307\n")
F("max.csv", "x\n1.7976931348623157e308\n-1.7976931348623157e308\n1\n2\n3\n")
F("nct_killer.csv", "x\n1e20\n-1e20\n1\n2\n3\n")
F("tiny_spread.csv", "x\n1e300\n1.0000000000000002e300\n1e300\n1.0000000000000004e300\n")
F("minus_zero.csv", "x\n-0\n0\n-0.0\n1\n2\n")
F("mixed.csv", "x\n1e-300\n1e300\n1\n-1e300\n5e-324\n")
F("ties.csv", "x\n" + "0\n" * 50 + "1\n2\n3\n")
F("na.csv", "x\n1\nNA\n3\n4\n5\n")
F("all_na.csv", "x\nNA\nNA\n\n")
F("text.csv", "x\nabc\ndef\n")
F("long_line.csv", "x\n" + "1" * 200000 + "\n2\n3\n")
F("many_cols.csv", ",".join(f"c{i}" for i in range(2000)) + "\n" + ",".join("1" for _ in range(2000)) + "\n")
F("weights_good.csv", "x,w\n" + "\n".join(f"{v},1" for v in good_x) + "\n")
for tag, w in [("neg", "-1"), ("nan", "nan"), ("zero", "0"), ("inf", "inf"), ("huge", "1e308"), ("tiny", "5e-324"), ("sub", "1e-310"), ("mz", "-0")]:
    rows = [f"{v},{w if i % 7 == 3 else '1'}" for i, v in enumerate(good_x)]
    F(f"weights_{tag}_one.csv", "x,w\n" + "\n".join(rows) + "\n")
    F(f"weights_{tag}_all.csv", "x,w\n" + "\n".join(f"{v},{w}" for v in good_x) + "\n")
F("two_col.csv", "a,b\n" + "\n".join(f"{good_x[i]},{good_x[-i - 1]}" for i in range(40)) + "\n")
F("two_col_const.csv", "a,b\n" + "\n".join(f"{good_x[i]},3" for i in range(40)) + "\n")
F("two_col_collinear.csv", "a,b\n" + "\n".join(f"{good_x[i]},{float(good_x[i]) * 2}" for i in range(40)) + "\n")
F("two_col_huge.csv", "a,b\n" + "\n".join(f"{float(good_x[i]) * 1e307},{float(good_x[-i - 1]) * 1e307}" for i in range(40)) + "\n")
F("two_col_sub.csv", "a,b\n" + "\n".join(f"{float(good_x[i]) * 1e-310!r},{float(good_x[-i - 1]) * 1e-310!r}" for i in range(40)) + "\n")
F("semicolon.csv", "x;y\n" + "\n".join(f"{good_x[i]};{good_x[-i - 1]}" for i in range(40)) + "\n")
# Files of 2 MiB or more, which the reader reads in two halves on two threads: a bad cell, a
# bad byte or a short row in the second half; a quoted field across the middle; CR line ends;
# millions of blank lines. (Expected exit: 0 ok, 1 bad data.)
big_x = [good_x[i % 60] for i in range(200_000)]
BIG = {
    "big_bad_second_half.csv": ("x\n" + "\n".join(big_x[:150_000] + ["abc"] + big_x[150_000:]) + "\n", 1),
    "big_nan_second_half.csv": ("x\n" + "\n".join(big_x[:150_000] + ["nan"] + big_x[150_000:]) + "\n", 1),
    "big_ragged_second_half.csv": ("x,y\n" + "".join(f"{v},{v}\n" for v in big_x[:150_000]) + "1\n" + "".join(f"{v},{v}\n" for v in big_x[:1000]), 1),
    "big_quote_across_middle.csv": ("x,l\n" + "".join(f"{v},a\n" for v in big_x[:60_000]) + "1,\"" + "z\n" * 600_000 + "\"\n" + "".join(f"{v},b\n" for v in big_x[:60_000]), 0),
    "big_unterminated_quote.csv": ("x,l\n" + "".join(f"{v},a\n" for v in big_x[:60_000]) + "1,\"" + "z\n" * 600_000, 1),
    "big_cr_only.csv": ("x\r" + "\r".join(big_x) + "\r", 0),
    "big_blank_lines.csv": ("x\n" + "\n" * 3_000_000 + "\n".join(big_x[:1000]) + "\n", 1),
}
for name, (text, _) in BIG.items():
    F(name, text)
FILES["big_bad_utf8.csv"] = write("big_bad_utf8.csv", ("x\n" + "\n".join(big_x[:150_000]) + "\n").encode() + b"\xff\n1\n2\n", "wb")
BIG["big_bad_utf8.csv"] = (None, 1)

# LDA files.
def lda_rows(labels, n=30, scale=1.0):
    r = random.Random(2)
    out = []
    for i in range(n):
        lab = labels[i % len(labels)]
        k = labels.index(lab)
        out.append(f"{(r.gauss(0, 1) + 2 * k) * scale!r},{(r.gauss(0, 1) - k) * scale!r},{lab}")
    return out


F("lda_train.csv", "a,b,label\n" + "\n".join(lda_rows(["0", "1"])) + "\n")
F("lda_test.csv", "a,b\n1,2\n-1,0\n1e308,-1e308\n0,0\n-1.7976931348623157e308,1.7976931348623157e308\n5e-324,0\n")
F("lda_test_nan.csv", "a,b\n1,2\nnan,0\n")
F("lda_test_missing_col.csv", "a,c\n1,2\n")
F("lda_test_empty.csv", "a,b\n")
F("lda_labels_01.csv", "a,b,label\n" + "\n".join(lda_rows(["1", "01", "+1"])) + "\n")
F("lda_labels_zero.csv", "a,b,label\n" + "\n".join(lda_rows(["0", "-0"])) + "\n")
F("lda_one_class.csv", "a,b,label\n" + "\n".join(lda_rows(["1"])) + "\n")
F("lda_empty_label.csv", "a,b,label\n" + "\n".join(lda_rows(["1", ""])) + "\n")
F("lda_nan_label.csv", "a,b,label\n" + "\n".join(lda_rows(["1", "nan"])) + "\n")
F("lda_text_label.csv", "a,b,label\n" + "\n".join(lda_rows(["cat", "dog", "\u00e9l\u00e8ve"])) + "\n")
F("lda_nul_label.csv", "a,b,label\n" + "\n".join(lda_rows(["1", "2\0x"])) + "\n")
F("lda_singleton.csv", "a,b,label\n" + "\n".join(lda_rows(["1", "2"], n=20)) + "\n1,1,3\n")
F("lda_const.csv", "a,b,label\n" + "\n".join(f"1,{i},{i % 2}" for i in range(30)) + "\n")
F("lda_huge.csv", "a,b,label\n" + "\n".join(lda_rows(["0", "1"], scale=1e307)) + "\n")
F("lda_sub.csv", "a,b,label\n" + "\n".join(lda_rows(["0", "1"], scale=1e-310)) + "\n")
F("lda_nolabelcol.csv", "a,b\n1,2\n3,4\n")
F("lda_manyclasses.csv", "a,b,label\n" + "\n".join(lda_rows([str(i) for i in range(30)], n=30)) + "\n")
F("model_garbage.json", "{not json")
F("model_empty.json", "")
F("model_wrong.json", '{"format": "polytail-lda", "version": 1, "features": ["a","b"], "label": "label", "dfRule": "tied", "model": {}}')

# Weights files.
F("src.csv", "x\n" + "\n".join(good_x[:40]) + "\n")
F("tgt.csv", "x\n" + "\n".join(f"{float(v) + 0.5}" for v in good_x[20:]) + "\n")
F("tgt_far.csv", "x\n" + "\n".join(f"{float(v) + 1e6}" for v in good_x[20:]) + "\n")
F("src_huge.csv", "x\n" + "\n".join(f"{float(v) * 1e300}" for v in good_x[:40]) + "\n")
F("tgt_huge.csv", "x\n" + "\n".join(f"{float(v) * 1e300 + 1e299}" for v in good_x[20:]) + "\n")
F("at_extreme.csv", "x\n1e308\n-1e308\n0\n5e-324\n-1.7976931348623157e308\n")
F("at_nan.csv", "x\n1\nnan\n")
F("src2.csv", "a,b\n" + "\n".join(f"{good_x[i]},{good_x[-i - 1]}" for i in range(40)) + "\n")

# A FIFO with no writer, a directory, devices.
fifo = path("orphan.fifo")
os.mkfifo(fifo)
FILES["fifo"] = fifo
FILES["dir"] = TMP
FILES["devnull"] = "/dev/null"
FILES["devzero"] = "/dev/zero"
FILES["missing"] = path("no-such-file.csv")

# IDX folders for the scripts' --data.
def idx(dims, body, kind=3):
    magic = struct.pack(">I", 0x800 | kind if kind else 0x803)
    return magic + b"".join(struct.pack(">I", d) for d in dims) + body


def idx_folder(name, files):
    d = path(name)
    os.makedirs(d, exist_ok=True)
    for fname, data in files.items():
        if data == "FIFO":
            os.mkfifo(os.path.join(d, fname))
        elif data == "DIR":
            os.makedirs(os.path.join(d, fname), exist_ok=True)
        elif fname.endswith(".gz"):
            with gzip.open(os.path.join(d, fname), "wb") as f:
                f.write(data)
        else:
            with open(os.path.join(d, fname), "wb") as f:
                f.write(data)
    return d


def mnist(n, m, labels_ok=True):
    imgs = idx([n, 28, 28], bytes(rng.randrange(256) for _ in range(n * 784)), 3)
    labs = idx([n], bytes((i % 10) if labels_ok else 200 for i in range(n)), 1)
    return imgs, labs


tr_i, tr_l = mnist(60, 0)
te_i, te_l = mnist(30, 0)
good_idx = {"train-images-idx3-ubyte": tr_i, "train-labels-idx1-ubyte": tr_l, "t10k-images-idx3-ubyte": te_i, "t10k-labels-idx1-ubyte": te_l}
IDX = {
    "idx_good": idx_folder("idx_good", good_idx),
    "idx_fifo": idx_folder("idx_fifo", {**good_idx, "train-labels-idx1-ubyte": "FIFO"}),
    "idx_dir": idx_folder("idx_dir", {**good_idx, "t10k-images-idx3-ubyte": "DIR"}),
    "idx_empty": idx_folder("idx_empty", {}),
    "idx_truncated": idx_folder("idx_truncated", {**good_idx, "train-images-idx3-ubyte": tr_i[:-100]}),
    "idx_trailing": idx_folder("idx_trailing", {**good_idx, "train-images-idx3-ubyte": tr_i + b"xx"}),
    "idx_badmagic": idx_folder("idx_badmagic", {**good_idx, "train-images-idx3-ubyte": b"\0\0\x08\x02" + tr_i[4:]}),
    "idx_badlabel": idx_folder("idx_badlabel", {**good_idx, "train-labels-idx1-ubyte": idx([60], bytes([200] * 60), 1)}),
    "idx_count": idx_folder("idx_count", {**good_idx, "train-labels-idx1-ubyte": idx([59], bytes(59), 1)}),
    "idx_zero_dim": idx_folder("idx_zero_dim", {**good_idx, "train-images-idx3-ubyte": idx([0, 28, 28], b"", 3)}),
    "idx_huge_header": idx_folder("idx_huge_header", {**good_idx, "train-images-idx3-ubyte": idx([4000000000, 65535, 65535], b"abc", 3)}),
    "idx_bomb": idx_folder("idx_bomb", {**{k + ".gz": v for k, v in good_idx.items()}, "train-images-idx3-ubyte.gz": idx([60, 28, 28], bytes(60 * 784 + (64 << 20)), 3)}),
    "idx_badgz": idx_folder("idx_badgz", {k: v for k, v in good_idx.items() if k != "train-images-idx3-ubyte"}),
    "idx_file": FILES["good.csv"],
}
with open(os.path.join(IDX["idx_badgz"], "train-images-idx3-ubyte.gz"), "wb") as f:
    f.write(b"\x1f\x8b\x08\x00garbage-that-is-not-deflate" * 10)

# ---------------------------------------------------------------- cases
CASES = []  # (name, argv, expected codes, kind)


def case(name, argv, expected, kind="polytail", slow=False):
    if args.quick and slow:
        return
    if args.only and args.only not in name:
        return
    CASES.append((name, argv, set(expected) if isinstance(expected, (set, list, tuple)) else {expected}, kind))


P = os.path.join(BIN, "polytail")
ok, data, usage = 0, 1, 2
DATA_OK = {0, 1}

# fit: every data file with every family.
fit_expect = {
    "good.csv": ok, "empty.csv": data, "header_only.csv": data, "blank_lines.csv": data, "bom.csv": ok,
    "nul_cell.csv": data, "nul_header.csv": DATA_OK, "esc_header.csv": DATA_OK, "nan.csv": data, "NaN_word.csv": data,
    "inf.csv": data, "minus_inf.csv": data, "overflow.csv": data, "underflow_e.csv": DATA_OK, "hex.csv": DATA_OK,  # strtod reads hexadecimal floats (0x1p3 = 8)
   
    "comma_decimal.csv": data, "space_cell.csv": DATA_OK, "plus.csv": DATA_OK, "ragged.csv": data, "ragged_long.csv": data,
    "unterminated.csv": data, "stray_quote.csv": data, "bad_utf8.csv": data, "crlf.csv": ok, "cr_only.csv": DATA_OK,
    "dup_header.csv": data, "dup_header_nl.csv": data, "empty_header.csv": data, "one_row.csv": data, "two_rows.csv": DATA_OK,
    "three_rows.csv": DATA_OK, "constant.csv": data, "two_values.csv": DATA_OK, "subnormal.csv": DATA_OK, "subnormal2.csv": ok,
    "zero_subnormal.csv": data, "huge.csv": DATA_OK, "max.csv": DATA_OK, "nct_killer.csv": DATA_OK, "tiny_spread.csv": DATA_OK,
    "minus_zero.csv": DATA_OK, "mixed.csv": DATA_OK, "ties.csv": DATA_OK, "na.csv": data, "all_na.csv": data, "text.csv": data,
    "long_line.csv": data, "many_cols.csv": DATA_OK,
}
for fname, expected in fit_expect.items():
    multi = fname in ("ragged.csv", "ragged_long.csv", "many_cols.csv", "dup_header.csv", "dup_header_nl.csv", "empty_header.csv")
    for family in ["t", "normal", "noncentral-t"]:
        case(f"fit {fname} {family}", [P, "fit", FILES[fname], "--family", family], expected | {usage} if multi and family == "noncentral-t" and isinstance(expected, set) else ({expected, usage} if multi and family == "noncentral-t" else expected))
    case(f"fit {fname} stream", [P, "fit", FILES[fname], "--stream"], (expected | {usage}) if multi and isinstance(expected, set) else ({expected, usage} if multi else expected))
for fname in ["na.csv", "all_na.csv"]:
    case(f"fit {fname} drop", [P, "fit", FILES[fname], "--missing", "drop"], DATA_OK)
for fname, (_, expected) in BIG.items():
    columns = ["--columns", "x"]
    for family in ["t", "normal"]:
        case(f"fit {fname} {family}", [P, "fit", FILES[fname], "--family", family] + columns, expected)
    case(f"fit {fname} stream", [P, "fit", FILES[fname], "--stream"] + columns, expected)
case("fit big_blank_lines.csv drop", [P, "fit", FILES["big_blank_lines.csv"], "--missing", "drop"], ok)
for key in ["devnull", "devzero", "dir", "missing"]:
    case(f"fit {key}", [P, "fit", FILES[key]], data)
case("fit fifo", [P, "fit", FILES["fifo"]], data, slow=True)

# fit: parameters.
G = FILES["good.csv"]
for df in ["0", "-1", "nan", "inf", "-inf", "5e-324", "1e-310", "1e-300", "1e300", "1.7976931348623157e308", "abc", "", "1e", "0x10", "-0"]:
    for family in ["t", "noncentral-t"]:
        # ν = 1e-300 is valid but the t likelihood is then unbounded on most data: exit 1 is honest.
        case(f"fit --df {df!r} {family}", [P, "fit", G, "--family", family, "--df", df], {ok, data, usage} if df == "1e-300" else {ok, usage})
    case(f"fit --max-df {df!r}", [P, "fit", G, "--max-df", df], {ok, usage})
for df in ["1e300", "1e6", "1e-3", "1e-300"]:
    case(f"fit nct_killer --df {df}", [P, "fit", FILES["nct_killer.csv"], "--family", "noncentral-t", "--df", df], {ok, data, usage})
case("fit --df with normal", [P, "fit", G, "--family", "normal", "--df", "3"], usage)
case("fit bogus family", [P, "fit", G, "--family", "cauchy"], usage)
case("fit no file", [P, "fit"], usage)
case("fit two files", [P, "fit", G, G], usage)
case("fit unknown option", [P, "fit", G, "--bogus"], usage)
case("fit --columns missing", [P, "fit", G, "--columns", "nope"], {data, usage})
case("fit --columns empty", [P, "fit", G, "--columns", ""], {data, usage})
case("fit --columns dup", [P, "fit", FILES["two_col.csv"], "--columns", "a,a"], {data, usage})
case("fit --weights missing", [P, "fit", FILES["weights_good.csv"], "--weights", "nope"], {data, usage})
case("fit --weights = column", [P, "fit", FILES["weights_good.csv"], "--weights", "x", "--columns", "x"], {data, usage})
for d in ["ab", '"', "\n", "\r", "", "\0", "é", "tab"]:
    if d != "\0":
        case(f"fit --delimiter {d!r}", [P, "fit", FILES["semicolon.csv"], "--delimiter", d], {ok, data, usage} if d == "tab" else usage)
case("fit --delimiter ;", [P, "fit", FILES["semicolon.csv"], "--delimiter", ";", "--columns", "x"], ok)
case("fit --missing bogus", [P, "fit", G, "--missing", "bogus"], usage)
case("fit stream nct", [P, "fit", G, "--stream", "--family", "noncentral-t"], usage)
case("fit stdin", [P, "fit", "-"], data)  # stdin is /dev/null here
for fname in [f for f in FILES if f.startswith("weights_")]:
    for family in ["t", "normal", "noncentral-t"]:
        case(f"fit {fname} {family}", [P, "fit", FILES[fname], "--weights", "w", "--family", family], DATA_OK)
    case(f"fit {fname} stream", [P, "fit", FILES[fname], "--weights", "w", "--stream"], DATA_OK)
for fname in ["two_col.csv", "two_col_const.csv", "two_col_collinear.csv", "two_col_huge.csv", "two_col_sub.csv"]:
    for family in ["t", "normal", "noncentral-t"]:
        case(f"fit multi {fname} {family}", [P, "fit", FILES[fname], "--family", family], {ok, data, usage})

# lda.
T = FILES["lda_test.csv"]
for fname in ["lda_train.csv", "lda_labels_01.csv", "lda_labels_zero.csv", "lda_one_class.csv", "lda_empty_label.csv",
              "lda_nan_label.csv", "lda_text_label.csv", "lda_nul_label.csv", "lda_singleton.csv", "lda_const.csv",
              "lda_huge.csv", "lda_sub.csv", "lda_manyclasses.csv", "good.csv", "empty.csv", "nan.csv"]:
    exp = ok if fname in ("lda_train.csv", "lda_labels_01.csv", "lda_labels_zero.csv", "lda_text_label.csv") else DATA_OK
    for opts in [[], ["--family", "t"], ["--covariance", "per-class"], ["--family", "t", "--df-rule", "per-class"], ["--priors", "equal"]]:
        case(f"lda {fname} {' '.join(opts)}", [P, "lda", "--train", FILES[fname], "--test", T, "--label", "label"] + opts, exp if fname.startswith("lda_") else {data, usage})
for test in ["lda_test_nan.csv", "lda_test_missing_col.csv", "lda_test_empty.csv", "empty.csv"]:
    case(f"lda test {test}", [P, "lda", "--train", FILES["lda_train.csv"], "--test", FILES[test], "--label", "label"], data)
case("lda no label col", [P, "lda", "--train", FILES["lda_nolabelcol.csv"], "--test", T, "--label", "label"], {data, usage})
case("lda missing --label", [P, "lda", "--train", FILES["lda_train.csv"], "--test", T], {data, usage})
case("lda missing --test", [P, "lda", "--train", FILES["lda_train.csv"], "--label", "label"], usage)
for df in ["0", "-1", "nan", "5e-324", "1e300", "inf"]:
    case(f"lda --df {df}", [P, "lda", "--train", FILES["lda_train.csv"], "--test", T, "--label", "label", "--family", "t", "--df", df], {ok, usage})
case("lda --df normal", [P, "lda", "--train", FILES["lda_train.csv"], "--test", T, "--label", "label", "--df", "3"], usage)
case("lda --df and per-class", [P, "lda", "--train", FILES["lda_train.csv"], "--test", T, "--label", "label", "--family", "t", "--df", "3", "--df-rule", "per-class"], usage)
case("lda --priors bogus", [P, "lda", "--train", FILES["lda_train.csv"], "--test", T, "--label", "label", "--priors", "x"], usage)
for m in ["model_garbage.json", "model_empty.json", "model_wrong.json", "good.csv"]:
    case(f"lda --model {m}", [P, "lda", "--model", FILES[m], "--test", T], data)
case("lda --model missing", [P, "lda", "--model", FILES["missing"], "--test", T], data)
case("lda --model dir", [P, "lda", "--model", FILES["dir"], "--test", T], data)
case("lda --model fifo", [P, "lda", "--model", FILES["fifo"], "--test", T], data, slow=True)
case("lda --model with --train", [P, "lda", "--model", FILES["model_garbage.json"], "--train", FILES["lda_train.csv"], "--test", T], usage)
case("lda --save-model to dir", [P, "lda", "--train", FILES["lda_train.csv"], "--test", T, "--label", "label", "--save-model", TMP], {data, usage})
case("lda --report to missing dir", [P, "lda", "--train", FILES["lda_train.csv"], "--test", T, "--label", "label", "--report", path("nope/r.json")], {data, usage})

# weights.
S, TG = FILES["src.csv"], FILES["tgt.csv"]
for lam in ["0", "1", "0.5", "2", "-0.1", "nan", "inf", "-0", "5e-324", "abc"]:
    case(f"weights --lambda {lam}", [P, "weights", "--source", S, "--target", TG, "--lambda", lam], {ok, usage})
for df in ["0", "-1", "nan", "5e-324", "1e-300", "1e300", "inf"]:
    case(f"weights --df {df}", [P, "weights", "--source", S, "--target", TG, "--df", df], {ok, data, usage})
for family in ["t", "normal"]:
    for s, t in [("src.csv", "tgt.csv"), ("src.csv", "tgt_far.csv"), ("src_huge.csv", "tgt_huge.csv"), ("constant.csv", "tgt.csv"),
                 ("nan.csv", "tgt.csv"), ("empty.csv", "tgt.csv"), ("src.csv", "one_row.csv"), ("subnormal2.csv", "subnormal2.csv"),
                 ("huge.csv", "huge.csv"), ("src.csv", "src2.csv"), ("src2.csv", "src2.csv")]:
        case(f"weights {family} {s} {t}", [P, "weights", "--source", FILES[s], "--target", FILES[t], "--family", family], DATA_OK)
    for at in ["at_extreme.csv", "at_nan.csv", "empty.csv", "src2.csv"]:
        case(f"weights {family} --at {at}", [P, "weights", "--source", S, "--target", TG, "--family", family, "--at", FILES[at]], DATA_OK)
case("weights --columns nope", [P, "weights", "--source", S, "--target", TG, "--columns", "nope"], {data, usage})
case("weights no target", [P, "weights", "--source", S], usage)
case("weights fifo", [P, "weights", "--source", FILES["fifo"], "--target", TG], data, slow=True)
case("weights devzero", [P, "weights", "--source", S, "--target", "/dev/zero"], data)

# top level.
case("no subcommand", [P], {0, usage})
case("unknown subcommand", [P, "frobnicate"], usage)
case("help", [P, "help"], ok)
case("version", [P, "--version"], ok)

# ---------------------------------------------------------------- scripts
def out(name):
    return ["--out", path("out-" + re.sub(r"[^A-Za-z0-9]+", "_", name))]


def script(name, argv, expected, slow=False):
    extra = [] if "--out" in argv else out(name)
    case("script " + name, [os.path.join(BIN, argv[0])] + argv[1:] + extra, expected, kind="script", slow=slow)


for s in ["fig1", "fig3", "table1", "table2", "fig2", "fig4", "fig5", "fig6", "demo"]:
    script(f"{s} --bogus", [s, "--bogus"], usage)
    script(f"{s} --seed abc", [s, "--seed", "abc"], usage)
    script(f"{s} --seed -1", [s, "--seed", "-1"], {ok, usage}, slow=True)
    script(f"{s} --out /dev/null/x", [s, "--out", "/dev/null/x"], {data, usage})
# The benchmarks: the usage on --help, exit 2 for an unknown option or a bad value (never a
# run with the option ignored).
for b in ["polytail-bench", "noncentral-t-bench", "discriminant-bench", "classifier-bench", "robustness-bench",
          "cli-bench", "cnn-bench", "digits-bench"]:
    case(f"bench {b} --help", [os.path.join(BIN, b), "--help"], ok, kind="bench")
    case(f"bench {b} --bogus", [os.path.join(BIN, b), "--bogus"], usage, kind="bench")
    case(f"bench {b} --repeat 0", [os.path.join(BIN, b), "--repeat", "0"], usage, kind="bench")
    case(f"bench {b} --repeat abc", [os.path.join(BIN, b), "--repeat", "abc"], usage, kind="bench")
for flag in ["--df", "--weight-decay"]:
    for v in ["0", "-1", "nan", "inf", "5e-324", "1e300", "abc"]:
        script(f"fig1 {flag} {v}", ["fig1", flag, v], {ok, usage}, slow=v in ("5e-324", "1e300"))
for fname in ["lda_train.csv", "lda_one_class.csv", "lda_empty_label.csv", "good.csv", "empty.csv", "nan.csv", "missing", "dir", "devzero",
              "lda_labels_01.csv", "lda_huge.csv", "lda_sub.csv", "lda_text_label.csv", "lda_nul_label.csv"]:
    script(f"fig1 --train {fname}", ["fig1", "--train", FILES[fname]], DATA_OK)
F("fig1_xlabel.csv", "x,label\n" + "\n".join(f"{good_x[i]},{i % 2}" for i in range(40)) + "\n")
F("fig1_xlabel_3.csv", "x,label\n" + "\n".join(f"{good_x[i]},{i % 3}" for i in range(40)) + "\n")
F("fig1_xlabel_nolabel.csv", "x\n" + "\n".join(good_x) + "\n")
F("fig1_xlabel_emptylab.csv", "x,label\n" + "\n".join(f"{good_x[i]},{'' if i == 3 else i % 2}" for i in range(40)) + "\n")
F("fig1_xlabel_oneclass.csv", "x,label\n" + "\n".join(f"{good_x[i]},1" for i in range(40)) + "\n")
F("fig1_xlabel_huge.csv", "x,label\n" + "\n".join(f"{float(good_x[i]) * 1e300},{i % 2}" for i in range(40)) + "\n")
F("fig1_xlabel_sub.csv", "x,label\n" + "\n".join(f"{float(good_x[i]) * 1e-310!r},{i % 2}" for i in range(40)) + "\n")
for fname in ["fig1_xlabel.csv", "fig1_xlabel_3.csv", "fig1_xlabel_nolabel.csv", "fig1_xlabel_emptylab.csv", "fig1_xlabel_oneclass.csv",
              "fig1_xlabel_huge.csv", "fig1_xlabel_sub.csv"]:
    script(f"fig1 --train {fname}", ["fig1", "--train", FILES[fname]], DATA_OK)

F("fig3_src.csv", "x,y\n" + "\n".join(f"{good_x[i]},{float(good_x[i]) * 2 + 1}" for i in range(30)) + "\n")
F("fig3_tgt.csv", "x,y\n" + "\n".join(f"{float(good_x[i]) + 1},{float(good_x[i]) * 2 + 3}" for i in range(30, 60)) + "\n")
for tag, val in [("2", "2"), ("nan", "nan"), ("half", "0.5"), ("neg", "-1"), ("text", "yes"), ("empty", "")]:
    F(f"fig3_src_out_{tag}.csv", "x,y,outlier\n" + "\n".join(f"{good_x[i]},{float(good_x[i]) * 2 + 1},{val if i == 4 else 0}" for i in range(30)) + "\n")
F("fig3_src_out_ok.csv", "x,y,outlier\n" + "\n".join(f"{good_x[i]},{float(good_x[i]) * 2 + 1},{1 if i == 4 else 0}" for i in range(30)) + "\n")
F("fig3_src_huge.csv", "x,y\n" + "\n".join(f"{float(good_x[i]) * 1e300},{float(good_x[i]) * 2e300}" for i in range(30)) + "\n")
F("fig3_src_const.csv", "x,y\n" + "\n".join(f"1,{i}" for i in range(30)) + "\n")
F("fig3_src_noy.csv", "x\n" + "\n".join(good_x[:30]) + "\n")
for fname in ["fig3_src.csv", "fig3_src_out_ok.csv", "fig3_src_out_2.csv", "fig3_src_out_nan.csv", "fig3_src_out_half.csv", "fig3_src_out_neg.csv",
              "fig3_src_out_text.csv", "fig3_src_out_empty.csv", "fig3_src_huge.csv", "fig3_src_const.csv", "fig3_src_noy.csv", "empty.csv", "nan.csv", "missing", "dir"]:
    script(f"fig3 --source {fname}", ["fig3", "--source", FILES[fname], "--target", FILES["fig3_tgt.csv"]], DATA_OK)
    script(f"fig3 --target {fname}", ["fig3", "--source", FILES["fig3_src.csv"], "--target", FILES[fname]], DATA_OK)
for v in ["0", "-1", "nan", "5e-324", "1e300", "inf"]:
    script(f"fig3 --df {v}", ["fig3", "--df", v], {ok, usage})
for v in ["0", "-1", "abc", "1000000000000"]:
    script(f"fig3 --trials {v}", ["fig3", "--trials", v], {ok, usage}, slow=v == "1000000000000")

mnist_scripts = ["table1", "table2", "fig4", "fig5", "fig6"]
for s in mnist_scripts:
    for key, folder in IDX.items():
        if key == "idx_good":
            continue
        script(f"{s} --data {key}", [s, "--data", folder, "--epochs", "1"], data)
    for flag, vals in [("--limit", ["0", "-1", "abc", "9223372036854775807"]), ("--epochs", ["0", "-1", "abc", "9223372036854775807"]),
                       ("--hidden", ["0", "-1", "", "abc", "1,,2", "9223372036854775807"]), ("--architecture", ["bogus"]),
                       ("--test-limit", ["0", "-5"])]:
        for v in vals:
            script(f"{s} {flag} {v!r}", [s, flag, v], {data, usage})
for flag, vals in [("--epsilon", ["nan", "-1", "inf", "", "abc", "1e308"]), ("--steps", ["0", "-1"]), ("--substitute", ["bogus"]), ("--rounds", ["-1"])]:
    for v in vals:
        script(f"table2 {flag} {v!r}", ["table2", flag, v], {ok, usage}, slow=True)
for flag, vals in [("--epsilons", ["nan", "-1", "inf", "", "abc"]), ("--bins", ["0", "-1", "9223372036854775807"]), ("--task", ["bogus"])]:
    for v in vals:
        script(f"fig4 {flag} {v!r}", ["fig4", flag, v], {ok, usage}, slow=True)
for flag, vals in [("--epsilons", ["nan", "-1", "inf"]), ("--steps", ["0", "-1", "abc"]), ("--task", ["bogus"])]:
    for v in vals:
        script(f"fig5 {flag} {v!r}", ["fig5", flag, v], {ok, usage}, slow=True)
for flag, vals in [("--tasks", ["bogus", "", "all,,3v7"]), ("--bins", ["0", "-1"]), ("--repeats", ["0", "-1"])]:
    for v in vals:
        script(f"fig6 {flag} {v!r}", ["fig6", flag, v], {ok, usage}, slow=True)
for flag, vals in [("--epochs", ["", "0", "-1", "abc", "1,,2", "9223372036854775807"]), ("--points", ["0", "1", "-1", "9223372036854775807"]),
                   ("--noise", ["nan", "-1", "inf", "1e308"]), ("--learning-rate", ["0", "-1", "nan", "inf"]),
                   ("--batch-size", ["0", "-1", "9223372036854775807"]), ("--resolution", ["0", "1", "-1", "9223372036854775807"])]:
    for v in vals:
        script(f"fig2 {flag} {v!r}", ["fig2", flag, v], {ok, usage}, slow=True)
# Adam diverging at an absurd learning rate is a failed computation (exit 1), said in one line.
script("fig2 --learning-rate 1e308", ["fig2", "--learning-rate", "1e308", "--epochs", "1"], {ok, data}, slow=True)
for s_, flag in [("table1", "--repeats"), ("table1", "--steps"), ("table2", "--repeats"), ("fig4", "--repeats"), ("fig6", "--repeats"),
                 ("fig5", "--fixed-steps"), ("fig5", "--steps")]:
    script(f"{s_} {flag} Int.max", [s_, flag, "9223372036854775807"], usage)


# ---------------------------------------------------------------- run
def check_success_files(folder):
    """Problems in the CSV/JSON files a successful script wrote."""
    found = []
    if not os.path.isdir(folder):
        return found
    for root, _, names in os.walk(folder):
        for n in names:
            if not n.endswith((".csv", ".json")):
                continue
            text = open(os.path.join(root, n), errors="replace").read()
            m = BAD_TOKENS.search(text)
            if m:
                found.append(f"{n}: {m.group(0)!r}")
    return found


failures = []
start = time.time()
for i, (name, argv, expected, kind) in enumerate(CASES):
    t0 = time.time()
    try:
        p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=args.timeout, preexec_fn=limit, cwd=TMP)
        rc, so, se = p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        failures.append((name, "HANG", f"no exit within {args.timeout:.0f} s"))
        print(f"[{i + 1}/{len(CASES)}] HANG {name}", file=sys.stderr)
        continue
    problems = []
    if rc < 0 or rc > 2:
        problems.append(f"exit {rc}" + (" (signal)" if rc < 0 else ""))
    elif rc not in expected:
        problems.append(f"exit {rc}, expected {sorted(expected)}")
    if rc != 0:
        lines = se.rstrip("\n").split("\n") if se else []
        if len(lines) != 1:
            problems.append(f"{len(lines)} stderr lines")
        if kind == "polytail" and so:
            problems.append("stdout not empty on failure")
    else:
        if kind == "polytail" and se:
            problems.append("stderr not empty on success")
        bare = so.replace('"Infinity"', "")
        m = BAD_TOKENS.search(bare)
        if m and not any(m.group(0).replace("e+", "e") in a for a in argv):  # the user's own value echoed
            problems.append(f"printed {m.group(0)!r}")
        if kind == "script":
            o = argv[argv.index("--out") + 1]
            problems += check_success_files(o)
    if problems:
        failures.append((name, "; ".join(problems), (se.strip().split("\n")[-1] if se else so[:200])[:300]))
    dt = time.time() - t0
    print(f"[{i + 1}/{len(CASES)}] {'FAIL' if problems else 'ok  '} {dt:5.1f}s {name}", file=sys.stderr)

print(f"\n{len(CASES)} cases in {time.time() - start:.0f} s, {len(failures)} failing", file=sys.stderr)
for name, what, detail in failures:
    print(f"FAIL {name}: {what} | {detail}")
shutil.rmtree(TMP, ignore_errors=True)
sys.exit(1 if failures else 0)
