"""The JSON API: its answers equal the engine's, its description is generated, and no request
(fuzzed from that description with schemathesis) gets a 5xx or an answer off its schema."""
from __future__ import annotations

import json

import numpy as np
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode

import app as web
import optviz
import surfaces
from optviz import api, optimizers, schedules
from optviz import grid as grid_module
from optviz import settings as service_settings
from optviz.config import check_start
from optviz.options import STEPS

CLIENT = web.server.test_client()


def post(body, **kwargs):
    if not isinstance(body, (str, bytes)):
        kwargs.setdefault("json", body)
        return CLIENT.post("/api/trajectory", **kwargs)
    return CLIENT.post("/api/trajectory", data=body, content_type=kwargs.pop("content_type", "application/json"),
                       **kwargs)


# -- examples -------------------------------------------------------------------------------------------
def test_api001_the_issue_example_equals_simulate():
    body = {"optimizer": "adam", "surface": "rosenbrock", "start": [-1.5, 2], "steps": 500,
            "hyperparameters": {"lr": 0.01}, "noise": 0, "seed": 0, "schedule": None, "clip": None}
    r = post(body)
    assert r.status_code == 200 and r.mimetype == "application/json"
    data = r.get_json()
    run = optviz.simulate("adam", "rosenbrock", start=(-1.5, 2), steps=500, lr=0.01)
    assert data["status"] == "ok" and data["diverged"] is False and data["steps"] == 500
    assert np.array_equal(np.array(data["xy"]), run.xy) and np.array_equal(np.array(data["loss"]), run.loss)
    for key in ("f_evals", "g_evals", "h_evals"):
        assert data[key] == getattr(run, key).tolist()
    assert set(data["state"]) == set(run.state) and np.array_equal(data["state"]["v_x"], run.state["v_x"])
    assert data["hyperparameters"] == run.hyperparameters and data["work"] == run.work


def test_api002_every_option_reaches_the_engine():
    body = {"optimizer": "momentum", "surface": {"name": "quadratic", "condition": 100, "rotation": 30},
            "start": [-2.5, 1.5], "steps": 300, "hyperparameters": {"lr": 0.02, "momentum": 0.8},
            "noise": 0.3, "seed": 7, "schedule": {"name": "step", "step_size": 20, "gamma": 0.5}, "clip": 2.0}
    data = post(body).get_json()
    run = optviz.simulate("momentum", surfaces.get("quadratic", condition=100, rotation=30), start=(-2.5, 1.5),
                          steps=300, noise=0.3, seed=7, clip=2.0, schedule={"name": "step", "step_size": 20,
                                                                             "gamma": 0.5}, lr=0.02, momentum=0.8)
    assert np.array_equal(np.array(data["xy"]), run.xy)
    defaults = post({"optimizer": "gd"}).get_json()
    assert defaults["surface"] == "rosenbrock" and defaults["requested_steps"] == STEPS.default


def test_api003_a_diverged_run_and_non_finite_state_are_valid_json():
    data = post({"optimizer": "gd", "steps": 1000, "hyperparameters": {"lr": 0.01}}).get_json()
    assert data["diverged"] is True and data["status"] == "diverged" and data["steps"] == 3
    newton = post({"optimizer": "newton", "surface": "saddle", "start": [1, 0.001], "steps": 5})
    json.loads(newton.data, parse_constant=lambda c: pytest.fail(f"{c} in the answer"))


def test_api004_the_heaviest_request_stops_on_the_work_limit_with_a_message():
    body = {"optimizer": "lbfgs", "surface": "goldstein_price", "steps": 100_000, "noise": 0.5,
            "hyperparameters": {"lr": 1000, "max_eval": 1000, "history_size": 1000, "tolerance_grad": 0,
                                "tolerance_change": 0, "line_search_fn": "strong_wolfe"}}
    data = post(body).get_json()
    assert data["status"] == "work_limit" and data["work"] <= service_settings.WORK_LIMIT
    assert "max_eval" in data["message"] and f"{service_settings.WORK_LIMIT}" in data["message"]
    assert len(data["xy"]) == data["steps"] + 1 < 100_001


