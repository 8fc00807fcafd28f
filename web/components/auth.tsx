/** The first-visit name form (local mode) and the token login form (token mode). */
import type { FC } from 'hono/jsx';
import { Csrf, ErrorBox } from './common.js';

export const NameForm: FC<{ csrf: string; next: string; error?: string }> = ({ csrf, next, error }) => (
  <section class="auth">
    <h1>Who are you?</h1>
    <p>
      Pick the name your teammates will see. You join each team you open as a <strong>human</strong> teammate.
    </p>
    {error && <ErrorBox code="invalid" message={error} />}
    <form method="post" action="/welcome">
      <Csrf token={csrf} />
      <input type="hidden" name="next" value={next} />
      <label>
        Name <input name="name" required maxlength={40} pattern="[a-z0-9][a-z0-9._\-]{0,39}" autofocus />
      </label>
      <button type="submit">Continue</button>
    </form>
  </section>
);

export const LoginForm: FC<{ csrf: string; next: string; error?: string }> = ({ csrf, next, error }) => (
  <section class="auth">
    <h1>Log in</h1>
    <p>This server is exposed: log in with your Switchboard token.</p>
    {error && <ErrorBox code="unauthorized" message={error} />}
    <form method="post" action="/login">
      <Csrf token={csrf} />
      <input type="hidden" name="next" value={next} />
      <label>
        Token <input name="token" type="password" required autocomplete="off" autofocus />
      </label>
      <button type="submit">Log in</button>
    </form>
  </section>
);
