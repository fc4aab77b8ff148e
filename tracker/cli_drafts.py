"""Commands for the drafts of next year's report: export one, and run the roll-up by hand."""

from __future__ import annotations

from pathlib import Path
from typing import NoReturn

import click
from flask import Flask
from flask.cli import with_appcontext

from tracker.clock import local_today, utcnow
from tracker.extensions import db
from tracker.models import DraftStructure, SourceReport

FORMATS = (".docx", ".md")


def _refuse(message: str) -> NoReturn:
    """A Chinese message on stderr and exit code 1 (without click's English "Error:" prefix)."""
    click.echo(message, err=True)
    raise SystemExit(1)


@click.command("draft")
@click.option("--report", "report_id", type=int, required=True, help="Id of the source report.")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="File to write: .docx (Word) or .md (Markdown), chosen by the suffix.",
)
@click.option(
    "--structure",
    type=click.Choice([s.value for s in DraftStructure]),
    default=DraftStructure.SOURCE.value,
    show_default=True,
    help="source: the source report's parts; statutory: the five parts the 2019 rules prescribe.",
)
@with_appcontext
def draft_command(report_id: int, out: Path, structure: str) -> None:
    """Write the latest version of a report's draft, generating the draft first when there is none.

    Example: flask --app tracker draft --report 1 --out 2021年度报告草稿.docx --structure statutory
    """
    from tracker.services import drafts

    suffix = out.suffix.lower()
    if suffix not in FORMATS:
        _refuse(f"不支持的文件格式“{out.suffix or out.name}”：请使用 .docx 或 .md。")
    report = db.session.get(SourceReport, report_id)
    if report is None:
        _refuse(f"没有编号为 {report_id} 的报告。")
    draft = drafts.draft_for(report, DraftStructure(structure))
    if draft is not None:
        version = drafts.latest(draft)
    else:
        try:
            version = drafts.generate(report, DraftStructure(structure), None, utcnow())
        except drafts.DraftRefused as refused:
            db.session.rollback()
            _refuse(str(refused))
    content = drafts.content_of(version)
    if suffix == ".docx":
        data = drafts.to_docx(content, report.issuer, local_today())
    else:
        data = drafts.to_markdown(content).encode("utf-8")
    db.session.commit()
    out.write_bytes(data)
    click.echo(f"已写入 {out}：{content.title}（第{version.number}版）。")


@click.command("roll-up-drafts")
@with_appcontext
def roll_up_command() -> None:
    """Bring new progress into every draft now (as the scheduler does on its days) and say what changed.

    Example: flask --app tracker roll-up-drafts
    """
    from tracker.services import drafts

    written = drafts.roll_up_all(utcnow())
    db.session.commit()
    if not written:
        click.echo("没有新的进展，草稿均未变化。")
        return
    for version in written:
        draft = version.draft
        click.echo(
            f"报告 {draft.report_id}《{draft.report.title}》（{drafts.STRUCTURE_LABELS[draft.structure]}）："
            f"第{version.number}版，{version.note}"
        )
    click.echo(f"共更新 {len(written)} 份草稿；通知邮件已排队，由调度器或 flask send-mail 发送。")


def register(app: Flask) -> None:
    app.cli.add_command(draft_command)
    app.cli.add_command(roll_up_command)
