// Kafka's own key -> partition mapping, for the contract suite to compare our drivers against.
// Run by test/kafka/java-partitioner.ts in source mode:
//   java -cp <kafka classpath> test/kafka/java/PartitionForKey.java <partitionCount>
// Reads keys from stdin, one per line, UTF-8; prints one partition number per line.
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;

public final class PartitionForKey {
    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: PartitionForKey <partitionCount>  (keys on stdin, one per line)");
            System.exit(2);
        }
        int partitionCount = Integer.parseInt(args[0]);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        BufferedWriter out = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8));
        String key;
        while ((key = in.readLine()) != null) {
            byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
            out.write(Integer.toString(BuiltInPartitioner.partitionForKey(bytes, partitionCount)));
            out.write('\n');
        }
        out.flush();
    }
}
