"""A drop-in for the upstream ``xtu_ems_api`` package (1.1.1): the same
functions, signatures and return shapes, over the same library as the
``xtu`` command. Switch with one line::

    from xtu_toolkit.compat import sso_auth, ems_get_course_schedule

Cookies come back as a ``requests`` cookie jar when ``requests`` is
installed, else as a standard :class:`http.cookiejar.CookieJar`; any cookie
jar (anything iterating over :class:`http.cookiejar.Cookie`) is accepted.
The hosts are ``XTU_SSO_BASE_URL`` / ``XTU_EMS_BASE_URL`` when set (the
upstream hard-codes XTU's). Failures raise :class:`xtu_toolkit.XtuError`
subclasses (all are ``Exception``\\ s, as the upstream's are).
"""

from __future__ import annotations

import http.cookiejar
import os
from typing import Any, Callable, Dict, Iterable, List, Literal, Optional, Tuple, TypeVar

from . import _native
from ._client import Client, native_call
from ._errors import SessionExpired

T = TypeVar("T")

__all__ = [
    "ClassroomQueryData",
    "GPAQueryData",
    "deserialize_token",
    "ems_auth_with_sso",
    "ems_download_transcript",
    "ems_get_calendar",
    "ems_get_classroom_availability",
    "ems_get_course_schedule",
    "ems_get_exam_schedule",
    "ems_get_gpa",
    "ems_get_info",
    "serialize_token",
    "sso_auth",
]


def _client() -> Client:
    # Read the environment at each call, as the CLI reads it at each run.
    return Client(
        sso_base_url=os.environ.get("XTU_SSO_BASE_URL"),
        ems_base_url=os.environ.get("XTU_EMS_BASE_URL"),
    )


def _new_jar() -> http.cookiejar.CookieJar:
    try:
        from requests.cookies import RequestsCookieJar
    except ImportError:
        return http.cookiejar.CookieJar()
    return RequestsCookieJar()


def _cookie(name: str, value: str, host: str, path: str) -> http.cookiejar.Cookie:
    # As requests.cookies.create_cookie builds it for jar.set(name, value,
    # domain=host, path=path), which the upstream calls.
    return http.cookiejar.Cookie(
        version=0,
        name=name,
        value=value,
        port=None,
        port_specified=False,
        domain=host,
        domain_specified=bool(host),
        domain_initial_dot=host.startswith("."),
        path=path,
        path_specified=bool(path),
        secure=False,
        expires=None,
        discard=True,
        comment=None,
        comment_url=None,
        # As the standard library records a flag attribute; its stubs say str.
        rest={"HttpOnly": None},  # type: ignore[dict-item]
        rfc2109=False,
    )


def _cookies_of(jar: Iterable[Any]) -> List[Tuple[str, str, str, str]]:
    if isinstance(jar, (str, bytes, dict)):
        raise TypeError(
            "expected a cookie jar (requests' or http.cookiejar's), got " + type(jar).__name__
        )
    return [(c.name, c.value or "", c.domain or "", c.path or "/") for c in jar]


def serialize_token(cookies: Iterable[Any], compressed: bool = False) -> str:
    """The upstream's token of a cookie jar: a JSON list of ``{key, value,
    host, path}``; ``compressed``: bzip2 then URL-safe base64."""
    return native_call(
        lambda: _native.make_token(cookies=_cookies_of(cookies), compressed=compressed)
    )


def deserialize_token(token: str, compressed: bool = False) -> http.cookiejar.CookieJar:
    """The cookie jar of a token (plain or compressed: both are recognised,
    ``compressed`` is accepted for compatibility)."""
    jar = _new_jar()
    for name, value, host, path in native_call(lambda: _native.token_cookies(token=token)):
        jar.set_cookie(_cookie(name, value, host, path))
    return jar


def _token(cookie_jar: Iterable[Any]) -> str:
    return serialize_token(cookie_jar)


def _query(cookie_jar: Iterable[Any], query: Callable[[Client, str], T]) -> T:
    """Runs ``query`` with the jar's token. A jar that holds only single
    sign-on cookies (what :func:`sso_auth` returns, which the upstream's own
    README example passes straight to the queries) enters the academic
    system first, once: its cookies are added to the jar when it can take
    them, so the next call needs no hand-off."""
    client = _client()
    token = _token(cookie_jar)
    try:
        return query(client, token)
    except SessionExpired:
        entered = client.ems_auth(token)
    if hasattr(cookie_jar, "set_cookie"):
        for name, value, host, path in native_call(lambda: _native.token_cookies(token=entered)):
            cookie_jar.set_cookie(_cookie(name, value, host, path))
    return query(client, entered)


