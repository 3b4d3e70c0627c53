"""Test doubles of the four carrier APIs that ingest sends replies through
(docs/architecture.md 10.1): Twilio Messages, the Vonage SMS API, Jasmin's HTTP API and
Kannel's sendsms.

Each fake listens on 127.0.0.1 (a free port) and checks every request the way the real API
does: path, method, credentials, required fields, number formats, encoding. It answers with
the real API's status codes and bodies (errors included), and posts the real API's
delivery receipts to the callback URL it was given, signed the way that carrier signs
them. Where the real API would accept a request but garble it (a non-GSM text sent as
GSM, a URL-encoding slip, a text too long for the gateway), the fake accepts it too, as
the real one would, and records it in `problems`: a test should assert `problems == []`.

    with FakeTwilio("AC" + "1" * 32, "token", auto_receipts=("sent", "delivered")) as twilio:
        ...put twilio.url into the channel's outbound.api_base_url, reply as an agent...
        twilio.wait_for(1)
        assert twilio.texts_for(customer) == ["Sure, at 3 pm."] and twilio.problems == []

Records (thread-safe lists): `received` (accepted submissions: to, from, text as the
phone would show it, encoding, segments, callback, id/ids the carrier answered, fields),
`problems`, `requests` (every request: `at` when it came, `status` and `answered_at` once
answered — a request without them is still in flight) and `receipts` (every receipt posted
with Switchboard's answer). Helpers: `count_for(to)`, `texts_for(to)`,
`wait_for(count, timeout, to=None)`.

Receipts: `send_receipt(submission or carrier id, status, error_code=None)`, with the
contract's status words (queued/sent/delivered/undelivered/failed) or the carrier's own;
`auto_receipts=("sent", "delivered")` posts them `receipt_delay` seconds apart after each
accepted send. A receipt the real carrier would not send (no callback asked for, a DLR
mask or level that excludes it) raises ValueError (and is skipped by `auto_receipts`).

Behaviours for fault tests, consumed one per send request (`respond_next`): `ok`,
`permanent` (the carrier's permanent refusal), `throttle` (its rate-limit answer),
`server_error` (HTTP 500), `slow` (answer after `seconds`); numbers in `fail_numbers` are
always refused permanently.

Sources: each carrier's API reference, Jasmin's jasmin/protocols/http/endpoints/send.py,
managers/dlr.py and routing/throwers.py, Kannel's gw/smsbox.c and gw/urltrans.c (what they
answer and how they call back).

Standard library only.
"""

from __future__ import annotations

import base64
import binascii
import collections
import hashlib
import hmac
import json
import math
import re
import threading
import time
import uuid
from datetime import datetime, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.error import HTTPError
from urllib.parse import parse_qsl, unquote_to_bytes, urlencode, urlsplit
from urllib.request import Request, urlopen

# --- Text: GSM 03.38, UCS-2 and segments --------------------------------------------------