@pytest.mark.parametrize("body, status, words", [
    ("{", 400, ["not valid JSON"]),
    ("[1, 2]", 400, ["JSON object", "optimizer"]),
    ('{"optimizer": "adam", "steps": NaN}', 400, ["NaN"]),
    ('{"optimizer": "adam", "steps": 1e400}', 400, ["steps", "[0, 100000]", "inf"]),
    ('{"optimizer": "adam", "steps": 1' + "0" * 400 + "}", 400, ["steps", "[0, 100000]"]),
    ({"optimizer": "adam", "steps": 100_001}, 400, ["steps", "[0, 100000]", "100001"]),
    ({"optimizer": "adam", "steps": "10"}, 400, ["steps", "'10'"]),
    ({"optimizer": "adam", "hyperparameters": {"lr": "0.1"}}, 400, ["lr", "(0, 10]"]),
    ({"optimizer": "adam", "hyperparameters": {"amsgrad": 1}}, 400, ["amsgrad", "true or false"]),
    ({"optimizer": "adam", "hyperparameters": {"learning_rate": 0.1}}, 400, ["learning_rate", "lr, beta1"]),
    ({"optimizer": "adam", "hyperparameters": [0.1]}, 400, ["hyperparameters", "object"]),
    ({"optimizer": "adma"}, 400, ["adma", "adam", "nelder_mead"]),
    ({"surface": "rosenbrock"}, 400, ["optimizer", "required"]),
    ({"optimizer": "adam", "surface": "nowhere"}, 400, ["nowhere", "quadratic"]),
    ({"optimizer": "adam", "surface": {"condition": 3}}, 400, ["surface", "name"]),
    ({"optimizer": "adam", "surface": {"name": "quadratic", "condition": 0}}, 400, ["condition", "[1, 10000]"]),
    ({"optimizer": "adam", "start": [100, 0]}, 400, ["start x", "-6 to 6"]),
    ({"optimizer": "adam", "start": [0]}, 400, ["start", "[x, y]"]),
    ({"optimizer": "adam", "noise": -1}, 400, ["noise", "[0, 1000]"]),
    ({"optimizer": "adam", "seed": 2 ** 40}, 400, ["seed", "4294967295"]),
    ({"optimizer": "adam", "clip": 0}, 400, ["clip"]),
    ({"optimizer": "adam", "schedule": "warp"}, 400, ["warp", "cosine"]),
    ({"optimizer": "adam", "schedule": {"name": "step", "gamma": 2}}, 400, ["gamma", "(0, 1]"]),
    ({"optimizer": "adam", "colour": "red"}, 400, ["colour", "allowed: optimizer"]),
    ({"optimizer": "adam", "surface": "mccormick", "start": [-4.5, 7]}, 200, []),
])
def test_api005_bad_requests_say_what_was_wrong_and_what_is_allowed(body, status, words):
    r = post(body)
    assert r.status_code == status, r.data[:300]
    if status == 200:
        return
    data = r.get_json()
    assert set(data) == {"error", "problems"} and data["problems"]
    for word in words:
        assert word in data["error"], f"{word!r} not in {data['error']!r}"
    assert "Traceback" not in data["error"] and "Error:" not in data["error"]


def test_api006_every_problem_is_listed_at_once():
    data = post({"optimizer": "adam", "steps": -1, "noise": -1, "hyperparameters": {"lr": 0}}).get_json()
    assert len(data["problems"]) == 3


def test_api007_method_content_type_and_size():
    r = CLIENT.get("/api/trajectory")
    assert r.status_code == 405 and "POST" in r.headers["Allow"] and "error" in r.get_json()
    r = post("optimizer=adam", content_type="application/x-www-form-urlencoded")
    assert r.status_code == 415 and "application/json" in r.get_json()["error"]
    r = post(json.dumps({"optimizer": "adam", "pad": "x" * 1_100_000}))
    assert r.status_code == 413 and "1,000,000 bytes" in r.get_json()["error"]
    r = CLIENT.get("/api/nothing")
    assert r.status_code == 404 and "openapi" in r.get_json()["error"]


