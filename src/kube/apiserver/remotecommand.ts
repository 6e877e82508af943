// kubectl exec / attach over WebSocket, as kube-apiserver and kubelet speak it since 1.30 (KEP-4006): subprotocol
// v5.channel.k8s.io (or v4), each binary message prefixed by its channel — 0 stdin, 1 stdout, 2 stderr, 3 error
// (the final metav1.Status: Success, or NonZeroExitCode with the code as the ExitCode cause), 4 resize, and in v5 255
// to close a channel (the client's end of stdin). SPDY (kubectl < 1.30 or its fallback) is refused with a Status.
import type { WebSocket } from 'ws';
import type { Session } from './terminal.js';

export const PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];
const STDIN = 0, STDOUT = 1, STDERR = 2, ERROR = 3, RESIZE = 4, CLOSE = 255;

export function chooseProtocol(offered: Set<string>): string | false {
  return PROTOCOLS.find((p) => offered.has(p)) ?? false;
}

export interface Channels { stdin: boolean; stdout: boolean; stderr: boolean; tty: boolean }

/** Sends `channel`+data frames for a session's output; `send(STDOUT)` etc. drop output the client did not ask for. */
export function channelWriter(ws: WebSocket, ch: Channels) {
  const frame = (id: number, s: string) => { if (ws.readyState === ws.OPEN && s) ws.send(Buffer.concat([Buffer.from([id]), Buffer.from(s, 'utf8')])); };
  return {
    stdout: (s: string) => { if (ch.stdout) frame(STDOUT, s); },
    // With a TTY there is no separate stderr: it is merged into the terminal.
    stderr: (s: string) => { if (ch.stderr && !ch.tty) frame(STDERR, s); else if (ch.tty && ch.stdout) frame(STDOUT, s); },
  };
}

/** The final Status on the error channel, as kubelet writes it (remotecommand.v4 errorDecoder). */
export function exitStatus(code: number, argv: string[]): object {
  if (code === 0) return { metadata: {}, status: 'Success' };
  return {
    metadata: {}, status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${argv.join(' ')}], exit code ${code}`,
    reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
  };
}

/** Ends a stream that cannot run with a Failure Status on the error channel (kubectl prints its message). */
export function endWithFailure(ws: WebSocket, message: string): void {
  ws.send(Buffer.concat([Buffer.from([ERROR]), Buffer.from(JSON.stringify({ metadata: {}, status: 'Failure', message }))]));
  ws.close(1000);
}

/**
 * Wires a session to the WebSocket: stdin and close frames in, the exit Status out, then a normal close. An attach
 * ends with Success whatever the process's code (kubectl reads that from the pod's status), as kubelet's attach does.
 */
export function runOverWebSocket(ws: WebSocket, session: Session, argv: string[], attach = false): void {
  ws.on('message', (raw: Buffer, isBinary: boolean) => {
    const data = Buffer.isBuffer(raw) ? raw : Buffer.from(raw as ArrayBuffer);
    if (!isBinary || data.length === 0) return;
    const id = data[0];
    if (id === STDIN) session.input(data.subarray(1));
    else if (id === CLOSE && data[1] === STDIN) session.endInput();
    else if (id === RESIZE) { /* the lab's shell has no screen to redraw */ }
  });
  ws.on('close', () => session.kill());
  ws.on('error', () => session.kill());
  void session.done.then((code) => {
    if (ws.readyState !== ws.OPEN) return;
    ws.send(Buffer.concat([Buffer.from([ERROR]), Buffer.from(JSON.stringify(exitStatus(attach ? 0 : code, argv)))]));
    ws.close(1000);
  });
}
