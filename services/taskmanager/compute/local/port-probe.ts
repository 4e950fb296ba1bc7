// Whether something already listens on an address and port, found by trying to bind it. Linux
// routes all of 127.0.0.0/8 to lo, so any 127.x.y.z can be bound without configuring it; a bind
// also fails when a server holds the wildcard address on that port, which would clash just the same.

import net from "node:net";

/** True when `host:port` can be bound right now (the probe socket is closed again at once). */
export function canBind(host: string, port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "EADDRINUSE" || err.code === "EACCES") resolve(false);
      else reject(err);
    });
    server.listen({ host, port, exclusive: true }, () => {
      server.close(() => resolve(true));
    });
  });
}
