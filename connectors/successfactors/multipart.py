"""OData v2 `$batch` bodies: multipart/mixed parts holding HTTP requests and answers.

Kept apart from the simulator's routes: parsing and writing the wire format is one job.
"""

from __future__ import annotations

from http import HTTPStatus

from connectors._core.simulator import Response
from connectors.successfactors.odata_query import BAD_REQUEST as BAD
from connectors.successfactors.odata_query import ODataError


def boundary(content_type: str | None) -> str:
    for item in (content_type or "").split(";"):
        name, _, value = item.strip().partition("=")
        if name.lower() == "boundary" and value:
            return value.strip().strip('"')
    raise ODataError(400, BAD, "A multipart request needs a boundary in its Content-Type.")


def split_multipart(text: str, boundary: str) -> list[str]:
    """The parts between `--boundary` lines (the preamble and epilogue dropped)."""
    delimiter, closing = f"--{boundary}", f"--{boundary}--"
    parts: list[str] = []
    current: list[str] | None = None
    for line in text.replace("\r\n", "\n").split("\n"):
        marker = line.rstrip()
        if marker == closing:
            break
        if marker == delimiter:
            if current is not None:
                parts.append("\n".join(current))
            current = []
        elif current is not None:
            current.append(line)
    if current is not None:
        parts.append("\n".join(current))
    return parts


def split_headers(part: str) -> tuple[dict[str, str], str]:
    """MIME headers (names lower-cased) and the content after the blank line."""
    head, _, content = part.lstrip("\n").partition("\n\n")
    headers = {}
    for line in head.split("\n"):
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    return headers, content


def parse_http(content: str) -> tuple[str, str, dict[str, str], bytes]:
    """An embedded request: (method, target, headers, body)."""
    head, _, body = content.lstrip("\n").partition("\n\n")
    request_line, *header_lines = head.split("\n")
    words = request_line.split()
    if len(words) < 2:
        raise ODataError(400, BAD, f"Invalid request line in $batch part: {request_line!r}")
    headers = {}
    for line in header_lines:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    return words[0].upper(), words[1], headers, body.strip().encode("utf-8")


def http_part(resp: Response) -> str:
    """One `application/http` part of a batch answer: status line, headers, JSON body."""
    data, content_type = resp.encode()
    lines = [
        "Content-Type: application/http",
        "Content-Transfer-Encoding: binary",
        "",
        f"HTTP/1.1 {resp.status} {HTTPStatus(resp.status).phrase}",
    ]
    if content_type:
        lines.append(f"Content-Type: {content_type}")
    lines.append(f"Content-Length: {len(data)}")
    lines.extend(f"{k}: {v}" for k, v in resp.headers.items())
    lines.append("")
    return "\r\n".join(lines) + "\r\n" + data.decode("utf-8")


def join_multipart(boundary: str, parts: list[str]) -> str:
    body = "".join(f"--{boundary}\r\n{part}\r\n" for part in parts)
    return body + f"--{boundary}--\r\n"
