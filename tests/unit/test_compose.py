"""docker-compose.yml cannot run here (no Docker engine), so its consistency is checked instead."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from orderflow.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
SERVICES = COMPOSE["services"]


def test_every_orderflow_variable_is_a_setting():
    fields = set(Settings.model_fields)
    for name, service in SERVICES.items():
        for var in (service.get("environment") or {}):
            if var.startswith("ORDERFLOW_"):
                assert var.removeprefix("ORDERFLOW_").lower() in fields, f"{name}: {var} is not a setting"


def test_images_are_pinned():
    for name, service in SERVICES.items():
        image = service.get("image")
        assert image, f"{name} has no image"
        assert ":" in image and not image.endswith(":latest"), f"{name} uses an unpinned image {image}"


def test_dependencies_wait_on_health_or_completion():
    for name, service in SERVICES.items():
        for dep, how in (service.get("depends_on") or {}).items():
            assert dep in SERVICES, f"{name} depends on unknown {dep}"
            condition = how["condition"]
            assert condition in ("service_healthy", "service_completed_successfully"), f"{name} -> {dep}"
            if condition == "service_healthy":
                assert "healthcheck" in SERVICES[dep], f"{name} waits for {dep}'s health, which has no check"


def test_long_running_services_have_healthchecks():
    one_shot = {name for s in SERVICES.values() for name, how in (s.get("depends_on") or {}).items()
                if how["condition"] == "service_completed_successfully"}
    for name, service in SERVICES.items():
        if name not in one_shot:
            assert "healthcheck" in service, f"{name} runs for good but has no healthcheck"


def test_no_default_passwords_and_every_variable_documented():
    text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    for secret in ("POSTGRES_PASSWORD", "MINIO_ROOT_PASSWORD", "POSTGRES_USER", "MINIO_ROOT_USER"):
        uses = re.findall(r"(?<!\$)\$\{" + secret + r"([^}]*)\}", text)  # $${...} is the container's shell
        assert uses and all(u.startswith(":?") for u in uses), f"{secret} must be required, never defaulted"
    documented = set(re.findall(r"^([A-Z0-9_]+)=", (ROOT / ".env.example").read_text(encoding="utf-8"), re.M))
    used = set(re.findall(r"(?<!\$)\$\{([A-Z0-9_]+)", text))
    assert used <= documented, f"undocumented in .env.example: {used - documented}"


def test_the_ui_is_published_on_loopback_only():
    for name, service in SERVICES.items():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} beyond loopback"


def test_the_server_takes_update_with_start():
    """`order issue` is one update-with-start: the server must allow ExecuteMultiOperation, from a release that
    has the fix for CVE-2025-14986, and every file compose mounts must be in the repository."""
    temporal = SERVICES["temporal"]
    major, minor, patch = (int(x) for x in temporal["image"].split(":")[1].split(".")[:3])
    assert (major, minor, patch) >= (1, 27, 4)
    mounts = [m.split(":") for m in temporal["volumes"]]
    dynamic = next(Path(ROOT / src) for src, dst, *_ in mounts if dst.endswith("dynamicconfig/docker.yaml"))
    config = yaml.safe_load(dynamic.read_text(encoding="utf-8"))
    assert config["frontend.enableExecuteMultiOperation"] == [{"value": True}]


def test_the_image_holds_every_package_the_project_installs():
    """A package left out of the Dockerfile installs nothing and fails only when the container starts."""
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    packages = {p.rstrip("*") for p in project["tool"]["setuptools"]["packages"]["find"]["include"]}
    copied = set(re.findall(r"^COPY (\w+) \1$", (ROOT / "Dockerfile").read_text(encoding="utf-8"), re.M))
    assert packages <= copied, f"not in the image: {packages - copied}"
    assert SERVICES["api"]["command"] == ["orderflow", "serve"] and "ports" not in SERVICES["api"]


def test_only_the_gateway_is_believed_about_client_addresses():
    """Sign-in throttling counts client addresses: a forwarded address is taken from the gateway alone."""
    api, gateway = SERVICES["api"], SERVICES["gateway"]
    trusted = api["environment"]["ORDERFLOW_API_FORWARDED_ALLOW_IPS"]
    assert trusted == gateway["networks"]["edge"]["ipv4_address"] and "*" not in trusted
    assert "edge" in api["networks"] and list(gateway["networks"]) == ["edge"]
