"""The Kubernetes manifests in deploy/kubernetes: valid objects, and consistent with the image.

No cluster is needed. Every YAML document is validated against the Kubernetes API's own schema
(``kubernetes-validate``, which ships the schemas; strict, so a misspelt field fails too), and
the properties that the schema cannot see are checked against the files they depend on:

* the Dockerfile (the image's uid, its NUMBA_CACHE_DIR),
* gunicorn.conf.py, run with the container's environment (bind port, workers, graceful_timeout),
* optviz/settings.py, run with the container's environment (every OPTVIZ_* value is accepted and
  is the default).
"""
import ast
import re
import runpy
import shlex
import shutil
import subprocess
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
MANIFESTS = ROOT / "deploy" / "kubernetes"
KUSTOMIZATION = MANIFESTS / "kustomization.yaml"
DOCKERFILE = ROOT / "Dockerfile"
GUNICORN_CONF = ROOT / "gunicorn.conf.py"
SETTINGS = ROOT / "optviz" / "settings.py"

#: The newest Kubernetes whose schemas kubernetes-validate 1.37.0 ships, and an older release
#: that clusters still run: the manifests use nothing newer than that.
KUBERNETES_VERSIONS = ("1.37.0", "1.30.0")
HEALTH_PATH = "/healthz"
#: Resident memory of one gunicorn worker stays below this by design (its cache is bounded by
#: OPTVIZ_CACHE_MB); the container's memory limit must hold every worker.
WORKER_MEMORY_BYTES = 500 * 2**20


# --- loading -------------------------------------------------------------------------------------

def _manifest_files() -> list[Path]:
    files = sorted([*MANIFESTS.glob("*.yaml"), *MANIFESTS.glob("*.yml")])
    return [f for f in files if f.name not in ("kustomization.yaml", "kustomization.yml")]


def _documents() -> list[tuple[str, dict]]:
    """``(label, object)`` for every non-empty YAML document of every manifest."""
    documents = []
    for path in _manifest_files():
        for index, doc in enumerate(yaml.safe_load_all(path.read_text(encoding="utf-8"))):
            if doc is not None:
                documents.append((f"{path.name}#{index}", doc))
    return documents


DOCUMENTS = _documents()


def _objects(kind: str) -> list[dict]:
    return [doc for _, doc in DOCUMENTS if isinstance(doc, dict) and doc.get("kind") == kind]


def _one(kind: str) -> dict:
    found = _objects(kind)
    assert len(found) == 1, f"expected exactly one {kind} in {MANIFESTS}, found {len(found)}"
    return found[0]


@pytest.fixture(scope="module")
def deployment() -> dict:
    return _one("Deployment")


@pytest.fixture(scope="module")
def pod(deployment) -> dict:
    return deployment["spec"]["template"]["spec"]


@pytest.fixture(scope="module")
def app(pod) -> dict:
    """The container that serves the app: the one that exposes a port."""
    serving = [c for c in pod["containers"] if c.get("ports")]
    assert len(serving) == 1, "expected exactly one container with ports (the app)"
    return serving[0]


@pytest.fixture(scope="module")
def app_port(app) -> int:
    ports = app["ports"]
    assert len(ports) == 1, "the app listens on one port"
    return ports[0]["containerPort"]


@pytest.fixture(scope="module")
def app_env(app) -> dict[str, str]:
    env = {}
    for entry in app.get("env", []):
        assert "value" in entry and "valueFrom" not in entry, f"{entry['name']}: a literal value"
        assert isinstance(entry["value"], str), f"{entry['name']}: env values are strings in YAML"
        assert entry["name"] not in env, f"{entry['name']} is set twice"
        env[entry["name"]] = entry["value"]
    return env


def _run_with_env(path: Path, env: dict[str, str], monkeypatch) -> dict:
    """Run a Python file as its own module (``runpy``) with exactly ``env`` set for those names."""
    with monkeypatch.context() as patch:
        for name, value in env.items():
            if value is None:
                patch.delenv(name, raising=False)
            else:
                patch.setenv(name, value)
        return runpy.run_path(str(path))


@pytest.fixture
def gunicorn_config(app_env, monkeypatch) -> dict:
    """gunicorn.conf.py's settings inside the container (HOST as the image sets it)."""
    return _run_with_env(GUNICORN_CONF, {"HOST": "0.0.0.0", **app_env}, monkeypatch)


