"""Which measures address which shortcoming of a report: suggestions, decisions and links made by
hand, for the legal office (the guard below runs before every route)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm

from tracker.clock import utcnow
from tracker.extensions import db
from tracker.models import LinkStatus, ShortcomingMeasureLink, SourceReport
from tracker.policy import Action
from tracker.services import links
from tracker.views import report_forms as forms
from tracker.views.guards import guard_blueprint
from tracker.views.reports import load_item, load_report, report_changed
from tracker.views.steps import run_step

bp = Blueprint("report_links", __name__)
guard_blueprint(bp, Action.MANAGE_REPORTS)  # the legal office and the administrator


@bp.route("/<int:report_id>/links")
def links_page(report_id: int) -> Any:
    return _render_links(load_report(report_id))


def _render_links(report: SourceReport, status: int = 200, given: dict[int, FlaskForm] | None = None) -> Any:
    """Each shortcoming with its accepted, suggested and rejected measures, and a form to link
    one by hand (``given``: such a form as filled, by shortcoming id, after a refusal)."""
    found = links.report_links(report)
    manual_forms: dict[int, FlaskForm] = {}
    for shortcoming in found.shortcomings:
        form = (given or {}).get(shortcoming.id) or forms.ManualLinkForm(formdata=None, prefix=f"link{shortcoming.id}")
        form.measure.choices = [(None, _("请选择"))] + [
            (m.id, f"{m.number_label}{m.title}") for m in found.unlinked_measures(shortcoming)
        ]
        manual_forms[shortcoming.id] = form
    return render_template(
        "reports/links.html",
        report=report,
        shortcomings=found.shortcomings,
        measures=found.measures,
        by_shortcoming=found.by_shortcoming,
        item_of=found.item_of,
        manual_forms=manual_forms,
        button=forms.ButtonForm(formdata=None),
        Status=LinkStatus,
    ), status


def _links_step(
    report_id: int,
    form: FlaskForm,
    perform: Callable[[SourceReport], str],
    anchor: str = "",
    given: Callable[[], dict[int, FlaskForm]] = dict,
) -> Any:
    """Take a step on the links; on a refusal, show the links page again (``given()``: the
    forms as filled)."""
    report = load_report(report_id)
    return run_step(
        form,
        lambda: perform(report),
        done=lambda: url_for("report_links.links_page", report_id=report_id, _anchor=anchor or None),
        again=lambda refusal: _render_links(load_report(report_id), refusal.status, given()),
        lost_race=report_changed,
    )


@bp.post("/<int:report_id>/links/suggest")
def suggest_links(report_id: int) -> Any:
    def perform(report: SourceReport) -> str:
        suggested = links.suggest(report, now=utcnow())
        return ngettext(
            "已按文字相似度生成 %(num)s 条关联建议（已不采纳的不再建议）。",
            "已按文字相似度生成 %(num)s 条关联建议（已不采纳的不再建议）。",
            len(suggested),
        )

    return _links_step(report_id, forms.ButtonForm(), perform)


@bp.post("/<int:report_id>/links/<int:link_id>/decide")
def decide_link(report_id: int, link_id: int) -> Any:
    link = db.session.get(ShortcomingMeasureLink, link_id)
    if link is None or link.shortcoming.report_id != report_id:
        abort(404)
    shortcoming_id = link.shortcoming_id
    form = forms.LinkDecisionForm()

    def perform(_report: SourceReport) -> str:
        accept = form.decision.data == "accept"
        links.decide(link, current_user, accept=accept, now=utcnow())
        names = {"measure": link.measure.title, "shortcoming": link.shortcoming.title}
        if accept:
            return _("已采纳：“%(measure)s”针对“%(shortcoming)s”。", **names)
        return _("已不采纳：“%(measure)s”针对“%(shortcoming)s”。", **names)

    return _links_step(report_id, form, perform, f"shortcoming-{shortcoming_id}")


@bp.post("/<int:report_id>/links/<int:shortcoming_id>/add")
def add_link(report_id: int, shortcoming_id: int) -> Any:
    form = forms.ManualLinkForm(prefix=f"link{shortcoming_id}")
    shortcoming = load_item(load_report(report_id), shortcoming_id)

    def perform(report: SourceReport) -> str:
        measure = load_item(report, form.measure.data)
        links.link_by_hand(shortcoming, measure, current_user, now=utcnow())
        return _("已关联：“%(measure)s”针对“%(shortcoming)s”。", measure=measure.title, shortcoming=shortcoming.title)

    return _links_step(report_id, form, perform, f"shortcoming-{shortcoming_id}", lambda: {shortcoming_id: form})
