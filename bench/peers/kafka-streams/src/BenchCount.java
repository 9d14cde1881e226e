// The Kafka Streams peer of streamd's B2 and B4 bench apps (bench/apps/stateful, bench/apps/grouped):
// JSON page views counted per user into a RocksDB store named "counts", one stream thread, commit
// every 1 s, at-least-once, acks=all. Values are parsed as streamd parses them; B4 re-keys by the
// value's user through the repartition topic <app id>-by-user-repartition (JSON values on it).
//   java -cp <libs>/*:<classes> BenchCount b2|b4 <bootstrap> <application id> <input topic> <state dir> [cache bytes]
// Runs until SIGTERM; the bench watches its committed offsets and reads the final counts from the
// changelog <app id>-counts-changelog.

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KGroupedStream;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;

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
    if (args.length < 5) throw new IllegalArgumentException("usage: BenchCount b2|b4 <bootstrap> <application id> <input topic> <state dir> [cache bytes]");
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

    StreamsBuilder builder = new StreamsBuilder();
    KStream<String, JsonNode> views = builder.stream(args[3], Consumed.with(Serdes.String(), JSON_SERDE));
    KGroupedStream<String, JsonNode> grouped =
        switch (mode) {
          case "b2" -> views.groupByKey(Grouped.with(Serdes.String(), JSON_SERDE));
          case "b4" -> views.groupBy((key, view) -> view.get("user").asText(), Grouped.with("by-user", Serdes.String(), JSON_SERDE));
          default -> throw new IllegalArgumentException("mode must be b2 or b4, not " + mode);
        };
    grouped.count(Materialized.as("counts"));

    KafkaStreams streams = new KafkaStreams(builder.build(), props);
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
    stopped.await();
  }
}
