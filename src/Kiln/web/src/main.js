// Kiln's web UI: a prompt, the projects, and each project's live timeline, preview and code.

import "./token-from-url.js";
import { onTokenNeeded } from "./api.js";
import { HomeView } from "./home.js";
import { ProjectView } from "./project.js";
import { askForToken, setRouter } from "./ui.js";

const main = document.getElementById("main");
let view = null;

function route() {
  view?.destroy();
  const match = /^\/projects\/([^/]+)\/?$/.exec(location.pathname);
  view = match ? new ProjectView(main, decodeURIComponent(match[1])) : new HomeView(main);
  window.scrollTo(0, 0);
}

onTokenNeeded(askForToken);
setRouter(route);
route();
