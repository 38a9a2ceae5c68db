// The logprob heatmap: each token a span coloured by its probability, alternatives on hover.

const BUCKETS = [0.9, 0.7, 0.5, 0.3, 0.1];

export function probabilityClass(logprob) {
  const p = Math.exp(logprob);
  const bucket = BUCKETS.findIndex((limit) => p >= limit);
  return `tok tok-p${bucket === -1 ? BUCKETS.length : bucket}`;
}

function describe(entry) {
  const lines = [`${JSON.stringify(entry.token)}  ${(Math.exp(entry.logprob) * 100).toFixed(1)}%`];
  for (const alt of entry.top_logprobs || []) {
    if (alt.token === entry.token) continue;
    lines.push(`  ${JSON.stringify(alt.token)}  ${(Math.exp(alt.logprob) * 100).toFixed(1)}%`);
  }
  return lines.join("\n");
}

export function renderTokens(entries) {
  const fragment = document.createDocumentFragment();
  for (const entry of entries) {
    const span = document.createElement("span");
    span.className = probabilityClass(entry.logprob);
    span.textContent = entry.token;
    span.title = describe(entry);
    fragment.append(span);
  }
  return fragment;
}
