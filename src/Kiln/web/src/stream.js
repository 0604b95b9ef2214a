// A project's events, live: the WebSocket /ws/{id}?after=N, resumed from the last seq seen after any break
// (a dropped connection, a restarted Kiln, a reloaded page), so the timeline never has a gap or a duplicate.

import { ApiError, UnreachableError, projects, requestToken, withToken } from "./api.js";

const cacheLimit = 1_500_000; // characters of JSON kept per project in sessionStorage
const cacheKey = (projectId) => `kiln.events.${projectId}`;

/** The events seen so far, kept for the tab's life so a reload shows them at once and resumes after the last. */
class EventCache {
  constructor(projectId) {
    this.key = cacheKey(projectId);
    this.events = [];
    this.size = 0;
    this.dirty = false;
    this.timer = 0;
  }

  load() {
    try {
      const stored = JSON.parse(sessionStorage.getItem(this.key) || "null");
      if (stored?.v === 1 && Array.isArray(stored.events)) {
        // Keep only an unbroken run from seq 1: anything else is not trustworthy.
        const events = [];
        for (const event of stored.events) {
          if (event?.seq !== events.length + 1) break;
          events.push(event);
        }
        this.events = events;
      }
    } catch {
      this.events = [];
    }
    return this.events;
  }

  add(event, json) {
    this.events.push(event);
    this.size += json.length;
    this.dirty = true;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.save(), 250);
  }

  save() {
    clearTimeout(this.timer);
    if (!this.dirty) return;
    this.dirty = false;
    try {
      if (this.size > cacheLimit) sessionStorage.removeItem(this.key);
      else sessionStorage.setItem(this.key, JSON.stringify({ v: 1, events: this.events }));
    } catch {
      sessionStorage.removeItem(this.key); // Full: the next load replays from the server instead.
    }
  }

  clear() {
    clearTimeout(this.timer);
    this.events = [];
    sessionStorage.removeItem(this.key);
  }
}

export function forgetEvents(projectId) {
  sessionStorage.removeItem(cacheKey(projectId));
}

/**
 * Subscribes to a project's events. Callbacks:
 *  onEvent(event, { replayed }) for each event exactly once, in seq order;
 *  onState(state, detail) with "connecting" | "live" | "reconnecting" (detail.retryIn ms) | "gone" | "unauthorized";
 *  onResync() after a reconnection, so the view can refresh what events do not carry (status, files).
 */
export class ProjectStream {
  constructor(projectId, { onEvent, onState = () => {}, onResync = () => {} }) {
    this.projectId = projectId;
    this.onEvent = onEvent;
    this.onState = onState;
    this.onResync = onResync;
    this.cache = new EventCache(projectId);
    this.lastSeq = 0;
    this.socket = null;
    this.attempt = 0;
    this.timer = 0;
    this.stopped = false;
    this.hadConnection = false;
    this.saveOnHide = () => this.cache.save();
  }

  start() {
    for (const event of this.cache.load()) {
      this.lastSeq = event.seq;
      this.onEvent(event, { replayed: true });
    }
    addEventListener("pagehide", this.saveOnHide);
    this.connect();
    return this;
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    removeEventListener("pagehide", this.saveOnHide);
    this.cache.save();
    if (this.socket) {
      this.socket.onclose = this.socket.onmessage = this.socket.onerror = null;
      this.socket.close(1000, "Leaving the project.");
      this.socket = null;
    }
  }

  /** Reconnects now instead of waiting out the backoff (the "Retry now" button). */
  retryNow() {
    if (this.stopped || this.socket) return;
    clearTimeout(this.timer);
    this.probe();
  }

  connect() {
    if (this.stopped) return;
    this.onState(this.hadConnection ? "reconnecting" : "connecting", { retryIn: 0 });
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const url = withToken(`${scheme}//${location.host}/ws/${encodeURIComponent(this.projectId)}?after=${this.lastSeq}`);
    const socket = new WebSocket(url);
    this.socket = socket;
    let opened = false;
    socket.onopen = () => {
      opened = true;
      this.attempt = 0;
      const resumed = this.hadConnection;
      this.hadConnection = true;
      this.onState("live");
      if (resumed) this.onResync();
    };
    socket.onmessage = (message) => this.receive(message.data);
    socket.onclose = (close) => {
      this.socket = null;
      if (this.stopped) return;
      if (close.code === 1000 && /deleted/i.test(close.reason)) {
        this.cache.clear();
        this.onState("gone");
        return;
      }
      // 1008: this page read too slowly; the reason says where to resume, which is where we are.
      this.schedule(close.code === 1008 || (opened && close.code === 4000) ? 0 : undefined);
    };
  }

  receive(data) {
    let event;
    try {
      event = JSON.parse(data);
    } catch {
      return;
    }
    if (!Number.isInteger(event?.seq) || event.seq <= this.lastSeq) return; // Already shown.
    if (event.seq !== this.lastSeq + 1) {
      // Never expected (the server sends every seq in order); resume from what we have rather than show a gap.
      this.socket?.close(4000, "Out of order; resuming.");
      return;
    }
    this.lastSeq = event.seq;
    this.cache.add(event, data);
    this.onEvent(event, { replayed: false });
  }

  schedule(delay) {
    clearTimeout(this.timer);
    const wait = delay ?? Math.min(10_000, 500 * 2 ** this.attempt) * (0.75 + Math.random() * 0.5);
    this.attempt++;
    this.onState("reconnecting", { retryIn: wait, attempt: this.attempt });
    this.timer = setTimeout(() => this.probe(), wait);
  }

  /** A WebSocket can't say why it failed; the status endpoint can (gone, token, or simply not up yet). */
  async probe() {
    if (this.stopped) return;
    try {
      await projects.status(this.projectId);
    } catch (error) {
      if (this.stopped) return;
      if (error instanceof ApiError && error.status === 404) {
        this.cache.clear();
        this.onState("gone");
        return;
      }
      if (error instanceof ApiError && error.status === 401) {
        this.onState("unauthorized");
        if (await requestToken(null)) this.connect();
        return;
      }
      if (error instanceof UnreachableError || error instanceof ApiError) {
        this.schedule();
        return;
      }
      throw error;
    }
    this.connect();
  }
}
