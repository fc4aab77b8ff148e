"""The importer's time limit: the parse runs in a child process that is killed when time is up."""

from __future__ import annotations

import json
import os
import sys
import textwrap
import time
import types
from pathlib import Path

import pytest

from config import Config, settings_from_env
from tracker.demo import seed_report_bytes
from tracker.importer import ReportImportError, parse_report, parse_report_within
from tracker.importer.timeout import call_with_timeout, main_script_imports

# The functions the child runs are looked up by name there: they live at the top of this module.


def sleep_forever(pid_file: str) -> None:
    Path(pid_file).write_text(str(os.getpid()))
    time.sleep(600)


def fail_with_a_bug() -> None:
    raise ValueError("a bug in the importer")


def die() -> None:
    os._exit(3)


def refuse() -> None:
    raise ReportImportError("too_slow", "太慢了")


@pytest.fixture(scope="module", autouse=True)
def warm_child_processes() -> None:
    """Start the fork server once, so that the timings below are a child's, not the server's."""
    assert call_with_timeout(os.getpid, (), 60) != os.getpid()


def test_it_returns_what_the_parse_found():
    assert parse_report_within(seed_report_bytes(), "seed.txt", 20) == parse_report(seed_report_bytes(), "seed.txt")


def test_it_passes_on_the_importers_refusal():
    with pytest.raises(ReportImportError) as caught:
        parse_report_within(b"%PDF-1.7", "report.pdf", 20)
    assert caught.value.code == "unsupported_type"
    assert "不支持 PDF 文件" in caught.value.message


def test_it_stops_a_parse_that_outlasts_its_time_and_kills_the_child(tmp_path: Path):
    pid_file = tmp_path / "child.pid"
    start = time.perf_counter()

    with pytest.raises(ReportImportError) as caught:
        call_with_timeout(sleep_forever, (str(pid_file),), 1.5)

    assert 1.5 <= time.perf_counter() - start < 5
    assert caught.value.code == "too_slow"
    assert caught.value.message.startswith("报告解析超时：超过 1.5 秒仍未完成")
    assert "未导入任何内容" in caught.value.message and ".txt" in caught.value.message
    with pytest.raises(ProcessLookupError):
        os.kill(int(pid_file.read_text()), 0)  # killed, and reaped


def test_it_names_the_time_allowed_in_the_message():
    with pytest.raises(ReportImportError) as caught:
        parse_report_within(seed_report_bytes(), "seed.txt", 0.001)
    assert caught.value.code == "too_slow"
    assert "超过 0.001 秒" in caught.value.message


def test_it_treats_another_exception_in_the_child_as_a_bug_with_its_traceback():
    with pytest.raises(RuntimeError, match="ValueError: a bug in the importer"):
        call_with_timeout(fail_with_a_bug, (), 20)


def test_it_says_so_when_the_child_dies():
    with pytest.raises(RuntimeError, match="exit code 3"):
        call_with_timeout(die, (), 20)


def test_a_refusal_in_the_child_keeps_its_code():
    with pytest.raises(ReportImportError) as caught:
        call_with_timeout(refuse, (), 20)
    assert (caught.value.code, caught.value.message) == ("too_slow", "太慢了")


def test_it_preloads_the_modules_a_main_script_imports(monkeypatch: pytest.MonkeyPatch):
    script = types.ModuleType("__main__")
    script.__file__ = "/srv/tracker/run.py"
    script.__dict__.update(json=json, dedent=textwrap.dedent, PORT=5000)
    monkeypatch.setitem(sys.modules, "__main__", script)

    assert main_script_imports() == ["json", "textwrap"]


def test_it_preloads_nothing_under_python_dash_m(monkeypatch: pytest.MonkeyPatch):
    script = types.ModuleType("__main__")
    script.__file__ = "/usr/lib/python3/site-packages/pytest/__main__.py"
    script.__spec__ = types.SimpleNamespace(name="pytest.__main__")  # type: ignore[assignment]
    script.__dict__.update(json=json)
    monkeypatch.setitem(sys.modules, "__main__", script)

    assert main_script_imports() == []


def test_the_time_limit_is_a_setting_of_seconds_above_zero():
    assert Config.IMPORT_TIMEOUT_SECONDS == 20
    assert settings_from_env({"TRACKER_IMPORT_TIMEOUT_SECONDS": "2.5"}) == {"IMPORT_TIMEOUT_SECONDS": 2.5}
    with pytest.raises(ValueError, match="TRACKER_IMPORT_TIMEOUT_SECONDS"):
        settings_from_env({"TRACKER_IMPORT_TIMEOUT_SECONDS": "0"})
