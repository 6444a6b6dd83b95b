"""The URL format (a contract) and its parser: examples, error messages, and properties."""
from __future__ import annotations

import math
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import surfaces
from optviz import lessons, optimizers, schedules
from optviz.spec import STEPS_CAP
from optviz.ui import state, urlstate
from optviz.ui.state import MAX_RUNS, Config, Run


def test_url001_contract_example():
    """The example of the issue, with the optimizers and surface that are registered."""
    surface = "beale" if "beale" in surfaces.names() else "rosenbrock"
    config, problems = urlstate.parse(f"/?surface={surface}&start=1,1.5&steps=300"
                                      "&run=adam:lr=0.05,beta1=0.9&run=gd:lr=0.001".split("?", 1)[1])
    assert problems == []
    assert config.surface == surface and config.start == (1.0, 1.5) and config.steps == 300
    assert [r.optimizer for r in config.runs] == ["adam", "gd"]
    adam, gd = config.runs
    assert adam.values["lr"] == 0.05 and adam.values["beta1"] == 0.9
    assert adam.values["beta2"] == optimizers.get("adam").defaults()["beta2"], "unnamed take the defaults"
    assert gd.values["lr"] == 0.001
    # only non-default values are written (beta1=0.9 is Adam's default)
    assert urlstate.serialize(config) == f"?surface={surface}&start=1,1.5&steps=300&run=adam:lr=0.05&run=gd:lr=0.001"


def test_url002_every_key_round_trips():
    link = ("?surface=quadratic:condition=100,rotation=30&start=-2.5,1.25&steps=1000&noise=0.25&seed=42"
            "&schedule=step:step_size=20,gamma=0.25&clip=5&lossx=cost&run=momentum:lr=0.02,form=classical"
            "&run=adam:lr=0.1,amsgrad=true&run=adam:lr=0.3")
    config, problems = urlstate.parse(link)
    assert problems == []
    assert dict(config.surface_params) == {"condition": 100.0, "rotation": 30.0}
    assert config.noise == 0.25 and config.seed == 42 and config.clip == 5.0 and config.lossx == "cost"
    assert config.schedule == "step" and dict(config.schedule_params) == {"step_size": 20, "gamma": 0.25}
    assert config.runs[0].values["form"] == "classical" and config.runs[1].values["amsgrad"] is True
    assert urlstate.serialize(config) == link


def test_url003_defaults_fill_what_is_missing():
    config, problems = urlstate.parse("")
    assert problems == [] and config == state.default_config()
    config, problems = urlstate.parse("?surface=quadratic")
    assert problems == []
    assert config.start == surfaces.get("quadratic").start and config.runs == state.default_config("quadratic").runs


def test_url004_empty_comparison_round_trips():
    config, problems = urlstate.parse("?run=")
    assert problems == [] and config.runs == ()
    assert urlstate.serialize(config).endswith("&run=")
    assert urlstate.parse(urlstate.serialize(config))[0] == config


@pytest.mark.parametrize("link, names", [
    ("?surface=narnia", ["narnia", "rosenbrock", "quadratic"]),
    ("?surface=quadratic:condition=-4", ["condition", "-4", "[1, 10000]"]),
    ("?surface=quadratic:colour=red", ["colour", "condition, rotation"]),
    ("?steps=abc", ["steps", "abc", "100000"]),
    ("?steps=-1", ["steps", "[0, 100000]"]),
    (f"?steps={STEPS_CAP + 1}", ["steps"]),
    ("?start=1", ["start", "x,y"]),
    ("?start=1e9,0", ["start x", "1e9", "-6 to 6"]),
    ("?noise=-1", ["noise", "-1"]),
    ("?seed=1.5", ["seed", "1.5"]),
    ("?clip=0", ["clip", "off"]),
    ("?schedule=warp", ["warp", "constant", "cosine"]),
    ("?schedule=step:gamma=7", ["gamma", "7"]),
    ("?lossx=time", ["lossx", "step, cost"]),
    ("?run=warp", ["warp", "adam", "momentum"]),
    ("?run=adam:lr=nan", ["lr", "nan"]),
    ("?run=adam:lr=inf", ["lr", "inf"]),
    ("?run=adam:lr=20", ["lr", "(0, 10]"]),
    ("?run=adam:zeta=1", ["zeta", "beta1"]),
    ("?run=adam:amsgrad=maybe", ["amsgrad", "maybe", "true or false"]),
    ("?run=momentum:form=sideways", ["form", "sideways", "'torch', 'classical'"]),
    ("?run=adam:lr", ["lr", "name=value"]),
    ("?colour=red", ["colour", "surface", "run"]),
    ("?steps=10&steps=20", ["steps", "twice"]),
])
def test_url005_bad_parts_are_named_with_what_is_allowed(link, names):
    config, problems = urlstate.parse(link)
    text = " ".join(problems)
    assert problems, f"{link} should be reported"
    for name in names:
        assert name in text, f"{name!r} missing from the message for {link}: {text}"
    # the rest of the page is a valid, usable configuration
    assert urlstate.parse(urlstate.serialize(config)) == (config, [])


