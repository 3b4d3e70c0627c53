"""What a desktop relies on its live stream for (issue #20, "Tests"; docs/architecture.md
section 10.2), beyond test_e2e_stream.py, with the real executables, RabbitMQ and
PostgreSQL, each desktop read as an `EventSource` reads it (sse_client.py):

- how long an inbound SMS takes to become an `offer` on the agent's stream at light load
  (measured and printed; only a generous bound is asserted);
- a reply's parts reaching `delivered` on the stream, part by part, with nothing polled;
- a rejected transfer's `notification` on the source's stream, the target's offer on the
  target's only;
- a long-lived token in the URL refused (only a ticket authenticates in the query);
- two busy agents never shown each other's interactions;
- a desktop that stops reading: the replica's memory stays bounded and another desktop's
  latency does not move;
- an IM consultation live on both agents' streams;
- a desktop with a backlog does not delay another desktop's events (one read takes a
  share of each agent's rows).
"""

from __future__ import annotations

import statistics
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

import e2e_support as sb
from sse_client import Event, SSEStream
from test_e2e_consultation import outbound  # noqa: F401 (fixture)
from test_e2e_outbound import INGEST
from test_e2e_stream import STREAM, ended_fell_behind, open_stream, stalled_desktop, write_burst
from test_e2e_transfer import SESSION, TRANSFER, Agent, admin, arrive, new_queue, supervisor  # noqa: F401 (fixtures)

# The target for inbound SMS -> offer on the stream, at light load: reported, not
# asserted (performance is measured by benchmarks, not by timed tests).
TARGET_P99 = 0.200
# What is asserted: a bound no healthy run comes near, so the test cannot flake.
BOUND_P99 = 2.0
# The same for the worst of another desktop's offers while one desktop stalls.
STALL_BOUND = 3.0

# 389 GSM-7 characters: three SMS parts of at most 153 (test_e2e_outbound.py's reply).
THREE_PARTS = " ".join(["Grüße, your order ships tomorrow and we will text you the tracking number."] * 5)


# --- Helpers ----------------------------------------------------------------------------


def session_number(admin, queue: str) -> str:
    """A fresh organisation number in Session mode whose interactions go to QUEUE."""
    org = sb.org_number()
    response = admin.put(f"{SESSION}/v1/numbers/{org.replace('+', '%2B')}", json={"mode": "session", "queue": queue}, timeout=5)
    assert response.status_code == 200, response.text
    return org


