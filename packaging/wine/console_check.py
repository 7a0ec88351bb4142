#!/usr/bin/env python3
"""Drives xtu.exe in wine's console from a Linux pseudo-terminal, as a person
at a Windows console would: the captcha prompt appears and takes the typed
answer, and Chinese text reaches the screen (wine's console turns the
program's WriteConsoleW output into the terminal's UTF-8). The Rust terminal
tests drive `script`, which a process inside wine cannot; this is their
Windows counterpart, run by .ci/windows.sh against a running xtu-sandbox.

usage: console_check.py XTU_EXE SSO_BASE_URL EMS_BASE_URL STATE_DIR
"""
import os
import pty
import select
import sys
import time


def run_on_terminal(argv, env, prompt=None, answer=None, timeout=60.0):
    """Runs argv on a new pty; types answer once prompt shows. Returns
    (exit code, everything the terminal showed)."""
    pid, fd = pty.fork()
    if pid == 0:
        os.execvpe(argv[0], argv, env)
    seen = b""
    answered = False
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 1.0)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # EIO: the terminal closed
            break
        if not chunk:
            break
        seen += chunk
        if prompt and not answered and prompt.encode() in seen:
            # As a person does: after the prompt, once the program reads
            # (wine's console puts the terminal in raw mode only then).
            time.sleep(1.0)
            os.write(fd, answer.encode() + b"\r")
            answered = True
    else:
        os.kill(pid, 9)
        sys.exit(f"timed out; the terminal showed: {seen!r}")
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), seen.decode("utf-8", "replace")


def check(condition, what, text):
    if not condition:
        sys.exit(f"FAILED: {what}; the terminal showed:\n{text}")
    print(f"ok: {what}")


def main():
    exe, sso, ems, state = sys.argv[1:5]
    env = dict(os.environ)
    env.update(
        XTU_SSO_BASE_URL=sso,
        XTU_EMS_BASE_URL=ems,
        XTU_STATE_DIR=state,
        XTU_KEYRING="none",
        XTU_PASSWORD="sandbox",
        LANG="C.UTF-8",
    )
    wine = ["wine", exe]
    code, text = run_on_terminal(
        wine + ["login", "--username", "captcha"], env, "captcha:", "xtu1"
    )
    check("captcha:" in text, "the captcha prompt shows in the console", text)
    check(code == 0 and "logged in as" in text, "the typed answer logs in", text)
    code, text = run_on_terminal(wine + ["whoami"], env)
    check(code == 0, "the stored session is used", text)
    code, text = run_on_terminal(
        wine + ["login", "--username", "202205561111"], env
    )
    check(code == 0, "the demo account logs in", text)
    code, text = run_on_terminal(wine + ["student-info"], env)
    check(code == 0, "student-info runs in the console", text)
    check(
        any("\u4e00" <= ch <= "\u9fff" for ch in text),
        "Chinese text shows in the console",
        text,
    )


if __name__ == "__main__":
    main()
