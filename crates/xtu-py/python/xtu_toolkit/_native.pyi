"""The native module (Rust, PyO3). Results are the commands' JSON text."""

from typing import Callable, List, Optional, Tuple, Union

from typing_extensions import TypeAlias, final

__all__ = [
    "DEFAULT_EMS_BASE_URL",
    "DEFAULT_GRAD_BASE_URL",
    "DEFAULT_SSO_BASE_URL",
    "Client",
    "NativeError",
    "current_term",
    "make_token",
    "run_cli",
    "token_cookies",
]

DEFAULT_SSO_BASE_URL: str
DEFAULT_EMS_BASE_URL: str
DEFAULT_GRAD_BASE_URL: str

class NativeError(Exception):
    """args: (exit_code, message, captcha_image or None)."""

    args: Tuple[int, str, Optional[bytes]]

_Captcha: TypeAlias = Union[str, Callable[[bytes], Optional[str]], None]

# A PyO3 class: built by __new__, not subclassable.
@final
class Client:
    def __new__(
        cls,
        sso_base_url: str,
        ems_base_url: str,
        state_dir: Optional[str] = None,
        timeout: float = 30.0,
        user: Optional[str] = None,
        proxy: Optional[str] = None,
        grad_base_url: Optional[str] = None,
    ) -> Client: ...
    def login(
        self,
        username: str,
        password: str,
        captcha: _Captcha = None,
        force: bool = False,
        remember: bool = False,
        insecure_store: bool = False,
    ) -> None: ...
    def logout(self) -> Tuple[str, bool]: ...
    def whoami(self) -> str: ...
    def profile(self, token: Optional[str] = None) -> str: ...
    def calendar(self, token: Optional[str] = None) -> str: ...
    def current_term(self, token: Optional[str] = None) -> Tuple[int, int]: ...
    def rooms(
        self,
        now: bool = False,
        at: Optional[str] = None,
        weeks: Optional[List[int]] = None,
        day: Optional[int] = None,
        sections: Optional[List[int]] = None,
        building: Optional[str] = None,
        min_seats: Optional[int] = None,
        campus: Optional[str] = None,
        token: Optional[str] = None,
    ) -> str: ...
    def classroom_availability(
        self,
        year: int,
        term: int,
        weeks: List[int],
        days: List[int],
        sections: List[int],
        token: Optional[str] = None,
    ) -> str: ...
    def timetable(
        self, year: Optional[int] = None, term: Optional[int] = None, token: Optional[str] = None
    ) -> str: ...
    def grad_timetable(self, year: Optional[int] = None, term: Optional[int] = None) -> str: ...
    def course_schedule(
        self, year: Optional[int] = None, term: Optional[int] = None, token: Optional[str] = None
    ) -> str: ...
    def exams(
        self,
        year: Optional[int] = None,
        term: Optional[int] = None,
        all: bool = False,
        token: Optional[str] = None,
    ) -> str: ...
    def exam_schedule(
        self, year: Optional[int] = None, term: Optional[int] = None, token: Optional[str] = None
    ) -> str: ...
    def grades(
        self,
        year: Optional[int] = None,
        term: Optional[int] = None,
        all: bool = False,
        token: Optional[str] = None,
    ) -> str: ...
    def gpa(
        self,
        from_term: Optional[str] = None,
        to_term: Optional[str] = None,
        compulsory_only: bool = False,
        token: Optional[str] = None,
    ) -> str: ...
    def gpa_rank(
        self,
        start_year: int,
        start_term: int,
        end_year: int,
        end_term: int,
        scope: str,
        token: Optional[str] = None,
    ) -> str: ...
    def transcript(self, pdf: Optional[str] = None, token: Optional[str] = None) -> str: ...
    def notices(self, all: bool = False, token: Optional[str] = None) -> str: ...
    def watch_once(self, only: Optional[str] = None, report_existing: bool = False) -> str: ...
    def evaluations(self, token: Optional[str] = None) -> str: ...
    def fill_evaluations(
        self,
        policy: str,
        submit: bool = False,
        comment: Optional[str] = None,
        course: Optional[str] = None,
        teacher: Optional[str] = None,
        dry_run: bool = False,
        token: Optional[str] = None,
    ) -> str: ...
    def export_ics(
        self,
        timetable: bool = False,
        exams: bool = False,
        alarm: Optional[str] = None,
        token: Optional[str] = None,
    ) -> str: ...
    def progress(self, missing: bool = False, token: Optional[str] = None) -> str: ...
    def plan(
        self,
        major: Optional[str] = None,
        grade: Optional[str] = None,
        token: Optional[str] = None,
    ) -> str: ...
    def majors(self, token: Optional[str] = None) -> str: ...
    def sso_login(self, username: str, password: str, captcha: _Captcha = None) -> str: ...
    def ems_auth(self, sso_token: str) -> str: ...

def run_cli(argv: List[str]) -> int: ...
def current_term() -> Tuple[int, int]: ...
def token_cookies(token: str) -> List[Tuple[str, str, str, str]]: ...
def make_token(cookies: List[Tuple[str, str, str, str]], compressed: bool = False) -> str: ...
