"""The newcomer's path: ``python run.py`` on an empty database migrates it, loads the demo, serves."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(tmp_path: Path, **env: str) -> tuple[subprocess.Popen[str], str]:
    port = _free_port()
    environment = {
        **os.environ,
        "TRACKER_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}",
        "TRACKER_SECRET_KEY": "test",
        "TRACKER_PORT": str(port),
        **env,
    }
    process = subprocess.Popen(
        [sys.executable, "run.py"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"run.py exited early:\n{process.stdout.read()}")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
                if response.status == 200:
                    return process, base
        except OSError:
            time.sleep(0.3)
    process.kill()
    pytest.fail(f"run.py did not answer on {base}:\n{process.stdout.read()}")


def _stop(process: subprocess.Popen[str]) -> str:
    process.terminate()
    output, _ = process.communicate(timeout=20)
    return output


def test_it_migrates_loads_the_demo_and_serves(tmp_path):
    process, base = _start(tmp_path)
    try:
        with urllib.request.urlopen(f"{base}/login", timeout=5) as response:
            assert "登录" in response.read().decode()
    finally:
        output = _stop(process)
    assert "已载入演示数据" in output
    assert "fazhi@demo.gov.cn" in output and "Demo@2026" in output

    # A second start finds data and leaves it alone.
    process, _ = _start(tmp_path)
    assert "已载入演示数据" not in _stop(process)


def test_it_creates_no_demo_accounts_in_production(tmp_path):
    process, _ = _start(tmp_path, TRACKER_ENV="production")
    output = _stop(process)
    assert "已载入演示数据" not in output
    import sqlite3

    with sqlite3.connect(tmp_path / "demo.db") as connection:
        assert connection.execute("SELECT count(*) FROM users").fetchone() == (0,)
        assert connection.execute("SELECT count(*) FROM alembic_version").fetchone() == (1,)
