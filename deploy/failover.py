"""Failover through deploy/nginx.conf: 3 replicas of the image behind nginx, one killed mid-run.

    python deploy/failover.py               # build the images, run the test (``make failover``)
    python deploy/failover.py --no-build    # use the images already built

What compose's ``lb`` profile does with ``--scale web=3``, wired by hand (there is no compose v2
here, and no nginx image): a user-defined Docker network, 3 containers of the image with the
network alias ``web``, and nginx (Debian's, in an image built from the same Python base) with
deploy/nginx.conf as its site, so Docker's embedded DNS at 127.0.0.11 answers ``web`` with the
3 replicas exactly as under compose. nginx is published on a free loopback port only.

Then a few client threads send a steady stream of requests through nginx for 30 s (GET
/healthz, GET /, and figure updates: a new noise seed each, so every one computes), and one
replica is killed (``docker kill``) at 10 s. It prints how many requests were sent and failed,
latency p50/p95/max (all, and in the 5 s after the kill), and how many requests each replica
answered, and exits 1 when any request failed. Before the run it checks that nginx compresses a
response once (never on top of the app's compression) and refuses a body over 1 MiB.

Every loop is bounded in time and in count; containers, the network and the temporary build
folder are removed at the end, whatever happens.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from check_image import (IMAGE, ROOT, SANDBOX, DashClient, docker, figure_ok, free_port,  # noqa: E402
                         remove_containers, request)

NGINX_IMAGE = "optviz-failover-nginx:bookworm"
NGINX_DOCKERFILE = """\
FROM python:3.11.15-slim-bookworm
RUN apt-get update \\
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nginx \\
    && rm -rf /var/lib/apt/lists/* /etc/nginx/sites-enabled/default
CMD ["nginx", "-g", "daemon off;"]
"""
REPLICAS = 3
DURATION = 30.0          # seconds of traffic
KILL_AT = 10.0           # seconds into the traffic
AFTER_KILL = 5.0         # the window after the kill reported on its own
CLIENTS = 4              # client threads
MAX_PER_CLIENT = 5000    # a bound on each thread's requests, whatever the timing
REQUEST_TIMEOUT = 15.0


def build_images() -> None:
    print(f"building {IMAGE} with docker-sandbox ...", flush=True)
    result = subprocess.run([str(SANDBOX), "build", IMAGE], cwd=ROOT, capture_output=True, text=True,
                            timeout=1800)
    if result.returncode != 0:
        sys.stderr.write(result.stdout[-4000:] + result.stderr[-4000:])
        raise SystemExit("the build of the app image failed")
    print(f"building {NGINX_IMAGE} (Debian's nginx on the same base) ...", flush=True)
    with tempfile.TemporaryDirectory(prefix="optviz-nginx-") as context:
        Path(context, "Dockerfile").write_text(NGINX_DOCKERFILE)
        docker("build", "--network=host", "-q", "-t", NGINX_IMAGE, context, timeout=900)


def wait_healthy(names: list[str], limit: float = 60.0) -> None:
    deadline = time.monotonic() + limit
    pending = list(names)
    while pending and time.monotonic() < deadline:
        pending = [n for n in pending if docker("inspect", "-f", "{{.State.Health.Status}}", n) != "healthy"]
        time.sleep(0.5)
    if pending:
        raise RuntimeError(f"not healthy after {limit:.0f} s: {', '.join(pending)}")


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def pre_checks(base: str, figure: dict) -> list[str]:
    """nginx compresses once and refuses large bodies; a list of failures."""
    failures = []
    status, head, raw = request(f"{base}/_dash-update-component", figure, timeout=30, gzip_ok=True)
    try:
        single = status == 200 and head.get("Content-Encoding") == "gzip" and figure_ok(status, raw)
    except ValueError:  # compressed twice: still gzip after one decompression
        single = False
    print(f"  figure update with Accept-Encoding: gzip -> {status}, Content-Encoding "
          f"{head.get('Content-Encoding')}, JSON after one decompression: {'yes' if single else 'NO'}")
    if not single:
        failures.append("compression")
    status, _, _ = request(f"{base}/_dash-update-component", {"pad": "x" * 1_200_000}, timeout=30)
    print(f"  POST of 1.2 MB -> {status} (nginx client_max_body_size 1m)")
    if status != 413:
        failures.append("body limit")
    return failures


def run_traffic(base: str, figure: dict, victim: str) -> tuple[list[tuple], float]:
    """Client threads for DURATION seconds; kills ``victim`` at KILL_AT. Returns the records
    ``(start offset, kind, ok, seconds, detail)`` and the kill's offset."""
    records: list[tuple] = []
    lock = threading.Lock()
    started = time.monotonic()
    stop_at = started + DURATION
    config = figure["inputs"][0]["value"]
    counter = iter(range(10 ** 9))

    def client(number: int) -> None:
        rng = random.Random(number)
        for i in range(MAX_PER_CLIENT):
            now = time.monotonic()
            if now >= stop_at:
                return
            kind = ("healthz", "page", "figure", "figure")[(i + number) % 4]
            t0 = time.monotonic()
            try:
                if kind == "healthz":
                    status, _, raw = request(f"{base}/healthz", timeout=REQUEST_TIMEOUT)
                    ok, detail = status == 200 and b'"ok"' in raw, status
                elif kind == "page":
                    status, _, raw = request(f"{base}/", timeout=REQUEST_TIMEOUT, gzip_ok=True)
                    ok, detail = status == 200 and b"react-entry-point" in raw, status
                else:
                    with lock:
                        seed = next(counter)
                    body = json.loads(json.dumps(figure))
                    body["inputs"][0]["value"] = {**config, "noise": 0.05, "seed": seed}
                    status, _, raw = request(f"{base}/_dash-update-component", body, timeout=REQUEST_TIMEOUT,
                                             gzip_ok=True)
                    ok, detail = figure_ok(status, raw), status
            except Exception as error:  # noqa: BLE001 - counted as a failed request
                ok, detail = False, f"{type(error).__name__}: {error}"[:100]
            with lock:
                records.append((t0 - started, kind, ok, time.monotonic() - t0, detail))
            time.sleep(rng.uniform(0.0, 0.02))

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    time.sleep(KILL_AT)
    killed_at = time.monotonic() - started
    docker("kill", victim)
    print(f"  docker kill {victim} at {killed_at:.1f} s", flush=True)
    for thread in threads:
        thread.join(timeout=DURATION + 2 * REQUEST_TIMEOUT)
    return records, killed_at


def summary(records: list[tuple], killed_at: float) -> list[str]:
    lines = ["| requests | sent | failed | p50 ms | p95 ms | max ms |", "| --- | ---: | ---: | ---: | ---: | ---: |"]

    def row(label, subset):
        latencies = [r[3] * 1000 for r in subset]
        failed = sum(1 for r in subset if not r[2])
        lines.append(f"| {label} | {len(subset)} | {failed} | {percentile(latencies, 50):.0f} | "
                     f"{percentile(latencies, 95):.0f} | {max(latencies, default=float('nan')):.0f} |")

    row("all", records)
    for kind, label in (("healthz", "GET /healthz"), ("page", "GET /"), ("figure", "POST figure update")):
        row(label, [r for r in records if r[1] == kind])
    row("before the kill", [r for r in records if r[0] < killed_at])
    row(f"first {AFTER_KILL:g} s after the kill", [r for r in records if killed_at <= r[0] < killed_at + AFTER_KILL])
    row(f"from {AFTER_KILL:g} s after the kill", [r for r in records if r[0] >= killed_at + AFTER_KILL])
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-build", action="store_true", help="use the images already built")
    args = parser.parse_args()
    if not args.no_build:
        build_images()

    tag = f"{os.getpid()}"
    network = f"optviz-failover-{tag}"
    replicas = [f"optviz-failover-web{i + 1}-{tag}" for i in range(REPLICAS)]
    balancer = f"optviz-failover-lb-{tag}"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    print(f"failover test, {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}, {platform.node()} "
          f"({os.cpu_count()} cores, shared by the replicas, nginx and the clients), docker "
          f"{docker('version', '-f', '{{.Server.Version}}')}, {REPLICAS} replicas of {IMAGE} "
          f"(WEB_CONCURRENCY=2, GUNICORN_THREADS=4 each), nginx "
          f"{docker('run', '--rm', '--network=none', NGINX_IMAGE, 'sh', '-c', 'nginx -v 2>&1', check=False) or 'from Debian'}")
    failures: list[str] = []
    try:
        docker("network", "create", network)
        for name in replicas:
            docker("run", "-d", "--name", name, "--network", network, "--network-alias", "web", IMAGE)
        wait_healthy(replicas)
        docker("run", "-d", "--name", balancer, "--network", network, "-p", f"127.0.0.1:{port}:8080",
               "-v", f"{ROOT / 'deploy' / 'nginx.conf'}:/etc/nginx/conf.d/default.conf:ro", NGINX_IMAGE)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if request(f"{base}/healthz", timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        else:
            raise RuntimeError("nginx did not answer /healthz in 30 s")
        print(f"  {REPLICAS} replicas healthy, nginx answers on 127.0.0.1:{port}")

        client = DashClient(base)
        figure = client.figure_body(client.default_config())
        failures += pre_checks(base, figure)

        print(f"  {CLIENTS} client threads for {DURATION:g} s ...", flush=True)
        records, killed_at = run_traffic(base, figure, replicas[1])
        counts = []
        for name in replicas:
            log = subprocess.run(["docker", "logs", name], capture_output=True, text=True, timeout=60)
            counts.append(sum(1 for line in (log.stdout + log.stderr).splitlines() if '" 200 ' in line))
        print()
        print("\n".join(summary(records, killed_at)))
        print()
        print("answered (200 lines in each replica's access log, the start-up health checks included): "
              + ", ".join(f"web{i + 1} {n}{' (killed)' if i == 1 else ''}" for i, n in enumerate(counts)))
        failed = [r for r in records if not r[2]]
        if failed:
            failures.append(f"{len(failed)} failed requests")
            for record in failed[:10]:
                print(f"  failed: {record[1]} at {record[0]:.2f} s after {record[3]:.2f} s: {record[4]}")
        if len(records) < 100:
            failures.append(f"only {len(records)} requests sent")
    except Exception as error:  # noqa: BLE001 - reported, and the containers are removed below
        failures.append(f"{type(error).__name__}: {error}")
        if balancer:
            log = subprocess.run(["docker", "logs", "--tail", "20", balancer], capture_output=True, text=True,
                                 timeout=60)
            sys.stderr.write(log.stdout + log.stderr)
    finally:
        remove_containers(balancer, *replicas)
        subprocess.run(["docker", "network", "rm", network], capture_output=True, timeout=60)
    print()
    if failures:
        print("FAILED: " + "; ".join(failures))
        return 1
    print("no failed requests")
    return 0


if __name__ == "__main__":
    sys.exit(main())
