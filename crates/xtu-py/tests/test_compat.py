"""The drop-in for xtu_ems_api: the upstream README's example, every
function, both kinds of cookie jar, the environment's hosts."""

from __future__ import annotations

import http.cookiejar
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import PASSWORD, USER

#: The upstream README's example, verbatim but for its import line and the
#: fake's account.
README_EXAMPLE = textwrap.dedent(
    f"""\
    from xtu_toolkit.compat import sso_auth, ems_get_course_schedule
    cookies = sso_auth("{USER}", "{PASSWORD}")
    for course in ems_get_course_schedule(cookies, year=2025, term=1):
        print(course["name"], course["weeks"])
    """
)


def test_the_upstream_readme_example_runs(env: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-c", README_EXAMPLE],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert len(lines) == 6, run.stdout
    assert "大学英语(一) [1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16]" in lines
    assert "形势与政策 [3, 7]" in lines


def test_every_function(env: Path) -> None:
    from xtu_toolkit import compat

    sso = compat.sso_auth(USER, PASSWORD)
    ems = compat.ems_auth_with_sso(sso)
    info = compat.ems_get_info(ems)
    assert info["student_id"] == USER
    assert compat.ems_get_calendar(ems)["term_id"] == "2025-2026-1"
    rooms = compat.ems_get_classroom_availability(
        ems,
        compat.ClassroomQueryData(
            year=2025, term=1, weeks=[1, 2, 3], day_of_week=1, sections=[1, 2, 3]
        ),
    )
    assert rooms and all(isinstance(r, str) for r in rooms)
    courses = compat.ems_get_course_schedule(ems, year=2025, term=3)  # the site's code for 1
    assert len(courses) == 6 and courses[0]["sections"] == [1, 2]
    # Neither given: the site's current term (the sandbox's), not the clock's.
    assert compat.ems_get_course_schedule(ems) == courses
    exams = compat.ems_get_exam_schedule(ems, 2025, 1)
    assert [e["type"] for e in exams] == ["考试", "考试", "考查"]
    transcript = compat.ems_download_transcript(ems)
    assert transcript["student_id"] and transcript["scores"]
    gpa = compat.ems_get_gpa(ems, compat.GPAQueryData(2022, 2025, 1, 2, "Mandatory"))
    assert gpa["terms"] == "2022-2023-1 ~ 2025-2026-2"


def test_tokens_round_trip(env: Path) -> None:
    from xtu_toolkit import compat

    jar = compat.sso_auth(USER, PASSWORD)
    for compressed in (False, True):
        token = compat.serialize_token(jar, compressed=compressed)
        if compressed:
            assert not token.startswith("[")
        else:
            assert token.startswith('[{"key": ')
        back = compat.deserialize_token(token, compressed=compressed)
        assert sorted((c.name, c.value, c.domain, c.path) for c in back) == sorted(
            (c.name, c.value, c.domain, c.path) for c in jar
        )
    with pytest.raises(TypeError):
        compat.serialize_token("not a jar")


def test_requests_jar_when_requests_is_installed(env: Path) -> None:
    requests = pytest.importorskip("requests", reason="requests is not installed in this venv")
    from xtu_toolkit import compat

    jar = compat.sso_auth(USER, PASSWORD)
    assert isinstance(jar, requests.cookies.RequestsCookieJar)


def test_plain_jar_without_requests(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "requests", None)
    monkeypatch.setitem(sys.modules, "requests.cookies", None)
    from xtu_toolkit import compat

    jar = compat.sso_auth(USER, PASSWORD)
    assert type(jar) is http.cookiejar.CookieJar
    # Any jar is accepted: a standard one built by hand too.
    ems = compat.ems_auth_with_sso(jar)
    other = http.cookiejar.CookieJar()
    for cookie in ems:
        other.set_cookie(cookie)
    assert compat.ems_get_info(other)["student_id"] == USER


def test_the_environment_names_the_hosts(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from xtu_toolkit import NetworkError, compat

    monkeypatch.setenv("XTU_SSO_BASE_URL", "http://127.0.0.1:9")
    with pytest.raises(NetworkError):
        compat.sso_auth(USER, PASSWORD)