GSM_BASIC = ("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
             "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
GSM_EXTENDED = {0x0A: "\x0c", 0x14: "^", 0x28: "{", 0x29: "}", 0x2F: "\\", 0x3C: "[", 0x3D: "~",
                0x3E: "]", 0x40: "|", 0x65: "€"}
_GSM = set(GSM_BASIC) - {"\x1b"} | set(GSM_EXTENDED.values())


def is_gsm7(text: str) -> bool:
    return all(c in _GSM for c in text)


def gsm_shown(text: str) -> str:
    """What a phone shows of TEXT sent as GSM-7 by a gateway that replaces what it cannot encode."""
    return "".join(c if c in _GSM else "?" for c in text)


def gsm_decode(data: bytes) -> str:
    """Unpacked GSM 03.38 septets (one per byte, 0x1B escapes the extension table)."""
    out, escape = [], False
    for byte in data:
        if escape:
            out.append(GSM_EXTENDED.get(byte, "?"))
            escape = False
        elif byte == 0x1B:
            escape = True
        else:
            out.append(GSM_BASIC[byte] if byte < len(GSM_BASIC) else "?")
    return "".join(out)


def septets(text: str) -> int:
    return sum(2 if c in "\x0c^{}\\[~]|€" else 1 for c in text)


def segments(text: str, encoding: str) -> int:
    """SMS needed: 160 septets (extension characters count 2) or 70 UTF-16 units alone,
    153 or 67 per part once concatenated (section 2, "Outbound SMS")."""
    if encoding == "gsm7":
        units, single, part = septets(text), 160, 153
    else:
        units, single, part = len(text.encode("utf-16-be")) // 2, 70, 67
    return 1 if units <= single else math.ceil(units / part)


def plausible_utf16be(raw: bytes) -> bool:
    """Whether RAW looks like UTF-16BE rather than UTF-8 or ASCII sent where a gateway
    forwards bytes unchanged as UCS-2 (Jasmin `content` with coding=8, Kannel coding=2
    without charset). UTF-16BE of Latin, Cyrillic, Arabic... has bytes below 0x20."""
    try:
        raw.decode("utf-16-be")
    except UnicodeDecodeError:
        return False
    try:
        as_utf8 = raw.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return not (any(ord(c) > 127 for c in as_utf8) or all(0x20 <= b < 0x7F for b in raw))


def digits(number: str | None) -> str:
    return re.sub(r"\D", "", number or "")


def _now() -> datetime:
    return datetime.now(timezone.utc)


# --- One request as a fake saw it ---------------------------------------------------------


def form_pairs(raw: bytes) -> list[tuple[str, bytes]]:
    """A query string or form body, values kept as bytes (Jasmin and Kannel forward bytes)."""
    pairs = []
    for part in raw.split(b"&"):
        if part:
            name, _, value = part.partition(b"=")
            pairs.append((unquote_to_bytes(name.replace(b"+", b" ")).decode("utf-8", "replace"),
                          unquote_to_bytes(value.replace(b"+", b" "))))
    return pairs


class Call:
    """A request: method, path, query and form/JSON fields (bytes), headers (lower case)."""

    def __init__(self, method: str, target: str, headers: dict[str, str], body: bytes):
        self.method, self.headers, self.body = method, headers, body
        split = urlsplit(target)
        self.path, self.query = split.path, split.query
        self.query_pairs = form_pairs(self.query.encode("latin-1"))  # the request line is latin-1
        ctype = headers.get("content-type", "").lower()
        self.body_pairs: list[tuple[str, bytes]] = []
        self.is_json = ctype.startswith("application/json")
        self.is_form = ctype.startswith("application/x-www-form-urlencoded")
        if self.is_form:
            self.body_pairs = form_pairs(body)
        elif self.is_json:
            try:
                data = json.loads(body or b"{}")
                self.body_pairs = [(k, (v if isinstance(v, str) else json.dumps(v)).encode()) for k, v in data.items()]
            except (ValueError, AttributeError):
                pass
        self.pairs = self.query_pairs + self.body_pairs

    def raw(self, name: str, pairs: list | None = None) -> bytes | None:
        return next((v for k, v in (self.pairs if pairs is None else pairs) if k == name), None)

    def get(self, name: str, pairs: list | None = None) -> str | None:
        value = self.raw(name, pairs)
        return None if value is None else value.decode("utf-8", "replace")

    def fields(self, pairs: list | None = None) -> dict[str, str]:
        out: dict[str, str] = {}
        for k, v in self.pairs if pairs is None else pairs:
            out.setdefault(k, v.decode("utf-8", "replace"))
        return out

    def summary(self) -> dict:
        return {"method": self.method, "path": self.path, "query": self.query, "headers": self.headers,
                "body": self.body, "at": time.time()}


Reply = tuple  # (HTTP status, content type, body bytes, extra headers)


def _text(status: int, body: str, ctype: str = "text/plain", headers: dict | None = None) -> Reply:
    return status, ctype, body.encode(), headers or {}


def _json(status: int, data: dict, headers: dict | None = None) -> Reply:
    return status, "application/json", json.dumps(data).encode(), headers or {}


# --- The base: server, records, behaviours, receipts --------------------------------------


class FakeCarrier:
    """What the four fakes share. A subclass gives its send path (SEND_PATH), its canned
    answers (NOT_FOUND, SERVER_ERROR, `throttled`), checks and accepts a send (`submit`,
    which calls `accept` or `problem`) and says what receipts it posts (`receipt_requests`)."""

    name = "carrier"
    KINDS = ("ok", "permanent", "throttle", "server_error", "slow")
    SEND_PATH: str = ""          # a regular expression, matched in full
    NOT_FOUND: Reply = (404, "text/plain", b"Not Found", {})
    SERVER_ERROR: Reply = (500, "text/plain", b"Internal Server Error", {})

    def __init__(self, auto_receipts: tuple[str, ...] = (), receipt_delay: float = 0.5, fail_numbers=()):
        self.auto_receipts, self.receipt_delay = tuple(auto_receipts), receipt_delay
        self.fail_numbers = set(fail_numbers)
        self.received: list[dict] = []   # accepted submissions
        self.problems: list[dict] = []   # what the real API would refuse or garble
        self.requests: list[dict] = []   # every request, with the status answered
        self.receipts: list[dict] = []   # every receipt posted: url, status, answer
        self._behaviours: collections.deque = collections.deque()
        self._cond = threading.Condition()
        self._server: ThreadingHTTPServer | None = None

    # Lifecycle
    def start(self) -> "FakeCarrier":
        self._server = _Server(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads, self._server.block_on_close = True, False
        threading.Thread(target=self._server.serve_forever, name=f"fake-{self.name}", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *_exc):
        self.stop()

    @property
    def url(self) -> str:
        """The base URL to configure as the channel's outbound.api_base_url."""
        assert self._server is not None, "start() the fake first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # Programming and reading
    def respond_next(self, kind: str, count: int = 1, **kw) -> None:
        """The next COUNT send requests get KIND: `permanent`, `throttle` (retry_after=1),
        `server_error`, `ok`, or `slow` (seconds=10): answered normally after that long, so
        the message counts as sent although a client that timed out will think it was not,
        as with a real carrier."""
        if kind not in self.KINDS:
            raise ValueError(f"kind must be one of {self.KINDS}")
        with self._cond:
            self._behaviours.extend([(kind, kw)] * count)

    def count_for(self, to: str) -> int:
        return len(self.submissions_for(to))

    def texts_for(self, to: str) -> list[str]:
        return [s["text"] for s in self.submissions_for(to)]

    def submissions_for(self, to: str) -> list[dict]:
        with self._cond:
            return [s for s in self.received if digits(s["to"]) == digits(to)]

    def wait_for(self, count: int, timeout: float = 10, to: str | None = None) -> list[dict]:
        """Wait until COUNT submissions (to TO, if given) were accepted; returns them."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [s for s in self.received if to is None or digits(s["to"]) == digits(to)]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{self.name}: {len(found)} of {count} submissions after {timeout:.0f}s; "
                                         f"problems: {self.problems}; last requests: {self.requests[-3:]}")
                self._cond.wait(left)

    # Receipts
    def send_receipt(self, target, status: str, error_code: str | None = None):
        """Post the carrier's receipt for TARGET (a submission or a carrier id) with STATUS
        (the contract's queued/sent/delivered/undelivered/failed or the carrier's own word)
        to the callback URL of that submission, signed as the carrier signs. Returns the
        HTTP status Switchboard answered (None: no connection), a list when the carrier
        sends one receipt per part (Vonage). ValueError when the real carrier would not
        send this receipt (no callback asked for, a DLR mask or level that excludes it)."""
        submission, ids = self._find(target)
        results = [self._post(*r) for r in self.receipt_requests(submission, ids, status, error_code)]
        return results[0] if len(results) == 1 else results

    def _find(self, target) -> tuple[dict, list[str]]:
        with self._cond:
            for s in self.received:
                if s is target or (isinstance(target, dict) and target.get("id") in s["ids"]):
                    return s, list(s["ids"])
                if isinstance(target, str) and target in s["ids"]:
                    return s, [target]
        raise KeyError(f"{self.name}: no accepted submission {target!r}")

    def _post(self, method: str, url: str, body: bytes | None, headers: dict) -> int | None:
        status, answer = None, b""
        try:
            with urlopen(Request(url, data=body, method=method, headers=headers), timeout=10) as response:
                status, answer = response.status, response.read()
        except HTTPError as error:
            status, answer = error.code, error.read()
        except OSError as error:
            answer = str(error).encode()
        with self._cond:
            self.receipts.append({"method": method, "url": url, "body": body, "status": status, "answer": answer})
            self._cond.notify_all()
        return status

    def _auto(self, submission: dict) -> None:
        for status in self.auto_receipts:
            time.sleep(self.receipt_delay)
            try:
                self.send_receipt(submission, status)
            except ValueError:
                pass  # the real carrier would not send this one

    # For subclasses
    def accept(self, call: Call, **submission) -> dict:
        submission.update(carrier=self.name, fields=call.fields(), at=time.time())
        submission.setdefault("ids", [submission["id"]] if submission.get("id") else [])
        with self._cond:
            self.received.append(submission)
            self._cond.notify_all()
        if self.auto_receipts:
            threading.Thread(target=self._auto, args=(submission,), daemon=True).start()
        return submission

    def problem(self, call: Call, reason: str) -> None:
        with self._cond:
            self.problems.append({"carrier": self.name, "reason": reason, "fields": call.fields(), "path": call.path})
            self._cond.notify_all()

    def refused_number(self, number: str | None) -> bool:
        return bool(digits(number)) and digits(number) in {digits(n) for n in self.fail_numbers}

    def _serve(self, call: Call) -> Reply:
        record = call.summary()
        with self._cond:
            self.requests.append(record)
        try:
            reply = self._answer(call)
        except Exception as error:  # noqa: BLE001 - a bug of the fake must fail the test, not hang it
            self.problem(call, f"the fake itself failed: {error!r}")
            reply = (500, "text/plain", b"fake carrier error", {})
        record["status"], record["answered_at"] = reply[0], time.time()
        return reply

    def _answer(self, call: Call) -> Reply:
        if not re.fullmatch(self.SEND_PATH, call.path):
            return self.NOT_FOUND
        with self._cond:
            kind, kw = self._behaviours.popleft() if self._behaviours else ("ok", {})
        if kind == "slow":
            time.sleep(kw.get("seconds", 10))
        if kind == "throttle":
            return self.throttled(kw.get("retry_after", 1))
        if kind == "server_error":
            return self.SERVER_ERROR
        return self.submit(call, permanent=kind == "permanent")

    def throttled(self, retry_after: float) -> Reply:
        raise NotImplementedError

    def submit(self, call: Call, permanent: bool) -> Reply:
        raise NotImplementedError

    def receipt_requests(self, submission: dict, ids: list[str], status: str, error_code: str | None) -> list:
        """(method, url, body, headers) of each receipt the carrier would post."""
        raise NotImplementedError


class _Server(ThreadingHTTPServer):
    # Dozens of requests at once (a sender's concurrency): the default backlog of 5 would
    # drop SYNs and delay them by the kernel's 1 s retransmission.
    request_queue_size = 128


def _handler(fake: FakeCarrier):
    class Handler(BaseHTTPRequestHandler):
        def _any(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length > 0 else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, ctype, payload, extra = fake._serve(Call(self.command, self.path, headers, body))
            try:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(payload)))
                for key, value in extra.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(payload)
            except OSError:
                pass  # the client gave up waiting (a `slow` answer)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _any

        def log_message(self, *_args):
            pass

    return Handler


# --- Twilio -------------------------------------------------------------------------------


class FakeTwilio(FakeCarrier):
    """Twilio Programmable Messaging: POST /2010-04-01/Accounts/{AccountSid}/Messages.json,
    HTTP Basic AccountSid:AuthToken, form fields To, From (or MessagingServiceSid), Body
    (UTF-8; Twilio picks GSM-7 or UCS-2 itself, at most 1600 characters), StatusCallback.
    201 with the Message resource (`sid` SM + 32 hex, `status` queued); errors are JSON
    {code, message, more_info, status}. Status callbacks are form POSTs signed with
    X-Twilio-Signature = base64(HMAC-SHA1(auth token, URL + each name+value sorted by name))."""

    name = "twilio"
    SEND_PATH = r"/2010-04-01/Accounts/([^/]+)/Messages\.json"
    DEFAULT_ERRORS = {"undelivered": "30003", "failed": "30008"}
    STATUSES = ("accepted", "scheduled", "queued", "sending", "sent", "delivered", "undelivered", "failed", "read",
                "canceled", "partially_delivered")

    def __init__(self, account_sid: str, auth_token: str, numbers=None, **kw):
        """NUMBERS: the account's sending numbers; when given, another From is refused (21606)."""
        super().__init__(**kw)
        self.account_sid, self.auth_token, self.numbers = account_sid, auth_token, numbers

    @staticmethod
    def error(status: int, code: int, message: str, headers: dict | None = None) -> Reply:
        more_info = f"https://www.twilio.com/docs/errors/{code}"
        return _json(status, {"code": code, "message": message, "more_info": more_info, "status": status}, headers)

    NOT_FOUND = error(404, 20404, "The requested resource was not found")
    SERVER_ERROR = error(500, 20500, "Internal Server Error")

    def throttled(self, retry_after):
        return self.error(429, 20429, "Too Many Requests", {"Retry-After": str(retry_after)})

    def submit(self, call, permanent):
        auth = call.headers.get("authorization", "")
        expected = "Basic " + base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        if not hmac.compare_digest(auth.encode(), expected.encode()):
            return self.error(401, 20003, "Authenticate", {"WWW-Authenticate": 'Basic realm="Twilio API"'})
        if re.fullmatch(self.SEND_PATH, call.path).group(1) != self.account_sid:
            return self.NOT_FOUND
        if call.method != "POST":
            self.problem(call, f"{call.method} on Messages.json lists or is refused; a message is created with POST")
            return self.error(405, 20004, "Method not allowed")
        form = call.body_pairs if call.is_form else []
        if not form:
            self.problem(call, "Twilio reads only a form-encoded body (application/x-www-form-urlencoded)")
        to, sender, body, callback = (call.get(n, form) for n in ("To", "From", "Body", "StatusCallback"))
        if callback == "":
            self.problem(call, "empty StatusCallback: no status callback will come (what Twilio answers is not known)")
            callback = None
        if not to:
            return self.error(400, 21604, "A 'To' phone number is required.")
        if not sender and not call.get("MessagingServiceSid", form):
            return self.error(400, 21603, "A 'From' phone number is required.")
        if not body and not call.get("MediaUrl", form):
            return self.error(400, 21602, "Message body is required.")
        if not re.fullmatch(r"\+[1-9]\d{6,14}", to):
            if to.startswith(" "):
                self.problem(call, "To starts with a space: a '+' was not percent-encoded")
            return self.error(400, 21211, f"Invalid 'To' Phone Number: {to}")
        alphanumeric, short_code = r"(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}", r"\d{5,6}"
        if sender and not any(re.fullmatch(p, sender) for p in (r"\+[1-9]\d{6,14}", alphanumeric, short_code)):
            return self.error(400, 21212, f"Invalid 'From' Phone Number: {sender}")
        if sender and self.numbers is not None and sender not in self.numbers:
            return self.error(400, 21606, f"The From phone number {sender} is not a valid, SMS-capable inbound phone "
                                          "number or short code for your account.")
        body = body or ""
        if "\ufffd" in body and b"\xef\xbf\xbd" not in call.raw("Body", form):
            self.problem(call, "Body is not valid UTF-8: Twilio would show replacement characters")
        if len(body) > 1600:
            return self.error(400, 21617, "The concatenated message body exceeds the 1600 character limit.")
        if callback is not None and not re.match(r"^https?://[^/\s]+", callback):
            return self.error(400, 21609, "Invalid StatusCallback url")
        if permanent:
            return self.error(400, 21211, f"Invalid 'To' Phone Number: {to}")
        if self.refused_number(to):
            return self.error(400, 21610, "Attempt to send to unsubscribed recipient")
        sid, encoding, created = "SM" + uuid.uuid4().hex, "gsm7" if is_gsm7(body) else "ucs2", format_datetime(_now())
        parts = segments(body, encoding)
        self.accept(call, id=sid, to=to, **{"from": sender}, text=body, encoding=encoding, segments=parts,
                    callback=callback, messaging_service_sid=call.get("MessagingServiceSid", form))
        uri = f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}"
        return _json(201, {
            "account_sid": self.account_sid, "api_version": "2010-04-01", "body": body, "date_created": created,
            "date_sent": None, "date_updated": created, "direction": "outbound-api", "error_code": None,
            "error_message": None, "from": sender, "messaging_service_sid": call.get("MessagingServiceSid", form),
            "num_media": "0", "num_segments": str(parts), "price": None, "price_unit": "USD", "sid": sid,
            "status": "queued" if sender else "accepted", "subresource_uris": {"media": uri + "/Media.json"},
            "to": to, "uri": uri + ".json"})

    def signature(self, url: str, params: dict[str, str]) -> str:
        data = url + "".join(k + v for k, v in sorted(params.items()))
        return base64.b64encode(hmac.new(self.auth_token.encode(), data.encode(), hashlib.sha1).digest()).decode()

    def receipt_requests(self, submission, ids, status, error_code):
        if not submission["callback"]:
            raise ValueError("no StatusCallback: Twilio posts no status callback for this message")
        if status not in self.STATUSES:
            raise ValueError(f"Twilio has no MessageStatus {status!r}")
        params = {"MessageSid": submission["id"], "SmsSid": submission["id"], "MessageStatus": status,
                  "SmsStatus": status, "AccountSid": self.account_sid, "From": submission["from"] or "",
                  "To": submission["to"], "ApiVersion": "2010-04-01"}
        if submission.get("messaging_service_sid"):
            params["MessagingServiceSid"] = submission["messaging_service_sid"]
        if status in ("undelivered", "failed"):
            params["ErrorCode"] = error_code or self.DEFAULT_ERRORS[status]
        if status in ("delivered", "undelivered"):
            params["RawDlrDoneDate"] = _now().strftime("%y%m%d%H%M")
        url = submission["callback"]
        headers = {"Content-Type": "application/x-www-form-urlencoded", "User-Agent": "TwilioProxy/1.1",
                   "X-Twilio-Signature": self.signature(url, params), "I-Twilio-Idempotency-Token": str(uuid.uuid4())}
        return [("POST", url, urlencode(params).encode(), headers)]


# --- Vonage -------------------------------------------------------------------------------


class FakeVonage(FakeCarrier):
    """Vonage SMS API: GET/POST /sms/json (form, query or JSON), api_key + api_secret (or
    HTTP Basic), from, to (international digits, no '+'), text, type text|unicode,
    status-report-req, callback, client-ref. Always HTTP 200: {"message-count", "messages":
    one entry per SMS part, each with its own message-id}; an error is a `status` other
    than "0" with `error-text`. type=text with non-GSM characters is accepted and garbled
    by Vonage: recorded as a problem. Receipts (one per part) go to `callback` by
    `receipt_method` (GET, POST form or POST-JSON); with a signature secret they carry
    timestamp, nonce and sig = md5 of "&name=value" sorted by name (& and = in values
    replaced by _) followed by the secret (the "MD5 hash" method, what
    Services/Ingest/Rules/VonageSignature.swift checks)."""

    name = "vonage"
    SEND_PATH = "/sms/json"
    STATUSES = {"sent": "accepted", "delivered": "delivered", "undelivered": "expired", "failed": "failed"}
    NATIVE = ("delivered", "expired", "failed", "rejected", "accepted", "buffered", "unknown")

    def __init__(self, api_key: str, api_secret: str, signature_secret: str | None = None,
                 receipt_method: str = "GET", default_callback: str | None = None, **kw):
        super().__init__(**kw)
        if receipt_method not in ("GET", "POST", "POST-JSON"):
            raise ValueError("receipt_method: GET, POST or POST-JSON")
        self.api_key, self.api_secret, self.signature_secret = api_key, api_secret, signature_secret
        self.receipt_method, self.default_callback, self.balance = receipt_method, default_callback, 10.0

    @staticmethod
    def error(status: str, text: str, to: str | None = None) -> Reply:
        entry = {"to": to, "status": status, "error-text": text} if to else {"status": status, "error-text": text}
        return _json(200, {"message-count": "1", "messages": [entry]})

    def throttled(self, retry_after):
        return self.error("1", f"Throughput Rate Exceeded - please wait [ {int(retry_after * 1000)} ] and retry")

    def submit(self, call, permanent):
        key, secret = call.get("api_key"), call.get("api_secret")
        basic = call.headers.get("authorization", "")
        if basic.lower().startswith("basic ") and key is None:
            key, _, secret = base64.b64decode(basic[6:]).decode("utf-8", "replace").partition(":")
        if not key:
            return self.error("2", "Missing api_key")
        if not secret:
            return self.error("2", "Missing api_secret")
        if not (hmac.compare_digest(key.encode(), self.api_key.encode())
                and hmac.compare_digest(secret.encode(), self.api_secret.encode())):
            return self.error("4", "Bad Credentials")
        sender, to, text, kind = call.get("from"), call.get("to"), call.get("text"), call.get("type") or "text"
        for field, value in (("from", sender), ("to", to), ("text", text)):
            if not value:
                return self.error("2", f"Missing {field} param")
        for field, value in (("to", to), ("from", sender)):
            if value.startswith(("+", " ")):
                self.problem(call, f"`{field}` {value!r}: Vonage numbers are international digits without '+'")
        if not re.fullmatch(r"\d{7,15}", digits(to)) or re.search(r"[^\d+ ]", to):
            return self.error("3", "Invalid to param", to)
        if kind not in ("text", "unicode"):
            self.problem(call, f"type={kind}: the fake checks text and unicode only")
            return self.error("3", "Invalid type param", to)
        shown = text
        if kind == "text" and not is_gsm7(text):
            self.problem(call, "non-GSM characters with type=text: Vonage garbles them (type=unicode is required)")
            shown = gsm_shown(text)
        callback = call.get("callback")
        if callback == "":
            self.problem(call, "empty callback: receipts go to the account's default webhook, if any")
        elif callback is not None and not re.match(r"^https?://\S+$", callback):
            return self.error("23", "Bad callback :: Missing Protocol", to)
        callback = callback or self.default_callback
        if permanent or self.refused_number(to):
            return self.error("7", "Number barred.", to)
        report = (call.get("status-report-req") or "true").lower() not in ("0", "false")
        encoding = "gsm7" if kind == "text" else "ucs2"
        parts = segments(text, encoding)
        ids = [uuid.uuid4().hex[:16].upper() for _ in range(parts)]
        client_ref = call.get("client-ref")
        if client_ref is not None and len(client_ref) > 40:
            self.problem(call, "client-ref longer than 40 characters")
        self.accept(call, id=ids[0], ids=ids, to=digits(to), **{"from": sender}, text=shown, sent_text=text,
                    encoding=encoding, segments=parts, callback=callback if report else None, client_ref=client_ref)
        messages = []
        for message_id in ids:
            with self._cond:
                self.balance -= 0.0057
                entry = {"to": digits(to), "message-id": message_id, "status": "0",
                         "remaining-balance": f"{self.balance:.8f}", "message-price": "0.00570000", "network": "310090"}
            messages.append({**entry, "client-ref": client_ref} if client_ref is not None else entry)
        return _json(200, {"message-count": str(parts), "messages": messages})

    @staticmethod
    def signature(params: dict[str, str], secret: str) -> str:
        data = "".join(f"&{k}={v.replace('&', '_').replace('=', '_')}" for k, v in sorted(params.items()) if k != "sig")
        return hashlib.md5((data + secret).encode()).hexdigest()

    def receipt_requests(self, submission, ids, status, error_code):
        if not submission["callback"]:
            raise ValueError("no callback (or status-report-req=false): Vonage sends no receipt")
        native = self.STATUSES.get(status, status)
        if native not in self.NATIVE:
            raise ValueError(f"Vonage has no receipt status {status!r}")
        requests = []
        for message_id in ids:
            now = _now()
            params = {"msisdn": submission["to"], "to": submission["from"], "network-code": "310090",
                      "messageId": message_id, "price": "0.00570000", "status": native,
                      "scts": now.strftime("%y%m%d%H%M"),
                      "err-code": error_code or ("0" if native in ("delivered", "accepted", "buffered") else "1"),
                      "api-key": self.api_key, "message-timestamp": now.strftime("%Y-%m-%d %H:%M:%S")}
            if submission.get("client_ref") is not None:
                params["client-ref"] = submission["client_ref"]
            if self.signature_secret:
                params.update(timestamp=str(int(time.time())), nonce=str(uuid.uuid4()))
                params["sig"] = self.signature(params, self.signature_secret)
            url, form = submission["callback"], urlencode(params)
            if self.receipt_method == "GET":
                requests.append(("GET", url + ("&" if "?" in url else "?") + form, None, {}))
            elif self.receipt_method == "POST":
                requests.append(("POST", url, form.encode(), {"Content-Type": "application/x-www-form-urlencoded"}))
            else:
                requests.append(("POST", url, json.dumps(params).encode(), {"Content-Type": "application/json"}))
        return requests


# --- Jasmin -------------------------------------------------------------------------------


class FakeJasmin(FakeCarrier):
    """Jasmin HTTP API: GET/POST /send (query, form or JSON), username, password (1-16
    characters), to (^\\+?\\d+$), from, coding (0 default, 8 UCS-2), content or hex-content,
    dlr yes|no, dlr-url, dlr-level 1|2|3, dlr-method GET|POST. Any other argument is refused.
    200 `Success "<uuid>"`; errors `Error "<reason>"` with 400 (arguments), 403
    (authentication, throughput), 412 (no route), 500. Jasmin converts `content` to GSM
    03.38 for coding 0 (non-GSM becomes '?') and forwards it unchanged otherwise, so UCS-2
    must be hex-content of UTF-16BE (or raw UTF-16BE bytes); more than 5 parts are cut.
    Receipts: level 1 (the SMSC's answer, message_status ESME_*) and level 2 (the handset:
    DELIVRD, UNDELIV...) to dlr-url by dlr-method, form fields id, level, message_status,
    connector (+ id_smsc, sub, dlvrd, subdate, donedate, err, text at level 2); Jasmin
    retries unless the answer is `ACK/Jasmin` (see `receipts[i]["answer"]`). The URL's own
    ?token= stays: Jasmin's DLR thrower (treq) adds its parameters to the URL's query."""

    name = "jasmin"
    SEND_PATH = "/send"
    FIELDS = {"to": r"\+?\d+", "from": None, "coding": r"(0|1|2|3|4|5|6|7|8|9|10|13|14)", "username": r".{1,16}",
              "password": r".{1,16}", "priority": r"[0-3]", "sdt": r"\d{12}\d\d{2}(\+|-|R)", "validity-period": r"\d+",
              "dlr": r"(yes|no)", "dlr-url": r"(http|https)://.*", "dlr-level": r"[1-3]",
              "dlr-method": r"(?i:get|post)", "tags": r"[-a-zA-Z0-9,]*", "content": None, "hex-content": None,
              "custom_tlvs": None}
    MANDATORY = ("to", "username", "password", "dlr")
    STATUSES = {"sent": "ESME_ROK", "delivered": "DELIVRD", "undelivered": "UNDELIV", "failed": "REJECTD"}
    TERMINAL = ("DELIVRD", "EXPIRED", "DELETED", "UNDELIV", "ACCEPTD", "UNKNOWN", "REJECTD")
    MAX_PARTS = 5  # long_content_max_parts

    def __init__(self, username: str, password: str, **kw):
        super().__init__(**kw)
        self.username, self.password = username, password

    @staticmethod
    def error(status: int, reason: str) -> Reply:
        return _text(status, f'Error "{reason}"')

    NOT_FOUND = _text(404, "No Such Resource", "text/html")
    SERVER_ERROR = error(500, "Cannot send submit_sm, check SMPPClientManagerPB log file for details")

    def throttled(self, retry_after):
        return self.error(403, "User throughput exceeded")

    def submit(self, call, permanent):
        args: dict[str, bytes] = {}
        for k, v in call.query_pairs + ([] if call.is_json else call.body_pairs):
            args.setdefault(k, v)  # twisted's request.args; a JSON body's members replace them
        args.update(call.body_pairs if call.is_json else [])
        if not args:
            return self.error(400, "Mandatory arguments not found, please refer to the HTTPAPI specifications.")
        args.setdefault("coding", b"0")
        if "dlr-url" in args or "dlr-level" in args:
            args["dlr"] = b"yes"
        args.setdefault("dlr", b"no")
        if args["dlr"] == b"yes":
            args.setdefault("dlr-level", b"1")
            args.setdefault("dlr-method", b"POST")
        for name in args:
            if name not in self.FIELDS:
                if name == "token":
                    self.problem(call, "`token` is an argument of /send: an '&' of dlr-url not percent-encoded?")
                return self.error(400, f"Argument [{name}] is unknown.")
        for name, pattern in self.FIELDS.items():
            value = args.get(name)
            if value is None:
                if name in self.MANDATORY:
                    return self.error(400, f"Mandatory argument [{name}] is not found.")
            elif pattern and not re.fullmatch(pattern.encode(), value):
                return self.error(400, f"Argument [{name}] has an invalid value: [{value.decode('utf-8', 'replace')}].")
        if ("content" in args) == ("hex-content" in args):
            return self.error(400, "content or hex-content not present." if "content" not in args
                              else "content and hex-content cannot be used both in same request.")
        coding = int(args["coding"])
        if "hex-content" in args:
            try:
                raw = binascii.unhexlify(args["hex-content"])
            except (binascii.Error, ValueError):
                return self.error(400, f"Invalid hex-content data: '{args['hex-content'].decode('utf-8', 'replace')}'")
        else:
            raw = args["content"]
        if not (hmac.compare_digest(args["username"], self.username.encode())
                and hmac.compare_digest(args["password"], self.password.encode())):
            return self.error(403, f"Authentication failure for username:{args['username'].decode('utf-8', 'replace')}")
        to = args["to"].decode()
        if permanent or self.refused_number(to):
            return self.error(412, "No route found")
        text, units, single, part = self._shown(call, raw, coding, "hex-content" in args)
        parts = 1 if units <= single else math.ceil(units / part)
        if parts > self.MAX_PARTS:
            self.problem(call, f"needs {parts} parts: Jasmin sends the first {self.MAX_PARTS} (long_content_max_parts)")
        message_id = str(uuid.uuid4())
        dlr = args["dlr"] == b"yes" and "dlr-url" in args
        self.accept(call, id=message_id, to=to, **{"from": args.get("from", b"").decode("utf-8", "replace") or None},
                    text=text, encoding="ucs2" if coding == 8 else "gsm7" if coding == 0 else f"coding {coding}",
                    coding=coding, segments=parts, callback=args["dlr-url"].decode() if dlr else None,
                    dlr_level=int(args["dlr-level"]) if dlr else 0,
                    dlr_method=args.get("dlr-method", b"POST").decode().upper())
        return _text(200, f'Success "{message_id}"')

    def _shown(self, call, raw: bytes, coding: int, hex_content: bool) -> tuple[str, int, int, int]:
        """The text a phone shows, and its size in units, single and per-part limits."""
        if coding == 8:
            if not hex_content and not plausible_utf16be(raw):
                self.problem(call, "content with coding=8 is forwarded as bytes: it must be UTF-16BE (use hex-content)")
            return raw.decode("utf-16-be", "replace"), len(raw) // 2, 70, 67
        if coding == 0:
            if hex_content:
                return gsm_decode(raw), len(raw), 160, 153
            text = raw.decode("utf-8", "replace")
            if not is_gsm7(text):
                self.problem(call, "non-GSM characters with coding=0: Jasmin replaces them with '?' (send coding=8)")
            return gsm_shown(text), septets(gsm_shown(text)), 160, 153
        self.problem(call, f"coding={coding}: the fake checks coding 0 and 8 only")
        return raw.decode("latin-1"), len(raw), 140, 134

    def receipt_requests(self, submission, ids, status, error_code):
        if not submission["callback"]:
            raise ValueError("no dlr-url (or dlr=no): Jasmin sends no receipt")
        native = self.STATUSES.get(status, status)
        level = 1 if native.startswith("ESME_") else 2
        if native not in self.TERMINAL and level == 2:
            raise ValueError(f"Jasmin has no receipt status {status!r}")
        if submission["dlr_level"] not in ((1, 3) if level == 1 else (2, 3)):
            raise ValueError(f"dlr-level {submission['dlr_level']}: Jasmin sends no level-{level} receipt")
        args = {"id": submission["id"], "level": str(level), "message_status": native, "connector": "smppc01"}
        if level == 2:
            date = _now().strftime("%y%m%d%H%M")
            args.update(id_smsc=str(uuid.UUID(submission["id"]).int % 10**9), sub="001",
                        dlvrd="001" if native == "DELIVRD" else "000", subdate=date, donedate=date,
                        err=error_code or ("000" if native in ("DELIVRD", "ACCEPTD") else "001"),
                        text=submission["text"][:20])
        url = submission["callback"]
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/plain",
                   "User-Agent": "Jasmin gateway/1.0 DLRThrower"}
        if submission["dlr_method"] == "GET":
            return [("GET", url + ("&" if "?" in url else "?") + urlencode(args), None, headers)]
        return [("POST", url, urlencode(args).encode(), headers)]


