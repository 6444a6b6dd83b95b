# optviz public demo: gunicorn serving the Dash app on port 8050.
#   docker build -t optviz .
#   docker run --rm -p 8050:8050 -e WEB_CONCURRENCY=4 optviz
FROM python:3.11.15-slim-bookworm

# NUMBA_CACHE_DIR: the JIT's disk cache, filled below at build time so containers start warm.
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
    WEB_CONCURRENCY=2

WORKDIR /app

# Dependencies first, so code changes do not reinstall them. All pinned, all binary wheels.
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt

# The runtime user owns only the JIT cache; the code stays root-owned and read-only to it.
RUN useradd --uid 10001 --user-group --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin optviz \
    && mkdir -p "$NUMBA_CACHE_DIR" \
    && chown 10001:10001 "$NUMBA_CACHE_DIR"

COPY . .

USER 10001:10001

# Importing optviz (and the surfaces) compiles every kernel eagerly into NUMBA_CACHE_DIR, as the
# runtime user, so the cache is readable and writable at run time.
RUN python -c "import optviz, surfaces"

EXPOSE 8050

HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "/app/deploy/healthcheck.py"]

# Workers from WEB_CONCURRENCY, bind from HOST/PORT: see gunicorn.conf.py.
CMD ["gunicorn", "-c", "gunicorn.conf.py", "app:server"]