def percentile(samples: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(samples)
    return ordered[max(0, min(len(ordered) - 1, -(-len(ordered) * p // 100) - 1))]


def summary(samples: list[float]) -> str:
    ms = lambda s: f"{s * 1000:.1f} ms"  # noqa: E731
    return (f"n={len(samples)} p50={ms(percentile(samples, 50))} p90={ms(percentile(samples, 90))} "
            f"p99={ms(percentile(samples, 99))} max={ms(max(samples))}")


def report(capsys, tmp_path: Path, name: str, line: str) -> None:
    """Print LINE whether or not pytest captures output (-s or not), and keep it in a file."""
    with capsys.disabled():
        print(f"\n[{name}] {line}")
    (tmp_path / f"{name}.txt").write_text(line + "\n")


def offer_latencies(observer, agent: Agent, stream: SSEStream, org: str, count: int) -> list[float]:
    """COUNT inbound SMS, one at a time, each from a fresh customer to ORG (so each makes an
    interaction and an offer to AGENT, Ready): the seconds from just before the publish to
    the arrival of the first `offer` event for that customer on STREAM. Each offer is then
    rejected, and its `rejected` state seen on the stream, before the next SMS: one offer
    at a time, capacity never used up."""
    latencies = []
    for _ in range(count):
        _, customer = sb.customer_number()
        started = time.monotonic()
        observer.publish({"id": sb.carrier_id(), "from": customer, "to": org, "text": "Where is my parcel?"})
        offer = stream.wait(lambda e, c=customer: e.event == "offer" and e.json()["preview"].get("from") == c
                            and e.json()["state"] == "pending", what=f"the offer for {customer}")
        latencies.append(offer.at - started)
        body = offer.json()
        assert body["agent_id"] == agent.id
        assert agent.reject(body).status_code == 200
        stream.wait(lambda e, i=body["id"]: e.event == "offer" and e.json()["id"] == i and e.json()["state"] == "rejected",
                    what="the rejected offer")
    return latencies


def accept_from_stream(agent: Agent, stream: SSEStream, interaction_id: str) -> Event:
    """AGENT accepts the offer of INTERACTION_ID shown on its STREAM, and is shown as owner."""
    offer = stream.wait(lambda e: e.event == "offer" and e.json()["interaction_id"] == interaction_id
                        and e.json()["state"] == "pending", what=f"the offer of {interaction_id}")
    accepted = agent.accept(offer.json())
    assert accepted.status_code == 200, accepted.text
    return stream.wait(lambda e: e.event == "interaction" and e.json()["id"] == interaction_id
                       and (e.json().get("owner") or {}).get("id") == agent.id, what=f"{interaction_id} owned")


def transcript_of(stream: SSEStream, interaction_id: str) -> list[dict]:
    return [e.json()["entry"] for e in stream.of("transcript") if e.json()["interaction_id"] == interaction_id]


def open_streams(base_url: str) -> float:
    """The replica's `switchboard_stream_connections` gauge."""
    return sb.metric_sum(requests.get(f"{base_url}/metrics", timeout=5).text, "switchboard_stream_connections")


def rss_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        line = next(line for line in status if line.startswith("VmRSS:"))
    return int(line.split()[1]) * 1024


# --- Tests ------------------------------------------------------------------------------


def test_offer_latency_at_light_load_is_measured_and_printed(system, observer, admin, capsys, tmp_path):
    """30 inbound SMS, one at a time, for one Ready agent: from the publish to
    switchboard.inbound to the `offer` event on the agent's stream. p50/p90/p99/max are
    printed (also with output captured) and written to latency.txt in the test's tmp dir.
    The issue's target, 200 ms p99 at light load, is reported, not asserted: performance is
    measured by benchmarks, not by timed tests. What is asserted is a bound that a working
    stream never comes near (p99 < 2 s): an offer that takes longer, or never comes, fails."""
    queue = new_queue()
    kate = Agent(system, admin, "Kate Latency", [queue])
    org = session_number(admin, queue)
    stream = open_stream(system, kate)
    try:
        kate.ready()
        stream.wait(lambda e: e.event == "presence" and e.json()["presence"]["sms"] == "ready", what="presence ready")
        offer_latencies(observer, kate, stream, org, 2)  # warm-up, not counted (first connections, caches)
        latencies = offer_latencies(observer, kate, stream, org, 30)
    finally:
        stream.close()
    p99 = percentile(latencies, 99)
    verdict = "within" if p99 <= TARGET_P99 else "ABOVE"
    report(capsys, tmp_path, "latency",
           f"inbound SMS -> offer on the stream: {summary(latencies)} ({verdict} the issue's 200 ms p99 target; not asserted)")
    assert p99 < BOUND_P99, summary(latencies)


def test_a_second_text_while_offered_shows_the_offer_again_with_it(system, observer, admin):
    """The customer writes again while the interaction is offered: the offered agent's
    stream shows the offer again with the new text as its preview, then the new entry
    (transfer's preview change and its audience, one statement, issue #17)."""
    queue = new_queue()
    kate = Agent(system, admin, "Kate Second", [queue])
    org = session_number(admin, queue)
    _, customer = sb.customer_number()
    stream = open_stream(system, kate)
    try:
        kate.ready()
        observer.publish({"id": sb.carrier_id(), "from": customer, "to": org, "text": "Hello?"})
        offer = stream.wait(lambda e: e.event == "offer" and e.json()["preview"].get("from") == customer, what="the offer")
        interaction_id = offer.json()["interaction_id"]
        observer.publish({"id": sb.carrier_id(), "from": customer, "to": org, "text": "Anyone there?"})
        again = stream.wait(lambda e: e.event == "offer" and e.json()["interaction_id"] == interaction_id
                            and e.json()["preview"].get("text") == "Anyone there?", what="the offer with the second text")
        assert again.json()["id"] == offer.json()["id"] and again.json()["state"] == "pending"
        entry = stream.wait(lambda e: e.event == "transcript" and e.json()["interaction_id"] == interaction_id
                            and e.json()["entry"]["text"] == "Anyone there?", what="the second entry")
        assert entry.json()["entry"]["direction"] == "inbound"
        assert next(o for o in kate.offers() if o["id"] == offer.json()["id"])["preview"]["text"] == "Anyone there?"
    finally:
        stream.close()


def test_a_replys_parts_reach_delivered_on_the_stream(system, observer, admin):
    """A simulator channel that sends (each part an SMS of its own, delivered 100 ms later):
    the agent accepts an interaction on it and replies with three parts' worth of text. The
    stream shows the reply's entry, then `transcript` events of that entry (session's
    `interaction.message.updated`) until every part is `delivered`: nothing polled."""
    channel = f"e2e-stream-sim-{uuid.uuid4().hex[:8]}"
    response = admin.put(f"{INGEST}/v1/channels/{channel}", json={
        "carrier": "simulator", "outbound": {"enabled": True, "concatenate": False, "delivery_delay_ms": 100}}, timeout=5)
    assert response.status_code == 201, response.text
    queue = new_queue()
    kate = Agent(system, admin, "Kate Parts", [queue])
    org = session_number(admin, queue)
    _, customer = sb.customer_number()
    stream = open_stream(system, kate)
    try:
        kate.ready()
        observer.publish({"id": sb.carrier_id(), "channel": channel, "from": customer, "to": org, "text": "Any news?"})
        offer = stream.wait(lambda e: e.event == "offer" and e.json()["preview"].get("from") == customer, what="the offer")
        interaction_id = offer.json()["interaction_id"]
        accept_from_stream(kate, stream, interaction_id)

        assert kate.reply(interaction_id, THREE_PARTS).status_code == 202
        first = stream.wait(lambda e: e.event == "transcript" and e.json()["interaction_id"] == interaction_id
                            and e.json()["entry"]["direction"] == "outbound", what="the reply's entry")
        entry = first.json()["entry"]
        assert entry["text"] == THREE_PARTS and entry["kind"] == "message"
        assert len(entry["parts"]) == 3, entry["parts"]
        assert "".join(p["text"] for p in entry["parts"]).replace(" ", "") == THREE_PARTS.replace(" ", "")
        seq = entry["seq"]

        def of_reply() -> list[Event]:
            return [e for e in stream.of("transcript")
                    if e.json()["interaction_id"] == interaction_id and e.json()["entry"]["seq"] == seq]

        def all_delivered() -> bool:
            updates = of_reply()
            return bool(updates) and [p["status"] for p in updates[-1].json()["entry"]["parts"]] == ["delivered"] * 3

        sb.wait_until(all_delivered, timeout=20, interval=0.1,
                      what=f"every part delivered on the stream (seen: {[[p['status'] for p in e.json()['entry']['parts']] for e in of_reply()]})")
        updates = of_reply()
        history = [[p["status"] for p in e.json()["entry"]["parts"]] for e in updates]
        assert updates[0] is first and len(updates) >= 2, history
        assert [int(e.id) for e in updates] == sorted(int(e.id) for e in updates)
        for index in range(3):
            seen = [statuses[index] for statuses in history]
            assert seen[-1] == "delivered", (index, history)
            assert "failed" not in seen and "undelivered" not in seen, (index, history)
        # Each update is the whole entry as it now is.
        assert all(e.json()["entry"]["text"] == THREE_PARTS and len(e.json()["entry"]["parts"]) == 3 for e in updates)
    finally:
        stream.close()


def test_a_rejected_transfer_notifies_the_source_on_its_stream(system, observer, admin, supervisor):
    """The source transfers its interaction to another agent, who rejects it: the target's
    stream shows the transfer offer (pending, then rejected); the source's stream shows the
    `notification` (transfer_rejected, by the target) and none of the target's offers; the
    target's stream shows no notification."""
    queue = new_queue()
    source = Agent(system, admin, "Kate Source", [queue])
    target = Agent(system, admin, "Sam Target", [new_queue()])
    source_stream = open_stream(system, source)
    target_stream = open_stream(system, target)
    try:
        source.ready()
        target.ready()
        interaction_id, _ = arrive(observer, admin, supervisor, queue)
        accept_from_stream(source, source_stream, interaction_id)

        created = source.transfer(interaction_id, "agent", target.id, note="Billing question")
        assert created.status_code == 202, created.text
        transfer = created.json()
        offer = target_stream.wait(lambda e: e.event == "offer" and e.json().get("transfer_id") == transfer["id"]
                                   and e.json()["state"] == "pending", what="the transfer offer")
        assert offer.json()["kind"] == "transfer" and offer.json()["from_agent"] == {"id": source.id, "name": source.name}
        assert target.reject(offer.json()).status_code == 200
        target_stream.wait(lambda e: e.event == "offer" and e.json()["id"] == offer.json()["id"]
                           and e.json()["state"] == "rejected", what="the transfer offer rejected")

        note = source_stream.wait(lambda e: e.event == "notification" and e.json()["transfer_id"] == transfer["id"],
                                  what="the source's notification")
        body = note.json()
        assert body["kind"] == "transfer_rejected" and body["interaction_id"] == interaction_id
        assert body["by_agent"] == {"id": target.id, "name": target.name}
        assert body["text"] == "Sam Target rejected the transfer"
        # The notification is the one REST lists too.
        listed = source.desk.get(f"{TRANSFER}/v1/agents/{source.id}/notifications", timeout=5).json()["items"]
        assert body["id"] in [n["id"] for n in listed]

        time.sleep(0.5)  # anything misrouted would have arrived by now
        misrouted = [e.data for e in source_stream.of("offer") if e.json()["agent_id"] != source.id]
        assert not misrouted, "the target's offers on the source's stream"
        assert not [e for e in source_stream.of("offer") if e.json().get("transfer_id") == transfer["id"]]
        assert target_stream.of("notification") == [], "the source's notification on the target's stream"
        assert all(e.json()["agent_id"] == target.id for e in target_stream.of("offer"))
    finally:
        source_stream.close()
        target_stream.close()


def test_a_long_lived_token_in_the_url_is_refused(system, admin):
    """Only a single-use ticket authenticates in the query: a valid JWT as `access_token`,
    `token` or `ticket` is 401, and opens no stream; the same JWT as a bearer header, or a
    ticket issued for it, opens one."""
    kate = Agent(system, admin, "Kate Url", [new_queue()])
    jwt = system.token(kate.id, ["agent"], name=kate.name)
    for name in ("access_token", "token", "ticket", "jwt", "authorization", "bearer"):
        refused = SSEStream(STREAM, params={name: jwt})
        assert refused.status == 401, f"?{name}=<jwt> answered {refused.status}"
        assert refused.response.headers["Content-Type"].startswith("application/problem+json"), refused.response.headers
        assert refused.response.json()["code"] == "unauthorized"
        assert refused.ended.is_set()
    refused = SSEStream(STREAM, params={"authorization": f"Bearer {jwt}"})
    assert refused.status == 401

    header = SSEStream(STREAM, headers={"Authorization": f"Bearer {jwt}"})
    ticket = requests.post(f"{TRANSFER}/v1/stream/tickets", headers={"Authorization": f"Bearer {jwt}"}, timeout=5)
    assert ticket.status_code == 201, ticket.text
    by_ticket = SSEStream(STREAM, params={"ticket": ticket.json()["ticket"]})
    try:
        assert header.status == 200 and by_ticket.status == 200
        kate.presence("ready")
        for stream in (header, by_ticket):
            stream.wait(lambda e: e.event == "presence" and e.json()["id"] == kate.id, what="presence")
    finally:
        header.close()
        by_ticket.close()


def test_two_busy_agents_never_see_each_others_interactions(system, observer, admin, supervisor):
    """Agents A and B, in different queues, each accept an interaction and exchange five
    rounds of messages with their customers at the same time (customers' SMS interleaved,
    replies sent concurrently). Each stream shows its own exchange in full, and nothing of
    the other's: no interaction id, number or text of it, in any event."""
    agents, streams, conversations = {}, {}, {}
    try:
        for key, name in (("a", "Ann Alpha"), ("b", "Bob Beta")):
            queue = new_queue()
            agents[key] = Agent(system, admin, name, [queue])
            streams[key] = open_stream(system, agents[key])
            agents[key].ready()
            org = session_number(admin, queue)
            _, customer = sb.customer_number()
            marker = uuid.uuid4().hex[:12]
            conversations[key] = {"org": org, "customer": customer, "marker": marker}
            observer.publish({"id": sb.carrier_id(), "from": customer, "to": org, "text": f"Hello {marker} 0"})
        for key in ("a", "b"):
            customer = conversations[key]["customer"]
            offer = streams[key].wait(lambda e, c=customer: e.event == "offer" and e.json()["preview"].get("from") == c,
                                      what=f"{key}'s offer")
            conversations[key]["id"] = offer.json()["interaction_id"]
            accept_from_stream(agents[key], streams[key], conversations[key]["id"])

        def answer(key: str, round_: int) -> int:
            conversation = conversations[key]
            return agents[key].reply(conversation["id"], f"Reply {conversation['marker']} {round_}").status_code

        rounds = 5
        with ThreadPoolExecutor(2) as pool:
            for round_ in range(1, rounds + 1):
                for key in ("a", "b"):
                    c = conversations[key]
                    observer.publish({"id": sb.carrier_id(), "from": c["customer"], "to": c["org"],
                                      "text": f"Hello {c['marker']} {round_}"})
                assert list(pool.map(lambda k, r=round_: answer(k, r), ("a", "b"))) == [202, 202]

        for key in ("a", "b"):
            c = conversations[key]
            sb.wait_until(lambda c=c, k=key: {e["text"] for e in transcript_of(streams[k], c["id"])} >= {
                *(f"Hello {c['marker']} {n}" for n in range(rounds + 1)), *(f"Reply {c['marker']} {n}" for n in range(1, rounds + 1))},
                timeout=20, what=f"{key}'s whole exchange on its stream")
        time.sleep(0.5)  # anything misrouted would have arrived by now

        for mine, theirs in (("a", "b"), ("b", "a")):
            other = conversations[theirs]
            secrets = (other["id"], other["marker"], other["customer"], other["org"], agents[theirs].id)
            leaked = [(e.event, e.data[:200]) for e in streams[mine].events if any(s in e.data for s in secrets)]
            assert not leaked, f"{mine}'s stream shows {theirs}'s interaction: {leaked}"
            assert len(streams[mine].events) > 2 * rounds, [e.event for e in streams[mine].events]
    finally:
        for stream in streams.values():
            stream.close()


def test_a_stalled_desktop_keeps_memory_bounded_and_others_latency_unchanged(system, observer, admin, capsys, tmp_path):
    """One transfer replica (default buffer of 500 events, stall limit 6 s) holds two
    desktops: Kate's, which reads, and Sid's, a socket that never reads. 20,000 events of
    4 kB (80 MB) are written to Sid's feed at once. The replica's RSS (VmRSS, sampled every
    50 ms until Sid's stream is ended as fallen behind) grows less than 64 MiB over its
    value before the burst, so what a stalled desktop has not read is not held in memory;
    and Kate's latency (inbound SMS -> offer on her stream on that replica) during the
    stall stays within 0.5 s of the one before it (medians) and under 3 s (max: the first
    offer after the burst waits while the replica reads Sid's first pages of 4 MB, about
    1 s in a debug build). Latencies and memory are printed."""
    replica = sb.ExtraService(system, "transfer", {
        "SWITCHBOARD_STREAM_STALL_SECONDS": "6", "SWITCHBOARD_STREAM_HEARTBEAT_SECONDS": "1",
    }, sb.extra_log_dir(system, tmp_path), label="stream-stall")
    stream = stalled = None
    sampling = threading.Event()
    peak = [0]
    try:
        replica.wait_ready()
        url = f"{replica.base_url}/v1/stream"
        queue = new_queue()
        # Kate's id sorts before Sid's on purpose: the other order meets the defect of
        # test_a_backlog_on_one_desktop_does_not_hold_up_anothers_events.
        kate = Agent(system, admin, "Kate Reader", [queue])
        sid = Agent(system, admin, "Sid Stalled", [new_queue()])
        org = session_number(admin, queue)
        stream = open_stream(system, kate, base=url)
        kate.ready()
        stream.wait(lambda e: e.event == "presence" and e.json()["presence"]["sms"] == "ready", what="presence ready")
        offer_latencies(observer, kate, stream, org, 2)  # warm-up
        before = offer_latencies(observer, kate, stream, org, 8)

        stalled = stalled_desktop(system, sid, replica.port)
        time.sleep(0.5)
        rss_before = rss_bytes(replica.process.pid)
        peak[0] = rss_before

        def sample():
            while not sampling.is_set():
                try:
                    peak[0] = max(peak[0], rss_bytes(replica.process.pid))
                except (OSError, StopIteration):
                    return
                time.sleep(0.05)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        write_burst(system, sid.id, 20_000)
        during = offer_latencies(observer, kate, stream, org, 8)
        assert open_streams(replica.base_url) == 2, "Sid's stream ended before Kate's latency was measured during the stall"
        # Ended as fallen behind: the replica logs it, the connections gauge shows it gone, and
        # it is counted (also when the hub ended it stuck in a write, by closing its socket).
        sb.wait_until(lambda: open_streams(replica.base_url) == 1, timeout=20, interval=0.2,
                      what="the stalled desktop's stream ended")
        ended = [line for line in replica.log.read_text().splitlines() if "desk stream ended" in line and sid.id in line]
        assert ended and '"reason":"fell_behind"' in ended[0], ended
        sb.wait_until(lambda: ended_fell_behind(replica.base_url), timeout=5, interval=0.2,
                      what="switchboard_stream_ended_total{reason=fell_behind} counted")
        time.sleep(0.5)
        sampling.set()
        sampler.join(2)
        rss_after = rss_bytes(replica.process.pid)
        assert not stream.ended.is_set(), "Kate's stream ended with Sid's"

        mib = lambda b: f"{b / 2**20:.1f} MiB"  # noqa: E731
        report(capsys, tmp_path, "stall",
               f"Kate's offer latency before the stall: {summary(before)}; during: {summary(during)}; "
               f"replica RSS before {mib(rss_before)}, peak {mib(peak[0])}, after {mib(rss_after)}")
        assert peak[0] - rss_before < 64 * 2**20, f"RSS grew by {mib(peak[0] - rss_before)} for one stalled desktop"
        assert statistics.median(during) < statistics.median(before) + 0.5, (summary(before), summary(during))
        assert max(during) < STALL_BOUND, summary(during)
    finally:
        sampling.set()
        if stalled is not None:
            stalled.close()
        if stream is not None:
            stream.close()
        replica.stop()


def test_a_consultation_is_live_on_both_streams(system, observer, admin, supervisor, outbound):  # noqa: F811
    """A owns an interaction (routed and accepted) and invites B: B's stream shows the
    consultation `started`; B reads the interaction and posts an internal message; A's
    stream shows the consultation's `message` (with the entry) and a `transcript` event of
    that internal entry; no SMS leaves for it. A ends it: B's stream shows `ended`, and B
    reads the interaction no more (404)."""
    queue = new_queue()
    ann = Agent(system, admin, "Ann Owner", [queue])
    bob = Agent(system, admin, "Bob Helper", [new_queue()])
    ann_stream = open_stream(system, ann)
    bob_stream = open_stream(system, bob)
    try:
        ann.ready()
        interaction_id, _ = arrive(observer, admin, supervisor, queue, text="My refund has not arrived")
        accept_from_stream(ann, ann_stream, interaction_id)
        assert bob.desk.get(f"{SESSION}/v1/interactions/{interaction_id}", timeout=5).status_code == 404

        invited = ann.desk.post(f"{SESSION}/v1/interactions/{interaction_id}/consultations", json={"agent_id": bob.id}, timeout=5)
        assert invited.status_code == 201, invited.text
        consultation = invited.json()

        def consultation_event(stream: SSEStream, kind: str, what: str) -> dict:
            return stream.wait(lambda e: e.event == "consultation" and e.json()["type"] == kind
                               and e.json()["consultation"]["id"] == consultation["id"], what=what).json()

        started = consultation_event(bob_stream, "started", "consultation started on B's stream")
        assert started["interaction_id"] == interaction_id
        assert started["consultation"]["agent"]["id"] == bob.id and started["consultation"]["from_agent"]["id"] == ann.id
        assert started["consultation"]["state"] == "open"

        read = bob.desk.get(f"{SESSION}/v1/interactions/{interaction_id}", timeout=5)
        assert read.status_code == 200, read.text
        assert read.json()["transcript"][0]["text"] == "My refund has not arrived"
        posted = bob.desk.post(f"{SESSION}/v1/consultations/{consultation['id']}/messages",
                               json={"text": "Refunds go out on Fridays"}, timeout=5)
        assert posted.status_code == 201, posted.text
        entry = posted.json()
        assert entry["kind"] == "internal"

        message = consultation_event(ann_stream, "message", "the internal message on A's stream")
        assert message["entry"] == entry and message["interaction_id"] == interaction_id
        shown = ann_stream.wait(lambda e: e.event == "transcript" and e.json()["interaction_id"] == interaction_id
                                and e.json()["entry"]["seq"] == entry["seq"], what="the internal entry in A's transcript")
        assert shown.json()["entry"] == entry
        assert outbound(interaction_id) == [], "an SMS left for an internal message"

        ended = ann.desk.post(f"{SESSION}/v1/consultations/{consultation['id']}/end", timeout=5)
        assert ended.status_code == 200, ended.text
        gone = consultation_event(bob_stream, "ended", "consultation ended on B's stream")
        assert gone["consultation"]["state"] == "ended" and gone["consultation"]["ended_by"]["id"] == ann.id
        assert bob.desk.get(f"{SESSION}/v1/interactions/{interaction_id}", timeout=5).status_code == 404
        assert outbound(interaction_id, 0.3) == []
    finally:
        ann_stream.close()
        bob_stream.close()


def test_a_backlog_on_one_desktop_does_not_hold_up_anothers_events(system, admin, capsys, tmp_path):
    """Abe's desktop has thousands of events to catch up on (a burst; a reconnect replaying
    a long absence is the same) when Zoe's presence changes: Zoe's event is on her stream
    within 1 s, twice in a row. Abe's id sorts before Zoe's, so the replica's pages of
    feed rows are Abe's first; Abe's desktop reads (it is not stalled)."""
    abe = Agent(system, admin, "Abe Backlog", [new_queue()])
    zoe = Agent(system, admin, "Zoe Waiting", [new_queue()])
    assert abe.id < zoe.id
    abe_stream = open_stream(system, abe)
    zoe_stream = open_stream(system, zoe)
    delays = []
    try:
        for state in ("ready", "not_ready"):
            write_burst(system, abe.id, 5000, size=10)
            started = time.monotonic()
            zoe.presence(state)
            shown = zoe_stream.wait(lambda e, s=state: e.event == "presence" and e.json()["presence"]["sms"] == s,
                                    timeout=15, what=f"Zoe's presence {state}")
            delays.append(shown.at - started)
        sb.wait_until(lambda: len(abe_stream.of("notification")) == 10_000, timeout=20, what="Abe's 10,000 events")
        assert not abe_stream.ended.is_set(), "Abe's stream ended: it was meant to keep up"
    finally:
        abe_stream.close()
        zoe_stream.close()
    report(capsys, tmp_path, "backlog", "Zoe's presence on her stream while Abe catches up on 5,000 events: "
           + ", ".join(f"{d * 1000:.0f} ms" for d in delays))
    assert max(delays) < 1.0, delays
