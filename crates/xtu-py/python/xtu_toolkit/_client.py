"""The SDK: :class:`Client`, a thin layer over the Rust library that the
``xtu`` command uses (the same store, lockout guard, captcha rules,
requests and JSON)."""

from __future__ import annotations

import json
import os
from typing import Any, Callable, Dict, List, Optional, TypeVar, Union

from . import _native
from ._errors import from_native

T = TypeVar("T")

#: A captcha answer: the text, or a function given the image that returns it
#: (``None`` to give up).
CaptchaAnswer = Union[str, Callable[[bytes], Optional[str]]]


def native_call(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Calls the native module, raising the exit code's exception class."""
    try:
        return function(*args, **kwargs)
    except _native.NativeError as error:
        raise from_native(error) from None


class Client:
    """XTU's single sign-on and academic system.

    ``sso_base_url`` and ``ems_base_url`` default to ``XTU_SSO_BASE_URL`` and
    ``XTU_EMS_BASE_URL``, else XTU's servers. ``state_dir`` is where
    :meth:`login` stores the session (default: ``XTU_STATE_DIR``, else the
    ``xtu`` command's state directory, so both share one login).
    ``timeout`` is per request, in seconds. ``user`` picks a stored account
    (default: the last one logged in). ``proxy`` is a proxy URL for every
    request (``http://``, ``https://``, ``socks5://``, ``socks5h://``, with
    credentials if needed) or ``"none"`` for none; default: ``XTU_PROXY``,
    else the standard ``https_proxy``/``all_proxy``/``no_proxy`` variables,
    as ``xtu --proxy`` reads them.

    Every query takes ``token=`` (an academic-system token from
    :meth:`ems_auth` or ``xtu ems-auth``) instead of the stored session.
    Network calls release the GIL; one client may be shared by threads.
    """

    def __init__(
        self,
        sso_base_url: Optional[str] = None,
        ems_base_url: Optional[str] = None,
        state_dir: Optional[Union[str, "os.PathLike[str]"]] = None,
        timeout: float = 30.0,
        proxy: Optional[str] = None,
        user: Optional[str] = None,
    ) -> None:
        self._native = native_call(
            _native.Client,
            sso_base_url or os.environ.get("XTU_SSO_BASE_URL") or _native.DEFAULT_SSO_BASE_URL,
            ems_base_url or os.environ.get("XTU_EMS_BASE_URL") or _native.DEFAULT_EMS_BASE_URL,
            os.fspath(state_dir) if state_dir is not None else None,
            float(timeout),
            user,
            proxy,
        )

    def _json(self, method: str, *args: Any, **kwargs: Any) -> Any:
        return json.loads(native_call(getattr(self._native, method), *args, **kwargs))

    # Sessions

    def login(
        self,
        username: str,
        password: str,
        captcha: Optional[CaptchaAnswer] = None,
        *,
        force: bool = False,
        remember: bool = False,
        insecure_store: bool = False,
    ) -> None:
        """Logs in and stores the session, as ``xtu login`` does.

        After 3 failed (or unanswered) logins within 24 hours, refused
        (:class:`UsageError`) unless ``force``. A captcha raises
        :class:`CaptchaRequired` with the image unless ``captcha`` answers
        it: a function is called with the image of this very login (the
        reliable way); a text answers whatever image the login meets.
        ``remember`` keeps the password in the OS keyring for automatic
        re-login (``insecure_store``: a 0600 file instead)."""
        native_call(
            self._native.login, username, password, captcha, force, remember, insecure_store
        )

    def logout(self) -> bool:
        """Removes the stored session; ``False`` when there was none."""
        return native_call(self._native.logout)[1]

    def whoami(self) -> Dict[str, Any]:
        """The stored account and whether its session is still valid."""
        return self._json("whoami")

    def sso_login(
        self, username: str, password: str, captcha: Optional[CaptchaAnswer] = None
    ) -> str:
        """Single sign-on without storing anything: the SSO token (as ``xtu sso-login``)."""
        return native_call(self._native.sso_login, username, password, captcha)

    def ems_auth(self, sso_token: str) -> str:
        """Enters the academic system with an SSO token: the academic-system token."""
        return native_call(self._native.ems_auth, sso_token)

    # Queries: the JSON of the command of the same name

    def profile(self, *, token: Optional[str] = None) -> Dict[str, str]:
        """The student's profile (``xtu student-info``)."""
        return self._json("profile", token)

    def calendar(self, *, token: Optional[str] = None) -> Dict[str, str]:
        """The current term's teaching calendar (``xtu teaching-calendar``)."""
        return self._json("calendar", token)

    def rooms(
        self,
        *,
        now: bool = False,
        at: Optional[str] = None,
        weeks: Optional[List[int]] = None,
        day: Optional[int] = None,
        sections: Optional[List[int]] = None,
        building: Optional[str] = None,
        min_seats: Optional[int] = None,
        campus: Optional[str] = None,
        token: Optional[str] = None,
    ) -> List[Dict[str, Any]]:
        """Free classrooms (``xtu rooms``): ``now=True``, ``at="YYYY-MM-DD HH:MM"``
        (Beijing time) or ``weeks=[...]`` with ``day``."""
        return self._json(
            "rooms", now, at, weeks, day, sections, building, min_seats, campus, token
        )

    def timetable(
        self, year: Optional[int] = None, term: Optional[int] = None, *, token: Optional[str] = None
    ) -> Dict[str, Any]:
        """A term's timetable (``xtu timetable``); both or neither of year and term."""
        return self._json("timetable", year, term, token)

    def exams(
        self,
        year: Optional[int] = None,
        term: Optional[int] = None,
        *,
        all: bool = False,
        token: Optional[str] = None,
    ) -> List[Dict[str, Any]]:
        """Exams of a term, or of every term with ``all=True`` (``xtu exams``)."""
        return self._json("exams", year, term, all, token)

    def grades(
        self,
        year: Optional[int] = None,
        term: Optional[int] = None,
        *,
        all: bool = False,
        token: Optional[str] = None,
    ) -> List[Dict[str, Any]]:
        """Grades of a term, or of every term with ``all=True`` (``xtu grades``)."""
        return self._json("grades", year, term, all, token)

    def gpa(
        self,
        from_term: Optional[str] = None,
        to_term: Optional[str] = None,
        *,
        compulsory_only: bool = False,
        token: Optional[str] = None,
    ) -> Dict[str, Any]:
        """The site's GPA and ranks with a locally computed GPA (``xtu gpa``);
        terms like ``"2022-1"`` or ``"2022-2023-1"``."""
        return self._json("gpa", from_term, to_term, compulsory_only, token)

    def transcript(
        self,
        *,
        pdf: Optional[Union[str, "os.PathLike[str]"]] = None,
        token: Optional[str] = None,
    ) -> Dict[str, Any]:
        """Every grade from the printable transcript, in the upstream's JSON
        (``xtu transcript``); the PDF is also saved to ``pdf`` (0600)."""
        return self._json("transcript", os.fspath(pdf) if pdf is not None else None, token)

    def evaluations(self, *, token: Optional[str] = None) -> List[Dict[str, Any]]:
        """The course evaluations (评教) of this term: course, course_code,
        teacher, state (``pending``, ``saved``, ``submitted``) (``xtu eval``)."""
        return self._json("evaluations", token)

    def fill_evaluations(
        self,
        policy: Union[str, Dict[str, Any]],
        submit: bool = False,
        *,
        comment: Optional[str] = None,
        course: Optional[str] = None,
        teacher: Optional[str] = None,
        dry_run: bool = False,
        token: Optional[str] = None,
    ) -> Dict[str, Any]:
        """Answers every pending evaluation and saves it (``xtu eval fill``).

        ``policy`` is ``"best"`` (the highest level everywhere) or answers as
        in an answers file, e.g. ``{"default": "优秀", "default_score": 95,
        "answers": {"3": "良好"}, "comment": "…"}``. Every answer is checked
        against its form before anything is sent. ``dry_run=True`` returns the
        fields each form would send and sends nothing. ``submit=True`` also
        submits the saved forms: irreversible, pass it only when meant."""
        if isinstance(policy, dict):
            policy_text = json.dumps(policy, ensure_ascii=False)
        elif policy == "best":
            policy_text = "best"
        else:
            raise ValueError('policy must be "best" or a dict of answers')
        return self._json(
            "fill_evaluations", policy_text, submit, comment, course, teacher, dry_run, token
        )

    def export_ics(
        self,
        *,
        timetable: bool = False,
        exams: bool = False,
        alarm: Optional[str] = None,
        token: Optional[str] = None,
    ) -> str:
        """An iCalendar file of the term's classes and/or the exams (``xtu
        export ics``); neither flag: both. ``alarm`` like ``"25m"``, ``"1h"``."""
        return native_call(self._native.export_ics, timetable, exams, alarm, token)

    # The upstream's shapes

    def course_schedule(
        self, year: Optional[int] = None, term: Optional[int] = None, *, token: Optional[str] = None
    ) -> List[Dict[str, Any]]:
        """The timetable in the upstream's JSON (``xtu course-schedule``)."""
        return self._json("course_schedule", year, term, token)

    def exam_schedule(
        self, year: Optional[int] = None, term: Optional[int] = None, *, token: Optional[str] = None
    ) -> List[Dict[str, Any]]:
        """Exams in the upstream's JSON (``xtu exam-schedule``)."""
        return self._json("exam_schedule", year, term, token)

    def classroom_availability(
        self,
        year: int,
        term: int,
        weeks: List[int],
        days: List[int],
        sections: List[int],
        *,
        token: Optional[str] = None,
    ) -> List[str]:
        """Names of the rooms free in every given week, day and section
        (``xtu classroom-availability``)."""
        return self._json("classroom_availability", year, term, weeks, days, sections, token)

    def gpa_rank(
        self,
        start_year: int = 2001,
        start_term: int = 1,
        end_year: int = 2030,
        end_term: int = 2,
        filter: str = "All",
        *,
        token: Optional[str] = None,
    ) -> Dict[str, str]:
        """The site's GPA statistics in the upstream's ``gpa.py`` JSON (``xtu gpa-rank``)."""
        return self._json(
            "gpa_rank", start_year, start_term, end_year, end_term, filter, token
        )


def current_term() -> "tuple[int, int]":
    """``(start_year, term)`` of the current term on today's Beijing date."""
    return _native.current_term()
