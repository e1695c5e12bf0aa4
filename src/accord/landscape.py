"""The landscape file: which connector plays each system role, with its settings.

A firm describes its systems in one YAML file (JSON Schema: `schemas/landscape.v1.json`):

    version: 1
    firm: firm.yaml                 # entities, FX, tax; relative to this file
    sandbox: {}                     # present: the simulated landscape runs with the hub;
                                    # its vendor simulators play the roles a vendor has
                                    # ({vendors: false}: its generic systems play them all)
    systems:
      erp:
        connector: tryton           # an `accord.connectors` entry point
        base_url: http://tryton.internal:8000
        timeout_seconds: 30
        retry: {max_attempts: 6, base_delay_seconds: 0.2}
        limits: {max_concurrency: 4, requests_per_second: 10}
        settings:                   # what the connector itself takes
          database: accord
          login: accord
          password: {env: ACCORD_TRYTON_PASSWORD}   # or {file: /run/secrets/tryton}
    criticality:                    # optional; keys left out keep the defaults
      flows: {reporting: low}       # flow kind -> critical, standard or low
      classes:
        critical: {retry_budget: 30, sla_hours: 4, alert: true}

Secrets are references only (`{env: VAR}` or `{file: PATH}`), resolved when a connector
is built and never kept on the models, so no repr, log line or error shows them. With no
file the hub runs `Landscape.default()`: the sandbox for every role, as `make run` does
(the vendor simulators for CRM, CLM, PSA, HR and ERP, the generic billing system).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from accord.connectors.sandbox.vendors import ROLE_CONNECTORS
from accord.connectors.sdk.connector import SYSTEMS, System, discover_connectors
from accord.domain.criticality import (
    ClassPolicy,
    Criticality,
    CriticalityClass,
    FlowKind,
)

SANDBOX_FIRM = Path(__file__).parent / "connectors" / "sandbox" / "firm.yaml"
SECRET_KEY = re.compile(r"(password|passphrase|secret|token|api_key|private_key)$", re.I)
SCHEMA_FILE = "landscape.v1.json"
REQUIRED_ROLES = ("crm", "clm", "psa", "billing", "erp")
PATH_KEYS = frozenset({"mapping", "private_key_file"})
"""Settings keys holding a file path: a relative one is taken from the landscape's folder."""


