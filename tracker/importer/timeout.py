"""Run the importer in a child process, killed when it takes too long.

The limits (``limits.py``) keep every parse we know of to a second or two; this is the guarantee
for the ones we do not know of: a web worker waits for an upload's parse at most the time allowed,
then answers, and the child is killed wherever it was, even inside lxml or a regular expression.

The child is started by a fork server (or spawned where there is none), never forked from the app
itself: the app runs threads (the scheduler's, the server's), and a forked copy of a process with
threads can hang on a lock that one of them held.
"""

from __future__ import annotations

import multiprocessing
import sys
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from types import ModuleType
from typing import Any, TypeVar

from tracker.importer.errors import ReportImportError

START_METHOD = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
# Imported once by the fork server, so that each child starts with them loaded.
PRELOAD = ("tracker.importer", "tracker.importer.docx_numbering", "docx")

T = TypeVar("T")


def too_slow(seconds: float) -> ReportImportError:
    return ReportImportError(
        "too_slow",
        f"报告解析超时：超过 {seconds:g} 秒仍未完成，已停止解析，未导入任何内容。"
        "文件的结构可能过于复杂（例如极多的段落、编号或表格）。"
        "请删去附表、附件等非正文内容，或将报告正文复制到记事本、保存为 .txt 后再导入。",
    )


def call_with_timeout(function: Callable[..., T], args: tuple[Any, ...], seconds: float) -> T:
    """``function(*args)``, run in a child process. ``function`` and ``args`` must pickle
    (a module-level function does).

    Raises ReportImportError("too_slow") when the child has not answered within ``seconds``
    (it is killed), and the ReportImportError the child raised, if it raised one. Any other
    failure in the child is a bug or a crash: RuntimeError, with the child's traceback.
    """
    context = multiprocessing.get_context(START_METHOD)
    if START_METHOD == "forkserver":
        context.set_forkserver_preload([*PRELOAD, *main_script_imports()])
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_run_child, args=(sender, function, args), name="report-import", daemon=True)
    child.start()
    sender.close()  # the child now holds the only writing end: its death ends the wait below
    try:
        if not receiver.poll(seconds):
            raise too_slow(seconds)
        outcome, value = receiver.recv()
    except EOFError:
        child.join(1)
        raise RuntimeError(f"the report importer's child process died (exit code {child.exitcode})") from None
    finally:
        if child.is_alive():
            child.kill()
        child.join()
        child.close()
        receiver.close()
    if outcome == "refused":
        raise ReportImportError(*value)
    if outcome == "failed":
        raise RuntimeError(f"the report importer failed in its child process:\n{value}")
    return value


def main_script_imports() -> list[str]:
    """The modules that the main script's names come from ("flask_migrate", "tracker.demo"…
    under ``python run.py``; "gunicorn.app.wsgiapp" under gunicorn).

    Every child runs the main script again before it starts (as ``__mp_main__``), and CPython's
    fork server does not preload the script itself. With the script's imports preloaded, running
    it again costs the child next to nothing, where run.py's imports would cost every upload over
    half a second. Under ``python -m`` there is no script to run again: nothing to preload.
    """
    main = sys.modules["__main__"]
    if getattr(main, "__spec__", None) is not None or not getattr(main, "__file__", None):
        return []
    names = {
        value.__name__ if isinstance(value, ModuleType) else getattr(value, "__module__", None)
        for value in vars(main).values()
    }
    return sorted(name for name in names if isinstance(name, str) and not name.startswith("__"))


def _run_child(sender: Connection, function: Callable[..., Any], args: tuple[Any, ...]) -> None:
    try:
        result: tuple[str, Any] = ("done", function(*args))
    except ReportImportError as error:
        result = ("refused", (error.code, error.message))
    except Exception:
        result = ("failed", traceback.format_exc())
    sender.send(result)
    sender.close()
