"""Backups that restore: the database, the evidence files and a manifest in one ``.tar.gz``.

The archive holds, in this order:

- ``manifest.json``: format and app version, the Alembic revision the rows belong to, each
  table's file and row count, every evidence file's sha256, the evidence found missing or corrupt
  while backing up, the settings of the system (never the database address or passwords), and the
  secret key only when asked for.
- ``data/<table>.jsonl``: one JSON object per row, the tables in dependency order, and within a
  table that refers to itself each row after the rows it names. Values load back exactly:
  datetimes in ISO 8601 with their UTC offset, dates in ISO 8601, enums as their values, binary as
  base64, JSON columns as JSON. In a JSON column a SQL NULL is the key left out, so that it stays
  distinct from a JSON ``null``.
- ``evidence/<storage key>``: the evidence files.

All rows are read in one transaction (a REPEATABLE READ snapshot on PostgreSQL, one read
transaction on SQLite), so an archive made while the app runs is consistent. A restore loads an
archive into an empty database at the same revision, SQLite or PostgreSQL whichever made it.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import io
import json
import os
import re
import tarfile
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from importlib import metadata
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy.types import TypeDecorator

from config import SETTINGS
from tracker.clock import local_zone
from tracker.errors import Refusal
from tracker.extensions import db
from tracker.models import EvidenceAttachment
from tracker.services.evidence import evidence_dir, remove_on_rollback
from tracker.services.evidence_check import CHUNK_BYTES, file_sha256

FORMAT = "tracker-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATA_FOLDER = "data/"
EVIDENCE_FOLDER = "evidence/"
INSERT_BATCH_ROWS = 1000
NIGHTLY_NAME = "tracker-backup-{:%Y%m%d-%H%M}.tar.gz"
NIGHTLY_PATTERN = re.compile(r"tracker-backup-\d{8}-\d{4}\.tar\.gz")
# Kept out of the manifest: the database address may hold a password; the secret key goes in only
# when asked for (see README, "Backups").
WITHHELD_SETTINGS = frozenset({"SECRET_KEY", "SMTP_PASSWORD", "DATABASE_URL"})


class BackupError(Refusal):
    """A backup or restore that cannot go ahead; the message says why and what to do."""


@dataclass(frozen=True)
class BackupSummary:
    path: Path
    tables: dict[str, int]
    evidence_files: int
    evidence_bytes: int
    missing: list[str] = field(default_factory=list)  # evidence rows without their file
    corrupt: list[str] = field(default_factory=list)  # files that no longer match their row's sha256
    secret_key_included: bool = False

    def describe(self) -> str:
        rows = sum(self.tables.values())
        text = (
            f"已备份到 {self.path}：{len(self.tables)} 张表共 {rows} 行，"
            f"{self.evidence_files} 份佐证材料（{self.evidence_bytes} 字节）"
        )
        return text + ("，含密钥。" if self.secret_key_included else "，不含密钥。")

    def warnings(self) -> list[str]:
        return [f"佐证材料缺失，未能备份：{key}" for key in self.missing] + [
            f"佐证材料与登记的校验值不符，已按现状备份：{key}" for key in self.corrupt
        ]


@dataclass(frozen=True)
class RestoreSummary:
    tables: dict[str, int]
    evidence_files: int
    warnings: list[str] = field(default_factory=list)

    def describe(self) -> str:
        rows = sum(self.tables.values())
        return f"已恢复 {len(self.tables)} 张表共 {rows} 行，{self.evidence_files} 份佐证材料（校验值均已核对）。"


@dataclass(frozen=True)
class NightlyBackup:
    summary: BackupSummary
    removed: list[Path]


# --- values: from a column to JSON and back ------------------------------------------------------


def _kind(column: sa.Column[Any]) -> str:
    """How a column's values are written: plain, datetime, date, enum, json or binary."""
    type_: Any = column.type
    while isinstance(type_, TypeDecorator):
        type_ = type_.impl_instance
    if isinstance(type_, sa.JSON):
        return "json"
    if isinstance(type_, sa.Enum):  # before String: an Enum is a String
        return "enum"
    if isinstance(type_, sa.LargeBinary):
        return "binary"
    if isinstance(type_, sa.DateTime):
        return "datetime"
    if isinstance(type_, sa.Date):
        return "date"
    if isinstance(type_, sa.Float) or (
        isinstance(type_, sa.Boolean | sa.Integer | sa.String) and not isinstance(type_, sa.Numeric)
    ):
        return "plain"
    raise BackupError(f"{column.table.name}.{column.name} 的类型 {column.type} 尚无可移植的写法，请在备份模块中补上。")


