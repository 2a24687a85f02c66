"""Offline checks of deploy/kubernetes: every rendered resource validates
against the Kubernetes schemas, and what operators rely on (replicas,
probes, hardening, budgets, migrations) cannot silently regress.

Rendering follows the kustomizations' `resources` and `images` the way
kustomize does for these files; there is no kustomize binary on CI.
"""

from pathlib import Path

import kubernetes_validate
import pytest
import yaml

KUBERNETES = Path(__file__).resolve().parent.parent / "kubernetes"
K8S_VERSION = "1.32.0"


def render(directory: Path) -> list[dict]:
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
    documents: list[dict] = []
    for resource in kustomization.get("resources", []):
        path = (directory / resource).resolve()
        if path.is_dir():
            documents += render(path)
        else:
            documents += [d for d in yaml.safe_load_all(path.read_text()) if d]
    for component in kustomization.get("components", []):
        documents = apply_component(directory / component, documents)
    tags = {i["name"]: i["newTag"] for i in kustomization.get("images", [])}
    for document in documents:
        for container in containers(document):
            if container["image"] in tags:
                container["image"] = f'{container["image"]}:{tags[container["image"]]}'
    return documents


def apply_component(directory: Path, documents: list[dict]) -> list[dict]:
    """A kustomize Component of JSON 6902 patches (the ops these files use:
    add, replace), applied to the documents each one targets."""
    component = yaml.safe_load((directory / "kustomization.yaml").read_text())
    assert component["kind"] == "Component"
    for patch in component.get("patches", []):
        target = patch["target"]
        operations = yaml.safe_load((directory / patch["path"]).read_text())
        matched = [d for d in documents if d["kind"] == target["kind"] and d["metadata"]["name"] == target["name"]]
        assert len(matched) == 1, f"{patch['path']}: {len(matched)} targets"
        for operation in operations:
            json6902(matched[0], operation)
    return documents


def json6902(document: dict, operation: dict) -> None:
    *parents, last = operation["path"].lstrip("/").split("/")
    node = document
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    if operation["op"] == "add" and isinstance(node, list):
        node.append(operation["value"]) if last == "-" else node.insert(int(last), operation["value"])
    elif operation["op"] == "add":
        node[last] = operation["value"]
    elif operation["op"] == "replace":
        key = int(last) if isinstance(node, list) else last
        assert key in node if isinstance(node, dict) else key < len(node), operation["path"]
        node[key] = operation["value"]
    else:
        raise AssertionError(f"unsupported op {operation['op']}")


def containers(document: dict) -> list[dict]:
    spec = document.get("spec", {}).get("template", {}).get("spec", {})
    return spec.get("initContainers", []) + spec.get("containers", [])


OVERLAYS = {
    "production": KUBERNETES,
    "development": KUBERNETES / "overlays" / "development",
    "tls": KUBERNETES / "overlays" / "tls",
}


@pytest.fixture(params=OVERLAYS, scope="module")
def rendered(request) -> list[dict]:
    return render(OVERLAYS[request.param])


