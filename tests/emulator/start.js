#!/usr/bin/env node
// Runs the Firestore emulator on 127.0.0.1 for the Store contract tests.
//
//   node start.js [PORT] [--exit-with-stdin]
//
// PORT defaults to $FIRESTORE_EMULATOR_PORT, then 8080; 0 picks a free port. Once it
// listens, one line goes to stdout: "firestore emulator ready on 127.0.0.1:PORT".
// SIGTERM or SIGINT stops it with exit status 0. With --exit-with-stdin it also stops when
// stdin closes, so it never outlives a parent that was killed without cleaning up.
"use strict";

const { ServerCredentials } = require("@grpc/grpc-js");
const { FirestoreServer } = require("@firestore-emulator/server");

const HOST = "127.0.0.1";

function parsePort(text) {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`start.js: not a port number: ${JSON.stringify(text)}`);
    process.exit(2);
  }
  return port;
}

const args = process.argv.slice(2);
const exitWithStdin = args.includes("--exit-with-stdin");
const positional = args.filter((a) => !a.startsWith("--"));
const port = parsePort(positional[0] ?? process.env.FIRESTORE_EMULATOR_PORT ?? "8080");

const emulator = new FirestoreServer();
// FirestoreServer.start() binds 0.0.0.0; bind its gRPC server to loopback only instead.
const grpcServer = emulator.server;
if (!grpcServer || typeof grpcServer.bindAsync !== "function") {
  console.error("start.js: @firestore-emulator/server changed shape; check the pinned version");
  process.exit(1);
}

let stopping = false;
function stop() {
  if (stopping) return;
  stopping = true;
  // Let in-flight calls finish, but never wait long: a test run is waiting on us.
  const force = setTimeout(() => {
    grpcServer.forceShutdown();
    process.exit(0);
  }, 1000);
  force.unref();
  grpcServer.tryShutdown(() => process.exit(0));
}

process.on("SIGTERM", stop);
process.on("SIGINT", stop);
if (exitWithStdin) {
  process.stdin.on("end", stop);
  process.stdin.on("error", stop);
  process.stdin.resume();
}

grpcServer.bindAsync(`${HOST}:${port}`, ServerCredentials.createInsecure(), (err, bound) => {
  if (err) {
    console.error(`start.js: cannot listen on ${HOST}:${port}: ${err.message}`);
    process.exit(1);
  }
  process.stdout.write(`firestore emulator ready on ${HOST}:${bound}\n`);
});
