"""gunicorn settings for serving optviz: ``gunicorn -c gunicorn.conf.py app:server``.

The Docker image runs exactly that command (see the Dockerfile's CMD), and so does
``tests/test_deploy.py``, so everything that varies between them comes from the environment:

* ``HOST`` / ``PORT``: where to listen (default ``0.0.0.0:8050``; the tests use 127.0.0.1 and a free port).
* ``WEB_CONCURRENCY``: number of worker processes (default 2).
* ``GUNICORN_THREADS``: threads per worker process (default 4).
* ``GUNICORN_TIMEOUT``: seconds a worker process may stop responding before it is restarted (default 60).
"""
import gc
import os

bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8050')}"

# Threaded workers: the Numba kernels release the GIL while they run, so the threads of one
# process run their kernels in parallel (building the figures still takes turns on the GIL), and
# a slow client ties up one thread, not a process. Requests are CPU-bound: workers x threads
# somewhat above the container's cores keeps them busy (measure before raising it).
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))

# A last resort only. With threaded workers this is a watchdog on the worker process (its main
# loop, which keeps running while requests compute in other threads), not a limit on one request:
# the app itself stops every request's computation after about 1.5 s (OPTVIZ_TIME_LIMIT and
# OPTVIZ_WORK_LIMIT, optviz/settings.py).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))

# On SIGTERM the workers get this long to finish the requests they have.  It must stay below the
# time the container engine waits before SIGKILL: `docker stop` waits 10 s by default, and
# compose.yaml's stop_grace_period is 10 s too.  8 s leaves gunicorn time to exit by itself.
graceful_timeout = 8

# Import the app (and with it optviz's JIT kernels, loaded from the Numba disk cache) once in the
# master process; the workers are forked with everything already loaded.
preload_app = True



def pre_fork(server, worker):
    """Leave the ~210,000 objects the preloaded app made (Dash, Plotly's validators, the kernels)
    out of Python's full collections: in a worker a full collection then takes about 7 ms instead
    of up to 118 ms, during which every thread of the worker waits (measured on 280 figure updates
    in a row: p99 140 -> 81 ms).  The objects are never freed anyway."""
    gc.freeze()


# gunicorn >= 25 opens a control socket under $HOME by default; the container's user has no
# writable home (it may be any uid, without a home at all) and nothing here uses gunicornc.
control_socket_disable = True


def _writable_dir(*candidates):
    for folder in candidates:
        if folder and os.path.isdir(folder) and os.access(folder, os.W_OK | os.X_OK):
            return folder
    return None


# The workers' heartbeat files.  /dev/shm is RAM (a file on a container's overlay file system can
# stall the heartbeat) and stays writable under `docker run --read-only`; then $TMPDIR if set,
# then /tmp (a tmpfs with `--read-only --tmpfs /tmp`); else gunicorn's default (tempfile's).
worker_tmp_dir = _writable_dir("/dev/shm", os.environ.get("TMPDIR"), "/tmp")

accesslog = "-"
errorlog = "-"
