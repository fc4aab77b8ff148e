"""Logs: feed tokens never whole, JSON lines on request."""

from __future__ import annotations

import json
import logging

from config import TestConfig
from tracker import create_app
from tracker.logs import JSONFormatter, RedactFeedTokens


def test_it_redacts_a_feed_token_in_a_request_line():
    record = logging.LogRecord(
        "werkzeug",
        logging.INFO,
        __file__,
        1,
        '"%s" %s %s',
        ("GET /feed/Abc123SecretToken.ics HTTP/1.1", 200, "-"),
        None,
    )
    RedactFeedTokens().filter(record)
    assert record.getMessage() == '"GET /feed/Abc1….ics HTTP/1.1" 200 -'


def test_the_development_server_log_never_holds_a_whole_token(app, client, personas, caplog):
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        logging.getLogger("werkzeug").info('"%s" %s', "GET /feed/SecretTokenValue123.ics HTTP/1.1", 404)
    assert "SecretTokenValue123" not in caplog.text and "/feed/Secr…" in caplog.text


def test_it_writes_json_lines_on_request(capsys):
    app = create_app(TestConfig, {"LOG_FORMAT": "json"})
    try:
        app.logger.warning("邮件发送失败：%s", "连接超时")
        line = capsys.readouterr().err.strip().splitlines()[-1]
        entry = json.loads(line)
        assert entry["level"] == "WARNING" and entry["message"] == "邮件发送失败：连接超时"
    finally:
        logging.getLogger().handlers[:] = []


def test_the_json_formatter_keeps_the_exception():
    try:
        raise ValueError("坏了")
    except ValueError:
        import sys

        record = logging.LogRecord("tracker", logging.ERROR, __file__, 1, "出错", (), sys.exc_info())
    entry = json.loads(JSONFormatter().format(record))
    assert "ValueError: 坏了" in entry["exception"]
