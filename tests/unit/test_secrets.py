"""Tokens at rest: Fernet keys and passphrases, stable derivation, rotation, friendly errors."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from bot.secrets import SecretBox, SecretKeyError

TOKEN = "xoxb-123-secret"
PASSPHRASE = "correct horse battery staple and then some"
OTHER_PASSPHRASE = "an entirely different passphrase of some length"


def test_round_trip_with_a_fernet_key() -> None:
    box = SecretBox.from_setting(Fernet.generate_key().decode())

    assert box.decrypt(box.encrypt(TOKEN)) == TOKEN


def test_round_trip_with_a_passphrase() -> None:
    box = SecretBox.from_setting(PASSPHRASE)

    assert box.decrypt(box.encrypt(TOKEN)) == TOKEN


def test_the_same_passphrase_decrypts_after_a_restart() -> None:
    stored = SecretBox.from_setting(PASSPHRASE).encrypt(TOKEN)

    assert SecretBox.from_setting(PASSPHRASE).decrypt(stored) == TOKEN


def test_surrounding_whitespace_in_the_setting_is_ignored() -> None:
    stored = SecretBox.from_setting(PASSPHRASE).encrypt(TOKEN)

    assert SecretBox.from_setting(f"  {PASSPHRASE}\n").decrypt(stored) == TOKEN


def test_a_fernet_key_is_used_as_is() -> None:
    key = Fernet.generate_key()
    stored = SecretBox.from_setting(key.decode()).encrypt(TOKEN)

    assert Fernet(key).decrypt(stored.encode()).decode() == TOKEN


def test_a_wrong_key_gives_a_friendly_error() -> None:
    stored = SecretBox.from_setting(PASSPHRASE).encrypt(TOKEN)

    with pytest.raises(SecretKeyError, match=r"cannot decrypt a stored Slack token: was the key changed\?"):
        SecretBox.from_setting(OTHER_PASSPHRASE).decrypt(stored)


def test_garbage_gives_the_same_friendly_error() -> None:
    with pytest.raises(SecretKeyError, match="was the key changed"):
        SecretBox.from_setting(PASSPHRASE).decrypt("not-a-token")


def test_rotation_decrypts_tokens_stored_with_the_old_key() -> None:
    old_key = Fernet.generate_key().decode()
    stored = SecretBox.from_setting(old_key).encrypt(TOKEN)

    rotated = SecretBox.from_setting(f"{PASSPHRASE}, {old_key}")

    assert rotated.decrypt(stored) == TOKEN


def test_rotation_encrypts_with_the_newest_key() -> None:
    old_key = Fernet.generate_key().decode()
    rotated = SecretBox.from_setting(f"{PASSPHRASE},{old_key}")

    assert SecretBox.from_setting(PASSPHRASE).decrypt(rotated.encrypt(TOKEN)) == TOKEN


def test_rotate_re_encrypts_so_the_old_key_can_go() -> None:
    old_key = Fernet.generate_key().decode()
    stored = SecretBox.from_setting(old_key).encrypt(TOKEN)

    re_encrypted = SecretBox.from_setting(f"{PASSPHRASE},{old_key}").rotate(stored)

    assert SecretBox.from_setting(PASSPHRASE).decrypt(re_encrypted) == TOKEN


@pytest.mark.parametrize("value", [None, "", "   ", " , "])
def test_a_missing_setting_is_refused(value: str | None) -> None:
    with pytest.raises(
        SecretKeyError,
        match="VPMO_SECRET_KEY is not set: it is needed to store Slack tokens encrypted",
    ):
        SecretBox.from_setting(value)


@pytest.mark.parametrize("value", ["short", "x" * 31])
def test_a_short_setting_is_refused(value: str) -> None:
    with pytest.raises(SecretKeyError, match="VPMO_SECRET_KEY is too short") as raised:
        SecretBox.from_setting(value)

    assert "it is needed to store Slack tokens encrypted" in str(raised.value)


@pytest.mark.parametrize(
    ("value", "which"),
    [
        (f"{PASSPHRASE},tooshort", "key 2 of 2"),
        ("Kaffe, kage og en lang sætning om projektkontoret", "key 1 of 2"),
        (f"{PASSPHRASE}, {PASSPHRASE[::-1]}, x", "key 3 of 3"),
    ],
)
def test_a_comma_that_splits_off_a_short_key_is_explained(value: str, which: str) -> None:
    with pytest.raises(SecretKeyError) as raised:
        SecretBox.from_setting(value)

    message = str(raised.value)
    assert message.startswith(f"VPMO_SECRET_KEY {which} is too short: a comma separates several keys")
    assert "a passphrase must not contain one" in message
    assert "\n" not in message
    assert PASSPHRASE not in message
    assert "Kaffe" not in message


def test_repr_hides_the_keys() -> None:
    key = Fernet.generate_key().decode()

    text = repr(SecretBox.from_setting(f"{key},{PASSPHRASE}"))

    assert key not in text
    assert PASSPHRASE not in text
    assert text == "SecretBox(keys=2)"


def test_ciphertext_does_not_contain_the_plaintext() -> None:
    stored = SecretBox.from_setting(PASSPHRASE).encrypt(TOKEN)

    assert TOKEN not in stored


def test_encrypting_twice_gives_different_ciphertexts() -> None:
    box = SecretBox.from_setting(PASSPHRASE)

    assert box.encrypt(TOKEN) != box.encrypt(TOKEN)
