"""gunicorn's settings for Summit: `make serve`, or `gunicorn app:app` from this folder
(gunicorn reads ./gunicorn.conf.py by itself). Every value can be changed from the
environment; command-line options win over both.

    WEB_CONCURRENCY     worker processes            default 2 × CPUs + 1
    GUNICORN_THREADS    threads per worker          default 2
    GUNICORN_WORKER_CONNECTIONS  connections a worker holds at once, default 16
    GUNICORN_BIND       address to listen on        default 127.0.0.1:8000 (nginx in front)
    GUNICORN_TIMEOUT    seconds before a silent worker is replaced, default 30

Each worker keeps its own pool of database connections, one per thread (see
``on_starting``), so a machine opens at most WEB_CONCURRENCY × GUNICORN_THREADS
connections to PostgreSQL in steady use.
"""

import gc
import multiprocessing
import os


def _whole_number(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = _whole_number("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count() + 1)
# Threads let a worker wait on the database or on another request's lock while others
# run; gthread also keeps idle keep-alive connections off the workers' hands.
worker_class = "gthread"
threads = _whole_number("GUNICORN_THREADS", 2)

# Connections a worker holds at once, idle keep-alive ones included. A worker accepts
# while it has room, so without a cap one process may take every persistent connection
# (nginx's upstream keepalive, a load generator's) and serve them all on one core while
# the others wait: /healthz measured 700 req/s with all 64 of wrk's connections on one
# worker, 1,950 spread over three or four. The machine holds WEB_CONCURRENCY times this.
worker_connections = _whole_number("GUNICORN_WORKER_CONNECTIONS", 16)

timeout = _whole_number("GUNICORN_TIMEOUT", 30)
graceful_timeout = 30
# nginx keeps connections to us open between requests (upstream keepalive).
keepalive = 5

# One access line per request on stdout, errors on stderr: the service manager keeps
# them. Attendees' private links never appear in full (summit/log_redaction.py filters
# the "gunicorn.access" and "gunicorn.error" loggers, installed by create_app).
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(f)s" "%(a)s"'

# Heartbeat files in memory: a worker blocked on a slow disk is not taken for dead.
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"
# gunicorn 23+'s control socket has one fixed path per user: several servers on one
# machine (blue/green, tests) would take it from each other. Signals do the same work.
control_socket_disable = True


def on_starting(server):
    """Size each worker's database pool to its threads (the workers inherit this
    environment): a thread holds one connection at a time, so more sit idle and
    fewer make threads wait. DATABASE_POOL_SIZE set by hand wins."""
    os.environ.setdefault("DATABASE_POOL_SIZE", str(server.cfg.threads))


def post_worker_init(worker):
    """What a worker has loaded (code, templates, translations, the URL map) lives as long
    as it does: moved out of the cyclic garbage collector's sight, so that a collection
    scans only what requests made. Cold builds of a large programme's feeds triggered
    full collections that doubled their time (measured: schedule.xml 229 → 145 ms)."""
    gc.freeze()
