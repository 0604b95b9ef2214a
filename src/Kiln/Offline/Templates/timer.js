"use strict";
(() => {
  const STORAGE_KEY = {{js storageKey}};
  const APP_TITLE = {{js title}};
  const MODES = { focus: "Focus", short: "Short break", long: "Long break" };
  const LIMITS = { focus: 180, short: 60, long: 90 };
  const RING = 339.292; // 2πr for r = 54

  const timeText = document.getElementById("time");
  const modeLabel = document.getElementById("mode-label");
  const ring = document.getElementById("ring");
  const startButton = document.getElementById("start");
  const sessionsText = document.getElementById("sessions");
  const announcer = document.getElementById("announcer");
  const modeButtons = document.querySelectorAll("[data-mode]");
  const minuteInputs = document.querySelectorAll("[data-minutes]");

  let state = load();
  let ticker = null;

  function today() {
    const now = new Date();
    return `${now.getFullYear()}-${now.getMonth() + 1}-${now.getDate()}`;
  }

  function load() {
    const fresh = { mode: "focus", minutes: { focus: 25, short: 5, long: 15 }, endAt: null, left: null, day: today(), sessions: 0 };
    try {
      const saved = JSON.parse(localStorage.getItem(STORAGE_KEY) || "null");
      if (saved && MODES[saved.mode] && saved.minutes) {
        const state = { ...fresh, ...saved, minutes: { ...fresh.minutes } };
        for (const mode of Object.keys(MODES)) {
          const minutes = Number(saved.minutes[mode]);
          if (Number.isInteger(minutes) && minutes >= 1 && minutes <= LIMITS[mode]) state.minutes[mode] = minutes;
        }
        if (state.day !== today()) {
          state.day = today();
          state.sessions = 0;
        }
        return state;
      }
    } catch {
      // Unreadable or blocked storage: start with the defaults.
    }
    return fresh;
  }

  function save() {
    try {
      localStorage.setItem(STORAGE_KEY, JSON.stringify(state));
    } catch {
      // Storage full or blocked: the timer still runs for this visit.
    }
  }

  function duration() {
    return state.minutes[state.mode] * 60000;
  }

  function remaining() {
    if (state.endAt !== null) return Math.max(0, state.endAt - Date.now());
    return state.left ?? duration();
  }

  function clock(ms) {
    const seconds = Math.ceil(ms / 1000);
    return `${String(Math.floor(seconds / 60)).padStart(2, "0")}:${String(seconds % 60).padStart(2, "0")}`;
  }

  function render() {
    const left = remaining();
    const running = state.endAt !== null;
    timeText.textContent = clock(left);
    modeLabel.textContent = MODES[state.mode];
    ring.style.strokeDashoffset = String(RING * (1 - left / duration()));
    startButton.textContent = running ? "Pause" : state.left !== null ? "Resume" : "Start"; // paused, even in the first millisecond
    document.title = running ? `${clock(left)} · ${MODES[state.mode]} · ${APP_TITLE}` : APP_TITLE;
    modeButtons.forEach((button) => button.setAttribute("aria-pressed", String(button.dataset.mode === state.mode)));
    minuteInputs.forEach((input) => {
      if (document.activeElement !== input) input.value = String(state.minutes[input.dataset.minutes]);
    });
    sessionsText.textContent = state.sessions === 0
      ? "No focus sessions yet today"
      : `${state.sessions} focus ${state.sessions === 1 ? "session" : "sessions"} done today`;
  }

  function tick() {
    if (state.endAt !== null && remaining() === 0) finish();
    render();
  }

  function start() {
    state.endAt = Date.now() + remaining();
    state.left = null;
    ticker ??= setInterval(tick, 250);
    save();
    render();
  }

  function pause() {
    state.left = remaining();
    state.endAt = null;
    clearInterval(ticker);
    ticker = null;
    save();
    render();
  }

  function switchMode(mode) {
    clearInterval(ticker);
    ticker = null;
    state.mode = mode;
    state.endAt = null;
    state.left = null;
    save();
    render();
  }

  function finish() {
    const finished = state.mode;
    if (finished === "focus") state.sessions += 1;
    const next = finished !== "focus" ? "focus" : state.sessions % 4 === 0 ? "long" : "short";
    switchMode(next);
    announcer.textContent = `${MODES[finished]} finished. Next: ${MODES[next]}.`;
    chime();
  }

  function chime() {
    try {
      const audio = new AudioContext();
      [0, 0.25, 0.5].forEach((offset) => {
        const tone = audio.createOscillator();
        const gain = audio.createGain();
        tone.frequency.value = 880;
        gain.gain.setValueAtTime(0.15, audio.currentTime + offset);
        gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + offset + 0.2);
        tone.connect(gain).connect(audio.destination);
        tone.start(audio.currentTime + offset);
        tone.stop(audio.currentTime + offset + 0.2);
      });
    } catch {
      // No audio available: the visual and spoken announcements still happen.
    }
  }

  startButton.addEventListener("click", () => (state.endAt !== null ? pause() : start()));
  document.getElementById("reset").addEventListener("click", () => switchMode(state.mode));
  modeButtons.forEach((button) => button.addEventListener("click", () => switchMode(button.dataset.mode)));
  minuteInputs.forEach((input) =>
    input.addEventListener("change", () => {
      const mode = input.dataset.minutes;
      const minutes = Math.round(Number(input.value));
      if (Number.isFinite(minutes) && minutes >= 1 && minutes <= LIMITS[mode]) {
        state.minutes[mode] = minutes;
        if (mode === state.mode && state.endAt === null) state.left = null;
        save();
      }
      input.value = String(state.minutes[mode]);
      render();
    }));

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.target instanceof HTMLElement && event.target.closest("input, textarea, select, button, summary")) return;
    if (event.key === " ") {
      event.preventDefault();
      startButton.click();
    } else if (event.key.toLowerCase() === "r") {
      switchMode(state.mode);
    }
  });

  if (state.endAt !== null) {
    ticker = setInterval(tick, 250);
  }
  tick();
  requestAnimationFrame(() => requestAnimationFrame(() => ring.classList.add("animated")));
})();
