"""Load test: partners drafting and submitting, reviewers deciding, forum users, browsing.

Run by ``tests/perf/load_run.py`` (``make load``), which prepares the accounts file and
checks the result; by hand:

    LOAD_ACCOUNTS=accounts.json LOAD_ACKS=acks.jsonl LOAD_PASSWORD=... \\
      .venv/bin/locust -f tests/perf/locustfile.py --headless -u 50 -r 10 -t 3m --host URL

Every write the server acknowledges (a redirect after the POST) is appended to ``LOAD_ACKS``
as one JSON line; ``tests/perf/load_check.py`` compares them with the database and the
files on disk afterwards. Any 5xx is a failure; so is a write answered with anything but the
expected redirect (except a reviewer's 409 — someone decided first — or 422 — SEGES's own
submission, which its author may not review).
"""

import hashlib
import itertools
import json
import os
import random
import re
import secrets
import threading
from pathlib import Path

from locust import HttpUser, between, events, task

ACCOUNTS = json.loads(Path(os.environ.get("LOAD_ACCOUNTS", "accounts.json")).read_text())
PASSWORD = os.environ.get("LOAD_PASSWORD", "senha-sintetica-longa")
_acks = open(os.environ.get("LOAD_ACKS", "acks.jsonl"), "a", encoding="utf-8")  # noqa: SIM115
_lock = threading.Lock()
_next = {kind: itertools.count() for kind in ("partners", "reviewers", "forum", "browsers")}
STATUS = {"5xx": 0, "responses": 0}

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
ANALYSIS = re.compile(r'href="/analise/(\d+)"')
SUBMISSION = re.compile(r'name="submission_id"[^>]*value="(\d+)"')
TOPIC = re.compile(r'href="/forum/topicos/(\d+)')


def ack(kind: str, **data) -> None:
    with _lock:
        _acks.write(json.dumps({"kind": kind, **data}) + "\n")
        _acks.flush()


@events.request.add_listener
def _count(response=None, **_kwargs) -> None:
    if response is not None and getattr(response, "status_code", 0):
        STATUS["responses"] += 1
        if response.status_code >= 500:
            STATUS["5xx"] += 1


@events.quitting.add_listener
def _summary(environment, **_kwargs) -> None:
    ack("summary", **STATUS)


class PortalUser(HttpUser):
    abstract = True
    wait_time = between(1, 3)
    pool = ""

    def on_start(self) -> None:
        accounts = ACCOUNTS[self.pool]
        self.account = accounts[next(_next[self.pool]) % len(accounts)]
        token = self.token("/login")
        with self.client.post("/login", data={"csrf_token": token, "email": self.account["email"],
                                              "password": PASSWORD},
                              allow_redirects=False, catch_response=True,
                              name="POST /login") as response:
            if response.status_code != 302:
                response.failure(f"login {self.account['email']}: {response.status_code}")

    def token(self, path: str, name: str | None = None) -> str:
        response = self.client.get(path, name=name or path)
        match = TOKEN.search(response.text)
        return match.group(1) if match else ""

    def post(self, path: str, name: str, expect=(302,), **kwargs):
        """POST without following the redirect; True when answered with ``expect``."""
        with self.client.post(path, allow_redirects=False, catch_response=True, name=name,
                              **kwargs) as response:
            if response.status_code in expect:
                response.success()
                return response
            response.failure(f"{response.status_code}")
            return None


