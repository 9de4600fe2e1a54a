#!/usr/bin/env bash
# Dynamic security scan of a throw-away portal: sqlmap (SQL injection) and wapiti (web
# vulnerabilities), each from its own virtualenv. Not part of `make test`; see docs/security.md.
#
#   tests/security/scan.sh [REPORT_DIR]        (default: test-artifacts/security-scan)
#
# What it does:
#   1. builds a scratch SQLite instance in a temporary directory, migrates it and loads the
#      demo (`portal demo`), then serves it with gunicorn on 127.0.0.1:$SCAN_PORT;
#   2. logs in as the demo's SEGES admin and as MG's partner manager (cookies for the scanners);
#   3. runs sqlmap (--batch --level 2 --risk 1 --smart, payloads for SQLite: the scratch
#      database) on every parameterised route listed below, each bounded by $SQLMAP_TIMEOUT
#      seconds, as the admin or the partner;
#   4. runs wapiti on the whole app (scope: the app's own URLs) with the admin's cookie,
#      with no outside callbacks (--endpoint http://127.0.0.1:9/ --dns-endpoint localhost),
#      bounded by $WAPITI_MAX_SCAN_TIME seconds (and $WAPITI_MAX_ATTACK_TIME per module);
#   5. writes REPORT_DIR/summary.txt and exits 1 if sqlmap found an injection or wapiti found
#      anything above "low" severity (2 on a setup error).
#
# Environment (all optional):
#   SCAN_VENVS            where the scanners' virtualenvs live (default /tmp/portal-scan;
#                         created on first use with `pip install sqlmap` / `pip install wapiti3`)
#   SCAN_PORT             default 5099
#   SQLMAP_TIMEOUT        seconds per sqlmap target (default 180)
#   WAPITI_MAX_SCAN_TIME  seconds for the whole wapiti run (default 900; killed 600 s after)
#   WAPITI_MAX_ATTACK_TIME  seconds per wapiti attack module (default 120)
#   SCAN_NICE             niceness of the scanners and the server (default 10)
#   SCAN_TOOLS            which scanners to run (default "sqlmap wapiti")
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
REPORT_DIR=$(realpath -m "${1:-$ROOT/test-artifacts/security-scan}")
SCAN_VENVS=${SCAN_VENVS:-/tmp/portal-scan}
SCAN_PORT=${SCAN_PORT:-5099}
SQLMAP_TIMEOUT=${SQLMAP_TIMEOUT:-180}
WAPITI_MAX_SCAN_TIME=${WAPITI_MAX_SCAN_TIME:-900}
WAPITI_MAX_ATTACK_TIME=${WAPITI_MAX_ATTACK_TIME:-120}
SCAN_NICE=${SCAN_NICE:-10}
SCAN_TOOLS=${SCAN_TOOLS:-sqlmap wapiti}
BASE="http://127.0.0.1:$SCAN_PORT"
PORTAL="$ROOT/.venv/bin/portal"
PYTHON="$ROOT/.venv/bin/python"
DEMO_PASSWORD="scan-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"

