"""gunicorn settings for `make serve` and production (`gunicorn -c gunicorn.conf.py`).

Every value can be overridden from the environment (GUNICORN_*), so a systemd unit or a
container sets them without editing this file.
"""

import multiprocessing
import os

# The app factory; create_app opens no connection, so forking workers is safe.
wsgi_app = "app:create_app()"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers: pages are short and CPU-bound; (2 × cores) + 1 keeps the cores busy while
# some workers wait on the database.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
# A request taking longer than this is killed and the worker replaced (course imports are
# the slowest requests: a 100 MB pack unpacks and checks in seconds).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak cannot grow forever; jitter avoids all at once.
max_requests = 5000
max_requests_jitter = 500
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
# No query strings in the access log: they can carry search terms and filters.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
# No control socket: it would live in the home folder (hidden by the systemd unit's
# ProtectHome) and be shared by two instances run by one user.
control_socket_disable = True
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")


def when_ready(server):
    """Once the socket is bound: warn if PUBLIC_BASE_URL does not answer as this instance."""
    from app import create_app
    from training.address import check_when_serving

    check_when_serving(create_app())


def pre_fork(server, worker):
    """In the master, just before each worker is forked: move every object it holds (the app
    when_ready built, every module) out of the garbage collector's reach.

    A worker's first full collection would otherwise write to every inherited object's GC
    header and so copy nearly every page it shares with the master. Frozen, they stay shared:
    measured after load runs, each worker's private memory went from 63 to 44–51 MB (resident
    size, which counts shared pages, stays about 94 MB). Objects frozen here are never
    collected in the workers; the collection just before keeps garbage out of them.
    """
    import gc

    gc.collect()
    gc.freeze()
