"""SOAP 1.2 envelopes and faults for the virtual ONVIF device, built and parsed with lxml.

Requests are parsed with entity resolution and network access off (an XML body is untrusted
input). A handler raises ``SoapFault`` with ONVIF's codes (``env:Sender`` + ``ter:InvalidArgVal``
+ ``ter:NoProfile`` …); the server turns it into a fault envelope, HTTP 400 for the sender's
faults and 500 for the receiver's, as the SOAP 1.2 HTTP binding says.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeAlias

from lxml import etree  # type: ignore[import-untyped]  # lxml ships no type stubs

__all__ = [
    "NS",
    "Element",
    "SoapFault",
    "child",
    "envelope",
    "fault_envelope",
    "fill",
    "parse_envelope",
    "q",
    "sub",
    "text_of",
]

NS = {
    "env": "http://www.w3.org/2003/05/soap-envelope",
    "ter": "http://www.onvif.org/ver10/error",
    "tt": "http://www.onvif.org/ver10/schema",
    "tds": "http://www.onvif.org/ver10/device/wsdl",
    "trt": "http://www.onvif.org/ver10/media/wsdl",
    "tptz": "http://www.onvif.org/ver20/ptz/wsdl",
    "wsse": "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd",
    "wsu": "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd",
}
_MAX_DEPTH = 32

Element: TypeAlias = Any  # lxml.etree._Element; lxml has no type stubs

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_blank_text=True)


class SoapFault(Exception):
    """A fault to answer with: ``code`` is ``Sender`` or ``Receiver``; ``subcodes`` are ``ter:`` names."""

    def __init__(self, code: str, subcodes: Iterable[str], reason: str) -> None:
        super().__init__(reason)
        self.code, self.subcodes, self.reason = code, tuple(subcodes), reason

    @property
    def http_status(self) -> int:
        return 400 if self.code == "Sender" else 500


def q(prefix: str, name: str) -> str:
    return f"{{{NS[prefix]}}}{name}"


def parse_envelope(body: bytes) -> tuple[Element | None, Element]:
    """(Header or None, the operation element inside Body) of a SOAP 1.2 request."""
    try:
        root = etree.fromstring(body, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise SoapFault("Sender", ["ter:WellFormed"], f"the request is not well-formed XML: {exc}") from exc
    if root.tag != q("env", "Envelope"):
        raise SoapFault("Sender", ["ter:WellFormed"], f"expected a SOAP 1.2 Envelope, got {root.tag}")
    if max((len(list(e.iterancestors())) for e in root.iter()), default=0) > _MAX_DEPTH:
        raise SoapFault("Sender", ["ter:WellFormed"], "the request is nested too deeply")
    header = root.find(q("env", "Header"))
    body_el = root.find(q("env", "Body"))
    operations = [] if body_el is None else [e for e in body_el if isinstance(e.tag, str)]
    if len(operations) != 1:
        raise SoapFault("Sender", ["ter:WellFormed"], "the SOAP Body must hold exactly one operation")
    return header, operations[0]


def envelope(payload: Element) -> bytes:
    root = etree.Element(q("env", "Envelope"), nsmap={k: NS[k] for k in ("env", "tt", "tds", "trt", "tptz")})
    etree.SubElement(root, q("env", "Body")).append(payload)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def fault_envelope(fault: SoapFault) -> bytes:
    root = etree.Element(q("env", "Envelope"), nsmap={"env": NS["env"], "ter": NS["ter"]})
    f = etree.SubElement(etree.SubElement(root, q("env", "Body")), q("env", "Fault"))
    parent = etree.SubElement(f, q("env", "Code"))
    etree.SubElement(parent, q("env", "Value")).text = f"env:{fault.code}"
    for sub_code in fault.subcodes:
        parent = etree.SubElement(parent, q("env", "Subcode"))
        etree.SubElement(parent, q("env", "Value")).text = sub_code
    reason = etree.SubElement(etree.SubElement(f, q("env", "Reason")), q("env", "Text"))
    reason.set("{http://www.w3.org/XML/1998/namespace}lang", "en")
    reason.text = fault.reason
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def sub(parent: Element, tag: str, text: str | None = None, attrs: Mapping[str, str] | None = None) -> Element:
    """Append ``prefix:Name`` to ``parent`` with optional text and attributes."""
    prefix, _, name = tag.partition(":")
    el = etree.SubElement(parent, q(prefix, name), attrib=dict(attrs) if attrs else None)
    if text is not None:
        el.text = text
    return el


def fill(parent: Element, *children: tuple[str, str]) -> Element:
    """Append text children (tag, text) in order (schema sequences are ordered); returns ``parent``."""
    for tag, text in children:
        sub(parent, tag, text)
    return parent


def child(parent: Element, name: str) -> Element | None:
    """The first child called ``name`` in any namespace (clients differ in their prefixes)."""
    for el in parent:
        if isinstance(el.tag, str) and etree.QName(el).localname == name:
            return el
    return None


def text_of(parent: Element, name: str) -> str | None:
    el = child(parent, name)
    return None if el is None or el.text is None else el.text.strip()
