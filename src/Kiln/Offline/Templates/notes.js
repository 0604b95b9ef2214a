"use strict";
(() => {
  const STORAGE_KEY = {{js storageKey}};

  const list = document.getElementById("note-list");
  const listEmpty = document.getElementById("list-empty");
  const search = document.getElementById("search");
  const editor = document.getElementById("editor");
  const notesEmpty = document.getElementById("notes-empty");
  const titleInput = document.getElementById("note-title");
  const bodyInput = document.getElementById("note-body");
  const status = document.getElementById("status");

  let state = load();

  function load() {
    try {
      const saved = JSON.parse(localStorage.getItem(STORAGE_KEY) || "null");
      if (saved && Array.isArray(saved.notes)) {
        const notes = saved.notes.filter((note) => note && typeof note.id === "string");
        const selected = notes.some((note) => note.id === saved.selected) ? saved.selected : notes[0]?.id ?? null;
        return { notes, selected };
      }
    } catch {
      // Unreadable or blocked storage: start afresh rather than fail.
    }
    return { notes: [], selected: null };
  }

  function save() {
    try {
      localStorage.setItem(STORAGE_KEY, JSON.stringify(state));
      return true;
    } catch {
      return false;
    }
  }

  function current() {
    return state.notes.find((note) => note.id === state.selected) || null;
  }

  function formatDate(time) {
    return new Date(time).toLocaleString(undefined, { month: "short", day: "numeric", hour: "numeric", minute: "2-digit" });
  }

  function sorted() {
    return [...state.notes].sort((a, b) => b.updated - a.updated);
  }

  function renderList() {
    const query = search.value.trim().toLowerCase();
    const shown = sorted().filter((note) => !query || (note.title + "\n" + note.body).toLowerCase().includes(query));
    list.replaceChildren(...shown.map((note) => {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "note-item";
      button.dataset.id = note.id;
      button.setAttribute("aria-current", String(note.id === state.selected));
      const title = document.createElement("span");
      title.className = "note-item-title";
      title.textContent = note.title.trim() || "Untitled note";
      const snippet = document.createElement("span");
      snippet.className = "note-item-snippet";
      snippet.textContent = note.body.trim().split("\n")[0] || "No text yet";
      const date = document.createElement("span");
      date.className = "note-item-date";
      date.textContent = formatDate(note.updated);
      button.append(title, snippet, date);
      button.addEventListener("click", () => select(note.id));
      item.append(button);
      return item;
    }));
    listEmpty.hidden = shown.length > 0 || state.notes.length === 0;
  }

  function renderEditor() {
    const note = current();
    editor.hidden = !note;
    notesEmpty.hidden = Boolean(note);
    if (!note) return;
    if (titleInput.value !== note.title) titleInput.value = note.title;
    if (bodyInput.value !== note.body) bodyInput.value = note.body;
    status.textContent = "Saved " + formatDate(note.updated);
  }

  function render() {
    renderList();
    renderEditor();
  }

  function select(id) {
    state.selected = id;
    save();
    render();
    bodyInput.focus();
  }

  // Later than every note so far, even within the same millisecond, so the note touched last is always listed first.
  function stamp() {
    return Math.max(Date.now(), ...state.notes.map((note) => note.updated + 1));
  }

  function createNote() {
    const now = Date.now();
    const note = { id: now.toString(36) + Math.random().toString(36).slice(2, 8), title: "", body: "", updated: stamp() };
    state.notes.push(note);
    state.selected = note.id;
    search.value = "";
    save();
    render();
    titleInput.focus();
  }

  function edit() {
    const note = current();
    if (!note) return;
    note.title = titleInput.value;
    note.body = bodyInput.value;
    note.updated = stamp();
    status.textContent = save() ? "Saved" : "Couldn't save: browser storage is full or blocked";
    renderList();
  }

  document.getElementById("new-note").addEventListener("click", createNote);
  titleInput.addEventListener("input", edit);
  bodyInput.addEventListener("input", edit);
  titleInput.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      bodyInput.focus();
    }
  });
  search.addEventListener("input", renderList);

  document.getElementById("delete-note").addEventListener("click", () => {
    const note = current();
    if (!note) return;
    const name = note.title.trim() || "this untitled note";
    if (!window.confirm(`Delete “${name}”? This can't be undone.`)) return;
    state.notes = state.notes.filter((other) => other.id !== note.id);
    state.selected = sorted()[0]?.id ?? null;
    save();
    render();
  });

  document.addEventListener("keydown", (event) => {
    if ((event.ctrlKey || event.metaKey) && event.altKey && event.key.toLowerCase() === "n") {
      event.preventDefault();
      createNote();
    }
  });

  render();
})();
