"use strict";
(() => {
  const STORAGE_KEY = {{js storageKey}};
  const MAX_DIGITS = 15;
  const OPERATORS = { "+": (a, b) => a + b, "−": (a, b) => a - b, "×": (a, b) => a * b, "÷": (a, b) => a / b };

  const display = document.getElementById("display");
  const expression = document.getElementById("expression");
  const historyList = document.getElementById("history-list");
  const historyEmpty = document.getElementById("history-empty");
  const clearHistory = document.getElementById("clear-history");

  // An immediate-execution calculator: "2 + 3 ×" shows 5 before the next number, like a pocket calculator.
  let entry = "0";
  let stored = null;
  let operator = null;
  let startNew = false;
  let error = null;
  let history = loadHistory();

  function loadHistory() {
    try {
      const saved = JSON.parse(localStorage.getItem(STORAGE_KEY) || "null");
      if (saved && Array.isArray(saved.history)) {
        return saved.history.filter((item) => item && typeof item.sum === "string" && typeof item.result === "string").slice(0, 12);
      }
    } catch {
      // Unreadable or blocked storage: start with no history.
    }
    return [];
  }

  function saveHistory() {
    try {
      localStorage.setItem(STORAGE_KEY, JSON.stringify({ history }));
    } catch {
      // Storage full or blocked: history lasts for this visit only.
    }
  }

  function format(number) {
    if (!Number.isFinite(number)) return null;
    const rounded = Number(number.toPrecision(12));
    const text = String(rounded);
    return text.length > MAX_DIGITS + 2 ? rounded.toExponential(8).replace(/\.?0+e/, "e") : text;
  }

  function pretty(text) {
    if (text.includes("e")) return text;
    const [whole, fraction] = text.split(".");
    const sign = whole.startsWith("-") ? "-" : "";
    const digits = sign ? whole.slice(1) : whole;
    const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return sign + grouped + (fraction !== undefined ? "." + fraction : "");
  }

  function render() {
    display.classList.toggle("error", error !== null);
    display.textContent = error ?? pretty(entry);
    expression.textContent = operator !== null && stored !== null ? `${pretty(format(stored))} ${operator}` : "\u00a0";
    document.querySelectorAll("[data-operator]").forEach((key) =>
      key.setAttribute("aria-pressed", String(startNew && key.dataset.operator === operator)));
    historyList.replaceChildren(...history.map((item) => {
      const li = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "history-item";
      button.setAttribute("aria-label", `${item.sum} = ${item.result}. Use this result`);
      const sum = document.createElement("span");
      sum.textContent = item.sum + " =";
      const result = document.createElement("strong");
      result.textContent = pretty(item.result);
      button.append(sum, result);
      button.addEventListener("click", () => {
        clearError();
        entry = item.result;
        startNew = true;
        render();
      });
      li.append(button);
      return li;
    }));
    historyEmpty.hidden = history.length > 0;
    clearHistory.hidden = history.length === 0;
  }

  function clearError() {
    if (error === null) return;
    error = null;
    entry = "0";
    stored = null;
    operator = null;
  }

  function digit(d) {
    clearError();
    if (startNew) {
      entry = "0";
      startNew = false;
    }
    if (entry.replace(/[-.]/g, "").length >= MAX_DIGITS) return;
    entry = entry === "0" ? d : entry === "-0" ? "-" + d : entry + d;
  }

  function decimal() {
    clearError();
    if (startNew) {
      entry = "0";
      startNew = false;
    }
    if (!entry.includes(".")) entry += ".";
  }

  function calculate() {
    const result = OPERATORS[operator](stored, Number(entry));
    const text = format(result);
    if (text === null) {
      error = operator === "÷" ? "Can't divide by zero" : "Number too large";
      return null;
    }
    return text;
  }

  function chooseOperator(next) {
    clearError();
    if (operator !== null && !startNew) {
      const text = calculate();
      if (text === null) return;
      entry = text;
    }
    stored = Number(entry);
    operator = next;
    startNew = true;
  }

  function equals() {
    if (operator === null || error !== null) return;
    const sum = `${pretty(format(stored))} ${operator} ${pretty(entry)}`;
    const text = calculate();
    if (text === null) return;
    history = [{ sum, result: text }, ...history].slice(0, 12);
    saveHistory();
    entry = text;
    stored = null;
    operator = null;
    startNew = true;
  }

  function act(action) {
    switch (action) {
      case "clear":
        error = null;
        entry = "0";
        stored = null;
        operator = null;
        startNew = false;
        break;
      case "backspace":
        clearError();
        if (startNew) break;
        entry = entry.length > 1 && entry !== "-0" ? entry.slice(0, -1) : "0";
        if (entry === "-") entry = "0";
        break;
      case "percent":
        clearError();
        entry = format(Number(entry) / 100) ?? "0";
        break;
      case "negate":
        clearError();
        entry = entry.startsWith("-") ? entry.slice(1) : entry === "0" ? "0" : "-" + entry;
        break;
      case "decimal":
        decimal();
        break;
      case "equals":
        equals();
        break;
    }
  }

  document.querySelector(".calc-keys").addEventListener("click", (event) => {
    const key = event.target.closest("button");
    if (!key) return;
    if (key.dataset.digit !== undefined) digit(key.dataset.digit);
    else if (key.dataset.operator !== undefined) chooseOperator(key.dataset.operator);
    else act(key.dataset.action);
    render();
  });

  clearHistory.addEventListener("click", () => {
    history = [];
    saveHistory();
    render();
  });

  const KEYS = {
    "+": "[data-operator='+']", "-": "[data-operator='−']", "*": "[data-operator='×']", "x": "[data-operator='×']",
    "/": "[data-operator='÷']", "Enter": "[data-action='equals']", "=": "[data-action='equals']",
    "Backspace": "[data-action='backspace']", "Escape": "[data-action='clear']", "Delete": "[data-action='clear']",
    "%": "[data-action='percent']", ".": "[data-action='decimal']", ",": "[data-action='decimal']",
  };

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const selector = /^[0-9]$/.test(event.key) ? `[data-digit='${event.key}']` : KEYS[event.key];
    if (!selector) return;
    // Enter on a focused button should press that button, not "=".
    if (event.key === "Enter" && document.activeElement instanceof HTMLButtonElement) return;
    event.preventDefault();
    const key = document.querySelector(".calc-keys " + selector);
    key.click();
    key.classList.add("pressed");
    setTimeout(() => key.classList.remove("pressed"), 120);
  });

  render();
})();
