package io.github.dllmquant.core.spi;

/**
 * The role of a linear layer inside a transformer block, independent of an architecture's tensor
 * names (LLaDA's {@code attn_out} and Dream's {@code o_proj} are both {@link #O}).
 */
public enum LinearRole {
    Q(GroupRole.QKV), K(GroupRole.QKV), V(GroupRole.QKV),
    O(GroupRole.O),
    GATE(GroupRole.GATE_UP), UP(GroupRole.GATE_UP),
    DOWN(GroupRole.DOWN);

    private final GroupRole group;

    LinearRole(GroupRole group) {
        this.group = group;
    }

    /** The group of linears that share this layer's input. */
    public GroupRole group() {
        return group;
    }
}
