"""Do the evidence files and their rows agree? Missing files (a row without its file), orphan
files (a file no row names) and corrupt files (bytes that no longer hash to the row's sha256)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from tracker.extensions import db
from tracker.models import EvidenceAttachment
from tracker.services.evidence import evidence_dir

CHUNK_BYTES = 1024 * 1024


@dataclass(frozen=True)
class EvidenceReport:
    """Storage keys (paths under ``EVIDENCE_DIR``), each list sorted."""

    missing: list[str] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)
    corrupt: list[str] = field(default_factory=list)
    checked: int = 0  # rows whose file was looked at

    @property
    def ok(self) -> bool:
        return not (self.missing or self.orphans or self.corrupt)

    def to_json(self) -> dict[str, object]:
        return {"checked": self.checked, "missing": self.missing, "orphans": self.orphans, "corrupt": self.corrupt}


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def check_evidence() -> EvidenceReport:
    """Hash every evidence file and walk ``EVIDENCE_DIR``. A file written by an upload that has not
    committed yet shows as an orphan: check again before deleting one."""
    folder = evidence_dir()
    rows = db.session.execute(
        sa.select(EvidenceAttachment.storage_key, EvidenceAttachment.sha256).order_by(EvidenceAttachment.storage_key)
    ).all()
    missing: list[str] = []
    corrupt: list[str] = []
    for key, sha256 in rows:
        path = folder / key
        if not path.is_file():
            missing.append(key)
        elif file_sha256(path) != sha256:
            corrupt.append(key)
    known = {key for key, _ in rows}
    on_disk = (path.relative_to(folder).as_posix() for path in folder.rglob("*") if path.is_file())
    orphans = sorted(key for key in on_disk if key not in known)
    return EvidenceReport(missing=missing, orphans=orphans, corrupt=corrupt, checked=len(rows))
