"""Offline checks of deploy/: docker-compose, the Kubernetes manifests and the Dockerfile.

No Docker engine nor cluster here, so the kustomize tree is rendered by a small function
below and the built-in kinds are validated against the bundled Kubernetes schemas.
"""

import copy
import json
import re
import shlex
from functools import cache
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

pytestmark = pytest.mark.deploy

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
BASE = DEPLOY / "k8s" / "base"
PRODUCTION = DEPLOY / "k8s" / "overlays" / "production"

from services.common.config import PROCESSES, SERVICES  # noqa: E402 - after the marker on purpose

STATE_USERS = {"gateway", "notifications", "conventions"}
STATE_DIR = "/var/lib/e1s"
KUBERNETES_VERSION = "1.30"

# Groups whose schemas kubernetes-validate bundles; everything else must be a known CRD.
BUILTIN_GROUPS = {"", "apps", "autoscaling", "policy", "networking.k8s.io"}
CRD_KINDS = {
    ("rabbitmq.com/v1beta1", "RabbitmqCluster"),
    ("postgresql.cnpg.io/v1", "Cluster"),
    ("postgresql.cnpg.io/v1", "Database"),
}
# Secrets the operators create, with the keys the Deployments may read.
OPERATOR_SECRETS = {
    "e1s-rabbitmq-default-user": {"username", "password", "host", "port"},
    "e1s-postgres-app": {"username", "password", "host", "port", "dbname", "uri"},
}


# --- a small kustomize: enough for deploy/k8s, and loud about anything more -------------

KUSTOMIZE_FIELDS = {
    "apiVersion",
    "kind",
    "namespace",
    "labels",
    "images",
    "resources",
    "replicas",
    "patches",
}
CLUSTER_SCOPED = {"Namespace"}
POD_TEMPLATE_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "Job"}