def test_api008_registries_describe_what_the_app_offers():
    listed = CLIENT.get("/api/optimizers").get_json()["optimizers"]
    assert [o["name"] for o in listed] == optimizers.names()
    adam = next(o for o in listed if o["name"] == "adam")
    lr = next(h for h in adam["hyperparameters"] if h["name"] == "lr")
    assert lr == {"name": "lr", "kind": "float", "default": 0.001, "help": "Learning rate.",
                  "allowed": "a number in (0, 10]", "low": 0.0, "high": 10.0, "low_open": True,
                  "high_open": False, "log": True, "slider": [0.0001, 1.0]}
    listed = CLIENT.get("/api/surfaces").get_json()["surfaces"]
    assert [s["name"] for s in listed] == surfaces.names()
    quadratic = listed[0]
    assert [p["name"] for p in quadratic["parameters"]] == ["condition", "rotation"]
    rosen = next(s for s in listed if s["name"] == "rosenbrock")
    assert rosen["minima"] == [[1.0, 1.0]] and rosen["domain"] == [[-2.0, 2.0], [-1.0, 3.0]]
    assert rosen["start_bounds"] == [[-6.0, 6.0], [-5.0, 7.0]]
    saddle = next(s for s in listed if s["name"] == "saddle")
    assert saddle["minima"] == [] and saddle["minimum_value"] is None
    assert [s["name"] for s in CLIENT.get("/api/schedules").get_json()["schedules"]] == schedules.names()


def test_api009_the_description_comes_from_the_declarations():
    spec = CLIENT.get("/api/openapi.json").get_json()
    assert spec == json.loads(json.dumps(api.openapi()))
    variants = spec["components"]["schemas"]["TrajectoryRequest"]["oneOf"]
    assert [v["properties"]["optimizer"]["const"] for v in variants] == optimizers.names()
    adam = variants[optimizers.names().index("adam")]["properties"]
    assert adam["hyperparameters"]["properties"]["lr"]["exclusiveMinimum"] == 0.0
    assert adam["steps"]["maximum"] == STEPS.high and adam["steps"]["minimum"] == STEPS.low


def test_api010_a_sweep_answers_what_optviz_sweep_computes():
    body = {"optimizer": "adam", "surface": "rosenbrock", "start": [-1.2, 1], "steps": 300, "tol": 1e-3,
            "grid": {"lr": [0.001, 0.01, 0.1, 2.0], "beta1": [0.5, 0.9]}, "hyperparameters": {"beta2": 0.99}}
    response = CLIENT.post("/api/sweep", data=json.dumps(body), content_type="application/json")
    assert response.status_code == 200, response.get_json()
    answer = response.get_json()
    expected = optviz.sweep("adam", "rosenbrock", start=(-1.2, 1), steps=300, tol=1e-3, beta2=0.99,
                            grid={"lr": [0.001, 0.01, 0.1, 2.0], "beta1": [0.5, 0.9]})
    assert answer["names"] == ["lr", "beta1"] and answer["values"] == [[0.001, 0.01, 0.1, 2.0], [0.5, 0.9]]
    assert np.array_equal(np.array(answer["final_loss"], dtype=float), expected.final_loss, equal_nan=True)
    assert answer["steps_to_tol"] == expected.steps_to_tol.tolist()
    assert answer["diverged"] == expected.diverged.tolist() and answer["message"] is None
    assert answer["hyperparameters"]["beta2"] == 0.99


def test_api011_basins_answer_what_optviz_basins_computes():
    body = {"optimizer": "gd", "surface": "himmelblau", "resolution": 12, "steps": 800,
            "hyperparameters": {"lr": 0.01}}
    response = CLIENT.post("/api/basins", data=json.dumps(body), content_type="application/json")
    assert response.status_code == 200, response.get_json()
    answer = response.get_json()
    expected = optviz.basins("gd", "himmelblau", resolution=12, steps=800, lr=0.01)
    assert answer["minimum"] == expected.minimum.tolist() and answer["steps"] == expected.steps.tolist()
    assert answer["xs"] == expected.xs.tolist() and len(answer["minima"]) == 4
    assert sorted(set(np.ravel(answer["minimum"]))) == [0, 1, 2, 3] and answer["resting"] is None


