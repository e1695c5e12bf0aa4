"""EN 16931 validation with the official CEN Schematron rules, compiled to XSLT, run
offline through SaxonC-HE.

Compiling an XSLT takes seconds, so each is compiled once per process and reused; Saxon
processors are not thread-safe, so runs are serialised behind one lock.
"""

from __future__ import annotations

import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import datetime
from importlib import resources
from typing import Any

from accord.domain.billing.einvoice import EInvoiceSyntax, EInvoiceValidation, Violation

SVRL = "http://purl.oclc.org/dsdl/svrl"
RULES = {
    EInvoiceSyntax.UBL: "EN16931-UBL-validation.xslt",
    EInvoiceSyntax.CII: "EN16931-CII-validation.xslt",
}

_lock = threading.Lock()
_processor: Any = None
_compiled: dict[EInvoiceSyntax, Any] = {}


def _executable(syntax: EInvoiceSyntax) -> Any:
    global _processor
    if syntax not in _compiled:
        from saxonche import PySaxonProcessor

        if _processor is None:
            _processor = PySaxonProcessor(license=False)
        rules = resources.files("accord.adapters.einvoice") / "en16931" / RULES[syntax]
        with resources.as_file(rules) as path:
            compiler = _processor.new_xslt30_processor()
            _compiled[syntax] = compiler.compile_stylesheet(stylesheet_file=str(path))
    return _compiled[syntax]


def _rule_text(text: str, rule: str) -> str:
    # The rules prefix their own text with "[BR-xx]-"; the rule id is kept apart.
    return " ".join(text.removeprefix(f"[{rule}]-").split())


def parse_svrl(report: str) -> tuple[Violation, ...]:
    """Every `svrl:failed-assert` flagged fatal, in report order."""
    root = ET.fromstring(report.encode("utf-8"))
    violations = []
    for failed in root.iter(f"{{{SVRL}}}failed-assert"):
        if failed.get("flag") != "fatal":
            continue
        rule = failed.get("id", "")
        text = "".join(failed.findtext(f"{{{SVRL}}}text") or "")
        violations.append(Violation(rule, _rule_text(text, rule), failed.get("location", "")))
    return tuple(violations)


class SaxonEN16931Validator:
    """`EInvoiceValidator` running the CEN rules for UBL and CII."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self._clock = clock

    def validate(self, number: str, syntax: EInvoiceSyntax, xml: bytes) -> EInvoiceValidation:
        with _lock:
            executable = _executable(syntax)
            document = _processor.parse_xml(xml_text=xml.decode("utf-8"))
            report = executable.transform_to_string(xdm_node=document)
        if report is None:
            raise RuntimeError(f"the EN 16931 {syntax.value} rules produced no report")
        return EInvoiceValidation(number, syntax, parse_svrl(report), self._clock())

    def warm_up(self) -> None:
        """Compile both rule sets now (a few seconds) rather than on the first document."""
        with _lock:
            for syntax in EInvoiceSyntax:
                _executable(syntax)
