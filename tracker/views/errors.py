"""Error pages in the user's language; JSON for JSON clients. Every error rolls the session back."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from tracker.extensions import db

MESSAGES = {
    400: lazy_gettext("请求无效，请检查填写的内容后重试。"),
    403: lazy_gettext("您没有执行此操作的权限。如需访问，请联系法制部门或系统管理员。"),
    404: lazy_gettext("页面不存在，或您无权查看。"),
    405: lazy_gettext("不支持此操作方式。"),
    413: lazy_gettext("上传的文件过大。"),
    500: lazy_gettext("系统内部错误，已记录。请稍后重试，或联系系统管理员。"),
}
CSRF_MESSAGE = lazy_gettext("表单已过期或来源无效，请刷新页面后重新提交。")


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return request.is_json or best == "application/json"


def render_error(status: int, message: object) -> tuple[str | Response, int]:
    db.session.rollback()
    message = str(message)  # a lazy message, in the user's language
    if _wants_json():
        return jsonify(error=status, message=message), status
    return render_template("errors/error.html", status=status, message=message), status


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(_error: CSRFError) -> tuple[str | Response, int]:
        return render_error(400, CSRF_MESSAGE)

    @app.errorhandler(413)
    def too_large(_error: HTTPException) -> tuple[str | Response, int]:
        limit = app.config["MAX_UPLOAD_MB"]
        return render_error(413, _("上传的文件过大：单个文件不能超过 %(limit)s MB。", limit=limit))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str | Response, int]:
        status = error.code or 500
        return render_error(status, MESSAGES.get(status, error.description or MESSAGES[400]))

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> tuple[str | Response, int]:
        app.logger.exception("unhandled error: %s", error)
        return render_error(500, MESSAGES[500])
