package io.github.dllmquant.runtime.chat;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.InterpreterFactory;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.lib.tag.Tag;
import com.hubspot.jinjava.tree.Node;
import com.hubspot.jinjava.tree.TagNode;
import io.github.dllmquant.runtime.config.ModelFormatException;
import io.github.dllmquant.runtime.tokenizer.Tokenizer;
import io.github.dllmquant.runtime.tokenizer.TokenizerConfig;
import jinjava.javax.el.CompositeELResolver;

import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Renders a conversation with the Jinja {@code chat_template} of tokenizer_config.json the way
 * transformers' {@code apply_chat_template} does: {@code trim_blocks} and {@code lstrip_blocks},
 * Jinja operator precedence (filters before {@code +}), the single trailing newline of the
 * template source dropped, variables {@code messages}, {@code add_generation_prompt} and the special
 * token texts ({@code bos_token}, {@code eos_token}, ...), the functions {@code raise_exception} and
 * {@code strftime_now}, the {@code {% generation %}} block, and the Python string methods templates
 * call ({@code .strip()}, {@code .startswith()}, {@code .split()}, ...).
 *
 * <p>Immutable and thread-safe. Known difference from Jinja2: {@code {{ none }}} prints an empty string
 * (Jinjava cannot tell it from an undefined variable); booleans print as {@code True}/{@code False} as in Python.
 */
public final class ChatTemplate {

    /** Cap on the rendered text: a template loop gone wrong fails instead of exhausting memory. */
    private static final long MAX_OUTPUT_CHARS = 10_000_000;

    private final String source;
    private final Map<String, String> specialTokens;
    private final Tokenizer tokenizer;
    private final Jinjava jinjava;

    private ChatTemplate(String source, Map<String, String> specialTokens, Tokenizer tokenizer) {
        this.source = stripOneTrailingNewline(Objects.requireNonNull(source, "source"));
        this.specialTokens = Map.copyOf(specialTokens);
        this.tokenizer = tokenizer;
        this.jinjava = newEngine();
    }

    /**
     * The chat template of a loaded tokenizer (its tokenizer_config.json), with its special tokens
     * bound; {@link #encode} is available.
     *
     * @throws ModelFormatException when the folder has no chat template
     */
    public static ChatTemplate of(Tokenizer tokenizer) throws ModelFormatException {
        TokenizerConfig c = tokenizer.config();
        String template = c.chatTemplate().orElseThrow(() -> new ModelFormatException(
                "tokenizer_config.json has no chat_template (and there is no chat_template.jinja)"));
        Map<String, String> specials = new HashMap<>();
        put(specials, "bos_token", c.bosToken());
        put(specials, "eos_token", c.eosToken());
        put(specials, "pad_token", c.padToken());
        put(specials, "unk_token", c.unkToken());
        put(specials, "mask_token", c.maskToken());
        return new ChatTemplate(template, specials, tokenizer);
    }

    /** A template from its source; {@code specialTokens} binds e.g. {@code bos_token}. Only {@link #render} works. */
    public static ChatTemplate of(String source, Map<String, String> specialTokens) {
        return new ChatTemplate(source, specialTokens, null);
    }

    /** The template source (after dropping its trailing newline, as Jinja does). */
    public String source() {
        return source;
    }

