// The check-in desk, an app that keeps working when the venue's network does not.
//
// The event's list (codes, names, category, status, seats, check-in) is kept in
// IndexedDB and refreshed every minute (a 304 when nothing changed); every few seconds
// the desk asks what changed since its cursor, which is how it sees the other desks'
// check-ins. A scan is answered at once from that list, queued on the device with its
// own id and the device's time, and the queue is sent whenever the network is there;
// the server takes each scan once and says where it disagrees (a conflict). Without
// this file the form posts as usual, one page per scan.
(function () {
  "use strict";

  var form = document.getElementById("scan-form");
  var result = document.getElementById("scan-result");
  var progress = document.getElementById("checkin-progress");
  var desk = document.getElementById("desk");
  if (!form || !result || !desk || !window.fetch || !window.indexedDB) {
    return;
  }
  var config = desk.dataset;
  var words = JSON.parse(document.getElementById("desk-words").textContent);
  var input = form.elements.namedItem("code");
  var csrfToken = form.elements.namedItem("csrf_token").value;
  var door = config.door ? Number(config.door) : null;
  var POLL_MS = 3000;
  var REFRESH_MS = 60000;
  var BATCH = 200;
  // Off while the camera reads badges, so that a phone's keyboard stays closed.
  var holdFocus = true;
  var state = { online: navigator.onLine, queued: 0, refreshedAt: null, sending: null };
  var shownScanId = null;

  // --- the store on the device ----------------------------------------------------

  var opening = new Promise(function (resolve, reject) {
    var request = indexedDB.open(config.store, 1);
    request.onupgradeneeded = function () {
      var db = request.result;
      db.createObjectStore("people", { keyPath: "id" }).createIndex("code", "code", { unique: false });
      db.createObjectStore("queue", { keyPath: "id" });
      db.createObjectStore("meta");
    };
    request.onsuccess = function () {
      resolve(request.result);
    };
    request.onerror = function () {
      reject(request.error);
    };
  });

  function transact(stores, mode, work) {
    return opening.then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(stores, mode);
        var value = work(tx);
        tx.oncomplete = function () {
          resolve(value instanceof IDBRequest ? value.result : value);
        };
        tx.onerror = function () {
          reject(tx.error);
        };
      });
    });
  }

  function getAll(store) {
    return transact([store], "readonly", function (tx) {
      return tx.objectStore(store).getAll();
    });
  }

  function meta(key) {
    return transact(["meta"], "readonly", function (tx) {
      return tx.objectStore("meta").get(key);
    });
  }

  function setMeta(values) {
    return transact(["meta"], "readwrite", function (tx) {
      Object.keys(values).forEach(function (key) {
        tx.objectStore("meta").put(values[key], key);
      });
    });
  }

  // The list is kept in memory too: a scan is answered without waiting for IndexedDB.
  var byCode = new Map();
  var byId = new Map();

  function remember(person) {
    var previous = byId.get(person.id);
    if (previous && previous.code !== person.code) {
      byCode.delete(previous.code);
    }
    byId.set(person.id, person);
    byCode.set(person.code, person);
  }

  function storePeople(people, whole) {
    if (whole) {
      byCode.clear();
      byId.clear();
    }
    people.forEach(remember);
    return transact(["people"], "readwrite", function (tx) {
      var store = tx.objectStore("people");
      if (whole) {
        store.clear();
      }
      people.forEach(function (person) {
        store.put(person);
      });
    });
  }

  // --- what a badge's code looks like (as the server normalises it) ---------------

  var MIXUPS = { O: "0", I: "1", L: "1" };

  function normalise(typed) {
    return typed.replace(/[\s-]/g, "").toUpperCase().replace(/[OIL]/g, function (letter) {
      return MIXUPS[letter];
    });
  }

  // --- answering a scan from the list ------------------------------------------------

  function clock(millis) {
    return new Intl.DateTimeFormat(document.documentElement.lang || undefined, {
      hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: config.timezone,
    }).format(new Date(millis));
  }

  function decide(person) {
    if (!person) {
      return "unknown";
    }
    if (person.status !== "confirmed") {
      return person.status;
    }
    if (door !== null) {
      if (config.doorMain) {
        return "checked_in";
      }
      var seat = person.seats[String(door)];
      return seat === "confirmed" ? "checked_in" : seat === "waitlisted" ? "seat_waiting" : "not_seated";
    }
    return person.checked_in_at ? "already" : "checked_in";
  }

  function localAnswer(person, outcome) {
    var message = words[outcome];
    if (outcome === "checked_in" && door !== null) {
      message = words.door_checked_in;
    } else if (outcome === "already") {
      message = words.already.replace("{time}", clock(person.checked_in_at));
    }
    var answer = {
      outcome: outcome,
      message: message,
      tone: outcome === "checked_in" ? "ok" : outcome === "already" ? "already" : "bad",
      icon: outcome === "checked_in" ? "✓" : outcome === "already" ? "↻" : "✕",
      verdict: outcome === "checked_in" ? words.admitted : outcome === "already" ? words.already_verdict : words.refused,
    };
    if (person) {
      answer.registration_id = person.id;
      answer.name = person.name;
      answer.latin_name = person.latin_name;
      answer.organisation = person.organisation;
      answer.category = words.categories[person.category] || "";
    }
    return answer;
  }

  function newId() {
    if (window.crypto && crypto.randomUUID) {
      return crypto.randomUUID();
    }
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (byte) {
      return (byte + 0x100).toString(16).slice(1);
    }).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
  }

  function deskName() {
    var field = document.getElementById("desk-name");
    return field ? field.value.trim().slice(0, 40) : "";
  }

  function scan(typed) {
    if (!typed.trim()) {
      return;
    }
    var started = performance.now();
    var person = byCode.get(normalise(typed));
    var outcome = decide(person);
    var now = Date.now();
    if (outcome === "checked_in" && person && !person.checked_in_at) {
      person.checked_in_at = now;
      storePeople([person], false);
    }
    var item = { id: newId(), code: typed.slice(0, 200), at: now, desk: deskName(), forum: door, told: outcome };
    shownScanId = item.id;
    if (byId.size) {
      show(localAnswer(person, outcome));
    } else {
      // No list on the device yet: the server's answer is the first one shown.
      result.dataset.outcome = "";
    }
    // How long the person waited for the answer, for the desk's benchmark.
    result.dataset.answerMs = (performance.now() - started).toFixed(2);
    input.value = "";
    keepFocus();
    transact(["queue"], "readwrite", function (tx) {
      tx.objectStore("queue").add(item);
    }).then(function () {
      state.queued += 1;
      showStatus();
      send();
    });
  }

  // --- sending the queue ---------------------------------------------------------------

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken },
      body: JSON.stringify(body),
    });
  }

  function setOnline(online) {
    state.online = online;
    showStatus();
  }

  // Sends what is queued, a batch at a time, until the queue is empty or the network
  // fails; a scan leaves the queue only once the server has answered for it.
  function send() {
    if (state.sending) {
      return state.sending;
    }
    state.sending = getAll("queue")
      .then(function sendBatches(queue) {
        state.queued = queue.length;
        showStatus();
        if (!queue.length || !navigator.onLine) {
          return null;
        }
        queue.sort(function (a, b) {
          return a.at - b.at;
        });
        var batch = queue.slice(0, BATCH);
        return post(config.syncUrl, { scans: batch })
          .then(function (response) {
            if (!response.ok) {
              throw new Error("sync refused: " + response.status);
            }
            return response.json();
          })
          .then(function (answer) {
            setOnline(true);
            answer.scans.forEach(learnFromServer);
            if (answer.progress && progress) {
              progress.textContent = answer.progress;
            }
            return transact(["queue"], "readwrite", function (tx) {
              batch.forEach(function (item) {
                tx.objectStore("queue").delete(item.id);
              });
            });
          })
          .then(function () {
            return getAll("queue").then(sendBatches);
          });
      })
      .catch(function () {
        setOnline(false);
      })
      .finally(function () {
        state.sending = null;
        showStatus();
      });
    return state.sending;
  }

  // The server's word on a scan: the person's check-in as it stands, and the answer on
  // screen corrected where the server saw what this desk could not.
  // A name fixed at the desk a moment ago may not be in the list yet: the server's
  // spelling replaces the device's, on screen and in the list.
  var PERSON = ["name", "latin_name", "organisation"];

  function learnFromServer(answer) {
    var person = answer.registration_id && byId.get(answer.registration_id);
    if (person) {
      if (answer.checked_in_at) {
        person.checked_in_at = Date.parse(answer.checked_in_at);
      }
      if (answer.name) {
        PERSON.forEach(function (name) {
          person[name] = answer[name] || "";
        });
      }
      storePeople([person], false);
    }
    var renamed = PERSON.some(function (name) {
      return (answer[name] || "") !== field(name).textContent;
    });
    if (answer.id === shownScanId && (answer.conflict || renamed || answer.outcome !== result.dataset.outcome)) {
      show(answer);
    }
    if (answer.conflict) {
      poll();
    }
  }

  // --- the list and what the other desks did ---------------------------------------------

  function listUrl(since) {
    var query = new URLSearchParams();
    if (since) {
      query.set("since", since);
    }
    if (door !== null) {
      query.set("door", door);
    }
    return config.listUrl + "?" + query.toString();
  }

  function refreshList() {
    return meta("etag").then(function (etag) {
      return fetch(listUrl(null), {
        credentials: "same-origin",
        headers: etag && byId.size ? { Accept: "application/json", "If-None-Match": etag } : { Accept: "application/json" },
      }).then(function (response) {
        if (response.status === 304) {
          return null;
        }
        if (!response.ok) {
          throw new Error("list refused: " + response.status);
        }
        var tag = response.headers.get("ETag");
        return response.json().then(function (list) {
          return storePeople(list.people, true).then(function () {
            showState(list);
            return setMeta({ etag: tag, cursor: list.cursor });
          });
        });
      }).then(function () {
        state.refreshedAt = Date.now();
        setOnline(true);
        return setMeta({ refreshedAt: state.refreshedAt });
      });
    }).catch(function () {
      setOnline(false);
    });
  }

  function poll() {
    return meta("cursor").then(function (cursor) {
      if (!cursor) {
        return refreshList();
      }
      return fetch(listUrl(cursor), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) {
            throw new Error("changes refused: " + response.status);
          }
          return response.json();
        })
        .then(function (changes) {
          setOnline(true);
          showState(changes);
          return storePeople(changes.people, false).then(function () {
            return setMeta({ cursor: changes.cursor });
          });
        });
    }).catch(function () {
      setOnline(false);
    });
  }

  function fillList(section, items, line) {
    var element = document.getElementById(section);
    var list = element.querySelector("[data-list]");
    list.replaceChildren.apply(list, items.map(function (item) {
      var entry = document.createElement("li");
      entry.textContent = line(item);
      if (item.conflict) {
        entry.className = "desk-feed__conflict";
      }
      return entry;
    }));
    element.hidden = !items.length;
  }

  function showState(answer) {
    if (answer.progress && progress) {
      progress.textContent = answer.progress;
    }
    fillList("recent", answer.recent || [], function (item) {
      return item.time + " · " + (item.desk || "–") + " · " + item.name + " · " +
        (item.outcome === "checked_in" ? "✓" : item.outcome === "already" ? "↻" : "✕");
    });
    fillList("conflicts", answer.conflicts || [], function (item) {
      return item.time + " · " + (item.desk || "–") + " · " + item.name + (item.first ? " · " + item.first : "");
    });
    var count = document.getElementById("door-count");
    if (answer.door && count) {
      count.textContent = answer.door.summary;
      count.hidden = false;
      state.freeSeats = answer.door.free;
    }
  }

  // --- on screen ----------------------------------------------------------------------------

  var status = document.getElementById("desk-status");

  function showStatus() {
    status.hidden = false;
    status.dataset.online = state.online ? "yes" : "no";
    status.querySelector('[data-status="network"]').textContent = state.online ? words.online : words.offline;
    status.querySelector('[data-status="queue"]').textContent = words.queued.replace("{count}", state.queued);
    status.querySelector('[data-status="refreshed"]').textContent = state.refreshedAt
      ? words.refreshed.replace("{time}", clock(state.refreshedAt)) : words.never;
  }

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
    result.dataset.outcome = answer.outcome;
    result.dataset.conflict = answer.conflict ? "yes" : "";
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
    showActions(answer);
  }

  // Each action on the person shown decides from the answer whether it applies.
  var actions = {
    undo: function (element, answer) {
      element.hidden = !answer.undo_url;
      if (answer.undo_url) {
        element.action = answer.undo_url;
      }
    },
    seat: function (element, answer) {
      element.hidden = !(answer.outcome === "seat_waiting" && state.online && state.freeSeats !== 0);
      element.dataset.registration = answer.registration_id || "";
    },
  };

  function showActions(answer) {
    Object.keys(actions).forEach(function (name) {
      var element = field(name);
      if (element) {
        actions[name](element, answer);
      }
    });
  }

  field("seat").addEventListener("click", function (event) {
    var button = event.currentTarget;
    button.disabled = true;
    var tap = { id: newId(), at: Date.now(), desk: deskName(), forum: door, registration: Number(button.dataset.registration) };
    shownScanId = tap.id;
    post(config.admitUrl, tap)
      .then(function (response) {
        return response.json().then(function (answer) {
          if (!response.ok) {
            answer = { outcome: "seat_refused", tone: "bad", icon: "✕", verdict: words.refused, message: answer.title };
          }
          show(answer);
          poll();
        });
      })
      .catch(function () {
        setOnline(false);
      })
      .finally(function () {
        button.disabled = false;
        keepFocus();
      });
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    scan(input.value);
  });
  input.addEventListener("blur", function () {
    window.setTimeout(keepFocus, 200);
  });

  // The desk's name, kept on the device so that a reload keeps it.
  var name = document.getElementById("desk-name");
  name.value = localStorage.getItem("summit-desk-name") || "";
  name.addEventListener("change", function () {
    localStorage.setItem("summit-desk-name", deskName());
  });

  // Signing out clears what the device keeps (the server says so with Clear-Site-Data):
  // scans not sent yet would be lost, so they go first, or the desk stays signed in.
  document.querySelectorAll('form[action$="/logout"]').forEach(function (logout) {
    logout.addEventListener("submit", function (event) {
      if (logout.dataset.sent) {
        return;
      }
      event.preventDefault();
      send().then(function () {
        return getAll("queue");
      }).then(function (queue) {
        if (queue.length) {
          window.alert(words.unsent);
          return;
        }
        logout.dataset.sent = "yes";
        return opening.then(function (db) {
          db.close();
          indexedDB.deleteDatabase(config.store);
          logout.submit();
        });
      });
    });
  });

  window.addEventListener("online", function () {
    setOnline(true);
    send();
    poll();
  });
  window.addEventListener("offline", function () {
    setOnline(false);
  });

  // --- starting ------------------------------------------------------------------------------

  Promise.all([getAll("people"), meta("refreshedAt"), getAll("queue")]).then(function (kept) {
    kept[0].forEach(remember);
    state.refreshedAt = kept[1] || null;
    state.queued = kept[2].length;
    showStatus();
    desk.dataset.ready = "yes";
    return refreshList();
  }).then(function () {
    desk.dataset.listed = byId.size ? "yes" : "";
    send();
    window.setInterval(function () {
      if (navigator.onLine) {
        send();
        poll();
      }
    }, POLL_MS);
    window.setInterval(function () {
      if (navigator.onLine) {
        refreshList();
      }
    }, REFRESH_MS);
  });
  keepFocus();

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(config.workerUrl, { scope: config.scope }).catch(function () {});
  }

  // --- the camera ---------------------------------------------------------------------------

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
