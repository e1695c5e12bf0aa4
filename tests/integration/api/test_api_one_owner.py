"""One owner per item: a reconciliation discrepancy's exception is routed to the team that
owns its kind, and names that same owner in the API's exception list, on the dashboard's
queue and in its own details."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal

from accord.application.security import Role
from accord.domain.exceptions import BusinessException, ExceptionKind, OwnerRole
from accord.domain.reconciliation import Discrepancy, DiscrepancyKind
from tests.integration.api.conftest import ApiWorld


def test_an_unbilled_time_exception_is_billing_s_in_the_api_and_on_the_dashboard(
    world: ApiWorld,
) -> None:
    kind = DiscrepancyKind.UNBILLED_TIME
    found = Discrepancy(
        kind, "time_psa_hub", ("psa", "hub"), "T30", Decimal("300.00"), "EUR", 57, kind.owner
    )
    with world.hub.unit_of_work() as uow:
        exception_id = uow.exceptions.raise_(
            BusinessException(
                kind.exception_kind, found.subject, "unbilled", routed_to=found.owner
            ),
            found.to_dict(),
            datetime.now(UTC),
        )
        uow.commit()

    listed = world.client.get("/api/v1/exceptions", headers=world.as_role(Role.ADMIN))
    [item] = [i for i in listed.json()["items"] if i["id"] == exception_id]
    world.client.post(
        "/login",
        data={"token": world.tokens[Role.ADMIN]},
        headers={"Origin": "http://testserver"},
    )
    page = world.client.get("/exceptions").text
    row = re.search(rf'<tr id="exception-{exception_id}">(.*?)</tr>', page, re.S)
    assert row is not None, page
    cells = re.findall(r"<td>(.*?)</td>", row.group(1), re.S)

    owner = OwnerRole.BILLING.value
    assert ExceptionKind.RECONCILIATION_DISCREPANCY.owner.value != owner  # routed, not defaulted
    assert (item["owner"], item["details"]["owner"], cells[2]) == (owner, owner, owner)
