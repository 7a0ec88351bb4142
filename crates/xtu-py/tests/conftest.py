"""The fake XTU (the xtu-sandbox binary) started as a process on loopback,
and the environment that points the wheel at it."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

import pytest

if TYPE_CHECKING:
    from xtu_toolkit import Client

REPO = Path(__file__).resolve().parents[3]
#: The sandbox's demo account and every account's password.
USER = "202205561111"
#: The sandbox's graduate student.
GRADUATE = "202405561111"
PASSWORD = "sandbox"
#: A day in the fake's autumn term 2025-2026-1 (its fixtures' term).
TODAY = "2025-11-03"


def _binary(name: str, env: str) -> str:
    """``$env``, else the workspace's debug build, else PATH. A missing
    binary fails the run (never a silent skip)."""
    for candidate in (os.environ.get(env), REPO / "target" / "debug" / name, shutil.which(name)):
        if candidate and Path(candidate).is_file():
            return str(candidate)
    package = "xtu-cli" if name == "xtu" else name
    pytest.fail(f"{name} not found: build it (cargo build -p {package}) or set {env}")


def _free_port_pair() -> int:
    """A port p with p, p + 1 and p + 2 free now (the sandbox's listeners:
    single sign-on, academic system, graduate system)."""
    for _ in range(50):
        with socket.socket() as first:
            first.bind(("127.0.0.1", 0))
            port = int(first.getsockname()[1])
            if port >= 65534:
                continue
            with socket.socket() as second, socket.socket() as third:
                try:
                    second.bind(("127.0.0.1", port + 1))
                    third.bind(("127.0.0.1", port + 2))
                except OSError:
                    continue
        return port
    raise RuntimeError("no three consecutive free ports on 127.0.0.1")


class Sandbox:
    def __init__(self, sso: str, ems: str, grad: str) -> None:
        self.sso_base_url = sso
        self.ems_base_url = ems
        self.grad_base_url = grad


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    yield from _sandbox()


@pytest.fixture
def evaluating_sandbox() -> Iterator[Sandbox]:
    """A sandbox of its own with the course evaluation open (its forms
    change as tests fill them)."""
    yield from _sandbox("--evaluations")


def _sandbox(*extra: str) -> Iterator[Sandbox]:
    binary = _binary("xtu-sandbox", "XTU_SANDBOX")
    for _ in range(5):
        port = _free_port_pair()
        process = subprocess.Popen(
            [binary, "--listen", f"127.0.0.1:{port}", "--today", TODAY, *extra],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        seen = ""
        deadline = time.monotonic() + 30
        assert process.stderr is not None
        while time.monotonic() < deadline:
            line = process.stderr.readline()
            if not line:
                break
            seen += line
            found = re.search(
                r"XTU_SSO_BASE_URL=(\S+) XTU_EMS_BASE_URL=(\S+) XTU_GRAD_BASE_URL=(\S+)", line
            )
            if found:
                try:
                    yield Sandbox(found.group(1), found.group(2), found.group(3))
                finally:
                    process.terminate()
                    process.wait(timeout=10)
                return
        process.kill()
        process.wait()
    pytest.fail(f"xtu-sandbox did not start: {seen}")


@pytest.fixture
def env(sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The fake's URLs in the environment, a fresh state directory, no
    keyring; returns the state directory."""
    state = tmp_path / "state"
    monkeypatch.setenv("XTU_SSO_BASE_URL", sandbox.sso_base_url)
    monkeypatch.setenv("XTU_EMS_BASE_URL", sandbox.ems_base_url)
    monkeypatch.setenv("XTU_GRAD_BASE_URL", sandbox.grad_base_url)
    monkeypatch.setenv("XTU_STATE_DIR", str(state))
    monkeypatch.setenv("XTU_KEYRING", "none")
    monkeypatch.setenv("XTU_TIMEOUT", "10")
    for name in ("XTU_TOKEN", "XTU_PASSWORD", "XTU_USER", "XTU_LOG"):
        monkeypatch.delenv(name, raising=False)
    return state


@pytest.fixture
def client(env: Path) -> Client:
    """A Client logged in to the fake's demo account."""
    from xtu_toolkit import Client

    xtu = Client(timeout=10)
    xtu.login(USER, PASSWORD)
    return xtu


@pytest.fixture(scope="session")
def xtu_binary() -> str:
    """The Rust `xtu` binary, to compare the wheel's script with."""
    return _binary("xtu", "XTU_BIN")
