// Kafka's own Java client (kafka-clients 4.1.1) through a fixed scenario, printing one line per fact so that
// the output on loglab serve can be compared with the output on Apache Kafka: an idempotent producer, a
// transactional producer (one transaction committed with a group's offsets, one aborted), and a consumer group of
// two members in this JVM reading with read_committed and committing.
// Run from source: java -cp 'LIBS/*' JavaClientSuite.java BOOTSTRAP PREFIX
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

public class JavaClientSuite {
  static final long DEADLINE_MS = 90_000;

  public static void main(String[] args) throws Exception {
    String bootstrap = args[0];
    String input = args[1] + "-in";
    String output = args[1] + "-out";
    Properties common = new Properties();
    common.put("bootstrap.servers", bootstrap);
    try (Admin admin = Admin.create(common)) {
      admin.createTopics(List.of(new NewTopic(input, 2, (short) 1), new NewTopic(output, 2, (short) 1))).all().get();
      idempotent(common, input);
      transactional(common, input, output);
      System.out.println("transactional offsets of " + args[1] + "-tx: " + offsets(admin, args[1] + "-tx"));
      consumeInGroup(common, output, args[1] + "-readers");
      System.out.println("committed offsets of " + args[1] + "-readers: " + offsets(admin, args[1] + "-readers"));
    }
  }

  static Properties producerProps(Properties common) {
    Properties props = new Properties();
    props.putAll(common);
    props.put("key.serializer", StringSerializer.class.getName());
    props.put("value.serializer", StringSerializer.class.getName());
    props.put("compression.type", "none");
    props.put("linger.ms", "0");
    return props;
  }

  static void idempotent(Properties common, String topic) throws Exception {
    Properties props = producerProps(common);
    props.put("enable.idempotence", "true");
    props.put("acks", "all");
    List<String> placed = new ArrayList<>();
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
      for (int i = 0; i < 6; i++) {
        RecordMetadata sent = producer.send(new ProducerRecord<>(topic, i % 2, "k" + i, "v" + i)).get();
        placed.add(sent.partition() + "@" + sent.offset());
      }
    }
    System.out.println("idempotent producer placed: " + String.join(" ", placed));
  }

  static void transactional(Properties common, String input, String output) throws Exception {
    Properties props = producerProps(common);
    props.put("transactional.id", input + "-writer");
    ConsumerGroupMetadata group = new ConsumerGroupMetadata(input.replaceAll("-in$", "") + "-tx");
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
      producer.initTransactions();
      String[] outcomes = {"commit", "abort"};
      for (int t = 0; t < outcomes.length; t++) {
        producer.beginTransaction();
        for (int partition = 0; partition < 2; partition++) {
          producer.send(new ProducerRecord<>(output, partition, "key", outcomes[t] + "-" + partition));
        }
        producer.sendOffsetsToTransaction(Map.of(new TopicPartition(input, 0), new OffsetAndMetadata(2 + t)), group);
        producer.flush();
        if (outcomes[t].equals("commit")) producer.commitTransaction(); else producer.abortTransaction();
        System.out.println("transaction " + (t + 1) + ": " + outcomes[t]);
      }
    }
  }

  static String offsets(Admin admin, String groupId) throws Exception {
    Map<TopicPartition, OffsetAndMetadata> found = admin.listConsumerGroupOffsets(groupId).partitionsToOffsetAndMetadata().get();
    Map<String, Long> sorted = new TreeMap<>();
    for (Map.Entry<TopicPartition, OffsetAndMetadata> e : found.entrySet()) sorted.put(e.getKey().toString(), e.getValue().offset());
    return sorted.toString();
  }

  /** Two members of one group, each polling in its own thread, until both hold partitions and every committed record is read. */
  static void consumeInGroup(Properties common, String topic, String groupId) throws Exception {
    ConcurrentLinkedQueue<String> seen = new ConcurrentLinkedQueue<>();
    AtomicBoolean done = new AtomicBoolean(false);
    List<List<Integer>> assignments = Collections.synchronizedList(new ArrayList<>());
    List<Thread> threads = new ArrayList<>();
    List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
    for (int m = 0; m < 2; m++) {
      Properties props = new Properties();
      props.putAll(common);
      props.put("group.id", groupId);
      props.put("client.id", "member-" + m);
      props.put("isolation.level", "read_committed");
      props.put("auto.offset.reset", "earliest");
      props.put("enable.auto.commit", "false");
      props.put("key.deserializer", StringDeserializer.class.getName());
      props.put("value.deserializer", StringDeserializer.class.getName());
      Thread thread = new Thread(() -> {
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
          consumer.subscribe(List.of(topic));
          while (!done.get()) {
            for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
              seen.add(record.partition() + ":" + record.value());
            }
            consumer.commitSync();
          }
          List<Integer> mine = new ArrayList<>();
          for (TopicPartition tp : consumer.assignment()) mine.add(tp.partition());
          Collections.sort(mine);
          assignments.add(mine);
        } catch (Throwable e) {
          failures.add(e);
        }
      });
      threads.add(thread);
      thread.start();
    }
    long start = System.currentTimeMillis();
    // Both members hold a partition once each has read its committed record; then a little longer, for anything
    // that should not be read to show up.
    while (seen.size() < 2 && failures.isEmpty() && System.currentTimeMillis() - start < DEADLINE_MS) Thread.sleep(100);
    Thread.sleep(2_000);
    done.set(true);
    for (Thread thread : threads) thread.join();
    if (!failures.isEmpty()) throw new RuntimeException(failures.get(0));
    List<String> records = new ArrayList<>(seen);
    Collections.sort(records);
    List<String> shares = new ArrayList<>();
    for (List<Integer> a : assignments) shares.add(a.toString());
    Collections.sort(shares);
    System.out.println("read_committed group read: " + records);
    System.out.println("member assignments: " + shares);
  }
}