class Partner(PortalUser):
    """Opens home and a deliverable, saves a draft, uploads a file, adds a link, submits."""

    weight = 4
    pool = "partners"

    def on_start(self) -> None:
        super().on_start()
        self.deliverables = [int(d) for d in self.account["deliverables"]]

    @task
    def work_on_a_deliverable(self) -> None:
        self.client.get("/", name="/")
        if not self.deliverables:
            return
        deliverable = self.deliverables.pop(0)
        url = f"/entregas/{deliverable}"
        token = self.token(url, "/entregas/[id]")
        report = f"Relato de carga {secrets.token_hex(8)}: ações do período."
        if not self.post(f"{url}/rascunho", "POST /entregas/[id]/rascunho",
                         data={"csrf_token": token, "report": report}):
            return
        ack("draft", deliverable=deliverable, report=report, user=self.account["email"])
        content = b"%PDF-1.4\n" + secrets.token_hex(random.randint(500, 60_000)).encode() + (
            b"\n%%EOF\n")
        name = f"evidencia-{secrets.token_hex(4)}.pdf"
        if self.post(f"{url}/evidencias", "POST /entregas/[id]/evidencias",
                     data={"csrf_token": token},
                     files={"files": (name, content, "application/pdf")}):
            ack("file", deliverable=deliverable, name=name, size=len(content),
                sha256=hashlib.sha256(content).hexdigest())
        link = f"https://www.exemplo.gov.br/carga/{secrets.token_hex(8)}"
        if self.post(f"{url}/links", "POST /entregas/[id]/links",
                     data={"csrf_token": token, "url": link, "title": "Publicação"}):
            ack("link", deliverable=deliverable, url=link)
        if random.random() < 0.8 and self.post(f"{url}/enviar", "POST /entregas/[id]/enviar",
                                               data={"csrf_token": token}):
            ack("submit", deliverable=deliverable, user=self.account["email"])

    @task
    def browse(self) -> None:
        self.client.get("/cursos", name="/cursos")
        self.client.get("/notificacoes", name="/notificacoes")


class Reviewer(PortalUser):
    """Opens the queue and a submission, approves or returns it."""

    weight = 1
    pool = "reviewers"

    @task
    def decide(self) -> None:
        queue = self.client.get(f"/analise?page={random.randint(1, 5)}", name="/analise").text
        found = ANALYSIS.findall(queue)
        if not found:
            return
        deliverable = int(random.choice(found))
        page = self.client.get(f"/analise/{deliverable}", name="/analise/[id]").text
        token, submission = TOKEN.search(page), SUBMISSION.search(page)
        if not token or not submission:
            return
        decision = "approved" if random.random() < 0.7 else "returned"
        data = {"csrf_token": token.group(1), "submission_id": submission.group(1),
                "decision": decision, "comment": "Análise do teste de carga."}
        if decision == "returned":
            data["reason_code"] = "insufficient_evidence"
        # 409: another reviewer decided first; 422: one's own submission (SEGES's own goals).
        response = self.post(f"/analise/{deliverable}/decisao", "POST /analise/[id]/decisao",
                             expect=(302, 409, 422), data=data)
        if response is not None and response.status_code == 302:
            ack("review", deliverable=deliverable, submission=int(submission.group(1)),
                decision=decision, user=self.account["email"])


class ForumUser(PortalUser):
    """Reads the index and a topic, replies; now and then opens a topic."""

    weight = 2
    pool = "forum"

    @task(4)
    def reply(self) -> None:
        index = self.client.get(f"/forum/?page={random.randint(1, 3)}", name="/forum/").text
        topics = TOPIC.findall(index)
        if not topics:
            return
        topic = int(random.choice(topics))
        token = self.token(f"/forum/topicos/{topic}", "/forum/topicos/[id]")
        body = f"Resposta de carga {secrets.token_hex(8)}: seguimos a orientação da SEGES."
        # 403: the topic is locked (synth locks 1 %).
        response = self.post(f"/forum/topicos/{topic}/responder",
                             "POST /forum/topicos/[id]/responder", expect=(302, 403),
                             data={"csrf_token": token, "body": body})
        if response is not None and response.status_code == 302:
            ack("post", topic=topic, body=body)

    @task(1)
    def new_topic(self) -> None:
        category = self.account["category"]
        token = self.token(f"/forum/categorias/{category}/novo-topico", "/forum/novo-topico")
        title = f"Dúvida de carga {secrets.token_hex(6)}"
        if self.post(f"/forum/categorias/{category}/novo-topico", "POST /forum/novo-topico",
                     data={"csrf_token": token, "title": title,
                           "body": "Como vocês registram as capacitações da meta 2.2?"}):
            ack("topic", category=category, title=title)

    @task(2)
    def search(self) -> None:
        self.client.get("/forum/busca?q=" + random.choice(["transferegov", "capacitação",
                                                           "relatório", "chamamento"]),
                        name="/forum/busca")


class Browser(PortalUser):
    """Everyone browsing: home, the course schedule, the forum, notifications."""

    weight = 2
    pool = "browsers"

    @task
    def browse(self) -> None:
        for path in ("/", "/cursos", "/forum/", "/notificacoes", "/conta"):
            self.client.get(path, name=path)
