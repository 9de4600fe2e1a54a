"""Issue 20, point 7: the first draft of a deliverable (the ``submissions (deliverable_id,
version)`` unique key) is created once however many requests race to create it. Eight people
upload a file to the same untouched deliverable at the same instant, each request in its own
thread, application context and database session (SQLite here, PostgreSQL with
PORTAL_TEST_DATABASE_URI): every upload succeeds or gets a clear 409, there is one draft, and
files on disk and evidence rows agree one to one."""

import hashlib
import threading
from pathlib import Path

from portal.deliverables.models import Deliverable, Evidence, Submission
from portal.extensions import db
from tests.factories import pdf, upload

RACERS = 8


def test_concurrent_first_uploads_make_one_draft_and_keep_every_file(app, users, painel,
                                                                      login):
    app.config["RATELIMIT_LOGIN_PER_IP"] = "1000 per minute"
    member = users["partner_member"]
    clients = []
    for _ in range(RACERS):
        client = app.test_client()
        response = client.post("/login", data={"email": member.email,
                                               "password": "senha-de-teste-longa"})
        assert response.status_code == 302
        clients.append(client)
    db.session.commit()
    start = threading.Barrier(RACERS)
    answers: dict[int, int | str] = {}

    def race(number: int, client) -> None:
        try:
            with app.app_context():
                start.wait(timeout=30)
                response = client.post(
                    f"/entregas/{painel.id}/evidencias",
                    data={"files": [upload(f"anexo-{number}.pdf", pdf(f"corredor {number}"))]})
                answers[number] = response.status_code
        except Exception as error:  # a 500 (TESTING propagates it) or a lock timeout
            answers[number] = repr(error)

    threads = [threading.Thread(target=race, args=(n, c)) for n, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(answers) == RACERS
    assert set(answers.values()) <= {302, 409}, answers
    accepted = sum(1 for status in answers.values() if status == 302)
    assert accepted >= 1

    db.session.expire_all()
    drafts = list(db.session.scalars(
        db.select(Submission).where(Submission.deliverable_id == painel.id)))
    assert [(s.version, s.status) for s in drafts] == [(1, "draft")]
    assert db.session.get(Deliverable, painel.id).status == "draft"
    evidence = list(db.session.scalars(db.select(Evidence)))
    assert len(evidence) == accepted
    assert {e.submission_id for e in evidence} == {drafts[0].id}
    root = Path(app.config["UPLOAD_FOLDER"])
    on_disk = {path.name: path for path in root.rglob("*")
               if path.is_file() and ".tmp" not in path.parts}
    assert set(on_disk) == {e.stored_name for e in evidence}
    for item in evidence:
        assert hashlib.sha256(on_disk[item.stored_name].read_bytes()).hexdigest() == item.sha256
