#!/usr/bin/env python3
"""The upstream's way of reading a transcript PDF (pdfplumber: the text lines
of page 1 for the identity line, `extract_table()` of page 1 for the grades)
on the same files as `cargo bench -p xtu-transcript --bench transcript`.

Needs: pip install pdfplumber (its pdfminer.six reads the AES files through
the `cryptography` package it depends on)
Prints the median time per file over RUNS (default 30) readings.
"""
import io
import os
import pathlib
import statistics
import time

import pdfplumber

FIXTURES = pathlib.Path(__file__).resolve().parent.parent / "fixtures" / "transcript"
# The same list as crates/xtu-transcript/benches/transcript.rs: the plain file, the
# two-page one, and the plain file stored with AES-256 and object streams
# (and linearized), the way a school's post-processing may serve it.
FILES = [
    "transcript.pdf",
    "transcript.two-pages.pdf",
    "variants/transcript@objstm.pdf",
    "variants/transcript@aes256-objstm-linearized.pdf",
]


def segment(source, start, end=None):
    if start not in source:
        return ""
    rest = source.split(start, 1)[1]
    if end and end in rest:
        rest = rest.split(end, 1)[0]
    return rest.strip()


def read(pdf_bytes):
    """What the upstream does: page 1 only, lines then the ruled table."""
    with pdfplumber.open(io.BytesIO(pdf_bytes)) as pdf:
        page = pdf.pages[0]
        lines = page.extract_text_lines()
        meta = lines[1]["text"] if len(lines) > 1 else ""
        result = {
            "college": segment(meta, "学院:", "专业:"),
            "major": segment(meta, "专业:", "学号:"),
            "student_id": segment(meta, "学号:", "姓名:"),
            "name": segment(meta, "姓名:"),
            "scores": [],
        }
        table = page.extract_table()
        if not table:
            return result
        header, term = table[0], 0
        for block in range(len(header) // 7):
            labels = {"".join(str(header[i] or "").split()): i for i in range(block * 7, block * 7 + 7)}
            try:
                n, t, c, s = (labels[k] for k in ("课程名称", "课程性质", "学分", "成绩"))
            except KeyError:
                continue
            for row in table[1:-3]:
                name = row[n]
                if not name or "以 下 空 白" in str(name):
                    break
                if "学期" in name:
                    term += 1
                    continue
                result["scores"].append(
                    {"name": name.strip(), "type": row[t], "credit": row[c], "score": row[s], "term": term}
                )
        result["average_score"] = table[-3][2]
        result["gpa"] = table[-3][16]
        return result


def main():
    runs = int(os.environ.get("RUNS", "30"))
    for name in FILES:
        data = (FIXTURES / name).read_bytes()
        read(data)  # warm-up (imports, font caches)
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            result = read(data)
            times.append(time.perf_counter() - start)
        median = statistics.median(times)
        print(f"{name:50} median {median * 1000:8.2f} ms  ({len(result['scores'])} courses read, {runs} runs)")


if __name__ == "__main__":
    main()
