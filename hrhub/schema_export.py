"""Generate ``schemas/canonical/*.schema.json`` from the canonical models.

The models are the source of truth; the JSON files are what auditors, mapping contract tests and
other languages read. Output is byte-for-byte deterministic so a test can compare it with the
committed files. Run ``python -m hrhub.schema_export`` after changing a model
(``--check`` only reports drift, for CI).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from hrhub.models import CANONICAL_MODELS, CanonicalRecord

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
ID_BASE = "https://hrhub.dev/schemas/canonical/"
DEFAULT_OUT_DIR = Path(__file__).resolve().parents[1] / "schemas" / "canonical"
SUFFIX = ".schema.json"


def schema_filename(entity: str) -> str:
    return f"{entity}{SUFFIX}"


def schema_for(model: type[CanonicalRecord]) -> dict[str, Any]:
    """JSON Schema 2020-12 of one model, with its dialect, stable ``$id`` and entity name."""
    schema = model.model_json_schema()
    return {
        "$schema": SCHEMA_DIALECT,
        "$id": ID_BASE + schema_filename(model.entity),
        "x-entity": model.entity,
        **schema,
    }


def render(model: type[CanonicalRecord]) -> str:
    """Serialized schema: sorted keys, 2-space indent, UTF-8, trailing newline."""
    return json.dumps(schema_for(model), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def expected_files() -> dict[str, str]:
    """File name -> content for every canonical model."""
    return {schema_filename(e): render(m) for e, m in sorted(CANONICAL_MODELS.items())}


def stale_files(out_dir: Path) -> list[str]:
    """Names of schema files in ``out_dir`` that are missing, differ or belong to no model."""
    wanted = expected_files()
    present = {p.name for p in out_dir.glob(f"*{SUFFIX}")}
    drift = [
        name
        for name, text in wanted.items()
        if name not in present or (out_dir / name).read_text(encoding="utf-8") != text
    ]
    return sorted(drift + sorted(present - wanted.keys()))


def export_schemas(out_dir: Path) -> list[Path]:
    """Write one schema per model and delete schema files no model produces any more."""
    out_dir.mkdir(parents=True, exist_ok=True)
    wanted = expected_files()
    for orphan in out_dir.glob(f"*{SUFFIX}"):
        if orphan.name not in wanted:
            orphan.unlink()
    written = []
    for name, text in wanted.items():
        path = out_dir / name
        path.write_text(text, encoding="utf-8", newline="\n")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hrhub.schema_export", description=__doc__)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT_DIR, help="output directory")
    parser.add_argument("--check", action="store_true", help="report drift, write nothing")
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_files(args.out)
        for name in stale:
            print(f"stale: {args.out / name}", file=sys.stderr)
        if stale:
            print("run: python -m hrhub.schema_export", file=sys.stderr)
        return 1 if stale else 0
    for path in export_schemas(args.out):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
