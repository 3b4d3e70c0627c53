"""MMS media through `media` (issue #7; docs/architecture.md sections 3 and 4), with the real
executables, RabbitMQ and PostgreSQL.

Most tests play ingest's part and publish the command to `switchboard.commands` (routing
key `media.fetch`) themselves, for a message ingest really accepted
(an inbound SMS whose `message.received` gives the `message_id`), after assigning the
interaction the way `transfer` would (the `interaction.assign` command), so that media
learns the message's interaction (the `media.message.placed` command, which session sends
for an MMS) and its owner (`interaction.assigned`).

The media URLs point at a local HTTP server on 127.0.0.1, which the services' environment
allow-lists (`SWITCHBOARD_MEDIA_ALLOWED_HOSTS=127.0.0.1`); everything else private stays
refused, which the redirect test relies on.
"""

from __future__ import annotations

import base64
import hashlib
import shutil
import struct
import subprocess
import tempfile
import threading
import time
import uuid
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

import e2e_support as sb

MEDIA = sb.base_url("media")
SESSION = sb.base_url("session")


# --- Test images, made here (no PIL needed) ----------------------------------------------


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png(width: int, height: int, rows: int | None = None, color=(200, 30, 30)) -> bytes:
    """An 8-bit RGB PNG; with ROWS, only that many rows of pixel data (enough for a header)."""
    raw = b"".join(b"\x00" + bytes(color) * width for _ in range(height if rows is None else rows))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(raw, 9)) + _chunk(b"IEND", b"")


def bomb() -> bytes:
    """A 30000x30000 PNG (900 megapixels, 2.7 GB decoded) of a few hundred bytes: the
    header says it all, and a few rows of zeros follow."""
    width = height = 30000
    raw = b"\x00" * ((width * 3 + 1) * 4)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(raw, 9)) + _chunk(b"IEND", b"")


def gif(width: int, height: int) -> bytes:
    """A two-colour GIF89a; its LZW stream sends a clear code before every pixel, so the
    code size stays 3 bits and no table needs building."""
    header = b"GIF89a" + struct.pack("<HHBBB", width, height, 0x80, 0, 0) + b"\x00\x00\x00\xff\xff\xff"
    descriptor = b"\x2c" + struct.pack("<HHHHB", 0, 0, width, height, 0)
    bits = count = 0
    out = bytearray()

    def emit(code: int) -> None:
        nonlocal bits, count
        bits |= code << count
        count += 3
        while count >= 8:
            out.append(bits & 0xFF)
            bits >>= 8
            count -= 8

    for _ in range(width * height):
        emit(4)
        emit(0)
    emit(5)
    if count:
        out.append(bits & 0xFF)
    data = bytearray([2])
    for start in range(0, len(out), 255):
        block = out[start:start + 255]
        data.append(len(block))
        data += block
    data.append(0)
    return header + descriptor + bytes(data) + b"\x3b"


