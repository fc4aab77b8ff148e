"""The application for a WSGI server (``gunicorn tracker.wsgi:app``): built from the
``TRACKER_*`` environment, and refused in production while demo accounts are active."""

from tracker import create_app
from tracker.demo import refuse_demo_accounts_in_production

app = create_app()
with app.app_context():
    refuse_demo_accounts_in_production()
