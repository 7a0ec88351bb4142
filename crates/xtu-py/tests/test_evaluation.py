"""Course evaluation (评教) through the SDK, on a sandbox of its own with
the evaluation open: list, a dry run, a save, a submit only when asked."""

from __future__ import annotations

from pathlib import Path
from typing import List

import pytest

from xtu_toolkit import Client, UsageError

from conftest import PASSWORD, USER, Sandbox


@pytest.fixture
def evaluating(
    evaluating_sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Client:
    monkeypatch.setenv("XTU_SSO_BASE_URL", evaluating_sandbox.sso_base_url)
    monkeypatch.setenv("XTU_EMS_BASE_URL", evaluating_sandbox.ems_base_url)
    monkeypatch.setenv("XTU_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("XTU_KEYRING", "none")
    for name in ("XTU_TOKEN", "XTU_PASSWORD", "XTU_USER", "XTU_LOG"):
        monkeypatch.delenv(name, raising=False)
    client = Client(timeout=10)
    client.login(USER, PASSWORD)
    return client


def states(client: Client) -> List[str]:
    return [e["state"] for e in client.evaluations()]


def test_list_fill_and_submit_only_when_asked(evaluating: Client) -> None:
    listed = evaluating.evaluations()
    assert [(e["course"], e["teacher"]) for e in listed] == [
        ("高等数学A(一)", "教师甲"),
        ("大学物理", "教师乙"),
        ("大学物理", "教师丙"),
    ]
    assert states(evaluating) == ["pending"] * 3
    # The gate: no grades while evaluations are pending, and the empty
    # answer says so rather than passing for a student without grades.
    with pytest.warns(UserWarning, match="no grades in any term"):
        assert evaluating.grades(all=True) == []

    planned = evaluating.fill_evaluations("best", dry_run=True)
    assert planned["dry_run"] is True
    assert planned["forms"][0]["fields"][0] == {"name": "ztpjbl", "value": "100"}
    assert states(evaluating) == ["pending"] * 3

    saved = evaluating.fill_evaluations("best", comment="认真负责")
    assert [f["action"] for f in saved["forms"]] == ["saved"] * 3
    assert states(evaluating) == ["saved"] * 3

    submitted = evaluating.fill_evaluations("best", submit=True)
    assert [f["action"] for f in submitted["forms"]] == ["submitted"] * 3
    assert states(evaluating) == ["submitted"] * 3
    assert evaluating.grades(all=True) != []


def test_answers_are_checked_before_anything_is_sent(evaluating: Client) -> None:
    with pytest.raises(UsageError, match="超级好"):
        evaluating.fill_evaluations({"default": "超级好", "default_score": 90})
    with pytest.raises(UsageError, match="unknown field"):
        evaluating.fill_evaluations({"colour": "blue"})
    with pytest.raises(ValueError):
        evaluating.fill_evaluations("worst")
    assert states(evaluating) == ["pending"] * 3
    report = evaluating.fill_evaluations(
        {"default": "良好", "default_score": 90, "answers": {"1": "优秀"}},
        course="大学物理",
        teacher="乙",
    )
    assert [(f["teacher"], f["answers"][1]["answer"]) for f in report["forms"]] == [
        ("教师乙", "良好")
    ]
    assert states(evaluating) == ["pending", "saved", "pending"]
