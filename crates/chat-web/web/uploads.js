// Files from the composer: sent one by one with XMLHttpRequest (fetch reports no upload
// progress), each a row with a progress bar until the one message that names them is posted.

import { ApiError, BASE, getToken } from "./api.js";
import { h, IMAGE_TYPES } from "./elements.js";

/** The most uploads one message may carry (the server's limit). */
const MAX_ATTACHMENTS = 10;

/**
 * Sends one file's bytes, calling `onProgress(fraction)` as they go. Answers the stored upload;
 * throws ApiError for a refusal, TypeError when no answer came (as `call` does).
 */
export function uploadFile(file, onProgress) {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("POST", `${BASE}/uploads?filename=${encodeURIComponent(file.name)}`);
    request.setRequestHeader("Authorization", `Bearer ${getToken()}`);
    request.setRequestHeader("Content-Type", file.type || "application/octet-stream");
    request.responseType = "json"; // null for a body that is not JSON
    request.upload.onprogress = (event) => event.lengthComputable && onProgress(event.loaded / event.total);
    request.onload = () => {
      if (request.status >= 200 && request.status < 300) resolve(request.response);
      else reject(new ApiError(request.status, request.response));
    };
    request.onerror = request.ontimeout = request.onabort = () => reject(new TypeError("no answer to the upload"));
    request.send(file);
  });
}

/** "image" when every upload is one, else "file": the type of the message that carries them. */
export function messageType(uploads) {
  return uploads.every((upload) => IMAGE_TYPES.includes(upload.content_type)) ? "image" : "file";
}

/** A file's row in `list`: its name, a bar and the percent; then "done", or why it failed. */
function uploadRow(file) {
  const bar = h("progress", { max: "100", value: "0", "aria-label": `Uploading ${file.name}` });
  const percent = h("span", { class: "percent" }, "0%");
  const element = h("li", { class: "upload", "data-state": "uploading" }, h("span", { class: "name" }, file.name), bar, percent);
  return {
    file,
    element,
    progress(fraction) {
      bar.value = Math.round(fraction * 100);
      percent.textContent = `${bar.value}%`;
    },
    done() {
      bar.value = 100;
      percent.textContent = "done";
      element.dataset.state = "done";
    },
    failed(why) {
      element.dataset.state = "failed";
      element.replaceChildren(h("span", { class: "name" }, file.name),
        h("span", { class: "error", role: "alert" }, why),
        h("button", { type: "button", class: "secondary", onclick: () => element.remove() }, "Dismiss"));
    },
  };
}

/**
 * Uploads `files` one after another, each shown as a row of `list`; then `post(uploads)` makes
 * the message of those that were stored (one per ten), and their rows go. A refused file keeps
 * its row, with the problem's detail (`describe(error)`), until dismissed; so do those of a post
 * that fails, and of every one after it.
 */
export async function sendFiles(files, list, { post, describe }) {
  const rows = files.map(uploadRow);
  list.append(...rows.map((row) => row.element));
  const stored = [];
  for (const row of rows) {
    try {
      stored.push(await uploadFile(row.file, (fraction) => row.progress(fraction)));
      row.done();
    } catch (error) {
      row.failed(describe(error));
    }
  }
  const uploaded = rows.filter((row) => row.element.dataset.state === "done");
  // A message carries at most MAX_ATTACHMENTS uploads: more go as several messages.
  for (let start = 0; start < stored.length; start += MAX_ATTACHMENTS) {
    const batch = uploaded.slice(start, start + MAX_ATTACHMENTS);
    try {
      await post(stored.slice(start, start + MAX_ATTACHMENTS));
      for (const row of batch) row.element.remove();
    } catch (error) {
      for (const row of uploaded.slice(start)) row.failed(`not sent: ${describe(error)}`);
      return;
    }
  }
}
