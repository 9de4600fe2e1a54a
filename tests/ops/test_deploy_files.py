"""The production files in deploy/ load: gunicorn's config, the systemd units, the
environment file (as systemd and sh read it) and the portal-cli wrapper."""

import configparser
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from portal import config as defaults
from portal import create_app

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
BIN = Path(sys.executable).parent
ENV_EXAMPLE = DEPLOY / "portal.env.example"


def test_gunicorn_config_is_valid():
    env = {**os.environ, "GUNICORN_BIND": "127.0.0.1:0", "PORTAL_SECRET_KEY": "x",
           "PORTAL_SQLALCHEMY_DATABASE_URI": "sqlite://",
           "PORTAL_PUBLIC_URL": "https://rededeparcerias.exemplo.gov.br"}
    result = subprocess.run(
        [str(BIN / "gunicorn"), "--config", str(DEPLOY / "gunicorn.conf.py"), "--check-config"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 0, result.stderr


UNITS = ["portal.socket", "portal.service", "portal-reminders.service", "portal-reminders.timer",
         "portal-backup.service", "portal-backup.timer", "portal-worker.service"]


def test_systemd_units_are_valid(tmp_path):
    for name in UNITS:
        # Paths of the checkout instead of /srv/portal, so ExecStart= points at real files.
        text_ = (DEPLOY / "systemd" / name).read_text()
        (tmp_path / name).write_text(
            text_.replace("/srv/portal/.venv/bin", str(BIN)).replace("/srv/portal", str(ROOT))
        )
    analyze = shutil.which("systemd-analyze")
    if analyze:
        result = subprocess.run(
            [analyze, "verify", "--man=no", *[f"./{name}" for name in UNITS]],
            cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False,
        )
        assert result.returncode == 0 and not result.stderr.strip(), result.stderr

    units = {}
    for name in UNITS:
        parser = configparser.ConfigParser(strict=False, interpolation=None)
        parser.optionxform = str
        parser.read_string((DEPLOY / "systemd" / name).read_text())
        units[name] = parser
    service = units["portal.service"]["Service"]
    assert "gunicorn" in service["ExecStart"] and "deploy/gunicorn.conf.py" in service["ExecStart"]
    assert units["portal.service"]["Unit"]["Requires"] == "portal.socket"
    assert units["portal.socket"]["Socket"]["ListenStream"] == "/run/portal.sock"
    for name in ("portal.service", "portal-reminders.service", "portal-backup.service"):
        section = units[name]["Service"]
        assert section["User"] == "portal"
        assert section["EnvironmentFile"] == "/etc/portal/portal.env"
        assert section["NoNewPrivileges"] == "yes"
        assert section["ProtectSystem"] == "strict"
        assert section["PrivateTmp"] == "yes"
        assert "/srv/portal/instance" in section["ReadWritePaths"]
    reminders = units["portal-reminders.service"]["Service"]
    assert reminders["ExecStart"].endswith("portal reminders send")
    assert units["portal-reminders.timer"]["Timer"]["OnCalendar"].startswith("*-*-* 06:00:00")
    assert "portal backup" in units["portal-backup.service"]["Service"]["ExecStart"]


def test_env_example_sets_only_real_configuration_keys():


    keys = set(re.findall(r"^#?PORTAL_([A-Z0-9_]+)=", (DEPLOY / "portal.env.example")
                          .read_text(), re.MULTILINE))
    known = {name for name in dir(defaults) if name.isupper()}
    # Set in create_app or read by Flask-Limiter, not defaulted in portal/config.py.
    known |= {"SECRET_KEY", "RATELIMIT_KEY_PREFIX", "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED"}
    assert keys - known == set()
    internal = {
        "PERMANENT_SESSION_LIFETIME", "SESSION_COOKIE_HTTPONLY", "SESSION_REFRESH_EACH_REQUEST",
        "WTF_CSRF_TIME_LIMIT", "WTF_I18N_ENABLED",
    }
    undocumented = known - keys - internal
    assert undocumented == set(), f"document these in deploy/portal.env.example: {undocumented}"


# Keys whose commented value is an example to adapt, not the default.
EXAMPLES = {
    "SQLALCHEMY_ENGINE_OPTIONS", "UPLOAD_FOLDER", "AV_COMMAND", "MAIL_USERNAME",
    "MAIL_PASSWORD", "RATELIMIT_KEY_PREFIX", "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED",
    "PROXY_FIX_X_FOR", "PROXY_FIX_X_PROTO", "PROXY_FIX_X_HOST", "EXTRA_TRUSTED_HOSTS",
    "CACHE_REDIS_URL",
}


def _config_through_portal_cli(env_file: Path, keys: list[str]) -> dict:
    """The app's configuration as `deploy/portal-cli` builds it from ``env_file``."""
    script = f"import json\nprint('CFG=' + json.dumps({{k: app.config.get(k) for k in {keys!r}}},"
    script += " default=str))\n"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    env["PORTAL_ENV_FILE"] = str(env_file)
    result = subprocess.run(
        [str(DEPLOY / "portal-cli"), "shell"], input=script, env=env,
        capture_output=True, text=True, timeout=120, check=False,
    )
    found = re.search(r"^(?:>>> )*CFG=(.*)$", result.stdout, re.MULTILINE)
    assert found, result.stdout[-2000:] + result.stderr[-2000:]
    return json.loads(found.group(1))


def test_env_example_reads_the_same_through_sh_and_keeps_the_defaults(tmp_path):
    """Every key, uncommented, parses (sh quoting, then Flask's JSON) to the value the text
    promises: the default for commented keys, the shown value for the others."""
    text_ = ENV_EXAMPLE.read_text()
    database = f"sqlite:///{tmp_path / 'portal.sqlite3'}"
    text_ = re.sub(r"^PORTAL_SQLALCHEMY_DATABASE_URI=.*$",
                   f"PORTAL_SQLALCHEMY_DATABASE_URI={database}", text_, flags=re.MULTILINE)
    commented = set(re.findall(r"^#PORTAL_([A-Z0-9_]+)=", text_, re.MULTILINE)) - EXAMPLES

    def uncomment(line: str) -> str:
        key = re.match(r"^#PORTAL_([A-Z0-9_]+)=", line)
        return line[1:] if key and key.group(1) not in EXAMPLES else line

    uncommented = "\n".join(uncomment(line) for line in text_.splitlines())
    env_file = tmp_path / "portal.env"
    env_file.write_text(uncommented)
    keys = sorted(commented | {"PROXY_FIX", "MAIL_PORT", "MAIL_USE_TLS", "SECRET_KEY",
                               "RATELIMIT_STORAGE_URI", "PUBLIC_URL"})
    seen = _config_through_portal_cli(env_file, keys)

    baseline = create_app({"SQLALCHEMY_DATABASE_URI": database, "SECRET_KEY": "x",
                           "PUBLIC_URL": "https://rededeparcerias.exemplo.gov.br"}).config
    for key in commented:
        assert seen[key] == json.loads(json.dumps(baseline[key], default=str)), key
    assert seen["PROXY_FIX"] == 1 and seen["MAIL_PORT"] == 587 and seen["MAIL_USE_TLS"] is True
    assert seen["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"
    assert seen["SECRET_KEY"] == "troque-por-um-valor-aleatorio-de-64-caracteres"
    assert defaults.SESSION_COOKIE_SECURE is None and seen["SESSION_COOKIE_SECURE"] is True
