"""Session files kept in an S3-compatible bucket (MATERIALS_S3_BUCKET): a real S3 server
on 127.0.0.1 (moto's server mode), reached by boto3 over HTTP as any bucket would be."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import boto3
import pytest
from moto.server import ThreadedMotoServer
from sqlalchemy import select

from summit.extensions import db
from summit.models import SessionMaterial
from summit.programme import materials
from summit.programme.material_store import S3_CLIENT

from .helpers.materials import download_links, keynote_id, materials_page, stored, upload
from .helpers.pages import DEMO, csrf_token
from .helpers.pdfs import plain_pdf
from .servers import free_port


@dataclass
class Bucket:
    client: object
    name: str

    def keys(self) -> list[str]:
        listed = self.client.list_objects_v2(Bucket=self.name)
        return [item["Key"] for item in listed.get("Contents", [])]

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()


@pytest.fixture
def bucket(app, monkeypatch) -> Iterator:
    with bucket_on(app, monkeypatch) as client:
        yield client


@contextmanager
def bucket_on(app, monkeypatch) -> Iterator:
    """An S3 server on 127.0.0.1 with an empty bucket, and the app keeping files in it."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    for name, value in (("AWS_ACCESS_KEY_ID", "summit-test"),
                        ("AWS_SECRET_ACCESS_KEY", "summit-test-secret"),
                        ("AWS_DEFAULT_REGION", "us-east-1")):
        monkeypatch.setenv(name, value)
    client = boto3.client("s3", endpoint_url=endpoint)
    # moto keeps its buckets in this process for as long as it lives: a new one each time.
    name = f"summit-materials-{secrets.token_hex(4)}"
    client.create_bucket(Bucket=name)
    monkeypatch.setitem(app.config, "MATERIALS_S3_BUCKET", name)
    monkeypatch.setitem(app.config, "MATERIALS_S3_ENDPOINT_URL", endpoint)
    app.extensions.pop(S3_CLIENT, None)
    try:
        yield Bucket(client, name)
    finally:
        app.extensions.pop(S3_CLIENT, None)
        server.stop()


def where_kept(app) -> tuple[bytes | None, str]:
    """The one material's bytes in the database and its key in the bucket."""
    with app.app_context():
        content, key = db.session.execute(
            select(SessionMaterial.content, SessionMaterial.storage_key)).one()
        db.session.remove()
    return content, key


def test_slides_go_to_the_bucket_and_download_from_it(app, organizer, bucket):
    session_id = keynote_id(app)
    slides = plain_pdf()
    answer = upload(organizer, session_id, slides, "未来网络.pdf", title="未来网络")
    assert answer.status_code == 302
    content, key = where_kept(app)
    assert content is None and key
    assert bucket.keys() == [key]
    assert bucket.read(key) == slides
    [link] = download_links(organizer.get(f"{DEMO}/sessions/{session_id}").get_data(as_text=True))
    download = organizer.get(link)
    assert download.status_code == 200 and download.get_data() == slides


def test_removed_slides_leave_the_bucket_once_the_removal_commits(app, organizer, bucket):
    session_id = keynote_id(app)
    upload(organizer, session_id, plain_pdf(), "a.pdf", title="Old deck")
    [material] = stored(app)
    key = where_kept(app)[1]
    page = materials_page(session_id)
    # A removal that rolls back keeps the file its row still points to.
    with app.app_context():
        kept = db.session.get(SessionMaterial, material.id)
        materials.store_of(kept).remove(kept)
        db.session.rollback()
        db.session.remove()
    assert bucket.keys() == [key]
    response = organizer.post(f"{page}/{material.id}/delete",
                              data={"csrf_token": csrf_token(organizer, page)})
    assert response.status_code == 302
    assert bucket.keys() == []
    with app.app_context():
        assert db.session.scalars(select(SessionMaterial)).all() == []


def test_files_the_database_held_before_the_bucket_was_set_still_download(
        app, organizer, monkeypatch):
    session_id = keynote_id(app)
    slides = plain_pdf()
    upload(organizer, session_id, slides, "before.pdf", title="Before")
    assert where_kept(app) == (slides, "")
    # The site turns the bucket on: old files stay where they are and still serve.
    with bucket_on(app, monkeypatch):
        [link] = download_links(
            organizer.get(f"{DEMO}/sessions/{session_id}").get_data(as_text=True))
        assert organizer.get(link).get_data() == slides
