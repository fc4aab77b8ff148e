"""The deployment pieces for real: gunicorn with deploy/gunicorn.conf.py serves the app, keeps feed
tokens out of its access log, and refuses to start in production while demo accounts are active."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from flask_migrate import upgrade

from config import PROJECT_ROOT, TestConfig
from tracker import create_app
from tracker.clock import local_today, utcnow
from tracker.demo import load_demo, refuse_demo_accounts_in_production
from tracker.extensions import db

GUNICORN = Path(sys.executable).parent / "gunicorn"


def migrated_database(tmp_path: Path, *, demo: bool) -> str:
    url = f"sqlite:///{tmp_path / 'deploy.db'}"
    app = create_app(TestConfig, {"DATABASE_URL": url})
    with app.app_context():
        upgrade()
        if demo:
            load_demo(today=local_today(), now=utcnow())
            db.session.commit()
        db.engine.dispose()
    return url


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(url: str, port: int, tmp_path: Path) -> subprocess.Popen:
    environment = {
        **os.environ,
        "TRACKER_ENV": "production",
        "TRACKER_DATABASE_URL": url,
        "TRACKER_SECRET_KEY": "deploy-test",
        "TRACKER_SCHEDULER": "false",
        "TRACKER_EVIDENCE_DIR": str(tmp_path / "evidence"),
        "GUNICORN_WORKERS": "1",
    }
    command = [str(GUNICORN), "-c", "deploy/gunicorn.conf.py", "--bind", f"127.0.0.1:{port}"]
    return subprocess.Popen(
        command, cwd=PROJECT_ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def test_gunicorn_serves_the_app_and_keeps_feed_tokens_out_of_its_log(tmp_path):
    url = migrated_database(tmp_path, demo=False)
    port = free_port()
    process = start_gunicorn(url, port, tmp_path)
    try:
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    assert response.status == 200
                    break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("gunicorn did not answer")
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/feed/TopSecretFeedToken42.ics", timeout=5)
        time.sleep(0.5)
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
    assert "/feed/TopS…" in output and "TopSecretFeedToken42" not in output


def test_production_refuses_to_start_while_demo_accounts_are_active(tmp_path):
    url = migrated_database(tmp_path, demo=True)
    production = create_app(TestConfig, {"DATABASE_URL": url, "ENV": "production"})
    with production.app_context(), pytest.raises(RuntimeError, match="演示账号"):
        refuse_demo_accounts_in_production()
    process = start_gunicorn(url, free_port(), tmp_path)
    output, _ = process.communicate(timeout=60)
    assert process.returncode != 0 and "admin@demo.gov.cn" in output
