"""The SDK: :class:`Client`, a thin layer over the Rust library that the
``xtu`` command uses (the same store, lockout guard, captcha rules,
requests and JSON)."""

from __future__ import annotations

import json
import os
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, TypeVar, Union

from . import _native
from ._errors import UsageError, from_native

T = TypeVar("T")

#: A captcha answer: the text, or a function given the image that returns it
#: (``None`` to give up).
CaptchaAnswer = Union[str, Callable[[bytes], Optional[str]]]


def native_call(call: Callable[[], T]) -> T:
    """Runs ``call`` (a call of the native module, written out in a lambda so
    that the type checker checks its arguments against ``_native.pyi`` by
    name), raising the exit code's exception class."""
    try:
        return call()
    except _native.NativeError as error:
        raise from_native(error) from None


def _object(call: Callable[[], str]) -> Dict[str, Any]:
    """The JSON object a native call answers."""
    value = json.loads(native_call(call))
    if not isinstance(value, dict):
        raise TypeError(f"the native module answered {type(value).__name__}, not an object")
    return value


def _array(call: Callable[[], str]) -> List[Any]:
    """The JSON array a native call answers."""
    value = json.loads(native_call(call))
    if not isinstance(value, list):
        raise TypeError(f"the native module answered {type(value).__name__}, not an array")
    return value


