#!/usr/bin/env python3
"""The upstream's extraction (BeautifulSoup with html.parser, json for XHR
answers) on the same fixtures as `cargo bench -p xtu-ems --bench parsers`.

Needs: pip install beautifulsoup4
Prints the median time per parse and pages/s for each page.
"""
import json
import pathlib
import re
import statistics
import time

from bs4 import BeautifulSoup

FIXTURES = pathlib.Path(__file__).resolve().parent.parent / "fixtures" / "ems"


def student_info(text):
    soup = BeautifulSoup(text, "html.parser")
    def value(code):
        div = soup.find(id=f"col_{code}")
        p = div.find("p", class_="form-control-static") if div else None
        return p.get_text(strip=True) if p else ""
    return {
        "student_id": value("xh"), "name": value("xm"), "gender": value("xbm"),
        "birthday": value("csrq"), "entrance_day": value("rxrq"), "major": value("zyh_id"),
        "class": value("bh_id"), "college": value("jg_id"),
    }


TERM = re.compile(r"(\d{4})-(\d{4})学年(\d)学期\((\d{4}-\d{2}-\d{2})至(\d{4}-\d{2}-\d{2})\)")


def teaching_calendar(text):
    soup = BeautifulSoup(text, "html.parser")
    header = soup.find_all("th")[1].get_text(strip=True)
    m = TERM.search(header)
    return {"term_id": f"{m[1]}-{m[2]}-{m[3]}", "start_date": m[4], "end_date": m[5]}


def classroom_availability(text):
    return [item["cdmc"] for item in json.loads(text)["items"]]


def buildings(text):
    return [(b["XQH_ID"], b["JXLDM"], b["JXLMC"]) for b in json.loads(text)["lhList"]]


PAGES = [
    ("student-info", "student-info.html", student_info),
    ("teaching-calendar", "teaching-calendar.html", teaching_calendar),
    ("classroom-availability", "classroom-availability.json", classroom_availability),
    ("buildings", "buildings.json", buildings),
]


def main():
    print(f"{'page':<24}{'median':>14}{'pages/s':>12}{'MB/s':>10}")
    for name, file, parse in PAGES:
        text = (FIXTURES / file).read_text(encoding="utf-8")
        parse(text)
        # Enough repetitions for ~0.2 s per sample, 15 samples.
        start = time.perf_counter()
        parse(text)
        once = max(time.perf_counter() - start, 1e-6)
        reps = max(1, int(0.2 / once))
        samples = []
        for _ in range(15):
            start = time.perf_counter()
            for _ in range(reps):
                parse(text)
            samples.append((time.perf_counter() - start) / reps)
        median = statistics.median(samples)
        mb = len(text.encode("utf-8")) / median / 1e6
        print(f"{name:<24}{median * 1e6:>11.1f} µs{1 / median:>12.0f}{mb:>10.1f}")


if __name__ == "__main__":
    main()
