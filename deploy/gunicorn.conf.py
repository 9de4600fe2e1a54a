"""gunicorn settings for the portal (``gunicorn -c deploy/gunicorn.conf.py``).

Every value can be changed without editing this file, through the environment (set it in
``/etc/portal/portal.env``, which the systemd unit reads):

    GUNICORN_BIND             where to listen (default unix:/run/portal/gunicorn.sock; ignored
                              when systemd hands over a socket, see deploy/systemd/portal.socket)
    GUNICORN_WORKERS          worker processes (default 2 x CPUs + 1, at most 8)
    GUNICORN_TIMEOUT          seconds a request may take before its worker is restarted (120)
    GUNICORN_MAX_REQUESTS     recycle a worker after this many requests (1000; 0 = never)
    GUNICORN_CONTROL_SOCKET   gunicornc control socket (gunicorn >= 25.1); unset = disabled
    FORWARDED_ALLOW_IPS       addresses whose X-Forwarded-* gunicorn trusts (its own default
                              127.0.0.1,::1; requests over a unix socket are always trusted)

Request *body* size is not limited here: nginx refuses bodies above ``client_max_body_size``
and the app above ``MAX_CONTENT_LENGTH`` (20 x ``PORTAL_MAX_UPLOAD_MB`` + 1 MB), with a page
in Portuguese. nginx buffers the whole body before passing it on, so slow clients never tie
up a sync worker.
"""

import os
import re

from gunicorn.glogging import Logger
from gunicorn.http import wsgi as gunicorn_wsgi

wsgi_app = "portal:create_app()"
proc_name = "portal"

bind = [os.environ.get("GUNICORN_BIND", "unix:/run/portal/gunicorn.sock")]
workers = int(os.environ.get("GUNICORN_WORKERS") or min(2 * (os.cpu_count() or 1) + 1, 8))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))  # PDF reports and 1 GB uploads
graceful_timeout = 30
keepalive = 5
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "1000"))
max_requests_jitter = max_requests // 10
# Each worker opens its own database pool after the fork: no preload.
preload_app = False

# Request line and headers: gunicorn's own limits, spelled out (a session cookie is < 4 KB).
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190

# The heartbeat file on tmpfs, so a slow disk never makes the arbiter kill healthy workers.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108

# Uploaded files and the unix socket: no access for "other".
umask = 0o007

# Trust X-Forwarded-Proto only from these (the app's ProxyFix, PORTAL_PROXY_FIX, does the rest).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

if os.environ.get("GUNICORN_CONTROL_SOCKET"):
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]
else:
    control_socket_disable = True  # no stray socket under $HOME (read-only under systemd)

# Logs go to stdout/stderr: journald under systemd.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Client address as nginx saw it, request, status, bytes, duration (ms), user agent.
access_log_format = '%({x-forwarded-for}i)s "%(r)s" %(s)s %(B)s %(M)sms "%(a)s"'

# One-time tokens travel in the path of these pages: never write them to the log.
_SECRET_PATHS = re.compile(r"(/(?:senha/redefinir|ativar|calendario)/)[^/?\s]+")


class PortalLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("r", "U"):
            if isinstance(atoms.get(key), str):
                atoms[key] = _SECRET_PATHS.sub(r"\1[oculto]", atoms[key])
        return atoms


logger_class = PortalLogger


# The Server header names no software version. gunicorn sends its own ("gunicorn", and a version
# in older releases) besides the app's ("portal", portal/core/security.py): it says "portal"
# too, and leaves the header to the app when the app sets one (never two Server headers).
# nginx in front replaces it with its own, versionless (server_tokens off).
SERVER_HEADER = "portal"
gunicorn_wsgi.SERVER = SERVER_HEADER


class PortalResponse(gunicorn_wsgi.Response):
    def default_headers(self):
        headers = super().default_headers()
        if any(name.lower() == "server" for name, _value in self.headers):
            headers = [line for line in headers if not line.lower().startswith("server:")]
        return headers


gunicorn_wsgi.Response = PortalResponse
