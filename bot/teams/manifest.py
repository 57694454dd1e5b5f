"""The Microsoft Teams app package: the manifest from its template, zipped with the two icons.

The template and the icons are in ``manifests/teams/`` in the source tree (``manifest.template.json``,
``color.png``, ``outline.png``; ``make_icons.py`` redraws the icons). :func:`build_teams_manifest` fills the
template's placeholders — the bot's Microsoft App ID (used as the Teams app id and as the bot id), the app
version and the developer's URLs — and :func:`build_package` writes the zip that is uploaded to Teams
(``manifest.json``, ``color.png`` and ``outline.png`` at the root of the zip).

The developer URLs are required by Teams. Without ``website``/``privacy``/``terms`` they point at
``https://vpmo.invalid/…``, which is fine for sideloading in a test tenant; an organisation that publishes
the app in its Teams app catalogue should pass its own pages.

:data:`COMMANDS` is the command menu the manifest declares. It is kept literal here, not read from the
template, so the tests can compare the two and check every word against the bot's command grammar.
"""

from __future__ import annotations

import json
import os
import re
import struct
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

from bot.adapters.templating import map_strings

# --- what the manifest declares -------------------------------------------------------------------------

# The command menu, in order: the English command words the bot's grammar understands (handlers.sparring.commands).
COMMANDS: Final = (
    "sparring",
    "status",
    "help",
    "cancel",
    "queue",
    "done",
    "feedback",
    "language",
    "kpi",
    "waiting",
)
# The ids of the message actions (composeExtension/submitAction's commandId): "Ask for sparring about
# this" and "Submit as challenge". Each has one optional field, MESSAGE_ACTION_NOTE, for the person's own
# words, which come before the message's text.
MESSAGE_ACTION_ID: Final = "askSparring"
CHALLENGE_ACTION_ID: Final = "submitChallenge"
MESSAGE_ACTIONS: Final = (MESSAGE_ACTION_ID, CHALLENGE_ACTION_ID)
MESSAGE_ACTION_NOTE: Final = "text"

DEFAULT_VERSION: Final = "1.0.0"
DEFAULT_WEBSITE: Final = "https://vpmo.invalid/"
DEFAULT_PRIVACY: Final = "https://vpmo.invalid/privacy"
DEFAULT_TERMS: Final = "https://vpmo.invalid/terms"

# --- the template -----------------------------------------------------------------------------------------

# bot/teams/manifest.py -> repository root -> manifests/teams. manifests/ is not a Python package and is
# not installed with the wheel, so this only works from a source checkout (or an image that copies it).
TEMPLATE_DIR: Final = Path(__file__).resolve().parents[2] / "manifests" / "teams"
TEMPLATE_NAME: Final = "manifest.template.json"
# The files at the root of the package, and the size Teams requires of each icon.
ICON_SIZES: Final[Mapping[str, int]] = {"color.png": 192, "outline.png": 32}
PACKAGE_FILES: Final = ("manifest.json", *ICON_SIZES)

APP_ID_PLACEHOLDER: Final = "${APP_ID}"
VERSION_PLACEHOLDER: Final = "${VERSION}"
WEBSITE_PLACEHOLDER: Final = "${WEBSITE_URL}"
PRIVACY_PLACEHOLDER: Final = "${PRIVACY_URL}"
TERMS_PLACEHOLDER: Final = "${TERMS_URL}"

_PLACEHOLDER = re.compile(r"\$\{[A-Z_]+\}")
_GUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
_SEMVER = re.compile(r"(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)")
_HOST_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)  # fixed, so the same input gives the same package bytes


class ManifestTemplateError(RuntimeError):
    """The manifest template or an icon is missing or broken: a deployment or development mistake."""


def template_dir() -> Path:
    """The folder with the template and the icons; a clear error when this is not a source checkout."""
    directory = TEMPLATE_DIR
    if not (directory / TEMPLATE_NAME).is_file():
        raise ManifestTemplateError(
            f"The Teams manifest template is missing: expected {directory / TEMPLATE_NAME}. It is not part "
            "of the installed package; run this from a checkout of the repository, which has manifests/teams/."
        )
    return directory


