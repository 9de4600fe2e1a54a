"""After the load test: every acknowledged write is in the database (once) and on disk.

    .venv/bin/python -m tests.perf.load_check --database URI --uploads DIR --acks acks.jsonl

Reads the JSON lines the locust client wrote (``tests/perf/locustfile.py``) and checks:
- draft: exactly one version of the deliverable holds the acknowledged report text;
- file: exactly one evidence row of the deliverable with that SHA-256, name and size, and the
  stored file on disk hashes to it;
- link: exactly one evidence row of the deliverable with that URL;
- submit: the version holding the last acknowledged report was submitted, by that user;
- review: the review of that version exists, with that decision and reviewer;
- post / topic: exactly one post with that body in the topic (and in the search index) /
  exactly one topic with that title;
- summary: no 5xx answered during the run.
Exits 1 and lists the problems when anything is missing or duplicated.
"""

import argparse
import hashlib
import json
import sys
from collections import Counter
from pathlib import Path


def check(database: str, uploads: str, acks_path: str) -> tuple[Counter, list[str]]:
    from sqlalchemy import func, text

    from portal import create_app
    from portal.auth.models import User
    from portal.core.storage import LocalStorage
    from portal.deliverables.models import Evidence, Review, Submission
    from portal.extensions import db
    from portal.forum.models import Post, Topic

    acks = [json.loads(line) for line in Path(acks_path).read_text().splitlines() if line]
    kinds, problems = Counter(a["kind"] for a in acks), []
    app = create_app({"SQLALCHEMY_DATABASE_URI": database, "SECRET_KEY": "check",
                      "UPLOAD_FOLDER": uploads, "PUBLIC_URL": "http://127.0.0.1"})
    store = LocalStorage(uploads)
    with app.app_context():
        emails = {email: user_id
                  for user_id, email in db.session.execute(db.select(User.id, User.email))}

        def versions(deliverable_id):
            return db.select(Submission.id).where(Submission.deliverable_id == deliverable_id)

        last_report = {}
        for item in acks:
            kind = item["kind"]
            if kind == "draft":
                rows = db.session.scalars(db.select(Submission).where(
                    Submission.deliverable_id == item["deliverable"],
                    Submission.report == item["report"])).all()
                if len(rows) != 1:
                    problems.append(f"draft of deliverable {item['deliverable']}: {len(rows)} "
                                    "versions with the acknowledged text")
                last_report[item["deliverable"]] = item
            elif kind == "file":
                rows = db.session.scalars(db.select(Evidence).where(
                    Evidence.submission_id.in_(versions(item["deliverable"])),
                    Evidence.sha256 == item["sha256"])).all()
                if len(rows) != 1:
                    problems.append(f"file {item['name']} of deliverable {item['deliverable']}: "
                                    f"{len(rows)} rows")
                    continue
                row = rows[0]
                if (row.original_name, row.size) != (item["name"], item["size"]):
                    problems.append(f"file {item['name']}: stored as {row.original_name}, "
                                    f"{row.size} bytes")
                path = store.path(row.stored_name)
                if not path.is_file():
                    problems.append(f"file {item['name']}: missing on disk ({row.stored_name})")
                elif hashlib.sha256(path.read_bytes()).hexdigest() != item["sha256"]:
                    problems.append(f"file {item['name']}: SHA-256 on disk differs")
            elif kind == "link":
                count = db.session.scalar(db.select(func.count(Evidence.id)).where(
                    Evidence.submission_id.in_(versions(item["deliverable"])),
                    Evidence.url == item["url"]))
                if count != 1:
                    problems.append(f"link {item['url']}: {count} rows")
            elif kind == "submit":
                draft = last_report.get(item["deliverable"])
                version = draft and db.session.scalar(db.select(Submission).where(
                    Submission.deliverable_id == item["deliverable"],
                    Submission.report == draft["report"]))
                if version is None or version.submitted_at is None or (
                        version.submitted_by_id != emails.get(item["user"])):
                    problems.append(f"submit of deliverable {item['deliverable']} not recorded")
            elif kind == "review":
                review = db.session.scalar(db.select(Review).where(
                    Review.submission_id == item["submission"]))
                if review is None or review.decision != item["decision"] or (
                        review.reviewer_id != emails.get(item["user"])):
                    problems.append(f"review of submission {item['submission']} not recorded")
            elif kind == "post":
                ids = db.session.scalars(db.select(Post.id).where(
                    Post.topic_id == item["topic"], Post.body == item["body"])).all()
                if len(ids) != 1:
                    problems.append(f"post in topic {item['topic']}: {len(ids)} rows")
                elif db.session.scalar(text("SELECT count(*) FROM forum_search WHERE post_id = "
                                            ":id"), {"id": ids[0]}) != 1:
                    problems.append(f"post {ids[0]}: not in the search index")
            elif kind == "topic":
                count = db.session.scalar(db.select(func.count(Topic.id)).where(
                    Topic.title == item["title"], Topic.category_id == item["category"]))
                if count != 1:
                    problems.append(f"topic {item['title']!r}: {count} rows")
            elif kind == "summary" and item["5xx"]:
                problems.append(f"{item['5xx']} responses with status 5xx")
        db.engine.dispose()
    if "summary" not in kinds:
        problems.append("no summary line: did locust stop cleanly?")
    return kinds, problems


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", required=True)
    parser.add_argument("--uploads", required=True)
    parser.add_argument("--acks", required=True)
    args = parser.parse_args()
    kinds, problems = check(args.database, args.uploads, args.acks)
    print("acknowledged writes:", dict(kinds))
    for problem in problems[:50]:
        print("PROBLEM:", problem)
    print("check:", "FAILED" if problems else "passed")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
