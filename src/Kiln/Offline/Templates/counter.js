"use strict";
(() => {
  const STORAGE_KEY = {{js storageKey}};

  const valueOutput = document.getElementById("value");
  const undoRow = document.getElementById("undo-row");
  const stepButtons = document.querySelectorAll("[data-step]");

  let state = load();
  let beforeReset = null;

  function load() {
    try {
      const saved = JSON.parse(localStorage.getItem(STORAGE_KEY) || "null");
      if (saved && Number.isFinite(saved.value)) {
        return { value: saved.value, step: [1, 5, 10].includes(saved.step) ? saved.step : 1 };
      }
    } catch {
      // Unreadable or blocked storage: start from zero rather than fail.
    }
    return { value: 0, step: 1 };
  }

  function save() {
    try {
      localStorage.setItem(STORAGE_KEY, JSON.stringify(state));
    } catch {
      // Storage full or blocked: the counter still works for this visit.
    }
  }

  function render() {
    valueOutput.textContent = state.value.toLocaleString();
    valueOutput.classList.toggle("negative", state.value < 0);
    document.getElementById("increment").setAttribute("aria-label", `Add ${state.step}`);
    document.getElementById("decrement").setAttribute("aria-label", `Subtract ${state.step}`);
    stepButtons.forEach((button) => button.setAttribute("aria-pressed", String(Number(button.dataset.step) === state.step)));
  }

  function change(delta) {
    state.value += delta;
    beforeReset = null;
    undoRow.hidden = true;
    save();
    render();
    valueOutput.classList.remove("bump");
    void valueOutput.offsetWidth; // restart the bump animation
    valueOutput.classList.add("bump");
  }

  function reset() {
    if (state.value === 0) return;
    beforeReset = state.value;
    state.value = 0;
    save();
    render();
    document.getElementById("undo-text").textContent = `Counter reset from ${beforeReset.toLocaleString()}.`;
    undoRow.hidden = false;
  }

  valueOutput.addEventListener("transitionend", () => valueOutput.classList.remove("bump"));
  document.getElementById("increment").addEventListener("click", () => change(state.step));
  document.getElementById("decrement").addEventListener("click", () => change(-state.step));
  document.getElementById("reset").addEventListener("click", reset);
  document.getElementById("undo").addEventListener("click", () => {
    if (beforeReset === null) return;
    state.value = beforeReset;
    beforeReset = null;
    undoRow.hidden = true;
    save();
    render();
  });

  stepButtons.forEach((button) =>
    button.addEventListener("click", () => {
      state.step = Number(button.dataset.step);
      save();
      render();
    }));

  document.addEventListener("keydown", (event) => {
    const target = event.target;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (target instanceof HTMLElement && target.closest("input, textarea, select")) return;
    if (event.key === "+" || event.key === "=" || event.key === "ArrowUp") {
      event.preventDefault();
      change(state.step);
    } else if (event.key === "-" || event.key === "_" || event.key === "ArrowDown") {
      event.preventDefault();
      change(-state.step);
    } else if (event.key === "0") {
      reset();
    }
  });

  render();
})();
