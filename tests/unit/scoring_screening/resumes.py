"""Real resume texts for the end-to-end tests (invented people)."""

from __future__ import annotations

from pathlib import Path

from hrhub.scoring.ner import MODEL_DIR

EXAMPLES = Path(__file__).resolve().parents[3] / "hrhub" / "scoring" / "screening" / "examples"
MODEL_MISSING = not (MODEL_DIR / "config.cfg").is_file()
MODEL_REASON = f"no resume NER model at {MODEL_DIR} (builder N trains it: hrhub scoring train-ner)"

ZH_RESUME = """姓名：李娜
电话：13912345678
邮箱：lina@example.com

工作经历
2019.03-至今 上海华信电子商务有限公司 客服主管
负责400客服热线与在线客服团队，带领8人团队完成年度服务指标，客户满意度提升到97%。
处理客户投诉并跟进回访，使用Excel统计工单数据，每周输出服务质量报告。
2016.07-2019.02 杭州云帆科技有限公司 售后服务专员
受理客户咨询与售后问题，协调物流退换货，沟通协调能力强。

教育背景
2012.09-2016.06 浙江工商大学 市场营销 本科

证书
英语六级证书、普通话二级甲等证书
"""

ZH_WEAK_RESUME = """姓名：王强
电话：13800001111

工作经历
2024.05-至今 北京某餐饮有限公司 服务员
负责门店点餐与收银。

教育背景
2021.09-2024.06 北京某职业学校 烹饪 中专
"""

EN_RESUME = """Emily Clarke
emily.clarke@example.com | +44 20 7946 0958

Experience
Customer Service Team Lead, Northwind Retail Ltd, Mar 2018 - Present
- Led a team of 6 customer support agents handling 300 customer inquiries a day.
- Built the help desk knowledge base and reporting in Excel.
Customer Service Representative, Contoso Telecom, Jun 2015 - Feb 2018
- Resolved customer complaints by phone and email; strong communication skills.

Education
Bachelor of Arts in Business Administration, University of Leeds, 2011 - 2015

Certifications
Certified Customer Service Professional (CCSP)
"""
