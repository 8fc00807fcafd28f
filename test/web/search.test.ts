/** The board's search through `app.request()`: the header box, the page, the htmx fragment, links and escaping. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sendMessage } from '../../server/ops/messages.js';
import { createTask } from '../../server/ops/tasks.js';
import { type BoardWorld, Browser, boardWorld } from './helpers.js';

describe('board search (local mode)', () => {
  let w: BoardWorld;
  let b: Browser;
  beforeEach(async () => {
    w = await boardWorld();
    b = new Browser(w.sb);
    await b.join('pat');
  });
  afterEach(async () => {
    await w.close();
  });

  it('offers a search box in the header of every team page', async () => {
    const html = await (await b.get('/t/default/threads')).text();
    expect(html).toMatch(/<form class="header-search" method="get" action="\/t\/default\/search">/);
  });

  it('shows hits with links to the task and the thread, matched words marked, everything escaped', async () => {
    const alice = w.as(await w.agent('alice'));
    await w.agent('bob');
    const task = await createTask(alice, { title: 'Harden the <b>parser</b>', description: 'The parser chokes.' });
    const sent = await sendMessage(alice, { to: 'bob', message: 'the parser & <script>alert("x")</script>' });

    const page = await b.get('/t/default/search?q=parser');
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<h1>Search</h1>');
    expect(html).toMatch(/<input type="search" name="q" value="parser"/);
    expect(html).toContain(`href="/t/default/tasks/${task.number}"`);
    expect(html).toContain(`href="/t/default/threads/${sent.message.threadId}#m-${sent.message.id}"`);
    expect(html).toContain('<mark>parser</mark>');
    expect(html).not.toContain('<script>alert');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).toContain('#1 Harden the &lt;b&gt;parser&lt;/b&gt;');

    // htmx asks for the hits alone; "in" narrows them.
    const frag = await (await b.fragment('/t/default/search?q=parser&in=tasks')).text();
    expect(frag.startsWith('<section id="search-results"')).toBe(true);
    expect(frag).not.toContain('<html');
    expect(frag.match(/class="hit hit-/g)).toHaveLength(1);
  });

  it('shows the form alone without words, "nothing matches" for a miss, and the error for bad input', async () => {
    const empty = await (await b.get('/t/default/search')).text();
    expect(empty).toContain('Type words to find');
    const miss = await (await b.fragment('/t/default/search?q=%22%20NEAR(%20*')).text();
    expect(miss).toContain('Nothing matches “&quot; NEAR( *”');
    const bad = await b.fragment(`/t/default/search?q=${'x'.repeat(201)}`);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/invalid.*query/s);
    const scope = await b.fragment('/t/default/search?q=parser&in=files');
    expect(scope.status).toBe(400);
  });
});
