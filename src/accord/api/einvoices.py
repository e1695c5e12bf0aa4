"""EN 16931 e-invoices of issued documents: the XML in either syntax, and the latest
validation of each, for people and systems that receive what Accord issues."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from accord.application.einvoicing import EInvoicing
from accord.application.security import Permission, Principal
from accord.domain.billing.einvoice import EInvoiceSyntax
from accord.http import ports
from accord.http.einvoices import einvoice_response
from accord.http.problems import problem
from accord.http.security.auth import require

router = APIRouter(prefix="/api/v1", tags=["experience"])
ReportReader = Annotated[Principal, Depends(require(Permission.READ_REPORTS))]
Number = Annotated[str, Path(max_length=200)]
XML: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/xml": {}}, "description": "the e-invoice"}
}
Missing: dict[int | str, dict[str, Any]] = {
    404: problem("No such document"),
    503: problem("The service behind this view is not running in this hub"),
}


@router.get(
    "/documents/{number:path}/einvoice",
    operation_id="get_einvoice",
    response_class=Response,
    responses={**XML, **Missing},
    summary="An issued document as an EN 16931 e-invoice (UBL 2.1 or UN/CEFACT CII)",
)
async def get_einvoice(
    request: Request,
    principal: ReportReader,
    number: Number,
    syntax: Annotated[EInvoiceSyntax, Query()] = EInvoiceSyntax.UBL,
) -> Response:
    einvoicing: EInvoicing = ports.einvoicing(request)
    return await run_in_threadpool(einvoice_response, einvoicing, number, syntax)


@router.get(
    "/documents/{number:path}/einvoice/validations",
    operation_id="get_einvoice_validations",
    responses=Missing,
    summary="The latest EN 16931 validation of a document, per syntax, with each broken rule",
)
async def get_einvoice_validations(
    request: Request, principal: ReportReader, number: Number
) -> list[dict[str, Any]]:
    einvoicing: EInvoicing = ports.einvoicing(request)
    found = await run_in_threadpool(einvoicing.validations, number)
    return [
        {
            "number": v.number,
            "syntax": v.syntax.value,
            "status": v.status,
            "validated_at": v.validated_at.isoformat(),
            "violations": [
                {"rule": x.rule, "text": x.text, "location": x.location} for x in v.violations
            ],
        }
        for v in found
    ]
