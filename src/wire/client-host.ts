// A client's address as Kafka's DescribeGroups answers it (client_host): the peer address's Java
// InetAddress.toString(), which for an address taken from a socket has no host name, only "/" and the address.

/** What Kafka writes for a peer at `address` (as Node's remoteAddress or Deno's remoteAddr.hostname give it). */
export function kafkaClientHost(address: string): string {
  if (address === "") return "";
  // Java turns an IPv4-mapped IPv6 address (a dual-stack socket's IPv4 peer) into the IPv4 address.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped !== null) return `/${mapped[1]}`;
  return `/${address.includes(":") ? javaIpv6(address) : address}`;
}

/** Inet6Address's form: eight groups, none elided, leading zeros dropped ("::1" is "0:0:0:0:0:0:0:1"); the scope kept. */
function javaIpv6(address: string): string {
  const at = address.indexOf("%");
  const scope = at === -1 ? "" : address.slice(at);
  let text = at === -1 ? address : address.slice(0, at);
  // A dotted IPv4 tail ("::1.2.3.4") is two groups.
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted !== null) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split("::") as [string, string | undefined];
  const left = head === "" ? [] : head.split(":");
  const right = tail === undefined || tail === "" ? [] : tail.split(":");
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill("0"), ...right];
  return groups.map((group) => parseInt(group, 16).toString(16)).join(":") + scope;
}
