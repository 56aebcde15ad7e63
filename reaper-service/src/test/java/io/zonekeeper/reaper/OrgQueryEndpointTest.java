package io.zonekeeper.reaper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.zonekeeper.schemas.ClusterStatus;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The query endpoint on two instances sharing the organizations: any instance answers for every one. */
class OrgQueryEndpointTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final ReaperWorld world = new ReaperWorld();
    private final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void stop() {
        world.close();
    }

    @Test
    void everyInstanceAnswersForEveryOrganizationAndPagesThroughAllOfThem() throws Exception {
        Instant now = world.clock.instant();
        ReaperService a = world.start(Map.of());
        ReaperService b = world.start(Map.of());
        List<String> orgs = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            String orgId = String.format("org-%02d", i);
            orgs.add(orgId);
            world.zone(orgId, "org" + i, "Z" + i, now.minus(Duration.ofDays(3)));
            world.emit(orgId, "org" + i, "c-" + i, ClusterStatus.RUNNING, now.minusSeconds(30));
            if (i % 3 == 0) {
                world.emit(orgId, "org" + i, "c-" + i, ClusterStatus.STOPPED, now.minusSeconds(20));
            }
        }
        await().atMost(Duration.ofSeconds(90)).until(() -> a.state() == KafkaStreams.State.RUNNING
                && b.state() == KafkaStreams.State.RUNNING
                && orgs.stream().allMatch(o -> status(a, "/orgs/" + o) == 200 && status(b, "/orgs/" + o) == 200));

        // Both instances own some organizations, so either answers some by asking the other.
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            java.util.Set<String> servers = new java.util.HashSet<>();
            for (String org : orgs) {
                servers.add(get(a, "/orgs/" + org).get("servedBy").asText());
            }
            return servers.size() == 2;
        });
        assertThat(orgs).allSatisfy(o -> assertThat(get(b, "/orgs/" + o).get("servedBy"))
                .isEqualTo(get(a, "/orgs/" + o).get("servedBy")));

        JsonNode running = get(b, "/orgs/org-01");
        assertThat(running.get("clustersInUse")).extracting(JsonNode::asText).containsExactly("c-1");
        assertThat(running.get("zone").get("zoneId").asText()).isEqualTo("Z1");
        assertThat(running.get("pendingReap").isNull()).isTrue();
        JsonNode unused = get(a, "/orgs/org-03");
        assertThat(unused.get("clusterCount").asInt()).isZero();
        assertThat(unused.get("pendingReap").get("reason").asText()).isEqualTo("MONTH_END");
        assertThat(get(a, "/orgs/org-03")).isEqualTo(get(b, "/orgs/org-03"));

        for (ReaperService entry : List.of(a, b)) {
            // While partitions move (the second instance warming up) a page answers 503; a full pass that
            // succeeds must hold every organization exactly once, in order.
            List<String> seen = new ArrayList<>();
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> {
                seen.clear();
                String after = null;
                do {
                    HttpResponse<String> response = http.send(request(entry, "/orgs?limit=5"
                            + (after == null ? "" : "&after=" + after)), HttpResponse.BodyHandlers.ofString());
                    if (response.statusCode() == 503) {
                        return false;
                    }
                    JsonNode page = JSON.readTree(response.body());
                    page.get("orgs").forEach(o -> seen.add(o.get("orgId").asText()));
                    after = page.get("next").isNull() ? null : page.get("next").asText();
                } while (after != null);
                return true;
            });
            assertThat(seen).as("pages from either instance").containsExactlyElementsOf(orgs);
        }

        assertThat(status(a, "/orgs/org-99")).isEqualTo(404);
        assertThat(status(a, "/orgs/not%2Fvalid")).isEqualTo(400);
        assertThat(status(a, "/orgs?limit=0")).isEqualTo(400);
    }

    private JsonNode get(ReaperService service, String path) throws Exception {
        HttpResponse<String> response = http.send(request(service, path), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private int status(ReaperService service, String path) {
        try {
            return http.send(request(service, path), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    private static HttpRequest request(ReaperService service, String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.opsPort() + path))
                .timeout(Duration.ofSeconds(10)).GET().build();
    }
}
