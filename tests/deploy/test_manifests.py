"""The deployment assets validate offline: Kubernetes manifests, the compose file, the images."""

import pathlib
import re
import shutil
import subprocess
import sys

import kubernetes_validate
import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
KUBERNETES_VERSION = "1.30.0"
SERVICES = ("gateway", "auth", "files")


def kustomize(path: pathlib.Path) -> list[dict]:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl (which renders kustomizations offline) is not installed; .ci/run requires it")
    rendered = subprocess.run(
        [kubectl, "kustomize", str(path)], check=True, capture_output=True, text=True
    ).stdout
    return [doc for doc in yaml.safe_load_all(rendered) if doc]


@pytest.mark.parametrize("kustomization", ["base", "overlays/example"])
def test_kustomization_renders_valid_manifests(kustomization):
    resources = kustomize(K8S / kustomization)
    for resource in resources:
        kubernetes_validate.validate(resource, KUBERNETES_VERSION, strict=True)
    kinds = {(r["kind"], r["metadata"]["name"]) for r in resources}
    for name in SERVICES:
        assert {
            ("Deployment", name),
            ("Service", name),
            ("HorizontalPodAutoscaler", name),
            ("PodDisruptionBudget", name),
        } <= kinds
    assert ("StatefulSet", "nats") in kinds and ("Ingress", "fileuploader") in kinds


