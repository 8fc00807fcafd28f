/**
 * Markdown for message bodies and task text, rendered with `marked` (GFM, line breaks kept).
 * Untrusted input: raw HTML in the source is shown as text, never passed through; links keep
 * only http(s), mailto and relative targets (anything else, e.g. `javascript:` or `data:`,
 * becomes plain text); images are shown as links so a message cannot load remote content.
 */
import { Marked, type Tokens } from 'marked';

const SAFE_SCHEMES = new Set(['http', 'https', 'mailto']);

/** Escapes text for HTML element content and double-quoted attributes. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The href if it is safe to link: an http(s) or mailto URL, or a relative one. Control
 * characters and whitespace are ignored when reading the scheme, as browsers do.
 */
export function safeHref(href: string): string | null {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: browsers skip these inside a scheme
  const squeezed = href.replace(/[\u0000-\u0020\u007f-\u009f]/g, '');
  const scheme = /^([^/?#]*?):/.exec(squeezed);
  if (!scheme) return href;
  return SAFE_SCHEMES.has((scheme[1] ?? '').toLowerCase()) ? href : null;
}

const marked = new Marked({
  gfm: true,
  breaks: true,
  async: false,
  renderer: {
    html({ text }: Tokens.HTML | Tokens.Tag): string {
      return escapeHtml(text);
    },
    link({ href, title, tokens }: Tokens.Link): string {
      const text = this.parser.parseInline(tokens);
      const safe = safeHref(href);
      if (safe === null) return text;
      const t = title ? ` title="${escapeHtml(title)}"` : '';
      return `<a href="${escapeHtml(safe)}"${t} rel="noopener noreferrer nofollow" target="_blank">${text}</a>`;
    },
    image({ href, text }: Tokens.Image): string {
      const safe = safeHref(href);
      const label = escapeHtml(text || href);
      if (safe === null) return label;
      return `<a href="${escapeHtml(safe)}" rel="noopener noreferrer nofollow" target="_blank">image: ${label}</a>`;
    },
  },
});

/** Renders untrusted Markdown to HTML that is safe to insert (see the module note). */
export function renderMarkdown(source: string): string {
  return marked.parse(source, { async: false }) as string;
}
