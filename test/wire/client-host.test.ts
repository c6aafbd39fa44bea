// DescribeGroups' client_host as Kafka writes it: the peer address of the member's connection, "/127.0.0.1" (Java's
// InetAddress.toString() of a socket's address), carried from the connection through JoinGroup to the coordinator;
// a member that joined in-process shows the loopback address by name.

import { describe, expect, it } from "vitest";
import { Broker, IN_PROCESS_CLIENT_HOST, ManualScheduler, MemoryStorage, SeededRandom } from "../../src/index.ts";
import { kafkaClientHost } from "../../src/wire/client-host.ts";
import {
  apiKeys, BrokerHandler, Connection, decodeResponseFrame, type DescribeGroupsResponse, encodeRequestFrame, type JoinGroupResponse, readFrame,
} from "../../src/wire/index.ts";

describe("kafkaClientHost", () => {
  it("writes an address as Java's InetAddress.toString() does for a socket's peer", () => {
    expect(kafkaClientHost("127.0.0.1")).toBe("/127.0.0.1");
    expect(kafkaClientHost("10.20.30.40")).toBe("/10.20.30.40");
    // A dual-stack socket's IPv4 peer: Java gives the IPv4 address.
    expect(kafkaClientHost("::ffff:127.0.0.1")).toBe("/127.0.0.1");
    // Inet6Address: eight groups, nothing elided, no leading zeros; the scope kept.
    expect(kafkaClientHost("::1")).toBe("/0:0:0:0:0:0:0:1");
    expect(kafkaClientHost("2001:db8::8a2e:0370:7334")).toBe("/2001:db8:0:0:0:8a2e:370:7334");
    expect(kafkaClientHost("fe80::1%eth0")).toBe("/fe80:0:0:0:0:0:0:1%eth0");
    expect(kafkaClientHost("::")).toBe("/0:0:0:0:0:0:0:0");
    expect(kafkaClientHost("64:ff9b::192.0.2.33")).toBe("/64:ff9b:0:0:0:0:c000:221");
    expect(kafkaClientHost("")).toBe("");
  });
});

describe("DescribeGroups' client host", () => {
  it("is the JoinGroup connection's peer for a wire member, and the loopback by name for an in-process one", async () => {
    const scheduler = new ManualScheduler(1_700_000_000_000);
    const broker = await Broker.open({ storage: new MemoryStorage(), scheduler, random: new SeededRandom(1), config: { "group.initial.rebalance.delay.ms": "0" } });
    const handler = new BrokerHandler({ broker, scheduler, host: "127.0.0.1", port: 9092 });
    const sent: Uint8Array[] = [];
    const connection = new Connection({ handler, clientHost: "/192.0.2.7", send: (bytes) => sent.push(bytes) });
    const answer = async (apiKey: number, version: number): Promise<object> => {
      for (let i = 0; i < 10 && sent.length === 0; i++) await scheduler.advance(0);
      const frame = readFrame(sent.shift()!, 0)!.frame;
      return decodeResponseFrame(apiKey, version, frame).body;
    };
    const protocols = [{ name: "range", metadata: new TextEncoder().encode("meta") }];
    connection.receive(encodeRequestFrame({ apiKey: apiKeys.JoinGroup, apiVersion: 5, correlationId: 1, clientId: "wire-member" }, {
      groupId: "g", sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: "", groupInstanceId: null, protocolType: "consumer", protocols,
    }));
    const inProcess = broker.joinGroup({ groupId: "g", memberId: "", clientId: "local-member", sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, protocols });
    const joined = await answer(apiKeys.JoinGroup, 5) as JoinGroupResponse;
    expect(joined.errorCode).toBe(0);
    expect((await inProcess).error).toBeNull();
    connection.receive(encodeRequestFrame({ apiKey: apiKeys.DescribeGroups, apiVersion: 5, correlationId: 2, clientId: "wire-member" }, {
      groups: ["g"], includeAuthorizedOperations: false,
    }));
    const described = await answer(apiKeys.DescribeGroups, 5) as DescribeGroupsResponse;
    expect(described.groups[0]!.members.map((m) => [m.clientId, m.clientHost]).sort()).toEqual([
      ["local-member", IN_PROCESS_CLIENT_HOST], ["wire-member", "/192.0.2.7"],
    ]);
    expect(IN_PROCESS_CLIENT_HOST).toBe("localhost/127.0.0.1");
    await broker.close();
  });

  it("stays the member's first JoinGroup's, as Kafka keeps it when a member rejoins", async () => {
    const scheduler = new ManualScheduler(0);
    const broker = await Broker.open({ storage: new MemoryStorage(), scheduler, random: new SeededRandom(1), config: { "group.initial.rebalance.delay.ms": "0" } });
    const join = (memberId: string, clientHost: string) => broker.joinGroup({
      groupId: "g", memberId, clientId: "c", clientHost, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, protocols: [{ name: "range", metadata: new Uint8Array(0) }],
    });
    const first = join("", "/192.0.2.7");
    await scheduler.advance(0);
    const { memberId } = await first;
    expect((await join(memberId, "/198.51.100.9")).error).toBeNull();
    expect(broker.describeGroup("g").members.map((m) => [m.memberId, m.clientHost])).toEqual([[memberId, "/192.0.2.7"]]);
    await broker.close();
  });
});
