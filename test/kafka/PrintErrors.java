// Prints Kafka's error table as "NAME CODE" lines, from the Errors enum of the
// kafka-clients jar the suite fetched.
import org.apache.kafka.common.protocol.Errors;

public class PrintErrors {
  public static void main(String[] args) {
    for (Errors error : Errors.values()) System.out.println(error.name() + " " + error.code());
  }
}
