"""Sealing: sensitive personal data is encrypted at rest in the ledger.

The canonical models flag what is sensitive (``x-sensitive``: id numbers, features measured
from the voice); `Sealer.seal` replaces each such value of a record by ``{"$sealed": token}``, a
Fernet token (AES-128-CBC with an HMAC-SHA256, from ``cryptography``) of the value's JSON, and
`Sealer.unseal` puts the value back. Everything else stays plaintext, so the ledger's SQL (a
recruiter's scope, the candidates list, names by id) goes on reading it. A payload shaped by
another system (an outbox write, a dead letter) has its own field names: `seal_whole` seals it
as one value. A value stored before sealing existed is plaintext and reads as it is: an old
ledger needs no migration.

Keys, resolved once per process (`default_sealer`, `ledger_keys`):

1. ``HRHUB_LEDGER_KEY``: comma-separated Fernet keys (``Fernet.generate_key()``, 44 characters
   of url-safe base64). The first seals, every one unseals: rotate by putting a new key first
   and keeping the old ones for as long as rows sealed with them remain.
2. Otherwise the key file ``$HRHUB_HOME/.hrhub/ledger.key`` (HRHUB_HOME unset: the checkout's
   ``.hrhub/``, beside the default SQLite ledger), one key per line, made on first use with
   mode 0600. Workers starting together agree on one key: each writes its candidate to a
   temporary file and links it into place, which only one can do (the others read the
   winner's). A WARNING, once per process, says where it is: a key beside the database
   protects a copied database or a dump, not a stolen disk, so production sets
   HRHUB_LEDGER_KEY from its secret store.

A token no key opens raises `LedgerKeyError` naming the record and the field: the data is
intact, the key is wrong or missing.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import secrets
import stat
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from hrhub.models import sensitive_paths

__all__ = [
    "KEY_ENV",
    "SEALED",
    "LedgerKeyError",
    "Sealer",
    "default_sealer",
    "has_sensitive_fields",
    "is_sealed",
    "key_path",
    "ledger_keys",
    "sealed_fields",
]

KEY_ENV = "HRHUB_LEDGER_KEY"
SEALED = "$sealed"
KEY_FILE = Path(".hrhub") / "ledger.key"
log = logging.getLogger(__name__)


class LedgerKeyError(RuntimeError):
    """The ledger key is wrong: malformed, or not the key a stored value was sealed with.

    The fix is the key (HRHUB_LEDGER_KEY or the key file), never the data: every sealed value
    is intact and opens again once the key that sealed it is among the keys.
    """

    def __init__(
        self,
        problem: str,
        *,
        entity: str | None = None,
        record_id: str | None = None,
        field: str | None = None,
    ) -> None:
        self.problem = problem
        self.entity = entity
        self.record_id = record_id
        self.field = field
        where = f"{entity or 'record'} {record_id!r}, field {field!r}: " if record_id else ""
        super().__init__(where + problem)


def is_sealed(value: Any) -> bool:
    """True for a sealed value as stored: ``{"$sealed": "<token>"}`` and nothing else."""
    return isinstance(value, dict) and len(value) == 1 and isinstance(value.get(SEALED), str)


# --------------------------------------------------------------------------- keys


@dataclass(frozen=True)
class _Keyring:
    fernet: MultiFernet
    raw: tuple[bytes, ...]  # each key's 32 bytes, current first
    source: str  # where the keys came from, for error messages


def _keyring(keys: Sequence[str | bytes], source: str) -> _Keyring:
    if not keys:
        raise LedgerKeyError(f"{source} holds no key")
    fernets, raw = [], []
    for index, key in enumerate(keys, 1):
        text = key.encode("ascii", "replace") if isinstance(key, str) else key
        try:
            fernets.append(Fernet(text))
            raw.append(base64.urlsafe_b64decode(text))
        except ValueError:
            raise LedgerKeyError(
                f"{source}: key {index} is not a Fernet key (44 characters of url-safe base64; "
                "make one with `python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'`)"
            ) from None
    return _Keyring(MultiFernet(fernets), tuple(raw), source)


def _split_keys(text: str) -> list[str]:
    return [part for part in text.replace(",", " ").split() if part]


def key_path(home: str | None = None) -> Path:
    """The key file: ``<HRHUB_HOME>/.hrhub/ledger.key``, or the checkout's ``.hrhub/``."""
    home = os.environ.get("HRHUB_HOME", "") if home is None else home
    if home.strip():
        return Path(home).expanduser() / KEY_FILE
    from hrhub.ledger.store import _project_root  # the folder the default ledger lives in

    return _project_root() / KEY_FILE


