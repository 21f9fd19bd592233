// Election participants that follow other clients' rules, written from their documented
// behaviour (read in their sources, not copied):
// - Apache Curator's LeaderLatch: node `_c_<uuid>-latch-<sequence>` (protected mode), its ID in
//   the data; children are ordered by the text after the last `latch-` (the whole name when
//   there is none), compared as strings; the first one leads.
// - kazoo's Election (a Lock): node `<uuid hex>__lock__<sequence>`, its identifier in the data;
//   only children ending in `__lock__` and ten digits are contenders, ordered by those digits;
//   a contender leads when no contender has a lower sequence.
import { randomUUID } from 'node:crypto';
import { CreateMode, type Client } from 'node-zookeeper-client';

export type ParticipantRules = 'curator' | 'kazoo';

export interface ForeignParticipant {
  /** The znode name it created; null before join() or after leave(). */
  readonly node: () => string | null;
  join(): Promise<void>;
  leave(): Promise<void>;
  /** Whether its own rules make it the leader now. */
  isLeader(): Promise<boolean>;
  /** The data of the node its own rules name as leader (Curator getLeader, kazoo contenders()[0]). */
  readLeader(): Promise<string | null>;
}

const kazooContender = /__lock__(-?\d{10})$/;

/** The children in the order the named client sorts them (kazoo: its contenders only). */
function orderByRules(rules: ParticipantRules, children: readonly string[]): string[] {
  switch (rules) {
    case 'curator':
      return [...children].sort((left, right) => {
        const leftKey = curatorSortKey(left);
        const rightKey = curatorSortKey(right);
        return leftKey < rightKey ? -1 : leftKey > rightKey ? 1 : 0;
      });
    case 'kazoo':
      return children
        .map((name) => ({ name, sequence: kazooContender.exec(name)?.[1] }))
        .filter(
          (entry): entry is { name: string; sequence: string } => entry.sequence !== undefined,
        )
        .sort((left, right) => (left.sequence < right.sequence ? -1 : 1))
        .map((entry) => entry.name);
  }
}

function curatorSortKey(name: string): string {
  const index = name.lastIndexOf('latch-');
  return index < 0 ? name : name.slice(index + 'latch-'.length);
}

export function createForeignParticipant(
  client: Client,
  parentPath: string,
  rules: ParticipantRules,
  id: string,
): ForeignParticipant {
  let node: string | null = null;
  const prefix =
    rules === 'curator'
      ? `_c_${randomUUID()}-latch-`
      : `${randomUUID().replaceAll('-', '')}__lock__`;

  const ordered = async (): Promise<string[]> =>
    orderByRules(rules, await childrenOf(client, parentPath));

  return {
    node: () => node,
    async join() {
      const path = await new Promise<string>((resolve, reject) => {
        client.create(
          `${parentPath}/${prefix}`,
          Buffer.from(id, 'utf8'),
          CreateMode.EPHEMERAL_SEQUENTIAL,
          (error, created) => {
            if (error === null) resolve(created);
            else reject(new Error(String(error)));
          },
        );
      });
      node = path.slice(parentPath.length + 1);
    },
    async leave() {
      const own = node;
      if (own === null) return;
      node = null;
      await new Promise<void>((resolve, reject) => {
        client.remove(`${parentPath}/${own}`, -1, (error) => {
          if (error === null) resolve();
          else reject(new Error(String(error)));
        });
      });
    },
    async isLeader() {
      return node !== null && (await ordered())[0] === node;
    },
    async readLeader() {
      const first = (await ordered())[0];
      if (first === undefined) return null;
      return new Promise<string | null>((resolve) => {
        client.getData(`${parentPath}/${first}`, (error, data) => {
          resolve(error === null ? data.toString('utf8') : null);
        });
      });
    },
  };
}

export function childrenOf(client: Client, parentPath: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    client.getChildren(parentPath, (error, names) => {
      if (error === null) resolve(names);
      else reject(new Error(String(error)));
    });
  });
}
