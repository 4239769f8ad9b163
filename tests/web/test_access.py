"""Who gets in: every request is authenticated, given its hrhub role, and every refusal is a
clear page that changes nothing and leaves an entry in the audit log."""

from __future__ import annotations

import pytest

from hrhub.web.i18n import CATALOG, Translator
from hrhub.web.roles import ROLE_PERMISSIONS, Permission, Role, RoleConfigError, RoleDirectory
from tests.web.conftest import as_user


def refusals(ledger) -> list:
    return [e for e in ledger.audit_entries() if e.action == "web.refused"]


@pytest.mark.parametrize(
    ("cookie", "status", "reason"),
    [
        (None, 401, "not_signed_in"),
        ("expired", 401, "session_expired"),
        ("forged", 401, "session_invalid"),
        ("stranger", 403, "no_hrhub_role"),
    ],
)
def test_requests_without_a_usable_session_are_refused_and_audited(
    client, world, cookie, status, reason
) -> None:
    if cookie:
        client.cookies.set("_token", cookie)
    before = world.ledger.status()
    response = client.get("/status?lang=en")
    assert response.status_code == status
    assert f'data-reason="{reason}"' in response.text
    assert Translator("en")(f"reason.{reason}") in response.text
    (entry,) = refusals(world.ledger)
    assert entry.subject == "GET /status"
    assert entry.data["reason"] == reason
    assert entry.actor == ("stranger" if cookie == "stranger" else "anonymous")
    # Nothing but the audit entry changed.
    after = world.ledger.status()
    assert after.pop("audit_entries") == before.pop("audit_entries") + 1
    assert after == before


def test_a_refused_session_gets_a_link_to_airflows_login(client) -> None:
    response = client.get("/status")
    assert 'href="/auth/login?next=/status"' in response.text


def test_tools_asking_for_json_get_the_refusal_as_json(client) -> None:
    client.cookies.set("_token", "forged")
    response = client.get("/status", headers={"accept": "application/json"})
    assert response.status_code == 401
    assert response.json()["reason"] == "session_invalid"


def test_the_bearer_header_wins_over_the_cookie(client) -> None:
    client.cookies.set("_token", "stranger")
    response = client.get("/status", headers={"authorization": "Bearer hr"})
    assert response.status_code == 200


@pytest.mark.parametrize("login", ["hr", "rec", "boss", "aud"])
def test_every_role_sees_the_status_page_and_its_own_menu(client, login) -> None:
    response = as_user(client, login).get("/status?lang=en")
    assert response.status_code == 200
    role = RoleDirectory.parse("hr:hr_admin,rec:recruiter,boss:recruiting_manager,aud:auditor")
    permissions = ROLE_PERMISSIONS[role.get(login).role]
    t = Translator("en")
    assert (t("nav.audit") in response.text) == (Permission.VIEW_AUDIT_LOG in permissions)
    assert (t("nav.dead_letters") in response.text) == (Permission.REPLAY in permissions)


def test_unknown_paths_are_refused_as_not_found_and_audited(client, world) -> None:
    response = as_user(client, "hr").get("/no-such-page")
    assert response.status_code == 404
    (entry,) = refusals(world.ledger)
    assert entry.data["reason"] == "not_found"


def test_the_language_follows_the_query_then_the_cookie_then_the_browser(client) -> None:
    as_user(client, "hr")
    zh, en = Translator("zh"), Translator("en")
    assert zh("status.title") in client.get("/status", headers={"accept-language": "zh-CN"}).text
    assert en("status.title") in client.get("/status", headers={"accept-language": "en-US"}).text
    assert en("status.title") in client.get("/status?lang=en").text
    # Remembered: the next page without ?lang= stays English even for a Chinese browser.
    assert en("status.title") in client.get("/status", headers={"accept-language": "zh"}).text
    assert zh("status.title") in client.get("/status?lang=zh").text


def test_every_text_has_both_languages() -> None:
    for key, (english, chinese) in CATALOG.items():
        assert english.strip() and chinese.strip(), key


def test_the_role_directory_names_the_entry_it_cannot_read() -> None:
    with pytest.raises(RoleConfigError, match=r"'li:boss'.*known: hr_admin"):
        RoleDirectory.parse("li:boss")
    with pytest.raises(RoleConfigError, match="'li'"):
        RoleDirectory.parse("li")
    with pytest.raises(RoleConfigError, match="listed twice"):
        RoleDirectory.parse("li:auditor,li:hr_admin")
    directory = RoleDirectory.parse(" li:recruiter:recruiter07 ,\n wang:auditor ")
    assert directory.get("li").owner_id == "recruiter07"
    assert directory.get("wang").owner_id == "wang"
    assert directory.get("li").role is Role.RECRUITER


def test_the_repository_configuration_gives_every_demo_login_a_role() -> None:
    import configparser
    from pathlib import Path

    cfg = configparser.ConfigParser(interpolation=None)
    cfg.read(Path(__file__).resolve().parents[2] / "airflow.cfg")
    directory = RoleDirectory.parse(cfg["hrhub_web"]["roles"])
    airflow_users = [u.split(":")[0] for u in cfg["core"]["simple_auth_manager_users"].split(",")]
    assert {login for login in airflow_users if directory.get(login)} == set(airflow_users)
    assert {directory.get(login).role for login in airflow_users} == set(Role)


def test_only_the_auditor_may_approve_mappings_and_only_some_roles_see_personal_data() -> None:
    approve = {r for r, p in ROLE_PERMISSIONS.items() if Permission.APPROVE_MAPPINGS in p}
    personal = {r for r, p in ROLE_PERMISSIONS.items() if Permission.PERSONAL_DATA in p}
    assert approve == {Role.AUDITOR}
    assert Role.AUDITOR not in personal
