"""Interview transcripts for the tests: strong and weak answers in Chinese and English.

Written for these tests (invented people); the strong answers tell a whole story with figures,
the weak ones are vague, full of fillers and end without a result.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hrhub.models import Consent, InterviewAnalysis, Speaker, TranscriptSegment

CST = timezone(timedelta(hours=8))
ENDED = datetime(2026, 3, 2, 15, 40, tzinfo=CST)

ZH_STRONG = {
    "q_complaint": (
        "2022年我在一家电商公司做客服主管，当时有位客户因为订单延误三周非常生气，在网上投诉。"
        "我的任务是在48小时内挽回这位客户。"
        "我首先打电话给他，说我非常理解您的心情，然后站在客户的角度梳理了整个物流过程，"
        "找到根因是仓库系统漏单。"
        "我提出了解决方案：全额退运费并优先发货，同时推动仓库改进流程，每周回访一次。"
        "结果客户撤回了投诉，满意度评分从1分提高到5分，这类投诉在三个月内减少了40%。"
    ),
    "q_sales": (
        "去年我负责华东区的企业客户，当时季度销售目标是500万。"
        "我先分析了老客户的需求，发现三家大客户有扩容的潜在商机，于是主动拜访并做了方案报价。"
        "谈判中客户担心价格，我站在客户的角度算了一笔两年的成本账，打消了他们的异议。"
        "最终签约三单，季度业绩达到620万，完成率124%，其中两家续约了两年。"
    ),
    "q_team": (
        "2023年我带领一个8人的客服小组，当时团队的目标是把首次响应时间从10分钟缩短到3分钟。"
        "我负责制定计划，先和每个人一对一沟通，了解大家的困难，然后重新分工，按时段排班。"
        "我每周组织一次复盘，向主管汇报进度，并给新人做培训。"
        "两个月后首次响应时间降到了2.5分钟，客户满意度提升了15%。"
    ),
    "q_motivation": (
        "我认同贵公司以客户为中心的价值观，你们的产品在行业里口碑很好。"
        "我希望在这里继续成长，把我在客户服务和销售上积累的经验带过来，帮助团队提升客户满意度。"
    ),
}

ZH_PIPELINE_STRONG = (
    "2023年我在一家零售公司负责订单数据管道，当时每天有两亿条订单记录，报表经常延迟六个小时。"
    "我的任务是把延迟降到一小时以内。"
    "我首先用Kafka接入订单流，用Spark按小时分区做增量计算，再用Airflow调度，每个任务都做成幂等的，"
    "失败会自动重试，并加了数据质量监控和告警。"
    "排查时我发现根因是一个全表扫描的SQL，改成按分区读取后解决了。"
    "最终报表延迟从六小时缩短到40分钟，计算成本降低了30%。"
)

EN_PIPELINE_STRONG = (
    "In 2023 I owned the order data pipeline at a retailer, when we had 200 million order "
    "records per day and reports were six hours late. My task was to bring the delay under "
    "one hour. I first streamed orders through Kafka, computed incremental hourly partitions "
    "in Spark and scheduled everything with Airflow; every task was idempotent with retries, "
    "and I added data quality monitoring and alerting. I investigated a slow job and found "
    "the root cause, a full table scan in SQL, and fixed it by reading by partition. As a "
    "result report latency fell from six hours to 40 minutes and compute cost was reduced "
    "by 30%."
)

ZH_WEAK = {
    "q_complaint": (
        "嗯，那个，就是有一次客户不太高兴，然后我就，嗯，跟他说了一下，然后然后他就，那个，还好吧。"
        "就是，反正就处理了。"
    ),
    "q_sales": "嗯，销售的话，那个，就是还行吧，然后就是跟客户聊聊，嗯，差不多就这样。",
    "q_team": "那个，团队嘛，嗯，就是大家一起做，然后，那个，也没什么特别的。",
    "q_motivation": "嗯，就是想换个工作，那个，离家近一点吧。",
}

EN_STRONG = {
    "q_complaint": (
        "In 2022 I was a support lead at an online retailer, and a customer was angry because "
        "his order was three weeks late. My task was to win him back within 48 hours. "
        "I first called him and said I understand how you feel, then I traced the order and "
        "found the root cause: the warehouse system had dropped it. I proposed a solution, a "
        "full refund of shipping and priority delivery, and I followed up every week. As a "
        "result the customer withdrew the complaint, his rating went from 1 to 5, and similar "
        "complaints fell by 40% in three months."
    ),
    "q_sales": (
        "Last year I managed enterprise accounts in the east region, and the quarterly sales "
        "target was 5 million. I first analysed the needs of existing customers and found "
        "three that had room to grow, so I visited them and presented a proposal. When one "
        "worried about price, I walked them through a two-year cost comparison and answered "
        "the objection. In the end I signed three deals, reached 6.2 million, 124% of the "
        "target, and two of them renewed for two years."
    ),
    "q_team": (
        "In 2023 I led a team of 8 support agents, and our goal was to cut first response time "
        "from 10 minutes to 3 minutes. I set a plan, held one-on-one meetings to learn what "
        "slowed each person down, and then reassigned shifts by hour. I ran a weekly review, "
        "reported progress to my manager and coached the new hires. After two months first "
        "response time fell to 2.5 minutes and customer satisfaction improved by 15%."
    ),
    "q_motivation": (
        "I share your company's customer-first values, and your product has a strong name in "
        "the industry. I want to grow here and bring what I learned in customer service and "
        "sales to help the team raise customer satisfaction."
    ),
}

EN_WEAK = {
    "q_complaint": (
        "Um, so, like, there was this customer who was, uh, not happy. I mean, I just, you "
        "know, talked to him and, like, it was fine, I guess. Um, yeah."
    ),
    "q_sales": "Uh, sales were, like, okay I guess. I mean, you know, I talked to people. Um.",
    "q_team": "Um, the team, like, we just did stuff together, you know. Uh, nothing special.",
    "q_motivation": "Um, I just, like, want a new job, you know, closer to home.",
}


def analysis(
    answers: dict[str, str],
    *,
    language: str | None = "zh-CN",
    audio_consent: bool = False,
    opt_out: bool = False,
    remote_id: str = "sess-1",
    extra_segments: list[TranscriptSegment] | None = None,
) -> InterviewAnalysis:
    """An analysed interview whose candidate gives `answers` (question id -> text), one
    interviewer question before each, 2 s apart, 60 s per answer."""
    segments: list[TranscriptSegment] = []
    clock = 0
    for question_id, text in answers.items():
        segments.append(
            TranscriptSegment(
                question_id=question_id,
                speaker=Speaker.INTERVIEWER,
                start_ms=clock,
                end_ms=clock + 4000,
                text="请回答这个问题。",
            )
        )
        clock += 6000
        segments.append(
            TranscriptSegment(
                question_id=question_id, start_ms=clock, end_ms=clock + 60000, text=text
            )
        )
        clock += 62000
    segments += extra_segments or []
    return InterviewAnalysis(
        source_system="interview_room",
        remote_id=remote_id,
        modified_at=ENDED + timedelta(minutes=5),
        interview_id="hrhub:interview:A1-1",
        application_id="successfactors:application:A1",
        candidate_id="successfactors:candidate:C1",
        language=language,
        segments=segments,
        consent=Consent(audio_consent=audio_consent, automated_decision_opt_out=opt_out),
        completed_at=ENDED,
    )
