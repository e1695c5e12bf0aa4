"""Outbound writes that never duplicate: upserts by external id with idempotency keys.

Every write a connector makes is keyed twice:

- by an *external id*, the hub's business key for the object (contract id, invoice
  number, customer id) stored in the target system's external-id field. The write is an
  upsert on that id (NetSuite `PUT /record/v1/customer/eid:C1`, Salesforce
  `PATCH /sobjects/Account/Accord_Id__c/C1`), so writing the same object twice leaves
  one record, updated in place;
- by an *idempotency key* from `idempotency_key(system, operation, *business_keys)`, sent
  as the `Idempotency-Key` header, so a system that supports it returns the first result
  for a retried request instead of applying it again.

A system with neither (Kantata has no idempotency key) is made safe by the connector:
it searches by external reference before creating. `ExternalIdUpsert` describes the common
case; connectors for other APIs follow the same semantics by hand.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx

from accord.connectors.sdk.connector import idempotency_key
from accord.connectors.sdk.errors import ConnectorError
from accord.connectors.sdk.http import HttpClient
from accord.domain.billing.posting_check import DocumentTotals


@dataclass(frozen=True)
class PostedDocument:
    """A document as the target system holds it after a write.

    Matches the application's `PostedDocument` port type: `external_id` is the system's
    own id, `number` the business number (e.g. `INV-DE01-000001`), `status` the system's
    status word (e.g. `posted`, `paid`). `totals` are the untaxed amount, tax and total
    the system itself computed and stored, read back after the write, in the issued
    document's sign (a credit note the hub issued positive reads positive); None when
    the system does not report them.
    """

    external_id: str
    number: str
    status: str
    totals: DocumentTotals | None = None


@dataclass(frozen=True)
class ExternalIdUpsert:
    """One upsert of `fields` into `object_type`, keyed by `external_id`.

    `path_template` may use `{object_type}` and `{external_id}` (URL-quoted); the default
    follows NetSuite's REST shape. Sending the same upsert twice yields one record.
    """

    system: str
    object_type: str
    external_id: str
    fields: Mapping[str, Any]
    method: str = "PUT"
    path_template: str = "/{object_type}/eid:{external_id}"
    extra_keys: tuple[str, ...] = field(default=())

    @property
    def path(self) -> str:
        return self.path_template.format(
            object_type=self.object_type, external_id=quote(self.external_id, safe="")
        )

    @property
    def idempotency_key(self) -> str:
        """Stable for the object: the operation, the external id and any `extra_keys`."""
        return idempotency_key(
            self.system, f"upsert-{self.object_type}", self.external_id, *self.extra_keys
        )

    def send(self, client: HttpClient) -> httpx.Response:
        """Send the upsert with its idempotency key through the connector's client."""
        return client.request(
            self.method, self.path, json=dict(self.fields), idempotency_key=self.idempotency_key
        )


BATCH_POSTING = "BatchPosting"
"""The name under which an ERP connector that posts many documents per call offers that
capability in `ports()`, beside its `ErpGateway`: an object with
`post_invoices(batch: Sequence[tuple[Invoice, str]]) -> list[BatchOutcome]`, taking
(document, idempotency key) pairs and answering one outcome per document, in order.
Each document stays idempotent by its key as with `post_invoice`; an outage raises
`UnavailableError` for the whole batch. The hub's posting uses it when it is offered
and `post_invoice` otherwise."""

BatchOutcome = PostedDocument | ConnectorError
"""One document's outcome in a batch: as the system holds it, or the error refusing it."""