def test_url006_only_the_bad_part_takes_its_default():
    config, problems = urlstate.parse("?surface=quadratic&steps=77&run=adam:lr=99,beta1=0.5&run=momentum:lr=0.02")
    assert len(problems) == 1
    adam, momentum = config.runs
    assert adam.values["lr"] == optimizers.get("adam").defaults()["lr"] and adam.values["beta1"] == 0.5
    assert momentum.values["lr"] == 0.02 and config.steps == 77 and config.surface == "quadratic"


def test_url007_too_many_runs_keeps_eight():
    config, problems = urlstate.parse("?" + "&".join(f"run=adam:lr=0.0{i + 1}" for i in range(10)))
    assert len(config.runs) == MAX_RUNS and any("at most 8" in p for p in problems)
    assert sorted(r.color for r in config.runs) == list(range(MAX_RUNS))


def test_url008_all_runs_bad_gives_the_default_comparison():
    config, problems = urlstate.parse("?run=warp&run=drive")
    assert config.runs == state.default_config().runs
    assert any("default comparison" in p for p in problems)


def test_url009_readable_encoding():
    config, _ = urlstate.parse("?run=adam:lr=1e-05,eps=1e-12")
    search = urlstate.serialize(config)
    assert "run=adam:lr=1e-05,eps=1e-12" in search
    assert "%" not in search and "+" not in search


def test_url010_percent_encoded_links_are_read():
    config, problems = urlstate.parse("?run=adam%3Alr%3D0.05&start=1%2C2")
    assert problems == [] and config.runs[0].values["lr"] == 0.05 and config.start == (1.0, 2.0)


def test_url011_numbers_are_written_exactly():
    for value in (0.1 + 0.2, 1e-300 * 1e300 / 3, 123456.789, 5e-324 * 1e308, 1e20):
        text = state.format_number(value)
        assert float(text) == value and "+" not in text


# -- properties --------------------------------------------------------------------------------------
_ALPHABET = st.sampled_from(list("?&=:,.-_+%/ ") + list("abcdefgimnoprstuvxyz0123456789") + ["e-5", "run=", "adam",
                                                                                            "surface=", "lr=", "%3A"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=200), st.lists(_ALPHABET, max_size=60).map("".join)))
def test_url100_parse_never_raises_and_serialize_is_stable(text):
    config, problems = urlstate.parse(text)
    assert isinstance(config, Config) and all(isinstance(p, str) for p in problems)
    first = urlstate.serialize(config)
    again, problems2 = urlstate.parse(first)
    assert problems2 == [], f"a serialized link is clean: {first} -> {problems2}"
    assert again == config
    assert urlstate.serialize(again) == first


def test_url101_parse_takes_anything():
    for thing in (None, 12, b"surface=quadratic", ["run=adam"], {"surface": "x"}, "?" * 100_000, "%" * 50,
                  "run=" + ":" * 1000, "surface=quadratic:" + ",".join(["condition=2"] * 500)):
        config, problems = urlstate.parse(thing)
        assert isinstance(config, Config)


