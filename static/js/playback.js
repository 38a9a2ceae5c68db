// Playback of a stored run at its recorded pace: the chunks come as [seconds after start, text];
// a clock advances at the chosen speed (0.5x to 5x, or instant) and shows every chunk it passes.
// Before and while playing, the rest of the answer waits in faint text, so the page opens on the
// answer, not on an empty box.
const root = document.getElementById("playback");
const played = document.getElementById("playback-played");
const ahead = document.getElementById("playback-ahead");
const note = document.getElementById("playback-note");
const playButton = document.getElementById("playback-play");
const restartButton = document.getElementById("playback-restart");
const clockEl = document.getElementById("playback-clock");
const progress = document.getElementById("playback-progress");
const SPEEDS = { "0.5": 0.5, "1": 1, "2": 2, "5": 5, instant: null };

let chunks = [];
let total = 0;
let next = 0; // index of the next chunk to show
let clock = 0; // recorded seconds played so far
let playing = false;
let lastFrame = null;

function speed() {
  const checked = root.querySelector("input[name=speed]:checked");
  return SPEEDS[checked ? checked.value : "1"];
}

const textFrom = (index) => chunks.slice(index).map((chunk) => chunk[1]).join("");

function showUntil(time) {
  let text = "";
  while (next < chunks.length && chunks[next][0] <= time) text += chunks[next++][1];
  if (!text) return;
  played.append(document.createTextNode(text));
  ahead.textContent = textFrom(next);
}

function render() {
  clockEl.textContent = `${clock.toFixed(2)} s / ${total.toFixed(2)} s`;
  progress.value = total ? Math.min(1, clock / total) : next >= chunks.length ? 1 : 0;
  playButton.textContent = playing ? "Pause" : next >= chunks.length && next > 0 ? "Play again" : next > 0 ? "Resume" : "Play";
}

function tick(now) {
  if (!playing) return;
  const factor = speed();
  clock = factor === null ? total : clock + ((now - (lastFrame ?? now)) / 1000) * factor;
  lastFrame = now;
  showUntil(clock);
  if (next >= chunks.length) {
    clock = total;
    playing = false;
    note.textContent = `${chunks.length} chunk${chunks.length === 1 ? "" : "s"} over ${total.toFixed(2)} s, played in full. Play again, or pick another speed first.`;
  }
  render();
  if (playing) requestAnimationFrame(tick);
}

function restart() {
  played.replaceChildren();
  ahead.textContent = textFrom(0);
  next = 0;
  clock = 0;
}

function toggle() {
  if (!playing && next >= chunks.length) restart();
  playing = !playing;
  lastFrame = null;
  render();
  if (playing) requestAnimationFrame(tick);
}

async function load() {
  const response = await fetch(root.dataset.url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
  if (!response.ok) throw new Error(`The server answered ${response.status}.`);
  const data = await response.json();
  chunks = data.chunks;
  total = chunks.length ? Math.max(chunks[chunks.length - 1][0], data.total_time || 0) : 0;
  if (!chunks.length) {
    note.textContent = "This run has no text to play back.";
    return;
  }
  ahead.textContent = textFrom(0);
  note.textContent = `${chunks.length} chunk${chunks.length === 1 ? "" : "s"} over ${total.toFixed(2)} s. Press Play to watch the answer arrive as it did.`;
  playButton.disabled = false;
  restartButton.disabled = false;
  render();
  playButton.focus();
}

playButton.addEventListener("click", toggle);
restartButton.addEventListener("click", () => {
  restart();
  playing = false;
  toggle();
});
load().catch((error) => {
  note.textContent = `Could not load the recording: ${error.message}`;
});
