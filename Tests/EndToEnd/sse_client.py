"""A Server-Sent Events client for the end-to-end tests: what a desktop's `EventSource`
does, written from the WHATWG format (fields `id`, `event`, `data`, `retry`; comment lines
start with ':'; an empty line ends an event), independently of the Swift code.

A background thread reads the response and keeps every event and comment in order, so a
test waits for what it expects without blocking the reader.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import requests


@dataclass
class Event:
    id: str | None
    event: str
    data: str
    at: float = field(default_factory=time.monotonic)

    def json(self) -> Any:
        return json.loads(self.data)


class SSEStream:
    """GET URL as a stream; `events` fills as they arrive; `ended` is set at end of stream."""

    def __init__(self, url: str, headers: dict[str, str] | None = None, params: dict[str, str] | None = None,
                 timeout: float = 10):
        self.response = requests.get(url, headers={"Accept": "text/event-stream", **(headers or {})}, params=params,
                                     stream=True, timeout=(5, 60))
        self.status = self.response.status_code
        self.events: list[Event] = []
        self.comments: list[float] = []
        self.retry: int | None = None
        self.ended = threading.Event()
        self._lock = threading.Condition()
        if self.status == 200:
            self._thread = threading.Thread(target=self._read, daemon=True)
            self._thread.start()
        else:
            self.body = self.response.text
            self.ended.set()

    def _read(self) -> None:
        event_id, name, data = None, "message", []
        try:
            for raw in self.response.iter_lines(decode_unicode=False, chunk_size=1):
                line = raw.decode("utf-8")
                if line == "":
                    if data:
                        with self._lock:
                            self.events.append(Event(event_id, name, "\n".join(data)))
                            self._lock.notify_all()
                    name, data = "message", []
                    continue
                if line.startswith(":"):
                    with self._lock:
                        self.comments.append(time.monotonic())
                        self._lock.notify_all()
                    continue
                key, _, value = line.partition(":")
                value = value[1:] if value.startswith(" ") else value
                if key == "id":
                    event_id = value
                elif key == "event":
                    name = value
                elif key == "data":
                    data.append(value)
                elif key == "retry":
                    self.retry = int(value)
        except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError, AttributeError, ValueError):
            pass
        finally:
            with self._lock:
                self.ended.set()
                self._lock.notify_all()

    def wait(self, predicate: Callable[[Event], bool], timeout: float = 10, what: str = "an event") -> Event:
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                found = next((e for e in self.events if predicate(e)), None)
                if found is not None:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0 or (self.ended.is_set() and found is None):
                    names = [(e.id, e.event) for e in self.events]
                    raise AssertionError(f"no {what} within {timeout} s (ended: {self.ended.is_set()}); got {names}")
                self._lock.wait(remaining)

    def of(self, name: str) -> list[Event]:
        with self._lock:
            return [e for e in self.events if e.event == name]

    def wait_end(self, timeout: float = 10) -> bool:
        return self.ended.wait(timeout)

    def close(self) -> None:
        # Closing the response takes the lock of its buffered reader, which the reading thread
        # holds while it waits for bytes: on an idle stream, until the next heartbeat (15 s by
        # default). Shutting the socket down first ends that read at once.
        sock = getattr(getattr(self.response.raw, "connection", None), "sock", None)
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self.response.close()
