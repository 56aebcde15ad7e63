package io.zonekeeper.testkit.faults;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.zonekeeper.testkit.JsonExchange;
import io.zonekeeper.testkit.aws.MotoAccounts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * A loopback HTTP proxy that sits in front of any HTTP dependency (the AWS emulator, OpenBao, a
 * Kubernetes mock) and forwards requests unless told to fail them: scripted faults for the next requests of an
 * operation, random faults at configured rates (from a seeded generator, so a run can be repeated), added
 * latency, dropped connections, or refusing connections altogether. It names each request's AWS operation and
 * counts requests and injected faults per operation.
 */
public final class FaultProxy implements AutoCloseable {

    private static final Set<String> NOT_FORWARDED = Set.of("connection", "content-length", "expect", "host",
            "upgrade", "transfer-encoding", "keep-alive", "te", "trailer", "proxy-connection");

    private record Scripted(Predicate<Operation> matches, Fault fault) {
    }

    private final URI target;
    private final int port;
    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread thread = new Thread(r, "fault-proxy");
        thread.setDaemon(true);
        return thread;
    });
    private final Map<Operation, AtomicLong> requests = new ConcurrentHashMap<>();
    private final Map<Operation, AtomicLong> injected = new ConcurrentHashMap<>();
    private final Deque<Scripted> script = new ArrayDeque<>();
    private final Map<String, Deque<Runnable>> beforeNext = new ConcurrentHashMap<>();
    private final Random random;
    private volatile FaultRates rates = FaultRates.NONE;
    private volatile Route53Enforcement route53 = null;
    private volatile Route53Authorizer authorizer = null;
    private volatile IamEnforcement iamRules = null;
    private HttpServer server;

    static {
        JsonExchange.noDelay();
    }

    private FaultProxy(URI target, long seed) {
        this.target = target;
        this.random = new Random(seed);
        this.server = bind(0);
        this.port = server.getAddress().getPort();
        server.start();
    }

    /** Starts a proxy to {@code target} on a free loopback port; {@code seed} fixes the random fault sequence. */
    public static FaultProxy start(URI target, long seed) {
        return new FaultProxy(target, seed);
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    public void rates(FaultRates rates) {
        this.rates = rates;
    }

    /** Refuses what Route53 would refuse and the emulator behind the proxy does not check (see the class). */
    public void enforce(Route53Enforcement rules) {
        this.route53 = rules;
    }

    /** Refuses what IAM would refuse and the emulator behind the proxy does not check (see the class). */
    public void enforce(IamEnforcement rules) {
        this.iamRules = rules;
    }

    /** Refuses Route53 requests the signing user's IAM policies do not allow (see {@link Route53Authorizer}). */
    public void authorize(Route53Authorizer iam) {
        this.authorizer = iam;
    }

    /** Fails the next {@code times} requests (of any operation) with {@code fault}, before any random fault. */
    public void failNext(int times, Fault fault) {
        failNext(op -> true, times, fault);
    }

    /** Fails the next {@code times} requests of the named operation (e.g. {@code CreateHostedZone}). */
    public void failNext(String operationName, int times, Fault fault) {
        failNext(op -> op.name().equals(operationName), times, fault);
    }

    private synchronized void failNext(Predicate<Operation> matches, int times, Fault fault) {
        for (int i = 0; i < times; i++) {
            script.addLast(new Scripted(matches, fault));
        }
    }

    /**
     * Runs {@code action} (for example another client's write) just before the next request of the named operation
     * reaches the dependency: a race between two clients, made to happen every time.
     */
    public void beforeNext(String operationName, Runnable action) {
        beforeNext.computeIfAbsent(operationName, name -> new ConcurrentLinkedDeque<>())
                .addLast(action);
    }

    /** Forgets scripted faults not yet injected. */
    public synchronized void clearScript() {
        script.clear();
    }

    /** Requests received per operation, faulted or not, keyed as {@code service:Operation}. */
    public Map<String, Long> requestCounts() {
        return snapshot(requests);
    }

    /** Faults injected per operation, keyed as {@code service:Operation}. */
    public Map<String, Long> faultCounts() {
        return snapshot(injected);
    }

    /** Requests received for an operation name, whatever the service. */
    public long requests(String operationName) {
        return requests.entrySet().stream().filter(e -> e.getKey().name().equals(operationName))
                .mapToLong(e -> e.getValue().get()).sum();
    }

    public synchronized void resetCounts() {
        requests.clear();
        injected.clear();
    }

    /** While true, the port is closed and connections are refused, as when the dependency is down. */
    public synchronized void refuseConnections(boolean refuse) {
        if (refuse && server != null) {
            server.stop(0);
            server = null;
        } else if (!refuse && server == null) {
            server = bind(port);
            server.start();
        }
    }

    private HttpServer bind(int onPort) {
        try {
            HttpServer bound = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), onPort), 128);
            bound.setExecutor(pool);
            bound.createContext("/", this::handle);
            return bound;
        } catch (IOException e) {
            throw new UncheckedIOException("could not bind the fault proxy to port " + onPort, e);
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        byte[] body = exchange.getRequestBody().readAllBytes();
        URI uri = exchange.getRequestURI();
        Operation operation = AwsOperations.classify(exchange.getRequestMethod(), uri.getRawPath(),
                uri.getRawQuery(), body);
        requests.computeIfAbsent(operation, o -> new AtomicLong()).incrementAndGet();
        FaultRates current = rates;
        sleep(current.latency());
        Fault fault = nextFault(operation, current);
        if (fault != null) {
            injected.computeIfAbsent(operation, o -> new AtomicLong()).incrementAndGet();
        }
        if (fault == null || fault == Fault.DROP_RESPONSE) {
            // Reaches the dependency (a dropped response is lost only after the request was applied).
            Deque<Runnable> actions = beforeNext.get(operation.name());
            Runnable action = actions == null ? null : actions.pollFirst();
            if (action != null) {
                action.run();
            }
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            String accountHeader = exchange.getRequestHeaders().getFirst(MotoAccounts.ACCOUNT_HEADER);
            Route53Authorizer iam = authorizer;
            FaultResponses.Response refusal = iam == null ? null
                    : iam.admit(operation, uri.getRawPath(), authorization, body);
            Route53Enforcement rules = route53;
            if (refusal == null && rules != null) {
                refusal = rules.admit(operation, uri.getRawPath(), authorization, accountHeader, body);
            }
            IamEnforcement iamQuotas = iamRules;
            if (refusal == null && iamQuotas != null) {
                refusal = iamQuotas.admit(operation, authorization, accountHeader);
            }
            if (refusal != null && fault == Fault.DROP_RESPONSE) {
                exchange.close();
                return;
            }
            if (refusal != null) {
                respond(exchange, refusal);
                return;
            }
            int status = forward(exchange, body, fault == Fault.DROP_RESPONSE);
            if (rules != null) {
                rules.answered(operation, uri.getRawPath(), authorization, accountHeader, body, status);
            }
            return;
        }
        if (fault == Fault.DROP_CONNECTION) {
            // Closing an exchange before any response is sent closes its connection: the client reads EOF.
            exchange.close();
            return;
        }
        respond(exchange, FaultResponses.render(fault, operation));
    }

    private static void respond(HttpExchange exchange, FaultResponses.Response response) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", response.contentType());
        exchange.getResponseHeaders().set("x-amzn-RequestId", UUID.randomUUID().toString());
        exchange.sendResponseHeaders(response.status(), response.body().length);
        exchange.getResponseBody().write(response.body());
        exchange.close();
    }

    private synchronized Fault nextFault(Operation operation, FaultRates current) {
        for (var it = script.iterator(); it.hasNext(); ) {
            Scripted scripted = it.next();
            if (scripted.matches().test(operation)) {
                it.remove();
                return scripted.fault();
            }
        }
        return current.pick(random.nextDouble());
    }

    /** Forwards the request and returns the dependency's status, or 502 when it could not be reached. */
    private int forward(HttpExchange exchange, byte[] body, boolean loseResponse) throws IOException {
        URI uri = exchange.getRequestURI();
        URI forwardTo = target.resolve(uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery()));
        HttpRequest.Builder request = HttpRequest.newBuilder(forwardTo)
                .timeout(Duration.ofSeconds(60))
                .method(exchange.getRequestMethod(), body.length == 0
                        ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        exchange.getRequestHeaders().forEach((name, values) -> {
            if (!NOT_FORWARDED.contains(name.toLowerCase(Locale.ROOT))) {
                values.forEach(value -> request.header(name, value));
            }
        });
        try {
            HttpResponse<byte[]> response = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            if (loseResponse) {
                return response.statusCode();
            }
            response.headers().map().forEach((name, values) -> {
                if (!NOT_FORWARDED.contains(name.toLowerCase(Locale.ROOT)) && !name.startsWith(":")) {
                    exchange.getResponseHeaders().put(name, List.copyOf(values));
                }
            });
            byte[] responseBody = response.body();
            boolean noBody = responseBody.length == 0 || exchange.getRequestMethod().equals("HEAD")
                    || response.statusCode() == 204 || response.statusCode() == 304;
            exchange.sendResponseHeaders(response.statusCode(), noBody ? -1 : responseBody.length);
            if (!noBody) {
                exchange.getResponseBody().write(responseBody);
            }
            return response.statusCode();
        } catch (IOException e) {
            // The dependency itself is unreachable: answer as a gateway would.
            exchange.sendResponseHeaders(502, -1);
            return 502;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            exchange.sendResponseHeaders(502, -1);
            return 502;
        } finally {
            exchange.close();
        }
    }

    private static Map<String, Long> snapshot(Map<Operation, AtomicLong> counts) {
        Map<String, Long> copy = new TreeMap<>();
        counts.forEach((op, n) -> copy.merge(op.toString(), n.get(), Long::sum));
        return copy;
    }

    private static void sleep(Duration duration) {
        if (duration.isZero()) {
            return;
        }
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public synchronized void close() {
        if (server != null) {
            server.stop(0);
            server = null;
        }
        pool.shutdownNow();
    }
}
