"""DingTalk's official clients against the simulator, over real loopback HTTP.

DESIGN: "Where an official client exists, a test proves it works against the simulator." A
simulator that only hrhub's own connector has talked to can drift into speaking hrhub's
reading of DingTalk instead of DingTalk. Two clients written by others pin it down:

1. Alibaba's `alibabacloud-dingtalk` SDK (Tea/Darabonba runtime) on the api.dingtalk.com host:
   `oauth2_1_0` gets an app token, `hrm_1_0.add_hrm_preentry_with_options` creates a
   pre-entry. Its error path matters as much: the DingTalk gateway SPI turns any 4xx/5xx into
   a `TeaException` (surfacing as Darabonba's `UnretryableException`, a subclass carrying the
   same `code`, `message`, `data` and `statusCode`) and reads only `code`/`Code`,
   `message`/`Message` and `requestid`/`RequestId` from the JSON body, so the simulator's
   error bodies must be JSON objects with exactly those keys.
   Pointing the SDK at loopback: `open_api_models.Config(protocol="http",
   endpoint="127.0.0.1:<port>")`. The SDK's Host header and URL both come from `endpoint`
   (`http://` + endpoint + pathname; the default port 80 adds nothing), and the DingTalk
   gateway neither rewrites hosts nor signs (auth is the `x-acs-dingtalk-access-token` header).
2. Airflow's `apache-airflow-providers-dingding`: `DingdingOperator`/`DingdingHook` post to a
   custom robot at `<connection host>/robot/send?access_token=<connection password>`, and
   raise `AirflowException` when the answer's `errcode` is not 0. It has no way to sign
   (加签: `timestamp` + `sign` query parameters), so it cannot post to a signed robot such as
   the hiring group's; hrhub's own connector signs (`connectors.dingtalk.client.robot_sign`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from alibabacloud_dingtalk.hrm_1_0 import models as hrm_models
from alibabacloud_dingtalk.hrm_1_0.client import Client as HrmClient
from alibabacloud_dingtalk.oauth2_1_0 import models as oauth2_models
from alibabacloud_dingtalk.oauth2_1_0.client import Client as OAuth2Client
from alibabacloud_tea_openapi import models as open_api_models
from alibabacloud_tea_util.models import RuntimeOptions
from Tea.exceptions import TeaException

from connectors.dingtalk.client import robot_sign
from connectors.dingtalk.simulator import DingTalkSimulator
from hrhub.airflow_env import airflow_env

OPS_ROBOT = "ops-robot"  # keyword "hrhub", no signing
GROUP_ROBOT = "hiring-group-robot"  # 加签 required
GROUP_SECRET = "SEC-hrhub-hiring-group"
NEW_HIRE_NAME = "林晓雨"
NEW_HIRE_MOBILE = "19900001234"  # seeded mobiles start with "13": this one is free


@pytest.fixture(autouse=True)
def no_proxy_for_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    # The Tea runtime passes HTTP(S)_PROXY to requests itself and ignores NO_PROXY, so a proxy
    # in the environment would swallow the loopback calls.
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def sim() -> Iterator[DingTalkSimulator]:
    # as_of defaults to now: robot signatures made from the wall clock are then in time.
    with DingTalkSimulator(users=60, seed=3) as server:
        yield server


# -- alibabacloud-dingtalk (the official SDK) ------------------------------------------------


def tea_config(url: str) -> open_api_models.Config:
    """The SDK's configuration for a simulator host: scheme and host:port, 5 s timeouts."""
    parts = urlsplit(url)
    return open_api_models.Config(
        protocol=parts.scheme, endpoint=parts.netloc, connect_timeout=5000, read_timeout=5000
    )


def sdk_token(sim: DingTalkSimulator, app_secret: str = DingTalkSimulator.APP_SECRET) -> Any:
    client = OAuth2Client(tea_config(sim.api_url))
    return client.get_access_token(
        oauth2_models.GetAccessTokenRequest(
            app_key=DingTalkSimulator.APP_KEY, app_secret=app_secret
        )
    )


