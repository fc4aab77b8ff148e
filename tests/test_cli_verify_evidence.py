"""``flask verify-evidence``: bob's files checked against their rows, missing, orphan and corrupt
files named, exit 1 when there is any."""

from __future__ import annotations

import json

import pytest

from tests.factories import FROZEN_NOW, make_task
from tracker.extensions import db
from tracker.services import evidence
from tracker.services.evidence import Upload


@pytest.fixture
def folder(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "EVIDENCE_DIR", str(tmp_path / "evidence"))
    return tmp_path / "evidence"


@pytest.fixture
def keys(app, personas, folder) -> list[str]:
    """Three committed uploads of bob's: their storage keys."""
    with app.app_context():
        task_id = make_task().id
        stored = [
            evidence.store(
                Upload(f"纪要{n}.pdf", "application/pdf", f"%PDF-1.4 #{n}".encode()),
                task_id=task_id,
                uploaded_by=personas.bob,
                now=FROZEN_NOW,
            )
            for n in range(3)
        ]
        db.session.add_all(stored)
        db.session.commit()
        return [attachment.storage_key for attachment in stored]


def test_it_finds_nothing_wrong_when_every_file_matches_its_row(runner, keys):
    result = runner.invoke(args=["verify-evidence"])
    assert result.exit_code == 0, result.output
    assert "已核对 3 份佐证材料：缺失 0，多余 0，损坏 0。" in result.output


def test_it_names_missing_orphan_and_corrupt_files(runner, keys, folder):
    lost, tampered, _ = keys
    (folder / lost).unlink()
    (folder / tampered).write_bytes(b"%PDF-1.4 altered")
    (folder / "2026/06/stray").write_bytes(b"left behind")

    result = runner.invoke(args=["verify-evidence", "--json"])

    assert result.exit_code == 1
    found = json.loads(result.output)
    assert found == {"checked": 3, "missing": [lost], "orphans": ["2026/06/stray"], "corrupt": [tampered]}
    plain = runner.invoke(args=["verify-evidence"])
    assert plain.exit_code == 1
    assert f"[缺失] {lost}" in plain.output and "[多余] 2026/06/stray" in plain.output
    assert f"[损坏] {tampered}" in plain.output
