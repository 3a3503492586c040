// The check-in desk: scans are sent with fetch and answered in place, the code field
// keeps the focus for the next scan, and where the browser has BarcodeDetector a
// camera can read the badge's QR code. Without this file the form posts as usual.
(function () {
  "use strict";

  var form = document.getElementById("scan-form");
  var result = document.getElementById("scan-result");
  var progress = document.getElementById("checkin-progress");
  if (!form || !result || !window.fetch || !window.FormData) {
    return;
  }
  var input = form.elements.namedItem("code");
  var busy = false;
  // Off while the camera reads badges, so that a phone's keyboard stays closed.
  var holdFocus = true;

  function field(name) {
    return result.querySelector('[data-field="' + name + '"]');
  }

  function keepFocus() {
    if (!holdFocus) {
      return;
    }
    var active = document.activeElement;
    // Leave the focus alone while someone types in another field or uses a button.
    if (active && active !== document.body && active !== input && active.closest("form") !== form) {
      return;
    }
    input.focus();
  }

  function show(answer) {
    result.hidden = false;
    result.classList.remove("scan-result--ok", "scan-result--already", "scan-result--bad");
    // Restart the highlight so that two answers in a row are both seen.
    void result.offsetWidth;
    result.classList.add("scan-result--" + (answer.tone || "bad"));
    ["icon", "verdict", "message", "name", "latin_name", "category", "organisation"].forEach(function (name) {
      field(name).textContent = answer[name] || "";
    });
    // An unknown code has nobody to show: no empty lines under the message.
    result.querySelectorAll("[data-person]").forEach(function (line) {
      line.hidden = !answer.name;
    });
    if (answer.progress && progress) {
      progress.textContent = answer.progress;
    }
    var undo = field("undo");
    if (answer.undo_url) {
      undo.action = answer.undo_url;
      undo.hidden = false;
    } else {
      undo.hidden = true;
    }
  }

  function scan(code) {
    if (busy || !code.trim()) {
      return;
    }
    busy = true;
    var body = new FormData(form);
    body.set("code", code);
    fetch(form.dataset.jsonUrl, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        return response.json();
      })
      .then(show)
      .catch(function () {
        show({ ok: false, icon: "✕", verdict: result.dataset.offlineVerdict, message: result.dataset.offline });
      })
      .finally(function () {
        busy = false;
        input.value = "";
        keepFocus();
      });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    scan(input.value);
  });
  input.addEventListener("blur", function () {
    window.setTimeout(keepFocus, 200);
  });
  keepFocus();

  // --- the camera ---------------------------------------------------------------

  var start = document.getElementById("camera-start");
  var stop = document.getElementById("camera-stop");
  var video = document.getElementById("camera");
  var failure = document.getElementById("camera-error");
  if (!("BarcodeDetector" in window) || !navigator.mediaDevices || !start) {
    return;
  }
  var detector = null;
  var stream = null;
  var last = { code: "", at: 0 };
  start.hidden = false;

  function stopCamera() {
    if (stream) {
      stream.getTracks().forEach(function (track) {
        track.stop();
      });
    }
    stream = null;
    video.hidden = true;
    stop.hidden = true;
    start.hidden = false;
    holdFocus = true;
    keepFocus();
  }

  function look() {
    if (!stream) {
      return;
    }
    detector
      .detect(video)
      .then(function (codes) {
        var now = Date.now();
        if (codes.length) {
          var code = codes[0].rawValue;
          // The same badge held in front of the camera is one scan, not one per frame.
          if (code !== last.code || now - last.at > 3000) {
            scan(code);
          }
          last = { code: code, at: now };
        }
      })
      .catch(function () {})
      .finally(function () {
        window.setTimeout(look, 150);
      });
  }

  start.addEventListener("click", function () {
    failure.hidden = true;
    window.BarcodeDetector.getSupportedFormats()
      .then(function (formats) {
        if (formats.indexOf("qr_code") < 0) {
          throw new Error("no QR support");
        }
        detector = new window.BarcodeDetector({ formats: ["qr_code"] });
        return navigator.mediaDevices.getUserMedia({
          video: { facingMode: "environment" },
          audio: false,
        });
      })
      .then(function (media) {
        stream = media;
        holdFocus = false;
        input.blur();
        video.srcObject = media;
        video.hidden = false;
        start.hidden = true;
        stop.hidden = false;
        return video.play();
      })
      .then(look)
      .catch(function () {
        stopCamera();
        failure.hidden = false;
      });
  });
  stop.addEventListener("click", stopCamera);
})();