def render(directory: Path) -> list[dict]:
    """Documents of a kustomization, its resources loaded recursively, transforms applied."""
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
    unknown = set(kustomization) - KUSTOMIZE_FIELDS
    assert not unknown, f"{directory}: extend render() for {sorted(unknown)}"
    docs: list[dict] = []
    for entry in kustomization.get("resources", []):
        path = (directory / entry).resolve()
        if path.is_dir():
            docs += render(path)
        else:
            docs += [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
    if "namespace" in kustomization:
        for doc in docs:
            if doc["kind"] not in CLUSTER_SCOPED:
                doc["metadata"]["namespace"] = kustomization["namespace"]
    for label in kustomization.get("labels", []):
        assert not label.get("includeSelectors"), "render() does not rewrite selectors"
        for doc in docs:
            targets = [doc["metadata"]]
            if label.get("includeTemplates") and doc["kind"] in POD_TEMPLATE_KINDS:
                targets.append(doc["spec"]["template"]["metadata"])
            for metadata in targets:
                metadata.setdefault("labels", {}).update(label["pairs"])
    for image in kustomization.get("images", []):
        for container in _containers(docs):
            name, _, tag = container["image"].partition(":")
            if name == image["name"]:
                new_tag = image.get("newTag", tag)
                container["image"] = image.get("newName", name) + (f":{new_tag}" if new_tag else "")
    for replica in kustomization.get("replicas", []):
        (doc,) = _find(docs, "Deployment", replica["name"])
        doc["spec"]["replicas"] = replica["count"]
    for patch in kustomization.get("patches", []):
        assert set(patch["target"]) <= {"kind", "name"}, "render() matches kind and name only"
        operations = yaml.safe_load(patch["patch"])
        assert isinstance(operations, list), "render() applies JSON 6902 patches only"
        targets = _find(docs, patch["target"]["kind"], patch["target"]["name"])
        assert targets, f"patch matches nothing: {patch['target']}"
        for doc in targets:
            for operation in operations:
                _apply(doc, operation)
    return docs


def _find(docs: list[dict], kind: str, name: str) -> list[dict]:
    return [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]


def _containers(docs: list[dict]) -> list[dict]:
    return [
        container
        for doc in docs
        if doc["kind"] in POD_TEMPLATE_KINDS
        for container in doc["spec"]["template"]["spec"]["containers"]
    ]


def _apply(doc: dict, operation: dict) -> None:
    op = operation["op"]
    assert op in {"add", "replace"}, f"render() does not apply {op}"
    *parents, last = [part.replace("~1", "/").replace("~0", "~") for part in operation["path"].lstrip("/").split("/")]
    node = doc
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    value = copy.deepcopy(operation["value"])
    if isinstance(node, list):
        if last == "-" and op == "add":
            node.append(value)
        elif op == "add":
            node.insert(int(last), value)
        else:
            node[int(last)] = value
    else:
        assert op == "add" or last in node, f"replace of a missing {operation['path']}"
        node[last] = value


@cache
def rendered(directory: Path) -> tuple[dict, ...]:
    return tuple(render(directory))


def docs_of(directory: Path) -> list[dict]:
    return copy.deepcopy(list(rendered(directory)))


def by_kind(directory: Path, kind: str) -> dict[str, dict]:
    return {d["metadata"]["name"]: d for d in docs_of(directory) if d["kind"] == kind}


def group_of(doc: dict) -> str:
    return doc["apiVersion"].rpartition("/")[0]


TREES = {"base": BASE, "production": PRODUCTION}
ALL_DOCS = [
    pytest.param(tree, doc, id=f"{tree}:{doc['kind']}/{doc['metadata']['name']}")
    for tree, directory in TREES.items()
    for doc in docs_of(directory)
]


# --- Kubernetes ------------------------------------------------------------------------


def test_labels_and_namespace_reach_every_document():
    docs = docs_of(PRODUCTION)
    assert len(docs) == len(docs_of(BASE))
    assert all(d["metadata"]["labels"]["app.kubernetes.io/part-of"] == "e1s" for d in docs)
    assert all(d["metadata"].get("namespace") == "e1s" for d in docs if d["kind"] != "Namespace")
    assert by_kind(BASE, "Namespace").keys() == {"e1s"}


def test_overlay_builds_on_base():
    kustomization = yaml.safe_load((PRODUCTION / "kustomization.yaml").read_text())
    assert kustomization["resources"] == ["../../base"]
    images = {image["name"]: image for image in kustomization["images"]}
    assert images["e1s"]["newTag"] not in ("", "latest")
    overlay_images = {c["image"] for c in _containers(docs_of(PRODUCTION))}
    assert overlay_images == {f"{images['e1s']['newName']}:{images['e1s']['newTag']}"}
    assert {c["image"] for c in _containers(docs_of(BASE))} == {"e1s:latest"}
    base_replicas = {n: d["spec"].get("replicas") for n, d in by_kind(BASE, "Deployment").items()}
    for name, deployment in by_kind(PRODUCTION, "Deployment").items():
        if base_replicas[name] is not None:
            assert deployment["spec"]["replicas"] > base_replicas[name], name


@pytest.mark.parametrize(("tree", "doc"), ALL_DOCS)
def test_every_document_is_a_checked_kind(tree, doc):
    assert group_of(doc) in BUILTIN_GROUPS or (doc["apiVersion"], doc["kind"]) in CRD_KINDS


@pytest.mark.parametrize(("tree", "doc"), [p for p in ALL_DOCS if group_of(p.values[1]) in BUILTIN_GROUPS])
def test_builtin_kind_matches_kubernetes_schema(tree, doc):
    try:
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.ValidationError as error:
        path = ".".join(str(part) for part in error.path)
        pytest.fail(f"{path}: {error.message}")


def test_kubernetes_validate_knows_the_version():
    assert kubernetes_validate.utils.major_minor(KUBERNETES_VERSION) in {
        kubernetes_validate.utils.major_minor(v) for v in kubernetes_validate.utils.all_versions()
    }


@pytest.mark.parametrize("tree", TREES)
def test_rabbitmq_cluster(tree):
    (cluster,) = by_kind(TREES[tree], "RabbitmqCluster").values()
    assert cluster["apiVersion"] == "rabbitmq.com/v1beta1"
    assert cluster["metadata"]["name"] == "e1s-rabbitmq"
    spec = cluster["spec"]
    assert spec["replicas"] == 3
    assert {"cpu", "memory"} <= spec["resources"]["requests"].keys()
    assert {"cpu", "memory"} <= spec["resources"]["limits"].keys()
    assert spec["persistence"]["storage"]


@pytest.mark.parametrize("tree", TREES)
def test_one_postgres_database_per_service(tree):
    (cluster,) = by_kind(TREES[tree], "Cluster").values()
    assert cluster["apiVersion"] == "postgresql.cnpg.io/v1"
    assert cluster["metadata"]["name"] == "e1s-postgres"
    assert cluster["spec"]["instances"] == 3
    assert cluster["spec"]["storage"]["size"]
    initdb = cluster["spec"]["bootstrap"]["initdb"]
    names = [initdb["database"]]
    for database in by_kind(TREES[tree], "Database").values():
        assert database["apiVersion"] == "postgresql.cnpg.io/v1"
        spec = database["spec"]
        assert spec["cluster"]["name"] == "e1s-postgres"
        assert spec["owner"] == initdb["owner"] == "app"
        names.append(spec["name"])
    assert sorted(names) == sorted(SERVICES)


def deployments(tree: str) -> dict[str, dict]:
    found = by_kind(TREES[tree], "Deployment")
    assert found.keys() == {f"e1s-{name}" for name in PROCESSES}
    return {name: found[f"e1s-{name}"] for name in PROCESSES}


def container_of(deployment: dict) -> dict:
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    return container


@pytest.mark.parametrize("tree", TREES)
@pytest.mark.parametrize("name", PROCESSES)
def test_deployment_runs_its_process_safely(tree, name):
    deployment = deployments(tree)[name]
    pod = deployment["spec"]["template"]["spec"]
    container = container_of(deployment)
    assert container["args"] == [name]
    assert pod["terminationGracePeriodSeconds"] == 30
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] != 0
    for bound in ("requests", "limits"):
        assert {"cpu", "memory"} <= container["resources"][bound].keys(), bound
    selector = deployment["spec"]["selector"]["matchLabels"]
    assert selector.items() <= deployment["spec"]["template"]["metadata"]["labels"].items()