# --- the Dockerfile ------------------------------------------------------------------------------

def _dockerfile_instructions() -> list[tuple[str, str]]:
    instructions, pending = [], ""
    for raw in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        keyword, _, arguments = (pending + line).partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
        pending = ""
    return instructions


def _image_env() -> dict[str, str]:
    env = {}
    for keyword, arguments in _dockerfile_instructions():
        if keyword == "ENV":
            for token in shlex.split(arguments):
                name, _, value = token.partition("=")
                env[name] = value
    return env


def _image_uid() -> int:
    users = [arguments for keyword, arguments in _dockerfile_instructions() if keyword == "USER"]
    assert users, "the Dockerfile sets no USER"
    return int(users[-1].split(":")[0])


# --- helpers -------------------------------------------------------------------------------------

_QUANTITY = re.compile(r"(\d+(?:\.\d+)?)(m|k|M|G|T|Ki|Mi|Gi|Ti)?")
_FACTORS = {None: 1, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12,
            "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}


def quantity(value) -> float:
    """A Kubernetes resource quantity ("500m", "1", "1200Mi") as a number (cores, bytes)."""
    match = _QUANTITY.fullmatch(str(value))
    assert match, f"not a quantity this test reads: {value!r}"
    return float(match.group(1)) * _FACTORS[match.group(2)]


def _resolve_port(container: dict, port) -> int:
    """A probe's or Service's port (a number or a port name) as the container's port number."""
    ports = container.get("ports", [])
    if isinstance(port, int):
        assert port in [p["containerPort"] for p in ports], f"port {port} is not a container port"
        return port
    named = [p["containerPort"] for p in ports if p.get("name") == port]
    assert named, f"no container port is named {port!r}"
    return named[0]


def _all_containers(pod: dict) -> list[dict]:
    return [*pod.get("initContainers", []), *pod["containers"]]


def _security(pod: dict, container: dict) -> dict:
    """The container's effective security settings: its own, else the pod's."""
    inherited = {k: v for k, v in pod.get("securityContext", {}).items()
                 if k in ("runAsNonRoot", "runAsUser", "runAsGroup", "seccompProfile")}
    return {**inherited, **container.get("securityContext", {})}


def _prestop_sleep(container: dict) -> float:
    """Seconds the preStop hook waits: ``exec: [sleep, N]`` or the built-in ``sleep`` action."""
    pre_stop = container.get("lifecycle", {}).get("preStop")
    assert pre_stop, "the app container has no preStop hook"
    if "sleep" in pre_stop:
        return float(pre_stop["sleep"]["seconds"])
    command = pre_stop["exec"]["command"]
    assert len(command) == 2 and command[0] in ("sleep", "/bin/sleep", "/usr/bin/sleep"), command
    return float(command[1])


def _read_names(path: Path) -> set[str]:
    """Environment-variable-like names that appear as string constants in a Python file's code
    (``os.environ.get("NAME", ...)``, ``_integer("NAME", ...)``), docstrings excluded."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and re.fullmatch(r"[A-Z][A-Z0-9_]*", node.value)}


# --- every object: schema and metadata -----------------------------------------------------------

def test_the_folder_has_the_manifests():
    assert _manifest_files(), f"no manifests in {MANIFESTS}"
    assert DOCUMENTS, "the manifests hold no YAML documents"
    for label, doc in DOCUMENTS:
        assert isinstance(doc, dict), f"{label}: not a mapping"
        assert {"apiVersion", "kind", "metadata"} <= doc.keys(), f"{label}: not a Kubernetes object"
    for kind in ("Deployment", "Service", "HorizontalPodAutoscaler"):
        _one(kind)
    keys = [(doc["kind"], doc["metadata"]["name"]) for _, doc in DOCUMENTS]
    assert len(keys) == len(set(keys)), f"an object is defined twice: {keys}"


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("label, doc", DOCUMENTS, ids=[label for label, _ in DOCUMENTS])
def test_schema(label, doc, version):
    problem = None
    try:
        validated = kubernetes_validate.validate(doc, version, strict=True)
    except kubernetes_validate.ValidationError as error:   # reported below, without the schema
        where = "/".join(str(p) for p in error.path) or "/"
        problem = f"{label} ({doc.get('kind')}) is not valid Kubernetes {version} at {where}: " \
                  f"{error.message}"
    if problem:
        pytest.fail(problem)
    assert validated == version.rsplit(".", 1)[0], "validated against another version's schema"


def test_namespace_is_left_to_the_user():
    for label, doc in DOCUMENTS:
        assert "namespace" not in doc["metadata"], f"{label}: use `kubectl -n` or kustomize"


def test_recommended_labels(deployment, pod):
    for label, doc in DOCUMENTS:
        labels = doc["metadata"].get("labels", {})
        assert labels.get("app.kubernetes.io/name") == "optviz", f"{label}: app.kubernetes.io/name"
        assert "app.kubernetes.io/instance" in labels, f"{label}: app.kubernetes.io/instance"
    selector = deployment["spec"]["selector"]["matchLabels"]
    template_labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert selector.items() <= template_labels.items(), "the Deployment's selector misses its pods"
    assert "matchExpressions" not in deployment["spec"]["selector"]


# --- kustomize -----------------------------------------------------------------------------------

def test_kustomization_lists_every_manifest():
    kustomization = yaml.safe_load(KUSTOMIZATION.read_text(encoding="utf-8"))
    assert kustomization["kind"] == "Kustomization"
    listed = kustomization.get("resources", [])
    assert len(listed) == len(set(listed)), "a resource is listed twice"
    assert sorted(listed) == sorted(f.name for f in _manifest_files()), \
        "kustomization.yaml's resources must be exactly the manifests in the folder"


def test_kustomize_builds_the_same_objects():
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed (the kustomize build is checked where it is)")
    built = subprocess.run([kubectl, "kustomize", str(MANIFESTS)], capture_output=True,
                           text=True, timeout=60)
    assert built.returncode == 0, built.stderr
    objects = [doc for doc in yaml.safe_load_all(built.stdout) if doc]
    assert sorted((d["kind"], d["metadata"]["name"]) for d in objects) == \
        sorted((d["kind"], d["metadata"]["name"]) for _, d in DOCUMENTS)
    for doc in objects:   # kustomize must not change them (no anchors or tags lost, no defaults)
        assert doc in [d for _, d in DOCUMENTS], f"kustomize changed {doc['kind']}"


# --- the Deployment ------------------------------------------------------------------------------

def test_probes_ask_healthz_on_the_app_port(app, app_port):
    for kind in ("startupProbe", "readinessProbe", "livenessProbe"):
        probe = app.get(kind)
        if probe is None and kind == "startupProbe":
            continue
        assert probe is not None, f"the app container has no {kind}"
        http = probe.get("httpGet")
        assert http is not None, f"{kind} is not an HTTP GET"
        assert http["path"] == HEALTH_PATH, f"{kind} asks {http['path']}, not {HEALTH_PATH}"
        assert _resolve_port(app, http["port"]) == app_port, f"{kind} asks another port"
        assert http.get("scheme", "HTTP") == "HTTP"
        assert probe.get("timeoutSeconds", 1) <= probe.get("periodSeconds", 10), kind


def _patience(probe: dict) -> float:
    """Seconds of failures before the probe acts."""
    return probe.get("periodSeconds", 10) * probe.get("failureThreshold", 3)


def test_probe_timing(app):
    readiness, liveness = app["readinessProbe"], app["livenessProbe"]
    # a new pod gets traffic within seconds of answering
    assert readiness.get("periodSeconds", 10) <= 5
    assert readiness.get("initialDelaySeconds", 0) <= 5
    # liveness is more patient than readiness: a slow pod leaves the endpoints long before it is
    # restarted
    assert _patience(liveness) > _patience(readiness)
    assert liveness.get("timeoutSeconds", 1) >= readiness.get("timeoutSeconds", 1)
    startup = app.get("startupProbe")
    if startup is not None:
        assert startup.get("periodSeconds", 10) <= 5, "the startup probe should notice a start fast"
        assert _patience(startup) >= 30, "the startup probe must allow for a slow start"
    else:
        assert liveness.get("initialDelaySeconds", 0) >= 10


def test_security_context(pod):
    image_uid = _image_uid()
    assert image_uid != 0
    assert pod.get("automountServiceAccountToken") is False
    for field in ("hostNetwork", "hostPID", "hostIPC"):
        assert not pod.get(field), field
    for container in _all_containers(pod):
        name = container["name"]
        security = _security(pod, container)
        assert security.get("runAsNonRoot") is True, f"{name}: runAsNonRoot"
        assert security.get("runAsUser") == image_uid, f"{name}: runAsUser is not the image's uid"
        assert security.get("runAsGroup", 1) != 0, f"{name}: runAsGroup 0"
        assert security.get("readOnlyRootFilesystem") is True, f"{name}: readOnlyRootFilesystem"
        assert security.get("allowPrivilegeEscalation") is False, f"{name}: allowPrivilegeEscalation"
        assert not security.get("privileged"), f"{name}: privileged"
        capabilities = security.get("capabilities", {})
        assert "ALL" in capabilities.get("drop", []), f"{name}: capabilities drop ALL"
        assert not capabilities.get("add"), f"{name}: adds capabilities"
        assert security.get("seccompProfile", {}).get("type") == "RuntimeDefault", f"{name}: seccomp"


def _volume(pod: dict, name: str) -> dict:
    found = [v for v in pod.get("volumes", []) if v["name"] == name]
    assert len(found) == 1, f"no volume {name!r}"
    return found[0]


def _mount(pod: dict, container: dict, path: str) -> dict:
    """The volume mounted at ``path`` in ``container`` (writable)."""
    mounts = [m for m in container.get("volumeMounts", []) if m["mountPath"].rstrip("/") == path]
    assert len(mounts) == 1, f"{container['name']}: nothing is mounted at {path}"
    assert not mounts[0].get("readOnly"), f"{container['name']}: {path} is mounted read-only"
    return _volume(pod, mounts[0]["name"])


def test_writable_tmp_is_a_bounded_memory_emptydir(pod, app):
    volume = _mount(pod, app, "/tmp")
    assert "emptyDir" in volume, "/tmp is not an emptyDir"
    assert volume["emptyDir"].get("medium") == "Memory"
    assert "sizeLimit" in volume["emptyDir"], "a memory-backed emptyDir needs a sizeLimit"


def test_the_jit_cache_is_the_images_own(pod, app):
    """The root filesystem is read-only and optviz loads the image's warm JIT cache from it
    (tests/test_jit_readonly.py): nothing may be mounted over NUMBA_CACHE_DIR, which would hide
    the cache and make every pod compile its kernels at start."""
    cache_dir = _image_env()["NUMBA_CACHE_DIR"].rstrip("/")
    for container in _all_containers(pod):
        for mount in container.get("volumeMounts", []):
            assert not cache_dir.startswith(mount["mountPath"].rstrip("/") + "/") and \
                mount["mountPath"].rstrip("/") != cache_dir, f"{container['name']}: {mount['mountPath']} hides the cache"


def test_every_emptydir_is_bounded(pod):
    for volume in pod.get("volumes", []):
        if "emptyDir" in volume:
            assert "sizeLimit" in volume["emptyDir"], f"emptyDir {volume['name']} has no sizeLimit"


def test_resources(pod, app, gunicorn_config):
    for container in _all_containers(pod):
        resources = container.get("resources", {})
        for kind in ("requests", "limits"):
            for resource in ("cpu", "memory"):
                assert resource in resources.get(kind, {}), \
                    f"{container['name']}: no {resource} in resources.{kind}"
        for resource in ("cpu", "memory"):
            request = quantity(resources["requests"][resource])
            limit = quantity(resources["limits"][resource])
            assert 0 < request <= limit, f"{container['name']}: {resource} request > limit"

    workers = gunicorn_config["workers"]
    limits = app["resources"]["limits"]
    # every worker computes on about one core
    assert quantity(limits["cpu"]) >= workers, "fewer cores than gunicorn workers"
    # memory-backed emptyDirs count against the container's memory
    tmpfs = sum(quantity(v["emptyDir"]["sizeLimit"]) for v in pod.get("volumes", [])
                if v.get("emptyDir", {}).get("medium") == "Memory")
    assert quantity(limits["memory"]) >= workers * WORKER_MEMORY_BYTES + tmpfs, \
        f"the memory limit cannot hold {workers} workers of 500 MB and the tmpfs"


def test_env_names_are_read_by_the_app(app_env):
    read = _read_names(SETTINGS) | _read_names(GUNICORN_CONF)
    unread = sorted(set(app_env) - read)
    assert not unread, f"set in deployment.yaml but read by neither optviz/settings.py nor " \
                       f"gunicorn.conf.py: {unread}"
    for name in ("WEB_CONCURRENCY", "OPTVIZ_CACHE_MB", "OPTVIZ_WORK_LIMIT", "OPTVIZ_TIME_LIMIT"):
        assert name in app_env, f"{name} is not set in deployment.yaml"


def test_env_values_are_the_settings_defaults(app_env, monkeypatch):
    """optviz/settings.py accepts every value (a bad one stops the server at start) and the
    manifest restates the defaults, so a changed default shows here."""
    ours = {name: value for name, value in app_env.items() if name in _read_names(SETTINGS)}
    with_manifest = _run_with_env(SETTINGS, ours, monkeypatch)
    defaults = _run_with_env(SETTINGS, dict.fromkeys(ours), monkeypatch)
    for name in with_manifest["__all__"]:
        assert with_manifest[name] == defaults[name], f"{name}: the manifest is not the default"


def test_gunicorn_listens_on_the_container_port(app_port, app_env, gunicorn_config):
    assert gunicorn_config["bind"].rsplit(":", 1)[1] == str(app_port)
    assert gunicorn_config["workers"] == int(app_env["WEB_CONCURRENCY"])
    if "GUNICORN_THREADS" in app_env:
        assert gunicorn_config.get("threads") == int(app_env["GUNICORN_THREADS"])


def test_termination_outlasts_prestop_and_graceful_shutdown(pod, app, gunicorn_config):
    graceful = gunicorn_config.get("graceful_timeout", 30)   # gunicorn's default is 30 s
    sleep = _prestop_sleep(app)
    assert 1 <= sleep <= 15, "the preStop sleep should be a few seconds"
    grace = pod.get("terminationGracePeriodSeconds", 30)
    assert grace > sleep + graceful, \
        f"terminationGracePeriodSeconds {grace} <= preStop {sleep:g} s + graceful_timeout {graceful} s"


def test_rollouts_keep_capacity(deployment):
    strategy = deployment["spec"].get("strategy", {})
    assert strategy.get("type", "RollingUpdate") == "RollingUpdate"
    assert strategy.get("rollingUpdate", {}).get("maxUnavailable") in (0, "0%")


# --- the Service, the HPA, the PDB ---------------------------------------------------------------

def test_service_selects_the_pods_and_targets_the_app_port(deployment, app, app_port):
    service = _one("Service")
    spec = service["spec"]
    assert spec.get("type", "ClusterIP") == "ClusterIP"
    assert spec.get("sessionAffinity", "None") == "None", "the app is stateless: no affinity"
    assert spec["selector"] == deployment["spec"]["selector"]["matchLabels"]
    ports = spec["ports"]
    assert len(ports) == 1
    assert ports[0]["port"] == 80
    assert _resolve_port(app, ports[0].get("targetPort", ports[0]["port"])) == app_port


def test_hpa_scales_the_deployment_on_cpu(deployment, pod):
    hpa = _one("HorizontalPodAutoscaler")
    assert hpa["apiVersion"] == "autoscaling/v2"
    spec = hpa["spec"]
    assert spec["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment",
                                      "name": deployment["metadata"]["name"]}
    assert 2 <= spec["minReplicas"] <= spec["maxReplicas"]
    cpu = [m for m in spec["metrics"] if m["type"] == "Resource" and m["resource"]["name"] == "cpu"]
    assert len(cpu) == 1
    assert cpu[0]["resource"]["target"]["type"] == "Utilization"
    assert 0 < cpu[0]["resource"]["target"]["averageUtilization"] <= 100
    assert spec["behavior"]["scaleDown"]["stabilizationWindowSeconds"] > 0
    # utilisation is measured against requests: every container must request CPU
    for container in pod["containers"]:
        assert "cpu" in container.get("resources", {}).get("requests", {}), container["name"]
    # the HPA owns the replica count: `kubectl apply` would reset it to spec.replicas
    assert "replicas" not in deployment["spec"], \
        "with an HPA, leave spec.replicas out of the Deployment (minReplicas sets the floor)"


def test_pod_disruption_budget_lets_drains_proceed(deployment):
    budgets = _objects("PodDisruptionBudget")
    if not budgets:
        pytest.skip("no PodDisruptionBudget")
    (budget,) = budgets
    assert budget["spec"]["selector"]["matchLabels"] == deployment["spec"]["selector"]["matchLabels"]
    min_available = budget["spec"]["minAvailable"]
    assert isinstance(min_available, int), "minAvailable as a number of pods"
    assert 1 <= min_available < _one("HorizontalPodAutoscaler")["spec"]["minReplicas"]
