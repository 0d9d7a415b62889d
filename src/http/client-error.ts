// Requests Node's HTTP parser refuses before Express sees them (headers too large, malformed HTTP, a request that
// timed out) are answered with an OperationOutcome like every other error (issue 20 point 6).
import type { Socket } from 'node:net';
import { STATUS_CODES } from 'node:http';
import { issue, operationOutcome } from '../fhir/outcome';
import { FHIR_JSON } from './negotiation';

interface ParserError extends Error {
  code?: string;
  bytesParsed?: number;
}

export function answerClientError(err: ParserError, socket: Socket): void {
  if (!socket.writable || (socket as Socket & { _httpMessage?: unknown })._httpMessage) {
    socket.destroy();
    return;
  }
  const [status, code, text] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? ([431, 'too-costly', 'The request headers are larger than this server accepts'] as const)
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? ([408, 'timeout', 'The request was not received in time'] as const)
        : ([400, 'structure', 'The request is not well-formed HTTP'] as const);
  const body = JSON.stringify(operationOutcome([issue(code, text)]));
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: ${FHIR_JSON}\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
