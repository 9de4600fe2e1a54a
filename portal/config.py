"""Default configuration.

Every key can be overridden in ``instance/config.py`` or by an environment
variable ``PORTAL_<KEY>`` (values are parsed as JSON when possible, so
``PORTAL_MAX_UPLOAD_MB=200`` is an int and ``PORTAL_SESSION_COOKIE_SECURE=false`` a bool).
"""

from datetime import timedelta

# Database: SQLite in the instance folder unless overridden (see create_app).
SQLALCHEMY_DATABASE_URI = None
SQLALCHEMY_ENGINE_OPTIONS: dict = {}

# Sessions: signed cookies, idle timeout enforced by the signature's age.
SESSION_COOKIE_NAME = "portal_session"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = None  # None → on, except in debug/testing (decided in create_app)
SESSION_IDLE_MINUTES = 120
PERMANENT_SESSION_LIFETIME = timedelta(minutes=SESSION_IDLE_MINUTES)
SESSION_REFRESH_EACH_REQUEST = True
SESSION_MAX_DAYS = 30  # however active, a session signs in again after this many days

# CSRF (Flask-WTF): tokens live as long as the session.
WTF_CSRF_TIME_LIMIT = None
WTF_CSRF_SSL_STRICT = True
WTF_I18N_ENABLED = False  # WTForms' bundled pt translations (PortalForm.Meta), not Flask-Babel

# Rate limits (Flask-Limiter).
RATELIMIT_STORAGE_URI = "memory://"
# Redis down → count in each process's memory meanwhile (logged; /healthz says "degraded")
# instead of failing every rate-limited page.
RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
RATELIMIT_HEADERS_ENABLED = True
RATELIMIT_LOGIN_PER_IP = "30 per minute"
RATELIMIT_LOGIN_PER_ACCOUNT = "10 per 15 minutes"
RATELIMIT_PASSWORD_RESET = "5 per hour"
RATELIMIT_FORUM_POSTS = "10 per minute;60 per hour"
RATELIMIT_UPLOADS = "120 per hour"  # evidence files, per user

# Passwords and tokens.
PASSWORD_MIN_LENGTH = 10
PASSWORD_RESET_HOURS = 2
ACCOUNT_ACTIVATION_DAYS = 7

# Mail: MAIL_SERVER unset → messages are written to the log (development). MAIL_BACKEND
# "memory" keeps them in the application instead (tests: portal.core.mail.backend().outbox).
MAIL_BACKEND = "smtp"
MAIL_SERVER = None
MAIL_PORT = 25
MAIL_USE_TLS = False
MAIL_USE_SSL = False
MAIL_USERNAME = None
MAIL_PASSWORD = None
MAIL_DEFAULT_SENDER = "Rede de Parcerias <nao-responda@rededeparcerias.gov.br>"
MAIL_TIMEOUT = 10
# E-mail leaves through the outbox: send_mail writes a row in the request's transaction and
# `portal worker` sends it, retrying after MAIL_RETRY_MINUTES (the last value repeats) up to
# MAIL_MAX_ATTEMPTS, then marks it failed (listed, with a resend, at /administracao/emails).
# MAIL_DELIVERY = "immediate" hands messages to the backend right after the commit instead
# (tests and demos without a worker: never in production, it puts SMTP inside the request).
MAIL_DELIVERY = "outbox"
MAIL_MAX_ATTEMPTS = 6
MAIL_RETRY_MINUTES = (1, 5, 25, 60, 180)
# The portal's public address: every link in an e-mail (reset, activation, notifications,
# reminders) is built on it, never on a request's Host header. Required in production (the app
# refuses to start without it outside debug/testing). Requests for any other host name are
# refused with 400: TRUSTED_HOSTS (Flask) is derived from it plus EXTRA_TRUSTED_HOSTS (a list,
# or one comma-separated string, e.g. "portal-interno.gestao.gov.br,10.0.0.5"), unless
# TRUSTED_HOSTS itself is set.
PUBLIC_URL = None  # e.g. "https://rededeparcerias.gestao.gov.br"
EXTRA_TRUSTED_HOSTS: list[str] = []

# Reminders (portal reminders send): SEGES is told of submissions waiting longer than this.
REVIEW_SLA_DAYS = 10

# Uploads.
MAX_UPLOAD_MB = 50
UPLOAD_FOLDER = None  # default: <instance>/uploads

# Display.
DISPLAY_TIMEZONE = "America/Sao_Paulo"
ITEMS_PER_PAGE = 25

# Reverse proxy: number of trusted proxies in front (0 = none), applied with Werkzeug's
# ProxyFix. PROXY_FIX sets X-Forwarded-For, -Proto and -Host at once; the per-header keys
# (None = follow PROXY_FIX) override one header each. X-Forwarded-Port/-Prefix: off unless set.
PROXY_FIX = 0
PROXY_FIX_X_FOR = None
PROXY_FIX_X_PROTO = None
PROXY_FIX_X_HOST = None
PROXY_FIX_X_PORT = 0
PROXY_FIX_X_PREFIX = 0
PASSWORD_HASH_METHOD = "scrypt"
AV_COMMAND = None  # e.g. "clamscan --no-summary": 0 clean, 1 infected, other = error
