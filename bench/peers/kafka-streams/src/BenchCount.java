// The Kafka Streams peer of streamd's B2, B3 and B4 bench apps (bench/apps/stateful, windowed, grouped):
// JSON page views counted per user into a RocksDB store named "counts", one stream thread, commit
// every 1 s, at-least-once, acks=all. Values are parsed as streamd parses them; B3 counts per key per
// tumbling minute of the record timestamp (grace 1 minute, as the streamd app); B4 re-keys by the
// value's user through the repartition topic <app id>-by-user-repartition (JSON values on it).
//   java -cp <libs>/*:<classes> BenchCount b2|b3|b4|restore <bootstrap> <application id> <input topic> <state dir> [cache bytes]
// Runs until SIGTERM; the bench watches its committed offsets and reads the final counts from the
// changelog <app id>-counts-changelog. `restore` is b2 on an empty input whose changelog the bench
// wrote: it prints `restore-start <partition> <records> <epoch ms>` and `restore-end <partition> <restored>
// <epoch ms>` (a StateRestoreListener), and once it reads a line on stdin, `store <keys> <sum>` (the
// restored store, iterated).

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KGroupedStream;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.processor.StateRestoreListener;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;

public final class BenchCount {
  private static final ObjectMapper JSON = new ObjectMapper();

  private BenchCount() {}

  private static JsonNode parse(byte[] bytes) {
    try {
      return JSON.readTree(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] write(JsonNode node) {
    try {
      return JSON.writeValueAsBytes(node);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static final Serde<JsonNode> JSON_SERDE =
      Serdes.serdeFrom((Serializer<JsonNode>) (topic, node) -> node == null ? null : write(node), (Deserializer<JsonNode>) (topic, bytes) -> bytes == null ? null : parse(bytes));

  public static void main(String[] args) throws InterruptedException {
    if (args.length < 5) throw new IllegalArgumentException("usage: BenchCount b2|b3|b4|restore <bootstrap> <application id> <input topic> <state dir> [cache bytes]");
    String mode = args[0];
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, args[2]);
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, args[1]);
    props.put(StreamsConfig.STATE_DIR_CONFIG, args[4]);
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
    props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 1000);
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE);
    props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
    if (args.length > 5) props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, Long.parseLong(args[5]));
    props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
    props.put(StreamsConfig.producerPrefix(ProducerConfig.ACKS_CONFIG), "all");
    // A restore is run again with the same application id (its changelog is written once): a static
    // member takes its previous assignment back at once instead of waiting out the session timeout
    // of the stopped one, which never left the group.
    if (mode.equals("restore")) props.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG), args[2] + "-restore");

    StreamsBuilder builder = new StreamsBuilder();
    KStream<String, JsonNode> views = builder.stream(args[3], Consumed.with(Serdes.String(), JSON_SERDE));
    KGroupedStream<String, JsonNode> grouped =
        switch (mode) {
          case "b2", "b3", "restore" -> views.groupByKey(Grouped.with(Serdes.String(), JSON_SERDE));
          case "b4" -> views.groupBy((key, view) -> view.get("user").asText(), Grouped.with("by-user", Serdes.String(), JSON_SERDE));
          default -> throw new IllegalArgumentException("mode must be b2, b3, b4 or restore, not " + mode);
        };
    if (mode.equals("b3")) grouped.windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofMinutes(1), Duration.ofMinutes(1))).count(Materialized.as("counts"));
    else grouped.count(Materialized.as("counts"));

    KafkaStreams streams = new KafkaStreams(builder.build(), props);
    if (mode.equals("restore")) streams.setGlobalStateRestoreListener(RESTORE_LINES);
    CountDownLatch stopped = new CountDownLatch(1);
    streams.setUncaughtExceptionHandler(error -> {
      error.printStackTrace();
      stopped.countDown();
      return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    });
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      streams.close();
      stopped.countDown();
    }));
    streams.start();
    if (mode.equals("restore")) printStoreOnRequest(streams);
    stopped.await();
  }

  private static final StateRestoreListener RESTORE_LINES = new StateRestoreListener() {
    @Override
    public void onRestoreStart(TopicPartition partition, String store, long startOffset, long endOffset) {
      System.out.println("restore-start " + partition.partition() + " " + (endOffset - startOffset) + " " + System.currentTimeMillis());
    }

    @Override
    public void onBatchRestored(TopicPartition partition, String store, long batchEndOffset, long restored) {}

    @Override
    public void onRestoreEnd(TopicPartition partition, String store, long restored) {
      System.out.println("restore-end " + partition.partition() + " " + restored + " " + System.currentTimeMillis());
    }
  };

  /** Once the bench has read the process's peak RSS and writes a line: the store's keys and the sum of its counts. */
  private static void printStoreOnRequest(KafkaStreams streams) throws InterruptedException {
    try {
      if (new BufferedReader(new InputStreamReader(System.in)).readLine() == null) return;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    // The last onRestoreEnd comes just before the instance turns RUNNING, when its stores can be queried.
    while (streams.state() != KafkaStreams.State.RUNNING) Thread.sleep(10);
    long keys = 0;
    long sum = 0;
    try (KeyValueIterator<String, Long> all = streams.store(StoreQueryParameters.fromNameAndType("counts", QueryableStoreTypes.<String, Long>keyValueStore())).all()) {
      while (all.hasNext()) {
        KeyValue<String, Long> entry = all.next();
        keys++;
        sum += entry.value;
      }
    }
    System.out.println("store " + keys + " " + sum);
  }
}
