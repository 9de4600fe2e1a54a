"""Latency and throughput of the key pages against gunicorn, with the synthetic federation.

    .venv/bin/python -m tests.perf.bench_pages [--database URI] [--scale 1|0.1] [--reuse]
                                               [--duration 10] [--workers 2]

Builds the database with ``portal synth`` (or reuses it with ``--reuse``), starts gunicorn
(2 sync workers) on 127.0.0.1, logs in as the role each page is for, and measures each page
with wrk: 1 connection for the latency percentiles (p50/p95/p99 from a Lua ``done()``) and
8 connections for requests/s; in the same run ``/healthz`` (one ``SELECT 1``, no session,
no template) gives the stack's limit on this machine. Prints a Markdown table; the results
are written down in docs/benchmarks.md. Targets (issue 19), each page's own: throughput with
8 clients ≥ 20 % (or 10 %, or 50 % for the bell's poll) of the trivial route's; the annual
report p95 ≤ 50 ms for a closed year, ≤ 150 ms for the open one (1 client); every other
page p95 ≤ 150 ms.
"""

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.perf.bench_plans import _create_database_if_missing
from tests.perf.bench_upload import Session

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "senha-sintetica-longa"
SIZES = {  # --scale → portal synth arguments
    "1": {"institutions": 6000, "users": 30_000, "years": 5, "topics": 50_000, "posts": 500_000},
    "0.1": {"institutions": 600, "users": 3000, "years": 5, "topics": 5000, "posts": 50_000},
    "0.01": {"institutions": 60, "users": 300, "years": 5, "topics": 500, "posts": 5000},
}
LUA = """
done = function(summary, latency, requests)
  local non2xx = summary.errors.status
  io.write(string.format("JSON {\\"p50\\": %d, \\"p95\\": %d, \\"p99\\": %d, \\"requests\\": %d, "
    .. "\\"duration\\": %d, \\"non2xx\\": %d, \\"errors\\": %d}\\n",
    latency:percentile(50), latency:percentile(95), latency:percentile(99), summary.requests,
    summary.duration, non2xx, summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout))
end
"""


def build(uri: str, scale: str, seed: int) -> None:
    from flask_migrate import upgrade

    from portal import create_app
    from portal.dev.synth import Sizes, synthesize
    from portal.extensions import db

    _create_database_if_missing(uri)
    app = create_app({"SQLALCHEMY_DATABASE_URI": uri, "SECRET_KEY": "bench",
                      "PUBLIC_URL": "http://127.0.0.1"})
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        upgrade()
        started = time.perf_counter()
        counts = synthesize(Sizes(**SIZES[scale]), seed=seed, password=PASSWORD)
        print(f"synth ({db.engine.dialect.name}, scale {scale}): "
              f"{time.perf_counter() - started:.0f} s; {json.dumps(counts)}", flush=True)
        db.engine.dispose()


