"""Where the bytes of a session's files live, behind one small interface, so that every
app server reads the same files: the database (the default, and all a site of a few
hundred slide decks needs), or an S3-compatible bucket (``MATERIALS_S3_BUCKET``), which
keeps its own key per file. A file is read from where it was put, so a site that turns the
bucket on keeps serving the files its database already holds."""

from __future__ import annotations

import secrets
from typing import Any, Protocol

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session, object_session

from ..models import SessionMaterial

# Where an app keeps its S3 client (made once: boto3's clients are thread-safe and slow
# to make).
S3_CLIENT = "summit.materials.s3"


class MaterialStore(Protocol):
    def put(self, material: SessionMaterial, data: bytes) -> None:
        """Keep ``data`` as ``material``'s file, in the caller's transaction where the
        store has one (set ``content`` or ``storage_key`` on it)."""

    def read(self, material: SessionMaterial) -> bytes:
        """The file's bytes."""

    def remove(self, material: SessionMaterial) -> None:
        """Forget the file; called before its row is deleted."""


class DatabaseStore:
    """Files in the material's own row (a deferred column: lists never load them), so
    they commit, roll back, back up and restore with it."""

    def put(self, material: SessionMaterial, data: bytes) -> None:
        material.content = data
        material.storage_key = ""

    def read(self, material: SessionMaterial) -> bytes:
        return material.content or b""

    def remove(self, material: SessionMaterial) -> None:
        material.content = None


class S3Store:
    """Files as objects of an S3-compatible bucket under random keys, the key in the row.
    An object is put before its row commits (a rolled-back upload leaves an object
    nobody refers to, never a row without its file) and deleted only once the row's
    deletion has committed."""

    def __init__(self, client: Any, bucket: str):
        self.client, self.bucket = client, bucket

    def put(self, material: SessionMaterial, data: bytes) -> None:
        key = f"materials/{secrets.token_hex(16)}"
        self.client.put_object(Bucket=self.bucket, Key=key, Body=data,
                               ContentType="application/pdf")
        material.storage_key = key
        material.content = None

    def read(self, material: SessionMaterial) -> bytes:
        return self.client.get_object(Bucket=self.bucket, Key=material.storage_key)[
            "Body"].read()

    def remove(self, material: SessionMaterial) -> None:
        session = object_session(material)
        if session is None:
            self.client.delete_object(Bucket=self.bucket, Key=material.storage_key)
        else:
            session.info.setdefault(DELETE_AFTER_COMMIT, []).append(
                (self.client, self.bucket, material.storage_key))


# Objects whose rows a session deletes: gone from the bucket once that commits, kept if
# it rolls back.
DELETE_AFTER_COMMIT = "summit_s3_objects_to_delete"


@event.listens_for(Session, "after_commit")
def _delete_objects(session: Session) -> None:
    for client, bucket, key in session.info.pop(DELETE_AFTER_COMMIT, []):
        client.delete_object(Bucket=bucket, Key=key)


@event.listens_for(Session, "after_rollback")
def _keep_objects(session: Session) -> None:
    session.info.pop(DELETE_AFTER_COMMIT, None)


def configured_store() -> MaterialStore:
    """The store where this site puts new files."""
    bucket = current_app.config["MATERIALS_S3_BUCKET"]
    return S3Store(_s3_client(), bucket) if bucket else DatabaseStore()


def store_of(material: SessionMaterial) -> MaterialStore:
    """The store that holds ``material``'s file."""
    if material.storage_key:
        return S3Store(_s3_client(), current_app.config["MATERIALS_S3_BUCKET"])
    return DatabaseStore()


def _s3_client() -> Any:
    client = current_app.extensions.get(S3_CLIENT)
    if client is None:
        import boto3  # only for sites that keep files in a bucket

        client = boto3.client("s3", endpoint_url=current_app.config["MATERIALS_S3_ENDPOINT_URL"])
        current_app.extensions[S3_CLIENT] = client
    return client
