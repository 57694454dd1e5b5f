"""The identity cache both platforms share: bounded and expiring."""

from __future__ import annotations

from bot.adapters.identity_cache import IdentityCache


class Ticks:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_looked_up_email_is_remembered_until_it_expires() -> None:
    clock = Ticks()
    cache = IdentityCache(seconds=60, clock=clock)
    cache.put(("T1", "U1"), "anna@x.dk")
    clock.now = 59
    remembered = cache.get(("T1", "U1"))
    clock.now = 60

    assert remembered == (True, "anna@x.dk")
    assert cache.get(("T1", "U1")) == (False, None)


def test_a_user_without_an_email_is_remembered_as_such() -> None:
    cache = IdentityCache()
    cache.put(("T1", "U1"), None)

    assert cache.get(("T1", "U1")) == (True, None)


def test_beyond_its_size_the_least_recently_used_entry_goes() -> None:
    cache = IdentityCache(size=2)
    cache.put("a", "a@x.dk")
    cache.put("b", "b@x.dk")
    cache.get("a")
    cache.put("c", "c@x.dk")

    assert len(cache) == 2
    assert cache.email("a") == "a@x.dk"
    assert cache.get("b") == (False, None)
