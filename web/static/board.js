// Small behaviours of the board that htmx attributes do not cover. No inline handlers: the
// Content-Security-Policy allows only scripts served from this origin.
document.addEventListener('htmx:afterRequest', (e) => {
  const form = e.target;
  if (form instanceof HTMLFormElement && form.hasAttribute('data-reset') && e.detail.successful) form.reset();
});

// The live dot in the header follows the SSE connection, so a person sees when updates flow.
document.addEventListener('htmx:sseOpen', () => document.body.classList.add('live'));
document.addEventListener('htmx:sseError', () => document.body.classList.remove('live'));
