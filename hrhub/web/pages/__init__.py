"""One module per page family, each exposing `router`; every module here is mounted."""

from __future__ import annotations

import importlib
import pkgutil

from fastapi import FastAPI


def register_pages(app: FastAPI) -> None:
    from hrhub.web import pages

    for info in sorted(pkgutil.iter_modules(pages.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{pages.__name__}.{info.name}")
        app.include_router(module.router)
