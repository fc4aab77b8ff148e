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
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from tracker.errors import Refusal
from tracker.extensions import db
from tracker.models import EvidenceAttachment, User


@dataclass(frozen=True)
class FileType:
    """What a file with one suffix must hold, and how it is served back (never with the type the
    uploading browser claimed)."""

    content_type: str
    signatures: tuple[bytes, ...]  # the content starts with one of them; () for plain text


PDF = (b"%PDF",)
ZIP = (b"PK\x03\x04", b"PK\x05\x06")  # a ZIP archive, or an empty one
OLE = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)  # Compound File: Office 97–2003, WPS, encrypted Office
RTF = (b"{\\rtf",)
# Phones and chat apps often save a PNG screenshot as .jpg: either image passes as either.
IMAGE = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
UNKNOWN_TYPE = "application/octet-stream"  # downloaded, never shown

# Office documents, scans and photos; no executables, scripts or web pages (nor SVG: an image
# that runs script). OOXML and OFD documents are ZIP packages; a password-protected .docx, .xlsx
# or .pptx is a Compound File; many systems export RTF under .doc.
FILE_TYPES: dict[str, FileType] = {
    ".pdf": FileType("application/pdf", PDF),
    ".ofd": FileType("application/ofd", ZIP),
    ".doc": FileType("application/msword", OLE + RTF),
    ".docx": FileType("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ZIP + OLE),
    ".wps": FileType(UNKNOWN_TYPE, OLE + RTF),  # WPS 文字: no registered type
    ".xls": FileType("application/vnd.ms-excel", OLE),
    ".xlsx": FileType("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ZIP + OLE),
    ".et": FileType(UNKNOWN_TYPE, OLE),  # WPS 表格
    ".ppt": FileType("application/vnd.ms-powerpoint", OLE),
    ".pptx": FileType("application/vnd.openxmlformats-officedocument.presentationml.presentation", ZIP + OLE),
    ".txt": FileType("text/plain", ()),
    ".jpg": FileType("image/jpeg", IMAGE),
    ".jpeg": FileType("image/jpeg", IMAGE),
    ".png": FileType("image/png", IMAGE),
    ".zip": FileType("application/zip", ZIP),
    ".rar": FileType("application/vnd.rar", (b"Rar!\x1a\x07",)),  # RAR 4 and 5
    ".7z": FileType("application/x-7z-compressed", (b"7z\xbc\xaf\x27\x1c",)),
}
ALLOWED_SUFFIXES = frozenset(FILE_TYPES)


class EvidenceError(Refusal):
    """A file that cannot be kept as evidence; the message says why, in the user's language."""


@dataclass(frozen=True)
class Upload:
    filename: str
    content_type: str  # as the browser claimed: shown nowhere, stored nowhere
    data: bytes


def evidence_dir() -> Path:
    return Path(current_app.config.get("EVIDENCE_DIR") or Path(current_app.instance_path) / "evidence")


def check_upload(upload: Upload) -> None:
    """Raise EvidenceError for an empty, oversized or forbidden file, or one whose content is not
    what its suffix says (a web page named .pdf)."""
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
    if not _content_matches(FILE_TYPES[suffix], upload.data):
        raise EvidenceError(
            _(
                "文件“%(name)s”的内容与扩展名“%(suffix)s”不符，不能上传。请确认文件完好，或改用与内容相符的扩展名。",
                name=name,
                suffix=suffix,
            )
        )


def _content_matches(file_type: FileType, data: bytes) -> bool:
    if file_type.signatures:
        return data.startswith(file_type.signatures)
    # Plain text has no signature; a NUL byte outside UTF-16 means a binary file renamed .txt.
    return data.startswith(UTF16_BOMS) or b"\x00" not in data


def content_type_for(filename: str) -> str:
    """The type a stored file is served with, from its suffix alone; files kept before the check
    (a web page, an SVG) get a type no browser renders."""
    file_type = FILE_TYPES.get(PurePath(filename).suffix.lower())
    return file_type.content_type if file_type else UNKNOWN_TYPE


def store(upload: Upload, *, task_id: int, uploaded_by: User, now: datetime) -> EvidenceAttachment:
    """Write the file and return its (unsaved) attachment row. Call :func:`check_upload` first."""
    key = f"{now:%Y/%m}/{secrets.token_hex(16)}"
    path = evidence_dir() / key
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_on_rollback(path)
    path.write_bytes(upload.data)
    return EvidenceAttachment(
        task_id=task_id,
        uploaded_by_id=uploaded_by.id,
        filename=PurePath(upload.filename).name[:255],
        content_type=content_type_for(upload.filename),
        size_bytes=len(upload.data),
        sha256=hashlib.sha256(upload.data).hexdigest(),
        storage_key=key,
        created_at=now,
    )


def path_of(attachment: EvidenceAttachment) -> Path:
    return evidence_dir() / attachment.storage_key


# session.info key: the files written in each open transaction, {SessionTransaction: [Path]}.
_WRITTEN = "evidence_files_written"


def remove_on_rollback(path: Path) -> None:
    """Delete ``path`` unless the current transaction of ``db.session`` commits: a file whose row
    was rolled back (a failed upload, a failed restore) must not stay behind as an orphan. Call it
    before writing, so that a half-written file goes too."""
    session = db.session()
    transaction = session.get_nested_transaction() or session.get_transaction() or session.begin()
    session.info.setdefault(_WRITTEN, {}).setdefault(transaction, []).append(path)


@event.listens_for(Session, "after_commit")
def _keep_committed_files(session: Session) -> None:
    written = session.info.get(_WRITTEN)
    if not written:
        return
    transaction = session.get_nested_transaction() or session.get_transaction()
    paths = written.pop(transaction, [])
    if transaction is not None and transaction.parent is not None:
        # A released savepoint: its files now live or die with the enclosing transaction.
        written.setdefault(transaction.parent, []).extend(paths)


@event.listens_for(Session, "after_transaction_end")
def _remove_uncommitted_files(session: Session, transaction: SessionTransaction) -> None:
    """A transaction that ends with its files still listed was rolled back (or closed unfinished)."""
    written = session.info.get(_WRITTEN)
    for path in written.pop(transaction, []) if written else []:
        path.unlink(missing_ok=True)
