"""Start the tracker on the embedded default: upgrade the database, load the demo data into an
empty one, and serve.

    python run.py [--host 127.0.0.1] [--port 5000]

Settings come from TRACKER_* environment variables (see README.md). In production run the app
under gunicorn instead, after ``flask --app tracker db upgrade``.
"""

from __future__ import annotations

import argparse

from flask_migrate import upgrade

from tracker import create_app
from tracker.clock import local_today, utcnow
from tracker.demo import database_is_empty, load_demo, refuse_demo_accounts_in_production
from tracker.extensions import db


def main() -> None:
    app = create_app()
    parser = argparse.ArgumentParser(description="整改督办台账：运行演示/单机版")
    parser.add_argument("--host", default=app.config["HOST"], help="listen address (TRACKER_HOST)")
    parser.add_argument("--port", type=int, default=app.config["PORT"], help="listen port (TRACKER_PORT)")
    args = parser.parse_args()

    with app.app_context():
        upgrade()
        refuse_demo_accounts_in_production()
        if app.config["DEMO_DATA"] and app.config["ENV"] != "production" and database_is_empty():
            summary = load_demo(today=local_today(), now=utcnow())
            db.session.commit()
            print(summary.describe(), flush=True)
    if app.config["SCHEDULER"]:
        from tracker.scheduler import build_scheduler

        scheduler, lock = build_scheduler(app)
        scheduler.start()
        print("提醒调度器已在本进程内启动。", flush=True)
    print(f"整改督办台账 running on http://{args.host}:{args.port}/", flush=True)
    # No reloader: it would start a second process (and later a second scheduler).
    app.run(host=args.host, port=args.port, debug=False, use_reloader=False)


if __name__ == "__main__":
    main()
