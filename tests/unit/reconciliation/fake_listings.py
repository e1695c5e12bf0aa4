"""Fake connectors that hand out given ports, and listings that count their reads."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from accord.connectors.sdk import CheckResult, Stream
from accord.domain.reconciliation import ContractRecord, PaymentRecord, ProjectRecord


@dataclass
class FakeConnector:
    """A connector that hands out the given ports and nothing else."""

    name: str
    system: Any
    offered: Mapping[str, object] = field(default_factory=dict)

    def check(self, config: Mapping[str, Any]) -> CheckResult:
        return CheckResult(True, "fake")

    def streams(self) -> list[Stream]:
        return []

    def ports(self) -> dict[str, object]:
        return dict(self.offered)


@dataclass
class FakeListing:
    """Counts its reads, so a test can tell a listing was (or was not) read."""

    contracts: list[ContractRecord] = field(default_factory=list)
    projects: list[ProjectRecord] = field(default_factory=list)
    payments: list[PaymentRecord] = field(default_factory=list)
    reads: int = 0

    def contract_records(self) -> Sequence[ContractRecord]:
        self.reads += 1
        return self.contracts

    def project_records(self) -> Sequence[ProjectRecord]:
        self.reads += 1
        return self.projects

    def payment_records(self) -> Sequence[PaymentRecord]:
        self.reads += 1
        return self.payments
