// The check-in page at the door, enhanced: forms answer in place, the camera scans QR
// codes (vendored qr-scanner, loaded only when asked for), the search runs as you type,
// the counter refreshes itself. Without this file the page works with plain forms.
const script = document.getElementById("door-script");
const msg = (name) => script.dataset["msg" + name];
const result = document.getElementById("door-result");
const csrf = document.querySelector("input[name=csrfmiddlewaretoken]").value;

function setCounts(counts) {
  for (const [key, value] of Object.entries(counts)) {
    const node = document.querySelector(`[data-count="${key}"]`);
    if (node && value !== null) node.textContent = String(value);
  }
}

function showAnswer(html, tone) {
  result.innerHTML = html;
  result.querySelectorAll("form[data-door-form]").forEach(enhanceForm);
  result.scrollIntoView({ block: "nearest", behavior: "smooth" });
  if (navigator.vibrate) navigator.vibrate(tone === "ok" ? 80 : [200, 100, 200]);
}

async function post(form) {
  const response = await fetch(form.action, {
    method: "POST", body: new FormData(form), credentials: "same-origin",
    headers: { Accept: "application/json", "X-CSRFToken": csrf },
  });
  const data = await response.json();
  showAnswer(data.html, data.tone);
  if (data.counts) setCounts(data.counts);
  if (data.recent_html !== undefined) {
    const recent = document.getElementById("door-recent");
    recent.innerHTML = data.recent_html;
    recent.querySelectorAll("form[data-door-form]").forEach(enhanceForm);
  }
  return data;
}

function enhanceForm(form) {
  if (form.dataset.enhanced) return;
  form.dataset.enhanced = "1";
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button[type=submit]");
    if (button) button.disabled = true;
    try {
      const data = await post(form);
      if (form.id === "door-code-form") { form.reset(); form.querySelector("input[name=code]").focus(); }
      if (form.hasAttribute("data-reset") && data.tone === "ok") form.reset();
      if (searchInput.value.trim().length >= 2) runSearch();
    } catch (error) {
      showAnswer("", "bad");
      const p = document.createElement("p");
      p.className = "door-answer door-answer-bad";
      p.setAttribute("role", "alert");
      p.textContent = msg("Offline");
      result.replaceChildren(p);
    } finally {
      if (button) button.disabled = false;
    }
  });
}
document.querySelectorAll("form[data-door-form]").forEach(enhanceForm);

// --- search as you type ------------------------------------------------------------------
const searchForm = document.getElementById("door-search-form");
const searchInput = document.getElementById("door-q");
const searchResults = document.getElementById("door-search-results");
const checkinUrl = document.getElementById("door-code-form").action;
let searchTimer = null;
let searchSeq = 0;

function personItem(person) {
  const li = document.createElement("li");
  li.className = "door-person";
  const who = document.createElement("div");
  who.className = "door-person-who";
  const name = document.createElement("bdi");
  name.className = "door-person-name";
  name.textContent = person.name;
  const email = document.createElement("span");
  email.className = "door-person-email";
  email.textContent = person.email;
  const state = document.createElement("span");
  const badge = document.createElement("span");
  const tones = { confirmed: "badge-success", attended: "badge-success", waitlisted: "badge-warning" };
  badge.className = "badge " + (tones[person.state] || "badge-muted");
  badge.textContent = person.state_label;
  state.append(badge);
  if (person.role !== "attendee") {
    const role = document.createElement("span");
    role.className = "badge";
    role.textContent = person.role_label;
    state.append(" ", role);
  }
  if (person.attended_at) {
    const at = document.createElement("span");
    at.className = "meta";
    at.textContent = person.attended_at;
    state.append(" ", at);
  }
  who.append(name, email, state);
  li.append(who);
  if (person.state === "confirmed") {
    const form = document.createElement("form");
    form.method = "post";
    form.action = checkinUrl;
    form.dataset.doorForm = "";
    for (const [key, value] of [["csrfmiddlewaretoken", csrf], ["registration", person.id]]) {
      const input = document.createElement("input");
      input.type = "hidden"; input.name = key; input.value = String(value);
      form.append(input);
    }
    const button = document.createElement("button");
    button.type = "submit"; button.className = "button";
    button.textContent = msg("CheckIn");
    form.append(button);
    enhanceForm(form);
    li.append(form);
  }
  return li;
}

