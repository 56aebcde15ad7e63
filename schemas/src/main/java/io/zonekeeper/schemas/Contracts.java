package io.zonekeeper.schemas;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;

/** Every top-level record Zonekeeper publishes or consumes, in one list for checks and tools. */
public final class Contracts {

    public static final List<Schema> ALL = List.of(
            ClusterLifecycleEvent.getClassSchema(),
            OrgDnsState.getClassSchema(),
            ClusterTlsState.getClassSchema(),
            OrgClusters.getClassSchema(),
            ZoneReapCommand.getClassSchema(),
            CertificateRequest.getClassSchema(),
            CertCommand.getClassSchema(),
            OrgCommand.getClassSchema(),
            AuditEvent.getClassSchema());

    private static final Map<String, Optional<String>> SHIPPED = new ConcurrentHashMap<>();

    private Contracts() {
    }

    /**
     * The text of the {@code .avsc} file this jar was built from for {@code schema} (by full name), byte for byte:
     * what Zonekeeper registers. The generated classes' schema carries {@code "avro.java.string":"String"} on every
     * string, so registering it would make a schema no client serializing with the shipped file ever looks up, and a
     * duplicate version when that client registers. Empty for a schema that is not one of the shipped files as
     * they are (another version of a record, in a test or a migration, is registered as Avro prints it).
     */
    public static Optional<String> shippedText(Schema schema) {
        return SHIPPED.computeIfAbsent(schema.getFullName(), Contracts::read)
                .filter(text -> withoutJavaProperties(schema).equals(new Schema.Parser().parse(text).toString()));
    }

    /** The schema as Avro prints it, less the string type hints only Java's generated code reads. */
    private static String withoutJavaProperties(Schema schema) {
        return schema.toString().replace(",\"avro.java.string\":\"String\"", "")
                .replace("{\"type\":\"string\"}", "\"string\"");
    }

    private static Optional<String> read(String fullName) {
        if (!fullName.startsWith(Contracts.class.getPackageName() + ".")) {
            return Optional.empty();
        }
        String file = "avro/" + fullName.substring(fullName.lastIndexOf('.') + 1) + ".avsc";
        try (InputStream in = Contracts.class.getResourceAsStream(file)) {
            return in == null ? Optional.empty() : Optional.of(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the shipped schema " + file, e);
        }
    }
}
