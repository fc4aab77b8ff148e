"""Files the pages generate (ledgers, bulletins, drafts), sent as downloads; and files too large to
build inside a request (:class:`PreparedFile`), built in the background and kept until fetched."""

from __future__ import annotations

import fcntl
import io
import logging
import os
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from flask import send_file
from werkzeug.wrappers import Response

log = logging.getLogger(__name__)

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def attachment(content: bytes, mimetype: str, name: str) -> Response:
    """``content`` as a download named ``name`` (see :func:`_download`)."""
    return _download(io.BytesIO(content), mimetype, name)


def _download(file: IO[bytes] | Path, mimetype: str, name: str) -> Response:
    """``file`` as a download named ``name`` (non-ASCII names as RFC 5987), never cached: it holds
    what only the signed-in user may see. ``mimetype`` is the whole Content-Type, sent as given
    ("text/csv; charset=utf-8"): send_file appends a charset of its own to any text type."""
    response = send_file(file, mimetype=mimetype, as_attachment=True, download_name=name, etag=False)
    response.content_type = mimetype
    response.headers["Cache-Control"] = "private, no-store"
    return response


class PreparedFile:
    """A file built in a background thread, outside any request (so no worker timeout can cut it
    off), and kept as ``folder/name`` for the requests that come for it.

    One build of a name at a time, across the threads and the processes that share the folder
    (gunicorn's workers): the builder holds an exclusive ``flock`` on ``.{name}.lock`` for the
    whole build, and the system releases it if the builder's process dies. ``.{name}.building``
    names the process building (so that pages can say so), ``.{name}.failed`` what went wrong.
    """

    def __init__(self, folder: Path, name: str) -> None:
        self.folder = folder
        self.name = name
        self.path = folder / name
        self._lock = folder / f".{name}.lock"
        self._building = folder / f".{name}.building"
        self._failed = folder / f".{name}.failed"

    @property
    def ready(self) -> bool:
        return self.path.exists()

    @property
    def building(self) -> bool:
        """A build was started and its process is alive (one killed mid-build leaves its marker)."""
        try:
            pid = int(self._building.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return False
        try:
            os.kill(pid, 0)  # no signal sent: only asks whether the process exists
        except ProcessLookupError:
            return False
        except PermissionError:  # it exists, under another user
            return True
        return True

    @property
    def failed(self) -> bool:
        """The last build raised (logged with its traceback); the next ``start`` tries again."""
        return self._failed.exists() and not self.ready

    @property
    def state(self) -> str:
        """One of "ready", "building", "failed" and "absent" (never started, or its builder died)."""
        if self.ready:
            return "ready"
        if self.building:
            return "building"
        return "failed" if self.failed else "absent"

    def start(self, build: Callable[[], bytes], *, supersedes: str | None = None) -> threading.Thread | None:
        """Build the file in a new thread: ``build()``'s bytes, written to a temporary file and
        renamed into place, so that no request ever reads half a file. Once it is in place, the
        other files of the folder matching the glob ``supersedes`` (older versions) are deleted.

        Returns the thread, or None when the file is ready or another build of it is running.
        ``build`` runs outside the request and its app context: give it what it needs.
        """
        self.folder.mkdir(parents=True, exist_ok=True)
        lock = self._lock.open("a")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.close()
            return None
        if self.ready:  # finished by another worker since the caller looked
            lock.close()
            return None
        self._building.write_text(f"{os.getpid()} {datetime.now(UTC).isoformat()}\n")
        self._failed.unlink(missing_ok=True)
        thread = threading.Thread(
            target=self._build, args=(build, lock, supersedes), name=f"prepare {self.name}", daemon=True
        )
        thread.start()
        return thread

    def send(self, mimetype: str, name: str) -> Response:
        """The file as a download named ``name`` (see :func:`_download`)."""
        return _download(self.path, mimetype, name)

    def _build(self, build: Callable[[], bytes], lock: IO[str], supersedes: str | None) -> None:
        partial = self.folder / f".{self.name}.{os.getpid()}.{threading.get_ident()}.partial"
        try:
            partial.write_bytes(build())
            partial.replace(self.path)
            for older in self.folder.glob(supersedes) if supersedes else ():
                if older != self.path:
                    older.unlink(missing_ok=True)
        except Exception as error:
            log.exception("building %s failed", self.path)
            partial.unlink(missing_ok=True)
            self._failed.write_text(f"{datetime.now(UTC).isoformat()} {type(error).__name__}\n")
        finally:
            self._building.unlink(missing_ok=True)
            lock.close()  # releases the flock
