"""Saved mail: one message (.eml) or a mailbox of them (.mbox), with the standard library's
``email`` parser.

Each message is a section with its headers and body ("message 3"); each attachment is read
by the loader for its own kind and follows as sections of its own ("message 3, attachment
budget.xlsx, sheet Q1, A1:D20"). An attachment that cannot be read is named in a warning
and the rest of the mail is kept.

A mailbox is split on its "From " lines as ``mailbox.mbox`` splits it; that class reads
from a path, and the loaders work on bytes already read and checked.
"""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass, field
from email.message import EmailMessage, Message

from core.documents import limits
from core.documents.extraction import Extraction, Source, join_pages
from core.documents.kinds import HEAD_BYTES, kind_from_head
from core.documents.model import DocumentError
from core.documents.names import display_name
from core.documents.readers import extract
from core.documents.web import html_text

_HEADERS = ("From", "To", "Cc", "Date", "Subject")
_FROM_LINE = re.compile(rb"^From .*$", re.MULTILINE)


@dataclass(slots=True)
class _Mail:
    sections: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    cacheable: bool = True


def load_eml(data: bytes, source: Source) -> Extraction:
    message = _parse(data)
    if not any(message.get(header) for header in _HEADERS):
        raise DocumentError(
            "corrupt", f"{source.name} is not an email message: it has no mail headers."
        )
    mail = _Mail()
    _add_message(mail, message, "message", source)
    return _finish(mail, source.name)


def load_mbox(data: bytes, source: Source) -> Extraction:
    starts = [match.start() for match in _FROM_LINE.finditer(data)]
    if not starts or data[: starts[0]].strip():
        raise DocumentError(
            "corrupt", f'{source.name} is not a mailbox: it does not start with a "From " line.'
        )
    if len(starts) > limits.MAIL_MAX_MESSAGES:
        raise DocumentError(
            "too_large",
            f"{source.name} holds {len(starts):,} messages, over the "
            f"{limits.MAIL_MAX_MESSAGES:,} a mailbox may hold.",
        )
    mail = _Mail()
    ends = [*starts[1:], len(data)]
    for number, (start, end) in enumerate(zip(starts, ends, strict=True), start=1):
        source.report(number - 1, len(starts))
        body_start = data.find(b"\n", start, end)
        raw = data[body_start + 1 : end] if body_start >= 0 else b""
        _add_message(mail, _parse(raw), f"message {number}", source)
    source.report(len(starts), len(starts))
    return _finish(mail, source.name)


def _parse(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def _add_message(mail: _Mail, message: EmailMessage, label: str, source: Source) -> None:
    lines = []
    for header in _HEADERS:
        value = _header(message, header)
        if value:
            lines.append(f"{header}: {value}")
    attachments = list(_attachments(message))
    names = [display_name(part.get_filename() or "unnamed") for part in attachments]
    body = _body(message, source.name)
    text = "\n".join(lines) + ("\n\n" + body if body else "")
    if names:
        text += "\n\nAttachments: " + ", ".join(names)
    mail.sections.append((label, text.strip()))
    prefix = "" if label == "message" else f"{label}, "  # a single .eml: "attachment x.pdf"
    for part, shown in zip(attachments, names, strict=True):
        _add_attachment(mail, part, shown, f"{prefix}attachment {shown}", source)


def _add_attachment(mail: _Mail, part: Message, shown: str, label: str, source: Source) -> None:
    inner = Source(shown, progress=source.progress, status=source.status, depth=source.depth + 1)
    if part.get_content_type() == "message/rfc822":
        payload = part.get_payload()
        nested = payload[0] if isinstance(payload, list) and payload else None
        if isinstance(nested, EmailMessage):
            if inner.depth > limits.MAX_NESTING:
                mail.warnings.append(f"Attachment not read: {shown} is nested too deeply.")
                return
            _add_message(mail, nested, label, inner)
        return
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes) or not data:
        mail.warnings.append(f"Attachment not read: {shown} is empty.")
        return
    try:
        kind = kind_from_head(shown, data[:HEAD_BYTES])
        extraction = extract(kind, data, inner)
    except DocumentError as exc:
        mail.warnings.append(f"Attachment not read: {exc.message}")
        return
    mail.cacheable = mail.cacheable and extraction.cacheable
    mail.warnings += [f"{shown}: {warning}" for warning in extraction.warnings]
    single = len(extraction.pages) == 1 and not extraction.pages[0].label
    for page in extraction.pages:
        where = label if single else f"{label}, {page.place}"
        mail.sections.append((where, extraction.text[page.start : page.end]))


def _attachments(message: EmailMessage) -> list[Message]:
    try:
        return list(message.iter_attachments())
    except (KeyError, TypeError, ValueError):  # a malformed multipart
        return []


def _body(message: EmailMessage, name: str) -> str:
    try:
        part = message.get_body(preferencelist=("plain", "html"))
    except (KeyError, TypeError, ValueError):
        part = None
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, ValueError, AssertionError):  # an unknown charset, a broken encoding
        raw = part.get_payload(decode=True)
        content = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else ""
    if not isinstance(content, str):
        return ""
    if part.get_content_type() == "text/html":
        try:
            return html_text(content, name)
        except DocumentError:
            return ""
    return content.replace("\r\n", "\n").strip()


def _header(message: EmailMessage, header: str) -> str:
    try:
        value = message.get(header)
    except (ValueError, TypeError, IndexError, AttributeError):  # a header that does not parse
        value = ""
    return " ".join(str(value or "").split())


def _finish(mail: _Mail, name: str) -> Extraction:
    if not any(text.strip() for _, text in mail.sections):
        raise DocumentError("empty", f"{name} has no text in it.", name)
    text, pages = join_pages([t for _, t in mail.sections], labels=[s for s, _ in mail.sections])
    return Extraction(text, pages, mail.warnings, cacheable=mail.cacheable)
