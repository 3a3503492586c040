"""Who may open what under /admin, and CSRF on every POST, both generated from the
app's URL map: a route added later is checked without anyone listing it here.

The authorization matrix runs every admin rule, at two events A and B, as a site
administrator, an organizer of A, an organizer of B, check-in staff of A and an
anonymous visitor."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from summit.extensions import db
from summit.models import (
    ApiToken,
    AuditEntry,
    CoHost,
    Event,
    EventRole,
    EventStatus,
    Forum,
    Mailing,
    MailMessage,
    MaterialKind,
    ProgrammeSession,
    ProposalSpeaker,
    Question,
    Registration,
    Reminder,
    Role,
    SessionMaterial,
    Speaker,
    SpeakerAvailability,
    User,
    Webhook,
    utcnow,
)
from summit.registration.service import register_again_key

from .helpers.accounts import PASSWORDS, password_hash
from .helpers.accounts import sign_in_with_the_form as sign_in
from .helpers.admin_pages import load_edition
from .helpers.pages import csrf_token, page_text
from .helpers.proposals import add_proposal, open_call
from .helpers.registrations import register_directly

# Open to everyone: signing in and out.
PUBLIC = {"auth.login", "auth.logout"}
# The first version's addresses: they only lead to the default event's.
FIRST_VERSION = "admin.first_version_page"
# The desk: check-in staff's pages.
DESK = {"admin.checkin", "admin.checkin_scan", "admin.checkin_registration",
        "admin.checkin_undo", "admin.event_home", "admin.desk_list", "admin.desk_sync",
        "admin.door_admit", "admin.desk_manifest", "admin.desk_service_worker",
        "admin.desk_badge", "admin.desk_register"}
# Pages that send on to another page of the event the account may open.
LANDINGS = {"admin.index", "admin.event_home", "admin.review_next"}
A, B = "edition-a", "edition-b"
PEOPLE = ["admin", "organizer of A", "organizer of B", "check-in staff of A", "anonymous"]


def account(email: str, role: Role, held: dict[int, Role]) -> User:
    user = User(email=email, role=role, password_hash=password_hash(PASSWORDS[role]),
                event_roles=[EventRole(event_id=event_id, role=held_role)
                             for event_id, held_role in held.items()])
    db.session.add(user)
    return user


def _a_token(event_id: int) -> int:
    token = ApiToken(event_id=event_id, name="matrix", scopes=["read-programme"],
                     token_hash=f"{event_id:064d}")
    db.session.add(token)
    db.session.flush()
    return token.id


def _a_webhook(event_id: int) -> int:
    webhook = Webhook(event_id=event_id, url="https://hooks.example.org/matrix",
                      kinds=["registration.created"], secret="whsec_matrix")
    db.session.add(webhook)
    db.session.flush()
    return webhook.id


def _a_material(session_id: int) -> int:
    material = SessionMaterial(session_id=session_id, kind=MaterialKind.VIDEO, title="matrix",
                               url="https://video.example.org/matrix")
    db.session.add(material)
    db.session.flush()
    return material.id


def _a_speaker_with_photo_and_times(proposal_id: int) -> tuple[int, int]:
    """The proposal's submitter, with a photo and a time they can speak, as the
    organizers' page shows them; the speaker's id and the time's."""
    speaker = db.session.scalars(select(ProposalSpeaker).filter_by(proposal_id=proposal_id)).first()
    speaker.photo, speaker.photo_type = b"\x89PNG matrix", "image/png"
    available = SpeakerAvailability(starts_at=datetime(2020, 11, 25, 1, tzinfo=UTC),
                                    ends_at=datetime(2020, 11, 25, 4, tzinfo=UTC))
    speaker.availability.append(available)
    db.session.flush()
    return speaker.id, available.id


