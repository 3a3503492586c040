"""Pages that share well: a link to the event, its agenda, a forum, a session or a
speaker pasted into a chat shows a card (Open Graph and Twitter tags) in the page's
language, escaped, with absolute addresses under BASE_URL whatever the Host; the event's
picture is a 1200×630 PNG, drawn once per programme version; the poster's QR code reads
as the registration page's address, for organizers only."""

from __future__ import annotations

import base64
import io
from datetime import date
from html.parser import HTMLParser

import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import select
from weasyprint import HTML

from summit.demo.seed import SLUG
from summit.events.service import clone_event
from summit.extensions import db
from summit.models import Event, Forum, ProgrammeSession, Role, Speaker
from summit.sharing.card import share_card_png
from summit.sharing.service import share_image_of

from .conftest import make_app
from .helpers.accounts import make_accounts, sign_in_as
from .helpers.admin_pages import ADMIN
from .helpers.badges import decode_qr_codes
from .helpers.database import database_url_of
from .helpers.pages import csrf_token

SITE = "https://summit.example.org"
HOSTILE = "\"><script>alert('x')</script> R&D <b>"
LOCALES = {"zh": ("zh_CN", "en_US"), "en": ("en_US", "zh_CN")}


class MetaTags(HTMLParser):
    """The page's <meta property|name=… content=…>, unescaped as a crawler reads them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: dict[str, list[str]] = {}

    def handle_starttag(self, tag, attrs) -> None:
        found = dict(attrs)
        key = found.get("property") or found.get("name")
        if tag == "meta" and key and "content" in found:
            self.tags.setdefault(key, []).append(found["content"])


def share_tags(html: str) -> dict[str, str]:
    parser = MetaTags()
    parser.feed(html)
    assert all(len(values) == 1 for values in parser.tags.values()), parser.tags
    return {key: values[0] for key, values in parser.tags.items()}


@pytest.fixture
def site(app, demo_event):
    """The demo at BASE_URL https://summit.example.org."""
    return make_app(database_url_of(app), INSTANCE_PATH=app.instance_path,
                    BASE_URL=SITE, TRUSTED_HOSTS=None)


def page_kinds(site) -> dict[str, tuple[str, str, str]]:
    """Each kind of page: (address, its title in Chinese, in English)."""
    with site.app_context():
        event = db.session.scalars(select(Event).where(Event.slug == SLUG)).one()
        forum = db.session.scalars(select(Forum).where(Forum.event_id == event.id)
                                   .order_by(Forum.id)).first()
        item = db.session.scalars(select(ProgrammeSession).where(
            ProgrammeSession.event_id == event.id, ProgrammeSession.title_en != "")
            .order_by(ProgrammeSession.id)).first()
        speaker = db.session.scalars(select(Speaker).where(Speaker.event_id == event.id)
                                     .order_by(Speaker.id)).first()
        names = (event.name_zh, event.name_en)
        return {
            "home": (f"/{SLUG}/", *names),
            "agenda": (f"/{SLUG}/agenda", f"会议日程 · {names[0]}", f"Agenda · {names[1]}"),
            "forum": (f"/{SLUG}/forums/{forum.slug}", f"{forum.name_zh} · {names[0]}",
                      f"{forum.name_en} · {names[1]}"),
            "session": (f"/{SLUG}/sessions/{item.id}", f"{item.title_zh} · {names[0]}",
                        f"{item.title_en} · {names[1]}"),
            "speaker": (f"/{SLUG}/speakers/{speaker.id}",
                        f"{speaker.name_zh or speaker.name_en} · {names[0]}",
                        f"{speaker.name_en or speaker.name_zh} · {names[1]}"),
        }


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_kind_has_a_card_in_its_language_under_base_url(site, lang):
    client = site.test_client()
    for kind, (path, title_zh, title_en) in page_kinds(site).items():
        response = client.get(f"{path}?lang={lang}", headers={"Host": "evil.example"})
        assert response.status_code == 200, kind
        html = response.get_data(as_text=True)
        tags = share_tags(html)
        assert tags["og:title"] == tags["twitter:title"] == (
            title_zh if lang == "zh" else title_en), kind
        assert tags["og:description"] and tags["og:description"] == tags["twitter:description"]
        assert ("2020年" in tags["og:description"]) == (lang == "zh"), kind
        assert tags["og:url"] == f"{SITE}{path}?lang={lang}"
        assert tags["og:image"] == tags["twitter:image"]
        assert tags["og:image"].startswith(f"{SITE}/{SLUG}/share.png?v=")
        assert (tags["og:locale"], tags["og:locale:alternate"]) == LOCALES[lang]
        assert tags["og:type"] == "website"
        assert tags["twitter:card"] == "summary_large_image"
        assert "evil.example" not in html


