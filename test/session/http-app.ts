// Test harness: a real express 5 + express-session app over a MemcacheStore, served on 127.0.0.1:0,
// and a one-cookie "browser" that talks to it with Node's fetch.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express, { type ErrorRequestHandler } from 'express';
import session from 'express-session';
import type { MemcacheStore } from '../../src/session/index.js';

declare module 'express-session' {
  interface SessionData {
    user?: string;
  }
}

export interface RunningApp {
  readonly url: string;
  close(): Promise<void>;
}

/** Routes: POST /login?user=, POST /remember?user= (no explicit save), GET /me, POST /extend?maxAge= (a new cookie length, else unchanged), POST /logout. */
export async function startApp<V>(store: MemcacheStore<V>, maxAge?: number): Promise<RunningApp> {
  const app = express();
  app.use(session({ store, secret: 'test secret, 32 characters long!', resave: false, saveUninitialized: false, cookie: maxAge === undefined ? {} : { maxAge } }));
  app.post('/login', (req, res, next) => {
    req.session.regenerate((error: unknown) => {
      if (error) return next(error);
      req.session.user = String(req.query.user);
      // Saved here, not at res.end, so a store error becomes this request's error response.
      req.session.save((saveError: unknown) => (saveError ? next(saveError) : res.send('welcome')));
    });
  });
  app.get('/me', (req, res) => {
    res.send(req.session.user ?? 'nobody');
  });
  // Left to express-session to save after the answer is sent.
  app.post('/remember', (req, res) => {
    req.session.user = String(req.query.user);
    res.send('remembered');
  });
  app.post('/extend', (req, res) => {
    req.session.cookie.maxAge = Number(req.query.maxAge);
    res.send('extended');
  });
  app.post('/logout', (req, res, next) => {
    req.session.destroy((error: unknown) => (error ? next(error) : res.send('bye')));
  });
  const onError: ErrorRequestHandler = (error: unknown, _req, res, _next) => {
    res.status(500).send(error instanceof Error ? error.name : 'error');
  };
  app.use(onError);
  const server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A client with one cookie jar slot (express-session's `connect.sid`). */
export class Browser {
  cookie: string | undefined;

  constructor(readonly url: string) {}

  /** Sends the request with the cookie; keeps a new one the response sets. Never waits more than 10 s. */
  async request(method: 'GET' | 'POST', path: string): Promise<{ status: number; body: string }> {
    const response = await fetch(this.url + path, {
      method,
      headers: this.cookie === undefined ? {} : { cookie: this.cookie },
      signal: AbortSignal.timeout(10_000),
    });
    const set = response.headers.getSetCookie().find((c) => c.startsWith('connect.sid='));
    if (set !== undefined) this.cookie = set.split(';')[0];
    return { status: response.status, body: await response.text() };
  }

  /** The session id the cookie carries (`s:<sid>.<signature>`, URI-encoded). */
  get sid(): string {
    const match = /^connect\.sid=s:([^.]+)\./.exec(decodeURIComponent(this.cookie ?? ''));
    if (match?.[1] === undefined) throw new Error(`no session cookie: ${String(this.cookie)}`);
    return match[1];
  }
}