def sso_auth(username: str, password: str) -> http.cookiejar.CookieJar:
    """Logs in to single sign-on; the session's cookies."""
    return deserialize_token(_client().sso_login(username, password))


def ems_auth_with_sso(cookie_jar: Iterable[Any]) -> http.cookiejar.CookieJar:
    """Enters the academic system with single sign-on cookies; its cookies."""
    return deserialize_token(_client().ems_auth(_token(cookie_jar)))


def ems_get_info(cookie_jar: Iterable[Any]) -> Dict[str, str]:
    """``{student_id, name, gender, birthday, entrance_day, major, class, college}``."""
    return _query(cookie_jar, lambda c, t: c.profile(token=t))


def ems_get_calendar(cookie_jar: Iterable[Any]) -> Dict[str, str]:
    """``{term_id, start_date, end_date}`` of the current term."""
    return _query(cookie_jar, lambda c, t: c.calendar(token=t))


class ClassroomQueryData(Dict[str, Any]):
    """The upstream's free-classroom question: a year (2025 for 2025-2026),
    a term (1 or 2), weeks, one day of week (1 = Monday) and sections."""

    def __init__(
        self,
        year: int,
        term: int,
        weeks: List[int],
        day_of_week: int,
        sections: List[int],
        time: int = 0,
    ) -> None:
        super().__init__()
        self.year = year
        self.term = term
        self.weeks = weeks
        self.day_of_week = day_of_week
        self.sections = sections
        self.time = time


def ems_get_classroom_availability(
    cookie_jar: Iterable[Any], query_data: ClassroomQueryData
) -> List[str]:
    """Names of the rooms free in every given week and section of the day."""
    q = query_data
    weeks, days, sections = list(q.weeks), [q.day_of_week], list(q.sections)
    return _query(
        cookie_jar,
        lambda c, t: c.classroom_availability(q.year, q.term, weeks, days, sections, token=t),
    )


def upstream_term(year: Optional[int], term: Optional[int]) -> Tuple[Optional[int], Optional[int]]:
    """Neither given: ``(None, None)``, the academic system's current term.
    One given: the upstream's defaults, the other from today's date;
    ZhengFang's codes 3/12 accepted for 1/2."""
    if year is None and term is None:
        return (None, None)
    current_year, current_term = _native.current_term()
    term = {3: 1, 12: 2}.get(term, term) if term is not None else current_term
    return (year if year is not None else current_year, term)


def ems_get_course_schedule(
    cookie_jar: Iterable[Any], year: Optional[int] = None, term: Optional[int] = None
) -> List[Dict[str, Any]]:
    """``[{name, teacher, location, weeks, day_of_week, sections}]``; weeks
    and sections are lists of integers."""
    year, term = upstream_term(year, term)
    return _query(cookie_jar, lambda c, t: c.course_schedule(year, term, token=t))


def ems_get_exam_schedule(
    cookie_jar: Iterable[Any], year: Optional[int] = None, term: Optional[int] = None
) -> List[Dict[str, Any]]:
    """``[{name, start_time, end_time, location, type}]``."""
    year, term = upstream_term(year, term)
    return _query(cookie_jar, lambda c, t: c.exam_schedule(year, term, token=t))


def ems_download_transcript(cookie_jar: Iterable[Any]) -> Dict[str, Any]:
    """The printable transcript, read: ``{college, major, student_id, name,
    scores, average_score, gpa, total_credit, compulsory_credit,
    elective_credit, cross_course_credit}``."""
    return _query(cookie_jar, lambda c, t: c.transcript(token=t))


class GPAQueryData(Dict[str, Any]):
    """The upstream ``gpa.py``'s question: a range of terms and the courses
    counted (``Mandatory``, ``Elective`` or ``All``)."""

    def __init__(
        self,
        start_year: int,
        end_year: int,
        start_term: int,
        end_term: int,
        filter_option: Literal["Mandatory", "Elective", "All"] = "All",
        time: int = 0,
    ) -> None:
        super().__init__()
        self.start_year = start_year
        self.end_year = end_year
        self.start_term = start_term
        self.end_term = end_term
        self.time = time
        self.filter_option = filter_option


def ems_get_gpa(input_cookies: Iterable[Any], gpa_query_data: GPAQueryData) -> Dict[str, Any]:
    """``{average_score, average_gpa, class_rank, grade_rank, terms}``, the
    site's values as it sent them (strings or numbers); ``{}`` when the site
    has no statistics for the range."""
    q = gpa_query_data
    return _query(
        input_cookies,
        lambda c, t: c.gpa_rank(
            q.start_year, q.start_term, q.end_year, q.end_term, q.filter_option, token=t
        ),
    )
