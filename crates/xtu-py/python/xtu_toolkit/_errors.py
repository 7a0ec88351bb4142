"""One exception class per exit code of the ``xtu`` command, all under
:class:`XtuError`."""

from __future__ import annotations

from typing import Dict, Optional, Type

from . import _native


class XtuError(Exception):
    """A failure of the toolkit. ``exit_code`` is the code the ``xtu``
    command exits with for it; ``message`` the one line it prints."""

    exit_code: int = 1

    def __init__(self, message: str, exit_code: Optional[int] = None) -> None:
        super().__init__(message)
        self.message = message
        if exit_code is not None:
            self.exit_code = exit_code


class UsageError(XtuError, ValueError):
    """Invalid input (a bad year, week, token, range...): nothing was sent. Exit code 2."""

    exit_code = 2


class BadCredentials(XtuError):
    """The single sign-on refused the username or password. Exit code 3."""

    exit_code = 3


class AccountLocked(XtuError):
    """The account is locked (usually for 24 hours). Exit code 4."""

    exit_code = 4


class CaptchaRequired(XtuError):
    """The login needs a captcha. ``image`` holds the picture (PNG/JPEG
    bytes) when the server sent one; answer with ``login(..., captcha=...)``.
    Exit code 5."""

    exit_code = 5

    def __init__(self, message: str, image: Optional[bytes] = None) -> None:
        super().__init__(message)
        self.image = image


class MustChangePassword(XtuError):
    """XTU wants the password changed first. Exit code 6."""

    exit_code = 6


class AccountDisabled(XtuError):
    """The account is disabled. Exit code 7."""

    exit_code = 7


class NetworkError(XtuError):
    """The network or a gateway failed, or a request timed out. Exit code 8."""

    exit_code = 8


class SiteChanged(XtuError):
    """A page could not be read: the site answered something unexpected. Exit code 9."""

    exit_code = 9


class SessionExpired(XtuError):
    """Not logged in, or the session expired: log in again. Exit code 10."""

    exit_code = 10


class ServerError(XtuError):
    """The site reported an internal error (系统运行异常), or refused a
    write (an evaluation's save or submit, with its reason). Exit code 11."""

    exit_code = 11


class LocalFileError(XtuError, OSError):
    """A local file or directory could not be read or written (the session
    store, a saved file): the message names it. Exit code 12."""

    exit_code = 12


class NoGraduateSystem(XtuError):
    """A graduate command on an account without the graduate system
    (an undergraduate's). Exit code 20."""

    exit_code = 20


class GraduateAccount(XtuError):
    """An academic-system (undergraduate) call on a graduate student's
    account: use :meth:`Client.grad_timetable`. Exit code 21."""

    exit_code = 21


_BY_CODE: Dict[int, Type[XtuError]] = {
    cls.exit_code: cls
    for cls in (
        UsageError,
        BadCredentials,
        AccountLocked,
        CaptchaRequired,
        MustChangePassword,
        AccountDisabled,
        NetworkError,
        SiteChanged,
        SessionExpired,
        ServerError,
        LocalFileError,
        NoGraduateSystem,
        GraduateAccount,
    )
}


def from_native(error: _native.NativeError) -> XtuError:
    """The exception class of a native failure's exit code."""
    code, message, image = error.args
    cls = _BY_CODE.get(code)
    if cls is CaptchaRequired:
        return CaptchaRequired(message, image)
    if cls is None:
        return XtuError(message, code)
    return cls(message)
