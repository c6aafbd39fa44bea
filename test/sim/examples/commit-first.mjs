// The same loop with the two lines swapped: commit the offset, then process.
// A crash between the two loses the record: the next process of the group
// starts after the committed offset. `loglab sim --program commit-first.mjs
// --check at-least-once` finds it and prints the replay command.

const orders = ["order-1", "order-2", "order-3", "order-4", "order-5", "order-6"];

const config = {
  "group.id": "billing", "enable.auto.commit": false, "auto.offset.reset": "earliest",
  "session.timeout.ms": 6000, "heartbeat.interval.ms": 1000, "request.timeout.ms": 2000,
};

/** Commit, then process: at-most-once, whatever its author hoped. */
export async function billing({ consumer, record, step, sleep, signal }) {
  const orderConsumer = consumer(config);
  orderConsumer.subscribe(["orders"]);
  while (!signal.aborted) {
    try {
      for (const order of await orderConsumer.poll(100)) {
        const value = new TextDecoder().decode(order.value);
        await orderConsumer.commit([{ topic: order.topic, partition: order.partition, offset: order.offset + 1 }]);
        await step("committed");
        await sleep(50); // charge the customer
        record("processed", value);
        await step("processed");
      }
    } catch (error) {
      if (!error.retriable) throw error;
      await sleep(100);
    }
  }
  await orderConsumer.close();
}

export default {
  topics: [{ name: "orders", partitions: 2 }],
  inputs: orders.map((value) => ({ topic: "orders", value })),
  processes: { billing },
  faults: { crashes: [{ process: "billing", step: "committed", occurrence: 2 }] },
  runForMs: 20_000,
};
