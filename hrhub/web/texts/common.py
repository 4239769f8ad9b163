"""Texts every page shares: menu, roles, refusals. key -> (English, Chinese)."""

from __future__ import annotations

TEXTS: dict[str, tuple[str, str]] = {
    "app.title": ("hrhub", "hrhub 招聘集成"),
    "nav.status": ("Run status", "运行状态"),
    "nav.candidates": ("Candidates", "候选人"),
    "nav.dead_letters": ("Dead letters", "死信"),
    "nav.reviews": ("Reviews", "人工复核"),
    "nav.mappings": ("Mappings", "字段映射"),
    "nav.lineage": ("Lineage", "数据血缘"),
    "nav.reports": ("Reports", "报告"),
    "nav.audit": ("Audit log", "审计日志"),
    "nav.language": ("中文", "English"),
    "role.hr_admin": ("HR admin", "HR 管理员"),
    "role.recruiter": ("Recruiter", "招聘专员"),
    "role.recruiting_manager": ("Recruiting manager", "招聘经理"),
    "role.auditor": ("Auditor", "审计员"),
    "refused.title": ("Not allowed", "无权访问"),
    "refused.sign_in": ("Sign in to Airflow", "登录 Airflow"),
    "refused.logged": (
        "The attempt is recorded in the audit log.",
        "此次尝试已记入审计日志。",
    ),
    "reason.not_signed_in": ("You are not signed in.", "您尚未登录。"),
    "reason.session_expired": (
        "Your session has expired: sign in again.",
        "会话已过期，请重新登录。",
    ),
    "reason.session_invalid": (
        "Your session is not valid: sign in again.",
        "会话无效，请重新登录。",
    ),
    "reason.airflow_refused": (
        "Airflow does not allow you to use hrhub's pages.",
        "Airflow 不允许您使用 hrhub 页面。",
    ),
    "reason.no_hrhub_role": (
        "Your login has no hrhub role. Ask an administrator to add it to [hrhub_web] roles.",
        "您的账号没有 hrhub 角色，请联系管理员在 [hrhub_web] roles 中添加。",
    ),
    "reason.not_your_role": ("Your role may not see or do this.", "您的角色无权查看或执行此操作。"),
    "reason.not_your_requisition": (
        "This record belongs to a requisition you do not own.",
        "此记录属于您不负责的职位。",
    ),
    "reason.form_forged": (
        "The form could not be verified; reload the page and try again.",
        "表单校验失败，请刷新页面后重试。",
    ),
    "reason.bad_form": ("The form is incomplete or malformed.", "表单内容不完整或格式错误。"),
    "reason.not_found": ("No such record.", "没有这条记录。"),
    "common.none": ("none", "无"),
    "common.masked": ("masked", "已脱敏"),
    "common.next_page": ("Next page", "下一页"),
    "common.filter": ("Filter", "筛选"),
    "common.all": ("all", "全部"),
}
