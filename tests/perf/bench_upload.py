"""Peak memory of a gunicorn worker while it receives a 200 MB evidence upload.

    .venv/bin/python -m tests.perf.bench_upload [--mb 200]

Starts gunicorn (1 sync worker) on 127.0.0.1 with a scratch SQLite database and upload
folder, logs in as a partner, streams a multipart upload from a generator (the client holds
one chunk at a time) and reads the worker's VmHWM (peak resident set) from /proc before and
after. Target (issue 4): growth < 50 MB.
"""

import argparse
import http.client
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "senha-de-benchmark-longa"


def _vm(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024
    raise KeyError(key)


class Session:
    def __init__(self, port: int):
        self.port, self.cookies = port, {}

    def request(self, method, path, body=None, headers=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie(header)
            self.cookies.update({k: m.value for k, m in cookie.items()})
        connection.close()
        return response.status, data.decode("utf-8", "replace")

    def token(self, path: str) -> str:
        _, page = self.request("GET", path)
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def _prepare(database: str, uploads: str) -> int:
    """Schema, SEGES + MG, the seed ACT and a member; returns the 1.2 deliverable id."""
    code = f"""
from datetime import date
from flask_migrate import upgrade
from portal import create_app
from portal.plans import services as plans
from portal.plans.importer import parse_plan, read_seed_plan
from portal.agreements.models import Goal
from portal.institutions.models import Institution
from portal.deliverables.models import Deliverable
from portal.auth.services import create_user
from portal.extensions import db
app = create_app({{"SQLALCHEMY_DATABASE_URI": "{database}", "UPLOAD_FOLDER": "{uploads}",
                  "PUBLIC_URL": "http://127.0.0.1"}})
with app.app_context(), app.test_request_context():
    upgrade()
    agreement, _ = plans.import_plan(parse_plan(read_seed_plan()), start=date(2025, 10, 1), years=5)
    create_user(email="membro@bench.test", name="Membro", role="partner_member",
                institution=agreement.partner, password="{PASSWORD}")
    print(db.session.scalar(db.select(Deliverable.id).join(Goal).where(
        Goal.code == "1.2", Deliverable.institution_id == agreement.partner_id)))
"""
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True,
                         capture_output=True, text=True)
    return int(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=200)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-upload-"))
    database, uploads = f"sqlite:///{folder / 'bench.sqlite3'}", str(folder / "uploads")
    deliverable = _prepare(database, uploads)
    port = 8700 + secrets.randbelow(200)
    env = {**os.environ, "PORTAL_SQLALCHEMY_DATABASE_URI": database,
           "PORTAL_UPLOAD_FOLDER": uploads, "PORTAL_MAX_UPLOAD_MB": str(args.mb + 10),
           "PORTAL_SESSION_COOKIE_SECURE": "false", "PORTAL_SECRET_KEY": "bench",
           "PORTAL_PUBLIC_URL": f"http://127.0.0.1:{port}"}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "1", "-b", f"127.0.0.1:{port}",
         "--timeout", "600", "portal:create_app()"], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        session = Session(port)
        for _ in range(100):
            try:
                session.request("GET", "/healthz")
                break
            except OSError:
                time.sleep(0.1)
        worker = int(subprocess.check_output(["pgrep", "-P", str(server.pid)]).split()[0])
        token = session.token("/login")
        body = f"csrf_token={token}&email=membro%40bench.test&password={PASSWORD}"
        session.request("POST", "/login", body, {"Content-Type":
                                                 "application/x-www-form-urlencoded"})
        token = session.token(f"/entregas/{deliverable}")
        before = _vm(worker, "VmHWM")

        boundary = secrets.token_hex(12)
        head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n"
                f"{token}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; "
                f"filename=\"grande.pdf\"\r\nContent-Type: application/pdf\r\n\r\n").encode()
        tail = f"\r\n--{boundary}--\r\n".encode()
        chunk = b"%PDF-1.4\n" + b"0" * (2**20 - 9)
        size = len(head) + args.mb * len(chunk) + len(tail)

        def body_stream():
            yield head
            for _ in range(args.mb):
                yield chunk
            yield tail

        started = time.perf_counter()
        status, _ = session.request("POST", f"/entregas/{deliverable}/evidencias", body_stream(),
                                    {"Content-Type": f"multipart/form-data; boundary={boundary}",
                                     "Content-Length": str(size)})
        elapsed = time.perf_counter() - started
        after = _vm(worker, "VmHWM")
        growth = (after - before) / 2**20
        print(f"upload of {args.mb} MB: HTTP {status} in {elapsed:.1f} s; worker peak RSS "
              f"{before / 2**20:.1f} MB → {after / 2**20:.1f} MB (growth {growth:.1f} MB; "
              f"target < 50 MB)")
        stored = sum(p.stat().st_size for p in Path(uploads).rglob("*") if p.is_file())
        print(f"stored on disk: {stored} bytes")
        if status != 302 or growth >= 50 or stored < args.mb * len(chunk):
            sys.exit(1)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