def jpeg(width: int, height: int) -> bytes:
    """A JPEG from libvips' CLI (libvips-tools) or ImageMagick, whichever is installed."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "x.jpg"
        if shutil.which("vips"):
            subprocess.run(["vips", "black", str(path), str(width), str(height), "--bands", "3"], check=True, capture_output=True)
        elif shutil.which("convert"):
            subprocess.run(["convert", "-size", f"{width}x{height}", "xc:steelblue", str(path)], check=True, capture_output=True)
        else:
            pytest.fail("making a JPEG needs the vips CLI (apt install libvips-tools) or ImageMagick's convert", pytrace=False)
        return path.read_bytes()


def jpeg_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a JPEG's SOF marker."""
    index = 2
    while index < len(data):
        assert data[index] == 0xFF, "not a JPEG marker"
        marker = data[index + 1]
        length = struct.unpack(">H", data[index + 2:index + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2):
            height, width = struct.unpack(">HH", data[index + 5:index + 9])
            return width, height
        index += 2 + length
    raise AssertionError("no SOF marker")


# --- A local media server ------------------------------------------------------------------


class MediaServer:
    """An HTTP server on 127.0.0.1 in a thread: path -> (status, headers, body)."""

    def __init__(self, port: int = 0):
        self.routes: dict[str, tuple[int, dict[str, str], bytes]] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        routes, seen = self.routes, self.requests

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                seen.append((self.path, dict(self.headers)))
                status, headers, body = routes.get(self.path, (404, {"Content-Type": "text/plain"}, b"not found"))
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def serve(self, path: str, body: bytes, content_type: str = "application/octet-stream", status: int = 200,
              headers: dict[str, str] | None = None) -> str:
        self.routes[path] = (status, {"Content-Type": content_type, **(headers or {})}, body)
        return self.base + path

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def images():
    return {"png": png(320, 200), "jpeg": jpeg(640, 480), "gif": gif(40, 30), "bomb": bomb()}


@pytest.fixture(scope="module")
def server(images):
    media_server = MediaServer()
    media_server.serve("/a.png", images["png"], "image/png")
    media_server.serve("/b.jpg", images["jpeg"], "image/jpeg")
    media_server.serve("/bomb.png", images["bomb"], "image/png")
    # A redirect to a private address that is not allow-listed (only 127.0.0.1 is).
    media_server.serve("/to-private", b"", status=302, headers={"Location": "http://10.0.0.1/secret.png"})
    media_server.serve("/to-metadata", b"", status=302, headers={"Location": "http://169.254.169.254/latest/meta-data/"})
    media_server.serve("/page.html", b"<html><script>alert(1)</script></html>", "image/png")
    yield media_server
    media_server.close()


# --- Helpers -----------------------------------------------------------------------------


def client(system, sub: str, roles: list[str], perms: list[str] | None = None, name: str | None = None) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {system.token(sub, roles, name=name or sub, perms=perms or [])}"
    return session


@pytest.fixture
def kate(system):
    return client(system, "kate", ["agent"], name="Kate Lewis")


@pytest.fixture
def kate_saver(system):
    return client(system, "kate", ["agent"], perms=["media.save"], name="Kate Lewis")


@pytest.fixture
def sam(system):
    return client(system, "sam", ["agent"], perms=["media.save"], name="Sam Other")


def conversation(observer, desk) -> tuple[str, str]:
    """An inbound SMS accepted by ingest, its interaction assigned to kate:
    (ingest's message_id, interaction_id)."""
    _, customer = sb.customer_number()
    org = sb.org_number()
    observer.publish({"id": sb.carrier_id(), "from": customer, "to": org, "text": "Here are the photos"})
    received = observer.wait_event(
        lambda d: d.routing_key == "message.received" and sb.event_data(d).get("from") == customer,
        timeout=15, what="message.received of the inbound SMS",
    )
    message_id = sb.event_data(received)["message_id"]
    interaction_id = sb.wait_for_interaction(desk, timeout=15, **{"from": customer, "to": org})["id"]
    observer.publish(
        {"interaction_id": interaction_id, "agent_id": "kate", "agent_name": "Kate Lewis", "expected_owner_id": None,
         "reason": "routed"},
        exchange="switchboard.commands", routing_key="session.interaction.assign",
    )
    observer.wait_event(
        lambda d: d.routing_key == "interaction.assigned" and sb.event_data(d).get("interaction_id") == interaction_id,
        timeout=10, what="interaction.assigned",
    )
    # These tests send media.fetch themselves (as ingest does for an MMS), so they also play
    # session's part for an MMS: the `media.message.placed` command that tells media which
    # interaction the message belongs to (session sends it only for messages with media).
    observer.publish(
        {"message_id": message_id, "interaction_id": interaction_id},
        exchange="switchboard.commands", routing_key="media.message.placed", message_id=f"{message_id}.placed",
    )
    return message_id, interaction_id


def fetch(observer, message_id: str, index: int, url: str | None = None, data: bytes | None = None,
          filename: str | None = None, hint: str | None = None, credentials_ref: str | None = None) -> None:
    command = {
        "message_id": message_id, "interaction_id": None, "index": index, "channel": "e2e",
        "url": url, "data": base64.b64encode(data).decode() if data is not None else None,
        "content_type_hint": hint, "filename": filename, "credentials_ref": credentials_ref,
    }
    observer.publish(command, exchange="switchboard.commands", routing_key="media.fetch")


def stored(observer, message_id: str, count: int, timeout: float = 20) -> list[dict]:
    def probe():
        found = [sb.event_data(d) for d in observer.events_of("media.stored", lambda d: sb.event_data(d).get("message_id") == message_id)]
        return found if len(found) >= count else None

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        observer.pump(0.05)
    raise AssertionError(f"{count} media.stored for {message_id} not within {timeout}s; saw "
                         f"{[sb.event_data(d) for d in observer.events_of('media.stored')][-5:]} and failures "
                         f"{[sb.event_data(d) for d in observer.events_of('media.failed')][-5:]}")


def failed(observer, message_id: str, index: int, timeout: float = 20) -> tuple[dict, float]:
    """The media.failed event of item INDEX and when it was seen (monotonic)."""
    delivery = observer.wait_event(
        lambda d: d.routing_key == "media.failed" and sb.event_data(d).get("message_id") == message_id
        and sb.event_data(d).get("index") == index,
        timeout=timeout, what=f"media.failed for item {index}",
    )
    return sb.event_data(delivery), delivery.at


def metadata(session: requests.Session, media_id: str) -> requests.Response:
    return session.get(f"{MEDIA}/v1/media/{media_id}", timeout=5)


def peak_rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM in /proc status")


# --- Tests -------------------------------------------------------------------------------


def test_images_are_stored_with_thumbnails_and_shown_to_their_owner(system, observer, desk, kate, kate_saver, sam, server, images):
    message_id, interaction_id = conversation(observer, desk)
    fetch(observer, message_id, 0, url=server.base + "/a.png", filename="holiday photo.exe", hint="application/x-msdownload")
    fetch(observer, message_id, 1, url=server.base + "/b.jpg", hint="image/png")
    events = stored(observer, message_id, 2)
    by_type = {event["content_type"]: event for event in events}
    assert set(by_type) == {"image/png", "image/jpeg"}, events
    png_event, jpeg_event = by_type["image/png"], by_type["image/jpeg"]
    assert (png_event["bytes"], png_event["width"], png_event["height"]) == (len(images["png"]), 320, 200)
    assert (jpeg_event["bytes"], jpeg_event["width"], jpeg_event["height"]) == (len(images["jpeg"]), 640, 480)
    ids = {png_event["media_id"], jpeg_event["media_id"]}

    # Session attaches both to the message's transcript entry; the owner sees them there.
    def attached():
        interaction = sb.get_interaction(kate, interaction_id)
        entry = next((e for e in interaction["transcript"] if e.get("direction") == "inbound"), None)
        return entry if entry and set(entry["media"]) == ids else None

    entry = sb.wait_until(attached, timeout=10, what="the media ids on the transcript entry")
    assert len(entry["media"]) == 2
    # ... and says so (`interaction.message.updated` with the entry as it now is), so a
    # desktop shows the thumbnails without reloading.
    updated = observer.wait_event(
        lambda d: d.routing_key == "interaction.message.updated" and sb.event_data(d).get("interaction_id") == interaction_id
        and set(sb.event_data(d)["entry"]["media"]) == ids, timeout=10, what="interaction.message.updated with both images")
    assert sb.event_data(updated)["entry"]["seq"] == entry["seq"]

    # Metadata, for the owner.
    png_id, jpeg_id = png_event["media_id"], jpeg_event["media_id"]
    body = sb.wait_until(lambda: (lambda r: r.json() if r.status_code == 200 else None)(metadata(kate, png_id)),
                         timeout=10, what="metadata visible to the owner")
    assert body == {
        "id": png_id, "interaction_id": interaction_id, "content_type": "image/png", "bytes": len(images["png"]),
        "width": 320, "height": 200, "sha256": hashlib.sha256(images["png"]).hexdigest(), "has_thumbnail": True,
    }
    listed = kate.get(f"{MEDIA}/v1/media", params={"interaction_id": interaction_id}, timeout=5)
    assert listed.status_code == 200 and {item["id"] for item in listed.json()["items"]} == ids
    assert listed.json()["next"] is None
    assert desk.get(f"{MEDIA}/v1/media/{jpeg_id}", timeout=5).status_code == 200, "a supervisor sees everything"

    # Thumbnails: JPEG, fitting 160x160, aspect ratio kept.
    for media_id, expected in ((png_id, (160, 100)), (jpeg_id, (160, 120))):
        thumbnail = kate.get(f"{MEDIA}/v1/media/{media_id}/thumbnail", timeout=5)
        assert thumbnail.status_code == 200, thumbnail.text
        assert thumbnail.headers["Content-Type"] == "image/jpeg"
        assert thumbnail.content[:3] == b"\xff\xd8\xff"
        assert jpeg_size(thumbnail.content) == expected
        assert "private" in thumbnail.headers["Cache-Control"]

    # Another agent: nothing exists.
    assert metadata(sam, png_id).status_code == 404
    assert sam.get(f"{MEDIA}/v1/media/{png_id}/thumbnail", timeout=5).status_code == 404
    assert sam.get(f"{MEDIA}/v1/media/{png_id}/content", timeout=5).status_code == 404
    assert sam.get(f"{MEDIA}/v1/media/{png_id}/content", params={"download": "1"}, timeout=5).status_code == 404
    assert sam.get(f"{MEDIA}/v1/media", params={"interaction_id": interaction_id}, timeout=5).status_code == 404
    assert metadata(requests.Session(), png_id).status_code == 401

    # Content inline for the owner; download needs media.save.
    inline = kate.get(f"{MEDIA}/v1/media/{png_id}/content", timeout=5)
    assert inline.status_code == 200 and inline.content == images["png"]
    assert inline.headers["Content-Type"] == "image/png"
    assert inline.headers["X-Content-Type-Options"] == "nosniff"
    refused = kate.get(f"{MEDIA}/v1/media/{png_id}/content", params={"download": "1"}, timeout=5)
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    saved = kate_saver.get(f"{MEDIA}/v1/media/{png_id}/content", params={"download": "1"}, timeout=5)
    assert saved.status_code == 200 and saved.content == images["png"]
    assert saved.headers["Content-Disposition"] == 'attachment; filename="holiday_photo.png"'

    # Ranges and validators.
    length = len(images["jpeg"])
    url = f"{MEDIA}/v1/media/{jpeg_id}/content"
    first = kate.get(url, headers={"Range": "bytes=0-9"}, timeout=5)
    assert first.status_code == 206 and first.content == images["jpeg"][:10]
    assert first.headers["Content-Range"] == f"bytes 0-9/{length}"
    tail = kate.get(url, headers={"Range": "bytes=-5"}, timeout=5)
    assert tail.status_code == 206 and tail.content == images["jpeg"][-5:]
    rest = kate.get(url, headers={"Range": f"bytes={length - 3}-"}, timeout=5)
    assert rest.status_code == 206 and rest.content == images["jpeg"][-3:]
    beyond = kate.get(url, headers={"Range": f"bytes={length}-"}, timeout=5)
    assert beyond.status_code == 416 and beyond.headers["Content-Range"] == f"bytes */{length}"
    whole = kate.get(url, timeout=5)
    etag = whole.headers["ETag"]
    assert etag == f'"{hashlib.sha256(images["jpeg"]).hexdigest()}"'
    again = kate.get(url, headers={"If-None-Match": etag}, timeout=5)
    assert again.status_code == 304 and again.content == b""
    assert kate.get(url, headers={"If-None-Match": '"other"'}, timeout=5).status_code == 200


def test_a_decompression_bomb_is_refused_quickly_and_cheaply(system, observer, desk, server):
    message_id, _ = conversation(observer, desk)
    published = time.monotonic()
    fetch(observer, message_id, 0, url=server.base + "/bomb.png")
    event, seen = failed(observer, message_id, 0)
    assert "pixels" in event["reason"], event
    assert seen - published < 5, f"refused after {seen - published:.1f}s"
    assert not observer.events_of("media.stored", lambda d: sb.event_data(d).get("message_id") == message_id)
    if system.services is not None:
        peak = peak_rss_kib(system.services.pids()["media"])
        assert peak < 300 * 1024, f"media's peak RSS is {peak // 1024} MiB"


def test_private_addresses_redirects_to_them_and_other_schemes_are_refused(system, observer, desk, server):
    message_id, _ = conversation(observer, desk)
    fetch(observer, message_id, 0, url=server.base + "/to-private")
    fetch(observer, message_id, 1, url=server.base + "/to-metadata")
    fetch(observer, message_id, 2, url="http://0x7f.0.0.2/x.png")
    fetch(observer, message_id, 3, url="http://[::ffff:192.168.0.1]/x.png")
    fetch(observer, message_id, 4, url="ftp://127.0.0.1/x.png")
    fetch(observer, message_id, 5, url=server.base + "/page.html")
    reasons = {index: failed(observer, message_id, index)[0]["reason"] for index in range(6)}
    assert "10.0.0.1" in reasons[0] and "not public" in reasons[0], reasons
    assert "169.254.169.254" in reasons[1], reasons
    assert "127.0.0.2" in reasons[2], reasons
    assert "192.168.0.1" in reasons[3], reasons
    assert "scheme" in reasons[4], reasons
    assert "unsupported" in reasons[5], reasons
    # The redirects were never followed to the private hosts (they would have timed out).
    assert [path for path, _ in server.requests].count("/to-private") == 1


def test_a_channels_credentials_go_only_to_its_origins(system, observer, desk, server, images):
    # A media.fetch's URL is whatever the inbound message said, so it must not choose where
    # the carrier's credentials go: only a URL on the channel's configured origin gets them.
    carrier = MediaServer(port=sb.CREDENTIALED_MEDIA_PORT)
    try:
        on_origin = carrier.serve("/carrier.png", images["png"], "image/png")
        elsewhere = server.serve("/elsewhere.gif", images["gif"], "image/gif")
        message_id, _ = conversation(observer, desk)
        channel = sb.MEDIA_CREDENTIALS["channel"]
        fetch(observer, message_id, 0, url=on_origin, credentials_ref=channel)
        fetch(observer, message_id, 1, url=elsewhere, credentials_ref=channel)
        stored(observer, message_id, 2)

        def authorization(requests_seen, path):
            headers = [h for p, h in requests_seen if p == path]
            assert headers, f"{path} was not requested"
            return {k.lower(): v for k, v in headers[0].items()}.get("authorization")

        expected = base64.b64encode(f"{sb.MEDIA_CREDENTIALS['user']}:{sb.MEDIA_CREDENTIALS['password']}".encode()).decode()
        assert authorization(carrier.requests, "/carrier.png") == f"Basic {expected}"
        assert authorization(server.requests, "/elsewhere.gif") is None, "credentials sent to another origin"
    finally:
        carrier.close()


def test_inline_data_and_media_without_thumbnails(system, observer, desk, kate, server, images):
    message_id, interaction_id = conversation(observer, desk)
    vcard = b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann Example\r\nEND:VCARD\r\n"
    fetch(observer, message_id, 0, data=images["gif"], hint="image/png")
    fetch(observer, message_id, 1, data=vcard, hint="image/jpeg", filename="../../contact.html")
    events = stored(observer, message_id, 2)
    by_type = {event["content_type"]: event for event in events}
    assert set(by_type) == {"image/gif", "text/vcard"}, events
    assert (by_type["image/gif"]["width"], by_type["image/gif"]["height"]) == (40, 30)
    assert by_type["text/vcard"].get("width") is None and by_type["text/vcard"]["bytes"] == len(vcard)  # unset fields are left out of events

    card_id = by_type["text/vcard"]["media_id"]
    body = sb.wait_until(lambda: (lambda r: r.json() if r.status_code == 200 else None)(metadata(kate, card_id)),
                         timeout=10, what="vCard metadata visible to the owner")
    assert body["has_thumbnail"] is False and body["interaction_id"] == interaction_id
    missing = kate.get(f"{MEDIA}/v1/media/{card_id}/thumbnail", timeout=5)
    assert missing.status_code == 404 and missing.json()["code"] == "no_thumbnail"
    content = kate.get(f"{MEDIA}/v1/media/{card_id}/content", timeout=5)
    assert content.status_code == 200 and content.content == vcard and content.headers["Content-Type"] == "text/vcard"
    gif_thumbnail = kate.get(f"{MEDIA}/v1/media/{by_type['image/gif']['media_id']}/thumbnail", timeout=5)
    assert gif_thumbnail.status_code == 200 and jpeg_size(gif_thumbnail.content) == (40, 30), "never enlarged"

    # The same bytes again (another item) are stored once: same sha256.
    fetch(observer, message_id, 2, data=images["gif"])
    again = [e for e in stored(observer, message_id, 3) if e["media_id"] not in {e2["media_id"] for e2 in events}]
    assert len(again) == 1
    first = metadata(kate, by_type["image/gif"]["media_id"]).json()
    second = sb.wait_until(lambda: (lambda r: r.json() if r.status_code == 200 else None)(metadata(kate, again[0]["media_id"])),
                           timeout=10, what="second copy visible")
    assert first["sha256"] == second["sha256"] and first["id"] != second["id"]


def test_an_mms_through_ingest_shows_its_images_on_the_transcript(system, observer, desk, kate, server, images):
    """The whole path: an MMS with two image URLs → ingest → `media.fetch` commands →
    media fetches, stores and thumbnails them → `media.stored` → session puts the media ids
    on the transcript entry, and the owner sees thumbnails."""
    _, customer = sb.customer_number()
    org = sb.org_number()
    observer.publish({
        "id": sb.carrier_id("MM"), "from": customer, "to": org, "text": "Photos of the damage",
        "media": [{"url": server.base + "/a.png", "content_type": "image/png"},
                  {"url": server.base + "/b.jpg", "content_type": "image/jpeg"}],
    })
    received = observer.wait_event(
        lambda d: d.routing_key == "message.received" and sb.event_data(d).get("from") == customer, timeout=15,
        what="message.received of the MMS",
    )
    message_id = sb.event_data(received)["message_id"]
    events = stored(observer, message_id, 2)
    assert sorted(e["content_type"] for e in events) == ["image/jpeg", "image/png"]
    interaction_id = sb.wait_for_interaction(desk, timeout=15, **{"from": customer, "to": org})["id"]
    assert sb.get_interaction(desk, interaction_id)["origin"] == "Inbound MMS Session Mode"
    observer.publish(
        {"interaction_id": interaction_id, "agent_id": "kate", "agent_name": "Kate Lewis", "expected_owner_id": None,
         "reason": "routed"},
        exchange="switchboard.commands", routing_key="session.interaction.assign",
    )

    def media_on_transcript():
        entry = sb.get_interaction(desk, interaction_id)["transcript"][0]
        return entry["media"] if len(entry["media"]) == 2 else None

    media_ids = sb.wait_until(media_on_transcript, timeout=15, what="two media ids on the transcript entry")
    assert set(media_ids) == {e["media_id"] for e in events}
    for media_id in media_ids:
        thumbnail = sb.wait_until(
            lambda: (r := kate.get(f"{sb.base_url('media')}/v1/media/{media_id}/thumbnail", timeout=5)).status_code == 200 and (r,),
            timeout=10, what="the owner sees the thumbnail",
        )[0]
        assert thumbnail.headers["Content-Type"].startswith("image/")


def test_a_malformed_media_message_placed_command_is_dead_lettered_with_its_reason(system, observer):
    """`media.message.placed` without an interaction, and one whose interaction is not a
    UUID: both reach the dead-letter queue saying why; media keeps going."""
    marker = f"placed-{uuid.uuid4()}"
    observer.publish({"message_id": marker}, exchange="switchboard.commands", routing_key="media.message.placed",
                     message_id=f"{marker}-missing")
    observer.publish({"message_id": marker, "interaction_id": "not-a-uuid"}, exchange="switchboard.commands",
                     routing_key="media.message.placed", message_id=f"{marker}-bad")
    for suffix, expected in (("missing", "not a media.message.placed command: missing field"),
                             ("bad", "interaction_id must be a UUID")):
        dead = observer.wait_dead(lambda d, s=suffix: d.properties.message_id == f"{marker}-{s}", what=f"the {suffix} command")
        error = dead.headers.get("x-switchboard-error")
        error = error.decode() if isinstance(error, bytes) else error
        assert expected in error, error
