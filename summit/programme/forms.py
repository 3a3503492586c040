"""The forms of a session's materials, the same for an organizer in the programme editor
and a speaker on their own page: what is sent is judged by ``materials``, not here."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectField, StringField, URLField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

from ..forms import clean_text, printable
from ..labels import MATERIAL_KINDS
from ..models import MaterialKind


class SlidesForm(FlaskForm):
    """A session's slides: the file is judged by its content in the service."""

    title = StringField(_l("Title (as it appears on the session page)"),
                        filters=[clean_text], validators=[Length(max=200), printable])
    file = FileField(_l("Slides (PDF)"), validators=[InputRequired(_l("Choose a PDF file."))])


class MaterialLinkForm(FlaskForm):
    kind = SelectField(_l("What it is"), choices=[
        SelectChoice(kind.value, label) for kind, label in MATERIAL_KINDS.items()
        if kind is not MaterialKind.SLIDES])
    title = StringField(_l("Title (as it appears on the session page)"),
                        filters=[clean_text], validators=[Length(max=200), printable])
    url = URLField(_l("Address (https://…)"), filters=[clean_text],
                   validators=[InputRequired(), Length(max=2000)])

