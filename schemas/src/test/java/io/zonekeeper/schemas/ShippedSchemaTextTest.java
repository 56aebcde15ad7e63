package io.zonekeeper.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.junit.jupiter.api.Test;

/**
 * What Zonekeeper registers is the shipped {@code .avsc} file, byte for byte, so a client of another language that
 * serializes with the file (auto-registration off) finds the services' schema, and one that registers it adds no
 * version. The generated classes' schema differs from the file (Java-only string properties).
 */
class ShippedSchemaTextTest {

    @Test
    void everyContractRegistersItsShippedFileByteForByte() throws IOException {
        for (Schema schema : Contracts.ALL) {
            Path file = Path.of("src/main/avro", schema.getName() + ".avsc");
            assertThat(Contracts.shippedText(schema)).as(schema.getName()).contains(Files.readString(file));
        }
    }

    @Test
    void theShippedTextIsTheGeneratedClassesSchemaWithoutJavaOnlyProperties() {
        for (Schema schema : Contracts.ALL) {
            String text = Contracts.shippedText(schema).orElseThrow();
            assertThat(text).doesNotContain("avro.java.string");
            assertThat(schema.toString()).as("the generated schema, which must not be registered")
                    .contains("avro.java.string");
            assertThat(SchemaNormalization.toParsingForm(new Schema.Parser().parse(text)))
                    .isEqualTo(SchemaNormalization.toParsingForm(schema));
        }
    }

    @Test
    void anotherVersionOfAShippedRecordIsNotTheShippedFile() {
        Schema changed = new Schema.Parser().parse(OrgClusters.getClassSchema().toString()
                .replace("\"fields\":[", "\"fields\":[{\"name\":\"tier\",\"type\":\"string\"},"));
        assertThat(Contracts.shippedText(changed)).isEmpty();
    }

    @Test
    void aSchemaThatIsNotShippedHasNoText() {
        Schema other = new Schema.Parser().parse(
                "{\"type\":\"record\",\"name\":\"Other\",\"namespace\":\"elsewhere\",\"fields\":[]}");
        assertThat(Contracts.shippedText(other)).isEmpty();
    }
}