def rows_of(event_id: int, app) -> dict[str, object]:
    """A real row of the event for every kind of id an admin URL takes."""
    event = db.session.get(Event, event_id)
    forum = db.session.scalars(select(Forum).where(Forum.event_id == event_id,
                                                   Forum.slug == "chip-machine")).one()
    registered = register_directly(event_id, "wang@example.org", [forum.id], "王小明",
                                   organisation="示例单位")
    # Someone who came: the certificates of attendance have a page to print.
    register_directly(event_id, "li@example.org", [], "李华").checked_in_at = utcnow()
    db.session.commit()
    of_event = {"event_id": event_id}
    session_id = db.session.scalars(select(ProgrammeSession.id).filter_by(**of_event)).first()
    draft = Mailing(event_id=event_id, subject_en="Notice", body_en="Hello {name}")
    db.session.add(draft)
    db.session.commit()
    open_call(event_id)
    proposal_id = add_proposal(event_id, "speaker@example.org")
    proposal_speaker_id, availability_id = _a_speaker_with_photo_and_times(proposal_id)
    return {
        "proposal_id": proposal_id,
        "proposal_speaker_id": proposal_speaker_id,
        "availability_id": availability_id,
        "event": event.slug,
        "event_slug": event.slug,
        "co_host_id": db.session.scalars(select(CoHost.id).filter_by(**of_event)).first(),
        "forum_id": forum.id,
        "session_id": session_id,
        "material_id": _a_material(session_id),
        "speaker_id": db.session.scalars(select(Speaker.id).filter_by(**of_event)).first(),
        "question_id": db.session.scalars(select(Question.id).filter_by(**of_event)).first(),
        "reminder_id": db.session.scalars(select(Reminder.id).filter_by(**of_event)).first(),
        "registration_id": registered.id,
        "token_id": _a_token(event_id),
        "webhook_id": _a_webhook(event_id),
        "mail_id": db.session.scalars(select(MailMessage.id).where(
            MailMessage.registration_id == registered.id)).first(),
        "token": registered.token,
        "key": register_again_key(app.secret_key, registered),
        "slug": forum.slug,
        "page": "registrations",
        "rest": "new",
        "chart": "registrations-per-day",
        "mailing_id": draft.id,
    }


@pytest.fixture
def editions(app) -> dict[str, object]:
    """Events A and B with their programmes and a registration each; the five people's
    accounts (email → None for the anonymous visitor); a real row per URL argument."""
    with app.app_context():
        a, b = load_edition(A), load_edition(B)
        spare = account("spare@example.org", Role.ORGANIZER, {})
        people = {
            "admin": account("admin@example.org", Role.ADMIN, {}),
            "organizer of A": account("organizer.a@example.org", Role.ORGANIZER,
                                      {a: Role.ORGANIZER}),
            "organizer of B": account("organizer.b@example.org", Role.ORGANIZER,
                                      {b: Role.ORGANIZER}),
            "check-in staff of A": account("desk.a@example.org", Role.CHECKIN,
                                           {a: Role.CHECKIN}),
        }
        db.session.commit()
        rows = {A: {**rows_of(a, app), "user_id": spare.id, "event_id": a},
                B: {**rows_of(b, app), "user_id": spare.id, "event_id": b}}
        db.session.commit()  # the rows made after the last registration's commit
        return {
            "ids": {A: a, B: b},
            "emails": {name: user.email for name, user in people.items()},
            "roles": {name: user.role for name, user in people.items()},
            "rows": rows,
        }


def signed_in(app, editions, person: str):
    client = app.test_client()
    if person != "anonymous":
        response = sign_in(client, editions["emails"][person],
                           PASSWORDS[editions["roles"][person]])
        assert response.status_code == 302, page_text(response)
    return client


def admin_rules(app) -> list:
    rules = [rule for rule in app.url_map.iter_rules()
             if rule.rule.startswith("/admin") and rule.endpoint not in PUBLIC]
    assert len(rules) > 20  # the admin is there at all
    return sorted(rules, key=lambda rule: rule.rule)


def build_url(rule, rows: dict[str, object]) -> str:
    missing = set(rule.arguments) - set(rows)
    assert not missing, f"give {sorted(missing)} a real row in the editions fixture ({rule.rule})"
    return rule.build({name: rows[name] for name in rule.arguments}, append_unknown=False)[1]


def request_as(client, rule, url: str):
    """GET where the route answers GET; otherwise an empty POST."""
    return client.get(url) if "GET" in rule.methods else client.post(url, data={})


# An event's pages for the site's administrators only: its API tokens (issue 25).
ADMINISTRATORS_ONLY = {"admin.api_tokens", "admin.api_token_revoke"}


def may_open(person: str, endpoint: str, at: str | None) -> bool:
    """The policy. Administrators: everything. At an event: its organizers every page
    but its API tokens, its check-in staff the desk. The site's own pages: administrators
    only, except /admin/ itself, which leads anyone with a role somewhere to their events."""
    if person == "admin":
        return True
    if at is None or endpoint in ADMINISTRATORS_ONLY:
        return endpoint == "admin.index"
    if person == f"organizer of {at[-1].upper()}":
        return True
    return person == f"check-in staff of {at[-1].upper()}" and endpoint in DESK


