"""The one entry point: `flask --app app …` and `gunicorn app:app`."""

from summit import create_app

app = create_app()
