import express from 'express';
import session from 'express-session';
import { Client } from '../../src/index.js';
import { MemcacheStore } from '../../src/session/index.js';

declare module 'express-session' {
  interface SessionData {
    user?: string;
  }
}

const client = new Client(process.env.MEMCACHED_SERVERS ?? 'localhost:11211');
const app = express();
app.use(
  session({
    store: new MemcacheStore({ client }), // items sess:<session id>
    secret: process.env.SESSION_SECRET ?? 'a secret of at least 32 characters',
    resave: false, // the store has touch
    saveUninitialized: false,
    cookie: { maxAge: 30 * 60_000 }, // the item expires with the cookie
  }),
);
app.post('/login', (req, res, next) => {
  req.session.regenerate((err) => {
    if (err) return next(err);
    req.session.user = 'ada';
    // Saved before answering, so a memcached error becomes this request's error response.
    req.session.save((err) => (err ? next(err) : res.send('welcome')));
  });
});
app.get('/me', (req, res) => {
  res.send(req.session.user ?? 'nobody');
});

const server = app.listen(Number(process.env.PORT ?? 3000));
server.on('close', () => void client.close()); // the store borrows the client: close it yourself
export { server };