def load_template() -> dict[str, Any]:
    """Read the manifest template, placeholders left in."""
    path = template_dir() / TEMPLATE_NAME
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ManifestTemplateError(
            f"The Teams manifest template {path} is not valid JSON: {error}"
        ) from None
    if not isinstance(document, dict):
        raise ManifestTemplateError(f"The Teams manifest template {path} must be a JSON object.")
    return document


def build_teams_manifest(
    app_id: str,
    *,
    version: str = DEFAULT_VERSION,
    website: str | None = None,
    privacy: str | None = None,
    terms: str | None = None,
    bot_domain: str | None = None,
) -> dict[str, Any]:
    """The Teams app manifest (v1.29) for the bot registered as ``app_id``.

    ``app_id`` is the bot's Microsoft App ID (a GUID); it becomes both the Teams app id and the bot id.
    ``version`` is the app's version (three numbers, like 1.0.0): Teams only takes an updated package with
    a higher version. ``website``, ``privacy`` and ``terms`` are https:// URLs of the developer's pages
    (defaults on ``https://vpmo.invalid``), and ``bot_domain`` the host name the bot is served at, listed in
    ``validDomains`` when given.

    Raises ``ValueError`` with a readable sentence for a wrong argument, and :class:`ManifestTemplateError`
    when the template is missing or broken.
    """
    values = {
        APP_ID_PLACEHOLDER: _check_app_id(app_id),
        VERSION_PLACEHOLDER: _check_version(version),
        WEBSITE_PLACEHOLDER: _check_url(DEFAULT_WEBSITE if website is None else website, "website URL"),
        PRIVACY_PLACEHOLDER: _check_url(DEFAULT_PRIVACY if privacy is None else privacy, "privacy URL"),
        TERMS_PLACEHOLDER: _check_url(DEFAULT_TERMS if terms is None else terms, "terms of use URL"),
    }
    domains = [] if bot_domain is None else [_check_domain(bot_domain)]

    template = load_template()
    unknown = _unknown_placeholders(template, frozenset(values))
    if unknown:
        raise ManifestTemplateError(
            f"The Teams manifest template has placeholders nobody fills: {', '.join(unknown)}."
        )
    # One pass over each string, so a value that happens to contain "${...}" is never filled again.
    manifest: dict[str, Any] = map_strings(
        template, lambda text: _PLACEHOLDER.sub(lambda found: values[found.group(0)], text)
    )
    manifest["validDomains"] = domains
    return manifest