class LandscapeError(ValueError):
    """A landscape file that cannot be used; each problem names its key path and reason."""

    def __init__(self, source: str, problems: list[tuple[str, str]]) -> None:
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  {path or '(file)'}: {reason}" for path, reason in problems)
        super().__init__(f"{source} is not a valid landscape:\n{lines}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SecretRef(_Strict):
    """Where a secret lives: an environment variable or a file (e.g. a mounted secret)."""

    env: str | None = Field(default=None, description="environment variable holding it")
    file: Path | None = Field(default=None, description="file holding it (one line)")

    @model_validator(mode="after")
    def _one_source(self) -> SecretRef:
        if (self.env is None) == (self.file is None):
            raise ValueError("a secret reference names exactly one of env or file")
        return self

    def resolve(self) -> str:
        """The secret's value; ValueError names the variable or file, never the value."""
        if self.env is not None:
            value = os.environ.get(self.env)
            if not value:
                raise ValueError(f"environment variable {self.env} is not set")
            return value
        assert self.file is not None
        if not self.file.is_file():
            raise ValueError(f"secret file {self.file} does not exist")
        return self.file.read_text(encoding="utf-8").strip()


class Retry(_Strict):
    """How often and how patiently a call is retried before it fails."""

    max_attempts: int = Field(default=6, ge=1, description="attempts per call, first included")
    base_delay_seconds: float = Field(default=0.2, gt=0, description="first backoff")


class Limits(_Strict):
    """What the connected system allows: calls at once and calls per second."""

    max_concurrency: int | None = Field(default=None, ge=1)
    requests_per_second: float | None = Field(default=None, gt=0)


class SystemConfig(_Strict):
    """One connected system: its connector (entry-point name) and settings."""

    connector: str = Field(description="entry point in the accord.connectors group")
    base_url: str | None = None
    timeout_seconds: float | None = Field(default=None, gt=0)
    retry: Retry | None = None
    limits: Limits | None = None
    settings: dict[str, Any] = Field(
        default_factory=dict,
        description="the connector's own settings; secrets as {env: VAR} or {file: PATH}",
    )


class SandboxConfig(_Strict):
    """The simulated landscape (`accord up` starts it; scaled out, `accord sandbox up`)."""

    speed: float | None = Field(default=None, gt=0, description="simulated s per real s")
    contracts: int = Field(default=60, ge=1, description="contracts of the generated firm")
    vendors: bool = Field(
        default=True,
        description="the vendor simulators play CRM, CLM, PSA, HR and ERP (false: the "
        "generic sandbox systems play every role)",
    )


class ClassConfig(_Strict):
    """What one criticality class means; a key left out keeps the class's default."""

    retry_budget: int | None = Field(
        default=None, ge=0, description="retries a waiting flow makes on its own"
    )
    sla_hours: float | None = Field(
        default=None, gt=0, description="longest wait, capping the exception kind's SLA"
    )
    alert: bool | None = Field(default=None, description="whether its exceptions notify")


class CriticalityConfig(_Strict):
    """Criticality classes per flow (docs/exceptions.md, "Criticality classes")."""

    flows: dict[FlowKind, CriticalityClass] = Field(
        default_factory=dict, description="the class of each flow kind named"
    )
    classes: dict[CriticalityClass, ClassConfig] = Field(
        default_factory=dict, description="retry budget, SLA and alerting per class"
    )

    def resolved(self) -> Criticality:
        """The firm's classes: the defaults with what this block names."""
        base = Criticality.default()
        classes = dict(base.classes)
        for name, given in self.classes.items():
            default = classes.get(name, ClassPolicy())
            classes[name] = ClassPolicy(
                retry_budget=default.retry_budget
                if "retry_budget" not in given.model_fields_set
                else given.retry_budget,
                sla=default.sla if given.sla_hours is None else timedelta(hours=given.sla_hours),
                alert=default.alert if given.alert is None else given.alert,
            )
        return Criticality(flows=dict(base.flows) | self.flows, classes=classes)


class LandscapeFile(_Strict):
    """The landscape file's content (version 1)."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="Accord landscape v1")

    version: Literal[1] = 1
    firm: Path | None = Field(default=None, description="firm configuration YAML")
    sandbox: SandboxConfig | None = None
    systems: dict[System, SystemConfig] = Field(default_factory=dict)
    sources: dict[str, SystemConfig] = Field(
        default_factory=dict, description="extra sources and targets (filedrop, sql, ...)"
    )
    criticality: CriticalityConfig = Field(default_factory=CriticalityConfig)


class Landscape:
    """A checked landscape: its file's content and the folder relative paths start from."""

    def __init__(self, content: LandscapeFile, base: Path, source: str) -> None:
        self.content = content
        self.base = base
        self.source = source

    @classmethod
    def default(cls, *, vendors: bool = True) -> Landscape:
        """The embedded default: the sandbox plays every role, its vendor simulators the
        roles a vendor has (`vendors=False`: its generic systems play them all)."""
        content = LandscapeFile(
            sandbox=SandboxConfig(vendors=vendors), systems=sandbox_systems(vendors)
        )
        return cls(content, Path.cwd(), "sandbox")

    @property
    def criticality(self) -> Criticality:
        """The firm's criticality classes (the defaults unless the file names others)."""
        return self.content.criticality.resolved()

    @property
    def has_sandbox(self) -> bool:
        return self.content.sandbox is not None

    @property
    def sandbox_vendors(self) -> bool:
        """Whether the sandbox's activity goes to its vendor simulators (they play the
        roles), not to its generic systems."""
        return self.content.sandbox is not None and self.content.sandbox.vendors

    @property
    def firm_file(self) -> Path:
        """The firm configuration: the file's `firm`, else the sandbox's demo firm."""
        if self.content.firm is None:
            return SANDBOX_FIRM
        return self.base / self.content.firm

    def entries(self) -> dict[str, SystemConfig]:
        """Every configured system by key path (`systems.erp`, `sources.payroll`)."""
        found = {f"systems.{role}": cfg for role, cfg in self.content.systems.items()}
        return found | {f"sources.{name}": cfg for name, cfg in self.content.sources.items()}

    def connector_config(self, key: str, base_url: str | None = None) -> dict[str, Any]:
        """The config dict the connector at `key` is built with: its settings with secrets
        resolved and paths made absolute, plus base URL, timeout, retry and limits."""
        entry = self.entries()[key]
        config = _resolved(entry.settings, self.base)
        url = entry.base_url or base_url
        extras: dict[str, Any] = {
            "base_url": url,
            "timeout": entry.timeout_seconds,
            "max_attempts": entry.retry and entry.retry.max_attempts,
            "base_delay": entry.retry and entry.retry.base_delay_seconds,
            "max_concurrency": entry.limits and entry.limits.max_concurrency,
            "requests_per_second": entry.limits and entry.limits.requests_per_second,
        }
        return dict(config) | {name: value for name, value in extras.items() if value is not None}


def _resolved(value: Any, base: Path, key: str = "") -> Any:
    if isinstance(value, Mapping):
        if _is_secret_ref(value):
            return SecretRef.model_validate(value).resolve()
        return {k: _resolved(v, base, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolved(item, base, key) for item in value]
    if key in PATH_KEYS and isinstance(value, str) and not Path(value).is_absolute():
        return str(base / value)
    return value


def _is_secret_ref(value: Mapping[Any, Any]) -> bool:
    return bool(value) and set(value) <= {"env", "file"}


def load_landscape(path: Path) -> Landscape:
    """Read and check a landscape file; LandscapeError names every bad key and why."""
    source = str(path)
    if not path.is_file():
        raise LandscapeError(source, [("", "no such file")])
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise LandscapeError(source, [("", f"not valid YAML: {error}")]) from None
    try:
        content = LandscapeFile.model_validate(document if document is not None else {})
    except ValidationError as error:
        problems = [(_dotted(e["loc"]), _reason(e)) for e in error.errors(include_url=False)]
        raise LandscapeError(source, problems) from None
    if content.sandbox is not None:
        sandbox = sandbox_systems(content.sandbox.vendors)
        content = content.model_copy(update={"systems": sandbox | content.systems})
    landscape = Landscape(content, path.resolve().parent, source)
    problems = _problems(landscape)
    if problems:
        raise LandscapeError(source, problems)
    return landscape


def sandbox_systems(vendors: bool) -> dict[System, SystemConfig]:
    """The connector per role the sandbox gives: the vendor connectors where a vendor
    plays the role (`vendors`), the generic sandbox systems' elsewhere."""
    played = ROLE_CONNECTORS if vendors else {}
    return {role: SystemConfig(connector=played.get(role, f"sandbox-{role}")) for role in SYSTEMS}


def _reason(error: Any) -> str:
    if error["type"] == "extra_forbidden":
        return "unknown key"
    if error["type"] == "literal_error" and error["loc"] and error["loc"][0] == "systems":
        return f"not a system role: choose {', '.join(SYSTEMS)}"
    return str(error["msg"]).removeprefix("Value error, ")


def _dotted(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc if part != "[key]")


def _problems(landscape: Landscape) -> list[tuple[str, str]]:
    """What the schema cannot see: unknown connectors, secrets, files that are missing."""
    known = discover_connectors()
    problems = [
        (f"systems.{role}", "required: the flows read and write it (or add `sandbox: {}`)")
        for role in REQUIRED_ROLES
        if role not in landscape.content.systems
    ]
    if landscape.content.firm is not None and not landscape.firm_file.is_file():
        problems.append(("firm", f"firm configuration {landscape.firm_file} does not exist"))
    for key, entry in landscape.entries().items():
        if entry.connector not in known:
            names = ", ".join(sorted(known))
            problems.append((f"{key}.connector", f"no connector {entry.connector!r} ({names})"))
        if entry.connector.startswith("sandbox-") and not (landscape.has_sandbox or entry.base_url):
            problems.append((f"{key}.base_url", "required: no sandbox runs with this landscape"))
        problems += _setting_problems(entry.settings, f"{key}.settings", landscape.base)
    return problems


def _setting_problems(value: Any, path: str, base: Path) -> list[tuple[str, str]]:
    if isinstance(value, Mapping):
        if _is_secret_ref(value):
            try:
                SecretRef.model_validate(value).resolve()
            except ValidationError as error:
                return [(path, _reason(error.errors(include_url=False)[0]))]
            except ValueError as error:
                return [(path, str(error))]
            return []
        found = []
        for name, item in value.items():
            where = f"{path}.{name}"
            if SECRET_KEY.search(str(name)) and isinstance(item, str):
                found.append((where, "write secrets as {env: VAR} or {file: PATH}, not inline"))
            elif name in PATH_KEYS and isinstance(item, str):
                if not (base / item).is_file():
                    found.append((where, f"file {base / item} does not exist"))
            else:
                found += _setting_problems(item, where, base)
        return found
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _setting_problems(v, f"{path}.{i}", base)]
    return []


def landscape_schema() -> dict[str, Any]:
    """The JSON Schema 2020-12 of the landscape file (committed as schemas/landscape.v1.json)."""
    generated = LandscapeFile.model_json_schema(mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"schemas/{SCHEMA_FILE}",
        **generated,
    }