def find(documents: list[dict], kind: str, name: str) -> dict:
    matches = [d for d in documents if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(matches) == 1, f"{kind}/{name}: {len(matches)} found"
    return matches[0]


def test_every_resource_validates_strictly(rendered):
    for document in rendered:
        kubernetes_validate.validate(document, K8S_VERSION, strict=True)


@pytest.mark.parametrize("name", ["core-service", "rest-gateway"])
def test_deployments_are_replicated_bounded_and_hardened(rendered, name):
    deployment = find(rendered, "Deployment", name)
    assert deployment["spec"]["replicas"] == 2
    pod = deployment["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    for container in containers(deployment):
        assert container["image"].startswith(f"flexiapi/{name}:"), container["image"]
        resources = container["resources"]
        assert {"cpu", "memory"} <= set(resources["requests"]) and {"cpu", "memory"} <= set(resources["limits"])
        hardening = container["securityContext"]
        assert hardening["allowPrivilegeEscalation"] is False
        assert hardening["readOnlyRootFilesystem"] is True
        assert hardening["capabilities"]["drop"] == ["ALL"]


def test_core_probes_use_grpc_health(rendered):
    core = find(rendered, "Deployment", "core-service")["spec"]["template"]["spec"]["containers"][0]
    assert core["readinessProbe"]["grpc"] == {"port": 50051}
    assert core["livenessProbe"]["grpc"]["service"] == "liveness"


def test_gateway_probes_split_readiness_from_liveness(rendered):
    gateway = find(rendered, "Deployment", "rest-gateway")["spec"]["template"]["spec"]["containers"][0]
    assert gateway["readinessProbe"]["httpGet"]["path"] == "/healthz/ready"
    assert gateway["livenessProbe"]["httpGet"]["path"] == "/healthz/live"


def test_migrations_run_before_the_core_serves(rendered):
    core = find(rendered, "Deployment", "core-service")["spec"]["template"]["spec"]
    (migrate,) = core["initContainers"]
    assert migrate["args"] == ["migrate"]
    assert {"secretRef": {"name": "flexiapi-database"}} in migrate["envFrom"]


@pytest.mark.parametrize("name", ["core-service", "rest-gateway"])
def test_services_and_disruption_budgets(rendered, name):
    find(rendered, "Service", name)
    budget = find(rendered, "PodDisruptionBudget", name)
    assert budget["spec"]["minAvailable"] == 1
    assert budget["spec"]["selector"]["matchLabels"] == {"app.kubernetes.io/name": name}


def test_database_url_comes_from_a_secret_only():
    production = render(KUBERNETES)
    assert not [d for d in production if d["kind"] == "Secret"], "production brings its own Secret"
    settings = find(production, "ConfigMap", "flexiapi-settings")
    assert "DATABASE_URL" not in settings["data"]
    development = render(OVERLAYS["development"])
    find(development, "Secret", "flexiapi-database")
    find(development, "Deployment", "postgres")


def test_the_tls_overlay_serves_https_from_a_read_only_secret():
    documents = render(OVERLAYS["tls"])
    gateway = find(documents, "Deployment", "rest-gateway")["spec"]["template"]["spec"]
    (volume,) = gateway["volumes"]
    assert volume["secret"]["secretName"] == "rest-gateway-tls"
    assert volume["secret"]["defaultMode"] == 0o440
    assert gateway["securityContext"]["fsGroup"] == gateway["securityContext"]["runAsGroup"]
    container = gateway["containers"][0]
    (mount,) = container["volumeMounts"]
    assert mount["readOnly"] is True
    env = {e["name"]: e["value"] for e in container["env"] if "value" in e}
    for variable, file in [("FLEXIAPI_GATEWAY_TLS_CERT_FILE", "tls.crt"), ("FLEXIAPI_GATEWAY_TLS_KEY_FILE", "tls.key")]:
        assert env[variable] == f'{mount["mountPath"]}/{file}'
    assert container["readinessProbe"]["httpGet"]["scheme"] == "HTTPS"
    assert container["livenessProbe"]["httpGet"]["scheme"] == "HTTPS"
    (port,) = find(documents, "Service", "rest-gateway")["spec"]["ports"]
    assert (port["name"], port["port"]) == ("https", 443)
    assert not [d for d in documents if d["kind"] == "Secret"], "the certificate is brought out of band"
    plain = find(render(KUBERNETES), "Deployment", "rest-gateway")["spec"]["template"]["spec"]
    assert "volumes" not in plain, "the base is unchanged by the component"


def test_development_reads_devices_from_a_redis_registrar():
    development = render(OVERLAYS["development"])
    secret = find(development, "Secret", "flexiapi-database")
    assert secret["stringData"]["FLEXIAPI_REGISTRAR_REDIS_URL"] == "redis://redis:6379/0"
    find(development, "Service", "redis")
    redis = find(development, "Deployment", "redis")["spec"]["template"]["spec"]
    assert redis["securityContext"]["runAsNonRoot"] is True
    assert "--notify-keyspace-events" in redis["containers"][0]["args"]
    production = render(KUBERNETES)
    assert not [d for d in production if d["metadata"]["name"] == "redis"], "optional in production"
