"""Texts of the Reports pages (batch report, bias audit) and the audit log.
key -> (English, Chinese)."""

from __future__ import annotations

TEXTS: dict[str, tuple[str, str]] = {
    # Batch report
    "reports.title": ("Reports", "报告"),
    "reports.batch": ("Batch report", "批次报告"),
    "reports.as_of": ("As of {when} (Beijing time).", "数据截至 {when}（北京时间）。"),
    "reports.aggregates_only": (
        "Counts only: this page shows no person's data. Dead-letter reasons are on the "
        "Dead letters page.",
        "仅含统计数字，不显示任何个人数据。死信原因见“死信”页面。",
    ),
    "reports.bias_link": ("Bias audit", "偏差审计"),
    # Bias audit
    "bias.title": ("Bias audit", "偏差审计"),
    "bias.back": ("Back to reports", "返回报告"),
    "bias.intro": (
        "Selection and scoring rates and impact ratios of the interview scoring per "
        "self-reported sex, ethnicity and their intersection (NYC Local Law 144), from the "
        "scored interview results in the ledger. One row per scored result; selected means "
        "the scoring decided pass (before any reviewer's change).",
        "按候选人自报的性别、民族及其交叉分组，统计面试评分的入选率、评分率与影响比"
        "（参照纽约市第 144 号地方法）。数据来自台账中已评分的面试结果，每条结果计一次；"
        "“入选”指评分结论为通过（复核人员修改之前）。",
    ),
    "bias.as_of": (
        "As of {when} (Beijing time); recomputed at most once a minute.",
        "数据截至 {when}（北京时间）；每分钟最多重新计算一次。",
    ),
    "bias.no_results": (
        "No scored interview results in the ledger yet: there is nothing to audit.",
        "台账中还没有已评分的面试结果，无法进行审计。",
    ),
    "bias.too_few": (
        "Too few results to compare groups: no dimension has two groups of at least "
        "{share} of the results each. The counts below say little until more results are "
        "scored.",
        "结果太少，无法比较各组：没有任何维度拥有两个各占结果至少 {share} 的分组。"
        "在有更多评分结果之前，以下数字参考价值有限。",
    ),
    "bias.assessed": ("Results assessed", "参与评估的结果"),
    "bias.selected": ("Selected", "入选"),
    "bias.median": ("Median score", "分数中位数"),
    "bias.flagged": ("Flagged groups", "被标记的分组"),
    "bias.unscored": (
        "{n} results without a score (the interview could not be scored) are left out.",
        "{n} 条没有分数的结果（面试无法评分）未计入。",
    ),
    "bias.period": ("Results scored {period}.", "评分时间：{period}。"),
    "bias.flags": (
        "Impact ratios below {threshold} (four-fifths rule)",
        "影响比低于 {threshold}（五分之四规则）",
    ),
    "bias.no_flags": (
        "No compared group has an impact ratio below {threshold}.",
        "所有参与比较的分组影响比均不低于 {threshold}。",
    ),
    "bias.flag_line": (
        "{category} ({dimension}, {measure}): impact ratio {ratio}, rate {rate} "
        "vs {reference_rate} for {reference}",
        "{category}（{dimension}，{measure}）：影响比 {ratio}，比率 {rate}，"
        "参照组 {reference} 为 {reference_rate}",
    ),
    "bias.by": ("By {dimension}", "按{dimension}"),
    "bias.unknown": (
        "{n} results with an unknown {dimension} are counted in the total and left out of "
        "this table.",
        "{n} 条结果的{dimension}未知，计入总数但不列入此表。",
    ),
    "bias.reference": (
        "Impact ratios compare with the highest rate: selection {selection}; scoring {scoring}.",
        "影响比以最高比率为参照：入选率最高为 {selection}；评分率最高为 {scoring}。",
    ),
    "bias.dim.sex": ("sex", "性别"),
    "bias.dim.ethnicity": ("ethnicity", "民族"),
    "bias.dim.intersection": ("sex × ethnicity", "性别 × 民族"),
    "bias.measure.selection": ("selection", "入选率"),
    "bias.measure.scoring": ("scoring", "评分率"),
    "bias.col.group": ("Group", "分组"),
    "bias.col.count": ("Results", "结果数"),
    "bias.col.share": ("Share", "占比"),
    "bias.col.selected": ("Selected", "入选"),
    "bias.col.selection_rate": ("Selection rate", "入选率"),
    "bias.col.impact": ("Impact ratio", "影响比"),
    "bias.col.above_median": ("Above median", "高于中位数"),
    "bias.col.scoring_rate": ("Scoring rate", "评分率"),
    "bias.col.scoring_impact": ("Impact ratio (scoring)", "影响比（评分）"),
    "bias.col.flag": ("Flag", "标记"),
    "bias.excluded": ("not compared", "不参与比较"),
    "bias.excluded_note": (
        "Groups under {share} of the results are shown but not compared (6 RCNY §5-301): "
        "with so few results a rate says little.",
        "占结果不足 {share} 的分组仅展示、不参与比较（6 RCNY §5-301）："
        "人数过少时比率参考价值有限。",
    ),
    "bias.below": ("below {threshold}", "低于 {threshold}"),
    "bias.not_computed": ("n/a", "无"),
    "bias.method": (
        "Selection rate: share of a group selected. Scoring rate: share of a group scoring "
        "above the median of all results. Impact ratio: a group's rate divided by the highest "
        "rate among the compared groups; below {threshold} is flagged. A flag is a reason to "
        "look closer, not proof of discrimination.",
        "入选率：组内入选的比例。评分率：组内分数高于全部结果中位数的比例。影响比：该组比率除以"
        "参与比较各组中的最高比率；低于 {threshold} 即被标记。标记意味着需要进一步审查，"
        "并不本身证明存在歧视。",
    ),
    # Audit log
    "audit.title": ("Audit log", "审计日志"),
    "audit.chain_ok": (
        "Hash chain verified: {n} entries, none edited, deleted or moved.",
        "哈希链校验通过：共 {n} 条记录，无修改、删除或移动。",
    ),
    "audit.chain_broken": (
        "Hash chain broken at entry #{seq}: {reason}",
        "哈希链在第 #{seq} 条记录处断开：{reason}",
    ),
    "audit.checked_at": (
        "Checked at {when} (Beijing time); the whole chain is checked at most once a minute.",
        "校验时间：{when}（北京时间）；整条哈希链每分钟最多校验一次。",
    ),
    "audit.show_broken": ("Show that entry", "查看该记录"),
    "audit.action": ("Action", "操作"),
    "audit.actor": ("Actor", "操作人"),
    "audit.seq": ("#", "序号"),
    "audit.at": ("When (Beijing time)", "时间（北京时间）"),
    "audit.subject": ("Subject", "对象"),
    "audit.data": ("Details", "详情"),
    "audit.empty": ("No entries match.", "没有匹配的记录。"),
    "audit.newest": ("Newest entries", "最新记录"),
    "audit.masked_note": (
        "Values of personal fields in entry details are masked.",
        "记录详情中的个人字段值已脱敏。",
    ),
}
