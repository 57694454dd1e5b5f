"""What Slack sends, told apart from what it never would: one check for HTTP and Socket Mode alike."""

from __future__ import annotations

# What Slack always sends as objects (events, interactivity payloads) or as lists of objects; a
# slash command's form has none of these names.
_OBJECT_FIELDS = ("event", "view", "team", "user", "channel", "container", "message", "state")
_LIST_FIELDS = ("actions", "authorizations")


class MalformedRequestError(Exception):
    """A signed request whose body is not one Slack sends; the message says what is wrong with it."""


def check_shape(body: object) -> None:
    """Refuse a payload that is no object, or whose top-level fields bolt indexes into are misshapen."""
    if not isinstance(body, dict):
        raise MalformedRequestError("the payload is not a JSON object")
    for name in _OBJECT_FIELDS:
        if body.get(name) is not None and not isinstance(body[name], dict):
            raise MalformedRequestError(f"{name} is not a JSON object")
    for name in _LIST_FIELDS:
        value = body.get(name)
        if value is not None and not (isinstance(value, list) and all(isinstance(v, dict) for v in value)):
            raise MalformedRequestError(f"{name} is not a list of JSON objects")