def sdk_add_preentry(sim: DingTalkSimulator, token: str, name: str, mobile: str) -> Any:
    start = datetime.now(UTC).replace(hour=1, minute=0, second=0, microsecond=0)  # 09:00 China
    request = hrm_models.AddHrmPreentryRequest(
        agent_id=DingTalkSimulator.AGENT_ID,
        name=name,
        mobile=mobile,
        pre_entry_time=int((start + timedelta(days=14)).timestamp() * 1000),
        need_send_pre_entry_msg=False,
    )
    headers = hrm_models.AddHrmPreentryHeaders(x_acs_dingtalk_access_token=token)
    # `add_hrm_preentry(request)` sends empty headers: the token needs the `_with_options` form.
    return HrmClient(tea_config(sim.api_url)).add_hrm_preentry_with_options(
        request, headers, RuntimeOptions()
    )


def test_sdk_token_then_preentry_lands_in_the_simulator(sim: DingTalkSimulator) -> None:
    assert NEW_HIRE_MOBILE not in {u["mobile"] for u in sim.users}
    token = sdk_token(sim)
    assert token.status_code == 200
    assert token.body.expire_in == 7200
    assert token.body.access_token

    # One token store for both hosts: the oapi host hands out the same token while it is valid.
    oapi = requests.get(
        sim.url + "/gettoken",
        params={"appkey": DingTalkSimulator.APP_KEY, "appsecret": DingTalkSimulator.APP_SECRET},
        timeout=5,
    ).json()
    assert oapi["errcode"] == 0
    assert oapi["access_token"] == token.body.access_token

    created = sdk_add_preentry(sim, token.body.access_token, NEW_HIRE_NAME, NEW_HIRE_MOBILE)
    assert created.status_code == 200
    tmp_user_id = created.body.tmp_user_id
    assert tmp_user_id in sim.preentries
    record = sim.preentries[tmp_user_id]
    assert record["name"] == NEW_HIRE_NAME
    assert record["mobile"] == NEW_HIRE_MOBILE
    assert tmp_user_id not in {u["userid"] for u in sim.users}


def test_sdk_raises_its_own_exception_for_a_duplicate_mobile(sim: DingTalkSimulator) -> None:
    token = sdk_token(sim).body.access_token
    first = sdk_add_preentry(sim, token, NEW_HIRE_NAME, NEW_HIRE_MOBILE).body.tmp_user_id
    employee = next(u for u in sim.users if u["status"] != "departed")
    before = dict(sim.preentries)

    for name, mobile in ((NEW_HIRE_NAME, NEW_HIRE_MOBILE), (employee["name"], employee["mobile"])):
        with pytest.raises(TeaException) as failure:
            sdk_add_preentry(sim, token, name, mobile)
        error = failure.value
        assert error.code == "preentry.mobile.exists"
        assert error.statusCode == 400
        assert error.data["code"] == "preentry.mobile.exists"
        assert error.message.startswith("code: 400, ")

    assert first in before
    assert sim.preentries == before


def test_sdk_raises_its_own_exception_for_a_bad_token(sim: DingTalkSimulator) -> None:
    before = dict(sim.preentries)
    with pytest.raises(TeaException) as failure:
        sdk_add_preentry(sim, "not-a-dingtalk-token", NEW_HIRE_NAME, NEW_HIRE_MOBILE)
    error = failure.value
    assert error.code == "InvalidAuthentication"
    assert error.statusCode == 401
    # The SDK builds its message from `message` and `requestid`: both must be in the body.
    assert error.data["requestid"]
    assert error.message == (
        f"code: 401, 不合法的access_token request id: {error.data['requestid']}"
    )
    assert sim.preentries == before


def test_sdk_raises_its_own_exception_for_a_wrong_app_secret(sim: DingTalkSimulator) -> None:
    with pytest.raises(TeaException) as failure:
        sdk_token(sim, app_secret="Wrong-Secret-123")
    assert failure.value.code == "invalidClientIdOrSecret"
    assert failure.value.statusCode == 400
    assert "Wrong-Secret-123" not in str(failure.value)


# -- apache-airflow-providers-dingding --------------------------------------------------------