@pytest.mark.parametrize("tree", TREES)
@pytest.mark.parametrize("name", SERVICES)
def test_service_probes_ping_their_own_service(tree, name):
    container = container_of(deployments(tree)[name])
    for probe in ("readinessProbe", "livenessProbe"):
        command = container[probe]["exec"]["command"]
        assert command == ["python", "-m", "services.common.probe", name], probe


@pytest.mark.parametrize("tree", TREES)
def test_gateway_probes(tree):
    container = container_of(deployments(tree)["gateway"])
    assert container["readinessProbe"]["httpGet"] == {"path": "/health/ready", "port": "http"}
    assert container["livenessProbe"]["httpGet"] == {"path": "/health", "port": "http"}
    assert {"name": "http", "containerPort": 8000} in container["ports"]


def environment(tree: str, container: dict) -> dict[str, str]:
    """Names a container sees, in order: envFrom first, then env (as the kubelet does)."""
    configmaps = {n: d.get("data", {}) for n, d in by_kind(TREES[tree], "ConfigMap").items()}
    secrets = {n: d.get("stringData", {}) for n, d in by_kind(TREES[tree], "Secret").items()}
    seen: dict[str, str] = {}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            seen.update(configmaps[source["configMapRef"]["name"]])
        else:
            seen.update(secrets[source["secretRef"]["name"]])
    for variable in container.get("env", []):
        if "value" in variable:
            # The kubelet leaves an undefined $(NAME) as is: a typo would ship silently.
            for reference in re.findall(r"\$\((\w+)\)", variable["value"]):
                assert reference in seen, f"{variable['name']} uses undefined $({reference})"
            seen[variable["name"]] = variable["value"]
        else:
            ref = variable["valueFrom"]["secretKeyRef"]
            known = OPERATOR_SECRETS.get(ref["name"]) or secrets[ref["name"]].keys()
            assert ref["key"] in known, f"{variable['name']}: no key {ref['key']}"
            seen[variable["name"]] = f"<{ref['name']}.{ref['key']}>"
    return seen


