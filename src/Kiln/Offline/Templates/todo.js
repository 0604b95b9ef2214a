"use strict";
(() => {
  const STORAGE_KEY = {{js storageKey}};

  const form = document.getElementById("add-form");
  const input = document.getElementById("new-task");
  const list = document.getElementById("task-list");
  const empty = document.getElementById("empty");
  const remaining = document.getElementById("remaining");
  const clearDone = document.getElementById("clear-done");
  const filterButtons = document.querySelectorAll("[data-filter]");

  const ICON_EDIT = '<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true" focusable="false"><path d="M12 20h9"/><path d="M16.5 3.5a2.1 2.1 0 0 1 3 3L7 19l-4 1 1-4z"/></svg>';
  const ICON_DELETE = '<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true" focusable="false"><path d="M3 6h18"/><path d="M8 6V4h8v2"/><path d="M19 6l-1 14H6L5 6"/></svg>';

  let state = load();

  function load() {
    try {
      const saved = JSON.parse(localStorage.getItem(STORAGE_KEY) || "null");
      if (saved && Array.isArray(saved.tasks)) {
        return {
          tasks: saved.tasks.filter((task) => task && typeof task.text === "string"),
          filter: ["all", "active", "done"].includes(saved.filter) ? saved.filter : "all",
        };
      }
    } catch {
      // Unreadable or blocked storage: start afresh rather than fail.
    }
    return { tasks: [], filter: "all" };
  }

  function save() {
    try {
      localStorage.setItem(STORAGE_KEY, JSON.stringify(state));
    } catch {
      // Storage full or blocked: the list still works for this visit.
    }
  }

  function newId() {
    return Date.now().toString(36) + Math.random().toString(36).slice(2, 8);
  }

  function visible(task) {
    return state.filter === "all" || (state.filter === "done") === Boolean(task.done);
  }

  function render() {
    list.replaceChildren(...state.tasks.filter(visible).map(renderTask));
    const left = state.tasks.filter((task) => !task.done).length;
    const done = state.tasks.length - left;
    remaining.textContent = state.tasks.length === 0
      ? "No tasks yet"
      : `${left} ${left === 1 ? "task" : "tasks"} left` + (done ? `, ${done} done` : "");
    empty.hidden = list.children.length > 0;
    empty.textContent = state.tasks.length === 0
      ? "Nothing here yet. Add your first task above."
      : state.filter === "done" ? "Nothing finished yet." : "All done. Nice work!";
    clearDone.hidden = done === 0;
    filterButtons.forEach((button) => button.setAttribute("aria-pressed", String(button.dataset.filter === state.filter)));
  }

  function renderTask(task) {
    const item = document.createElement("li");
    item.className = "task" + (task.done ? " done" : "");
    item.dataset.id = task.id;

    const checkbox = document.createElement("input");
    checkbox.type = "checkbox";
    checkbox.id = "task-" + task.id;
    checkbox.checked = Boolean(task.done);
    checkbox.addEventListener("change", () => update(task.id, { done: checkbox.checked }));

    const label = document.createElement("label");
    label.className = "task-text";
    label.htmlFor = checkbox.id;
    label.textContent = task.text;

    const edit = iconButton(ICON_EDIT, `Edit “${task.text}”`, () => startEditing(item, task));
    const remove = iconButton(ICON_DELETE, `Delete “${task.text}”`, () => {
      state.tasks = state.tasks.filter((other) => other.id !== task.id);
      save();
      render();
      input.focus();
    });

    item.append(checkbox, label, edit, remove);
    return item;
  }

  function iconButton(svg, label, onClick) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "icon-btn";
    button.innerHTML = svg;
    button.setAttribute("aria-label", label);
    button.title = label;
    button.addEventListener("click", onClick);
    return button;
  }

  function startEditing(item, task) {
    const field = document.createElement("input");
    field.className = "input";
    field.value = task.text;
    field.maxLength = 200;
    field.setAttribute("aria-label", "Edit task");
    let finished = false;
    const finish = (keep) => {
      if (finished) return;
      finished = true;
      const text = field.value.trim();
      if (keep && text) update(task.id, { text });
      else render();
      const again = list.querySelector(`[data-id="${task.id}"] .icon-btn`);
      if (again) again.focus();
    };
    field.addEventListener("keydown", (event) => {
      if (event.key === "Enter") finish(true);
      if (event.key === "Escape") finish(false);
    });
    field.addEventListener("blur", () => finish(true));
    item.querySelector(".task-text").replaceWith(field);
    field.focus();
    field.select();
  }

  function update(id, changes) {
    state.tasks = state.tasks.map((task) => (task.id === id ? { ...task, ...changes } : task));
    save();
    render();
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    state.tasks.push({ id: newId(), text, done: false });
    if (state.filter === "done") state.filter = "all";
    input.value = "";
    save();
    render();
    input.focus();
  });

  filterButtons.forEach((button) =>
    button.addEventListener("click", () => {
      state.filter = button.dataset.filter;
      save();
      render();
    }));

  clearDone.addEventListener("click", () => {
    state.tasks = state.tasks.filter((task) => !task.done);
    save();
    render();
    input.focus();
  });

  render();
})();
