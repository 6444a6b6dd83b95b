# optviz public demo: gunicorn serving the Dash app on port 8050.
#   docker build -t optviz .
#   docker run --rm -p 8050:8050 optviz
# It also runs with a read-only root file system (docker run --read-only --tmpfs /tmp ...) and as
# an arbitrary uid in group 0 (docker run --user 12345:0 ..., as OpenShift runs images).
FROM python:3.11.15-slim-bookworm

# NUMBA_CACHE_DIR: the JIT's disk cache, filled below at build time so containers start warm
# (and load from it even when they may not write to it: see optviz/jit.py).
# NUMBA_CPU_NAME=generic: the cache is keyed by the CPU it was compiled for; generic code keeps
# the cache built on the build machine valid on whichever CPU (same architecture) runs the image.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    NUMBA_CACHE_DIR=/var/cache/optviz/numba \
    NUMBA_CPU_NAME=generic \
    HOST=0.0.0.0 \
    PORT=8050 \
    WEB_CONCURRENCY=2 \
    GUNICORN_THREADS=4

WORKDIR /app

# Dependencies first, so code changes do not reinstall them. All pinned, all binary wheels.
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt

# The runtime user, uid 10001, is in group 0, as is any uid OpenShift picks. The code stays
# root-owned and read-only (mode 644, readable by group 0 and everyone); the JIT cache belongs to
# 10001 and group 0 with group rights equal to the owner's (g=u), so any uid of group 0 can use it.
RUN useradd --uid 10001 --gid 0 --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin optviz \
    && mkdir -p "$NUMBA_CACHE_DIR" \
    && chown 10001:0 "$NUMBA_CACHE_DIR" \
    && chmod 775 "$NUMBA_CACHE_DIR"

# The engine, then its JIT cache: importing optviz (and the surfaces) compiles every kernel
# eagerly into NUMBA_CACHE_DIR (about 25 s), as the runtime user; umask 002 gives the cache's
# files and folders group write (g=u). Only optviz/ and surfaces/ come before this layer, so
# editing the web app, the assets or the docs does not compile again.
COPY optviz/ optviz/
COPY surfaces/ surfaces/
USER 10001:0
RUN umask 002 && python -c "import optviz, surfaces"

# The web app. Importing it draws the default view (as every start does): this checks that the
# runtime user can read everything and leaves in the cache whatever the start needs.
COPY app.py gunicorn.conf.py ./
COPY assets/ assets/
COPY deploy/healthcheck.py deploy/
RUN umask 002 && python -c "import app"

EXPOSE 8050

# Engine 20.10 has no --start-interval: a short interval reports a new container healthy within
# about 5 s of its start. The start period only forgives failures while a cold cache compiles.
HEALTHCHECK --interval=5s --timeout=4s --start-period=60s --retries=3 \
    CMD ["python", "/app/deploy/healthcheck.py"]

# Workers and threads from WEB_CONCURRENCY and GUNICORN_THREADS, bind from HOST/PORT, graceful
# stop in 8 s (below docker stop's 10 s): see gunicorn.conf.py.
CMD ["gunicorn", "-c", "gunicorn.conf.py", "app:server"]
