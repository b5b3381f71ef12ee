// The distribution form's live parts: actions the trigger allows, its parameters, channel
// blocks added and removed, key suggestions, and the "Show output" panel, re-rendered by the
// server (the same renderer send-outs use) as the visitor types.
(function () {
  "use strict";
  const form = document.getElementById("distribution-form");
  if (!form) return;
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const api = form.dataset.api;
  const matrix = JSON.parse(document.getElementById("matrix").textContent);
  const parameters = JSON.parse(document.getElementById("parameters").textContent);
  const trigger = document.getElementById("trigger-event");
  const action = document.getElementById("action-type");
  const output = document.getElementById("output");
  const status = document.getElementById("preview-status");
  const example = document.getElementById("example-event");
  const keysBox = document.getElementById("keys");
  const channels = document.getElementById("channels");
  let lastTemplate = null;
  let timer = null;
  let sequence = 0;

  function fields() {
    const values = {};
    new FormData(form).forEach(function (value, name) {
      if (name !== "csrf_token") values[name] = value;
    });
    return values;
  }

  function showParameters() {
    const spec = parameters[trigger.value] || { required: [], optional: [] };
    const wanted = spec.required.concat(spec.optional);
    document.querySelectorAll(".parameter").forEach(function (label) {
      const name = label.dataset.parameter;
      const shown = wanted.indexOf(name) >= 0 || (trigger.value === "customer.custom_event" && name === "custom_event");
      label.style.display = shown ? "" : "none";
      if (!shown) label.querySelector("input").value = "";
    });
  }

  function showActions() {
    const allowed = matrix[trigger.value] || ["PLAIN"];
    Array.from(action.options).forEach(function (option) {
      option.disabled = allowed.indexOf(option.value) < 0;
    });
    if (allowed.indexOf(action.value) < 0) action.value = allowed[0];
    document.querySelector(".action-campaign").style.display = action.value === "PLAIN" ? "none" : "";
    document.querySelector(".action-tier").style.display = action.value === "NOTIFY" ? "" : "none";
  }

  function loadKeys() {
    const kind = lastTemplate ? lastTemplate.closest("[data-kind]").dataset.kind : "webhook";
    const query = new URLSearchParams({ event: trigger.value, action: action.value, kind: kind });
    fetch(api + "/keys?" + query, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (answer) {
        keysBox.textContent = "";
        answer.keys.forEach(function (path) {
          const key = document.createElement("code");
          key.textContent = path;
          key.title = "Insert {{" + path + "}}";
          key.addEventListener("mousedown", function (e) { e.preventDefault(); insert("{{" + path + "}}"); });
          keysBox.appendChild(key);
        });
      });
  }

  function loadEvents() {
    fetch(api + "/events?" + new URLSearchParams({ type: trigger.value }), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (answer) {
        example.length = 1;
        answer.events.forEach(function (event) {
          const option = document.createElement("option");
          option.value = event.id;
          option.textContent = event.created_at + " · " + (event.customer || event.id);
          example.appendChild(option);
        });
      });
  }

  function insert(text) {
    const target = lastTemplate || form.querySelector(".template");
    if (!target) return;
    const start = target.selectionStart || 0;
    const end = target.selectionEnd || 0;
    target.value = target.value.slice(0, start) + text + target.value.slice(end);
    target.focus();
    target.selectionStart = target.selectionEnd = start + text.length;
    schedule();
  }

  function render(answer) {
    if (answer.error) {
      const where = answer.line ? " (line " + answer.line + ", column " + answer.column + ")" : "";
      status.className = "problem";
      status.textContent = "Error" + where + ": " + answer.error;
      return;
    }
    status.className = "muted";
    status.textContent = answer.warnings.length ? answer.warnings.join("; ") : "Rendered with " + (example.value ? "event " + example.value : "sample data") + ".";
    output.textContent = answer.outputs.map(function (o) {
      const head = "── " + o.channel.type + " · " + o.channel.event_name + (o.skipped ? " (skipped: " + o.skipped + ")" : "") + "\n";
      return head + JSON.stringify(o.body, null, 2);
    }).join("\n\n");
  }

  function refresh() {
    const mine = ++sequence;
    fetch(api + "/preview", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify({ fields: fields(), event_id: example.value || null }),
    })
      .then(function (r) { return r.json(); })
      .then(function (answer) { if (mine === sequence) render(answer); })
      .catch(function () { status.textContent = "The preview is unavailable."; });
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 250);
  }

  function nextIndex() {
    let n = 0;
    channels.querySelectorAll("[data-channel]").forEach(function (block) {
      n = Math.max(n, parseInt(block.dataset.channel, 10) + 1);
    });
    return n;
  }

  document.querySelectorAll(".add-channel").forEach(function (button) {
    button.addEventListener("click", function () {
      const kind = button.dataset.kind || "other";
      const html = document.getElementById("channel-" + kind).innerHTML.split("__N__").join(String(nextIndex()));
      channels.insertAdjacentHTML("beforeend", html);
      const block = channels.lastElementChild;
      if (kind === "other") {
        const chosen = document.getElementById("other-kind").value;
        block.dataset.kind = chosen;
        block.querySelector('input[name$="_type"]').value = chosen;
        block.querySelector("legend").textContent = chosen + " channel";
      }
      schedule();
    });
  });

  channels.addEventListener("click", function (e) {
    if (e.target.classList.contains("remove-channel")) {
      e.target.closest("[data-channel]").remove();
      schedule();
    }
  });

  form.addEventListener("focusin", function (e) {
    if (e.target.classList.contains("template")) {
      const changed = lastTemplate === null || lastTemplate.closest("[data-kind]") !== e.target.closest("[data-kind]");
      lastTemplate = e.target;
      if (changed) loadKeys();
    }
  });
  form.addEventListener("input", schedule);
  trigger.addEventListener("change", function () { showParameters(); showActions(); loadKeys(); loadEvents(); schedule(); });
  action.addEventListener("change", function () { showActions(); loadKeys(); schedule(); });
  example.addEventListener("change", schedule);

  showParameters();
  showActions();
  loadKeys();
  loadEvents();
  refresh();
})();
