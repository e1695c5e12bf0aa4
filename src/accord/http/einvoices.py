"""The e-invoice download the API and the dashboard both answer with: an issued
document's EN 16931 XML as a named attachment."""

from __future__ import annotations

from fastapi.responses import Response

from accord.application.einvoicing import EInvoicing, UnknownDocument, UnknownMasterData
from accord.domain.billing.einvoice import EInvoiceSyntax
from accord.http.problems import ProblemError


def einvoice_response(einvoicing: EInvoicing, number: str, syntax: EInvoiceSyntax) -> Response:
    """The document's e-invoice as an XML download named `<number>.<syntax>.xml`; a 404
    problem when the document or its master data is unknown."""
    try:
        xml = einvoicing.render(number, syntax)
    except (UnknownDocument, UnknownMasterData) as error:
        raise ProblemError(404, "not-found", "Not found", str(error)) from None
    disposition = f'attachment; filename="{number}.{syntax.value}.xml"'
    return Response(xml, media_type="application/xml", headers={"Content-Disposition": disposition})
