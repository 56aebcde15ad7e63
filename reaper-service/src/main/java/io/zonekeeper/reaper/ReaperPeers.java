package io.zonekeeper.reaper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Asks another reaper instance's query endpoint; a peer that does not answer in time is a 503, never a hang. */
final class ReaperPeers {

    private static final Logger LOG = LoggerFactory.getLogger(ReaperPeers.class);

    private final HttpClient http;
    private final Duration timeout;

    ReaperPeers(Duration timeout) {
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    QueryAnswer ask(HostInfo peer, String pathAndQuery) {
        URI uri = URI.create("http://" + peer.host() + ":" + peer.port() + pathAndQuery);
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).timeout(timeout).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            return new QueryAnswer(response.statusCode(), response.body());
        } catch (IOException e) {
            LOG.warn("instance {} did not answer {}: {}", peer, pathAndQuery, e.toString());
            return QueryAnswer.error(503, "instance " + peer.host() + ":" + peer.port() + " did not answer");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return QueryAnswer.error(503, "interrupted");
        }
    }
}