mkdir -p "$REPORT_DIR"
rm -rf "${REPORT_DIR:?}"/sqlmap "$REPORT_DIR"/wapiti* "$REPORT_DIR"/summary.txt
WORK=$(mktemp -d /tmp/portal-scan-run.XXXXXX)
SERVER_PID=""
cleanup() {
    if [[ -n "$SERVER_PID" ]]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT
log() { printf '[scan %s] %s\n' "$(date -u +%H:%M:%S)" "$*" | tee -a "$REPORT_DIR/scan.log" >&2; }

# --- the scanners, each in its own virtualenv ------------------------------------------------
ensure_venv() {  # name, package
    local venv="$SCAN_VENVS/$1"
    if [[ ! -x "$venv/bin/$1" ]]; then
        log "installing $2 into $venv"
        python3.11 -m venv "$venv"
        "$venv/bin/pip" install -q "$2"
    fi
}
run() { [[ " $SCAN_TOOLS " == *" $1 "* ]]; }
run sqlmap && ensure_venv sqlmap sqlmap
run wapiti && ensure_venv wapiti wapiti3

# --- a scratch portal ------------------------------------------------------------------------
export PORTAL_SQLALCHEMY_DATABASE_URI="sqlite:///$WORK/scan.sqlite3"
export PORTAL_UPLOAD_FOLDER="$WORK/uploads"
PORTAL_SECRET_KEY=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
export PORTAL_SECRET_KEY
export PORTAL_SESSION_COOKIE_SECURE=false          # plain HTTP on 127.0.0.1
export PORTAL_PUBLIC_URL="http://127.0.0.1:$SCAN_PORT"  # required; other hosts get a 400
export PORTAL_MAIL_SERVER=null                      # mail goes to the log
# Scanners send thousands of requests: the limits would answer 429 and hide the app.
export PORTAL_RATELIMIT_LOGIN_PER_IP="100000 per minute"
export PORTAL_RATELIMIT_LOGIN_PER_ACCOUNT="100000 per minute"
export PORTAL_RATELIMIT_PASSWORD_RESET="100000 per minute"
export PORTAL_RATELIMIT_FORUM_POSTS="100000 per minute"
export PORTAL_RATELIMIT_UPLOADS="100000 per minute"
mkdir -p "$WORK/uploads"

log "migrating and loading the demo into $WORK"
"$PORTAL" db upgrade >"$WORK/migrate.log" 2>&1
"$PORTAL" demo --password "$DEMO_PASSWORD" >"$WORK/demo.log" 2>&1

log "serving on $BASE"
nice -n "$SCAN_NICE" "$ROOT/.venv/bin/gunicorn" --bind "127.0.0.1:$SCAN_PORT" --workers 1 \
    --threads 4 --timeout 120 --access-logfile "$REPORT_DIR/access.log" \
    --error-logfile "$REPORT_DIR/server.log" "portal:create_app()" &
SERVER_PID=$!
for _ in $(seq 60); do
    curl -fsS "$BASE/healthz" >/dev/null 2>&1 && break
    sleep 1
done
curl -fsS "$BASE/healthz" >/dev/null || { log "the server did not start"; exit 2; }

login() {  # email → prints the session cookie value
    local jar="$WORK/$1.jar" token
    token=$(curl -fsS -c "$jar" -b "$jar" "$BASE/login" | grep -o 'name="csrf_token"[^>]*' \
        | sed -n 's/.*value="\([^"]*\)".*/\1/p' | head -n1)
    curl -fsS -o /dev/null -c "$jar" -b "$jar" --data-urlencode "csrf_token=$token" \
        --data-urlencode "email=$1" --data-urlencode "password=$DEMO_PASSWORD" "$BASE/login"
    awk '$6 == "portal_session" {print $7}' "$jar" | tail -n1
}
ADMIN_COOKIE=$(login admin@seges.exemplo.gov.br)
PARTNER_COOKIE=$(login gestor@mg.exemplo.gov.br)
[[ -n "$ADMIN_COOKIE" && -n "$PARTNER_COOKIE" ]] || { log "login failed"; exit 2; }
curl -fsS -o /dev/null -b "portal_session=$ADMIN_COOKIE" "$BASE/painel" \
    || { log "the admin cookie does not open /painel"; exit 2; }

# Ids from the demo, for the routes that take one.
ids() {
    "$PYTHON" - <<'PY'
from portal import create_app
from portal.extensions import db
from portal.deliverables.models import Deliverable
from portal.deliverables.models import Evidence
from portal.forum.models import Topic
app = create_app()
with app.app_context():
    d = db.session.scalar(db.select(Deliverable.id).where(Deliverable.status == "submitted").limit(1))
    e = db.session.scalar(db.select(Evidence.id).where(Evidence.kind == "file").limit(1))
    t = db.session.scalar(db.select(Topic.id).limit(1))
    print(d or 1, e or 1, t or 1)
PY
}
read -r DELIVERABLE EVIDENCE TOPIC < <(ids)

# --- sqlmap: every route that takes parameters --------------------------------------------
# "user|url" — the parameters are the routes' real filters (see the forms in portal/*/forms.py).
TARGETS=(
    "admin|$BASE/painel?q=minas&elo=Estados&uf=MG&esfera=estadual&camada=1&eixo=1&ano=2026&ordem=nome&direcao=asc&visao=tabela&page=1"
    "admin|$BASE/painel.csv?q=minas&uf=MG&ordem=nome"
    "admin|$BASE/analise?parceiro=minas&elo=Estados&uf=MG&eixo=1&codigo=1.2&espera=1&page=1"
    "admin|$BASE/forum/busca?q=capacitacao&categoria=1&situacao=resolvidos&page=1"
    "admin|$BASE/forum/?page=1"
    "admin|$BASE/forum/topicos/$TOPIC?page=1"
    "admin|$BASE/auditoria?usuario=gestor&instituicao=minas&acao=auth.login&objeto=user&objeto_id=1&de=2025-01-01&ate=2030-12-31&page=1"
    "admin|$BASE/auditoria.csv?usuario=gestor&acao=auth.login"
    "admin|$BASE/usuarios?q=gestor&page=1"
    "admin|$BASE/instituicoes?q=minas&sphere=estadual&uf=MG&elo=Estados&page=1"
    "admin|$BASE/acordos?q=160&kind=ACT&elo=Estados&uf=MG&status=vigente&page=1"
    "admin|$BASE/capacitacoes?ano=2026&instituicao=1"
    "admin|$BASE/analise/$DELIVERABLE"
    "admin|$BASE/evidencias/$EVIDENCE/arquivo"
    "admin|$BASE/solicitacoes?page=1"
    "admin|$BASE/eventos?page=1"
    "admin|$BASE/notificacoes?page=1"
    "partner|$BASE/?grupo=atrasadas&eixo=1&situacao=pending&ano=2026&page=1"
    "partner|$BASE/entregas/$DELIVERABLE"
    "partner|$BASE/auditoria?usuario=membro&acao=deliverable.submitted&page=1"
    "partner|$BASE/forum/busca?q=meta&situacao=abertos"
)
SQLMAP_FOUND=0
SQLMAP_RUNS=0
mkdir -p "$REPORT_DIR/sqlmap"
run sqlmap || TARGETS=()
for entry in "${TARGETS[@]}"; do
    who=${entry%%|*}; target=${entry#*|}
    cookie=$ADMIN_COOKIE; [[ $who == partner ]] && cookie=$PARTNER_COOKIE
    SQLMAP_RUNS=$((SQLMAP_RUNS + 1))
    log "sqlmap ($who) $target"
    timeout "$SQLMAP_TIMEOUT" nice -n "$SCAN_NICE" "$SCAN_VENVS/sqlmap/bin/sqlmap" \
        -u "$target" --cookie "portal_session=$cookie" --batch --level 2 --risk 1 \
        --dbms SQLite --skip-static --smart --threads 2 --timeout 15 --retries 1 \
        --output-dir "$REPORT_DIR/sqlmap" >>"$REPORT_DIR/sqlmap.log" 2>&1 || true
done
# The login form (POST, CSRF-protected): sqlmap refreshes the token from the page.
if run sqlmap; then
SQLMAP_RUNS=$((SQLMAP_RUNS + 1))
log "sqlmap (anonymous) POST $BASE/login"
timeout "$SQLMAP_TIMEOUT" nice -n "$SCAN_NICE" "$SCAN_VENVS/sqlmap/bin/sqlmap" \
    -u "$BASE/login" --data "csrf_token=x&email=a%40b.c&password=senha-qualquer" \
    --csrf-token csrf_token --csrf-url "$BASE/login" --batch --level 2 --risk 1 --dbms SQLite \
    --timeout 15 --retries 1 --output-dir "$REPORT_DIR/sqlmap" >>"$REPORT_DIR/sqlmap.log" 2>&1 || true
fi
# sqlmap writes an injection point into <host>/log only when it found one.
if grep -rqs "Parameter:" "$REPORT_DIR"/sqlmap/*/log 2>/dev/null \
    || grep -qs "is vulnerable" "$REPORT_DIR/sqlmap.log"; then
    SQLMAP_FOUND=1
fi

# --- wapiti: the whole app, logged in ---------------------------------------------------------
if run wapiti; then
log "wapiti on $BASE/ (max ${WAPITI_MAX_SCAN_TIME}s crawling, ${WAPITI_MAX_ATTACK_TIME}s per module)"
# --max-scan-time is checked between modules: --max-attack-time bounds each module, and
# timeout the whole run, whatever wapiti does.
timeout $((WAPITI_MAX_SCAN_TIME + 600)) nice -n "$SCAN_NICE" "$SCAN_VENVS/wapiti/bin/wapiti" \
    -u "$BASE/" --scope folder --max-attack-time "$WAPITI_MAX_ATTACK_TIME" \
    --cookie-value "portal_session=$ADMIN_COOKIE" \
    -x "$BASE/logout" -x "$BASE/conta/senha" -x "$BASE/usuarios/*/desativar" \
    -x "$BASE/usuarios/*/editar" -x "$BASE/static/*" \
    --endpoint http://127.0.0.1:9/ --dns-endpoint localhost \
    --flush-session --max-scan-time "$WAPITI_MAX_SCAN_TIME" --max-links-per-page 50 \
    --tasks 4 --timeout 15 -f json -o "$REPORT_DIR/wapiti.json" \
    >"$REPORT_DIR/wapiti.log" 2>&1 || log "wapiti exited with $?"
fi

# --- verdict ------------------------------------------------------------------------------------
"$PYTHON" - "$REPORT_DIR" "$SQLMAP_RUNS" "$SQLMAP_FOUND" "$SCAN_TOOLS" <<'PY'
import json
import pathlib
import sys
from collections import Counter
from datetime import UTC, datetime

report, runs, found = pathlib.Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
tools = sys.argv[4].split()
lines = [f"Scan of {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"]
lines.append(f"sqlmap: {runs} targets, {'INJECTION FOUND' if found else 'no injection found'}"
             if "sqlmap" in tools else "sqlmap: not run (SCAN_TOOLS)")
bad = bool(found)
try:
    if "wapiti" not in tools:
        raise OSError("not run (SCAN_TOOLS)")
    data = json.loads((report / "wapiti.json").read_text())
except (OSError, ValueError) as error:
    lines.append(f"wapiti: no report ({error})")
    bad = bad or "wapiti" in tools
else:
    # Wapiti levels: 0 info, 1 low, 2 medium, 3 high, 4 critical.
    levels = Counter()
    findings = []
    for section in ("vulnerabilities", "anomalies", "additionals"):
        for name, items in (data.get(section) or {}).items():
            for item in items:
                level = int(item.get("level", 1))
                levels[(section, level)] += 1
                findings.append((section, level, name, item.get("method", ""),
                                 item.get("path", ""), item.get("parameter", ""),
                                 item.get("info", "")[:200]))
                if section != "additionals" and level > 1:
                    bad = True
    infos = data.get("infos", {})
    crawled = infos.get("crawled_pages_nbr") or len(infos.get("crawled_pages") or [])
    lines.append(f"wapiti: {crawled} pages crawled; "
                 + ", ".join(f"{s} level {lv}: {n}" for (s, lv), n in sorted(levels.items()))
                 if levels else f"wapiti: {crawled} pages crawled; nothing reported")
    lines += [f"  [{s} L{lv}] {n}: {m} {p} {par} — {info}" for s, lv, n, m, p, par, info
              in sorted(findings)]
lines.append("RESULT: " + ("FAIL" if bad else "PASS"))
(report / "summary.txt").write_text("\n".join(lines) + "\n")
print("\n".join(lines))
sys.exit(1 if bad else 0)
PY
