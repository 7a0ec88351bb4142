#!/usr/bin/env bash
# Runs every fuzz target (or the ones named as arguments) for a bounded time
# and fails if any of them finds a crash, a timeout or an out-of-memory input.
#
#   fuzz/run.sh                      # every target, 60 s each
#   FUZZ_SECONDS=300 fuzz/run.sh ems_pages
#
# Works on stable Rust: RUSTC_BOOTSTRAP=1 lets it accept the -Z flags that
# cargo-fuzz passes. Crashing inputs land in fuzz/artifacts/<target>/, the
# libFuzzer output in fuzz/logs/<target>.log; new corpus entries found along
# the way stay in fuzz/corpus/<target>/ (git ignores all but the hand-written
# seeds; the seeds taken from fixtures/ are written by make-seeds.sh first).
set -uo pipefail
cd "$(dirname "$0")"

seconds=${FUZZ_SECONDS:-60}
export RUSTC_BOOTSTRAP=1
export CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-1}

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "== installing cargo-fuzz"
  cargo install cargo-fuzz --locked || exit 1
fi

all=(ems_pages token_decode weeks status_csv status_batch status_http transcript)
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${all[@]}")

# Longest input per target: a little above the largest seed, so the fuzzer
# can grow inputs without spending its time on huge ones.
max_len() {
  case $1 in
    ems_pages) echo 32768 ;;
    transcript) echo 65536 ;;
    weeks) echo 256 ;;
    *) echo 4096 ;;
  esac
}

mkdir -p logs
echo "== seeds from fixtures/"
bash make-seeds.sh || exit 1
echo "== building (${targets[*]})"
for target in "${targets[@]}"; do
  cargo fuzz build "$target" || exit 1
done

failed=()
summary=()
for target in "${targets[@]}"; do
  echo "== $target: ${seconds}s"
  mkdir -p "corpus/$target" "artifacts/$target"
  cargo fuzz run "$target" "corpus/$target" -- \
    -max_total_time="$seconds" -rss_limit_mb=2048 -max_len="$(max_len "$target")" \
    -timeout=30 -print_final_stats=1 >"logs/$target.log" 2>&1
  status=$?
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "logs/$target.log" | grep -o '[0-9]*$')
  last=$(grep -E '^#[0-9]+' "logs/$target.log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' <<<"$last" | grep -o '[0-9]*')
  ft=$(grep -o 'ft: [0-9]*' <<<"$last" | grep -o '[0-9]*')
  corp=$(grep -o 'corp: [0-9]*/[0-9a-zA-Z]*' <<<"$last" | cut -d' ' -f2)
  line="$target: ${seconds}s, ${runs:-?} runs, cov ${cov:-?}, ft ${ft:-?}, corpus ${corp:-?}"
  if [ "$status" -ne 0 ]; then
    failed+=("$target")
    line="$line, FAILED (exit $status; see fuzz/logs/$target.log and fuzz/artifacts/$target/)"
    grep -E 'panicked at|ERROR: libFuzzer|SUMMARY|Test unit written' "logs/$target.log" | head -5
  fi
  echo "$line"
  summary+=("$line")
done

echo "== summary"
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -ne 0 ]; then
  echo "failed: ${failed[*]}"
  exit 1
fi
