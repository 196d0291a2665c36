package io.github.dllmquant.core.spi;

import java.util.List;

/**
 * Linears that share one input, with the op that produces that input. Stated once per architecture
 * as data, so methods never repeat which producer feeds which consumer.
 *
 * @param role     which group
 * @param members  the linears reading the shared input, in a fixed order
 * @param absorber what can absorb a per-channel input scale
 */
public record LinearGroup(GroupRole role, List<LinearRole> members, Absorber absorber) {

    public LinearGroup {
        members = List.copyOf(members);
        if (members.isEmpty()) {
            throw new IllegalArgumentException("group " + role + " has no members");
        }
        for (LinearRole m : members) {
            if (m.group() != role) {
                throw new IllegalArgumentException(m + " does not belong to group " + role);
            }
        }
    }

    /** The LLaMA-style groups: norm → q/k/v; v rows → o; norm → gate/up; up rows → down. */
    public static List<LinearGroup> llamaStyle() {
        return List.of(
                new LinearGroup(GroupRole.QKV, List.of(LinearRole.Q, LinearRole.K, LinearRole.V),
                        Absorber.norm(NormRole.ATTENTION)),
                new LinearGroup(GroupRole.O, List.of(LinearRole.O), Absorber.rows(LinearRole.V)),
                new LinearGroup(GroupRole.GATE_UP, List.of(LinearRole.GATE, LinearRole.UP),
                        Absorber.norm(NormRole.FFN)),
                new LinearGroup(GroupRole.DOWN, List.of(LinearRole.DOWN), Absorber.rows(LinearRole.UP)));
    }
}
