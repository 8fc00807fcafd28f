/**
 * Reading a PostgreSQL connection URL (`postgres://user:password@host:5432/database`) for
 * validation and for messages. Pure: used by the config parser and by the connection code.
 */

export interface PostgresTarget {
  host: string;
  port: number;
  database: string;
  user: string;
}

/**
 * The server, database and user a URL names, or an error text when it is not a usable
 * `postgres://` / `postgresql://` URL. Never includes the password. A `host` query parameter
 * (a Unix socket directory, as libpq allows) overrides the URL's host.
 */
export function parsePostgresUrl(url: string): PostgresTarget | { error: string } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { error: 'is not a URL (expected postgres://user:password@host:5432/database)' };
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    return { error: `must be a postgres:// or postgresql:// URL, not ${u.protocol}//` };
  }
  const port = u.port === '' ? 5432 : Number(u.port);
  const host = u.searchParams.get('host') || decodeURIComponent(u.hostname).replace(/^\[|\]$/g, '') || 'localhost';
  const user = decodeURIComponent(u.username) || process.env.PGUSER || process.env.USER || '';
  // As in libpq, a URL without a database names the user's own.
  const database = decodeURIComponent(u.pathname.replace(/^\//, '')) || user;
  if (database.includes('/')) return { error: `names the database "${database}", which contains "/"` };
  return { host, port, database, user };
}

/** `host:port` for messages (brackets around an IPv6 address). */
export const hostPort = (t: PostgresTarget): string => `${t.host.includes(':') ? `[${t.host}]` : t.host}:${t.port}`;

/** `PostgreSQL database "d" at host:port` for messages, or the URL's error; never the password. */
export function describePostgresUrl(url: string): string {
  const t = parsePostgresUrl(url);
  return 'error' in t ? `a PostgreSQL URL that ${t.error}` : `PostgreSQL database "${t.database}" at ${hostPort(t)}`;
}
