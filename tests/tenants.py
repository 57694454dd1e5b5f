"""A second client beside the sample one, for tests that tenants stay apart."""

from __future__ import annotations

from bot.admin.tenant_config import TenantConfig, load_tenant_config
from bot.cli import SAMPLE_TENANT

# The sample's people (the same Slack and Teams user ids) in their own workspace and Microsoft tenant:
# what one tenant sends must never reach the other's data.
OTHER_SLUG = "birk"
OTHER_TEAM = "T02BIRK"
OTHER_TEAMS_TENANT = "0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9"


def other_tenant_config() -> TenantConfig:
    """Return the configuration of Birk, the sample client's twin in another workspace and tenant."""
    text = (
        SAMPLE_TENANT.read_text(encoding="utf-8")
        .replace("slug: nordlys", f"slug: {OTHER_SLUG}")
        .replace("name: Nordlys Energi A/S", "name: Birk Byg ApS")
        .replace("slack_team_id: T01NORDLYS", f"slack_team_id: {OTHER_TEAM}")
        .replace("5f3c2a1e-8b7d-4c6a-9e0f-1a2b3c4d5e6f", OTHER_TEAMS_TENANT)
    )
    return load_tenant_config(text)
