package io.github.dllmquant.runtime.chat;

/**
 * A chat template could not render a conversation: the template called {@code raise_exception}
 * (e.g. "Conversation roles must alternate user/assistant"), or it has an error the engine reports.
 * Unchecked, like {@link IllegalArgumentException}: the conversation or the template is at fault,
 * not I/O.
 */
public class ChatTemplateException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    /** An error described by {@code message}. */
    public ChatTemplateException(String message) {
        super(message);
    }

    /** An error described by {@code message} with its cause. */
    public ChatTemplateException(String message, Throwable cause) {
        super(message, cause);
    }
}
