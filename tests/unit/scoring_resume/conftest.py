"""Shared fixtures: a fixed `today`, a rule-based stand-in for the Chinese NER model, and two
realistic resumes (one per language)."""

from __future__ import annotations

from datetime import date

import pytest

TODAY = date(2026, 11, 30)

ZH_RESUME = """张伟
电话：138-1234-5678  邮箱：zhangwei@example.com
中国国籍，1988年出生

工作经历
2019年3月-至今  北京星辰科技有限公司  销售经理
带领5人团队完成1000万业绩，负责大客户开发。
2015.07-2019.02  上海远航贸易有限公司  客服主管
处理客户投诉，负责客户服务团队的日常工作。

教育背景
2011.09-2015.06  复旦大学  市场营销  本科

技能
熟练使用Excel、SQL，英语六级
"""

EN_RESUME = """Emily Clarke
emily.clarke@example.com | +1 (415) 555-0134 | San Francisco, USA

SUMMARY
Data scientist with Python, SQL and machine learning experience.

EXPERIENCE
Senior Data Scientist, Acme Analytics Inc.   Mar 2019 - Present
- Led a team of 5 data scientists; managed a $2M budget.
- Built Spark pipelines and PyTorch models.
Data Analyst, Bank of America   Jun 2015 - Feb 2019
- Customer service analytics with Tableau and Excel.
Northwind Traders Ltd
Support Specialist   Jan 2014 – Dec 2015

EDUCATION
Master of Science in Statistics, Stanford University, 2013 - 2015
B.Sc. in Mathematics, University of California, Berkeley, 2009 - 2013
"""


@pytest.fixture(scope="session")
def zh_nlp():
    """spacy.blank("zh") + an EntityRuler: tests the extraction logic without the trained model."""
    import spacy

    nlp = spacy.blank("zh")
    ruler = nlp.add_pipe("entity_ruler")
    phrases = {
        "NAME": ["张伟", "吴重阳"],
        "CONT": ["中国国籍"],
        "ORG": ["北京星辰科技有限公司", "上海远航贸易有限公司", "复旦大学", "厦门泛华集团"],
        "TITLE": ["销售经理", "客服主管", "副总经理", "硕士生导师"],
        "EDU": ["本科", "硕士研究生", "大学本科"],
        "PRO": ["市场营销"],
    }
    ruler.add_patterns(
        [{"label": label, "pattern": p} for label, items in phrases.items() for p in items]
    )
    return nlp
