"""The HTML report: self-contained, well-formed, one SVG per chart, flags visible."""

from __future__ import annotations

from html.parser import HTMLParser

from hrhub.scoring.examples import RESULTS_EXAMPLE
from hrhub.scoring.fairness import AuditRow, audit, read_results, render_html

VOID = {"meta", "br", "hr", "img", "input", "link"}


class TagChecker(HTMLParser):
    """Parses the page and records tags, ids, classes and text; fails on a mismatched end tag."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.starts: list[tuple[str, dict[str, str | None]]] = []
        self.errors: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.starts.append((tag, dict(attrs)))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.starts.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def tags(self, name: str, cls: str | None = None) -> list[dict[str, str | None]]:
        return [
            attrs
            for tag, attrs in self.starts
            if tag == name and (cls is None or cls in (attrs.get("class") or "").split())
        ]


def parse(page: str) -> TagChecker:
    checker = TagChecker()
    checker.feed(page)
    checker.close()
    assert checker.errors == [] and checker.stack == []
    return checker


def sample_rows(with_scores: bool) -> list[AuditRow]:
    rows = []
    for sex, count, selected in (("Male", 100, 40), ("Female", 100, 24), ("Other", 1, 1)):
        for i in range(count):
            score = float(50 + (i % 40)) if with_scores else None
            rows.append(AuditRow(f"{sex}-{i}", sex, "A<&>", i < selected, score))
    return rows


def test_one_svg_per_chart_with_scores() -> None:
    page = render_html(audit(sample_rows(with_scores=True), audit_date="2026-03-01"))
    html = parse(page)
    svgs = html.tags("svg")
    # 3 tables x (selection rate, selection ratio, scoring rate, scoring ratio)
    assert len(svgs) == 12
    assert len({svg["id"] for svg in svgs}) == 12
    assert len(html.tags("title")) >= 1 + 12  # the page's and one per chart
    # the 0.8 line is drawn on every impact-ratio chart and only there
    assert len(html.tags("line", "reference")) == 6
    assert sum("impact" in (svg["id"] or "") for svg in svgs) == 6


def test_one_svg_per_chart_without_scores_and_no_external_assets() -> None:
    page = render_html(audit(sample_rows(with_scores=False)))
    html = parse(page)
    assert len(html.tags("svg")) == 6
    assert "<script" not in page and " src=" not in page and " href=" not in page
    assert "http" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_the_flagged_category_is_highlighted_in_table_chart_and_summary() -> None:
    result = audit(sample_rows(with_scores=False), audit_date="2026-03-01")
    html = parse(render_html(result))
    text = " ".join(html.text)
    assert "Flagged categories" in text and "impact ratio 0.60" in text
    assert len(html.tags("tr", "flag")) == 2  # Female in the sex and the intersection table
    assert len(html.tags("g", "flagged")) == 4  # rate and ratio bars, two tables
    # the 1-person category is shown but excluded from the comparison
    assert "excluded: under 2% of the sample" in text
    assert "A<&>" in text  # labels are escaped, and read back intact
    fields = ["Audit date", "Distribution date of the tool", "Source of the data"]
    fields += ["Period of the data", "Candidates assessed", "In the unknown category"]
    assert all(field in text for field in fields)
    assert "2026-03-01" in text


def test_the_example_report_flags_one_ethnicity() -> None:
    result = audit(read_results(RESULTS_EXAMPLE), audit_date="2026-03-01")
    flagged = {(f.table, f.category) for f in result.flags if f.table != "intersection"}
    assert flagged == {("ethnicity", "Hispanic or Latino")}
    assert any(c.excluded for c in result.table("ethnicity").categories)
    assert result.table("sex").unknown > 0 and result.table("ethnicity").unknown > 0
    html = parse(render_html(result))
    assert len(html.tags("svg")) == 12
