"""The load test with no lost writes (issue 9): synthetic data, gunicorn, locust, the check.

    .venv/bin/python -m tests.perf.load_run [--database URI] [--scale 0.1] [--reuse]
                                            [--users 50] [--time 3m] [--workers 4]

Builds the database with ``portal synth`` (1/10 of the federation by default; ``--reuse``
keeps what is there), starts gunicorn (4 sync workers) on 127.0.0.1 with a fresh upload
folder, picks accounts from the synthetic data (each partner user from a different
institution, with deliverables still open), runs locust headless (50 users: partners
drafting, uploading, adding links and submitting; reviewers deciding; forum users reading,
replying and opening topics; everyone browsing) and then ``load_check`` on what the client
recorded. Rate limits are raised for the run (every user logs in from 127.0.0.1). Exits 1
when the check fails or locust saw a 5xx.
"""

import argparse
import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.perf.bench_pages import PASSWORD, ROOT, build, serve
from tests.perf.load_check import check

LIMITS = {  # every locust user logs in from 127.0.0.1
    "PORTAL_RATELIMIT_LOGIN_PER_IP": "100000 per minute",
    "PORTAL_RATELIMIT_LOGIN_PER_ACCOUNT": "1000 per minute",
    "PORTAL_RATELIMIT_FORUM_POSTS": "1000 per minute",
    "PORTAL_RATELIMIT_UPLOADS": "10000 per hour",
}


def accounts(uri: str) -> dict:
    from portal import create_app
    from portal.auth.models import User
    from portal.deliverables.models import Deliverable
    from portal.extensions import db
    from portal.forum.models import Category

    app = create_app({"SQLALCHEMY_DATABASE_URI": uri, "SECRET_KEY": "load",
                      "PUBLIC_URL": "http://127.0.0.1"})
    with app.app_context():
        managers = db.session.execute(
            db.select(User.email, User.institution_id).where(User.role == "partner_manager")
            .order_by(User.id).limit(400)).all()
        partners, seen = [], set()
        for email, institution_id in managers:
            if institution_id in seen:  # one writer per institution: its drafts are its own
                continue
            seen.add(institution_id)
            ids = db.session.scalars(
                db.select(Deliverable.id).where(
                    Deliverable.institution_id == institution_id,
                    Deliverable.status.in_(("pending", "draft", "returned")))
                .order_by(Deliverable.due_on, Deliverable.id).limit(40)).all()
            if len(ids) >= 10:
                partners.append({"email": email, "deliverables": ids})
            if len(partners) == 60:
                break
        used = {p["email"] for p in partners}
        reviewers = db.session.scalars(db.select(User.email).where(
            User.role == "seges_reviewer").order_by(User.id).limit(20)).all()
        others = [e for e in db.session.scalars(db.select(User.email).where(
            User.role == "partner_member").order_by(User.id).limit(200)) if e not in used]
        category = db.session.scalar(db.select(Category.id).where(
            Category.seges_only.is_(False)).order_by(Category.position))
        db.engine.dispose()
    return {"partners": partners, "reviewers": [{"email": e} for e in reviewers],
            "forum": [{"email": e, "category": category} for e in others[:60]],
            "browsers": [{"email": e} for e in others[60:120]]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default="sqlite:////tmp/bench/load.sqlite3")
    parser.add_argument("--scale", default="0.1")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=int, default=10)
    parser.add_argument("--time", default="3m")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--folder", default="/tmp/bench/load")
    args = parser.parse_args()
    folder = Path(args.folder)
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "uploads").mkdir(parents=True)
    if not args.reuse:
        if args.database.startswith("sqlite:///"):
            for suffix in ("", "-wal", "-shm"):
                Path(args.database.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
        build(args.database, args.scale, args.seed)
    (folder / "accounts.json").write_text(json.dumps(accounts(args.database)))
    os.environ.update(LIMITS)
    server, port = serve(args.database, args.workers, folder / "uploads",
                         log=folder / "gunicorn.log")
    load = os.getloadavg()
    print(f"gunicorn ({args.workers} sync workers) on port {port}; load average "
          f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}", flush=True)
    started = time.time()
    try:
        env = {**os.environ, "LOAD_ACCOUNTS": str(folder / "accounts.json"),
               "LOAD_ACKS": str(folder / "acks.jsonl"), "LOAD_PASSWORD": PASSWORD}
        subprocess.run(
            [sys.executable, "-m", "locust", "-f", str(ROOT / "tests/perf/locustfile.py"),
             "--headless", "-u", str(args.users), "-r", str(args.spawn_rate), "-t", args.time,
             "--host", f"http://127.0.0.1:{port}", "--csv", str(folder / "locust"),
             "--only-summary", "--loglevel", "WARNING"], env=env, cwd=ROOT, check=False)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    load = os.getloadavg()
    print(f"ran {time.time() - started:.0f} s; load average after "
          f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    with open(folder / "locust_stats.csv") as stats:
        total = next(r for r in csv.DictReader(stats) if r["Name"] == "Aggregated")
    print(f"requests {total['Request Count']}, failures {total['Failure Count']}, "
          f"median {total['Median Response Time']} ms, p95 {total['95%']} ms, "
          f"{float(total['Requests/s']):.1f} req/s")
    with open(folder / "locust_failures.csv") as lines:
        failures = list(csv.DictReader(lines))
    for row in failures:
        print(f"  failure: {row['Method']} {row['Name']}: {row['Error']} × {row['Occurrences']}")
    kinds, problems = check(args.database, str(folder / "uploads"), str(folder / "acks.jsonl"))
    print("acknowledged writes:", dict(kinds))
    for problem in problems[:50]:
        print("PROBLEM:", problem)
    print("check:", "FAILED" if problems else "passed")
    sys.exit(1 if problems or failures else 0)


if __name__ == "__main__":
    main()