@pytest.mark.parametrize("tree", TREES)
@pytest.mark.parametrize("name", PROCESSES)
def test_deployment_environment(tree, name):
    env = environment(tree, container_of(deployments(tree)[name]))
    assert env["AMQP_URI"].startswith("amqp://$(AMQP_USERNAME):$(AMQP_PASSWORD)@")
    assert env["AMQP_USERNAME"] == "<e1s-rabbitmq-default-user.username>"
    assert env["AMQP_HOST"] == "e1s-rabbitmq"
    assert env["STATE_DIR"] == STATE_DIR
    assert env["GATEWAY_PORT"] == "8000"
    assert {"SECRET_KEY", "PUBLIC_URL", "LOG_LEVEL"} <= env.keys()
    # Each service owns its database; nobody else gets its URL.
    urls = {k: v for k, v in env.items() if k.startswith("DATABASE_URL_")}
    if name == "gateway":
        assert urls == {}
    else:
        assert urls == {
            f"DATABASE_URL_{name.upper()}": "postgresql+psycopg2://$(DB_USERNAME):$(DB_PASSWORD)"
            f"@$(POSTGRES_HOST):$(POSTGRES_PORT)/{name}"
        }
        assert env["DB_PASSWORD"] == "<e1s-postgres-app.password>"
        assert env["POSTGRES_HOST"] == "e1s-postgres-rw"


@pytest.mark.parametrize("tree", TREES)
def test_state_volume_is_shared(tree):
    (claim,) = by_kind(TREES[tree], "PersistentVolumeClaim").values()
    assert claim["metadata"]["name"] == "e1s-state"
    assert claim["spec"]["accessModes"] == ["ReadWriteMany"]
    mounting = set()
    for name, deployment in deployments(tree).items():
        volumes = deployment["spec"]["template"]["spec"].get("volumes", [])
        state = {v["name"] for v in volumes if v.get("persistentVolumeClaim", {}).get("claimName") == "e1s-state"}
        paths = [m["mountPath"] for m in container_of(deployment).get("volumeMounts", []) if m["name"] in state]
        if paths:
            assert paths == [STATE_DIR], name
            mounting.add(name)
    assert mounting == STATE_USERS


@pytest.mark.parametrize("tree", TREES)
def test_autoscalers_target_existing_deployments(tree):
    hpas = by_kind(TREES[tree], "HorizontalPodAutoscaler")
    found = by_kind(TREES[tree], "Deployment")
    targets = set()
    for hpa in hpas.values():
        ref = hpa["spec"]["scaleTargetRef"]
        assert (ref["apiVersion"], ref["kind"]) == ("apps/v1", "Deployment")
        assert ref["name"] in found
        # A replicas field would be reapplied on every deploy and fight the autoscaler.
        assert "replicas" not in found[ref["name"]]["spec"], ref["name"]
        assert 2 <= hpa["spec"]["minReplicas"] < hpa["spec"]["maxReplicas"] == 10
        (metric,) = hpa["spec"]["metrics"]
        assert metric["resource"]["name"] == "cpu"
        assert metric["resource"]["target"]["averageUtilization"] == 70
        targets.add(ref["name"])
    assert targets == {"e1s-gateway", "e1s-matching"}


@pytest.mark.parametrize("tree", TREES)
def test_gateway_is_reachable_and_protected(tree):
    gateway_labels = deployments(tree)["gateway"]["spec"]["template"]["metadata"]["labels"]
    (service,) = by_kind(TREES[tree], "Service").values()
    assert service["spec"]["selector"].items() <= gateway_labels.items()
    (port,) = service["spec"]["ports"]
    assert (port["port"], port["targetPort"]) == (80, "http")
    (ingress,) = by_kind(TREES[tree], "Ingress").values()
    backends = [path["backend"]["service"] for rule in ingress["spec"]["rules"] for path in rule["http"]["paths"]]
    assert backends == [{"name": service["metadata"]["name"], "port": {"name": port["name"]}}]
    (pdb,) = by_kind(TREES[tree], "PodDisruptionBudget").values()
    assert pdb["spec"]["selector"]["matchLabels"].items() <= gateway_labels.items()


def test_readme_names_prerequisites_and_apply_command():
    text = (DEPLOY / "k8s" / "README.md").read_text()
    assert "kubectl apply -k deploy/k8s/overlays/production" in text
    assert "CloudNativePG" in text and "RabbitMQ Cluster Operator" in text


# --- docker compose --------------------------------------------------------------------


@cache
def compose() -> dict:
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())


