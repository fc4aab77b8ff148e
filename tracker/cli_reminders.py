"""Commands for the reminders: plan them by hand, and run the scheduler as its own process."""

from __future__ import annotations

import json
import signal
from datetime import datetime
from types import FrameType

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from tracker.clock import local_zone, utcnow
from tracker.extensions import db


def _moment(value: str | None) -> datetime:
    """``--at`` in local time (Asia/Shanghai by default) when it has no offset; now when absent."""
    if value is None:
        return utcnow()
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"“{value}”不是有效的时间，请写成 2021-06-01T09:00。", param_hint="--at") from exc
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=local_zone())


@click.command("remind")
@click.option("--dry-run", is_flag=True, help="Print what would be queued; write and send nothing.")
@click.option(
    "--at", "at", metavar="ISO-TIME", help="Plan as if it were this moment (local time), e.g. 2021-06-01T09:00."
)
@click.option("--json", "as_json", is_flag=True, help="Print the planned reminders and mails as a JSON list.")
@click.option(
    "--by-recipient",
    is_flag=True,
    help="With --json: one entry per mail as it would go out (a person's reminders in one list).",
)
@with_appcontext
def remind_command(dry_run: bool, at: str | None, as_json: bool, by_recipient: bool) -> None:
    """Plan the reminders due now (or at --at), queue them and send the outbox.

    Example: flask --app tracker remind --dry-run --at 2021-06-01T09:00 --json --by-recipient
    """
    from tracker.services.mail import planner, sender

    moment = _moment(at)
    planned = planner.plan(moment)
    if as_json:
        entries = planned.by_recipient() if by_recipient else planned.to_json()
        click.echo(json.dumps(entries, ensure_ascii=False, indent=1))
    if dry_run:
        if not as_json:
            click.echo(f"{len(planned)} 封提醒将排队（未写入）。")
        db.session.rollback()
        return
    queued = planner.queue(planned, moment)
    db.session.commit()
    report = sender.send_due(utcnow())
    if not as_json:
        click.echo(f"已排队 {queued} 封提醒。{report}")


@click.command("scheduler")
@with_appcontext
def scheduler_command() -> None:
    """Run the scheduler in the foreground (one per deployment; a second one idles).

    Example: flask --app tracker scheduler
    """
    from tracker.scheduler import build_scheduler

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    scheduler, lock = build_scheduler(app, blocking=True)

    def stop(_signum: int, _frame: FrameType | None) -> None:
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    click.echo("调度器已启动（Ctrl+C 退出）。")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        lock.release()


def register(app: Flask) -> None:
    app.cli.add_command(remind_command)
    app.cli.add_command(scheduler_command)
