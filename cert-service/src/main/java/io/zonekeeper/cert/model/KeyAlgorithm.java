package io.zonekeeper.cert.model;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.spec.AlgorithmParameterSpec;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.RSAKeyGenParameterSpec;
import java.util.Arrays;
import java.util.Locale;

/** The key types Zonekeeper issues, with the signature algorithm each one signs with. */
public enum KeyAlgorithm {

    EC_P256("ec-p256", "EC", new ECGenParameterSpec("secp256r1"), "SHA256withECDSA"),
    RSA_2048("rsa-2048", "RSA", new RSAKeyGenParameterSpec(2048, RSAKeyGenParameterSpec.F4), "SHA256withRSA"),
    RSA_4096("rsa-4096", "RSA", new RSAKeyGenParameterSpec(4096, RSAKeyGenParameterSpec.F4), "SHA256withRSA");

    private final String configName;
    private final String jcaName;
    private final AlgorithmParameterSpec parameters;
    private final String signatureAlgorithm;

    KeyAlgorithm(String configName, String jcaName, AlgorithmParameterSpec parameters, String signatureAlgorithm) {
        this.configName = configName;
        this.jcaName = jcaName;
        this.parameters = parameters;
        this.signatureAlgorithm = signatureAlgorithm;
    }

    /** Parses the configuration spelling: {@code ec-p256}, {@code rsa-2048} or {@code rsa-4096}. */
    public static KeyAlgorithm parse(String raw) {
        String wanted = raw.trim().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(a -> a.configName.equals(wanted)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown key algorithm '" + raw + "', expected one of "
                        + Arrays.stream(values()).map(KeyAlgorithm::configName).toList()));
    }

    public String configName() {
        return configName;
    }

    public boolean isRsa() {
        return jcaName.equals("RSA");
    }

    /** The signature algorithm a key of this type signs certificates with. */
    public String signatureAlgorithm() {
        return signatureAlgorithm;
    }

    public KeyPair generate(SecureRandom random) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance(jcaName);
            generator.initialize(parameters, random);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK cannot generate " + configName + " keys", e);
        }
    }

    /** The algorithm of an existing key, so a CA signs with what it is, whatever the configuration says now. */
    public static String signatureAlgorithmFor(PrivateKey key) {
        return key.getAlgorithm().equals("RSA") ? RSA_2048.signatureAlgorithm : EC_P256.signatureAlgorithm;
    }
}