# --- Kannel -------------------------------------------------------------------------------


class FakeKannel(FakeCarrier):
    """Kannel smsbox sendsms: GET /cgi-bin/sendsms with username, password, from, to (only
    "0123456789 +-"; words separated by spaces are several receivers), text, coding (0 GSM,
    1 8-bit, 2 UCS-2), charset (what `text` is in; without it UTF-8 for coding 0 and
    UTF-16BE for coding 2), dlr-mask (1 delivered, 2 undelivered, 4 queued on the SMSC, 8
    accepted by the SMSC, 16 refused by it), dlr-url. 202 `0: Accepted for delivery`; 403
    `Authorization failed for sendsms`; 400 for a bad field. Kannel gives no message id: the
    client puts its own in dlr-url, which Kannel GETs after substituting %d (the event), %T
    (Unix time), %t, %A (the SMSC's answer), %I, %F, %n, %% (others stay as they are). A
    sendsms-user sends at most `max_messages` SMS per request (Kannel's default 1) and cuts
    the rest."""

    name = "kannel"
    SEND_PATH = "/cgi-bin/sendsms"
    NOT_FOUND = _text(404, "Unknown service.", "text/html")
    SERVER_ERROR = _text(500, "Sending failed.", "text/html")
    KNOWN = {"username", "password", "user", "pass", "from", "to", "text", "charset", "udh", "smsc", "mclass", "mwi",
             "coding", "compress", "validity", "deferred", "dlr-mask", "dlr-url", "dlrmask", "dlrurl", "account", "pid",
             "alt-dcs", "rpi", "binfo", "priority", "meta-data"}
    BITS = {"delivered": 1, "undelivered": 2, "queued": 4, "sent": 8, "failed": 16}
    CHARSETS = {"UCS-2": "utf-16-be", "UCS-2BE": "utf-16-be", "UTF-16": "utf-16-be", "UNICODEBIG": "utf-16-be"}

    def __init__(self, username: str, password: str, max_messages: int = 1, default_sender: str | None = None, **kw):
        super().__init__(**kw)
        self.username, self.password = username, password
        self.max_messages, self.default_sender = max_messages, default_sender

    def throttled(self, retry_after):
        return _text(503, "Temporal failure, try again later.", "text/html")

    @staticmethod
    def _int(value: str | None) -> int:
        match = re.match(r"\s*[-+]?\d+", value or "")  # sscanf("%d"); undefined is -1
        return int(match.group()) if match else -1

    def submit(self, call, permanent):
        if call.method != "GET":
            if call.method == "POST" and call.headers.get("content-type", "").startswith("text/plain"):
                self.problem(call, "POST text/plain with X-Kannel headers: the fake implements GET sendsms only")
                return _text(501, "Not implemented by the fake", "text/html")
            return _text(400, "Invalid content-type", "text/html")
        q = call.query_pairs
        user, password = call.get("username", q) or call.get("user", q), call.get("password", q) or call.get("pass", q)
        if user != self.username or password != self.password:
            return _text(403, "Authorization failed for sendsms", "text/html")
        unknown = sorted({k for k, _ in q} - self.KNOWN)
        if unknown:
            self.problem(call, f"parameters Kannel ignores: {unknown} (an '&' of dlr-url not percent-encoded?)")
        to = call.get("to", q)
        if to is None:
            return _text(400, "Missing receiver number, rejected", "text/html")
        if to == "":
            return _text(400, "Empty receiver number not allowed, rejected", "text/html")
        if to != to.strip() or " " in to.strip():
            self.problem(call, f"to={to!r}: Kannel splits it at spaces (an unencoded '+' became a space?)")
        if re.search(r"[^0-9 +\-]", to):
            return _text(400, "Number(s) has/have been denied by white- and/or black-lists.", "text/html")
        sender = call.get("from", q) or self.default_sender
        if not sender:
            return _text(400, "Sender missing and no global set, rejected", "text/html")
        dlr_url, mask, coding = call.get("dlr-url", q) or call.get("dlrurl", q), self._int(call.get("dlr-mask", q)), \
            self._int(call.get("coding", q))
        if dlr_url and not re.match(r"(?i)^https?://", dlr_url):
            return _text(400, "DLR-URL field misformed, rejected", "text/html")
        if not -1 <= mask <= 63:
            return _text(400, "DLR-Mask field misformed, rejected", "text/html")
        if not -1 <= coding <= 2:
            return _text(400, "Coding field misformed, rejected", "text/html")
        raw, charset = call.raw("text", q) or b"", (call.get("charset", q) or "").upper()
        try:
            codec = self.CHARSETS.get(charset, charset) or ("utf-16-be" if coding == 2 else "utf-8")
            text = raw.decode(codec)
        except (LookupError, UnicodeDecodeError):
            return _text(400, "Charset or body misformed, rejected", "text/html")
        if coding == 2 and not charset and not plausible_utf16be(raw):
            self.problem(call, "coding=2 without charset: Kannel takes text as UTF-16BE (add charset=UTF-8)")
        encoding = "ucs2" if coding == 2 else "gsm7"
        if coding == 1:
            self.problem(call, "coding=1 is 8-bit data: a phone does not show it as text")
        elif coding != 2 and not is_gsm7(text):
            self.problem(call, "non-GSM characters with coding=0: the SMSC gets '?' (send coding=2)")
            text = gsm_shown(text)
        parts = segments(text, encoding)
        if parts > self.max_messages:
            self.problem(call, f"needs {parts} SMS but the sendsms-user allows max-messages={self.max_messages}: cut")
        if dlr_url and mask > 0 and "%d" not in dlr_url:
            self.problem(call, "dlr-url has no %d: a receipt would not say what happened")
        if permanent or self.refused_number(to):
            return _text(403, "Not routable. Do not try again.", "text/html")
        own_id = dict(parse_qsl(urlsplit(dlr_url).query)).get("id") if dlr_url else None
        self.accept(call, id=own_id, ids=[own_id] if own_id else [], kannel_id=str(uuid.uuid4()), to=to.strip(),
                    **{"from": sender}, text=text, encoding=encoding, coding=coding, segments=parts,
                    callback=dlr_url if dlr_url and mask > 0 else None, dlr_mask=mask)
        return _text(202, "0: Accepted for delivery", "text/html")

    def receipt_requests(self, submission, ids, status, error_code):
        bit = self.BITS.get(status) or int(status)
        if not submission["callback"] or not submission["dlr_mask"] & bit:
            raise ValueError(f"dlr-mask {submission['dlr_mask']} (dlr-url {submission['callback']!r}): no DLR {bit}")
        now, smsc_id = int(time.time()), str(uuid.UUID(submission["kannel_id"]).int % 10**10)
        date = _now().strftime("%y%m%d%H%M")
        stat = {1: "DELIVRD", 2: "UNDELIV"}.get(bit)
        answers = {4: "", 8: "ACK/", 16: f"NACK/{error_code or '0x0000000b'}/Invalid Destination Address"}
        answer = answers[bit] if bit in answers else (  # 1 and 2: the SMSC's delivery report
            f"id:{smsc_id} sub:001 dlvrd:{'001' if bit == 1 else '000'} submit date:{date} done date:{date} "
            f"stat:{stat} err:{error_code or ('000' if bit == 1 else '001')} text:{submission['text'][:20]}")
        values = {"d": str(bit), "T": str(now), "t": time.strftime("%Y-%m-%d+%H:%M:%S", time.gmtime(now)),
                  "A": urlencode({"": answer})[1:], "I": submission["kannel_id"], "F": smsc_id, "n": "sendsms",
                  "%": "%"}
        url = re.sub(r"%(.)", lambda m: values.get(m.group(1), m.group(0)), submission["callback"])
        return [("GET", url, None, {"User-Agent": "Kannel/1.4.5"})]


