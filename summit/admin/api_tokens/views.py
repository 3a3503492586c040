"""/admin/<event>/api-tokens: the event's API tokens, for site administrators only. A new
token's secret is shown once, on the page its creation redirects to (``shown_once``);
afterwards only its name, scopes, maker and last use."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ...api import tokens
from ...auth.access import acting_user, role_required
from ...events.current import require_event
from ...extensions import db
from ...models import ApiScope
from .. import bp, shown_once
from ..addresses import EVENT
from ..navigation import add_entry
from .forms import SCOPE_LABELS, RevokeForm, TokenForm

# No role but the site's administrators (the issue: tokens are theirs to give).
ADMINISTRATORS: tuple = ()
add_entry("admin.api_tokens", _l("API tokens"), roles=ADMINISTRATORS, order=72,
          within="admin.webhooks_page")


SHOWN_ONCE = "api-token"


def _page(event, form: TokenForm, secret: str | None = None, status: int = 200):
    return render_template(
        "admin/api_tokens.html", event=event, form=form, revoke_form=RevokeForm(),
        tokens=tokens.event_tokens(db.session, event.id), secret=secret,
        scope_labels=SCOPE_LABELS), status


@bp.route(f"{EVENT}/api-tokens", methods=["GET", "POST"])
@role_required(*ADMINISTRATORS)
def api_tokens():
    event = require_event()
    form = TokenForm()
    if not form.is_submitted():
        return _page(event, form, secret=shown_once.take(SHOWN_ONCE, event.id))
    if not form.validate():
        return _page(event, form, status=422)
    token, secret = tokens.create_token(db.session, acting_user(), event.id, form.name.data,
                                        [ApiScope(value) for value in form.scopes.data])
    flash(_("Token “%(name)s” created. Copy it now: it is shown only this once.",
            name=token.name), "success")
    shown_once.keep_for_next_page(SHOWN_ONCE, event.id, secret)
    return redirect(url_for(".api_tokens"), 303)


@bp.post(f"{EVENT}/api-tokens/<int:token_id>/revoke")
@role_required(*ADMINISTRATORS)
def api_token_revoke(token_id: int):
    event = require_event()
    if not RevokeForm().validate_on_submit():
        abort(400)
    token = tokens.revoke_token(db.session, acting_user(), event.id, token_id)
    if token is None:
        abort(404)
    flash(_("Token “%(name)s” revoked: it opens nothing any more.", name=token.name), "success")
    return redirect(url_for(".api_tokens"))
