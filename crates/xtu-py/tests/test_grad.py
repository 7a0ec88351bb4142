"""Graduate students through the SDK against the sandbox: the graduate
timetable, and the errors of the wrong kind of account."""

from __future__ import annotations

from pathlib import Path

import pytest

from xtu_toolkit import Client, GraduateAccount, NoGraduateSystem

from conftest import GRADUATE, PASSWORD


def test_grad_timetable_of_two_terms(env: Path) -> None:
    xtu = Client(timeout=10)
    xtu.login(GRADUATE, PASSWORD)
    autumn = xtu.grad_timetable(2025, 1)
    assert autumn["term"] == "2025-2026-1"
    computing = next(c for c in autumn["courses"] if c["name"] == "科学计算方法")
    assert computing["weeks"] == [11, 12, 13, 14, 15, 16]
    assert computing["sections"] == [1, 2]
    assert computing["day_of_week"] == 1
    # One cell with two courses: two courses.
    tuesday = sorted(c["name"] for c in autumn["courses"] if c["day_of_week"] == 2)
    assert tuesday == ["工程伦理", "自然辩证法概论"]
    spring = xtu.grad_timetable(2025, 2)
    assert [c["name"] for c in spring["courses"]] == ["最优化方法", "机器学习"]
    # The academic system does not know a graduate's account.
    with pytest.raises(GraduateAccount) as raised:
        xtu.timetable(2025, 1)
    assert raised.value.exit_code == 21
    assert "xtu grad timetable" in raised.value.message


def test_an_undergraduate_has_no_graduate_system(client: Client) -> None:
    with pytest.raises(NoGraduateSystem) as raised:
        client.grad_timetable()
    assert raised.value.exit_code == 20
    assert "no graduate system" in raised.value.message
