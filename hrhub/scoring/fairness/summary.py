"""The audit in plain sentences, for HR and for the published summary (same text everywhere)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hrhub.scoring.fairness.impact import BiasAudit, Flag

MEASURE_WORDS = {"selection": "selected", "scoring": "scoring above the median"}


def plain_summary(audit: BiasAudit) -> list[str]:
    """Sentences a reader without statistics can follow; the numbers match the tables."""
    lines = [
        f"{audit.tool_name} {audit.tool_version} was audited on {audit.audit_date} with "
        f"{audit.n_assessed} assessed candidates (data: {audit.data_source}; "
        f"period: {audit.data_period}).",
        f"{audit.n_selected} of {audit.n_assessed} were selected "
        f"({audit.n_selected / audit.n_assessed:.1%}).",
    ]
    if audit.median_score is not None:
        lines.append(
            f"The median score of the whole sample is {audit.median_score:g}; the scoring rate "
            "of a category is its share scoring above it."
        )
    unknown = {table.key: table.unknown for table in audit.tables}
    lines.append(
        f"{unknown['sex']} candidates have no recorded sex and {unknown['ethnicity']} no recorded "
        f"ethnicity ({unknown['intersection']} are missing from the intersections); they count "
        "in the total but not in the categories where they are unknown."
    )
    if audit.flags:
        lines.append(
            f"Impact ratio below {audit.threshold:g} (the four-fifths rule) for: "
            + "; ".join(_flag_text(flag) for flag in audit.flags)
            + "."
        )
    else:
        lines.append(f"No compared category has an impact ratio below {audit.threshold:g}.")
    excluded = audit.excluded()
    if excluded:
        names = ", ".join(f"{figures.label} (n={figures.count})" for _, figures in excluded)
        lines.append(
            f"Left out of the impact-ratio comparison because each is under "
            f"{audit.min_share:.0%} of the sample, as the NYC rules (6 RCNY §5-301) allow: "
            f"{names}. Their counts and rates are still shown; with so few people a rate "
            "says little."
        )
    lines.append(
        "An impact ratio under the threshold is a reason to look closer, not by itself proof "
        "of discrimination; small categories give unstable ratios."
    )
    return lines


def _flag_text(flag: Flag) -> str:
    words = MEASURE_WORDS[flag.measure]
    return (
        f"{flag.category} ({flag.measure} {flag.impact_ratio:.2f}: {flag.rate:.1%} {words} "
        f"vs {flag.reference_rate:.1%} for {flag.reference_category})"
    )
