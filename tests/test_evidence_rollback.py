"""A stored evidence file lives exactly as long as its transaction: bob's upload that fails leaves
no orphan file behind, one that commits keeps its file."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.factories import FROZEN_NOW, make_task
from tracker.extensions import db
from tracker.services import evidence
from tracker.services.evidence import Upload

PDF = Upload("会议纪要.pdf", "application/pdf", b"%PDF-1.4 evidence")


@pytest.fixture
def bob(app, personas, ctx, tmp_path):
    app.config["EVIDENCE_DIR"] = str(tmp_path / "evidence")
    return db.session.get(type(personas.bob), personas.bob.id)


def upload(bob, task_id: int) -> evidence.EvidenceAttachment:
    attachment = evidence.store(PDF, task_id=task_id, uploaded_by=bob, now=FROZEN_NOW)
    db.session.add(attachment)
    return attachment


def stored_files(tmp_path) -> list[str]:
    return sorted(p.name for p in (tmp_path / "evidence").rglob("*") if p.is_file())


def test_it_keeps_the_file_of_a_committed_upload(bob, tmp_path):
    attachment = upload(bob, make_task().id)
    db.session.commit()
    assert evidence.path_of(attachment).read_bytes() == PDF.data


def test_it_removes_the_file_of_an_upload_rolled_back(bob, tmp_path):
    task_id = make_task().id
    upload(bob, task_id)
    db.session.flush()
    assert len(stored_files(tmp_path)) == 1

    db.session.rollback()

    assert stored_files(tmp_path) == []


def test_it_removes_the_files_when_the_commit_itself_fails(bob, tmp_path):
    task_id = make_task().id
    db.session.commit()
    first, second = upload(bob, task_id), upload(bob, task_id)
    second.storage_key = first.storage_key  # the unique key refuses the second row at commit

    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()

    assert stored_files(tmp_path) == []


def test_it_removes_only_the_files_of_a_savepoint_rolled_back(bob, tmp_path):
    task_id = make_task().id
    kept = upload(bob, task_id)
    savepoint = db.session.begin_nested()
    upload(bob, task_id)
    db.session.flush()
    savepoint.rollback()
    released = db.session.begin_nested()
    also_kept = upload(bob, task_id)
    released.commit()

    db.session.commit()

    assert stored_files(tmp_path) == sorted(a.storage_key.rsplit("/", 1)[1] for a in (kept, also_kept))
