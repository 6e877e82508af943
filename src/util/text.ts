/** The first `max` items for a message, then how many more: lists in messages stay short at any scale. */
export function listSome<T>(items: readonly T[], max = 10, show: (x: T) => string = String): string {
  const shown = items.slice(0, max).map(show).join(', ');
  return items.length > max ? `${shown} and ${items.length - max} more` : shown;
}

/** `host:port` as Go's net.JoinHostPort writes it: an IPv6 address gets brackets. */
export function joinHostPort(host: string, port: number | string): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
