"""A session's materials: organizers upload slides and add video or recording links in the
programme editor; visitors find them on the session page and schedule apps in the frab
exports. Hostile files and addresses are refused, files are only ever downloads."""

from __future__ import annotations

import json

import jsonschema
import pytest
import xmlschema
from sqlalchemy import select

from summit.extensions import db
from summit.models import AuditEntry, Event, ProgrammeSession, Role
from summit.programme import materials

from .helpers.accounts import sign_in
from .helpers.admin_pages import ADMIN, load_edition
from .helpers.conformance import CONFORMANCE, needs_conformance
from .helpers.materials import (
    add_link,
    download_links,
    keynote_id,
    materials_page,
    stored,
    upload,
)
from .helpers.pages import DEMO, csrf_token, page_text
from .helpers.pdfs import (
    encrypted_pdf,
    pdf_opening_at_first_page,
    pdf_running_javascript,
    pdf_with_escaped_script_action,
    plain_pdf,
)

# --- slides ---------------------------------------------------------------------------


def test_slides_uploaded_by_an_organizer_download_as_a_file_from_the_session_page(
    app, organizer
):
    session_id = keynote_id(app)
    slides = plain_pdf()
    response = upload(organizer, session_id, slides, "/home/刘韵洁/未来网络 (终稿).pdf",
                      title="未来网络幻灯片")
    assert response.status_code == 302
    page = organizer.get(materials_page(session_id))
    assert "未来网络幻灯片" in page_text(page)

    session_page = organizer.get(f"{DEMO}/sessions/{session_id}?lang=zh")
    assert "未来网络幻灯片" in page_text(session_page)
    [link] = download_links(session_page.get_data(as_text=True))
    download = organizer.get(link)
    assert download.status_code == 200
    assert download.get_data() == slides
    assert download.headers["Content-Type"] == "application/pdf"
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    # Only the file's own name, in UTF-8 for the Chinese characters, no path.
    assert "filename*=UTF-8''%E6%9C%AA%E6%9D%A5%E7%BD%91%E7%BB%9C_%28%E7%BB%88%E7%A8%BF%29.pdf" \
        in disposition
    assert 'filename=slides.pdf' in disposition
    assert "home" not in disposition and "/" not in disposition.replace("UTF-8''", "")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in download.headers["Content-Security-Policy"]

    [material] = stored(app)
    assert material.size == len(slides) and material.uploaded_by == "organizer@summit.example.org"


@pytest.mark.parametrize("data, filename, message", [
    (b"<html><body><script>alert(1)</script></body></html>", "slides.pdf",
     "This is not a PDF file."),
    (b"%PDF-1.4\n<html><script>alert(document.cookie)</script></html>", "slides.pdf",
     "This PDF cannot be read."),
    (pdf_running_javascript(), "slides.pdf", "This PDF contains scripts"),
    (pdf_with_escaped_script_action(), "slides.pdf", "This PDF contains scripts"),
    (encrypted_pdf(), "slides.pdf", "This PDF is encrypted"),
], ids=["html-renamed", "html-behind-a-pdf-header", "javascript", "escaped-javascript",
        "encrypted"])
def test_hostile_files_are_refused_on_the_same_page_and_nothing_is_kept(
    app, organizer, data, filename, message
):
    session_id = keynote_id(app)
    response = upload(organizer, session_id, data, filename)
    assert response.status_code == 422
    assert message in page_text(response)
    assert stored(app) == []


def test_a_harmless_open_action_passes(app, organizer):
    assert upload(organizer, keynote_id(app), pdf_opening_at_first_page(), "a.pdf").status_code \
        == 302