@pytest.fixture
def airflow_conns(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Airflow configured as hrhub runs it; returns `define(conn_id, host, token)`, which
    defines a DingTalk robot connection through an `AIRFLOW_CONN_<ID>` variable."""
    env = airflow_env(home=tmp_path_factory.mktemp("airflow_home"))
    for name in ("AIRFLOW_HOME", "AIRFLOW_CONFIG", "HRHUB_HOME"):
        monkeypatch.setenv(name, env[name])
    assert Path(env["AIRFLOW_CONFIG"]).is_file()

    def define(conn_id: str, host: str, token: str) -> str:
        # JSON form: the hook uses `host` as the base URL verbatim (scheme and port included).
        conn = {"conn_type": "dingding", "host": host, "password": token}
        monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(conn))
        return conn_id

    return define


def test_provider_builds_the_robot_url_from_the_connection(
    sim: DingTalkSimulator, airflow_conns: Any
) -> None:
    from airflow.providers.dingding.hooks.dingding import DingdingHook

    hook = DingdingHook(airflow_conns("hrhub_ops_robot", sim.url, OPS_ROBOT), message="hrhub")
    hook.get_conn()
    assert hook.url_from_endpoint(hook._get_endpoint()) == (
        f"{sim.url}/robot/send?access_token={OPS_ROBOT}"
    )


def test_provider_operator_posts_to_the_keyword_robot(
    sim: DingTalkSimulator, airflow_conns: Any
) -> None:
    from airflow.providers.dingding.operators.dingding import DingdingOperator

    message = "hrhub: 3 offers signed today, 1 pre-entry created"
    op = DingdingOperator(
        task_id="notify_ops",
        dingding_conn_id=airflow_conns("hrhub_ops_robot", sim.url, OPS_ROBOT),
        message_type="text",
        message=message,
        at_mobiles=[],
    )
    op.execute(context={})

    assert len(sim.robot_messages) == 1
    token, body = sim.robot_messages[0]
    assert token == OPS_ROBOT
    assert body["msgtype"] == "text"
    assert body["text"] == {"content": message}
    assert body["at"] == {"atMobiles": [], "isAtAll": False}


def test_provider_hook_reports_a_missing_keyword(
    sim: DingTalkSimulator, airflow_conns: Any
) -> None:
    from airflow.providers.common.compat.sdk import AirflowException
    from airflow.providers.dingding.hooks.dingding import DingdingHook

    conn_id = airflow_conns("hrhub_ops_robot", sim.url, OPS_ROBOT)
    hook = DingdingHook(conn_id, message_type="text", message="3 offers signed today")
    with pytest.raises(AirflowException) as failure:
        hook.send()
    answer = json.loads(str(failure.value).split("receive error message ", 1)[1])
    assert answer["errcode"] == 310000
    assert "keywords not in content" in answer["errmsg"]
    assert sim.robot_messages == []


def test_provider_cannot_sign_so_the_signed_robot_refuses_it(
    sim: DingTalkSimulator, airflow_conns: Any
) -> None:
    """The documented gap: the provider sends no timestamp/sign, so a 加签 robot answers
    errcode 310000. The same robot takes the same body once it is signed the way hrhub's
    connector signs, so the refusal is about signing and nothing else."""
    from airflow.providers.common.compat.sdk import AirflowException
    from airflow.providers.dingding.hooks.dingding import DingdingHook

    conn_id = airflow_conns("hrhub_hiring_group", sim.url, GROUP_ROBOT)
    message = "hrhub: 面试安排已更新"
    hook = DingdingHook(conn_id, message_type="text", message=message)
    with pytest.raises(AirflowException) as failure:
        hook.send()
    answer = json.loads(str(failure.value).split("receive error message ", 1)[1])
    assert answer["errcode"] == 310000
    assert "sign" in answer["errmsg"]
    assert sim.robot_messages == []

    timestamp = int(time.time() * 1000)
    signed = requests.post(
        sim.url + "/robot/send",
        params={
            "access_token": GROUP_ROBOT,
            "timestamp": timestamp,
            "sign": robot_sign(GROUP_SECRET, timestamp),
        },
        data=hook._build_message(),
        headers={"Content-Type": "application/json"},
        timeout=5,
    ).json()
    assert signed["errcode"] == 0
    assert [(t, b["text"]["content"]) for t, b in sim.robot_messages] == [(GROUP_ROBOT, message)]
