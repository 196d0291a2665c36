package io.github.dllmquant.runtime.api;

import io.github.dllmquant.runtime.chat.ChatMessage;

import java.util.Arrays;

/**
 * What to generate after: plain text (encoded with the model's tokenizer, BOS prepended where the
 * model expects one), a chat conversation (rendered with the model's chat template) or token ids
 * used exactly as given.
 */
public sealed interface Prompt permits Prompt.Text, Prompt.Chat, Prompt.Ids {

    /** Plain text. */
    static Prompt text(String text) {
        return new Text(text);
    }

    /** One user message wrapped in the model's chat template, with the assistant turn opened. */
    static Prompt chat(String userMessage) {
        return new Chat(java.util.List.of(ChatMessage.user(userMessage)));
    }

    /** A conversation wrapped in the model's chat template, with the assistant turn opened. */
    static Prompt chat(java.util.List<ChatMessage> turns) {
        return new Chat(turns);
    }

    /** Token ids, used as they are. */
    static Prompt ids(int... ids) {
        return new Ids(ids);
    }

    /** Plain text. */
    record Text(String text) implements Prompt {
        public Text {
            if (text == null) {
                throw new IllegalArgumentException("prompt text must not be null");
            }
        }
    }

    /** A conversation for the chat template. */
    record Chat(java.util.List<ChatMessage> turns) implements Prompt {
        public Chat {
            if (turns == null || turns.isEmpty()) {
                throw new IllegalArgumentException("a chat prompt needs at least one message");
            }
            turns = java.util.List.copyOf(turns);
        }
    }

    /** Token ids used as they are. */
    record Ids(int[] ids) implements Prompt {
        public Ids {
            if (ids == null) {
                throw new IllegalArgumentException("prompt ids must not be null");
            }
            for (int i = 0; i < ids.length; i++) {
                if (ids[i] < 0) {
                    throw new IllegalArgumentException("prompt id at index " + i + " is negative: " + ids[i]);
                }
            }
            ids = ids.clone();
        }

        @Override
        public int[] ids() {
            return ids.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Ids other && Arrays.equals(ids, other.ids);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(ids);
        }

        @Override
        public String toString() {
            return "Ids" + Arrays.toString(ids);
        }
    }
}
