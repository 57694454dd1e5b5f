"""Teams settings from the environment, with Microsoft's own variable names, checked before start-up."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Self

LOCAL_SWITCH = "VPMO_TEAMS_LOCAL"
TENANT_RATE = "VPMO_TEAMS_TENANT_REQUESTS_PER_SECOND"
TENANT_REQUESTS_PER_SECOND = 30  # what Teams allows an app in one tenant


class AppType(StrEnum):
    SINGLE_TENANT = "SingleTenant"
    MULTI_TENANT = "MultiTenant"
    USER_ASSIGNED_MSI = "UserAssignedMSI"


class TeamsConfigError(Exception):
    """A missing or contradictory Teams setting; the message is one sentence naming the variable."""


@dataclass(frozen=True, slots=True)
class TeamsSettings:
    """Checked Teams settings: on or off, and how requests are authenticated."""

    enabled: bool
    app_id: str = ""
    app_password: str = ""
    app_type: AppType = AppType.MULTI_TENANT
    app_tenant_id: str = ""
    tenant_requests_per_second: int = TENANT_REQUESTS_PER_SECOND

    @property
    def authenticated(self) -> bool:
        """Tell whether requests must carry a Bot Framework token (only without an app id they need not)."""
        return bool(self.app_id)

    @classmethod
    def off(cls) -> Self:
        """Return settings with Teams switched off."""
        return cls(enabled=False)

    @classmethod
    def local(cls) -> Self:
        """Return settings for local testing: no app id, so no authentication in or out."""
        return cls(enabled=True)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Self:
        """Read and check the Microsoft* variables; raise TeamsConfigError naming what is wrong."""
        env = os.environ if environ is None else environ
        app_id = env.get("MicrosoftAppId", "").strip()
        password = env.get("MicrosoftAppPassword", "").strip()
        tenant_id = env.get("MicrosoftAppTenantId", "").strip()
        raw_type = env.get("MicrosoftAppType", "").strip()
        local = env.get(LOCAL_SWITCH, "").strip() in ("1", "true", "yes")
        rate = _tenant_rate(env.get(TENANT_RATE, "").strip())
        if not app_id:
            if local:
                return cls(enabled=True, tenant_requests_per_second=rate)
            if password or tenant_id or raw_type:
                raise TeamsConfigError(
                    "MicrosoftAppId is missing: MicrosoftAppPassword, MicrosoftAppType or "
                    "MicrosoftAppTenantId is set, but without the app id Teams stays off."
                )
            return cls.off()
        if local:
            raise TeamsConfigError(
                f"{LOCAL_SWITCH}=1 contradicts MicrosoftAppId: local testing runs without an app id."
            )
        app_type = _app_type(raw_type)
        _check(app_type, password, tenant_id)
        return cls(True, app_id, password, app_type, tenant_id, rate)


def _tenant_rate(raw: str) -> int:
    if not raw:
        return TENANT_REQUESTS_PER_SECOND
    if not raw.isdigit() or int(raw) < 1:
        raise TeamsConfigError(
            f"{TENANT_RATE} {raw!r} is not a whole number of at least 1: give the calls a second Teams "
            f"allows one tenant ({TENANT_REQUESTS_PER_SECOND})."
        )
    return int(raw)


def _app_type(raw: str) -> AppType:
    if not raw:
        return AppType.SINGLE_TENANT  # new multi-tenant bot registrations were deprecated in July 2025
    for app_type in AppType:
        if raw.casefold() == app_type.value.casefold():
            return app_type
    names = ", ".join(t.value for t in AppType)
    raise TeamsConfigError(f"MicrosoftAppType {raw!r} is not one of {names}.")


def _check(app_type: AppType, password: str, tenant_id: str) -> None:
    if app_type is AppType.USER_ASSIGNED_MSI:
        if password:
            raise TeamsConfigError(
                "MicrosoftAppPassword must be unset with UserAssignedMSI: the managed identity signs in."
            )
        if not tenant_id:
            raise TeamsConfigError("MicrosoftAppTenantId is missing: UserAssignedMSI needs the tenant id.")
        return
    if not password:
        raise TeamsConfigError(f"MicrosoftAppPassword is missing: {app_type.value} needs the app's secret.")
    if app_type is AppType.SINGLE_TENANT and not tenant_id:
        raise TeamsConfigError(
            "MicrosoftAppTenantId is missing: a SingleTenant bot needs the tenant id of its registration."
        )
