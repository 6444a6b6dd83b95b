"""gunicorn settings for serving optviz: ``gunicorn -c gunicorn.conf.py app:server``.

The Docker image runs exactly that command (see the Dockerfile's CMD), and so does
``tests/test_deploy.py``, so everything that varies between them comes from the environment:

* ``HOST`` / ``PORT``: where to listen (default ``0.0.0.0:8050``; the tests use 127.0.0.1 and a free port).
* ``WEB_CONCURRENCY``: number of worker processes (default 2).
* ``GUNICORN_TIMEOUT``: seconds a worker may spend on one request before it is restarted (default 60).
"""
import os

bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8050')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
# Below Docker's and compose's stop grace period (compose.yaml: 30 s), so in-flight requests finish.
graceful_timeout = 20

# Import the app (and with it optviz's JIT kernels, loaded from the Numba disk cache) once in the
# master process; the workers are forked with everything already loaded.
preload_app = True

# gunicorn >= 25 opens a control socket under $HOME by default; the container's user has no
# writable home and nothing here uses gunicornc.
control_socket_disable = True

# The worker heartbeat file: on a container's overlay filesystem it can stall, /dev/shm is RAM.
if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK):
    worker_tmp_dir = "/dev/shm"

accesslog = "-"
errorlog = "-"
