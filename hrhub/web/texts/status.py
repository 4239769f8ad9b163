"""Texts of the run status page. key -> (English, Chinese)."""

from __future__ import annotations

from hrhub.flow.flow_report import STAGE_LABELS

# The flow report's bilingual stage names ("已抽取 / extracted"), one per language.
STAGES: dict[str, tuple[str, str]] = {
    f"stage.{stage}": (label.split(" / ")[1], label.split(" / ")[0])
    for stage, label in STAGE_LABELS.items()
}

TEXTS: dict[str, tuple[str, str]] = {
    **STAGES,
    "status.title": ("Run status", "运行状态"),
    "status.stages": ("Applications per stage", "各阶段投递数"),
    "status.systems": ("Systems", "各系统"),
    "status.system": ("System", "系统"),
    "status.last_sync": ("Last sync", "最近同步"),
    "status.lag": ("Lag", "延迟"),
    "status.errors": ("Open errors", "未处理错误"),
    "status.pending_writes": ("Writes waiting", "待写入"),
    "status.dead_letters_open": ("Open dead letters", "未处理死信"),
    "status.reviews_pending": ("Results waiting for review", "待复核结果"),
    "status.never": ("never", "从未"),
    "status.stage": ("Stage", "阶段"),
    "status.count": ("Count", "数量"),
    "status.chart_staged": ("staged", "已暂存"),
    "status.chart_landed": ("written", "已写入"),
    "status.chart_throughput": (
        "Records staged and writes landed per hour (last 24 h)",
        "每小时暂存记录与成功写入（近 24 小时）",
    ),
    "status.chart_latency": (
        "Write latency per system, owed to landed (last 24 h)",
        "各系统写入延迟：从入队到写入成功（近 24 小时）",
    ),
    "status.no_activity": ("No activity in the last 24 hours.", "近 24 小时无活动。"),
    "status.scope_own": (
        "Showing the requisitions you own ({owner}).",
        "仅显示您负责的职位（{owner}）。",
    ),
}
