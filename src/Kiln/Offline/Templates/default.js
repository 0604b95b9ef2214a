"use strict";
(() => {
  const STORAGE_KEY = {{js storageKey}};
  const APP_TITLE = {{js title}};
  const ITEM = {{js item}};
  const ITEMS = {{js items}};
  const AN_ITEM = {{js anItem}};

  const form = document.getElementById("entry-form");
  const formTitle = document.getElementById("form-title");
  const nameInput = document.getElementById("entry-name");
  const tagInput = document.getElementById("entry-tag");
  const notesInput = document.getElementById("entry-notes");
  const submit = document.getElementById("submit");
  const cancelEdit = document.getElementById("cancel-edit");
  const search = document.getElementById("search");
  const sort = document.getElementById("sort");
  const list = document.getElementById("entries");
  const empty = document.getElementById("empty");
  const count = document.getElementById("count");
  const exportButton = document.getElementById("export");
  const showButtons = document.querySelectorAll("[data-show]");

  const ICON_STAR = '<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linejoin="round" aria-hidden="true" focusable="false"><path d="M12 2.5l2.9 6 6.6.8-4.9 4.6 1.3 6.6L12 17.2l-5.9 3.3 1.3-6.6-4.9-4.6 6.6-.8z"/></svg>';
  const ICON_EDIT = '<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true" focusable="false"><path d="M12 20h9"/><path d="M16.5 3.5a2.1 2.1 0 0 1 3 3L7 19l-4 1 1-4z"/></svg>';
  const ICON_DELETE = '<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true" focusable="false"><path d="M3 6h18"/><path d="M8 6V4h8v2"/><path d="M19 6l-1 14H6L5 6"/></svg>';

  let state = load();
  let editing = null;

  function load() {
    try {
      const saved = JSON.parse(localStorage.getItem(STORAGE_KEY) || "null");
      if (saved && Array.isArray(saved.entries)) {
        return {
          entries: saved.entries.filter((entry) => entry && typeof entry.name === "string"),
          show: saved.show === "starred" ? "starred" : "all",
          sort: ["new", "az", "tag"].includes(saved.sort) ? saved.sort : "new",
        };
      }
    } catch {
      // Unreadable or blocked storage: start afresh rather than fail.
    }
    return { entries: [], show: "all", sort: "new" };
  }

  function save() {
    try {
      localStorage.setItem(STORAGE_KEY, JSON.stringify(state));
    } catch {
      // Storage full or blocked: the collection still works for this visit.
    }
  }

  function matches(entry, query) {
    return !query || [entry.name, entry.tag, entry.notes].join("\n").toLowerCase().includes(query);
  }

  function ordered(entries) {
    const byName = (a, b) => a.name.localeCompare(b.name, undefined, { sensitivity: "base" });
    if (state.sort === "az") return [...entries].sort(byName);
    if (state.sort === "tag") return [...entries].sort((a, b) => (a.tag || "\uffff").localeCompare(b.tag || "\uffff") || byName(a, b));
    return [...entries].sort((a, b) => b.created - a.created);
  }

  function render() {
    const query = search.value.trim().toLowerCase();
    const shown = ordered(state.entries.filter((entry) => (state.show === "all" || entry.starred) && matches(entry, query)));
    list.replaceChildren(...shown.map(renderEntry));
    const total = state.entries.length;
    count.textContent = total === 0 ? "" : shown.length === total
      ? `${total} ${total === 1 ? ITEM : ITEMS}`
      : `Showing ${shown.length} of ${total} ${total === 1 ? ITEM : ITEMS}`;
    empty.hidden = shown.length > 0;
    empty.textContent = total === 0
      ? `No ${ITEMS} yet. Add your first one above.`
      : state.show === "starred" && !query ? `No starred ${ITEMS} yet. Select the star on one to keep it here.` : `No ${ITEMS} match “${search.value.trim()}”.`;
    exportButton.hidden = total === 0;
    sort.value = state.sort;
    showButtons.forEach((button) => button.setAttribute("aria-pressed", String(button.dataset.show === state.show)));
  }

  function renderEntry(entry) {
    const item = document.createElement("li");
    item.className = "entry" + (entry.starred ? " starred" : "");

    const name = document.createElement("h3");
    name.textContent = entry.name;
    item.append(name);
    if (entry.tag) {
      const tag = document.createElement("span");
      tag.className = "entry-tag";
      tag.textContent = entry.tag;
      item.append(tag);
    }
    if (entry.notes) {
      const notes = document.createElement("p");
      notes.className = "entry-notes";
      notes.textContent = entry.notes;
      item.append(notes);
    }

    const foot = document.createElement("div");
    foot.className = "entry-foot";
    const date = document.createElement("span");
    date.className = "entry-date";
    date.textContent = "Added " + new Date(entry.created).toLocaleDateString(undefined, { day: "numeric", month: "short", year: "numeric" });
    const star = iconButton(ICON_STAR, `Star “${entry.name}”`, () => update(entry.id, { starred: !entry.starred }));
    star.setAttribute("aria-pressed", String(Boolean(entry.starred)));
    const edit = iconButton(ICON_EDIT, `Edit “${entry.name}”`, () => startEditing(entry));
    const remove = iconButton(ICON_DELETE, `Delete “${entry.name}”`, () => {
      if (!window.confirm(`Delete “${entry.name}”?`)) return;
      state.entries = state.entries.filter((other) => other.id !== entry.id);
      if (editing === entry.id) stopEditing();
      save();
      render();
      nameInput.focus();
    });
    foot.append(date, star, edit, remove);
    item.append(foot);
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

  function update(id, changes) {
    state.entries = state.entries.map((entry) => (entry.id === id ? { ...entry, ...changes } : entry));
    save();
    render();
  }

  function startEditing(entry) {
    editing = entry.id;
    nameInput.value = entry.name;
    tagInput.value = entry.tag || "";
    notesInput.value = entry.notes || "";
    formTitle.textContent = `Edit ${ITEM}`;
    submit.textContent = "Save changes";
    cancelEdit.hidden = false;
    form.scrollIntoView({ behavior: "smooth", block: "start" });
    nameInput.focus();
  }

  function stopEditing() {
    editing = null;
    form.reset();
    formTitle.textContent = `Add ${AN_ITEM}`;
    submit.textContent = `Add ${ITEM}`;
    cancelEdit.hidden = true;
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const values = { name: nameInput.value.trim(), tag: tagInput.value.trim(), notes: notesInput.value.trim() };
    if (!values.name) return;
    if (editing) {
      update(editing, values);
    } else {
      const id = Date.now().toString(36) + Math.random().toString(36).slice(2, 8);
      state.entries.push({ id, ...values, starred: false, created: Date.now() });
      save();
    }
    stopEditing();
    render();
    nameInput.focus();
  });

  cancelEdit.addEventListener("click", () => {
    stopEditing();
    nameInput.focus();
  });
  search.addEventListener("input", render);
  sort.addEventListener("change", () => {
    state.sort = sort.value;
    save();
    render();
  });
  showButtons.forEach((button) =>
    button.addEventListener("click", () => {
      state.show = button.dataset.show;
      save();
      render();
    }));

  exportButton.addEventListener("click", () => {
    const blob = new Blob([JSON.stringify({ title: APP_TITLE, entries: state.entries }, null, 2)], { type: "application/json" });
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = (APP_TITLE.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "collection") + ".json";
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 1000);
  });

  render();
})();
