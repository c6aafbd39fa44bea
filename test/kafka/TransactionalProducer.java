// Writes three transactions to TOPIC on a Kafka cluster with Kafka's own
// producer: a committed one, an aborted one and a committed one, each record
// keyed and carrying a header. Run from source: java -cp 'LIBS/*' TransactionalProducer.java BOOTSTRAP TOPIC
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

public class TransactionalProducer {
  public static void main(String[] args) {
    Properties props = new Properties();
    props.put("bootstrap.servers", args[0]);
    props.put("transactional.id", "loglab-suite-writer");
    props.put("compression.type", "none");
    props.put("key.serializer", StringSerializer.class.getName());
    props.put("value.serializer", StringSerializer.class.getName());
    String[][] transactions = {{"commit", "pay 1", "pay 2"}, {"abort", "pay 3"}, {"commit", "pay 4"}};
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
      producer.initTransactions();
      for (String[] transaction : transactions) {
        producer.beginTransaction();
        for (int i = 1; i < transaction.length; i++) {
          ProducerRecord<String, String> record = new ProducerRecord<>(args[1], "order-" + i, transaction[i]);
          record.headers().add("outcome", transaction[0].getBytes(StandardCharsets.UTF_8));
          producer.send(record);
        }
        producer.flush();
        if (transaction[0].equals("commit")) producer.commitTransaction(); else producer.abortTransaction();
      }
    }
  }
}
