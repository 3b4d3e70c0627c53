"""The desktops' live stream, `GET /v1/stream` on `transfer` (issue #20; docs/architecture.md
section 10.2), with the real executables, RabbitMQ and PostgreSQL, read as a desktop's
`EventSource` reads it (sse_client.py).

What is proven here: an agent is shown its offers (with the customer's text), the
interaction it accepts, its transcript (inbound and its own reply) and its presence, and
nothing of other agents' interactions; a reconnect with `Last-Event-ID` (or
`?last_event_id=`) replays exactly what was missed, an id that cannot be resumed gets
`resync`; tickets work once; supervisors follow queue counts; limits answer 429; a desktop
that stops reading is ended without holding up another; SIGTERM ends streams in time.
"""

from __future__ import annotations

import socket
import subprocess
import time

import pytest
import requests

import e2e_support as sb
from sse_client import SSEStream
from test_e2e_transfer import SESSION, TRANSFER, Agent, admin, arrive, new_queue, supervisor  # noqa: F401 (fixtures)

STREAM = f"{TRANSFER}/v1/stream"


def bearer(system, sub: str, roles: list[str], name: str | None = None, ttl: int = 3600) -> dict[str, str]:
    return {"Authorization": f"Bearer {system.token(sub, roles, name=name or sub, ttl=ttl)}"}


def open_stream(system, agent: Agent, base: str = STREAM, **kwargs) -> SSEStream:
    stream = SSEStream(base, headers=bearer(system, agent.id, ["agent"], agent.name), **kwargs)
    assert stream.status == 200, getattr(stream, "body", "")
    return stream


def ids(events) -> list[int]:
    return [int(e.id) for e in events]


def stalled_desktop(system, agent: Agent, port: int) -> socket.socket:
    """A desktop that stops reading: a raw socket with a tiny receive window that opens
    AGENT's stream on PORT and is never read."""
    stalled = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
    stalled.connect(("127.0.0.1", port))
    token = system.token(agent.id, ["agent"], name=agent.name)
    stalled.sendall(f"GET /v1/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\r\n".encode())
    return stalled


def write_burst(system, agent_id: str, burst: int, size: int = 4000) -> None:
    """BURST events of SIZE bytes on AGENT_ID's feed, written as the service writes them (its
    cursor row, the rows, the NOTIFY), in one transaction."""
    subprocess.run(
        ["psql", "-X", "-q", "-w", "-v", "ON_ERROR_STOP=1", "-d", system.env["SWITCHBOARD_POSTGRES_URL"], "-c", f"""
        BEGIN;
        INSERT INTO transfer.desk_cursors (agent_id, last_seq) VALUES ('{agent_id}', 0) ON CONFLICT DO NOTHING;
        WITH c AS (UPDATE transfer.desk_cursors SET last_seq = last_seq + {burst} WHERE agent_id = '{agent_id}' RETURNING last_seq)
        INSERT INTO transfer.desk_events (agent_id, seq, kind, data)
        SELECT '{agent_id}', c.last_seq - {burst} + g, 'notification', jsonb_build_object('n', g, 'text', repeat('x', {size}))
        FROM c, generate_series(1, {burst}) AS g;
        SELECT pg_notify('transfer_desk', '{agent_id}');
        COMMIT;"""], check=True, capture_output=True)


def ended_fell_behind(base_url: str, at_least: int = 1) -> bool:
    """Whether the replica at BASE_URL has ended AT_LEAST streams that fell behind (its metrics)."""
    metrics = requests.get(f"{base_url}/metrics", timeout=5).text
    return any(line.startswith("switchboard_stream_ended_total") and 'reason="fell_behind"' in line
               and float(line.split()[-1]) >= at_least for line in metrics.splitlines())


