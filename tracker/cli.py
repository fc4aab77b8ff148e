"""Command-line interface: thin shells over the services."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from tracker import cli_backup, cli_doctor, cli_drafts, cli_mail, cli_people, cli_reminders
from tracker.clock import local_today, utcnow
from tracker.extensions import db
from tracker.importer import ParsedReport, ReportImportError, parse_report_within
from tracker.services.reports import DuplicateReportError, store_report


@click.command("import-report")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Parse and print; store nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the parsed report as one JSON object.")
@with_appcontext
def import_report_command(file: Path, dry_run: bool, as_json: bool) -> None:
    """Import a report (.txt or .docx) and print the new report's id.

    Example: flask --app tracker import-report report.docx --dry-run --json
    """
    data = file.read_bytes()
    try:
        parsed = parse_report_within(data, file.name, current_app.config["IMPORT_TIMEOUT_SECONDS"])
    except ReportImportError as error:
        raise click.ClickException(error.message) from error
    if dry_run:
        click.echo(json.dumps(parsed.to_json(), ensure_ascii=False, indent=1) if as_json else _summary(parsed))
        return
    try:
        report = store_report(
            parsed,
            filename=file.name,
            data=data,
            imported_by=None,
            now=utcnow(),
        )
    except DuplicateReportError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(json.dumps({"id": report.id, **parsed.to_json()}, ensure_ascii=False) if as_json else report.id)


def _summary(parsed: ParsedReport) -> str:
    return (
        f"{parsed.title or '（无标题）'}：{len(parsed.achievements)} 项工作成效，"
        f"{len(parsed.shortcomings)} 项存在不足，{len(parsed.measures)} 项工作措施"
    )


@click.command("load-demo")
@with_appcontext
def load_demo_command() -> None:
    """Load the demo data (seed report, departments, users, tasks) into an empty database.

    Example: flask --app tracker load-demo
    """
    from tracker.demo import DemoRefused, load_demo

    try:
        summary = load_demo(today=local_today(), now=utcnow())
    except DemoRefused as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(summary.describe())


@click.command("chase-acknowledgements")
@with_appcontext
def chase_command() -> None:
    """Queue 催签 mails for assignments not acknowledged within two working days (once a day,
    on working days from the send hour on, like every reminder).

    Example: flask --app tracker chase-acknowledgements
    """
    from tracker.services.mail import outbox, planner

    now = utcnow()
    queued = outbox.queue_reminders(planner.plan_chases(now), now)
    db.session.commit()
    click.echo(f"已排队 {queued} 封催签邮件。")


def register(app: Flask) -> None:
    app.cli.add_command(import_report_command)
    app.cli.add_command(load_demo_command)
    app.cli.add_command(chase_command)
    cli_people.register(app)
    cli_reminders.register(app)
    cli_mail.register(app)
    cli_drafts.register(app)
    cli_doctor.register(app)
    cli_backup.register(app)
