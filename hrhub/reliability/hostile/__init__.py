"""The hostile-input corpus (issue 12): broken and hostile inputs at every entry point.

DESIGN.md, "Bad input": every bad input gets a clear error naming the record and the field,
goes to dead letters or quarantine, and blocks nothing else. This package proves it on the
real code, one module per entry point, each generating its inputs at run time (nothing is
downloaded, files go to a temporary folder):

- `payloads`: each system's answers damaged on the wire (simulators on loopback), through
  the client, the extract step and the mapping into a ledger; good records in the same read;
- `resumes`: through the screen step and the resume parser, among good resumes;
- `audio`: recordings through the score step's audio analysis (librosa), among good ones;
- `transcripts`: the interview room's transcripts and job family through the score step;
- `mappings`: mapping files through the mapping checker (`hrhub mappings check`);
- `cli`: arguments and files given to the `hrhub` command line (typer's CliRunner, in process);
- `web`: forms, paths and query strings sent to the web app (signed in, over a seeded ledger);
- `links`: signed links through the verifier and the interview room's door and orders API.

Use::

    from hrhub.reliability.hostile import run_corpus

    outcomes = run_corpus()                      # every entry point
    outcomes = run_corpus({"web", "links"})      # some of them
    crashes = [o for o in outcomes if o.kind == "crashed"]

`run_corpus(only=None, progress=None) -> list[Outcome]` never raises for an input: each
`Outcome` says `kind` (quarantined, refused, accepted = missed, crashed), the `message`, whether
it `names_record` (None where the input is no record), whether the good inputs next to it went
through (`neighbours_ok`, None where the entry point takes one input at a time), the seconds it
took, a traceback in `detail` for a crash, and `ok`. `progress(done, total, outcome)` is called
after each input. `corpus(only)` lists the inputs without running them. A `known_gap` on an
input says what the code does not refuse yet, and where it should.
"""

from __future__ import annotations

from hrhub.reliability.hostile.corpus import HostileInput, Kind, Outcome, Verdict
from hrhub.reliability.hostile.runner import (
    ENTRY_POINTS,
    Progress,
    corpus,
    open_world,
    run_case,
    run_corpus,
)

__all__ = [
    "ENTRY_POINTS",
    "HostileInput",
    "Kind",
    "Outcome",
    "Progress",
    "Verdict",
    "corpus",
    "open_world",
    "run_case",
    "run_corpus",
]
