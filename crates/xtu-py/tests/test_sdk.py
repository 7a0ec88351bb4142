"""The SDK against the fake XTU: every call, every exception, one Client
shared by threads."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Dict, List, Tuple, Type

import pytest

import xtu_toolkit
from xtu_toolkit import (
    AccountDisabled,
    AccountLocked,
    BadCredentials,
    CaptchaRequired,
    Client,
    MustChangePassword,
    NetworkError,
    SessionExpired,
    SiteChanged,
    UsageError,
    XtuError,
)

from conftest import PASSWORD, USER, Sandbox


def test_profile_and_calendar(client: Client) -> None:
    profile = client.profile()
    assert list(profile) == [
        "student_id",
        "name",
        "gender",
        "birthday",
        "entrance_day",
        "major",
        "class",
        "college",
    ]
    assert profile["student_id"] == USER
    calendar = client.calendar()
    assert list(calendar) == ["term_id", "start_date", "end_date"]
    assert calendar["term_id"] == "2025-2026-1"


def test_the_current_term_is_the_sites_and_an_empty_answer_warns(client: Client) -> None:
    # The sandbox is dated in 2025-2026-1, whatever this machine's date: the
    # site's calendar decides, not the clock.
    assert client.current_term() == (2025, 1)
    assert client.timetable()["term"] == "2025-2026-1"
    assert client.course_schedule() == client.course_schedule(2025, 1) != []
    with pytest.warns(UserWarning) as warned:
        empty = client.timetable(2024, 1)
    assert empty["courses"] == []
    expected = (
        "no classes in 2024-2025-1; the academic system's current term is 2025-2026-1"
        " (year 2025, term 1)"
    )
    assert [str(w.message) for w in warned] == [expected]


def test_whoami_and_logout(client: Client, env: Path) -> None:
    who = client.whoami()
    assert who["username"] == USER
    assert who["ems_session_valid"] is True
    assert client.logout() is True
    with pytest.raises(SessionExpired) as raised:
        client.profile()
    assert raised.value.exit_code == 10
    assert "xtu login" in raised.value.message


def test_timetable_exams_grades(client: Client) -> None:
    timetable = client.timetable(2025, 1)
    assert timetable["term"] == "2025-2026-1"
    english = next(c for c in timetable["courses"] if c["name"] == "大学英语(一)")
    assert english["weeks"] == [1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16]
    assert english["sections"] == [3, 4]
    assert len(timetable["practice"]) == 2

    exams = client.exams(2025, 1)
    assert [e["course"] for e in exams][:1] == ["高等数学A(一)"]
    assert exams[0]["date"] == "2026-01-10"
    assert len(client.exams(all=True)) == 3

    grades = client.grades(all=True)
    assert len(grades) == 6
    assert {"course", "term", "score", "grade_point", "credits"} <= set(grades[0])
    assert isinstance(client.grades(2024, 1), list)


def test_gpa_and_gpa_rank(client: Client) -> None:
    report = client.gpa("2024-1", "2024-2", compulsory_only=True)
    assert report["ranking"]["gpa"] == 3.52  # the compulsory courses' own ranking
    assert report["computed"]["gpa"] == 3.5
    assert report["compulsory_only"] is True
    rank = client.gpa_rank()
    assert rank == {
        "average_score": "85.20",
        "average_gpa": "3.45",
        "class_rank": "5",
        "grade_rank": "23",
        "terms": "2001-2002-1 ~ 2030-2031-2",
    }
    mandatory = client.gpa_rank(2022, 2, 2024, 1, "Mandatory")
    assert mandatory["terms"] == "2022-2023-2 ~ 2024-2025-1"
    assert mandatory["average_gpa"] == 3.52 and mandatory["class_rank"] == 4  # numbers stay numbers
    with pytest.raises(UsageError, match="filter"):
        client.gpa_rank(filter="mandatory")
    with pytest.raises(UsageError, match="2025-2026-1"):
        client.gpa("2025-1", "2024-1")


def test_rooms_and_classroom_availability(client: Client) -> None:
    rooms = client.rooms(weeks=[10, 11], day=3, sections=[3, 4])
    assert rooms and {"name", "building", "seats"} <= set(rooms[0])
    at = client.rooms(at="2025-11-03 10:00", min_seats=100)
    assert all(room["seats"] >= 100 for room in at)
    names = client.classroom_availability(2025, 1, [1, 2], [1], [1, 2])
    assert names and all(isinstance(n, str) for n in names)
    with pytest.raises(UsageError):
        client.rooms()
    with pytest.raises(UsageError):
        client.rooms(now=True, weeks=[1])


def test_upstream_shapes(client: Client) -> None:
    courses = client.course_schedule(2025, 1)
    assert list(courses[0]) == ["name", "teacher", "location", "weeks", "day_of_week", "sections"]
    assert all(isinstance(w, int) for c in courses for w in c["weeks"] + c["sections"])
    exams = client.exam_schedule(2025, 1)
    assert list(exams[0]) == ["name", "start_time", "end_time", "location", "type"]
    assert [e["type"] for e in exams] == ["考试", "考试", "考查"]


def test_transcript_and_pdf(client: Client, tmp_path: Path) -> None:
    pdf = tmp_path / "transcript.pdf"
    transcript = client.transcript(pdf=pdf)
    assert list(transcript)[:5] == ["college", "major", "student_id", "name", "scores"]
    assert transcript["scores"] and isinstance(transcript["scores"][0]["term"], int)
    assert pdf.read_bytes().startswith(b"%PDF")
    assert pdf.stat().st_mode & 0o777 == 0o600


def test_export_ics(client: Client) -> None:
    ics = client.export_ics(alarm="25m")
    assert ics.startswith("BEGIN:VCALENDAR")
    unfolded = ics.replace("\r\n ", "")  # RFC 5545 line folding
    assert "高等数学A(一)" in unfolded and "TRIGGER:-PT1500S" in unfolded
    exams_only = client.export_ics(exams=True).replace("\r\n ", "")
    assert exams_only.count("BEGIN:VEVENT") == 3
    assert "大学英语(一)" in exams_only
    with pytest.raises(UsageError):
        client.export_ics(alarm="soon")


def test_tokens_instead_of_the_store(env: Path) -> None:
    xtu = Client()
    sso = xtu.sso_login(USER, PASSWORD)
    ems = xtu.ems_auth(sso)
    assert xtu.profile(token=ems)["student_id"] == USER
    assert not env.exists(), "token mode stores nothing"
    with pytest.raises(UsageError):
        xtu.profile(token="not a token")


def test_bad_input_is_refused_before_any_request(client: Client) -> None:
    with pytest.raises(UsageError) as raised:
        client.timetable(1999, 1)
    assert raised.value.exit_code == 2
    assert isinstance(raised.value, ValueError)
    with pytest.raises(UsageError, match="both"):
        client.timetable(2025)
    with pytest.raises(UsageError):
        Client(timeout=0)


def test_the_proxy_is_honoured(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Through a proxy that is not there: the login fails on the network, so
    # the requests went to it (direct, the same login succeeds).
    with socket_closed() as url:
        with pytest.raises(NetworkError) as raised:
            Client(proxy=url, timeout=2).login(USER, PASSWORD)
        assert raised.value.exit_code == 8
        # XTU_PROXY is read when proxy= is not given; "none" overrides it.
        monkeypatch.setenv("XTU_PROXY", url)
        with pytest.raises(NetworkError):
            Client(timeout=2).login(USER, PASSWORD)
        Client(proxy="none").login(USER, PASSWORD)
    with pytest.raises(UsageError):
        Client(proxy="ftp://proxy.invalid")
    with pytest.raises(UsageError) as refused:
        Client(proxy="http://user:secret@127.0.0.1:3128:bad")
    assert "secret" not in str(refused.value)


@pytest.mark.parametrize(
    ("username", "exception", "code"),
    [
        ("locked", AccountLocked, 4),
        ("disabled", AccountDisabled, 7),
        ("change-password", MustChangePassword, 6),
    ],
)
def test_login_outcomes(env: Path, username: str, exception: Type[XtuError], code: int) -> None:
    with pytest.raises(exception) as raised:
        Client().login(username, PASSWORD)
    assert raised.value.exit_code == code
    assert isinstance(raised.value, XtuError)
    assert PASSWORD not in str(raised.value)


def test_bad_credentials_and_the_lockout_guard(env: Path) -> None:
    xtu = Client()
    for _ in range(3):
        with pytest.raises(BadCredentials) as raised:
            xtu.login(USER, "wrong password")
        assert raised.value.exit_code == 3
        assert "wrong password" not in str(raised.value)
    # As `xtu login`: a fourth attempt is refused without force, nothing sent.
    with pytest.raises(UsageError, match="force"):
        xtu.login(USER, PASSWORD)
    xtu.login(USER, PASSWORD, force=True)
    assert xtu.whoami()["username"] == USER


def test_captcha_comes_back_with_its_image_and_is_answered(env: Path) -> None:
    xtu = Client()
    with pytest.raises(CaptchaRequired) as raised:
        xtu.login("captcha", PASSWORD)
    assert raised.value.exit_code == 5
    assert isinstance(raised.value.image, bytes) and len(raised.value.image) > 0
    shown = []

    def answer(image: bytes) -> str:
        shown.append(image)
        return "xtu1"

    xtu.login("captcha", PASSWORD, captcha=answer)
    assert shown and shown[0]
    assert xtu.whoami()["username"] == "captcha"
    Client().login("captcha", PASSWORD, captcha="xtu1")


def test_network_error(env: Path) -> None:
    with socket_closed() as url, pytest.raises(NetworkError) as raised:
        Client(sso_base_url=url, timeout=2).login(USER, PASSWORD)
    assert raised.value.exit_code == 8


def test_site_changed(client: Client, sandbox: Sandbox) -> None:
    # The login server answering in place of the academic system: not a
    # page of it.
    wrong = Client(ems_base_url=sandbox.sso_base_url, timeout=5)
    sso = wrong.sso_login(USER, PASSWORD)
    with pytest.raises(SiteChanged) as raised:
        wrong.ems_auth(sso)
    assert raised.value.exit_code == 9


def test_every_exit_code_has_its_class() -> None:
    from xtu_toolkit import _errors, _native

    expected = {
        2: "UsageError",
        3: "BadCredentials",
        4: "AccountLocked",
        5: "CaptchaRequired",
        6: "MustChangePassword",
        7: "AccountDisabled",
        8: "NetworkError",
        9: "SiteChanged",
        10: "SessionExpired",
        11: "ServerError",
        12: "LocalFileError",
        20: "NoGraduateSystem",
        21: "GraduateAccount",
    }
    for code, name in expected.items():
        error = _errors.from_native(_native.NativeError(code, "message", None))
        assert type(error).__name__ == name
        assert error.exit_code == code and isinstance(error, XtuError)
        assert getattr(xtu_toolkit, name) is type(error)


def test_an_unwritable_state_directory_raises_local_file_error(
    env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file")
    monkeypatch.setenv("XTU_STATE_DIR", str(blocker / "xtu"))
    with pytest.raises(xtu_toolkit.LocalFileError) as raised:
        Client(timeout=10).login(USER, PASSWORD)
    assert raised.value.exit_code == 12
    assert "not-a-directory" in raised.value.message
    assert isinstance(raised.value, OSError)


def test_two_threads_share_one_client(client: Client) -> None:
    results: Dict[str, List[Tuple[str, int]]] = {}
    errors: List[BaseException] = []
    start = threading.Barrier(2)

    def work(name: str) -> None:
        try:
            start.wait()
            for _ in range(5):
                results.setdefault(name, []).append(
                    (client.profile()["student_id"], len(client.timetable(2025, 1)["courses"]))
                )
        except Exception as error:  # noqa: BLE001 - any failure in a thread is reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in ("a", "b")]
    for thread in threads:
        thread.start()
    # The GIL is released during the calls: this thread runs meanwhile.
    ticks = 0
    while any(t.is_alive() for t in threads):
        ticks += 1
        threads[0].join(0.001)
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert results["a"] == results["b"] == [(USER, 6)] * 5
    assert ticks > 0


class socket_closed:
    """A loopback URL on which nothing listens."""

    def __enter__(self) -> str:
        import socket

        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        port = self._socket.getsockname()[1]
        self._socket.close()
        return f"http://127.0.0.1:{port}"

    def __exit__(self, *_: object) -> None:
        pass


def test_progress_and_plan(client: Client) -> None:
    audit = client.progress()
    assert list(audit) == ["student_id", "summary", "categories", "outside_plan"]
    assert audit["student_id"] == USER
    for category in audit["categories"]:
        is_parent = any(c["parent"] == category["id"] for c in audit["categories"])
        if is_parent or category["earned_credits"] is None:
            continue
        passed = sum(c["credits"] for c in category["courses"] if c["status"] == "passed")
        assert abs(passed - category["earned_credits"]) < 1e-9, category["name"]
    short = client.progress(missing=True)["categories"]
    assert short and all(c["missing_credits"] > 0 for c in short)
    assert all(c["status"] != "passed" for cat in short for c in cat["courses"])

    own = client.plan()
    assert list(own) == ["college", "major", "grade", "courses"]
    assert own["major"]["code"] == "0501"
    other = client.plan("0502", "2022")
    assert other["major"]["name"] == "软件工程"
    assert [m["code"] for m in client.majors()] == ["0501", "0502"]
    with pytest.raises(UsageError, match="together"):
        client.plan("0502")
    with pytest.raises(UsageError, match="invalid major"):
        client.plan("05&x", "2022")


def test_notices_and_watch_once(client: Client, sandbox: Sandbox) -> None:
    import json as _json
    import urllib.request

    notices = client.notices()
    assert list(notices[0]) == ["title", "kind", "text", "time"]
    assert [n["time"] for n in notices] == sorted((n["time"] for n in notices), reverse=True)

    assert client.watch_once(only=["notices"]) == [], "the first check records"
    # The sandbox's admin path: a notice published while it runs.
    notice = {
        "id": "SDK-TEST-1",
        "xxbt": "调课提醒",
        "xxnr": "调课提醒:第13周停课",
        "cjsj": "2099-01-01 08:00:00",
    }
    request = urllib.request.Request(
        f"{sandbox.ems_base_url}/_admin/notices",
        data=_json.dumps(notice).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 204
    events = client.watch_once(only=["notices"])
    assert [(e["kind"], e["change"], e["item"]["text"]) for e in events] == [
        ("notice", "new", "第13周停课")
    ]
    assert events[0]["before"] is None and events[0]["id"]
    assert client.watch_once(only=["notices"]) == []
    with pytest.raises(UsageError):
        client.watch_once(only=["marks"])