class Client:
    """XTU's single sign-on and academic system.

    ``sso_base_url``, ``ems_base_url`` and ``grad_base_url`` (the graduate
    system) default to ``XTU_SSO_BASE_URL``, ``XTU_EMS_BASE_URL`` and
    ``XTU_GRAD_BASE_URL``, else XTU's servers. ``state_dir`` is where
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
        state_dir: Optional[Union[str, os.PathLike[str]]] = None,
        timeout: float = 30.0,
        proxy: Optional[str] = None,
        user: Optional[str] = None,
        grad_base_url: Optional[str] = None,
    ) -> None:
        self._native = native_call(
            lambda: _native.Client(
                sso_base_url=sso_base_url
                or os.environ.get("XTU_SSO_BASE_URL")
                or _native.DEFAULT_SSO_BASE_URL,
                ems_base_url=ems_base_url
                or os.environ.get("XTU_EMS_BASE_URL")
                or _native.DEFAULT_EMS_BASE_URL,
                state_dir=os.fspath(state_dir) if state_dir is not None else None,
                timeout=float(timeout),
                user=user,
                proxy=proxy,
                grad_base_url=grad_base_url
                or os.environ.get("XTU_GRAD_BASE_URL")
                or _native.DEFAULT_GRAD_BASE_URL,
            )
        )

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
            lambda: self._native.login(
                username=username,
                password=password,
                captcha=captcha,
                force=force,
                remember=remember,
                insecure_store=insecure_store,
            )
        )

    def logout(self) -> bool:
        """Removes the stored session; ``False`` when there was none."""
        return native_call(lambda: self._native.logout())[1]

    def whoami(self) -> Dict[str, Any]:
        """The stored account and whether its session is still valid."""
        return _object(lambda: self._native.whoami())

    def sso_login(
        self, username: str, password: str, captcha: Optional[CaptchaAnswer] = None
    ) -> str:
        """Single sign-on without storing anything: the SSO token (as ``xtu sso-login``)."""
        return native_call(
            lambda: self._native.sso_login(username=username, password=password, captcha=captcha)
        )

    def ems_auth(self, sso_token: str) -> str:
        """Enters the academic system with an SSO token: the academic-system token."""
        return native_call(lambda: self._native.ems_auth(sso_token=sso_token))

    # Queries: the JSON of the command of the same name

    def profile(self, *, token: Optional[str] = None) -> Dict[str, str]:
        """The student's profile (``xtu student-info``)."""
        return _object(lambda: self._native.profile(token=token))

    def calendar(self, *, token: Optional[str] = None) -> Dict[str, str]:
        """The current term's teaching calendar (``xtu teaching-calendar``)."""
        return _object(lambda: self._native.calendar(token=token))

    def current_term(self, *, token: Optional[str] = None) -> Tuple[int, int]:
        """``(start_year, term)`` of the academic system's current term (its
        teaching calendar); by today's date only when the calendar names none.
        ``timetable``, ``exams`` and ``grades`` without a term use it, and warn
        (``UserWarning``) when their answer is empty."""
        return native_call(lambda: self._native.current_term(token=token))

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
        return _array(
            lambda: self._native.rooms(
                now=now,
                at=at,
                weeks=weeks,
                day=day,
                sections=sections,
                building=building,
                min_seats=min_seats,
                campus=campus,
                token=token,
            )
        )

    def timetable(
        self, year: Optional[int] = None, term: Optional[int] = None, *, token: Optional[str] = None
    ) -> Dict[str, Any]:
        """A term's timetable (``xtu timetable``); both or neither of year and term."""
        return _object(lambda: self._native.timetable(year=year, term=term, token=token))

    def grad_timetable(
        self, year: Optional[int] = None, term: Optional[int] = None
    ) -> Dict[str, Any]:
        """A graduate student's timetable from the graduate system (``xtu grad
        timetable``), shaped like :meth:`timetable`; both or neither of year
        and term. An account without the graduate system raises
        :class:`NoGraduateSystem`."""
        return _object(lambda: self._native.grad_timetable(year=year, term=term))

    def exams(
        self,
        year: Optional[int] = None,
        term: Optional[int] = None,
        *,
        all: bool = False,
        token: Optional[str] = None,
    ) -> List[Dict[str, Any]]:
        """Exams of a term, or of every term with ``all=True`` (``xtu exams``)."""
        return _array(lambda: self._native.exams(year=year, term=term, all=all, token=token))

    def grades(
        self,
        year: Optional[int] = None,
        term: Optional[int] = None,
        *,
        all: bool = False,
        token: Optional[str] = None,
    ) -> List[Dict[str, Any]]:
        """Grades of a term, or of every term with ``all=True`` (``xtu grades``)."""
        return _array(lambda: self._native.grades(year=year, term=term, all=all, token=token))

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
        return _object(
            lambda: self._native.gpa(
                from_term=from_term,
                to_term=to_term,
                compulsory_only=compulsory_only,
                token=token,
            )
        )

    def transcript(
        self,
        *,
        pdf: Optional[Union[str, os.PathLike[str]]] = None,
        token: Optional[str] = None,
    ) -> Dict[str, Any]:
        """Every grade from the printable transcript, in the upstream's JSON
        (``xtu transcript``); the PDF is also saved to ``pdf`` (0600)."""
        return _object(
            lambda: self._native.transcript(
                pdf=os.fspath(pdf) if pdf is not None else None, token=token
            )
        )

    def notices(self, *, all: bool = False, token: Optional[str] = None) -> List[Dict[str, Any]]:
        """The home page's notices, newest first: ``{title, kind, text, time}``
        (``xtu notices``); the recent ones, or every notice with ``all=True``."""
        return _array(lambda: self._native.notices(all=all, token=token))

    def watch_once(
        self, *, only: Optional[Sequence[str]] = None, report_existing: bool = False
    ) -> List[Dict[str, Any]]:
        """One check of grades, exams and notices (``xtu watch --once``): the
        changes since the last call, ``{kind, change, item, before, id}``.
        The first call records what is there and returns nothing (unless
        ``report_existing``). The SDK keeps its own record (apart from ``xtu
        watch``'s), and an event counts as seen once returned. ``only``: some
        of ``"grades"``, ``"exams"``, ``"notices"``."""
        if isinstance(only, str):
            raise UsageError('only: a list of source names, e.g. ["grades"]')
        return _array(
            lambda: self._native.watch_once(
                only=",".join(only) if only is not None else None,
                report_existing=report_existing,
            )
        )

    def evaluations(self, *, token: Optional[str] = None) -> List[Dict[str, Any]]:
        """The course evaluations (评教) of this term: course, course_code,
        teacher, state (``pending``, ``saved``, ``submitted``) (``xtu eval``)."""
        return _array(lambda: self._native.evaluations(token=token))

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
        return _object(
            lambda: self._native.fill_evaluations(
                policy=policy_text,
                submit=submit,
                comment=comment,
                course=course,
                teacher=teacher,
                dry_run=dry_run,
                token=token,
            )
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
        return native_call(
            lambda: self._native.export_ics(
                timetable=timetable, exams=exams, alarm=alarm, token=token
            )
        )

    # The upstream's shapes

    def course_schedule(
        self, year: Optional[int] = None, term: Optional[int] = None, *, token: Optional[str] = None
    ) -> List[Dict[str, Any]]:
        """The timetable in the upstream's JSON (``xtu course-schedule``)."""
        return _array(lambda: self._native.course_schedule(year=year, term=term, token=token))

    def exam_schedule(
        self, year: Optional[int] = None, term: Optional[int] = None, *, token: Optional[str] = None
    ) -> List[Dict[str, Any]]:
        """Exams in the upstream's JSON (``xtu exam-schedule``)."""
        return _array(lambda: self._native.exam_schedule(year=year, term=term, token=token))

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
        return _array(
            lambda: self._native.classroom_availability(
                year=year, term=term, weeks=weeks, days=days, sections=sections, token=token
            )
        )

    def gpa_rank(
        self,
        start_year: int = 2001,
        start_term: int = 1,
        end_year: int = 2030,
        end_term: int = 2,
        filter: str = "All",
        *,
        token: Optional[str] = None,
    ) -> Dict[str, Any]:
        """The site's GPA statistics in the upstream's ``gpa.py`` JSON (``xtu gpa-rank``):
        the site's values as it sent them, strings or numbers."""
        return _object(
            lambda: self._native.gpa_rank(
                start_year=start_year,
                start_term=start_term,
                end_year=end_year,
                end_term=end_term,
                scope=filter,
                token=token,
            )
        )

    # What is left to graduate

    def progress(self, *, missing: bool = False, token: Optional[str] = None) -> Dict[str, Any]:
        """The degree audit (``xtu progress``): ``student_id``, ``summary``,
        ``categories`` (required, earned and missing credits, each with its
        courses and their ``status``: ``passed``, ``failed``,
        ``in_progress``, ``not_taken`` or the site's text) and
        ``outside_plan``. ``missing=True``: only the categories still short,
        with their courses not passed."""
        return _object(lambda: self._native.progress(missing=missing, token=token))

    def plan(
        self,
        major: Optional[str] = None,
        grade: Optional[str] = None,
        *,
        token: Optional[str] = None,
    ) -> Dict[str, Any]:
        """A programme plan (``xtu plan``): ``college``, ``major``, ``grade``
        and ``courses``. The student's own by default; ``major`` and
        ``grade`` (e.g. ``"0502"``, ``"2022"``) together for another."""
        return _object(lambda: self._native.plan(major=major, grade=grade, token=token))

    def majors(self, *, token: Optional[str] = None) -> List[Dict[str, str]]:
        """The majors of the student's college, ``[{code, name}]``, for
        :meth:`plan` (``xtu plan --majors``)."""
        return _array(lambda: self._native.majors(token=token))


def current_term() -> tuple[int, int]:
    """``(start_year, term)`` of today's Beijing date by the upstream's rule,
    without a request: the fallback, and the upstream's defaults.
    ``Client.current_term`` asks the academic system, which switches terms
    when the school does."""
    return _native.current_term()