def test_an_agent_sees_its_offer_interaction_and_transcript_live(system, observer, admin, supervisor):
    queue = new_queue()
    kate = Agent(system, admin, "Kate Stream", [queue])
    other = Agent(system, admin, "Olaf Other", [new_queue()])
    stream = open_stream(system, kate)
    bystander = open_stream(system, other)
    try:
        assert stream.response.headers["Content-Type"].startswith("text/event-stream")
        assert stream.response.headers["Cache-Control"] == "no-store"
        kate.ready()
        presence = stream.wait(lambda e: e.event == "presence" and e.json()["presence"]["sms"] == "ready", what="presence ready")
        assert presence.json()["id"] == kate.id

        interaction_id, customer = arrive(observer, admin, supervisor, queue, text="My parcel never came")
        offer = stream.wait(lambda e: e.event == "offer" and e.json()["interaction_id"] == interaction_id
                            and e.json()["preview"].get("text") == "My parcel never came", what="offer with the text")
        assert offer.json()["state"] == "pending" and offer.json()["agent_id"] == kate.id
        inbound = stream.wait(lambda e: e.event == "transcript" and e.json()["interaction_id"] == interaction_id,
                              what="the inbound entry")
        assert inbound.json()["entry"]["text"] == "My parcel never came"
        assert inbound.json()["entry"]["direction"] == "inbound"

        assert kate.accept(offer.json()).status_code == 200
        stream.wait(lambda e: e.event == "offer" and e.json()["id"] == offer.json()["id"] and e.json()["state"] == "accepted",
                    what="offer accepted")
        owned = stream.wait(lambda e: e.event == "interaction" and e.json()["id"] == interaction_id
                            and (e.json().get("owner") or {}).get("id") == kate.id, what="interaction owned")
        assert "transcript" not in owned.json()

        assert kate.reply(interaction_id, "On its way today").status_code in (200, 201, 202)
        reply = stream.wait(lambda e: e.event == "transcript" and e.json()["entry"].get("direction") == "outbound",
                            what="the reply's entry")
        assert reply.json()["entry"]["text"] == "On its way today"

        # Ids are the agent's own sequence: strictly increasing, one per event.
        numbers = ids(stream.events)
        assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)
        # Another agent's desktop saw none of it.
        time.sleep(0.5)
        assert not [e for e in bystander.events if interaction_id in e.data], [e.event for e in bystander.events]
    finally:
        stream.close()
        bystander.close()


def test_a_reconnect_replays_what_was_missed_or_says_resync(system, admin):
    kate = Agent(system, admin, "Kate Replay", [new_queue()])
    first = open_stream(system, kate)
    kate.presence("ready")
    seen = first.wait(lambda e: e.event == "presence", what="first presence")
    first.close()
    # Missed while disconnected: three presence changes.
    for state in ("not_ready", "ready", "not_ready"):
        kate.presence(state)

    for how in ("header", "query"):
        if how == "header":
            again = SSEStream(STREAM, headers={**bearer(system, kate.id, ["agent"]), "Last-Event-ID": seen.id})
        else:
            again = SSEStream(STREAM, headers=bearer(system, kate.id, ["agent"]), params={"last_event_id": seen.id})
        try:
            assert again.status == 200
            replayed = [again.wait(lambda e, n=n: e.event == "presence" and int(e.id) == int(seen.id) + n, what=f"replay {n}")
                        for n in (1, 2, 3)]
            assert [e.json()["presence"]["sms"] for e in replayed] == ["not_ready", "ready", "not_ready"]
            assert again.retry == 2000
        finally:
            again.close()

    # An id this feed never gave: resync first, then live events continue.
    unknown = SSEStream(STREAM, headers={**bearer(system, kate.id, ["agent"]), "Last-Event-ID": "999999999"})
    try:
        resync = unknown.wait(lambda e: e.event == "resync", what="resync")
        assert resync.json()["reason"] == "last_event_id_unknown"
        kate.presence("ready")
        live = unknown.wait(lambda e: e.event == "presence", what="a live event after resync")
        assert int(live.id) > int(resync.id)
    finally:
        unknown.close()

    # A first connect (no id) replays nothing.
    fresh = open_stream(system, kate)
    try:
        time.sleep(1.0)
        assert fresh.of("presence") == []
    finally:
        fresh.close()


