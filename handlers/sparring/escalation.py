"""When time runs out or a message cannot reach its reader: the sparring requests that must move on.

The server's tick calls ``escalate_due``; the dispatcher calls ``report_undeliverable`` for a message
the platform refused. Both open their own transactions, as they run outside any person's command.
"""

from __future__ import annotations

from handlers.shared.context import Deps, TenantContext
from handlers.shared.ports import Delivery
from handlers.shared.text import Text
from handlers.sparring import commands as c
from handlers.sparring import offering

ESCALATION_BATCH = 100
UNDELIVERABLE = "undeliverable:"


def escalate_due(deps: Deps) -> int:
    """Escalate every offered request whose answer time has run out; return how many moved on."""
    now = deps.clock.now()
    with deps.uow() as uow:
        due = uow.requests.due_for_escalation(now, ESCALATION_BATCH)
    moved = 0
    # One transaction per request: one failing request must not hold back the others.
    for tenant_id, number in due:
        with deps.uow() as uow:
            tenant = uow.tenants.get(tenant_id)
            if tenant is not None and offering.escalate(TenantContext(uow, tenant, now, deps), number):
                moved += 1
            uow.commit()
    return moved


def report_undeliverable(deps: Deps, delivery: Delivery, reason: Text) -> None:
    """Tell the coordinators that a message could not be delivered (never about such a note itself)."""
    if (delivery.message.dedupe_key or "").startswith(UNDELIVERABLE):
        return
    recipient = delivery.recipient.name if delivery.recipient else (delivery.message.to_channel or "?")
    with deps.uow() as uow:
        ctx = TenantContext(uow, delivery.tenant, deps.clock.now(), deps)
        ctx.notify_coordinators(
            Text.of("coordinator.undeliverable", recipient=recipient, reason=reason),
            ref=delivery.message.ref,
            dedupe=f"{UNDELIVERABLE}{delivery.id}",
        )
        offered = _offered_request(delivery)
        if offered is not None and delivery.recipient is not None:
            # An offer that cannot reach its senior must not wait for the escalation: move it on now.
            offering.pass_over_unreachable(ctx, offered, delivery.recipient.id)
        uow.commit()


def _offered_request(delivery: Delivery) -> int | None:
    """Return the number of the request a message offers to its recipient (it carries the accept button)."""
    ref = delivery.message.ref
    if ref is None or not any(a.id == f"accept:{ref}" for a in delivery.message.actions):
        return None
    return c.parse_ref(ref)