def _read_or_create(path: Path) -> tuple[str, bool]:
    """The key file's text, made first if missing (True: this call made it)."""
    try:
        return path.read_text(encoding="ascii"), False
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(8)}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(fd, 0o600)  # whatever the umask
        os.write(fd, Fernet.generate_key() + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(draft, path)  # atomic, and only one worker's link succeeds
        made = True
    except FileExistsError:
        made = False  # another worker's key is in place: use it
    finally:
        draft.unlink()
    return path.read_text(encoding="ascii"), made


@lru_cache(maxsize=8)
def _environment_keyring(env_text: str, home: str) -> _Keyring:
    """The keys HRHUB_LEDGER_KEY (`env_text`) names, else the key file's (module docstring)."""
    if env_text.strip():
        return _keyring(_split_keys(env_text), KEY_ENV)
    path = key_path(home)
    text, made = _read_or_create(path)
    mode = stat.S_IMODE(path.stat().st_mode)
    log.warning(
        "ledger key %s %s (mode %o): sensitive personal data in the ledger is sealed with it. "
        "Keep it out of backups of the database, and in production set %s (from a secret "
        "store) instead.",
        path,
        "created" if made else "read",
        mode,
        KEY_ENV,
    )
    return _keyring(_split_keys(text), f"key file {path}")


# --------------------------------------------------------------------------- paths


Step = str  # a key, "[]" (each list item) or "{}" (each map value)


@cache
def _steps(entity: str) -> tuple[tuple[Step, ...], ...]:
    """`sensitive_paths` of an entity as steps; none for a name no model has."""
    try:
        paths = sensitive_paths(entity)
    except KeyError:
        return ()
    return tuple(_parse_path(path) for path in paths)


def _parse_path(path: str) -> tuple[Step, ...]:
    steps: list[Step] = []
    for part in path.split("."):
        name = part.rstrip("[]{}")
        steps.append(name)
        rest = part[len(name) :]
        steps.extend(rest[i : i + 2] for i in range(0, len(rest), 2))
    return tuple(steps)


def _map_at(
    value: Any, steps: Sequence[Step], where: str, change: Callable[[Any, str], Any]
) -> Any:
    """`value` with `change(leaf, path)` applied at every leaf `steps` lead to. Only the
    containers on the way to a changed leaf are copied: nothing changed, the same object."""
    if not steps:
        return change(value, where)
    step, rest = steps[0], steps[1:]
    if step == "[]":
        if not isinstance(value, list):
            return value
        items = [_map_at(item, rest, f"{where}[{i}]", change) for i, item in enumerate(value)]
        return value if all(a is b for a, b in zip(items, value, strict=True)) else items
    if not isinstance(value, dict):
        return value
    if step == "{}":
        found = {k: _map_at(v, rest, _join(where, k), change) for k, v in value.items()}
        return value if all(found[k] is v for k, v in value.items()) else found
    if step not in value:
        return value
    changed = _map_at(value[step], rest, _join(where, step), change)
    return value if changed is value[step] else {**value, step: changed}


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


# --------------------------------------------------------------------------- the sealer


class Sealer:
    """Seals and unseals sensitive values with the ledger keys (the first seals, all unseal).

    `keys` are Fernet keys; None resolves them on first use from HRHUB_LEDGER_KEY or the key
    file (module docstring), as they are when the sealer is made.
    """

    def __init__(self, keys: Sequence[str | bytes] | None = None) -> None:
        self._ring: _Keyring | None = None
        self._lock = threading.Lock()
        if keys is not None:
            self._ring = _keyring(list(keys), "the keys given")
        else:
            self._env = os.environ.get(KEY_ENV, "")
            self._home = os.environ.get("HRHUB_HOME", "")

    def _keys(self) -> _Keyring:
        if self._ring is None:
            with self._lock:
                if self._ring is None:
                    self._ring = _environment_keyring(self._env, self._home)
        return self._ring

    @property
    def raw_keys(self) -> tuple[bytes, ...]:
        """The keys' bytes, current first (what other keys, e.g. the audit key, derive from)."""
        return self._keys().raw

    # ----------------------------------------------------------------- one value

    def seal_value(self, value: Any) -> dict[str, str]:
        """``{"$sealed": token}`` of one JSON value, under the current key."""
        plain = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        return {SEALED: self._keys().fernet.encrypt(plain.encode("utf-8")).decode("ascii")}

    def unseal_value(
        self, value: Any, *, entity: str | None = None, record_id: str = "?", field: str = "?"
    ) -> Any:
        """The value a sealed one holds; anything not sealed (plaintext stored before sealing
        existed) as it is. LedgerKeyError, naming the record and field, if no key opens it."""
        if not is_sealed(value):
            return value
        ring = self._keys()
        try:
            plain = ring.fernet.decrypt(value[SEALED].encode("ascii", "replace"))
        except InvalidToken:
            raise LedgerKeyError(
                f"sealed with a key that is not among the ledger keys ({ring.source}), or "
                f"altered; put the key it was sealed with in {KEY_ENV}, after the current one",
                entity=entity,
                record_id=record_id,
                field=field,
            ) from None
        return json.loads(plain)

    # ----------------------------------------------------------------- records

    def seal(self, entity: str, payload: Any) -> Any:
        """A canonical record of `entity` with each sensitive value (not None) sealed; the
        same object when the entity has none. The input is not changed."""
        for steps in _steps(entity):
            payload = _map_at(payload, steps, "", self._seal_leaf)
        return payload

    def unseal(self, entity: str, payload: Any, *, record_id: str = "?") -> Any:
        """`seal` undone; plaintext values pass through unchanged."""
        for steps in _steps(entity):
            payload = _map_at(payload, steps, "", self._unsealer(entity, record_id))
        return payload

    def seal_whole(self, payload: Any) -> Any:
        """A payload shaped by another system, sealed as one value (None stays None)."""
        return None if payload is None else self.seal_value(payload)

    def unseal_whole(
        self, payload: Any, *, entity: str | None, record_id: str, field: str = "payload"
    ) -> Any:
        """`seal_whole` undone; a plaintext payload passes through unchanged."""
        return self.unseal_value(payload, entity=entity, record_id=record_id, field=field)

    def _seal_leaf(self, value: Any, _where: str) -> Any:
        return None if value is None else self.seal_value(value)

    def _unsealer(self, entity: str, record_id: str) -> Callable[[Any, str], Any]:
        def unseal_leaf(value: Any, where: str) -> Any:
            return self.unseal_value(value, entity=entity, record_id=record_id, field=where)

        return unseal_leaf


def has_sensitive_fields(entity: str) -> bool:
    """True when records of `entity` (a canonical entity name) hold sensitive values."""
    return bool(_steps(entity))


def sealed_fields(entity: str) -> frozenset[str]:
    """Top-level fields of an entity's records that hold sealed values (or are one)."""
    return frozenset(steps[0] for steps in _steps(entity))


def default_sealer() -> Sealer:
    """The process's sealer for the keys the environment names now (see the module
    docstring); keys are read, or the key file made, on first use."""
    return _default_sealer(os.environ.get(KEY_ENV, ""), os.environ.get("HRHUB_HOME", ""))


@lru_cache(maxsize=8)
def _default_sealer(_env: str, _home: str) -> Sealer:
    return Sealer()


def ledger_keys() -> list[bytes]:
    """The ledger keys' bytes, current first, as the environment names them."""
    return list(default_sealer().raw_keys)