def build_package(
    app_id: str,
    out: Path | None = None,
    *,
    version: str = DEFAULT_VERSION,
    website: str | None = None,
    privacy: str | None = None,
    terms: str | None = None,
    bot_domain: str | None = None,
) -> Path:
    """Write the Teams app package (a zip) and return its path.

    The zip holds ``manifest.json`` (see :func:`build_teams_manifest`, which takes the same arguments),
    ``color.png`` and ``outline.png`` at its root. ``out`` defaults to ``dist/vpmo-teams-<version>.zip``
    under the current directory; missing folders are created, and an existing file is replaced only once
    the new package is complete. The same arguments always give the same bytes.
    """
    manifest = build_teams_manifest(
        app_id, version=version, website=website, privacy=privacy, terms=terms, bot_domain=bot_domain
    )
    icons = {name: _read_icon(template_dir() / name, size) for name, size in ICON_SIZES.items()}
    target = Path("dist") / f"vpmo-teams-{version}.zip" if out is None else out
    if target.is_dir():
        raise ValueError(
            f"{target} is a folder: give the package's file name, like {target / f'vpmo-teams-{version}.zip'}."
        )
    contents = {"manifest.json": (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8")}
    contents.update(icons)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as stream, zipfile.ZipFile(stream, "w") as archive:
            for name in PACKAGE_FILES:
                entry = zipfile.ZipInfo(name, date_time=_ZIP_TIMESTAMP)
                entry.compress_type = zipfile.ZIP_DEFLATED
                entry.external_attr = 0o644 << 16
                archive.writestr(entry, contents[name])
        os.chmod(temporary, 0o644)  # mkstemp makes the file private; the package is not a secret
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


# --- helpers ----------------------------------------------------------------------------------------------


def _check_app_id(app_id: str) -> str:
    if not app_id.strip():
        raise ValueError(
            "The Teams app id is empty: give the bot's Microsoft App ID, a GUID like "
            "1b4e28ba-2fa1-11d2-883f-0016d3cca427 (Azure portal → your Azure Bot → Configuration)."
        )
    if _GUID.fullmatch(app_id) is None:
        hint = " (remove the spaces around it)" if _GUID.fullmatch(app_id.strip()) else ""
        raise ValueError(
            f"The Teams app id {app_id!r} is not a GUID{hint}: give the bot's Microsoft App ID, which looks "
            "like 1b4e28ba-2fa1-11d2-883f-0016d3cca427 (Azure portal → your Azure Bot → Configuration)."
        )
    return app_id


def _check_version(version: str) -> str:
    if _SEMVER.fullmatch(version) is None:
        raise ValueError(
            f"The app version {version!r} must be three numbers without leading zeros, like 1.0.0; "
            "raise it every time you upload a changed package to Teams."
        )
    return version


def _check_url(url: str, what: str) -> str:
    shown = repr(url)
    if url != url.strip() or any(character.isspace() for character in url):
        raise ValueError(f"The {what} {shown} contains spaces or line breaks; remove them.")
    if not url.lower().startswith("https://"):
        raise ValueError(f"The {what} must start with https://, not {shown}.")
    if len(url) > 2048:
        raise ValueError(f"The {what} is longer than the 2048 characters Teams allows.")
    try:
        host = urlsplit(url).hostname
    except ValueError:
        host = None
    if not host:
        raise ValueError(f"The {what} {shown} has no valid host name; give one like https://pmo.example.dk/.")
    return url


def _check_domain(domain: str) -> str:
    shown = repr(domain)
    if "://" in domain or "/" in domain:
        raise ValueError(
            f"The bot domain {shown} must be only the host name, like pmo.example.dk, without https:// or a path."
        )
    host = domain.strip().lower()
    if not host or host != domain.lower() or len(host) > 253:
        raise ValueError(f"The bot domain {shown} is not a host name like pmo.example.dk.")
    if not all(_HOST_LABEL.fullmatch(label) for label in host.split(".")):
        raise ValueError(f"The bot domain {shown} is not a host name like pmo.example.dk.")
    return host


def _read_icon(path: Path, size: int) -> bytes:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ManifestTemplateError(
            f"The Teams icon {path} is missing; draw it with python manifests/teams/make_icons.py."
        ) from None
    if not data.startswith(_PNG_SIGNATURE) or data[12:16] != b"IHDR":
        raise ManifestTemplateError(f"The Teams icon {path} is not a PNG image.")
    width, height = struct.unpack(">II", data[16:24])
    if (width, height) != (size, size):
        raise ManifestTemplateError(
            f"The Teams icon {path} is {width}×{height} pixels; Teams needs {size}×{size}. "
            "Redraw it with python manifests/teams/make_icons.py."
        )
    return data


def _unknown_placeholders(node: Any, known: frozenset[str], path: str = "") -> list[str]:
    """Where the template has a placeholder that is not in ``known``, as ``path: ${NAME}`` lines."""
    if isinstance(node, str):
        return [
            f"{path or '(top level)'}: {name}" for name in _PLACEHOLDER.findall(node) if name not in known
        ]
    if isinstance(node, Mapping):
        return [
            found
            for key, value in node.items()
            for found in _unknown_placeholders(value, known, f"{path}.{key}" if path else str(key))
        ]
    if isinstance(node, list):
        return [
            found
            for index, item in enumerate(node)
            for found in _unknown_placeholders(item, known, f"{path}[{index}]")
        ]
    return []
