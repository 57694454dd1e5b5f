"""The Teams app package: a schema-valid v1.29 manifest, the icons Teams requires, a menu the bot understands.

The JSON Schema comes from ``<repository root>/../shared/schemas`` (in CI ``shared/`` is copied beside the
clone); it is draft-04 and only has local ``$ref``s, and nothing here ever fetches from the network. The PNG
icons are read with a small decoder written with ``zlib`` and ``struct`` (Pillow is not a dependency).
"""

from __future__ import annotations

import json
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.teams import manifest as teams_manifest
from bot.teams.manifest import (
    CHALLENGE_ACTION_ID,
    COMMANDS,
    MESSAGE_ACTION_ID,
    MESSAGE_ACTION_NOTE,
    MESSAGE_ACTIONS,
    ManifestTemplateError,
    build_package,
    build_teams_manifest,
)
from handlers.sparring import commands
from handlers.sparring.commands import (
    Cancel,
    GiveFeedback,
    Help,
    MarkHeld,
    SetLanguage,
    ShowKpis,
    ShowQueue,
    ShowStatus,
    ShowWaiting,
    StartIntake,
)
from tests.platforms.manifest_schema import jsonschema_or_skip, manifest_schema

REPO_ROOT = Path(__file__).resolve().parents[2]
SCHEMA_PATH = REPO_ROOT.parent / "shared" / "schemas" / "teams-manifest-1.29.schema.json"

APP_ID = "3f2a9c1e-7b4d-4e8a-9f61-2c5d8e0b7a14"
PACKAGE_ROOT = ["color.png", "manifest.json", "outline.png"]

# One real use of every command in the menu and what the grammar must make of it. Kept literal, and its keys
# must equal COMMANDS, so a command added to the menu without a way to say it fails here.
EXAMPLES: dict[str, tuple[str, type]] = {
    "sparring": ("sparring", StartIntake),
    "status": ("status", ShowStatus),
    "help": ("help", Help),
    "cancel": ("cancel S-1", Cancel),
    "queue": ("queue", ShowQueue),
    "done": ("done S-1 1.5", MarkHeld),
    "feedback": ("feedback S-1 5", GiveFeedback),
    "language": ("language da", SetLanguage),
    "kpi": ("kpi", ShowKpis),
    "waiting": ("waiting", ShowWaiting),
}


@pytest.fixture(scope="module")
def schema_validator() -> Any:
    jsonschema = jsonschema_or_skip()
    import referencing  # jsonschema's own dependency

    schema = manifest_schema(SCHEMA_PATH, "Teams")
    # check_schema() would also compile every "pattern", and one of Microsoft's (\p{L}, for extensions this app
    # does not use) is not a Python regex: check the structure against the meta-schema without formats.
    meta_errors = list(jsonschema.Draft4Validator(jsonschema.Draft4Validator.META_SCHEMA).iter_errors(schema))
    assert meta_errors == []
    # An empty registry resolves only references inside the schema; a remote $ref would fail, never download.
    return jsonschema.Draft4Validator(schema, registry=referencing.Registry())


@pytest.fixture
def manifest() -> dict[str, Any]:
    return build_teams_manifest(APP_ID)


@pytest.fixture
def package(tmp_path: Path) -> dict[str, bytes]:
    """The files in a freshly built package, by name."""
    path = build_package(APP_ID, tmp_path / "vpmo-teams.zip")
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _schema_errors(validator: Any, document: dict[str, Any]) -> list[str]:
    return [
        f"{'/'.join(str(part) for part in error.absolute_path) or '(top)'}: {error.message}"
        for error in validator.iter_errors(document)
    ]


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from _strings(item)


# --- a PNG decoder (8-bit truecolour, non-interlaced: what Teams icons are) -----------------------------


@dataclass(frozen=True)
class Png:
    width: int
    height: int
    color_type: int
    chunk_types: list[bytes]
    pixels: list[tuple[int, int, int, int]]  # RGBA, row by row; alpha is 255 for an RGB image