def test_hostile_titles_are_escaped_in_the_card(site):
    with site.app_context():
        item = db.session.scalars(select(ProgrammeSession).order_by(ProgrammeSession.id)).first()
        item.title_en = HOSTILE
        item.abstract_en = f"{HOSTILE} & more"
        event = item.event
        event.name_en = f"Summit \"{HOSTILE}\""
        db.session.commit()
        path, event_name = f"/{SLUG}/sessions/{item.id}?lang=en", event.name_en
    for path_of in (path, f"/{SLUG}/agenda?lang=en"):
        html = site.test_client().get(path_of).get_data(as_text=True)
        assert "<script>alert" not in html and "R&D" not in html
        assert '&#34;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; R&amp;D &lt;b&gt;' in html
        tags = share_tags(html)
        assert tags["og:site_name"] == event_name
    tags = share_tags(site.test_client().get(path).get_data(as_text=True))
    assert tags["og:title"] == f"{HOSTILE} · {event_name}"
    assert tags["og:description"].startswith(f"{HOSTILE} & more · ")


def test_the_event_picture_is_a_1200_by_630_png_drawn_once_per_programme_version(site):
    client = site.test_client()
    answer = client.get(f"/{SLUG}/share.png")
    assert answer.status_code == 200 and answer.mimetype == "image/png"
    picture = Image.open(io.BytesIO(answer.data))
    assert (picture.format, picture.size) == ("PNG", (1200, 630))
    # Not an empty canvas: the names and dates are drawn.
    assert len(picture.convert("L").getcolors(maxcolors=100_000)) > 20
    etag = answer.headers["ETag"]
    assert client.get(f"/{SLUG}/share.png", headers={"If-None-Match": etag}).status_code == 304
    with site.app_context():
        event = db.session.scalars(select(Event).where(Event.slug == SLUG)).one()
        event.name_zh = "改名后的大会"
        db.session.commit()
    again = client.get(f"/{SLUG}/share.png", headers={"If-None-Match": etag})
    assert again.status_code == 200 and again.headers["ETag"] != etag
    assert again.data != answer.data


def svg_codes(svg: bytes, tmp_path) -> list[zxingcpp.Barcode]:
    """The SVG printed on a page, then read as a phone would."""
    source = base64.b64encode(svg).decode()
    pdf = HTML(string=f'<img style="width:12cm" src="data:image/svg+xml;base64,{source}">'
               ).write_pdf()
    return decode_qr_codes(pdf, tmp_path)


def test_the_poster_qr_codes_read_as_the_registration_page_for_organizers_only(
    site, tmp_path
):
    make_accounts(site)
    register = f"{SITE}/{SLUG}/register"
    anonymous = site.test_client()
    for kind in ("svg", "png"):
        refused = anonymous.get(f"{ADMIN}/poster-qr.{kind}")
        assert refused.status_code == 302 and "/admin/login" in refused.location
    desk = site.test_client()
    sign_in_as(desk, Role.CHECKIN)
    assert desk.get(f"{ADMIN}/poster-qr.png").status_code == 403
    for role in (Role.ORGANIZER, Role.ADMIN):
        organizer = site.test_client()
        sign_in_as(organizer, role)
        settings = organizer.get(f"{ADMIN}/event?lang=en").get_data(as_text=True)
        assert f'href="{ADMIN}/poster-qr.svg"' in settings
        assert f'href="{ADMIN}/poster-qr.png"' in settings
        png = organizer.get(f"{ADMIN}/poster-qr.png")
        assert png.mimetype == "image/png" and "attachment" in png.headers["Content-Disposition"]
        assert [code.text for code in zxingcpp.read_barcodes(Image.open(io.BytesIO(png.data)))
                ] == [register]
        svg = organizer.get(f"{ADMIN}/poster-qr.svg")
        assert svg.mimetype == "image/svg+xml"
        assert [code.text for code in svg_codes(svg.data, tmp_path)] == [register]


