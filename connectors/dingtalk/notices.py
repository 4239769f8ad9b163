"""Render hrhub's message templates (notices.yaml) into DingTalk message bodies.

Work notifications and robot messages take different shapes for the same text: a work
notification's `msg` is `{msgtype: action_card | markdown, ...}` in snake_case, a robot's body
is `{msgtype: actionCard | markdown, ...}` in camelCase. Both come from one template, so the
candidate and the hiring group read the same words.
"""

from __future__ import annotations

import json
import string
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from connectors._core.errors import ConfigError, RecordRejected

__all__ = ["LANGUAGES", "MSG_MAX_BYTES", "msg_bytes", "render_robot", "render_work_notice"]

SYSTEM = "dingtalk"
TEMPLATES_FILE = Path(__file__).with_name("notices.yaml")
LANGUAGES = ("zh", "en")
MSG_MAX_BYTES = 2048  # asyncsend_v2 refuses a larger msg (hr-system-apis.md §2.2)


@cache
def templates() -> dict[str, Any]:
    """The templates file, read once and checked for shape."""
    try:
        data = yaml.safe_load(TEMPLATES_FILE.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{TEMPLATES_FILE}: cannot read templates: {exc}", system=SYSTEM) from exc
    for name, spec in data.items():
        if spec.get("kind") not in ("action_card", "markdown"):
            raise ConfigError(f"{TEMPLATES_FILE}: {name}: kind must be action_card or markdown")
        for lang in LANGUAGES:
            if not {"title", "text"} <= set(spec.get(lang) or {}):
                raise ConfigError(f"{TEMPLATES_FILE}: {name}.{lang} needs a title and a text")
    return data


def _fill(text: str, params: Mapping[str, Any], record_id: str | None) -> str:
    for _, name, _, _ in string.Formatter().parse(text):
        if name and params.get(name) in (None, ""):
            raise RecordRejected(
                f"template needs the param {name!r}",
                system=SYSTEM,
                record_id=record_id,
                field=f"params.{name}",
            )
    return text.format_map({k: str(v) for k, v in params.items()})


def _texts(
    template: str, language: str, params: Mapping[str, Any], record_id: str | None
) -> tuple[str, str, str, str | None]:
    """(kind, title, text, button) of one template in one language."""
    spec = templates().get(template)
    if spec is None:
        known = ", ".join(templates())
        raise RecordRejected(
            f"unknown template {template!r} (known: {known})",
            system=SYSTEM,
            record_id=record_id,
            field="template",
        )
    if language not in LANGUAGES:
        raise RecordRejected(
            f"unknown language {language!r} (known: {', '.join(LANGUAGES)})",
            system=SYSTEM,
            record_id=record_id,
            field="language",
        )
    texts = spec[language]
    title = _fill(texts["title"], params, record_id)
    text = _fill(texts["text"], params, record_id)
    button = texts.get("button")
    return spec["kind"], title, text, button


def _link(kind: str, params: Mapping[str, Any], record_id: str | None) -> str | None:
    link = params.get("link")
    if kind == "action_card" and not link:
        raise RecordRejected(
            "this template has a button and needs the param 'link'",
            system=SYSTEM,
            record_id=record_id,
            field="params.link",
        )
    return str(link) if link else None


def render_work_notice(
    template: str, language: str, params: Mapping[str, Any], *, record_id: str | None = None
) -> dict[str, Any]:
    """The `msg` of an asyncsend_v2 call."""
    kind, title, text, button = _texts(template, language, params, record_id)
    link = _link(kind, params, record_id)
    if kind == "markdown":
        if link:
            text = f"{text}\n\n[{link}]({link})"
        return {"msgtype": "markdown", "markdown": {"title": title, "text": text}}
    return {
        "msgtype": "action_card",
        "action_card": {
            "title": title,
            "markdown": text,
            "single_title": button or title,
            "single_url": link,
        },
    }


def render_robot(
    template: str,
    language: str,
    params: Mapping[str, Any],
    *,
    at_mobiles: list[str] | None = None,
    record_id: str | None = None,
) -> dict[str, Any]:
    """The body of a custom robot's /robot/send call."""
    kind, title, text, button = _texts(template, language, params, record_id)
    link = params.get("link")
    at = {"atMobiles": list(at_mobiles or []), "isAtAll": False}
    if kind == "action_card" and link:
        body = {
            "msgtype": "actionCard",
            "actionCard": {
                "title": title,
                "text": text,
                "singleTitle": button or title,
                "singleURL": str(link),
            },
        }
    else:
        body = {"msgtype": "markdown", "markdown": {"title": title, "text": text}}
    body["at"] = at
    return body


def msg_bytes(msg: Mapping[str, Any]) -> int:
    """Size of a message as DingTalk counts it: UTF-8 JSON."""
    return len(json.dumps(msg, ensure_ascii=False).encode("utf-8"))
