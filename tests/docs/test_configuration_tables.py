"""docs/configuration.md lists every setting of each service, and only those, with their defaults.

The names are derived from each `Settings` class (its fields, inherited ones included, through
pydantic-settings' prefix, aliases and nested delimiter), so a setting added, renamed or removed in code
fails here until the table says so.
"""

import enum
import importlib
import pathlib
import re
from dataclasses import dataclass
from typing import Any

import pytest
from pydantic import AliasChoices, BaseModel, SecretStr
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined
from pydantic_settings import BaseSettings

CONFIGURATION = pathlib.Path(__file__).resolve().parents[2] / "docs" / "configuration.md"
SERVICES = {"gateway": "gateway.settings", "auth": "auth_service.settings", "files": "files_service.settings"}
UNSET = "—"


@dataclass(frozen=True)
class Row:
    name: str
    default: str


def documented_rows(service: str) -> list[Row]:
    """The rows of the table under `## <service> (`...`)`: one variable per row, in backticks."""
    text = CONFIGURATION.read_text(encoding="utf-8")
    section = re.search(rf"^## {service} \(.*?$(.*?)(?=^## |\Z)", text, re.MULTILINE | re.DOTALL)
    assert section, f"docs/configuration.md has no section '## {service} (...)'"
    rows = []
    for line in section.group(1).splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if not line.startswith("|") or len(cells) < 3 or not cells[0].startswith("`FU_"):
            continue
        name = re.fullmatch(r"`(FU_[A-Z0-9_]+)`", cells[0])
        assert name, f"one variable per row, in backticks: {cells[0]}"
        rows.append(Row(name.group(1), cells[1]))
    return rows


def settings_class(service: str) -> type[BaseSettings]:
    settings: type[BaseSettings] = importlib.import_module(SERVICES[service]).Settings
    return settings


def env_names(model: type[BaseModel], prefix: str, delimiter: str | None) -> dict[str, FieldInfo]:
    """Every environment variable a pydantic-settings class reads, with the field it sets."""
    names: dict[str, FieldInfo] = {}
    for field_name, field in model.model_fields.items():
        alias = field.validation_alias or field.alias
        if isinstance(alias, AliasChoices):
            alias = next((choice for choice in alias.choices if isinstance(choice, str)), None)
        name = alias.upper() if isinstance(alias, str) else f"{prefix}{field_name}".upper()
        annotation = field.annotation
        if delimiter and isinstance(annotation, type) and issubclass(annotation, BaseModel):
            names.update(env_names(annotation, name + delimiter, delimiter))
        else:
            names[name] = field
    return names


def settings_env(service: str) -> dict[str, FieldInfo]:
    model = settings_class(service)
    config = model.model_config
    return env_names(model, config.get("env_prefix", ""), config.get("env_nested_delimiter"))


def simple_default(field: FieldInfo) -> Any:
    """The field's default as a plain value, or PydanticUndefined when it is computed or has none."""
    default = field.get_default(call_default_factory=True) if field.default_factory else field.default
    if isinstance(default, SecretStr):
        default = default.get_secret_value()
    if isinstance(default, enum.Enum):
        default = default.value
    return default


def documents(cell: str, default: Any) -> bool:
    """Whether a table's default cell says the field's default: `—` (and a note) for none, else `value`."""
    if default is None or default == "":
        return cell.startswith(UNSET)
    shown = re.match(r"`([^`]*)`", cell)
    if not shown:
        return False
    value = shown.group(1)
    if isinstance(default, bool):
        return value == str(default).lower()
    if isinstance(default, pathlib.Path):
        return pathlib.Path(value) == default
    if isinstance(default, int | float):
        try:
            return float(value) == default
        except ValueError:
            return False
    return value == str(default)


@pytest.mark.parametrize("service", SERVICES)
def test_every_setting_is_in_the_table(service: str) -> None:
    missing = sorted(set(settings_env(service)) - {row.name for row in documented_rows(service)})
    assert not missing, f"settings of {service} missing from docs/configuration.md: {missing}"


@pytest.mark.parametrize("service", SERVICES)
def test_the_table_names_only_real_settings(service: str) -> None:
    unknown = sorted({row.name for row in documented_rows(service)} - set(settings_env(service)))
    assert not unknown, f"docs/configuration.md names settings {service} does not have: {unknown}"


@pytest.mark.parametrize("service", SERVICES)
def test_each_setting_is_listed_once(service: str) -> None:
    names = [row.name for row in documented_rows(service)]
    assert sorted({name for name in names if names.count(name) > 1}) == []


@pytest.mark.parametrize("service", SERVICES)
def test_documented_defaults_are_the_fields_defaults(service: str) -> None:
    fields = settings_env(service)
    wrong = []
    for row in documented_rows(service):
        field = fields.get(row.name)
        if field is None:
            continue
        default = simple_default(field)
        if default is PydanticUndefined or not isinstance(
            default, str | int | float | bool | pathlib.Path | None
        ):
            continue
        if not documents(row.default, default):
            wrong.append(f"{row.name}: documented {row.default!r}, default {default!r}")
    assert not wrong, "\n".join(wrong)


def test_the_checks_see_a_difference() -> None:
    """The comparisons above fail on a table that differs (so a passing run means the tables agree)."""
    assert documents("`8080`", 8080) and documents("`5`", 5.0) and documents("`false`", False)
    assert documents("— (required in production)", None) and documents("`./data`", pathlib.Path("./data"))
    assert not documents("`8081`", 8080) and not documents("`true`", False) and not documents("`x`", None)
    assert not documents("— (none)", "memory://") and not documents("`memory://`", "")
