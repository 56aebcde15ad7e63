package io.zonekeeper.testkit.faults;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

/** The bodies real services send for each fault, so clients classify them as they would in production. */
final class FaultResponses {

    record Response(int status, String contentType, byte[] body) {
    }

    private FaultResponses() {
    }

    static Response render(Fault fault, Operation operation) {
        return switch (operation.service()) {
            case "route53" -> aws(fault, "https://route53.amazonaws.com/doc/2013-04-01/");
            case "iam" -> aws(fault, "https://iam.amazonaws.com/doc/2010-05-08/");
            default -> json(fault);
        };
    }

    private static Response aws(Fault fault, String namespace) {
        return switch (fault) {
            case THROTTLING -> awsError(400, namespace, "Sender", "Throttling", "Rate exceeded");
            case PRIOR_REQUEST_NOT_COMPLETE -> awsError(400, namespace, "Sender", "PriorRequestNotComplete",
                    "The request was rejected because Route 53 was still processing a prior request.");
            case SERVER_ERROR -> awsError(503, namespace, "Receiver", "ServiceUnavailable",
                    "Service is unable to handle request.");
            case DROP_CONNECTION, DROP_RESPONSE -> throw new IllegalArgumentException("a dropped connection has no response");
        };
    }

    static Response awsError(int status, String namespace, String type, String code, String message) {
        String xml = "<?xml version=\"1.0\"?>\n<ErrorResponse xmlns=\"" + namespace + "\"><Error><Type>" + type
                + "</Type><Code>" + code + "</Code><Message>" + message + "</Message></Error><RequestId>"
                + UUID.randomUUID() + "</RequestId></ErrorResponse>";
        return new Response(status, "text/xml", xml.getBytes(StandardCharsets.UTF_8));
    }

    private static Response json(Fault fault) {
        return switch (fault) {
            case THROTTLING -> new Response(429, "application/json", body("rate limit exceeded"));
            case PRIOR_REQUEST_NOT_COMPLETE, SERVER_ERROR -> new Response(503, "application/json", body("injected fault"));
            case DROP_CONNECTION, DROP_RESPONSE -> throw new IllegalArgumentException("a dropped connection has no response");
        };
    }

    private static byte[] body(String error) {
        return ("{\"errors\":[\"" + error + "\"]}").getBytes(StandardCharsets.UTF_8);
    }
}
