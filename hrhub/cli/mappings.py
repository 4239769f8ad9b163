"""`hrhub mappings`: check, report, diff and approve the YAML field mappings; trace a write."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from hrhub.cli._output import console, emit_json, err_console, fail

if TYPE_CHECKING:
    from hrhub.ledger import Ledger
    from hrhub.mapping.approvals import Decision
    from hrhub.mapping.report import MappingsReport

app = typer.Typer(
    help="""Field mappings for auditors: what goes where, approvals, which version wrote what.

A mapping's version is the sha256 of its file (sha256:<16 hex>): every edit makes a new
version. Approvals and revocations are entries of the ledger's hash-chained audit log
(HRHUB_DATABASE_URL, SQLite by default; `hrhub ledger verify` checks the chain).

Production mode (HRHUB_MODE=production) writes only with approved versions: a write made with
any other version is held in dead letters (error class MappingNotApproved) with the file, the
version and the command that approves it; approving that version releases it to the next push.
Development mode (the default, HRHUB_MODE unset or development) writes and logs a warning.

A review, step by step:

    hrhub mappings check
    hrhub mappings diff mappings/yonyou/nc_pre_hire.out.yaml --rev HEAD~1..HEAD
    hrhub mappings report --out out/mappings
    hrhub mappings approve mappings/yonyou/nc_pre_hire.out.yaml --by "Li Na" --note "CR-12"
    hrhub mappings which hrhub:pre_hire:A1""",
    no_args_is_help=True,
)

JsonFlag = Annotated[bool, typer.Option("--json", help="Machine-readable output (one document).")]
PathOption = Annotated[
    Path | None,
    typer.Option(
        "--path",
        metavar="DIR",
        help="Mapping folder or one file (default: $HRHUB_MAPPINGS_DIR or the repo's mappings/).",
    ),
]


def _mappings_root(path: Path | None) -> Path:
    from hrhub.mapping.engine import mappings_dir

    root = path if path is not None else mappings_dir()
    if not root.exists():
        fail(f"--path: no such file or folder: {root}")
    return root


def _open_ledger() -> Ledger:
    from hrhub.ledger import Ledger  # sqlmodel: loaded only when a command needs the ledger

    return Ledger.open()


# --- check ---------------------------------------------------------------------------------


@app.command("check")
def check(path: PathOption = None, json_output: JsonFlag = False) -> None:
    """Load and check every mapping file; print each mistake as `file:line: field: reason`.

    Exit codes: 0 every file is clean; 1 at least one problem (each on its own line);
    2 a bad --path.

    Examples:

        hrhub mappings check
        hrhub mappings check --path mappings/yonyou --json
    """
    root = _mappings_root(path)
    try:
        from hrhub.mapping.check import check_mappings
    except ImportError as exc:
        fail(f"the mapping checker is not available in this install: {exc}")
        return
    report = check_mappings([root] if path is not None else None)
    if json_output:
        emit_json(report.to_dict())
    else:
        for problem in report.problems:
            console.print(str(problem), markup=False, highlight=False, soft_wrap=True)
        for skip in report.skipped:  # a check that could not run must not look like a pass
            err_console.print(f"[yellow]{escape(str(skip))}[/]", soft_wrap=True)
        files = len(report.files)
        if report.ok:
            console.print(f"[green]ok[/]: {files} mapping files, no problems")
        else:
            err_console.print(
                f"[bold red]{len(report.problems)} problems[/] in {files} mapping files"
            )
    if not report.ok:
        raise typer.Exit(1)


# --- report --------------------------------------------------------------------------------


@app.command("report")
def report(
    path: PathOption = None,
    out: Annotated[
        Path,
        typer.Option("--out", metavar="DIR", help="Where mappings.html and mappings.md go."),
    ] = Path("out/mappings"),
    json_output: JsonFlag = False,
) -> None:
    """Write what every mapping says, for an auditor: a self-contained HTML page and Markdown.

    Per file: system, entity, direction, version and approval state (who approved which
    version and when, or that the file changed since). Per field: target, source path,
    transform with its parameters, default, required, condition, personal data (and fields
    the canonical model marks personal that the mapping does not flag), note and line.
    A file that does not load is listed with its mistakes. The terminal gets a summary.

    Exit codes: 0 written; 2 a bad --path or --out.

    Examples:

        hrhub mappings report
        hrhub mappings report --path mappings/successfactors --out out/sf --json
    """
    from hrhub.mapping.report import build_report, render_html, render_markdown

    root = _mappings_root(path)
    built = build_report(root, _open_ledger())
    html_path, md_path = out / "mappings.html", out / "mappings.md"
    try:
        out.mkdir(parents=True, exist_ok=True)
        html_path.write_text(render_html(built), encoding="utf-8")
        md_path.write_text(render_markdown(built), encoding="utf-8")
    except OSError as exc:
        fail(f"--out: cannot write to {out}: {exc.strerror or exc}")
    if json_output:
        emit_json({**built.to_dict(), "html": str(html_path), "markdown": str(md_path)})
        return
    _print_report(built)
    console.print(f"written: {escape(str(html_path))}, {escape(str(md_path))}", soft_wrap=True)


def _print_report(built: MappingsReport) -> None:
    table = Table(title="mappings", title_justify="left")
    for column in ("file", "dir", "fields", "personal", "version", "approval"):
        table.add_column(column, justify="right" if column in ("fields", "personal") else "left")
    for f in built.files:
        m = f.mapping
        if m is None:
            table.add_row(escape(f.key), "", "", "", "", "[red]does not load[/]")
            continue
        state = f.approval
        text = escape(state.describe()) if state else ""
        table.add_row(
            escape(f.key),
            m.direction,
            str(len(f.fields)),
            str(sum(1 for v in f.fields if v.personal_data)),
            m.version,
            f"[green]{text}[/]" if state and state.ok else f"[yellow]{text}[/]",
        )
    console.print(table)
    for line in built.summary():
        console.print(line, markup=False, highlight=False, soft_wrap=True)


# --- diff ----------------------------------------------------------------------------------


@app.command("diff")
def diff(
    old: Annotated[
        Path, typer.Argument(metavar="OLD", help="The earlier file (or, with --rev, the file).")
    ],
    new: Annotated[
        Path | None, typer.Argument(metavar="NEW", help="The later file (not with --rev).")
    ] = None,
    rev: Annotated[
        str | None,
        typer.Option(
            "--rev",
            metavar="A..B",
            help="OLD at git revision A against revision B (A.. : against the working file).",
        ),
    ] = None,
    json_output: JsonFlag = False,
) -> None:
    """Say what changes between two versions of a mapping, field by field, in words.

    For example: field `mobile` now comes from `phoneNumber` instead of `cellPhone`;
    transform of `entry_date` changed from iso_date to sf_date; field `id_number` added:
    from `id_number`, personal data, masked with mask(keep=4); version sha256:... -> sha256:...
    Reformatting alone says "only comments or layout changed" (the version still changes).

    Exit codes, like diff: 0 identical; 1 different; 2 bad input (a missing file, a file
    that does not load, a bad revision).

    Examples:

        hrhub mappings diff old/nc_pre_hire.out.yaml mappings/yonyou/nc_pre_hire.out.yaml
        hrhub mappings diff mappings/yonyou/nc_pre_hire.out.yaml --rev HEAD~3..HEAD --json
        hrhub mappings diff mappings/yonyou/nc_pre_hire.out.yaml --rev main..
    """
    from hrhub.mapping.diff import (
        DiffInputError,
        diff_mappings,
        load_file,
        load_revision,
        split_revisions,
    )
    from hrhub.mapping.engine import MappingFileError

    if (rev is None) == (new is None):
        fail("give two files (OLD NEW), or one file and --rev A..B")
    try:
        if rev is not None:
            a, b = split_revisions(rev)
            with tempfile.TemporaryDirectory(prefix="hrhub-diff-") as work:
                before = load_revision(old, a, Path(work))
                after = load_revision(old, b, Path(work)) if b else load_file(old)
                new_label = f"{old}@{b}" if b else str(old)
                result = diff_mappings(before, after, old_label=f"{old}@{a}", new_label=new_label)
        else:
            assert new is not None
            before, after = load_file(old), load_file(new)
            result = diff_mappings(before, after, old_label=str(old), new_label=str(new))
    except (DiffInputError, MappingFileError) as exc:
        fail(escape(str(exc)))
        return
    if json_output:
        emit_json(result.to_dict())
    else:
        if not result.identical:
            console.print(f"--- {escape(result.old_label)}\n+++ {escape(result.new_label)}")
        for line in result.lines():
            console.print(line, markup=False, highlight=False, soft_wrap=True)
    if not result.identical:
        raise typer.Exit(1)


# --- approve -------------------------------------------------------------------------------


@app.command("approve")
def approve(
    files: Annotated[
        list[Path], typer.Argument(metavar="FILE...", help="Mapping files to approve.")
    ],
    by: Annotated[
        str, typer.Option("--by", metavar="NAME", help="Who approves (recorded as the actor).")
    ],
    note: Annotated[
        str | None,
        typer.Option("--note", metavar="TEXT", help="Why, or the change request it belongs to."),
    ] = None,
    revoke: Annotated[
        bool,
        typer.Option("--revoke", help="Withdraw the approval of the files' current versions."),
    ] = False,
    json_output: JsonFlag = False,
) -> None:
    """Record in the audit log that NAME approved the current version of each FILE.

    Each file must load cleanly and sit where it says (mappings/<system>/<name>.<dir>.yaml);
    if any file does not, nothing is recorded. The entry (action mapping.approve, subject
    mappings/<system>/<file>, data {version, approver, note}) is hash-chained with the rest of
    the audit log. Approving again by the same person records nothing new. Approving releases
    the writes production mode held for that version: the next push sends them.
    --revoke records a mapping.revoke entry instead: that version no longer writes in
    production (writes already made stay).

    Exit codes: 0 recorded (or already approved); 2 a file does not load, is misplaced, is
    not approved (with --revoke), or --by is empty.

    Examples:

        hrhub mappings approve mappings/yonyou/nc_pre_hire.out.yaml --by "Li Na"
        hrhub mappings approve mappings/dingtalk/*.out.yaml --by "Li Na" --note "CR-2031"
        hrhub mappings approve mappings/yonyou/nc_pre_hire.out.yaml --by "Li Na" --revoke \\
            --note "mobile must carry +86"
    """
    from hrhub.mapping import approvals
    from hrhub.mapping.engine import MappingFileError

    try:
        for file in files:
            if not file.is_file():
                raise approvals.ApprovalError(f"{file}: no such file")
            approvals.load_for_approval(file)  # all or nothing: check every file first
        ledger = _open_ledger()
        if revoke:
            log_ = approvals.ApprovalLog.read(ledger)
            for file in files:
                mapping = approvals.load_for_approval(file)
                state = log_.state(approvals.mapping_key(file), mapping.version)
                if not state.ok:
                    raise approvals.ApprovalError(
                        f"{state.key} version {mapping.version} is not approved "
                        f"({state.describe()}): nothing to revoke"
                    )
        record = approvals.revoke if revoke else approvals.approve
        decisions = [record(ledger, file, by=by, note=note) for file in files]
    except (approvals.ApprovalError, MappingFileError) as exc:
        fail(escape(str(exc)) + "\nnothing was recorded")
        return
    released = {} if revoke else _release(ledger, decisions)
    if json_output:
        emit_json(
            {"decisions": [{**d.to_dict(), "released": released.get(d.key, 0)} for d in decisions]}
        )
        return
    for d in decisions:
        what = "revoked" if revoke else "approved"
        if d.seq is None:
            console.print(
                f"{escape(d.key)} {d.version}: already {d.previous.describe()}",
                highlight=False,
                soft_wrap=True,
            )
            continue
        console.print(
            f"[green]{what}[/] {escape(d.key)} {d.version} by {escape(d.by)} (audit entry {d.seq})",
            highlight=False,
        )
        if released.get(d.key):
            console.print(f"  released {released[d.key]} held writes to the next push")


def _release(ledger: Ledger, decisions: list[Decision]) -> dict[str, int]:
    from hrhub.flow.push import release_held

    return {d.key: release_held(ledger, d.key, d.version) for d in decisions}


# --- which ---------------------------------------------------------------------------------


@app.command("which")
def which(
    record_id: Annotated[
        str,
        typer.Argument(
            metavar="RECORD_ID", help="Canonical id, or the id a target system gave the record."
        ),
    ],
    json_output: JsonFlag = False,
) -> None:
    """Which mapping wrote this record? Every write of it, from the ledger's outbox and receipts.

    For each write: target system and operation, status, remote id and time, the mapping file
    and version it was made with, whether that version was approved when it was written, and
    its approval now.

    Exit codes: 0 found; 1 the ledger has no write of this record.

    Example:

        hrhub mappings which hrhub:pre_hire:A1 --json
    """
    from hrhub.mapping.report import trace_writes

    traces = trace_writes(_open_ledger(), record_id)
    if json_output:
        emit_json({"record_id": record_id, "writes": [t.to_dict() for t in traces]})
    else:
        for trace in traces:
            console.print(f"{trace.canonical_id}: {trace.describe()}", markup=False, soft_wrap=True)
        if not traces:
            err_console.print(f"no write of {escape(record_id)} in the ledger")
    if not traces:
        raise typer.Exit(1)
