package io.zonekeeper.testkit.tls;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A certificate authority for the test programs that serve TLS on loopback (the secured broker, the registry), as an
 * installation's own CA would be: its certificate is the trust bundle clients are given, and it issues each server a
 * certificate for {@code 127.0.0.1} and {@code localhost}. Everything is written as PEM files, the form a Kubernetes
 * Secret mounts. Bouncy Castle builds the certificates because the JDK has no public API for issuing them.
 */
public final class LoopbackAuthority {

    private static final Duration VALIDITY = Duration.ofDays(2);

    private final Path directory;
    private final KeyPair keys;
    private final X509Certificate certificate;

    private LoopbackAuthority(Path directory, KeyPair keys, X509Certificate certificate) {
        this.directory = directory;
        this.keys = keys;
        this.certificate = certificate;
    }

    /** A new authority whose files go into {@code directory}. */
    public static LoopbackAuthority create(Path directory, String name) {
        try {
            Files.createDirectories(directory);
            KeyPair keys = ecKeys();
            X500Name subject = new X500Name("CN=" + name);
            X509v3CertificateBuilder builder = builder(subject, subject, keys)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            LoopbackAuthority authority = new LoopbackAuthority(directory, keys, sign(builder, keys));
            Files.writeString(authority.trustBundle(), pem(authority.certificate));
            return authority;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The CA's certificate: what a client trusts ({@code ssl.truststore.location}, {@code SCHEMA_REGISTRY_CA_FILE}). */
    public Path trustBundle() {
        return directory.resolve("ca.crt");
    }

    /** A server certificate for loopback, issued now: {@code <name>.crt} (with the CA after it) and {@code <name>.key}. */
    public ServerCertificate issueServer(String name) {
        try {
            KeyPair server = ecKeys();
            X500Name issuer = new X500Name(certificate.getSubjectX500Principal().getName());
            X509v3CertificateBuilder builder = builder(issuer, new X500Name("CN=" + name), server)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                    .addExtension(Extension.extendedKeyUsage, false,
                            new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth}))
                    .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                            new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                            new GeneralName(GeneralName.dNSName, "localhost")}));
            X509Certificate issued = sign(builder, keys);
            Path chain = directory.resolve(name + ".crt");
            Path key = directory.resolve(name + ".key");
            Files.writeString(chain, pem(issued) + pem(certificate));
            StringWriter keyPem = new StringWriter();
            try (JcaPEMWriter writer = new JcaPEMWriter(keyPem)) {
                // PKCS#8, unencrypted: what Kafka's PEM key store and Quarkus both read.
                writer.writeObject(new JcaPKCS8Generator(server.getPrivate(), null));
            }
            Files.writeString(key, keyPem.toString());
            return new ServerCertificate(chain, key);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A server's certificate chain and private key, as PEM files. */
    public record ServerCertificate(Path chain, Path key) {
    }

    private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair subjectKeys) {
        Instant now = Instant.now();
        return new JcaX509v3CertificateBuilder(issuer, new BigInteger(64, new SecureRandom()),
                Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(VALIDITY)), subject,
                subjectKeys.getPublic());
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, KeyPair signer) {
        try {
            return new JcaX509CertificateConverter().getCertificate(builder.build(
                    new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate())));
        } catch (OperatorCreationException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign a test certificate", e);
        }
    }

    private static KeyPair ecKeys() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(256);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String pem(Object object) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(object);
        }
        return out.toString();
    }
}
