"""map_throughput: mapping N candidate records, the compiled engine vs interpreting the YAML.

Every extracted record goes through a mapping file, so the engine's speed bounds the extract
step. The records are SuccessFactors candidate payloads, generated here (seeded): Chinese and
English names, one or two e-mails, one or two phones, title, city, country, an OData
``/Date(ms)/`` modification time, plus the fields SuccessFactors sends that the mapping does
not read. They go through ``mappings/successfactors/candidate.in.yaml`` two ways, on the same
records in one run:

- ``compiled``: ``Mapping.apply``, the hub's engine (paths, transforms and defaults bound into
  closures once, when the file is loaded);
- ``interpreted``: a straightforward interpreter that walks the parsed YAML rules for every
  record (normalise the rule, split the path, look the transform up, call it with its
  parameters, build the target path), calling the same transform functions: the mapping
  engine a hub without compilation would have.

Both must give the same output for every record of the pool; the result says whether they
did. Rates are records per CPU-second of this process ("per core": threads cannot inflate
it) and per wall second. The issue's target (>= 100,000 records/s/core for the compiled
engine) is reported, never asserted.
"""

from __future__ import annotations

import copy
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from itertools import cycle, islice, pairwise
from typing import Any

from hrhub.bench import Report, Result, rate_row, ratio, result
from hrhub.mapping import TRANSFORMS, Mapping, MappingError, load_mapping
from hrhub.yaml_lines import read_lined_yaml

SEED = 20260612
POOL = 20_000  # distinct records; a run of N cycles through them
TARGET_PER_CORE = 100_000
RATIO_TARGET = 2.0
FIRST_MODIFIED = datetime(2026, 1, 1, tzinfo=UTC)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红玲芬燕彬鹏辉晨浩宇欣怡轩涵"
EN_GIVEN = ("Emily", "James", "Olivia", "Daniel", "Sophia", "Lucas", "Grace", "Henry", "Mia")
EN_FAMILY = ("Clarke", "Walker", "Nguyen", "Schmidt", "Rossi", "Tanaka", "Brown", "Silva")
CITIES = ("北京", "上海", "广州", "深圳", "杭州", "成都", "南京", "武汉", "Singapore", "München")
COUNTRIES = ("中国", "China", "Singapore", "Deutschland")
TITLES = ("数据工程师", "客服主管", "销售经理", "HRBP", "Software Engineer", "财务经理", "")


def generate_candidate(index: int) -> dict[str, Any]:
    """One SuccessFactors Candidate payload, the same for the same index."""
    rng = random.Random(SEED * 1_000_003 + index)
    if rng.random() < 0.8:
        given = "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))
        family = rng.choice(SURNAMES)
    else:
        given, family = rng.choice(EN_GIVEN), rng.choice(EN_FAMILY)
    modified = FIRST_MODIFIED + timedelta(seconds=rng.randint(0, 300 * 86_400))
    millis = int(modified.timestamp() * 1000)
    return {
        "__metadata": {"uri": f"Candidate({100_000 + index})", "type": "SFOData.Candidate"},
        "candidateId": 100_000 + index,
        "firstName": given,
        "lastName": family,
        "middleName": None,
        "primaryEmail": f"cand{index}@example.com",
        "contactEmail": f"c{index}@mail.example.cn" if rng.random() < 0.5 else None,
        "cellPhone": f"1{rng.randint(30, 89)}{rng.randint(0, 99_999_999):08d}",
        "homePhone": f"021-{rng.randint(0, 99_999_999):08d}" if rng.random() < 0.3 else "",
        "currentTitle": rng.choice(TITLES),
        "city": rng.choice(CITIES),
        "country": rng.choice(COUNTRIES),
        "zip": f"{rng.randint(100_000, 999_999)}",
        "partnerSource": rng.choice(("LinkedIn", "BOSS直聘", "猎聘", "referral", None)),
        "creationDateTime": f"/Date({millis - 86_400_000})/",
        "lastModifiedDateTime": f"/Date({millis}+0000)/" if index % 2 else f"/Date({millis})/",
    }


# --- the peer: interpreting the YAML per record --------------------------------------------

_MISSING: Any = object()


