"""Evidence files: checked, stored outside the web root under a random key, served by a view that
checks the task's permission first."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePath

from flask import current_app
from flask_babel import gettext as _

from tracker.models import EvidenceAttachment, User

# Office documents, scans and photos; no executables, scripts or web pages.
ALLOWED_SUFFIXES = frozenset(
    {
        ".pdf",
        ".ofd",
        ".doc",
        ".docx",
        ".wps",
        ".xls",
        ".xlsx",
        ".et",
        ".ppt",
        ".pptx",
        ".txt",
        ".jpg",
        ".jpeg",
        ".png",
        ".zip",
        ".rar",
        ".7z",
    }
)


class EvidenceError(Exception):
    """A file that cannot be kept as evidence; the message says why, in the user's language."""


@dataclass(frozen=True)
class Upload:
    filename: str
    content_type: str
    data: bytes


def evidence_dir() -> Path:
    return Path(current_app.config.get("EVIDENCE_DIR") or Path(current_app.instance_path) / "evidence")


def check_upload(upload: Upload) -> None:
    """Raise EvidenceError for an empty, oversized or forbidden file."""
    name = PurePath(upload.filename).name
    suffix = PurePath(name).suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        allowed = "、".join(sorted(s.lstrip(".") for s in ALLOWED_SUFFIXES))
        raise EvidenceError(
            _("不允许上传“%(kind)s”类型的文件。可上传的类型：%(allowed)s。", kind=suffix or name, allowed=allowed)
        )
    if not upload.data:
        raise EvidenceError(_("文件“%(name)s”是空的。", name=name))
    limit_mb = current_app.config["MAX_UPLOAD_MB"]
    if len(upload.data) > limit_mb * 1024 * 1024:
        raise EvidenceError(_("文件“%(name)s”超过 %(limit)s MB，不能上传。", name=name, limit=limit_mb))


def store(upload: Upload, *, task_id: int, uploaded_by: User, now: datetime) -> EvidenceAttachment:
    """Write the file and return its (unsaved) attachment row. Call :func:`check_upload` first."""
    key = f"{now:%Y/%m}/{secrets.token_hex(16)}"
    path = evidence_dir() / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(upload.data)
    return EvidenceAttachment(
        task_id=task_id,
        uploaded_by_id=uploaded_by.id,
        filename=PurePath(upload.filename).name[:255],
        content_type=(upload.content_type or "application/octet-stream")[:100],
        size_bytes=len(upload.data),
        sha256=hashlib.sha256(upload.data).hexdigest(),
        storage_key=key,
        created_at=now,
    )


def path_of(attachment: EvidenceAttachment) -> Path:
    return evidence_dir() / attachment.storage_key
