"""The OpenAPI document is valid OpenAPI, and every documented operation answers as it
says when schemathesis sends it generated requests (a few examples each, bounded)."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from summit.models import ApiScope

from .helpers.api import API, make_mailing, make_token


def test_the_document_is_valid_openapi(client, demo_event):
    document = client.get(f"{API}/openapi.json").get_json()
    validate(document)
    paths = set(document["paths"])
    assert {"/api/v1/events", "/api/v1/{event_slug}/sessions",
            "/api/v1/{event_slug}/registrations", "/api/v1/{event_slug}/check-ins",
            "/api/v1/{event_slug}/mailings", "/api/v1/{event_slug}/mailings/{mailing_id}"
            } <= paths
    mailing = document["paths"]["/api/v1/{event_slug}/mailings/{mailing_id}"]["get"]
    assert mailing["security"] == [{"bearer": []}]
    assert "application/problem+json" in mailing["responses"]["404"]["content"]


def test_a_nul_character_is_a_documented_problem_of_every_operation(client, demo_event):
    """The site refuses %00 in any address before routing it: every operation says so."""
    document = client.get(f"{API}/openapi.json").get_json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            assert "application/problem+json" in operation["responses"]["400"]["content"], (
                method, path)
    refused = client.get(f"{API}/embedded-china-2020/sessions?forum=%00")
    assert refused.status_code == 400 and refused.mimetype == "application/problem+json"


def test_the_docs_page_lists_every_operation(client):
    page = client.get(f"{API}/docs?lang=en").get_data(as_text=True)
    document = client.get(f"{API}/openapi.json").get_json()
    for path in document["paths"]:
        assert path in page
    assert "<script>" not in page and "problem-overlapping-forums" in page


@pytest.mark.slow
def test_every_operation_answers_as_documented(app, demo_event):
    secret = make_token(app, demo_event, *ApiScope)
    mailing = make_mailing(app, demo_event, "通知", send=True)
    document = schemathesis.openapi.from_wsgi(f"{API}/openapi.json", app)
    operations = [result.ok() for result in document.get_all_operations()]
    assert len(operations) >= 14
    assert {(operation.method, operation.path) for operation in operations} >= {
        ("get", "/api/v1/{event_slug}/mailings"),
        ("get", "/api/v1/{event_slug}/mailings/{mailing_id}")}
    for operation in operations:

        @given(operation.as_strategy())
        @settings(max_examples=5, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def answers_as_documented(case):
            if "event_slug" in (case.path_parameters or {}):
                # Mostly the demo's event, which has something to answer with.
                case.path_parameters["event_slug"] = "embedded-china-2020"
            if "mailing_id" in (case.path_parameters or {}):
                case.path_parameters["mailing_id"] = mailing
            case.call_and_validate(
                headers={"Authorization": f"Bearer {secret}"},
                checks=(not_a_server_error, status_code_conformance,
                        content_type_conformance, response_schema_conformance))

        answers_as_documented()
