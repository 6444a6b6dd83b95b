"""What the locustfile and the memory test share: the render callback's body and answer, and the
names the summaries use.  Stdlib only (runs in ``.venv-load``)."""
from __future__ import annotations

import json

PAGE = "page load (3 requests)"
PAGE_PATHS = ("/", "/_dash-layout", "/_dash-dependencies")
FULL = "figure update: full"
PATCH = "figure update: patch"
FIGURE = "figure update: all"          # FULL and PATCH together, computed by the summaries
HEAVY_WORK = "heavy: work limit (8 L-BFGS, goldstein_price)"
HEAVY_TIME = "heavy: time limit (8 L-BFGS, parabola)"
RESENT = "client: sent again (keep-alive connection closed)"
HEADERS = {"Content-Type": "application/json", "Accept": "application/json"}


def render_template(dependencies: list) -> dict:
    """The parts of the render callback's body that do not change, from ``/_dash-dependencies``
    (the callback whose output contains ``contour-graph.figure``)."""
    dep = next(d for d in dependencies if "contour-graph.figure" in d["output"])
    return {"output": dep["output"],
            "outputs": [{"id": part.rsplit(".", 1)[0], "property": part.rsplit(".", 1)[1]}
                        for part in dep["output"].strip(".").split("...")],
            "inputs": [(s["id"], s["property"]) for s in dep["inputs"]],
            "state": [(s["id"], s["property"]) for s in dep["state"]]}


def render_body(template: dict, config_data: dict, step, rendered) -> str:
    """The body the browser POSTs to /_dash-update-component when the config store changes
    (as ``tests/test_server.py``'s ``_render_body`` builds it)."""
    values = {"config-store.data": config_data, "step-slider.value": step, "render-store.data": rendered}
    return json.dumps({
        "output": template["output"], "outputs": template["outputs"],
        "inputs": [{"id": i, "property": p, "value": values.get(f"{i}.{p}")} for i, p in template["inputs"]],
        "state": [{"id": i, "property": p, "value": values.get(f"{i}.{p}")} for i, p in template["state"]],
        "changedPropIds": ["config-store.data"]})


_DECODER = json.JSONDecoder()


def render_store(text: str):
    """The ``render-store`` data of a render answer (its last output, so read from the end), or
    None when ``text`` is not a render answer."""
    if not text or not text.startswith("{") or '"contour-graph"' not in text[:300]:
        return None
    at = text.rfind('"render-store"')
    if at < 0:
        return None
    try:
        value, _ = _DECODER.raw_decode(text, text.index("{", at))
        return value["data"]
    except (ValueError, KeyError, TypeError):
        return None


def percentile(sorted_values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (``q`` in 0..100) of an ascending list."""
    if not sorted_values:
        return None
    rank = max(1, -(-len(sorted_values) * q // 100))
    return sorted_values[int(rank) - 1]
