"""Organizers' login and logout."""

from __future__ import annotations

import math
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from ..extensions import db
from ..models import utcnow
from . import service
from .forms import LoginForm

bp = Blueprint("auth", __name__, url_prefix="/admin")


def local_path(target: str | None) -> str | None:
    """``target`` when it is a path on this site, else None: after signing in we
    never send anyone to another site (``//evil.example``, ``/\\evil.example``,
    ``https://…``)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(char) < 32 or ord(char) == 127 for char in target):
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


def _login_page(form: LoginForm, status: int, **extra):
    page = render_template("auth/login.html", form=form, **extra)
    return current_app.make_response((page, status))


@bp.route("/login", methods=["GET", "POST"])
def login():
    target = local_path(request.args.get("next")) or url_for("admin.index")
    if current_user.is_authenticated:
        return redirect(target)
    form = LoginForm()
    if not form.validate_on_submit():
        return _login_page(form, 422 if form.is_submitted() else 200)
    try:
        user = service.authenticate(
            db.session, form.email.data, form.password.data, request.remote_addr or "unknown"
        )
    except service.SignInRefused as refused:
        minutes = max(1, math.ceil((refused.retry_at - utcnow()).total_seconds() / 60))
        response = _login_page(form, 429, refused_minutes=minutes)
        response.headers["Retry-After"] = str(minutes * 60)
        return response
    if user is None:
        return _login_page(form, 422, wrong=True)
    # A fresh session: nothing from before signing in survives into it.
    session.clear()
    login_user(user, remember=form.remember.data)
    return redirect(target)


@bp.post("/logout")
def logout():
    # Cleared first: logout_user() then leaves the note that deletes a remember-me cookie.
    session.clear()
    logout_user()
    flash(_("You have signed out."), "success")
    return redirect(url_for(".login"))
