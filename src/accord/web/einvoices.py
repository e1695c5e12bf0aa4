"""The invoice page's e-invoice downloads (UBL, CII) for a signed-in dashboard user."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from accord.application.security import Permission, Principal
from accord.domain.billing.einvoice import EInvoiceSyntax
from accord.http.einvoices import einvoice_response
from accord.http.ports import ports

router = APIRouter(include_in_schema=False)


@router.get("/invoices/{number:path}/einvoice/{syntax}")
async def einvoice(request: Request, number: str, syntax: EInvoiceSyntax) -> Response:
    """Download a document as an EN 16931 e-invoice in `syntax` (ubl or cii)."""
    principal: Principal = request.state.principal
    if not principal.can(Permission.READ_REPORTS):
        raise HTTPException(403, f"downloading an e-invoice needs {Permission.READ_REPORTS}")
    einvoicing = ports(request).einvoicing
    if einvoicing is None:
        raise HTTPException(503, "this hub does not render e-invoices")
    return await run_in_threadpool(einvoice_response, einvoicing, number, syntax)