def read_png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk, which must come first."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG file"
    assert data[12:16] == b"IHDR", "the first chunk of a PNG must be IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def decode_png(data: bytes) -> Png:
    width, height = read_png_size(data)
    chunks: list[tuple[bytes, bytes]] = []
    position = 8
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        (crc,) = struct.unpack(">I", data[position + 8 + length : position + 12 + length])
        assert zlib.crc32(kind + body) == crc, f"bad CRC in the {kind!r} chunk"
        chunks.append((kind, body))
        position += 12 + length
    assert chunks[-1][0] == b"IEND", "a PNG must end with IEND"
    bit_depth, color_type, compression, filter_method, interlace = struct.unpack(">BBBBB", chunks[0][1][8:13])
    assert (bit_depth, compression, filter_method, interlace) == (8, 0, 0, 0), "unsupported PNG variant"
    assert color_type in (2, 6), f"expected 8-bit RGB or RGBA, got colour type {color_type}"
    channels = 4 if color_type == 6 else 3
    raw = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    stride = width * channels
    assert len(raw) == height * (stride + 1), "the image data does not match the size in IHDR"
    rows: list[bytes] = []
    previous = bytes(stride)
    for index in range(height):
        start = index * (stride + 1)
        row = _unfilter(raw[start], raw[start + 1 : start + 1 + stride], previous, channels)
        rows.append(row)
        previous = row
    pixels = [
        (row[i], row[i + 1], row[i + 2], row[i + 3] if channels == 4 else 255)
        for row in rows
        for i in range(0, stride, channels)
    ]
    return Png(width, height, color_type, [kind for kind, _ in chunks], pixels)


def _unfilter(kind: int, line: bytes, previous: bytes, channels: int) -> bytes:
    assert 0 <= kind <= 4, f"unknown PNG filter type {kind}"
    out = bytearray(len(line))
    for i, value in enumerate(line):
        left = out[i - channels] if i >= channels else 0
        up = previous[i]
        up_left = previous[i - channels] if i >= channels else 0
        if kind == 4:
            estimate = left + up - up_left
            to_left, to_up, to_up_left = abs(estimate - left), abs(estimate - up), abs(estimate - up_left)
            if to_left <= to_up and to_left <= to_up_left:
                predictor = left
            else:
                predictor = up if to_up <= to_up_left else up_left
        else:
            predictor = (0, left, up, (left + up) // 2)[kind]
        out[i] = (value + predictor) & 0xFF
    return bytes(out)


# --- the manifest -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "options",
    [
        pytest.param({}, id="defaults"),
        pytest.param(
            {
                "version": "2.10.3",
                "website": "https://pmo.example.dk/",
                "privacy": "https://pmo.example.dk/privatliv",
                "terms": "https://pmo.example.dk/vilkaar",
                "bot_domain": "pmo.example.dk",
            },
            id="all-options",
        ),
    ],
)
def test_manifest_is_valid_against_the_teams_1_29_schema(
    options: dict[str, str], schema_validator: Any
) -> None:
    manifest = build_teams_manifest(APP_ID, **options)
    assert _schema_errors(schema_validator, manifest) == []
    # Draft-04 ignores the schema's "const", so the version it requires is checked here.
    assert manifest["manifestVersion"] == "1.29"
    assert manifest["$schema"].endswith("/teams/v1.29/MicrosoftTeams.schema.json")


def test_schema_check_catches_a_broken_manifest(manifest: dict[str, Any], schema_validator: Any) -> None:
    manifest["bots"][0]["scopes"].append("everywhere")
    manifest["description"]["short"] = "x" * 81
    errors = _schema_errors(schema_validator, manifest)
    assert any(error.startswith("bots/0/scopes/3") for error in errors)
    assert any(error.startswith("description/short") for error in errors)


def test_app_id_is_the_teams_app_id_and_the_bot_id(manifest: dict[str, Any]) -> None:
    assert manifest["id"] == APP_ID
    assert [bot["botId"] for bot in manifest["bots"]] == [APP_ID]
    assert [extension["botId"] for extension in manifest["composeExtensions"]] == [APP_ID]


@pytest.mark.parametrize(
    "app_id",
    [
        pytest.param("", id="empty"),
        pytest.param("my-teams-bot", id="a-name"),
        pytest.param(APP_ID[:-1], id="one-digit-short"),
        pytest.param(APP_ID.replace("-", ""), id="no-dashes"),
        pytest.param(f"{{{APP_ID}}}", id="braces"),
        pytest.param(f"{APP_ID}\n", id="line-break"),
        pytest.param(APP_ID.replace("3f", "zz"), id="not-hex"),
    ],
)
def test_an_app_id_that_is_not_a_guid_is_refused_with_a_reason(app_id: str) -> None:
    with pytest.raises(ValueError, match="Microsoft App ID") as refused:
        build_teams_manifest(app_id)
    assert "GUID" in str(refused.value)


def test_version_urls_and_bot_domain_are_filled_in() -> None:
    manifest = build_teams_manifest(
        APP_ID,
        version="1.4.0",
        website="https://pmo.example.dk/",
        privacy="https://pmo.example.dk/privatliv",
        terms="https://pmo.example.dk/vilkaar",
        bot_domain="PMO.example.dk",
    )
    assert manifest["version"] == "1.4.0"
    assert manifest["developer"] == {
        "name": "vpmo",
        "websiteUrl": "https://pmo.example.dk/",
        "privacyUrl": "https://pmo.example.dk/privatliv",
        "termsOfUseUrl": "https://pmo.example.dk/vilkaar",
    }
    assert manifest["validDomains"] == ["pmo.example.dk"]


