"use strict";
(() => {
  const STORAGE_KEY = {{js storageKey}};

  const toggle = document.getElementById("nav-toggle");
  const links = document.getElementById("nav-links");
  const form = document.getElementById("signup-form");
  const email = document.getElementById("signup-email");
  const status = document.getElementById("signup-status");

  function setMenu(open) {
    links.classList.toggle("open", open);
    toggle.setAttribute("aria-expanded", String(open));
  }

  toggle.addEventListener("click", () => setMenu(toggle.getAttribute("aria-expanded") !== "true"));
  links.addEventListener("click", (event) => {
    if (event.target.closest("a")) setMenu(false);
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && toggle.getAttribute("aria-expanded") === "true") {
      setMenu(false);
      toggle.focus();
    }
  });

  function signups() {
    try {
      const saved = JSON.parse(localStorage.getItem(STORAGE_KEY) || "null");
      return saved && Array.isArray(saved.signups) ? saved.signups : [];
    } catch {
      return [];
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const address = email.value.trim();
    if (!email.checkValidity() || !address) {
      status.className = "signup-status error";
      status.textContent = "Please enter a valid email address, like name@example.com.";
      email.setAttribute("aria-invalid", "true");
      email.focus();
      return;
    }
    email.removeAttribute("aria-invalid");
    const list = signups();
    if (!list.includes(address)) list.push(address);
    try {
      localStorage.setItem(STORAGE_KEY, JSON.stringify({ signups: list }));
    } catch {
      // Storage full or blocked: still thank the visitor.
    }
    status.className = "signup-status ok";
    status.textContent = "Thanks! You're on the list.";
    form.reset();
  });
})();
