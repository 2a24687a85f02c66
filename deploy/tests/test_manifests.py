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
    "internal-tls": KUBERNETES / "overlays" / "internal-tls",
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
    # The gRPC port, or with TLS on it the plain health port (internal-tls).
    assert core["readinessProbe"]["grpc"] in ({"port": 50051}, {"port": 50052})
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
    (volume,) = [v for v in gateway["volumes"] if v["name"] == "tls"]
    assert volume["secret"]["secretName"] == "rest-gateway-tls"
    assert volume["secret"]["defaultMode"] == 0o440
    assert gateway["securityContext"]["fsGroup"] == gateway["securityContext"]["runAsGroup"]
    container = gateway["containers"][0]
    (mount,) = [m for m in container["volumeMounts"] if m["name"] == "tls"]
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
    assert [v["name"] for v in plain["volumes"]] == ["core-token"], "the base is unchanged by the component"
    assert [v["name"] for v in gateway["volumes"]] == ["core-token", "tls"], "the component adds, never replaces"


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


def secret_file(deployment: dict, variable: str) -> tuple[str, str]:
    """The Secret and key a container's `variable` names a file of, checking
    the file is mounted read-only from that Secret, readable by the group only."""
    pod = deployment["spec"]["template"]["spec"]
    container = pod["containers"][0]
    env = {e["name"]: e.get("value") for e in container["env"]}
    path = env[variable]
    directory, key = path.rsplit("/", 1)
    (mount,) = [m for m in container["volumeMounts"] if m["mountPath"] == directory]
    assert mount["readOnly"] is True, variable
    assert "subPath" not in mount, "a subPath mount never sees a Secret's update"
    (volume,) = [v for v in pod["volumes"] if v["name"] == mount["name"]]
    assert volume["secret"]["defaultMode"] == 0o440, variable
    assert pod["securityContext"]["fsGroup"] == pod["securityContext"]["runAsGroup"]
    return volume["secret"]["secretName"], key


def test_the_core_admits_the_callers_of_a_read_only_secret(rendered):
    core = find(rendered, "Deployment", "core-service")
    assert secret_file(core, "FLEXIAPI_CORE_CLIENTS_FILE") == ("flexiapi-core-clients", "clients")
    settings = find(rendered, "ConfigMap", "flexiapi-settings")["data"]
    assert settings["FLEXIAPI_CORE_LISTEN"].startswith("0.0.0.0:"), "off loopback, so the clients file is required"
    assert "FLEXIAPI_CORE_CLIENTS_FILE" not in settings and "FLEXIAPI_CORE_TOKEN" not in settings


