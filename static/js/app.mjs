// Loaded as a module by every page: no inline scripts, so the CSP can forbid them.
import { initAll } from "/static/nhsuk/nhsuk-frontend.min.js";

document.body.classList.add("js-enabled", "nhsuk-frontend-supported");
initAll();
