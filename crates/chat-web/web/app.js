// The chat client, started: the view on index.html, the controller wiring it to the model (the
// state and its changes, model.js) and to the server. Only the public API is used.

import { Controller } from "./controller.js";
import { View } from "./view.js";

const controller = new Controller(new View());

// For end-to-end tests: cut the WebSocket as a network failure would.
window.chatTest = { dropSocket: () => controller.dropSocket() };

controller.start();