def interpreter(fields: dict[str, Any], file: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A mapper that reads ``fields`` (the parsed YAML) anew for every record.

    It implements what candidate.in.yaml uses: ``from`` (a path or a list of paths),
    ``transform`` (a name or a mapping with ``name`` and parameters), ``default`` and
    ``required``; a rule it does not know is refused before any record is mapped.
    """
    known = {"from", "transform", "default", "required", "personal_data", "note"}
    for target, spec in fields.items():
        extra = set(spec) - known if isinstance(spec, dict) else set()
        if extra:
            raise ValueError(
                f"{file}: the bench interpreter does not do {sorted(extra)} ({target})"
            )

    def apply(record: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for target, spec in fields.items():
            rule = {"from": spec} if isinstance(spec, str) else spec
            source = rule.get("from")
            if isinstance(source, list):
                values = [_read(record, path) for path in source]
                value = (
                    _MISSING
                    if all(_missing(v) for v in values)
                    else [None if _missing(v) else v for v in values]
                )
            else:
                value = _read(record, source) if source else _MISSING
            transform = rule.get("transform")
            if transform is not None and not _missing(value):
                params = {"name": transform} if isinstance(transform, str) else dict(transform)
                name = params.pop("name")
                value = TRANSFORMS[name](value, **params)
            if _missing(value):
                if "default" in rule:
                    value = copy.deepcopy(rule["default"])
                elif rule.get("required"):
                    raise MappingError("required but missing or empty", file=file, field=target)
                else:
                    continue
            _write(out, target, value)
        return out

    return apply


def _read(record: Any, path: str) -> Any:
    value = record
    for key in path.split("."):
        if isinstance(value, dict):
            if key not in value:
                return _MISSING
            value = value[key]
        elif isinstance(value, list) and key.isdigit() and int(key) < len(value):
            value = value[int(key)]
        else:
            return _MISSING
    return value


def _missing(value: Any) -> bool:
    return value is _MISSING or value is None or value == ""


def _write(out: dict[str, Any], target: str, value: Any) -> None:
    keys = target.split(".")
    node: Any = out
    for key, following in pairwise(keys):
        child_kind = list if following.isdigit() else dict
        if isinstance(node, list):
            index = int(key)
            node.extend([None] * (index + 1 - len(node)))
            if node[index] is None:
                node[index] = child_kind()
            node = node[index]
        else:
            node = node.setdefault(key, child_kind())
    last = keys[-1]
    if isinstance(node, list):
        node.extend([None] * (int(last) + 1 - len(node)))
        node[int(last)] = value
    else:
        node[last] = value


# --- the run -------------------------------------------------------------------------------


def _time(
    mapper: Callable[[dict[str, Any]], Any], records: Iterator[dict[str, Any]]
) -> tuple[int, float, float]:
    """(records mapped, wall seconds, CPU seconds); outputs are dropped as they come."""
    mapped = 0
    wall, cpu = time.perf_counter(), time.process_time()
    for record in records:
        mapper(record)
        mapped += 1
    return mapped, time.perf_counter() - wall, time.process_time() - cpu


def _field_kinds(mapping: Mapping) -> str:
    """'person_name x1, collect x2, ..., 1 default(s), 3 plain copies': what records go through."""
    transforms = Counter(rule.transform for rule in mapping.fields if rule.transform)
    defaults = sum(rule.source is None for rule in mapping.fields)
    copies = sum(rule.source is not None and rule.transform is None for rule in mapping.fields)
    kinds = [f"{name} x{n}" for name, n in transforms.items()]
    return ", ".join([*kinds, f"{defaults} default(s)", f"{copies} plain copies"])


def _best(contender: str, label: str, runs: list[tuple[int, float, float]]) -> Result:
    """The run with the least CPU time; every run's CPU seconds are kept in the row."""
    rows, wall, cpu = min(runs, key=lambda run: run[2])
    cpu = max(cpu, 1e-9)
    return rate_row(
        contender,
        label,
        rows,
        wall,
        cpu_seconds=cpu,
        rate_per_core=rows / cpu,
        runs=[round(run[2], 4) for run in runs],
    )


def map_throughput(records: int = 200_000, *, report: Report) -> Result:
    """Map `records` candidate payloads with the compiled engine and with the interpreter."""
    count = records
    pool_size = min(count, POOL)
    report(f"generating {pool_size:,} candidate records and loading the mapping")
    mapping: Mapping = load_mapping("successfactors", "candidate", "in")
    parsed = read_lined_yaml(mapping.path.read_text(encoding="utf-8")).data
    interpret = interpreter(parsed["fields"], mapping.file)
    pool = [generate_candidate(index) for index in range(pool_size)]
    agree = all(mapping.apply(record) == interpret(record) for record in pool)  # also warms up

    timings: dict[str, list[tuple[int, float, float]]] = {"compiled": [], "interpreted": []}
    for round_ in (1, 2):  # alternated, best of two: the machine's other work evens out
        report(f"round {round_} of 2: Mapping.apply, then the interpreter, {count:,} records each")
        timings["compiled"].append(_time(mapping.apply, islice(cycle(pool), count)))
        timings["interpreted"].append(_time(interpret, islice(cycle(pool), count)))
    report("done")
    compiled = _best("compiled", "compiled (Mapping.apply)", timings["compiled"])
    interpreted = _best("interpreted", "YAML interpreted", timings["interpreted"])

    per_core = compiled["rate_per_core"]
    met = per_core >= TARGET_PER_CORE
    return result(
        "map_throughput",
        title=f"Mapping throughput: {count:,} SuccessFactors candidates -> canonical Candidate",
        contenders=[compiled, interpreted],
        ratios=[ratio(compiled, interpreted, metric="rate_per_core", threshold=RATIO_TARGET)],
        columns=[
            ("label", "contender"),
            ("rows", "records"),
            ("seconds", "seconds"),
            ("rate", "records/s"),
            ("rate_per_core", "records/s/core"),
        ],
        params={
            "records": count,
            "pool": pool_size,
            "fields": len(mapping.fields),
            "mapping": mapping.file,
            "mapping_version": mapping.version,
            "seed": SEED,
        },
        source={
            "records": count,
            "outputs_agree": agree,
            "compiled_per_core": round(per_core),
            "compiled_target_met": met,
        },
        notes=[
            f"compiled: {per_core:,.0f} records per CPU-second (target >= {TARGET_PER_CORE:,}: "
            + ("met" if met else "SHORT")
            + ")",
            f"both map the same {pool_size:,} generated records (cycled to {count:,}); "
            + ("their outputs agree on every one" if agree else "their outputs DIFFER"),
            f"{len(mapping.fields)} target fields: {_field_kinds(mapping)}",
            "records/s/core is records per CPU-second of this process, best of 2 alternated "
            "runs; outputs are built and dropped, as the extract step hands each one on",
            f"compiled/interpreted >= {RATIO_TARGET:g}x is about what the 100,000 target asks "
            f"of compilation: the interpreter maps {interpreted['rate_per_core']:,.0f} "
            "records/s/core here",
        ],
    )
