#!/usr/bin/env bash
# Writes the seed files derived from the repository's fixtures (run.sh calls
# it before every run, so they always follow the fixtures; git ignores them):
#   corpus/ems_pages/fixture-<fixture>     one byte selecting the page, then the fixture
#   corpus/token_decode/fixture-vector-*   every token of fixtures/vectors/token_vectors.json
#   corpus/transcript/fixture-<fixture>    every file of fixtures/transcript/ and of its variants/
#                                          (object streams, encryption, ASCII85...) as it is
# The hand-written seeds (seed-*, committed) are left as they are.
# Needs python3 (to read the token vectors).
set -euo pipefail
cd "$(dirname "$0")"
root=..

mkdir -p corpus/ems_pages corpus/token_decode corpus/transcript
rm -f corpus/ems_pages/fixture-* corpus/token_decode/fixture-vector-* corpus/transcript/fixture-*

for fixture in "$root"/fixtures/transcript/* "$root"/fixtures/transcript/variants/*; do
  [ -f "$fixture" ] || continue
  cp "$fixture" "corpus/transcript/fixture-$(basename "$fixture")"
done

# The order of xtu_ems::Page::ALL: the fuzz target picks the page with the
# first byte modulo the number of pages.
pages=(student-info teaching-calendar classroom-availability buildings timetable exams grades gpa-rank)
for i in "${!pages[@]}"; do
  page=${pages[$i]}
  for fixture in "$root"/fixtures/ems/"$page".*; do
    name=$(basename "$fixture")
    { printf "\\$(printf '%03o' "$i")"; cat "$fixture"; } > "corpus/ems_pages/fixture-$name"
  done
done

python3 - "$root/fixtures/vectors/token_vectors.json" <<'PY'
import json, sys
vectors = json.load(open(sys.argv[1]))
for i, vector in enumerate(vectors):
    for kind in ("token", "compressed_token"):
        with open(f"corpus/token_decode/fixture-vector-{i}-{kind}", "w") as f:
            f.write(vector[kind])
PY
echo "seeds from fixtures: $(ls corpus/ems_pages | grep -c '^fixture-') ems_pages," \
  "$(ls corpus/token_decode | grep -c '^fixture-vector') token_decode," \
  "$(ls corpus/transcript | grep -c '^fixture-') transcript"
