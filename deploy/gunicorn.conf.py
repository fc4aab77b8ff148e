"""gunicorn settings for the tracker: ``gunicorn -c deploy/gunicorn.conf.py``.

Run the scheduler as its own process (deploy/tracker-scheduler.service) and keep
TRACKER_SCHEDULER=false for the web workers. Every value can be overridden on the command line.
"""

import multiprocessing
import os

wsgi_app = "tracker.wsgi:app"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 2))
# A request's longest legitimate work is a report import (TRACKER_IMPORT_TIMEOUT_SECONDS, 20 s by
# default, run in a child process) or a large Word export: 60 s leaves room, and a worker stuck
# past it is replaced instead of holding its slot.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))
graceful_timeout = 30
keepalive = 5
max_requests = 2000  # recycle workers now and then
max_requests_jitter = 200
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")

# Logs to stderr (journald keeps them); the request line never holds a calendar feed's token whole.
_json = os.environ.get("TRACKER_LOG_FORMAT", "plain").strip().lower() == "json"
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_feed_tokens": {"()": "tracker.logs.RedactFeedTokens"}},
    "formatters": {
        "line": {"()": "tracker.logs.JSONFormatter"}
        if _json
        else {"format": "%(asctime)s %(levelname)s [%(name)s] %(message)s"}
    },
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": "line",
            "filters": ["redact_feed_tokens"],
            "stream": "ext://sys.stderr",
        }
    },
    "loggers": {
        "gunicorn.error": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
    },
    "root": {"handlers": ["stderr"], "level": "INFO"},
}
accesslog = "-"
errorlog = "-"
