package io.zonekeeper.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Every organization the reaper knows, from its query endpoint, as a table. */
@Command(name = "orgs", mixinStandardHelpOptions = true, description = "List organizations: clusters, zone, pending reap.")
final class OrgsCommand implements Callable<Integer> {

    static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--reaper", defaultValue = "${env:ZK_REAPER_URL:-http://localhost:8080}",
            description = "any reaper instance's HTTP address (default: $ZK_REAPER_URL or ${DEFAULT-VALUE})")
    String reaper;

    @Override
    public Integer call() {
        List<JsonNode> orgs = all(reaper);
        var out = spec.commandLine().getOut();
        header(out);
        orgs.forEach(o -> row(out, o));
        out.printf("%d organization(s)%n", orgs.size());
        return 0;
    }

    /** Every organization the reaper knows, across all its instances, following the pages to the end. */
    static List<JsonNode> all(String reaper) {
        List<JsonNode> orgs = new ArrayList<>();
        String after = null;
        do {
            JsonNode page = get(reaper, "/orgs?limit=500" + (after == null ? "" : "&after="
                    + URLEncoder.encode(after, StandardCharsets.UTF_8)));
            page.get("orgs").forEach(orgs::add);
            after = page.get("next").isNull() ? null : page.get("next").asText();
        } while (after != null);
        return orgs;
    }

    static void header(PrintWriter out) {
        out.printf("%-16s %-14s %-8s %-30s %-24s %s%n", "ORG ID", "NAME", "CLUSTERS", "ZONE", "PENDING REAP", "REASON");
    }

    static void row(PrintWriter out, JsonNode org) {
        JsonNode zone = org.get("zone");
        JsonNode reap = org.get("pendingReap");
        out.printf("%-16s %-14s %-8d %-30s %-24s %s%n", org.get("orgId").asText(), text(org.get("orgName")),
                org.get("clusterCount").asInt(),
                zone == null || zone.isNull() ? "-" : text(zone.get("zoneName")) + " " + text(zone.get("status")),
                reap == null || reap.isNull() ? "-" : text(reap.get("dueAt")),
                reap == null || reap.isNull() ? "" : text(reap.get("reason")));
    }

    private static String text(JsonNode node) {
        return node == null || node.isNull() ? "-" : node.asText();
    }

    /** GET a JSON answer from the reaper; 404 and other errors become clear failures. */
    static JsonNode get(String base, String path) {
        URI uri = URI.create(base.replaceAll("/+$", "") + path);
        try {
            HttpResponse<String> response = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()
                    .send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(15)).GET().build(),
                            HttpResponse.BodyHandlers.ofString());
            JsonNode body = JSON.readTree(response.body());
            if (response.statusCode() != 200) {
                throw new Zk.Refused("reaper answered " + response.statusCode() + ": "
                        + (body.has("error") ? body.get("error").asText() : response.body()));
            }
            return body;
        } catch (IOException e) {
            throw new Zk.Unreachable("cannot reach the reaper at " + base + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Zk.Unreachable("interrupted", e);
        }
    }
}
