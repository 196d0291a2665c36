package io.github.dllmquant.examples.study;

import io.github.dllmquant.methods.Recipe;

import java.util.List;
import java.util.Locale;

/**
 * The methods a command line or the study can name, and their recipes.
 */
public final class Methods {

    /** Every method name, in the study's order. */
    public static final List<String> NAMES = List.of("rtn", "gptq", "awq", "smoothquant", "quarot", "duquant");

    private Methods() {
    }

    /**
     * The default recipe of a method, set to a scheme (e.g. {@code w4a16}: group size 128 for weight-only
     * schemes, per channel when activations are quantized, as the paper).
     *
     * @throws IllegalArgumentException naming the method or scheme when unknown
     */
    public static Recipe recipe(String method, String scheme) {
        Recipe base = switch (method.toLowerCase(Locale.ROOT)) {
            case "rtn" -> Recipe.rtn();
            case "gptq" -> Recipe.gptq();
            case "awq" -> Recipe.awq();
            case "smoothquant" -> Recipe.smoothQuant();
            case "quarot" -> Recipe.quarot();
            case "duquant" -> Recipe.duquant();
            default -> throw new IllegalArgumentException("unknown method '" + method + "': expected one of "
                    + String.join(", ", NAMES));
        };
        return base.scheme(scheme);
    }
}
