package io.github.dllmquant.runtime.chat;

import java.util.Objects;

/**
 * One turn of a conversation, as chat templates receive it ({@code message['role']},
 * {@code message['content']}).
 *
 * @param role    {@code system}, {@code user}, {@code assistant} (templates may accept others)
 * @param content the text of the turn
 */
public record ChatMessage(String role, String content) {

    public ChatMessage {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
        if (role.isBlank()) {
            throw new IllegalArgumentException("role must not be blank");
        }
    }

    /** A system prompt. */
    public static ChatMessage system(String content) {
        return new ChatMessage("system", content);
    }

    /** A user turn. */
    public static ChatMessage user(String content) {
        return new ChatMessage("user", content);
    }

    /** An assistant turn. */
    public static ChatMessage assistant(String content) {
        return new ChatMessage("assistant", content);
    }
}
