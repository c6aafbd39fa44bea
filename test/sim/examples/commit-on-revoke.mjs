// A pipelined consumer loop: it polls between records to keep its queue full
// and its place in the group, processes one queued record at a time and
// commits after it (at-least-once, as far as crashes go). Its bug is in the
// rebalance listener: on revoke it commits how far it has fetched — the
// records still queued included — and drops the queue. Only a rebalance
// reaches that line, so only a search that forces rebalances finds the loss.

const orders = ["order-1", "order-2", "order-3", "order-4", "order-5", "order-6"];

const config = {
  "group.id": "billing", "enable.auto.commit": false, "auto.offset.reset": "earliest",
  "session.timeout.ms": 6000, "heartbeat.interval.ms": 500, "request.timeout.ms": 2000,
};

/** Process, then commit; but on revoke, commit what was fetched. */
export async function pipeline({ consumer, record, step, sleep, signal }) {
  const orderConsumer = consumer(config);
  let queue = [];
  orderConsumer.subscribe(["orders"], {
    onPartitionsRevoked: async (partitions) => {
      const fetched = partitions.flatMap((tp) => {
        const offset = orderConsumer.position(tp);
        return offset === undefined ? [] : [{ ...tp, offset }];
      });
      if (fetched.length > 0) await orderConsumer.commit(fetched); // the bug: these were fetched, not processed
      queue = [];
    },
  });
  while (!signal.aborted) {
    try {
      queue.push(...await orderConsumer.poll(queue.length === 0 ? 100 : 0));
      const order = queue.shift();
      if (order === undefined) continue;
      await sleep(200); // charge the customer
      record("processed", new TextDecoder().decode(order.value));
      await step("processed");
      await orderConsumer.commit([{ topic: order.topic, partition: order.partition, offset: order.offset + 1 }]);
      await step("committed");
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
  processes: { pipeline },
  runForMs: 20_000,
};
