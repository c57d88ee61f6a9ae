"""docker-compose.yml, the Dockerfile and .env.example, checked by schema and by reading.

No Docker engine runs where the tests run, so the Compose file is validated against the
Compose specification's own JSON schema and the rest is checked for what an admin relies on.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import yaml

from tests.support.paths import REPO_ROOT, SHARED

COMPOSE_SCHEMA = SHARED / "specs" / "compose-spec.json"


YamlDocument = dict[str, Any]  # as yaml.safe_load gives it: the schema test checks its shape


@pytest.fixture(scope="module")
def compose() -> YamlDocument:
    document: YamlDocument = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())
    return document


@pytest.mark.skipif(not COMPOSE_SCHEMA.exists(), reason="the Compose schema (../shared/specs) is not here")
def test_compose_file_validates_against_the_compose_spec(compose: YamlDocument) -> None:
    import jsonschema

    schema = json.loads(COMPOSE_SCHEMA.read_text())
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(compose), key=str)
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors]


def test_bot_starts_once_the_database_is_healthy(compose: YamlDocument) -> None:
    services = compose["services"]
    assert services["bot"]["depends_on"] == {"db": {"condition": "service_healthy", "restart": True}}
    assert "pg_isready" in str(services["db"]["healthcheck"]["test"])
    assert any(str(v).endswith(":/var/lib/postgresql/data") for v in services["db"]["volumes"])
    assert "db-data" in compose["volumes"]
    assert services["bot"]["env_file"] == [{"path": ".env", "required": True}]


def test_env_example_documents_every_variable_the_bot_reads() -> None:
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (REPO_ROOT / ".env.example").read_text(), re.M))
    config = (REPO_ROOT / "bot" / "config.py").read_text()
    read = set(re.findall(r'get\("([A-Z][A-Z0-9_]+)"\)', config)) - {"HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"}
    assert read, "found no variables in bot/config.py"
    assert read <= documented, sorted(read - documented)
    compose_vars = set(re.findall(r"\$\{([A-Z_]+)", (REPO_ROOT / "docker-compose.yml").read_text()))
    assert compose_vars <= documented, sorted(compose_vars - documented)


def test_dockerfile_is_slim_non_root_with_a_dependency_layer() -> None:
    dockerfile = (REPO_ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.\d+-slim", dockerfile, re.M)
    user = re.findall(r"^USER (\S+)", dockerfile, re.M)
    assert user and user[-1] not in ("root", "0")
    runtime = dockerfile[dockerfile.rindex("\nFROM ") :]  # the stage that runs
    # Dependencies come from pyproject.toml in a layer of their own, before the built wheel, so
    # code and content edits keep that layer.
    assert runtime.index("COPY pyproject.toml") < runtime.index("pip install -r") < runtime.index("COPY --from=wheel")
    assert "COPY bot" not in runtime and "COPY content" not in runtime
    # The built wheel, not an editable checkout: it carries the lessons itself.
    assert "pip install --no-deps /tmp/dist/*.whl" in runtime and " -e " not in dockerfile
    assert "pip wheel" in dockerfile and "COPY content" in dockerfile
    assert "HEALTHCHECK" in runtime and 'CMD ["mltip", "run"]' in runtime
