"""Console scripts: ``xtu`` (the command, in process) and the upstream's
nine, with the upstream's flags (its argparse definitions), each mapped onto
the ``xtu`` subcommand that prints the same JSON."""

from __future__ import annotations

import argparse
import signal
import sys
from typing import List, NoReturn, Optional, Sequence

from . import _native
from .compat import upstream_term


def _run(argv: List[str]) -> NoReturn:
    # Ctrl-C stops the command as it stops the binary (Python's handler
    # would only run after the native call returns).
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    sys.stdout.flush()
    sys.stderr.flush()
    sys.exit(_native.run_cli(["xtu", *argv]))


def xtu(argv: Optional[Sequence[str]] = None) -> NoReturn:
    """``xtu``: the same flags, output and exit codes as the binary."""
    _run(list(sys.argv[1:] if argv is None else argv))


def _parser(description: str, token: bool = True) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    if token:
        parser.add_argument(
            "--token",
            type=str,
            required=True,
            help="Serialized token which must contain EMS authentication cookies",
        )
        parser.add_argument(
            "--compressed", action="store_true", help="Whether the input token is compressed"
        )
    return parser


def _token_args(args: argparse.Namespace) -> List[str]:
    return ["--token", args.token] + (["--compressed"] if args.compressed else [])


def _term(year: Optional[int], term: Optional[int]) -> List[str]:
    year, term = upstream_term(year, term)
    if year is None or term is None:
        return []  # xtu's own rule: the academic system's current term
    return ["--year", str(year), "--term", str(term)]


def sso_login(argv: Optional[Sequence[str]] = None) -> NoReturn:
    parser = _parser("SSO Login Script", token=False)
    parser.add_argument("--username", type=str, required=True, help="Username for SSO login")
    parser.add_argument("--password", type=str, required=True, help="Password for SSO login")
    parser.add_argument("--compressed", action="store_true", help="Whether to use compressed token")
    args = parser.parse_args(argv)
    # In process: the password is in no process's command line.
    _run(
        ["sso-login", "--username", args.username, "--password", args.password]
        + (["--compressed"] if args.compressed else [])
    )


def ems_auth(argv: Optional[Sequence[str]] = None) -> NoReturn:
    args = _parser("EMS SSO Authentication Script").parse_args(argv)
    _run(["ems-auth", *_token_args(args)])


def student_info(argv: Optional[Sequence[str]] = None) -> NoReturn:
    args = _parser("EMS Student Info Script").parse_args(argv)
    _run(["student-info", *_token_args(args)])


def teaching_calendar(argv: Optional[Sequence[str]] = None) -> NoReturn:
    args = _parser("EMS Teaching Calendar Script").parse_args(argv)
    _run(["teaching-calendar", *_token_args(args)])


def transcript(argv: Optional[Sequence[str]] = None) -> NoReturn:
    args = _parser("EMS Transcript Script").parse_args(argv)
    _run(["transcript", "--format", "json", *_token_args(args)])


def _term_parser(description: str) -> argparse.ArgumentParser:
    parser = _parser(description)
    parser.add_argument("--year", type=int, required=False, help="Academic year, e.g., 2025")
    parser.add_argument(
        "--term", type=int, required=False, help="Term number: 1/2 (or the site's 3/12)"
    )
    return parser


def course_schedule(argv: Optional[Sequence[str]] = None) -> NoReturn:
    args = _term_parser("EMS Course Schedule Script").parse_args(argv)
    _run(["course-schedule", *_token_args(args), *_term(args.year, args.term)])


def exam_schedule(argv: Optional[Sequence[str]] = None) -> NoReturn:
    args = _term_parser("EMS Exam Schedule Script").parse_args(argv)
    _run(["exam-schedule", *_token_args(args), *_term(args.year, args.term)])


def classroom_availability(argv: Optional[Sequence[str]] = None) -> NoReturn:
    parser = _parser("EMS Classroom Availability Script")
    parser.add_argument("--year", type=int, required=True, help="Academic year, e.g., 2025")
    parser.add_argument("--term", type=int, required=True, help="Term number, e.g., 1")
    parser.add_argument("--weeks", type=int, nargs="+", required=True, help="Week numbers")
    parser.add_argument("--day-of-week", type=int, required=True, help="1=Monday, 7=Sunday")
    parser.add_argument("--sections", type=int, nargs="+", required=True, help="Sections")
    args = parser.parse_args(argv)
    _run(
        ["classroom-availability", *_token_args(args)]
        + ["--year", str(args.year), "--term", str(args.term)]
        + ["--weeks", *map(str, args.weeks)]
        + ["--day-of-week", str(args.day_of_week)]
        + ["--sections", *map(str, args.sections)]
    )


def gpa(argv: Optional[Sequence[str]] = None) -> NoReturn:
    parser = _parser("EMS GPA Script")
    parser.add_argument("--start-year", type=int, default=2001, help="default 2001")
    parser.add_argument("--end-year", type=int, default=2030, help="default 2030")
    parser.add_argument("--start-term", type=int, choices=[1, 2], default=1, help="default 1")
    parser.add_argument("--end-term", type=int, choices=[1, 2], default=2, help="default 2")
    parser.add_argument(
        "--filter", choices=["Mandatory", "Elective", "All"], default="All", help="default All"
    )
    args = parser.parse_args(argv)
    _run(
        ["gpa-rank", *_token_args(args)]
        + ["--start-year", str(args.start_year), "--end-year", str(args.end_year)]
        + ["--start-term", str(args.start_term), "--end-term", str(args.end_term)]
        + ["--filter", args.filter]
    )