def test_every_pod_runs_restricted():
    for resource in kustomize(K8S / "overlays/example"):
        if resource["kind"] not in ("Deployment", "StatefulSet"):
            continue
        pod = resource["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True, resource["metadata"]["name"]
        for container in pod["containers"]:
            security = container["securityContext"]
            assert security["readOnlyRootFilesystem"] and not security["allowPrivilegeEscalation"]
            assert security["capabilities"]["drop"] == ["ALL"]
            assert "limits" in container["resources"] and "requests" in container["resources"]


def test_only_the_gateway_takes_outside_traffic():
    policies = [r for r in kustomize(K8S / "base") if r["kind"] == "NetworkPolicy"]
    deny_all = [p for p in policies if p["spec"]["podSelector"] == {}]
    assert deny_all and deny_all[0]["spec"].get("ingress") is None
    open_rules = [
        (p["metadata"]["name"], rule)
        for p in policies
        for rule in p["spec"].get("ingress", [])
        if "from" not in rule
    ]
    assert [name for name, _ in open_rules] == ["gateway-from-anywhere"]


def test_grpc_services_have_grpc_probes_and_the_gateway_http_ones():
    deployments = {r["metadata"]["name"]: r for r in kustomize(K8S / "base") if r["kind"] == "Deployment"}
    for name in ("auth", "files"):
        container = deployments[name]["spec"]["template"]["spec"]["containers"][0]
        assert "grpc" in container["readinessProbe"] and "grpc" in container["livenessProbe"]
    gateway = deployments["gateway"]["spec"]["template"]["spec"]["containers"][0]
    assert gateway["readinessProbe"]["httpGet"]["path"] == "/readyz"


def test_secret_template_holds_no_secret():
    template = yaml.safe_load((K8S / "secret.template.yaml").read_text())
    assert all(value == "" for value in template["stringData"].values())


def containers_in(resource: object) -> list[dict]:
    """Every container spec anywhere in `resource` (Deployments, StatefulSets, CronJobs' job templates)."""
    if isinstance(resource, list):
        return [container for item in resource for container in containers_in(item)]
    if not isinstance(resource, dict):
        return []
    found = [c for c in resource.get("containers", []) if isinstance(c, dict) and "image" in c]
    return found + [c for key, value in resource.items() if key != "containers" for c in containers_in(value)]


def pair_secrets(holders: list[tuple[str, str, str]]) -> dict[str, set[str]]:
    """(service, variable, secret) triples -> each RPC token secret and the services that hold it."""
    pairs: dict[str, set[str]] = {}
    for service, variable, secret in holders:
        if variable.endswith("_RPC_TOKEN"):
            pairs.setdefault(secret, set()).add(service)
    return pairs


def test_each_kubernetes_rpc_token_reaches_only_the_two_ends_of_its_pair():
    holders = [
        (
            container["image"].split("/")[-1].split(":")[0],
            env["name"],
            env["valueFrom"]["secretKeyRef"]["key"],
        )
        for container in containers_in(kustomize(K8S / "base"))
        for env in container.get("env", [])
        if "secretKeyRef" in env.get("valueFrom", {})
    ]
    pairs = pair_secrets(holders)
    assert pairs == {
        "FU_GATEWAY_AUTH_RPC_TOKEN": {"gateway", "auth"},
        "FU_GATEWAY_FILES_RPC_TOKEN": {"gateway", "files"},
        "FU_AUTH_RPC_TOKEN": {"auth", "files"},
    }
    template = yaml.safe_load((K8S / "secret.template.yaml").read_text())
    assert set(pairs) <= set(template["stringData"])


def test_each_compose_rpc_token_reaches_only_the_two_ends_of_its_pair():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    holders = [
        (name, variable, value)
        for name in SERVICES
        for variable, value in services[name]["environment"].items()
    ]
    assert sorted(sorted(ends) for ends in pair_secrets(holders).values()) == [
        ["auth", "files"],
        ["auth", "gateway"],
        ["files", "gateway"],
    ]


def test_compose_file_matches_the_compose_spec():
    checker = pathlib.Path(sys.executable).parent / "check-jsonschema"
    result = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.compose-spec", str(ROOT / "docker-compose.yml")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("service", SERVICES)
def test_dockerfile_is_multi_stage_non_root_with_a_healthcheck(service):
    dockerfile = (ROOT / "services" / service / "Dockerfile").read_text()
    assert len(re.findall(r"^FROM ", dockerfile, re.MULTILINE)) == 2
    assert re.search(r"^USER 10001", dockerfile, re.MULTILINE)
    assert re.search(r"^HEALTHCHECK ", dockerfile, re.MULTILINE)
    assert "requirements/dev.txt" not in dockerfile and "pytest" not in dockerfile


def test_every_setting_the_deployment_assets_name_is_a_real_setting():
    from auth_service.settings import Settings as AuthSettings
    from files_service.settings import Settings as FilesSettings
    from gateway.settings import Settings as GatewaySettings

    known = {
        f"FU_{service}_{field.upper()}"
        for service, settings in (
            ("AUTH", AuthSettings),
            ("FILES", FilesSettings),
            ("GATEWAY", GatewaySettings),
        )
        for field in settings.model_fields
    }
    assets = [ROOT / "docker-compose.yml", *K8S.rglob("*.yaml"), *(ROOT / "services").glob("*/Dockerfile")]
    used = {
        name
        for path in assets
        for name in re.findall(r"FU_(?:AUTH|FILES|GATEWAY)_[A-Z0-9_]+", path.read_text())
    }
    assert len(used) > 20 and used <= known, sorted(used - known)


def test_compose_runs_as_development_and_its_try_out_secret_is_refused_in_production():
    from pydantic import ValidationError

    from auth_service.settings import Settings as AuthSettings

    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    auth, gateway = services["auth"]["environment"], services["gateway"]["environment"]
    try_out_secret = re.fullmatch(r"\$\{FU_JWT_SECRET:-(.+)\}", auth["FU_AUTH_JWT_SECRET"]).group(1)
    assert auth["FU_AUTH_ENVIRONMENT"] == "${FU_ENVIRONMENT:-development}"
    assert gateway["FU_GATEWAY_ENVIRONMENT"] == "${FU_ENVIRONMENT:-development}"
    with pytest.raises(ValidationError, match="example secret"):
        AuthSettings(environment="production", jwt_secret=try_out_secret, nats_password="n" * 32)


def test_kubernetes_runs_the_gateway_in_production_with_its_public_url():
    from gateway.settings import Settings as GatewaySettings

    config = yaml.safe_load((K8S / "base" / "config.yaml").read_text())["data"]
    gateway = {
        name.removeprefix("FU_GATEWAY_").lower(): value
        for name, value in config.items()
        if name.startswith("FU_GATEWAY_")
    }
    tokens_from_the_secret = {
        "auth_rpc_token": "a" * 32,
        "files_rpc_token": "f" * 32,
        "nats_password": "s" * 65,
    }
    settings = GatewaySettings(**gateway, **tokens_from_the_secret)
    assert settings.environment == "production" and settings.public_url == "https://files.example.com"
    assert settings.nats_url is not None, "the gateway hears deletes: its file cache is on"


def compose_defaults(environment: dict[str, str]) -> dict[str, str]:
    """A compose service's settings as they are when no variable is given: `${X:-default}` -> default."""
    return {name: re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", str(value)) for name, value in environment.items()}


@pytest.mark.parametrize(
    "service,module,prefix",
    [
        ("auth", "auth_service.settings", "FU_AUTH_"),
        ("files", "files_service.settings", "FU_FILES_"),
        ("gateway", "gateway.settings", "FU_GATEWAY_"),
    ],
)
def test_compose_try_out_secrets_are_refused_in_production(service, module, prefix, monkeypatch):
    """FU_ENVIRONMENT=production with compose's public try-out tokens and passwords never starts."""
    import importlib

    from pydantic import ValidationError

    environment = compose_defaults(
        yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"][service]["environment"]
    )
    for name, value in {**environment, f"{prefix}ENVIRONMENT": "production"}.items():
        monkeypatch.setenv(name, value)
    settings_class = importlib.import_module(module).Settings
    with pytest.raises(ValidationError, match="example"):
        settings_class()


def test_the_gateways_nats_password_reaches_only_the_gateway_and_nats():
    holders = {
        (container["image"].split("/")[-1].split(":")[0], env["valueFrom"]["secretKeyRef"]["key"])
        for container in containers_in(kustomize(K8S / "base"))
        for env in container.get("env", [])
        if "secretKeyRef" in env.get("valueFrom", {})
    }
    assert {image for image, key in holders if key == "FU_GATEWAY_NATS_PASSWORD"} == {"gateway", "nats"}
    template = yaml.safe_load((K8S / "secret.template.yaml").read_text())
    assert "FU_GATEWAY_NATS_PASSWORD" in template["stringData"]
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    password = services["gateway"]["environment"]["FU_GATEWAY_NATS_PASSWORD"]
    assert services["nats"]["environment"]["NATS_GATEWAY_PASSWORD"] == password
    assert [
        name
        for name, service in services.items()
        if password in map(str, service.get("environment", {}).values())
    ] == ["nats", "gateway"]
