// A consumer loop as a user writes it against loglab's Consumer: process a
// record, then commit the offset after it (at-least-once). The simulator runs
// this module's `default` export: `loglab sim --program my-loop.mjs --check at-least-once`.

const orders = ["order-1", "order-2", "order-3", "order-4", "order-5", "order-6"];

/** Consumer settings a crashed member's session expires under within seconds. */
const config = {
  "group.id": "billing", "enable.auto.commit": false, "auto.offset.reset": "earliest",
  "session.timeout.ms": 6000, "heartbeat.interval.ms": 1000, "request.timeout.ms": 2000,
};

/** The user's loop: process, then commit. */
export async function billing({ consumer, record, step, sleep, signal }) {
  const orderConsumer = consumer(config);
  orderConsumer.subscribe(["orders"]);
  while (!signal.aborted) {
    try {
      for (const order of await orderConsumer.poll(100)) {
        const value = new TextDecoder().decode(order.value);
        await sleep(50); // charge the customer
        record("processed", value);
        await step("processed");
        await orderConsumer.commit([{ topic: order.topic, partition: order.partition, offset: order.offset + 1 }]);
        await step("committed");
      }
    } catch (error) {
      if (!error.retriable) throw error;
      await sleep(100); // a commit refused in a rebalance: poll again
    }
  }
  await orderConsumer.close();
}

export default {
  topics: [{ name: "orders", partitions: 2 }],
  inputs: orders.map((value) => ({ topic: "orders", value })),
  processes: { billing },
  faults: { crashes: [{ process: "billing", step: "processed", occurrence: 2 }] },
  runForMs: 20_000,
};