# --- A demonstration: python3 Tests/EndToEnd/fake_carriers.py -----------------------------

if __name__ == "__main__":
    def call(method, url, data=None, headers=None):
        body = urlencode(data).encode() if data else None
        headers = {**({"Content-Type": "application/x-www-form-urlencoded"} if body else {}), **(headers or {})}
        try:
            with urlopen(Request(url, data=body, method=method, headers=headers), timeout=5) as response:
                return response.status, response.read().decode()[:100]
        except HTTPError as error:
            return error.code, error.read().decode()[:100]

    sid, to, org = "AC" + "1" * 32, "+14155550100", "+16285550100"
    basic = {"Authorization": "Basic " + base64.b64encode(f"{sid}:token".encode()).decode()}
    with FakeTwilio(sid, "token") as twilio:
        path = f"{twilio.url}/2010-04-01/Accounts/{sid}/Messages.json"
        print("twilio ok        ", call("POST", path, {"To": to, "From": org, "Body": "Hi"}, basic))
        print("twilio bad auth  ", call("POST", path, {"To": to, "From": org, "Body": "Hi"}))
        print("twilio bad To    ", call("POST", path, {"To": "4155550100", "From": org, "Body": "Hi"}, basic))
    with FakeVonage("abcd1234", "0123456789abcdef") as vonage:
        form = {"api_key": "abcd1234", "api_secret": "0123456789abcdef", "from": org[1:], "to": to[1:]}
        print("vonage 2 parts   ", call("POST", vonage.url + "/sms/json", {**form, "text": "x" * 200}))
        print("vonage bad secret", call("POST", vonage.url + "/sms/json", {**form, "api_secret": "no", "text": "Hi"}))
        call("POST", vonage.url + "/sms/json", {**form, "text": "Привет"})
        print("vonage problem   ", vonage.problems[-1]["reason"])
    with FakeJasmin("foo", "bar") as jasmin:
        args = {"username": "foo", "password": "bar", "to": to, "from": org[1:]}
        hex_ucs2 = "Привет".encode("utf-16-be").hex()
        print("jasmin ok        ", call("POST", jasmin.url + "/send", {**args, "coding": "8", "hex-content": hex_ucs2}))
        print("jasmin unknown   ", call("POST", jasmin.url + "/send", {**args, "content": "Hi", "token": "t"}))
        print("jasmin bad pass  ", call("POST", jasmin.url + "/send", {**args, "password": "x", "content": "Hi"}))
    with FakeKannel("kannel", "secret") as kannel:
        args = {"username": "kannel", "password": "secret", "from": org, "to": to, "text": "Hi"}
        print("kannel ok        ", call("GET", kannel.url + "/cgi-bin/sendsms?" + urlencode(args)))
        print("kannel bad auth  ", call("GET", kannel.url + "/cgi-bin/sendsms?" + urlencode({**args, "password": "x"})))
        print("kannel no to     ", call("GET", kannel.url + "/cgi-bin/sendsms?" + urlencode({**args, "to": ""})))
