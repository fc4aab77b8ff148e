"""Backups: ``flask backup``, ``flask restore`` and ``flask verify-evidence``, thin shells over the
backup and evidence-check services."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import Flask
from flask.cli import with_appcontext

from tracker.clock import utcnow
from tracker.extensions import db
from tracker.services.backup import BackupError, restore_backup, write_backup
from tracker.services.evidence_check import check_evidence


@click.command("backup")
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Archive to write (.tar.gz); an existing file is replaced once the new one is complete.",
)
@click.option(
    "--include-secret-key",
    is_flag=True,
    help="Also store TRACKER_SECRET_KEY, so that users stay signed in after a restore. Whoever holds "
    "such an archive can sign in as anyone: keep it as safe as the key.",
)
@with_appcontext
def backup_command(out: Path, include_secret_key: bool) -> None:
    """Write the database, the evidence files and a manifest into one archive.

    Example: flask --app tracker backup --out /srv/backups/tracker.tar.gz
    """
    try:
        summary = write_backup(out, utcnow(), include_secret_key=include_secret_key)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    for warning in summary.warnings():
        click.echo(f"警告：{warning}", err=True)
    click.echo(summary.describe())


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def restore_command(file: Path) -> None:
    """Load a backup into an empty database migrated by `flask db upgrade`, all or nothing.

    Example: flask --app tracker restore tracker-backup-20260601-0200.tar.gz
    """
    try:
        summary = restore_backup(file)
        db.session.commit()
    except BackupError as error:
        db.session.rollback()  # also deletes the evidence files written so far
        raise click.ClickException(str(error)) from error
    except BaseException:
        db.session.rollback()
        raise
    for warning in summary.warnings:
        click.echo(f"警告：{warning}", err=True)
    click.echo(summary.describe())


@click.command("verify-evidence")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object: checked, missing, orphans, corrupt.")
@with_appcontext
def verify_evidence_command(as_json: bool) -> None:
    """Check every evidence file against its row; exit 1 on a missing, orphan or corrupt file.

    Example: flask --app tracker verify-evidence --json
    """
    report = check_evidence()
    if as_json:
        click.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=1))
    else:
        for label, keys in (("缺失", report.missing), ("多余", report.orphans), ("损坏", report.corrupt)):
            for key in keys:
                click.echo(f"[{label}] {key}")
        click.echo(
            f"已核对 {report.checked} 份佐证材料：缺失 {len(report.missing)}，"
            f"多余 {len(report.orphans)}，损坏 {len(report.corrupt)}。"
        )
    if not report.ok:
        raise click.exceptions.Exit(1)


def register(app: Flask) -> None:
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(verify_evidence_command)
