// The web client's page: sign in, publish your presence, watch your buddies', send and receive
// messages. All SIP is in sip-session.js; this file turns forms into calls and events into text.
// Text from the network is only ever set as textContent, never parsed as HTML.

/* global crypto, document, location, localStorage, fetch, FormData, URLSearchParams, window */

import { SipRefusal, SipSession } from './sip-session.js';

const LABELS = { available: 'Available', busy: 'Busy', away: 'Away', offline: 'Offline' };

const element = (id) => document.getElementById(id);
const query = new URLSearchParams(location.search);

/** The signed-in session, or undefined on the sign-in form. */
let session;
/** This community's domain, completing a bare user name ("alice") into an address. */
let domain = '';
/** Where the edge takes WebSocket upgrades (its listener's path). */
let webSocketPath = '/';

function say(id, text) {
  element(id).textContent = text;
}

function complete(address) {
  const trimmed = address.trim().replace(/^sips?:/, '');
  return trimmed.includes('@') || domain === '' ? trimmed : `${trimmed}@${domain}`;
}

function describe(error) {
  if (error instanceof SipRefusal) {
    if (error.status === 401 || error.status === 403 || error.status === 407)
      return `refused (${error.message}): check the address and password`;
    return `refused (${error.message})`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** RFC 5626 §4.1: one instance id per browser, kept, so a new registration replaces this browser's old one. */
function instanceId() {
  const key = 'simple-edge.instance';
  let id = localStorage.getItem(key);
  if (id === null) {
    // crypto.randomUUID needs a secure context; getRandomValues does not (a page over plain http on a LAN).
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
    id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    localStorage.setItem(key, id);
  }
  return id;
}

function webSocketUrl() {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${webSocketPath}`;
}

// ---- buddies ----

function buddiesKey() {
  return `simple-edge.buddies.${session.address}`;
}

function storedBuddies() {
  try {
    const stored = JSON.parse(localStorage.getItem(buddiesKey()) ?? 'null');
    if (Array.isArray(stored)) return stored;
  } catch {
    // a damaged list is replaced by the one in the address bar
  }
  return query.getAll('buddy');
}

function saveBuddies() {
  const addresses = [...element('buddies').children].map((item) => item.dataset.address);
  localStorage.setItem(buddiesKey(), JSON.stringify(addresses));
  const options = element('buddy-addresses');
  options.replaceChildren(
    ...addresses.map((address) => Object.assign(document.createElement('option'), { value: address })),
  );
}

function buddyItem(address) {
  return [...element('buddies').children].find((item) => item.dataset.address === address);
}

function addBuddy(address) {
  if (address === '' || address === session.address || buddyItem(address) !== undefined) return;
  const item = document.createElement('li');
  item.className = 'buddy';
  item.dataset.address = address;
  const name = Object.assign(document.createElement('span'), { className: 'buddy-address', textContent: address });
  const presence = Object.assign(document.createElement('span'), { className: 'presence' });
  const write = Object.assign(document.createElement('button'), { type: 'button', textContent: 'Write' });
  write.setAttribute('aria-label', `Write to ${address}`);
  write.addEventListener('click', () => {
    element('to').value = address;
    element('text').focus();
  });
  const remove = Object.assign(document.createElement('button'), { type: 'button', textContent: 'Stop watching' });
  remove.setAttribute('aria-label', `Stop watching ${address}`);
  remove.addEventListener('click', () => {
    session.unwatch(address);
    item.remove();
    saveBuddies();
  });
  item.append(name, ' ', presence, ' ', write, ' ', remove);
  element('buddies').append(item);
  showPresence(address, { state: 'waiting', note: '' });
  saveBuddies();
  try {
    session.watch(address);
  } catch {
    // Not a SIP address SIP.js can parse: the entry stays, saying it is not watched.
    showPresence(address, { state: 'ended', note: '' });
  }
}

function showPresence(address, { state, note }) {
  const presence = buddyItem(address)?.querySelector('.presence');
  if (presence === undefined || presence === null) return;
  presence.dataset.state = state;
  const label = LABELS[state] ?? (state === 'waiting' ? 'waiting for presence…' : 'not watching');
  presence.textContent = note === '' ? label : `${label}: ${note}`;
}

// ---- messages ----

function appendMessage(direction, peer, text) {
  const item = document.createElement('li');
  item.className = `message ${direction}`;
  item.dataset.peer = peer;
  const now = new Date();
  const time = Object.assign(document.createElement('time'), {
    dateTime: now.toISOString(),
    textContent: now.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }),
  });
  const meta = document.createElement('p');
  meta.className = 'meta';
  meta.append(`${direction === 'incoming' ? 'From' : 'To'} `, peer, ' · ', time);
  const body = Object.assign(document.createElement('p'), { className: 'text', textContent: text });
  item.append(meta, body);
  element('messages').append(item);
  item.scrollIntoView({ block: 'nearest' });
}

// ---- the forms ----

const events = {
  onMessage({ from, text }) {
    appendMessage('incoming', from, text);
    if (element('to').value === '') element('to').value = from;
  },
  onPresence: showPresence,
  onWatchEnded(buddy) {
    showPresence(buddy, { state: 'ended', note: '' });
  },
  onDisconnected(why) {
    if (session === undefined) return;
    showSignIn(`The connection to the edge was lost (${why}); sign in again.`);
  },
};

async function signIn(event) {
  event.preventDefault();
  const address = complete(element('address').value);
  const form = element('sign-in-form');
  form.querySelector('button').disabled = true;
  say('sign-in-status', `Signing in as ${address}…`);
  try {
    const password = element('password').value;
    session = await SipSession.signIn({ address, password, server: webSocketUrl(), instanceId: instanceId(), events });
  } catch (error) {
    say('sign-in-status', `Sign-in failed: ${describe(error)}`);
    return;
  } finally {
    form.querySelector('button').disabled = false;
  }
  element('password').value = '';
  say('sign-in-status', '');
  say('identity', `Signed in as ${address}`);
  element('sign-in').hidden = true;
  element('signed-in').hidden = false;
  for (const buddy of storedBuddies()) addBuddy(complete(buddy));
  element('presence-form').requestSubmit();
  element('text').focus();
}

async function publishPresence(event) {
  event.preventDefault();
  const state = new FormData(element('presence-form')).get('state');
  const note = element('note').value;
  say('presence-status', 'Publishing…');
  try {
    await session.publish(state, note);
    say('presence-status', `Published: ${LABELS[state]}${note.trim() === '' ? '' : `: ${note.trim()}`}`);
  } catch (error) {
    say('presence-status', `Not published: ${describe(error)}`);
  }
}

async function sendMessage(event) {
  event.preventDefault();
  const to = complete(element('to').value);
  const text = element('text').value;
  say('message-status', `Sending to ${to}…`);
  try {
    await session.send(to, text);
    appendMessage('outgoing', to, text);
    element('text').value = '';
    say('message-status', `Delivered to ${to}`);
  } catch (error) {
    say('message-status', `Not delivered to ${to}: ${describe(error)}`);
  }
}

function showSignIn(message) {
  session = undefined;
  element('buddies').replaceChildren();
  element('messages').replaceChildren();
  element('signed-in').hidden = true;
  element('sign-in').hidden = false;
  say('identity', 'Not signed in');
  say('sign-in-status', message);
  element('address').focus();
}

async function signOut() {
  const leaving = session;
  session = undefined;
  await leaving?.signOut().catch(() => undefined);
  showSignIn('Signed out.');
}

async function start() {
  element('sign-in-form').addEventListener('submit', signIn);
  element('presence-form').addEventListener('submit', publishPresence);
  element('buddy-form').addEventListener('submit', (event) => {
    event.preventDefault();
    addBuddy(complete(element('buddy').value));
    element('buddy').value = '';
  });
  element('message-form').addEventListener('submit', sendMessage);
  element('sign-out').addEventListener('click', signOut);
  // Leaving the page withdraws the registration and the watches where the browser lets it.
  window.addEventListener('pagehide', () => session?.signOut());
  element('address').value = query.get('user') ?? '';
  try {
    const community = await (await fetch('community.json')).json();
    domain = community.domain ?? '';
    webSocketPath = community.webSocketPath ?? '/';
  } catch {
    // Without it the user types full addresses and the WebSocket opens at /.
  }
  element('address').placeholder = domain === '' ? 'alice@example.com' : `alice@${domain}`;
  element('buddy').placeholder = 'name@their.domain';
}

start();
