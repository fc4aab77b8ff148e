"""`flask --app tracker scheduler` as its own process: a queued mail arrives at a real SMTP server."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from tests.factories import FROZEN_NOW, make_notification
from tests.smtp import smtp_server  # noqa: F401
from tracker.extensions import db
from tracker.models import User

ROOT = Path(__file__).resolve().parents[1]


def test_it_sends_the_outbox_from_its_own_process(app, database_url, personas, smtp_server, tmp_path):  # noqa: F811
    with app.app_context():
        bob = db.session.get(User, personas.bob.id)
        make_notification(
            bob, FROZEN_NOW, kind="urge", subject="【催办】深化改革，力保落实到位", body_text="请加快办理进度。"
        )
        db.session.commit()
    environment = {
        **os.environ,
        "TRACKER_DATABASE_URL": database_url,
        "TRACKER_SECRET_KEY": "test",
        "TRACKER_SMTP_HOST": "127.0.0.1",
        "TRACKER_SMTP_PORT": str(smtp_server.port),
        "TRACKER_SMTP_FROM": "督办台账 <noreply@example.gov.cn>",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "tracker", "scheduler"],
        cwd=tmp_path,
        env=environment | {"PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 45
        while not smtp_server.messages and time.monotonic() < deadline:
            assert process.poll() is None, process.stdout.read() if process.stdout else ""
            time.sleep(0.3)
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=20)
    assert [m["To"] for m in smtp_server.messages] == ["bob@example.gov.cn"], output
    assert smtp_server.messages[0]["Subject"] == "【催办】深化改革，力保落实到位"
