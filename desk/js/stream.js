// The live stream (docs/architecture.md 10.2): one EventSource on GET /v1/stream.
// A browser's EventSource cannot send the token, so each connection uses a fresh
// single-use ticket (POST /v1/stream/tickets). Its own automatic reconnect would reuse a
// spent ticket, so on any error the desk closes it and reconnects itself, with a new
// ticket and `?last_event_id=` (a new EventSource cannot set Last-Event-ID): the server
// replays exactly what was missed, or sends `resync`, after which state is reloaded.

import { ApiError } from "./api.js";

const EVENTS = ["offer", "notification", "interaction", "transcript", "presence", "resync", "consultation"];
const MAX_BACKOFF_MS = 30000;

/**
 * new DeskStream({api, onEvent(kind, data), onStatus(status)})
 * status: "connecting" | "live" | "reconnecting" | "stopped"
 */
export class DeskStream {
  constructor({ api, onEvent, onStatus }) {
    this.api = api;
    this.onEvent = onEvent;
    this.onStatus = onStatus;
    this.source = null;
    this.lastEventId = null;
    this.failures = 0;
    this.timer = null;
    this.stopped = false;
  }

  start() {
    this.stopped = false;
    this.onStatus("connecting");
    this.connect();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    this.source?.close();
    this.source = null;
    this.onStatus("stopped");
  }

  async connect() {
    if (this.stopped) return;
    let ticket;
    try {
      ({ ticket } = await this.api.post("/v1/stream/tickets"));
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) return; // signed out by the api client
      this.retryLater();
      return;
    }
    if (this.stopped) return;
    const params = new URLSearchParams({ ticket });
    if (this.lastEventId) params.set("last_event_id", this.lastEventId);
    const source = new EventSource(`/v1/stream?${params}`);
    this.source = source;
    source.onopen = () => {
      this.failures = 0;
      this.onStatus("live");
    };
    source.onerror = () => {
      if (this.source !== source) return;
      source.close();
      this.source = null;
      this.retryLater();
    };
    for (const kind of EVENTS) {
      source.addEventListener(kind, (event) => {
        if (event.lastEventId) this.lastEventId = event.lastEventId;
        let data = null;
        try {
          data = JSON.parse(event.data);
        } catch {
          return;
        }
        this.onEvent(kind, data);
      });
    }
  }

  retryLater() {
    if (this.stopped) return;
    this.onStatus("reconnecting");
    this.failures += 1;
    const delay = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.min(this.failures - 1, 5));
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.connect(), delay);
  }
}
