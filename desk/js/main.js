// Entry point: sign-in, then the desk. A 401 from any request, or the token's expiry,
// stops the desk and returns to sign-in with the reason.

import { createApi } from "./api.js";
import { clearToken, loadToken, readClaims } from "./token.js";
import { createState } from "./state.js";
import { createDesk } from "./desk.js";
import { mountSignIn } from "./panels/signin.js";
import { mountTopBar } from "./panels/topbar.js";
import { mountOffers } from "./panels/offers.js";
import { mountInteractionList } from "./panels/interaction-list.js";
import { mountMessages } from "./panels/messages.js";
import { mountInteractionWindow } from "./panels/interaction-window.js";
import { mountSidePanels } from "./panels/side-panels.js";
import { mountCallbackWork } from "./panels/callback-work.js";
import { mountConsultationInbox } from "./panels/consultation.js";

const signInRoot = document.getElementById("signin");
const deskRoot = document.getElementById("desk");
let current = null; // {desk, expiryTimer}

const signIn = mountSignIn(signInRoot, { onToken: (token) => start(token) });

function signOut(message) {
  if (current) {
    current.desk.stop();
    clearTimeout(current.expiryTimer);
    current = null;
  }
  clearToken();
  deskRoot.hidden = true;
  deskRoot.replaceChildren();
  signIn.show(message);
}

function start(token) {
  let claims;
  try {
    claims = readClaims(token);
  } catch (error) {
    signOut(error.message);
    return;
  }
  const api = createApi({ getToken: loadToken, onUnauthorized: (message) => signOut(message) });
  const state = createState();
  state.claims = claims;
  const desk = createDesk({ api, state });
  deskRoot.replaceChildren(buildLayout());
  const ctx = { api, state, desk, signOut };
  mountTopBar(deskRoot.querySelector("#topbar"), ctx);
  mountOffers(deskRoot.querySelector("#offers"), ctx);
  mountInteractionList(deskRoot.querySelector("#interaction-list"), ctx);
  mountMessages(deskRoot.querySelector("#messages"), ctx);
  mountCallbackWork(deskRoot.querySelector("#callback-work"), ctx);
  mountConsultationInbox(deskRoot.querySelector("#consultation-inbox"), ctx);
  mountInteractionWindow(deskRoot.querySelector("#window"), ctx);
  mountSidePanels(deskRoot.querySelector("#side"), ctx);
  signIn.hide();
  deskRoot.hidden = false;
  const expiryTimer = claims.exp
    ? setTimeout(() => signOut("Your token has expired. Sign in again with a fresh token."), Math.max(0, claims.exp * 1000 - Date.now()))
    : null;
  current = { desk, expiryTimer };
  desk.start().catch((error) => {
    if (error.status !== 401) desk.addMessage({ level: "error", text: `Could not load your work: ${error.message}` });
  });
}

/** The desk's regions; each panel fills its own. */
function buildLayout() {
  const fragment = document.createDocumentFragment();
  const region = (tag, id, label, className) => {
    const node = document.createElement(tag);
    node.id = id;
    if (className) node.className = className;
    if (label) node.setAttribute("aria-label", label);
    return node;
  };
  const main = region("div", "workspace", null, "workspace");
  const sidebar = region("nav", "sidebar", "Interactions and messages", "sidebar");
  sidebar.append(region("section", "interaction-list", "Your interactions", "panel"), region("section", "callback-work", "Callbacks", "panel"), region("section", "consultation-inbox", "Consultations", "panel"), region("section", "messages", "Messages", "panel"));
  main.append(sidebar, region("main", "window", "Interaction", "window"), region("aside", "side", "Tools", "side"));
  fragment.append(region("header", "topbar", null, "topbar"), region("div", "offers", "Offers", "offers"), main);
  return fragment;
}

const saved = loadToken();
if (saved) start(saved);
else signIn.show();