def test_api011b_a_formulas_basins_say_where_the_runs_rest():
    formula = "(x^2 + y - 11)^2 + (x + y^2 - 7)^2"
    body = {"optimizer": "newton", "surface": {"name": "formula", "f": formula}, "resolution": 12, "steps": 50}
    response = CLIENT.post("/api/basins", data=json.dumps(body), content_type="application/json")
    assert response.status_code == 200, response.get_json()
    answer = response.get_json()
    expected = optviz.basins("newton", surfaces.from_formula(formula), resolution=12, steps=50).resting
    assert answer["minima"] == [] and answer["resting"]["kinds"] == list(expected.kinds)
    assert answer["resting"]["points"] == expected.points.tolist()
    assert answer["resting"]["label"] == expected.label.tolist() and "minimum" in answer["resting"]["kinds"]


def test_api014_a_swept_hyperparameter_given_also_as_fixed_is_swept_and_the_answer_says_so():
    body = {"optimizer": "adam", "steps": 50, "grid": {"lr": [0.01, 0.1]}, "hyperparameters": {"lr": 0.5}}
    answer = CLIENT.post("/api/sweep", data=json.dumps(body), content_type="application/json").get_json()
    assert answer["values"] == [[0.01, 0.1]]
    assert answer["message"] == "hyperparameters.lr was not used: lr is swept (grid)"
    assert answer["final_loss"] == optviz.sweep("adam", "rosenbrock", steps=50, grid={"lr": [0.01, 0.1]}).final_loss.tolist()


def test_api012_a_grid_too_heavy_for_the_budget_stops_its_cells_with_a_message(monkeypatch):
    monkeypatch.setattr(service_settings, "GRID_WORK_LIMIT", 100_000)
    body = {"optimizer": "adam", "steps": 20000, "grid": {"lr": [0.001, 0.01], "beta1": [0.5, 0.9, 0.95]}}
    answer = CLIENT.post("/api/sweep", data=json.dumps(body), content_type="application/json").get_json()
    assert set(np.ravel(answer["status"])) == {"work_limit"}
    assert max(np.ravel(answer["steps_done"])) < 20000
    assert "100,000 units of work" in answer["message"]


@pytest.mark.parametrize("path, body, words", [
    ("/api/sweep", {"optimizer": "adam"}, "'grid' is required"),
    ("/api/sweep", {"optimizer": "adam", "grid": {"amsgrad": [True]}}, "bool setting"),
    ("/api/sweep", {"optimizer": "adam", "grid": {"lr": [-1]}}, "grid['lr'][0]: lr must be"),
    ("/api/sweep", {"optimizer": "adam", "grid": {"lr": [0.1]}, "tol": "small"}, "tol must be"),
    ("/api/sweep", {"optimizer": "nope", "grid": {"lr": [0.1]}}, "unknown optimizer"),
    ("/api/sweep", {"optimizer": "adam", "grid": {"lr": [0.1]}, "resolution": 3}, "unknown key 'resolution'"),
    ("/api/basins", {"optimizer": "gd", "resolution": 401}, "resolution must be an integer in [2, 400]"),
    ("/api/basins", {"optimizer": "gd", "start": [0, 0]}, "unknown key 'start'"),
    ("/api/basins", [1, 2], "must be a JSON object"),
])
def test_api013_bad_grid_requests_say_what_was_wrong(path, body, words):
    response = CLIENT.post(path, data=json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    assert words in response.get_json()["error"], response.get_json()


# -- fuzzing from the description --------------------------------------------------------------------
SCHEMA = schemathesis.openapi.from_wsgi("/api/openapi.json", web.server)
SCHEMA.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE])


