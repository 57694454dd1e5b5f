"""Encryption of tokens at rest (Fernet), keyed by ``VPMO_SECRET_KEY``.

``VPMO_SECRET_KEY`` is one key or a comma-separated list of keys, newest first: new tokens are
encrypted with the first key and every listed key can decrypt, so a key is rotated by putting a new
one in front and dropping the old one once :meth:`SecretBox.rotate` has re-encrypted what it wrote.

A key is either a Fernet key (``Fernet.generate_key()``: 44 characters of URL-safe base64 for 32
bytes) or a passphrase of at least 32 characters without commas. A passphrase is stretched with
scrypt (n=2**15, r=8, p=1, 32 bytes) and the fixed salt ``vpmo-token-encryption``: the same passphrase
always gives the same key, so tokens stored before a restart still decrypt. These parameters are part
of the stored data's format; changing them makes existing tokens unreadable.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from typing import Self

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

SETTING = "VPMO_SECRET_KEY"
MIN_PASSPHRASE_LENGTH = 32
DERIVATION_SALT = b"vpmo-token-encryption"
# scrypt rather than a plain hash: a leaked database should not make a guessable passphrase cheap to test.
_SCRYPT_N = 2**15
_SCRYPT_R = 8
_SCRYPT_P = 1

_NOT_SET = f"{SETTING} is not set: it is needed to store Slack tokens encrypted"
_TOO_SHORT = (
    f"{SETTING} is too short: use a Fernet key or a passphrase of at least "
    f"{MIN_PASSPHRASE_LENGTH} characters; it is needed to store Slack tokens encrypted"
)
# Said when one of several comma-separated keys is too short: most likely a passphrase with a comma.
_PART_TOO_SHORT = (
    f"{SETTING} key {{number}} of {{count}} is too short: a comma separates several keys (for rotation, "
    f"newest first), so a passphrase must not contain one; each key is a Fernet key or a passphrase "
    f"of at least {MIN_PASSPHRASE_LENGTH} characters"
)
_CANNOT_DECRYPT = f"{SETTING} cannot decrypt a stored Slack token: was the key changed?"
# Exactly what Fernet.generate_key() produces; anything else is treated as a passphrase, because
# lenient base64 decoding would silently turn some passphrases into raw keys.
_FERNET_KEY = re.compile(r"[A-Za-z0-9_-]{43}=")


class SecretKeyError(Exception):
    """``VPMO_SECRET_KEY`` is missing, unusable, or not the key the stored tokens were encrypted with."""


def _fernet_for(item: str, number: int, count: int) -> Fernet:
    """Return the Fernet for key ``number`` of ``count``: a Fernet key as is, a passphrase derived."""
    if _FERNET_KEY.fullmatch(item):
        return Fernet(item.encode("ascii"))
    if len(item) < MIN_PASSPHRASE_LENGTH:
        raise SecretKeyError(_TOO_SHORT if count == 1 else _PART_TOO_SHORT.format(number=number, count=count))
    derived = Scrypt(salt=DERIVATION_SALT, length=32, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P).derive(
        item.encode("utf-8")
    )
    return Fernet(base64.urlsafe_b64encode(derived))


class SecretBox:
    """Encrypts and decrypts short secrets (Slack tokens) with the configured keys."""

    __slots__ = ("_count", "_fernet")

    def __init__(self, keys: Sequence[str]) -> None:
        items = [key.strip() for key in keys if key.strip()]
        if not items:
            raise SecretKeyError(_NOT_SET)
        self._fernet = MultiFernet(
            [_fernet_for(item, number, len(items)) for number, item in enumerate(items, 1)]
        )
        self._count = len(items)

    @classmethod
    def from_setting(cls, value: str | None) -> Self:
        """Build from the ``VPMO_SECRET_KEY`` value (one key, or several newest first, comma-separated)."""
        if value is None or not value.strip():
            raise SecretKeyError(_NOT_SET)
        return cls(value.split(","))

    def encrypt(self, plain: str) -> str:
        """Encrypt with the newest key."""
        return self._fernet.encrypt(plain.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        """Decrypt with whichever configured key fits; raise SecretKeyError if none does."""
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError) as error:
            raise SecretKeyError(_CANNOT_DECRYPT) from error

    def rotate(self, token: str) -> str:
        """Re-encrypt a stored token with the newest key (after a new key was put first)."""
        try:
            return self._fernet.rotate(token.encode("ascii")).decode("ascii")
        except (InvalidToken, UnicodeError) as error:
            raise SecretKeyError(_CANNOT_DECRYPT) from error

    def __repr__(self) -> str:
        return f"SecretBox(keys={self._count})"
