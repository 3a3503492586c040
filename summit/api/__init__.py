"""The REST API under /api/v1/ (``views``), its tokens (``tokens``, ``access``) and its
errors as problem details (``problems``).

The OpenAPI document is built from the code by flask-smorest (marshmallow schemas,
webargs parsing) and served at /api/v1/openapi.json; /api/v1/docs shows it as a page
rendered on the server, with no script, so the site's Content-Security-Policy holds."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from .. import webhooks
from ..errors import answer_errors_under
from .problems import MEDIA_TYPE, answer_http_error
from .schemas import Problem, RegistrationOut, SessionOut

PREFIX = "/api/"


class ProblemApi(Api):
    """flask-smorest, its errors left to ``summit.errors`` (problem details under /api/,
    the site's pages elsewhere) and documented as ``application/problem+json``."""

    ERROR_SCHEMA = Problem

    def _register_error_handlers(self) -> None:
        # flask-smorest would answer every error of the whole site in its own JSON.
        pass

    def _register_responses(self) -> None:
        super()._register_responses()
        for name, response in self.spec.components.responses.items():
            if "content" in response:
                response["content"] = {MEDIA_TYPE: response["content"].popitem()[1]}
                self.spec.components.responses[name] = response


def init_app(app: Flask) -> None:
    from . import views

    app.config.setdefault("API_TITLE", "Summit")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api/v1")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    api = ProblemApi(app, spec_kwargs={"info": {"description": (
        "Public reading of events, forums, sessions and speakers; with a token "
        "(`Authorization: Bearer summit_…`, made by a site administrator at "
        "/admin/<event>/api-tokens), registrations, questions, check-in and the status "
        "of group mails. Errors are RFC 9457 problem details (application/problem+json).")}})
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    api.register_blueprint(views.blp)
    app.add_url_rule("/api/v1/docs", "api_docs", lambda: views.docs_page(api.spec.to_dict()))
    answer_errors_under(PREFIX, answer_http_error)
    webhooks.show_with(app, webhooks.Shown(registration=RegistrationOut().dump,
                                           session=SessionOut().dump))

