"""Default configuration.

Every key can be overridden in ``instance/config.py`` or by an environment
variable ``PORTAL_<KEY>`` (values are parsed as JSON when possible, so
``PORTAL_MAX_UPLOAD_MB=200`` is an int and ``PORTAL_SESSION_COOKIE_SECURE=false`` a bool).
"""

from datetime import timedelta

# Database: SQLite in the instance folder unless overridden (see create_app).
SQLALCHEMY_DATABASE_URI = None
SQLALCHEMY_ENGINE_OPTIONS: dict = {}
# PostgreSQL settings for the app's own connections (SET on connect). The app's statements are
# short; on a small server parallel workers cost more than they save (docs/benchmarks.md).
POSTGRESQL_SETTINGS: dict = {"max_parallel_workers_per_gather": "0"}

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
# Always set: an app left without it inherited the previous app's switch in the same process
# (Flask-Limiter's one Limiter object keeps it between init_app calls).
RATELIMIT_ENABLED = True
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

# Caching (portal.core.cache): values many requests share (the annual report of a year, the
# home's progress per institution...), kept while the data they come from is unchanged — the
# transaction that changes it bumps a version in the database, so nothing is served stale.
# In Redis with CACHE_REDIS_URL (e.g. "redis://127.0.0.1:6379/1"), otherwise in each process's
# memory (CACHE_MEMORY_ITEMS values at most). None: on, except in tests.
CACHE_ENABLED = None
CACHE_REDIS_URL = None
CACHE_MEMORY_ITEMS = 512
CACHE_SECONDS = 3600  # the longest any value is kept
# Templates never query (portal.core.templating): None → enforced in debug and in tests.
FORBID_TEMPLATE_QUERIES = None

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

# gov.br (Login Único) over OpenID Connect: off unless GOVBR_ISSUER and GOVBR_CLIENT_ID are set.
# Production issuer https://sso.acesso.gov.br, staging https://sso.staging.acesso.gov.br; the
# endpoints come from the issuer's discovery document. The redirect URI registered with gov.br
# is PUBLIC_URL + "/login/govbr/retorno" (see README, "Entrar com gov.br").
GOVBR_ISSUER = None
GOVBR_CLIENT_ID = None
GOVBR_CLIENT_SECRET = None
GOVBR_SCOPES = "openid email profile govbr_confiabilidades"
# Where the person's confiabilidade levels are read ({cpf} is replaced; called with the access
# token). None: the gov.br API beside the issuer (api.acesso.gov.br or api.staging.acesso.gov.br).
GOVBR_LEVELS_URL = None
GOVBR_HTTP_TIMEOUT = 10  # seconds, for every call to gov.br
GOVBR_CLOCK_LEEWAY = 60  # seconds of clock skew tolerated on the ID token's exp/iat
# Password login: PASSWORD_LOGIN false leaves the password form to the break-glass accounts only
# (BREAK_GLASS_EMAILS, a list or one comma-separated string), for when gov.br is unreachable.
PASSWORD_LOGIN = True
BREAK_GLASS_EMAILS: list[str] = []
