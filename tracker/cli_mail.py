"""Commands for the outbox: list what is queued, sent or failed, and send what is due."""

from __future__ import annotations

import json

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import with_appcontext

from tracker.clock import utcnow
from tracker.extensions import db
from tracker.models import Notification, NotificationStatus

STATUS_CHOICES = [status.value for status in NotificationStatus]


@click.command("outbox")
@click.option(
    "--status",
    "statuses",
    type=click.Choice(STATUS_CHOICES),
    multiple=True,
    help="Only mail in this status (repeatable): " + ", ".join(STATUS_CHOICES) + ".",
)
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True, help="Show at most N mails.")
@with_appcontext
def outbox_command(statuses: tuple[str, ...], limit: int) -> None:
    """List the outbox, newest first: id, status, kind, recipient, subject, attempts, last error.

    Example: flask --app tracker outbox --status failed --status pending --limit 20
    """
    query = sa.select(Notification).order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)
    if statuses:
        query = query.where(Notification.status.in_([NotificationStatus(s) for s in statuses]))
    mails = db.session.scalars(query).all()
    if not mails:
        click.echo("没有符合条件的邮件。")
        return
    click.echo("\t".join(("编号", "状态", "类型", "收件人", "主题", "尝试次数", "最近错误")))
    for mail in mails:
        error = " ".join((mail.last_error or "").split())
        click.echo(
            "\t".join(
                (
                    str(mail.id),
                    mail.status.value,
                    mail.kind,
                    mail.recipient_email,
                    mail.subject,
                    str(mail.attempts),
                    error or "-",
                )
            )
        )


@click.command("send-mail")
@click.option(
    "--limit", type=click.IntRange(min=1), default=50, show_default=True, help="Send at most N mails in this run."
)
@with_appcontext
def send_mail_command(limit: int) -> None:
    """Send the mail that is due now (without TRACKER_SMTP_HOST: record it, send nothing).

    Exits with status 1 when the mail server could not be used, so that cron or a timer reports it.

    Example: flask --app tracker send-mail --limit 100
    """
    from tracker.services.mail import sender

    report = sender.send_due(utcnow(), limit=limit)
    click.echo(str(report))
    if report.stopped:
        raise click.exceptions.Exit(1)


@click.command("mail-kinds")
@click.option("--json", "as_json", is_flag=True, help="Print the catalogue as a JSON list.")
def mail_kinds_command(as_json: bool) -> None:
    """Print what the system sends: each kind of mail, what triggers it, to whom, when, and
    whether a user who chose the weekly digest gets it there instead.

    Example: flask --app tracker mail-kinds --json
    """
    from tracker.services.mail.catalogue import as_rows

    rows = as_rows()
    if as_json:
        keys = ("kind", "trigger", "recipients", "timing", "can_digest")
        click.echo(json.dumps([{key: row[key] for key in keys} for row in rows], ensure_ascii=False, indent=1))
        return
    click.echo("\t".join(("类型", "名称", "触发", "收件人", "发送时间", "可汇入每周汇总")))
    for row in rows:
        cells = (
            row["kind"],
            row["name"],
            row["trigger"],
            row["recipients"],
            row["timing"],
            "是" if row["can_digest"] else "否",
        )
        click.echo("\t".join(cells))


def register(app: Flask) -> None:
    app.cli.add_command(outbox_command)
    app.cli.add_command(send_mail_command)
    app.cli.add_command(mail_kinds_command)
