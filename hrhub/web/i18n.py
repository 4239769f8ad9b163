"""Chinese and English for hrhub's pages: one catalog, every text in both languages.

The language is `?lang=` when given (and then remembered in a cookie), else the cookie, else
the browser's Accept-Language, else Chinese. A key missing from the catalog is a KeyError, so
a page that names an unknown text fails its test instead of showing a blank.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from starlette.requests import Request

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"
LANGUAGE_COOKIE = "hrhub_lang"


def merge_texts() -> dict[str, tuple[str, str]]:
    """Every module's TEXTS in hrhub/web/texts/, refusing a key two modules define."""
    import importlib
    import pkgutil

    from hrhub.web import texts

    merged: dict[str, tuple[str, str]] = {}
    for info in sorted(pkgutil.iter_modules(texts.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{texts.__name__}.{info.name}")
        for key, pair in module.TEXTS.items():
            if key in merged:
                raise ValueError(f"text {key!r} is defined twice (again in texts/{info.name}.py)")
            merged[key] = pair
    return merged


# key -> (English, Chinese), one module per page family under hrhub/web/texts/.
CATALOG: Mapping[str, tuple[str, str]] = merge_texts()


@dataclass(frozen=True)
class Translator:
    """`t(key, **values)` in one language."""

    language: str

    def __call__(self, key: str, **values: object) -> str:
        english, chinese = CATALOG[key]
        text = chinese if self.language == "zh" else english
        return text.format(**values) if values else text

    @property
    def other(self) -> str:
        return "en" if self.language == "zh" else "zh"


def choose_language(request: Request) -> str:
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return asked
    remembered = request.cookies.get(LANGUAGE_COOKIE)
    if remembered in LANGUAGES:
        return remembered
    for part in request.headers.get("accept-language", "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("zh"):
            return "zh"
        if tag.startswith("en"):
            return "en"
    return DEFAULT_LANGUAGE