def picture(size: tuple[int, int], colour: tuple[int, int, int], kind: str = "JPEG",
            **options) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, kind, **options)
    return out.getvalue()


def upload(client, data: bytes | None = None, page: str = f"{ADMIN}/event?lang=en", **fields):
    files = {"image": (io.BytesIO(data), "poster.jpg")} if data is not None else {}
    return client.post(f"{ADMIN}/event/share-image?lang=en", content_type="multipart/form-data",
                       data={"csrf_token": csrf_token(client, page), **files, **fields})


def test_an_organizer_uploads_the_events_own_picture_checked_cropped_and_removable(site):
    make_accounts(site)
    client = site.test_client()
    drawn = client.get(f"/{SLUG}/share.png")
    organizer = site.test_client()
    sign_in_as(organizer, Role.ORGANIZER)
    # A photo with GPS in its EXIF, four times as large: stored as 1200×630, EXIF gone.
    exif = Image.Exif()
    exif[0x8825] = {2: (31.0, 52.0, 0.0)}
    assert upload(organizer, picture((2400, 1600), (200, 30, 30), exif=exif)).status_code == 302
    shared = client.get(f"/{SLUG}/share.png", headers={"If-None-Match": drawn.headers["ETag"]})
    assert shared.status_code == 200 and shared.mimetype == "image/jpeg"
    stored = Image.open(io.BytesIO(shared.data))
    assert stored.size == (1200, 630) and not stored.getexif()
    red, green, _blue = stored.convert("RGB").getpixel((600, 315))
    assert red > 180 and green < 60
    tags = share_tags(client.get(f"/{SLUG}/agenda?lang=zh").get_data(as_text=True))
    assert tags["og:image:type"] == "image/jpeg"
    # Not a picture, or too large: said on the page, the stored one kept.
    for refused, message in ((b"<svg onload=alert(1)>", "This is not a PNG, JPEG or WebP image"),
                             (b"", "This is not a PNG, JPEG or WebP image"),
                             (picture((1100, 1100), (1, 2, 3), "PNG", compress_level=0),
                              "larger than 2 MB")):
        answer = upload(organizer, refused)
        assert answer.status_code == 422 and message in answer.get_data(as_text=True)
    assert client.get(f"/{SLUG}/share.png").data == shared.data
    # Removed: the drawn picture again.
    assert upload(organizer, remove="1").status_code == 302
    again = client.get(f"/{SLUG}/share.png")
    assert again.mimetype == "image/png" and Image.open(io.BytesIO(again.data)).size == (1200, 630)
    desk = site.test_client()
    sign_in_as(desk, Role.CHECKIN)
    assert upload(desk, picture((1200, 630), (0, 0, 0)),
                  page=f"{ADMIN}/checkin").status_code == 403


def test_next_years_edition_draws_its_own_picture_not_the_uploaded_one(site):
    make_accounts(site)
    organizer = site.test_client()
    sign_in_as(organizer, Role.ORGANIZER)
    assert upload(organizer, picture((1200, 630), (200, 30, 30))).status_code == 302
    with site.app_context():
        source = db.session.scalars(select(Event).where(Event.slug == SLUG)).one()
        clone_event(db.session, None, source, "embedded-china-2021", date(2021, 11, 24))
    with site.app_context():
        clone = db.session.scalars(select(Event).where(Event.slug == "embedded-china-2021")).one()
        assert share_image_of(clone) is None
        assert Image.open(io.BytesIO(share_card_png(clone))).size == (1200, 630)