def _value(h):
    """A strategy for valid values of one hyperparameter."""
    if h.kind == "bool":
        return st.booleans()
    if h.kind == "choice":
        return st.sampled_from(h.choices)
    lo, hi = h.slider_range
    lo = max(lo, h.low)
    hi = min(hi, h.high)
    if h.kind == "int":
        return st.integers(int(math.ceil(lo)), int(math.floor(hi)))
    floats = st.floats(lo, hi, allow_nan=False, allow_infinity=False, exclude_min=h.low_open and lo == h.low,
                       exclude_max=h.high_open and hi == h.high)
    return floats.filter(lambda v: _valid(h, v))


def _valid(h, v):
    try:
        h.validate(v)
        return True
    except ValueError:
        return False


@st.composite
def own_conditions(draw):
    """A run's own conditions: any subset of noise, seed, batch, schedule (with parameters) and clip."""
    out = []
    if draw(st.booleans()):
        out.append(("noise", draw(st.floats(0, 1e3))))
    if draw(st.booleans()):
        out.append(("seed", draw(st.integers(0, 2 ** 32 - 1))))
    if draw(st.booleans()):
        out.append(("batch", draw(st.integers(1, 100_000))))
    if draw(st.booleans()):
        sched = schedules.get(draw(st.sampled_from(schedules.names())))
        out += [("schedule", sched.name),
                ("schedule_params", tuple((h.name, draw(_value(h))) for h in sched.parameters))]
    if draw(st.booleans()):
        out.append(("clip", draw(st.none() | st.floats(1e-6, 1e6))))
    return tuple(out)


@st.composite
def configs(draw):
    surface = surfaces.get(draw(st.sampled_from(surfaces.names())))
    sp = tuple((h.name, draw(_value(h))) for h in surface.parameters)
    surf = surface.with_params(**dict(sp)) if sp else surface
    (xlo, xhi), (ylo, yhi) = state.start_bounds(surf)
    start = (draw(st.floats(xlo, xhi)), draw(st.floats(ylo, yhi)))
    sched = schedules.get(draw(st.sampled_from(schedules.names())))
    runs: list[Run] = []
    for name in draw(st.lists(st.sampled_from(optimizers.names()), max_size=MAX_RUNS)):
        spec = optimizers.get(name)
        values = tuple((h.name, draw(_value(h))) for h in spec.hyperparameters)
        runs.append(Run(uid=state.next_uid(runs), optimizer=name, hyperparameters=values,
                        color=state.free_color(runs), conditions=draw(own_conditions())))
    return Config(surface=surface.name, surface_params=sp, start=start,
                  steps=draw(st.integers(1, STEPS_CAP)), noise=draw(st.floats(0, 1e3)),
                  seed=draw(st.integers(0, 2 ** 32 - 1)), schedule=sched.name,
                  schedule_params=tuple((h.name, draw(_value(h))) for h in sched.parameters),
                  clip=draw(st.none() | st.floats(1e-6, 1e6)), runs=tuple(runs),
                  lossx=draw(st.sampled_from(state.LOSS_AXES)),
                  lesson=draw(st.sampled_from(["", *lessons.names()])), reveal=draw(st.booleans()),
                  present=draw(st.booleans()))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(configs())
def test_url102_every_valid_configuration_round_trips_exactly(config):
    search = urlstate.serialize(config)
    parsed, problems = urlstate.parse(search)
    assert problems == []
    assert parsed == config, search


def test_url103_store_copy_round_trips():
    config, _ = urlstate.parse("?surface=quadratic:condition=3&clip=2&run=adam:lr=0.1&run=gd")
    again, problems = Config.from_data(config.to_data())
    assert problems == [] and again == config
    moved = replace(config, runs=config.runs[1:])
    assert Config.from_data(moved.to_data())[0].runs[0].color == 1, "colours survive in the store"


def test_a_link_with_too_many_runs_says_so_once():
    from optviz.ui import urlstate
    config, problems = urlstate.parse("?" + "&".join(["run=gd"] * 20))
    assert len(config.runs) == 8
    assert sum("at most 8 runs" in p for p in problems) == 1
    assert any("12 runs" in p for p in problems)