def _start_within_its_surface(body):
    """Where a start may lie depends on the surface (its window widened by its size, and where f
    has a value; the schema says so in words): a generated start elsewhere is moved to the
    surface's own start, so that schemathesis's check that valid requests are accepted still
    checks everything else."""
    if not isinstance(body, dict) or not isinstance(body.get("start"), list) or len(body["start"]) != 2:
        return
    surface = body.get("surface", "rosenbrock")
    name = surface.get("name") if isinstance(surface, dict) else surface
    if name not in surfaces.names() or not all(isinstance(v, (int, float)) for v in body["start"]):
        return
    try:   # the surface as the request gives it (a typed formula's window and text)
        given = {k: v for k, v in surface.items() if k != "name"} if isinstance(surface, dict) else {}
        surface = surfaces.get(name, **given)
    except (ValueError, TypeError):   # refused for its own parameters: the start does not matter
        return
    try:
        check_start(surface, float(body["start"][0]), float(body["start"][1]), strict=True)
    except (ValueError, OverflowError):
        del body["start"]   # absent: the surface's own start (null would violate the schema)


def _formula_that_reads(body):
    """A typed formula (surface "formula") must parse and its window must be one (x_min < x_max,
    y_min < y_max), which a JSON Schema cannot say: a generated one that does not is replaced by
    the default formula and window, for the same reason as the start above (tests/test_formula.py
    and test_app_formula.py check the refusals)."""
    surface = body.get("surface") if isinstance(body, dict) else None
    if not isinstance(surface, dict) or surface.get("name") != "formula":
        return
    given = {k: v for k, v in surface.items() if k != "name"}
    text = given.get("f", "")
    typed = (set(given) <= {"f", "x_min", "x_max", "y_min", "y_max"} and isinstance(text, str) and len(text) <= 300
             and all(isinstance(v, (int, float)) and not isinstance(v, bool) and abs(v) <= 1e6
                     for k, v in given.items() if k != "f"))
    if not typed:   # schema-invalid already: the server must refuse it as it is
        return
    try:
        surfaces.get("formula", **{k: v for k, v in surface.items() if k != "name"})
    except (ValueError, TypeError):
        body["surface"] = {"name": "formula"}


def _batch_on_a_model(body):
    """A minibatch needs the loss of a model on data and at most its number of points, which the
    schema says in words: a generated batch_size elsewhere is left out, as the start above."""
    value = body.get("batch_size") if isinstance(body, dict) else None
    if not (isinstance(value, (int, float)) and not isinstance(value, bool) and float(value).is_integer()
            and 1 <= value <= 100_000):
        return   # schema-invalid already (JSON Schema's integers include 3.0): the server must refuse it
    surface = body.get("surface", "rosenbrock")
    name = surface.get("name") if isinstance(surface, dict) else surface
    if name not in surfaces.names() or not 1 <= body["batch_size"] <= surfaces.get(name).data_size:
        del body["batch_size"]


@pytest.fixture
def cheap_requests(monkeypatch):
    """Fuzzed runs may ask for 100,000 steps of anything: a small work and time limit keeps the
    test short without changing what is checked (a limited run is still a valid answer)."""
    monkeypatch.setattr(service_settings, "WORK_LIMIT", 200_000)
    monkeypatch.setattr(service_settings, "GRID_WORK_LIMIT", 400_000)
    monkeypatch.setattr(grid_module, "BLOCKED_MIN_CELL_STEPS", 10 ** 18)   # no compiling per fuzzed pair
    monkeypatch.setattr(service_settings, "TIME_LIMIT", 0.2)


@SCHEMA.parametrize()
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_api100_fuzzed_requests_never_fail_and_match_the_schema(case, cheap_requests):
    _formula_that_reads(case.body)
    _batch_on_a_model(case.body)
    _start_within_its_surface(case.body)
    # (the in-process transport does not decode compressed answers, so ask for none)
    response = case.call_and_validate(headers={"Accept-Encoding": "identity"})
    assert response.status_code < 500
