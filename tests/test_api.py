"""The REST API as another system meets it: who may call what (every endpoint × every
scope), errors as problem details, the public programme's validators, and registration
with exactly the form's rules, mails and seats."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from summit.api.tokens import USE_NOTED_EVERY
from summit.extensions import db
from summit.models import (
    ApiScope,
    ApiToken,
    Event,
    EventStatus,
    Forum,
    MailMessage,
    Registration,
    Role,
    SeatStatus,
    utcnow,
)
from summit.outbox import deliver_due
from summit.registration import service as registration_service

from .conftest import rate_limited_app
from .helpers.accounts import make_accounts, sign_in, sign_in_as
from .helpers.api import API, PROBLEM, api_person, bearer, make_mailing, make_token
from .helpers.concurrency import all_at_once, forum_seats, registration_action
from .helpers.database import audit_entries, database_url
from .helpers.pages import DEMO, csrf_token
from .helpers.questions import demo_question
from .helpers.registrations import AI, CHIP, forum_id, post_registration, set_capacity
from .servers import gunicorn

EVENT = DEMO.strip("/")
PUBLIC = [f"{API}/events", f"{API}/events/{EVENT}", f"{API}/{EVENT}/forums",
          f"{API}/{EVENT}/sessions", f"{API}/{EVENT}/speakers"]


def registered(client, secret: str, **overrides):
    return client.post(f"{API}/{EVENT}/registrations", headers=bearer(secret),
                       json=api_person(**overrides))


def token_operations(registration_id: int,
                     mailing_id: int = 1) -> list[tuple[str, str, dict | None, set]]:
    """Every operation that needs a token: method, path, body, the scopes that open it."""
    registrations = f"{API}/{EVENT}/registrations"
    return [
        ("GET", f"{API}/{EVENT}/mailings", None, {ApiScope.READ_REGISTRATIONS}),
        ("GET", f"{API}/{EVENT}/mailings/{mailing_id}", None, {ApiScope.READ_REGISTRATIONS}),
        ("GET", f"{API}/{EVENT}/questions", None,
         {ApiScope.READ_REGISTRATIONS, ApiScope.WRITE_REGISTRATIONS}),
        ("GET", registrations, None, {ApiScope.READ_REGISTRATIONS}),
        ("GET", f"{registrations}/{registration_id}", None, {ApiScope.READ_REGISTRATIONS}),
        ("POST", registrations, api_person(email="matrix@example.cn"),
         {ApiScope.WRITE_REGISTRATIONS}),
        ("PUT", f"{registrations}/{registration_id}/forums", {"forums": []},
         {ApiScope.WRITE_REGISTRATIONS}),
        ("POST", f"{API}/{EVENT}/check-ins", {"code": "NOSUCHCODE"}, {ApiScope.CHECK_IN}),
        ("POST", f"{registrations}/{registration_id}/cancel", None,
         {ApiScope.WRITE_REGISTRATIONS}),
    ]


@pytest.mark.parametrize("scope", [None, *ApiScope])
def test_every_endpoint_answers_each_scope_as_documented(app, client, demo_event, scope):
    everything = make_token(app, demo_event)
    with registered(client, everything) as made:  # closed: its mails are sent
        someone = made.get_json()["id"]
    mailing = make_mailing(app, demo_event, "通知")
    secret = make_token(app, demo_event, scope) if scope else None
    headers = bearer(secret) if secret else {}
    for method, path, body, opened_by in token_operations(someone, mailing):
        response = client.open(path, method=method, json=body, headers=headers)
        expected = (200, 201) if scope in opened_by else ((403,) if scope else (401,))
        assert response.status_code in expected, (scope, method, path, response.get_json())
        if response.status_code >= 400:
            assert response.content_type == PROBLEM
    for path in PUBLIC:
        response = client.get(path, headers=headers)
        wanted = 200 if scope in (None, ApiScope.READ_PROGRAMME) else 403
        assert response.status_code == wanted, (scope, path)


def test_a_token_opens_nothing_of_another_event(app, client, demo_event):
    with app.app_context():
        other = Event(slug="other-2021", name_zh="别的会", name_en="Another",
                      starts_on=db.session.get(Event, demo_event).starts_on,
                      ends_on=db.session.get(Event, demo_event).ends_on)
        db.session.add(other)
        db.session.commit()
        other_id = other.id
    secret = make_token(app, other_id)
    someone = registered(client, make_token(app, demo_event)).get_json()["id"]
    for method, path, body, _scopes in token_operations(someone):
        response = client.open(path, method=method, json=body, headers=bearer(secret))
        assert response.status_code == 403, (method, path)
        assert response.get_json()["type"].endswith("#problem-other-event")
    assert client.get(f"{API}/{EVENT}/sessions", headers=bearer(secret)).status_code == 403


def test_cookies_never_open_the_api_and_tokens_never_open_pages(app, client, demo_event):
    sign_in(app, client, Role.ADMIN, "admin@summit.example.org")
    assert client.get(f"/admin/{EVENT}/registrations").status_code == 200
    response = client.get(f"{API}/{EVENT}/registrations")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")

    secret = make_token(app, demo_event)
    stranger = app.test_client()
    page = stranger.get(f"/admin/{EVENT}/registrations", headers=bearer(secret))
    assert page.status_code == 302 and "/admin/login" in page.headers["Location"]


def test_a_revoked_or_forged_token_is_refused(app, client, demo_event):
    secret = make_token(app, demo_event)
    path = f"{API}/{EVENT}/registrations"
    assert client.get(path, headers=bearer(secret)).status_code == 200
    assert client.get(path, headers=bearer(secret[:-1] + "x")).status_code == 401
    assert client.get(path, headers={"Authorization": f"Basic {secret}"}).status_code == 401
    with app.app_context():
        db.session.execute(db.update(ApiToken).values(revoked_at=func.now()))
        db.session.commit()
    response = client.get(path, headers=bearer(secret))
    assert response.status_code == 401
    assert response.get_json()["type"].endswith("#problem-invalid-token")


def test_every_error_is_a_problem_never_a_page(app, client, demo_event):
    secret = make_token(app, demo_event)
    registrations = f"{API}/{EVENT}/registrations"
    answers = {
        404: client.get(f"{API}/no-such-thing/at/all"),
        405: client.delete(f"{API}/events"),
        400: client.post(registrations, headers=bearer(secret), data="{not json",
                         content_type="application/json"),
        422: client.post(registrations, headers=bearer(secret),
                         json={"full_name": 7, "email": ["x"], "consent": "perhaps"}),
        413: client.post(registrations, headers=bearer(secret),
                         json={"full_name": "x" * (6 * 1024 * 1024)}),
    }
    for status, response in answers.items():
        assert response.status_code == status, response.get_data(as_text=True)[:300]
        assert response.content_type == PROBLEM
        problem = response.get_json()
        assert problem["status"] == status and problem["title"]
        assert "Traceback" not in response.get_data(as_text=True)
    assert answers[405].headers["Allow"]
    assert set(answers[422].get_json()["errors"]) == {"full_name", "email", "organisation",
                                                      "consent"}


def test_the_form_rules_answer_per_field(app, client, demo_event):
    secret = make_token(app, demo_event)
    response = client.post(f"{API}/{EVENT}/registrations", headers=bearer(secret), json={
        **api_person(email="not an address", full_name="a\x00b", consent=False),
        "forums": ["no-such-forum"]})
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert "forums" in errors
    response = client.post(f"{API}/{EVENT}/registrations", headers=bearer(secret),
                           json=api_person(email="not an address", full_name="a\x00b",
                                           consent=False))
    assert set(response.get_json()["errors"]) == {"email", "full_name", "consent"}


def test_rate_limit_and_server_errors_are_problems(app, demo_event, tmp_path, monkeypatch):
    with rate_limited_app(app, RATELIMIT_API="3 per minute", PROPAGATE_EXCEPTIONS=False,
                          INSTANCE_PATH=str(tmp_path)) as limited:
        client = limited.test_client()
        statuses = [client.get(f"{API}/{EVENT}/sessions").status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        refused = client.get(f"{API}/{EVENT}/sessions")
        assert refused.content_type == PROBLEM and int(refused.headers["Retry-After"]) > 0
        # Each token counts for itself.
        secret = make_token(app, demo_event)
        assert client.get(f"{API}/{EVENT}/sessions", headers=bearer(secret)).status_code == 200

        from summit.api import service

        def broken(*_args, **_kwargs):
            raise RuntimeError("a bug")

        monkeypatch.setattr(service, "public_events", broken)
        failed = limited.test_client().get(f"{API}/events", headers=bearer(secret))
        assert failed.status_code == 500 and failed.content_type == PROBLEM
        assert "a bug" not in failed.get_data(as_text=True)


def test_drafts_never_show_even_to_a_signed_in_administrator(app, client, demo_event):
    sign_in(app, client, Role.ADMIN, "admin@summit.example.org")
    with app.app_context():
        db.session.get(Event, demo_event).status = EventStatus.DRAFT
        db.session.commit()
        slug = EVENT
    assert client.get(f"/{slug}/agenda").status_code == 200  # the page shows it to them
    assert slug not in [e["slug"] for e in client.get(f"{API}/events").get_json()]
    assert client.get(f"{API}/{slug}/sessions").status_code == 404
    assert client.get(f"{API}/events/{slug}").status_code == 404


def test_the_programme_answers_304_until_it_changes(app, client, demo_event):
    first = client.get(f"{API}/{EVENT}/sessions")
    assert first.headers["ETag"] and first.headers["Last-Modified"]
    again = client.get(f"{API}/{EVENT}/sessions", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    forums = client.get(f"{API}/{EVENT}/forums")
    chip = next(f for f in forums.get_json() if f["slug"] == CHIP)
    assert client.get(f"{API}/{EVENT}/forums", headers={
        "If-None-Match": forums.headers["ETag"]}).status_code == 304
    with app.app_context():
        set_capacity(Forum, forum_id(CHIP), 10)
    post_registration(client, forums=[forum_id_of(app, CHIP)])
    changed = client.get(f"{API}/{EVENT}/forums", headers={"If-None-Match": forums.headers["ETag"]})
    assert changed.status_code == 200
    assert next(f for f in changed.get_json() if f["slug"] == CHIP)["seats_left"] == 9
    assert chip["seats_left"] != 9
    with app.app_context():
        db.session.get(Forum, forum_id(CHIP)).name_en = "Chips"
        db.session.commit()
    assert client.get(f"{API}/{EVENT}/sessions", headers={
        "If-None-Match": first.headers["ETag"]}).status_code == 200


def forum_id_of(app, slug: str) -> int:
    with app.app_context():
        return forum_id(slug)


def test_registration_through_the_api_keeps_the_forms_seats_and_waiting_list(
        app, client, demo_event):
    with app.app_context():
        set_capacity(Forum, forum_id(CHIP), 1)
    secret = make_token(app, demo_event)
    first = registered(client, secret, email="first@example.cn", forums=[CHIP])
    assert first.status_code == 201
    assert first.get_json()["seats"] == [{"forum": CHIP, "status": "confirmed"}]
    assert first.get_json()["private_link"].startswith("http://localhost/r/")
    post_registration(client, forums=[forum_id_of(app, CHIP)], email="second@example.cn")
    third = registered(client, secret, email="third@example.cn", forums=[CHIP])
    assert third.get_json()["seats"] == [{"forum": CHIP, "status": "waitlisted"}]

    both = registered(client, secret, email="both@example.cn", forums=[CHIP, AI])
    assert both.status_code == 422
    assert both.get_json()["type"].endswith("#problem-overlapping-forums")

    again = registered(client, secret, email="FIRST@example.cn")
    assert again.status_code == 409 and "private_link" not in again.get_data(as_text=True)

    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Registration)) == 3
        kinds = sorted(db.session.scalars(select(MailMessage.kind).where(
            MailMessage.recipient == "first@example.cn")))
        assert kinds == ["confirmation", "link"]

    # Cancelling through the API gives the seat to the form's registrant, who waited first.
    registration_id = first.get_json()["id"]
    cancelled = client.post(f"{API}/{EVENT}/registrations/{registration_id}/cancel",
                            headers=bearer(secret))
    assert cancelled.get_json()["status"] == "cancelled"
    with app.app_context():
        seats = forum_seats(forum_id(CHIP))
        assert [s.registration.email for s in seats[SeatStatus.CONFIRMED]] == ["second@example.cn"]
    changed = client.put(f"{API}/{EVENT}/registrations/{registration_id}/forums",
                         headers=bearer(secret), json={"forums": [AI]})
    assert changed.status_code == 409


def test_answers_are_given_with_the_registration_and_read_back(app, client, demo_event):
    secret = make_token(app, demo_event)
    with app.app_context():
        invoice = demo_question(demo_event, "Do you need an invoice").id
        title = demo_question(demo_event, "Invoice title").id
        dietary = demo_question(demo_event, "Dietary needs").id
    missing = registered(client, secret, answers={str(invoice): True})
    assert missing.status_code == 422
    assert str(title) in missing.get_json()["errors"]["answers"]
    made = registered(client, secret, answers={
        str(invoice): True, str(title): "紫金山实验室",
        str(demo_question_id(app, demo_event, "Taxpayer")): "91320000MA1XXXXX0X",
        str(dietary): ["halal", "vegetarian"]})
    assert made.status_code == 201, made.get_json()
    read = client.get(f"{API}/{EVENT}/registrations/{made.get_json()['id']}",
                      headers=bearer(secret)).get_json()
    assert read["answers"][str(invoice)] is True
    assert read["answers"][str(dietary)] == ["vegetarian", "halal"]


def test_a_registrations_answer_is_what_reading_it_back_shows(app, client, demo_event):
    """The answer is made from what the registration's own commit brought back: each
    place and seat the database decided must read back the same."""
    secret = make_token(app, demo_event)
    with app.app_context():
        set_capacity(Forum, forum_id(CHIP), 1)
        dietary = demo_question(demo_event, "Dietary needs").id

    def answer(**person) -> dict:
        with registered(client, secret, **person) as made:  # closed: its mails are sent
            assert made.status_code == 201, made.get_json()
            return made.get_json()

    shown = [
        answer(email="seated@example.cn", forums=[CHIP, "yrd-education-talent"],
               answers={str(dietary): ["halal"]}),
        answer(email="queued@example.cn", forums=[CHIP], latin_name="Li Lei"),
        answer(email="nowhere@example.cn", forums=[], category="student"),
    ]
    with app.app_context():
        set_capacity(Event, demo_event, 3)
    shown.append(answer(email="late@example.cn", forums=["yrd-education-talent"]))
    assert [(made["status"], made["seats"]) for made in shown] == [
        ("confirmed", [{"forum": CHIP, "status": "confirmed"},
                       {"forum": "yrd-education-talent", "status": "confirmed"}]),
        ("confirmed", [{"forum": CHIP, "status": "waitlisted"}]),
        ("confirmed", []),
        ("waitlisted", [{"forum": "yrd-education-talent", "status": "waitlisted"}]),
    ]
    for made in shown:
        read = client.get(f"{API}/{EVENT}/registrations/{made['id']}", headers=bearer(secret))
        assert {**read.get_json(), "private_link": made["private_link"]} == made


def test_a_registration_made_under_the_lock_answers_as_it_reads_back(
        app, client, demo_event, monkeypatch):
    """When the address cannot be claimed before the lock (a twin's request held it and
    then gave it up), the registration is made under the lock: its answer is as exact."""
    monkeypatch.setattr(registration_service, "_claim_address", lambda *args: None)
    secret = make_token(app, demo_event)
    with app.app_context():
        set_capacity(Forum, forum_id(CHIP), 0)
    with registered(client, secret, email="twin@example.cn", forums=[CHIP]) as made:
        assert made.status_code == 201, made.get_json()
        shown = made.get_json()
    assert shown["seats"] == [{"forum": CHIP, "status": "waitlisted"}]
    read = client.get(f"{API}/{EVENT}/registrations/{shown['id']}", headers=bearer(secret))
    assert {**read.get_json(), "private_link": shown["private_link"]} == shown


def demo_question_id(app, event_id: int, label: str) -> int:
    with app.app_context():
        return demo_question(event_id, label).id


def test_registrations_page_by_cursor_and_filter(app, client, demo_event):
    secret = make_token(app, demo_event)
    for n in range(5):
        registered(client, secret, email=f"p{n}@example.cn", category="student" if n % 2 else
                   "delegate")
    seen, path = [], f"{API}/{EVENT}/registrations?limit=2"
    while path:
        page = client.get(path, headers=bearer(secret))
        seen += [item["email"] for item in page.get_json()["items"]]
        link = page.headers.get("Link")
        path = link[1:link.index(">")] if link else None
    assert seen == [f"p{n}@example.cn" for n in range(5)]
    students = client.get(f"{API}/{EVENT}/registrations?category=student",
                          headers=bearer(secret)).get_json()["items"]
    assert [s["email"] for s in students] == ["p1@example.cn", "p3@example.cn"]
    bad = client.get(f"{API}/{EVENT}/registrations?cursor=forged", headers=bearer(secret))
    assert bad.status_code == 422 and "cursor" in bad.get_json()["errors"]


def test_changes_since_a_time_include_those_seen_a_moment_after_it(app, client, demo_event):
    """A registration dated a few seconds before a client's last poll may have committed
    after it (it waited for the event's lock): the next poll still finds it."""
    secret = make_token(app, demo_event)
    polled_at = utcnow().replace(microsecond=0)
    for email, age in (("long-ago@example.cn", timedelta(minutes=5)),
                       ("just-before@example.cn", timedelta(seconds=10)),
                       ("after@example.cn", -timedelta(seconds=5))):
        with registered(client, secret, email=email) as made:
            made_id = made.get_json()["id"]
        with app.app_context():
            db.session.get(Registration, made_id).updated_at = polled_at - age
            db.session.commit()
    changed = client.get(f"{API}/{EVENT}/registrations",
                         query_string={"updated_since": polled_at.isoformat()},
                         headers=bearer(secret)).get_json()["items"]
    assert [item["email"] for item in changed] == ["just-before@example.cn", "after@example.cn"]
    # At the calendar's ends there is nothing to look back into: everything, or nothing.
    for since, found in (("0001-01-01T00:00:05Z", 3), ("0001-01-01T00:00:05+05:00", 3),
                         ("9999-12-31T23:59:59-10:00", 0)):
        edge = client.get(f"{API}/{EVENT}/registrations", query_string={"updated_since": since},
                          headers=bearer(secret))
        assert edge.status_code == 200 and len(edge.get_json()["items"]) == found, since


def test_check_in_with_the_desks_rules_and_the_audit_of_each_use(app, client, demo_event):
    secret = make_token(app, demo_event, ApiScope.CHECK_IN, name="door scanner")
    made = registered(client, make_token(app, demo_event)).get_json()
    scans = [client.post(f"{API}/{EVENT}/check-ins", headers=bearer(secret),
                         json={"code": code}).get_json()
             for code in (made["checkin_code"].lower(), made["checkin_code"], "UNKNOWN1")]
    assert [scan["outcome"] for scan in scans] == ["checked_in", "already", "unknown"]
    assert scans[0]["attendee"]["full_name"] == "刘韵洁"
    with app.app_context():
        check_ins = audit_entries("check_in")
        assert [entry.actor for entry in check_ins] == ["API token «door scanner»"]
        assert len([e for e in audit_entries("api_request")
                    if e.actor == "API token «door scanner»"]) == 3


def test_mailings_status_newest_first_with_their_mails_counts(app, client, demo_event):
    secret = make_token(app, demo_event, ApiScope.READ_REGISTRATIONS)
    for email in ("a@example.cn", "b@example.cn"):
        registered(client, make_token(app, demo_event), email=email).close()
    draft = make_mailing(app, demo_event, "草稿")
    sent = make_mailing(app, demo_event, "已发送", send=True)
    with app.app_context():
        assert deliver_due(db.session, 1) == (1, 0)
    later = utcnow() + timedelta(days=2)
    scheduled = make_mailing(app, demo_event, "定时", send_at=later)

    listed = client.get(f"{API}/{EVENT}/mailings", headers=bearer(secret))
    assert listed.status_code == 200
    status = {mailing["id"]: mailing for mailing in listed.get_json()}
    assert [mailing["id"] for mailing in listed.get_json()] == [scheduled, sent, draft]
    assert [status[i]["state"] for i in (scheduled, sent, draft)] == [
        "scheduled", "sending", "draft"]
    assert status[sent]["subject_zh"] == "已发送" and status[sent]["recipient_count"] == 2
    assert status[sent]["mails"] == {"queued": 1, "sent": 1, "failed": 0}
    assert status[sent]["queued_at"] and status[sent]["finished_at"] is None
    assert status[scheduled]["send_at"].startswith(later.isoformat()[:19])
    assert status[scheduled]["mails"] == {"queued": 0, "sent": 0, "failed": 0}
    assert status[draft]["send_at"] is None and status[draft]["queued_at"] is None

    one = client.get(f"{API}/{EVENT}/mailings/{sent}", headers=bearer(secret))
    assert one.get_json() == status[sent]
    missing = client.get(f"{API}/{EVENT}/mailings/{scheduled + 100}", headers=bearer(secret))
    assert missing.status_code == 404 and missing.content_type == PROBLEM


def test_reads_are_noted_once_a_minute(app, client, demo_event):
    secret = make_token(app, demo_event, ApiScope.READ_REGISTRATIONS, name="crm")
    for _ in range(3):
        assert client.get(f"{API}/{EVENT}/registrations", headers=bearer(secret)).status_code == 200
    with app.app_context():
        assert len(audit_entries("api_request")) == 1
        token = db.session.scalars(select(ApiToken)).one()
        assert token.last_used_at is not None
        token.last_used_at -= USE_NOTED_EVERY
        db.session.commit()
    client.get(f"{API}/{EVENT}/registrations", headers=bearer(secret))
    with app.app_context():
        assert len(audit_entries("api_request")) == 2


def test_only_administrators_make_tokens_shown_once_and_revocable(app, client, demo_event):
    make_accounts(app)
    sign_in_as(client, Role.ORGANIZER)
    assert client.get(f"/admin/{EVENT}/api-tokens").status_code == 403
    admin = app.test_client()
    sign_in_as(admin, Role.ADMIN)
    page = f"/admin/{EVENT}/api-tokens?lang=en"
    made = admin.post(page, data={"csrf_token": csrf_token(admin, page), "name": "<b>CRM</b>",
                                  "scopes": ["read-registrations"]}, follow_redirects=True)
    html = made.get_data(as_text=True)
    secret = html.split('<code id="new-token">')[1].split("<")[0]
    assert secret.startswith("summit_") and len(secret) == len("summit_") + 43
    assert "&lt;b&gt;CRM&lt;/b&gt;" in html
    listed = admin.get(page).get_data(as_text=True)
    assert secret not in listed and "&lt;b&gt;CRM" in listed
    with app.app_context():
        token = db.session.scalars(select(ApiToken)).one()
        assert secret not in (token.token_hash, token.name)
        token_id = token.id
    assert client.get(f"{API}/{EVENT}/registrations", headers=bearer(secret)).status_code == 200
    admin.post(f"/admin/{EVENT}/api-tokens/{token_id}/revoke",
               data={"csrf_token": csrf_token(admin, page)})
    assert client.get(f"{API}/{EVENT}/registrations", headers=bearer(secret)).status_code == 401
    with app.app_context():
        assert [e.action for e in audit_entries("revoke")] == ["revoke"]


def test_a_new_token_is_shown_once_and_a_reload_makes_no_other(app, demo_event):
    make_accounts(app)
    admin = app.test_client()
    sign_in_as(admin, Role.ADMIN)
    page = f"/admin/{EVENT}/api-tokens?lang=en"
    made = admin.post(page, data={"csrf_token": csrf_token(admin, page), "name": "Scanner",
                                  "scopes": ["check-in"]})
    assert made.status_code == 303
    assert "summit_" not in made.headers["Location"]
    shown = admin.get(made.headers["Location"]).get_data(as_text=True)
    secret = shown.split('<code id="new-token">')[1].split("<")[0]
    assert secret.startswith("summit_") and "shown only this once" in shown
    # A reload of the page that showed it: no secret, no second token.
    again = admin.get(made.headers["Location"]).get_data(as_text=True)
    assert secret not in again and 'id="new-token"' not in again
    assert "shown only this once" not in again
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 1
    assert admin.get(f"{API}/{EVENT}/registrations", headers=bearer(secret)).status_code == 403


@pytest.mark.slow
def test_a_race_of_form_and_api_registrations_never_oversells(app, demo_event, tmp_path):
    with app.app_context():
        chip = forum_id(CHIP)
        set_capacity(Forum, chip, 20)
        url = database_url()
    secret = make_token(app, demo_event, ApiScope.WRITE_REGISTRATIONS)

    def api_action(base: str, email: str):
        def prepare():
            import json
            import urllib.request

            body = json.dumps(api_person(email=email, forums=[CHIP])).encode()
            request = urllib.request.Request(
                f"{base}{API}/{EVENT}/registrations", data=body, method="POST",
                headers={**bearer(secret), "Content-Type": "application/json"})
            return lambda: urllib.request.urlopen(request, timeout=120).status
        return prepare

    with gunicorn(url, tmp_path, workers=3, threads=8) as base:
        actions = []
        for n in range(30):
            actions.append(registration_action(base, f"form{n:02d}@race.example.cn", [chip]))
            actions.append(api_action(base, f"api{n:02d}@race.example.cn"))
        statuses = all_at_once(actions)
    assert statuses == [302, 201] * 30
    with app.app_context():
        seats = forum_seats(chip)
        assert len(seats[SeatStatus.CONFIRMED]) == 20
        assert len(seats[SeatStatus.WAITLISTED]) == 40
