import { isVoter } from '../../src/core/raft/configuration.js';
import { hasLeft } from '../../src/core/raft/membership-view.js';
import type { Random } from '../../src/core/random.js';
import type { SimCluster } from './cluster.js';
import { memberPool } from './cluster.js';

type RollStep =
  | { readonly kind: 'create'; readonly id: string; readonly isEmpty: boolean }
  | { readonly kind: 'delete'; readonly id: string; readonly isGraceful: boolean }
  | { readonly kind: 'restart'; readonly id: string };

function shuffled<T>(random: Random, values: readonly T[]): T[] {
  const copy = [...values];
  for (let index = copy.length - 1; index > 0; index--) {
    const other = Math.floor(random() * (index + 1));
    [copy[index], copy[other]] = [copy[other] as T, copy[index] as T];
  }
  return copy;
}

/** Whether `id` is a voter in the configuration any pod (existing or deleted) holds durably. */
function isKnownVoter(cluster: SimCluster, id: string): boolean {
  return memberPool.some((pod) => isVoter(cluster.durableOf(pod).configuration, id));
}

/**
 * A StatefulSet roll to a new `--members` list, one step at a time: new pods are created
 * (with their retained volume, or an empty one when no configuration names them), pods left
 * out are deleted (gracefully: they leave first, as elector does on SIGTERM when its pod is
 * scaled away; or abruptly), and the others are restarted with the new list, in reverse
 * ordinal order as the controller does, or in any order.
 */
export class Roll {
  private readonly steps: RollStep[];
  /** Deleted pods that asked to leave: they go once removed, or at their grace deadline. */
  private readonly leaving = new Map<string, number>();

  constructor(
    private readonly cluster: SimCluster,
    readonly members: readonly string[],
    random: Random,
    options: {
      readonly isOrdered: boolean;
      readonly graceMs: number;
      readonly isGraceful?: boolean;
    },
  ) {
    const existing = cluster.existing();
    const creates: RollStep[] = members
      .filter((id) => !existing.includes(id))
      .map((id) => ({
        kind: 'create',
        id,
        isEmpty: !isKnownVoter(cluster, id) && random() < 0.3,
      }));
    const deletes: RollStep[] = existing
      .filter((id) => !members.includes(id))
      .map((id) => ({
        kind: 'delete',
        id,
        isGraceful: options.isGraceful ?? random() < 0.8,
      }));
    const restarts: RollStep[] = existing
      .filter(
        (id) =>
          members.includes(id) &&
          (!sameList(cluster.membersOf(id), members) || cluster.isLeaving(id)),
      )
      .sort()
      .reverse()
      .map((id) => ({ kind: 'restart', id }));
    this.steps = options.isOrdered
      ? [...shuffled(random, [...creates, ...deletes]), ...restarts]
      : shuffled(random, [...creates, ...deletes, ...restarts]);
    this.graceMs = options.graceMs;
  }

  private readonly graceMs: number;

  get isDone(): boolean {
    return this.steps.length === 0 && this.leaving.size === 0;
  }

  /** Takes the next step of the roll. */
  advance(): void {
    const step = this.steps.shift();
    if (step === undefined) return;
    const { cluster } = this;
    switch (step.kind) {
      case 'create':
        cluster.createPod(step.id, this.members, step.isEmpty);
        break;
      case 'restart':
        cluster.restartWith(step.id, this.members);
        break;
      case 'delete':
        if (step.isGraceful) {
          cluster.leave(step.id);
          this.leaving.set(step.id, cluster.now + this.graceMs);
        } else {
          cluster.deletePod(step.id);
        }
        break;
    }
  }

  /**
   * Brings back a deleted pod that some configuration still counts, as an operator would, with
   * its volume: with the roll's list if that names it; else with its old list, and it leaves
   * again, gracefully.
   */
  restore(id: string): void {
    const isWanted = this.members.includes(id);
    this.cluster.createPod(id, isWanted ? this.members : this.cluster.membersOf(id), false);
    if (isWanted) return;
    this.cluster.leave(id);
    this.leaving.set(id, Number.POSITIVE_INFINITY);
  }

  /** Deletes the leaving pods that were removed (they know) or whose grace period ran out. */
  reapLeaving(): void {
    for (const [id, deadline] of this.leaving) {
      const state = this.cluster.stateOf(id);
      const isRemoved = state !== null && hasLeft(state);
      if (isRemoved || this.cluster.now >= deadline || !this.cluster.exists(id)) {
        this.cluster.deletePod(id);
        this.leaving.delete(id);
      }
    }
  }

  /** Takes every remaining step at once. */
  finish(): void {
    while (this.steps.length > 0) this.advance();
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((member, index) => member === b[index]);
}

/** A desired list: a StatefulSet prefix of 1, 3, 5 or 7 pods, or (sometimes) any odd subset with n1. */
export function randomMemberList(random: Random): readonly string[] {
  const size = [1, 3, 3, 5, 5, 7][Math.floor(random() * 6)] ?? 3;
  if (random() < 0.8) return memberPool.slice(0, size);
  const others = shuffled(random, memberPool.slice(1)).slice(0, size - 1);
  return ['n1', ...others].sort();
}
