"""Xiangtan University's web systems from Python.

:class:`Client` is the SDK; :mod:`xtu_toolkit.compat` is a drop-in for the
upstream ``xtu_ems_api`` package; the wheel also installs the ``xtu``
command and the upstream's console scripts.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from ._client import CaptchaAnswer, Client, current_term
from ._errors import (
    AccountDisabled,
    AccountLocked,
    BadCredentials,
    CaptchaRequired,
    GraduateAccount,
    LocalFileError,
    MustChangePassword,
    NetworkError,
    NoGraduateSystem,
    ServerError,
    SessionExpired,
    SiteChanged,
    UsageError,
    XtuError,
)

try:
    __version__ = version("xtu-toolkit")
except PackageNotFoundError:  # pragma: no cover - not installed
    __version__ = "0.0.0"

__all__ = [
    "AccountDisabled",
    "AccountLocked",
    "BadCredentials",
    "CaptchaAnswer",
    "CaptchaRequired",
    "Client",
    "GraduateAccount",
    "LocalFileError",
    "MustChangePassword",
    "NetworkError",
    "NoGraduateSystem",
    "ServerError",
    "SessionExpired",
    "SiteChanged",
    "UsageError",
    "XtuError",
    "__version__",
    "current_term",
]
