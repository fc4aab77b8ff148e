"""``flask doctor``: what the legal office or the administrator must fix, a thin shell over the
doctor service."""

from __future__ import annotations

import json

import click
from flask import Flask
from flask.cli import with_appcontext

from tracker.clock import utcnow
from tracker.services.doctor import SEVERITY_NAMES, diagnose, has_errors


@click.command("doctor")
@click.option("--json", "as_json", is_flag=True, help="Print the problems as a JSON list of objects.")
@with_appcontext
def doctor_command(as_json: bool) -> None:
    """List the problems to fix; exit 1 when one of them is an error.

    Example: flask --app tracker doctor --json
    """
    problems = diagnose(utcnow())
    if as_json:
        click.echo(json.dumps([problem.to_json() for problem in problems], ensure_ascii=False, indent=1))
    elif problems:
        for problem in problems:
            severity = SEVERITY_NAMES[problem.severity]
            click.echo(f"[{severity}] {problem.message}（数量：{problem.count}；{problem.code}）")
    else:
        click.echo("未发现问题。")
    if has_errors(problems):
        raise click.exceptions.Exit(1)


def register(app: Flask) -> None:
    app.cli.add_command(doctor_command)
