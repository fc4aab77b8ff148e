"""A page sent in answer to a refused form names the address to show instead of the form's, so
that reloading it reads the page rather than sending the form again (static/app.js applies it)."""

from __future__ import annotations

import re

from tests.conftest import csrf_token, login
from tests.factories import make_task
from tracker.extensions import db


def address_of(html: str) -> str | None:
    found = re.search(r'<meta name="page-address" content="([^"]*)">', html)
    return found.group(1) if found else None


def test_a_refused_task_action_shows_the_task_page_address(app, client, personas):
    with app.app_context():
        task_id = make_task(lead_department_id=personas.bob_dept.id).id
        db.session.commit()
    login(client, "alice@example.gov.cn")
    page = f"http://localhost/tasks/{task_id}"
    token = csrf_token(client, f"/tasks/{task_id}")
    assert address_of(client.get(f"/tasks/{task_id}").get_data(as_text=True)) is None  # a GET needs none
    client.post(f"/tasks/{task_id}/urge", data={"message": "请报进展", "csrf_token": token}, headers={"Referer": page})
    refused = client.post(
        f"/tasks/{task_id}/urge", data={"message": "再催一次", "csrf_token": token}, headers={"Referer": page}
    )
    assert refused.status_code == 409
    assert address_of(refused.get_data(as_text=True)) == f"/tasks/{task_id}"


def test_a_refused_form_on_a_page_that_also_answers_get_keeps_its_own_address(client, personas):
    login(client, personas.frank.email)  # the administrator
    token = csrf_token(client, "/admin/users/new")
    refused = client.post("/admin/users/new", data={"email": "not an address", "csrf_token": token})
    assert refused.status_code in (200, 400)
    assert address_of(refused.get_data(as_text=True)) == "/admin/users/new"


def test_no_address_is_offered_from_another_site(app, client, personas):
    with app.app_context():
        task_id = make_task(lead_department_id=personas.bob_dept.id).id
        db.session.commit()
    login(client, "alice@example.gov.cn")
    token = csrf_token(client, f"/tasks/{task_id}")
    client.post(f"/tasks/{task_id}/urge", data={"message": "一", "csrf_token": token})
    refused = client.post(
        f"/tasks/{task_id}/urge",
        data={"message": "二", "csrf_token": token},
        headers={"Referer": "https://elsewhere.example/tasks/1"},
    )
    assert address_of(refused.get_data(as_text=True)) is None
