// Kiln's bridge between a sandboxed command's network namespace, which has nothing but its own loopback, and Kiln.
// Unix sockets reach across network namespaces through the filesystem, so the sockets in the directory Kiln binds
// into the sandbox are the only ways in or out. Kiln runs this in place of the command, and it starts the command
// once its listeners are open:
//
//   node sandbox-bridge.cjs [--expose PORT SOCKET] [--egress PORT SOCKET] -- PROGRAM [ARGUMENT]...
//
//   --expose  listens on the Unix socket SOCKET and passes each connection on to 127.0.0.1:PORT inside, where a dev
//             server listens: how Kiln's preview proxy reaches it.
//   --egress  listens on 127.0.0.1:PORT inside and passes each connection on to the Unix socket SOCKET, where Kiln's
//             egress proxy listens: how an install reaches the package registry, and nothing else.
//
// It exits with the command's exit code, or 128 + the number of the signal that ended it.
'use strict';
const net = require('node:net');
const os = require('node:os');
const { spawn } = require('node:child_process');

function fail(message, code) {
  process.stderr.write(`kiln sandbox bridge: ${message}\n`);
  process.exit(code);
}

// Bytes pass both ways until either side closes; an error on one side ends both.
function join(a, b) {
  a.pipe(b);
  b.pipe(a);
  const destroy = () => { a.destroy(); b.destroy(); };
  a.on('error', destroy);
  b.on('error', destroy);
  a.on('close', () => b.end());
  b.on('close', () => a.end());
}

function listen(server, ...address) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(...address, resolve);
  });
}

const args = process.argv.slice(2);
const separator = args.indexOf('--');
if (separator < 0 || separator === args.length - 1) {
  fail('usage: sandbox-bridge.cjs [--expose PORT SOCKET] [--egress PORT SOCKET] -- PROGRAM [ARGUMENT]...', 126);
}

const listening = [];
const options = args.slice(0, separator);
for (let i = 0; i < options.length; i += 3) {
  const [kind, portText, socket] = options.slice(i, i + 3);
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535 || !socket) {
    fail(`'${kind} ${portText} ${socket}' needs a port and a socket path`, 126);
  }

  if (kind === '--expose') {
    listening.push(listen(net.createServer(client => join(client, net.connect(port, '127.0.0.1'))), socket));
  } else if (kind === '--egress') {
    listening.push(listen(net.createServer(client => join(client, net.connect(socket))), port, '127.0.0.1'));
  } else {
    fail(`unknown option '${kind}'`, 126);
  }
}

const [program, ...programArgs] = args.slice(separator + 1);
Promise.all(listening).then(
  () => {
    const child = spawn(program, programArgs, { stdio: 'inherit' });
    for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) {
      process.on(signal, () => child.kill(signal));
    }

    child.on('error', error => fail(`${program}: ${error.message}`, error.code === 'ENOENT' ? 127 : 126));
    child.on('exit', (code, signal) => process.exit(code ?? 128 + (os.constants.signals[signal] ?? 0)));
  },
  error => fail(`cannot listen: ${error.message}`, 126));
