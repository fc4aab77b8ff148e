"""The reminder rules page: the legal office sets when reminders and escalations go out."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, StringField
from wtforms.validators import InputRequired

from tracker.clock import utcnow
from tracker.extensions import db
from tracker.policy import Action, require
from tracker.services.mail import catalogue, reminder_rules

bp = Blueprint("reminder_settings", __name__)


class PolicyForm(FlaskForm):
    lead_workdays = StringField(_l("到期前提醒（工作日，逗号分隔）"), validators=[InputRequired()])
    on_the_day = BooleanField(_l("到期当日提醒"))
    leadership_after_days = IntegerField(_l("逾期多少天后报告领导"), validators=[InputRequired()])
    stale_after_days = IntegerField(_l("多少天未反馈进展时催报"), validators=[InputRequired()])
    due_soon_workdays = IntegerField(_l("剩余多少个工作日算即将到期（黄灯）"), validators=[InputRequired()])
    acknowledge_within_workdays = IntegerField(_l("交办后多少个工作日未签收时催签"), validators=[InputRequired()])
    send_hour = IntegerField(_l("每日发送时间（点）"), validators=[InputRequired()])


def policy_values(form: PolicyForm) -> dict[str, Any]:
    """The form as policy values; raises RulesError for lead days that cannot work."""
    return {
        "lead_workdays": reminder_rules.parse_lead_workdays(form.lead_workdays.data),
        "on_the_day": form.on_the_day.data,
        "leadership_after_days": form.leadership_after_days.data,
        "stale_after_days": form.stale_after_days.data,
        "due_soon_workdays": form.due_soon_workdays.data,
        "acknowledge_within_workdays": form.acknowledge_within_workdays.data,
        "send_hour": form.send_hour.data,
    }


@bp.route("/", methods=["GET", "POST"])
@login_required
def index() -> Any:
    require(current_user, Action.MANAGE_MAIL)
    policy = reminder_rules.load_rules()
    form = PolicyForm(data=policy | {"lead_workdays": reminder_rules.lead_workdays_text(policy["lead_workdays"])})
    if form.validate_on_submit():
        try:
            reminder_rules.save_rules(policy_values(form), current_user, utcnow())
        except reminder_rules.RulesError as error:
            db.session.rollback()
            flash(str(error), "error")
            return render_template("reminder_settings/index.html", form=form, kinds=_catalogue()), 400
        db.session.commit()
        flash(_("提醒规则已保存。"), "success")
        return redirect(url_for("reminder_settings.index"))
    return render_template("reminder_settings/index.html", form=form, kinds=_catalogue()), 400 if form.errors else 200


def _catalogue() -> list[dict[str, Any]]:
    """What the system sends, in the reader's language (the same table as ``flask mail-kinds``)."""
    return catalogue.as_rows(_)