def pages(uri: str) -> list[tuple[str, str, str]]:
    """(label, url, login e-mail) of each key page, found in the synthetic data."""
    from portal import create_app
    from portal.auth.models import User
    from portal.deliverables.models import Deliverable, Submission
    from portal.extensions import db
    from portal.forum.models import Topic

    app = create_app({"SQLALCHEMY_DATABASE_URI": uri, "SECRET_KEY": "bench",
                      "PUBLIC_URL": "http://127.0.0.1"})
    with app.app_context():
        partner = "gestor@mg.exemplo.gov.br"
        mg = db.session.scalar(db.select(User.institution_id).where(User.email == partner))
        versions = db.func.count(Submission.id)
        deliverable = db.session.scalar(
            db.select(Deliverable.id).join(Submission).where(Deliverable.institution_id == mg)
            .group_by(Deliverable.id).order_by(versions.desc(), Deliverable.id).limit(1))
        topic = db.session.scalar(  # the 200-post topic synth makes, or the longest
            db.select(Topic.id).order_by((Topic.post_count == 200).desc(),
                                         Topic.post_count.desc()).limit(1))
        posts = db.session.scalar(db.select(Topic.post_count).where(Topic.id == topic))
        rules = {r.rule for r in app.url_map.iter_rules()}
        db.engine.dispose()
    reviewer = "revisor@seges.exemplo.gov.br"
    year = time.gmtime().tm_year
    found = [
        ("notification bell poll (nothing new: 304)", BELL, partner, ("share", 50)),
        ("partner home", "/", partner, ("share", 20)),
        ("a deliverable (most versions)", f"/entregas/{deliverable}", partner, ("share", 20)),
        ("review queue", "/analise", reviewer, ("share", 10)),
        ("network panel, first page", "/painel", reviewer, ("share", 10)),
        ("network panel, filtered", "/painel?uf=MG&eixo=2&ordem=atrasadas&direcao=desc",
         reviewer, ("share", 10)),
        ("course schedule", "/cursos", partner, ("share", 20)),
        ("forum index", "/forum/", partner, ("share", 20)),
        (f"topic with {posts} posts (page 1)", f"/forum/topicos/{topic}", partner,
         ("share", 20)),
        ("forum search", "/forum/busca?q=transferegov+relatorio", partner, ("share", 10)),
        (f"annual report HTML, closed year {year - 1}", f"/relatorio-anual/{year - 1}",
         reviewer, ("p95", 50)),
        (f"annual report HTML, open year {year}", f"/relatorio-anual/{year}", reviewer,
         ("p95", 150)),
    ]
    assert all(r in rules for r in ("/relatorio-anual/<int:year>", "/notificacoes/sino"))
    return found


BELL = "/notificacoes/sino?exibidas=0"


def wrk(url: str, cookie: str, connections: int, duration: int, script: str,
        headers: dict | None = None) -> dict:
    command = ["wrk", f"-t{min(connections, 2)}", f"-c{connections}", f"-d{duration}s",
               "--timeout", "30s", "-s", script, url]
    if cookie:
        command[1:1] = ["-H", f"Cookie: {cookie}"]
    for name, value in (headers or {}).items():
        command[1:1] = ["-H", f"{name}: {value}"]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    data = json.loads(re.search(r"^JSON (.*)$", out, re.M).group(1))
    data["rps"] = data["requests"] / (data["duration"] / 1e6)
    return data


def login(port: int, email: str) -> str:
    session = Session(port)
    token = session.token("/login")
    body = f"csrf_token={token}&email={email.replace('@', '%40')}&password={PASSWORD}"
    status, _ = session.request("POST", "/login", body,
                                {"Content-Type": "application/x-www-form-urlencoded"})
    if status != 302:
        raise SystemExit(f"login of {email} failed: HTTP {status}")
    return "; ".join(f"{k}={v}" for k, v in session.cookies.items())


