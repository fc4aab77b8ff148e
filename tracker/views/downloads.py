"""Files the pages generate (ledgers, bulletins, drafts), sent as downloads."""

from __future__ import annotations

import io

from flask import send_file
from werkzeug.wrappers import Response

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def attachment(content: bytes, mimetype: str, name: str) -> Response:
    """``content`` as a download named ``name`` (non-ASCII names as RFC 5987), never cached:
    it holds what only the signed-in user may see."""
    response = send_file(io.BytesIO(content), mimetype=mimetype, as_attachment=True, download_name=name)
    response.headers["Cache-Control"] = "private, no-store"
    return response