# -- a run's own conditions -----------------------------------------------------------------------
def test_url200_a_run_may_set_its_own_conditions():
    link = ("?surface=rosenbrock&start=-1.2,1&steps=300&noise=0.1&run=gd:lr=0.001"
            "&run=gd:lr=0.001;noise=0.5;seed=3;schedule=step:step_size=20;clip=off&run=adam;schedule=cosine")
    config, problems = urlstate.parse(link)
    assert problems == []
    shared, own, cosine = config.runs
    assert shared.conditions == () and config.simulate_kwargs(shared)["noise"] == 0.1
    assert config.simulate_kwargs(own) == {"start": (-1.2, 1.0), "steps": 300, "noise": 0.5, "seed": 3, "clip": None,
                                           "schedule": {"name": "step", "step_size": 20, "gamma": 0.5}}
    assert config.simulate_kwargs(cosine)["schedule"] == {"name": "cosine", "end_factor": 0.0}
    assert config.simulate_kwargs(cosine)["noise"] == 0.1, "what a run does not set is shared"
    assert urlstate.serialize(config) == link
    assert "noise 0.5, seed 3, step decay, no clip" in state.run_label(own)


@pytest.mark.parametrize("link, names", [
    ("?run=gd;noise=-1", ["run 1 (Gradient descent)", "noise", "[0, 1000]", "shared"]),
    ("?run=gd;seed=x", ["seed", "'x'"]),
    ("?run=gd;clip=0", ["clip", "null for no clipping"]),
    ("?run=gd;schedule=warp", ["warp", "cosine"]),
    ("?run=gd;schedule=step:gamma=9", ["gamma", "(0, 1]"]),
    ("?run=gd;colour=red", ["colour", "noise, seed, batch, schedule"]),
    ("?run=gd;noise", ["noise", "condition=value"]),
    ("?run=gd;noise=1;noise=2", ["noise", "twice"]),
])
def test_url201_bad_conditions_fall_back_to_the_shared_ones(link, names):
    config, problems = urlstate.parse(link)
    text = " ".join(problems)
    for name in names:
        assert name in text, f"{name!r} missing from {text}"
    assert config.runs[0].optimizer == "gd"
    assert urlstate.parse(urlstate.serialize(config)) == (config, [])


def test_url202_links_without_conditions_mean_what_they_meant():
    link = "?surface=quadratic:condition=100,rotation=30&start=-2.5,1.5&steps=200&noise=0.2&seed=4&clip=3&run=gd:lr=0.019"
    config, _ = urlstate.parse(link)
    assert config.runs[0].conditions == ()
    assert config.simulate_kwargs(config.runs[0]) == config.simulate_kwargs()


# -- lessons ------------------------------------------------------------------------------------
def test_url300_a_lesson_link_opens_its_scene():
    for name in lessons.names():
        config, problems = urlstate.parse(f"?lesson={name}")
        assert problems == [] and config == lessons.get(name).scene and config.lesson == name and config.reveal
        assert urlstate.parse(urlstate.serialize(config)) == (config, [])


def test_url301_the_other_keys_of_a_lesson_link_change_its_scene():
    config, problems = urlstate.parse("?lesson=saddle&steps=40&noise=0.05&reveal=off&run=gd:lr=0.02")
    assert problems == []
    assert (config.surface, config.start, config.steps, config.noise, config.reveal) == \
        ("saddle", (1.0, 0.001), 40, 0.05, False)
    assert [r.optimizer for r in config.runs] == ["gd"] and config.lesson == "saddle"
    moved, _ = urlstate.parse("?lesson=saddle&surface=rosenbrock")
    assert moved.start == (-1.2, 1.0), "another surface brings its own start"
    back, problems = urlstate.parse(urlstate.serialize(moved))
    assert problems == [] and back == moved
    unknown, problems = urlstate.parse("?lesson=nowhere")
    assert unknown.lesson == "" and "nowhere" in problems[0] and "saddle" in problems[0]