def test_a_ticket_opens_one_stream_once(system, admin):
    kate = Agent(system, admin, "Kate Ticket", [new_queue()])
    headers = bearer(system, kate.id, ["agent"])
    response = requests.post(f"{TRANSFER}/v1/stream/tickets", headers=headers, timeout=5)
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == {"ticket", "expires_at"} and response.headers["Cache-Control"] == "no-store"
    stream = SSEStream(STREAM, params={"ticket": body["ticket"]})
    try:
        assert stream.status == 200
        kate.presence("ready")
        stream.wait(lambda e: e.event == "presence", what="presence through a ticket's stream")
    finally:
        stream.close()
    again = SSEStream(STREAM, params={"ticket": body["ticket"]})
    assert again.status == 401 and "ticket" in again.body
    assert SSEStream(STREAM, params={"ticket": "made-up"}).status == 401
    assert SSEStream(STREAM).status == 401
    assert requests.post(f"{TRANSFER}/v1/stream/tickets", timeout=5).status_code == 401
    system_only = bearer(system, "connector", ["system"])
    assert requests.post(f"{TRANSFER}/v1/stream/tickets", headers=system_only, timeout=5).status_code == 403


def test_supervisors_follow_queue_counts_and_agents_may_not(system, observer, admin, supervisor):
    queue = new_queue()
    boss = SSEStream(STREAM, headers=bearer(system, "boss", ["supervisor"]), params={"queues": queue})
    try:
        assert boss.status == 200
        boss.wait(lambda e: e.event == "queue" and e.json() == {"queue": queue, "waiting": 0, "offered": 0, "longest_wait_seconds": 0},
                  what="the first counts")
        arrive(observer, admin, supervisor, queue)  # nobody is Ready in this queue
        waiting = boss.wait(lambda e: e.event == "queue" and e.json()["waiting"] == 1, timeout=15, what="one waiting")
        assert waiting.json()["queue"] == queue
    finally:
        boss.close()
    kate = Agent(system, admin, "Kate Nosy", [queue])
    refused = SSEStream(STREAM, headers=bearer(system, kate.id, ["agent"]), params={"queues": queue})
    assert refused.status == 403