def bell_headers(port: int, cookie: str) -> dict:
    """What an open page sends when it polls the bell: htmx's header and the ETag of the
    previous answer (so nothing new is a 304)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("GET", BELL, headers={"Cookie": cookie, "HX-Request": "true"})
    response = connection.getresponse()
    response.read()
    etag = response.getheader("ETag")
    connection.close()
    if response.status != 200 or not etag:
        raise SystemExit(f"the bell answered {response.status} without an ETag")
    return {"HX-Request": "true", "If-None-Match": etag}


def serve(uri: str, workers: int, folder: Path, log: Path | None = None
          ) -> tuple[subprocess.Popen, int]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "PORTAL_SQLALCHEMY_DATABASE_URI": uri, "PORTAL_SECRET_KEY": "bench",
           "PORTAL_SESSION_COOKIE_SECURE": "false", "PORTAL_UPLOAD_FOLDER": str(folder),
           "PORTAL_PUBLIC_URL": f"http://127.0.0.1:{port}"}
    output = open(log, "w") if log else subprocess.DEVNULL  # noqa: SIM115
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", str(workers), "-k", "sync",
         "-b", f"127.0.0.1:{port}", "--timeout", "120", "portal:create_app()"],
        cwd=ROOT, env=env, stdout=output, stderr=output)
    for _ in range(300):
        try:
            Session(port).request("GET", "/healthz")
            return server, port
        except OSError:
            time.sleep(0.1)
    raise SystemExit("gunicorn did not start")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default="sqlite:////tmp/bench/pages.sqlite3")
    parser.add_argument("--scale", default="1", choices=SIZES)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reuse", action="store_true", help="skip portal synth")
    parser.add_argument("--duration", type=int, default=10, help="seconds per measurement")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--only", help="measure only pages whose label contains this")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed (apt install wrk)")
    if not args.reuse:
        if args.database.startswith("sqlite:///"):
            for suffix in ("", "-wal", "-shm"):
                Path(args.database.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
            Path(args.database.removeprefix("sqlite:///")).parent.mkdir(parents=True,
                                                                       exist_ok=True)
        build(args.database, args.scale, args.seed)
    targets = pages(args.database)
    folder = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    script = folder / "percentiles.lua"
    script.write_text(LUA)
    server, port = serve(args.database, args.workers, folder)
    base = f"http://127.0.0.1:{port}"
    print(f"load before: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} "
          f"{os.getloadavg()[2]:.2f}", flush=True)
    try:
        cookies = {email: login(port, email) for _, _, email, _ in targets}
        wrk(base + "/healthz", "", 1, 2, str(script))  # warm both workers
        trivial = {1: wrk(base + "/healthz", "", 1, args.duration, str(script)),
                   8: wrk(base + "/healthz", "", 8, args.duration, str(script))}
        rows = [("trivial route `/healthz`", "/healthz", trivial, None)]
        for label, path, email, target in targets:
            if args.only and args.only not in label:
                continue
            headers = bell_headers(port, cookies[email]) if path == BELL else None
            wrk(base + path, cookies[email], 2, 2, str(script), headers)  # warm-up
            result = {1: wrk(base + path, cookies[email], 1, args.duration, str(script), headers),
                      8: wrk(base + path, cookies[email], 8, args.duration, str(script), headers)}
            rows.append((label, path, result, target))
            print(f"  {label}: p95 {result[1]['p95'] / 1000:.0f} ms, "
                  f"{result[8]['rps']:.0f} req/s @8", flush=True)
        trivial_rps = trivial[8]["rps"]
        load = os.getloadavg()
        print(f"\nload after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}\n")
        print("| page | URL | p50 | p95 | p99 | req/s @1 | req/s @8 | @8 vs trivial "
              "| target | met |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        for label, path, result, target in rows:
            one, eight = result[1], result[8]
            if not one["requests"] or not eight["requests"]:
                print(f"| {label} | `{path}` | no answer within {args.duration} s "
                      f"| | | | | | | **missed** |")
                continue
            share = eight["rps"] / trivial_rps * 100
            bad = one["non2xx"] + eight["non2xx"] + one["errors"] + eight["errors"]
            if target is None:
                goal, met = "baseline", "—"
            elif target[0] == "share":
                goal = f"≥ {target[1]} % of trivial, p95 ≤ 150 ms"
                met = share >= target[1] and one["p95"] <= 150_000
            else:
                goal = f"p95 ≤ {target[1]} ms"
                met = one["p95"] <= target[1] * 1000
            verdict = met if met == "—" else ("met" if met else "**missed**")
            note = f" ({bad} non-2xx/errors)" if bad else ""
            print(f"| {label} | `{path}` | {one['p50'] / 1000:.1f} ms | {one['p95'] / 1000:.1f} ms "
                  f"| {one['p99'] / 1000:.1f} ms | {one['rps']:.0f} | {eight['rps']:.0f} "
                  f"| {share:.0f} % | {goal} | {verdict}{note} |")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