def test_without_options_the_developer_urls_are_https_placeholders_and_no_domain_is_listed(
    manifest: dict[str, Any],
) -> None:
    assert manifest["version"] == "1.0.0"
    urls = [manifest["developer"][key] for key in ("websiteUrl", "privacyUrl", "termsOfUseUrl")]
    assert all(url.startswith("https://vpmo.invalid/") for url in urls)
    assert manifest["validDomains"] == []


def test_no_template_placeholder_is_left_in_the_manifest(manifest: dict[str, Any]) -> None:
    assert [text for text in _strings(manifest) if "${" in text] == []


def test_an_option_containing_a_placeholder_is_not_filled_again() -> None:
    manifest = build_teams_manifest(APP_ID, website="https://pmo.example.dk/${VERSION}")
    assert manifest["developer"]["websiteUrl"] == "https://pmo.example.dk/${VERSION}"


@pytest.mark.parametrize(
    ("options", "reason"),
    [
        pytest.param({"version": "1.0"}, "three numbers", id="version-two-numbers"),
        pytest.param({"version": "1.02.0"}, "leading zeros", id="version-leading-zero"),
        pytest.param({"website": "http://pmo.example.dk/"}, "https://", id="website-plain-http"),
        pytest.param({"privacy": "https://"}, "host name", id="privacy-no-host"),
        pytest.param({"terms": "https://pmo.example.dk/ terms"}, "spaces", id="terms-with-space"),
        pytest.param({"bot_domain": "https://pmo.example.dk"}, "without https://", id="domain-with-scheme"),
        pytest.param({"bot_domain": "pmo_example.dk"}, "host name", id="domain-underscore"),
    ],
)
def test_a_bad_option_is_refused_with_a_reason(options: dict[str, str], reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        build_teams_manifest(APP_ID, **options)


def test_message_actions_turn_a_message_into_a_sparring_request_or_a_challenge(
    manifest: dict[str, Any],
) -> None:
    [extension] = manifest["composeExtensions"]
    sparring, challenge = extension["commands"]
    assert [sparring["id"], challenge["id"]] == list(MESSAGE_ACTIONS)
    assert sparring["id"] == MESSAGE_ACTION_ID == "askSparring"
    assert sparring["title"] == "Ask for sparring about this"
    assert challenge["id"] == CHALLENGE_ACTION_ID == "submitChallenge"
    assert challenge["title"] == "Submit as challenge"
    for command in (sparring, challenge):
        assert (command["type"], command["context"], command["fetchTask"]) == ("action", ["message"], False)
        # One optional field for the person's own words; the bot reads it as MESSAGE_ACTION_NOTE.
        [parameter] = command["parameters"]
        assert parameter["name"] == MESSAGE_ACTION_NOTE
        assert parameter["inputType"] in ("text", "textarea")
        assert not parameter.get("isRequired", False)


def test_message_action_texts_keep_to_the_schemas_lengths(manifest: dict[str, Any]) -> None:
    # The schema says so too; written out here so that a longer Danish or English title fails by name.
    [extension] = manifest["composeExtensions"]
    assert len(extension["commands"]) <= 10
    for command in extension["commands"]:
        assert len(command["id"]) <= 64
        assert len(command["title"]) <= 32
        assert len(command["description"]) <= 128
        for parameter in command["parameters"]:
            assert len(parameter["name"]) <= 64
            assert len(parameter["title"]) <= 32
            assert len(parameter["description"]) <= 128


def test_bot_talks_in_personal_chats_teams_and_group_chats(manifest: dict[str, Any]) -> None:
    [bot] = manifest["bots"]
    assert sorted(bot["scopes"]) == ["groupChat", "personal", "team"]
    assert (bot["supportsFiles"], bot["isNotificationOnly"]) == (False, False)
    assert manifest["permissions"] == ["identity", "messageTeamMembers"]


# --- the command menu -------------------------------------------------------------------------------------


def test_command_menu_lists_every_command_for_personal_chats_and_teams(manifest: dict[str, Any]) -> None:
    command_lists = manifest["bots"][0]["commandLists"]
    assert len(command_lists) <= 3
    assert {scope for entry in command_lists for scope in entry["scopes"]} == {"personal", "team"}
    for entry in command_lists:
        assert len(entry["commands"]) <= 12
        assert [command["title"] for command in entry["commands"]] == list(COMMANDS)
        assert all(command.get("description", "").strip() for command in entry["commands"])


def test_every_menu_command_has_an_example_here() -> None:
    assert list(EXAMPLES) == list(COMMANDS)


@pytest.mark.parametrize("word", COMMANDS)
def test_the_grammar_knows_every_menu_command(word: str) -> None:
    # Picking a command from the menu sends the bare word; the grammar must treat it as that command (or
    # ask for its arguments), never as the start of a request or as free text.
    assert not isinstance(commands.parse_text(word), commands.FreeText | commands.RequestSparring)
    example, expected = EXAMPLES[word]
    assert isinstance(commands.parse_text(example), expected)
    if word != "sparring":  # in a channel people often write "@vpmo sparring status"
        assert isinstance(commands.parse_text(f"sparring {example}"), expected)


# --- the package ------------------------------------------------------------------------------------------


def test_package_holds_exactly_the_manifest_and_the_two_icons_at_its_root(package: dict[str, bytes]) -> None:
    assert sorted(package) == PACKAGE_ROOT
    assert json.loads(package["manifest.json"].decode("utf-8")) == build_teams_manifest(APP_ID)


def test_package_manifest_points_at_the_icons_in_the_package(package: dict[str, bytes]) -> None:
    icons = json.loads(package["manifest.json"])["icons"]
    assert icons == {"color": "color.png", "outline": "outline.png"}
    assert set(icons.values()) <= set(package)


def test_package_goes_to_dist_named_after_the_version_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    path = build_package(APP_ID, version="1.2.3")
    assert path == Path("dist") / "vpmo-teams-1.2.3.zip"
    assert zipfile.is_zipfile(tmp_path / "dist" / "vpmo-teams-1.2.3.zip")
    assert [item.name for item in (tmp_path / "dist").iterdir()] == ["vpmo-teams-1.2.3.zip"]


def test_package_builds_are_byte_for_byte_reproducible(tmp_path: Path) -> None:
    first = build_package(APP_ID, tmp_path / "first.zip").read_bytes()
    second = build_package(APP_ID, tmp_path / "second.zip").read_bytes()
    assert first == second


def test_package_replaces_an_older_file_at_the_same_path(tmp_path: Path) -> None:
    out = tmp_path / "nested" / "vpmo.zip"
    build_package(APP_ID, out, version="1.0.0")
    build_package(APP_ID, out, version="1.0.1")
    with zipfile.ZipFile(out) as archive:
        assert json.loads(archive.read("manifest.json"))["version"] == "1.0.1"
    assert [item.name for item in out.parent.iterdir()] == ["vpmo.zip"]


def test_nothing_is_written_for_a_bad_app_id(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="GUID"):
        build_package("not-a-guid", tmp_path / "out" / "vpmo.zip")
    assert list(tmp_path.iterdir()) == []


def test_package_refuses_a_folder_as_the_output(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="is a folder"):
        build_package(APP_ID, tmp_path)


def test_a_missing_template_folder_gives_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(teams_manifest, "TEMPLATE_DIR", tmp_path / "manifests" / "teams")
    with pytest.raises(ManifestTemplateError, match=r"template is missing.*checkout"):
        build_package(APP_ID, tmp_path / "vpmo.zip")
    assert not (tmp_path / "vpmo.zip").exists()


# --- the icons --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "size"), [("color.png", 192), ("outline.png", 32)])
def test_icons_have_the_size_teams_requires(package: dict[str, bytes], name: str, size: int) -> None:
    assert read_png_size(package[name]) == (size, size)
    image = decode_png(package[name])
    assert len(image.pixels) == size * size


def test_outline_icon_is_only_white_on_fully_transparent(package: dict[str, bytes]) -> None:
    image = decode_png(package["outline.png"])
    white = sum(1 for pixel in image.pixels if pixel == (255, 255, 255, 255))
    transparent = sum(1 for pixel in image.pixels if pixel[3] == 0)
    assert white + transparent == len(image.pixels), "outline.png has pixels that are neither white nor clear"
    assert transparent > 0, "outline.png has no transparent background"
    assert white >= len(image.pixels) // 10, "outline.png has (almost) nothing drawn on it"


def test_color_icon_is_opaque_and_in_colour(package: dict[str, bytes]) -> None:
    image = decode_png(package["color.png"])
    assert b"tRNS" not in image.chunk_types
    assert all(pixel[3] == 255 for pixel in image.pixels), "color.png has transparent pixels"
    colours = {pixel[:3] for pixel in image.pixels}
    assert any(red != green or green != blue for red, green, blue in colours), "color.png is only grey"
    assert len(colours) > 2
