"""The deployment description for real hosts (deploy/) stays in step with the code the tests run."""

from __future__ import annotations

import importlib.util
import re
import shlex
from pathlib import Path
from typing import Any

import yaml

from recruitbot.profile import nginx_config

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
APP_SERVICES = ("actions", "rasa-1", "rasa-2", "edge", "web", "jobs")


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yml").read_text())
    return loaded


def test_the_committed_nginx_configuration_is_what_the_profile_writes() -> None:
    expected = nginx_config("0.0.0.0:8080", ["rasa-1:5005", "rasa-2:5005"], Path("/tmp/nginx"), 600)
    assert (DEPLOY / "nginx.conf").read_text() == expected


def test_every_service_has_a_health_check_and_the_app_runs_as_a_user_of_its_own() -> None:
    services = compose()["services"]
    assert set(APP_SERVICES) <= set(services)
    for name, service in services.items():
        assert "healthcheck" in service, name
    for name in APP_SERVICES:
        assert services[name]["user"] not in ("0", "root"), name
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert re.search(r"^USER recruitbot$", dockerfile, re.MULTILINE)


def test_each_service_starts_a_module_of_this_project_and_the_production_endpoints() -> None:
    services = compose()["services"]
    for name in ("actions", "rasa-1", "rasa-2", "web", "jobs"):
        command = shlex.split(services[name]["command"])
        assert command[:2] == ["python", "-m"], name
        assert importlib.util.find_spec(command[2]) is not None, f"{name}: no module {command[2]}"
    rasa = shlex.split(services["rasa-1"]["command"])
    assert rasa[rasa.index("--endpoints") + 1] == "endpoints.production.yml"


def test_every_variable_the_production_endpoints_read_is_set() -> None:
    lines = [line.split("#", 1)[0] for line in (ROOT / "endpoints.production.yml").read_text().splitlines()]
    wanted = set(re.findall(r"\$\{(\w+)\}", "\n".join(lines)))
    environment = compose()["services"]["rasa-1"]["environment"]
    assert wanted <= set(environment), wanted - set(environment)