def test_the_gateway_presents_the_token_of_a_read_only_secret(rendered):
    gateway = find(rendered, "Deployment", "rest-gateway")
    assert secret_file(gateway, "FLEXIAPI_CORE_TOKEN_FILE") == ("flexiapi-gateway-core-token", "token")
    env = {e["name"] for e in gateway["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert "FLEXIAPI_CORE_TOKEN" not in env, "the token never sits in the environment"


def test_only_the_gateway_and_labelled_clients_reach_the_core_grpc_port(rendered):
    policy = find(rendered, "NetworkPolicy", "core-service")["spec"]
    core = find(rendered, "Deployment", "core-service")["spec"]["template"]["metadata"]["labels"]
    assert policy["policyTypes"] == ["Ingress"]
    assert policy["podSelector"]["matchLabels"].items() <= core.items()
    grpc_rules = [r for r in policy["ingress"] if any(p["port"] == 50051 for p in r.get("ports", []))]
    (grpc,) = grpc_rules
    assert [p["port"] for p in grpc["ports"]] == [50051], "the gRPC rule opens nothing else"
    assert sorted(f["podSelector"]["matchLabels"].items() for f in grpc["from"]) == sorted(
        [{"app.kubernetes.io/name": "rest-gateway"}.items(), {"flexiapi.io/core-client": "true"}.items()]
    )
    assert all(set(f) == {"podSelector"} for f in grpc["from"]), "no namespace or IP block widens it"
    gateway = find(rendered, "Deployment", "rest-gateway")["spec"]["template"]["metadata"]["labels"]
    assert gateway["app.kubernetes.io/name"] == "rest-gateway"
    apart = sorted(p["port"] for r in policy["ingress"] if r is not grpc for p in r["ports"])
    assert apart in ([9090], [9090, 50052]), f"only metrics and plain health are reachable apart: {apart}"


def test_development_gives_the_gateway_a_token_its_core_knows():
    import hashlib

    development = render(OVERLAYS["development"])
    token = find(development, "Secret", "flexiapi-gateway-core-token")["stringData"]["token"]
    clients = find(development, "Secret", "flexiapi-core-clients")["stringData"]["clients"]
    lines = [line.split() for line in clients.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    assert ["gateway", "gateway", hashlib.sha256(token.encode()).hexdigest()] in lines


@pytest.mark.parametrize("name", ["core-service", "rest-gateway"])
def test_a_deleted_pod_serves_until_the_proxies_know(rendered, name):
    pod = find(rendered, "Deployment", name)["spec"]["template"]["spec"]
    sleep = pod["containers"][0]["lifecycle"]["preStop"]["sleep"]["seconds"]
    assert 1 <= sleep < pod["terminationGracePeriodSeconds"] - 10, "time left to drain after the sleep"


def test_internal_tls_is_mutual_from_read_only_secrets_with_probes_on_a_plain_health_port():
    documents = render(OVERLAYS["internal-tls"])
    core = find(documents, "Deployment", "core-service")
    for variable, key in [
        ("FLEXIAPI_CORE_TLS_CERT_FILE", "tls.crt"),
        ("FLEXIAPI_CORE_TLS_KEY_FILE", "tls.key"),
        ("FLEXIAPI_CORE_TLS_CLIENT_CA_FILE", "ca.crt"),
    ]:
        assert secret_file(core, variable) == ("core-service-tls", key), variable
    container = core["spec"]["template"]["spec"]["containers"][0]
    env = {e["name"]: e.get("value") for e in container["env"]}
    health_port = int(env["FLEXIAPI_CORE_HEALTH_LISTEN"].rsplit(":", 1)[1])
    assert health_port != 50051
    assert {"name": "health", "containerPort": health_port} in container["ports"]
    for probe in ["readinessProbe", "livenessProbe", "startupProbe"]:
        assert container[probe]["grpc"]["port"] == health_port, probe

    gateway = find(documents, "Deployment", "rest-gateway")
    gateway_env = {e["name"]: e.get("value") for e in gateway["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert gateway_env["FLEXIAPI_CORE_URL"].startswith("https://core-service-replicas:"), "env wins over the ConfigMap"
    for variable, key in [
        ("FLEXIAPI_CORE_CA_FILE", "ca.crt"),
        ("FLEXIAPI_CORE_CLIENT_CERT_FILE", "tls.crt"),
        ("FLEXIAPI_CORE_CLIENT_KEY_FILE", "tls.key"),
    ]:
        assert secret_file(gateway, variable) == ("rest-gateway-core-client", key), variable
    assert not [d for d in documents if d["kind"] == "Secret"], "certificates come out of band"
    plain = find(render(KUBERNETES), "Deployment", "core-service")["spec"]["template"]["spec"]
    assert [v["name"] for v in plain["volumes"]] == ["clients", "files"], "the base is unchanged by the component"


def test_gateways_reach_every_core_pod_through_a_headless_service(rendered):
    """A Digest answer must reach the core replica that issued its nonce:
    the gateway's --core-url names a headless Service (one address per ready
    pod, the core's gRPC port), not the balanced one."""
    settings = find(rendered, "ConfigMap", "flexiapi-settings")["data"]
    url = settings["FLEXIAPI_CORE_URL"]
    host, port = url.removeprefix("http://").split(":")
    service = find(rendered, "Service", host)["spec"]
    assert service["clusterIP"] == "None"
    assert service["selector"] == {"app.kubernetes.io/name": "core-service"}
    assert [p["port"] for p in service["ports"]] == [int(port)]
    assert not service.get("publishNotReadyAddresses"), "only ready pods are dialled"


def test_every_core_replica_writes_voicemails_to_one_shared_volume(rendered):
    """The root is read-only: --files-dir must be a mounted, writable
    volume, the same claim for every replica (an upload reaches one, its
    download may reach another)."""
    pod = find(rendered, "Deployment", "core-service")["spec"]["template"]["spec"]
    core = pod["containers"][0]
    env = {e["name"]: e.get("value") for e in core["env"]}
    (mount,) = [m for m in core["volumeMounts"] if m["mountPath"] == env["FLEXIAPI_FILES_DIR"]]
    assert not mount.get("readOnly", False)
    (volume,) = [v for v in pod["volumes"] if v["name"] == mount["name"]]
    claim = find(rendered, "PersistentVolumeClaim", volume["persistentVolumeClaim"]["claimName"])
    assert "ReadWriteMany" in claim["spec"]["accessModes"]
