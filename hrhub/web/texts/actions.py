"""Texts of the action pages: dead letters with replay, results waiting for review.
key -> (English, Chinese)."""

from __future__ import annotations

TEXTS: dict[str, tuple[str, str]] = {
    # ------------------------------------------------------------------ dead letters
    "dead_letters.title": ("Dead letters", "死信"),
    "dead_letters.system": ("System", "系统"),
    "dead_letters.entity": ("Entity", "实体"),
    "dead_letters.record": ("Record id", "记录 ID"),
    "dead_letters.field": ("Field", "字段"),
    "dead_letters.reason": ("Reason", "原因"),
    "dead_letters.error_class": ("Error class", "错误类型"),
    "dead_letters.when": ("When", "时间"),
    "dead_letters.replay_count": ("Replays", "重放次数"),
    "dead_letters.replay": ("Replay", "重放"),
    "dead_letters.replay_shown": ("Replay all {n} shown", "重放本页全部 {n} 条"),
    "dead_letters.replay_note": (
        "Replay maps a record again with the current mapping, or requeues a refused write; "
        "a letter that still fails stays open with its new reason.",
        "重放会用当前映射重新转换记录，或把被拒绝的写入重新排队；仍然失败的死信保持未处理，"
        "并显示新的原因。",
    ),
    "dead_letters.none": ("No open dead letters.", "没有未处理的死信。"),
    "dead_letters.outcome.replayed": ("#{id} replayed.", "#{id} 已重放。"),
    "dead_letters.outcome.still_failing": ("#{id} still fails:", "#{id} 仍然失败："),
    "dead_letters.outcome.already_replayed": (
        "#{id} was replayed already; nothing changed.",
        "#{id} 此前已重放，未做任何更改。",
    ),
    "reason.already_replayed": (
        "This dead letter was replayed already; nothing was changed.",
        "这条死信此前已重放，未做任何更改。",
    ),
    # ------------------------------------------------------------------ reviews
    "reviews.title": ("Results waiting for review", "待人工复核的结果"),
    "reviews.result_title": ("Interview result", "面试结果"),
    "reviews.back": ("All results waiting for review", "全部待复核结果"),
    "reviews.waiting": ("{n} waiting.", "共 {n} 条待复核。"),
    "reviews.none": ("No results wait for review.", "没有待复核的结果。"),
    "reviews.scope_own": (
        "Showing the requisitions you own ({owner}).",
        "仅显示您负责的职位（{owner}）。",
    ),
    "reviews.candidate": ("Candidate", "候选人"),
    "reviews.result_id": ("Result", "结果"),
    "reviews.proposed": ("Proposed decision", "建议结论"),
    "reviews.score": ("Score", "得分"),
    "reviews.reasons": ("Why a person must look", "需人工复核的原因"),
    "reviews.since": ("Waiting since", "等待起始"),
    "reviews.open": ("Open", "查看"),
    "reviews.explanation": ("Explanation", "评分说明"),
    "reviews.versions": ("Rubric · model", "评分标准 · 模型"),
    "reviews.writes": ("Writes held", "暂缓的写入"),
    "reviews.status": ("State", "状态"),
    "reviews.status.pending": ("waiting for review", "待复核"),
    "reviews.status.approved": ("approved", "已批准"),
    "reviews.status.changed": ("changed", "已修改"),
    "reviews.status.rejected": ("rejected", "已驳回"),
    "reviews.competencies": ("Scores and evidence", "各项得分与依据"),
    "reviews.competency": ("Competency", "能力项"),
    "reviews.weight": ("Weight", "权重"),
    "reviews.evidence": ("Evidence", "依据"),
    "reviews.quotes": ("{n} quote(s)", "{n} 条引述"),
    "reviews.no_competencies": ("No competency was scored.", "没有能力项得分。"),
    "reviews.decision.pass": ("pass", "通过"),
    "reviews.decision.hold": ("hold", "待定"),
    "reviews.decision.reject": ("reject", "不通过"),
    "reviews.decide": ("Decide", "复核决定"),
    "reviews.choice.approve": ("Approve: write the result as proposed", "批准：按建议结论写回"),
    "reviews.choice.change": ("Change: write my decision instead", "修改：以我的结论写回"),
    "reviews.choice.reject": ("Reject: write nothing back", "驳回：不写回任何内容"),
    "reviews.new_decision": ("New decision", "新结论"),
    "reviews.new_score": ("New score (0-100, optional)", "新得分（0-100，可选）"),
    "reviews.change_note": ("Only with “Change”.", "仅在选择“修改”时填写。"),
    "reviews.reason": ("Reason (recorded in the audit log)", "理由（记入审计日志）"),
    "reviews.submit": ("Record decision", "提交决定"),
    "reviews.outcome.approved": (
        "Result {id} approved by {by}; its writes are queued.",
        "结果 {id} 已由 {by} 批准，相关写入已排队。",
    ),
    "reviews.outcome.changed": (
        "Result {id} changed by {by}; the changed writes are queued.",
        "结果 {id} 已由 {by} 修改，修改后的写入已排队。",
    ),
    "reviews.outcome.rejected": (
        "Result {id} rejected by {by}; nothing is written back.",
        "结果 {id} 已由 {by} 驳回，不写回任何内容。",
    ),
    "reason.already_decided": (
        "This result was decided already; a decision cannot be made twice. Nothing was changed.",
        "此结果已有复核决定，不能重复决定，未做任何更改。",
    ),
}