def _kinds(table: sa.Table) -> dict[str, str]:
    return {column.name: _kind(column) for column in table.columns}


def _encode(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind in ("datetime", "date"):
        return value.isoformat()
    if kind == "enum":
        return value.value if isinstance(value, enum.Enum) else value
    if kind == "binary":
        return base64.b64encode(value).decode("ascii")
    return value


def _decode(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "datetime":
        return datetime.fromisoformat(value)
    if kind == "date":
        return date.fromisoformat(value)
    if kind == "binary":
        return base64.b64decode(value)
    return value


def _select(table: sa.Table, kinds: dict[str, str]) -> sa.Select[Any]:
    # JSON columns as their text: the JSON type reads SQL NULL and JSON null alike as None.
    columns = [sa.cast(c, sa.Text).label(c.name) if kinds[c.name] == "json" else c for c in table.columns]
    return sa.select(*columns).order_by(*table.primary_key.columns)


def _portable(row: sa.RowMapping, kinds: dict[str, str]) -> dict[str, Any]:
    portable: dict[str, Any] = {}
    for name, kind in kinds.items():
        if kind != "json":
            portable[name] = _encode(kind, row[name])
        elif row[name] is not None:
            portable[name] = json.loads(row[name])
    return portable


def _restored(table: sa.Table, kinds: dict[str, str], portable: dict[str, Any]) -> dict[str, Any]:
    unknown = portable.keys() - kinds.keys()
    if unknown:
        raise BackupError(f"备份文件与数据库结构不符：表 {table.name} 没有列 {', '.join(sorted(unknown))}。")
    row: dict[str, Any] = {}
    for name, kind in kinds.items():
        if kind == "json":
            row[name] = portable[name] if name in portable else sa.null()
        elif name in portable:
            row[name] = _decode(kind, portable[name])
        else:
            raise BackupError(f"备份文件已损坏：表 {table.name} 的一行缺少列 {name}。")
    return row


def _parents_first(table: sa.Table, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Order the rows of a table that refers to itself (a milestone to its task, a carried-over
    task to last year's) so that each comes after the rows it names: foreign keys are checked row
    by row on insert."""
    references = [(fk.parent.name, fk.column.name) for fk in table.foreign_keys if fk.column.table is table]
    placed: dict[str, set[Any]] = {target: set() for _, target in references}
    ordered: list[dict[str, Any]] = []
    pending = rows
    while pending:
        waiting = []
        for row in pending:
            if all(row[source] is None or row[source] in placed[target] for source, target in references):
                ordered.append(row)
                for target in placed:
                    placed[target].add(row[target])
            else:
                waiting.append(row)
        if len(waiting) == len(pending):
            raise BackupError(f"表 {table.name} 中有循环引用的行，无法按顺序恢复。")
        pending = waiting
    return ordered


# --- the database's revision --------------------------------------------------------------------


def _code_revision() -> str:
    script = ScriptDirectory(current_app.extensions["migrate"].directory)
    return ",".join(sorted(script.get_heads()))


def _database_revision(connection: sa.Connection) -> str:
    return ",".join(sorted(MigrationContext.configure(connection).get_current_heads()))


# --- backup -------------------------------------------------------------------------------------


def write_backup(out: Path, now: datetime, *, include_secret_key: bool = False) -> BackupSummary:
    """Write the archive to ``out``, replacing it at once when complete (never half an archive),
    readable by its owner only. Evidence files missing or corrupt do not stop the backup: they
    are listed in the manifest and the summary. Raises BackupError when the database is not at
    the revision of the code (run ``flask db upgrade``)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".tracker-backup-", dir=out.parent) as scratch:
        revision, tables, evidence_rows = _dump_tables(Path(scratch))
        folder = evidence_dir()
        files, missing, corrupt = [], [], []
        for key, sha256 in evidence_rows:
            path = folder / key
            if not path.is_file():
                missing.append(key)
                continue
            actual = file_sha256(path)
            if actual != sha256:
                corrupt.append(key)
            files.append({"storage_key": key, "sha256": actual, "size_bytes": path.stat().st_size})
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "app_version": _app_version(),
            "created_at": now.isoformat(),
            "database": db.engine.dialect.name,
            "alembic_revision": revision,
            "tables": tables,
            "evidence": {"files": files, "missing": missing, "corrupt": corrupt},
            "settings": {s.name: current_app.config.get(s.name) for s in SETTINGS if s.name not in WITHHELD_SETTINGS},
            "secret_key": current_app.config["SECRET_KEY"] if include_secret_key else None,
        }
        partial = out.with_name(f".{out.name}.partial")
        try:
            descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
                _add_bytes(tar, MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1).encode(), now)
                for table in tables:
                    _add_file(tar, table["file"], Path(scratch) / table["file"], now)
                for entry in files:
                    _add_evidence(tar, folder, entry, now)
            os.replace(partial, out)
        finally:
            partial.unlink(missing_ok=True)
    return BackupSummary(
        path=out,
        tables={table["name"]: table["rows"] for table in tables},
        evidence_files=len(files),
        evidence_bytes=sum(entry["size_bytes"] for entry in files),
        missing=missing,
        corrupt=corrupt,
        secret_key_included=include_secret_key,
    )


def _dump_tables(folder: Path) -> tuple[str, list[dict[str, Any]], list[tuple[str, str]]]:
    """Write every table to ``folder/data/<table>.jsonl`` from one snapshot; return the revision,
    the tables' manifest entries and the evidence rows (storage key, sha256) of that snapshot."""
    (folder / DATA_FOLDER).mkdir()
    with db.engine.connect() as connection:
        _begin_snapshot(connection)
        revision = _database_revision(connection)
        if revision != _code_revision():
            raise BackupError(
                f"数据库的版本（{revision or '未建表'}）与本程序（{_code_revision()}）不同："
                "请先运行 flask --app tracker db upgrade。"
            )
        tables = [_dump_table(connection, table, folder) for table in db.metadata.sorted_tables]
        key, sha256 = EvidenceAttachment.storage_key, EvidenceAttachment.sha256
        evidence_rows = [(k, s) for k, s in connection.execute(sa.select(key, sha256).order_by(key))]
    return revision, tables, evidence_rows


def _begin_snapshot(connection: sa.Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
    elif connection.dialect.name == "sqlite":
        # pysqlite opens a transaction only before a write: without this BEGIN every SELECT
        # would see the database as of its own moment.
        connection.exec_driver_sql("BEGIN")


def _dump_table(connection: sa.Connection, table: sa.Table, folder: Path) -> dict[str, Any]:
    kinds = _kinds(table)
    name = f"{DATA_FOLDER}{table.name}.jsonl"
    result = connection.execute(_select(table, kinds).execution_options(yield_per=INSERT_BATCH_ROWS))
    rows: Iterable[dict[str, Any]] = (_portable(row, kinds) for row in result.mappings())
    if any(fk.column.table is table for fk in table.foreign_keys):
        rows = _parents_first(table, list(rows))
    count = 0
    with (folder / name).open("w", encoding="utf-8", newline="\n") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n")
            count += 1
    return {"name": table.name, "file": name, "rows": count}


def _member(name: str, size: int, now: datetime) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mtime = int(now.timestamp())
    info.mode = 0o600
    return info


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes, now: datetime) -> None:
    tar.addfile(_member(name, len(data), now), io.BytesIO(data))


def _add_file(tar: tarfile.TarFile, name: str, path: Path, now: datetime) -> None:
    with path.open("rb") as handle:
        tar.addfile(_member(name, path.stat().st_size, now), handle)


class _Hashing:
    """Reads through to ``source`` and hashes what it read."""

    def __init__(self, source: IO[bytes]) -> None:
        self.source = source
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.source.read(size)
        self.digest.update(data)
        return data


def _add_evidence(tar: tarfile.TarFile, folder: Path, entry: dict[str, Any], now: datetime) -> None:
    key = entry["storage_key"]
    with (folder / key).open("rb") as handle:
        reader = _Hashing(handle)
        tar.addfile(_member(EVIDENCE_FOLDER + key, entry["size_bytes"], now), reader)  # type: ignore[arg-type]
    # Evidence files are written once; one that changed since it was hashed would make the
    # manifest lie.
    if reader.digest.hexdigest() != entry["sha256"]:
        raise BackupError(f"佐证材料 {key} 在备份过程中被改动，请重新备份。")


def _app_version() -> str:
    try:
        return metadata.version("tracker")
    except metadata.PackageNotFoundError:
        return "unknown"


# --- restore ------------------------------------------------------------------------------------


def restore_backup(archive: Path) -> RestoreSummary:
    """Load ``archive`` into the app's empty database and its evidence files into ``EVIDENCE_DIR``,
    through ``db.session``: the caller commits, and a rollback undoes everything, the files
    written included. Raises BackupError, having checked before writing, when the database is
    not empty or not at the archive's revision, and, having written part, when the archive is
    damaged (a row count, a checksum, a file missing or unexpected); roll back then."""
    try:
        with tarfile.open(archive, mode="r:gz") as tar:
            members = iter(tar)
            manifest = _read_manifest(tar, next(members, None))
            _check_target(manifest)
            loader = _Loader(manifest)
            for member in members:
                loader.take(tar, member)
            return loader.finish()
    except (tarfile.TarError, OSError, EOFError, ValueError, KeyError) as error:
        raise BackupError(f"{archive} 不可读或已损坏：{error!r}。未恢复任何数据。") from error
    except sa.exc.DBAPIError as error:
        raise BackupError(f"数据库拒绝了备份中的数据：{error.orig}。未恢复任何数据。") from error


def _read_manifest(tar: tarfile.TarFile, member: tarfile.TarInfo | None) -> dict[str, Any]:
    if member is None or member.name != MANIFEST or not member.isfile():
        raise BackupError(f"不是本系统的备份文件：第一个成员应是 {MANIFEST}。")
    handle = tar.extractfile(member)
    assert handle is not None
    try:
        manifest = json.loads(handle.read())
    except ValueError as error:
        raise BackupError(f"备份文件的 {MANIFEST} 已损坏：{error}") from error
    if manifest.get("format") != FORMAT:
        raise BackupError("不是本系统的备份文件。")
    if manifest.get("format_version", 0) > FORMAT_VERSION:
        raise BackupError(f"备份由更新的程序（{manifest.get('app_version')}）写成：请用该版本或更新的程序恢复。")
    return manifest


def _check_target(manifest: dict[str, Any]) -> None:
    """Refuse before writing anything: the database must be migrated to the archive's revision
    and hold no rows."""
    database = _database_revision(db.session.connection())
    code = _code_revision()
    if database != code:
        raise BackupError(
            f"数据库的版本（{database or '未建表'}）不是本程序的版本（{code}）："
            "请先运行 flask --app tracker db upgrade，再恢复。"
        )
    if manifest["alembic_revision"] != code:
        raise BackupError(
            f"备份属于数据库版本 {manifest['alembic_revision']}（程序 {manifest.get('app_version')}），"
            f"本程序的数据库版本是 {code}：请用与备份相同版本的程序恢复到空数据库，"
            "再换回本程序并运行 flask --app tracker db upgrade。"
        )
    for table in db.metadata.sorted_tables:
        if db.session.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first() is not None:
            raise BackupError(
                f"数据库不是空的（表 {table.name} 已有数据）：只能恢复到新建的空数据库"
                "（建库后运行 flask --app tracker db upgrade）。"
            )
    names = [entry["name"] for entry in manifest["tables"]]
    if sorted(names) != sorted(db.metadata.tables):
        raise BackupError("备份中的表与数据库结构不符：请用与备份相同版本的程序恢复。")


class _Loader:
    """Takes the archive's members in order: the tables' rows, then the evidence files."""

    def __init__(self, manifest: dict[str, Any]) -> None:
        self.manifest = manifest
        self.tables: Iterator[dict[str, Any]] = iter(manifest["tables"])
        self.loaded: dict[str, int] = {}
        self.evidence = manifest["evidence"]
        self.files = {entry["storage_key"]: entry["sha256"] for entry in self.evidence["files"]}
        self.registered: dict[str, str] | None = None  # storage key -> sha256 of the restored rows
        self.restored: set[str] = set()
        self.folder = evidence_dir()

    def take(self, tar: tarfile.TarFile, member: tarfile.TarInfo) -> None:
        if member.isdir():
            return
        handle = tar.extractfile(member) if member.isfile() else None
        if handle is None:
            raise BackupError(f"备份文件中有意外的成员：{member.name}")
        if member.name.startswith(DATA_FOLDER) and self.registered is None:
            self._load_table(member.name, handle)
        elif member.name.startswith(EVIDENCE_FOLDER):
            self._restore_file(member.name.removeprefix(EVIDENCE_FOLDER), handle)
        else:
            raise BackupError(f"备份文件中有意外的成员：{member.name}")

    def _load_table(self, name: str, handle: IO[bytes]) -> None:
        entry = next(self.tables, None)
        if entry is None or entry["file"] != name:
            raise BackupError(f"备份文件已损坏：{name} 不在清单所列的位置。")
        table = db.metadata.tables[entry["name"]]
        kinds = _kinds(table)
        count = 0
        batch: list[dict[str, Any]] = []
        for line in io.TextIOWrapper(handle, encoding="utf-8", newline="\n"):
            if not line.strip():
                continue
            batch.append(_restored(table, kinds, json.loads(line)))
            if len(batch) == INSERT_BATCH_ROWS:
                db.session.execute(table.insert(), batch)
                count += len(batch)
                batch = []
        if batch:
            db.session.execute(table.insert(), batch)
            count += len(batch)
        if count != entry["rows"]:
            raise BackupError(f"备份文件已损坏：表 {table.name} 应有 {entry['rows']} 行，读到 {count} 行。")
        self.loaded[table.name] = count

    def _registered(self) -> dict[str, str]:
        if self.registered is None:
            if next(self.tables, None) is not None:
                raise BackupError("备份文件不完整：清单所列的表没有全部读到。")
            rows = db.session.execute(sa.select(EvidenceAttachment.storage_key, EvidenceAttachment.sha256))
            self.registered = {key: sha256 for key, sha256 in rows}
        return self.registered

    def _restore_file(self, key: str, handle: IO[bytes]) -> None:
        registered = self._registered()
        if key not in self.files or key not in registered:
            raise BackupError(f"备份文件中有清单或数据库未登记的佐证材料：{key}")
        path = self._path(key)
        if path.exists():
            # A folder that survived the disaster may already hold the file: keep it if identical.
            if file_sha256(path) != self.files[key]:
                raise BackupError(f"佐证材料目录中已有同名而内容不同的文件：{path}。请换一个空目录。")
            digest = self.files[key]
            _drain(handle)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            remove_on_rollback(path)
            digest = _copy_hashing(handle, path)
        if digest != self.files[key]:
            raise BackupError(f"备份文件已损坏：佐证材料 {key} 的校验值不符。未恢复任何数据。")
        if digest != registered[key] and key not in self.evidence["corrupt"]:
            raise BackupError(f"备份文件已损坏：佐证材料 {key} 与数据库登记的校验值不符。未恢复任何数据。")
        self.restored.add(key)

    def _path(self, key: str) -> Path:
        root = self.folder.resolve()
        path = (root / key).resolve()
        if path == root or not path.is_relative_to(root):
            raise BackupError(f"备份文件中有不安全的文件名：{key}")
        return path

    def finish(self) -> RestoreSummary:
        registered = self._registered()
        if self.restored != set(self.files):
            absent = sorted(set(self.files) - self.restored)
            raise BackupError(f"备份文件不完整：缺少佐证材料 {', '.join(absent[:5])}。未恢复任何数据。")
        unaccounted = set(registered) - self.restored - set(self.evidence["missing"])
        if unaccounted:
            raise BackupError(f"备份文件不完整：缺少佐证材料 {', '.join(sorted(unaccounted)[:5])}。未恢复任何数据。")
        _reset_sequences()
        return RestoreSummary(tables=self.loaded, evidence_files=len(self.restored), warnings=self._warnings())

    def _warnings(self) -> list[str]:
        warnings = [f"备份时已缺失的佐证材料（仍缺失）：{key}" for key in self.evidence["missing"]]
        warnings += [f"备份时已与校验值不符的佐证材料（按原样恢复）：{key}" for key in self.evidence["corrupt"]]
        zone, current_zone = self.manifest.get("settings", {}).get("TIMEZONE"), current_app.config["TIMEZONE"]
        if zone and zone != current_zone:
            warnings.append(f"备份来自时区 {zone} 的系统，当前 TRACKER_TIMEZONE 是 {current_zone}：请改为一致。")
        key = self.manifest.get("secret_key")
        if key and key != current_app.config["SECRET_KEY"]:
            warnings.append(
                "备份含有原系统的密钥（manifest.json 的 secret_key），与当前 TRACKER_SECRET_KEY 不同："
                "把 TRACKER_SECRET_KEY 设为它，用户便不必重新登录。"
            )
        return warnings


def _copy_hashing(source: IO[bytes], path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("wb") as target:
        while chunk := source.read(CHUNK_BYTES):
            digest.update(chunk)
            target.write(chunk)
    return digest.hexdigest()


def _drain(source: IO[bytes]) -> None:
    while source.read(CHUNK_BYTES):
        pass


def _reset_sequences() -> None:
    """Rows came with their ids: move each PostgreSQL sequence past the largest, or the next
    insert would collide. (SQLite takes max(rowid) + 1 by itself.)"""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for table in db.metadata.sorted_tables:
        column = table.autoincrement_column
        if column is None:
            continue
        largest = sa.func.max(column)
        sequence = sa.func.pg_get_serial_sequence(table.name, column.name)
        db.session.execute(sa.select(sa.func.setval(sequence, sa.func.coalesce(largest, 1), largest.is_not(None))))


# --- the nightly backup -------------------------------------------------------------------------


def nightly_backup(folder: Path, keep: int, now: datetime) -> NightlyBackup:
    """Write ``tracker-backup-YYYYMMDD-HHMM.tar.gz`` (office time) into ``folder``, then delete the
    oldest archives so named beyond ``keep``; other files in the folder are left alone."""
    folder.mkdir(parents=True, exist_ok=True)
    summary = write_backup(folder / NIGHTLY_NAME.format(now.astimezone(local_zone())), now)
    return NightlyBackup(summary=summary, removed=prune(folder, keep))


def prune(folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` (at least one) nightly archives; return those deleted."""
    archives = sorted(path for path in folder.iterdir() if NIGHTLY_PATTERN.fullmatch(path.name))
    removed = archives[: -max(keep, 1)]
    for path in removed:
        path.unlink()
    return removed
