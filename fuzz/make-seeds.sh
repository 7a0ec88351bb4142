#!/usr/bin/env bash
# Regenerates the seed files derived from the repository's fixtures:
#   corpus/ems_pages/seed-<fixture>     one byte selecting the page, then the fixture
#   corpus/token_decode/seed-vector-*   every token of fixtures/vectors/token_vectors.json
#   corpus/transcript/seed-<fixture>    every file of fixtures/transcript/ and of its variants/
#                                       (object streams, encryption, ASCII85...) as it is
# The hand-written seeds (seed-*.txt etc.) of the other targets are kept as they are.
# Needs python3 (to read the token vectors).
set -euo pipefail
cd "$(dirname "$0")"
root=..

mkdir -p corpus/ems_pages corpus/token_decode corpus/transcript
rm -f corpus/ems_pages/seed-* corpus/token_decode/seed-vector-* corpus/transcript/seed-*

for fixture in "$root"/fixtures/transcript/* "$root"/fixtures/transcript/variants/*; do
  [ -f "$fixture" ] || continue
  cp "$fixture" "corpus/transcript/seed-$(basename "$fixture")"
done

# The order of xtu_ems::Page::ALL: the fuzz target picks the page with the
# first byte modulo the number of pages.
pages=(student-info teaching-calendar classroom-availability buildings timetable exams grades gpa-rank)
for i in "${!pages[@]}"; do
  page=${pages[$i]}
  for fixture in "$root"/fixtures/ems/"$page".*; do
    name=$(basename "$fixture")
    { printf "\\$(printf '%03o' "$i")"; cat "$fixture"; } > "corpus/ems_pages/seed-$name"
  done
done

python3 - "$root/fixtures/vectors/token_vectors.json" <<'PY'
import json, sys
vectors = json.load(open(sys.argv[1]))
for i, vector in enumerate(vectors):
    for kind in ("token", "compressed_token"):
        with open(f"corpus/token_decode/seed-vector-{i}-{kind}", "w") as f:
            f.write(vector[kind])
PY
echo "seeds: $(ls corpus/ems_pages | wc -l) ems_pages, $(ls corpus/token_decode | grep -c '^seed-vector') token_decode vectors"
