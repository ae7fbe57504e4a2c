# Polytail: the two commands of the README, and a few more.
#   make figures   regenerate Figs. 1–6, Tables 1–2 and the demo fit into Output/ (progress on
#                  stderr, a summary table at the end; Scripts/make-figures.sh)
#   make check-numbers   compare the numbers the docs quote (Docs/numbers/*.json) with a fresh
#                  run of every figure script (about 40 s after the build)
#   make docs      the DocC site in Output/docs (make docs-check: fail on any warning)
#   make test      run the test suite
#   make corpus    the adversarial corpus (Tests/Corpus/run_corpus.py) over polytail and every script
#   make fuzz SECONDS=60   libFuzzer + AddressSanitizer on the CSV and IDX readers (Tests/Fuzz)
# Both install the Debian packages they need when missing (apt-get, as root or via sudo).

APT_PACKAGES := libgsl-dev liblapacke-dev libopenblas-dev zlib1g-dev python3 python3-venv
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps figures check-numbers docs docs-check demo test bench release clean corpus fuzz

all: test

deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y $$missing; \
	fi

figures: deps
	@Scripts/make-figures.sh

# The numbers the docs quote (Docs/numbers/*.json) against a fresh run of the fast scripts,
# each within its recorded tolerance (the tolerances and how they were measured:
# Sources/PolytailExperiments/RobustnessNumbers.swift). After an intended change, rerun the
# script with `--record` instead of `--check` and update the docs that quote it.
check-numbers: deps
	@swift build -c release >/dev/null
	@mkdir -p Output/check
	@for run in "fig1" "demo" "fig3" "fig3 --trials 200 --seed 3" "table1 --repeats 10" "table2 --repeats 10" \
	           "fig2" "fig4" "fig5" "fig6"; do \
	  name=$$(echo "$$run" | tr ' ' '_'); \
	  .build/release/$$run --check --out Output/check/$$name >Output/check/$$name.log 2>Output/check/$$name.err || { tail -n 3 Output/check/$$name.err >&2; exit 1; }; \
	  echo "$$run: $$(tail -n 1 Output/check/$$name.log)" >&2; \
	done

# The DocC catalogue Sources/Polytail/Polytail.docc (API reference, "The paper, equation by
# equation", the tutorial) as a static site in Output/docs: serve it with
# `python3 -m http.server -d Output/docs` and open /documentation/polytail or /tutorials/polytail.
DOCC := swift package --allow-writing-to-directory Output generate-documentation --target Polytail \
	--disable-indexing --transform-for-static-hosting
docs: deps
	@mkdir -p Output
	$(DOCC) --output-path Output/docs

# The same build, failing on any DocC warning (CI runs it).
docs-check: deps
	@mkdir -p Output
	$(DOCC) --output-path Output/docs-check --warnings-as-errors

test: deps
	swift build -c release
	swift test

# Several hundred malformed inputs against `polytail fit|lda|weights` and every script (exit codes,
# one stderr line, no NaN/inf/null/clamped value, no hang, no crash, 4 GiB address space); about
# 10 minutes on 2 cores (CORPUS_FLAGS=--quick skips the slow cases).
corpus: deps
	swift build -c release
	python3 Tests/Corpus/run_corpus.py --bin .build/release $(CORPUS_FLAGS)

# The CSV and IDX readers under libFuzzer and AddressSanitizer: the library's sources and
# Tests/Fuzz/FuzzReaders.swift compiled as one module by swiftc (SwiftPM cannot build a
# libFuzzer target), run for SECONDS seconds from the seed inputs in Tests/Fuzz/corpus; new
# interesting inputs go to .build/fuzz/corpus, a crash to .build/fuzz/crash-*.
SECONDS ?= 60
FUZZ_BIN := .build/fuzz/polytail-fuzz
$(FUZZ_BIN): $(shell find Sources/Polytail -name '*.swift') Tests/Fuzz/FuzzReaders.swift
	@mkdir -p .build/fuzz
	swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name Polytail -package-name polytail \
	  -I Sources/CPolytailNumerics $(shell find Sources/Polytail -name '*.swift' | sort) Tests/Fuzz/FuzzReaders.swift \
	  -lgsl -llapacke -lblas -lz -o $@ 2>&1 | grep -v "Cannot export local symbol" || true
	@test -x $@

fuzz: deps $(FUZZ_BIN)
	@mkdir -p .build/fuzz/corpus
	cd .build/fuzz && ./polytail-fuzz -max_total_time=$(SECONDS) -max_len=65536 -rss_limit_mb=2048 -timeout=10 \
	  -artifact_prefix=./ corpus ../../Tests/Fuzz/corpus

bench: deps
	swift run -c release polytail-bench

release: deps
	swift build -c release

clean:
	rm -rf .build Output