def test_files_over_the_limit_are_refused_and_slides_may_exceed_other_forms_limit(
    app, organizer
):
    session_id = keynote_id(app)
    limit = app.config["MATERIAL_MAX_BYTES"]
    app.config["MATERIAL_MAX_BYTES"] = 64 * 1024
    try:
        response = upload(organizer, session_id, plain_pdf(64 * 1024 + 1), "big.pdf")
        assert response.status_code == 422
        assert "The file is larger than 0.0625 MB." in page_text(response)
        assert stored(app) == []
        # Far beyond even the form's room: answered before it is read.
        assert upload(organizer, session_id, plain_pdf(200 * 1024), "huge.pdf").status_code \
            == 413
    finally:
        app.config["MATERIAL_MAX_BYTES"] = limit
    # Above what other forms may send (MAX_CONTENT_LENGTH), within the slides' limit.
    larger = plain_pdf(app.config["MAX_CONTENT_LENGTH"] + 1024)
    assert upload(organizer, session_id, larger, "long-deck.pdf").status_code == 302
    assert stored(app)[0].size == len(larger)


def test_a_filename_with_a_path_keeps_only_its_name(app, organizer):
    session_id = keynote_id(app)
    assert upload(organizer, session_id, plain_pdf(), "../../etc/passwd").status_code == 302
    assert upload(organizer, session_id, plain_pdf(), "<script>x</script>.PDF").status_code == 302
    assert [m.filename for m in stored(app)] == ["passwd.pdf", "script.pdf"]


def test_an_upload_without_the_forms_token_is_refused(app, organizer):
    session_id = keynote_id(app)
    response = upload(organizer, session_id, plain_pdf(), "a.pdf", token="")
    assert response.status_code == 400
    assert stored(app) == []


def test_check_in_staff_and_another_events_organizer_may_not_add_materials(app, client,
                                                                          demo_event):
    session_id = keynote_id(app)
    with app.app_context():
        other = load_edition("other-edition")
        db.session.commit()
    sign_in(app, client, Role.CHECKIN, events=[demo_event])
    assert upload(client, session_id, plain_pdf(), "a.pdf",
                  token="irrelevant").status_code in (400, 403)
    # With a valid token from a page they may open, the role check answers.
    token = csrf_token(client, f"{ADMIN}/checkin")
    assert upload(client, session_id, plain_pdf(), "a.pdf", token=token).status_code == 403
    assert client.get(materials_page(session_id)).status_code == 403

    elsewhere = app.test_client()
    sign_in(app, elsewhere, Role.ORGANIZER, "other@summit.example.org", events=[other])
    token = csrf_token(elsewhere, "/admin/other-edition/sessions")
    assert upload(elsewhere, session_id, plain_pdf(), "a.pdf", token=token).status_code == 403
    assert stored(app) == []


def test_removing_a_file_takes_it_off_the_page_and_its_address(app, organizer):
    session_id = keynote_id(app)
    upload(organizer, session_id, plain_pdf(), "a.pdf", title="Old deck")
    [material] = stored(app)
    link = download_links(organizer.get(f"{DEMO}/sessions/{session_id}").get_data(as_text=True))[0]
    page = materials_page(session_id)
    response = organizer.post(f"{page}/{material.id}/delete",
                              data={"csrf_token": csrf_token(organizer, page)})
    assert response.status_code == 302
    assert "Old deck" not in page_text(organizer.get(f"{DEMO}/sessions/{session_id}"))
    assert organizer.get(link).status_code == 404


def test_a_speaker_without_an_account_adds_slides_through_the_same_service(app, demo_event):
    with app.app_context(), app.test_request_context(method="POST"):
        item = db.session.get(ProgrammeSession, keynote_id(app))
        added = materials.add_slides(db.session, "speaker <liu@example.cn>", item,
                                     title="讲稿", filename="讲稿.pdf", data=plain_pdf())
        assert added.uploaded_by == "speaker <liu@example.cn>"
        entry = db.session.scalars(select(AuditEntry).where(
            AuditEntry.object_type == "material")).one()
        assert entry.actor == "speaker <liu@example.cn>" and entry.event_id == item.event_id
        with pytest.raises(materials.MaterialRejected):
            materials.add_slides(db.session, "speaker <liu@example.cn>", item, title="",
                                 filename="x.pdf", data=pdf_running_javascript())


# --- links ----------------------------------------------------------------------------