def test_every_admin_view_declares_its_roles_and_every_event_page_names_its_event(app):
    for rule in admin_rules(app):
        if rule.endpoint == FIRST_VERSION:
            continue
        view = app.view_functions[rule.endpoint]
        declared = getattr(view, "allowed_roles", None)
        assert declared is not None, f"{rule.rule} ({rule.endpoint}) has no role_required"
        site_wide = "event" not in rule.arguments
        if (site_wide and rule.endpoint != "admin.index") \
                or rule.endpoint in ADMINISTRATORS_ONLY:
            # A page of the site's own that more than administrators may open would let
            # them see beyond their events.
            assert declared == {Role.ADMIN}, rule.endpoint
        else:
            assert Role.ORGANIZER in declared, rule.endpoint


@pytest.mark.parametrize("person", PEOPLE)
def test_the_authorization_matrix(app, editions, monkeypatch, person):
    """Every admin rule at A and at B: 200 (or the landing's 302) where the person may
    open it, 403 where not, the login page for the anonymous visitor."""
    client = signed_in(app, editions, person)
    # The role check must be what answers, not the CSRF check (tested below).
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    problems = []
    for rule in admin_rules(app):
        if rule.endpoint == FIRST_VERSION:
            continue
        for at in ((A, B) if "event" in rule.arguments else (None,)):
            url = build_url(rule, editions["rows"][at or A])
            response = request_as(client, rule, url)
            status, location = response.status_code, response.location or ""
            if person == "anonymous":
                ok = status == 302 and location.startswith("/admin/login?next=")
            elif not may_open(person, rule.endpoint, at):
                ok = status == 403
            elif rule.endpoint == "admin.index" and person == "admin":
                ok = status == 200  # the list of both events
            elif rule.endpoint in LANDINGS:
                ok = status == 302 and location.startswith(f"/admin/{at or ''}")
            elif "GET" in rule.methods:
                ok = status == 200
            else:  # an empty form: refused as such, never as forbidden
                ok = status < 500 and status != 403 and not location.startswith("/admin/login")
            if not ok:
                problems.append(f"{person} {rule.endpoint} {url}: {status} {location}")
    assert problems == []


def test_admin_sends_each_account_to_its_events(app, editions):
    cases = {"organizer of A": f"/admin/{A}/dashboard", "organizer of B": f"/admin/{B}/dashboard",
             "check-in staff of A": f"/admin/{A}/checkin"}
    for person, landing in cases.items():
        response = signed_in(app, editions, person).get("/admin/")
        assert (response.status_code, response.location) == (302, landing), person
    listing = signed_in(app, editions, "admin").get("/admin/?lang=en")
    assert listing.status_code == 200
    assert f'href="/admin/{A}/"' in listing.text and f'href="/admin/{B}/"' in listing.text
    nobody = signed_in(app, editions, "admin")
    with app.app_context():
        db.session.execute(EventRole.__table__.delete())
        db.session.commit()
    # An account without any role anywhere.
    assert signed_in(app, editions, "organizer of A").get("/admin/").status_code == 403
    assert nobody.get("/admin/").status_code == 200


def test_check_in_staff_of_one_event_cannot_scan_at_anothers_desk(app, editions):
    desk = signed_in(app, editions, "check-in staff of A")
    with app.app_context():
        code = db.session.scalars(select(Registration.checkin_code).where(
            Registration.event_id == editions["ids"][B],
            Registration.email == "wang@example.org")).one()
    page = f"/admin/{B}/checkin"
    token = csrf_token(desk, f"/admin/{A}/checkin")
    assert desk.get(page).status_code == 403
    assert desk.post(page, data={"csrf_token": token, "code": code}).status_code == 403
    assert desk.post(f"{page}/scan.json", data={"csrf_token": token, "code": code},
                     headers={"Accept": "application/json"}).status_code == 403
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Registration).where(
            Registration.email == "wang@example.org",
            Registration.checked_in_at.is_not(None))) == 0
    scanned = desk.post(f"/admin/{A}/checkin", data={"csrf_token": token, "code": code})
    # At A's own desk, B's badge is no badge of A.
    assert scanned.status_code == 200 and "scan-result--bad" in scanned.text


def test_the_navigation_and_the_switcher_show_only_what_the_account_may_open(app, editions):
    with app.app_context():
        db.session.get(Event, editions["ids"][B]).status = EventStatus.DRAFT
        db.session.commit()
    admin = signed_in(app, editions, "admin").get(f"/admin/{A}/registrations?lang=en").text
    assert f'href="/admin/{A}/sessions"' in admin and f'href="/admin/{A}/audit"' in admin
    assert f'href="/admin/{B}/"' in admin and "Draft" in admin  # B in the switcher, marked
    assert 'href="/admin/accounts"' in admin and 'href="/admin/audit"' in admin

    organizer = signed_in(app, editions, "organizer of A").get(f"/admin/{A}/registrations").text
    assert f'href="/admin/{A}/sessions"' in organizer
    assert f"/admin/{B}/" not in organizer and 'href="/admin/accounts"' not in organizer

    desk = signed_in(app, editions, "check-in staff of A").get(f"/admin/{A}/checkin").text
    assert f'href="/admin/{A}/checkin"' in desk
    assert "/sessions" not in desk and "/audit" not in desk and "/registrations" not in desk


