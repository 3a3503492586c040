"""Links in mails and feeds come from BASE_URL or a trusted host, never from whatever
Host header a request sends."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from summit.extensions import db
from summit.models import Event, MailMessage, Registration
from summit.outbox import deliver_due
from summit.registration import service
from summit.registration.details import AttendeeDetails
from summit.urls import NoSiteAddress

from .conftest import make_app
from .helpers.database import database_url_of
from .helpers.pages import CSRF_FIELD, DEMO
from .helpers.registrations import form_fields, outbox_mails


def post_with_host(client, host: str):
    """The form fetched and posted with this Host (the test client keeps cookies by host)."""
    form = CSRF_FIELD.search(client.get(f"{DEMO}/register", headers={"Host": host}).get_data(True))
    response = client.post(f"{DEMO}/register", data={"csrf_token": form.group(1) if form else "",
                                              **form_fields()},
                           headers={"Host": host})
    response.close()
    return response


def test_a_forged_host_gets_400_and_no_mail(app, client, demo_event, monkeypatch):
    # As a script would post: no form fetched first.
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    response = post_with_host(client, "evil.example")
    assert response.status_code == 400
    assert "evil.example" not in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Registration)) == 0
        assert db.session.scalar(select(func.count()).select_from(MailMessage)) == 0
    assert outbox_mails(app) == []
    feed = client.get(f"{DEMO}/calendar.ics", headers={"Host": "evil.example"})
    assert feed.status_code == 400 and b"evil.example" not in feed.data


def test_with_base_url_links_use_it_whatever_the_host(app, demo_event):
    site = make_app(database_url_of(app), INSTANCE_PATH=app.instance_path,
                    BASE_URL="https://summit.example.org")
    client = site.test_client()
    assert post_with_host(client, "evil.example").status_code == 302
    (mail,) = outbox_mails(site)
    body = mail.get_body(("plain",)).get_content()
    assert re.search(r"https://summit\.example\.org/r/[\w-]+", body)
    assert "evil.example" not in body
    feed = client.get(f"{DEMO}/calendar.ics",
                      headers={"Host": "evil.example"}).get_data(as_text=True)
    assert "summit.example.org" in feed and "evil.example" not in feed


def test_a_trusted_host_gives_the_links(app, demo_event):
    site = make_app(database_url_of(app), INSTANCE_PATH=app.instance_path, BASE_URL=None,
                    TRUSTED_HOSTS=["summit.example.org"])
    client = site.test_client()
    assert post_with_host(client, "summit.example.org").status_code == 302
    body = outbox_mails(site)[0].get_body(("plain",)).get_content()
    assert re.search(r"http://summit\.example\.org/r/[\w-]+", body)
    assert post_with_host(client, "localhost").status_code == 400


def test_outside_a_request_without_base_url_nothing_is_queued_with_a_guessed_address(
    app, demo_event
):
    with app.app_context():
        event = db.session.get(Event, demo_event)
        with pytest.raises(NoSiteAddress):
            service.register(db.session, event,
                             AttendeeDetails(full_name="命令", email="cli@example.org"), [])
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(Registration)) == 0
        assert db.session.scalar(select(func.count()).select_from(MailMessage)) == 0


def test_a_command_with_base_url_mails_links_under_it(app, demo_event):
    site = make_app(database_url_of(app), INSTANCE_PATH=app.instance_path,
                    BASE_URL="https://summit.example.org")
    with site.app_context():
        event = db.session.get(Event, demo_event)
        service.register(db.session, event,
                         AttendeeDetails(full_name="命令", email="cli@example.org"), [])
        deliver_due(db.session)
    body = outbox_mails(site)[0].get_body(("plain",)).get_content()
    assert re.search(r"https://summit\.example\.org/r/[\w-]+", body)