@pytest.mark.parametrize("url", [
    "javascript:alert(document.cookie)", "JaVaScRiPt:alert(1)", "data:text/html,<script>1</script>",
    "//evil.example/x", "ftp://files.example/x", "https://", "https://exa mple.com/",
])
def test_only_http_and_https_links_are_taken(app, organizer, url):
    response = add_link(organizer, keynote_id(app), url)
    assert response.status_code == 422
    assert "Give an address that starts with https:// or http://." in page_text(response)
    assert stored(app) == []


def test_links_show_on_the_session_page_with_their_title_escaped(app, organizer):
    session_id = keynote_id(app)
    assert add_link(organizer, session_id, "https://video.example.cn/keynote?id=1&t=0",
                    title="<b>录像</b>").status_code == 302
    html = organizer.get(f"{DEMO}/sessions/{session_id}").get_data(as_text=True)
    assert 'href="https://video.example.cn/keynote?id=1&amp;t=0"' in html
    assert "&lt;b&gt;录像&lt;/b&gt;" in html and "<b>录像</b>" not in html


# --- the frab exports -----------------------------------------------------------------


def with_materials(app, organizer) -> int:
    session_id = keynote_id(app)
    upload(organizer, session_id, plain_pdf(), "deck.pdf", title="Slides & notes")
    add_link(organizer, session_id, "https://video.example.cn/k1", kind="recording",
             title="Recording")
    add_link(organizer, session_id, "https://video.example.cn/k1-live", kind="video")
    return session_id


@needs_conformance
def test_materials_in_schedule_xml_validate_against_the_frab_xsd(app, client, organizer):
    session_id = with_materials(app, organizer)
    body = client.get(f"{DEMO}/schedule.xml?lang=en").get_data()
    schema = xmlschema.XMLSchema(str(CONFORMANCE / "schedule.xml.xsd"))
    schema.validate(body)
    document = schema.to_dict(body)
    talk = next(event for day in document["day"] for room in day["room"]
                for event in room["event"] if event["@id"] == session_id)
    [attachment] = talk["attachments"]["attachment"]
    assert attachment["$"] == "Slides & notes" and attachment["@type"] == "slides"
    assert attachment["@href"].startswith("http://localhost/")
    path = attachment["@href"].removeprefix("http://localhost")
    assert client.get(path).get_data() == plain_pdf()
    assert [(link["@href"], link.get("$")) for link in talk["links"]["link"]] == [
        ("https://video.example.cn/k1", "Recording"),
        ("https://video.example.cn/k1-live", "Video"),
    ]


@needs_conformance
def test_materials_in_schedule_json_validate_against_the_frab_schema(app, client, organizer):
    session_id = with_materials(app, organizer)
    schema = json.loads((CONFORMANCE / "schedule.schema.json").read_text())
    validator = jsonschema.Draft6Validator(
        schema, format_checker=jsonschema.Draft6Validator.FORMAT_CHECKER)
    document = client.get(f"{DEMO}/schedule.json?lang=zh").get_json()
    assert sorted(validator.iter_errors(document), key=str) == []
    talk = next(talk for day in document["schedule"]["conference"]["days"]
                for room in day["rooms"].values() for talk in room if talk["id"] == session_id)
    assert [a["type"] for a in talk["attachments"]] == ["slides"]
    assert talk["attachments"][0]["title"] == "Slides & notes"
    assert [(link["type"], link["url"], link["title"]) for link in talk["links"]] == [
        ("media", "https://video.example.cn/k1", "Recording"),
        ("media", "https://video.example.cn/k1-live", "视频"),
    ]


def test_a_new_material_is_a_new_version_of_the_exports(app, client, organizer):
    before = client.get(f"{DEMO}/schedule.json")
    add_link(organizer, keynote_id(app), "https://video.example.cn/k1")
    after = client.get(f"{DEMO}/schedule.json",
                       headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    with app.app_context():
        assert db.session.scalars(select(Event)).first().programme_version > int(
            before.get_json()["schedule"]["version"])
