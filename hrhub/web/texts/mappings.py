"""Texts of the mapping, diff and lineage pages. key -> (English, Chinese)."""

from __future__ import annotations

TEXTS: dict[str, tuple[str, str]] = {
    "mappings.title": ("Field mappings", "字段映射"),
    "mappings.intro": (
        "Every mapping file: what each field is read from, how it is transformed and where it "
        "goes. A version is the hash of the file's content: any edit makes a new version, "
        "which needs its own approval before it writes in production.",
        "所有映射文件：每个字段从哪里读取、如何转换、写到哪里。版本是文件内容的哈希值：任何修改都会"
        "产生新版本，新版本须重新审批后才能在生产环境写入。",
    ),
    "mappings.no_folder": ("The mappings folder does not exist.", "映射文件夹不存在。"),
    "mappings.count_files": ("files ({n_in} in, {n_out} out)", "个文件（入 {n_in}，出 {n_out}）"),
    "mappings.count_approved": ("approved", "已审批"),
    "mappings.count_not_approved": (
        "not approved ({changed} changed, {revoked} revoked, {never} never)",
        "未审批（已变更 {changed}，已撤销 {revoked}，从未审批 {never}）",
    ),
    "mappings.count_personal": ("fields with personal data", "含个人信息的字段"),
    "mappings.count_unflagged": (
        "personal fields not flagged in their mapping",
        "未在映射中标记的个人信息字段",
    ),
    "mappings.count_broken": ("files that do not load", "无法加载的文件"),
    "mappings.file": ("File", "文件"),
    "mappings.system": ("System", "系统"),
    "mappings.direction": ("Direction", "方向"),
    "mappings.dir_in": ("in (system to canonical)", "入（系统 → 标准记录）"),
    "mappings.dir_out": ("out (canonical to system)", "出（标准记录 → 系统）"),
    "mappings.reads_canonical": ("reads canonical {entity}", "读取标准记录 {entity}"),
    "mappings.entity": ("Entity / operation", "实体 / 操作"),
    "mappings.fields": ("Fields", "字段"),
    "mappings.version": ("Version", "版本"),
    "mappings.approval": ("Approval", "审批状态"),
    "mappings.does_not_load": (
        "This file does not load; its mistakes:",
        "此文件无法加载，错误如下：",
    ),
    "mappings.state_approved": ("approved by {by} on {when}", "已由 {by} 于 {when} 审批"),
    "mappings.state_revoked": (
        "not approved: revoked by {by} on {when}",
        "未审批：已由 {by} 于 {when} 撤销",
    ),
    "mappings.state_revoked_was": (
        "(approved by {by} on {when})",
        "（原由 {by} 于 {when} 审批）",
    ),
    "mappings.state_changed": (
        "not approved: the file changed since version {version} was approved by {by} on {when}",
        "未审批：版本 {version} 由 {by} 于 {when} 审批后文件已变更",
    ),
    "mappings.state_never": ("never approved", "从未审批"),
    "mappings.back": ("All mappings", "全部映射"),
    "mappings.back_to": ("Back to {file}", "返回 {file}"),
    "mappings.outcome_recorded": (
        "Approval recorded in the audit log.",
        "审批已记入审计日志。",
    ),
    "mappings.outcome_already": (
        "You had already approved this version: nothing new was recorded.",
        "您已审批过此版本，未重复记录。",
    ),
    "mappings.released": (
        "{n} held writes go out with the next push.",
        "{n} 条被暂扣的写入将随下次推送发出。",
    ),
    "mappings.note": ("Note", "备注"),
    "mappings.approve": ("Approve version {version}", "审批版本 {version}"),
    "mappings.approve_help": (
        "Approves the version shown above, in your name; if the file has changed since the "
        "page was loaded, nothing is recorded. Writes production mode held for this version "
        "are released.",
        "以您的名义审批上方显示的版本；若页面加载后文件已变更，则不会记录。生产模式下因此版本被"
        "暂扣的写入将被放行。",
    ),
    "mappings.fields_help": (
        "A red cell is a field the canonical model marks as personal data that the mapping "
        "does not flag.",
        "红色单元格表示标准模型标记为个人信息、但映射中未标记的字段。",
    ),
    "mappings.target": ("Target", "目标字段"),
    "mappings.source": ("Source", "来源"),
    "mappings.transform": ("Transform", "转换"),
    "mappings.default": ("Default", "默认值"),
    "mappings.required": ("Required", "必填"),
    "mappings.condition": ("Condition", "条件"),
    "mappings.personal": ("Personal data", "个人信息"),
    "mappings.field_note": ("Note", "说明"),
    "mappings.yes": ("yes", "是"),
    "mappings.unflagged": (
        "yes (canonical model; not flagged in the mapping)",
        "是（标准模型标记；映射中未标记）",
    ),
    "mappings.versions": ("Versions", "版本"),
    "mappings.versions_help_out": (
        "The file's current version, the versions the approval log names and the versions "
        "writes were made with (writes owed by status, and writes that landed).",
        "文件的当前版本、审批记录中出现的版本，以及写入所用的版本（按状态统计的待写入，及已成功"
        "写入数）。",
    ),
    "mappings.versions_help_in": (
        "The file's current version and the versions the approval log names (records read in "
        "do not carry the mapping version).",
        "文件的当前版本及审批记录中出现的版本（读入的记录不带映射版本）。",
    ),
    "mappings.current": ("current", "当前"),
    "mappings.owed": ("Writes by status", "写入（按状态）"),
    "mappings.written": ("Written", "已写入"),
    "mappings.last_written": ("Last written", "最近写入"),
    "mappings.history": ("Approval history", "审批记录"),
    "mappings.no_history": ("No approval or revocation yet.", "尚无审批或撤销记录。"),
    "mappings.when": ("When", "时间"),
    "mappings.action": ("Action", "操作"),
    "mappings.by": ("By", "操作人"),
    "mappings.action_approve": ("approved", "审批"),
    "mappings.action_revoke": ("revoked", "撤销"),
    "mappings.diff_title": ("Compare versions", "版本对比"),
    "mappings.rev_from": ("From revision", "起始版本"),
    "mappings.rev_to": ("To revision (empty: the file as it is)", "目标版本（留空：当前文件）"),
    "mappings.compare": ("Compare", "对比"),
    "mappings.diff_help": (
        "Git revisions of the file, e.g. HEAD~1, main or a commit id. Fields are compared by "
        "what they do, not by their text.",
        "文件的 git 版本，如 HEAD~1、main 或提交号。字段按其作用比较，而非按文本。",
    ),
    "mappings.identical": ("Identical: the same content.", "完全相同：内容一致。"),
    "mappings.change": ("Change", "变更"),
    "mappings.before": ("Before", "之前"),
    "mappings.after": ("After", "之后"),
    "mappings.change_text": ("Description", "描述"),
    "mappings.kind_version": ("version", "版本"),
    "mappings.kind_system": ("system", "系统"),
    "mappings.kind_entity": ("entity", "实体"),
    "mappings.kind_direction": ("direction", "方向"),
    "mappings.kind_description": ("description", "说明"),
    "mappings.kind_renamed": ("renamed", "重命名"),
    "mappings.kind_removed": ("removed", "删除"),
    "mappings.kind_added": ("added", "新增"),
    "mappings.kind_source": ("source", "来源"),
    "mappings.kind_transform": ("transform", "转换"),
    "mappings.kind_default": ("default", "默认值"),
    "mappings.kind_required": ("required", "必填"),
    "mappings.kind_condition": ("condition", "条件"),
    "mappings.kind_personal_data": ("personal data", "个人信息"),
    "mappings.kind_note": ("note", "说明"),
    "mappings.kind_layout": ("layout only", "仅格式"),
    "mappings.commits": ("Commits that changed the file", "修改过此文件的提交"),
    "mappings.commit": ("Commit", "提交"),
    "mappings.subject": ("Message", "提交说明"),
    "mappings.vs_previous": ("against the previous", "与上一提交对比"),
    "mappings.vs_working": ("against the file as it is", "与当前文件对比"),
    "mappings.no_commits": (
        "Git knows no commit of this file.",
        "git 中没有此文件的提交记录。",
    ),
    "reason.bad_revision": (
        "That is not a git revision (e.g. HEAD~1, main, a commit id).",
        "这不是有效的 git 版本（例如 HEAD~1、main 或提交号）。",
    ),
    "reason.revision_not_found": (
        "That revision of the mapping file cannot be read: git does not have it, the file "
        "is not in it, or it does not load there.",
        "无法读取该版本的映射文件：git 中没有该版本、该版本中没有此文件，或文件无法加载。",
    ),
    "reason.mapping_changed": (
        "The mapping file changed since the page was loaded: review the new version and "
        "approve again.",
        "页面加载后映射文件已变更，请查看新版本后重新审批。",
    ),
    "reason.mapping_not_approvable": (
        "This mapping file cannot be approved: it does not load, or it sits in the wrong "
        "folder or under the wrong name.",
        "此映射文件无法审批：文件无法加载，或所在文件夹、文件名与其声明不符。",
    ),
    "reason.mapping_not_loadable": (
        "The mapping file does not load, so it cannot be compared.",
        "映射文件无法加载，无法对比。",
    ),
    "lineage.title": ("Field lineage", "字段血缘"),
    "lineage.intro": (
        "From a system's field to the canonical record and out to every system that reads "
        "it, as the mapping files say.",
        "按映射文件所述：从系统字段到标准记录，再到读取它的每个系统。",
    ),
    "lineage.all": ("All canonical fields", "全部标准字段"),
    "lineage.broken": (
        "Files that do not load (their lineage is missing): {files}",
        "无法加载的文件（缺少其血缘）：{files}",
    ),
    "lineage.system": ("System", "系统"),
    "lineage.stream": ("Stream", "数据流"),
    "lineage.operation": ("Operation", "操作"),
    "lineage.system_field": ("System field", "系统字段"),
    "lineage.target_field": ("Target field", "目标字段"),
    "lineage.canonical": ("Canonical field", "标准字段"),
    "lineage.how": ("Transformation", "转换"),
    "lineage.masking": ("Masking", "脱敏"),
    "lineage.masked": ("masked", "已脱敏"),
    "lineage.mapping": ("Mapping", "映射"),
    "lineage.sub_IDENTITY": ("copied", "直接复制"),
    "lineage.sub_TRANSFORMATION": ("transformed", "转换"),
    "lineage.sub_CONDITIONAL": ("condition", "条件"),
    "lineage.from_system": ("{system} field {field}", "{system} 字段 {field}"),
    "lineage.onward": ("{field} is read by", "{field} 的读取方"),
    "lineage.canonical_field": ("Canonical field {field}", "标准字段 {field}"),
    "lineage.fed_by": ("Fed by (in-mappings)", "来源（入映射）"),
    "lineage.read_by": ("Read by (out-mappings)", "读取方（出映射）"),
    "lineage.no_feeds": (
        "No in-mapping of this system reads that field.",
        "该系统没有任何入映射读取此字段。",
    ),
    "lineage.no_sources": ("No in-mapping writes this field.", "没有入映射写入此字段。"),
    "lineage.no_targets": (
        "No out-mapping reads this canonical field.",
        "没有出映射读取此标准字段。",
    ),
}
