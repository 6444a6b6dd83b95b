"""Container health check: exit 0 when the app answers ``GET /healthz`` with ``"status": "ok"``.

Used by the Dockerfile's HEALTHCHECK and by compose.yaml (the slim image has no curl). It asks the
server on 127.0.0.1 at ``$PORT`` (default 8050), the port gunicorn.conf.py listens on, and gives up
after 3 s (the HEALTHCHECK's own timeout is 4 s). It runs every 5 s, so it only imports the
standard library and writes nothing.
"""
import json
import os
import sys
import urllib.request


def main() -> int:
    url = f"http://127.0.0.1:{os.environ.get('PORT', '8050')}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=3) as response:  # raises on a non-2xx status
            body = json.load(response)
    except Exception as error:  # noqa: BLE001 - any failure means unhealthy
        print(f"unhealthy: GET {url}: {error}", file=sys.stderr)
        return 1
    if not isinstance(body, dict) or body.get("status") != "ok":
        print(f"unhealthy: GET {url} answered {body!r}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
