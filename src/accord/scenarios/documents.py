"""`accord scenario run --documents DIR`: every issued document as its e-invoices, so
anyone can run their own validator on what the hub produced."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from accord.application.einvoicing import EInvoicing
from accord.domain.billing.documents import Document


def write_einvoices(
    documents: Iterable[Document], einvoicing: EInvoicing, directory: Path
) -> list[Path]:
    """Write `<number>.<syntax>.xml` (ubl, cii) for each issued document; the paths."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for number in (document.number for document in documents):
        for syntax, xml in einvoicing.render_all(number).items():
            path = directory / f"{number}.{syntax.value}.xml"
            path.write_bytes(xml)
            written.append(path)
    return written