async function runSearch() {
  const query = searchInput.value.trim();
  const seq = ++searchSeq;
  if (query.length < 2) { searchResults.replaceChildren(); return; }
  const url = new URL(searchForm.dataset.searchUrl, location.href);
  url.searchParams.set("q", query);
  try {
    const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
    const data = await response.json();
    if (seq !== searchSeq) return;  // a later keystroke already asked again
    if (!data.results.length) {
      const p = document.createElement("p");
      p.className = "meta"; p.textContent = msg("None");
      searchResults.replaceChildren(p);
      return;
    }
    const list = document.createElement("ul");
    list.className = "door-people";
    list.append(...data.results.map(personItem));
    searchResults.replaceChildren(list);
  } catch (error) { /* offline: the plain search button still works */ }
}
searchInput.addEventListener("input", () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(runSearch, 200);
});
searchForm.addEventListener("submit", (event) => { event.preventDefault(); runSearch(); });

// --- the live counter --------------------------------------------------------------------
const counter = document.getElementById("door-counter");
setInterval(async () => {
  if (document.hidden) return;
  try {
    const response = await fetch(counter.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (response.ok) setCounts(await response.json());
  } catch (error) { /* keep the last numbers */ }
}, 10000);

// --- the camera --------------------------------------------------------------------------
const scan = document.getElementById("door-scan");
const toggle = document.getElementById("scan-toggle");
const video = document.getElementById("scan-video");
const status = document.getElementById("scan-status");
const codeForm = document.getElementById("door-code-form");
let scanner = null;
let lastCode = "";
let lastAt = 0;
let busy = false;

if (navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
  scan.hidden = false;
  toggle.addEventListener("click", async () => {
    if (scanner) {
      scanner.destroy(); scanner = null;
      video.parentElement.hidden = true;
      toggle.textContent = toggle.dataset.start;
      status.textContent = "";
      return;
    }
    const { default: QrScanner } = await import(script.dataset.scanner);
    if (!(await QrScanner.hasCamera())) { status.textContent = msg("NoCamera"); return; }
    video.parentElement.hidden = false;
    scanner = new QrScanner(video, async (found) => {
      const code = found.data.trim();
      const now = Date.now();
      // A QR held in front of the camera is answered once, however long it stays there
      // (a slow phone may see it only every second or two); out of sight for 3 s after its
      // answer and shown again, it is answered again ("already checked in").
      if (code === lastCode && now - lastAt < 3000) { lastAt = now; return; }
      if (busy) return;
      busy = true; lastCode = code; lastAt = now;
      try {
        codeForm.querySelector("input[name=code]").value = code;
        await post(codeForm);
        codeForm.reset();
      } catch (error) {
        status.textContent = msg("Offline");
      } finally { busy = false; lastAt = Date.now(); }
    }, { preferredCamera: "environment", highlightScanRegion: true, returnDetailedScanResult: true,
         // At the door the ticket is held close and fills the picture: scan 90 % of the
         // shorter side (the library's default, 2/3, cuts off a QR that fills the frame).
         calculateScanRegion: (v) => {
           const side = Math.round(0.9 * Math.min(v.videoWidth, v.videoHeight));
           return { x: Math.round((v.videoWidth - side) / 2), y: Math.round((v.videoHeight - side) / 2),
                    width: side, height: side, downScaledWidth: 400, downScaledHeight: 400 };
         } });
    try {
      await scanner.start();
      toggle.textContent = toggle.dataset.stop;
      status.textContent = msg("Scanning");
    } catch (error) {
      scanner.destroy(); scanner = null;
      video.parentElement.hidden = true;
      status.textContent = msg("Denied");
    }
  });
}
