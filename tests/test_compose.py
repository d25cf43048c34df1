"""compose.yaml, checked as far as this machine allows (no container engine runs the image here):
valid against the Compose Specification's JSON schema, every role from the one Dockerfile, the
data folder shared, and the health checks' commands run against real servers on 127.0.0.1.

The schema is the one check-jsonschema (PyPI) ships and refreshes from the compose-spec project.
"""

from __future__ import annotations

import importlib.resources
import json
import re
import subprocess
import sys
from typing import Any

import jsonschema
import pytest
import yaml

from bot.http.config import HttpConfig
from tests.conftest import REPO
from tests.test_discord import make_answer
from tests.test_docker import instructions
from tests.test_http import app_server

COMPOSE: dict[str, Any] = yaml.safe_load((REPO / "compose.yaml").read_text())
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]
FACTDESK_ROLES = ("indexer", "api", "discord")


def compose_schema() -> dict[str, Any]:
    vendored = importlib.resources.files("check_jsonschema.builtin_schemas.vendor") / "compose-spec.json"
    schema: dict[str, Any] = json.loads(vendored.read_text(encoding="utf-8"))
    return schema


def validator() -> jsonschema.protocols.Validator:
    schema = compose_schema()
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def test_compose_file_is_valid_against_the_compose_spec() -> None:
    errors = sorted(validator().iter_errors(COMPOSE), key=lambda error: list(error.path))
    assert not errors, [f"{'/'.join(map(str, error.path))}: {error.message}" for error in errors]


def test_the_schema_catches_a_misspelt_key() -> None:
    broken = json.loads(json.dumps(COMPOSE))
    broken["services"]["api"]["healtcheck"] = broken["services"]["api"].pop("healthcheck")
    assert not validator().is_valid(broken)


def test_every_role_is_the_one_image_built_from_the_dockerfile() -> None:
    assert set(SERVICES) == {"chroma", "indexer", "api", "discord"}
    for name, service in SERVICES.items():
        assert service["build"] == "." and service["image"] == "factdesk:latest", name
        assert service["restart"] == "unless-stopped", name
    assert SERVICES["chroma"]["entrypoint"] == ["chroma"]
    assert SERVICES["chroma"]["command"] == ["run", "--host", "0.0.0.0", "--port", "8000", "--path", "/chroma"]
    assert SERVICES["indexer"]["command"] == ["index", "--watch"]
    assert SERVICES["discord"]["command"] == ["discord"]
    api = SERVICES["api"]["command"]
    assert api[:3] == ["serve", "--host", "0.0.0.0"] and api[api.index("--port") + 1] == str(HttpConfig().port)


def test_roles_share_the_chroma_server_and_the_data_volume() -> None:
    for name in FACTDESK_ROLES:
        service = SERVICES[name]
        assert service["environment"]["FACTDESK_CHROMA_HOST"] == "chroma", name
        # The keyword index lives in the data folder: the indexer writes it, the readers need the same one.
        assert {"corpus:/corpus", "data:/data"} <= set(service["volumes"]), name
        assert service["depends_on"]["chroma"]["condition"] == "service_healthy", name
    assert SERVICES["chroma"]["volumes"] == ["chroma:/chroma"]
    assert set(COMPOSE["volumes"]) == {"corpus", "data", "chroma"}
    assert SERVICES["discord"]["environment"]["FACTDESK_DISCORD_WATCH"] == "false"
    assert SERVICES["discord"]["profiles"] == ["discord"]  # needs a token: started on request
    assert SERVICES["api"]["ports"] == [f"127.0.0.1:{HttpConfig().port}:{HttpConfig().port}"]


def test_health_checks_are_the_cheap_commands() -> None:
    assert SERVICES["indexer"]["healthcheck"]["test"] == ["CMD", "factdesk", "index", "--status"]
    assert "/healthz" in SERVICES["api"]["healthcheck"]["test"][-1]
    assert "/api/v2/heartbeat" in SERVICES["chroma"]["healthcheck"]["test"][-1]
    for name in ("indexer", "api", "chroma"):
        assert {"interval", "timeout", "retries", "start_period"} <= set(SERVICES[name]["healthcheck"]), name


def health_check(name: str, port: int) -> subprocess.CompletedProcess[str]:
    """A service's `CMD python -c ...` health check, run here with the port a local server has."""
    test = SERVICES[name]["healthcheck"]["test"]
    assert test[:3] == ["CMD", "python", "-c"]
    code = re.sub(r"127\.0\.0\.1:\d+", f"127.0.0.1:{port}", test[3])
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)


def test_the_chroma_health_check_passes_against_a_real_chroma_server(chroma_server: tuple[str, int]) -> None:
    _host, port = chroma_server
    result = health_check("chroma", port)
    assert result.returncode == 0, result.stderr


def test_the_api_health_check_passes_against_the_served_application() -> None:
    with app_server(lambda question, engine, **kwargs: make_answer(question=question)) as url:
        result = health_check("api", int(url.rsplit(":", 1)[1]))
    assert result.returncode == 0, result.stderr


def test_the_dockerfile_exposes_the_api_port_and_owns_the_chroma_folder() -> None:
    assert instructions("EXPOSE") == [str(HttpConfig().port)]
    # A fresh named volume takes the ownership of the image folder it is mounted on: the
    # non-root chroma role can write /chroma only because the image creates it for that user.
    assert re.search(r"mkdir -p [^&]*/chroma && chown factdesk:factdesk [^&]*/chroma", " ".join(instructions("RUN")))


@pytest.mark.parametrize("key", ["FACTDESK_DISCORD_TOKEN", "FACTDESK_HTTP_TOKEN"])
def test_secrets_come_from_the_environment_not_the_file(key: str) -> None:
    text = (REPO / "compose.yaml").read_text()
    assert re.search(rf"{key}: \$\{{{key}:-\}}", text)
