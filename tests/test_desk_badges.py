"""Badges at the check-in desk: a name fixed and the badge printed at once, with the same
code (its QR still checks in), each print in the audit log; someone registered on the
spot; who may do it; hostile names; the badge-label layouts."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from summit.audit import AuditAction
from summit.badges.layouts import LAYOUTS
from summit.extensions import db
from summit.models import Event, Registration, Role

from .helpers.accounts import sign_in
from .helpers.admin_pages import ADMIN, load_edition
from .helpers.badges import decode_qr_codes, facts, pdf_pages, pdf_text
from .helpers.database import audit_entries
from .helpers.pages import csrf_token, page_text
from .helpers.programme import event_fields
from .helpers.registrations import register

PT_PER_MM = 72 / 25.4


@pytest.fixture
def misspelt(app, demo_event) -> int:
    """刘韵洁, registered as 刘云洁 of 紫金山实检室."""
    with app.app_context():
        return register(demo_event, "刘云洁", "liu@example.org", organisation="紫金山实检室",
                        latin_name="Liu Yunjie")


@pytest.fixture
def desk(app, client, demo_event):
    """A client signed in as check-in staff of the demo event."""
    sign_in(app, client, Role.CHECKIN, events=[demo_event])
    return client


def badge_page(registration_id: int) -> str:
    return f"{ADMIN}/checkin/{registration_id}/badge"


def print_badge(client, registration_id: int, **fields):
    page = badge_page(registration_id)
    data = {"csrf_token": csrf_token(client, page), "full_name": "刘韵洁",
            "latin_name": "Liu Yunjie", "organisation": "紫金山实验室", **fields}
    return client.post(page, data=data)


def test_a_name_fixed_at_the_desk_prints_at_once_and_its_qr_still_checks_in(
        app, desk, misspelt, tmp_path):
    search = desk.get(f"{ADMIN}/checkin?q=刘云洁")
    assert f'href="{badge_page(misspelt)}"' in search.get_data(as_text=True)
    form = desk.get(badge_page(misspelt))
    assert 'value="刘云洁"' in form.get_data(as_text=True)
    with app.app_context():
        code = db.session.get(Registration, misspelt).checkin_code

    response = print_badge(desk, misspelt)

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    # Shown in the browser's PDF viewer, ready to print, not saved away.
    assert response.headers["Content-Disposition"].startswith("inline")
    assert "no-store" in response.headers["Cache-Control"]
    (text,) = pdf_pages(response.data)
    assert "刘韵洁" in text and "紫金山实验室" in text
    assert "刘云洁" not in text and "实检室" not in text
    (scanned,) = decode_qr_codes(response.data, tmp_path)
    assert scanned.text == code
    scan = desk.post(f"{ADMIN}/checkin/scan.json", data={
        "csrf_token": csrf_token(desk, f"{ADMIN}/checkin"), "code": scanned.text})
    assert scan.json["outcome"] == "checked_in"
    assert scan.json["name"] == "刘韵洁"


def test_every_print_at_the_desk_is_audited_with_what_changed_and_the_count(
        app, desk, misspelt):
    print_badge(desk, misspelt)
    print_badge(desk, misspelt, organisation="紫金山实验室 Purple Mountain Laboratories")
    with app.app_context():
        (first_fix, second_fix) = audit_entries(AuditAction.UPDATE)
        assert first_fix.actor == "checkin@summit.example.org"
        assert first_fix.before == {"full_name": "刘云洁", "organisation": "紫金山实检室"}
        assert first_fix.after == {"full_name": "刘韵洁", "organisation": "紫金山实验室"}
        assert second_fix.after == {
            "organisation": "紫金山实验室 Purple Mountain Laboratories"}
        (first_print,) = audit_entries(AuditAction.BADGE_PRINTED)
        (reprint,) = audit_entries(AuditAction.BADGE_REPRINTED)
        assert first_print.after["badge_reprints"] == 0
        assert reprint.after["badge_reprints"] == 1
        assert reprint.after["checkin_code"] == first_print.after["checkin_code"]
        registration = db.session.get(Registration, misspelt)
        assert registration.badge_reprints == 1
        assert registration.badge_printed_at is not None
    assert "printed 2 times" in page_text(desk.get(badge_page(misspelt)))


def test_a_print_without_changes_records_the_print_only(app, desk, misspelt):
    print_badge(desk, misspelt, full_name="刘云洁", organisation="紫金山实检室")
    with app.app_context():
        assert audit_entries(AuditAction.UPDATE) == []
        assert len(audit_entries(AuditAction.BADGE_PRINTED)) == 1


def test_check_in_staff_of_another_event_are_refused(app, client, misspelt):
    with app.app_context():
        other = load_edition("edition-b")
    sign_in(app, client, Role.CHECKIN, events=[other])
    assert client.get(badge_page(misspelt)).status_code == 403
    # With a good token from their own desk.
    token = csrf_token(client, "/admin/edition-b/checkin")
    refused = client.post(badge_page(misspelt), data={
        "csrf_token": token, "full_name": "X", "organisation": "Y"})
    assert refused.status_code == 403
    assert client.get(f"{ADMIN}/checkin/register").status_code == 403
    with app.app_context():
        assert db.session.get(Registration, misspelt).full_name == "刘云洁"


def test_a_registration_of_another_event_is_not_found_at_this_desk(app, client, misspelt):
    with app.app_context():
        load_edition("edition-b")
    sign_in(app, client, Role.CHECKIN)
    assert client.get(f"/admin/edition-b/checkin/{misspelt}/badge").status_code == 404


def test_a_print_without_the_form_token_changes_nothing(app, desk, misspelt):
    response = desk.post(badge_page(misspelt), data={
        "full_name": "Mallory", "latin_name": "", "organisation": "Evil"})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.get(Registration, misspelt).full_name == "刘云洁"
        assert audit_entries(AuditAction.BADGE_PRINTED) == []


def test_an_empty_name_is_refused_on_the_same_page(app, desk, misspelt):
    response = print_badge(desk, misspelt, full_name="  ")
    assert response.status_code == 422
    assert "Please enter your name." in page_text(response)
    with app.app_context():
        assert audit_entries(AuditAction.BADGE_PRINTED) == []


@pytest.mark.parametrize("name", [
    '<script>alert(1)</script><img src="http://evil.example/x.png">',
    "Maximilian Alexander Fitzgerald-Montgomery von Hohenzollern-Sigmaringen XI",
    "محمد عبد الله",
    "王小明 🎉🚀",
])
def test_hostile_names_print_literally_on_one_page(app, desk, misspelt, name):
    response = print_badge(desk, misspelt, full_name=name, latin_name="")
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 1
    printed = pdf_text(response.data)
    for word in name.split():
        if not any(ord(char) >= 0x1F000 for char in word):
            assert word in printed


def test_someone_registered_on_the_spot_gets_a_badge_next(app, desk, demo_event):
    page = f"{ADMIN}/checkin/register"
    data = {"csrf_token": csrf_token(desk, page), "full_name": "Anna Schmidt",
            "latin_name": "", "email": "anna@example.org", "organisation": "Acme GmbH",
            "category": "press"}
    response = desk.post(page, data=data)
    assert response.status_code == 302
    with app.app_context():
        registration = db.session.scalars(
            select(Registration).where(Registration.email == "anna@example.org")).one()
        assert registration.category == "press"
        assert len(audit_entries(AuditAction.CREATE)) == 1
    assert response.headers["Location"].endswith(badge_page(registration.id))
    badge = print_badge(desk, registration.id, full_name="Anna Schmidt", latin_name="",
                        organisation="Acme GmbH")
    assert "AnnaSchmidt" in pdf_pages(badge.data)[0]


def test_on_the_spot_an_address_registered_already_is_said_on_the_same_page(
        app, desk, misspelt):
    page = f"{ADMIN}/checkin/register"
    response = desk.post(page, data={
        "csrf_token": csrf_token(desk, page), "full_name": "Someone", "email": "liu@example.org",
        "organisation": "X", "category": "delegate"})
    assert response.status_code == 422
    assert "This address is registered already: 刘云洁." in page_text(response)


@pytest.mark.parametrize(("layout", "width_mm", "height_mm"), [
    ("label-90x54", 90, 54), ("label-4x3in", 101.6, 76.2), ("a6", 105, 148)])
def test_the_desk_prints_on_the_events_badge_layout(app, desk, misspelt, layout, width_mm,
                                                    height_mm):
    with app.app_context():
        db.session.scalars(select(Event)).first().badge_layout = layout
        db.session.commit()
    response = print_badge(desk, misspelt)
    (page,) = PdfReader(io.BytesIO(response.data)).pages
    assert float(page.mediabox.width) == pytest.approx(width_mm * PT_PER_MM, abs=0.5)
    assert float(page.mediabox.height) == pytest.approx(height_mm * PT_PER_MM, abs=0.5)
    assert "刘韵洁" in pdf_pages(response.data)[0]


def test_organizers_choose_the_desk_layout_and_the_certificates_time_in_the_settings(
        app, client, demo_event):
    sign_in(app, client, Role.ORGANIZER)
    with app.app_context():
        fields = event_fields(db.session.get(Event, demo_event), badge_layout="label-4x3in",
                              certificates_from="2020-11-27T17:30")
    page = f"{ADMIN}/event"
    settings = client.get(page + "?lang=en").get_data(as_text=True)
    assert "Badge label, 90 × 54 mm" in settings and "Badge label, 4 × 3 in" in settings
    response = client.post(page, data={"csrf_token": csrf_token(client, page), **fields})
    assert response.status_code == 302
    with app.app_context():
        event = db.session.get(Event, demo_event)
        assert event.badge_layout == "label-4x3in"
        # 17:30 in Nanjing.
        assert event.certificates_from == datetime(2020, 11, 27, 9, 30, tzinfo=UTC)
    refused = client.post(page, data={"csrf_token": csrf_token(client, page),
                                      **{**fields, "badge_layout": "a4-8up"}})
    assert refused.status_code == 422
    assert "Not a valid choice" in page_text(refused)


@pytest.mark.parametrize("layout", ["label-90x54", "label-4x3in"])
def test_label_layouts_fit_long_texts_inside_and_scan(layout, tmp_path):
    from summit.badges.render import write_badges

    out = io.BytesIO()
    code = "K3XR3XDW3CP5"
    write_badges([facts(full_name="欧阳娜娜", checkin_code=code,
                        organisation="国家可信嵌入式软件工程技术研究中心长三角嵌入式系统与软件产业联盟")],
                 LAYOUTS[layout], out)
    (scanned,) = decode_qr_codes(out.getvalue(), tmp_path)
    assert scanned.text == code
    assert "欧阳娜娜" in pdf_text(out.getvalue())


def test_prints_from_the_registration_page_count_as_reprints_too(app, client, misspelt):
    sign_in(app, client, Role.ORGANIZER)
    path = f"{ADMIN}/registrations/{misspelt}"
    for _ in range(2):
        response = client.post(f"{path}/badge.pdf", data={
            "csrf_token": csrf_token(client, path), "layout": "label-90x54"})
        assert response.status_code == 200
    print_badge(client, misspelt)
    with app.app_context():
        assert db.session.get(Registration, misspelt).badge_reprints == 2
        assert [entry.after["badge_reprints"]
                for entry in audit_entries(AuditAction.BADGE_REPRINTED)] == [1, 2]
        assert [entry.after["layout"] for entry in audit_entries(AuditAction.BADGE_REPRINTED)
                ] == ["label-90x54", "a6"]
