"""The wheel's console scripts: `xtu` as the binary, and the upstream's
nine with their flags and JSON."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest

from conftest import PASSWORD, USER


def script(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent))
    assert found, f"the wheel did not install the {name} script"
    return found


def run(
    argv: List[str], stdin: Optional[str] = None, extra: Optional[Dict[str, str]] = None
) -> subprocess.CompletedProcess[str]:
    environment = dict(os.environ, **(extra or {}))
    return subprocess.run(
        argv, input=stdin, capture_output=True, text=True, timeout=60, env=environment, check=False
    )


@pytest.mark.parametrize(
    "args",
    [
        ["--version"],
        ["--help"],
        ["gpa-rank", "--start-term", "3"],
        ["timetable", "--year", "2025"],
        ["student-info"],
        ["parse", "nothing", "-"],
    ],
)
def test_xtu_script_is_the_binary(env: Path, xtu_binary: str, args: List[str]) -> None:
    ours = run([script("xtu"), *args])
    binary = run([xtu_binary, *args])
    assert (ours.returncode, ours.stdout) == (binary.returncode, binary.stdout)
    assert ours.stderr.replace(script("xtu"), "xtu") == binary.stderr.replace(xtu_binary, "xtu")


def test_xtu_script_logs_in_and_queries(env: Path, xtu_binary: str) -> None:
    login = run([script("xtu"), "login", "--username", USER], extra={"XTU_PASSWORD": PASSWORD})
    assert login.returncode == 0, login.stderr
    for args in (
        ["student-info"],
        ["course-schedule", "--year", "2025", "--term", "1"],
        ["grades", "--all", "--format", "json"],
        ["gpa-rank"],
    ):
        ours = run([script("xtu"), *args])
        binary = run([xtu_binary, *args])
        assert ours.returncode == 0, ours.stderr
        assert ours.stdout == binary.stdout
        json.loads(ours.stdout)
    # Exit codes as the binary's: 10 after logout.
    assert run([script("xtu"), "logout"]).returncode == 0
    assert run([script("xtu"), "student-info"]).returncode == 10


def upstream_token(compressed: bool) -> str:
    flags = ["--compressed"] if compressed else []
    sso = run([script("xtu-sso-login"), "--username", USER, "--password", PASSWORD, *flags])
    assert sso.returncode == 0, sso.stderr
    ems = run([script("xtu-ems-auth"), "--token", sso.stdout.strip(), *flags])
    assert ems.returncode == 0, ems.stderr
    return ems.stdout.strip()


def upstream_json(name: str, token: str, *args: str, compressed: bool = True) -> Any:
    flags = ["--compressed"] if compressed else []
    done = run([script(name), "--token", token, *flags, *args])
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_upstream_scripts_chain(env: Path) -> None:
    plain = upstream_token(compressed=False)
    assert plain.startswith("[")
    assert upstream_json("xtu-student-info", plain, compressed=False)["student_id"] == USER
    token = upstream_token(compressed=True)
    assert upstream_json("xtu-teaching-calendar", token)["term_id"] == "2025-2026-1"
    rooms = upstream_json(
        "xtu-classroom-availability",
        token,
        "--year",
        "2025",
        "--term",
        "1",
        "--weeks",
        "1",
        "2",
        "3",
        "--day-of-week",
        "1",
        "--sections",
        "1",
        "2",
        "3",
    )
    assert rooms and all(isinstance(r, str) for r in rooms)
    courses = upstream_json("xtu-course-schedule", token, "--year", "2025", "--term", "1")
    assert list(courses[0]) == ["name", "teacher", "location", "weeks", "day_of_week", "sections"]
    # The site's term codes are accepted, as by the upstream.
    assert upstream_json("xtu-course-schedule", token, "--year", "2025", "--term", "3") == courses
    exams = upstream_json("xtu-exam-schedule", token, "--year", "2025", "--term", "1")
    assert [e["type"] for e in exams] == ["考试", "考试", "考查"]
    transcript = upstream_json("xtu-transcript", token)
    assert list(transcript)[:5] == ["college", "major", "student_id", "name", "scores"]
    gpa = upstream_json(
        "xtu-gpa",
        token,
        "--start-year",
        "2022",
        "--end-year",
        "2025",
        "--start-term",
        "1",
        "--end-term",
        "2",
        "--filter",
        "Elective",
    )
    assert list(gpa) == ["average_score", "average_gpa", "class_rank", "grade_rank", "terms"]
    assert gpa["terms"] == "2022-2023-1 ~ 2025-2026-2"
    assert upstream_json("xtu-gpa", token)["terms"] == "2001-2002-1 ~ 2030-2031-2"


@pytest.mark.parametrize(
    "argv",
    [
        ["xtu-gpa", "--token", "x", "--start-term", "3"],
        ["xtu-gpa", "--token", "x", "--filter", "mandatory"],
        ["xtu-course-schedule"],
        ["xtu-sso-login", "--username", USER],
        ["xtu-classroom-availability", "--token", "x", "--year", "2025"],
    ],
)
def test_upstream_flags_are_checked_as_the_upstream_checks_them(env: Path, argv: List[str]) -> None:
    done = run([script(argv[0]), *argv[1:]])
    assert done.returncode == 2
    assert done.stdout == ""
    assert "usage:" in done.stderr


def test_upstream_scripts_fail_with_our_exit_codes(env: Path) -> None:
    wrong = run([script("xtu-sso-login"), "--username", USER, "--password", "wrong"])
    assert wrong.returncode == 3
    assert "wrong" not in wrong.stderr
    assert run([script("xtu-student-info"), "--token", "garbage"]).returncode == 2
