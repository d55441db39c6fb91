"""Who is looking: a trusted single-sign-on header (or a fixed user) and a role file of scopes.

Configuration (environment):
- GRIDWATCH_SSO_HEADER: name of the header the bureau's SSO proxy sets (e.g. X-Remote-User).
  When set, every request must carry it and the user must be in the role file.
- GRIDWATCH_ROLES_FILE: YAML `users: {alice: city, bob: "150602"}` or CSV `user,scope`;
  scope `city` sees everything, a 6-digit district code sees only that district.
- GRIDWATCH_USER: a fixed user for an instance without SSO (e.g. one district office's copy).
Without any of these the app runs for a local analyst at city level (it listens on 127.0.0.1).
"""

from __future__ import annotations

import csv
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

log = logging.getLogger(__name__)

CITY = "city"
LOCAL_USER = "local"


@dataclass(frozen=True)
class Scope:
    """A user and what they may see: the whole city (district_code None) or one district."""

    user: str
    district_code: str | None = None
    denied: str | None = None  # why access is refused: 'no_user' or 'unknown_user'

    @property
    def is_city(self) -> bool:
        return self.district_code is None and self.denied is None


def read_roles(path: str | Path) -> dict[str, str]:
    """User -> scope ('city' or a district code) from a YAML or CSV role file."""
    p = Path(path)
    if not p.exists():
        log.warning("role file %s does not exist; nobody is granted access", p)
        return {}
    if p.suffix.lower() == ".csv":
        with p.open(encoding="utf-8-sig", newline="") as f:
            return {r["user"].strip(): str(r["scope"]).strip() for r in csv.DictReader(f) if r.get("user")}
    raw = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    users = raw.get("users", raw)
    return {str(u).strip(): str(s).strip() for u, s in users.items()}


def _scope_for(user: str, roles: Mapping[str, str]) -> Scope:
    role = roles.get(user)
    if role is None:
        return Scope(user=user, denied="unknown_user")
    return Scope(user=user, district_code=None if role.lower() == CITY else role)


def resolve_scope(headers: Mapping[str, str] | None, env: Mapping[str, str] | None = None) -> Scope:
    """The scope of a request from its headers and the access configuration in env."""
    env = os.environ if env is None else env
    header = env.get("GRIDWATCH_SSO_HEADER", "").strip()
    roles_file = env.get("GRIDWATCH_ROLES_FILE", "").strip()
    roles = read_roles(roles_file) if roles_file else {}
    if header:
        lowered = {k.lower(): v for k, v in (headers or {}).items()}
        user = (lowered.get(header.lower()) or "").strip()
        if not user:
            return Scope(user="", denied="no_user")
        return _scope_for(user, roles)
    fixed = env.get("GRIDWATCH_USER", "").strip()
    if fixed:
        return _scope_for(fixed, roles) if roles_file else Scope(user=fixed)
    return Scope(user=LOCAL_USER)


def allowed_districts(scope: Scope, districts: list[str]) -> list[str]:
    """The district codes this scope may choose from."""
    if scope.denied:
        return []
    if scope.district_code is None:
        return list(districts)
    return [d for d in districts if d == scope.district_code]
