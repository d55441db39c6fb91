"""Who sees what: SSO header and role file; a district user never receives another district's rows."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import PAGES, frames, open_page

from dashboards.access import Scope, read_roles, resolve_scope

OWN, OTHERS = "150603", ("150602", "150627")
OTHER_NAMES = ("东胜区", "阿勒腾席热镇", "Dongsheng", "Altanxiret")


@pytest.fixture
def roles(tmp_path):
    path = tmp_path / "roles.yaml"
    path.write_text('users:\n  alice: city\n  bob: "150603"\n', encoding="utf-8")
    return path


def test_header_names_the_user_and_the_role_file_their_scope(roles):
    env = {"GRIDWATCH_SSO_HEADER": "X-Remote-User", "GRIDWATCH_ROLES_FILE": str(roles)}
    assert resolve_scope({"x-remote-user": "bob"}, env) == Scope("bob", "150603")
    assert resolve_scope({"X-Remote-User": "alice"}, env).is_city
    assert resolve_scope({"X-Remote-User": "mallory"}, env).denied == "unknown_user"
    assert resolve_scope({}, env).denied == "no_user"
    # without SSO the header is ignored: a local analyst at city level, or the configured fixed user
    assert resolve_scope({"X-Remote-User": "bob"}, {}).is_city
    assert resolve_scope({}, {"GRIDWATCH_USER": "bob", "GRIDWATCH_ROLES_FILE": str(roles)}).district_code == OWN


def test_role_file_as_csv(tmp_path):
    path = tmp_path / "roles.csv"
    path.write_text("user,scope\nalice,city\nbob,150603\n", encoding="utf-8-sig")
    assert read_roles(path) == {"alice": "city", "bob": "150603"}


def _cells(df: pd.DataFrame) -> list[str]:
    return [str(v) for col in df.columns for v in df[col].tolist()] + [str(c) for c in df.columns]


@pytest.mark.parametrize("page", PAGES)
def test_district_user_sees_only_their_district(lakehouse, roles, page, monkeypatch):
    monkeypatch.setenv("GRIDWATCH_USER", "bob")
    monkeypatch.setenv("GRIDWATCH_ROLES_FILE", str(roles))
    at = open_page(lakehouse[0], page, "zh", monkeypatch)
    assert not at.exception
    shown = frames(at)
    assert shown and any(len(df) for df in shown)
    for df in shown:
        for text in _cells(df):
            assert not text.startswith(OTHERS), (page, text)  # no other district's cell code
            assert not any(name in text for name in OTHER_NAMES), (page, text)
    codes = [t for df in shown for t in _cells(df) if len(t) == 15 and t.isdigit()]
    assert all(c.startswith(OWN) for c in codes)
    if page in ("map", "trends", "forecast", "risk_lists"):
        assert codes, f"{page} shows no cells at all"
    if page == "map":
        deck = at.get("deck_gl_json_chart")[0].proto.json
        assert all(code not in deck for code in OTHERS)
    if page == "risk_lists":
        labels = [b.proto.label for b in at.get("download_button")]
        assert labels and all(OWN in label for label in labels)


def test_district_user_cannot_choose_another_district(lakehouse, roles, monkeypatch):
    monkeypatch.setenv("GRIDWATCH_USER", "bob")
    monkeypatch.setenv("GRIDWATCH_ROLES_FILE", str(roles))
    at = open_page(lakehouse[0], "overview", "en", monkeypatch)
    assert not [s for s in at.selectbox if s.key == "overview_district"]  # no district picker at all
    table = frames(at)[0]
    assert set(table["District"]) == {"Kangbashi"}


def test_unknown_sso_user_is_turned_away(lakehouse, roles, monkeypatch):
    monkeypatch.setenv("GRIDWATCH_SSO_HEADER", "X-Remote-User")
    monkeypatch.setenv("GRIDWATCH_ROLES_FILE", str(roles))
    at = open_page(lakehouse[0], "overview", "zh", monkeypatch)
    assert at.error and "X-Remote-User" in at.error[0].value
    assert not frames(at)
