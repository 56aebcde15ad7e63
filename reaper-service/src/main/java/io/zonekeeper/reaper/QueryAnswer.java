package io.zonekeeper.reaper;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Map;

/** What the query service answers: an HTTP status and a JSON body, the same whether asked locally or by a peer. */
record QueryAnswer(int status, String body) {

    static final ObjectMapper JSON = new ObjectMapper();

    static QueryAnswer json(int status, Object value) {
        try {
            return new QueryAnswer(status, JSON.writeValueAsString(value));
        } catch (IOException e) {
            throw new IllegalStateException("cannot render the answer", e);
        }
    }

    static QueryAnswer error(int status, String message) {
        return json(status, Map.of("error", message));
    }
}