def test_compose_services():
    assert set(compose()["services"]) == {*PROCESSES, "rabbitmq", "postgres"}


def test_compose_infrastructure_healthchecks():
    services = compose()["services"]
    assert services["rabbitmq"]["image"] == "rabbitmq:3.13-management"
    assert services["rabbitmq"]["healthcheck"]["test"][1:] == ["rabbitmq-diagnostics", "-q", "ping"]
    assert services["postgres"]["image"] == "postgres:15"
    assert services["postgres"]["healthcheck"]["test"][1] == "pg_isready"


def test_compose_postgres_creates_every_database():
    script = (DEPLOY / "postgres-init.sql").read_text()
    assert sorted(re.findall(r"CREATE DATABASE (\w+);", script)) == sorted(SERVICES)
    volumes = compose()["services"]["postgres"]["volumes"]
    assert any(v.startswith("./postgres-init.sql:/docker-entrypoint-initdb.d/") for v in volumes)


@pytest.mark.parametrize("name", PROCESSES)
def test_compose_process(name):
    service = compose()["services"][name]
    assert service["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"}
    assert service["command"] == [name]
    assert service["stop_grace_period"] == "30s"
    assert service["depends_on"] == {
        "rabbitmq": {"condition": "service_healthy"},
        "postgres": {"condition": "service_healthy"},
    }
    test = service["healthcheck"]["test"]
    assert test[0] == "CMD"
    if name == "gateway":
        assert "http://localhost:8000/health/ready" in test[-1]
        assert service["ports"] == ["${GATEWAY_PORT:-8000}:8000"]
    else:
        assert test[1:] == ["python", "-m", "services.common.probe", name]
    env = service["environment"]
    assert env["AMQP_URI"] == "amqp://guest:guest@rabbitmq:5672/"
    assert env["SECRET_KEY"].startswith("${SECRET_KEY:?")
    assert env["PUBLIC_URL"] == "${PUBLIC_URL:-http://localhost:8000}"
    assert env["STATE_DIR"] == STATE_DIR
    urls = {k: v for k, v in env.items() if k.startswith("DATABASE_URL_")}
    expected = (
        {}
        if name == "gateway"
        else {f"DATABASE_URL_{name.upper()}": f"postgresql+psycopg2://postgres:postgres@postgres:5432/{name}"}
    )
    assert urls == expected
    mounts = service.get("volumes", [])
    assert (f"state:{STATE_DIR}" in mounts) == (name in STATE_USERS)


# --- Dockerfile ------------------------------------------------------------------------


@cache
def dockerfile() -> dict[str, list[str]]:
    """Each instruction's arguments, continuation lines joined, comments dropped."""
    text = (DEPLOY / "Dockerfile").read_text()
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    instructions: dict[str, list[str]] = {}
    for line in "\n".join(lines).replace("\\\n", " ").splitlines():
        if line.strip():
            keyword, _, arguments = line.strip().partition(" ")
            instructions.setdefault(keyword.upper(), []).append(arguments.strip())
    return instructions


def test_dockerfile_runs_the_runner():
    instructions = dockerfile()
    # a Node.js stage installs the pages' npm packages; the image itself is Python only
    assert instructions["FROM"] == ["node:20-slim AS web", "python:3.11-slim"]
    assert "npm ci --ignore-scripts --no-audit --no-fund" in instructions["RUN"]
    assert "--from=web /web/node_modules/ ./node_modules/" in instructions["COPY"]
    assert json.loads(instructions["ENTRYPOINT"][-1]) == ["python", "-m", "services.common.runner"]
    assert json.loads(instructions["CMD"][-1]) == ["gateway"]
    assert instructions["STOPSIGNAL"] == ["SIGTERM"]
    user = instructions["USER"][-1].split(":")[0]
    assert user not in ("root", "0")
    env = dict(item.split("=", 1) for line in instructions["ENV"] for item in shlex.split(line))
    assert env["STATE_DIR"] == STATE_DIR
    assert env["PYTHONUNBUFFERED"] == "1"
    install = " ".join(instructions["RUN"])
    for package in ("libpango-1.0-0", "libpangoft2-1.0-0", "fonts-dejavu-core"):
        assert package in install
    assert "pip install -r requirements.txt" in install