def test_limits_a_slow_desktop_and_sigterm(system, admin, tmp_path):
    """One replica with small limits: a fourth stream of one agent is 429; a desktop that
    stops reading is cut off while another on the same replica keeps receiving; SIGTERM
    ends the open streams and the process within the 10 s budget."""
    replica = sb.ExtraService(system, "transfer", {
        "SWITCHBOARD_STREAM_MAX_PER_AGENT": "3", "SWITCHBOARD_STREAM_BUFFER_EVENTS": "10",
        "SWITCHBOARD_STREAM_STALL_SECONDS": "2", "SWITCHBOARD_STREAM_HEARTBEAT_SECONDS": "1",
    }, sb.extra_log_dir(system, tmp_path), label="stream-limits")
    streams: list[SSEStream] = []
    stalled = None
    try:
        replica.wait_ready()
        url = f"{replica.base_url}/v1/stream"
        kate = Agent(system, admin, "Kate Limits", [new_queue()])
        slow = Agent(system, admin, "Sid Slow", [new_queue()])
        for _ in range(3):
            streams.append(open_stream(system, kate, base=url))
        fourth = SSEStream(url, headers=bearer(system, kate.id, ["agent"]))
        assert fourth.status == 429 and "too_many_streams" in fourth.body
        # A desktop that goes away frees its place within seconds.
        streams.pop().close()

        def reopened():
            again = SSEStream(url, headers=bearer(system, kate.id, ["agent"]))
            if again.status == 200:
                streams.append(again)
                return True
            assert again.status == 429, again.body
            return False

        sb.wait_until(reopened, timeout=10, what="the closed stream's place freed", interval=0.5)
        # Heartbeats every second keep idle streams (and proxies) alive.
        sb.wait_until(lambda: len(streams[0].comments) >= 2, timeout=5, what="two heartbeats")

        # A desktop that stops reading: a raw socket with a tiny receive window, never read.
        stalled = stalled_desktop(system, slow, replica.port)
        time.sleep(0.5)
        # A burst far larger than the 10 buffered events and what the kernel's socket buffers
        # absorb (a few MB on loopback): 2,000 events of 4 kB on Sid's feed.
        write_burst(system, slow.id, 2000)
        # Meanwhile Kate's desktop on the same replica is served.
        kate.presence("ready")
        streams[0].wait(lambda e: e.event == "presence" and e.json()["presence"]["sms"] == "ready", timeout=5,
                        what="Kate served while Sid stalls")

        try:
            sb.wait_until(lambda: ended_fell_behind(replica.base_url), timeout=20, what="the stalled desktop ended (fell_behind)")
        except AssertionError:
            print([l for l in requests.get(f"{replica.base_url}/metrics", timeout=5).text.splitlines() if "stream" in l])
            raise

        took, status = replica.stop()
        assert took is not None and took < sb.STOP_LIMIT, f"transfer took {took} s to stop with open streams"
        assert status == 0
        for stream in streams:
            assert stream.wait_end(5), "a stream still open after its replica stopped"
    finally:
        if stalled is not None:
            stalled.close()
        for stream in streams:
            stream.close()
        replica.stop()


def test_a_stream_carries_on_after_its_replicas_database_link_drops(system, admin, tmp_path):
    """A replica's PostgreSQL link drops while a desktop's stream is open on it (every
    connection closed, new ones held unanswered, as in a database restart): the stream stays
    open, readiness says 503 meanwhile, and once the link is back the event written during the
    outage (by another replica) arrives on it, then live events again, with no reconnect."""
    from test_e2e_faults import TcpProxy, postgres_upstream, postgres_url_through, probe_ready

    postgres_url = system.env["SWITCHBOARD_POSTGRES_URL"]
    proxy = TcpProxy(postgres_upstream(postgres_url))
    service = sb.ExtraService(system, "transfer", {"SWITCHBOARD_POSTGRES_URL": postgres_url_through(postgres_url, proxy.port)},
                              sb.extra_log_dir(system, tmp_path), "stream")
    stream = None
    try:
        service.wait_ready()
        kate = Agent(system, admin, "Kate Outage", [new_queue()])
        stream = open_stream(system, kate, base=f"{service.base_url}/v1/stream")
        kate.ready()  # through the suite's transfer: its database link is fine
        stream.wait(lambda e: e.event == "presence" and e.json()["presence"]["sms"] == "ready", what="presence ready")

        proxy.freeze()
        proxy.drop()
        kate.presence("not_ready")
        sb.wait_until(lambda: probe_ready(service.port)[1] == 503, 15, "the proxied transfer 503 during the outage")
        time.sleep(2)
        assert not stream.of("presence")[1:], "an event read although the replica's database was unreachable"
        proxy.thaw()

        late = stream.wait(lambda e: e.event == "presence" and e.json()["presence"]["sms"] == "not_ready", timeout=30,
                           what="the event written during the outage, once the link is back")
        sb.wait_until(lambda: probe_ready(service.port)[1] == 200, 30, "the proxied transfer ready again")
        kate.ready()
        live = stream.wait(lambda e: e.event == "presence" and int(e.id) > int(late.id), timeout=10, what="a live event after")
        assert live.json()["presence"]["sms"] == "ready"
        assert not stream.ended.is_set(), "the stream was closed by the outage"
    finally:
        if stream:
            stream.close()
        service.stop()
        proxy.close()