    /** Renders {@code messages}; with {@code addGenerationPrompt}, the template's opening of an assistant turn follows. */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        return render(messages, addGenerationPrompt, Map.of());
    }

    /**
     * Renders with extra template variables (e.g. {@code tools}, {@code system_message}); they cannot
     * replace {@code messages} or {@code add_generation_prompt}.
     */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt, Map<String, ?> variables) {
        Objects.requireNonNull(messages, "messages");
        List<Map<String, Object>> msgs = new ArrayList<>(messages.size());
        for (ChatMessage m : messages) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("role", m.role());
            entry.put("content", m.content());
            msgs.add(entry);
        }
        return renderMessages(msgs, addGenerationPrompt, variables);
    }

    /**
     * Renders messages given as maps, for templates that read more than role and content (e.g.
     * {@code name}, {@code tool_calls}); values may be strings, numbers, booleans, lists and maps.
     */
    public String renderMessages(List<? extends Map<String, ?>> messages, boolean addGenerationPrompt,
                                 Map<String, ?> variables) {
        Objects.requireNonNull(messages, "messages");
        Map<String, Object> context = new HashMap<>(specialTokens);
        context.putAll(variables);
        List<Map<String, Object>> msgs = new ArrayList<>(messages.size());
        for (Map<String, ?> m : messages) {
            msgs.add(new LinkedHashMap<>(m));
        }
        context.put("messages", msgs);
        context.put("add_generation_prompt", addGenerationPrompt);
        RenderResult result;
        try {
            result = jinjava.renderForResult(source, context);
        } catch (RuntimeException e) {
            throw new ChatTemplateException("chat template failed: " + e.getMessage(), e);
        }
        for (TemplateError error : result.getErrors()) {
            if (error.getSeverity() == TemplateError.ErrorType.FATAL) {
                throw new ChatTemplateException(describe(error));
            }
        }
        return result.getOutput();
    }

    /** The token ids of the rendered conversation (no BOS is added beyond what the template writes). */
    public int[] encode(List<ChatMessage> messages, boolean addGenerationPrompt) {
        if (tokenizer == null) {
            throw new IllegalStateException("this template was built from source; use ChatTemplate.of(tokenizer)");
        }
        return tokenizer.encode(render(messages, addGenerationPrompt));
    }

    private static String describe(TemplateError error) {
        String message = error.getMessage();
        Throwable cause = error.getException();
        while (cause != null) {
            if (cause instanceof RaisedByTemplate raised) {
                return raised.getMessage();
            }
            cause = cause.getCause();
        }
        return "chat template error at line " + error.getLineno() + ": " + message;
    }

    private static void put(Map<String, String> m, String key, Optional<String> value) {
        value.ifPresent(v -> m.put(key, v));
    }

    /** Jinja (keep_trailing_newline=False) removes one trailing newline of the template source. */
    private static String stripOneTrailingNewline(String s) {
        if (s.endsWith("\r\n")) {
            return s.substring(0, s.length() - 2);
        }
        if (s.endsWith("\n") || s.endsWith("\r")) {
            return s.substring(0, s.length() - 1);
        }
        return s;
    }

    private static Jinjava newEngine() {
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new PythonStringMethods());
        resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);
        JinjavaConfig config = JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                .withElResolver(resolver)
                .withMaxOutputSize(MAX_OUTPUT_CHARS)
                .withInterperterFactory(new PythonicInterpreterFactory())
                .withLegacyOverrides(LegacyOverrides.newBuilder()
                        .withUseNaturalOperatorPrecedence(true)
                        .withParseWhitespaceControlStrictly(true)
                        .withUsePyishObjectMapper(true)
                        .withKeepNullableLoopValues(true)
                        .build())
                .build();
        Jinjava engine = new Jinjava(config);
        try {
            engine.getGlobalContext().registerFunction(new ELFunctionDefinition("", "raise_exception",
                    ChatTemplate.class.getDeclaredMethod("raiseException", String.class)));
            engine.getGlobalContext().registerFunction(new ELFunctionDefinition("", "strftime_now",
                    ChatTemplate.class.getDeclaredMethod("strftimeNow", String.class)));
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(e);
        }
        engine.getGlobalContext().registerTag(new GenerationTag());
        return engine;
    }

    /** {@code raise_exception(message)}: the template rejects the conversation. */
    public static String raiseException(String message) {
        throw new RaisedByTemplate(message);
    }

    /** {@code strftime_now(format)}: the current local time in a Python strftime format. */
    public static String strftimeNow(String format) {
        return strftime(ZonedDateTime.now(), format);
    }

    /** Python strftime for the directives chat templates use ({@code %d %b %Y} and the like). */
    static String strftime(ZonedDateTime t, String format) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%' || i + 1 >= format.length()) {
                sb.append(c);
                continue;
            }
            char d = format.charAt(++i);
            boolean noPad = false;
            if (d == '-' && i + 1 < format.length()) { // glibc's "no padding" flag
                noPad = true;
                d = format.charAt(++i);
            }
            String pattern = switch (d) {
                case 'd' -> noPad ? "d" : "dd";
                case 'm' -> noPad ? "M" : "MM";
                case 'Y' -> "yyyy";
                case 'y' -> "yy";
                case 'b', 'h' -> "MMM";
                case 'B' -> "MMMM";
                case 'a' -> "EEE";
                case 'A' -> "EEEE";
                case 'H' -> noPad ? "H" : "HH";
                case 'I' -> noPad ? "h" : "hh";
                case 'M' -> noPad ? "m" : "mm";
                case 'S' -> noPad ? "s" : "ss";
                case 'p' -> "a";
                case 'j' -> "DDD";
                default -> null;
            };
            if (d == '%') {
                sb.append('%');
            } else if (pattern == null) {
                sb.append('%').append(d);
            } else {
                sb.append(DateTimeFormatter.ofPattern(pattern, Locale.ENGLISH).format(t));
            }
        }
        return sb.toString();
    }

    /** Thrown by {@code raise_exception}; recognised when the engine reports it. */
    private static final class RaisedByTemplate extends RuntimeException {
        private static final long serialVersionUID = 1L;

        RaisedByTemplate(String message) {
            super(message);
        }
    }

    /** Interpreters that print booleans the Python way ({@code True}, {@code False}). */
    private static final class PythonicInterpreterFactory implements InterpreterFactory {
        @Override
        public JinjavaInterpreter newInstance(JinjavaInterpreter orig) {
            return new PythonicInterpreter(orig);
        }

        @Override
        public JinjavaInterpreter newInstance(Jinjava application, Context context, JinjavaConfig renderConfig) {
            return new PythonicInterpreter(application, context, renderConfig);
        }
    }

    private static final class PythonicInterpreter extends JinjavaInterpreter {
        PythonicInterpreter(JinjavaInterpreter orig) {
            super(orig);
        }

        PythonicInterpreter(Jinjava application, Context context, JinjavaConfig renderConfig) {
            super(application, context, renderConfig);
        }

        @Override
        public String getAsString(Object object) {
            if (object instanceof Boolean b) {
                return b ? "True" : "False";
            }
            return super.getAsString(object);
        }
    }

    /** transformers' {@code {% generation %}...{% endgeneration %}} marks assistant text; it renders its body. */
    private static final class GenerationTag implements Tag {
        private static final long serialVersionUID = 1L;

        @Override
        public String getName() {
            return "generation";
        }

        @Override
        public String getEndTagName() {
            return "endgeneration";
        }

        @Override
        public String interpret(TagNode tagNode, JinjavaInterpreter interpreter) {
            StringBuilder sb = new StringBuilder();
            for (Node child : tagNode.getChildren()) {
                sb.append(child.render(interpreter).getValue());
            }
            return sb.toString();
        }
    }
}