def test_the_first_versions_addresses_lead_to_the_default_events(app, editions):
    with app.app_context():  # B, a draft, is not the default event while A is published
        db.session.get(Event, editions["ids"][B]).status = EventStatus.DRAFT
        db.session.commit()
    client = signed_in(app, editions, "admin")
    for old, new in (("/admin/registrations?q=wang", f"/admin/{A}/registrations?q=wang"),
                     ("/admin/dashboard", f"/admin/{A}/dashboard"),
                     ("/admin/checkin", f"/admin/{A}/checkin"),
                     ("/admin/badges.pdf?layout=a4-4up", f"/admin/{A}/badges.pdf?layout=a4-4up"),
                     ("/admin/forums/3/edit", f"/admin/{A}/forums/3/edit"),
                     ("/admin/event", f"/admin/{A}/event")):
        response = client.get(old)
        assert (response.status_code, response.location) == (302, new), old
    # A form sent from a page loaded before the upgrade stays a POST.
    posted = client.post("/admin/checkin/scan.json",
                         data={"csrf_token": csrf_token(client, "/admin/accounts"), "code": "X"})
    assert (posted.status_code, posted.location) == (307, f"/admin/{A}/checkin/scan.json")
    assert client.get("/admin/registrations", follow_redirects=True).status_code == 200


def test_an_unknown_event_is_not_found(app, editions):
    client = signed_in(app, editions, "admin")
    for url in ("/admin/no-such-event/dashboard", "/admin/Edition-A/dashboard",
                "/admin/%E4%B8%AD/checkin", f"/admin/{'x' * 65}/registrations"):
        assert client.get(url).status_code == 404, url


def post_routes(app) -> list:
    """Every POST of a form. The REST API has none: it takes tokens, never cookies, so
    there is nothing for a forged form to ride on (tests/test_api.py: a cookie opens
    nothing there)."""
    return sorted((rule for rule in app.url_map.iter_rules()
                   if "POST" in rule.methods and rule.endpoint != FIRST_VERSION
                   and not rule.rule.startswith("/api/")),
                  key=lambda rule: rule.rule)


def test_every_post_without_a_valid_csrf_token_is_refused(app, editions):
    client = signed_in(app, editions, "admin")
    with app.app_context():
        before = [db.session.scalar(select(func.count()).select_from(model))
                  for model in (AuditEntry, Registration, MailMessage, Forum, ProgrammeSession)]
    routes = post_routes(app)
    assert {"auth.logout", "registration.register", "admin.session_edit"} <= {
        rule.endpoint for rule in routes}
    problems = []
    for rule in routes:
        url = build_url(rule, editions["rows"][A])
        for data in ({}, {"csrf_token": "forged"}):
            response = client.post(url, data=data)
            if response.status_code != 400:
                problems.append(f"{rule.endpoint} {data}: {response.status_code}")
    assert problems == []
    with app.app_context():
        after = [db.session.scalar(select(func.count()).select_from(model))
                 for model in (AuditEntry, Registration, MailMessage, Forum, ProgrammeSession)]
    assert after == before
    # Still signed in: the refused logout did not sign anyone out.
    assert client.get("/admin/audit").status_code == 200


def test_an_archived_event_is_read_only_in_the_admin(app, editions, monkeypatch):
    with app.app_context():
        db.session.get(Event, editions["ids"][B]).status = EventStatus.ARCHIVED
        db.session.commit()
        before = db.session.scalar(select(func.count()).select_from(AuditEntry))
    client = signed_in(app, editions, "admin")
    page = client.get(f"/admin/{B}/registrations?lang=en")
    assert page.status_code == 200 and "This edition is archived" in page.text
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    problems = []
    for rule in post_routes(app):
        if "event" not in rule.arguments:
            continue
        response = client.post(build_url(rule, editions["rows"][B]) + "?lang=en", data={})
        if response.status_code != 409 or "can no longer be changed" not in response.text \
                and "no longer changed" not in response.text:
            problems.append(f"{rule.endpoint}: {response.status_code}")
    assert problems == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == before
    # The other event goes on as before.
    assert client.post(f"/admin/{A}/checkin?lang=en", data={"code": "NOPE"}).status_code == 200
